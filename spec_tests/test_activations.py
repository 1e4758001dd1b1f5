"""Properties of the activation functions and their derivatives (docs/contract.md, Activations).

Oracles are independent of the implementation under test: scipy.special (softmax, log_softmax,
expit), NumPy (tanh, maximum, heaviside), naive float64 loops of the contract's definitions, and
central finite differences in float64 of those independent forward functions. No TensorFlow.
Derivatives are checked on float32 values as well as float64, and at the kink x = 0, where the
contract defines them (relu' = 0, leaky_relu' = alpha, threshold' = 0). Softmax, log-softmax and
the softmax Jacobian are checked at logits of 1e4 (positive, negative and mixed) and on one logit.
(The calculus helper ``central_difference`` is checked here too, beside the other derivatives.)
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.tolerances import FINITE_DIFFERENCE, assert_at_least, assert_close, tolerance

# The kinks of relu, leaky_relu and threshold sit at 0; finite differences stay this far away.
KINK_MARGIN = 1e-3
STEP = 1e-6  # finite-difference step, in float64

# Rows of logits where exp() overflows (or underflows to 0 everywhere) without max-subtraction,
# and rows of a single logit.
EXTREME_LOGITS = (
    [1e4, 0.0, -1e4],
    [1e4, 1e4],
    [-1e4, -1e4],
    [1e4, 1e4 - 1.0, 1e4 - 3.0],
    [-1e4, -1e4 + 2.0, -1e4 + 1.0],
    [1e4, -1e4, 5.0, -5.0],
    [7.0],
    [1e4],
    [-1e4],
)


# --- helpers (float64, independent of the implementation) ----------------------------------

def _scipy_softmax(x, axis=-1):
    from scipy.special import softmax

    return softmax(np.asarray(x, dtype=np.float64), axis=axis)


def _scipy_log_softmax(x, axis=-1):
    from scipy.special import log_softmax

    return log_softmax(np.asarray(x, dtype=np.float64), axis=axis)


def _scipy_expit(x):
    from scipy.special import expit

    return expit(np.asarray(x, dtype=np.float64))


def _central_difference(forward, x):
    """Elementwise (f(x + h) - f(x - h)) / (x + h - (x - h)) of an elementwise forward, float64.

    Dividing by the difference of the two points as represented (not 2h) keeps the step exact
    at large abs(x).
    """
    x = np.asarray(x, dtype=np.float64)
    up, down = x + STEP, x - STEP
    return (np.asarray(forward(up), np.float64) - np.asarray(forward(down), np.float64)) / (up - down)


def _softmax_jacobian_by_central_differences(x):
    """J[..., i, j] = d softmax(x)_i / d x_j by central differences of scipy's softmax, float64."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    jacobian = np.empty((*x.shape, n))
    for j in range(n):
        up, down = x.copy(), x.copy()
        up[..., j] += STEP
        down[..., j] -= STEP
        step = (up[..., j] - down[..., j])[..., None]
        jacobian[..., :, j] = (_scipy_softmax(up) - _scipy_softmax(down)) / step
    return jacobian


def _with_zero(x):
    """x flattened with exact +0 and -0 appended: the contract defines the derivatives at 0 too."""
    return np.append(x.ravel(), np.array([0.0, -0.0], dtype=x.dtype))


def _drawn_and_float32(x):
    """x at its drawn dtype and, when that is float64, its values in float32 as well.

    Values that become subnormal in float32 are flushed to 0 (signed), as many CPU backends do:
    the strategies never draw subnormals either.
    """
    if x.dtype == np.float32:
        return [x]
    single = x.astype(np.float32)
    single[np.abs(single) < np.finfo(np.float32).tiny] *= 0
    return [x, single]


def _finite_difference_tolerance(dtype):
    tol = tolerance(dtype)
    return {"rtol": max(tol["rtol"], FINITE_DIFFERENCE["rtol"]),
            "atol": max(tol["atol"], FINITE_DIFFERENCE["atol"])}


def _check_against_finite_differences(derivative, forward64, x, what):
    """derivative(v) against central differences of an independent float64 ``forward64``, for v
    the drawn x and its float32 values."""
    for v in _drawn_and_float32(x):
        assert_close(derivative(v), _central_difference(forward64, v), dtype=v.dtype,
                     what=f"{what} ({v.dtype.name}) vs central differences",
                     **_finite_difference_tolerance(v.dtype))


def _check_against_loop(derivative, x, slope_at_or_below_zero, what):
    """derivative(v) against the float64 loop "1 if v > 0 else slope", with +0 and -0 included."""
    for v in _drawn_and_float32(x):
        v = _with_zero(v)
        expected = np.array([1.0 if float(e) > 0 else float(slope_at_or_below_zero) for e in v])
        assert_close(derivative(v), expected, dtype=v.dtype,
                     what=f"{what} ({v.dtype.name}) vs 1 if x > 0 else {slope_at_or_below_zero}")


# --- softmax and log-softmax ----------------------------------------------------------------

@spec_property(requires=["softmax"], level="maths",
               oracle={"softmax": "scipy.special.softmax"}, x=strategies.logits())
def test_softmax_matches_scipy_special_softmax(impl, x):
    assert_close(impl.softmax(x), _scipy_softmax(x), dtype=x.dtype, what="softmax vs scipy")


@spec_property(requires=["softmax"], level="maths",
               oracle={"softmax": "scipy.special.softmax(x, axis=axis)"},
               x=strategies.logits(min_dims=2, max_dims=3, max_side=4), data=st.data())
def test_softmax_along_a_given_axis_matches_scipy(impl, x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    assert_close(impl.softmax(x, axis=axis), _scipy_softmax(x, axis=axis), dtype=x.dtype,
                 what=f"softmax(axis={axis}) vs scipy")


@spec_property(requires=["softmax"], level="maths", x=strategies.logits())
def test_softmax_rows_sum_to_one_and_are_non_negative(impl, x):
    s = impl.softmax(x)
    assert_at_least(s, np.zeros(x.shape), x.dtype, "softmax >= 0")
    assert_close(np.asarray(s, np.float64).sum(axis=-1), np.ones(x.shape[:-1]), dtype=x.dtype,
                 what="row sums of softmax")


@spec_property(requires=["softmax"], level="maths", x=strategies.logits(), c=st.floats(-100, 100))
def test_softmax_is_shift_invariant(impl, x, c):
    """softmax(x + c) = softmax(x) for any constant c."""
    shifted = (x + x.dtype.type(c)).astype(x.dtype)
    assert_close(impl.softmax(shifted), impl.softmax(x), dtype=x.dtype, what="softmax(x + c)")


@spec_property(requires=["softmax"], level="maths",
               oracle={"softmax": "scipy.special.softmax at logits up to 1e4"},
               x=strategies.large_logits())
def test_softmax_matches_scipy_for_logits_up_to_1e4(impl, x):
    """Logits of 1e4 overflow exp() unless the maximum is subtracted first; one logit gives 1."""
    for row in EXTREME_LOGITS:
        v = np.array(row, dtype=x.dtype)
        assert_close(impl.softmax(v), _scipy_softmax(v), dtype=x.dtype, what=f"softmax({row})")
    assert_close(impl.softmax(x), _scipy_softmax(x), dtype=x.dtype, what="softmax vs scipy")


@spec_property(requires=["log_softmax"], level="maths",
               oracle={"log_softmax": "scipy.special.log_softmax"}, x=strategies.logits())
def test_log_softmax_matches_scipy_special_log_softmax(impl, x):
    assert_close(impl.log_softmax(x), _scipy_log_softmax(x), dtype=x.dtype,
                 what="log_softmax vs scipy")


@spec_property(requires=["log_softmax"], level="maths",
               oracle={"log_softmax": "scipy.special.log_softmax(x, axis=axis)"},
               x=strategies.logits(min_dims=2, max_dims=3, max_side=4), data=st.data())
def test_log_softmax_along_a_given_axis_matches_scipy(impl, x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    assert_close(impl.log_softmax(x, axis=axis), _scipy_log_softmax(x, axis=axis), dtype=x.dtype,
                 what=f"log_softmax(axis={axis}) vs scipy")


@spec_property(requires=["log_softmax", "softmax"], level="maths", x=strategies.logits())
def test_log_softmax_equals_log_of_softmax_where_finite(impl, x):
    s = np.asarray(impl.softmax(x), np.float64)
    log_s = impl.log_softmax(x)
    normal = s >= np.finfo(x.dtype).tiny  # where log(softmax) has not underflowed
    assert_close(log_s[normal], np.log(s[normal]), dtype=x.dtype, what="log_softmax vs log(softmax)")


@spec_property(requires=["log_softmax"], level="maths",
               oracle={"log_softmax": "scipy.special.log_softmax at logits up to 1e4"},
               x=strategies.large_logits())
def test_log_softmax_matches_scipy_for_logits_up_to_1e4(impl, x):
    """Finite everywhere (log(softmax) would give -inf); 0 for one logit."""
    for row in EXTREME_LOGITS:
        v = np.array(row, dtype=x.dtype)
        assert_close(impl.log_softmax(v), _scipy_log_softmax(v), dtype=x.dtype,
                     what=f"log_softmax({row})")
    assert_close(impl.log_softmax(x), _scipy_log_softmax(x), dtype=x.dtype, what="log_softmax vs scipy")


# --- sigmoid and tanh -----------------------------------------------------------------------

@spec_property(requires=["sigmoid"], level="maths",
               oracle={"sigmoid": "scipy.special.expit"}, x=strategies.arrays())
def test_sigmoid_matches_scipy_special_expit(impl, x):
    assert_close(impl.sigmoid(x), _scipy_expit(x), dtype=x.dtype, what="sigmoid vs scipy expit")


@spec_property(requires=["sigmoid"], level="maths", x=strategies.arrays())
def test_sigmoid_is_in_zero_one(impl, x):
    """sigmoid(x) in (0, 1); saturating to exactly 0 or 1 is allowed only beyond abs(x) = 15."""
    s = np.asarray(impl.sigmoid(x), np.float64)
    outside = ~((s >= 0) & (s <= 1))
    assert not outside.any(), f"sigmoid out of [0, 1] at x={x.ravel()[outside.ravel()][:5]}: {s[outside][:5]}"
    moderate = np.abs(x) <= 15
    saturated = moderate & ((s <= 0) | (s >= 1))
    assert not saturated.any(), (f"sigmoid reached 0 or 1 at abs(x) <= 15: x={x[saturated][:5]}, "
                                 f"sigmoid={s[saturated][:5]}")


@spec_property(requires=["tanh"], level="maths", oracle={"tanh": "numpy.tanh"},
               x=strategies.arrays())
def test_tanh_matches_numpy_tanh(impl, x):
    assert_close(impl.tanh(x), np.tanh(x.astype(np.float64)), dtype=x.dtype, what="tanh vs np.tanh")


@spec_property(requires=["tanh"], level="maths", x=strategies.arrays())
def test_tanh_is_in_minus_one_one_and_is_not_coth(impl, x):
    """tanh = (e^x - e^-x) / (e^x + e^-x) in [-1, 1] (erratum: not its reciprocal coth)."""
    t = np.asarray(impl.tanh(x), np.float64)
    outside = ~(np.abs(t) <= 1)
    assert not outside.any(), f"tanh out of [-1, 1] at x={x[outside][:5]}: {t[outside][:5]}"
    moderate = np.abs(x) <= 7
    saturated = moderate & (np.abs(t) >= 1)
    assert not saturated.any(), f"tanh reached -1 or 1 at abs(x) <= 7: x={x[saturated][:5]}"


@spec_property(requires=["tanh", "sigmoid"], level="maths",
               x=strategies.arrays(min_value=-100, max_value=100))
def test_tanh_equals_two_sigmoid_of_two_x_minus_one(impl, x):
    two_x = (2 * x).astype(x.dtype)
    expected = 2 * np.asarray(impl.sigmoid(two_x), np.float64) - 1
    assert_close(impl.tanh(x), expected, dtype=x.dtype, what="tanh(x) vs 2 sigmoid(2x) - 1")


@spec_property(requires=["sigmoid_derivative", "sigmoid"], level="maths",
               x=strategies.arrays(min_value=-50, max_value=50))
def test_sigmoid_derivative_is_s_times_one_minus_s_at_most_a_quarter_with_max_at_zero(impl, x):
    d = np.asarray(impl.sigmoid_derivative(x), np.float64)
    s = np.asarray(impl.sigmoid(x), np.float64)
    assert_close(d, s * (1 - s), dtype=x.dtype, what="sigmoid'(x) vs s(1 - s)")
    assert_at_least(np.full(d.shape, 0.25), d, x.dtype, "sigmoid' <= 1/4")
    at_zero = impl.sigmoid_derivative(np.zeros(1, dtype=x.dtype))
    assert_close(at_zero, [0.25], dtype=x.dtype, what="sigmoid'(0)")
    assert (d <= float(at_zero[0])).all(), f"sigmoid' is larger somewhere than at 0: {d.max()} > {at_zero}"


# --- piecewise-linear activations and maxout ------------------------------------------------

@spec_property(requires=["relu"], level="maths", oracle={"relu": "numpy.maximum(x, 0)"},
               x=strategies.arrays())
def test_relu_matches_numpy_maximum(impl, x):
    """The expected values are taken before the call, and x must come back untouched: a relu
    that zeroes the caller's array in place (x[x < 0] = 0) returns the right values."""
    x = _with_zero(x)
    before = x.copy()
    expected = np.maximum(before.astype(np.float64), 0.0)
    assert_close(impl.relu(x), expected, dtype=x.dtype, what="relu")
    changed = ~((x == before) | (np.isnan(x) & np.isnan(before)))
    assert not changed.any(), (f"relu changed its input x in place at {int(changed.sum())} of "
                               f"{x.size} entries: {before[changed][:5]} became {x[changed][:5]}")


@spec_property(requires=["leaky_relu"], level="maths",
               oracle={"leaky_relu": "float64 loop: x if x > 0 else alpha * x"},
               x=strategies.arrays(), alpha=st.floats(0.0, 0.5))
def test_leaky_relu_matches_a_float64_loop(impl, x, alpha):
    x = _with_zero(x)
    for slope, y in ((alpha, impl.leaky_relu(x, alpha=alpha)), (0.01, impl.leaky_relu(x))):
        expected = np.array([float(v) if v > 0 else slope * float(v) for v in x])
        assert_close(y, expected, dtype=x.dtype, what=f"leaky_relu with alpha={slope}")


@spec_property(requires=["threshold"], level="maths",
               oracle={"threshold": "numpy.heaviside(x, 0)"}, x=strategies.arrays())
def test_threshold_matches_numpy_heaviside_with_zero_at_zero(impl, x):
    x = _with_zero(x)
    assert_close(impl.threshold(x), np.heaviside(x.astype(np.float64), 0.0), dtype=x.dtype,
                 what="threshold vs heaviside(x, 0)")


@spec_property(requires=["linear"], level="maths", oracle={"linear": "closed form: x itself"},
               x=strategies.arrays())
def test_linear_is_the_identity(impl, x):
    assert_close(impl.linear(x), x, dtype=x.dtype, what="linear")


@spec_property(requires=["maxout"], level="maths",
               oracle={"maxout": "float64 loop: max of each of num_units consecutive groups"},
               inputs=strategies.maxout_inputs())
def test_maxout_matches_a_float64_loop_over_consecutive_groups(impl, inputs):
    x, num_units, axis = inputs
    for v, units, ax in ((np.arange(6, dtype=x.dtype), 2, -1), (np.arange(6, dtype=x.dtype), 3, 0),
                         (x, num_units, axis)):
        moved = np.moveaxis(v.astype(np.float64), ax, -1)  # (..., num_units * k)
        k = moved.shape[-1] // units
        expected = np.empty((*moved.shape[:-1], units))
        for index in np.ndindex(moved.shape[:-1]):
            for g in range(units):
                expected[(*index, g)] = max(float(e) for e in moved[index][g * k:(g + 1) * k])
        expected = np.moveaxis(expected, -1, ax)
        assert_close(impl.maxout(v, units, axis=ax), expected, dtype=x.dtype,
                     what=f"maxout(num_units={units}, axis={ax}) of shape {v.shape}")


# --- derivatives against central differences of independent float64 forwards --------------

@spec_property(requires=["sigmoid_derivative"], level="maths",
               oracle={"sigmoid_derivative": "finite differences of scipy.special.expit"},
               x=strategies.arrays(min_value=-30, max_value=30, max_dims=2))
def test_sigmoid_derivative_equals_central_differences_of_scipy_expit(impl, x):
    _check_against_finite_differences(impl.sigmoid_derivative, _scipy_expit, _with_zero(x),
                                      "sigmoid'")


@spec_property(requires=["tanh_derivative"], level="maths",
               oracle={"tanh_derivative": "finite differences of numpy.tanh"},
               x=strategies.arrays(min_value=-20, max_value=20, max_dims=2))
def test_tanh_derivative_equals_central_differences_of_numpy_tanh(impl, x):
    _check_against_finite_differences(impl.tanh_derivative, np.tanh, _with_zero(x), "tanh'")


@spec_property(requires=["linear_derivative"], level="maths",
               oracle={"linear_derivative": "finite differences of the identity"},
               x=strategies.arrays(max_dims=2))
def test_linear_derivative_equals_central_differences(impl, x):
    _check_against_finite_differences(impl.linear_derivative, lambda v: v, _with_zero(x),
                                      "linear'")


@spec_property(requires=["relu_derivative"], level="maths",
               oracle={"relu_derivative": "finite differences of numpy.maximum(x, 0)"},
               x=strategies.arrays_away_from_zero(min_abs=KINK_MARGIN, max_dims=2))
def test_relu_derivative_equals_central_differences_away_from_zero(impl, x):
    _check_against_finite_differences(impl.relu_derivative, lambda v: np.maximum(v, 0.0), x,
                                      "relu'")


@spec_property(requires=["leaky_relu_derivative"], level="maths",
               oracle={"leaky_relu_derivative": "finite differences of x if x > 0 else alpha x"},
               x=strategies.arrays_away_from_zero(min_abs=KINK_MARGIN, max_dims=2),
               alpha=st.sampled_from([0.01, 0.1, 0.3]))
def test_leaky_relu_derivative_equals_central_differences_away_from_zero(impl, x, alpha):
    _check_against_finite_differences(lambda v: impl.leaky_relu_derivative(v, alpha=alpha),
                                      lambda v: np.where(v > 0, v, alpha * v), x,
                                      f"leaky_relu' (alpha={alpha})")


@spec_property(requires=["threshold_derivative"], level="maths",
               oracle={"threshold_derivative": "finite differences of numpy.heaviside(x, 0)"},
               x=strategies.arrays_away_from_zero(min_abs=KINK_MARGIN, max_dims=2))
def test_threshold_derivative_equals_central_differences_away_from_zero(impl, x):
    _check_against_finite_differences(impl.threshold_derivative,
                                      lambda v: np.heaviside(v, 0.0), x, "threshold'")


# --- the piecewise derivatives, the kink at 0 included ---------------------------------------

@spec_property(requires=["relu_derivative"], level="maths",
               oracle={"relu_derivative": "float64 loop: 1 if x > 0 else 0"},
               x=strategies.arrays(max_dims=2))
def test_relu_derivative_is_one_for_positive_x_else_zero_with_zero_at_zero(impl, x):
    _check_against_loop(impl.relu_derivative, x, 0.0, "relu'")


@spec_property(requires=["leaky_relu_derivative"], level="maths",
               oracle={"leaky_relu_derivative": "float64 loop: 1 if x > 0 else alpha"},
               x=strategies.arrays(max_dims=2), alpha=st.sampled_from([0.01, 0.1, 0.3]))
def test_leaky_relu_derivative_is_one_for_positive_x_else_alpha_with_alpha_at_zero(impl, x, alpha):
    """The contract: 1 if x > 0 else alpha, so alpha at x = 0 (jax.nn.leaky_relu's gradient is 1)."""
    _check_against_loop(lambda v: impl.leaky_relu_derivative(v, alpha=alpha), x, alpha,
                        f"leaky_relu' (alpha={alpha})")
    _check_against_loop(impl.leaky_relu_derivative, x, 0.01, "leaky_relu' (default alpha=0.01)")


@spec_property(requires=["threshold_derivative"], level="maths",
               oracle={"threshold_derivative": "float64 loop: 0 everywhere, 0 at x = 0"},
               x=strategies.arrays(max_dims=2))
def test_threshold_derivative_is_zero_everywhere_with_zero_at_zero(impl, x):
    for v in _drawn_and_float32(x):
        v = _with_zero(v)
        assert_close(impl.threshold_derivative(v), np.array([0.0 for _ in v]), dtype=v.dtype,
                     what=f"threshold' ({v.dtype.name})")


# --- the softmax Jacobian -------------------------------------------------------------------

@spec_property(requires=["softmax_jacobian"], level="maths",
               x=strategies.logits(max_abs=20.0, max_side=5))
def test_softmax_jacobian_is_diag_s_minus_s_s_transpose_with_rows_summing_to_zero(impl, x):
    s = _scipy_softmax(x)  # (..., n)
    n = x.shape[-1]
    expected = s[..., :, None] * np.eye(n) - s[..., :, None] * s[..., None, :]  # (..., n, n)
    jacobian = np.asarray(impl.softmax_jacobian(x), np.float64)
    assert_close(jacobian, expected, dtype=x.dtype, what="softmax Jacobian vs diag(s) - s s^T")
    assert_close(jacobian.sum(axis=-1), np.zeros(x.shape), dtype=x.dtype,
                 what="row sums of the softmax Jacobian")


@spec_property(requires=["softmax_jacobian"], level="maths",
               oracle={"softmax_jacobian": "finite differences of scipy.special.softmax"},
               x=strategies.logits(max_abs=20.0, max_dims=2, max_side=5))
def test_softmax_jacobian_equals_central_differences_of_scipy_softmax(impl, x):
    for v in _drawn_and_float32(x):
        assert_close(impl.softmax_jacobian(v), _softmax_jacobian_by_central_differences(v),
                     dtype=v.dtype, what=f"softmax Jacobian ({v.dtype.name}) vs central differences",
                     **_finite_difference_tolerance(v.dtype))


@spec_property(requires=["softmax_jacobian"], level="maths",
               oracle={"softmax_jacobian": "finite differences of scipy.special.softmax at logits up to 1e4"},
               x=strategies.large_logits(max_dims=2, max_side=5))
def test_softmax_jacobian_matches_central_differences_for_logits_up_to_1e4(impl, x):
    """Without max-subtraction exp(1e4) overflows and the Jacobian is NaN; one logit gives [[0]]."""
    for row in EXTREME_LOGITS:
        v = np.array(row, dtype=x.dtype)
        assert_close(impl.softmax_jacobian(v), _softmax_jacobian_by_central_differences(v),
                     dtype=x.dtype, what=f"softmax_jacobian({row})",
                     **_finite_difference_tolerance(x.dtype))
    assert_close(impl.softmax_jacobian(x), _softmax_jacobian_by_central_differences(x),
                 dtype=x.dtype, what="softmax Jacobian vs central differences",
                 **_finite_difference_tolerance(x.dtype))


# --- the calculus helper --------------------------------------------------------------------

@spec_property(requires=["central_difference"], level="maths", settings={"max_examples": 15},
               oracle={"central_difference": "closed form: gradient 3 x^2 + 2 sum x of "
                                             "sum x^3 + (sum x)^2"},
               x=strategies.arrays(dtype=np.float64, min_value=-5, max_value=5, max_dims=1, max_side=4))
def test_central_difference_matches_the_analytic_gradient(impl, x):
    """f(x) = sum x^3 + (sum x)^2 has gradient 3 x^2 + 2 sum x.

    The contract computes in float64 whatever x is: a float32 x (the drawn values, and
    (8, -16, 0.5), where a float32 x + 1e-6 rounds back to x) must give the float64 gradient at
    its values, not one of steps rounded to float32.
    """

    def f(v):
        v = np.asarray(v, dtype=np.float64)
        return np.sum(v ** 3) + np.sum(v) ** 2

    for v in (x, x.astype(np.float32), np.array([8.0, -16.0, 0.5], dtype=np.float32)):
        exact = v.astype(np.float64)
        gradient = impl.central_difference(f, v)
        assert_close(gradient, 3 * exact ** 2 + 2 * exact.sum(), **FINITE_DIFFERENCE,
                     what=f"central_difference at {v.dtype.name} x = {v}")
