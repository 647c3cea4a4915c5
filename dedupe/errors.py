"""Exceptions raised by dedupe.

Every error says what was wrong, where, and what to do about it.
"""

from __future__ import annotations

__all__ = ["DedupeError", "InputError", "ConfigError", "IndexStoreError", "IndexWriteError", "OutputError"]


def install_hint(extra: str) -> str:
    """How to install an extra, as the README installs the project: from its folder.

    >>> install_hint("html")
    "pip install '.[html]' in the wire-dedupe folder (or: pip install trafilatura lxml_html_clean)"
    """
    packages = {"html": "trafilatura lxml_html_clean", "parquet": "pyarrow", "pandas": "pandas pyarrow",
                "spark": "pyspark pandas pyarrow", "redis": "redis"}
    return f"pip install '.[{extra}]' in the wire-dedupe folder (or: pip install {packages[extra]})"


class DedupeError(Exception):
    """Base class of every error dedupe raises on purpose."""


class InputError(DedupeError):
    """An input path or record could not be read as an article.

    ``path`` and ``line`` say where; ``reason`` says what is wrong.
    """

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class ConfigError(DedupeError):
    """A parameter has a value dedupe cannot work with."""


class IndexStoreError(DedupeError):
    """An index cannot be opened, read or written: a missing folder, another format or other
    parameters, a server that cannot be reached. Nothing of the failed call was stored."""


class OutputError(DedupeError):
    """An output file cannot be written: its folder is missing, the disk is full, a format needs a
    library that is not installed. A file that was being replaced is left as it was."""


class IndexWriteError(IndexStoreError):
    """An index failed while a call worked on it: the disk is full, the file system is read only,
    a page is damaged, the server went away or another writer took the lock. Nothing of the call
    was stored."""
