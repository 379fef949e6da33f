"""The best sentence of a passage, from precomputed sentence vectors (no model call)."""

from __future__ import annotations

import numpy as np

from qa.models import Highlight, Passage

__all__ = [
    "asks_mask", "best_sentence", "highlight_for", "highlight_scores", "pair_cosines", "sentence_at",
    "sentence_combined", "widen",
]


def best_sentence(
    sentence_scores: np.ndarray,
    sentence_overlap: np.ndarray,
    note_scores: np.ndarray | None = None,
    *,
    lexical_weight: float = 0.3,
    note_weight: float = 0.9,
    prefer: np.ndarray | None = None,
    asks: np.ndarray | None = None,
    asks_factor: float = 0.85,
    lacks_type: np.ndarray | None = None,
) -> int:
    """Index of the sentence that best answers, scored like passages are (qa.ranking.fusion).

    Args:
        sentence_scores: Cosine of the question with each sentence.
        sentence_overlap: Share of the question's IDF mass each sentence holds, in [0, 1].
        note_scores: Fused score of the best note each sentence cites (0 for none), so that a
            question answered by a note highlights the sentence that cites it.
        lexical_weight: Weight of the overlap against the cosine (default 0.3).
        note_weight: Factor on a cited note's score (default 0.9).
        prefer: Optional mask; when any sentence is preferred, the best preferred one wins.
        asks: Optional mask of sentences that are themselves questions (they end in "?"):
            an author's rhetorical question shares the question's words but rarely answers it,
            so its own score is multiplied by ``asks_factor`` (default 0.85).
        lacks_type: Sentences without the kind of answer asked for (a date, a number; see
            ``qa.ranking.answer_type``): their score is multiplied by ``asks_factor`` too.
    """
    return int(np.argmax(highlight_scores(
        sentence_scores, sentence_overlap, note_scores, lexical_weight=lexical_weight, note_weight=note_weight,
        prefer=prefer, asks=asks, asks_factor=asks_factor, lacks_type=lacks_type)))


def highlight_scores(
    sentence_scores: np.ndarray,
    sentence_overlap: np.ndarray,
    note_scores: np.ndarray | None = None,
    *,
    lexical_weight: float = 0.3,
    note_weight: float = 0.9,
    prefer: np.ndarray | None = None,
    asks: np.ndarray | None = None,
    asks_factor: float = 0.85,
    lacks_type: np.ndarray | None = None,
) -> np.ndarray:
    """Each sentence's score as :func:`best_sentence` ranks them (-inf where ``prefer`` rules it out)."""
    combined = sentence_combined(sentence_scores, sentence_overlap, lexical_weight=lexical_weight,
                                 asks=asks, lacks_type=lacks_type, asks_factor=asks_factor)
    if note_scores is not None and len(note_scores):
        combined = np.maximum(combined, note_weight * note_scores)
    if prefer is not None and prefer.any():
        combined = np.where(prefer, combined, -np.inf)
    return combined


def sentence_combined(
    cosines: np.ndarray,
    overlap: np.ndarray,
    *,
    lexical_weight: float,
    asks: np.ndarray | None = None,
    lacks_type: np.ndarray | None = None,
    asks_factor: float = 0.85,
) -> np.ndarray:
    """Each text's highlight score: the cosine and the keyword overlap, blended, with
    questions, headings and texts lacking the answer's type scaled by ``asks_factor``."""
    combined = (1 - lexical_weight) * cosines + lexical_weight * overlap
    if asks is not None:
        combined = np.where(asks, asks_factor * combined, combined)
    if lacks_type is not None:
        combined = np.where(lacks_type, asks_factor * combined, combined)
    return combined


def pair_cosines(raw_cosines: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """The cosine of the question with each sentence and the next taken together, from the
    sentences' own vectors: the normalised sum of two unit vectors stands for the pair's (mean
    pooling is nearly linear), so no text is encoded again. ``raw_cosines``: the question's
    cosine with each sentence; ``vectors``: the sentences' unit vectors, in order."""
    if len(raw_cosines) < 2:
        return np.zeros(0, np.float32)
    dots: np.ndarray = (vectors[:-1] * vectors[1:]).sum(axis=1)
    norms = np.sqrt(np.maximum(2.0 + 2.0 * dots, 1e-6))
    pair: np.ndarray = ((raw_cosines[:-1] + raw_cosines[1:]) / norms).astype(np.float32)
    return pair


def widen(best: int, best_score: float, pair_scores: np.ndarray, allowed: np.ndarray, margin: float) -> tuple[int, int]:
    """The sentences to highlight, first and last: the best pair of adjacent sentences when,
    scored as one text, it beats the best single sentence (``best``, scored ``best_score``) by
    ``margin``; else that sentence alone. ``allowed[i]``: sentences i and i + 1 may be
    highlighted together."""
    if not len(pair_scores) or not allowed.any():
        return best, best
    scores = np.where(allowed, pair_scores, -np.inf)
    i = int(np.argmax(scores))
    return (i, i + 1) if scores[i] > best_score + margin else (best, best)


_CLOSERS = "\"'”’»)]*†‡ \n\t0123456789"


def asks_mask(passage: Passage) -> np.ndarray:
    """Which sentences of the passage end with a question mark (closing quotes, brackets and
    markers after it allowed)."""
    return np.array([passage.text[a:b].rstrip(_CLOSERS).endswith("?") for a, b in passage.sentences], dtype=bool)


def highlight_for(passage: Passage, index: int, note: str | None = None, last: int | None = None) -> Highlight:
    """The highlight of sentence ``index`` (through sentence ``last``, when given)."""
    start = passage.sentences[index][0]
    end = passage.sentences[index if last is None else last][1]
    return Highlight(start=start, end=end, text=passage.text[start:end], note=note)


def sentence_at(passage: Passage, offset: int) -> int | None:
    """Index of the sentence a marker at ``offset`` belongs to (a marker right after a
    sentence's last character belongs to that sentence)."""
    for i, (a, b) in enumerate(passage.sentences):
        if a <= offset <= b:
            return i
    return None
