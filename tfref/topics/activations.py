"""Activation functions beside their derivatives, checked against autodiff and SciPy/NumPy;
002's own activation plots and its claims about them.

Threshold, sigmoid, tanh, linear, ReLU, leaky ReLU, maxout and softmax; one plot per function,
and 002's six plots (002:786-988) as its code draws them.

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
    002's plots: threshold on linspace(-1, 1, 50) (tf.where(x < 0, 0, 1)), sigmoid and tanh on
    linspace(-10, 10, 50), relu on linspace(-10, 10, 30), "linear" = a random Dense(3 -> 1)
    (W, b ~ N(0, 2^2)) of linspace(-10, 10, 30).reshape(10, 3) drawn against
    linspace(-10, 10, 10), softmax of the one 30-vector linspace(-10, 10, 30).

Symbols -> names: x -> inputs / grid, s -> ops.sigmoid(x), alpha -> LEAKY_ALPHA,
a_k, c_k -> MAXOUT_SLOPES, MAXOUT_INTERCEPTS, y_i -> ops.softmax(x)[i], eta -> learning rate.

Deviations: 000 writes tanh as (e^x + e^-x) / (e^x - e^-x) (that is coth) and 002 as
(1-exp(-2x)/(1+exp(-2x))) (misplaced parenthesis); the code uses the correct tanh (errata 1, 2).
002's threshold returns 1 at x = 0 (tf.where(x < 0, 0, 1)); the contract's is 0 there (the
as-in-002 plot uses 002's; its grid has no point at 0). The derivative claims use grids that
avoid the kinks at x = 0, where ReLU, leaky ReLU and threshold have no derivative. tfref's own
plots add each function's derivative; 002's are drawn beside them as written. 002's "linear
activation" plot is a random affine map (not y = x) and its softmax plot a distribution over 30
entries (not a function of x): the claims say so. The ReLU experiment uses digits (bundled).

Expect: eight plots, one per function with its derivative, and 002's six plots in one figure;
the claims show that every hand derivative equals GradientTape's (difference 0 on 4000-point
grids, 3.1e-16 for the softmax Jacobian), sigmoid'(0) = 0.25 and tanh'(0) = 1 by autodiff and
finite differences (002:998), each activation equals SciPy/NumPy in float64, a threshold unit
gets gradient exactly 0 and does not move in 20 steps while a sigmoid unit's loss falls to 0.26
of its start (002:995), a fresh ReLU layer on digits outputs 51% exact zeros and after 20 steps
at eta 3.0 84% of its units never fire (0% at eta 0.1) with exactly zero gradient (002:1007).
Sigmoid and tanh stay strictly inside their ranges, within 9.4e-14 and 1.9e-13 of the ends
(--quick: grids of 401 points).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from scipy import special

from tfref import ops
from tfref.data import load_classification
from tfref.topics._base import RunContext

ID = "activations"
TITLE = "Activation functions and their derivatives"
CHAPTER = "A"
SEEDS = ("000", "001", "002")
OPTIONS = ()  # honours no run option (tfref run refuses them)

# The leaky ReLU's slope for x < 0 (plots and checks).
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


def _check_oracles(ctx: RunContext, grid: np.ndarray) -> None:
    """Each activation against an independent float64 oracle (SciPy or NumPy, not TensorFlow:
    keras.activations runs the same TF kernels as tfref.ops, so it could not catch a slip)."""
    pairs = [
        ("sigmoid", ops.sigmoid(grid), special.expit(grid), "scipy.special.expit"),
        ("tanh", ops.tanh(grid), np.tanh(grid), "numpy.tanh"),
        ("relu", ops.relu(grid), np.maximum(grid, 0.0), "numpy.maximum(x, 0)"),
        ("leaky_relu", _leaky_relu(grid), np.where(grid > 0, grid, LEAKY_ALPHA * grid),
         "numpy.where(x > 0, x, alpha x)"),
        ("linear", ops.linear(grid), grid, "x itself"),
        ("threshold", ops.threshold(grid), np.heaviside(grid, 0.0), "numpy.heaviside(x, 0)"),
    ]
    for name, ours, oracle, oracle_name in pairs:
        ctx.claim_close(f"ops.{name} equals {oracle_name} (float64)", np.asarray(ours), oracle,
                        atol=1e-15, rtol=1e-12)
    logits = ctx.rng.normal(scale=5.0, size=(max(len(grid) // 50, 4), 6))
    ctx.claim_close("ops.softmax equals scipy.special.softmax (float64)", ops.softmax(logits),
                    special.softmax(logits, axis=-1), atol=1e-15, rtol=1e-12)
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


# -- 002's own code and grids (002:786-988) ------------------------------------------------------
def threshold_as_in_002(x):
    """002's threshold: tf.where(x < 0, 0, 1), so 1 at x = 0 (ops.threshold gives 0 there)."""
    x = tf.constant(x, dtype=tf.float64)
    return tf.where(x < 0, tf.zeros_like(x), tf.ones_like(x))


def curves_as_in_002(rng: np.random.Generator) -> dict:
    """Each of 002's six plots as its code computes it: name -> (x plotted, y plotted, title).

    The "linear" plot is a random Dense(3 -> 1) (W ~ N(0, 2^2) (3, 1), b ~ N(0, 2^2)) applied to
    linspace(-10, 10, 30).reshape(10, 3) and drawn against linspace(-10, 10, 10); the softmax
    plot is softmax of one 30-vector, linspace(-10, 10, 30).
    """
    curves = {}
    h = np.linspace(-1.0, 1.0, 50)
    curves["threshold"] = (h, threshold_as_in_002(h).numpy(), "threhold activation")
    h = np.linspace(-10.0, 10.0, 50)
    curves["sigmoid"] = (h, ops.sigmoid(h).numpy(), "sigmoid activation")
    curves["tanh"] = (h, ops.tanh(h).numpy(), "tanh activation")
    h = np.linspace(-10.0, 10.0, 30)
    w = rng.normal(scale=2.0, size=(3, 1))
    b = rng.normal(scale=2.0, size=(1,))
    linear_out = (tf.matmul(tf.constant(h.reshape(10, 3)), tf.constant(w)) + b).numpy()
    curves["linear"] = (np.linspace(-10.0, 10.0, len(linear_out)), linear_out.reshape(-1),
                        "liner activation")
    curves["linear-weights"] = (w, b)
    curves["relu"] = (h, ops.relu(h).numpy(), "relu activation")
    curves["softmax"] = (h, ops.softmax(h).numpy(), "softmax activation")
    return curves


def _check_as_in_002(ctx: RunContext, curves: dict) -> None:
    """002's plots against independent float64 oracles, and what each of them really draws."""
    grid, values, _ = curves["threshold"]
    ctx.claim_close("002's threshold (tf.where(x < 0, 0, 1)) equals ops.threshold on 002's grid "
                    "linspace(-1, 1, 50), which has no point at 0", values,
                    ops.threshold(grid).numpy(), atol=0.0, rtol=0.0)
    ctx.claim("... and differs at x = 0: 002's gives 1, ops.threshold (and numpy.heaviside(0, 0)) "
              "0", float(threshold_as_in_002([0.0])[0]) == 1.0
              and float(ops.threshold(np.array([0.0]))[0]) == 0.0,
              measured=f"002 {float(threshold_as_in_002([0.0])[0]):g}, "
                       f"ops {float(ops.threshold(np.array([0.0]))[0]):g}")
    grid, values, _ = curves["sigmoid"]
    ctx.claim_close("002's sigmoid plot (linspace(-10, 10, 50)) equals scipy.special.expit "
                    "(float64)", values, special.expit(grid), atol=1e-15, rtol=1e-12)
    grid, values, _ = curves["tanh"]
    ctx.claim_close("002's tanh plot equals numpy.tanh (float64)", values, np.tanh(grid),
                    atol=1e-15, rtol=1e-12)
    grid, values, _ = curves["relu"]
    ctx.claim_close("002's relu plot (linspace(-10, 10, 30)) equals max(0, x) (NumPy)", values,
                    np.maximum(grid, 0.0), atol=0.0, rtol=0.0)
    # 002's "linear activation" is a random affine map of rows of three grid points: the plotted
    # line has slope (27/29) * sum(W) in the plotted x (3 grid steps of 20/29 per plotted step of
    # 20/9), not the identity the text describes.
    grid, values, _ = curves["linear"]
    w, b = curves["linear-weights"]
    slope, intercept = np.polyfit(grid, values, 1)
    ctx.claim_close("002's 'linear' plot is a straight line (residual of a NumPy line fit)",
                    values, slope * grid + intercept, atol=1e-10, rtol=0.0)
    ctx.claim_close("... of slope (27/29) * sum(W) for its random W ~ N(0, 2^2): a random affine "
                    "map, not the identity y = x", slope, 27.0 / 29.0 * float(np.sum(w)),
                    atol=1e-10, rtol=1e-9)
    ctx.note(f"002's 'linear' plot this run: slope {slope:.3f}, intercept {intercept:.3f} "
             f"(W = {np.round(np.ravel(w), 3).tolist()}, b = {float(b[0]):.3f}).")
    grid, values, _ = curves["softmax"]
    ctx.claim_close("002's softmax plot (one 30-vector, linspace(-10, 10, 30)) equals "
                    "scipy.special.softmax (float64)", values, special.softmax(grid),
                    atol=1e-15, rtol=1e-12)
    ctx.claim_close("... and is an exponential over the 30 entries: log y grows by the grid step "
                    "20/29 from entry to entry", np.diff(np.log(values)),
                    np.full(len(values) - 1, 20.0 / 29.0), atol=1e-12, rtol=0.0)
    ctx.note(f"002's softmax plot puts {values[-1]:.3f} of the mass on the last of its 30 entries "
             "and draws the distribution over them, not a function of x.")


def _plot_as_in_002(ctx: RunContext, curves: dict) -> None:
    names = ("threshold", "sigmoid", "tanh", "linear", "relu", "softmax")
    with ctx.figure("as-in-002", nrows=2, ncols=3, figsize=(11.0, 6.4)) as (fig, axes):
        for ax, name in zip(np.ravel(axes), names, strict=True):
            grid, values, title = curves[name]
            ax.plot(grid, values)
            ax.set_title(f"{title} (002's code)", fontsize=9)
            ax.set_xlabel("x")
            ax.set_ylabel("y")
            ax.grid(alpha=0.3)


# -- 002:995 a threshold unit cannot be trained by gradient descent ------------------------------
def unit_descent(activation, x, y, w, b, learning_rate: float, steps: int):
    """Plain gradient descent on one unit a(x w + b) with the squared error, GradientTape
    gradients (unconnected = 0); returns the final (w, b), the losses and the first gradients."""
    w, b = tf.Variable(w), tf.Variable(b)
    losses, first = [], None
    for _ in range(steps + 1):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(activation(tf.matmul(x, w) + b) - y))
        gradients = tape.gradient(loss, [w, b],
                                  unconnected_gradients=tf.UnconnectedGradients.ZERO)
        losses.append(float(loss))
        if first is None:
            first = [g.numpy() for g in gradients]
        if len(losses) <= steps:
            w.assign_sub(learning_rate * gradients[0])
            b.assign_sub(learning_rate * gradients[1])
    return (w.numpy(), b.numpy()), np.array(losses), first


def _check_threshold_training(ctx: RunContext) -> None:
    rng = np.random.default_rng(ctx.seed + 11)
    x = rng.normal(size=(200, 2))
    y = (x @ np.array([[1.5], [-1.0]]) + 0.3 > 0).astype(np.float64)  # separable
    w0, b0 = rng.normal(size=(2, 1)), np.zeros(1)
    x_t, y_t = tf.constant(x), tf.constant(y)
    steps, eta = 20, 5.0
    (w, b), losses, first = unit_descent(ops.threshold, x_t, y_t, w0, b0, eta, steps)
    ctx.claim_close("002:995 threshold unit: GradientTape's dL/dw and dL/db are exactly 0 "
                    "(L = mean squared error, 200 separable points)",
                    np.concatenate([np.ravel(g) for g in first]), np.zeros(3), atol=0.0, rtol=0.0)

    def threshold_loss(w_flat):
        return float(np.mean((np.heaviside(x @ w_flat.reshape(2, 1) + b0, 0.0) - y) ** 2))

    eps = 1e-6
    central = [(threshold_loss(w0.ravel() + eps * e) - threshold_loss(w0.ravel() - eps * e))
               / (2 * eps) for e in np.eye(2)]
    ctx.claim_close("... and central differences (NumPy, eps 1e-6) agree: the loss is flat in w "
                    "almost everywhere", np.array(central), np.zeros(2), atol=0.0, rtol=0.0)
    ctx.claim_close(f"... so {steps} gradient-descent steps (eta {eta:g}) leave its weights, "
                    "bias and loss unchanged", np.concatenate([np.ravel(w), b, losses[-1:]]),
                    np.concatenate([np.ravel(w0), b0, losses[:1]]), atol=0.0, rtol=0.0)
    (_, _), sigmoid_losses, sigmoid_first = unit_descent(ops.sigmoid, x_t, y_t, w0, b0, eta, steps)
    # Calibrated over seeds 0-4: the sigmoid unit's loss fell to 0.262, 0.113, 0.403, 0.193,
    # 0.301 of its start (bound 0.6 = max + ~0.2); the largest entry of its first gradient was
    # 0.107, 0.137, 0.064, 0.127, 0.092 (bound 0.03 = min - ~0.03).
    ctx.claim_less(f"control: a sigmoid unit from the same start and the same {steps} steps "
                   "lowers its loss below 0.6 of the start (seeds 0-4: 0.11-0.40; bound max + "
                   "0.2)", sigmoid_losses[-1] / sigmoid_losses[0], 0.6)
    ctx.claim_greater("control: the sigmoid unit's first gradient is not 0 (largest |entry|; "
                      "seeds 0-4: 0.064-0.137)",
                      float(np.max(np.abs(np.concatenate([np.ravel(g) for g in sigmoid_first])))),
                      0.03)
    ctx.note(f"Threshold unit: loss {losses[0]:.3f} -> {losses[-1]:.3f} in {steps} steps; "
             f"sigmoid unit {sigmoid_losses[0]:.3f} -> {sigmoid_losses[-1]:.3f}. The perceptron "
             "rule (topic perceptron) trains a threshold unit without gradients.")


# -- 002:998-1001 tanh is steeper than sigmoid at 0 ----------------------------------------------
def _check_steepness(ctx: RunContext) -> None:
    zero = np.array([0.0])
    tape_tanh = float(autodiff_derivative(ops.tanh, zero)[0])
    tape_sigmoid = float(autodiff_derivative(ops.sigmoid, zero)[0])
    eps = 1e-5
    fd_tanh = float((ops.tanh(np.array([eps])) - ops.tanh(np.array([-eps])))[0]) / (2 * eps)
    fd_sigmoid = float((ops.sigmoid(np.array([eps])) - ops.sigmoid(np.array([-eps])))[0]) / (2 * eps)
    ctx.claim_close("002:998 tanh'(0) by GradientTape equals central differences (float64, eps "
                    "1e-5), and is 1", [tape_tanh, fd_tanh], [1.0, 1.0], atol=1e-10, rtol=0.0)
    ctx.claim_close("sigmoid'(0) by GradientTape equals central differences, and is 0.25",
                    [tape_sigmoid, fd_sigmoid], [0.25, 0.25], atol=1e-10, rtol=0.0)
    ctx.claim_close("tanh is 4 times steeper than sigmoid at 0 (ratio of the tape derivatives)",
                    tape_tanh / tape_sigmoid, 4.0, atol=0.0, rtol=1e-12)
    grid = np.linspace(0.0, 6.0, 6001)
    steeper = autodiff_derivative(ops.tanh, grid) > autodiff_derivative(ops.sigmoid, grid)
    crossing = grid[np.argmin(steeper)]
    ctx.note(f"tanh'(x) > sigmoid'(x) only for |x| < {crossing:.3f} (tape derivatives on a grid of "
             "step 0.001); beyond, tanh saturates faster (1 - tanh^2 ~ 4 exp(-2|x|) against "
             "sigmoid' ~ exp(-|x|)), so 002's 'steeper derivative' holds near 0 only.")


# -- 002:1007 ReLU: sparse activation and dying units --------------------------------------------
def relu_network_descent(x, labels, rng: np.random.Generator, learning_rate: float, steps: int,
                         hidden: int = 64):
    """A 64-ReLU hidden layer and a softmax output, full-batch gradient descent with GradientTape
    on the cross-entropy (float32, Glorot-uniform weights, zero biases).

    Returns the hidden activations on ``x`` before and after training, the first layer's
    (kernel, bias) and the trained parameters' gradients at the end."""
    def glorot(fan_in, fan_out):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return tf.Variable(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32))

    w1, w2 = glorot(x.shape[1], hidden), glorot(hidden, int(labels.max()) + 1)
    b1, b2 = tf.Variable(tf.zeros(hidden)), tf.Variable(tf.zeros(w2.shape[1]))
    x = tf.constant(x, tf.float32)
    variables = [w1, b1, w2, b2]

    def loss_and_gradients():
        with tf.GradientTape() as tape:
            logits = tf.matmul(ops.relu(tf.matmul(x, w1) + b1), w2) + b2
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        return loss, tape.gradient(loss, variables)

    before = ops.relu(tf.matmul(x, w1) + b1).numpy()
    for _ in range(steps):
        _, gradients = loss_and_gradients()
        for variable, gradient in zip(variables, gradients, strict=True):
            variable.assign_sub(learning_rate * gradient)
    _, gradients = loss_and_gradients()
    after = ops.relu(tf.matmul(x, w1) + b1).numpy()
    return before, after, [g.numpy() for g in gradients]


def _check_relu_sparsity(ctx: RunContext) -> None:
    splits = load_classification("digits", seed=ctx.seed)
    x, labels = splits.x_train, splits.y_train
    ctx.note(f"ReLU experiment data: {splits.summary()}.")
    steps, small, large = 20, 0.1, 3.0
    before, after_small, _ = relu_network_descent(x, labels, np.random.default_rng(ctx.seed),
                                                  small, steps)
    _, after_large, gradients = relu_network_descent(x, labels, np.random.default_rng(ctx.seed),
                                                     large, steps)
    zeros = float(np.mean(before == 0.0))
    dead_small = float(np.mean(np.all(after_small == 0.0, axis=0)))
    dead = np.all(after_large == 0.0, axis=0)
    # Calibrated over seeds 0-4 (20 full-batch steps, 64 hidden units): exact zeros at init
    # 0.507, 0.539, 0.498, 0.517, 0.475 (bound 0.4 = min - ~0.075); units dead on every training
    # row after eta 3.0: 0.844, 0.891, 0.891, 0.891, 0.828 (bound 0.65 = min - ~0.18); after
    # eta 0.1: 0, 0.031, 0.031, 0.047, 0 (bound 0.2 = max + ~0.15).
    ctx.claim_greater("002:1007 sparse activation: share of exact zeros among the hidden ReLU "
                      "outputs of a fresh 64-unit layer on digits (seeds 0-4: 0.48-0.54; bound "
                      "min - 0.075; a sigmoid or tanh layer has none)", zeros, 0.4)
    ctx.claim_greater(f"dying ReLU: after {steps} full-batch steps at eta {large:g}, share of "
                      "hidden units that output 0 on every training row (seeds 0-4: 0.83-0.89; "
                      "bound min - 0.18)", float(np.mean(dead)), 0.65)
    ctx.claim_less(f"... against eta {small:g}: share of dead units (seeds 0-4: 0.00-0.05; bound "
                   "max + 0.15)", dead_small, 0.2)
    if dead.any():
        ctx.claim_close("a dead unit cannot recover: GradientTape's gradient of the loss for its "
                        "incoming weights and bias is exactly 0",
                        np.concatenate([gradients[0][:, dead].ravel(), gradients[1][dead]]),
                        np.zeros(int(dead.sum()) * (x.shape[1] + 1)), atol=0.0, rtol=0.0)


def run(ctx: RunContext) -> None:
    num_points = 401 if ctx.quick else 4001  # odd, so the grids pass through x = 0 exactly
    grid = np.linspace(-10.0, 10.0, num_points)

    _check_ranges(ctx, num_points)
    _check_sigmoid_facts(ctx, grid)
    _check_derivatives(ctx, np.linspace(-6.0, 6.0, num_points))
    _check_oracles(ctx, grid)
    _check_threshold_training(ctx)
    _check_steepness(ctx)
    _check_relu_sparsity(ctx)

    plot_grid = np.linspace(-4.0, 4.0, 801)
    _plot_elementwise(ctx, plot_grid)
    _plot_softmax(ctx, np.linspace(-6.0, 6.0, 801))
    curves = curves_as_in_002(ctx.rng)
    _check_as_in_002(ctx, curves)
    _plot_as_in_002(ctx, curves)


if __name__ == "__main__":  # python -m tfref.topics.activations [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
