from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from qa.reading.sentences import split_sentences


def texts(s: str) -> list[str]:
    return [s[a:b] for a, b in split_sentences(s)]


def test_initials_and_abbreviations_do_not_end_sentences():
    s = "D. Ojdanic spoke on TV. He met Ambassador B. Jovanović. See p. 291 and e.g. the notes. Done."
    assert texts(s) == ["D. Ojdanic spoke on TV.", "He met Ambassador B. Jovanović.",
                        "See p. 291 and e.g. the notes.", "Done."]


def test_quotes_question_marks_and_ellipsis():
    s = "He said: “Boro, we are in trouble.” Zivadin knew. Why? Because… it was so. “Really?” she asked."
    assert texts(s) == ["He said: “Boro, we are in trouble.”", "Zivadin knew.", "Why?",
                        "Because… it was so.", "“Really?” she asked."]


def test_lowercase_after_stop_is_no_boundary():
    assert texts("It was 1999. and then more.") == ["It was 1999. and then more."]


@given(st.text(alphabet=st.sampled_from(list("ab .?!”\"A1\n")), max_size=80))
@example("")
@example("   ")
@example("A. B. C.")
def test_spans_cover_every_non_space_character_in_order(s):
    spans = split_sentences(s)
    covered = "".join(s[a:b] for a, b in spans)
    assert [c for c in covered if not c.isspace()] == [c for c in s if not c.isspace()]
    for (a, b), (c, _d) in zip(spans, spans[1:], strict=False):
        assert a < b <= c
    for a, b in spans:
        assert s[a:b] == s[a:b].strip()
