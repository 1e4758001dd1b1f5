"""Nets that differ only in their activation, trained side by side on the same batches.

Seed 000 (67) advises: do not use sigmoid; try ReLU first; if it fails use leaky ReLU or
maxout. ``hidden_net`` builds the same keras MLP with any of those hidden activations
(maxout: each unit is the max of k linear pieces, Goodfellow et al. 2013, built from a Dense
layer of units * k outputs, a Reshape and a max), and ``train_side_by_side`` trains several
such nets on exactly the same mini-batches with one optimiser, through tfref.train.fit: the
loss is the sum of the nets' losses, and as the nets share no variable each one gets the
gradient of its own loss.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref._validation import check_whole

__all__ = ["ACTIVATIONS", "SideBySide", "hidden_net", "summed_loss", "train_side_by_side"]

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


class SideBySide(keras.Model):
    """Several models as one keras Model: ``call`` stacks their outputs on a new last axis, so
    one optimizer step of :func:`tfref.train.fit` updates them all on the same batch."""

    def __init__(self, members, **kwargs):
        super().__init__(**kwargs)
        self.members = list(members)

    def call(self, x, training=False):
        return keras.ops.stack([m(x, training=training) for m in self.members], axis=-1)


def summed_loss(loss_fn, count: int):
    """Per-sample loss of a :class:`SideBySide` of ``count`` models: the sum of ``loss_fn``'s
    per-sample losses of each model's slice (a keras Loss's own ``call`` gives per-sample
    losses). Its batch mean is the sum of the models' mean losses."""
    per_sample = loss_fn.call if isinstance(loss_fn, keras.losses.Loss) else loss_fn

    def loss(y_true, stacked):
        return tf.add_n([per_sample(y_true, stacked[..., j]) for j in range(count)])

    return loss


def train_side_by_side(models, loss_fn, x, y, *, optimizer, epochs: int, batch_size: int,
                       seed: int = 0, record: bool = True, fit_options=None):
    """Train ``models`` through :func:`tfref.train.fit` as one :class:`SideBySide` model on the
    same shuffled mini-batches (the engine's permutation per epoch from ``seed``) with one
    ``optimizer`` on the sum of their losses. ``fit_options``: more keyword arguments for fit
    (checkpoint_dir, resume, logdir, strategy, device; create the models and the optimizer in
    the strategy's scope). Returns history (epochs + 1, len(models)): each model's mean loss on
    all of (x, y) before training and after each epoch (``record=False``: only before and after,
    shape (2, len(models)); NaN for epochs a resumed run did not run here).
    """
    from tfref.train import fit  # tfref.train imports tfref.nn.bpn: import the engine when used

    epochs = check_whole(epochs, "epochs", 1)
    x = np.asarray(x, dtype=np.float32)
    together = SideBySide(models)
    data_x, data_y = tf.constant(x), tf.constant(np.asarray(y))

    @tf.function
    def evaluate():
        return tf.stack([loss_fn(data_y, m(data_x, training=False)) for m in models])

    history = np.full((epochs + 1 if record else 2, len(models)), np.nan)
    history[0] = evaluate().numpy()

    def watch(finished: int, _metrics) -> None:
        history[finished] = evaluate().numpy()

    fit(together, x, y, loss_fn=summed_loss(loss_fn, len(models)), optimizer=optimizer,
        epochs=epochs, batch_size=batch_size, seed=seed, accuracy=False, progress=False,
        on_epoch_end=watch if record else None, **(fit_options or {}))
    if not record:
        history[1] = evaluate().numpy()
    return history
