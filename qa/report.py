"""Evaluation reports: a per-question CSV and a self-contained HTML page (no outside assets).

The HTML shows the summary first, then every question with its top passage highlighted,
misses first. All text goes through ``html.escape`` (via qa.render).
"""

from __future__ import annotations

import csv
import io
from html import escape

from qa.models import Answer
from qa.questions import EvalQuestion
from qa.render import format_pages, render_passage

__all__ = ["results_csv", "results_html"]

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


def results_csv(
    questions: list[EvalQuestion], answers: list[Answer], verdicts: list[dict[str, object] | None]
) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for q, a, v in zip(questions, answers, verdicts, strict=True):
        top = a.passages[0] if a.passages else None
        v = v or {}
        w.writerow([
            q.id, q.question, a.answered, v.get("rank") or "", _tri(v.get("highlight_ok")), _tri(v.get("citation_ok")),
            top.score if top else "", top.passage_id if top else "", format_pages(top.pages) if top else "",
            top.highlight.text if top else "", a.took_ms, a.error or "",
        ])
    return buf.getvalue()


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
