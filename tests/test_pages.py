"""Scraped pages: web pages read through trafilatura (the [html] extra), and scraped text pages
whose navigation, "Related Articles" blocks and app banners are learnt as boilerplate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dedupe import Role, find_duplicates, read_articles
from dedupe.clean import clean_corpus

from conftest import ROOT, module
from test_quality_slice import POOL

PAGES = ROOT / "tests" / "fixtures" / "pages"


def test_web_pages_are_extracted_with_their_metadata() -> None:
    module("trafilatura")
    read = read_articles([PAGES])
    assert not read.rejects
    pages = {a.id: a for a in read.articles}
    page = pages["gulfledger-bus-route.html"]
    assert (page.title, page.source, page.url, page.published.date().isoformat()) == (
        "New bus route links market and university", "Gulf Ledger",
        "https://gulfledger.example/uae/bus-route", "2025-06-01")
    # The page's menu, related links, app banner and footer are not the article.
    for text in (a.text for a in read.articles):
        assert "Sport" not in text and "Related Articles" not in text and "Download our app" not in text
        assert "All rights reserved" not in text
    verdicts = {v.id: v for v in find_duplicates(read.articles).verdicts}
    assert verdicts["expat-daily-bus-route.html"].role is Role.DUPLICATE
    assert (verdicts["coastnews-bus-route.htm"].role, verdicts["coastnews-bus-route.htm"].missing) == \
        (Role.TRUNCATED, "end")
    assert verdicts["gulfledger-museum.html"].role is Role.UNIQUE


def test_a_page_without_an_article_is_rejected(tmp_path: Path) -> None:
    module("trafilatura")
    (tmp_path / "empty-page.html").write_text("<html><head><title>x</title></head><body></body></html>")
    (tmp_path / "blank.htm").write_text("  \n")
    reasons = sorted(r.reason for r in read_articles([tmp_path]).rejects)
    assert reasons == ["empty file", "no article text found in the page"]


def test_without_the_extra_html_is_rejected_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as if it were not installed
    (tmp_path / "page.html").write_bytes((PAGES / "gulfledger-bus-route.html").read_bytes())
    read = read_articles([tmp_path])
    assert not read.articles
    assert read.rejects[0].reason.startswith("reading HTML needs the html extra: pip install '.[html]' in the wire-dedupe folder")


# A scraped text page, as a copy-and-paste of a news site gives it: the site's menu, the story,
# then a "Related Articles" block with other headlines and an app banner.
MENU = ["Home", "UAE", "Business", "Sport", "Opinion", "Lifestyle"]
BANNER = "Get the Gulf Ledger app on the App Store and Google Play for breaking news alerts"


def scraped(headline: str, paragraphs: list[str], related: list[str]) -> str:
    return "\n".join(MENU + [headline, "Published: June 1, 2025", ""] + paragraphs
                     + ["", "Related Articles"] + related + ["", BANNER, "Most Popular", "Newsletter sign-up"])


def test_scraped_text_pages_lose_their_site_chrome_and_group_their_copies() -> None:
    paragraphs = [p.strip() for p in POOL if p.strip()]
    headlines = [f"Headline of local story number {i} for the city desk" for i in range(6)]
    pages = [scraped(headlines[i], [paragraphs[i]], [headlines[(i + 1) % 6], headlines[(i + 2) % 6]])
             for i in range(6)]
    # Another outlet's plain copy of story 0, without any of the site's chrome.
    copy = paragraphs[0]
    articles = [{"id": f"ledger-{i}", "text": page} for i, page in enumerate(pages)] + [{"id": "copy", "text": copy}]
    cleaned = clean_corpus([a["text"] for a in articles], [None] * len(articles))
    for text in cleaned.texts[:6]:
        assert not any(line in text.split("\n") for line in MENU + ["Related Articles", BANNER])
    verdicts = {v.id: v for v in find_duplicates(articles).verdicts}
    assert verdicts["copy"].cluster == verdicts["ledger-0"].cluster
    # The pages share their chrome and each other's headlines, yet no two stories join.
    assert len({verdicts[f"ledger-{i}"].cluster for i in range(6)}) == 6
