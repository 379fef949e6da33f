"""Markers in a passage -> citations: the note's text, its resolved source, or "missing"."""

from __future__ import annotations

from qa.models import Citation, Document, Passage

__all__ = ["citations_for"]


def citations_for(passage: Passage, doc: Document) -> list[Citation]:
    """One citation per marker in text order; a note passage cites its own note."""
    labels = [m.label for m in passage.markers] if passage.kind == "body" else list(passage.notes)
    out: list[Citation] = []
    for label in labels:
        note = doc.footnote(label)
        if note is None or note.missing or note.text is None:
            out.append(Citation(label=label, text=None, source=None, missing=True))
        else:
            out.append(
                Citation(label=label, text=note.text, source=note.source, missing=False, refers_to=note.refers_to)
            )
    return out
