"""Gaussian anomaly detection (000): per-feature normal densities, multiplied, thresholded.

Fit one normal per feature on (mostly normal) training data,

    mu_j = mean_i x_ij,   sigma_j^2 = mean_i (x_ij - mu_j)^2        (ddof 0, as 000)
    p(x) = prod_j exp(-(x_j - mu_j)^2 / (2 sigma_j^2)) / sqrt(2 pi sigma_j^2)

and flag x as an anomaly when p(x) < epsilon. epsilon is chosen on a labelled validation set
as the candidate threshold of best F1 (:func:`select_epsilon`), never on the test set. The
product assumes the features independent given "normal"; correlated features are handled only
through their marginals (000's simplification; a full-covariance Gaussian would not).

The estimator follows scikit-learn's outlier-detector convention: ``predict`` returns -1 for
an anomaly and +1 for a normal point; ``score_samples`` is the density p(x) (higher = more
normal); ``decision_function`` is p(x) - epsilon = ``score_samples - offset_`` (negative =
anomaly).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, OutlierMixin

from tfref.classic._base import check_is_fitted, validate
from tfref.ops.distances import gaussian_density

__all__ = ["GaussianAnomalyDetector", "select_epsilon"]

_VAR_FLOOR = 1e-12  # a constant feature would give sigma^2 = 0; it is floored (see fit)


def select_epsilon(density, is_anomaly, candidates: int | None = 1000):
    """The threshold epsilon of best F1 for "anomaly iff density < epsilon".

    Args:
        density: p(x) of each validation point.
        is_anomaly: 1/True for a known anomaly, 0/False for a normal point.
        candidates: number of log-spaced thresholds between the smallest and largest density
            (None: every distinct density value, just above it).

    Returns:
        (epsilon, f1): the best threshold and its F1 on the validation set (first best wins).
    """
    density = np.asarray(density, dtype=np.float64).ravel()
    truth = np.asarray(is_anomaly).astype(bool).ravel()
    if density.shape != truth.shape:
        raise ValueError(f"density and is_anomaly must have the same length; got "
                         f"{density.size} and {truth.size}")
    if not truth.any():
        raise ValueError("is_anomaly has no anomaly; F1 is undefined without a positive example")
    positive = density[density > 0]
    if candidates is None:
        grid = np.nextafter(np.unique(density), np.inf)
    else:
        low = positive.min() if positive.size else 1e-300
        grid = np.geomspace(low, density.max() * 1.000001 + 1e-300, candidates)
    best = (float(grid[0]), -1.0)
    for epsilon in grid:
        flagged = density < epsilon
        tp = np.sum(flagged & truth)
        if tp == 0:
            continue
        precision, recall = tp / flagged.sum(), tp / truth.sum()
        f1 = 2 * precision * recall / (precision + recall)
        if f1 > best[1]:
            best = (float(epsilon), float(f1))
    return best[0], max(best[1], 0.0)


class GaussianAnomalyDetector(OutlierMixin, BaseEstimator):
    """Product of per-feature normal densities; anomaly iff p(x) < epsilon.

    Parameters:
        epsilon: the density threshold (> 0). None: the ``contamination`` quantile of the
            training densities (so that share of training points is flagged).
        contamination: share of training points flagged when ``epsilon`` is None, in (0, 0.5].

    Attributes:
        mean_, var_ (per feature, ddof 0; a variance below 1e-12 is floored to 1e-12),
        epsilon_ (the threshold used), n_features_in_.

    Example:
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-1.0, 0.0]])
    >>> det = GaussianAnomalyDetector(epsilon=0.01).fit(X)
    >>> det.mean_.tolist(), det.var_.tolist(), det.predict([[0.0, 0.0], [4.0, 4.0]]).tolist()
    ([0.0, 0.0], [0.5, 0.5], [1, -1])
    """

    def __init__(self, epsilon=None, *, contamination=0.05):
        self.epsilon = epsilon
        self.contamination = contamination

    def fit(self, X, y=None):
        """Estimate mean_ and var_ per feature from X (n, d); ``y`` is ignored. Returns self."""
        X = validate(self, X)
        if self.epsilon is not None and not (isinstance(self.epsilon, int | float | np.number)
                                             and self.epsilon > 0):
            raise ValueError(f"epsilon must be a density threshold > 0 (or None); got "
                             f"{self.epsilon!r}")
        if not (isinstance(self.contamination, int | float) and 0 < self.contamination <= 0.5):
            raise ValueError(f"contamination must be in (0, 0.5]; got {self.contamination!r}")
        data = tf.constant(X)
        mean = tf.reduce_mean(data, axis=0)
        var = tf.reduce_mean(tf.square(data - mean), axis=0)
        self.mean_ = mean.numpy()
        self.var_ = np.maximum(var.numpy(), _VAR_FLOOR)
        if self.epsilon is None:
            self.epsilon_ = float(np.quantile(self._density(X), self.contamination))
        else:
            self.epsilon_ = float(self.epsilon)
        self.offset_ = self.epsilon_
        return self

    def _density(self, X: np.ndarray) -> np.ndarray:
        return gaussian_density(tf.constant(X), tf.constant(self.mean_),
                                tf.constant(self.var_)).numpy()

    def score_samples(self, X):
        """The density p(x) of each row of X (higher = more normal)."""
        check_is_fitted(self, ["mean_"])
        return self._density(validate(self, X, reset=False))

    def decision_function(self, X):
        """p(x) - epsilon_ (= score_samples - offset_): negative for an anomaly."""
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """-1 for an anomaly (p(x) < epsilon_), +1 for a normal point."""
        return np.where(self.score_samples(X) < self.epsilon_, -1, 1).astype(np.int64)
