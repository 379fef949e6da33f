"""The HTTP API: ``POST /api/ask`` (the Answer JSON, a bounded wait for one of its slots, then 503
"busy, try again") and ``GET /healthz``. The API's refusals (415, 422, 503) are made here."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from functools import partial
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa.config import DEFAULT_TOP_K, MAX_TOP_K, Settings
from qa.errors import QuestionError
from qa.web.watch import ReadingWatch

logger = logging.getLogger(__name__)

__all__ = ["AskRequest", "ApiSlots", "BUSY", "api_router"]


BUSY = "busy, try again"


class AskRequest(BaseModel):
    """Body of ``POST /api/ask``."""

    model_config = ConfigDict(extra="forbid")

    question: str
    top_k: int = Field(default=DEFAULT_TOP_K, ge=1, le=MAX_TOP_K)
    documents: list[str] | None = None


def validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(x) for x in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )


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


def api_router(watch: ReadingWatch, settings: Settings, slots: ApiSlots) -> APIRouter:
    """``POST /api/ask`` and ``GET /healthz``, answering with ``watch.engine``."""
    router = APIRouter()
    web = settings.web
    # the API's own worker threads: Gradio's events use anyio's default 40
    threads = anyio.CapacityLimiter(settings.web.api_concurrency)

    @router.post("/api/ask")
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
            return JSONResponse({"detail": validation_message(exc)}, status_code=422)

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

    @router.get("/healthz")
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

    return router
