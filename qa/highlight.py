"""The best sentence of a passage, from precomputed sentence vectors (no model call)."""

from __future__ import annotations

import numpy as np

from qa.models import Highlight, Passage

__all__ = ["best_sentence", "highlight_for"]


def best_sentence(
    sentence_scores: np.ndarray,
    sentence_overlap: np.ndarray,
    *,
    overlap_weight: float = 0.3,
) -> int:
    """Index of the sentence with the best cosine plus weighted keyword overlap.

    Args:
        sentence_scores: Cosine of the question with each sentence of the passage.
        sentence_overlap: Share of the question's IDF mass each sentence holds, in [0, 1].
        overlap_weight: Weight of the overlap (default 0.3).
    """
    combined = (1 - overlap_weight) * sentence_scores + overlap_weight * sentence_overlap
    return int(np.argmax(combined))


def highlight_for(passage: Passage, index: int) -> Highlight:
    start, end = passage.sentences[index]
    return Highlight(start=start, end=end, text=passage.text[start:end])


def sentence_with_marker(passage: Passage, label: str) -> int | None:
    """Index of the sentence that carries marker ``label`` (a marker right after a sentence's
    last character belongs to that sentence)."""
    for m in passage.markers:
        if m.label == label:
            for i, (a, b) in enumerate(passage.sentences):
                if a <= m.offset <= b:
                    return i
    return None
