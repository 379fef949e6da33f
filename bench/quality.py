"""Answer quality on questions nobody here tuned for: the blind sets, split once into dev and test.

    python bench/quality.py                 # dev and test, every set, default settings
    python bench/quality.py --side dev      # choose parameters on dev only

The blind sets (bench/data/blind/) were written by helpers who saw only a reading, never the code,
its output or other sets, in named styles (the ``type`` column) and languages (``[lang:xx]`` in
``notes``): ``essay.jsonl`` on the shipped essay, ``martin.jsonl`` on a second reading, Peter W.
Martin's "Neutral Citation, Court Web Sites, and Access to Authoritative Case Law" (read from
../shared/readings/pdf/, not shipped); ``tarrant.jsonl`` on a third, the US Supreme Court's slip
opinion in *Tarrant Regional Water Dist. v. Herrmann* (2013), written on 2026-12-02 after every
parameter of that day was chosen, so both its sides were unseen by them. bench/split.py split each once (seed 13, stratified by
style and language); the sides are in ``<set>.split.json``. Beside them: the user's sample set
(../shared/samples) and our own set (bench/data/essay_questions.jsonl), which chose the passage
sizes and weights (bench/tuning.py) and so counts as dev only.

For each set and side: hit@1/3/5, MRR@10, highlight accuracy (of all answerable questions, and
of those whose evidence is first: the issue's measure), the highlight's median length in words,
citation accuracy, the unanswerable
questions refused and the answerable ones refused; then hit@1, hit@5 and highlight per style and
per language. Everything goes through ``Engine.from_settings`` and ``ask_many``, the app's path.
Writes bench/results/quality.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation.judge import judge, summarize  # noqa: E402
from qa.evaluation.questions import EvalQuestion, read_questions  # noqa: E402

BLIND = ROOT / "bench" / "data" / "blind"
SECOND_READING = "readings/pdf/martin-neutral-citation.pdf"
THIRD_READING = "readings/pdf/scotus-tarrant.pdf"


def language(q: EvalQuestion) -> str:
    m = re.match(r"\s*\[lang:([\w-]+)\]", q.notes or "")
    return m.group(1) if m else "en"


def sides(path: Path) -> dict[str, set[str]]:
    split = json.loads(path.with_suffix(".split.json").read_text(encoding="utf-8"))
    return {"dev": set(split["dev"]), "test": set(split["test"])}


def questions_of(path: Path) -> list[EvalQuestion]:
    items, _ = read_questions(path)
    return [q for q in items if isinstance(q, EvalQuestion)]


def rates(verdicts: list[dict]) -> dict[str, object]:
    s = summarize(verdicts)
    ans = [v for v in verdicts if v["answerable"]]
    unans = [v for v in verdicts if not v["answerable"]]
    return {
        "n": len(verdicts),
        **{k: s.get(k) for k in ("hit@1", "hit@3", "hit@5", "mrr@10", "highlight_accuracy", "highlight_when_first",
                                 "highlight_words_median", "citation_accuracy")},
        "unanswerable_refused": f"{sum(not v['answered'] for v in unans)} of {len(unans)}" if unans else None,
        "answerable_refused": f"{sum(not v['answered'] for v in ans)} of {len(ans)}" if ans else None,
    }


def by(verdicts: list[dict], key: str) -> dict[str, dict[str, object]]:
    groups: dict[str, list[dict]] = {}
    for v in verdicts:
        groups.setdefault(v[key], []).append(v)
    out = {}
    for name in sorted(groups):
        s = summarize(groups[name])
        out[name] = {"n": len(groups[name]), "hit@1": s.get("hit@1"), "hit@3": s.get("hit@3"), "hit@5": s.get("hit@5"),
                     "highlight": s.get("highlight_accuracy"),
                     "highlight_when_first": s.get("highlight_when_first"), "answered": s.get("answered_rate_answerable"),
                     "unanswerable_answered": s.get("answered_rate_unanswerable")}
    return out


def judged(engine: Engine, qs: list[EvalQuestion]) -> list[dict]:
    answers = engine.ask_many([q.question for q in qs], ids=[q.id for q in qs], top_k=10)
    out = []
    for q, a in zip(qs, answers, strict=True):
        v = dict(judge(q, a))
        v.update(type=q.type or "", lang=language(q), routed=a.language or "en")
        out.append(v)
    return out


def fmt(x: object) -> str:
    return "–" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def table(title: str, rows: dict[str, dict[str, object]], cols: list[str]) -> str:
    head = f"| {title} | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols) + "\n"
    return head + "".join(f"| {name} | " + " | ".join(fmt(r.get(c)) for c in cols) + " |\n" for name, r in rows.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--side", choices=["dev", "test", "both"], default="both")
    ap.add_argument("--index-dir", type=Path, default=None, help="Keep the indexes here (default: a temporary folder).")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "quality.json")
    args = ap.parse_args()
    wanted = ["dev", "test"] if args.side == "both" else [args.side]

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index_dir or Path(tmp) / "index"
        essay = Engine.from_settings(Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir, index_name="quality-essay"))
        runs: list[tuple[str, Engine, list[EvalQuestion], dict[str, set[str]] | None]] = [
            ("essay (blind)", essay, questions_of(BLIND / "essay.jsonl"), sides(BLIND / "essay.jsonl")),
            ("own (dev only)", essay, questions_of(ROOT / "bench" / "data" / "essay_questions.jsonl"), None),
        ]
        samples = args.shared / "samples" / "sample_questions.jsonl"
        if samples.is_file():
            runs.append(("samples", essay, questions_of(samples), None))
        for name, rel, key, qfile in (("second reading (blind)", SECOND_READING, "second", "martin.jsonl"),
                                      ("third reading (blind)", THIRD_READING, "third", "tarrant.jsonl")):
            pdf = args.shared / rel
            if not pdf.is_file():
                print(f"note: {pdf} not found; the {name} set is skipped", file=sys.stderr)
                continue
            corpus = Path(tmp) / f"{key}-reading"
            corpus.mkdir()
            (corpus / pdf.name).symlink_to(pdf.resolve())
            engine = Engine.from_settings(Settings(corpus_dir=corpus, index_dir=index_dir, index_name=f"quality-{key}"))
            runs.append((name, engine, questions_of(BLIND / qfile), sides(BLIND / qfile)))

        result: dict[str, object] = {"command": " ".join(sys.argv), "query_model": essay.query_model,
                                     "multilingual": essay.multilingual.name if essay.multilingual else None, "sets": {}}
        report = []
        for name, engine, qs, split in runs:
            verdicts = judged(engine, qs)
            parts = {"all": verdicts} if split is None else {s: [v for v in verdicts if v["id"] in split[s]] for s in wanted}
            if split is None and "dev" not in wanted and name.startswith("own"):
                continue
            for side, vs in parts.items():
                key = f"{name} / {side}"
                entry = {"summary": rates(vs), "by_style": by(vs, "type"), "by_language": by(vs, "lang"),
                         "misrouted": sorted(v["id"] for v in vs if (v["lang"] == "en") != (v["routed"] == "en"))}
                result["sets"][key] = entry  # type: ignore[index]
                report.append(f"\n### {key}\n\n" + table("set", {key: entry["summary"]}, list(entry["summary"])))
                report.append("\n" + table("style", entry["by_style"], ["n", "hit@1", "hit@5", "highlight", "highlight_when_first", "answered",
                                                                         "unanswerable_answered"]))
                report.append("\n" + table("language", entry["by_language"], ["n", "hit@1", "hit@3", "hit@5", "highlight", "highlight_when_first",
                                                                               "answered", "unanswerable_answered"]))
                if entry["misrouted"]:
                    report.append(f"\nlanguage misjudged for: {', '.join(entry['misrouted'])}\n")
    text = "".join(report)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(text.lstrip() + "\n", encoding="utf-8")
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
