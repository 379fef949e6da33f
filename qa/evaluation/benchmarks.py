"""Standard retrieval benchmarks through ``qa eval``: a BEIR folder or a SQuAD JSON file.

- BEIR layout: ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl`` (``_id``,
  ``text``), ``qrels/<split>.tsv`` (query-id, corpus-id, score; a header line is allowed).
  Scored per question on the ranked documents: nDCG@10, Recall@100, MRR@10.
- SQuAD v1.1 JSON: every paragraph is a document; a question's relevant document is its own
  paragraph. Scored: paragraph R@1, R@5, MRR@10, and answer-sentence accuracy (the top
  passage's highlighted sentence holds a gold answer string).

A document's rank is that of its best passage (the engine ranks passages). The corpus is
indexed once under ``<index_dir>/bench-<name>-<hash>``; a later run with the same documents,
model and passage settings loads that index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import QuestionFileError

logger = logging.getLogger(__name__)

__all__ = ["Benchmark", "benchmark_kind", "doc_rankings", "load_beir", "load_squad", "run_benchmark", "sample"]

SEED = 13
DEPTH = 1000  # passages searched per question before they are folded into documents


@dataclass
class Benchmark:
    name: str
    split: str
    docs: list[tuple[str, str, str]]  # (doc_id, title, text)
    questions: list[tuple[str, str]]  # (qid, text), file order
    qrels: dict[str, dict[str, int]]  # qid -> {doc_id: grade > 0}
    answers: dict[str, list[str]] = field(default_factory=dict)  # SQuAD gold answers


def benchmark_kind(path: Path) -> str | None:
    """'beir', 'squad', or None for a question file."""
    if path.is_dir():
        if (path / "corpus.jsonl").is_file() and (path / "queries.jsonl").is_file():
            return "beir"
        raise QuestionFileError(
            f"'{path}' is a folder but not a BEIR one: it needs corpus.jsonl, queries.jsonl and qrels/<split>.tsv."
        )
    if path.suffix.lower() == ".json" and path.is_file():
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
        if re.match(r'\s*\{\s*"(data|version)"', head):
            return "squad"
    return None


def _jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise QuestionFileError(f"'{path}' line {no}: not valid JSON ({exc.msg}).") from exc
    return out


def load_beir(folder: Path, split: str = "test") -> Benchmark:
    qrels_file = folder / "qrels" / f"{split}.tsv"
    if not qrels_file.is_file():
        have = sorted(p.stem for p in (folder / "qrels").glob("*.tsv")) if (folder / "qrels").is_dir() else []
        raise QuestionFileError(f"'{qrels_file}' does not exist. Splits here: {', '.join(have) or 'none'}.")
    docs = [(str(d["_id"]), d.get("title") or "", d.get("text") or "") for d in _jsonl(folder / "corpus.jsonl")]
    qrels: dict[str, dict[str, int]] = {}
    lines = qrels_file.read_text(encoding="utf-8").splitlines()
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if no == 1 and not parts[-1].strip().lstrip("-").isdigit():
            continue  # header: query-id corpus-id score
        if len(parts) < 3:
            raise QuestionFileError(f"'{qrels_file}' line {no}: expected query-id, corpus-id and score.")
        qid, did, score = parts[0].strip(), parts[1].strip(), int(parts[2])
        if score > 0:
            qrels.setdefault(qid, {})[did] = score
    questions = [(str(q["_id"]), q["text"]) for q in _jsonl(folder / "queries.jsonl") if str(q["_id"]) in qrels]
    missing = set(qrels) - {qid for qid, _ in questions}
    if missing:
        raise QuestionFileError(f"{len(missing)} qrels queries are not in queries.jsonl, e.g. {sorted(missing)[:3]}.")
    return Benchmark(folder.name, split, docs, questions, qrels)


def load_squad(path: Path) -> Benchmark:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        articles = data["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise QuestionFileError(f"'{path}' is not a SQuAD file: {exc}.") from exc
    docs, questions, qrels, answers = [], [], {}, {}
    for article in articles:
        for i, para in enumerate(article["paragraphs"]):
            doc_id = f"{article['title']}-{i}"
            docs.append((doc_id, "", para["context"]))
            for qa in para["qas"]:
                questions.append((qa["id"], qa["question"]))
                qrels[qa["id"]] = {doc_id: 1}
                answers[qa["id"]] = [a["text"] for a in qa["answers"]]
    return Benchmark(path.stem, "dev", docs, questions, qrels, answers)


def sample(bench: Benchmark, limit: int | None, seed: int = SEED) -> None:
    """Keep ``limit`` questions drawn at random (seeded), in file order."""
    if limit is None or limit >= len(bench.questions):
        return
    keep = set(random.Random(seed).sample(range(len(bench.questions)), limit))
    bench.questions = [q for i, q in enumerate(bench.questions) if i in keep]


def doc_rankings(engine: Any, texts: list[str], *, depth: int = DEPTH, n_docs: int = 100,
                 on_progress: Callable[[int, int], None] | None = None) -> list[list[str]]:
    """Top ``n_docs`` documents per question, each at the rank of its best passage."""
    pid2doc = {p.passage_id: p.doc_id for p in engine.index.passages}
    out: list[list[str]] = []
    bs = 256
    for b in range(0, len(texts), bs):
        for hits in engine.search(texts[b : b + bs], k=depth):
            seen: dict[str, None] = {}
            for pid, _score in hits:
                seen.setdefault(pid2doc[pid], None)
                if len(seen) >= n_docs:
                    break
            out.append(list(seen))
        if on_progress:
            on_progress(len(out), len(texts))
    return out


def _open_engine(bench: Benchmark, settings: Any, *, show_progress: bool) -> Any:
    from qa.embedding import load_embedder
    from qa.engine import Engine
    from qa.indexing import open_documents_index
    from qa.reading.records import plain_document

    docs = [plain_document(did, title, text) for did, title, text in bench.docs]
    digest = hashlib.sha256("".join(f"{d.doc_id}\0{d.sha256}\n" for d in docs).encode()).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", bench.name)[:40]
    index_path = settings.index_dir / f"bench-{slug}-{digest}"
    embedder = load_embedder(settings)  # the query path the settings choose, as in qa ask
    index, _ = open_documents_index(index_path, docs, settings, embedder=embedder, show_progress=show_progress)
    return Engine(index, embedder, settings=settings)


def list_scores(kind: str, ranked: list[str], relevant: dict[str, int]) -> dict[str, float]:
    """One question's ranked-list metrics as the benchmark reports them: nDCG@10, recall@100 and
    MRR@10 for BEIR; R@1, R@5 and MRR@10 for SQuAD."""
    from qa.evaluation.metrics import hit_at, ndcg_at, recall_at, rr_at

    if kind == "beir":
        return {"ndcg@10": ndcg_at(ranked, relevant, 10), "recall@100": recall_at(ranked, relevant, 100),
                "mrr@10": rr_at(ranked, relevant, 10)}
    return {"r@1": hit_at(ranked, relevant, 1), "r@5": hit_at(ranked, relevant, 5), "mrr@10": rr_at(ranked, relevant, 10)}


def run_benchmark(
    path: Path, kind: str, settings: Any, *, split: str = "test", limit: int | None = None,
    show_progress: bool = False, on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score the engine on a BEIR folder or a SQuAD file; return the summary."""
    from qa.evaluation.metrics import answer_hit

    bench = load_beir(path, split) if kind == "beir" else load_squad(path)
    n_all = len(bench.questions)
    sample(bench, limit)
    engine = _open_engine(bench, settings, show_progress=show_progress)
    texts = [t for _, t in bench.questions]
    qids = [q for q, _ in bench.questions]
    ranked = doc_rankings(engine, texts, n_docs=100, on_progress=on_progress)
    per_q: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        per_q.setdefault(name, []).append(value)

    for qid, docs in zip(qids, ranked, strict=True):
        for name, value in list_scores(kind, docs, bench.qrels[qid]).items():
            add(name, value)
    if kind == "squad":
        answers = engine.ask_many(texts, top_k=1, ids=qids)
        for qid, a in zip(qids, answers, strict=True):
            add("answer_sentence_accuracy", answer_hit(a.passages[0].highlight.text if a.passages else None,
                                                       bench.answers[qid]))
    summary: dict[str, Any] = {
        "benchmark": kind, "name": bench.name, "split": bench.split, "questions": len(qids),
        "questions_in_file": n_all, "documents": len(bench.docs), "passages": len(engine.index.passages),
        **engine.query_model,
    }
    summary.update({k: round(statistics.fmean(v), 4) for k, v in per_q.items()})
    return summary
