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


def dropout_sharing_one_mask_across_rows():
    """One mask drawn for the last axis and broadcast over the batch: every row of a batch
    drops the same units (a noise_shape of (1, units), or a mask drawn once per layer)."""

    def inverted_dropout(x, rate, seed, training=True):
        x = ref.inverted_dropout(x, rate, seed=seed, training=False)  # checks, converts
        if not training:
            return x
        keep = np.random.default_rng(int(seed)).random(x.shape[-1:]) >= rate
        scale = x.dtype.type(1.0 / (1.0 - rate))
        return np.where(keep, x * scale, x.dtype.type(0)).astype(x.dtype)

    return _reference_with(inverted_dropout=inverted_dropout)


def dropout_ignoring_the_seed():
    """The mask drawn from the global generator (np.random.random), seed ignored: two calls with
    one seed drop different entries."""

    def inverted_dropout(x, rate, seed, training=True):
        x = ref.inverted_dropout(x, rate, seed=seed, training=False)  # checks, converts
        if not training:
            return x
        keep = np.random.random(x.shape) >= rate
        scale = x.dtype.type(1.0 / (1.0 - rate))
        return np.where(keep, x * scale, x.dtype.type(0)).astype(x.dtype)

    return _reference_with(inverted_dropout=inverted_dropout)


def dropout_scaled_by_one_over_rate():
    """The right mask, but kept entries scaled by 1 / rate instead of 1 / (1 - rate)."""

    def inverted_dropout(x, rate, seed, training=True):
        out = ref.inverted_dropout(x, rate, seed=seed, training=training)
        if not training or rate == 0:
            return out
        with np.errstate(over="ignore"):  # a tiny rate: 1 / rate overflows float32, as it would
            return (np.asarray(out, np.float64) * (1.0 - rate) / rate).astype(out.dtype)

    return _reference_with(inverted_dropout=inverted_dropout)


def dropout_scaling_by_the_keep_probability_at_inference():
    """Inverted at training but x (1 - rate) at inference: the classic dropout's rule, twice."""

    def inverted_dropout(x, rate, seed, training=True):
        out = ref.inverted_dropout(x, rate, seed=seed, training=training)
        if training:
            return out
        return (np.asarray(out, np.float64) * (1.0 - rate)).astype(out.dtype)

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
    'dropout_sharing_one_mask_across_rows': (
        'dropout_draws_an_independent_mask_for_every_row_and_column',
    ),
    'dropout_ignoring_the_seed': (
        'dropout_is_deterministic_given_the_seed',
    ),
    'dropout_scaled_by_one_over_rate': (
        'dropout_keeps_entries_scaled_by_one_over_the_keep_probability',
        'dropout_preserves_the_expectation',
    ),
    'dropout_scaling_by_the_keep_probability_at_inference': (
        'dropout_is_the_identity_at_inference',
    ),
}
