"""Numerical differentiation: the independent check of every hand-written gradient.

Symbols: f -> ``f``; x -> ``x``; eps -> ``eps``; e_i -> the i-th unit vector.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["central_difference"]


def central_difference(f, x, eps: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function by central differences, in float64.

    Unlike the other ops this returns a NumPy array: it is a test oracle, computed outside
    TensorFlow. f is called with float64 NumPy arrays of x's shape; it may return a Python
    number, a NumPy scalar or a one-element tensor. The error is O(eps^2) from truncation plus
    O(machine epsilon * abs(f) / eps) from rounding, so eps = 1e-6 suits float64 functions;
    for a function computed in float32 pass a larger eps such as 1e-2.

    Formula:
        grad_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

    Args:
        f: a callable taking an array of x's shape and returning a scalar.
        x: array-like or tensor, the point at which to differentiate.
        eps: the step, a positive number.

    Returns:
        A float64 ``np.ndarray`` of x's shape.

    Raises:
        ValueError: if x is empty or not numeric, eps is not positive, or f does not return a
            single number.

    Example:
    >>> ops.central_difference(lambda v: (v ** 2).sum(), [1.0, -2.0]).round(6)
    array([ 2., -4.])
    >>> ops.central_difference(lambda v: ops.l2_loss(v), [3.0]).round(6)
    array([3.])
    """
    point = _float64_array(x)
    if not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f"eps must be a positive number; got {eps!r}")
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        forward, backward = point.copy(), point.copy()
        forward[index] += eps
        backward[index] -= eps
        gradient[index] = (_scalar_value(f(forward)) - _scalar_value(f(backward))) / (2 * eps)
    return gradient


def _float64_array(x) -> np.ndarray:
    values = x.numpy() if hasattr(x, "numpy") else x
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"x must be an array of numbers; got {type(x).__name__}: {error}") from None
    if array.size == 0:
        raise ValueError(f"x is empty (shape {list(array.shape)}); pass at least one value")
    return array


def _scalar_value(value) -> float:
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"f must return a single number; got an array of shape {list(array.shape)}")
    return float(array.reshape(()))
