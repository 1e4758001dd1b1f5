"""The back-propagation network (BPN) of seed 002 (section 1.7): the one place its formulas live.

A sigmoid hidden layer and sigmoid outputs, trained on the squared error with the deltas of
002's code; no GradientTape anywhere in training. One batch of n rows:

    h1 = X W1 + b1,   O1 = s(h1),   h_out = O1 W2 + b2,   Yhat = s(h_out)
    J = 1/2 * sum over the batch and the outputs of (Yhat - Y)^2
    error  = Yhat - Y
    delta2 = error * s'(h_out)                  dJ/dW2 = O1^T delta2     dJ/db2 = sum_n delta2
    delta1 = (delta2 W2^T) * s'(h1)             dJ/dW1 = X^T delta1      dJ/db1 = sum_n delta1
    W <- W - eta * step(W)   for W1, b1, W2, b2

The step of a weight matrix is X^T delta (O1^T delta2), a sum over the batch, or that divided
by n; the step of a bias is sum_n delta or mean_n delta. :func:`bpn_gradients` takes the two
reductions as arguments, and the training step :class:`BPN` holds them:

- ``weight_steps="sum", bias_steps="sum"``: dJ/dW for every parameter (the ``bpn`` topic's
  corrected run);
- ``"mean", "mean"``: the gradient of the batch-mean loss J / n, what keras SGD does (the
  default: the engine, ``tfref bench``, the ``tensorboard`` and ``forward-backward`` topics);
- ``"sum", "mean"``: 002's code, which ``reduce_mean``s only the bias deltas (errata 9): its
  biases learn batch-size times slower than its weights.

:class:`BPN` is a :class:`tfref.train.TrainStep`, so it trains through the engine
(:func:`tfref.train.fit`), the one training loop; ``tfref.train.handcoded.BPNStep`` is this
class under the name the engine's users know.

Symbols -> names (002's): X -> ``x``; Y -> ``y`` (one-hot); W1, b1, W2, b2 -> ``w1``, ``b1``,
``w2``, ``b2``; h1 -> ``h_layer_1``; O1 -> ``out_layer_1``; h_out -> ``h_out``; Yhat ->
``y_hat``; s -> ``ops.sigmoid``; s' -> ``ops.sigmoid_derivative`` (= s (1 - s));
eta -> ``learning_rate``; delta2, delta1 -> ``delta_2``, ``delta_1``.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref import ops
from tfref.train.steps import TrainStep, batch_sums

__all__ = ["BPN", "PARAMETER_NAMES", "REDUCTIONS", "bpn_forward", "bpn_gradients",
           "half_squared_error", "initial_parameters", "sample_half_squared_error",
           "tape_gradients"]

PARAMETER_NAMES = ("w1", "b1", "w2", "b2")
REDUCTIONS = ("sum", "mean")
INITS = ("normal", "scaled")


def sample_half_squared_error(y_true, y_pred) -> tf.Tensor:
    """Per-sample 1/2 * sum_k (Yhat_k - Y_k)^2: shape (batch, outputs) -> (batch,).

    Example:
    >>> sample_half_squared_error(tf.constant([[1.0, 0.0]]), tf.constant([[0.5, 0.5]])).numpy()
    array([0.25], dtype=float32)
    """
    return 0.5 * tf.reduce_sum(tf.square(y_pred - y_true), axis=-1)


def half_squared_error(y_hat, y) -> tf.Tensor:
    """J = 1/2 * sum (Yhat - Y)^2 over the batch and the outputs (the loss 002 differentiates).

    Example:
    >>> float(half_squared_error(tf.constant([[0.5, 0.5], [1.0, 0.0]]),
    ...                          tf.constant([[1.0, 0.0], [1.0, 0.0]])))
    0.25
    """
    return tf.reduce_sum(sample_half_squared_error(y, y_hat))


def _check_reduction(name: str, value: str) -> None:
    if value not in REDUCTIONS:
        raise ValueError(f"{name} must be 'sum' or 'mean' (the reduction over the batch); "
                         f"got {value!r}")


def initial_parameters(num_inputs: int, num_outputs: int, hidden: int = 30, init: str = "scaled",
                       seed: int | None = None, dtype="float32") -> list[np.ndarray]:
    """``[W1 (d, hidden), b1 (1, hidden), W2 (hidden, k), b2 (1, k)]``, biases shaped as in 002.

    Args:
        num_inputs, num_outputs: d and k.
        hidden: hidden units (002: 30).
        init: "normal" draws every weight and bias from N(0, 1), as 002's ``tf.random_normal``;
            "scaled" draws weights from N(0, 1/fan_in) and sets the biases to 0 (LeCun normal),
            which keeps the sigmoids out of saturation.
        seed: seeds the draws (W1, b1, W2, b2 use seed, seed + 1, seed + 2, seed + 3).
        dtype: "float32" or "float64" (gradient checks).

    Raises:
        ValueError: for an unknown ``init``.
    """
    if init not in INITS:
        raise ValueError(f"init must be 'normal' (002) or 'scaled'; got {init!r}")

    def draw(shape, fan_in, offset, is_bias=False):
        s = None if seed is None else seed + offset
        if init == "scaled" and is_bias:
            return np.zeros(shape, dtype=dtype)
        stddev = 1.0 if init == "normal" else float(1.0 / np.sqrt(fan_in))
        return keras.initializers.RandomNormal(stddev=stddev, seed=s)(shape, dtype=dtype).numpy()

    return [draw((num_inputs, hidden), num_inputs, 0), draw((1, hidden), num_inputs, 1, True),
            draw((hidden, num_outputs), hidden, 2), draw((1, num_outputs), hidden, 3, True)]


# The formulas hold no Python control flow on tensors: autograph need not rewrite them (it took
# ~0.1 s per function and trace, most of the bpn topic's time when the engine traced each run).
_plain = tf.autograph.experimental.do_not_convert


@_plain
def bpn_forward(x, w1, b1, w2, b2) -> dict:
    """The forward pass with every intermediate the backward pass needs.

    Args:
        x: X, (n, d), of the parameters' dtype.
        w1, b1: W1 (d, hidden) and b1 ((hidden,) or (1, hidden)).
        w2, b2: W2 (hidden, k) and b2 ((k,) or (1, k)).

    Returns:
        ``{"x": X, "h_layer_1": h1 (n, hidden), "out_layer_1": O1 = s(h1), "h_out": h_out (n, k),
        "y_hat": Yhat = s(h_out)}``.
    """
    h_layer_1 = tf.matmul(x, w1) + b1  # (n, hidden)
    out_layer_1 = ops.sigmoid(h_layer_1)
    h_out = tf.matmul(out_layer_1, w2) + b2  # (n, k)
    return {"x": x, "h_layer_1": h_layer_1, "out_layer_1": out_layer_1, "h_out": h_out,
            "y_hat": ops.sigmoid(h_out)}


@_plain
def bpn_gradients(x, y, w1, b1, w2, b2, *, weights: str = "sum", biases: str = "sum"):
    """Back-propagation by hand (no autodiff): the steps for W1, b1, W2, b2 (module formula).

    Args:
        x: X, (n, d).
        y: Y, one-hot (n, k), of the inputs' dtype.
        w1, b1, w2, b2: the parameters (see :func:`bpn_forward`).
        weights: "sum" (X^T delta) or "mean" (X^T delta / n), the weight steps' reduction.
        biases: "sum" (sum_n delta) or "mean" (mean_n delta), the bias steps' reduction.

    Returns:
        ``(steps, cache, error)``: ``steps = [step W1, step b1, step W2, step b2]``, each shaped
        like its parameter (with both reductions "sum", dJ/dW); ``cache`` from
        :func:`bpn_forward`; ``error = Yhat - Y`` (n, k).

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
    _check_reduction("weights", weights)
    _check_reduction("biases", biases)
    cache = bpn_forward(x, w1, b1, w2, b2)
    error = cache["y_hat"] - y
    delta_2 = error * ops.sigmoid_derivative(cache["h_out"])  # (n, k)
    weighted_error = tf.matmul(delta_2, w2, transpose_b=True)  # (n, hidden)
    delta_1 = weighted_error * ops.sigmoid_derivative(cache["h_layer_1"])  # (n, hidden)
    step_w1 = tf.matmul(x, delta_1, transpose_a=True)  # (d, hidden)
    step_w2 = tf.matmul(cache["out_layer_1"], delta_2, transpose_a=True)  # (hidden, k)
    if weights == "mean":
        n = tf.cast(tf.shape(x)[0], step_w1.dtype)
        step_w1, step_w2 = step_w1 / n, step_w2 / n
    reduce = tf.reduce_mean if biases == "mean" else tf.reduce_sum
    step_b1 = reduce(delta_1, axis=0, keepdims=len(b1.shape) == 2)
    step_b2 = reduce(delta_2, axis=0, keepdims=len(b2.shape) == 2)
    return [step_w1, step_b1, step_w2, step_b2], cache, error


def tape_gradients(x, y, w1, b1, w2, b2) -> list:
    """dJ/dW1, dJ/db1, dJ/dW2, dJ/db2 by tf.GradientTape: an oracle, never used in training."""
    variables = [tf.Variable(p) for p in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        loss = half_squared_error(bpn_forward(x, *variables)["y_hat"], y)
    return tape.gradient(loss, variables)


class BPN(TrainStep):
    """X -> s(X W1 + b1) -> s(. W2 + b2) with hand-coded back-propagation (module formula).

    Args:
        parameters: initial ``[W1 (d, hidden), b1, W2 (hidden, k), b2]`` (biases (hidden,) or
            (1, hidden)); see :func:`initial_parameters`.
        learning_rate: eta.
        weight_steps: "mean" (default, X^T delta / n) or "sum" (X^T delta, as 002).
        bias_steps: "mean" (default, mean_n delta, as 002) or "sum".

    Raises:
        ValueError: for a reduction other than "sum" or "mean".

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> weights = [rng.normal(0, 0.1, (4, 3)).astype("float32"), np.zeros(3, "float32"),
        ...            rng.normal(0, 0.1, (3, 2)).astype("float32"), np.zeros(2, "float32")]
        >>> step = BPN(weights, learning_rate=0.5)
        >>> sums = step.train_step(tf.ones((5, 4)), tf.one_hot([0, 1, 0, 1, 0], 2))
        >>> sorted(sums), float(sums["loss"]) > 0
        (['accuracy', 'loss'], True)
    """

    metric_names = ("loss", "accuracy")

    def __init__(self, parameters, learning_rate: float, *, weight_steps: str = "mean",
                 bias_steps: str = "mean"):
        super().__init__(name="bpn")
        _check_reduction("weight_steps", weight_steps)
        _check_reduction("bias_steps", bias_steps)
        w1, b1, w2, b2 = parameters
        self.w1, self.b1 = tf.Variable(w1, name="w1"), tf.Variable(b1, name="b1")
        self.w2, self.b2 = tf.Variable(w2, name="w2"), tf.Variable(b2, name="b2")
        self.learning_rate = learning_rate
        self.weight_steps, self.bias_steps = weight_steps, bias_steps

    @property
    def parameters(self) -> list:
        """``[W1, b1, W2, b2]`` (the variables)."""
        return [self.w1, self.b1, self.w2, self.b2]

    @_plain
    def forward(self, x):
        """Hidden and output activations ``(O1 (n, hidden), Yhat (n, k))``."""
        cache = bpn_forward(tf.cast(x, self.w1.dtype), *self.parameters)
        return cache["out_layer_1"], cache["y_hat"]

    @_plain
    def gradients(self, x, y):
        """The hand-coded steps ``[W1, b1, W2, b2]`` (this BPN's reductions), the error, Yhat."""
        dtype = self.w1.dtype
        steps, cache, error = bpn_gradients(tf.cast(x, dtype), tf.cast(y, dtype),
                                            *self.parameters, weights=self.weight_steps,
                                            biases=self.bias_steps)
        return steps, error, cache["y_hat"]

    @_plain
    def train_step(self, x, y, *, global_batch_size=None) -> dict:
        """W <- W - eta * step(W) for the four parameters; the batch's loss sum and # correct."""
        steps, error, y_hat = self.gradients(x, y)
        for variable, step in zip(self.parameters, steps, strict=True):
            variable.assign_sub(self.learning_rate * step)
        return batch_sums(0.5 * tf.reduce_sum(error * error, axis=-1), y, y_hat, accuracy=True)

    @_plain
    def test_step(self, x, y) -> dict:
        """The batch's loss sum and number correct; no update."""
        _, y_hat = self.forward(x)
        return batch_sums(sample_half_squared_error(tf.cast(y, y_hat.dtype), y_hat), y, y_hat,
                          accuracy=True)

    def accuracy(self, x, labels) -> float:
        """The share of rows whose largest output is the labelled class (integer labels)."""
        predicted = tf.argmax(self.forward(x)[1], axis=-1)
        return float(tf.reduce_mean(tf.cast(predicted == tf.cast(labels, tf.int64), tf.float32)))

    def checkpoint_variables(self) -> dict[str, list]:
        """``W1, b1, W2, b2`` in that order."""
        return {"step": self.parameters}
