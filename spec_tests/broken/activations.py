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


def log_softmax_as_log_of_softmax():
    """log(softmax(x)): -inf where softmax underflows to 0 (a logit 1e4 below the largest)."""

    def log_softmax(x, axis=-1):
        with np.errstate(divide="ignore"):
            return np.log(ref.softmax(x, axis=axis))

    return _reference_with(log_softmax=log_softmax)


def softmax_jacobian_without_max_subtraction():
    """diag(s) - s s^T with s = exp(x) / sum exp(x): NaN once exp() overflows (or all underflow)."""

    def softmax_jacobian(x, axis=-1):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(x)
            s = e / e.sum(axis=-1, keepdims=True)
            return s[..., :, None] * np.eye(x.shape[-1], dtype=x.dtype) - s[..., :, None] * s[..., None, :]

    return _reference_with(softmax_jacobian=softmax_jacobian)


def leaky_relu_derivative_one_at_zero():
    """1 if x >= 0 else alpha: gradient 1 at x = 0, as jax.nn.leaky_relu's (the contract: alpha)."""

    def leaky_relu_derivative(x, alpha=0.01):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        return np.where(x >= 0, 1.0, alpha).astype(x.dtype)

    return _reference_with(leaky_relu_derivative=leaky_relu_derivative)


def maxout_with_interleaved_groups():
    """Groups taken as every num_units-th entry (reshape to (k, num_units)), not consecutive."""

    def maxout(x, num_units, axis=-1):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        moved = np.moveaxis(x, axis, -1)
        k = moved.shape[-1] // num_units
        grouped = moved.reshape(*moved.shape[:-1], k, num_units).max(axis=-2)
        return np.moveaxis(grouped, -1, axis)

    return _reference_with(maxout=maxout)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'softmax_without_max_subtraction': (
        'softmax_matches_scipy_for_logits_up_to_1e4',
    ),
    'sigmoid_derivative_wrong': (
        'sigmoid_derivative_equals_central_differences_of_scipy_expit',
        'sigmoid_derivative_is_s_times_one_minus_s_at_most_a_quarter_with_max_at_zero',
    ),
    'tanh_as_coth': (
        'tanh_matches_numpy_tanh',
        'tanh_is_in_minus_one_one_and_is_not_coth',
        'tanh_equals_two_sigmoid_of_two_x_minus_one',
    ),
    'log_softmax_as_log_of_softmax': (
        'log_softmax_matches_scipy_for_logits_up_to_1e4',
    ),
    'softmax_jacobian_without_max_subtraction': (
        'softmax_jacobian_matches_central_differences_for_logits_up_to_1e4',
    ),
    'leaky_relu_derivative_one_at_zero': (
        'leaky_relu_derivative_is_one_for_positive_x_else_alpha_with_alpha_at_zero',
    ),
    'maxout_with_interleaved_groups': (
        'maxout_matches_a_float64_loop_over_consecutive_groups',
    ),
}
