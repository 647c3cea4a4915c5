"""Report benchmark: how fast the HTML report of 680 real pages opens in headless Chromium.

    python benchmarks/report.py [--data ../shared/data] [--rounds 5]

The web2018 pages (AP, Reuters and AFP copy republished by 80 outlets) are scanned, their report
is written, and Debian's Chromium (driven by Playwright) opens it ``--rounds`` times in a fresh
page. Reported: the report's size, the stories it shows, and the median and worst time from the
start of navigation to the end of the load event, and to the first paint of the page's content.
The bar is 2 seconds. Results go to ``benchmarks/results/report.md``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.quality import DEFAULT_DATA, _machine  # noqa: E402
from dedupe import find_duplicates, read_articles  # noqa: E402
from dedupe.report import write_report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding web2018/")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "report.md")
    args = parser.parse_args(argv)
    pages = args.data / "web2018" / "articles.jsonl"
    if not pages.is_file():
        print(f"error: {pages} is not here; pass --data with the folder holding web2018/", file=sys.stderr)
        return 2
    chromium = shutil.which("chromium")
    if chromium is None:
        print("error: Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    result = find_duplicates(read_articles([pages]).articles)
    loads, paints = [], []
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.html"
        start = time.perf_counter()
        write_report(result.verdicts, report, title="web2018: 680 pages")
        written = time.perf_counter() - start
        size = report.stat().st_size
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for _ in range(args.rounds):
                page = browser.new_page()
                page.goto(report.as_uri(), wait_until="load")
                timing = page.evaluate("""() => {
                    const nav = performance.getEntriesByType("navigation")[0];
                    const paint = performance.getEntriesByName("first-contentful-paint")[0];
                    return [nav.loadEventEnd - nav.startTime, paint ? paint.startTime : null];
                }""")
                loads.append(timing[0] / 1000)
                if timing[1] is not None:
                    paints.append(timing[1] / 1000)
                page.close()
            browser.close()
    lines = [
        f"# Report benchmark: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
        f"Machine: {_machine()}", "",
        f"Command: `python benchmarks/report.py --rounds {args.rounds}`", "",
        f"web2018: {len(result.verdicts)} pages, {len(result.clusters)} stories with more than one version. "
        f"The report is {size / 1e6:.2f} MB, written in {written:.2f} s.", "",
        "| measure | median | worst | bar |", "|---|---|---|---|",
        f"| load event end, s | {statistics.median(loads):.3f} | {max(loads):.3f} | 2 |",
    ]
    if paints:
        lines.append(f"| first contentful paint, s | {statistics.median(paints):.3f} | {max(paints):.3f} | |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if statistics.median(loads) < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
