"""Answer -> HTML for the web views. Every piece of text from the corpus or the user goes
through ``html.escape`` and is then wrapped in fixed tags (``<mark>``, ``<sup>``, ``<ol>``);
no text is ever searched for in the output: offsets come from the Answer. No Gradio import.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from qa.config import DEFAULT_ANSWER_THRESHOLD
from qa.models import Answer, AnswerPassage

__all__ = [
    "context_href",
    "markup",
    "format_pages",
    "relevance_label",
    "render_answer",
    "render_conversation",
    "render_passage",
    "render_passage_text",
    "render_turn",
    "render_turns",
]


def format_pages(pages: Sequence[int | str]) -> str:
    """"p. 4", "pp. 4–5", "p. iv": pass a passage's ``page_labels`` where it has them (what the
    pages print), else its ``pages``."""
    if not pages:
        return ""
    if len(pages) == 1:
        return f"p. {pages[0]}"
    return f"pp. {pages[0]}–{pages[-1]}"


def relevance_label(score: float, threshold: float = DEFAULT_ANSWER_THRESHOLD) -> str:
    """Words a student reads instead of the raw score (scale in the README)."""
    if score >= 0.55:
        return "strong match"
    if score >= 0.45:
        return "good match"
    if score >= threshold:
        return "possible match"
    return "weak match"


def markup(text: str, ranges: list[tuple[int, int, str, str]], points: list[tuple[int, str]]) -> str:
    """Escape ``text`` and wrap it in fixed tags by offset.

    ``ranges`` are ``(start, end, open_tag, close_tag)``, outermost first; each stretch of text
    is wrapped in the ranges that cover it, so tags always nest, however the ranges overlap.
    ``points`` are ``(offset, html)`` inserted before the text at that offset.
    """
    n = len(text)
    ranges = [(max(0, a), min(n, b), o, c) for a, b, o, c in ranges if min(n, b) > max(0, a)]
    cuts = sorted({0, n, *(a for a, *_ in ranges), *(b for _, b, *_ in ranges),
                   *(min(max(o, 0), n) for o, _ in points)})
    at: dict[int, list[str]] = {}
    for off, tag in points:
        at.setdefault(min(max(off, 0), n), []).append(tag)
    out: list[str] = []
    for a, b in zip(cuts, [*cuts[1:], n], strict=True):
        out.extend(at.get(a, ()))
        if b <= a:
            continue
        cover = [(o, c) for s, e, o, c in ranges if s <= a and b <= e]
        out.extend(o for o, _ in cover)
        out.append(escape(text[a:b]))
        out.extend(c for _, c in reversed(cover))
    return "".join(out)


def _marker_tag(label: str) -> str:
    lab = escape(label)
    return f'<sup class="qa-marker" title="note {lab}">{lab}</sup>'


def _mark(weak: bool) -> str:
    """The highlight's opening tag: an answer's, or faint (``qa-weak``)."""
    return '<mark class="qa-highlight qa-weak">' if weak else '<mark class="qa-highlight">'


def render_passage_text(p: AnswerPassage, *, weak: bool = False) -> str:
    """The passage text, escaped, with the highlight in <mark> and markers as <sup>. ``weak``:
    the passage scores under the answer threshold, and its best sentence is marked faintly, not
    like an answer."""
    h = p.highlight
    return markup(
        p.text,
        [(h.start, h.end, _mark(weak), "</mark>")],
        [(m.offset, _marker_tag(m.label)) for m in p.markers],
    )


def context_href(p: AnswerPassage, base: str = "/context", question: str | None = None) -> str:
    """Link to the whole document at this passage, with its highlight (absolute offsets), and
    the question it answers (for the page's way back)."""
    params: dict[str, Any] = {
        "start": p.char_start, "end": p.char_end,
        "hs": p.char_start + p.highlight.start, "he": p.char_start + p.highlight.end,
    }
    if question:
        params["q"] = question
    query = urlencode(params)
    return f"{base}/{quote(p.document, safe='')}?{query}#passage"


def quote_with_page(p: AnswerPassage) -> str:
    """The highlighted sentence as a student quotes it: “…” (Title, p. 4, n. 1)."""
    where = format_pages(p.page_labels or p.pages)
    note = f", n. {p.highlight.note}" if p.highlight.note else ""
    return f"“{' '.join(p.highlight.text.split())}” ({p.title}, {where}{note})"


def citation(p: AnswerPassage) -> str:
    """The passage cited: Title, p. 4, n. 1 (the note that answers, when one does)."""
    note = f", n. {p.highlight.note}" if p.highlight.note else ""
    return f"{p.title}, {format_pages(p.page_labels or p.pages)}{note}."


def _copy_button(text: str, label: str, what: str) -> str:
    """A button that copies ``text`` (qa/web/static/page.js; hidden where that script does not run).
    Its accessible name ``what`` begins with the visible ``label`` (WCAG 2.5.3)."""
    return (f'<button type="button" class="qa-copy" data-copy="{escape(text, quote=True)}" '
            f'aria-label="{escape(what)}">{escape(label)}</button>')


def render_passage(p: AnswerPassage, *, threshold: float = DEFAULT_ANSWER_THRESHOLD, context_base: str | None = None,
                   question: str | None = None, best: bool = False, weak: bool | None = None) -> str:
    """A passage card. ``best``: the answer, shown first and marked so. ``weak`` (by default:
    the passage scores under ``threshold``): its sentence is marked faintly, not like an answer."""
    weak = p.score < threshold if weak is None else weak
    notes = []
    for c in p.citations:
        label = escape(c.label)
        if c.missing:
            body = '<span class="qa-missing">the text of this note is missing from the source</span>'
        else:
            body = escape(c.text or "")
            if c.source:
                body += f' <span class="qa-source">→ {escape(c.source)}</span>'
        if c.label == p.highlight.note and not c.missing:
            notes.append(f'<li value="{label}" data-label="{label}" class="qa-note-answer">'
                         f'<span class="qa-note-label">{label}</span> {_mark(weak)}{body}</mark></li>')
            continue
        notes.append(f'<li value="{label}" data-label="{label}"><span class="qa-note-label">{label}</span> {body}</li>')
    notes_html = (
        f'<ol class="qa-notes" aria-label="Notes cited in this passage">{"".join(notes)}</ol>' if notes else ""
    )
    link = ""
    if context_base is not None:
        link = (
            f' <a class="qa-context" href="{escape(context_href(p, context_base, question))}" target="_blank" '
            f'rel="noopener">Show in context<span class="qa-sr-only"> (opens in a new tab)</span>'
            f'<span class="qa-newtab" aria-hidden="true" title="Opens in a new tab"> ↗</span></a>'
        )
    cls = "qa-passage qa-best" if best else ("qa-passage qa-weak-passage" if weak else "qa-passage")
    what = "The answer" if best else f"Passage {p.rank}"
    badge = '<span class="qa-best-label">Answer</span> ' if best else ""
    return (
        f'<article class="{cls}" data-passage-id="{escape(p.passage_id)}" '
        f'aria-label="{what}, {escape(format_pages(p.page_labels or p.pages))}">'
        f'<header>{badge}<span class="qa-rank">{p.rank}</span> '
        f'<span class="qa-doc">{escape(p.title)}</span><span class="qa-doc-sep">, </span>'
        f'<span class="qa-pages">{escape(format_pages(p.page_labels or p.pages))}</span> '
        f'<span class="qa-relevance">{relevance_label(p.score, threshold)}</span>{link}</header>'
        f'<p class="qa-text">{render_passage_text(p, weak=weak)}</p>{notes_html}'
        f'<div class="qa-tools">{_copy_button(quote_with_page(p), "Copy quote", f"Copy quote with its page, passage {p.rank}")}'
        f'{_copy_button(citation(p), "Copy citation", f"Copy citation of passage {p.rank}")}</div></article>'
    )


def language_note(code: str) -> str:
    """What a student asking in another language is told: the answers are the reading's own words."""
    name = None
    if code in ("bs", "hr"):  # in Latin script lingua cannot tell these from Serbian: nor should we claim to
        name = "Bosnian, Croatian or Serbian"
    elif code != "und":
        try:
            from lingua import IsoCode639_1, Language

            name = Language.from_iso_code_639_1(IsoCode639_1.from_str(code)).name.title()
        except (ImportError, ValueError):
            name = None
    asked = f"Your question seems to be in {name}." if name else "Your question seems to be in another language than the reading."
    return f"{asked} The passages are quoted from the reading, in its own language."


def render_answer(answer: Answer, *, threshold: float = DEFAULT_ANSWER_THRESHOLD, context_base: str | None = None,
                  foreign_threshold: float | None = None) -> str:
    """The whole answer: a notice when the text does not answer, then the passage cards.
    ``foreign_threshold``: the threshold of questions in another language (their scores sit lower)."""
    if answer.language and foreign_threshold is not None:
        threshold = foreign_threshold
    parts = []
    if answer.language and not answer.error:
        parts.append(f'<div class="qa-language" role="note">{escape(language_note(answer.language))}</div>')
    if answer.error:
        parts.append(f'<div class="qa-error" role="alert">{escape(answer.error)}</div>')
    elif not answer.answered:
        parts.append(
            f'<div class="qa-noanswer" role="status">{escape(answer.message or "The text does not seem to answer this.")}</div>'
        )
    # where the text does not answer, no sentence looks like an answer, however close its passage
    cards = [render_passage(p, threshold=threshold, context_base=context_base, question=answer.question,
                            best=answer.answered and k == 0, weak=None if answer.answered else True)
             for k, p in enumerate(answer.passages)]
    if answer.answered:  # one clear answer, then the rest as further evidence
        parts.append(cards[0])
        if len(cards) > 1:
            parts.append('<section class="qa-further" aria-label="Further evidence"><h3 class="qa-further-head">'
                         f'Further evidence</h3>{"".join(cards[1:])}</section>')
    elif cards:
        parts.append('<section class="qa-further" aria-label="Closest passages"><h3 class="qa-further-head">'
                     f'The closest passages</h3>{"".join(cards)}</section>')
    cls = "qa-answer" if answer.answered else "qa-answer qa-unanswered"
    return f'<section class="{cls}">{"".join(parts)}</section>'


def render_turn(
    answer: Answer, *, threshold: float = DEFAULT_ANSWER_THRESHOLD, context_base: str | None = None, share_base: str | None = None,
    foreign_threshold: float | None = None,
) -> str:
    """One question and its answer, with a link that asks the question again."""
    share = ""
    if share_base is not None and not answer.error:
        href = f"{share_base}?{urlencode({'q': answer.question})}"
        share = (f' <a class="qa-share" href="{escape(href)}">Link to this question</a> '
                 f'{_copy_button(href, "Copy link", "Copy link to this question")}')
    return (
        f'<div class="qa-turn"><h2 class="qa-question"><span class="qa-you">Question:</span> '
        f"{escape(answer.question)}</h2>{share}"
        f"{render_answer(answer, threshold=threshold, context_base=context_base, foreign_threshold=foreign_threshold)}</div>"
    )


def render_conversation(
    answers: list[Answer], *, threshold: float = DEFAULT_ANSWER_THRESHOLD, context_base: str | None = None,
    share_base: str | None = None,
) -> str:
    """The latest turn in full, then the earlier ones (newest first), folded."""
    kw = {"threshold": threshold, "context_base": context_base, "share_base": share_base}
    return render_turns([(a.question, render_turn(a, **kw)) for a in answers])  # type: ignore[arg-type]


def render_turns(turns: list[tuple[str, str]]) -> str:
    """A conversation from turns already rendered: ``(question, render_turn's HTML)``, oldest
    first. The web page keeps its turns so, not as Answers (a fifth of the memory)."""
    if not turns:
        return '<div class="qa-empty">Ask a question about the reading. The answer quotes the text itself.</div>'
    earlier = [
        f'<details class="qa-earlier"><summary>{escape(question)}</summary>{html}</details>'
        for question, html in reversed(turns[:-1])
    ]
    rest = (
        f'<section class="qa-history" aria-label="Earlier questions"><h2>Earlier in this conversation</h2>'
        f'{"".join(earlier)}</section>' if earlier else ""
    )
    return f'<div class="qa-conversation">{turns[-1][1]}{rest}</div>'
