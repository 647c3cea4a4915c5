"""Results → one self-contained HTML file for people to check by eye.

A summary (articles, stories, roles, a chart of story sizes and one of copies per source), then
one section per story with more than one version: its canonical, and each copy with its role,
its scores and its differences from the canonical (text it lacks struck through, text it adds
underlined). A search box and filters by role and source run in plain JavaScript. The file loads
nothing from the network, and every piece of article text is escaped, so a headline holding
``<script>`` shows as text and never runs.
"""

from __future__ import annotations

import html
import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterable

from .article import Role
from .passages import align_texts, by_passage
from .io.writers import atomic_file
from .results import Story, Verdict, stories_of

__all__ = ["render_report", "write_report"]

_CHART_BARS = 20  # the most sources a chart shows


def write_report(verdicts: Iterable[Verdict], path: str | os.PathLike[str], title: str = "wire-dedupe report") -> None:
    """Write the report of ``verdicts`` (grouped by story, as a run gives them) to ``path``."""
    with atomic_file(Path(path)) as out:
        out.write(render_report(verdicts, title))


def render_report(verdicts: Iterable[Verdict], title: str = "wire-dedupe report") -> str:
    """The report of ``verdicts`` as one HTML document."""
    verdicts = list(verdicts)
    stories = stories_of(verdicts)
    roles = Counter(v.role for v in verdicts)
    sources = sorted({v.article.source or "" for s in stories for v in s.members} - {""}, key=str.casefold)
    parts = [_HEAD.format(title=_e(title)),
             f"<h1>{_e(title)}</h1>",
             '<section class="summary">',
             _counts(len(verdicts), len(stories), roles),
             '<div class="charts">',
             _bar_chart("Story sizes (articles per story)",
                        sorted(Counter(len(s) for s in stories).items()), lambda size: f"{size}"),
             _bar_chart("Copies per source", Counter(
                 v.article.source or "(no source)" for s in stories for v in s.members[1:]).most_common(_CHART_BARS),
                 str),
             "</div></section>",
             _controls(sources),
             '<main id="stories">']
    parts += [_story(number, story) for number, story in enumerate(stories, start=1)]
    parts += ['<p id="nothing" hidden>No story matches.</p>', "</main>", _SCRIPT, "</body></html>"]
    return "\n".join(parts)


def _counts(articles: int, stories: int, roles: Counter) -> str:
    cells = [("articles", articles), ("stories", stories)] + [(role.value, roles.get(role, 0)) for role in Role]
    return '<ul class="counts">' + "".join(
        f'<li class="{name}"><b>{count:,}</b> {name}</li>' for name, count in cells) + "</ul>"


def _bar_chart(caption: str, bars: list[tuple], label) -> str:
    """A horizontal bar chart as inline SVG."""
    if not bars:
        return f'<figure class="chart"><figcaption>{_e(caption)}</figcaption><p>none</p></figure>'
    most = max(count for _, count in bars)
    row, width = 18, 220
    rows = []
    for i, (key, count) in enumerate(bars):
        y = i * row
        length = max(1, round(width * count / most))
        rows.append(f'<text x="150" y="{y + 13}" text-anchor="end">{_e(label(key))[:24]}</text>'
                    f'<rect x="156" y="{y + 3}" width="{length}" height="12"></rect>'
                    f'<text x="{160 + length}" y="{y + 13}">{count:,}</text>')
    return (f'<figure class="chart"><figcaption>{_e(caption)}</figcaption>'
            f'<svg role="img" width="440" height="{row * len(bars)}">{"".join(rows)}</svg></figure>')


def _controls(sources: list[str]) -> str:
    roles = "".join(f'<label><input type="checkbox" name="role" value="{r.value}" checked> {r.value}</label>'
                    for r in (Role.DUPLICATE, Role.TRUNCATED, Role.EXTENDED, Role.VERSION))
    options = "".join(f'<option value="{_e(s)}">{_e(s)}</option>' for s in sources)
    return ('<nav class="controls"><input id="search" type="search" placeholder="Search titles, ids and text" '
            f'aria-label="Search"> <span class="roles">{roles}</span> '
            f'<select id="source" aria-label="Source"><option value="">every source</option>{options}</select> '
            '<span id="shown"></span></nav>')


def _story(number: int, story: Story) -> str:
    head = story.canonical
    a = head.article
    # A JSON list: a source's name may hold any character, "|" and "," included.
    sources = json.dumps(sorted({v.article.source or "" for v in story.members}), ensure_ascii=False)
    rows = [f'<section class="story" id="story-{number}" data-sources="{_e(sources)}">',
            f'<h2><span class="number">{number}</span> {_e(story.headline)}</h2>',
            f'<p class="story-meta">story <span class="story-id">{_e(story.id)}</span> · '
            f'{len(story)} versions · <span class="outlets">{_e(", ".join(story.outlets) or "no outlet named")}'
            f'</span></p>',
            f'<div class="member canonical" data-role="canonical" data-source="{_e(a.source or "")}">',
            _meta(head), f"<details><summary>canonical text</summary><p class=\"text\">{_e(a.text)}</p></details>",
            "</div>"]
    for v in story.members[1:]:
        rows += [f'<div class="member {v.role.value}" data-role="{v.role.value}" '
                 f'data-source="{_e(v.article.source or "")}">', _meta(v), _scores(v),
                 f'<p class="diff">{_diff(a.text, v.article.text, v.role is Role.VERSION)}</p>', "</div>"]
    rows.append("</section>")
    return "\n".join(rows)


def _meta(v: Verdict) -> str:
    a = v.article
    bits = [f'<span class="role">{v.role.value}</span>', f'<span class="id">{_e(a.id)}</span>']
    if a.source:
        bits.append(f'<span class="source">{_e(a.source)}</span>')
    if a.published:
        bits.append(f'<time>{_e(a.published.isoformat())}</time>')
    if a.url:
        bits.append(f'<span class="url">{_e(a.url)}</span>')
    if a.title:
        bits.append(f'<span class="title">{_e(a.title)}</span>')
    return '<p class="meta">' + " ".join(bits) + "</p>"


def _scores(v: Verdict) -> str:
    missing = f", missing its <b>{_e(v.missing)}</b>" if v.missing else ""
    chain = (f'<p class="chain">joined through the versions {" → ".join(_e(i) for i in v.chain)}</p>'
             if v.chain else "")
    return (f'<p class="scores">similarity {_score(v.similarity)} · coverage {_score(v.coverage)} · '
            f'canonical coverage {_score(v.canonical_coverage)}{missing}</p>{chain}')


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _diff(canonical: str, copy: str, passages: bool = False) -> str:
    """The copy's text against the canonical's: what it lacks struck through, what it adds
    underlined, what both hold plain; a version's (``passages``) by passage
    (:func:`dedupe.passages.by_passage`), since it tells much of the story in other words."""
    out = []
    aligned = align_texts(canonical, copy)
    for p in by_passage(aligned) if passages else aligned:
        if p.kind == "shared":
            out.append(f'<span class="same">{_e(p.b)}</span>')
        if p.kind == "unaligned":
            out.append(f'<span class="unaligned" title="beyond the words aligned">{_e(p.b)}</span>')
            continue
        if p.kind in ("only_a", "changed"):
            out.append(f"<del>{_e(p.a)}</del>")
        if p.kind in ("only_b", "changed"):
            out.append(f"<ins>{_e(p.b)}</ins>")
    return "".join(out)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem 2rem; color: #1d232a; }}
h1 {{ font-size: 1.5rem; }}
h2 {{ font-size: 1.1rem; margin: 0 0 .5rem; }}
.counts {{ display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; list-style: none; padding: 0; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 2rem; }}
.chart svg {{ font-size: 11px; }} .chart rect {{ fill: #4a7bb7; }}
.chart figcaption {{ font-weight: 600; margin-bottom: .3rem; }}
.controls {{ position: sticky; top: 0; background: #fff; padding: .6rem 0; border-bottom: 1px solid #ccd;
  display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; z-index: 1; }}
#search {{ flex: 1 1 16rem; padding: .3rem .5rem; }}
.story {{ border: 1px solid #ccd; border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }}
.number {{ color: #778; margin-right: .3rem; }}
.member {{ border-left: 4px solid #ccd; padding: .2rem .8rem; margin: .6rem 0; }}
.member.canonical {{ border-color: #2e8b57; }} .member.duplicate {{ border-color: #2a9bb7; }}
.member.truncated {{ border-color: #d49a00; }} .member.extended {{ border-color: #a04bb7; }}
.member.version {{ border-color: #3b6fd4; }}
.story-meta {{ margin: 0 0 .5rem; color: #445; }} .story-id {{ font-family: monospace; }}
.meta {{ margin: 0; color: #445; }} .meta > span, .meta > time {{ margin-right: .8rem; }}
.role {{ font-weight: 700; text-transform: uppercase; font-size: .8rem; }}
.scores {{ margin: .1rem 0; color: #556; font-size: .9rem; }}
.text, .diff {{ white-space: pre-wrap; }}
.same {{ color: #8a8f98; }} .unaligned {{ color: #8a8f98; font-style: italic; }}
del {{ background: #fbe3e3; color: #8b1c1c; }}
ins {{ background: #e1f4e4; color: #145a25; text-decoration: underline; }}
</style></head><body>"""

_SCRIPT = """<script>
(function () {
  "use strict";
  var search = document.getElementById("search");
  var source = document.getElementById("source");
  var roles = Array.prototype.slice.call(document.querySelectorAll("input[name=role]"));
  var stories = Array.prototype.slice.call(document.querySelectorAll(".story"));
  var shown = document.getElementById("shown");
  var nothing = document.getElementById("nothing");
  function apply() {
    var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var wanted = roles.filter(function (r) { return r.checked; }).map(function (r) { return r.value; });
    var from = source.value;
    var count = 0;
    stories.forEach(function (story) {
      var members = Array.prototype.slice.call(story.querySelectorAll(".member:not(.canonical)"));
      var visible = 0;
      members.forEach(function (m) {
        var ok = wanted.indexOf(m.dataset.role) >= 0;
        m.hidden = !ok;
        if (ok) { visible += 1; }
      });
      var text = story.textContent.toLowerCase();
      var match = visible > 0 && words.every(function (w) { return text.indexOf(w) >= 0; })
        && (!from || JSON.parse(story.dataset.sources).indexOf(from) >= 0);
      story.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = count + " of " + stories.length + " stories";
    nothing.hidden = count > 0;
  }
  search.addEventListener("input", apply);
  source.addEventListener("change", apply);
  roles.forEach(function (r) { r.addEventListener("change", apply); });
  apply();
})();
</script>"""
