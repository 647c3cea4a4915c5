"""Results: what a run says about each article and each story, and the one record format
written by ``dedupe scan -o``, read back by ``dedupe report``, kept by an index's stores and
made by the Spark job.

Scores are named for what they measure, the same in every output: ``similarity`` (TF-IDF
cosine), ``coverage`` (a share of one text's words that the other holds, word for word) and,
in ``dedupe explain`` only, ``containment`` (a share of one text's shingles found in the other).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .article import Article, Role
from .headline import outlets, story_headline, title_key

if TYPE_CHECKING:
    import numpy as np

    from .article import Reject
    from .prepare import Prepared
    from .verify import PairScores, Verifier

__all__ = ["Verdict", "Story", "Result", "Scoring", "COLUMNS", "INDEX_COLUMNS", "SCORE_COLUMNS", "STORED",
           "STORED_ARTICLE", "EVENTS", "EVENT_KINDS", "checked_record",
           "stories_of", "with_extra"]

SCORE_COLUMNS = ("similarity", "coverage", "canonical_coverage")
"""A member's scores against its canonical, numbers from 0 to 1 (``None`` for a unique article)."""
COLUMNS = ("id", "cluster", "role", "canonical", *SCORE_COLUMNS, "missing", "headline", "title", "source", "url",
           "published", "path")
"""The columns of ``dedupe scan -o``, in order."""
INDEX_COLUMNS = COLUMNS + ("replaced", "known")
"""The columns of an index's verdicts (:class:`dedupe.IndexVerdict`)."""
STORED = ("cluster", "role", "canonical", *SCORE_COLUMNS, "missing")
"""What an index stores of a verdict beside the article (:meth:`Verdict.stored`)."""
STORED_ARTICLE = ("seq", "id", "time", *STORED, "keys", "lines", "prepared", "body")
"""What an index stores of each article, the columns of its table (SQLite) or the fields of its
hash (Redis): the order it was taken in, its id, its time (POSIX seconds: published, else
arrived), its verdict (:data:`STORED`), its lookup keys and short line keys (64-bit numbers),
the article as prepared once (:class:`dedupe.prepare.PreparedArticle`) and the article itself,
compressed (:meth:`dedupe.index.entry.Entry.body`)."""
EVENTS = ("time", "event", "story", "canonical", "replaced", "other", "articles")
"""The fields of an index's events (:meth:`dedupe.Index.events`): when (the add's or prune's
``now``, ISO 8601), what (:data:`EVENT_KINDS`), the story and its canonical after the change, the
canonical it replaced (``replaced``), the story merged into it or split from it (``other``), and
the articles that joined, moved or left (``articles``)."""
EVENT_KINDS = ("joined", "replaced", "merged", "split")
"""What can happen to a stored story: new articles joined it, it got a new canonical, another
story merged into it, or some of its articles left it for another story."""
MISSING = ("end", "middle", "start")
"""Where a truncated copy's gap lies."""


@dataclass(frozen=True, repr=False)
class Verdict:
    """What the run decided about one article.

    ``similarity`` is the TF-IDF cosine to the canonical; ``coverage`` the share of this
    article's words that the canonical holds; ``canonical_coverage`` the share of the canonical's
    words that this article holds; ``missing`` where a truncated copy's gap lies (``"end"``, ``"middle"`` or
    ``"start"``). Scores are ``None`` for unique articles. ``chain`` is, for a ``version``, the
    ids of the versions that join it to the canonical, from this article to the canonical.
    ``headline`` is the story's headline (:mod:`dedupe.headline`), the same on every member;
    ``title`` the article's own.
    """

    article: Article
    role: Role
    cluster: str
    canonical: str
    similarity: float | None = None
    coverage: float | None = None
    canonical_coverage: float | None = None
    missing: str | None = None
    chain: tuple[str, ...] = ()
    headline: str | None = field(default=None, compare=False)  # the story's, not the article's own

    @property
    def id(self) -> str:
        return self.article.id

    def __repr__(self) -> str:
        missing = f", missing={self.missing!r}" if self.missing else ""
        return f"{type(self).__name__}(id={self.id!r}, role={self.role.value!r}, cluster={self.cluster!r}{missing})"

    def to_record(self, extra: bool = True) -> dict[str, Any]:
        """The output columns, as written by ``dedupe scan -o``, then (with ``extra``) the
        article's other input fields, carried through; one whose name is an output column's is
        written as ``input_<name>``."""
        a = self.article
        record = {"id": a.id, "cluster": self.cluster, "role": self.role.value, "canonical": self.canonical}
        record.update({name: _round(getattr(self, name)) for name in SCORE_COLUMNS})
        record.update(missing=self.missing, headline=self.headline, title=a.title, source=a.source, url=a.url,
                      published=a.published.isoformat() if a.published else None, path=a.path)
        return with_extra(record, a) if extra else record

    @classmethod
    def from_record(cls, record: Mapping[str, Any], article: Article) -> "Verdict":
        """The verdict a record of :meth:`to_record` (checked by :func:`checked_record`) holds on
        ``article``."""
        return cls(article, Role(record["role"]), record["cluster"], record["canonical"],
                   *(record[name] for name in SCORE_COLUMNS), record["missing"], headline=record.get("headline"))

    def stored(self) -> tuple[Any, ...]:
        """What an index stores of the verdict, beside the article: :data:`STORED` in order."""
        return (self.cluster, self.role.value, self.canonical, *(getattr(self, n) for n in SCORE_COLUMNS),
                self.missing or None)

    @classmethod
    def from_stored(cls, article: Article, values: Sequence[Any]) -> "Verdict":
        """The verdict of :meth:`stored` values (numbers may come back as text, ``""`` for none)."""
        cluster, role, canonical, *scores, missing = (v.decode() if isinstance(v, bytes) else v for v in values)
        return cls(article, Role(role), cluster, canonical, *(_number(s) for s in scores), missing or None)


def with_extra(record: dict[str, Any], article: Article) -> dict[str, Any]:
    """``record`` followed by ``article``'s other input fields (``input_<name>`` where a name is
    already taken, ``input_input_<name>`` where that is too, and so on: no field is lost)."""
    taken = set(record) | set(article.extra)
    for name, value in article.extra.items():
        if name in record:
            renamed = f"input_{name}"
            while renamed in taken:
                renamed = f"input_{renamed}"
            taken.add(renamed)
            name = renamed
        record[name] = value
    return record


@dataclass(frozen=True, repr=False)
class Story:
    """One story: its canonical version first, then the other members by role and id.

    ``headline`` is the story's headline for people and ``outlets`` who carried it (see
    :mod:`dedupe.headline`); ``taken_elsewhere`` holds the headlines other stories of the run
    carry, which are never this story's.
    """

    id: str
    members: tuple[Verdict, ...]
    taken_elsewhere: frozenset[str] = field(default=frozenset(), compare=False)

    @cached_property
    def headline(self) -> str:
        """The best headline among the versions: not page junk or a site-wide label (the one
        the run gave its members, when they carry it)."""
        if self.members and self.canonical.headline:
            return self.canonical.headline
        return story_headline([m.article for m in self.members], self.taken_elsewhere)

    @property
    def outlets(self) -> list[str]:
        """The outlets that carried the story, each once, the canonical's first."""
        return outlets([m.article for m in self.members])

    @property
    def canonical(self) -> Verdict:
        return self.members[0]

    def __len__(self) -> int:
        return len(self.members)

    def __repr__(self) -> str:
        roles = ", ".join(f"{n} {r.value}" for r in Role if r is not Role.CANONICAL and (n := self.count(r)))
        return f"Story(id={self.id!r}, {len(self)} members: canonical {self.canonical.id!r}, {roles})"

    def count(self, role: Role) -> int:
        return sum(1 for member in self.members if member.role is role)

    @classmethod
    def of(cls, id: str, members: Iterable[Verdict]) -> "Story":
        """The story ``id`` of these members, put in order: canonical first, then by role and id."""
        return cls(id, tuple(sorted(members, key=lambda v: (_ROLE_ORDER[v.role], v.id))))


@dataclass(frozen=True)
class Scoring:
    """How a run scored its articles (``Deduplicator.run(keep_scoring=True)``): the articles in
    the run's order (by id), their prepared arrays, the verifier, every candidate pair's scores
    and decisions, and which articles were found to be digests."""

    articles: list[Article]
    prepared: Prepared
    verifier: Verifier
    matches: PairScores
    digests: np.ndarray
    stories: Any = None
    """The run's :class:`dedupe.cluster.Stories`: canonicals, and why each member lost to its own."""


@dataclass(repr=False)
class Result:
    """Everything a run found.

    ``verdicts`` has one entry per article read, grouped by story (largest first); ``clusters``
    the stories with more than one member; ``rejects`` every input that could not be used.
    """

    verdicts: list[Verdict]
    clusters: list[Story]
    rejects: list[Reject] = field(default_factory=list)
    boilerplate_lines: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds each stage took."""
    peak_memory: dict[str, int] = field(default_factory=dict)
    """Each stage's peak resident memory in bytes (this process's, on Linux), when the
    :class:`dedupe.Deduplicator` was asked for it (``stage_peaks``); empty otherwise."""
    scoring: Scoring | None = field(default=None, compare=False)
    """The run's own arrays and scores, when it was asked to keep them."""

    def count(self, role: Role) -> int:
        """How many articles got ``role``."""
        return sum(1 for v in self.verdicts if v.role is role)

    def __repr__(self) -> str:
        counts = self.summary
        articles, stories = counts["articles"], counts["stories"]
        roles = ", ".join(f"{counts[r.value]} {r.value}" for r in Role if r is not Role.CANONICAL)
        return (f"Result({articles} article{'s' * (articles != 1)}, {stories} stor{'ies' if stories != 1 else 'y'}: "
                f"{roles}; {counts['rejected']} rejected)")

    def to_records(self, extra: bool = True) -> list[dict[str, Any]]:
        """One record per article, as ``dedupe scan -o`` writes them (with ``extra``, the input's
        other fields after)."""
        return [v.to_record(extra) for v in self.verdicts]

    def to_pandas(self, extra: bool = False, frame: Any = None) -> Any:
        """The verdicts as a pandas DataFrame, one row per article, with the columns of
        ``dedupe scan -o`` (with ``extra``, the input's other fields after them). Ids are strings.

        ``frame``: the DataFrame given to :func:`dedupe.find_duplicates`; the verdicts come back
        row for row with it, on its index (a row that was rejected holds missing values), so that
        ``frame["role"] = result.to_pandas(frame=frame)["role"]`` works whether the ids came from
        a column or from the index. Needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            from .errors import install_hint
            raise ImportError(f"Result.to_pandas() needs pandas: {install_hint('pandas')}") from None
        table = pd.DataFrame.from_records(self.to_records(extra), columns=None if extra else list(COLUMNS))
        if table.empty:
            table = pd.DataFrame(columns=list(COLUMNS))
        for name in SCORE_COLUMNS:
            table[name] = table[name].astype("float64")
        if frame is None:
            return table
        # An article of a frame's row keeps the row's number (from 1) as its line.
        rows = [v.article.line for v in self.verdicts]
        if any(v.article.path != "<input>" or not isinstance(n, int) or not 0 < n <= len(frame)
               for v, n in zip(self.verdicts, rows)):
            raise ValueError("to_pandas(frame=...) takes the DataFrame these verdicts were found in")
        table.index = [n - 1 for n in rows]
        table = table.reindex(range(len(frame)))
        table.index = frame.index
        return table

    @property
    def summary(self) -> dict[str, int]:
        """Articles read, stories, and how many of each role; rejected inputs."""
        counts = {"articles": len(self.verdicts), "stories": len(self.clusters)}
        counts.update({role.value: self.count(role) for role in Role})
        counts["rejected"] = len(self.rejects)
        return counts




_ROLE_ORDER = {Role.CANONICAL: 0, Role.DUPLICATE: 1, Role.EXTENDED: 2, Role.TRUNCATED: 3, Role.VERSION: 4,
               Role.UNIQUE: 5}




def stories_of(verdicts: Iterable[Verdict], keep_single: bool = False) -> list[Story]:
    """The stories of a run's verdicts, largest first (then by id), each knowing the headlines
    the others carry; stories of one article only with ``keep_single``."""
    groups: dict[str, list[Verdict]] = {}
    for v in verdicts:
        groups.setdefault(v.cluster, []).append(v)
    carried: dict[str, set[str]] = {}
    for key, members in groups.items():
        for v in members:
            if v.article.title:
                carried.setdefault(title_key(v.article.title), set()).add(key)
    stories = []
    for key, members in groups.items():
        if len(members) == 1 and not keep_single:
            continue
        elsewhere = frozenset(t for v in members if v.article.title
                              for t in (title_key(v.article.title),) if len(carried[t]) > 1) \
            if len(members) > 1 else frozenset()
        stories.append(dataclasses.replace(Story.of(key, members), taken_elsewhere=elsewhere))
    return sorted(stories, key=lambda s: (-len(s), s.id))




def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def checked_record(row: Any) -> dict[str, Any]:
    """The fields of a record of ``dedupe scan -o`` (JSON, or CSV text) that a verdict needs,
    checked; ``ValueError`` says what is wrong with one that is not such a record."""
    if not isinstance(row, dict):
        raise ValueError(f"a JSON {type(row).__name__}")
    record = {}
    for name in ("id", "cluster", "canonical", "role"):
        value = row.get(name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name!r} must be a non-empty string, found {value!r}"[:200])
        record[name] = value
    if record["role"] not in {r.value for r in Role}:
        raise ValueError(f"unknown role {record['role']!r}"[:200])
    for name in SCORE_COLUMNS:
        value = row.get(name)
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValueError(f"{name!r} must be a number, found {value!r}"[:200]) from None
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 0 <= value <= 1):
            raise ValueError(f"{name!r} must be a number from 0 to 1, found {value!r}"[:200])
        record[name] = None if value is None else float(value)
    if record["role"] != "unique" and None in (record[name] for name in SCORE_COLUMNS):
        raise ValueError(f"a {record['role']} needs its three scores ({', '.join(SCORE_COLUMNS)})")
    if row.get("missing") not in (None, *MISSING):
        raise ValueError(f"'missing' must be end, middle, start or empty, found {row.get('missing')!r}"[:200])
    record["missing"] = row.get("missing")
    headline = row.get("headline")
    if headline is not None and not isinstance(headline, str):
        raise ValueError(f"'headline' must be a string, found {headline!r}"[:200])
    record["headline"] = headline or None  # a CSV writes none as an empty cell
    path = row.get("path")
    if path is not None and not isinstance(path, str):
        raise ValueError(f"'path' must be a string, found {path!r}"[:200])
    record["path"] = path
    return record
