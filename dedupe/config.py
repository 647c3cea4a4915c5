"""Parameters of a deduplication run, with defaults that work on news without tuning.

One frozen dataclass, validated when it is made. ``DedupeConfig.load`` reads the ``[dedupe]``
table of a ``dedupe.toml`` or the ``[tool.dedupe]`` table of a ``pyproject.toml``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError
from .site_profile import SiteProfile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

__all__ = ["DedupeConfig", "DEFAULTS"]


@dataclass(frozen=True)
class DedupeConfig:
    """How articles are compared and grouped.

    Parameters
    ----------
    threshold:
        Share of the shorter article's text that must be found in the other one for the two to
        be copies of one story ("mostly reproduced"). Between 0 and 1.
    similarity_threshold:
        TF-IDF cosine above which two articles are copies even when edits break many shingles
        (heavy house-style edits, OCR noise). Between 0 and 1.
    num_perm:
        MinHash permutations. More costs time and gives steadier candidate recall.
    shingle_size:
        Words per shingle. Five words survive light edits yet rarely recur by chance.
    seed:
        Seed of the MinHash permutations, as in ``datasketch.MinHash``.
    lsh_threshold:
        Estimated Jaccard similarity at which LSH banding proposes a pair; bands and rows are
        worked out from it as ``datasketch.MinHashLSH`` does.
    anchor_rate:
        One shingle in ``anchor_rate`` (chosen by its hash, so copies choose the same ones) is
        an anchor; articles that share anchors become candidates even when one is cut short.
    min_tokens:
        Articles with fewer words than this match only exact copies of themselves.
    min_gap_tokens:
        A run of at least this many words of the canonical missing from a copy is a dropped
        passage (or a cut end) rather than a small edit.
    partial_coverage:
        A copy that holds less than this share of the longer text must start where the longer
        one starts (a copy cut short) to count; it guards against digests and embedded quotes.
    source_priority:
        Sources preferred as canonical when two versions are equally complete, best first.
    boilerplate_min_docs:
        A line found in at least this many articles of different stories is page boilerplate.
    n_jobs:
        Cores to use: ``-1`` for all of them, or a count. Results never depend on it.
    max_article_bytes:
        The largest article read, in bytes: a text file, a JSON file or a JSONL line above it is
        rejected unread, so that one giant input cannot exhaust memory.
    site_profile:
        Page junk that only some sites write (:class:`~dedupe.site_profile.SiteProfile`), or the
        path of a profile file; in a ``dedupe.toml`` a relative path is read from its folder.
        None by default: the core rules and the boilerplate learnt from the corpus do without.
    """

    threshold: float = 0.5
    similarity_threshold: float = 0.9
    num_perm: int = 128
    shingle_size: int = 5
    seed: int = 1
    lsh_threshold: float = 0.4
    anchor_rate: int = 8
    min_tokens: int = 12
    min_gap_tokens: int = 8
    partial_coverage: float = 0.4
    source_priority: tuple[str, ...] = field(default_factory=tuple)
    boilerplate_min_docs: int = 4
    n_jobs: int = -1
    max_article_bytes: int = 16_000_000
    site_profile: SiteProfile = field(default_factory=SiteProfile)

    def __post_init__(self) -> None:
        # TOML gives lists; keep the dataclass hashable and immutable.
        if isinstance(self.source_priority, (list, str)):
            priority = [self.source_priority] if isinstance(self.source_priority, str) \
                else self.source_priority
            object.__setattr__(self, "source_priority", tuple(priority))
        for name in ("threshold", "similarity_threshold", "lsh_threshold", "partial_coverage"):
            _check_fraction(name, getattr(self, name))
        _check_int("num_perm", self.num_perm, 16, 1024)
        _check_int("shingle_size", self.shingle_size, 1, 16)
        _check_int("seed", self.seed, 0, 2**32 - 1)
        _check_int("anchor_rate", self.anchor_rate, 1, 1024)
        _check_int("min_tokens", self.min_tokens, 1, 10_000)
        _check_int("min_gap_tokens", self.min_gap_tokens, 1, 10_000)
        _check_int("boilerplate_min_docs", self.boilerplate_min_docs, 2, 10**9)
        _check_int("max_article_bytes", self.max_article_bytes, 1024, 2**31)
        if isinstance(self.site_profile, (str, Path)):
            object.__setattr__(self, "site_profile", SiteProfile.load(self.site_profile))
        elif not isinstance(self.site_profile, SiteProfile):
            raise ConfigError(f"site_profile must be the path of a site profile, got {self.site_profile!r}")
        if self.n_jobs != -1:
            _check_int("n_jobs", self.n_jobs, 1, 1024)
        if not all(isinstance(s, str) for s in self.source_priority):
            raise ConfigError("source_priority must be a list of source names (strings)")

    @property
    def cores(self) -> int:
        """How many cores ``n_jobs`` asks for on this machine."""
        available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return available if self.n_jobs == -1 else min(self.n_jobs, available)

    def replace(self, **changes: Any) -> "DedupeConfig":
        """A copy with some parameters changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], origin: str = "configuration") -> "DedupeConfig":
        """Build from a mapping such as a TOML table; unknown keys are an error naming them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"{origin}: unknown parameter(s) {', '.join(unknown)}; "
                              f"known: {', '.join(sorted(known))}")
        try:
            return cls(**values)
        except ConfigError as error:
            raise ConfigError(f"{origin}: {error}") from None

    @classmethod
    def load(cls, start: str | Path = ".") -> "DedupeConfig":
        """Read the nearest ``dedupe.toml``, or ``pyproject.toml`` with a ``[tool.dedupe]`` table,
        at or above ``start``; defaults when there is none."""
        directory = Path(start).resolve()
        if directory.is_file():
            directory = directory.parent
        for folder in (directory, *directory.parents):
            if (folder / "dedupe.toml").is_file():
                return cls.load_file(folder / "dedupe.toml")
            project = folder / "pyproject.toml"
            if project.is_file() and "dedupe" in read_toml(project).get("tool", {}):
                return cls.load_file(project)
        return cls()

    @classmethod
    def load_file(cls, path: str | Path) -> "DedupeConfig":
        """Read one file: a ``pyproject.toml`` (its ``[tool.dedupe]`` table) or a ``dedupe.toml``
        (a ``[dedupe]`` table, or the parameters at the top level)."""
        path = Path(path)
        table = read_toml(path)
        if path.name == "pyproject.toml":
            values, origin = table.get("tool", {}).get("dedupe", {}), f"{path} [tool.dedupe]"
        else:
            values, origin = table.get("dedupe", table), str(path)
        profile = values.get("site_profile")
        if isinstance(profile, str) and not Path(profile).is_absolute():
            values = {**values, "site_profile": path.parent / profile}  # read from the file's folder
        return cls.from_mapping(values, origin)


def read_toml(path: Path, what: str = "configuration") -> dict[str, Any]:
    """The tables of the TOML file ``path``; :class:`ConfigError` naming it and ``what`` it
    should hold when it cannot be read, is not UTF-8 or is not TOML."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except UnicodeDecodeError as error:  # tomllib decodes before it parses, and lets this through
        raise ConfigError(f"{path}: cannot read the {what}: not UTF-8 (byte {error.start})") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the {what}: {getattr(error, 'strerror', None) or error}") from None


def _check_fraction(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise ConfigError(f"{name} must be a number in (0, 1], got {value!r}")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be an integer from {low} to {high}, got {value!r}")


DEFAULTS = DedupeConfig()
"""The parameters of a run given none: the defaults of the stages' own functions too, named once here."""
