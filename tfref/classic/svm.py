"""Linear support vector machine by subgradient descent on the L2-regularised hinge loss (TF).

Objective (the soft-margin SVM in its unconstrained form, as scikit-learn's
``SGDClassifier(loss="hinge", alpha)``; ``LinearSVC(loss="hinge", C)`` is the same problem
with C = 1 / (alpha n)):
    J(w, b) = alpha / 2 ||w||^2 + 1/n sum_i max(0, 1 - y_i (w . x_i + b)),   y_i in {-1, +1}
Subgradient (the hinge is not differentiable at margin 1; its subgradient there is taken as 0):
    dJ/dw = alpha w - 1/n sum_{i: y_i f(x_i) < 1} y_i x_i,   dJ/db = -1/n sum_{i: ...} y_i
Full-batch steps w <- w - eta_t dJ/dw with eta_t = learning_rate / sqrt(t + 1) (the classic
subgradient schedule); a subgradient step need not lower J, so the iterate of lowest J is kept.
The geometric margin of the separating band {x: |w . x + b| <= 1} is 2 / ||w||.

Several classes: one-vs-rest, one column of W per class, all trained together in one loop.
Symbols -> names: w -> coef_; b -> intercept_; alpha -> alpha; J per step -> objective_history_;
2 / ||w|| -> margin_ (two classes). The whole descent is one ``tf.function`` (a
``tf.while_loop`` over the steps), float64.
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
    check_positive_int,
    to_tensor,
    validate,
)

__all__ = ["LinearSVM", "hinge_objective"]


def hinge_objective(W, b, X, Y, alpha) -> tf.Tensor:
    """J = alpha/2 ||W||^2 + 1/n sum_i sum_k max(0, 1 - Y_ik (x_i . W_k + b_k)) (float64)."""
    W, b, X, Y = (tf.convert_to_tensor(np.asarray(v, dtype=np.float64)) if not isinstance(
        v, tf.Tensor) else v for v in (W, b, X, Y))
    margins = Y * (tf.matmul(X, W) + b)
    hinge = tf.reduce_mean(tf.reduce_sum(tf.nn.relu(1.0 - margins), axis=1))
    return 0.5 * alpha * tf.reduce_sum(W * W) + hinge


_SPEC = tf.TensorSpec([None, None], tf.float64)
_SCALAR = tf.TensorSpec([], tf.float64)


@tf.function(input_signature=[_SPEC, _SPEC, _SCALAR, _SCALAR, tf.TensorSpec([], tf.int32),
                              _SCALAR], autograph=False)
def _subgradient_descent(X, Y, alpha, learning_rate, steps, intercept_on):
    n = tf.cast(tf.shape(X)[0], tf.float64)
    W = tf.zeros([tf.shape(X)[1], tf.shape(Y)[1]], tf.float64)
    b = tf.zeros([tf.shape(Y)[1]], tf.float64)
    history = tf.TensorArray(tf.float64, size=steps + 1)
    best = hinge_objective(W, b, X, Y, alpha)
    history = history.write(0, best)

    def body(t, W, b, best_W, best_b, best, history):
        margins = Y * (tf.matmul(X, W) + b)
        active = tf.cast(margins < 1.0, tf.float64) * Y  # y_i where the hinge is active
        grad_W = alpha * W - tf.matmul(X, active, transpose_a=True) / n
        grad_b = -tf.reduce_sum(active, axis=0) / n * intercept_on
        eta = learning_rate / tf.sqrt(tf.cast(t, tf.float64) + 1.0)
        W = W - eta * grad_W
        b = b - eta * grad_b
        value = hinge_objective(W, b, X, Y, alpha)
        better = value < best
        best_W = tf.where(better, W, best_W)
        best_b = tf.where(better, b, best_b)
        best = tf.minimum(value, best)
        return t + 1, W, b, best_W, best_b, best, history.write(t + 1, value)

    _, _, _, best_W, best_b, best, history = tf.while_loop(
        lambda t, *_: t < steps, body, [tf.constant(0), W, b, W, b, best, history])
    return best_W, best_b, best, history.stack()


class LinearSVM(ClassifierMixin, BaseEstimator):
    """Linear SVM trained by full-batch subgradient descent on the hinge loss (TensorFlow).

    Args:
        alpha: L2 strength (as ``SGDClassifier``'s alpha; ``LinearSVC``'s C = 1 / (alpha n)).
        learning_rate: eta_0 of the schedule eta_t = eta_0 / sqrt(t + 1).
        max_iter: full-batch steps.
        fit_intercept: learn b (unregularised) or keep it at 0.
        random_state: unused by the deterministic full-batch descent; kept for the contract.

    Attributes:
        classes_, coef_ (classes or 1, features), intercept_, objective_ (lowest J),
        objective_history_ (J after each step, step 0 = the start), n_iter_, margin_ (2 / ||w||,
        two classes only), n_features_in_.
    """

    def __init__(self, alpha=1e-3, learning_rate=1.0, max_iter=1000, fit_intercept=True,
                 random_state=None):
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.random_state = random_state

    def fit(self, X, y):
        X, y = validate(self, X, y)
        check_classification_targets(y)
        for name in ("alpha", "learning_rate"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not value >= 0 or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
        max_iter = check_positive_int(self.max_iter, "max_iter")
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has 1 class ({self.classes_[0]!r}); an SVM needs two classes "
                             f"or more")
        self.n_features_in_ = X.shape[1]
        if len(self.classes_) == 2:
            Y = np.where(y_index == 1, 1.0, -1.0)[:, None]
        else:  # one-vs-rest
            Y = np.where(y_index[:, None] == np.arange(len(self.classes_)), 1.0, -1.0)
        W, b, best, history = _subgradient_descent(
            to_tensor(X), tf.constant(Y), tf.constant(float(self.alpha), tf.float64),
            tf.constant(float(self.learning_rate), tf.float64), tf.constant(max_iter),
            tf.constant(1.0 if self.fit_intercept else 0.0, tf.float64))
        self.coef_ = W.numpy().T
        self.intercept_ = b.numpy()
        self.objective_ = float(best)
        self.objective_history_ = history.numpy()
        self.n_iter_ = max_iter
        if len(self.classes_) == 2:
            norm = float(np.linalg.norm(self.coef_))
            self.margin_ = 2.0 / norm if norm > 0 else np.inf
        return self

    def decision_function(self, X) -> np.ndarray:
        """w . x + b: shape (n,) for two classes (positive: classes_[1]), else (n, classes)."""
        check_is_fitted(self, ["coef_"])
        X = validate(self, X, reset=False)
        scores = (tf.matmul(to_tensor(X), tf.constant(self.coef_), transpose_b=True)
                  + self.intercept_).numpy()
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy; ValueError for labels of ``y`` unseen at fit."""
        check_is_fitted(self, ["coef_"])
        check_labels_known(np.asarray(y), self.classes_)
        return super().score(X, y, sample_weight=sample_weight)
