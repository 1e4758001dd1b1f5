"""Properties of the exponentially weighted moving average (docs/contract.md, Averages).

v_0 = 0; v_t = beta v_{t-1} + (1 - beta) theta_t; bias-corrected v_t / (1 - beta^t).
Oracles: the recursion as a float64 loop, pandas ``Series.ewm`` (``adjust=True`` for the
bias-corrected average; ``adjust=False`` on the series with a 0 prepended for v_0 = 0), and the
weights read off a float64 loop run on unit impulses.

The maths properties use one series, 1-D. The contract runs the average along axis 0, so a
(t, m) input holds m series side by side: that is a convention, checked in
spec_tests/test_conventions.py.

Tolerances: an EWMA is a positively weighted sum of the theta_i with weights summing to at most
1, so its float32 rounding error scales with the largest abs(theta), not with abs(v_t) (which
may be near 0 by cancellation). Comparisons therefore scale atol by max(1, max abs(theta)),
and the series drawn here stay within [-100, 100], so the scale is at most 100.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close, tolerance

#: 1-D series, one-element series drawn often.
SERIES = st.one_of(strategies.series(max_len=1), strategies.series(max_len=40))


def _ewma64(x, beta, bias_correction=False):
    """The recursion, step by step, in float64 (a series along axis 0)."""
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
    scale = min(100.0, max(1.0, float(np.abs(x).max())))
    assert_close(actual, expected, dtype=x.dtype, atol=tol["atol"] * scale, what=what)


# --- ewma ----------------------------------------------------------------------------------------

@spec_property(requires=["ewma"],
               oracle={"ewma": "float64 loop: v_t = beta v_(t-1) + (1 - beta) theta_t from v_0 = 0"},
               x=SERIES, beta=strategies.betas())
def test_ewma_equals_the_naive_float64_recursion(impl, x, beta):
    _close_to_series(impl.ewma(x, beta), _ewma64(x, beta), x, "ewma vs float64 recursion")
    _close_to_series(impl.ewma(x, beta, bias_correction=True), _ewma64(x, beta, True), x,
                     "bias-corrected ewma vs float64 recursion")


@spec_property(requires=["ewma"],
               oracle={"ewma": "pandas Series.ewm(alpha=1 - beta, adjust=True).mean()"},
               x=SERIES, beta=strategies.betas())
def test_bias_corrected_ewma_matches_pandas_ewm_adjust_true(impl, x, beta):
    import pandas as pd

    expected = pd.Series(x.astype(np.float64)).ewm(alpha=1 - beta, adjust=True).mean().to_numpy()
    _close_to_series(impl.ewma(x, beta, bias_correction=True), expected, x,
                     "bias-corrected ewma vs pandas ewm(alpha=1 - beta, adjust=True)")


@spec_property(requires=["ewma"],
               oracle={"ewma": "pandas Series.ewm(alpha=1 - beta, adjust=False).mean() of "
                               "(0, theta_1, ..., theta_t)"},
               x=SERIES, beta=strategies.betas())
def test_ewma_matches_pandas_ewm_adjust_false_started_at_zero(impl, x, beta):
    """pandas' recursive form starts at its first value: prepending 0 makes that v_0 = 0."""
    import pandas as pd

    started = pd.Series(np.concatenate([[0.0], x.astype(np.float64)]))
    expected = started.ewm(alpha=1 - beta, adjust=False).mean().to_numpy()[1:]
    _close_to_series(impl.ewma(x, beta), expected, x,
                     "ewma vs pandas ewm(alpha=1 - beta, adjust=False) from v_0 = 0")


@spec_property(requires=["ewma"],
               oracle={"ewma": "closed form: v_1 = (1 - beta) theta_1, corrected theta_1"},
               dtype=strategies.dtypes(), c=st.floats(-100, 100), beta=strategies.betas())
def test_ewma_of_a_one_element_series(impl, dtype, c, beta):
    x = np.array([c], dtype=dtype)
    _close_to_series(impl.ewma(x, beta), [(1 - beta) * float(x[0])], x,
                     "ewma of one value: (1 - beta) theta_1")
    _close_to_series(impl.ewma(x, beta, bias_correction=True), [float(x[0])], x,
                     "bias-corrected ewma of one value: theta_1")


@spec_property(requires=["ewma"], x=SERIES)
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
        _close_to_series(impl.ewma(x, beta), float(x[0]) * (1 - beta ** np.arange(1, t + 1)), x,
                         "uncorrected ewma of a constant")


# --- ewma_weights ------------------------------------------------------------------------------

def _impulse_weights64(beta, t):
    """The weight of theta_i in v_t, read off the float64 recursion run on the unit impulse e_i."""
    return np.array([_ewma64(np.eye(t)[i], beta)[-1] for i in range(t)])


@spec_property(requires=["ewma_weights"],
               oracle={"ewma_weights": "float64 loop: the recursion run on unit impulses"},
               beta=strategies.betas(), t=st.one_of(st.just(1), st.integers(1, 60)))
def test_ewma_weights_match_a_float64_loop_over_unit_impulses(impl, beta, t):
    """beta is a Python float, so float32 (the contract's default) sets the tolerance."""
    weights = impl.ewma_weights(beta, t)
    assert_close(weights, _impulse_weights64(beta, t), dtype=np.float32,
                 what="ewma_weights vs the recursion on unit impulses (oldest first)")
    assert_close(np.asarray(weights, dtype=np.float64).sum(), 1 - beta ** t, dtype=np.float32,
                 what="sum of weights vs 1 - beta^t")


@spec_property(requires=["ewma", "ewma_weights"], dtype=strategies.dtypes(), beta=strategies.betas(),
               t=st.integers(1, 15))
def test_ewma_of_unit_impulses_gives_the_weights(impl, dtype, beta, t):
    """Feeding theta = e_i (1 at step i, 0 elsewhere) reads off the weight of theta_i in v_t."""
    read = np.array([float(np.asarray(impl.ewma(np.eye(t, dtype=dtype)[i], beta))[-1])
                     for i in range(t)])
    weights = impl.ewma_weights(beta, t)  # float32 by default: its tolerance applies
    assert_close(read, np.asarray(weights, dtype=np.float64), dtype=np.float32,
                 what="weights read from ewma of impulses vs ewma_weights")


# --- validation ----------------------------------------------------------------------------------

@spec_property(requires=["ewma"], x=strategies.series(max_len=5),
               beta=st.one_of(st.floats(1.0, 10.0), st.floats(-10.0, -1e-9)))
def test_ewma_rejects_beta_outside_zero_one(impl, x, beta):
    expect_value_error(lambda: impl.ewma(x, beta), "beta", rule=f"ewma with beta = {beta}")
    expect_value_error(lambda: impl.ewma(x, beta, bias_correction=True), "beta",
                       rule=f"bias-corrected ewma with beta = {beta}")
