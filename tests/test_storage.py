"""Storage failures, as they happen: a full disk (a small tmpfs), a read-only file system, a
damaged index; each a clear message with its own exit status, never a traceback, and events an
ingestion job acts on never lost."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLE, unavailable

ARCHIVE_END = "2025-07-30T00:00:00Z"


def dedupe(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedupe", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200"})


@pytest.fixture()
def small_disk(tmp_path: Path):
    """A 2 MB tmpfs, or a skip saying why one cannot be mounted here."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        unavailable("mounting a small tmpfs needs root and mount(8); not available here")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        unavailable(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def add_sample(index: Path) -> None:
    from datetime import datetime
    from dedupe import Index, read_articles
    with Index(index) as opened:
        opened.add(read_articles([SAMPLE]).articles, now=datetime.fromisoformat(ARCHIVE_END.replace("Z", "+00:00")))


def fill(folder: Path, leave: int = 0) -> None:
    """Fill the file system of ``folder``, then free ``leave`` bytes."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    if leave:
        os.truncate(folder / "filler", max(0, (folder / "filler").stat().st_size - leave))


def test_a_full_disk_under_scan_output_is_exit_3_and_leaves_the_old_file(small_disk: Path, tmp_path: Path) -> None:
    target = small_disk / "clusters.jsonl"
    target.write_text("the previous output\n")
    fill(small_disk)
    done = dedupe("scan", str(SAMPLE), "-o", str(target), "-q", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{target}: cannot write: No space left on device; the file there was left as it was" in done.stderr
    assert target.read_text() == "the previous output\n"
    assert sorted(p.name for p in small_disk.iterdir()) == ["clusters.jsonl", "filler"]


def test_a_full_disk_under_an_index_is_exit_3_and_nothing_stored(small_disk: Path, tmp_path: Path) -> None:
    index = small_disk / "news.db"
    first = dedupe("index", "add", str(index), str(SAMPLE / "wire-port-terminal.txt"), "--now", ARCHIVE_END,
                   cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    fill(small_disk, leave=96 * 1024)  # room to open the index, not to store the add
    done = dedupe("index", "add", str(index), str(SAMPLE), "--now", ARCHIVE_END, cwd=tmp_path)
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    assert "the disk is full" in done.stderr and "nothing of this call was stored" in done.stderr
    assert "cannot rollback" not in done.stderr
    (small_disk / "filler").unlink()
    stats = dedupe("index", "stats", str(index), cwd=tmp_path)
    assert "│ articles          │ 1 " in stats.stdout, stats.stdout + stats.stderr


def test_an_index_on_a_read_only_file_system_is_read_and_refuses_writes_before_work(small_disk: Path,
                                                                                   tmp_path: Path) -> None:
    index = small_disk / "news.db"
    add_sample(index)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True)
    if remount.returncode != 0:
        unavailable(f"cannot remount read only: {remount.stderr.strip()}")
    stats = dedupe("index", "stats", str(index), cwd=tmp_path)
    assert stats.returncode == 0 and "│ articles          │ 19 " in stats.stdout, stats.stderr
    add = dedupe("index", "add", str(index), str(SAMPLE), "--now", ARCHIVE_END, cwd=tmp_path)
    # An index that cannot be written is found before any work: a usage error (2), as the README says.
    assert add.returncode == 2 and "Traceback" not in add.stderr, add.stderr
    assert "read-only" in add.stderr or "cannot be written" in add.stderr, add.stderr
    assert "compiling" not in add.stderr  # refused before any work


def test_a_damaged_index_says_so(tmp_path: Path) -> None:
    index = tmp_path / "news.db"
    add_sample(index)
    data = bytearray(index.read_bytes())
    scribble = random.Random(7)  # the same damage every run: the statuses below are exact
    for start in range(4096, len(data) - 4096, 8192):  # scribble over every other page but the first
        data[start:start + 4096] = scribble.randbytes(4096)
    index.write_bytes(bytes(data))
    for args in (["stats", str(index)], ["add", str(index), str(SAMPLE), "--now", ARCHIVE_END]):
        done = dedupe("index", *args, cwd=tmp_path)
        assert done.returncode == 3 and "the index is damaged" in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


# Rows edited to values no add writes: each read back is "damaged", never a traceback (a bad
# role, keys cut mid-number and text for a time each ended in one).
EDITS = {"a role that is none": "UPDATE articles SET role = 'bogus' WHERE seq = 2",
         "keys cut mid-number": "UPDATE articles SET keys = x'010203' WHERE seq = 2",
         "line keys cut mid-number": "UPDATE articles SET lines = x'0102' WHERE seq = 2",
         "text for a time": "UPDATE articles SET time = 'yesterday' WHERE seq = 2",
         "text for a score": "UPDATE articles SET similarity = 'high' WHERE seq = 2",
         "a body that is not compressed": "UPDATE articles SET body = x'00' WHERE seq = 2",
         "a prepared text cut short": "UPDATE articles SET prepared = substr(prepared, 1, 30) WHERE seq = 2",
         "text for an event's time": "INSERT INTO events VALUES (NULL, 'soon', 'replaced', 's', 'c', 'r', NULL, '[]')"}


@pytest.mark.parametrize("edit", EDITS)
def test_an_index_row_edited_to_a_value_no_add_writes_is_damaged(tmp_path: Path, edit: str) -> None:
    import sqlite3
    index = tmp_path / "news.db"
    add_sample(index)
    with sqlite3.connect(index) as db:
        db.execute(EDITS[edit])
    add = ["add", str(index), str(SAMPLE), "--now", ARCHIVE_END]
    # A prune reads the rows it removes and the stories they leave; stats reads the times.
    commands = {"text for an event's time": (["events", str(index)],),
                "text for a time": (add, ["stats", str(index)])}.get(
        edit, (add, ["prune", str(index), "--older-than", "1d", "--now", "2100-01-01"]))
    for args in commands:
        done = dedupe("index", *args, cwd=tmp_path)
        assert done.returncode == 3 and "the index is damaged" in done.stderr, (edit, args, done.stderr)
        assert "Traceback" not in done.stderr


def test_replaced_events_survive_an_output_that_could_not_be_written(small_disk: Path, tmp_path: Path) -> None:
    """The adversarial round's case: the output write failed after the commit, and the rerun
    reported no replaced canonical; the events are kept with the add and read back."""
    from datetime import datetime
    from dedupe import Index, read_articles
    now = datetime.fromisoformat(ARCHIVE_END.replace("Z", "+00:00"))
    sample = read_articles([SAMPLE]).articles
    with Index(tmp_path / "a.db") as uninterrupted, Index(tmp_path / "b.db") as interrupted:
        for index in (uninterrupted, interrupted):
            index.add([a for a in sample if a.id == "coastnews-port-terminal.txt"], now=now)
        # Uninterrupted: the verdicts say which story got a new canonical.
        expected = [v.to_record() for v in uninterrupted.add(sample, now=now).verdicts
                    if v.replaced and v.role.value == "canonical"]
    assert expected
    # Interrupted: the output cannot be written once the add is stored.
    fill(small_disk)
    done = dedupe("index", "add", "b.db", str(SAMPLE), "--now", ARCHIVE_END, "-o", str(small_disk / "b.jsonl"),
                  cwd=tmp_path)
    assert done.returncode == 3 and "the articles were stored" in done.stderr and "dedupe index events" in done.stderr
    events = [json.loads(line) for line in dedupe("index", "events", "b.db", "--since", ARCHIVE_END,
                                                  cwd=tmp_path).stdout.splitlines()]
    assert [(e["story"], e["canonical"], e["replaced"]) for e in events if e["event"] == "replaced"] == \
        [(r["cluster"], r["id"], r["replaced"]) for r in expected]
