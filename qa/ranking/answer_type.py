"""The kind of answer a question asks for, and whether a passage can hold it.

A question that asks *when* (a date or year) or *how many* (a count, an amount, a length, a
measure in a unit) is answered
only by text holding a date or a number. A question that asks for a *source* (which
publication, what reference) is answered by a note, so the sentence that cites one is
highlighted. A question about the *author* (who wrote it, their background) is answered by
the note that presents the author: by the convention of journals and policy papers, a note
marked with a symbol (*, **, †) on the first page that has notes, where the byline is. This catches a common
miss of similarity search:
a passage on the right topic that does not hold the asked-for fact ("On what date did ...?"
finding the sentence that mentions the event, undated). Author and source questions are told in
English only; date and number questions also in the other languages the README lists (German,
French, Russian, Serbian in both scripts), since a year or a figure reads the same in an
English reading whatever the question's language.
"""

from __future__ import annotations

import re

__all__ = ["expected_type", "holds_type"]

_DATE_Q = re.compile(
    r"^\s*when\b|\b(in |on |by |since |until )?(what|which) (year|date|day|month|decade|century)\b|\bhow long ago\b",
    re.IGNORECASE,
)
_UNITS = (
    "miles|kilometers|kilometres|km|meters|metres|feet|foot|inches|acres|acre[- ]feet|hectares|tons|tonnes|"
    "gallons|liters|litres|dollars|euros|pounds|percent|per cent|cfs|mph|degrees"
)
_NUMBER_Q = re.compile(
    r"\bhow (many|much|long|far|old|big|large|high|deep|wide)\b|"
    r"\b(what|which) (number|percentage|proportion|share|amount|sum|figure)\b|"
    rf"\b(in|of|by) ({_UNITS})\W*$",  # "... in acre-feet?": a measure
    re.IGNORECASE,
)
# The same two questions in German, French, Russian and Serbian (Latin and Cyrillic script);
# "when" opens the question, as in English ("Kako je SAD reagovao kad ..." asks how, not when).
_DATE_Q_OTHER = re.compile(
    r"^\W*((seit|bis|depuis|jusqu'à|od|do|с|до|und|et|i|и)\s+)?(wann|quand|когда|kada|kad|када|кад)\b|"
    r"\b(in|an|seit) welche[mnrs]? (jahr|tag|datum|monat|jahrzehnt)|"
    r"\b(en|à|de|depuis) quel(le)?s? (année|an|jour|date|mois|siècle)|\bquel(le)? (année|jour|date)\b|"
    r"\b(в|с|до) (каком|какой|какого) (году|год|день|месяце|числа)|\bкакого (числа|года)\b|"
    r"\b(koje|kojoj|kog|kojeg|kojega) (godine|godini|dana|datuma|meseca|mjeseca)\b|"
    r"\b(које|којој|ког|којег) (године|години|дана|датума|месеца)\b",
    re.IGNORECASE,
)
_NUMBER_Q_OTHER = re.compile(
    r"\b(wie ?viele?|combien|сколько|koliko|колико)\b|"
    r"\bwelche (zahl|anzahl|nummer|summe)\b|\bquel(le)? (nombre|numéro|pourcentage|montant|somme|proportion)\b|"
    r"\b(какое|какой|какова|каков) (количество|число|номер|процент|сумма|доля)\b|"
    r"\b(koji|koliki) (je )?(broj|procenat|iznos)\b|\b(који|колики) (је )?(број|проценат|износ)\b",
    re.IGNORECASE,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b({_MONTHS})\b|\b\d{{1,2}}(st|nd|rd|th)\b|\b(yesterday|today|centur(y|ies)|decade)\b",
    re.IGNORECASE,
)
# A count or amount: not "several", "few", "many" or "no", which do not say how many, nor the
# partitive "one of", "one part of" ("the Russians moved one part of their contingent" does
# not say how many soldiers moved).
_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|"
    "single|both|twice|once"
)
_NUMBER = re.compile(rf"\d|\b({_NUMBER_WORDS})\b|\bone\b(?!\s+(of|part|side|another)\b)", re.IGNORECASE)


_SOURCE_Q = re.compile(
    r"\b(sources?|publications?|published|publishers?|books?|cited|cites?|citations?|references?|"
    r"documented|footnotes?|interviews?|articles?|newspapers?|journals?|quoted from|taken from|"
    r"where (is|was) (it|this|that) (written|said|reported))\b",
    re.IGNORECASE,
)


_AUTHOR_Q = re.compile(
    r"^\s*who\s+(is|was|are|were)\s+(the\s+)?(\w+'s\s+|\w+\s+)?(author|writer)s?\b|\bwho\s+wrote\b|"
    r"\b(background|biography|profession|career|occupation|name|job|position|affiliation)s?\s+of\s+(the\s+)?"
    r"(\w+'s\s+|\w+\s+)?(author|writer)s?\b|\b(author|writer)'s\s+(background|biography|profession|career|"
    r"occupation|name|job|position|affiliation)\b|\babout\s+the\s+(author|writer)\b",
    re.IGNORECASE,
)


def expected_type(question: str) -> str | None:
    """"author", "date", "number", "source", or None when the question asks for none of them.
    A "source" question asks where something comes from: its answer is a note; an "author"
    question asks who wrote the text: its answer is the author's note."""
    if _AUTHOR_Q.search(question):
        return "author"
    if _SOURCE_Q.search(question):
        return "source"
    if _DATE_Q.search(question) or _DATE_Q_OTHER.search(question):
        return "date"
    if _NUMBER_Q.search(question) or _NUMBER_Q_OTHER.search(question):
        return "number"
    return None


# Figures that count nothing: a year, a day beside its month ("April 28", "28th of June"), a
# paragraph or section number ("¶78", "§ 3").
_NOT_A_COUNT = re.compile(
    rf"\b(1[0-9]{{3}}|20[0-9]{{2}})s?\b|[¶§]\s*[\d.]+|\b({_MONTHS})\.?\s+\d{{1,2}}\b|"
    rf"\b\d{{1,2}}(st|nd|rd|th)?\.?\s+(of\s+)?({_MONTHS})\b",
    re.IGNORECASE,
)


_HOW_LONG = re.compile(r"\bhow long\b", re.IGNORECASE)
_DURATION = re.compile(r"\b(years?|months?|weeks?|days?|hours?|decades?|centur(y|ies))\b", re.IGNORECASE)


def holds_type(kind: str | None, text: str, question: str = "") -> bool:
    """Whether ``text`` holds a date (a number) for a date (number) question: one the question
    does not already give ("How many soldiers were there in 1999?" is not answered by "in 1999").
    A year, a date's day or a paragraph number is not the count a number question asks for."""
    pattern = _DATE if kind == "date" else _NUMBER if kind == "number" else None
    if pattern is None:
        return True
    if kind == "number":
        if _HOW_LONG.search(question) and _DURATION.search(text):  # "for a year and a half", "for decades"
            return True
        text = _NOT_A_COUNT.sub(" ", text)
    given = {m.group(0).casefold() for m in pattern.finditer(question)}
    return any(m.group(0).casefold() not in given for m in pattern.finditer(text))
