"""An English word list, for two decisions a reading cannot always make alone: whether a hyphen
at a PDF's line end belongs to the word ("cross-" + "border") or only to the layout ("demon-" +
"strates"); and whether a capitalised word of a question the reading lacks is a name
("Ahtisaari") or a word of the language ("Western"), for ``qa.ranking.language``.

The list is Debian's (``wamerican-large``: /usr/share/dict/american-english-large, installed
by the README's set-up), chosen by measurement: over the 154 line-end hyphens of the three
real PDFs in ../shared/readings/pdf, judged by hand, the document's own evidence alone decided
5 wrong, with ``wamerican`` 2, with ``wamerican-large`` or ``-huge`` none (``python
bench/hyphens.py``); wordfreq's frequencies (a word at Zipf ≥ 2.5), tried once, 2.
``QA_WORDLIST`` names another list (one word a line) or ``none``; without a list the reader
decides on the document's evidence alone and says so once in the log.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["WORDLISTS", "common_words", "english_words", "known_words", "wordlist_identity"]

logger = logging.getLogger(__name__)

# in order of preference: the measured best first, then what a Debian system may have instead
WORDLISTS = (
    Path("/usr/share/dict/american-english-large"),
    Path("/usr/share/dict/american-english-huge"),
    Path("/usr/share/dict/british-english-large"),
    Path("/usr/share/dict/american-english"),
    Path("/usr/share/dict/words"),
)


def _wordlist_path() -> Path | None:
    return _resolve(os.environ.get("QA_WORDLIST", "").strip())


@functools.cache
def _resolve(chosen: str) -> Path | None:  # once per QA_WORDLIST value: no stat on every question
    if chosen.lower() == "none":
        return None
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            logger.warning("QA_WORDLIST names '%s', which is not a file: no word list is used", path)
            return None
        return path
    found = next((p for p in WORDLISTS if p.is_file()), None)
    if found is None:
        logger.info("no English word list (install Debian's wamerican-large): line-end hyphens are "
                    "decided on the document's own evidence")
    return found


def _entries(path: Path) -> Iterable[str]:
    """The list's words, case-folded, possessives ("Abel's") left out, one at a time."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            w = line.strip()
            if w and "'" not in w:
                yield w.casefold()


@functools.cache
def _load(path: Path | None) -> frozenset[str]:
    return frozenset(_entries(path)) if path is not None else frozenset()


@functools.cache
def _identity(path: Path | None) -> str:
    if path is None:
        return "none"
    with path.open("rb") as fh:
        return f"{path.name} {hashlib.file_digest(fh, 'sha256').hexdigest()[:12]}"


@functools.cache
def _common(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    return frozenset(w.strip() for w in lines if w.strip().islower() and "'" not in w)


def common_words() -> frozenset[str]:
    """The list's words written in lower case ("western", "prior"), not its names ("Yeltsin"):
    a capitalised word of a question that is one of these is no name."""
    return _common(_wordlist_path())


def english_words() -> frozenset[str]:
    """The words of the list in use, case-folded (possessives left out); empty when none.
    Held for the process once asked for (about 20 MB for wamerican-large)."""
    return _load(_wordlist_path())


def known_words(candidates: Iterable[str]) -> frozenset[str]:
    """Those of ``candidates`` (case-folded) that the list holds. The list is read line by line
    (about 0.1 s): the PDF reader asks about a few hundred words and need not keep the
    list's 170,000 (``bench/pdf_read.py``: 24 MB of peak memory on any reading)."""
    path = _wordlist_path()
    wanted = {c.casefold() for c in candidates}
    if path is None or not wanted:
        return frozenset()
    return frozenset(w for w in _entries(path) if w in wanted)


def wordlist_identity() -> str:
    """Which list the reader uses: its file name and the start of its hash, or "none" (the
    index records it: a PDF read with another list may be cut differently)."""
    return _identity(_wordlist_path())
