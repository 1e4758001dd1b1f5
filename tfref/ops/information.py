"""Information theory: self-information, entropy, cross-entropy and KL divergence.

Logarithms are natural (nats) unless ``base`` is given (2 for bits), as in
``scipy.stats.entropy``; the convention 0 log 0 = 0 is kept with ``tf.math.xlogy``. Probability
vectors are checked: entries in [0, 1] summing to 1 along ``axis`` within 1e-4 (float32) or
1e-9 (float64).

Symbols: p, q -> ``p``, ``q``; p(x, y) -> ``p_xy``; b -> ``base``.
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
    log_base,
)

__all__ = ["self_information", "entropy", "joint_entropy", "cross_entropy", "kl_divergence"]


def self_information(p, base=None) -> tf.Tensor:
    """Surprise of an outcome of probability p: rare outcomes carry more information.

    Formula:
        I(p) = -log_b(p) = -ln(p) / ln(b)

    Args:
        p: array-like or tensor of probabilities in (0, 1], any shape (elementwise).
        base: logarithm base b (None for natural log, 2 for bits).

    Returns:
        A tensor of p's shape, all entries >= 0.

    Raises:
        ValueError: if p is empty or has an entry outside (0, 1], or ``base`` is <= 0 or 1.

    Example:
    >>> ops.self_information([1.0, 0.5, 0.25], base=2).numpy()
    array([0., 1., 2.], dtype=float32)
    """
    p = as_float(p, "p")
    check_probabilities(p, "p", axis=None)
    if eager() and bool(tf.reduce_any(p == 0)):
        raise ValueError("p has an entry equal to 0; self-information needs p in (0, 1]")
    return _in_base(_negated(tf.math.log(p)), base)


def entropy(p, base=None, axis: int = -1) -> tf.Tensor:
    """Shannon entropy of a probability vector: the expected self-information.

    Formula:
        H(p) = -sum_i p_i log_b(p_i),   with 0 log 0 = 0

    Args:
        p: array-like or tensor of probability vectors along ``axis``.
        base: logarithm base b (None for natural log, 2 for bits).
        axis: the axis holding each distribution (default the last).

    Returns:
        A tensor of p's shape without ``axis``; 0 <= H <= log_b(n).

    Raises:
        ValueError: if p is empty, has a negative entry or does not sum to 1 along ``axis``,
            ``axis`` is out of range, or ``base`` is <= 0 or 1.

    Example:
    >>> ops.entropy([0.5, 0.5], base=2).numpy()
    np.float32(1.0)
    >>> ops.entropy([[1.0, 0.0], [0.25, 0.75]]).numpy().round(4)
    array([0.    , 0.5623], dtype=float32)
    """
    p = _probability_vectors(p, "p", axis)
    return _in_base(_negated(tf.reduce_sum(tf.math.xlogy(p, p), axis=axis)), base)


def joint_entropy(p_xy, base=None) -> tf.Tensor:
    """Entropy of a joint distribution table p(x, y, ...): a sum over every axis.

    Formula:
        H(X, Y) = -sum_x sum_y p(x, y) log_b p(x, y),   with 0 log 0 = 0

    Args:
        p_xy: array-like or tensor of any shape, non-negative, summing to 1 over all entries.
        base: logarithm base b (None for natural log, 2 for bits).

    Returns:
        A scalar tensor.

    Raises:
        ValueError: if p_xy is empty, has a negative entry or does not sum to 1, or ``base``
            is <= 0 or 1.

    Example:
    >>> ops.joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2).numpy()
    np.float32(2.0)
    """
    p_xy = as_float(p_xy, "p_xy")
    check_probabilities(p_xy, "p_xy", axis=tuple(range(p_xy.shape.rank)))
    return _in_base(_negated(tf.reduce_sum(tf.math.xlogy(p_xy, p_xy))), base)


def cross_entropy(p, q, base=None, axis: int = -1) -> tf.Tensor:
    """Cross-entropy of q relative to p: the expected code length under q of data from p.

    Infinite when q gives zero probability to an outcome p can produce.

    Formula:
        H(p, q) = -sum_i p_i log_b(q_i),   with 0 log 0 = 0

    Args:
        p: array-like or tensor of probability vectors along ``axis`` (the true distribution).
        q: probability vectors of p's shape (the model).
        base: logarithm base b (None for natural log, 2 for bits).
        axis: the axis holding each distribution (default the last).

    Returns:
        A tensor of p's shape without ``axis``; H(p, q) >= H(p).

    Raises:
        ValueError: if p or q is empty, has a negative entry or does not sum to 1 along
            ``axis``, p and q differ in shape, ``axis`` is out of range, or ``base`` is <= 0 or 1.

    Example:
    >>> ops.cross_entropy([0.5, 0.5], [0.25, 0.75], base=2).numpy().round(4)
    np.float32(1.2075)
    """
    p, q = _probability_pair(p, q, axis)
    return _in_base(_negated(tf.reduce_sum(tf.math.xlogy(p, q), axis=axis)), base)


def kl_divergence(p, q, base=None, axis: int = -1) -> tf.Tensor:
    """Kullback-Leibler divergence of q from p: the extra code length H(p, q) - H(p).

    Non-negative, zero only when p = q, not symmetric; infinite where q_i = 0 < p_i. Each
    term is computed as p_i log(p_i / q_i) (as ``scipy.special.rel_entr``), terms with p_i = 0
    being 0.

    Formula:
        KL(p || q) = sum_i p_i log_b(p_i / q_i),   with 0 log(0 / q) = 0

    Args:
        p: array-like or tensor of probability vectors along ``axis``.
        q: probability vectors of p's shape.
        base: logarithm base b (None for natural log, 2 for bits).
        axis: the axis holding each distribution (default the last).

    Returns:
        A tensor of p's shape without ``axis``, all entries >= 0.

    Raises:
        ValueError: if p or q is empty, has a negative entry or does not sum to 1 along
            ``axis``, p and q differ in shape, ``axis`` is out of range, or ``base`` is <= 0 or 1.

    Example:
    >>> ops.kl_divergence([0.5, 0.5], [0.25, 0.75], base=2).numpy().round(4)
    np.float32(0.2075)
    >>> ops.kl_divergence([0.5, 0.5], [0.5, 0.5]).numpy()
    np.float32(0.0)
    """
    p, q = _probability_pair(p, q, axis)
    terms = tf.where(p > 0, p * tf.math.log(p / q), tf.zeros_like(p))
    return _in_base(tf.reduce_sum(terms, axis=axis), base)


def _probability_vectors(p, name: str, axis: int) -> tf.Tensor:
    p = as_float(p, name)
    if p.shape.rank == 0:
        raise ValueError(f"{name} must be a probability vector (at least one axis); got a scalar")
    check_axis(p, axis, name)
    check_probabilities(p, name, axis=axis)
    return p


def _probability_pair(p, q, axis: int) -> list[tf.Tensor]:
    p, q = common_float((p, "p"), (q, "q"))
    check_same_shape(p, q, "p", "q")
    return [_probability_vectors(p, "p", axis), _probability_vectors(q, "q", axis)]


def _negated(x: tf.Tensor) -> tf.Tensor:
    """-x, but +0 rather than -0 where x is 0 (so a certain outcome prints as 0, not -0)."""
    return tf.zeros_like(x) - x


def _in_base(nats: tf.Tensor, base) -> tf.Tensor:
    """Convert a quantity in nats to logarithm base ``base`` (None keeps nats)."""
    log_of_base = log_base(base, nats.dtype)
    return nats if log_of_base is None else nats / log_of_base
