"""The MinHash pipelines the speed benchmark races, each end to end: read JSONL → shingles →
MinHash → LSH candidates → union-find stories → write one JSON line per article.

Run one in a fresh process (the benchmark measures its peak memory that way):

    python -m benchmarks.speed_runners METHOD INPUT.jsonl OUTPUT.jsonl

It prints the seconds of each stage as one JSON object. Each pipeline is written as its users
write it: word 5-gram shingles of the lower-cased text, 128 permutations, LSH at threshold 0.5.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["RUNNERS", "shingles"]

NUM_PERM = 128
THRESHOLD = 0.5
SHINGLE = 5


def shingles(text: str) -> list[str]:
    """Word 5-gram shingles of the lower-cased text (one shingle for a shorter text)."""
    words = text.lower().split()
    return [" ".join(words[i:i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 1))]


def _datasketch_update(sets: list[list[str]]):
    from datasketch import MinHash
    out = []
    for shingle_set in sets:
        m = MinHash(num_perm=NUM_PERM)
        for s in shingle_set:
            m.update(s.encode("utf-8"))
        out.append(m)
    return out


def _datasketch_bulk(sets: list[list[str]]):
    from datasketch import MinHash
    return MinHash.bulk([[s.encode("utf-8") for s in shingle_set] for shingle_set in sets], num_perm=NUM_PERM)


def _datasketch_lsh(minhashes) -> list[tuple[int, int]]:
    from datasketch import MinHashLSH
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, m in enumerate(minhashes):
            session.insert(i, m, check_duplication=False)
    return [(i, j) for i, m in enumerate(minhashes) for j in lsh.query(m) if j != i]


def _rensa_minhash(sets: list[list[str]]):
    from rensa import RMinHash
    out = []
    for shingle_set in sets:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(shingle_set)
        out.append(m)
    return out


def _rensa_lsh(minhashes) -> list[tuple[int, int]]:
    from rensa import RMinHashLSH
    # rensa wants bands that divide the permutations: 32 bands of 4 rows put the S-curve's
    # midpoint, (1/32)^(1/4) = 0.42, nearest to 0.5 (datasketch's 25 of 5: 0.53).
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=32)
    lsh.insert_many(minhashes)
    return [(i, j) for i, m in enumerate(minhashes) for j in lsh.query(m) if j != i]


_PIPELINES: dict[str, tuple[Callable, Callable]] = {
    "datasketch-update": (_datasketch_update, _datasketch_lsh),
    "datasketch-bulk": (_datasketch_bulk, _datasketch_lsh),
    "rensa": (_rensa_minhash, _rensa_lsh),
}
RUNNERS = tuple(_PIPELINES)


def run(method: str, source: Path, target: Path) -> dict[str, float]:
    """Run ``method`` from ``source`` to ``target``; the seconds of each stage."""
    minhash, lsh = _PIPELINES[method]
    importlib.import_module(method.split("-")[0])  # imported before the clock starts, as dedupe's are
    times: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[stage] = now - clock
        clock = now

    with source.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    lap("read")
    sets = [shingles(r["text"]) for r in records]
    lap("shingles")
    minhashes = minhash(sets)
    lap("minhash")
    pairs = lsh(minhashes)
    lap("lsh")
    n = len(records)
    if pairs:
        rows, cols = zip(*pairs)
        graph = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        labels = connected_components(graph, directed=False)[1]
    else:
        labels = np.arange(n)
    lap("cluster")
    with target.open("w", encoding="utf-8") as out:
        for record, label in zip(records, labels.tolist()):
            out.write(json.dumps({"id": record["id"], "cluster": label}) + "\n")
    lap("write")
    return times


if __name__ == "__main__":
    method, source, target = sys.argv[1:4]
    print(json.dumps(run(method, Path(source), Path(target))))
