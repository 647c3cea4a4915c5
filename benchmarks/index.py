"""Index benchmark: an ingestion job adding 100,000 articles in batches of 1,000 to the SQLite
index and to the Redis index, with a time window; a library job against one scan; real pages.

    python benchmarks/index.py [--data ../shared/data] [--articles 100000] [--batch 1000] [--window 3d]
                               [--sections backends job pages]

*job*: the README's ``Index.add`` loop in one process, adding Reuters-21578 bodies and a near-copy
of each (the body without its last paragraph, under a dateline) in batches of 1,000: each batch
holds 500 new stories and the copies of the 500 that came one batch before, so that only the index
grows. Against it, in the same run, ``dedupe scan`` of the same articles as one file (three runs,
the median). Reported: both times and their ratio, the median add of the first and of the last five
batches, and how the stories the adds reported (and the index's final stories) agree with the
scan's (pairwise F1). *pages*: the 680 web2018 pages in ``scrape_time`` order, in adds of 50: seconds
per add, the events, and the final stories against a scan's.

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
    parser.add_argument("--sections", nargs="+", default=["backends", "job", "pages"],
                        choices=["backends", "job", "pages"])
    parser.add_argument("--job-articles", type=int, default=40_000)
    args = parser.parse_args(argv)
    console = Console()
    reuters = reuters_file(args.data, console)
    if reuters is None:
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    extra = []
    if "job" in args.sections:
        extra += _job_section(console, reuters, args.job_articles, args.work)
    if "pages" in args.sections:
        extra += _pages_section(console, args.data)
    if "backends" not in args.sections:
        _append(args.out, extra)
        console.print(f"wrote {args.out}")
        return 0
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
    _append(args.out, extra)
    console.print(f"wrote {args.out}")
    return 0


def _job_batches(reuters: Path, articles: int, batch: int = 1_000) -> list[list[dict]]:
    """Reuters bodies and a near-copy of each, in batches: half new stories, half the copies of
    the stories of the batch before."""
    rows = [json.loads(line) for line in reuters.open(encoding="utf-8")]
    originals = [{"id": r["id"], "title": r["title"], "text": r["text"]} for r in rows if (r.get("text") or "").strip()]
    originals = originals[:articles // 2]
    half = batch // 2
    batches = []
    for start in range(0, len(originals) + half, half):
        copies = [_near_copy(r) for r in originals[max(start - half, 0):start]]
        batches.append(originals[start:start + half] + copies)
    return [b for b in batches if b]


def _near_copy(record: dict) -> dict:
    """The story as a second outlet runs it: under a dateline, without its last paragraph."""
    paragraphs = record["text"].split("\n    ")
    text = "\n    ".join(paragraphs[:-1] if len(paragraphs) >= 3 else paragraphs)
    return {"id": record["id"] + "-copy", "title": record["title"], "text": "LONDON (Reuters) - " + text}


def _job_section(console: Console, reuters: Path, articles: int, work: Path) -> list[str]:
    from benchmarks.metrics import pairwise

    batches = _job_batches(reuters, articles)
    feed = work / f"job-{articles}.jsonl"
    feed.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for b in batches for r in b))
    total = sum(len(b) for b in batches)
    scans = []

    def scan() -> dict[str, str]:
        out = work / "job-scan.jsonl"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dedupe", "scan", str(feed), "-o", str(out), "-q"], check=True,
                       stdout=subprocess.DEVNULL)
        scans.append(time.perf_counter() - start)
        console.print(f"scan of {total:,}: {scans[-1]:.1f} s", highlight=False)
        return {r["id"]: r["cluster"] for r in map(json.loads, out.open(encoding="utf-8"))}

    scanned = scan()
    seconds, reported = [], {}
    with tempfile.TemporaryDirectory() as folder, Index(Path(folder) / "news.db") as index:
        for number, batch in enumerate(batches):
            start = time.perf_counter()
            added = index.add(batch, now="2026-01-01T00:00:00Z")
            seconds.append(time.perf_counter() - start)
            reported.update((v.id, v.cluster) for v in added.verdicts)
            if number % 10 == 0:
                console.print(f"job: batch {number}, {seconds[-1]:.2f} s", highlight=False)
        final = {v.id: v.cluster for b in batches for v in index.add(b, now="2026-01-01T00:00:00Z").verdicts}
    scan()
    scan()
    ids = sorted(scanned)
    agree = {name: pairwise([scanned[i] for i in ids], [found[i] for i in ids])["f1"]
             for name, found in (("reported", reported), ("final", final))}
    adds, median_scan = sum(seconds), statistics.median(scans)
    first, last = statistics.median(seconds[1:6]), statistics.median(seconds[-5:])
    return ["", f"## A library job against one scan ({datetime.now(timezone.utc):%Y-%m-%d})", "",
            f"`Index.add` in one process, {total:,} articles ({len(batches)} batches of up to 1,000: Reuters "
            "bodies and a near-copy of each, see the module's documentation), SQLite, no window; `dedupe scan` "
            "of the same file, three runs in the same session (median).", "",
            "| adds, total | scan (median of 3) | adds / scan | first batches (median add) | last batches "
            "(median add) | last / first | F1 vs scan, as reported | F1 vs scan, final |",
            "|---|---|---|---|---|---|---|---|",
            f"| {adds:.1f} s | {median_scan:.1f} s ({', '.join(f'{s:.1f}' for s in scans)}) | {adds / median_scan:.2f}x "
            f"| {first:.2f} s | {last:.2f} s | {last / first:.2f}x | {agree['reported']:.4f} | {agree['final']:.4f} |"]


def _pages_section(console: Console, data: Path) -> list[str]:
    from benchmarks.metrics import pairwise
    from dedupe import find_duplicates

    path = data / "web2018" / "articles.jsonl"
    if not path.is_file():
        console.print(f"[red]{path} not found[/]: the pages section is left out")
        return []
    pages = sorted(map(json.loads, path.open(encoding="utf-8")), key=lambda p: (p["scrape_time"], p["id"]))
    seconds, kinds = [], {}
    with tempfile.TemporaryDirectory() as folder, Index(Path(folder) / "news.db") as index:
        for start in range(0, len(pages), 50):
            began = time.perf_counter()
            added = index.add(pages[start:start + 50], now="2019-07-01T00:00:00Z")
            seconds.append(time.perf_counter() - began)
            for event in added.events:
                kinds[event["event"]] = kinds.get(event["event"], 0) + 1
        final = {v.id: v.cluster for v in index.add(pages, now="2019-07-01T00:00:00Z").verdicts}
    scanned = {v.id: v.cluster for v in find_duplicates(pages).verdicts}
    ids = sorted(scanned)
    f1 = pairwise([scanned[i] for i in ids], [final[i] for i in ids])["f1"]
    console.print(f"pages: {len(seconds)} adds, median {statistics.median(seconds):.2f} s", highlight=False)
    return ["", f"## Real pages, in the order they were scraped ({datetime.now(timezone.utc):%Y-%m-%d})", "",
            f"web2018's {len(pages)} pages by `scrape_time`, `Index.add` of 50 at a time, SQLite.", "",
            "| adds | median add | slowest add | pages/s (overall) | events | final stories vs a scan (F1) |",
            "|---|---|---|---|---|---|",
            f"| {len(seconds)} | {statistics.median(seconds):.2f} s | {max(seconds):.2f} s | "
            f"{len(pages) / sum(seconds):,.0f} | {', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))} | {f1:.4f} |"]


def _append(out: Path, lines: list[str]) -> None:
    if lines:
        out.parent.mkdir(parents=True, exist_ok=True)
        existing = out.read_text(encoding="utf-8") if out.exists() else ""
        for heading in {line for line in lines if line.startswith("## ")}:  # a section run again replaces itself
            kind = heading.split(" (")[0]
            if kind in existing:
                before, _, rest = existing.partition(kind)
                after = rest.split("\n## ", 1)
                existing = before.rstrip("\n") + ("\n\n## " + after[1] if len(after) > 1 else "\n")
        out.write_text(existing.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


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
    # The other sections, from an earlier run, stay (a section run again replaces itself: _append).
    kept = out.read_text(encoding="utf-8").partition("\n## ")[1:] if out.exists() else ("", "")
    out.write_text("\n".join(lines) + "\n" + "".join(kept), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
