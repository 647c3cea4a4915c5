"""``dedupe explain``: the scores, the rule, the roles and the aligned texts of two articles."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dedupe import find_duplicates, read_articles
from dedupe.explain import explain_pair
from dedupe.passages import align_texts
from dedupe.cli import app

from conftest import SAMPLE

runner = CliRunner(env={"COLUMNS": "160"})
WIRE, COPY = SAMPLE / "wire-port-terminal.txt", SAMPLE / "coastnews-port-terminal.txt"


def test_a_truncated_copy_is_explained_with_its_missing_end() -> None:
    done = runner.invoke(app, ["explain", str(WIRE), str(COPY), "--json"])
    assert done.exit_code == 0, done.output
    pair = json.loads(done.output)
    assert (pair["rule"], pair["accepted"], pair["same_story"]) == ("contained", True, True)
    assert pair["roles"] == {"a": "canonical", "b": "truncated"} and pair["missing"] == "end"
    assert pair["containment"]["b_in_a"] == 1.0 and pair["containment"]["a_in_b"] < 0.5
    assert 0 < pair["jaccard"]["exact"] < 0.5 and abs(pair["jaccard"]["estimated"] - pair["jaccard"]["exact"]) < 0.15
    # The copy's text is all there, in order, and the wire's last paragraphs are what it lacks.
    only_a = " ".join(p["a"] for p in pair["passages"] if p["kind"] in ("only_a", "changed"))
    assert "The operator plans to hire about 1,800 workers" in only_a
    assert "".join(p["b"] for p in pair["passages"]).split() == COPY.read_text().split("\n\n", 1)[1].split()


def test_the_terminal_view_shows_scores_rule_and_both_texts() -> None:
    done = runner.invoke(app, ["explain", str(WIRE), str(COPY)])
    assert done.exit_code == 0, done.output
    for piece in ("containment (shingles)", "TF-IDF cosine", "Jaccard, exact", "rule contained",
                  "A is canonical, B is truncated", "lacks the other's end", "only A" if "only A" in done.output
                  else "changed", "1,800 workers"):
        assert piece in done.output, piece


def test_ids_in_a_folder_give_the_scores_of_a_scan() -> None:
    done = runner.invoke(app, ["explain", "wire-port-terminal.txt", "ledger-port-terminal.txt", "--in", str(SAMPLE),
                               "--json"])
    assert done.exit_code == 0, done.output
    pair = json.loads(done.output)
    scan = {v.id: v for v in find_duplicates(read_articles([SAMPLE]).articles).verdicts}
    member = scan["ledger-port-terminal.txt"]
    assert (pair["roles"]["a"], pair["roles"]["b"]) == (scan["wire-port-terminal.txt"].role.value, member.role.value)
    assert pair["similarity"] == round(member.similarity, 4)


def test_unrelated_articles_are_refused_with_the_rule_that_says_why() -> None:
    articles = read_articles([SAMPLE]).articles
    ids = sorted(a.id for a in articles)
    scan = {v.id: v.cluster for v in find_duplicates(articles).verdicts}
    a, b = next((x, y) for x in ids for y in ids if x < y and scan[x] != scan[y])
    pair = explain_pair(articles, a, b)
    assert not pair.same_story and not pair.accepted and pair.rule in ("low_overlap", "facts_differ", "short")


def test_unknown_ids_and_unreadable_files_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["explain", "nope", "wire-port-terminal.txt", "--in", str(SAMPLE)])
    assert missing.exit_code == 2 and "no article with this id" in missing.output
    (tmp_path / "empty.txt").write_text("")
    empty = runner.invoke(app, ["explain", str(tmp_path / "empty.txt"), str(WIRE)])
    assert empty.exit_code == 2 and "empty file" in empty.output


def test_alignment_gives_each_text_back() -> None:
    a, b = "One two three four five six.", "One two 3 four five six seven."
    passages = align_texts(a, b)
    assert "".join(p.a for p in passages) == a and "".join(p.b for p in passages) == b
    assert [p.kind for p in passages] == ["shared", "changed", "shared", "changed"]


def test_the_dropped_page_junk_and_a_versions_chain_are_shown() -> None:
    from test_quality_slice import POOL
    paragraphs = [p.strip().replace("\n", " ") for p in POOL if p.strip()][:8]
    # Five write-through versions, each a paragraph on from the one before: the first and the
    # last share under half of their text with the middle one.
    versions = [{"id": f"v{k}", "text": "\n".join(paragraphs[k:k + 3])} for k in range(5)]
    versions[0]["text"] = "Posted 8:11 AM, July 15, 2018\nShare on Facebook\n" + versions[0]["text"]
    pair = explain_pair(versions, "v0", "v2")
    assert pair.same_story and pair.role_b == "canonical" and pair.role_a == "version"
    assert pair.chain_a == ("v0", "v1", "v2") and pair.chain_b == ()
    assert pair.dropped_a == ("Posted 8:11 AM, July 15, 2018", "Share on Facebook") and pair.dropped_b == ()
    shown = pair.to_dict()
    assert shown["chain"]["a"] == ["v0", "v1", "v2"] and shown["dropped"]["a"][1] == "Share on Facebook"


def test_terminal_escapes_in_ids_sources_and_texts_are_shown_never_run(tmp_path: Path) -> None:
    # Clear the screen, set the window's title: once printed raw by explain, where scan and index
    # show escape them.
    import subprocess
    import sys

    clear, title = "\x1b[2J", "\x1b]0;pwned\x07"
    body = ("The port authority said on Monday that container volumes rose by a tenth in the first half "
            "of the year, helped by new shipping lines to East Africa and South Asia.")
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": f"a{clear}", "source": f"Wire{title}", "title": f"Port{clear} volumes", "text": f"{clear}{body}"},
        {"id": "b", "source": "Outlet", "text": f"{body}{title} Share this article"}]))
    done = subprocess.run([sys.executable, "-m", "dedupe", "explain", f"a{clear}", "b", "--in", str(feed)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "a\\x1b[2J" in done.stdout
