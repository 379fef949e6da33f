"""Document -> passages: whole sentences, sized in the model's word pieces.

* Body paragraphs are cut into the fewest passages of at most ``max_tokens`` word pieces,
  balanced in size, at sentence boundaries only (a single longer sentence stays whole).
* A heading (or the title) opens the passage of the paragraph that follows it.
* A paragraph shorter than ``min_tokens`` joins the next paragraph of its section when the
  two fit in one passage.
* A note no marker cites (such as an author note on the title) becomes a passage of its own,
  so it can still be found. Cited notes are found through the passages that cite them.

Passages never overlap, so an answer never shows the same text twice. Their ids are stable:
``<doc_id>#<ordinal>`` in reading order, ``<doc_id>#note-<label>`` for a note passage (``-2``,
``-3`` after it where the label comes again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qa.models import Document, Marker, Passage

__all__ = ["NoteRows", "cited_note_rows", "note_row", "note_rows", "split_passages"]

TokenCounter = Callable[[list[str]], list[int]]


@dataclass
class _Unit:
    start: int
    end: int
    tokens: int
    para: int


def _pack(units: list[_Unit], cap: int) -> list[list[_Unit]]:
    chunks: list[list[_Unit]] = [[]]
    size = 0
    for u in units:
        if chunks[-1] and size + u.tokens > cap:
            chunks.append([])
            size = 0
        chunks[-1].append(u)
        size += u.tokens
    return chunks


def _balanced(units: list[_Unit], max_tokens: int) -> list[list[_Unit]]:
    """Cut a run of sentences into the fewest chunks under max_tokens, as even as possible:
    the smallest size cap that still needs no more chunks than max_tokens does."""
    fewest = len(_pack(units, max_tokens))
    lo = max(u.tokens for u in units)
    hi = max(max_tokens, lo)
    while lo < hi:
        mid = (lo + hi) // 2
        if len(_pack(units, mid)) <= fewest:
            hi = mid
        else:
            lo = mid + 1
    return _pack(units, lo)


def split_passages(
    doc: Document, count_tokens: TokenCounter, *, max_tokens: int = 160, min_tokens: int = 48
) -> list[Passage]:
    """Passages of ``doc`` (module docstring). ``count_tokens`` counts word pieces per text."""
    sents = doc.sentences
    counts = count_tokens([doc.text[s.start : s.end] for s in sents])
    by_para: dict[int, list[_Unit]] = {}
    for s, c in zip(sents, counts, strict=True):
        by_para.setdefault(s.paragraph, []).append(_Unit(s.start, s.end, c + 1, s.paragraph))

    # Sections: runs of body paragraphs, each led by the heading before it (if any).
    groups: list[list[_Unit]] = []
    lead: list[_Unit] = []
    pending: list[_Unit] = []
    for i, para in enumerate(doc.paragraphs):
        units = by_para.get(i, [])
        if para.kind in ("title", "heading"):
            if pending:
                groups.append(pending)
                pending = []
            lead = lead + units
            continue
        if para.kind != "body" or not units:
            continue
        units = lead + units
        lead = []
        size = sum(u.tokens for u in units)
        if pending and sum(u.tokens for u in pending) + size <= max_tokens:
            pending = pending + units
        else:
            if pending:
                groups.append(pending)
            pending = units
        if sum(u.tokens for u in pending) >= min_tokens:
            groups.append(pending)
            pending = []
    if pending or lead:
        groups.append(pending + lead)

    passages: list[Passage] = []
    for group in groups:
        for chunk in _balanced(group, max_tokens):
            passages.append(_make(doc, f"{doc.doc_id}#{len(passages)}", "body", chunk[0].start, chunk[-1].end, chunk))

    cited = {m.label for m in doc.markers}
    used: dict[str, int] = {}
    for note in doc.footnotes:
        if note.missing or note.label in cited or note.start is None or note.end is None:
            continue
        units = [_Unit(s.start, s.end, 0, s.paragraph) for s in sents if note.start <= s.start < note.end]
        used[note.label] = used.get(note.label, 0) + 1  # a label used again (symbols per page): "#note-*-2"
        suffix = "" if used[note.label] == 1 else f"-{used[note.label]}"
        passages.append(
            _make(doc, f"{doc.doc_id}#note-{note.label}{suffix}", "note", note.start, note.end, units, note.label)
        )
    return passages


def _make(
    doc: Document,
    pid: str,
    kind: str,
    start: int,
    end: int,
    units: list[_Unit],
    own_note: str | None = None,
) -> Passage:
    markers = [Marker(label=m.label, offset=m.offset - start) for m in doc.markers if start <= m.offset <= end]
    notes = [own_note] if own_note else list(dict.fromkeys(m.label for m in markers))
    if own_note:
        fn = doc.note_at(start) or doc.footnote(own_note)
        pages = [fn.page] if fn and fn.page else [1]
        lines = (fn.line_start or 1, fn.line_end or 1) if fn else (1, 1)
    else:
        pages = doc.pages_between(start, end)
        lines = (doc.line_at(start), doc.line_at(max(end - 1, start)))
    return Passage(
        passage_id=pid,
        doc_id=doc.doc_id,
        kind=kind,  # type: ignore[arg-type]
        text=doc.text[start:end],
        start=start,
        end=end,
        pages=pages,
        line_start=lines[0],
        line_end=lines[1],
        markers=markers,
        sentences=[(u.start - start, u.end - start) for u in units],
        notes=notes,
    )


NoteRows = dict[tuple[str, str], list[int]]


def note_rows(notes: list[dict[str, str]]) -> NoteRows:
    """The index's note rows (its notes with text, in document order) by (doc_id, label)."""
    rows: NoteRows = {}
    for i, n in enumerate(notes):
        rows.setdefault((n["doc_id"], n["label"]), []).append(i)
    return rows


def note_row(rows: NoteRows, doc: Document, passage: Passage, marker: Marker | None = None) -> int | None:
    """The index row of the note ``marker`` of ``passage`` cites, or with no marker, of a note
    passage's own note. Labels may repeat in a document (numbering that restarts by chapter)."""
    if marker is not None:
        note = doc.note_for(marker.label, passage.start + marker.offset)
    else:
        note = doc.note_at(passage.start) or doc.footnote(passage.notes[0])
    found = rows.get((doc.doc_id, note.label)) if note is not None and note.text else None
    if not found or note is None or note.start is None:
        return None
    return found[min(doc.text_note_rank.get(note.start, 0), len(found) - 1)]


def cited_note_rows(passages: list[Passage], documents: dict[str, Document], notes: list[dict[str, str]]) -> list[list[int]]:
    """For each passage, the rows of ``notes`` it cites: its markers' notes, or a note passage its own."""
    rows = note_rows(notes)
    out: list[list[int]] = []
    for x in passages:
        doc = documents[x.doc_id]
        cited = [note_row(rows, doc, x)] if x.kind == "note" else [note_row(rows, doc, x, m) for m in x.markers]
        out.append([r for r in dict.fromkeys(cited) if r is not None])
    return out
