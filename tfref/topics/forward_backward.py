"""Forward and backward propagation through a two-layer sigmoid network, backprop written by hand.

Formula (000, 001, 003; written once in :mod:`tfref.nn.bpn`, with 002's BPN symbols):
    forward:   h1 = X W1 + b1,  O1 = s(h1),  h_out = O1 W2 + b2,  Yhat = s(h_out)
    loss:      J = 1/(2n) * sum over examples and outputs of (Yhat - Y)^2
    backward:  :func:`tfref.nn.bpn.bpn_gradients` with batch-mean reductions
               (``weights="mean", biases="mean"``): delta2 = (Yhat - Y) * s'(h_out),
               delta1 = (delta2 W2^T) * s'(h1), dJ/dW2 = O1^T delta2 / n,
               dJ/dW1 = X^T delta1 / n, dJ/db = mean_n delta
    descent:   W <- W - eta * dJ/dW for each of W1, b1, W2, b2

Symbols -> names: as in tfref.nn.bpn (X -> inputs (n, d), Y -> targets (n, k), W1, b1, W2, b2
-> w1, b1, w2, b2, s -> ops.sigmoid, s' -> ops.sigmoid_derivative); eta -> learning_rate.

Deviations: 000 writes the layers as X1 = f(w1 X0) with column vectors and no bias; the code keeps
one example per row (X W1, as Keras does) and adds the biases. The loss is averaged over the n
examples (1/(2n)), so every step is divided by n; 002 sums over the batch (and then mixes sums
and means, errata 9), which only rescales the learning rate.

Expect: the hand-written gradients of the two-layer network equal GradientTape's
(largest difference 5.6e-17), five hand-coded steps equal keras SGD, and 2000 full-batch steps
(eta = 2.0) on iris take the loss from 0.4652 to 0.0140 with training accuracy 0.980; the plot
shows the loss per step (--quick: 300 steps, loss 0.0423, accuracy 0.973).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_iris

from tfref.nn.bpn import PARAMETER_NAMES, bpn_forward, bpn_gradients, half_squared_error
from tfref.topics._base import RunContext

ID = "forward-backward"
TITLE = "Forward and backward propagation in a two-layer network, by hand"
CHAPTER = "A"
SEEDS = ("000", "001", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)

HIDDEN_UNITS = 8
LEARNING_RATE = 2.0
SYMBOLS = {"w1": "W1", "b1": "b1", "w2": "W2", "b2": "b2"}


def _ordered(parameters: dict) -> list:
    return [parameters[name] for name in PARAMETER_NAMES]


def loss_from_outputs(outputs, targets) -> tf.Tensor:
    """J = 1/(2n) sum (Yhat - Y)^2: half the squared error, summed over outputs, averaged over n."""
    return half_squared_error(outputs, targets) / tf.cast(tf.shape(targets)[0], outputs.dtype)


def backward(parameters: dict, inputs, targets) -> dict:
    """Hand-derived gradients of J (tfref.nn.bpn.bpn_gradients, batch-mean steps)."""
    steps, _, _ = bpn_gradients(inputs, targets, *_ordered(parameters), weights="mean",
                                biases="mean")
    return dict(zip(PARAMETER_NAMES, steps, strict=True))


def tape_gradients(parameters: dict, inputs, targets) -> dict:
    """The same gradients by tf.GradientTape, the oracle."""
    variables = {name: tf.Variable(value) for name, value in parameters.items()}
    with tf.GradientTape() as tape:
        loss = loss_from_outputs(bpn_forward(inputs, *_ordered(variables))["y_hat"], targets)
    gradients = tape.gradient(loss, _ordered(variables))
    return dict(zip(PARAMETER_NAMES, gradients, strict=True))


def descent_step(parameters: dict, inputs, targets, learning_rate: float):
    """One step W <- W - eta * dJ/dW with the hand gradients; returns (new parameters, loss)."""
    steps, cache, _ = bpn_gradients(inputs, targets, *_ordered(parameters), weights="mean",
                                    biases="mean")
    loss = loss_from_outputs(cache["y_hat"], targets)
    updated = {name: parameters[name] - learning_rate * step
               for name, step in zip(PARAMETER_NAMES, steps, strict=True)}
    return updated, loss


_compiled_descent_step = tf.function(descent_step)


def predict(parameters: dict, inputs) -> tf.Tensor:
    """Yhat for the inputs."""
    return bpn_forward(inputs, *_ordered(parameters))["y_hat"]


def hand_descent(parameters: dict, inputs, targets, steps: int, learning_rate: float):
    """Plain gradient descent with the hand gradients; returns the final parameters and losses.

    The step is compiled with tf.function; it holds no autodiff, only the hand-written backward.
    """
    learning_rate = tf.constant(learning_rate, dtype=inputs.dtype)
    parameters = dict(parameters)
    losses = []
    for _ in range(steps):
        parameters, loss = _compiled_descent_step(parameters, inputs, targets, learning_rate)
        losses.append(float(loss))
    losses.append(float(loss_from_outputs(predict(parameters, inputs), targets)))
    return parameters, np.array(losses)


def load_standardised_iris():
    """Iris (150 x 4, bundled with scikit-learn), standardised; one-hot targets (150 x 3)."""
    data = load_iris()
    features = data.data.astype(np.float64)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    targets = np.eye(3)[data.target]
    return features, targets


def initial_parameters(rng: np.random.Generator, num_inputs: int, num_outputs: int) -> dict:
    return {
        "w1": tf.constant(rng.normal(scale=0.5, size=(num_inputs, HIDDEN_UNITS))),
        "b1": tf.constant(rng.normal(scale=0.1, size=HIDDEN_UNITS)),
        "w2": tf.constant(rng.normal(scale=0.5, size=(HIDDEN_UNITS, num_outputs))),
        "b2": tf.constant(rng.normal(scale=0.1, size=num_outputs)),
    }


def run(ctx: RunContext) -> None:
    inputs, targets = load_standardised_iris()
    inputs, targets = tf.constant(inputs), tf.constant(targets)  # float64
    parameters = initial_parameters(ctx.rng, inputs.shape[1], targets.shape[1])
    ctx.note("Data: the iris data set bundled with scikit-learn (150 examples, 4 features "
             "standardised, 3 classes one-hot), float64.")

    # 1. Hand gradients equal GradientTape's, for each parameter.
    by_hand = backward(parameters, inputs, targets)
    by_tape = tape_gradients(parameters, inputs, targets)
    for name in PARAMETER_NAMES:
        ctx.claim_close(f"dJ/d{SYMBOLS[name]} by hand (tfref.nn.bpn) equals GradientTape (float64)", by_hand[name], by_tape[name],
                  atol=1e-14, rtol=1e-10)

    # 2. A few hand-coded descent steps lower the loss, and match keras SGD on tape gradients.
    few_steps = 5
    after_few, few_losses = hand_descent(parameters, inputs, targets, few_steps, LEARNING_RATE)
    ctx.claim_less(f"loss after {few_steps} hand-coded descent steps is below the initial loss",
             few_losses[-1], few_losses[0])
    ctx.claim(f"each of the {few_steps} steps lowered the loss",
              bool(np.all(np.diff(few_losses) < 0)), measured=np.round(few_losses, 6).tolist())
    variables = [tf.Variable(parameters[name]) for name in PARAMETER_NAMES]
    optimizer = keras.optimizers.SGD(learning_rate=LEARNING_RATE)
    for _ in range(few_steps):
        with tf.GradientTape() as tape:
            current = dict(zip(PARAMETER_NAMES, variables, strict=True))
            loss = loss_from_outputs(predict(current, inputs), targets)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
    ctx.claim_close(f"after {few_steps} steps the hand-coded loop equals keras SGD on GradientTape "
              "gradients (all parameters)",
              np.concatenate([np.ravel(after_few[name]) for name in PARAMETER_NAMES]),
              np.concatenate([np.ravel(v.numpy()) for v in variables]), atol=1e-12, rtol=1e-10)

    # 3. The loss curve over a longer hand-coded run.
    steps = 300 if ctx.quick else 2000
    trained, losses = hand_descent(parameters, inputs, targets, steps, LEARNING_RATE)
    predictions = np.argmax(predict(trained, inputs).numpy(), axis=1)
    accuracy = float(np.mean(predictions == np.argmax(targets.numpy(), axis=1)))
    ctx.claim_less(f"loss after {steps} steps is below a quarter of the initial loss",
             losses[-1], losses[0] / 4)
    ctx.claim_greater(f"training accuracy after {steps} steps (chance is 1/3)", accuracy,
                0.85 if ctx.quick else 0.95)
    ctx.note(f"{steps} steps of full-batch gradient descent with eta = {LEARNING_RATE}: loss "
             f"{losses[0]:.4f} -> {losses[-1]:.4f}, training accuracy {accuracy:.3f}.")

    with ctx.figure("loss", figsize=(6.0, 4.0)) as (fig, ax):
        ax.plot(np.arange(len(losses)), losses, color="C0", label=f"eta = {LEARNING_RATE:g}")
        ax.set_xlabel("gradient-descent step (full batch of 150)")
        ax.set_ylabel("J = 1/(2n) sum (out - y)^2")
        ax.set_title(f"Hand-coded backprop on iris: 4-{HIDDEN_UNITS}-3 sigmoid network\n"
                     f"training accuracy at the end {accuracy:.3f}", fontsize=10)
        ax.legend(fontsize=8)
        ax.set_ylim(bottom=0.0)
        ax.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.forward_backward [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
