"""How long ``dedupe --version``, ``dedupe --help`` and ``dedupe scan --help`` take: the median of
several runs of each, in a fresh process, beside ``python -c pass`` measured in the same run.

    python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {"python -c pass": [sys.executable, "-c", "pass"],
            "dedupe --version": [sys.executable, "-m", "dedupe", "--version"],
            "dedupe --help": [sys.executable, "-m", "dedupe", "--help"],
            "dedupe scan --help": [sys.executable, "-m", "dedupe", "scan", "--help"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    base = None
    for name, command in COMMANDS.items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        base = base or median
        print(f"{name:<22} median {median:.3f} s  ({median / base:.1f}x python -c pass)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
