"""Word alignment of pairs: which words of one text the other holds, where its gaps lie, and
which facts (figures, names) stand in its edits and outside its passages.

Two texts' shingles sorted by hash are walked side by side: a shingle both hold marks its words
as held. Everything here is compiled with numba and works on the corpus's flat arrays.
"""

from __future__ import annotations

from ..numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np

from ..sketch import Sketches

__all__ = ["shingle_index", "align", "held_by_any"]


def shingle_index(sketches: Sketches) -> tuple[np.ndarray, np.ndarray]:
    """Each article's shingles sorted by hash, and the position of each in its text."""
    return _sorted_rows(sketches.shingles, sketches.shingle_offsets)


@numba.njit(cache=CACHE, parallel=True)
def _sorted_rows(values, offsets):
    by_value = np.empty_like(values)
    positions = np.empty(len(values), dtype=np.int32)  # a word's place in its text
    for row in numba.prange(len(offsets) - 1):
        start = offsets[row]
        order = np.argsort(values[start:offsets[row + 1]], kind="mergesort")  # stable: first position first
        for i in range(len(order)):
            by_value[start + i] = values[start + order[i]]
            positions[start + i] = order[i]
    return by_value, positions


@numba.njit(cache=CACHE)
def _member(sorted_values, value):
    k = np.searchsorted(sorted_values, value)
    return k < len(sorted_values) and sorted_values[k] == value


@numba.njit(cache=CACHE)
def _distinct_facts(words, inside, facts, other_facts):
    """How many distinct facts among ``words[inside]``, and how many of them ``other_facts`` holds."""
    found = np.empty(len(words), dtype=words.dtype)
    count = 0
    for w in range(len(words)):
        if inside[w] and _member(facts, words[w]):
            found[count] = words[w]
            count += 1
    found = np.unique(found[:count])
    kept = 0
    for value in found:
        kept += _member(other_facts, value)
    return len(found), kept


@numba.njit(cache=CACHE)
def _only_in(gap, facts, absent):
    """Distinct facts standing in ``gap`` that are not among ``absent`` (sorted, or a gap)."""
    held, kept = _distinct_facts(gap, np.ones(len(gap), dtype=np.bool_), facts, absent)
    return held - kept


@numba.njit(cache=CACHE)
def _swapped(x_gap, y_gap, x_facts, y_facts):
    """Facts of x's edit replaced by others: x's facts that y has nowhere, as long as y's side of
    the edit has facts x's side lacks (a fact dropped or added alone, "His Highness", is no swap;
    "April 15" where the other has "April 10" is one, whatever else the texts hold)."""
    return min(_only_in(x_gap, x_facts, y_facts), _only_in(y_gap, y_facts, np.sort(x_gap)))


@numba.njit(cache=CACHE, parallel=True)
def align(words, word_offsets, shingle_offsets, by_hash, positions, figures, figure_offsets,
           names, name_offsets, size, pairs, which, min_gap, passage):
    """For each pair (x, y), how x reads against y:

    * the share of x's words that y holds; where x's passages missing from y lie (Gap flags);
      the first and last word of x that y holds (-1 if none); how many of the words y holds lie
      in x's opening (its first ``2 * len(y) + min_gap`` words);
    * swaps: x's distinct figures that stand in a gap shorter than ``passage`` (an edit) where y has
      other figures in their place; and the same for facts of either kind, figures and names
      (two columns);
    * facts: x's distinct figures and names outside passages of ``passage`` words or more that
      y lacks (text one side added or dropped), and how many of them y has: columns
      (figures, figures y has, names, names y has).

    ``by_hash`` holds each article's shingles sorted, ``positions`` where each stands in its text.
    Only the pairs flagged in ``which`` are aligned; the others keep zeros (and -1 for lead, last).
    """
    m = len(pairs)
    coverage = np.zeros(m, dtype=np.float64)
    gaps = np.zeros(m, dtype=np.int8)
    lead = np.full(m, -1, dtype=np.int32)  # word positions and counts: 32 bits hold any text
    last = np.full(m, -1, dtype=np.int32)
    swaps = np.zeros((m, 2), dtype=np.int32)
    opening = np.zeros(m, dtype=np.int32)
    facts = np.zeros((m, 4), dtype=np.int32)
    for p in numba.prange(m):
        if not which[p]:
            continue
        # One pair per call: the body stays out of the parallel loop's own transformations.
        _align_pair(p, words, word_offsets, shingle_offsets, by_hash, positions, figures, figure_offsets,
                    names, name_offsets, size, pairs, min_gap, passage, coverage, gaps, lead, last, opening, swaps,
                    facts)
    return coverage, gaps, lead, last, opening, swaps, facts


@numba.njit(cache=CACHE)
def _align_pair(p, words, word_offsets, shingle_offsets, by_hash, positions, figures, figure_offsets,
                names, name_offsets, size, pairs, min_gap, passage, coverage, gaps, lead, last, opening, swaps, facts):
    x, y = pairs[p, 0], pairs[p, 1]
    n_words = word_offsets[x + 1] - word_offsets[x]
    if n_words == 0:
        return
    y_words = words[word_offsets[y]:word_offsets[y + 1]]
    opening_end = 2 * len(y_words) + min_gap
    x_words = words[word_offsets[x]:word_offsets[x + 1]]
    n_shingles = shingle_offsets[x + 1] - shingle_offsets[x]
    found_at = np.full(n_shingles, -1, dtype=np.int64)
    covered = np.zeros(n_words + 1, dtype=np.bool_)
    covered[n_words] = True  # a sentinel that closes the last run
    width = min(size, n_words)
    _held_words(x, y, shingle_offsets, by_hash, positions, width, found_at, covered)
    x_figures = figures[figure_offsets[x]:figure_offsets[x + 1]]
    y_figures = figures[figure_offsets[y]:figure_offsets[y + 1]]
    x_names = names[name_offsets[x]:name_offsets[x + 1]]
    y_names = names[name_offsets[y]:name_offsets[y + 1]]
    inside = np.ones(n_words, dtype=np.bool_)
    # Covered words before each position: an edit is read against y only between stretches
    # of mostly shared text, not beside the scraps a stock phrase ("will be supported by a")
    # leaves in a passage y lacks.
    held_before = np.zeros(n_words + 1, dtype=np.int64)
    for w in range(n_words):
        held_before[w + 1] = held_before[w] + covered[w]
    count = 0
    run = 0
    flags = 0
    for w in range(n_words + 1):
        if not covered[w]:
            run += 1
            continue
        if w < n_words:
            count += 1
            opening[p] += w < opening_end
            if lead[p] < 0:
                lead[p] = w
            last[p] = w
        if run >= passage:
            inside[w - run:w] = False
        if run >= min_gap:
            flags |= 1 if run == w else (4 if w == n_words else 2)
        # An edit is read up to a passage's length: "Dr Abdul Latif Jamal Rashid, President of the
        # Republic of Iraq" where the other has "Abdel Fattah El-Sisi, President of the Arab
        # Republic of Egypt" is one replacement (a template filled in), however many words. A run
        # of min_gap words or more at either end of x is a passage cut or added, never an edit.
        inside_x = run < min_gap or (w - run > 0 and w < n_words)
        if 0 < run < passage and inside_x and _solid(held_before, w - run, w, n_words, 2 * min_gap):
            start = w - run
            y_start, y_end = _facing(found_at, width, start, w, n_words, len(y_words))
            if 0 <= y_start < y_end <= len(y_words) and y_end - y_start <= 2 * run + min_gap:
                x_gap, y_gap = x_words[start:w], y_words[y_start:y_end]
                swaps[p, 0] += _swapped(x_gap, y_gap, x_figures, y_figures)
                swaps[p, 1] += min(_only_in(x_gap, x_figures, y_figures) + _only_in(x_gap, x_names, y_names),
                                   _only_in(y_gap, y_figures, np.sort(x_gap))
                                   + _only_in(y_gap, y_names, np.sort(x_gap)))
        run = 0
    coverage[p] = count / n_words
    gaps[p] = flags
    facts[p, 0], facts[p, 1] = _distinct_facts(x_words, inside, x_figures, y_figures)
    facts[p, 2], facts[p, 3] = _distinct_facts(x_words, inside, x_names, y_names)


@numba.njit(cache=CACHE)
def _held_words(x, y, shingle_offsets, by_hash, positions, width, found_at, covered):
    """Where each of x's shingles first stands in y (``found_at``, -1: nowhere), and which of x's
    words y holds (``covered``, set where held): both texts' shingles sorted by hash are walked
    side by side (equal hashes in the order of their positions, so y's first comes first)."""
    i, i_end = shingle_offsets[x], shingle_offsets[x + 1]
    k, k_end = shingle_offsets[y], shingle_offsets[y + 1]
    while i < i_end and k < k_end:
        if by_hash[i] < by_hash[k]:
            i += 1
        elif by_hash[i] > by_hash[k]:
            k += 1
        else:
            value, at = by_hash[i], positions[k]
            while i < i_end and by_hash[i] == value:
                j = positions[i]
                found_at[j] = at
                covered[j:j + width] = True
                i += 1


@numba.njit(cache=CACHE, parallel=True)
def held_by_any(word_offsets, shingle_offsets, by_hash, positions, size, starts, partners):
    """For each article x, how many of its words some article of
    ``partners[starts[x]:starts[x + 1]]`` holds, and in how many runs the words none of them
    holds stand (each run an edit or a passage of x's own)."""
    # A count per article, not a flag per word of the corpus: that array, and the running sum
    # its caller took over it, grew past the caches and took most of clustering's time at 316,000.
    held = np.zeros(len(starts) - 1, dtype=np.int64)
    runs = np.zeros(len(starts) - 1, dtype=np.int64)
    for x in numba.prange(len(starts) - 1):
        n_words = word_offsets[x + 1] - word_offsets[x]
        if n_words == 0 or starts[x] == starts[x + 1]:
            continue
        found_at = np.full(shingle_offsets[x + 1] - shingle_offsets[x], -1, dtype=np.int64)
        covered = np.zeros(n_words, dtype=np.bool_)
        for p in range(starts[x], starts[x + 1]):
            _held_words(x, partners[p], shingle_offsets, by_hash, positions, min(size, n_words), found_at, covered)
        held[x] = covered.sum()
        count = 0
        for w in range(n_words):
            count += (not covered[w]) and (w == 0 or covered[w - 1])
        runs[x] = count
    return held, runs


@numba.njit(cache=CACHE)
def _solid(held_before, start, end, n_words, reach):
    """Most of the ``reach`` words on each side of ``[start, end)`` are shared (or it is the edge)."""
    before = min(reach, start)
    after = min(reach, n_words - end)
    shared_before = held_before[start] - held_before[start - before]
    shared_after = held_before[end + after] - held_before[end]
    return 5 * shared_before >= 3 * before and 5 * shared_after >= 3 * after


@numba.njit(cache=CACHE)
def _facing(found_at, width, start, end, n_words, n_y):
    """The stretch of y facing x's gap ``[start, end)``: between where the words on either side of
    the gap stand in y; where the gap reaches an edge of x, as many of y's words as the gap has
    next to the side it shares; (-1, -1) if unknown."""
    if start == 0 and end == n_words:
        return -1, -1
    y_start = 0
    if start > 0:
        y_start = -1
        for j in range(max(start - width, 0), min(start, len(found_at))):  # shingles that hold word start - 1
            if found_at[j] >= 0 and j + width > start - 1:
                y_start = found_at[j] + (start - 1 - j) + 1
        if y_start < 0:
            return -1, -1
    y_end = n_y
    if end < n_words:
        y_end = -1
        for j in range(min(end, len(found_at) - 1), max(end - width, -1), -1):  # shingles that hold word end
            if found_at[j] >= 0:
                y_end = found_at[j] + (end - j)
        if y_end < 0:
            return -1, -1
    if start == 0:
        y_start = max(y_end - (end - start), 0)
    elif end == n_words:
        y_end = min(y_start + (end - start), n_y)
    return y_start, y_end
