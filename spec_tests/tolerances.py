"""Tolerances per dtype, in one place, and the closeness check every property uses.

An implementation passes a comparison when ``abs(actual - expected) <= atol + rtol * abs(expected)``
elementwise. float32 tolerances allow for the rounding of a few dozen operations in single
precision; float64 tolerances are tight enough that a wrong formula cannot hide in them.
"""

from __future__ import annotations

import contextvars

import numpy as np

from tfref._closeness import close_elementwise

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

    ``rtol``/``atol`` default to the tolerance of ``dtype``. Infinities and NaN must match exactly,
    by position and sign (tfref._closeness): an expected inf is never met by a finite value.
    """
    tol = tolerance(dtype)
    rtol = tol["rtol"] if rtol is None else rtol
    atol = tol["atol"] if atol is None else atol
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        raise AssertionError(f"{what}: shape {a.shape} != expected shape {e.shape}\n"
                             f" actual={_show(a)}\n expected={_show(e)}")
    ok, diff = close_elementwise(a, e, atol=atol, rtol=rtol)
    error = float(np.max(diff)) if diff.size else 0.0
    record_error(error)
    if not np.all(ok):
        record_failure(error)
        with np.errstate(invalid="ignore"):
            excess = np.where(ok, -np.inf, diff - (atol + rtol * np.abs(np.nan_to_num(e))))
        worst = np.unravel_index(np.argmax(excess), excess.shape) if excess.ndim else ()
        index = tuple(int(i) for i in worst)
        raise AssertionError(
            f"{what}: largest error {error:.3g} exceeds atol={atol:g} + rtol={rtol:g}*|expected| "
            f"({int(np.size(ok) - np.count_nonzero(ok))} of {np.size(ok)} values); at index {index} "
            f"actual={a[worst]!r} expected={e[worst]!r}\n actual={_show(a)}\n expected={_show(e)}"
        )
    return error


def _show(values: np.ndarray) -> str:
    """A short rendering of an array for a failure message."""
    return np.array2string(np.asarray(values), threshold=20, edgeitems=3, precision=8)


def record_error(error: float) -> None:
    stats = current_stats.get()
    if stats is not None and np.isfinite(error):
        stats.largest_error = max(stats.largest_error, float(error))


def record_failure(error: float) -> None:
    """Remember the largest error of the comparison that failed (shown beside the failure)."""
    stats = current_stats.get()
    if stats is not None:
        stats.failing_error = float(error)


def assert_at_least(actual, bound, dtype, what="value") -> None:
    """Assert ``actual >= bound`` elementwise, allowing the dtype's tolerance on the bound."""
    tol = tolerance(dtype)
    actual = np.asarray(actual, dtype=np.float64)
    bound = np.asarray(bound, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        slack = tol["atol"] + tol["rtol"] * np.abs(np.where(np.isfinite(bound), bound, 0.0))
        below = ~(actual >= bound - slack)  # NaN counts as below
    if below.any():
        shortfall = np.where(below, np.nan_to_num(bound - actual, nan=np.inf, posinf=np.inf), 0.0)
        record_failure(float(np.max(shortfall)))
        raise AssertionError(f"{what}: {int(below.sum())} of {below.size} values below the bound "
                             f"(by up to {float(np.max(shortfall)):.3g});\n actual={_show(actual)}\n"
                             f" bound={_show(bound)}")
