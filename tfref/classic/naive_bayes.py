"""Naive Bayes classifiers in TensorFlow: Gaussian and multinomial, equal to scikit-learn's.

Bayes' rule with features independent given the class (document 002):
    P(c | x) = P(c) prod_j P(x_j | c) / P(x),   predict argmax_c log P(c) + sum_j log P(x_j | c)

Gaussian (continuous features), per class c and feature j:
    log P(x_j | c) = -0.5 log(2 pi var_cj) - (x_j - mu_cj)^2 / (2 var_cj)
    var_cj = population variance of feature j in class c + epsilon,
    epsilon = var_smoothing * max_j Var(x_j)   (scikit-learn's rule, for stability)
Multinomial (counts, e.g. word or pixel counts), with Laplace/Lidstone smoothing alpha:
    theta_cj = (N_cj + alpha) / (N_c + alpha n),   log P(x | c) = sum_j x_j log theta_cj + const

Symbols -> names: P(c) -> class_prior_; mu -> theta_; var -> var_; theta_cj ->
exp(feature_log_prob_); alpha -> alpha. Posteriors are a softmax of the joint log likelihoods
(log-sum-exp), so they never underflow. Fitting and prediction run in TensorFlow, float64 (as
scikit-learn), so ``predict_proba`` equals scikit-learn's to about 1e-12.
"""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from tfref.classic._base import (
    check_is_fitted,
    check_labels_known,
    to_tensor,
    validate,
)

__all__ = ["GaussianNaiveBayes", "MultinomialNaiveBayes"]


class _NaiveBayes(ClassifierMixin, BaseEstimator):
    """Shared prediction: a softmax over the joint log likelihoods log P(c) + log P(x | c)."""

    def _encode(self, X, y):
        X, y = validate(self, X, y)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        y_index = tf.constant(y_index, dtype=tf.int32)
        counts = tf.math.unsorted_segment_sum(tf.ones_like(y_index, tf.float64), y_index,
                                              len(self.classes_))
        return to_tensor(X), y_index, counts

    def _log_prior(self, counts: tf.Tensor, given) -> tf.Tensor:
        if given is None:
            return tf.math.log(counts) - tf.math.log(tf.reduce_sum(counts))
        prior = np.asarray(given, dtype=np.float64)
        if prior.shape != (len(self.classes_),):
            raise ValueError(f"the class prior must have one entry per class "
                             f"({len(self.classes_)}); got shape {prior.shape}")
        if (prior < 0).any() or not np.isclose(prior.sum(), 1.0):
            raise ValueError("the class prior must be non-negative and sum to 1")
        return tf.math.log(tf.constant(prior))

    def _joint_log_likelihood(self, X: tf.Tensor) -> tf.Tensor:
        raise NotImplementedError

    def _checked(self, X) -> tf.Tensor:
        check_is_fitted(self, ["classes_"])
        return to_tensor(validate(self, X, reset=False))

    def predict_log_proba(self, X) -> np.ndarray:
        jll = self._joint_log_likelihood(self._checked(X))
        return tf.nn.log_softmax(jll, axis=1).numpy()

    def predict_proba(self, X) -> np.ndarray:
        """P(c | x) for each row, shape (n, classes)."""
        return tf.nn.softmax(self._joint_log_likelihood(self._checked(X)), axis=1).numpy()

    def predict(self, X) -> np.ndarray:
        jll = self._joint_log_likelihood(self._checked(X))
        return self.classes_[tf.argmax(jll, axis=1).numpy()]

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy; ValueError for labels of ``y`` unseen at fit."""
        check_is_fitted(self, ["classes_"])
        check_labels_known(np.asarray(y), self.classes_)
        return super().score(X, y, sample_weight=sample_weight)


class GaussianNaiveBayes(_NaiveBayes):
    """Gaussian naive Bayes (scikit-learn's ``GaussianNB``, same ``priors``/``var_smoothing``).

    Attributes: classes_, class_count_, class_prior_, theta_ (class means), var_ (class
    variances + epsilon_), epsilon_, n_features_in_.
    """

    def __init__(self, priors=None, var_smoothing=1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X, y):
        if not isinstance(self.var_smoothing, numbers.Real) or not self.var_smoothing >= 0:
            raise ValueError(f"var_smoothing must be a number >= 0; got {self.var_smoothing!r}")
        X, y_index, counts = self._encode(X, y)
        k = len(self.classes_)
        means = tf.math.unsorted_segment_sum(X, y_index, k) / counts[:, None]
        centred = X - tf.gather(means, y_index)
        variances = tf.math.unsorted_segment_sum(centred * centred, y_index, k) / counts[:, None]
        overall = tf.reduce_mean(tf.square(X - tf.reduce_mean(X, axis=0)), axis=0)
        epsilon = self.var_smoothing * tf.reduce_max(overall)
        self.epsilon_ = float(epsilon)
        self.theta_ = means.numpy()
        self.var_ = (variances + epsilon).numpy()
        self.class_count_ = counts.numpy()
        self._log_class_prior = self._log_prior(counts, self.priors)
        self.class_prior_ = tf.exp(self._log_class_prior).numpy()
        return self

    def _joint_log_likelihood(self, X: tf.Tensor) -> tf.Tensor:
        mu, var = tf.constant(self.theta_), tf.constant(self.var_)  # (k, d)
        log_norm = -0.5 * tf.reduce_sum(tf.math.log(2.0 * np.pi * var), axis=1)  # (k,)
        squared = tf.square(X[:, None, :] - mu[None]) / var[None]  # (n, k, d)
        return self._log_class_prior[None] + log_norm[None] - 0.5 * tf.reduce_sum(squared, axis=2)


class MultinomialNaiveBayes(_NaiveBayes):
    """Multinomial naive Bayes (scikit-learn's ``MultinomialNB``, same ``alpha``/priors).

    X holds non-negative counts (or frequencies). Attributes: classes_, class_count_,
    class_log_prior_, feature_count_, feature_log_prob_, n_features_in_.
    """

    def __init__(self, alpha=1.0, fit_prior=True, class_prior=None):
        self.alpha = alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def fit(self, X, y):
        if not isinstance(self.alpha, numbers.Real) or not self.alpha >= 0:
            raise ValueError(f"alpha must be a number >= 0 (the smoothing count); got {self.alpha!r}")
        X, y_index, counts = self._encode(X, y)
        if bool(tf.reduce_any(X < 0)):
            raise ValueError("Negative values in data passed to MultinomialNaiveBayes (input X); "
                             "it needs counts >= 0")
        k = len(self.classes_)
        feature_count = tf.math.unsorted_segment_sum(X, y_index, k)  # N_cj
        smoothed = feature_count + tf.constant(float(self.alpha), tf.float64)
        self.feature_log_prob_ = (tf.math.log(smoothed) - tf.math.log(
            tf.reduce_sum(smoothed, axis=1, keepdims=True))).numpy()
        self.feature_count_ = feature_count.numpy()
        self.class_count_ = counts.numpy()
        if self.class_prior is not None:
            log_prior = self._log_prior(counts, self.class_prior)
        elif self.fit_prior:
            log_prior = self._log_prior(counts, None)
        else:
            log_prior = tf.fill([k], -np.log(k)).numpy()
        self.class_log_prior_ = np.asarray(log_prior, dtype=np.float64)
        return self

    def _joint_log_likelihood(self, X: tf.Tensor) -> tf.Tensor:
        if bool(tf.reduce_any(X < 0)):
            raise ValueError("Negative values in data passed to MultinomialNaiveBayes (input X); "
                             "it needs counts >= 0")
        return (tf.matmul(X, tf.constant(self.feature_log_prob_), transpose_b=True)
                + tf.constant(self.class_log_prior_)[None])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.classifier_tags.poor_score = True  # as scikit-learn's MultinomialNB: the checks'
        return tags  # blobs are not counts, so their accuracy threshold does not apply
