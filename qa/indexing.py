"""Indexing: readings -> passages -> vectors and keyword indexes -> the store; and the one policy
for opening an index (the app, the CLI and the benchmarks all use it): load it when it matches
the settings, the model and the readings; otherwise say why in one line and build it (with the
float ONNX export by default, ``build_backend``); when its folder cannot be
written, serve an intact index as it is, with a warning, or say what to do.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import Bm25Params, PassageParams, SearchParams, Settings
from qa.errors import IndexError_, IndexMismatchError, IndexNotFoundError, StaleCorpusError
from qa.files import writable
from qa.models import Document, Passage
from qa.ranking.retrieval import DenseIndex, KeywordIndex
from qa.reading.corpus import doc_id_of, read_corpus, reader_identity
from qa.store import Index, IndexStore, Vectors, corpus_files

logger = logging.getLogger(__name__)

__all__ = ["build_index", "open_documents_index", "open_index"]


def _read(corpus_dir: Path, show_progress: bool, known: dict[str, Document]) -> list[Document]:
    """Read the corpus (``known``: Documents of unchanged files, taken as they are), with a
    progress bar on stderr for PDFs when ``show_progress``."""
    if not show_progress:
        return read_corpus(corpus_dir, known=known)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("reading {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("pages"), TimeRemainingColumn(), console=Console(stderr=True)) as bar:
        tasks: dict[str, Any] = {}

        def on_page(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)

        return read_corpus(corpus_dir, on_page=on_page, known=known)


# --------------------------------------------------------------------------- reuse
# A build takes from the index it replaces what has not changed: the Documents of files with
# the same bytes (when the reader is the same), and each document's vectors when its texts
# (passages, sentences, notes) are the same, for the same model: keyed by a hash of them.


def _doc_texts(passages: list[Passage], notes: list[dict[str, str]]) -> dict[str, tuple[list[str], ...]]:
    """Each document's passage, sentence and note texts, in index order."""
    out: dict[str, tuple[list[str], ...]] = {}
    for p in passages:
        texts = out.setdefault(p.doc_id, ([], [], []))
        texts[0].append(p.text)
        texts[1].extend(p.text[a:b] for a, b in p.sentences)
    for n in notes:
        out.setdefault(n["doc_id"], ([], [], []))[2].append(n["text"])
    return out


def _key(texts: tuple[list[str], ...]) -> str:
    h = hashlib.sha256()
    for part in texts:
        h.update(json.dumps(part, ensure_ascii=False).encode())
    return h.hexdigest()


def _kept_rows(index: Index) -> dict[str, tuple[list[int], list[int], list[int]]]:
    """The passage, sentence and note rows of each document of a built index, by the hash of
    its texts (the same rows hold both encoders' vectors)."""
    rows: dict[str, tuple[list[int], list[int], list[int]]] = {}
    for i, p in enumerate(index.passages):
        r = rows.setdefault(p.doc_id, ([], [], []))
        r[0].append(i)
        r[1].extend(range(int(index.sentence_first[i]), int(index.sentence_first[i + 1])))
    for i, n in enumerate(index.notes):
        rows.setdefault(n["doc_id"], ([], [], []))[2].append(i)
    texts = _doc_texts(index.passages, index.notes)
    return {_key(texts[doc_id]): r for doc_id, r in rows.items()}


def _embed(texts: dict[str, tuple[list[str], ...]], keys: dict[str, str], encoder: Any,
           kept: dict[str, tuple[list[int], list[int], list[int]]], before: Vectors | None, batch_size: int,
           show_progress: bool, search: SearchParams, same_search: bool = False) -> tuple[Vectors, int]:
    """Passage, sentence and note vectors of every document, in index order: those of kept
    documents taken from ``before`` (the index before, for this encoder), the others encoded in
    one pass. Returns them and how many documents were taken. ``same_search``: ``before`` was
    built with ``search``, so a graph of it may be extended with the rows after its own."""
    if before is None:
        kept = {}
    old = (before.passages, before.sentences, before.notes) if before is not None else ()
    todo = [t for doc_id, doc_texts in texts.items() if keys[doc_id] not in kept for part in doc_texts for t in part]
    fresh = encoder.encode(todo, batch_size=batch_size, show_progress=show_progress) if todo else None
    parts: tuple[list[np.ndarray], ...] = ([], [], [])
    sources: tuple[list[int], ...] = ([], [], [])  # each new row's row in ``before`` (-1: encoded now)
    at = 0
    for doc_id, doc_texts in texts.items():
        rows = kept.get(keys[doc_id])
        for i, part in enumerate(doc_texts):
            if rows is not None:
                parts[i].append(old[i].vectors[rows[i]])
                sources[i].extend(rows[i])
            else:
                assert fresh is not None
                parts[i].append(fresh[at : at + len(part)])
                sources[i].extend([-1] * len(part))
                at += len(part)
    dim = encoder.dimension
    dense = []
    for i, p in enumerate(parts):
        vectors = np.concatenate(p) if p else np.zeros((0, dim), np.float32)
        graph = old[i] if before is not None and same_search else None
        if graph is not None and _starts_with_all_of(sources[i], len(graph)):
            dense.append(DenseIndex.extend(graph, vectors, search))
        else:
            dense.append(DenseIndex.build(vectors, search))
    return Vectors(dense[0], dense[1], dense[2]), sum(keys[d] in kept for d in texts)


def _starts_with_all_of(sources: list[int], n: int) -> bool:
    """The new rows begin with every row of the index before, in its order (readings added or
    changed after the last unchanged one): a graph over those can be extended, not built again."""
    return n > 0 and len(sources) >= n and sources[:n] == list(range(n))


def _known_documents(previous: Index | None, files: dict[str, str], reader: str) -> dict[str, Document]:
    """Documents of the previous index whose files are unchanged and were read by ``reader``."""
    if previous is None or previous.manifest.reader != reader:
        return {}
    before = previous.manifest.corpus.files
    return {rel: previous.documents[doc_id_of(rel)] for rel, digest in files.items()
            if before.get(rel) == digest and doc_id_of(rel) in previous.documents}


def _known_passages(previous: Index | None, known: dict[str, Document], passage_params: PassageParams,
                    embedder: Any) -> dict[str, list[Passage]]:
    """The passages of the previous index's documents taken as read before, by doc_id, when
    they were cut with the same settings and tokens (the cutting code is in the reader's
    identity, which taking the document required)."""
    if (previous is None or not known or previous.manifest.passages != passage_params
            or previous.manifest.embedding.model_sha256 != embedder.hash):
        return {}
    ids = {d.doc_id for d in known.values()}
    out: dict[str, list[Passage]] = {}
    for p in previous.passages:
        if p.doc_id in ids:
            out.setdefault(p.doc_id, []).append(p)
    return out


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
    previous: Index | None = None,
    search_params: SearchParams | None = None,
) -> Index:
    """Read the corpus, cut passages, embed and index them; the store swaps the result in.
    ``multilingual``: a second encoder whose vectors of the same texts go in too.
    ``previous``: the index this one replaces, whose unchanged documents and vectors are taken
    (module's "reuse" section) instead of read and encoded again. ``search_params``: when the
    vectors are searched approximately (default: SearchParams()).

    ``documents`` replaces reading ``corpus_dir`` (for corpora that are not files, such as
    the benchmarks); the manifest then records no corpus files.
    """
    from qa.reading.passages import split_passages

    t0 = clock()
    search = search_params or SearchParams()
    files = corpus_files(corpus_dir) if documents is None else {}
    reader = reader_identity()
    known = _known_documents(previous, files, reader)
    docs = (_read(corpus_dir, show_progress, known) if documents is None else documents)
    cut_before = _known_passages(previous, known, passage_params, embedder)
    passages: list[Passage] = []
    for doc in docs:
        as_cut = cut_before.get(doc.doc_id)  # a document taken as read before (known), cut as before
        passages.extend(as_cut if as_cut is not None else split_passages(
            doc, embedder.count_tokens, max_tokens=passage_params.max_tokens, min_tokens=passage_params.min_tokens))
    notes = [
        {"doc_id": d.doc_id, "label": n.label, "text": n.text}
        for d in docs
        for n in d.footnotes
        if n.text
    ]
    texts = _doc_texts(passages, notes)
    for d in docs:  # a document without passages or notes keeps its place (it has no rows)
        texts.setdefault(d.doc_id, ([], [], []))
    texts = {d.doc_id: texts[d.doc_id] for d in docs}
    keys = {doc_id: _key(t) for doc_id, t in texts.items()}
    kept = _kept_rows(previous) if previous is not None else {}
    logger.info("embedding %d passages, %d sentences, %d notes", len(passages),
                sum(len(t[1]) for t in texts.values()), len(notes))
    before = None
    if previous is not None and previous.manifest.embedding.model_sha256 == embedder.hash:
        before = Vectors(previous.passage_vectors, previous.sentence_vectors, previous.note_vectors)
    same_search = previous is not None and previous.manifest.search == search
    vectors, taken = _embed(texts, keys, embedder, kept, before, batch_size, show_progress, search, same_search)
    second = None
    if multilingual is not None:
        m_before = None
        if (previous is not None and previous.manifest.multilingual is not None
                and previous.manifest.multilingual.model_sha256 == multilingual.hash):
            m_before = previous.multilingual
        logger.info("embedding them again with %s", multilingual.name)
        m_vectors, m_taken = _embed(texts, keys, multilingual, kept, m_before, batch_size, False, search,
                                    same_search)
        second = (multilingual, m_vectors)
        taken = min(taken, m_taken)
    if previous is not None:
        logger.info("took %d of %d documents as read before and the vectors of %d unchanged ones",
                    len(known), len(docs), taken)
    passage_kw = KeywordIndex.build([p.text for p in passages], bm25_params)
    note_kw = KeywordIndex.build([n["text"] for n in notes], bm25_params)

    return store.write(
        docs=docs, passages=passages, notes=notes,
        dense=(vectors.passages, vectors.sentences, vectors.notes), keywords=(passage_kw, note_kw),
        files=files, embedder=embedder, passage_params=passage_params, bm25_params=bm25_params,
        started=t0, clock=clock, multilingual=second, reader=reader, search=search,
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
                search_params=settings.search,
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
        from qa.embedding import build_embedder

        builder = build_embedder(settings, embedder)
        previous = None
        if why is not None and not isinstance(why, IndexNotFoundError):
            try:  # what it holds of unchanged readings is taken, not made again (a forced rebuild makes all)
                previous = store.load()
            except IndexError_:
                pass
        index = build_index(
            store,
            settings.corpus_dir,
            builder,
            passage_params=settings.passages,
            bm25_params=settings.bm25,
            batch_size=settings.batch_size,
            show_progress=show_progress,
            multilingual=multilingual,
            previous=previous,
            search_params=settings.search,
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
    (default: the settings' build embedder), after ``before_build()``. Returns it and
    whether it was built now."""
    store = IndexStore(index_path)
    want = {d.doc_id: d.sha256 for d in documents}
    previous = None
    if (index_path / "manifest.json").is_file():
        try:
            manifest = store.read_manifest()
            store.check(manifest, model_sha256=embedder.hash, model_name=settings.model,
                        passage_params=settings.passages, bm25_params=settings.bm25, search_params=settings.search)
            index = store.load()
            if {d: doc.sha256 for d, doc in index.documents.items()} == want:
                return index, False
            previous = index
            logger.warning("the index at %s holds other documents; it will be rebuilt", index_path)
        except IndexError_ as exc:
            logger.warning("rebuilding the index at %s: %s", index_path, exc)
    if builder is None:
        from qa.embedding import build_embedder

        builder = build_embedder(settings, embedder)
    if before_build is not None:
        before_build()
    logger.warning("indexing %d documents at %s (once; later runs load it)", len(documents), index_path)
    index = build_index(store, Path("."), builder, passage_params=settings.passages, bm25_params=settings.bm25,
                        batch_size=settings.batch_size, documents=documents, show_progress=show_progress,
                        previous=previous, search_params=settings.search)
    return index, True
