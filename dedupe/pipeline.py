"""The one orchestrator of the stages: articles → cleaned texts → sketches → candidates →
verified pairs → stories with canonicals and roles.

>>> from dedupe import find_duplicates
>>> story = "The central bank raised its main interest rate by a quarter point on Tuesday, " * 3
>>> result = find_duplicates([
...     {"id": "wire", "text": story + "Analysts had expected the move after inflation rose again."},
...     {"id": "copy", "text": "DUBAI (Reuters) - " + story},
...     {"id": "other", "text": "A new museum opened its doors to visitors in the old town this week."},
... ])
>>> [(v.id, v.role.value, v.canonical) for v in result.verdicts]
[('wire', 'canonical', 'wire'), ('copy', 'truncated', 'wire'), ('other', 'unique', 'other')]
"""

from __future__ import annotations

import time
import dataclasses
from contextlib import contextmanager
from functools import cached_property
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numba
import numpy as np

from .article import Article, Columns, Role, timestamp
from .candidates import candidate_pairs
from .clean import clean_corpus
from .cluster import Ranking, cluster, roles, version_chains
from .config import DedupeConfig
from .headline import outlets, story_headline, title_key
from .heap import no_cycle_collection, release_freed_memory
from .io.frames import records_of
from .io.readers import Reject
from .sketch import sketch
from .verify import Gap, Verifier

__all__ = ["Verdict", "Story", "Result", "CorpusContext", "Deduplicator", "find_duplicates", "collect_articles"]

_MISSING = {Gap.END: "end", Gap.MIDDLE: "middle", Gap.START: "start"}


@dataclass(frozen=True, repr=False)
class Verdict:
    """What the run decided about one article.

    ``similarity`` is the TF-IDF cosine to the canonical; ``containment`` the share of this
    article's words found in the canonical; ``coverage`` the share of the canonical's words found
    in this article; ``missing`` where a truncated copy's gap lies (``"end"``, ``"middle"`` or
    ``"start"``). Scores are ``None`` for unique articles. ``chain`` is, for a ``version``, the
    ids of the versions that join it to the canonical, from this article to the canonical.
    """

    article: Article
    role: Role
    cluster: str
    canonical: str
    similarity: float | None = None
    containment: float | None = None
    coverage: float | None = None
    missing: str | None = None
    chain: tuple[str, ...] = ()

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
        record = {
            "id": a.id, "cluster": self.cluster, "role": self.role.value, "canonical": self.canonical,
            "similarity": _round(self.similarity), "containment": _round(self.containment),
            "coverage": _round(self.coverage), "missing": self.missing,
            "title": a.title, "source": a.source, "url": a.url,
            "published": a.published.isoformat() if a.published else None, "path": a.path,
        }
        return with_extra(record, a) if extra else record


def with_extra(record: dict[str, Any], article: Article) -> dict[str, Any]:
    """``record`` followed by ``article``'s other input fields (``input_<name>`` where a name is
    already taken)."""
    for name, value in article.extra.items():
        record[name if name not in record else f"input_{name}"] = value
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
        """The best headline among the versions: not page junk or a site-wide label."""
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

    def to_pandas(self, extra: bool = False) -> Any:
        """The verdicts as a pandas DataFrame, one row per article, with the columns of
        ``dedupe scan -o`` (with ``extra``, the input's other fields after them). Ids are strings:
        a frame whose index gave the ids joins it with
        ``frame.join(result.to_pandas().set_index("id"), on=frame.index.astype(str))``. Needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            from .errors import install_hint
            raise ImportError(f"Result.to_pandas() needs pandas: {install_hint('pandas')}") from None
        from .io.writers import COLUMNS
        frame = pd.DataFrame.from_records(self.to_records(extra), columns=None if extra else list(COLUMNS))
        if frame.empty:
            return pd.DataFrame(columns=list(COLUMNS))
        for name in ("similarity", "containment", "coverage"):
            frame[name] = frame[name].astype("float64")
        return frame

    @property
    def summary(self) -> dict[str, int]:
        """Articles read, stories, and how many of each role; rejected inputs."""
        counts = {"articles": len(self.verdicts), "stories": len(self.clusters)}
        counts.update({role.value: self.count(role) for role in Role})
        counts["rejected"] = len(self.rejects)
        return counts


@dataclass(frozen=True)
class CorpusContext:
    """What a run over a whole corpus learns from all of it, for a run over a part of it to give
    the same results.

    ``boilerplate``: the keys of the lines learnt as boilerplate (see
    :class:`dedupe.clean.BoilerplateLearner`); ``idf``: the TF-IDF weight of each hashed word
    column; ``pairs``: the candidate pairs among the part's articles, as id pairs; ``digests``:
    the ids of its articles that hold several stories. Each one left ``None`` is learnt from the
    articles of the run itself. ``arrival``: when each article arrived (any increasing number), to
    rank versions without a publication time as the earliest published are ranked (an index
    knows the order it received its articles in; a batch does not).
    """

    boilerplate: np.ndarray | None = None
    idf: np.ndarray | None = None
    pairs: Sequence[tuple[str, str]] | None = None
    digests: frozenset[str] | None = None
    arrival: Mapping[str, float] | None = None


class Deduplicator:
    """Finds the stories in a batch of articles.

    Parameters
    ----------
    config:
        Parameters of the run; defaults suit news.
    progress:
        Called with the name of each stage as it starts (the CLI shows it on a terminal).
    """

    def __init__(self, config: DedupeConfig | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.progress = progress

    def run(self, articles: Iterable[Article | Mapping[str, Any]], rejects: Iterable[Reject] = (),
            context: CorpusContext | None = None) -> Result:
        """Deduplicate ``articles``; ``rejects`` from reading are carried into the result.

        ``context`` gives what a run over a larger corpus learnt from all of it, when these
        articles are a part of that corpus (:class:`dedupe.Index` runs over its window, the
        Spark job over buckets of whole stories).
        """
        with no_cycle_collection():
            return self._run(articles, rejects, context or CorpusContext())

    def _run(self, articles: Iterable[Article | Mapping[str, Any]], rejects: Iterable[Reject],
             context: CorpusContext) -> Result:
        config = self.config or DedupeConfig()
        timings: dict[str, float] = {}
        accepted, rejected = collect_articles(articles)
        rejected = list(rejects) + rejected
        accepted.sort(key=lambda a: a.id)  # results never depend on input order
        if not accepted:  # every input was rejected: nothing to compare
            return Result([], [], rejects=rejected)

        numba.set_num_threads(min(config.cores, numba.config.NUMBA_NUM_THREADS))  # never above numba's pool
        with self._stage("clean", timings):
            # Later stages read the tokens, not the cleaned texts.
            cleaned = clean_corpus([a.text for a in accepted], [a.title for a in accepted],
                                   config.boilerplate_min_docs, config.cores, keep_texts=False,
                                   boilerplate=context.boilerplate)
            release_freed_memory()  # the strings' heap: later stages' arrays would not reuse it
        with self._stage("sketch", timings):
            sketches = sketch(cleaned.tokens, config.shingle_size, config.num_perm, config.seed)
        with self._stage("candidates", timings):
            if context.pairs is None:
                pairs = candidate_pairs(sketches, config.lsh_threshold, config.anchor_rate)
            else:
                pairs = _positions(accepted, np.array(context.pairs, dtype=object).reshape(-1, 2))
        with self._stage("verify", timings):
            verifier = Verifier(sketches, cleaned, config, idf=context.idf)
            matches = verifier.score(pairs)
            if context.digests is None:
                digests = verifier.digests(matches)
            else:
                digests = np.zeros(len(accepted), dtype=bool)
                digests[_positions(accepted, np.array(sorted(context.digests), dtype=object))] = True
            verifier.refuse_digests(matches, digests)
        with self._stage("cluster", timings):
            stories = cluster(verifier, matches, digests, _ranking(accepted, config, context.arrival))
            role, missing = roles(stories, sketches.word_counts)
        verdicts = _verdicts(accepted, stories, role, missing)
        return Result(*_order(verdicts), rejects=rejected,
                      boilerplate_lines=len(cleaned.boilerplate), timings=timings)

    @contextmanager
    def _stage(self, name: str, timings: dict[str, float]) -> Iterator[None]:
        if self.progress is not None:
            self.progress(name)
        start = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - start


def find_duplicates(data: Any, config: DedupeConfig | None = None, *, text_col: str | None = None,
                    id_col: str | None = None, title_col: str | None = None, source_col: str | None = None,
                    published_col: str | None = None, url_col: str | None = None, **parameters: Any) -> Result:
    """Group the copies among ``data`` into stories; see :class:`Result`.

    ``data`` is what a Python caller holds: ``Article`` objects or dicts (the fields of
    :meth:`Article.from_dict`), a pandas DataFrame (one article a row; without an id column the
    row's index label is its id), a Series of texts (ids from its index), or plain strings (ids
    ``"0"``, ``"1"``, ... by position). ``*_col`` name the columns or keys holding the fields when
    they are not the usual names. Any parameter of :class:`DedupeConfig` may be given by keyword
    (``threshold=0.6``), over ``config``. A record that is not an article is a reject in the
    result, never an exception.

    >>> result = find_duplicates(["Rain fell on Dubai on Monday, the first in months, and roads flooded.",
    ...                           "Rain fell on Dubai on Monday, the first in months, and roads flooded."])
    >>> result
    Result(2 articles, 1 story: 1 duplicate, 0 truncated, 0 extended, 0 version, 0 unique; 0 rejected)
    >>> [(v.id, v.role.value) for v in result.verdicts]
    [('0', 'canonical'), ('1', 'duplicate')]
    """
    if parameters:
        known = {f.name for f in dataclasses.fields(DedupeConfig)}
        unknown = sorted(set(parameters) - known)
        if unknown:
            raise TypeError(f"find_duplicates() got unknown parameter(s) {', '.join(unknown)}; "
                            f"the parameters are {', '.join(sorted(known))}")
        config = (config or DedupeConfig()).replace(**parameters)
    named = dict(text=text_col, id=id_col, title=title_col, source=source_col, published=published_col, url=url_col)
    columns = Columns(**named) if any(named.values()) else None
    articles, rejects = collect_articles(records_of(data, columns), columns)
    return Deduplicator(config).run(articles, rejects)


def collect_articles(items: Iterable[Article | Mapping[str, Any]],
                     columns: Columns | None = None) -> tuple[list[Article], list[Reject]]:
    """``Article`` objects or dicts → articles, and a reject for each record that is not an
    article or repeats an earlier id."""
    articles: list[Article] = []
    rejects: list[Reject] = []
    seen: dict[str, str] = {}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Article):
            try:
                item = Article.from_dict(item, path="<input>", line=number, columns=columns)
            except (ValueError, TypeError, AttributeError) as error:
                rejects.append(Reject("<input>", f"record {number}: {error}", number))
                continue
        if item.id in seen:
            rejects.append(Reject(item.path or "<input>",
                                  f"duplicate id {item.id!r}, first seen at {seen[item.id]}", item.line))
            continue
        seen[item.id] = item.place
        articles.append(item)
    return articles, rejects


def _positions(articles: list[Article], ids: np.ndarray) -> np.ndarray:
    """Where each of ``ids`` stands among ``articles`` (sorted by id); an id not among them is an
    error in the context that named it."""
    known = np.array([a.id for a in articles], dtype=object)
    where = np.minimum(np.searchsorted(known, ids), max(len(known) - 1, 0)).astype(np.int64)
    if len(ids) and (not len(known) or np.any(known[where] != ids)):
        missing = ids[known[where] != ids] if len(known) else ids
        raise ValueError(f"the context names articles that are not in the run: {sorted(set(missing.ravel()))[:5]}")
    return where


def _ranking(articles: list[Article], config: DedupeConfig, arrival: Mapping[str, float] | None) -> Ranking:
    rank = {source.casefold(): i for i, source in enumerate(config.source_priority)}
    priority = np.array([rank.get((a.source or "").casefold(), len(rank)) for a in articles], dtype=np.int64)
    published = np.array([timestamp(a.published) if a.published else np.inf for a in articles], dtype=np.float64)
    arrived = np.array([arrival.get(a.id, np.inf) if arrival else np.inf for a in articles], dtype=np.float64)
    return Ranking(priority, published, arrived)


def _verdicts(articles: list[Article], stories, role: np.ndarray, missing: np.ndarray) -> list[Verdict]:
    canonical = stories.canonical
    s = stories.scores
    by_member = {int(m): k for k, m in enumerate(s.pairs[:, 0])}
    chains = version_chains(stories, np.flatnonzero(role == Role.VERSION.value))
    verdicts = []
    for i, article in enumerate(articles):
        head = articles[canonical[i]].id
        this = Role(role[i])
        if this is Role.UNIQUE:
            verdicts.append(Verdict(article, this, article.id, article.id))
        elif this is Role.CANONICAL:
            verdicts.append(Verdict(article, this, head, head, 1.0, 1.0, 1.0))
        else:
            k = by_member[i]
            verdicts.append(Verdict(article, this, head, head, float(s.cosine[k]), float(s.coverage_ab[k]),
                                    float(s.coverage_ba[k]), _missing_name(int(missing[i])),
                                    tuple(articles[j].id for j in chains.get(i, ()))))
    return verdicts


def _missing_name(flags: int) -> str | None:
    for gap, name in _MISSING.items():
        if flags & gap:
            return name
    return None


_ROLE_ORDER = {Role.CANONICAL: 0, Role.DUPLICATE: 1, Role.EXTENDED: 2, Role.TRUNCATED: 3, Role.VERSION: 4,
               Role.UNIQUE: 5}


def _order(verdicts: list[Verdict]) -> tuple[list[Verdict], list[Story]]:
    ordered = stories_of(verdicts, keep_single=True)
    return [v for story in ordered for v in story.members], [story for story in ordered if len(story) > 1]


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
