"""A question file answered in batches, written as it goes, resumable; then judged.

The answers file (one Answer JSON per input line, in input order; a malformed input line
gets ``{"id": "<line>", "error": ..., "answered": false, "passages": []}``) is the journal:
each chunk of answers is appended and flushed to disk before the next chunk is asked, so an
interrupted run loses at most the chunk in flight, and ``resume`` keeps the lines already
written (checked against the input's ids) and asks only the rest.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from qa.errors import QuestionFileError
from qa.evaluation.judge import Verdict, judge, summarize
from qa.evaluation.questions import BadLine, EvalQuestion
from qa.models import Answer

logger = logging.getLogger(__name__)

__all__ = ["EvalRun", "answer_items", "bad_line_record", "judge_run", "read_done"]

CHUNK = 256  # questions asked per engine call: big enough to batch well, small enough to save often


def bad_line_record(item: BadLine) -> dict[str, Any]:
    return {"id": item.id, "error": item.message, "answered": False, "passages": []}


def read_done(path: Path, items: Sequence[EvalQuestion | BadLine]) -> list[str]:
    """The lines of an earlier run's answers file that answer the first items, in order.

    Stops at the first line that is cut short (an interrupted write) or whose id is not the
    next item's. Raises QuestionFileError when the file answers another question file.
    """
    if not path.is_file():
        return []
    done: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, start=1):
            if no > len(items):
                raise QuestionFileError(
                    f"'{path}' has more answers than the question file has lines: it answers another file. "
                    "Start afresh without --resume."
                )
            if not line.endswith("\n"):
                break  # cut short by the interruption: ask it again
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                break
            want = items[no - 1].id
            if str(obj.get("id") if obj.get("id") is not None else no) != want:
                raise QuestionFileError(
                    f"'{path}' line {no} answers question id {obj.get('id')!r}, but line {no} of the question "
                    f"file has id {want!r}: it answers another file. Start afresh without --resume."
                )
            done.append(line.rstrip("\n"))
    return done


def _sync(fh: IO[str]) -> None:
    """Flush to disk; only a regular file can be fsynced (not /dev/null or a pipe)."""
    fh.flush()
    if stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
        os.fsync(fh.fileno())


@contextmanager
def _journal(path: Path | None, keep: list[str]) -> Iterator[IO[str] | None]:
    if path is None:
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for line in keep:
            fh.write(line + "\n")
        _sync(fh)
        yield fh


def answer_items(
    engine: Any,
    items: Sequence[EvalQuestion | BadLine],
    *,
    top_k: int | None = None,
    answers_path: Path | None = None,
    resume: bool = False,
    on_line: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    chunk: int = CHUNK,
) -> list[str]:
    """Answer every item in input order; return one JSON line per item.

    Lines go to ``answers_path`` (flushed and fsynced chunk by chunk) and to ``on_line`` as
    they come. With ``resume``, the lines already in ``answers_path`` are kept and not asked
    again. ``on_progress(done, total)`` is called after each chunk.
    """
    done = read_done(answers_path, items) if (resume and answers_path is not None) else []
    if done:
        logger.info("resuming: %d of %d lines already answered", len(done), len(items))
    lines = list(done)
    total = len(items)
    if on_progress:
        on_progress(len(lines), total)
    with _journal(answers_path, done) as fh:
        for start in range(len(done), total, chunk):
            part = items[start : start + chunk]
            answers: dict[int, Answer] = {}
            # one engine call per document filter in the chunk (questions may name a document)
            groups: dict[str | None, list[tuple[int, EvalQuestion]]] = {}
            for i, item in enumerate(part):
                if isinstance(item, EvalQuestion):
                    doc = item.document if item.document in engine.documents else None
                    groups.setdefault(doc, []).append((i, item))
            for doc, group in groups.items():
                got = engine.ask_many(
                    [q.question for _, q in group], ids=[q.id for _, q in group], top_k=top_k,
                    documents=[doc] if doc else None,
                )
                answers.update({i: a for (i, _), a in zip(group, got, strict=True)})
            new = [
                json.dumps(bad_line_record(item), ensure_ascii=False) if isinstance(item, BadLine)
                else answers[i].model_dump_json()
                for i, item in enumerate(part)
            ]
            if fh is not None:
                fh.write("\n".join(new) + "\n")
                _sync(fh)
            for line in new:
                if on_line:
                    on_line(line)
            lines.extend(new)
            if on_progress:
                on_progress(len(lines), total)
    return lines


@dataclass
class EvalRun:
    """A judged run: per question its answer (None for a malformed line) and verdict."""

    items: list[EvalQuestion | BadLine]
    answers: list[Answer | None]
    verdicts: list[Verdict | None]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def judged(self) -> list[tuple[EvalQuestion, Answer, Verdict | None]]:
        return [
            (q, a, v) for q, a, v in zip(self.items, self.answers, self.verdicts, strict=True)
            if isinstance(q, EvalQuestion) and a is not None
        ]


def judge_run(items: Sequence[EvalQuestion | BadLine], lines: Sequence[str], *, info: dict[str, Any] | None = None) -> EvalRun:
    """Verdicts and the summary for answered items (the lines of :func:`answer_items`)."""
    answers: list[Answer | None] = []
    verdicts: list[Verdict | None] = []
    for item, line in zip(items, lines, strict=True):
        if isinstance(item, BadLine):
            answers.append(None)
            verdicts.append(None)
            continue
        a = Answer.model_validate_json(line)
        answers.append(a)
        verdicts.append(judge(item, a) if a.error is None else None)
    summary: dict[str, Any] = dict(summarize([v for v in verdicts if v is not None]))
    summary["malformed_lines"] = sum(isinstance(i, BadLine) for i in items)
    summary["refused_questions"] = sum(1 for a in answers if a is not None and a.error)
    if info:
        summary.update(info)
    return EvalRun(list(items), answers, verdicts, summary)
