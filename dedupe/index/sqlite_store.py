"""The embedded backend: one SQLite file in WAL mode.

Each article is one row (:data:`dedupe.results.STORED_ARTICLE`), written once in the order
articles arrive; its lookup keys and line keys are found through posting lists in memory
(:mod:`dedupe.index.postings`), read from the rows when the file is opened or another connection
changed it (``PRAGMA data_version``), and kept up to date by this connection's own commits. An
``add`` is one ``BEGIN IMMEDIATE``
transaction from its first read to its last write: a second writer waits for it, and a process
killed half-way leaves the file as it was before.
"""

from __future__ import annotations

import os
import sqlite3
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import orjson

from ..errors import IndexStoreError, IndexWriteError
from ..prepare import PreparedArticle
from ..results import EVENTS, STORED, STORED_ARTICLE, Verdict
from .entry import FORMAT_VERSION, Damaged, Entry, checked_events, stored_times
from .postings import Holdings

__all__ = ["SQLiteStore"]

_TYPES = {"seq": "INTEGER PRIMARY KEY", "id": "TEXT NOT NULL UNIQUE", "time": "REAL NOT NULL",
          "cluster": "TEXT NOT NULL", "role": "TEXT NOT NULL", "canonical": "TEXT NOT NULL", "missing": "TEXT",
          "keys": "BLOB NOT NULL", "lines": "BLOB NOT NULL", "prepared": "BLOB NOT NULL", "body": "BLOB NOT NULL"}
_EVENT_TYPES = {"time": "REAL NOT NULL", "event": "TEXT NOT NULL", "story": "TEXT NOT NULL", "canonical": "TEXT NOT NULL"}
# The articles' table has the columns of STORED_ARTICLE, in order (scores are numbers or NULL);
# the events' table those of EVENTS.
_COLUMNS = ", ".join(STORED_ARTICLE)
_META = "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS articles ({", ".join(f"{c} {_TYPES.get(c, 'REAL')}" for c in STORED_ARTICLE)});
CREATE INDEX IF NOT EXISTS articles_cluster ON articles (cluster);
CREATE INDEX IF NOT EXISTS articles_time ON articles (time);
CREATE TABLE IF NOT EXISTS boilerplate (key INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS events (n INTEGER PRIMARY KEY AUTOINCREMENT,
    {", ".join(f"{c} {_EVENT_TYPES.get(c, 'TEXT')}" for c in EVENTS)});
"""
_EVENT_COLUMNS = ", ".join(EVENTS)
_VERDICT_SET = ", ".join(f"{c} = ?" for c in STORED)
_CACHE_KIB = 262144  # SQLite's page cache: the rows an add reads again stay in memory between adds
_BUSY_SECONDS = 600  # how long a writer waits for another one's add to finish
_CHUNK = 500  # parameters per statement, under SQLite's limit


def problem(location: str, error: BaseException | None, doing: str) -> str:
    """What went wrong with the index at ``location``, for people."""
    text = str(error)
    low = text.lower()
    undone = {"write": "; nothing of this call was stored", "lock": "; nothing was stored"}.get(doing, "")
    if "unable to open" in low or "readonly" in low or "read-only" in low:
        why = _unwritable(location)
        if why:
            return f"{location}: the index cannot be written: {why} ({text}){undone}"
    if "full" in low:
        return f"{location}: the disk is full ({text}){undone}"
    if "readonly" in low or "read-only" in low:
        return f"{location}: the index cannot be written: a read-only file or file system ({text}){undone}"
    if "not a database" in low and doing == "open":
        return f"{location}: not a usable SQLite index ({text}): another kind of file, or an index damaged at its start"
    if "malformed" in low or "not a database" in low or isinstance(error, (zlib.error, orjson.JSONDecodeError, Damaged)):
        return (f"{location}: the index is damaged ({text}); restore it from a copy, or build it again with "
                f"dedupe index add{undone}")
    if "disk i/o error" in low:
        return f"{location}: a disk I/O error ({text}): is the disk full, or the file system gone?{undone}"
    if "locked" in low or "busy" in low:
        return f"{location}: another writer held the index too long ({text}){undone}"
    if "unable to open" in low:
        return f"{location}: cannot open the index file ({text})"
    return f"{location}: SQLite error while {'opening' if doing == 'open' else doing + 'ing'} the index: {text}{undone}"


def _unwritable(location: str) -> str | None:
    """Why the file at ``location`` cannot be written, if the file system says so."""
    path = Path(location)
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return "a read-only file system"
    except OSError:
        return None
    if path.exists() and not os.access(path, os.W_OK):
        return "no permission to write the file (or it is immutable)"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"no permission to write in {path.parent}"
    return None


class SQLiteStore:
    """An index in the SQLite file at ``path`` (created if absent)."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True, writable: bool = True) -> None:
        self.location = str(path)
        self.on_wait: Callable[[str], None] = lambda message: None
        self._held: Holdings | None = None  # the postings, in memory (see dedupe.index.postings)
        self._version: int | None = None  # the file's data_version when they were read
        self._after_commit: list[Callable[[], Any]] = []
        folder = Path(path).parent
        if not folder.is_dir():
            raise IndexStoreError(f"{path}: folder {folder} does not exist")
        if not create and not Path(path).exists():
            raise IndexStoreError(f"{path}: no index here (dedupe index add creates one)")
        if not writable:
            self._db = self._read_only(path)
            return
        try:
            self._db = sqlite3.connect(path, timeout=_BUSY_SECONDS, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL keeps the file consistent; a commit may be lost only with the OS
            self._db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
            self._db.executescript(_META)
            stored = self.meta()
            if stored is None or stored.get("format") == FORMAT_VERSION:  # another format is refused, never changed
                self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise IndexStoreError(problem(self.location, error, "open")) from None

    def _read_only(self, path: str | os.PathLike[str]) -> sqlite3.Connection:
        """A connection that writes nothing, for stats and show: on a read-only file or file
        system too (where the WAL's shared memory cannot be made, the file is read as it stands)."""
        uri = Path(path).resolve().as_uri()
        last: sqlite3.Error | None = None
        for flags in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                db = sqlite3.connect(uri + flags, uri=True, timeout=_BUSY_SECONDS, isolation_level=None)
                db.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
                return db
            except sqlite3.DatabaseError as error:
                last = error
        raise IndexStoreError(problem(self.location, last, "open")) from None

    @contextmanager
    def guarded(self, doing: str) -> Iterator[None]:
        """SQLite's and a damaged page's errors as an :class:`IndexWriteError` that says what happened."""
        try:
            yield
        except (sqlite3.Error, zlib.error, orjson.JSONDecodeError, Damaged) as error:
            raise IndexWriteError(problem(self.location, error, doing)) from None

    def meta(self) -> dict[str, Any] | None:
        with self.guarded("read"):
            try:
                rows = self._db.execute("SELECT value FROM meta WHERE name = 'index'").fetchall()
            except sqlite3.OperationalError as error:
                if "no such table" in str(error):  # an empty file opened read only
                    return None
                raise
            return orjson.loads(rows[0][0]) if rows else None

    def set_meta(self, meta: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('index', ?)", (orjson.dumps(meta).decode(),))

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        try:
            self._db.execute("PRAGMA busy_timeout = 200")
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                self.on_wait(f"{self.location}: waiting for another writer to finish")
                self._db.execute(f"PRAGMA busy_timeout = {_BUSY_SECONDS * 1000}")
                self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise IndexWriteError(problem(self.location, error, "lock")) from None
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_SECONDS * 1000}")
        try:
            self._refresh()
            yield
            self._db.execute("COMMIT")
            for change in self._after_commit:  # the postings follow the rows only once they are stored
                change()
        except BaseException as error:
            self._held = None  # read again from the rows as they stand after the rollback
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite rolled back itself (a full disk does)
            if isinstance(error, (sqlite3.Error, zlib.error, orjson.JSONDecodeError, Damaged)):
                raise IndexWriteError(problem(self.location, error, "write")) from None
            raise
        finally:
            self._after_commit = []

    @contextmanager
    def reading(self) -> Iterator[None]:
        # One deferred transaction: a consistent snapshot, and in WAL mode no writer waits for it.
        with self.guarded("read"):
            self._db.execute("BEGIN")
            try:
                self._refresh()
                yield
            finally:
                self._db.execute("COMMIT")

    def record_events(self, time: float, events: list[tuple[Any, ...]]) -> None:
        self._db.executemany(f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES ({','.join('?' * len(EVENTS))})",
                             ((time, *e) for e in events))

    def events(self, since: float) -> list[tuple[Any, ...]]:
        try:
            rows = self._db.execute(f"SELECT {_EVENT_COLUMNS} FROM events WHERE time >= ? ORDER BY n",
                                    (since,)).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):  # an index made before events were kept
                return []
            raise
        return checked_events(rows)

    def known(self, ids: list[str]) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for part in _chunks(ids):
            marks = ",".join("?" * len(part))
            for row in self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", part):
                entry = _entry(row)
                found[entry.article.id] = entry
        return found

    def holders(self, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        held = self._holdings()
        return held.holders(held.keys, keys, since)

    def line_holders(self, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        held = self._holdings()
        return held.holders(held.lines, keys, since)

    def line_samples(self, keys: np.ndarray, since: float,
                     size: int) -> tuple[np.ndarray, list[list[tuple[str, int]]]]:
        held = self._holdings()
        found_keys, found_seqs = held.holders(held.lines, keys, since)
        where = np.searchsorted(keys, found_keys)  # keys are sorted and distinct
        counts = np.bincount(where, minlength=len(keys)).astype(np.int64)
        samples: list[list[tuple[str, int]]] = [[] for _ in range(len(keys))]
        for k, seq in zip(where.tolist(), found_seqs.tolist()):
            samples[k].append((held.ids[seq], seq))
        return counts, [sorted(sample)[:size] for sample in samples]

    def _refresh(self) -> None:
        """Forget the postings in memory when another connection changed the file."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._held, self._version = None, version

    def _holdings(self) -> Holdings:
        """The postings in memory, read from the articles' rows when there are none."""
        if self._held is None:
            held = Holdings()
            try:
                rows = self._db.execute("SELECT seq, id, time, keys, lines FROM articles").fetchall()
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):  # an empty file opened read only
                    raise
                rows = []
            checked = []
            for seq, id_, time, keys, lines in rows:
                if not isinstance(keys, bytes) or not isinstance(lines, bytes) or len(keys) % 8 or len(lines) % 8:
                    raise Damaged(f"stored article {seq}: its keys or line keys are not whole 64-bit numbers")
                checked.append((seq, id_, *stored_times(time), Entry.keys_from(keys), Entry.keys_from(lines)))
            held.add_many(checked)
            self._held = held
        return self._held

    def entries(self, seqs: np.ndarray) -> list[Entry]:
        found: list[Entry] = []
        for part in _chunks(seqs.tolist()):
            marks = ",".join("?" * len(part))
            found.extend(_entry(row) for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE seq IN ({marks})", part))
        return sorted(found, key=lambda e: e.seq)

    def prepared(self, seqs: np.ndarray) -> list[tuple[int, str, str, PreparedArticle]]:
        found = []
        for part in _chunks(np.unique(seqs).tolist()):
            marks = ",".join("?" * len(part))
            found.extend(self._db.execute(f"SELECT seq, id, cluster, prepared FROM articles WHERE seq IN ({marks})", part))
        return [(seq, id_, story, Entry.prepared_from(seq, blob)) for seq, id_, story, blob in sorted(found)]

    def lookup_keys(self, seqs: np.ndarray) -> list[np.ndarray]:
        found: dict[int, np.ndarray] = {}
        for part in _chunks(seqs.tolist()):
            marks = ",".join("?" * len(part))
            found.update((seq, Entry.keys_from(keys)) for seq, keys in self._db.execute(
                f"SELECT seq, keys FROM articles WHERE seq IN ({marks})", part))
        return [found[seq] for seq in seqs.tolist()]

    def boilerplate(self) -> np.ndarray:
        rows = self._db.execute("SELECT key FROM boilerplate ORDER BY key").fetchall()
        return np.sort(np.array([r[0] for r in rows], dtype=np.int64).view(np.uint64))

    def set_boilerplate(self, learnt: np.ndarray, forgotten: np.ndarray) -> None:
        self._db.executemany("INSERT OR IGNORE INTO boilerplate VALUES (?)", ((k,) for k in _signed(learnt).tolist()))
        self._db.executemany("DELETE FROM boilerplate WHERE key = ?", ((k,) for k in _signed(forgotten).tolist()))

    def stories_of(self, seqs: np.ndarray) -> set[str]:
        stories: set[str] = set()
        for part in _chunks(seqs.tolist()):
            marks = ",".join("?" * len(part))
            stories.update(r[0] for r in self._db.execute(
                f"SELECT DISTINCT cluster FROM articles WHERE seq IN ({marks})", part))
        return stories

    def members(self, stories: Iterable[str], since: float = float("-inf")) -> list[Entry]:
        entries: list[Entry] = []
        for part in _chunks(sorted(stories)):
            marks = ",".join("?" * len(part))
            entries.extend(_entry(row) for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE cluster IN ({marks}) AND time >= ?", [*part, since]))
        return sorted(entries, key=lambda e: e.seq)

    def taken(self, names: Iterable[str]) -> set[str]:
        taken: set[str] = set()
        for part in _chunks(sorted(names)):
            marks = ",".join("?" * len(part))
            taken.update(r[0] for r in self._db.execute(
                f"SELECT DISTINCT cluster FROM articles WHERE cluster IN ({marks})", part))
        return taken

    def next_seq(self, count: int) -> int:
        return self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM articles").fetchone()[0]

    def save(self, new: list[Entry], moved: list[tuple[Entry, Verdict]],
             rekeyed: list[tuple[Entry, np.ndarray]], expire: float | None) -> None:
        db = self._db
        held = self._holdings()  # as they stood before these writes
        db.executemany(f"INSERT INTO articles ({_COLUMNS}) VALUES ({','.join('?' * len(STORED_ARTICLE))})",
                       (_row(e) for e in new))
        db.executemany(f"UPDATE articles SET {_VERDICT_SET} WHERE seq = ?",
                       ((*verdict.stored(), e.seq) for e, verdict in moved))
        db.executemany("UPDATE articles SET keys = ? WHERE seq = ?",
                       ((Entry.key_bytes(keys), e.seq) for e, keys in rekeyed))
        self._after_commit.append(lambda: (
            held.add_many([(e.seq, e.article.id, e.time, e.keys, e.lines) for e in new]),
            held.rekey([e.seq for e, _ in rekeyed], [keys for _, keys in rekeyed]) if rekeyed else None))

    def older_than(self, time: float) -> list[Entry]:
        return [_entry(row) for row in self._db.execute(
            f"SELECT {_COLUMNS} FROM articles WHERE time < ? ORDER BY seq", (time,))]

    def delete(self, entries: list[Entry]) -> None:
        held = self._holdings()  # as they stood before these writes
        self._db.executemany("DELETE FROM articles WHERE seq = ?", ((e.seq,) for e in entries))
        self._after_commit.append(lambda: held.remove([e.seq for e in entries]))

    def stats(self) -> dict[str, Any]:
        articles, oldest, newest = self._db.execute("SELECT COUNT(*), MIN(time), MAX(time) FROM articles").fetchone()
        # A story is a group of more than one version, as a scan counts them; the rest are unique.
        stories, = self._db.execute("SELECT COUNT(*) FROM (SELECT cluster FROM articles GROUP BY cluster "
                                    "HAVING COUNT(*) > 1)").fetchone()
        path = Path(self.location)
        size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        oldest, newest = stored_times(oldest, newest)
        return {"articles": articles, "stories": stories, "oldest": oldest, "newest": newest, "bytes": size}

    def close(self) -> None:
        self._db.close()


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _signed(keys: np.ndarray) -> np.ndarray:
    """SQLite integers are signed 64-bit: keys are stored with the same bits."""
    return np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)


def _row(e: Entry) -> tuple:
    return (e.seq, e.article.id, e.time, *e.verdict.stored(), Entry.key_bytes(e.keys),
            Entry.key_bytes(e.lines), e.prepared.to_bytes(), e.body())


def _entry(row: tuple) -> Entry:
    seq, _, time, *verdict, keys, lines, prepared, body = row
    return Entry.decoded(seq, time, keys, lines, verdict, prepared, body)
