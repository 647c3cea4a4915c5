"""The server backend: Redis, through redis-py, with a layout of our own.

Keys, under the prefix ``dedupe:``:

* ``meta``: the parameters, as JSON; ``seq``: the counter that numbers articles; ``ids``: a hash
  from article id to seq;
* ``events``: a list of what happened to stored stories, as JSON lists of the fields of
  :data:`dedupe.results.EVENTS`, pushed in the add's transaction;
* ``a:<seq>``: a hash per article, the fields of :data:`dedupe.results.STORED_ARTICLE` (but the
  seq): its id, time, verdict, lookup keys, line keys, the article as prepared and compressed;
* ``k:<key>``: a sorted set per lookup key, its holders scored by time, so that a query reads only
  the holders inside the window; ``l:<key>``: the same per line key, with members ``<seq>:<id>``
  (a line is judged by a sample of its holders, the first by id); ``s:<story>``: the same per
  story; ``t``: every seq by time; ``bp``: the set of line keys learnt as boilerplate.

Posting lists (``k:`` and ``l:``) expire when no article was added to them for twice the window,
a bound on memory if prune is never run; a lookup never misses by it, since their holders are
out of the window by then.

Reads are pipelined. Writes of one ``add`` are queued and sent as one ``MULTI``/``EXEC``
transaction at its end, under a lock held for the whole add: a client that dies or loses the
server before ``EXEC`` leaves nothing behind. The lock is a lease of 15 s renewed every 5 s while
the add works, so a killed writer's lock ends within 15 s; the transaction runs under ``WATCH`` of
the lock and only while the lock still holds this writer's token (a fence), so an add that
outlived its lease stores nothing.
"""

from __future__ import annotations

import re

import math
from contextlib import AbstractContextManager, contextmanager
import threading
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import orjson
import redis

from ..results import STORED, STORED_ARTICLE, Verdict
from ..errors import IndexStoreError, IndexWriteError
from ..prepare import PreparedArticle
from .entry import Damaged, Entry, checked_events

__all__ = ["RedisStore"]

_PREFIX = "dedupe:"
_LEASE_SECONDS = 15  # a writer's lock lasts this long unless renewed: a dead writer's ends soon
_RENEW_SECONDS = 5  # how often a working writer renews it
_WAIT_SECONDS = 600  # how long a writer waits for the others
# An article's hash holds the fields of STORED_ARTICLE but its seq, which names the hash.
_FIELDS = STORED_ARTICLE[1:]
# One call adds an article to all its posting lists and renews their expiry: the server runs the
# loop, so the client sends one command per article instead of two per key. ARGV: the member in
# lookup-key lists, the member in line lists, the time, the expiry ('' for none), and how many of
# KEYS are lookup-key lists (the line lists follow them).
_POST = """
for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, ARGV[3], i <= tonumber(ARGV[5]) and ARGV[1] or ARGV[2])
    if ARGV[4] ~= '' then redis.call('EXPIRE', key, ARGV[4]) end
end
"""


class _Queued:
    """The writes of one call, recorded to be sent in one transaction at its end."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, method: str) -> Callable[..., None]:
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((method, args, kwargs))
        return record


class _Renewal:
    """Renews a lock's lease every few seconds from a thread of its own, until stopped."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dedupe-lock-renewal", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(_RENEW_SECONDS):
            try:
                self._lock.reacquire()
            except redis.RedisError:
                return  # lost: the commit's fence check says so

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join()


def redacted(url: str) -> str:
    """A Redis URL for messages, its password (and user) replaced by ``***``.

    A password given in the query (``?password=…``, as redis-py reads it) is replaced too.

    >>> redacted("redis://:s3cret@db.example:6379/0"), redacted("redis://user:pw@h/1"), redacted("redis://h:1/0")
    ('redis://***@db.example:6379/0', 'redis://***@h/1', 'redis://h:1/0')
    >>> redacted("redis://h:6379/0?password=s3cret&ssl_cert_reqs=none")
    'redis://h:6379/0?password=***&ssl_cert_reqs=none'
    """
    url = re.sub(r"(^[a-z]+://)[^@/?#]*@", r"\1***@", url)
    return re.sub(r"([?&](?:password|username)=)[^&#]*", r"\1***", url, flags=re.IGNORECASE)


class RedisStore:
    """An index on the Redis server at ``url`` (``redis://host:port/db``)."""

    def __init__(self, url: str) -> None:
        self.location = redacted(url)  # every message names it: never with its password
        try:
            self._db = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5)
        except ValueError as error:
            raise IndexStoreError(f"{self.location}: not a Redis URL: {error}") from None
        self._writes: Any = None
        self.on_wait: Callable[[str], None] = lambda message: None
        self._post = self._db.register_script(_POST)
        with self._talking():
            self._db.ping()

    @contextmanager
    def _talking(self, working: bool = False) -> Iterator[None]:
        """Redis's errors as the index's. ``working``: inside a writer's call, after its lock was
        taken, where a server gone is a failure during the work (:class:`IndexWriteError`), not
        an index that cannot be opened."""
        try:
            yield
        except redis.AuthenticationError as error:
            raise IndexStoreError(f"{self.location}: authentication failed ({error}); give the password in the "
                                  "URL, redis://:PASSWORD@host:port/db") from None
        except (redis.ConnectionError, redis.TimeoutError) as error:
            if not working:
                raise IndexStoreError(f"{self.location}: the Redis server cannot be reached ({error}); "
                                      "nothing of this call was stored") from None
            raise IndexWriteError(f"{self.location}: the Redis server went away during this call ({error}); "
                                  "nothing of it was stored") from None
        except redis.ResponseError as error:
            if str(error).startswith(("NOAUTH", "WRONGPASS")):
                raise IndexStoreError(f"{self.location}: authentication failed ({error}); give the password in "
                                      "the URL, redis://:PASSWORD@host:port/db") from None
            refused = IndexWriteError if working else IndexStoreError  # a full server (OOM) while writing: 3
            raise refused(f"{self.location}: Redis refused a command: {error}"
                          + ("; nothing of this call was stored" if working else "")) from None
        except Damaged as error:
            raise IndexWriteError(f"{self.location}: the index is damaged ({error}); restore it from a copy, "
                                  "or build it again with dedupe index add; nothing of this call was stored") from None

    def meta(self) -> dict[str, Any] | None:
        with self._talking():
            value = self._db.get(_PREFIX + "meta")
            try:
                return None if value is None else orjson.loads(value)
            except orjson.JSONDecodeError as error:
                raise Damaged(f"its parameters: {error}") from None

    def set_meta(self, meta: dict[str, Any]) -> None:
        self._writes.set(_PREFIX + "meta", orjson.dumps(meta))

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the index's lock, a lease renewed while the block works, and commit its queued
        writes in one ``MULTI``/``EXEC`` that runs only if the lock is still this writer's (the
        lock's token is the fence, checked under ``WATCH``): a writer that lost its lock (paused
        longer than the lease) stores nothing."""
        name = _PREFIX + "lock"
        with self._talking():
            lock = self._db.lock(name, timeout=_LEASE_SECONDS, blocking_timeout=_WAIT_SECONDS, thread_local=False)
            if not lock.acquire(blocking=False):
                left = self._db.pttl(name)
                self.on_wait(f"{self.location}: waiting for another writer to finish (its lease ends in "
                             f"{max(left, 0) / 1000:.0f} s unless it renews it)")
                if not lock.acquire():
                    raise IndexWriteError(f"{self.location}: another writer held the index for {_WAIT_SECONDS} s")
        renewal = _Renewal(lock)
        try:
            self._writes = _Queued()
            with self._talking(working=True):
                yield
                renewal.stop()
                self._commit(name, lock.local.token)
        finally:
            renewal.stop()
            self._writes = None
            try:
                lock.release()
            except redis.RedisError:
                pass  # the server went away or the lease ended: it frees itself

    def _commit(self, name: str, token: bytes) -> None:
        calls = self._writes.calls
        if calls:
            self._db.script_load(_POST)  # the queued EVALSHA may meet a server that restarted
        with self._db.pipeline(transaction=True) as commit:
            try:
                commit.watch(name)
                if commit.get(name) != token:
                    raise IndexWriteError(f"{self.location}: this call outlived its lock (the server restarted, "
                                          "or another writer took the index after the lease ended); nothing of it "
                                          "was stored: run it again")
                commit.multi()
                for method, args, kwargs in calls:
                    getattr(commit, method)(*args, **kwargs)
                commit.execute()
            except redis.WatchError:
                raise IndexWriteError(f"{self.location}: the lock changed hands as this call committed; "
                                      "nothing of it was stored: run it again") from None

    def reading(self) -> AbstractContextManager[None]:
        return self._talking()

    def record_events(self, time: float, events: list[tuple[Any, ...]]) -> None:
        if events:
            self._writes.rpush(_PREFIX + "events", *(orjson.dumps([time, *e]) for e in events))

    def events(self, since: float) -> list[tuple[Any, ...]]:
        try:
            rows = checked_events(tuple(orjson.loads(v)) for v in self._db.lrange(_PREFIX + "events", 0, -1))
        except (orjson.JSONDecodeError, TypeError) as error:
            raise Damaged(f"a stored event: {error}") from None
        return [r for r in rows if r[0] >= since]

    def known(self, ids: list[str]) -> dict[str, Entry]:
        if not ids:
            return {}
        seqs = [int(s) for s in self._db.hmget(_PREFIX + "ids", ids) if s is not None]
        return {e.article.id: e for e in self._entries(seqs)}

    def holders(self, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        found_keys, found_seqs = [], []
        for key, members in zip(keys.tolist(), self._read("k", keys, since)):
            found_keys.extend([key] * len(members))
            found_seqs.extend(int(m) for m in members)
        return np.array(found_keys, dtype=np.uint64), np.array(found_seqs, dtype=np.int64)

    def line_holders(self, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        found_keys, found_seqs = [], []
        for key, members in zip(keys.tolist(), self._read("l", keys, since)):
            found_keys.extend([key] * len(members))
            found_seqs.extend(int(m.split(b":", 1)[0]) for m in members)
        return np.array(found_keys, dtype=np.uint64), np.array(found_seqs, dtype=np.int64)

    def line_samples(self, keys: np.ndarray, since: float,
                     size: int) -> tuple[np.ndarray, list[list[tuple[str, int]]]]:
        counts, samples = np.zeros(len(keys), dtype=np.int64), []
        for k, members in enumerate(self._read("l", keys, since)):
            counts[k] = len(members)
            held = [m.decode().split(":", 1) for m in members]
            samples.append(sorted((id_, int(seq)) for seq, id_ in held)[:size])
        return counts, samples

    def _read(self, kind: str, keys: np.ndarray, since: float) -> list[list[bytes]]:
        """The members of posting lists ``<kind>:<key>`` with a time ``>= since``."""
        reads = self._db.pipeline(transaction=False)
        for key in keys.tolist():
            reads.zrangebyscore(f"{_PREFIX}{kind}:{key:x}", since, "+inf")
        return reads.execute()

    def entries(self, seqs: np.ndarray) -> list[Entry]:
        return self._entries(sorted(seqs.tolist()))

    def prepared(self, seqs: np.ndarray) -> list[tuple[int, str, str, PreparedArticle]]:
        seqs = np.unique(seqs).tolist()
        reads = self._db.pipeline(transaction=False)
        for seq in seqs:
            reads.hmget(f"{_PREFIX}a:{seq}", ("id", "cluster", "prepared"))
        return [(seq, id_.decode(), story.decode(), Entry.prepared_from(seq, blob))
                for seq, (id_, story, blob) in zip(seqs, reads.execute()) if id_ is not None]

    def lookup_keys(self, seqs: np.ndarray) -> list[np.ndarray]:
        reads = self._db.pipeline(transaction=False)
        for seq in seqs.tolist():
            reads.hget(f"{_PREFIX}a:{seq}", "keys")
        return [Entry.keys_from(keys or b"") for keys in reads.execute()]

    def boilerplate(self) -> np.ndarray:
        return np.sort(np.array([int(k) for k in self._db.smembers(_PREFIX + "bp")], dtype=np.uint64))

    def set_boilerplate(self, learnt: np.ndarray, forgotten: np.ndarray) -> None:
        if len(learnt):
            self._writes.sadd(_PREFIX + "bp", *learnt.tolist())
        if len(forgotten):
            self._writes.srem(_PREFIX + "bp", *forgotten.tolist())

    def stories_of(self, seqs: np.ndarray) -> set[str]:
        reads = self._db.pipeline(transaction=False)
        for seq in seqs.tolist():
            reads.hget(f"{_PREFIX}a:{seq}", "cluster")
        return {s.decode() for s in reads.execute() if s is not None}

    def members(self, stories: Iterable[str], since: float = float("-inf")) -> list[Entry]:
        stories = list(stories)
        reads = self._db.pipeline(transaction=False)
        for story in stories:
            reads.zrangebyscore(f"{_PREFIX}s:{story}", since, "+inf")
        seqs = sorted({int(s) for found in reads.execute() for s in found})
        return self._entries(seqs)

    def taken(self, names: Iterable[str]) -> set[str]:
        names = list(names)
        reads = self._db.pipeline(transaction=False)
        for name in names:
            reads.exists(f"{_PREFIX}s:{name}")
        return {name for name, exists in zip(names, reads.execute()) if exists}

    def next_seq(self, count: int) -> int:
        return int(self._db.incrby(_PREFIX + "seq", count)) - count + 1

    def save(self, new: list[Entry], moved: list[tuple[Entry, Verdict]],
             rekeyed: list[tuple[Entry, np.ndarray]], expire: float | None) -> None:
        w = self._writes
        ttl = "" if expire is None else str(math.ceil(expire))
        for e in new:
            w.hset(f"{_PREFIX}a:{e.seq}", mapping={"id": e.article.id, "time": repr(e.time),
                                                    "keys": Entry.key_bytes(e.keys), "lines": Entry.key_bytes(e.lines),
                                                    "prepared": e.prepared.to_bytes(), "body": e.body(),
                                                    **_verdict_fields(e.verdict)})
            w.hset(_PREFIX + "ids", e.article.id, e.seq)
            w.zadd(_PREFIX + "t", {e.seq: e.time})
            w.zadd(f"{_PREFIX}s:{e.story}", {e.seq: e.time})
            keys = _names("k", e.keys) + _names("l", e.lines)
            w.evalsha(self._post.sha, len(keys), *keys, e.seq, f"{e.seq}:{e.article.id}", repr(e.time), ttl,
                      len(e.keys))
        for e, verdict in moved:
            w.hset(f"{_PREFIX}a:{e.seq}", mapping=_verdict_fields(verdict))
            if verdict.cluster != e.story:
                w.zrem(f"{_PREFIX}s:{e.story}", e.seq)
                w.zadd(f"{_PREFIX}s:{verdict.cluster}", {e.seq: e.time})
        for e, keys in rekeyed:
            for name in _names("k", e.keys):
                w.zrem(name, e.seq)
            names = _names("k", keys)
            w.evalsha(self._post.sha, len(names), *names, e.seq, "", repr(e.time), ttl, len(keys))
            w.hset(f"{_PREFIX}a:{e.seq}", "keys", Entry.key_bytes(keys))

    def older_than(self, time: float) -> list[Entry]:
        return self._entries([int(s) for s in self._db.zrangebyscore(_PREFIX + "t", "-inf", f"({time!r}")])

    def delete(self, entries: list[Entry]) -> None:
        w = self._writes
        for e in entries:
            for name in _names("k", e.keys):
                w.zrem(name, e.seq)
            for name in _names("l", e.lines):
                w.zrem(name, f"{e.seq}:{e.article.id}")
            w.zrem(f"{_PREFIX}s:{e.story}", e.seq)
            w.zrem(_PREFIX + "t", e.seq)
            w.hdel(_PREFIX + "ids", e.article.id)
            w.delete(f"{_PREFIX}a:{e.seq}")

    def stats(self) -> dict[str, Any]:
        times = self._db.zrange(_PREFIX + "t", 0, 0, withscores=True), \
            self._db.zrange(_PREFIX + "t", -1, -1, withscores=True)
        # A story is a group of more than one version, as a scan counts them; the rest are unique.
        names = list(self._db.scan_iter(match=f"{_PREFIX}s:*", count=1000))
        sizes = self._db.pipeline(transaction=False)
        for name in names:
            sizes.zcard(name)
        stories = sum(1 for size in sizes.execute() if size > 1) if names else 0
        return {"articles": int(self._db.zcard(_PREFIX + "t")), "stories": stories,
                "oldest": times[0][0][1] if times[0] else None, "newest": times[1][0][1] if times[1] else None,
                "bytes": int(self._db.info("memory")["used_memory"])}

    def close(self) -> None:
        self._db.close()

    def _entries(self, seqs: list[int]) -> list[Entry]:
        reads = self._db.pipeline(transaction=False)
        for seq in seqs:
            reads.hmget(f"{_PREFIX}a:{seq}", _FIELDS)
        entries = []
        for seq, values in zip(seqs, reads.execute()):
            if values[0] is None:
                continue
            _, time, *verdict, keys, lines, prepared, body = values
            entries.append(Entry.decoded(seq, time, keys, lines, verdict, prepared, body))
        return entries


def _names(kind: str, keys: np.ndarray) -> list[str]:
    """The posting lists ``<kind>:<key>`` of ``keys``."""
    return [f"{_PREFIX}{kind}:{key:x}" for key in keys.tolist()]


def _verdict_fields(v: Verdict) -> dict[str, str]:
    return {name: "" if value is None else repr(value) if isinstance(value, float) else value
            for name, value in zip(STORED, v.stored())}
