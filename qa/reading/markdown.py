"""Markdown (``.md``) -> Document, read from its syntax: ``#`` headings, blank-line paragraphs
and ``[^label]`` footnotes."""

from __future__ import annotations

import hashlib
import logging
import re

from qa.models import Document
from qa.reading.layout import Block, Line, Note, Piece, clean_line, emit, finish

logger = logging.getLogger(__name__)

__all__ = ["read_markdown"]

# --------------------------------------------------------------------------- Markdown

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:\s*(.*)$")
_MD_MARKER = re.compile(r"\[\^([^\]\s]+)\]")


def read_markdown(source: str, *, doc_id: str, source_path: str = "", sha256: str = "") -> Document:
    """Read Markdown: ``#`` headings (the first level-1 heading is the title), paragraphs
    separated by blank lines, and ``[^label]`` footnotes with ``[^label]: text`` definitions
    (indented lines continue a definition). A Markdown file has one page."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    notes: list[Note] = []
    blocks: list[Block] = []
    cur: list[Piece] | None = None
    in_note = False
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            cur = None
            continue
        m_def = _MD_NOTE_DEF.match(raw)
        if m_def:
            notes.append(Note(label=m_def.group(1), page=1, lines=[Line(i, m_def.group(2), 1)]))
            in_note, cur = True, None
            continue
        if in_note and raw[:1] in (" ", "\t"):
            notes[-1].lines.append(Line(i, raw, 1))
            continue
        in_note = False
        m_head = _MD_HEADING.match(raw)
        if m_head:
            text, _ = clean_line(m_head.group(2), [])
            kind = "title" if m_head.group(1) == "#" and not any(b.kind == "title" for b in blocks) and not any(b.kind == "body" for b in blocks) else "heading"
            blocks.append(Block(kind, [Piece(text, i, 1, [])]))
            cur = None
            continue
        cuts = [(m.start(), m.end(), m.group(1)) for m in _MD_MARKER.finditer(raw)]
        text, marks = clean_line(raw, cuts)
        piece = Piece(text, i, 1, marks)
        if cur is None:
            cur = [piece]
            blocks.append(Block("body", cur))
        else:
            cur.append(piece)
    builder, title, headings = emit(blocks, doc_id)
    marker_pages = {m.label: 1 for m in builder.markers}
    return finish(
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


