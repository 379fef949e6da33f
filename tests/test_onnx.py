"""The ONNX query path: same vectors and rankings as sentence-transformers, no torch at query
time, a corrupt export rebuilt, and the fallback for a model it cannot run."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, shared_file

from qa.errors import ModelError


@pytest.fixture(scope="module")
def onnx_embedder(onnx_export, embedder):
    from qa.embedding.onnx import OnnxEmbedder

    return OnnxEmbedder(onnx_export[1], model_name=embedder.name, model_sha256=embedder.hash, threads=1)


def own_questions() -> list[str]:
    from qa.evaluation.questions import EvalQuestion, read_questions

    items, _ = read_questions(ROOT / "bench" / "data" / "essay_questions.jsonl")
    return [q.question for q in items if isinstance(q, EvalQuestion)]


def test_vectors_equal_sentence_transformers(onnx_embedder, embedder, essay_doc):
    texts = [essay_doc.text[s.start:s.end] for s in essay_doc.sentences] + own_questions()
    texts += [" ".join(essay_doc.text.split()[:400]), "?", "Kosovo"]  # past 256 word pieces; tiny ones
    a = embedder.encode(texts, batch_size=32)
    b = onnx_embedder.encode(texts, batch_size=16)
    cos = (a * b).sum(1)
    assert len(texts) > 200 and cos.min() >= 0.9999, (cos.min(), texts[int(cos.argmin())][:80])
    assert onnx_embedder.count_tokens(texts[:50]) == embedder.count_tokens(texts[:50])


def test_top_five_agree_with_the_torch_path(onnx_embedder, essay_engine):
    from qa.engine import Engine

    onnx_engine = Engine(essay_engine.index, onnx_embedder, settings=essay_engine.settings,
                         multilingual=essay_engine.multilingual)  # the same route for questions in other languages
    questions = own_questions()
    samples = shared_file("samples", "sample_questions.jsonl")
    if samples.is_file():
        from qa.evaluation.questions import EvalQuestion, read_questions

        items, _ = read_questions(samples)
        questions += [q.question for q in items if isinstance(q, EvalQuestion)]
    for q in questions:
        want = [p.passage_id for p in essay_engine.ask(q).passages]
        got = [p.passage_id for p in onnx_engine.ask(q).passages]
        assert got == want, q


def test_cold_ask_never_imports_torch(tmp_path, essay_engine, onnx_export):
    index_dir = tmp_path / "index"
    shutil.copytree(essay_engine.settings.index_path, index_dir / "main")
    (index_dir / ".onnx").symlink_to(onnx_export[0] / ".onnx", target_is_directory=True)
    script = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from qa.cli import cli\n"
        "r = CliRunner().invoke(cli, ['ask', '--json', 'Why would Russia not enter into a conflict with NATO?'])\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]\n"
        "print(json.dumps({'code': r.exit_code, 'out': r.output, 'heavy': heavy}))\n"
    )
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_CORPUS_DIR": str(essay_engine.settings.corpus_dir),
           "QA_BACKEND": "auto", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["code"] == 0, res["out"]
    assert res["heavy"] == []
    answer = json.loads(res["out"])
    assert "would not enter into a conflict with NATO" in answer["passages"][0]["highlight"]["text"]


def test_corrupt_export_is_rebuilt(tmp_path, onnx_export, embedder, caplog):
    from qa.config import Settings
    from qa.embedding import load_embedder

    index_dir = tmp_path / "index"
    shutil.copytree(onnx_export[0] / ".onnx", index_dir / ".onnx")
    onnx_file = onnx_export[1].name
    with (index_dir / ".onnx" / onnx_file / "model.onnx").open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\0" * 64)
    settings = Settings(index_dir=index_dir, quantize="none")  # the float export itself
    with caplog.at_level(logging.INFO):
        emb = load_embedder(settings)
    assert "re-exporting the model to ONNX" in caplog.text and "does not match its manifest hash" in caplog.text
    assert emb.backend == "onnx"
    v = emb.encode(["Kosovo and Serbia"])
    assert float(v[0] @ embedder.encode(["Kosovo and Serbia"])[0]) >= 0.9999


def test_unsupported_pooling_falls_back_with_one_line(tmp_path, embedder, caplog):
    from qa.config import Settings
    from qa.embedding import load_embedder
    from qa.embedding.sbert import resolve_model_path

    src = resolve_model_path(embedder.name)
    copy = tmp_path / "model"
    for f in src.rglob("*"):
        if f.is_file():
            (copy / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            (copy / f.relative_to(src)).symlink_to(f)
    pool = copy / "1_Pooling" / "config.json"
    cfg = json.loads(pool.read_text())
    cfg.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    pool.unlink()
    pool.write_text(json.dumps(cfg))
    with caplog.at_level(logging.WARNING):
        emb = load_embedder(Settings(index_dir=tmp_path / "index", model=str(copy)))
    assert emb.backend == "torch"
    lines = [r for r in caplog.records if "cannot run on ONNX" in r.getMessage()]
    assert len(lines) == 1 and "pooling_mode_max_tokens" in lines[0].getMessage()
    with pytest.raises(ModelError, match="QA_BACKEND=torch"):
        load_embedder(Settings(index_dir=tmp_path / "index", model=str(copy), backend="onnx"))


@pytest.fixture(scope="module")
def int8_index(tmp_path_factory, onnx_export):
    """A copy of the export with its int8 model, loaded by load_embedder (quantize = "int8")."""
    from qa.config import Settings
    from qa.embedding import load_embedder

    index_dir = tmp_path_factory.mktemp("int8-index")
    shutil.copytree(onnx_export[0] / ".onnx", index_dir / ".onnx")
    settings = Settings(index_dir=index_dir, quantize="int8", threads=1)
    return settings, load_embedder(settings)


def test_int8_copy_is_recorded_in_the_manifest(int8_index):
    settings, emb = int8_index
    assert emb.backend == "onnx" and emb.quantize == "int8"
    folder = next((settings.index_dir / ".onnx").iterdir())
    manifest = json.loads((folder / "onnx-manifest.json").read_text())
    from qa.files import sha256_file

    assert manifest["int8_sha256"] == sha256_file(folder / "model.int8.onnx")
    q = manifest["quantizer"]
    assert q["weight_type"] == "QInt8" and q["op_types"] == ["MatMul"] and q["reduce_range"] is True
    # the MatMul weights shrink to a quarter; the word-embedding table (a Gather) stays float
    assert (folder / "model.int8.onnx").stat().st_size < 0.7 * (folder / "model.onnx").stat().st_size


def test_int8_vectors_stay_close_and_rank_alike(int8_index, embedder, essay_engine, essay_doc):
    """What holds on every CPU: the int8 vectors stay within a cosine bound of the reference,
    and where int8 puts another passage first, the float model scores the two as near-equal.
    (Which of two near-tied passages comes first is rounding, not quality.)"""
    from qa.engine import Engine

    _, emb = int8_index
    texts = [essay_doc.text[s.start:s.end] for s in essay_doc.sentences] + own_questions()
    cos = (embedder.encode(texts, batch_size=32) * emb.encode(texts, batch_size=16)).sum(1)
    # measured: min 0.983, mean 0.992 on the essay's sentences and our questions
    assert cos.min() >= 0.97 and cos.mean() >= 0.985, (cos.min(), cos.mean())
    int8_engine = Engine(essay_engine.index, emb, settings=essay_engine.settings, multilingual=essay_engine.multilingual)
    for q in own_questions():
        ref = essay_engine.ask(q, top_k=20).passages
        top = int8_engine.ask(q, top_k=1).passages[0].passage_id
        scores = {p.passage_id: p.score for p in ref}
        # measured: the worst such gap was 0.0004 (one question of 60)
        assert top in scores and ref[0].score - scores[top] <= 0.02, (q, ref[0].score, scores.get(top))


def test_int8_weights_never_saturate_the_kernel(int8_index):
    """The int8 file's products are computed exactly by this CPU's kernel. Without VNNI,
    onnxruntime's u8 x s8 kernel adds pairs of products in 16 bits, saturating at 32,767; the
    quantiser's 7-bit weights keep every pair below it, so all CPUs compute the same integers."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    settings, _ = int8_index
    folder = next((settings.index_dir / ".onnx").iterdir())
    model = onnx.load(str(folder / "model.int8.onnx"))
    weights = [numpy_helper.to_array(t) for t in model.graph.initializer if t.data_type == TensorProto.INT8]
    assert len(weights) >= 36  # every weight MatMul of the six layers
    low, high = min(int(w.min()) for w in weights), max(int(w.max()) for w in weights)
    assert -64 <= low and high <= 64, (low, high)  # 255 x 64 x 2 = 32,640 < 32,767
    # the worst case of those weights against the largest activations, on this machine's kernel
    k = 256
    w = np.empty((k, 2), dtype=np.int8)
    w[:, 0], w[:, 1] = high, low
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "w"], ["y"])], "probe",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [1, k])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [1, 2])], [numpy_helper.from_array(w, "w")],
    )
    probe = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    a = np.full((1, k), 255, dtype=np.uint8)
    got = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"a": a})[0]
    assert got.tolist() == (a.astype(np.int64) @ w.astype(np.int64)).tolist()


def test_corrupt_int8_file_is_requantised_without_export(tmp_path, int8_index, caplog):
    from qa.config import Settings
    from qa.embedding import load_embedder

    settings, _ = int8_index
    index_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir / ".onnx", index_dir / ".onnx")
    folder = next((index_dir / ".onnx").iterdir())
    with (folder / "model.int8.onnx").open("r+b") as fh:
        fh.seek(2000)
        fh.write(b"\1" * 64)
    float_mtime = (folder / "model.onnx").stat().st_mtime_ns
    with caplog.at_level(logging.INFO):
        emb = load_embedder(Settings(index_dir=index_dir, quantize="int8"))
    assert "re-quantising the ONNX model" in caplog.text
    assert "export" not in caplog.text  # the float export was sound: kept as it was
    assert (folder / "model.onnx").stat().st_mtime_ns == float_mtime
    assert emb.quantize == "int8" and emb.encode(["Kosovo"]).shape == (1, 384)


def test_quantize_with_torch_backend_says_it_is_ignored(tmp_path, caplog):
    from qa.config import Settings
    from qa.embedding import load_embedder

    with caplog.at_level(logging.WARNING):
        emb = load_embedder(Settings(index_dir=tmp_path, backend="torch", quantize="int8"))
    assert emb.backend == "torch"
    assert "quantize=int8 is ignored" in caplog.text


def test_int8_copy_made_with_other_options_is_made_again(tmp_path, int8_index, caplog):
    """An int8 file from before 7-bit weights (its manifest says so) is quantised again."""
    from qa.config import Settings
    from qa.embedding import load_embedder

    settings, _ = int8_index
    index_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir / ".onnx", index_dir / ".onnx")
    folder = next((index_dir / ".onnx").iterdir())
    manifest = json.loads((folder / "onnx-manifest.json").read_text())
    manifest["quantizer"].pop("reduce_range")
    (folder / "onnx-manifest.json").write_text(json.dumps(manifest))
    with caplog.at_level(logging.INFO):
        emb = load_embedder(Settings(index_dir=index_dir, quantize="int8"))
    assert "re-quantising the ONNX model" in caplog.text and "other options" in caplog.text
    assert json.loads((folder / "onnx-manifest.json").read_text())["quantizer"]["reduce_range"] is True
    assert emb.quantize == "int8"


@pytest.mark.parametrize("damage", ["empty tokenizer", "garbled tokenizer", "garbled stamp"])
def test_a_damaged_export_folder_is_made_good(tmp_path, int8_index, embedder, damage, caplog):
    """Every file the ONNX path reads is checked: a damaged tokenizer is exported again, a
    garbled '.verified' stamp only makes the model file be hashed again."""
    from qa.config import Settings
    from qa.embedding import load_embedder

    settings, _ = int8_index
    index_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir / ".onnx", index_dir / ".onnx")
    folder = next((index_dir / ".onnx").iterdir())
    if damage == "empty tokenizer":
        (folder / "tokenizer.json").write_bytes(b"")
    elif damage == "garbled tokenizer":
        data = bytearray((folder / "tokenizer.json").read_bytes())
        data[5000:5064] = b"\xff" * 64
        (folder / "tokenizer.json").write_bytes(bytes(data))
    else:
        (folder / ".verified-int8").write_bytes(b"\xff\xfe\x00garbage")
    with caplog.at_level(logging.INFO):
        emb = load_embedder(Settings(index_dir=index_dir, quantize="int8"))
    v = emb.encode(["Kosovo and Serbia"])
    assert float(v[0] @ embedder.encode(["Kosovo and Serbia"])[0]) >= 0.97
    if damage == "garbled stamp":
        assert "export" not in caplog.text and "re-quantising" not in caplog.text
    else:
        assert "re-exporting the model to ONNX" in caplog.text and "tokenizer.json" in caplog.text
