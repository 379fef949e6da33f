"""The ranker: for one question over one index, the candidate passages, their fused scores
(``qa.ranking.fusion``), and for each returned passage its best sentence (``highlight``), the
notes it cites (``citations``) and whether it holds the kind of answer asked for
(``answer_type``). The engine validates questions, encodes them and makes the Answer.

For a question, every passage gets five signals (candidates only, on a large corpus): the
cosine with the passage vector, with its best sentence, with its best cited note, and the
normalised BM25 score of its text and of its best cited note; ``fusion.convex`` folds them into
one score in [0, 1]. The best sentence of each returned passage is highlighted from
precomputed sentence vectors plus keyword overlap; when a cited note carried the passage, the
sentence that cites that note is highlighted instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.config import RankingParams
from qa.models import AnswerPassage
from qa.ranking.answer_type import expected_type, holds_type
from qa.ranking.citations import citations_for
from qa.ranking.fusion import convex, note_scores
from qa.ranking.highlight import (
    asks_mask,
    highlight_for,
    highlight_scores,
    pair_cosines,
    sentence_at,
    sentence_combined,
    widen,
)
from qa.reading.passages import note_row, note_rows
from qa.store import Index, Vectors

__all__ = ["Ranker", "Scores"]


class Ranker:
    """Ranks the passages of ``index`` for questions, with ``params``."""

    def __init__(self, index: Index, params: RankingParams, *, vectors: Vectors | None = None,
                 cosine_floor: float = 0.0) -> None:
        """``vectors``: another encoder's passage, sentence and note vectors to rank with (default:
        the index's own); ``cosine_floor``: that encoder's cosine of unrelated texts, mapped to 0
        so that its scores share the fixed scale of the fusion."""
        self.index = index
        self.params = params
        self.vectors = vectors or Vectors(index.passage_vectors, index.sentence_vectors, index.note_vectors)
        self.cosine_floor = cosine_floor
        self._tok = index.passage_keywords.tokenizer
        self._sentence_tokens: dict[int, frozenset[str]] = {}
        self._authors: dict[int, np.ndarray] | None = None
        # sentence rows that are a heading or the title (never the highlight when a sentence of
        # text is there), and those of section headings (they name a section's topic: a passage
        # is not ranked by its heading's cosine alone; a document's title, in a collection of
        # abstracts the best summary of each, keeps its weight)
        self.heading_rows = _heading_sentences(index, ("title", "heading"))
        self.section_heading_rows = _heading_sentences(index, ("heading",))
        self._all_notes_pos = [(row, labs) for row, labs in enumerate(index.passage_notes) if labs]
        self._note_rows = note_rows(index.notes)
        # the note rows each passage cites, as a padded table (-1: none) for vectorised maxima
        width = max((len(labs) for labs in index.passage_notes), default=0)
        self._cited = np.full((len(index.passage_notes), max(width, 1)), -1, np.int64)
        for row, labs in enumerate(index.passage_notes):
            self._cited[row, : len(labs)] = labs

    def rank(
        self, question: str, qvec: np.ndarray, top_k: int, mask: np.ndarray | None = None
    ) -> tuple[list[AnswerPassage], bool]:
        """The ``top_k`` best passages for a question (its vector ``qvec``), each with its best
        sentence highlighted and the notes it cites; and whether the text answers it (the best
        score reaches the threshold, and for a date or number question the highlight holds one).
        ``mask``: the passage rows a document filter allows."""
        idx = self.index
        s = self.scores(question, qvec, mask)
        kind = expected_type(question)
        author_rows = self._author_rows() if kind == "author" else {}
        if author_rows:  # the author's note answers an author question: at least a good match
            lifted = np.array([int(r) in author_rows for r in s.cand], bool)
            s.fused = np.where(lifted, np.maximum(s.fused, AUTHOR_NOTE_SCORE), s.fused).astype(np.float32)
        order = np.argsort(-s.fused, kind="stable")[:top_k]
        q_tokens = set(s.tokens)
        ceiling = idx.passage_keywords.ceiling(list(q_tokens))
        passages: list[AnswerPassage] = []
        for rank, j in enumerate(order, start=1):
            row = int(s.cand[j])
            p = idx.passages[row]
            doc = idx.documents[p.doc_id]
            first, last = int(s.firsts[j]), int(s.lasts[j])
            lo = int(s.offsets[j])
            rows = range(first, last)
            overlap = np.array([self._sentence_overlap(r, q_tokens, ceiling) for r in rows], np.float32)
            note_scores, note_labels = self._note_scores_by_sentence(p, s.note_fused)
            # a source question, or a passage its cited note carried, is answered by a note:
            # the best sentence that cites one, and the note itself is marked
            by_note = kind == "source" or bool(s.by_note[j])
            prefer = self._citing_sentences(p) if by_note else None
            if row in author_rows:
                prefer, by_note = author_rows[row], True
            lacks = None
            if kind in ("date", "number"):
                lacks = np.array([not holds_type(kind, p.text[a:b], question) for a, b in p.sentences], bool)
            # a heading names the topic, not the answer: it is highlighted only when it is all there is
            asks = asks_mask(p) | self.heading_rows[first:last]
            scored = highlight_scores(
                s.sentence_scores[lo : lo + last - first], overlap, note_scores,
                lexical_weight=self.params.highlight_overlap_weight, note_weight=self.params.note_weight,
                prefer=prefer, asks=asks, lacks_type=lacks, asks_factor=HEADING_FACTOR,
            )
            s_idx = int(np.argmax(scored))
            note = note_labels[s_idx] if by_note and prefer is not None and prefer[s_idx] else None
            if row in author_rows and p.kind == "note":
                note = p.notes[0]
            s_last = s_idx
            # a date or a number is one sentence's fact (and the check of its type reads the highlight)
            if (self.params.highlight_pair_margin < 1 and lacks is None
                    and not (prefer is not None and prefer.any())):
                s_idx, s_last = self._pair(p, first, qvec, q_tokens, ceiling, asks, s_idx, float(scored[s_idx]))
            passages.append(
                AnswerPassage(
                    rank=rank, passage_id=p.passage_id, score=round(float(s.fused[j]), 4),
                    document=p.doc_id, title=doc.title, pages=p.pages,
                    page_labels=doc.labels_between(p.start, p.end),
                    char_start=p.start, char_end=p.end, line_start=p.line_start, line_end=p.line_end,
                    text=p.text, highlight=highlight_for(p, s_idx, note, s_last), markers=p.markers,
                    citations=citations_for(p, doc),
                )
            )
        answered = bool(passages) and passages[0].score >= self.params.answer_threshold
        if answered and kind in ("date", "number"):
            top = passages[0]
            h = top.highlight
            notes = {m.label for m in top.markers if h.start <= m.offset <= h.end}
            answered = holds_type(kind, h.text + " " + " ".join(c.text or "" for c in top.citations if c.label in notes),
                                  question)
        return passages, answered

    def scores(self, question: str, qvec: np.ndarray, mask: np.ndarray | None) -> Scores:
        """Every candidate passage's fused score, and what the highlight needs of them."""
        idx = self.index
        tokens = self._tok(question)
        lex_p_all = idx.passage_keywords.scores(tokens)
        lex_n_all = idx.note_keywords.scores(tokens) if idx.notes else np.zeros(0, np.float32)
        dense_n_all = self._cosines(self.vectors.notes.vectors, qvec) if idx.notes else np.zeros(0, np.float32)
        note_fused = note_scores(dense_n_all, lex_n_all, self.params)
        cand = self._candidates(qvec, lex_p_all, lex_n_all, dense_n_all)
        if mask is not None:
            allowed = np.flatnonzero(mask)
            # a document filter ranks every passage of the chosen documents when they are few
            cand = allowed if len(allowed) <= 4 * self.params.candidates else cand[mask[cand]]
        if len(cand) == 0:
            empty = np.zeros(0, np.float32)
            return Scores(tokens, cand, empty, np.zeros(0, bool), empty, cand, cand, cand, note_fused)
        dense_p = self._cosines(self.vectors.passages.vectors[cand], qvec)
        firsts = idx.sentence_first[cand]
        lasts = idx.sentence_first[cand + 1]
        sizes = lasts - firsts
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        # the sentence rows of every candidate, in order: firsts[j] + 0 .. sizes[j] - 1
        sent_rows = np.repeat(firsts - offsets, sizes) + np.arange(int(sizes.sum()))
        sent_scores = self._cosines(self.vectors.sentences.vectors[sent_rows], qvec)
        sent_scores = np.where(self.section_heading_rows[sent_rows], HEADING_FACTOR * sent_scores, sent_scores)
        dense_s = np.maximum.reduceat(sent_scores, offsets)
        dense_n, lex_n = self._cited_max(cand, dense_n_all), self._cited_max(cand, lex_n_all)
        fused, by_note = convex(
            dense_passage=dense_p, dense_sentence=dense_s, dense_note=dense_n,
            lexical_passage=lex_p_all[cand], lexical_note=lex_n, params=self.params,
        )
        return Scores(tokens, cand, fused, by_note, sent_scores, offsets, firsts, lasts, note_fused)

    def _cosines(self, vectors: np.ndarray, qvec: np.ndarray) -> np.ndarray:
        raw: np.ndarray = np.asarray(vectors @ qvec)
        f = self.cosine_floor
        return raw if f == 0.0 else ((raw - f) / (1.0 - f)).astype(np.float32)

    def _cited_max(self, cand: np.ndarray, note_scores: np.ndarray) -> np.ndarray:
        """For each candidate passage, the best score among the notes it cites (0 if none)."""
        if not len(note_scores):
            return np.zeros(len(cand), np.float32)
        cited = self._cited[cand]
        vals = np.where(cited >= 0, note_scores[np.maximum(cited, 0)], -np.inf).max(axis=1)
        return np.where(np.isfinite(vals), vals, 0.0).astype(np.float32)

    def _candidates(self, qvec: np.ndarray, lex_p: np.ndarray, lex_n: np.ndarray, dense_n: np.ndarray) -> np.ndarray:
        idx = self.index
        n = len(idx.passages)
        c = self.params.candidates
        if n <= 4 * c:
            return np.arange(n)
        rows: set[int] = set()
        _, top_p = self.vectors.passages.search(qvec[None, :], c)
        rows.update(int(r) for r in top_p[0] if r >= 0)
        _, top_s = self.vectors.sentences.search(qvec[None, :], 3 * c)
        rows.update(int(idx.sentence_passage[r]) for r in top_s[0] if r >= 0)
        rows.update(int(r) for r in np.argpartition(-lex_p, c)[:c])
        if len(dense_n):
            best_notes = set(np.argsort(-np.maximum(dense_n, lex_n))[:c].tolist())
            rows.update(row for row, labs in self._all_notes_pos if best_notes.intersection(labs))
        return np.array(sorted(rows), dtype=np.int64)

    def _author_rows(self) -> dict[int, np.ndarray]:
        """Passages that are or cite an author's note (a symbol-labelled note on the first page
        that has notes),
        with the sentences to highlight: the note's first sentence (where journals name the
        author), or the sentence citing it."""
        if self._authors is None:
            found: dict[int, np.ndarray] = {}
            first_pages = {d: min((n.page for n in doc.footnotes if n.page is not None), default=None)
                           for d, doc in self.index.documents.items()}  # the first page that has notes
            for row, p in enumerate(self.index.passages):
                doc = self.index.documents[p.doc_id]
                first_page = first_pages[p.doc_id]
                notes = [doc.footnote(lab) for lab in p.notes]
                author = [n for n in notes if n is not None and _is_author_note(n, first_page)]
                if not author:
                    continue
                mask = np.zeros(len(p.sentences), bool)
                if p.kind == "note":
                    mask[0] = True
                else:
                    for m in p.markers:
                        i = sentence_at(p, m.offset)
                        if i is not None and any(n.label == m.label for n in author):
                            mask[i] = True
                if mask.any():
                    found[row] = mask
            self._authors = found
        return self._authors

    def _citing_sentences(self, p: Any) -> np.ndarray:
        """Which sentences of ``p`` carry a marker whose note has text."""
        doc = self.index.documents[p.doc_id]
        out = np.zeros(len(p.sentences), bool)
        for m in p.markers:
            note = doc.note_for(m.label, p.start + m.offset)
            i = sentence_at(p, m.offset)
            if note is not None and not note.missing and i is not None:
                out[i] = True
        return out

    def _note_scores_by_sentence(self, p: Any, note_fused: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
        """Best fused score of the notes each sentence of ``p`` cites (0 where it cites none), and
        that note's label."""
        out = np.zeros(len(p.sentences), np.float32)
        labels: list[str | None] = [None] * len(p.sentences)
        if not len(note_fused) or not p.notes:
            return out, labels
        doc = self.index.documents[p.doc_id]
        for m in p.markers:
            row = note_row(self._note_rows, doc, p, m)
            i = sentence_at(p, m.offset)
            if row is not None and i is not None and (labels[i] is None or float(note_fused[row]) > out[i]):
                out[i] = float(note_fused[row])
                labels[i] = m.label
        if p.kind == "note":
            row = note_row(self._note_rows, doc, p)
            if row is not None:
                out[:] = float(note_fused[row])
        return out, labels



    def _pair(self, p: Any, first: int, qvec: np.ndarray, q_tokens: set[str], ceiling: float,
              asks: np.ndarray, best: int, best_score: float) -> tuple[int, int]:
        """The first and last sentence to highlight: ``best`` alone, or a sentence and the next
        when together they answer clearly better (qa.ranking.highlight.widen). A pair never
        holds a question, a heading or a paragraph break."""
        n = len(p.sentences)
        if n < 2:
            return best, best
        vecs = self.vectors.sentences.vectors[first : first + n]
        f = self.cosine_floor
        pair_cos = pair_cosines(vecs @ qvec, vecs)
        pair_cos = pair_cos if f == 0.0 else (pair_cos - f) / (1.0 - f)
        pair_overlap = np.array([
            self._overlap(self._tokens_of(first + i) | self._tokens_of(first + i + 1), q_tokens, ceiling)
            for i in range(n - 1)
        ], np.float32)
        scores = sentence_combined(pair_cos, pair_overlap, lexical_weight=self.params.highlight_overlap_weight)
        allowed = ~(asks[:-1] | asks[1:]) & np.array(
            ["\n\n" not in p.text[p.sentences[i][1] : p.sentences[i + 1][0]] for i in range(n - 1)], bool)
        return widen(best, best_score, scores, allowed, self.params.highlight_pair_margin)

    def _tokens_of(self, row: int) -> frozenset[str]:
        toks = self._sentence_tokens.get(row)
        if toks is None:
            p = self.index.passages[int(self.index.sentence_passage[row])]
            a, b = p.sentences[row - int(self.index.sentence_first[int(self.index.sentence_passage[row])])]
            toks = frozenset(self._tok(p.text[a:b]))
            self._sentence_tokens[row] = toks
        return toks

    def _sentence_overlap(self, row: int, q_tokens: set[str], ceiling: float) -> float:
        return self._overlap(self._tokens_of(row), q_tokens, ceiling)

    def _overlap(self, toks: frozenset[str], q_tokens: set[str], ceiling: float) -> float:
        """Share of the question's IDF mass (``ceiling``) that ``toks`` hold."""
        kw = self.index.passage_keywords
        return sum(kw.idf_of(t) for t in q_tokens & toks) / ceiling if ceiling > 0 else 0.0


AUTHOR_NOTE_SCORE = 0.5  # "good match" (qa.render.relevance_label)
HEADING_FACTOR = 0.85


def _heading_sentences(index: Index, kinds: tuple[str, ...]) -> np.ndarray:
    """For every sentence row, whether it lies in a paragraph of ``kinds`` of its document."""
    import bisect

    out = np.zeros(int(index.sentence_first[-1]) if len(index.sentence_first) else 0, bool)
    spans: dict[str, tuple[list[int], list[int]]] = {}
    for doc_id, doc in index.documents.items():
        heads = [(para.start, para.end) for para in doc.paragraphs if para.kind in kinds]
        spans[doc_id] = ([a for a, _ in heads], [b for _, b in heads])
    for row, p in enumerate(index.passages):
        starts, ends = spans.get(p.doc_id, ([], []))
        if not starts:
            continue
        first = int(index.sentence_first[row])
        for i, (a, _b) in enumerate(p.sentences):
            at = p.start + a
            k = bisect.bisect_right(starts, at) - 1
            if k >= 0 and at < ends[k]:
                out[first + i] = True
    return out


def _is_author_note(note: Any, first_page: int | None) -> bool:
    return (bool(note.text) and not note.missing and note.page == first_page
            and not any(ch.isdigit() for ch in note.label))


@dataclass
class Scores:
    """The scores of one question's candidate passages."""

    tokens: list[str]
    cand: np.ndarray  # passage rows
    fused: np.ndarray
    by_note: np.ndarray
    sentence_scores: np.ndarray  # cosines of the candidates' sentences, candidate by candidate
    offsets: np.ndarray  # where each candidate's sentences start in sentence_scores
    firsts: np.ndarray  # first sentence row of each candidate
    lasts: np.ndarray
    note_fused: np.ndarray  # fused score of every note row
