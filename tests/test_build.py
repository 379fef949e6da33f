"""Index builds: on the ONNX export by default (vectors within cosine 0.9999 of the reference's
build), and incremental: a build takes the Documents of unchanged files and the vectors of
unchanged documents from the index it replaces, encodes only the rest, and ends with the
index a build from nothing makes."""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pytest
from conftest import ESSAY, ROOT

from qa.config import Settings
from qa.indexing import open_index


class Counting:
    """The real embedder, counting the texts it is asked to encode."""

    def __init__(self, inner):
        self.inner = inner
        self.encoded: list[str] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts, **kw):
        self.encoded.extend(texts)
        return self.inner.encode(texts, **kw)


def _second_reading() -> str:
    """A second reading: the README's first paragraphs, as plain text."""
    text = (ROOT / "README.md").read_text(encoding="utf-8").split("## Set-up")[0]
    return text.replace("`", "").replace("#", "").strip() + "\n"


def _texts(index) -> list[str]:
    return ([p.text for p in index.passages] + [p.text[a:b] for p in index.passages for a, b in p.sentences]
            + [n["text"] for n in index.notes])


def test_default_build_runs_on_onnx_and_equals_the_reference(tmp_path, onnx_export, essay_engine, embedder):
    from qa.embedding import build_embedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ESSAY, corpus / ESSAY.name)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", build_backend="auto", multilingual="none")
    (settings.index_dir).mkdir()
    (settings.index_dir / ".onnx").symlink_to(onnx_export[0] / ".onnx", target_is_directory=True)
    builder = build_embedder(settings, embedder)
    assert builder.backend == "onnx" and builder.quantize == "none" and builder.hash == embedder.hash
    assert build_embedder(settings.model_copy(update={"build_backend": "torch"}), embedder) is embedder
    index = open_index(settings, embedder)
    ref = essay_engine.index
    assert [p.text for p in index.passages] == [p.text for p in ref.passages]
    for part in ("passage_vectors", "sentence_vectors", "note_vectors"):
        a, b = getattr(index, part).vectors, getattr(ref, part).vectors
        assert a.shape == b.shape and len(a) > 0
        assert float((a * b).sum(1).min()) >= 0.9999, part


def test_a_build_encodes_only_what_changed(tmp_path, embedder, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ESSAY, corpus / ESSAY.name)
    (corpus / "guide.txt").write_text(_second_reading(), encoding="utf-8")
    (corpus / "gone.txt").write_text("A short note that is removed later.\n\nIt has two paragraphs.\n")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", multilingual="none")
    first = Counting(embedder)
    before = open_index(settings, first)
    assert len(first.encoded) == len(_texts(before))

    # one reading changed, one added, one removed, the essay untouched
    (corpus / "guide.txt").write_text(_second_reading() + "\nOne more paragraph, added at the end.\n")
    (corpus / "added.txt").write_text("An added reading.\n\nIts second paragraph says something else.\n")
    (corpus / "gone.txt").unlink()
    import qa.reading.corpus as reading

    read = []
    real = reading.read_document

    def spy(path, **kw):
        read.append(path.name)
        return real(path, **kw)

    import qa.reading.passages as cutting

    cut = []
    real_cut = cutting.split_passages

    def cut_spy(doc, *a, **kw):
        cut.append(doc.doc_id)
        return real_cut(doc, *a, **kw)

    again = Counting(embedder)
    with caplog.at_level(logging.INFO, logger="qa.indexing"), pytest.MonkeyPatch.context() as mp:
        mp.setattr(reading, "read_document", spy)
        mp.setattr(cutting, "split_passages", cut_spy)
        after = open_index(settings, again)
    assert sorted(read) == ["added.txt", "guide.txt"]  # the essay's Document is taken as it was
    assert sorted(cut) == ["added", "guide"]  # and its passages as they were cut
    changed = [t for p in after.passages if p.doc_id in ("guide", "added")
               for t in [p.text] + [p.text[a:b] for a, b in p.sentences]]
    assert sorted(again.encoded) == sorted(changed)  # the essay's texts are not encoded again
    assert "took 1 of 3 documents as read before and the vectors of 1 unchanged ones" in caplog.text
    assert sorted(after.documents) == ["added", "guide", "serbia-russia-kosovo"]

    # the same index as a build from nothing
    fresh = open_index(settings.model_copy(update={"index_dir": tmp_path / "fresh"}), embedder)
    assert _texts(after) == _texts(fresh)
    assert [p.model_dump() for p in after.passages] == [p.model_dump() for p in fresh.passages]
    assert after.manifest.counts == fresh.manifest.counts
    for part in ("passage_vectors", "sentence_vectors", "note_vectors"):
        a, b = getattr(after, part).vectors, getattr(fresh, part).vectors
        assert a.shape == b.shape and np.allclose(a, b, atol=1e-5), part
    assert after.manifest.corpus.files == fresh.manifest.corpus.files


def test_another_reader_reads_every_file_again(tmp_path, embedder, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ESSAY, corpus / ESSAY.name)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", multilingual="none")
    open_index(settings, embedder)
    (corpus / "added.txt").write_text("An added reading.\n\nIts second paragraph.\n")
    import qa.indexing
    import qa.reading.corpus as reading

    monkeypatch.setattr(qa.indexing, "reader_identity", lambda: "another reader")
    read = []
    real = reading.read_document
    monkeypatch.setattr(reading, "read_document", lambda path, **kw: read.append(path.name) or real(path, **kw))
    counting = Counting(embedder)
    index = open_index(settings, counting)
    assert sorted(read) == ["added.txt", ESSAY.name]
    # the essay's texts are the same, so its vectors are still taken
    added = [t for p in index.passages if p.doc_id == "added" for t in [p.text] + [p.text[a:b] for a, b in p.sentences]]
    assert sorted(counting.encoded) == sorted(added)
    assert index.manifest.reader == "another reader"


def test_an_approximate_search_above_its_size(tmp_path, embedder, essay_engine):
    """Above ``approximate_above`` vectors the candidates come from an HNSW graph, recorded in
    the manifest; changing the setting builds the graphs again from the vectors of the index
    before (nothing is encoded), and the answers keep their exact scores."""
    from qa.config import SearchParams
    from qa.engine import Engine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ESSAY, corpus / ESSAY.name)
    flat = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", multilingual="none")
    open_index(flat, embedder)
    n_sentences = len(essay_engine.index.sentence_vectors)
    # passages (35) stay exact, sentences (150) are searched in a graph
    settings = flat.model_copy(update={"search": SearchParams(approximate_above=100)})
    counting = Counting(embedder)
    index = open_index(settings, counting)
    assert counting.encoded == []
    assert len(index.passage_vectors) < 100 < n_sentences
    assert index.manifest.structures["passages.faiss"] == "flat"
    assert index.manifest.structures["sentences.faiss"] == "hnsw" and index.sentence_vectors.kind == "hnsw"
    assert index.manifest.search == settings.search
    assert np.array_equal(index.sentence_vectors.vectors, essay_engine.index.sentence_vectors.vectors)
    # the graph finds the exact top rows on the essay, and the answers are the flat index's
    q = embedder.encode(["Why would Russia not enter into a conflict with NATO?"])
    _, approx = index.sentence_vectors.search(q, 10)
    _, exact = essay_engine.index.sentence_vectors.search(q, 10)
    assert set(approx[0]) == set(exact[0])
    engine = Engine(index, embedder, settings=settings)
    for question in ("Who designed the Plan Z-4?", "What did Russia think of the Ahtisaari plan?"):
        a = [p.passage_id for p in engine.ask(question).passages]
        b = [p.passage_id for p in essay_engine.ask(question).passages]
        assert a == b, question


def test_a_graph_is_extended_when_readings_come_after_the_others(tmp_path, embedder, monkeypatch):
    """A reading added after the unchanged ones (by name) adds its rows to the sentences' HNSW
    graph instead of building it again; one added before them builds it again. Either way the
    vectors are a fresh build's and the graph finds the exact top rows."""
    from qa.config import SearchParams
    from qa.ranking.retrieval import DenseIndex

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ESSAY, corpus / ESSAY.name)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", multilingual="none",
                        search=SearchParams(approximate_above=100))
    before = open_index(settings, embedder)
    assert before.sentence_vectors.kind == "hnsw"
    n_before = len(before.sentence_vectors)

    built: list[int] = []  # sizes of the graphs built from nothing
    real_build = DenseIndex.build.__func__

    def spy(cls, vectors, params=None):
        if params is not None and len(vectors) > params.approximate_above:
            built.append(len(vectors))
        return real_build(cls, vectors, params)

    monkeypatch.setattr(DenseIndex, "build", classmethod(spy))
    q = embedder.encode(["What does the README say about answers that cite their page and footnote?"])
    for name, graphs_built in (("zz-added.txt", []), ("aa-added.txt", "built")):
        (corpus / name).write_text(_second_reading(), encoding="utf-8")
        built.clear()
        after = open_index(settings, embedder)
        if graphs_built:
            assert built == [len(after.sentence_vectors)]  # the rows of the index before no longer lead
        else:
            assert built == []  # the essay's graph, given the added reading's rows
            assert np.array_equal(after.sentence_vectors.vectors[:n_before], before.sentence_vectors.vectors)
        assert after.sentence_vectors.kind == "hnsw" and len(after.sentence_vectors) > n_before
        fresh = open_index(settings.model_copy(update={"index_dir": tmp_path / f"fresh-{name}"}), embedder)
        assert np.allclose(after.sentence_vectors.vectors, fresh.sentence_vectors.vectors, atol=1e-5)
        exact = np.argsort(-(fresh.sentence_vectors.vectors @ q[0]), kind="stable")[:10]
        _, found = after.sentence_vectors.search(q, 10)
        assert set(found[0]) == set(exact)
        (corpus / name).unlink()
        open_index(settings, embedder)  # back to the essay alone
