"""Cleaning: the original text → the text that is compared.

Small pure functions, composed by :func:`clean_corpus`: Unicode NFKC, wire furniture that
outlets add or drop (datelines, agency credits, bylines, ``UPDATE 2``/``CORRECTED``/``REFILE``
tags, "Read more" tails, app banners), repeated headlines, hard-wrapped lines, and page
boilerplate learnt from the corpus itself by :class:`BoilerplateLearner`; then the words are
hashed by :func:`dedupe.tokens.tokenize`. The original text is never changed. Every function is
idempotent: cleaning cleaned text changes nothing.
"""

from __future__ import annotations

import multiprocessing
import re
import signal
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import numpy as np

from .config import DEFAULTS

from .agencies import AGENCY_PATTERN, credited_agency
from .boilerplate import BoilerplateLearner, line_key
from .headline import TextOffers, text_offers
from .page_junk import strip_page_junk_counted
from .site_profile import SiteProfile
from .tokens import Tokens, tokenize_lines

__all__ = [
    "normalize_unicode", "strip_furniture", "drop_title_lines", "join_wrapped_lines", "hard_wrapped",
    "clean_article", "BoilerplateLearner", "CleanCorpus", "CleaningPool", "Stripped", "clean_corpus", "strip_pages",
]

_DASH = r"(?:--?|\u2013|\u2014|:)"

# "ABU DHABI, 14th June, 2025 (WAM) --", "LONDON, July 15 (Reuters) -", "Dubai (AFP) -"
_DATELINE_AGENCY = re.compile(
    rf"\n[ \t]*[^\n()]{{0,60}}?\((?:{AGENCY_PATTERN}|[A-Z]{{2,6}})\)[ \t]*{_DASH}[ \t]*")
# "SALVADOR, Feb 26 -", "NEW YORK -", "TURNBERRY/GLASGOW, Scotland —": a capitalised place first.
_DATELINE_PLACE = re.compile(
    rf"\n[ \t]*[A-Z][A-Z.'\u2019/& -]{{1,40}}[A-Z.](?:,[ \t]*[A-Za-z0-9 .,]{{1,30}}?)?[ \t]+{_DASH}[ \t]+"
    "(?=[A-Z\"\u201c'\u2018])")
# Datelines open a story: only the first few lines are looked at, each after a newline (one is
# put before the text), which the regex engine finds fast.
_DATELINE_LINES = 6
# Tags at the start of a line; read after a newline (one is put before the text), which the regex
# engine finds fast, as for the furniture lines below.
_TAGS = re.compile(
    r"\n(?:[ \t]*(?:(?:UPDATE|WRAPUP)[ \t]*\d*|CORRECTED|REFILE|RPT|REPEAT|FOCUS|EXCLUSIVE|BREAKINGVIEWS)"
    r"[ \t]*[-:\u2013\u2014][ \t]*)+")

# Whole lines that are furniture, never story text. Each pattern starts with a newline (one is
# put before the text) rather than "^": a literal first character lets the regex engine skip from
# line to line instead of trying every position. A line goes when either pattern matches it whole.
# Phrases in any case, written in lower case: they are matched against the lower-cased text,
# which is several times faster than a case-insensitive pattern.
# Two kinds: credits, which are the story's own (the wire sends them), and the page's furniture,
# which an outlet adds (counted against a version's cleanliness: dedupe.cluster).
_CREDIT_PHRASES = (
    r"\(?(?:(?:additional )?reporting|writing|editing|compiled|translated) by\b[^\n]{0,200}"
    r"|(?:staff|special)[ \t]+(?:writer|correspondent|reporter)s?"
    r"|(?:the[ \t]+)?associated[ \t]+press"
    r"|source:[ \t]*[^\n]{0,60}")
_PAGE_PHRASES = (
    r"(?:\u00a9|copyright\b|\(c\)[ \t])[^\n]{0,300}"
    r"|(?:read more|continue reading|click here|read the full (?:story|article)|related:|see also:"
    r"|sign up\b|subscribe\b|follow us\b|share this\b)[^\n]{0,200}"
    r"|(?:advertisement|related articles?|related stories|related|comments|no comments yet\W*"
    r"|recommended|most read|trending|share|print|email)"
    r"|app[- ]?store[ \t]*(?:and[ \t]*)?(?:google[ \t]*)?play[- ]?store")
_ANY_CASE = rf"\n[ \t]*(?:(?P<credit>{_CREDIT_PHRASES})|{_PAGE_PHRASES})[ \t]*(?=\n|\Z)"
_FURNITURE_LOWER = re.compile(_ANY_CASE)
_FURNITURE_ANY_CASE = re.compile(_ANY_CASE, re.IGNORECASE)  # for the rare text that lower-cases longer
# Case matters here: names and months are capitalised.
_FURNITURE_LINES = re.compile(
    r"\n[ \t]*(?:"
    r"(?:[-\u2013\u2014(][-\u2013\u2014( \t]*)?(?:" + AGENCY_PATTERN + r")[ \t]*\)?[ \t.]*"  # a lone credit
    r"|(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?[ \t]*)?"      # a date alone on a line
    r"(?:\d{1,2}(?:st|nd|rd|th)?[ \t]+[A-Z][a-z]{2,8}\.?|[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?),?"
    r"[ \t]*\d{4}(?:[ \t]*,?[ \t]*\d{1,2}:\d{2}[^\n]{0,20})?"
    # "By Reuters", "By JOHN SMITH, Associated Press": a capital after "By".
    r"|By[ \t]+[A-Z][\w.'\u2019-]*(?:[ \t]+(?:[A-Z][\w.'\u2019-]*|and|&|de|van|von|al|bin)){0,6}"
    r"(?:[ \t]*,[^\n]{0,60})?"
    r")[ \t]*(?=\n|\Z)")
# Furniture recognised by a phrase anywhere in a short line: rights notices and app banners. The
# phrase is looked for in the whole text first, which is cheap, and lines only where it occurs.
_PHRASE_LINES = re.compile(
    r"\n[^\n]{0,200}?(?:all rights reserved|\bdownload\b[^\n]{0,120}?\bapps?\b)[^\n]{0,200}(?=\n|\Z)",
    re.IGNORECASE)

_PARALLEL_MIN = 2000  # articles: fewer are cleaned faster than processes start


# Format characters (Unicode category Cf: zero-width spaces, soft hyphens, direction marks) hide
# inside words and split them; the zero-width non-joiner is kept, Persian spells words with it.
_FORMAT = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x110000)
                                    if unicodedata.category(chr(c)) == "Cf" and c != 0x200C) + "]")


def normalize_unicode(text: str) -> str:
    """NFKC: one code point sequence for what looks the same (ligatures, full-width forms), and
    no format characters but the zero-width non-joiner.

    >>> normalize_unicode("wi\\u200bre co\\u00adpy")
    'wire copy'
    """
    text = unicodedata.normalize("NFKC", text)
    return _FORMAT.sub("", text) if not text.isascii() else text


def strip_furniture(text: str) -> str:
    """Remove wire furniture: tags, datelines, credits, bylines, tails and banners.

    >>> strip_furniture("UPDATE 2-Oil rises\\nLONDON, July 15 (Reuters) - Oil rose.\\nRead more: x")
    'Oil rises\\nOil rose.'
    """
    return _strip_furniture_counted(text)[0]


def _strip_furniture_counted(text: str) -> tuple[str, int]:
    """:func:`strip_furniture`, and how many of the lines it dropped were the page's (an outlet's
    "Advertisement", "Read more", copyright line or app banner; not the story's credits)."""
    # Removing one piece can expose another: a dateline cut from a line can leave furniture or
    # another dateline. Only datelines change a line rather than remove it, so a pass that cut
    # none leaves nothing for the next; later passes read the head alone (lines are removed
    # whole, datelines are looked for at the top), so that cleaning cleaned text changes nothing.
    text, again, page = _strip_once(text)
    text = text.rstrip("\n")
    while again:
        split = _head_end(text)
        head, _, more = _strip_once(text[:split])
        page += more
        again = head != text[:split]
        text = (head + text[split:]).strip("\n")
    return text, page


def _head_end(text: str) -> int:
    """Where the first ``_DATELINE_LINES`` lines of ``text`` end."""
    split = -1
    for _ in range(_DATELINE_LINES):
        split = text.find("\n", split + 1)
        if split < 0:
            return len(text)
    return split


def _strip_once(text: str) -> tuple[str, bool, int]:
    """One pass over ``text``; whether it cut a dateline; how many page lines it dropped."""
    text, page = _strip_any_case(_FURNITURE_LINES.sub("", _TAGS.sub("\n", "\n" + text)))
    folded = text.casefold()
    if "all rights reserved" in folded or "download" in folded:
        text, phrases = _PHRASE_LINES.subn("", text)
        page += phrases
    text = text.lstrip("\n")
    split = _head_end(text)
    head, cut = "\n" + text[:split], 0
    if "(" in head:  # an agency's credit in brackets, "(Reuters)"
        head, cut = _DATELINE_AGENCY.subn("\n", head)
    head, cut_place = _DATELINE_PLACE.subn("\n", head)
    return (head + text[split:]).lstrip("\n"), cut + cut_place > 0, page


def _strip_any_case(text: str) -> tuple[str, int]:
    """``text`` without the lines :data:`_ANY_CASE` matches in any case, and how many of them
    were the page's."""
    lowered = text.lower()
    if len(lowered) != len(text):  # positions in the lowered text would not be positions in this one
        return _drop_lines(text, _FURNITURE_ANY_CASE.finditer(text))
    return _drop_lines(text, _FURNITURE_LOWER.finditer(lowered))


def _drop_lines(text: str, lines) -> tuple[str, int]:
    """``text`` without the matched ``lines`` (each from its newline to its end), but those that go
    on with the sentence of the line before; and how many dropped were the page's (not credits)."""
    kept, at, page = [], 0, 0
    for line in lines:
        if _continues(text, line.start()):
            continue
        kept.append(text[at:line.start()])
        at = line.end()
        page += line.group("credit") is None
    return ("".join(kept) + text[at:] if kept else text), page


_WRAPPED_LINE = 50  # characters: a wire's wrapped line is longer than a button or a banner


def _continues(text: str, newline: int) -> bool:
    """Whether the line after ``text[newline]`` goes on with the sentence of the line before: a
    hard-wrapped paragraph's "subscribe, from September 1 ..." after "a warrant giving the right to"
    is story text, not a button."""
    after = text[newline + 1:newline + 2]
    if not after.islower() or newline <= 0:
        return False
    before = text[max(text.rfind("\n", 0, newline), 0):newline].strip()
    # A line of prose wrapped mid-sentence: long, and ending on a word or a comma.
    return len(before) >= _WRAPPED_LINE and (before[-1].islower() or before[-1] == ",")


def drop_title_lines(text: str, title: str | None) -> str:
    """Remove lines that repeat the headline: scraped pages print it above the body, often twice.

    >>> drop_title_lines("Rain in Dubai\\nIt rained.\\n  rain in DUBAI ", "Rain in Dubai")
    'It rained.'
    """
    if not title or not title.strip():
        return text
    key = line_key(normalize_unicode(title))
    # Cheap tests first: most bodies never print the headline, and lack one of its longer words.
    folded = text.casefold()
    if any(word not in folded for word in sorted(key.split(), key=len, reverse=True)[:3]) or key not in line_key(text):
        return text
    return "\n".join(line for line in text.split("\n") if line_key(line) != key).strip("\n")


# The newline comes first, so the regex engine jumps from one to the next.
_SOFT_BREAK = re.compile(r"\n(?:(?<=[^\s.!?:;\"\u201d\u2019')\]]\n)(?=\S)|(?=[a-z]))")


def join_wrapped_lines(text: str) -> str:
    """Undo hard wrapping: a line break inside a sentence becomes a space, so lines are paragraphs.

    A break is soft when the line does not end a sentence, or the next line starts in lower case;
    a blank line or an indented line always starts a new paragraph.

    >>> join_wrapped_lines("Showers continued in\\nthe cocoa zone.\\n    The dry period ends.\\nNext.")
    'Showers continued in the cocoa zone.\\n    The dry period ends.\\nNext.'
    """
    return _SOFT_BREAK.sub(" ", text)


class Stripped(NamedTuple):
    """What the costly, per-article part of cleaning (:func:`strip_pages`) makes of an article."""

    text: str
    """The text without page junk, furniture and repeated headlines, hard-wrapped lines joined."""
    junk_only: bool
    """Whether the page is page junk alone (:attr:`CleanCorpus.junk_only`)."""
    page_lines: int
    """How many lines of the page's own were dropped: page junk and page furniture (captions,
    buttons, "Advertisement", "Read more", copyright lines), not the story's dateline, byline or
    credits."""
    credit: int
    """The agency the text credits (:func:`dedupe.agencies.credited_agency`), 0 for none."""
    offers: TextOffers
    """What the page offers its story as a headline (:func:`dedupe.headline.text_offers`)."""


def clean_article(text: str, title: str | None, profile: SiteProfile | None = None) -> str:
    """One article's text without page junk (with ``profile``'s too), furniture and repeated
    headlines, hard-wrapped lines joined."""
    return _clean(text, title, profile.pattern() if profile else None).text


def _clean(text: str, title: str | None, site_phrases: re.Pattern[str] | None = None) -> Stripped:
    """The cleaned text, whether the page is junk alone, its page lines and its credit."""
    text = normalize_unicode(text)
    memo: dict[str, tuple[bool, bool]] = {}  # the lines judged: each round reads most of them again
    dropped = [0]  # the page's own lines, as each step drops them

    def without_junk(page: str) -> str:
        kept, count = strip_page_junk_counted(page, memo, site_phrases)
        dropped[0] += count
        return kept

    def without_furniture(page: str) -> str:
        kept, count = _strip_furniture_counted(page)
        dropped[0] += count
        return kept

    cleaned = _clean_fixed_point(text, title, without_junk, without_furniture)
    credit = credited_agency(text)
    if _has_words(cleaned):
        return Stripped(cleaned, False, dropped[0], credit, text_offers(title, text, cleaned))
    # A page that is all junk (a caption gallery, a share stub) is compared whole, and matches
    # only its identical copies (see dedupe.verify).
    whole = _clean_fixed_point(text, title, None)
    return Stripped(whole, True, 0, credit, text_offers(title, text, whole, junk_only=True))


def _has_words(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _clean_fixed_point(text: str, title: str | None, junk, furniture=strip_furniture) -> str:
    # Removing lines can make junk of what was not (a heading now followed by links), and joining
    # lines can make furniture (a dateline or a headline wrapped over two lines, datelines that
    # reach the first lines as lines become fewer): the steps run again until none changes the text.
    while (cleaned := _clean_once(text, title, junk, furniture)) != text:
        text = cleaned
    return text


def _clean_once(text: str, title: str | None, junk, furniture) -> str:
    # A web page's lines stay apart, so its junk is seen line by line; a hard-wrapped text's lines
    # are fragments of sentences ("1986.", "share."), read as lines only once joined.
    wrapped = hard_wrapped(text)
    if junk and not wrapped:
        text = junk(text)
    text = drop_title_lines(furniture(text), title)
    if wrapped:
        text = join_wrapped_lines(text)
        text = junk(text) if junk else text
    return text


_WRAP_WIDTH = 100  # characters: a text wrapped by its sender has (nearly) no longer line


def hard_wrapped(text: str) -> bool:
    """Whether ``text`` was wrapped at a fixed width (a wire feed, an e-mail): nine lines in ten
    no longer than ``_WRAP_WIDTH`` characters. A web page, one paragraph a line, has longer
    lines, and joining its short lines would glue captions and buttons onto paragraphs.

    >>> hard_wrapped("Showers continued in\\nthe cocoa zone.")
    True
    >>> hard_wrapped("Posted\\n" + "Trump met Putin in Helsinki on Monday for talks. " * 4)
    False
    """
    lengths = sorted(len(line) for line in text.split("\n") if line.strip())
    return len(lengths) >= 2 and lengths[min((9 * len(lengths)) // 10, len(lengths) - 1)] <= _WRAP_WIDTH


# A cleaning worker's texts, titles and site phrases.
_shared: tuple[Sequence[str], Sequence[str | None], re.Pattern[str] | None] = ((), (), None)


def _share(texts: Sequence[str], titles: Sequence[str | None], site_phrases: re.Pattern[str] | None) -> None:
    global _shared
    _shared = (texts, titles, site_phrases)


def _clean_span(span: tuple[int, int]) -> list[Stripped]:
    texts, titles, site_phrases = _shared
    return [_clean(texts[i], titles[i], site_phrases) for i in range(*span)]


def _clean_given(part: tuple[Sequence[str], Sequence[str | None], re.Pattern[str] | None]) -> list[Stripped]:
    texts, titles, site_phrases = part
    return [_clean(text, title, site_phrases) for text, title in zip(texts, titles)]


def _forked_pool(processes: int, initializer=None, arguments: tuple = ()):
    """A pool of ``processes`` forked workers. Ctrl-C reaches every process of the terminal's
    group: it waits while the workers start (an interrupted start leaves the started ones
    behind), and for good in the workers, which inherit the mask: the parent stops them."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return multiprocessing.get_context("fork").Pool(processes, initializer, arguments)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class CleaningPool:
    """Cleaning processes that stay up from call to call, for a job that cleans batch after
    batch (an index's adds): a batch of a few hundred articles is cleaned on every core, where
    starting processes for each would cost more than it saves. The texts go to the workers and
    the cleaned ones come back; :meth:`close` (or the end of a ``with`` block) stops them.

    >>> with CleaningPool(2) as pool:
    ...     [s.text for s in pool.strip(["LONDON (Reuters) - Rain fell.", "Read more: x\\nSun."], [None, None])]
    ['Rain fell.', 'Sun.']
    """

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool = None

    def __enter__(self) -> "CleaningPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, articles: int) -> None:
        """Start the workers now, if a batch of ``articles`` will use them: a caller that starts
        threads of its own later (a lock's renewal) forks before them."""
        if self._pool is None and self._parallel(articles):
            self._pool = _forked_pool(self.processes)

    def strip(self, texts: Sequence[str], titles: Sequence[str | None],
              profile: SiteProfile | None = None) -> list[Stripped]:
        """:func:`strip_pages` of ``texts``, on the pool's processes when there are enough texts."""
        if not self._parallel(len(texts)):
            return strip_pages(texts, titles, 1, profile)
        self.start(len(texts))
        site_phrases = profile.pattern() if profile else None
        step = -(-len(texts) // (4 * self.processes))
        parts = [(texts[a:a + step], titles[a:a + step], site_phrases) for a in range(0, len(texts), step)]
        return [done for part in self._pool.imap(_clean_given, parts) for done in part]

    def _parallel(self, articles: int) -> bool:
        return self.processes > 1 and articles >= _POOL_MIN and "fork" in multiprocessing.get_all_start_methods()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


_POOL_MIN = 200  # articles: fewer are cleaned faster in this process than sent to workers and back


@dataclass(frozen=True)
class CleanCorpus:
    """What cleaning gives the later stages, one entry per article."""

    texts: list[str]
    """The cleaned texts: furniture, repeated headlines and learnt boilerplate out."""
    tokens: Tokens
    """Their words, hashed, with their figures and names flagged."""
    fingerprints: np.ndarray
    """A 64-bit hash of each text's words before learnt boilerplate was removed: two texts with
    the same fingerprint are word for word the same, however much of them is boilerplate."""
    boilerplate: np.ndarray
    """The keys (see :class:`dedupe.tokens.Lines`) of the lines removed as boilerplate, sorted:
    learnt from this corpus, or given."""
    short_lines: tuple[np.ndarray, np.ndarray]
    """The lines that could be boilerplate, as ``(key, article)`` pairs
    (:meth:`BoilerplateLearner.short_lines`)."""
    junk_only: np.ndarray
    """Whether each page is page junk alone (captions, buttons, widgets: no story text): it is
    then compared whole, and matches only its identical copies."""
    page_lines: np.ndarray
    """How many lines of each page are the page's own: page junk and furniture
    (:attr:`Stripped.page_lines`) and learnt boilerplate."""
    credits: np.ndarray
    """The agency each text credits (:attr:`Stripped.credit`)."""
    offers: list[TextOffers] = field(default_factory=list)
    """What each cleaned text offers its story as a headline (:func:`dedupe.headline.text_offers`),
    read before learnt boilerplate goes; empty when the texts were cleaned elsewhere."""


def strip_pages(texts: Sequence[str], titles: Sequence[str | None], processes: int = 1,
                profile: SiteProfile | None = None) -> list[Stripped]:
    """The costly, per-article part of cleaning: each text without page junk (with ``profile``'s
    too), furniture and repeated headlines (:func:`clean_article`), with what was learnt on the
    way (:class:`Stripped`). Articles are cleaned one by one in up to ``processes`` processes;
    the result is the same."""
    site_phrases = profile.pattern() if profile else None
    if processes > 1 and len(texts) >= _PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods():
        # Forked workers start at once and find the texts in the memory they share with this
        # process (a forked worker's start-up arguments are not pickled): only spans of indices
        # go to them, and only the cleaned texts come back.
        step = -(-len(texts) // (8 * processes))
        spans = [(start, min(start + step, len(texts))) for start in range(0, len(texts), step)]
        with _forked_pool(processes, _share, (texts, titles, site_phrases)) as pool:
            return [text for part in pool.imap(_clean_span, spans) for text in part]
    return [_clean(text, title, site_phrases) for text, title in zip(texts, titles)]


def clean_corpus(texts: Sequence[str], titles: Sequence[str | None],
                 boilerplate_min_docs: int = DEFAULTS.boilerplate_min_docs,
                 processes: int = 1, keep_texts: bool = True, boilerplate: np.ndarray | None = None,
                 stripped: Sequence[Stripped | None] | None = None, profile: SiteProfile | None = None) -> CleanCorpus:
    """Clean a corpus: furniture and repeated headlines out, boilerplate learnt and removed.

    Articles are cleaned one by one in up to ``processes`` processes; the result is the same.
    Without ``keep_texts`` the cleaned texts are not put together (``texts`` is empty): the
    later stages read the tokens alone. ``boilerplate``, line keys learnt elsewhere (an index
    learns over its whole window), is removed instead of what this corpus would teach.
    ``stripped`` gives, where known, what :func:`strip_pages` made of an article already (``None``
    where not): those articles are not cleaned again. ``profile``: a site profile's page junk,
    removed too.
    """
    if stripped is None:
        parts = strip_pages(texts, titles, processes, profile)
    else:
        todo = [i for i, known in enumerate(stripped) if known is None]
        done = strip_pages([texts[i] for i in todo], [titles[i] for i in todo], processes, profile) if todo else []
        parts = list(stripped)
        for i, part in zip(todo, done):
            parts[i] = part
    stripped = [part.text for part in parts]
    offers = [part.offers for part in parts]
    junk_only = np.array([part.junk_only for part in parts], dtype=bool)
    page_lines = np.array([part.page_lines for part in parts], dtype=np.int64)
    credits = np.array([part.credit for part in parts], dtype=np.int8)
    del parts
    learner = BoilerplateLearner(min_docs=boilerplate_min_docs)
    tokens, lines = tokenize_lines(stripped, nfkc=False)  # clean_article normalised them
    if boilerplate is None:
        boilerplate = learner.learn(stripped, lines)
    learnt = np.isin(lines.keys, boilerplate)
    cleaned = learner.without(stripped, lines, learnt) if keep_texts else []
    # Fingerprints read the words before boilerplate went.
    fingerprints = tokens.fingerprints
    kept = tokens.without_lines(lines, learnt)
    page_lines += np.bincount(lines.owner[learnt], minlength=len(stripped))  # learnt boilerplate is the page's too
    return CleanCorpus(cleaned, kept, fingerprints, np.unique(boilerplate).astype(np.uint64),
                       learner.short_lines(lines), junk_only, page_lines, credits, offers)
