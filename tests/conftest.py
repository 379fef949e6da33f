"""Shared fixtures: the real model and the real essay, loaded and built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ESSAY = CORPUS / "serbia-russia-kosovo.txt"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("QA_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def embedder():
    from qa.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def essay_doc():
    from qa.reader import read_document

    return read_document(ESSAY)


@pytest.fixture(scope="session")
def essay_engine(tmp_path_factory, embedder):
    from qa.config import Settings
    from qa.engine import Engine

    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copy(ESSAY, corpus / ESSAY.name)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("index"))
    return Engine.from_settings(settings, embedder=embedder)


@pytest.fixture
def make_settings(tmp_path):
    """Settings over a fresh copy of the essay's corpus in tmp_path."""
    from qa.config import Settings

    def make(**kw):
        corpus = tmp_path / "corpus"
        if not corpus.exists():
            corpus.mkdir()
            shutil.copy(ESSAY, corpus / ESSAY.name)
        return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", **kw)

    return make


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the project's shared/ folder beside the clone; set QA_SHARED)")
    return path
