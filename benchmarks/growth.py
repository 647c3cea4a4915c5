"""Growth benchmark: how ``dedupe scan``'s time and memory per article grow with the corpus, on
blocks of Reuters-length stories that stay other stories from block to block.

    python benchmarks/growth.py [--data ../shared/data] [--sizes 79000 316000] [--rounds 1]
                                [--against datasketch-bulk rensa]

Block 0 holds every Reuters-21578 story with a body four times (about 79,000 articles, each
story with three exact copies, in a shuffled order). Each later block is block 0 with its words
mapped through a permutation of their vocabulary that keeps each word's length (one per block;
a word keeps its case: lower, capitalised or all capitals) and its digits permuted: the same
number of stories, copies, characters and word frequencies, but other stories, which share with the earlier blocks only
punctuation and the odd word the permutation leaves in place. A corpus of N
articles is the first N of block 0, block 1, ... The speed benchmark's corpus
(``speed.corpus_file``) marks only words of five letters or more per repetition, so its
repetitions share every short word, and its candidate pairs per article grow with its size: that
measures the generator, not the scan.

Every size runs ``dedupe scan`` in a fresh process (``speed.measure``); the table gives the whole
process's microseconds per article, the stages' (read to write), their ratio to the smallest
size, the peak memory and each stage's seconds. ``--against`` runs other pipelines
(``benchmarks/speed_runners.py``) on the largest size, in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks.quality import DEFAULT_DATA, _machine, reuters_file  # noqa: E402
from benchmarks.speed import _DEDUPE, measure  # noqa: E402

COPIES = 4
_WORD = re.compile(r"\b[A-Za-z]+\b")


def blocks_file(reuters: Path, size: int, work: Path) -> Path:
    """The JSONL corpus of the first ``size`` articles of the blocks (see the module's doc)."""
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
    partial = target.with_suffix(".partial")
    written = 0
    with partial.open("w", encoding="utf-8") as out:
        number = 0
        while written < size:
            renamed = _block_renaming(vocabulary, number)
            for record in block[: size - written]:
                out.write(json.dumps(renamed(record), ensure_ascii=False) + "\n")
                written += 1
            number += 1
    partial.rename(target)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding reuters21578/")
    parser.add_argument("--sizes", type=int, nargs="+", default=[79_000, 316_000])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each size (medians are quoted)")
    parser.add_argument("--against", nargs="*", default=[], help="other pipelines to run on the largest size")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wire-dedupe-speed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "growth.md")
    args = parser.parse_args(argv)
    console = Console()
    reuters = reuters_file(args.data, console)
    if reuters is None:
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = sorted(args.sizes)
    corpora = {n: blocks_file(reuters, n, args.work) for n in sizes}
    measure(_DEDUPE, ROOT / "data" / "sample", args.work)  # a fresh install compiles its kernels here
    runs: dict[tuple[str, int], list[dict]] = {}
    for round_ in range(args.rounds):
        for n in sizes:
            for method in [_DEDUPE] + (args.against if n == sizes[-1] else []):
                record = measure(method, corpora[n], args.work)
                runs.setdefault((method, n), []).append(record)
                console.print(f"round {round_ + 1}: {method} on {n:,}: {n / record['total']:,.0f} articles/s, "
                              f"{record['peak_mb']:,.0f} MB", highlight=False)
    rows = _rows(runs, sizes[0])
    table = Table(title="Growth: dedupe scan by corpus size")
    for column in ("method", "articles", "µs/article", "read→write µs/article", "× smallest", "peak MB", "stages (s)"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    _write(args.out, rows, args)
    console.print(f"wrote {args.out}")
    return 0


def _rows(runs: dict, first: int) -> list[list[str]]:
    smallest = None
    rows = []
    for (method, n), records in runs.items():
        total = statistics.median(r["total"] for r in records)
        in_run = statistics.median(sum(r["stages"].values()) for r in records)
        per_article = total / n * 1e6
        if method == _DEDUPE and n == first:
            smallest = per_article
        stages = " · ".join(f"{name} {statistics.median(r['stages'][name] for r in records):.2f}"
                            for name in records[0]["stages"])
        rows.append([method, f"{n:,}", f"{per_article:.1f}", f"{in_run / n * 1e6:.1f}" if in_run else "—",
                     f"{per_article / smallest:.2f}" if smallest and method == _DEDUPE else "—",
                     f"{max(r['peak_mb'] for r in records):,.0f}", stages])
    return rows


def _write(path: Path, rows: list[list[str]], args: argparse.Namespace) -> None:
    command = " ".join(["python benchmarks/growth.py", "--sizes", *map(str, sorted(args.sizes)),
                        "--rounds", str(args.rounds)] + (["--against", *args.against] if args.against else []))
    lines = [f"# Growth benchmark: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {_machine()}", "", f"Command: `{command}`", "",
             "Corpus: blocks of Reuters-21578 (every story with a body four times; each later block with its "
             "lower-case words and digits permuted). µs/article: the whole process, start-up included; "
             "read→write: the stages' sum. × smallest: µs/article against the smallest size's.", "",
             "| method | articles | µs/article | read→write µs/article | × smallest | peak MB | stage seconds |",
             "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
