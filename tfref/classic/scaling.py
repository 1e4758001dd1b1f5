"""Feature scaling and why it speeds up gradient descent on least squares.

Seed 000 (input-layer preprocessing): de-meaning moves every feature's mean to 0; min-max
scaling maps every feature to [0, 1] ("feature A in 0-10, B in 0-10000: scale both to 0-1");
standardising gives zero mean and unit variance. For the mean squared error of a linear model
with intercept, J(w, b) = (1/2n) ||X w + b - y||^2, the Hessian is H = (1/n) Z^T Z with
Z = [X, 1]; gradient descent with step 1/lambda_max(H) shrinks the error along the slowest
eigenvector by (1 - lambda_min / lambda_max) per step, so it needs about
kappa ln(1/epsilon) steps, kappa = lambda_max / lambda_min the condition number. Scaling the
features changes kappa, not the best fit: the scaled model's predictions equal the raw one's.

Formula:
    de-meaning:  x'_ij = x_ij - mean_i x_ij
    min-max:     x'_ij = (x_ij - min_i x_ij) / (max_i x_ij - min_i x_ij)
    GD:          theta <- theta - eta (1/n) Z^T (Z theta - y),   eta = 1 / lambda_max(H)

Honest note: NumPy float64 throughout (a three-parameter loop; TensorFlow adds nothing);
scikit-learn's MinMaxScaler / StandardScaler and the closed-form least squares solution are the
oracles in the feature-scaling topic and tests/test_classic_new.py.
"""

from __future__ import annotations

import numbers

import numpy as np

from tfref.classic._base import check_positive_int

__all__ = ["demean", "min_max_scale", "hessian_condition", "gradient_descent_least_squares"]


def _table(X, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"{name} must be a 2-D table (rows, features) with at least 2 rows; got "
                         f"shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinity; impute or drop those rows first")
    return X


def demean(X) -> np.ndarray:
    """Subtract each feature's mean (the column means become 0)."""
    X = _table(X)
    return X - X.mean(axis=0)


def min_max_scale(X) -> np.ndarray:
    """Map each feature linearly onto [0, 1]; ValueError for a constant feature (no range)."""
    X = _table(X)
    low, high = X.min(axis=0), X.max(axis=0)
    flat = np.flatnonzero(high == low)
    if flat.size:
        raise ValueError(f"feature(s) {flat.tolist()} are constant (max == min), so min-max "
                         "scaling divides by 0; drop them first")
    return (X - low) / (high - low)


def _design(X) -> np.ndarray:
    X = _table(X)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def hessian_condition(X) -> tuple[float, float, float]:
    """(lambda_max, lambda_min, kappa) of H = Z^T Z / n, Z = [X, 1] (the MSE's Hessian)."""
    Z = _design(X)
    eigenvalues = np.linalg.eigvalsh(Z.T @ Z / Z.shape[0])
    return float(eigenvalues[-1]), float(eigenvalues[0]), float(eigenvalues[-1] / eigenvalues[0])


def gradient_descent_least_squares(X, y, *, steps: int = 1000, learning_rate=None):
    """Full-batch gradient descent on J(theta) = (1/2n) ||Z theta - y||^2, Z = [X, 1], theta = 0
    at the start.

    ``learning_rate`` None takes 1 / lambda_max(H), the largest step that is stable whatever
    the start (any eta < 2 / lambda_max converges). Returns (theta, losses): theta holds the
    feature weights then the intercept; losses[t] is J after t steps (losses[0] at the start).
    """
    Z = _design(X)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if y.shape[0] != Z.shape[0] or not np.all(np.isfinite(y)):
        raise ValueError(f"y must be {Z.shape[0]} finite numbers, one per row of X; got shape "
                         f"{y.shape}")
    steps = check_positive_int(steps, "steps")
    n = Z.shape[0]
    if learning_rate is None:
        learning_rate = 1.0 / float(np.linalg.eigvalsh(Z.T @ Z / n)[-1])
    if (not isinstance(learning_rate, numbers.Real) or isinstance(learning_rate, bool)
            or not learning_rate > 0):
        raise ValueError(f"learning_rate must be a number > 0 (or None); got {learning_rate!r}")
    gram, moment = Z.T @ Z / n, Z.T @ y / n
    theta = np.zeros(Z.shape[1])
    losses = np.empty(steps + 1)
    offset = float(y @ y) / (2 * n)
    for t in range(steps + 1):
        losses[t] = 0.5 * theta @ gram @ theta - theta @ moment + offset
        if t < steps:
            theta = theta - learning_rate * (gram @ theta - moment)
    return theta, losses
