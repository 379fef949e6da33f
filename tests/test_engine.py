"""The answer engine on the real essay with the real model."""

from __future__ import annotations

import json

import pytest
from conftest import shared_file

from qa.errors import QuestionError
from qa.evaluation.judge import holds


def _holds_any(passage, quotes):
    hay = passage.text + " " + " ".join(c.text or "" for c in passage.citations)
    return any(holds(q, hay) for q in quotes)


def test_answer_shape_and_offsets(essay_engine):
    a = essay_engine.ask("Why would Russia not enter into a conflict with NATO?")
    assert a.answered and len(a.passages) == 5
    doc = essay_engine.documents["serbia-russia-kosovo"]
    top = a.passages[0]
    assert "Russia would not enter into a conflict with NATO" in top.highlight.text
    assert top.pages == [1, 2] and top.document == "serbia-russia-kosovo" and top.title == doc.title
    for p in a.passages:
        assert doc.text[p.char_start : p.char_end] == p.text
        assert p.text[p.highlight.start : p.highlight.end] == p.highlight.text
        assert [c.label for c in p.citations] == [m.label for m in p.markers] or p.passage_id.endswith("#note-*")
    assert [p.rank for p in a.passages] == [1, 2, 3, 4, 5]
    assert all(a.passages[i].score >= a.passages[i + 1].score for i in range(4))
    assert len({p.passage_id for p in a.passages}) == 5
    data = json.loads(a.model_dump_json())
    assert set(data) >= {"question", "answered", "passages", "took_ms"}
    assert set(data["passages"][0]) >= {"rank", "passage_id", "score", "document", "title", "pages", "char_start",
                                        "char_end", "line_start", "line_end", "text", "highlight", "markers", "citations"}


def test_note_answer_returns_the_citing_passage_with_the_note(essay_engine):
    a = essay_engine.ask("Who designed the Plan Z-4?")
    top = a.passages[0]
    assert any(m.label == "1" for m in top.markers)
    c1 = [c for c in top.citations if c.label == "1"][0]
    assert c1.text == "The Plan Z-4 was designed by the Ambassadors of USA, Russia, France and Great Britain in Zagreb."
    assert not c1.missing and c1.source is None


def test_unreferenced_author_note_is_searchable(essay_engine):
    a = essay_engine.ask("Who is Dragan Vuksic?")
    top = a.passages[0]
    assert top.passage_id == "serbia-russia-kosovo#note-*"
    assert top.text.startswith("Dragan Vuksic is a retired lieutenant colonel")
    assert [c.label for c in top.citations] == ["*"]


def test_idem_citation_carries_resolved_source(essay_engine):
    a = essay_engine.ask("What did Jovanović tell Ambassador B. Jovanović about Russia writing a dark page of its history?")
    top = a.passages[0]
    c5 = [c for c in top.citations if c.label == "5"][0]
    assert c5.text == "Idem, page 73."
    assert c5.source == "Military Secret, I volume, page 73, Helsinki Committee for Human Rights in Serbia, Belgrade 2004."


def test_missing_note_is_cited_as_missing(essay_engine):
    a = essay_engine.ask("Who prefers relations between the two countries based on Orthodoxy, Slavism and fraternity?")
    p = next(p for p in a.passages if any(m.label == "14" for m in p.markers))
    c = [c for c in p.citations if c.label == "14"][0]
    assert c.missing and c.text is None


def test_off_topic_question_is_not_answered_but_shows_closest(essay_engine):
    for q in ("What is the capital of Australia?", "How do I bake sourdough bread?"):
        a = essay_engine.ask(q)
        assert not a.answered, q
        assert a.message and "does not seem to answer" in a.message
        assert len(a.passages) == 5


@pytest.mark.parametrize(
    "bad, message",
    [("", "empty"), ("   \n\t ", "empty"), ("x" * 1001, "limit is 1000"), ("?!?", "no words"), (42, "must be text"),
     (None, "must be text")],
)
def test_bad_questions_get_clear_messages(essay_engine, bad, message):
    with pytest.raises(QuestionError, match=message):
        essay_engine.ask(bad)


def test_control_characters_are_dropped(essay_engine):
    a = essay_engine.ask("Who was\x00 Milan\x1b Kucan?")
    assert a.question == "Who was Milan Kucan?"


def test_unknown_document_filter_is_refused(essay_engine):
    with pytest.raises(QuestionError, match="Unknown document 'nope'"):
        essay_engine.ask("Kosovo?", documents=["nope"])
    a = essay_engine.ask("Who was Milan Kucan?", documents=["serbia-russia-kosovo"])
    assert a.passages[0].document == "serbia-russia-kosovo"


def test_ask_many_keeps_order_and_reports_bad_ones_in_place(essay_engine):
    qs = ["Who was Milan Kucan?", "", "What is the capital of Australia?", "x" * 2000]
    answers = essay_engine.ask_many(qs, ids=["a", "b", "c", "d"])
    assert [a.id for a in answers] == ["a", "b", "c", "d"]
    assert answers[0].answered and answers[1].error and "empty" in answers[1].error
    assert not answers[2].answered and answers[3].error
    single = essay_engine.ask("Who was Milan Kucan?")
    assert [p.passage_id for p in answers[0].passages] == [p.passage_id for p in single.passages]
    assert answers[0].passages[0].highlight == single.passages[0].highlight


def test_top_k_is_respected(essay_engine):
    assert len(essay_engine.ask("Kosovo", top_k=1).passages) == 1
    assert len(essay_engine.ask("Kosovo", top_k=12).passages) == 12


# ------------------------------------------------------------ the user's sample questions


def _samples():
    from qa.evaluation.questions import EvalQuestion, read_questions

    items, _ = read_questions(shared_file("samples", "sample_questions.jsonl"))
    return [q for q in items if isinstance(q, EvalQuestion)]


def test_sample_questions_meet_the_targets(essay_engine):
    from qa.evaluation.judge import judge, summarize

    qs = _samples()
    answers = essay_engine.ask_many([q.question for q in qs])
    verdicts = [judge(q, a) for q, a in zip(qs, answers, strict=True)]
    s = summarize(verdicts)
    ranks = {v["id"]: v["rank"] for v in verdicts if v["answerable"]}
    assert s["hit@3"] >= 13 / 14, ranks
    assert s["hit@1"] >= 11 / 14, ranks


@pytest.mark.parametrize("qid", ["s01", "s04", "s05", "s06", "s08", "s10", "s11", "s13", "s15"])
def test_sample_evidence_in_top_three(essay_engine, qid):
    q = next(q for q in _samples() if q.id == qid)
    a = essay_engine.ask(q.question)
    assert any(_holds_any(p, q.evidence) for p in a.passages[:3]), [p.passage_id for p in a.passages]


def test_sample_footnote_questions_cite_the_note(essay_engine):
    for q in _samples():
        if q.footnotes:
            a = essay_engine.ask(q.question)
            hit = next(p for p in a.passages[:3] if _holds_any(p, q.evidence))
            assert set(q.footnotes) <= {c.label for c in hit.citations}, q.id
