"""Engine: wires the settings, the index (``qa.indexing.open_index``), the embedder and the
ranker (``qa.ranking.ranker``); ``ask()``, ``ask_many()`` and ``search()`` validate and encode
the questions, the ranker ranks, and the engine makes the Answer (with its timing and the
"not answered" message)."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qa.config import RankingParams, Settings, load_settings
from qa.embedding import Embedder
from qa.errors import QuestionError
from qa.indexing import open_index
from qa.models import Answer, Document
from qa.ranking.language import LanguageGuide
from qa.ranking.ranker import Ranker
from qa.reading.corpus import check_corpus_dir
from qa.store import Index

logger = logging.getLogger(__name__)

__all__ = ["NOT_ANSWERED_MESSAGE", "Engine"]

NOT_ANSWERED_MESSAGE = (
    "The text does not seem to answer this question. The closest passages are shown below."
)
_HAS_WORD = re.compile(r"\w", re.UNICODE)


class Engine:
    """Answers questions from a loaded index. Build one with :meth:`from_settings`."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        *,
        settings: Settings,
        clock: Callable[[], float] = time.perf_counter,
        multilingual: Any | None = None,
    ) -> None:
        """``multilingual``: the second encoder (``qa.embedding.e5``), used for questions not in
        the reading's language when the index holds its vectors."""
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._clock = clock
        self.ranker = Ranker(index, settings.ranking)
        built = index.manifest.multilingual
        # the second encoder serves only over its own vectors (a read-only index may hold none, or others)
        self.multilingual = multilingual if built is not None and multilingual is not None \
            and built.model_sha256 == multilingual.hash and index.multilingual is not None else None
        self.foreign_ranker: Ranker | None = None
        self._guide: LanguageGuide | None = None
        if self.multilingual is not None:
            from qa.embedding.e5 import COSINE_FLOOR

            self.foreign_ranker = Ranker(index, _foreign_params(settings.ranking), vectors=index.multilingual,
                                         cosine_floor=COSINE_FLOOR)

    @property
    def params(self) -> RankingParams:
        """The ranking parameters; setting them re-ranks every later question (benchmarks try several)."""
        return self.ranker.params

    @params.setter
    def params(self, value: RankingParams) -> None:
        self.ranker.params = value
        if self.foreign_ranker is not None:
            self.foreign_ranker.params = _foreign_params(value)

    @property
    def query_model(self) -> dict[str, Any]:
        """What encodes the questions, for run summaries: the figures depend on it."""
        backend = getattr(self.embedder, "backend", "torch")
        return {"model": self.settings.model, "backend": backend,
                "quantize": getattr(self.embedder, "quantize", "none") if backend == "onnx" else None}

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        rebuild: bool = False,
        auto_rebuild: bool = True,
        show_progress: bool = False,
        embedder: Embedder | None = None,
    ) -> Engine:
        """Load the index named by the settings, building it first when needed.

        With ``auto_rebuild`` (the default) a missing, stale, mismatched or corrupt index is
        logged in one line and rebuilt atomically; without it the IndexError_ is raised.
        """
        settings = settings or load_settings()
        check_corpus_dir(settings.corpus_dir)  # before any model is loaded or exported
        if embedder is None:
            from qa.embedding import load_embedder

            embedder = load_embedder(settings)
        from qa.embedding.e5 import load_multilingual

        multilingual = load_multilingual(settings)
        index = open_index(settings, embedder, rebuild=rebuild, auto_rebuild=auto_rebuild, show_progress=show_progress,
                           multilingual=multilingual)
        return cls(index, embedder, settings=settings, multilingual=multilingual)

    # -- public API -----------------------------------------------------------

    @property
    def documents(self) -> dict[str, Document]:
        return self.index.documents

    def validate(self, question: object) -> str:
        """The question, cleaned; raise QuestionError with a user-facing message when unusable."""
        if not isinstance(question, str):
            raise QuestionError(f"The question must be text, not {type(question).__name__}.")
        text = question
        if not text.isprintable():  # printable text holds no control or format character
            text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
        text = " ".join(text.split())
        if not text:
            raise QuestionError("The question is empty. Type a question about the text.")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise QuestionError(
                f"The question is {len(text)} characters long; the limit is {limit}. Shorten it."
            )
        if not _HAS_WORD.search(text):
            raise QuestionError("The question has no words. Type a question about the text.")
        return text

    def _check_documents(self, documents: Sequence[str] | None) -> np.ndarray | None:
        if not documents:
            return None
        unknown = [d for d in documents if d not in self.index.documents]
        if unknown:
            raise QuestionError(
                f"Unknown document {unknown[0]!r}. Known documents: {', '.join(sorted(self.index.documents))}."
            )
        wanted = set(documents)
        return np.array([p.doc_id in wanted for p in self.index.passages], dtype=bool)

    def ask(
        self,
        question: str,
        *,
        top_k: int | None = None,
        documents: Sequence[str] | None = None,
        id: str | None = None,  # noqa: A002 - the Answer field's name
    ) -> Answer:
        """Answer one question.

        Raises:
            QuestionError: The question is empty, too long, not text, or names an unknown document.
        """
        t0 = self._clock()
        text = self.validate(question)
        mask = self._check_documents(documents)
        language = self.language_of(text)
        qvec = self._encode([text], language, 1)
        return self._answer(text, qvec[0], top_k or self.settings.top_k, mask, t0, id, language)

    def ask_many(
        self,
        questions: Sequence[object],
        *,
        top_k: int | None = None,
        documents: Sequence[str] | None = None,
        ids: Sequence[str | None] | None = None,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> list[Answer]:
        """Answer many questions with batched encoding; order is kept.

        A question that cannot be asked gets an Answer whose ``error`` says why, in its place.
        """
        ids = list(ids) if ids is not None else [None] * len(questions)
        mask = self._check_documents(documents)
        k = top_k or self.settings.top_k
        bs = batch_size or self.settings.batch_size
        answers: list[Answer | None] = [None] * len(questions)
        valid: list[tuple[int, str]] = []
        for i, q in enumerate(questions):
            try:
                valid.append((i, self.validate(q)))
            except QuestionError as exc:
                answers[i] = Answer(
                    id=ids[i], question=q if isinstance(q, str) else repr(q), answered=False,
                    passages=[], took_ms=0.0, error=str(exc),
                )
        # Encode in large chunks: sentence-transformers sorts each call's texts by length,
        # so bigger calls pad less (batches of `bs` inside each call).
        step = max(bs * 16, 1024)
        for b in range(0, len(valid), step):
            chunk = valid[b : b + step]
            t0 = self._clock()
            languages = [self.language_of(t) for _, t in chunk]
            vecs: list[np.ndarray] = [np.zeros(0, np.float32)] * len(chunk)
            for lang in dict.fromkeys(languages):  # each encoder once per chunk
                rows = [j for j, x in enumerate(languages) if x == lang]
                got = self._encode([chunk[j][1] for j in rows], lang, bs)
                for j, vec in zip(rows, got, strict=True):
                    vecs[j] = vec
            per_q = (self._clock() - t0) / max(len(chunk), 1)
            for (i, text), vec, lang in zip(chunk, vecs, languages, strict=True):
                t1 = self._clock() - per_q
                answers[i] = self._answer(text, vec, k, mask, t1, ids[i], lang)
            if show_progress:
                logger.info("answered %d/%d", min(b + step, len(valid)), len(valid))
        return [a for a in answers if a is not None]

    def search(
        self, questions: Sequence[str], *, k: int = 100, batch_size: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """Ranked (passage_id, score) lists, up to ``k`` per question, for benchmarks and tools."""
        bs = batch_size or self.settings.batch_size
        out: list[list[tuple[str, float]]] = []
        for b in range(0, len(questions), bs):
            chunk = [self.validate(q) for q in questions[b : b + bs]]
            languages = [self.language_of(t) for t in chunk]
            if any(languages):
                vecs = [self._encode([t], lang, 1)[0] for t, lang in zip(chunk, languages, strict=True)]
            else:
                vecs = list(self.embedder.encode(chunk, batch_size=bs))
            for text, vec, lang in zip(chunk, vecs, languages, strict=True):
                s = self._ranker(lang).scores(text, vec, None)
                order = np.argsort(-s.fused, kind="stable")[:k]
                out.append([(self.index.passages[int(s.cand[j])].passage_id, float(s.fused[j])) for j in order])
        return out

    @property
    def guide(self) -> LanguageGuide:
        """The reading's words: which language a question is in, which of its names the reading lacks."""
        if self._guide is None:
            self._guide = LanguageGuide([p.text for p in self.index.passages] + [n["text"] for n in self.index.notes])
        return self._guide

    def language_of(self, question: str) -> str | None:
        """None when ``question`` is in the reading's language (or no second encoder is loaded);
        else its language code, and the multilingual encoder answers it."""
        return self.guide.foreign(question) if self.multilingual is not None else None

    def _encode(self, texts: list[str], language: str | None, batch_size: int) -> np.ndarray:
        if language is not None and self.multilingual is not None:
            vecs: np.ndarray = self.multilingual.encode_queries(texts, batch_size=batch_size)
            return vecs
        return self.embedder.encode(texts, batch_size=batch_size)

    def _ranker(self, language: str | None) -> Ranker:
        return self.foreign_ranker if language is not None and self.foreign_ranker is not None else self.ranker

    def _answer(
        self, question: str, qvec: np.ndarray, top_k: int, mask: np.ndarray | None, t0: float, qid: str | None,
        language: str | None = None,
    ) -> Answer:
        passages, answered = self._ranker(language).rank(question, qvec, top_k, mask)
        message = None if answered else NOT_ANSWERED_MESSAGE
        if answered:
            absent = self.guide.absent_terms(question, foreign=language is not None)
            if absent:
                answered = False
                named = ", ".join(f"“{t}”" for t in dict.fromkeys(absent))
                message = (f"The text does not seem to answer this question: it never mentions {named}. "
                           "The closest passages are shown below.")
        return Answer(
            id=qid, question=question, answered=answered, passages=passages,
            took_ms=round((self._clock() - t0) * 1000, 2), message=message, language=language,
        )


def _foreign_params(params: RankingParams) -> RankingParams:
    """The ranking parameters for questions the multilingual encoder serves."""
    return params.model_copy(update={"lexical_weight": params.multilingual_lexical_weight,
                                     "answer_threshold": params.multilingual_answer_threshold})
