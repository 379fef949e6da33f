"""The web app: one FastAPI app that serves

- ``/``            the Gradio students' page (question box, conversation, example
                   questions): ``qa.web.pages``;
- ``/teacher/``    the teacher's page, a question file checked against the reading:
                   ``qa.web.teacher``, ``qa.web.evaluate``; ``/question-template.csv|jsonl``;
- ``/widget/``     a compact Gradio page for an iframe in a course page
                   (query parameters: ``k`` passages, ``doc`` document ids, ``theme``,
                   ``accent``);
- ``POST /api/ask`` the engine's Answer JSON; ``GET /healthz``: ``qa.web.api``;
- ``/context/<doc_id>`` the whole document with a passage marked ("show in context"):
                   ``qa.web.context``;
- ``/gradio.js``   Gradio's web-component loader, for ``<gradio-app>`` on a course page;
- ``/examples/``   the example course pages, when the folder is given;

behind the middleware of ``qa.web.security``. Here: the wiring, the order of the mounts and
the lifespan's background work (forgetting idle sessions, watching the readings). Every
handler answers with ``ReadingWatch.engine``, then ``qa.render`` turns the Answer into escaped
HTML. ``GRADIO_ANALYTICS_ENABLED`` is set off before Gradio is imported, in every module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import anyio  # noqa: E402
import gradio as gr  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.middleware.cors import CORSMiddleware  # noqa: E402
from fastapi.responses import (  # noqa: E402
    FileResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles  # noqa: E402

from qa.config import Settings, load_settings  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.web.api import ApiSlots, api_router  # noqa: E402
from qa.web.context import context_router  # noqa: E402
from qa.web.pages import forget_idle_sessions, main_page, widget  # noqa: E402
from qa.web.security import BodyLimit, KnownEndpoints, SecurityHeaders, endpoint_names  # noqa: E402
from qa.web.teacher import TEACHER_PATH, teacher_page  # noqa: E402
from qa.web.watch import ReadingWatch  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["create_app", "serve"]

STATIC = Path(__file__).resolve().parent / "static"


def page_theme() -> Any:
    """Gradio's default theme with colours that meet WCAG AA (axe-core's color-contrast rule):
    its orange buttons carry white text at 2.8:1 and its grey labels stand at 1.9:1; here the
    buttons are blue-700 (6.7:1), the subdued text gray-600 (7.6:1), the accent (the selected
    tab, the slider) blue-700."""
    return gr.themes.Default(primary_hue=gr.themes.colors.blue).set(
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_dark="*primary_600", button_primary_background_fill_hover_dark="*primary_700",
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_400",
        color_accent="*primary_700",
    )


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
    app.include_router(api_router(watch, settings, slots))
    app.include_router(context_router(watch, settings, context_css))

    loader = Path(gr.__file__).resolve().parent / "templates" / "frontend" / "gradio.js"

    # Gradio's loader, after a script that keeps the course page's own margins and font (qa/web/static/host-style.js)
    loader_js = (STATIC / "host-style.js").read_text(encoding="utf-8") + "\n" + loader.read_text(encoding="utf-8")

    @app.get("/gradio.js")
    def gradio_js() -> Response:
        return Response(loader_js, media_type="text/javascript")

    @app.get("/question-template.csv")
    def question_template_csv() -> FileResponse:
        """A question file to start from, for the teacher's tab."""
        return FileResponse(STATIC / "question-template.csv", filename="question-template.csv", media_type="text/csv")

    @app.get("/question-template.jsonl")
    def question_template_jsonl() -> FileResponse:
        return FileResponse(STATIC / "question-template.jsonl", filename="question-template.jsonl",
                            media_type="application/jsonl")

    @app.get("/widget")
    def widget_slash(request: Request) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse("/widget/" + (f"?{query}" if query else ""), status_code=307)

    if examples_dir is not None and examples_dir.is_dir():
        app.mount("/examples", StaticFiles(directory=examples_dir, html=True), name="examples")

    @app.get(TEACHER_PATH)
    def teacher_slash() -> RedirectResponse:
        return RedirectResponse(f"{TEACHER_PATH}/", status_code=307)

    # The widget and the teacher's page first: the root mount would catch their paths otherwise.
    widget_css = css + (STATIC / "widget.css").read_text(encoding="utf-8")
    widget_page, main = widget(watch, settings), main_page(watch, settings)
    teacher, forget_files = teacher_page(watch, settings)
    pages.extend([(widget_page, None), (teacher, forget_files), (main, None)])
    app.state.pages = {"/": main, "/widget": widget_page, TEACHER_PATH: teacher}
    # the cards' copy buttons work where this head runs: the pages, and a course page with a <gradio-app>
    # embed (Gradio puts the head into the host page); elsewhere they stay hidden
    head = (f"<script>{(STATIC / 'page.js').read_text(encoding='utf-8')}</script>"
            "<style>html.qa-can-copy .qa-tools { display: flex !important; }</style>")
    gr.mount_gradio_app(app, widget_page, path="/widget", footer_links=[], css=widget_css, ssr_mode=False, head=head,
                        theme=page_theme())
    gr.mount_gradio_app(app, teacher, path=TEACHER_PATH, footer_links=[], css=css, ssr_mode=False,
                        max_file_size=web.max_upload_bytes, head=head, theme=page_theme())
    gr.mount_gradio_app(app, main, path="/", footer_links=[], css=css, ssr_mode=False, head=head, theme=page_theme())
    for blocks in (widget_page, teacher, main):
        # Gradio checks that a file value names an upload only in a launched app (processing_utils
        # ._check_allowed); a mounted one never launches, so say it did: the check then runs
        blocks.has_launched = True
    # CORS on the parent app: Gradio then leaves CORS to it (its default echoes any origin).
    app.add_middleware(
        CORSMiddleware, allow_origins=list(web.cors_origins), allow_methods=["GET", "POST"],
        allow_headers=["*"], allow_credentials=False,
    )
    app.add_middleware(KnownEndpoints, names={
        "/": endpoint_names(main), "/widget": endpoint_names(widget_page), TEACHER_PATH: endpoint_names(teacher)})
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
    logger.info("serving on http://%s:%d/ (widget at /widget/, the teacher's page at /teacher/)",
                settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", timeout_graceful_shutdown=5)
