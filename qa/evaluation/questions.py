"""Question files: JSONL objects or CSV rows with the sample-file columns.

Columns: ``id``, ``question`` (the only required one), ``evidence`` (quotes; a right answer
holds at least one), ``footnotes`` (labels), ``type``, ``answer``, ``notes``, ``document``.
In CSV, lists are joined with `` || ``. Any other column is named in a warning and ignored.
A malformed line is reported with its line number and kept in place as a ``BadLine``, so
output line N still answers input line N.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from qa.errors import QuestionFileError
from qa.models import QAModel

__all__ = ["BadLine", "EvalQuestion", "KNOWN_COLUMNS", "read_questions"]

KNOWN_COLUMNS = ("id", "question", "evidence", "footnotes", "type", "answer", "notes", "document")


class EvalQuestion(QAModel):
    id: str
    question: str
    evidence: list[str] = []
    footnotes: list[str] = []
    type: str = ""
    answer: str = ""
    notes: str = ""
    document: str | None = None
    line: int = Field(ge=1, description="1-based line (JSONL) or row (CSV, header excluded) in the file")

    @field_validator("footnotes", mode="before")
    @classmethod
    def _labels(cls, v: object) -> object:
        if isinstance(v, list):
            return [str(x) for x in v]
        return v

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


@dataclass(frozen=True)
class BadLine:
    line: int
    message: str

    @property
    def id(self) -> str:
        return str(self.line)


def _split_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(x) for x in value if str(x).strip()]
    text = str(value).strip()
    if not text:
        return []
    return [part.strip() for part in text.split("||") if part.strip()]


def _row_to_question(row: dict[str, object], line: int) -> EvalQuestion:
    q = row.get("question")
    if q is None or (isinstance(q, str) and not q.strip()):
        raise ValueError("no question")
    if not isinstance(q, str):
        raise ValueError(f"question must be text, not {type(q).__name__}")
    data = {
        "id": str(row.get("id") or line).strip() or str(line),
        "question": q,
        "evidence": _split_list(row.get("evidence")),
        "footnotes": _split_list(row.get("footnotes")),
        "type": str(row.get("type") or ""),
        "answer": str(row.get("answer") or ""),
        "notes": str(row.get("notes") or ""),
        "document": (str(row["document"]) if row.get("document") else None),
        "line": line,
    }
    return EvalQuestion.model_validate(data)


def read_questions(path: Path) -> tuple[list[EvalQuestion | BadLine], list[str]]:
    """Questions of a JSONL or CSV file (by suffix; ``.json`` lines count as JSONL).

    Returns:
        (items in file order, warnings). Items are EvalQuestion or BadLine.

    Raises:
        QuestionFileError: The file cannot be read, is empty, or has no ``question`` column.
    """
    from qa.reading.corpus import read_utf8

    _, text = read_utf8(path, QuestionFileError)
    if not text.strip():
        raise QuestionFileError(f"Question file '{path}' is empty.")
    if path.suffix.lower() == ".csv":
        return _read_csv(text, path)
    return _read_jsonl(text)


def _read_jsonl(text: str) -> tuple[list[EvalQuestion | BadLine], list[str]]:
    items: list[EvalQuestion | BadLine] = []
    warnings: list[str] = []
    unknown: set[str] = set()
    for no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            items.append(BadLine(no, f"line {no}: not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            items.append(BadLine(no, f"line {no}: expected a JSON object, got {type(obj).__name__}"))
            continue
        unknown.update(k for k in obj if k not in KNOWN_COLUMNS)
        try:
            items.append(_row_to_question(obj, no))
        except (ValueError, ValidationError) as exc:
            items.append(BadLine(no, f"line {no}: {_short(exc)}"))
    if unknown:
        warnings.append(f"unknown field(s) ignored: {', '.join(sorted(unknown))}")
    return items, warnings


def _read_csv(text: str, path: Path) -> tuple[list[EvalQuestion | BadLine], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if "question" not in header:
        raise QuestionFileError(
            f"CSV file '{path}' has no 'question' column (columns: {', '.join(header) or 'none'})."
        )
    warnings: list[str] = []
    unknown = [h for h in header if h not in KNOWN_COLUMNS]
    if unknown:
        warnings.append(f"unknown column(s) ignored: {', '.join(unknown)}")
    items: list[EvalQuestion | BadLine] = []
    try:
        for row_no, row in enumerate(reader, start=1):
            if None in row:
                items.append(BadLine(row_no, f"row {row_no}: more fields than the header has"))
                continue
            try:
                items.append(_row_to_question(dict(row), row_no))
            except (ValueError, ValidationError) as exc:
                items.append(BadLine(row_no, f"row {row_no}: {_short(exc)}"))
    except csv.Error as exc:
        raise QuestionFileError(f"CSV file '{path}' is malformed near row {reader.line_num}: {exc}") from exc
    return items, warnings


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
    return str(exc)
