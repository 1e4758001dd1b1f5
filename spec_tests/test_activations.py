"""Properties of the activation functions and their derivatives (docs/contract.md, Activations).

Oracles are independent of the implementation under test: float64 NumPy formulas, TensorFlow's
own forward functions differentiated by GradientTape in float64, and central finite differences
in float64. (The calculus helper ``central_difference`` is checked here too, beside the other
derivatives.)
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.tolerances import FINITE_DIFFERENCE, assert_close, tolerance

# GradientTape is slow in eager mode: fewer examples for the properties that use it.
TAPE = {"max_examples": 15}

# The kinks of relu, leaky_relu and threshold sit at 0; finite differences stay this far away.
KINK_MARGIN = 1e-3
STEP = 1e-6  # finite-difference step, in float64


# --- oracles --------------------------------------------------------------------------------

def _softmax64(x, axis=-1):
    """Stable softmax in float64."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax64(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _sigmoid64(x):
    from scipy.special import expit

    return expit(np.asarray(x, dtype=np.float64))


def _tape_derivative(tf_forward, x):
    """Elementwise derivative of a TensorFlow forward function at x, by GradientTape in float64."""
    import tensorflow as tf

    t = tf.constant(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf_forward(t)
    gradient = tape.gradient(y, t, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return gradient.numpy()


def _central_difference(forward, x):
    """Elementwise (f(x + h) - f(x - h)) / 2h of an elementwise forward function, in float64."""
    x = np.asarray(x, dtype=np.float64)
    up = np.asarray(forward(x + STEP), dtype=np.float64)
    down = np.asarray(forward(x - STEP), dtype=np.float64)
    return (up - down) / (2 * STEP)


def _with_zero(x):
    """x flattened with an exact 0 appended: the contract defines the derivatives at 0 too."""
    return np.append(x.ravel(), x.dtype.type(0))


def _check_against_tape(derivative, tf_forward, x):
    actual = derivative(x)
    expected = _tape_derivative(tf_forward, x)
    assert actual.dtype == x.dtype, f"derivative returned {actual.dtype} for {x.dtype} input"
    assert_close(actual, expected, dtype=x.dtype, what="derivative vs GradientTape")


def _check_against_finite_differences(derivative, forward, x):
    """derivative(x) (at x's dtype) against central differences of ``forward`` in float64."""
    tol = tolerance(x.dtype)
    expected = _central_difference(forward, x)
    assert_close(derivative(x), expected, dtype=x.dtype,
                 rtol=max(tol["rtol"], FINITE_DIFFERENCE["rtol"]),
                 atol=max(tol["atol"], FINITE_DIFFERENCE["atol"]),
                 what="derivative vs central differences")


# --- softmax and log-softmax ----------------------------------------------------------------

@spec_property(requires=["softmax"], x=strategies.logits())
def test_softmax_rows_sum_to_one(impl, x):
    s = impl.softmax(x)
    assert s.shape == x.shape and s.dtype == x.dtype
    assert (s >= 0).all(), f"softmax has a negative entry: {s.min()}"
    assert_close(s.sum(axis=-1), np.ones(x.shape[:-1]), dtype=x.dtype, what="row sums")


@spec_property(requires=["softmax"], x=strategies.logits(), c=st.floats(-100, 100))
def test_softmax_is_shift_invariant(impl, x, c):
    """softmax(x + c) = softmax(x) for any constant c."""
    shifted = (x + x.dtype.type(c)).astype(x.dtype)
    assert_close(impl.softmax(shifted), impl.softmax(x), dtype=x.dtype, what="softmax(x + c)")


@spec_property(requires=["softmax"], x=strategies.large_logits())
def test_softmax_is_finite_for_large_logits_and_matches_float64_reference(impl, x):
    """Logits up to 1e4 overflow exp() unless the maximum is subtracted first."""
    s = impl.softmax(x)
    assert np.isfinite(s).all(), f"softmax returned NaN or inf for logits up to {np.abs(x).max():g}"
    assert_close(s, _softmax64(x), dtype=x.dtype, what="softmax")


@spec_property(requires=["log_softmax", "softmax"], x=strategies.logits())
def test_log_softmax_equals_log_of_softmax_where_finite(impl, x):
    s = impl.softmax(x)
    log_s = impl.log_softmax(x)
    normal = s >= np.finfo(x.dtype).tiny  # where log(softmax) has not underflowed
    assert_close(log_s[normal], np.log(s[normal].astype(np.float64)), dtype=x.dtype,
                 what="log_softmax vs log(softmax)")


@spec_property(requires=["log_softmax"], x=strategies.large_logits())
def test_log_softmax_is_finite_for_large_logits_and_matches_float64_reference(impl, x):
    log_s = impl.log_softmax(x)
    assert np.isfinite(log_s).all(), "log_softmax returned NaN or inf"
    assert_close(log_s, _log_softmax64(x), dtype=x.dtype, what="log_softmax")


# --- sigmoid and tanh -----------------------------------------------------------------------

@spec_property(requires=["sigmoid"], x=strategies.arrays())
def test_sigmoid_is_in_zero_one(impl, x):
    """sigmoid(x) in (0, 1); saturating to exactly 0 or 1 is allowed only beyond abs(x) = 15."""
    s = impl.sigmoid(x)
    assert np.isfinite(s).all() and (s >= 0).all() and (s <= 1).all(), f"sigmoid out of [0, 1]: {s}"
    moderate = np.abs(x) <= 15
    assert ((s[moderate] > 0) & (s[moderate] < 1)).all(), "sigmoid reached 0 or 1 at abs(x) <= 15"
    assert_close(s, _sigmoid64(x), dtype=x.dtype, what="sigmoid vs float64 1 / (1 + exp(-x))")


@spec_property(requires=["tanh"], x=strategies.arrays())
def test_tanh_is_in_minus_one_one_and_is_not_coth(impl, x):
    """tanh = (e^x - e^-x) / (e^x + e^-x) in [-1, 1] (erratum: not its reciprocal coth)."""
    t = impl.tanh(x)
    assert np.isfinite(t).all() and (np.abs(t) <= 1).all(), f"tanh out of [-1, 1]: {t}"
    moderate = np.abs(x) <= 7
    assert (np.abs(t[moderate]) < 1).all(), "tanh reached -1 or 1 at abs(x) <= 7"
    assert_close(t, np.tanh(x.astype(np.float64)), dtype=x.dtype, what="tanh vs float64 np.tanh")


@spec_property(requires=["tanh", "sigmoid"], x=strategies.arrays(min_value=-100, max_value=100))
def test_tanh_equals_two_sigmoid_of_two_x_minus_one(impl, x):
    two_x = (2 * x).astype(x.dtype)
    expected = 2 * impl.sigmoid(two_x).astype(np.float64) - 1
    assert_close(impl.tanh(x), expected, dtype=x.dtype, what="tanh(x) vs 2 sigmoid(2x) - 1")


@spec_property(requires=["sigmoid_derivative", "sigmoid"], x=strategies.arrays(min_value=-50, max_value=50))
def test_sigmoid_derivative_is_s_times_one_minus_s_at_most_a_quarter_with_max_at_zero(impl, x):
    d = impl.sigmoid_derivative(x)
    s = impl.sigmoid(x).astype(np.float64)
    assert_close(d, s * (1 - s), dtype=x.dtype, what="sigmoid'(x) vs s(1 - s)")
    assert (d <= 0.25).all(), f"sigmoid' exceeds 1/4: {d.max()}"
    at_zero = impl.sigmoid_derivative(np.zeros(1, dtype=x.dtype))
    assert_close(at_zero, [0.25], dtype=x.dtype, what="sigmoid'(0)")
    assert (d <= at_zero[0]).all(), "sigmoid' is larger somewhere than at 0"


# --- piecewise-linear activations: their definitions ----------------------------------------

@spec_property(requires=["relu"], x=strategies.arrays())
def test_relu_is_max_of_zero_and_x(impl, x):
    assert_close(impl.relu(x), np.maximum(x, 0), dtype=x.dtype, what="relu")


@spec_property(requires=["leaky_relu"], x=strategies.arrays(), alpha=st.floats(0.0, 0.5))
def test_leaky_relu_is_x_for_positive_x_else_alpha_x(impl, x, alpha):
    expected = np.where(x > 0, x.astype(np.float64), alpha * x.astype(np.float64))
    assert_close(impl.leaky_relu(x, alpha=alpha), expected, dtype=x.dtype, what="leaky_relu")
    default = np.where(x > 0, x.astype(np.float64), 0.01 * x.astype(np.float64))
    assert_close(impl.leaky_relu(x), default, dtype=x.dtype, what="leaky_relu with alpha=0.01")


@spec_property(requires=["threshold"], x=strategies.arrays())
def test_threshold_is_one_for_positive_x_else_zero(impl, x):
    x = _with_zero(x)
    assert_close(impl.threshold(x), (x > 0).astype(np.float64), dtype=x.dtype, what="threshold")


@spec_property(requires=["linear"], x=strategies.arrays())
def test_linear_is_the_identity(impl, x):
    assert_close(impl.linear(x), x, dtype=x.dtype, what="linear")


@spec_property(requires=["maxout"], inputs=strategies.maxout_inputs())
def test_maxout_equals_naive_group_max(impl, inputs):
    x, num_units, axis = inputs
    moved = np.moveaxis(x, axis, -1)  # (..., num_units * k)
    k = moved.shape[-1] // num_units
    expected = np.empty((*moved.shape[:-1], num_units), dtype=np.float64)
    for g in range(num_units):
        expected[..., g] = moved[..., g * k:(g + 1) * k].max(axis=-1)
    expected = np.moveaxis(expected, -1, axis)
    assert_close(impl.maxout(x, num_units, axis=axis), expected, dtype=x.dtype, what="maxout")


# --- derivatives against GradientTape of TensorFlow's own forward functions -----------------

def _tf_sigmoid(t):
    import tensorflow as tf

    return tf.math.sigmoid(t)


def _tf_tanh(t):
    import tensorflow as tf

    return tf.math.tanh(t)


def _tf_relu(t):
    import tensorflow as tf

    return tf.nn.relu(t)


def _tf_threshold(t):
    import tensorflow as tf

    return tf.where(t > 0, tf.ones_like(t), tf.zeros_like(t))


@spec_property(requires=["sigmoid_derivative"], settings=TAPE,
               x=strategies.arrays(min_value=-40, max_value=40, max_dims=2))
def test_sigmoid_derivative_equals_gradient_tape(impl, x):
    _check_against_tape(impl.sigmoid_derivative, _tf_sigmoid, _with_zero(x))


@spec_property(requires=["tanh_derivative"], settings=TAPE,
               x=strategies.arrays(min_value=-20, max_value=20, max_dims=2))
def test_tanh_derivative_equals_gradient_tape(impl, x):
    _check_against_tape(impl.tanh_derivative, _tf_tanh, _with_zero(x))


@spec_property(requires=["relu_derivative"], settings=TAPE, x=strategies.arrays(max_dims=2))
def test_relu_derivative_equals_gradient_tape(impl, x):
    """tf.nn.relu's gradient is 0 at 0, as the contract's relu_derivative."""
    _check_against_tape(impl.relu_derivative, _tf_relu, _with_zero(x))


@spec_property(requires=["leaky_relu_derivative"], settings=TAPE, x=strategies.arrays(max_dims=2),
               alpha=st.sampled_from([0.01, 0.1, 0.3]))
def test_leaky_relu_derivative_equals_gradient_tape(impl, x, alpha):
    """Gradient alpha at 0, as the contract's leaky_relu_derivative.

    The forward is written with tf.where: tf.nn.leaky_relu keeps alpha as a float32 attribute,
    so its float64 gradient is float32(alpha), 2e-10 off.
    """
    import tensorflow as tf

    def tf_leaky_relu(t, alpha):
        return tf.where(t > 0, t, alpha * t)

    x = _with_zero(x)
    _check_against_tape(lambda v: impl.leaky_relu_derivative(v, alpha=alpha),
                        lambda t: tf_leaky_relu(t, alpha), x)
    _check_against_tape(impl.leaky_relu_derivative, lambda t: tf_leaky_relu(t, 0.01), x)


@spec_property(requires=["threshold_derivative"], settings=TAPE, x=strategies.arrays(max_dims=2))
def test_threshold_derivative_equals_gradient_tape(impl, x):
    _check_against_tape(impl.threshold_derivative, _tf_threshold, _with_zero(x))


@spec_property(requires=["linear_derivative"], settings=TAPE, x=strategies.arrays(max_dims=2))
def test_linear_derivative_equals_gradient_tape(impl, x):
    import tensorflow as tf

    _check_against_tape(impl.linear_derivative, lambda t: tf.identity(t) * 1, _with_zero(x))


# --- derivatives against central differences of the implementation's forward (float64) -----

@spec_property(requires=["sigmoid_derivative", "sigmoid"],
               x=strategies.arrays(min_value=-30, max_value=30, max_dims=2))
def test_sigmoid_derivative_equals_central_differences(impl, x):
    _check_against_finite_differences(impl.sigmoid_derivative, impl.sigmoid, x)


@spec_property(requires=["tanh_derivative", "tanh"],
               x=strategies.arrays(min_value=-20, max_value=20, max_dims=2))
def test_tanh_derivative_equals_central_differences(impl, x):
    _check_against_finite_differences(impl.tanh_derivative, impl.tanh, x)


@spec_property(requires=["relu_derivative", "relu"],
               x=strategies.arrays_away_from_zero(min_abs=KINK_MARGIN, max_dims=2))
def test_relu_derivative_equals_central_differences_away_from_zero(impl, x):
    _check_against_finite_differences(impl.relu_derivative, impl.relu, x)


@spec_property(requires=["leaky_relu_derivative", "leaky_relu"],
               x=strategies.arrays_away_from_zero(min_abs=KINK_MARGIN, max_dims=2),
               alpha=st.sampled_from([0.01, 0.1, 0.3]))
def test_leaky_relu_derivative_equals_central_differences_away_from_zero(impl, x, alpha):
    _check_against_finite_differences(lambda v: impl.leaky_relu_derivative(v, alpha=alpha),
                                      lambda v: impl.leaky_relu(v, alpha=alpha), x)


@spec_property(requires=["threshold_derivative", "threshold"],
               x=strategies.arrays_away_from_zero(min_abs=KINK_MARGIN, max_dims=2))
def test_threshold_derivative_equals_central_differences_away_from_zero(impl, x):
    _check_against_finite_differences(impl.threshold_derivative, impl.threshold, x)


@spec_property(requires=["linear_derivative", "linear"], x=strategies.arrays(max_dims=2))
def test_linear_derivative_equals_central_differences(impl, x):
    _check_against_finite_differences(impl.linear_derivative, impl.linear, x)


# --- the softmax Jacobian -------------------------------------------------------------------

@spec_property(requires=["softmax_jacobian"], x=strategies.logits(max_abs=20.0, max_side=5))
def test_softmax_jacobian_is_diag_s_minus_s_s_transpose_with_rows_summing_to_zero(impl, x):
    s = _softmax64(x)  # (..., n)
    n = x.shape[-1]
    expected = s[..., :, None] * np.eye(n) - s[..., :, None] * s[..., None, :]  # (..., n, n)
    jacobian = impl.softmax_jacobian(x)
    assert jacobian.dtype == x.dtype, f"softmax_jacobian returned {jacobian.dtype} for {x.dtype}"
    assert_close(jacobian, expected, dtype=x.dtype, what="softmax Jacobian")
    assert_close(jacobian.astype(np.float64).sum(axis=-1), np.zeros(x.shape), dtype=x.dtype,
                 what="row sums of the softmax Jacobian")


@spec_property(requires=["softmax_jacobian"], settings=TAPE,
               x=strategies.logits(max_abs=20.0, max_dims=2, max_side=5))
def test_softmax_jacobian_equals_gradient_tape(impl, x):
    import tensorflow as tf

    n = x.shape[-1]
    rows = tf.constant(x.reshape(-1, n).astype(np.float64))  # (m, n)
    with tf.GradientTape() as tape:
        tape.watch(rows)
        s = tf.nn.softmax(rows, axis=-1)
    expected = tape.batch_jacobian(s, rows).numpy().reshape(*x.shape, n)  # (..., n, n)
    assert_close(impl.softmax_jacobian(x), expected, dtype=x.dtype,
                 what="softmax Jacobian vs GradientTape")


# --- dtypes ---------------------------------------------------------------------------------

ELEMENTWISE = ("threshold", "threshold_derivative", "sigmoid", "sigmoid_derivative", "tanh",
               "tanh_derivative", "linear", "linear_derivative", "relu", "relu_derivative",
               "leaky_relu", "leaky_relu_derivative")


@spec_property(requires=[*ELEMENTWISE, "maxout", "softmax", "log_softmax", "softmax_jacobian"],
               x=strategies.logits(max_side=4))
def test_activations_return_the_input_float_dtype_and_shape(impl, x):
    """float32 in gives float32 out; float64 in gives float64 out."""
    for name in ELEMENTWISE + ("softmax", "log_softmax"):
        y = getattr(impl, name)(x)
        assert y.dtype == x.dtype and y.shape == x.shape, f"{name}: {y.dtype}{y.shape} for {x.dtype}{x.shape}"
    m = impl.maxout(x, 1)
    assert m.dtype == x.dtype and m.shape == (*x.shape[:-1], 1), f"maxout: {m.dtype}{m.shape}"
    j = impl.softmax_jacobian(x)
    assert j.dtype == x.dtype and j.shape == (*x.shape, x.shape[-1]), f"softmax_jacobian: {j.dtype}{j.shape}"


# --- the calculus helper --------------------------------------------------------------------

@spec_property(requires=["central_difference"], settings=TAPE,
               x=strategies.arrays(dtype=np.float64, min_value=-5, max_value=5, max_dims=1, max_side=4))
def test_central_difference_matches_the_analytic_gradient(impl, x):
    """f(x) = sum x^3 + (sum x)^2 has gradient 3 x^2 + 2 sum x."""

    def f(v):
        v = np.asarray(v, dtype=np.float64)
        return np.sum(v ** 3) + np.sum(v) ** 2

    gradient = impl.central_difference(f, x)
    assert_close(gradient, 3 * x ** 2 + 2 * x.sum(), what="central_difference", **FINITE_DIFFERENCE)
