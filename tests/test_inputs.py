"""The files users have, through the command line in a real process: CSV, TSV, Parquet,
compressed JSON lines, standard input, columns named on the command line, several folders, special
files, and the fields carried through to every output format."""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dedupe import Columns, read_articles
from dedupe.io.writers import COLUMNS

from conftest import SAMPLE, module

SUMMARY = "19 articles · 2 stories · 2 duplicate · 3 truncated · 1 extended · 0 version · 11 unique · 0 rejected"


def dedupe(*args: str, cwd: Path, stdin: bytes | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "dedupe", *args], cwd=cwd, input=stdin, capture_output=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200"})
    done.out, done.err = done.stdout.decode(), done.stderr.decode()
    return done


@pytest.fixture(scope="module")
def feed_rows() -> list[dict]:
    """The sample's articles as a feed with its own column names and an extra field."""
    read = read_articles([SAMPLE])
    return [{"story_id": a.id, "headline": a.title, "body_text": a.text, "outlet": a.source,
             "pubDate": a.published.strftime("%a, %d %b %Y %H:%M:%S %z") if a.published else "",
             "desk": f"desk-{i % 3}"} for i, a in enumerate(read.articles)]


def jsonl_bytes(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


COLS = ("--text-col", "body_text", "--id-col", "story_id", "--source-col", "outlet")


FORMATS = ["feed.csv", "feed.tsv", "feed.parquet", "feed.jsonl.gz", "feed.jsonl.bz2", "feed.jsonl.xz",
           "feed.jsonl.zst", "feed.csv.gz"]


def write_feed(path: Path, rows: list[dict]) -> None:
    name = path.name
    if name.endswith((".csv", ".tsv")):
        write_csv(path, rows, "\t" if name.endswith(".tsv") else ",")
    elif name.endswith(".parquet"):
        pd = module("pandas")
        pd.DataFrame(rows).to_parquet(path)
    elif name.endswith(".csv.gz"):
        plain = path.with_name("plain.csv.tmp")
        write_csv(plain, rows)
        path.write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
    else:
        data = jsonl_bytes(rows)
        if name.endswith(".zst"):
            zstandard = module("zstandard")
            packed = zstandard.ZstdCompressor().compress(data)
        else:
            packed = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[name.rsplit(".", 1)[1]](data)
        path.write_bytes(packed)


def test_every_input_format_reads_the_same_articles(tmp_path: Path, feed_rows: list[dict]) -> None:
    columns = Columns(text="body_text", id="story_id", source="outlet")
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(jsonl_bytes(feed_rows))
    expected = [(a.id, a.title, a.text, a.source, a.published, dict(a.extra))
                for a in read_articles([plain], columns=columns).articles]
    assert len(expected) == len(feed_rows) and all(e[4] is not None for e in expected if e[0] != "museum-opening.md")
    for name in FORMATS:
        write_feed(tmp_path / name, feed_rows)
        read = read_articles([tmp_path / name], columns=columns)
        assert not read.rejects, (name, read.rejects)
        got = [(a.id, a.title, a.text, a.source, a.published, dict(a.extra)) for a in read.articles]
        assert got == expected, name


@pytest.mark.parametrize("name", ["feed.parquet", "feed.jsonl.zst"])
def test_the_command_line_scans_them(tmp_path: Path, feed_rows: list[dict], name: str) -> None:
    write_feed(tmp_path / name, feed_rows)
    done = dedupe("scan", name, *COLS, "-o", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.err
    assert SUMMARY in done.out
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "out.jsonl").read_text("utf-8").splitlines())}
    assert set(records) == {r["story_id"] for r in feed_rows}
    cut = records["coastnews-port-terminal.txt"]
    assert (cut["role"], cut["missing"], cut["source"]) == ("truncated", "end", "Coast News Online")
    # The RFC 2822 pubDate is read as the publication time; the feed's own field is carried through.
    assert cut["published"] == "2025-06-14T09:15:00+04:00" and cut["desk"].startswith("desk-")


def test_standard_input_with_its_format_and_compression_sniffed(tmp_path: Path, feed_rows: list[dict]) -> None:
    done = dedupe("scan", "-", *COLS, "-q", cwd=tmp_path, stdin=gzip.compress(jsonl_bytes(feed_rows)))
    assert done.returncode == 0 and SUMMARY in done.out, done.err
    write_csv(tmp_path / "f.csv", feed_rows)
    done = dedupe("scan", "-", "--input-format", "csv", *COLS, "-o", "-", cwd=tmp_path,
                  stdin=(tmp_path / "f.csv").read_bytes())
    records = [json.loads(line) for line in done.out.splitlines()]
    assert done.returncode == 0 and len(records) == 19 and SUMMARY in done.err
    # Without an id column, standard input's records are named by their place.
    done = dedupe("scan", "-", "--text-col", "body_text", "-o", "-", cwd=tmp_path, stdin=jsonl_bytes(feed_rows))
    assert sorted(json.loads(line)["id"] for line in done.out.splitlines())[:2] == ["stdin#1", "stdin#10"]


def test_a_named_column_that_is_missing_rejects_the_file_saying_which(tmp_path: Path, feed_rows: list[dict]) -> None:
    write_csv(tmp_path / "f.csv", feed_rows)
    done = dedupe("scan", "f.csv", "--text-col", "story", cwd=tmp_path)
    assert done.returncode == 2  # the only file rejected: no article was read
    assert "f.csv: no column 'story'; its columns are 'story_id', 'headline', 'body_text'" in done.err
    assert "Traceback" not in done.err


def test_bad_rows_cost_only_themselves(tmp_path: Path) -> None:
    body = "The port opened its fourth terminal on Saturday, doubling the ships it handles at night."
    (tmp_path / "f.csv").write_bytes(
        b"id,text\n1,\"" + body.encode() + b"\"\n2,\n3,\"caf\xe9 " + body.encode() + b"\"\n"
        + b"4,\"a quoted cell\nover two lines " + body.encode() + b"\"\n5,too,many,cells\n6,\"" + body.encode() + b"\"\n")
    read = read_articles([tmp_path / "f.csv"])
    assert [(a.id, a.line) for a in read.articles] == [("1", 2), ("3", 4), ("4", 5), ("6", 8)]
    assert read.articles[1].text.startswith("café ") and "\n" in read.articles[2].text
    assert [(r.line, r.reason) for r in read.rejects] == [
        (3, "no text: expected a 'text', 'body' or 'content' field"),
        (7, "4 cells in a row under a header of 2 columns")]


def test_two_folders_may_each_hold_a_file_of_the_same_name(tmp_path: Path) -> None:
    body = "The port opened its fourth terminal on Saturday, doubling the ships it handles at night, officials said."
    for agency in ("ap", "reuters"):
        (tmp_path / agency).mkdir()
        (tmp_path / agency / "story1.txt").write_text(f"{agency.upper()} {body}", encoding="utf-8")
    done = dedupe("scan", "ap", "reuters", "-o", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.err
    ids = sorted(json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines())
    assert ids == ["ap/story1.txt", "reuters/story1.txt"]
    # One folder alone keeps the ids relative to it, as before.
    assert read_articles([tmp_path / "ap"]).articles[0].id == "story1.txt"


def test_special_files_are_refused_without_reading_them(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "zero.txt").symlink_to("/dev/zero")
    (feed / "zero.jsonl").symlink_to("/dev/zero")
    os.mkfifo(feed / "pipe.txt")
    (feed / "story.txt").write_text("The port opened its fourth terminal on Saturday, doubling capacity.",
                                    encoding="utf-8")
    done = dedupe("scan", "feed", cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.err
    assert "feed/zero.txt: a character device, not a regular file; not read" in done.err
    assert "feed/zero.jsonl: a character device, not a regular file; not read" in done.err
    assert "feed/pipe.txt: a FIFO (named pipe), not a regular file; not read" in done.err
    assert "1 article ·" in done.out


def test_a_compressed_file_that_expands_past_the_limit_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"word " * 2_000_000))
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(jsonl_bytes([{"id": str(i), "text": "x " * 50}
                                                                      for i in range(2000)]))[:3000])
    read = read_articles([tmp_path], max_article_bytes=1_000_000)
    reasons = {Path(r.path).name: r.reason for r in read.rejects}
    assert "larger than the limit of 1.0 MB per article" in reasons["bomb.txt.gz"]
    assert reasons["cut.jsonl.gz"].startswith("cannot read: Compressed file ended")
    # The records before the cut are read.
    assert len(read.articles) > 10


def test_extra_fields_reach_csv_and_parquet(tmp_path: Path, feed_rows: list[dict]) -> None:
    pd = module("pandas")
    write_csv(tmp_path / "f.csv", feed_rows)
    assert dedupe("scan", "f.csv", *COLS, "-o", "out.csv", "-q", cwd=tmp_path).returncode == 0
    assert dedupe("scan", "f.csv", *COLS, "-o", "out.parquet", "-q", cwd=tmp_path).returncode == 0
    with (tmp_path / "out.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # The input's headline column was read as the title, so it is not carried again.
    assert tuple(rows[0])[:len(COLUMNS)] == COLUMNS and "desk" in rows[0] and "input_headline" not in rows[0]
    frame = pd.read_parquet(tmp_path / "out.parquet")
    assert list(frame.columns[:len(COLUMNS)]) == list(COLUMNS) and len(frame) == 19
    assert frame["similarity"].dtype == "float64"
    assert sorted(frame["desk"]) == sorted(r["desk"] for r in rows)


def test_csv_output_never_holds_a_formula(tmp_path: Path) -> None:
    body = "The port opened its fourth terminal on Saturday, doubling the ships it handles at night."
    rows = [{"id": '=HYPERLINK("http://evil.example","x")', "title": "=1+2", "text": body},
            {"id": "@SUM(A1)", "title": "+cmd", "source": "-2+3", "text": body + " More."}]
    (tmp_path / "f.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert dedupe("scan", "f.jsonl", "-o", "out.csv", "-q", cwd=tmp_path).returncode == 0
    with (tmp_path / "out.csv").open(encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'=1+2" in cells and "'-2+3" in cells
    # JSON lines keep the values as they are.
    assert dedupe("scan", "f.jsonl", "-o", "out.jsonl", "-q", cwd=tmp_path).returncode == 0
    assert '"title":"=1+2"' in (tmp_path / "out.jsonl").read_text(encoding="utf-8")


def test_no_input_field_is_lost_on_output() -> None:
    # Once "role" and "input_role" wrote one column between them, and an unused "body" or
    # "publisher" beside "text" and "source" was dropped.
    from dedupe import find_duplicates

    [verdict] = find_duplicates([{"id": "a", "text": "The text of the article, long enough to read.",
                                  "role": "editor", "input_role": "x", "body": "an unused body",
                                  "source": "Wire", "publisher": "Another name"}]).verdicts
    record = verdict.to_record()
    assert record["role"] == "unique" and record["source"] == "Wire"
    carried = {k: v for k, v in record.items() if k not in COLUMNS}
    assert sorted(carried.values()) == ["Another name", "an unused body", "editor", "x"]
    assert carried["input_role"] == "x" and carried["input_input_role"] == "editor"


def test_a_parquet_column_of_days_is_read_as_publication_times(tmp_path: Path) -> None:
    # Parquet's date32: every row was rejected ("must be a date string or a number, not date").
    import datetime
    pa, pq = module("pyarrow"), module("pyarrow.parquet")
    path = tmp_path / "days.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["A story of some words.", "Another story of words."],
                             "published": pa.array([datetime.date(2018, 7, 16), None], pa.date32())}), path)
    read = read_articles([path])
    assert not read.rejects
    assert [(a.id, a.published) for a in read.articles] == [
        ("a", datetime.datetime(2018, 7, 16, tzinfo=datetime.timezone.utc)), ("b", None)]
