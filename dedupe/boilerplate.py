"""Page boilerplate learnt from a corpus: lines found in many articles of different stories
(an outlet's footer, a widget's label), which cleaning then removes.

The rule has three parts that a batch run, an index (over its window) and the Spark job (over
the whole corpus) all call: which lines are judged (:meth:`BoilerplateLearner.judged`), on which
of their holders (:meth:`BoilerplateLearner.sample_of`), and the judgement
(:meth:`BoilerplateLearner.spans_stories`).
"""

from __future__ import annotations

from typing import Any, Sequence

from .numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np

from .config import DEFAULTS

from .tokens import Lines, tokenize_lines

__all__ = ["BoilerplateLearner", "line_key"]


class BoilerplateLearner:
    """Learns page boilerplate from a corpus: lines found in many articles of different stories.

    A line is boilerplate when at least ``min_docs`` articles hold it and those articles are not
    copies of one story: in a sample of them, most share less than half of their other text.
    Lines longer than ``max_chars`` are taken for story text and never learnt; nor are lines
    dense with figures, which is where templated stories differ ("Pay April 15", "Shr 42 cts vs
    35 cts"), unlike a footer that carries a year.

    Parameters
    ----------
    min_docs:
        How many articles must hold a line before it can be boilerplate.
    max_chars:
        Longest line that can be boilerplate.
    sample:
        How many of a line's articles are compared to tell boilerplate from a syndicated paragraph.

    Examples
    --------
    >>> pages = [f"Story {i} is about topic {i}.\\nDOWNLOAD THE APP" for i in range(5)]
    >>> learner = BoilerplateLearner(min_docs=3).fit(pages)
    >>> learner.strip(pages[0])
    'Story 0 is about topic 0.'
    """

    def __init__(self, min_docs: int = DEFAULTS.boilerplate_min_docs, max_chars: int = 300, sample: int = 8) -> None:
        self.min_docs = min_docs
        self.max_chars = max_chars
        self.sample = sample

    def fit(self, texts: Sequence[str]) -> "BoilerplateLearner":
        """Learn the boilerplate lines of ``texts`` (furniture-stripped texts work best)."""
        self.learn(texts, tokenize_lines(texts)[1])
        return self

    def fit_transform(self, texts: Sequence[str]) -> list[str]:
        """Learn the boilerplate lines of ``texts`` and return the texts without them."""
        lines = tokenize_lines(texts)[1]
        self.learn(texts, lines)
        return self.without(texts, lines, np.isin(lines.keys, self.keys_))

    def strip(self, text: str) -> str:
        """``text`` without its learnt boilerplate lines (call :meth:`fit` first)."""
        return _without(text, np.isin(tokenize_lines([text])[1].keys, self.keys_))

    @staticmethod
    def without(texts: Sequence[str], lines: Lines, learnt: np.ndarray) -> list[str]:
        """``texts`` without the lines of ``lines`` flagged in ``learnt``."""
        out = list(texts)
        for doc in np.unique(lines.owner[learnt]).tolist():
            out[doc] = _without(texts[doc], learnt[lines.offsets[doc]:lines.offsets[doc + 1]])
        return out

    def short_lines(self, lines: Lines) -> tuple[np.ndarray, np.ndarray]:
        """The lines that could be boilerplate, short and not data, as ``(key, text)`` pairs
        sorted by key then text, each pair once."""
        short = ~lines.blank & (lines.sizes <= self.max_chars) & ~lines.data
        keys, holders = lines.keys[short], lines.owner[short]
        order = np.lexsort((holders, keys))
        keys, holders = keys[order], holders[order]
        distinct = np.ones(len(keys), dtype=bool)
        distinct[1:] = (keys[1:] != keys[:-1]) | (holders[1:] != holders[:-1])
        return keys[distinct], holders[distinct]

    # The rule, in three parts that a batch, an index (over its window) and Spark (over the whole
    # corpus) all call: which lines are judged, on which of their holders, and the judgement.

    def judged(self, holders: np.ndarray) -> np.ndarray:
        """Which lines are judged, by how many articles hold each: ``min_docs`` or more."""
        return np.asarray(holders) >= self.min_docs

    def sample_of(self, holders_by_id: Sequence[Any]) -> list[Any]:
        """The holders a line is judged on: the first ``sample`` of them by id."""
        return list(holders_by_id[:self.sample])

    def spans_stories(self, keys: np.ndarray, samples: Sequence[np.ndarray], lines: Lines) -> np.ndarray:
        """Whether each line of ``keys`` spans stories, judged by its sample of holders:
        ``samples[i]`` are texts of ``lines`` that hold line ``keys[i]`` (an index picks them
        from its whole window)."""
        counts = np.array([len(sample) for sample in samples], dtype=np.int64)
        starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        holders = np.concatenate(samples).astype(np.int64) if len(samples) else np.zeros(0, dtype=np.int64)
        return _spans_stories(keys, starts, counts, holders, lines.keys, lines.sizes, lines.offsets)

    def learn(self, texts: Sequence[str], lines: Lines) -> np.ndarray:
        """Learn the boilerplate of ``texts``, whose lines (:func:`dedupe.tokens.tokenize_lines`)
        are ``lines``; return the keys of the lines learnt, sorted."""
        # The articles holding each short line that is not data, in order; the lines held by
        # enough are candidates, and a sample of each one's articles is looked at closer.
        keys, holders = self.short_lines(lines)  # holders in the corpus's order: a run sorts by id
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
        counts = np.diff(np.r_[starts, len(keys)])
        starts, counts = starts[self.judged(counts)], counts[self.judged(counts)]
        samples = [self.sample_of(holders[start:start + count]) for start, count in zip(starts.tolist(), counts.tolist())]
        learnt = self.spans_stories(keys[starts], samples, lines)
        self.keys_ = keys[starts[learnt]]  # sorted, as the keys are
        texts_ = []
        for key, doc in zip(self.keys_.tolist(), holders[starts[learnt]].tolist()):
            line = int(np.flatnonzero(lines.keys[lines.offsets[doc]:lines.offsets[doc + 1]] == key)[0])
            texts_.append(line_key(texts[doc].split("\n")[line]))
        self.lines_ = frozenset(texts_)
        return self.keys_

    def __len__(self) -> int:
        """How many lines were learnt."""
        return len(self.keys_)


@numba.njit(cache=CACHE, parallel=True)
def _spans_stories(candidates, starts, counts, holders, keys, sizes, offsets):
    """Whether each candidate line spans stories: of a sample of the articles holding it
    (``holders[starts[c]:starts[c] + counts[c]]``), most share less than half of their other
    text with the rest of the sample."""
    spans = np.zeros(len(candidates), dtype=np.bool_)
    for c in numba.prange(len(candidates)):
        sample = holders[starts[c]:starts[c] + counts[c]]
        m = len(sample)
        n = 0
        for doc in sample:
            n += offsets[doc + 1] - offsets[doc]
        line_keys = np.empty(n, dtype=np.uint64)
        line_sizes = np.empty(n, dtype=np.int64)
        owner = np.empty(n, dtype=np.int64)
        n = 0
        for w in range(m):
            for line in range(offsets[sample[w]], offsets[sample[w] + 1]):
                line_keys[n], line_sizes[n], owner[n] = keys[line], sizes[line], w
                n += 1
        order = np.argsort(line_keys)
        total = np.zeros(m, dtype=np.float64)   # each article's text, its shared text, and the line itself
        shared = np.zeros(m, dtype=np.float64)
        own = np.zeros(m, dtype=np.float64)
        seen = np.zeros(m, dtype=np.bool_)
        i = 0
        while i < n:
            key = line_keys[order[i]]
            j = i
            seen[:] = False
            held = 0  # articles of the sample holding this line
            while j < n and line_keys[order[j]] == key:
                held += not seen[owner[order[j]]]
                seen[owner[order[j]]] = True
                j += 1
            if key != 0:  # blank lines count for nothing
                for t in range(i, j):
                    w, size = owner[order[t]], line_sizes[order[t]]
                    total[w] += size
                    shared[w] += size if held >= 2 else 0
                    own[w] += size if key == candidates[c] else 0
            i = j
        # Every article of the sample holds the line itself, so it counts as shared: take it out.
        unshared = 0
        for w in range(m):
            unshared += shared[w] - own[w] < 0.5 * (total[w] - own[w])
        spans[c] = 2 * unshared > m
    return spans


def _without(text: str, gone: np.ndarray) -> str:
    """``text`` without the lines flagged in ``gone`` (one flag per line)."""
    return "\n".join(line for line, drop in zip(text.split("\n"), gone.tolist()) if not drop)


def line_key(line: str) -> str:
    """A line as lines are compared: case folded, runs of space made one, none at the ends."""
    return " ".join(line.casefold().split())
