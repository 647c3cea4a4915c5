"""Connected components of a graph held in Spark, each node labelled with the smallest node of
its component.

A graph of up to :data:`GATHER_LIMIT` edges is gathered on the driver, 16 bytes an edge, and
split there by scipy in one pass. A larger one is split inside Spark, so that no edge list
reaches the driver, by alternating large-star and small-star steps (Kiveris et al.,
"Connected Components in MapReduce and Beyond", 2014): each round is a few jobs, and a graph
needs several rounds.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

__all__ = ["connected_components", "GATHER_LIMIT"]

GATHER_LIMIT = 5_000_000
"""The most edges gathered on the driver (80 MB of numbers): far below a driver's default 1 GB."""
_CHUNK = 1_000_000  # nodes in one row of the labels sent back from the driver


def connected_components(edges, gather_limit: int = GATHER_LIMIT, max_rounds: int = 64):
    """``(id, component)`` for every node of ``edges`` (columns ``src``, ``dst``, longs);
    ``component`` is the smallest id of the node's component."""
    from pyspark.sql import functions as F

    # Each edge once, its smaller end first; no self-loops.
    edges = edges.where(F.col("src") != F.col("dst")).select(
        F.least("src", "dst").alias("src"), F.greatest("src", "dst").alias("dst")).distinct().localCheckpoint()
    count = edges.count()
    if count <= gather_limit:
        return _gathered(edges)
    for _ in range(max_rounds):
        # Each round is checkpointed: the plan of a loop would otherwise grow with every round.
        before, count_before = edges, count
        edges = _small_star(_large_star(edges)).localCheckpoint()
        count = edges.count()
        # Stop when a round changed no edge: each node then points at its component's smallest.
        # Both are sets, so the same size and nothing new means the same edges.
        if count == count_before and edges.exceptAll(before).limit(1).count() == 0:
            break
    else:
        raise RuntimeError(f"connected components did not settle in {max_rounds} rounds")
    roots = edges.select(F.col("src").alias("id"), F.col("src").alias("component")).distinct()
    leaves = edges.select(F.col("dst").alias("id"), F.col("src").alias("component"))
    return roots.unionByName(leaves).groupBy("id").agg(F.min("component").alias("component"))


def _neighbourhoods(edges):
    """Each node with its neighbours (both directions) and the smallest of them and itself."""
    from pyspark.sql import functions as F

    both = edges.unionByName(edges.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
    return both.groupBy("src").agg(F.collect_set("dst").alias("near")) \
        .withColumn("smallest", F.least(F.col("src"), F.array_min("near")))


def _large_star(edges):
    """Link each node's larger neighbours to the smallest node of its neighbourhood."""
    from pyspark.sql import functions as F

    near = _neighbourhoods(edges)
    larger = near.select("smallest", F.explode(F.filter("near", lambda v: v > F.col("src"))).alias("dst"))
    return larger.where(F.col("smallest") != F.col("dst")).select(F.col("smallest").alias("src"), "dst").distinct()


def _small_star(edges):
    """Link each node and its smaller neighbours to the smallest of them."""
    from pyspark.sql import functions as F

    down = edges.select(F.col("dst").alias("node"), F.col("src").alias("near"))  # the smaller side
    groups = down.groupBy("node").agg(F.collect_set("near").alias("near")) \
        .withColumn("smallest", F.least(F.col("node"), F.array_min("near")))
    linked = groups.select("smallest", F.explode(F.array_union("near", F.array("node"))).alias("dst"))
    return linked.where(F.col("smallest") != F.col("dst")).select(F.col("smallest").alias("src"), "dst").distinct()


def _gathered(edges):
    """The components of ``edges``, found on the driver (scipy) and sent back in rows of packed numbers."""
    from ..cluster import link_components

    packed = edges.mapInPandas(_pack, "src binary, dst binary").collect()
    src = np.concatenate([np.zeros(0, "<i8")] + [np.frombuffer(row.src, "<i8") for row in packed])
    dst = np.concatenate([np.zeros(0, "<i8")] + [np.frombuffer(row.dst, "<i8") for row in packed])
    nodes, ends = np.unique(np.concatenate([src, dst]), return_inverse=True)
    ends = ends.ravel()
    label = link_components(np.column_stack([ends[:len(src)], ends[len(src):]]), len(nodes))
    # Nodes are sorted: a component's first node is its smallest.
    _, first = np.unique(label, return_index=True)
    component = nodes[first][label]
    rows = [(nodes[i:i + _CHUNK].astype("<i8").tobytes(), component[i:i + _CHUNK].astype("<i8").tobytes())
            for i in range(0, len(nodes), _CHUNK)]
    sent = edges.sparkSession.createDataFrame(rows, "ids binary, components binary")
    return sent.mapInPandas(_unpack, "id long, component long")


def _pack(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """A partition's edges as one row of packed numbers: far faster to collect than a row per edge."""
    batches = list(parts)
    if batches:
        part = pd.concat(batches)
        yield pd.DataFrame({"src": [part["src"].to_numpy().astype("<i8").tobytes()],
                            "dst": [part["dst"].to_numpy().astype("<i8").tobytes()]})


def _unpack(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for part in parts:
        for ids, components in zip(part["ids"], part["components"]):
            yield pd.DataFrame({"id": np.frombuffer(ids, "<i8"), "component": np.frombuffer(components, "<i8")})
