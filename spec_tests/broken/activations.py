"""Broken implementations of the activations family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def softmax_without_max_subtraction():
    """exp(x) / sum exp(x): overflows to inf / inf = NaN for logits beyond ~88 (float32)."""

    def softmax(x, axis=-1):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(x)
            return e / e.sum(axis=axis, keepdims=True)

    return _reference_with(softmax=softmax)


def sigmoid_derivative_wrong():
    """s instead of s (1 - s)."""

    def sigmoid_derivative(x):
        return ref.sigmoid(x)

    return _reference_with(sigmoid_derivative=sigmoid_derivative)


def tanh_as_coth():
    """(e^x + e^-x) / (e^x - e^-x), as document 000 writes tanh (erratum 1)."""

    def tanh(x):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        with np.errstate(all="ignore"):
            return 1 / ref.tanh(x)

    return _reference_with(tanh=tanh)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'softmax_without_max_subtraction': (
        'softmax_is_finite_for_large_logits_and_matches_float64_reference',
    ),
    'sigmoid_derivative_wrong': (
        'sigmoid_derivative_equals_gradient_tape',
        'sigmoid_derivative_equals_central_differences',
        'sigmoid_derivative_is_s_times_one_minus_s_at_most_a_quarter_with_max_at_zero',
    ),
    'tanh_as_coth': (
        'tanh_is_in_minus_one_one_and_is_not_coth',
        'tanh_equals_two_sigmoid_of_two_x_minus_one',
    ),
}
