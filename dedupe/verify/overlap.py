"""The merge of two sorted rows, shared by the shingle and the TF-IDF scores."""

from __future__ import annotations

from ..numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np

__all__ = ["overlap", "shared_shingles"]


@numba.njit(cache=CACHE)
def overlap(keys, offsets, weights, x, y):
    """Rows ``x`` and ``y`` of sorted ``keys``: the sum over the keys they share of the product of
    their ``weights`` (a dot product), or without weights how many keys they share."""
    i, j, i_end, j_end = offsets[x], offsets[y], offsets[x + 1], offsets[y + 1]
    total = 0.0
    while i < i_end and j < j_end:
        if keys[i] == keys[j]:
            total += 1.0 if weights is None else weights[i] * weights[j]
            i += 1
            j += 1
        elif keys[i] < keys[j]:
            i += 1
        else:
            j += 1
    return total


@numba.njit(cache=CACHE, parallel=True)
def shared_shingles(sets, offsets, pairs):
    out = np.zeros(len(pairs), dtype=np.int64)
    for p in numba.prange(len(pairs)):
        out[p] = int(overlap(sets, offsets, None, pairs[p, 0], pairs[p, 1]))
    return out
