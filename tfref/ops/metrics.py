"""Classification metrics: the confusion matrix, accuracy and the rates derived from it.

Symbols: y -> ``y_true``; yhat -> ``y_pred``; k -> ``num_classes``.

The rates treat one class, ``pos_label``, as positive and every other class as negative
(one-vs-rest), with counts TP, FP, FN and TN of that split:

    recall (TPR)             TP / (TP + FN)
    precision                TP / (TP + FP)
    false positive rate      FP / (FP + TN)   (false acceptance rate, FAR)
    false rejection rate     FN / (TP + FN) = 1 - recall (FRR)
    error rate               1 - accuracy

Document 000 takes class 0 as the positive class (``pos_label=0``); scikit-learn's default
is ``pos_label=1``. A rate whose denominator is 0 is undefined: it is ``zero_division``
(NaN unless given, where scikit-learn warns and returns 0).
"""

from __future__ import annotations

import tensorflow as tf

from tfref._validation import (
    as_labels,
    check_positive_whole,
    check_same_shape,
    check_whole,
    common_float,
)

__all__ = ["confusion_matrix", "accuracy", "error_rate", "recall", "precision",
           "false_positive_rate", "false_rejection_rate"]


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> tf.Tensor:
    """Counts of (true label, predicted label) pairs in a k x k table.

    Labels are whole numbers 0 .. k-1 (2.0 is read as 2; 1.5 is rejected). Inputs of more than
    one axis are flattened. Agrees with ``sklearn.metrics.confusion_matrix(y_true, y_pred,
    labels=range(k))``.

    Formula:
        k = num_classes, or max(max(y_true), max(y_pred)) + 1 when num_classes is None
        C[i, j] = number of n with y_true[n] = i and y_pred[n] = j

    Args:
        y_true: array-like or tensor of true labels.
        y_pred: predicted labels of y_true's shape.
        num_classes: the number of classes k (a positive whole number), or None.

    Returns:
        An int64 tensor of shape (k, k): rows are true labels, columns predicted labels; the
        diagonal holds the correct predictions.

    Raises:
        ValueError: if an input is empty, the shapes differ, a label is negative, not a whole
            number or not below num_classes, or num_classes is not a positive whole number.

    Example:
    >>> ops.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2]).numpy()
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    if num_classes is not None:
        num_classes = check_positive_whole(num_classes, "num_classes")
    true_labels = as_labels(y_true, "y_true", num_classes)
    predicted_labels = as_labels(y_pred, "y_pred", num_classes)
    check_same_shape(true_labels, predicted_labels, "y_true", "y_pred")
    if num_classes is None:
        num_classes = int(tf.maximum(tf.reduce_max(true_labels), tf.reduce_max(predicted_labels))) + 1
    return tf.math.confusion_matrix(
        tf.reshape(true_labels, [-1]),  # (n,)
        tf.reshape(predicted_labels, [-1]),  # (n,)
        num_classes=num_classes,
        dtype=tf.int64,
    )


def accuracy(y_true, y_pred) -> tf.Tensor:
    """Fraction of predictions equal to the true labels.

    Formula:
        accuracy = mean_n (y_true[n] == y_pred[n])

    Args:
        y_true: array-like or tensor of labels (any numbers).
        y_pred: predicted labels of y_true's shape.

    Returns:
        A scalar float tensor in [0, 1].

    Raises:
        ValueError: if an input is empty or the shapes differ.

    Example:
    >>> ops.accuracy([0, 1, 1, 2], [0, 1, 2, 2]).numpy()
    np.float32(0.75)
    """
    y_true, y_pred = common_float((y_true, "y_true"), (y_pred, "y_pred"))
    check_same_shape(y_true, y_pred, "y_true", "y_pred")
    return tf.reduce_mean(tf.cast(tf.equal(y_true, y_pred), y_true.dtype))



def error_rate(y_true, y_pred) -> tf.Tensor:
    """Fraction of predictions that differ from the true labels: 1 - accuracy.

    Args:
        y_true: array-like or tensor of labels (any numbers).
        y_pred: predicted labels of y_true's shape.

    Returns:
        A scalar float tensor in [0, 1].

    Raises:
        ValueError: if an input is empty or the shapes differ.

    Example:
    >>> ops.error_rate([0, 1, 1, 2], [0, 1, 2, 2]).numpy()
    np.float32(0.25)
    """
    y_true, y_pred = common_float((y_true, "y_true"), (y_pred, "y_pred"))
    check_same_shape(y_true, y_pred, "y_true", "y_pred")
    return tf.reduce_mean(tf.cast(tf.not_equal(y_true, y_pred), y_true.dtype))


def _one_vs_rest(y_true, y_pred, pos_label) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """Counts (TP, FP, FN, TN) as float64 with ``pos_label`` positive and every other class negative."""
    pos_label = check_whole(pos_label, "pos_label", 0, "a class label")
    true_labels = as_labels(y_true, "y_true")
    predicted_labels = as_labels(y_pred, "y_pred")
    check_same_shape(true_labels, predicted_labels, "y_true", "y_pred")
    actual = tf.equal(true_labels, pos_label)
    predicted = tf.equal(predicted_labels, pos_label)

    def count(mask):
        return tf.reduce_sum(tf.cast(mask, tf.float64))

    return (count(actual & predicted), count(~actual & predicted), count(actual & ~predicted),
            count(~actual & ~predicted))


def _rate(numerator, denominator, zero_division) -> tf.Tensor:
    value = numerator / denominator if float(denominator) > 0 else tf.constant(
        float(zero_division), tf.float64)
    return tf.cast(value, tf.float32)


def recall(y_true, y_pred, pos_label=1, zero_division=float("nan")) -> tf.Tensor:
    """Share of the actual positives predicted positive: TP / (TP + FN), the true positive rate.

    Args:
        y_true: true class labels (whole numbers >= 0).
        y_pred: predicted labels of y_true's shape.
        pos_label: the class counted as positive (every other class is negative).
        zero_division: the value returned when there is no actual positive (default NaN).

    Returns:
        A scalar float32 tensor; equals ``sklearn.metrics.recall_score(y_true, y_pred,
        labels=[pos_label], average=None)[0]``.

    Raises:
        ValueError: empty input, different shapes, labels that are not whole numbers >= 0, or a
            pos_label that is not one.

    Example:
    >>> ops.recall([1, 1, 0, 0], [1, 0, 0, 0]).numpy()
    np.float32(0.5)
    >>> ops.recall([1, 1, 0, 0], [1, 0, 0, 0], pos_label=0).numpy()
    np.float32(1.0)
    """
    tp, _, fn, _ = _one_vs_rest(y_true, y_pred, pos_label)
    return _rate(tp, tp + fn, zero_division)


def precision(y_true, y_pred, pos_label=1, zero_division=float("nan")) -> tf.Tensor:
    """Share of the predicted positives that are positive: TP / (TP + FP).

    Args:
        y_true: true class labels (whole numbers >= 0).
        y_pred: predicted labels of y_true's shape.
        pos_label: the class counted as positive (every other class is negative).
        zero_division: the value returned when nothing is predicted positive (default NaN).

    Returns:
        A scalar float32 tensor; equals ``sklearn.metrics.precision_score(y_true, y_pred,
        labels=[pos_label], average=None)[0]``.

    Raises:
        ValueError: as :func:`recall`.

    Example:
    >>> ops.precision([1, 1, 0, 0], [1, 0, 1, 0]).numpy()
    np.float32(0.5)
    """
    tp, fp, _, _ = _one_vs_rest(y_true, y_pred, pos_label)
    return _rate(tp, tp + fp, zero_division)


def false_positive_rate(y_true, y_pred, pos_label=1, zero_division=float("nan")) -> tf.Tensor:
    """Share of the actual negatives predicted positive: FP / (FP + TN) (FAR, false acceptance).

    Args:
        y_true: true class labels (whole numbers >= 0).
        y_pred: predicted labels of y_true's shape.
        pos_label: the class counted as positive (every other class is negative).
        zero_division: the value returned when there is no actual negative (default NaN).

    Returns:
        A scalar float32 tensor in [0, 1] (or ``zero_division``).

    Raises:
        ValueError: as :func:`recall`.

    Example:
    >>> ops.false_positive_rate([1, 1, 0, 0], [1, 0, 1, 0]).numpy()
    np.float32(0.5)
    """
    _, fp, _, tn = _one_vs_rest(y_true, y_pred, pos_label)
    return _rate(fp, fp + tn, zero_division)


def false_rejection_rate(y_true, y_pred, pos_label=1, zero_division=float("nan")) -> tf.Tensor:
    """Share of the actual positives predicted negative: FN / (TP + FN) = 1 - recall (FRR).

    Args:
        y_true: true class labels (whole numbers >= 0).
        y_pred: predicted labels of y_true's shape.
        pos_label: the class counted as positive (every other class is negative).
        zero_division: the value returned when there is no actual positive (default NaN).

    Returns:
        A scalar float32 tensor in [0, 1] (or ``zero_division``).

    Raises:
        ValueError: as :func:`recall`.

    Example:
    >>> ops.false_rejection_rate([1, 1, 0, 0], [1, 0, 0, 0]).numpy()
    np.float32(0.5)
    """
    tp, _, fn, _ = _one_vs_rest(y_true, y_pred, pos_label)
    return _rate(fn, tp + fn, zero_division)
