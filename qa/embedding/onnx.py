"""The query path without PyTorch: the sentence-transformers model exported to ONNX, run by
onnxruntime, tokenised by the ``tokenizers`` library, pooled here.

Why not fastembed's custom local model: it gives the same vectors (checked, cosine 0.9999999)
but adds about 0.6 s of imports (huggingface_hub and more) to every cold start; what it would
do for us is a masked mean and an L2 norm, a few lines below. onnxruntime and tokenizers are
the libraries fastembed itself runs on.

The export (``export_onnx``) needs torch and transformers, like the index build: it runs
once per model, into a cache folder under the index folder, ``<index_dir>/.onnx/<hash>/``:

    model.onnx           the transformer, last_hidden_state out, dynamic batch and length
    tokenizer.json       the model's tokenizer, truncation set to the model's max_seq_length
    onnx-manifest.json   written last: source model name and sha256, model.onnx's sha256,
                         pooling, normalisation, max_seq_length, dimension, exporter versions
    model.int8.onnx      only with ``quantize = "int8"``: made from model.onnx by onnxruntime's
                         dynamic quantiser (7-bit weights per channel, MatMul only), its sha256
                         and the quantiser's version and options then added to the manifest

Why 7-bit weights (``reduce_range``): onnxruntime multiplies uint8 activations by int8
weights with AVX2's ``vpmaddubsw`` where the CPU has no VNNI, and that instruction saturates
a pair of products at 32,767 (255 x 127 x 2 does not fit); AVX-512 VNNI, AVX-VNNI and ARM's
dot-product instructions do not saturate. With full 8-bit weights the same int8 file thus
gives other vectors, and other rankings, on another CPU. With weights in [-64, 64] no pair
can overflow (255 x 64 x 2 = 32,640), so every kernel computes the same integers
(``tests/test_onnx.py`` probes the kernel of the machine it runs on).

Only the pooling that sentence-transformers models commonly use is supported: mean or CLS,
with or without a Normalize module; ``pooling_of`` says why another model is not.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from qa.embedding.progress import Progress
from qa.errors import ModelError
from qa.files import remove_leftovers, sha256_file, work_name

logger = logging.getLogger(__name__)

__all__ = ["FORMAT", "OnnxEmbedder", "Pooling", "export_onnx", "onnx_cache_dir", "pooling_of", "quantize_int8"]

FORMAT = 2  # 2: attention exported as plain operations (eager), which onnxruntime fuses
OPSET = 17
BATCH_TOKENS = 1024  # padded tokens a call at most: about 2x the texts/s of 64-text calls here (bench/scale.py)
MANIFEST = "onnx-manifest.json"
MODEL_FILES = {"none": "model.onnx", "int8": "model.int8.onnx"}
# how model.int8.onnx is made; a copy made otherwise is made again
QUANTIZER: dict[str, Any] = {"weight_type": "QInt8", "per_channel": True, "reduce_range": True, "op_types": ["MatMul"]}


class Pooling:
    """How token vectors become one sentence vector, read from the model folder."""

    def __init__(self, mode: str, normalize: bool, max_seq_length: int, dimension: int) -> None:
        self.mode, self.normalize, self.max_seq_length, self.dimension = mode, normalize, max_seq_length, dimension

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "normalize": self.normalize, "max_seq_length": self.max_seq_length,
                "dimension": self.dimension}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def pooling_of(model_path: Path) -> tuple[Pooling | None, str]:
    """The model's pooling when the ONNX path supports it, else (None, why not)."""
    modules = _read_json(model_path / "modules.json")
    if not isinstance(modules, list):
        return None, f"'{model_path}' has no readable modules.json"
    kinds = [str(m.get("type", "")) for m in modules]
    pool_dirs = [m.get("path", "") for m in modules if str(m.get("type", "")).endswith("Pooling")]
    if len(pool_dirs) != 1:
        return None, "the model has no single Pooling module"
    known = ("Transformer", "Pooling", "Normalize")
    other = [k for k in kinds if not k.endswith(known)]
    if other:
        return None, f"the model has modules the ONNX path does not run: {', '.join(other)}"
    cfg = _read_json(model_path / pool_dirs[0] / "config.json") or {}
    modes = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v is True]
    if modes == ["pooling_mode_mean_tokens"]:
        mode = "mean"
    elif modes == ["pooling_mode_cls_token"]:
        mode = "cls"
    else:
        return None, f"its pooling ({', '.join(modes) or 'none'}) is not mean or CLS"
    st_cfg = _read_json(model_path / "sentence_bert_config.json") or {}
    config = _read_json(model_path / "config.json") or {}
    max_len = int(st_cfg.get("max_seq_length") or config.get("max_position_embeddings") or 512)
    dim = int(cfg.get("word_embedding_dimension") or config.get("hidden_size") or 0)
    if not (model_path / "tokenizer.json").is_file():
        return None, "the model has no tokenizer.json (a fast tokenizer) to run without transformers"
    return Pooling(mode, any(k.endswith("Normalize") for k in kinds), max_len, dim), ""


def onnx_cache_dir(index_dir: Path, model_sha256: str) -> Path:
    return index_dir / ".onnx" / model_sha256[:16]


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _read_stamp(path: Path) -> str | None:
    """A ``.verified`` stamp's text, or None when it is missing or unreadable (then the model
    file is hashed again: the stamp only spares that work)."""
    try:
        return path.read_text(encoding="ascii")
    except (OSError, ValueError):
        return None


def export_onnx(model_path: Path, model_name: str, model_sha256: str, target: Path) -> Path:
    """Export the model to ``target`` (atomically: a staging folder, then a rename).

    Raises:
        ModelError: The model's pooling is not supported, or the export failed.
    """
    pooling, why = pooling_of(model_path)
    if pooling is None:
        raise ModelError(f"Model '{model_name}' cannot run on ONNX: {why}.")
    try:
        import torch
        import transformers
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelError("Exporting the model to ONNX needs torch and transformers: "
                         "pip install torch==2.13.0 && pip install sentence-transformers") from exc
    t0 = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target.parent, (f".tmp-{target.name}",))  # from exports that were killed
    staging = target.parent / work_name(f".tmp-{target.name}")
    staging.mkdir()
    try:
        from qa.embedding.sbert import quiet_transformers

        quiet_transformers()
        # eager attention exports as MatMul/Softmax, which onnxruntime fuses into its Attention
        # kernel at load; the default (SDPA) exports as a graph it does not fuse, about 15% slower
        model = AutoModel.from_pretrained(str(model_path), local_files_only=True,
                                          attn_implementation="eager").eval()

        class Wrapper(torch.nn.Module):
            """Calls the model with keyword arguments: with transformers 5, exporting the raw
            model fails on positional ones ('multiple values for argument use_cache')."""

            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        ids = torch.tensor([[101, 7592, 2088, 102, 0], [101, 7592, 1010, 2088, 102]])
        mask = (ids != 0).long()
        dyn = {0: "batch", 1: "seq"}
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer and legacy-exporter notices
            torch.onnx.export(
                Wrapper(model), (ids, mask, torch.zeros_like(ids)), str(staging / "model.onnx"),
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn, "last_hidden_state": dyn},
                opset_version=OPSET, dynamo=False, do_constant_folding=True,
            )
        tok = json.loads((model_path / "tokenizer.json").read_text(encoding="utf-8"))
        # the packaged tokenizer.json may carry other limits (128, or fixed padding): the
        # model's max_seq_length is what sentence-transformers truncates at
        tok["truncation"] = {"direction": "Right", "max_length": pooling.max_seq_length,
                             "strategy": "LongestFirst", "stride": 0}
        tok["padding"] = None
        (staging / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
        manifest = {
            "format": FORMAT, "model_name": model_name, "model_sha256": model_sha256,
            "onnx_sha256": sha256_file(staging / "model.onnx"),
            "tokenizer_sha256": sha256_file(staging / "tokenizer.json"),
            "pooling": pooling.as_dict(), "opset": OPSET, "attention": "eager",
            "exporter": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "python": sys.version.split()[0]},
            "seconds": round(time.perf_counter() - t0, 2),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"Exporting model '{model_name}' to ONNX failed: {exc}") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    logger.info("exported %s to ONNX at %s in %.1f s", model_name, target, time.perf_counter() - t0)
    return target


def _onnxruntime() -> Any:
    """onnxruntime, with its telemetry off. Its Linux wheels carry Microsoft's 1DS telemetry,
    which looked up mobile.events.data.microsoft.com from an idle app; ORT_DISABLE_TELEMETRY,
    read when the library loads, stops it, and disable_telemetry_events() stops the events
    (tests/test_offline.py watches the app's DNS lookups and connections)."""
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime

    onnxruntime.disable_telemetry_events()
    return onnxruntime


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def quantize_int8(folder: Path) -> Path:
    """Make ``model.int8.onnx`` from the folder's verified ``model.onnx`` and record it.

    Dynamic quantisation: weights stored as int8 in 7 bits (one scale per output channel; why
    7, the module's docstring), activations quantised on the fly; only MatMul nodes, which
    carry nearly all of the arithmetic. No torch is needed, only onnxruntime and onnx.

    Raises:
        ModelError: The folder holds no usable export, or the quantiser failed.
    """
    manifest = _read_json(folder / MANIFEST)
    source = folder / MODEL_FILES["none"]
    if not isinstance(manifest, dict) or not source.is_file() or sha256_file(source) != manifest.get("onnx_sha256"):
        raise ModelError(f"No verified ONNX export at '{folder}' to quantise.")
    try:
        onnxruntime = _onnxruntime()
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelError("Quantising the model needs onnxruntime and onnx: pip install onnxruntime onnx") from exc
    t0 = time.perf_counter()
    target = folder / MODEL_FILES["int8"]
    remove_leftovers(folder, (".tmp",))
    tmp = folder / f"{work_name('.tmp')}.onnx"
    try:
        quiet = logging.getLogger()  # the quantiser suggests pre-processing through the root logger
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            quantize_dynamic(str(source), str(tmp), per_channel=QUANTIZER["per_channel"],
                             reduce_range=QUANTIZER["reduce_range"], weight_type=QuantType.QInt8,
                             op_types_to_quantize=list(QUANTIZER["op_types"]))
        finally:
            quiet.setLevel(level)
        os.replace(tmp, target)
    except Exception as exc:
        raise ModelError(f"Quantising '{source}' to int8 failed: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    manifest["int8_sha256"] = sha256_file(target)
    manifest["quantizer"] = {"onnxruntime": onnxruntime.__version__, **QUANTIZER}
    _write_json_atomic(folder / MANIFEST, manifest)
    logger.info("quantised the ONNX model to int8 at %s in %.1f s", target, time.perf_counter() - t0)
    return target


class OnnxEmbedder:
    """Encodes with the exported model; no torch, transformers or sentence-transformers.

    Raises:
        ModelError: The cache folder is missing, incomplete, for another model, or its
            model.onnx does not match the manifest's hash (the caller re-exports).
    """

    def __init__(
        self, folder: Path, *, model_name: str, model_sha256: str, threads: int | None = None, quantize: str = "none"
    ) -> None:
        manifest = _read_json(folder / MANIFEST)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ModelError(f"No usable ONNX export at '{folder}'.")
        if manifest.get("model_sha256") != model_sha256:
            raise ModelError(f"The ONNX export at '{folder}' is of another model.")
        if quantize not in MODEL_FILES:
            raise ModelError(f"Unknown quantisation {quantize!r}: use one of {', '.join(MODEL_FILES)}.")
        onnx_file = folder / MODEL_FILES[quantize]
        tokenizer_file = folder / "tokenizer.json"
        if not tokenizer_file.is_file() or sha256_file(tokenizer_file) != manifest.get("tokenizer_sha256"):
            raise ModelError(f"The ONNX export at '{folder}' has no tokenizer.json matching its manifest.")
        if not onnx_file.is_file():
            raise ModelError(f"'{onnx_file}' is missing.")
        if quantize == "int8":
            made = {k: v for k, v in (manifest.get("quantizer") or {}).items() if k != "onnxruntime"}
            if made != QUANTIZER:
                raise ModelError(f"'{onnx_file}' was quantised with other options ({made or 'unknown'}).")
        # hash the file only when its size or mtime changed since it was last checked
        stamp_file = folder / (".verified" if quantize == "none" else f".verified-{quantize}")
        stamp = _stamp(onnx_file)
        if _read_stamp(stamp_file) != stamp:
            want = manifest.get("onnx_sha256" if quantize == "none" else f"{quantize}_sha256")
            if sha256_file(onnx_file) != want:
                raise ModelError(f"'{onnx_file}' does not match its manifest hash.")
            try:
                stamp_file.write_text(stamp)
            except OSError:
                pass
        try:
            ort = _onnxruntime()
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError("The ONNX backend needs onnxruntime and tokenizers: pip install onnxruntime tokenizers") from exc
        p = manifest["pooling"]
        self.name = model_name
        self.hash = model_sha256
        self.dimension = int(p["dimension"])
        self.max_tokens = int(p["max_seq_length"])
        self.quantize = quantize
        self._mode = p["mode"]
        try:
            self._tok = Tokenizer.from_file(str(tokenizer_file))
        except Exception as exc:
            raise ModelError(f"The tokenizer at '{tokenizer_file}' cannot be read: {exc}") from exc
        self._tok.enable_truncation(max_length=self.max_tokens)
        pad = self._tok.token_to_id("[PAD]")
        self._pad = pad if pad is not None else 0  # padding is added per batch (encode)
        self._tok.no_padding()
        self._tokenizer_file = folder / "tokenizer.json"
        self._counter: Any = None  # an untruncated copy, made on the first count_tokens
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(f"onnxruntime cannot load '{onnx_file}': {exc}") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.backend = "onnx"

    def encode(self, texts: list[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        """Vectors of ``texts``: tokenised together, sorted by length, and run in batches of at
        most ``batch_size`` texts and :data:`BATCH_TOKENS` padded tokens (a batch of long texts
        is small, one of short texts large; little padding, and the matrices fit the caches)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encoded = self._tok.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encoded], dtype=np.int64)
        order = np.argsort(-lengths, kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        bar = Progress(len(texts)) if show_progress else None
        i = 0
        while i < len(order):
            width = int(lengths[order[i]])  # the longest of the batch: they come longest first
            rows = order[i : i + max(1, min(batch_size, BATCH_TOKENS // max(width, 1)))]
            i += len(rows)
            ids = np.full((len(rows), width), self._pad, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, r in enumerate(rows):
                e = encoded[r].ids
                ids[j, : len(e)] = e
                mask[j, : len(e)] = 1
            out[rows] = self._pool(ids, mask)
            if bar is not None:
                bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out

    def _pool(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0]
        if self._mode == "cls":
            pooled = hidden[:, 0, :]
        else:
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        # always L2-normalised, as SentenceTransformerEmbedder encodes (the index holds cosines)
        pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return np.asarray(pooled, dtype=np.float32)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces of each text without the special tokens the model adds."""
        if self._counter is None:
            from tokenizers import Tokenizer

            self._counter = Tokenizer.from_file(str(self._tokenizer_file))
            self._counter.no_truncation()
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]
