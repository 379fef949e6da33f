"""Retrievers over one set of texts: keyword (bm25s) and dense (FAISS inner product).

Both give a score for every row on demand, which the fusion needs, and a top-k search for
candidates. Keyword scores are normalised to [0, 1] by the query's own ceiling: the sum of
its terms' IDF (what a document holding every term, many times, would score under the
Lucene BM25 variant bm25s uses). Out-of-vocabulary terms count in that ceiling with the
highest IDF, so a question matching one rare word of ten does not look like a full match,
and a word every passage shares (the reading's topic) adds almost nothing.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import Bm25Params, SearchParams
from qa.errors import IndexCorruptError

logger = logging.getLogger(__name__)

__all__ = ["DenseIndex", "KeywordIndex", "Tokenizer"]

_WORD = re.compile(r"(?u)\b\w\w+\b")


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold(text: str) -> str:
    """Lower case without diacritics: "Milošević" and "Milosevic" become one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    if decomposed.isascii():
        return decomposed
    # only the distinct non-ASCII characters are asked whether they combine (a passage has a
    # few: quotes, dashes, accents), and those that do are dropped in one pass
    marks = {ch for ch in set(_NON_ASCII.findall(decomposed)) if unicodedata.combining(ch)}
    if marks:
        decomposed = decomposed.translate(dict.fromkeys(map(ord, marks)))
    return decomposed.replace("đ", "dj")


_LANGUAGES = {
    "en": "EN", "english": "EN", "en_plus": "EN_PLUS", "english_plus": "EN_PLUS", "de": "GERMAN",
    "german": "GERMAN", "nl": "DUTCH", "dutch": "DUTCH", "fr": "FRENCH", "french": "FRENCH",
    "es": "SPANISH", "spanish": "SPANISH", "pt": "PORTUGUESE", "portuguese": "PORTUGUESE",
    "it": "ITALIAN", "italian": "ITALIAN", "ru": "RUSSIAN", "russian": "RUSSIAN", "sv": "SWEDISH",
    "swedish": "SWEDISH", "no": "NORWEGIAN", "norwegian": "NORWEGIAN", "zh": "CHINESE",
    "chinese": "CHINESE", "tr": "TURKISH", "turkish": "TURKISH", "ko": "KOREAN", "korean": "KOREAN",
    "da": "DANISH", "danish": "DANISH",
}


def _stopwords(language: str) -> tuple[str, ...]:
    """bm25s's stopword list for a language code or name (its public ``bm25s.stopwords``)."""
    import bm25s.stopwords

    name = _LANGUAGES.get(language.lower())
    if name is None:
        raise ValueError(f"No stopword list for {language!r}; known: {', '.join(sorted(_LANGUAGES))}")
    return tuple(getattr(bm25s.stopwords, f"STOPWORDS_{name}"))


class Tokenizer:
    """Words of two or more letters, folded, without stopwords, stemmed."""

    def __init__(self, *, stemmer: str = "english", stopwords: str = "en") -> None:
        self.stemmer_name = stemmer
        self.stopwords_name = stopwords
        self._stem = None
        if stemmer:
            import Stemmer  # PyStemmer

            self._stem = Stemmer.Stemmer(stemmer).stemWords
        if stopwords:
            self._stop = frozenset(_stopwords(stopwords))
        else:
            self._stop = frozenset()

    def __call__(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(fold(text)) if w not in self._stop]
        return list(self._stem(words)) if self._stem else words

    def many(self, texts: list[str]) -> list[list[str]]:
        return [self(t) for t in texts]


def _bm25s() -> Any:
    """bm25s, imported with its logger set back to our logging config (it sets itself to DEBUG
    on import, so "Building index from tokens" showed at every default log level)."""
    import bm25s

    log = logging.getLogger("bm25s")
    if log.level == logging.DEBUG:
        log.setLevel(logging.NOTSET)
    return bm25s


class KeywordIndex:
    """BM25 over a list of texts (bm25s), with scores normalised per query (module docstring)."""

    def __init__(self, retriever: object | None, idf: np.ndarray, n_docs: int, tokenizer: Tokenizer) -> None:
        # retriever is None when the texts hold no word at all (e.g. a corpus without notes)
        self._bm25 = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict if retriever is not None else {}  # type: ignore[attr-defined]
        self._idf = idf
        self.n_docs = n_docs
        self.tokenizer = tokenizer
        self._max_idf = float(np.log(1 + (n_docs + 0.5) / 0.5))

    @classmethod
    def build(cls, texts: list[str], params: Bm25Params) -> KeywordIndex:
        bm25s = _bm25s()

        tok = Tokenizer(stemmer=params.stemmer, stopwords=params.stopwords)
        corpus = tok.many(texts)
        if not any(corpus):  # bm25s cannot index texts without a single token
            return cls(None, np.zeros(0, np.float32), len(texts), tok)
        retriever = bm25s.BM25(k1=params.k1, b=params.b, method="lucene")
        retriever.index(corpus, show_progress=False)
        vocab: dict[str, int] = retriever.vocab_dict
        df = np.zeros(len(vocab), dtype=np.float64)
        for doc in corpus:
            for word in set(doc):
                df[vocab[word]] += 1
        n = len(texts)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        return cls(retriever, idf, n, tok)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(path), allow_pickle=False)  # type: ignore[attr-defined]
        np.save(path / "idf.npy", self._idf, allow_pickle=False)
        (path / "meta.json").write_text(
            json.dumps(
                {"n_docs": self.n_docs, "stemmer": self.tokenizer.stemmer_name, "stopwords": self.tokenizer.stopwords_name}
            )
        )

    @classmethod
    def load(cls, path: Path) -> KeywordIndex:
        bm25s = _bm25s()

        try:
            meta = json.loads((path / "meta.json").read_text())
            idf = np.load(path / "idf.npy", allow_pickle=False)
            # mapped, not read: a question reads the postings of its own words only
            retriever = bm25s.BM25.load(str(path), allow_pickle=False, mmap=True) if len(idf) else None
        except Exception as exc:
            raise IndexCorruptError(f"Keyword index at '{path}' cannot be read: {exc}") from exc
        if retriever is not None and len(idf) != len(retriever.vocab_dict):
            raise IndexCorruptError(f"Keyword index at '{path}': IDF and vocabulary sizes differ.")
        return cls(retriever, idf, int(meta["n_docs"]), Tokenizer(stemmer=meta["stemmer"], stopwords=meta["stopwords"]))

    def ceiling(self, tokens: list[str]) -> float:
        return float(
            sum(float(self._idf[self._vocab[t]]) if t in self._vocab else self._max_idf for t in tokens)
        )

    def scores(self, tokens: list[str]) -> np.ndarray:
        """Normalised BM25 score of every row for a tokenised query, in [0, 1]."""
        ids = [self._vocab[t] for t in tokens if t in self._vocab]
        if not ids or self.n_docs == 0 or self._bm25 is None:
            return np.zeros(self.n_docs, dtype=np.float32)
        raw = self._bm25.get_scores_from_ids(ids)  # type: ignore[attr-defined]
        return (np.asarray(raw, dtype=np.float32) / max(self.ceiling(tokens), 1e-9)).astype(np.float32)

    def idf_of(self, token: str) -> float:
        return float(self._idf[self._vocab[token]]) if token in self._vocab else self._max_idf


class DenseIndex:
    """Normalised vectors in a FAISS inner-product index; rows align with their texts.

    Exact (``IndexFlatIP``) up to a size, above it an HNSW graph over the same vectors
    (``IndexHNSWFlat``), whose top rows are candidates only: the ranker scores candidates with
    their exact cosines (``vectors``). ``vectors`` is a read-only view of the index's own
    storage, not a copy, so the vectors are held once."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.vectors = _stored_vectors(index)

    @property
    def kind(self) -> str:
        return "hnsw" if hasattr(self.index, "hnsw") else "flat"

    @classmethod
    def build(cls, vectors: np.ndarray, params: SearchParams | None = None) -> DenseIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        d = vectors.shape[1]
        index: Any
        if params is not None and len(vectors) > params.approximate_above:
            index = faiss.IndexHNSWFlat(d, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = params.ef_construction
            index.hnsw.efSearch = params.ef_search
        else:
            index = faiss.IndexFlatIP(d)
        if len(vectors):
            index.add(vectors)
        return cls(index)

    @classmethod
    def extend(cls, before: DenseIndex, vectors: np.ndarray, params: SearchParams) -> DenseIndex:
        """``vectors`` (whose first rows are ``before``'s, in order) searched as ``build`` would:
        an HNSW graph of ``before`` is copied and given the rows after its own, instead of built
        again (the costly part of adding a reading to many); anything else is built."""
        import faiss

        n = len(before)
        if before.kind != "hnsw" or len(vectors) <= params.approximate_above or len(vectors) < n:
            return cls.build(vectors, params)
        index: Any = faiss.deserialize_index(faiss.serialize_index(before.index))  # owned, not the mapped file
        index.hnsw.efConstruction = params.ef_construction
        index.hnsw.efSearch = params.ef_search
        if len(vectors) > n:
            index.add(np.ascontiguousarray(vectors[n:], dtype=np.float32))
        return cls(index)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        import faiss

        try:  # the vectors are mapped from the file, not read: a graph's search touches few of them
            return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC))
        except Exception as exc:
            raise IndexCorruptError(f"Vector index '{path}' cannot be read: {exc}") from exc

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows per query: (scores, rows), rows of -1 where fewer exist."""
        k = max(1, min(k, len(self)))
        scores, rows = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return np.asarray(scores), np.asarray(rows)


def _stored_vectors(index: Any) -> np.ndarray:
    """The vectors a flat or HNSW-flat FAISS index stores, as a read-only numpy view."""
    import faiss

    storage = faiss.downcast_index(index.storage) if hasattr(index, "hnsw") else index
    n, d = int(storage.ntotal), int(storage.d)
    if n == 0:
        return np.zeros((0, d), np.float32)
    if not hasattr(storage, "get_xb"):
        raise IndexCorruptError(f"A vector index of an unknown kind ({type(storage).__name__}).")
    view = faiss.rev_swig_ptr(storage.get_xb(), n * d).reshape(n, d).view(_Pinned)
    view.owner = index  # the memory is the index's: any view or slice of it keeps the index alive
    view.flags.writeable = False
    return view


class _Pinned(np.ndarray):
    """An array over memory another object owns, holding that object."""

    owner: Any = None
