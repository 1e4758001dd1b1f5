"""Hand-coded training steps (no autodiff) that the engine runs like any other step.

:class:`BPNStep` is the back-propagation network of the BPN documents: one sigmoid hidden
layer, sigmoid outputs, squared error, and the deltas written out by hand. ``tfref bench`` times
it (784-30-10, batch 1000) against the same formulas in NumPy and PyTorch and against the keras
model with the same loss.

Formula (one batch of n samples, y one-hot):
    h1 = x W1 + b1;  a1 = s(h1);  h2 = a1 W2 + b2;  yhat = s(h2)
    error  = yhat - y
    delta2 = error * s'(h2) = error * yhat * (1 - yhat)
    delta1 = (delta2 W2^T) * s'(h1) = (delta2 W2^T) * a1 * (1 - a1)
    W2 -= lr * a1^T delta2 / n;  b2 -= lr * mean(delta2)
    W1 -= lr * x^T delta1 / n;   b1 -= lr * mean(delta1)
    loss = 0.5 * sum_k error_k^2 per sample (the update is that loss's gradient, batch-averaged)

Symbols: s -> ``tf.sigmoid``; W1, b1, W2, b2 -> ``w1, b1, w2, b2``; yhat -> ``y_hat``;
lr -> ``learning_rate``.

The formulas are written once, in :func:`tfref.nn.bpn.bpn_forward` and
:func:`tfref.nn.bpn.bpn_gradients` (shared with the keras model :class:`tfref.nn.bpn.BPN` of the
``bpn`` topic); this step calls them with batch-mean reductions.

Deviations: the documents update with the batch *sum* of the deltas; here it is the batch mean,
so the learning rate does not depend on the batch size and the step equals keras SGD on the
batch-mean loss.
"""

from __future__ import annotations

import tensorflow as tf

from tfref.nn.bpn import bpn_forward, bpn_gradients, sample_half_squared_error
from tfref.train.steps import TrainStep, batch_sums

__all__ = ["BPNStep", "half_squared_error"]

# The BPN's per-sample loss 0.5 * sum_k (yhat_k - y_k)^2 (tfref.nn.bpn), under the name the
# engine's users know.
half_squared_error = sample_half_squared_error


class BPNStep(TrainStep):
    """A sigmoid back-propagation network with hand-coded gradients (see the module formula).

    Args:
        weights: initial ``[W1 (inputs, hidden), b1 (hidden,), W2 (hidden, classes),
            b2 (classes,)]``.
        learning_rate: lr.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> weights = [rng.normal(0, 0.1, (4, 3)).astype("float32"), np.zeros(3, "float32"),
        ...            rng.normal(0, 0.1, (3, 2)).astype("float32"), np.zeros(2, "float32")]
        >>> step = BPNStep(weights, learning_rate=0.5)
        >>> sums = step.train_step(tf.ones((5, 4)), tf.one_hot([0, 1, 0, 1, 0], 2))
        >>> sorted(sums), float(sums["loss"]) > 0
        (['accuracy', 'loss'], True)
    """

    metric_names = ("loss", "accuracy")

    def __init__(self, weights, learning_rate: float):
        super().__init__(name="bpn")
        w1, b1, w2, b2 = weights
        self.w1, self.b1 = tf.Variable(w1, name="w1"), tf.Variable(b1, name="b1")
        self.w2, self.b2 = tf.Variable(w2, name="w2"), tf.Variable(b2, name="b2")
        self.learning_rate = learning_rate

    def forward(self, x):
        """Hidden and output activations ``(a1, yhat)``.

        Args:
            x: inputs, ``(batch, inputs)``.

        Returns:
            ``a1`` ``(batch, hidden)`` and ``yhat`` ``(batch, classes)``.
        """
        cache = bpn_forward(x, self.w1, self.b1, self.w2, self.b2)
        return cache["out_layer_1"], cache["outputs"]  # (batch, hidden), (batch, classes)

    def gradients(self, x, y):
        """The hand-coded batch-mean gradients ``[dW1, db1, dW2, db2]``, the error and yhat.

        Args:
            x: inputs, ``(batch, inputs)``.
            y: one-hot targets, ``(batch, classes)``.

        Returns:
            ``(gradients, error, y_hat)``.
        """
        gradients, cache, error = bpn_gradients(x, y, self.w1, self.b1, self.w2, self.b2,
                                                weights="mean", biases="mean")
        return gradients, error, cache["outputs"]

    def train_step(self, x, y, *, global_batch_size=None) -> dict:
        """One hand-coded SGD step; returns the batch's loss sum and number correct."""
        gradients, error, y_hat = self.gradients(x, y)
        for variable, gradient in zip([self.w1, self.b1, self.w2, self.b2], gradients):
            variable.assign_sub(self.learning_rate * gradient)
        return batch_sums(0.5 * tf.reduce_sum(error * error, axis=-1), y, y_hat, accuracy=True)

    def test_step(self, x, y) -> dict:
        """The batch's loss sum and number correct; no update."""
        _, y_hat = self.forward(x)
        return batch_sums(half_squared_error(y, y_hat), y, y_hat, accuracy=True)

    def checkpoint_variables(self) -> dict[str, list]:
        """``W1, b1, W2, b2`` in that order."""
        return {"step": [self.w1, self.b1, self.w2, self.b2]}
