"""How often an index fed in batches gives other stories than one scan of the same articles.

    python benchmarks/index_vs_scan.py [--data ../shared/data] [--articles 2180] [--batches 136 1000]
                                       [--order published|shuffled]

The articles are real Reuters stories and their generated copies (as in the speed benchmark), in
order of publication. For each batch size they are added to a new SQLite index (no window), and the
stories it ends with are compared with those of one scan: a story of the scan with more than one
version counts as different when the index does not hold exactly its members, or gives it another
canonical. Also reported: of the differing stories, how many hold a pair whose cosine lies within
0.02 of the similarity threshold in the scan (a decision that the TF-IDF weights of an add's working
set, not the whole corpus, can turn).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.index import _articles  # noqa: E402
from benchmarks.quality import DEFAULT_DATA, reuters_file  # noqa: E402
from benchmarks.speed import corpus_file  # noqa: E402
from rich.console import Console  # noqa: E402

from dedupe import DedupeConfig, Index, find_duplicates  # noqa: E402


def stories_of(placements: dict[str, tuple[str, str]]) -> dict[frozenset[str], str]:
    groups: dict[str, set[str]] = {}
    canonical: dict[str, str] = {}
    for article, (story, its_canonical) in placements.items():
        groups.setdefault(story, set()).add(article)
        canonical[story] = its_canonical
    return {frozenset(members): canonical[story] for story, members in groups.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding reuters21578/")
    parser.add_argument("--articles", type=int, default=2180)
    parser.add_argument("--batches", type=int, nargs="+", default=[136, 1000])
    parser.add_argument("--order", choices=["published", "shuffled"], default="published",
                        help="the order the articles arrive in (shuffled: by a fixed seed)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wire-dedupe-speed")
    args = parser.parse_args(argv)
    console = Console()
    reuters = reuters_file(args.data, console)
    if reuters is None:
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    articles = _articles(corpus_file(reuters, args.articles, args.work))
    if args.order == "shuffled":
        random.Random(1).shuffle(articles)
    scan = find_duplicates(articles)
    scanned = stories_of({v.id: (v.cluster, v.canonical) for v in scan.verdicts})
    multi = {members: c for members, c in scanned.items() if len(members) > 1}
    threshold = DedupeConfig().similarity_threshold
    border = {v.id for v in scan.verdicts if v.similarity is not None and abs(v.similarity - threshold) <= 0.02}
    for size in args.batches:
        with tempfile.TemporaryDirectory() as folder, Index(Path(folder) / "i.db") as index:
            verdicts = {}
            for start in range(0, len(articles), size):
                batch = articles[start:start + size]
                newest = max((a.published for a in batch if a.published), default=None)
                for v in index.add(batch, now=newest).verdicts:
                    verdicts[v.id] = v
            # Where every article stands at the end: add them all again (all known).
            final = {v.id: (v.cluster, v.canonical) for v in index.add(articles).verdicts}
        indexed = stories_of(final)
        differing = [m for m, c in multi.items() if indexed.get(m) != c]
        on_border = sum(1 for m in differing if m & border)
        console.print(f"{len(articles):,} articles ({args.order}) in batches of {size:,}: {len(differing)} of {len(multi)} "
                      f"multi-version stories differ ({sum(len(m) for m in differing)} articles); "
                      f"{on_border} of them hold a pair within 0.02 of the cosine threshold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
