"""Speed benchmark: ``dedupe scan`` against the MinHash pipelines news teams use today, end to end
(reading JSONL to writing the output), and how its time and memory grow with the corpus.

    python benchmarks/speed.py [--data ../shared/data] [--sizes 79000 316000 1000000] [--race 316000]
                               [--rounds 3] [--against datasketch-bulk rensa] [--corpus blocks]

The race: ``dedupe scan`` and each pipeline of ``--against`` (``benchmarks/speed_runners.py``),
round after round on the ``--race`` size, so each ratio pairs two runs made side by side. The
growth: ``dedupe scan`` on every size (the race size's runs count), with each stage's seconds and
peak memory. Every run is a fresh process. See benchmarks/README.md for the corpora and what each
number means.
"""

from __future__ import annotations

import argparse
import itertools
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
from typing import Iterable

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.quality import DEFAULT_DATA, _machine, build_set, reuters_file  # noqa: E402
from benchmarks.speed_runners import RUNNERS  # noqa: E402

_DEDUPE = "dedupe scan"
_LOWER_WORD = re.compile(r"\b[a-z]{5,}\b")
_WORD = re.compile(r"\b[A-Za-z]+\b")
_STAGE = re.compile(r"(\w+) ([\d.]+) s(?: ([\d,]+) MB)?")
COPIES = 4  # each Reuters story in a block of the blocks corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding reuters21578/")
    parser.add_argument("--sizes", type=int, nargs="+", default=[79_000, 316_000, 1_000_000],
                        help="corpus sizes dedupe runs on (the growth table)")
    parser.add_argument("--race", type=int, default=316_000, help="the size every method runs on, side by side")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the race (medians are quoted)")
    parser.add_argument("--growth-rounds", type=int, default=1, help="runs of dedupe on each size besides the race's")
    parser.add_argument("--against", nargs="*", default=["datasketch-bulk", "rensa"], choices=sorted(RUNNERS),
                        help="the pipelines in the race")
    parser.add_argument("--corpus", choices=["blocks", "syndication"], default="blocks",
                        help="blocks: Reuters stories four times, each block other stories; syndication: the "
                             "quality benchmark's copies, repeated with their long words marked")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wire-dedupe-speed",
                        help="where the generated corpora are kept between runs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "speed.md")
    args = parser.parse_args(argv)
    console = Console()

    reuters = reuters_file(args.data, console)
    if reuters is None:
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(args.sizes) | {args.race})
    make = blocks_file if args.corpus == "blocks" else corpus_file
    corpora = {n: make(reuters, n, args.work) for n in sizes}

    # The first run of a fresh install compiles the numba kernels into its cache: not counted.
    measure(_DEDUPE, ROOT / "data" / "sample", args.work)
    runs: dict[tuple[str, int], list[dict]] = {}
    for round_ in range(args.rounds):
        for method in [_DEDUPE, *args.against]:
            _run(console, runs, method, corpora[args.race], args.race, args.work, f"race, round {round_ + 1}")
    for round_ in range(args.growth_rounds):
        for n in sizes:
            if n != args.race:
                _run(console, runs, _DEDUPE, corpora[n], n, args.work, f"growth, round {round_ + 1}")

    race = race_rows(runs, args.race, args.against)
    growth = growth_rows(runs, sizes)
    console.print(race_table(race, args.race, args.against))
    console.print(growth_table(growth))
    write(args.out, race, growth, args)
    console.print(f"wrote {args.out}")
    return 0


def _run(console: Console, runs: dict, method: str, source: Path, n: int, work: Path, label: str) -> None:
    record = measure(method, source, work)
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


def blocks_file(reuters: Path, size: int, work: Path) -> Path:
    """The JSONL corpus of the first ``size`` articles of the blocks.

    Block 0 holds every Reuters-21578 story with a body four times (about 79,000 articles, each
    story with three exact copies, in a shuffled order). Each later block is block 0 with its
    words mapped through a permutation of their vocabulary that keeps each word's length (one
    per block; a word keeps its case) and its digits permuted: the same number of stories,
    copies, characters and word frequencies, but other stories, which share with the earlier
    blocks only punctuation and the odd word the permutation leaves in place. The corpus is the
    first ``size`` articles of block 0, block 1, ...
    """
    target = work / f"blocks-{size}.jsonl"
    if target.is_file():
        return target
    stories = []
    for line in reuters.open(encoding="utf-8"):
        record = json.loads(line)
        if (record.get("text") or "").strip():
            stories.append({"id": record["id"], "title": record.get("title") or "", "text": record["text"]})
    block = [dict(story, id=f"{story['id']}#{copy}") for story in stories for copy in range(COPIES)]
    random.Random(1987).shuffle(block)
    vocabulary = sorted({word.lower() for story in stories for field in ("title", "text")
                         for word in _WORD.findall(story[field])})
    blocks = (map(_block_renaming(vocabulary, number), block) for number in itertools.count())
    _write_jsonl(target, itertools.islice(itertools.chain.from_iterable(blocks), size))  # made as written
    return target


def _block_renaming(vocabulary: list[str], number: int):
    """How block ``number`` renames a record: block 0 keeps it; the others map each word through
    one permutation of the (lower-cased) vocabulary among words of its length, keeping its case,
    and each digit through one permutation of the digits."""
    if number == 0:
        return lambda record: record
    seed = random.Random(f"block:{number}")
    words = {}
    for length in sorted({len(word) for word in vocabulary}):
        # Within one length: texts keep their size in characters, which cleaning's time follows.
        same = [word for word in vocabulary if len(word) == length]
        shuffled = same[:]
        seed.shuffle(shuffled)
        words.update(zip(same, shuffled))
    digits = str.maketrans("0123456789", "".join(seed.sample("0123456789", 10)))

    def renamed(record: dict) -> dict:
        out = dict(record, id=f"{record['id']}@{number}")
        for field in ("title", "text"):
            out[field] = _WORD.sub(lambda m: _cased(words[m.group(0).lower()], m.group(0)), record[field]).translate(digits)
        return out

    return renamed


def _cased(word: str, like: str) -> str:
    """``word`` (lower case) in the case of ``like``: all capitals, capitalised or lower."""
    if len(like) > 1 and like.isupper():
        return word.upper()
    return word.capitalize() if like[0].isupper() else word


def _write_jsonl(path: Path, records: Iterable[dict]) -> None:
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.rename(path)


def measure(method: str, source: Path, work: Path) -> dict:
    """Run ``method`` in a fresh process: wall seconds, stage seconds, the whole process's peak
    memory (MB) and, for dedupe, each stage's (``--timings``)."""
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
    stage_peaks: dict[str, float] = {}
    if method == _DEDUPE:
        timed = [(name, float(s), mb) for name, s, mb in _STAGE.findall(stderr) if name != "total"]
        stages = {name: s for name, s, _ in timed}
        stage_peaks = {name: float(mb.replace(",", "")) for name, _, mb in timed if mb}
    else:
        stages = json.loads(stdout)
    # dedupe's --timings resets the process's high-water mark at each stage, and ru_maxrss with it:
    # its peak is then the largest of its stages'.
    peak = max([usage.ru_maxrss / 1024, *stage_peaks.values()])
    return {"total": total, "stages": stages, "stage_peaks": stage_peaks, "peak_mb": peak}


def race_rows(runs: dict, n: int, against: list[str]) -> list[dict]:
    """One row per method on the race size: median seconds and articles/s, and for dedupe the
    median ratio of each other method's time to its own in the same round."""
    rows = []
    ours = [r["total"] for r in runs[(_DEDUPE, n)]]
    for method in [_DEDUPE, *against]:
        records = runs[(method, n)]
        totals = [r["total"] for r in records]
        in_run = [sum(r["stages"].values()) for r in records]  # reading to writing, start-up aside
        ratios = {other: statistics.median(t / o for t, o in zip((r["total"] for r in runs[(other, n)]), ours))
                  for other in against} if method == _DEDUPE else {}
        rows.append({"method": method, "articles": n, "per_second": n / statistics.median(totals),
                     "in_run_per_second": n / statistics.median(in_run), "ratios": ratios,
                     "peak_mb": max(r["peak_mb"] for r in records), "runs": len(records),
                     "stages": {s: statistics.median(r["stages"].get(s, 0.0) for r in records) for s in records[0]["stages"]}})
    return rows


def growth_rows(runs: dict, sizes: list[int]) -> list[dict]:
    """One row per size for dedupe: median µs per article (process and read→write), its ratio to
    the smallest size's, the process's peak memory, and each stage's median seconds and peak."""
    rows = []
    for n in sizes:
        records = runs[(_DEDUPE, n)]
        stages = list(records[0]["stages"])
        rows.append({"articles": n, "runs": len(records),
                     "us_per_article": statistics.median(r["total"] for r in records) / n * 1e6,
                     "in_run_us": statistics.median(sum(r["stages"].values()) for r in records) / n * 1e6,
                     "peak_mb": max(r["peak_mb"] for r in records),
                     "stages": {s: statistics.median(r["stages"][s] for r in records) for s in stages},
                     "stage_peaks": {s: max(r["stage_peaks"].get(s, 0.0) for r in records) for s in stages}})
    for row in rows:
        row["growth"] = row["us_per_article"] / rows[0]["us_per_article"]
    return rows


def _stages(row: dict) -> str:
    peaks = row.get("stage_peaks", {})
    return " · ".join(f"{name} {seconds:.2f}" + (f" ({peaks[name]:,.0f} MB)" if peaks.get(name) else "")
                      for name, seconds in row["stages"].items())


def race_table(rows: list[dict], n: int, against: list[str]) -> Table:
    out = Table(title=f"The race on {n:,} articles, JSONL in, JSONL out (medians)", title_justify="left")
    for column in ["method", "articles/s", "read→write /s", *(f"× {m}" for m in against), "peak MB"]:
        out.add_column(column, justify="left" if column == "method" else "right")
    for row in rows:
        out.add_row(row["method"], f"{row['per_second']:,.0f}", f"{row['in_run_per_second']:,.0f}",
                    *(f"{row['ratios'][m]:.2f}" if m in row["ratios"] else "—" for m in against),
                    f"{row['peak_mb']:,.0f}")
    return out


def growth_table(rows: list[dict]) -> Table:
    out = Table(title="Growth: dedupe scan by corpus size (medians)", title_justify="left")
    for column in ("articles", "runs", "µs/article", "read→write µs/article", "× smallest", "peak MB",
                   "stage seconds (peak MB)"):
        out.add_column(column, justify="left" if column.startswith("stage") else "right")
    for row in rows:
        out.add_row(f"{row['articles']:,}", str(row["runs"]), f"{row['us_per_article']:.1f}", f"{row['in_run_us']:.1f}",
                    f"{row['growth']:.2f}", f"{row['peak_mb']:,.0f}", _stages(row))
    return out


def _installed(package: str) -> str:
    """The package's version, or "not installed" (a run with --no-anchors needs no rensa)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def write(out: Path, race: list[dict], growth: list[dict], args) -> None:
    versions = ", ".join(f"{p} {_installed(p)}" for p in ("wire-dedupe", "datasketch", "rensa", "numpy", "numba"))
    command = " ".join(["python benchmarks/speed.py", "--sizes", *map(str, sorted(args.sizes)), "--race", str(args.race),
                        "--rounds", str(args.rounds), "--growth-rounds", str(args.growth_rounds),
                        "--against", *args.against, "--corpus", args.corpus])
    against = args.against
    lines = [f"# Speed benchmark: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {_machine()}", "", f"Versions: {versions}", "", f"Command: `{command}`", "",
             f"Corpus: {args.corpus} (benchmarks/README.md). articles/s and µs/article: the whole process, start-up "
             "included; read→write: from reading the input to writing the output (the sum of the stages). "
             "× other: the other method's seconds over dedupe's, in the same round. Peak MB: the whole process "
             "(its own resident peak); a stage's: dedupe's process during that stage, cleaning's worker "
             "processes not counted.", "",
             f"## The race on {args.race:,} articles ({args.rounds} rounds)", "",
             "| method | articles/s | read→write /s | " + " | ".join(f"× {m}" for m in against) + " | peak MB | stage seconds |",
             "|---|---|---|" + "---|" * len(against) + "---|---|"]
    for row in race:
        lines.append(f"| {row['method']} | {row['per_second']:,.0f} | {row['in_run_per_second']:,.0f} | "
                     + " | ".join(f"{row['ratios'][m]:.2f}" if m in row["ratios"] else "—" for m in against)
                     + f" | {row['peak_mb']:,.0f} | {_stages(row)} |")
    lines += ["", "## Growth: dedupe scan by corpus size", "",
              "| articles | runs | µs/article | read→write µs/article | × smallest | peak MB | stage seconds (peak MB) |",
              "|---|---|---|---|---|---|---|"]
    for row in growth:
        lines.append(f"| {row['articles']:,} | {row['runs']} | {row['us_per_article']:.1f} | {row['in_run_us']:.1f} | "
                     f"{row['growth']:.2f} | {row['peak_mb']:,.0f} | {_stages(row)} |")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
