"""Split criteria of decision trees: information gain (ID3) and Gini impurity (CART).

Labels are integer classes 0..k-1; a feature is a 1-D array of values (category codes or
numbers) compared for equality, one value per example. Logarithms are natural (nats) unless
``base`` is given (2 for bits, as ID3 and document 000 write Ent(D)), as in
:mod:`tfref.ops.information`. Entropies are computed with :func:`tfref.ops.entropy` on the class
frequencies of each subset.

Symbols: D -> the examples (``labels``); a -> ``feature_values``; D^v -> the examples whose
feature equals its v-th distinct value; p_k -> the share of class k; b -> ``base``.
"""

from __future__ import annotations

import tensorflow as tf

from tfref._validation import as_float, as_labels, check_finite, log_base
from tfref.ops.information import entropy

__all__ = ["information_gain", "gini_impurity"]


def information_gain(labels, feature_values, base=None) -> tf.Tensor:
    """Information gain of splitting the examples D by the distinct values of one feature.

    Formula (document 000; Zhou, Machine Learning, eq. 4.2):
        Ent(D)    = -sum_k p_k log_b p_k                (p_k: share of class k in D)
        Gain(D,a) = Ent(D) - sum_v |D^v| / |D| Ent(D^v)  (D^v: examples with a = a^v)

    Args:
        labels: integer class labels 0..k-1, shape (n,).
        feature_values: the feature's value for each example, shape (n,), numbers compared
            for equality (category codes, or a numeric feature thresholded beforehand).
        base: logarithm base b (None for natural log, 2 for bits).

    Returns:
        A scalar tensor, float64 if ``feature_values`` is float64 else float32;
        0 <= Gain(D, a) <= Ent(D), 0 for a constant feature, Ent(D) when a determines the label.

    Raises:
        ValueError: if either input is empty or not 1-D, their lengths differ, a label is
            negative or not a whole number, a feature value is NaN or infinite, or ``base``
            is <= 0 or 1.

    Example (Zhou's watermelon 2.0, feature "texture" (纹理); Gain = 0.381 bits in the book):
    >>> y = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    >>> texture = [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 2, 2, 1, 1, 0, 2, 1]
    >>> ops.information_gain(y, texture, base=2).numpy().round(3)
    np.float32(0.381)
    >>> ops.information_gain([0, 1, 0, 1], [5, 5, 5, 5]).numpy()
    np.float32(0.0)
    """
    y, values = _labels_and_values(labels, feature_values)
    dtype = values.dtype
    log_base(base, dtype)  # reject a bad base before computing
    num_classes = int(tf.reduce_max(y)) + 1
    _, value_index = tf.unique(values)
    num_values = int(tf.reduce_max(value_index)) + 1
    one_hot = tf.one_hot(y, num_classes, dtype=dtype)  # (n, k)
    # counts[v, k] = |{examples with the v-th value and class k}|
    counts = tf.math.unsorted_segment_sum(one_hot, value_index, num_values)
    subset_sizes = tf.reduce_sum(counts, axis=1)  # |D^v|
    n = tf.reduce_sum(subset_sizes)  # |D|
    ent_d = entropy(tf.reduce_sum(counts, axis=0) / n, base=base)
    ent_dv = entropy(counts / subset_sizes[:, None], base=base)  # (V,)
    conditional = tf.reduce_sum(subset_sizes / n * ent_dv)
    # Gain >= 0 in exact arithmetic; clip the rounding residue of a useless split to 0.
    return tf.maximum(ent_d - conditional, tf.zeros([], dtype))


def gini_impurity(labels) -> tf.Tensor:
    """Gini impurity of a set of labels: the chance two draws (with replacement) disagree.

    Formula (CART; Zhou eq. 4.5):
        Gini(D) = 1 - sum_k p_k^2   (p_k: share of class k in D)

    Args:
        labels: integer class labels 0..k-1, shape (n,).

    Returns:
        A float32 scalar tensor, 0 for a pure set, at most 1 - 1/k for k classes present.

    Raises:
        ValueError: if labels is empty or not 1-D, or has a negative or fractional label.

    Example:
    >>> ops.gini_impurity([0, 0, 1, 1]).numpy()
    np.float32(0.5)
    >>> ops.gini_impurity([2, 2, 2]).numpy()
    np.float32(0.0)
    """
    y = _labels_1d(labels)
    counts = tf.cast(tf.math.bincount(tf.cast(y, tf.int32)), tf.float32)
    p = counts / tf.reduce_sum(counts)
    return tf.maximum(1.0 - tf.reduce_sum(p * p), 0.0)


def _labels_1d(labels) -> tf.Tensor:
    y = as_labels(labels, "labels")
    if y.shape.rank != 1:
        raise ValueError(f"labels must be 1-D (one label per example); got shape {y.shape.as_list()}")
    return y


def _labels_and_values(labels, feature_values) -> tuple[tf.Tensor, tf.Tensor]:
    y = _labels_1d(labels)
    values = as_float(feature_values, "feature_values")
    if values.shape.rank != 1:
        raise ValueError(
            f"feature_values must be 1-D (one value per example); got shape {values.shape.as_list()}"
        )
    if values.shape[0] != y.shape[0]:
        raise ValueError(
            f"labels and feature_values must have the same length; got {y.shape[0]} and "
            f"{values.shape[0]}"
        )
    check_finite(values, "feature_values")
    return y, values
