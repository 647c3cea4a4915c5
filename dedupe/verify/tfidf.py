"""TF-IDF over hashed words, and the cosine of two articles' vectors.

Words are hashed into ``TFIDF_FEATURES`` columns. Weights are scikit-learn's: sublinear term
frequency, smooth IDF (:func:`idf_weights`, from document frequencies, which the Spark job
counts with a group-by over the whole corpus), rows normalised to unit length.
"""

from __future__ import annotations

from ..numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np
import scipy.sparse as sp

from ..sketch import Sketches, unique_per_row
from .overlap import overlap

__all__ = ["TFIDF_FEATURES", "word_columns", "idf_weights", "tfidf_vectors", "cosine"]

TFIDF_FEATURES = 1 << 20
"""Columns words are hashed into."""


def word_columns(sketches: Sketches) -> sp.csr_matrix:
    """Each article's word counts by hashed column: the matrix TF-IDF weighs."""
    columns = _columns(sketches.words, TFIDF_FEATURES)
    indices, indptr = unique_per_row(columns, sketches.word_offsets)
    counts = _row_counts(columns, sketches.word_offsets, indices, indptr)
    return sp.csr_matrix((counts, indices, indptr), shape=(len(sketches), TFIDF_FEATURES))


def idf_weights(document_frequency: np.ndarray, documents: int) -> np.ndarray:
    """Smooth IDF, as scikit-learn's ``TfidfTransformer`` computes it: ``ln((1 + documents) /
    (1 + df)) + 1`` for each column's document frequency ``df``."""
    return np.log((1 + documents) / (1 + np.asarray(document_frequency, dtype=np.float64))) + 1


def tfidf_vectors(sketches: Sketches, idf: np.ndarray | None = None) -> sp.csr_matrix:
    """Each article's TF-IDF vector, unit length, indices sorted; weights from ``idf`` when a
    larger corpus gave them, else from these articles' own document frequencies."""
    matrix = word_columns(sketches)
    if idf is None:
        idf = idf_weights(np.bincount(matrix.indices, minlength=TFIDF_FEATURES), len(sketches))
    # Imported here: scikit-learn takes 2 s to import, and only a run's weighting needs it.
    from sklearn.feature_extraction.text import TfidfTransformer
    weigh = TfidfTransformer(sublinear_tf=True)
    weigh.idf_ = idf
    tfidf = weigh.transform(matrix, copy=False).tocsr()  # weighed in place: the counts are this call's own
    tfidf.sort_indices()
    return tfidf


def cosine(tfidf: sp.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The cosine of rows ``a[k]`` and ``b[k]`` of unit-length ``tfidf``, for each ``k``."""
    # Rows are unit vectors: the cosine is their dot product, merged row against row rather
    # than by gathering the rows of every pair into new matrices.
    return _row_dots(tfidf.indptr, tfidf.indices, tfidf.data, a, b)


@numba.njit(cache=CACHE, parallel=True)
def _columns(words, features):
    """Each word's column, ``word % features``, in 32 bits: half the memory of the hashes."""
    out = np.empty(len(words), dtype=np.int32)
    for i in numba.prange(len(words)):
        out[i] = words[i] % np.uint64(features)
    return out


@numba.njit(cache=CACHE, parallel=True)
def _row_counts(values, offsets, distinct, distinct_offsets):
    """How often each of a row's ``distinct`` values (sorted) stands in its ``values``."""
    counts = np.zeros(len(distinct), dtype=np.float64)
    for row in numba.prange(len(offsets) - 1):
        mine = distinct[distinct_offsets[row]:distinct_offsets[row + 1]]
        for value in values[offsets[row]:offsets[row + 1]]:
            counts[distinct_offsets[row] + np.searchsorted(mine, value)] += 1.0
    return counts


@numba.njit(cache=CACHE, parallel=True)
def _row_dots(indptr, indices, data, a, b):
    out = np.zeros(len(a))
    for p in numba.prange(len(a)):
        out[p] = overlap(indices, indptr, data, a[p], b[p])
    return out
