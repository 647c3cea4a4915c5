"""Shared fixtures: the project's sample data and the real texts in ../shared."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

from dedupe import read_articles
from dedupe.pipeline import Result, find_duplicates

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_3fc2833c1b8e7df4.txt"


def unavailable(why: str) -> NoReturn:
    """A test whose tool, module, data or privilege is missing here: skipped on a developer's
    machine, failed under CI (``CI`` set, as ``tests/run`` sets it), where all of them are
    provided and a skip would hide a promise the README makes."""
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI provides it, so this is a failure, not a skip")
    pytest.skip(why)


def module(name: str) -> ModuleType:
    """The module ``name``, or :func:`unavailable` when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        unavailable(f"{name} is not installed (pip install -e '.[dev]' installs it)")


@pytest.fixture(scope="session")
def sample_result() -> Result:
    """The sample folder, scanned once for the whole session."""
    read = read_articles([SAMPLE])
    assert not read.rejects
    return find_duplicates(read.articles)


def by_id(result: Result) -> dict:
    """The verdicts of a result, by article id."""
    return {v.id: v for v in result.verdicts}


@pytest.fixture()
def seed_page() -> str:
    if not SEED.is_file():
        unavailable(f"the seed page is not here ({SEED}); CI has ../shared")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def web_pages() -> list[dict]:
    """The 680 web2018 pages as a scan reads them: headline as title, publisher as source."""
    path = SHARED / "data" / "web2018" / "articles.jsonl"
    if not path.exists():
        unavailable(f"{path} is not here (../shared/data)")
    return [{"id": r["id"], "text": r["text"], "title": r["headline"], "source": r["publisher"]}
            for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]
