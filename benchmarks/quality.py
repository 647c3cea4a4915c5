"""Quality benchmark: dedupe and three anchors on a labelled syndication set built from real
Reuters wire stories, then on real scraped reprints from the web with their hand labels
(benchmarks/real_pages.py).

    python benchmarks/quality.py [--data ../shared/data] [--split test|tune]

See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import re
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import anchors  # noqa: E402
from benchmarks import real_pages  # noqa: E402
from benchmarks.editors import editor_scores, editor_set  # noqa: E402
from benchmarks.metrics import (canonical_accuracy, original_canonical, pairwise, ratio, role_accuracy,  # noqa: E402
                                template_merges, truncated_recall)
from benchmarks.syndication import KINDS, Labelled, expected_story, make_copies, pool_paragraphs, split_story  # noqa: E402
from dedupe import Article, find_duplicates  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
TFIDF_THRESHOLD = 0.85  # the all-pairs anchor's best F1 on the tune half (see --sweep-tfidf)
_FIGURE = re.compile(r"\d+(?:[.,/-]\d+)*")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding reuters21578/ and web2018/")
    parser.add_argument("--split", choices=("test", "tune"), default="test",
                        help="which half of the sources to build the set from (tune on one, report the other)")
    parser.add_argument("--seed", type=int, default=1987)
    parser.add_argument("--no-anchors", action="store_true", help="run dedupe only")
    parser.add_argument("--sweep-tfidf", action="store_true", help="print the TF-IDF anchor's F1 by threshold")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "quality.md")
    args = parser.parse_args(argv)
    console = Console()

    reuters = reuters_file(args.data, console)
    if reuters is None:
        return 2
    corpus, labels, templates, stats = build_set(reuters, args.split, args.seed)
    console.print(f"{args.split} half: {stats['sources']} source stories, {stats['copies']} copies, "
                  f"{stats['others']} other Reuters stories ({len(templates)} templated); "
                  f"{len(corpus)} articles")

    truth = {label.id: label.cluster for label in labels}
    ids = [a.id for a in corpus]
    texts = [a.text for a in corpus]
    figures = {a.id: frozenset(_FIGURE.findall(a.text)) for a in corpus if a.id in templates}
    rows = []

    start = time.perf_counter()
    result = find_duplicates(corpus)
    elapsed = time.perf_counter() - start
    predicted = {v.id: v.cluster for v in result.verdicts}
    roles = {v.id: v.role.value for v in result.verdicts}
    canonicals = {v.id: v.canonical for v in result.verdicts}
    rows.append(_row("dedupe (defaults)", ids, truth, predicted, labels, templates, figures, elapsed,
                     roles=roles, canonicals=canonicals))

    if not args.no_anchors:
        for name, method in (("datasketch 5-gram, 128 perm, LSH 0.5", anchors.datasketch_plain),
                             ("NEWS-COPY bigrams, 256 perm, LSH 0.45", anchors.news_copy),
                             (f"TF-IDF cosine all pairs ≥ {TFIDF_THRESHOLD}",
                              lambda t: anchors.tfidf_all_pairs(t, TFIDF_THRESHOLD))):
            start = time.perf_counter()
            clusters = method(texts)
            elapsed = time.perf_counter() - start
            rows.append(_row(name, ids, truth, {i: str(c) for i, c in zip(ids, clusters)}, labels, templates,
                             figures, elapsed))
        # The anchors above get the raw text, where dedupe cleans it: the same MinHash pipeline on
        # the text dedupe's cleaning leaves, so that the gap is not all cleaning.
        from dedupe.clean import clean_article
        start = time.perf_counter()
        cleaned = [clean_article(a.text, a.title) for a in corpus]
        clusters = anchors.datasketch_plain(cleaned)
        elapsed = time.perf_counter() - start
        rows.append(_row("datasketch 5-gram, 128 perm, LSH 0.5, on dedupe's cleaned text", ids, truth,
                         {i: str(c) for i, c in zip(ids, clusters)}, labels, templates, figures, elapsed))
    if args.sweep_tfidf:
        for threshold in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98):
            clusters = anchors.tfidf_all_pairs(texts, threshold)
            scores = pairwise([truth[i] for i in ids], [str(c) for c in clusters])
            console.print(f"TF-IDF ≥ {threshold}: F1 {scores['f1']:.4f}  ARI {scores['ari']:.4f}")

    console.print(_table(rows, args.split))
    editors = run_editor_set(corpus, labels, args.seed)
    console.print(f"Editor's set: original canonical {editors['original_canonical']:.4f} of {editors['stories']} "
                  f"stories with copies; duplicates called duplicate {editors['duplicate_role']:.4f} of "
                  f"{editors['duplicates']}; F1 {editors['f1']:.4f}")
    loaded = real_pages.load(args.data)
    web = real_pages.evaluate(*loaded) if loaded else None
    if web:
        console.print(real_pages.table(web))
    _write(args.out, rows, stats, args, web, result, editors)
    console.print(f"[dim]wrote {args.out}[/]")
    return 0


def run_editor_set(corpus: list[Article], labels: list[Labelled], seed: int) -> dict:
    """dedupe on the editor's set made from this set (:mod:`benchmarks.editors`): canonicals and
    duplicates, and pairwise F1."""
    articles, relabelled = editor_set(corpus, labels, seed)
    start = time.perf_counter()
    result = find_duplicates(articles)
    elapsed = time.perf_counter() - start
    roles = {v.id: v.role.value for v in result.verdicts}
    scores = editor_scores(relabelled, roles, {v.id: v.canonical for v in result.verdicts})
    truth = {label.id: label.cluster for label in relabelled}
    predicted = {v.id: v.cluster for v in result.verdicts}
    ids = [a.id for a in articles]
    return {**scores, **pairwise([truth[i] for i in ids], [predicted[i] for i in ids]), "seconds": elapsed}


def reuters_file(data: Path, console: Console) -> Path | None:
    """``data``'s Reuters-21578 JSONL, or ``None`` after saying where it was looked for."""
    reuters = data / "reuters21578" / "articles.jsonl"
    if reuters.is_file():
        return reuters
    console.print(f"[red]Reuters-21578 not found at {reuters}[/]: pass --data, the folder that holds "
                  "reuters21578/articles.jsonl (see ../shared/data/README.md)")
    return None


def build_set(path: Path, split: str, seed: int):
    """The half ``split`` of the labelled syndication set made from Reuters-21578 at ``path``."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    rows = [r for r in rows if r.get("text")]
    rng = random.Random(seed)
    templated = {r["id"] for r in rows if _templated(r)}
    ambiguous = _look_alikes(rows) - templated
    rows = [r for r in rows if r["id"] not in ambiguous]
    stories = {r["id"]: split_story(r["id"], r["title"], r["text"], _date(r["date"])) for r in rows}
    eligible = [r["id"] for r in rows if r["id"] not in templated and not r["dup_group"]
                and len(stories[r["id"]].paragraphs) >= 3 and len(r["text"].split()) >= 80]
    rng.shuffle(eligible)
    pool_ids, source_ids = eligible[:600], eligible[600:]
    pool = pool_paragraphs(stories[i] for i in pool_ids)
    rng.shuffle(pool)
    in_half = {r["id"] for r in rows if _half(r["dup_group"] or r["id"], seed) == split}
    excluded = set(pool_ids)

    corpus: list[Article] = []
    labels: list[Labelled] = []
    stats = Counter()
    by_id = {r["id"]: r for r in rows}
    for source_id in source_ids:
        if source_id not in in_half:
            continue
        story = stories[source_id]
        copies = make_copies(story, pool, random.Random(f"{seed}:{source_id}"))
        row = by_id[source_id]
        corpus.append(Article(source_id, row["text"], title=row["title"], source="Reuters", published=story.published))
        corpus.extend(Article(c.id, c.text, title=c.title, source=c.outlet, published=c.published) for c in copies)
        labels.extend(expected_story(story, copies))
        stats["sources"] += 1
        stats["copies"] += len(copies)
        stats.update(f"kind:{c.kind}" for c in copies)
    sources = set(source_ids)
    for row in rows:
        if row["id"] in in_half and row["id"] not in sources and row["id"] not in excluded:
            corpus.append(Article(row["id"], row["text"], title=row["title"], source="Reuters",
                                  published=_date(row["date"])))
            labels.append(Labelled(row["id"], row["dup_group"] or row["id"], "unique", row["id"], "single"))
            stats["others"] += 1
    templates = {r["id"] for r in rows if r["id"] in templated and r["id"] in in_half}
    return corpus, labels, templates, stats


def _look_alikes(rows: list[dict], threshold: float = 0.6) -> set[str]:
    """Reuters stories with a look-alike among the others (TF-IDF cosine at or above
    ``threshold``, exact re-sends aside). Nothing labels whether such a pair is two versions of one
    story or two stories on one template, so they serve neither as sources nor as negatives; the
    stories templated by their form are kept whatever their look-alikes."""
    matrix = TfidfVectorizer().fit_transform([r["text"] for r in rows]).tocsr()
    found = set()
    for start in range(0, len(rows), 2000):
        block = (matrix[start:start + 2000] @ matrix.T).tocoo()
        keep = (block.data >= threshold) & (block.row + start < block.col)
        for i, j in zip(block.row[keep] + start, block.col[keep]):
            if not (rows[i]["dup_group"] and rows[i]["dup_group"] == rows[j]["dup_group"]):
                found.update((rows[i]["id"], rows[j]["id"]))
    return found


def _templated(row: dict) -> bool:
    text = row["text"]
    return ("earn" in row["topics"] or len(re.findall(r"\bvs\b", text)) >= 2
            or bool(re.search(r"\b(?:qtly|quarterly) div", text, re.IGNORECASE)))


def _half(key: str, seed: int) -> str:
    digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=2).digest()
    return "tune" if digest[0] % 2 == 0 else "test"


def _date(value: str) -> datetime | None:
    try:
        return datetime.strptime(value.strip().split(".")[0], "%d-%b-%Y %H:%M:%S")
    except ValueError:
        return None


def _row(name, ids, truth, predicted, labels, templates, figures, elapsed, roles=None, canonicals=None) -> dict:
    scores = pairwise([truth[i] for i in ids], [predicted[i] for i in ids])
    buckets = truncated_recall(labels, predicted)
    kept = [v for b, v in buckets.items() if b[0] >= 0.25]
    row = {"method": name, **scores, "seconds": elapsed,
           "truncated_recall": ratio(sum(f for f, _ in kept), sum(t for _, t in kept)),
           "buckets": {f"{lo:.0%}–{hi:.0%}": ratio(*v) for (lo, hi), v in buckets.items()},
           "template_merges": template_merges(sorted(templates), figures, predicted)}
    if roles is not None:
        row["role_accuracy"] = ratio(*role_accuracy(labels, roles))
        row["canonical_accuracy"] = ratio(*canonical_accuracy(labels, canonicals))
        row["original_canonical"] = ratio(*original_canonical(labels, canonicals))
    return row


def _table(rows: list[dict], split: str) -> Table:
    table = Table(title=f"Reuters syndication set ({split} half)", title_justify="left")
    for column in ("method", "precision", "recall", "F1", "ARI", "truncated ≥25%", "roles", "canonicals",
                   "original canonical", "template merges", "seconds"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for r in rows:
        table.add_row(r["method"], f"{r['precision']:.4f}", f"{r['recall']:.4f}", f"{r['f1']:.4f}", f"{r['ari']:.4f}",
                      f"{r['truncated_recall']:.4f}", _fmt(r.get("role_accuracy")), _fmt(r.get("canonical_accuracy")),
                      _fmt(r.get("original_canonical")), str(r["template_merges"]), f"{r['seconds']:.1f}")
    return table


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.4f}"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _write(out: Path, rows: list[dict], stats: Counter, args, web: dict | None, result, editors: dict) -> None:
    kinds = ", ".join(f"{kind} {stats['kind:' + kind]}" for kind in KINDS)
    lines = [f"# Quality benchmark ({datetime.now(timezone.utc):%Y-%m-%d})", "",
             f"Machine: {_machine()}. Versions: dedupe {version('wire-dedupe')}, datasketch {version('datasketch')}, "
             f"scikit-learn {version('scikit-learn')}.", "",
             f"Command: `python benchmarks/quality.py --split {args.split} --seed {args.seed}`", "",
             f"## Reuters syndication set ({args.split} half)", "",
             f"{stats['sources']} Reuters source stories, {stats['copies']} generated copies "
             f"({kinds}), and {stats['others']} other Reuters "
             "stories (templated ones among them) as they are.", "",
             "| method | precision | recall | F1 | ARI | truncated ≥25% | roles | canonicals | original canonical "
             "| template merges | seconds |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {r['ari']:.4f} | "
                     f"{r['truncated_recall']:.4f} | {_fmt(r.get('role_accuracy'))} | {_fmt(r.get('canonical_accuracy'))} "
                     f"| {_fmt(r.get('original_canonical'))} | {r['template_merges']} | {r['seconds']:.1f} |")
    lines += ["", "Recall of copies cut short, by the share of the source they keep:", "",
              "| method | " + " | ".join(rows[0]["buckets"]) + " |", "|---" * (len(rows[0]["buckets"]) + 1) + "|"]
    for r in rows:
        lines.append(f"| {r['method']} | " + " | ".join(f"{v:.4f}" for v in r["buckets"].values()) + " |")
    lines += ["", "dedupe stage times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items())]
    lines += ["", f"## The editor's set ({args.split} half)", "",
              "The same stories and copies with no publication times, ids that are hashes, page furniture at the "
              "top of half the copies and \"said on <day>\" in half the duplicates (`benchmarks/editors.py`).", "",
              "| original canonical (stories with copies) | duplicates called duplicate | F1 | ARI | seconds |",
              "|---|---|---|---|---|",
              f"| {editors['original_canonical']:.4f} ({editors['stories']}) | {editors['duplicate_role']:.4f} "
              f"({editors['duplicates']}) | {editors['f1']:.4f} | {editors['ari']:.4f} | {editors['seconds']:.1f} |"]
    if web:
        lines += [""] + real_pages.markdown(web)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
