"""A one-hidden-layer ReLU network that is exactly a piecewise-linear interpolant.

The constructive side of the universal approximation theorem (001: a multilayer perceptron with
enough hidden units can fit any continuous function): the broken line through the points
(k_0, f(k_0)), ..., (k_H, f(k_H)) is a ReLU network with H hidden units,

    g(x) = f(k_0) + s_0 (x - k_0) + sum_{i=1}^{H-1} (s_i - s_{i-1}) relu(x - k_i),
    s_i = (f(k_{i+1}) - f(k_i)) / (k_{i+1} - k_i),

where the first unit relu(x - k_0) carries the slope s_0 (exact for x >= k_0). For a function
with bounded second derivative the error of the broken line is at most
max|f''| h^2 / 8 with h the knot spacing, so it falls as 1/H^2.

``relu_interpolant_weights`` returns the weights of that network for keras Dense layers:
hidden kernel (1, H), hidden bias (H,), output kernel (H, 1), output bias (1,). numpy.interp
is the oracle (tests/test_classic_new.py and the universal-approximation topic).
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import tensorflow as tf

from tfref._validation import check_whole

__all__ = ["BlockOutput", "relu_interpolant_weights", "train_one_hidden_layer_nets"]


def relu_interpolant_weights(knots, values):
    """Weights of the H-unit ReLU network through (knots[i], values[i]), H = len(knots) - 1.

    ValueError unless knots are at least 2 finite, strictly increasing numbers with one value
    each.
    """
    k = np.asarray(knots, dtype=np.float64).reshape(-1)
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if k.size < 2 or v.shape != k.shape:
        raise ValueError(f"need at least 2 knots and one value per knot; got {k.size} knots and "
                         f"{v.size} values")
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(v))) or np.any(np.diff(k) <= 0):
        raise ValueError("knots must be finite and strictly increasing, values finite")
    slopes = np.diff(v) / np.diff(k)                       # s_0 .. s_{H-1}
    changes = np.concatenate([slopes[:1], np.diff(slopes)])  # s_0, s_1 - s_0, ...
    hidden = k.size - 1
    kernel = np.ones((1, hidden))
    bias = -k[:-1]
    out_kernel = changes.reshape(hidden, 1)
    out_bias = np.array([v[0]])
    return kernel, bias, out_kernel, out_bias


class BlockOutput(keras.layers.Layer):
    """The output layer of nets trained side by side: ``h @ (kernel * mask) + bias``, where the
    fixed block mask lets net j's output read only net j's own hidden units."""

    def __init__(self, widths, kernel_initial, **kwargs):
        super().__init__(**kwargs)
        owner = np.repeat(np.arange(len(widths)), widths)
        self.mask = (owner[:, None] == np.arange(len(widths))[None, :]).astype(np.float32)
        self.kernel_initial = np.asarray(kernel_initial, dtype=np.float32) * self.mask

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=self.mask.shape, name="kernel",
                                      initializer=keras.initializers.Constant(self.kernel_initial))
        self.bias = self.add_weight(shape=(self.mask.shape[1],), name="bias",
                                    initializer="zeros")

    def call(self, hidden):
        return keras.ops.matmul(hidden, self.kernel * self.mask) + self.bias


def _summed_squared_error(y_true, y_pred):
    """Per-sample sum over the nets (columns of y_pred) of the squared error: its batch mean is
    the sum of the nets' mean squared errors."""
    return tf.reduce_sum(tf.square(y_pred - y_true), axis=-1)


def train_one_hidden_layer_nets(x, y, widths, *, activation="tanh", steps=1000,
                                learning_rate=0.02, seed=0, steps_per_epoch=50,
                                fit_options=None):
    """Train one-hidden-layer regression nets x -> act(x W1 + b1) W2 + b2, one per width, side
    by side, through :func:`tfref.train.fit`: their hidden units sit in one (1, sum(widths))
    Dense kernel, a fixed block mask (:class:`BlockOutput`) keeps every net's output on its own
    units, and the loss is the sum of the nets' mean squared errors. The nets share no parameter
    and Adam scales each parameter by its own gradient history, so this equals training each
    net alone (the universal-approximation topic checks it against keras Sequential models given
    the same weights) and costs one graph.

    Full batch, Adam, Glorot-uniform kernels (seeded), zero biases, float32. Each of the
    engine's epochs is ``steps_per_epoch`` full-batch steps (the points tiled that many times,
    batch = all points, no shuffling), so ``steps`` must be a multiple of it.
    ``fit_options``: more keyword arguments for :func:`tfref.train.fit` (checkpoint_dir, resume,
    logdir, device, strategy, epochs: ``epochs`` there overrides ``steps / steps_per_epoch``).

    Returns (weights, mse): weights[j] = (W1, b1, W2, b2) of net j as NumPy arrays; mse[e, j]
    the training MSE of net j after e epochs (e = 0 .. epochs; NaN for epochs a resumed run did
    not run here).
    """
    from tfref.train import fit  # the engine imports tfref.nn modules; import it when used

    if not list(widths):
        raise ValueError(f"widths must be whole numbers >= 1, at least one; got {widths}")
    widths = [check_whole(w, "widths", 1, "hidden units of each net") for w in widths]
    if activation not in ("tanh", "relu", "sigmoid"):
        raise ValueError(f"activation must be 'tanh', 'relu' or 'sigmoid'; got {activation!r}")
    steps = check_whole(steps, "steps", 1)
    steps_per_epoch = check_whole(steps_per_epoch, "steps_per_epoch", 1)
    if steps % steps_per_epoch:
        raise ValueError(f"steps ({steps}) must be a multiple of steps_per_epoch "
                         f"({steps_per_epoch}); change one of them")
    options = {"epochs": steps // steps_per_epoch, "progress": False, **(fit_options or {})}
    if options["epochs"] is None:
        options["epochs"] = steps // steps_per_epoch
    X = np.asarray(x, dtype=np.float32).reshape(-1, 1)
    Y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    glorot = [keras.initializers.GlorotUniform(seed=seed * 1000 + 2 * j) for j in
              range(len(widths))]
    glorot_out = [keras.initializers.GlorotUniform(seed=seed * 1000 + 2 * j + 1) for j in
                  range(len(widths))]
    w1 = np.concatenate([g((1, h)).numpy() for g, h in zip(glorot, widths, strict=True)], axis=1)
    w2 = np.concatenate([g((h, 1)).numpy() for g, h in zip(glorot_out, widths, strict=True)],
                        axis=0)
    strategy = options.get("strategy")
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = keras.Sequential([
            keras.Input((1,)),
            keras.layers.Dense(sum(widths), activation=activation,
                               kernel_initializer=keras.initializers.Constant(w1)),
            BlockOutput(widths, w2),
        ])
        optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function
    def errors():
        return tf.reduce_mean(tf.square(model(X, training=False) - Y), axis=0)

    mse = np.full((options["epochs"] + 1, len(widths)), np.nan, dtype=np.float32)
    mse[0] = errors().numpy()

    def record(finished: int, _metrics) -> None:
        mse[finished] = errors().numpy()

    fit(model, np.tile(X, (steps_per_epoch, 1)), np.tile(Y, (steps_per_epoch, 1)),
        loss_fn=_summed_squared_error, optimizer=optimizer, batch_size=X.shape[0],
        shuffle=False, seed=seed, accuracy=False, on_epoch_end=record, **options)
    W1, B1 = (v.numpy() for v in model.layers[0].weights)
    W2 = model.layers[1].kernel.numpy() * model.layers[1].mask
    B2 = model.layers[1].bias.numpy()
    weights, start = [], 0
    for j, h in enumerate(widths):
        block = slice(start, start + h)
        weights.append((W1[:, block], B1[block], W2[block, j:j + 1], B2[j:j + 1]))
        start += h
    return weights, mse
