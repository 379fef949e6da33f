"""The reader on the real essay and on readings of our own making."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import DATA, ESSAY

from qa.reading.corpus import read_corpus, read_document
from qa.reading.markdown import read_markdown
from qa.reading.text import read_text


def _before(doc, offset, n=30):
    return doc.text[max(0, offset - n) : offset]


def nonblank(texts):
    return Counter(ch for t in texts for ch in t if not ch.isspace())


def test_title_heading_and_pages(essay_doc):
    d = essay_doc
    assert d.title == "Serbia – Russia Military Political Relations in the Process of Solving Kosovo Issue"
    assert d.headings == ["Conclusion and future of military-political relations between Serbia and Russia"]
    assert [p.number for p in d.pages] == [1, 2, 3, 4, 5, 6, 7]
    # page 2 starts with the sentence the footnote block interrupted on page 1
    assert d.pages[1].line_start == 53
    # a page break with no footnote block at all (line 293 starts with a space)
    assert d.pages[6].line_start == 293


def test_all_notes_found_with_pages(essay_doc):
    notes = {n.label: n for n in essay_doc.footnotes}
    assert sorted(notes, key=lambda x: (x != "*", int(x) if x.isdigit() else 0)) == ["*"] + [str(i) for i in range(1, 15)]
    pages = {k: n.page for k, n in notes.items()}
    assert pages == {"*": 1, "1": 1, "2": 1, "3": 2, "4": 2, "5": 2, "6": 2, "7": 3, "8": 3, "9": 3,
                     "10": 4, "11": 4, "12": 4, "13": 4, "14": 5}
    assert notes["*"].text.startswith("Dragan Vuksic is a retired lieutenant colonel")
    assert notes["*"].text.endswith("presented by the author in this text.")
    # multi-line notes are joined, and a line-end hyphen inside no word is kept as a space
    assert notes["2"].text.endswith("not going to be solved by force any more.")
    assert "fighter airplanes and attack helicopters" in notes["2"].text
    assert notes["3"].text.endswith("let alone the Chief of the General Staff.”")


def test_missing_note_14_is_reported_not_invented(essay_doc):
    n14 = essay_doc.footnote("14")
    assert n14.missing and n14.text is None and n14.page == 5
    assert any("14" in w and "no note text" in w for w in essay_doc.warnings)
    m14 = [m for m in essay_doc.markers if m.label == "14"][0]
    assert _before(essay_doc, m14.offset).endswith("(hopefully not of arms).")


EXPECTED_MARKERS = {
    "1": "should also have such autonomy.",
    "2": "Arms Control were completed.",
    "3": "have to cease the aggression?",
    "4": "not the Intelligence Service.",
    "5": "Boro, we are in trouble.”",
    "6": "embarrassing themselves on a daily basis”",
    "7": "The Bulgarians are supposed to shoot them?”",
    "8": "that he is lot of other things...”",
    "9": "speak for themselves.”",
    "10": "with the aim of achieving own interests.”",
    "11": "centre of their Orthodox-Slavic spirit.",
    "12": "for the preservation of Serbian territory.”",
    "13": "aware of its role, tasks and capabilities.",
    "14": "fraternity (hopefully not of arms).",
}


def test_markers_at_their_places_and_no_false_ones(essay_doc):
    d = essay_doc
    assert [m.label for m in d.markers] == [str(i) for i in range(1, 15)]
    for m in d.markers:
        assert _before(d, m.offset, 60).endswith(EXPECTED_MARKERS[m.label]), m.label
    # numbers that are not markers stay in the text
    for phrase in ("80 NATO aircraft", "46 NATO airplanes", "380 billion US dollars", "April 28, 1999",
                   "for 17 years", "Z-4 Plan", "December 23rd and 24th, 1999", "basis”. Milosević"):
        assert phrase.replace("Milosević", "Milošević") in d.text or phrase in d.text, phrase
    # marker digits are gone from the clean text
    assert "autonomy.1" not in d.text and "aggression?3" not in d.text and "basis”6" not in d.text


def test_markers_and_notes_linked_both_ways(essay_doc):
    labels = {m.label for m in essay_doc.markers}
    for n in essay_doc.footnotes:
        assert (n.label in labels) == (n.label != "*")


def test_idem_notes_resolve_to_note_4_with_their_page(essay_doc):
    base = essay_doc.footnote("4").text
    assert base == "Military Secret, I volume, page 11, Helsinki Committee for Human Rights in Serbia, Belgrade 2004."
    for label, page in (("5", "page 73"), ("6", "page 84 and 92"), ("7", "page 98"), ("8", "page 180")):
        n = essay_doc.footnote(label)
        assert n.text.startswith("Idem, ")  # the original wording is kept
        assert n.refers_to == "4"
        assert n.source == base.replace("page 11", page)
    assert essay_doc.footnote("9").source is None


def test_joins_across_page_breaks_and_stray_blank_lines(essay_doc):
    t = essay_doc.text
    assert "for Serbia also of existential importance, to reconsider" in t
    assert "depended on his mental and physical state. However, Jelcin said" in t
    assert "“Why aren’t they flying, what do they care" in t
    assert "the interest of Russia is to defend international law, it is fine" in t
    assert "in which Russia solved the issue of Abkhazia" in t
    assert "is whether the equal relations and objective interests" in t
    # hyphen at a line end inside a compound is kept
    assert "Before the beginning of air-strikes the Air Force" in t
    assert "least military-political presence" in t


def test_sentences_know_their_page_and_line(essay_doc):
    d = essay_doc
    s = next(s for s in d.sentences if d.text[s.start : s.end].startswith("The policy of Jelcin depended"))
    assert d.text[s.start : s.end].endswith("mental and physical state.")
    assert d.pages_between(s.start, s.end) == [1, 2]
    assert d.line_at(s.start) == 43 and d.line_at(s.end - 1) == 53
    s2 = next(s for s in d.sentences if d.text[s.start : s.end].startswith("Serbs could be scattered"))
    assert d.page_at(s2.start) == 4 and d.line_at(s2.start) == 223


def test_no_text_is_dropped(essay_doc):
    d = essay_doc
    source = ESSAY.read_text(encoding="utf-8")
    kept = [d.text] + [m.label for m in d.markers] + [n.label for n in d.footnotes if not n.missing]
    kept += [a.text for a in d.artefacts]
    assert nonblank([source]) == nonblank(kept)


def test_paragraph_offsets_are_consistent(essay_doc):
    d = essay_doc
    for p in d.paragraphs:
        assert 0 <= p.start < p.end <= len(d.text)
        assert d.text[p.start : p.end].strip() == d.text[p.start : p.end]
    for s in d.sentences:
        assert d.paragraphs[s.paragraph].start <= s.start < s.end <= d.paragraphs[s.paragraph].end


# ---------------------------------------------------------------- a reading of our own

LIGHTHOUSE = DATA / "readings" / "lighthouse.txt"


@pytest.fixture(scope="module")
def lighthouse():
    return read_document(LIGHTHOUSE)


def test_own_reading_structure(lighthouse):
    d = lighthouse
    assert d.title == "The Lighthouse Keepers of the Northern Coast"
    assert d.headings == ["Modern times"]
    assert [p.number for p in d.pages] == [1, 2, 3, 4]
    assert [m.label for m in d.markers] == ["1", "2", "3", "†", "4", "5", "6", "7"]
    assert _before(d, d.markers[1].offset).endswith("painted red?")
    assert _before(d, d.markers[4].offset).endswith('"some regret"')
    # numbers in the text that are not markers
    for phrase in ("in 1848 by a company of 12 engineers", "failed 3 times", "the 2nd Baron", "an F-16 burner",
                   "sold 4000 copies", "gallery in 1998"):
        assert phrase in d.text


def test_own_reading_notes(lighthouse):
    d = lighthouse
    n = {f.label: f for f in d.footnotes}
    assert n["6"].missing and n["6"].page == 3
    assert n["4"].refers_to == "3" and n["4"].source.startswith("Keeper's log, volume 2, page 102,")
    # a note that runs on into the next page's note block
    assert n["5"].text.endswith("reprinted with a new preface in the 1975 edition.")
    assert n["†"].page == 1 and n["7"].page == 3


def test_own_reading_joins_and_no_drop(lighthouse):
    d = lighthouse
    assert "the keepers trimmed the wicks every four hours, even when the sea was calm and the sky was clear of cloud." in d.text
    assert "the lamp is now visible from the French coast" in d.text
    source = LIGHTHOUSE.read_text(encoding="utf-8")
    kept = [d.text] + [m.label for m in d.markers] + [f.label for f in d.footnotes if not f.missing]
    assert nonblank([source]) == nonblank(kept)


def test_plain_text_without_pages():
    d = read_text("A Short Title\n\nFirst paragraph. It has two sentences.\n\nSecond one here.\n", doc_id="plain")
    assert d.title == "A Short Title"
    assert [p.number for p in d.pages] == [1]
    assert d.markers == [] and d.footnotes == []
    assert [d.text[s.start:s.end] for s in d.sentences] == [
        "A Short Title", "First paragraph.", "It has two sentences.", "Second one here."]


def test_markdown_reading():
    src = (
        "# Rivers of Europe\n\nThe Danube flows through ten countries.[^1] It is the second longest.\n\n"
        "## Sources\n\nIt rises in the Black Forest.[^note]\n\n[^1]: Austria, Hungary, Serbia and seven more.\n"
        "[^note]: Near Donaueschingen.\n    The town claims the source.\n"
    )
    d = read_markdown(src, doc_id="rivers")
    assert d.title == "Rivers of Europe" and d.headings == ["Sources"]
    assert [m.label for m in d.markers] == ["1", "note"]
    assert d.text[d.markers[0].offset - 11 : d.markers[0].offset] == " countries."
    assert d.footnote("note").text == "Near Donaueschingen. The town claims the source."
    assert "[^" not in d.text[: d.body_end]


def test_corpus_reads_every_document_and_skips_bad_files(tmp_path, caplog):
    (tmp_path / "a.txt").write_text(LIGHTHOUSE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.md").write_text("# B\n\nBody text here.\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    docs = read_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["a", "b"]
    assert "bad.txt" in caplog.text and "empty.txt" in caplog.text


def test_corpus_errors(tmp_path):
    from qa.errors import DocumentError

    with pytest.raises(DocumentError, match="does not exist"):
        read_corpus(tmp_path / "nope")
    with pytest.raises(DocumentError, match="no readable document"):
        read_corpus(tmp_path)


def test_form_feed_breaks_pages():
    d = read_text("Title Here\nFirst page text ends here.\n\fSecond page text.\n", doc_id="ff")
    assert [p.number for p in d.pages] == [1, 2]
    assert d.page_at(d.text.index("Second")) == 2


def test_inspect_paths_are_relative_ids(tmp_path):
    sub = tmp_path / "week1"
    sub.mkdir()
    (sub / "r.md").write_text("# R\n\nText.\n", encoding="utf-8")
    assert [d.doc_id for d in read_corpus(tmp_path)] == ["week1/r"]


def test_doc_line_map_points_to_source_lines(essay_doc):
    lines = ESSAY.read_text(encoding="utf-8").split("\n")
    d = essay_doc
    for s in d.sentences[::7]:
        first_word = d.text[s.start : s.end].split()[0]
        assert first_word.strip("“\"") in lines[d.line_at(s.start) - 1], first_word
