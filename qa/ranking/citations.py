"""Markers in a passage -> citations: the note's text, its resolved source, or "missing"."""

from __future__ import annotations

from qa.models import Citation, Document, Passage

__all__ = ["citations_for"]


def citations_for(passage: Passage, doc: Document) -> list[Citation]:
    """One citation per marker in text order; a note passage cites its own note."""
    if passage.kind == "body":  # each marker's own note, also where labels repeat (chapters, symbols)
        cited = [(m.label, doc.note_for(m.label, passage.start + m.offset)) for m in passage.markers]
    else:
        own = doc.note_at(passage.start)
        cited = [(label, own if own is not None and own.label == label else doc.footnote(label))
                 for label in passage.notes]
    out: list[Citation] = []
    for label, note in cited:
        if note is None or note.missing or note.text is None:
            out.append(Citation(label=label, text=None, source=None, missing=True))
        else:
            out.append(
                Citation(label=label, text=note.text, source=note.source, missing=False, refers_to=note.refers_to)
            )
    return out
