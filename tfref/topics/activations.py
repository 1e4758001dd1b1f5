"""Activation functions beside their derivatives, checked against autodiff and Keras built-ins.

Threshold, sigmoid, tanh, linear, ReLU, leaky ReLU, maxout and softmax; one plot per function.

Formulas (000, 001, 002):
    threshold(x) = 1 if x > 0 else 0           threshold'(x) = 0 (undefined at 0)
    sigmoid(x)   = 1 / (1 + exp(-x))           sigmoid'(x) = s * (1 - s), s = sigmoid(x)
    tanh(x)      = (exp(x) - exp(-x)) / (exp(x) + exp(-x)) = 2 * sigmoid(2x) - 1
                                               tanh'(x) = 1 - tanh(x)^2
    linear(x)    = x                           linear'(x) = 1
    relu(x)      = max(0, x)                   relu'(x) = 1 if x > 0 else 0
    leaky(x)     = x if x > 0 else alpha * x   leaky'(x) = 1 if x > 0 else alpha
    maxout(x)    = max over k of z_k, z_k = a_k * x + c_k    maxout'(x) = a_k of the largest z_k
    softmax(x)_i = exp(x_i) / sum_j exp(x_j)   d softmax_i / d x_j = s_i * (delta_ij - s_j)

Symbols -> names: x -> inputs / grid, s -> ops.sigmoid(x), alpha -> LEAKY_ALPHA,
a_k, c_k -> MAXOUT_SLOPES, MAXOUT_INTERCEPTS, y_i -> ops.softmax(x)[i].

Deviations: 000 writes tanh as (e^x + e^-x) / (e^x - e^-x) (that is coth) and 002 as
(1-exp(-2x)/(1+exp(-2x))) (misplaced parenthesis); the code uses the correct tanh (errata 1, 2).
002's threshold returns 1 at x = 0 (tf.where(x < 0, 0, 1)); the contract's is 0 there. The
derivative claims use grids that avoid the kinks at x = 0, where ReLU, leaky ReLU and threshold
have no derivative. 002 plots each function alone; here each plot adds its derivative.

Expect: eight plots, one per function with its derivative; the claims show that every hand
derivative equals GradientTape's (difference 0 on 4000-point grids, 3.1e-16 for the softmax
Jacobian), sigmoid'(x) peaks at exactly 0.25 at x = 0, and each activation equals its
keras.activations counterpart. Sigmoid and tanh stay strictly inside their ranges, within 9.4e-14
and 1.9e-13 of the ends (--quick: grids of 401 points).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref import ops
from tfref.topics._base import RunContext

ID = "activations"
TITLE = "Activation functions and their derivatives"
CHAPTER = "A"
SEEDS = ("000", "001", "002")
OPTIONS = ()  # honours no run option (tfref run refuses them)

# keras.activations.leaky_relu goes through tf.nn.leaky_relu, whose slope attribute is float32:
# in float64 a slope like 0.1 comes back as 0.10000000149. 0.125 is exact in float32, so the
# float64 comparison with the built-in can stay tight.
LEAKY_ALPHA = 0.125
# Maxout of a scalar input over three linear pieces z_k = a_k * x + c_k.
MAXOUT_SLOPES = np.array([-1.0, 0.25, 1.5])
MAXOUT_INTERCEPTS = np.array([-1.0, 0.5, -1.0])


def _leaky_relu(x):
    return ops.leaky_relu(x, alpha=LEAKY_ALPHA)


def _leaky_relu_derivative(x):
    return ops.leaky_relu_derivative(x, alpha=LEAKY_ALPHA)


def maxout_of_pieces(x):
    """max_k (a_k * x + c_k) for a vector of scalar inputs x (n,), through ops.maxout."""
    pieces = tf.reshape(x, (-1, 1)) * MAXOUT_SLOPES + MAXOUT_INTERCEPTS  # (n, pieces)
    return tf.reshape(ops.maxout(pieces, num_units=1), (-1,))  # (n, 1) -> (n,)


def maxout_of_pieces_derivative(x):
    """d/dx max_k (a_k x + c_k) = a_k of the piece that is largest at x (by hand, NumPy)."""
    pieces = np.reshape(x, (-1, 1)) * MAXOUT_SLOPES + MAXOUT_INTERCEPTS  # (n, pieces)
    return MAXOUT_SLOPES[np.argmax(pieces, axis=1)]


def maxout_kinks() -> np.ndarray:
    """Inputs where two pieces cross (a_j x + c_j = a_k x + c_k); maxout has no derivative there."""
    kinks = []
    for j in range(len(MAXOUT_SLOPES)):
        for k in range(j + 1, len(MAXOUT_SLOPES)):
            kinks.append((MAXOUT_INTERCEPTS[k] - MAXOUT_INTERCEPTS[j])
                         / (MAXOUT_SLOPES[j] - MAXOUT_SLOPES[k]))
    return np.array(kinks)


# name -> (forward function, hand derivative, kinks to avoid)
ELEMENTWISE = {
    "threshold": (ops.threshold, ops.threshold_derivative, np.array([0.0])),
    "sigmoid": (ops.sigmoid, ops.sigmoid_derivative, np.array([])),
    "tanh": (ops.tanh, ops.tanh_derivative, np.array([])),
    "linear": (ops.linear, ops.linear_derivative, np.array([])),
    "relu": (ops.relu, ops.relu_derivative, np.array([0.0])),
    "leaky-relu": (_leaky_relu, _leaky_relu_derivative, np.array([0.0])),
    "maxout": (maxout_of_pieces, maxout_of_pieces_derivative, maxout_kinks()),
}


def autodiff_derivative(function, x: np.ndarray) -> np.ndarray:
    """d function(x) / dx elementwise by tf.GradientTape (the gradient of the sum, float64)."""
    x = tf.constant(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(function(x))
    gradient = tape.gradient(total, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return gradient.numpy()


def softmax_jacobian_autodiff(x: np.ndarray) -> np.ndarray:
    """d softmax(x)_i / d x_j for each row of x by tf.GradientTape: (batch, n) -> (batch, n, n)."""
    x = tf.constant(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        probabilities = ops.softmax(x)
    return tape.batch_jacobian(probabilities, x).numpy()


def _away_from(grid: np.ndarray, kinks: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    if kinks.size == 0:
        return grid
    distance = np.min(np.abs(grid[:, None] - kinks[None, :]), axis=1)
    return grid[distance > margin]


def _check_ranges(ctx: RunContext, num_points: int) -> None:
    sigmoid_grid = np.linspace(-30.0, 30.0, num_points)
    sigmoid_values = ops.sigmoid(sigmoid_grid).numpy()
    ctx.claim("sigmoid(x) lies strictly in (0, 1) on [-30, 30] (float64)",
              bool(np.all((sigmoid_values > 0.0) & (sigmoid_values < 1.0))), expected="(0, 1)",
              measured=f"[{sigmoid_values.min():.3g}, 1 - {1.0 - sigmoid_values.max():.3g}]")
    tanh_grid = np.linspace(-15.0, 15.0, num_points)
    tanh_values = ops.tanh(tanh_grid).numpy()
    ctx.claim("tanh(x) lies strictly in (-1, 1) on [-15, 15] (float64)",
              bool(np.all((tanh_values > -1.0) & (tanh_values < 1.0))), expected="(-1, 1)",
              measured=f"[-1 + {tanh_values.min() + 1.0:.3g}, 1 - {1.0 - tanh_values.max():.3g}]")
    ctx.note("In float64 sigmoid(x) rounds to exactly 1.0 beyond x ~ 37 and tanh(x) beyond x ~ 19, "
             "so the open ranges are checked on [-30, 30] and [-15, 15].")

    logits = ctx.rng.normal(scale=5.0, size=(num_points // 10, 7))
    logits[0] = [1000.0, 999.0, -1000.0, 0.0, 1.0, 2.0, 3.0]  # large inputs: needs the stable form
    probabilities = ops.softmax(logits).numpy()
    ctx.claim_close("softmax rows sum to 1 (float64, inputs up to 1000 in size)",
              probabilities.sum(axis=-1), np.ones(len(logits)), atol=1e-13, rtol=0.0)
    ctx.claim("softmax entries are finite and in [0, 1], even for inputs of 1000",
              bool(np.all(np.isfinite(probabilities)) and np.all((probabilities >= 0)
                                                                 & (probabilities <= 1))))


def _check_sigmoid_facts(ctx: RunContext, grid: np.ndarray) -> None:
    derivative = ops.sigmoid_derivative(grid).numpy()
    ctx.claim_less("max of sigmoid'(x) = s(1 - s) over the grid is at most 0.25",
             derivative.max(), 0.25, or_equal=True)
    at_zero = float(ops.sigmoid_derivative(np.array([0.0]))[0])
    ctx.claim_close("sigmoid'(0) is exactly 0.25", at_zero, 0.25, atol=0.0, rtol=0.0)
    ctx.claim_close("sigmoid'(x) peaks at x = 0 on a grid through 0", grid[np.argmax(derivative)], 0.0,
              atol=0.0, rtol=0.0)
    tanh_values = ops.tanh(grid).numpy()
    via_sigmoid = 2.0 * ops.sigmoid(2.0 * grid).numpy() - 1.0
    ctx.claim_close("tanh(x) = 2 * sigmoid(2x) - 1 on [-10, 10] (float64)", tanh_values, via_sigmoid,
              atol=4e-15, rtol=0.0)


def _check_derivatives(ctx: RunContext, grid: np.ndarray) -> None:
    for name, (function, derivative, kinks) in ELEMENTWISE.items():
        points = _away_from(grid, kinks)
        by_hand = np.asarray(derivative(points), dtype=np.float64)
        by_tape = autodiff_derivative(function, points)
        ctx.claim_close(f"{name}: hand derivative equals GradientTape (float64, off the kinks)",
                  by_hand, by_tape, atol=1e-15, rtol=1e-12)
    logits = ctx.rng.normal(scale=3.0, size=(max(len(grid) // 50, 4), 5))
    ctx.claim_close("softmax: hand Jacobian diag(s) - s s^T equals GradientTape's (float64)",
              ops.softmax_jacobian(logits), softmax_jacobian_autodiff(logits),
              atol=1e-15, rtol=1e-12)


def _check_builtins(ctx: RunContext, grid: np.ndarray) -> None:
    inputs = tf.constant(grid, dtype=tf.float64)
    pairs = [
        ("sigmoid", ops.sigmoid(inputs), keras.activations.sigmoid(inputs)),
        ("tanh", ops.tanh(inputs), keras.activations.tanh(inputs)),
        ("relu", ops.relu(inputs), keras.activations.relu(inputs)),
        ("leaky_relu", _leaky_relu(inputs),
         keras.activations.leaky_relu(inputs, negative_slope=LEAKY_ALPHA)),
        ("linear", ops.linear(inputs), keras.activations.linear(inputs)),
        ("threshold", ops.threshold(inputs), np.heaviside(grid, 0.0)),
    ]
    ctx.note("keras.activations.leaky_relu keeps its slope in float32 (tf.nn.leaky_relu's alpha "
             "attribute), so in float64 a slope of 0.01 is applied as 0.009999999776; tfref.ops "
             "applies the slope in the input's dtype. The comparison uses slope 0.125, exact in both.")
    for name, ours, builtin in pairs:
        oracle = "numpy.heaviside(x, 0)" if name == "threshold" else f"keras.activations.{name}"
        ctx.claim_close(f"ops.{name} equals {oracle} (float64)", ours, builtin, atol=1e-15, rtol=1e-12)
    logits = ctx.rng.normal(scale=5.0, size=(max(len(grid) // 50, 4), 6))
    ctx.claim_close("ops.softmax equals keras.activations.softmax (float64)", ops.softmax(logits),
              keras.activations.softmax(tf.constant(logits)), atol=1e-15, rtol=1e-12)
    groups = ctx.rng.normal(size=(16, 12))
    reference = groups.reshape(16, 3, 4).max(axis=-1)  # 3 units of 4 consecutive inputs each
    ctx.claim_close("ops.maxout(x, num_units=3) equals the max of each group of 4 (NumPy reshape)",
              ops.maxout(groups, num_units=3), reference, atol=0.0, rtol=0.0)


def _plot_elementwise(ctx: RunContext, grid: np.ndarray) -> None:
    for name, (function, derivative, kinks) in ELEMENTWISE.items():
        values = np.asarray(function(grid))
        slopes = np.asarray(derivative(grid), dtype=np.float64)
        with ctx.figure(name) as (fig, ax):
            if name == "maxout":
                for k, (slope, intercept) in enumerate(zip(MAXOUT_SLOPES, MAXOUT_INTERCEPTS,
                                                           strict=True)):
                    ax.plot(grid, slope * grid + intercept, color="0.55", linewidth=0.9,
                            linestyle=":", label="pieces a_k x + c_k" if k == 0 else None)
            drawstyle = "steps-mid" if name == "threshold" else "default"
            ax.plot(grid, values, color="C0", linewidth=2.0, label=f"{name}(x)",
                    drawstyle=drawstyle)
            # A break in the derivative line at each kink, where it does not exist.
            broken = slopes.copy()
            for kink in kinks:
                broken[np.argmin(np.abs(grid - kink))] = np.nan
            ax.plot(grid, broken, color="C3", linewidth=1.5, linestyle="--",
                    label=f"{name}'(x)")
            ax.axhline(0.0, color="black", linewidth=0.5)
            ax.axvline(0.0, color="black", linewidth=0.5)
            if name == "maxout":
                ax.set_ylim(-3.0, 5.0)
            ax.set_title(f"{name} and its derivative")
            ax.set_xlabel("x")
            ax.legend(loc="lower right" if name == "maxout" else "best", fontsize=8)
            ax.grid(alpha=0.3)


def _plot_softmax(ctx: RunContext, grid: np.ndarray) -> None:
    logits = np.stack([grid, np.zeros_like(grid), -np.ones_like(grid)], axis=1)  # (n, 3)
    probabilities = ops.softmax(logits).numpy()
    jacobian_diagonal = np.diagonal(ops.softmax_jacobian(logits).numpy(), axis1=1, axis2=2)
    labels = ["x", "0", "-1"]
    with ctx.figure("softmax") as (fig, ax):
        for i, label in enumerate(labels):
            ax.plot(grid, probabilities[:, i], color=f"C{i}", linewidth=2.0,
                    label=f"softmax_{i} (input {label})")
            ax.plot(grid, jacobian_diagonal[:, i], color=f"C{i}", linestyle="--", linewidth=1.2,
                    label=f"d softmax_{i} / d input_{i}")
        ax.axhline(0.0, color="black", linewidth=0.5)
        ax.set_title("softmax([x, 0, -1]) and its Jacobian diagonal")
        ax.set_xlabel("x")
        ax.legend(loc="center right", fontsize=7)
        ax.grid(alpha=0.3)


def run(ctx: RunContext) -> None:
    num_points = 401 if ctx.quick else 4001  # odd, so the grids pass through x = 0 exactly
    grid = np.linspace(-10.0, 10.0, num_points)

    _check_ranges(ctx, num_points)
    _check_sigmoid_facts(ctx, grid)
    _check_derivatives(ctx, np.linspace(-6.0, 6.0, num_points))
    _check_builtins(ctx, grid)

    plot_grid = np.linspace(-4.0, 4.0, 801)
    _plot_elementwise(ctx, plot_grid)
    _plot_softmax(ctx, np.linspace(-6.0, 6.0, 801))


if __name__ == "__main__":  # python -m tfref.topics.activations [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
