"""The contract mapped onto JAX built-ins, glue only (``tfref spec --impl jax``).

jax.nn, jax.numpy, jax.scipy.special and jax.scipy.stats, jax.lax (conv_general_dilated,
conv_transpose, reduce_window), jax.grad / jax.jacrev for derivatives and, where optax is
installed, a few optax losses, its exponential-decay schedule and its global-norm clipping.
Each function only translates: NumPy in (float64 kept, so 64-bit mode is switched on at import;
Python numbers and lists become float32, JAX's default without it; integers become float32),
argument order, NHWC spelt as lax dimension numbers, padding conventions, jax arrays out (the
runner converts them with NumPy). Nothing here re-implements the maths: a contract function
JAX has no built-in for is absent (n/a), e.g. the metrics, the EWMA, dropout (jax.nn has none),
the RNN, the tree criteria, the distances, the boxes, ``self_information`` (no built-in beyond
``log``), ``central_difference``, ``newton_step`` and, without optax, every loss but the
cross-entropies and the style losses.

Speed. JAX compiles an XLA program for every new input shape and dtype, and hypothesis draws
hundreds of shapes: compiling was the whole cost of a run (about 28 minutes). Measured per new
shape: an entropy whose glue ops (sum, unit change) ran eagerly beside the jitted jax.scipy
call, 515 ms; the same under ``jax.disable_jit()``, 949 ms (every primitive compiled on its
own); the whole glue function under one ``jax.jit``, 83 ms. So each function here is ONE jitted
program (built-in plus glue, the non-array arguments static), inputs are converted in NumPy
(a jnp ``astype`` outside jit would compile too), and compiled programs are kept in JAX's
persistent compilation cache (``$TFREF_JAX_CACHE``, default ``$XDG_CACHE_HOME/tfref/jax`` or
``~/.cache/tfref/jax``; an empty string switches it off), so a rerun of the same draws compiles
nothing. (Some jax.nn functions, softmax and relu among them, are not jitted themselves: they
are wrapped here too.)

Known deviations of JAX from the contract: ``jax_deviations.toml``.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # honour float64 inputs (float64 in, float64 out)

_CACHE = os.environ.get("TFREF_JAX_CACHE", str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tfref" / "jax"))
if _CACHE and not jax.config.jax_compilation_cache_dir:  # keep a cache the user chose
    jax.config.update("jax_compilation_cache_dir", _CACHE)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)

import jax.numpy as jnp  # noqa: E402
import jax.scipy.special as jsp  # noqa: E402
import jax.scipy.stats as jst  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

try:  # optional: losses, a schedule and clipping exist only where optax is installed
    import optax as _optax
except ImportError:  # pragma: no cover - depends on the environment
    _optax = None

__all__ = [
    "threshold", "threshold_derivative", "sigmoid", "sigmoid_derivative", "tanh",
    "tanh_derivative", "linear", "linear_derivative", "relu", "relu_derivative", "leaky_relu",
    "leaky_relu_derivative", "maxout", "softmax", "log_softmax", "softmax_jacobian",
    "entropy", "joint_entropy", "cross_entropy", "kl_divergence",
    "bernoulli_pmf", "bernoulli_log_likelihood", "binomial_pmf", "multinomial_pmf", "beta_pdf",
    "categorical_cross_entropy",
    "standardize", "one_hot", "gaussian_pdf", "gaussian_density",
    "conv2d", "max_pool2d", "avg_pool2d", "conv2d_transpose",
]


def _jit(*static):
    """jax.jit with the given static (non-array) argument names: one XLA program per call."""
    return functools.partial(jax.jit, static_argnames=static)


# --------------------------------------------------------------------------------------------
# Glue: NumPy in (converted in NumPy, outside the compiled programs)
# --------------------------------------------------------------------------------------------

def _numpy(value) -> np.ndarray:
    """A NumPy array keeps its dtype; Python numbers and lists of floats become float32 (JAX's
    default outside 64-bit mode, which is on here only to honour float64 arrays)."""
    if isinstance(value, np.ndarray | np.generic | jax.Array):
        return np.asarray(value)
    array = np.asarray(value)
    return array.astype(np.float32) if array.dtype == np.float64 else array


def _floats(*values) -> list[np.ndarray]:
    """Inputs as float arrays of one dtype: float64 if any is float64, else float32."""
    arrays = [_numpy(v) for v in values]
    dtype = np.float64 if any(a.dtype == np.float64 for a in arrays) else np.float32
    return [a.astype(dtype, copy=False) for a in arrays]


def _float(value) -> np.ndarray:
    return _floats(value)[0]


def _like(value, reference: np.ndarray) -> np.ndarray:
    """``value`` as an array of ``reference``'s dtype (observations, counts, parameters)."""
    return _numpy(value).astype(reference.dtype)


def _log_base(base) -> float:
    """A unit change: results in nats are divided by ln(base) (1 for nats)."""
    return 1.0 if base is None else math.log(base)


def _pair(value) -> tuple[int, int]:
    """An int or an (h, w) pair, as an (h, w) pair (hashable: a static argument)."""
    if np.ndim(value) == 1:
        return int(value[0]), int(value[1])
    return int(value), int(value)


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------

_sigmoid = jax.jit(jax.nn.sigmoid)
_tanh = jax.jit(jax.nn.tanh)
_identity = jax.jit(jax.nn.identity)
_relu = jax.jit(jax.nn.relu)
_leaky_relu = jax.jit(jax.nn.leaky_relu)
_softmax = jax.jit(jax.nn.softmax, static_argnames=("axis",))
_log_softmax = jax.jit(jax.nn.log_softmax, static_argnames=("axis",))


@jax.jit
def _heaviside(x):
    return jnp.heaviside(x, jnp.zeros((), x.dtype))


@_jit("function")
def _derivative(x, function):
    """Elementwise derivative: jax.grad of the sum of the activation's outputs."""
    return jax.grad(lambda v: jnp.sum(function(v)))(x)


def threshold(x):
    """jax.numpy.heaviside(x, 0)."""
    return _heaviside(_float(x))


def threshold_derivative(x):
    """jax.grad of jax.numpy.heaviside(x, 0)."""
    return _derivative(_float(x), function=_heaviside)


def sigmoid(x):
    """jax.nn.sigmoid."""
    return _sigmoid(_float(x))


def sigmoid_derivative(x):
    """jax.grad of jax.nn.sigmoid."""
    return _derivative(_float(x), function=jax.nn.sigmoid)


def tanh(x):
    """jax.nn.tanh."""
    return _tanh(_float(x))


def tanh_derivative(x):
    """jax.grad of jax.nn.tanh."""
    return _derivative(_float(x), function=jax.nn.tanh)


def linear(x):
    """jax.nn.identity."""
    return _identity(_float(x))


def linear_derivative(x):
    """jax.grad of jax.nn.identity."""
    return _derivative(_float(x), function=jax.nn.identity)


def relu(x):
    """jax.nn.relu."""
    return _relu(_float(x))


def relu_derivative(x):
    """jax.grad of jax.nn.relu."""
    return _derivative(_float(x), function=jax.nn.relu)


def leaky_relu(x, alpha=0.01):
    """jax.nn.leaky_relu(x, negative_slope=alpha)."""
    return _leaky_relu(_float(x), negative_slope=alpha)


@jax.jit
def _leaky_relu_derivative(x, alpha):
    return jax.grad(lambda v: jnp.sum(jax.nn.leaky_relu(v, negative_slope=alpha)))(x)


def leaky_relu_derivative(x, alpha=0.01):
    """jax.grad of jax.nn.leaky_relu(negative_slope=alpha)."""
    return _leaky_relu_derivative(_float(x), alpha)


@_jit("num_units", "axis")
def _maxout(x, num_units, axis):
    moved = jnp.moveaxis(x, axis, -1)
    k = moved.shape[-1] // num_units
    window = (1,) * (moved.ndim - 1) + (k,)
    pooled = lax.reduce_window(moved, jnp.array(-jnp.inf, x.dtype), lax.max, window, window,
                               "VALID")
    return jnp.moveaxis(pooled, -1, axis)


def maxout(x, num_units, axis=-1):
    """jax.lax.reduce_window(max) with window and stride n / num_units along ``axis``."""
    return _maxout(_float(x), num_units=int(num_units), axis=int(axis))


def softmax(x, axis=-1):
    """jax.nn.softmax(x, axis=axis)."""
    return _softmax(_float(x), axis=int(axis))


def log_softmax(x, axis=-1):
    """jax.nn.log_softmax(x, axis=axis)."""
    return _log_softmax(_float(x), axis=int(axis))


@_jit("axis")
def _softmax_jacobian(x, axis):
    moved = jnp.moveaxis(x, axis, -1)
    n = moved.shape[-1]
    jacobian = jax.vmap(jax.jacrev(jax.nn.softmax))(moved.reshape(-1, n))
    return jacobian.reshape(*moved.shape, n)


def softmax_jacobian(x, axis=-1):
    """jax.jacrev of jax.nn.softmax, vmapped over the leading axes."""
    return _softmax_jacobian(_float(x), axis=int(axis))


# --------------------------------------------------------------------------------------------
# Information theory (nats; ``base`` is a change of unit). jax.scipy.special's elementwise
# terms, summed over the axis (as torch's reduction="none" followed by a sum).
# --------------------------------------------------------------------------------------------

@_jit("axis")
def _entropy(p, log_base, axis):
    return jsp.entr(p).sum(axis=axis) / log_base


@_jit("axis")
def _cross_entropy(p, q, log_base, axis):
    return -jsp.xlogy(p, q).sum(axis=axis) / log_base


@_jit("axis")
def _kl_divergence(p, q, log_base, axis):
    return jsp.rel_entr(p, q).sum(axis=axis) / log_base


def entropy(p, base=None, axis=-1):
    """jax.scipy.special.entr(p) (-p log p, 0 at 0) summed over ``axis``."""
    return _entropy(_float(p), _log_base(base), axis=int(axis))


def joint_entropy(p_xy, base=None):
    """jax.scipy.special.entr(p_xy) summed over every axis."""
    return _entropy(_float(p_xy), _log_base(base), axis=None)


def cross_entropy(p, q, base=None, axis=-1):
    """-jax.scipy.special.xlogy(p, q) (0 where p is 0) summed over ``axis``."""
    return _cross_entropy(*_floats(p, q), _log_base(base), axis=int(axis))


def kl_divergence(p, q, base=None, axis=-1):
    """jax.scipy.special.rel_entr(p, q) summed over ``axis``."""
    return _kl_divergence(*_floats(p, q), _log_base(base), axis=int(axis))


def categorical_cross_entropy(y_true, q, axis=-1):
    """-jax.scipy.special.xlogy(y_true, q) summed over ``axis``."""
    return _cross_entropy(*_floats(y_true, q), 1.0, axis=int(axis))


# --------------------------------------------------------------------------------------------
# Distributions (jax.scipy.stats)
# --------------------------------------------------------------------------------------------

_bernoulli_pmf = jax.jit(jst.bernoulli.pmf)
_binomial_pmf = jax.jit(jst.binom.pmf)
_beta_pdf = jax.jit(jst.beta.pdf)
_norm_pdf = jax.jit(jst.norm.pdf)


@jax.jit
def _bernoulli_log_likelihood(x, p):
    return jst.bernoulli.logpmf(x, p).sum()


def bernoulli_pmf(x, p):
    """jax.scipy.stats.bernoulli.pmf(x, p)."""
    p = _float(p)
    return _bernoulli_pmf(_like(x, p), p)


def bernoulli_log_likelihood(x, p):
    """jax.scipy.stats.bernoulli.logpmf(x, p) summed over every element."""
    p = _float(p)
    return _bernoulli_log_likelihood(_like(x, p), p)


def binomial_pmf(k, n, p):
    """jax.scipy.stats.binom.pmf(k, n, p)."""
    p = _float(p)
    return _binomial_pmf(_like(k, p), _like(n, p), p)


@jax.jit
def _multinomial_pmf(counts, p):
    counts, p = jnp.broadcast_arrays(counts, p)
    k = counts.shape[-1]
    pmf = jax.vmap(lambda c, q: jst.multinomial.pmf(c, c.sum(), q))
    return pmf(counts.reshape(-1, k), p.reshape(-1, k)).reshape(counts.shape[:-1])


def multinomial_pmf(counts, p):
    """jax.scipy.stats.multinomial.pmf(counts, n, p), n the sum of the counts, vmapped over the
    leading axes (it takes one count vector: it compares n with the sum of every count given)."""
    return _multinomial_pmf(_numpy(counts).astype(np.int64), _float(p))  # it wants integer counts


def beta_pdf(theta, a, b):
    """jax.scipy.stats.beta.pdf(theta, a, b)."""
    theta = _float(theta)
    return _beta_pdf(theta, _like(a, theta), _like(b, theta))


# --------------------------------------------------------------------------------------------
# Preprocessing, Gaussian densities
# --------------------------------------------------------------------------------------------

@_jit("axis")
def _standardize(x, axis):
    return jax.nn.standardize(x, axis=axis, epsilon=0.0)


@_jit("axis")
def _standardize_with(x, mean, std, axis):
    mean, variance = jnp.expand_dims(mean, axis), jnp.expand_dims(std, axis) ** 2
    return jax.nn.standardize(x, axis=axis, mean=mean, variance=variance, epsilon=0.0)


def standardize(x, mean=None, std=None, axis=0):
    """jax.nn.standardize(x, axis=axis, mean=mean, variance=std**2, epsilon=0).

    The contract has no epsilon, hence 0; jax's default variance algorithm ("fast") is kept.
    """
    x = _float(x)
    if mean is None:
        return _standardize(x, axis=int(axis))
    return _standardize_with(x, _like(mean, x), _like(std, x), axis=int(axis))


_one_hot = jax.jit(jax.nn.one_hot, static_argnames=("num_classes", "dtype", "axis"))


def one_hot(labels, num_classes=None):
    """jax.nn.one_hot(labels, num_classes, dtype=float32); num_classes = max label + 1 if None."""
    labels = _numpy(labels)
    k = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    return _one_hot(labels, num_classes=k, dtype=jnp.float32)


@jax.jit
def _gaussian_pdf(x, mean, var):
    return jst.norm.pdf(x, mean, jnp.sqrt(var))


@jax.jit
def _gaussian_density(x, mean, var):
    return jnp.exp(jst.norm.logpdf(x, mean, jnp.sqrt(var)).sum(axis=-1))


def gaussian_pdf(x, mean, var):
    """jax.scipy.stats.norm.pdf(x, mean, sqrt(var))."""
    return _gaussian_pdf(*_floats(x, mean, var))


def gaussian_density(x, mean, var):
    """exp of jax.scipy.stats.norm.logpdf(x, mean, sqrt(var)) summed over the last axis."""
    return _gaussian_density(*_floats(x, mean, var))


# --------------------------------------------------------------------------------------------
# Convolution and pooling (jax.lax; NHWC images, HWIO kernels)
# --------------------------------------------------------------------------------------------

_NHWC = ("NHWC", "HWIO", "NHWC")


@_jit("stride", "padding")
def _conv2d(x, kernel, stride, padding):
    (ph, pw) = padding
    return lax.conv_general_dilated(x, kernel, stride, [(ph, ph), (pw, pw)],
                                    dimension_numbers=_NHWC)


def conv2d(x, kernel, stride=1, padding=0):
    """jax.lax.conv_general_dilated(x, kernel, stride, [(p, p), (p, p)], NHWC/HWIO/NHWC)."""
    return _conv2d(*_floats(x, kernel), stride=_pair(stride), padding=_pair(padding))


def _window(pool_size, stride, padding):
    kh, kw = _pair(pool_size)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    ph, pw = _pair(padding)
    return (1, kh, kw, 1), (1, sh, sw, 1), ((0, 0), (ph, ph), (pw, pw), (0, 0))


@_jit("window", "strides", "pads")
def _max_pool2d(x, window, strides, pads):
    return lax.reduce_window(x, jnp.array(-jnp.inf, x.dtype), lax.max, window, strides, pads)


@_jit("window", "strides", "pads")
def _avg_pool2d(x, window, strides, pads):
    sums = lax.reduce_window(x, jnp.array(0, x.dtype), lax.add, window, strides, pads)
    return sums / (window[1] * window[2])


def max_pool2d(x, pool_size, stride=None, padding=0):
    """jax.lax.reduce_window(x, -inf, lax.max, window, strides, padding)."""
    window, strides, pads = _window(pool_size, stride, padding)
    return _max_pool2d(_float(x), window=window, strides=strides, pads=pads)


def avg_pool2d(x, pool_size, stride=None, padding=0):
    """jax.lax.reduce_window(x, 0, lax.add, ...) / window size (padded zeros counted)."""
    window, strides, pads = _window(pool_size, stride, padding)
    return _avg_pool2d(_float(x), window=window, strides=strides, pads=pads)


@_jit("stride", "padding")
def _conv2d_transpose(x, kernel, stride, padding):
    kh, kw = kernel.shape[:2]
    (ph, pw) = padding
    pads = [(kh - 1 - ph, kh - 1 - ph), (kw - 1 - pw, kw - 1 - pw)]
    return lax.conv_transpose(x, kernel, stride, pads, dimension_numbers=_NHWC,
                              transpose_kernel=True)


def conv2d_transpose(x, kernel, stride=1, padding=0):
    """jax.lax.conv_transpose(x, kernel, stride, transpose_kernel=True), NHWC/HWIO/NHWC.

    The kernel (kh, kw, out, in) is that of the conv2d it transposes. lax pads the dilated input
    explicitly: k - 1 - p on each side gives the contract's size (n - 1) s + k - 2p.
    """
    return _conv2d_transpose(*_floats(x, kernel), stride=_pair(stride), padding=_pair(padding))


# --------------------------------------------------------------------------------------------
# optax, only where it is installed (not exercised where it is absent)
# --------------------------------------------------------------------------------------------

if _optax is not None:  # pragma: no cover - optax is not installed everywhere

    @jax.jit
    def _sigmoid_binary_cross_entropy(y, z):
        return _optax.sigmoid_binary_cross_entropy(z, y)

    @_jit("axis")
    def _softmax_cross_entropy(y, z, axis):
        return _optax.softmax_cross_entropy(jnp.moveaxis(z, axis, -1), jnp.moveaxis(y, axis, -1))

    @_jit("axis", "mean")
    def _squared_error(y, y_hat, axis, mean):
        errors = _optax.squared_error(y_hat, y)
        return errors.mean(axis=axis) if mean else errors

    @jax.jit
    def _hinge_loss(y, f):
        return _optax.hinge_loss(f, y)

    @jax.jit
    def _l2_loss(x):
        return _optax.l2_loss(x).sum()

    def binary_cross_entropy_with_logits(y_true, logits):
        """optax.sigmoid_binary_cross_entropy(logits, y_true)."""
        return _sigmoid_binary_cross_entropy(*_floats(y_true, logits))

    def softmax_cross_entropy_with_logits(y_true, logits, axis=-1):
        """optax.softmax_cross_entropy(logits, y_true) over ``axis`` (moved last)."""
        return _softmax_cross_entropy(*_floats(y_true, logits), axis=int(axis))

    def squared_error(y_true, y_pred):
        """optax.squared_error(y_pred, y_true)."""
        return _squared_error(*_floats(y_true, y_pred), axis=None, mean=False)

    def mean_squared_error(y_true, y_pred, axis=-1):
        """optax.squared_error(y_pred, y_true) averaged over ``axis``."""
        return _squared_error(*_floats(y_true, y_pred), axis=int(axis), mean=True)

    def hinge_loss(y_true, score):
        """optax.hinge_loss(score, y_true)."""
        return _hinge_loss(*_floats(y_true, score))

    def l2_loss(x):
        """optax.l2_loss(x) (x^2 / 2 elementwise) summed."""
        return _l2_loss(_float(x))

    def content_loss(y_hat, y):
        """optax.squared_error(y_hat, y) averaged over every element."""
        y_hat, y = _floats(y_hat, y)
        return _squared_error(y, y_hat, axis=None, mean=True)

    def style_loss(y_hat_gram, gram_y):
        """optax.squared_error(y_hat_gram, gram_y) averaged over every element."""
        y_hat_gram, gram_y = _floats(y_hat_gram, gram_y)
        return _squared_error(gram_y, y_hat_gram, axis=None, mean=True)

    def exponential_decay(lr0, step, decay_steps, decay_rate, staircase=False):
        """optax.exponential_decay(lr0, decay_steps, decay_rate, staircase=staircase)(step)."""
        schedule = _optax.exponential_decay(lr0, decay_steps, decay_rate, staircase=bool(staircase))
        return schedule(_float(step))

    def clip_by_global_norm(grads, max_norm):
        """optax.clip_by_global_norm(max_norm).update(grads) and optax.global_norm(grads)."""
        grads = _floats(*grads)
        clip = _optax.clip_by_global_norm(max_norm)
        clipped, _ = clip.update(grads, clip.init(grads))
        return list(clipped), _optax.global_norm(grads)

    __all__ += ["binary_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
                "squared_error", "mean_squared_error", "hinge_loss", "l2_loss", "content_loss",
                "style_loss", "exponential_decay", "clip_by_global_norm"]
