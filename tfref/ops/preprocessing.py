"""Preprocessing of tabular data: mean imputation, standardisation, one-hot encoding.

The three steps of D2L's house-price preprocessing (seed 003, "real-world prediction: data
preprocessing"): replace every missing value by its feature's mean, rescale every feature to
zero mean and unit variance, and replace a categorical value by a one-hot vector.

Statistics reduce over ``axis=0`` by default, the examples axis of a (rows, features) table, as
in scikit-learn (the contract's ``axis=-1`` is for functions over classes or components; here
the reduction runs over examples). Fit the statistics on the training rows only and pass them
in for the validation and test rows: ``standardize(x_test, mean=train_mean, std=train_std)``.

Symbols: x -> ``x``; mu (feature mean) -> ``mean``; sigma (population standard deviation,
ddof = 0) -> ``std``; y (class label) -> ``labels``; k (number of classes) -> ``num_classes``.
"""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf

from tfref._validation import as_float, as_labels, check_axis

__all__ = ["mean_impute", "one_hot", "standardize"]


def standardize(x, mean=None, std=None, axis: int = 0) -> tf.Tensor:
    """Rescale each feature to zero mean and unit variance.

    The mean and the population standard deviation (ddof = 0, as ``numpy.std`` and
    ``sklearn.preprocessing.StandardScaler``) are taken over ``axis`` (the examples) unless they
    are given. A constant feature (all its values equal, so sigma = 0) is centred but not
    scaled: tfref detects the constant and returns exact 0, where the contract asks only for 0
    up to the rounding of the mean (StandardScaler gives values like -1.1e-13). Given
    statistics follow the same rule: a zero ``std`` entry divides by 1.

    Formula:
        mu_j = mean_i x_ij                       (unless mean is given)
        sigma_j = sqrt(mean_i (x_ij - mu_j)^2)   (unless std is given)
        z_ij = (x_ij - mu_j) / sigma_j,          with sigma_j = 0 replaced by 1

    Args:
        x: array-like or tensor, examples along ``axis`` (e.g. shape (rows, features)).
        mean: the mu to subtract, of x's shape with ``axis`` removed (e.g. training means);
            None computes it from x.
        std: the sigma to divide by, of the same shape, every entry >= 0; given together
            with ``mean`` or not at all.
        axis: the examples axis, reduced over.

    Returns:
        A tensor of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or contains NaN or infinity (impute missing values first,
            e.g. with ``mean_impute``), ``axis`` is out of range, ``mean`` or ``std`` has the
            wrong shape or a non-finite entry, only one of them is given, or ``std`` has a
            negative entry.

    Example:
    >>> ops.standardize([[1.0, 5.0], [3.0, 5.0]]).numpy()
    array([[-1.,  0.],
           [ 1.,  0.]], dtype=float32)
    >>> ops.standardize([[4.0], [6.0]], mean=[2.0], std=[2.0]).numpy()
    array([[1.],
           [2.]], dtype=float32)
    """
    x = as_float(x, "x")
    axis = _examples_axis(x, axis)
    _check_all_finite(x, "x", "impute missing values first, e.g. with mean_impute(x)")
    if (mean is None) != (std is None):
        raise ValueError(
            "mean and std must be given together (e.g. both from the training rows) or not at "
            f"all; got mean={'None' if mean is None else 'given'}, "
            f"std={'None' if std is None else 'given'}"
        )
    reduced_shape = x.shape[:axis] + x.shape[axis + 1:]
    if mean is None:
        largest = tf.reduce_max(x, axis=axis)
        constant = tf.reduce_all(tf.equal(x, tf.expand_dims(largest, axis)), axis=axis)
        # A constant feature's rounded mean and sigma may miss c and 0: set them exactly.
        mean = tf.where(constant, largest, tf.reduce_mean(x, axis=axis))
        centred = x - tf.expand_dims(mean, axis)
        std = tf.sqrt(tf.reduce_mean(tf.square(centred), axis=axis))
        std = tf.where(constant, tf.zeros_like(std), std)
    else:
        mean = _statistic(mean, "mean", reduced_shape, x.dtype)
        std = _statistic(std, "std", reduced_shape, x.dtype)
        if bool(tf.reduce_any(std < 0)):
            raise ValueError(
                f"std has a negative entry ({float(tf.reduce_min(std)):.3g}); a standard "
                "deviation is >= 0"
            )
    safe_std = tf.where(std == 0, tf.ones_like(std), std)
    return (x - tf.expand_dims(mean, axis)) / tf.expand_dims(safe_std, axis)


def mean_impute(x, mean=None, axis: int = 0) -> tf.Tensor:
    """Replace each missing value (NaN) by the mean of its feature.

    The mean of a feature is taken over the values present along ``axis`` (NaN skipped, as
    ``numpy.nanmean``, ``pandas.DataFrame.mean`` and ``SimpleImputer(strategy="mean")``)
    unless it is given. Values present are returned unchanged.

    Formula:
        mu_j = mean of { x_ij : x_ij is not NaN }   (unless mean is given)
        x'_ij = mu_j if x_ij is NaN else x_ij

    Args:
        x: array-like or tensor, examples along ``axis``; NaN marks a missing value.
        mean: the mu to fill with, of x's shape with ``axis`` removed (e.g. training means),
            finite; None computes it from x.
        axis: the examples axis, reduced over.

    Returns:
        A tensor of x's shape and float dtype with no NaN.

    Raises:
        ValueError: if x is empty or contains infinity, ``axis`` is out of range, a feature
            of x has no value present and no ``mean`` is given, or ``mean`` has the wrong
            shape or a non-finite entry.

    Example:
    >>> ops.mean_impute([[1.0, np.nan], [3.0, 4.0], [np.nan, 8.0]]).numpy()
    array([[1., 6.],
           [3., 4.],
           [2., 8.]], dtype=float32)
    """
    x = as_float(x, "x")
    axis = _examples_axis(x, axis)
    missing = tf.math.is_nan(x)
    if bool(tf.reduce_any(tf.math.is_inf(x))):
        raise ValueError("x contains infinity; only NaN marks a missing value")
    reduced_shape = x.shape[:axis] + x.shape[axis + 1:]
    if mean is None:
        present = tf.reduce_sum(tf.cast(~missing, x.dtype), axis=axis)
        if bool(tf.reduce_any(present == 0)):
            raise ValueError(
                "x has a feature with every value missing (all NaN along axis "
                f"{axis}); its mean is undefined: drop the feature or pass mean="
            )
        total = tf.reduce_sum(tf.where(missing, tf.zeros_like(x), x), axis=axis)
        mean = total / present
    else:
        mean = _statistic(mean, "mean", reduced_shape, x.dtype)
    filled = tf.broadcast_to(tf.expand_dims(mean, axis), tf.shape(x))
    return tf.where(missing, filled, x)


def one_hot(labels, num_classes: int | None = None) -> tf.Tensor:
    """One-hot vectors of integer class labels: row y has a 1 in column y and 0 elsewhere.

    Formula:
        e_ij = 1 if labels_i == j else 0,    j = 0 .. k - 1

    Args:
        labels: array-like of integer labels 0..k-1 (whole-number floats accepted), any shape.
        num_classes: k; None takes the largest label + 1.

    Returns:
        A float32 tensor of shape labels.shape + (k,); every row sums to 1.

    Raises:
        ValueError: if labels is empty, holds a negative, non-integer or non-numeric label,
            or a label >= num_classes, or num_classes is not a whole number >= 1.

    Example:
    >>> ops.one_hot([0, 2, 1]).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    >>> ops.one_hot([1], num_classes=4).numpy()
    array([[0., 1., 0., 0.]], dtype=float32)
    """
    if num_classes is not None and (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, numbers.Real)
        or float(num_classes) != int(num_classes)
        or num_classes < 1
    ):
        raise ValueError(f"num_classes must be a whole number >= 1 (or None); got {num_classes!r}")
    labels = as_labels(labels, "labels", None if num_classes is None else int(num_classes))
    depth = int(num_classes) if num_classes is not None else int(tf.reduce_max(labels)) + 1
    return tf.one_hot(labels, depth, dtype=tf.float32)


# -- helpers -----------------------------------------------------------------------------------

def _examples_axis(x: tf.Tensor, axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"axis must be a whole number; got {axis!r}")
    if x.shape.rank == 0:
        raise ValueError("x must have an examples axis (at least one axis); got a scalar")
    check_axis(x, int(axis), "x")
    return int(axis) % x.shape.rank


def _check_all_finite(x: tf.Tensor, name: str, hint: str) -> None:
    values = x.numpy()
    if np.isnan(values).any():
        raise ValueError(f"{name} contains NaN (a missing value); {hint}")
    if np.isinf(values).any():
        raise ValueError(f"{name} contains infinity; pass finite values")


def _statistic(value, name: str, shape: tf.TensorShape, dtype) -> tf.Tensor:
    """A given mean or std: x's shape with the examples axis removed, finite, in x's dtype."""
    tensor = tf.cast(as_float(value, name), dtype)
    if tensor.shape != shape:
        raise ValueError(
            f"{name} must have x's shape without the examples axis, {shape.as_list()}; "
            f"got {tensor.shape.as_list()}"
        )
    _check_all_finite(tensor, name, "pass finite statistics")
    return tensor
