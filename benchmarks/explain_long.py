"""How long the report and `dedupe explain` take on two long versions of one text: the alignment
they share is linear in memory and bit-parallel (rapidfuzz), bounded at MAX_ALIGNED_WORDS words.

    python benchmarks/explain_long.py [--words 25000 50000] [--runs 3]

Prints the median seconds of `render_report` and `explain_pair` on two versions of N words (the
second with a passage dropped and a few words changed), beside the scan of the same two articles
measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dedupe import find_duplicates  # noqa: E402
from dedupe.explain import explain_pair  # noqa: E402
from dedupe.report import render_report  # noqa: E402


def versions(words: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    vocab = [f"{rng.choice('bcdfghklmnprst')}{rng.choice('aeiou')}{rng.choice('nrstl')}{i}" for i in range(4000)]
    first = [rng.choice(vocab) for _ in range(words)]
    second = first[:words // 3] + first[words // 3 + 400:]
    for i in range(0, len(second), 997):
        second[i] = "changed"
    return [{"id": "long-a", "text": " ".join(first)}, {"id": "long-b", "text": " ".join(second)}]


def median_seconds(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, nargs="+", default=[25_000, 50_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for words in args.words:
        pair = versions(words)
        result = find_duplicates(pair)
        scan = median_seconds(lambda: find_duplicates(pair), args.runs)
        report = median_seconds(lambda: render_report(result.verdicts), args.runs)
        explain = median_seconds(lambda: explain_pair(pair, "long-a", "long-b"), args.runs)
        print(f"{words:>7,} words: scan {scan:.2f} s · report {report:.2f} s ({report / scan:.1f}x scan) · "
              f"explain {explain:.2f} s ({explain / scan:.1f}x scan)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
