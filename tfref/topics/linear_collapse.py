"""Without a non-linearity, a stack of linear layers is one linear layer.

Seed 001 (why forward propagation needs a non-linear activation) and seed 003 (MLP: "affine
functions of affine functions are affine") say that a network with linear or no activations,
however deep, only forms linear combinations of its input, so its hidden layers could be dropped.
The reproduction builds keras Dense stacks with ``activation=None`` (float64), multiplies their
weights into one matrix and checks the single layer gives the same outputs; then puts ReLU between
the same layers and shows that no affine map fits the outputs any more.

Formula (row-vector inputs, as keras computes them):
    Z1 = X W1 + b1;  Z2 = Z1 W2 + b2;  Z3 = Z2 W3 + b3
       = X (W1 W2 W3) + (b1 W2 W3 + b2 W3 + b3)
    so W = W1 W2 ... WL  and  b = (...((b1 W2 + b2) W3 + b3) ...) WL + bL
    with ReLU:  Z_k = relu(Z_{k-1} W_k + b_k) for the hidden layers: not of the form X W + b.
    affine fit: minimise || [X 1] B - Z ||^2 over B (least squares);
                residual = ||[X 1] B - Z|| / ||Z - mean Z||

Symbols: X -> ``inputs`` (batch, d0); W_k, b_k -> ``kernels[k]``, ``biases[k]``;
W, b -> ``composed_kernel``, ``composed_bias``; Z -> ``outputs``.

Deviations: seed 001 writes Z = W X + B (column vectors); keras multiplies row vectors on the
left, X W + b, so the composed matrix is W1 W2 W3 in that order rather than W3 W2 W1. Biases are
drawn at random (keras starts them at zero) so that their composition is actually tested.

Expect: for stacks of 2, 3 and 4 linear Dense layers, one Dense(3) with the multiplied-out W and b
gives the same outputs (max difference 1.9e-15 over 12288 values) and the best affine fit leaves a
relative residual of at most 2.3e-15; with ReLU between the same layers the best affine fit leaves
0.50, 0.51 and 0.83. The plot shows the outputs along a line: one affine map for the linear stack,
none for the ReLU stack (--quick: ReLU residuals 0.53, 0.65, 0.56).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref import ops
from tfref.topics._base import RunContext

ID = "linear-collapse"
TITLE = "A stack of linear layers is one linear layer; ReLU between them is not"
CHAPTER = "A"
SEEDS = ("001", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)

INPUT_SIZE = 6
LAYER_SIZES = {2: (16, 3), 3: (16, 12, 3), 4: (16, 12, 8, 3)}  # depth -> units per Dense layer


def build_stack(layer_sizes, activation, seed: int) -> keras.Sequential:
    """Dense layers in float64 with random kernels and biases; ``activation`` between them."""
    layers = [keras.Input(shape=(INPUT_SIZE,), dtype="float64")]
    for index, units in enumerate(layer_sizes):
        is_last = index == len(layer_sizes) - 1
        layers.append(
            keras.layers.Dense(
                units,
                activation=None if is_last else activation,
                dtype="float64",
                kernel_initializer=keras.initializers.GlorotNormal(seed=seed + 2 * index),
                bias_initializer=keras.initializers.RandomNormal(
                    stddev=0.5, seed=seed + 2 * index + 1
                ),
            )
        )
    return keras.Sequential(layers)


def compose_affine(kernels, biases):
    """Fold X W1 + b1 -> (.) W2 + b2 -> ... into one (W, b)."""
    composed_kernel = kernels[0]
    composed_bias = biases[0]
    for kernel, bias in zip(kernels[1:], biases[1:]):
        composed_kernel = composed_kernel @ kernel
        composed_bias = composed_bias @ kernel + bias
    return composed_kernel, composed_bias


def relu_forward(inputs, kernels, biases):
    """From-scratch forward pass of the ReLU stack with tfref.ops.relu between layers."""
    hidden = tf.constant(inputs)
    for index, (kernel, bias) in enumerate(zip(kernels, biases)):
        hidden = hidden @ kernel + bias
        if index < len(kernels) - 1:
            hidden = ops.relu(hidden)
    return hidden.numpy()


def affine_fit(inputs, outputs):
    """Least-squares affine map X -> Z; returns (W, b, relative residual)."""
    design = np.concatenate([inputs, np.ones((inputs.shape[0], 1))], axis=1)  # (batch, d0 + 1)
    solution, *_ = np.linalg.lstsq(design, outputs, rcond=None)  # (d0 + 1, d_out)
    residual = np.linalg.norm(design @ solution - outputs)
    spread = np.linalg.norm(outputs - outputs.mean(axis=0))
    return solution[:-1], solution[-1], residual / spread


def run(ctx: RunContext) -> None:
    num_samples = 256 if ctx.quick else 4096
    inputs = ctx.rng.normal(size=(num_samples, INPUT_SIZE))  # (batch, d0), float64
    base_seed = int(ctx.rng.integers(0, 2**20))
    plot_models = {}

    for depth, layer_sizes in LAYER_SIZES.items():
        linear_stack = build_stack(layer_sizes, None, base_seed + 100 * depth)
        kernels = [layer.kernel.numpy() for layer in linear_stack.layers]
        biases = [layer.bias.numpy() for layer in linear_stack.layers]
        composed_kernel, composed_bias = compose_affine(kernels, biases)
        stack_outputs = linear_stack(inputs).numpy()

        ctx.claim_close(
            f"{depth} linear Dense layers = X W + b with W = W1...W{depth} (float64)",
            stack_outputs,
            inputs @ composed_kernel + composed_bias,
            atol=1e-12,
            rtol=0,
        )

        single_layer = keras.Sequential(
            [
                keras.Input(shape=(INPUT_SIZE,), dtype="float64"),
                keras.layers.Dense(layer_sizes[-1], dtype="float64"),
            ]
        )
        single_layer.layers[0].set_weights([composed_kernel, composed_bias])
        ctx.claim_close(
            f"one Dense({layer_sizes[-1]}) with the composed W, b = the {depth}-layer stack",
            single_layer(inputs).numpy(),
            stack_outputs,
            atol=1e-12,
            rtol=0,
        )

        fitted_kernel, fitted_bias, linear_residual = affine_fit(inputs, stack_outputs)
        ctx.claim_close(
            f"least-squares affine fit recovers W of the {depth}-layer linear stack",
            fitted_kernel,
            composed_kernel,
            atol=1e-10,
            rtol=0,
        )
        ctx.claim_close(
            f"least-squares affine fit recovers b of the {depth}-layer linear stack",
            fitted_bias,
            composed_bias,
            atol=1e-10,
            rtol=0,
        )
        ctx.claim_less(
            f"relative residual of the affine fit, {depth}-layer linear stack (~0)",
            linear_residual,
            1e-10,
        )

        # The same weights with ReLU between the layers.
        relu_stack = build_stack(layer_sizes, "relu", base_seed + 100 * depth)
        relu_outputs = relu_stack(inputs).numpy()
        ctx.claim_close(
            f"{depth}-layer keras ReLU stack = from-scratch forward with ops.relu",
            relu_outputs,
            relu_forward(inputs, kernels, biases),
            atol=1e-12,
            rtol=0,
        )
        *_, relu_residual = affine_fit(inputs, relu_outputs)
        # Seeds 0-4 (quick): 0.307-0.725 over depths 2-4; floor 0.2 (0.107 below the lowest).
        ctx.claim_greater(
            f"relative residual of the best affine fit, {depth}-layer ReLU stack (seeds 0-4: "
            f"0.31-0.73; a linear stack: ~1e-15)",
            relu_residual,
            0.2,
        )
        plot_models[depth] = (linear_stack, relu_stack, composed_kernel, composed_bias)

    ctx.note(
        "Keras computes X W + b with row-vector inputs, so the composed matrix is W1 W2 ... WL "
        "(seed 001's column-vector Z = W X + B gives WL ... W2 W1)."
    )
    _plot(ctx, plot_models[3], inputs)


def _plot(ctx: RunContext, models, inputs) -> None:
    """Outputs along a line through input space: a straight line vs a bent one."""
    linear_stack, relu_stack, composed_kernel, composed_bias = models
    direction = ctx.rng.normal(size=INPUT_SIZE)
    direction /= np.linalg.norm(direction)
    steps = np.linspace(-4.0, 4.0, 401)
    line_inputs = steps[:, None] * direction[None, :]  # (401, d0)
    linear_outputs = linear_stack(line_inputs).numpy()[:, 0]
    composed_outputs = (line_inputs @ composed_kernel + composed_bias)[:, 0]
    relu_outputs = relu_stack(inputs).numpy()
    fitted_kernel, fitted_bias, _ = affine_fit(inputs, relu_outputs)
    relu_line = relu_stack(line_inputs).numpy()[:, 0]
    fitted_line = (line_inputs @ fitted_kernel + fitted_bias)[:, 0]

    with ctx.figure("outputs-along-a-line", ncols=2, figsize=(9.5, 3.6)) as (fig, axes):
        axes[0].plot(steps, linear_outputs, lw=3, alpha=0.5, label="3 Dense layers, no activation")
        axes[0].plot(steps, composed_outputs, "k--", lw=1.2, label="one Dense layer, W = W1 W2 W3")
        axes[0].set_title("linear stack = one affine map")
        axes[1].plot(steps, relu_line, lw=2, label="3 Dense layers, ReLU between")
        axes[1].plot(steps, fitted_line, "k--", lw=1.2, label="best affine fit (least squares)")
        axes[1].set_title("ReLU stack: no affine map fits")
        for axis in axes:
            axis.set_xlabel("t  (input x = t * u, u a random unit vector)")
            axis.set_ylabel("first output")
            axis.legend(fontsize=8)
            axis.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.linear_collapse [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
