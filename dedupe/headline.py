"""A story's headline for people, and the outlets that carried it.

Scraped pages often give a section name, a widget's label or the site's name as their headline
("share", "Enter City and State or Zip Code", "The Boston Globe"). A story's headline is the best
among its versions' headlines: a line that is not page junk, of at least three words, most of
whose words the story's text holds, and not the headline of another story in the same run (a
site-wide label); the one most versions carry wins, then the canonical's own. Without one, the
opening words of the canonical's first line of five words or more stand in.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence
from urllib.parse import urlsplit

from .article import Article
from .page_junk import junk_lines

__all__ = ["story_headline", "outlets", "title_key"]

_WORD = re.compile(r"\w+")
_MIN_WORDS = 3
_HELD_SHARE = 0.5  # of a headline's words (3 letters or more) found in the story's text
_OPENING_WORDS = 14
_MIN_OPENING = 5  # words in the line whose opening stands in for a headline (not a button's label)


def title_key(title: str | None) -> str:
    """A headline as compared: its words, lowered."""
    return " ".join(_WORD.findall((title or "").lower()))


def story_headline(members: Sequence[Article], taken_elsewhere: Iterable[str] = ()) -> str:
    """The headline to show for the story whose versions are ``members`` (the canonical first).

    ``taken_elsewhere``: headline keys (:func:`title_key`) that other stories of the run carry.
    """
    canonical = members[0]
    text_words = set(_WORD.findall(canonical.text.lower()))
    shared = set(taken_elsewhere)
    support: Counter[str] = Counter()
    first_title: dict[str, str] = {}
    for article in members:
        key = title_key(article.title)
        if key and key not in shared and _readable(article.title or "", text_words):
            support[key] += 1
            first_title.setdefault(key, _without_site(article.title or "", article))
    if support:
        order = list(first_title)  # the canonical's own first, then the members' in order
        best = max(support, key=lambda k: (support[k], -order.index(k)))
        return " ".join(first_title[best].split())
    lines = canonical.text.split("\n")
    words = next((line.split() for line in lines if len(line.split()) >= _MIN_OPENING), canonical.text.split())
    opening = " ".join(words[:_OPENING_WORDS])
    return opening + (" …" if len(words) > _OPENING_WORDS else "") or canonical.id


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


def _readable(title: str, text_words: set[str]) -> bool:
    words = _WORD.findall(title.lower())
    if len(words) < _MIN_WORDS or any(junk_lines(title.strip())):
        return False
    long_words = [w for w in words if len(w) >= 3 and not w.isdigit()]
    if not long_words:
        return False
    held = sum(1 for w in long_words if w in text_words)
    return held >= _HELD_SHARE * len(long_words)


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
