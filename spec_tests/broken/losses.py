"""Broken implementations of the losses family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def _float(x):
    x = np.asarray(x)
    return x.astype(np.float64 if x.dtype == np.float64 else np.float32)


def binary_cross_entropy_clipped_to_finite():
    """p clipped to [1e-7, 1 - 1e-7] (Keras' epsilon): never infinite when certain and wrong."""

    def binary_cross_entropy(y_true, p):
        p = _float(p)
        return ref.binary_cross_entropy(y_true, np.clip(p, 1e-7, 1 - 1e-7).astype(p.dtype))

    return _reference_with(binary_cross_entropy=binary_cross_entropy)


def binary_cross_entropy_log_clamped_at_minus_100():
    """ln p and ln(1 - p) clamped at -100, as torch.nn.functional.binary_cross_entropy: 100
    where +inf (p = 0) or 708 (p = 2.2e-308) is due."""

    def binary_cross_entropy(y_true, p):
        y, p = _float(y_true), _float(p)
        with np.errstate(divide="ignore"):
            log_p, log_q = np.log(p), np.log1p(-p)
        return -(y * np.maximum(log_p, -100) + (1 - y) * np.maximum(log_q, -100))

    return _reference_with(binary_cross_entropy=binary_cross_entropy)


def categorical_cross_entropy_clipped_to_finite():
    """q clipped to [1e-7, 1] before the log (Keras' epsilon): a class given probability 0
    costs 16.1 instead of +inf."""

    def categorical_cross_entropy(y_true, q, axis=-1):
        y, q = _float(y_true), _float(q)
        return -(y * np.log(np.clip(q, 1e-7, 1.0))).sum(axis=axis)

    return _reference_with(categorical_cross_entropy=categorical_cross_entropy)


def binary_cross_entropy_with_logits_through_sigmoid():
    """BCE of sigmoid(z) in the input's precision: sigmoid(1e4) rounds to 1, ln(1 - 1) = -inf."""

    def binary_cross_entropy_with_logits(y_true, logits):
        y, z = _float(y_true), _float(logits)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            p = (1 / (1 + np.exp(-z))).astype(z.dtype)
            return -(y * np.log(p) + (1 - y) * np.log(1 - p))

    return _reference_with(binary_cross_entropy_with_logits=binary_cross_entropy_with_logits)


def softmax_cross_entropy_with_logits_without_max_subtraction():
    """log(exp(z) / sum exp(z)): exp(1e4) overflows, inf / inf is NaN."""

    def softmax_cross_entropy_with_logits(y_true, logits, axis=-1):
        y, z = _float(y_true), _float(logits)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            e = np.exp(z)
            return -(y * np.log(e / e.sum(axis=axis, keepdims=True))).sum(axis=axis)

    return _reference_with(softmax_cross_entropy_with_logits=softmax_cross_entropy_with_logits)


def hinge_loss_without_the_floor_at_zero():
    """1 - y f without max(0, .): a confident right answer earns a negative loss."""

    def hinge_loss(y_true, score):
        y, f = _float(y_true), _float(score)
        return (1 - y * f).astype(y.dtype)

    return _reference_with(hinge_loss=hinge_loss)


def mean_absolute_error_squared():
    """MAE that squares the residuals: an L2 loss under an L1 name."""

    def mean_absolute_error(y_true, y_pred, axis=-1):
        return ref.mean_squared_error(y_true, y_pred, axis=axis)

    return _reference_with(mean_absolute_error=mean_absolute_error)


def squared_error_halved():
    """(y - yhat)^2 / 2, the half-squared error of many derivations, under the contract's name."""

    def squared_error(y_true, y_pred):
        squared = ref.squared_error(y_true, y_pred)
        return (squared / 2).astype(squared.dtype)

    return _reference_with(squared_error=squared_error)


def absolute_error_signed():
    """y_pred - y_true without the abs(): the residual, negative where the model undershoots."""

    def absolute_error(y_true, y_pred):
        y, y_hat = ref._pair(y_true, y_pred)
        return y_hat - y

    return _reference_with(absolute_error=absolute_error)


def exponential_loss_without_the_minus():
    """exp(y f): a confident right answer costs the most."""

    def exponential_loss(y_true, score):
        y, f = ref._pair(y_true, score, "score")
        ref._check_in_set(y, "y_true", (-1, 1))
        with np.errstate(over="ignore"):
            return np.exp(y * f)

    return _reference_with(exponential_loss=exponential_loss)


def l2_loss_as_a_mean():
    """mean x^2 / 2: averaged over the elements where tf.nn.l2_loss sums them."""

    def l2_loss(x):
        x = ref._floats(x, "x")
        return (x * x).mean() / 2

    return _reference_with(l2_loss=l2_loss)


def l2_loss_over_the_last_axis():
    """sum x^2 / 2 over axis -1 only: one value per row of a matrix, not one number."""

    def l2_loss(x):
        x = ref._floats(x, "x")
        return (x * x).sum(axis=-1) / 2

    return _reference_with(l2_loss=l2_loss)


def zero_one_loss_averaged():
    """mean(y != yhat), scikit-learn's default normalize=True: one number, not one per element."""

    def zero_one_loss(y_true, y_pred):
        y, y_hat = ref._pair(y_true, y_pred)
        return np.mean(y != y_hat).astype(y.dtype)

    return _reference_with(zero_one_loss=zero_one_loss)


def mean_squared_error_ignoring_axis():
    """Always averaged over the last axis, whatever ``axis`` says."""

    def mean_squared_error(y_true, y_pred, axis=-1):
        y, y_hat = ref._pair(y_true, y_pred)
        ref._check_axis(y, axis, "y_true")
        return ((y - y_hat) ** 2).mean(axis=-1)

    return _reference_with(mean_squared_error=mean_squared_error)


def mean_absolute_error_summed():
    """sum abs(y - yhat) over the axis: the total, not the mean, of the absolute errors."""

    def mean_absolute_error(y_true, y_pred, axis=-1):
        y, y_hat = ref._pair(y_true, y_pred)
        ref._check_axis(y, axis, "y_true")
        return np.abs(y - y_hat).sum(axis=axis)

    return _reference_with(mean_absolute_error=mean_absolute_error)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    "binary_cross_entropy_clipped_to_finite": (
        "binary_cross_entropy_cost_table_zero_when_right_and_certain_infinite_when_certain_and_wrong",
        "binary_cross_entropy_of_hard_labels_is_minus_scipy_bernoulli_logpmf",
    ),
    "binary_cross_entropy_log_clamped_at_minus_100": (
        "binary_cross_entropy_cost_table_zero_when_right_and_certain_infinite_when_certain_and_wrong",
        "binary_cross_entropy_of_hard_labels_is_minus_scipy_bernoulli_logpmf",
    ),
    "categorical_cross_entropy_clipped_to_finite": (
        "categorical_cross_entropy_is_infinite_when_certain_and_wrong",
    ),
    "binary_cross_entropy_with_logits_through_sigmoid": (
        "binary_cross_entropy_with_logits_is_finite_and_exact_at_logits_of_1e4",
        "binary_cross_entropy_with_logits_matches_scipy_log_expit",
    ),
    "softmax_cross_entropy_with_logits_without_max_subtraction": (
        "softmax_cross_entropy_with_logits_is_finite_and_exact_at_logits_of_1e4",
        "softmax_cross_entropy_with_logits_matches_scipy_log_softmax",
    ),
    "hinge_loss_without_the_floor_at_zero": (
        "hinge_loss_matches_sklearn_hinge_loss_per_element",
        "hinge_loss_is_zero_exactly_when_the_margin_is_at_least_one",
    ),
    "mean_absolute_error_squared": (
        "mean_absolute_error_matches_sklearn_mean_absolute_error",
        "l1_is_less_sensitive_to_one_outlier_than_l2",
    ),
    "squared_error_halved": (
        "squared_error_matches_sklearn_mean_squared_error_per_element",
    ),
    "absolute_error_signed": (
        "absolute_error_matches_sklearn_mean_absolute_error_per_element",
    ),
    "exponential_loss_without_the_minus": (
        "exponential_loss_matches_a_float64_loop_of_exp_minus_the_margin",
        "exponential_loss_bounds_the_zero_one_loss_from_above",
    ),
    "l2_loss_as_a_mean": (
        "l2_loss_is_half_the_sum_of_squares_as_tf_nn_l2_loss",
        "l2_loss_matches_a_float64_loop",
    ),
    "l2_loss_over_the_last_axis": (
        "l2_loss_is_half_the_sum_of_squares_as_tf_nn_l2_loss",
        "l2_loss_matches_a_float64_loop",
    ),
    "zero_one_loss_averaged": (
        "zero_one_loss_matches_sklearn_zero_one_loss_per_element",
    ),
    "mean_squared_error_ignoring_axis": (
        "mean_squared_error_reduces_the_axis_it_is_given",
    ),
    "mean_absolute_error_summed": (
        "mean_absolute_error_matches_sklearn_mean_absolute_error",
        "mean_absolute_error_reduces_the_axis_it_is_given",
    ),
}
