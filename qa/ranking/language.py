"""Is a question in the reading's language, and does it name what the reading never does? The English encoder (all-MiniLM-L6-v2) serves the
questions that are; the multilingual one (``qa.embedding.e5``) the others.

Short questions defeat language identifiers (lingua's low-accuracy mode calls "russia kfor
sector why no" Latin and "Qui a conçu le plan Z-4 ?" Tagalog), so the first test is the
reading itself: a question in a Latin script is taken as English when at least half of its
words are English function words or words of the reading (names, terms and misspellings of
the reading's own words included). Otherwise lingua (lingua-language-detector) names the
language; when it says English, the question stays English. A question mostly in another
script (Cyrillic, Greek, Arabic, CJK...) is foreign outright. The rule and its share were
chosen on the dev splits (bench/quality.py): no English question of them went to the
multilingual path and no foreign one to the English path.

A question on the reading's topic may ask for what the reading lacks: "What role did Martti
Ahtisaari play?" of a text that never names him. Its passages still score well (Kosovo,
negotiations), so the score alone answers it. :meth:`LanguageGuide.absent_terms` finds the
names (capitalised words past the first) and numbers of a question that occur nowhere in the
reading or its notes, nor anything close (a misspelt name of the reading still counts as
present); the engine then says the text does not answer, naming them.
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

from qa.reading.words import common_words

__all__ = ["ENGLISH_SHARE", "LanguageGuide"]

ENGLISH_SHARE = 0.5
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_QUESTION_WORDS = frozenset(
    "what who whom whose which when where why how did does do is are was were can could would should "
    "has have had said say says tell explain describe according author text essay".split()
)
# a number of two digits or more, its thousands grouped or not ("1,000" and "1000" are one number)
_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[,\u00a0\u202f]\d{3})+|\d{2,})(?![\w]|[.,]\d)")

_NAME_LIKE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)  # "EU-related": two words
NEAR = 0.8  # difflib ratio above which a word counts as a misspelling of the reading's word
_detector: Any = None
_detector_lock = threading.Lock()


def _numbers(text: str) -> list[str]:
    return [re.sub(r"[,\u00a0\u202f]", "", n) for n in _NUMBER.findall(text)]


def _fold(word: str) -> str:
    if word.isascii():  # most words of an English reading: casefold is lower, nothing to strip
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _latin(ch: str) -> bool:
    return "LATIN" in unicodedata.name(ch, "")


class LanguageGuide:
    """Tells, for a question, whether it is in the reading's language (English), from the
    reading's vocabulary ``texts`` and, when that is not enough, lingua."""

    def __init__(self, texts: Iterable[str]) -> None:
        import bm25s.stopwords

        texts = list(texts)
        raw: set[str] = set()
        for t in texts:  # each distinct word folded once (a hundred readings: 460,000 words, 40,000 distinct)
            raw.update(_WORD.findall(t))
        self.vocabulary = frozenset(_fold(w) for w in raw)
        self.function_words = frozenset(bm25s.stopwords.STOPWORDS_EN) | _QUESTION_WORDS
        self._texts = texts
        self._numbers: frozenset[str] | None = None
        self._by_initial: dict[str, list[str]] | None = None
        self._romanised: frozenset[str] = frozenset()

    def foreign(self, question: str) -> str | None:
        """None for a question in English; else its language as an ISO 639-1 code, or "und"
        when it cannot be named."""
        words = _WORD.findall(question)
        letters = [ch for w in words for ch in w]
        if not letters:
            return None
        if sum(_latin(ch) for ch in letters) < len(letters) / 2:
            return _identify(question) or "und"
        folded = [_fold(w) for w in words]
        known = sum(w in self.vocabulary or w in self.function_words for w in folded)
        # a reading's own words include other languages' small ones ("la", "de", "et al."): a
        # question with more of another language's function words than English ones is asked of lingua
        if known >= ENGLISH_SHARE * len(folded) and not self._mostly_other_language(folded):
            return None
        code = _identify(question)
        return None if code == "en" else (code or "und")


    def _mostly_other_language(self, folded: list[str]) -> bool:
        """More of ``folded`` are function words of another language than of English (two at least)."""
        english = sum(w in self.function_words for w in folded)
        other = sum(w in _other_function_words() and w not in self.function_words for w in folded)
        return other >= 2 and other > english

    def absent_terms(self, question: str, *, foreign: bool = False) -> list[str]:
        """The names and numbers of ``question`` the reading never has. For a question in
        another language only numbers are checked (its names are spelt its own way)."""
        if self._numbers is None:
            nums: set[str] = set()
            for t in self._texts:
                nums.update(_numbers(t))
            self._numbers = frozenset(nums)
        out = [n for n in _numbers(question) if n not in self._numbers]
        if foreign:
            return out
        words = _NAME_LIKE.findall(question)
        for i, word in enumerate(words):
            if i == 0 or not word[0].isupper():
                continue
            folded = _fold(re.sub(r"['’]s$", "", word))
            if folded in self.vocabulary or folded in self.function_words or self._near(folded):
                continue
            # "Western", "Prior": a word of the language, no name; but one in a title the reading
            # never has ("Secretary General", "Prime Minister") names what it lacks
            # (the question's first word is capitalised as a sentence's is: no title)
            in_title = any(0 < j < len(words) and words[j][:1].isupper() for j in (i - 1, i + 1))
            if word.lower() in common_words() and not in_title:
                continue
            out.append(word)
        return out

    def _near(self, word: str) -> bool:
        """A misspelling of a word of the reading, or the same name romanised another way
        ("Yeltsin" for the reading's "Jelcin")."""
        if len(word) < 4:
            return False
        if self._by_initial is None:
            groups: dict[str, list[str]] = {}
            for w in self.vocabulary:
                groups.setdefault(w[:1], []).append(w)
            self._by_initial = groups
            self._romanised = frozenset(_romanise(w) for w in self.vocabulary)
        # a misspelling keeps its word's length, give or take two letters ("secretary" is not "secret")
        pool = [w for w in self._by_initial.get(word[:1], []) if abs(len(w) - len(word)) <= 2]
        return bool(difflib.get_close_matches(word, pool, n=1, cutoff=NEAR)) or _romanise(word) in self._romanised


# English romanisations of Slavic names against the Latin spellings of the languages themselves
# (Serbo-Croatian, Czech, Polish): one key for "Yeltsin" and "Jelcin", "Tschechow" and "Cechov"
_ROMAN = (("shch", "sc"), ("tsch", "c"), ("sch", "s"), ("tch", "c"), ("ch", "c"), ("sh", "s"), ("zh", "z"),
          ("kh", "h"), ("ts", "c"), ("tz", "c"), ("cz", "c"), ("sz", "s"), ("w", "v"), ("y", "j"), ("ck", "k"))


def _romanise(word: str) -> str:
    out = word
    for a, b in _ROMAN:
        out = out.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", out)


# Function words of Serbian, Croatian and Bosnian (Latin script; bm25s has no list for them)
_SERBIAN = frozenset(
    "je su da li se u na od za iz sa kao koji koja koje kojem kojoj sta sto zasto kako kada gde gdje ko kog "
    "ili ali i a bio bila bilo bili nije nisu ima imaju ovaj ova ovo taj ta to prema posle pre kod".split()
)


@functools.cache
def _other_function_words() -> frozenset[str]:
    """Function words of the Latin-script languages bm25s lists, and Serbian's, case-folded and
    without diacritics (as questions are compared)."""
    import bm25s.stopwords as sw

    words: set[str] = set(_SERBIAN)
    for name in ("FRENCH", "GERMAN", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH", "DANISH", "NORWEGIAN",
                 "SWEDISH", "TURKISH"):
        words.update(_fold(w) for w in getattr(sw, f"STOPWORDS_{name}", ()))
    return frozenset(words)


def _identify(text: str) -> str | None:
    """lingua's best guess (ISO 639-1), or None when lingua is not installed or has no guess."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                try:
                    from lingua import LanguageDetectorBuilder
                except ImportError:
                    _detector = False
                else:
                    _detector = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
    if _detector is False:
        return None
    lang = _detector.detect_language_of(text)
    return None if lang is None else str(lang.iso_code_639_1.name).lower()
