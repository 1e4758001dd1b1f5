"""PCA through the SVD, whitening, and FastICA, in TensorFlow (000, 002).

PCA: centre X (n x d) to Xc = X - mean and take the thin SVD Xc = U S V^T. The principal
directions are the rows of V^T, the variance along direction j is

    lambda_j = S_j^2 / (n - 1)             (eigenvalues of the covariance Xc^T Xc / (n - 1))
    explained_variance_ratio_j = lambda_j / sum_all lambda

and the projection is Z = Xc V_k = U_k S_k. Whitening divides each projected coordinate by
sqrt(lambda_j), so the whitened data has identity covariance: Z_w^T Z_w / (n - 1) = I.
Signs: an SVD is unique only up to the sign of each (u_j, v_j) pair; as scikit-learn (>= 1.5,
``svd_flip(u_based_decision=False)``) each row of V^T is flipped so that its largest-|.| entry
is positive.

FastICA (Hyvarinen's fixed point, symmetric version): with whitened data z and g = tanh
(logcosh contrast), repeat

    W <- E[g(W z) z^T] - diag(E[g'(W z)]) W,    W <- (W W^T)^(-1/2) W

until max |abs(diag(W_new W^T)) - 1| < tol. Sources are recovered up to order, sign and scale.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, TransformerMixin

from tfref.classic._base import (
    check_is_fitted,
    check_positive_int,
    check_random_state_seed,
    validate,
)

__all__ = ["PCA", "FastICA", "svd", "svd_flip"]


def svd(X, full_matrices: bool = False):
    """Thin SVD X = U diag(S) Vt with ``tf.linalg.svd`` (NumPy arrays; S descending).

    Example:
    >>> U, S, Vt = svd(np.array([[3.0, 0.0], [0.0, 2.0]]))
    >>> S.tolist()
    [3.0, 2.0]
    """
    s, u, v = tf.linalg.svd(tf.constant(np.asarray(X, dtype=np.float64)),
                            full_matrices=full_matrices)
    return u.numpy(), s.numpy(), tf.transpose(v).numpy()


def svd_flip(U: np.ndarray, Vt: np.ndarray):
    """Flip each (u_j, v_j) pair so the largest-|.| entry of v_j is positive."""
    rows = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), rows])
    signs[signs == 0] = 1.0
    return U * signs[: U.shape[1]], Vt * signs[:, None]


class PCA(TransformerMixin, BaseEstimator):
    """Principal component analysis by the SVD of the centred data.

    Parameters:
        n_components: directions kept (<= min(n_samples, n_features)); None keeps them all.
        whiten: divide the projections by sqrt(explained_variance_) (identity covariance).

    Attributes:
        components_ (k, d), explained_variance_, explained_variance_ratio_, singular_values_,
        mean_, n_components_, noise_variance_, n_samples_, n_features_in_.

    Example:
    >>> X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    >>> pca = PCA(n_components=1).fit(X)
    >>> np.round(pca.components_, 4).tolist(), np.round(pca.explained_variance_ratio_, 4).tolist()
    ([[0.7071, 0.7071]], [1.0])
    """

    def __init__(self, n_components=None, *, whiten=False):
        self.n_components = n_components
        self.whiten = whiten

    def fit(self, X, y=None):
        """Learn mean_ and the principal directions of X (n, d). Returns self."""
        self._fit(X)
        return self

    def _fit(self, X):
        X = validate(self, X, ensure_min_samples=2)
        n, d = X.shape
        limit = min(n, d)
        k = limit if self.n_components is None else check_positive_int(self.n_components, "n_components")
        if k > limit:
            raise ValueError(f"n_components={k} must be between 1 and min(n_samples, n_features)"
                             f"={limit}")
        data = tf.constant(X)
        mean = tf.reduce_mean(data, axis=0)
        U, S, Vt = svd(data - mean)
        U, Vt = svd_flip(U, Vt)
        variance = S**2 / (n - 1)
        total = float(np.sum(variance))
        self.mean_ = mean.numpy()
        self.n_components_ = k
        self.n_samples_ = n
        self.components_ = Vt[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = variance[:k] / total if total > 0 else np.zeros(k)
        self.singular_values_ = S[:k]
        self.noise_variance_ = float(np.mean(variance[k:])) if k < limit else 0.0
        return U[:, :k] * S[:k], k

    def fit_transform(self, X, y=None):
        """Fit and return the projections U_k S_k (whitened: U_k sqrt(n - 1))."""
        projected, k = self._fit(X)
        if self.whiten:
            projected = projected / np.sqrt(self.explained_variance_ + 1e-300)
        return projected

    def transform(self, X):
        """Project X onto the components: (X - mean_) @ components_.T (whitened if asked)."""
        check_is_fitted(self, ["components_"])
        X = validate(self, X, reset=False)
        z = tf.matmul(tf.constant(X) - self.mean_, tf.constant(self.components_),
                      transpose_b=True)
        if self.whiten:
            z = z / np.sqrt(self.explained_variance_ + 1e-300)
        return z.numpy()

    def inverse_transform(self, Z):
        """Map projections back to the data space: Z @ components_ + mean_."""
        check_is_fitted(self, ["components_"])
        Z = np.asarray(Z, dtype=np.float64)
        if self.whiten:
            Z = Z * np.sqrt(self.explained_variance_)
        return (tf.matmul(tf.constant(Z), tf.constant(self.components_)) + self.mean_).numpy()


class FastICA(TransformerMixin, BaseEstimator):
    """Independent component analysis by symmetric FastICA (logcosh contrast, g = tanh).

    Parameters:
        n_components: sources sought (<= n_features); None: n_features.
        max_iter, tol: fixed-point iterations and their convergence tolerance.
        random_state: seed of the starting unmixing matrix.

    Attributes:
        components_ (k, d): unmixing matrix applied to centred data; mixing_ (d, k): its
        pseudo-inverse; mean_, whitening_ (k, d), n_iter_, n_features_in_.
    """

    def __init__(self, n_components=None, *, max_iter=200, tol=1e-4, random_state=None):
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X, y=None):
        """Learn the unmixing matrix of X (n, d). Returns self."""
        self._fit(X)
        return self

    def _fit(self, X):
        X = validate(self, X, ensure_min_samples=2)
        n, d = X.shape
        k = d if self.n_components is None else check_positive_int(self.n_components, "n_components")
        if k > min(n, d):
            raise ValueError(f"n_components={k} must be <= min(n_samples, n_features)="
                             f"{min(n, d)}")
        max_iter = check_positive_int(self.max_iter, "max_iter")
        if not (isinstance(self.tol, int | float) and self.tol > 0):
            raise ValueError(f"tol must be a number > 0; got {self.tol!r}")
        seed = check_random_state_seed(self.random_state)
        data = tf.constant(X)
        mean = tf.reduce_mean(data, axis=0)
        centred = data - mean
        # Whitening through the SVD: z = K xc with K = (Vt_k / S_k) * sqrt(n), so cov(z) = I.
        _, S, Vt = svd(centred)
        S = np.maximum(S[:k], 1e-12 * max(S[0], 1e-300))
        K = (Vt[:k] / S[:, None]) * np.sqrt(n)
        z = tf.matmul(tf.constant(K), centred, transpose_b=True)  # (k, n)
        W = tf.constant(np.random.default_rng(seed).standard_normal((k, k)))
        W = _symmetric_decorrelation(W)
        n_iter = max_iter
        for step in range(1, max_iter + 1):
            W, change = _fastica_step(W, z)
            if float(change) < self.tol:
                n_iter = step
                break
        self.n_iter_ = n_iter
        self.mean_ = mean.numpy()
        self.whitening_ = K
        self.components_ = W.numpy() @ K
        self.mixing_ = np.linalg.pinv(self.components_)
        return tf.matmul(W, z).numpy().T

    def fit_transform(self, X, y=None):
        """Fit and return the estimated sources (n, k)."""
        return self._fit(X)

    def transform(self, X):
        """Estimated sources of X: (X - mean_) @ components_.T."""
        check_is_fitted(self, ["components_"])
        X = validate(self, X, reset=False)
        return tf.matmul(tf.constant(X) - self.mean_, tf.constant(self.components_),
                         transpose_b=True).numpy()

    def inverse_transform(self, S):
        """Mix sources back: S @ mixing_.T + mean_."""
        check_is_fitted(self, ["components_"])
        return np.asarray(S, dtype=np.float64) @ self.mixing_.T + self.mean_


@tf.function(reduce_retracing=True)
def _fastica_step(W: tf.Tensor, z: tf.Tensor):
    """One symmetric fixed-point step; returns (W_new, max |abs(diag(W_new W^T)) - 1|)."""
    n = tf.cast(tf.shape(z)[1], z.dtype)
    g = tf.tanh(tf.matmul(W, z))
    g_prime = 1.0 - tf.square(g)
    new = tf.matmul(g, z, transpose_b=True) / n - tf.reduce_mean(g_prime, axis=1)[:, None] * W
    new = _symmetric_decorrelation(new)
    change = tf.reduce_max(tf.abs(tf.abs(tf.linalg.diag_part(
        tf.matmul(new, W, transpose_b=True))) - 1.0))
    return new, change


def _symmetric_decorrelation(W: tf.Tensor) -> tf.Tensor:
    """(W W^T)^(-1/2) W via the eigendecomposition of W W^T."""
    values, vectors = tf.linalg.eigh(tf.matmul(W, W, transpose_b=True))
    values = tf.maximum(values, 1e-300)
    inv_sqrt = tf.matmul(vectors * (1.0 / tf.sqrt(values))[None, :], vectors, transpose_b=True)
    return tf.matmul(inv_sqrt, W)
