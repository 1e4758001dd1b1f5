"""Inverted dropout as a pure, seeded function (D2L 4.6; seed 003).

In training each entry of ``x`` is kept with probability 1 - p and scaled by 1 / (1 - p), or
set to 0 with probability p, so that the expectation of every entry is unchanged:
E[h'] = (1 - p) * h / (1 - p) + p * 0 = h. At inference dropout is the identity.

The random mask comes from a stateless generator keyed by ``seed``: the same seed and shape
give the same mask, so a run is repeatable, and a layer draws a fresh seed for every call
(tfref.nn.InvertedDropout). With the same seed the mask is TensorFlow's own:
``inverted_dropout(x, rate, seed=s)`` equals
``tf.nn.experimental.stateless_dropout(x, rate, seed=[s, 0])`` bit for bit.

Symbols: h -> ``x``; p -> ``rate``; h' -> the result.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref._validation import as_float, is_whole

__all__ = ["inverted_dropout"]

_MAX_SEED = 2**63 - 1


def _rate(rate):
    """``rate`` as a Python float in [0, 1); a symbolic tensor (inside tf.function) unchecked."""
    if isinstance(rate, tf.Variable):
        rate = tf.convert_to_tensor(rate)
    if tf.is_tensor(rate):
        if rate.shape.rank not in (0, None):
            raise ValueError(f"rate must be a single number; got shape {rate.shape.as_list()}")
        try:
            rate = float(rate.numpy())
        except (AttributeError, NotImplementedError, TypeError):  # symbolic: trusted as given
            return rate
    array = np.asarray(rate)
    if array.shape != () or array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"rate must be a single number in [0, 1); got {rate!r}")
    value = float(array)
    if not 0.0 <= value < 1.0:
        raise ValueError(
            f"rate must be in [0, 1) (the probability of dropping an entry); got {value}. "
            "rate = 1 would drop everything and scale by 1/0"
        )
    return value


def _stateless_seed(seed) -> tf.Tensor:
    """A whole number >= 0 -> the stateless seed [seed, 0]; an int tensor of shape (2,) as is."""
    if isinstance(seed, tf.Variable):
        seed = tf.convert_to_tensor(seed)
    if tf.is_tensor(seed):
        if seed.dtype.is_integer and seed.shape.rank == 1 and seed.shape[0] == 2:
            return tf.cast(seed, tf.int64)  # a stateless seed pair, e.g. from a SeedGenerator
        if seed.dtype.is_integer and seed.shape.rank == 0:
            seed = int(seed.numpy()) if tf.executing_eagerly() else seed
            if tf.is_tensor(seed):
                return tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
        else:
            raise ValueError(
                f"seed must be a whole number >= 0 or an integer tensor of shape (2,); got a "
                f"{seed.dtype.name} tensor of shape {seed.shape.as_list()}"
            )
    if not is_whole(seed):
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
    if not 0 <= int(seed) <= _MAX_SEED:
        raise ValueError(f"seed must be a whole number in [0, 2**63 - 1]; got {seed}")
    return tf.constant([int(seed), 0], dtype=tf.int64)


def _training(training):
    if isinstance(training, bool | np.bool_):
        return bool(training)
    if tf.is_tensor(training) and training.dtype == tf.bool and training.shape.rank == 0:
        return bool(training.numpy()) if tf.executing_eagerly() else training
    raise ValueError(f"training must be True or False; got {training!r}")


def inverted_dropout(x, rate, seed, training=True) -> tf.Tensor:
    """Drop entries of ``x`` with probability ``rate`` and scale the kept ones by 1/(1 - rate).

    Formula:
        training:   keep_i ~ Bernoulli(1 - p) (u_i >= p for u_i ~ Uniform[0, 1) from ``seed``)
                    h'_i = h_i / (1 - p) if keep_i else 0
        inference:  h' = h

    The kept entries are computed as ``x * (1 / (1 - rate))`` (the scale rounded to the dtype
    of ``x``), as ``tf.nn.dropout`` and ``keras.layers.Dropout`` do.

    Args:
        x: activations, any shape; float32 by default, float64 honoured.
        rate: p, the probability of dropping an entry, in [0, 1). 0 keeps everything.
        seed: a whole number >= 0; the mask is a function of ``seed`` and the shape of ``x``
            only. tfref also takes a stateless seed pair (an integer tensor of shape (2,)).
        training: True drops (training); False returns ``x`` unchanged (inference).

    Returns:
        A tensor of the shape and dtype of ``x``.

    Raises:
        ValueError: ``rate`` outside [0, 1), ``seed`` negative or not a whole number,
            ``training`` not a bool, ``x`` empty or not numbers.

    Example:
    >>> x = tf.ones((2, 4))
    >>> ops.inverted_dropout(x, 0.5, seed=0, training=False).numpy()
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    >>> y = ops.inverted_dropout(x, 0.5, seed=0).numpy()
    >>> sorted(set(y.ravel().tolist())) in ([0.0, 2.0], [0.0], [2.0])
    True
    >>> bool(np.all(y == ops.inverted_dropout(x, 0.5, seed=0).numpy()))  # same seed, same mask
    True
    """
    x = as_float(x, "x")
    rate = _rate(rate)
    seed = _stateless_seed(seed)
    training = _training(training)
    if training is False or (isinstance(rate, float) and rate == 0.0):
        return x

    def dropped():
        uniform = tf.random.stateless_uniform(tf.shape(x), seed=seed, dtype=x.dtype)
        if isinstance(rate, float):
            scale = tf.constant(1.0 / (1.0 - rate), dtype=x.dtype)
            keep = uniform >= tf.constant(rate, dtype=x.dtype)
        else:
            p = tf.cast(rate, x.dtype)
            scale = 1.0 / (1.0 - p)
            keep = uniform >= p
        return tf.where(keep, x * scale, tf.zeros_like(x))

    if training is True:
        return dropped()
    return tf.cond(training, dropped, lambda: tf.identity(x))
