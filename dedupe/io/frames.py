"""What Python callers hold → records: a pandas DataFrame or Series, plain strings, dicts.

pandas is never imported here: a frame is recognised by what it has (``columns`` and
``to_dict``), so the library works without pandas and with any frame that looks like one.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from ..article import Article, Columns
from ..errors import InputError

__all__ = ["records_of"]


def records_of(data: Any, columns: Columns | None = None) -> Iterator[Article | Mapping[str, Any] | Any]:
    """``data`` as a stream of articles or records for :func:`dedupe.find_duplicates`.

    - a DataFrame: one record per row; without an id column, the row's index label is its id;
    - a Series of texts: the index labels are the ids;
    - plain strings: the texts, their positions (from 0) the ids;
    - ``Article`` objects and mappings pass as they are (anything else is rejected later, by number).
    """
    if isinstance(data, (str, bytes)):
        # Iterating it would make an article of each character.
        raise TypeError("find_duplicates() takes articles: a list of texts, records or Article objects, a Series "
                        "or a DataFrame, not one string")
    if _is_frame(data):
        yield from _frame_records(data, columns)
    elif _is_series(data):
        for label, text in data.items():
            yield {"id": _label_id(label), "text": text}
    else:
        yield from _items(data)


def _items(data: Iterable[Any]) -> Iterator[Any]:
    for position, item in enumerate(data):
        yield {"id": str(position), "text": item} if isinstance(item, str) else item


def _is_frame(data: Any) -> bool:
    return hasattr(data, "columns") and hasattr(data, "to_dict") and hasattr(data, "itertuples")


def _is_series(data: Any) -> bool:
    return hasattr(data, "items") and hasattr(data, "to_dict") and hasattr(data, "dtype")


def _frame_records(frame: Any, columns: Columns | None) -> Iterator[Mapping[str, Any]]:
    names = [str(name) for name in frame.columns]
    fault = (columns or Columns()).table_fault(names)
    if fault:
        raise InputError("<frame>", fault)
    id_named = (columns.id if columns and columns.id else "id") in names
    # A chunk at a time: a frame of a million rows never becomes a million dicts at once.
    step = 10_000
    for start in range(0, len(frame), step):
        part = frame.iloc[start:start + step]
        labels = list(part.index)
        for label, row in zip(labels, part.to_dict("records")):
            record = {str(k): _plain(v) for k, v in row.items()}
            if not id_named:
                record.setdefault("id", _label_id(label))
            yield record


def _label_id(label: Any) -> Any:
    """A row's index label as an article id: a number or a string as it is, a time (a
    DatetimeIndex) in ISO 8601, a MultiIndex's tuple as its parts joined by ``/``."""
    label = _plain(label)
    if isinstance(label, tuple):
        return "/".join(str(_label_id(part)) for part in label)
    if hasattr(label, "isoformat"):
        return label.isoformat()
    return label


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (``numpy.int64(5)`` → ``5``)."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value
