"""The Gradio pages: the students' main page (question box, conversation, example questions, a
link to the teacher's page, ``qa.web.teacher``) and the compact widget for a course page; idle
sessions forgotten."""

from __future__ import annotations

import json
import logging
import os
import re
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any, cast
from urllib.parse import urlsplit

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from qa.config import (
    MAX_TOP_K,  # noqa: E402
    Settings,  # noqa: E402
)
from qa.engine import Engine  # noqa: E402
from qa.errors import QuestionError, QuestionFileError  # noqa: E402
from qa.models import Answer  # noqa: E402
from qa.render import render_answer, render_turn, render_turns  # noqa: E402
from qa.web.api import AskRequest, validation_message  # noqa: E402
from qa.web.browser_js import (  # noqa: E402
    ADDRESS_JS,
    ANSWERED_JS,
    FORGET_JS,
    LOADED_JS,
    PENDING_JS,
    RESTORE_JS,
    STORE_KEY,
)
from qa.web.evaluate import UPLOADS_KEPT, refusal  # noqa: E402
from qa.web.teacher import TEACHER_PATH  # noqa: E402
from qa.web.watch import ReadingWatch  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["forget_idle_sessions", "main_page", "widget"]


WIDGET_TOP_K = 3
Turns = list[tuple[str, bytes]]  # a page session's conversation: (question, zlib of its turn's HTML)


# --------------------------------------------------------------------------- helpers


def _notice(watch: ReadingWatch) -> str:
    """A line above the answers while the readings and the index differ; empty when they agree."""
    if watch.status == "ok" or not watch.detail:
        return ""
    return f'<div class="qa-notice" role="status">{escape(watch.detail)}</div>'


def _ask(engine: Engine, question: object, top_k: int | None, documents: list[str] | None) -> Answer:
    """The engine's answer, or an Answer carrying the message when the question is unusable."""
    try:
        return engine.ask(question, top_k=top_k, documents=documents or None)  # type: ignore[arg-type]
    except QuestionError as exc:
        shown = question if isinstance(question, str) else ""
        if len(shown) > 200:
            shown = shown[:200] + "…"
        return Answer(question=shown, answered=False, passages=[], took_ms=0.0, error=str(exc))


def _example_questions(settings: Settings) -> list[str]:
    path = settings.web.examples_file
    if not path.is_file():
        return []
    from qa.evaluation.questions import EvalQuestion, read_questions

    try:
        items, _ = read_questions(path)
    except QuestionFileError as exc:
        logger.warning("no example questions: %s", exc)
        return []
    return [q.question for q in items if isinstance(q, EvalQuestion)][:8]


def _int_param(value: str | None, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(value or default), lo), hi)
    except ValueError:
        return default


def forget_idle_sessions(
    page: gr.Blocks, idle_seconds: float, *, now: datetime | None = None,
    on_forget: Callable[[str], None] | None = None,
) -> int:
    """Drop every session of ``page`` not used for ``idle_seconds``: its state and the input
    and output values Gradio keeps for it (about 90 KB for one question, the page's HTML for
    many). Gradio drops a session only past its capacity (``state_session_capacity``) and keeps
    the rest for good. Returns how many went."""
    holder = getattr(page, "state_holder", None)
    if holder is None:
        return 0
    cutoff = (now or datetime.now()) - timedelta(seconds=idle_seconds)
    with holder.lock:
        idle = [sid for sid, used in list(holder.time_last_used.items()) if used < cutoff]
    for sid in idle:
        holder.delete_state(sid)  # runs each State's delete_callback, as Gradio's own expiry does
        with holder.lock:
            holder.session_data.pop(sid, None)
            holder.time_last_used.pop(sid, None)
        if on_forget is not None:
            on_forget(sid)
    return len(idle)


def _example(ask: Callable[..., Any], text: str) -> Callable[..., Any]:
    """An example button's handler: ``ask`` with its question (a named function, not a
    functools.partial, so that Gradio sees the request parameter and passes it)."""
    def run(top_k: float, documents: list[str] | None, history: Turns, request: gr.Request) -> Any:
        return ask(text, top_k, documents, history, request)

    return run


def app_address(request: gr.Request | None, settings: Settings) -> str:
    """Where the app is, as the student's browser reaches it: ``web.public_url``, else the scheme
    and host the request came to (a course page that embeds the app with ``<gradio-app>`` sends
    its requests here, while a bare "/context" link would resolve against the course site)."""
    if settings.web.public_url:
        return settings.web.public_url.rstrip("/")
    url = str(getattr(request, "url", "") or "") if request is not None else ""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    host = (dict(getattr(request, "headers", {}) or {}) if request is not None else {}).get("host", "")
    return f"http://{host}" if re.fullmatch(r"[\w.\-\[\]:]+", host or "") else ""


def main_page(watch: ReadingWatch, settings: Settings) -> gr.Blocks:
    """The students' page: the question box, the examples, the conversation."""
    threshold = settings.ranking.answer_threshold
    max_turns = settings.web.max_turns
    docs = watch.engine.documents  # the title and the document filter: as at the start
    title = next(iter(docs.values())).title if len(docs) == 1 else "Course readings"

    # A session keeps its turns rendered and compressed, (question, zlib(HTML)): 2.7 KB for a
    # turn of the essay against 13 KB as an Answer; Gradio keeps the page's HTML besides.
    def render_kw(request: gr.Request | None) -> dict[str, Any]:
        base = app_address(request, settings)
        return {"threshold": threshold, "context_base": f"{base}/context", "share_base": f"{base}/",
                "foreign_threshold": settings.ranking.multilingual_answer_threshold}

    def show(history: Turns) -> str:
        return _notice(watch) + render_turns([(q, zlib.decompress(html).decode("utf-8")) for q, html in history or []])

    def ask(question: str, top_k: float, documents: list[str] | None, history: Turns,
            request: gr.Request) -> tuple[str, Turns, str]:
        # the question stays in the box, so that a student can refine it; an empty one is said
        # beside the box and adds no turn (the last answer stays open)
        if not isinstance(question, str) or not question.strip():
            gr.Warning("Type a question about the reading first.")
            return show(history), history, question
        history = with_turn(question, top_k, documents, history, request)
        return show(history), history, question

    def with_turn(question: str, top_k: float, documents: list[str] | None, history: Turns,
                  request: gr.Request | None) -> Turns:
        """``history`` with the question's answer as its newest turn (the oldest go past max_turns)."""
        answer = _ask(watch.engine, question, int(top_k), documents)
        turn = (answer.question, zlib.compress(render_turn(answer, **render_kw(request)).encode("utf-8"), 6))
        return [*(history or []), turn][-max_turns:]

    # the most a browser's list can hold: max_turns questions at the length cap, each character
    # escaped in JSON at 6 bytes at most
    stored_cap = max_turns * (settings.max_question_chars * 6 + 4) + 2

    def stored_questions(stored: str) -> list[str]:
        """The questions the browser kept (a JSON list of strings); anything else is ignored."""
        try:
            kept = json.loads(stored) if isinstance(stored, str) and len(stored) <= stored_cap else []
        except ValueError:
            return []
        if not isinstance(kept, list):
            return []
        return [q for q in kept if isinstance(q, str) and q.strip() and len(q) <= settings.max_question_chars][-max_turns:]

    def on_load(top_k: float, documents: list[str] | None, history: Turns, stored: str,
                request: gr.Request) -> tuple[Any, ...]:
        q = dict(request.query_params).get("q") if request else None
        if not history:  # a new page (a reload, a new tab): the browser's questions, asked again
            kept = stored_questions(stored)
            for earlier in kept:
                history = with_turn(earlier, top_k, documents, history, request)
            if q and kept and kept[-1] == q.strip():  # a reload of the page that asked it: not twice
                return show(history), history, q
        if q:
            return ask(q, top_k, documents, history, request)
        # leave the question box alone: a student may already be typing
        return show(history), history, gr.update()

    def teacher_link(request: gr.Request) -> str:
        """The link to the teacher's page, absolute: it works in a page that embeds this one."""
        href = f"{app_address(request, settings)}{TEACHER_PATH}/"
        return f'<p class="qa-teacher-link"><a href="{escape(href)}">For teachers: check a question set</a></p>'

    def clear() -> tuple[str, Turns]:
        return show([]), []

    def api_ask(question: str, top_k: int = settings.top_k, documents: list[str] | None = None) -> dict[str, Any]:
        """Answer a question from the reading: the Answer JSON (ranked passages, highlight, citations)."""
        if isinstance(top_k, int | float) and not isinstance(top_k, bool):
            top_k = min(max(int(top_k), 1), MAX_TOP_K)  # the slider's range is narrower; clients may send any number
        try:
            req = AskRequest.model_validate({"question": question, "top_k": top_k, "documents": documents or None})
        except ValidationError as exc:
            raise refusal(validation_message(exc)) from None
        try:
            answer = watch.engine.ask(req.question, top_k=req.top_k, documents=req.documents)
        except QuestionError as exc:
            raise refusal(str(exc)) from None
        return answer.model_dump(mode="json")

    with gr.Blocks(title=f"Ask: {title}", analytics_enabled=False) as page:
        history = gr.State([])
        stored = gr.Textbox(visible=False)  # the questions this browser kept (RESTORE_JS fills it at load)
        gr.api(api_ask, api_name="ask")  # type: ignore[attr-defined]  # first, so the name 'ask' is this endpoint's
        gr.HTML(
            f'<header class="qa-title"><h1>{escape(title)}</h1><p>Ask a question; the answer quotes the '
            "reading itself, with its page and footnotes. Nothing is made up.</p></header>"
        )
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                label="Your question", placeholder="Type a question about the reading and press Enter",
                scale=5, elem_id="qa-question", autofocus=True,
            )
            ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
        # a student sees the box, the examples and the answers; the rest waits, folded
        with gr.Accordion("Options", open=False, elem_id="qa-options"), gr.Row():
            top_k = gr.Slider(1, 10, value=settings.top_k, step=1, label="Passages to show", elem_id="qa-top-k")
            doc_filter = gr.Dropdown(
                choices=[(d.title, d.doc_id) for d in docs.values()], value=[], multiselect=True,
                label="Search only in (all readings when empty)", visible=len(docs) > 1, elem_id="qa-documents",
            )
        examples = _example_questions(settings)
        example_buttons = []
        if examples:
            with gr.Row(elem_classes=["qa-examples"]):
                gr.Markdown("**Example questions:**")
                for text in examples:
                    example_buttons.append((gr.Button(text, size="sm", variant="secondary"), text))
        # one reading: its title is the page's, not repeated on every card
        conversation = gr.HTML(show([]), elem_id="qa-conversation",
                               elem_classes=["qa-one-doc"] if len(docs) == 1 else None)
        clear_button = gr.Button("Clear conversation", size="sm", variant="secondary", elem_id="qa-clear")
        # teachers find their page by this link, not a tab beside the student's question box
        teacher = gr.HTML('<p class="qa-teacher-link"><a href="teacher/">For teachers: check a question set</a></p>')
        outputs = [conversation, history, question]
        inputs = [question, top_k, doc_filter, history]
        private: dict[str, Any] = {"api_visibility": "private"}
        # the address bar then holds the question asked (a reload asks it again, not an older one)
        js_vars = {"key": STORE_KEY, "max_turns": max_turns, "max_chars": settings.max_question_chars}
        in_address = {"fn": None, "inputs": [question], "js": ADDRESS_JS % js_vars, "api_visibility": "private"}
        # .success: after an answer only (.then runs after a dropped request too)
        question.submit(ask, inputs, outputs, js=PENDING_JS, **private).success(**in_address)
        ask_button.click(ask, inputs, outputs, js=PENDING_JS, **private).success(**in_address)
        for button, text in example_buttons:
            button.click(_example(ask, text), [top_k, doc_filter, history], outputs, **private).then(**in_address)
        clear_button.click(clear, None, [conversation, history], **private).then(
            fn=None, js=FORGET_JS % js_vars, api_visibility="private")
        page.load(on_load, [top_k, doc_filter, history, stored], outputs, js=RESTORE_JS % js_vars, **private).then(
            fn=None, js=LOADED_JS % js_vars, api_visibility="private")
        page.load(teacher_link, None, [teacher], queue=False, **private)
    page.queue(
        default_concurrency_limit=settings.web.concurrency, max_size=settings.web.queue_size, api_open=False
    )
    page.state_session_capacity = settings.web.max_sessions
    return cast(gr.Blocks, page)


_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    def lin(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.03928 else float(((x + 0.055) / 1.055) ** 2.4)
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def accent_style(value: str) -> str | None:
    """A ``<style>`` giving the widget the course page's accent colour (``#1d4ed8`` or ``1d4ed8``,
    3 or 6 hex digits): its buttons, the answer's badge and border, the focus ring. The buttons'
    text is white or near-black, whichever reads better on it (at least 4.5:1 where either can).
    None for anything that is not such a colour."""
    m = _HEX.fullmatch(value.strip())
    if not m:
        return None
    digits = m.group(1) if len(m.group(1)) == 6 else "".join(c * 2 for c in m.group(1))
    colour = f"#{digits.lower()}"
    lum = _luminance((int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)))
    on_white, on_dark = 1.05 / (lum + 0.05), (lum + 0.05) / (_luminance((17, 24, 39)) + 0.05)
    text = "#ffffff" if on_white >= on_dark else "#111827"
    return (f"<style>:root, .gradio-container {{ --color-accent: {colour}; "
            f"--button-primary-background-fill: {colour}; --button-primary-background-fill-hover: {colour}; "
            f"--button-primary-border-color: {colour}; --button-primary-text-color: {text}; "
            f"--button-primary-text-color-hover: {text}; }} "
            f".qa-best-label {{ background: {colour} !important; color: {text} !important; }}</style>")


def widget(watch: ReadingWatch, settings: Settings) -> gr.Blocks:
    threshold = settings.ranking.answer_threshold

    def read_params(request: gr.Request) -> tuple[dict[str, Any], str, str]:
        """The embed's parameters, a notice for the teacher when ``doc=`` names a reading that is
        not here or ``accent=`` is no colour (said when the widget loads, not when a student
        asks), and the accent's style."""
        query = dict(request.query_params) if request else {}
        k = _int_param(query.get("k"), WIDGET_TOP_K, 1, MAX_TOP_K)
        documents = [d.strip() for d in (query.get("doc") or "").split(",") if d.strip()]
        unknown = [d for d in documents if d not in watch.engine.documents]
        notices, style = [], ""
        if "accent" in query:
            style = accent_style(query["accent"]) or ""
            if not style:
                logger.warning("widget embedded with accent=%r: not a colour like #1d4ed8", query["accent"][:40])
                notices.append("This widget's <code>accent=</code> is not a colour: give it as six (or three) hex "
                               "digits, such as <code>accent=1d4ed8</code> (a # is written %23 in an address).")
        if unknown:
            names = ", ".join(sorted(watch.engine.documents)[:20])
            logger.warning("widget embedded with doc=%s: no such reading (the readings: %s)",
                           ",".join(unknown)[:200], names)
            notices.append(f"This widget is set to search a reading named {escape(', '.join(unknown))}, which is "
                           f"not here. The readings here are: {escape(names)}. Whoever embedded it: correct "
                           "<code>doc=</code> in the embed code.")
        notice = "".join(f'<div class="qa-error" role="alert">{n}</div>' for n in notices)
        known = [d for d in documents if d in watch.engine.documents]
        return {"k": k, "documents": known or None}, notice, style

    def ask(question: str, params: dict[str, Any], request: gr.Request) -> str:
        params = params or {"k": WIDGET_TOP_K, "documents": None}
        answer = _ask(watch.engine, question, params["k"], params["documents"])
        return _notice(watch) + render_answer(answer, threshold=threshold,
                                              context_base=f"{app_address(request, settings)}/context",
                                              foreign_threshold=settings.ranking.multilingual_answer_threshold)

    with gr.Blocks(title="Ask the reading", analytics_enabled=False, fill_width=True, delete_cache=UPLOADS_KEPT) as page:
        params = gr.State({"k": WIDGET_TOP_K, "documents": None})
        gr.HTML('<h1 class="qa-sr-only">Ask the reading</h1>', padding=False)  # the frame's own page needs one
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                label="Ask the reading", placeholder="Your question, then Enter",
                scale=5, elem_id="qa-question",
            )
            button = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="qa-ask")
        answer = gr.HTML("", elem_id="qa-answer")
        accent = gr.HTML("", padding=False, elem_id="qa-accent")  # the course page's colour (?accent=)
        private: dict[str, Any] = {"api_visibility": "private"}
        answered = {"fn": None, "js": ANSWERED_JS, "api_visibility": "private"}
        question.submit(ask, [question, params], answer, js=PENDING_JS, **private).success(**answered)
        button.click(ask, [question, params], answer, js=PENDING_JS, **private).success(**answered)
        page.load(read_params, None, [params, answer, accent], **private)
    page.queue(
        default_concurrency_limit=settings.web.concurrency, max_size=settings.web.queue_size, api_open=False
    )
    page.state_session_capacity = settings.web.max_sessions
    return cast(gr.Blocks, page)


