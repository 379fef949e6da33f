"""Embedders: the :class:`Embedder` protocol every backend satisfies, and
:func:`load_embedder`, which picks the backend the settings ask for.

- ``qa.embedding.sbert``: sentence-transformers (torch), the reference, which the ONNX export
  is made from and checked against.
- ``qa.embedding.onnx``: the export run by onnxruntime: queries (float or int8) and index
  builds (float, whose vectors equal the reference's within cosine 0.9999).

The model is always loaded from this machine (``HF_HUB_OFFLINE=1``). Nothing is downloaded.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Protocol

from qa.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    from qa.config import Settings
    from qa.embedding.sbert import SentenceTransformerEmbedder

logger = logging.getLogger(__name__)

__all__ = ["Embedder", "build_embedder", "load_embedder", "torch_embedder"]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dimension: int
    max_tokens: int
    hash: str  # sha256 over the model's weight and config files: the index's identity
    backend: str  # "torch" or "onnx"

    def encode(self, texts: list[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...


def torch_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The sentence-transformers embedder the settings name (the reference the ONNX export is made from)."""
    from qa.embedding.sbert import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model, device=settings.device, threads=settings.threads,
                                       hash_cache=settings.index_dir / ".model-hashes.json")


def build_embedder(settings: Settings, query: Embedder | None = None) -> Embedder:
    """The embedder index builds use (``settings.build_backend``): the float ONNX export, or
    sentence-transformers. ``query``, the query embedder, is used when it is that one already.

    Raises:
        ModelError: The model is missing, or ``onnx`` was asked for a model it cannot run.
    """
    if settings.build_backend == "torch":
        if query is not None and query.backend == "torch":
            return query
        return torch_embedder(settings)
    if query is not None and query.backend == "onnx" and getattr(query, "quantize", None) == "none":
        return query
    backend = "onnx" if settings.build_backend == "onnx" else "auto"
    return load_embedder(settings.model_copy(update={"backend": backend, "quantize": "none"}))


def load_embedder(settings: Settings) -> Embedder:
    """The query embedder the settings ask for (``settings.backend``).

    ``torch``: sentence-transformers. ``onnx``: the ONNX export under ``<index_dir>/.onnx/``
    (exported first when missing or corrupt, which imports torch once). ``auto``: ONNX when the
    model's pooling is supported, else sentence-transformers with one logged line saying why.

    Raises:
        ModelError: The model is missing, or ``onnx`` was asked for a model it cannot run.
    """
    if settings.backend == "torch":
        if settings.quantize != "none" and "quantize" in settings.model_fields_set:  # asked for, not the default
            logger.warning("quantize=%s is ignored: it applies to the ONNX query path, not backend=torch",
                           settings.quantize)
        return torch_embedder(settings)
    from qa.embedding.onnx import (
        MODEL_FILES,
        OnnxEmbedder,
        export_onnx,
        onnx_cache_dir,
        pooling_of,
        quantize_int8,
    )
    from qa.embedding.sbert import model_hash, resolve_model_path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = resolve_model_path(settings.model)
    pooling, why = pooling_of(path)
    if pooling is None:
        if settings.backend == "onnx":
            raise ModelError(f"Model '{settings.model}' cannot run on ONNX: {why}. Set QA_BACKEND=torch or auto.")
        logger.warning("using sentence-transformers (torch) for queries: model '%s' cannot run on ONNX: %s",
                       settings.model, why)
        return torch_embedder(settings)
    digest = model_hash(path, settings.index_dir / ".model-hashes.json")
    folder = onnx_cache_dir(settings.index_dir, digest)

    def load(quantize: str) -> OnnxEmbedder:
        return OnnxEmbedder(folder, model_name=settings.model, model_sha256=digest, threads=settings.threads,
                            quantize=quantize)

    try:
        return load(settings.quantize)
    except ModelError as exc:
        first = exc
    if settings.quantize != "none" and MODEL_FILES[settings.quantize] in str(first):
        # only the int8 copy is missing or damaged: when the float export is sound
        # (quantize_int8 checks its hash), make the copy again, no torch needed
        if (folder / MODEL_FILES[settings.quantize]).exists():
            logger.warning("re-quantising the ONNX model: %s", first)
        try:
            quantize_int8(folder)
            return load(settings.quantize)
        except ModelError:
            pass
    from qa.files import writable

    if not writable(folder.parent):
        why = f"{first} '{folder.parent}' is not writable, so the model cannot be exported there"
        if settings.backend == "onnx":
            raise ModelError(f"{why}. Make the index folder writable, or set QA_BACKEND=torch or auto.")
        logger.warning("using sentence-transformers (torch) for queries: %s", why)
        return torch_embedder(settings)
    if (folder / "onnx-manifest.json").exists():
        logger.warning("re-exporting the model to ONNX: %s", first)
    else:
        logger.info("exporting the model to ONNX (once): %s", first)
    export_onnx(path, settings.model, digest, folder)
    if settings.quantize != "none":
        quantize_int8(folder)
    return load(settings.quantize)
