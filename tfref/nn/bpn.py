"""The back-propagation network (BPN) of seed 002 (section 1.7), gradients written by hand.

A sigmoid hidden layer and a sigmoid output, trained on the squared error with the deltas of
002's code; no GradientTape anywhere in training:

    h1 = X W1 + b1,   O1 = s(h1),   h_out = O1 W2 + b2,   Yhat = s(h_out)
    error   = Yhat - Y
    delta2  = error * s'(h_out)                  dW2 = O1^T delta2    db2 = sum_n delta2
    delta1  = (delta2 W2^T) * s'(h1)             dW1 = X^T delta1     db1 = sum_n delta1
    W <- W - eta * dW   for W1, b1, W2, b2

These are the exact gradients of J = 1/2 * sum over the batch and the outputs of (Yhat - Y)^2.
002's code applies them to the weights but ``reduce_mean``s the bias deltas over the batch
(errata 9): its biases learn batch_size times slower than its weights.
``BPN.updates_as_in_002`` reproduces that; ``BPN.hand_gradients`` and the training step use the
one convention (sums everywhere, the gradient of J).

The formulas live once, in :func:`bpn_forward` and :func:`bpn_gradients` (functions of the
four parameters); the keras model :class:`BPN` and the engine's step
:class:`tfref.train.handcoded.BPNStep` (batch-mean gradients, ``reduce="mean"``) both call them.

Symbols -> names: X -> ``inputs``; Y -> ``targets`` (one-hot); W1, b1 -> ``weights_1``,
``bias_1``; W2, b2 -> ``weights_2``, ``bias_2``; s -> ``tf.sigmoid`` (= ``ops.sigmoid``);
s'(h) -> ``s(h) * (1 - s(h))`` from the activation already computed
(= ``ops.sigmoid_derivative(h)``); eta -> ``learning_rate``.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

__all__ = ["BPN", "PARAMETER_NAMES", "bpn_forward", "bpn_gradients", "half_squared_error",
           "sample_half_squared_error"]

PARAMETER_NAMES = ("weights_1", "bias_1", "weights_2", "bias_2")


_REDUCTIONS = ("sum", "mean")


def sample_half_squared_error(y_true, y_pred) -> tf.Tensor:
    """Per-sample 1/2 * sum_k (Yhat_k - Y_k)^2: shape (batch, outputs) -> (batch,).

    Example:
    >>> sample_half_squared_error(tf.constant([[1.0, 0.0]]), tf.constant([[0.5, 0.5]])).numpy()
    array([0.25], dtype=float32)
    """
    return 0.5 * tf.reduce_sum(tf.square(y_pred - y_true), axis=-1)


def half_squared_error(outputs, targets) -> tf.Tensor:
    """J = 1/2 * sum (Yhat - Y)^2 over the batch and the outputs (the loss 002 differentiates).

    Example:
    >>> float(half_squared_error(tf.constant([[0.5, 0.5], [1.0, 0.0]]),
    ...                          tf.constant([[1.0, 0.0], [1.0, 0.0]])))
    0.25
    """
    return tf.reduce_sum(sample_half_squared_error(targets, outputs))


def bpn_forward(inputs, weights_1, bias_1, weights_2, bias_2) -> dict:
    """The forward pass with every intermediate the backward pass needs.

    Args:
        inputs: X, (n, d), of the parameters' dtype.
        weights_1, bias_1: W1 (d, hidden) and b1 ((hidden,) or (1, hidden)).
        weights_2, bias_2: W2 (hidden, k) and b2 ((k,) or (1, k)).

    Returns:
        ``{"inputs": X, "h_layer_1": h1 (n, hidden), "out_layer_1": O1 = s(h1),
        "h_out": h_out (n, k), "outputs": Yhat = s(h_out)}``.
    """
    h_layer_1 = tf.matmul(inputs, weights_1) + bias_1  # (n, hidden)
    out_layer_1 = tf.sigmoid(h_layer_1)
    h_out = tf.matmul(out_layer_1, weights_2) + bias_2  # (n, k)
    return {"inputs": inputs, "h_layer_1": h_layer_1, "out_layer_1": out_layer_1,
            "h_out": h_out, "outputs": tf.sigmoid(h_out)}


def bpn_gradients(inputs, targets, weights_1, bias_1, weights_2, bias_2, *,
                  weights: str = "sum", biases: str = "sum"):
    """Back-propagation by hand (no autodiff): the steps for W1, b1, W2, b2 and the forward pass.

    Formula:
        error  = Yhat - Y
        delta2 = error * s'(h_out) = error * Yhat * (1 - Yhat)          (n, k)
        delta1 = (delta2 W2^T) * s'(h1) = (delta2 W2^T) * O1 * (1 - O1)  (n, hidden)
        dW2 = O1^T delta2,  dW1 = X^T delta1   ("sum"; "mean" divides by n)
        db2 = sum_n delta2, db1 = sum_n delta1 ("sum"; "mean" averages over n)
    With both reductions "sum" these are dJ/dW for J = 1/2 sum (Yhat - Y)^2 over the batch; with
    both "mean", the gradients of the batch-mean loss J / n; 002's code mixes them (weights
    "sum", biases "mean": errata 9).

    Args:
        inputs: X, (n, d).
        targets: Y, one-hot (n, k), of the inputs' dtype.
        weights_1, bias_1, weights_2, bias_2: the parameters (see :func:`bpn_forward`).
        weights: "sum" or "mean", the reduction over the batch of the weight steps.
        biases: "sum" or "mean", the reduction over the batch of the bias steps.

    Returns:
        ``(steps, cache, error)``: ``steps = [dW1, db1, dW2, db2]``, each shaped like its
        parameter; ``cache`` from :func:`bpn_forward`; ``error = Yhat - Y`` (n, k).

    Raises:
        ValueError: for a reduction other than "sum" or "mean".

    Example:
    >>> w1, w2 = tf.constant([[0.5], [-0.5]]), tf.constant([[1.0, -1.0]])
    >>> b1, b2 = tf.zeros((1,)), tf.zeros((2,))
    >>> x, y = tf.constant([[1.0, 1.0]]), tf.constant([[1.0, 0.0]])
    >>> steps, cache, error = bpn_gradients(x, y, w1, b1, w2, b2)
    >>> [tuple(step.shape) for step in steps], error.numpy().astype(float).round(3).tolist()
    ([(2, 1), (1,), (1, 2), (2,)], [[-0.378, 0.378]])
    """
    for name, value in (("weights", weights), ("biases", biases)):
        if value not in _REDUCTIONS:
            raise ValueError(f"{name} must be 'sum' or 'mean' (the reduction over the batch); "
                             f"got {value!r}")
    cache = bpn_forward(inputs, weights_1, bias_1, weights_2, bias_2)
    outputs, out_layer_1 = cache["outputs"], cache["out_layer_1"]
    error = outputs - targets
    delta_2 = error * outputs * (1.0 - outputs)  # (n, k): error * s'(h_out)
    weighted_error = tf.matmul(delta_2, weights_2, transpose_b=True)  # (n, hidden)
    delta_1 = weighted_error * out_layer_1 * (1.0 - out_layer_1)  # * s'(h1)
    step_w1 = tf.matmul(inputs, delta_1, transpose_a=True)  # (d, hidden)
    step_w2 = tf.matmul(out_layer_1, delta_2, transpose_a=True)  # (hidden, k)
    if weights == "mean":
        n = tf.cast(tf.shape(inputs)[0], step_w1.dtype)
        step_w1, step_w2 = step_w1 / n, step_w2 / n
    reduce = tf.reduce_mean if biases == "mean" else tf.reduce_sum
    step_b1 = reduce(delta_1, axis=0, keepdims=len(bias_1.shape) == 2)
    step_b2 = reduce(delta_2, axis=0, keepdims=len(bias_2.shape) == 2)
    return [step_w1, step_b1, step_w2, step_b2], cache, error


class BPN(keras.Model):
    """X -> sigmoid(X W1 + b1) -> sigmoid(. W2 + b2), with hand-coded back-propagation.

    The four parameters are Keras weights (``add_weight``), so ``trainable_variables`` lists
    all of them. Biases have shape (1, units) as in 002.

    Args:
        num_inputs, num_outputs: sizes of X's rows and of Y's rows.
        hidden: hidden units (002: 30).
        init: "normal" draws every parameter from N(0, 1) as 002 does
            (``tf.random_normal``); "scaled" draws weights from N(0, 1/fan_in) and sets the
            biases to 0 (LeCun normal), which keeps the sigmoids out of saturation.
        seed: seeds the initialisers.
        dtype: "float32" (default) or "float64" (gradient checks).
    """

    def __init__(self, num_inputs: int, num_outputs: int, hidden: int = 30, init: str = "scaled",
                 seed: int | None = None, dtype="float32", **kwargs):
        super().__init__(dtype=dtype, **kwargs)
        if init not in ("normal", "scaled"):
            raise ValueError(f"init must be 'normal' (002) or 'scaled'; got {init!r}")
        self.num_inputs, self.num_outputs = int(num_inputs), int(num_outputs)
        self.hidden = int(hidden)
        self.init = init

        def initializer(fan_in, offset, is_bias=False):
            s = None if seed is None else seed + offset
            if init == "normal":
                return keras.initializers.RandomNormal(stddev=1.0, seed=s)
            if is_bias:
                return keras.initializers.Zeros()
            return keras.initializers.RandomNormal(stddev=float(1.0 / np.sqrt(fan_in)), seed=s)

        self.weights_1 = self.add_weight(shape=(self.num_inputs, self.hidden), name="weights_1",
                                         initializer=initializer(self.num_inputs, 0))
        self.bias_1 = self.add_weight(shape=(1, self.hidden), name="bias_1",
                                      initializer=initializer(self.num_inputs, 1, True))
        self.weights_2 = self.add_weight(shape=(self.hidden, self.num_outputs), name="weights_2",
                                         initializer=initializer(self.hidden, 2))
        self.bias_2 = self.add_weight(shape=(1, self.num_outputs), name="bias_2",
                                      initializer=initializer(self.hidden, 3, True))
        self.built = True  # every weight exists already
        self._compiled_epoch = tf.function(self._epoch)
        self._compiled_epoch_002 = tf.function(self._epoch_002)

    def parameters(self) -> dict:
        return {name: getattr(self, name) for name in PARAMETER_NAMES}

    # -- forward ----------------------------------------------------------------------------
    def _parameters(self) -> list:
        return [self.weights_1, self.bias_1, self.weights_2, self.bias_2]

    def forward(self, inputs) -> dict:
        """The forward pass with every intermediate the backward pass needs (:func:`bpn_forward`)."""
        return bpn_forward(tf.cast(inputs, self.compute_dtype), *self._parameters())

    def call(self, inputs, training=False):
        return self.forward(inputs)["outputs"]

    # -- backward ---------------------------------------------------------------------------
    def _steps(self, inputs, targets, biases: str) -> dict:
        steps, _, _ = bpn_gradients(tf.cast(inputs, self.compute_dtype),
                                    tf.cast(targets, self.compute_dtype), *self._parameters(),
                                    weights="sum", biases=biases)
        return dict(zip(PARAMETER_NAMES, steps, strict=True))

    def hand_gradients(self, inputs, targets) -> dict:
        """dJ/dW1, dJ/db1, dJ/dW2, dJ/db2 for J = 1/2 sum (Yhat - Y)^2, by hand (no autodiff)."""
        return self._steps(inputs, targets, biases="sum")

    def updates_as_in_002(self, inputs, targets) -> dict:
        """The steps 002 multiplies by eta: weight deltas summed, bias deltas averaged."""
        return self._steps(inputs, targets, biases="mean")

    def tape_gradients(self, inputs, targets) -> dict:
        """The same gradients by tf.GradientTape: the oracle, never used in training."""
        with tf.GradientTape() as tape:
            loss = half_squared_error(self(inputs, training=False),
                                      tf.cast(targets, self.compute_dtype))
        variables = [getattr(self, name) for name in PARAMETER_NAMES]
        return dict(zip(PARAMETER_NAMES, tape.gradient(loss, variables), strict=True))

    def hand_step(self, inputs, targets, learning_rate, as_in_002: bool = False):
        """W <- W - eta * dJ/dW for the four parameters, in place.

        ``as_in_002=True`` applies 002's steps instead (bias deltas averaged, errata 9).
        """
        if as_in_002:
            steps = self.updates_as_in_002(inputs, targets)
        else:
            steps = self.hand_gradients(inputs, targets)
        for name in PARAMETER_NAMES:
            getattr(self, name).assign_sub(learning_rate * steps[name])

    # -- training ---------------------------------------------------------------------------
    def train_epoch(self, batches_x, batches_y, learning_rate, as_in_002: bool = False) -> None:
        """One epoch of hand-coded steps over ``batches_x`` (batches, batch, d), compiled.

        The whole epoch runs in one ``tf.function`` (the batches stay on the device); there is
        no GradientTape in it, only :meth:`hand_step`.
        """
        epoch = self._compiled_epoch_002 if as_in_002 else self._compiled_epoch
        dtype = self.compute_dtype
        epoch(tf.cast(batches_x, dtype), tf.cast(batches_y, dtype),
              tf.constant(learning_rate, dtype))

    def _epoch(self, batches_x, batches_y, learning_rate):
        for i in tf.range(tf.shape(batches_x)[0]):
            self.hand_step(batches_x[i], batches_y[i], learning_rate)

    def _epoch_002(self, batches_x, batches_y, learning_rate):
        for i in tf.range(tf.shape(batches_x)[0]):
            self.hand_step(batches_x[i], batches_y[i], learning_rate, as_in_002=True)

    def accuracy(self, inputs, labels) -> float:
        """The share of rows whose largest output is the labelled class."""
        predicted = tf.argmax(self(inputs, training=False), axis=-1)
        return float(tf.reduce_mean(tf.cast(predicted == tf.cast(labels, tf.int64), tf.float32)))
