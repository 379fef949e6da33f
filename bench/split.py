"""One fixed dev/test split of a question file: parameters are chosen on dev, figures reported on test.

    python bench/split.py bench/data/essay_questions.jsonl            # writes <name>.split.json once
    python bench/split.py bench/data/essay_questions.jsonl --write DIR # DIR/dev.jsonl and DIR/test.jsonl

The split is made once and kept in ``<file>.split.json`` beside the file; later calls read it,
so that a question never changes sides. It is stratified: the questions of each style
(``type``) and language (the ``[lang:xx]`` tag that begins ``notes``; English without one) are
shuffled with seed 13 and dealt to dev and test in turn, so both sides hold every style and
language in the same proportions. (bench/data/essay_questions.split.json was made before, by
one shuffle of all lines, and is kept as it is.)
"""

from __future__ import annotations

import argparse
import json
import random
import re
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
    strata: dict[tuple[str, str], list[str]] = {}
    for x in lines:
        row = json.loads(x)
        lang = re.match(r"\s*\[lang:([\w-]+)\]", str(row.get("notes") or ""))
        strata.setdefault((str(row.get("type") or ""), lang.group(1) if lang else "en"), []).append(str(row.get("id")))
    rng = random.Random(SEED)
    sides: tuple[list[str], list[str]] = ([], [])
    turn = 0
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        for qid in group:
            sides[turn % 2].append(qid)
            turn += 1
    split = {"seed": SEED, "stratified_by": ["type", "lang"], "dev": sorted(sides[0]), "test": sorted(sides[1])}  # type: ignore[dict-item]
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
