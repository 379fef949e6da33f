from __future__ import annotations

import pytest

from qa.ranking.answer_type import expected_type, holds_type


@pytest.mark.parametrize(
    "q, kind",
    [("When did Sergeyev visit Belgrade?", "date"), ("In which year was it built?", "date"),
     ("On what date was the agreement signed?", "date"), ("How many aircraft were knocked down?", "number"),
     ("How much was the debt?", "number"), ("Who designed the plan?", None), ("Why did Russia stay out?", None),
     ("Kada je potpisan sporazum?", "date"), ("Когда был подписан договор?", "date"),
     ("En quelle année l'accord a-t-il été signé ?", "date"), ("Wie viele Flugzeuge wurden abgeschossen?", "number"),
     ("Колико је авиона оборено?", "number"),
     # "kad" inside the question is "when" as a conjunction: the question asks how
     ("Kako je SAD reagovao kad Milošević nije hteo da razgovara?", None), ("Ko je osmislio plan?", None)],
)
def test_expected_type(q, kind):
    assert expected_type(q) == kind


def test_holds_type():
    assert holds_type("date", "on December 23rd and 24th, 1999")
    assert holds_type("date", "in April 2000")
    assert not holds_type("date", "before and during the Kumanovo talks")
    assert holds_type("number", "we were going to knock down 80 NATO aircraft")
    assert holds_type("number", "in five categories")
    assert not holds_type("number", "the Russians occupied the airport")
    # vague quantifiers and a partitive "one of" do not say how many
    assert not holds_type("number", "the Russians transferred one part of their contingent")
    assert not holds_type("number", "several officers and many soldiers, but no tanks")
    assert holds_type("number", "only one battalion arrived")
    assert holds_type(None, "anything")


def test_a_year_a_dates_day_or_a_paragraph_number_is_no_count():
    q = "How many refugees left?"
    assert not holds_type("number", "the war of 1999 and the 1990s", q)
    assert not holds_type("number", "in his interview on April 28, 1999 he spoke", q)
    assert not holds_type("number", "on the 23rd of December", q)
    assert not holds_type("number", "¶78 Another committee completed a survey (§ 12)", q)
    assert holds_type("number", "by April 28, 1999 we had knocked down 46 NATO airplanes", q)
    assert holds_type("number", "for 17 years", q)


def test_when_question_without_a_date_in_the_answer_is_not_answered(essay_engine):
    a = essay_engine.ask("In which year did Zivadin Jovanović stray into diplomacy?")
    assert a.passages[0].score >= essay_engine.params.answer_threshold  # on topic: the score alone would answer
    assert not a.answered and a.passages
    b = essay_engine.ask("When did the Russian Minister of Defence Sergeyev visit Belgrade and Kosovo?")
    assert b.answered and "December 23rd and 24th, 1999" in b.passages[0].highlight.text


def test_a_length_a_distance_or_a_measure_in_a_unit_asks_for_a_number():
    assert expected_type("How long is the river in miles?") == "number"
    assert expected_type("How far is Pristina from Belgrade") == "number"
    assert expected_type("What is the average annual flow of the river in acre-feet?") == "number"
    assert expected_type("Why did the talks take so long?") is None
    q = "How long did the court put off its decision?"
    assert holds_type("number", "decision on the matter would be deferred for a year and a half", q)
    assert holds_type("number", "the negotiations lasted for decades", q)
    assert not holds_type("number", "the court deferred its decision on the package", q)
