"""wire-dedupe: find the syndicated copies of news wire stories, pick the canonical version,
and mark the truncated ones."""

from importlib.metadata import PackageNotFoundError, version

from .article import Article, Role
from .config import DedupeConfig
from .errors import ConfigError, DedupeError, IndexStoreError, InputError
from .index import Added, Index, IndexVerdict
from .io import ReadResult, Reject, read_articles
from .pipeline import Deduplicator, Result, Story, Verdict, find_duplicates

try:
    __version__ = version("wire-dedupe")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Article", "Role", "DedupeConfig", "DedupeError", "InputError", "ConfigError",
    "ReadResult", "Reject", "read_articles", "Deduplicator", "Result", "Story", "Verdict",
    "find_duplicates", "Index", "IndexVerdict", "Added", "IndexStoreError", "__version__",
]
