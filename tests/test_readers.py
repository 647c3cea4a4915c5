"""Reading: every format, the id rules, encodings, and a reject (never a crash) for bad input."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dedupe import InputError, read_articles
from dedupe.io.readers import decode, split_header

from conftest import SAMPLE

BODY = "The operator of the port opened its fourth container terminal on Saturday."


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_text_file_with_header_block(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"Title: Port opens\nSOURCE: Gulf Wire\nurl: https://x.test/a\n"
                              f"Published: 2025-06-14T08:00:00Z\nDesk: business\n\n{BODY}\n")
    [article] = read_articles([tmp_path]).articles
    assert article.id == "a.txt"
    assert (article.title, article.source, article.url) == ("Port opens", "Gulf Wire", "https://x.test/a")
    assert article.published == datetime(2025, 6, 14, 8, tzinfo=timezone.utc)
    assert article.text.strip() == BODY
    assert article.extra == {"desk": "business"}


def test_text_file_without_header_is_all_body(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "b.md", f"Note: this is not a header\n\n{BODY}")
    [article] = read_articles([tmp_path]).articles
    assert article.id == "sub/b.md"  # relative to the scanned folder
    assert article.title is None and article.text.startswith("Note:")


def test_header_id_overrides_the_path(tmp_path: Path) -> None:
    write(tmp_path / "c.txt", f"ID: wire-42\n\n{BODY}")
    assert read_articles([tmp_path]).articles[0].id == "wire-42"


def test_json_object_list_and_lines(tmp_path: Path) -> None:
    write(tmp_path / "one.json", json.dumps({"headline": "H", "body": BODY, "publisher": "P", "lang": "en"}))
    write(tmp_path / "many.json", json.dumps([{"id": "m1", "content": BODY}, {"text": BODY + " Two."}]))
    write(tmp_path / "feed.jsonl", "\n".join(json.dumps({"text": f"{BODY} {i}"}) for i in range(3)))
    write(tmp_path / "feed2.ndjson", json.dumps({"id": "n1", "text": BODY}) + "\n\n")
    result = read_articles([tmp_path])
    assert not result.rejects
    ids = [a.id for a in result.articles]
    assert ids == ["feed.jsonl#1", "feed.jsonl#2", "feed.jsonl#3", "n1", "m1", "many.json#2", "one.json"]
    one = result.articles[-1]
    assert (one.title, one.source, one.extra) == ("H", "P", {"lang": "en"})
    assert result.articles[1].line == 2


def test_a_single_file_path(tmp_path: Path) -> None:
    path = write(tmp_path / "deep" / "x.txt", BODY)
    assert read_articles([path]).articles[0].id == "x.txt"


def test_repeated_id_is_rejected_naming_both_places(tmp_path: Path) -> None:
    write(tmp_path / "a.jsonl", json.dumps({"id": "dup", "text": BODY}) + "\n" + json.dumps({"id": "dup", "text": BODY}))
    write(tmp_path / "b.txt", f"ID: dup\n\n{BODY}")
    result = read_articles([tmp_path])
    assert [a.id for a in result.articles] == ["dup"]
    assert len(result.rejects) == 2
    first = result.rejects[0]
    assert first.line == 2 and "duplicate id 'dup'" in first.reason and "a.jsonl:1" in first.reason
    assert str(tmp_path / "b.txt") in str(result.rejects[1])


def test_bad_records_are_rejected_and_the_rest_read(tmp_path: Path) -> None:
    lines = [json.dumps({"text": BODY}), "{not json", json.dumps({"title": "no text"}),
             json.dumps({"text": 42}), json.dumps(["a list"]), json.dumps({"text": BODY + " again"})]
    write(tmp_path / "feed.jsonl", "\n".join(lines))
    write(tmp_path / "bad.json", '{"text": "unterminated')
    write(tmp_path / "scalar.json", "17")
    write(tmp_path / "image.png", b"\x89PNG\r\n")
    result = read_articles([tmp_path])
    assert [a.id for a in result.articles] == ["feed.jsonl#1", "feed.jsonl#6"]
    reasons = {(Path(r.path).name, r.line): r.reason for r in result.rejects}
    assert "invalid JSON" in reasons[("feed.jsonl", 2)]
    assert "no text" in reasons[("feed.jsonl", 3)]
    assert "'text' must be a string" in reasons[("feed.jsonl", 4)]
    assert "found a JSON list" in reasons[("feed.jsonl", 5)]
    assert "invalid JSON" in reasons[("bad.json", 1)]
    assert "found a JSON int" in reasons[("scalar.json", None)]
    assert "unsupported file type '.png'" in reasons[("image.png", None)]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read_articles([tmp_path / "nowhere"])


ARABIC = "أعلنت هيئة الكهرباء والمياه اليوم تشغيل محطة جديدة لتحلية مياه البحر في إمارة الفجيرة."
FRENCH = "Le président a reçu un appel téléphonique de son homologue irakien à propos de la sécurité régionale."


@pytest.mark.parametrize("text, encoding", [
    (ARABIC, "cp1256"), (FRENCH, "latin-1"), (ARABIC, "utf-16"), (FRENCH, "utf-8-sig"), (ARABIC, "utf-8"),
])
def test_encodings_are_read_correctly(text: str, encoding: str, tmp_path: Path) -> None:
    write(tmp_path / "a.txt", text.encode(encoding))
    assert read_articles([tmp_path]).articles[0].text == text


def test_undecodable_bytes_are_rejected_not_garbled(tmp_path: Path) -> None:
    write(tmp_path / "junk.txt", bytes(range(256)) * 4)
    result = read_articles([tmp_path])
    assert not result.articles
    assert "binary data" in result.rejects[0].reason


def test_mixed_line_endings(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Title: T\r\nSource: S\r\n\r\nFirst line.\rSecond line.\n".encode())
    article = read_articles([tmp_path]).articles[0]
    assert article.title == "T" and article.text == "First line.\nSecond line.\n"


def test_decode_prefers_utf8_and_boms() -> None:
    assert decode("naïve".encode("utf-8")) == "naïve"
    assert decode("\ufeffnaïve".encode("utf-16-le")) == "naïve"


def test_split_header_needs_a_known_key() -> None:
    assert split_header("Author: Someone\n\nBody") == ({}, "Author: Someone\n\nBody")
    assert split_header("Headline: H\nAuthor: A\n\nBody") == ({"title": "H", "author": "A"}, "Body")


def test_every_sample_file_is_read() -> None:
    result = read_articles([SAMPLE])
    assert not result.rejects
    files = [p for p in SAMPLE.rglob("*") if p.is_file()]
    assert len({a.path for a in result.articles}) == len(files)


@pytest.mark.parametrize("text, encoding", [
    (ARABIC, "cp1256"), (FRENCH, "latin-1"), (ARABIC, "utf-16"), (FRENCH, "utf-8-sig"), (ARABIC, "utf-8"),
])
def test_jsonl_is_read_line_by_line_in_any_accepted_encoding(text: str, encoding: str, tmp_path: Path) -> None:
    # An ASCII line first: a legacy encoding shows only at the second line.
    lines = [json.dumps({"id": "plain", "text": BODY}), json.dumps({"id": "x", "text": text}, ensure_ascii=False),
             "{broken", json.dumps({"id": "last", "text": BODY})]
    write(tmp_path / "a.jsonl", "\r\n".join(lines).encode(encoding))
    result = read_articles([tmp_path])
    assert [(a.id, a.text, a.line) for a in result.articles] == [("plain", BODY, 1), ("x", text, 2), ("last", BODY, 4)]
    assert [(r.line, "invalid JSON" in r.reason) for r in result.rejects] == [(3, True)]


def test_jsonl_lines_may_end_in_any_way(tmp_path: Path) -> None:
    records = [json.dumps({"id": str(i), "text": BODY}) for i in range(5)]
    write(tmp_path / "a.jsonl", (records[0] + "\r" + records[1] + "\r\n\r\n" + "{broken\n" + records[2] + "\r\r\n"
                                 + records[3] + "\n" + records[4]).encode())
    result = read_articles([tmp_path])
    assert [(a.id, a.line) for a in result.articles] == [("0", 1), ("1", 2), ("2", 5), ("3", 7), ("4", 8)]
    assert [r.line for r in result.rejects] == [4]


def test_binary_lines_in_a_jsonl_feed_cost_only_themselves(tmp_path: Path) -> None:
    good = [json.dumps({"id": name, "text": BODY}).encode() for name in ("before", "after")]
    write(tmp_path / "a.jsonl", good[0] + b"\n" + bytes(range(256)) * 4 + b"\n" + good[1] + b"\n")
    result = read_articles([tmp_path])
    assert [a.id for a in result.articles] == ["before", "after"]
    # Every line of the binary block is a reject of its own, named by its line; none is read as text.
    assert result.rejects and all(r.line is not None and 1 < r.line < result.articles[1].line for r in result.rejects)
    assert any("binary data (NUL bytes)" in r.reason for r in result.rejects)


def test_one_latin1_line_in_a_utf8_feed_garbles_nothing_around_it(tmp_path: Path) -> None:
    """The adversarial round's case: a UTF-8 feed with one latin-1 line used to switch the rest of
    the file to a guessed legacy encoding, garbling every title after it."""
    titles = [f"\u2018Quoted\u2019 headline number {i} \u2014 caf\u00e9" for i in range(40)]
    lines = [json.dumps({"id": str(i), "title": t, "text": BODY}, ensure_ascii=False).encode("utf-8")
             for i, t in enumerate(titles)]
    lines[4] = json.dumps({"id": "4", "title": "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e pr\u00e8s de l'\u00e9glise",
                           "text": BODY}, ensure_ascii=False).encode("latin-1")
    write(tmp_path / "feed.jsonl", b"\n".join(lines) + b"\n")
    result = read_articles([tmp_path])
    by_id = {a.id: a for a in result.articles}
    assert [by_id[str(i)].title for i in range(40) if i != 4] == [t for i, t in enumerate(titles) if i != 4]
    # The bad line is decoded in the encoding its own bytes show, or rejected by its number; never garbled.
    if "4" in by_id:
        assert by_id["4"].title == "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e pr\u00e8s de l'\u00e9glise"
    else:
        assert [r.line for r in result.rejects] == [5]


def test_a_cp1256_feed_is_read_line_by_line(tmp_path: Path) -> None:
    arabic = "\u0623\u0639\u0644\u0646\u062a \u0648\u0632\u0627\u0631\u0629 \u0627\u0644\u0635\u062d\u0629 \u0639\u0646 \u0627\u0641\u062a\u062a\u0627\u062d \u0645\u0633\u062a\u0634\u0641\u0649 \u062c\u062f\u064a\u062f \u0641\u064a \u0627\u0644\u0645\u062f\u064a\u0646\u0629"
    lines = [json.dumps({"id": "ascii", "text": BODY}).encode()]
    lines += [json.dumps({"id": f"ar{i}", "text": f"{arabic} {i}"}, ensure_ascii=False).encode("cp1256")
              for i in range(30)]
    write(tmp_path / "feed.jsonl", b"\n".join(lines))
    result = read_articles([tmp_path])
    assert not result.rejects
    assert [a.text for a in result.articles[1:]] == [f"{arabic} {i}" for i in range(30)]


def test_ids_titles_and_dates_as_feeds_and_frames_write_them() -> None:
    from dedupe import Article
    text = "The port opened its fourth terminal on Saturday, doubling the ships it handles at night."
    moment = datetime(2018, 7, 16, 8, 11, tzinfo=timezone.utc)
    numeric = Article.from_dict({"id": 5, "text": text, "pubDate": "Mon, 16 Jul 2018 08:11:00 GMT"})
    assert numeric.id == "5" and numeric.published == moment and "pubDate" not in numeric.extra
    from_frame = Article.from_dict({"id": 6.0, "title": float("nan"), "text": text, "published": 1531728660})
    assert from_frame.id == "6" and from_frame.title is None and from_frame.published == moment
    millis = Article.from_dict({"id": "m", "text": text, "scrape_time": 1531728660000})
    assert millis.published == moment
    # A date in a format of its own, under a name that only may mean publication, is carried as it is.
    reuters = Article.from_dict({"id": "r", "text": text, "date": "26-FEB-1987 15:01:01.79"})
    assert reuters.published is None and reuters.extra["date"] == "26-FEB-1987 15:01:01.79"
    with pytest.raises(ValueError, match="not an ISO 8601 or RFC 2822 date"):
        Article.from_dict({"id": "p", "text": text, "published": "yesterday"})


def test_a_folder_given_twice_through_a_link_is_read_once(tmp_path: Path) -> None:
    # Once read twice, as two sets of articles with other ids: every story doubled.
    folder = tmp_path / "feed"
    shutil.copytree(SAMPLE, folder)
    (tmp_path / "link").symlink_to(folder)
    once = read_articles([folder])
    twice = read_articles([folder, tmp_path / "link", folder / "wire-port-terminal.txt"])
    assert len(twice.articles) == len(once.articles)
    assert [(Path(r.path).name, "given already" in r.reason) for r in twice.rejects] == \
        [("link", True), ("wire-port-terminal.txt", True)]
