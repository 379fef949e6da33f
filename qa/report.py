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

__all__ = ["compare_html", "outcome", "plain_figures", "questions_html", "results_html", "summary_html"]

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


def _share(k: int, n: int) -> str:
    return f"{k} of {n} ({round(100 * k / n)}%)" if n else "none"


def plain_figures(verdicts: list[Verdict], *, passages: int) -> list[str]:
    """The run in a teacher's words: how many questions found their evidence on the first try,
    and so on, each as "k of n (p%)"; a line only where there is something to count."""
    judged = [v for v in verdicts if v["answerable"] and v.get("has_gold", True)]
    first = [v for v in judged if v["rank"] == 1]
    lines = []
    if judged:
        lines.append(f"{_share(len(first), len(judged))} questions found their evidence in the first passage.")
        lines.append(f"{_share(sum(v['rank'] is not None and v['rank'] <= 3 for v in judged), len(judged))} "
                     f"found it in the first 3 passages, "
                     f"{_share(sum(v['rank'] is not None for v in judged), len(judged))} in the first {passages}.")
    if first:
        held = sum(bool(v["highlight_ok"]) for v in first)
        lines.append(f"Of the {len(first)} found first, the highlighted sentence holds the evidence in "
                     f"{_share(held, len(first))}.")
    cited = [v for v in judged if v["citation_ok"] is not None]
    if cited:
        lines.append(f"The expected footnotes are cited for {_share(sum(bool(v['citation_ok']) for v in cited), len(cited))} "
                     "questions that name footnotes.")
    unans = [v for v in verdicts if not v["answerable"]]
    if unans:
        lines.append(f"Questions the reading does not answer: {_share(sum(not v['answered'] for v in unans), len(unans))} "
                     "were told so.")
    ans = [v for v in verdicts if v["answerable"]]
    if ans:
        lines.append(f"Questions it does answer, told wrongly that it does not: "
                     f"{_share(sum(not v['answered'] for v in ans), len(ans))}.")
    untold = len(ans) - len(judged)
    if untold:
        lines.append(f"{untold} question{'s' if untold != 1 else ''} gave no evidence to look for, so "
                     f"{'they were' if untold != 1 else 'it was'} answered but not judged.")
    return lines


def summary_html(summary: dict[str, object], warnings: list[str] | None = None, *,
                 verdicts: list[Verdict] | None = None, passages: int = 10) -> str:
    """The run in plain words (from ``verdicts``), the file's warnings (bad lines, unknown
    columns), and every figure of ``summary`` (as summary.json has them) folded away."""
    shown = [(k, v) for k, v in summary.items() if v is not None and not isinstance(v, dict)]
    rows = "".join(f"<tr><th scope=\"row\">{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in shown)
    warn = ""
    if warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
        warn = f'<div class="qa-eval-warnings" role="status"><strong>Skipped or ignored:</strong><ul>{items}</ul></div>'
    plain = "".join(f"<li>{escape(x)}</li>" for x in plain_figures(verdicts or [], passages=passages))
    took = summary.get("latency_p50_ms")
    if took is not None:
        plain += f"<li>{escape(f'Each question took about {round(float(took))} ms (the median).')}</li>"  # type: ignore[arg-type]
    return (f'<div class="qa-eval-summary">{warn}<ul class="qa-eval-plain">{plain}</ul>'
            f'<details><summary>Every figure (as in summary.json)</summary>'
            f'<table class="qa-eval-table"><caption>Summary</caption>{rows}</table></details></div>')


def outcome(row: dict[str, object]) -> tuple[int, str, str]:
    """A question's result in plain words, its order in the table (worst first) and its row class
    (``qa-miss``: the evidence not found first, or an answer where the reading has none;
    ``qa-half``: found first, but the highlight or the answer's verdict is off)."""
    answered = bool(row.get("answered"))
    if row.get("error"):
        return 0, "qa-miss", f"Not asked: {row['error']}"
    if not row.get("answerable"):
        if answered:
            return 1, "qa-miss", "The reading does not answer this, but an answer was shown."
        return 6, "", "The reading does not answer this, and the page said so."
    if not row.get("evidence"):
        return 5, "", "No evidence given, so not judged" + ("." if answered else "; the page said it is not answered.")
    rank = row.get("rank")
    refused = "" if answered else " But the page said the reading does not answer it."
    if rank is None:
        return 0, "qa-miss", "The evidence is not in the passages shown." + refused
    if rank != 1:
        return 2, "qa-miss", f"The evidence is in passage {rank}, not the first." + refused
    if row.get("highlight_ok") is False:
        return 3, "qa-half", "Found in the first passage; the highlight is on another sentence of it." + refused
    return (3, "qa-half", "Found in the first passage." + refused) if refused else (4, "", "Found in the first passage.")


def questions_html(rows: list[dict[str, object]]) -> str:
    """Every question, worst first: the evidence expected beside what the first passage
    highlighted (with its page), and the result in plain words."""
    judged = sorted(((outcome(r), r) for r in rows), key=lambda x: x[0][0])
    body = []
    for (_order, cls, text), r in judged:
        evidence = r.get("evidence")
        quotes = [str(e) for e in evidence] if isinstance(evidence, list) else []
        expected = "<br>".join(f"“{escape(e)}”" for e in quotes)
        notes = r.get("footnotes")
        if isinstance(notes, list) and notes:
            expected += f'<span class="qa-eval-notes">{escape("notes " + ", ".join(map(str, notes)))}</span>'
        row_cls = f' class="{cls}"' if cls else ""
        body.append(
            f"<tr{row_cls}><td>{escape(str(r['id']))}</td><td>{escape(str(r['question']))}</td>"
            f"<td>{expected or '—'}</td><td>{escape(text)}</td>"
            f"<td>{escape(str(r.get('highlight') or ''))}</td><td class=\"qa-eval-page\">{escape(str(r.get('pages') or ''))}</td></tr>"
        )
    return (  # on a phone the table scrolls in its box, not the page
        '<div class="qa-eval-scroll"><table class="qa-eval-table qa-eval-questions">'
        '<caption>Every question, those to look at first</caption>'
        '<tr><th scope="col">id</th><th scope="col">Question</th><th scope="col">Evidence expected</th>'
        '<th scope="col">Result</th><th scope="col">Highlighted in the first passage</th>'
        '<th scope="col" class="qa-eval-page">Page</th></tr>'
        f'{"".join(body)}</table></div>'
    )
