"""Tuning on our own question sets (the grid that chose passage sizes and weights, the ablation and
the chunking baseline; bench/quality.py reports the blind sets, split dev/test): hit@k, MRR, highlight and
citation accuracy, and the answered rates on answerable and unanswerable questions.

    python bench/tuning.py                           # default settings, both question sets
    python bench/tuning.py   --grid                   # passage sizes x fusion weights
    python bench/tuning.py   --baseline               # the usual framework pipeline, for comparison

Question sets: ../shared/samples/sample_questions.jsonl (the user's sample set) and
bench/data/essay_questions.jsonl (our own). The baseline is what most frameworks ship: raw
text cut into 500-character chunks, dense + BM25 fused by RRF (k = 60).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import PassageParams, RankingParams, Settings  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation.judge import judge, summarize  # noqa: E402
from qa.evaluation.questions import EvalQuestion, read_questions  # noqa: E402


def question_sets(shared: Path) -> dict[str, list[EvalQuestion]]:
    sets = {}
    for name, path in (
        ("samples", shared / "samples" / "sample_questions.jsonl"),
        ("own", ROOT / "bench" / "data" / "essay_questions.jsonl"),
    ):
        if not path.is_file():
            print(f"note: {path} not found, skipped", file=sys.stderr)
            continue
        items, _ = read_questions(path)
        sets[name] = [q for q in items if isinstance(q, EvalQuestion)]
    if not sets:
        sys.exit(f"No question set found (looked in {shared}/samples and bench/data).")
    return sets


def evaluate(engine: Engine, questions: list[EvalQuestion]) -> tuple[dict, list[dict]]:
    answers = engine.ask_many([q.question for q in questions], ids=[q.id for q in questions])
    verdicts = [judge(q, a) for q, a in zip(questions, answers, strict=True)]
    return summarize(verdicts), verdicts


def baseline(embedder, questions: dict[str, list[EvalQuestion]], corpus: Path) -> dict:
    """500-character chunks of the raw file, MiniLM + BM25 (bm25s, no stemming), RRF k=60."""
    import bm25s
    import numpy as np

    from qa.evaluation.judge import holds

    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt")))
    chunks = [text[i : i + 500] for i in range(0, len(text), 500)]
    vecs = embedder.encode(chunks)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(chunks, stopwords="en", show_progress=False), show_progress=False)
    out = {}
    for name, qs in questions.items():
        hits = []
        for q in qs:
            if not q.answerable:
                continue
            qv = embedder.encode([q.question])[0]
            dense = list(np.argsort(-(vecs @ qv))[:100])
            res, _ = retriever.retrieve(bm25s.tokenize([q.question], stopwords="en", show_progress=False), k=min(100, len(chunks)), show_progress=False)
            fused: dict[int, float] = {}
            for ranking in (dense, list(res[0])):
                for r, row in enumerate(ranking, start=1):
                    fused[int(row)] = fused.get(int(row), 0) + 1 / (60 + r)
            order = sorted(fused, key=lambda r: -fused[r])
            rank = next((i for i, row in enumerate(order[:10], 1) if any(holds(e, chunks[row]) for e in q.evidence)), None)
            hits.append(rank)
        n = len(hits)
        out[name] = {f"hit@{k}": round(sum(1 for r in hits if r and r <= k) / n, 4) for k in (1, 3, 5)}
    return out


def calibrate(verdicts: list[dict]) -> dict:
    """Error rates of the 'answered' decision at each threshold over all question sets:
    misses (answerable questions said not answered) and false answers (unanswerable ones
    answered), and the threshold with the fewest errors (ties: the middle of the range)."""
    pos = [v["top_score"] for v in verdicts if v["answerable"]]
    neg = [v["top_score"] for v in verdicts if not v["answerable"]]
    table = []
    for t in [round(0.05 * i, 2) for i in range(2, 14)]:
        miss = sum(1 for s in pos if s < t) / len(pos)
        false = sum(1 for s in neg if s >= t) / len(neg) if neg else 0.0
        table.append({"threshold": t, "miss_rate": round(miss, 3), "false_answer_rate": round(false, 3)})
        print(f"threshold {t:.2f}: answerable said unanswered {miss:.3f}, unanswerable answered {false:.3f}")
    best = min(e["miss_rate"] + e["false_answer_rate"] for e in table)
    ties = [e for e in table if abs(e["miss_rate"] + e["false_answer_rate"] - best) < 1e-9]
    return {"answerable": len(pos), "unanswerable": len(neg), "table": table, "best": ties[len(ties) // 2]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--grid", action="store_true", help="Try passage sizes and fusion weights.")
    ap.add_argument("--baseline", action="store_true", help="Also run the usual framework pipeline.")
    ap.add_argument("--ablation", action="store_true", help="Also rank with dense only and keyword only.")
    ap.add_argument("--show", action="store_true", help="Print each question's verdict.")
    ap.add_argument("--lexical", type=float, nargs="*", help="Lexical weights to try (default: the setting).")
    ap.add_argument("--sizes", type=int, nargs="*", help="Passage sizes to try (default: the setting).")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tuning.json")
    args = ap.parse_args()

    from qa.embedding.sbert import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    sets = question_sets(args.shared)
    default = Settings()
    sizes = [96, 128, 160, 200, 250] if args.grid else [default.passages.max_tokens]
    lexical = [0.0, 0.2, 0.3, 0.4, 1.0] if args.grid else [default.ranking.lexical_weight]
    if args.ablation and not args.grid:
        lexical = [0.0, 1.0, default.ranking.lexical_weight]
    if args.lexical:
        lexical = args.lexical
    if args.sizes:
        sizes = args.sizes
    passage_w = [0.0, 0.5, 1.0] if args.grid else [default.ranking.passage_weight]
    rows = []
    all_verdicts: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            settings = Settings(
                corpus_dir=args.corpus, index_dir=Path(tmp) / f"s{size}",
                passages=PassageParams(max_tokens=size, min_tokens=default.passages.min_tokens),
            )
            engine = Engine.from_settings(settings, embedder=embedder)
            for lam, pw in itertools.product(lexical, passage_w):
                engine.params = RankingParams(**{**default.ranking.model_dump(), "lexical_weight": lam, "passage_weight": pw})
                row = {"max_tokens": size, "lexical_weight": lam, "passage_weight": pw}
                for name, qs in sets.items():
                    summary, verdicts = evaluate(engine, qs)
                    row[name] = summary
                    all_verdicts.extend(verdicts)
                    if args.show:
                        for v in verdicts:
                            print(name, v, file=sys.stderr)
                rows.append(row)
                cells = "  ".join(
                    f"{n}: hit@1 {r['hit@1']:.3f} hit@3 {r['hit@3']:.3f} mrr {r['mrr@10']:.3f} hl {r['highlight_accuracy']:.3f}"
                    for n, r in ((n, row[n]) for n in sets)
                )
                print(f"max_tokens {size:3d} lexical {lam:.1f} passage {pw:.1f}  {cells}")
    result = {"command": " ".join(sys.argv), "rows": rows}
    if not args.grid:
        last = len(sets)  # the defaults ran last: calibrate on their verdicts only
        result["threshold"] = calibrate(all_verdicts[-sum(len(q) for q in sets.values()):] if last else all_verdicts)
    if args.baseline:
        result["baseline_500char_rrf"] = baseline(embedder, sets, args.corpus)
        print("baseline (500-char chunks, RRF):", json.dumps(result["baseline_500char_rrf"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
