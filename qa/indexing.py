"""Indexing: readings -> passages -> vectors and keyword indexes -> the store; and the one policy
for opening an index (the app, the CLI and the benchmarks all use it): load it when it matches
the settings, the model and the readings; otherwise say why in one line and build it, with
sentence-transformers (the reference) even when queries run on ONNX; when its folder cannot be
written, serve an intact index as it is, with a warning, or say what to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.config import Bm25Params, PassageParams, Settings
from qa.errors import IndexError_, IndexMismatchError, IndexNotFoundError, StaleCorpusError
from qa.files import writable
from qa.models import Document, Passage
from qa.ranking.retrieval import DenseIndex, KeywordIndex
from qa.reading.corpus import read_corpus
from qa.store import Index, IndexStore, Vectors, corpus_files

logger = logging.getLogger(__name__)

__all__ = ["build_index", "open_documents_index", "open_index"]


def _read(corpus_dir: Path, show_progress: bool) -> list[Document]:
    """Read the corpus, with a progress bar on stderr for PDFs when ``show_progress``."""
    if not show_progress:
        return read_corpus(corpus_dir)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("reading {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("pages"), TimeRemainingColumn(), console=Console(stderr=True)) as bar:
        tasks: dict[str, Any] = {}

        def on_page(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)

        return read_corpus(corpus_dir, on_page=on_page)


def build_index(
    store: IndexStore,
    corpus_dir: Path,
    embedder: Any,
    *,
    passage_params: PassageParams,
    bm25_params: Bm25Params,
    batch_size: int = 64,
    show_progress: bool = False,
    documents: list[Document] | None = None,
    clock: Callable[[], float] = time.monotonic,
    multilingual: Any | None = None,
) -> Index:
    """Read the corpus, cut passages, embed and index them; the store swaps the result in.
    ``multilingual``: a second encoder whose vectors of the same texts go in too.

    ``documents`` replaces reading ``corpus_dir`` (for corpora that are not files, such as
    the benchmarks); the manifest then records no corpus files.
    """
    from qa.reading.passages import split_passages

    t0 = clock()
    files = corpus_files(corpus_dir) if documents is None else {}
    docs = (_read(corpus_dir, show_progress) if documents is None else documents)
    passages: list[Passage] = []
    for doc in docs:
        passages.extend(
            split_passages(
                doc, embedder.count_tokens, max_tokens=passage_params.max_tokens, min_tokens=passage_params.min_tokens
            )
        )
    sentence_texts = [p.text[a:b] for p in passages for a, b in p.sentences]
    notes = [
        {"doc_id": d.doc_id, "label": n.label, "text": n.text}
        for d in docs
        for n in d.footnotes
        if n.text
    ]
    texts = [p.text for p in passages] + sentence_texts + [n["text"] for n in notes]
    logger.info("embedding %d passages, %d sentences, %d notes", len(passages), len(sentence_texts), len(notes))
    vecs = embedder.encode(texts, batch_size=batch_size, show_progress=show_progress)
    np_, ns = len(passages), len(sentence_texts)
    passage_dense = DenseIndex.build(vecs[:np_])
    sentence_dense = DenseIndex.build(vecs[np_ : np_ + ns])
    note_dense = DenseIndex.build(vecs[np_ + ns :])
    second = None
    if multilingual is not None:
        logger.info("embedding them again with %s", multilingual.name)
        mv = multilingual.encode(texts, batch_size=batch_size)
        second = (multilingual, Vectors(DenseIndex.build(mv[:np_]), DenseIndex.build(mv[np_ : np_ + ns]),
                                        DenseIndex.build(mv[np_ + ns :])))
    passage_kw = KeywordIndex.build([p.text for p in passages], bm25_params)
    note_kw = KeywordIndex.build([n["text"] for n in notes], bm25_params)

    return store.write(
        docs=docs, passages=passages, notes=notes,
        dense=(passage_dense, sentence_dense, note_dense), keywords=(passage_kw, note_kw),
        files=files, embedder=embedder, passage_params=passage_params, bm25_params=bm25_params,
        started=t0, clock=clock, multilingual=second,
    )


def open_index(
    settings: Settings, embedder: Any, *, rebuild: bool = False, auto_rebuild: bool = True,
    show_progress: bool = False, multilingual: Any | None = None,
) -> Index:
    """The index the settings name, for queries with ``embedder``: loaded when it matches,
    else built (``rebuild`` forces it). With ``auto_rebuild`` (the default) a missing, stale,
    mismatched or corrupt index is logged in one line and rebuilt atomically; without it the
    IndexError_ is raised. ``multilingual``: the second encoder the index must hold vectors of
    (None: none)."""
    store = IndexStore(settings.index_path)
    index = None
    why: IndexError_ | None = None  # why the index must be built, when it must
    if not rebuild:
        try:
            manifest = store.read_manifest()
            store.check(
                manifest,
                model_sha256=embedder.hash,
                model_name=settings.model,
                passage_params=settings.passages,
                bm25_params=settings.bm25,
                corpus_dir=settings.corpus_dir,
                multilingual_sha256=multilingual.hash if multilingual is not None else None,
            )
            index = store.load()
        except IndexError_ as exc:
            if not auto_rebuild:
                raise
            why = exc
    if index is None:
        if not writable(settings.index_dir):  # tried before any embedding
            return _serve_as_it_is(store, why, settings, embedder)
        if isinstance(why, IndexNotFoundError):
            logger.info("building the index (first run) at '%s'", settings.index_path)
        elif why is not None:
            logger.warning("rebuilding the index: %s", why)
        builder = embedder
        if getattr(embedder, "backend", "torch") != "torch":
            # the index is built with sentence-transformers, the reference; queries may use ONNX
            from qa.embedding import torch_embedder

            builder = torch_embedder(settings)
        index = build_index(
            store,
            settings.corpus_dir,
            builder,
            passage_params=settings.passages,
            bm25_params=settings.bm25,
            batch_size=settings.batch_size,
            show_progress=show_progress,
            multilingual=multilingual,
        )
    return index


def _serve_as_it_is(store: IndexStore, why: IndexError_ | None, settings: Settings, embedder: Any) -> Index:
    """A read-only index folder cannot be (re)built: an intact index whose only fault is a
    changed corpus, or other multilingual vectors than the settings ask for, is served as it
    is, with a warning; anything else is an error saying what to do."""
    if isinstance(why, IndexMismatchError) and "QA_MULTILINGUAL" in str(why):
        try:
            store.check(store.read_manifest(), model_sha256=embedder.hash, model_name=settings.model,
                        passage_params=settings.passages, bm25_params=settings.bm25, corpus_dir=settings.corpus_dir)
            index = store.load()
        except IndexError_:
            pass
        else:
            logger.warning("serving the index at '%s' as it was built, read-only: %s; questions in other "
                           "languages go through the English model. Make '%s' writable to rebuild.",
                           settings.index_path, str(why).split(". It will")[0], settings.index_dir)
            return index
    if isinstance(why, StaleCorpusError):
        try:
            index = store.load()
        except IndexError_:
            pass
        else:
            logger.warning("serving the index at '%s' as it was built, read-only: %s, but '%s' is not writable. "
                           "Make it writable to rebuild.", settings.index_path, str(why).split(". It will")[0],
                           settings.index_dir)
            return index
    what = f"{why} " if why is not None and not isinstance(why, IndexNotFoundError) else ""
    raise IndexError_(
        f"{what}The index at '{settings.index_path}' must be built, but '{settings.index_dir}' is not writable "
        "(a read-only folder or file system). Make it writable, or set QA_INDEX_DIR (--index) to a writable "
        "folder, then start again."
    ) from why


def open_documents_index(
    index_path: Path, documents: list[Document], settings: Settings, *, embedder: Any,
    builder: Any | None = None, show_progress: bool = False, before_build: Callable[[], None] | None = None,
) -> tuple[Index, bool]:
    """An index over documents made in memory (benchmark corpora) at ``index_path``: loaded when
    it was built for the same model, parameters and documents, else built with ``builder``
    (default: sentence-transformers, the reference), after ``before_build()``. Returns it and
    whether it was built now."""
    store = IndexStore(index_path)
    want = {d.doc_id: d.sha256 for d in documents}
    if (index_path / "manifest.json").is_file():
        try:
            manifest = store.read_manifest()
            store.check(manifest, model_sha256=embedder.hash, model_name=settings.model,
                        passage_params=settings.passages, bm25_params=settings.bm25)
            index = store.load()
            if {d: doc.sha256 for d, doc in index.documents.items()} == want:
                return index, False
            logger.warning("the index at %s holds other documents; it will be rebuilt", index_path)
        except IndexError_ as exc:
            logger.warning("rebuilding the index at %s: %s", index_path, exc)
    if builder is None:
        from qa.embedding import torch_embedder

        builder = embedder if getattr(embedder, "backend", "torch") == "torch" else torch_embedder(settings)
    if before_build is not None:
        before_build()
    logger.warning("indexing %d documents at %s (once; later runs load it)", len(documents), index_path)
    index = build_index(store, Path("."), builder, passage_params=settings.passages, bm25_params=settings.bm25,
                        batch_size=settings.batch_size, documents=documents, show_progress=show_progress)
    return index, True
