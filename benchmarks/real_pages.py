"""Quality on real scraped reprints: the 680 web2018 pages, scored against the hand labels of
their dev half, beside the two anchors a news team could pick up today.

    python benchmarks/real_pages.py [--data ../shared/data]

All pages are deduplicated together; only the labelled (dev) pages are scored, as the labels ask.
dedupe runs twice: with its defaults (the core cleaning rules and the boilerplate it learns from
the pages) and with the site profile ``data/sites.toml`` (the phrases of a few of these sites).
These are the labels the rules were developed on: a tuning-set figure. The TF-IDF anchor's
threshold is the one that scores best on these very labels, so it is an upper bound for that
method, not a fair competitor.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import anchors  # noqa: E402
from benchmarks.metrics import pairwise  # noqa: E402
from dedupe import DedupeConfig, find_duplicates  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
SITE_PROFILE = ROOT / "data" / "sites.toml"
TFIDF_SWEEP = tuple(round(0.3 + 0.05 * k, 2) for k in range(14))  # 0.30 … 0.95


def load(data: Path) -> tuple[list[dict], dict[str, str]] | None:
    """The web2018 pages and the story of each dev page, or ``None`` when the files are absent."""
    pages, labels = data / "web2018" / "articles.jsonl", data / "web2018" / "labels-dev.json"
    if not (pages.is_file() and labels.is_file()):
        return None
    rows = [json.loads(line) for line in pages.open(encoding="utf-8")]
    return rows, json.loads(labels.read_text(encoding="utf-8"))["clusters"]


def evaluate(rows: list[dict], truth: dict[str, str]) -> dict:
    """dedupe and the anchors on the pages: scores on the dev half, and the largest stories."""
    ids = [r["id"] for r in rows]
    texts = [r["text"] for r in rows]
    scored = sorted(truth)

    def score(predicted: dict[str, str]) -> dict[str, float]:
        return pairwise([truth[i] for i in scored], [predicted[i] for i in scored])

    # As `dedupe scan articles.jsonl` reads them: headline as title, publisher as source.
    pages = [{"id": r["id"], "title": r["headline"], "text": r["text"], "source": r["publisher"]} for r in rows]
    result = find_duplicates(pages)
    profiled = find_duplicates(pages, DedupeConfig(site_profile=SITE_PROFILE))
    rows_out = [{"method": "dedupe (defaults: no site profile)", **score({v.id: v.cluster for v in result.verdicts})},
                {"method": "dedupe with the site profile data/sites.toml",
                 **score({v.id: v.cluster for v in profiled.verdicts})}]
    news = anchors.news_copy(texts)
    rows_out.append({"method": "NEWS-COPY bigrams, 256 perm, LSH 0.45",
                     **score({i: str(c) for i, c in zip(ids, news)})})
    sweep = {t: score({i: str(c) for i, c in zip(ids, anchors.tfidf_all_pairs(texts, t))}) for t in TFIDF_SWEEP}
    best = max(sweep, key=lambda t: sweep[t]["ari"])
    rows_out.append({"method": f"TF-IDF cosine all pairs ≥ {best} (best on these labels)", **sweep[best]})
    top = [{"size": len(story), "source": story.canonical.article.source, "title": story.headline, "id": story.id,
            "roles": Counter(m.role.value for m in story.members[1:])} for story in result.clusters[:10]]
    return {"pages": len(rows), "labelled": len(scored), "rows": rows_out, "top": top, "summary": result.summary}


def table(report: dict) -> Table:
    out = Table(title=f"Real pages: web2018, {report['labelled']} labelled of {report['pages']}",
                title_justify="left")
    for column in ("method", "ARI", "precision", "recall", "F1"):
        out.add_column(column, justify="left" if column == "method" else "right")
    for r in report["rows"]:
        out.add_row(r["method"], f"{r['ari']:.4f}", f"{r['precision']:.4f}", f"{r['recall']:.4f}", f"{r['f1']:.4f}")
    return out


def markdown(report: dict) -> list[str]:
    """The section of ``benchmarks/results/quality.md``."""
    lines = ["## Real pages: web2018 (dev labels)", "",
             f"{report['pages']} scraped pages deduplicated together; the {report['labelled']} pages of the dev "
             "half scored against their hand labels. Command: `python benchmarks/real_pages.py`. These are the "
             "labels the cleaning rules and guards were developed on: read the figures as a tuning-set figure "
             "(the held-back half of the labels is scored by the project's owners).", "",
             "| method | ARI | precision | recall | F1 |", "|---|---|---|---|---|"]
    lines += [f"| {r['method']} | {r['ari']:.4f} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} |"
              for r in report["rows"]]
    lines += ["", "The ten largest stories, as an editor sees them:", "",
              "| versions | canonical source | story headline (story id) | other roles |", "|---|---|---|---|"]
    for story in report["top"]:
        roles = ", ".join(f"{n} {role}" for role, n in sorted(story["roles"].items()))
        lines.append(f"| {story['size']} | {_cell(story['source'])} | {_cell(story['title'])} (`{story['id']}`) | {roles} |")
    return lines


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "/").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding web2018/")
    args = parser.parse_args(argv)
    console = Console()
    loaded = load(args.data)
    if loaded is None:
        console.print(f"[red]web2018 not found under {args.data}[/]: pass --data, the folder that holds "
                      "web2018/articles.jsonl and web2018/labels-dev.json")
        return 2
    report = evaluate(*loaded)
    console.print(table(report))
    for line in markdown(report)[-12:]:
        console.print(line, markup=False, highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
