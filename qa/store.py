"""IndexStore: the built index on disk under ``index/<name>/``, written atomically.

Layout (format 1)::

    manifest.json       IndexManifest, written last: its presence commits the build
    documents.jsonl     one Document per line
    passages.jsonl      one Passage per line; line i is row i of passages.faiss and bm25-passages
    passages.faiss      passage vectors (FAISS IndexFlatIP, or IndexHNSWFlat above a size: ``search``)
    sentences.faiss     vectors of every passage's sentences, passage by passage, in order
    notes.jsonl         one {"doc_id", "label", "text"} per line; line i is row i of notes.faiss
    notes.faiss         note vectors
    bm25-passages/      bm25s index over passage texts (no pickle) + idf.npy + meta.json
    bm25-notes/         the same over note texts
    *.multilingual.faiss  passage, sentence and note vectors of the second encoder, when built with one

A build writes into ``index/.tmp-<name>-<pid>-<uuid8>/``, fsyncs, writes the manifest, then swaps
the folder in with ``os.replace``: a crash leaves the previous index or none, never half of
one. Loading checks, in order: manifest present, format version, model, parameters, corpus
files, then the artefacts' hashes and row counts. Changing the layout bumps FORMAT_VERSION.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationError

from qa._version import __version__, library_versions
from qa.config import Bm25Params, PassageParams, SearchParams
from qa.errors import (
    IndexCorruptError,
    IndexFormatError,
    IndexMismatchError,
    IndexNotFoundError,
    StaleCorpusError,
)
from qa.files import (
    atomic_write_text,
    folder_lock,
    fsync_tree,
    remove_leftovers,
    sha256_file,
    verify_hashes,
    work_name,
)
from qa.models import Document, Passage, QAModel
from qa.ranking.retrieval import DenseIndex, KeywordIndex
from qa.reading.corpus import corpus_files
from qa.reading.passages import cited_note_rows

logger = logging.getLogger(__name__)

__all__ = ["FORMAT_VERSION", "Index", "IndexManifest", "IndexStore", "Vectors", "corpus_files"]

FORMAT_VERSION = 2  # 2: PDF pages carry their printed labels (front matter "iv")


class EmbeddingInfo(QAModel):
    model_name: str
    model_sha256: str
    dimension: int
    max_tokens: int
    normalized: bool = True


class CorpusInfo(QAModel):
    sha256: str
    num_documents: int
    files: dict[str, str]


class IndexManifest(QAModel):
    format_version: int
    qa_version: str
    created_at: str
    build_seconds: float
    libraries: dict[str, str]
    embedding: EmbeddingInfo
    multilingual: EmbeddingInfo | None = Field(
        default=None, description="The second encoder (passages, sentences and notes again), if built with one")
    passages: PassageParams
    bm25: Bm25Params
    corpus: CorpusInfo
    reader: str = Field(default="", description="qa.reading.corpus.reader_identity() of the build")
    search: SearchParams | None = Field(default=None, description="The vector search settings built with")
    structures: dict[str, str] = Field(default_factory=dict, description="flat or hnsw, by vector file")
    counts: dict[str, int]
    artifacts: dict[str, str] = Field(description="sha256 of each artefact file")

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


@dataclass
class Index:
    """A loaded index: the texts and their retrievers, aligned row by row."""

    manifest: IndexManifest
    documents: dict[str, Document]
    passages: list[Passage]
    passage_vectors: DenseIndex
    sentence_vectors: DenseIndex
    sentence_passage: np.ndarray  # passage row of each sentence row
    sentence_first: np.ndarray  # first sentence row of each passage (len = passages + 1)
    notes: list[dict[str, str]]
    note_vectors: DenseIndex
    passage_keywords: KeywordIndex
    note_keywords: KeywordIndex
    passage_notes: list[list[int]]  # note rows cited by each passage
    multilingual: Vectors | None = None  # the second encoder's vectors, row for row


@dataclass
class Vectors:
    """One encoder's passage, sentence and note vectors."""

    passages: DenseIndex
    sentences: DenseIndex
    notes: DenseIndex


def _corpus_hash(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()


def _libraries() -> dict[str, str]:
    from qa.reading.words import wordlist_identity

    return library_versions() | {"wordlist": wordlist_identity()}  # the PDF reader's hyphens depend on it


def _index_files(folder: Path) -> list[str]:
    """Every file of an index folder but its manifest, as sorted relative paths: each one is
    hashed in the manifest, the keyword indexes' arrays included."""
    return sorted(f.relative_to(folder).as_posix() for f in folder.rglob("*") if f.is_file() and f.name != "manifest.json")


# --------------------------------------------------------------------------- the store


class IndexStore:
    """Reads and writes the index at ``path`` (``index/<name>``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    # -- write ---------------------------------------------------------------

    def write(
        self,
        *,
        docs: list[Document],
        passages: list[Passage],
        notes: list[dict[str, str]],
        dense: tuple[DenseIndex, DenseIndex, DenseIndex],
        keywords: tuple[KeywordIndex, KeywordIndex],
        files: dict[str, str],
        embedder: Any,
        passage_params: PassageParams,
        bm25_params: Bm25Params,
        started: float,
        clock: Callable[[], float] = time.monotonic,
        multilingual: tuple[Any, Vectors] | None = None,
        reader: str = "",
        search: SearchParams | None = None,
    ) -> Index:
        """Write a built index (documents, passages, notes; passage, sentence and note vectors;
        passage and note keyword indexes) into a staging folder, fsync it, write the manifest
        last, swap it in, and load it back. ``files``: the corpus files it was built from;
        ``multilingual``: the second encoder and its vectors; ``reader``: the reader's identity."""
        passage_dense, sentence_dense, note_dense = dense
        passage_kw, note_kw = keywords
        t0 = started
        np_, ns = len(passages), len(sentence_dense)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for gone in remove_leftovers(self.path.parent, (f".tmp-{self.path.name}", f".old-{self.path.name}")):
            logger.info("removed '%s', left by a build that did not finish", gone)
        staging = self.path.parent / work_name(f".tmp-{self.path.name}")
        staging.mkdir()
        try:
            with (staging / "documents.jsonl").open("w", encoding="utf-8") as fh:
                for d in docs:
                    fh.write(d.model_dump_json() + "\n")
            with (staging / "passages.jsonl").open("w", encoding="utf-8") as fh:
                for p in passages:
                    fh.write(p.model_dump_json() + "\n")
            with (staging / "notes.jsonl").open("w", encoding="utf-8") as fh:
                for n in notes:
                    fh.write(json.dumps(n, ensure_ascii=False) + "\n")
            dense_files = {"passages.faiss": passage_dense, "sentences.faiss": sentence_dense, "notes.faiss": note_dense}
            if multilingual is not None:
                dense_files |= {f"{part}.multilingual.faiss": getattr(multilingual[1], part)
                                for part in ("passages", "sentences", "notes")}
            for name, dense_index in dense_files.items():
                dense_index.save(staging / name)
            passage_kw.save(staging / "bm25-passages")
            note_kw.save(staging / "bm25-notes")
            fsync_tree(staging)
            manifest = IndexManifest(
                format_version=FORMAT_VERSION,
                qa_version=__version__,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                build_seconds=round(clock() - t0, 3),
                libraries=_libraries(),
                embedding=EmbeddingInfo(
                    model_name=embedder.name,
                    model_sha256=embedder.hash,
                    dimension=embedder.dimension,
                    max_tokens=embedder.max_tokens,
                ),
                multilingual=None if multilingual is None else EmbeddingInfo(
                    model_name=multilingual[0].name, model_sha256=multilingual[0].hash,
                    dimension=multilingual[0].dimension, max_tokens=multilingual[0].max_tokens),
                passages=passage_params,
                bm25=bm25_params,
                corpus=CorpusInfo(sha256=_corpus_hash(files), num_documents=len(docs), files=files), reader=reader,
                search=search, structures={name: d.kind for name, d in dense_files.items()},
                counts={"documents": len(docs), "passages": np_, "sentences": ns, "notes": len(notes)},
                artifacts={name: sha256_file(staging / name) for name in _index_files(staging)},
            )
            atomic_write_text(staging / "manifest.json", manifest.model_dump_json(indent=2))
            self.swap_in(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        logger.info("index built at %s in %.1f s (%d passages)", self.path, clock() - t0, np_)
        with folder_lock(self._lock_path, shared=True):  # its files were hashed just now: not again
            return self._load(expect_model=None, verify=True, hashed=manifest.digest)

    def swap_in(self, staging: Path) -> None:
        """Put a finished staging folder in the index's place, one swap at a time (two builds
        finishing together each moved the other's index away); the old index is removed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(self._lock_path):
            old = None
            if self.path.exists():
                old = self.path.parent / work_name(f".old-{self.path.name}")
                os.replace(self.path, old)
            os.replace(staging, self.path)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)

    # -- load ----------------------------------------------------------------

    def read_manifest(self) -> IndexManifest:
        path = self.path / "manifest.json"
        if not path.is_file():
            raise IndexNotFoundError(f"No index at '{self.path}'. Build it with: qa build")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"Index manifest '{path}' is not valid JSON: {exc}") from exc
        version = raw.get("format_version") if isinstance(raw, dict) else None
        if not isinstance(version, int):
            raise IndexCorruptError(f"Index manifest '{path}' has no format_version.")
        if version > FORMAT_VERSION:
            raise IndexFormatError(
                f"Index at '{self.path}' has format {version}; this essay-qa reads format "
                f"{FORMAT_VERSION}. Upgrade essay-qa or rebuild with: qa build"
            )
        if version < FORMAT_VERSION:
            raise IndexMismatchError(f"Index at '{self.path}' has the old format {version}; it will be rebuilt.")
        try:
            return IndexManifest.model_validate(raw)
        except ValidationError as exc:
            raise IndexCorruptError(f"Index manifest '{path}' is malformed: {exc.error_count()} errors") from exc

    def check(
        self, manifest: IndexManifest, *, model_sha256: str | None, model_name: str | None = None,
        passage_params: PassageParams | None = None, bm25_params: Bm25Params | None = None,
        corpus_dir: Path | None = None, multilingual_sha256: str | None | bool = False,
        search_params: SearchParams | None = None,
    ) -> None:
        """Raise when the index was built for another model, parameters or corpus.
        ``multilingual_sha256``: the second encoder's hash, None for none (False: not checked)."""
        if model_sha256 is not None and manifest.embedding.model_sha256 != model_sha256:
            raise IndexMismatchError(
                f"Index at '{self.path}' was built with model '{manifest.embedding.model_name}' "
                f"but settings ask for '{model_name}' (other weights). It will be rebuilt (qa build)."
            )
        if multilingual_sha256 is not False:
            built = manifest.multilingual.model_sha256 if manifest.multilingual else None
            if built != multilingual_sha256:
                have = manifest.multilingual.model_name if manifest.multilingual else "no multilingual encoder"
                want = "another multilingual encoder" if multilingual_sha256 else "none"
                raise IndexMismatchError(
                    f"Index at '{self.path}' was built with {have}, but the settings ask for {want} "
                    "(QA_MULTILINGUAL). It will be rebuilt (qa build).")
        if passage_params is not None and manifest.passages != passage_params:
            raise IndexMismatchError(f"Index at '{self.path}' was built with other passage settings.")
        if bm25_params is not None and manifest.bm25 != bm25_params:
            raise IndexMismatchError(f"Index at '{self.path}' was built with other BM25 settings.")
        if search_params is not None and manifest.search != search_params:
            raise IndexMismatchError(f"Index at '{self.path}' was built with other vector search settings.")
        if corpus_dir is not None:
            files = corpus_files(corpus_dir)
            if files != manifest.corpus.files:
                changed = sorted(set(files.items()) ^ set(manifest.corpus.files.items()))
                names = sorted({name for name, _ in changed})
                raise StaleCorpusError(
                    f"The corpus in '{corpus_dir}' changed since the index was built "
                    f"({', '.join(names[:5])}). It will be rebuilt."
                )
        current = _libraries()
        for lib, ver in manifest.libraries.items():
            if lib in current and current[lib] != ver and lib in ("sentence-transformers", "faiss-cpu", "bm25s", "wordlist"):
                logger.warning("index built with %s %s, running %s", lib, ver, current[lib])

    def load(self, *, expect_model: str | None = None, verify: bool = True) -> Index:
        """Load the index; ``expect_model`` is the model hash the caller will query with."""
        with folder_lock(self._lock_path, shared=True):
            return self._load(expect_model=expect_model, verify=verify)

    @property
    def _lock_path(self) -> Path:
        return self.path.parent / f".lock-{self.path.name}"

    @property
    def _stamp_path(self) -> Path:  # the files as they were when last hashed and found whole
        return self.path.parent / f".verified-{self.path.name}"

    def _load(self, *, expect_model: str | None, verify: bool, hashed: str | None = None) -> Index:
        """``hashed``: the digest of a manifest whose files this process has just hashed (a
        build): when it is the one found, the files are recorded as whole without hashing them."""
        manifest = self.read_manifest()
        if expect_model is not None:
            self.check(manifest, model_sha256=expect_model)
        p = self.path
        if verify:
            for name in _index_files(p):
                if name not in manifest.artifacts:
                    raise IndexCorruptError(f"Index file '{p / name}' has no hash in the manifest. It will be rebuilt.")
            bad = verify_hashes(p, manifest.artifacts, self._stamp_path, manifest.digest,
                                trusted=hashed == manifest.digest)
            if bad is not None:
                name, why = bad
                raise IndexCorruptError(f"Index at '{p}' lacks '{name}'. It will be rebuilt." if why == "missing" else
                                        f"Index file '{p / name}' does not match its manifest hash. It will be rebuilt.")
        try:
            documents = [Document.model_validate_json(line) for line in _lines(p / "documents.jsonl")]
            passages = [Passage.model_validate_json(line) for line in _lines(p / "passages.jsonl")]
            notes = [json.loads(line) for line in _lines(p / "notes.jsonl")]
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"Index at '{p}' cannot be read: {exc}") from exc
        passage_vectors = DenseIndex.load(p / "passages.faiss")
        sentence_vectors = DenseIndex.load(p / "sentences.faiss")
        note_vectors = DenseIndex.load(p / "notes.faiss")
        passage_keywords = KeywordIndex.load(p / "bm25-passages")
        note_keywords = KeywordIndex.load(p / "bm25-notes")
        multilingual = None
        if manifest.multilingual is not None:
            multilingual = Vectors(*(DenseIndex.load(p / f"{part}.multilingual.faiss")
                                     for part in ("passages", "sentences", "notes")))
        counts = manifest.counts
        sizes = np.array([len(x.sentences) for x in passages], dtype=np.int64)
        checks = {
            "passages": (counts.get("passages"), len(passages), len(passage_vectors), passage_keywords.n_docs),
            "sentences": (counts.get("sentences"), int(sizes.sum()), len(sentence_vectors)),
            "notes": (counts.get("notes"), len(notes), len(note_vectors)),
        }
        if multilingual is not None:
            for part, n in (("passages", len(passages)), ("sentences", int(sizes.sum())), ("notes", len(notes))):
                checks[f"multilingual {part}"] = (n, len(getattr(multilingual, part)))
        for what, values in checks.items():
            if len(set(values)) != 1:
                raise IndexCorruptError(f"Index at '{p}': {what} counts disagree {values}. It will be rebuilt.")
        passage_notes = cited_note_rows(passages, {d.doc_id: d for d in documents}, notes)
        first = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return Index(
            manifest=manifest,
            documents={d.doc_id: d for d in documents},
            passages=passages,
            passage_vectors=passage_vectors,
            sentence_vectors=sentence_vectors,
            sentence_passage=np.repeat(np.arange(len(passages)), sizes).astype(np.int64),
            sentence_first=first,
            notes=notes,
            note_vectors=note_vectors,
            passage_keywords=passage_keywords,
            note_keywords=note_keywords,
            passage_notes=passage_notes,
            multilingual=multilingual,
        )


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
