"""A labelled syndication set: real wire stories and the copies outlets really publish.

Each source story is split into paragraphs and sentences; every copy is built from those units
plus surface changes (headline, dateline, byline, agency credit, page boilerplate, "Read more"
tails) that a deduplicator must see through. Because a copy is a list of units, its label is
exact: which source it came from, which of the source's sentences it holds, and what it adds.
Labels follow the roles as ``dedupe`` documents them (see :func:`expected_story`).

Transformations and their shares of the copies (fixed by ``seed``):

============== ====== ============================================================
kind           share  what the copy is
============== ====== ============================================================
duplicate      0.34   the whole story; half of them with house-style edits
                      (pct → percent, dlrs → dollars, ...), 1 in 8 with OCR-like noise
truncated      0.28   the first 20–90% of the paragraphs
dropped        0.14   one paragraph, or one sentence of ten words or more, left out
extended       0.12   one or two local paragraphs added, after the lead or at the end
write-through  0.12   the lead rewritten (same names and figures, most other words
                      changed), and a paragraph added at the end; for stories of four
                      paragraphs or more whose lead is under a third (others: extended)
============== ====== ============================================================

Every copy also gets a new headline, and at random a dateline (kept, changed or added), a
byline, an agency credit, its outlet's page furniture and a "Read more" tail. Local paragraphs
come from a separate pool of stories that is not part of the corpus.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

__all__ = ["Story", "Copy", "Labelled", "split_story", "make_copies", "expected_story", "KINDS"]

KINDS = {"duplicate": 0.34, "truncated": 0.28, "dropped": 0.14, "extended": 0.12, "write-through": 0.12}
COPIES_PER_SOURCE = {0: 0.15, 1: 0.30, 2: 0.25, 3: 0.15, 4: 0.10, 6: 0.05}
MIN_GAP = 8            # words: as dedupe's min_gap_tokens
EXTENDED_SHARE = 0.1   # as dedupe.cluster.EXTENDED_SHARE
DROPPED_SENTENCE_WORDS = 10

_PARAGRAPH = re.compile(r"\n[ \t]*\n|\n(?=[ \t]{2,})")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")
_HOUSE_STYLE = [(r"\bpct\b", "percent"), (r"\bdlrs\b", "dollars"), (r"\bmln\b", "million"),
                (r"\bbln\b", "billion"), (r"\bU\.S\.", "US"), (r"\bCorp\b", "Corporation"),
                (r"\bInc\b", "Incorporated"), (r"\bsaid\b", "says"), (r"\bLtd\b", "Limited")]
_OUTLETS = [
    ("Hartford Ledger", ["The Hartford Ledger | Local news since 1902", "Advertisement"]),
    ("Coastal Times", ["Sign up for the Coastal Times morning briefing", "Share this article"]),
    ("Prairie Daily", ["Prairie Daily is an independent newspaper serving the plains since 1911"]),
    ("Metro Wire", ["Metro Wire subscribers get unlimited access to all stories", "Comments"]),
    ("Harbour Post", ["Download the Harbour Post app for breaking news alerts", "Related"]),
    ("Valley Herald", ["Copyright 1987 Valley Herald. All rights reserved."]),
    ("Capital Observer", ["Capital Observer newsroom tips line is open around the clock"]),
    ("Northern Star", []), ("Gulf Courier", ["Follow us on social media for more updates"]),
    ("Lakeside Journal", ["Lakeside Journal readers can find more business news in section B"]),
]
_HEADLINES = ["Markets brace for central bank decision", "Oil steadies after volatile week",
              "Grain exports rise on strong demand", "Airline orders new jets", "Court rules on merger"]
_CITIES = ["NEW YORK", "LONDON", "TOKYO", "WASHINGTON", "CHICAGO", "PARIS", "FRANKFURT", "SYDNEY"]
_BYLINES = ["By Staff Writer", "By Maria Lopez", "By JOHN CARTER, Business Desk", "By Anne Walsh and Peter Hume"]
_CREDITS = ["(Reporting by Tom Brown; Editing by Jane Merriman)", "Reuters", "Source: Reuters",
            "(Additional reporting by Lisa Ng)"]


@dataclass(frozen=True)
class Story:
    """A source story cut into sentences: ``paragraphs[p][s]`` is a sentence."""

    id: str
    title: str
    paragraphs: tuple[tuple[str, ...], ...]
    published: datetime | None = None

    @property
    def units(self) -> list[tuple[int, int]]:
        return [(p, s) for p, para in enumerate(self.paragraphs) for s in range(len(para))]

    def words(self, unit: tuple[int, int]) -> int:
        return len(self.paragraphs[unit[0]][unit[1]].split())


@dataclass
class Copy:
    """One version of a story: the source's sentences it holds, in order, and what it adds.

    ``parts`` is the body in order: ``(p, s)`` for a source sentence or a string for added text.
    """

    id: str
    source: str
    kind: str
    parts: list
    title: str
    published: datetime | None
    outlet: str
    kept_share: float = 1.0
    text: str = ""


@dataclass(frozen=True)
class Labelled:
    """What the benchmark expects of one article."""

    id: str
    cluster: str
    role: str
    canonical: str
    kind: str
    kept_share: float = 1.0
    missing: str | None = None


def split_story(article_id: str, title: str, text: str, published: datetime | None = None) -> Story:
    """Cut a wire story into paragraphs (blank or indented lines) and sentences."""
    paragraphs = []
    for block in _PARAGRAPH.split(text):
        flat = " ".join(block.split())
        if flat:
            paragraphs.append(tuple(s for s in _SENTENCE.split(flat) if s))
    return Story(article_id, title, tuple(paragraphs), published)


def make_copies(story: Story, pool: list[str], rng: random.Random, count: int | None = None) -> list[Copy]:
    """The copies outlets publish of ``story``; ``pool`` holds paragraphs of unrelated text, each
    used once (taken from the end of the list)."""
    if count is None:
        count = _draw(rng, COPIES_PER_SOURCE)
    copies = []
    for k in range(count):
        kind = _draw(rng, KINDS)
        if len(story.paragraphs) < 3 and kind == "truncated":
            kind = "duplicate"
        if kind == "write-through" and not _rewritable(story):
            kind = "extended"
        outlet, furniture = rng.choice(_OUTLETS)
        parts, kept = _structure(story, kind, pool, rng)
        published = story.published + timedelta(minutes=rng.randint(5, 600)) if story.published else None
        copy = Copy(f"{story.id}~{k + 1}", story.id, kind, parts, _headline(story.title, rng), published,
                    outlet, kept)
        copy.text = _render(story, copy, furniture, rng)
        copies.append(copy)
    return copies


def _draw(rng: random.Random, shares: dict) -> object:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _structure(story: Story, kind: str, pool: list[str], rng: random.Random):
    paragraphs = [[(p, s) for s in range(len(para))] for p, para in enumerate(story.paragraphs)]
    n = len(paragraphs)
    kept = 1.0
    if kind == "truncated":
        share = rng.uniform(0.2, 0.9)
        keep = min(max(1, round(share * n)), n - 1)
        paragraphs = paragraphs[:keep]
        kept = sum(story.words(u) for para in paragraphs for u in para) / sum(story.words(u) for u in story.units)
    elif kind == "dropped":
        long_sentences = [u for u in story.units if u[0] > 0 and story.words(u) >= DROPPED_SENTENCE_WORDS]
        if long_sentences and (n <= 2 or rng.random() < 0.5):
            p, s = rng.choice(long_sentences)
            paragraphs[p] = [u for u in paragraphs[p] if u != (p, s)]
        else:
            del paragraphs[rng.randrange(1, n)]
    elif kind == "extended":
        local = [pool.pop() for _ in range(rng.randint(1, 2))]
        at = 1 if rng.random() < 0.5 else n
        paragraphs[at:at] = [[text] for text in local]
    elif kind == "write-through":
        paragraphs[0] = [_rewrite(" ".join(story.paragraphs[0]), rng)]
        paragraphs.append([pool.pop()])
    return [part for para in paragraphs for part in para + ["\n"]][:-1], kept


def _rewritable(story: Story) -> bool:
    """A write-through needs a body to keep: four paragraphs or more, the lead under a third."""
    lead = sum(story.words((0, s)) for s in range(len(story.paragraphs[0])))
    return len(story.paragraphs) >= 4 and lead < sum(story.words(u) for u in story.units) / 3


_FILLERS = ["also", "on Monday", "further", "now", "again", "later", "in a statement", "officially"]


def _rewrite(lead: str, rng: random.Random) -> str:
    """A write-through's new lead: the same names and figures, in other words."""
    words = []
    for word in lead.split():
        if word[:1].isupper() or any(ch.isdigit() for ch in word) or rng.random() > 0.7:
            words.append(word)
        else:
            words.append(rng.choice(_FILLERS))
    opener = rng.choice(["Updating earlier reports,", "In a later statement,", "Adding detail,"])
    return f"{opener} {' '.join(words)}"


def _headline(title: str, rng: random.Random) -> str:
    words = title.title().split()
    return rng.choice([" ".join(words), " ".join(words[: max(3, len(words) - 2)]) + " - report",
                       "UPDATE 1-" + title, " ".join(words) + ": what we know"])


def _render(story: Story, copy: Copy, furniture: list[str], rng: random.Random) -> str:
    paragraphs, current = [], []
    for part in copy.parts:
        if part == "\n":
            paragraphs.append(" ".join(current))
            current = []
        else:
            current.append(story.paragraphs[part[0]][part[1]] if isinstance(part, tuple) else part)
    paragraphs.append(" ".join(current))
    paragraphs = [p for p in paragraphs if p]
    if copy.kind == "duplicate" and rng.random() < 0.5:
        paragraphs = [_house_style(p, rng) for p in paragraphs]
    if copy.kind == "duplicate" and rng.random() < 0.125:
        paragraphs = [_noise(p, rng) for p in paragraphs]
    roll = rng.random()
    if roll < 0.5:
        city = rng.choice(_CITIES)
        paragraphs[0] = rng.choice([f"{city} (Reuters) - ", f"{city}, March 3 (Reuters) - ", f"{city} - "]) + paragraphs[0]
    head = [rng.choice(_BYLINES)] if rng.random() < 0.3 else []
    tail = []
    if rng.random() < 0.4:
        tail.append(rng.choice(_CREDITS))
    tail += furniture
    if rng.random() < 0.4:
        tail.append("Read more: " + rng.choice(_HEADLINES))
    return "\n\n".join(head + paragraphs + tail)


def _house_style(text: str, rng: random.Random) -> str:
    """An outlet's style: each rewrite applied to about half of the places it could be."""
    for pattern, replacement in _HOUSE_STYLE:
        text = re.sub(pattern, lambda m: replacement if rng.random() < 0.5 else m.group(0), text)
    return text


def _noise(text: str, rng: random.Random) -> str:
    """OCR-like noise: about one word in fifty has a letter swapped, doubled or dropped."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 3 and rng.random() < 0.02:
            j = rng.randrange(1, len(word) - 1)
            words[i] = rng.choice([word[:j] + word[j + 1] + word[j] + word[j + 2:], word[:j] + word[j] + word[j:],
                                   word[:j] + word[j + 1:]])
    return " ".join(words)


def expected_story(story: Story, copies: list[Copy], tolerance: float = 0.02) -> list[Labelled]:
    """Labels for a source and its copies, by the rules ``dedupe`` documents, applied to the
    units each version holds (the source's sentences, and the text each copy adds).

    The canonical is the most complete version: the one sharing the most text with the others
    (its support: the words of the units it shares with each other version, summed), and among
    those within ``tolerance`` of that, the longest; versions that differ from it by no passage of
    ``MIN_GAP`` words are equally complete, and the earliest of them, then the smallest id, is
    the canonical. Against it each member is ``truncated`` (lacks a passage
    of ``MIN_GAP`` words or more), ``extended`` (adds at least a tenth of the canonical's length),
    whichever it has more of when both, or ``duplicate``.
    """
    members = [("source", story.id, story.units, story.published, 1.0)]
    members += [(c.kind, c.id, [p for p in c.parts if p != "\n"], c.published, c.kept_share) for c in copies]

    def words(unit) -> int:
        return story.words(unit) if isinstance(unit, tuple) else len(unit.split())

    holdings = [set(m[2]) for m in members]
    support = [sum(words(u) for other in holdings if other is not mine for u in mine & other) for mine in holdings]
    length = [sum(words(u) for u in m[2]) for m in members]
    best = max(support)
    complete = max((i for i in range(len(members)) if support[i] >= (1 - tolerance) * best),
                   key=lambda i: (length[i], [-ord(ch) for ch in members[i][1]]))

    def differs(i: int, j: int) -> bool:
        """A passage of MIN_GAP words or more that one of the two lacks."""
        return (any(w >= MIN_GAP for w, _ in _runs_missing(members[i][2], holdings[j], words))
                or any(w >= MIN_GAP for w, _ in _runs_missing(members[j][2], holdings[i], words)))

    equals = [i for i in range(len(members)) if i == complete or not differs(i, complete)]
    head = min(equals, key=lambda i: (members[i][3] or datetime.max, members[i][1]))
    canonical = members[head]
    labels = [Labelled(canonical[1], story.id, "canonical", canonical[1], canonical[0], canonical[4])]
    for i, member in enumerate(members):
        if i == head:
            continue
        lacked_runs = _runs_missing(canonical[2], holdings[i], words)
        lacked = sum(w for w, _ in lacked_runs)
        extra = sum(words(u) for u in holdings[i] - holdings[head])
        lacking = any(w >= MIN_GAP for w, _ in lacked_runs)
        extended = extra >= max(MIN_GAP, EXTENDED_SHARE * length[head]) and (not lacking or extra > lacked)
        role = "extended" if extended else ("truncated" if lacking else "duplicate")
        missing = None
        if role == "truncated":
            where = {place for w, place in lacked_runs if w >= MIN_GAP}
            missing = next(p for p in ("end", "middle", "start") if p in where)
        labels.append(Labelled(member[1], story.id, role, canonical[1], member[0], member[4], missing))
    return labels


def _runs_missing(canonical: list, held: set, words) -> list[tuple[int, str]]:
    """Runs of the canonical's body that a member lacks: (words, 'start' | 'middle' | 'end')."""
    runs, run, start = [], 0, 0
    for i, unit in enumerate(canonical):
        if unit in held:
            if run:
                runs.append((run, "start" if start == 0 else "middle"))
            run = 0
        else:
            if run == 0:
                start = i
            run += words(unit)
    if run:
        runs.append((run, "start" if start == 0 else "end"))
    return runs


def pool_paragraphs(stories: Iterable[Story], limit: int = 4000) -> list[str]:
    """Paragraphs of unrelated stories, long enough to be local additions or new leads."""
    out = []
    for story in stories:
        for para in story.paragraphs:
            text = " ".join(para)
            if 25 <= len(text.split()) <= 80:
                out.append(text)
                if len(out) >= limit:
                    return out
    return out
