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


def _float(x):
    x = np.asarray(x)
    return x.astype(np.float64 if x.dtype == np.float64 else np.float32)


def sigmoid_as_exp_over_one_plus_exp():
    """exp(x) / (1 + exp(x)): inf / inf = NaN once exp(x) overflows (x > 88.7 in float32)."""

    def sigmoid(x):
        x = _float(x)
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(x)
            return (e / (1 + e)).astype(x.dtype)

    return _reference_with(sigmoid=sigmoid)


def tanh_by_its_definition():
    """(e^x - e^-x) / (e^x + e^-x) as the contract writes it: inf / inf = NaN beyond abs(x) = 89."""

    def tanh(x):
        x = _float(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return ((np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))).astype(x.dtype)

    return _reference_with(tanh=tanh)


def threshold_one_at_zero():
    """1 if x >= 0 else 0 (numpy.heaviside(x, 1)): the contract's threshold is 0 at x = 0."""

    def threshold(x):
        x = _float(x)
        return np.where(x >= 0, 1.0, 0.0).astype(x.dtype)

    return _reference_with(threshold=threshold)


def threshold_derivative_nan_at_zero():
    """'Undefined at 0' taken literally: NaN at x = 0, where the contract returns 0."""

    def threshold_derivative(x):
        x = _float(x)
        return np.where(x == 0, np.nan, 0.0).astype(x.dtype)

    return _reference_with(threshold_derivative=threshold_derivative)


def relu_in_place():
    """x[x < 0] = 0 on the caller's array: the right values, and the input zeroed with them."""

    def relu(x):
        if isinstance(x, np.ndarray) and x.dtype in (np.float32, np.float64):
            x[x < 0] = 0
            return x
        return ref.relu(x)

    return _reference_with(relu=relu)


def relu_derivative_one_at_zero():
    """1 if x >= 0 else 0: gradient 1 at the kink, where the contract (and tf.nn.relu) give 0."""

    def relu_derivative(x):
        x = _float(x)
        return np.where(x >= 0, 1.0, 0.0).astype(x.dtype)

    return _reference_with(relu_derivative=relu_derivative)


def leaky_relu_ignoring_alpha():
    """The slope 0.01 hard-coded: leaky_relu(x, alpha=0.2) is leaky_relu(x)."""

    def leaky_relu(x, alpha=0.01):
        return ref.leaky_relu(x)

    return _reference_with(leaky_relu=leaky_relu)


def linear_in_float32():
    """np.asarray(x, np.float32): float64 input comes back rounded to float32 digits."""

    def linear(x):
        x = np.asarray(x)
        if x.size == 0:
            return ref.linear(x)
        return x.astype(np.float32).astype(x.dtype if x.dtype == np.float64 else np.float32)

    return _reference_with(linear=linear)


def linear_derivative_as_a_scalar():
    """d/dx x = 1 returned as the number 1.0, not one per element of x."""

    def linear_derivative(x):
        x = _float(x)
        if x.size == 0:
            return ref.linear_derivative(x)
        return x.dtype.type(1.0)

    return _reference_with(linear_derivative=linear_derivative)


def tanh_derivative_of_the_input_as_the_output():
    """1 - x^2: the derivative written in terms of the activation a = tanh(x), fed x."""

    def tanh_derivative(x):
        x = _float(x)
        return (1 - x * x).astype(x.dtype)

    return _reference_with(tanh_derivative=tanh_derivative)


def central_difference_forward():
    """(f(x + eps e_i) - f(x)) / eps: a forward difference, off by eps f''/2."""

    def central_difference(f, x, eps=1e-6):
        x = np.asarray(x, dtype=np.float64)
        if x.size == 0 or not eps > 0:
            return ref.central_difference(f, x, eps=eps)
        gradient = np.zeros_like(x)
        at_x = float(np.asarray(f(x)))
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = eps
            gradient[index] = (float(np.asarray(f(x + step))) - at_x) / eps
        return gradient

    return _reference_with(central_difference=central_difference)


def central_difference_in_the_input_dtype():
    """The steps taken in x's dtype: a float32 x + 1e-6 rounds back to x beyond abs(x) = 8."""

    def central_difference(f, x, eps=1e-6):
        x = np.asarray(x)
        if x.size == 0 or not eps > 0 or x.dtype != np.float32:
            return ref.central_difference(f, x, eps=eps)
        gradient = np.zeros(x.shape, dtype=np.float64)
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = eps
            up, down = x + step, x - step  # float32
            gradient[index] = (float(np.asarray(f(up))) - float(np.asarray(f(down)))) / (2 * eps)
        return gradient

    return _reference_with(central_difference=central_difference)


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
    'sigmoid_as_exp_over_one_plus_exp': (
        'sigmoid_matches_scipy_special_expit',
    ),
    'tanh_by_its_definition': (
        'tanh_matches_numpy_tanh',
    ),
    'threshold_one_at_zero': (
        'threshold_matches_numpy_heaviside_with_zero_at_zero',
    ),
    'threshold_derivative_nan_at_zero': (
        'threshold_derivative_is_zero_everywhere_with_zero_at_zero',
    ),
    'relu_in_place': (
        'relu_matches_numpy_maximum',
    ),
    'relu_derivative_one_at_zero': (
        'relu_derivative_is_one_for_positive_x_else_zero_with_zero_at_zero',
    ),
    'leaky_relu_ignoring_alpha': (
        'leaky_relu_matches_a_float64_loop',
    ),
    'linear_in_float32': (
        'linear_is_the_identity',
    ),
    'linear_derivative_as_a_scalar': (
        'linear_derivative_equals_central_differences',
    ),
    'tanh_derivative_of_the_input_as_the_output': (
        'tanh_derivative_equals_central_differences_of_numpy_tanh',
    ),
    'central_difference_forward': (
        'central_difference_matches_the_analytic_gradient',
    ),
    'central_difference_in_the_input_dtype': (
        'central_difference_matches_the_analytic_gradient',
    ),
}
