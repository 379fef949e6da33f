"""The running app's readings kept in step with the corpus folder.

A reading edited, added or deleted while the app runs is noticed by :meth:`ReadingWatch.check`
(the web app calls it every ``QA_WEB__CORPUS_CHECK_SECONDS``): the index is rebuilt in a
background thread, with the same embedder, while the old one goes on answering; then the new
engine takes over. Until it does, or when the rebuild fails (a folder left empty, a read-only
index), :attr:`status` and :attr:`detail` say so, for ``/healthz`` and the pages.

The cheap part runs every time: the size and mtime of each reading. Only when they change are
the files hashed and compared with the index's manifest, which decides.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from qa.config import Settings
from qa.engine import Engine
from qa.errors import QAError
from qa.store import corpus_files

logger = logging.getLogger(__name__)

__all__ = ["ReadingWatch"]

Signature = tuple[tuple[str, int, int], ...]


def _signature(corpus_dir: Path) -> Signature:
    from qa.reading.corpus import SUPPORTED_SUFFIXES

    if not corpus_dir.is_dir():
        return ()
    out = []
    for p in sorted(corpus_dir.rglob("*")):
        if p.name.startswith(".") or p.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        try:
            st = p.stat()
        except OSError:  # removed between the listing and the stat
            continue
        if p.is_file():
            out.append((p.relative_to(corpus_dir).as_posix(), st.st_size, st.st_mtime_ns))
    return tuple(out)


class ReadingWatch:
    """The engine the app answers with, and whether it matches the readings on disk."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self._settings = settings
        self._seen = _signature(settings.corpus_dir)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.status = "ok"  # "ok", "rebuilding" or "stale"
        self.detail: str | None = None
        self._assess()

    def _assess(self) -> None:
        """ok when the engine's index was built from the files now in the folder."""
        built = self.engine.index.manifest.corpus.files
        if not built or corpus_files(self._settings.corpus_dir) == built:
            self.status, self.detail = "ok", None  # (no files recorded: an index not built from a folder)
        else:
            self.status = "stale"
            self.detail = ("The readings changed since the index was built, and it could not be rebuilt "
                           "here; answers come from the text as it was.")

    def check(self) -> bool:
        """Start a rebuild when the readings changed since last seen; True when one started."""
        with self._lock:
            if self._thread is not None:
                return False  # one at a time; a change during it is seen at the next check
            signature = _signature(self._settings.corpus_dir)
            if signature == self._seen:
                return False
            self._seen = signature
            if corpus_files(self._settings.corpus_dir) == self.engine.index.manifest.corpus.files:
                self.status, self.detail = "ok", None  # touched, not changed
                return False
            self.status = "rebuilding"
            self.detail = (f"The readings changed at {time.strftime('%H:%M')}; the index is being rebuilt. "
                           "Until it is, answers come from the text as it was.")
            logger.warning("the readings in '%s' changed: rebuilding the index in the background",
                           self._settings.corpus_dir)
            self._thread = threading.Thread(target=self._rebuild, name="qa-rebuild", daemon=True)
            self._thread.start()
            return True

    def _rebuild(self) -> None:
        try:
            engine = Engine.from_settings(self._settings, embedder=self.engine.embedder, show_progress=False)
        except QAError as exc:
            logger.warning("the index could not be rebuilt, the earlier one goes on answering: %s", exc)
            with self._lock:
                self.status = "stale"
                self.detail = (f"The readings changed, and the index could not be rebuilt: {exc} "
                               "Answers come from the text as it was.")
                self._thread = None
            return
        except Exception:  # an unforeseen failure must not end the watching, nor hide
            logger.exception("the index could not be rebuilt, the earlier one goes on answering")
            with self._lock:
                self.status, self.detail = "stale", "The readings changed, and the index could not be rebuilt."
                self._thread = None
            return
        with self._lock:
            self.engine = engine
            self._assess()
            self._thread = None
        logger.info("index rebuilt for the changed readings: %d documents, %d passages",
                    len(engine.documents), len(engine.index.passages))

    def wait(self, timeout: float | None = None) -> None:
        """Until the rebuild under way, if any, has ended."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
