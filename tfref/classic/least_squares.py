"""Polynomial least squares: a Legendre design matrix and a batched, float64 solver (TF).

Formula:
    design:  Phi[i, k] = P_k(u_i),  k = 0..d,  u in [-1, 1],  P_k the Legendre polynomials
             (spans the same functions as 1, u, ..., u^d, far better conditioned)
    fit:     w = argmin_w ||Phi w - y||^2  (squared vertical residuals, not distances to a line),
             solved by ``tf.linalg.lstsq(fast=False)``: a complete orthogonal decomposition,
             no normal equations, so a rank-deficient Phi still gets the minimum-norm solution
    ridge:   w = argmin_w ||Phi w - y||^2 + lam ||w||^2  (``l2`` > 0; ``fast=True`` solves
             (Phi^T Phi + lam I) w = Phi^T y, as ``tf.linalg.lstsq`` documents)

Symbols -> names: Phi -> ``design``; u -> ``u``; d -> ``degree``; y -> ``targets``;
w -> the returned coefficients; lam -> ``l2``.

Both functions take a batch of problems at once: ``design`` (R, n, p) with ``targets`` (R, n)
gives (R, p); a single problem (n, p) with (n,) gives (p,).
"""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf
from numpy.polynomial import legendre

from tfref._validation import check_whole

__all__ = ["design_matrix", "fit_least_squares", "rescale_to_unit"]


def rescale_to_unit(x, low: float, high: float) -> np.ndarray:
    """Map [low, high] linearly onto [-1, 1] (the Legendre polynomials' natural interval).

    Raises ValueError when ``high <= low`` or either bound is not finite.
    """
    if not (np.isfinite(low) and np.isfinite(high)) or not high > low:
        raise ValueError(f"rescale_to_unit needs finite bounds with high > low; got low={low!r}, "
                         f"high={high!r} (pass the training inputs' min and max)")
    return 2.0 * (np.asarray(x, dtype=np.float64) - low) / (high - low) - 1.0


def design_matrix(u, degree: int) -> np.ndarray:
    """(..., n) inputs in [-1, 1] -> (..., n, degree + 1) Legendre basis P_0(u) .. P_degree(u).

    Raises ValueError for a degree that is not a whole number >= 0 and for non-finite inputs.

    Example:
        >>> design_matrix(np.array([-1.0, 0.0, 1.0]), 2)
        array([[ 1. , -1. ,  1. ],
               [ 1. ,  0. , -0.5],
               [ 1. ,  1. ,  1. ]])
    """
    degree = check_whole(degree, "degree", 0, "the polynomial degree")
    u = np.asarray(u, dtype=np.float64)
    if not np.all(np.isfinite(u)):
        raise ValueError("design_matrix got NaN or infinite inputs; drop or impute them first")
    return legendre.legvander(u, int(degree))


def fit_least_squares(design, targets, l2: float = 0.0) -> np.ndarray:
    """Least squares (or ridge, ``l2`` > 0) coefficients, float64, for one or a batch of problems.

    Args:
        design: (n, p) or (R, n, p) design matrix.
        targets: (n,) or (R, n), matching ``design``'s leading dimensions.
        l2: ridge penalty lam >= 0 on ||w||^2 (0: plain least squares, complete orthogonal
            decomposition; > 0: regularised normal equations).

    Returns:
        (p,) or (R, p) coefficients.

    Raises:
        ValueError: on shapes that do not match, fewer than one row, NaN/inf, or a negative l2.
    """
    design = np.asarray(design, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    if design.ndim not in (2, 3):
        raise ValueError(f"design must be (n, p) or (R, n, p); got shape {design.shape}")
    if targets.shape != design.shape[:-1]:
        raise ValueError(f"targets must have shape {design.shape[:-1]} to match design "
                         f"{design.shape} (one target per row); got {targets.shape}")
    if design.shape[-2] < 1 or design.shape[-1] < 1:
        raise ValueError(f"design needs at least one row and one column; got {design.shape}")
    if not (np.all(np.isfinite(design)) and np.all(np.isfinite(targets))):
        raise ValueError("design or targets contain NaN or infinite values; clean them first")
    if not isinstance(l2, numbers.Real) or not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"l2 must be a finite number >= 0; got {l2!r}")
    solution = tf.linalg.lstsq(tf.constant(design), tf.constant(targets)[..., None],
                               l2_regularizer=float(l2), fast=l2 > 0)
    return solution.numpy()[..., 0]
