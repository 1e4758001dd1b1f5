"""The project's one whole-number rule, for counts, sizes, seeds and steps (NumPy only).

Every check of "a whole number" in tfref goes through :func:`is_whole`: scalar arguments
(:func:`tfref._validation.check_whole`), tensor contents
(:func:`tfref._validation.check_whole_values`) and command-line text (:func:`parse_whole`).
This module imports no TensorFlow, so data loaders and the CLI parser can use it cheaply.
"""

from __future__ import annotations

import argparse
import numbers

import numpy as np

__all__ = ["is_whole", "parse_whole"]


def is_whole(value) -> bool:
    """The project's one whole-number rule: a finite real number with no fractional part.

    3, 3.0, ``np.int64(3)`` and ``np.float32(3.0)`` are whole; True/False (bools are not counts),
    3.5, inf, NaN, strings and None are not. The same rule reads tensor contents
    (:func:`tfref._validation.check_whole_values`) and command-line text (:func:`parse_whole`).

    Example:
        >>> [is_whole(v) for v in (3, 3.0, np.int64(3), True, 3.5, float("inf"), "3")]
        [True, True, True, False, False, False, False]
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return (not isinstance(value, bool | np.bool_) and isinstance(value, numbers.Real)
            and bool(np.isfinite(float(value))) and float(value) == int(value))


def parse_whole(text: str, minimum: int = 1) -> int:
    """argparse ``type=``: command-line text read by :func:`is_whole` ("3" and "3.0" give 3).

    Raises argparse.ArgumentTypeError naming the rule, so argparse exits 2 with it.
    """
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not is_whole(value) or value < minimum:
        raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}; got {text!r}")
    return int(value)
