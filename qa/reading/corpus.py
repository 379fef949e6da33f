"""Source file -> Document: pages, title, headings, paragraphs, footnotes, markers, line map.

Text extracted from a PDF (``.txt``) carries the damage of the extraction, and the reader
undoes it with rules about layout, never about one document's words:

* A page ends with its footnote block -- a line made only of spaces, then the notes -- and the
  next page starts with a line that begins with a space (or a form feed). A page may end with
  no block at all; then the leading space is the only sign of the break. (Where most lines
  begin with white space, that sign means nothing and only form feeds and blocks count.)
* A note starts with its label (``*``, ``†``, or the next number in sequence) and runs on over
  the following lines; a block's first lines that start no note continue the previous page's
  last note.
* Markers are digits glued to the text (``autonomy.1``, ``trouble."5``). A number is a marker
  only when a note with that label exists and the markers are found in the notes' order, on
  the page of their note when possible; numbers that fit no note in that order ("80
  aircraft", "Z-4", "23rd") are text. A glued number that continues the sequence past the
  last defined note is kept as a marker whose note is missing.
* Paragraphs are joined across line breaks, across blank lines that fall mid-sentence and
  across page breaks when the text before the break ends mid-sentence.
* A heading is a line that ends without punctuation, starts with a capital, and stops short
  of the line width where the next word would still have fit.

Markdown (``.md``) is read from its syntax: ``#`` headings, blank-line paragraphs and
``[^label]`` footnotes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import DocumentError, QAError
from qa.models import Artefact, Document, Footnote, LineBox, Marker, Page, Paragraph, Sentence
from qa.reading.sentences import split_sentences

logger = logging.getLogger(__name__)

__all__ = ["SUPPORTED_SUFFIXES", "check_corpus_dir", "read_corpus", "read_document", "read_markdown", "read_text"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf")

# --------------------------------------------------------------------------- patterns

_TERMINAL = re.compile(r"[.!?…][\"”’'»)\]]*$")
_OPENS_SENTENCE = re.compile(r"^[\"“‘'«(\[]?[A-ZÀ-ÖØ-Þ\u0100-\u024E0-9]")
_SYMBOL_LABELS = ("*", "**", "***", "†", "‡", "§")
_NOTE_START = re.compile(r"^\s*(\*{1,3}|[†‡§]|\d{1,3})[.)]?\s+(\S.*)$")
# Digits glued to the end of a word or closing punctuation, and not followed by a letter or digit.
_NUM_MARKER = re.compile(r"(?<=[^\W\d_]|[.,;:!?)\]\"”’'…])(\d{1,3})(?=[\s.,;:!?)\]\"”’'…]|$)")
_SYM_MARKER = re.compile(r"(?<=[^\W_]|[.,;:!?)\]\"”’'…])(\*{1,3}|[†‡§])(?=[\s.,;:!?)\]\"”’'…]|$)")
_SPACED_MARKER = re.compile(r"(?<=[.,;:!?)\]\"”’'…]) (\d{1,3})(?= [\"“‘'«(\[]?[A-ZÀ-ÖØ-Þ]| *$)")
_LABEL_ONLY = re.compile(r"^\s*(\*{1,3}|[†‡§]|\d{1,3})\s*$")
_IDEM = re.compile(r"^(?:idem|ibid(?:em)?|id)\.?\s*[,.;:]?\s*(.*)$", re.IGNORECASE)
_PAGE_REF = re.compile(
    r"\b(?:pages?|pp?\.)\s*\d+(?:\s*(?:-|–|and|&|,)\s*\d+)*", re.IGNORECASE
)
_PAGE_NUMBER_LINE = re.compile(r"^\s*(?:-\s*)?(?:\d{1,4}|[ivxlcdm]{1,6})(?:\s*-)?\s*$", re.I)
_FUNCTION_WORDS = frozenset(
    """a an the of and or but nor to in on at by for with from as into onto upon than that
    which who whom whose is was are were be been being its their his her our your my this
    these those such not""".split()
)
_SEPARATOR_MIN_SPACES = 10


# --------------------------------------------------------------------------- entry points


def check_corpus_dir(corpus_dir: Path) -> None:
    """Raises DocumentError, saying where it looked, when the corpus folder does not exist."""
    if not corpus_dir.is_dir():
        raise DocumentError(
            f"Corpus folder '{corpus_dir}' does not exist (looked for '{corpus_dir.absolute()}'). Run from the "
            "folder that holds it, give --corpus (QA_CORPUS_DIR), or create it and add .txt, .md or .pdf files."
        )


def read_corpus(corpus_dir: Path, *, on_page: Callable[[str, int, int], None] | None = None) -> list[Document]:
    """Read every supported file under ``corpus_dir`` (sorted by path).

    A file that cannot be read is logged and skipped, so one bad file never stops the rest.
    ``on_page(file name, pages done, pages)`` follows the reading of each PDF; without it, a
    long PDF logs its progress every 100 pages.

    Raises:
        DocumentError: The folder does not exist or holds no readable document.
    """
    check_corpus_dir(corpus_dir)
    docs: list[Document] = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        name = str(path.relative_to(corpus_dir))

        def pages(done: int, total: int, name: str = name) -> None:
            if on_page is not None:
                on_page(name, done, total)
            elif done % 100 == 0 and total > 100:
                logger.info("read %d of %d pages of %s", done, total, name)

        try:
            docs.append(read_document(path, doc_id=_doc_id(corpus_dir, path), on_page=pages))
        except DocumentError as exc:
            logger.error("skipped %s: %s", path, exc)
    if not docs:
        raise DocumentError(
            f"Corpus folder '{corpus_dir}' holds no readable document ({', '.join(SUPPORTED_SUFFIXES)})."
        )
    ids = [d.doc_id for d in docs]
    if len(set(ids)) != len(ids):
        raise DocumentError(f"Two corpus files share a name without extension: {sorted(ids)}")
    return docs


def _doc_id(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    return "/".join(rel.parts)


def read_utf8(path: Path, error: type[QAError]) -> tuple[bytes, str]:
    """A file's bytes and its UTF-8 text (a BOM is dropped); failures raise ``error`` with
    a message naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"Cannot read '{path}': {exc.strerror}") from exc
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"'{path}' is not UTF-8 text (byte {exc.start}). Save it as UTF-8.") from exc


def read_document(
    path: Path, *, doc_id: str | None = None, on_page: Callable[[int, int], None] | None = None
) -> Document:
    """Read one file by its suffix (``.txt`` as PDF-extracted text, ``.md`` as Markdown, ``.pdf``
    by its layout: ``qa.reading.pdf``, which calls ``on_page(done, total)`` as it goes)."""
    if path.suffix.lower() == ".pdf":
        from qa.reading.pdf import read_pdf

        return read_pdf(path, doc_id=doc_id, on_page=on_page)
    raw, source = read_utf8(path, DocumentError)
    if not source.strip():
        raise DocumentError(f"'{path}' is empty.")
    doc_id = doc_id or path.stem
    sha = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() in (".md", ".markdown"):
        return read_markdown(source, doc_id=doc_id, source_path=str(path), sha256=sha)
    return read_text(source, doc_id=doc_id, source_path=str(path), sha256=sha)


# --------------------------------------------------------------------------- shared pieces


@dataclass
class _Line:
    no: int  # 1-based source line
    text: str
    page: int
    box: tuple[int, float, float, float, float] | None = None  # PDF: page index, x0, top, x1, bottom


@dataclass
class _Note:
    label: str
    page: int
    lines: list[_Line] = field(default_factory=list)


@dataclass
class _Piece:
    """A line's clean text, with the markers removed from it."""

    text: str
    line: int
    page: int
    markers: list[tuple[str, int]]
    glue: bool = False  # joins the previous piece with no space (a line-end hyphen was dropped)
    box: tuple[int, float, float, float, float] | None = None  # PDF: page index, x0, top, x1, bottom


@dataclass
class _Block:
    kind: str  # title | heading | body
    pieces: list[_Piece]


def _clean_line(text: str, cuts: list[tuple[int, int, str]]) -> tuple[str, list[tuple[str, int]]]:
    """Remove marker spans from a line and fold white space; return text and marker offsets."""
    out: list[str] = []
    markers: list[tuple[str, int]] = []
    cuts = sorted(cuts)
    i = 0
    n = len(text)
    ci = 0
    while i < n:
        if ci < len(cuts) and i == cuts[ci][0]:
            markers.append((cuts[ci][2], len("".join(out))))
            i = cuts[ci][1]
            ci += 1
            continue
        ch = text[i]
        if ch.isspace() or unicodedata.category(ch) == "Cc":
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
        i += 1
    while ci < len(cuts):
        markers.append((cuts[ci][2], len(out)))
        ci += 1
    s = "".join(out)
    lead = len(s) - len(s.lstrip())
    s = s.strip()
    markers = [(lab, min(max(off - lead, 0), len(s))) for lab, off in markers]
    return s, markers


def _join_fragment(prev: str, nxt: str) -> str:
    """The separator between two joined lines: none after a line-end hyphen inside a word."""
    if len(prev) >= 2 and prev[-1] == "-" and prev[-2].isalpha() and nxt[:1].isalpha():
        return ""
    return " "


class _Builder:
    """Assembles blocks and notes into the Document's clean text and offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.line_map: list[tuple[int, int]] = []
        self.page_offsets: list[tuple[int, int, int]] = []  # (offset, page, line)
        self.paragraphs: list[Paragraph] = []
        self.markers: list[Marker] = []
        self.sentences: list[Sentence] = []
        self.boxes: list[LineBox] = []
        self.last_text = ""  # the text of the block added last

    def _emit(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def add_block(self, kind: str, pieces: list[_Piece]) -> tuple[int, int]:
        pieces = [p for p in pieces if p.text or p.markers]
        if not pieces:
            self.last_text = ""
            return (self.length, self.length)
        if self.paragraphs:
            self._emit("\n\n")
        start = self.length
        first_part = len(self.parts)
        prev_text = ""
        for piece in pieces:
            if prev_text:
                self._emit("" if piece.glue else _join_fragment(prev_text, piece.text))
            off = self.length
            self.line_map.append((off, piece.line))
            self.page_offsets.append((off, piece.page, piece.line))
            for label, rel in piece.markers:
                self.markers.append(Marker(label=label, offset=off + rel))
            self._emit(piece.text)
            if piece.box is not None and piece.text:
                i, x0, top, x1, bottom = piece.box
                self.boxes.append(LineBox(start=off, end=self.length, index=i, x0=x0, top=top, x1=x1, bottom=bottom))
            prev_text = piece.text or prev_text
        end = self.length
        para_pages = sorted({p.page for p in pieces})
        index = len(self.paragraphs)
        self.paragraphs.append(
            Paragraph(
                kind=kind,  # type: ignore[arg-type]
                start=start,
                end=max(end, start),
                pages=para_pages,
                line_start=pieces[0].line,
                line_end=pieces[-1].line,
            )
        )
        # the block's text, with some text before it for the sentence rules' look-behind
        # (joining the whole document for every block would be quadratic in its length)
        self.last_text = "".join(self.parts[first_part:])
        before = "".join(self.parts[max(0, first_part - 8):first_part])[-200:]
        local = before + self.last_text
        if kind in ("title", "heading"):
            spans = [(start, end)]
        else:
            shift = start - len(before)
            spans = [(a + shift, b + shift) for a, b in split_sentences(local, len(before), len(local))]
        for a, b in spans:
            self.sentences.append(Sentence(start=a, end=b, paragraph=index))
        return start, end

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _emit(blocks: list[_Block], doc_id: str) -> tuple[_Builder, str, list[str]]:
    """Blocks -> clean text; the title (or one made from the file name) and the headings."""
    builder = _Builder()
    headings: list[str] = []
    title = ""
    for block in blocks:
        start, end = builder.add_block(block.kind, block.pieces)
        if block.kind == "title":
            title = builder.last_text
        elif block.kind == "heading":
            headings.append(builder.last_text)
    if not title:
        title = doc_id.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").strip()
    return builder, title, headings


def _pages(builder: _Builder, body_end: int, last_line: int) -> list[Page]:
    firsts: dict[int, tuple[int, int]] = {}
    lasts: dict[int, int] = {}
    for off, page, line in builder.page_offsets:
        if off > body_end:
            continue
        firsts.setdefault(page, (off, line))
        lasts[page] = line
    numbers = sorted(firsts)
    pages = []
    for i, num in enumerate(numbers):
        start = 0 if i == 0 else firsts[num][0]
        end = firsts[numbers[i + 1]][0] if i + 1 < len(numbers) else body_end
        pages.append(
            Page(number=num, start=start, end=max(end, start), line_start=firsts[num][1], line_end=lasts[num])
        )
    if not pages:
        pages.append(Page(number=1, start=0, end=body_end, line_start=1, line_end=last_line))
    return pages


def _resolve_notes(
    notes: list[_Note], builder: _Builder, marker_pages: dict[str, int], warnings: list[str]
) -> list[Footnote]:
    """Append the notes to the text, resolve Idem/Ibid, and add missing notes for bare markers."""
    result: list[Footnote] = []
    defined = {n.label for n in notes}
    last_source: Footnote | None = None
    for note in notes:
        pieces = []
        for ln in note.lines:
            text, _ = _clean_line(ln.text, [])
            pieces.append(_Piece(text=text, line=ln.no, page=ln.page, markers=[], box=ln.box))
        if note.lines:
            first_text, _ = _clean_line(note.lines[0].text, [])
            m = _NOTE_START.match(first_text)
            if m and m.group(1) == note.label:
                pieces[0] = _Piece(text=m.group(2).strip(), line=note.lines[0].no, page=note.page, markers=[],
                                   box=note.lines[0].box)
        start, end = builder.add_block("note", pieces)
        text = builder.last_text
        source = None
        refers_to = None
        idem = _IDEM.match(text)
        if idem and last_source is not None and last_source.text:
            refers_to = last_source.label
            source = _idem_source(last_source.text, idem.group(1).strip())
        fn = Footnote(
            label=note.label,
            text=text,
            page=note.page,
            source=source,
            refers_to=refers_to,
            start=start,
            end=end,
            line_start=note.lines[0].no if note.lines else None,
            line_end=note.lines[-1].no if note.lines else None,
        )
        result.append(fn)
        if not idem:
            last_source = fn
    for label, page in marker_pages.items():
        if label not in defined:
            warnings.append(f"marker {label} on page {page} has no note text in the source")
            result.append(Footnote(label=label, text=None, page=page, missing=True))
    return sorted(result, key=_label_key)


def _label_key(note: Footnote) -> tuple[int, int, str]:
    if note.label.isdigit():
        return (1, int(note.label), "")
    return (0, 0, note.label)


def _idem_source(base: str, rest: str) -> str:
    """The source an Idem note stands for: its base note with the Idem's own page reference."""
    rest = rest.strip().rstrip(".").strip()
    if not rest:
        return base
    ref = _PAGE_REF.search(rest)
    if ref and _PAGE_REF.search(base):
        return _PAGE_REF.sub(lambda _m: ref.group(0), base, count=1)
    return f"{base.rstrip('.')}, {rest}."


def _finish(
    *,
    builder: _Builder,
    notes: list[_Note],
    marker_pages: dict[str, int],
    doc_id: str,
    source_path: str,
    sha256: str,
    title: str,
    headings: list[str],
    artefacts: list[Artefact],
    warnings: list[str],
    last_line: int,
    source_format: str = "text",
) -> Document:
    body_end = builder.length
    footnotes = _resolve_notes(notes, builder, marker_pages, warnings)
    cited = {m.label for m in builder.markers}
    for fn in footnotes:
        if not fn.missing and fn.label not in cited:
            warnings.append(f"note {fn.label} (page {fn.page}) has no marker in the text")
    return Document(
        doc_id=doc_id,
        source_path=source_path,
        title=title,
        text=builder.text,
        sha256=sha256,
        pages=_pages(builder, body_end, last_line),
        paragraphs=builder.paragraphs,
        sentences=builder.sentences,
        headings=headings,
        footnotes=footnotes,
        markers=builder.markers,
        artefacts=artefacts,
        warnings=warnings,
        line_map=builder.line_map,
        body_end=body_end,
        boxes=builder.boxes,
        source_format=source_format,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- PDF-extracted text


def _split_pages(lines: list[str]) -> tuple[list[list[_Line]], list[list[_Line]]]:
    """Split source lines into per-page body lines and note lines."""
    starts_ws = sum(1 for ln in lines if ln.strip() and ln[:1] in (" ", "\t"))
    nonblank = sum(1 for ln in lines if ln.strip())
    leading_space_breaks = nonblank > 0 and starts_ws / nonblank <= 0.15
    bodies: list[list[_Line]] = [[]]
    notes: list[list[_Line]] = [[]]
    in_notes = False

    def new_page() -> None:
        bodies.append([])
        notes.append([])

    for i, raw in enumerate(lines, start=1):
        if "\f" in raw:
            if bodies[-1] or notes[-1]:
                new_page()
            in_notes = False
            raw = raw.replace("\f", "")
        page = len(bodies)
        blank = not raw.strip()
        is_sep = blank and len(raw) >= _SEPARATOR_MIN_SPACES and raw.strip(" \t") == ""
        starts_space = raw[:1] in (" ", "\t")
        has_content = any(ln.text.strip() for ln in bodies[-1]) or bool(notes[-1])
        if leading_space_breaks and starts_space and not is_sep and has_content:
            new_page()
            in_notes = False
            page = len(bodies)
        if is_sep and not in_notes:
            in_notes = True
            continue
        if in_notes:
            if not blank:
                notes[-1].append(_Line(i, raw, page))
            continue
        bodies[-1].append(_Line(i, raw, page))
    return bodies, notes


def _trailing_notes(bodies: list[list[_Line]], note_pages: list[list[_Line]], warnings: list[str]) -> None:
    """Move each page's trailing notes from its body lines into ``note_pages`` (pdftotext's layout).

    A page's notes are the last lines before its page number that parse as notes in sequence:
    "N text" lines (and their continuation lines), or a run of bare labels followed by as many
    text lines, each label in turn. A label counts only when the body above holds a marker for
    it (glued or set off by a space). Lines just above the notes that are longer than body
    lines (notes are set smaller, so more words fit a line) continue the previous page's last
    note when that note ends mid-sentence; those are reported, since a .txt has no fonts.
    """
    body_lengths = sorted(len(ln.text.strip()) for lines in bodies for ln in lines if len(ln.text.strip()) > 20)
    typical = body_lengths[len(body_lengths) // 2] if body_lengths else 0  # the median: notes are few
    expected = 1
    last_note_open = False
    for page_i, lines in enumerate(bodies):
        content = [i for i, ln in enumerate(lines) if ln.text.strip()]
        while content and _PAGE_NUMBER_LINE.match(lines[content[-1]].text):
            content = content[:-1]
        found: tuple[int, list[_Line], int] | None = None
        for ci in range(len(content)):
            parsed = _parse_tail(lines, content[ci:], expected)
            if parsed is None:
                continue
            notes_lines, next_expected, labels = parsed
            above = " ".join(lines[j].text for j in content[:ci])
            if all(_has_marker(above, lab) for lab in labels):
                found = (ci, notes_lines, next_expected)
                break
        if found is None:
            continue
        ci, notes_lines, expected = found
        moved = {id(lines[j]) for j in content[ci:]}  # the notes' own lines, to the page's end
        cont: list[_Line] = []
        if last_note_open and typical:
            # the note's own last line may be short; above it, its lines are longer than the body's
            k = ci - 2
            while k >= 0 and len(lines[content[k]].text.strip()) > 1.15 * typical:
                k -= 1
            if k < ci - 2 or (ci >= 1 and len(lines[content[ci - 1]].text.strip()) > 1.15 * typical):
                cont = [lines[content[j]] for j in range(k + 1, ci)]
            if cont:
                warnings.append(
                    f"lines {cont[0].no}-{cont[-1].no} taken as the rest of the previous page's last note, "
                    "from their length (the text has no font sizes)"
                )
        moved |= {id(ln) for ln in cont}
        note_pages[page_i] = cont + notes_lines
        bodies[page_i] = [ln for ln in lines if id(ln) not in moved]
        last_text = notes_lines[-1].text.strip() if notes_lines else ""
        last_note_open = bool(last_text) and not _TERMINAL.search(last_text)


def _has_marker(text: str, label: str) -> bool:
    for m in list(_NUM_MARKER.finditer(text)) + list(_SPACED_MARKER.finditer(text)) + list(_SYM_MARKER.finditer(text)):
        if m.group(1) == label:
            return True
    return False


def _parse_tail(lines: list[_Line], idx: list[int], expected: int) -> tuple[list[_Line], int, list[str]] | None:
    """Parse lines ``idx`` (to the page's end) as notes starting with label ``expected`` (or a
    note symbol); return the note lines (each note's first line as "label text"), the next
    expected number and the labels, or None when they are not all notes."""
    out: list[_Line] = []
    labels: list[str] = []
    k = 0
    nxt = expected

    def fits(label: str) -> bool:
        return label == str(nxt) or (not label.isdigit() and label not in labels)

    while k < len(idx):
        ln = lines[idx[k]]
        text = ln.text.strip()
        bare = _LABEL_ONLY.match(text)
        if bare:  # a run of bare labels, then their texts in turn
            run: list[str] = []
            while k < len(idx) and (b := _LABEL_ONLY.match(lines[idx[k]].text)) and fits(b.group(1)):
                run.append(b.group(1))
                labels.append(b.group(1))
                if b.group(1).isdigit():
                    nxt += 1
                k += 1
            if not run:
                return None
            texts = idx[k:k + len(run)]
            if len(texts) < len(run) or any(_LABEL_ONLY.match(lines[j].text) for j in texts):
                return None
            for lab, j in zip(run, texts, strict=True):
                out.append(_Line(lines[j].no, f"{lab} {lines[j].text.strip()}", lines[j].page))
            k += len(run)
            continue
        m = _NOTE_START.match(text)
        if m and fits(m.group(1)):
            labels.append(m.group(1))
            if m.group(1).isdigit():
                nxt += 1
            out.append(ln)
        elif out:
            out.append(ln)  # a note's next line
        else:
            return None
        k += 1
    return (out, nxt, labels) if labels else None


def _parse_notes(note_pages: list[list[_Line]], artefacts: list[Artefact]) -> list[_Note]:
    notes: list[_Note] = []
    last_num: int | None = None
    for lines in note_pages:
        for ln in lines:
            text = ln.text.strip()
            m = _NOTE_START.match(text)
            label = m.group(1) if m else None
            starts = False
            if label is not None and m is not None:
                if label.isdigit():
                    num = int(label)
                    upper = bool(_OPENS_SENTENCE.match(m.group(2)))
                    if last_num is None:
                        starts = upper or num == 1
                    elif num == last_num + 1 or (last_num + 1 < num <= last_num + 3 and upper):
                        starts = True
                    if starts:
                        last_num = num
                else:
                    starts = label not in {n.label for n in notes}
            if starts and label is not None:
                notes.append(_Note(label=label, page=ln.page, lines=[ln]))
            elif notes:
                notes[-1].lines.append(ln)
            elif _PAGE_NUMBER_LINE.match(text):
                artefacts.append(Artefact(kind="page-number", text=text, line=ln.no))
            else:
                artefacts.append(Artefact(kind="orphan-note-text", text=text, line=ln.no))
    return notes


def _find_markers(
    bodies: list[list[_Line]], notes: list[_Note], *, spaced: bool = False
) -> dict[int, list[tuple[int, int, str]]]:
    """Marker spans per source line, found in the notes' order (module docstring). With
    ``spaced``, a number set off by a space after closing punctuation ("workshop. 1 Its", as
    pdftotext writes a marker it sees apart from its word) is a candidate too."""
    cands: list[tuple[int, int, int, int, str]] = []  # (line, start, end, page, label)
    for lines in bodies:
        for ln in lines:
            for m in _NUM_MARKER.finditer(ln.text):
                cands.append((ln.no, m.start(1), m.end(1), ln.page, m.group(1)))
            if spaced:
                for m in _SPACED_MARKER.finditer(ln.text):  # the space goes with it: "one? 2 Its"
                    cands.append((ln.no, m.start(), m.end(1), ln.page, m.group(1)))
            for m in _SYM_MARKER.finditer(ln.text):
                cands.append((ln.no, m.start(1), m.end(1), ln.page, m.group(1)))
    cands.sort()
    chosen: dict[int, tuple[int, int, int, int, str]] = {}  # cand index -> cand

    def first(label: str, lo: int, hi: int, max_page: int | None) -> int | None:
        for idx in range(lo + 1, hi):
            c = cands[idx]
            if c[4] == label and (max_page is None or c[3] <= max_page) and idx not in chosen:
                return idx
        return None

    numeric = sorted((n for n in notes if n.label.isdigit()), key=lambda n: int(n.label))
    pos = -1
    placed: dict[int, int] = {}  # label -> cand index
    for note in numeric:
        idx = first(note.label, pos, len(cands), note.page)
        if idx is None:
            idx = first(note.label, pos, len(cands), None)
        if idx is not None:
            chosen[idx] = cands[idx]
            placed[int(note.label)] = idx
            pos = idx
    # Labels with no definition: gaps between placed markers, then past the last one.
    if placed:
        lo_label, hi_label = min(placed), max(placed)
        for label in range(1, hi_label):
            if label in placed or any(n.label == str(label) for n in numeric):
                continue
            if label < lo_label and lo_label > 3:
                continue
            before = max((placed[k] for k in placed if k < label), default=-1)
            after = min((placed[k] for k in placed if k > label), default=len(cands))
            idx = first(str(label), before, after, None)
            if idx is not None:
                chosen[idx] = cands[idx]
                placed[label] = idx
        label = hi_label + 1
        while True:
            idx = first(str(label), placed[label - 1], len(cands), None)
            if idx is None:
                break
            chosen[idx] = cands[idx]
            placed[label] = idx
            label += 1
    for note in notes:
        if not note.label.isdigit():
            idx = first(note.label, -1, len(cands), None)
            if idx is not None:
                chosen[idx] = cands[idx]
    by_line: dict[int, list[tuple[int, int, str]]] = {}
    for c in chosen.values():
        by_line.setdefault(c[0], []).append((c[1], c[2], c[4]))
    return by_line


def _printed_page_numbers(bodies: list[list[_Line]], notes: list[_Note], drop: set[int]) -> None:
    """Number pages as printed when the page-number lines found follow the pages (e.g. 15, 16,
    17 on the 1st, 2nd, 3rd page); else they stay numbered by position."""
    printed = {ln.page: int(ln.text.strip()) for lines in bodies for ln in lines
               if ln.no in drop and ln.text.strip().isdigit()}
    shifts = {num - page for page, num in printed.items()}
    if len(printed) < 2 or len(shifts) != 1:
        return
    shift = shifts.pop()
    if shift == 0:
        return
    for lines in bodies:
        for ln in lines:
            ln.page += shift
    for note in notes:
        note.page += shift
        for ln in note.lines:
            ln.page += shift


def _page_artefacts(bodies: list[list[_Line]], artefacts: list[Artefact]) -> set[int]:
    """Page numbers alone on the first or last line of a page, and repeated running heads."""
    drop: set[int] = set()
    for lines in bodies:
        content = [ln for ln in lines if ln.text.strip()]
        for ln in content[:1] + content[-1:]:
            if _PAGE_NUMBER_LINE.match(ln.text) and ln.no not in drop:
                drop.add(ln.no)
                artefacts.append(Artefact(kind="page-number", text=ln.text.strip(), line=ln.no))
    heads: dict[str, list[_Line]] = {}
    for lines in bodies:  # the first page's first line counts when later pages repeat it
        content = [ln for ln in lines if ln.text.strip() and ln.no not in drop]
        if content:
            key = re.sub(r"\d+", "#", content[0].text.strip())
            heads.setdefault(key, []).append(content[0])
    for same in heads.values():
        if len(same) >= 3 and len(same) >= len(bodies) // 2:
            for ln in same:
                drop.add(ln.no)
                artefacts.append(Artefact(kind="running-head", text=ln.text.strip(), line=ln.no))
    return drop


def _wrap_threshold(groups: list[list[_Piece]]) -> float:
    """Length below which a line was not wrapped: the 10th percentile of wrapped lines."""
    wrapped = sorted(len(g[i].text) for g in groups for i in range(len(g) - 1) if g[i].text)
    if len(wrapped) < 5:
        return float(max((len(p.text) for g in groups for p in g), default=80))
    return float(wrapped[len(wrapped) // 10])


def _heading_like(line: str) -> bool:
    if not line or len(line) > 150 or _TERMINAL.search(line):
        return False
    if line[-1] in ",;:-–—(/&" or not _OPENS_SENTENCE.match(line):
        return False
    # a section number ("1.", "2.3", "IV.") is not a sentence of its own
    if len(split_sentences(re.sub(r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.)\s+(?=\S)", "", line))) > 1:
        return False
    last = re.sub(r"[^\w]", "", line.split()[-1]).lower()
    return last not in _FUNCTION_WORDS


def _first_word(s: str) -> str:
    return s.split(" ", 1)[0] if s else ""


def read_text(source: str, *, doc_id: str, source_path: str = "", sha256: str = "") -> Document:
    """Read text extracted from a PDF (module docstring)."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    artefacts: list[Artefact] = []
    warnings: list[str] = []
    bodies, note_pages = _split_pages(lines)
    # pdftotext's own layout: pages at form feeds, notes at each page's end with no rule
    flowing = any("\f" in ln for ln in lines) and not any(note_pages)
    if flowing:
        _trailing_notes(bodies, note_pages, warnings)
        warnings.append("read as pdftotext's layout (form feeds, no note rule): notes were found from their "
                        "labels, order and markers, not from fonts")
    notes = _parse_notes(note_pages, artefacts)
    drop = _page_artefacts(bodies, artefacts)
    _printed_page_numbers(bodies, notes, drop)
    cuts = _find_markers(bodies, notes, spaced=flowing)
    marker_pages: dict[str, int] = {}
    for lines_ in bodies:
        for ln in lines_:
            for _a, _b, label in cuts.get(ln.no, []):
                marker_pages.setdefault(label, ln.page)

    # Groups: runs of non-blank body lines.
    groups: list[list[_Piece]] = []
    prev_blank = True
    for lines_ in bodies:
        prev_blank = True  # a page break ends a group
        for ln in lines_:
            if not ln.text.strip() or ln.no in drop:
                prev_blank = prev_blank or not ln.text.strip()
                continue
            text, marks = _clean_line(ln.text, cuts.get(ln.no, []))
            piece = _Piece(text=text, line=ln.no, page=ln.page, markers=marks)
            if prev_blank:
                groups.append([piece])
            else:
                groups[-1].append(piece)
            prev_blank = False
    threshold = _wrap_threshold(groups)

    def short(line: _Piece, nxt: _Piece | None) -> bool:
        return nxt is None or len(line.text) + 1 + len(_first_word(nxt.text)) < threshold

    if flowing:
        # pdftotext leaves no blank line between paragraphs: a line that ends a sentence well
        # short of the usual line length ends one
        lengths = sorted(len(p.text) for g in groups for p in g if len(p.text) > 20)
        usual = lengths[len(lengths) // 2] if lengths else 0
        split: list[list[_Piece]] = []
        for group in groups:
            split.append([])
            for k, piece in enumerate(group):
                split[-1].append(piece)
                nxt = group[k + 1] if k + 1 < len(group) else None
                if nxt is not None and _TERMINAL.search(piece.text) and len(piece.text) < 0.8 * usual:
                    split.append([])
        groups = [g for g in split if g]

    blocks: list[_Block] = []
    for gi, group in enumerate(groups):
        nxt_group_first = groups[gi + 1][0] if gi + 1 < len(groups) else None
        cur = blocks[-1] if blocks else None
        joined = False
        if cur is not None and cur.kind == "body":
            tail = cur.pieces[-1]
            if not _TERMINAL.search(tail.text):
                head = group[0].text
                if head[:1].islower() or not short(tail, group[0]) or tail.text.endswith(("-", ",", ";")):
                    cur.pieces.extend(group)
                    joined = True
        if joined:
            continue
        first = group[0]
        nxt = group[1] if len(group) > 1 else nxt_group_first
        opens_next = nxt is not None and bool(_OPENS_SENTENCE.match(nxt.text))
        is_title = not blocks and first.page == groups[0][0].page
        if (
            _heading_like(first.text)
            and opens_next
            and (len(group) == 1 or is_title or short(first, nxt))
        ):
            kind = "title" if is_title else "heading"
            blocks.append(_Block(kind, [first]))
            rest = group[1:]
            if rest:
                blocks.append(_Block("body", rest))
        else:
            blocks.append(_Block("body", list(group)))

    builder, title, headings = _emit(blocks, doc_id)
    return _finish(
        builder=builder,
        notes=notes,
        marker_pages=marker_pages,
        doc_id=doc_id,
        source_path=source_path,
        sha256=sha256 or hashlib.sha256(source.encode()).hexdigest(),
        title=title,
        headings=headings,
        artefacts=artefacts,
        warnings=warnings,
        last_line=len(lines),
    )


# --------------------------------------------------------------------------- Markdown

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:\s*(.*)$")
_MD_MARKER = re.compile(r"\[\^([^\]\s]+)\]")


def read_markdown(source: str, *, doc_id: str, source_path: str = "", sha256: str = "") -> Document:
    """Read Markdown: ``#`` headings (the first level-1 heading is the title), paragraphs
    separated by blank lines, and ``[^label]`` footnotes with ``[^label]: text`` definitions
    (indented lines continue a definition). A Markdown file has one page."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    notes: list[_Note] = []
    blocks: list[_Block] = []
    cur: list[_Piece] | None = None
    in_note = False
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            cur = None
            continue
        m_def = _MD_NOTE_DEF.match(raw)
        if m_def:
            notes.append(_Note(label=m_def.group(1), page=1, lines=[_Line(i, m_def.group(2), 1)]))
            in_note, cur = True, None
            continue
        if in_note and raw[:1] in (" ", "\t"):
            notes[-1].lines.append(_Line(i, raw, 1))
            continue
        in_note = False
        m_head = _MD_HEADING.match(raw)
        if m_head:
            text, _ = _clean_line(m_head.group(2), [])
            kind = "title" if m_head.group(1) == "#" and not any(b.kind == "title" for b in blocks) and not any(b.kind == "body" for b in blocks) else "heading"
            blocks.append(_Block(kind, [_Piece(text, i, 1, [])]))
            cur = None
            continue
        cuts = [(m.start(), m.end(), m.group(1)) for m in _MD_MARKER.finditer(raw)]
        text, marks = _clean_line(raw, cuts)
        piece = _Piece(text, i, 1, marks)
        if cur is None:
            cur = [piece]
            blocks.append(_Block("body", cur))
        else:
            cur.append(piece)
    builder, title, headings = _emit(blocks, doc_id)
    marker_pages = {m.label: 1 for m in builder.markers}
    return _finish(
        builder=builder,
        notes=notes,
        marker_pages=marker_pages,
        doc_id=doc_id,
        source_path=source_path,
        sha256=sha256 or hashlib.sha256(source.encode()).hexdigest(),
        title=title,
        headings=headings,
        artefacts=[],
        warnings=[],
        last_line=len(lines),
        source_format="markdown",
    )


def plain_document(doc_id: str, title: str, body: str, *, source_path: str = "") -> Document:
    """A Document from a title and plain body text (one page, paragraphs at blank lines).

    For corpora that come as records rather than files, such as benchmark collections."""
    builder = _Builder()
    headings: list[str] = []
    line = 1
    if title.strip():
        builder.add_block("title", [_Piece(" ".join(title.split()), line, 1, [])])
    for para in re.split(r"\n\s*\n", body):
        text = " ".join(para.split())
        line += 1
        if text:
            builder.add_block("body", [_Piece(text, line, 1, [])])
    return _finish(
        builder=builder, notes=[], marker_pages={}, doc_id=doc_id, source_path=source_path,
        sha256=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(),
        title=" ".join(title.split()) or doc_id, headings=headings, artefacts=[], warnings=[],
        last_line=line, source_format="plain",
    )
