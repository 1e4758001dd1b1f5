"""Apriori (Agrawal and Srikant 1994): frequent itemsets and association rules (002 lists it
among the unsupervised methods).

Formula:
    support(A)        = |{baskets containing every item of A}| / |baskets|
    frequent          support(A) >= min_support
    Apriori property  every subset of a frequent itemset is frequent, so the candidates of size
                      k + 1 are the unions of two frequent k-itemsets that share k - 1 items and
                      whose every k-subset is frequent; only those are counted
    confidence(A->B)  = support(A u B) / support(A);   lift = confidence / support(B)

Symbols -> names: baskets -> ``baskets`` (a 0/1 matrix, rows = baskets, columns = items);
min_support -> ``min_support``; the result maps each frequent itemset (a sorted tuple of item
columns) to its support. Counting is one boolean matrix product per level, in NumPy.
"""

from __future__ import annotations

import numbers
from itertools import combinations

import numpy as np

__all__ = ["apriori", "association_rules"]


def _check(baskets, min_support) -> np.ndarray:
    baskets = np.asarray(baskets)
    if baskets.ndim != 2 or baskets.shape[0] < 1 or baskets.shape[1] < 1:
        raise ValueError(f"baskets must be a 2-D 0/1 matrix (baskets x items) with at least one "
                         f"row and column; got shape {baskets.shape}")
    if not np.isin(baskets, (0, 1)).all():
        raise ValueError("baskets must hold only 0 and 1 (or False and True): 1 = the item is in "
                         "the basket")
    if (isinstance(min_support, bool) or not isinstance(min_support, numbers.Real)
            or not 0 < min_support <= 1):
        raise ValueError(f"min_support must be a share in (0, 1]; got {min_support!r}")
    return baskets.astype(bool)


def apriori(baskets, min_support: float) -> dict[tuple[int, ...], float]:
    """Frequent itemsets of a 0/1 basket matrix and their supports, level by level.

    Example:
        >>> b = [[1, 1, 0], [1, 1, 1], [1, 0, 0], [0, 1, 1]]
        >>> apriori(b, 0.5)
        {(0,): 0.75, (1,): 0.75, (2,): 0.5, (0, 1): 0.5, (1, 2): 0.5}
    """
    baskets = _check(baskets, min_support)
    n = baskets.shape[0]
    frequent: dict[tuple[int, ...], float] = {}
    level = [(j,) for j in range(baskets.shape[1])]
    while level:
        members = np.zeros((baskets.shape[1], len(level)), dtype=np.int64)
        for column, itemset in enumerate(level):
            members[list(itemset), column] = 1
        # a basket holds an itemset iff it holds all len(itemset) of its items
        counts = np.sum(baskets.astype(np.int64) @ members == members.sum(axis=0), axis=0)
        found = {s: float(c / n) for s, c in zip(level, counts, strict=True)
                 if c / n >= min_support}
        frequent.update(found)
        keys = sorted(found)
        candidates = set()
        for a, b in combinations(keys, 2):
            if a[:-1] == b[:-1]:  # join: same first k - 1 items
                union = a + (b[-1],) if a[-1] < b[-1] else b + (a[-1],)
                if all(sub in found for sub in combinations(union, len(union) - 1)):  # prune
                    candidates.add(union)
        level = sorted(candidates)
    return frequent


def association_rules(frequent: dict, min_confidence: float) -> list[tuple]:
    """Rules A -> B from frequent itemsets: (A, B, support, confidence, lift), confidence >=
    ``min_confidence``; ``frequent`` as returned by :func:`apriori`."""
    if not isinstance(min_confidence, numbers.Real) or not 0 <= min_confidence <= 1:
        raise ValueError(f"min_confidence must be a share in [0, 1]; got {min_confidence!r}")
    rules = []
    for itemset, support in frequent.items():
        for size in range(1, len(itemset)):
            for left in combinations(itemset, size):
                right = tuple(i for i in itemset if i not in left)
                confidence = support / frequent[left]
                if confidence >= min_confidence:
                    rules.append((left, right, support, confidence, confidence / frequent[right]))
    return rules
