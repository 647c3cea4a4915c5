"""What an index stores of each article, and the interface every storage backend provides."""

from __future__ import annotations

import zlib
from datetime import datetime
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Iterable, Protocol

import numpy as np
import orjson

from ..article import Article
from ..prepare import PreparedArticle
from ..results import EVENTS, Verdict

__all__ = ["Entry", "Store", "FORMAT_VERSION", "Damaged", "checked_events", "stored_times"]

FORMAT_VERSION = 3
"""The layout of stored entries and keys (:data:`dedupe.results.STORED_ARTICLE`); an index written
with another one is refused. Format 3 keeps each article as prepared once (format 2 kept only the
text, cleaned again at every add that touched it)."""


class Damaged(Exception):
    """A stored value that no add wrote (an edited row, a damaged page): each backend says it
    as "the index is damaged", naming its location."""


@dataclass(frozen=True)
class Entry:
    """One stored article and the verdict the index holds on it (``verdict.cluster`` names its
    story).

    ``seq`` numbers articles in the order the index took them; ``time`` (POSIX seconds) is when
    it was published, else when it arrived, and places it in the time window; ``keys`` are its
    lookup keys (:func:`dedupe.candidates.lookup_keys`); ``lines`` the keys of its lines that
    could be page boilerplate (:meth:`dedupe.boilerplate.BoilerplateLearner.short_lines`), by which
    the index learns boilerplate over its window; ``prepared`` the article as cleaned when it was
    added, which every later add compares without cleaning it again.
    """

    seq: int
    time: float
    keys: np.ndarray
    lines: np.ndarray
    verdict: Verdict
    prepared: PreparedArticle

    @property
    def article(self) -> Article:
        return self.verdict.article

    @property
    def story(self) -> str:
        return self.verdict.cluster

    def body(self) -> bytes:
        """The article, compressed: texts are most of an index's size. Its fields are stored
        as :class:`dedupe.Article` holds them (:meth:`article_from` reads them back)."""
        a = self.article
        fields = {"id": a.id, "text": a.text, "title": a.title, "source": a.source, "url": a.url,
                  "published": a.published.isoformat() if a.published else None, "path": a.path,
                  "line": a.line, "extra": a.extra}
        return zlib.compress(orjson.dumps(fields, default=str), 1)  # fast: an add writes a thousand

    @classmethod
    def decoded(cls, seq: int, time: Any, keys: Any, lines: Any, verdict: Iterable[Any], prepared: Any,
                body: Any) -> "Entry":
        """The entry of one stored row, as a backend reads it back (numbers may come as text);
        :class:`Damaged` says which article and what is wrong when a value is not one an add
        writes: the one place where stored values are checked."""
        try:
            if not isinstance(keys, bytes) or not isinstance(lines, bytes) or len(keys) % 8 or len(lines) % 8:
                raise ValueError("its keys or line keys are not whole 64-bit numbers")
            found = Verdict.from_stored(cls.article_from(body), list(verdict))
            if not isinstance(found.cluster, str) or not isinstance(found.canonical, str):
                raise ValueError("its story or canonical is not a name")
            if not isinstance(prepared, bytes):
                raise ValueError("its prepared text is not bytes")
            return cls(int(seq), _seconds(time), cls.keys_from(keys), cls.keys_from(lines), found,
                       PreparedArticle.from_bytes(prepared))
        except Damaged:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, zlib.error, orjson.JSONDecodeError) as error:
            raise Damaged(f"stored article {seq}: {error}") from None

    @staticmethod
    def prepared_from(seq: int, blob: Any) -> PreparedArticle:
        """A stored article's preparation alone, checked as :meth:`decoded` checks it."""
        if not isinstance(blob, bytes):
            raise Damaged(f"stored article {seq}: its prepared text is not bytes")
        try:
            return PreparedArticle.from_bytes(blob)
        except ValueError as error:
            raise Damaged(f"stored article {seq}: {error}") from None

    @staticmethod
    def article_from(body: bytes) -> Article:
        fields = orjson.loads(zlib.decompress(body))
        if not isinstance(fields, dict) or not isinstance(fields.get("id"), str) or not isinstance(fields.get("text"), str):
            raise ValueError("its article has no id or text")
        published = fields.pop("published")
        return Article(**fields, published=datetime.fromisoformat(published) if published else None)

    @staticmethod
    def key_bytes(keys: np.ndarray) -> bytes:
        return keys.astype("<u8").tobytes()

    @staticmethod
    def keys_from(blob: bytes) -> np.ndarray:
        return np.frombuffer(blob, dtype="<u8").astype(np.uint64)


def _seconds(value: Any) -> float:
    """A stored time (POSIX seconds) back as a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, bytes, str)):
        raise ValueError(f"its time is not a number: {value!r}")
    seconds = float(value)  # text of a number, as Redis keeps it
    if seconds != seconds:
        raise ValueError(f"its time is not a number: {value!r}")
    return seconds


def stored_times(*values: Any) -> list[float | None]:
    """Times a backend read back (``None`` where there are none), checked: :class:`Damaged`
    when one is not a number."""
    try:
        return [None if v is None else _seconds(v) for v in values]
    except ValueError as error:
        raise Damaged(f"a stored time: {error}") from None


def checked_events(rows: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Stored events (:data:`dedupe.results.EVENTS`, ``articles`` as a JSON list) back, checked
    like :func:`stored_times`; ``articles`` read back as a list."""
    checked = []
    for row in rows:
        if len(row) != len(EVENTS) or not all(isinstance(v, str) for v in (row[1], row[2], row[3])) \
                or not all(v is None or isinstance(v, str) for v in row[4:]):
            raise Damaged(f"a stored event is not {', '.join(EVENTS)}: {row!r}")
        try:
            articles = orjson.loads(row[6]) if row[6] else []
        except orjson.JSONDecodeError as error:
            raise Damaged(f"a stored event's articles: {error}") from None
        checked.append((stored_times(row[0])[0], *row[1:6], articles))
    return checked


class Store(Protocol):
    """A backend of :class:`dedupe.Index`. Every method but ``meta`` and ``close`` runs inside
    ``exclusive()``, which holds the index against other writers and, on leaving without an
    error, makes every write of the block durable at once (or none of them), or inside
    ``reading()``, which reads without holding writers back."""

    location: str

    def meta(self) -> dict[str, Any] | None:
        """The parameters the index was created with; ``None`` for a new, empty index."""

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold the index for one writer; commit the block's writes together on success."""

    def reading(self) -> AbstractContextManager[None]:
        """Read the index as it stands, while writers go on."""

    def set_meta(self, meta: dict[str, Any]) -> None: ...

    def record_events(self, time: float, events: list[tuple[Any, ...]]) -> None:
        """Keep, in the current write, what happened to stored stories: rows of
        :data:`dedupe.results.EVENTS` after the time, ``articles`` as JSON text."""

    def events(self, since: float) -> list[tuple[Any, ...]]:
        """The kept events of adds at ``since`` or later, in order (:func:`checked_events`)."""

    def known(self, ids: list[str]) -> dict[str, Entry]:
        """The stored entries among ``ids``."""

    def holders(self, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        """Postings ``(key, seq)`` of lookup ``keys`` held by articles of ``time >= since``."""

    def line_holders(self, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        """Postings ``(key, seq)`` of line ``keys`` held by articles of ``time >= since``."""

    def line_samples(self, keys: np.ndarray, since: float,
                     size: int) -> tuple[np.ndarray, list[list[tuple[str, int]]]]:
        """For each line key, how many articles of ``time >= since`` hold it, and the first
        ``size`` of them by id, as ``(id, seq)`` pairs in that order."""

    def entries(self, seqs: np.ndarray) -> list[Entry]:
        """The entries of ``seqs``, by ``seq``."""

    def prepared(self, seqs: np.ndarray) -> list[tuple[int, str, str, PreparedArticle]]:
        """``(seq, id, story, prepared)`` of each of ``seqs`` that is stored, by seq, without
        reading the articles themselves."""

    def lookup_keys(self, seqs: np.ndarray) -> list[np.ndarray]:
        """The stored lookup keys of each of ``seqs`` (sorted), without reading the articles."""

    def boilerplate(self) -> np.ndarray:
        """The keys of the lines learnt as boilerplate, sorted."""

    def set_boilerplate(self, learnt: np.ndarray, forgotten: np.ndarray) -> None:
        """Record lines learnt as boilerplate, and forget those no stored article holds."""

    def stories_of(self, seqs: np.ndarray) -> set[str]: ...

    def members(self, stories: Iterable[str], since: float = float("-inf")) -> list[Entry]:
        """Every entry of these stories with ``time >= since``, by ``seq``."""

    def taken(self, names: Iterable[str]) -> set[str]:
        """Which of these story names some stored article has."""

    def next_seq(self, count: int) -> int:
        """The first of ``count`` new seqs."""

    def save(self, new: list[Entry], moved: list[tuple[Entry, Verdict]],
             rekeyed: list[tuple[Entry, np.ndarray]], expire: float | None) -> None:
        """Store new entries, new verdicts on stored ones and new lookup keys of stored ones
        (lines they hold became boilerplate). ``expire``: seconds a server backend may keep a
        posting list no article was added to, as a bound on memory if prune is never run."""

    def older_than(self, time: float) -> list[Entry]: ...

    def delete(self, entries: list[Entry]) -> None: ...

    def stats(self) -> dict[str, Any]:
        """Counts and sizes: ``articles``, ``stories``, ``oldest``, ``newest``, ``bytes``."""

    def close(self) -> None: ...
