"""Engine: wires the index, the embedder and the ranking; ``ask()`` and ``ask_many()``.

For a question, every passage gets five signals (candidates only, on a large corpus):
the cosine with the passage vector, with its best sentence, with its best cited note, and
the normalised BM25 score of its text and of its best cited note. ``qa.ranking.fusion.convex`` folds
them into one score in [0, 1]. The best sentence of each returned passage is highlighted
from precomputed sentence vectors plus keyword overlap; when a cited note carried the
passage, the sentence that cites that note is highlighted instead.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.config import Settings, load_settings
from qa.embedding import Embedder
from qa.errors import QuestionError
from qa.indexing import open_index
from qa.models import Answer, AnswerPassage, Document
from qa.ranking.answer_type import expected_type, holds_type
from qa.ranking.citations import citations_for
from qa.ranking.fusion import convex, note_scores
from qa.ranking.highlight import asks_mask, best_sentence, highlight_for, sentence_at
from qa.reading.corpus import check_corpus_dir
from qa.store import Index

logger = logging.getLogger(__name__)

__all__ = ["NOT_ANSWERED_MESSAGE", "Engine"]

NOT_ANSWERED_MESSAGE = (
    "The text does not seem to answer this question. The closest passages are shown below."
)
_HAS_WORD = re.compile(r"\w", re.UNICODE)


class Engine:
    """Answers questions from a loaded index. Build one with :meth:`from_settings`."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        *,
        settings: Settings,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.params = settings.ranking
        self._clock = clock
        self._tok = index.passage_keywords.tokenizer
        self._sentence_tokens: dict[int, frozenset[str]] = {}
        self._all_notes_pos = [(row, labs) for row, labs in enumerate(index.passage_notes) if labs]
        self._note_rows: dict[str, dict[str, int]] = {}
        for row, n in enumerate(index.notes):
            self._note_rows.setdefault(n["doc_id"], {})[n["label"]] = row
        # the note rows each passage cites, as a padded table (-1: none) for vectorised maxima
        width = max((len(labs) for labs in index.passage_notes), default=0)
        self._cited = np.full((len(index.passage_notes), max(width, 1)), -1, np.int64)
        for row, labs in enumerate(index.passage_notes):
            self._cited[row, : len(labs)] = labs

    @property
    def query_model(self) -> dict[str, Any]:
        """What encodes the questions, for run summaries: the figures depend on it."""
        backend = getattr(self.embedder, "backend", "torch")
        return {"model": self.settings.model, "backend": backend,
                "quantize": getattr(self.embedder, "quantize", "none") if backend == "onnx" else None}

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        rebuild: bool = False,
        auto_rebuild: bool = True,
        show_progress: bool = False,
        embedder: Embedder | None = None,
    ) -> Engine:
        """Load the index named by the settings, building it first when needed.

        With ``auto_rebuild`` (the default) a missing, stale, mismatched or corrupt index is
        logged in one line and rebuilt atomically; without it the IndexError_ is raised.
        """
        settings = settings or load_settings()
        check_corpus_dir(settings.corpus_dir)  # before any model is loaded or exported
        if embedder is None:
            from qa.embedding import load_embedder

            embedder = load_embedder(settings)
        index = open_index(settings, embedder, rebuild=rebuild, auto_rebuild=auto_rebuild, show_progress=show_progress)
        return cls(index, embedder, settings=settings)

    # -- public API -----------------------------------------------------------

    @property
    def documents(self) -> dict[str, Document]:
        return self.index.documents

    def validate(self, question: object) -> str:
        """The question, cleaned; raise QuestionError with a user-facing message when unusable."""
        if not isinstance(question, str):
            raise QuestionError(f"The question must be text, not {type(question).__name__}.")
        text = question
        if not text.isprintable():  # printable text holds no control or format character
            text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
        text = " ".join(text.split())
        if not text:
            raise QuestionError("The question is empty. Type a question about the text.")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise QuestionError(
                f"The question is {len(text)} characters long; the limit is {limit}. Shorten it."
            )
        if not _HAS_WORD.search(text):
            raise QuestionError("The question has no words. Type a question about the text.")
        return text

    def _check_documents(self, documents: Sequence[str] | None) -> np.ndarray | None:
        if not documents:
            return None
        unknown = [d for d in documents if d not in self.index.documents]
        if unknown:
            raise QuestionError(
                f"Unknown document {unknown[0]!r}. Known documents: {', '.join(sorted(self.index.documents))}."
            )
        wanted = set(documents)
        return np.array([p.doc_id in wanted for p in self.index.passages], dtype=bool)

    def ask(
        self,
        question: str,
        *,
        top_k: int | None = None,
        documents: Sequence[str] | None = None,
        id: str | None = None,  # noqa: A002 - the Answer field's name
    ) -> Answer:
        """Answer one question.

        Raises:
            QuestionError: The question is empty, too long, not text, or names an unknown document.
        """
        t0 = self._clock()
        text = self.validate(question)
        mask = self._check_documents(documents)
        qvec = self.embedder.encode([text], batch_size=1)
        return self._answer(text, qvec[0], top_k or self.settings.top_k, mask, t0, id)

    def ask_many(
        self,
        questions: Sequence[object],
        *,
        top_k: int | None = None,
        documents: Sequence[str] | None = None,
        ids: Sequence[str | None] | None = None,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> list[Answer]:
        """Answer many questions with batched encoding; order is kept.

        A question that cannot be asked gets an Answer whose ``error`` says why, in its place.
        """
        ids = list(ids) if ids is not None else [None] * len(questions)
        mask = self._check_documents(documents)
        k = top_k or self.settings.top_k
        bs = batch_size or self.settings.batch_size
        answers: list[Answer | None] = [None] * len(questions)
        valid: list[tuple[int, str]] = []
        for i, q in enumerate(questions):
            try:
                valid.append((i, self.validate(q)))
            except QuestionError as exc:
                answers[i] = Answer(
                    id=ids[i], question=q if isinstance(q, str) else repr(q), answered=False,
                    passages=[], took_ms=0.0, error=str(exc),
                )
        # Encode in large chunks: sentence-transformers sorts each call's texts by length,
        # so bigger calls pad less (batches of `bs` inside each call).
        step = max(bs * 16, 1024)
        for b in range(0, len(valid), step):
            chunk = valid[b : b + step]
            t0 = self._clock()
            vecs = self.embedder.encode([t for _, t in chunk], batch_size=bs, show_progress=False)
            per_q = (self._clock() - t0) / max(len(chunk), 1)
            for (i, text), vec in zip(chunk, vecs, strict=True):
                t1 = self._clock() - per_q
                answers[i] = self._answer(text, vec, k, mask, t1, ids[i])
            if show_progress:
                logger.info("answered %d/%d", min(b + step, len(valid)), len(valid))
        return [a for a in answers if a is not None]

    # -- ranking --------------------------------------------------------------

    def _candidates(self, qvec: np.ndarray, lex_p: np.ndarray, lex_n: np.ndarray, dense_n: np.ndarray) -> np.ndarray:
        idx = self.index
        n = len(idx.passages)
        c = self.params.candidates
        if n <= 4 * c:
            return np.arange(n)
        rows: set[int] = set()
        _, top_p = idx.passage_vectors.search(qvec[None, :], c)
        rows.update(int(r) for r in top_p[0] if r >= 0)
        _, top_s = idx.sentence_vectors.search(qvec[None, :], 3 * c)
        rows.update(int(idx.sentence_passage[r]) for r in top_s[0] if r >= 0)
        rows.update(int(r) for r in np.argpartition(-lex_p, c)[:c])
        if len(dense_n):
            best_notes = set(np.argsort(-np.maximum(dense_n, lex_n))[:c].tolist())
            rows.update(row for row, labs in self._all_notes_pos if best_notes.intersection(labs))
        return np.array(sorted(rows), dtype=np.int64)

    def _citing_sentences(self, p: Any) -> np.ndarray:
        """Which sentences of ``p`` carry a marker whose note has text."""
        doc = self.index.documents[p.doc_id]
        out = np.zeros(len(p.sentences), bool)
        for m in p.markers:
            note = doc.footnote(m.label)
            i = sentence_at(p, m.offset)
            if note is not None and not note.missing and i is not None:
                out[i] = True
        return out

    def _note_scores_by_sentence(self, p: Any, note_fused: np.ndarray) -> np.ndarray:
        """Best fused score of the notes each sentence of ``p`` cites (0 where it cites none)."""
        out = np.zeros(len(p.sentences), np.float32)
        if not len(note_fused) or not p.notes:
            return out
        rows = self._note_rows.get(p.doc_id, {})
        for m in p.markers:
            row = rows.get(m.label)
            i = sentence_at(p, m.offset)
            if row is not None and i is not None:
                out[i] = max(out[i], float(note_fused[row]))
        if p.kind == "note":
            row = rows.get(p.notes[0])
            if row is not None:
                out[:] = float(note_fused[row])
        return out

    def _sentence_overlap(self, row: int, q_tokens: set[str], ceiling: float) -> float:
        toks = self._sentence_tokens.get(row)
        if toks is None:
            p = self.index.passages[int(self.index.sentence_passage[row])]
            a, b = p.sentences[row - int(self.index.sentence_first[int(self.index.sentence_passage[row])])]
            toks = frozenset(self._tok(p.text[a:b]))
            self._sentence_tokens[row] = toks
        kw = self.index.passage_keywords
        return sum(kw.idf_of(t) for t in q_tokens & toks) / ceiling if ceiling > 0 else 0.0

    def search(
        self, questions: Sequence[str], *, k: int = 100, batch_size: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """Ranked (passage_id, score) lists, up to ``k`` per question, for benchmarks and tools."""
        bs = batch_size or self.settings.batch_size
        out: list[list[tuple[str, float]]] = []
        for b in range(0, len(questions), bs):
            chunk = [self.validate(q) for q in questions[b : b + bs]]
            vecs = self.embedder.encode(chunk, batch_size=bs)
            for text, vec in zip(chunk, vecs, strict=True):
                s = self._score(text, vec, None)
                order = np.argsort(-s.fused, kind="stable")[:k]
                out.append([(self.index.passages[int(s.cand[j])].passage_id, float(s.fused[j])) for j in order])
        return out

    def _score(self, question: str, qvec: np.ndarray, mask: np.ndarray | None) -> _Scores:
        idx = self.index
        tokens = self._tok(question)
        lex_p_all = idx.passage_keywords.scores(tokens)
        lex_n_all = idx.note_keywords.scores(tokens) if idx.notes else np.zeros(0, np.float32)
        dense_n_all = idx.note_vectors.vectors @ qvec if idx.notes else np.zeros(0, np.float32)
        note_fused = note_scores(dense_n_all, lex_n_all, self.params)
        cand = self._candidates(qvec, lex_p_all, lex_n_all, dense_n_all)
        if mask is not None:
            allowed = np.flatnonzero(mask)
            # a document filter ranks every passage of the chosen documents when they are few
            cand = allowed if len(allowed) <= 4 * self.params.candidates else cand[mask[cand]]
        if len(cand) == 0:
            empty = np.zeros(0, np.float32)
            return _Scores(tokens, cand, empty, np.zeros(0, bool), empty, cand, cand, cand, note_fused)
        dense_p = idx.passage_vectors.vectors[cand] @ qvec
        firsts = idx.sentence_first[cand]
        lasts = idx.sentence_first[cand + 1]
        sizes = lasts - firsts
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        # the sentence rows of every candidate, in order: firsts[j] + 0 .. sizes[j] - 1
        sent_rows = np.repeat(firsts - offsets, sizes) + np.arange(int(sizes.sum()))
        sent_scores = idx.sentence_vectors.vectors[sent_rows] @ qvec
        dense_s = np.maximum.reduceat(sent_scores, offsets)
        dense_n, lex_n = self._cited_max(cand, dense_n_all), self._cited_max(cand, lex_n_all)
        fused, by_note = convex(
            dense_passage=dense_p, dense_sentence=dense_s, dense_note=dense_n,
            lexical_passage=lex_p_all[cand], lexical_note=lex_n, params=self.params,
        )
        return _Scores(tokens, cand, fused, by_note, sent_scores, offsets, firsts, lasts, note_fused)

    def _cited_max(self, cand: np.ndarray, note_scores: np.ndarray) -> np.ndarray:
        """For each candidate passage, the best score among the notes it cites (0 if none)."""
        if not len(note_scores):
            return np.zeros(len(cand), np.float32)
        cited = self._cited[cand]
        vals = np.where(cited >= 0, note_scores[np.maximum(cited, 0)], -np.inf).max(axis=1)
        return np.where(np.isfinite(vals), vals, 0.0).astype(np.float32)

    def _answer(
        self, question: str, qvec: np.ndarray, top_k: int, mask: np.ndarray | None, t0: float, qid: str | None
    ) -> Answer:
        idx = self.index
        s = self._score(question, qvec, mask)
        order = np.argsort(-s.fused, kind="stable")[:top_k]
        q_tokens = set(s.tokens)
        ceiling = idx.passage_keywords.ceiling(list(q_tokens))
        kind = expected_type(question)
        passages: list[AnswerPassage] = []
        for rank, j in enumerate(order, start=1):
            row = int(s.cand[j])
            p = idx.passages[row]
            doc = idx.documents[p.doc_id]
            first, last = int(s.firsts[j]), int(s.lasts[j])
            lo = int(s.offsets[j])
            overlap = np.array(
                [self._sentence_overlap(r, q_tokens, ceiling) for r in range(first, last)], np.float32
            )
            note_scores = self._note_scores_by_sentence(p, s.note_fused)
            # a source question is answered by a note: the best sentence that cites one
            prefer = self._citing_sentences(p) if kind == "source" else None
            s_idx = best_sentence(
                s.sentence_scores[lo : lo + last - first], overlap, note_scores,
                lexical_weight=self.params.highlight_overlap_weight, note_weight=self.params.note_weight,
                prefer=prefer, asks=asks_mask(p),
            )
            passages.append(
                AnswerPassage(
                    rank=rank, passage_id=p.passage_id, score=round(float(s.fused[j]), 4),
                    document=p.doc_id, title=doc.title, pages=p.pages,
                    char_start=p.start, char_end=p.end, line_start=p.line_start, line_end=p.line_end,
                    text=p.text, highlight=highlight_for(p, s_idx), markers=p.markers,
                    citations=citations_for(p, doc),
                )
            )
        answered = bool(passages) and passages[0].score >= self.params.answer_threshold
        if answered and kind in ("date", "number"):
            top = passages[0]
            h = top.highlight
            notes = {m.label for m in top.markers if h.start <= m.offset <= h.end}
            answered = holds_type(kind, h.text + " " + " ".join(c.text or "" for c in top.citations if c.label in notes))
        return Answer(
            id=qid, question=question, answered=answered, passages=passages,
            took_ms=round((self._clock() - t0) * 1000, 2),
            message=None if answered else NOT_ANSWERED_MESSAGE,
        )


@dataclass
class _Scores:
    tokens: list[str]
    cand: np.ndarray  # passage rows
    fused: np.ndarray
    by_note: np.ndarray
    sentence_scores: np.ndarray  # cosines of the candidates' sentences, candidate by candidate
    offsets: np.ndarray  # where each candidate's sentences start in sentence_scores
    firsts: np.ndarray  # first sentence row of each candidate
    lasts: np.ndarray
    note_fused: np.ndarray  # fused score of every note row
