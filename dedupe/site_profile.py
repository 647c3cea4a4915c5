"""Site profiles: page junk that one site alone writes, kept out of the core rules.

Cleaning knows what is junk on any site (:mod:`dedupe.page_junk`: share and print buttons,
captions and photo credits, time stamps, newsletter offers, widgets, script text), and learns
from a corpus the lines that a site repeats on its pages (:mod:`dedupe.boilerplate`). What one
site writes on a few pages only ("% of readers think this story is Fact", a comment widget's own
words) is neither. A *site profile* names such lines, per site, so that a newsroom that reads the
same outlets every day can have them removed:

.. code-block:: toml

    # sites.toml
    [[site]]
    name = "news.google.com"
    phrases = ["^more_vert$"]

    [[site]]
    name = "a local TV network"
    phrases = ["add your two cents", "% of readers"]

Each phrase is a regular expression searched in the lower-cased line; a line of at most 20 words
that holds one is page junk, as a core phrase would make it. The profile's phrases apply to
every page: a site's own wording does not occur in story text, and an article's source is not
always known. ``dedupe.toml`` names the profile (``site_profile = "sites.toml"``, relative to the
``dedupe.toml``); ``data/sites.toml`` is the profile of the web2018 pages, an example to extend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import ConfigError

__all__ = ["Site", "SiteProfile"]


@dataclass(frozen=True)
class Site:
    """One site's own page junk: ``phrases``, regular expressions searched in each lower-cased
    line of at most 20 words."""

    name: str
    phrases: tuple[str, ...]

    def __post_init__(self) -> None:
        if isinstance(self.phrases, (list, str)):
            object.__setattr__(self, "phrases", (self.phrases,) if isinstance(self.phrases, str)
                               else tuple(self.phrases))
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError("a site of the site profile needs a name (a string)")
        for phrase in self.phrases:
            if not isinstance(phrase, str) or not phrase:
                raise ConfigError(f"site {self.name!r}: phrases must be non-empty strings, got {phrase!r}")
            try:
                re.compile(phrase)
            except re.error as error:
                raise ConfigError(f"site {self.name!r}: phrase {phrase!r} is not a regular expression: "
                                  f"{error}") from None


@dataclass(frozen=True)
class SiteProfile:
    """The sites whose own page junk cleaning removes besides the core rules' (see the module's
    documentation). The empty profile, the default, removes nothing more.

    >>> profile = SiteProfile((Site("news.google.com", ("^more_vert$",)),))
    >>> bool(profile.pattern().search("more_vert")), len(profile)
    (True, 1)
    """

    sites: tuple[Site, ...] = field(default_factory=tuple)
    origin: str = ""
    """Where the profile was read from, for messages."""

    def __post_init__(self) -> None:
        if isinstance(self.sites, list):
            object.__setattr__(self, "sites", tuple(self.sites))

    def __len__(self) -> int:
        return len(self.sites)

    def pattern(self) -> re.Pattern[str] | None:
        """Every phrase of every site as one compiled pattern, or ``None`` for an empty profile."""
        return _compiled(tuple(phrase for site in self.sites for phrase in site.phrases))

    @classmethod
    def from_tables(cls, tables: Sequence[Mapping[str, Any]], origin: str = "site profile") -> "SiteProfile":
        """A profile from ``[[site]]`` tables (each with ``name`` and ``phrases``)."""
        if not isinstance(tables, (list, tuple)):
            raise ConfigError(f"{origin}: 'site' must be a list of tables ([[site]])")
        sites = []
        for number, table in enumerate(tables, 1):
            if not isinstance(table, Mapping):
                raise ConfigError(f"{origin}: site {number} is not a table")
            unknown = sorted(set(table) - {"name", "phrases"})
            if unknown:
                raise ConfigError(f"{origin}: site {number}: unknown key(s) {', '.join(unknown)}; known: name, phrases")
            try:
                sites.append(Site(table.get("name", ""), table.get("phrases", ())))
            except ConfigError as error:
                raise ConfigError(f"{origin}: {error}") from None
        return cls(tuple(sites), origin)

    @classmethod
    def load(cls, path: str | Path) -> "SiteProfile":
        """Read a profile file: ``[[site]]`` tables."""
        from .config import read_toml  # config holds a profile: imported here, not at the top
        path = Path(path)
        table = read_toml(path, "site profile")
        unknown = sorted(set(table) - {"site"})
        if unknown:
            raise ConfigError(f"{path}: unknown table(s) {', '.join(unknown)} in a site profile; it holds [[site]] tables")
        return cls.from_tables(table.get("site", []), str(path))


@lru_cache(maxsize=8)
def _compiled(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{phrase})" for phrase in phrases)) if phrases else None
