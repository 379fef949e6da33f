"""Text extracted from a PDF (``.txt``) -> Document: pages, title, headings, paragraphs,
footnotes, markers, line map.

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
"""

from __future__ import annotations

import hashlib
import logging
import re

from qa.models import Artefact, Document
from qa.reading.layout import NOTE_START, TERMINAL, Block, Line, Note, Piece, clean_line, emit, finish
from qa.reading.sentences import split_sentences

logger = logging.getLogger(__name__)

__all__ = ["read_text"]

# --------------------------------------------------------------------------- patterns

_OPENS_SENTENCE = re.compile(r"^[\"“‘'«(\[]?[A-ZÀ-ÖØ-Þ\u0100-\u024E0-9]")
# Digits glued to the end of a word or closing punctuation, and not followed by a letter or digit.
_NUM_MARKER = re.compile(r"(?<=[^\W\d_]|[.,;:!?)\]\"”’'…])(\d{1,3})(?=[\s.,;:!?)\]\"”’'…]|$)")
_SYM_MARKER = re.compile(r"(?<=[^\W_]|[.,;:!?)\]\"”’'…])(\*{1,3}|[†‡§])(?=[\s.,;:!?)\]\"”’'…]|$)")
_SPACED_MARKER = re.compile(r"(?<=[.,;:!?)\]\"”’'…]) (\d{1,3})(?= [\"“‘'«(\[]?[A-ZÀ-ÖØ-Þ]| *$)")
_LABEL_ONLY = re.compile(r"^\s*(\*{1,3}|[†‡§]|\d{1,3})\s*$")
_PAGE_NUMBER_LINE = re.compile(r"^\s*(?:-\s*)?(?:\d{1,4}|[ivxlcdm]{1,6})(?:\s*-)?\s*$", re.I)
_FUNCTION_WORDS = frozenset(
    """a an the of and or but nor to in on at by for with from as into onto upon than that
    which who whom whose is was are were be been being its their his her our your my this
    these those such not""".split()
)
_SEPARATOR_MIN_SPACES = 10


# --------------------------------------------------------------------------- PDF-extracted text


def _split_pages(lines: list[str]) -> tuple[list[list[Line]], list[list[Line]]]:
    """Split source lines into per-page body lines and note lines."""
    starts_ws = sum(1 for ln in lines if ln.strip() and ln[:1] in (" ", "\t"))
    nonblank = sum(1 for ln in lines if ln.strip())
    leading_space_breaks = nonblank > 0 and starts_ws / nonblank <= 0.15
    bodies: list[list[Line]] = [[]]
    notes: list[list[Line]] = [[]]
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
                notes[-1].append(Line(i, raw, page))
            continue
        bodies[-1].append(Line(i, raw, page))
    return bodies, notes


def _trailing_notes(bodies: list[list[Line]], note_pages: list[list[Line]], warnings: list[str]) -> None:
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
        found: tuple[int, list[Line], int] | None = None
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
        cont: list[Line] = []
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
        last_note_open = bool(last_text) and not TERMINAL.search(last_text)


def _has_marker(text: str, label: str) -> bool:
    for m in list(_NUM_MARKER.finditer(text)) + list(_SPACED_MARKER.finditer(text)) + list(_SYM_MARKER.finditer(text)):
        if m.group(1) == label:
            return True
    return False


def _parse_tail(lines: list[Line], idx: list[int], expected: int) -> tuple[list[Line], int, list[str]] | None:
    """Parse lines ``idx`` (to the page's end) as notes starting with label ``expected`` (or a
    note symbol); return the note lines (each note's first line as "label text"), the next
    expected number and the labels, or None when they are not all notes."""
    out: list[Line] = []
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
                out.append(Line(lines[j].no, f"{lab} {lines[j].text.strip()}", lines[j].page))
            k += len(run)
            continue
        m = NOTE_START.match(text)
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


def _parse_notes(note_pages: list[list[Line]], artefacts: list[Artefact]) -> list[Note]:
    notes: list[Note] = []
    last_num: int | None = None
    for lines in note_pages:
        for ln in lines:
            text = ln.text.strip()
            m = NOTE_START.match(text)
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
                notes.append(Note(label=label, page=ln.page, lines=[ln]))
            elif notes:
                notes[-1].lines.append(ln)
            elif _PAGE_NUMBER_LINE.match(text):
                artefacts.append(Artefact(kind="page-number", text=text, line=ln.no))
            else:
                artefacts.append(Artefact(kind="orphan-note-text", text=text, line=ln.no))
    return notes


def _find_markers(
    bodies: list[list[Line]], notes: list[Note], *, spaced: bool = False
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


def _printed_page_numbers(bodies: list[list[Line]], notes: list[Note], drop: set[int]) -> None:
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


def _page_artefacts(bodies: list[list[Line]], artefacts: list[Artefact]) -> set[int]:
    """Page numbers alone on the first or last line of a page, and repeated running heads."""
    drop: set[int] = set()
    for lines in bodies:
        content = [ln for ln in lines if ln.text.strip()]
        for ln in content[:1] + content[-1:]:
            if _PAGE_NUMBER_LINE.match(ln.text) and ln.no not in drop:
                drop.add(ln.no)
                artefacts.append(Artefact(kind="page-number", text=ln.text.strip(), line=ln.no))
    heads: dict[str, list[Line]] = {}
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


def _wrap_threshold(groups: list[list[Piece]]) -> float:
    """Length below which a line was not wrapped: the 10th percentile of wrapped lines."""
    wrapped = sorted(len(g[i].text) for g in groups for i in range(len(g) - 1) if g[i].text)
    if len(wrapped) < 5:
        return float(max((len(p.text) for g in groups for p in g), default=80))
    return float(wrapped[len(wrapped) // 10])


def _heading_like(line: str) -> bool:
    if not line or len(line) > 150 or TERMINAL.search(line):
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
    groups: list[list[Piece]] = []
    prev_blank = True
    for lines_ in bodies:
        prev_blank = True  # a page break ends a group
        for ln in lines_:
            if not ln.text.strip() or ln.no in drop:
                prev_blank = prev_blank or not ln.text.strip()
                continue
            text, marks = clean_line(ln.text, cuts.get(ln.no, []))
            piece = Piece(text=text, line=ln.no, page=ln.page, markers=marks)
            if prev_blank:
                groups.append([piece])
            else:
                groups[-1].append(piece)
            prev_blank = False
    threshold = _wrap_threshold(groups)

    def short(line: Piece, nxt: Piece | None) -> bool:
        return nxt is None or len(line.text) + 1 + len(_first_word(nxt.text)) < threshold

    if flowing:
        # pdftotext leaves no blank line between paragraphs: a line that ends a sentence well
        # short of the usual line length ends one
        lengths = sorted(len(p.text) for g in groups for p in g if len(p.text) > 20)
        usual = lengths[len(lengths) // 2] if lengths else 0
        split: list[list[Piece]] = []
        for group in groups:
            split.append([])
            for k, piece in enumerate(group):
                split[-1].append(piece)
                nxt = group[k + 1] if k + 1 < len(group) else None
                if nxt is not None and TERMINAL.search(piece.text) and len(piece.text) < 0.8 * usual:
                    split.append([])
        groups = [g for g in split if g]

    blocks: list[Block] = []
    for gi, group in enumerate(groups):
        nxt_group_first = groups[gi + 1][0] if gi + 1 < len(groups) else None
        cur = blocks[-1] if blocks else None
        joined = False
        if cur is not None and cur.kind == "body":
            tail = cur.pieces[-1]
            if not TERMINAL.search(tail.text):
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
            blocks.append(Block(kind, [first]))
            rest = group[1:]
            if rest:
                blocks.append(Block("body", rest))
        else:
            blocks.append(Block("body", list(group)))

    builder, title, headings = emit(blocks, doc_id)
    return finish(
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


