"""Answer -> HTML for the web views. Every piece of text from the corpus or the user goes
through ``html.escape`` and is then wrapped in fixed tags (``<mark>``, ``<sup>``, ``<ol>``);
no text is ever searched for in the output: offsets come from the Answer. No Gradio import.
"""

from __future__ import annotations

from html import escape

from qa.models import Answer, AnswerPassage

__all__ = ["format_pages", "relevance_label", "render_answer", "render_passage", "render_passage_text"]


def format_pages(pages: list[int]) -> str:
    if not pages:
        return ""
    if len(pages) == 1:
        return f"p. {pages[0]}"
    return f"pp. {pages[0]}–{pages[-1]}"


def relevance_label(score: float, threshold: float = 0.30) -> str:
    """Words a student reads instead of the raw score (scale in the README)."""
    if score >= 0.55:
        return "strong match"
    if score >= 0.45:
        return "good match"
    if score >= threshold:
        return "possible match"
    return "weak match"


def render_passage_text(p: AnswerPassage) -> str:
    """The passage text, escaped, with the highlight in <mark> and markers as <sup>."""
    h = p.highlight
    events: dict[int, list[str]] = {}
    events.setdefault(h.end, []).append("</mark>")
    for m in p.markers:
        label = escape(m.label)
        events.setdefault(m.offset, []).append(
            f'<sup class="qa-marker" title="note {label}">{label}</sup>'
        )
    events.setdefault(h.start, []).append('<mark class="qa-highlight">')
    out: list[str] = []
    pos = 0
    for off in sorted(events):
        out.append(escape(p.text[pos:off]))
        tags = events[off]
        # at one offset: close the highlight, then markers, then open it
        tags.sort(key=lambda t: 0 if t == "</mark>" else (2 if t.startswith("<mark") else 1))
        if h.start == h.end:
            tags = [t for t in tags if "mark" not in t or "qa-marker" in t]
        out.extend(tags)
        pos = off
    out.append(escape(p.text[pos:]))
    return "".join(out)


def render_passage(p: AnswerPassage, *, threshold: float = 0.30) -> str:
    notes = []
    for c in p.citations:
        label = escape(c.label)
        if c.missing:
            body = '<span class="qa-missing">the text of this note is missing from the source</span>'
        else:
            body = escape(c.text or "")
            if c.source:
                body += f' <span class="qa-source">→ {escape(c.source)}</span>'
        notes.append(f'<li value="{label}" data-label="{label}"><span class="qa-note-label">{label}</span> {body}</li>')
    notes_html = f'<ol class="qa-notes">{"".join(notes)}</ol>' if notes else ""
    return (
        f'<article class="qa-passage" data-passage-id="{escape(p.passage_id)}">'
        f'<header><span class="qa-rank">{p.rank}</span> '
        f'<span class="qa-doc">{escape(p.title)}</span>, '
        f'<span class="qa-pages">{escape(format_pages(p.pages))}</span> '
        f'<span class="qa-relevance">{relevance_label(p.score, threshold)}</span></header>'
        f'<p class="qa-text">{render_passage_text(p)}</p>{notes_html}</article>'
    )


def render_answer(answer: Answer, *, threshold: float = 0.30) -> str:
    """The whole answer: a notice when the text does not answer, then the passage cards."""
    parts = []
    if answer.error:
        parts.append(f'<div class="qa-error" role="alert">{escape(answer.error)}</div>')
    elif not answer.answered:
        parts.append(
            f'<div class="qa-noanswer" role="status">{escape(answer.message or "The text does not seem to answer this.")}</div>'
        )
    parts.extend(render_passage(p, threshold=threshold) for p in answer.passages)
    cls = "qa-answer" if answer.answered else "qa-answer qa-unanswered"
    return f'<section class="{cls}">{"".join(parts)}</section>'
