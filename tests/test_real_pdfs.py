"""The PDF reader on real footnoted PDFs nobody here made (../shared/readings/pdf, beside the clone
as in CI; skipped with a line when absent): each read alone and scored against its hand-checked
truth with the scorer that came with them (score_pdf.py), as `qa inspect --json` writes it."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED

FOLDER = SHARED / "readings" / "pdf"


def _scored(pdf: Path, truth: Path, tmp_path: Path) -> tuple[dict[str, int], Any]:
    """Read ``pdf`` alone and score it against ``truth`` with the shared scorer, as `qa inspect
    --json` writes it; the Document too."""
    from qa.reading.corpus import read_document

    scorer = FOLDER / "score_pdf.py"
    if not scorer.is_file():
        pytest.skip(f"{scorer} is absent (the shared scorer sits beside the clone in CI)")
    doc = read_document(pdf)
    inspect = tmp_path / "inspect.json"
    inspect.write_text(json.dumps({"documents": [json.loads(doc.model_dump_json())]}), encoding="utf-8")
    out = subprocess.run([sys.executable, str(scorer), str(truth), str(inspect)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1]), doc


def _score(name: str, tmp_path) -> dict[str, int]:
    pdf = FOLDER / f"{name}.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} is absent (the shared real PDFs sit beside the clone in CI)")
    return _scored(pdf, FOLDER / f"{name}.truth.json", tmp_path)[0]


def test_a_word_pdfmaker_article_with_notes_continued_over_pages(tmp_path):
    """166 notes; three run on to the next page, whose full-width rule used to be taken for a
    table's and its note area read as body text; labels "10." glued to their text, "4 ." set
    smaller than its period."""
    s = _score("martin-neutral-citation", tmp_path)
    assert s["notes_right"] == s["notes"] == 166 and s["markers_right"] == 166 and s["false_markers"] == 0
    assert s["heads_in_body"] == 0


def test_a_bold_title_whose_note_marker_is_set_regular_is_not_glued_to_the_abstract(tmp_path):
    """The title's second line ends in a regular-face "*" (the author's version note), the
    byline in "**": both lines are still bold headings, and the abstract opens a paragraph."""
    from qa.reading.corpus import read_document

    pdf = FOLDER / "martin-neutral-citation.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} is absent (the shared real PDFs sit beside the clone in CI)")
    text = read_document(pdf).text
    assert "Case Law Peter W. Martin" not in text and "Martin In 1994" not in text
    assert "\n\nPeter W. Martin\n\nIn 1994, the Wisconsin Bar" in text


def test_a_slip_opinion_without_a_drawn_rule_and_with_its_numbering_restarting(tmp_path):
    """The note rule is typed ("——————"); the syllabus is printed 1-4, the opinion 1-24 again,
    the numbers inside two-line running heads that differ on odd and even pages; a note line
    that begins with a number ("71 Stat. 500") continues its note."""
    s = _score("scotus-tarrant", tmp_path)
    assert s["notes_right"] == s["notes"] == 13 and s["markers_right"] == 13 and s["false_markers"] == 0
    assert s["pages_right"] == s["printed_pages"] == 28
    assert s["heads_in_body"] == 0


def test_a_centred_docket_line_is_not_run_into_the_paragraph_under_it():
    """"No. 11-889. Argued April 23, 2013-Decided June 13, 2013", centred and without a full
    stop, used to open the syllabus's first paragraph."""
    from qa.reading.corpus import read_document

    pdf = FOLDER / "scotus-tarrant.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} is absent (the shared real PDFs sit beside the clone in CI)")
    text = read_document(pdf).text
    assert "2013\n\nThe Red River Compact (or Compact) is a congressionally sanctioned agreement" in text


def test_a_word_2013_opinion_with_a_three_line_running_head(tmp_path):
    """Pages 2-23 open with a three-line head; a raised 7-point label and a one-letter first word
    ("1" "A") were read as a line of their own."""
    s = _score("nc-gift-surplus", tmp_path)
    assert s["notes_right"] == s["notes"] == 3 and s["markers_right"] == 3
    # the one left is page 1's caption ("2022-NCSC-1" under the court's name), not a running head
    assert s["heads_in_body"] <= 1


def _text_of(name: str) -> str:
    pdf = FOLDER / f"{name}.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} is absent (the shared real PDFs sit beside the clone in CI)")
    from qa.reading.corpus import read_document

    return read_document(pdf).text  # the notes included


def test_line_end_hyphens_are_decided_with_the_word_list_where_the_document_is_silent():
    """Words broken at a line end and written nowhere else in the file: the word list tells a
    broken word ("demon-" + "strates") from a compound ("non-" + "exhaustiveness")."""
    from qa.reading.words import english_words, wordlist_identity

    if not english_words():
        pytest.fail(f"no English word list ({wordlist_identity()}): install Debian's wamerican-large")
    scotus = _text_of("scotus-tarrant")
    for word in ("demonstrates", "hereinafter", "becomes"):
        assert word in scotus
    assert "demon-strates" not in scotus and "herein-after" not in scotus
    assert "cross-border" in scotus  # a compound: kept
    assert "non-exhaustiveness" in _text_of("nc-gift-surplus")


def test_a_word_list_that_is_not_there_is_said_and_the_pdf_is_read_anyway(monkeypatch, caplog, tmp_path):
    import logging

    from qa.reading import words

    monkeypatch.setenv("QA_WORDLIST", str(tmp_path / "no-such-list"))
    with caplog.at_level(logging.WARNING, logger="qa.reading.words"):
        assert words.english_words() == frozenset()
        assert words.wordlist_identity() == "none"
    assert "not a file" in caplog.text
    assert "herein-after" in _text_of("scotus-tarrant")  # the document's evidence alone decides



# Real PDFs that Debian ships, by other producers (tests/data/realpdf/: hand-checked truth written
# by a helper who saw only the PDFs; the packages are in the README's test set-up).
DEBIAN = Path(__file__).parent / "data" / "realpdf"


def _debian_pdf(name: str, tmp_path: Path) -> tuple[Path, dict]:
    truth = json.loads((DEBIAN / f"{name}.truth.json").read_text(encoding="utf-8"))
    src = Path(truth["source"]["path"])
    if not src.is_file():
        pytest.fail(f"{src} is missing: apt-get install -y {truth['source']['debian_package']}")
    data = gzip.decompress(src.read_bytes()) if src.suffix == ".gz" else src.read_bytes()
    assert hashlib.sha256(data).hexdigest() == truth["source"]["sha256"], f"{src} is not the version the truth is of"
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(data)
    return pdf, truth


def _score_debian(name: str, tmp_path: Path) -> tuple[dict[str, int], Any]:
    pdf, _ = _debian_pdf(name, tmp_path)
    return _scored(pdf, DEBIAN / f"{name}.truth.json", tmp_path)


def _markers_to_their_notes(doc: Any, truth: dict) -> int:
    """How many of the truth's markers are found on their page and cite, by ``Document.note_for``,
    the truth's note: the first of their label on their page or after. (The shared scorer takes
    each label's first note, which a numbering that restarts defeats.)"""
    def words(s: str) -> str:
        return "".join(ch for ch in s.lower() if ch.isalnum())

    def page_of(offset: int) -> int | None:
        return next((p.index + 1 for p in doc.pages if p.start <= offset < p.end), None)

    right = 0
    found = [(m.label, page_of(m.offset), m.offset) for m in doc.markers]
    for t in truth["markers"]:
        note = next(n for n in truth["notes"] if n["label"] == t["label"] and n["page"] >= t["page"])
        hit = next((f for f in found if f[:2] == (t["label"], t["page"])
                    and words(doc.note_for(f[0], f[2]).text).startswith(words(note["first_words"]))), None)
        if hit is not None:
            found.remove(hit)
            right += 1
    return right


def _pages_shown_as_printed(doc: Any, truth: dict) -> tuple[int, int]:
    """(right, printed): of the truth's printed pages, how many an answer cites as printed, by
    the page's label ("iv" for front matter; the shared scorer compares the integer ``number``,
    which for a roman page is the numeral's value)."""
    label = {p.index: p.label for p in doc.pages}
    printed = [(i, w) for i, w in enumerate(truth["page_labels"]) if w is not None]
    return sum(label.get(i) == w for i, w in printed), len(printed)


def test_a_docbook_standard_by_apache_fop_whose_note_numbering_restarts(tmp_path):
    """FHS 3.0: notes 1-20, 1-17, 1-10 by chapter; /PageLabels "1", "2" on an unnumbered cover,
    then i-v, then 1-43 as printed; each chapter's title as its running head."""
    s, doc = _score_debian("fhs30", tmp_path)
    assert s["notes_right"] == s["notes"] == 47 and s["false_markers"] == 0 and s["heads_in_body"] == 0
    # two markers the line break carried alone to the next line's start ("installed:" / "3")
    assert _markers_to_their_notes(doc, json.loads((DEBIAN / "fhs30.truth.json").read_text())) == 47
    assert s["pages_right"] == 43  # every arabic printed page (the scorer compares numbers)
    assert _pages_shown_as_printed(doc, json.loads((DEBIAN / "fhs30.truth.json").read_text())) == (48, 48)  # i-v too
    # each chapter's marker 1 cites its own chapter's note 1
    ones = [m for m in doc.markers if m.label == "1"]
    firsts = [n["first_words"] for n in json.loads((DEBIAN / "fhs30.truth.json").read_text())["notes"]
              if n["label"] == "1"]
    assert len(ones) == len(firsts) == 3
    for m, words in zip(ones, firsts, strict=True):
        assert doc.note_for("1", m.offset).text.startswith(words)


def test_a_groff_paper_whose_notes_a_size_bug_sets_like_the_body(tmp_path):
    """Labels "1." on the baseline under a short rule; notes 4 and 5 partly at body size."""
    s, doc = _score_debian("groffpdfmark", tmp_path)
    assert s["notes_right"] == s["notes"] == 5 and s["markers_right"] == 5 and s["false_markers"] == 0
    assert s["pages_right"] == s["printed_pages"] - 1 and s["heads_in_body"] == 0  # all but page "i" by number
    # "-i-" alone at the foot of the contents, then "-2-": the contents cite "p. i"
    assert _pages_shown_as_printed(doc, json.loads((DEBIAN / "groffpdfmark.truth.json").read_text())) == (15, 15)


def test_latex_guides_by_pdftex_and_luatex(tmp_path):
    """Tame the BeaST (pdfTeX, 41 notes, one of them inside another) and TeX in a Nutshell
    (LuaTeX/OpTeX): a note label raised above a one-letter word keeps its note's line."""
    s, _ = _score_debian("tamethebeast", tmp_path)
    # note 39 too, whose marker is in note 38: its link reaches the next line, within the marker's own box
    assert s["notes_right"] == s["notes"] == 41 and s["false_markers"] == 0 and s["heads_in_body"] == 0
    assert s["pages_right"] == s["printed_pages"] == 48  # two blank pages that print only their number too
    t, tdoc = _score_debian("texnutshell", tmp_path)
    assert t["notes_right"] == t["markers_right"] == 19 and t["pages_right"] == t["printed_pages"] == 29
    # "1.2²" on a page with no note 2 is an exponent: text, not a marker
    assert t["false_markers"] == 0 and "1.22 = 1.44" in " ".join(tdoc.text.split())


def test_markers_on_the_baseline_and_page_numbers_before_the_page_count(tmp_path):
    """The New Maintainers' Guide (DBLaTeX -> XeTeX) sets its markers on the baseline at full
    size ("system.1"; from 4 on as superior glyphs, "1⁴" for 14), glues its labels to the notes'
    text and restarts them per chapter: its links from marker to note find all 100. Its heads
    print "Debian New Maintainers' Guide 3 / 57" and "... Guide iv"."""
    s, doc = _score_debian("maintguide", tmp_path)
    assert s["notes_right"] == s["notes"] == 100 and s["false_markers"] == 0
    assert _markers_to_their_notes(doc, json.loads((DEBIAN / "maintguide.truth.json").read_text())) == 100
    assert s["pages_right"] == 57 and s["heads_in_body"] == 0  # every arabic page; roman i-vi by label:
    assert _pages_shown_as_printed(doc, json.loads((DEBIAN / "maintguide.truth.json").read_text())) == (62, 62)


def test_a_two_column_article_with_notes_under_each_column(tmp_path):
    """groff's mom samples: a two-column article whose notes stand under a short rule at the foot
    of each column, with symbols (*, †, ‡, **) restarting on every page, glued on the baseline to
    the marked word ("Sadipscing†") and to the note's text ("†Aliquyam"); running heads above a
    rule, mirrored on facing pages; three documents collated, each numbering its pages anew."""
    s, doc = _score_debian("momsample", tmp_path)
    truth = json.loads((DEBIAN / "momsample.truth.json").read_text())
    assert s["notes_right"] == s["notes"] == 7 and s["false_markers"] == 0
    assert _markers_to_their_notes(doc, truth) == 7
    assert s["heads_in_body"] == 0
    assert s["pages_right"] == 5  # every arabic printed page; "i", "ii" (and "Draft 1, Rev. 2 / i") by label:
    assert _pages_shown_as_printed(doc, truth) == (8, 8)
    by_page: dict[int, list[str]] = {}
    for n in truth["notes"]:
        by_page.setdefault(n["page"], []).append(n["label"])
    assert [n.label for n in doc.footnotes] == [lab for page in sorted(by_page) for lab in by_page[page]]


def _kept_pdf(name: str, tmp_path: Path) -> tuple[dict[str, int], Any, dict]:
    """A real PDF kept in tests/data/realpdf/ (public documents: each truth names its source,
    licence and sha256), read alone and scored."""
    pdf = DEBIAN / f"{name}.pdf"
    truth = json.loads((DEBIAN / f"{name}.truth.json").read_text(encoding="utf-8"))
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == truth["source"]["sha256"]
    s, doc = _scored(pdf, DEBIAN / f"{name}.truth.json", tmp_path)
    return s, doc, truth


def test_word_documents_saved_as_pdf_by_libreoffice(tmp_path):
    """Two Word files by others, converted by LibreOffice 7.4: a UN report whose footnote rule is
    drawn on its first chapter's pages only, with two-line chapter heads set left and right by
    turns above a rule drawn in pieces; a US guidance whose foot holds a title line above the page
    number, one of whose pages is blank but for that foot."""
    s, doc, truth = _kept_pdf("wgig", tmp_path)
    assert s["notes_right"] == s["notes"] == 54 and s["false_markers"] == 0
    assert _markers_to_their_notes(doc, truth) == 54
    assert s["pages_right"] == s["printed_pages"] == 76 and s["heads_in_body"] == 0
    s, doc, truth = _kept_pdf("parentinv", tmp_path)
    assert s["notes_right"] == s["notes"] == 5 and s["false_markers"] == 0
    assert _markers_to_their_notes(doc, truth) == 5
    assert s["pages_right"] == 55 and s["heads_in_body"] == 0  # every arabic page; i-v by label (no /PageLabels):
    assert _pages_shown_as_printed(doc, truth) == (60, 60)
