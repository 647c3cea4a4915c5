"""wire-dedupe: find the syndicated copies of news wire stories, pick the canonical version,
and mark the truncated ones.

The names below are imported when first used, so that ``dedupe --help`` and a program that
needs one of them do not pay for the rest (numba, scikit-learn).
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

# First, before anything imports numba: where the compiled kernels are cached.
from . import numba_cache as _numba_cache  # noqa: F401

try:
    __version__ = version("wire-dedupe")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_WHERE = {
    "Article": "article", "Columns": "article", "Role": "article",
    "DedupeConfig": "config",
    "ConfigError": "errors", "DedupeError": "errors", "IndexStoreError": "errors", "InputError": "errors",
    "OutputError": "errors",
    "Added": "index", "Index": "index", "IndexVerdict": "index",
    "ReadResult": "io", "Reject": "io", "read_articles": "io",
    "Deduplicator": "pipeline", "find_duplicates": "pipeline",
    "Result": "results", "Story": "results", "Verdict": "results",
}

__all__ = [*_WHERE, "__version__"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dedupe' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # what type checkers and editors see
    from .article import Article, Columns, Role
    from .config import DedupeConfig
    from .errors import ConfigError, DedupeError, IndexStoreError, InputError, OutputError
    from .index import Added, Index, IndexVerdict
    from .io import ReadResult, Reject, read_articles
    from .pipeline import Deduplicator, find_duplicates
    from .results import Result, Story, Verdict
