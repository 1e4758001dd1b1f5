"""Exponentially weighted moving averages (EWMA), the running mean inside momentum, RMSprop and
Adam, with optional bias correction.

Symbols: theta_t -> ``x[t - 1]`` (the series runs along axis 0); v_t -> the result's row
t - 1; beta -> ``beta``; t -> ``t``.
"""

from __future__ import annotations

import tensorflow as tf

from tfref._validation import as_float, check_in_range, check_positive_whole

__all__ = ["ewma", "ewma_weights"]


def ewma(x, beta: float, bias_correction: bool = False) -> tf.Tensor:
    """Exponentially weighted moving average of a series along axis 0.

    Each v_t mixes the previous average with the new value; beta near 1 averages over about
    1 / (1 - beta) recent values. Starting from v_0 = 0 biases the first averages towards 0;
    dividing by 1 - beta^t removes that bias (the bias-corrected series equals
    ``pandas.Series(x).ewm(alpha=1 - beta, adjust=True).mean()``). beta = 0 returns x itself.

    Formula:
        v_0 = 0
        v_t = beta * v_(t-1) + (1 - beta) * theta_t,     t = 1 .. T
        corrected v_t = v_t / (1 - beta^t)

    Args:
        x: array-like or tensor of shape (T, ...): the series theta_1 .. theta_T along axis 0
            (trailing axes are independent series).
        beta: the decay, a number in [0, 1).
        bias_correction: divide v_t by 1 - beta^t when True.

    Returns:
        A tensor of x's shape holding v_1 .. v_T.

    Raises:
        ValueError: if x is empty or a scalar, or beta is outside [0, 1).

    Example:
    >>> ops.ewma([1.0, 1.0, 1.0], beta=0.5).numpy()
    array([0.5  , 0.75 , 0.875], dtype=float32)
    >>> ops.ewma([1.0, 1.0, 1.0], beta=0.5, bias_correction=True).numpy()
    array([1., 1., 1.], dtype=float32)
    """
    x = as_float(x, "x")
    if x.shape.rank == 0:
        raise ValueError("x must be a series along axis 0 (at least one axis); got a scalar")
    beta = check_in_range(beta, "beta", 0.0, 1.0)
    decay = tf.constant(beta, dtype=x.dtype)

    def step(previous_average, value):
        return decay * previous_average + (1 - decay) * value

    averages = tf.scan(step, x, initializer=tf.zeros_like(x[0]))  # (T, ...)
    if bias_correction:
        steps = tf.range(1, tf.shape(x)[0] + 1, dtype=x.dtype)  # (T,)
        correction = 1 - tf.pow(decay, steps)
        correction = tf.reshape(correction, [-1] + [1] * (x.shape.rank - 1))  # (T, 1, ..., 1)
        averages = averages / correction
    return averages


def ewma_weights(beta: float, t: int) -> tf.Tensor:
    """The weight each of theta_1 .. theta_t carries in v_t (no bias correction).

    Unrolling the recursion gives v_t = sum_i w_i theta_i; the weights decay geometrically into
    the past and sum to 1 - beta^t.

    Formula:
        w_i = (1 - beta) * beta^(t - i),   i = 1 .. t

    Args:
        beta: the decay, a number in [0, 1) (a float64 NumPy scalar gives a float64 result).
        t: the number of steps, a whole number >= 1.

    Returns:
        A tensor of shape (t,): the weights of theta_1 .. theta_t, oldest first.

    Raises:
        ValueError: if beta is outside [0, 1) or t is not a whole number >= 1.

    Example:
    >>> ops.ewma_weights(0.5, 3).numpy()
    array([0.125, 0.25 , 0.5  ], dtype=float32)
    """
    beta_tensor = as_float(beta, "beta")
    if beta_tensor.shape.rank != 0:
        raise ValueError(f"beta must be a single number; got shape {beta_tensor.shape.as_list()}")
    check_in_range(float(beta_tensor), "beta", 0.0, 1.0)
    steps = check_positive_whole(t, "t", "v_t needs at least one value")
    ages = tf.range(steps - 1, -1, -1, dtype=beta_tensor.dtype)  # (t,): t - i for i = 1 .. t
    return (1 - beta_tensor) * tf.pow(beta_tensor, ages)

