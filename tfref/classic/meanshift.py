"""Mean shift with a flat kernel of fixed radius r (000), in TensorFlow.

Every point starts a seed m; each step moves the seed to the mean of the data within radius r:

    m <- mean { x_i : ||x_i - m|| <= r }

until it moves by at most 1e-3 * r (or ``max_iter`` steps). The seeds climb to the modes
(local maxima) of the flat-kernel density estimate. As scikit-learn's
``sklearn.cluster.MeanShift(bandwidth=r)``: converged seeds are ranked by how many points lie
within r of them; a seed within r of a better-ranked kept one is dropped; each point is labelled
by its nearest kept centre. All seeds move together (one batched distance computation per step),
each stopping on its own; ``trajectories_`` keeps the path of every seed for plotting.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClusterMixin

from tfref.classic._base import check_is_fitted, check_positive_int, validate
from tfref.ops.distances import pairwise_distances

__all__ = ["MeanShift", "estimate_radius"]


def estimate_radius(X, quantile: float = 0.3) -> float:
    """A radius from the data: mean over points of the distance to their
    ``quantile * n``-th nearest neighbour (scikit-learn's ``estimate_bandwidth`` rule)."""
    X = np.asarray(X, dtype=np.float64)
    if not 0 < quantile <= 1:
        raise ValueError(f"quantile must be in (0, 1]; got {quantile}")
    k = max(1, int(len(X) * quantile))
    d = pairwise_distances(tf.constant(X), metric="euclidean").numpy()
    return float(np.mean(np.sort(d, axis=1)[:, k - 1]))


class MeanShift(ClusterMixin, BaseEstimator):
    """Flat-kernel mean shift with radius ``bandwidth`` (r of 000).

    Parameters:
        bandwidth: the radius r > 0; None estimates it with :func:`estimate_radius`.
        max_iter: most steps per seed.
        record_trajectories: keep every seed's path in ``trajectories_`` (a list of arrays).

    Attributes:
        cluster_centers_ (modes found, best-supported first), labels_, n_iter_ (most steps
        taken by a seed), bandwidth_, n_features_in_.

    Example:
    >>> X = np.array([[0.0], [0.5], [1.0], [10.0], [10.5]])
    >>> ms = MeanShift(bandwidth=2.0).fit(X)
    >>> ms.cluster_centers_.ravel().tolist(), ms.labels_.tolist()
    ([0.5, 10.25], [0, 0, 0, 1, 1])
    """

    def __init__(self, bandwidth=None, *, max_iter=300, record_trajectories=False):
        self.bandwidth = bandwidth
        self.max_iter = max_iter
        self.record_trajectories = record_trajectories

    def fit(self, X, y=None):
        """Find the modes of X (n, d) and label each point; ``y`` is ignored. Returns self."""
        X = validate(self, X)
        if self.bandwidth is None and X.shape[0] < 2:
            raise ValueError(f"n_samples={X.shape[0]}: estimating the bandwidth (radius) needs at "
                             f"least 2 samples; pass bandwidth=")
        r = estimate_radius(X) if self.bandwidth is None else self.bandwidth
        if isinstance(r, bool) or not isinstance(r, int | float | np.number) or not r > 0:
            raise ValueError(f"bandwidth must be a number > 0 (the radius r); got {r!r}")
        if r == 0 or not np.isfinite(r):
            raise ValueError(f"bandwidth must be finite and > 0; got {r}")
        mi = check_positive_int(self.max_iter, "max_iter")
        r = float(r)
        data = tf.constant(X)
        seeds = X.copy()
        active = np.ones(len(X), dtype=bool)
        support = np.zeros(len(X), dtype=np.int64)
        steps = np.zeros(len(X), dtype=np.int64)
        paths = [[s.copy()] for s in seeds] if self.record_trajectories else None
        stop = 1e-3 * r
        for _ in range(mi):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            d = pairwise_distances(tf.constant(seeds[idx]), data).numpy()
            within = tf.constant((d <= r).astype(np.float64))
            counts = tf.reduce_sum(within, axis=1)
            means = (tf.matmul(within, data) / tf.maximum(counts, 1.0)[:, None]).numpy()
            counts = counts.numpy().astype(np.int64)
            empty = counts == 0  # cannot happen for data seeds, kept for safety
            shift = np.linalg.norm(means - seeds[idx], axis=1)
            support[idx] = counts
            moved = idx[~empty]
            seeds[moved] = means[~empty]
            steps[moved] += 1
            if paths is not None:
                for i in moved:
                    paths[i].append(seeds[i].copy())
            done = empty | (shift <= stop) | (steps[idx] >= mi)
            active[idx[done]] = False
        self.n_iter_ = int(steps.max())
        # Rank the converged seeds by support (ties: larger coordinates first, as scikit-learn's
        # sort of (centre tuple, support) pairs), merge duplicates, drop seeds within r of a
        # better one.
        unique: dict[tuple, int] = {}
        for seed, count in zip(seeds, support, strict=True):
            if count > 0:
                unique[tuple(seed)] = int(count)
        ranked = sorted(unique.items(), key=lambda item: (item[1], item[0]), reverse=True)
        centres = np.array([c for c, _ in ranked])
        near = pairwise_distances(tf.constant(centres)).numpy() <= r
        keep = np.ones(len(centres), dtype=bool)
        for i in range(len(centres)):
            if keep[i]:
                keep[near[i]] = False
                keep[i] = True
        self.cluster_centers_ = centres[keep]
        self.bandwidth_ = r
        self.labels_ = self._nearest(X)
        if paths is not None:
            self.trajectories_ = [np.array(p) for p in paths]
        return self

    def _nearest(self, X: np.ndarray) -> np.ndarray:
        d = pairwise_distances(tf.constant(X), tf.constant(self.cluster_centers_))
        return tf.argmin(d, axis=1).numpy().astype(np.int64)

    def predict(self, X):
        """Index of the nearest mode for each row of X."""
        check_is_fitted(self, ["cluster_centers_"])
        return self._nearest(validate(self, X, reset=False))
