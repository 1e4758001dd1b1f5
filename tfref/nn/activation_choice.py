"""Nets that differ only in their activation, trained side by side on the same batches.

Seed 000 (67) advises: do not use sigmoid; try ReLU first; if it fails use leaky ReLU or
maxout. ``hidden_net`` builds the same keras MLP with any of those hidden activations
(maxout: each unit is the max of k linear pieces, Goodfellow et al. 2013, built from a Dense
layer of units * k outputs, a Reshape and a max), and ``train_side_by_side`` trains several
such nets on exactly the same mini-batches with one optimiser: the loss is the sum of the nets'
losses, and as the nets share no variable each one gets the gradient of its own loss.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref._validation import check_whole

__all__ = ["ACTIVATIONS", "hidden_net", "train_side_by_side"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "maxout")


def hidden_net(activation: str, *, inputs: int, outputs: int, units: int = 32, depth: int = 4,
               pieces: int = 2, seed: int = 0, name: str | None = None) -> keras.Model:
    """An MLP inputs -> depth x (Dense(units) + activation) -> Dense(outputs) (no output
    activation). ``activation`` is one of ACTIVATIONS (leaky ReLU with slope 0.01; maxout with
    ``pieces`` linear pieces per unit, so its hidden layers have ``pieces`` times the weights).
    Each with its customary initialiser, seeded from ``seed``: Glorot-uniform kernels for
    sigmoid and tanh, He-uniform for ReLU, leaky ReLU and maxout (Glorot for the output layer);
    zero biases."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}; got {activation!r}")
    inputs, outputs, units, depth, pieces = (
        check_whole(value, label, 1) for label, value in (
            ("inputs", inputs), ("outputs", outputs), ("units", units), ("depth", depth),
            ("pieces", pieces)))
    x = given = keras.Input((inputs,))
    for layer in range(depth):
        init = (keras.initializers.GlorotUniform(seed=seed * 100 + layer)
                if activation in ("sigmoid", "tanh")
                else keras.initializers.HeUniform(seed=seed * 100 + layer))
        if activation == "maxout":
            x = keras.layers.Dense(units * pieces, kernel_initializer=init)(x)
            x = keras.layers.Reshape((units, pieces))(x)
            x = keras.layers.Lambda(lambda t: keras.ops.max(t, axis=-1))(x)
        else:
            x = keras.layers.Dense(units, kernel_initializer=init)(x)
            x = (keras.layers.LeakyReLU(negative_slope=0.01)(x) if activation == "leaky_relu"
                 else keras.layers.Activation(activation)(x))
    out = keras.layers.Dense(outputs, kernel_initializer=keras.initializers.GlorotUniform(
        seed=seed * 100 + depth))(x)
    return keras.Model(given, out, name=name or activation)


def train_side_by_side(models, loss_fn, x, y, *, optimizer, epochs: int, batch_size: int,
                       seed: int = 0, record: bool = True):
    """Train ``models`` on the same shuffled mini-batches (one permutation per epoch from
    ``seed``) with one ``optimizer`` on the sum of their losses. Returns history (epochs + 1,
    len(models)): each model's mean loss on all of (x, y) before training and after each epoch
    (``record=False``: only before and after, shape (2, len(models))).
    """
    x = tf.constant(np.asarray(x, dtype=np.float32))
    y = tf.constant(np.asarray(y))
    variables = [v for m in models for v in m.trainable_variables]

    @tf.function
    def epoch(xs, ys):  # one pass over the shuffled data, batch after batch, in one graph
        for start in tf.range(0, tf.shape(xs)[0], batch_size):
            xb, yb = xs[start:start + batch_size], ys[start:start + batch_size]
            with tf.GradientTape() as tape:
                total = tf.add_n([loss_fn(yb, m(xb, training=True)) for m in models])
            optimizer.apply_gradients(zip(tape.gradient(total, variables), variables,
                                          strict=True))

    @tf.function
    def evaluate():
        return tf.stack([loss_fn(y, m(x, training=False)) for m in models])

    rng = np.random.default_rng(seed)
    history = [evaluate().numpy()]
    n = int(x.shape[0])
    batch_size = int(batch_size)
    for _ in range(int(epochs)):
        order = tf.constant(rng.permutation(n))
        epoch(tf.gather(x, order), tf.gather(y, order))
        if record:
            history.append(evaluate().numpy())
    if not record:
        history.append(evaluate().numpy())
    return np.array(history)
