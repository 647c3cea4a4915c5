"""Sketching: compared texts → word hashes, shingle hashes and MinHash signatures, in bulk.

Everything is computed by numba kernels over flat arrays (one array for all articles plus
offsets, as in a CSR matrix): no Python loop runs per word or per shingle.

Signatures use datasketch's ``affine32`` scheme and its permutations for the same seed, so for
the same hashed shingles they are bit-identical to ``datasketch.MinHash``:

>>> import datasketch, numpy as np
>>> sk = sketch(["the quick brown fox jumps over the lazy dog"], shingle_size=3, num_perm=16)
>>> m = datasketch.MinHash(num_perm=16, seed=1, hashfunc=int)
>>> m.update_batch(sk.shingles.tolist())
>>> bool(np.array_equal(m.hashvalues, sk.signatures[0]))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import datasketch
import numba
import numpy as np

__all__ = ["Sketches", "sketch", "hash_words", "shingle_hashes", "unique_per_row", "signatures"]

_SPACE = 32
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
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


def sketch(texts: Sequence[str], shingle_size: int = 5, num_perm: int = 128, seed: int = 1) -> Sketches:
    """Sketch compared texts (words separated by single spaces, as :func:`dedupe.clean.to_tokens`
    gives them)."""
    words, word_offsets = hash_words(texts)
    shingles, shingle_offsets = shingle_hashes(words, word_offsets, shingle_size)
    sets, set_offsets = unique_per_row(shingles, shingle_offsets)
    return Sketches(words, word_offsets, shingles, shingle_offsets, sets, set_offsets,
                    signatures(sets, set_offsets, num_perm, seed), shingle_size)


def hash_words(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the space-separated words of each text, with per-text offsets."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    char_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=char_offsets[1:])
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    return _hash_words(codes, char_offsets)


@numba.njit(cache=True)
def _fmix64(h):
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@numba.njit(cache=True)
def _hash_words(codes, char_offsets):
    n = len(char_offsets) - 1
    # At most one word per two characters, plus one per text.
    out = np.empty(len(codes) // 2 + n + 1, dtype=np.uint64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    count = 0
    for doc in range(n):
        h = _FNV_OFFSET
        in_word = False
        for pos in range(char_offsets[doc], char_offsets[doc + 1]):
            c = codes[pos]
            if c == _SPACE:
                if in_word:
                    out[count] = _fmix64(h)
                    count += 1
                    h = _FNV_OFFSET
                    in_word = False
            else:
                h = (h ^ np.uint64(c)) * _FNV_PRIME
                in_word = True
        if in_word:
            out[count] = _fmix64(h)
            count += 1
        offsets[doc + 1] = count
    return out[:count].copy(), offsets


def shingle_hashes(words: np.ndarray, word_offsets: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every run of ``size`` consecutive words (one for shorter texts)."""
    return _shingle_hashes(words, word_offsets, size)


@numba.njit(cache=True)
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
            out[offsets[doc] + j] = np.uint32(_fmix64(h) & _MASK32)
    return out, offsets


@numba.njit(cache=True)
def unique_per_row(values, offsets):
    """Sorted distinct values of each row of a CSR-like ``(values, offsets)`` pair."""
    n = len(offsets) - 1
    out = np.empty_like(values)
    new_offsets = np.zeros(n + 1, dtype=np.int64)
    count = 0
    for row in range(n):
        segment = np.sort(values[offsets[row]:offsets[row + 1]])
        for i in range(len(segment)):
            if i == 0 or segment[i] != segment[i - 1]:
                out[count] = segment[i]
                count += 1
        new_offsets[row + 1] = count
    return out[:count].copy(), new_offsets


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutation parameters ``(a, b)`` for this seed."""
    a, b = datasketch.MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def signatures(shingles: np.ndarray, offsets: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signatures (``affine32`` scheme) of each row of hashed shingles."""
    a, b = permutations(num_perm, seed)
    return _signatures(shingles, offsets, a, b)


@numba.njit(cache=True)
def _fmix32(h):
    # MurmurHash3's 32-bit finalizer, as datasketch applies it before the permutations.
    h ^= h >> np.uint32(16)
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h ^= h >> np.uint32(13)
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    h ^= h >> np.uint32(16)
    return h


@numba.njit(cache=True)
def _signatures(shingles, offsets, a, b):
    n = len(offsets) - 1
    num_perm = len(a)
    out = np.full((n, num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    for doc in range(n):
        row = out[doc]
        for j in range(offsets[doc], offsets[doc + 1]):
            v = _fmix32(shingles[j])
            for p in range(num_perm):
                h = np.uint32(a[p] * v + b[p])
                if h < row[p]:
                    row[p] = h
    return out
