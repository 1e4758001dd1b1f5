"""K-nearest-neighbour classification in TensorFlow, with scikit-learn's contract (000, 002).

A query x gets the majority label of its k nearest training points:

    N_k(x) = the k training points of smallest distance d(x, x_i)
    yhat(x) = argmax_c  sum_{i in N_k(x)} [y_i = c]          (weights="uniform")
    yhat(x) = argmax_c  sum_{i in N_k(x)} [y_i = c] / d(x, x_i)   (weights="distance")

Ties rule (documented, deterministic):
- distance ties at the k-th neighbour go to the LOWER training index (``tf.math.top_k`` keeps
  the earlier of equal values), as scikit-learn's brute-force search does in practice (its
  stable argsort of the candidate distances);
- vote ties go to the class that sorts first in ``classes_`` (``argmax`` keeps the first
  maximum), as scikit-learn's ``mode``.

Small k gives a complex, wiggly boundary (k = 1 reproduces the training labels exactly); large
k a smooth one (k = n predicts the majority class everywhere).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from tfref.classic._base import (
    check_is_fitted,
    check_labels_known,
    check_positive_int,
    validate,
)
from tfref.ops.distances import pairwise_distances

__all__ = ["KNeighborsClassifier"]

_CHUNK_ENTRIES = 4_000_000  # (queries x training points x features) per distance block


class KNeighborsClassifier(ClassifierMixin, BaseEstimator):
    """Majority vote of the k nearest training points; distances in TensorFlow.

    Parameters:
        n_neighbors: k, a whole number 1 <= k <= the number of training samples.
        weights: "uniform" (one vote each) or "distance" (votes weighted by 1 / distance; a
            query at distance 0 from training points takes their vote only).
        metric: "euclidean", "sqeuclidean" or "manhattan" (tfref.ops.pairwise_distances).

    Attributes:
        classes_, n_features_in_, and the stored training set ``X_fit_``, ``y_fit_`` (indices
        into ``classes_``).

    Example:
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    >>> KNeighborsClassifier(n_neighbors=3).fit(X, ["a", "a", "a", "b", "b"]).predict(
    ...     [[1.5], [10.5]]).tolist()
    ['a', 'b']
    """

    def __init__(self, n_neighbors=5, *, weights="uniform", metric="euclidean"):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.metric = metric

    def fit(self, X, y):
        """Store the training set (X (n, d), labels y (n,)). Returns self."""
        X, y = validate(self, X, y)
        check_classification_targets(y)
        check_positive_int(self.n_neighbors, "n_neighbors")
        if self.weights not in ("uniform", "distance"):
            raise ValueError(f"weights must be 'uniform' or 'distance'; got {self.weights!r}")
        if self.metric not in ("euclidean", "sqeuclidean", "manhattan"):
            raise ValueError(f"metric must be 'euclidean', 'sqeuclidean' or 'manhattan'; got "
                             f"{self.metric!r}")
        self.classes_, self.y_fit_ = np.unique(y, return_inverse=True)
        self.X_fit_ = X
        return self

    def kneighbors(self, X=None, n_neighbors=None):
        """(distances, indices) of the k nearest training points of each row of X, nearest
        first; ties go to the lower training index."""
        check_is_fitted(self, ["X_fit_"])
        X = validate(self, X, reset=False)
        k = check_positive_int(self.n_neighbors if n_neighbors is None else n_neighbors,
                               "n_neighbors")
        n_fit = self.X_fit_.shape[0]
        if k > n_fit:
            raise ValueError(f"Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}, "
                             f"n_samples_fit = {n_fit}: there are only {n_fit} training points")
        train = tf.constant(self.X_fit_)
        rows = max(1, _CHUNK_ENTRIES // max(1, n_fit * X.shape[1]))
        distances, indices = [], []
        for start in range(0, X.shape[0], rows):
            d = pairwise_distances(tf.constant(X[start:start + rows]), train, metric=self.metric)
            negative, index = tf.math.top_k(-d, k=k, sorted=True)
            distances.append(-negative.numpy())
            indices.append(index.numpy())
        return np.concatenate(distances), np.concatenate(indices).astype(np.int64)

    def predict_proba(self, X):
        """Share of the (weighted) votes for each class, shape (n, len(classes_))."""
        distances, indices = self.kneighbors(X)
        labels = tf.constant(self.y_fit_[indices])  # (n, k) class indices
        votes = tf.one_hot(labels, len(self.classes_), dtype=tf.float64)
        if self.weights == "distance":
            d = tf.constant(distances)
            exact = d == 0
            has_exact = tf.reduce_any(exact, axis=1, keepdims=True)
            w = tf.where(has_exact, tf.cast(exact, tf.float64), 1.0 / tf.where(exact, 1.0, d))
            votes = votes * w[:, :, None]
        counts = tf.reduce_sum(votes, axis=1)
        return (counts / tf.reduce_sum(counts, axis=1, keepdims=True)).numpy()

    def predict(self, X):
        """The majority class of the k nearest training points (ties: first in classes_)."""
        proba = self.predict_proba(X)
        return self.classes_[tf.argmax(proba, axis=1).numpy()]

    def score(self, X, y, sample_weight=None):
        """Accuracy on (X, y); a label of y not seen at fit raises ValueError."""
        check_is_fitted(self, ["classes_"])
        check_labels_known(np.asarray(y).ravel(), self.classes_)
        return super().score(X, y, sample_weight=sample_weight)
