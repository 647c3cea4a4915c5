"""Rich rendering of results for the terminal; the library never imports this."""

from __future__ import annotations

from collections import Counter

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from typing import TYPE_CHECKING

from ..article import Role
from ..results import SCORE_COLUMNS

if TYPE_CHECKING:  # imported by the commands that use them: --help stays fast
    from ..explain import PairExplanation
    from ..article import Reject
    from ..results import Result, Story

_ROLE_STYLE = {Role.CANONICAL: "bold green", Role.DUPLICATE: "cyan", Role.TRUNCATED: "yellow",
               Role.EXTENDED: "magenta", Role.VERSION: "blue", Role.UNIQUE: "dim"}
_MEMBER_ROLES = (Role.DUPLICATE, Role.TRUNCATED, Role.EXTENDED, Role.VERSION)
_SHORT = {Role.DUPLICATE: "dup", Role.TRUNCATED: "trunc", Role.EXTENDED: "ext", Role.VERSION: "ver"}


def stories_table(stories: list[Story], limit: int | None = None) -> Table:
    """One row per story: its headline and id (for ``dedupe explain``), the outlets that carried
    it, its size, and how many members have each role."""
    table = Table(title="Stories with more than one version", title_justify="left", expand=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("story", overflow="fold", ratio=2)
    table.add_column("outlets", overflow="fold", ratio=1)
    table.add_column("size", justify="right")
    for role in _MEMBER_ROLES:
        table.add_column(_SHORT[role], justify="right", style=_ROLE_STYLE[role])
    shown = stories if limit is None else stories[:limit]
    for number, story in enumerate(shown, start=1):
        counts = [str(story.count(role) or "·") for role in _MEMBER_ROLES]
        table.add_row(str(number), Text.assemble(shown_text(_cut(story.headline, 90)), "\n",
                                                 (shown_text(story.id), "dim")),
                      Text(_outlet_list(story.outlets)), str(len(story)), *counts)
    if limit is not None and len(stories) > limit:
        table.caption = f"{len(stories) - limit} more not shown (raise --limit, or write them all with -o)"
    return table


def display_title(title: str | None, text: str, fallback: str, width: int = 90) -> str:
    """The headline, or the opening words of the text when there is none; control characters
    made visible."""
    shown = (title or "").strip() or " ".join(text.split()[:14]) or fallback
    return shown_text(_cut(shown, width))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


_OUTLETS_SHOWN = 2


def _outlet_list(names: list[str]) -> str:
    if not names:
        return "—"
    more = len(names) - _OUTLETS_SHOWN
    return shown_text(", ".join(names[:_OUTLETS_SHOWN]) + (f" +{more} more" if more > 0 else ""))


_CONTROL = {c: f"\\x{c:02x}" for c in list(range(0x00, 0x20)) + list(range(0x7f, 0xa0)) if c not in (0x0a,)}


def shown_text(text: str) -> str:
    """Text from a feed as it may reach a terminal: control characters (ANSI escapes among them)
    written as visible ``\\xNN`` escapes; newlines as spaces. Always put in a ``Text``, never
    parsed as markup."""
    return text.replace("\n", " ").translate(_CONTROL)


def summary_line(result: Result) -> Text:
    """Articles read, stories, duplicates, truncated, extended, unique, rejected."""
    s = result.summary
    return counts_line([("articles", s["articles"], "bold"), ("stories", s["stories"], "bold green")]
                       + _role_counts(s) + [("rejected", s["rejected"], "bold red" if s["rejected"] else "dim")])


def added_line(verdicts: list, rejected: int) -> Text:
    """What an index add did: articles taken, already known, new canonicals, each role, rejected."""
    roles = {role.value: sum(1 for v in verdicts if v.role is role and not v.known) for role in Role}
    return counts_line([("articles", len(verdicts), "bold"),
                        ("known", sum(1 for v in verdicts if v.known), "dim"),
                        ("canonical", roles["canonical"], _ROLE_STYLE[Role.CANONICAL]),
                        ("replaced a canonical", sum(1 for v in verdicts if v.replaced and v.role is Role.CANONICAL),
                         "bold green")]
                       + _role_counts(roles) + [("rejected", rejected, "bold red" if rejected else "dim")])


def events_line(events: list[dict]) -> str:
    """``stored stories: 12 joined · 3 replaced · 1 split``: what an add did to stored stories
    (:attr:`dedupe.index.Added.events`), by kind (``dedupe index events`` lists them)."""
    from ..results import EVENT_KINDS
    counts = {kind: sum(1 for e in events if e["event"] == kind) for kind in EVENT_KINDS}
    return "stored stories: " + " · ".join(f"{n:,} {kind}" for kind, n in counts.items() if n)


def _role_counts(counts: dict[str, int]) -> list[tuple[str, int, str]]:
    return [(role.value, counts[role.value], _ROLE_STYLE[role])
            for role in (*_MEMBER_ROLES, Role.UNIQUE)]


def counts_line(parts: list[tuple[str, int, str]]) -> Text:
    """``12 articles · 3 stories · ...``: counts with their styles, on one line."""
    line = Text()
    for i, (name, count, style) in enumerate(parts):
        if i:
            line.append(" · ", style="dim")
        if count == 1 and name in ("articles", "stories"):
            name = name[:-1] if name == "articles" else "story"
        line.append(f"{count} {name}", style=style)
    return line


def story_table(story: Story) -> Table:
    """One row per member of a story: role, scores, what is missing, and the article."""
    table = Table(title=Text.assemble(f"Story {shown_text(story.id)}: ", (shown_text(story.headline), "bold")),
                  title_justify="left", expand=True)
    table.add_column("role", no_wrap=True)
    for name in _SCORES:
        table.add_column(_SCORE_HEADS[name], justify="right", no_wrap=True)
    table.add_column("missing", no_wrap=True)
    table.add_column("article", overflow="fold", ratio=1)
    for v in story.members:
        a = v.article
        scores = (f"{getattr(v, s):.3f}" if getattr(v, s) is not None else "—" for s in _SCORES)
        table.add_row(Text(v.role.value, style=_ROLE_STYLE[v.role]), *scores, v.missing or "—",
                      Text.assemble((shown_text(v.id), "bold"), (f"  {shown_text(a.source or '')}\n", "dim"),
                                    display_title(a.title, a.text, a.id)))
    return table


_SCORES = SCORE_COLUMNS
_SCORE_HEADS = {"similarity": "sim.", "coverage": "cov.", "canonical_coverage": "canon.\ncov."}


def print_error(console: Console, message: object, label: str = "error") -> None:
    """``error: message`` on ``console``: the message as text (a path or an id with ``[/x]`` in it
    is not markup), control characters made visible, never wrapped."""
    console.print(Text.assemble((f"{label}: ", "bold red"), shown_text(str(message))), soft_wrap=True)


REJECTS_SHOWN_ALIKE = 5
"""Rejects of one file for one reason printed before the rest are counted in a line (a table
without its text column gave 680 alike); ``--rejects FILE`` lists every one."""


def print_rejects(console: Console, rejects: list[Reject], listed_in: str | None = None) -> None:
    """Every input that could not be read, with where and why; past :data:`REJECTS_SHOWN_ALIKE`
    of one file for one reason, a line counting the rest (``listed_in``: where all are written)."""
    alike: Counter[tuple[str, str]] = Counter()
    for reject in rejects:
        alike[reject.path, reject.reason] += 1
        if alike[reject.path, reject.reason] <= REJECTS_SHOWN_ALIKE:
            console.print(Text.assemble(("rejected ", "bold red"), (shown_text(str(reject)), "")), soft_wrap=True)
    for (path, reason), count in alike.items():
        if count > REJECTS_SHOWN_ALIKE:
            more = count - REJECTS_SHOWN_ALIKE
            console.print(Text.assemble(("rejected ", "bold red"), shown_text(
                f"{path}: {more:,} more for the same reason ({reason}); "
                + (f"all are in {listed_in}" if listed_in else "--rejects FILE lists them all"))), soft_wrap=True)


def timings_line(stages: dict[str, float], total: float, peaks: dict[str, int] | None = None) -> Text:
    """``times: read 0.41 s 180 MB · clean 2.10 s 420 MB · ... · total 3.02 s, peak 420 MB``: the
    seconds of each stage and, where known, its peak memory (``peaks``, bytes)."""
    peaks = peaks or {}
    line = Text("times: ", style="dim")
    for name, seconds in stages.items():
        line.append(f"{name} {seconds:.2f} s" + (f" {_megabytes(peaks[name])}" if name in peaks else ""), style="dim")
        line.append(" · ", style="dim")
    line.append(f"total {total:.2f} s" + (f", peak {_megabytes(max(peaks.values()))}" if peaks else ""), style="bold")
    return line


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


_PASSAGE_STYLE = {"shared": ("both", "dim", "dim"), "only_a": ("only A", "bold red", ""),
                  "only_b": ("only B", "", "bold green"), "changed": ("changed", "bold yellow", "bold yellow"),
                  "unaligned": ("not aligned", "dim italic", "dim italic")}
_SHOWN_SHARED_WORDS = 24  # a longer shared passage shows its two ends


def explanation_view(pair: PairExplanation) -> Group:
    """A pair explained: who is who, every score, the rule and the roles, then both texts side
    by side, shared passages dimmed and what only one holds highlighted."""
    heads = Table.grid(padding=(0, 1))
    for name, article in (("A", pair.a), ("B", pair.b)):
        heads.add_row(Text(name, style="bold"), Text(shown_text(article.id), style="bold"),
                      Text(display_title(article.title, article.text, article.id), style="italic"),
                      Text(shown_text(article.source or ""), style="dim"))
    scores = Table(title="Scores", title_justify="left", show_edge=False)
    scores.add_column("score")
    scores.add_column("A in B", justify="right")
    scores.add_column("B in A", justify="right")
    scores.add_row("containment (shingles)", f"{pair.containment_ab:.3f}", f"{pair.containment_ba:.3f}")
    scores.add_row("coverage (words, in order)", f"{pair.coverage_ab:.3f}", f"{pair.coverage_ba:.3f}")
    scores.add_row("similarity (TF-IDF cosine)", f"{pair.similarity:.3f}", "")
    scores.add_row("Jaccard, MinHash estimate", f"{pair.jaccard_estimated:.3f}", "")
    scores.add_row("Jaccard, exact", f"{pair.jaccard:.3f}", "")
    scores.add_row("words compared", str(pair.words_a), str(pair.words_b))
    verdict = Text.assemble(("rule ", "bold"), (pair.rule, "bold green" if pair.accepted else "bold red"),
                            f": {pair.reason}\n", ("scan ", "bold"))
    if pair.same_story:
        verdict.append(f"one story: A is {pair.role_a}, B is {pair.role_b}")
        if pair.missing:
            verdict.append(f"; the shorter lacks the other's {pair.missing}")
    else:
        verdict.append(f"separate stories: A is {pair.role_a}, B is {pair.role_b}")
    for name, chain in (("A", pair.chain_a), ("B", pair.chain_b)):
        if chain:
            verdict.append(f"\n{name} joins its canonical through versions: " + " → ".join(map(shown_text, chain)))
    for name, won in (("A", pair.won_a), ("B", pair.won_b)):
        if won:
            verdict.append(f"\nwhy not {name} as canonical: {shown_text(won)}")
    dropped = Table(title="Not compared (dropped by cleaning)", title_justify="left", expand=True, show_edge=False)
    dropped.add_column("A", ratio=1, overflow="fold", style="dim")
    dropped.add_column("B", ratio=1, overflow="fold", style="dim")
    for k in range(max(len(pair.dropped_a), len(pair.dropped_b))):
        dropped.add_row(Text(shown_text(pair.dropped_a[k])) if k < len(pair.dropped_a) else "",
                        Text(shown_text(pair.dropped_b[k])) if k < len(pair.dropped_b) else "")
    texts = Table(title="Texts aligned", title_justify="left", expand=True, show_lines=True)
    texts.add_column("", style="dim", no_wrap=True)
    texts.add_column("A", ratio=1, overflow="fold")
    texts.add_column("B", ratio=1, overflow="fold")
    for passage in pair.passages:
        label, style_a, style_b = _PASSAGE_STYLE[passage.kind]
        a, b = passage.a, passage.b
        if passage.kind in ("shared", "unaligned"):
            a, b = _ends(a), _ends(b)
        texts.add_row(label, Text(shown_text(a.strip()), style=style_a), Text(shown_text(b.strip()), style=style_b))
    parts = [heads, Text(), scores, Text(), verdict, Text()]
    if pair.dropped_a or pair.dropped_b:
        parts += [dropped, Text()]
    return Group(*parts, texts)


def _ends(text: str) -> str:
    """A long passage as its first and last words, with how many were left out between."""
    words = text.split()
    if len(words) <= 2 * _SHOWN_SHARED_WORDS:
        return text
    left_out = len(words) - _SHOWN_SHARED_WORDS
    half = _SHOWN_SHARED_WORDS // 2
    return " ".join(words[:half]) + f" … {left_out} shared words … " + " ".join(words[-half:])
