"""What every reply carries and what no request may do: the pages' Content-Security-Policy and
security headers, one body limit for every route, 404 for Gradio endpoints nobody defined."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from fastapi.responses import (  # noqa: E402
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
)

from qa.config import Settings  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["BodyLimit", "KnownEndpoints", "PAGE_POLICY", "SecurityHeaders", "csp", "endpoint_names", "refused_framer"]


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


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


def csp(settings: Settings, extra: str = PAGE_POLICY) -> str:
    ancestors = " ".join(settings.web.frame_ancestors) or "'none'"
    return f"{extra}frame-ancestors {ancestors}"


_FRAMES = (b"iframe", b"frame", b"embed", b"object")
_ORIGIN = re.compile(r"^(https?)://([^/?#]+)")
_REFUSED_KEPT = 100  # embedding sites named in the log, once each


def _allows(source: str, origin: str, own: str) -> bool:
    """Whether one CSP frame-ancestors ``source`` expression lets ``origin`` frame the app at
    ``own`` ('self', '*', a scheme, an origin, or one with a '*.' subdomain wildcard). A source
    this does not read counts as allowing: the explanation page is sent only when it is sure,
    and the browser's own check stays the guard."""
    source = source.strip().rstrip("/")
    o = _ORIGIN.match(origin)
    if source == "'self'":
        return origin == own
    if source == "'none'":
        return False
    if source == "*" or not o:
        return True
    if re.fullmatch(r"https?:", source):  # a scheme: every site of it
        return o.group(1) == source[:-1]
    m = re.fullmatch(r"(?:(https?):)?(?://)?(\*\.)?([^/:*]+)(:\d+|:\*)?", source)
    if not m:
        return True
    scheme, wild, host, port = m.groups()
    o_scheme, o_netloc = o.groups()
    o_host, _, o_port = o_netloc.partition(":")
    if scheme and scheme != o_scheme:
        return False
    if not (o_host == host if not wild else o_host.endswith("." + host)):
        return False
    return port in (None, ":*") or port[1:] == o_port


def refused_framer(scope: Scope, ancestors: list[str]) -> str | None:
    """The site of a page that frames this one although ``ancestors`` does not allow it (from
    the request's Sec-Fetch-Dest and Referer), or None: not framed, allowed, or unknown (a page
    that sends no Referer is left to the browser, which blocks it all the same)."""
    headers = dict(scope.get("headers") or [])
    if headers.get(b"sec-fetch-dest") not in _FRAMES:
        return None
    m = _ORIGIN.match(headers.get(b"referer", b"").decode("latin-1"))
    if not m:
        return None
    origin = f"{m.group(1)}://{m.group(2)}"
    own = f"{scope.get('scheme', 'http')}://{headers.get(b'host', b'').decode('latin-1')}"
    return None if any(_allows(a, origin, own) for a in ancestors) else origin


def refused_frame_page(origin: str) -> str:
    """What a teacher sees in the frame of a course page the app may not be shown in."""
    from html import escape

    site = escape(origin)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not allowed on this site</title>'
        "<style>body{font:14px/1.45 system-ui,sans-serif;margin:.5rem;color:#1f2937;background:#fff}"
        "h1{font-size:1rem;margin:0 0 .3rem}p{margin:.3rem 0}"
        "code{background:#f3f4f6;padding:0 .2rem;overflow-wrap:anywhere}</style></head><body>"
        "<h1>The reading's question box cannot be shown on this site</h1>"
        f"<p>Whoever runs the essay-qa server adds <code>{site}</code> to "
        "<code>QA_WEB__FRAME_ANCESTORS</code> (for an <code>&lt;iframe&gt;</code>) or "
        "<code>QA_WEB__CORS_ORIGINS</code> (for the <code>&lt;gradio-app&gt;</code> web component) and "
        "restarts it; until then the server sends this site no page to show.</p>"
        f"<p>For example: <code>QA_WEB__FRAME_ANCESTORS='[\"&#39;self&#39;\", \"{site}\"]'</code></p>"
        "</body></html>"
    )


class SecurityHeaders:
    """Pure ASGI middleware (streams pass through untouched).

    Adds ``Content-Security-Policy: frame-ancestors ...`` (unless the route set its own CSP),
    ``X-Content-Type-Options`` and ``Referrer-Policy`` to every response, and turns
    ``?theme=dark|light`` on the pages into Gradio's own ``__theme`` parameter (the widget is
    light unless asked otherwise; ``theme=auto`` follows the reader's system setting).
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.csp = csp(settings).encode()
        self.ancestors = list(settings.web.frame_ancestors)
        self.refused: set[str] = set()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framer = refused_framer(scope, self.ancestors) if scope["method"] == "GET" else None
        if framer is not None:
            # the browser would show a broken frame; the teacher gets a page saying what to change
            if framer not in self.refused and len(self.refused) < _REFUSED_KEPT:
                self.refused.add(framer)
                logger.warning("a page at %s tried to show %s in a frame; it is not in web.frame_ancestors "
                               "(QA_WEB__FRAME_ANCESTORS), so it was sent an explanation instead", framer, scope["path"])
            reply = HTMLResponse(refused_frame_page(framer), headers={
                "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *",
                "x-content-type-options": "nosniff", "referrer-policy": "same-origin"})
            await reply(scope, receive, send)
            return
        if scope["method"] == "GET" and scope["path"] in ("/", "/widget/", "/teacher/"):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            theme = query.get("theme")
            if scope["path"] == "/widget/" and theme is None and "__theme" not in query:
                theme = "light"  # inside a course page: light like the page, whatever the OS; theme=auto follows it
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

    CALL = re.compile(r"^(/widget|/teacher)?/gradio_api/call/([^/]+)(/[^/]+)?$")

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

    Uploads to the teacher's page (``/teacher/gradio_api/upload``) may hold a question file of
    ``max_upload_bytes`` (plus room for the multipart framing); the students' pages take no files;
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
            if not path.startswith("/teacher/"):
                return 0, "This page takes no files (question files go to the teacher's page, /teacher/)."
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


def endpoint_names(blocks: gr.Blocks) -> set[str]:
    return {str(fn.api_name) for fn in blocks.fns.values() if fn.api_name}


