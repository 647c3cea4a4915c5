"""Bad input never crashes a run and never loses an article.

``tests/fixtures/bad`` holds one file for each kind of bad input a feed delivers, beside good
articles in every accepted encoding. The tests add what cannot live in git (a 50 MB line, files
without read permission) to a copy of it, and run the real command on it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import shlex
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedupe import Article, Role, find_duplicates, read_articles
from dedupe.io import write_results

from conftest import ROOT, SAMPLE, module

BAD = ROOT / "tests" / "fixtures" / "bad"

# Every article the folder holds, by id.
GOOD = {
    "bus-route-wire.txt", "bus-route-bom.txt", "bus-route-utf16.txt", "nested-copy", "appel-latin1.txt",
    "desalination-cp1256.txt", "mixed-line-endings.md", "only-boilerplate.txt", "short-a.txt", "short-b.txt",
    "short-c.txt", "flash-a.txt", "flash-b.txt", "flash-c.txt", "feed-1", "feed-7", "list-1",
}
# Every input it holds that is not an article: (path in the folder, line, a piece of the reason).
BAD_INPUTS = [
    ("binary.txt", None, "binary data (NUL bytes), not text"),
    ("blank.md", None, "empty file"),
    ("broken.json", 2, "invalid JSON"),
    ("dangling.txt", None, "cannot read: No such file or directory"),
    ("empty-list.json", None, "an empty list: no articles"),
    ("empty.txt", None, "empty file"),
    ("feed.jsonl", 2, "invalid JSON"),
    ("feed.jsonl", 3, "expected an article object, found a JSON list"),
    ("feed.jsonl", 4, "no text"),
    ("feed.jsonl", 5, "'text' must be a string, not int"),
    ("feed.jsonl", 7, "duplicate id 'feed-1', first seen at"),
    ("feed.jsonl", 8, "empty text"),
    ("list.json", None, "found a JSON int (item 2)"),
    ("list.json", None, "duplicate id 'feed-7', first seen at"),
    ("loop-a.txt", None, "cannot read: Too many levels of symbolic links"),
    ("loop-b.txt", None, "cannot read: Too many levels of symbolic links"),
    ("nested/back-up", None, "symbolic link to a folder already read"),
    ("not-an-article.json", None, "expected an article object or a list of them, found a JSON str"),
    ("report.pdf", None, "unsupported file type '.pdf'"),
]
GIANT_BYTES = 50 * 2**20


def giant_line(path: Path, size: int = GIANT_BYTES) -> Path:
    """A JSONL file whose second line is one article of ``size`` bytes, between two good ones."""
    words = b"wire " * (size // 5)
    with path.open("wb") as out:
        out.write(orjson.dumps({"id": "before-giant", "text": "A short article before the giant line, "
                                                                "about the harbour's new cranes."}) + b"\n")
        out.write(b'{"id": "giant", "text": "' + words + b'"}\n')
        out.write(orjson.dumps({"id": "after-giant", "text": "A short article after the giant line, "
                                                               "about the ferry timetable."}) + b"\n")
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedupe", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=600)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    shutil.copytree(BAD, folder, symlinks=True)
    giant_line(folder / "giant.jsonl")
    return folder


def test_a_folder_of_bad_inputs_is_read_around_and_every_input_accounted_for(bad_folder: Path) -> None:
    done = run("scan", "bad", "-o", "out.jsonl", "--rejects", "rejects.jsonl", cwd=bad_folder.parent)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    records = read_jsonl(bad_folder.parent / "out.jsonl")
    rejects = read_jsonl(bad_folder.parent / "rejects.jsonl")
    # Each article once in the output; each bad input once in the rejects, with its reason.
    assert sorted(r["id"] for r in records) == sorted(GOOD | {"before-giant", "after-giant"})
    expected = sorted(BAD_INPUTS + [("giant.jsonl", 2, "line longer than the limit of 16.0 MB per article")])
    got = sorted((Path(r["path"]).relative_to("bad").as_posix(), r["line"], r["reason"]) for r in rejects)
    assert len(got) == len(expected)
    for (path, line, reason), (want_path, want_line, piece) in zip(got, expected):
        assert (path, line) == (want_path, want_line) and piece in reason, (path, line, reason)
    # Every reject is on standard error with its file, and the summary's counts add up.
    for path, line, reason in got:
        assert f"bad/{path}{'' if line is None else f':{line}'}: {reason}" in done.stderr
    assert f"{len(records)} articles" in done.stdout and f"{len(rejects)} rejected" in done.stdout
    # What the good articles are: the bus route's four versions in any encoding make one story;
    # exact copies of a three-word flash are duplicates; one-word texts match nothing.
    verdicts = {r["id"]: r for r in records}
    route = ["bus-route-wire.txt", "bus-route-bom.txt", "bus-route-utf16.txt", "nested-copy"]
    assert {verdicts[i]["canonical"] for i in route} == {"bus-route-wire.txt"}
    assert verdicts["bus-route-bom.txt"]["role"] == "truncated"
    assert (verdicts["flash-b.txt"]["role"], verdicts["flash-b.txt"]["canonical"]) == ("duplicate", "flash-a.txt")
    assert all(verdicts[i]["role"] == "unique" for i in ("short-a.txt", "short-b.txt", "short-c.txt", "flash-c.txt"))


def test_the_committed_folder_alone_exits_1_and_names_each_bad_file(tmp_path: Path) -> None:
    done = run("scan", str(BAD), "-o", str(tmp_path / "out.jsonl"), cwd=ROOT)
    assert done.returncode == 1
    for path, line, _ in BAD_INPUTS:
        assert f"{BAD / path}{'' if line is None else f':{line}'}: " in done.stderr
    assert len(read_jsonl(tmp_path / "out.jsonl")) == len(GOOD)


def test_a_rerun_writes_byte_identical_files(bad_folder: Path) -> None:
    for name in ("first", "second"):
        run("scan", "bad", "-o", f"{name}.jsonl", "--rejects", f"{name}-rejects.jsonl", cwd=bad_folder.parent)
    assert (bad_folder.parent / "first.jsonl").read_bytes() == (bad_folder.parent / "second.jsonl").read_bytes()
    assert (bad_folder.parent / "first-rejects.jsonl").read_bytes() == \
        (bad_folder.parent / "second-rejects.jsonl").read_bytes()


def test_decoded_text_is_the_text_written_never_mojibake() -> None:
    texts = {a.id: a.text for a in read_articles([BAD]).articles}
    assert texts["desalination-cp1256.txt"].startswith("أعلنت هيئة الكهرباء والمياه")
    assert "président a reçu mardi" in texts["appel-latin1.txt"]
    assert texts["bus-route-utf16.txt"].startswith("The Roads and Transport Authority")
    assert texts["mixed-line-endings.md"] == ("Dredging work near the harbour will close the northern beach for two "
                                              "weeks,\nthe municipality said,\nadding that the kite festival would "
                                              "move to the southern shore.\n")


def test_a_giant_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    path = giant_line(tmp_path / "giant.jsonl")
    tracemalloc.start()
    try:
        result = read_articles([path], max_article_bytes=2**20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [a.id for a in result.articles] == ["before-giant", "after-giant"]
    assert [(r.line, r.reason) for r in result.rejects] == [
        (2, "line longer than the limit of 1.0 MB per article (max_article_bytes); skipped")]
    assert peak < 4 * 2**20, peak  # the 50 MB line was never held whole


def test_a_large_text_file_is_rejected_unread(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"word " * 300_000)
    result = read_articles([tmp_path], max_article_bytes=1_000_000)
    assert not result.articles
    assert result.rejects[0].reason == "1.5 MB, above the limit of 1.0 MB per article " \
                                       "(max_article_bytes); not read"
    allowed = run("scan", str(tmp_path), "--max-article-size", "2MB", cwd=tmp_path)
    assert allowed.returncode == 0 and allowed.stdout.startswith("1 article ·"), allowed.stdout


# Files and folders a user cannot read: made here, as git keeps no permissions, and read by a
# forked child that runs as "nobody" when the tests run as root (root reads everything).
def rejects_read_by_another_user(folder: Path) -> list[str]:
    if os.geteuid() != 0:
        return [str(r) for r in read_articles([folder]).rejects]
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.close(reading)
            os.setgid(65534)
            os.setuid(65534)
            os.write(writing, orjson.dumps([str(r) for r in read_articles([folder]).rejects]))
        finally:
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        found = orjson.loads(pipe.read() or b"null")
    os.waitpid(child, 0)
    assert found is not None, "the child could not read as another user"
    return found


def test_files_and_folders_without_permission_are_rejected() -> None:
    folder = Path(tempfile.mkdtemp(prefix="dedupe-permissions-"))  # in /tmp, which every user reaches
    try:
        folder.chmod(0o755)
        (folder / "locked-folder").mkdir()
        (folder / "locked-folder" / "inside.txt").write_text("A story in a folder nobody can list.")
        (folder / "locked.txt").write_text("A story in a file nobody may read.")
        (folder / "open.txt").write_text("A story anybody may read, about the harbour.")
        (folder / "locked.txt").chmod(0)
        (folder / "locked-folder").chmod(0)
        rejects = rejects_read_by_another_user(folder)
    finally:
        (folder / "locked-folder").chmod(0o755)
        shutil.rmtree(folder)
    assert rejects == [f"{folder / 'locked.txt'}: cannot read: Permission denied",
                       f"{folder / 'locked-folder'}: cannot list folder: Permission denied"]


# -- short texts ------------------------------------------------------------------------------------


def test_short_texts_never_match_by_accident_but_exact_copies_do() -> None:
    result = find_duplicates([
        Article("one-a", "Developing."), Article("one-b", "Developing."),            # one word: nothing
        Article("two-a", "Photo gallery"), Article("two-b", "Photo gallery"),        # two words: nothing
        Article("flash-a", "Oil prices fell sharply."), Article("flash-b", "Oil prices fell sharply."),
        Article("other", "Oil prices rose sharply."),
    ])
    roles = {v.id: (v.role, v.canonical) for v in result.verdicts}
    assert all(roles[i][0] is Role.UNIQUE for i in ("one-a", "one-b", "two-a", "two-b", "other"))
    assert roles["flash-b"] == (Role.DUPLICATE, "flash-a")


# -- Ctrl-C --------------------------------------------------------------------------------------------


def _scan_and_press_ctrl_c(args: list[str], cwd: Path, env: dict[str, str] | None,
                           wait: Callable[[subprocess.Popen], None], timeout: float) -> tuple[int, str]:
    """Run ``dedupe scan ARGS``, press Ctrl-C once ``wait`` returns, and give its exit status and
    standard error (within ``timeout`` seconds of the key)."""
    process = subprocess.Popen([sys.executable, "-m", "dedupe", "scan", *args], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait(process)
        assert process.poll() is None, "the scan ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)  # as a terminal does: to every process of the group
        _, stderr = process.communicate(timeout=timeout)
    finally:  # nothing of it outlives the test, whatever happened
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    return process.returncode, stderr


def test_ctrl_c_stops_cleanly_and_leaves_no_output_file(tmp_path: Path) -> None:
    # Enough articles that the scan is still cleaning them, in worker processes, when Ctrl-C comes.
    import random
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(3000)]
    with (tmp_path / "many.jsonl").open("wb") as out:
        for i in range(40_000):
            out.write(orjson.dumps({"id": str(i), "text": " ".join(rng.choices(vocabulary, k=150))}) + b"\n")
    returncode, stderr = _scan_and_press_ctrl_c(["many.jsonl", "-o", "out.jsonl"], tmp_path, None,
                                                lambda process: time.sleep(4), timeout=120)
    assert returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted: nothing was written" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.jsonl"]


CTRL_C_IN_A_COMPILE = """
import signal, numba
from numba.core import event
from dedupe.numba_cache import compiles_finish_before_ctrl_c

class PressCtrlC(event.Listener):  # as a user would, once the compile has begun
    def on_start(self, ev):
        signal.raise_signal(signal.SIGINT)
    def on_end(self, ev):
        pass

@numba.njit
def double(x):
    return 2 * x

def ctrl_c_ends(block):
    try:
        block()
    except KeyboardInterrupt:
        return "interrupted"
    return "went on"

with compiles_finish_before_ctrl_c():
    print(ctrl_c_ends(lambda: signal.raise_signal(signal.SIGINT)), "outside a compile")
    event.register("numba:compile", PressCtrlC())
    print(ctrl_c_ends(lambda: double(2)), "the compile, which finished:", len(double.signatures))
    print(ctrl_c_ends(lambda: double(3)), "a call to the compiled kernel:", double(3))
print("afterwards:", signal.getsignal(signal.SIGINT) is signal.default_int_handler)
"""


def test_ctrl_c_waits_for_the_compile_under_way() -> None:
    done = subprocess.run([sys.executable, "-c", CTRL_C_IN_A_COMPILE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["interrupted outside a compile",
                                        "interrupted the compile, which finished: 1",
                                        "went on a call to the compiled kernel: 6",
                                        "afterwards: True"]


def test_ctrl_c_while_the_kernels_compile_stops_cleanly_and_the_next_run_works(tmp_path: Path) -> None:
    # numba cannot be interrupted mid-compile: a half-built kernel crashed the interpreter as it
    # exited (status -11), or came back as "RuntimeError: no compiled object yet" with exit 1.
    # NUMBA_OPT=0: the kernels compile a fifth faster; what is tested is the interrupt.
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "kernels"), "NUMBA_OPT": "0"}
    shutil.copytree(SAMPLE, tmp_path / "sample")

    def once_compiling(process: subprocess.Popen) -> None:
        said = process.stderr.readline()  # the first kernel's compile has begun when this is said
        assert "compiling the numeric kernels" in said, said
        time.sleep(1.5)  # the kernels compile one after another for the best part of a minute

    returncode, stderr = _scan_and_press_ctrl_c(["sample", "-o", "out.jsonl"], tmp_path, env, once_compiling,
                                                timeout=300)
    assert returncode == 130, stderr
    assert "Traceback" not in stderr and "Fatal Python error" not in stderr, stderr
    assert "interrupted: nothing was written" in stderr
    assert not (tmp_path / "out.jsonl").exists()
    # What was compiled before the interrupt is kept and used; the rest compiles now.
    done = subprocess.run([sys.executable, "-m", "dedupe", "scan", "sample", "-q"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "19 articles · 2 stories" in done.stdout
    # A second run that compiles never says it is the first one (it said "about a minute" again).
    assert "the numeric kernels this run needs that are not kept yet, once" in done.stderr
    assert "about a minute" not in done.stderr


# -- properties -------------------------------------------------------------------------------------


INTEGERS = st.integers(-2**63, 2**63 - 1)  # what JSON libraries read as numbers
RECORDS = st.lists(st.one_of(st.none(), INTEGERS, st.text(max_size=30),
                             st.fixed_dictionaries({"id": st.text(max_size=5)},
                                                   optional={"text": st.one_of(st.text(max_size=80), INTEGERS)})),
                   min_size=1, max_size=6)
FILES = st.one_of(
    st.tuples(st.sampled_from([".txt", ".md", ".json", ".jsonl", ".csv"]),
              st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)), st.none()),
    RECORDS.map(lambda items: (".jsonl", b"\n".join(orjson.dumps(i) for i in items), len(items))),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(FILES, max_size=8))
def test_every_input_is_read_or_rejected(tmp_path_factory, files) -> None:
    folder = tmp_path_factory.mktemp("feed")
    for i, (suffix, data, _) in enumerate(files):
        (folder / f"f{i}{suffix}").write_bytes(data)
    result = read_articles([folder])
    for i, (suffix, data, records) in enumerate(files):
        path = str(folder / f"f{i}{suffix}")
        places = [a.line for a in result.articles if a.path == path] + \
            [r.line for r in result.rejects if r.path == path]
        assert places, path  # no file vanishes
        if records is not None:  # nor a record of a JSON-lines file: each is read or rejected, once
            assert sorted(places) == list(range(1, records + 1))
        elif suffix in (".txt", ".md"):
            assert len(places) == 1


def test_the_order_of_paths_never_changes_the_output(tmp_path: Path) -> None:
    files = sorted(p for p in SAMPLE.rglob("*") if p.is_file())
    outputs = []
    for order in (files, files[::-1], files[1::2] + files[0::2]):
        out = tmp_path / f"out-{len(outputs)}.jsonl"
        assert run("scan", *map(str, order), "-o", str(out), cwd=tmp_path).returncode == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


UNRELATED = st.lists(st.sampled_from([f"z{i}q" for i in range(400)]), min_size=0, max_size=120).map(" ".join)


@settings(max_examples=15, deadline=None)
@given(text=UNRELATED)
def test_an_unrelated_article_never_changes_the_stories(sample_result, text: str) -> None:
    articles = [v.article for v in sample_result.verdicts]
    before = {v.id: (v.cluster, v.role, v.canonical) for v in sample_result.verdicts}
    after = find_duplicates(articles + [{"id": "unrelated", "text": text or "z"}])
    assert {v.id: (v.cluster, v.role, v.canonical) for v in after.verdicts if v.id != "unrelated"} == before


def test_outputs_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    def failing():
        yield from find_duplicates(read_articles([SAMPLE]).articles).verdicts[:3]
        raise KeyboardInterrupt

    (tmp_path / "out.jsonl").write_text("the previous run's output\n")
    with pytest.raises(KeyboardInterrupt):
        write_results(failing(), tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_text() == "the previous run's output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def _compressed_faults(folder: Path) -> dict[str, str]:
    """Compressed files that are broken in each way a feed delivers them, beside a good one: by
    name, a piece of the reason each is rejected with."""
    import lzma

    import zstandard

    body = b"".join(b'{"id": "c%d", "text": "Record %d of the compressed feed, with words enough to read."}\n'
                    % (i, i) for i in range(2000))
    frame = zstandard.ZstdCompressor().compress(body)
    flipped = bytearray(lzma.compress(body))
    flipped[len(flipped) // 2] ^= 0xFF
    files = {"not-xz.jsonl.xz": (b"plain text, not xz", "cannot read"),
             "not-zstd.jsonl.zst": (b"plain text, not zstd", "cannot read"),
             "cut.jsonl.zst": (frame[: int(len(frame) * 0.9)], "ended before the end-of-stream marker"),
             "trailing.jsonl.zst": (zstandard.ZstdCompressor().compress(b'{"id": "t", "text": "one two three"}\n')
                                    + b"bytes after the frame", "cannot read"),
             "flipped.jsonl.xz": (bytes(flipped), "cannot read")}
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    (folder / "good.jsonl").write_text(json.dumps({"id": "good", "text": "A good article beside broken ones."}) + "\n")
    return {name: reason for name, (_, reason) in files.items()}


def test_corrupt_or_cut_compressed_files_are_rejects_and_the_run_goes_on(tmp_path: Path) -> None:
    # A file that is not its compression's format, one bit-flipped, a zstd frame cut short (once
    # read silently as a shorter article) or followed by other bytes: each one is a reject naming
    # it, and the good file beside them is read. Once an LZMAError or ZstdError ended the run.
    folder = tmp_path / "feed"
    folder.mkdir()
    faults = _compressed_faults(folder)
    done = subprocess.run([sys.executable, "-m", "dedupe", "scan", str(folder), "-o", str(tmp_path / "out.jsonl"),
                           "--rejects", str(tmp_path / "rejects.jsonl"), "-q"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    rejects = {Path(r["path"]).name: r["reason"] for r in map(json.loads, (tmp_path / "rejects.jsonl").read_text().splitlines())
               if r["line"] is None}
    for name, reason in faults.items():
        assert reason in rejects.get(name, ""), (name, rejects.get(name))
    ids = {json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()}
    assert "good" in ids
    # The same bytes on standard input, to an index, and to explain --in.
    for name in faults:
        with (folder / name).open("rb") as stdin:
            piped = subprocess.run([sys.executable, "-m", "dedupe", "scan", "-", "-q"], stdin=stdin,
                                   capture_output=True, text=True, timeout=300)
        assert "Traceback" not in piped.stderr and "<stdin>" in piped.stderr, (name, piped.stderr)
    added = subprocess.run([sys.executable, "-m", "dedupe", "index", "add", str(tmp_path / "news.db"), str(folder)],
                           capture_output=True, text=True, timeout=300)
    assert "Traceback" not in added.stderr and "cut.jsonl.zst" in added.stderr + added.stdout, added.stderr
    explained = subprocess.run([sys.executable, "-m", "dedupe", "explain", "good", "c1", "--in", str(folder)],
                               capture_output=True, text=True, timeout=300)
    assert "Traceback" not in explained.stderr, explained.stderr


def test_a_file_name_that_is_not_utf8_is_written_escaped_everywhere(tmp_path: Path) -> None:
    # Its bytes reach Python as lone surrogates, which no UTF-8 output can hold: once a
    # traceback in scan -o (JSON lines, CSV, Parquet) and in index add, nothing written.
    pd = module("pandas")
    folder = tmp_path / "d"
    folder.mkdir()
    (Path(os.fsdecode(bytes(folder) + b"/\xff\xfebad.txt"))).write_text(
        "An article in a file whose name is not UTF-8, with words enough to read it.")
    (folder / "good.txt").write_text("A good article in a file with a plain name and words enough to read.")
    for name in ("out.jsonl", "out.csv", "out.parquet"):
        done = run("scan", str(folder), "-o", str(tmp_path / name), cwd=tmp_path)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        written = pd.read_json(tmp_path / name, lines=True) if name.endswith("jsonl") else \
            pd.read_csv(tmp_path / name) if name.endswith("csv") else pd.read_parquet(tmp_path / name)
        assert sorted(written["id"]) == ["\\xff\\xfebad.txt", "good.txt"], name
    added = run("index", "add", str(tmp_path / "news.db"), str(folder), cwd=tmp_path)
    assert added.returncode == 0 and "Traceback" not in added.stderr, added.stderr
    shown = run("index", "show", str(tmp_path / "news.db"), "-s", "\\xff\\xfebad.txt", cwd=tmp_path)
    assert shown.returncode == 0 and "whose name is not UTF-8" in shown.stdout
    # A text that holds such code points is no text: a reject, and the others go on.
    result = find_duplicates(["text \udcff with more words than a few", "another text entirely, long enough"])
    assert len(result.verdicts) == 1 and "lone surrogates" in result.rejects[0].reason


def test_a_stray_quote_in_a_csv_cell_never_swallows_the_rows_after_it(tmp_path: Path) -> None:
    # Once the rows after a stray opening quote were read as one cell, silently: a 6-row TSV gave
    # 3 articles and no reject; a quote bomb lost most of its rows as one reject at its end.
    tsv = tmp_path / "feed.tsv"
    tsv.write_text("id\ttext\n1\tThe first row of the feed.\n2\t\"A stray quote opens this cell\n"
                   "3\tThe third row.\n4\tThe fourth row.\n5\tThe fifth row.\n6\tThe sixth row.\n")
    read = read_articles([tsv])
    assert sorted(a.id for a in read.articles) == ["1", "3", "4", "5", "6"]
    assert [(r.line, "stray quote" in r.reason) for r in read.rejects] == [(3, True)]
    bomb = tmp_path / "bomb.csv"
    bomb.write_text("id,text\n1,\"the quote opens on line 2\n" + "".join(f"{i},row {i} of the file\n" for i in range(2, 5002)))
    read = read_articles([bomb])
    assert len(read.articles) == 5000 and [r.line for r in read.rejects] == [2]
    # Cells that do span lines, and quotes inside cells, read as they are.
    good = tmp_path / "good.csv"
    good.write_text('id,text\n1,"A first paragraph, with a comma.\n\nA second paragraph."\n'
                    '2,"A ""quoted"" word in a quoted cell"\n3,A 5" screen in a plain cell\n')
    read = read_articles([good])
    assert [a.text for a in read.articles] == ["A first paragraph, with a comma.\n\nA second paragraph.",
                                               'A "quoted" word in a quoted cell', 'A 5" screen in a plain cell']
    assert not read.rejects


def test_integer_ids_beyond_64_bits_are_kept_exact(tmp_path: Path) -> None:
    # orjson reads them as floats: two distinct ids became one, and the second article a duplicate.
    ids = [123456789012345678901234567890, 123456789012345678901234567891]
    lines = tmp_path / "big.jsonl"
    lines.write_text("".join(f'{{"id": {i}, "text": "Article number {k} with words enough."}}\n' for k, i in enumerate(ids)))
    whole = tmp_path / "big.json"
    whole.write_text("[" + ", ".join(f'{{"id": {i}, "text": "Article {k} with words."}}' for k, i in enumerate(ids)) + "]")
    for path in (lines, whole):
        read = read_articles([path])
        assert sorted(a.id for a in read.articles) == [str(i) for i in ids] and not read.rejects, path.name


def test_empty_times_a_closed_stdin_a_link_loop_and_a_non_utf8_config_are_messages(tmp_path: Path) -> None:
    # Each ended in a traceback (AttributeError, RuntimeError, UnicodeDecodeError).
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "A short article of some words about the harbour."}\n')
    for args, said in ((["index", "add", "news.db", str(feed), "--now", ""], "--now is empty"),
                       (["index", "prune", "news.db", "--older-than", "1d", "--now", ""], "--now is empty"),
                       (["index", "events", "news.db", "--since", ""], "--since is empty")):
        done = run(*args, cwd=tmp_path)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
    closed = subprocess.run(f"{shlex.quote(sys.executable)} -m dedupe scan - <&-", shell=True, cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert closed.returncode == 2 and "standard input is closed" in closed.stderr, closed.stderr  # nothing read
    assert "Traceback" not in closed.stderr
    (tmp_path / "loop").symlink_to("loop")
    looped = run("scan", str(feed), "-o", "loop", cwd=tmp_path)
    assert looped.returncode == 2 and "leads back to itself" in looped.stderr, looped.stderr
    (tmp_path / "dedupe.toml").write_bytes(b'site_profile = "caf\xe9.toml"\n')  # Latin-1, not UTF-8
    latin = run("scan", str(feed), cwd=tmp_path)
    assert latin.returncode == 2 and "dedupe.toml: cannot read the configuration: not UTF-8" in latin.stderr
    assert "Traceback" not in latin.stderr


def test_the_library_index_reads_times_as_feeds_write_them(tmp_path: Path) -> None:
    from dedupe import Index
    with Index(tmp_path / "news.db", window="3d") as index:
        added = index.add([{"id": "a", "text": "Words about the harbour and the ships. " * 5,
                            "published": "2018-07-15T10:00:00Z"}], now="2018-07-16")
        assert [v.role.value for v in added.verdicts] == ["unique"] and not added.rejects
        assert index.events(since="2018-07-01") == [] and index.prune(now="Mon, 30 Jul 2018 00:00:00 GMT") == 1
        with pytest.raises(ValueError, match="empty"):
            index.add([], now="")


def test_rows_above_the_limit_in_a_compressed_csv_are_skipped_in_bounded_memory(tmp_path: Path) -> None:
    # A quoted cell over several lines past the limit broke off mid-cell: its lines became rows.
    import gzip
    limit, good = 2**20, "A good story of words about the ships and the harbour, as the port said. "
    path = tmp_path / "feed.csv.gz"
    with gzip.open(path, "wt", newline="", encoding="utf-8") as handle:
        handle.write("id,text\n")
        for i in range(10):
            handle.write(f'good-{i},"{good * 3}"\n')
            # Three megabytes in one line, then in a quoted cell of 30 lines holding commas.
            handle.write(f"giant-{i},{'word ' * 600_000}\n" if i % 2 else
                         f'giant-{i},"{("word, " * 17_000 + chr(10)) * 30}"\n')
    tracemalloc.start()
    try:
        read = read_articles([path], max_article_bytes=limit)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [a.id for a in read.articles] == [f"good-{i}" for i in range(10)]
    assert len(read.rejects) == 10 and all("limit of 1.0 MB per article" in r.reason for r in read.rejects)
    assert [r.line for r in read.rejects][:2] == [3, 35]  # the giant's first line: 3, then 33 + 2 for good-1
    assert peak < 6 * limit, peak


def _parquet_of_repeats(path: Path, value_bytes: int, repeats: int, dictionary: bool) -> None:
    """Rows of one large value repeated, and two good rows, in one row group."""
    pa, pq = module("pyarrow"), module("pyarrow.parquet")
    values = pa.array(["x" * value_bytes, "A good story of words about ships.", "Another story about the port."])
    indices = pa.array([0] * repeats + [1, 2], pa.int32())
    text = pa.DictionaryArray.from_arrays(indices, values)
    ids = pa.array([f"r{i}" for i in range(repeats)] + ["good-1", "good-2"])
    pq.write_table(pa.table({"id": ids, "text": text if dictionary else text.cast(pa.string())}), path,
                   compression="zstd", use_dictionary=dictionary, dictionary_pagesize_limit=64 * 2**20,
                   data_page_size=2**40)


def test_a_parquet_file_of_repeated_giant_values_is_read_in_bounded_memory(tmp_path: Path) -> None:
    # 300 dictionary-coded rows of 2 MB from a file of a few kilobytes were decoded a batch at once.
    pa = module("pyarrow")
    path = tmp_path / "repeats.parquet"
    _parquet_of_repeats(path, 2 * 2**20, 300, dictionary=True)
    assert path.stat().st_size < 20_000
    pool = pa.default_memory_pool()
    before = pool.max_memory() or 0
    read = read_articles([path], max_article_bytes=2**20)
    assert [a.id for a in read.articles] == ["good-1", "good-2"]
    assert len(read.rejects) == 300 and all("above the limit" in r.reason for r in read.rejects)
    assert (pool.max_memory() or 0) - before < 100 * 2**20


def test_a_parquet_chunk_that_expands_past_any_text_is_refused_unread(tmp_path: Path) -> None:
    # The same rows written plain in one page: pyarrow decodes a page whole (300 MB from 30 KB).
    path = tmp_path / "bomb.parquet"
    _parquet_of_repeats(path, 2**20, 300, dictionary=False)
    read = read_articles([path])
    assert not read.articles and len(read.rejects) == 1
    assert read.rejects[0].reason.startswith("rows 1-302 not read: its column 'text' expands from ")


def test_a_corpus_larger_than_memory_ends_in_a_message_not_a_traceback(tmp_path: Path) -> None:
    # 2 GB of rows each under the limit ended in a MemoryError traceback after 211 s. Here 320 MB
    # of text (a 1 MB file) under an address-space limit of 1.8 GB: the run's needs far exceed it.
    import gzip
    import resource
    feed = tmp_path / "huge.jsonl.gz"
    with gzip.open(feed, "wt", encoding="utf-8") as handle:
        for i in range(40):
            paragraph = f"word{i} other words of the story number {i} " * 200
            handle.write(json.dumps({"id": f"h{i}", "text": (paragraph + "\n\n") * 1000}) + "\n")
    limit = 1800 * 2**20

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run([sys.executable, "-m", "dedupe", "scan", str(feed), "-o", "out.jsonl", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, preexec_fn=limited)
    assert done.returncode == 4 and "error: out of memory" in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and not (tmp_path / "out.jsonl").exists()


def test_a_stray_quote_closed_by_a_later_quoted_cell_never_swallows_the_rows_between(tmp_path: Path) -> None:
    # The stray quote closed at the next quoted cell: the row between became part of the stray
    # row's text (an article with another's words, the other lost without a word).
    feed = tmp_path / "feed.csv"
    feed.write_text('id,text\n'
                    'a,"The port opened a fourth terminal, officials said."\n'
                    'b,"A headline whose quote never closes\n'
                    'c,The central bank held its rate on Thursday.\n'
                    'd,"The airport handled more passengers in June, it said."\n', encoding="utf-8")
    read = read_articles([feed])
    assert [(a.id, a.text) for a in read.articles] == [
        ("a", "The port opened a fourth terminal, officials said."),
        ("c", "The central bank held its rate on Thursday."),
        ("d", "The airport handled more passengers in June, it said.")]
    assert [(r.line, r.reason.split(" (")[0]) for r in read.rejects] == [
        (3, "a quoted cell opens on this line and its quote closes inside a cell on line 5")]
    # A quote inside a quoted cell of one line is read as written, as before.
    one_line = tmp_path / "one.csv"
    one_line.write_text('id,text\nx,"He said "no" and left."\ny,The next row.\n', encoding="utf-8")
    read = read_articles([one_line])
    assert [(a.id, a.text) for a in read.articles] == [("x", 'He said no" and left."'), ("y", "The next row.")]
    assert not read.rejects
