"""Cleaning: the original text → the text that is compared.

Small pure functions, composed by :func:`compare_text`: Unicode NFKC and case folding, Arabic
normalisation, wire furniture that outlets add or drop (datelines, agency credits, bylines,
``UPDATE 2``/``CORRECTED``/``REFILE`` tags, "Read more" tails, app banners), and page boilerplate
learnt from the corpus itself by :class:`BoilerplateLearner`. The original text is never changed.
Every function is idempotent: cleaning cleaned text changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = [
    "normalize_unicode", "normalize_arabic", "strip_furniture", "drop_title_lines", "to_tokens",
    "fact_text", "BoilerplateLearner", "CleanCorpus", "clean_corpus",
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

# Whole lines that are furniture, never story text.
_FURNITURE_LINES = re.compile(
    r"^[ \t]*(?:"
    r"\(?(?:(?:additional )?reporting|writing|editing|compiled|translated) by\b[^\n]{0,200}"
    r"|(?:staff|special)[ \t]+(?:writer|correspondent|reporter)s?"
    r"|(?:the[ \t]+)?associated[ \t]+press"
    r"|[-\u2013\u2014(]*[ \t]*(?:" + _AGENCIES + r")[ \t]*\)?[ \t.]*"  # a lone agency credit
    r"|source:[ \t]*[^\n]{0,60}"
    r"|(?:\u00a9|copyright\b|\(c\)[ \t])[^\n]{0,300}"
    r"|[^\n]{0,200}all rights reserved[^\n]{0,200}"
    r"|(?:read more|continue reading|click here|read the full (?:story|article)|related:|see also:"
    r"|sign up\b|subscribe\b|follow us\b|share this\b)[^\n]{0,200}"
    r"|(?:advertisement|related articles?|related stories|related|comments|no comments yet\W*"
    r"|recommended|most read|trending|share|print|email)[ \t]*"
    r"|[^\n]{0,120}\bdownload\b[^\n]{0,120}\bapps?\b[^\n]{0,120}"   # app banners
    r"|app[- ]?store[ \t]*(?:and[ \t]*)?(?:google[ \t]*)?play[- ]?store"
    r"|(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?[ \t]*)?"      # a date alone on a line
    r"(?:\d{1,2}(?:st|nd|rd|th)?[ \t]+[A-Z][a-z]{2,8}\.?|[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?),?"
    r"[ \t]*\d{4}(?:[ \t]*,?[ \t]*\d{1,2}:\d{2}[^\n]{0,20})?"
    r")[ \t]*$",
    re.MULTILINE | re.IGNORECASE)
# "By Reuters", "By JOHN SMITH, Associated Press": case matters, so not in the pattern above.
_BYLINE = re.compile(
    r"[ \t]*By[ \t]+[A-Z][\w.'\u2019-]*(?:[ \t]+(?:[A-Z][\w.'\u2019-]*|and|&|de|van|von|al|bin))"
    r"{0,6}(?:[ \t]*,[^\n]{0,60})?[ \t]*")

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, tatweel
_ARABIC_LETTERS = str.maketrans({
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # alef forms
    "\u0649": "\u064a",                                                              # alef maksura → yaa
    "\u0629": "\u0647",                                                              # taa marbuta → haa
    **{chr(0x0660 + d): str(d) for d in range(10)},                                  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},                                  # Persian digits
})
_NON_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A capitalised word after a lowercase word: a name, not the start of a sentence.
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][\w'\u2019-]+")


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
    lines = [line for line in _TAGS.sub("", text).split("\n") if not _is_furniture(line)]
    head = "\n".join(lines[:_DATELINE_LINES])
    head = _DATELINE_PLACE.sub("", _DATELINE_AGENCY.sub("", head))
    return "\n".join(head.split("\n") + lines[_DATELINE_LINES:]).strip("\n")


def _is_furniture(line: str) -> bool:
    return _FURNITURE_LINES.fullmatch(line) is not None or _BYLINE.fullmatch(line) is not None


def to_tokens(text: str) -> str:
    """NFKC, case folding, Arabic normalisation, punctuation → single spaces.

    The result is the words of the text separated by single spaces: what sketches and scores see.
    """
    text = normalize_arabic(normalize_unicode(text).casefold())
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


def fact_text(text: str) -> str:
    """The facts a templated story changes from one issue to the next: numbers and names.

    Takes furniture-stripped text; returns the facts in the token form of :func:`to_tokens`, so
    they hash like any other word.
    """
    numbers = [n.replace(",", "") for n in _NUMBER.findall(text)]
    return to_tokens(" ".join(numbers + _NAME.findall(text)))


def _line_key(line: str) -> str:
    return " ".join(line.casefold().split())


class BoilerplateLearner:
    """Learns page boilerplate from a corpus: lines found in many articles of different stories.

    A line is boilerplate when at least ``min_docs`` articles hold it and those articles are not
    copies of one story: in a sample of them, most share less than half of their other text.
    Lines longer than ``max_chars`` are taken for story text and never learnt.

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
            for key in {key for key, size in lines if size <= self.max_chars}:
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
    facts: list[str]
    """The numbers and names of each text, in the same form."""
    boilerplate: BoilerplateLearner
    """The page boilerplate learnt from this corpus."""


def clean_corpus(texts: Sequence[str], titles: Sequence[str | None], boilerplate_min_docs: int = 4) -> CleanCorpus:
    """Clean a corpus: furniture and repeated headlines out, boilerplate learnt and removed."""
    stripped = [drop_title_lines(strip_furniture(normalize_unicode(text)), title)
                for text, title in zip(texts, titles)]
    learner = BoilerplateLearner(min_docs=boilerplate_min_docs).fit(stripped)
    if len(learner):
        stripped = [learner.strip(text) for text in stripped]
    return CleanCorpus([to_tokens(t) for t in stripped], [fact_text(t) for t in stripped], learner)
