"""``dedupe scan --report`` and ``dedupe report``: one self-contained HTML file, opened in a real
headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedupe import Article, find_duplicates
from dedupe.cli import app
from dedupe.report import render_report

from conftest import SAMPLE, module, unavailable
from test_seed import cut_stories

runner = CliRunner(env={"COLUMNS": "160"})
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        unavailable("chromium is not installed (.ci/run installs it)")
    playwright = module("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def open_report(browser, path: Path):
    """The report in a new page; every console error, page error and network request is kept."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.problems = []
    page.requests = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(path.as_uri())
    return page


def test_the_report_of_the_sample_and_the_seed_page(browser, seed_page: str, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(SAMPLE, folder)
    cut_stories(seed_page, folder)
    report = tmp_path / "report.html"
    done = runner.invoke(app, ["scan", str(folder), "-o", str(tmp_path / "out.jsonl"), "--report", str(report)])
    assert done.exit_code == 0, done.output
    page = open_report(browser, report)
    assert page.problems == []
    assert page.requests == [report.as_uri()]  # nothing fetched but the file itself
    story = page.locator(".story", has=page.locator(".member[data-source='Khaleej Times']"))
    assert story.count() == 1
    assert story.locator(".member.canonical").get_attribute("data-source") == "Zawya"
    khaleej = story.locator(".member[data-source='Khaleej Times']")
    assert khaleej.get_attribute("data-role") == "truncated" and khaleej.locator(".role").inner_text() == "TRUNCATED"
    assert khaleej.locator("del").count() > 0  # the text it lacks is shown, struck through
    shot = Path(tempfile.gettempdir()) / "wire-dedupe-report-seed-story.png"  # kept for the test log
    story.screenshot(path=str(shot))
    print(f"screenshot of the seed story: {shot}")
    assert shot.stat().st_size > 10_000


def test_search_and_filters_hide_what_does_not_match(browser, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    assert runner.invoke(app, ["scan", str(SAMPLE), "--report", str(report), "-q"]).exit_code == 0
    page = open_report(browser, report)
    stories = page.locator(".story")
    assert page.locator("#shown").inner_text() == f"{stories.count()} of {stories.count()} stories"
    page.fill("#search", "Jebel Ali")
    visible = [s for s in stories.all() if s.is_visible()]
    assert len(visible) == 1 and "Jebel Ali" in visible[0].inner_text()
    page.fill("#search", "no story holds these words")
    assert page.locator("#nothing").is_visible() and not any(s.is_visible() for s in stories.all())
    page.fill("#search", "")
    page.uncheck("input[value=truncated]")
    assert page.locator(".member.truncated").count() > 0
    assert not any(m.is_visible() for m in page.locator(".member.truncated").all())
    page.select_option("#source", "Gulf Ledger")
    holding = [json.loads(s.get_attribute("data-sources")) for s in stories.all()]
    visible = [s.is_visible() for s in stories.all()]
    assert any(visible) and visible == ["Gulf Ledger" in names for names in holding]
    assert page.problems == []


def test_the_source_filter_finds_sources_of_any_name(browser, tmp_path: Path) -> None:
    # A source holding "|" was split in two by the filter, and its stories never shown.
    story = ("The port operator said on Monday it had opened a fourth container terminal at Jebel Ali, "
             "doubling the capacity for ships arriving at night. ") * 3
    other = ("The central bank held its main rate at 4.5 percent on Thursday, saying inflation had "
             "eased for a third month in a row across the region. ") * 3
    articles = [Article("wire", story, source="Reuters | Markets"), Article("copy", story, source='Gulf "Daily", UAE'),
                Article("bank", other, source="Reuters"), Article("bank-copy", other, source="Bank, News")]
    report = tmp_path / "report.html"
    report.write_text(render_report(find_duplicates(articles).verdicts), encoding="utf-8")
    page = open_report(browser, report)
    for source, words in (("Reuters | Markets", "Jebel Ali"), ('Gulf "Daily", UAE', "Jebel Ali"),
                          ("Reuters", "central bank"), ("Bank, News", "central bank")):
        page.select_option("#source", source)
        visible = [s for s in page.locator(".story").all() if s.is_visible()]
        assert len(visible) == 1 and words in visible[0].inner_text(), source
    assert page.problems == []


def test_article_text_is_escaped_and_never_runs(browser, tmp_path: Path) -> None:
    story = ("The port operator said on Monday it had opened a fourth container terminal at Jebel Ali, "
             "doubling the capacity for ships arriving at night. ") * 3
    hostile = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    articles = [Article("wire", story, title=f"Port {hostile}", source=f"Wire {hostile}"),
                Article("copy", story[:200] + hostile, title=hostile, source="Copy <b>Daily</b>")]
    report = tmp_path / "report.html"
    report.write_text(render_report(find_duplicates(articles).verdicts), encoding="utf-8")
    page = open_report(browser, report)
    assert page.evaluate("window.pwned") is None
    assert page.locator("script").count() == 1  # the report's own
    assert page.locator("img").count() == 0
    # Shown as text wherever it appears: the copy's headline, the outlets of the story.
    assert hostile in page.locator(".story .member .title").first.inner_text()
    assert f"Wire {hostile}" in page.locator(".story .outlets").inner_text()
    assert page.problems == []


def test_dedupe_report_rebuilds_the_report_from_a_scan_output(tmp_path: Path) -> None:
    out, first, second = tmp_path / "out.jsonl", tmp_path / "first.html", tmp_path / "second.html"
    assert runner.invoke(app, ["scan", str(SAMPLE), "-o", str(out), "--report", str(first), "-q"]).exit_code == 0
    done = runner.invoke(app, ["report", str(out), "-o", str(second)])
    assert done.exit_code == 0, done.output
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    # Self-contained: no address to load anything from.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", first.read_text(encoding="utf-8"))


def test_a_report_of_a_moved_article_says_which(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(SAMPLE, folder)
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["scan", str(folder), "-o", str(out), "-q"]).exit_code == 0
    (folder / "coastnews-port-terminal.txt").unlink()
    done = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "r.html")])
    assert done.exit_code == 2 and "coastnews-port-terminal.txt" in done.output and "is not found" in done.output


def test_a_report_is_rebuilt_from_another_folder_and_from_csv(tmp_path: Path) -> None:
    """Paths stored relative to where the scan ran are found from the output file's folder or
    above it, whatever the current folder; the CSV output reads back as the JSON lines do."""
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project / "data")
    (project / "out").mkdir()
    for name in ("clusters.jsonl", "clusters.csv"):
        done = subprocess.run([sys.executable, "-m", "dedupe", "scan", "data", "-o", f"out/{name}", "-q"],
                              cwd=project, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    reports = []
    for name in ("clusters.jsonl", "clusters.csv"):
        done = subprocess.run([sys.executable, "-m", "dedupe", "report", str(project / "out" / name), "-o", f"{name}.html"],
                              cwd=elsewhere, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        reports.append((elsewhere / f"{name}.html").read_text(encoding="utf-8"))
    assert reports[0] == reports[1] and "Jebel Ali operator opens fourth container terminal" in reports[0]


HOSTILE = '<img src=x onerror="window.pwned = 1">'


@pytest.mark.parametrize("field, value, message", [
    ("missing", HOSTILE, "'missing' must be end, middle, start or empty"),
    ("similarity", None, "a truncated needs its three scores"),
    ("role", "boss", "unknown role 'boss'"),
    ("canonical_coverage", "lots", "'canonical_coverage' must be a number"),
])
def test_a_tampered_scan_output_is_a_clear_error(tmp_path: Path, field: str, value, message: str) -> None:
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["scan", str(SAMPLE), "-o", str(out), "-q"]).exit_code == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    number = next(i for i, r in enumerate(records) if r["role"] == "truncated")
    records[number][field] = value
    out.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    done = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "r.html")])
    assert done.exit_code == 2 and isinstance(done.exception, (SystemExit, type(None))), done.output
    assert f"out.jsonl:{number + 1}: not a record of dedupe scan: {message}" in " ".join(done.output.split())
    assert not (tmp_path / "r.html").exists()


def test_every_field_of_a_verdict_is_escaped_in_the_report(browser, tmp_path: Path) -> None:
    """The report escapes what it is given, whatever a caller built: a missing, an id, a chain."""
    story = ("The port operator said on Monday it had opened a fourth container terminal at Jebel Ali, "
             "doubling the capacity for ships arriving at night. ") * 3
    result = find_duplicates([Article("wire", story), Article("copy", story[:200])])
    tampered = [dataclasses.replace(v, missing=HOSTILE, chain=(HOSTILE,)) if v.role.value != "canonical" else v
                for v in result.verdicts]
    report = tmp_path / "report.html"
    report.write_text(render_report(tampered), encoding="utf-8")
    page = open_report(browser, report)
    assert page.evaluate("window.pwned") is None and page.locator("img").count() == 0
    assert HOSTILE in page.locator(".story .scores").first.inner_text()


def test_a_version_s_diff_reads_by_passage_and_the_canonical_shows_its_title() -> None:
    from dedupe import Role, find_duplicates
    from dedupe.report import render_report

    from test_versions import write_through

    articles = [{**a, "title": f"Warehouse fire, take {k}"} for k, a in enumerate(write_through())]
    result = find_duplicates(articles)
    page = render_report(result.verdicts)
    canonical = next(v for v in result.verdicts if v.role is Role.CANONICAL)
    assert f'<span class="title">{canonical.article.title}</span>' in page
    version = next(v for v in result.verdicts if v.role is Role.VERSION)
    diff = page.split(f'<span class="id">{version.id}</span>', 1)[1].split('<p class="diff">', 1)[1].split("</p>", 1)[0]
    # Whole passages, not words: no shared run of one to three words sits between two edits.
    pieces = re.findall(r'<(del|ins|span class="same")>(.*?)</(?:del|ins|span)>', diff, re.S)
    for before, (kind, text), after in zip(pieces, pieces[1:], pieces[2:]):
        if kind.startswith("span") and not before[0].startswith("span") and not after[0].startswith("span"):
            assert len(text.split()) >= 4, text


def test_a_csv_output_with_formula_like_ids_reads_back_into_a_report(tmp_path: Path) -> None:
    # The CSV writer guards "=", "+", "-" and "@" with an apostrophe; the report once failed on
    # the ids it guarded. A text that starts with an apostrophe already reads back as it was.
    body = ("The city council approved a new budget on Tuesday that raises spending on schools and roads by "
            "a tenth, after a debate that ran late into the night.")
    ids = ["=SUM(A1)", "-minus", "@handle", "'=quoted", "+plus"]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": i, "text": body + (" Read more." if k else "")}) + "\n"
                            for k, i in enumerate(ids)))
    assert runner.invoke(app, ["scan", str(feed), "-o", str(tmp_path / "out.csv"), "-q"]).exit_code == 0
    done = runner.invoke(app, ["report", str(tmp_path / "out.csv"), "-o", str(tmp_path / "r.html")])
    assert done.exit_code == 0, done.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert all(f'<span class="id">{html.escape(i, quote=True)}</span>' in page for i in ids)


def test_a_report_that_cannot_be_written_exits_3_with_a_message(tmp_path: Path) -> None:
    assert runner.invoke(app, ["scan", str(SAMPLE), "-o", str(tmp_path / "out.jsonl"), "-q"]).exit_code == 0
    done = subprocess.run([sys.executable, "-m", "dedupe", "report", str(tmp_path / "out.jsonl"), "-o", "/dev/full"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "/dev/full: cannot write: No space left on device" in done.stderr


def test_a_replaced_output_keeps_its_permissions(tmp_path: Path) -> None:
    for name in ("out.jsonl", "r.html"):
        (tmp_path / name).write_text("old")
        (tmp_path / name).chmod(0o600)
    assert runner.invoke(app, ["scan", str(SAMPLE), "-o", str(tmp_path / "out.jsonl"), "-q",
                               "--report", str(tmp_path / "r.html")]).exit_code == 0
    assert {oct((tmp_path / name).stat().st_mode & 0o777) for name in ("out.jsonl", "r.html")} == {"0o600"}
    assert (tmp_path / "out.jsonl").read_text() != "old"
