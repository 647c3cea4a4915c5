"""What the Spark job's stages share: the article fields it reads, buckets of groups for the
stages that call the local code, joins with small frames, and handing a Python worker's memory
back between batches."""

from __future__ import annotations

from ..heap import release_freed_memory

__all__ = ["FIELDS", "KEY_TYPE", "BUCKET_ROWS", "BROADCAST_ROWS", "bucketed", "broadcast_if_small", "fresh",
           "release_batch"]

FIELDS = ("id", "text", "title", "source", "url", "published")
"""The article columns the job reads; all but ``id`` and ``text`` may be absent."""

KEY_TYPE = "long"  # uint64 keys travel as Spark longs, with the same bits
BUCKET_ROWS = 5_000  # rows in one call of a bucketed stage: sampled holders or story members
# A frame of at most this many rows of numbers per article (32 MB as two longs) is copied to
# every executor for a join, instead of shuffling both sides of it.
BROADCAST_ROWS = 2_000_000


def bucketed(frame, column: str, rows: int, per_bucket: int | None = None):
    """``frame`` with a ``bucket`` column from the hash of ``column``, partitioned by it: enough
    buckets to keep every core busy, and few enough rows in each for one call to handle them at
    once. Frames to be cogrouped must be bucketed with the same ``rows``."""
    from pyspark.sql import functions as F

    cores = frame.sparkSession.sparkContext.defaultParallelism
    buckets = max(cores, -(-rows // (per_bucket or BUCKET_ROWS)))  # read here: a test makes buckets small
    # One partition per bucket: the group-by that follows reuses it instead of spreading the
    # buckets over spark.sql.shuffle.partitions mostly empty tasks.
    return frame.withColumn("bucket", F.pmod(F.xxhash64(column), F.lit(buckets))).repartition(buckets, "bucket")


def broadcast_if_small(frame, rows: int):
    """``frame`` (at most ``rows`` rows, one per article) marked to be copied to every executor
    for its joins when it is small (:data:`BROADCAST_ROWS`)."""
    from pyspark.sql import functions as F
    return F.broadcast(frame) if rows <= BROADCAST_ROWS else frame


def fresh(frame, *columns: str):
    """``columns`` of ``frame`` as new columns: a cogroup of two frames derived from one cannot
    tell their shared columns apart."""
    from pyspark.sql import functions as F
    return frame.select(*[F.col(c).alias(c) for c in columns])


def release_batch() -> None:
    """Hand a Python worker's freed memory back between batches: two workers per core hold what
    their largest batch needed otherwise, in Arrow's pool and in the C heap."""
    import pyarrow as pa

    if pa.default_memory_pool().backend_name != "system":
        # Arrow's own allocators keep freed blocks for reuse; the system's gives them back.
        pa.set_memory_pool(pa.system_memory_pool())
    release_freed_memory()
