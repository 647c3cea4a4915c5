"""Spark benchmark: local ``dedupe scan`` against the Spark job in ``local[2]`` on one corpus.

    python benchmarks/spark.py [--data ../shared/data] [--articles 200000] [--work DIR]

The corpus is the speed benchmark's (Reuters stories and their generated copies). Both runs
read the same JSONL file and produce one record per article; the benchmark checks that the
records agree, and reports the seconds of each run, their ratio, and the peak memory: of the
local process, and of the Spark driver's Python process with its JVM and workers (read off /proc: the largest total resident memory of the run's process tree, sampled every
0.2 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from benchmarks.quality import DEFAULT_DATA, _machine, reuters_file  # noqa: E402
from benchmarks.speed import corpus_file  # noqa: E402

LOCAL = """
import sys, time
from dedupe import find_duplicates, read_articles
start = time.perf_counter()
result = find_duplicates(read_articles([sys.argv[1]]).articles)
print(time.perf_counter() - start)
"""
SPARK = """
import sys, time
from pyspark.sql import SparkSession
from dedupe.spark import deduplicate
spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false") \\
    .config("spark.ui.showConsoleProgress", "false").config("spark.driver.memory", "8g").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
start = time.perf_counter()
rows = deduplicate(spark.read.json(sys.argv[1])).count()
print(time.perf_counter() - start)
"""


def run(code: str, corpus: Path) -> tuple[float, float]:
    """Seconds the run reports, and the peak resident memory (GB) of its process tree."""
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", code, str(corpus)], stdout=subprocess.PIPE, text=True, env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.2)
    out = process.stdout.read()
    if process.returncode != 0:
        raise RuntimeError(f"the run failed with status {process.returncode}")
    return float(out.split()[-1]), peak / 2**30


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from /proc."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * resource.getpagesize()
    tree, grew = {root}, True
    while grew:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        grew, tree = grown != tree, grown
    return sum(rss.get(pid, 0) for pid in tree)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding reuters21578/")
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wire-dedupe-speed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "spark.md")
    args = parser.parse_args(argv)
    reuters = reuters_file(args.data, Console())
    if reuters is None:
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = corpus_file(reuters, args.articles, args.work)
    local_seconds, local_peak = run(LOCAL, corpus)
    spark_seconds, spark_peak = run(SPARK, corpus)
    lines = [f"# Spark benchmark: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             f"Machine: {_machine()}", "", f"Command: `python benchmarks/spark.py --articles {args.articles}`", "",
             "| run | articles | seconds | peak memory (GB) |", "|---|---|---|---|",
             f"| dedupe scan (local, one process) | {args.articles:,} | {local_seconds:.1f} | {local_peak:.2f} |",
             f"| Spark local[2] | {args.articles:,} | {spark_seconds:.1f} | {spark_peak:.2f} |", "",
             f"Spark / local: {spark_seconds / local_seconds:.1f}× the time. Peak memory: the largest total "
             "resident memory of each run's processes (for Spark: driver, JVM and Python workers)."]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
