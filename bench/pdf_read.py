"""Reading a long PDF: pages per second and peak memory, against pdfplumber alone.

    python bench/pdf_read.py             # a ~500-page PDF made by LibreOffice, 3 runs each
    python bench/pdf_read.py --pages 100 --runs 5

The PDF is made once with tests/pdfmaker.py (LibreOffice must be installed: the README's test
set-up installs it): paragraphs with real footnotes, headings, a running head and page
numbers. Each run is a fresh process timed from launch to exit; its peak RSS comes from GNU
time. The floor is pdfplumber itself extracting every page's words (what our reader starts
from), in the same run; ours is ``qa.reading.pdf.read_pdf`` (layout, notes, markers, text).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

FLOOR = """
import sys, pdfplumber
with pdfplumber.open(sys.argv[1]) as pdf:
    n = 0
    for page in pdf.pages:
        n += len(page.extract_words(extra_attrs=["size", "fontname"], use_text_flow=True))
        page.close()
print(n)
"""
OURS = """
import sys
from pathlib import Path
from qa.reading.pdf import read_pdf
d = read_pdf(Path(sys.argv[1]))
print(len(d.text), len(d.footnotes), len(d.pages))
"""


def blocks(pages: int) -> list:
    from pdfmaker import Note

    out: list = [("title", "A Long Reading")]
    para = ("The commission met again in the spring, and its members set out the terms on which the "
            "parties would meet, the order of the questions and the documents each side would bring. ")
    for i in range(pages * 2):
        if i % 12 == 0:
            out.append(("heading", f"Part {i // 12 + 1}"))
        out.append(("p", [para * 2, Note(f"Minutes of meeting {i + 1}, held in the capital."), " " + para]))
    return out


LAST_OUTPUT: dict[str, str] = {}


def run(code: str, pdf: Path) -> tuple[float, float]:
    t = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-c", code, str(pdf)],
                          capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    LAST_OUTPUT[code] = proc.stdout.strip()
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=500, help="About how many pages the PDF has.")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pdf", type=Path, help="Read this PDF instead of making one.")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pdf_read.json")
    args = ap.parse_args()
    pdf = args.pdf
    if pdf is None:
        from pdfmaker import make_pdf

        pdf = Path(tempfile.mkdtemp(prefix="qa-pdf-bench-")) / "long.pdf"
        t = time.perf_counter()
        make_pdf(blocks(args.pages), pdf, header_text="A Long Reading", timeout=1200)
        print(f"made {pdf} with LibreOffice in {time.perf_counter() - t:.1f} s")
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        n_pages = len(doc.pages)
    res: dict[str, list[tuple[float, float]]] = {"floor": [], "ours": []}
    for _ in range(args.runs):  # alternate, so that machine noise hits both
        res["floor"].append(run(FLOOR, pdf))
        res["ours"].append(run(OURS, pdf))
    sec = {k: statistics.median(s for s, _ in v) for k, v in res.items()}
    rss = {k: statistics.median(m for _, m in v) for k, v in res.items()}
    out = {
        "command": "python " + " ".join(sys.argv), "pages": n_pages, "runs": args.runs,
        "seconds": {k: round(v, 2) for k, v in sec.items()},
        "pages_per_s": {k: round(n_pages / v, 1) for k, v in sec.items()},
        "time_ratio": round(sec["ours"] / sec["floor"], 3),
        "peak_rss_mb": {k: round(v, 1) for k, v in rss.items()},
        "all_runs": res,
    }
    _chars, notes, _pages = (int(x) for x in LAST_OUTPUT[OURS].split())
    out["notes_read"] = notes
    if args.pdf is None:  # made here: one note a paragraph
        out["notes_made"] = args.pages * 2
        if notes != out["notes_made"]:
            print(f"WARNING: the reader found {notes} of the {out['notes_made']} notes made")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print("| reading a PDF | pdfplumber words (floor) | qa.reading.pdf | ratio |\n|---|---:|---:|---:|")
    print(f"| {n_pages} pages, seconds (process start to exit) | {sec['floor']:.2f} | {sec['ours']:.2f} | {out['time_ratio']}x |")
    print(f"| pages per second | {out['pages_per_s']['floor']} | {out['pages_per_s']['ours']} | |")
    print(f"| peak RSS (MB) | {rss['floor']:.0f} | {rss['ours']:.0f} | {rss['ours'] / rss['floor']:.2f}x |")
    print(f"notes read: {notes}" + (f" of {out['notes_made']} made" if "notes_made" in out else ""))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
