"""The context view's page: a whole reading with a passage marked, its notes numbered and linked
both ways, and for a PDF the page images with the passage's lines. Every piece of text is
escaped (``qa.render.markup``)."""

from __future__ import annotations

from html import escape
from typing import Any

from qa.models import Document
from qa.render import format_pages, markup

__all__ = ["render_document", "render_pdf_pages"]


def render_pdf_pages(doc: Document, *, start: int, end: int, hl_start: int, hl_end: int, image_url: Any) -> str:
    """The PDF pages a passage lies on, as images with its lines marked (its best sentence's
    lines more strongly); ``image_url(page index)`` gives each page image's address."""
    boxes = [b for b in doc.boxes if b.start < end and start < b.end]
    figures = []
    for index in sorted({b.index for b in boxes}):
        page = next((p for p in doc.pages if p.index == index), None)
        if page is None or not page.width or not page.height:
            continue
        w, h = page.width, page.height
        marks = []
        for b in boxes:
            if b.index != index:
                continue
            cls = "qa-pdf-mark qa-pdf-hl" if b.start < hl_end and hl_start < b.end else "qa-pdf-mark"
            marks.append(
                f'<span class="{cls}" style="left:{100 * b.x0 / w:.2f}%;top:{100 * b.top / h:.2f}%;'
                f'width:{100 * (b.x1 - b.x0) / w:.2f}%;height:{100 * (b.bottom - b.top) / h:.2f}%"></span>'
            )
        label = escape(page.label or str(page.number))
        figures.append(
            f'<figure class="qa-pdf-page"><div class="qa-pdf-sheet" style="aspect-ratio:{w:.1f}/{h:.1f}">'
            f'<img src="{escape(image_url(index))}" alt="Page {label} of the PDF, the passage marked" '
            f'loading="lazy">{"".join(marks)}</div>'
            f"<figcaption>Page {label} (page {index + 1} of the file), the passage marked</figcaption></figure>"
        )
    return f'<section class="qa-pdf-pages" aria-label="The passage on the page">{"".join(figures)}</section>' if figures else ""


def _note_ids(doc: Document) -> tuple[dict[int, str], dict[int, int]]:
    """Each note's anchor ("note-4"; "note-1-2" for the second note labelled 1, where a
    numbering restarts), keyed by the note's index; and each marker's note index."""
    ids: dict[int, str] = {}
    seen: dict[str, int] = {}
    for i, f in enumerate(doc.footnotes):
        seen[f.label] = seen.get(f.label, 0) + 1
        ids[i] = f"note-{f.label}" if seen[f.label] == 1 else f"note-{f.label}-{seen[f.label]}"
    index = {id(f): i for i, f in enumerate(doc.footnotes)}
    cites: dict[int, int] = {}
    for j, m in enumerate(doc.markers):
        note = doc.note_for(m.label, m.offset)
        if note is not None and id(note) in index:
            cites[j] = index[id(note)]
    return ids, cites


def render_document(
    doc: Document, *, start: int, end: int, hl_start: int, hl_end: int, css: str = "", page_image_url: Any = None,
    question: str | None = None, back_href: str | None = None,
) -> str:
    """A whole document as a self-contained page, the passage ``[start, end)`` marked and its
    best sentence ``[hl_start, hl_end)`` highlighted; page breaks and notes shown where they are.
    For a PDF (with ``page_image_url``), the pages the passage lies on come first, marked.
    A header names the reading and the passage's pages and leads back to the question
    (``back_href``); each marker links to the note it cites, and each note, numbered, back to
    its first marker."""
    n = len(doc.text)
    start, end = max(0, min(start, n)), max(0, min(end, n))
    hl_start, hl_end = max(start, min(hl_start, end)), max(start, min(hl_end, end))
    note_ids, cites = _note_ids(doc)
    first_ref: dict[int, int] = {}
    for j in sorted(cites):
        first_ref.setdefault(cites[j], j)
    at_start = {f.start: i for i, f in enumerate(doc.footnotes) if f.start is not None}
    first_para = True
    blocks: list[str] = []
    if page_image_url is not None and doc.boxes and end > start:
        blocks.append(render_pdf_pages(doc, start=start, end=end, hl_start=hl_start, hl_end=hl_end,
                                       image_url=page_image_url))
    notes_open = False
    for para in doc.paragraphs:
        a, b = para.start, para.end
        ranges = [
            (start - a, end - a, '<span class="qa-in-passage">', "</span>"),
            (hl_start - a, hl_end - a, '<mark class="qa-highlight">', "</mark>"),
        ]
        points: list[tuple[int, str]] = []
        if a <= start < b or (start < a and first_para and end > a):
            points.append((max(start - a, 0), '<span id="passage" class="qa-anchor"></span>'))
            first_para = False
        for j, m in enumerate(doc.markers):
            if a <= m.offset <= b and not (m.offset == b and para.kind == "note"):
                lab = escape(m.label)
                target = note_ids[cites[j]] if j in cites else f"note-{m.label}"
                points.append((m.offset - a, f'<sup class="qa-marker" id="ref-{j}"><a href="#{escape(target)}" '
                                             f'aria-label="Note {lab}">{lab}</a></sup>'))
        for page in doc.pages:
            if a < page.start < b:
                points.append((page.start - a, f'<span class="qa-pagebreak">[p. {escape(page.label or str(page.number))}]</span>'))
        body = markup(doc.text[a:b], ranges, points)
        if para.kind == "note":
            if not notes_open:
                blocks.append('<section class="qa-doc-notes" aria-label="Notes"><h2>Notes</h2>')
                notes_open = True
            k = at_start.get(a)
            if k is None:  # a note's second paragraph
                blocks.append(f'<p class="qa-doc-note qa-note-more">{body}</p>')
                continue
            f = doc.footnotes[k]
            lab = escape(f.label)
            source = ""
            if f.source:
                of = f" {escape(f.refers_to)}" if f.refers_to else ""
                source = f' <span class="qa-source">(the source of note{of}: {escape(f.source)})</span>'
            back = (f' <a class="qa-backref" href="#ref-{first_ref[k]}" aria-label="Back to the text at marker {lab}">'
                    f"↩</a>" if k in first_ref else "")
            blocks.append(f'<p class="qa-doc-note" id="{escape(note_ids[k])}"><span class="qa-note-label">{lab}</span> '
                          f"{body}{source}{back}</p>")
            continue
        page_mark = ""
        for page in doc.pages:
            if page.start == a and page.start > 0:
                page_mark = f'<div class="qa-pagebreak" role="separator">[p. {escape(page.label or str(page.number))}]</div>'
        tag = {"title": "h1", "heading": "h2"}.get(para.kind, "p")
        blocks.append(f"{page_mark}<{tag}>{body}</{tag}>")
    if notes_open:
        blocks.append("</section>")
    missing = [(k, f) for k, f in enumerate(doc.footnotes) if f.missing]
    if missing:
        items = "".join(
            f'<p class="qa-doc-note" id="{escape(note_ids[k])}"><span class="qa-missing">Note '
            f"{escape(f.label)}: the text of this note is missing from the source.</span>"
            + (f' <a class="qa-backref" href="#ref-{first_ref[k]}" aria-label="Back to the text at marker '
               f'{escape(f.label)}">↩</a>' if k in first_ref else "") + "</p>"
            for k, f in missing
        )
        blocks.append(f'<section class="qa-doc-notes" aria-label="Missing notes">{items}</section>')
    title = escape(doc.title)
    where = format_pages(doc.labels_between(start, end)) if end > start else ""
    asked = f"Back to your question: “{escape(question)}”" if question else "Ask a question about the reading"
    head = (
        '<header class="qa-context-head"><nav aria-label="Where this page leads">'
        f'<a class="qa-back" href="{escape(back_href or "/")}">← {asked}</a></nav>'
        f'<p class="qa-context-where">{title}' + (f" — the passage is on {escape(where)}, marked below" if where else "")
        + "</p></header>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{css}</style></head>"
        f'<body class="qa-context-page">{head}<main>{"".join(blocks)}</main></body></html>'
    )
