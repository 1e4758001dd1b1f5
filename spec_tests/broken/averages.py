"""Broken implementations of the averages family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def _float(x):
    x = np.asarray(x)
    return x.astype(np.float64 if x.dtype == np.float64 else np.float32)


def ewma_ignoring_bias_correction():
    """``bias_correction=True`` silently does nothing."""

    def ewma(x, beta, bias_correction=False):
        return ref.ewma(x, beta)

    return _reference_with(ewma=ewma)


def ewma_without_zero_init():
    """v_1 = theta_1 instead of v_0 = 0 (then the usual recursion and correction)."""

    def ewma(x, beta, bias_correction=False):
        x = _float(x)
        beta = ref._beta_in_unit_interval(beta)
        out = np.empty_like(x)
        v = x[0]
        for t in range(x.shape[0]):
            v = x[0] if t == 0 else beta * v + (1 - beta) * x[t]
            out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v
        return out

    return _reference_with(ewma=ewma)


def ewma_with_beta_and_one_minus_beta_swapped():
    """v_t = (1 - beta) v_(t-1) + beta theta_t: beta taken as pandas' alpha, the weight of the
    new value."""

    def ewma(x, beta, bias_correction=False):
        beta = ref._beta_in_unit_interval(beta)
        x = _float(x)
        v = np.zeros(x.shape[1:], dtype=x.dtype)
        out = np.empty_like(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            for t in range(x.shape[0]):
                v = (1 - beta) * v + beta * x[t]
                out[t] = v / (1 - (1 - beta) ** (t + 1)) if bias_correction else v
        return out

    return _reference_with(ewma=ewma)


def ewma_bias_correction_one_step_ahead():
    """v_t / (1 - beta^(t + 1)): the step counted from 1 and then incremented once more."""

    def ewma(x, beta, bias_correction=False):
        beta = ref._beta_in_unit_interval(beta)
        v = ref.ewma(x, beta)
        if not bias_correction:
            return v
        steps = np.arange(1, v.shape[0] + 1).reshape((-1,) + (1,) * (v.ndim - 1))
        return (v / (1 - beta ** (steps + 1))).astype(v.dtype)

    return _reference_with(ewma=ewma)


def ewma_weights_newest_first():
    """(1 - beta) beta^(i - 1): the weights listed newest first, not theta_1 first."""

    def ewma_weights(beta, t):
        return ref.ewma_weights(beta, t)[::-1].copy()

    return _reference_with(ewma_weights=ewma_weights)


def ewma_weights_normalised():
    """The weights divided by their sum 1 - beta^t (the bias-corrected weights), not those of v_t."""

    def ewma_weights(beta, t):
        weights = ref.ewma_weights(beta, t)
        return (weights / weights.astype(np.float64).sum()).astype(weights.dtype)

    return _reference_with(ewma_weights=ewma_weights)


def ewma_bias_correction_with_the_last_step_only():
    """Every v_t divided by 1 - beta^T, T the length of the series (not by 1 - beta^t)."""

    def ewma(x, beta, bias_correction=False):
        v = ref.ewma(x, beta)
        if not bias_correction:
            return v
        beta = ref._beta_in_unit_interval(beta)
        return (v / (1 - beta ** v.shape[0])).astype(v.dtype)

    return _reference_with(ewma=ewma)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    "ewma_ignoring_bias_correction": (
        "bias_corrected_ewma_matches_pandas_ewm_adjust_true",
        "bias_corrected_ewma_of_a_constant_series_is_the_constant",
        "ewma_of_a_one_element_series",
    ),
    "ewma_without_zero_init": (
        "ewma_equals_the_naive_float64_recursion",
        "ewma_matches_pandas_ewm_adjust_false_started_at_zero",
        "ewma_of_unit_impulses_gives_the_weights",
    ),
    "ewma_with_beta_and_one_minus_beta_swapped": (
        "ewma_equals_the_naive_float64_recursion",
        "ewma_matches_pandas_ewm_adjust_false_started_at_zero",
    ),
    "ewma_bias_correction_one_step_ahead": (
        "bias_corrected_ewma_matches_pandas_ewm_adjust_true",
        "ewma_of_a_one_element_series",
    ),
    "ewma_weights_newest_first": (
        "ewma_weights_match_a_float64_loop_over_unit_impulses",
        "ewma_of_unit_impulses_gives_the_weights",
    ),
    "ewma_weights_normalised": (
        "ewma_weights_match_a_float64_loop_over_unit_impulses",
        "ewma_of_unit_impulses_gives_the_weights",
    ),
    "ewma_bias_correction_with_the_last_step_only": (
        "ewma_equals_the_naive_float64_recursion",
        "bias_corrected_ewma_matches_pandas_ewm_adjust_true",
        "bias_corrected_ewma_of_a_constant_series_is_the_constant",
    ),
}
