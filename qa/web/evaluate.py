"""The main page's second tab: a question file uploaded in this session is answered (its answers
kept every few questions, so a stopped run goes on), judged, and offered as downloads."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.errors import QuestionFileError  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["EVAL_DIR_PREFIX", "EVAL_TOP_K", "NOT_UPLOADED", "UPLOADS_KEPT", "evaluate_file", "prune_eval_dirs", "refusal", "uploaded_file"]


EVAL_DIR_PREFIX = "qa-eval-"
UPLOADS_KEPT = (600, 6 * 3600)  # Gradio's delete_cache: every 10 minutes, files older than the downloads
EVAL_DOWNLOADS_KEPT_S = 6 * 3600
EVAL_CHUNK = 32  # questions answered between two writes of the answers file: at most these are lost


def refusal(message: str) -> gr.Error:
    """A message for the user, not a fault: shown as it is, with no traceback in the log
    (Gradio prints one per gr.Error unless told not to)."""
    return gr.Error(message, print_exception=False)


def prune_eval_dirs(tmp: Path, *, max_age_s: float = EVAL_DOWNLOADS_KEPT_S) -> None:
    """Remove the evaluation tab's download folders older than ``max_age_s`` (each run makes one)."""
    import shutil
    import time

    now = time.time()
    for d in tmp.glob(f"{EVAL_DIR_PREFIX}*"):
        try:
            if d.is_dir() and now - d.stat().st_mtime > max_age_s:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


NOT_UPLOADED = "Upload the question file with the button above (JSONL or CSV)."


def uploaded_file(file: str | None, uploaded: set[str]) -> Path:
    """The path of a file uploaded through this page, or gr.Error.

    Gradio checks that a file value names an upload only once ``launch()`` ran, and a mounted
    app never runs it: without this, any server file could be named in a request. Accepted:
    a file in Gradio's upload folder that this page's upload route wrote (its folder is a keyed
    hash of its content, so only whoever sent that content can name it). Every refusal says
    the same, so that nothing tells whether a path exists.
    """
    from gradio.utils import get_upload_folder

    if not file:
        raise refusal("Choose a question file first (JSONL or CSV).")
    try:
        path = Path(file).resolve(strict=True)
        folder = Path(get_upload_folder()).resolve()
    except (OSError, RuntimeError):
        raise refusal(NOT_UPLOADED) from None
    # the exact path the upload route returned (it holds no '..'), and inside the upload folder
    if file not in uploaded or not path.is_relative_to(folder) or not path.is_file():
        raise refusal(NOT_UPLOADED)
    return path


EVAL_TOP_K = 10  # passages searched for each question's evidence, whatever the Ask tab shows


def evaluate_file(
    engine: Engine, settings: Settings, file: str | None, progress: Any, *, uploaded: set[str],
    top_k: int = EVAL_TOP_K,
) -> tuple[str, str, list[str]]:
    """The evaluation tab: answer and judge an uploaded question file; write the downloads."""
    import tempfile

    from qa.evaluation.batch import answer_items, judge_run, read_done
    from qa.evaluation.questions import BadLine, EvalQuestion, read_questions
    from qa.evaluation.runs import result_rows, results_csv, results_jsonl
    from qa.files import atomic_write_text, sha256_file
    from qa.report import questions_html, results_html, summary_html

    web = settings.web
    path = uploaded_file(file, uploaded)
    size = path.stat().st_size
    if size > web.max_upload_bytes:
        raise refusal(f"The file is {size} bytes; the limit here is {web.max_upload_bytes}. Split it, or use qa eval.")
    try:
        items, warnings = read_questions(path)
    except QuestionFileError as exc:
        raise refusal(str(exc).replace(str(path), path.name)) from None
    warnings = [*warnings, *(f"skipped {b.message}" for b in items if isinstance(b, BadLine))]
    n = sum(isinstance(i, EvalQuestion) for i in items)
    if n == 0:
        raise refusal(f"'{path.name}' holds no usable question.")
    if n > web.max_eval_questions:
        raise refusal(f"The file has {n} questions; the limit here is {web.max_eval_questions}. "
                       "Split it, or use qa eval on the command line.")
    tmp = Path(tempfile.gettempdir())
    prune_eval_dirs(tmp)
    # One folder per (file, settings, index): a run cut short (the server stopped mid-way) keeps
    # the answers given so far, written chunk by chunk, and the same file evaluated again goes on
    # from them instead of starting over.
    run_key = hashlib.sha256(json.dumps(
        [sha256_file(path), top_k, engine.index.manifest.digest, engine.query_model], sort_keys=True,
    ).encode()).hexdigest()[:32]
    out = tmp / f"{EVAL_DIR_PREFIX}{run_key}"
    out.mkdir(mode=0o700, exist_ok=True)
    if out.stat().st_uid != os.getuid():  # made by another user of this machine: not to be trusted
        out = Path(tempfile.mkdtemp(prefix=EVAL_DIR_PREFIX))
    answers_path = out / "answers.jsonl"
    try:
        kept = len(read_done(answers_path, items))
    except QuestionFileError:  # not ours after all: start afresh
        answers_path.unlink(missing_ok=True)
        kept = 0
    if kept:
        warnings.append(f"{kept} of {len(items)} answers were kept from an earlier run of this file that "
                        "was cut short; the rest were asked now.")
    progress(0, desc="Answering")
    lines = answer_items(
        engine, items, top_k=top_k, answers_path=answers_path, resume=True, chunk=EVAL_CHUNK,
        on_progress=lambda done, total: progress(done / max(total, 1), desc=f"Answering {done}/{total}"),
    )
    run = judge_run(items, lines, info={"file": path.name, **engine.query_model, "top_k": top_k})
    judged = run.judged
    qs, ans, vs = ([list(x) for x in zip(*judged, strict=True)] if judged else [[], [], []])
    files = {
        "results.csv": results_csv(qs, ans, vs),
        "results.jsonl": results_jsonl(qs, ans, vs),
        "summary.json": json.dumps(run.summary, indent=2, ensure_ascii=False),
        "report.html": results_html(qs, ans, vs, run.summary, title=f"essay-qa: {path.name}"),
    }
    for name, text in files.items():
        atomic_write_text(out / name, text)
    shown = {k: v for k, v in run.summary.items() if k not in ("ranking", "passages", "model", "file")}
    got = (summary_html(shown, warnings, verdicts=[v for v in vs if v is not None], passages=top_k),
           questions_html(result_rows(qs, ans, vs)),
           [str(out / name) for name in files])
    del run, judged, qs, ans, vs, files, lines
    _give_back_memory()
    return got


def _give_back_memory() -> None:
    """Hand the heap freed by a large evaluation back to the system. glibc keeps freed memory
    for later use: after 2,000 questions the server stayed 125 MB larger, for good."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(name).malloc_trim(0)


