"""The artificial neuron: a weighted sum of the inputs plus a bias, passed through an activation.

Formula (000, 002):
    A = sum over i of w[i] * x[i] + b        # the neuron's activity ("激励值")
    output = f(A) = f(w . x + b)              # f = sigmoid here, threshold in the second panel

Symbols -> names: x -> inputs (batch, features), w -> weights (features,), b -> bias,
A -> activity, f -> ops.sigmoid / ops.threshold, output -> outputs.

Deviations: 000 writes A = sum_i (w[i] * x[i] + b), which would add the bias once per input; the
neuron (and 002, and every framework) adds it once: A = sum_i w[i] x[i] + b. The code uses that.
A batch is a matrix with one example per row, so the vectorised form is inputs @ weights + b.

Expect: the vectorised activity inputs @ w + b equals the explicit sum over i (max difference
1.8e-15 over 512 values), and keras Dense(1, activation='sigmoid') with the same w and b gives
exactly the same outputs from 9 parameters, the weights plus one bias (--quick: 32 values, 6
parameters). The plot shows the output over the inputs: on the decision line w . x + b = 0 the
sigmoid output is 0.5 and the threshold output switches from 0 to 1.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref import ops
from tfref.topics._base import RunContext

ID = "neuron"
TITLE = "Artificial neuron: A = sum_i w_i x_i + b, output f(A)"
CHAPTER = "A"
SEEDS = ("000", "002")
OPTIONS = ()  # honours no run option (tfref run refuses them)


def activity_explicit_sum(inputs: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """A = sum_i w[i] * x[i] + b, one example at a time, as plain Python floats (the oracle)."""
    activities = []
    for example in inputs:
        total = 0.0
        for i in range(len(weights)):
            total += float(weights[i]) * float(example[i])
        activities.append(total + float(bias))
    return np.array(activities)


def activity_vectorised(inputs, weights, bias) -> tf.Tensor:
    """A = inputs @ w + b for the whole batch at once: (batch, features) @ (features, 1)."""
    weights_column = tf.reshape(tf.constant(weights), (-1, 1))  # (features, 1)
    return tf.reshape(tf.matmul(tf.constant(inputs), weights_column), (-1,)) + bias  # (batch,)


def run(ctx: RunContext) -> None:
    num_examples, num_features = (32, 5) if ctx.quick else (512, 8)
    inputs = ctx.rng.normal(size=(num_examples, num_features))  # float64
    weights = ctx.rng.normal(size=num_features)
    bias = float(ctx.rng.normal())

    # 1. The vectorised activity equals the explicit sum over i.
    explicit = activity_explicit_sum(inputs, weights, bias)
    vectorised = activity_vectorised(inputs, weights, bias)
    ctx.claim_close("vectorised activity inputs @ w + b equals the explicit sum over i (float64)",
              vectorised, explicit, atol=1e-12, rtol=1e-12)

    # 2. The output f(A) through tfref.ops equals the same sum pushed through 1 / (1 + exp(-A)).
    outputs = ops.sigmoid(vectorised)
    outputs_explicit = 1.0 / (1.0 + np.exp(-explicit))
    ctx.claim_close("neuron output sigmoid(w . x + b) equals 1 / (1 + exp(-A)) of the explicit sum",
              outputs, outputs_explicit, atol=1e-15, rtol=1e-12)

    # 3. keras.layers.Dense(1, activation="sigmoid") with the same weights is the same neuron.
    dense = keras.layers.Dense(1, activation="sigmoid", dtype="float64")
    dense.build((None, num_features))
    dense.set_weights([weights.reshape(num_features, 1), np.array([bias])])
    dense_outputs = np.asarray(dense(inputs)).reshape(-1)  # (batch, 1) -> (batch,)
    ctx.claim_close("keras Dense(1, activation='sigmoid') with the same w, b gives the same outputs",
              dense_outputs, outputs, atol=1e-15, rtol=1e-12)
    ctx.claim("Dense(1) holds exactly num_features + 1 parameters (w and one bias)",
              dense.count_params() == num_features + 1,
              expected=num_features + 1, measured=dense.count_params())

    # Plot: a two-input neuron over a grid of inputs, sigmoid and threshold activations.
    grid_size = 121 if ctx.quick else 301
    axis_values = np.linspace(-3.0, 3.0, grid_size)
    grid_x1, grid_x2 = np.meshgrid(axis_values, axis_values)
    grid_inputs = np.stack([grid_x1.ravel(), grid_x2.ravel()], axis=1)  # (grid_size**2, 2)
    plane_weights, plane_bias = np.array([1.5, -1.0]), 0.5
    plane_activity = activity_vectorised(grid_inputs, plane_weights, plane_bias)
    panels = [("sigmoid", ops.sigmoid(plane_activity)),
              ("threshold", ops.threshold(plane_activity))]
    with ctx.figure("output-over-inputs", ncols=2, figsize=(10.0, 4.0)) as (fig, axes):
        for ax, (name, values) in zip(axes, panels, strict=True):
            image = ax.contourf(grid_x1, grid_x2, np.asarray(values).reshape(grid_size, grid_size),
                                levels=np.linspace(0.0, 1.0, 11), cmap="RdBu_r")
            ax.contour(grid_x1, grid_x2, np.asarray(plane_activity).reshape(grid_size, grid_size),
                       levels=[0.0], colors="black", linewidths=1.0)
            ax.set_title(f"{name}(1.5 x1 - 1.0 x2 + 0.5)")
            ax.set_xlabel("x1")
            ax.set_ylabel("x2")
            fig.colorbar(image, ax=ax, label="neuron output f(A)")
        fig.suptitle("One neuron over a grid of two inputs (black line: A = 0)")
    ctx.note("The neuron's decision line w . x + b = 0 is where the sigmoid output is 0.5 and the "
             "threshold output switches from 0 to 1.")


if __name__ == "__main__":  # python -m tfref.topics.neuron [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
