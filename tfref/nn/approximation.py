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

import numpy as np
import tensorflow as tf

from tfref._validation import check_whole

__all__ = ["relu_interpolant_weights", "train_one_hidden_layer_nets"]


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


def train_one_hidden_layer_nets(x, y, widths, *, activation="tanh", steps=1000,
                                learning_rate=0.02, seed=0):
    """Train one-hidden-layer regression nets x -> act(x W1 + b1) W2 + b2, one per width, side
    by side: their hidden units sit in one (1, sum(widths)) kernel, a fixed block mask keeps
    every net's output on its own units, and the loss is the sum of the nets' mean squared
    errors. The nets share no parameter and Adam scales each parameter by its own gradient
    history, so this equals training each net alone (the universal-approximation topic checks
    it against keras Sequential models given the same weights) and costs one graph.

    Full batch, Adam, Glorot-uniform kernels (seeded), zero biases, float32.
    Returns (weights, mse): weights[j] = (W1, b1, W2, b2) of net j as NumPy arrays; mse[t, j]
    the training MSE of net j after t steps (t = 0 .. steps).
    """
    if not list(widths):
        raise ValueError(f"widths must be whole numbers >= 1, at least one; got {widths}")
    widths = [check_whole(w, "widths", 1, "hidden units of each net") for w in widths]
    if activation not in ("tanh", "relu", "sigmoid"):
        raise ValueError(f"activation must be 'tanh', 'relu' or 'sigmoid'; got {activation!r}")
    act = {"tanh": tf.tanh, "relu": tf.nn.relu, "sigmoid": tf.sigmoid}[activation]
    X = tf.constant(np.asarray(x, dtype=np.float32).reshape(-1, 1))
    Y = tf.constant(np.asarray(y, dtype=np.float32).reshape(-1, 1))
    owner = np.repeat(np.arange(len(widths)), widths)
    mask = tf.constant((owner[:, None] == np.arange(len(widths))[None, :]).astype(np.float32))
    glorot = [tf.keras.initializers.GlorotUniform(seed=seed * 1000 + 2 * j) for j in
              range(len(widths))]
    glorot_out = [tf.keras.initializers.GlorotUniform(seed=seed * 1000 + 2 * j + 1) for j in
                  range(len(widths))]
    w1 = tf.Variable(np.concatenate([g((1, h)).numpy() for g, h in zip(glorot, widths,
                                                                        strict=True)], axis=1))
    w2 = tf.Variable(np.concatenate([g((h, 1)).numpy() for g, h in zip(glorot_out, widths,
                                                                        strict=True)], axis=0)
                     * mask.numpy())
    b1 = tf.Variable(tf.zeros(sum(widths)))
    b2 = tf.Variable(tf.zeros(len(widths)))
    variables = [w1, b1, w2, b2]
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    def errors():
        return tf.reduce_mean(tf.square(act(X @ w1 + b1) @ (w2 * mask) + b2 - Y), axis=0)

    @tf.function
    def loop(n):
        history = tf.TensorArray(tf.float32, size=n + 1)
        history = history.write(0, errors())
        for t in tf.range(n):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(errors())
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables,
                                          strict=True))
            history = history.write(t + 1, errors())
        return history.stack()

    mse = loop(tf.constant(int(steps))).numpy()
    W1, B1, W2, B2 = (v.numpy() for v in variables)
    weights, start = [], 0
    for j, h in enumerate(widths):
        block = slice(start, start + h)
        weights.append((W1[:, block], B1[block], W2[block, j:j + 1], B2[j:j + 1]))
        start += h
    return weights, mse
