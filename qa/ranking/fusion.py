"""Rank fusion: pure functions over per-passage scores.

The default is a convex combination of scores on fixed scales (Bruch, Gai and Ingber, "An
Analysis of Fusion Functions for Hybrid Retrieval", ACM TOIS 2023): cosine similarities for
the dense side, and BM25 normalised by the query's ceiling (qa.ranking.retrieval) for the keyword
side. Unlike per-query min-max normalisation, these scales mean the same for every question,
so the fused score can also say when nothing in the text answers. Reciprocal rank fusion
(Cormack, Clarke and Buettcher, SIGIR 2009) is kept for comparison in the benchmarks; its
``k`` (60 by default) is a damping constant, not the number of results.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.config import RankingParams

__all__ = ["convex", "note_scores", "rrf"]


def convex(
    *,
    dense_passage: np.ndarray,
    dense_sentence: np.ndarray,
    dense_note: np.ndarray,
    lexical_passage: np.ndarray,
    lexical_note: np.ndarray,
    params: RankingParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Fused score of each passage, and whether its cited notes carried it.

    dense = w * passage cosine + (1 - w) * best sentence cosine, or the note weight times the
    best cited note's cosine, whichever is larger; the keyword side likewise. The fused score
    is (1 - lexical_weight) * dense + lexical_weight * keyword, in [0, 1] for cosines >= 0.
    """
    w = params.passage_weight
    nw = params.note_weight
    body_dense = w * dense_passage + (1 - w) * dense_sentence
    note_dense = nw * dense_note
    dense = np.maximum(body_dense, note_dense)
    note_lex = nw * lexical_note
    lex = np.maximum(lexical_passage, note_lex)
    lam = params.lexical_weight
    fused = (1 - lam) * dense + lam * lex
    body = (1 - lam) * body_dense + lam * lexical_passage
    by_note = fused > body + 1e-9
    return fused.astype(np.float32), by_note


def note_scores(dense_note: np.ndarray, lexical_note: np.ndarray, params: RankingParams) -> np.ndarray:
    """Each note's own score, as ``convex`` mixes a passage's: (1 - lexical_weight) * cosine +
    lexical_weight * keyword score. It picks the sentence that cites the note carrying a passage."""
    lam = params.lexical_weight
    return ((1 - lam) * dense_note + lam * lexical_note).astype(np.float32)


def rrf(rankings: Sequence[Sequence[int]], *, k: int = 60) -> dict[int, float]:
    """Reciprocal rank fusion of several rankings (row ids, best first): sum of 1 / (k + rank)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return dict(sorted(fused.items(), key=lambda kv: (-kv[1], kv[0])))
