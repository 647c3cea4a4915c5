"""Speed benchmark: ``dedupe scan`` against the MinHash pipelines news teams use today, end to end
(reading JSONL to writing the output), on real Reuters stories and their generated copies.

    python benchmarks/speed.py [--data ../shared/data] [--rounds 3] [--sizes 20000 80000 320000]

See benchmarks/README.md for the inputs, the methods and what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.quality import DEFAULT_DATA, _machine, build_set, reuters_file  # noqa: E402
from benchmarks.speed_runners import RUNNERS  # noqa: E402

BASELINE = "datasketch-update"
_DEDUPE = "dedupe scan"
_FOLDER = "dedupe scan (folder of .txt)"
_LOWER_WORD = re.compile(r"\b[a-z]{5,}\b")
_TIMES = re.compile(r"(\w+) ([\d.]+) s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding reuters21578/")
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 80_000, 320_000],
                        help="corpus sizes; every method races on the first, dedupe alone runs once on the others")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each method on the first size (medians are quoted)")
    parser.add_argument("--no-anchors", action="store_true", help="run dedupe only")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wire-dedupe-speed",
                        help="where the generated corpora are kept between runs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "speed.md")
    args = parser.parse_args(argv)
    console = Console()

    reuters = reuters_file(args.data, console)
    if reuters is None:
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = sorted(args.sizes)
    corpora = {n: corpus_file(reuters, n, args.work) for n in sizes}
    folder = txt_folder(corpora[sizes[0]], args.work / f"txt-{sizes[0]}")

    # The first run of a fresh install compiles the numba kernels into its cache: not counted.
    measure(_DEDUPE, ROOT / "data" / "sample", args.work)
    runs: dict[tuple[str, int], list[dict]] = {}
    # The race: every method, round after round on the smallest size, so that each ratio pairs
    # two runs made side by side. Then dedupe alone on the larger sizes: how it grows.
    methods = [_DEDUPE] + ([] if args.no_anchors else list(RUNNERS))
    for round_ in range(args.rounds):
        for method in methods:
            _run(console, runs, method, corpora[sizes[0]], sizes[0], args.work, f"round {round_ + 1}")
        _run(console, runs, _FOLDER, folder, sizes[0], args.work, f"round {round_ + 1}")
    for n in sizes[1:]:
        _run(console, runs, _DEDUPE, corpora[n], n, args.work, "growth")

    rows = summarise(runs, sizes[0])
    console.print(table(rows, sizes[0]))
    write(args.out, rows, runs, sizes, args)
    console.print(f"wrote {args.out}")
    return 0


def _run(console: Console, runs: dict, method: str, source: Path, n: int, work: Path, label: str) -> None:
    record = measure(_DEDUPE if method == _FOLDER else method, source, work)
    runs.setdefault((method, n), []).append(record)
    console.print(f"{label}: {method} on {n:,}: {n / record['total']:,.0f} articles/s, "
                  f"{record['peak_mb']:,.0f} MB", highlight=False)


def corpus_file(reuters: Path, size: int, work: Path) -> Path:
    """A JSONL corpus of ``size`` articles: the syndication set of the quality benchmark (both
    halves, shuffled), repeated with a new vocabulary each time until there are enough."""
    target = work / f"corpus-{size}.jsonl"
    if target.is_file():
        return target
    base = work / "base.jsonl"
    if not base.is_file():
        records = []
        for split in ("tune", "test"):
            corpus, *_ = build_set(reuters, split, 1987)
            records += [{"id": a.id, "title": a.title, "source": a.source, "text": a.text,
                         "published": a.published.isoformat() if a.published else None} for a in corpus]
        random.Random(1987).shuffle(records)
        _write_jsonl(base, records)
    records = [json.loads(line) for line in base.open(encoding="utf-8")]
    out = []
    repetition = 0
    while len(out) < size:
        out += [_renamed(r, repetition) for r in records[: size - len(out)]]
        repetition += 1
    _write_jsonl(target, out)
    return target


def _renamed(record: dict, repetition: int) -> dict:
    """The record in repetition ``repetition``: lower-case words of five letters or more carry
    the repetition's mark and digits are permuted, so repetitions are other stories of the same
    shape (a templated table reports other figures); the furniture, capitalised and short, is
    left as it is."""
    if repetition == 0:
        return record
    mark = "q" + "".join(chr(ord("a") + int(d)) for d in str(repetition))
    digits = str.maketrans("0123456789", "".join(random.Random(f"digits:{repetition}").sample("0123456789", 10)))
    renamed = dict(record, id=f"{record['id']}@{repetition}")
    for field in ("title", "text"):
        if renamed[field]:
            renamed[field] = _LOWER_WORD.sub(lambda m: m.group(0) + mark, renamed[field]).translate(digits)
    return renamed


def txt_folder(corpus: Path, folder: Path) -> Path:
    """The corpus as a folder of .txt files (header block, blank line, body), 1,000 to a subfolder."""
    if folder.is_dir():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    for i, line in enumerate(corpus.open(encoding="utf-8")):
        record = json.loads(line)
        path = partial / f"{i // 1000:03d}" / (re.sub(r"[^\w.~-]", "_", record["id"]) + ".txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        header = [f"{key.capitalize()}: {record[key]}" for key in ("title", "source", "published") if record[key]]
        path.write_text("\n".join(header + ["", record["text"]]), encoding="utf-8")
    partial.rename(folder)
    return folder


def _write_jsonl(path: Path, records: list[dict]) -> None:
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.rename(path)


def measure(method: str, source: Path, work: Path) -> dict:
    """Run ``method`` in a fresh process: wall seconds, stage seconds and peak memory (MB)."""
    target = work / "output.jsonl"
    if method == _DEDUPE:
        command = [sys.executable, "-m", "dedupe", "scan", str(source), "-o", str(target), "-q", "--timings"]
    else:
        command = [sys.executable, "-m", "benchmarks.speed_runners", method, str(source), str(target)]
    stdout_path, stderr_path = work / "stdout.txt", work / "stderr.txt"
    with stdout_path.open("w") as stdout, stderr_path.open("w") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr)
        # wait4 reaps the child and gives its own resource use: ru_maxrss is its peak (KiB).
        _, status, usage = os.wait4(process.pid, 0)
        total = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = stdout_path.read_text(), stderr_path.read_text()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    peak = usage.ru_maxrss
    if method == _DEDUPE:
        stages = {name: float(s) for name, s in _TIMES.findall(stderr) if name != "total"}
    else:
        stages = json.loads(stdout)
    return {"total": total, "stages": stages, "peak_mb": peak / 1024}


def summarise(runs: dict, first: int) -> list[dict]:
    """One row per method and size: median articles/s, the median ratio to the baseline run of
    the same round, median stage seconds, peak memory."""
    rows = []
    baseline = [r["total"] for r in runs.get((BASELINE, first), [])]
    for (method, n), records in runs.items():
        totals = [r["total"] for r in records]
        ratio = None
        if n == first and baseline:
            ratio = statistics.median(b / t for b, t in zip(baseline, totals))
        stage_names = list(records[0]["stages"])
        in_run = [sum(r["stages"].values()) for r in records]  # reading to writing, start-up aside
        rows.append({"method": method, "articles": n, "per_second": n / statistics.median(totals),
                     "in_run_per_second": n / statistics.median(in_run),
                     "seconds": statistics.median(totals), "ratio": ratio,
                     "stages": {s: statistics.median(r["stages"].get(s, 0.0) for r in records) for s in stage_names},
                     "peak_mb": max(r["peak_mb"] for r in records)})
    return rows


def table(rows: list[dict], first: int) -> Table:
    out = Table(title="End to end, JSONL in, JSONL out (medians)", title_justify="left")
    for column in ("method", "articles", "articles/s", "read→write /s", "× datasketch update", "peak MB",
                   "stages (s)"):
        out.add_column(column, justify="left" if column in ("method", "stages (s)") else "right")
    for row in rows:
        out.add_row(row["method"], f"{row['articles']:,}", f"{row['per_second']:,.0f}",
                    f"{row['in_run_per_second']:,.0f}",
                    "—" if row["ratio"] is None else f"{row['ratio']:.1f}", f"{row['peak_mb']:,.0f}",
                    " · ".join(f"{k} {v:.2f}" for k, v in row["stages"].items()))
    return out


def _installed(package: str) -> str:
    """The package's version, or "not installed" (a run with --no-anchors needs no rensa)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def write(out: Path, rows: list[dict], runs: dict, sizes: list[int], args) -> None:
    versions = ", ".join(f"{p} {_installed(p)}" for p in ("wire-dedupe", "datasketch", "rensa", "numpy", "numba"))
    lines = [f"# Speed benchmark: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {_machine()}", "",
             f"Versions: {versions}", "",
             f"Command: `python benchmarks/speed.py --rounds {args.rounds} --sizes {' '.join(map(str, sizes))}`", "",
             "articles/s: the whole process, start-up included; read→write: from reading the input to "
             "writing the output (the sum of the stages), start-up aside.", "",
             "| method | articles | articles/s | read→write /s | × datasketch update | peak MB | stage seconds |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['method']} | {row['articles']:,} | {row['per_second']:,.0f} | "
                     f"{row['in_run_per_second']:,.0f} | "
                     f"{'—' if row['ratio'] is None else format(row['ratio'], '.1f')} | {row['peak_mb']:,.0f} | "
                     + " · ".join(f"{k} {v:.2f}" for k, v in row["stages"].items()) + " |")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
