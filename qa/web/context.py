""""Show in context": the whole reading with a passage marked, and a PDF reading's page images."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from html import escape
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import (
    HTMLResponse,
    PlainTextResponse,
    Response,
)

from qa.config import Settings
from qa.errors import DocumentError, PageNotFoundError
from qa.render_context import render_document
from qa.web.security import csp
from qa.web.watch import ReadingWatch

logger = logging.getLogger(__name__)

__all__ = ["context_router"]


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


def context_router(watch: ReadingWatch, settings: Settings, context_css: str) -> APIRouter:
    """``/context/<doc_id>`` (the reading with a passage marked) and ``/context-page.png``."""
    router = APIRouter()

    def page(status: int, title: str, text: str, policy: str) -> HTMLResponse:
        """A short page a student can read (not FastAPI's JSON), with the way back."""
        return HTMLResponse(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{context_css}</style></head>'
            f'<body class="qa-context-page"><main><h1>{escape(title)}</h1><p>{escape(text)}</p>'
            f'<p><a class="qa-back" href="{escape(home)}">← Ask a question about the readings</a></p></main></body></html>',
            status_code=status, headers={"Content-Security-Policy": policy},
        )

    home = (settings.web.public_url.rstrip("/") + "/") if settings.web.public_url else "/"

    @router.get("/context/{doc_id:path}", response_class=HTMLResponse)
    def context(doc_id: str, start: str = "0", end: str = "0", hs: str = "0", he: str = "0", q: str = "") -> HTMLResponse:
        policy = csp(settings, "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; ")
        doc = watch.engine.documents.get(doc_id)
        if doc is None:
            names = ", ".join(sorted(watch.engine.documents)[:10])
            return page(404, "Reading not found",
                        f"There is no reading named “{doc_id}” here (the readings: {names}). The link may be "
                        "from before the readings changed: ask the question again.", policy)
        try:
            offsets = [int(v) for v in (start, end, hs, he)]
        except ValueError:
            return page(400, "This link is damaged",
                        "The link to this passage has lost part of its address (start, end, hs and he are "
                        "whole numbers). Ask the question again and follow its “Show in context”.", policy)

        def image_url(index: int) -> str:
            return "/context-page.png?" + urlencode({"doc": doc_id, "i": index})

        question = q.strip()[: settings.max_question_chars] or None
        back = home + ("?" + urlencode({"q": question}) if question else "")
        html = render_document(doc, start=offsets[0], end=offsets[1], hl_start=offsets[2], hl_end=offsets[3],
                               css=context_css, page_image_url=image_url if doc.source_format == "pdf" else None,
                               question=question, back_href=back)
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})

    @router.get("/context-page.png")
    def context_page(doc: str, i: int = 0) -> Response:
        """A page of a PDF reading, as shown beside "show in context"."""
        from qa.reading.pdf import render_page_png

        d = watch.engine.documents.get(doc)
        if d is None or d.source_format != "pdf":
            return PlainTextResponse(f"No PDF reading named {doc!r}.", status_code=404)
        try:
            png = _page_png(Path(d.source_path), i, d.sha256, render_page_png)
        except DocumentError as exc:
            return PlainTextResponse(str(exc), status_code=404 if isinstance(exc, PageNotFoundError) else 409)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    return router
