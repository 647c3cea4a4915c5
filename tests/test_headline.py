"""A story's headline for people, and its outlets, as the table and the report show them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path


from dedupe import find_duplicates
from dedupe.page_junk import junk_lines

WIRE = ("HELSINKI (AP) — President Donald Trump and Russia's Vladimir Putin opened their summit on Monday "
        "with a one-on-one meeting in the Finnish capital, where the two leaders spoke for more than two hours "
        "with only interpreters present. The meeting came days after twelve Russian intelligence officers were "
        "indicted on charges of hacking Democratic emails. Trump said the relationship had never been worse "
        "but that it had changed as of about four hours ago. Putin said the talks had been frank and useful.")
OTHER = ("LONDON (Reuters) — Britain's finance ministry said on Monday it would publish new rules for "
         "peer-to-peer lenders next month, after a review found that some platforms had misled savers about "
         "the risks they carried. Lenders will have to show how loans are priced and what happens to savers' "
         "money if a platform fails. The regulator said it had no plans to cap the returns platforms offer.")


def page(i: int, title: str, source: str, text: str = WIRE) -> dict:
    return {"id": f"p{i}", "title": title, "source": source, "text": f"{text}\nRelated coverage from {source}."}


def test_junk_and_site_wide_headlines_give_way_to_the_story_s_own() -> None:
    pages = [page(0, "share", "site-a.com"),
             page(1, "Enter City and State or Zip Code", "site-b.com"),
             page(2, "The Boston Globe", "bostonglobe.com"),
             page(3, "Trump and Putin open summit with one-on-one meeting | Miami Herald", "miamiherald.com"),
             page(4, "Trump and Putin open summit with one-on-one meeting", "chron.com"),
             # A site-wide label that another story carries too.
             page(5, "Top stories from around the world today", "site-c.com"),
             page(6, "Top stories from around the world today", "site-c.com", OTHER),
             page(7, "Peer-to-peer lenders face new rules on pricing", "ft.com", OTHER)]
    result = find_duplicates(pages)
    stories = {s.canonical.article.text[:9]: s for s in result.clusters}
    summit, lenders = stories["HELSINKI "], stories["LONDON (R"]
    assert summit.headline == "Trump and Putin open summit with one-on-one meeting"
    assert lenders.headline == "Peer-to-peer lenders face new rules on pricing"
    assert set(summit.outlets) == {"site-a.com", "site-b.com", "bostonglobe.com", "miamiherald.com",
                                   "chron.com", "site-c.com"}


def test_without_a_usable_headline_the_opening_words_stand_in() -> None:
    result = find_duplicates([page(0, "comments", "a.com"), page(1, "", "b.com"), page(2, "(68102)", "c.com")])
    [story] = result.clusters
    # From the cleaned text: the dateline is not part of it.
    assert story.headline.startswith("President Donald Trump and Russia's Vladimir Putin opened their summit")
    assert story.headline.endswith("…")


def test_the_table_and_the_report_show_headline_story_id_and_outlets(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(p) + "\n" for p in [page(0, "share", "site-a.com"),
                                                           page(1, "Trump and Putin open summit", "chron.com")]))
    done = subprocess.run([sys.executable, "-m", "dedupe", "scan", str(feed), "--report", str(tmp_path / "r.html")],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, timeout=300)
    assert done.returncode == 0, done.stderr
    table = done.stdout
    assert "Trump and Putin open summit" in table and "share" not in table
    assert "p0" in table or "p1" in table  # the story's id, to pass to dedupe explain
    assert "site-a.com" in table and "chron.com" in table
    report = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Trump and Putin open summit</h2>" in report
    assert 'class="outlets"' in report and "chron.com" in report


def test_every_record_carries_its_story_s_headline(tmp_path: Path) -> None:
    import pandas as pd

    pages = [page(0, "share", "site-a.com"), page(1, "Trump and Putin open summit with one-on-one meeting", "chron.com"),
             page(2, "Peer-to-peer lenders face new rules on pricing", "ft.com", OTHER)]
    result = find_duplicates(pages)
    headlines = {v.id: v.headline for v in result.verdicts}
    assert headlines == {"p0": "Trump and Putin open summit with one-on-one meeting",
                         "p1": "Trump and Putin open summit with one-on-one meeting",
                         "p2": "Peer-to-peer lenders face new rules on pricing"}  # a unique article heads its own
    assert result.to_pandas().set_index("id")["headline"].to_dict() == headlines
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(p) + "\n" for p in pages))
    for name in ("out.jsonl", "out.csv", "out.parquet"):
        done = subprocess.run([sys.executable, "-m", "dedupe", "scan", str(feed), "-q", "-o", str(tmp_path / name)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        written = pd.read_json(tmp_path / name, lines=True) if name.endswith("jsonl") else \
            pd.read_csv(tmp_path / name) if name.endswith("csv") else pd.read_parquet(tmp_path / name)
        assert written.set_index("id")["headline"].to_dict() == headlines, name


def test_a_story_of_captions_alone_says_so() -> None:
    caption = ("People hold placards and banners during a march in Helsinki on July 15, 2018, ahead of the summit. "
               "(Photo by Jonathan NACKSTRAND / AFP)")
    result = find_duplicates([{"id": f"g{k}", "title": "share", "text": f"share\nmore_vert\n{caption}"} for k in range(3)])
    [story] = result.clusters
    assert story.headline.startswith("[captions] People hold placards")



def test_no_headline_of_the_real_pages_is_page_junk_or_another_story_s(web_pages: list[dict]) -> None:
    result = find_duplicates(web_pages)
    headlines = [story.headline for story in result.clusters]
    assert len(set(headlines)) == len(headlines)  # none shared by two stories
    for story in result.clusters:
        assert {m.headline for m in story.members} == {story.headline}
        shown = story.headline.removeprefix("[captions] ")
        # Not a caption, photo credit, time stamp, widget or share line, nor a byline.
        assert not any(junk_lines(shown)) or story.headline.startswith("[captions] "), story.headline
        assert not re.match(r"(?i)(?:\w+ )?by\b", shown) and "Associated Press" not in shown[-20:], story.headline
