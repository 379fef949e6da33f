"""PDF -> Document, from the page layout (pdfplumber, on pdfminer.six; MIT).

A text extraction loses what tells a footnote from the text; the page layout keeps it, and
this reader goes by layout only, never by one document's words or by bare digits:

* Words come with their font size and position. Lines are words on one baseline, read in the
  order of the page's content stream (a two-column page is read column by column, and said).
* The body size is the largest size that sets a fifth of the document's characters.
* A **marker** is a word of digits or a note symbol (``*``, ``†``...) set smaller than its line
  and raised above the line's baseline (also when the line break carried it alone to the next
  line's start); or a label that the PDF links to a point of its page where a smaller line
  starts, wherever and however it is set (LaTeX's hyperref, LibreOffice, FOP and Acrobat write
  such links: "system.1" on the baseline is a marker, "1999" with no link is not).
* The **note area** of a page is what lies below the footnote rule (a short, thin horizontal
  rule); without a rule, the run of smaller lines at the foot of the page that starts with a
  note label, or the lines from the first point a marker links to. A line a marker links to
  opens that marker's note, its label split off where it is glued to the text ("⁴Having"). A note starts with its label at the left edge of the area (raised, or followed by
  the hanging indent the other notes share); lines before the first label continue the previous
  page's last note.
* **Running heads and page numbers** are the top and bottom lines of pages that repeat from
  page to page (digits aside) or hold only a number; they are kept out of the text and reported
  as artefacts. A page is cited by its /PageLabels entry, else by the printed page number when
  those numbers follow the pages, else by its position. Front matter in roman numerals is
  cited as printed ("p. iv"): the page's label holds the numeral, its number their value.
* A raised label that no note of its page (or the next) answers, in a reading whose markers
  nearly all find theirs, is an exponent ("I² = 99%"), kept in the text with a warning.
* The title is the first page's largest text; a heading is a line larger or bolder than the
  body. Paragraphs break where a line ending a sentence is followed by a larger gap, an indent
  or a short line, and join across pages and columns when a sentence runs on.
* A hyphen at a line end is kept when the document writes the word with it inside a line,
  dropped when it spells the word whole elsewhere; with no such evidence an English word list
  decides ("demon-" + "strates" -> "demonstrates", "cross-" + "border" -> "cross-border").
"""

from __future__ import annotations

import hashlib
import logging
import re
import statistics
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qa.errors import DocumentError, PageNotFoundError
from qa.models import Artefact, Document, Page
from qa.reading.layout import TERMINAL, Block, Line, Note, Piece, emit, finish
from qa.reading.words import english_words, known_words

logger = logging.getLogger(__name__)

__all__ = ["read_pdf"]

_LABEL = re.compile(r"^(?:\d{1,4}|\*{1,3}|[†‡§])$")  # a book may number past 999
_NUMBER_ONLY = re.compile(r"^(?:[-–—]\s*)?(\d{1,4}|[ivxlcdm]{1,7})(?:\s*[-–—])?$", re.IGNORECASE)
_OPENS_LOWER = re.compile(r"^[\"“‘'«(\[]?[a-zß-öø-ÿ]")
_WORD_CHARS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


@dataclass(slots=True)
class _W:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    link: float | None = None  # a label linked to a point lower on its page (a note's start): that point's top
    # a marker by other evidence than its rise: carried by the line break to the next line's start,
    # or a symbol glued to a word ("Sadipscing†") that opens a note of the page
    evident: bool = False


@dataclass(slots=True)
class _PLine:
    index: int  # page index, 0-based
    words: list[_W]
    size: float = 0.0
    base: float = 0.0
    no: int = 0  # 1-based line number over the whole document

    def settle(self) -> None:
        """Main size (the size most characters have) and the baseline of those words."""
        # raised smaller words (markers, a note's label) have no vote: "12 I insist ..." is set in
        # the size of "I insist", however short the line is so far
        big = max(w.size for w in self.words)
        big_base = statistics.median(w.bottom for w in self.words if w.size == big)
        sizes: Counter[float] = Counter()
        for w in self.words:
            if not (w.size <= 0.85 * big and w.bottom <= big_base - 0.12 * big):
                sizes[w.size] += len(w.text)
        # ties go to the larger size: a raised label and a one-letter word ("1" "A") are the note's start
        self.size = max(sizes, key=lambda sz: (sizes[sz], sz))
        self.base = statistics.median(w.bottom for w in self.words if w.size == self.size)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def bold(self) -> bool:
        """All its words are bold, raised smaller ones aside (a title's note marker "*" is set
        in the regular face)."""
        return all(w.bold for w in self.words if w.text.strip(".,;:") and not _is_raised(w, self))

    def text(self, skip: set[int] | None = None) -> tuple[str, list[tuple[str, int]]]:
        """The line's text without the words at ``skip``; markers (label, offset) for those."""
        out = ""
        marks: list[tuple[str, int]] = []
        prev: _W | None = None
        for i, w in enumerate(self.words):
            if skip and i in skip:
                marks.append((w.text, len(out)))
                prev = w
                continue
            if prev is not None and out and w.x0 - prev.x1 > 0.12 * max(min(w.size, prev.size), 1.0):
                out += " "
            out += w.text
            prev = w
        return out, marks

    def box(self) -> tuple[int, float, float, float, float]:
        return (self.index, round(self.x0, 1), round(self.top, 1), round(self.x1, 1), round(self.bottom, 1))


def _is_raised(w: _W, line: _PLine) -> bool:
    """Smaller than the line and lifted above its baseline: a superscript."""
    return w.size <= 0.85 * line.size and w.bottom <= line.base - 0.12 * line.size


def _same_line(line: _PLine, w: _W) -> bool:
    size = max(line.size, 1.0)
    if w.x0 < line.x1 - 1.5 * size:  # went back left: a new line (or column)
        return False
    if abs(w.bottom - line.base) <= 0.25 * max(w.size, size):
        return True
    # a superscript next to the line's last word
    if w.size <= 0.85 * size and line.top - 0.5 * size <= w.top and w.bottom <= line.base and w.x0 - line.x1 < size:
        return True
    # the line so far is a lone superscript (a raised note label) and this word sits just below it
    if all(x.size <= 0.85 * w.size for x in line.words) and w.top <= line.bottom <= w.bottom + 0.5:
        return True
    # a lone label a little smaller than the word right after it, and raised (LibreOffice sets
    # a note's label at 58% of the body size, which may be 7 points before an 8-point note)
    first = line.words[0]
    return (len(line.words) == 1 and _is_label_word(first) and first.size < w.size - 0.4
            and 0 <= w.x0 - first.x1 < 2 * w.size and w.top <= first.bottom < w.bottom - 0.1 * w.size)


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_LINKED_LABEL = re.compile(r"^[\d⁰¹²³⁴⁵⁶⁷⁸⁹]{1,4}$|^\*{1,3}$|^[†‡§]$")


def _page_lines(page: Any, index: int, links: list[tuple[float, float, float, float, float]] | None = None) -> list[_PLine]:
    # a gap of 0.15 em splits words: TeX sets no space glyphs, and its tightest justified
    # spaces (about 0.2 em) fall under pdfplumber's fixed 3-point default at 11 points
    words = page.extract_words(extra_attrs=["size", "fontname"], use_text_flow=True, keep_blank_chars=False,
                               x_tolerance_ratio=0.15, return_chars=bool(links))
    lines: list[_PLine] = []
    # one object for each value the page repeats (a line's top and bottom, its size, a word like
    # "the"): the words of every page are held until the document is cut
    same: dict[float, float] = {}
    for raw in words:
        if not raw.get("upright", True):
            continue
        font = str(raw.get("fontname", "")).split("+", 1)[-1].lower()
        top, bottom, size = float(raw["top"]), float(raw["bottom"]), round(float(raw["size"]), 1)
        w = _W(text=sys.intern(raw["text"]), x0=float(raw["x0"]), x1=float(raw["x1"]), top=same.setdefault(top, top),
               bottom=same.setdefault(bottom, bottom), size=same.setdefault(size, size),
               bold="bold" in font or "black" in font or "heavy" in font)
        for part in _split_linked(w, raw.get("chars") or [], links) if links else (w,):
            if lines and _same_line(lines[-1], part):
                lines[-1].words.append(part)
            else:
                lines.append(_PLine(index=index, words=[part]))
            lines[-1].settle()
    return lines


def _split_linked(w: _W, chars: list[dict[str, Any]], links: list[tuple[float, float, float, float, float]]) -> list[_W]:
    """The word cut where a link to a point lower on the page covers a label in it ("system1",
    "point:⁵"): a marker set at the text's size on its baseline, known by its link to the note."""
    for x0, top, x1, bottom, dest in links:
        if w.x1 <= x0 or w.x0 >= x1 or w.bottom <= top or w.top >= bottom:
            continue
        inside = [i for i, c in enumerate(chars)
                  if x0 - 0.5 <= (float(c["x0"]) + float(c["x1"])) / 2 <= x1 + 0.5
                  and top - 0.5 <= (float(c["top"]) + float(c["bottom"])) / 2 <= bottom + 0.5]
        if not inside or inside != list(range(inside[0], inside[-1] + 1)):
            continue
        a, b = inside[0], inside[-1] + 1
        # a link may cover part of its label (the "0" of "10", from Word): the label is the whole
        # run of label characters of that size around it
        size = float(chars[a].get("size", 0.0))
        while a > 0 and _LINKED_LABEL.match(str(chars[a - 1]["text"])) and abs(float(chars[a - 1].get("size", 0.0)) - size) < 0.1:
            a -= 1
        while b < len(chars) and _LINKED_LABEL.match(str(chars[b]["text"])) and abs(float(chars[b].get("size", 0.0)) - size) < 0.1:
            b += 1
        label = "".join(str(c["text"]) for c in chars[a:b])
        if not _LINKED_LABEL.match(label):
            continue
        parts = []
        if a > 0:
            parts.append(replace(w, text="".join(str(c["text"]) for c in chars[:a]), x1=float(chars[a - 1]["x1"])))
        parts.append(replace(w, text=label.translate(_SUPERSCRIPT), x0=float(chars[a]["x0"]),
                             x1=float(chars[b - 1]["x1"]), link=dest))
        if b < len(chars):
            parts += _split_linked(replace(w, text="".join(str(c["text"]) for c in chars[b:]), x0=float(chars[b]["x0"])),
                                   chars[b:], links)
        return parts
    return [w]


def _links(pdf: Any, page: Any, index: int, ids: dict[int, int]) -> list[tuple[float, float, float, float, float]]:
    """The page's links to a point lower on the same page, as (x0, top, x1, bottom, that point's
    top): a note's marker links to the note in PDFs from LaTeX (hyperref), LibreOffice, FOP or
    Acrobat. Anything unreadable in the annotations is no link; nothing else depends on them."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral

    out = []
    try:
        if page.rotation:
            return []
        y1 = float(page.mediabox[3])
        for ref in resolve1(page.page_obj.annots) or []:
            a = resolve1(ref)
            if not isinstance(a, dict) or "Link" not in str(resolve1(a.get("Subtype"))):
                continue
            action = resolve1(a.get("A"))
            dest = resolve1(action.get("D")) if isinstance(action, dict) and "GoTo" in str(
                resolve1(action.get("S"))) else resolve1(a.get("Dest"))
            if isinstance(dest, (bytes, str, PSLiteral)):
                dest = resolve1(pdf.doc.get_dest(dest.name if isinstance(dest, PSLiteral) else dest))
            if isinstance(dest, dict):
                dest = resolve1(dest.get("D"))
            if not isinstance(dest, list) or len(dest) < 2:
                continue
            target = dest[0]
            target_index = ids.get(getattr(target, "objid", -1), target if isinstance(target, int) else -1)
            kind = str(resolve1(dest[1]))
            top_value = dest[3] if "XYZ" in kind and len(dest) > 3 else dest[2] if "FitH" in kind or "FitBH" in kind \
                else dest[5] if "FitR" in kind and len(dest) > 5 else None
            top_value = resolve1(top_value)
            rect = [float(resolve1(v)) for v in resolve1(a.get("Rect"))]
            if target_index != index or not isinstance(top_value, (int, float)):
                continue
            x0, x1 = sorted((rect[0], rect[2]))
            top, bottom = sorted((y1 - rect[1], y1 - rect[3]))
            dest_top = y1 - float(top_value)
            if dest_top > (top + bottom) / 2:  # below the link (a raised marker's box may reach the note's line)
                out.append((x0, top, x1, bottom, dest_top))
    except Exception:  # a malformed annotation: read the page without its links
        return out
    return out


def _rules(page: Any) -> list[tuple[float, float, float]]:
    """Thin horizontal rules on the page: (top, x0, width)."""
    out = []
    for obj in list(page.rects) + list(page.lines):
        height = abs(float(obj["bottom"]) - float(obj["top"]))
        width = float(obj["x1"]) - float(obj["x0"])
        if height <= 1.5 and width >= 20:
            out.append((float(obj["top"]), float(obj["x0"]), width))
    return out


def _not_underlines(rules: list[tuple[float, float, float]], lines: list[_PLine]) -> list[tuple[float, float, float]]:
    """The rules that underline no text: a link underlined in a note is no footnote rule."""
    def under(top: float, x0: float, width: float) -> bool:
        return any(ln.top < top <= ln.bottom + 1.5 and ln.x0 < x0 + width and x0 < ln.x1 for ln in lines)

    return [r for r in rules if not under(*r)]


@dataclass
class _Page:
    index: int
    width: float
    height: float
    label: str | None
    lines: list[_PLine]
    rules: list[tuple[float, float, float]]
    head: list[_PLine] = field(default_factory=list)
    foot: list[_PLine] = field(default_factory=list)
    notes: list[_PLine] = field(default_factory=list)
    body: list[_PLine] = field(default_factory=list)
    printed: str | None = None  # the page number printed on it: "12", or "iv" in front matter
    images: int = 0
    starts: dict[int, str] = field(default_factory=dict)  # line no -> the label a link says opens a note there
    columns: list[float] = field(default_factory=list)  # left edges of columns with notes of their own


def _open(path: Path) -> Any:
    try:
        import pdfplumber
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DocumentError("Reading PDF files needs pdfplumber: pip install pdfplumber") from exc
    try:
        return pdfplumber.open(str(path))
    except FileNotFoundError as exc:
        raise DocumentError(f"Cannot read '{path}': no such file.") from exc
    except Exception as exc:  # pdfplumber wraps pdfminer's errors in PdfminerException
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc.__context__
        name = type(cause).__name__ if cause is not None else type(exc).__name__
        if "Password" in name or "Encryption" in name:
            raise DocumentError(
                f"'{path}' is encrypted with a password; save a copy without one (e.g. print it to PDF) "
                "and put that in the corpus."
            ) from exc
        detail = str(cause or exc).strip() or name
        raise DocumentError(f"'{path}' is not a readable PDF (damaged or truncated?): {detail}") from exc


def _read_pages(path: Path, on_page: Callable[[int, int], None] | None) -> list[_Page]:
    pdf = _open(path)
    pages: list[_Page] = []
    try:
        total = len(pdf.pages)
        ids = {page.page_obj.pageid: i for i, page in enumerate(pdf.pages)}
        for i, page in enumerate(pdf.pages):
            try:
                label = page.page_obj.label
            except Exception:
                label = None
            try:
                lines = _page_lines(page, i, _links(pdf, page, i, ids))
                pages.append(_Page(index=i, width=float(page.width), height=float(page.height),
                                   label=str(label) if label else None, lines=lines,
                                   rules=_not_underlines(_rules(page), lines), images=len(page.images)))
            except Exception as exc:
                raise DocumentError(f"'{path}': page {i + 1} cannot be read: {exc}") from exc
            finally:
                page.close()  # pdfplumber keeps each page's objects otherwise (~2.5 MB a page)
            if on_page is not None:
                on_page(i + 1, total)
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(f"'{path}' is not a readable PDF (damaged or truncated?): {exc}") from exc
    finally:
        pdf.close()
    return pages


# --------------------------------------------------------------------------- page zones


def _shape(line: _PLine) -> str:
    """What repeats in a running head: its text with the digits masked, and its size."""
    text, _ = line.text()
    shape = re.sub(r"\d+", "#", " ".join(text.split())).lower()
    # a roman page number at either end too: front matter's "Guide iii", "Guide iv"
    return f"{line.size}|" + re.sub(r"^[ivxlc]{1,7}(?= )|(?<= )[ivxlc]{1,7}$", "#", shape)


HEAD_BAND = 0.30  # running heads and feet lie in the top and bottom 30% of the page (a tall top margin pushes a
NUMBER_BAND = 0.15  # three-line head past 15%); a bare page number only in the outer 15%, where headings rarely sit
_EDGE_NUMBER = re.compile(r"^(\d{1,4})\s+\S|\S\s+(\d{1,4})$")
_EDGE_ROMAN = re.compile(r"^([ivxlc]{1,7})\s+\S|\S\s+([ivxlc]{1,7})$")  # lower case only: "Part II" is a title
_OF_TOTAL = re.compile(r"(?:^|\s)(\d{1,4})\s*(?:/|of)\s*\d{1,4}$", re.IGNORECASE)  # "3 / 57", "Page 3 of 57"


def _joined(rules: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Rules drawn in pieces end to end at one height, as one rule each."""
    out: list[tuple[float, float, float]] = []
    for top, x0, width in sorted(rules, key=lambda r: (round(r[0], 0), r[1])):
        if out and abs(out[-1][0] - top) <= 0.5 and out[-1][1] + out[-1][2] + 2.0 >= x0:
            t, a, w = out[-1]
            out[-1] = (t, a, max(a + w, x0 + width) - a)
        else:
            out.append((top, x0, width))
    return out


def _margins(pages: list[_Page], artefacts: list[Artefact]) -> None:
    """Move running heads, running feet and page numbers out of the page's lines.

    A running head is a line near the top (a foot near the bottom) whose text, digits masked,
    and size repeat at the same height on other pages: several lines deep (a three-line head),
    different on odd and even pages, with the page number in it or beside it. A shape must come
    back, within 2 points of the same height, on at least a fifth of the pages (two at least),
    or on two pages in a row or two apart (a chapter's title as its head, placed by the side); body text that repeats (a refrain,
    a form) rarely falls at the same height. Lines above a wide rule at the top edge that other
    pages draw at the same height are a head too, whatever their text."""
    need = max(2, len(pages) // 5) if len(pages) >= 2 else 10**6  # a repeat needs pages to repeat on
    seen: dict[tuple[bool, str], list[tuple[int, float]]] = {}  # (at top, shape) -> (page, height)
    for p in pages:
        ordered = sorted(p.lines, key=lambda ln: ln.top)
        for ln in ordered[:5]:
            if ln.top <= HEAD_BAND * p.height:
                seen.setdefault((True, _shape(ln)), []).append((p.index, ln.top))
        for ln in ordered[-5:]:
            if ln.bottom >= (1 - HEAD_BAND) * p.height:
                seen.setdefault((False, _shape(ln)), []).append((p.index, ln.bottom))

    def repeats(line: _PLine, at_top: bool) -> bool:
        y = line.top if at_top else line.bottom
        pages_at = {i for i, h in seen.get((at_top, _shape(line)), []) if abs(h - y) <= 2.0}
        # a fifth of the pages; or two pages in a row, or two facing the same way (a head set
        # higher on even pages than on odd ones): a chapter's own head on a short chapter
        return len(pages_at) >= need or any(i + 1 in pages_at or i + 2 in pages_at for i in pages_at)

    # a wide rule near the top edge that another page draws at the same height: what stands above
    # it is the running head, however its text changes (recto and verso, a section's title)
    wide = {p.index: [top for top, _x0, width in _joined(p.rules) if width >= 0.5 * p.width and top <= NUMBER_BAND * p.height]
            for p in pages}
    head_rule: dict[int, float] = {}
    for p in pages:
        for top in sorted(wide[p.index]):
            if any(abs(t - top) <= 1.5 for q, tops in wide.items() if q != p.index for t in tops):
                above = [ln for ln in p.lines if ln.top < top]
                if above and len(above) <= 3 and all(ln.bottom <= top + 1.0 for ln in above):
                    head_rule[p.index] = top
                break

    def is_number(line: _PLine) -> str | None:
        """The line's text when it is a page number alone ("12", "- iv -"), "" when it is a
        number that cannot be a page's ("MMMM"), else None."""
        text, _ = line.text()
        m = _NUMBER_ONLY.match(" ".join(text.split()))
        if not m:
            return None
        return m.group(1) if m.group(1).isdigit() or roman_value(m.group(1)) else ""

    def edge_number(line: _PLine) -> str | None:
        """The page number printed at either end of a running head ("2 TARRANT v. HERRMANN",
        "Guide iii"), or before the page count ("Guide 3 / 57")."""
        text = " ".join(line.text()[0].split())
        of = _OF_TOTAL.search(text)
        if of:
            return of.group(1)
        m = _EDGE_NUMBER.search(text)
        if m:
            return m.group(1) or m.group(2)
        m = _EDGE_ROMAN.search(text)  # front matter's lower-case numerals ("Draft 1, Rev. 2 / ii")
        return (m.group(1) or m.group(2)) if m and roman_value(m.group(1) or m.group(2)) else None

    def opens_note(line: _PLine, marked: set[str]) -> bool:
        """A line that opens with a label the page's body marks is a note, however alike the
        notes of other pages look ("1Minutes of meeting 1" at the foot of every page)."""
        first = line.words[0].text
        glued = _GLUED.match(first)
        return first.rstrip(".)") in marked or (glued is not None and glued.group(1) in marked)

    def run_on(line: _PLine, lines: list[_PLine], at_top: bool) -> bool:
        """A line set at the text's own leading in a block of lines of which one does not
        repeat belongs to that text: the last lines of notes ("..., see the report.") can look
        the same at the foot of several pages; a running head or foot stands apart, all of it."""
        for _ in range(6):
            inward = [ln for ln in lines if ln is not line and (ln.top >= line.bottom if at_top else ln.bottom <= line.top)]
            if not inward:
                return False
            nxt = min(inward, key=lambda ln: ln.top) if at_top else max(inward, key=lambda ln: ln.bottom)
            gap = nxt.top - line.bottom if at_top else line.top - nxt.bottom
            if gap >= 0.5 * min(line.size, nxt.size):
                return False
            if not repeats(nxt, at_top):
                return True
            line = nxt
        return True  # six lines at the text's leading: deeper than any head (five at most)

    for p in pages:
        body = Counter(w.size for ln in p.lines for w in ln.words).most_common(1)
        marked = {ln.words[i].text.rstrip(".)") for ln in p.lines
                  if body and ln.size >= 0.95 * body[0][0] for i in _markers(ln)}
        for at_top, zone in ((True, p.head), (False, p.foot)):
            for _ in range(5):
                if not p.lines:
                    break
                line = min(p.lines, key=lambda ln: ln.top) if at_top else max(p.lines, key=lambda ln: ln.bottom)
                outer = line.top <= NUMBER_BAND * p.height if at_top else line.bottom >= (1 - NUMBER_BAND) * p.height
                inner = line.top <= HEAD_BAND * p.height if at_top else line.bottom >= (1 - HEAD_BAND) * p.height
                num = is_number(line) if outer else None
                ruled = at_top and p.index in head_rule and line.bottom <= head_rule[p.index] + 1.0
                repeated = inner and repeats(line, at_top) and not (num is None and opens_note(line, marked))
                if repeated and num is None and run_on(line, p.lines, at_top):
                    repeated = False
                repeated = repeated or ruled
                if num is None and not repeated:
                    break
                p.lines.remove(line)
                zone.append(line)
                if num:
                    p.printed = num
                elif repeated and p.printed is None:
                    p.printed = edge_number(line)
    for p in pages:
        for line in p.head + p.foot:
            text, _ = line.text()
            kind = "page-number" if is_number(line) is not None else ("running-head" if line in p.head else "running-foot")
            artefacts.append(Artefact(kind=kind, text=text, line=line.no))


def _is_label_word(w: _W) -> bool:
    return bool(_LABEL.match(w.text.rstrip(".)")))


_TEXT_RULE = re.compile(r"^[-‐‑‒–—―_‾⎯─━]{3,}$")
_GLUED = re.compile(r"^(\d{1,4}|\*{1,3}|[†‡§])([^\W\d_].*|[“\"'‘«(\[].*)$")


def _unglue_labels(lines: list[_PLine], marked: set[str]) -> None:
    """A note label set at the note's own size with no space after it reads as one word with
    the note's first word ("1Minutes", "13We", "⁴Having"): split it where the label is one the
    page's body marks, so that the note is found (and not its marker reported without a note)."""
    for ln in lines:
        first = ln.words[0]
        m = _GLUED.match(first.text.translate(_SUPERSCRIPT))
        if not m or m.group(1) not in marked:
            continue
        cut = first.x0 + (first.x1 - first.x0) * len(m.group(1)) / len(first.text)
        ln.words[0:1] = [replace(first, text=m.group(1), x1=cut),
                         replace(first, text=first.text[len(m.group(1)):], x0=cut)]


def _linked_notes(p: _Page, body_size: float) -> None:
    """Keep a label's link to a lower point of its page as a marker only where the line at that
    point is set smaller than the body (a note, not a heading or a numbered item the text refers
    to), and note that the line opens a note with that label."""
    lines = sorted(p.lines, key=lambda ln: ln.top)
    for ln in p.lines:
        for w in ln.words:
            if w.link is None:
                continue
            dest = w.link
            # the point is at or a little above the line's top (the line before may reach below it)
            at = next((o for o in lines if o.top >= dest - 0.3 * o.size), None)
            if (at is None or at.size >= 0.95 * body_size or at.top - dest > 3 * at.size
                    or at.no in p.starts and p.starts[at.no] != w.text.rstrip(".)")):
                w.link = None
                continue
            p.starts[at.no] = w.text.rstrip(".)")
            _split_label(at, p.starts[at.no])


def _split_label(ln: _PLine, label: str) -> None:
    """Make ``label`` the line's first word when the line opens with it glued to the text, also
    where the text layer cuts the label in two ("2" "⁶dh_auto_build" for note 26)."""
    joined, n = "", 0
    for i, w in enumerate(ln.words):
        if i and w.x0 - ln.words[i - 1].x1 > 0.1 * max(w.size, 1.0):
            break
        joined += w.text.translate(_SUPERSCRIPT)
        n = i + 1
        if len(joined) >= len(label):
            break
    if not joined.startswith(label):
        return
    if n == 1 and joined == label:  # a word of its own already ("2⁶" before a word in another font)
        ln.words[0].text = label
        return
    head = ln.words[:n]
    rest = "".join(w.text for w in head)[len(label):]
    x0, x1 = head[0].x0, head[-1].x1
    cut = x0 + (x1 - x0) * len(label) / max(len(joined), 1)
    parts = [replace(head[0], text=label, x1=cut, link=None)]
    if rest:
        parts.append(replace(head[-1], text=rest, x0=cut, link=None))
    ln.words[0:n] = parts


def _note_zone(p: _Page, body_size: float, artefacts: list[Artefact], marked_before: set[str]) -> set[str]:
    """Split the page's lines into body and notes. The footnote rule may be drawn, or typed as
    a line of dashes or underscores (a slip opinion's "——————")."""
    for ln in list(p.lines):
        text = "".join(ln.text()[0].split())
        below = [o for o in p.lines if o.top > ln.top + 0.5]
        if (_TEXT_RULE.match(text) and ln.size <= body_size and ln.x1 - ln.x0 <= 0.7 * p.width
                and below and all(o.size < 0.95 * body_size for o in below)):
            p.lines.remove(ln)
            p.rules.append((ln.top, ln.x0, max(ln.x1 - ln.x0, 20.0)))
            artefacts.append(Artefact(kind="note-rule", text=ln.text()[0], line=ln.no))
    _linked_notes(p, body_size)
    marked = {ln.words[i].text.rstrip(".)") for ln in p.lines if ln.size >= 0.95 * body_size for i in _markers(ln)}
    _unglue_labels([ln for ln in p.lines if ln.size < 0.95 * body_size], marked)
    lines = p.lines
    body_like = [ln for ln in lines if ln.size >= 0.95 * body_size]
    lowest_body = max((ln.bottom for ln in body_like), default=0.0)
    p.columns = _column_rules(p)
    if p.columns:  # a rule at the foot of each column, its notes under it (a two-column journal's)
        for i, left in enumerate(p.columns):
            right = p.columns[i + 1] - 2.0 if i + 1 < len(p.columns) else p.width
            top = max(r[0] for r in p.rules if abs(r[1] - left) < 1.0 and r[2] <= 0.4 * p.width)
            below = [ln for ln in lines if ln.top >= top - 1.0 and left - 2.0 <= ln.x0 < right]
            if below and all(ln.size < 0.95 * body_size for ln in below):
                p.notes += below
    rule = None
    for top, _x0, width in sorted(p.rules, key=lambda r: -r[0]) if not p.notes else []:
        below = sorted((ln for ln in lines if ln.top >= top - 1.0), key=lambda ln: ln.top)
        # a rule of any width (Word draws the rule over a note continued from the page before
        # across the whole column) with only smaller lines below it; or a short rule right above
        # a note the page marks (some of whose lines a faulty size change set like the body's)
        # (a wide rule with nothing above it is the head's, or a table's: no note rule)
        if width <= 0.9 * p.width and below and (width <= 0.4 * p.width or any(ln.top < top for ln in lines)) and (
            all(ln.size < 0.95 * body_size for ln in below)
            or (width <= 0.4 * p.width and below[0].size < 0.95 * body_size
                and below[0].words[0].text.rstrip(".)") in marked)
        ):
            rule = top
            break
    if rule is not None:
        p.notes = [ln for ln in lines if ln.top >= rule - 1.0]
    p.notes += _notes_under_boxes(p, body_size, marked, rule)
    if rule is None and not p.notes:
        # no rule: the run of smaller lines below the last body line, if it opens with a label
        tail = [ln for ln in lines if ln.top >= lowest_body and ln.size < 0.95 * body_size]
        tail.sort(key=lambda ln: ln.top)
        # (a label the page's body, or the page before's, marks: a list of references numbered
        # "13." in the notes' size is no note area)
        if (tail and _is_label_word(tail[0].words[0]) and len(tail[0].words) > 1
                and tail[0].words[0].text.rstrip(".)") in marked | marked_before):
            p.notes = tail
        elif p.starts:  # no rule and no label: the lines from the first a marker links to
            first = min(ln.top for ln in lines if ln.no in p.starts)
            p.notes = [ln for ln in lines if ln.top >= first - 0.5]
    ids = {id(ln) for ln in p.notes}
    p.body = [ln for ln in lines if id(ln) not in ids]
    _rejoin_wrapped(p, body_size)
    _symbol_markers(p)
    p.notes.sort(key=lambda ln: (_column_of(p, ln), round(ln.top, 0), ln.x0))
    return marked


def _notes_under_boxes(p: _Page, body_size: float, marked: set[str], rule: float | None) -> list[_PLine]:
    """Notes set under a box or a table, mid-page: a rule, then a run of smaller lines opening
    with a label the page marks, then the text again (a guideline's notes to its recommendation
    box, numbered anew under each box)."""
    out: list[_PLine] = []
    taken = {id(ln) for ln in p.notes}
    for top, _x0, width in sorted(p.rules):
        if (rule is not None and top >= rule - 1.0) or width > 0.9 * p.width:
            continue
        below = sorted((ln for ln in p.lines if ln.top >= top - 1.0 and id(ln) not in taken), key=lambda ln: ln.top)
        run: list[_PLine] = []
        for ln in below:
            if ln.size >= 0.95 * body_size:
                break
            run.append(ln)
        if not run or len(run) == len(below) or run[0].top - top > 2 * run[0].size:
            continue
        # the labels marked above the rule, in the box or table too (set smaller than the text)
        # (and symbols glued to a word, "infection*": markers once a note opens with them)
        above = marked | {ln.words[i].text.rstrip(".)") for ln in p.lines if ln.bottom <= top + 1.0
                          for i in _markers(ln)} | {
            m.group(2) for ln in p.lines if ln.bottom <= top + 1.0 for w in ln.words if (m := _SYMBOL_END.match(w.text))}
        glued = _GLUED.match(run[0].words[0].text)
        if glued and glued.group(1) in above:
            _split_label(run[0], glued.group(1))
        if len(run[0].words) > 1 and run[0].words[0].text.rstrip(".)") in above:
            out += run
            taken |= {id(ln) for ln in run}
    return out


def _column_rules(p: _Page) -> list[float]:
    """Left edges of the page's columns when short rules stand side by side, one per column."""
    lefts = sorted({round(x0, 0) for _top, x0, width in p.rules if width <= 0.4 * p.width})
    if len(lefts) < 2 or min(b - a for a, b in zip(lefts, lefts[1:], strict=False)) < 0.25 * p.width:
        return []
    return [float(x) for x in lefts]


def _column_of(p: _Page, ln: _PLine) -> int:
    return sum(1 for left in p.columns[1:] if ln.x0 >= left - 2.0)


_SYMBOL_END = re.compile(r"^(.*[^\W_].*?)(\*{1,3}|[†‡§¶])$")


def _symbol_markers(p: _Page) -> None:
    """A note symbol glued to the end of a word on the baseline ("Sadipscing†", "clita.*") is a
    marker when one of the page's notes opens with that symbol (glued to its text or not)."""
    opens: set[str] = set()
    for ln in p.notes:
        m = _GLUED.match(ln.words[0].text)
        label = m.group(1) if m else ln.words[0].text
        if _LABEL.match(label) and not label.isdigit():
            opens.add(label)
    if not opens:
        return
    found: set[str] = set()
    for ln in p.body:
        for i in range(len(ln.words) - 1, -1, -1):
            w = ln.words[i]
            if (w.text in opens and i > 0 and not w.evident
                    and w.x0 - ln.words[i - 1].x1 < 0.15 * max(w.size, 1.0)):  # a word of its own, glued all the same
                ln.words[i] = replace(w, evident=True)
                found.add(w.text)
                continue
            m = _SYMBOL_END.match(w.text)
            if m and m.group(2) in opens and not w.link:
                cut = w.x0 + (w.x1 - w.x0) * len(m.group(1)) / len(w.text)
                ln.words[i : i + 1] = [replace(w, text=m.group(1), x1=cut), replace(w, text=m.group(2), x0=cut, evident=True)]
                found.add(m.group(2))
    _unglue_labels(p.notes, found)


def _rejoin_wrapped(p: _Page, body_size: float) -> None:
    """A marker the line break carried alone to the next line's start ("installed:" / "3"),
    still raised against the line it follows, goes back to the end of that line as its marker."""
    keep: list[_PLine] = []
    for ln in p.body:
        prev = keep[-1] if keep else None
        w = ln.words[0]
        if (prev is not None and len(ln.words) == 1 and _is_label_word(w) and prev.size >= 0.95 * body_size
                and w.size <= 0.85 * prev.size and w.top < prev.bottom and w.x0 <= prev.x0 + prev.size):
            prev.words.append(replace(w, evident=True))
            continue
        keep.append(ln)
    if len(keep) < len(p.body):
        ids = {id(ln) for ln in keep} | {id(ln) for ln in p.notes}
        p.lines = [ln for ln in p.lines if id(ln) in ids]
        p.body = keep


# --------------------------------------------------------------------------- notes


def _parse_pdf_notes(pages: list[_Page], warnings: list[str], artefacts: list[Artefact]) -> list[Note]:
    """Notes from the pages' note zones. A numbered line opens a note only when the label is one
    the body marks on this page or the one before (a note may start a page after its marker),
    or, on a page that marks none, the number after the last note's: a note's line that happens
    to begin with a number ("71 Stat. 500", "5 and 40 percent") goes on the note before."""
    notes: list[Note] = []
    marked_before: set[str] = set()
    for p in pages:
        marked_here = {ln.words[i].text.rstrip(".)") for ln in p.body for i in _markers(ln)}
        marked, marked_before = marked_here | marked_before, marked_here
        if not p.notes:
            continue
        lefts: dict[int, float] = {}
        for ln in p.notes:
            col = _column_of(p, ln)
            lefts[col] = min(lefts.get(col, ln.x0), ln.x0)
        for ln in p.notes:
            left = lefts[_column_of(p, ln)]
            first = ln.words[0]
            label = first.text.rstrip(".)")
            after = 1  # the words the label takes: "4" "." (a label set smaller than its period) takes two
            if len(ln.words) > 2 and ln.words[1].text in (".", ")") and ln.words[1].x0 - first.x1 < 0.3 * ln.size:
                after = 2
            starts = False
            if p.starts.get(ln.no) == label and len(ln.words) > after:
                starts = True  # a marker links here
            elif _is_label_word(first) and len(ln.words) > after:
                raised = _is_raised(first, ln) or first.size <= 0.85 * ln.size
                gap = ln.words[after].x0 - ln.words[after - 1].x1
                # the text after the label starts where other notes' text does (a hanging indent)
                hang = any(abs(o.x0 - ln.words[after].x0) < 1.5 for o in p.notes if o is not ln)
                at_edge = first.x0 <= left + 1.0
                last = notes[-1].label if notes else None
                # the label the page's markers call for next: "10." glued to its text is still note 10
                expected = label in marked and (last is None or (last.isdigit() and label.isdigit()
                                                                 and int(label) == int(last) + 1))
                starts = raised or (at_edge and (hang or expected or gap >= 0.25 * ln.size or not label.isdigit()))
                if starts and label.isdigit() and notes and label not in marked:
                    starts = not marked_here and last is not None and last.isdigit() and int(label) == int(last) + 1
            rest_words = ln.words[after:] if starts else ln.words
            text = " ".join(w.text for w in rest_words)
            if starts:
                rest, _ = _PLine(index=ln.index, words=rest_words, size=ln.size, base=ln.base).text()
                notes.append(Note(label=label, page=0, lines=[Line(ln.no, f"{label} {rest}", ln.index, ln.box())]))
            elif notes:
                rest, _ = ln.text()
                notes[-1].lines.append(Line(ln.no, rest, ln.index, ln.box()))
            else:
                artefacts.append(Artefact(kind="orphan-note-text", text=text, line=ln.no))
                warnings.append(f"page {p.index + 1} of the file: note text with no note to continue: {text[:60]!r}")
    return notes


# --------------------------------------------------------------------------- body


def _markers(line: _PLine) -> set[int]:
    """Positions of the line's marker words: raised, smaller, digits or a note symbol, after text;
    or a label that links to a note on its page, wherever it sits."""
    out = set()
    for i, w in enumerate(line.words):
        if _is_label_word(w) and ((i > 0 and _is_raised(w, line)) or w.link is not None or w.evident):
            out.add(i)
    return out


def _hyphen_rule(pages: list[_Page]) -> Callable[[str, str], bool]:
    """Whether a line-end hyphen between ``a-`` and ``b`` is the layout's (drop) or the word's.

    The word's, when the document writes it with this hyphen inside a line. Else the layout's,
    when the document spells the word whole elsewhere or breaks it at another point. With no
    such evidence, an English word list decides (``qa.reading.words``): the layout's when the
    whole is a word ("demon-" + "strates"), the word's when the second part is one
    ("non-" + "exhaustiveness"). Else the layout's when neither part is a word found elsewhere
    in the document (syllables), else the word's.
    """
    counts: Counter[str] = Counter()
    splits: dict[str, set[int]] = {}
    asked: set[str] = set()  # the words the list is asked about: each break's whole and second part
    last = {"body": "", "notes": ""}  # a zone's last line on the page before: a break over the page
    for p in pages:
        for name, zone in (("body", p.body), ("notes", p.notes)):
            prev = ""
            for i, ln in enumerate(zone):
                text, _ = ln.text()
                counts.update(m.group(0).lower() for m in _WORD_CHARS.finditer(text))
                mb = re.match(r"[^\W\d_]+", text)
                if i == 0 and mb and (ma := re.search(r"([^\W\d_]+)-$", last[name])):
                    asked.update(((ma.group(1) + mb.group(0)).lower(), mb.group(0).lower()))
                ma = re.search(r"([^\W\d_]+)-$", prev)
                if ma and mb:
                    splits.setdefault((ma.group(1) + mb.group(0)).lower(), set()).add(len(ma.group(1)))
                    asked.update(((ma.group(1) + mb.group(0)).lower(), mb.group(0).lower()))
                    # the two fragments of a broken word are no evidence of words of their own
                    counts[ma.group(1).lower()] -= 1
                    counts[mb.group(0).lower()] -= 1
                prev = text
            if zone:
                last[name] = prev
    dictionary = set(known_words(asked))

    def in_list(word: str) -> bool:
        # a break the pass above did not see (between columns): the whole list, read once, not
        # the file again for every such word
        return word in dictionary if word in asked else word in english_words()

    def drop(a: str, b: str) -> bool:
        ma = re.search(r"([^\W\d_]+)-$", a)
        mb = re.match(r"[^\W\d_]+", b)
        if not ma or not mb:
            return False
        whole = (ma.group(1) + mb.group(0)).lower()
        split = f"{ma.group(1)}-{mb.group(0)}".lower()
        if counts[split] > 0:  # written with this hyphen inside a line: the word's own
            return False
        if counts[whole] > 0 or len(splits.get(whole, ())) > 1:
            return True
        if in_list(whole):
            return True
        second = mb.group(0).lower()
        if len(second) > 2 and in_list(second):
            return False
        # no evidence either way: syllables ("ques-" + "tion") are no words of the document;
        # a compound's parts ("air-" + "strikes") usually are
        return counts[ma.group(1).lower()] == 0 and counts[mb.group(0).lower()] == 0

    return drop


def read_pdf(
    path: Path, *, doc_id: str | None = None, on_page: Callable[[int, int], None] | None = None
) -> Document:
    """Read a PDF by its layout (module docstring).

    Raises:
        DocumentError: The file is not a readable PDF, is encrypted, or has no text layer.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"Cannot read '{path}': {exc.strerror}") from exc
    doc_id = doc_id or path.stem
    pages = _read_pages(path, on_page)
    if not pages:
        raise DocumentError(f"'{path}' has no pages.")
    if not any(p.lines for p in pages):
        raise DocumentError(
            f"'{path}' has no text layer (a scan or images only): OCR is not done. "
            "Use a PDF with text (or run OCR on it first)."
        )
    warnings: list[str] = []
    artefacts: list[Artefact] = []
    no = 0
    for p in pages:
        for ln in p.lines:
            no += 1
            ln.no = no
        if not p.lines:
            warnings.append(f"page {p.index + 1} has no text" + (" (images only; OCR is not done)" if p.images else ""))
    sizes: Counter[float] = Counter()
    for p in pages:
        for ln in p.lines:
            for w in ln.words:
                sizes[w.size] += len(w.text)
    # the body's size: the largest that sets a fifth of the characters, not the commonest, which
    # in a reading with long notes (a law review's) is the notes' size
    total = sum(sizes.values())
    body_size = max((size for size, n in sizes.items() if n >= 0.2 * total), default=sizes.most_common(1)[0][0])

    _margins(pages, artefacts)
    cited = _page_numbers(pages, warnings)
    numbers = {p.index: p.index + 1 for p in pages}  # the assembly keys pages by position; cited at the end
    marked: set[str] = set()
    for p in pages:
        marked = _note_zone(p, body_size, artefacts, marked)
        _columns(p, warnings)
    notes = _parse_pdf_notes(pages, warnings, artefacts)
    for n in notes:
        n.page = numbers[n.lines[0].page]
        for note_line in n.lines:
            note_line.page = numbers[note_line.page]
    drop_hyphen = _hyphen_rule(pages)
    blocks, marker_pages = _body_blocks(pages, numbers, body_size, drop_hyphen, _unnoted(pages, notes, warnings))
    for p in pages:  # the words are in the blocks and notes now: their memory serves the document
        p.lines, p.body, p.notes, p.head, p.foot = [], [], [], [], []
    builder, title, headings = emit(blocks, doc_id)
    doc = finish(
        builder=builder, notes=notes, marker_pages=marker_pages, doc_id=doc_id, source_path=str(path),
        sha256=hashlib.sha256(raw).hexdigest(), title=title, headings=headings, artefacts=artefacts,
        warnings=warnings, last_line=no, source_format="pdf",
    )
    by_number = {numbers[p.index]: p for p in pages}
    cite = {numbers[p.index]: cited[p.index][0] for p in pages}
    fixed = [
        pg.model_copy(update={"number": cite[pg.number],
                              "label": cited[by_number[pg.number].index][1],
                              "index": by_number[pg.number].index,
                              "width": round(by_number[pg.number].width, 1),
                              "height": round(by_number[pg.number].height, 1)})
        if pg.number in by_number else pg
        for pg in doc.pages
    ]
    # a page with no text of its own (blank but for its number, or all figure) is still listed,
    # empty, where it falls: its printed number is known, and a passage running past it spans it
    shown = {pg.index for pg in fixed}
    for p in pages:
        if p.index not in shown and fixed:
            nxt = next((pg for pg in fixed if pg.index is not None and pg.index > p.index), None)
            at = nxt.start if nxt is not None else doc.body_end
            line = nxt.line_start if nxt is not None else fixed[-1].line_end
            fixed.append(Page(number=cited[p.index][0], start=at, end=at, line_start=line, line_end=line,
                              label=cited[p.index][1], index=p.index,
                              width=round(p.width, 1), height=round(p.height, 1)))
    fixed.sort(key=lambda pg: (pg.start, pg.index if pg.index is not None else -1))
    paragraphs = [para.model_copy(update={"pages": list(dict.fromkeys(cite.get(x, x) for x in para.pages))})
                  for para in doc.paragraphs]
    footnotes = [n.model_copy(update={"page": cite.get(n.page, n.page) if n.page is not None else None})
                 for n in doc.footnotes]
    return doc.model_copy(update={"pages": fixed, "paragraphs": paragraphs, "footnotes": footnotes})


_ROMAN = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90), ("l", 50), ("xl", 40),
          ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))


def roman(n: int) -> str:
    out = ""
    for letters, value in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def roman_value(text: str) -> int | None:
    """The value of a roman numeral written as numerals are ("xiv"; not "iiii" or "ic"), else None."""
    low = text.lower()
    if not low or low.strip("ivxlcdm"):
        return None
    n, rest = 0, low
    for letters, value in _ROMAN:
        while rest.startswith(letters):
            n, rest = n + value, rest[len(letters):]
    return n if not rest and roman(n) == low and text in (low, low.upper()) else None


def _page_numbers(pages: list[_Page], warnings: list[str]) -> dict[int, tuple[int, str]]:
    """Page index -> the number answers cite (module docstring) and the label they show: the
    PDF's page labels; else the printed numbers, where they follow the pages in runs (a numbering
    may restart: a syllabus 1-4, then an opinion 1-24; front matter i-v, then a text from 1),
    each run carried over the unnumbered pages after it (and the first one back over those before
    it, down to 1); else the position. A page in roman numbers shows them ("p. iv") and its
    number is their value."""
    if any(p.label for p in pages):
        def value(label: str | None, index: int) -> int:
            if label and label.isdigit():
                return int(label)
            return roman_value(label or "") or index + 1
        labels = {p.index: p.label or str(p.index + 1) for p in pages}
        # labels that repeat are still the document's own when the pages print them (a cover
        # labelled "1", "2" before front matter i-v and a text numbered from 1 again)
        printed = [(p.label, p.printed) for p in pages if p.printed and p.label]
        agree = sum(a.lower() == b.lower() for a, b in printed)  # nearly all: a stray number may pass for a page's
        if len(set(labels.values())) == len(labels) or (printed and agree >= 0.9 * len(printed)):
            return {i: (value(label, i), label) for i, label in labels.items()}
        warnings.append("the PDF's page labels do not give every page its own number, nor match the numbers "
                        "printed on the pages: pages are cited by position")
        return {p.index: (p.index + 1, str(p.index + 1)) for p in pages}
    runs: list[list[int]] = []  # [first index, last index, shift, count, roman]
    for p in pages:
        if not p.printed:
            continue
        is_roman = not p.printed.isdigit()
        number = roman_value(p.printed) if is_roman else int(p.printed)
        if not number:
            continue
        shift = number - p.index
        if runs and runs[-1][2] == shift and runs[-1][4] == is_roman:
            runs[-1][1], runs[-1][3] = p.index, runs[-1][3] + 1
        else:
            runs.append([p.index, p.index, shift, 1, is_roman])
    # a lone arabic number may be a stray one (a table's, a list's); a lone numeral in the margin
    # that reads as a page's ("- i -" under a table of contents) is front matter's
    runs = [r for r in runs if r[3] >= 2 or r[4] or len(pages) == 1]
    if not runs:
        return {p.index: (p.index + 1, str(p.index + 1)) for p in pages}
    out = {}
    for p in pages:
        run = next((r for r in reversed(runs) if r[0] <= p.index), None)
        if run is None:  # before the first run: carried back while it stays >= 1
            run = runs[0]
        number = p.index + run[2]
        if number < 1:
            out[p.index] = (p.index + 1, str(p.index + 1))
        else:
            out[p.index] = (number, roman(number) if run[4] else str(number))
    return out


def _columns(p: _Page, warnings: list[str]) -> None:
    """Say when a page sets body lines side by side (read column by column)."""
    side = 0
    lines = p.body
    for a in range(len(lines)):
        for b in range(a + 1, min(a + 80, len(lines))):
            la, lb = lines[a], lines[b]
            if abs(la.base - lb.base) < 1.0 and (la.x1 < lb.x0 or lb.x1 < la.x0):
                side += 1
                break
    if side >= 3:
        warnings.append(f"page {p.index + 1} has text in columns ({side} lines side by side); read column by column")


def _unnoted(pages: list[_Page], notes: list[Any], warnings: list[str]) -> set[tuple[int, int]]:
    """(line no, word) of raised labels that are no markers: in a reading whose markers nearly
    all (four in five) find a note of theirs on their page or the next, a raised label that
    finds none, and that no link or other evidence makes a marker, is an exponent or a unit
    ("I² = 99%", "40 m³"), kept in the text. A reading with endnotes, or too few markers to
    tell, keeps them all."""
    on: dict[int, set[str]] = {}
    for n in notes:
        on.setdefault(n.page - 1, set()).add(n.label)  # n.page is the position here (1-based): cited at the end
    found = [(p, ln, i) for p in pages for ln in p.body for i in _markers(ln)]

    def noted(p: _Page, label: str) -> bool:
        return label in on.get(p.index, ()) or label in on.get(p.index + 1, ())

    if len(found) < 5 or sum(noted(p, ln.words[i].text.rstrip(".)")) for p, ln, i in found) < 0.8 * len(found):
        return set()
    out = set()
    for p, ln, i in found:
        w = ln.words[i]
        label = w.text.rstrip(".)")
        if w.link is None and not w.evident and not noted(p, label):
            out.add((ln.no, i))
            before = ln.words[i - 1].text if i > 0 else ""
            warnings.append(f"page {p.index + 1}: a raised '{label}' after '{before[-20:]}' is read as text, not as "
                            f"a marker: no note {label} stands on that page or the next")
    return out


def _body_blocks(
    pages: list[_Page], numbers: dict[int, int], body_size: float, drop_hyphen: Callable[[str, str], bool],
    unnoted: set[tuple[int, int]] | None = None,
) -> tuple[list[Block], dict[str, int]]:
    blocks: list[Block] = []
    marker_pages: dict[str, int] = {}
    pitches = [
        b.top - a.top for p in pages for a, b in zip(p.body, p.body[1:], strict=False)
        if a.size == b.size == body_size and 0 < b.top - a.top < 3 * body_size
    ]
    pitch = statistics.median(pitches) if pitches else 1.2 * body_size
    max_size = max((ln.size for p in pages for ln in p.body), default=body_size)
    prev: _PLine | None = None
    left = right = 0.0
    for p in pages:
        if p.body:
            full = [ln for ln in p.body if ln.size >= 0.95 * body_size] or p.body
            left, right = min(ln.x0 for ln in full), max(ln.x1 for ln in full)
        for ln in p.body:
            skip = {i for i in _markers(ln) if unnoted is None or (ln.no, i) not in unnoted}
            text, marks = ln.text(skip)
            page_no = numbers[p.index]
            for label, _off in marks:
                marker_pages.setdefault(label, page_no)
            if not text.strip() and not marks:
                continue
            kind = _kind(ln, body_size, max_size, first_page=p.index == pages[0].index, blocks=blocks)
            piece = Piece(text=text.strip(), line=ln.no, page=page_no, markers=marks, box=ln.box())
            cur = blocks[-1] if blocks else None
            if cur is not None and prev is not None and cur.kind == kind and _continues(
                    prev, ln, cur, pitch, (left, right), kind):
                tail = cur.pieces[-1].text
                if tail.endswith("-") and drop_hyphen(tail, piece.text):
                    cur.pieces[-1].text = tail[:-1]
                    piece.glue = True
                cur.pieces.append(piece)
            else:
                blocks.append(Block(kind, [piece]))
            prev = ln
    return blocks, marker_pages


def _kind(ln: _PLine, body_size: float, max_size: float, *, first_page: bool, blocks: list[Block]) -> str:
    if first_page and ln.size >= 1.2 * body_size and ln.size == max_size and all(b.kind == "title" for b in blocks):
        return "title"
    if ln.size >= 1.08 * body_size or (ln.bold and ln.size >= 0.95 * body_size):
        return "heading"
    return "body"


def _centred(ln: _PLine, left: float, right: float) -> bool:
    """Set in the middle of the text's measure, short of both its edges (a caption, a case's
    docket line), unlike a paragraph's lines, which touch at least one edge."""
    em = ln.size
    return (ln.x0 - left > 1.5 * em and right - ln.x1 > 1.5 * em
            and abs((ln.x0 + ln.x1) / 2 - (left + right) / 2) < em)


def _continues(prev: _PLine, ln: _PLine, cur: Block, pitch: float, measure: tuple[float, float], kind: str) -> bool:
    """Whether ``ln`` goes on with the block that ``prev`` ended (``measure``: the left and right
    edges of the page's text)."""
    if kind in ("title", "heading"):
        return prev.index == ln.index and 0 < ln.top - prev.top < 2.0 * ln.size and abs(prev.size - ln.size) < 0.5
    if abs(prev.size - ln.size) >= 0.5:
        return False
    left, right = measure
    # a centred line does not run on into a paragraph, nor a paragraph into one, even without a
    # full stop ("No. 11-889. Argued April 23, 2013" over "The Red River Compact ..."); the lines
    # of an indented quotation share their start and go on
    if (prev.index == ln.index and _centred(prev, left, right) != _centred(ln, left, right)
            and abs(ln.x0 - prev.x0) > ln.size):
        return False
    tail = cur.pieces[-1].text
    if not TERMINAL.search(tail):  # mid-sentence: joins across gaps, pages and columns
        return True
    if prev.index != ln.index or ln.top < prev.top:  # a new page or column after a full stop
        return bool(_OPENS_LOWER.match(ln.words[0].text))
    gap = ln.top - prev.top
    indent = ln.x0 - prev.x0
    short = prev.x1 < right - 2.0 * prev.size
    return gap <= 1.3 * pitch and indent < 0.8 * ln.size and not short


def render_page_png(path: Path, index: int, *, sha256: str, width: int = 900) -> bytes:
    """The PDF's page ``index`` (0-based) as a PNG ``width`` pixels wide (pypdfium2, which
    pdfplumber depends on).

    Raises:
        DocumentError: The file is gone, changed since it was indexed, or has no such page.
    """
    import io

    import pypdfium2

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"Cannot read '{path}': {exc.strerror}") from exc
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise DocumentError(f"'{path}' changed since it was indexed; the index is rebuilt on the next start.")
    pdf = pypdfium2.PdfDocument(raw)
    try:
        if not 0 <= index < len(pdf):
            raise PageNotFoundError(f"'{path}' has no page {index + 1}.")
        page = pdf[index]
        scale = width / max(page.get_width(), 1.0)
        image = page.render(scale=scale).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=True)
        return buf.getvalue()
    finally:
        pdf.close()
