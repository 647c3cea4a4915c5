"""The command line, run as a user runs it: real files in, real files out, exit codes."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedupe.cli import app
from dedupe.io.writers import COLUMNS

from conftest import ROOT, SAMPLE

runner = CliRunner(env={"COLUMNS": "160"})


def scan(*args: str):
    return runner.invoke(app, ["scan", *args])


def test_scan_sample_writes_one_record_per_article(tmp_path: Path) -> None:
    out = tmp_path / "clusters.jsonl"
    result = scan(str(SAMPLE), "-o", str(out))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 19 and all(tuple(r) == COLUMNS for r in records)
    first = records[0]
    assert (first["id"], first["role"], first["cluster"]) == ("wire-port-terminal.txt", "canonical",
                                                                "wire-port-terminal.txt")
    cut = next(r for r in records if r["id"] == "coastnews-port-terminal.txt")
    assert cut["role"] == "truncated" and cut["missing"] == "end" and cut["canonical"] == first["id"]
    assert cut["published"] == "2025-06-14T09:15:00+04:00" and cut["source"] == "Coast News Online"
    assert "Jebel Ali operator opens fourth container terminal" in result.output
    assert "19 articles · 2 stories · 2 duplicate · 3 truncated · 1 extended · 0 version · 11 unique · 0 rejected" in result.output


def test_csv_has_the_same_columns(tmp_path: Path) -> None:
    out = tmp_path / "clusters.csv"
    assert scan(str(SAMPLE), "-o", str(out), "--format", "csv", "-q").exit_code == 0
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 19
    assert {r["role"] for r in rows} == {"canonical", "duplicate", "truncated", "extended", "unique"}


def test_rejects_give_exit_status_1_and_a_rejects_file(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "good.txt").write_text("A story about the port and its new cranes and berths.", encoding="utf-8")
    (feed / "bad.jsonl").write_text('{"text": "fine line of text"}\n{broken\n', encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    result = scan(str(feed), "--rejects", str(rejects), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1
    [reject] = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert reject["path"].endswith("bad.jsonl") and reject["line"] == 2 and "invalid JSON" in reject["reason"]
    assert "1 rejected" in result.output
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2


def test_bad_usage_and_missing_paths_exit_2(tmp_path: Path) -> None:
    assert scan(str(tmp_path / "nowhere")).exit_code == 2
    assert scan(str(SAMPLE), "--threshold", "1.5").exit_code == 2
    assert scan(str(SAMPLE), "--format", "xml").exit_code == 2
    assert runner.invoke(app, ["scan"]).exit_code == 2


def test_parameters_come_from_dedupe_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dedupe.toml").write_text('[dedupe]\nsource_priority = ["Expat Daily"]\nnum_perm = 64\n')
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "o.jsonl"
    assert scan(str(SAMPLE), "-o", str(out), "-q").exit_code == 0
    assert out.exists()
    (tmp_path / "dedupe.toml").write_text("[dedupe]\nthreshhold = 0.4\n")
    result = scan(str(SAMPLE), "-q")
    assert result.exit_code == 2 and "unknown parameter(s) threshhold" in result.output


def test_every_command_has_help() -> None:
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0 and "scan" in top.output
    help_text = runner.invoke(app, ["scan", "--help"]).output
    for option in ("--output", "--format", "--rejects", "--threshold", "--num-perm", "--shingle-size",
                   "--source-priority", "Exit status"):
        assert option in help_text


def test_python_dash_m_runs_the_real_command(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "dedupe", "scan", str(SAMPLE), "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 19
    assert "2 stories" in done.stdout and done.stderr == ""  # no progress bar when not a terminal


def dedupe_process(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedupe", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, **kwargs)


def test_dash_writes_the_records_to_standard_output_and_says_the_rest_on_standard_error(tmp_path: Path) -> None:
    done = dedupe_process("scan", str(SAMPLE), "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 19 and all(tuple(r) == COLUMNS for r in records)
    assert "19 articles" in done.stderr and not (tmp_path / "-").exists()
    as_csv = dedupe_process("scan", str(SAMPLE), "-o", "-", "--format", "csv", cwd=tmp_path)
    assert as_csv.stdout.splitlines()[0] == ",".join(COLUMNS) and len(as_csv.stdout.splitlines()) == 20


def test_a_device_or_a_link_is_written_through_never_replaced(tmp_path: Path) -> None:
    # /dev/stdout of the child is a pipe here: written to, and the link in /dev left alone.
    done = dedupe_process("scan", str(SAMPLE), "-o", "/dev/stdout", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert os.path.islink("/dev/stdout") and sum(1 for line in done.stdout.splitlines() if line.startswith("{")) == 19
    real = tmp_path / "real.jsonl"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(real)
    assert dedupe_process("scan", str(SAMPLE), "-o", str(link), "-q", cwd=tmp_path).returncode == 0
    assert link.is_symlink() and len(real.read_text(encoding="utf-8").splitlines()) == 19


def test_an_output_that_cannot_be_written_is_an_error_before_any_work(tmp_path: Path) -> None:
    done = dedupe_process("scan", str(SAMPLE), "-o", "missing-folder/out.jsonl", cwd=tmp_path)
    assert done.returncode == 2 and "does not exist" in done.stderr and "Traceback" not in done.stderr
    assert "articles" not in done.stdout + done.stderr  # no scan ran
    folder = dedupe_process("scan", str(SAMPLE), "--rejects", str(tmp_path), cwd=tmp_path)
    assert folder.returncode == 2 and "is a folder" in folder.stderr


def test_the_format_follows_the_extension_unless_given(tmp_path: Path) -> None:
    assert scan(str(SAMPLE), "-o", str(tmp_path / "out.csv"), "-q").exit_code == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    assert scan(str(SAMPLE), "-o", str(tmp_path / "forced.csv"), "--format", "jsonl", "-q").exit_code == 0
    assert json.loads((tmp_path / "forced.csv").read_text(encoding="utf-8").splitlines()[0])["id"]


# -- what a newcomer tripped on ----------------------------------------------------------------------


def test_an_extension_that_names_no_format_and_an_unknown_format_are_refused_before_work(tmp_path: Path) -> None:
    # out.xlsx was written as JSON lines, silently; --format xml said "Value error, ...".
    for args, said in ((["-o", "out.xlsx"], "out.xlsx: no format is written as .xlsx"),
                       (["-o", "out.html"], "--report FILE writes the HTML report"),
                       (["-o", "out.jsonl", "--format", "xml"], "'xml' is not one of jsonl, csv, parquet")):
        done = dedupe_process("scan", str(SAMPLE), *args, cwd=tmp_path)
        assert done.returncode == 2 and said in done.stderr and "Value error" not in done.stderr, done.stderr
        assert "articles" not in done.stdout and not list(tmp_path.iterdir())
    assert dedupe_process("scan", str(SAMPLE), "-o", "out.xlsx", "--format", "CSV", "-q", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out.xlsx").read_text(encoding="utf-8").startswith("id,cluster,")


def test_a_table_without_its_text_column_is_one_line_naming_its_columns(tmp_path: Path) -> None:
    # 680 "no text" lines, exit 1 like a run with a few rejects, an empty output, no column named.
    feed = tmp_path / "feed.csv"
    feed.write_text("story_id,headline,body_text\n" + "".join(f"{i},Headline {i},Some words of story {i}.\n"
                                                              for i in range(680)), encoding="utf-8")
    done = dedupe_process("scan", str(feed), "-o", "out.jsonl", "-q", cwd=tmp_path)
    assert done.returncode == 2 and not (tmp_path / "out.jsonl").exists()
    assert done.stderr.splitlines() == [
        f"rejected {feed}: no column of text: expected 'text', 'body' or 'content' (--text-col NAME names "
        "another); its columns are 'story_id', 'headline', 'body_text'",
        "error: no article was read (1 input rejected, as listed above): nothing was written"]
    named = dedupe_process("scan", str(feed), "--text-col", "body_text", "--id-col", "story_id", "-q", cwd=tmp_path)
    assert named.returncode == 0 and named.stdout.startswith("680 articles"), named.stderr


def test_many_rejects_alike_are_counted_in_a_line_and_all_kept_in_the_rejects_file(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": i, "body_text": "words"}) + "\n" for i in range(680))
                    + json.dumps({"id": "ok", "text": "One article of some words."}) + "\n", encoding="utf-8")
    done = dedupe_process("scan", str(feed), "--rejects", "rejects.csv", "-q", cwd=tmp_path)
    lines = done.stderr.splitlines()
    assert done.returncode == 1 and len(lines) == 6, lines
    assert lines[5] == (f"rejected {feed}: 675 more for the same reason (no text: expected a 'text', 'body' or "
                        "'content' field); all are in rejects.csv")
    assert len((tmp_path / "rejects.csv").read_text(encoding="utf-8").splitlines()) == 681


def test_a_table_on_standard_input_without_its_format_is_one_reject_with_a_hint(tmp_path: Path) -> None:
    table = "id,text\n" + "".join(f"{i},Some words of story {i}.\n" for i in range(300))
    done = subprocess.run([sys.executable, "-m", "dedupe", "scan", "-"], input=table, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 2, done.stderr
    assert "not JSON lines" in done.stderr and "give --input-format csv or tsv" in done.stderr
    endless = subprocess.run(f"yes | {sys.executable} -m dedupe scan -", shell=True, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
    assert endless.returncode == 2 and "its first 100 lines hold no JSON; the rest was not read" in endless.stderr


def test_explain_takes_the_column_options_and_report_reads_parquet(tmp_path: Path) -> None:
    from dedupe import read_articles
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"story_id": a.id, "body_text": a.text, "outlet": a.source}) + "\n"
                            for a in read_articles([SAMPLE]).articles), encoding="utf-8")
    columns = ["--text-col", "body_text", "--id-col", "story_id", "--source-col", "outlet"]
    done = dedupe_process("explain", "wire-port-terminal.txt", "coastnews-port-terminal.txt", "--in", str(feed),
                          "--json", *columns, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    explained = json.loads(done.stdout)
    assert (explained["b"], explained["roles"]["b"], explained["missing"]) == ("coastnews-port-terminal.txt",
                                                                              "truncated", "end")
    assert dedupe_process("scan", str(feed), *columns, "-o", "out.parquet", "-q", cwd=tmp_path).returncode == 0
    report = dedupe_process("report", "out.parquet", "-o", "report.html", *columns, cwd=tmp_path)
    assert report.returncode == 0 and "wrote the report of 19 articles" in report.stdout, report.stderr
    # Without them the feed's records are rejects: said so, not "no longer in" the file.
    bare = dedupe_process("report", "out.parquet", "-o", "report.html", cwd=tmp_path)
    assert bare.returncode == 2 and "give the column options the scan was given" in bare.stderr, bare.stderr


# -- the README's tables, pinned to what the tool does -----------------------------------------------


def readme_table(heading_line: str) -> list[list[str]]:
    """The rows (cells stripped) of the README table that follows ``heading_line``."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_line))
    rows = []
    for line in lines[start + 1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[2:]  # past the header and its rule


def test_the_readme_column_table_is_what_every_output_writes(tmp_path: Path) -> None:
    # The columns were checked against the code's own COLUMNS: dropping one passed.
    named = []
    for first, *_ in readme_table("`-o FILE` writes **one record per article**"):
        named += re.findall(r"`([a-z_]+)`", first)
    assert len(named) == 14, named
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": "One short article of a few words here."}) + "\n", encoding="utf-8")
    for name in ("out.jsonl", "out.csv", "out.parquet"):
        assert dedupe_process("scan", str(feed), "-o", name, "-q", cwd=tmp_path).returncode == 0
    written = {"out.jsonl": list(json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])),
               "out.csv": (tmp_path / "out.csv").read_text().splitlines()[0].split(","),
               "out.parquet": __import__("pyarrow.parquet").parquet.read_schema(tmp_path / "out.parquet").names}
    for name, columns in written.items():
        assert columns == named, name
    from dedupe import find_duplicates
    assert list(find_duplicates([{"id": "a", "text": "One short article."}]).to_pandas().columns) == named


def test_the_readme_exit_statuses_are_the_ones_the_commands_give(tmp_path: Path) -> None:
    statuses = {int(row[0].strip("`")) for row in readme_table("Exit status:")}
    assert statuses == {0, 1, 2, 3, 4, 130}
    from dedupe.cli import OUT_OF_MEMORY
    assert OUT_OF_MEMORY == 4
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "a", "text": "One short article of a few words here."}) + "\n", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    assert dedupe_process("scan", str(good), cwd=tmp_path).returncode == 0
    assert dedupe_process("scan", str(good), str(bad), cwd=tmp_path).returncode == 1
    assert dedupe_process("scan", str(bad), cwd=tmp_path).returncode == 2
    assert dedupe_process("scan", str(good), "-o", "/dev/full", cwd=tmp_path).returncode == 3
