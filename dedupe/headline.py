"""A story's headline for people, and the outlets that carried it.

Scraped pages often give a section name, a widget's label or the site's name as their headline
("share", "Enter City and State or Zip Code", "The Boston Globe"). A story's headline is the best
among its versions' headlines: a line that is not page junk, of at least three words, most of
whose words the version's own text holds, and not the headline of another story in the same run
(a site-wide label); the one most versions carry wins, then the canonical's own. Without one,
the opening words of the canonical's first line of story text (five words or more, not page
junk, not another story's unless every one is) stand in; a story of captions alone is named by
its first caption, marked as such.

What a version offers (:class:`HeadlineCandidates`) is read once from its cleaned text, before
the run lets texts go (:func:`text_offers`, called by cleaning); the story's choice
(:func:`story_headlines`) needs only those.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Collection, Iterable, Mapping, NamedTuple, Sequence
from urllib.parse import urlsplit

from .article import Article
from .page_junk import junk_lines, photo_credit

__all__ = ["HeadlineCandidates", "TextOffers", "text_offers", "headline_candidates", "story_headlines",
           "offered_lines", "shared_lines", "story_headline", "outlets", "title_key"]

_WORD = re.compile(r"\w+")
_MIN_WORDS = 3
_HELD_SHARE = 0.5  # of a headline's words (3 letters or more) found in the story's text
_OPENING_WORDS = 14
_MIN_OPENING = 5  # words in the line whose opening stands in for a headline (not a button's label)
_OPENINGS = 3  # lines of a text offered as its opening: the first may be another story's too
_LINES_READ = 40  # a text's first lines read for them
_CAPTIONS = "[captions] "
# A byline, a line the story's text opens with that names no story: "By Jessica Levinson,
# professor at Loyola Law School", "Jonathan Lemire and Jill Colvin, Associated Press".
_BYLINE_WORDS = 16  # a byline is at most this long
_BYLINE = re.compile(r"^(?:(?:authored|written|posted|reported) )?by\b|"
                     r"^(?:the )?(?:associated press|reuters|agence france-presse|afp)\b|,\s*(?:the )?(?:associated press|reuters|"
                     r"agence france-presse|afp|ap|bloomberg|[a-z ]{0,30}(?:correspondent|editor|writer|reporter))\W*$",
                     re.IGNORECASE)


class HeadlineCandidates(NamedTuple):
    """What one version offers its story as a headline."""

    title: str | None
    """Its own headline when fit to head the story (readable, most of its words in the text;
    the site's name after it cut), else ``None``."""
    openings: tuple[str, ...]
    """The opening words of its first lines of story text (not page junk, five words or more)."""
    caption: str
    """The opening words of its first line, junk or not: a page of captions alone has nothing else."""


def title_key(title: str | None) -> str:
    """A headline as compared: its words, lowered."""
    return " ".join(_WORD.findall((title or "").lower()))


class TextOffers(NamedTuple):
    """What a text offers its story as a headline, read from the text alone (:func:`text_offers`)."""

    title_fits: bool
    openings: tuple[str, ...]
    caption: str


def headline_candidates(article: Article, offers: TextOffers | None = None) -> HeadlineCandidates:
    """What ``article`` offers its story as a headline (see the module's documentation):
    ``offers`` read from its cleaned text by cleaning, else read here from its text."""
    fits, openings, caption = offers if offers is not None else text_offers(article.title, article.text)
    title = " ".join(_without_site(article.title, article).split()) if fits and article.title else None
    return HeadlineCandidates(title, openings, caption)


def text_offers(title: str | None, page: str, cleaned: str | None = None, junk_only: bool = False) -> TextOffers:
    """Whether ``title`` fits the text of ``page`` as a headline (read in the page as it came: a
    page that prints its headline above the story loses that line to cleaning), and the opening
    lines of its ``cleaned`` text (default: ``page``, whose lines are then judged for page junk;
    a cleaned text's were). A page of junk alone (``junk_only``) offers its first line as a caption."""
    fits = bool(title) and _readable(title, page.lower())
    text = page if cleaned is None else cleaned
    judge = cleaned is None or junk_only
    openings: list[str] = []
    caption = ""
    for line in text.split("\n", _LINES_READ)[:_LINES_READ]:
        words = line.split()
        if len(words) < _MIN_OPENING:
            continue
        shown = " ".join(words[:_OPENING_WORDS]) + (" …" if len(words) > _OPENING_WORDS else "")
        caption = caption or shown
        if (judge and junk_lines(line)[0]) or (len(words) <= _BYLINE_WORDS and _BYLINE.search(line.strip())) \
                or _beside_credit(line.strip(), page):
            continue
        openings.append(shown)
        if len(openings) == _OPENINGS:
            break
    return TextOffers(fits, tuple(openings), caption)


def story_headlines(stories: Mapping[str, Sequence[HeadlineCandidates]],
                    shared: Collection[str] | None = None) -> dict[str, str]:
    """The headline of each story of a run: ``stories`` gives, by story id, what each version
    offers (:func:`headline_candidates`), the canonical's first. A headline or an opening that
    several stories offer is a site-wide label, never theirs: ``shared`` gives those lines'
    keys (:func:`shared_lines`) when the run's stories are not all here (the Spark job)."""
    if shared is None:
        shared = shared_lines(stories.items())
    return {story: _choose(members, lambda line: title_key(line) in shared, story)
            for story, members in stories.items()}


def offered_lines(members: Iterable[HeadlineCandidates]) -> set[str]:
    """The keys (:func:`title_key`) of the lines that these versions of a story offer."""
    return {title_key(line) for member in members for line in (member.title, *member.openings) if line}


def shared_lines(stories: Iterable[tuple[str, Sequence[HeadlineCandidates]]]) -> set[str]:
    """The keys of the lines that more than one of ``stories`` (``(id, versions)`` pairs) offers."""
    seen: dict[str, str] = {}
    shared = set()
    for story, members in stories:
        for key in offered_lines(members):
            if seen.setdefault(key, story) != story:
                shared.add(key)
    return shared


def story_headline(members: Sequence[Article], taken_elsewhere: Iterable[str] = ()) -> str:
    """The headline of the story whose versions are ``members`` (the canonical first);
    ``taken_elsewhere``: headline keys (:func:`title_key`) that other stories of the run carry."""
    shared = set(taken_elsewhere)
    return _choose([headline_candidates(a) for a in members], lambda line: title_key(line) in shared,
                   members[0].id if members else "")


def _beside_credit(line: str, page: str) -> bool:
    """Whether ``line`` stands beside a photo credit in ``page`` (the lines next to it, blank ones
    passed over): a caption, which cleaning keeps when no marker of its own gives it away."""
    at = page.find(line)
    if at < 0:
        return False
    before = page[:at].rstrip().rpartition("\n")[2]
    after = page[at + len(line):].lstrip().partition("\n")[0]
    return photo_credit(before) or photo_credit(after)


def _choose(members: Sequence[HeadlineCandidates], elsewhere, fallback: str) -> str:
    support: Counter[str] = Counter()
    first_title: dict[str, str] = {}
    for member in members:
        if member.title and not elsewhere(member.title):
            key = title_key(member.title)
            support[key] += 1
            first_title.setdefault(key, member.title)
    if support:
        order = list(first_title)  # the canonical's own first, then the members' in order
        best = max(support, key=lambda k: (support[k], -order.index(k)))
        return first_title[best]
    canonical = members[0] if members else HeadlineCandidates(None, (), "")
    # An opening that other stories share too (a template's first line: "Qtly div 10 cts vs 10
    # cts prior") still heads the story when it has nothing else.
    opening = next((line for line in canonical.openings if not elsewhere(line)), None) or \
        next(iter(canonical.openings), None)
    if opening:
        return opening
    return _CAPTIONS + canonical.caption if canonical.caption else fallback


_SITE_SUFFIX = re.compile(r"\s+[|\-–—]\s+([^|\-–—]{2,60})$")


def _without_site(title: str, article: Article) -> str:
    """A headline without the site's name after it ("… | Miami Herald" on miamiherald.com)."""
    title = " ".join(title.split())
    match = _SITE_SUFFIX.search(title)
    if match:
        site = re.sub(r"\W", "", match.group(1).lower())
        outlet = re.sub(r"\W", "", ((article.source or "") + _host(article.url)).lower())
        if site and outlet and (site in outlet or outlet.removesuffix("com") in site):
            return title[:match.start()]
    return title


def _readable(title: str, text: str) -> bool:
    """Whether ``title`` can head a story whose (lower-cased) text is ``text``: three words or
    more, most of its longer words in the text, and not page junk."""
    words = _WORD.findall(title.lower())
    long_words = [w for w in words if len(w) >= 3 and not w.isdigit()]
    if len(words) < _MIN_WORDS or not long_words:
        return False
    held = sum(1 for w in long_words if w in text)
    return held >= _HELD_SHARE * len(long_words) and not any(junk_lines(title.strip()))


def outlets(members: Sequence[Article]) -> list[str]:
    """The outlets that carried the story, each once, in the members' order: the source, else
    the host of the address."""
    seen: dict[str, None] = {}
    for article in members:
        name = (article.source or "").strip() or _host(article.url)
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _host(url: str | None) -> str:
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")
