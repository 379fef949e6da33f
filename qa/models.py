"""The data model: immutable pydantic values shared by the reader, the index and the answers.

The Answer JSON (``Answer.model_dump_json()``) is the contract the CLI, the HTTP API and the
evaluation share; its field names are never renamed.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class QAModel(BaseModel):
    """Base of every model: frozen, and unknown fields are an error (a typo is caught)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- documents


class Marker(QAModel):
    """A footnote marker removed from the clean text; ``offset`` is where it stood."""

    label: str
    offset: int = Field(ge=0)


class Footnote(QAModel):
    """A footnote definition (or a marker whose definition is missing from the source).

    ``source`` is the resolved source of an "Idem"/"Ibid." note: the note it repeats, with the
    page the Idem note names. ``start``/``end`` locate ``text`` in the document's clean text
    (notes follow the body there); both are null for a missing note.
    """

    label: str
    text: str | None
    page: int | None
    source: str | None = None
    refers_to: str | None = None
    missing: bool = False
    start: int | None = None
    end: int | None = None
    line_start: int | None = None
    line_end: int | None = None


class Page(QAModel):
    """A page of the source. ``number`` is what answers cite: the printed page number where the
    source gives one, else the page's position. For a PDF, ``label`` is the printed label (it
    may be "iv"), ``index`` the 0-based page of the file and ``width``/``height`` its size in
    points."""

    number: int
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    line_start: int
    line_end: int
    label: str | None = None
    index: int | None = None
    width: float | None = None
    height: float | None = None


class LineBox(QAModel):
    """Where the clean text ``[start, end)`` lies on a PDF page: page ``index`` (0-based) and
    the line's box in points, origin at the page's top left."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    index: int = Field(ge=0)
    x0: float
    top: float
    x1: float
    bottom: float


class Paragraph(QAModel):
    """A block of the clean text: the title, a heading, a body paragraph or a note."""

    kind: Literal["title", "heading", "body", "note"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    pages: list[int]
    line_start: int
    line_end: int


class Sentence(QAModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    paragraph: int


class Artefact(QAModel):
    """Source text that belongs to no body, heading or note (e.g. a page number)."""

    kind: str
    text: str
    line: int


class Document(QAModel):
    """A reading as its author wrote it: clean text plus the structure found in the source.

    ``text`` holds the title, headings and body paragraphs, then the notes, separated by blank
    lines. ``line_map`` holds ``[offset, line]`` pairs: the text from ``offset`` on comes from
    1-based source ``line`` (until the next pair).
    """

    doc_id: str
    source_path: str
    title: str
    text: str
    sha256: str
    pages: list[Page]
    paragraphs: list[Paragraph]
    sentences: list[Sentence]
    headings: list[str]
    footnotes: list[Footnote]
    markers: list[Marker]
    artefacts: list[Artefact] = []
    warnings: list[str] = []
    line_map: list[tuple[int, int]]
    body_end: int = Field(ge=0, description="Offset where the notes section of text begins.")
    source_format: Literal["text", "markdown", "pdf", "plain"] = "text"
    boxes: list[LineBox] = Field(default=[], description="PDF only: the box of every line of text.")

    def page_at(self, offset: int) -> int:
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else 1

    def _pages_over(self, start: int, end: int) -> list[Page]:
        """The pages ``[start, end)`` lies on; an empty span, the page at ``start`` (else the last)."""
        found = [p for p in self.pages if p.start < end and start < p.end]
        if found or not self.pages:
            return found
        return [next((p for p in self.pages if p.start <= start < p.end), self.pages[-1])]

    def pages_between(self, start: int, end: int) -> list[int]:
        return [p.number for p in self._pages_over(start, end)] or [1]

    def labels_between(self, start: int, end: int) -> list[str]:
        """What the pages of :meth:`pages_between` print as their numbers ("iv", "12"), in its order."""
        return [p.label or str(p.number) for p in self._pages_over(start, end)] or ["1"]

    def line_at(self, offset: int) -> int:
        i = bisect_right(self.line_map, (offset, 1 << 30)) - 1
        return self.line_map[max(i, 0)][1]

    def footnote(self, label: str) -> Footnote | None:
        """The first note with ``label``; where labels repeat, :meth:`note_for` finds a marker's."""
        for note in self.footnotes:
            if note.label == label:
                return note
        return None

    @cached_property
    def _labelled(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        notes: dict[str, list[int]] = {}
        for i, note in enumerate(self.footnotes):
            notes.setdefault(note.label, []).append(i)
        markers: dict[str, list[int]] = {}
        for m in self.markers:
            markers.setdefault(m.label, []).append(m.offset)
        return notes, {label: sorted(offsets) for label, offsets in markers.items()}

    def note_for(self, label: str, offset: int) -> Footnote | None:
        """The note the marker ``label`` at ``offset`` (in ``text``) refers to. Labels repeat
        where the numbering restarts in each chapter or the symbols (*, †) on each page: then the
        first of them set after the marker's line (a footnote at its page's foot, an endnote at
        its chapter's end); without lines, the one of the marker's rank among the label's markers."""
        notes, markers = self._labelled
        same = notes.get(label, [])
        if len(same) <= 1:
            return self.footnotes[same[0]] if same else None
        claimed = self._claimed.get(offset)
        if claimed is not None:
            return self.footnotes[claimed]
        line = self.line_at(offset)
        # the marker's own page first: its notes of that label, the first set after the marker's
        # line, else the last before it (a box or table the file draws after its notes)
        on_page = self._page_lines(offset)
        if on_page is not None:
            here = [i for i in same if (s := self.footnotes[i].line_start) is not None and on_page[0] <= s < on_page[1]]
            if here:
                after = [i for i in here if (self.footnotes[i].line_start or 0) >= line]
                return self.footnotes[after[0] if after else here[-1]]
        for i in same:
            start = self.footnotes[i].line_start
            if start is not None and start >= line:
                return self.footnotes[i]
        if all(self.footnotes[i].line_start is not None for i in same):
            return self.footnotes[same[-1]]
        k = bisect_right(markers.get(label, []), offset) - 1
        return self.footnotes[same[min(max(k, 0), len(same) - 1)]]

    @cached_property
    def _claimed(self) -> dict[int, int]:
        """PDF only, where labels repeat on a page (notes under each box or table, numbered anew,
        and at the page's foot): marker offset -> note. The notes of a page form blocks (no line
        of text between them); block by block, from the top, each note takes the nearest marker
        of its label above the block that no block took before."""
        if not self.boxes or not self.footnotes:
            return {}
        where: dict[int, tuple[int, float]] = {}
        for i, n in enumerate(self.footnotes):
            if n.start is not None and (b := self._box_at(n.start)) is not None:
                where[i] = (b.index, b.top)
        labels_on: dict[int, list[str]] = {}
        for i, (page, _top) in where.items():
            labels_on.setdefault(page, []).append(self.footnotes[i].label)
        pages = {page for page, labels in labels_on.items() if len(labels) > len(set(labels))}
        if not pages:
            return {}
        text_tops: dict[int, list[float]] = {}
        for b in self.boxes:
            if b.start < self.body_end and b.index in pages:
                text_tops.setdefault(b.index, []).append(b.top)
        markers: dict[int, list[tuple[float, int, str]]] = {}  # page -> (top, offset, label)
        for m in self.markers:
            b = self._box_at(m.offset)
            if b is not None and b.index in pages:
                markers.setdefault(b.index, []).append((b.top, m.offset, m.label))
        out: dict[int, int] = {}
        for page in sorted(pages):
            notes = sorted((top, i) for i, (pg, top) in where.items() if pg == page)
            blocks: list[list[tuple[float, int]]] = []
            for top, i in notes:
                if blocks and not any(blocks[-1][-1][0] < t < top for t in text_tops.get(page, [])):
                    blocks[-1].append((top, i))
                else:
                    blocks.append([(top, i)])
            free = sorted(markers.get(page, []))
            for block in blocks:
                for _top, i in block:
                    label = self.footnotes[i].label
                    above = [m for m in free if m[2] == label and m[0] < block[0][0]]
                    if above:
                        take = max(above)
                        free.remove(take)
                        out[take[1]] = i
        return out

    @cached_property
    def _box_starts(self) -> list[int]:
        return [b.start for b in self.boxes]

    def _box_at(self, offset: int) -> LineBox | None:
        """The PDF line box that holds ``offset`` (None for other formats)."""
        i = bisect_right(self._box_starts, offset) - 1
        if i < 0 or not self.boxes:
            return None
        box = self.boxes[i]
        return box if box.start <= offset <= box.end else None

    def _page_lines(self, offset: int) -> tuple[int, int] | None:
        """The lines of the page that holds ``offset`` in the body: from its first line up to the
        next page's (a page's notes are numbered after its text)."""
        if offset >= self.body_end:
            return None
        for k, page in enumerate(self.pages):
            if page.start <= offset < page.end:
                nxt = self.pages[k + 1].line_start if k + 1 < len(self.pages) else 1 << 30
                return page.line_start, nxt
        return None

    @cached_property
    def text_note_rank(self) -> dict[int, int]:
        """For each note with text, by its start offset: how many notes with text and the same
        label come before it (the row among that label's rows in the index's notes)."""
        seen: dict[str, int] = {}
        out: dict[int, int] = {}
        for note in self.footnotes:
            if note.text and note.start is not None:
                out[note.start] = seen.get(note.label, 0)
                seen[note.label] = out[note.start] + 1
        return out

    def note_at(self, offset: int) -> Footnote | None:
        """The note whose text holds ``offset``, if any (a note passage's own note)."""
        for note in self.footnotes:
            if note.start is not None and note.end is not None and note.start <= offset < note.end:
                return note
        return None


# --------------------------------------------------------------------------- index units


class Passage(QAModel):
    """A retrievable span of a document: whole sentences, sized for the embedding model."""

    passage_id: str
    doc_id: str
    kind: Literal["body", "note"] = "body"
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    pages: list[int]
    line_start: int
    line_end: int
    markers: list[Marker]
    sentences: list[tuple[int, int]] = Field(
        description="Sentence spans relative to text, in order."
    )
    notes: list[str] = Field(default=[], description="Labels of the notes this passage cites.")

    @model_validator(mode="after")
    def _check(self) -> Passage:
        if self.end <= self.start:
            raise ValueError(f"passage {self.passage_id}: end {self.end} <= start {self.start}")
        return self


# --------------------------------------------------------------------------- answers


class Highlight(QAModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    note: str | None = Field(
        default=None,
        description="Label of the cited note that answers, when a note does: the highlighted sentence is the "
        "one citing it, and the note is marked where the passage lists its notes.",
    )


class Citation(QAModel):
    label: str
    text: str | None
    source: str | None = None
    missing: bool = False
    refers_to: str | None = Field(default=None, description="Label of the note an Idem/Ibid note repeats.")


class AnswerPassage(QAModel):
    rank: int = Field(ge=1)
    passage_id: str
    score: float
    document: str
    title: str
    pages: list[int]
    page_labels: list[str] = Field(
        default=[], description="The pages' numbers as printed, in the order of pages: \"iv\" where front matter "
        "counts in roman numerals (pages then holds their value). Cite these.",
    )
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    text: str
    highlight: Highlight
    markers: list[Marker]
    citations: list[Citation]

    @model_validator(mode="after")
    def _check(self) -> AnswerPassage:
        h = self.highlight
        if self.text[h.start : h.end] != h.text:
            raise ValueError("highlight.text must equal text[start:end]")
        return self


class Answer(QAModel):
    id: str | None = None
    question: str
    answered: bool
    passages: list[AnswerPassage]
    took_ms: float
    message: str | None = Field(
        default=None, description="Said to the user when the text does not seem to answer."
    )
    error: str | None = None
    language: str | None = Field(
        default=None,
        description="When the question is not in the reading's language: its language (ISO 639-1, "
        "or 'und' when unknown). The passages are quoted as the reading has them.",
    )
