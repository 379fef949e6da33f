"""Choosing the sentence to highlight."""

from __future__ import annotations

import numpy as np
import pytest

from qa.models import Passage
from qa.ranking.highlight import asks_mask, best_sentence, pair_cosines, widen


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


def test_a_pairs_cosine_is_that_of_its_two_vectors_summed():
    rng = np.random.default_rng(3)
    v = rng.normal(size=(3, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q = rng.normal(size=8).astype(np.float32)
    q /= np.linalg.norm(q)
    got = pair_cosines(v @ q, v)
    for i in range(2):
        s = v[i] + v[i + 1]
        assert got[i] == pytest.approx(float(s @ q / np.linalg.norm(s)), abs=1e-5)
    assert len(pair_cosines(v[:1] @ q, v[:1])) == 0


def test_a_pair_is_highlighted_only_when_clearly_better_and_allowed():
    pairs = np.array([0.50, 0.70], np.float32)
    allowed = np.array([True, True])
    assert widen(0, 0.60, pairs, allowed, 0.05) == (1, 2)
    assert widen(0, 0.66, pairs, allowed, 0.05) == (0, 0)  # better, but not by the margin
    assert widen(0, 0.60, pairs, np.array([True, False]), 0.05) == (0, 0)  # across a question or paragraph


@pytest.mark.parametrize(("question", "scene", "answer"), [
    ("What did Marshal Sergeyev say at NATO headquarters in June 2000?",
     "Marshal Sergeyev surprised the public", "There is no alternative for Slobodan Milošević"),
    ("Why did the air force expect NATO to stop bombing?",
     "Before the beginning of air-strikes", "NATO would not be able to bear such loss"),
])
def test_a_sentence_that_sets_the_scene_is_highlighted_with_the_one_that_answers(essay_engine, question, scene,
                                                                                 answer):
    h = essay_engine.ask(question).passages[0].highlight
    assert h.text.startswith(scene) and answer in h.text
    assert h.text.count(". ") == 1  # two sentences, not more


def test_a_date_question_highlights_one_sentence(essay_engine):
    h = essay_engine.ask("When did Ojdanic say 46 NATO airplanes had been knocked down?").passages[0].highlight
    assert "April 28, 1999" in h.text and "Everything is clear" not in h.text
