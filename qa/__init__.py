"""essay-qa: answers questions about a reading with passages quoted from it, traceable to the
sentence, the page and the footnote. No generative model: every character shown comes from
the source."""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from qa.config import Settings, load_settings  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.errors import (  # noqa: E402
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
from qa.models import (  # noqa: E402
    Answer,
    AnswerPassage,
    Citation,
    Document,
    Footnote,
    Highlight,
    Marker,
    Passage,
)
from qa.store import IndexStore  # noqa: E402

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Answer",
    "AnswerPassage",
    "Citation",
    "ConfigError",
    "Document",
    "DocumentError",
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
