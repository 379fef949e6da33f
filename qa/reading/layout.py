"""The document-assembly kit every reader builds on: lines, pieces of text with their markers,
blocks (title, heading, body), notes; :func:`emit` turns blocks into clean text with sentences,
paragraphs and a line map, and :func:`finish` resolves the notes against the markers and makes
the Document. Readers (``text``, ``markdown``, ``records``, ``pdf``) only find the blocks."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from qa.models import Artefact, Document, Footnote, LineBox, Marker, Page, Paragraph, Sentence
from qa.reading.sentences import split_sentences

logger = logging.getLogger(__name__)

__all__ = ["NOTE_START", "TERMINAL", "Block", "Builder", "Line", "Note", "Piece", "clean_line", "emit", "finish"]

# --------------------------------------------------------------------------- patterns

TERMINAL = re.compile(r"[.!?…][\"”’'»)\]]*$")
NOTE_START = re.compile(r"^\s*(\*{1,3}|[†‡§]|\d{1,3})[.)]?\s+(\S.*)$")
_IDEM = re.compile(r"^(?:idem|ibid(?:em)?|id)\.?\s*[,.;:]?\s*(.*)$", re.IGNORECASE)
_PAGE_REF = re.compile(
    r"\b(?:pages?|pp?\.)\s*\d+(?:\s*(?:-|–|and|&|,)\s*\d+)*", re.IGNORECASE
)


# --------------------------------------------------------------------------- shared pieces


@dataclass
class Line:
    no: int  # 1-based source line
    text: str
    page: int
    box: tuple[int, float, float, float, float] | None = None  # PDF: page index, x0, top, x1, bottom


@dataclass
class Note:
    label: str
    page: int
    lines: list[Line] = field(default_factory=list)


@dataclass
class Piece:
    """A line's clean text, with the markers removed from it."""

    text: str
    line: int
    page: int
    markers: list[tuple[str, int]]
    glue: bool = False  # joins the previous piece with no space (a line-end hyphen was dropped)
    box: tuple[int, float, float, float, float] | None = None  # PDF: page index, x0, top, x1, bottom


@dataclass
class Block:
    kind: str  # title | heading | body
    pieces: list[Piece]


def clean_line(text: str, cuts: list[tuple[int, int, str]]) -> tuple[str, list[tuple[str, int]]]:
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


def join_fragment(prev: str, nxt: str) -> str:
    """The separator between two joined lines: none after a line-end hyphen inside a word."""
    if len(prev) >= 2 and prev[-1] == "-" and prev[-2].isalpha() and nxt[:1].isalpha():
        return ""
    return " "


class Builder:
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

    def add_block(self, kind: str, pieces: list[Piece]) -> tuple[int, int]:
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
                self._emit("" if piece.glue else join_fragment(prev_text, piece.text))
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


def emit(blocks: list[Block], doc_id: str) -> tuple[Builder, str, list[str]]:
    """Blocks -> clean text; the title (or one made from the file name) and the headings."""
    builder = Builder()
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


def _pages(builder: Builder, body_end: int, last_line: int) -> list[Page]:
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
    notes: list[Note], builder: Builder, marker_pages: dict[str, int], warnings: list[str]
) -> list[Footnote]:
    """Append the notes to the text, resolve Idem/Ibid, and add missing notes for bare markers."""
    result: list[Footnote] = []
    defined = {n.label for n in notes}
    last_source: Footnote | None = None
    for note in notes:
        pieces = []
        for ln in note.lines:
            text, _ = clean_line(ln.text, [])
            pieces.append(Piece(text=text, line=ln.no, page=ln.page, markers=[], box=ln.box))
        if note.lines:
            first_text, _ = clean_line(note.lines[0].text, [])
            # the note's own label, however many digits (NOTE_START, for plain text, takes three)
            m = re.match(rf"^\s*{re.escape(note.label)}[.)]?\s+(\S.*)$", first_text)
            if m:
                pieces[0] = Piece(text=m.group(1).strip(), line=note.lines[0].no, page=note.page, markers=[],
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
    if len({n.label for n in result}) < len(result):
        return result  # labels that come again (numbering restarting by chapter): the reading's order
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


def finish(
    *,
    builder: Builder,
    notes: list[Note],
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


