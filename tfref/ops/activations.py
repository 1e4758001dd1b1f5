"""Activation functions and their derivatives, written side by side.

Each activation ``g`` has a ``g_derivative`` giving dg/dx elementwise at the same input, so a
backward pass can be written by hand and checked against ``tf.GradientTape`` or finite
differences. ``softmax`` and ``log_softmax`` subtract the maximum before exponentiating, so
logits of size 1e4 give no overflow and no NaN.

Symbols: x -> ``x``; s = softmax(x) -> ``probabilities``; alpha -> ``alpha``.
"""

from __future__ import annotations

import tensorflow as tf

from tfref._validation import as_float, check_axis, check_whole

__all__ = [
    "threshold",
    "threshold_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "linear",
    "linear_derivative",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "maxout",
    "softmax",
    "log_softmax",
    "softmax_jacobian",
]


def threshold(x) -> tf.Tensor:
    """Heaviside step: the perceptron's activation.

    Formula:
        threshold(x) = 1 if x > 0 else 0

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of x's shape and float dtype holding 0.0 and 1.0.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.threshold([-1.0, 0.0, 2.0]).numpy()
    array([0., 0., 1.], dtype=float32)
    """
    x = as_float(x, "x")
    return tf.cast(x > 0, x.dtype)


def threshold_derivative(x) -> tf.Tensor:
    """Derivative of the step function: zero wherever it is defined.

    The step is not differentiable at 0; 0 is returned there too, which is why a perceptron is
    trained with its own rule rather than by gradient descent.

    Formula:
        threshold'(x) = 0

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of zeros of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.threshold_derivative([-1.0, 0.0, 2.0]).numpy()
    array([0., 0., 0.], dtype=float32)
    """
    x = as_float(x, "x")
    return tf.zeros_like(x)


def sigmoid(x) -> tf.Tensor:
    """Logistic sigmoid, squashing any real number into (0, 1).

    Computed by ``tf.math.sigmoid``, which is stable for large abs(x) (no overflow of exp).

    Formula:
        sigmoid(x) = 1 / (1 + exp(-x))

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.sigmoid([0.0, 1000.0, -1000.0]).numpy()
    array([0.5, 1. , 0. ], dtype=float32)
    """
    x = as_float(x, "x")
    return tf.math.sigmoid(x)


def sigmoid_derivative(x) -> tf.Tensor:
    """Derivative of the sigmoid, largest (1/4) at 0.

    Formula:
        s = sigmoid(x)
        sigmoid'(x) = s * (1 - s)

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.sigmoid_derivative([0.0]).numpy()
    array([0.25], dtype=float32)
    """
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x) -> tf.Tensor:
    """Hyperbolic tangent, squashing any real number into (-1, 1); tanh(x) = 2 sigmoid(2x) - 1.

    Formula:
        tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.tanh([0.0, 1000.0, -1000.0]).numpy()
    array([ 0.,  1., -1.], dtype=float32)
    """
    x = as_float(x, "x")
    return tf.math.tanh(x)


def tanh_derivative(x) -> tf.Tensor:
    """Derivative of tanh, largest (1) at 0.

    Formula:
        tanh'(x) = 1 - tanh(x)^2

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.tanh_derivative([0.0]).numpy()
    array([1.], dtype=float32)
    """
    t = tanh(x)
    return 1 - tf.square(t)


def linear(x) -> tf.Tensor:
    """Identity activation (a regression output layer).

    Formula:
        linear(x) = x

    Args:
        x: array-like or tensor of any shape.

    Returns:
        x as a float tensor.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.linear([-2.0, 3.0]).numpy()
    array([-2.,  3.], dtype=float32)
    """
    return as_float(x, "x")


def linear_derivative(x) -> tf.Tensor:
    """Derivative of the identity: one everywhere.

    Formula:
        linear'(x) = 1

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of ones of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.linear_derivative([-2.0, 3.0]).numpy()
    array([1., 1.], dtype=float32)
    """
    x = as_float(x, "x")
    return tf.ones_like(x)


def relu(x) -> tf.Tensor:
    """Rectified linear unit.

    Formula:
        relu(x) = max(0, x)

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.relu([-2.0, 0.0, 3.0]).numpy()
    array([0., 0., 3.], dtype=float32)
    """
    x = as_float(x, "x")
    return tf.maximum(x, tf.zeros_like(x))


def relu_derivative(x) -> tf.Tensor:
    """Derivative of relu: 1 for positive inputs, 0 otherwise (0 chosen at x = 0).

    Formula:
        relu'(x) = 1 if x > 0 else 0

    Args:
        x: array-like or tensor of any shape.

    Returns:
        A tensor of x's shape and float dtype holding 0.0 and 1.0.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.relu_derivative([-2.0, 0.0, 3.0]).numpy()
    array([0., 0., 1.], dtype=float32)
    """
    x = as_float(x, "x")
    return tf.cast(x > 0, x.dtype)


def leaky_relu(x, alpha: float = 0.01) -> tf.Tensor:
    """Leaky relu: a small slope ``alpha`` for negative inputs, so no unit is ever fully dead.

    Formula:
        leaky_relu(x) = x if x > 0 else alpha * x

    Args:
        x: array-like or tensor of any shape.
        alpha: slope for x <= 0 (a number).

    Returns:
        A tensor of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.leaky_relu([-2.0, 3.0], alpha=0.1).numpy()
    array([-0.2,  3. ], dtype=float32)
    """
    x = as_float(x, "x")
    return tf.where(x > 0, x, tf.constant(alpha, dtype=x.dtype) * x)


def leaky_relu_derivative(x, alpha: float = 0.01) -> tf.Tensor:
    """Derivative of leaky relu: 1 for positive inputs, ``alpha`` otherwise (alpha at x = 0).

    Formula:
        leaky_relu'(x) = 1 if x > 0 else alpha

    Args:
        x: array-like or tensor of any shape.
        alpha: slope for x <= 0 (a number).

    Returns:
        A tensor of x's shape and float dtype.

    Raises:
        ValueError: if x is empty or not numeric.

    Example:
    >>> ops.leaky_relu_derivative([-2.0, 3.0], alpha=0.1).numpy()
    array([0.1, 1. ], dtype=float32)
    """
    x = as_float(x, "x")
    ones = tf.ones_like(x)
    return tf.where(x > 0, ones, tf.constant(alpha, dtype=x.dtype) * ones)


def maxout(x, num_units: int, axis: int = -1) -> tf.Tensor:
    """Maxout: the maximum over groups of k consecutive features.

    The n features along ``axis`` are split into ``num_units`` groups of k = n / num_units
    consecutive features (group j holds features j*k .. j*k + k - 1); each output unit is the
    maximum of its group.

    Deviations: ``tfa.layers.Maxout`` (TensorFlow Addons) groups features with a stride instead
    (group j holds features j, j + num_units, j + 2*num_units, ...). Both are maxout in the sense
    of Goodfellow et al. (2013): the preceding linear layer is learned, so only the labelling of
    its outputs differs. Here the groups are consecutive, as in docs/contract.md.

    Formula:
        k = n / num_units
        maxout(x)_j = max(x_(j*k), ..., x_(j*k + k - 1)),  j = 0 .. num_units - 1

    Args:
        x: array-like or tensor with n features along ``axis``.
        num_units: number of output units; must divide n.
        axis: the feature axis (default the last).

    Returns:
        A tensor of x's shape with ``num_units`` in place of n along ``axis``.

    Raises:
        ValueError: if x is empty, ``axis`` is out of range, or ``num_units`` is not a positive
            integer dividing n.

    Example:
    >>> ops.maxout([[1.0, 5.0, 2.0, 0.0, 7.0, 3.0]], num_units=2).numpy()
    array([[5., 7.]], dtype=float32)
    """
    x = as_float(x, "x")
    if x.shape.rank == 0:
        raise ValueError("x must have at least one axis of features for maxout; got a scalar")
    axis = check_axis(x, axis, "x") % x.shape.rank
    num_features = x.shape[axis]
    num_units = check_whole(num_units, "num_units", 1, "the number of maxout units")
    if num_features is not None and num_features % num_units:
        raise ValueError(
            f"num_units={num_units} must divide the {num_features} features of x along axis "
            f"{axis}; choose a divisor of {num_features}"
        )
    shape = tf.shape(x)
    group_size = shape[axis] // num_units if num_features is None else num_features // num_units
    grouped_shape = tf.concat([shape[:axis], [num_units, group_size], shape[axis + 1 :]], axis=0)
    grouped = tf.reshape(x, grouped_shape)  # (..., num_units, k, ...)
    return tf.reduce_max(grouped, axis=axis + 1)  # (..., num_units, ...)


def softmax(x, axis: int = -1) -> tf.Tensor:
    """Softmax: turn scores into a probability vector along ``axis``.

    The maximum is subtracted first; the result is unchanged (softmax is shift invariant) and
    exp never overflows. A score of -inf gets probability 0 (masking), as in ``tf.nn.softmax``.

    Formula:
        m = max(x)
        softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m)

    Args:
        x: array-like or tensor of scores (logits).
        axis: the axis to normalise over (default the last).

    Returns:
        A tensor of x's shape: non-negative, summing to 1 along ``axis``.

    Raises:
        ValueError: if x is empty or ``axis`` is out of range.

    Example:
    >>> ops.softmax([0.0, 0.0]).numpy()
    array([0.5, 0.5], dtype=float32)
    >>> ops.softmax([10000.0, 0.0]).numpy()
    array([1., 0.], dtype=float32)
    """
    x = _scores(x, axis)
    shifted = x - tf.reduce_max(x, axis=axis, keepdims=True)
    exponentials = tf.exp(shifted)
    return exponentials / tf.reduce_sum(exponentials, axis=axis, keepdims=True)


def log_softmax(x, axis: int = -1) -> tf.Tensor:
    """Logarithm of the softmax, computed without forming softmax (log-sum-exp trick).

    Formula:
        m = max(x)
        log_softmax(x)_i = x_i - m - log(sum_j exp(x_j - m))

    Args:
        x: array-like or tensor of scores (logits).
        axis: the axis to normalise over (default the last).

    Returns:
        A tensor of x's shape, all entries <= 0; exp of it sums to 1 along ``axis``.

    Raises:
        ValueError: if x is empty or ``axis`` is out of range.

    Example:
    >>> ops.log_softmax([0.0, 0.0]).numpy().round(4)
    array([-0.6931, -0.6931], dtype=float32)
    >>> ops.log_softmax([10000.0, 0.0]).numpy()
    array([     0., -10000.], dtype=float32)
    """
    x = _scores(x, axis)
    shifted = x - tf.reduce_max(x, axis=axis, keepdims=True)
    return shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=axis, keepdims=True))


def softmax_jacobian(x, axis: int = -1) -> tf.Tensor:
    """Jacobian of the softmax over the last axis: d softmax(x)_i / d x_j.

    Only ``axis=-1`` is supported (move the axis last with ``tf.experimental.numpy.moveaxis``
    first if needed).

    Formula:
        s = softmax(x)
        J_ij = s_i * (delta_ij - s_j)      i.e.  J = diag(s) - s s^T

    Args:
        x: array-like or tensor of shape (..., n).
        axis: must be -1 (or the index of the last axis).

    Returns:
        A tensor of shape (..., n, n); each row sums to 0.

    Raises:
        ValueError: if ``axis`` is not the last axis, or x is empty.

    Example:
    >>> ops.softmax_jacobian([0.0, 0.0]).numpy()
    array([[ 0.25, -0.25],
           [-0.25,  0.25]], dtype=float32)
    """
    x = as_float(x, "x")
    if x.shape.rank == 0:
        raise ValueError("x must have at least one axis for softmax_jacobian; got a scalar")
    if axis not in (-1, x.shape.rank - 1):
        raise ValueError(f"softmax_jacobian supports only the last axis (axis=-1); got axis={axis}")
    probabilities = softmax(x, axis=-1)  # (..., n)
    outer = probabilities[..., :, None] * probabilities[..., None, :]  # (..., n, n)
    return tf.linalg.diag(probabilities) - outer


def _scores(x, axis: int) -> tf.Tensor:
    x = as_float(x, "x")
    if x.shape.rank == 0:
        raise ValueError("x must have at least one axis to normalise over; got a scalar")
    check_axis(x, axis, "x")
    return x
