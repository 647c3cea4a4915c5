"""The embedded backend: one SQLite file in WAL mode.

Lookup keys sit in a ``WITHOUT ROWID`` table clustered by key, so that the keys of a batch are
found by one join against a temporary table of them. An ``add`` is one ``BEGIN IMMEDIATE``
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

from ..results import Verdict
from ..errors import IndexStoreError, IndexWriteError
from .entry import Damaged, Entry, checked_events, stored_times

__all__ = ["SQLiteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time REAL NOT NULL,
    story TEXT NOT NULL,
    role TEXT NOT NULL,
    canonical TEXT NOT NULL,
    similarity REAL, containment REAL, coverage REAL, missing TEXT,  -- Verdict.stored(), see _COLUMNS
    keys BLOB NOT NULL,
    lines BLOB NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story);
CREATE INDEX IF NOT EXISTS articles_time ON articles (time);
CREATE TABLE IF NOT EXISTS postings (key INTEGER NOT NULL, seq INTEGER NOT NULL,
                                     PRIMARY KEY (key, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lines (key INTEGER NOT NULL, seq INTEGER NOT NULL,
                                  PRIMARY KEY (key, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS boilerplate (key INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS events (n INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, story TEXT NOT NULL,
                                   canonical TEXT NOT NULL, replaced TEXT NOT NULL);
"""
# story ... missing: the values of Verdict.stored(), in its order. The two word coverages keep the
# names of format 2, "containment" and "coverage", so that indexes made then are read alike.
_COLUMNS = "seq, id, time, story, role, canonical, similarity, containment, coverage, missing, keys, lines, body"
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
            yield
            self._db.execute("COMMIT")
        except BaseException as error:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite rolled back itself (a full disk does)
            if isinstance(error, (sqlite3.Error, zlib.error, orjson.JSONDecodeError, Damaged)):
                raise IndexWriteError(problem(self.location, error, "write")) from None
            raise

    @contextmanager
    def reading(self) -> Iterator[None]:
        # One deferred transaction: a consistent snapshot, and in WAL mode no writer waits for it.
        with self.guarded("read"):
            self._db.execute("BEGIN")
            try:
                yield
            finally:
                self._db.execute("COMMIT")

    def record_events(self, time: float, events: list[tuple[str, str, str]]) -> None:
        self._db.executemany("INSERT INTO events (time, story, canonical, replaced) VALUES (?, ?, ?, ?)",
                             ((time, *e) for e in events))

    def events(self, since: float) -> list[tuple[float, str, str, str]]:
        try:
            rows = self._db.execute("SELECT time, story, canonical, replaced FROM events WHERE time >= ? ORDER BY n",
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
        return self._postings("postings", keys, since)

    def line_holders(self, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        return self._postings("lines", keys, since)

    def _want(self, keys: np.ndarray) -> None:
        """Fill the temporary table of the keys a query looks up."""
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (key INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM wanted")
        db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((k,) for k in _signed(keys).tolist()))

    def _postings(self, table: str, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        self._want(keys)
        # CROSS JOIN fixes the loop order: from the wanted keys into the postings' primary key.
        # Left to itself the planner scans every posting, and an add slows as the index grows.
        rows = self._db.execute(f"SELECT p.key, p.seq FROM wanted w CROSS JOIN {table} p ON p.key = w.key "
                          "CROSS JOIN articles a ON a.seq = p.seq WHERE a.time >= ?", (since,)).fetchall()
        found = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return found[:, 0].view(np.uint64), found[:, 1].copy()

    def line_samples(self, keys: np.ndarray, since: float,
                     size: int) -> tuple[np.ndarray, list[list[tuple[str, int]]]]:
        self._want(keys)
        rows = self._db.execute(
            "SELECT key, id, seq, n FROM (SELECT p.key AS key, a.id AS id, p.seq AS seq, "
            "ROW_NUMBER() OVER (PARTITION BY p.key ORDER BY a.id) AS r, COUNT(*) OVER (PARTITION BY p.key) AS n "
            "FROM wanted w CROSS JOIN lines p ON p.key = w.key CROSS JOIN articles a ON a.seq = p.seq "
            "WHERE a.time >= ?) WHERE r <= ?", (since, size)).fetchall()
        where = {k: i for i, k in enumerate(_signed(keys).tolist())}
        counts = np.zeros(len(keys), dtype=np.int64)
        samples: list[list[tuple[str, int]]] = [[] for _ in range(len(keys))]
        for key, id_, seq, n in rows:
            counts[where[key]] = n
            samples[where[key]].append((id_, seq))
        for sample in samples:
            sample.sort()
        return counts, samples

    def entries(self, seqs: np.ndarray) -> list[Entry]:
        found: list[Entry] = []
        for part in _chunks(seqs.tolist()):
            marks = ",".join("?" * len(part))
            found.extend(_entry(row) for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE seq IN ({marks})", part))
        return sorted(found, key=lambda e: e.seq)

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
                f"SELECT DISTINCT story FROM articles WHERE seq IN ({marks})", part))
        return stories

    def members(self, stories: Iterable[str], since: float = float("-inf")) -> list[Entry]:
        entries: list[Entry] = []
        for part in _chunks(sorted(stories)):
            marks = ",".join("?" * len(part))
            entries.extend(_entry(row) for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE story IN ({marks}) AND time >= ?", [*part, since]))
        return sorted(entries, key=lambda e: e.seq)

    def taken(self, names: Iterable[str]) -> set[str]:
        taken: set[str] = set()
        for part in _chunks(sorted(names)):
            marks = ",".join("?" * len(part))
            taken.update(r[0] for r in self._db.execute(
                f"SELECT DISTINCT story FROM articles WHERE story IN ({marks})", part))
        return taken

    def next_seq(self, count: int) -> int:
        return self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM articles").fetchone()[0]

    def save(self, new: list[Entry], moved: list[tuple[Entry, Verdict]],
             rekeyed: list[tuple[Entry, np.ndarray]], expire: float | None) -> None:
        db = self._db
        db.executemany(f"INSERT INTO articles ({_COLUMNS}) VALUES ({','.join('?' * 13)})",
                       (_row(e) for e in new))
        db.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?)",
                       ((k, e.seq) for e in new for k in _signed(e.keys).tolist()))
        db.executemany("INSERT OR IGNORE INTO lines VALUES (?, ?)",
                       ((k, e.seq) for e in new for k in _signed(e.lines).tolist()))
        db.executemany("UPDATE articles SET story = ?, role = ?, canonical = ?, similarity = ?, containment = ?, "
                       "coverage = ?, missing = ? WHERE seq = ?",
                       ((*verdict.stored(), e.seq) for e, verdict in moved))
        db.executemany("DELETE FROM postings WHERE key = ? AND seq = ?",
                       ((k, e.seq) for e, _ in rekeyed for k in _signed(e.keys).tolist()))
        db.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?)",
                       ((k, e.seq) for e, keys in rekeyed for k in _signed(keys).tolist()))
        db.executemany("UPDATE articles SET keys = ? WHERE seq = ?",
                       ((Entry.key_bytes(keys), e.seq) for e, keys in rekeyed))

    def older_than(self, time: float) -> list[Entry]:
        return [_entry(row) for row in self._db.execute(
            f"SELECT {_COLUMNS} FROM articles WHERE time < ? ORDER BY seq", (time,))]

    def delete(self, entries: list[Entry]) -> None:
        db = self._db
        db.executemany("DELETE FROM postings WHERE key = ? AND seq = ?",
                       ((k, e.seq) for e in entries for k in _signed(e.keys).tolist()))
        db.executemany("DELETE FROM lines WHERE key = ? AND seq = ?",
                       ((k, e.seq) for e in entries for k in _signed(e.lines).tolist()))
        db.executemany("DELETE FROM articles WHERE seq = ?", ((e.seq,) for e in entries))

    def stats(self) -> dict[str, Any]:
        articles, oldest, newest = self._db.execute("SELECT COUNT(*), MIN(time), MAX(time) FROM articles").fetchone()
        # A story is a group of more than one version, as a scan counts them; the rest are unique.
        stories, = self._db.execute("SELECT COUNT(*) FROM (SELECT story FROM articles GROUP BY story "
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
            Entry.key_bytes(e.lines), e.body())


def _entry(row: tuple) -> Entry:
    seq, _, time, *verdict, keys, lines, body = row
    return Entry.decoded(seq, time, keys, lines, verdict, body)
