"""Choosing the sentence to highlight."""

from __future__ import annotations

import numpy as np

from qa.models import Passage
from qa.ranking.highlight import asks_mask, best_sentence


def make(text: str, spans: list[tuple[int, int]]) -> Passage:
    return Passage(passage_id="d#0", doc_id="d", kind="body", text=text, start=0, end=len(text), pages=[1],
                   line_start=1, line_end=1, markers=[], sentences=spans, notes=[])


def test_asks_mask_sees_question_marks_behind_quotes_and_markers():
    text = 'It rained. Was it “the end?” He said so?12 No.'
    spans = [(0, 10), (11, 28), (29, 41), (42, 45)]
    assert asks_mask(make(text, spans)).tolist() == [False, True, True, False]


def test_a_rhetorical_question_loses_to_a_close_statement():
    scores = np.array([0.60, 0.66], np.float32)  # the question sentence is a little closer
    overlap = np.array([0.5, 0.5], np.float32)
    assert best_sentence(scores, overlap) == 1
    assert best_sentence(scores, overlap, asks=np.array([False, True])) == 0
    # but a question sentence far ahead still wins
    assert best_sentence(np.array([0.3, 0.8], np.float32), overlap, asks=np.array([False, True])) == 1


def test_the_sentence_citing_the_answering_note_is_highlighted(essay_engine):
    a = essay_engine.ask("Who designed the Plan Z-4?", top_k=1)
    top = a.passages[0]
    assert top.highlight.text.startswith("The authors of Z-4 Plan")
    assert any(m.label == "1" and top.highlight.start <= m.offset <= top.highlight.end for m in top.markers)
