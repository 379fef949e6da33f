"""The exceptions essay-qa raises. Every one is a ``QAError``; catch that at the edges.

::

    QAError
    ├── ConfigError            a setting is wrong (bad value, unreadable config file)
    ├── DocumentError          a corpus file cannot be read, or the corpus is empty
    ├── ModelError             the embedding model cannot be found or loaded
    ├── QuestionError          a question is empty, too long or not text
    ├── QuestionFileError      a question file cannot be read at all
    └── IndexError_            base of the index errors
        ├── IndexNotFoundError   no built index at that path
        ├── IndexFormatError     built by a newer format than this code reads
        ├── IndexMismatchError   built with another model or parameters
        │   └── StaleCorpusError   the corpus files changed since the build
        └── IndexCorruptError    files missing, truncated, or disagreeing with the manifest
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DocumentError",
    "IndexCorruptError",
    "IndexError_",
    "IndexFormatError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "ModelError",
    "PageNotFoundError",
    "QAError",
    "QuestionError",
    "QuestionFileError",
    "StaleCorpusError",
]


class QAError(Exception):
    """Base of every essay-qa error. The message says what happened and what to do next."""


class ConfigError(QAError):
    pass


class DocumentError(QAError):
    pass


class PageNotFoundError(DocumentError):
    """A page asked of a reading that it does not have."""


class ModelError(QAError):
    pass


class QuestionError(QAError):
    pass


class QuestionFileError(QAError):
    pass


class IndexError_(QAError):  # noqa: N801 - trailing underscore: the builtin IndexError is unrelated
    pass


class IndexNotFoundError(IndexError_):
    pass


class IndexFormatError(IndexError_):
    pass


class IndexMismatchError(IndexError_):
    pass


class IndexCorruptError(IndexError_):
    pass


class StaleCorpusError(IndexMismatchError):
    pass
