"""Every command's help, as a user reads it in a terminal: names what each option takes, no
Python types, and says what the command reads."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

COMMANDS = [[], ["scan"], ["explain"], ["report"], ["index"], ["index", "add"], ["index", "show"],
            ["index", "prune"], ["index", "stats"], ["spark"], ["spark", "scan"]]


def help_of(command: list[str]) -> str:
    done = subprocess.run([sys.executable, "-m", "dedupe", *command, "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "150"}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "dedupe")
def test_help_reads_well(command: list[str]) -> None:
    text = help_of(command)
    assert text.strip().splitlines()[0].strip().startswith(f"Usage: dedupe {' '.join(command)}".rstrip())
    # No Python types, no braces around arguments.
    for leftover in ("<bool>", "<str>", "<int>", "<float>", "<path>", "list[", "{", "}"):
        assert leftover not in text, (leftover, text)
    assert "wire-dedupe[" not in text
    # Every option is explained.
    for line in text.splitlines():
        match = re.match(r"^│\s+(--[a-z-]+)\s+(-\w)?\s*([A-Z_|.a-z]*)\s*│", line)
        assert match is None, f"an option without help: {line}"


def test_scan_help_names_every_input_and_the_columns() -> None:
    text = help_of(["scan"])
    for name in (".txt", ".md", ".json", ".jsonl", ".csv", ".tsv", ".parquet", ".html", ".gz", ".zst",
                 "'-' reads standard input", "--text-col", "--id-col", "--title-col", "--source-col",
                 "--published-col", "--output", "FILE", "jsonl|csv|parquet"):
        assert name in text, name
    assert "Usage: dedupe scan [OPTIONS] PATH..." in text


def test_the_index_and_spark_help() -> None:
    assert "--now" in help_of(["index", "add"]) and "--dry-run" in help_of(["index", "prune"])
    assert "Usage: dedupe index stats [OPTIONS] INDEX" in help_of(["index", "stats"])
    assert "pip install '.'" not in help_of([]) and "spark extra" in help_of([])
