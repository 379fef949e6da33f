"""Ranked-list metrics for the benchmarks (BEIR, SQuAD): nDCG, recall, reciprocal rank, hit,
and whether the highlighted sentence holds a gold answer."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["answer_hit", "hit_at", "ndcg_at", "recall_at", "rr_at"]


# --------------------------------------------------------------------------- ranked-list metrics
# trec_eval semantics with binary relevance (a qrels grade > 0 is relevant; nDCG gains are the
# grades). Checked against pytrec_eval in tests/test_benchmarks.py.


def ndcg_at(ranked: Sequence[str], rels: dict[str, int], k: int = 10) -> float:
    """trec_eval ndcg_cut: gain = qrels grade, discount log2(rank + 1), ideal from the qrels."""
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], rels: dict[str, int], k: int) -> float:
    rel = {d for d, r in rels.items() if r > 0}
    return len(rel.intersection(ranked[:k])) / len(rel) if rel else 0.0


def rr_at(ranked: Sequence[str], rels: dict[str, int], k: int = 10) -> float:
    """Reciprocal rank of the first relevant item in the top k (0 when none)."""
    for i, d in enumerate(ranked[:k]):
        if rels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def hit_at(ranked: Sequence[str], rels: dict[str, int], k: int) -> float:
    return float(any(rels.get(d, 0) > 0 for d in ranked[:k]))


def answer_hit(highlight: str | None, answers: Sequence[str]) -> float:
    """The highlighted sentence holds a gold answer string (case and white space folded)."""
    if not highlight:
        return 0.0
    hl = " ".join(highlight.split()).lower()
    return float(any(" ".join(a.split()).lower() in hl for a in answers if a.strip()))
