"""Properties of the exponentially weighted moving average (docs/contract.md, Averages).

v_0 = 0; v_t = beta v_{t-1} + (1 - beta) theta_t; bias-corrected v_t / (1 - beta^t).
Oracles: the recursion in float64, pandas ``Series.ewm(alpha=1 - beta, adjust=True).mean()``,
and the closed form of the weights (1 - beta) beta^(t - i).

Tolerances: an EWMA is a positively weighted sum of the theta_i with weights summing to at most
1, so its float32 rounding error scales with the largest abs(theta), not with abs(v_t) (which may
be near 0 by cancellation). Comparisons therefore scale atol by max(1, max abs(theta)).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close, tolerance


def _ewma64(x, beta, bias_correction=False):
    """The recursion, step by step, in float64."""
    x = np.asarray(x, dtype=np.float64)
    v = np.zeros(x.shape[1:])
    out = np.empty(x.shape)
    for t in range(x.shape[0]):
        v = beta * v + (1 - beta) * x[t]
        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v
    return out


def _close_to_series(actual, expected, x, what):
    """assert_close with atol scaled to the size of the series (see the module docstring)."""
    tol = tolerance(x.dtype)
    scale = max(1.0, float(np.abs(x).max()))
    assert_close(actual, expected, dtype=x.dtype, atol=tol["atol"] * scale, what=what)


def _weights_dtype(weights):
    """Judge ewma_weights at the tolerance of the dtype it returns (float32 or float64)."""
    return weights.dtype if weights.dtype in (np.float32, np.float64) else np.float64


@spec_property(requires=["ewma_weights"], beta=strategies.betas(), t=st.integers(1, 80))
def test_ewma_weights_are_one_minus_beta_times_powers_of_beta_summing_to_one_minus_beta_to_the_t(impl, beta, t):
    weights = impl.ewma_weights(beta, t)
    assert weights.shape == (t,), f"ewma_weights(beta, {t}) has shape {weights.shape}"
    i = np.arange(1, t + 1)
    dtype = _weights_dtype(weights)
    assert_close(weights, (1 - beta) * beta ** (t - i), dtype=dtype, what="(1 - beta) beta^(t - i)")
    assert_close(weights.astype(np.float64).sum(), 1 - beta ** t, dtype=dtype, what="sum of weights")


@spec_property(requires=["ewma", "ewma_weights"], dtype=strategies.dtypes(), beta=strategies.betas(),
               t=st.integers(1, 40))
def test_ewma_of_unit_impulses_gives_the_weights(impl, dtype, beta, t):
    """Feeding theta = e_i (1 at step i, 0 elsewhere) reads off the weight of theta_i in v_t."""
    impulses = np.eye(t, dtype=dtype)  # column i is the series e_i
    v = impl.ewma(impulses, beta)  # (t, t): v[s, i] = v_s for the series e_i
    assert v.shape == (t, t) and v.dtype == dtype, f"ewma: {v.dtype}{v.shape}"
    i = np.arange(1, t + 1)
    assert_close(v[-1], (1 - beta) * beta ** (t - i), dtype=dtype,
                 what="weights read from impulses vs (1 - beta) beta^(t - i)")
    weights = impl.ewma_weights(beta, t)
    coarser = np.float32 if np.float32 in (dtype, _weights_dtype(weights)) else np.float64
    assert_close(v[-1], weights.astype(np.float64), dtype=coarser,
                 what="weights read from impulses vs ewma_weights")
    assert_close(v[-1].astype(np.float64).sum(), 1 - beta ** t, dtype=dtype,
                 what="sum of impulse responses vs 1 - beta^t")


@spec_property(requires=["ewma"], x=strategies.series_2d(), beta=strategies.betas())
def test_ewma_equals_the_naive_float64_recursion(impl, x, beta):
    v = impl.ewma(x, beta)
    assert v.shape == x.shape and v.dtype == x.dtype, f"ewma: {v.dtype}{v.shape} for {x.dtype}{x.shape}"
    _close_to_series(v, _ewma64(x, beta), x, "ewma vs float64 recursion")
    _close_to_series(impl.ewma(x, beta, bias_correction=True), _ewma64(x, beta, True), x,
                     "bias-corrected ewma vs float64 recursion")


@spec_property(requires=["ewma"], x=strategies.series(max_len=40), beta=strategies.betas())
def test_bias_corrected_ewma_matches_pandas_ewm_adjust_true(impl, x, beta):
    import pandas as pd

    expected = pd.Series(x.astype(np.float64)).ewm(alpha=1 - beta, adjust=True).mean().to_numpy()
    _close_to_series(impl.ewma(x, beta, bias_correction=True), expected, x,
                     "bias-corrected ewma vs pandas ewm(alpha=1 - beta, adjust=True)")


@spec_property(requires=["ewma"], x=strategies.series_2d())
def test_ewma_with_beta_zero_returns_the_series(impl, x):
    assert_close(impl.ewma(x, 0.0), x, dtype=x.dtype, what="ewma(x, beta=0)")
    assert_close(impl.ewma(x, 0.0, bias_correction=True), x, dtype=x.dtype,
                 what="bias-corrected ewma(x, beta=0)")


@spec_property(requires=["ewma"], dtype=strategies.dtypes(), t=st.integers(1, 60),
               c=st.floats(-100, 100), beta=strategies.betas())
def test_bias_corrected_ewma_of_a_constant_series_is_the_constant(impl, dtype, t, c, beta):
    x = np.full(t, c, dtype=dtype)
    _close_to_series(impl.ewma(x, beta, bias_correction=True), x.astype(np.float64), x,
                     "bias-corrected ewma of a constant")
    if beta > 0.01:  # without correction v_t = c (1 - beta^t) starts biased towards 0
        uncorrected = impl.ewma(x, beta)
        _close_to_series(uncorrected, c * (1 - beta ** np.arange(1, t + 1)), x,
                         "uncorrected ewma of a constant")


@spec_property(requires=["ewma"], x=strategies.series(max_len=5),
               beta=st.one_of(st.floats(1.0, 10.0), st.floats(-10.0, -1e-9)))
def test_ewma_rejects_beta_outside_zero_one(impl, x, beta):
    expect_value_error(lambda: impl.ewma(x, beta), "beta", rule=f"ewma with beta = {beta}")
    expect_value_error(lambda: impl.ewma(x, beta, bias_correction=True), "beta",
                       rule=f"bias-corrected ewma with beta = {beta}")
