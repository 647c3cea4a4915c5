"""Index benchmark: an ingestion job adding 100,000 articles in batches of 1,000 to the SQLite
index and to the Redis index, with a time window.

    python benchmarks/index.py [--data ../shared/data] [--articles 100000] [--batch 1000] [--window 3d]

Articles (real Reuters stories and their generated copies, as in the speed benchmark) arrive in
order of publication; each batch is added with "now" at its newest article, and the window is
pruned every ten batches, as a job would. Reported: articles/s of ``add`` (median over the
batches, and overall), the size on disk or in Redis's memory, and the seconds per batch as the
index fills, tenth by tenth: with the window in place they must stay flat. The Redis server is
started by the benchmark on a free loopback port and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.quality import DEFAULT_DATA, _machine, reuters_file  # noqa: E402
from benchmarks.speed import corpus_file  # noqa: E402
from dedupe import Article, Index  # noqa: E402
from dedupe.article import timestamp  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding reuters21578/")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--window", default="3d")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "redis"], choices=["sqlite", "redis"])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wire-dedupe-speed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "index.md")
    args = parser.parse_args(argv)
    console = Console()
    reuters = reuters_file(args.data, console)
    if reuters is None:
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    articles = _articles(corpus_file(reuters, args.articles, args.work))
    batches = [articles[i:i + args.batch] for i in range(0, len(articles), args.batch)]
    rows = []
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as folder:
            if backend == "sqlite":
                rows.append(_run(console, "SQLite", str(Path(folder) / "news.db"), batches, args.window))
            else:
                with _redis_server(Path(folder)) as url:
                    rows.append(_run(console, "Redis", url, batches, args.window))
    console.print(_table(rows))
    _write(args.out, rows, args, len(articles))
    console.print(f"wrote {args.out}")
    return 0


def _articles(path: Path) -> list[Article]:
    """The corpus in order of publication (ties by id), as a feed delivers it."""
    articles = []
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        articles.append(Article.from_dict(record))
    return sorted(articles, key=lambda a: (timestamp(a.published) if a.published else 0.0, a.id))


def _run(console: Console, name: str, location: str, batches: list[list[Article]], window: str) -> dict:
    seconds = []
    stored = []
    with Index(location, window=window) as index:
        for number, batch in enumerate(batches, start=1):
            now = max(a.published for a in batch if a.published) + timedelta(hours=1)
            now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
            start = time.perf_counter()
            index.add(batch, now=now)
            seconds.append(time.perf_counter() - start)
            if number % 10 == 0:
                index.prune(now=now)
                stored.append(index.stats()["articles"])
                console.print(f"{name}: {number * len(batch):,} added, {stored[-1]:,} in the window, "
                              f"last batch {seconds[-1]:.2f} s", highlight=False)
        stats = index.stats()
    tenths = [statistics.median(part) for part in _tenths(seconds)]
    return {"backend": name, "articles": sum(len(b) for b in batches), "batch": len(batches[0]),
            "median_rate": len(batches[0]) / statistics.median(seconds),
            "overall_rate": sum(len(b) for b in batches) / sum(seconds), "bytes": stats["bytes"],
            "stored": stats["articles"], "window_articles": statistics.median(stored) if stored else None,
            "tenths": tenths}


def _tenths(values: list[float]) -> list[list[float]]:
    step = max(len(values) // 10, 1)
    return [values[i:i + step] for i in range(0, step * 10, step) if values[i:i + step]]


class _redis_server:
    """A redis-server of the benchmark's own, on a free loopback port, without persistence."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.folder = folder

    def __enter__(self) -> str:
        import redis
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--dir", str(self.folder), "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                redis.Redis(port=self.port).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        return f"redis://127.0.0.1:{self.port}/0"

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait()


def _table(rows: list[dict]) -> Table:
    table = Table(title="dedupe index add, batches of 1,000 with a time window")
    for column in ("backend", "articles", "add /s (median batch)", "add /s (overall)", "in the window",
                   "size", "s per batch, by tenth of the run"):
        table.add_column(column, justify="left" if column in ("backend",) else "right")
    for r in rows:
        table.add_row(*_cells(r))
    return table


def _cells(r: dict) -> list[str]:
    return [r["backend"], f"{r['articles']:,}", f"{r['median_rate']:,.0f}", f"{r['overall_rate']:,.0f}",
            f"{r['window_articles']:,.0f}" if r["window_articles"] is not None else "—",
            f"{r['bytes'] / 1e6:,.0f} MB", " · ".join(f"{s:.2f}" for s in r["tenths"])]


def _write(out: Path, rows: list[dict], args, n: int) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    lines = [f"# Index benchmark: {stamp}", "", f"Machine: {_machine()}", "",
             f"Versions: wire-dedupe {version('wire-dedupe')}, redis-py {version('redis')}, Redis server "
             f"{redis_version.removeprefix('v=')}", "",
             f"Command: `python benchmarks/index.py --articles {n} --batch {args.batch} --window {args.window}`", "",
             "Articles arrive in order of publication, in batches; each batch is added with \"now\" at its "
             "newest article, and the window is pruned every ten batches. *in the window*: median count "
             "of stored articles after each prune. *size*: the SQLite file (with its WAL), or Redis's "
             "used memory. The last column is the median seconds of an add in each tenth of the run: "
             "flat means the add does not slow down as articles go through the index.", "",
             "| backend | articles | add /s (median batch) | add /s (overall) | in the window | size | "
             "s per batch, by tenth of the run |", "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
