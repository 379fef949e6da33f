"""PDF readings, read from the page layout: PDFs with real footnotes made here by LibreOffice
(tests/pdfmaker.py), a hand-written PDF with page labels, and broken PDFs."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from pdfmaker import Note, Sup, have_tools, make_pdfs, sample_blocks

from qa.errors import DocumentError

HEAD = "Sovereignty and Recognition"
_FILL = ("The argument of this chapter is that the self-determination of peoples was never a question of "
         "international law alone, and that representatives of intergovernmental organizations shaped what "
         "the law could be said to permit. ")


_MEETING = "The committee met in the old library and spoke of the treaty at length. "


def _glued_blocks() -> list:
    blocks: list = [("title", "Glued Labels")]
    for i in range(6):
        blocks.append(("p", [_MEETING * 3, f"Point {i} was argued.",
                             Note(f"Minutes of meeting {i}, held in the spring; see also the report."), " " + _MEETING * 2]))
    return blocks


# real pages do not repeat their text at the same height: the body and the notes vary
_COMPACT = ["The committee met again in the autumn and heard the parties on the question of the water rights "
            "that the compact divides among the four states.",
            "Each state claimed a larger share of the water that crosses its border in the dry season.",
            "The river authority asked the court to read the compact as its drafters had meant it in those years.",
            "Neither side had measured the flow of the southern tributaries before the drought began.",
            "The lower court held that the compact leaves each state free to regulate its own share."]
_RECORD = ["The record of the hearing shows the positions of each state in detail",
           "Counsel for the river authority filed a further brief on the allocation",
           "A survey of the basin was ordered and delivered before the winter",
           "Three engineers testified on the flow of the river in dry years",
           "The state legislature later amended its own water code to match",
           "An earlier decision of the same court had left the question open",
           "Maps of the subbasins were attached to the brief as exhibits"]


def _heads_blocks() -> list:
    blocks: list = [("title", "Rights Under the Compact")]
    for i in range(10):
        record = ". ".join(_RECORD[(i + k) % len(_RECORD)] for k in range(8))
        text = [_COMPACT[(i + k) % len(_COMPACT)] for k in range(4)]
        blocks.append(("p", [" ".join(text[:3]) + f" Point {i + 1} was decided.",
                             Note(f"Long note {i + 1} begins here. {record}. End of note {i + 1}."), " " + text[3]]))
    return blocks


@pytest.fixture(scope="session")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """The test PDFs, made with one LibreOffice start."""
    if not have_tools():
        pytest.fail("LibreOffice is needed for the PDF tests: apt-get install -y libreoffice-writer-nogui poppler-utils")
    out = tmp_path_factory.mktemp("pdfs")
    jobs = {
        "sample": (sample_blocks(), {"header_text": HEAD, "first_page_number": 15}),
        "plain": ([("title", "A Short Reading"),
                   ("p", ["The treaty was signed in 1999 by 12 states.", Note("Treaty text, art. 3."),
                          " The marker here has lost its note.", Sup("7"), " The end."])],
                  {"page_numbers": False, "note_numbers_raised": True}),
        # the same words at shifting places in the line, so that some are broken and some are not
        "hyphen": ([("title", "Hyphens")] + [("p", lead + _FILL * 3) for lead in ("", "So ", "And so, as we add, ")],
                   {"page_size": ("9cm", "16cm"), "margins": "1.2cm", "hyphenate": True}),
        # note numbers at the note's own size with no indent: glued to the first word ("1Minutes"),
        # under a rule and with none, the same notes at the same height on both pages
        "glued": (_glued_blocks(), {"note_indent": False, "note_rule": False}),
        "glued-rule": (_glued_blocks(), {"note_indent": False}),
        # markers on the baseline at the text's size, labels glued, no rule: only the PDF's links
        # from each marker to its note say which digits are markers
        "linked": (_glued_blocks(), {"note_indent": False, "note_rule": False, "markers_raised": False}),
        # two-line running heads, other on even pages, the page number in the head; long notes
        # that run on to the next page
        # a later chapter of a long book: its notes go past 999
        "thousand": ([("title", "Chapter Forty")] + [("p", [_COMPACT[i % 5], Note(f"Source {i} of the chapter."),
                                                          " " + _COMPACT[(i + 1) % 5]]) for i in range(7)],
                     {"first_note_number": 997}),
        # the numbering restarts in the second chapter (as a book's, or symbols per page)
        "restart": ([("title", "Two Chapters")] + [
            block for ch in (1, 2) for block in (
                [("pagebreak",)] if ch == 2 else []) + [("heading", f"Chapter {ch}")] + [
                ("p", [f"Chapter {ch} makes point {k}.", Note(f"Chapter {ch}, note {k}: its source.", label=str(k)),
                       " " + _COMPACT[k]]) for k in (1, 2)]], {}),
        # a raised digit that no note of its page answers: a unit's exponent in a footnoted text
        "exponent": ([("title", "The Basin")] + [
            ("p", [f"Claim {k} about the basin stands.", Note(f"Survey {k} of the basin."), " " + _COMPACT[k % 5]])
            for k in range(1, 6)] + [("pagebreak",), ("p", ["The basin holds 40 m", Sup("3"), " of water in spring.",
                                                               Note("Survey of the spring."), " " + _COMPACT[0]])], {}),
        "heads": (_heads_blocks(), {"header_text": ["Court of Appeals No. 12-345", "Opinion of the Court"],
                                    "header_left": ["Smith v. Jones", "Opinion of the Court"],
                                    "head_page_number": True, "first_page_number": 7}),
    }
    made = make_pdfs([(blocks, out / f"{name}.pdf", opts) for name, (blocks, opts) in jobs.items()])
    return {name: path for name, path in zip(jobs, made, strict=True)}


@pytest.fixture(scope="session")
def sample(pdfs):
    from qa.reading.pdf import read_pdf

    return read_pdf(pdfs["sample"])


def test_structure_of_a_footnoted_pdf(sample):
    d = sample
    assert d.source_format == "pdf" and d.title == HEAD
    assert d.headings == ["1. The question", "2. Two columns"]
    # the printed page numbers (15..19) are what pages are cited by
    assert [p.number for p in d.pages] == [15, 16, 17, 18, 19]
    assert [p.index for p in d.pages] == [0, 1, 2, 3, 4] and all(p.width and p.height for p in d.pages)
    labels = [f.label for f in d.footnotes]
    assert labels == ["*", "1", "2", "3", "4", "5", "6", "7", "8", "9"] and not any(f.missing for f in d.footnotes)
    # markers after a closing quote, after a question mark, after a full stop
    at = {m.label: d.text[max(0, m.offset - 6):m.offset] for m in d.markers}
    assert at["1"].endswith(" law\u201d") and at["2"].endswith(" one?") and at["3"].endswith("aimed.")
    assert "\u201d." in d.text  # the full stop after the marker stays
    # numbers in the text are text
    assert {m.label for m in d.markers} == set(labels)
    for s in ("In 2008 the assembly", "Resolution 1244 had set up", "within 10 km of"):
        assert s in d.text
    # Ibid. and Idem resolved to the note they repeat
    assert d.footnote("3").refers_to == "2" and d.footnote("3").source == d.footnote("2").text
    assert d.footnote("4").refers_to == "2" and d.footnote("4").source.endswith("p. 4.")
    # the long note continues on the next page, before that page's own note
    n5 = d.footnote("5")
    assert n5.text.startswith("This note is deliberately long") and n5.text.endswith("It ends here.")
    assert n5.page == 16 and "took part in the proceedings. The commentary" in n5.text
    assert d.footnote("6").text == "A note on the page where note 5 continues."
    # a sentence broken by the page break is one sentence in one paragraph on two pages
    sent = "This sentence is long enough that it starts on one page"
    para = next(p for p in d.paragraphs if sent in d.text[p.start:p.end])
    assert len(para.pages) == 2 and d.text[para.start:para.end].endswith("ends on the next page after the break.")
    # running heads and page numbers are artefacts, never text
    kinds = Counter(a.kind for a in d.artefacts)
    assert kinds["page-number"] == 5 and kinds["running-head"] == 5
    assert d.text.count(HEAD) == 1  # the title only
    # two columns: reported, and read one column after the other
    assert any("columns" in w for w in d.warnings)
    left, right = d.text.find("Left column text"), d.text.find("Right column text")
    assert 0 < left < right and "while. Right" not in d.text


def test_every_character_lands_somewhere(pdfs, sample):
    """No drop: each printed character is in the text, a marker, a note label or an artefact."""
    import pdfplumber

    with pdfplumber.open(str(pdfs["sample"])) as pdf:
        printed = Counter(c["text"] for page in pdf.pages for c in page.chars if not c["text"].isspace())
    d = sample
    found = Counter(ch for ch in d.text if not ch.isspace())
    found.update(ch for m in d.markers for ch in m.label)
    found.update(ch for f in d.footnotes if not f.missing for ch in f.label)
    found.update(ch for a in d.artefacts for ch in a.text if not ch.isspace())
    assert found == printed, (printed - found, found - printed)


def test_line_boxes_locate_the_text(sample):
    d = sample
    assert d.boxes and all(b.end > b.start for b in d.boxes)
    i = d.text.index("Security Council Resolution 1244")
    box = next(b for b in d.boxes if b.start <= i < b.end)
    page = next(p for p in d.pages if p.index == box.index)
    assert page.number == 15 and 0 < box.x0 < box.x1 <= page.width and 0 < box.top < box.bottom <= page.height


def test_missing_note_raised_labels_and_no_page_numbers(pdfs):
    from qa.reading.pdf import read_pdf

    d = read_pdf(pdfs["plain"])
    assert d.title == "A Short Reading"
    assert [p.number for p in d.pages] == [1]  # nothing printed: the page's position
    assert d.footnote("1").text == "Treaty text, art. 3."  # its label raised at the foot
    seven = d.footnote("7")
    assert seven is not None and seven.missing and any("marker 7" in w for w in d.warnings)
    assert "signed in 1999 by 12 states." in d.text and "lost its note. The end." in d.text


def test_line_end_hyphens(pdfs):
    """Hyphens the layout added are dropped; the word's own are kept."""
    import pdfplumber

    from qa.reading.pdf import read_pdf

    with pdfplumber.open(str(pdfs["hyphen"])) as pdf:
        lines = [ln for page in pdf.pages for ln in page.extract_text().splitlines()]
    assert sum(ln.endswith("-") for ln in lines) >= 3, "LibreOffice did not hyphenate (hyphen-en-us missing?)"
    d = read_pdf(pdfs["hyphen"])
    words = set(re.findall(r"[\w-]+", _FILL + " Hyphens So And so, as we add,"))
    got = set(re.findall(r"[\w-]+", d.text))
    assert got <= words, got - words
    assert "self-determination" in d.text


def _hand_pdf(path: Path, texts: list[str], nums: str) -> Path:
    """A minimal PDF with one line of Helvetica per page and a /PageLabels tree."""
    objs = ["<< /Type /Catalog /Pages 2 0 R /PageLabels << /Nums [" + nums + "] >> >>", ""]
    kids = []
    for t in texts:
        stream = f"BT /F1 12 Tf 72 700 Td ({t}) Tj ET".encode()
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode()}\nendstream")
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objs)} 0 R "
                    f"/Resources << /Font << /F1 {3 + 2 * len(texts)} 0 R >> >> >>")
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(texts)} >>"
    objs.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{o}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def test_a_raised_digit_that_no_note_of_its_page_answers_stays_in_the_text(pdfs):
    from qa.reading.pdf import read_pdf

    d = read_pdf(pdfs["exponent"])
    assert [f.label for f in d.footnotes] == ["1", "2", "3", "4", "5", "6"] and not any(f.missing for f in d.footnotes)
    assert "40 m3 of water" in d.text  # the exponent is text, not marker 3 of page 1's note
    at = {m.label: d.text[max(0, m.offset - 40):m.offset] for m in d.markers}
    assert sorted(at, key=int) == ["1", "2", "3", "4", "5", "6"] and at["3"].endswith("Claim 3 about the basin stands.")
    assert any("raised '3' after 'm'" in w and "no note 3" in w for w in d.warnings)


def test_page_labels_are_the_cited_pages(tmp_path):
    from qa.reading.pdf import read_pdf

    texts = ["Preface text of the book.", "More of the preface.", "Chapter one begins here.", "It goes on here."]
    d = read_pdf(_hand_pdf(tmp_path / "labels.pdf", texts, "0 << /S /r >> 2 << /S /D /St 15 >>"))
    assert [(p.number, p.label) for p in d.pages] == [(1, "i"), (2, "ii"), (15, "15"), (16, "16")]
    assert d.pages_between(d.text.index("Chapter one"), d.text.index("Chapter one") + 5) == [15]
    more = d.text.index("More of the preface")
    assert d.pages_between(more, more + 5) == [2] and d.labels_between(more, more + 5) == ["ii"]


def test_answers_cite_front_matter_by_its_roman_numerals(tmp_path, embedder):
    """An answer on a page labelled "ii" says "p. ii", in the Answer (page_labels) and on the card."""
    from qa.config import Settings
    from qa.engine import Engine
    from qa.render import render_passage

    texts = ["The preface thanks the archivists of Belgrade.", "The preface explains the method of the survey.",
             "Chapter one describes the harbour in winter.", "The harbour freezes in January."]
    (tmp_path / "corpus").mkdir()
    _hand_pdf(tmp_path / "corpus" / "book.pdf", texts, "0 << /S /r >> 2 << /S /D /St 15 >>")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", backend="torch")
    engine = Engine.from_settings(settings, embedder=embedder)
    top = engine.ask("What does the preface explain?").passages[0]
    assert "method of the survey" in top.highlight.text
    shown = {1: "i", 2: "ii", 15: "15", 16: "16"}
    assert 2 in top.pages and top.page_labels == [shown[n] for n in top.pages]
    card = render_passage(top)
    assert f"p. {top.page_labels[0]}" in card and ("p. ii" in card or "pp. i–" in card)


@pytest.fixture(scope="session")
def bad_pdfs(tmp_path_factory, pdfs) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("bad-pdfs")
    raw = pdfs["sample"].read_bytes()
    (out / "truncated.pdf").write_bytes(raw[: len(raw) // 2])
    (out / "noise.pdf").write_bytes(bytes(range(256)) * 40)
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(img).text((50, 50), "A scanned page with words only in pixels", fill="black")
    img.save(out / "scan.pdf")
    if shutil.which("qpdf") is None:
        pytest.fail("qpdf is needed to make an encrypted PDF: apt-get install -y qpdf")
    subprocess.run(["qpdf", "--encrypt", "user", "owner", "256", "--", str(pdfs["plain"]), str(out / "locked.pdf")],
                   check=True)
    return {p.stem: p for p in out.iterdir()}


@pytest.mark.parametrize(("name", "message"), [
    ("truncated", "is not a readable PDF (damaged or truncated?)"),
    ("noise", "is not a readable PDF (damaged or truncated?)"),
    ("scan", "has no text layer (a scan or images only): OCR is not done"),
    ("locked", "is encrypted with a password"),
])
def test_bad_pdfs_get_a_clear_message(bad_pdfs, name, message):
    from qa.reading.pdf import read_pdf

    with pytest.raises(DocumentError) as exc:
        read_pdf(bad_pdfs[name])
    assert message in str(exc.value) and f"{name}.pdf" in str(exc.value)


def test_bad_pdfs_do_not_stop_the_corpus(tmp_path, bad_pdfs, pdfs, caplog):
    from qa.reading.corpus import read_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in bad_pdfs.values():
        shutil.copy(p, corpus / p.name)
    shutil.copy(pdfs["plain"], corpus / "good.pdf")
    with caplog.at_level(logging.ERROR):
        docs = read_corpus(corpus)
    assert [d.doc_id for d in docs] == ["good"]
    for name in bad_pdfs:
        assert f"{name}.pdf" in caplog.text


@pytest.fixture(scope="module")
def pdf_engine(tmp_path_factory, pdfs, embedder):
    """An engine over a corpus holding the sample PDF as recognition.pdf."""
    from qa.config import Settings
    from qa.engine import Engine

    root = tmp_path_factory.mktemp("pdf-corpus")
    (root / "corpus").mkdir()
    shutil.copy(pdfs["sample"], root / "corpus" / "recognition.pdf")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", backend="torch")
    return Engine.from_settings(settings, embedder=embedder)


def test_answers_cite_the_pdf_pages(pdf_engine):
    engine = pdf_engine
    a = engine.ask("Which resolution set up an interim administration?")
    top = a.passages[0]
    assert top.document == "recognition" and 15 in top.pages
    assert "Resolution 1244" in top.highlight.text
    assert {c.label for c in top.citations} >= {"3"}
    three = next(c for c in top.citations if c.label == "3")
    assert three.refers_to == "2" and three.source == "See the separate opinions, discussed below."
    b = engine.ask("What did the note on the long commentary weigh?")
    assert any(16 in p.pages or 17 in p.pages for p in b.passages)


def test_inspect_json_has_the_same_shape_for_a_pdf(tmp_path, pdfs):
    from click.testing import CliRunner

    from qa.cli import cli

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(pdfs["plain"], corpus / "short.pdf")
    (corpus / "notes.md").write_text("# Notes\n\nA paragraph.[^1]\n\n[^1]: The note.\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--corpus", str(corpus), "--index", str(tmp_path / "index"), "inspect", "--json"])
    assert r.exit_code == 0, r.output
    docs = json.loads(r.output)
    docs = docs if isinstance(docs, list) else docs["documents"]
    by_id = {d["doc_id"]: d for d in docs}
    assert set(by_id["short"]) == set(by_id["notes"])
    assert by_id["short"]["source_format"] == "pdf" and by_id["notes"]["source_format"] == "markdown"
    r = CliRunner().invoke(cli, ["--corpus", str(corpus), "--index", str(tmp_path / "index"), "inspect"])
    assert "short" in r.output and "marker 7" in r.output


def test_context_view_shows_the_pdf_page_with_the_passage_marked(pdf_engine):
    from fastapi.testclient import TestClient

    from qa.render import context_href
    from qa.web.server import create_app

    engine, settings = pdf_engine, pdf_engine.settings
    corpus = settings.corpus_dir
    top = engine.ask("Which resolution set up an interim administration?").passages[0]
    client = TestClient(create_app(engine, settings))
    r = client.get(context_href(top, "/context"))
    assert r.status_code == 200 and "img-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert '<img src="/context-page.png?doc=recognition&amp;i=0"' in html
    assert html.count('class="qa-pdf-mark qa-pdf-hl"') >= 1 and "Page 15 (page 1 of the file)" in html
    png = client.get("/context-page.png", params={"doc": "recognition", "i": 0})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert client.get("/context-page.png", params={"doc": "recognition", "i": 99}).status_code == 404
    assert client.get("/context-page.png", params={"doc": "nope", "i": 0}).status_code == 404
    pdf = corpus / "recognition.pdf"
    original = pdf.read_bytes()
    try:
        pdf.write_bytes(original + b"\n% edited\n")  # the file changed after indexing
        stale = client.get("/context-page.png", params={"doc": "recognition", "i": 1})
        assert stale.status_code == 409 and "changed since it was indexed" in stale.text
    finally:
        pdf.write_bytes(original)


def test_pdftotext_output_is_read_by_the_text_rules(pdfs, tmp_path):
    """What teachers paste: pdftotext's own layout, with no fonts to go by."""
    from pdfmaker import pdftotext

    from qa.reading.corpus import read_document

    txt = tmp_path / "recognition.txt"
    txt.write_text(pdftotext(pdfs["sample"]), encoding="utf-8")
    assert "\f" in txt.read_text() and "one? 2 Security" in txt.read_text()  # the layout we mean
    d = read_document(txt)
    assert d.title == HEAD and d.headings == ["1. The question", "2. Two columns"]
    assert [p.number for p in d.pages] == [15, 16, 17, 18, 19]  # the printed numbers
    assert [f.label for f in d.footnotes] == ["*", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
    assert not any(f.missing for f in d.footnotes)
    # a run of bare labels followed by the note texts is paired in order
    assert d.footnote("1").text == "UN General Assembly, Resolution 63/3 (8 October 2008)."
    assert d.footnote("3").text == "Ibid." and d.footnote("3").refers_to == "2"
    # markers glued and set off by a space; numbers in the text stay text
    at = {m.label: d.text[max(0, m.offset - 5):m.offset] for m in d.markers}
    assert at["1"].endswith("law\u201d") and at["2"].endswith("one?") and "Resolution 1244 had" in d.text
    assert "one? Security" in d.text
    # the rest of note 5, which pdftotext prints right after the body, goes back to the note: reported
    assert d.footnote("5").text.endswith("It ends here.")
    assert "in the proceedings" not in d.text[:d.body_end]
    assert any("rest of the previous page's last note" in w for w in d.warnings)
    assert "the statements that the chapter has been weighing" in d.text
    assert sum(a.kind == "page-number" for a in d.artefacts) == 5
    assert any("pdftotext's layout" in w for w in d.warnings)
    # no drop: every character of the file is in the text, a marker, a note label or an artefact
    found = Counter(ch for ch in d.text if not ch.isspace())
    found.update(ch for m in d.markers for ch in m.label)
    found.update(ch for f in d.footnotes if not f.missing for ch in f.label)
    found.update(ch for a in d.artefacts for ch in a.text if not ch.isspace())
    assert found == Counter(ch for ch in txt.read_text() if not ch.isspace())


@pytest.mark.browser
def test_pdf_page_shown_in_the_browser(pdf_engine, page):
    """In Chromium: the page image loads under the context view's CSP, marks over it."""
    from conftest import serving
    from test_browser import only_loopback, shot

    from qa.render import context_href
    from qa.web.server import create_app

    top = pdf_engine.ask("Which resolution set up an interim administration?").passages[0]
    with serving(create_app(pdf_engine, pdf_engine.settings)) as url:
        page.goto(url + context_href(top, "/context"))
        page.wait_for_function(
            "() => { const i = document.querySelector('figure.qa-pdf-page img');"
            " return i && i.complete && i.naturalWidth > 0 }", timeout=30_000)
        sheet = page.locator("figure.qa-pdf-page .qa-pdf-sheet").first.bounding_box()
        marks = page.locator(".qa-pdf-mark.qa-pdf-hl")
        assert marks.count() >= 1 and sheet is not None
        for k in range(marks.count()):
            box = marks.nth(k).bounding_box()
            assert box is not None and sheet["x"] <= box["x"] and box["x"] + box["width"] <= sheet["x"] + sheet["width"] + 1
            assert sheet["y"] <= box["y"] and box["y"] + box["height"] <= sheet["y"] + sheet["height"] + 1
        shot(page, "pdf-context.png")
        only_loopback(page)


@pytest.fixture(scope="session")
def latex_pdf(tmp_path_factory) -> Path:
    """tests/data/readings/treaty.tex set by pdfLaTeX: no space glyphs, raised note labels at an
    indent, a running head, pages printed from 41."""
    if shutil.which("pdflatex") is None:
        pytest.fail("pdflatex is needed for the LaTeX PDF test: apt-get install -y texlive-latex-base")
    out = tmp_path_factory.mktemp("latex")
    src = Path(__file__).parent / "data" / "readings" / "treaty.tex"
    shutil.copy(src, out / "treaty.tex")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "treaty.tex"],
                          cwd=out, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and (out / "treaty.pdf").is_file(), proc.stdout[-2000:]
    return out / "treaty.pdf"


def test_a_pdf_set_by_latex(latex_pdf):
    import pdfplumber

    from qa.reading.pdf import read_pdf

    with pdfplumber.open(str(latex_pdf)) as pdf:
        raw = "\n".join(page.extract_text() for page in pdf.pages)
    assert re.search(r"[a-z]-\n[a-z]", raw), "TeX hyphenated no line end: the test below would prove nothing"
    d = read_pdf(latex_pdf)
    assert d.title == "The Treaty and its Critics" and "1 Origins" in d.headings and "2 Reception" in d.headings
    assert [p.number for p in d.pages] == [41, 42]
    assert [f.label for f in d.footnotes] == ["1", "2", "3", "4", "5", "6"] and not any(f.missing for f in d.footnotes)
    assert d.footnote("1").text == "Conference records, vol. 2, p. 17."
    assert d.footnote("3").refers_to == "2" and d.footnote("4").source == "Minutes of the first session, p. 22."
    five = d.footnote("5")  # runs over onto the next page, its label raised at an indent on the first
    assert five.text.startswith("This note is long on purpose") and five.text.endswith("It ends here.")
    at = {m.label: d.text[max(0, m.offset - 8):m.offset] for m in d.markers}
    assert at["1"].endswith("states.") and at["2"].endswith("\u201d.") and at["3"].endswith("fair?")
    # words apart although TeX sets no space glyphs; numbers in the text are text
    assert "The conference opened in 1921 with delegates from 14 states. Its chairman" in d.text
    assert "the 3 committees began" in d.text
    # TeX's hyphenation undone where the document gives no sign of a real hyphen
    assert "ques-tion" not in d.text and "Was the question fair?" in d.text
    assert {a.kind for a in d.artefacts} == {"running-head", "page-number"}


def test_notes_under_boxes_numbered_anew_cite_their_own_markers(tmp_path):
    """tests/data/readings/boxes.tex (pdfLaTeX): two framed boxes carry their own notes right
    under them, numbered from 1 as a guideline's recommendation boxes are, with text after them;
    the page's own notes 1, 2 stand at its foot. Every note is read, none stays in the text, and
    each marker cites the note of its own block (the page's note 1 for the marker above the first
    box, though a box's note 1 lies nearer below it)."""
    from qa.reading.pdf import read_pdf

    if shutil.which("pdflatex") is None:
        pytest.fail("pdflatex is needed for the LaTeX PDF test: apt-get install -y texlive-latex-base")
    shutil.copy(Path(__file__).parent / "data" / "readings" / "boxes.tex", tmp_path / "boxes.tex")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "boxes.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]
    d = read_pdf(tmp_path / "boxes.pdf")
    assert [n.label for n in d.footnotes] == ["1", "2", "1", "1", "2"]
    body = d.text[: d.body_end]
    assert "widely used" not in body and "sensitivity" not in body and "committee met" not in body
    assert "regimen at a lower dose. The evidence for the first" not in body  # the box's notes between
    cited = [(d.text[: m.offset].split()[-1], d.note_for(m.label, m.offset).text.split(",")[0]) for m in d.markers]
    assert cited == [
        ("weak.", "The committee met three times in the year before the guideline was published."),
        ("weeks.", "The regimen most widely used in adults"),
        ("dose.", "In those without scarring of the liver; otherwise for twenty-four weeks."),
        ("overall.", "Certainty was judged on the evidence for each outcome in turn."),
        ("ends.", "A lower level of sensitivity may be accepted where the test is done on site."),
    ]


@pytest.mark.parametrize("name", ["glued", "glued-rule"])
def test_note_labels_glued_to_the_note_text_at_its_own_size(pdfs, name):
    """"1Minutes of meeting 0": the label is split off where the page's body marks it, with or
    without a rule, though every page's notes look alike at the same height (not running feet);
    no marker is reported as having no note."""
    from qa.reading.pdf import read_pdf

    d = read_pdf(pdfs[name])
    assert [n.label for n in d.footnotes] == ["1", "2", "3", "4", "5", "6"]
    assert all(n.text == f"Minutes of meeting {i}, held in the spring; see also the report."
               for i, n in enumerate(d.footnotes))
    assert not any("no note text" in w for w in d.warnings), d.warnings
    assert "Minutes of meeting" not in d.text[: d.body_end]


def test_markers_on_the_baseline_known_by_their_links_to_the_notes(pdfs):
    """Markers set like the text ("spring 1"), glued labels, no rule: the links LibreOffice (like
    hyperref, FOP and Acrobat) writes from a marker to its note find both; the meeting's numbers
    in the text, which link nowhere, stay text."""
    import pdfplumber

    from qa.reading.pdf import read_pdf

    with pdfplumber.open(str(pdfs["linked"])) as pdf:
        chars = [c for page in pdf.pages for c in page.chars if c["top"] < page.height * 0.6]
    body = Counter(round(c["size"], 1) for c in chars).most_common(1)[0][0]
    digits = {round(c["size"], 1) for c in chars if c["text"].isdigit()}
    assert digits == {body}, f"the markers are not set at the text's size: {digits} against {body}"
    d = read_pdf(pdfs["linked"])
    assert [n.label for n in d.footnotes] == ["1", "2", "3", "4", "5", "6"]
    assert [n.text for n in d.footnotes] == [f"Minutes of meeting {i}, held in the spring; see also the report."
                                             for i in range(6)]
    assert [m.label for m in d.markers] == ["1", "2", "3", "4", "5", "6"]
    assert all(d.note_for(m.label, m.offset).label == m.label for m in d.markers)
    assert "Minutes of meeting" not in d.text[: d.body_end] and not d.warnings


def test_two_line_running_heads_and_notes_continued_on_the_next_page(pdfs):
    """Heads of two lines, another on even pages, the page number at the end of the first line;
    notes long enough to run on to the next page, where they continue above that page's own
    notes: each is one note, whole, on the page of its label; nothing of the heads in the text."""
    import pdfplumber

    from qa.reading.pdf import read_pdf

    with pdfplumber.open(str(pdfs["heads"])) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    where = {i: ([n for n, t in enumerate(texts) if f"Long note {i} begins" in t],
                 [n for n, t in enumerate(texts) if f"End of note {i}." in t]) for i in range(1, 11)}
    continued = [i for i, (a, b) in where.items() if a != b]
    assert len(continued) >= 2, "fewer than two notes ran on to the next page: the test would prove nothing"
    d = read_pdf(pdfs["heads"])
    assert [p.number for p in d.pages] == list(range(7, 7 + len(texts)))
    assert [n.label for n in d.footnotes] == [str(i) for i in range(1, 11)]
    for i, n in enumerate(d.footnotes, start=1):
        assert n.text.startswith(f"Long note {i} begins here.") and n.text.endswith(f"End of note {i}.")
        assert n.page == 7 + where[i][0][0]
    assert not d.warnings
    body = d.text[: d.body_end]
    assert "Court of Appeals" not in body and "Smith v. Jones" not in body and "Opinion of the Court" not in body
    assert sum(body.count(sentence) for sentence in _COMPACT) == 40  # every sentence whole, across page breaks too
    assert {a.kind for a in d.artefacts} == {"running-head"}


def test_note_numbers_past_999(pdfs):
    """Labels of four digits are labels: notes 997-1003 are all read, none left in the body."""
    from qa.reading.pdf import read_pdf

    d = read_pdf(pdfs["thousand"])
    assert [n.label for n in d.footnotes] == [str(n) for n in range(997, 1004)]
    assert [n.text for n in d.footnotes] == [f"Source {i} of the chapter." for i in range(7)]
    assert [m.label for m in d.markers] == [str(n) for n in range(997, 1004)]
    assert "Source" not in d.text[: d.body_end] and not d.warnings


def test_numbering_that_restarts_cites_each_markers_own_note(pdfs):
    """Chapter 2 numbers its notes 1, 2 again: every marker cites the note of its own chapter,
    in the citations an answer shows and in the rows the ranker scores."""
    from qa.ranking.citations import citations_for
    from qa.reading.passages import cited_note_rows, split_passages
    from qa.reading.pdf import read_pdf

    d = read_pdf(pdfs["restart"])
    assert [(n.label, n.text) for n in d.footnotes] == [
        (str(k), f"Chapter {ch}, note {k}: its source.") for ch in (1, 2) for k in (1, 2)]
    passages = split_passages(d, lambda texts: [len(t.split()) for t in texts], max_tokens=12, min_tokens=4)
    notes = [{"doc_id": d.doc_id, "label": n.label, "text": n.text} for n in d.footnotes]
    rows = cited_note_rows(passages, {d.doc_id: d}, notes)
    seen = 0
    for p, cited in zip(passages, rows, strict=True):
        for m, c in zip(p.markers, citations_for(p, d), strict=True):
            chapter = p.text[: m.offset].rsplit("Chapter ", 1)[1][0]
            assert c.text == f"Chapter {chapter}, note {m.label}: its source."
            assert notes[cited[[x.label for x in p.markers].index(m.label)]]["text"] == c.text
            seen += 1
    assert seen == 4
