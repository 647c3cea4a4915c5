"""The ingestion index: articles that arrive in batches are compared with everything stored in
a time window, not only with each other, and stored in turn.

An ``add`` finds, by the stored lookup keys (LSH band buckets and anchors), the stored articles
a new one could be a copy of, takes in the whole stories they belong to, and runs the batch
pipeline over those stories and the new articles together. Its outcome places every article of
that working set: new ones join a story or start one, stored ones may change role (a fuller
version became canonical) and stories may merge. Names of stories never change, except that a
merged story takes the name of the older one.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np
import orjson

from ..article import Article, Reject, timestamp
from ..candidates import (ANCHORS_THAT_LINK, anchor_counts, anchors_decide, key_links, linked, lsh_bands,
                          pairs_from_keys, shared_keys)
from ..boilerplate import BoilerplateLearner
from ..clean import CleaningPool
from ..config import DedupeConfig
from ..errors import ConfigError, IndexStoreError, IndexWriteError, install_hint
from ..heap import no_cycle_collection
from ..pipeline import Deduplicator, collect_articles
from ..prepare import PreparedArticle, prepare, prepare_once, prepared_context
from ..results import EVENTS, Story, Verdict, with_extra
from ..tokens import Lines
from ..verify import Verifier, refuse_digests
from .entry import FORMAT_VERSION, Entry, Store
from .sqlite_store import SQLiteStore

__all__ = ["Index", "IndexVerdict", "Added", "parse_duration"]

HASH_SCHEME = "words:dedupe.tokens/shingles:fmix64-32/minhash:affine32"
"""How words, shingles and signatures are hashed; stored keys are only comparable under one."""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


FUTURE_SLACK = 2 * 86400.0
"""How far after ``now`` an article's publication time may lie (time zones, embargoed copy): an
article dated later is rejected by :meth:`Index.add`, so one bad date never pins the window."""


def parse_duration(value: str | float | timedelta) -> float:
    """Seconds in ``value``: a number of seconds, a ``timedelta``, or text such as ``"90m"``,
    ``"36h"``, ``"3d"`` or ``"2w"``. Raises ``ConfigError`` for anything else."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _SECONDS[match.group(2)]
    else:
        raise ConfigError(f"a duration must be seconds or text like '36h', '3d' or '2w', got {value!r}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"a duration must be positive, got {value!r}")
    return seconds


@dataclass(frozen=True)
class IndexVerdict(Verdict):
    """A :class:`dedupe.Verdict` on an article given to :meth:`Index.add`; ``cluster`` names its
    story, which keeps its name across runs.

    ``replaced`` is the story's previous canonical when this add gave the story a new one (a
    more complete version arrived); ``known`` says the index already held an article with this
    id, which was left as it was.
    """

    replaced: str | None = None
    known: bool = False

    def to_record(self, extra: bool = True) -> dict[str, Any]:
        record = super().to_record(extra=False)
        record.update(replaced=self.replaced, known=self.known)
        return with_extra(record, self.article) if extra else record


@dataclass
class Added:
    """What :meth:`Index.add` did: a verdict per article taken, in the order given, a reject for
    each one not taken (not an article, a repeated id, published before the window), and the
    events of the stored stories it changed."""

    verdicts: list[IndexVerdict]
    rejects: list[Reject] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    """What the add did to stored stories (:meth:`Index.events`, the same records)."""
    relearnt: int = 0
    """How many lines this add learnt as page boilerplate or unlearnt: the stories holding them
    are compared again, and may change without a new article joining them (see :attr:`events`)."""
    early: list[Reject] = field(default_factory=list)
    """The rejects (among :attr:`rejects`) of articles published before the window: for an
    archive, the window should count from its last day (``now``)."""

    def __iter__(self) -> Iterator[IndexVerdict]:
        return iter(self.verdicts)

    def __len__(self) -> int:
        return len(self.verdicts)


class Index:
    """A persistent index of articles, for ingestion jobs that deduplicate batch after batch.

    Parameters
    ----------
    location:
        A SQLite file (created if absent), or a Redis URL ``redis://host:port/db``.
    window:
        How far back, by publication time (else arrival time), articles are compared: seconds, a
        ``timedelta`` or text like ``"3d"``. Older articles are never matched, and
        :meth:`prune` removes them. ``None`` keeps and compares everything.
    config:
        The run's parameters. Those that decide the stored keys (``seed``, ``num_perm``,
        ``shingle_size``, ``lsh_threshold``, ``anchor_rate``) must be the ones the index was made
        with; the others may change from run to run.
    create:
        Make the index when there is none (else :class:`IndexStoreError`).
    writable:
        Open it for writing; ``False`` reads a file on a read-only file system too.
    on_wait:
        Called with a line for people when a call must wait for another writer's lock.

    Examples
    --------
    >>> import tempfile, os
    >>> story = "The central bank raised its main interest rate by a quarter point on Tuesday. " * 3
    >>> more = "Analysts had expected the move after inflation rose again for a third month."
    >>> with tempfile.TemporaryDirectory() as folder, Index(os.path.join(folder, "news.db")) as index:
    ...     first = index.add([{"id": "cut", "text": "DUBAI (Reuters) - " + story}])
    ...     later = index.add([{"id": "full", "text": story + more}])
    ...     [(v.id, v.role.value, v.cluster, v.replaced) for v in later]
    [('full', 'canonical', 'cut', 'cut')]
    """

    def __init__(self, location: str | os.PathLike[str], window: str | float | timedelta | None = None,
                 config: DedupeConfig | None = None, create: bool = True, writable: bool = True,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.window = None if window is None else parse_duration(window)
        # A posting list that no article joined for twice the window holds only articles out of it.
        self._expire = None if self.window is None else 2 * self.window
        self.config = config or DedupeConfig()
        self._cleaners = CleaningPool(self.config.cores)  # started by the first add large enough to use it
        self._store = open_store(location, create, writable)
        if on_wait is not None:  # told when a writer has to wait for another one
            self._store.on_wait = on_wait
        self.location = self._store.location
        stored = self._store.meta()
        if stored is None and not create:
            self._store.close()
            raise IndexStoreError(f"{self.location}: no index here (dedupe index add creates one)")
        if stored is not None:
            self._check(stored)

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the file or the connection, and stop the cleaning processes."""
        self._cleaners.close()
        self._store.close()

    def add(self, articles: Iterable[Article | Mapping[str, Any]], now: datetime | str | None = None) -> Added:
        """Compare ``articles`` with the stored ones in the window and with each other, store
        them, and say what each one is.

        ``now`` is the arrival time, a ``datetime`` or ISO 8601 text (default: the clock); it
        stands in for a missing publication time and sets the window's start. The whole call
        is one transaction: if it fails or is killed, nothing of it is stored, and adding the
        batch again gives what an uninterrupted run would have. Articles whose id is stored
        already are left as they are (``known``).

        Each new article is cleaned once, here, and stored as prepared; stored articles are
        never cleaned again. Only the stories the new articles join are compared again, with
        the stories holding a line whose standing as boilerplate this add changed; every other
        story is left exactly as it was. What happened to stored stories is in
        :attr:`Added.events`, and in :meth:`events` later.
        """
        now_ts = timestamp(now) if now is not None else time.time()
        since = now_ts - self.window if self.window is not None else -math.inf
        accepted, rejects = collect_articles(articles)
        times = {a.id: timestamp(a.published) if a.published else now_ts for a in accepted}
        taken = []
        early: list[Reject] = []
        for a in accepted:
            if times[a.id] > now_ts + FUTURE_SLACK:
                rejects.append(Reject(a.path or "<input>", f"article {a.id!r} says it was published "
                                      f"{a.published.isoformat()}, more than {FUTURE_SLACK / 86400:g} days after now "
                                      "(an error in the feed, or an embargo): not stored", a.line))
            elif times[a.id] < since:
                early.append(Reject(a.path or "<input>", f"article {a.id!r} was published "
                                    f"{a.published.isoformat()}, before the index's window: not compared, "
                                    "not stored", a.line))
                rejects.append(early[-1])
            else:
                taken.append(a)
        # New articles are cleaned before the index is held: other writers wait for no cleaning.
        with self._store.reading():
            stored_before = self._store.known([a.id for a in taken])
        todo = [a for a in taken if a.id not in stored_before]
        records = dict(zip((a.id for a in todo), prepare_once(todo, self.config, self._cleaners)))
        with no_cycle_collection(), self._store.exclusive():
            self._init_meta()
            known = self._store.known([a.id for a in taken])
            fresh = [a for a in taken if a.id not in known]
            missing = [a for a in fresh if a.id not in records]  # pruned by another writer meanwhile
            records.update(zip((a.id for a in missing), prepare_once(missing, self.config)))
            placed, changes, relearnt = self._add_fresh(fresh, [records[a.id] for a in fresh], times, since) \
                if fresh else ({}, [], 0)
            # Kept with the add, so that a job whose output was lost can read them back.
            self._store.record_events(now_ts, [_event_row(e) for e in changes])
            # Articles stored before carry their story's headline as it stands.
            held = {e.verdict.cluster for e in known.values()}
            members = self._store.members(held) if held else []
        stories = {}
        for e in members:
            stories.setdefault(e.verdict.cluster, []).append(e.verdict)
        headline = {name: Story.of(name, group).headline for name, group in stories.items()}
        known = {i: dataclasses.replace(e, verdict=dataclasses.replace(e.verdict, headline=headline.get(e.story)))
                 for i, e in known.items()}
        replaced = {e["story"]: e["replaced"] for e in changes if e["event"] == "replaced"}
        verdicts = [_verdict(known[a.id].verdict, known=True) if a.id in known
                    else _verdict(placed[a.id], replaced=replaced.get(placed[a.id].cluster)) for a in taken]
        moment = datetime.fromtimestamp(now_ts, timezone.utc).isoformat()
        return Added(verdicts, rejects, [{"time": moment, **e} for e in changes], relearnt, early)

    def events(self, since: datetime | str | None = None) -> list[dict[str, Any]]:
        """What happened to stored stories, add by add (and prune by prune), since ``since`` (a
        ``datetime`` or ISO 8601 text; default: all kept): one dict per change, with the fields
        of :data:`dedupe.results.EVENTS`, ``time`` being the add's ``now`` in ISO 8601. The
        same events as :attr:`Added.events`, stored in the add's own transaction."""
        start = timestamp(since) if since is not None else -math.inf
        with self._store.reading():
            rows = self._store.events(start)
        return [dict(zip(EVENTS, (datetime.fromtimestamp(row[0], timezone.utc).isoformat(), *row[1:]))) for row in rows]

    def check_writable(self) -> None:
        """Raise :class:`IndexStoreError` now, before any work, if the index cannot be written
        (a read-only file or file system, no permission, another writer that holds it too long):
        an index that cannot be written is a usage error, not a failure during the work."""
        try:
            with self._store.exclusive():
                pass
        except IndexWriteError as error:
            raise IndexStoreError(str(error)) from None

    def story(self, name: str) -> Story | None:
        """The stored story ``name`` (canonical first), or ``None`` when there is none."""
        with self._store.reading():
            members = self._store.members([name])
        if not members:
            return None
        return Story.of(name, (_verdict(e.verdict) for e in members))

    def prune(self, older_than: str | float | timedelta | None = None, now: datetime | str | None = None,
              dry_run: bool = False) -> int:
        """Remove the articles published (else arrived) more than ``older_than`` before ``now``
        (default: the window); return how many went (with ``dry_run``, how many would go,
        removing nothing). Stories that lost their canonical get the best remaining version as
        canonical."""
        if older_than is None and self.window is None:
            raise ConfigError("prune needs an age: give older_than, or open the index with a window")
        age = self.window if older_than is None else parse_duration(older_than)
        cutoff = (timestamp(now) if now is not None else time.time()) - age
        if dry_run:
            with self._store.reading():
                return len(self._store.older_than(cutoff))
        with no_cycle_collection(), self._store.exclusive():
            gone = self._store.older_than(cutoff)
            if not gone:
                return 0
            self._store.delete(gone)
            gone_seqs = {e.seq for e in gone}
            rest = [e for e in self._store.members({e.story for e in gone}) if e.seq not in gone_seqs]
            # Learnt lines that no remaining article holds are forgotten.
            boilerplate = self._store.boilerplate()
            gone_lines = np.intersect1d(np.concatenate([e.lines for e in gone]), boilerplate)
            forgotten = np.setdiff1d(gone_lines, self._store.line_holders(gone_lines, cutoff)[0])
            self._store.set_boilerplate(np.zeros(0, dtype=np.uint64), forgotten)
            if rest:
                placed, changes = self._place(rest, [], [], boilerplate, 0)
                self._store.save([], _moves(rest, placed), [], self._expire)
                self._store.record_events(timestamp(now) if now is not None else time.time(),
                                          [_event_row(e) for e in changes])
        return len(gone)

    def stats(self) -> dict[str, Any]:
        """Articles and stories stored, the oldest and newest times (ISO 8601), the size in
        bytes, how many lines were learnt as page boilerplate, and the parameters the index was
        made with."""
        with self._store.reading():
            stats = self._store.stats()
            stats["boilerplate_lines"] = len(self._store.boilerplate())
            stats["parameters"] = self._store.meta()
        stats["window_seconds"] = self.window
        for name in ("oldest", "newest"):  # times as events and verdicts give them
            if stats[name] is not None:
                stats[name] = datetime.fromtimestamp(stats[name], timezone.utc).isoformat()
        return stats

    # -- the work of an add -------------------------------------------------------------------

    def _add_fresh(self, fresh: list[Article], records: list[PreparedArticle], times: dict[str, float],
                   since: float) -> tuple[dict[str, Verdict], list[dict[str, Any]], int]:
        cfg = self.config
        known = self._store.boilerplate()
        learner = BoilerplateLearner(cfg.boilerplate_min_docs)
        short_lines = learner.short_lines(Lines.unpack([r.lines for r in records]))
        boilerplate, line_holders = self._learn(fresh, records, short_lines, known, since)
        prepared = prepare(fresh, cfg, prepared_context([a.id for a in fresh], records, boilerplate))
        keys, offsets = prepared.lookup_keys(cfg)
        held_keys, held_seqs = self._store.holders(np.unique(keys), since)
        pairs = _candidates(keys, offsets, held_keys, held_seqs, self._store.lookup_keys)
        fresh_pairs = pairs_from_keys(keys, offsets)  # the batch's own, by the rule of a scan
        joined, digests = self._joined(fresh, records, pairs, fresh_pairs, boilerplate)
        # The stories compared again: those a new article joins, and those holding a line learnt
        # or unlearnt (their words changed). No other story changes.
        reshaped = self._store.stories_of(line_holders) if len(line_holders) else set()
        stored = self._store.members(joined | reshaped, since)
        first = self._store.next_seq(len(fresh))
        placed, changes = self._place(stored, fresh, records, boilerplate, first, digests)
        by_doc = np.argsort(short_lines[1], kind="stable")
        line_keys = short_lines[0][by_doc]
        line_offsets = np.searchsorted(short_lines[1][by_doc], np.arange(len(fresh) + 1))
        new = [Entry(first + i, times[a.id], keys[offsets[i]:offsets[i + 1]],
                     line_keys[line_offsets[i]:line_offsets[i + 1]], placed[a.id], records[i])
               for i, a in enumerate(fresh)]
        self._store.save(new, _moves(stored, placed), self._rekeyed(stored, line_holders, boilerplate),
                         self._expire)
        self._store.set_boilerplate(np.setdiff1d(boilerplate, known), np.setdiff1d(known, boilerplate))
        return placed, changes, len(np.setxor1d(boilerplate, known))

    def _joined(self, fresh: list[Article], records: list[PreparedArticle], pairs: np.ndarray,
                fresh_pairs: np.ndarray, boilerplate: np.ndarray) -> tuple[set[str], frozenset[str]]:
        """The stories of the stored articles that a new one is a copy of: of the candidate
        ``pairs`` (stored seq, new article's position), those the verifier's rules accept. Only
        these stories can take the new articles in; the other candidates' stories are not read,
        nor their articles, only their preparations. Also the digests among the new articles
        and the candidates, found by all these pairs and the new articles' own (``fresh_pairs``,
        positions): an item of a digest is rarely a copy, and its story is not compared again."""
        if not len(pairs) and not len(fresh_pairs):
            return set(), frozenset()
        stored = self._store.prepared(pairs[:, 0]) if len(pairs) else []
        where = {seq: len(fresh) + i for i, (seq, *_) in enumerate(stored)}
        ids = [a.id for a in fresh] + [id_ for _, id_, _, _ in stored]
        articles = fresh + [Article(id_, "") for id_ in ids[len(fresh):]]  # compared as prepared: no text read
        prepared = prepare(articles, self.config, prepared_context(
            ids, records + [p for *_, p in stored], boilerplate), with_signatures=False)
        verifier = Verifier(prepared.sketches, prepared.cleaned, self.config)
        known = pairs[np.isin(pairs[:, 0], list(where))]
        crossing = np.column_stack([[where[s] for s in known[:, 0].tolist()], known[:, 1]]).astype(np.int64)
        scores = verifier.score(np.concatenate([crossing.reshape(-1, 2), fresh_pairs.reshape(-1, 2)]))
        digests = verifier.digests(scores)
        accepted = refuse_digests(scores, digests, verifier.words).accepted[:len(crossing)]
        copied = set(known[accepted, 0].tolist())
        return ({story for seq, _, story, _ in stored if seq in copied},
                frozenset(ids[i] for i in np.flatnonzero(digests).tolist()))

    def _learn(self, fresh: list[Article], records: list[PreparedArticle], short_lines: tuple[np.ndarray, np.ndarray],
               known: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        """Page boilerplate, learnt over the window by the rule of a batch run: a line held by
        ``boilerplate_min_docs`` articles or more that spans stories in a sample of them, the
        first by id. A line is judged again whenever a new article enters its sample; stored
        holders are judged on their stored lines, never cleaned again. Returns the boilerplate
        after this add, and the stored articles (seqs) that hold a line whose standing changed."""
        cfg = self.config
        learner = BoilerplateLearner(cfg.boilerplate_min_docs)
        line_keys, line_docs = short_lines  # sorted by key, then article
        unchanged = known, np.zeros(0, dtype=np.int64)
        if not len(line_keys):
            return unchanged
        keys, first = np.unique(line_keys, return_index=True)
        fresh_counts = np.diff(np.r_[first, len(line_keys)])
        stored_counts, stored_samples = self._store.line_samples(keys, since, learner.sample)
        judged: list[int] = []
        samples: list[list[int]] = []  # holders: stored seqs >= 0 > new articles, -1 - position
        for k in np.flatnonzero(learner.judged(stored_counts + fresh_counts)).tolist():
            news = [(fresh[d].id, -1 - d) for d in line_docs[first[k]:first[k] + fresh_counts[k]].tolist()]
            sample = learner.sample_of(sorted(stored_samples[k] + news))
            if any(holder < 0 for _, holder in sample):
                judged.append(k)
                samples.append([holder for _, holder in sample])
        if not judged:
            return unchanged
        sampled = sorted({holder for sample in samples for holder in sample})
        stored = {e.seq: e.prepared for e in self._store.entries(np.array([h for h in sampled if h >= 0],
                                                                          dtype=np.int64))}
        lines = Lines.unpack([records[-1 - h].lines if h < 0 else stored[h].lines for h in sampled])
        position = {holder: i for i, holder in enumerate(sampled)}
        spans = learner.spans_stories(keys[judged], [np.array([position[h] for h in sample], dtype=np.int64)
                                                     for sample in samples], lines)
        boilerplate = np.union1d(np.setdiff1d(known, keys[judged][~spans]), keys[judged][spans])
        changed = np.setxor1d(known, boilerplate)
        holders = self._store.line_holders(changed, since)[1] if len(changed) else np.zeros(0, dtype=np.int64)
        return boilerplate, np.unique(holders)

    def _rekeyed(self, stored: list[Entry], holders: np.ndarray,
                 boilerplate: np.ndarray) -> list[tuple[Entry, np.ndarray]]:
        """New lookup keys for the stored articles in ``holders``, which hold lines learnt or
        unlearnt since they were keyed: as a batch run would key them now, from their stored
        preparation."""
        wanted = set(holders.tolist())
        entries = [e for e in stored if e.seq in wanted]
        if not entries:
            return []
        articles = [e.article for e in entries]
        keys, offsets = prepare(articles, self.config, prepared_context(
            [a.id for a in articles], [e.prepared for e in entries], boilerplate)).lookup_keys(self.config)
        rows = [(e, keys[offsets[i]:offsets[i + 1]]) for i, e in enumerate(entries)]
        return [(e, row) for e, row in rows if not np.array_equal(np.sort(e.keys), np.sort(row))]

    def _place(self, stored: list[Entry], fresh: list[Article], records: list[PreparedArticle],
               boilerplate: np.ndarray, first: int,
               digests: frozenset[str] = frozenset()) -> tuple[dict[str, Verdict], list[dict[str, Any]]]:
        """Run the pipeline over stored stories and new articles together (all as prepared), with
        the boilerplate learnt over the window, and name each story that comes out. The new
        articles arrive as ``first``, ``first + 1``, ...: among versions without a publication
        time, the one that arrived first is preferred. Returns every article's verdict
        (``cluster`` naming its story) and what happened to the stored stories (events)."""
        articles = [e.article for e in stored] + fresh
        context = prepared_context([a.id for a in articles], [e.prepared for e in stored] + records, boilerplate)
        arrival = {e.article.id: float(e.seq) for e in stored}
        arrival.update({a.id: float(first + i) for i, a in enumerate(fresh)})
        within = digests & {a.id for a in articles}  # digests that pairs outside the run show
        result = Deduplicator(self.config).run(articles, context=dataclasses.replace(
            context, arrival=arrival, digests=within or None))
        return self._named(stored, {a.id for a in fresh}, result.verdicts)

    def _named(self, stored: list[Entry], fresh: set[str],
               verdicts: list[Verdict]) -> tuple[dict[str, Verdict], list[dict[str, Any]]]:
        """The run's stories under their names, and the events that tell the changes.

        A story keeps its name as long as its canonical stays with it; when stories merge, the
        older name wins; a part that leaves a story without its canonical is a new story, named
        after its own canonical. A story whose canonical left the window keeps its name on the
        oldest part of it that remains."""
        founded: dict[str, float] = {}  # an old story's age: the first seq of its stored members
        canonical_before: dict[str, str] = {}
        for e in stored:
            founded[e.story] = min(founded.get(e.story, math.inf), e.seq)
            canonical_before[e.story] = e.verdict.canonical
        was = {e.article.id: e.story for e in stored}
        order = {e.article.id: e.seq for e in stored}
        groups: dict[str, list[Verdict]] = {}
        for v in verdicts:
            groups.setdefault(v.cluster, []).append(v)
        ordered = sorted(groups.values(), key=lambda g: (min(order.get(v.id, math.inf) for v in g), min(v.id for v in g)))
        present = {v.id for v in verdicts}
        names: list[str | None] = [None] * len(ordered)
        claimed: set[str] = set()
        # A group holding old stories' canonicals takes the oldest of those stories' names.
        for k, group in enumerate(ordered):
            olds = sorted({was[v.id] for v in group if v.id in was and canonical_before[was[v.id]] == v.id}
                          - claimed, key=lambda s: (founded[s], s))
            if olds:
                names[k] = olds[0]
                claimed.add(olds[0])
        # A story whose canonical is not in the run (out of the window, pruned) lives on in its
        # oldest part.
        for k, group in enumerate(ordered):
            if names[k] is None:
                olds = sorted({was[v.id] for v in group if v.id in was and canonical_before[was[v.id]] not in present}
                              - claimed, key=lambda s: (founded[s], s))
                if olds:
                    names[k] = olds[0]
                    claimed.add(olds[0])
        # A new story is named after its first canonical, unless that name is in use: one look-up
        # in the store for all of them.
        bases = [group[0].canonical for group, name in zip(ordered, names) if name is None]
        in_use = claimed | set(founded) | (self._store.taken(bases) if bases else set())
        placed: dict[str, Verdict] = {}
        for k, group in enumerate(ordered):
            if names[k] is None:
                names[k] = self._free_name(group[0].canonical, in_use)
                in_use.add(names[k])
            for v in group:
                placed[v.id] = dataclasses.replace(v, cluster=names[k])
        return placed, _changes(stored, fresh, ordered, names, canonical_before, claimed)

    def _free_name(self, base: str, in_use: set[str]) -> str:
        """``base``, or ``base~2``, ``base~3``...: the first that no story has (``in_use`` holds
        every name in use that could be ``base``; the store is asked about the others)."""
        name, count = base, 1
        while name in in_use or (count > 1 and self._store.taken([name])):
            count += 1
            name = f"{base}~{count}"
        return name

    # -- parameters -----------------------------------------------------------------------------

    def _parameters(self) -> dict[str, Any]:
        cfg = self.config
        bands, rows = lsh_bands(cfg.lsh_threshold, cfg.num_perm)
        return {"format": FORMAT_VERSION, "hash": HASH_SCHEME, "seed": cfg.seed, "num_perm": cfg.num_perm,
                "shingle_size": cfg.shingle_size, "bands": bands, "rows": rows, "anchor_rate": cfg.anchor_rate}

    def _check(self, stored: dict[str, Any]) -> None:
        ours = self._parameters()
        if stored.get("format") != FORMAT_VERSION:
            # An index of another storage format is refused whole, before anything is read or
            # written: its rows are not this version's (format 2 kept texts, not prepared articles).
            raise IndexStoreError(
                f"{self.location}: this index was written in storage format {stored.get('format')!r}, by another "
                f"version of wire-dedupe; this version reads and writes format {FORMAT_VERSION} only. Build a new "
                "index from your feed with dedupe index add (the old file is left as it is)")
        for name, value in ours.items():
            if stored.get(name) != value:
                raise IndexStoreError(
                    f"{self.location}: the index was made with {name}={stored.get(name)!r}, and this run has "
                    f"{name}={value!r}; its stored keys cannot be compared. Open it with the parameters it was "
                    "made with, or start a new index")

    def _init_meta(self) -> None:
        stored = self._store.meta()
        if stored is None:
            self._store.set_meta(self._parameters())
        else:
            self._check(stored)


def open_store(location: str | os.PathLike[str], create: bool = True, writable: bool = True) -> Store:
    """The backend for ``location``: a Redis URL, or else a SQLite file (made only with ``create``;
    opened read only unless ``writable``)."""
    text = os.fspath(location)
    if text.startswith(("redis://", "rediss://", "unix://")):
        try:
            from .redis_store import RedisStore  # redis-py is needed only for a Redis index
        except ImportError as error:
            if error.name != "redis":
                raise
            raise IndexStoreError(f"{text.split('://')[0]}:// index: a Redis index needs redis-py: "
                                  f"{install_hint('redis')}") from None
        return RedisStore(text)
    return SQLiteStore(text, create, writable)



def _moves(stored: list[Entry], placed: dict[str, Verdict]) -> list[tuple[Entry, Verdict]]:
    return [(e, placed[e.article.id]) for e in stored if placed[e.article.id] != e.verdict]


def _verdict(v: Verdict, replaced: str | None = None, known: bool = False) -> IndexVerdict:
    return IndexVerdict(**{f.name: getattr(v, f.name) for f in dataclasses.fields(Verdict)},
                        replaced=replaced, known=known)


def _candidates(keys: np.ndarray, offsets: np.ndarray, held_keys: np.ndarray, held_seqs: np.ndarray,
                stored_keys: Callable[[np.ndarray], list[np.ndarray]]) -> np.ndarray:
    """The pairs (stored seq, new article's position) that the batch pipeline would make of the
    new articles and the stored ones, by the rule of :mod:`dedupe.candidates`: the new articles'
    lookup keys (CSR rows ``keys``, ``offsets``) against the stored postings ``(held_keys,
    held_seqs)``. New articles come after every stored one, so a crowded key links them to its
    oldest holder. ``stored_keys`` gives stored articles' keys, asked only for pairs that need
    their number of anchors."""
    if len(held_keys) == 0:
        return np.empty((0, 2), dtype=np.int64)
    after = int(held_seqs.max()) + 1
    new_members = after + np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))
    fresh = np.r_[np.ones(len(keys), dtype=bool), np.zeros(len(held_keys), dtype=bool)]
    links, band = key_links(np.concatenate([keys, held_keys]), np.concatenate([new_members, held_seqs]), fresh)
    pairs, band, shared = shared_keys(links, band)
    crossing = pairs[:, 0] < after  # a stored article and a new one; new pairs are the batch's own
    pairs, band, shared = pairs[crossing], band[crossing], shared[crossing]
    new_anchors = anchor_counts(keys, offsets)[pairs[:, 1] - after]
    # The stored side's anchors decide only some pairs; elsewhere the rule's outcome is the same
    # for any count, and the store is not asked.
    stored_anchors = np.full(len(pairs), ANCHORS_THAT_LINK, dtype=np.int64)
    ask = anchors_decide(band, shared, new_anchors)
    if ask.any():
        seqs = np.unique(pairs[ask, 0])
        held = stored_keys(seqs)
        counts = anchor_counts(np.concatenate(held), np.r_[0, np.cumsum([len(k) for k in held])])
        stored_anchors[ask] = counts[np.searchsorted(seqs, pairs[ask, 0])]
    chosen = pairs[linked(band, shared, stored_anchors, new_anchors)]
    return np.column_stack([chosen[:, 0], chosen[:, 1] - after]).astype(np.int64)


def _changes(stored: list[Entry], fresh: set[str], groups: list[list[Verdict]], names: list[str],
             canonical_before: dict[str, str], kept: set[str]) -> list[dict[str, Any]]:
    """The events of one placing (the fields of :data:`dedupe.results.EVENTS` but the time):
    stored articles that moved to another story (``split`` from a story that lives on,
    ``merged`` into another when their story's name is gone), new articles that ``joined`` a
    stored story, and stored stories whose canonical was ``replaced``."""
    canonical_of = {name: group[0].canonical for name, group in zip(names, groups)}
    where = {v.id: name for name, group in zip(names, groups) for v in group}
    moved: dict[tuple[str, str], list[str]] = {}
    for e in stored:
        if where[e.article.id] != e.story:
            moved.setdefault((e.story, where[e.article.id]), []).append(e.article.id)
    changes = []
    for (old, new), ids in sorted(moved.items()):
        if old in kept:
            changes.append(_change("split", old, canonical_of[old], other=new, articles=ids))
        else:
            changes.append(_change("merged", new, canonical_of[new], other=old, articles=ids))
    for name, group in zip(names, groups):
        if name not in canonical_before:
            continue  # a new story: its articles' verdicts say so
        came = [v.id for v in group if v.id in fresh]
        if came:
            changes.append(_change("joined", name, canonical_of[name], articles=came))
        if canonical_before[name] != canonical_of[name]:
            changes.append(_change("replaced", name, canonical_of[name], replaced=canonical_before[name]))
    return changes


def _change(event: str, story: str, canonical: str, replaced: str | None = None, other: str | None = None,
            articles: Iterable[str] = ()) -> dict[str, Any]:
    return {"event": event, "story": story, "canonical": canonical, "replaced": replaced, "other": other,
            "articles": sorted(articles)}


def _event_row(change: dict[str, Any]) -> tuple[Any, ...]:
    """A change as a store keeps it: the fields of :data:`dedupe.results.EVENTS` after the time,
    the articles as JSON text."""
    return (*(change[name] for name in EVENTS[1:-1]), orjson.dumps(change["articles"]).decode())
