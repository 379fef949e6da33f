"""The web app: one FastAPI app that serves

- ``/``            the Gradio main page (question box, conversation, example questions);
- ``/widget/``     a compact Gradio page for an iframe in a course page
                   (query parameters: ``k`` passages, ``doc`` document ids, ``theme``);
- ``POST /api/ask`` the engine's Answer JSON; ``GET /healthz``;
- ``/context/<doc_id>`` the whole document with a passage marked ("show in context");
- ``/gradio.js``   Gradio's web-component loader, for ``<gradio-app>`` on a course page;
- ``/examples/``   the example course pages, when the folder is given.

Every handler calls the engine, then ``qa.render`` turns the Answer into escaped HTML.
Gradio is imported here only; ``GRADIO_ANALYTICS_ENABLED`` is set off before it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import threading
import zlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import datetime, timedelta
from functools import partial
from html import escape
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import anyio  # noqa: E402
import gradio as gr  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.middleware.cors import CORSMiddleware  # noqa: E402
from fastapi.responses import (  # noqa: E402
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field, ValidationError  # noqa: E402

from qa.config import Settings, load_settings  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.errors import DocumentError, QAError, QuestionError, QuestionFileError  # noqa: E402
from qa.models import Answer  # noqa: E402
from qa.render import render_answer, render_document, render_turn, render_turns  # noqa: E402
from qa.web.watch import ReadingWatch  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["AskRequest", "create_app"]

STATIC = Path(__file__).resolve().parent / "static"
WIDGET_TOP_K = 3
BUSY = "busy, try again"
Turns = list[tuple[str, bytes]]  # a page session's conversation: (question, zlib of its turn's HTML)

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class AskRequest(BaseModel):
    """Body of ``POST /api/ask``."""

    model_config = ConfigDict(extra="forbid")

    question: str
    top_k: int = Field(default=5, ge=1, le=20)
    documents: list[str] | None = None


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


# The pages' policy: nothing loads from, or is sent to, another host; no plugins; no <base> or
# form target elsewhere. Gradio's page carries inline scripts (its config) and inline styles,
# and gr.HTML evaluates its templates and js_on_load with new Function() (EvalError without
# 'unsafe-eval', seen in Chromium), so those stay allowed; images and fonts may be data: or
# blob: URLs, as Gradio makes them.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
)


def _csp(settings: Settings, extra: str = PAGE_POLICY) -> str:
    ancestors = " ".join(settings.web.frame_ancestors) or "'none'"
    return f"{extra}frame-ancestors {ancestors}"


class SecurityHeaders:
    """Pure ASGI middleware (streams pass through untouched).

    Adds ``Content-Security-Policy: frame-ancestors ...`` (unless the route set its own CSP),
    ``X-Content-Type-Options`` and ``Referrer-Policy`` to every response, and turns
    ``?theme=dark|light`` on the pages into Gradio's own ``__theme`` parameter.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.csp = _csp(settings).encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET" and scope["path"] in ("/", "/widget/"):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            theme = query.get("theme")
            if theme in ("dark", "light") and "__theme" not in query:
                query["__theme"] = theme
                response = RedirectResponse(f"{scope['path']}?{urlencode(query)}", status_code=307)
                await response(scope, receive, send)
                return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.csp))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class KnownEndpoints:
    """Pure ASGI middleware: ``/gradio_api/call/<name>`` for a name no page has gets 404 with a
    message (Gradio answered 500 and reset the connection)."""

    CALL = re.compile(r"^(/widget)?/gradio_api/call/([^/]+)(/[^/]+)?$")

    def __init__(self, app: ASGIApp, names: dict[str, set[str]]) -> None:
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            m = self.CALL.match(scope["path"])
            if m and m.group(2) not in self.names.get(m.group(1) or "/", set()):
                reply = JSONResponse({"detail": f"No endpoint named {m.group(2)!r} here."}, status_code=404)
                await reply(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Pure ASGI middleware: one bound on every request body, before any route reads it.

    Uploads to the main page (``/gradio_api/upload``) may hold a question file of
    ``max_upload_bytes`` (plus room for the multipart framing); the widget takes no files;
    every other body, Gradio's JSON routes included, at most ``max_body_bytes``. A declared
    length over the bound gets 413 at once; a chunked body is read up to the bound, then
    replayed to the route.
    """

    UPLOAD_FRAMING = 64 * 1024

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.body = settings.web.max_body_bytes
        self.upload = settings.web.max_upload_bytes + self.UPLOAD_FRAMING

    def limit(self, path: str) -> tuple[int, str]:
        if path.endswith("/gradio_api/upload"):
            if path.startswith("/widget/"):
                return 0, "The widget takes no files."
            return self.upload, f"The file is over {self.upload - self.UPLOAD_FRAMING} bytes, the limit here."
        return self.body, f"The request body is over {self.body} bytes."

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, message = self.limit(scope["path"])
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await JSONResponse({"detail": message}, status_code=413)(scope, receive, send)
                return
            await self.app(scope, receive, send)  # the server holds the body to its declared length
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message_in = await receive()
            if message_in["type"] != "http.request":
                return  # the client went away
            size += len(message_in.get("body", b""))
            if size > limit:
                await JSONResponse({"detail": message}, status_code=413)(scope, receive, send)
                return
            chunks.append(message_in.get("body", b""))
            if not message_in.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return cast(dict[str, Any], await receive())

        await self.app(scope, replay, send)


def _endpoint_names(blocks: gr.Blocks) -> set[str]:
    return {str(fn.api_name) for fn in blocks.fns.values() if fn.api_name}


def refusal(message: str) -> gr.Error:
    """A message for the user, not a fault: shown as it is, with no traceback in the log
    (Gradio prints one per gr.Error unless told not to)."""
    return gr.Error(message, print_exception=False)


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(x) for x in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )


def _int_param(value: str | None, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(value or default), lo), hi)
    except ValueError:
        return default


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class ApiSlots:
    """``n`` slots for ``POST /api/ask``: a request waits for one in the event loop, holding no
    worker thread, so "busy" comes after the wait even when hundreds of requests arrive at once
    (waiting in a worker thread, they queued for one of anyio's 40 threads first, unbounded).
    Slots are handed over in arrival order and may be taken or given back from any thread.
    """

    def __init__(self, n: int) -> None:
        self._free = n
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()
        self.peak_waiting = 0  # most requests waiting at one time, for tests and benchmarks

    def try_acquire(self) -> bool:
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return True
            return False

    async def acquire(self, timeout: float) -> bool:
        """True once a slot is this caller's; False when none came within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return True
            waiter = (loop, loop.create_future())
            self._waiters.append(waiter)
            self.peak_waiting = max(self.peak_waiting, len(self._waiters))
        try:
            await asyncio.wait_for(asyncio.shield(waiter[1]), timeout)
            return True
        except (TimeoutError, asyncio.CancelledError) as exc:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    return False
            # release() handed this caller the slot as the wait ended: keep it, or pass it on
            if isinstance(exc, asyncio.CancelledError):
                self.release()
                raise
            return True

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                loop, future = self._waiters.popleft()
                loop.call_soon_threadsafe(_resolve, future)
            else:
                self._free += 1


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


# --------------------------------------------------------------------------- Gradio pages


EVAL_DIR_PREFIX = "qa-eval-"
UPLOADS_KEPT = (600, 6 * 3600)  # Gradio's delete_cache: every 10 minutes, files older than the downloads
EVAL_DOWNLOADS_KEPT_S = 6 * 3600
EVAL_CHUNK = 32  # questions answered between two writes of the answers file: at most these are lost


def _prune_eval_dirs(tmp: Path, *, max_age_s: float = EVAL_DOWNLOADS_KEPT_S) -> None:
    """Remove the evaluation tab's download folders older than ``max_age_s`` (each run makes one)."""
    import shutil
    import time

    now = time.time()
    for d in tmp.glob(f"{EVAL_DIR_PREFIX}*"):
        try:
            if d.is_dir() and now - d.stat().st_mtime > max_age_s:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


NOT_UPLOADED = "Upload the question file with the button above (JSONL or CSV)."


def _uploaded_file(file: str | None, uploaded: set[str]) -> Path:
    """The path of a file uploaded through this page, or gr.Error.

    Gradio checks that a file value names an upload only once ``launch()`` ran, and a mounted
    app never runs it: without this, any server file could be named in a request. Accepted:
    a file in Gradio's upload folder that this page's upload route wrote (its folder is a keyed
    hash of its content, so only whoever sent that content can name it). Every refusal says
    the same, so that nothing tells whether a path exists.
    """
    from gradio.utils import get_upload_folder

    if not file:
        raise refusal("Choose a question file first (JSONL or CSV).")
    try:
        path = Path(file).resolve(strict=True)
        folder = Path(get_upload_folder()).resolve()
    except (OSError, RuntimeError):
        raise refusal(NOT_UPLOADED) from None
    # the exact path the upload route returned (it holds no '..'), and inside the upload folder
    if file not in uploaded or not path.is_relative_to(folder) or not path.is_file():
        raise refusal(NOT_UPLOADED)
    return path


def _evaluate_file(
    engine: Engine, settings: Settings, file: str | None, top_k: int, progress: Any, *, uploaded: set[str],
) -> tuple[str, str, list[str]]:
    """The evaluation tab: answer and judge an uploaded question file; write the downloads."""
    import tempfile

    from qa.evaluation.batch import answer_items, judge_run, read_done
    from qa.evaluation.questions import BadLine, EvalQuestion, read_questions
    from qa.files import atomic_write_text, sha256_file
    from qa.report import questions_html, result_rows, results_csv, results_html, results_jsonl, summary_html

    web = settings.web
    path = _uploaded_file(file, uploaded)
    size = path.stat().st_size
    if size > web.max_upload_bytes:
        raise refusal(f"The file is {size} bytes; the limit here is {web.max_upload_bytes}. Split it, or use qa eval.")
    try:
        items, warnings = read_questions(path)
    except QuestionFileError as exc:
        raise refusal(str(exc).replace(str(path), path.name)) from None
    warnings = [*warnings, *(f"skipped {b.message}" for b in items if isinstance(b, BadLine))]
    n = sum(isinstance(i, EvalQuestion) for i in items)
    if n == 0:
        raise refusal(f"'{path.name}' holds no usable question.")
    if n > web.max_eval_questions:
        raise refusal(f"The file has {n} questions; the limit here is {web.max_eval_questions}. "
                       "Split it, or use qa eval on the command line.")
    tmp = Path(tempfile.gettempdir())
    _prune_eval_dirs(tmp)
    # One folder per (file, settings, index): a run cut short (the server stopped mid-way) keeps
    # the answers given so far, written chunk by chunk, and the same file evaluated again goes on
    # from them instead of starting over.
    run_key = hashlib.sha256(json.dumps(
        [sha256_file(path), top_k, engine.index.manifest.digest, engine.query_model], sort_keys=True,
    ).encode()).hexdigest()[:32]
    out = tmp / f"{EVAL_DIR_PREFIX}{run_key}"
    out.mkdir(mode=0o700, exist_ok=True)
    if out.stat().st_uid != os.getuid():  # made by another user of this machine: not to be trusted
        out = Path(tempfile.mkdtemp(prefix=EVAL_DIR_PREFIX))
    answers_path = out / "answers.jsonl"
    try:
        kept = len(read_done(answers_path, items))
    except QuestionFileError:  # not ours after all: start afresh
        answers_path.unlink(missing_ok=True)
        kept = 0
    if kept:
        warnings.append(f"{kept} of {len(items)} answers were kept from an earlier run of this file that "
                        "was cut short; the rest were asked now.")
    progress(0, desc="Answering")
    lines = answer_items(
        engine, items, top_k=top_k, answers_path=answers_path, resume=True, chunk=EVAL_CHUNK,
        on_progress=lambda done, total: progress(done / max(total, 1), desc=f"Answering {done}/{total}"),
    )
    run = judge_run(items, lines, info={"file": path.name, **engine.query_model, "top_k": top_k})
    judged = run.judged
    qs, ans, vs = ([list(x) for x in zip(*judged, strict=True)] if judged else [[], [], []])
    files = {
        "results.csv": results_csv(qs, ans, vs),
        "results.jsonl": results_jsonl(qs, ans, vs),
        "summary.json": json.dumps(run.summary, indent=2, ensure_ascii=False),
        "report.html": results_html(qs, ans, vs, run.summary, title=f"essay-qa: {path.name}"),
    }
    for name, text in files.items():
        atomic_write_text(out / name, text)
    shown = {k: v for k, v in run.summary.items() if k not in ("ranking", "passages", "model", "file")}
    got = (summary_html(shown, warnings), questions_html(result_rows(qs, ans, vs)),
           [str(out / name) for name in files])
    del run, judged, qs, ans, vs, files, lines
    _give_back_memory()
    return got


def _give_back_memory() -> None:
    """Hand the heap freed by a large evaluation back to the system. glibc keeps freed memory
    for later use: after 2,000 questions the server stayed 125 MB larger, for good."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(name).malloc_trim(0)



def _main_page(watch: ReadingWatch, settings: Settings) -> tuple[gr.Blocks, Callable[[str], None]]:
    """The main page, and what forgets a session's uploads (by its session hash)."""
    threshold = settings.ranking.answer_threshold
    max_turns = settings.web.max_turns
    docs = watch.engine.documents  # the title and the document filter: as at the start
    title = next(iter(docs.values())).title if len(docs) == 1 else "Course readings"

    # A session keeps its turns rendered and compressed, (question, zlib(HTML)): 2.7 KB for a
    # turn of the essay against 13 KB as an Answer; Gradio keeps the page's HTML besides.
    render_kw = {"threshold": threshold, "context_base": "/context", "share_base": "/"}

    def show(history: Turns) -> str:
        return _notice(watch) + render_turns([(q, zlib.decompress(html).decode("utf-8")) for q, html in history or []])

    def ask(question: str, top_k: float, documents: list[str] | None, history: Turns) -> tuple[str, Turns, str]:
        answer = _ask(watch.engine, question, int(top_k), documents)
        turn = (answer.question, zlib.compress(render_turn(answer, **render_kw).encode("utf-8"), 6))  # type: ignore[arg-type]
        history = [*(history or []), turn][-max_turns:]
        return show(history), history, ""

    def on_load(top_k: float, documents: list[str] | None, history: Turns, request: gr.Request) -> tuple[Any, ...]:
        q = dict(request.query_params).get("q") if request else None
        if q:
            return ask(q, top_k, documents, history)
        # leave the question box alone: a student may already be typing
        return show(history), history, gr.update()

    def clear() -> tuple[str, Turns]:
        return show([]), []

    def api_ask(question: str, top_k: int = settings.top_k, documents: list[str] | None = None) -> dict[str, Any]:
        """Answer a question from the reading: the Answer JSON (ranked passages, highlight, citations)."""
        if isinstance(top_k, int | float) and not isinstance(top_k, bool):
            top_k = min(max(int(top_k), 1), 20)  # the slider's range is narrower; clients may send any number
        try:
            req = AskRequest.model_validate({"question": question, "top_k": top_k, "documents": documents or None})
        except ValidationError as exc:
            raise refusal(_validation_message(exc)) from None
        try:
            answer = watch.engine.ask(req.question, top_k=req.top_k, documents=req.documents)
        except QuestionError as exc:
            raise refusal(str(exc)) from None
        return answer.model_dump(mode="json")

    session_files: dict[str, set[str]] = {}

    def evaluate(
        file: str | None, top_k: float, request: gr.Request, progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's way
    ) -> tuple[str, str, list[str]]:
        got = _evaluate_file(watch.engine, settings, file, int(top_k), progress, uploaded=page.upload_file_set)
        if file and request is not None and request.session_hash:
            session_files.setdefault(request.session_hash, set()).add(str(file))
        return got

    def forget_uploads(request: gr.Request) -> None:
        """The session ended (its tab closed): remove the question files it uploaded."""
        forget_session_files(getattr(request, "session_hash", None) or "")

    def forget_session_files(session_hash: str) -> None:
        for name in session_files.pop(session_hash, set()):
            page.upload_file_set.discard(name)
            Path(name).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                Path(name).parent.rmdir()  # its folder, a hash of the content, when now empty

    # uploads nobody evaluated are removed 6 hours after they came, with the downloads (all at shutdown)
    with gr.Blocks(title=f"Ask: {title}", analytics_enabled=False, delete_cache=UPLOADS_KEPT) as page:
        history = gr.State([])
        gr.api(api_ask, api_name="ask")  # type: ignore[attr-defined]  # first, so the name 'ask' is this endpoint's
        gr.HTML(
            f'<header class="qa-title"><h1>{escape(title)}</h1><p>Ask a question; the answer quotes the '
            "reading itself, with its page and footnotes. Nothing is made up.</p></header>"
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label="Your question", placeholder="Type a question about the reading and press Enter",
                        max_length=settings.max_question_chars, scale=5, elem_id="qa-question", autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
                with gr.Row():
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
                conversation = gr.HTML(show([]), elem_id="qa-conversation")
                clear_button = gr.Button("Clear conversation", size="sm", variant="secondary", elem_id="qa-clear")

            with gr.Tab("Check a question set", id="evaluate"):
                gr.Markdown(
                    "Upload a question file (JSONL or CSV: `question`, and optionally `id`, `evidence`, "
                    "`footnotes`, `type`) to see how well the reading answers it. "
                    f"Up to {settings.web.max_eval_questions} questions and "
                    f"{settings.web.max_upload_bytes // 1000} kB."
                )
                eval_file = gr.File(label="Question file (JSONL or CSV)", file_types=[".jsonl", ".csv", ".json"],
                                    type="filepath", elem_id="qa-eval-file")
                eval_button = gr.Button("Evaluate", variant="primary", elem_id="qa-eval-run")
                eval_summary = gr.HTML("", elem_id="qa-eval-summary")
                eval_downloads = gr.File(label="Download the results (CSV, JSONL, summary JSON, HTML report)",
                                         file_count="multiple", interactive=False, elem_id="qa-eval-downloads")
                eval_table = gr.HTML("", elem_id="qa-eval-questions")
        outputs = [conversation, history, question]
        inputs = [question, top_k, doc_filter, history]
        private: dict[str, Any] = {"api_visibility": "private"}
        question.submit(ask, inputs, outputs, **private)
        ask_button.click(ask, inputs, outputs, **private)
        for button, text in example_buttons:
            button.click(partial(ask, text), [top_k, doc_filter, history], outputs, **private)
        clear_button.click(clear, None, [conversation, history], **private)
        page.load(on_load, [top_k, doc_filter, history], outputs, **private)
        page.unload(forget_uploads)
        eval_button.click(evaluate, [eval_file, top_k], [eval_summary, eval_table, eval_downloads],
                          concurrency_limit=1, concurrency_id="evaluate", **private)
    page.queue(
        default_concurrency_limit=settings.web.concurrency, max_size=settings.web.queue_size, api_open=False
    )
    page.state_session_capacity = settings.web.max_sessions
    return cast(gr.Blocks, page), forget_session_files


def _widget(watch: ReadingWatch, settings: Settings) -> gr.Blocks:
    threshold = settings.ranking.answer_threshold

    def read_params(request: gr.Request) -> dict[str, Any]:
        query = dict(request.query_params) if request else {}
        k = _int_param(query.get("k"), WIDGET_TOP_K, 1, 20)
        documents = [d.strip() for d in (query.get("doc") or "").split(",") if d.strip()]
        return {"k": k, "documents": documents or None}

    def ask(question: str, params: dict[str, Any]) -> str:
        params = params or {"k": WIDGET_TOP_K, "documents": None}
        answer = _ask(watch.engine, question, params["k"], params["documents"])
        return _notice(watch) + render_answer(answer, threshold=threshold, context_base="/context")

    with gr.Blocks(title="Ask the reading", analytics_enabled=False, fill_width=True, delete_cache=UPLOADS_KEPT) as page:
        params = gr.State({"k": WIDGET_TOP_K, "documents": None})
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                label="Ask the reading", placeholder="Your question, then Enter",
                max_length=settings.max_question_chars, scale=5, elem_id="qa-question",
            )
            button = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="qa-ask")
        answer = gr.HTML("", elem_id="qa-answer")
        private: dict[str, Any] = {"api_visibility": "private"}
        question.submit(ask, [question, params], answer, **private)
        button.click(ask, [question, params], answer, **private)
        page.load(read_params, None, params, **private)
    page.queue(
        default_concurrency_limit=settings.web.concurrency, max_size=settings.web.queue_size, api_open=False
    )
    page.state_session_capacity = settings.web.max_sessions
    return cast(gr.Blocks, page)


# --------------------------------------------------------------------------- the app


_PAGE_CACHE: dict[tuple[str, int, str], bytes] = {}
_PAGE_LOCK = threading.Lock()


def _page_png(path: Path, index: int, sha256: str, render: Callable[..., bytes]) -> bytes:
    """A rendered PDF page, kept for later requests (the 32 most recent pages)."""
    key = (str(path), index, sha256)
    with _PAGE_LOCK:
        png = _PAGE_CACHE.get(key)
    if png is None:
        png = render(path, index, sha256=sha256)
        with _PAGE_LOCK:
            if len(_PAGE_CACHE) >= 32:
                _PAGE_CACHE.pop(next(iter(_PAGE_CACHE)))
            _PAGE_CACHE[key] = png
    return png


def create_app(
    engine: Engine | None = None,
    settings: Settings | None = None,
    *,
    examples_dir: Path | None = None,
) -> FastAPI:
    """The whole web app. Without ``engine``, load it from the settings (building the index
    when it is missing or stale).

    Raises:
        QAError: The settings are invalid or the index cannot be built.
    """
    settings = settings or (engine.settings if engine is not None else load_settings())
    if engine is None:
        engine = Engine.from_settings(settings, show_progress=False)
    css = (STATIC / "web.css").read_text(encoding="utf-8")
    context_css = (STATIC / "context.css").read_text(encoding="utf-8")
    web = settings.web
    pages: list[tuple[gr.Blocks, Callable[[str], None] | None]] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async def sweep() -> None:
            while True:
                await asyncio.sleep(min(60.0, web.session_idle_seconds / 4))
                for page, on_forget in pages:
                    forget_idle_sessions(page, web.session_idle_seconds, on_forget=on_forget)

        async def watch_readings() -> None:
            while True:
                await asyncio.sleep(web.corpus_check_seconds)
                try:
                    await anyio.to_thread.run_sync(app.state.watch.check)
                except OSError as exc:  # a corpus folder on a disk gone away: say so, keep watching
                    logger.warning("could not look at the readings: %s", exc)

        tasks = [asyncio.create_task(sweep())]
        if web.corpus_check_seconds > 0:
            tasks.append(asyncio.create_task(watch_readings()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()

    # FastAPI's /docs pages load Swagger UI from a CDN: off. The schema stays at /api/openapi.json.
    app = FastAPI(title="essay-qa", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=lifespan)
    watch = ReadingWatch(engine, settings)
    app.state.engine = engine  # the engine it started with; watch.engine is the one answering
    app.state.watch = watch
    app.state.settings = settings
    slots = ApiSlots(settings.web.api_concurrency)
    app.state.api_slots = slots
    # the API's own worker threads: Gradio's events use anyio's default 40
    threads = anyio.CapacityLimiter(settings.web.api_concurrency)

    @app.post("/api/ask")
    async def api_ask(request: Request) -> JSONResponse:
        # JSON only: a cross-site <form> can post text/plain or form data without a CORS check,
        # and would spend our CPU from visitors' browsers
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            return JSONResponse({"detail": "Send the question as JSON (Content-Type: application/json)."},
                                status_code=415)
        body = await request.body()  # BodyLimit has held it to QA_WEB__MAX_BODY_BYTES
        try:
            req = AskRequest.model_validate_json(body)
        except ValidationError as exc:
            return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

        if not await slots.acquire(web.api_wait_seconds):
            return JSONResponse({"detail": BUSY}, status_code=503, headers={"Retry-After": "1"})
        try:
            answer = await anyio.to_thread.run_sync(
                partial(watch.engine.ask, req.question, top_k=req.top_k, documents=req.documents), limiter=threads)
        except QuestionError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        finally:
            slots.release()
        return JSONResponse(answer.model_dump(mode="json"))

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """"ok", or "rebuilding" / "stale" with a detail while the readings and the index differ
        (the app answers all the while, from the index it has: still 200)."""
        current = watch.engine
        got: dict[str, Any] = {
            "status": watch.status,
            "documents": len(current.documents),
            "passages": len(current.index.passages),
            "index": current.index.manifest.digest,
        }
        if watch.detail:
            got["detail"] = watch.detail
        return got

    @app.get("/context/{doc_id:path}", response_class=HTMLResponse)
    def context(doc_id: str, start: int = 0, end: int = 0, hs: int = 0, he: int = 0) -> HTMLResponse:
        csp = _csp(settings, "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; ")
        doc = watch.engine.documents.get(doc_id)
        if doc is None:
            return HTMLResponse(
                f"<!doctype html><title>Not found</title><p>No reading named {escape(doc_id)}.</p>",
                status_code=404, headers={"Content-Security-Policy": csp},
            )
        def image_url(index: int) -> str:
            return "/context-page.png?" + urlencode({"doc": doc_id, "i": index})

        html = render_document(doc, start=start, end=end, hl_start=hs, hl_end=he, css=context_css,
                               page_image_url=image_url if doc.source_format == "pdf" else None)
        return HTMLResponse(html, headers={"Content-Security-Policy": csp})

    @app.get("/context-page.png")
    def context_page(doc: str, i: int = 0) -> Response:
        """A page of a PDF reading, as shown beside "show in context"."""
        from qa.reading.pdf import render_page_png

        d = watch.engine.documents.get(doc)
        if d is None or d.source_format != "pdf":
            return PlainTextResponse(f"No PDF reading named {doc!r}.", status_code=404)
        try:
            png = _page_png(Path(d.source_path), i, d.sha256, render_page_png)
        except DocumentError as exc:
            return PlainTextResponse(str(exc), status_code=404 if "no page" in str(exc) else 409)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    loader = Path(gr.__file__).resolve().parent / "templates" / "frontend" / "gradio.js"

    @app.get("/gradio.js")
    def gradio_js() -> FileResponse:
        return FileResponse(loader, media_type="text/javascript")

    @app.get("/widget")
    def widget_slash(request: Request) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse("/widget/" + (f"?{query}" if query else ""), status_code=307)

    if examples_dir is not None and examples_dir.is_dir():
        app.mount("/examples", StaticFiles(directory=examples_dir, html=True), name="examples")

    # The widget first: the root mount would catch /widget/ otherwise.
    widget_css = css + (STATIC / "widget.css").read_text(encoding="utf-8")
    widget, (main, forget_files) = _widget(watch, settings), _main_page(watch, settings)
    pages.extend([(widget, None), (main, forget_files)])
    app.state.pages = {"/": main, "/widget": widget}
    gr.mount_gradio_app(app, widget, path="/widget", footer_links=[], css=widget_css, ssr_mode=False)
    gr.mount_gradio_app(
        app, main, path="/", footer_links=["api"], css=css, ssr_mode=False, max_file_size=web.max_upload_bytes,
    )
    for blocks in (widget, main):
        # Gradio checks that a file value names an upload only in a launched app (processing_utils
        # ._check_allowed); a mounted one never launches, so say it did: the check then runs
        blocks.has_launched = True
    # CORS on the parent app: Gradio then leaves CORS to it (its default echoes any origin).
    app.add_middleware(
        CORSMiddleware, allow_origins=list(web.cors_origins), allow_methods=["GET", "POST"],
        allow_headers=["*"], allow_credentials=False,
    )
    app.add_middleware(KnownEndpoints, names={
        "/": _endpoint_names(main), "/widget": _endpoint_names(widget)})
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(SecurityHeaders, settings=settings)  # outermost: its headers go on every reply, 413s too
    return app


def serve(settings: Settings | None = None, *, examples_dir: Path | None = None) -> None:
    """Build the app and serve it with uvicorn on ``settings.host:settings.port``."""
    import uvicorn

    try:
        settings = settings or load_settings()
        app = create_app(settings=settings, examples_dir=examples_dir)
    except QAError as exc:
        raise SystemExit(f"essay-qa: {exc}") from exc
    logger.info("serving on http://%s:%d/ (widget at /widget/)", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", timeout_graceful_shutdown=5)
