"""Broken implementations of the information family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def kl_with_wrong_sign():
    """-sum p log(p / q), as document 000 writes it (erratum 3)."""

    def kl_divergence(p, q, base=None, axis=-1):
        return -ref.kl_divergence(p, q, base=base, axis=axis)

    return _reference_with(kl_divergence=kl_divergence)


def entropy_ignoring_base():
    """Always in nats, whatever ``base`` says."""

    def entropy(p, base=None, axis=-1):
        return ref.entropy(p, axis=axis)

    return _reference_with(entropy=entropy)


def cross_entropy_with_log_p():
    """-sum q log p: the arguments swapped."""

    def cross_entropy(p, q, base=None, axis=-1):
        return ref.cross_entropy(q, p, base=base, axis=axis)

    return _reference_with(cross_entropy=cross_entropy)


def joint_entropy_over_the_last_axis_only():
    """Entropy summed over one axis only (the anchor's defect): not a scalar."""

    def joint_entropy(p_xy, base=None):
        p_xy = np.asarray(p_xy)
        dtype = np.float64 if p_xy.dtype == np.float64 else np.float32
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p_xy > 0, -p_xy * np.log(p_xy), 0.0).astype(dtype)
        nats = terms.sum(axis=-1)
        return nats if base is None else nats / np.log(base)

    return _reference_with(joint_entropy=joint_entropy)


def kl_with_q_clipped_away_from_zero():
    """q clipped to [1e-7, 1] before the log, as keras.losses.kl_divergence: finite where q = 0 < p."""

    def kl_divergence(p, q, base=None, axis=-1):
        p, q = np.asarray(p), np.asarray(q)
        dtype = np.float64 if np.float64 in (p.dtype, q.dtype) else np.float32
        p, q = p.astype(dtype), np.clip(q.astype(dtype), 1e-7, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, p * np.log(p / q), 0.0).astype(dtype)
        nats = terms.sum(axis=axis)
        return nats if base is None else (nats / np.log(base)).astype(dtype)

    return _reference_with(kl_divergence=kl_divergence)


def kl_nan_where_p_and_q_are_zero():
    """xlogy(p, p) - p log q, as torch's F.kl_div on log q: 0 * -inf = NaN where p = q = 0."""

    def kl_divergence(p, q, base=None, axis=-1):
        from scipy.special import xlogy

        p, q = np.asarray(p), np.asarray(q)
        dtype = np.float64 if np.float64 in (p.dtype, q.dtype) else np.float32
        p, q = p.astype(dtype), q.astype(dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = (xlogy(p, p) - p * np.log(q)).astype(dtype)
        nats = terms.sum(axis=axis)
        return nats if base is None else (nats / np.log(base)).astype(dtype)

    return _reference_with(kl_divergence=kl_divergence)


def cross_entropy_clipped():
    """-sum p log(clip(q, 1e-7, 1)), as keras's categorical cross-entropy: finite where q = 0 < p."""

    def cross_entropy(p, q, base=None, axis=-1):
        p, q = np.asarray(p), np.asarray(q)
        dtype = np.float64 if np.float64 in (p.dtype, q.dtype) else np.float32
        p, q = p.astype(dtype), np.clip(q.astype(dtype), 1e-7, 1.0)
        nats = -(p * np.log(q)).astype(dtype).sum(axis=axis)
        return nats if base is None else (nats / np.log(base)).astype(dtype)

    return _reference_with(cross_entropy=cross_entropy)


def self_information_in_bits_by_default():
    """-log2 p when no base is given (bits), where the contract (as scipy) means nats."""

    def self_information(p, base=None):
        return ref.self_information(p, base=2 if base is None else base)

    return _reference_with(self_information=self_information)


def kl_divergence_ignoring_axis():
    """Inputs checked along ``axis``, but the terms always summed over the last axis."""

    def kl_divergence(p, q, base=None, axis=-1):
        p, q = ref._probability_pair(p, q, axis)  # the checks
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, p * np.log(p / q), 0.0).astype(p.dtype)
        return ref._in_base(terms.sum(axis=-1), base)

    return _reference_with(kl_divergence=kl_divergence)


def cross_entropy_ignoring_axis():
    """Inputs checked along ``axis``, but the terms always summed over the last axis."""

    def cross_entropy(p, q, base=None, axis=-1):
        p, q = ref._probability_pair(p, q, axis)  # the checks
        return ref._in_base(-ref._x_log_y(p, q).sum(axis=-1), base)

    return _reference_with(cross_entropy=cross_entropy)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'kl_with_wrong_sign': (
        'kl_divergence_matches_scipy_special_rel_entr_and_is_non_negative',
        'kl_divergence_is_zero_only_for_equal_distributions',
        'kl_divergence_is_not_symmetric',
    ),
    'entropy_ignoring_base': (
        'entropy_in_base_b_is_entropy_in_nats_over_ln_b',
        'entropy_matches_scipy_stats_entropy',
    ),
    'cross_entropy_with_log_p': (
        'cross_entropy_matches_scipy_special_xlogy',
        'cross_entropy_is_entropy_plus_kl_divergence',
    ),
    'joint_entropy_over_the_last_axis_only': (
        'joint_entropy_matches_scipy_stats_entropy_of_the_flattened_table',
    ),
    'kl_with_q_clipped_away_from_zero': (
        'kl_divergence_is_infinite_where_q_is_zero_and_p_is_not',
    ),
    'kl_nan_where_p_and_q_are_zero': (
        'kl_divergence_ignores_outcomes_where_p_and_q_are_both_zero',
    ),
    'cross_entropy_clipped': (
        'cross_entropy_is_infinite_where_q_is_zero_and_p_is_not',
        'cross_entropy_is_at_least_entropy',
    ),
    'self_information_in_bits_by_default': (
        'self_information_matches_a_float64_loop_of_minus_log_p',
        'self_information_in_base_two_of_one_half_is_one_bit',
    ),
    'kl_divergence_ignoring_axis': (
        'kl_divergence_reduces_the_axis_it_is_given',
    ),
    'cross_entropy_ignoring_axis': (
        'cross_entropy_reduces_the_axis_it_is_given',
    ),
}
