"""Ensembles of tfref's ID3 trees: bagging, random forest and AdaBoost (SAMME with stumps).

Bagging (Breiman 1996): M members, each fitted on a bootstrap sample (n draws with
replacement); the ensemble averages the members' class probabilities (soft vote, as
scikit-learn's ``BaggingClassifier``):
    P(c | x) = 1/M sum_m P_m(c | x),   predict argmax_c P(c | x)
Random forest (Breiman 2001): bagging of trees that, at every node, choose the split among
``max_features`` features drawn at random (``ID3Classifier(max_features=...)``).
AdaBoost, multi-class SAMME (Zhu et al. 2009; for two classes it is AdaBoost.M1), with
decision stumps (depth-1 trees) fitted on weighted examples:
    err_m   = sum_i w_i [h_m(x_i) != y_i] / sum_i w_i
    alpha_m = learning_rate (log((1 - err_m) / err_m) + log(K - 1))
    w_i    <- w_i exp(alpha_m [h_m(x_i) != y_i]),  then normalised
    H(x)    = argmax_c sum_m alpha_m [h_m(x) = c]

Symbols -> names: h_m -> estimators_[m]; alpha_m -> estimator_weights_; err_m ->
estimator_errors_. The members are :class:`tfref.classic.tree.ID3Classifier` (NumPy split
search, see its docstring); the ensemble arithmetic (averaging the members' probabilities, the
weighted votes, the SAMME weight updates) is TensorFlow.
"""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets

from tfref.classic._base import (
    check_is_fitted,
    check_labels_known,
    check_positive_int,
    check_random_state_seed,
    validate,
)
from tfref.classic.tree import ID3Classifier

__all__ = ["BaggingTrees", "RandomForest", "AdaBoostStumps"]


def _fit(member, X, y):
    """Fit a member; tfref's own trees skip re-validating the ensemble's validated arrays."""
    if isinstance(member, ID3Classifier):
        return member._fit_checked(X, y)
    return member.fit(X, y)


def _proba(member, X):
    if isinstance(member, ID3Classifier):
        return member._proba_checked(X)
    return member.predict_proba(X)


class _Voting(ClassifierMixin, BaseEstimator):
    """Shared: members' probabilities aligned to the ensemble's classes, then averaged (TF)."""

    def _member_proba(self, member, X) -> np.ndarray:
        proba = np.zeros((X.shape[0], len(self.classes_)))
        columns = np.searchsorted(self.classes_, member.classes_)
        proba[:, columns] = _proba(member, X)
        return proba

    def member_predictions(self, X) -> np.ndarray:
        """Each member's predicted labels, shape (members, n)."""
        check_is_fitted(self, ["estimators_"])
        X = validate(self, X, reset=False)
        return np.stack([m.classes_[np.argmax(_proba(m, X), axis=1)] for m in self.estimators_])

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy; ValueError for labels of ``y`` unseen at fit."""
        check_is_fitted(self, ["estimators_"])
        check_labels_known(np.asarray(y), self.classes_)
        return super().score(X, y, sample_weight=sample_weight)


class BaggingTrees(_Voting):
    """Bagging: members fitted on bootstrap samples, probabilities averaged.

    Args:
        estimator: the member (default ``ID3Classifier()``); cloned for each member, with its
            ``random_state`` (if it has one) set from the ensemble's.
        n_estimators: number of members M.
        max_samples: bootstrap size as a share of n (default 1.0).
        random_state: seed of the bootstrap draws.

    Attributes: classes_, estimators_, estimators_samples_ (row indices of each bootstrap
    sample), n_features_in_.
    """

    def __init__(self, estimator=None, n_estimators=10, max_samples=1.0, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.random_state = random_state

    def _member(self):
        return ID3Classifier() if self.estimator is None else self.estimator

    def fit(self, X, y):
        X, y = validate(self, X, y)
        check_classification_targets(y)
        count = check_positive_int(self.n_estimators, "n_estimators")
        if not isinstance(self.max_samples, numbers.Real) or not 0 < self.max_samples <= 1:
            raise ValueError(f"max_samples must be a share in (0, 1]; got {self.max_samples!r}")
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        rng = np.random.default_rng(check_random_state_seed(self.random_state))
        size = max(1, int(round(self.max_samples * X.shape[0])))
        self.estimators_, self.estimators_samples_ = [], []
        for _ in range(count):
            rows = rng.integers(0, X.shape[0], size)
            member = clone(self._member())
            if "random_state" in member.get_params():
                member.set_params(random_state=int(rng.integers(0, 2**31 - 1)))
            self.estimators_.append(_fit(member, X[rows], y[rows]))
            self.estimators_samples_.append(rows)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Mean of the members' class probabilities, shape (n, classes)."""
        check_is_fitted(self, ["estimators_"])
        X = validate(self, X, reset=False)
        stacked = tf.constant(np.stack([self._member_proba(m, X) for m in self.estimators_]))
        return tf.reduce_mean(stacked, axis=0).numpy()

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)  # checks fitted first
        return self.classes_[np.argmax(proba, axis=1)]

    def staged_score(self, X, y) -> np.ndarray:
        """Accuracy of the ensemble of the first m members, m = 1..M."""
        check_is_fitted(self, ["estimators_"])
        X = validate(self, X, reset=False)
        check_labels_known(np.asarray(y), self.classes_)
        probas = tf.constant(np.stack([self._member_proba(m, X) for m in self.estimators_]))
        running = tf.cumsum(probas, axis=0)  # sum of the first m members (same argmax as mean)
        predicted = self.classes_[tf.argmax(running, axis=2).numpy()]
        return np.mean(predicted == np.asarray(y)[None], axis=1)


class RandomForest(BaggingTrees):
    """Random forest: bagging of ID3 trees choosing each split among random features.

    Args: n_estimators, max_features ("sqrt", "log2", int, share or None), max_depth,
    min_samples_split, random_state. Attributes as :class:`BaggingTrees`.
    """

    def __init__(self, n_estimators=25, max_features="sqrt", max_depth=None,
                 min_samples_split=2, random_state=None):
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.random_state = random_state

    # BaggingTrees' fit reads these two
    estimator = None
    max_samples = 1.0

    def _member(self):
        return ID3Classifier(max_features=self.max_features, max_depth=self.max_depth,
                             min_samples_split=self.min_samples_split)


class AdaBoostStumps(_Voting):
    """AdaBoost (SAMME) with ID3 stumps fitted on weighted examples.

    Args:
        n_estimators: boosting rounds M (fewer if a stump is perfect or no better than chance).
        learning_rate: shrinks each alpha_m.
        max_depth: depth of the member trees (1: stumps).
        random_state: kept for the contract (the stumps are deterministic).

    Attributes: classes_, estimators_, estimator_weights_ (alpha_m), estimator_errors_ (err_m),
    n_features_in_.
    """

    def __init__(self, n_estimators=50, learning_rate=1.0, max_depth=1, random_state=None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X, y):
        X, y = validate(self, X, y)
        check_classification_targets(y)
        rounds = check_positive_int(self.n_estimators, "n_estimators")
        if not isinstance(self.learning_rate, numbers.Real) or not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be a number > 0; got {self.learning_rate!r}")
        self.classes_, y_index = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        k = len(self.classes_)
        weights = tf.fill([X.shape[0]], tf.constant(1.0 / X.shape[0], tf.float64))
        self.estimators_, alphas, errors = [], [], []
        for _ in range(rounds):
            stump = ID3Classifier(max_depth=self.max_depth)._fit_checked(
                X, y_index, sample_weight=weights.numpy())
            miss = tf.constant(np.argmax(stump._proba_checked(X), axis=1) != y_index, tf.float64)
            error = float(tf.reduce_sum(weights * miss) / tf.reduce_sum(weights))
            if error >= 1.0 - 1.0 / k and self.estimators_:
                break  # no better than chance: stop (SAMME's condition)
            if error <= 0.0:  # a perfect member decides alone
                self.estimators_.append(stump)
                alphas.append(1.0)
                errors.append(0.0)
                break
            alpha = self.learning_rate * (np.log((1.0 - error) / error) + np.log(k - 1.0))
            self.estimators_.append(stump)
            alphas.append(float(alpha))
            errors.append(error)
            weights = weights * tf.exp(alpha * miss)
            weights = weights / tf.reduce_sum(weights)
        self.estimator_weights_ = np.asarray(alphas)
        self.estimator_errors_ = np.asarray(errors)
        return self

    def _votes(self, X) -> tf.Tensor:
        """Per member, one-hot of its prediction times alpha_m: shape (members, n, classes)."""
        predicted = np.stack([np.argmax(m._proba_checked(X), axis=1)  # class indices
                              for m in self.estimators_])
        one_hot = tf.one_hot(predicted, len(self.classes_), dtype=tf.float64)
        return one_hot * tf.constant(self.estimator_weights_)[:, None, None]

    def _scores(self, X) -> np.ndarray:
        check_is_fitted(self, ["estimators_"])
        return tf.reduce_sum(self._votes(validate(self, X, reset=False)), axis=0).numpy()

    def decision_function(self, X) -> np.ndarray:
        """sum_m alpha_m [h_m(x) = c], shape (n, classes); two classes: class 1 minus class 0
        (shape (n,), positive for classes_[1]), as scikit-learn's convention."""
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict(self, X) -> np.ndarray:
        scores = self._scores(X)  # checks fitted first
        return self.classes_[np.argmax(scores, axis=1)]

    def staged_predict(self, X) -> np.ndarray:
        """Predictions of the first m rounds, m = 1..M, shape (rounds, n)."""
        check_is_fitted(self, ["estimators_"])
        running = tf.cumsum(self._votes(validate(self, X, reset=False)), axis=0)
        return self.classes_[tf.argmax(running, axis=2).numpy()]

    def member_predictions(self, X) -> np.ndarray:
        indices = super().member_predictions(X).astype(int)  # checks fitted first
        return self.classes_[indices]
