"""Gradient boosting (log loss) and stacked generalisation, the two ensembles 002 names beside
bagging, AdaBoost and random forests.

Gradient boosting (Friedman 2001), classes k = 1..K, scores F_k(x), p = softmax(F) (two classes:
one score, p = sigmoid(F)):
    F_k^0      = log prior_k                       (two classes: log(p1 / (1 - p1)))
    r_ik       = y_ik - p_ik                       (minus the gradient of the log loss)
    tree h_mk  fitted to r_.k by least squares     (regression tree, depth ``max_depth``)
    leaf value gamma = sum_leaf r / sum_leaf p (1 - p)           (two classes; a Newton step)
               gamma = (K - 1) / K sum_leaf r / sum_leaf |r| (1 - |r|)   (K > 2)
    F_k       <- F_k + learning_rate * gamma(leaf of x)
This is the update of scikit-learn's ``GradientBoostingClassifier(loss="log_loss")``; the
regression trees are scikit-learn's ``DecisionTreeRegressor(criterion="squared_error")`` (the
tree search is not what this module teaches; the boosting loop is).

Stacking (Wolpert 1992): base models' out-of-fold class probabilities (``cv`` stratified folds,
no shuffling) become the features of a final model; the base models are then refitted on all the
data. Two classes: only P(class 1) of each base model is kept (the other column is redundant),
as scikit-learn's ``StackingClassifier`` does.

Symbols -> names: F -> ``decision_function``; gamma -> the leaf values of ``estimators_``;
learning_rate, max_depth, n_estimators as scikit-learn's.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.multiclass import check_classification_targets

from tfref.classic._base import (
    check_is_fitted,
    check_labels_known,
    check_positive_int,
    validate,
)

__all__ = ["GradientBoosting", "Stacking"]


class GradientBoosting(ClassifierMixin, BaseEstimator):
    """Gradient-boosted regression trees for classification (log loss).

    Args:
        n_estimators: boosting rounds (one tree per round, K trees for K > 2 classes).
        learning_rate: shrinkage of each round's step, > 0.
        max_depth: depth of the regression trees.
        random_state: passed to the trees (their ties between equal splits).

    Attributes:
        classes_, n_features_in_, init_ (initial scores, (K,) or (1,)), estimators_ (list of
        lists of trees), train_loss_ (log loss on the training data after each round).
    """

    def __init__(self, n_estimators=100, learning_rate=0.1, max_depth=3, random_state=None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X, y):
        X, y = validate(self, X, y)
        check_classification_targets(y)
        X = X.astype(np.float32)  # the trees split float32 values, as scikit-learn's boosting
        n_estimators = check_positive_int(self.n_estimators, "n_estimators")
        max_depth = check_positive_int(self.max_depth, "max_depth")
        rate = self.learning_rate
        if not isinstance(rate, numbers.Real) or not np.isfinite(rate) or rate <= 0:
            raise ValueError(f"learning_rate must be a finite number > 0; got {rate!r}")
        self.classes_, index = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise ValueError(f"y has 1 class ({self.classes_[0]!r}); boosting needs two or more")
        Y = np.eye(k)[index] if k > 2 else index[:, None].astype(np.float64)
        prior = np.bincount(index, minlength=k) / len(index)
        self.init_ = np.log(prior) if k > 2 else np.array([np.log(prior[1] / prior[0])])
        scores = np.tile(self.init_, (len(y), 1))
        self.estimators_, self.train_loss_ = [], []
        # one random stream shared by the trees in order (their tie-breaking), as scikit-learn
        shared = np.random.RandomState(self.random_state)
        for _ in range(n_estimators):
            p = self._link(scores)
            residual = Y - p
            trees = []
            for column in range(Y.shape[1]):
                r = residual[:, column]
                tree = DecisionTreeRegressor(criterion="squared_error", max_depth=max_depth,
                                             random_state=shared).fit(X, r)
                leaves = tree.apply(X)
                nodes = tree.tree_.node_count
                if k > 2:
                    numerator = np.bincount(leaves, weights=r, minlength=nodes) * (k - 1) / k
                    denominator = np.bincount(leaves, weights=np.abs(r) * (1 - np.abs(r)),
                                              minlength=nodes)
                else:
                    numerator = np.bincount(leaves, weights=r, minlength=nodes)
                    denominator = np.bincount(leaves, weights=p[:, 0] * (1 - p[:, 0]),
                                              minlength=nodes)
                safe = np.abs(denominator) > 1e-150
                values = np.where(safe, numerator / np.where(safe, denominator, 1.0), 0.0)
                tree.tree_.value[:, 0, 0] = values  # the leaves now predict gamma
                scores[:, column] += self.learning_rate * values[leaves]
                trees.append(tree)
            self.estimators_.append(trees)
            self.train_loss_.append(self._log_loss(Y, scores))
        self.n_features_in_ = X.shape[1]
        return self

    def _link(self, scores):
        return softmax(scores, axis=1) if scores.shape[1] > 1 else expit(scores)

    @staticmethod
    def _log_loss(Y, scores) -> float:
        if scores.shape[1] > 1:
            shifted = scores - scores.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            return float(-np.mean(np.sum(Y * log_p, axis=1)))
        f = scores[:, 0]
        return float(np.mean(np.logaddexp(0.0, f) - Y[:, 0] * f))

    def decision_function(self, X) -> np.ndarray:
        """Scores F: (n,) for two classes (positive: classes_[1]), else (n, K)."""
        check_is_fitted(self, ["estimators_"])
        X = validate(self, X, reset=False).astype(np.float32)
        scores = np.tile(self.init_, (X.shape[0], 1))
        for trees in self.estimators_:
            for column, tree in enumerate(trees):
                scores[:, column] += self.learning_rate * tree.predict(X)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)
            return np.stack([1 - p, p], axis=1)
        return softmax(scores, axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy; ValueError for labels of ``y`` unseen at fit."""
        check_is_fitted(self, ["estimators_"])
        check_labels_known(np.asarray(y), self.classes_)
        return super().score(X, y, sample_weight=sample_weight)


class Stacking(ClassifierMixin, BaseEstimator):
    """Stacked generalisation: a final model on the base models' out-of-fold probabilities.

    Args:
        estimators: list of (name, classifier with ``predict_proba``).
        final_estimator: the classifier fitted on the stacked probabilities.
        cv: number of stratified folds (no shuffling), >= 2.

    Attributes:
        classes_, n_features_in_, estimators_ (base models refitted on all the data),
        final_estimator_, stacked_ (the out-of-fold training features).
    """

    def __init__(self, estimators, final_estimator, cv=5):
        self.estimators = estimators
        self.final_estimator = final_estimator
        self.cv = cv

    def fit(self, X, y):
        X, y = validate(self, X, y)
        check_classification_targets(y)
        folds = check_positive_int(self.cv, "cv")
        if folds < 2:
            raise ValueError(f"cv must be >= 2 folds; got {self.cv!r}")
        if not self.estimators:
            raise ValueError("estimators is empty; give a list of (name, classifier) pairs")
        self.classes_ = np.unique(y)
        columns = []
        for _, estimator in self.estimators:
            out_of_fold = np.empty((len(y), len(self.classes_)))
            for train, held in StratifiedKFold(folds).split(X, y):
                out_of_fold[held] = clone(estimator).fit(X[train], y[train]).predict_proba(
                    X[held])
            columns.append(self._keep(out_of_fold))
        self.stacked_ = np.concatenate(columns, axis=1)
        self.estimators_ = [clone(estimator).fit(X, y) for _, estimator in self.estimators]
        self.final_estimator_ = clone(self.final_estimator).fit(self.stacked_, y)
        self.n_features_in_ = X.shape[1]
        return self

    def _keep(self, proba):
        return proba[:, 1:] if len(self.classes_) == 2 else proba

    def transform(self, X) -> np.ndarray:
        """The final model's features: each base model's probabilities on X."""
        check_is_fitted(self, ["estimators_"])
        X = validate(self, X, reset=False)
        return np.concatenate([self._keep(e.predict_proba(X)) for e in self.estimators_], axis=1)

    def predict_proba(self, X) -> np.ndarray:
        return self.final_estimator_.predict_proba(self.transform(X))

    def predict(self, X) -> np.ndarray:
        return self.final_estimator_.predict(self.transform(X))

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy; ValueError for labels of ``y`` unseen at fit."""
        check_is_fitted(self, ["estimators_"])
        check_labels_known(np.asarray(y), self.classes_)
        return super().score(X, y, sample_weight=sample_weight)
