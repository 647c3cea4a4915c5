"""What an index stores of each article, and the interface every storage backend provides."""

from __future__ import annotations

import zlib
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Iterable, Protocol

import numpy as np
import orjson

from ..article import Article, Role, parse_published

__all__ = ["Entry", "Placement", "Store", "FORMAT_VERSION"]

FORMAT_VERSION = 1
"""The layout of stored entries and keys; an index written with another one is refused."""


@dataclass(frozen=True)
class Placement:
    """Where an article stands: its story, its role there, and its scores against the canonical
    (``None`` for a canonical or a unique article's, as in :class:`dedupe.Verdict`)."""

    story: str
    role: Role
    canonical: str
    similarity: float | None = None
    containment: float | None = None
    coverage: float | None = None
    missing: str | None = None


@dataclass(frozen=True)
class Entry:
    """One stored article.

    ``seq`` numbers articles in the order the index took them; ``time`` (POSIX seconds) is when
    it was published, else when it arrived, and places it in the time window; ``keys`` are its
    lookup keys (:func:`dedupe.candidates.lookup_keys`).
    """

    seq: int
    article: Article
    time: float
    keys: np.ndarray
    placement: Placement

    def body(self) -> bytes:
        """The article, compressed: texts are most of an index's size."""
        a = self.article
        record = {"id": a.id, "text": a.text, "title": a.title, "source": a.source, "url": a.url,
                  "published": a.published.isoformat() if a.published else None,
                  "path": a.path, "line": a.line, "extra": dict(a.extra)}
        return zlib.compress(orjson.dumps(record, default=str), 6)

    @staticmethod
    def article_from(body: bytes) -> Article:
        record = orjson.loads(zlib.decompress(body))
        return Article(id=record["id"], text=record["text"], title=record["title"], source=record["source"],
                       url=record["url"], published=parse_published(record["published"]),
                       path=record["path"], line=record["line"], extra=record["extra"])

    def key_bytes(self) -> bytes:
        return self.keys.astype("<u8").tobytes()

    @staticmethod
    def keys_from(blob: bytes) -> np.ndarray:
        return np.frombuffer(blob, dtype="<u8").astype(np.uint64)


class Store(Protocol):
    """A backend of :class:`dedupe.Index`. Every method but ``meta`` and ``close`` runs inside
    ``exclusive()``, which holds the index against other writers and, on leaving without an
    error, makes every write of the block durable at once (or none of them)."""

    location: str

    def meta(self) -> dict[str, Any] | None:
        """The parameters the index was created with; ``None`` for a new, empty index."""

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold the index for one writer; commit the block's writes together on success."""

    def set_meta(self, meta: dict[str, Any]) -> None: ...

    def known(self, ids: list[str]) -> dict[str, Entry]:
        """The stored entries among ``ids``."""

    def holders(self, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        """Postings ``(key, seq)`` of ``keys`` held by articles of ``time >= since``."""

    def stories_of(self, seqs: np.ndarray) -> set[str]: ...

    def members(self, stories: Iterable[str], since: float = float("-inf")) -> list[Entry]:
        """Every entry of these stories with ``time >= since``, by ``seq``."""

    def taken(self, names: Iterable[str]) -> set[str]:
        """Which of these story names some stored article has."""

    def next_seq(self, count: int) -> int:
        """The first of ``count`` new seqs."""

    def save(self, new: list[Entry], moved: list[tuple[Entry, Placement]]) -> None:
        """Store new entries, and new placements of stored ones."""

    def older_than(self, time: float) -> list[Entry]: ...

    def delete(self, entries: list[Entry]) -> None: ...

    def stats(self) -> dict[str, Any]:
        """Counts and sizes: ``articles``, ``stories``, ``oldest``, ``newest``, ``bytes``."""

    def close(self) -> None: ...
