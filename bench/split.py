"""One fixed dev/test split of a question file: parameters are chosen on dev, figures reported on test.

    python bench/split.py bench/data/essay_questions.jsonl            # writes <name>.split.json once
    python bench/split.py bench/data/essay_questions.jsonl --write DIR # DIR/dev.jsonl and DIR/test.jsonl

The split is made once (seed 13, half of the lines to each side, by line order after a
shuffle) and kept in ``<file>.split.json`` beside the file; later calls read it, so that a
question never changes sides.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SEED = 13


def split_of(path: Path) -> dict[str, list[str]]:
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    ids = [str(json.loads(x).get("id")) for x in lines]
    record = path.with_suffix(".split.json")
    if record.is_file():
        split: dict[str, list[str]] = json.loads(record.read_text(encoding="utf-8"))
        unknown = sorted(set(ids) - set(split["dev"]) - set(split["test"]))
        if unknown:
            raise SystemExit(f"{path}: ids {unknown} are in no side of {record}; give new questions a side by hand")
        return split
    order = ids[:]
    random.Random(SEED).shuffle(order)
    half = len(order) // 2
    split = {"seed": SEED, "dev": sorted(order[:half]), "test": sorted(order[half:])}  # type: ignore[dict-item]
    record.write_text(json.dumps(split, indent=1) + "\n", encoding="utf-8")
    return split


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", type=Path)
    ap.add_argument("--write", type=Path, help="write dev.jsonl and test.jsonl into this folder")
    args = ap.parse_args()
    split = split_of(args.file)
    print(f"dev {len(split['dev'])}, test {len(split['test'])} (seed {split['seed']})")
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        lines = [x for x in args.file.read_text(encoding="utf-8").splitlines() if x.strip()]
        for side in ("dev", "test"):
            keep = set(split[side])
            (args.write / f"{side}.jsonl").write_text(
                "".join(x + "\n" for x in lines if str(json.loads(x).get("id")) in keep), encoding="utf-8")


if __name__ == "__main__":
    main()
