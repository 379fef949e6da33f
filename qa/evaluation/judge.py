"""Judging answers against gold evidence, and the summary over a question set (the ranked-list
metrics of the benchmarks are in ``qa.evaluation.metrics``).

Quotes match the way a person would judge them: case, white space, quote characters,
punctuation and diacritics do not matter, and evidence that straddles two passages counts for
a passage that holds most of it (more than half of its words, in one run; quotes of
fewer than eight words must be held whole).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence
from typing import NotRequired, TypedDict

from qa.evaluation.questions import EvalQuestion
from qa.models import Answer, AnswerPassage, Citation

__all__ = ["Verdict", "holds", "judge", "normalize_words", "summarize"]

_WORDS = re.compile(r"\w+", re.UNICODE)
MOST = 0.5
MIN_PARTIAL_WORDS = 8  # shorter quotes must be held whole


class Verdict(TypedDict):
    """One question judged: the rank of the first passage holding the evidence (None when not in
    the top k), whether the top passage's highlight holds it and the expected notes are cited
    (None when the question gives nothing to check), and what the engine answered."""

    id: str
    rank: int | None
    highlight_ok: bool | None
    citation_ok: bool | None
    answered: bool
    answerable: bool
    took_ms: float
    has_gold: NotRequired[bool]  # False: answerable but no evidence to look for (absent: True)
    top_score: NotRequired[float | None]
    highlight_words: NotRequired[int | None]  # the top passage's highlight, in words


def normalize_words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORDS.findall(plain)


def _longest_run(needle: list[str], hay: list[str]) -> int:
    """Length of the longest run of ``needle`` words found contiguously in ``hay``."""
    if not needle or not hay:
        return 0
    best = 0
    prev = [0] * (len(hay) + 1)
    for a in needle:
        cur = [0] * (len(hay) + 1)
        for j, b in enumerate(hay, start=1):
            if a == b:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


# A footnote marker copied with a quote: digits glued to the end of a word or punctuation
# ("autonomy.1 Wasn't", "Kosovo”5"). The answer's text has its markers removed.
_GLUED_MARKER = re.compile(r"(?<=[^\s\d])\d{1,3}(?=\s|$)")


def holds(evidence: str, text: str) -> bool:
    """True when ``text`` holds ``evidence`` (all of it, or more than half in one run), with
    footnote markers copied into the quote ignored."""
    if _holds(evidence, text):
        return True
    bare = _GLUED_MARKER.sub("", evidence)
    return bare != evidence and _holds(bare, text)


def _holds(evidence: str, text: str) -> bool:
    ev = normalize_words(evidence)
    if not ev:
        return False
    hay = normalize_words(text)
    joined_ev, joined_hay = " ".join(ev), " ".join(hay)
    if f" {joined_ev} " in f" {joined_hay} ":
        return True
    if len(ev) < MIN_PARTIAL_WORDS:
        return False
    return _longest_run(ev, hay) / len(ev) > MOST


def _passage_holds(q: EvalQuestion, p: AnswerPassage) -> tuple[bool, str | None]:
    """(holds, label of the note holding it, if it is a cited note rather than the text)."""
    for ev in q.evidence:
        if holds(ev, p.text):
            return True, None
        for c in p.citations:
            if (c.text and holds(ev, c.text)) or (c.source and holds(ev, c.source)):
                return True, c.label
    return False, None


def judge(q: EvalQuestion, answer: Answer, *, k: int = 10) -> Verdict:
    """Per-question verdict: rank of the first passage holding the evidence (None if not in the
    top k), whether the top passage's highlight holds it, whether expected notes are cited."""
    rank = None
    note_label = None
    hit_passage: AnswerPassage | None = None
    for p in answer.passages[:k]:
        ok, label = _passage_holds(q, p)
        if ok:
            rank, note_label, hit_passage = p.rank, label, p
            break
    highlight_ok = None
    if q.evidence and answer.passages:
        top = answer.passages[0]
        h = top.highlight
        if rank == 1 and note_label is not None:
            highlight_ok = any(
                m.label == note_label and h.start <= m.offset <= h.end for m in top.markers
            ) or top.passage_id.endswith(f"#note-{note_label}")
        else:
            highlight_ok = any(
                holds(ev, h.text) or (holds(h.text, ev) and len(normalize_words(h.text)) >= 4)
                for ev in q.evidence
            )
    citation_ok = None
    if q.footnotes:
        shown = hit_passage or (answer.passages[0] if answer.passages else None) or _Empty()
        cited = {c.label for c in shown.citations} | {c.refers_to for c in shown.citations if c.refers_to}
        citation_ok = set(q.footnotes) <= cited
    return Verdict(
        id=q.id,
        rank=rank,
        highlight_ok=highlight_ok,
        citation_ok=citation_ok,
        answered=answer.answered,
        answerable=q.answerable,
        has_gold=bool(q.evidence),
        top_score=answer.passages[0].score if answer.passages else None,
        highlight_words=len(normalize_words(answer.passages[0].highlight.text)) if answer.passages else None,
        took_ms=answer.took_ms,
    )


class _Empty:
    citations: list[Citation] = []


def summarize(verdicts: Sequence[Verdict]) -> dict[str, float | int | None]:
    """hit@1/3/5, MRR@10, highlight accuracy (of all answerable questions, and of those whose
    evidence is first), the highlight's median length in words, citation accuracy, answered
    rates, latency."""
    gold = [v for v in verdicts if v["answerable"]]
    unans = [v for v in verdicts if not v["answerable"]]

    def rate(vals: list[bool]) -> float | None:
        return round(sum(vals) / len(vals), 4) if vals else None

    ranks = [v["rank"] for v in gold if v.get("has_gold", True)]  # questions with evidence to look for
    out: dict[str, float | int | None] = {
        "questions": len(verdicts),
        "answerable": len(gold),
        "unanswerable": len(unans),
    }
    out["with_evidence"] = len(ranks)
    for k in (1, 3, 5):
        out[f"hit@{k}"] = rate([r is not None and r <= k for r in ranks])
    out["mrr@10"] = (
        round(sum(1.0 / r for r in ranks if r is not None and r <= 10) / len(ranks), 4)
        if ranks else None
    )
    out["highlight_accuracy"] = rate([bool(v["highlight_ok"]) for v in gold if v["highlight_ok"] is not None])
    # the measure: of the questions whose evidence is ranked first, the highlight holds it
    out["highlight_when_first"] = rate(
        [bool(v["highlight_ok"]) for v in gold if v["highlight_ok"] is not None and v["rank"] == 1])
    words = [w for v in gold if (w := v.get("highlight_words")) is not None]
    out["highlight_words_median"] = statistics.median(words) if words else None
    out["citation_accuracy"] = rate([bool(v["citation_ok"]) for v in gold if v["citation_ok"] is not None])
    out["answered_rate_answerable"] = rate([bool(v["answered"]) for v in gold])
    out["answered_rate_unanswerable"] = rate([bool(v["answered"]) for v in unans])
    lat = sorted(v["took_ms"] for v in verdicts)
    if lat:
        out["latency_p50_ms"] = round(statistics.median(lat), 2)
        out["latency_p95_ms"] = round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2)
    return out
