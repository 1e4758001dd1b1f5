"""Probability distributions: Bernoulli, binomial, multinomial and Beta, and the Beta-Bernoulli
conjugate update.

Probability mass and density functions are evaluated through their logarithms
(``tf.math.lgamma`` for factorials and the Beta function, ``tf.math.xlogy`` for 0 log 0 = 0)
in float64, then cast to the inputs' dtype, so large counts neither overflow nor lose precision.

Symbols: x -> ``x`` (0/1 outcomes); p -> ``p``; k successes in n trials -> ``k``, ``n``;
counts_i -> ``counts``; theta, a, b -> ``theta``, ``a``, ``b``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref._validation import check_probabilities, common_float, eager

__all__ = [
    "bernoulli_pmf",
    "bernoulli_log_likelihood",
    "binomial_pmf",
    "multinomial_pmf",
    "beta_pdf",
    "beta_bernoulli_posterior",
]


def bernoulli_pmf(x, p) -> tf.Tensor:
    """Probability of the outcome x in {0, 1} of a coin with P(x = 1) = p.

    Formula:
        P(x | p) = p^x * (1 - p)^(1 - x)      i.e. p if x = 1 else 1 - p

    Args:
        x: array-like or tensor of outcomes, each 0 or 1.
        p: probabilities in [0, 1], broadcastable against x.

    Returns:
        A tensor of the broadcast shape of x and p.

    Raises:
        ValueError: if x or p is empty, x holds a value other than 0 or 1, or p has an entry
            outside [0, 1].

    Example:
    >>> ops.bernoulli_pmf([1.0, 0.0], 0.8).numpy().round(4)
    array([0.8, 0.2], dtype=float32)
    """
    x, p = common_float((x, "x"), (p, "p"))
    _check_binary(x, "x")
    check_probabilities(p, "p", axis=None)
    return tf.where(x == 1, p, 1 - p)


def bernoulli_log_likelihood(x, p) -> tf.Tensor:
    """Log-likelihood of independent 0/1 observations x under success probabilities p.

    Formula:
        log L(p) = sum_i x_i ln(p_i) + (1 - x_i) ln(1 - p_i),   with 0 ln 0 = 0

    Args:
        x: array-like or tensor of outcomes, each 0 or 1.
        p: probabilities in [0, 1], broadcastable against x.

    Returns:
        A scalar tensor (-inf when an observed outcome has probability 0).

    Raises:
        ValueError: if x or p is empty, x holds a value other than 0 or 1, or p has an entry
            outside [0, 1].

    Example:
    >>> round(float(ops.bernoulli_log_likelihood([1.0, 1.0, 0.0], 0.5)), 4)
    -2.0794
    """
    x, p = common_float((x, "x"), (p, "p"))
    _check_binary(x, "x")
    check_probabilities(p, "p", axis=None)
    return tf.reduce_sum(tf.math.xlogy(x, p) + tf.math.xlogy(1 - x, 1 - p))


def binomial_pmf(k, n, p) -> tf.Tensor:
    """Probability of exactly k successes in n independent trials of success probability p.

    Formula:
        P(k | n, p) = C(n, k) * p^k * (1 - p)^(n - k),   C(n, k) = n! / (k! (n - k)!)

    Args:
        k: array-like or tensor of whole numbers 0 <= k <= n.
        n: whole numbers of trials (>= 0), broadcastable against k.
        p: success probabilities in [0, 1], broadcastable against k.

    Returns:
        A tensor of the broadcast shape of k, n and p.

    Raises:
        ValueError: if an input is empty, k or n is not a whole number, k is outside 0..n, or
            p has an entry outside [0, 1].

    Example:
    >>> ops.binomial_pmf([0, 1, 2], 2, 0.5).numpy()
    array([0.25, 0.5 , 0.25], dtype=float32)
    """
    k, n, p = common_float((k, "k"), (n, "n"), (p, "p"))
    _check_whole(k, "k")
    _check_whole(n, "n")
    if eager() and bool(tf.reduce_any(k > n)):
        raise ValueError("k must be in 0..n (successes cannot exceed trials); got k > n")
    check_probabilities(p, "p", axis=None)
    k64, n64, p64 = (tf.cast(t, tf.float64) for t in (k, n, p))
    log_pmf = (
        _log_factorial(n64) - _log_factorial(k64) - _log_factorial(n64 - k64)
        + tf.math.xlogy(k64, p64) + tf.math.xlogy(n64 - k64, 1 - p64)
    )
    return tf.cast(tf.exp(log_pmf), p.dtype)


def multinomial_pmf(counts, p) -> tf.Tensor:
    """Probability of the category counts of n = sum(counts) draws with probabilities p.

    Formula:
        n = sum_i counts_i
        P(counts | p) = n! / prod_i(counts_i!) * prod_i p_i^counts_i,   with 0^0 = 1

    Args:
        counts: array-like or tensor of whole numbers >= 0, categories on the last axis.
        p: probability vectors on the last axis (same length), broadcastable against counts.

    Returns:
        A tensor of the broadcast shape without the last axis.

    Raises:
        ValueError: if an input is empty, counts are not whole numbers >= 0, the last axes
            differ in length, or p has a negative entry or does not sum to 1 over the last axis.

    Example:
    >>> round(float(ops.multinomial_pmf([1, 1, 0], [0.5, 0.25, 0.25])), 4)
    0.25
    """
    counts, p = common_float((counts, "counts"), (p, "p"))
    if counts.shape.rank == 0 or p.shape.rank == 0:
        raise ValueError("counts and p must have a last axis of categories; got a scalar")
    if counts.shape[-1] != p.shape[-1]:
        raise ValueError(
            f"counts and p must have the same number of categories on the last axis; got "
            f"{counts.shape[-1]} and {p.shape[-1]}"
        )
    _check_whole(counts, "counts")
    check_probabilities(p, "p", axis=-1)
    counts64, p64 = tf.cast(counts, tf.float64), tf.cast(p, tf.float64)
    total = tf.reduce_sum(counts64, axis=-1)
    log_pmf = (
        _log_factorial(total) - tf.reduce_sum(_log_factorial(counts64), axis=-1)
        + tf.reduce_sum(tf.math.xlogy(counts64, p64), axis=-1)
    )
    return tf.cast(tf.exp(log_pmf), p.dtype)


def beta_pdf(theta, a, b) -> tf.Tensor:
    """Density of the Beta(a, b) distribution at theta in [0, 1].

    Formula:
        B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b)
        pdf(theta | a, b) = theta^(a - 1) * (1 - theta)^(b - 1) / B(a, b)

    Args:
        theta: array-like or tensor of points in [0, 1].
        a: shape parameters > 0, broadcastable against theta.
        b: shape parameters > 0, broadcastable against theta.

    Returns:
        A tensor of the broadcast shape (inf at an end point where a < 1 or b < 1).

    Raises:
        ValueError: if an input is empty, theta has an entry outside [0, 1], or a or b is not
            positive.

    Example:
    >>> ops.beta_pdf([0.0, 0.5, 1.0], 2.0, 2.0).numpy()
    array([0. , 1.5, 0. ], dtype=float32)
    """
    theta, a, b = common_float((theta, "theta"), (a, "a"), (b, "b"))
    check_probabilities(theta, "theta", axis=None)
    _check_positive(a, "a")
    _check_positive(b, "b")
    theta64, a64, b64 = (tf.cast(t, tf.float64) for t in (theta, a, b))
    log_beta_function = tf.math.lgamma(a64) + tf.math.lgamma(b64) - tf.math.lgamma(a64 + b64)
    log_pdf = (
        tf.math.xlogy(a64 - 1, theta64) + tf.math.xlogy(b64 - 1, 1 - theta64) - log_beta_function
    )
    return tf.cast(tf.exp(log_pdf), theta.dtype)


def beta_bernoulli_posterior(a, b, x) -> tuple[tf.Tensor, tf.Tensor]:
    """Posterior Beta parameters after observing 0/1 outcomes x under a Beta(a, b) prior.

    The Beta prior is conjugate to the Bernoulli likelihood: a counts successes and b failures.

    Formula:
        s = sum_i x_i,   n = number of observations
        posterior = Beta(a + s, b + n - s)

    Args:
        a: prior successes parameter (> 0).
        b: prior failures parameter (> 0).
        x: array-like or tensor of observations, each 0 or 1 (all of them are counted).

    Returns:
        A pair of tensors (a_posterior, b_posterior).

    Raises:
        ValueError: if an input is empty, a or b is not positive, or x holds a value other than
            0 or 1.

    Example:
    >>> a_post, b_post = ops.beta_bernoulli_posterior(1.0, 1.0, [1, 0, 1, 1])
    >>> float(a_post), float(b_post)
    (4.0, 2.0)
    """
    a, b, x = common_float((a, "a"), (b, "b"), (x, "x"))
    _check_positive(a, "a")
    _check_positive(b, "b")
    _check_binary(x, "x")
    successes = tf.reduce_sum(x)
    trials = tf.cast(tf.size(x), x.dtype)
    return a + successes, b + trials - successes


def _log_factorial(n: tf.Tensor) -> tf.Tensor:
    """ln(n!) = lgamma(n + 1)."""
    return tf.math.lgamma(n + 1)


def _check_binary(x: tf.Tensor, name: str) -> None:
    if eager() and not bool(tf.reduce_all((x == 0) | (x == 1))):
        bad = x.numpy()[(x.numpy() != 0) & (x.numpy() != 1)].flat[0]
        raise ValueError(f"{name} must hold only 0 and 1 (outcomes); got {bad}")


def _check_whole(x: tf.Tensor, name: str) -> None:
    """Whole numbers >= 0 (a count held in a float tensor)."""
    if not eager():
        return
    values = x.numpy()
    if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        raise ValueError(f"{name} must hold whole numbers (counts); got a non-integer value")
    if (values < 0).any():
        raise ValueError(f"{name} must be >= 0 (a count); got {values.min()}")


def _check_positive(x: tf.Tensor, name: str) -> None:
    if eager() and not bool(tf.reduce_all(x > 0)):
        raise ValueError(f"{name} must be > 0; got {tf.reduce_min(x).numpy()}")
