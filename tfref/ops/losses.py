"""Loss functions: cross-entropies, squared and absolute errors, margin losses, l2 penalty.

Losses are elementwise unless the name says ``mean`` or the loss is categorical (those reduce
``axis``, the last by default); none averages over a batch. Cross-entropies keep 0 log 0 = 0
(``tf.math.xlogy``) and do not clip: a certain, wrong prediction costs +inf. The ``_with_logits``
forms take scores instead of probabilities and never form sigmoid or softmax explicitly.

Symbols: y -> ``y_true``; p, q, yhat -> ``p``, ``q``, ``y_pred``; z, f -> ``logits``, ``score``.
"""

from __future__ import annotations

import tensorflow as tf

from tfref._validation import (
    as_float,
    check_axis,
    check_probabilities,
    check_same_shape,
    common_float,
    eager,
)
from tfref.ops.activations import log_softmax

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "squared_error",
    "mean_squared_error",
    "absolute_error",
    "mean_absolute_error",
    "exponential_loss",
    "hinge_loss",
    "zero_one_loss",
    "categorical_cross_entropy",
    "softmax_cross_entropy_with_logits",
    "l2_loss",
]


def binary_cross_entropy(y_true, p) -> tf.Tensor:
    """Binary cross-entropy (log loss) of predicted probabilities p for targets y.

    Targets may be soft (any value in [0, 1]). Nothing is clipped: predicting p = 0 for a
    positive example costs +inf.

    Formula:
        BCE(y, p) = -(y ln(p) + (1 - y) ln(1 - p)),   with 0 ln 0 = 0

    Args:
        y_true: array-like or tensor of targets in [0, 1].
        p: predicted probabilities in [0, 1], of y_true's shape.

    Returns:
        A tensor of y_true's shape (elementwise losses).

    Raises:
        ValueError: if an input is empty, the shapes differ, or y_true or p has an entry
            outside [0, 1].

    Example:
    >>> ops.binary_cross_entropy([1.0, 0.0, 1.0], [0.5, 0.0, 0.0]).numpy().round(4)
    array([0.6931, 0.    ,    inf], dtype=float32)
    """
    y_true, p = _same_shape_pair(y_true, "y_true", p, "p")
    check_probabilities(y_true, "y_true", axis=None)
    check_probabilities(p, "p", axis=None)
    return _negated(tf.math.xlogy(y_true, p) + tf.math.xlogy(1 - y_true, 1 - p))


def binary_cross_entropy_with_logits(y_true, logits) -> tf.Tensor:
    """Binary cross-entropy of p = sigmoid(z) for targets y, computed from the logits z.

    The rearranged form never evaluates exp of a large positive number, so it is finite for any
    finite z (as ``tf.nn.sigmoid_cross_entropy_with_logits``).

    Formula:
        BCE(y, sigmoid(z)) = max(z, 0) - z * y + ln(1 + exp(-abs(z)))

    Args:
        y_true: array-like or tensor of targets in [0, 1].
        logits: scores z of y_true's shape.

    Returns:
        A tensor of y_true's shape (elementwise losses).

    Raises:
        ValueError: if an input is empty, the shapes differ, or y_true has an entry outside
            [0, 1].

    Example:
    >>> ops.binary_cross_entropy_with_logits([1.0, 0.0], [0.0, 100.0]).numpy().round(4)
    array([  0.6931, 100.    ], dtype=float32)
    """
    y_true, logits = _same_shape_pair(y_true, "y_true", logits, "logits")
    check_probabilities(y_true, "y_true", axis=None)
    # Choose the branch once for both pieces (as tf.nn.sigmoid_cross_entropy_with_logits does):
    # tf.maximum and tf.abs break ties at z = 0 differently, which would zero the gradient there.
    positive = logits >= 0
    relu_logits = tf.where(positive, logits, tf.zeros_like(logits))
    minus_abs_logits = tf.where(positive, -logits, logits)
    return relu_logits - logits * y_true + tf.math.log1p(tf.exp(minus_abs_logits))


def squared_error(y_true, y_pred) -> tf.Tensor:
    """Squared error of each prediction.

    Formula:
        SE(y, yhat) = (y - yhat)^2

    Args:
        y_true: array-like or tensor of targets.
        y_pred: predictions of y_true's shape.

    Returns:
        A tensor of y_true's shape.

    Raises:
        ValueError: if an input is empty or the shapes differ.

    Example:
    >>> ops.squared_error([1.0, 2.0], [3.0, 2.0]).numpy()
    array([4., 0.], dtype=float32)
    """
    y_true, y_pred = _same_shape_pair(y_true, "y_true", y_pred, "y_pred")
    return tf.square(y_true - y_pred)


def mean_squared_error(y_true, y_pred, axis: int = -1) -> tf.Tensor:
    """Mean of the squared errors along ``axis`` (as ``keras.losses.mean_squared_error``).

    Formula:
        MSE(y, yhat) = mean_i (y_i - yhat_i)^2

    Args:
        y_true: array-like or tensor of targets.
        y_pred: predictions of y_true's shape.
        axis: the axis to average over (default the last).

    Returns:
        A tensor of y_true's shape without ``axis``.

    Raises:
        ValueError: if an input is empty, the shapes differ, or ``axis`` is out of range.

    Example:
    >>> ops.mean_squared_error([[1.0, 2.0]], [[3.0, 2.0]]).numpy()
    array([2.], dtype=float32)
    """
    errors = squared_error(y_true, y_pred)
    return tf.reduce_mean(errors, axis=_reduction_axis(errors, axis))


def absolute_error(y_true, y_pred) -> tf.Tensor:
    """Absolute error of each prediction.

    Formula:
        AE(y, yhat) = abs(y - yhat)

    Args:
        y_true: array-like or tensor of targets.
        y_pred: predictions of y_true's shape.

    Returns:
        A tensor of y_true's shape.

    Raises:
        ValueError: if an input is empty or the shapes differ.

    Example:
    >>> ops.absolute_error([1.0, 2.0], [3.0, 2.0]).numpy()
    array([2., 0.], dtype=float32)
    """
    y_true, y_pred = _same_shape_pair(y_true, "y_true", y_pred, "y_pred")
    return tf.abs(y_true - y_pred)


def mean_absolute_error(y_true, y_pred, axis: int = -1) -> tf.Tensor:
    """Mean of the absolute errors along ``axis`` (as ``keras.losses.mean_absolute_error``).

    Formula:
        MAE(y, yhat) = mean_i abs(y_i - yhat_i)

    Args:
        y_true: array-like or tensor of targets.
        y_pred: predictions of y_true's shape.
        axis: the axis to average over (default the last).

    Returns:
        A tensor of y_true's shape without ``axis``.

    Raises:
        ValueError: if an input is empty, the shapes differ, or ``axis`` is out of range.

    Example:
    >>> ops.mean_absolute_error([[1.0, 2.0]], [[3.0, 2.0]]).numpy()
    array([1.], dtype=float32)
    """
    errors = absolute_error(y_true, y_pred)
    return tf.reduce_mean(errors, axis=_reduction_axis(errors, axis))


def exponential_loss(y_true, score) -> tf.Tensor:
    """Exponential loss of a real-valued score f for labels y in {-1, +1} (AdaBoost's loss).

    Formula:
        L(y, f) = exp(-y * f)

    Args:
        y_true: array-like or tensor of labels, each -1 or +1.
        score: real scores f of y_true's shape (positive means class +1).

    Returns:
        A tensor of y_true's shape.

    Raises:
        ValueError: if an input is empty, the shapes differ, or y_true holds a value other than
            -1 or +1.

    Example:
    >>> ops.exponential_loss([1.0, -1.0], [0.0, -2.0]).numpy().round(4)
    array([1.    , 0.1353], dtype=float32)
    """
    y_true, score = _signed_labels_and_scores(y_true, score)
    return tf.exp(-y_true * score)


def hinge_loss(y_true, score) -> tf.Tensor:
    """Hinge loss of a real-valued score f for labels y in {-1, +1} (the SVM's loss).

    Zero once the example is on the right side with margin y f >= 1.

    Formula:
        L(y, f) = max(0, 1 - y * f)

    Args:
        y_true: array-like or tensor of labels, each -1 or +1.
        score: real scores f of y_true's shape (positive means class +1).

    Returns:
        A tensor of y_true's shape.

    Raises:
        ValueError: if an input is empty, the shapes differ, or y_true holds a value other than
            -1 or +1.

    Example:
    >>> ops.hinge_loss([1.0, 1.0, -1.0], [2.0, 0.5, 0.5]).numpy()
    array([0. , 0.5, 1.5], dtype=float32)
    """
    y_true, score = _signed_labels_and_scores(y_true, score)
    margin_violation = 1 - y_true * score
    return tf.maximum(margin_violation, tf.zeros_like(margin_violation))


def zero_one_loss(y_true, y_pred) -> tf.Tensor:
    """Zero-one loss: 1 for each wrong prediction, 0 for each right one.

    Formula:
        L(y, yhat) = 1 if y != yhat else 0

    Args:
        y_true: array-like or tensor of labels (any numbers).
        y_pred: predicted labels of y_true's shape.

    Returns:
        A float tensor of y_true's shape holding 0.0 and 1.0.

    Raises:
        ValueError: if an input is empty or the shapes differ.

    Example:
    >>> ops.zero_one_loss([0, 1, 2], [0, 2, 2]).numpy()
    array([0., 1., 0.], dtype=float32)
    """
    y_true, y_pred = _same_shape_pair(y_true, "y_true", y_pred, "y_pred")
    return tf.cast(tf.not_equal(y_true, y_pred), y_true.dtype)


def categorical_cross_entropy(y_true, q, axis: int = -1) -> tf.Tensor:
    """Categorical cross-entropy of predicted probability vectors q for target vectors y.

    Targets are one-hot or soft probability vectors. Nothing is clipped: q_i = 0 where
    y_i > 0 costs +inf.

    Formula:
        CCE(y, q) = -sum_i y_i ln(q_i),   with 0 ln 0 = 0

    Args:
        y_true: array-like or tensor of target probability vectors along ``axis``.
        q: predicted probability vectors of y_true's shape.
        axis: the class axis (default the last).

    Returns:
        A tensor of y_true's shape without ``axis``.

    Raises:
        ValueError: if an input is empty, the shapes differ, ``axis`` is out of range, or
            y_true or q has a negative entry or does not sum to 1 along ``axis``.

    Example:
    >>> ops.categorical_cross_entropy([[0.0, 1.0]], [[0.5, 0.5]]).numpy().round(4)
    array([0.6931], dtype=float32)
    """
    y_true, q = _same_shape_pair(y_true, "y_true", q, "q")
    axis = _reduction_axis(y_true, axis)
    check_probabilities(y_true, "y_true", axis=axis)
    check_probabilities(q, "q", axis=axis)
    return _negated(tf.reduce_sum(tf.math.xlogy(y_true, q), axis=axis))


def softmax_cross_entropy_with_logits(y_true, logits, axis: int = -1) -> tf.Tensor:
    """Categorical cross-entropy of q = softmax(z) for target vectors y, from the logits z.

    Uses log_softmax (log-sum-exp), so logits of size 1e4 give finite losses (as
    ``tf.nn.softmax_cross_entropy_with_logits``).

    Formula:
        CCE(y, softmax(z)) = -sum_i y_i * log_softmax(z)_i

    Args:
        y_true: array-like or tensor of target probability vectors along ``axis``.
        logits: scores z of y_true's shape.
        axis: the class axis (default the last).

    Returns:
        A tensor of y_true's shape without ``axis``.

    Raises:
        ValueError: if an input is empty, the shapes differ, ``axis`` is out of range, or
            y_true has a negative entry or does not sum to 1 along ``axis``.

    Example:
    >>> ops.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]]).numpy().round(4)
    array([0.6931], dtype=float32)
    >>> ops.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[10000.0, 0.0]]).numpy()
    array([10000.], dtype=float32)
    """
    y_true, logits = _same_shape_pair(y_true, "y_true", logits, "logits")
    axis = _reduction_axis(y_true, axis)
    check_probabilities(y_true, "y_true", axis=axis)
    return _negated(tf.reduce_sum(y_true * log_softmax(logits, axis=axis), axis=axis))


def l2_loss(x) -> tf.Tensor:
    """Half the squared l2 norm of all entries, the weight-decay penalty (as ``tf.nn.l2_loss``).

    Formula:
        l2_loss(x) = sum_i x_i^2 / 2

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A scalar tensor.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.l2_loss([1.0, 2.0, 3.0]).numpy()
    np.float32(7.0)
    """
    x = as_float(x, "x")
    return tf.reduce_sum(tf.square(x)) / 2


def _same_shape_pair(a, name_a: str, b, name_b: str) -> list[tf.Tensor]:
    a, b = common_float((a, name_a), (b, name_b))
    check_same_shape(a, b, name_a, name_b)
    return [a, b]


def _signed_labels_and_scores(y_true, score) -> list[tf.Tensor]:
    y_true, score = _same_shape_pair(y_true, "y_true", score, "score")
    if eager() and not bool(tf.reduce_all((y_true == 1) | (y_true == -1))):
        raise ValueError(
            "y_true must hold only -1 and +1 for a margin loss; map 0/1 labels with 2 * y - 1"
        )
    return [y_true, score]


def _reduction_axis(x: tf.Tensor, axis: int) -> int:
    if x.shape.rank == 0:
        raise ValueError("the inputs must have at least one axis to reduce over; got scalars")
    return check_axis(x, axis, "y_true")


def _negated(x: tf.Tensor) -> tf.Tensor:
    """-x, but +0 rather than -0 where x is 0 (a perfect prediction prints as 0, not -0)."""
    return tf.zeros_like(x) - x
