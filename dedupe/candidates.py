"""Candidates: sketches → pairs of articles likely to be copies, for verification to judge.

Two paths, both vectorised:

* **LSH banding** of the MinHash signatures finds pairs of high Jaccard similarity. Bands and
  rows are worked out from the threshold exactly as ``datasketch.MinHashLSH`` does.
* **Anchors** find copies that Jaccard misses: a copy cut to its first third shares only a third
  of the shingles of the full story. One shingle in ``anchor_rate``, chosen by its hash, is an
  anchor; copies keep the anchors of the text they keep, so two articles sharing anchors are a
  pair, however different their lengths.

Note: a bucket or anchor shared by very many articles (page boilerplate that slipped through,
a formula every market report repeats, a story with dozens of copies) would cost a quadratic
number of pairs; past ``max_bucket`` members (``ANCHOR_BUCKET`` for an anchor) a bucket links
each member to its first one only.
"""

from __future__ import annotations

from functools import lru_cache

from .numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np

from .sketch import Sketches, unique_per_row

__all__ = ["candidate_pairs", "lsh_pairs", "anchor_pairs", "lsh_bands", "article_anchors", "lookup_keys"]

MAX_BUCKET = 256
# Anchors are single shingles: stock phrases reach many articles, and pairs grew faster than the
# corpus with all of them linked. Linking a crowded anchor's articles to its first one only kept
# every quality figure of the tune half and cut a quarter of the pairs on 80,000 articles.
ANCHOR_BUCKET = 64
LEAD_ANCHORS = 8  # a story's opening shingles are always anchors


def candidate_pairs(sketches: Sketches, lsh_threshold: float = 0.4, anchor_rate: int = 8,
                    max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """All candidate pairs ``(i, j)`` with ``i < j``, sorted, as an ``(m, 2)`` int64 array."""
    num_perm = sketches.signatures.shape[1]
    bands, rows = lsh_bands(lsh_threshold, num_perm)
    found = np.concatenate([
        lsh_pairs(sketches.signatures, sketches.set_sizes, bands, rows, max_bucket),
        anchor_pairs(sketches, anchor_rate, min(max_bucket, ANCHOR_BUCKET)),
    ])
    return _unique_pairs(found, len(sketches))


@lru_cache(maxsize=32)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` minimising the weighted false positive and negative rates, as
    ``datasketch.MinHashLSH`` chooses them."""
    import datasketch  # here: it imports scipy.integrate, and only a run's banding needs it
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def lsh_pairs(signatures: np.ndarray, set_sizes: np.ndarray, bands: int, rows: int,
              max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """Pairs of articles whose signatures agree on every row of at least one band."""
    docs = np.flatnonzero(set_sizes > 0)  # an empty text is no one's copy
    if len(docs) < 2:
        return np.empty((0, 2), dtype=np.int64)
    bucket = _band_buckets(signatures, docs, bands, rows)  # band by band, each over docs
    members = np.tile(docs, bands)
    return _pairs_in_groups(bucket, members, max_bucket)


def anchor_pairs(sketches: Sketches, anchor_rate: int, max_bucket: int = ANCHOR_BUCKET) -> np.ndarray:
    """Pairs of articles sharing at least two anchors, or all the anchors of the one with fewer.

    Anchors are one shingle in ``anchor_rate``, chosen by hash, and the first ``LEAD_ANCHORS``
    shingles of each article: a copy cut to a paragraph may hold no hash-chosen anchor, but it
    always holds the opening of the story.
    """
    n = len(sketches)
    anchors, offsets = article_anchors(sketches, anchor_rate)
    docs = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    pairs = _pairs_in_groups(anchors, docs, max_bucket)
    if len(pairs) == 0:
        return pairs
    codes, shared = np.unique(pairs[:, 0] * n + pairs[:, 1], return_counts=True)
    per_doc = np.bincount(docs, minlength=n)
    first, second = codes // n, codes % n
    fewest = np.minimum(per_doc[first], per_doc[second])
    keep = shared >= np.minimum(2, fewest)
    return np.stack([first[keep], second[keep]], axis=1)


def article_anchors(sketches: Sketches, anchor_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Each article's distinct anchors (see :func:`anchor_pairs`), sorted, as CSR rows."""
    # An anchor counts once per article, whichever way it was chosen.
    return unique_per_row(*_anchors(sketches.shingle_sets, sketches.set_offsets, sketches.shingles,
                                     sketches.shingle_offsets, anchor_rate, LEAD_ANCHORS))


def lookup_keys(sketches: Sketches, lsh_threshold: float = 0.4,
                anchor_rate: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Each article's keys for finding its candidates in a stored index, as CSR rows of uint64:
    its LSH band buckets (top bit set) and then its anchors (32-bit shingle hashes), so that a
    key tells its kind. An article without words has none."""
    n = len(sketches)
    bands, rows = lsh_bands(lsh_threshold, sketches.signatures.shape[1])
    buckets = _band_buckets(sketches.signatures, np.arange(n), bands, rows).reshape(bands, n).T
    buckets = buckets | BAND_KEY
    anchors, anchor_offsets = article_anchors(sketches, anchor_rate)
    has_words = sketches.set_sizes > 0
    band_counts = np.where(has_words, bands, 0)
    counts = band_counts + np.diff(anchor_offsets)
    offsets = np.zeros(n + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    keys = np.empty(offsets[-1], dtype=np.uint64)
    owner = np.repeat(np.arange(n), counts)
    is_band = (np.arange(len(keys)) - offsets[owner]) < band_counts[owner]
    keys[is_band] = buckets[has_words].ravel()
    keys[~is_band] = anchors
    return keys, offsets


BAND_KEY = np.uint64(1 << 63)
"""Set in a lookup key that is an LSH band bucket; anchors are 32-bit."""


@numba.njit(cache=CACHE)
def _anchors(sets, set_offsets, shingles, shingle_offsets, rate, lead):
    """Each article's anchors, as rows: the shingles of its set chosen by hash, then its first
    ``lead`` shingles (an anchor chosen both ways stands twice). Returns (anchors, offsets)."""
    n = len(set_offsets) - 1
    offsets = np.zeros(n + 1, dtype=np.int64)
    for doc in range(n):
        chosen = 0
        for j in range(set_offsets[doc], set_offsets[doc + 1]):
            chosen += sets[j] % rate == 0
        offsets[doc + 1] = offsets[doc] + chosen + min(lead, shingle_offsets[doc + 1] - shingle_offsets[doc])
    anchors = np.empty(offsets[n], dtype=np.uint64)
    for doc in range(n):
        count = offsets[doc]
        for j in range(set_offsets[doc], set_offsets[doc + 1]):
            if sets[j] % rate == 0:
                anchors[count] = sets[j]
                count += 1
        for j in range(shingle_offsets[doc], min(shingle_offsets[doc] + lead, shingle_offsets[doc + 1])):
            anchors[count] = shingles[j]
            count += 1
    return anchors, offsets


@numba.njit(cache=CACHE, parallel=True)
def _band_buckets(signatures, docs, bands, rows):
    """The bucket of each article (of ``docs``) in each band, band by band: an FNV-style hash of
    the band's rows, with the band number mixed in so that equal values in different bands never
    share a bucket."""
    out = np.empty(bands * len(docs), dtype=np.uint64)
    for i in numba.prange(len(docs)):
        row = signatures[docs[i]]
        for band in range(bands):
            key = np.uint64(0)
            for r in range(band * rows, (band + 1) * rows):
                key = (key ^ np.uint64(row[r])) * np.uint64(0x100000001B3)
            out[band * len(docs) + i] = key ^ (np.uint64(band) * np.uint64(0x9E3779B97F4A7C15))
    return out


def _pairs_in_groups(keys: np.ndarray, members: np.ndarray, max_bucket: int) -> np.ndarray:
    order = np.lexsort((members, keys))
    keys, members = keys[order], members[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    return _emit_pairs(members, starts, sizes, max_bucket)


@numba.njit(cache=CACHE)
def _emit_pairs(members, starts, sizes, max_bucket):
    total = 0
    for g in range(len(starts)):
        s = sizes[g]
        total += s * (s - 1) // 2 if s <= max_bucket else s - 1
    out = np.empty((total, 2), dtype=np.int64)
    k = 0
    for g in range(len(starts)):
        s, first = sizes[g], starts[g]
        if s <= max_bucket:
            for x in range(first, first + s):
                for y in range(x + 1, first + s):
                    a, b = members[x], members[y]
                    out[k, 0], out[k, 1] = min(a, b), max(a, b)
                    k += 1
        else:  # a crowded bucket: every member with its first one
            for y in range(first + 1, first + s):
                a, b = members[first], members[y]
                out[k, 0], out[k, 1] = min(a, b), max(a, b)
                k += 1
    return out


def _unique_pairs(pairs: np.ndarray, n: int) -> np.ndarray:
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    codes = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([codes // n, codes % n], axis=1).astype(np.int64)
