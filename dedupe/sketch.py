"""Sketching: hashed words → shingle hashes and MinHash signatures, in bulk.

Everything is computed by numba kernels over flat arrays (one array for all articles plus
offsets, as in a CSR matrix): no Python loop runs per word or per shingle.

Signatures use datasketch's ``affine32`` scheme and its permutations for the same seed, so for
the same hashed shingles they are bit-identical to ``datasketch.MinHash``:

>>> import datasketch, numpy as np
>>> from dedupe.tokens import tokenize
>>> sk = sketch(tokenize(["the quick brown fox jumps over the lazy dog"]), shingle_size=3, num_perm=16)
>>> m = datasketch.MinHash(num_perm=16, seed=1, hashfunc=int)
>>> m.update_batch(sk.shingles.tolist())
>>> bool(np.array_equal(m.hashvalues, sk.signatures[0]))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np

from .config import DEFAULTS

from .tokens import Tokens, fmix64

__all__ = ["Sketches", "sketch", "shingle_hashes", "unique_per_row", "signatures"]

_MIX = np.uint64(0x9E3779B97F4A7C15)
_MASK32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class Sketches:
    """Flat arrays describing every article of a batch; article ``i`` owns
    ``x[x_offsets[i]:x_offsets[i + 1]]`` of each array ``x``.

    Attributes
    ----------
    words:
        64-bit hash of each word, in text order.
    shingles:
        32-bit hash of each run of ``shingle_size`` words, in text order. Shingle ``j`` of an
        article covers its words ``j .. j + shingle_size - 1``; an article shorter than that has
        one shingle covering all its words.
    shingle_sets:
        The distinct shingle hashes of each article, sorted (for containment and alignment).
    signatures:
        ``(n, num_perm)`` MinHash values, ``uint32``; an article without words has all ``2**32-1``.
        ``(n, 0)`` for a batch sketched without them: its candidate pairs were known, and
        verification reads no signature.
    """

    words: np.ndarray
    word_offsets: np.ndarray
    shingles: np.ndarray
    shingle_offsets: np.ndarray
    shingle_sets: np.ndarray
    set_offsets: np.ndarray
    signatures: np.ndarray
    shingle_size: int

    def __len__(self) -> int:
        return len(self.word_offsets) - 1

    @property
    def word_counts(self) -> np.ndarray:
        return np.diff(self.word_offsets)

    @property
    def set_sizes(self) -> np.ndarray:
        return np.diff(self.set_offsets)


def sketch(tokens: Tokens, shingle_size: int = DEFAULTS.shingle_size, num_perm: int = DEFAULTS.num_perm,
           seed: int = DEFAULTS.seed,
           with_signatures: bool = True) -> Sketches:
    """Sketch texts from their hashed words (see :func:`dedupe.tokens.tokenize`); without
    ``with_signatures``, no MinHash signatures (the costliest part, which only finding
    candidates reads)."""
    words, word_offsets = tokens.words, tokens.offsets
    shingles, shingle_offsets = shingle_hashes(words, word_offsets, shingle_size)
    sets, set_offsets = unique_per_row(shingles, shingle_offsets)
    minhashes = (signatures(sets, set_offsets, num_perm, seed) if with_signatures
                 else np.zeros((len(word_offsets) - 1, 0), dtype=np.uint32))
    return Sketches(words, word_offsets, shingles, shingle_offsets, sets, set_offsets, minhashes, shingle_size)


def shingle_hashes(words: np.ndarray, word_offsets: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every run of ``size`` consecutive words (one for shorter texts)."""
    return _shingle_hashes(words, word_offsets, size)


@numba.njit(cache=CACHE)
def _shingle_hashes(words, word_offsets, size):
    n = len(word_offsets) - 1
    counts = np.empty(n, dtype=np.int64)
    for doc in range(n):
        length = word_offsets[doc + 1] - word_offsets[doc]
        counts[doc] = 0 if length == 0 else max(length - size + 1, 1)
    offsets = np.zeros(n + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    out = np.empty(offsets[n], dtype=np.uint32)
    for doc in range(n):
        start = word_offsets[doc]
        length = word_offsets[doc + 1] - start
        width = min(size, length)
        for j in range(counts[doc]):
            h = np.uint64(0)
            for w in range(width):
                h = h * _MIX + words[start + j + w]
            out[offsets[doc] + j] = np.uint32(fmix64(h) & _MASK32)
    return out, offsets


@numba.njit(cache=CACHE, parallel=True)
def unique_per_row(values, offsets):
    """Sorted distinct values of each row of a CSR-like ``(values, offsets)`` pair."""
    n = len(offsets) - 1
    # Each row sorts in its own place (rows in parallel), then rows are packed together.
    spread = np.empty_like(values)
    sizes = np.zeros(n, dtype=np.int64)
    for row in numba.prange(n):
        segment = np.sort(values[offsets[row]:offsets[row + 1]])
        count = 0
        for i in range(len(segment)):
            if i == 0 or segment[i] != segment[i - 1]:
                spread[offsets[row] + count] = segment[i]
                count += 1
        sizes[row] = count
    new_offsets = np.zeros(n + 1, dtype=np.int64)
    for row in range(n):
        new_offsets[row + 1] = new_offsets[row] + sizes[row]
    out = np.empty(new_offsets[n], dtype=values.dtype)
    for row in numba.prange(n):
        for i in range(sizes[row]):
            out[new_offsets[row] + i] = spread[offsets[row] + i]
    return out, new_offsets


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutation parameters ``(a, b)`` for this seed."""
    import datasketch  # here: it imports scipy.integrate, and only a run's signatures need it
    a, b = datasketch.MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def signatures(shingles: np.ndarray, offsets: np.ndarray, num_perm: int = DEFAULTS.num_perm,
               seed: int = DEFAULTS.seed) -> np.ndarray:
    """MinHash signatures (``affine32`` scheme) of each row of hashed shingles."""
    a, b = permutations(num_perm, seed)
    return _signatures(shingles, offsets, a, b)


@numba.njit(cache=CACHE)
def _fmix32(h):
    # MurmurHash3's 32-bit finalizer, as datasketch applies it before the permutations.
    h ^= h >> np.uint32(16)
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h ^= h >> np.uint32(13)
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    h ^= h >> np.uint32(16)
    return h


@numba.njit(cache=CACHE, parallel=True)
def _signatures(shingles, offsets, a, b):
    n = len(offsets) - 1
    num_perm = len(a)
    out = np.full((n, num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    for doc in numba.prange(n):
        row = out[doc]
        for j in range(offsets[doc], offsets[doc + 1]):
            v = _fmix32(shingles[j])
            # min() rather than a branch: the loop over permutations compiles to vector code.
            for p in range(num_perm):
                row[p] = min(row[p], np.uint32(a[p] * v + b[p]))
    return out
