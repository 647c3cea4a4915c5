"""The Spark job in local mode gives the stories, canonicals, roles and scores of ``dedupe scan``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dedupe import Article, find_duplicates, read_articles

from conftest import ROOT, SAMPLE, SHARED, module, unavailable

pyspark = module("pyspark")

COMPARED = ("cluster", "role", "canonical", "similarity", "coverage", "canonical_coverage", "missing", "headline")


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        unavailable("Spark needs Java (a JDK 17), which this machine lacks")
    from pyspark.sql import SparkSession
    # Workers run this interpreter, and find the package even when it is not installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    session = SparkSession.builder.master("local[2]").appName("wire-dedupe tests") \
        .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false") \
        .config("spark.ui.showConsoleProgress", "false").getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def frame(spark, articles: list[Article]):
    rows = [{"id": a.id, "text": a.text, "title": a.title, "source": a.source, "url": a.url,
             "published": a.published.isoformat() if a.published else None} for a in articles]
    return spark.createDataFrame(rows, "id string, text string, title string, source string, url string, "
                                       "published string")


def same_as_scan(records: dict[str, dict], articles: list[Article]) -> None:
    scan = {v.id: v.to_record() for v in find_duplicates(articles).verdicts}
    assert sorted(records) == sorted(scan)
    differ = {i: {k: (scan[i][k], records[i][k]) for k in COMPARED if records[i][k] != scan[i][k]}
              for i in scan if any(records[i][k] != scan[i][k] for k in COMPARED)}
    assert differ == {}


def test_the_sample_gives_what_a_scan_gives(spark) -> None:
    from dedupe.spark import deduplicate
    articles = read_articles([SAMPLE]).articles
    records = {r["id"]: r.asDict() for r in deduplicate(frame(spark, articles)).collect()}
    same_as_scan(records, articles)


def test_buckets_and_partitions_do_not_change_the_stories(spark, monkeypatch) -> None:
    import dedupe.spark
    import dedupe.spark.cleaning
    import dedupe.spark.frames
    # Buckets of a few rows put each stage's groups in many calls, and the input comes in
    # several partitions in another order: the stories must not notice.
    monkeypatch.setattr(dedupe.spark.frames, "BUCKET_ROWS", 2)
    monkeypatch.setattr(dedupe.spark, "_PAIR_BUCKET_ROWS", 2)
    monkeypatch.setattr(dedupe.spark, "_KEY_BUCKET_ROWS", 2)
    made = []

    def counted(frame, *args, **kwargs):
        bucketed = dedupe.spark.frames.bucketed(frame, *args, **kwargs)
        made.append(bucketed.rdd.getNumPartitions())
        return bucketed

    monkeypatch.setattr(dedupe.spark, "bucketed", counted)
    monkeypatch.setattr(dedupe.spark.cleaning, "bucketed", counted)
    articles = read_articles([SAMPLE]).articles
    shuffled = frame(spark, articles[::-1]).repartition(3)
    records = {r["id"]: r.asDict() for r in dedupe.spark.deduplicate(shuffled).collect()}
    same_as_scan(records, articles)
    # Every bucketed stage (sampled lines, pairs, digest items, story members and pairs) made
    # more buckets than the two cores would give.
    assert len(made) == 5 and min(made) >= 3, made
    assert {r["published"] for r in records.values()} == \
        {v.to_record()["published"] for v in find_duplicates(articles).verdicts}


def test_three_thousand_generated_articles_give_what_a_scan_gives(spark, tmp_path: Path) -> None:
    from benchmarks.speed import corpus_file
    from dedupe.spark import deduplicate
    reuters = SHARED / "data" / "reuters21578" / "articles.jsonl"
    if not reuters.is_file():
        unavailable(f"the Reuters stories are not here ({reuters}); CI has ../shared")
    # Reuters stories and their generated copies, as the speed benchmark makes them.
    articles = read_articles([corpus_file(reuters, 3000, tmp_path)]).articles
    records = {r["id"]: r.asDict() for r in deduplicate(frame(spark, articles)).collect()}
    same_as_scan(records, articles)
    assert sum(r["role"] != "unique" for r in records.values()) > 300  # many stories, not a trivial set


def test_the_command_reads_jsonl_and_writes_jsonl_with_the_columns_of_a_scan(tmp_path: Path) -> None:
    source = tmp_path / "articles.jsonl"
    articles = read_articles([SAMPLE]).articles
    source.write_text("".join(json.dumps({"id": a.id, "text": a.text, "title": a.title, "source": a.source,
                                          "url": a.url, "published": a.published.isoformat() if a.published else None})
                              + "\n" for a in articles) + "".join(json.dumps(row) + "\n" for row in [
                                  {"id": "blank", "text": "  "}, {"text": "An article without an id."},
                                  {"id": articles[0].id, "text": "zzz a later row with a repeated id"}]))
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "dedupe", "spark", "scan", str(source), "-o", str(tmp_path / "out"),
                           "--format", "jsonl", "--master", "local[2]"], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"wrote {len(articles)} records" in done.stdout
    assert "input rows left out, without an id or text, or repeating an id: 3" in done.stderr  # said
    records = [json.loads(line) for part in sorted((tmp_path / "out").glob("part-*.json"))
               for line in part.read_text().splitlines()]
    from dedupe.results import COLUMNS
    assert all(set(r) <= set(COLUMNS) for r in records) and len(records) == len(articles)
    scan = {v.id: v.to_record() for v in find_duplicates(articles).verdicts}
    assert {r["id"]: (r["cluster"], r["role"]) for r in records} == {i: (s["cluster"], s["role"]) for i, s in scan.items()}


def test_a_standalone_cluster_of_two_workers_gives_what_a_scan_gives(tmp_path: Path) -> None:
    """The job against a real spark:// master with two workers, started from the pyspark
    distribution and stopped by their PIDs: the same stories, canonicals, roles and scores."""
    if shutil.which("java") is None:
        unavailable("Spark needs Java (a JDK 17), which this machine lacks")
    from dedupe.spark.standalone import StandaloneCluster
    source = tmp_path / "articles.jsonl"
    articles = read_articles([SAMPLE]).articles
    source.write_text("".join(json.dumps({"id": a.id, "text": a.text, "title": a.title, "source": a.source,
                                          "url": a.url, "published": a.published.isoformat() if a.published else None})
                              + "\n" for a in articles))
    with StandaloneCluster(workers=2, cores=1, memory="1g") as cluster:
        pids = cluster.pids
        assert len(pids) == 3
        env = {**cluster.env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        done = subprocess.run([sys.executable, "-m", "dedupe", "spark", "scan", str(source), "-o",
                               str(tmp_path / "out"), "--format", "jsonl", "--master", cluster.url],
                              capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:] + cluster.logs()
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{cluster.ui_port}/json/") as answer:
            state = json.load(answer)
        # The job ran as an application of this master, on its two workers.
        assert len(state["completedapps"]) == 1 and state["aliveworkers"] == 2
    for pid in pids:  # stopped
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    records = {r["id"]: r for part in sorted((tmp_path / "out").glob("part-*.json"))
               for r in map(json.loads, part.read_text().splitlines())}
    records = {i: {k: r.get(k) for k in COMPARED} for i, r in records.items()}
    same_as_scan(records, articles)


def test_the_core_never_imports_pyspark() -> None:
    code = "import sys, dedupe, dedupe.cli; print('pyspark' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout.strip() == "False"


@pytest.mark.parametrize("gather_limit", [0, 10_000], ids=["inside Spark", "gathered on the driver"])
def test_components_match_scipy(spark, gather_limit: int) -> None:
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components as scipy_components

    from dedupe.spark.components import connected_components
    rng = np.random.default_rng(3)
    # A long chain (many rounds), stars, random edges among 300 nodes, a self-loop and a repeat.
    edges = [(i, i + 1) for i in range(0, 60)] + [(100, j) for j in range(101, 130)] + \
        [tuple(int(v) for v in rng.integers(150, 300, 2)) for _ in range(120)] + [(5, 5), (61, 60)]
    # Node numbers far apart and out of order, as the job's are.
    names = rng.permutation(300) * 2**33 + 7
    frame = spark.createDataFrame([(int(names[a]), int(names[b])) for a, b in edges], "src long, dst long")
    got = {r.id: r.component for r in connected_components(frame, gather_limit=gather_limit).collect()}
    a, b = np.array(edges).T
    _, labels = scipy_components(sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(300, 300)), directed=False)
    nodes = {n for edge in edges for n in edge if edge[0] != edge[1]}
    smallest = {}
    for n in nodes:
        smallest[labels[n]] = min(smallest.get(labels[n], names[n]), names[n])
    assert got == {int(names[n]): int(smallest[labels[n]]) for n in nodes}


def test_no_edges_give_no_components(spark) -> None:
    from dedupe.spark.components import connected_components
    empty = spark.createDataFrame([], "src long, dst long")
    assert connected_components(empty).collect() == []


def test_document_frequencies_give_scikit_learns_weights(spark) -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    from dedupe.clean import clean_corpus
    from dedupe.sketch import sketch
    from dedupe.spark import _idf
    from dedupe.verify import word_columns
    articles = read_articles([SAMPLE]).articles
    matrix = word_columns(sketch(clean_corpus([a.text for a in articles], [a.title for a in articles]).tokens))
    # Partial counts of each column, in two parts, as the job makes them.
    half = matrix.indptr[len(articles) // 2]
    rows = [(None, 2, int(c), int(n)) for part in (matrix.indices[:half], matrix.indices[half:])
            for c, n in zip(*np.unique(part, return_counts=True))]
    keys = spark.createDataFrame(rows, "id string, kind byte, value long, count int")
    expected = TfidfTransformer(sublinear_tf=True).fit(matrix).idf_
    assert np.allclose(_idf(keys, len(articles))[matrix.indices], expected[matrix.indices])
