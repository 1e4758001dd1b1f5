"""Elementwise closeness with exact non-finite values: one rule for claims and spec properties.

``abs(actual - expected) <= atol + rtol * abs(expected)`` where both are finite. Infinities and
NaN compare exactly, by position and sign: an expected +inf is matched only by +inf (never by a
large finite value, however large rtol * inf makes the bound), NaN only by NaN. Pure NumPy, so
the spec suite can use it without importing TensorFlow.
"""

from __future__ import annotations

import numpy as np


def close_elementwise(actual, expected, *, atol: float, rtol: float):
    """Return ``(ok, diff)``: a boolean array and the absolute differences (0 where settled).

    ``diff`` is inf where one side is non-finite and the other differs from it, so the largest
    error of a mismatch at an infinity reads inf, not 0.
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    a, e = np.broadcast_arrays(a, e)
    finite = np.isfinite(a) & np.isfinite(e)
    same_special = (np.isnan(a) & np.isnan(e)) | (np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e)))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(finite, np.abs(a - e), np.where(same_special, 0.0, np.inf))
        ok = np.where(finite, diff <= atol + rtol * np.abs(np.where(finite, e, 0.0)), same_special)
    return ok, diff
