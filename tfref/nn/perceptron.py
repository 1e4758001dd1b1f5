"""The single-layer perceptron of seed 002 (section 1.5.1), trained by its update rule.

No optimiser and no autodiff: the threshold unit is not differentiable, so 002 updates the
weights with the perceptron rule itself, the bias folded into the weights as a constant +1 input:

    h = X W,   Yhat = f(h),   W <- W + eta * X^T (Y - Yhat)

``f`` is the threshold unit (1 if h > 0 else 0) of the original perceptron, or the sigmoid that
002's code actually runs (``Y_hat = tf.sigmoid(h)``, the threshold line commented out). With the
sigmoid the rule is exactly gradient ascent on the Bernoulli log-likelihood (the gradient of
-BCE with respect to W is X^T (Y - sigmoid(X W))), and it stops when the mean squared error
falls to epsilon.

Symbols -> names: X -> ``inputs`` (n, d) with the +1 column; Y -> ``targets`` (n, units);
W -> ``Perceptron.kernel`` (d, units); eta -> ``learning_rate``; f -> ``activation``.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref import ops

__all__ = ["ACTIVATIONS", "Perceptron", "perceptron_update", "train_perceptron"]

ACTIVATIONS = {"sigmoid": ops.sigmoid, "threshold": ops.threshold}


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {name!r}")
    return ACTIVATIONS[name]


def perceptron_update(weights, inputs, targets, learning_rate, activation: str = "sigmoid"):
    """One step of the perceptron rule; returns (new weights, mean squared error before it).

    Formula:
        Yhat = f(X W);  error = Y - Yhat;  W' = W + eta * X^T error;  mse = mean(error^2)

    Example:
        >>> x = tf.constant([[1.0, 1.0], [0.0, 1.0]])   # one input and the +1 bias column
        >>> y = tf.constant([[1.0], [0.0]])
        >>> w, mse = perceptron_update(tf.zeros((2, 1)), x, y, 0.5, "threshold")
        >>> w.numpy().ravel().tolist(), float(mse)
        ([0.5, 0.5], 0.5)
    """
    f = _activation(activation)
    outputs = f(tf.matmul(inputs, weights))  # (n, units)
    error = targets - outputs
    mse = tf.reduce_mean(tf.square(error))
    return weights + learning_rate * tf.matmul(inputs, error, transpose_a=True), mse


class Perceptron(keras.layers.Layer):
    """One layer of ``units`` neurons, y = f(x W), the bias a weight on a constant +1 input.

    The weights are a tracked Keras weight (``kernel``, shape (inputs, units)) initialised
    N(0, stddev^2); 002 uses ``tf.random_normal(stddev=2)``, so ``stddev=2.0`` (variance 4).

    Args:
        units: number of output neurons.
        activation: "sigmoid" (002's code) or "threshold" (the original perceptron).
        stddev: the standard deviation of the initial weights.
        seed: seeds the initialiser.
    """

    def __init__(self, units: int = 1, activation: str = "sigmoid", stddev: float = 2.0,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        _activation(activation)
        self.units = int(units)
        self.activation_name = activation
        self.stddev = float(stddev)
        self.seed = seed

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(int(input_shape[-1]), self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(stddev=self.stddev, seed=self.seed))

    def call(self, inputs):
        return _activation(self.activation_name)(tf.matmul(inputs, self.kernel))

    def apply_rule(self, inputs, targets, learning_rate):
        """W <- W + eta X^T (Y - f(X W)) in place; returns the mean squared error before it."""
        new_weights, mse = perceptron_update(self.kernel, inputs, targets, learning_rate,
                                             self.activation_name)
        self.kernel.assign(new_weights)
        return mse


def train_perceptron(layer: Perceptron, inputs, targets, learning_rate: float,
                     epsilon: float = 1e-3, max_epochs: int = 1000):
    """002's loop: apply the rule until the mean squared error is <= epsilon or max_epochs.

    As in 002, the error recorded for an epoch is the one measured before that epoch's update,
    and the loop stops after the first epoch whose error is <= epsilon. The whole loop runs in
    one compiled ``tf.function`` (a ``tf.while_loop``).

    Returns:
        A dict with ``errors`` (the mean squared error per epoch, NumPy, length = epochs run),
        ``correct`` (rows classified right after each epoch's update, thresholding at 0.5),
        ``epochs`` and ``converged``.
    """
    inputs = tf.convert_to_tensor(inputs, dtype=layer.variable_dtype)
    targets = tf.convert_to_tensor(targets, dtype=layer.variable_dtype)
    if not layer.built:
        layer.build(inputs.shape)
    rate = tf.constant(learning_rate, dtype=inputs.dtype)
    eps = tf.constant(epsilon, dtype=inputs.dtype)

    @tf.function
    def loop():
        errors = tf.TensorArray(inputs.dtype, size=0, dynamic_size=True)
        correct = tf.TensorArray(tf.int32, size=0, dynamic_size=True)

        def body(epoch, last_error, errors, correct):
            mse = layer.apply_rule(inputs, targets, rate)
            predicted = tf.cast(layer(inputs) > 0.5, inputs.dtype)
            right = tf.reduce_sum(tf.cast(tf.reduce_all(predicted == targets, axis=-1), tf.int32))
            return epoch + 1, mse, errors.write(epoch, mse), correct.write(epoch, right)

        def keep_going(epoch, last_error, errors, correct):
            return tf.logical_and(last_error > eps, epoch < max_epochs)

        epoch, _, errors, correct = tf.while_loop(
            keep_going, body, (tf.constant(0), tf.constant(np.inf, inputs.dtype), errors, correct))
        return epoch, errors.stack(), correct.stack()

    epochs, errors, correct = loop()
    errors = errors.numpy()
    return {
        "errors": errors,
        "correct": correct.numpy(),
        "epochs": int(epochs),
        "converged": bool(errors.size and errors[-1] <= epsilon),
    }
