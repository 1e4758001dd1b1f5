"""Tolerances per dtype, in one place, and the closeness check every property uses.

An implementation passes a comparison when ``abs(actual - expected) <= atol + rtol * abs(expected)``
elementwise. float32 tolerances allow for the rounding of a few dozen operations in single
precision; float64 tolerances are tight enough that a wrong formula cannot hide in them.
"""

from __future__ import annotations

import contextvars

import numpy as np

TOLERANCES: dict[str, dict[str, float]] = {
    "float32": {"rtol": 2e-4, "atol": 2e-5},
    "float64": {"rtol": 1e-9, "atol": 1e-11},
}

# Tolerance for gradients compared with central finite differences (always in float64).
FINITE_DIFFERENCE = {"rtol": 1e-5, "atol": 1e-6}

# The property runner sets this to a Stats object to collect the largest error seen.
current_stats: contextvars.ContextVar = contextvars.ContextVar("current_stats", default=None)


def tolerance(dtype) -> dict[str, float]:
    name = np.dtype(dtype).name
    if name not in TOLERANCES:
        raise ValueError(f"no tolerance defined for dtype {name}; known: {', '.join(TOLERANCES)}")
    return TOLERANCES[name]


def assert_close(actual, expected, *, dtype="float64", rtol=None, atol=None, what="value") -> float:
    """Assert ``actual`` is close to ``expected``; return (and record) the largest abs error.

    ``rtol``/``atol`` default to the tolerance of ``dtype``. Infinities must match exactly.
    """
    tol = tolerance(dtype)
    rtol = tol["rtol"] if rtol is None else rtol
    atol = tol["atol"] if atol is None else atol
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        raise AssertionError(f"{what}: shape {a.shape} != expected shape {e.shape}")
    if np.isnan(a).any() and not np.array_equal(np.isnan(a), np.isnan(e)):
        raise AssertionError(f"{what}: NaN where a number was expected:\n actual={a}\n expected={e}")
    same_inf = np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e))
    both_nan = np.isnan(a) & np.isnan(e)
    settled = same_inf | both_nan
    with np.errstate(invalid="ignore"):  # inf - inf where both are the same infinity
        diff = np.where(settled, 0.0, np.abs(a - e))
        limit = atol + rtol * np.where(settled, 0.0, np.abs(e))
    error = float(np.max(diff)) if diff.size else 0.0
    record_error(error)
    if not np.all(diff <= limit):
        with np.errstate(invalid="ignore"):
            worst = np.unravel_index(np.argmax(diff - limit), diff.shape) if diff.ndim else ()
        raise AssertionError(
            f"{what}: largest error {error:.3g} exceeds atol={atol:g} + rtol={rtol:g}*|expected|; "
            f"at index {tuple(int(i) for i in worst)} actual={a[worst]!r} expected={e[worst]!r}"
        )
    return error


def record_error(error: float) -> None:
    stats = current_stats.get()
    if stats is not None and np.isfinite(error):
        stats.largest_error = max(stats.largest_error, float(error))


def assert_at_least(actual, bound, dtype, what="value") -> None:
    """Assert ``actual >= bound`` elementwise, allowing the dtype's tolerance on the bound."""
    tol = tolerance(dtype)
    actual = np.asarray(actual, dtype=np.float64)
    bound = np.asarray(bound, dtype=np.float64)
    slack = tol["atol"] + tol["rtol"] * np.abs(bound)
    assert (actual >= bound - slack).all(), f"{what}: {actual} is below {bound}"
