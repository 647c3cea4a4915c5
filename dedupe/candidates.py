"""Candidates: sketches → pairs of articles likely to be copies, for verification to judge.

Every article gets lookup keys (:func:`lookup_keys`) of two kinds, and articles sharing keys
are linked:

* **LSH band buckets** of the MinHash signatures find pairs of high Jaccard similarity. Bands
  and rows are worked out from the threshold exactly as ``datasketch.MinHashLSH`` does.
* **Anchors** find copies that Jaccard misses: a copy cut to its first third shares only a third
  of the shingles of the full story. One shingle in ``anchor_rate``, chosen by its hash, is an
  anchor, and so are the first ``LEAD_ANCHORS`` shingles; copies keep the anchors of the text
  they keep, so two articles sharing anchors are a pair, however different their lengths.

Note: a key shared by very many articles (page boilerplate that slipped through, a formula
every market report repeats, a story with dozens of copies) would cost a quadratic number of
pairs; past ``MAX_BUCKET`` holders (``ANCHOR_BUCKET`` for an anchor) a key links each holder to
its first one only.

The scan (:func:`candidate_pairs`), the index (posting lists of stored keys) and the Spark job
(key groups) find pairs with the same three functions: :func:`key_links`, :func:`shared_keys`
and :func:`linked`.
"""

from __future__ import annotations

from functools import lru_cache

from .numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np

from .config import DEFAULTS

from .sketch import Sketches, unique_per_row

__all__ = ["candidate_pairs", "pairs_from_keys", "key_links", "shared_keys", "linked", "anchors_decide", "anchor_counts",
           "ANCHORS_THAT_LINK",
           "is_band", "band_buckets", "lsh_bands", "article_anchors", "lookup_keys", "BAND_KEY", "MAX_BUCKET", "ANCHOR_BUCKET"]

MAX_BUCKET = 256
# Anchors are single shingles: stock phrases reach many articles, and pairs grew faster than the
# corpus with all of them linked. Linking a crowded anchor's articles to its first one only kept
# every quality figure of the tune half and cut a quarter of the pairs on 80,000 articles.
ANCHOR_BUCKET = 64
_KEY_SHARE_BITS = 2  # a scan links its keys in 4 shares (see pairs_from_keys)
LEAD_ANCHORS = 8  # a story's opening shingles are always anchors


# The rule of this stage, in three parts that the scan, the index and Spark all call: the links a
# key makes among its holders (key_links), the keys each linked pair shares (shared_keys), and
# which linked pairs are candidates (linked).


def candidate_pairs(sketches: Sketches, lsh_threshold: float = DEFAULTS.lsh_threshold,
                    anchor_rate: int = DEFAULTS.anchor_rate) -> np.ndarray:
    """All candidate pairs ``(i, j)`` with ``i < j``, sorted, as an ``(m, 2)`` int64 array."""
    return pairs_from_keys(*lookup_keys(sketches, lsh_threshold, anchor_rate))


def pairs_from_keys(keys: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The candidate pairs of articles whose lookup keys (:func:`lookup_keys`) are the CSR rows
    ``keys[offsets[i]:offsets[i + 1]]``: pairs sharing a band bucket, or at least two anchors, or
    all the anchors of the one with fewer. Sorted ``(i, j)``, ``i < j``."""
    n = len(offsets) - 1
    keys = np.asarray(keys, dtype=np.uint64)
    members = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    # Keys are linked a share at a time, every holder of a key in the same share; each share's
    # links are summed per pair, then the shares' sums are added up. All the links at once (some
    # 20 per pair) took 1.8 GB at 316,000 articles and set the run's peak (3.4 GB; now 2.9).
    # Shares by a multiplicative hash: anchors are chosen by their low bits.
    share = ((keys * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - _KEY_SHARE_BITS)).astype(np.int8)
    parts = []
    for s in range(1 << _KEY_SHARE_BITS):
        mine = share == s
        pairs, band, shared = shared_keys(*key_links(keys[mine], members[mine]))
        parts.append((pairs[:, 0] * n + pairs[:, 1], band, shared))  # kept as codes: half the memory
    del pairs, members, share
    codes, band, shared = _summed(*(np.concatenate([p[k] for p in parts]) for k in range(3)))
    del parts
    first, second = codes // n, codes % n
    anchors = anchor_counts(keys, offsets)
    chosen = linked(band, shared, anchors[first], anchors[second])
    return np.stack([first[chosen], second[chosen]], axis=1)


def key_links(keys: np.ndarray, members: np.ndarray, fresh: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The links that the holders of each key make: ``members[k]`` holds ``keys[k]``.

    Every two holders of a key are linked, but a crowded key (more than ``MAX_BUCKET`` holders
    of a band bucket, ``ANCHOR_BUCKET`` of an anchor) links each holder to its first one, the
    smallest member, only: its pairs would grow with the square of its holders. With ``fresh``
    (one flag per row), only links with a fresh end are given: an index looks for the stored
    articles new ones link to. Returns the links as ``(a, b)`` rows with ``a < b`` (a pair
    linked by several keys stands once per key) and whether each came from a band bucket.
    """
    keys = np.asarray(keys, dtype=np.uint64)
    members = np.asarray(members, dtype=np.int64)
    fresh = np.ones(len(keys), dtype=np.bool_) if fresh is None else np.asarray(fresh, dtype=np.bool_)
    order = np.argsort(keys)  # holders in any order within a key: a crowded key finds its first itself
    keys, members, fresh = keys[order], members[order], fresh[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(keys)])
    band = is_band(keys[starts])
    limits = np.where(band, MAX_BUCKET, ANCHOR_BUCKET)
    pairs, group = _emit_links(members, fresh, starts.astype(np.int64), sizes.astype(np.int64), limits)
    return pairs, band[group]


def shared_keys(links: np.ndarray, band: np.ndarray,
                anchors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each linked pair once, sorted, with whether a band bucket links it and how many anchors
    its two articles share. ``anchors`` gives how many anchors each link stands for (by default,
    one for each link that is not a band bucket's): sums of several sets of links add up."""
    if len(links) == 0:
        return np.empty((0, 2), dtype=np.int64), np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    n = int(links.max()) + 1  # pairs as single codes: sorting them is several times faster than rows
    band = np.asarray(band, dtype=bool)
    codes, banded, shared = _summed(links[:, 0] * n + links[:, 1], band,
                                    (~band).astype(np.int64) if anchors is None else np.asarray(anchors, dtype=np.int64))
    return np.stack([codes // n, codes % n], axis=1), banded, shared


def _summed(codes: np.ndarray, band: np.ndarray, anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`shared_keys` on pairs coded as single numbers: each code once, sorted, whether a
    band bucket links it and its anchors summed."""
    if len(codes) == 0:
        return codes, band, anchors
    order = np.argsort(codes)
    codes, band, anchors = codes[order], band[order], anchors[order]
    del order
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return codes[starts], np.logical_or.reduceat(band, starts), np.add.reduceat(anchors, starts)


ANCHORS_THAT_LINK = 2
"""Shared anchors that make two articles candidates (fewer do when one has no more)."""


def linked(band: np.ndarray, shared: np.ndarray, anchors_a: np.ndarray, anchors_b: np.ndarray) -> np.ndarray:
    """Which linked pairs are candidates: a shared band bucket, or at least
    :data:`ANCHORS_THAT_LINK` shared anchors, or all the anchors of the one with fewer
    (``anchors_*``: how many each article has)."""
    return np.asarray(band, dtype=bool) | (shared >= np.minimum(ANCHORS_THAT_LINK, np.minimum(anchors_a, anchors_b)))


def anchors_decide(band: np.ndarray, shared: np.ndarray, anchors_a: np.ndarray) -> np.ndarray:
    """Which linked pairs :func:`linked` decides by the number of anchors of the other side
    (``anchors_a``: this side's): elsewhere any number gives the same outcome, and an index need
    not read the other side's keys."""
    return ~np.asarray(band, dtype=bool) & (shared < ANCHORS_THAT_LINK) & (anchors_a >= ANCHORS_THAT_LINK)


def anchor_counts(keys: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """How many anchors each row of lookup keys holds (its keys that are not band buckets)."""
    owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    return np.bincount(owner[~is_band(keys)], minlength=len(offsets) - 1)


def is_band(keys: np.ndarray) -> np.ndarray:
    """Which lookup keys are LSH band buckets (the others are anchors)."""
    return (np.asarray(keys, dtype=np.uint64) & BAND_KEY) != 0


@lru_cache(maxsize=32)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` minimising the weighted false positive and negative rates, as
    ``datasketch.MinHashLSH`` chooses them."""
    import datasketch  # here: it imports scipy.integrate, and only a run's banding needs it
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def article_anchors(sketches: Sketches, anchor_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Each article's distinct anchors (see :func:`lookup_keys`), sorted, as CSR rows."""
    # An anchor counts once per article, whichever way it was chosen.
    return unique_per_row(*_anchors(sketches.shingle_sets, sketches.set_offsets, sketches.shingles,
                                     sketches.shingle_offsets, anchor_rate, LEAD_ANCHORS))


def lookup_keys(sketches: Sketches, lsh_threshold: float = DEFAULTS.lsh_threshold,
                anchor_rate: int = DEFAULTS.anchor_rate) -> tuple[np.ndarray, np.ndarray]:
    """Each article's keys for finding its candidates in a stored index, as CSR rows of uint64:
    its LSH band buckets (top bit set) and then its anchors (32-bit shingle hashes), so that a
    key tells its kind. An article without words has none."""
    n = len(sketches)
    if sketches.signatures.shape[1] == 0 and n:
        raise ValueError("these sketches were made without MinHash signatures: they have no lookup keys")
    bands, rows = lsh_bands(lsh_threshold, sketches.signatures.shape[1])
    buckets = band_buckets(sketches.signatures, bands, rows)
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


def band_buckets(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Each signature's bucket in each band, an ``(n, bands)`` array of band keys: two signatures
    share a bucket when they agree on every row of the band."""
    n = len(signatures)
    return _band_buckets(signatures, np.arange(n), bands, rows).reshape(bands, n).T | BAND_KEY


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


@numba.njit(cache=CACHE)
def _emit_links(members, fresh, starts, sizes, limits):
    """The links of each group of holders (see :func:`key_links`) and the group of each."""
    total = 0
    for g in range(len(starts)):
        first, s = starts[g], sizes[g]
        if s <= limits[g]:
            for x in range(first, first + s):
                for y in range(x + 1, first + s):
                    total += fresh[x] or fresh[y]
        else:
            head = _first_holder(members, first, s)
            for y in range(first, first + s):
                total += y != head and (fresh[head] or fresh[y])
    out = np.empty((total, 2), dtype=np.int64)
    group = np.empty(total, dtype=np.int64)
    k = 0
    for g in range(len(starts)):
        first, s = starts[g], sizes[g]
        if s <= limits[g]:
            for x in range(first, first + s):
                for y in range(x + 1, first + s):
                    a, b = members[x], members[y]
                    if (fresh[x] or fresh[y]) and a != b:
                        out[k, 0], out[k, 1] = min(a, b), max(a, b)
                        group[k] = g
                        k += 1
        else:  # a crowded key: every holder with the first (smallest) one
            head = _first_holder(members, first, s)
            for y in range(first, first + s):
                a, b = members[head], members[y]
                if y != head and (fresh[head] or fresh[y]) and a != b:
                    out[k, 0], out[k, 1] = min(a, b), max(a, b)
                    group[k] = g
                    k += 1
    return out[:k], group[:k]


@numba.njit(cache=CACHE)
def _first_holder(members, first, size):
    """Where the smallest member of a group stands (the first of equals)."""
    head = first
    for y in range(first + 1, first + size):
        if members[y] < members[head]:
            head = y
    return head
