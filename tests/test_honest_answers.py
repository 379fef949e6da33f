"""Answers on the real essay that a student checks first: every shipped example question
answers with its evidence highlighted; a note that answers is the highlight; a question about the
author finds the author's note; a question naming what the reading never mentions is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.evaluation.judge import holds
from qa.evaluation.questions import EvalQuestion, read_questions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [q for q in read_questions(ROOT / "corpus" / "examples.jsonl")[0] if isinstance(q, EvalQuestion)]


@pytest.mark.parametrize("q", EXAMPLES, ids=[q.id for q in EXAMPLES])
def test_every_shipped_example_question_answers_with_its_evidence_first(essay_engine, q):
    answer = essay_engine.ask(q.question)
    assert answer.answered, (answer.passages[0].score, answer.message)
    top = answer.passages[0]
    notes = " ".join(c.text or "" for c in top.citations)
    assert any(holds(ev, top.text) or holds(ev, notes) for ev in q.evidence)
    h = top.highlight
    if h.note is not None:  # a note answers: it is the highlight, and the sentence citing it
        note = next(c for c in top.citations if c.label == h.note)
        assert any(holds(ev, note.text or "") for ev in q.evidence)
    else:
        assert any(holds(ev, h.text) for ev in q.evidence), h.text


def test_a_note_that_answers_is_highlighted_and_marked_in_the_list(essay_engine):
    from qa.render import render_passage

    top = essay_engine.ask("Who designed the Plan Z-4?").passages[0]
    assert top.highlight.note == "1"
    assert any(m.label == "1" and top.highlight.start <= m.offset <= top.highlight.end for m in top.markers)
    html = render_passage(top)
    assert '<li value="1" data-label="1" class="qa-note-answer">' in html
    assert '<mark class="qa-highlight">The Plan Z-4 was designed by the Ambassadors' in html


@pytest.mark.parametrize("question", [
    "Who is the author of the essay?", "who wrote this text", "What is the professional background of the author?",
])
def test_a_question_about_the_author_finds_the_authors_note(essay_engine, question):
    answer = essay_engine.ask(question)
    top = answer.passages[0]
    assert answer.answered and top.highlight.note == "*"
    assert top.highlight.text.startswith("Dragan Vuksic is a retired lieutenant colonel")


def test_the_authors_opinion_is_not_an_author_question(essay_engine):
    top = essay_engine.ask("What does the author think about Russia's role in defending Kosovo?").passages[0]
    assert top.highlight.note != "*"


@pytest.mark.parametrize(("question", "named"), [
    ("What role did Martti Ahtisaari play in the Kosovo talks?", "Ahtisaari"),
    ("What did UN Security Council Resolution 1244 decide about Kosovo?", "1244"),
])
def test_a_question_naming_what_the_reading_never_mentions_is_refused(essay_engine, question, named):
    answer = essay_engine.ask(question)
    assert not answer.answered and named in (answer.message or "")
    assert answer.passages  # the closest passages are still shown


@pytest.mark.parametrize("question", [
    "What did Jelcin say about a conflict with NATO?",
    "Which EU-related agreement did Lavrov support?",
])
def test_names_the_reading_has_do_not_refuse(essay_engine, question):
    assert essay_engine.ask(question).answered


def test_a_misspelt_name_of_the_reading_is_not_absent(essay_engine):
    assert essay_engine.guide.absent_terms("What did General Ivashof tell Milosevic in Belgrade?") == []
    assert essay_engine.guide.absent_terms("What did General Ahtisaari tell Milosevic?") == ["Ahtisaari"]


def test_a_name_romanised_another_way_or_a_capitalised_word_is_not_absent(essay_engine):
    """The essay spells the Russian president "Jelcin"; students write "Yeltsin". "Western" is a
    word of the language (Debian's word list has it in lower case), not a name."""
    guide = essay_engine.guide
    assert guide.absent_terms("Why did Yeltsin say that Russia would stay out of a war with NATO?") == []
    assert guide.absent_terms("How many Western aircraft did the Yugoslav air defence hope to shoot down?") == []
    assert guide.absent_terms("Did Yeltsin ever meet Ahtisaari?") == ["Ahtisaari"]


def test_a_title_the_reading_never_has_is_absent_and_a_longer_word_is_no_misspelling(essay_engine):
    """"Secretary" is a word of the language, but in a title ("NATO Secretary General") it
    names someone; and the essay's "secret" is not "secretary" misspelt."""
    guide = essay_engine.guide
    assert guide.absent_terms("Who was the NATO Secretary General during the bombing?") == ["Secretary"]
    assert guide.absent_terms("What did the Russian secret services tell Milosevic?") == []
    assert not essay_engine.ask("Who was the NATO Secretary General during the bombing?").answered
    assert essay_engine.ask("Why did Yeltsin say that Russia would stay out of a war with NATO?").answered


def test_examples_file_is_valid_jsonl():
    lines = (ROOT / "corpus" / "examples.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(EXAMPLES) == len(lines) >= 4 and all(json.loads(x)["evidence"] for x in lines)


def test_a_number_is_the_same_with_its_thousands_grouped_or_not():
    from qa.ranking.language import LanguageGuide

    guide = LanguageGuide(["the flow is above 1,000 CFS but below 3,000 CFS; 310,000 acre feet a year"])
    assert guide.absent_terms("what happens when the flow drops under 1000 cfs") == []
    assert guide.absent_terms("Was it 310000 acre feet or 2,500 CFS?") == ["2500"]
