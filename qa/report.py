"""Evaluation reports: a per-question CSV and a self-contained HTML page (no outside assets).

The HTML shows the summary first, then every question with its top passage highlighted,
misses first. All text goes through ``html.escape`` (via qa.render).
"""

from __future__ import annotations

import csv
import io
import json
from html import escape

from qa.evaluation.questions import EvalQuestion
from qa.models import Answer
from qa.render import format_pages, render_passage

__all__ = [
    "compare_html", "compare_runs", "questions_html", "result_rows", "results_csv", "results_html", "results_jsonl",
    "summary_html",
]

CSV_COLUMNS = (
    "id", "question", "answered", "rank", "highlight_ok", "citation_ok", "top_score",
    "top_passage", "pages", "highlight", "took_ms", "error",
)

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
.q{border-top:2px solid #ddd;margin-top:1.5rem;padding-top:.5rem}.miss h2{color:#a40000}
h2{font-size:1.05rem}mark{background:#ffe58a}.qa-notes{font-size:.9em;color:#444}
.qa-missing{color:#a40000;font-style:italic}.verdict{color:#555;font-size:.9em}
@media (prefers-color-scheme: dark){body{background:#111;color:#ddd}mark{background:#6b5a00;color:#fff}
td,th{border-color:#444}.qa-notes,.verdict{color:#aaa}}
"""


def _is_miss(v: dict[str, object]) -> bool:
    if not v.get("answerable", True):
        return bool(v.get("answered"))
    return v.get("rank") != 1 or v.get("highlight_ok") is False


def result_rows(
    questions: list[EvalQuestion], answers: list[Answer], verdicts: list[dict[str, object] | None]
) -> list[dict[str, object]]:
    """One flat record per question (the CSV columns), for the CSV and JSONL results."""
    rows = []
    for q, a, v in zip(questions, answers, verdicts, strict=True):
        top = a.passages[0] if a.passages else None
        v = v or {}
        rows.append({
            "id": q.id, "question": q.question, "answered": a.answered, "rank": v.get("rank"),
            "highlight_ok": v.get("highlight_ok"), "citation_ok": v.get("citation_ok"),
            "top_score": top.score if top else None, "top_passage": top.passage_id if top else None,
            "pages": format_pages(top.pages) if top else "", "highlight": top.highlight.text if top else "",
            "took_ms": a.took_ms, "error": a.error,
            "answerable": q.answerable, "miss": _is_miss(v) if v else a.error is not None,
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
    questions: list[EvalQuestion], answers: list[Answer], verdicts: list[dict[str, object] | None]
) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for row in result_rows(questions, answers, verdicts):
        w.writerow([
            "" if row[c] is None else (_tri(row[c]) if isinstance(row[c], bool) else csv_cell(row[c]))
            for c in CSV_COLUMNS
        ])
    return buf.getvalue()


def results_jsonl(
    questions: list[EvalQuestion], answers: list[Answer], verdicts: list[dict[str, object] | None]
) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result_rows(questions, answers, verdicts))


def _tri(x: object) -> str:
    return "" if x is None else str(bool(x)).lower()


def results_html(
    questions: list[EvalQuestion],
    answers: list[Answer],
    verdicts: list[dict[str, object] | None],
    summary: dict[str, object],
    *,
    title: str = "essay-qa evaluation",
) -> str:
    rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in summary.items() if v is not None
    )
    entries = list(zip(questions, answers, verdicts, strict=True))
    entries.sort(key=lambda e: (0 if _is_miss(e[2] or {}) else 1))
    blocks = []
    for q, a, v in entries:
        v = v or {}
        miss = _is_miss(v)
        verdict = (
            f"evidence rank: {escape(str(v.get('rank') or 'not in top 10'))}; "
            f"highlight holds it: {escape(_tri(v.get('highlight_ok')) or 'n/a')}; "
            f"notes cited: {escape(_tri(v.get('citation_ok')) or 'n/a')}; answered: {str(a.answered).lower()}"
            if q.answerable else f"unanswerable; answered: {str(a.answered).lower()}"
        )
        top = render_passage(a.passages[0]) if a.passages else f"<p>{escape(a.error or 'no passage')}</p>"
        evidence = "".join(f"<li>{escape(e)}</li>" for e in q.evidence)
        blocks.append(
            f'<section class="q{" miss" if miss else ""}"><h2>{escape(q.id)}: {escape(q.question)}</h2>'
            f'<p class="verdict">{verdict}</p>'
            + (f"<details><summary>expected evidence</summary><ul>{evidence}</ul></details>" if evidence else "")
            + f"{top}</section>"
        )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
        f"<body><h1>{escape(title)}</h1><table>{rows}</table>{''.join(blocks)}</body></html>"
    )


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


def _signed(x: object) -> str:
    return "" if x is None else f"{float(x):+}"  # type: ignore[arg-type]


def _score(r: dict[str, object]) -> float:
    rank = r.get("rank")
    return (1.0 / float(rank) if isinstance(rank, int | float) and rank else 0.0) + 0.5 * bool(r.get("highlight_ok"))


def compare_html(cmp: dict[str, object], *, name_a: str, name_b: str) -> str:
    head = f"<tr><th>metric</th><th>A: {escape(name_a)}</th><th>B: {escape(name_b)}</th><th>B − A</th></tr>"
    rows = "".join(
        f"<tr><th>{escape(str(m['metric']))}</th><td>{escape(str(m['a']))}</td><td>{escape(str(m['b']))}</td>"
        f"<td>{escape(_signed(m['delta']))}</td></tr>"
        for m in cmp["metrics"]  # type: ignore[attr-defined]
    )
    changes = "".join(
        f"<tr><td>{escape(str(c['id']))}</td><td>{escape(str(c['question']))}</td>"
        f"<td>{escape(str(c['rank_a']))} → {escape(str(c['rank_b']))}</td>"
        f"<td>{escape(_tri(c['highlight_ok_a']))} → {escape(_tri(c['highlight_ok_b']))}</td>"
        f"<td>{'better' if c['better'] > 0 else 'worse' if c['better'] < 0 else 'changed'}</td></tr>"
        for c in cmp["changed"]  # type: ignore[attr-defined]
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>essay-qa: two runs compared</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
        f"<body><h1>Two runs compared</h1><table>{head}{rows}</table>"
        f"<h2>Questions whose verdict changed (worse in B first)</h2><table><tr><th>id</th><th>question</th>"
        f"<th>evidence rank A → B</th><th>highlight A → B</th><th></th></tr>{changes}</table></body></html>"
    )


# --------------------------------------------------------------------------- the web UI's evaluation tab


def summary_html(summary: dict[str, object], warnings: list[str] | None = None) -> str:
    """The summary as an escaped table, with the file's warnings (bad lines, unknown columns)."""
    shown = [(k, v) for k, v in summary.items() if v is not None and not isinstance(v, dict)]
    rows = "".join(f"<tr><th scope=\"row\">{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in shown)
    warn = ""
    if warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
        warn = f'<div class="qa-eval-warnings" role="status"><strong>Skipped or ignored:</strong><ul>{items}</ul></div>'
    return f'<div class="qa-eval-summary">{warn}<table class="qa-eval-table"><caption>Summary</caption>{rows}</table></div>'


def questions_html(rows: list[dict[str, object]]) -> str:
    """Every question, misses first: its verdict and the top passage's highlighted sentence."""
    ordered = sorted(rows, key=lambda r: 0 if r.get("miss") else 1)
    body = []
    for r in ordered:
        if not r.get("answerable"):
            verdict = "unanswerable; " + ("answered (a miss)" if r.get("answered") else "not answered (right)")
        elif r.get("error"):
            verdict = f"refused: {r['error']}"
        else:
            verdict = f"evidence rank {r.get('rank') or 'not in top 10'}; highlight {_tri(r.get('highlight_ok')) or 'n/a'}"
        cls = ' class="qa-miss"' if r.get("miss") else ""
        body.append(
            f"<tr{cls}><td>{escape(str(r['id']))}</td><td>{escape(str(r['question']))}</td>"
            f"<td>{escape(verdict)}</td><td>{escape(str(r.get('pages') or ''))}</td>"
            f"<td>{escape(str(r.get('highlight') or ''))}</td></tr>"
        )
    return (
        '<table class="qa-eval-table qa-eval-questions"><caption>Questions, misses first</caption>'
        "<tr><th>id</th><th>question</th><th>verdict</th><th>page</th><th>highlighted sentence</th></tr>"
        f'{"".join(body)}</table>'
    )
