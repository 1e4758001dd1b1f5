"""A deliberately naive NumPy implementation of every function of docs/contract.md.

This module is an oracle, not a library: each function is the formula of the contract written
out as plainly as NumPy allows (loops where a loop reads better), with the same names,
signatures and ``ValueError`` rules as ``tfref.ops``. The spec suite runs against it
(``pytest spec_tests --impl spec_tests.reference_numpy``) and the meta-tests check that it passes
every property, so a property that rejects it is a wrong property.

Dtypes: float64 in gives float64 out; anything else (float32, integers, booleans, and Python
numbers and lists, which NumPy would read as float64) gives float32, as in TensorFlow.
Functions of several arrays compute in float64 when any of them is float64.
Deviations from plain formulas, each for numerical stability only: sigmoid and tanh are written
with exp(-abs(x)) (and expm1) so that they never overflow; softmax subtracts the maximum.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

__all__ = [
    # activations
    "threshold", "threshold_derivative", "sigmoid", "sigmoid_derivative", "tanh",
    "tanh_derivative", "linear", "linear_derivative", "relu", "relu_derivative", "leaky_relu",
    "leaky_relu_derivative", "maxout", "softmax", "log_softmax", "softmax_jacobian",
    # information theory
    "self_information", "entropy", "joint_entropy", "cross_entropy", "kl_divergence",
    # distributions
    "bernoulli_pmf", "bernoulli_log_likelihood", "binomial_pmf", "multinomial_pmf", "beta_pdf",
    "beta_bernoulli_posterior",
    # losses
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "squared_error",
    "mean_squared_error", "absolute_error", "mean_absolute_error", "exponential_loss",
    "hinge_loss", "zero_one_loss", "categorical_cross_entropy",
    "softmax_cross_entropy_with_logits", "l2_loss",
    # averages
    "ewma", "ewma_weights",
    # metrics
    "confusion_matrix", "accuracy", "error_rate", "recall", "precision", "false_positive_rate",
    "false_rejection_rate",
    # calculus
    "central_difference",
    # updates
    "sgd_update", "momentum_update", "rmsprop_update", "adam_update", "newton_step",
    "exponential_decay", "inverse_time_decay",
    # dropout
    "inverted_dropout",
    # preprocessing
    "standardize", "mean_impute", "one_hot",
]

# How far a probability vector's sum may stray from 1 (docs/contract.md).
PROBABILITY_SUM_ATOL = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-9}


# --------------------------------------------------------------------------------------------
# Input checks: each raises ValueError naming the argument and the rule it broke.
# --------------------------------------------------------------------------------------------

def _numbers(x, name: str) -> np.ndarray:
    """``x`` as a NumPy array of numbers; ValueError if it is empty or not numeric."""
    try:
        array = np.asarray(x)
    except Exception as error:  # ragged nested lists and the like
        raise ValueError(f"{name} must be an array of numbers; got {type(x).__name__}: {error}") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{name} must be an array of numbers; got dtype {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); pass at least one value")
    return array


def _float_dtype(*inputs) -> np.dtype:
    """float64 if any input is typed float64 (a NumPy array or scalar, a tensor), else float32.

    Python numbers and lists carry no dtype: float32 by default, as TensorFlow reads them (NumPy
    would read them as float64).
    """
    if any(hasattr(x, "dtype") and np.asarray(x).dtype == np.float64 for x in inputs):
        return np.dtype(np.float64)
    return np.dtype(np.float32)


def _floats(x, name: str) -> np.ndarray:
    return _numbers(x, name).astype(_float_dtype(x))


def _common_floats(**named) -> list[np.ndarray]:
    """Several inputs converted to one float dtype (float64 if any of them is float64)."""
    arrays = [_numbers(x, name) for name, x in named.items()]
    dtype = _float_dtype(*named.values())
    return [a.astype(dtype) for a in arrays]


def _check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape; got {a.shape} and {b.shape}")


def _check_axis(x: np.ndarray, axis: int, name: str) -> int:
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis={axis} is out of range for {name} of rank {x.ndim}")
    return axis % x.ndim


def _check_probabilities(p: np.ndarray, name: str, axis: int | None) -> None:
    """Entries in [0, 1]; and, unless ``axis`` is None, summing to 1 along ``axis``."""
    if np.isnan(p).any():
        raise ValueError(f"{name} contains NaN; a probability must be a number in [0, 1]")
    if (p < 0).any():
        raise ValueError(f"{name} has a negative entry ({p.min():.3g}); probabilities must be >= 0")
    if (p > 1).any():
        raise ValueError(f"{name} has an entry above 1 ({p.max():.6g}); probabilities must be <= 1")
    if axis is not None:
        sums = p.astype(np.float64).sum(axis=axis)
        atol = PROBABILITY_SUM_ATOL[p.dtype]
        worst = float(np.max(np.abs(sums - 1.0)))
        if worst > atol:
            raise ValueError(f"{name} must sum to 1 along axis {axis} (within {atol:g} for "
                             f"{p.dtype.name}); a sum is off by {worst:.3g}")


def _check_probability_table(p: np.ndarray, name: str) -> None:
    """A joint probability table: entries in [0, 1] summing to 1 over all axes."""
    _check_probabilities(p, name, axis=None)
    atol = PROBABILITY_SUM_ATOL[p.dtype]
    off = abs(float(p.astype(np.float64).sum()) - 1.0)
    if off > atol:
        raise ValueError(f"{name} must sum to 1 over all its entries (within {atol:g} for "
                         f"{p.dtype.name}); its sum is off by {off:.3g}")


def _check_in_set(x: np.ndarray, name: str, allowed: tuple) -> None:
    if not np.isin(x, allowed).all():
        bad = x[~np.isin(x, allowed)].flat[0]
        raise ValueError(f"{name} must hold only values in {set(allowed)}; got {bad}")


def _labels(y, name: str, num_classes: int | None = None) -> np.ndarray:
    """Integer class labels 0..num_classes-1; floats must hold whole numbers."""
    array = _numbers(y, name)
    if array.dtype == bool:
        raise ValueError(f"{name} must hold integer class labels; got booleans")
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise ValueError(f"{name} must hold integer class labels 0..k-1; got non-integer values")
    labels = array.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"{name} has a negative label ({labels.min()}); labels run 0..k-1")
    if num_classes is not None and labels.max() >= num_classes:
        raise ValueError(f"{name} has label {labels.max()}, out of range for "
                         f"num_classes={num_classes}; labels must be in 0..{num_classes - 1}")
    return labels


def _beta_in_unit_interval(beta) -> float:
    beta = float(beta)
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta must be in [0, 1); got {beta}")
    return beta


def _in_base(nats: np.ndarray, base) -> np.ndarray:
    if base is None:
        return nats
    base = float(base)
    if not base > 0 or base == 1:
        raise ValueError(f"base must be a positive number other than 1 (or None for ln); got {base}")
    return (nats / np.log(base)).astype(nats.dtype)


def _x_log_y(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x * ln(y) with the convention 0 * ln(anything) = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(y)).astype(x.dtype)


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------

def threshold(x):
    x = _floats(x, "x")
    return np.where(x > 0, 1.0, 0.0).astype(x.dtype)


def threshold_derivative(x):
    x = _floats(x, "x")
    return np.zeros_like(x)


def sigmoid(x):
    x = _floats(x, "x")
    z = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(x.dtype)


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    """(e^x - e^-x) / (e^x + e^-x), written as sign(x) (1 - e^-2|x|) / (1 + e^-2|x|)."""
    x = _floats(x, "x")
    m = np.expm1(-2.0 * np.abs(x))  # e^-2|x| - 1, exact for small |x|
    return (np.sign(x) * -m / (2.0 + m)).astype(x.dtype)


def tanh_derivative(x):
    t = tanh(x)
    return 1.0 - t * t


def linear(x):
    return _floats(x, "x").copy()


def linear_derivative(x):
    return np.ones_like(_floats(x, "x"))


def relu(x):
    x = _floats(x, "x")
    return np.where(x > 0, x, 0.0).astype(x.dtype)


def relu_derivative(x):
    x = _floats(x, "x")
    return np.where(x > 0, 1.0, 0.0).astype(x.dtype)


def leaky_relu(x, alpha=0.01):
    x = _floats(x, "x")
    return np.where(x > 0, x, x.dtype.type(alpha) * x).astype(x.dtype)


def leaky_relu_derivative(x, alpha=0.01):
    x = _floats(x, "x")
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


def maxout(x, num_units, axis=-1):
    x = _floats(x, "x")
    axis = _check_axis(x, axis, "x")
    n = x.shape[axis]
    if int(num_units) != num_units or num_units < 1 or n % num_units:
        raise ValueError(f"num_units={num_units} must be a positive divisor of the size {n} of "
                         f"axis {axis} of x")
    num_units = int(num_units)
    k = n // num_units
    moved = np.moveaxis(x, axis, -1)  # (..., n)
    groups = [moved[..., g * k:(g + 1) * k].max(axis=-1) for g in range(num_units)]
    return np.moveaxis(np.stack(groups, axis=-1), -1, axis)  # num_units where axis was


def softmax(x, axis=-1):
    x = _floats(x, "x")
    _check_axis(x, axis, "x")
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    x = _floats(x, "x")
    _check_axis(x, axis, "x")
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_jacobian(x, axis=-1):
    """J[..., i, j] = d s_i / d x_j = s_i (delta_ij - s_j); shape (..., n, n)."""
    x = _floats(x, "x")
    axis = _check_axis(x, axis, "x")
    s = softmax(np.moveaxis(x, axis, -1))  # (..., n)
    n = s.shape[-1]
    jacobian = np.zeros((*s.shape, n), dtype=x.dtype)
    for i in range(n):
        for j in range(n):
            delta = 1.0 if i == j else 0.0
            jacobian[..., i, j] = s[..., i] * (delta - s[..., j])
    return jacobian


# --------------------------------------------------------------------------------------------
# Information theory
# --------------------------------------------------------------------------------------------

def self_information(p, base=None):
    p = _floats(p, "p")
    _check_probabilities(p, "p", axis=None)
    if (p == 0).any():
        raise ValueError("p has an entry equal to 0; self-information needs p in (0, 1]")
    return _in_base(-np.log(p), base)


def entropy(p, base=None, axis=-1):
    p = _floats(p, "p")
    _check_axis(p, axis, "p")
    _check_probabilities(p, "p", axis)
    return _in_base(-_x_log_y(p, p).sum(axis=axis), base)


def joint_entropy(p_xy, base=None):
    p_xy = _floats(p_xy, "p_xy")
    _check_probability_table(p_xy, "p_xy")
    return _in_base(-_x_log_y(p_xy, p_xy).sum(), base)


def _probability_pair(p, q, axis):
    p, q = _common_floats(p=p, q=q)
    _check_same_shape(p, q, "p", "q")
    _check_axis(p, axis, "p")
    _check_probabilities(p, "p", axis)
    _check_probabilities(q, "q", axis)
    return p, q


def cross_entropy(p, q, base=None, axis=-1):
    p, q = _probability_pair(p, q, axis)
    return _in_base(-_x_log_y(p, q).sum(axis=axis), base)


def kl_divergence(p, q, base=None, axis=-1):
    p, q = _probability_pair(p, q, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / q), 0.0).astype(p.dtype)
    return _in_base(terms.sum(axis=axis), base)


# --------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------

def _binary_observations(x, name: str) -> np.ndarray:
    x = _numbers(x, name)
    _check_in_set(x, name, (0, 1))
    return x


def bernoulli_pmf(x, p):
    x = _binary_observations(x, "x")
    p = _floats(p, "p")
    _check_probabilities(p, "p", axis=None)
    x = x.astype(p.dtype)
    return (p ** x * (1 - p) ** (1 - x)).astype(p.dtype)  # 0 ** 0 = 1


def bernoulli_log_likelihood(x, p):
    x = _binary_observations(x, "x")
    p = _floats(p, "p")
    _check_probabilities(p, "p", axis=None)
    x = x.astype(p.dtype)
    return (_x_log_y(x, p) + _x_log_y(1 - x, 1 - p)).sum()


def _whole_numbers(x, name: str) -> np.ndarray:
    x = _numbers(x, name)
    if not np.all(x == np.round(x)) or (x < 0).any():
        raise ValueError(f"{name} must hold non-negative whole numbers; got {x}")
    return x.astype(np.int64)


def binomial_pmf(k, n, p):
    k = _whole_numbers(k, "k")
    n = _whole_numbers(n, "n")
    p = _floats(p, "p")
    _check_probabilities(p, "p", axis=None)
    k, n = np.broadcast_arrays(k, n)
    choose = np.zeros(k.shape)
    for index in np.ndindex(k.shape):
        if k[index] <= n[index]:
            choose[index] = math.comb(int(n[index]), int(k[index]))
    return (choose * p.astype(np.float64) ** k * (1 - p.astype(np.float64)) ** (n - k)).astype(p.dtype)


def multinomial_pmf(counts, p):
    counts = _whole_numbers(counts, "counts")
    p = _floats(p, "p")
    _check_probabilities(p, "p", axis=-1)
    if counts.shape[-1] != p.shape[-1]:
        raise ValueError(f"counts and p must have the same last axis (one count per outcome); got "
                         f"shapes {counts.shape} and {p.shape}")
    n = counts.sum(axis=-1)
    log_coefficient = gammaln(n + 1) - gammaln(counts + 1).sum(axis=-1)  # ln(n! / prod counts_i!)
    log_powers = _x_log_y(counts.astype(np.float64), p.astype(np.float64)).sum(axis=-1)
    return np.exp(log_coefficient + log_powers).astype(p.dtype)


def beta_pdf(theta, a, b):
    theta = _floats(theta, "theta")
    a = _numbers(a, "a").astype(np.float64)
    b = _numbers(b, "b").astype(np.float64)
    _check_probabilities(theta, "theta", axis=None)
    if (a <= 0).any() or (b <= 0).any():
        raise ValueError(f"a and b must be > 0; got a={a}, b={b}")
    log_beta = gammaln(a) + gammaln(b) - gammaln(a + b)  # ln B(a, b)
    t = theta.astype(np.float64)
    with np.errstate(divide="ignore"):
        log_pdf = _x_log_y(a - 1.0, t) + _x_log_y(b - 1.0, 1.0 - t) - log_beta
    return np.exp(log_pdf).astype(theta.dtype)


def beta_bernoulli_posterior(a, b, x):
    a, b = _common_floats(a=a, b=b)
    if (a <= 0).any() or (b <= 0).any():
        raise ValueError(f"a and b must be > 0; got a={a}, b={b}")
    x = _binary_observations(x, "x")
    successes = x.astype(a.dtype).sum()
    return a + successes, b + (x.size - successes)


# --------------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------------

def binary_cross_entropy(y_true, p):
    y, p = _common_floats(y_true=y_true, p=p)
    _check_same_shape(y, p, "y_true", "p")
    _check_probabilities(y, "y_true", axis=None)
    _check_probabilities(p, "p", axis=None)
    return -(_x_log_y(y, p) + _x_log_y(1 - y, 1 - p))


def binary_cross_entropy_with_logits(y_true, logits):
    y, z = _common_floats(y_true=y_true, logits=logits)
    _check_same_shape(y, z, "y_true", "logits")
    _check_probabilities(y, "y_true", axis=None)
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def _pair(y_true, y_pred, name: str = "y_pred"):
    y, y_hat = _common_floats(y_true=y_true, **{name: y_pred})
    _check_same_shape(y, y_hat, "y_true", name)
    return y, y_hat


def squared_error(y_true, y_pred):
    y, y_hat = _pair(y_true, y_pred)
    return (y - y_hat) ** 2


def mean_squared_error(y_true, y_pred, axis=-1):
    y, y_hat = _pair(y_true, y_pred)
    _check_axis(y, axis, "y_true")
    return ((y - y_hat) ** 2).mean(axis=axis)


def absolute_error(y_true, y_pred):
    y, y_hat = _pair(y_true, y_pred)
    return np.abs(y - y_hat)


def mean_absolute_error(y_true, y_pred, axis=-1):
    y, y_hat = _pair(y_true, y_pred)
    _check_axis(y, axis, "y_true")
    return np.abs(y - y_hat).mean(axis=axis)


def exponential_loss(y_true, score):
    y, f = _pair(y_true, score, "score")
    _check_in_set(y, "y_true", (-1, 1))
    with np.errstate(over="ignore"):
        return np.exp(-y * f)


def hinge_loss(y_true, score):
    y, f = _pair(y_true, score, "score")
    _check_in_set(y, "y_true", (-1, 1))
    return np.maximum(0.0, 1.0 - y * f).astype(y.dtype)


def zero_one_loss(y_true, y_pred):
    y, y_hat = _pair(y_true, y_pred)
    return np.where(y != y_hat, 1.0, 0.0).astype(y.dtype)


def categorical_cross_entropy(y_true, q, axis=-1):
    y, q = _common_floats(y_true=y_true, q=q)
    _check_same_shape(y, q, "y_true", "q")
    _check_axis(y, axis, "y_true")
    _check_probabilities(y, "y_true", axis)
    _check_probabilities(q, "q", axis)
    return -_x_log_y(y, q).sum(axis=axis)


def softmax_cross_entropy_with_logits(y_true, logits, axis=-1):
    y, z = _common_floats(y_true=y_true, logits=logits)
    _check_same_shape(y, z, "y_true", "logits")
    _check_axis(y, axis, "y_true")
    _check_probabilities(y, "y_true", axis)
    return -(y * log_softmax(z, axis=axis)).sum(axis=axis)


def l2_loss(x):
    x = _floats(x, "x")
    return (x * x).sum() / 2


# --------------------------------------------------------------------------------------------
# Averages
# --------------------------------------------------------------------------------------------

def ewma(x, beta, bias_correction=False):
    """v_0 = 0; v_t = beta v_{t-1} + (1 - beta) theta_t along axis 0; optionally / (1 - beta^t)."""
    x = _floats(x, "x")
    beta = _beta_in_unit_interval(beta)
    beta_ = x.dtype.type(beta)
    v = np.zeros(x.shape[1:], dtype=x.dtype)
    out = np.empty_like(x)
    for t in range(x.shape[0]):
        v = beta_ * v + (1 - beta_) * x[t]
        out[t] = v / (1 - beta_ ** (t + 1)) if bias_correction else v
    return out


def ewma_weights(beta, t):
    """The weight (1 - beta) beta^(t - i) of theta_i in v_t, i = 1..t."""
    beta = _beta_in_unit_interval(beta)
    if isinstance(t, bool) or int(t) != t or t < 1:
        raise ValueError(f"t must be a positive whole number of steps; got {t}")
    t = int(t)
    return np.array([(1 - beta) * beta ** (t - i) for i in range(1, t + 1)], dtype=np.float32)


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------

def confusion_matrix(y_true, y_pred, num_classes=None):
    if num_classes is not None and (int(num_classes) != num_classes or num_classes < 1):
        raise ValueError(f"num_classes must be a positive whole number; got {num_classes}")
    y_true = _labels(y_true, "y_true", num_classes)
    y_pred = _labels(y_pred, "y_pred", num_classes)
    _check_same_shape(y_true, y_pred, "y_true", "y_pred")
    k = int(num_classes) if num_classes is not None else int(max(y_true.max(), y_pred.max())) + 1
    counts = np.zeros((k, k), dtype=np.int64)
    for true, predicted in zip(y_true.ravel(), y_pred.ravel()):
        counts[true, predicted] += 1  # row = true label, column = predicted
    return counts


def accuracy(y_true, y_pred):
    dtype = _float_dtype(y_true, y_pred)
    y_true = _numbers(y_true, "y_true")
    y_pred = _numbers(y_pred, "y_pred")
    _check_same_shape(y_true, y_pred, "y_true", "y_pred")
    return np.mean(y_true == y_pred).astype(dtype)


def error_rate(y_true, y_pred):
    dtype = _float_dtype(y_true, y_pred)
    y_true = _numbers(y_true, "y_true")
    y_pred = _numbers(y_pred, "y_pred")
    _check_same_shape(y_true, y_pred, "y_true", "y_pred")
    return np.mean(y_true != y_pred).astype(dtype)


def _one_vs_rest_counts(y_true, y_pred, pos_label):
    """TP, FP, FN, TN with class pos_label positive and every other class negative."""
    if isinstance(pos_label, bool) or not isinstance(pos_label, int | float | np.integer) \
            or int(pos_label) != pos_label or pos_label < 0:
        raise ValueError(f"pos_label must be a whole number >= 0; got {pos_label!r}")
    y_true = _labels(y_true, "y_true")
    y_pred = _labels(y_pred, "y_pred")
    _check_same_shape(y_true, y_pred, "y_true", "y_pred")
    tp = fp = fn = tn = 0
    for true, predicted in zip(y_true.ravel(), y_pred.ravel()):
        if true == pos_label and predicted == pos_label:
            tp += 1
        elif predicted == pos_label:
            fp += 1
        elif true == pos_label:
            fn += 1
        else:
            tn += 1
    return tp, fp, fn, tn


def _ratio(numerator, denominator, zero_division):
    return np.float32(numerator / denominator if denominator else zero_division)


def recall(y_true, y_pred, pos_label=1, zero_division=float("nan")):
    tp, _, fn, _ = _one_vs_rest_counts(y_true, y_pred, pos_label)
    return _ratio(tp, tp + fn, zero_division)


def precision(y_true, y_pred, pos_label=1, zero_division=float("nan")):
    tp, fp, _, _ = _one_vs_rest_counts(y_true, y_pred, pos_label)
    return _ratio(tp, tp + fp, zero_division)


def false_positive_rate(y_true, y_pred, pos_label=1, zero_division=float("nan")):
    _, fp, _, tn = _one_vs_rest_counts(y_true, y_pred, pos_label)
    return _ratio(fp, fp + tn, zero_division)


def false_rejection_rate(y_true, y_pred, pos_label=1, zero_division=float("nan")):
    tp, _, fn, _ = _one_vs_rest_counts(y_true, y_pred, pos_label)
    return _ratio(fn, tp + fn, zero_division)


# --------------------------------------------------------------------------------------------
# Calculus
# --------------------------------------------------------------------------------------------

def central_difference(f, x, eps=1e-6):
    """Gradient of scalar f at x: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), in float64."""
    x = _numbers(x, "x").astype(np.float64)
    if not eps > 0:
        raise ValueError(f"eps must be > 0; got {eps}")
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        gradient[index] = (float(np.asarray(f(x + step))) - float(np.asarray(f(x - step)))) / (2 * eps)
    return gradient


# --------------------------------------------------------------------------------------------
# Updates (the rules of keras.optimizers, textbook order of operations)
# --------------------------------------------------------------------------------------------

def _hyperparameter(value, name: str) -> float:
    array = np.asarray(value)
    if array.shape != () or array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be a single number; got {value!r}")
    return float(array)


def _positive_number(value, name: str) -> float:
    value = _hyperparameter(value, name)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value}")
    return value


def _decay_in_unit_interval(value, name: str) -> float:
    value = _hyperparameter(value, name)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1); got {value}")
    return value


def _update_arrays(param, grad, **states):
    arrays = _common_floats(param=param, grad=grad, **states)
    for array, name in zip(arrays[1:], ["grad", *states]):
        _check_same_shape(arrays[0], array, "param", name)
    return arrays


def sgd_update(param, grad, lr):
    """theta - lr g."""
    param, grad = _update_arrays(param, grad)
    lr = _positive_number(lr, "lr")
    return (param - lr * grad).astype(param.dtype)


def momentum_update(param, grad, velocity, lr, momentum=0.9):
    """velocity = momentum velocity - lr g; theta + velocity (keras SGD with momentum)."""
    param, grad, velocity = _update_arrays(param, grad, velocity=velocity)
    lr = _positive_number(lr, "lr")
    momentum = _decay_in_unit_interval(momentum, "momentum")
    velocity = (momentum * velocity - lr * grad).astype(param.dtype)
    return (param + velocity).astype(param.dtype), velocity


def rmsprop_update(param, grad, mean_square, lr, rho=0.9, epsilon=1e-7):
    """S = rho S + (1 - rho) g^2; theta - lr g / sqrt(S + epsilon) (epsilon inside, as keras)."""
    param, grad, mean_square = _update_arrays(param, grad, mean_square=mean_square)
    lr = _positive_number(lr, "lr")
    rho = _decay_in_unit_interval(rho, "rho")
    epsilon = _positive_number(epsilon, "epsilon")
    mean_square = (rho * mean_square + (1 - rho) * grad ** 2).astype(param.dtype)
    return (param - lr * grad / np.sqrt(mean_square + epsilon)).astype(param.dtype), mean_square


def adam_update(param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam with bias correction; epsilon added to sqrt(v) before correction (as keras):
    theta - lr m_hat / (sqrt(v_hat) + epsilon / sqrt(1 - beta_2^t))."""
    param, grad, m, v = _update_arrays(param, grad, m=m, v=v)
    if isinstance(t, bool) or int(t) != t:
        raise ValueError(f"t must be the whole number of the step, counted from 1; got {t!r}")
    if t < 1:
        raise ValueError(f"t must be >= 1 (the first update is step t = 1); got {t}")
    lr = _positive_number(lr, "lr")
    beta_1 = _decay_in_unit_interval(beta_1, "beta_1")
    beta_2 = _decay_in_unit_interval(beta_2, "beta_2")
    epsilon = _positive_number(epsilon, "epsilon")
    m = (beta_1 * m + (1 - beta_1) * grad).astype(param.dtype)
    v = (beta_2 * v + (1 - beta_2) * grad ** 2).astype(param.dtype)
    m_hat = m / (1 - beta_1 ** t)
    v_hat = v / (1 - beta_2 ** t)
    step = lr * m_hat / (np.sqrt(v_hat) + epsilon / np.sqrt(1 - beta_2 ** t))
    return (param - step).astype(param.dtype), m, v


def newton_step(x, grad, hessian):
    """x - H^-1 g, with H (n, n) for x of n elements; singular H rejected."""
    x, grad, hessian = _common_floats(x=x, grad=grad, hessian=hessian)
    _check_same_shape(x, grad, "x", "grad")
    n = x.size
    if hessian.ndim != 2 or hessian.shape[0] != hessian.shape[1]:
        raise ValueError(f"hessian must be a square matrix; got shape {hessian.shape}")
    if hessian.shape[0] != n:
        raise ValueError(f"hessian must be ({n}, {n}) for x with {n} elements; got {hessian.shape}")
    if not np.isfinite(hessian).all():
        raise ValueError("hessian contains NaN or infinity; pass finite values")
    singular_values = np.linalg.svd(hessian.astype(np.float64), compute_uv=False)
    if not singular_values[-1] > singular_values[0] * n * np.finfo(hessian.dtype).eps:
        raise ValueError(f"hessian is singular (smallest singular value {singular_values[-1]:.3g})")
    direction = np.linalg.solve(hessian.astype(np.float64), grad.reshape(-1).astype(np.float64))
    return (x - direction.reshape(x.shape)).astype(x.dtype)


def _schedule(lr0, step, decay_steps):
    lr0_value = _positive_number(lr0, "lr0")
    typed_float64 = hasattr(lr0, "dtype") and np.asarray(lr0).dtype == np.float64
    dtype = np.float64 if typed_float64 else np.float32
    step = _numbers(step, "step").astype(np.float64)
    if (step < 0).any():
        raise ValueError(f"step must be >= 0; got {step.min()}")
    return lr0_value, step, _positive_number(decay_steps, "decay_steps"), dtype


def exponential_decay(lr0, step, decay_steps, decay_rate, staircase=False):
    """lr0 decay_rate^(step / decay_steps), the exponent floored when staircase."""
    lr0, step, decay_steps, dtype = _schedule(lr0, step, decay_steps)
    decay_rate = _positive_number(decay_rate, "decay_rate")
    exponent = np.floor(step / decay_steps) if staircase else step / decay_steps
    return (lr0 * decay_rate ** exponent).astype(dtype)


def inverse_time_decay(lr0, step, decay_steps, decay_rate, staircase=False):
    """lr0 / (1 + decay_rate step / decay_steps), the ratio floored when staircase."""
    lr0, step, decay_steps, dtype = _schedule(lr0, step, decay_steps)
    decay_rate = _hyperparameter(decay_rate, "decay_rate")
    if not (np.isfinite(decay_rate) and decay_rate >= 0):
        raise ValueError(f"decay_rate must be a finite number >= 0; got {decay_rate}")
    exponent = np.floor(step / decay_steps) if staircase else step / decay_steps
    return (lr0 / (1 + decay_rate * exponent)).astype(dtype)


# --------------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------------

def inverted_dropout(x, rate, seed, training=True):
    """Keep each entry with probability 1 - rate, scaled by 1 / (1 - rate); x at inference.

    The mask: u = numpy.random.default_rng(seed).random(x.shape), keep = u >= rate.
    """
    x = _floats(x, "x")
    rate = _hyperparameter(rate, "rate")
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1); got {rate}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
    if not isinstance(training, bool | np.bool_):
        raise ValueError(f"training must be True or False; got {training!r}")
    if not training:
        return x
    keep = np.random.default_rng(int(seed)).random(x.shape) >= rate
    scale = x.dtype.type(1.0 / (1.0 - rate))
    return np.where(keep, x * scale, x.dtype.type(0)).astype(x.dtype)


# --------------------------------------------------------------------------------------------
# Preprocessing (statistics over the examples axis, 0 by default)
# --------------------------------------------------------------------------------------------

def _examples_axis(x: np.ndarray, axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"axis must be a whole number; got {axis!r}")
    if x.ndim == 0:
        raise ValueError("x must have an examples axis (at least one axis); got a scalar")
    return _check_axis(x, int(axis), "x")


def _given_statistic(value, name: str, shape: tuple, dtype) -> np.ndarray:
    array = _numbers(value, name).astype(dtype)
    if array.shape != shape:
        raise ValueError(f"{name} must have x's shape without the examples axis, {list(shape)}; "
                         f"got {list(array.shape)}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinity; pass finite statistics")
    return array


def standardize(x, mean=None, std=None, axis=0):
    """(x - mean) / std per feature; population std (ddof 0); std 0 divides by 1."""
    x = _floats(x, "x")
    axis = _examples_axis(x, axis)
    if np.isnan(x).any():
        raise ValueError("x contains NaN (a missing value); impute missing values first")
    if np.isinf(x).any():
        raise ValueError("x contains infinity; pass finite values")
    if (mean is None) != (std is None):
        raise ValueError("mean and std must be given together or not at all")
    rows = np.moveaxis(x, axis, 0).astype(np.float64)  # (examples, features...)
    if mean is None:
        constant = (rows == rows[0]).all(axis=0)
        mean = np.where(constant, rows[0], rows.sum(axis=0) / rows.shape[0])
        std = np.sqrt(((rows - mean) ** 2).sum(axis=0) / rows.shape[0])
        std = np.where(constant, 0.0, std)
    else:
        mean = _given_statistic(mean, "mean", rows.shape[1:], x.dtype).astype(np.float64)
        std = _given_statistic(std, "std", rows.shape[1:], x.dtype).astype(np.float64)
        if (std < 0).any():
            raise ValueError(f"std has a negative entry ({std.min():.3g}); a standard deviation is >= 0")
    scale = np.where(std == 0, 1.0, std)
    return np.moveaxis((rows - mean) / scale, 0, axis).astype(x.dtype)


def mean_impute(x, mean=None, axis=0):
    """Each NaN replaced by the mean of the values present in its feature (or the given mean)."""
    x = _floats(x, "x")
    axis = _examples_axis(x, axis)
    if np.isinf(x).any():
        raise ValueError("x contains infinity; only NaN marks a missing value")
    rows = np.moveaxis(x, axis, 0).copy()  # (examples, features...)
    if mean is not None:
        mean = _given_statistic(mean, "mean", rows.shape[1:], x.dtype)
    for feature in np.ndindex(rows.shape[1:]):
        column = rows[(slice(None), *feature)]
        present = column[~np.isnan(column)]
        if mean is not None:
            fill = mean[feature]
        elif present.size == 0:
            raise ValueError("x has a feature with every value missing (all NaN); its mean is "
                             "undefined: drop the feature or pass mean=")
        else:
            fill = present.astype(np.float64).sum() / present.size
        column[np.isnan(column)] = fill
    return np.moveaxis(rows, 0, axis)


def one_hot(labels, num_classes=None):
    """Row y of the k x k identity for each label y (float32); k = num_classes or max + 1."""
    if num_classes is not None and (isinstance(num_classes, bool) or
                                    not isinstance(num_classes, (int, float, np.number)) or
                                    int(num_classes) != num_classes or num_classes < 1):
        raise ValueError(f"num_classes must be a whole number >= 1 (or None); got {num_classes!r}")
    labels = _labels(labels, "labels", None if num_classes is None else int(num_classes))
    k = int(num_classes) if num_classes is not None else int(labels.max()) + 1
    out = np.zeros((*labels.shape, k), dtype=np.float32)
    for index in np.ndindex(labels.shape):
        out[(*index, labels[index])] = 1.0
    return out


# --- distances (added by classic-a) ---

_DISTANCE_METRICS = ("euclidean", "sqeuclidean", "manhattan")


def _distance_points(x: np.ndarray, name: str) -> np.ndarray:
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D (points, features); got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinity; pass finite values")
    return x


def pairwise_distances(a, b=None, metric="euclidean"):
    """D[i, j] between row i of a and row j of b, one pair at a time (b = a when None)."""
    if not isinstance(metric, str) or metric not in _DISTANCE_METRICS:
        raise ValueError(f"metric must be one of {', '.join(_DISTANCE_METRICS)}; got {metric!r}")
    if b is None:
        a = _distance_points(_floats(a, "a"), "a")
        b = a
    else:
        a, b = _common_floats(a=a, b=b)
        a, b = _distance_points(a, "a"), _distance_points(b, "b")
        if a.shape[1] != b.shape[1]:
            raise ValueError(f"a and b must have the same number of features; got {a.shape[1]} "
                             f"and {b.shape[1]}")
    out = np.zeros((a.shape[0], b.shape[0]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            d = a[i].astype(np.float64) - b[j].astype(np.float64)
            if metric == "manhattan":
                out[i, j] = np.abs(d).sum()
            elif metric == "sqeuclidean":
                out[i, j] = (d * d).sum()
            else:
                out[i, j] = np.sqrt((d * d).sum())
    return out


def _gaussian_arrays(x, mean, var):
    x, mean, var = _common_floats(x=x, mean=mean, var=var)
    for array, name in ((x, "x"), (mean, "mean"), (var, "var")):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinity; pass finite values")
    if np.any(var <= 0):
        raise ValueError(f"var must be > 0 (a variance); smallest is {var.min():.3g}")
    try:
        np.broadcast_shapes(x.shape, mean.shape, var.shape)
    except ValueError:
        raise ValueError(f"x, mean and var must broadcast together; got shapes {x.shape}, "
                         f"{mean.shape} and {var.shape}") from None
    return x, mean, var


def gaussian_pdf(x, mean, var):
    """exp(-(x - mean)^2 / (2 var)) / sqrt(2 pi var), entry by entry."""
    x, mean, var = _gaussian_arrays(x, mean, var)
    dtype = x.dtype
    x, mean, var = (a.astype(np.float64) for a in (x, mean, var))
    return (np.exp(-((x - mean) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)).astype(dtype)


def gaussian_density(x, mean, var):
    """Product over the last axis of gaussian_pdf(x, mean, var)."""
    x, mean, var = _gaussian_arrays(x, mean, var)
    if x.ndim == 0:
        raise ValueError("x must have a feature axis (shape (..., d)); got a scalar")
    dtype = x.dtype
    x, mean, var = (a.astype(np.float64) for a in (x, mean, var))
    pdf = np.exp(-((x - mean) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)
    out = np.ones(pdf.shape[:-1])
    for j in range(pdf.shape[-1]):
        out = out * pdf[..., j]
    return np.asarray(out).astype(dtype)


__all__ += ["pairwise_distances", "gaussian_pdf", "gaussian_density"]


# --- style (added by vision) ---
# Neural style transfer losses (D2L 13.12), channels last: (h, w, c) or (n, h, w, c).

def _style_image(x, name: str, what: str) -> np.ndarray:
    array = _floats(x, name)
    if array.ndim not in (3, 4):
        raise ValueError(f"{name} must be {what} of shape (h, w, c) or (n, h, w, c); got rank "
                         f"{array.ndim} (shape {array.shape})")
    return array


def gram_matrix(features):
    """G[a, b] = sum over positions p of X[p, a] X[p, b] / (c h w), one matrix per image."""
    x = _style_image(features, "features", "a feature map")
    batch = x if x.ndim == 4 else x[np.newaxis]
    n, h, w, c = batch.shape
    out = np.zeros((n, c, c), dtype=np.float64)
    for image in range(n):
        for a in range(c):
            for b in range(c):
                total = 0.0
                for i in range(h):
                    for j in range(w):
                        total += float(batch[image, i, j, a]) * float(batch[image, i, j, b])
                out[image, a, b] = total / (c * h * w)
    out = out.astype(x.dtype)
    return out if x.ndim == 4 else out[0]


def content_loss(y_hat, y):
    """mean((y_hat - y)^2) over every element."""
    y_hat, y = _common_floats(y_hat=y_hat, y=y)
    _check_same_shape(y_hat, y, "y_hat", "y")
    diff = y_hat.astype(np.float64) - y.astype(np.float64)
    return np.asarray(np.mean(diff * diff), dtype=y.dtype)


def style_loss(y_hat_gram, gram_y):
    """mean((G_hat - G)^2) over every element of two (c, c) or (n, c, c) Gram matrices."""
    y_hat_gram, gram_y = _common_floats(y_hat_gram=y_hat_gram, gram_y=gram_y)
    for array, name in ((y_hat_gram, "y_hat_gram"), (gram_y, "gram_y")):
        if array.ndim < 2 or array.shape[-1] != array.shape[-2]:
            raise ValueError(f"{name} must be a Gram matrix of shape (c, c) or (n, c, c), "
                             f"square in its last two axes; got shape {array.shape}")
    _check_same_shape(y_hat_gram, gram_y, "y_hat_gram", "gram_y")
    diff = y_hat_gram.astype(np.float64) - gram_y.astype(np.float64)
    return np.asarray(np.mean(diff * diff), dtype=gram_y.dtype)


def total_variation_loss(image):
    """0.5 * (mean |vertical neighbour differences| + mean |horizontal neighbour differences|)."""
    x = _style_image(image, "image", "an image")
    batch = x if x.ndim == 4 else x[np.newaxis]
    n, h, w, c = batch.shape
    if h < 2 or w < 2:
        raise ValueError(f"image must be at least 2 pixels high and 2 wide; got height {h} and "
                         f"width {w}")
    vertical = horizontal = 0.0
    for image_index in range(n):
        for k in range(c):
            for i in range(h):
                for j in range(w):
                    here = float(batch[image_index, i, j, k])
                    if i + 1 < h:
                        vertical += abs(float(batch[image_index, i + 1, j, k]) - here)
                    if j + 1 < w:
                        horizontal += abs(float(batch[image_index, i, j + 1, k]) - here)
    vertical /= n * (h - 1) * w * c
    horizontal /= n * h * (w - 1) * c
    return np.asarray(0.5 * (vertical + horizontal), dtype=x.dtype)


__all__ += ["gram_matrix", "content_loss", "style_loss", "total_variation_loss"]


# --- boxes (added by detection) ---
# Naive loops over boxes, anchors and regions (D2L 13.3-13.8); see tfref/ops/boxes.py.

def _bx_last_four(x: np.ndarray, name: str, rank: int | None = None) -> None:
    if rank is not None and x.ndim != rank:
        raise ValueError(f"{name} must have shape (n, 4); got shape {list(x.shape)}")
    if x.ndim < 1 or x.shape[-1] != 4:
        raise ValueError(f"{name} must have a last dimension of 4; got shape {list(x.shape)}")


def _bx_corners(x, name: str, rank: int | None = None) -> np.ndarray:
    x = _floats(x, name)
    _bx_last_four(x, name, rank)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinity; pass finite values")
    for box in x.reshape(-1, 4):
        if box[2] < box[0] or box[3] < box[1]:
            raise ValueError(f"{name} has a box with x2 < x1 or y2 < y1 ({box.tolist()})")
    return x


def _bx_threshold(value, name: str = "iou_threshold") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be in [0, 1]; got {value}")
    return float(value)


def box_corner_to_center(boxes):
    b = _bx_corners(boxes, "boxes")
    out = np.empty_like(b)
    out[..., 0] = (b[..., 0] + b[..., 2]) / 2
    out[..., 1] = (b[..., 1] + b[..., 3]) / 2
    out[..., 2] = b[..., 2] - b[..., 0]
    out[..., 3] = b[..., 3] - b[..., 1]
    return out


def box_center_to_corner(boxes):
    b = _floats(boxes, "boxes")
    _bx_last_four(b, "boxes")
    if not np.all(np.isfinite(b)):
        raise ValueError("boxes contains NaN or infinity; pass finite values")
    if (b[..., 2:] < 0).any():
        raise ValueError("boxes has a box with a negative width or height (w, h >= 0)")
    out = np.empty_like(b)
    out[..., 0] = b[..., 0] - b[..., 2] / 2
    out[..., 1] = b[..., 1] - b[..., 3] / 2
    out[..., 2] = b[..., 0] + b[..., 2] / 2
    out[..., 3] = b[..., 1] + b[..., 3] / 2
    return out


def _bx_iou_one(a: np.ndarray, b: np.ndarray):
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    inter = max(min(a[2], b[2]) - max(a[0], b[0]), 0) * max(min(a[3], b[3]) - max(a[1], b[1]), 0)
    union = area_a + area_b - inter
    return inter / union if union > 0 else union * 0


def box_iou(boxes1, boxes2):
    b1 = _bx_corners(boxes1, "boxes1", rank=2)
    b2 = _bx_corners(boxes2, "boxes2", rank=2)
    dtype = _float_dtype(b1, b2)
    b1, b2 = b1.astype(dtype), b2.astype(dtype)
    out = np.zeros((len(b1), len(b2)), dtype)
    for i in range(len(b1)):
        for j in range(len(b2)):
            out[i, j] = _bx_iou_one(b1[i], b2[j])
    return out


def _bx_positive(x, name: str) -> np.ndarray:
    values = _numbers(x, name).astype(np.float64)
    if values.ndim > 1:
        raise ValueError(f"{name} must be a number or a 1-D list of numbers")
    values = values.reshape(-1)
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"{name} must all be positive and finite; got {values.tolist()}")
    return values


def _bx_whole(value, name: str) -> int:
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.number))
            or not np.isfinite(value) or value != int(value) or value < 1):
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    return int(value)


def multibox_prior(height, width, sizes, ratios):
    height, width = _bx_whole(height, "height"), _bx_whole(width, "width")
    s, r = _bx_positive(sizes, "sizes"), _bx_positive(ratios, "ratios")
    dtype = np.float64 if (getattr(sizes, "dtype", None) == np.float64
                           or getattr(ratios, "dtype", None) == np.float64) else np.float32
    pairs = [(size, r[0]) for size in s] + [(s[0], ratio) for ratio in r[1:]]
    out = []
    for i in range(height):
        for j in range(width):
            cx, cy = (j + 0.5) / width, (i + 0.5) / height
            for size, ratio in pairs:
                w = size * math.sqrt(ratio) * height / width
                h = size / math.sqrt(ratio)
                out.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    return np.array(out, dtype=dtype)


def assign_anchor_to_bbox(ground_truth, anchors, iou_threshold=0.5):
    gt = _bx_corners(ground_truth, "ground_truth", rank=2)
    anc = _bx_corners(anchors, "anchors", rank=2)
    threshold = _bx_threshold(iou_threshold)
    jaccard = box_iou(anc, gt).astype(np.float64)
    assigned = np.full(len(anc), -1, np.int64)
    for i in range(len(anc)):
        j = int(np.argmax(jaccard[i]))
        if jaccard[i, j] >= threshold:
            assigned[i] = j
    for _ in range(min(len(gt), len(anc))):
        best, where = -np.inf, (0, 0)
        for i in range(len(anc)):
            for j in range(len(gt)):
                if jaccard[i, j] > best:
                    best, where = jaccard[i, j], (i, j)
        i, j = where
        assigned[i] = j
        jaccard[i, :] = -1.0
        jaccard[:, j] = -1.0
    return assigned


def _bx_check_anchor_extent(anc: np.ndarray, name: str = "anchors") -> None:
    for box in anc.reshape(-1, 4):
        if box[2] <= box[0] or box[3] <= box[1]:
            raise ValueError(f"{name} must have positive width and height; got {box.tolist()}")


def offset_boxes(anchors, assigned_bb, eps=1e-6):
    anc = _bx_corners(anchors, "anchors")
    bb = _bx_corners(assigned_bb, "assigned_bb")
    _bx_check_anchor_extent(anc)
    if eps < 0:
        raise ValueError(f"eps must be >= 0; got {eps}")
    dtype = _float_dtype(anc, bb)
    a, b = box_corner_to_center(anc.astype(dtype)), box_corner_to_center(bb.astype(dtype))
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype)
    out[..., 0] = 10 * (b[..., 0] - a[..., 0]) / a[..., 2]
    out[..., 1] = 10 * (b[..., 1] - a[..., 1]) / a[..., 3]
    with np.errstate(divide="ignore"):
        out[..., 2] = 5 * np.log(eps + b[..., 2] / a[..., 2])
        out[..., 3] = 5 * np.log(eps + b[..., 3] / a[..., 3])
    return out


def offset_inverse(anchors, offset_preds):
    anc = _bx_corners(anchors, "anchors")
    o = _floats(offset_preds, "offset_preds")
    _bx_last_four(o, "offset_preds")
    if not np.all(np.isfinite(o)):
        raise ValueError("offset_preds contains NaN or infinity; pass finite values")
    dtype = _float_dtype(anc, o)
    a, o = box_corner_to_center(anc.astype(dtype)), o.astype(dtype)
    c = np.empty(np.broadcast_shapes(a.shape, o.shape), dtype)
    c[..., 0] = a[..., 0] + o[..., 0] * a[..., 2] / 10
    c[..., 1] = a[..., 1] + o[..., 1] * a[..., 3] / 10
    c[..., 2] = a[..., 2] * np.exp(o[..., 2] / 5)
    c[..., 3] = a[..., 3] * np.exp(o[..., 3] / 5)
    return box_center_to_corner(c)


def multibox_target(anchors, labels, iou_threshold=0.5):
    anc = _floats(anchors, "anchors")
    if anc.ndim == 3 and anc.shape[0] == 1:
        anc = anc[0]
    anc = _bx_corners(anc, "anchors", rank=2)
    _bx_check_anchor_extent(anc)
    lab = _floats(labels, "labels")
    if lab.ndim != 3 or lab.shape[-1] != 5:
        raise ValueError(f"labels must have shape (batch, boxes, 5); got {list(lab.shape)}")
    if not np.all(lab[..., 0] == np.round(lab[..., 0])):
        raise ValueError("labels' class column must hold whole numbers (class < 0 = padding)")
    dtype = _float_dtype(anc, lab)
    n = len(anc)
    offsets = np.zeros((len(lab), 4 * n), dtype)
    masks = np.zeros((len(lab), 4 * n), dtype)
    classes = np.zeros((len(lab), n), np.int64)
    for b, rows in enumerate(lab):
        rows = np.array([row for row in rows if row[0] >= 0]).reshape(-1, 5)
        if len(rows) == 0:
            continue
        assigned = assign_anchor_to_bbox(rows[:, 1:], anc, iou_threshold)
        for i in range(n):
            if assigned[i] >= 0:
                row = rows[assigned[i]]
                classes[b, i] = int(row[0]) + 1
                masks[b, 4 * i:4 * i + 4] = 1
                offsets[b, 4 * i:4 * i + 4] = offset_boxes(anc[i], row[1:].astype(anc.dtype))
    return offsets, masks, classes


def nms(boxes, scores, iou_threshold):
    b = _bx_corners(boxes, "boxes", rank=2)
    s = _floats(scores, "scores")
    if s.shape != (len(b),):
        raise ValueError(f"scores must have shape ({len(b)},), one per box; got {list(s.shape)}")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores contains NaN or infinity; pass finite values")
    threshold = b.dtype.type(_bx_threshold(iou_threshold))
    order = sorted(range(len(b)), key=lambda i: (-float(s[i]), i))
    keep = []
    for i in order:
        if all(_bx_iou_one(b[i], b[j]) <= threshold for j in keep):
            keep.append(i)
    return np.array(keep, dtype=np.int32)


def _bx_roi_inputs(features, rois, output_size, spatial_scale):
    x = _floats(features, "features")
    if x.ndim != 4:
        raise ValueError(f"features must have shape (batch, height, width, channels); got "
                         f"{list(x.shape)}")
    r = _numbers(rois, "rois").astype(np.float64)
    if r.ndim != 2 or r.shape[1] != 5:
        raise ValueError(f"rois must have shape (n, 5); got {list(r.shape)}")
    _bx_corners(r[:, 1:], "rois")
    for index in r[:, 0]:
        if index != round(index) or not 0 <= index < x.shape[0]:
            raise ValueError(f"rois' batch_index column must hold whole numbers in "
                             f"0..{x.shape[0] - 1}; got {index}")
    size = (output_size, output_size) if isinstance(output_size, (int, np.integer)) else output_size
    if len(tuple(size)) != 2:
        raise ValueError(f"output_size must be an int or (height, width); got {output_size!r}")
    size = tuple(_bx_whole(v, "output_size") for v in size)
    if isinstance(spatial_scale, bool) or not spatial_scale > 0:
        raise ValueError(f"spatial_scale must be a positive number; got {spatial_scale!r}")
    return x, r, size, float(spatial_scale)


def roi_pool(features, rois, output_size, spatial_scale=1.0):
    x, r, (out_h, out_w), scale = _bx_roi_inputs(features, rois, output_size, spatial_scale)
    height, width = x.shape[1], x.shape[2]
    out = np.zeros((len(r), out_h, out_w, x.shape[3]), x.dtype)

    def rounded(v):  # half away from zero, as C's round()
        return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)

    for n, (b, x1, y1, x2, y2) in enumerate(r):
        x1, y1, x2, y2 = (rounded(v * scale) for v in (x1, y1, x2, y2))
        roi_h, roi_w = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
        for i in range(out_h):
            for j in range(out_w):
                h0 = min(max(y1 + math.floor(i * roi_h / out_h), 0), height)
                h1 = min(max(y1 + math.ceil((i + 1) * roi_h / out_h), 0), height)
                w0 = min(max(x1 + math.floor(j * roi_w / out_w), 0), width)
                w1 = min(max(x1 + math.ceil((j + 1) * roi_w / out_w), 0), width)
                if h1 > h0 and w1 > w0:
                    out[n, i, j] = x[int(b), h0:h1, w0:w1].max(axis=(0, 1))
    return out


def roi_pool_bilinear(features, rois, output_size, spatial_scale=1.0, sampling=2):
    x, r, (out_h, out_w), scale = _bx_roi_inputs(features, rois, output_size, spatial_scale)
    sampling = _bx_whole(sampling, "sampling")
    height, width = x.shape[1], x.shape[2]
    ch, cw = sampling * out_h, sampling * out_w
    out = np.zeros((len(r), out_h, out_w, x.shape[3]), x.dtype)

    def positions(start, end, size, count):
        # tf.image.crop_and_resize: start and end in units of (size - 1)
        s, e = start / max(size - 1, 1), end / max(size - 1, 1)
        if count == 1:
            return [0.5 * (s + e) * (size - 1)]
        return [s * (size - 1) + k * (e - s) * (size - 1) / (count - 1) for k in range(count)]

    def sample(image, py, px):
        if not (0 <= py <= height - 1 and 0 <= px <= width - 1):
            return np.zeros(image.shape[-1])
        top, left = math.floor(py), math.floor(px)
        bottom, right = math.ceil(py), math.ceil(px)
        dy, dx = py - top, px - left
        upper = image[top, left] + (image[top, right] - image[top, left]) * dx
        lower = image[bottom, left] + (image[bottom, right] - image[bottom, left]) * dx
        return upper + (lower - upper) * dy

    for n, (b, x1, y1, x2, y2) in enumerate(r):
        image = x[int(b)].astype(np.float64)
        ys = positions(y1 * scale, y2 * scale, height, ch)
        xs = positions(x1 * scale, x2 * scale, width, cw)
        crop = np.array([[sample(image, py, px) for px in xs] for py in ys])
        for i in range(out_h):
            for j in range(out_w):
                block = crop[i * sampling:(i + 1) * sampling, j * sampling:(j + 1) * sampling]
                out[n, i, j] = block.max(axis=(0, 1))
    return out


__all__ += ["box_corner_to_center", "box_center_to_corner", "box_iou", "multibox_prior",
            "assign_anchor_to_bbox", "offset_boxes", "offset_inverse", "multibox_target", "nms",
            "roi_pool", "roi_pool_bilinear"]


# --- conv (added by conv) ---------------------------------------------------------------------
# NHWC images; conv2d kernels (kh, kw, in, out); conv2d_transpose kernels (kh, kw, out, in).
# Written as loops over output (or, for the transpose, input) pixels, D2L's corr2d/trans_conv.

def _conv_whole(value, name: str, minimum: int, what: str) -> int:
    if isinstance(value, np.generic):
        value = value.item()
    ok = (not isinstance(value, bool) and isinstance(value, int | float)
          and math.isfinite(value) and value == int(value))
    if not ok or int(value) < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum} ({what}); got {value!r}")
    return int(value)


def _conv_pair(value, name: str, minimum: int, what: str) -> tuple[int, int]:
    if isinstance(value, tuple | list | np.ndarray) and np.ndim(value) == 1:
        if len(value) != 2:
            raise ValueError(f"{name} must be a whole number or an (height, width) pair; "
                             f"got {value!r}")
        return (_conv_whole(value[0], name, minimum, what),
                _conv_whole(value[1], name, minimum, what))
    number = _conv_whole(value, name, minimum, what)
    return number, number


def _conv_rank4(x: np.ndarray, name: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name} must have rank 4 (NHWC images or a 4-D kernel); got shape "
                         f"{x.shape}")


def _conv_side(n: int, k: int, p: int, s: int, kernel_name: str) -> int:
    if k > n + 2 * p:
        raise ValueError(f"{kernel_name} {k} is larger than the padded input {n + 2 * p} "
                         f"(n {n} + 2 * padding {p})")
    return (n + 2 * p - k) // s + 1


def conv_output_size(n, kernel_size, padding=0, stride=1):
    """floor((n + 2p - k) / s) + 1."""
    n = _conv_whole(n, "n", 1, "the input size")
    k = _conv_whole(kernel_size, "kernel_size", 1, "the kernel size")
    p = _conv_whole(padding, "padding", 0, "zeros on each side")
    s = _conv_whole(stride, "stride", 1, "the step")
    return _conv_side(n, k, p, s, "kernel_size")


def conv2d(x, kernel, stride=1, padding=0):
    """Y[b, i, j, d] = sum over the window at (s i, s j) of the zero-padded x times K[..., d]."""
    x, kernel = _common_floats(x=x, kernel=kernel)
    _conv_rank4(x, "x")
    _conv_rank4(kernel, "kernel")
    sh, sw = _conv_pair(stride, "stride", 1, "the step")
    ph, pw = _conv_pair(padding, "padding", 0, "zeros on each side")
    batch, h, w, c = x.shape
    kh, kw, kc, c_out = kernel.shape
    if c != kc:
        raise ValueError(f"x has {c} channels but kernel has {kc} input channels")
    oh = _conv_side(h, kh, ph, sh, "kernel")
    ow = _conv_side(w, kw, pw, sw, "kernel")
    padded = np.zeros((batch, h + 2 * ph, w + 2 * pw, c), dtype=np.float64)
    padded[:, ph:ph + h, pw:pw + w, :] = x
    out = np.zeros((batch, oh, ow, c_out), dtype=np.float64)
    for b in range(batch):
        for i in range(oh):
            for j in range(ow):
                window = padded[b, i * sh:i * sh + kh, j * sw:j * sw + kw, :]  # (kh, kw, c)
                for d in range(c_out):
                    out[b, i, j, d] = np.sum(window * kernel[:, :, :, d])
    return out.astype(x.dtype)


def _conv_pool(x, pool_size, stride, padding, reduce, fill):
    x = _floats(x, "x")
    _conv_rank4(x, "x")
    kh, kw = _conv_pair(pool_size, "pool_size", 1, "the window")
    sh, sw = (kh, kw) if stride is None else _conv_pair(stride, "stride", 1, "the step")
    ph, pw = _conv_pair(padding, "padding", 0, "values on each side")
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"padding ({ph}, {pw}) must be at most half of pool_size ({kh}, {kw})")
    batch, h, w, c = x.shape
    oh = _conv_side(h, kh, ph, sh, "pool_size")
    ow = _conv_side(w, kw, pw, sw, "pool_size")
    padded = np.full((batch, h + 2 * ph, w + 2 * pw, c), fill, dtype=np.float64)
    padded[:, ph:ph + h, pw:pw + w, :] = x
    out = np.zeros((batch, oh, ow, c), dtype=np.float64)
    for b in range(batch):
        for i in range(oh):
            for j in range(ow):
                for channel in range(c):
                    out[b, i, j, channel] = reduce(
                        padded[b, i * sh:i * sh + kh, j * sw:j * sw + kw, channel])
    return out.astype(x.dtype)


def max_pool2d(x, pool_size, stride=None, padding=0):
    """Maximum over each window; padding with -inf; stride None means pool_size."""
    return _conv_pool(x, pool_size, stride, padding, np.max, -np.inf)


def avg_pool2d(x, pool_size, stride=None, padding=0):
    """Mean over each window; padded zeros counted (count_include_pad=True)."""
    return _conv_pool(x, pool_size, stride, padding, np.mean, 0.0)


def conv2d_transpose(x, kernel, stride=1, padding=0):
    """Each input pixel adds x[b, i, j, c] K[:, :, :, c] at (s i, s j); crop p on each side."""
    x, kernel = _common_floats(x=x, kernel=kernel)
    _conv_rank4(x, "x")
    _conv_rank4(kernel, "kernel")
    sh, sw = _conv_pair(stride, "stride", 1, "the step")
    ph, pw = _conv_pair(padding, "padding", 0, "rows cropped on each side")
    batch, h, w, c = x.shape
    kh, kw, c_out, kc = kernel.shape
    if c != kc:
        raise ValueError(f"x has {c} channels but kernel has {kc} input channels (last axis)")
    full_h, full_w = (h - 1) * sh + kh, (w - 1) * sw + kw
    if 2 * ph >= full_h or 2 * pw >= full_w:
        raise ValueError(f"padding ({ph}, {pw}) crops the whole {full_h}x{full_w} output")
    full = np.zeros((batch, full_h, full_w, c_out), dtype=np.float64)
    for b in range(batch):
        for i in range(h):
            for j in range(w):
                for channel in range(c):
                    full[b, i * sh:i * sh + kh, j * sw:j * sw + kw, :] += (
                        x[b, i, j, channel] * kernel[:, :, :, channel].astype(np.float64))
    return full[:, ph:full_h - ph, pw:full_w - pw, :].astype(x.dtype)


def bilinear_kernel(in_channels, out_channels, size):
    """D2L's bilinear upsampling kernel, (size, size, out, in), channel c -> channel c."""
    c_in = _conv_whole(in_channels, "in_channels", 1, "channels")
    c_out = _conv_whole(out_channels, "out_channels", 1, "channels")
    size = _conv_whole(size, "size", 1, "the kernel side")
    if c_in != c_out:
        raise ValueError(f"in_channels ({c_in}) and out_channels ({c_out}) must be equal")
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    kernel = np.zeros((size, size, c_out, c_in), dtype=np.float32)
    for u in range(size):
        for v in range(size):
            value = (1 - abs(u - centre) / factor) * (1 - abs(v - centre) / factor)
            for channel in range(c_in):
                kernel[u, v, channel, channel] = value
    return kernel


__all__ += ["conv_output_size", "conv2d", "max_pool2d", "avg_pool2d", "conv2d_transpose",
            "bilinear_kernel"]


# --- rnn (added by rnn) ---
# One sequence, no batch axis: x (T, input_dim), y (T,) labels, U (hidden, input_dim),
# W (hidden, hidden), V (output_dim, hidden), s0 (hidden,). Computed in float64, returned in
# the dtype of the inputs (float64 if any is float64, else float32).

def _rnn_arrays(x, U, W, V, s0):
    named = {"x": x, "U": U, "W": W, "V": V}
    if s0 is not None:
        named["s0"] = s0
    arrays = {name: _numbers(value, name) for name, value in named.items()}
    dtype = _float_dtype(*named.values())
    for name, array in arrays.items():
        if name != "s0" and array.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array; got shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name} contains NaN or infinity; pass finite values")
    x, U, W, V = (arrays[name].astype(np.float64) for name in ("x", "U", "W", "V"))
    hidden = U.shape[0]
    if U.shape[1] != x.shape[1]:
        raise ValueError(f"U has shape {U.shape} but x has {x.shape[1]} features per step; "
                         f"U must be (hidden, input_dim)")
    if W.shape != (hidden, hidden):
        raise ValueError(f"W has shape {W.shape}; it must be (hidden, hidden) = ({hidden}, "
                         f"{hidden}) to match U {U.shape}")
    if V.shape[1] != hidden:
        raise ValueError(f"V has shape {V.shape}; it must be (output_dim, {hidden}) to match U")
    if s0 is None:
        s0 = np.zeros(hidden)
    else:
        s0 = arrays["s0"].astype(np.float64)
        if s0.shape != (hidden,):
            raise ValueError(f"s0 has shape {s0.shape}; it must be (hidden,) = ({hidden},)")
    return x, U, W, V, s0, dtype


def _rnn_steps(x, U, W, V, s0):
    """s_1..s_T and o_1..o_T by the plain recursion, one step at a time, in float64."""
    states, outputs, state = [], [], s0
    for t in range(x.shape[0]):
        state = np.tanh(U @ x[t] + W @ state)
        z = V @ state
        e = np.exp(z - z.max())
        states.append(state)
        outputs.append(e / e.sum())
    return np.array(states), np.array(outputs)


def rnn_forward(x, U, W, V, s0=None):
    """s_t = tanh(U x_t + W s_{t-1}), o_t = softmax(V s_t); returns (states, outputs)."""
    x, U, W, V, s0, dtype = _rnn_arrays(x, U, W, V, s0)
    states, outputs = _rnn_steps(x, U, W, V, s0)
    return states.astype(dtype), outputs.astype(dtype)


def rnn_bptt(x, y, U, W, V, s0=None):
    """E = sum_t -log o_t[y_t] and (dE/dU, dE/dW, dE/dV) by the BPTT recursion, step by step."""
    x, U, W, V, s0, dtype = _rnn_arrays(x, U, W, V, s0)
    labels = _labels(y, "y", V.shape[0])
    if labels.shape != (x.shape[0],):
        raise ValueError(f"y must hold one label per step, shape ({x.shape[0]},); got {labels.shape}")
    states, outputs = _rnn_steps(x, U, W, V, s0)
    loss = 0.0
    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    d_next = np.zeros_like(s0)  # dE/da_{t+1}
    for t in reversed(range(x.shape[0])):
        loss -= np.log(outputs[t][labels[t]])
        dz = outputs[t].copy()
        dz[labels[t]] -= 1.0
        dV += np.outer(dz, states[t])
        ds = V.T @ dz + W.T @ d_next
        da = ds * (1.0 - states[t] ** 2)
        previous = states[t - 1] if t > 0 else s0
        dU += np.outer(da, x[t])
        dW += np.outer(da, previous)
        d_next = da
    return (np.asarray(loss, dtype=dtype), dU.astype(dtype), dW.astype(dtype), dV.astype(dtype))


def clip_by_global_norm(grads, max_norm):
    """Each g times max_norm / max(global_norm, max_norm); returns (list, global_norm)."""
    if not isinstance(grads, (list, tuple)):
        raise ValueError(f"grads must be a list or tuple of arrays; got {type(grads).__name__}")
    if len(grads) == 0:
        raise ValueError("grads is empty; pass at least one gradient")
    if (isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.number))
            or not math.isfinite(float(max_norm)) or not max_norm > 0):
        raise ValueError(f"max_norm must be a finite number > 0; got {max_norm!r}")
    arrays = []
    for index, grad in enumerate(grads):
        if grad is None:
            raise ValueError(f"grads[{index}] is None; pass an array for every gradient")
        arrays.append(_numbers(grad, f"grads[{index}]"))
    dtype = _float_dtype(*grads)
    total = 0.0
    for index, array in enumerate(arrays):
        if not np.isfinite(array).all():
            raise ValueError(f"grads[{index}] contains NaN or infinity")
        for value in array.astype(np.float64).ravel():
            total += value * value
    global_norm = math.sqrt(total)
    scale = float(max_norm) / max(global_norm, float(max_norm))
    return [(a.astype(np.float64) * scale).astype(dtype) for a in arrays], np.asarray(global_norm, dtype)


__all__ += ["rnn_forward", "rnn_bptt", "clip_by_global_norm"]


# --- trees (added by classic-b) ---------------------------------------------------------------

def _tree_labels(labels) -> np.ndarray:
    y = _labels(labels, "labels")
    if y.ndim != 1:
        raise ValueError(f"labels must be 1-D (one label per example); got shape {y.shape}")
    return y


def information_gain(labels, feature_values, base=None):
    """Ent(D) - sum_v |D^v| / |D| Ent(D^v), written out with loops over values and classes."""
    y = _tree_labels(labels)
    values = _floats(feature_values, "feature_values")
    if values.ndim != 1:
        raise ValueError(f"feature_values must be 1-D (one value per example); got shape "
                         f"{values.shape}")
    if len(values) != len(y):
        raise ValueError(f"labels and feature_values must have the same length; got {len(y)} "
                         f"and {len(values)}")
    if not np.all(np.isfinite(values)):
        raise ValueError("feature_values contains NaN or infinity; pass finite values")
    _in_base(np.zeros(1), base)  # reject a bad base

    def ent(subset):
        total = 0.0
        for k in set(subset.tolist()):
            p = float(np.sum(subset == k)) / len(subset)
            total -= p * math.log(p)
        return total

    conditional = 0.0
    for v in set(values.tolist()):
        subset = y[values == v]
        conditional += len(subset) / len(y) * ent(subset)
    gain = max(ent(y) - conditional, 0.0)
    return _in_base(np.asarray(gain, dtype=values.dtype), base)


def gini_impurity(labels):
    """1 - sum_k p_k^2 over the classes present."""
    y = _tree_labels(labels)
    total = 1.0
    for k in set(y.tolist()):
        total -= (float(np.sum(y == k)) / len(y)) ** 2
    return np.float32(max(total, 0.0))


__all__ += ["information_gain", "gini_impurity"]
