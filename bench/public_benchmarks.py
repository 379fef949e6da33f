"""Retrieval benchmarks on public data: BEIR SciFact and SQuAD v1.1 dev.

Measures essay-qa's ranking (qa.engine.Engine) on the data in shared/bench (see its README
for the data, the metric definitions and the anchor figures printed next to ours).

    python bench/public_benchmarks.py --datasets scifact --split test
    python bench/public_benchmarks.py --datasets squad --limit 2000
    python bench/public_benchmarks.py --limit 50            # quick check of both

Configurations (one index per dataset; the ranking mix is switched at query time):

    bm25        keyword only (lexical_weight=1): BM25, stemmed, as the engine builds it
    dense       dense only, passage vectors (lexical_weight=0, passage_weight=1)
    dense+sent  dense only, passage and best-sentence vectors (lexical_weight=0)
    rrf         plain RRF (k=60) of the dense top-100 and bm25 top-100 document lists
    ours        default RankingParams (convex fusion)

Documents are cut into passages; a document's score is its best passage's (document lists
keep the rank order of the passages). Metrics are per question, then averaged; SciFact uses
trec_eval semantics (binary relevance: qrels score > 0) and is cross-checked against
pytrec_eval when it is installed (pip install pytrec-eval-terrier).

Results are merged into the --out JSON under a key per dataset, split and sample, with the
command line that produced them. Progress goes to stderr, tables to stdout.

Caching (under --cache): the index per dataset and passage settings, rebuilt when the model,
the passage or BM25 settings or the documents change; and every passage and sentence vector,
by text, so that a rebuild re-embeds only new texts (the first SciFact build embeds 60k texts,
about 45 minutes on 2 busy cores; SQuAD's 12.5k about 8).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import platform
import random
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "bench"
DEFAULT_OUT = REPO / "bench" / "results" / "public.json"
DEFAULT_CACHE = REPO / "bench" / "results" / "cache"

ALL_CONFIGS = ("bm25", "dense", "dense+sent", "rrf", "ours")
RRF_K = 60
RRF_DEPTH = 100  # documents taken from each list before fusion

# Anchor figures from shared/bench/README.md (bm25s 0.3.16, MiniLM + FAISS flat, pytrec_eval).
ANCHORS: dict[str, list[dict[str, Any]]] = {
    "scifact/test": [
        {"name": "BM25 (bm25s)", "ndcg@10": 0.6617, "recall@100": 0.8759,
         "published": "0.665 (BEIR paper), 0.6789 (Anserini flat)"},
        {"name": "BM25 + stem", "ndcg@10": 0.6863, "recall@100": 0.9127},
        {"name": "all-MiniLM-L6-v2", "ndcg@10": 0.6451, "recall@100": 0.9250, "published": "0.64508 (MTEB)"},
        {"name": "RRF(BM25, MiniLM)", "ndcg@10": 0.6802, "recall@100": 0.9543},
        {"name": "RRF(BM25 + stem, MiniLM)", "ndcg@10": 0.7161, "recall@100": 0.9483},
    ],
    "squad/dev": [
        {"name": "BM25 (bm25s)", "r@1": 0.7495, "r@5": 0.9077, "mrr@10": 0.8179, "answer_sentence": 0.6192},
        {"name": "BM25 + stem", "r@1": 0.7680, "r@5": 0.9250, "mrr@10": 0.8352, "answer_sentence": 0.6355},
        {"name": "all-MiniLM-L6-v2", "r@1": 0.6251, "r@5": 0.8640, "mrr@10": 0.7270, "answer_sentence": 0.5184},
        {"name": "RRF(BM25, MiniLM)", "r@1": 0.7289, "r@5": 0.9294, "mrr@10": 0.8152, "answer_sentence": 0.6006},
        {"name": "gold paragraph given", "r@1": 1.0, "r@5": 1.0, "mrr@10": 1.0, "answer_sentence": 0.7981},
    ],
}



def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


@dataclass
class Dataset:
    name: str  # "scifact" or "squad"
    split: str
    docs: list[tuple[str, str, str]]  # (doc_id, title, text)
    questions: list[tuple[str, str]]  # (qid, text), in file order
    qrels: dict[str, dict[str, int]]  # qid -> {doc_id: relevance > 0}
    answers: dict[str, list[str]] = field(default_factory=dict)  # SQuAD gold answer strings
    n_total: int = 0  # questions before --limit

    @property
    def key(self) -> str:
        return f"{self.name}/{self.split}"


def load_scifact(root: Path, split: str) -> Dataset:
    from qa.evaluation.benchmarks import load_beir

    b = load_beir(root / "scifact", split)
    return Dataset("scifact", split, b.docs, b.questions, b.qrels, n_total=len(b.questions))


def load_squad(root: Path) -> Dataset:
    from qa.evaluation.benchmarks import load_squad as read_squad

    b = read_squad(root / "squad" / "dev-v1.1.json")
    return Dataset("squad", "dev", b.docs, b.questions, b.qrels, b.answers, n_total=len(b.questions))


def sample(ds: Dataset, limit: int | None, seed: int) -> None:
    """Keep ``limit`` questions drawn at random (seeded), in file order: SQuAD's file is
    ordered by article, so its first N questions would cover only a few articles."""
    if limit is None or limit >= len(ds.questions):
        return
    keep = set(random.Random(seed).sample(range(len(ds.questions)), limit))
    ds.questions = [q for i, q in enumerate(ds.questions) if i in keep]


# --------------------------------------------------------------------------- engine


class QueryCache:
    """Embedder wrapper that encodes each question once, so every configuration reuses it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.hash = inner.name, inner.hash
        self.dimension, self.max_tokens = inner.dimension, inner.max_tokens
        self.memo: dict[str, np.ndarray] = {}

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def encode(self, texts: list[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            vecs = self.inner.encode(missing, batch_size=batch_size, show_progress=show_progress)
            self.memo.update(zip(missing, vecs, strict=True))
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.stack([self.memo[t] for t in texts])


class VectorCache:
    """Embedder wrapper with a vector cache on disk, keyed by the model's hash and each text's
    sha256: rebuilding an index after a BM25, stopword or reader change re-embeds only texts it
    has not seen (on 2 cores SciFact's 60k texts take about 45 minutes). A text encoded in
    another batch can differ in the last float bits; nothing measurable."""

    def __init__(self, inner: Any, folder: Path) -> None:
        self.inner = inner
        self.name, self.hash = inner.name, inner.hash
        self.dimension, self.max_tokens = inner.dimension, inner.max_tokens
        self.folder = folder / f"vectors-{inner.hash[:16]}"
        self.rows: dict[str, int] = {}
        self.vectors = np.zeros((0, inner.dimension), np.float32)
        keys_file, vec_file = self.folder / "keys.txt", self.folder / "vectors.npy"
        if keys_file.is_file() and vec_file.is_file():
            try:
                keys = keys_file.read_text().split()
                vecs = np.load(vec_file, allow_pickle=False)
                if len(keys) == len(vecs) and vecs.shape[1] == inner.dimension:
                    self.rows = {k: i for i, k in enumerate(keys)}
                    self.vectors = vecs.astype(np.float32, copy=False)
            except (OSError, ValueError) as exc:
                progress(f"vector cache {self.folder} unreadable ({exc}); starting it afresh")
        self._keys = list(self.rows)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def add(self, texts: list[str], vecs: np.ndarray) -> int:
        new = [(self.key(t), v) for t, v in zip(texts, vecs, strict=True)]
        fresh: dict[str, np.ndarray] = {}
        for k, v in new:
            if k not in self.rows and k not in fresh:
                fresh[k] = v
        if fresh:
            base = len(self.vectors)
            self.vectors = np.concatenate([self.vectors, np.stack(list(fresh.values())).astype(np.float32)])
            for i, k in enumerate(fresh):
                self.rows[k] = base + i
                self._keys.append(k)
        return len(fresh)

    def save(self) -> None:
        from qa.files import atomic_write_text

        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / ".vectors.tmp.npy"
        np.save(tmp, self.vectors, allow_pickle=False)
        os.replace(tmp, self.folder / "vectors.npy")
        atomic_write_text(self.folder / "keys.txt", "\n".join(self._keys) + "\n")

    def encode(self, texts: list[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in self.rows}.values())
        progress(f"vectors: {len(texts) - len(missing)} of {len(texts)} texts cached, {len(missing)} to embed")
        self.last = {"texts": len(texts), "embedded": len(missing), "seconds": 0.0}
        if missing:
            t0 = time.perf_counter()
            self.add(missing, self.inner.encode(missing, batch_size=batch_size, show_progress=show_progress))
            self.last["seconds"] = round(time.perf_counter() - t0, 1)
            progress(f"embedded {len(missing)} texts in {self.last['seconds']:.1f} s")
            self.save()
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.ascontiguousarray(self.vectors[[self.rows[k] for k in keys]])

    def harvest(self, index_path: Path) -> None:
        """Take the passage and sentence vectors of an index built with the same model."""
        from qa.models import Passage
        from qa.ranking.retrieval import DenseIndex

        try:
            manifest = json.loads((index_path / "manifest.json").read_text(encoding="utf-8"))
            if manifest["embedding"]["model_sha256"] != self.hash:
                return
            passages = [Passage.model_validate_json(line) for line in
                        (index_path / "passages.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
            pv = DenseIndex.load(index_path / "passages.faiss").vectors
            sv = DenseIndex.load(index_path / "sentences.faiss").vectors
            sents = [p.text[a:b] for p in passages for a, b in p.sentences]
            if len(pv) != len(passages) or len(sv) != len(sents):
                return
        except Exception as exc:  # a partial or foreign index: nothing to take
            progress(f"no vectors taken from {index_path}: {exc}")
            return
        n = self.add([p.text for p in passages] + sents, np.concatenate([pv, sv]))
        if n:
            progress(f"vector cache: took {n} vectors from {index_path}")
            self.save()


def open_engine(ds: Dataset, settings: Any, embedder: Any, cache: Path) -> tuple[Any, dict[str, Any]]:
    """Load the cached index when it matches (model, passage and BM25 settings, documents);
    otherwise build it. Returns the engine and build facts."""
    from qa.engine import Engine
    from qa.indexing import open_documents_index
    from qa.reading.records import plain_document

    p = settings.passages
    index_path = cache / f"{ds.name}-p{p.max_tokens}-{p.min_tokens}"
    t0 = time.perf_counter()
    docs = [plain_document(did, title, text) for did, title, text in ds.docs]
    progress(f"{ds.name}: {len(docs)} documents read in {time.perf_counter() - t0:.1f} s")
    def harvest() -> None:  # before a build: vectors of earlier indexes of this dataset
        if isinstance(embedder, VectorCache):
            for old in sorted(cache.glob(f"{ds.name}-p*")):
                embedder.harvest(old)

    t1 = time.perf_counter()
    # qa's own policy: loaded when it matches the model, parameters and documents, else built
    index, built = open_documents_index(index_path, docs, settings, embedder=embedder, builder=embedder,
                                        show_progress=True, before_build=harvest)
    progress(f"{'built' if built else 'loaded'} {index_path} in {time.perf_counter() - t1:.1f} s")
    m = index.manifest
    engine = Engine(index, QueryCache(getattr(embedder, "inner", embedder)), settings=settings)
    info = {
        "index_path": str(index_path),
        "built_now": built,
        "build_seconds": m.build_seconds,
        "built_at": m.created_at,
        "counts": m.counts,
        "passages": m.passages.model_dump(),
        "bm25": m.bm25.model_dump(),
        "libraries": m.libraries,
        "vectors": getattr(embedder, "last", None) if built else None,
    }
    progress(f"index: {m.counts} (build took {m.build_seconds:.0f} s{' now' if built else ', cached'})")
    return engine, info


# --------------------------------------------------------------------------- metrics


from qa.evaluation.benchmarks import list_scores  # noqa: E402  (one implementation: qa eval's)
from qa.evaluation.metrics import answer_hit  # noqa: E402


def per_query_metrics(ds: Dataset, runs: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """metric -> {qid: value}; a question with no run (not askable) scores 0."""
    out: dict[str, dict[str, float]] = {}
    for qid, _ in ds.questions:
        vals = list_scores("beir" if ds.name == "scifact" else "squad", runs.get(qid, []), ds.qrels[qid])
        for name, v in vals.items():
            out.setdefault(name, {})[qid] = v
    return out


def summarize(values: dict[str, float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% normal confidence interval."""
    arr = np.fromiter(values.values(), dtype=np.float64)
    if len(arr) == 0:
        return 0.0, 0.0
    half = 1.96 * float(arr.std(ddof=1)) / math.sqrt(len(arr)) if len(arr) > 1 else 0.0
    return float(arr.mean()), half


def pytrec_check(ds: Dataset, runs_by_config: dict[str, dict[str, list[str]]],
                 ours: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """Recompute the metrics with pytrec_eval (trec_eval) and return the largest difference.

    Runs are given with scores that strictly decrease with our rank, so trec_eval's own tie
    breaking (by document id) cannot reorder them: this checks the metric code, not ties.
    MRR@10 is trec_eval's recip_rank over the run cut at 10.
    """
    try:
        import pytrec_eval
    except ImportError:
        try:
            import ir_measures  # noqa: F401
        except ImportError:
            return {"available": False, "note": "neither pytrec_eval nor ir_measures is installed"}
        return {"available": False, "note": "pytrec_eval missing; ir_measures check not implemented"}
    if ds.name == "scifact":
        full = {"ndcg_cut.10": "ndcg@10", "recall.100": "recall@100"}
    else:
        full = {"success.1": "r@1", "success.5": "r@5"}
    qrels = {q: dict(r) for q, r in ds.qrels.items() if q in {qid for qid, _ in ds.questions}}
    ev_full = pytrec_eval.RelevanceEvaluator(qrels, set(full))
    ev_rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"})
    worst = 0.0
    where = None
    per_config = {}
    for cfg, runs in runs_by_config.items():
        run = {q: {d: float(1000 - i) for i, d in enumerate(r[:100])} for q, r in runs.items() if r}
        run10 = {q: {d: float(1000 - i) for i, d in enumerate(r[:10])} for q, r in runs.items() if r}
        res = ev_full.evaluate(run)
        res10 = ev_rr.evaluate(run10)
        cfg_worst = 0.0
        for qid, _ in ds.questions:
            pairs = [(ours[cfg][mine][qid], res.get(qid, {}).get(tm.replace(".", "_"), 0.0))
                     for tm, mine in full.items()]
            pairs.append((ours[cfg]["mrr@10"][qid], res10.get(qid, {}).get("recip_rank", 0.0)))
            for a, b in pairs:
                diff = abs(a - b)
                cfg_worst = max(cfg_worst, diff)
                if diff > worst:
                    worst, where = diff, (cfg, qid)
        per_config[cfg] = cfg_worst
    return {"available": True, "library": f"pytrec_eval-terrier {_version('pytrec-eval-terrier')}",
            "measures": list(full) + ["recip_rank (run cut at 10)"], "max_abs_diff": worst,
            "worst_at": where, "max_abs_diff_by_config": per_config}


# --------------------------------------------------------------------------- running


def config_params(name: str, candidates: int | None) -> Any:
    from qa.config import RankingParams

    extra = {} if candidates is None else {"candidates": candidates}
    if name == "bm25":
        return RankingParams(lexical_weight=1.0, **extra)
    if name == "dense":
        return RankingParams(lexical_weight=0.0, passage_weight=1.0, **extra)
    if name == "dense+sent":
        return RankingParams(lexical_weight=0.0, **extra)
    if name == "ours":
        return RankingParams(**extra)
    raise ValueError(name)


def doc_lists(engine: Any, texts: list[str], depth: int, n_docs: int) -> list[list[str]]:
    """Top ``n_docs`` documents per question from the top ``depth`` passages (qa.evaluation.benchmarks)."""
    from qa.evaluation.benchmarks import doc_rankings

    def report(done: int, total: int) -> None:
        if total > 256:
            progress(f"  searched {done}/{total}")

    return doc_rankings(engine, texts, depth=depth, n_docs=n_docs, on_progress=report)


def rrf_lists(a: list[list[str]], b: list[list[str]], k: int = RRF_K) -> list[list[str]]:
    from qa.ranking.fusion import rrf

    out = []
    for la, lb in zip(a, b, strict=True):
        ids = list(dict.fromkeys(la[:RRF_DEPTH] + lb[:RRF_DEPTH]))
        row = {d: i for i, d in enumerate(ids)}
        fused = rrf([[row[d] for d in la[:RRF_DEPTH]], [row[d] for d in lb[:RRF_DEPTH]]], k=k)
        out.append([ids[r] for r in fused])
    return out


def run_dataset(ds: Dataset, args: argparse.Namespace, embedder: Any, settings: Any) -> dict[str, Any]:
    from qa.config import RankingParams
    from qa.errors import QuestionError

    progress(f"== {ds.key}: {len(ds.docs)} documents, {len(ds.questions)} of {ds.n_total} questions")
    t_build = time.perf_counter()
    engine, index_info = open_engine(ds, settings, embedder, args.cache)
    index_info["open_seconds"] = round(time.perf_counter() - t_build, 2)

    # Validate (as search/ask do) and encode every question once.
    texts, qids, invalid = [], [], []
    for qid, q in ds.questions:
        try:
            texts.append(engine.validate(q))
            qids.append(qid)
        except QuestionError as exc:
            invalid.append({"id": qid, "error": str(exc)})
    if invalid:
        progress(f"{len(invalid)} questions cannot be asked (scored 0): {invalid[:3]}")
    t0 = time.perf_counter()
    engine.embedder.encode(texts, batch_size=settings.batch_size)
    enc_s = time.perf_counter() - t0
    progress(f"encoded {len(texts)} questions in {enc_s:.1f} s ({1000 * enc_s / max(len(texts), 1):.1f} ms each)")

    n_docs = 100
    lists: dict[str, list[list[str]]] = {}
    timing: dict[str, float] = {}
    pool: dict[str, float] = {}
    wanted = [c for c in args.configs if c != "rrf"]
    if "rrf" in args.configs:
        wanted += [c for c in ("bm25", "dense") if c not in wanted]
    for cfg in [c for c in ALL_CONFIGS if c in wanted]:
        engine.params = config_params(cfg, args.candidates)
        progress(f"{cfg}: ranking {len(texts)} questions")
        t0 = time.perf_counter()
        lists[cfg] = doc_lists(engine, texts, args.depth, n_docs)
        timing[cfg] = time.perf_counter() - t0
        pool[cfg] = float(np.mean([len(x) for x in lists[cfg]])) if texts else 0.0
        progress(f"{cfg}: {timing[cfg]:.1f} s ({1000 * timing[cfg] / max(len(texts), 1):.2f} ms/question, "
                 f"{pool[cfg]:.1f} documents listed per question)")
    if "rrf" in args.configs:
        t0 = time.perf_counter()
        lists["rrf"] = rrf_lists(lists["bm25"], lists["dense"])
        timing["rrf"] = timing["bm25"] + timing["dense"] + (time.perf_counter() - t0)
        pool["rrf"] = float(np.mean([len(x) for x in lists["rrf"]])) if texts else 0.0

    configs = [c for c in ALL_CONFIGS if c in args.configs]
    runs = {cfg: dict(zip(qids, lists[cfg], strict=True)) for cfg in configs}
    per_q = {cfg: per_query_metrics(ds, runs[cfg]) for cfg in configs}

    # SQuAD: answer-sentence accuracy, the top-1 passage's highlighted sentence.
    extra_rows: dict[str, dict[str, Any]] = {}
    if ds.name == "squad":
        all_cands = RankingParams(candidates=len(engine.index.passages) // 4 + 1)
        for cfg in configs:
            t0 = time.perf_counter()
            if cfg == "rrf":
                # top-1 RRF paragraph, its best passage under the default ranking (every passage
                # a candidate, so the filter never depends on the candidate pool).
                engine.params = all_cands
                top = [runs["rrf"][q][0] if runs["rrf"][q] else None for q in qids]
                hls = []
                for text, doc in zip(texts, top, strict=True):
                    ans = engine.ask(text, top_k=1, documents=[doc]) if doc else None
                    hls.append(ans.passages[0].highlight.text if ans and ans.passages else None)
            else:
                engine.params = config_params(cfg, args.candidates)
                answers = engine.ask_many(texts, top_k=1, ids=qids)
                hls = [a.passages[0].highlight.text if a.passages else None for a in answers]
                # the top-1 paragraph of ask() must be the one search() ranked first
                mismatch = sum(
                    1 for a, q in zip(answers, qids, strict=True)
                    if a.passages and runs[cfg][q] and a.passages[0].document != runs[cfg][q][0]
                )
                if mismatch:
                    progress(f"warning: {cfg}: ask() and search() disagree on the top paragraph for {mismatch} questions")
            acc = {q: answer_hit(h, ds.answers[q]) for q, h in zip(qids, hls, strict=True)}
            per_q[cfg]["answer_sentence"] = {q: acc.get(q, 0.0) for q, _ in ds.questions}
            t_ans = time.perf_counter() - t0
            timing[f"{cfg}/answer_sentence"] = t_ans
            progress(f"{cfg}: answer sentences in {t_ans:.1f} s")
        # Gold paragraph given: the sentence step alone.
        t0 = time.perf_counter()
        engine.params = all_cands
        gold_hl = {}
        for qid, text in zip(qids, texts, strict=True):
            doc = next(iter(ds.qrels[qid]))
            ans = engine.ask(text, top_k=1, documents=[doc])
            gold_hl[qid] = ans.passages[0].highlight.text if ans.passages else None
        gold = {q: answer_hit(gold_hl.get(q), ds.answers[q]) for q, _ in ds.questions}
        timing["gold/answer_sentence"] = time.perf_counter() - t0
        extra_rows["gold paragraph given"] = {"answer_sentence": summarize(gold)}
        progress(f"gold paragraph: answer sentences in {timing['gold/answer_sentence']:.1f} s")
    engine.params = RankingParams()

    check = pytrec_check(ds, runs, per_q) if not args.no_check else {"available": False, "note": "--no-check"}
    if check.get("available"):
        progress(f"pytrec_eval check: max |ours - pytrec_eval| = {check['max_abs_diff']:.3g}")

    results = {}
    for cfg in configs:
        summ = {m: summarize(v) for m, v in per_q[cfg].items()}
        results[cfg] = {
            "params": None if cfg == "rrf" else config_params(cfg, args.candidates).model_dump(),
            "metrics": {m: round(s[0], 4) for m, s in summ.items()},
            "ci95": {m: round(s[1], 4) for m, s in summ.items()},
            "seconds": round(timing[cfg], 2),
            "ms_per_question": round(1000 * timing[cfg] / max(len(texts), 1), 3),
            "documents_listed_mean": round(pool[cfg], 1),
        }
        if f"{cfg}/answer_sentence" in timing:
            results[cfg]["answer_sentence_seconds"] = round(timing[f"{cfg}/answer_sentence"], 2)
    if "rrf" in configs:
        results["rrf"]["note"] = (f"RRF k={RRF_K} of the dense and bm25 top-{RRF_DEPTH} document lists; "
                                  "seconds = both searches; answer sentence from the top RRF paragraph's "
                                  "best passage under the default ranking")
    for name, summ in extra_rows.items():
        results[name] = {"metrics": {m: round(s[0], 4) for m, s in summ.items()},
                         "ci95": {m: round(s[1], 4) for m, s in summ.items()},
                         "seconds": round(timing["gold/answer_sentence"], 2)}
    return {
        "dataset": ds.name,
        "split": ds.split,
        "questions": len(ds.questions),
        "questions_total": ds.n_total,
        "invalid_questions": invalid,
        "documents": len(ds.docs),
        "index": index_info,
        "question_encoding_seconds": round(enc_s, 2),
        "configs": results,
        "pytrec_eval_check": check,
        "anchors": ANCHORS.get(ds.key) if ds.split != "train" else None,
    }


# --------------------------------------------------------------------------- output


def table(entry: dict[str, Any]) -> str:
    ds = entry["dataset"]
    cols = ["ndcg@10", "recall@100", "mrr@10"] if ds == "scifact" else ["r@1", "r@5", "mrr@10", "answer_sentence"]
    heads = {"ndcg@10": "nDCG@10", "recall@100": "Recall@100", "mrr@10": "MRR@10", "r@1": "R@1",
             "r@5": "R@5", "answer_sentence": "answer-sentence acc."}
    n, total = entry["questions"], entry["questions_total"]
    title = f"{ds} {entry['split']}: {n} questions" + (f" (seeded sample of {total})" if n < total else "")
    lines = [f"### {title}", "",
             "| system | " + " | ".join(heads[c] for c in cols) + " | s (ms/q) |",
             "|---|" + "---:|" * len(cols) + "---:|"]
    for a in entry.get("anchors") or []:
        cells = [f"{a[c]:.4f}" if c in a else "–" for c in cols]
        pub = f" [published {a['published']}]" if a.get("published") else ""
        lines.append(f"| anchor: {a['name']}{pub} | " + " | ".join(cells) + " | |")
    for name, r in entry["configs"].items():
        cells = [f"**{r['metrics'][c]:.4f}** ±{r['ci95'][c]:.3f}" if name == "ours" and c in r["metrics"]
                 else (f"{r['metrics'][c]:.4f} ±{r['ci95'][c]:.3f}" if c in r["metrics"] else "–") for c in cols]
        t = f"{r['seconds']:.1f}" + (f" ({r['ms_per_question']:.1f})" if "ms_per_question" in r else "")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {t} |")
    idx = entry["index"]
    lines += ["", f"Index: {idx['counts']['documents']} documents, {idx['counts']['passages']} passages, "
              f"{idx['counts']['sentences']} sentences; {_build_note(idx)}. Question encoding "
              f"{entry['question_encoding_seconds']:.1f} s (once, shared by all configs; not in the per-config times). "
              "± is the 95% CI half-width over questions."]
    chk = entry["pytrec_eval_check"]
    lines.append(f"pytrec_eval check: max |ours - pytrec_eval| = {chk['max_abs_diff']:.2g} over "
                 f"{', '.join(chk['measures'])}" if chk.get("available") else f"pytrec_eval check: {chk.get('note')}")
    return "\n".join(lines)


def _build_note(idx: dict[str, Any]) -> str:
    if not idx["built_now"]:
        return f"index loaded from the cache (its build took {idx['build_seconds']:.0f} s)"
    v = idx.get("vectors")
    if v and v["embedded"] == 0:
        return f"index built in {idx['build_seconds']:.0f} s with every vector from the vector cache"
    if v:
        return (f"index built in {idx['build_seconds']:.0f} s, of which {v['seconds']:.0f} s embedding "
                f"{v['embedded']} of {v['texts']} texts")
    return f"index built in {idx['build_seconds']:.0f} s"


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _git() -> dict[str, Any]:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "qa"], capture_output=True, text=True, check=True).stdout.strip()
        diff = subprocess.run(["git", "-C", str(REPO), "diff", "HEAD", "--", "qa"], capture_output=True, check=True).stdout
        return {"commit": head, "qa_dirty": bool(dirty),
                "qa_diff_sha256": hashlib.sha256(diff).hexdigest()[:16] if dirty else None}
    except (OSError, subprocess.CalledProcessError):
        return {}


def write_results(path: Path, key: str, entry: dict[str, Any]) -> None:
    from qa.files import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            progress(f"warning: {path} is not valid JSON; starting it afresh")
    data.setdefault("runs", {})[key] = entry
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"benchmark data folder (default {DEFAULT_DATA})")
    ap.add_argument("--datasets", nargs="+", choices=("scifact", "squad"), default=["scifact", "squad"])
    ap.add_argument("--split", choices=("test", "train"), default="test",
                    help="SciFact qrels split: train to tune on, test to report (default test)")
    ap.add_argument("--limit", type=int, default=None, help="questions per dataset, a seeded random sample")
    ap.add_argument("--seed", type=int, default=0, help="seed of the --limit sample (default 0)")
    ap.add_argument("--configs", nargs="+", choices=ALL_CONFIGS, default=list(ALL_CONFIGS))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON, merged by run key")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="index cache folder")
    ap.add_argument("--max-tokens", type=int, default=None, help="passage size in word pieces (default: PassageParams)")
    ap.add_argument("--candidates", type=int, default=None,
                    help="candidates per retriever for every config (default: RankingParams, 100)")
    ap.add_argument("--depth", type=int, default=1000,
                    help="passages taken per question before grouping into documents (default 1000: all candidates)")
    ap.add_argument("--no-check", action="store_true", help="skip the pytrec_eval cross-check")
    args = ap.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        ap.error("--limit must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python " + " ".join(shlex.quote(a) for a in (sys.argv if argv is None else ["bench/public_benchmarks.py", *argv]))
    data = args.data.resolve()
    if not data.is_dir():
        print(f"error: benchmark data folder '{data}' does not exist. Give it with --data "
              "(it holds scifact/ and squad/, see shared/bench/README.md).", file=sys.stderr)
        return 2
    need = {"scifact": [data / "scifact" / "corpus.jsonl", data / "scifact" / "queries.jsonl",
                        data / "scifact" / "qrels" / f"{args.split}.tsv"],
            "squad": [data / "squad" / "dev-v1.1.json"]}
    for ds_name in args.datasets:
        for f in need[ds_name]:
            if not f.is_file():
                print(f"error: '{f}' is missing from the benchmark data folder '{data}'.", file=sys.stderr)
                return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="[%(asctime)s] %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    for noisy in ("sentence_transformers", "transformers", "faiss", "bm25s", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    env = sorted(k for k in os.environ if k.startswith("QA_"))
    if env or Path("qa.toml").is_file():
        progress(f"warning: settings also come from {env or ''} {'qa.toml' if Path('qa.toml').is_file() else ''}")

    from qa.config import PassageParams, Settings
    from qa.embedding.sbert import SentenceTransformerEmbedder

    passages = PassageParams() if args.max_tokens is None else PassageParams(max_tokens=args.max_tokens)
    settings = Settings(index_dir=args.cache, passages=passages)
    progress(f"loading the model ({settings.model})")
    t0 = time.perf_counter()
    embedder = SentenceTransformerEmbedder(settings.model, device=settings.device, threads=settings.threads,
                                           hash_cache=args.cache / ".model-hashes.json")
    embedder = VectorCache(embedder, args.cache)
    progress(f"model loaded in {time.perf_counter() - t0:.1f} s; {len(embedder.rows)} vectors cached")

    tables = []
    for ds_name in args.datasets:
        t_ds = time.perf_counter()
        ds = load_scifact(data, args.split) if ds_name == "scifact" else load_squad(data)
        sample(ds, args.limit, args.seed)
        entry = run_dataset(ds, args, embedder, settings)
        entry.update({
            "command": command,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "wall_seconds": round(time.perf_counter() - t_ds, 1),
            "limit": args.limit, "seed": args.seed if args.limit else None,
            "depth": args.depth, "candidates": args.candidates,
            "data": str(data), "git": _git(), "python": platform.python_version(),
            "settings": json.loads(settings.model_dump_json()),
            "torch_threads": _torch_threads(),
        })
        key = ds.key + (f"@limit{args.limit}-seed{args.seed}" if args.limit and args.limit < ds.n_total else "")
        key += "" if args.candidates is None else f"@cand{args.candidates}"
        key += "" if args.max_tokens is None else f"@p{args.max_tokens}"
        write_results(args.out, key, entry)
        t = table(entry)
        tables.append(t)
        print(t + f"\n\nWall time {entry['wall_seconds']:.0f} s. Results: {args.out} [{key}]\n", flush=True)
    return 0


def _torch_threads() -> int | None:
    try:
        import torch

        return int(torch.get_num_threads())
    except ImportError:
        return None


if __name__ == "__main__":
    sys.exit(main())
