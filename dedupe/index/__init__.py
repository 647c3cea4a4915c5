"""The ingestion index: a persistent, incremental store of articles with a time window, in a
SQLite file or on a Redis server (see :class:`Index`)."""

from .index import Added, Index, IndexVerdict, parse_duration

__all__ = ["Index", "IndexVerdict", "Added", "parse_duration"]
