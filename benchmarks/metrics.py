"""Scores of a clustering against the labels: pairwise precision/recall/F1, ARI, and the
figures that matter for syndication (truncated recall, roles, canonicals, template merges)."""

from __future__ import annotations

from collections import defaultdict
from typing import Mapping, Sequence

from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.cluster import pair_confusion_matrix

from .syndication import Labelled

__all__ = ["pairwise", "truncated_recall", "role_accuracy", "canonical_accuracy", "original_canonical",
           "template_merges"]

KEPT_BUCKETS = ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0))


def pairwise(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Pairwise precision, recall, F1 over all pairs of articles, and the adjusted Rand index."""
    matrix = pair_confusion_matrix(truth, predicted)
    together_both, together_pred, together_true = matrix[1, 1], matrix[0, 1] + matrix[1, 1], matrix[1, 0] + matrix[1, 1]
    precision = together_both / together_pred if together_pred else 1.0
    recall = together_both / together_true if together_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1),
            "ari": float(adjusted_rand_score(truth, predicted))}


def truncated_recall(labels: Sequence[Labelled], predicted: Mapping[str, str]) -> dict[tuple[float, float], tuple[int, int]]:
    """For copies cut short, by the share of the source they keep: (found with the source, total)."""
    out: dict[tuple[float, float], list[int]] = {bucket: [0, 0] for bucket in KEPT_BUCKETS}
    for label in labels:
        if label.kind != "truncated":
            continue
        bucket = next(b for b in KEPT_BUCKETS if b[0] <= label.kept_share < b[1] or label.kept_share == b[1] == 1.0)
        out[bucket][1] += 1
        out[bucket][0] += predicted[label.id] == predicted[label.cluster]
    return {bucket: (found, total) for bucket, (found, total) in out.items()}


def role_accuracy(labels: Sequence[Labelled], roles: Mapping[str, str]) -> tuple[int, int]:
    """Members of generated stories (canonical excluded) whose role is the expected one."""
    members = [label for label in labels if label.role != "canonical" and label.kind != "single"]
    return sum(roles[label.id] == label.role for label in members), len(members)


def canonical_accuracy(labels: Sequence[Labelled], canonicals: Mapping[str, str]) -> tuple[int, int]:
    """Generated stories whose source ends in a story with the expected canonical."""
    expected = {label.cluster: label.canonical for label in labels if label.kind != "single"}
    return sum(canonicals[source] == canonical for source, canonical in expected.items()), len(expected)


def original_canonical(labels: Sequence[Labelled], canonicals: Mapping[str, str]) -> tuple[int, int]:
    """Generated stories whose canonical is the agency's original (the source they were made from),
    whatever the expected canonical: an editor would keep the wire's own text over a copy with
    a house's edits."""
    sources = {label.cluster for label in labels if label.kind != "single"}
    return sum(canonicals[source] == source for source in sources), len(sources)


def template_merges(template_ids: Sequence[str], figures: Mapping[str, frozenset], predicted: Mapping[str, str]) -> int:
    """Pairs of templated stories with different figures that were put in one story: each
    reports a figure the other does not (a report sent again with a line added is the same)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for article_id in template_ids:
        groups[predicted[article_id]].append(article_id)
    merges = 0
    for members in groups.values():
        for i, a in enumerate(members):
            merges += sum(bool(figures[a] - figures[b]) and bool(figures[b] - figures[a]) for b in members[i + 1:])
    return merges


def ratio(found: int, total: int) -> float:
    return found / total if total else float("nan")
