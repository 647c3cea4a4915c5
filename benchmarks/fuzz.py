"""Fuzzing: the readers and the cleaner fed hypothesis-made input for a few minutes.

    python benchmarks/fuzz.py [--minutes 3] [--out benchmarks/results/fuzz.md]

Four targets, each given a quarter of the time:

* **readers**: folders of files with any supported suffix holding random bytes, random text,
  broken JSON and JSON lines of random records, in UTF-8, UTF-16 and legacy encodings. Every
  file must come back as articles or rejects (none vanishes, none raises).
* **cleaner**: random text built from wire furniture, Arabic, digits and line breaks. Cleaning
  must not raise, and cleaning its own output must change nothing (idempotence).
* **pipeline**: small corpora of random texts and their copies. ``find_duplicates`` must not
  raise, must give one verdict per article, and each story exactly one canonical.

* **hostile**: folders of good articles in every container (gzip, bzip2, xz and zstd JSON lines,
  CSV, TSV, Parquet with a column of days), under file names that are not UTF-8 or hold control
  characters, beside hostile files: compressed files corrupted, cut or followed by other bytes,
  CSV cells whose quote never closes, Parquet files with bytes flipped. Every good article must
  come out with its text exactly as written (none lost, none garbled), every file as articles or
  rejects, and the results must be written as JSON lines, CSV and Parquet and read back whole.

A crash is any exception other than those the checks expect; the report lists the inputs tried
and every crash with its traceback (there should be none).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedupe import Role, find_duplicates, read_articles  # noqa: E402
from dedupe.clean import clean_article  # noqa: E402
from dedupe.io import write_results  # noqa: E402

SUFFIXES = [".txt", ".md", ".json", ".jsonl", ".ndjson"]
PIECES = list("abcXYZ ٠١أإةىَ\n\r\t-—,.()'’\"{}[]:0123456789\x00\ufeff") + [
    "(WAM) --", "(Reuters) -", "By ", "Read more", "DUBAI, June 1 -", "UPDATE 2-", "Reuters", "July 15, 2018",
    "\n\n", "Title: ", "Source: ", "All rights reserved", "Download our app", "Advertisement\n", "© 2025 ",
]
TEXT = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)
INTEGERS = st.integers(-2**63, 2**63 - 1)  # what JSON libraries read as numbers
RECORD = st.one_of(
    st.none(), INTEGERS, st.text(max_size=20), st.lists(INTEGERS, max_size=3),
    st.fixed_dictionaries({}, optional={"id": st.one_of(st.text(max_size=6), INTEGERS, st.booleans()),
                                        "text": st.one_of(TEXT, INTEGERS, st.none()),
                                        "title": st.one_of(st.text(max_size=20), INTEGERS),
                                        "published": st.one_of(st.text(max_size=12), st.just("2025-06-01"))}),
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1256", "latin-1"]


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


FILE = st.one_of(
    st.binary(max_size=400),
    st.tuples(TEXT, st.sampled_from(ENCODINGS)).map(lambda t: encode(*t)),
    st.tuples(st.lists(RECORD, max_size=6), st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from(ENCODINGS))
      .map(lambda t: encode(t[1].join(orjson.dumps(r).decode() for r in t[0]), t[2])),
    st.lists(RECORD, max_size=6).map(orjson.dumps),
)


# As many examples as time allows; only the generate phase, as a crash is recorded, not shrunk.
_ENDLESS = dict(max_examples=10**9, deadline=None, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))


class Tally:
    def __init__(self) -> None:
        self.tried = 0
        self.crashes: list[str] = []


def fuzz_readers(tally: Tally, seconds: float, work: Path) -> None:
    @settings(**_ENDLESS)
    @given(st.lists(st.tuples(st.sampled_from(SUFFIXES), FILE), max_size=6))
    def one(files: list[tuple[str, bytes]]) -> None:
        if time.monotonic() > stop:
            raise _TimeUp
        tally.tried += 1
        folder = Path(tempfile.mkdtemp(dir=work))
        try:
            for i, (suffix, data) in enumerate(files):
                (folder / f"f{i}{suffix}").write_bytes(data)
            result = read_articles([folder])
            for i, (suffix, _) in enumerate(files):
                path = str(folder / f"f{i}{suffix}")
                if not any(a.path == path for a in result.articles) and not any(r.path == path for r in result.rejects):
                    raise AssertionError(f"{path} vanished: neither read nor rejected")
        except Exception as error:  # a crash: recorded, and the run goes on
            tally.crashes.append(f"readers: {error!r}\n{traceback.format_exc()}\ninput: {files!r}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    stop = time.monotonic() + seconds
    _run(one)


def fuzz_cleaner(tally: Tally, seconds: float) -> None:
    @settings(**_ENDLESS)
    @given(TEXT, st.one_of(st.none(), TEXT))
    def one(text: str, title: str | None) -> None:
        if time.monotonic() > stop:
            raise _TimeUp
        tally.tried += 1
        try:
            once = clean_article(text, title)
            if clean_article(once, title) != once:
                raise AssertionError("cleaning cleaned text changed it")
        except Exception as error:
            tally.crashes.append(f"cleaner: {error!r}\n{traceback.format_exc()}\ninput: {text!r}, {title!r}")

    stop = time.monotonic() + seconds
    _run(one)


def fuzz_pipeline(tally: Tally, seconds: float) -> None:
    @settings(**_ENDLESS)
    @given(st.lists(TEXT, min_size=1, max_size=12), st.lists(st.integers(0, 11), max_size=8))
    def one(texts: list[str], copies: list[int]) -> None:
        if time.monotonic() > stop:
            raise _TimeUp
        tally.tried += 1
        articles = [{"id": f"a{i}", "text": t} for i, t in enumerate(texts)]
        articles += [{"id": f"c{k}", "text": "DUBAI (WAM) -- " + texts[i % len(texts)][: 40 + 7 * k]}
                     for k, i in enumerate(copies)]
        try:
            result = find_duplicates(articles)
            ids = [v.id for v in result.verdicts] + [r.reason for r in result.rejects]
            if len(ids) != len(articles):
                raise AssertionError(f"{len(articles)} articles in, {len(ids)} verdicts and rejects out")
            for story in result.clusters:
                if story.count(Role.CANONICAL) != 1:
                    raise AssertionError(f"story {story.id} has {story.count(Role.CANONICAL)} canonicals")
        except Exception as error:
            tally.crashes.append(f"pipeline: {error!r}\n{traceback.format_exc()}\ninput: {articles!r}")

    stop = time.monotonic() + seconds
    _run(one)


def _compressed(kind: str, data: bytes) -> bytes:
    import bz2
    import gzip
    import lzma
    if kind == ".gz":
        return gzip.compress(data)
    if kind == ".bz2":
        return bz2.compress(data)
    if kind == ".xz":
        return lzma.compress(data)
    import zstandard
    return zstandard.ZstdCompressor().compress(data)


def _parquet(rows: list[dict], days: bool) -> bytes:
    import datetime
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq
    table = {"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]}
    if days:
        table["published"] = pa.array([datetime.date(2018, 7, 1 + k % 28) for k in range(len(rows))], pa.date32())
    sink = io.BytesIO()
    pq.write_table(pa.table(table), sink)
    return sink.getvalue()


def _csv(rows: list[dict], delimiter: str) -> bytes:
    import csv
    import io
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["id", "text"])
    writer.writerows([r["id"], r["text"]] for r in rows)
    return out.getvalue().encode()


NAMES = st.sampled_from([b"plain", b"caf\xe9", b"\xff\xfebad", b"tab\there", b"new\nline", b"esc\x1b[2J",
                         "مقال".encode(), b"quote\"d"])
CONTAINERS = st.sampled_from([".jsonl.gz", ".jsonl.bz2", ".jsonl.xz", ".jsonl.zst", ".csv", ".tsv", ".csv.gz",
                              ".parquet", ".parquet-days"])
HARM = st.sampled_from(["flip", "cut", "trail", "stray-quote", "open-at-end", "none"])
WORDS = st.lists(st.sampled_from(["port", "ships", "said", "Dubai", "the", "of", "2.5", "percent", "UAE", "وقال",
                                  "مطار", "—", "quote,", "\"cited\"", "new\nline"]), min_size=3, max_size=40)


def _hostile_file(good: list[dict], container: str, harm: str, rnd: Any) -> tuple[bytes, list[dict]]:
    """A file holding ``good`` in ``container``, harmed as ``harm`` says; and the articles that
    must come back from it whole (the others may be rejects, never lost silently)."""
    kept = list(good)
    if container.startswith(".parquet"):
        data = _parquet(good, days=container.endswith("days"))
    elif container in (".csv", ".tsv", ".csv.gz"):
        delimiter = "\t" if container == ".tsv" else ","
        text = _csv(good, delimiter)
        if harm == "stray-quote":  # a quote that never closes, then more rows: they must be read
            after = [{"id": g["id"] + "-after", "text": g["text"]} for g in good]
            text += f'stray{delimiter}"an opening quote that never closes\n'.encode()
            text += _csv(after, delimiter).split(b"\n", 1)[1]
            kept += after
        elif harm == "open-at-end":
            text += f'last{delimiter}"the file ends inside this cell\n'.encode()
        data = _compressed(".gz", text) if container == ".csv.gz" else text
    else:
        data = _compressed(container[len(".jsonl"):], b"".join(orjson.dumps(r) + b"\n" for r in good))
    if harm == "flip" and len(data) > 20:
        at = rnd.randrange(len(data))
        data, kept = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:], []
    elif harm == "cut" and len(data) > 20:
        data, kept = data[:rnd.randrange(1, len(data))], []
    elif harm == "trail":
        data, kept = data + b"\x00trailing bytes", []
    return data, kept


def fuzz_hostile(tally: Tally, seconds: float, work: Path) -> None:
    import random

    @settings(**_ENDLESS)
    @given(st.lists(st.tuples(NAMES, CONTAINERS, HARM, st.lists(WORDS.map(" ".join), min_size=1, max_size=4)),
                    min_size=1, max_size=5), st.integers(0, 2**32))
    def one(files: list[tuple[bytes, str, str, list[str]]], seed: int) -> None:
        if time.monotonic() > stop:
            raise _TimeUp
        tally.tried += 1
        rnd = random.Random(seed)
        folder = Path(tempfile.mkdtemp(dir=work))
        written: dict[str, str] = {}
        try:
            for number, (name, container, harm, texts) in enumerate(files):
                good = [{"id": f"f{number}-{k}", "text": text} for k, text in enumerate(texts)]
                data, kept = _hostile_file(good, container, harm, rnd)
                suffix = ".parquet" if container.startswith(".parquet") else container
                with open(os.path.join(os.fsencode(folder), name + b"-%d" % number + suffix.encode()), "wb") as f:
                    f.write(data)
                written.update((g["id"], g["text"]) for g in kept)
            result = read_articles([folder])
            found = {a.id: a.text for a in result.articles}
            lost = [i for i in written if i not in found]
            garbled = [i for i in written if i in found and found[i] != written[i].replace("\r\n", "\n")]
            if lost or garbled:
                raise AssertionError(f"lost {lost}, garbled {garbled}")
            on_disk = {os.fsdecode(p.name) for p in folder.iterdir()}
            told = {Path(a.path).name for a in result.articles} | {Path(r.path).name for r in result.rejects}
            if len(told) < len(on_disk):
                raise AssertionError(f"files neither read nor rejected: {len(on_disk) - len(told)}")
            verdicts = find_duplicates(result.articles).verdicts
            for form in ("jsonl", "csv", "parquet"):
                out = folder / f"out.{form}"
                write_results(verdicts, out, form)
                back = _records_back(out, form)
                if back != len(verdicts):
                    raise AssertionError(f"{len(verdicts)} verdicts written as {form}, {back} read back")
        except Exception as error:
            tally.crashes.append(f"hostile: {error!r}\n{traceback.format_exc()}\ninput: {files!r}, seed {seed}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    stop = time.monotonic() + seconds
    _run(one)


def _records_back(path: Path, form: str) -> int:
    if form == "parquet":
        import pyarrow.parquet as pq
        return pq.read_metadata(path).num_rows
    if form == "csv":
        import csv
        with path.open(encoding="utf-8", newline="") as handle:
            return sum(1 for _ in csv.DictReader(handle))
    return sum(1 for line in path.read_bytes().splitlines() if orjson.loads(line))


class _TimeUp(Exception):
    """Raised inside a fuzz target when its time is over: ends hypothesis's run."""


def _run(target) -> None:
    try:
        target()
    except _TimeUp:
        pass
    except HypothesisException:  # hypothesis gave up generating: the target is done
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fuzz.md")
    args = parser.parse_args(argv)
    share = args.minutes * 60 / 4
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name, run in (("readers", lambda t: fuzz_readers(t, share, Path(work))),
                          ("cleaner", lambda t: fuzz_cleaner(t, share)),
                          ("pipeline", lambda t: fuzz_pipeline(t, share)),
                          ("hostile", lambda t: fuzz_hostile(t, share, Path(work)))):
            tally = Tally()
            started = time.monotonic()
            run(tally)
            rows.append((name, tally.tried, len(tally.crashes), time.monotonic() - started, tally.crashes))
            print(f"{name}: {tally.tried:,} inputs, {len(tally.crashes)} crashes", flush=True)
    lines = ["# Fuzzing", "", f"`python benchmarks/fuzz.py --minutes {args.minutes:g}` on "
             f"{time.strftime('%Y-%m-%d')}.", "", "| target | inputs tried | crashes | seconds |", "|---|---|---|---|"]
    lines += [f"| {name} | {tried:,} | {crashes} | {seconds:.0f} |" for name, tried, crashes, seconds, _ in rows]
    for name, _, _, _, crashes in rows:
        for crash in crashes[:5]:
            lines += ["", f"## {name}", "", "```", crash, "```"]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 1 if any(row[2] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
