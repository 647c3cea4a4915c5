"""Cleaning: the original text → the text that is compared.

Small pure functions, composed by :func:`compare_text`: Unicode NFKC and case folding, Arabic
normalisation, wire furniture that outlets add or drop (datelines, agency credits, bylines,
``UPDATE 2``/``CORRECTED``/``REFILE`` tags, "Read more" tails, app banners), and page boilerplate
learnt from the corpus itself by :class:`BoilerplateLearner`. The original text is never changed.
Every function is idempotent: cleaning cleaned text changes nothing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = [
    "normalize_unicode", "normalize_arabic", "strip_furniture", "drop_title_lines", "join_wrapped_lines",
    "to_tokens",
    "facts", "BoilerplateLearner", "CleanCorpus", "clean_corpus",
]

_AGENCIES = r"WAM|Reuters|REUTERS|AP|AFP|dpa|DPA|ANI|PTI|IANS|UPI|Xinhua|XINHUA|SPA|KUNA|QNA|BNA|ONA|MENA|IRNA|Bernama|AAP|Kyodo|Yonhap|TASS|EFE|ANSA"
_DASH = r"(?:--?|\u2013|\u2014|:)"

# "ABU DHABI, 14th June, 2025 (WAM) --", "LONDON, July 15 (Reuters) -", "Dubai (AFP) -"
_DATELINE_AGENCY = re.compile(
    rf"^[ \t]*[^\n()]{{0,60}}?\((?:{_AGENCIES}|[A-Z]{{2,6}})\)[ \t]*{_DASH}[ \t]*", re.MULTILINE)
# "SALVADOR, Feb 26 -", "NEW YORK -", "TURNBERRY/GLASGOW, Scotland —": a capitalised place first.
_DATELINE_PLACE = re.compile(
    rf"^[ \t]*[A-Z][A-Z.'\u2019/& -]{{1,40}}[A-Z.](?:,[ \t]*[A-Za-z0-9 .,]{{1,30}}?)?[ \t]+{_DASH}[ \t]+"
    "(?=[A-Z\"\u201c'\u2018])", re.MULTILINE)
# Datelines open a story: only the first few lines are looked at.
_DATELINE_LINES = 6
_TAGS = re.compile(
    r"^(?:[ \t]*(?:(?:UPDATE|WRAPUP)[ \t]*\d*|CORRECTED|REFILE|RPT|REPEAT|FOCUS|EXCLUSIVE|BREAKINGVIEWS)"
    r"[ \t]*[-:\u2013\u2014][ \t]*)+", re.MULTILINE)

# Whole lines that are furniture, never story text; removed from the whole text in one pass. The
# pattern starts with a newline (one is put before the text) rather than "^": a literal first
# character lets the regex engine skip from line to line instead of trying every position.
_FURNITURE_LINES = re.compile(
    r"\n[ \t]*(?:(?i:"
    r"\(?(?:(?:additional )?reporting|writing|editing|compiled|translated) by\b[^\n]{0,200}"
    r"|(?:staff|special)[ \t]+(?:writer|correspondent|reporter)s?"
    r"|(?:the[ \t]+)?associated[ \t]+press"
    r"|source:[ \t]*[^\n]{0,60}"
    r"|(?:\u00a9|copyright\b|\(c\)[ \t])[^\n]{0,300}"
    r"|(?:read more|continue reading|click here|read the full (?:story|article)|related:|see also:"
    r"|sign up\b|subscribe\b|follow us\b|share this\b)[^\n]{0,200}"
    r"|(?:advertisement|related articles?|related stories|related|comments|no comments yet\W*"
    r"|recommended|most read|trending|share|print|email)"
    r"|app[- ]?store[ \t]*(?:and[ \t]*)?(?:google[ \t]*)?play[- ]?store"
    # Case matters from here on: names and months are capitalised, and matching them exactly is
    # much cheaper than trying every case.
    r")|(?:[-\u2013\u2014(][-\u2013\u2014( \t]*)?(?:" + _AGENCIES + r")[ \t]*\)?[ \t.]*"  # a lone credit
    r"|(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?[ \t]*)?"      # a date alone on a line
    r"(?:\d{1,2}(?:st|nd|rd|th)?[ \t]+[A-Z][a-z]{2,8}\.?|[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?),?"
    r"[ \t]*\d{4}(?:[ \t]*,?[ \t]*\d{1,2}:\d{2}[^\n]{0,20})?"
    # "By Reuters", "By JOHN SMITH, Associated Press": a capital after "By".
    r"|By[ \t]+[A-Z][\w.'\u2019-]*(?:[ \t]+(?:[A-Z][\w.'\u2019-]*|and|&|de|van|von|al|bin)){0,6}"
    r"(?:[ \t]*,[^\n]{0,60})?"
    r")[ \t]*(?=\n|\Z)")
# Furniture recognised by a phrase anywhere in a short line: rights notices and app banners. The
# phrase is looked for in the whole text first, which is cheap, and lines only where it occurs.
_PHRASE = re.compile(r"all rights reserved|\bdownload", re.IGNORECASE)
_PHRASE_LINES = re.compile(
    r"\n[^\n]{0,200}?(?:all rights reserved|\bdownload\b[^\n]{0,120}?\bapps?\b)[^\n]{0,200}(?=\n|\Z)",
    re.IGNORECASE)

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, tatweel
_ARABIC_LETTERS = str.maketrans({
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # alef forms
    "\u0649": "\u064a",                                                              # alef maksura → yaa
    "\u0629": "\u0647",                                                              # taa marbuta → haa
    **{chr(0x0660 + d): str(d) for d in range(10)},                                  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},                                  # Persian digits
})
_NON_WORD = re.compile(r"[\W_]+")
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[.,/-](?=\d)")  # "1.75", "6,200", "7-3/4" stay one word
# A figure as one token: "6,200", "84.3", "7-3/4" (a Reuters fraction), "2025-06-14".
_NUMBER = re.compile(r"\d+(?:[.,/-]\d+)*")
_NOT_DIGIT = re.compile(r"\D+")
_FIGURE_TOKEN = re.compile(r"\S*\d\S*")
# House styles spell small numbers out or not ("twenty years", "20 years"): both are one figure.
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({word: str(10 * tens) for tens, word in enumerate(
    "thirty forty fifty sixty seventy eighty ninety".split(), start=3)})
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b")
_NAME_NOISE = frozenset("corp corporation inc incorporated ltd limited plc llc company the".split())
# Runs of capitalised words, and what comes before them: a lone capitalised word that opens a
# sentence ("Revenue was ...") is no name; a run there ("Northern Trust Corp said") is.
_NAMES = re.compile(r"(^|[.!?]\s+|\s)([A-Z][\w'\u2019-]*(?:[ \t][A-Z][\w'\u2019-]*)*)", re.MULTILINE)

def normalize_unicode(text: str) -> str:
    """NFKC: one code point sequence for what looks the same (ligatures, full-width forms)."""
    return unicodedata.normalize("NFKC", text)


def normalize_arabic(text: str) -> str:
    """Strip harakat and tatweel; unify alef, alef maksura and taa marbuta; Western digits.

    >>> normalize_arabic("\u0625\u0650\u0645\u064e\u0627\u0631\u064e\u0627\u062a \u0661\u0662") == "\u0627\u0645\u0627\u0631\u0627\u062a 12"
    True
    """
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)


def strip_furniture(text: str) -> str:
    """Remove wire furniture: tags, datelines, credits, bylines, tails and banners.

    >>> strip_furniture("UPDATE 2-Oil rises\\nLONDON, July 15 (Reuters) - Oil rose.\\nRead more: x")
    'Oil rises\\nOil rose.'
    """
    # Removing one piece can expose another (a dateline behind a byline, a tag behind a tag):
    # repeat until nothing changes, so that cleaning cleaned text changes nothing. Each pass
    # only deletes, so this ends.
    while True:
        stripped = _strip_once(text)
        if stripped == text:
            return text
        text = stripped


def _strip_once(text: str) -> str:
    text = _FURNITURE_LINES.sub("", "\n" + _TAGS.sub("", text))
    if _PHRASE.search(text):
        text = _PHRASE_LINES.sub("", text)
    text = text[1:] if text.startswith("\n") else text
    split = -1
    for _ in range(_DATELINE_LINES):
        split = text.find("\n", split + 1)
        if split < 0:
            split = len(text)
            break
    head = _DATELINE_PLACE.sub("", _DATELINE_AGENCY.sub("", text[:split]))
    return (head + text[split:]).strip("\n")


def to_tokens(text: str) -> str:
    """NFKC, case folding, Arabic normalisation, punctuation → single spaces; a figure stays one
    word ("1.75" → "175") and a small number spelt out becomes one ("twenty" → "20"), as
    :func:`facts` gives them.

    The result is the words of the text separated by single spaces: what sketches and scores see.
    """
    text = _DIGIT_SEPARATOR.sub("", normalize_arabic(normalize_unicode(text).casefold()))
    text = _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(0)], text)
    return _NON_WORD.sub(" ", text).strip()


def drop_title_lines(text: str, title: str | None) -> str:
    """Remove lines that repeat the headline: scraped pages print it above the body, often twice.

    >>> drop_title_lines("Rain in Dubai\\nIt rained.\\n  rain in DUBAI ", "Rain in Dubai")
    'It rained.'
    """
    if not title or not title.strip():
        return text
    key = _line_key(normalize_unicode(title))
    return "\n".join(line for line in text.split("\n") if _line_key(line) != key)


_SOFT_BREAK = re.compile(r"(?<=[^\s.!?:;\"\u201d\u2019')\]])\n(?=\S)|\n(?=[a-z])")


def join_wrapped_lines(text: str) -> str:
    """Undo hard wrapping: a line break inside a sentence becomes a space, so lines are paragraphs.

    A break is soft when the line does not end a sentence, or the next line starts in lower case;
    a blank line or an indented line always starts a new paragraph.

    >>> join_wrapped_lines("Showers continued in\\nthe cocoa zone.\\n    The dry period ends.\\nNext.")
    'Showers continued in the cocoa zone.\\n    The dry period ends.\\nNext.'
    """
    return _SOFT_BREAK.sub(" ", text)


def facts(text: str) -> tuple[str, str]:
    """The facts a templated story changes from one issue to the next: its figures, and its names.

    Takes furniture-stripped text; returns ``(figures, names)``, each in the token form of
    :func:`to_tokens`, so they hash like any other word.
    """
    figures = [_NOT_DIGIT.sub("", n) for n in _NUMBER.findall(text)]
    figures += [_NUMBER_WORDS[w] for w in _NUMBER_WORD.findall(text.casefold())]
    names = [run for before, run in _NAMES.findall(text) if " " in run or before.isspace() and before]
    # House styles spell out or cut legal suffixes and initials ("Corp", "Incorporated", "U.S.");
    # they say nothing about which company or place a story is about.
    names = [word for word in to_tokens(" ".join(names)).split() if len(word) > 2 and word not in _NAME_NOISE]
    return to_tokens(" ".join(figures)), " ".join(names)


def _figure_line(key: str) -> bool:
    """One word in five or more is a figure: a line of data, not of furniture."""
    return 5 * len(_FIGURE_TOKEN.findall(key)) >= len(key.split())


def _line_key(line: str) -> str:
    return " ".join(line.casefold().split())


class BoilerplateLearner:
    """Learns page boilerplate from a corpus: lines found in many articles of different stories.

    A line is boilerplate when at least ``min_docs`` articles hold it and those articles are not
    copies of one story: in a sample of them, most share less than half of their other text.
    Lines longer than ``max_chars`` are taken for story text and never learnt; nor are lines
    dense with figures, which is where templated stories differ ("Pay April 15", "Shr 42 cts vs
    35 cts"), unlike a footer that carries a year.

    Parameters
    ----------
    min_docs:
        How many articles must hold a line before it can be boilerplate.
    max_chars:
        Longest line that can be boilerplate.
    sample:
        How many of a line's articles are compared to tell boilerplate from a syndicated paragraph.

    Examples
    --------
    >>> pages = [f"Story {i} is about topic {i}.\\nDOWNLOAD THE APP" for i in range(5)]
    >>> learner = BoilerplateLearner(min_docs=3).fit(pages)
    >>> learner.strip(pages[0])
    'Story 0 is about topic 0.'
    """

    def __init__(self, min_docs: int = 4, max_chars: int = 300, sample: int = 8) -> None:
        self.min_docs = min_docs
        self.max_chars = max_chars
        self.sample = sample

    def fit(self, texts: Sequence[str]) -> "BoilerplateLearner":
        """Learn the boilerplate lines of ``texts`` (furniture-stripped texts work best)."""
        docs = [[(_line_key(line), len(line)) for line in text.split("\n") if line.strip()]
                for text in texts]
        holders: dict[str, list[int]] = defaultdict(list)
        for index, lines in enumerate(docs):
            for key in {key for key, size in lines if size <= self.max_chars and not _figure_line(key)}:
                holders[key].append(index)
        self.lines_ = frozenset(
            key for key, where in holders.items()
            if len(where) >= self.min_docs and self._spans_stories(key, where, docs))
        return self

    def _spans_stories(self, key: str, where: list[int], docs: list[list[tuple[str, int]]]) -> bool:
        sample = [docs[i] for i in where[: self.sample]]
        counts = Counter(k for lines in sample for k in {k for k, _ in lines})
        unshared = 0
        for lines in sample:
            total = sum(size for k, size in lines if k != key)
            shared = sum(size for k, size in lines if k != key and counts[k] >= 2)
            unshared += shared < 0.5 * total
        return 2 * unshared > len(sample)

    def strip(self, text: str) -> str:
        """``text`` without its learnt boilerplate lines (call :meth:`fit` first)."""
        return "\n".join(line for line in text.split("\n") if _line_key(line) not in self.lines_)

    def __len__(self) -> int:
        """How many lines were learnt."""
        return len(self.lines_)


@dataclass(frozen=True)
class CleanCorpus:
    """What cleaning gives the later stages, one entry per article."""

    texts: list[str]
    """The compared texts: words separated by single spaces."""
    figures: list[str]
    """The figures of each text, in the same form."""
    names: list[str]
    """The names of each text, in the same form."""
    fingerprints: np.ndarray
    """A 64-bit hash of each text's words before learnt boilerplate was removed: two texts with
    the same fingerprint are word for word the same, however much of them is boilerplate."""
    boilerplate: BoilerplateLearner
    """The page boilerplate learnt from this corpus."""


def clean_corpus(texts: Sequence[str], titles: Sequence[str | None], boilerplate_min_docs: int = 4) -> CleanCorpus:
    """Clean a corpus: furniture and repeated headlines out, boilerplate learnt and removed."""
    stripped = [join_wrapped_lines(drop_title_lines(strip_furniture(normalize_unicode(text)), title))
                for text, title in zip(texts, titles)]
    learner = BoilerplateLearner(min_docs=boilerplate_min_docs).fit(stripped)
    fingerprints = np.fromiter((_fingerprint(to_tokens(t)) for t in stripped), dtype=np.uint64, count=len(stripped))
    if len(learner):
        stripped = [learner.strip(text) for text in stripped]
    figures, names = zip(*map(facts, stripped)) if stripped else ((), ())
    return CleanCorpus([to_tokens(t) for t in stripped], list(figures), list(names), fingerprints, learner)


def _fingerprint(tokens: str) -> int:
    return int.from_bytes(hashlib.blake2b(tokens.encode("utf-8"), digest_size=8).digest(), "little")
