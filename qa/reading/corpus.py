"""A corpus folder -> Documents: the reader for each file is chosen by its suffix
(``.txt`` PDF-extracted text, ``.md`` Markdown, ``.pdf`` by its layout); a file that cannot be
read is logged and skipped."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from qa.errors import DocumentError, QAError
from qa.models import Document
from qa.reading.markdown import read_markdown
from qa.reading.text import read_text

logger = logging.getLogger(__name__)

__all__ = ["SUPPORTED_SUFFIXES", "check_corpus_dir", "corpus_files", "doc_id_of", "read_corpus", "read_document",
           "read_utf8", "reader_identity"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf")  # TEXT_READERS' and PDF

# --------------------------------------------------------------------------- entry points


def check_corpus_dir(corpus_dir: Path) -> None:
    """Raises DocumentError, saying where it looked, when the corpus folder does not exist."""
    if not corpus_dir.is_dir():
        raise DocumentError(
            f"Corpus folder '{corpus_dir}' does not exist (looked for '{corpus_dir.absolute()}'). Run from the "
            "folder that holds it, give --corpus (QA_CORPUS_DIR), or create it and add .txt, .md or .pdf files."
        )


def read_corpus(
    corpus_dir: Path, *, on_page: Callable[[str, int, int], None] | None = None,
    known: dict[str, Document] | None = None,
) -> list[Document]:
    """Read every supported file under ``corpus_dir`` (sorted by path).

    A file that cannot be read is logged and skipped, so one bad file never stops the rest.
    ``on_page(file name, pages done, pages)`` follows the reading of each PDF; without it, a
    long PDF logs its progress every 100 pages. ``known``: Documents already read from these
    very files (same bytes, same reader: :func:`reader_identity`), by path relative to the
    folder; they are taken as they are.

    Raises:
        DocumentError: The folder does not exist or holds no readable document.
    """
    check_corpus_dir(corpus_dir)
    docs: list[Document] = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        name = str(path.relative_to(corpus_dir))

        def pages(done: int, total: int, name: str = name) -> None:
            if on_page is not None:
                on_page(name, done, total)
            elif done % 100 == 0 and total > 100:
                logger.info("read %d of %d pages of %s", done, total, name)

        if known and name in known:
            docs.append(known[name].model_copy(update={"source_path": str(path)}))
            continue
        try:
            docs.append(read_document(path, doc_id=_doc_id(corpus_dir, path), on_page=pages))
        except DocumentError as exc:
            logger.error("skipped %s: %s", path, exc)
    if not docs:
        raise DocumentError(
            f"Corpus folder '{corpus_dir}' holds no readable document ({', '.join(SUPPORTED_SUFFIXES)})."
        )
    ids = [d.doc_id for d in docs]
    if len(set(ids)) != len(ids):
        raise DocumentError(f"Two corpus files share a name without extension: {sorted(ids)}")
    return docs


def corpus_files(corpus_dir: Path) -> dict[str, str]:
    """sha256 of every readable corpus file, by path relative to the corpus folder."""
    from qa.files import sha256_file

    if not corpus_dir.is_dir():
        return {}
    return {
        p.relative_to(corpus_dir).as_posix(): sha256_file(p)
        for p in sorted(corpus_dir.rglob("*"))
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUPPORTED_SUFFIXES
    }


def reader_identity() -> str:
    """What a Document read today depends on besides its file: this package's code, the word
    list, and the PDF libraries. An index records it; a build takes the Documents of unchanged
    files from the index before only when it is the same."""
    from importlib.metadata import PackageNotFoundError, version

    from qa.reading.words import wordlist_identity

    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    for lib in ("pdfplumber", "pdfminer.six", "pypdfium2"):
        try:
            h.update(f"{lib}={version(lib)}".encode())
        except PackageNotFoundError:
            pass
    h.update(wordlist_identity().encode())
    return h.hexdigest()[:16]


def doc_id_of(relative: str) -> str:
    """The doc_id of the file at ``relative`` (a path under the corpus folder, with "/")."""
    return "/".join(Path(relative).with_suffix("").parts)


def _doc_id(root: Path, path: Path) -> str:
    return doc_id_of(path.relative_to(root).as_posix())


def read_utf8(path: Path, error: type[QAError]) -> tuple[bytes, str]:
    """A file's bytes and its UTF-8 text (a BOM is dropped); failures raise ``error`` with
    a message naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"Cannot read '{path}': {exc.strerror}") from exc
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"'{path}' is not UTF-8 text (byte {exc.start}). Save it as UTF-8.") from exc


Reader = Callable[..., Document]  # (source text, *, doc_id, source_path, sha256) -> Document

# The readers of text files, by suffix: a new format is one entry here and its module.
TEXT_READERS: dict[str, Reader] = {".txt": read_text, ".md": read_markdown, ".markdown": read_markdown}


def read_document(
    path: Path, *, doc_id: str | None = None, on_page: Callable[[int, int], None] | None = None
) -> Document:
    """Read one file by its suffix (``.txt`` as PDF-extracted text, ``.md`` as Markdown, ``.pdf``
    by its layout: ``qa.reading.pdf``, which calls ``on_page(done, total)`` as it goes)."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from qa.reading.pdf import read_pdf

        return read_pdf(path, doc_id=doc_id, on_page=on_page)
    reader = TEXT_READERS.get(suffix)
    if reader is None:
        raise DocumentError(f"'{path}': no reader for '{suffix}' files (readable: {', '.join(SUPPORTED_SUFFIXES)}).")
    raw, source = read_utf8(path, DocumentError)
    if not source.strip():
        raise DocumentError(f"'{path}' is empty.")
    return reader(source, doc_id=doc_id or path.stem, source_path=str(path), sha256=hashlib.sha256(raw).hexdigest())


