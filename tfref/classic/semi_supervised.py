"""Label propagation (Zhu and Ghahramani 2002) and self-training: semi-supervised learning.

Seed 002 (semi-supervised learning): use a few labelled examples together with many unlabelled
ones; it names self-training (自训练) among the methods. Label propagation spreads the known
labels along a graph whose edge weights say how alike two points are; a label travels far along
a dense cluster and hardly at all across a gap. Self-training wraps any classifier with
``predict_proba`` and feeds it its own confident predictions as labels, round after round.

Formula (as scikit-learn's LabelPropagation, RBF kernel):
    W_ij = exp(-gamma ||x_i - x_j||^2),   T = D^-1 W   (D_ii = sum_j W_ij; rows of T sum to 1)
    F_0 = one-hot labels of the labelled rows, 0 for the unlabelled (label -1)
    repeat:  F <- T F;  normalise every row to sum 1;  reset the labelled rows to their one-hot
    until sum |F_t - F_{t-1}| < tol or max_iter;  label_i = argmax_c F_ic

Formula (self-training, as scikit-learn's SelfTrainingClassifier with criterion="threshold"):
    L = the labelled rows, U = the rest (label -1)
    repeat up to max_iter times while U is not empty:
        fit the base classifier f on (X_L, y_L)
        p_i = max_c f(x_i)_c for i in U;  S = {i in U : p_i > threshold}
        stop if S is empty;  else y_i = argmax_c f(x_i)_c for i in S;  L <- L + S;  U <- U - S
    finally fit f on (X_L, y_L)

Kernel vote (the base classifier the semi-supervised topic gives self-training):
    P(c | x) = (prior + sum_{i: y_i = c} exp(-gamma ||x - x_i||^2))
               / (C prior + sum_i exp(-gamma ||x - x_i||^2))
    far from every labelled point P(c | x) -> 1/C, so only points near the labels are confident.

Symbols -> names: W -> ``affinity``; T -> ``transition``; F -> ``label_distributions_``; L ->
``labeled_iter_ >= 0``; S -> the rows labelled in one round; f -> ``estimator_``.
The arithmetic of LabelPropagation and KernelVote runs in TensorFlow (float64); scikit-learn's
LabelPropagation with the same gamma, tol and max_iter, and its SelfTrainingClassifier with the
same base estimator and threshold, are the oracles (tests/test_classic_new.py and the
semi-supervised topic).
"""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from tfref.classic._base import check_is_fitted, check_positive_int, validate
from tfref.ops.distances import pairwise_distances

__all__ = ["KernelVote", "LabelPropagation", "SelfTraining"]


def _check_positive_number(value, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not value > 0 \
            or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    return float(value)


def _rbf(A, B, gamma: float) -> tf.Tensor:
    """exp(-gamma ||a_i - b_j||^2) for every row a_i of A and b_j of B, (len(A), len(B)) float64."""
    d2 = pairwise_distances(tf.constant(A), tf.constant(B), metric="sqeuclidean")
    return tf.exp(-gamma * tf.cast(d2, tf.float64))


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

    def fit(self, X, y):
        X, y = validate(self, X, y, y_numeric=False)
        gamma = _check_positive_number(self.gamma, "gamma")
        tol = _check_positive_number(self.tol, "tol")
        max_iter = check_positive_int(self.max_iter, "max_iter")
        y = np.asarray(y)
        labelled = y != -1
        if not labelled.any():
            raise ValueError("y has no labelled row: give at least one label other than -1 (the "
                             "mark of an unlabelled row)")
        self.classes_ = np.unique(y[labelled])
        self.X_ = X
        affinity = _rbf(X, X, gamma)
        transition = affinity / tf.reduce_sum(affinity, axis=1, keepdims=True)
        onehot = (y[:, None] == self.classes_[None, :]).astype(np.float64)
        static = tf.constant(onehot)
        mask = tf.constant(labelled[:, None])
        F, n_iter = _propagate(transition, static, mask, tf.constant(max_iter),
                               tf.constant(tol, tf.float64))
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
        weights = _rbf(X, self.X_, _check_positive_number(self.gamma, "gamma"))
        proba = tf.matmul(weights, tf.constant(self.label_distributions_)).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class KernelVote(ClassifierMixin, BaseEstimator):
    """A Gaussian-kernel vote of the training points with a prior weight (module docstring).

    P(c | x) = (prior + sum_{i: y_i = c} k(x, x_i)) / (C prior + sum_i k(x, x_i)), with
    k(x, x_i) = exp(-gamma ||x - x_i||^2): near a training point its class wins, far from all of
    them every class has 1/C. The base classifier of self-training in the semi-supervised topic.

    Args: gamma (RBF width, > 0), prior (weight of the uniform vote, > 0). Attributes: classes_,
    X_ and Y_ (training points and their one-hot labels).

    Example:
        >>> vote = KernelVote(gamma=1.0, prior=0.1).fit([[0.0], [1.0]], [0, 1])
        >>> vote.predict([[0.1], [0.9]]).tolist(), vote.predict_proba([[50.0]]).round(3).tolist()
        ([0, 1], [[0.5, 0.5]])
    """

    def __init__(self, gamma=20.0, prior=0.1):
        self.gamma = gamma
        self.prior = prior

    def fit(self, X, y):
        X, y = validate(self, X, y, y_numeric=False)
        _check_positive_number(self.gamma, "gamma")
        _check_positive_number(self.prior, "prior")
        self.classes_ = np.unique(y)
        self.X_ = X
        self.Y_ = (np.asarray(y)[:, None] == self.classes_[None, :]).astype(np.float64)
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, ["Y_"])
        X = validate(self, X, reset=False)
        gamma = _check_positive_number(self.gamma, "gamma")
        prior = _check_positive_number(self.prior, "prior")
        votes = tf.matmul(_rbf(X, self.X_, gamma), tf.constant(self.Y_)) + prior  # (n, C)
        return (votes / tf.reduce_sum(votes, axis=1, keepdims=True)).numpy()

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class SelfTraining(ClassifierMixin, BaseEstimator):
    """Self-training: a base classifier refitted on its own confident predictions.

    Unlabelled rows of y carry -1. Each round fits a clone of ``estimator`` on the labelled rows,
    labels every unlabelled row whose largest class probability exceeds ``threshold`` with its
    predicted class, and stops when a round labels nothing, every row is labelled, or after
    ``max_iter`` rounds; the last fit uses every row labelled by then (module docstring).

    Args:
        estimator: the base classifier (any scikit-learn classifier with ``predict_proba``);
            None means ``KernelVote()``.
        threshold: a prediction becomes a label when its probability is > threshold, in [0, 1).
        max_iter: the most rounds, a whole number >= 1, or None for no limit.

    Attributes (as scikit-learn's SelfTrainingClassifier): estimator_ (the last fit), classes_,
    transduction_ (the labels at the end, -1 where none was given), labeled_iter_ (the round in
    which each row got its label: 0 for the given labels, -1 for none), n_iter_,
    termination_condition_ ("max_iter", "no_change" or "all_labeled"; "no_change" also when the
    last allowed round labelled nothing, where scikit-learn reports "max_iter").

    Example:
        >>> X = [[0.0], [0.2], [0.4], [3.0], [3.2], [3.4]]
        >>> y = [0, -1, -1, 1, -1, -1]
        >>> model = SelfTraining(KernelVote(gamma=5.0), threshold=0.9).fit(X, y)
        >>> model.transduction_.tolist(), model.labeled_iter_.tolist(), model.termination_condition_
        ([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], 'all_labeled')
    """

    def __init__(self, estimator=None, threshold=0.75, max_iter=10):
        self.estimator = estimator
        self.threshold = threshold
        self.max_iter = max_iter

    def fit(self, X, y):
        X, y = validate(self, X, y, y_numeric=False)
        if (not isinstance(self.threshold, numbers.Real) or isinstance(self.threshold, bool)
                or not 0.0 <= self.threshold < 1.0):
            raise ValueError(f"threshold must be a probability in [0, 1): a prediction becomes a "
                             f"label when its probability exceeds it; got {self.threshold!r}")
        max_iter = None if self.max_iter is None else check_positive_int(self.max_iter, "max_iter")
        base = KernelVote() if self.estimator is None else self.estimator
        if not hasattr(base, "predict_proba"):
            raise ValueError(f"estimator must have predict_proba (self-training keeps the "
                             f"predictions it is confident of); {type(base).__name__} has none")
        y = np.asarray(y)
        labelled = y != -1
        if not labelled.any():
            raise ValueError("y has no labelled row: give at least one label other than -1 (the "
                             "mark of an unlabelled row)")
        self.estimator_ = clone(base)
        self.transduction_ = y.copy()
        self.labeled_iter_ = np.where(labelled, 0, -1)
        self.n_iter_ = 0
        self.termination_condition_ = "max_iter"
        while not labelled.all() and (max_iter is None or self.n_iter_ < max_iter):
            self.n_iter_ += 1
            self.estimator_.fit(X[labelled], self.transduction_[labelled])
            unlabelled = np.flatnonzero(~labelled)
            proba = self.estimator_.predict_proba(X[unlabelled])  # (len(unlabelled), C)
            confident = np.max(proba, axis=1) > self.threshold
            if not confident.any():
                self.termination_condition_ = "no_change"
                break
            chosen = unlabelled[confident]
            predicted = self.estimator_.classes_[np.argmax(proba[confident], axis=1)]
            self.transduction_[chosen] = predicted
            labelled[chosen] = True
            self.labeled_iter_[chosen] = self.n_iter_
        if labelled.all():
            self.termination_condition_ = "all_labeled"
        self.estimator_.fit(X[labelled], self.transduction_[labelled])
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, ["estimator_"])
        return self.estimator_.predict_proba(validate(self, X, reset=False))

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, ["estimator_"])
        return self.estimator_.predict(validate(self, X, reset=False))
