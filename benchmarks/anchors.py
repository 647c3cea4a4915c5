"""The anchors the quality benchmark compares against, each written as its users write it.

1. datasketch as its README shows it: word 5-gram shingles, ``MinHash`` with 128 permutations,
   ``MinHashLSH`` at threshold 0.5, union-find over the candidates.
2. text-dedup's published NEWS-COPY configuration rebuilt with datasketch: lower-cased word
   bigrams split on non-word characters, 256 permutations, threshold 0.45, union-find.
3. TF-IDF cosine over all pairs (scikit-learn) with one threshold, union-find.

Each returns one cluster label per article.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from datasketch import MinHash, MinHashLSH
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["datasketch_plain", "news_copy", "tfidf_all_pairs"]

_NON_WORD = re.compile(r"\W+")


def _components(n: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    if not pairs:
        return np.arange(n)
    rows, cols = zip(*pairs)
    graph = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _minhash_lsh(shingle_sets: list[list[bytes]], num_perm: int, threshold: float) -> np.ndarray:
    minhashes = MinHash.bulk(shingle_sets, num_perm=num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for i, m in enumerate(minhashes):
            session.insert(i, m)
    pairs = [(i, j) for i, m in enumerate(minhashes) for j in lsh.query(m) if j != i]
    return _components(len(shingle_sets), pairs)


def datasketch_plain(texts: Sequence[str]) -> np.ndarray:
    sets = []
    for text in texts:
        words = text.split()
        sets.append([" ".join(words[i:i + 5]).encode("utf-8") for i in range(max(len(words) - 4, 1))])
    return _minhash_lsh(sets, 128, 0.5)


def news_copy(texts: Sequence[str]) -> np.ndarray:
    sets = []
    for text in texts:
        words = [w for w in _NON_WORD.split(text.lower()) if w]
        sets.append([" ".join(words[i:i + 2]).encode("utf-8") for i in range(max(len(words) - 1, 1))])
    return _minhash_lsh(sets, 256, 0.45)


def tfidf_all_pairs(texts: Sequence[str], threshold: float, chunk: int = 2000) -> np.ndarray:
    matrix = TfidfVectorizer().fit_transform(texts).tocsr()
    transposed = matrix.T.tocsc()
    pairs: list[tuple[int, int]] = []
    for start in range(0, matrix.shape[0], chunk):
        block = (matrix[start:start + chunk] @ transposed).tocoo()
        keep = (block.data >= threshold) & (block.row + start < block.col)
        pairs.extend(zip((block.row[keep] + start).tolist(), block.col[keep].tolist()))
    return _components(len(texts), pairs)
