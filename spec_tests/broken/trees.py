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
        return ref.information_gain(labels, feature_values)

    return _reference_with(information_gain=information_gain)


def gini_impurity_without_squares():
    """1 - sum_k p_k, which is 0 for every set."""

    def gini_impurity(labels):
        ref.gini_impurity(labels)
        return np.float32(0.0)

    return _reference_with(gini_impurity=gini_impurity)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'information_gain_without_weights': (
        'information_gain_matches_a_float64_oracle',
        'information_gain_reproduces_the_watermelon_table',
    ),
    'information_gain_with_bits_and_nats_mixed': (
        'information_gain_matches_a_float64_oracle',
        'information_gain_of_a_constant_feature_is_zero',
        'information_gain_is_largest_for_the_label_itself',
    ),
    'information_gain_with_flipped_sign': (
        'information_gain_is_between_zero_and_the_label_entropy',
        'information_gain_matches_a_float64_oracle',
        'information_gain_reproduces_the_watermelon_table',
    ),
    'information_gain_ignoring_base': (
        'information_gain_in_base_b_is_the_gain_in_nats_over_ln_b',
        'information_gain_reproduces_the_watermelon_table',
    ),
    'gini_impurity_without_squares': (
        'gini_impurity_matches_one_minus_the_sum_of_squared_shares',
    ),
}
