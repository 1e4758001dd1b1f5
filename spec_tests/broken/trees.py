"""Broken implementations of the trees family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def _gain_parts(labels, feature_values, base=None):
    """(Ent(D), [(|D^v| / |D|, Ent(D^v)) per value]) in nats, via the reference's checks."""
    ref.information_gain(labels, feature_values, base=base)  # same ValueError rules
    y = np.asarray(labels).astype(np.int64)
    values = np.asarray(feature_values, dtype=np.float64)

    def ent(subset):
        p = np.bincount(subset) / len(subset)
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    parts = [(np.mean(values == v), ent(y[values == v])) for v in np.unique(values)]
    return ent(y), parts


def _gain_dtype(feature_values):
    return np.float64 if np.asarray(feature_values).dtype == np.float64 else np.float32


def information_gain_without_weights():
    """Ent(D) - mean_v Ent(D^v): the children's entropies averaged, not weighted by |D^v|/|D|."""

    def information_gain(labels, feature_values, base=None):
        whole, parts = _gain_parts(labels, feature_values, base)
        gain = whole - float(np.mean([e for _, e in parts]))
        scale = 1.0 if base is None else np.log(base)
        return np.asarray(gain / scale, dtype=_gain_dtype(feature_values))

    return _reference_with(information_gain=information_gain)


def information_gain_with_bits_and_nats_mixed():
    """Ent(D) in bits minus the children's weighted entropy in nats (a unit mismatch)."""

    def information_gain(labels, feature_values, base=None):
        whole, parts = _gain_parts(labels, feature_values, base)
        gain = whole / np.log(2) - sum(w * e for w, e in parts)
        scale = 1.0 if base is None else np.log(base)
        return np.asarray(gain / scale, dtype=_gain_dtype(feature_values))

    return _reference_with(information_gain=information_gain)


def information_gain_with_flipped_sign():
    """sum_v |D^v|/|D| Ent(D^v) - Ent(D): the conditional entropy minus the entropy."""

    def information_gain(labels, feature_values, base=None):
        return -ref.information_gain(labels, feature_values, base=base)

    return _reference_with(information_gain=information_gain)


def information_gain_ignoring_base():
    """Always in nats, whatever ``base`` says."""

    def information_gain(labels, feature_values, base=None):
        ref.information_gain(labels, feature_values, base=base)  # the same ValueError rules
        return ref.information_gain(labels, feature_values)

    return _reference_with(information_gain=information_gain)


def gini_impurity_without_squares():
    """1 - sum_k p_k, which is 0 for every set."""

    def gini_impurity(labels):
        ref.gini_impurity(labels)
        return np.float32(0.0)

    return _reference_with(gini_impurity=gini_impurity)


def information_gain_ratio_instead_of_gain():
    """C4.5's gain ratio Gain(D, a) / IV(a), IV(a) = -sum_v |D^v|/|D| log |D^v|/|D| (0 when the
    feature is constant), returned where ID3's gain is due."""

    def information_gain(labels, feature_values, base=None):
        whole, parts = _gain_parts(labels, feature_values, base)
        gain = whole - sum(w * e for w, e in parts)
        intrinsic = -sum(w * np.log(w) for w, _ in parts)
        ratio = gain / intrinsic if intrinsic > 0 else 0.0
        return np.asarray(ratio, dtype=_gain_dtype(feature_values))  # a ratio: no base

    return _reference_with(information_gain=information_gain)


def gini_impurity_with_the_unbiased_correction():
    """1 - sum_k c_k (c_k - 1) / (n (n - 1)): the Gini-Simpson estimator of sampling without
    replacement, not the impurity of the set (0 for one example)."""

    def gini_impurity(labels):
        ref.gini_impurity(labels)  # the same ValueError rules
        y = np.asarray(labels).astype(np.int64)
        n = len(y)
        if n < 2:
            return np.float32(0.0)
        counts = np.bincount(y).astype(np.float64)
        return np.float32(1.0 - (counts * (counts - 1)).sum() / (n * (n - 1)))

    return _reference_with(gini_impurity=gini_impurity)


def gini_impurity_with_integer_shares():
    """p_k = c_k // n (integer division, the Python 2 habit): every share of a mixed set is 0,
    so its impurity is 1."""

    def gini_impurity(labels):
        ref.gini_impurity(labels)
        y = np.asarray(labels).astype(np.int64)
        shares = np.bincount(y) // len(y)
        return np.float32(1.0 - (shares**2).sum())

    return _reference_with(gini_impurity=gini_impurity)



def information_gain_in_bits_by_default():
    """log2 when base is None (ID3's habit) instead of the contract's natural log."""

    def information_gain(labels, feature_values, base=None):
        return ref.information_gain(labels, feature_values, base=2 if base is None else base)

    return _reference_with(information_gain=information_gain)


def information_gain_grouping_truncated_values():
    """Groups examples by int(value) (a bincount of the codes): 0.5 and 0 become one value."""

    def information_gain(labels, feature_values, base=None):
        out = ref.information_gain(labels, feature_values, base=base)  # validation and dtype
        values = np.asarray(feature_values, dtype=np.float64)
        return ref.information_gain(labels, np.trunc(values).astype(out.dtype), base=base)

    return _reference_with(information_gain=information_gain)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'information_gain_without_weights': (
        'information_gain_matches_scipy_stats_entropy',
        'information_gain_in_nats_equals_sklearn_mutual_info_score',
        'information_gain_reproduces_the_watermelon_table',
    ),
    'information_gain_with_bits_and_nats_mixed': (
        'information_gain_matches_scipy_stats_entropy',
        'information_gain_of_a_constant_feature_is_zero',
        'information_gain_is_largest_for_the_label_itself',
    ),
    'information_gain_with_flipped_sign': (
        'information_gain_is_between_zero_and_the_label_entropy',
        'information_gain_matches_scipy_stats_entropy',
        'information_gain_reproduces_the_watermelon_table',
    ),
    'information_gain_ignoring_base': (
        'information_gain_matches_scipy_stats_entropy',
        'information_gain_in_base_b_is_the_gain_in_nats_over_ln_b',
        'information_gain_reproduces_the_watermelon_table',
    ),
    'gini_impurity_without_squares': (
        'gini_impurity_matches_one_minus_the_sum_of_squared_shares',
        'gini_impurity_equals_the_root_impurity_of_sklearn_decision_tree',
    ),
    'information_gain_ratio_instead_of_gain': (
        'information_gain_matches_scipy_stats_entropy',
        'information_gain_in_nats_equals_sklearn_mutual_info_score',
        'information_gain_reproduces_the_watermelon_table',
    ),
    'gini_impurity_with_the_unbiased_correction': (
        'gini_impurity_matches_one_minus_the_sum_of_squared_shares',
        'gini_impurity_equals_the_root_impurity_of_sklearn_decision_tree',
    ),
    'gini_impurity_with_integer_shares': (
        'gini_impurity_matches_one_minus_the_sum_of_squared_shares',
        'gini_impurity_equals_the_root_impurity_of_sklearn_decision_tree',
    ),
    'information_gain_in_bits_by_default': (
        'information_gain_in_nats_equals_sklearn_mutual_info_score',
        'information_gain_is_largest_for_the_label_itself',
    ),
    'information_gain_grouping_truncated_values': (
        'information_gain_matches_scipy_stats_entropy',
    ),
}
