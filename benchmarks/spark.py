"""Spark benchmark: local ``dedupe scan`` against the Spark job, in ``local[2]`` and on a
standalone cluster of two one-core workers on this machine, on one corpus.

    python benchmarks/spark.py [--data ../shared/data] [--articles 200000] [--rounds 3] [--partitions 8]
                               [--no-cluster]

The corpus is the speed benchmark's (Reuters stories and their generated copies). Both runs
read the same JSONL file and write one record per article as JSONL, timed from reading to
written output; the benchmark then counts the articles whose story, canonical or role differ.
It reports the seconds of each run, their ratio, and the peak memory: of the local process, and
of the Spark driver's Python process with its JVM and workers (read off /proc every 0.2 s: the
largest total of the run's process tree). Memory is counted twice: as the proportional set size
(PSS: a page shared by several processes, as the libraries of forked Python workers are, is
split among them), and as the sum of each process's resident memory (RSS, which counts a shared
page once in every process that maps it).

Spark runs with ``spark.sql.shuffle.partitions`` = 8, four per core of ``local[2]``
(``--partitions``), as ``dedupe spark scan`` sets it in a local session: Spark's default of 200
makes a small machine spend its time starting tasks. Memory settings are Spark's defaults (1 GB
for the driver, and for each executor), as ``dedupe spark scan`` leaves them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402

from benchmarks.quality import DEFAULT_DATA, _machine, reuters_file  # noqa: E402
from benchmarks.speed import corpus_file  # noqa: E402

LOCAL = """
import sys, time
from dedupe import find_duplicates, read_articles
from dedupe.io.writers import write_results
start = time.perf_counter()
write_results(find_duplicates(read_articles([sys.argv[1]]).articles).verdicts, sys.argv[2])
print(time.perf_counter() - start)
"""
SPARK = """
import sys, time
from pyspark.sql import SparkSession
from dedupe.spark import deduplicate
spark = SparkSession.builder.master(sys.argv[4]).config("spark.ui.enabled", "false") \\
    .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", sys.argv[3]).getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
start = time.perf_counter()
deduplicate(spark.read.json(sys.argv[1])).write.mode("overwrite").json(sys.argv[2])
print(time.perf_counter() - start)
"""


def run(code: str, *args: object, also: tuple[int, ...] = ()) -> tuple[float, float, float]:
    """Seconds the run reports, and the peak memory (GB) of its process tree, as PSS and as RSS
    (see the module's doc), with the trees of the processes ``also`` names (a standalone
    cluster's master and workers)."""
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True,
                               env=env)
    peak_pss = peak_rss = 0
    while process.poll() is None:
        pids = set().union(*(_tree(pid) for pid in (process.pid, *also)))
        peak_pss = max(peak_pss, sum(_pss(pid) for pid in pids))
        peak_rss = max(peak_rss, sum(_rss(pid) for pid in pids))
        time.sleep(0.2)
    out = process.stdout.read()
    if process.returncode != 0:
        raise RuntimeError(f"the run failed with status {process.returncode}")
    return float(out.split()[-1]), peak_pss / 2**30, peak_rss / 2**30


def _records(files: list[Path]) -> dict[str, tuple]:
    """Each article's story, canonical and role, from JSONL outputs."""
    fields = ("cluster", "canonical", "role")
    records = {}
    for file in files:
        with file.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                records[record["id"]] = tuple(record[f] for f in fields)
    return records


def differences(local: dict[str, tuple], spark: dict[str, tuple]) -> int:
    """Articles missing from one output, or with another story, canonical or role."""
    return sum(local.get(key) != spark.get(key) for key in local.keys() | spark.keys())


def _tree(root: int) -> set[int]:
    """``root`` and all its descendants, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, grew = {root}, True
    while grew:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        grew, tree = grown != tree, grown
    return tree


def _rss(pid: int) -> int:
    """Resident bytes of a process (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[21]) * resource.getpagesize()
    except (OSError, IndexError):
        return 0


def _pss(pid: int) -> int:
    """Proportional set size of a process in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding reuters21578/")
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wire-dedupe-speed")
    parser.add_argument("--partitions", type=int, default=8, help="spark.sql.shuffle.partitions")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "spark.md")
    parser.add_argument("--no-cluster", action="store_true", help="leave out the standalone cluster's run")
    args = parser.parse_args(argv)
    reuters = reuters_file(args.data, Console())
    if reuters is None:
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = corpus_file(reuters, args.articles, args.work)
    local_out, spark_out = args.work / f"local-{args.articles}.jsonl", args.work / f"spark-{args.articles}"
    masters = {"Spark local[2]": "local[2]"}
    cluster = None
    if not args.no_cluster:
        from dedupe.spark.standalone import StandaloneCluster
        cluster = StandaloneCluster(workers=2, cores=1, memory="3g").__enter__()
        masters["Spark standalone, 2 workers × 1 core"] = cluster.url
    runs: dict[str, list] = {"local": [], **{name: [] for name in masters}}
    differ = 0
    try:
        for _ in range(args.rounds):  # alternating, so that all meet the same load on the machine
            runs["local"].append(run(LOCAL, corpus, local_out))
            for name, master in masters.items():
                daemons = tuple(cluster.pids) if cluster is not None and master == cluster.url else ()
                runs[name].append(run(SPARK, corpus, spark_out, args.partitions, master, also=daemons))
                differ = max(differ, differences(_records([local_out]),
                                                 _records(sorted(spark_out.glob("part-*.json")))))
    finally:
        if cluster is not None:
            cluster.stop()
    local_seconds, local_pss, local_rss = np.median(runs["local"], axis=0)
    command = (f"python benchmarks/spark.py --articles {args.articles} --partitions {args.partitions} "
               f"--rounds {args.rounds}" + (" --no-cluster" if args.no_cluster else ""))
    lines = [f"# Spark benchmark: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             f"Machine: {_machine()}", "", f"Command: `{command}`", "",
             f"Medians of {args.rounds} rounds; each round runs every one, one after the other.", "",
             "| run | articles | seconds | × local | peak memory, PSS (GB) | peak memory, RSS summed (GB) |",
             "|---|---|---|---|---|---|",
             f"| dedupe scan (local, one process) | {args.articles:,} | {local_seconds:.1f} | 1.0 | {local_pss:.2f} "
             f"| {local_rss:.2f} |"]
    for name in masters:
        seconds, pss, rss = np.median(runs[name], axis=0)
        ratio = np.median([s[0] / l[0] for l, s in zip(runs["local"], runs[name])])
        lines.append(f"| {name} | {args.articles:,} | {seconds:.1f} | {ratio:.2f} | {pss:.2f} | {rss:.2f} |")
    lines += ["", "× local: the median of the rounds' ratios. Peak memory: the largest total of each run's processes "
              "(for Spark: driver, JVM and Python workers; on the standalone cluster also the master and workers with "
              "their executors), as PSS (shared pages split among the processes that map them) and as the sum of "
              "their resident sets (shared pages counted in each). Every time runs from reading the JSONL corpus "
              "to written output.", "",
              f"Articles whose story, canonical or role differ from the local run's: {differ:,} of "
              f"{args.articles:,} (the most in any Spark run)."]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
