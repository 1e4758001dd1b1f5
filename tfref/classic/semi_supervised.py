"""Label propagation (Zhu and Ghahramani 2002): semi-supervised learning on a similarity graph.

Seed 002 (semi-supervised learning): use a few labelled examples together with many unlabelled
ones. Label propagation spreads the known labels along a graph whose edge weights say how alike
two points are; a label travels far along a dense cluster and hardly at all across a gap.

Formula (as scikit-learn's LabelPropagation, RBF kernel):
    W_ij = exp(-gamma ||x_i - x_j||^2),   T = D^-1 W   (D_ii = sum_j W_ij; rows of T sum to 1)
    F_0 = one-hot labels of the labelled rows, 0 for the unlabelled (label -1)
    repeat:  F <- T F;  normalise every row to sum 1;  reset the labelled rows to their one-hot
    until sum |F_t - F_{t-1}| < tol or max_iter;  label_i = argmax_c F_ic

Symbols -> names: W -> ``affinity``; T -> ``transition``; F -> ``label_distributions_``.
The arithmetic runs in TensorFlow (float64); scikit-learn's LabelPropagation with the same
gamma, tol and max_iter is the oracle (tests/test_classic_new.py and the semi-supervised topic).
"""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClassifierMixin

from tfref.classic._base import check_is_fitted, check_positive_int, validate
from tfref.ops.distances import pairwise_distances

__all__ = ["LabelPropagation"]


def _nonzero(total: tf.Tensor) -> tf.Tensor:
    """Row sums with 0 replaced by 1 (a row no label has reached yet stays 0, as in sklearn)."""
    return tf.where(total == 0, tf.ones_like(total), total)


@tf.function(reduce_retracing=True)
def _propagate(transition, static, mask, max_iter, tol):
    """The loop as one graph: F <- T F, rows normalised, labelled rows reset; stop when
    sum |F_t - F_{t-1}| < tol or after max_iter iterations. Returns (F, iterations run)."""
    def body(i, F, change):
        new = tf.matmul(transition, F)
        new = tf.where(mask, static, new / _nonzero(tf.reduce_sum(new, axis=1, keepdims=True)))
        return i + 1, new, tf.reduce_sum(tf.abs(new - F))

    def more(i, F, change):
        return tf.logical_and(i < max_iter, change >= tol)

    i, F, _ = tf.while_loop(more, body, (tf.constant(0), static,
                                         tf.constant(np.inf, tf.float64)))
    return F, i


class LabelPropagation(ClassifierMixin, BaseEstimator):
    """Label propagation with an RBF kernel; unlabelled rows carry the label -1.

    Args: gamma (RBF width), max_iter, tol. Attributes: classes_, label_distributions_ (F, one
    row per training point), transduction_ (the label given to every training point), n_iter_.
    """

    def __init__(self, gamma=20.0, max_iter=1000, tol=1e-3):
        self.gamma = gamma
        self.max_iter = max_iter
        self.tol = tol

    def _affinity(self, A, B) -> tf.Tensor:
        d2 = pairwise_distances(tf.constant(A), tf.constant(B), metric="sqeuclidean")
        return tf.exp(-self.gamma * tf.cast(d2, tf.float64))

    def fit(self, X, y):
        X, y = validate(self, X, y, y_numeric=False)
        for name in ("gamma", "tol"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a number > 0; got {value!r}")
        check_positive_int(self.max_iter, "max_iter")
        y = np.asarray(y)
        labelled = y != -1
        if not labelled.any():
            raise ValueError("y has no labelled row: give at least one label other than -1 (the "
                             "mark of an unlabelled row)")
        self.classes_ = np.unique(y[labelled])
        self.X_ = X
        affinity = self._affinity(X, X)
        transition = affinity / tf.reduce_sum(affinity, axis=1, keepdims=True)
        onehot = (y[:, None] == self.classes_[None, :]).astype(np.float64)
        static = tf.constant(onehot)
        mask = tf.constant(labelled[:, None])
        F, n_iter = _propagate(transition, static, mask, tf.constant(self.max_iter),
                               tf.constant(float(self.tol), tf.float64))
        n_iter = int(n_iter)
        F = F / _nonzero(tf.reduce_sum(F, axis=1, keepdims=True))
        self.label_distributions_ = F.numpy()
        self.transduction_ = self.classes_[np.argmax(self.label_distributions_, axis=1)]
        self.n_iter_ = n_iter
        return self

    def predict_proba(self, X) -> np.ndarray:
        """F for new points: their kernel-weighted average of the training rows' F."""
        check_is_fitted(self, ["label_distributions_"])
        X = validate(self, X, reset=False)
        weights = self._affinity(X, self.X_)
        proba = tf.matmul(weights, tf.constant(self.label_distributions_)).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
