"""Site profiles: one site's own page junk, named in dedupe.toml, removed beside the core rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dedupe import find_duplicates
from dedupe.clean import clean_article, strip_pages
from dedupe.config import DedupeConfig
from dedupe.errors import ConfigError
from dedupe.site_profile import Site, SiteProfile

ROOT = Path(__file__).resolve().parent.parent
STORY = ["HELSINKI (AP) — President Donald Trump and Russia's Vladimir Putin opened their summit on Monday "
         "with a one-on-one meeting in the Finnish capital.",
         "The two leaders spoke for more than two hours with only interpreters present, officials said."]
# A line one site writes under its stories, which no core rule knows.
SITE_LINE = "91% of readers think this story is Fact. Add your two cents."


def test_the_profile_removes_what_the_core_keeps() -> None:
    page = "\n".join([STORY[0], SITE_LINE, STORY[1]])
    assert SITE_LINE in clean_article(page, None)
    profile = SiteProfile((Site("beforeitsnews.com", ("% of readers", "add your two cents")),))
    assert clean_article(page, None, profile) == clean_article("\n".join(STORY), None)
    # The page's own line counts against it as canonical, as the core's junk does.
    assert strip_pages([page], [None], profile=profile)[0].page_lines == 1


def test_the_example_profile_loads_and_every_phrase_is_a_pattern() -> None:
    profile = SiteProfile.load(ROOT / "data" / "sites.toml")
    assert len(profile) >= 5 and all(site.phrases for site in profile.sites)
    assert profile.pattern().search("more_vert")


def test_dedupe_toml_names_the_profile_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "mine.toml").write_text('[[site]]\nname = "one site"\nphrases = ["add your two cents"]\n')
    (tmp_path / "dedupe.toml").write_text('[dedupe]\nsite_profile = "profiles/mine.toml"\n')
    config = DedupeConfig.load(tmp_path)
    assert [s.name for s in config.site_profile.sites] == ["one site"]
    # The scan reads it: the site's line is gone from both copies, which then match word for word.
    pages = [{"id": f"p{k}", "text": "\n".join([STORY[0], f"{k}1% of readers think this story is Fact. "
                                               "Add your two cents.", STORY[1]])} for k in range(2)]
    result = find_duplicates(pages, config)
    assert {v.role.value for v in result.verdicts} == {"canonical", "duplicate"}
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(p) + "\n" for p in pages))
    done = subprocess.run([sys.executable, "-m", "dedupe", "scan", str(feed), "-o", str(tmp_path / "out.jsonl")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sorted(r["role"] for r in records) == ["canonical", "duplicate"]


@pytest.mark.parametrize("profile, message", [
    ('[[site]]\nname = "x"\nphrases = ["(unclosed"]\n', "site 'x': phrase '(unclosed' is not a regular expression"),
    ('[[site]]\nphrases = ["a"]\n', "needs a name"),
    ('[[site]]\nname = "x"\nphrase = ["a"]\n', "unknown key(s) phrase"),
    ('[sites]\nname = "x"\n', "unknown table(s) sites"),
    ('[[site]\n', "cannot read the site profile"),
])
def test_a_bad_profile_is_an_error_naming_the_file_and_the_fault(tmp_path: Path, profile: str, message: str) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(profile)
    with pytest.raises(ConfigError) as raised:
        DedupeConfig(site_profile=path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_a_bad_profile_named_in_dedupe_toml_ends_the_scan_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "dedupe.toml").write_text('site_profile = "absent.toml"\n')
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": STORY[0]}) + "\n")
    done = subprocess.run([sys.executable, "-m", "dedupe", "scan", str(feed)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "absent.toml" in done.stderr and "Traceback" not in done.stderr
