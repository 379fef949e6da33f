"""Line-end hyphens: how often the PDF reader keeps or drops one wrongly, with each word list.

    python bench/hyphens.py                       # the real PDFs of ../shared/readings/pdf
    python bench/hyphens.py more.pdf --labels L   # others, with their own labels file

Every line-end hyphen the reader decides on is judged against bench/data/hyphens.json (the
hyphens that belong to the word, judged by hand from the page images; all others are the
layout's). Each word list of ``qa.reading.words.WORDLISTS`` that is installed is tried through
``QA_WORDLIST``, and ``none`` (the document's own evidence alone).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qa.reading.pdf as reader  # noqa: E402
from qa.reading.words import WORDLISTS  # noqa: E402

SHARED = ROOT.parent / "shared" / "readings" / "pdf"


def decisions(pdfs: list[Path]) -> list[tuple[str, bool]]:
    """(word as broken, dropped?) for every line-end hyphen the reader decided on."""
    seen: list[tuple[str, bool]] = []
    rule = reader._hyphen_rule

    def logging_rule(pages):  # type: ignore[no-untyped-def]
        drop = rule(pages)

        def decide(a: str, b: str) -> bool:
            out = drop(a, b)
            ma, mb = re.search(r"([^\W\d_]+)-$", a), re.match(r"[^\W\d_]+", b)
            if ma and mb:
                seen.append((f"{ma.group(1)}-{mb.group(0)}".lower(), out))
            return out

        return decide

    reader._hyphen_rule = logging_rule
    try:
        for pdf in pdfs:
            reader.read_pdf(pdf)
    finally:
        reader._hyphen_rule = rule
    return seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--labels", type=Path, default=ROOT / "bench" / "data" / "hyphens.json")
    args = ap.parse_args()
    pdfs = args.pdfs or sorted(SHARED.glob("*.pdf"))
    if not pdfs:
        sys.exit(f"no PDFs given and none in {SHARED}")
    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    keep, either = set(labels["keep"]), set(labels["either"])
    for wordlist in ["none", *[str(p) for p in WORDLISTS if p.is_file()]]:
        os.environ["QA_WORDLIST"] = wordlist
        seen = decisions(pdfs)
        wrong = [w for w, dropped in seen if w not in either and (w in keep) == dropped]
        print(f"{Path(wordlist).name:24} {len(seen)} hyphens, {len(wrong)} wrong: {', '.join(wrong)}")


if __name__ == "__main__":
    main()
