"""Connected components inside Spark, by alternating large-star and small-star steps
(Kiveris et al., "Connected Components in MapReduce and Beyond", 2014): every node ends linked
to the smallest node of its component, and no edge list is gathered on the driver."""

from __future__ import annotations

__all__ = ["connected_components"]


def connected_components(edges, max_rounds: int = 64):
    """``(id, component)`` for every node of ``edges`` (columns ``src``, ``dst``, of one orderable type);
    ``component`` is the smallest id of the node's component."""
    from pyspark.sql import functions as F

    # Each edge once, its smaller end first; no self-loops.
    edges = edges.where(F.col("src") != F.col("dst")).select(
        F.least("src", "dst").alias("src"), F.greatest("src", "dst").alias("dst")).distinct().localCheckpoint()
    count = edges.count()
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
