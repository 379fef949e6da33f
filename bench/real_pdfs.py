"""The PDF reader on real footnoted PDFs nobody here made, each against its hand-checked truth.

    python bench/real_pdfs.py                      # every real PDF this machine has
    python bench/real_pdfs.py --extra DIR          # and DIR/NAME.pdf beside DIR/NAME.truth.json

Where the PDFs come from (each truth file names its source, licence and sha256):
  ../shared/readings/pdf/        the three shared ones, with the scorer (score_pdf.py)
  tests/data/realpdf/            truth for PDFs Debian installs (the README's test set-up) and
                                 for the PDFs kept there (LibreOffice conversions of public
                                 documents)
  --extra DIR                    others, e.g. PDFs from public repositories that are not ours to
                                 ship (their truth's "source" says where to fetch each)

Each PDF is read alone (``qa.reading.corpus.read_document``, as ``qa inspect --json`` does) and
scored by the shared scorer. Its "markers right" takes each label's first note, which a
numbering that restarts (by chapter, by page, under each box) defeats; so beside it, "cite
their note": the truth's markers found on their page whose note, by ``Document.note_for``, is
the truth's first note of that label on that page or after. Where one page holds two notes of
one label, the truth does not say which marker is whose, and that count is a lower bound.
Writes bench/results/real_pdfs.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.reading.corpus import read_document  # noqa: E402


def _words(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def cite_their_note(doc, truth: dict) -> int:
    def page_of(offset: int) -> int | None:
        return next((p.index + 1 for p in doc.pages if p.start <= offset < p.end), None)

    found = [(m.label, page_of(m.offset), m.offset) for m in doc.markers]
    right = 0
    for t in truth["markers"]:
        note = next((n for n in truth["notes"] if n["label"] == t["label"] and n["page"] >= t["page"]), None)
        if note is None:
            continue
        for f in found:
            cited = doc.note_for(f[0], f[2]) if f[:2] == (t["label"], t["page"]) else None
            if cited is not None and _words(cited.text or "").startswith(_words(note["first_words"])):
                found.remove(f)
                right += 1
                break
    return right


def sources(shared: Path, extra: list[Path]) -> list[tuple[str, Path, Path]]:
    """(name, pdf, truth) for every real PDF found."""
    out = []
    for truth in sorted((shared / "readings" / "pdf").glob("*.truth.json")):
        pdf = truth.with_name(truth.name.replace(".truth.json", ".pdf"))
        if pdf.is_file():
            out.append((pdf.stem, pdf, truth))
    for truth in sorted((ROOT / "tests" / "data" / "realpdf").glob("*.truth.json")):
        name = truth.name.replace(".truth.json", "")
        kept = truth.with_name(f"{name}.pdf")
        installed = Path(json.loads(truth.read_text(encoding="utf-8"))["source"].get("path", ""))
        if kept.is_file():
            out.append((name, kept, truth))
        elif installed.is_file():
            out.append((name, installed, truth))
        else:
            print(f"note: {name}: {installed} is not installed; skipped", file=sys.stderr)
    for folder in extra:
        for truth in sorted(folder.glob("*.truth.json")):
            pdf = truth.with_name(truth.name.replace(".truth.json", ".pdf"))
            if pdf.is_file():
                out.append((pdf.stem, pdf, truth))
    seen: set[str] = set()
    return [row for row in out if not (row[0] in seen or seen.add(row[0]))]  # a name once, the first found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--extra", type=Path, action="append", default=[])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "real_pdfs.json")
    args = ap.parse_args()
    scorer = args.shared / "readings" / "pdf" / "score_pdf.py"
    if not scorer.is_file():
        raise SystemExit(f"{scorer} is missing: the shared scorer is needed")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, pdf, truth_path in sources(args.shared, args.extra):
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            data = pdf.read_bytes()
            if pdf.suffix == ".gz":
                data = gzip.decompress(data)
            want = truth.get("source", {}).get("sha256")
            if want and hashlib.sha256(data).hexdigest() != want:
                print(f"note: {name}: {pdf} is not the file the truth is of; skipped", file=sys.stderr)
                continue
            local = Path(tmp) / f"{name}.pdf"
            local.write_bytes(data)
            doc = read_document(local)
            inspect = Path(tmp) / f"{name}.json"
            inspect.write_text(json.dumps({"documents": [json.loads(doc.model_dump_json())]}), encoding="utf-8")
            out = subprocess.run([sys.executable, str(scorer), str(truth_path), str(inspect)],
                                 capture_output=True, text=True, check=True)
            score = json.loads(out.stdout.strip().splitlines()[-1])
            # what answers show: the page's label ("iv"); the scorer compares the integer number,
            # which for a page in roman numerals is their value
            label = {p.index: p.label for p in doc.pages}
            printed = [(i, w) for i, w in enumerate(truth.get("page_labels", [])) if w is not None]
            shown = sum(label.get(i) == w for i, w in printed)
            rows.append({"name": name, "producer": truth.get("producer") or "", "creator": truth.get("creator") or "",
                         **score, "pages_shown_right": shown, "cite_their_note": cite_their_note(doc, truth)})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": " ".join(sys.argv), "files": rows}, indent=2) + "\n", encoding="utf-8")
    print("| PDF | producer | notes right | markers found, citing their note (false) | printed pages cited as printed "
          "(by the scorer's number) | running heads in the body |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['creator'] or r['producer']} | {r['notes_right']} of {r['notes']} | "
              f"{r['cite_their_note']} of {r['markers']} ({r['false_markers']}) | "
              f"{r['pages_shown_right']} of {r['printed_pages']} ({r['pages_right']}) | {r['heads_in_body']} |")


if __name__ == "__main__":
    main()
