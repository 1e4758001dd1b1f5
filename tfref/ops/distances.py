"""Distances between points and the Gaussian densities of anomaly detection (seeds 000, 002).

Pairwise distances between the rows of ``a`` (n points) and of ``b`` (m points), both with d
features, as k-means, k-nearest neighbours and mean shift use them:

    euclidean     D[i, j] = sqrt(sum_k (a[i, k] - b[j, k])^2)
    sqeuclidean   D[i, j] = sum_k (a[i, k] - b[j, k])^2
    manhattan     D[i, j] = sum_k |a[i, k] - b[j, k]|

The differences are taken coordinate by coordinate (not through |a|^2 + |b|^2 - 2 a.b, whose
cancellation loses precision for nearby points), so D[i, i] is exactly 0 for b = a and D is
exactly symmetric.

Gaussian anomaly detection (000) models each feature j by a normal N(mu_j, sigma_j^2) and a
point's density as the product over features:

    p(x_j; mu_j, sigma_j^2) = exp(-(x_j - mu_j)^2 / (2 sigma_j^2)) / sqrt(2 pi sigma_j^2)
    p(x) = prod_j p(x_j; mu_j, sigma_j^2)

Symbols: mu -> ``mean``; sigma^2 -> ``var`` (the variance, not the standard deviation).
"""

from __future__ import annotations

import math

import tensorflow as tf

from tfref._validation import check_finite, common_float, eager

__all__ = ["pairwise_distances", "gaussian_pdf", "gaussian_density"]

METRICS = ("euclidean", "sqeuclidean", "manhattan")


def _points(x: tf.Tensor, name: str) -> tf.Tensor:
    if x.shape.rank != 2:
        raise ValueError(
            f"{name} must be 2-D (points, features); got shape {x.shape.as_list()}. "
            f"Reshape one point to (1, d)"
        )
    check_finite(x, name)
    return x


def pairwise_distances(a, b=None, metric: str = "euclidean") -> tf.Tensor:
    """Distances between every row of ``a`` and every row of ``b``.

    Formula:
        euclidean:   D[i, j] = sqrt(sum_k (a[i, k] - b[j, k])^2)
        sqeuclidean: D[i, j] = sum_k (a[i, k] - b[j, k])^2
        manhattan:   D[i, j] = sum_k |a[i, k] - b[j, k]|

    Equals ``scipy.spatial.distance.cdist(a, b, metric)`` ("cityblock" for manhattan).

    Args:
        a: points of shape (n, d).
        b: points of shape (m, d); None means ``a`` (distances within one set).
        metric: "euclidean", "sqeuclidean" or "manhattan".

    Returns:
        A tensor of shape (n, m), float64 if an input is float64, else float32.

    Raises:
        ValueError: if an input is empty, not 2-D, not finite, the feature counts differ, or the
            metric is unknown.

    Example:
    >>> ops.pairwise_distances([[0.0, 0.0], [3.0, 4.0]]).numpy()
    array([[0., 5.],
           [5., 0.]], dtype=float32)
    >>> ops.pairwise_distances([[0.0, 0.0]], [[3.0, 4.0]], metric="manhattan").numpy()
    array([[7.]], dtype=float32)
    """
    if not isinstance(metric, str) or metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
    if b is None:
        a = _points(common_float((a, "a"))[0], "a")
        b = a
    else:
        a, b = common_float((a, "a"), (b, "b"))
        a, b = _points(a, "a"), _points(b, "b")
        if a.shape[1] is not None and b.shape[1] is not None and a.shape[1] != b.shape[1]:
            raise ValueError(
                f"a and b must have the same number of features (columns); got {a.shape[1]} "
                f"and {b.shape[1]}"
            )
    diff = a[:, None, :] - b[None, :, :]  # (n, m, d)
    if metric == "manhattan":
        return tf.reduce_sum(tf.abs(diff), axis=-1)
    squared = tf.reduce_sum(tf.square(diff), axis=-1)
    return squared if metric == "sqeuclidean" else tf.sqrt(squared)


def _gaussian_args(x, mean, var):
    x, mean, var = common_float((x, "x"), (mean, "mean"), (var, "var"))
    for t, name in ((x, "x"), (mean, "mean"), (var, "var")):
        check_finite(t, name)
    if eager() and bool(tf.reduce_any(var <= 0)):
        raise ValueError(
            f"var must be > 0 (a variance sigma^2, not a standard deviation); smallest is "
            f"{float(tf.reduce_min(var)):.3g}"
        )
    try:
        tf.broadcast_static_shape(x.shape, tf.broadcast_static_shape(mean.shape, var.shape))
    except ValueError:
        raise ValueError(
            f"x, mean and var must broadcast together; got shapes {x.shape.as_list()}, "
            f"{mean.shape.as_list()} and {var.shape.as_list()}"
        ) from None
    return x, mean, var


def _log_pdf(x, mean, var):
    return -tf.square(x - mean) / (2 * var) - 0.5 * tf.math.log(2 * math.pi * var)


def gaussian_pdf(x, mean, var) -> tf.Tensor:
    """Normal density N(x; mean, var) entry by entry (``var`` is the variance sigma^2).

    Formula:
        p(x; mu, sigma^2) = exp(-(x - mu)^2 / (2 sigma^2)) / sqrt(2 pi sigma^2)

    Equals ``scipy.stats.norm.pdf(x, loc=mean, scale=sqrt(var))``.

    Args:
        x: values; any shape.
        mean, var: broadcastable to x; var > 0.

    Returns:
        A tensor of the broadcast shape.

    Raises:
        ValueError: if an input is empty or not finite, var <= 0, or the shapes do not
            broadcast.

    Example:
    >>> float(ops.gaussian_pdf(0.0, 0.0, 1.0))  # 1 / sqrt(2 pi)
    0.3989422917366028
    """
    x, mean, var = _gaussian_args(x, mean, var)
    return tf.exp(_log_pdf(x, mean, var))


def gaussian_density(x, mean, var) -> tf.Tensor:
    """Product over the last axis (the features) of the per-feature normal densities.

    Formula:
        p(x) = prod_j p(x_j; mu_j, sigma_j^2) = exp(sum_j log p(x_j; mu_j, sigma_j^2))

    The product is taken as the exponential of a sum of logs, so it does not underflow early.
    Equals ``scipy.stats.norm.pdf(x, mean, sqrt(var)).prod(axis=-1)``.

    Args:
        x: points of shape (..., d).
        mean, var: per-feature parameters broadcastable to x (typically shape (d,)); var > 0.

    Returns:
        A tensor of the broadcast shape without its last axis.

    Raises:
        ValueError: as :func:`gaussian_pdf`, and for a scalar x (no feature axis).

    Example:
    >>> np.round(ops.gaussian_density([[0.0, 0.0]], [0.0, 0.0], [1.0, 1.0]).numpy(), 6)  # 1/(2 pi)
    array([0.159155], dtype=float32)
    """
    x, mean, var = _gaussian_args(x, mean, var)
    if x.shape.rank == 0:
        raise ValueError("x must have a feature axis (shape (..., d)); got a scalar")
    return tf.exp(tf.reduce_sum(_log_pdf(x, mean, var), axis=-1))
