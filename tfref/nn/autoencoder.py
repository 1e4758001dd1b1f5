"""A sparse autoencoder: one sigmoid hidden layer, a KL sparsity penalty and weight decay.

Seed 002 (1.3.2, unsupervised learning) lists the sparse auto-encoder among the unsupervised
algorithms and says no more; the formulas are those of Ng's CS294A notes "Sparse autoencoder"
(the UFLDL tutorial). The network copies its input through a hidden code h; the penalty pushes
the mean activation of every hidden unit towards a small target rho, so that each unit fires for
few inputs.

Formula (m examples, s hidden units):
    h       = sigmoid(W1 x + b1)                          hidden code, (s,)
    x_hat   = sigmoid(W2 h + b2)                          reconstruction of x
    rho_hat_j = (1/m) sum_i h_j(x_i)                      mean activation of unit j
    KL(rho || rho_hat_j) = rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) / (1 - rho_hat_j))
    J = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2 + (lambda/2) (||W1||^2 + ||W2||^2)
        + beta sum_j KL(rho || rho_hat_j)
    dKL/drho_hat_j = -rho / rho_hat_j + (1 - rho) / (1 - rho_hat_j)   (the term back-propagation
                     adds to each hidden unit's error, times beta / m)

Symbols -> names: rho -> ``rho``; rho_hat -> ``rho_hat`` (:func:`mean_activation`); beta ->
``beta``; lambda -> ``weight_decay``; s -> ``hidden_units``; W1, b1 -> ``encoder``; W2, b2 ->
``decoder``; the first term of J -> :func:`reconstruction_error`.

Deviations: the notes compute rho_hat over the whole training set (batch L-BFGS); here the model
trains by mini-batches through ``tfref.train.fit``, so rho_hat is the mean over the mini-batch
(an unbiased estimate of it), and the penalty is added to the engine's objective through
``add_loss``. Inside the model rho_hat is clipped to [1e-6, 1 - 1e-6] so that a saturated unit
gives a large penalty rather than an infinite one; :func:`kl_sparsity` itself does not clip.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref._validation import as_float, check_same_shape, check_whole, eager

__all__ = ["SparseAutoencoder", "kl_sparsity", "kl_sparsity_gradient", "mean_activation",
           "reconstruction_error"]

RHO_HAT_CLIP = 1e-6  # the model keeps rho_hat in [RHO_HAT_CLIP, 1 - RHO_HAT_CLIP]


def _check_rho(rho) -> float:
    if isinstance(rho, bool) or not isinstance(rho, int | float | np.floating | np.integer):
        raise ValueError(f"rho must be a number in (0, 1), the target mean activation; got {rho!r}")
    rho = float(rho)
    if not 0.0 < rho < 1.0:
        raise ValueError(f"rho must be in (0, 1) (the target mean activation, e.g. 0.05); "
                         f"got {rho}")
    return rho


def _check_rho_hat(rho_hat) -> tf.Tensor:
    rho_hat = as_float(rho_hat, "rho_hat")
    if eager():
        values = rho_hat.numpy()
        if np.isnan(values).any():
            raise ValueError("rho_hat contains NaN; pass mean activations strictly inside (0, 1)")
        if (values <= 0).any() or (values >= 1).any():
            raise ValueError(f"rho_hat must hold mean activations strictly inside (0, 1) (sigmoid "
                             f"units); got values in [{values.min():.3g}, {values.max():.3g}]")
    return rho_hat


def kl_sparsity(rho, rho_hat) -> tf.Tensor:
    """The sparsity penalty sum_j KL(rho || rho_hat_j), KL between Bernoulli(rho) and (rho_hat_j).

    Formula:
        KL(rho || rho_hat_j) = rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) / (1 - rho_hat_j))
        penalty = sum_j KL(rho || rho_hat_j)      (sum over the last axis)

    Args:
        rho: the target mean activation, a number in (0, 1).
        rho_hat: mean activations, shape ``(..., s)``, every entry in (0, 1).

    Returns:
        A tensor of shape ``(...)`` (a scalar for one vector), >= 0, zero only when every
        rho_hat_j equals rho. Float32 unless rho_hat is float64.

    Raises:
        ValueError: when rho is not in (0, 1), or (eagerly) rho_hat is empty or has an entry
            outside (0, 1).

    Example:
        >>> round(float(kl_sparsity(0.05, np.array([0.05, 0.05]))), 12)
        0.0
        >>> round(float(kl_sparsity(0.5, np.array([0.25]))), 4)   # 0.5 log 2 + 0.5 log(2/3)
        0.1438
    """
    rho = _check_rho(rho)
    rho_hat = _check_rho_hat(rho_hat)
    terms = (rho * tf.math.log(rho / rho_hat)
             + (1.0 - rho) * tf.math.log((1.0 - rho) / (1.0 - rho_hat)))
    return tf.reduce_sum(terms, axis=-1)


def kl_sparsity_gradient(rho, rho_hat) -> tf.Tensor:
    """d/drho_hat_j of sum_j KL(rho || rho_hat_j): -rho/rho_hat_j + (1-rho)/(1-rho_hat_j).

    Args:
        rho: the target mean activation, a number in (0, 1).
        rho_hat: mean activations, shape ``(..., s)``, entries in (0, 1).

    Returns:
        A tensor of rho_hat's shape: negative where rho_hat_j < rho (the penalty pushes it up),
        positive where rho_hat_j > rho, zero where they are equal.

    Raises:
        ValueError: as :func:`kl_sparsity`.

    Example:
        >>> kl_sparsity_gradient(0.5, np.array([0.25, 0.5, 0.75])).numpy().round(4).tolist()
        [-1.3333, 0.0, 1.3333]
    """
    rho = _check_rho(rho)
    rho_hat = _check_rho_hat(rho_hat)
    return -rho / rho_hat + (1.0 - rho) / (1.0 - rho_hat)


def mean_activation(hidden) -> tf.Tensor:
    """rho_hat_j = (1/m) sum_i h_j(x_i): the mean of a batch of hidden codes ``(m, s)`` over m.

    Example:
        >>> mean_activation(np.array([[0.0, 1.0], [0.5, 1.0]])).numpy().tolist()
        [0.25, 1.0]
    """
    hidden = as_float(hidden, "hidden")
    if hidden.shape.rank != 2:
        raise ValueError(f"hidden must be a batch of codes of shape (m, s); got shape "
                         f"{hidden.shape.as_list()}")
    return tf.reduce_mean(hidden, axis=0)


def reconstruction_error(x, x_hat) -> tf.Tensor:
    """Per-example 1/2 ||x_hat - x||^2 (sum over the features), shape ``(m,)``.

    The first term of J is its mean over the batch (``tfref.train.fit`` takes that mean).

    Example:
        >>> reconstruction_error(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])).numpy().tolist()
        [0.5]
    """
    x = as_float(x, "x")
    x_hat = tf.cast(as_float(x_hat, "x_hat"), x.dtype)
    check_same_shape(x, x_hat, "x", "x_hat")
    return 0.5 * tf.reduce_sum(tf.square(x_hat - x), axis=-1)


class SparseAutoencoder(keras.Model):
    """x -> h = sigmoid(W1 x + b1) -> x_hat = sigmoid(W2 h + b2), trained on J (module docstring).

    ``call(x, training=True)`` adds beta * sum_j KL(rho || rho_hat_j) of the batch to
    ``self.losses`` (beside the weight-decay terms (lambda/2) ||W||^2 of both kernels), so any
    loop that adds ``model.losses`` to the mean reconstruction error, as ``tfref.train.fit``
    does, minimises J. With ``beta = 0`` it is a plain autoencoder with weight decay.

    Args:
        input_dim: the number of inputs (64 for 8x8 images), values in [0, 1].
        hidden_units: s, the width of the code.
        rho: the target mean activation, in (0, 1).
        beta: the weight of the sparsity penalty, >= 0 (0 turns it off).
        weight_decay: lambda, >= 0.
        seed: seeds the weight initialisers.

    Example:
        >>> model = SparseAutoencoder(4, 3, rho=0.1, beta=3.0, weight_decay=1e-3, seed=0)
        >>> x = np.full((5, 4), 0.5, dtype="float32")
        >>> model(x, training=False).shape, len(model.losses)   # weight decay of 2 kernels
        (TensorShape([5, 4]), 2)
        >>> _ = model(x, training=True); len(model.losses)       # + the sparsity penalty
        3
    """

    def __init__(self, input_dim: int, hidden_units: int, *, rho: float = 0.05,
                 beta: float = 3.0, weight_decay: float = 1e-4, seed: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.input_dim = check_whole(input_dim, "input_dim", 1)
        self.hidden_units = check_whole(hidden_units, "hidden_units", 1)
        self.rho = _check_rho(rho)
        for name, value in (("beta", beta), ("weight_decay", weight_decay)):
            if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
                    or not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0 (0 turns the term off); "
                                 f"got {value!r}")
        self.beta = float(beta)
        self.weight_decay = float(weight_decay)
        self.seed = seed
        decay = keras.regularizers.L2(self.weight_decay / 2.0) if self.weight_decay else None
        init = keras.initializers.GlorotUniform
        self.encoder = keras.layers.Dense(
            self.hidden_units, activation="sigmoid", kernel_regularizer=decay,
            kernel_initializer=init(seed=seed), name="encoder")
        self.decoder = keras.layers.Dense(
            self.input_dim, activation="sigmoid", kernel_regularizer=decay,
            kernel_initializer=init(seed=None if seed is None else seed + 1), name="decoder")

    def encode(self, x) -> tf.Tensor:
        """The hidden code h = sigmoid(W1 x + b1), shape ``(m, s)``."""
        return self.encoder(x)

    def call(self, x, training=False):
        hidden = self.encoder(x)  # (batch, s)
        if training and self.beta > 0:
            rho_hat = tf.clip_by_value(tf.reduce_mean(hidden, axis=0), RHO_HAT_CLIP,
                                       1.0 - RHO_HAT_CLIP)  # (s,)
            self.add_loss(self.beta * kl_sparsity(self.rho, rho_hat))
        return self.decoder(hidden)

    def filters(self) -> np.ndarray:
        """W1 as one row per hidden unit, ``(s, input_dim)``: the input each unit responds to."""
        return np.asarray(self.encoder.kernel).T

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "hidden_units": self.hidden_units, "rho": self.rho, "beta": self.beta,
                "weight_decay": self.weight_decay, "seed": self.seed}
