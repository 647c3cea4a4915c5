"""The ingestion index on real files and real processes: SQLite files, and a Redis server that
the tests start themselves."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedupe import Article, DedupeConfig, Index, IndexStoreError, Role, find_duplicates
from dedupe.article import timestamp
from dedupe.index import parse_duration
from dedupe.errors import ConfigError, IndexWriteError

from conftest import ROOT, unavailable
from test_quality_slice import build_slice

CORPUS, _ = build_slice(0)
NOW = datetime(2025, 8, 1, tzinfo=timezone.utc)


def stories(placements: dict[str, tuple[str, str]]) -> tuple[set[frozenset[str]], dict[str, str]]:
    """Partition into stories (ignoring their names) and each article's canonical."""
    groups: dict[str, set[str]] = {}
    for article, (story, _) in placements.items():
        groups.setdefault(story, set()).add(article)
    return {frozenset(g) for g in groups.values()}, {a: canonical for a, (_, canonical) in placements.items()}


def scanned(articles: list[Article]) -> tuple[set[frozenset[str]], dict[str, str]]:
    return stories({v.id: (v.cluster, v.canonical) for v in find_duplicates(articles).verdicts})


def indexed(index: Index, articles: list[Article]) -> tuple[set[frozenset[str]], dict[str, str]]:
    """What the index holds now, read back by adding every article again (all known)."""
    verdicts = index.add(articles, now=NOW).verdicts
    assert all(v.known for v in verdicts)
    return stories({v.id: (v.cluster, v.canonical) for v in verdicts})


def many_stories(copies: int) -> list[Article]:
    """Several seeds of the quality slice, each article under an id of its own and a minute later
    than in the seed before: equally complete versions are told apart by their dates, where an
    index (by arrival) and a scan (by id) would break a tie differently."""
    articles = []
    for seed in range(copies):
        corpus, _ = build_slice(seed)
        articles += [replace(a, id=f"s{seed}-{a.id}",
                             published=a.published + timedelta(minutes=seed) if a.published else None)
                     for a in corpus]
    return articles


def write_jsonl(articles: list[Article], path: Path) -> Path:
    path.write_bytes(b"".join(orjson.dumps({"id": a.id, "title": a.title, "text": a.text, "source": a.source,
                                            "published": a.published.isoformat() if a.published else None})
                              + b"\n" for a in articles))
    return path


# -- what an add decides --------------------------------------------------------------------------


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(CORPUS))), cuts=st.lists(st.integers(1, len(CORPUS) - 1), max_size=8))
def test_batches_of_any_size_and_order_give_the_stories_of_one_scan(tmp_path_factory, order, cuts) -> None:
    articles = [CORPUS[i] for i in order]
    bounds = [0, *sorted(set(cuts)), len(articles)]
    with Index(tmp_path_factory.mktemp("index") / "news.db") as index:
        for start, end in zip(bounds, bounds[1:]):
            index.add(articles[start:end], now=NOW)
        assert indexed(index, CORPUS) == scanned(CORPUS)


def test_article_by_article_gives_the_stories_of_one_scan(tmp_path: Path) -> None:
    with Index(tmp_path / "news.db") as index:
        # Newest first: copies arrive before the wire story they copy.
        for article in sorted(CORPUS, key=lambda a: timestamp(a.published or NOW), reverse=True):
            index.add([article], now=NOW)
        assert indexed(index, CORPUS) == scanned(CORPUS)


def test_a_fuller_version_becomes_canonical_and_the_story_keeps_its_name(tmp_path: Path) -> None:
    story = ("The port operator said on Monday it had opened a fourth container terminal at Jebel Ali, "
             "doubling the capacity for ships arriving at night. ") * 2
    more = "The terminal was built over three years by a consortium of local and foreign contractors."
    with Index(tmp_path / "news.db") as index:
        first = index.add([{"id": "cut", "text": "DUBAI (WAM) -- " + story}], now=NOW).verdicts[0]
        assert (first.role, first.cluster, first.replaced) == (Role.UNIQUE, "cut", None)
        full = index.add([{"id": "full", "text": story + more, "published": "2025-07-30T10:00:00Z"}],
                         now=NOW).verdicts[0]
        assert (full.role, full.cluster, full.canonical, full.replaced) == (Role.CANONICAL, "cut", "full", "cut")
        # The same text, published later: the earlier version stays canonical.
        copy = index.add([{"id": "copy", "text": story + more + "\nRead more: business news",
                           "published": "2025-07-30T12:00:00Z"}], now=NOW).verdicts[0]
        assert (copy.role, copy.cluster, copy.canonical, copy.replaced) == (Role.DUPLICATE, "cut", "full", None)
        shown = index.story("cut")
        assert [(v.id, v.role) for v in shown.members] == [
            ("full", Role.CANONICAL), ("copy", Role.DUPLICATE), ("cut", Role.TRUNCATED)]
        assert shown.members[2].missing == "end"


def test_stored_originals_stay_canonical_when_undated_copies_arrive_later(tmp_path: Path) -> None:
    # Agency originals first; outlets' copies later: a headline of their own, a share line and a
    # footer, the last paragraph dropped, and no dates at all.
    originals = [read_body(path) for path in sorted((ROOT / "data" / "sample").glob("wire-*.txt"))]
    originals = [text for text in originals if len(text.split("\n\n")) >= 3]
    assert len(originals) >= 3
    copies = []
    for k, text in enumerate(originals):
        paragraphs = text.split("\n\n")
        copies.append({"id": f"outlet-{k}", "title": f"Outlet headline {k}",
                       "text": "Share this article\n" + "\n\n".join(paragraphs[:-1])
                               + "\nFollow us on Twitter for more news from the Gulf"})
        copies.append({"id": f"another-{k}", "title": f"Another headline {k}",
                       "text": "\n\n".join(paragraphs) + "\nSign up for our daily newsletter"})
    with Index(tmp_path / "news.db") as index:
        index.add([{"id": f"zz-wire-{k}", "text": text} for k, text in enumerate(originals)], now=NOW)
        added = index.add(copies, now=NOW + timedelta(hours=1))
    for k in range(len(originals)):
        by_id = {v.id: v for v in added.verdicts}
        # "zz-" sorts last: ids do not decide, arrival does.
        assert by_id[f"outlet-{k}"].canonical == f"zz-wire-{k}"
        assert by_id[f"outlet-{k}"].role is Role.TRUNCATED
        assert by_id[f"another-{k}"].canonical == f"zz-wire-{k}" and by_id[f"another-{k}"].role is Role.DUPLICATE


def read_body(path: Path) -> str:
    """A sample file's body, without its header block."""
    return path.read_text(encoding="utf-8").split("\n\n", 1)[1].strip()


def test_the_same_scores_as_a_scan(tmp_path: Path) -> None:
    with Index(tmp_path / "news.db") as index:
        ours = {v.id: v for v in index.add(CORPUS, now=NOW)}
    for v in find_duplicates(CORPUS).verdicts:
        assert (ours[v.id].role, ours[v.id].canonical, ours[v.id].similarity, ours[v.id].canonical_coverage) == \
            (v.role, v.canonical, v.similarity, v.canonical_coverage)


def test_known_ids_are_left_alone_and_bad_records_rejected(tmp_path: Path) -> None:
    with Index(tmp_path / "news.db") as index:
        index.add([{"id": "a", "text": "One story about the rain in the hills this week and its floods."}], now=NOW)
        added = index.add([{"id": "a", "text": "Another text."}, {"id": "b"}, {"id": "c", "text": "Fine."},
                           {"id": "c", "text": "Again."}], now=NOW)
    assert [(v.id, v.known) for v in added] == [("a", True), ("c", False)]
    assert added.verdicts[0].article.text.startswith("One story")
    assert [r.reason for r in added.rejects] == ["record 2: no text: expected a 'text', 'body' or 'content' field",
                                                 "duplicate id 'c', first seen at <input>:3"]


def test_an_outlet_footer_is_learnt_across_adds_of_one_article_each(tmp_path: Path) -> None:
    # Five stories, each from the wire and from an outlet that signs off with a short footer, too
    # short to link the outlet's copies as candidates. Only once the footer is known as
    # boilerplate are the outlet's copies duplicates of the wire's; before that they read as
    # fuller versions, canonical, with the wire's copies marked truncated.
    from test_quality_slice import POOL
    paragraphs = [p.strip() for p in POOL if p.strip()]
    footer = "Lakeside Journal, the paper of the lake towns."
    articles = []
    for i in range(5):
        body = "\n\n".join(paragraphs[2 * i:2 * i + 2])
        articles.append(Article(f"wire-{i}", body, source="Wire Daily", published=NOW - timedelta(days=1)))
        articles.append(Article(f"lakeside-{i}", f"{body}\n\n{footer}", source="Lakeside Journal",
                                published=NOW - timedelta(days=2)))
    config = DedupeConfig(source_priority=("Wire Daily",))
    scan = find_duplicates(articles, config)
    assert scan.boilerplate_lines == 1
    assert {v.id: v.canonical for v in scan.verdicts} == {a.id: f"wire-{a.id[-1]}" for a in articles}
    with Index(tmp_path / "news.db", config=config) as index:
        for article in articles:
            index.add([article], now=NOW)
        assert index.stats()["boilerplate_lines"] == 1
        assert {v.id: (v.canonical, v.role) for v in index.add(articles, now=NOW)} == \
            {v.id: (v.canonical, v.role) for v in scan.verdicts}
        # Once no stored article holds the footer, it is forgotten.
        assert index.prune("36h", now=NOW) == 5
        assert index.stats()["boilerplate_lines"] == 0


@pytest.mark.parametrize("seed", range(3))
def test_outlet_footers_are_learnt_across_batches_as_one_scan_learns_them(tmp_path: Path, seed: int) -> None:
    # Four seeds of the slice: enough copies per outlet for its footer to be learnt.
    articles = many_stories(4)
    rng = random.Random(seed)
    rng.shuffle(articles)
    bounds = [0, *sorted({rng.randrange(1, len(articles)) for _ in range(30)}), len(articles)]
    scan = find_duplicates(articles)
    assert scan.boilerplate_lines > 0
    with Index(tmp_path / "news.db") as index:
        for start, end in zip(bounds, bounds[1:]):
            index.add(articles[start:end], now=NOW)
        assert index.stats()["boilerplate_lines"] == scan.boilerplate_lines
        assert indexed(index, articles) == scanned(articles)


# -- the time window ------------------------------------------------------------------------------


def test_articles_outside_the_window_are_never_matched_and_pruned_on_demand(tmp_path: Path) -> None:
    text = ("Heavy rain flooded several roads in the northern emirates on Sunday, the police said, "
            "urging drivers to stay away from wadis until the water recedes. ")
    old = {"id": "old", "text": text, "published": "2025-07-20T08:00:00Z"}
    with Index(tmp_path / "news.db", window="3d") as index:
        assert index.add([old], now=datetime(2025, 7, 21, tzinfo=timezone.utc)).verdicts[0].role is Role.UNIQUE
        late = index.add([{"id": "late", "text": text}], now=NOW).verdicts[0]
        assert late.role is Role.UNIQUE  # "old" is 12 days older than now: outside the window
        early = index.add([{"id": "early", "text": text, "published": "2025-07-21T08:00:00Z"}], now=NOW)
        assert early.verdicts == [] and "before the index's window" in early.rejects[0].reason
        assert index.stats()["articles"] == 2
        assert index.prune(now=NOW) == 1  # the window's age by default
        assert index.stats()["articles"] == 1 and index.story("old") is None


def test_pruning_a_canonical_gives_its_story_the_best_remaining_version(tmp_path: Path) -> None:
    story = "The ministry said on Tuesday that a new desalination plant will open next year in the north. " * 2
    with Index(tmp_path / "news.db") as index:
        # The fuller version ends with a passage the others lack (more than a small edit).
        index.add([{"id": "full", "text": story + "It will serve two hundred thousand homes in the northern emirates "
                                                 "from next summer.",
                    "published": "2025-07-01T00:00:00Z"},
                   {"id": "cut", "text": story, "published": "2025-07-30T00:00:00Z"},
                   {"id": "copy", "text": "ABU DHABI (WAM) -- " + story, "published": "2025-07-30T01:00:00Z"}],
                  now=NOW)
        assert index.story("full").canonical.id == "full"
        assert index.prune("10d", now=NOW) == 1
        kept = index.story("full")  # the story keeps its name
        assert kept.canonical.id == "cut" and [v.role for v in kept.members] == [Role.CANONICAL, Role.DUPLICATE]


def test_durations() -> None:
    assert parse_duration("3d") == 3 * 86400 and parse_duration("36h") == 36 * 3600
    assert parse_duration(timedelta(minutes=5)) == 300 and parse_duration(90) == 90
    for bad in ("3 days", "-1d", 0, "", True):
        with pytest.raises(ConfigError):
            parse_duration(bad)


def test_an_index_refuses_other_parameters(tmp_path: Path) -> None:
    with Index(tmp_path / "news.db") as index:
        index.add(CORPUS[:3], now=NOW)
    with pytest.raises(IndexStoreError, match=r"made with num_perm=128, and this run has num_perm=64"):
        Index(tmp_path / "news.db", config=DedupeConfig(num_perm=64))
    with Index(tmp_path / "news.db", config=DedupeConfig(threshold=0.6)) as index:  # not a stored parameter
        assert index.stats()["articles"] == 3


def test_a_file_that_is_not_an_index_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(IndexStoreError, match="junk.db: not a usable SQLite index"):
        Index(tmp_path / "junk.db")
    with pytest.raises(IndexStoreError, match="does not exist"):
        Index(tmp_path / "missing" / "news.db")


# -- real processes -------------------------------------------------------------------------------

_ADDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from datetime import datetime, timezone
    from dedupe import Index, read_articles
    index_path, *files = sys.argv[1:]
    with Index(index_path) as index:
        for name in files:
            articles = read_articles([Path(name)]).articles
            print("adding", name, flush=True)
            index.add(articles, now=datetime(2025, 8, 1, tzinfo=timezone.utc))
            print("added", name, flush=True)
""")


def run_adder(index: Path, *files: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _ADDER, str(index), *map(str, files)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def state(index: Index, articles: list[Article]) -> dict[str, tuple]:
    return {v.id: (v.cluster, v.role, v.canonical) for v in index.add(articles, now=NOW)}


def test_an_add_killed_at_any_point_leaves_an_index_that_ends_as_an_uninterrupted_one(tmp_path: Path) -> None:
    articles = many_stories(12)
    first = write_jsonl(articles[:60], tmp_path / "first.jsonl")
    second = write_jsonl(articles[60:], tmp_path / "second.jsonl")
    assert run_adder(tmp_path / "whole.db", first, second).wait(timeout=300) == 0
    rng = random.Random(5)
    for attempt in range(2):
        killed_db = tmp_path / f"killed-{attempt}.db"
        adder = run_adder(killed_db, first, second)
        lines = []
        for line in adder.stdout:
            lines.append(line.strip())
            if line.startswith("adding") and "second" in line:
                time.sleep(rng.uniform(0.0, 1.5))  # anywhere in the second add, or just after it
                adder.send_signal(signal.SIGKILL)
                break
        adder.wait(timeout=60)
        assert lines and lines[0].startswith("adding"), (lines, adder.stderr.read())
        with Index(killed_db) as killed:
            # The first batch, and all of the second or nothing of it.
            assert killed.stats()["articles"] in (60, len(articles)), attempt
            killed.add(read_jsonl(second), now=NOW)
            with Index(tmp_path / "whole.db") as whole:
                assert state(killed, articles) == state(whole, articles), attempt


def stored(index: Path) -> list[tuple]:
    """What a SQLite index holds, read without changing it: each article's story, role, canonical."""
    import sqlite3
    with sqlite3.connect(index) as db:
        return db.execute("SELECT id, cluster, role, canonical FROM articles ORDER BY id").fetchall()


def everything(index: Path) -> list[str]:
    """All that a SQLite index holds, every table, as SQL text."""
    import sqlite3
    with sqlite3.connect(index) as db:
        return list(db.iterdump())


def _holds_the_write_lock(index: Path) -> bool:
    """Whether another connection is inside a write transaction on ``index`` (taken and let go
    at once when free, so that the writer waits microseconds at most)."""
    import sqlite3
    probe = sqlite3.connect(index, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        return True
    finally:
        probe.close()


def test_a_prune_killed_inside_its_transaction_leaves_the_index_as_before(tmp_path: Path) -> None:
    # It slept 2-5 s before the kill while the prune ended in about 1.3 s: nothing was ever killed.
    articles = many_stories(6)
    seed = tmp_path / "seed.db"
    with Index(seed) as index:
        index.add(articles, now=NOW)
    cutoff, now = "40d", NOW.isoformat()
    before, whole_before = stored(seed), everything(seed)
    after = tmp_path / "after.db"
    shutil.copy(seed, after)
    with Index(after) as index:
        assert index.prune(cutoff, now=NOW) > 0
    assert stored(after) != before
    rng, outcomes = random.Random(11), []
    for attempt in range(6):
        killed = tmp_path / f"killed-{attempt}.db"
        shutil.copy(seed, killed)
        pruner = subprocess.Popen([sys.executable, "-m", "dedupe", "index", "prune", str(killed), "--older-than",
                                   cutoff, "--now", now], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Once it holds the write lock, killed somewhere in the transaction that deletes (about
        # 20 ms here): at its start, amid its writes, or as it commits.
        while not _holds_the_write_lock(killed):
            assert pruner.poll() is None, "the prune ended before it was seen inside its transaction"
            time.sleep(0.0005)
        time.sleep(rng.choice([0.0, rng.uniform(0.0, 0.03)]))
        pruner.send_signal(signal.SIGKILL)
        pruner.wait(timeout=60)
        found = everything(killed)
        assert found in (whole_before, everything(after)), f"attempt {attempt}: a prune killed midway left part of its work"
        outcomes.append(found == whole_before)
    assert any(outcomes)  # some kills landed inside the transaction, and it left nothing
    finished = tmp_path / "finished.db"
    shutil.copy(seed, finished)
    done = subprocess.run([sys.executable, "-m", "dedupe", "index", "prune", str(finished), "--older-than", cutoff,
                           "--now", now], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and stored(finished) == stored(after), done.stderr


def read_jsonl(path: Path) -> list[Article]:
    from dedupe import read_articles
    return read_articles([path]).articles


_READER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dedupe import Index
    location, stop, total = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    seen, reads = 0, 0
    with Index(location) as index:
        while not stop.exists():
            count = index.stats()["articles"]
            assert seen <= count <= total, (seen, count)  # never a step back, never a half-written add
            seen, reads = count, reads + 1
            time.sleep(0.05)
    print(reads, seen)
""")


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_four_writers_and_a_reader_lose_nothing(tmp_path: Path, backend: str, request) -> None:
    location = str(tmp_path / "shared.db") if backend == "sqlite" else request.getfixturevalue("redis_server").url
    articles = many_stories(4)
    random.Random(7).shuffle(articles)
    files = [write_jsonl(articles[i:i + 15], tmp_path / f"batch-{i:03d}.jsonl") for i in range(0, len(articles), 15)]
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", _READER, location, str(stop), str(len(articles))], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    adders = [run_adder(location, *files[k::4]) for k in range(4)]
    for adder in adders:
        assert adder.wait(timeout=600) == 0, adder.stderr.read()
    stop.touch()
    assert reader.wait(timeout=120) == 0, reader.stderr.read()
    reads, last = map(int, reader.stdout.read().split())
    assert reads > 0 and last <= len(articles)
    with Index(location) as index:
        assert index.stats()["articles"] == len(articles)
        verdicts = index.add(articles, now=NOW).verdicts
    assert sorted(v.id for v in verdicts if v.known) == sorted(a.id for a in articles)
    # Whichever way the batches interleaved, the stories are those of one scan.
    assert stories({v.id: (v.cluster, v.canonical) for v in verdicts}) == scanned(articles)


# -- Redis ------------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free loopback port, with its data in a folder."""

    def __init__(self, folder: Path, password: str | None = None) -> None:
        self.folder = folder
        self.port = _free_port()
        self.password = password
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             *(["--requirepass", self.password] if self.password else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, password=self.password).ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _need_redis() -> None:
    if not any((Path(p) / "redis-server").exists() for p in os.environ.get("PATH", "").split(os.pathsep)):
        unavailable("redis-server is not installed (.ci/run installs it)")


@pytest.fixture()
def redis_server(tmp_path: Path):
    _need_redis()
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


def test_a_redis_password_is_never_shown_and_a_wrong_one_is_named(tmp_path: Path) -> None:
    _need_redis()
    server = RedisServer(tmp_path, password="s3cret-Pa55").start()
    try:
        base = f"127.0.0.1:{server.port}/0"
        env = {**os.environ, "COLUMNS": "200"}
        # In the URL's user part, or in its query (as redis-py also reads it): never shown.
        for url in (f"redis://:wrong-Pa55@{base}", f"redis://{base}", f"redis://{base}?password=wrong-Pa55"):
            done = subprocess.run([sys.executable, "-m", "dedupe", "index", "stats", url], capture_output=True,
                                  text=True, env=env, timeout=120)
            assert done.returncode == 2 and "authentication failed" in done.stderr, done.stderr
            assert "Pa55" not in done.stderr + done.stdout and "cannot be reached" not in done.stderr
        with Index(f"redis://:s3cret-Pa55@{base}") as index:
            index.add(CORPUS[:3], now=NOW)
            assert "Pa55" not in index.location
        done = subprocess.run([sys.executable, "-m", "dedupe", "index", "stats", f"redis://:s3cret-Pa55@{base}"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0 and f"Index redis://***@{base}" in done.stdout, done.stderr
        assert "Pa55" not in done.stdout + done.stderr
        done = subprocess.run([sys.executable, "-m", "dedupe", "index", "stats", f"redis://{base}?password=s3cret-Pa55"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0 and f"Index redis://{base}?password=***" in done.stdout, done.stderr
        assert "Pa55" not in done.stdout + done.stderr
    finally:
        server.kill()


def test_redis_gives_what_sqlite_gives(redis_server: RedisServer, tmp_path: Path) -> None:
    batches = [CORPUS[i:i + 7] for i in range(0, len(CORPUS), 7)]
    with Index(redis_server.url, window="400d") as on_redis, Index(tmp_path / "news.db", window="400d") as on_file:
        for batch in batches:
            assert [(v.id, v.cluster, v.role, v.replaced) for v in on_redis.add(batch, now=NOW)] == \
                [(v.id, v.cluster, v.role, v.replaced) for v in on_file.add(batch, now=NOW)]
        assert indexed(on_redis, CORPUS) == scanned(CORPUS)
        assert on_redis.prune("60d", now=NOW) == on_file.prune("60d", now=NOW) > 0
        assert state(on_redis, CORPUS) == state(on_file, CORPUS)
        assert on_redis.stats()["articles"] == on_file.stats()["articles"]


def test_redis_going_away_is_a_clear_error_and_nothing_half_written(redis_server: RedisServer) -> None:
    with Index(redis_server.url) as index:
        index.add(CORPUS[:10], now=NOW)
        redis_server.kill()
        with pytest.raises(IndexStoreError, match="cannot be reached.*nothing of this call was stored"):
            index.add(CORPUS[10:], now=NOW)
    redis_server.start()  # from its append-only file
    with Index(redis_server.url) as index:
        assert index.stats()["articles"] == 10
    with pytest.raises(IndexStoreError, match="cannot be reached"):
        Index(f"redis://127.0.0.1:{_free_port()}/0")


def test_redis_killed_in_the_middle_of_an_add_is_a_write_failure(redis_server: RedisServer,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # It was "cannot be reached" (exit 2, as if never opened) or "the lock changed hands".
    with Index(redis_server.url) as index:
        index.add(CORPUS[:10], now=NOW)
        looking_up = index._store.holders

        def killed_while_looking_up(*args, **kwargs):
            redis_server.kill()  # the lock is held and the add is under way
            return looking_up(*args, **kwargs)

        monkeypatch.setattr(index._store, "holders", killed_while_looking_up)
        with pytest.raises(IndexWriteError, match="went away during this call.*nothing of it was stored"):
            index.add(CORPUS[10:], now=NOW)
    redis_server.start()
    with Index(redis_server.url) as index:
        assert index.stats()["articles"] == 10


# -- the command line -----------------------------------------------------------------------------


def test_the_command_line_adds_shows_prunes_and_reports(tmp_path: Path) -> None:
    from typer.testing import CliRunner
    from dedupe.cli import app
    runner = CliRunner()
    db = str(tmp_path / "news.db")
    added = runner.invoke(app, ["index", "add", db, str(ROOT / "data" / "sample"), "-o", str(tmp_path / "v.jsonl")])
    assert added.exit_code == 0, added.output
    records = [orjson.loads(line) for line in (tmp_path / "v.jsonl").read_bytes().splitlines()]
    port = {r["id"]: r for r in records}["ledger-port-terminal.txt"]
    assert (port["cluster"], port["role"], port["known"]) == ("wire-port-terminal.txt", "duplicate", False)
    shown = runner.invoke(app, ["index", "show", db, "--story", "wire-port-terminal.txt"])
    assert shown.exit_code == 0 and "coastnews-port-terminal.txt" in shown.output
    again = runner.invoke(app, ["index", "add", db, str(ROOT / "data" / "sample")])
    assert again.exit_code == 0 and f"{len(records)} known" in again.output
    stats = runner.invoke(app, ["index", "stats", db])
    assert stats.exit_code == 0 and "num_perm" in stats.output
    pruned = runner.invoke(app, ["index", "prune", db, "--older-than", "1d"])
    assert pruned.exit_code == 0 and f"pruned {len(records)} articles" in pruned.output
    bad = runner.invoke(app, ["index", "add", db, str(tmp_path / "nowhere")])
    assert bad.exit_code == 2 and "nowhere" in bad.output


# -- finding candidates in the store -----------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(stored=st.sets(st.integers(0, len(CORPUS) - 1), min_size=1, max_size=len(CORPUS) - 1))
def test_stored_keys_find_the_candidate_pairs_the_batch_pipeline_finds(stored: set[int]) -> None:
    import numpy as np

    from dedupe.candidates import candidate_pairs, lookup_keys
    from dedupe.clean import clean_corpus
    from dedupe.index.index import _candidates
    from dedupe.sketch import sketch

    sketches = sketch(clean_corpus([a.text for a in CORPUS], [a.title for a in CORPUS]).tokens)
    keys, offsets = lookup_keys(sketches)
    old = sorted(stored)
    new = [i for i in range(len(CORPUS)) if i not in stored]
    held_keys = np.concatenate([keys[offsets[i]:offsets[i + 1]] for i in old])
    held_seqs = np.concatenate([np.full(offsets[i + 1] - offsets[i], i) for i in old])
    new_keys = np.concatenate([keys[offsets[i]:offsets[i + 1]] for i in new])
    new_offsets = np.r_[0, np.cumsum([offsets[i + 1] - offsets[i] for i in new])]
    pairs = _candidates(new_keys, new_offsets, held_keys, held_seqs,
                        lambda seqs: [keys[offsets[i]:offsets[i + 1]] for i in seqs.tolist()])
    found = {(held, new[fresh]) for held, fresh in pairs.tolist()}
    crossing = {(a, b) if a in stored else (b, a) for a, b in candidate_pairs(sketches).tolist()
                if (a in stored) != (b in stored)}
    # One rule: no key is crowded here, so the pairs an add finds are exactly those a scan makes
    # of the stored articles and the new ones.
    assert found == crossing


def test_a_killed_redis_writer_holds_the_index_only_for_its_lease(redis_server: RedisServer, tmp_path: Path) -> None:
    """A writer killed mid-add used to leave its lock for 600 s, and the next add hung silently."""
    feed = write_jsonl(many_stories(3), tmp_path / "feed.jsonl")
    env = {**os.environ, "COLUMNS": "200"}
    adder = subprocess.Popen([sys.executable, "-m", "dedupe", "index", "add", redis_server.url, str(feed),
                              "--now", NOW.isoformat()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    import redis
    client = redis.Redis(port=redis_server.port)
    deadline = time.monotonic() + 120
    while not client.exists("dedupe:lock"):
        assert adder.poll() is None and time.monotonic() < deadline, "the add never took the lock"
        time.sleep(0.02)
    adder.kill()
    adder.wait()
    # The dead writer's lease still runs, and ends within one lease (15 s), not the 600 s of old:
    # said by the lock's own time to live, not by a clock on this shared machine.
    from dedupe.index.redis_store import _LEASE_SECONDS
    assert 0 < client.pttl("dedupe:lock") <= _LEASE_SECONDS * 1000 and _LEASE_SECONDS <= 15
    said: list[str] = []
    with Index(redis_server.url, on_wait=said.append) as index:
        index.add(read_jsonl(feed), now=NOW)
        assert said and "waiting for another writer to finish" in said[0]
        left = int(re.search(r"its lease ends in (\d+) s", said[0]).group(1))
        assert left <= _LEASE_SECONDS
        assert index.stats()["articles"] == len(many_stories(3))


def test_a_redis_writer_that_lost_its_lock_stores_nothing(redis_server: RedisServer) -> None:
    """An add that outlived its lock is fenced: its transaction runs only while the lock holds its
    token (two adds of one batch used to store every article twice)."""
    import redis
    from dedupe.errors import IndexWriteError
    client = redis.Redis(port=redis_server.port)
    with Index(redis_server.url) as index:
        index.add(CORPUS[:3], now=NOW)
        store = index._store
        with pytest.raises(IndexWriteError, match="outlived its lock.*nothing of it was stored"):
            with store.exclusive():
                store.record_events(0.0, [("story", "new", "old")])
                client.set("dedupe:lock", b"another writer's token")  # the lease ended; another took it
        assert index.events() == [] and index.stats()["articles"] == 3


def test_the_index_s_verdicts_and_its_stories_carry_the_headline(tmp_path: Path) -> None:
    wire = ("HELSINKI (AP) — President Donald Trump and Russia's Vladimir Putin opened their summit on Monday "
            "with a one-on-one meeting in the Finnish capital, where the two leaders spoke for more than two "
            "hours with only interpreters present. Putin said the talks had been frank and useful.")
    first = [{"id": "ap", "title": "Trump and Putin open summit with one-on-one meeting", "text": wire},
             {"id": "copy", "title": "share", "text": "Share\n" + wire}]
    later = [{"id": "cut", "title": "comments", "text": wire.rsplit(" Putin said", 1)[0]}, first[1]]
    headline = "Trump and Putin open summit with one-on-one meeting"
    with Index(tmp_path / "news.db") as index:
        added = index.add(first)
        assert {v.id: v.headline for v in added.verdicts} == {"ap": headline, "copy": headline}
        again = index.add(later)  # a new member, and one stored already ("known")
        assert {v.id: (v.headline, v.known) for v in again.verdicts} == {"cut": (headline, False),
                                                                         "copy": (headline, True)}
        assert index.story(added.verdicts[0].cluster).headline == headline
    done = subprocess.run([sys.executable, "-m", "dedupe", "index", "show", str(tmp_path / "news.db"), "-s",
                           added.verdicts[0].cluster], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert headline in done.stdout


def test_a_redis_entry_edited_to_values_no_add_writes_is_damaged(redis_server: RedisServer) -> None:
    import redis
    with Index(redis_server.url) as index:
        index.add(CORPUS[:6], now=NOW)
    server = redis.Redis.from_url(redis_server.url)
    for field, value in (("role", "bogus"), ("keys", b"\x01\x02\x03"), ("time", "yesterday"), ("body", b"\x00")):
        kept = server.hget("dedupe:a:1", field)
        server.hset("dedupe:a:1", field, value)
        with Index(redis_server.url) as index, pytest.raises(IndexStoreError, match="the index is damaged"):
            index.add(CORPUS[:6], now=NOW)  # every one known: its stored entry is read back
        server.hset("dedupe:a:1", field, kept)
    server.rpush("dedupe:events", b"not json")
    with Index(redis_server.url) as index, pytest.raises(IndexStoreError, match="the index is damaged"):
        index.events()
