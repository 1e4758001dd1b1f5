"""A Gaussian mixture fitted by expectation-maximisation (EM), written from the formulas.

Model (document 002 names EM beside k-means as a clustering algorithm): K Gaussians with
weights pi_k (sum 1), means mu_k and full covariances Sigma_k,

    p(x) = sum_k pi_k N(x | mu_k, Sigma_k),   L = (1/n) sum_i log p(x_i)

EM (Dempster, Laird and Rubin 1977) alternates

    E-step:  r_ik = pi_k N(x_i | mu_k, Sigma_k) / sum_j pi_j N(x_i | mu_j, Sigma_j)
    M-step:  n_k = sum_i r_ik,  pi_k = n_k / n,  mu_k = sum_i r_ik x_i / n_k,
             Sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / n_k + reg_covar I

and the mean log-likelihood L never falls from one iteration to the next (EM maximises a lower
bound that touches L at the current parameters). log N is computed through the Cholesky factor
of Sigma_k and the E-step normalises with log-sum-exp, so nothing underflows.

The stopping rule is scikit-learn's GaussianMixture's: stop when L changed by less than ``tol``
or after ``max_iter`` iterations; started from the same weights, means and covariances it runs the
same iterations (tests/test_classic_new.py checks the result against it).

Symbols -> names: pi -> weights_; mu -> means_; Sigma -> covariances_; r -> predict_proba;
L after each E-step -> log_likelihood_history_.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator

from tfref.classic._base import (
    check_is_fitted,
    check_positive_int,
    check_random_state_seed,
    validate,
)

__all__ = ["GaussianMixtureEM", "gaussian_log_density"]


def gaussian_log_density(X, means, covariances) -> np.ndarray:
    """log N(x_i | mu_k, Sigma_k) for every point and component, shape (n, K), in float64.

    Through the Cholesky factor L_k of Sigma_k: log N = -d/2 log(2 pi) - sum log diag(L_k)
    - ||L_k^{-1} (x_i - mu_k)||^2 / 2. ValueError when a covariance is not positive definite.
    """
    X = tf.constant(np.asarray(X, dtype=np.float64))
    means = tf.constant(np.asarray(means, dtype=np.float64))
    covariances = np.asarray(covariances, dtype=np.float64)
    d = int(X.shape[1])
    try:
        chol = np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError as err:
        raise ValueError("every covariance must be symmetric positive definite; raise reg_covar "
                         "or give better covariances") from err
    chol = tf.constant(chol)
    diff = X[None, :, :] - means[:, None, :]                       # (K, n, d)
    solved = tf.linalg.triangular_solve(chol, tf.transpose(diff, [0, 2, 1]), lower=True)
    mahalanobis = tf.reduce_sum(tf.square(solved), axis=1)          # (K, n)
    log_det = tf.reduce_sum(tf.math.log(tf.linalg.diag_part(chol)), axis=1)  # (K,)
    log_density = -0.5 * d * math.log(2 * math.pi) - log_det[:, None] - 0.5 * mahalanobis
    return tf.transpose(log_density).numpy()


class GaussianMixtureEM(BaseEstimator):
    """Gaussian mixture with full covariances fitted by EM (scikit-learn's contract).

    Args:
        n_components: K, the number of Gaussians.
        max_iter: most EM iterations (each an E-step then an M-step).
        tol: stop when the mean log-likelihood changed by less than this.
        reg_covar: added to each covariance's diagonal (keeps it positive definite).
        weights_init, means_init, covariances_init: the starting parameters, shapes (K,),
            (K, d), (K, d, d); when one is None it comes from a random start: K distinct data
            points as means, equal weights, the data's covariance for every component.
        random_state: seed of that random start.

    Attributes: weights_, means_, covariances_, log_likelihood_history_ (L after each E-step,
    from the starting parameters on), lower_bound_ (its last value), n_iter_, converged_.
    """

    def __init__(self, n_components=2, *, max_iter=100, tol=1e-3, reg_covar=1e-6,
                 weights_init=None, means_init=None, covariances_init=None, random_state=None):
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.weights_init = weights_init
        self.means_init = means_init
        self.covariances_init = covariances_init
        self.random_state = random_state

    def _start(self, X: np.ndarray):
        k = check_positive_int(self.n_components, "n_components")
        n, d = X.shape
        if k > n:
            raise ValueError(f"n_components={k} needs at least {k} samples; got {n}")
        rng = np.random.default_rng(check_random_state_seed(self.random_state))
        weights = (np.full(k, 1.0 / k) if self.weights_init is None
                   else np.asarray(self.weights_init, dtype=np.float64))
        means = (X[rng.choice(n, size=k, replace=False)] if self.means_init is None
                 else np.asarray(self.means_init, dtype=np.float64))
        if self.covariances_init is None:
            cov = np.atleast_2d(np.cov(X, rowvar=False, bias=True)) + self.reg_covar * np.eye(d)
            covariances = np.repeat(cov[None], k, axis=0)
        else:
            covariances = np.asarray(self.covariances_init, dtype=np.float64)
        if weights.shape != (k,) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
            raise ValueError(f"weights_init must be {k} non-negative numbers summing to 1; got "
                             f"shape {weights.shape}, sum {weights.sum():.6g}")
        if means.shape != (k, d):
            raise ValueError(f"means_init must have shape (n_components, n_features) = ({k}, {d});"
                             f" got {means.shape}")
        if covariances.shape != (k, d, d):
            raise ValueError(f"covariances_init must have shape ({k}, {d}, {d}); got "
                             f"{covariances.shape}")
        if not np.allclose(covariances, np.transpose(covariances, (0, 2, 1))):
            raise ValueError("covariances_init must be symmetric matrices")
        return weights, means, covariances

    def _e_step(self, X, weights, means, covariances) -> tuple[float, np.ndarray]:
        log_joint = tf.constant(gaussian_log_density(X, means, covariances)
                                + np.log(np.maximum(weights, np.finfo(float).tiny)))
        log_norm = tf.reduce_logsumexp(log_joint, axis=1, keepdims=True)
        return float(tf.reduce_mean(log_norm)), tf.exp(log_joint - log_norm).numpy()

    def _m_step(self, X, resp):
        X_t, r = tf.constant(X), tf.constant(resp)
        nk = tf.reduce_sum(r, axis=0) + 10 * np.finfo(np.float64).eps   # as scikit-learn's
        means = tf.matmul(r, X_t, transpose_a=True) / nk[:, None]
        diff = X_t[None, :, :] - means[:, None, :]                     # (K, n, d)
        weighted = tf.transpose(r)[:, :, None] * diff
        covariances = tf.matmul(weighted, diff, transpose_a=True) / nk[:, None, None]
        covariances += self.reg_covar * tf.eye(X.shape[1], dtype=tf.float64)[None]
        return (nk / X.shape[0]).numpy(), means.numpy(), covariances.numpy()

    def fit(self, X, y=None):
        X = validate(self, X, ensure_min_samples=2)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        for name in ("tol", "reg_covar"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a number >= 0; got {value!r}")
        weights, means, covariances = self._start(X)
        history, lower_bound, converged, n_iter = [], -np.inf, False, 0
        for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is read below)
            previous = lower_bound
            lower_bound, resp = self._e_step(X, weights, means, covariances)
            history.append(lower_bound)
            weights, means, covariances = self._m_step(X, resp)
            if abs(lower_bound - previous) < self.tol:
                converged = True
                break
        self.weights_, self.means_, self.covariances_ = weights, means, covariances
        self.log_likelihood_history_ = np.asarray(history)
        self.lower_bound_, self.n_iter_, self.converged_ = lower_bound, n_iter, converged
        return self

    def score_samples(self, X) -> np.ndarray:
        """log p(x_i) under the fitted mixture."""
        check_is_fitted(self, ["means_"])
        X = validate(self, X, reset=False)
        log_joint = gaussian_log_density(X, self.means_, self.covariances_) + np.log(self.weights_)
        return tf.reduce_logsumexp(tf.constant(log_joint), axis=1).numpy()

    def score(self, X, y=None) -> float:
        """Mean log-likelihood of ``X``."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities r_ik (the E-step) under the fitted parameters."""
        check_is_fitted(self, ["means_"])
        X = validate(self, X, reset=False)
        return self._e_step(X, self.weights_, self.means_, self.covariances_)[1]

    def predict(self, X) -> np.ndarray:
        """The most responsible component of each point."""
        return np.argmax(self.predict_proba(X), axis=1)
