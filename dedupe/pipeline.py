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
from typing import Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence

import numba
import numpy as np

from .agencies import agency_of_source
from .article import Article, Columns, Reject, Role, timestamp
from .clean import CleanCorpus
from .candidates import candidate_pairs
from .cluster import Ranking, cluster, roles, version_chains
from .config import DedupeConfig
from .headline import HeadlineCandidates, headline_candidates, story_headlines
from .heap import no_cycle_collection, peak_since_last_call, release_freed_memory
from .io.frames import records_of
from .prepare import CorpusContext, prepare
from .results import MISSING, Result, Scoring, Story, Verdict, stories_of
from .verify import Gap, Verifier, refuse_digests

__all__ = ["Verdict", "Story", "Result", "Scoring", "CorpusContext", "Deduplicator", "find_duplicates", "collect_articles"]

_MISSING = dict(zip((Gap.END, Gap.MIDDLE, Gap.START), MISSING))  # the names of results.MISSING, in order


class Deduplicator:
    """Finds the stories in a batch of articles.

    Parameters
    ----------
    config:
        Parameters of the run; defaults suit news.
    progress:
        Called with the name of each stage as it starts (the CLI shows it on a terminal).
    stage_peaks:
        Measure each stage's peak memory (``Result.peak_memory``, Linux only). It resets the
        process's high-water mark at each stage, which is also the peak that ``getrusage`` and
        ``time -v`` report: off unless asked for (``dedupe scan --timings`` asks).
    release_texts:
        Empty each article's ``text`` once the articles are cleaned, so that its memory goes
        before the later stages need theirs: for a caller that gives its articles up and needs
        no text in the result (``dedupe scan`` without ``--report``). The verdicts' articles then
        have empty texts.
    """

    def __init__(self, config: DedupeConfig | None = None,
                 progress: Callable[[str], None] | None = None, stage_peaks: bool = False,
                 release_texts: bool = False) -> None:
        self.config = config
        self.progress = progress
        self.stage_peaks = stage_peaks
        self.release_texts = release_texts

    def run(self, articles: Iterable[Article | Mapping[str, Any]], rejects: Iterable[Reject] = (),
            context: CorpusContext | None = None, keep_scoring: bool = False) -> Result:
        """Deduplicate ``articles``; ``rejects`` from reading are carried into the result.

        ``context`` gives what a run over a larger corpus learnt from all of it, when these
        articles are a part of that corpus (:class:`dedupe.Index` runs over its window, the
        Spark job over buckets of whole stories). ``keep_scoring`` keeps the run's prepared
        articles, verifier and pair scores in ``Result.scoring`` (``dedupe explain`` reads them).
        """
        with no_cycle_collection():
            return self._run(articles, rejects, context or CorpusContext(), keep_scoring)

    def _run(self, articles: Iterable[Article | Mapping[str, Any]], rejects: Iterable[Reject],
             context: CorpusContext, keep_scoring: bool) -> Result:
        config = self.config or DedupeConfig()
        timings: dict[str, float] = {}
        peaks: dict[str, int] = {}
        accepted, rejected = collect_articles(articles)
        rejected = list(rejects) + rejected
        accepted.sort(key=lambda a: a.id)  # results never depend on input order
        if not accepted:  # every input was rejected: nothing to compare
            return Result([], [], rejects=rejected)

        numba.set_num_threads(min(config.cores, numba.config.NUMBA_NUM_THREADS))  # never above numba's pool
        # Later stages read the tokens, not the cleaned texts.
        prepared = prepare(accepted, config, context, keep_texts=keep_scoring,
                           stage=lambda name: self._stage(name, timings, peaks),
                           with_signatures=context.pairs is None or keep_scoring)  # known pairs need none
        # What each article offers as its story's headline, read from its cleaned text (by cleaning),
        # else from its text while it is here.
        offers = prepared.cleaned.offers or [(context.offers or {}).get(a.id) for a in accepted]
        offered = {a.id: headline_candidates(a, offer) for a, offer in zip(accepted, offers)}
        if self.release_texts and not keep_scoring:
            for article in accepted:
                object.__setattr__(article, "text", "")  # frozen for the caller; given up by it
        release_freed_memory()  # the strings' heap: later stages' arrays would not reuse it
        cleaned, sketches = prepared.cleaned, prepared.sketches
        boilerplate_lines = len(cleaned.boilerplate)
        # What the later stages no longer read goes as soon as they are past it: the signatures
        # once candidates are found, the tokens once the verifier has taken their facts.
        kept = prepared if keep_scoring else None
        del prepared
        with self._stage("candidates", timings, peaks):
            if context.pairs is None:
                pairs = candidate_pairs(sketches, config.lsh_threshold, config.anchor_rate)
            else:
                pairs = _positions(accepted, np.array(context.pairs, dtype=object).reshape(-1, 2))
            if kept is None:
                sketches = dataclasses.replace(sketches, signatures=np.zeros((len(sketches), 0), dtype=np.uint32))
        with self._stage("verify", timings, peaks):
            verifier = Verifier(sketches, cleaned, config, idf=context.idf)
            ranking = _ranking(accepted, cleaned, config, context.arrival)
            del cleaned
            matches = verifier.score(pairs)
            # Digests found among these pairs, and those a larger corpus found by pairs outside them.
            digests = verifier.digests(matches)
            if context.digests:
                digests[_positions(accepted, np.array(sorted(context.digests), dtype=object))] = True
            matches = refuse_digests(matches, digests, verifier.words)
        with self._stage("cluster", timings, peaks):
            stories = cluster(verifier, matches, digests, ranking)
            role, missing = roles(stories, sketches.word_counts)
        verdicts = with_headlines(_verdicts(accepted, stories, role, missing), offered)
        scoring = Scoring(accepted, kept, verifier, matches, digests, stories) if kept is not None else None
        return Result(*_order(verdicts), rejects=rejected,
                      boilerplate_lines=boilerplate_lines, timings=timings, peak_memory=peaks, scoring=scoring)

    @contextmanager
    def _stage(self, name: str, timings: dict[str, float], peaks: dict[str, int]) -> Iterator[None]:
        if self.progress is not None:
            self.progress(name)
        if self.stage_peaks:
            peak_since_last_call()  # the stage's peak is counted from here
        start = time.perf_counter()
        yield
        release_freed_memory()  # what the stage freed, for the next stage's arrays
        timings[name] = time.perf_counter() - start
        peak = peak_since_last_call() if self.stage_peaks else None
        if peak is not None:
            peaks[name] = peak


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


def _ranking(articles: list[Article], cleaned: CleanCorpus, config: DedupeConfig,
             arrival: Mapping[str, float] | None) -> Ranking:
    rank = {source.casefold(): i for i, source in enumerate(config.source_priority)}
    priority = np.array([rank.get((a.source or "").casefold(), len(rank)) for a in articles], dtype=np.int64)
    published = np.array([timestamp(a.published) if a.published else np.inf for a in articles], dtype=np.float64)
    arrived = np.array([arrival.get(a.id, np.inf) if arrival else np.inf for a in articles], dtype=np.float64)
    agency = np.array([agency_of_source(a.source) for a in articles], dtype=np.int8)
    return Ranking(priority, published, arrived, cleaned.page_lines, cleaned.credits, agency)


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


def with_headlines(verdicts: Sequence[Verdict], offered: Mapping[str, HeadlineCandidates],
                   shared: Collection[str] | None = None) -> list[Verdict]:
    """``verdicts`` with their story's headline (:func:`dedupe.headline.story_headlines`), from
    what each article offered (``offered``, by id); ``shared`` as there."""
    stories: dict[str, list[HeadlineCandidates]] = {}
    for v in sorted(verdicts, key=lambda v: v.role is not Role.CANONICAL and v.role is not Role.UNIQUE):
        stories.setdefault(v.cluster, []).append(offered[v.id])
    headlines = story_headlines(stories, shared)
    return [dataclasses.replace(v, headline=headlines[v.cluster]) for v in verdicts]


def _missing_name(flags: int) -> str | None:
    for gap, name in _MISSING.items():
        if flags & gap:
            return name
    return None


def _order(verdicts: list[Verdict]) -> tuple[list[Verdict], list[Story]]:
    ordered = stories_of(verdicts, keep_single=True)
    return [v for story in ordered for v in story.members], [story for story in ordered if len(story) > 1]


