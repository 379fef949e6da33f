"""Make small PDFs with real footnotes for tests, through LibreOffice (stdlib only).

A document is described in Python, written as flat OpenDocument text (``.fodt``) and converted
with ``soffice --headless --convert-to pdf``. The footnotes are real ``text:note`` elements, so
LibreOffice numbers them, raises the marker in the body, sets the note text small at the foot
of the page above a separator rule, and continues a note that does not fit on the next page.

Needs (Debian 12): ``apt-get install -y libreoffice-writer-nogui poppler-utils``; optionally
``hyphen-en-us`` (for ``hyphenate=True``). Fonts: LibreOffice pulls ``fonts-liberation2`` in;
the default face is "Liberation Serif". Use :func:`have_tools` to skip tests without them.

Blocks (a list, in reading order)::

    ("title", "Text")                      # 16pt bold, centred
    ("heading", "Text")                    # 13pt bold
    ("p", inline)                          # a justified 12pt body paragraph
    ("quote", inline)                      # an indented 11pt block quotation
    ("pagebreak",)                         # the next block starts a new page
    ("columns", [inline, inline, ...])     # paragraphs in a two-column section (balanced)

``inline`` is a str or a list of str / :class:`Note` / :class:`Italic`::

    ("p", ["Kosovo declared independence in 2008.", Note("See Resolution 1244."), " Serbia ..."])

``Note(text)`` is a footnote numbered automatically (1, 2, ... over the whole document);
``Note(text, label="*")`` uses a fixed mark ("*", "\u2020") and does not advance the count.
A note's text is a str, or a list of str for several note paragraphs.

Example::

    from tests.pdfmaker import make_pdf, Note, pdftotext
    pdf = make_pdf([("p", ["Hello.", Note("A note.")])], tmp_path / "a.pdf",
                   header_text="A Running Head", first_page_number=15)
    text = pdftotext(pdf)          # poppler's default (reading-order) mode

Several documents in one soffice start (faster for a session fixture)::

    make_pdfs([(blocks_a, tmp_path / "a.pdf", {}), (blocks_b, tmp_path / "b.pdf", {"hyphenate": True})])

Facts measured with LibreOffice 7.4 (see tests/PDF_PROBE.md): ``first_page_number`` only changes
the printed number in the footer; LibreOffice writes no ``/PageLabels``. Each conversion uses a
private, throw-away LibreOffice profile, so parallel runs do not clash; about 2-4 s each.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "Italic",
    "Note",
    "Sup",
    "PdfMakerError",
    "have_tools",
    "make_pdf",
    "make_pdfs",
    "pdftotext",
    "make_pdftotext",
    "sample_blocks",
    "to_fodt",
    "write_fodt",
]


class PdfMakerError(RuntimeError):
    """soffice or pdftotext missing, failed, timed out, or produced no file."""


@dataclass(frozen=True)
class Note:
    """A footnote at this point of the text. ``label``: a fixed mark ("*", "\u2020") instead of a number."""

    text: str | Sequence[str]
    label: str | None = None


@dataclass(frozen=True)
class Italic:
    """A run of italic text (e.g. a title or a case name)."""

    text: str


@dataclass(frozen=True)
class Sup:
    """Raised small text set by hand, as a footnote mark looks (e.g. a marker whose note is missing)."""

    text: str


Inline = str | Note | Italic | Sup | Sequence[str | Note | Italic | Sup]
Block = tuple[Any, ...]

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "loext": "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0",
}


def _xml_text(s: str) -> str:
    """Escape text for an element body; keep runs of spaces and tabs/newlines as ODF elements."""
    # drop characters XML 1.0 forbids (control characters other than tab and newline)
    s = "".join(ch for ch in s if ch >= " " or ch in "\t\n")
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == " " and i + 1 < len(s) and s[i + 1] == " ":
            j = i
            while j < len(s) and s[j] == " ":
                j += 1
            out.append(" " + f'<text:s text:c="{j - i - 1}"/>')
            i = j
            continue
        if c == "\t":
            out.append("<text:tab/>")
        elif c == "\n":
            out.append("<text:line-break/>")
        else:
            out.append(escape(c))
        i += 1
    return "".join(out)


def _inline_xml(inline: Inline, in_note: bool = False) -> str:
    if isinstance(inline, (str, Note, Italic, Sup)):
        inline = [inline]
    parts: list[str] = []
    for item in inline:
        if isinstance(item, str):
            parts.append(_xml_text(item))
        elif isinstance(item, Italic):
            parts.append(f'<text:span text:style-name="Em">{_xml_text(item.text)}</text:span>')
        elif isinstance(item, Sup):
            parts.append(f'<text:span text:style-name="Sup">{_xml_text(item.text)}</text:span>')
        elif isinstance(item, Note):
            if in_note:
                raise ValueError("a Note cannot contain another Note")
            paras = [item.text] if isinstance(item.text, str) else list(item.text)
            body = "".join(f'<text:p text:style-name="Footnote">{_xml_text(p)}</text:p>' for p in paras)
            if item.label is None:
                cit = "<text:note-citation>0</text:note-citation>"  # LibreOffice renumbers
            else:
                cit = f"<text:note-citation text:label={quoteattr(item.label)}>{escape(item.label)}</text:note-citation>"
            parts.append(
                f'<text:note text:note-class="footnote">{cit}<text:note-body>{body}</text:note-body></text:note>'
            )
        else:
            raise TypeError(f"inline item must be str, Note, Italic or Sup, not {type(item).__name__}")
    return "".join(parts)


def _body_xml(blocks: Iterable[Block]) -> str:
    out: list[str] = []
    pending_break = False
    first = True
    sect = 0
    for block in blocks:
        if not block:
            raise ValueError("empty block")
        kind = block[0]
        if kind == "pagebreak":
            pending_break = True
            continue
        if kind == "columns":
            sect += 1
            paras = []
            for inline in block[1]:
                style = "Body"
                if first:
                    style, first = "First", False
                elif pending_break:
                    style, pending_break = "BodyBreak", False
                paras.append(f'<text:p text:style-name="{style}">{_inline_xml(inline)}</text:p>')
            out.append(
                f'<text:section text:style-name="Cols2" text:name="Columns{sect}">{"".join(paras)}</text:section>'
            )
            continue
        base = {"title": "Title", "heading": "Heading_20_1", "p": "Body", "quote": "Quote"}.get(kind)
        if base is None:
            raise ValueError(f"unknown block kind {kind!r}")
        style = base
        if first:
            # the first paragraph carries the master page (and so the starting page number)
            style = {
                "Title": "FirstTitle",
                "Heading_20_1": "FirstHeading",
                "Body": "First",
                "Quote": "FirstQuote",
            }[style]
            first = False
        elif pending_break:
            style = {
                "Title": "TitleBreak",
                "Heading_20_1": "HeadingBreak",
                "Body": "BodyBreak",
                "Quote": "QuoteBreak",
            }[style]
        pending_break = False
        if kind == "heading":
            out.append(
                f'<text:h text:style-name="{style}" text:outline-level="1">{_inline_xml(block[1])}</text:h>'
            )
        else:
            out.append(f'<text:p text:style-name="{style}">{_inline_xml(block[1])}</text:p>')
    if first:
        out.append('<text:p text:style-name="First"/>')
    return "".join(out)


def to_fodt(
    blocks: Iterable[Block],
    *,
    page_size: tuple[str, str] = ("14.8cm", "21cm"),
    margins: str = "2cm",
    font: str = "Liberation Serif",
    body_size: str = "12pt",
    note_size: str = "9pt",
    header_text: str | Sequence[str] | None = None,
    header_left: str | Sequence[str] | None = None,
    head_page_number: bool = False,
    page_numbers: bool = True,
    first_page_number: int = 1,
    note_numbers_raised: bool = False,
    markers_raised: bool = True,
    first_note_number: int = 1,
    note_indent: bool = True,
    note_rule: bool = True,
    hyphenate: bool = False,
    language: tuple[str, str] = ("en", "US"),
) -> str:
    """The flat ODT (XML text) for ``blocks``.

    page_size: (width, height) with units; the default A5 makes text spill over pages.
    header_text: a running head (italic 9pt, centred) on every page; a list of str sets it on
        several lines ("2022-NCSC-1" / "Opinion of the Court").
    header_left: another head for the even (left) pages, odd pages keeping ``header_text``.
    head_page_number: the page number at the end of the head's first line ("Opinion 3"),
        instead of in the footer.
    page_numbers: the current page number (10pt, centred) in the footer.
    first_page_number: the number printed on the first page (no /PageLabels are written).
    markers_raised: the marker in the text is superscript (default); False: on the baseline at the
        text's size, like "system 1" (a Debian guide's XeTeX style): only the PDF's link from the
        marker to its note tells it from a number.
    first_note_number: the number of the first footnote (a later chapter's notes: 998, 999, 1000).
    note_numbers_raised: the number before the note text at the foot is superscript too
        (default: same size as the note text, on its baseline, like "1 See ...").
    note_indent: the note text hangs after its number (default); False: no indent, so the
        number is glued to the note's first word ("1Minutes of the meeting"), as with a
        Footnote style whose indent was removed.
    note_rule: the footnote separator line (default); False: none.
    hyphenate: automatic hyphenation in ``language`` (needs hyphen-en-us for English).
    """
    w, h = page_size
    lang, country = language
    hy = "true" if hyphenate else "false"
    hy_props = (
        f' fo:hyphenate="{hy}" fo:hyphenation-remain-char-count="2" fo:hyphenation-push-char-count="2"'
        if hyphenate
        else ' fo:hyphenate="false"'
    )
    ns = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
    ff = quoteattr(font)
    ff_family = quoteattr(f"'{font}'")
    def head_xml(head: str | Sequence[str]) -> str:
        lines = [head] if isinstance(head, str) else list(head)
        number = ' <text:page-number text:select-page="current">1</text:page-number>' if head_page_number else ""
        return "".join(f'<text:p text:style-name="Header">{_xml_text(line)}{number if i == 0 else ""}</text:p>'
                       for i, line in enumerate(lines))

    header = f"<style:header>{head_xml(header_text)}</style:header>" if header_text else ""
    if header_text and header_left:
        header += f"<style:header-left>{head_xml(header_left)}</style:header-left>"
    if head_page_number:
        page_numbers = False
    footer = (
        '<style:footer><text:p text:style-name="Footer"><text:page-number text:select-page="current">1'
        "</text:page-number></text:p></style:footer>"
        if page_numbers
        else ""
    )
    note_cit = 'style:text-position="super 58%"' if note_numbers_raised else ""
    anchor = '<style:text-properties style:text-position="super 58%"/>' if markers_raised else ""
    page_no = f' style:page-number="{int(first_page_number)}"'
    first_props = f"<style:paragraph-properties{page_no}/>"
    brk = '<style:paragraph-properties fo:break-before="page"/>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {ns} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls>
 <style:font-face style:name={ff} svg:font-family={ff_family} style:font-family-generic="roman" style:font-pitch="variable"/>
</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:orphans="2" fo:widows="2"/>
  <style:text-properties style:font-name={ff} fo:font-size="{body_size}" fo:language="{lang}" fo:country="{country}"{hy_props}/>
 </style:default-style>
 <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 <style:style style:name="Body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text">
  <style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.2cm" fo:line-height="115%" fo:text-align="justify"/>
 </style:style>
 <style:style style:name="Quote" style:display-name="Quotations" style:family="paragraph" style:parent-style-name="Body" style:class="html">
  <style:paragraph-properties fo:margin-left="1cm" fo:margin-right="1cm"/>
  <style:text-properties fo:font-size="11pt"/>
 </style:style>
 <style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard" style:class="chapter">
  <style:paragraph-properties fo:margin-bottom="0.4cm" fo:text-align="center"/>
  <style:text-properties fo:font-size="16pt" fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Standard" style:class="text">
  <style:paragraph-properties fo:margin-top="0.3cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/>
  <style:text-properties fo:font-size="13pt" fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Footnote" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:margin-left="{'0.4cm' if note_indent else '0cm'}" fo:text-indent="{'-0.4cm' if note_indent else '0cm'}" fo:text-align="justify"/>
  <style:text-properties fo:font-size="{note_size}"/>
 </style:style>
 <style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="9pt" fo:font-style="italic"/>
 </style:style>
 <style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="10pt"/>
 </style:style>
 <style:style style:name="Footnote_20_anchor" style:display-name="Footnote anchor" style:family="text">
  {anchor}
 </style:style>
 <style:style style:name="Footnote_20_Symbol" style:display-name="Footnote Symbol" style:family="text">
  <style:text-properties {note_cit}/>
 </style:style>
 <style:style style:name="Em" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
 <style:style style:name="Sup" style:family="text"><style:text-properties style:text-position="super 58%"/></style:style>
 <text:notes-configuration text:note-class="footnote" text:citation-style-name="Footnote_20_Symbol" text:citation-body-style-name="Footnote_20_anchor" style:num-format="1" text:start-value="{int(first_note_number) - 1}" text:footnotes-position="page" text:start-numbering-at="document"/>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="pm1">
  <style:page-layout-properties fo:page-width="{w}" fo:page-height="{h}" style:print-orientation="portrait" fo:margin-top="{margins}" fo:margin-bottom="{margins}" fo:margin-left="{margins}" fo:margin-right="{margins}" style:writing-mode="lr-tb">
   <style:footnote-sep style:width="0.018cm" style:distance-before-sep="0.1cm" style:distance-after-sep="0.1cm" style:line-style="{'solid' if note_rule else 'none'}" style:adjustment="left" style:rel-width="25%" style:color="#000000"/>
  </style:page-layout-properties>
  <style:header-style><style:header-footer-properties fo:min-height="0cm" fo:margin-bottom="0.4cm"/></style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0cm" fo:margin-top="0.4cm"/></style:footer-style>
 </style:page-layout>
 <style:style style:name="First" style:family="paragraph" style:parent-style-name="Body" style:master-page-name="Main">{first_props}</style:style>
 <style:style style:name="FirstTitle" style:family="paragraph" style:parent-style-name="Title" style:master-page-name="Main">{first_props}</style:style>
 <style:style style:name="FirstHeading" style:family="paragraph" style:parent-style-name="Heading_20_1" style:master-page-name="Main">{first_props}</style:style>
 <style:style style:name="FirstQuote" style:family="paragraph" style:parent-style-name="Quote" style:master-page-name="Main">{first_props}</style:style>
 <style:style style:name="BodyBreak" style:family="paragraph" style:parent-style-name="Body">{brk}</style:style>
 <style:style style:name="TitleBreak" style:family="paragraph" style:parent-style-name="Title">{brk}</style:style>
 <style:style style:name="HeadingBreak" style:family="paragraph" style:parent-style-name="Heading_20_1">{brk}</style:style>
 <style:style style:name="QuoteBreak" style:family="paragraph" style:parent-style-name="Quote">{brk}</style:style>
 <style:style style:name="Cols2" style:family="section">
  <style:section-properties text:dont-balance-text-columns="false">
   <style:columns fo:column-count="2" fo:column-gap="0.6cm"/>
  </style:section-properties>
 </style:style>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Main" style:page-layout-name="pm1">{header}{footer}</style:master-page>
</office:master-styles>
<office:body><office:text>{_body_xml(blocks)}</office:text></office:body>
</office:document>
"""


def write_fodt(blocks: Iterable[Block], path: str | os.PathLike[str], **options: Any) -> Path:
    """Write the flat ODT for ``blocks`` to ``path`` (options as :func:`make_pdf`)."""
    path = Path(path)
    path.write_text(to_fodt(blocks, **options), encoding="utf-8")
    return path


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def have_tools(pdftotext: bool = False) -> bool:
    """True when soffice (and, with ``pdftotext=True``, poppler's pdftotext) is on PATH."""
    return _soffice() is not None and (not pdftotext or shutil.which("pdftotext") is not None)


def _convert(fodts: Sequence[Path], outdir: Path, timeout: float) -> None:
    exe = _soffice()
    if exe is None:
        raise PdfMakerError("soffice not found: apt-get install -y libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="pdfmaker-lo-") as profile:
        cmd = [
            exe,
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            *map(str, fodts),
        ]
        env = dict(os.environ, HOME=profile, SAL_USE_VCLPLUGIN="svp")
        # own process group, so a timeout ends soffice.bin too (the soffice wrapper forks it)
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            raise PdfMakerError(f"soffice timed out after {timeout:.0f}s: {' '.join(cmd)}\n{stderr}") from exc
    missing = [f for f in fodts if not (outdir / (f.stem + ".pdf")).is_file()]
    if proc.returncode != 0 or missing:
        raise PdfMakerError(
            f"soffice exited {proc.returncode}; no PDF for {[str(m) for m in missing]}\n"
            f"stdout: {stdout.strip()}\nstderr: {stderr.strip()}"
        )


def make_pdfs(
    jobs: Sequence[tuple[Iterable[Block], str | os.PathLike[str], dict[str, Any]]],
    *,
    timeout: float = 300.0,
    keep_fodt: bool = False,
) -> list[Path]:
    """Make several PDFs with one soffice start: ``jobs`` is ``[(blocks, out_path, options), ...]``."""
    results: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="pdfmaker-") as tmp:
        tmpdir = Path(tmp)
        fodts = []
        for i, (blocks, out_path, options) in enumerate(jobs):
            out = Path(out_path)
            fodts.append(write_fodt(blocks, tmpdir / f"doc{i:04d}.fodt", **options))
            results.append(out)
        if fodts:
            _convert(fodts, tmpdir, timeout)
        for fodt, out in zip(fodts, results, strict=True):
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(tmpdir / (fodt.stem + ".pdf")), out)
            if keep_fodt:
                shutil.copy(fodt, out.with_suffix(".fodt"))
    return results


def make_pdf(
    blocks: Iterable[Block],
    out_path: str | os.PathLike[str],
    *,
    timeout: float = 120.0,
    keep_fodt: bool = False,
    **options: Any,
) -> Path:
    """Write ``blocks`` as a PDF at ``out_path`` and return the path.

    ``options`` are :func:`to_fodt`'s (page size, fonts, running head, page numbers, ...).
    keep_fodt: also leave the .fodt beside the PDF (for debugging).
    """
    return make_pdfs([(blocks, out_path, options)], timeout=timeout, keep_fodt=keep_fodt)[0]


def pdftotext(pdf_path: str | os.PathLike[str], *, layout: bool = False, timeout: float = 60.0) -> str:
    """poppler's ``pdftotext PDF -`` (default reading-order mode; ``layout=True`` adds -layout)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise PdfMakerError("pdftotext not found: apt-get install -y poppler-utils")
    cmd = [exe, *(["-layout"] if layout else []), str(pdf_path), "-"]
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise PdfMakerError(
            f"pdftotext exited {proc.returncode}: {proc.stderr.decode(errors='replace').strip()}"
        )
    return proc.stdout.decode("utf-8")


make_pdftotext = pdftotext  # the name used in issue 7's plan


_FILLER = (
    "The argument of this chapter is that the status of the territory was never a question of law "
    "alone, and that the diplomacy of the great powers shaped what the law could be said to permit. "
)


def sample_blocks() -> list[Block]:
    """A document covering the cases a footnote reader must handle (used by the self-check).

    Several pages; a body sentence and a long footnote both broken across a page break; markers
    after a closing quote and after a question mark; numbers that are not markers (2008,
    Resolution 1244, 10 km); "Ibid." and "Idem, p. 4." notes; a "*" note; a two-column section.
    """
    long_note = (
        "This note is deliberately long so that it cannot fit at the foot of the page on which its "
        "marker stands. " + "The commentary goes on to weigh the opinions of the judges one by one, "
        "setting each against the written statements of the states that took part in the proceedings. "
        * 6
        + "It ends here."
    )
    return [
        ("title", "Sovereignty and Recognition"),
        ("p", ["A chapter on the case, with notes.", Note("An unnumbered acknowledgement note.", label="*")]),
        ("heading", "1. The question"),
        (
            "p",
            [
                "In 2008 the assembly in Pristina declared independence, and Serbia asked the General Assembly "
                "whether the declaration was \u201cin accordance with international law\u201d",
                Note("UN General Assembly, Resolution 63/3 (8 October 2008)."),
                ". The question was narrow. Was it also the right one?",
                Note("See the separate opinions, discussed below."),
                " Security Council Resolution 1244 had set up an interim administration within 10 km of every "
                "contested boundary, or so its critics claimed.",
                Note("Ibid."),
            ],
        ),
        ("p", _FILLER * 4 + "The court spoke of autonomy."),
        ("p", [_FILLER * 2 + "The judges disagreed about autonomy.", Note("Idem, p. 4."), " " + _FILLER * 2]),
        (
            "p",
            [
                _FILLER * 3 + "Here the long note is anchored near the foot of a page.",
                Note(long_note),
                " " + _FILLER * 2,
            ],
        ),
        (
            "p",
            [
                "On the next page note 5 goes on above this paragraph's own note.",
                Note("A note on the page where note 5 continues."),
                " "
                + _FILLER * 3
                + "This sentence is long enough that it starts on one page and, because the "
                "page fills up just here with the commentary, the argument, the opinions and the statements "
                "that the chapter has been weighing all along, it runs over the foot of the page and ends on "
                "the next page after the break.",
            ],
        ),
        (
            "quote",
            [
                "\u201cThe declaration did not violate general international law.\u201d",
                Note("Advisory Opinion, para. 84."),
            ],
        ),
        ("pagebreak",),
        ("heading", "2. Two columns"),
        (
            "columns",
            [
                [
                    "Left column text about the opinion of the court, which runs on for a while. " * 3,
                    Note("A note from the left column."),
                ],
                "Right column text about the dissenting judges, which also runs on. " * 3,
            ],
        ),
        ("p", ["After the columns, body text resumes at full width.", Note("The last note.")]),
    ]


def _selfcheck(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    pdf = make_pdf(
        sample_blocks(),
        outdir / "sample.pdf",
        header_text="Sovereignty and Recognition",
        first_page_number=15,
        keep_fodt=True,
    )
    text = pdftotext(pdf)
    print(f"{pdf}: {text.count(chr(12))} pages")
    print(text)


if __name__ == "__main__":
    _selfcheck(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/pdfprobe"))
