"""The ``qa`` command: build, inspect, ask, eval.

Commands parse their options, call the library and render; heavy imports happen inside the
commands so ``qa --help`` stays fast. A QAError becomes a one-line message and exit code 1;
bad options exit 2.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qa.config import DEFAULT_TOP_K, MAX_TOP_K
from qa.errors import QAError

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("qa.cli")


def _settings(ctx: click.Context, **extra: Any) -> Any:
    from qa.config import load_settings

    opts = {**ctx.obj, **{k: v for k, v in extra.items() if v is not None}}
    return load_settings(**opts)


def _engine(ctx: click.Context, **extra: Any) -> Any:
    from qa.engine import Engine

    return Engine.from_settings(_settings(ctx, **extra), show_progress=sys.stderr.isatty())


def _errors(fn: F) -> F:
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except QAError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


@click.group()
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Corpus folder (default: corpus).")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder (default: index).")
@click.option("--model", help="Sentence-transformers model path or local name.")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(package_name="essay-qa")
@click.pass_context
def cli(ctx: click.Context, corpus_dir: Path | None, index_dir: Path | None, model: str | None, verbose: int) -> None:
    """Answer questions about a reading with passages quoted from it.

    \b
    Examples:
      qa ask "Why would Russia not enter a conflict with NATO?"
      qa ask --json "Who was Milan Kucan?"
      qa inspect --json > parse.json
      qa eval questions.jsonl --out answers.jsonl
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("sentence_transformers", "faiss", "bm25s", "httpx", "transformers"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    ctx.obj = {"corpus_dir": corpus_dir, "index_dir": index_dir, "model": model}


@cli.command()
@click.pass_context
@_errors
def build(ctx: click.Context) -> None:
    """Build the index from the corpus (atomically; the old index serves until the swap)."""
    from qa.engine import Engine

    settings = _settings(ctx)
    engine = Engine.from_settings(settings, rebuild=True, show_progress=sys.stderr.isatty())
    m = engine.index.manifest
    click.echo(
        f"Built {settings.index_path}: {m.counts['documents']} document(s), {m.counts['passages']} passages holding "
        f"{m.counts['sentences']} sentences (the text's, and those of notes no marker cites), "
        f"{m.counts['notes']} notes with text, in {m.build_seconds:.1f} s."
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the parse as JSON.")
@click.option("--document", "doc_id", help="Only this document (its file name without extension).")
@click.pass_context
@_errors
def inspect(ctx: click.Context, as_json: bool, doc_id: str | None) -> None:
    """Show what the reader found in each document: pages, headings, notes, markers."""
    from qa.reading.corpus import read_corpus

    settings = _settings(ctx)
    docs = read_corpus(settings.corpus_dir)
    if doc_id:
        docs = [d for d in docs if d.doc_id == doc_id]
        if not docs:
            raise click.ClickException(f"No document '{doc_id}' in {settings.corpus_dir}.")
    if as_json:
        out = [
            {
                **d.model_dump(exclude={"sentences", "line_map"}),
                "paragraphs": [
                    {**p.model_dump(), "text": d.text[p.start : p.end]} for p in d.paragraphs
                ],
            }
            for d in docs
        ]
        click.echo(json.dumps({"documents": out}, ensure_ascii=False, indent=2))
        return
    from qa.render_text import render_inspect

    render_inspect(docs)


@cli.command()
@click.argument("question")
@click.option("-k", "--top-k", type=click.IntRange(1, MAX_TOP_K), help=f"Passages to show (default {DEFAULT_TOP_K}).")
@click.option("--document", "documents", multiple=True, help="Only search this document (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer JSON.")
@click.pass_context
@_errors
def ask(ctx: click.Context, question: str, top_k: int | None, documents: tuple[str, ...], as_json: bool) -> None:
    """Answer QUESTION with ranked passages from the text."""
    engine = _engine(ctx)
    answer = engine.ask(question, top_k=top_k, documents=list(documents) or None)
    if as_json:
        click.echo(answer.model_dump_json(indent=2))
        return
    from qa.render_text import render_answer

    render_answer(answer)


@cli.command("eval")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--out-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write every output here: answers.jsonl, results.jsonl, results.csv, summary.json, report.html.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write one Answer JSON per line here (default: stdout).")
@click.option("--results", "results_path", type=click.Path(path_type=Path, dir_okay=False), help="Write per-question results as JSONL.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), help="Write per-question results as CSV.")
@click.option("--summary", "summary_path", type=click.Path(path_type=Path, dir_okay=False), help="Write the summary JSON here.")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False), help="Write a self-contained HTML report.")
@click.option("-k", "--top-k", type=click.IntRange(1, MAX_TOP_K), help=f"Passages per answer (default {DEFAULT_TOP_K}).")
@click.option("--strict", is_flag=True, help="Stop at the first malformed line.")
@click.option("--resume", is_flag=True, help="Keep the answers an interrupted run already wrote; ask the rest.")
@click.option("--compare", nargs=2, type=click.Path(path_type=Path, exists=True),
              help="Two earlier runs (--out-dir folders) side by side; --report writes the comparison as HTML.")
@click.option("--split", default="test", show_default=True, help="BEIR folder: the qrels file to score (qrels/<split>.tsv).")
@click.option("--limit", type=click.IntRange(1), help="Benchmark: score this many questions, drawn at random (seed 13).")
@click.option("--progress/--no-progress", "show_progress", default=None, help="Progress bar (default: on a terminal).")
@click.pass_context
@_errors
def eval_(
    ctx: click.Context, file: Path | None, out_dir: Path | None, out: Path | None, results_path: Path | None,
    csv_path: Path | None, summary_path: Path | None, report_path: Path | None, top_k: int | None,
    strict: bool, resume: bool, compare: tuple[Path, Path] | None, split: str, limit: int | None,
    show_progress: bool | None,
) -> None:
    """Answer every question of FILE (JSONL or CSV) in batches and score it against its evidence.

    FILE may also be a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) or a SQuAD
    JSON file: then its own corpus is indexed (once, under the index folder) and scored with
    nDCG@10, Recall@100 and MRR@10, or paragraph R@1/R@5, MRR@10 and answer-sentence accuracy.

    \b
    Examples:
      qa eval questions.jsonl -o runs/today
      qa eval questions.csv -o runs/today --resume      # go on after an interruption
      qa eval --compare runs/yesterday runs/today --report compare.html
      qa eval ../shared/bench/scifact --summary scifact.json
    """
    if compare:
        if file is not None:
            raise click.UsageError("Give either FILE or --compare A B, not both.")
        _compare(compare, report_path)
        return
    if file is None:
        raise click.UsageError("Missing FILE (a question file, a BEIR folder or a SQuAD JSON file), or --compare A B.")
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    if out_dir is not None:
        out = out or out_dir / "answers.jsonl"
        results_path = results_path or out_dir / "results.jsonl"
        csv_path = csv_path or out_dir / "results.csv"
        summary_path = summary_path or out_dir / "summary.json"
        report_path = report_path or out_dir / "report.html"
    from qa.evaluation.benchmarks import benchmark_kind

    kind = benchmark_kind(file)
    if kind is not None:
        _benchmark(ctx, file, kind, split=split, limit=limit, summary_path=summary_path, show_progress=show_progress)
        return
    if resume and out is None:
        raise click.UsageError("--resume needs the answers file of the earlier run: give --out or --out-dir.")
    _eval_questions(
        ctx, file, out=out, results_path=results_path, csv_path=csv_path, summary_path=summary_path,
        report_path=report_path, top_k=top_k, strict=strict, resume=resume, show_progress=show_progress,
    )


def _progress_bar(show: bool, label: str) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), disable=not show, transient=False,
    )


def _eval_questions(
    ctx: click.Context, file: Path, *, out: Path | None, results_path: Path | None, csv_path: Path | None,
    summary_path: Path | None, report_path: Path | None, top_k: int | None, strict: bool, resume: bool,
    show_progress: bool,
) -> None:
    from qa.evaluation.batch import answer_items, judge_run
    from qa.evaluation.questions import BadLine, EvalQuestion, read_questions
    from qa.evaluation.runs import results_csv, results_jsonl
    from qa.files import atomic_write_text
    from qa.report import results_html

    items, warnings = read_questions(file)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    bad = [i for i in items if isinstance(i, BadLine)]
    for b in bad:
        click.echo(f"warning: skipped {b.message}", err=True)
    if strict and bad:
        raise click.ClickException(f"{bad[0].message} (--strict)")
    if not any(isinstance(i, EvalQuestion) for i in items):
        raise click.ClickException(f"'{file}' holds no usable question.")
    engine = _engine(ctx)
    settings = engine.settings
    docs = {i.document for i in items if isinstance(i, EvalQuestion) and i.document}
    unknown_docs = sorted(d for d in docs if d not in engine.documents)
    if unknown_docs:
        click.echo(f"warning: unknown document(s) {', '.join(unknown_docs)}: those questions search all documents", err=True)
    with _progress_bar(show_progress, "answering") as bar:
        task = bar.add_task("answering", total=len(items))
        try:
            lines = answer_items(
                engine, items, top_k=top_k, answers_path=out, resume=resume,
                on_line=None if out else click.echo,
                on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except KeyboardInterrupt:
            kept = "" if out is None else f" The answers so far are in '{out}'; run the same command with --resume to go on."
            click.echo(f"\ninterrupted.{kept}", err=True)
            raise SystemExit(130) from None
    info = {"file": str(file), **engine.query_model, "top_k": top_k or settings.top_k,
            "ranking": settings.ranking.model_dump(), "passages": settings.passages.model_dump()}
    run = judge_run(items, lines, info=info)
    judged = run.judged
    qs, ans, vs = ([list(x) for x in zip(*judged, strict=True)] if judged else [[], [], []])
    if results_path:
        atomic_write_text(results_path, results_jsonl(qs, ans, vs))
    if csv_path:
        atomic_write_text(csv_path, results_csv(qs, ans, vs))
    if summary_path:
        atomic_write_text(summary_path, json.dumps(run.summary, indent=2, ensure_ascii=False))
    if report_path:
        atomic_write_text(report_path, results_html(qs, ans, vs, run.summary, title=f"essay-qa: {file.name}"))
    _print_summary(run.summary)


_SHOWN = (
    "questions", "with_evidence", "unanswerable", "malformed_lines", "refused_questions", "hit@1", "hit@3",
    "hit@5", "mrr@10", "highlight_accuracy", "citation_accuracy", "answered_rate_answerable",
    "answered_rate_unanswerable", "latency_p50_ms", "latency_p95_ms",
    "ndcg@10", "recall@100", "r@1", "r@5", "answer_sentence_accuracy",
)


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="summary", show_header=False)
    for key in _SHOWN:
        if summary.get(key) is not None:
            table.add_row(key, str(summary[key]))
    Console(stderr=True).print(table)


def _read_run(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from qa.errors import QuestionFileError

    folder = path if path.is_dir() else path.parent
    summary_file, results_file = folder / "summary.json", folder / "results.jsonl"
    for f in (summary_file, results_file):
        if not f.is_file():
            raise QuestionFileError(f"'{folder}' is not a run folder: '{f.name}' is missing (write one with qa eval FILE -o DIR).")
    try:
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        rows = [json.loads(x) for x in results_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    except json.JSONDecodeError as exc:
        raise QuestionFileError(f"'{folder}': unreadable run file ({exc}).") from exc
    return summary, rows


def _compare(paths: tuple[Path, Path], report_path: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from qa.evaluation.runs import compare_runs
    from qa.files import atomic_write_text
    from qa.report import compare_html

    a, b = (_read_run(p) for p in paths)
    cmp = compare_runs(a, b)
    table = Table(title="two runs compared")
    for col in ("metric", f"A: {paths[0]}", f"B: {paths[1]}", "B - A"):
        table.add_column(col)
    for m in cmp["metrics"]:  # type: ignore[attr-defined]
        d = m["delta"]
        table.add_row(m["metric"], str(m["a"]), str(m["b"]), "" if d is None else f"{d:+}")
    console = Console(stderr=False)
    console.print(table)
    changed = cmp["changed"]
    console.print(f"{len(changed)} question(s) changed verdict"  # type: ignore[arg-type]
                  + (f"; {len(cmp['unmatched_ids'])} id(s) in only one run" if cmp["unmatched_ids"] else ""))  # type: ignore[arg-type]
    for c in changed:  # type: ignore[attr-defined]
        console.print(f"  {'better' if c['better'] > 0 else 'worse ' if c['better'] < 0 else 'changed'} "
                      f"{c['id']}: rank {c['rank_a']} -> {c['rank_b']}, highlight {c['highlight_ok_a']} -> {c['highlight_ok_b']}",
                      markup=False, highlight=False)
    if report_path:
        atomic_write_text(report_path, compare_html(cmp, name_a=str(paths[0]), name_b=str(paths[1])))


def _benchmark(
    ctx: click.Context, path: Path, kind: str, *, split: str, limit: int | None, summary_path: Path | None,
    show_progress: bool,
) -> None:
    from qa.evaluation.benchmarks import run_benchmark
    from qa.files import atomic_write_text

    settings = _settings(ctx)
    with _progress_bar(show_progress, "scoring") as bar:
        task = bar.add_task("scoring", total=None)
        summary = run_benchmark(
            path, kind, settings, split=split, limit=limit, show_progress=show_progress,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    _print_summary(summary)  # first: the figures are seen even if the file cannot be written
    if summary_path:
        atomic_write_text(summary_path, json.dumps(summary, indent=2, ensure_ascii=False))


def main() -> None:
    cli(prog_name="qa")
