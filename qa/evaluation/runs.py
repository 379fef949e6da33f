"""A judged run as records: one flat row per question (for the CSV and JSONL results and the
web tab), the CSV with formula cells neutralised, and two runs compared (their HTML pages are
in ``qa.report``)."""

from __future__ import annotations

import csv
import io
import json

from qa.evaluation.judge import Verdict
from qa.evaluation.questions import EvalQuestion
from qa.models import Answer
from qa.render import format_pages

__all__ = ["CSV_COLUMNS", "compare_runs", "csv_cell", "is_miss", "result_rows", "results_csv", "results_jsonl", "tri"]

CSV_COLUMNS = (
    "id", "question", "answered", "rank", "highlight_ok", "citation_ok", "top_score",
    "top_passage", "pages", "highlight", "took_ms", "error",
)

def is_miss(v: Verdict) -> bool:
    """Answered when the reading does not answer; or the evidence not first, or not highlighted.
    A question that gives no evidence to look for is not judged, so it is no miss."""
    if not v["answerable"]:
        return v["answered"]
    if not v.get("has_gold", True):
        return False
    return v["rank"] != 1 or v["highlight_ok"] is False


def result_rows(
    questions: list[EvalQuestion], answers: list[Answer], verdicts: list[Verdict | None]
) -> list[dict[str, object]]:
    """One flat record per question (the CSV columns), for the CSV and JSONL results."""
    rows = []
    for q, a, v in zip(questions, answers, verdicts, strict=True):
        top = a.passages[0] if a.passages else None
        rows.append({
            "id": q.id, "question": q.question, "answered": a.answered, "rank": v["rank"] if v else None,
            "highlight_ok": v["highlight_ok"] if v else None, "citation_ok": v["citation_ok"] if v else None,
            "top_score": top.score if top else None, "top_passage": top.passage_id if top else None,
            "pages": format_pages(top.page_labels or top.pages) if top else "", "highlight": top.highlight.text if top else "",
            "took_ms": a.took_ms, "error": a.error,
            "answerable": q.answerable, "miss": is_miss(v) if v else a.error is not None,
            "evidence": list(q.evidence), "footnotes": list(q.footnotes),
        })
    return rows


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell a spreadsheet will not run: text that begins like a formula gets a leading
    apostrophe (OWASP, "CSV Injection"); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def results_csv(
    questions: list[EvalQuestion], answers: list[Answer], verdicts: list[Verdict | None]
) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for row in result_rows(questions, answers, verdicts):
        w.writerow([
            "" if row[c] is None else (tri(row[c]) if isinstance(row[c], bool) else csv_cell(row[c]))
            for c in CSV_COLUMNS
        ])
    return buf.getvalue()


def results_jsonl(
    questions: list[EvalQuestion], answers: list[Answer], verdicts: list[Verdict | None]
) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result_rows(questions, answers, verdicts))


def tri(x: object) -> str:
    return "" if x is None else str(bool(x)).lower()


# --------------------------------------------------------------------------- two runs side by side

COMPARED = (
    "hit@1", "hit@3", "hit@5", "mrr@10", "highlight_accuracy", "citation_accuracy",
    "answered_rate_answerable", "answered_rate_unanswerable", "latency_p50_ms", "latency_p95_ms",
)


def compare_runs(
    a: tuple[dict[str, object], list[dict[str, object]]], b: tuple[dict[str, object], list[dict[str, object]]]
) -> dict[str, object]:
    """Metrics side by side (with B - A) and the questions whose verdict changed.

    Each run is (summary, per-question rows) as ``qa eval`` writes them (summary.json,
    results.jsonl). Questions are matched by id.
    """
    (sa, ra), (sb, rb) = a, b
    metrics = []
    for key in COMPARED:
        va, vb = sa.get(key), sb.get(key)
        delta = round(float(vb) - float(va), 4) if isinstance(va, int | float) and isinstance(vb, int | float) else None
        metrics.append({"metric": key, "a": va, "b": vb, "delta": delta})
    by_id = {str(r["id"]): r for r in rb}
    changed = []
    for r in ra:
        other = by_id.get(str(r["id"]))
        if other is None:
            continue
        keys = ("rank", "highlight_ok", "citation_ok", "answered")
        if any(r.get(k) != other.get(k) for k in keys):
            better = _score(other) - _score(r)
            changed.append({"id": r["id"], "question": r["question"], "better": better,
                            **{f"{k}_a": r.get(k) for k in keys}, **{f"{k}_b": other.get(k) for k in keys}})
    changed.sort(key=lambda c: float(c["better"]))  # type: ignore[arg-type]  # worse in B first
    only = sorted({str(r["id"]) for r in ra} ^ set(by_id))
    return {"metrics": metrics, "changed": changed, "unmatched_ids": only}


def _score(r: dict[str, object]) -> float:
    rank = r.get("rank")
    return (1.0 / float(rank) if isinstance(rank, int | float) and rank else 0.0) + 0.5 * bool(r.get("highlight_ok"))
