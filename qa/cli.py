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
        f"Built {settings.index_path}: {m.counts['documents']} document(s), {m.counts['passages']} passages, "
        f"{m.counts['sentences']} sentences, {m.counts['notes']} notes in {m.build_seconds:.1f} s."
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the parse as JSON.")
@click.option("--document", "doc_id", help="Only this document (its file name without extension).")
@click.pass_context
@_errors
def inspect(ctx: click.Context, as_json: bool, doc_id: str | None) -> None:
    """Show what the reader found in each document: pages, headings, notes, markers."""
    from qa.reader import read_corpus

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
@click.option("-k", "--top-k", type=click.IntRange(1, 20), help="Passages to show (default 5).")
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
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write one Answer JSON per line here.")
@click.option("-k", "--top-k", type=click.IntRange(1, 20), help="Passages per answer (default 5).")
@click.option("--strict", is_flag=True, help="Stop at the first malformed line.")
@click.option("--summary", "summary_path", type=click.Path(path_type=Path, dir_okay=False), help="Write the summary JSON here.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), help="Write per-question results as CSV.")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False), help="Write a self-contained HTML report.")
@click.pass_context
@_errors
def eval_(
    ctx: click.Context, file: Path, out: Path | None, top_k: int | None, strict: bool, summary_path: Path | None,
    csv_path: Path | None, report_path: Path | None,
) -> None:
    """Answer every question of FILE (JSONL or CSV) in batches; score against its evidence."""
    from qa.evaluation import judge, summarize
    from qa.questions import BadLine, EvalQuestion, read_questions

    items, warnings = read_questions(file)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    bad = [i for i in items if isinstance(i, BadLine)]
    for b in bad:
        click.echo(f"warning: skipped {b.message}", err=True)
    if strict and bad:
        raise click.ClickException(f"{bad[0].message} (--strict)")
    questions = [i for i in items if isinstance(i, EvalQuestion)]
    if not questions:
        raise click.ClickException(f"'{file}' holds no usable question.")
    engine = _engine(ctx)
    docs = {q.document for q in questions if q.document}
    unknown_docs = sorted(d for d in docs if d not in engine.documents)
    if unknown_docs:
        click.echo(f"warning: unknown document(s) {', '.join(unknown_docs)}: those questions search all documents", err=True)
    answers = {}
    for doc in [None, *sorted(docs - set(unknown_docs))]:
        group = [q for q in questions if (q.document if q.document in engine.documents else None) == doc]
        if not group:
            continue
        res = engine.ask_many(
            [q.question for q in group], ids=[q.id for q in group], top_k=top_k,
            documents=[doc] if doc else None,
        )
        answers.update({q.line: a for q, a in zip(group, res, strict=True)})
    lines = []
    verdicts = []
    shown: list[tuple[Any, Any, Any]] = []  # (question, answer, verdict or None) for the reports
    for item in items:
        if isinstance(item, BadLine):
            lines.append(json.dumps({"id": item.id, "error": item.message, "answered": False, "passages": []}, ensure_ascii=False))
            continue
        a = answers[item.line]
        lines.append(a.model_dump_json())
        verdict = judge(item, a) if a.error is None else None
        if verdict is not None:
            verdicts.append(verdict)
        shown.append((item, a, verdict))
    if out:
        from qa.store import atomic_write_text

        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out, "\n".join(lines) + "\n")
    else:
        for line in lines:
            click.echo(line)
    summary = summarize(verdicts)
    from qa.store import atomic_write_text

    if summary_path:
        atomic_write_text(summary_path, json.dumps(summary, indent=2))
    if csv_path or report_path:
        from qa.report import results_csv, results_html

        qs_, as_, vs_ = (list(x) for x in zip(*shown, strict=True)) if shown else ([], [], [])
        if csv_path:
            atomic_write_text(csv_path, results_csv(qs_, as_, vs_))
        if report_path:
            atomic_write_text(report_path, results_html(qs_, as_, vs_, summary, title=f"essay-qa: {file.name}"))
    click.echo(
        "summary: " + ", ".join(f"{k} {v}" for k, v in summary.items() if v is not None), err=True
    )


def main() -> None:
    cli(prog_name="qa")
