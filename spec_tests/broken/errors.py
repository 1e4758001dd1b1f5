"""Broken implementations of the errors family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def entropy_without_input_checks():
    """-sum p log p of whatever it is given: no ValueError for negative or unnormalised p."""

    def entropy(p, base=None, axis=-1):
        p = np.asarray(p)
        dtype = np.float64 if p.dtype == np.float64 else np.float32
        with np.errstate(divide="ignore", invalid="ignore"):
            nats = np.where(p != 0, -p * np.log(p), 0.0).astype(dtype).sum(axis=axis)
            return nats if base is None else nats / np.log(base)

    return _reference_with(entropy=entropy)


def entropy_with_the_float32_sum_tolerance_in_float64():
    """Sums checked within 1e-4 whatever the dtype: a float64 p summing to 1 - 1e-8 passes."""

    def entropy(p, base=None, axis=-1):
        array = np.asarray(p)
        if array.size and np.issubdtype(array.dtype, np.floating) and (array >= 0).all():
            sums = array.astype(np.float64).sum(axis=axis)
            if np.all(np.abs(sums - 1) <= 1e-4):  # renormalise, then the reference's checks
                return ref.entropy(array / sums[..., None] if axis == -1 else array, base, axis)
        return ref.entropy(p, base=base, axis=axis)

    return _reference_with(entropy=entropy)


def kl_divergence_broadcasting_p_and_q():
    """No shape check: p of (3,) and q of (3, 1) broadcast silently to (3, 3), (3,) and (4,)
    fail inside NumPy with a message that names neither argument."""

    def kl_divergence(p, q, base=None, axis=-1):
        p, q = np.asarray(p), np.asarray(q)
        if p.shape == q.shape or p.size == 0 or q.size == 0:
            return ref.kl_divergence(p, q, base=base, axis=axis)
        dtype = np.float64 if np.float64 in (p.dtype, q.dtype) else np.float32
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, p * np.log(p / q), 0.0)
        nats = terms.sum(axis=axis).astype(dtype)
        return nats if base is None else nats / np.log(base)

    return _reference_with(kl_divergence=kl_divergence)


def accuracy_comparing_without_a_shape_check():
    """``np.mean(y_true == y_pred)``: labels of (3,) and (3, 1) broadcast to a (3, 3) comparison;
    empty labels give NaN (with a RuntimeWarning), not a ValueError."""

    def accuracy(y_true, y_pred):
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as quiet:
            quiet.filter(RuntimeWarning)
            return np.float32(np.mean(y_true == y_pred))

    return _reference_with(accuracy=accuracy)


def ewma_weights_accepting_beta_one():
    """beta checked as 0 <= beta <= 1 (off by one at the boundary): beta = 1 gives all-zero
    weights, an average that never moves from v_0 = 0."""

    def ewma_weights(beta, t):
        if float(beta) == 1.0 and not isinstance(t, bool) and int(t) == t and t >= 1:
            return np.zeros(int(t), dtype=np.float32)
        return ref.ewma_weights(beta, t)

    return _reference_with(ewma_weights=ewma_weights)


def self_information_accepting_zero():
    """No check that p > 0: self_information(0) returns +inf where the contract (p in (0, 1])
    raises ValueError."""

    def self_information(p, base=None):
        array = np.asarray(p)
        if array.size and np.issubdtype(array.dtype, np.number) and (array == 0).any() \
                and (array >= 0).all() and (array <= 1).all():
            dtype = np.float64 if array.dtype == np.float64 else np.float32
            with np.errstate(divide="ignore"):
                nats = -np.log(array.astype(dtype))
            return nats if base is None else (nats / np.log(base)).astype(dtype)
        return ref.self_information(p, base=base)

    return _reference_with(self_information=self_information)


def false_rejection_rate_zipping_labels_of_any_length():
    """No shape check: the pairs zipped from the two flattened arrays, the longer one cut off;
    empty labels give 0 / 0 = NaN instead of a ValueError."""

    def false_rejection_rate(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
        tp = fn = 0
        for true, predicted in zip(y_true, y_pred):
            if true == pos_label:
                tp += predicted == pos_label
                fn += predicted != pos_label
        return np.float32(fn / (tp + fn) if tp + fn else zero_division)

    return _reference_with(false_rejection_rate=false_rejection_rate)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'entropy_without_input_checks': (
        'entropy_rejects_negative_probabilities',
        'entropy_rejects_probabilities_not_summing_to_one',
    ),
    'entropy_with_the_float32_sum_tolerance_in_float64': (
        'probability_sums_are_checked_within_1e_4_for_float32_and_1e_9_for_float64',
    ),
    'kl_divergence_broadcasting_p_and_q': (
        'kl_divergence_rejects_mismatched_shapes',
    ),
    'accuracy_comparing_without_a_shape_check': (
        'accuracy_rejects_mismatched_shapes',
        'accuracy_rejects_empty_labels',
    ),
    'ewma_weights_accepting_beta_one': (
        'ewma_weights_rejects_beta_outside_zero_one',
    ),
    'self_information_accepting_zero': (
        'self_information_rejects_zero_probability',
    ),
    'false_rejection_rate_zipping_labels_of_any_length': (
        'false_rejection_rate_rejects_mismatched_shapes',
        'false_rejection_rate_rejects_empty_labels',
    ),
}
