"""dedupe index from the command line, in a real process: a missing index, an archive added with
--now, a dry run, one meaning of "stories", feed text that is not markup, dates out of range."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE

# The sample's articles were published from 2025-05-30 to 2025-07-29.
ARCHIVE_END = "2025-07-30T00:00:00Z"


def dedupe(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedupe", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200"})


def test_a_missing_index_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    for args in (["stats", "typo.db"], ["show", "typo.db", "--story", "x"],
                 ["prune", "typo.db", "--older-than", "1d"]):
        done = dedupe("index", *args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "typo.db: no index here (dedupe index add creates one)" in done.stderr
        assert not (tmp_path / "typo.db").exists()


def test_an_archive_added_with_now_counts_its_window_from_then(tmp_path: Path) -> None:
    # Without --now, the window counts from the clock: every article of 2025 is before it.
    done = dedupe("index", "add", "a.db", str(SAMPLE), "--window", "90d", cwd=tmp_path)
    assert done.returncode == 1 and "19 rejected" in done.stdout
    done = dedupe("index", "add", "b.db", str(SAMPLE), "--window", "90d", "--now", ARCHIVE_END, "-o", "out.jsonl",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # One meaning of "stories" everywhere: groups of more than one version, as a scan counts them.
    from dedupe import find_duplicates, read_articles
    assert find_duplicates(read_articles([SAMPLE]).articles).summary["stories"] == 2
    stats = dedupe("index", "stats", "b.db", cwd=tmp_path)
    assert "│ stories           │ 2 (of more than one version)" in stats.stdout
    assert "│ articles          │ 19 " in stats.stdout
    # A dry run says what would go and removes nothing.
    dry = dedupe("index", "prune", "b.db", "--older-than", "30d", "--now", ARCHIVE_END, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and dry.stdout.startswith("would prune ")
    would = int(dry.stdout.split()[2])
    assert 0 < would < 19
    done = dedupe("index", "prune", "b.db", "--older-than", "30d", "--now", ARCHIVE_END, cwd=tmp_path)
    assert done.stdout.startswith(f"pruned {would} articles")
    assert f"│ articles          │ {19 - would} " in dedupe("index", "stats", "b.db", cwd=tmp_path).stdout


def test_a_bad_now_is_a_usage_error(tmp_path: Path) -> None:
    done = dedupe("index", "add", "a.db", str(SAMPLE), "--now", "yesterday", cwd=tmp_path)
    assert done.returncode == 2 and "--now: the time is not an ISO 8601 or RFC 2822 date" in done.stderr
    assert "Traceback" not in done.stderr


def test_ids_with_markup_and_escapes_are_shown_as_text(tmp_path: Path) -> None:
    body = ("The port operator opened a fourth container terminal at Jebel Ali on Saturday, doubling the "
            "number of ships it can handle at night, the company said in a statement.")
    rows = [{"id": "wire[/x]", "title": "Port \x1b[31mred\x1b[0m [bold]terminal[/bold]", "text": body},
            {"id": "copy\x1b]0;pwned\x07", "title": "Copy", "text": body + " More to follow."}]
    (tmp_path / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    scan = dedupe("scan", "feed.jsonl", cwd=tmp_path)
    assert scan.returncode == 0, scan.stderr
    add = dedupe("index", "add", "i.db", "feed.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert add.returncode == 0, add.stderr
    story = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])["cluster"]
    show = dedupe("index", "show", "i.db", "--story", story, cwd=tmp_path)
    missing = dedupe("index", "show", "i.db", "--story", "nope[/x]", cwd=tmp_path)
    for done in (scan, add, show, missing):
        assert "Traceback" not in done.stderr and "MarkupError" not in done.stderr
        assert "\x1b" not in done.stdout + done.stderr  # no escape reaches the terminal raw
    assert "\\x1b[31mred" in scan.stdout or "\\x1b[31mred" in show.stdout
    assert "wire[/x]" in show.stdout and "nope[/x]" in missing.stderr


def test_dates_out_of_range_or_far_ahead_are_rejected(tmp_path: Path) -> None:
    body = ("The port operator opened a fourth container terminal at Jebel Ali on Saturday, doubling the "
            "number of ships it can handle at night, the company said in a statement.")
    rows = [{"id": "y10k", "text": body, "published": "9999-12-31T23:00:00-05:00"},
            {"id": "far", "text": body + " Far.", "published": "2999-01-01T00:00:00Z"},
            {"id": "ok", "text": body + " Fine.", "published": "2025-07-29T00:00:00Z"}]
    (tmp_path / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    done = dedupe("index", "add", "i.db", "feed.jsonl", "--now", ARCHIVE_END, cwd=tmp_path)
    assert done.returncode == 1
    assert "feed.jsonl:1: 'published' is out of range: '9999-12-31T23:00:00-05:00'" in done.stderr
    assert "article 'far' says it was published 2999-01-01T00:00:00+00:00, more than 2 days after now" in done.stderr
    stats = dedupe("index", "stats", "i.db", cwd=tmp_path)
    assert stats.returncode == 0 and "2025-07-29T00:00:00+00:00" in stats.stdout, stats.stderr
