"""Classification metrics: the confusion matrix and accuracy.

Symbols: y -> ``y_true``; yhat -> ``y_pred``; k -> ``num_classes``.
"""

from __future__ import annotations

import tensorflow as tf

from tfref._validation import as_labels, check_positive_whole, check_same_shape, common_float

__all__ = ["confusion_matrix", "accuracy"]


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

