from __future__ import annotations

from qa.evaluation.judge import holds, summarize


def test_holds_ignores_case_quotes_whitespace_and_diacritics():
    text = "Milan Kucan, the President of Slovenia, said that “Slovenia was being defended in Kosovo”."
    assert holds('milan kucan, the President of  Slovenia, said that "Slovenia was being defended in Kosovo"', text)
    assert holds("Milošević received", "S. Milosevic received the delegation")
    assert not holds("the President of Croatia", text)


def test_straddling_evidence_counts_when_most_is_in_one_passage():
    ev = "one two three four five six seven eight nine ten"
    assert holds(ev, "zero one two three four five six")  # 6 of 10 words in one run
    assert not holds(ev, "one two three four x")  # 4 of 10
    assert not holds(ev, "one x two x three x four x five x six")  # not in one run


def test_summary_metrics():
    vs = [
        {"id": "a", "rank": 1, "highlight_ok": True, "citation_ok": None, "answered": True, "answerable": True, "took_ms": 5},
        {"id": "b", "rank": 3, "highlight_ok": False, "citation_ok": True, "answered": True, "answerable": True, "took_ms": 7},
        {"id": "c", "rank": None, "highlight_ok": False, "citation_ok": False, "answered": False, "answerable": True, "took_ms": 9},
        {"id": "d", "rank": None, "highlight_ok": None, "citation_ok": None, "answered": True, "answerable": False, "took_ms": 6},
    ]
    s = summarize(vs)
    assert s["hit@1"] == round(1 / 3, 4) and s["hit@3"] == round(2 / 3, 4)
    assert s["mrr@10"] == round((1 + 1 / 3) / 3, 4)
    assert s["highlight_accuracy"] == round(1 / 3, 4) and s["citation_accuracy"] == 0.5
    assert s["answered_rate_answerable"] == round(2 / 3, 4) and s["answered_rate_unanswerable"] == 1.0
    assert s["latency_p50_ms"] == 6.5


def test_quotes_with_copied_footnote_markers_still_match():
    from qa.evaluation.judge import holds

    clean = "Serbia should also have such autonomy. Wasn't it the reason for the rejection?"
    assert holds("have such autonomy.1 Wasn't it", clean)
    assert holds("such autonomy.”12 Wasn’t it", clean.replace(".", ".”", 1))
    assert not holds("have such autonomy in 1999", clean)  # a spaced number is a word, not a marker


def test_the_teachers_table_tells_a_highlight_miss_from_a_retrieval_miss_and_judges_no_evidence_free_row():
    from qa.report import outcome, plain_figures

    base = {"id": "q", "question": "?", "answered": True, "answerable": True, "evidence": ["x y z"], "error": None}
    assert outcome({**base, "rank": 1, "highlight_ok": True})[1:] == ("", "Found in the first passage.")
    order, cls, text = outcome({**base, "rank": 1, "highlight_ok": False})
    assert cls == "qa-half" and "another sentence" in text
    assert outcome({**base, "rank": 3, "highlight_ok": False})[1] == "qa-miss"
    order_none, cls_none, text_none = outcome({**base, "evidence": [], "rank": None, "highlight_ok": None})
    assert cls_none == "" and text_none.startswith("No evidence given, so not judged")
    assert outcome({**base, "answerable": False, "answered": False})[1] == ""
    verdicts = [
        {"id": "a", "rank": 1, "highlight_ok": False, "citation_ok": None, "answered": True, "answerable": True,
         "took_ms": 1.0, "has_gold": True},
        {"id": "b", "rank": None, "highlight_ok": None, "citation_ok": None, "answered": True, "answerable": True,
         "took_ms": 1.0, "has_gold": False},
        {"id": "c", "rank": None, "highlight_ok": None, "citation_ok": None, "answered": False, "answerable": False,
         "took_ms": 1.0},
    ]
    lines = plain_figures(verdicts, passages=10)  # type: ignore[arg-type]
    assert lines[0] == "1 of 1 (100%) questions found their evidence in the first passage."
    assert "the highlighted sentence holds the evidence in 0 of 1 (0%)" in lines[2]
    assert "1 question gave no evidence to look for" in lines[-1]
