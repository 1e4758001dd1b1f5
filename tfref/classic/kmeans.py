"""K-means clustering (Lloyd's algorithm) in TensorFlow, with scikit-learn's contract.

Objective (000, 002): the inertia J(c, mu) = sum_i ||x_i - mu_{c_i}||^2, minimised by
alternating two steps, each of which can only lower J:

    assignment:  c_i = argmin_k ||x_i - mu_k||^2       (nearest centre; ties -> lowest k)
    update:      mu_k = mean of the x_i with c_i = k

so the inertia J(assign(mu_t), mu_t) never rises from one iteration to the next
(``inertia_history_``). Stopping rule as scikit-learn's: stop when the assignment no longer
changes, or when the squared shift of the centres sum_k ||mu_k^new - mu_k||^2 is at most
``tol * mean(var(X, axis=0))``; the final labels are the assignment to the final centres.
An empty cluster's centre is moved to the point farthest from its own centre (scikit-learn does
the same in spirit; with ``init`` given and no empty cluster the runs are identical).

Initialisation: "k-means++" (D^2 sampling, one candidate per step), "random" (k distinct
points) or an array of k starting centres.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin

from tfref.classic._base import (
    check_is_fitted,
    check_positive_int,
    check_random_state_seed,
    validate,
)
from tfref.ops.distances import pairwise_distances

__all__ = ["KMeans", "kmeans_plus_plus"]


def _sq_distances(X: tf.Tensor, centres: tf.Tensor) -> tf.Tensor:
    return pairwise_distances(X, centres, metric="sqeuclidean")


def kmeans_plus_plus(X: np.ndarray, n_clusters: int, seed: int) -> np.ndarray:
    """k-means++ starting centres: first uniform, then each with probability ~ D(x)^2."""
    rng = np.random.default_rng(seed)
    X_t = tf.constant(X)
    centres = [X[rng.integers(len(X))]]
    closest = _sq_distances(X_t, tf.constant(np.array(centres))).numpy()[:, 0]
    for _ in range(1, n_clusters):
        total = closest.sum()
        if total <= 0:  # fewer distinct points than clusters: any point will do
            index = rng.integers(len(X))
        else:
            index = rng.choice(len(X), p=closest / total)
        centres.append(X[index])
        new = _sq_distances(X_t, tf.constant(X[index][None, :])).numpy()[:, 0]
        closest = np.minimum(closest, new)
    return np.array(centres)


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """K-means by Lloyd's algorithm; distances and means computed with TensorFlow.

    Parameters:
        n_clusters: the number of clusters k (<= the number of samples).
        init: "k-means++", "random", or an array (k, n_features) of starting centres.
        n_init: runs from different starts; the one of lowest inertia is kept (1 when ``init``
            is an array).
        max_iter: most Lloyd iterations per run.
        tol: relative tolerance on the squared centre shift (times the mean feature variance).
        random_state: seed (int or None = 0) of the initialisation.

    Attributes:
        cluster_centers_ (k, n_features), labels_ (n,), inertia_, n_iter_,
        inertia_history_ (inertia after each assignment step of the kept run),
        n_features_in_.

    Example:
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> km = KMeans(n_clusters=2, init=np.array([[0.0, 0.0], [10.0, 0.0]])).fit(X)
    >>> km.cluster_centers_.tolist(), km.labels_.tolist(), float(km.inertia_)
    ([[0.0, 0.5], [10.0, 0.5]], [0, 0, 1, 1], 1.0)
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init=1, max_iter=300, tol=1e-4,
                 random_state=None):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _check_params(self, X: np.ndarray) -> tuple[np.ndarray | None, int, int, int]:
        """(given centres or None, k, n_init, max_iter), the counts as ints (2.0 reads as 2)."""
        k = check_positive_int(self.n_clusters, "n_clusters")
        if k > X.shape[0]:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={k}: cannot form "
                             f"{k} clusters from {X.shape[0]} points")
        counts = (k, check_positive_int(self.n_init, "n_init"),
                  check_positive_int(self.max_iter, "max_iter"))
        if not (isinstance(self.tol, int | float) and self.tol >= 0):
            raise ValueError(f"tol must be a number >= 0; got {self.tol!r}")
        if isinstance(self.init, str):
            if self.init not in ("k-means++", "random"):
                raise ValueError(f"init must be 'k-means++', 'random' or an array of centres; "
                                 f"got {self.init!r}")
            return (None, *counts)
        centres = np.asarray(self.init, dtype=np.float64)
        if centres.shape != (k, X.shape[1]):
            raise ValueError(f"init has shape {centres.shape}; it must be (n_clusters, n_features)"
                             f" = ({k}, {X.shape[1]})")
        if not np.all(np.isfinite(centres)):
            raise ValueError("init contains NaN or infinity; pass finite centres")
        return (centres, *counts)

    def _lloyd(self, X: np.ndarray, centres: np.ndarray, tol: float, max_iter: int):
        X_t = tf.constant(X)
        centres_t = tf.constant(centres)
        k = centres.shape[0]
        history, labels_old = [], None
        n_iter = 0
        for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is used after the loop)
            d2 = _sq_distances(X_t, centres_t)
            labels = tf.argmin(d2, axis=1, output_type=tf.int32)
            history.append(float(tf.reduce_sum(tf.reduce_min(d2, axis=1))))
            counts = tf.math.unsorted_segment_sum(tf.ones_like(labels, tf.float64), labels, k)
            sums = tf.math.unsorted_segment_sum(X_t, labels, k)
            new = tf.where(counts[:, None] > 0, sums / tf.maximum(counts, 1.0)[:, None], centres_t)
            empty = np.flatnonzero(counts.numpy() == 0)
            if empty.size:  # move each empty centre onto a far point, one at a time
                new = new.numpy()
                own = tf.gather(d2, labels, axis=1, batch_dims=1).numpy()
                for j, index in zip(empty, np.argsort(-own, kind="stable"), strict=False):
                    new[j] = X[index]
                new = tf.constant(new)
            shift = float(tf.reduce_sum(tf.square(new - centres_t)))
            centres_t = new
            labels_np = labels.numpy()
            if labels_old is not None and np.array_equal(labels_np, labels_old):
                break  # strict convergence: the centres are the means of an unchanged assignment
            labels_old = labels_np
            if shift <= tol:
                break
        d2 = _sq_distances(X_t, centres_t)
        labels = tf.argmin(d2, axis=1, output_type=tf.int32).numpy()
        inertia = float(tf.reduce_sum(tf.reduce_min(d2, axis=1)))
        return centres_t.numpy(), labels, inertia, n_iter, history

    def fit(self, X, y=None):
        """Cluster X (n_samples, n_features); ``y`` is ignored. Returns self."""
        X = validate(self, X)
        given, k, n_init, max_iter = self._check_params(X)
        seed = check_random_state_seed(self.random_state)
        tol = float(self.tol) * float(np.mean(np.var(X, axis=0)))
        best = None
        runs = 1 if given is not None else n_init
        for run in range(runs):
            if given is not None:
                start = given
            elif self.init == "random":
                rng = np.random.default_rng(seed + run)
                start = X[rng.choice(X.shape[0], k, replace=False)]
            else:
                start = kmeans_plus_plus(X, k, seed + run)
            result = self._lloyd(X, start, tol, max_iter)
            if best is None or result[2] < best[2]:
                best = result
        (self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_,
         self.inertia_history_) = best
        self.labels_ = self.labels_.astype(np.int64)
        return self

    def _distances(self, X) -> tf.Tensor:
        check_is_fitted(self, ["cluster_centers_"])
        X = validate(self, X, reset=False)
        return _sq_distances(tf.constant(X), tf.constant(self.cluster_centers_))

    def predict(self, X):
        """Index of the nearest centre for each row of X."""
        return tf.argmin(self._distances(X), axis=1).numpy().astype(np.int64)

    def transform(self, X):
        """Euclidean distance from each row of X to each centre, shape (n, k)."""
        return tf.sqrt(self._distances(X)).numpy()

    def score(self, X, y=None):
        """Minus the inertia of X with respect to the fitted centres (higher is better)."""
        return -float(tf.reduce_sum(tf.reduce_min(self._distances(X), axis=1)))
