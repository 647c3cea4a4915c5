"""The command line, run as a user runs it: real files in, real files out, exit codes."""

from __future__ import annotations

import csv
import json
import os
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
