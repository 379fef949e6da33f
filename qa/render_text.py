"""Terminal rendering with rich. Corpus text goes into ``Text`` objects, never into markup,
so a reading that contains ``[bold]`` or escape sequences prints as it is."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from qa.models import Answer, Document
from qa.render import format_pages, language_note

__all__ = ["render_answer", "render_inspect"]


def _printable(s: str) -> str:
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in s)


def render_answer(answer: Answer, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=False)
    head = Text()
    head.append("Q: ", style="bold")
    head.append(_printable(answer.question))
    console.print(head)
    if answer.language:
        console.print(Text(language_note(answer.language), style="italic"))
    if not answer.answered:
        console.print(Text(answer.message or "The text does not seem to answer this.", style="bold yellow"))
    for p in answer.passages:
        meta = Text()
        meta.append(f"\n[{p.rank}] ", style="bold cyan")
        meta.append(_printable(p.document), style="cyan")
        meta.append(f", {format_pages(p.page_labels or p.pages)}, lines {p.line_start}–{p.line_end}, score {p.score:.2f}", style="dim")
        console.print(meta)
        body = Text(_printable(p.text))
        body.stylize("bold reverse", p.highlight.start, p.highlight.end)
        # markers as superscript-like labels, inserted from the end so offsets stay valid
        for m in sorted(p.markers, key=lambda m: m.offset, reverse=True):
            body = body[: m.offset] + Text(f"[{m.label}]", style="magenta") + body[m.offset :]
        console.print(body)
        for c in p.citations:
            note = Text(f"  [{c.label}] ", style="magenta")
            if c.missing:
                note.append("(note text missing from the source)", style="italic red")
            else:
                note.append(_printable(c.text or ""), style="dim")
                if c.source:
                    note.append(f"  -> {_printable(c.source)}", style="dim italic")
            console.print(note)
    console.print(Text(f"\n{answer.took_ms:.1f} ms", style="dim"))


def render_inspect(docs: list[Document], console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    for d in docs:
        console.print(Text(f"{d.doc_id}  ({d.source_path})", style="bold"))
        console.print(Text(f"  title: {_printable(d.title)}"))
        in_notes = sum(1 for x in d.sentences if d.paragraphs[x.paragraph].kind == "note")
        missing = sum(1 for n in d.footnotes if n.missing or not n.text)
        console.print(
            Text(
                f"  {len(d.pages)} pages, {len(d.paragraphs)} paragraphs, {len(d.sentences)} sentences "
                f"({len(d.sentences) - in_notes} in the text, {in_notes} in notes), {len(d.footnotes)} notes "
                f"({len(d.footnotes) - missing} with text, {missing} missing), {len(d.markers)} markers"
            )
        )
        for h in d.headings:
            console.print(Text(f"  heading: {_printable(h)}"))
        for pg in d.pages:
            console.print(Text(f"  page {pg.number}: lines {pg.line_start}–{pg.line_end}, chars {pg.start}–{pg.end}"))
        marks = {m.label: m.offset for m in d.markers}
        for n in d.footnotes:
            line = Text(f"  note {n.label} (p. {n.page}): ", style="magenta")
            if n.missing:
                line.append("MISSING: the marker is in the text, the note's text is not in the source", style="red")
            else:
                line.append(_printable((n.text or "")[:100]))
                if n.source:
                    line.append(f"  -> {_printable(n.source)}", style="italic")
            if n.label in marks:
                off = marks[n.label]
                line.append(f"  [marker after “…{_printable(d.text[max(0, off - 30):off])}”]", style="dim")
            else:
                line.append("  [no marker in the text]", style="dim")
            console.print(line)
        for a in d.artefacts:
            console.print(Text(f"  artefact line {a.line} ({a.kind}): {_printable(a.text)}", style="dim"))
        for w in d.warnings:
            console.print(Text(f"  warning: {w}", style="yellow"))
