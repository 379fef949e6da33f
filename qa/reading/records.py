"""Documents from records rather than files (benchmark collections): a title and a plain body."""

from __future__ import annotations

import hashlib
import logging
import re

from qa.models import Document
from qa.reading.layout import Builder, Piece, finish

logger = logging.getLogger(__name__)

__all__ = ["plain_document"]


def plain_document(doc_id: str, title: str, body: str, *, source_path: str = "") -> Document:
    """A Document from a title and plain body text (one page, paragraphs at blank lines).

    For corpora that come as records rather than files, such as benchmark collections."""
    builder = Builder()
    headings: list[str] = []
    line = 1
    if title.strip():
        builder.add_block("title", [Piece(" ".join(title.split()), line, 1, [])])
    for para in re.split(r"\n\s*\n", body):
        text = " ".join(para.split())
        line += 1
        if text:
            builder.add_block("body", [Piece(text, line, 1, [])])
    return finish(
        builder=builder, notes=[], marker_pages={}, doc_id=doc_id, source_path=source_path,
        sha256=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(),
        title=" ".join(title.split()) or doc_id, headings=headings, artefacts=[], warnings=[],
        last_line=line, source_format="plain",
    )
