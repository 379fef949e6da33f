"""Evaluation reports as HTML: a self-contained page per run (no outside assets), two runs
compared, and the web tab's tables (the records and the CSV are in ``qa.evaluation.runs``).

The HTML shows the summary first, then every question with its top passage highlighted,
misses first. All text goes through ``html.escape`` (via qa.render).
"""

from __future__ import annotations

from html import escape

from qa.evaluation.judge import Verdict
from qa.evaluation.questions import EvalQuestion
from qa.evaluation.runs import is_miss, tri
from qa.models import Answer
from qa.render import render_passage

__all__ = ["compare_html", "questions_html", "results_html", "summary_html"]

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
.q{border-top:2px solid #ddd;margin-top:1.5rem;padding-top:.5rem}.miss h2{color:#a40000}
h2{font-size:1.05rem}mark{background:#ffe58a}.qa-notes{font-size:.9em;color:#444}
.qa-missing{color:#a40000;font-style:italic}.verdict{color:#555;font-size:.9em}
@media (prefers-color-scheme: dark){body{background:#111;color:#ddd}mark{background:#6b5a00;color:#fff}
td,th{border-color:#444}.qa-notes,.verdict{color:#aaa}}
"""


def results_html(
    questions: list[EvalQuestion],
    answers: list[Answer],
    verdicts: list[Verdict | None],
    summary: dict[str, object],
    *,
    title: str = "essay-qa evaluation",
) -> str:
    rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in summary.items() if v is not None
    )
    entries = list(zip(questions, answers, verdicts, strict=True))
    entries.sort(key=lambda e: (0 if e[2] is not None and is_miss(e[2]) else 1))
    blocks = []
    for q, a, v in entries:
        miss = v is not None and is_miss(v)
        verdict = (
            f"evidence rank: {escape(str((v and v['rank']) or 'not in top 10'))}; "
            f"highlight holds it: {escape(tri(v and v['highlight_ok']) or 'n/a')}; "
            f"notes cited: {escape(tri(v and v['citation_ok']) or 'n/a')}; answered: {str(a.answered).lower()}"
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

def _signed(x: object) -> str:
    return "" if x is None else f"{float(x):+}"  # type: ignore[arg-type]


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
        f"<td>{escape(tri(c['highlight_ok_a']))} → {escape(tri(c['highlight_ok_b']))}</td>"
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
            verdict = f"evidence rank {r.get('rank') or 'not in top 10'}; highlight {tri(r.get('highlight_ok')) or 'n/a'}"
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
