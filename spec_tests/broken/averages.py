"""Broken implementations of the averages family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def ewma_ignoring_bias_correction():
    """``bias_correction=True`` silently does nothing."""

    def ewma(x, beta, bias_correction=False):
        return ref.ewma(x, beta)

    return _reference_with(ewma=ewma)


def ewma_without_zero_init():
    """v_1 = theta_1 instead of v_0 = 0 (then the usual recursion and correction)."""

    def ewma(x, beta, bias_correction=False):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        beta = ref._beta_in_unit_interval(beta)
        out = np.empty_like(x)
        v = x[0]
        for t in range(x.shape[0]):
            v = x[0] if t == 0 else beta * v + (1 - beta) * x[t]
            out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v
        return out

    return _reference_with(ewma=ewma)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'ewma_ignoring_bias_correction': (
        'bias_corrected_ewma_matches_pandas_ewm_adjust_true',
        'bias_corrected_ewma_of_a_constant_series_is_the_constant',
    ),
    'ewma_without_zero_init': (
        'ewma_equals_the_naive_float64_recursion',
        'ewma_of_unit_impulses_gives_the_weights',
    ),
}
