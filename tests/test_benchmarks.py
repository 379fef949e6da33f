"""Standard benchmarks through qa eval (BEIR folder, SQuAD file) and the metric code checked
against trec_eval's own implementation (pytrec_eval)."""

from __future__ import annotations

import json
import random

import pytest
from conftest import DATA

from qa.evaluation.metrics import ndcg_at, recall_at, rr_at


def test_metrics_agree_with_pytrec_eval():
    import pytrec_eval

    rng = random.Random(7)
    docs = [f"d{i}" for i in range(60)]
    qrels, run, ours = {}, {}, {}
    for q in range(200):
        qid = f"q{q}"
        rels = {d: rng.choice([1, 1, 2, 3]) for d in rng.sample(docs, rng.randint(1, 8))}
        ranked = rng.sample(docs, rng.randint(0, 60))
        qrels[qid] = rels
        # strictly decreasing scores: trec_eval's tie-breaking cannot reorder our ranking
        run[qid] = {d: float(1000 - i) for i, d in enumerate(ranked)}
        ours[qid] = ranked
    ev = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100"})
    ev_rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"})
    res = ev.evaluate(run)
    res10 = ev_rr.evaluate({q: {d: s for d, s in r.items() if s > 990} for q, r in run.items()})
    checked = 0
    for qid, ranked in ours.items():
        if not ranked:
            continue  # trec_eval leaves a query with an empty run out
        assert ndcg_at(ranked, qrels[qid], 10) == pytest.approx(res[qid]["ndcg_cut_10"], abs=1e-12)
        assert recall_at(ranked, qrels[qid], 100) == pytest.approx(res[qid]["recall_100"], abs=1e-12)
        want_rr = res10.get(qid, {}).get("recip_rank", 0.0)
        assert rr_at(ranked, qrels[qid], 10) == pytest.approx(want_rr, abs=1e-12)
        checked += 1
    assert checked > 150


@pytest.fixture
def run_cli(make_settings, essay_engine, tmp_path):
    from click.testing import CliRunner

    from qa.cli import cli

    settings = make_settings()
    base = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    return lambda *a: CliRunner().invoke(cli, [*base, *a], catch_exceptions=False)


def test_beir_folder_through_qa_eval(run_cli, tmp_path):
    out = tmp_path / "beir.json"
    r = run_cli("eval", str(DATA / "beir-mini"), "--summary", str(out))
    assert r.exit_code == 0, r.output
    s = json.loads(out.read_text())
    assert s["benchmark"] == "beir" and s["questions"] == 5 and s["documents"] == 12
    # the relevant documents are easy to find in this small set, and its grades are used
    assert s["mrr@10"] == 1.0 and s["recall@100"] == 1.0 and 0.9 < s["ndcg@10"] <= 1.0
    # a second run loads the index it built
    r2 = run_cli("eval", str(DATA / "beir-mini"), "--summary", str(out))
    assert "indexing" not in r2.output and json.loads(out.read_text())["ndcg@10"] == s["ndcg@10"]


def test_squad_file_through_qa_eval(run_cli, tmp_path):
    out = tmp_path / "runs" / "squad" / "summary.json"  # -o names a folder not made yet
    r = run_cli("eval", str(DATA / "squad-mini.json"), "-o", str(out.parent))
    assert r.exit_code == 0, r.output
    s = json.loads(out.read_text())
    assert s["benchmark"] == "squad" and s["questions"] == 4
    assert s["r@1"] == 1.0 and s["r@5"] == 1.0 and s["answer_sentence_accuracy"] == 1.0


def test_bad_benchmark_inputs_say_what_is_wrong(run_cli, tmp_path):
    folder = tmp_path / "notbeir"
    folder.mkdir()
    r = run_cli("eval", str(folder))
    assert r.exit_code == 1 and "not a BEIR one" in r.output
    r = run_cli("eval", str(DATA / "beir-mini"), "--split", "dev")
    assert r.exit_code == 1 and "Splits here: test" in r.output
