"""Index lifecycle: manifest, rebuild on change, atomic build, corrupt index."""

from __future__ import annotations

import json
import logging
import os
import shutil

import pytest
from conftest import read_only

from qa.config import PassageParams
from qa.engine import Engine
from qa.errors import (
    IndexCorruptError,
    IndexFormatError,
    IndexMismatchError,
    IndexNotFoundError,
    StaleCorpusError,
)
from qa.store import FORMAT_VERSION, IndexStore


@pytest.fixture
def built(make_settings, embedder):
    settings = make_settings()
    engine = Engine.from_settings(settings, embedder=embedder)
    return settings, engine


def test_manifest_records_what_the_index_was_built_from(built, embedder):
    settings, engine = built
    m = json.loads((settings.index_path / "manifest.json").read_text())
    assert m["format_version"] == FORMAT_VERSION
    assert m["embedding"]["model_name"] == "all-MiniLM-L6-v2" and m["embedding"]["model_sha256"] == embedder.hash
    assert "site-packages" not in json.dumps(m["embedding"])
    assert list(m["corpus"]["files"]) == ["serbia-russia-kosovo.txt"]
    assert m["passages"] == settings.passages.model_dump() and m["bm25"] == settings.bm25.model_dump()
    assert {"sentence-transformers", "faiss-cpu", "bm25s", "pydantic", "python"} <= set(m["libraries"])
    assert m["counts"]["passages"] == len(engine.index.passages)
    assert set(m["artifacts"]) >= {"passages.jsonl", "passages.faiss", "sentences.faiss", "documents.jsonl"}


def test_loading_again_does_not_rebuild(built, embedder, caplog):
    settings, engine = built
    stamp = (settings.index_path / "manifest.json").stat().st_mtime_ns
    with caplog.at_level(logging.WARNING):
        again = Engine.from_settings(settings, embedder=embedder)
    assert "rebuilding" not in caplog.text
    assert (settings.index_path / "manifest.json").stat().st_mtime_ns == stamp
    assert [p.passage_id for p in again.index.passages] == [p.passage_id for p in engine.index.passages]


def test_corpus_change_rebuilds(built, embedder, caplog):
    settings, _ = built
    (settings.corpus_dir / "extra.md").write_text("# Extra\n\nThe moon is made of green cheese.\n", encoding="utf-8")
    store = IndexStore(settings.index_path)
    with pytest.raises(StaleCorpusError, match="extra.md"):
        store.check(store.read_manifest(), model_sha256=embedder.hash, corpus_dir=settings.corpus_dir)
    with caplog.at_level(logging.WARNING):
        engine = Engine.from_settings(settings, embedder=embedder)
    assert "rebuilding the index" in caplog.text and "changed" in caplog.text
    a = engine.ask("What is the moon made of?")
    assert a.passages[0].document == "extra" and "green cheese" in a.passages[0].highlight.text


def test_parameter_change_rebuilds(built, embedder, caplog):
    settings, engine = built
    small = settings.model_copy(update={"passages": PassageParams(max_tokens=64, min_tokens=0)})
    with caplog.at_level(logging.WARNING):
        e2 = Engine.from_settings(small, embedder=embedder)
    assert "other passage settings" in caplog.text
    assert len(e2.index.passages) > len(engine.index.passages)


def test_model_mismatch_is_detected(built):
    settings, _ = built
    store = IndexStore(settings.index_path)
    with pytest.raises(IndexMismatchError, match="built with model"):
        store.check(store.read_manifest(), model_sha256="0" * 64, model_name="other-model")


def test_newer_format_is_refused(built):
    settings, _ = built
    path = settings.index_path / "manifest.json"
    m = json.loads(path.read_text())
    m["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(m))
    with pytest.raises(IndexFormatError, match="Upgrade essay-qa"):
        IndexStore(settings.index_path).load()


@pytest.mark.parametrize("victim", ["passages.faiss", "passages.jsonl", "manifest.json", "sentences.faiss"])
def test_corrupt_index_is_reported_then_rebuilt(built, embedder, victim, caplog):
    settings, engine = built
    path = settings.index_path / victim
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises((IndexCorruptError, IndexMismatchError)):
        IndexStore(settings.index_path).load()
    with caplog.at_level(logging.WARNING):
        again = Engine.from_settings(settings, embedder=embedder)
    assert "rebuilding the index" in caplog.text
    assert again.ask("Who was Milan Kucan?").answered


def test_missing_index_raises_without_auto_rebuild(make_settings, embedder):
    settings = make_settings()
    with pytest.raises(IndexNotFoundError, match="qa build"):
        Engine.from_settings(settings, embedder=embedder, auto_rebuild=False)


def test_interrupted_build_leaves_no_index(make_settings, embedder, monkeypatch):
    settings = make_settings()
    import qa.ranking.retrieval

    def boom(self, path):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(qa.ranking.retrieval.KeywordIndex, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        Engine.from_settings(settings, embedder=embedder)
    assert not settings.index_path.exists()
    assert not list(settings.index_dir.glob(".tmp-*"))


def test_interrupted_rebuild_keeps_the_old_index(built, embedder, monkeypatch):
    settings, engine = built
    before = (settings.index_path / "manifest.json").read_text()
    import qa.ranking.retrieval

    monkeypatch.setattr(qa.ranking.retrieval.DenseIndex, "save", lambda self, path: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        Engine.from_settings(settings, embedder=embedder, rebuild=True)
    monkeypatch.undo()
    assert (settings.index_path / "manifest.json").read_text() == before
    assert IndexStore(settings.index_path).load().manifest.counts == engine.index.manifest.counts


def test_staging_folders_are_ignored(built):
    settings, _ = built
    shutil.copytree(settings.index_path, settings.index_dir / ".tmp-main-deadbeef")
    (settings.index_dir / ".tmp-main-deadbeef" / "manifest.json").unlink()
    assert IndexStore(settings.index_path).load()


def test_model_is_identified_by_its_files_not_its_path(built, embedder, tmp_path, caplog):
    """A copy of the model elsewhere reuses the index; changed model files rebuild it."""
    from qa.embedding.sbert import SentenceTransformerEmbedder

    settings, engine = built
    copy = tmp_path / "model-copy"
    shutil.copytree(embedder.path, copy)
    moved = SentenceTransformerEmbedder(str(copy))
    assert moved.hash == embedder.hash
    with caplog.at_level(logging.WARNING):
        Engine.from_settings(settings.model_copy(update={"model": str(copy)}), embedder=moved)
    assert "rebuilding" not in caplog.text
    cfg = copy / "config_sentence_transformers.json"
    data = json.loads(cfg.read_text())
    data["similarity_fn_name"] = "dot"
    cfg.write_text(json.dumps(data))
    changed = SentenceTransformerEmbedder(str(copy))
    assert changed.hash != embedder.hash
    with caplog.at_level(logging.WARNING):
        Engine.from_settings(settings.model_copy(update={"model": str(copy)}), embedder=changed)
    assert "built with model" in caplog.text


def test_corpus_without_any_note_builds_and_answers(tmp_path, embedder):
    from qa.config import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rivers.md").write_text(
        "# Rivers\n\nThe Danube flows through ten countries. The Danube rises in the Black Forest.\n\n"
        "The Rhine flows into the North Sea.\n", encoding="utf-8")
    (corpus / "plain.txt").write_text("Bees make honey from nectar.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    engine = Engine.from_settings(settings, embedder=embedder)
    assert engine.index.manifest.counts["notes"] == 0
    a = engine.ask("Where does the Danube rise?")
    assert a.passages[0].document == "rivers" and "Black Forest" in a.passages[0].highlight.text
    again = Engine.from_settings(settings, embedder=embedder)  # loads the saved note-less index
    assert again.ask("What do bees make?", documents=["plain"]).passages[0].document == "plain"


def test_every_index_file_is_hashed_and_a_garbled_one_is_rebuilt(built, embedder, tmp_path, caplog):
    """64 garbled bytes in any file of the index, the keyword arrays included, are found on
    load (they went unnoticed in the BM25 .npy files, and scores left [0, 1])."""
    settings, _ = built
    names = sorted(f.relative_to(settings.index_path).as_posix()
                   for f in settings.index_path.rglob("*") if f.is_file() and f.name != "manifest.json")
    assert any(n.startswith("bm25-passages/") and n.endswith(".npy") for n in names)
    manifest = json.loads((settings.index_path / "manifest.json").read_text())
    assert sorted(manifest["artifacts"]) == names
    for name in names:
        copy = tmp_path / name.replace("/", "_") / "main"
        shutil.copytree(settings.index_path, copy)
        f = copy / name
        data = bytearray(f.read_bytes())
        at = len(data) // 2
        data[at:at + 64] = bytes(64) if data[at:at + 64] != bytes(64) else b"\xff" * 64
        f.write_bytes(bytes(data[: max(len(data), 1)]))
        with pytest.raises(IndexCorruptError, match="does not match its manifest hash"):
            IndexStore(copy).load()
    # a file the manifest does not list is not trusted either
    extra = tmp_path / "extra" / "main"
    shutil.copytree(settings.index_path, extra)
    (extra / "bm25-passages" / "planted.npy").write_bytes(b"\x93NUMPY")
    with pytest.raises(IndexCorruptError, match="no hash in the manifest"):
        IndexStore(extra).load()
    # and the app's path rebuilds a garbled keyword array, then answers within [0, 1]
    victim = next(settings.index_path.glob("bm25-passages/data.csc.index.npy"))
    data = bytearray(victim.read_bytes())
    data[-64:] = b"\x7f" * 64
    victim.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        again = Engine.from_settings(settings, embedder=embedder)
    assert "rebuilding the index" in caplog.text and "does not match its manifest hash" in caplog.text
    answer = again.ask("Who was Milan Kucan?")
    assert answer.answered and all(0 <= p.score <= 1 for p in answer.passages)


def test_what_killed_builds_left_is_removed_by_the_next_build(built, embedder):
    """kill -9 during a build leaves .tmp-* (and between the two renames .old-*) folders."""
    import subprocess
    import sys

    settings, _ = built
    parent = settings.index_path.parent
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone_pid = int(dead.stdout)
    left = [parent / f".tmp-main-{gone_pid}-0123abcd", parent / f".old-main-{gone_pid}-89abcdef"]
    live = parent / f".tmp-main-{os.getpid()}-deadbeef"  # a build running now, in this process
    other = parent / f".tmp-main2-{gone_pid}-0123abcd"  # another index's: not ours to judge... but it is dead
    for d in (*left, live, other):
        d.mkdir()
        (d / "passages.jsonl").write_text("half\n")
    Engine.from_settings(settings, embedder=embedder, rebuild=True)
    assert not any(d.exists() for d in left)
    assert live.exists()  # a live build's staging folder is left alone
    assert other.exists()  # index 'main2' is another index: its own build cleans it


def test_two_builds_swapping_at_once_both_succeed(built, embedder):
    """The loser of two simultaneous swaps raised FileNotFoundError; now they take turns."""
    import threading

    settings, _ = built
    store = IndexStore(settings.index_path)
    errors: list[BaseException] = []
    go = threading.Barrier(2)
    real = store.swap_in

    def racing_swap(staging):
        go.wait()
        real(staging)

    store.swap_in = racing_swap

    from qa.indexing import build_index

    def build():
        try:
            build_index(store, settings.corpus_dir, embedder, passage_params=settings.passages,
                        bm25_params=settings.bm25)
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert IndexStore(settings.index_path).load().passages
    assert not list(settings.index_path.parent.glob(".old-*")) and not list(settings.index_path.parent.glob(".tmp-*"))


def test_a_read_only_index_folder(built, embedder, tmp_path, caplog):
    """Stale but intact: served as it is, with a warning. Missing: a message saying what to do,
    before any embedding (it was a raw OSError after a full embedding pass)."""
    from qa.errors import IndexError_

    settings, _ = built
    essay = next(settings.corpus_dir.glob("*.txt"))
    essay.write_text(essay.read_text(encoding="utf-8") + "\nA line added after the build.\n", encoding="utf-8")
    with read_only(settings.index_dir), caplog.at_level(logging.WARNING):
        engine = Engine.from_settings(settings, embedder=embedder)
        assert "serving the index" in caplog.text and "not writable" in caplog.text
        assert engine.ask("Who was Milan Kucan?").answered
    empty = tmp_path / "ro-index"
    empty.mkdir()
    with read_only(empty):
        ro = settings.model_copy(update={"index_dir": empty})
        with pytest.raises(IndexError_, match="not writable"):
            Engine.from_settings(ro, embedder=embedder)
        assert list(empty.iterdir()) == []


def test_files_found_whole_are_hashed_again_only_when_they_change(built, monkeypatch):
    """A cold start does not hash the whole index again (hundreds of MB for a large one) when
    no file was written, replaced or copied since it was last found whole; any change to a
    file's size, mtime or inode hashes them all again."""
    import qa.files

    settings, _ = built
    store = IndexStore(settings.index_path)
    store.load()
    hashed = []
    real = qa.files.sha256_file
    monkeypatch.setattr(qa.files, "sha256_file", lambda path: hashed.append(path.name) or real(path))
    store.load()
    assert hashed == []
    victim = settings.index_path / "passages.faiss"
    st = victim.stat()
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    store.load()
    assert len(hashed) == len(store.read_manifest().artifacts)
    hashed.clear()
    store.load()
    assert hashed == []
