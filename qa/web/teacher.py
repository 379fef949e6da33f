"""The teacher's page (``/teacher/``): a question file uploaded in this session is answered, judged
and offered as downloads (``qa.web.evaluate``), apart from the students' page, which links to it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, cast

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.web.evaluate import UPLOADS_KEPT, evaluate_file  # noqa: E402
from qa.web.watch import ReadingWatch  # noqa: E402

__all__ = ["TEACHER_PATH", "teacher_page"]

TEACHER_PATH = "/teacher"


def _no_results() -> tuple[str, str, None]:
    return "", "", None


def teacher_page(watch: ReadingWatch, settings: Settings) -> tuple[gr.Blocks, Callable[[str], None]]:
    """The page, and what forgets a session's uploads (by its session hash)."""
    docs = watch.engine.documents
    title = next(iter(docs.values())).title if len(docs) == 1 else "Course readings"
    session_files: dict[str, set[str]] = {}

    def evaluate(
        file: str | None, request: gr.Request, progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's way
    ) -> tuple[str, str, list[str]]:
        got = evaluate_file(watch.engine, settings, file, progress, uploaded=page.upload_file_set)
        if file and request is not None and request.session_hash:
            session_files.setdefault(request.session_hash, set()).add(str(file))
        return got

    def forget_uploads(request: gr.Request) -> None:
        """The session ended (its tab closed): remove the question files it uploaded."""
        forget_session_files(getattr(request, "session_hash", None) or "")

    def forget_session_files(session_hash: str) -> None:
        for name in session_files.pop(session_hash, set()):
            page.upload_file_set.discard(name)
            Path(name).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                Path(name).parent.rmdir()  # its folder, a hash of the content, when now empty

    private: dict[str, Any] = {"api_visibility": "private"}
    # uploads nobody evaluated are removed 6 hours after they came, with the downloads (all at shutdown)
    with gr.Blocks(title=f"Check a question set: {title}", analytics_enabled=False, delete_cache=UPLOADS_KEPT) as page:
        gr.HTML(
            f'<header class="qa-title"><h1>Check a question set</h1><p>{escape(title)} · '
            '<a href="../">the students\' page</a></p></header>'
        )
        gr.HTML(
            "<p>Try the questions your students will ask before they do. Upload a file of questions, "
            "each with a few words copied from the reading that answer it (its <em>evidence</em>); "
            "each question is asked, and you see whether the passage shown first holds that evidence, "
            "whether its highlighted sentence does, and whether questions the reading does not answer "
            "are told so. Mark those with the type <code>unanswerable</code>.</p>"
            '<p>Start from a template: <a href="../question-template.csv" download>CSV</a> (opens in a '
            'spreadsheet) or <a href="../question-template.jsonl" download>JSONL</a>. Columns: '
            "<code>question</code> (the only one needed), <code>id</code>, <code>evidence</code>, "
            "<code>footnotes</code>, <code>type</code>; several quotes in one CSV cell are joined with "
            f"<code>||</code>. Up to {settings.web.max_eval_questions} questions and "
            f"{settings.web.max_upload_bytes // 1000} kB.</p>",
            elem_classes=["qa-eval-intro"],
        )
        eval_file = gr.File(label="Question file (JSONL or CSV)", file_types=[".jsonl", ".csv", ".json"],
                            type="filepath", elem_id="qa-eval-file")
        eval_button = gr.Button("Evaluate", variant="primary", elem_id="qa-eval-run")
        eval_summary = gr.HTML("", elem_id="qa-eval-summary")
        eval_downloads = gr.File(label="Download the results (CSV, JSONL, summary JSON, HTML report)",
                                 file_count="multiple", interactive=False, elem_id="qa-eval-downloads")
        eval_table = gr.HTML("", elem_id="qa-eval-questions")
        # the last file's results go as soon as another file comes, or a run starts (and perhaps fails)
        outputs = [eval_summary, eval_table, eval_downloads]
        eval_file.change(_no_results, None, outputs, queue=False, **private)
        eval_button.click(_no_results, None, outputs, queue=False, **private).then(
            evaluate, [eval_file], outputs, concurrency_limit=1, concurrency_id="evaluate", **private)
        page.unload(forget_uploads)
    page.queue(default_concurrency_limit=1, max_size=settings.web.queue_size, api_open=False)
    page.state_session_capacity = settings.web.max_sessions
    return cast(gr.Blocks, page), forget_session_files
