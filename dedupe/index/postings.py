"""Posting lists in memory: which stored articles hold each lookup key and each line key.

The SQLite backend keeps each article's keys in its own row, written once, in the order articles
arrive, and answers look-ups from these lists, built from the rows when the index is opened (or
changed by another writer) and kept up to date by its own writes. A table of postings clustered
by key would take every add's keys at random places: at a million postings, an add of a thousand
articles rewrote most of its pages, and adds slowed as the index grew.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Postings", "Holdings"]

_MERGE_SHARE = 4  # pending postings are merged into the sorted ones when a quarter as many


class Postings:
    """``(key, seq)`` pairs, for finding the holders of many keys at once.

    The pairs sit in two runs sorted by key, where a look-up is a binary search: most in a large
    one, the latest in a small one that each addition is merged into, and that is merged into
    the large one when it holds a quarter as many. An add costs what it adds, not what is
    stored (merges into the large run are rare enough to cost a constant share).

    >>> p = Postings()
    >>> p.add(np.array([7, 3], dtype=np.uint64), np.array([1, 1]))
    >>> p.add(np.array([3], dtype=np.uint64), np.array([2]))
    >>> [a.tolist() for a in p.find(np.array([3], dtype=np.uint64))]
    [[3, 3], [1, 2]]
    """

    def __init__(self) -> None:
        empty_keys, empty_seqs = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        self._runs = [(empty_keys, empty_seqs), (empty_keys, empty_seqs)]  # large, small

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._runs)

    @property
    def keys(self) -> np.ndarray:
        """Every key held, sorted."""
        return _merged(*self._runs)[0]

    def add(self, keys: np.ndarray, seqs: np.ndarray) -> None:
        """Add the pairs ``(keys[i], seqs[i])``."""
        if not len(keys):
            return
        keys, seqs = np.asarray(keys, dtype=np.uint64), np.asarray(seqs, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        large, small = self._runs
        small = _merged(small, (keys[order], seqs[order]))
        if len(small[0]) * _MERGE_SHARE > len(large[0]):
            large, small = _merged(large, small), (small[0][:0], small[1][:0])
        self._runs = [large, small]

    def remove(self, seqs: np.ndarray) -> None:
        """Remove every pair of these seqs (articles deleted, or keyed again)."""
        if len(seqs):
            self._runs = [(keys[kept], held[kept]) for keys, held in self._runs
                          for kept in [~np.isin(held, seqs)]]

    def find(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pairs whose key is among ``wanted``: their keys and seqs."""
        wanted = np.unique(np.asarray(wanted, dtype=np.uint64))
        found_keys, found_seqs = [], []
        for keys, seqs in self._runs:
            low = np.searchsorted(keys, wanted, "left")
            counts = np.searchsorted(keys, wanted, "right") - low
            at = np.repeat(low - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
            found_keys.append(keys[at])
            found_seqs.append(seqs[at])
        return np.concatenate(found_keys), np.concatenate(found_seqs)


def _merged(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two runs sorted by key as one, in time linear in their sizes."""
    if not len(second[0]):
        return first
    at = np.searchsorted(first[0], second[0], "right") + np.arange(len(second[0]))
    keys = np.empty(len(first[0]) + len(second[0]), dtype=np.uint64)
    seqs = np.empty(len(keys), dtype=np.int64)
    old = np.ones(len(keys), dtype=bool)
    old[at] = False
    keys[at], seqs[at] = second
    keys[old], seqs[old] = first
    return keys, seqs


class Holdings:
    """What an index's look-ups read of its stored articles, in memory: the postings of their
    lookup keys and of their short lines, and each article's time and id by seq."""

    def __init__(self) -> None:
        self.keys = Postings()
        self.lines = Postings()
        self.times: dict[int, float] = {}
        self.ids: dict[int, str] = {}

    def add(self, seq: int, id_: str, time: float, keys: np.ndarray, lines: np.ndarray) -> None:
        self.times[seq] = time
        self.ids[seq] = id_
        self.keys.add(keys, np.full(len(keys), seq, dtype=np.int64))
        self.lines.add(lines, np.full(len(lines), seq, dtype=np.int64))

    def add_many(self, rows: list[tuple[int, str, float, np.ndarray, np.ndarray]]) -> None:
        """Articles ``(seq, id, time, keys, lines)`` at once: one sort for all."""
        if not rows:
            return
        for seq, id_, time, _, _ in rows:
            self.times[seq] = time
            self.ids[seq] = id_
        for postings, column in ((self.keys, 3), (self.lines, 4)):
            sizes = [len(row[column]) for row in rows]
            postings.add(np.concatenate([row[column] for row in rows]).astype(np.uint64),
                         np.repeat(np.array([row[0] for row in rows], dtype=np.int64), sizes))

    def rekey(self, seqs: list[int], keys: list[np.ndarray]) -> None:
        self.keys.remove(np.array(seqs, dtype=np.int64))
        self.keys.add(np.concatenate(keys).astype(np.uint64) if keys else np.zeros(0, dtype=np.uint64),
                      np.repeat(np.array(seqs, dtype=np.int64), [len(k) for k in keys]))

    def remove(self, seqs: list[int]) -> None:
        gone = np.array(seqs, dtype=np.int64)
        self.keys.remove(gone)
        self.lines.remove(gone)
        for seq in seqs:
            self.times.pop(seq, None)
            self.ids.pop(seq, None)

    def holders(self, postings: Postings, keys: np.ndarray, since: float) -> tuple[np.ndarray, np.ndarray]:
        """The pairs of ``postings`` among ``keys`` whose article's time is ``since`` or later."""
        found_keys, found_seqs = postings.find(keys)
        if since > -np.inf and len(found_seqs):
            times = np.fromiter((self.times[s] for s in found_seqs.tolist()), dtype=np.float64, count=len(found_seqs))
            inside = times >= since
            found_keys, found_seqs = found_keys[inside], found_seqs[inside]
        return found_keys, found_seqs
