"""essay-qa: answers questions about a reading with passages quoted from it, traceable to the
sentence, the page and the footnote. No generative model: every character shown comes from
the source."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from qa._version import __version__

logging.getLogger(__name__).addHandler(logging.NullHandler())

# The public names, each imported when first asked for: ``import qa.errors`` (or the CLI's
# --help) loads no engine, numpy or torch. Inside the package nothing imports this face.
_WHERE = {
    "Answer": "qa.models",
    "AnswerPassage": "qa.models",
    "Citation": "qa.models",
    "ConfigError": "qa.errors",
    "Document": "qa.models",
    "DocumentError": "qa.errors",
    "Embedder": "qa.embedding",
    "Engine": "qa.engine",
    "Footnote": "qa.models",
    "Highlight": "qa.models",
    "IndexCorruptError": "qa.errors",
    "IndexError_": "qa.errors",
    "IndexFormatError": "qa.errors",
    "IndexMismatchError": "qa.errors",
    "IndexNotFoundError": "qa.errors",
    "IndexStore": "qa.store",
    "Marker": "qa.models",
    "ModelError": "qa.errors",
    "Passage": "qa.models",
    "QAError": "qa.errors",
    "QuestionError": "qa.errors",
    "QuestionFileError": "qa.errors",
    "Settings": "qa.config",
    "StaleCorpusError": "qa.errors",
    "load_settings": "qa.config",
}

if TYPE_CHECKING:
    from qa.config import Settings, load_settings
    from qa.embedding import Embedder
    from qa.engine import Engine
    from qa.errors import (
        ConfigError,
        DocumentError,
        IndexCorruptError,
        IndexError_,
        IndexFormatError,
        IndexMismatchError,
        IndexNotFoundError,
        ModelError,
        QAError,
        QuestionError,
        QuestionFileError,
        StaleCorpusError,
    )
    from qa.models import Answer, AnswerPassage, Citation, Document, Footnote, Highlight, Marker, Passage
    from qa.store import IndexStore


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Answer",
    "AnswerPassage",
    "Citation",
    "ConfigError",
    "Document",
    "DocumentError",
    "Embedder",
    "Engine",
    "Footnote",
    "Highlight",
    "IndexCorruptError",
    "IndexError_",
    "IndexFormatError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexStore",
    "Marker",
    "ModelError",
    "Passage",
    "QAError",
    "QuestionError",
    "QuestionFileError",
    "Settings",
    "StaleCorpusError",
    "__version__",
    "load_settings",
]
