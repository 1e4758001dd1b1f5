"""Broken implementations of the dropout family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def dropout_without_scaling():
    """Kept entries left as x, not x / (1 - rate): E[h'] = (1 - rate) h instead of h."""

    def inverted_dropout(x, rate, seed, training=True):
        out = ref.inverted_dropout(x, rate, seed=seed, training=training)
        if not training:
            return out
        x = np.asarray(x).astype(out.dtype)
        return np.where(out != 0, x, out.dtype.type(0)).astype(out.dtype)

    return _reference_with(inverted_dropout=inverted_dropout)


def dropout_at_inference():
    """training=False drops too: the mode flag ignored, as in dropout that never switches off."""

    def inverted_dropout(x, rate, seed, training=True):
        ref.inverted_dropout(x, rate, seed=seed, training=training)  # the same input checks
        return ref.inverted_dropout(x, rate, seed=seed, training=True)

    return _reference_with(inverted_dropout=inverted_dropout)


def dropout_keeping_with_probability_rate():
    """rate read as the keep probability (keeps rate of the entries, scaled by 1 / rate)."""

    def inverted_dropout(x, rate, seed, training=True):
        x = ref.inverted_dropout(x, rate, seed=seed, training=False)  # checks, converts
        if not training:
            return x
        keep = np.random.default_rng(int(seed)).random(x.shape) < rate
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(keep, x / x.dtype.type(rate), x.dtype.type(0)).astype(x.dtype)

    return _reference_with(inverted_dropout=inverted_dropout)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'dropout_without_scaling': (
        'dropout_keeps_entries_scaled_by_one_over_the_keep_probability',
        'dropout_preserves_the_expectation',
    ),
    'dropout_at_inference': (
        'dropout_is_the_identity_at_inference',
    ),
    'dropout_keeping_with_probability_rate': (
        'dropout_drops_a_share_rate_of_the_entries',
        'dropout_preserves_the_expectation',
        'dropout_with_rate_zero_is_the_identity',
    ),
}
