"""Batch, stochastic and mini-batch gradient descent on a real regression problem.

Seed 004 (sections 1-2): batch gradient descent processes all m examples for each step; mini-batch
gradient descent splits them into mini-batches X^{t}, Y^{t} and steps once per mini-batch, so one
pass (an epoch) makes many steps. Batch size m is batch GD, batch size 1 is stochastic GD (SGD).
Batch GD's cost falls at every iteration (if it rises, the learning rate is too large); the
mini-batch cost J^{t} is noisy, trending down; SGD never settles at the minimum but wanders near
it. Typical mini-batch sizes are powers of two, 64 to 512. Here: least-squares linear regression
of disease progression on scikit-learn's bundled diabetes data (m = 442 patients, 10 features,
standardised), where the optimum is known in closed form.

Formula:
    J^{t}(w, b) = 1/(2 B_t) * sum_(i in mini-batch t) (w . x^(i) + b - y^(i))^2
    for each epoch: shuffle; for t = 1 .. ceil(m / B):   (the last mini-batch may be smaller)
        w := w - alpha * dJ^{t}/dw;   b := b - alpha * dJ^{t}/db
    batch GD: B = m (one step per epoch);  SGD: B = 1 (m steps per epoch)
    closed form: [w; b] = argmin J = least-squares solution of [X 1] [w; b] = y

Symbols: m -> ``m``; B -> ``batch_size``; alpha -> ``learning_rate``; J^{t} -> the per-iteration
costs returned by ``run_epoch``; w, b -> ``weights``, ``bias``; X, Y -> ``x``, ``y``.

Deviations: seed 004 trains a neural network on 5 million examples; this topic uses linear
regression on a small real data set so the optimum is exact and every run takes seconds, and
adds a bias column to the closed form. The seed's arithmetic "5000 x 1000 = 50 million" is
erratum 8 (it is 5 million). Learning rates come from the largest eigenvalue of the Hessian
X^T X / m, which the seed does not discuss. ``--epochs N`` sets the passes of mini-batch GD and
SGD; batch GD keeps its budget of iterations (one per pass; it needs hundreds). The seed's
advice to use batch GD below 2000 examples and powers of two from 64 to 512 otherwise (004:65)
is about wall time; timings on a shared machine are benchmarks, not claims, so the topic claims
the steps per epoch and each size's excess cost after one epoch instead (a note says so).

Expect: seed 004's 5,000,000 examples in mini-batches of 1000 make 5000 mini-batches (erratum 8: 5
million, not 50 million), and tf.data agrees with ceil(m / B). On the diabetes least squares, batch
GD's cost falls at every one of its 1000 iterations, mini-batch (B = 64) and SGD costs rise at
about half of theirs (0.50) yet end 0.0072 and 0.0070 (relative) above the optimum J* = 0.24113,
and alpha = 2.2 / lambda_max multiplies J by 12069 in 30 iterations; the plot shows the cost per
iteration (--quick: SGD ends 0.023 above J*). In the seed's notation X is (n_x, m) = (10, 442)
and X^{t} (10, 64); one epoch over the X^{t} in that column convention gives the compiled epoch's
J^{t}. A mini-batch gradient approximates the full one: its cosine with it rises 0.26, 0.59,
0.85, 0.97, 1.00 for b = 1, 4, 16, 64, 256, its variance follows sigma^2 / b (m - b) / (m - 1).
On two features (bmi, s5) the descent paths cross the contours of J: batch GD straight down,
SGD wandering; a rate decayed as 0.02 / (1 + epoch) cuts SGD's excess cost in its last epoch to
about 0.05-0.1 of the constant rate's. With m = 442 B = 512 is batch GD itself; on a simulated
set of 4096 examples every B = 64-512 is a real mini-batch and after one epoch is about 0.15 of
batch GD's (J - J*) / J*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf

from tfref.data import load_embedded
from tfref.topics._base import RunContext

ID = "gd-variants"
TITLE = "Batch, stochastic and mini-batch gradient descent"
CHAPTER = "B"
SEEDS = ("000", "001", "003", "004")
OPTIONS = ('epochs',)  # the run options this topic honours (tfref run refuses others)

MINI_BATCH_SIZES = (64, 128, 256, 512)
LARGE_M = 4096  # examples in the simulated set for seed 004's advice on sizes 64-512
PATH_FEATURES = (2, 8)  # bmi and s5: the 2-parameter problem whose contours the paths cross


def num_minibatches(m: int, batch_size: int) -> int:
    """ceil(m / batch_size): the mini-batches of one epoch, the last one possibly smaller."""
    if m < 1 or batch_size < 1:
        raise ValueError(f"m and batch_size must be >= 1; got m={m}, batch_size={batch_size}")
    return -(-m // batch_size)


@tf.function(reduce_retracing=True)
def run_epoch(weights, bias, x, y, batch_size, learning_rate):
    """One pass over (x, y) in order, one gradient step per mini-batch; returns J^{t} per step.

    Compiled as a whole (the loop over mini-batches runs inside the graph). The cost recorded
    for step t is the mini-batch cost before that step's update.
    """
    m = tf.shape(x)[0]
    steps = (m + batch_size - 1) // batch_size  # ceil(m / B)
    costs = tf.TensorArray(x.dtype, size=steps)
    for t in tf.range(steps):
        start = t * batch_size
        end = tf.minimum(start + batch_size, m)
        x_batch, y_batch = x[start:end], y[start:end]  # (B_t, n), (B_t,)
        with tf.GradientTape() as tape:
            residual = tf.linalg.matvec(x_batch, weights) + bias - y_batch  # (B_t,)
            cost = 0.5 * tf.reduce_mean(tf.square(residual))
        grad_weights, grad_bias = tape.gradient(cost, [weights, bias])
        weights.assign_sub(learning_rate * grad_weights)
        bias.assign_sub(learning_rate * grad_bias)
        costs = costs.write(t, cost)
    return costs.stack()  # (ceil(m / B),)


def full_cost(x: np.ndarray, y: np.ndarray, weights: np.ndarray, bias: float) -> float:
    """J(w, b) = 1/(2m) sum (w . x + b - y)^2 over all m examples (NumPy, float64)."""
    residual = x @ weights + bias - y
    return float(0.5 * np.mean(residual**2))


def train(x, y, batch_size: int, learning_rate: float, epochs: int, rng, *, shuffle: bool = True):
    """Gradient descent with mini-batches of ``batch_size`` from w = 0, b = 0.

    Returns (per-iteration costs J^{t} over all epochs, full-data cost after each epoch,
    steps per epoch, final weights, final bias).
    """
    m, n = x.shape
    weights = tf.Variable(tf.zeros(n, tf.float64))
    bias = tf.Variable(tf.zeros((), tf.float64))
    size = tf.constant(batch_size)
    rate = tf.constant(learning_rate, tf.float64)
    per_iteration, per_epoch, steps = [], [], []
    for _ in range(epochs):
        order = rng.permutation(m) if shuffle and batch_size < m else np.arange(m)
        costs = run_epoch(weights, bias, tf.constant(x[order]), tf.constant(y[order]), size, rate)
        per_iteration.append(costs.numpy())
        steps.append(len(costs))
        per_epoch.append(full_cost(x, y, weights.numpy(), float(bias.numpy())))
    return (
        np.concatenate(per_iteration),
        np.array(per_epoch),
        steps,
        weights.numpy(),
        float(bias.numpy()),
    )


def run(ctx: RunContext) -> None:
    data = load_embedded("diabetes")
    x = np.asarray(data.x, dtype=np.float64)
    y = np.asarray(data.y, dtype=np.float64)
    x = (x - x.mean(axis=0)) / x.std(axis=0)  # (442, 10), standardised features
    y = (y - y.mean()) / y.std()  # standardised target: costs are O(1)
    m, n = x.shape
    ctx.note(
        f"Data: {data.name} ({data.source}): {data.description}; features and target "
        f"standardised; m = {m}, n = {n}."
    )

    design = np.c_[x, np.ones(m)]  # (m, n + 1): [X 1]
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    best_cost = full_cost(x, y, solution[:n], solution[n])
    _check_closed_form(ctx, x, y, solution)
    eigenvalues = np.linalg.eigvalsh(design.T @ design / m)  # Hessian of J
    rate = 1.0 / eigenvalues.max()
    ctx.note(
        f"Hessian X^T X / m has eigenvalues {eigenvalues.min():.4f} .. {eigenvalues.max():.3f} "
        f"(condition number {eigenvalues.max() / eigenvalues.min():.0f}); batch GD uses "
        f"alpha = 1 / lambda_max = {rate:.4f}, below 2 / lambda_max, so its cost falls at every "
        f"step. Closed-form optimum J* = {best_cost:.5f}."
    )

    _check_counts(ctx, x, y, m, rate)
    _check_against_numpy(ctx, x, y, rate)

    epochs = ctx.train.epochs
    batch_epochs = 150 if ctx.quick else 1000  # one step per pass: it needs hundreds
    mini_epochs = epochs or (15 if ctx.quick else 60)
    sgd_epochs = epochs or (5 if ctx.quick else 20)
    mini_rate, sgd_rate = 0.1, (0.005 if ctx.quick else 0.002)
    runs = {
        "batch GD (B = m)": train(x, y, m, rate, batch_epochs, ctx.rng),
        "mini-batch GD (B = 64)": train(x, y, 64, mini_rate, mini_epochs, ctx.rng),
        "SGD (B = 1)": train(x, y, 1, sgd_rate, sgd_epochs, ctx.rng),
    }
    ctx.note(
        f"Epochs: batch GD {batch_epochs}, mini-batch {mini_epochs}, SGD {sgd_epochs}. "
        f"Smaller steps for the noisier gradients: alpha = {mini_rate} for B = 64, "
        f"{sgd_rate} for SGD."
    )
    batch_costs, mini_costs, sgd_costs = (runs[k][0] for k in runs)
    ctx.claim(
        f"batch GD: J falls at every one of its {len(batch_costs)} iterations "
        f"(alpha = 1/lambda_max)",
        bool(np.all(np.diff(batch_costs) < 0)),
        expected="every step down",
        measured=f"{int(np.sum(np.diff(batch_costs) >= 0))} rises",
    )
    # Quick, seeds 0-4: SGD rises at 0.491-0.514 of its iterations, B = 64 at 0.462-0.529;
    # floors 0.4 (margins 0.09 and 0.06). Full mode keeps the older floors 0.2 and 0.1 (not
    # recalibrated: full runs were not repeated over seeds).
    sgd_floor, mini_floor = (0.4, 0.4) if ctx.quick else (0.2, 0.1)
    with ctx.calibrated_for("epochs"):
        ctx.claim_greater(
            "SGD: share of iterations where J^{t} rises (noisy, not monotone; quick seeds 0-4: "
            "0.49-0.51)",
            np.mean(np.diff(sgd_costs) > 0),
            sgd_floor,
        )
        ctx.claim_greater(
            "mini-batch GD (B = 64): share of iterations where J^{t} rises (noisy; quick seeds "
            "0-4: 0.46-0.53)",
            np.mean(np.diff(mini_costs) > 0),
            mini_floor,
        )
    too_large = train(x, y, m, 2.2 / eigenvalues.max(), 30, ctx.rng)[0]
    ctx.claim_greater(
        "batch GD with alpha = 2.2 / lambda_max (too large): J after 30 iterations / J at "
        "the start (it diverges: measured 12069 with no seed entering; bound 1000)",
        too_large[-1] / too_large[0],
        1000.0,
    )

    # Quick ceilings from seeds 0-4 (highest seen plus a margin): batch GD 0.0041 (no seed
    # enters) -> 0.006; B = 64 0.0073-0.0162 -> 0.025; SGD 0.012-0.029 -> 0.04. Full mode keeps
    # 0.001, 0.03, 0.03 (not recalibrated over seeds).
    tolerances = {
        "batch GD (B = m)": 0.006 if ctx.quick else 0.001,
        "mini-batch GD (B = 64)": 0.025 if ctx.quick else 0.03,
        "SGD (B = 1)": 0.04 if ctx.quick else 0.03,
    }
    with ctx.calibrated_for("epochs"):
        for label, (_, per_epoch, _, _, _) in runs.items():
            ctx.claim_less(
                f"{label}: final (J - J*) / J*, J* the closed-form least-squares optimum",
                (per_epoch[-1] - best_cost) / best_cost,
                tolerances[label],
            )
    after_one = {label: per_epoch[0] for label, (_, per_epoch, _, _, _) in runs.items()}
    ctx.claim_less(
        f"after one epoch, mini-batch GD's cost ({num_minibatches(m, 64)} steps) is below "
        f"batch GD's (1 step)",
        after_one["mini-batch GD (B = 64)"],
        after_one["batch GD (B = m)"],
    )
    ctx.claim_less(
        f"after one epoch, SGD's cost ({m} steps) is below batch GD's (1 step)",
        after_one["SGD (B = 1)"],
        after_one["batch GD (B = m)"],
    )
    sizes = {
        size: train(x, y, size, mini_rate, mini_epochs, ctx.rng)[1]
        for size in (*MINI_BATCH_SIZES, m)
    }
    ctx.note(
        f"On these m = {m} examples (seed 004: below 2000, use batch GD) B = 512 >= m is one "
        f"mini-batch of all examples, batch GD itself; the claims on sizes 64-512 use a set of "
        f"{LARGE_M} examples instead (below)."
    )
    _plot(ctx, runs, sizes, best_cost, mini_epochs, m, mini_rate)
    _check_notation(ctx, x, y)
    _check_gradient_estimate(ctx, x, y)
    _check_large_set(ctx, x, y, solution)
    _check_paths(ctx, x, y)


def _check_closed_form(ctx: RunContext, x, y, solution) -> None:
    from sklearn.linear_model import LinearRegression

    reference = LinearRegression().fit(x, y)
    ctx.claim_close(
        "closed-form least squares [w; b] equals sklearn LinearRegression (coef_, intercept_)",
        solution,
        np.r_[reference.coef_, reference.intercept_],
        atol=1e-9,
        rtol=1e-9,
    )


def _check_counts(ctx: RunContext, x, y, m: int, rate: float) -> None:
    sizes = (1, *MINI_BATCH_SIZES, m)
    formula = [num_minibatches(m, size) for size in sizes]
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    counted = [int(dataset.batch(size).reduce(0, lambda count, _: count + 1)) for size in sizes]
    cardinality = [int(dataset.batch(size).cardinality()) for size in sizes]
    stepped = [
        train(x, y, size, 0.005 if size == 1 else rate, 1, np.random.default_rng(0))[2][0]
        for size in sizes
    ]
    shown = ", ".join(str(size) for size in sizes)
    ctx.claim_close(
        f"mini-batches per epoch = ceil(m / B) for B = {shown}, m = {m}: tf.data "
        f"Dataset.batch(B) yields that many",
        counted,
        formula,
        atol=0,
        rtol=0,
    )
    ctx.claim_close("... Dataset.batch(B).cardinality() agrees", cardinality, formula, atol=0, rtol=0)
    ctx.claim_close(
        "... and the compiled epoch takes that many gradient steps",
        stepped,
        formula,
        atol=0,
        rtol=0,
    )
    examples, batch = 5_000_000, 1000
    ctx.claim_close(
        "seed 004: 5,000,000 examples in mini-batches of 1000 make ceil(m / B) = 5000 "
        "mini-batches (Dataset.range(5e6).batch(1000).cardinality())",
        int(tf.data.Dataset.range(examples).batch(batch).cardinality()),
        5000,
        atol=0,
        rtol=0,
    )
    ctx.note(
        "Erratum 8 (documented arithmetic): 5000 mini-batches x 1000 examples = 5,000,000 "
        "examples; the seed says 50 million. The claim above counts the mini-batches tf.data "
        "makes of 5,000,000 examples."
    )


def _check_against_numpy(ctx: RunContext, x, y, rate: float) -> None:
    """The GradientTape step against the hand-derived gradient, several steps (not just one)."""
    m, n = x.shape
    _, _, _, weights, bias = train(x, y, m, rate, 20, np.random.default_rng(0))
    w, b = np.zeros(n), 0.0
    for _ in range(20):  # dJ/dw = X^T r / m, dJ/db = mean r
        residual = x @ w + b - y
        w, b = w - rate * x.T @ residual / m, b - rate * residual.mean()
    ctx.claim_close(
        "B = m: 20 compiled GradientTape steps equal 20 NumPy steps with dJ/dw = X^T r / m",
        np.r_[weights, bias],
        np.r_[w, b],
        atol=1e-12,
        rtol=1e-9,
    )
    sgd_rate, steps = 0.01, 50
    _, _, _, weights, bias = train(
        x[:steps], y[:steps], 1, sgd_rate, 1, np.random.default_rng(0), shuffle=False
    )
    w, b = np.zeros(n), 0.0
    for i in range(steps):  # one example per step
        residual = x[i] @ w + b - y[i]
        w, b = w - sgd_rate * residual * x[i], b - sgd_rate * residual
    ctx.claim_close(
        f"B = 1: {steps} SGD steps equal {steps} NumPy steps on one example each",
        np.r_[weights, bias],
        np.r_[w, b],
        atol=1e-12,
        rtol=1e-9,
    )


def _plot(
    ctx: RunContext,
    runs: dict,
    sizes: dict,
    best_cost: float,
    mini_epochs: int,
    m: int,
    sizes_rate: float,
) -> None:
    colours = {
        "batch GD (B = m)": "tab:blue",
        "mini-batch GD (B = 64)": "tab:orange",
        "SGD (B = 1)": "tab:green",
    }
    with ctx.figure("cost-per-iteration", ncols=2, figsize=(12.0, 4.4)) as (fig, axes):
        for label, (per_iteration, _, _, _, _) in runs.items():
            iterations = np.arange(1, len(per_iteration) + 1)
            batch = label == "batch GD (B = m)"
            sgd = label == "SGD (B = 1)"
            axes[0].plot(
                iterations,
                per_iteration,
                lw=2.0 if batch else 0.4 if sgd else 0.8,
                alpha=1.0 if batch else 0.2 if sgd else 0.6,
                zorder=4 if batch else 1,
                color=colours[label],
                label=f"{label}: J^{{t}}",
            )
            if not batch:
                # The trend under the noise: a bias-corrected EWMA (topic ewma), computed with
                # pandas, which the ewma topic checks equal to ops.ewma, because it is faster here.
                trend = pd.Series(per_iteration).ewm(alpha=1 - 0.98, adjust=True).mean()
                axes[0].plot(
                    iterations,
                    trend,
                    lw=1.6,
                    color=colours[label],
                    zorder=3,
                    label=f"{label}: EWMA beta = 0.98",
                )
        axes[0].axhline(best_cost, color="black", lw=0.8, ls="--", label="J* (closed form)")
        axes[0].set_xscale("log")
        axes[0].set_ylim(0.0, 1.2)  # single-example costs of SGD reach beyond: clipped
        axes[0].set_xlabel("iteration t (gradient step), log scale")
        axes[0].set_ylabel("J^{t}: cost of step t's mini-batch")
        axes[0].set_title("cost per iteration: batch GD smooth, mini-batch and SGD noisy")
        epochs = np.arange(1, mini_epochs + 1)
        for size, per_epoch in sizes.items():
            steps = num_minibatches(m, size)
            label = f"B = {size} ({steps} step{'s' if steps > 1 else ''} per epoch)"
            style = dict(lw=1.5, marker=".")
            if size == m:
                label, style = f"B = m = {m}: batch GD", dict(lw=1.2, color="black", ls="--")
            axes[1].plot(epochs, (per_epoch - best_cost) / best_cost, label=label, **style)
        axes[1].set_yscale("log")
        axes[1].set_xlabel(f"epoch (passes over the {m} examples)")
        axes[1].set_ylabel("(J - J*) / J* on all data")
        axes[1].set_title(f"powers of two 64..512, alpha = {sizes_rate}: more steps per epoch")
        for axis in axes:
            axis.grid(alpha=0.3)
            axis.legend(fontsize=7, loc="upper right")  # a fixed place: "best" is slow


def _check_notation(ctx: RunContext, x: np.ndarray, y: np.ndarray) -> None:
    """Seed 004's notation: X = [x^(1) .. x^(m)] of shape (n_x, m), Y of shape (1, m), split
    column-wise into X^{t}, Y^{t}; one step per mini-batch with z = W X^{t} + b."""
    big_x, big_y = x.T, y[None, :]  # (n_x, m), (1, m): examples are columns
    n_x, m = big_x.shape
    size, rate = 64, 0.1
    pieces = [
        (big_x[:, start : start + size], big_y[:, start : start + size])
        for start in range(0, m, size)
    ]
    shapes = [(xt.shape, yt.shape) for xt, yt in pieces]
    expected = [((n_x, size), (1, size))] * (m // size) + [((n_x, m % size), (1, m % size))]
    ctx.claim(
        f"X has shape (n_x, m) = {big_x.shape}, Y (1, m); cut into mini-batches of {size} "
        f"columns, X^{{t}} is (n_x, {size}) and Y^{{t}} (1, {size}) for t = 1 .. {m // size}, the "
        f"last (n_x, {m % size})",
        shapes == expected,
        expected=f"{len(expected)} pieces",
        measured=f"{len(shapes)} pieces, first {shapes[0]}, last {shapes[-1]}",
    )
    weights, bias, costs = np.zeros((1, n_x)), 0.0, []  # W of shape (1, n_x)
    for xt, yt in pieces:  # J^{t} = 1/(2 B) sum (W X^{t} + b - Y^{t})^2, then one step
        residual = weights @ xt + bias - yt  # (1, B_t)
        costs.append(0.5 * float(np.mean(residual**2)))
        weights = weights - rate * residual @ xt.T / xt.shape[1]
        bias = bias - rate * float(np.mean(residual))
    row_costs = train(x, y, size, rate, 1, np.random.default_rng(0), shuffle=False)[0]
    ctx.claim_close(
        f"one epoch over X^{{1}} .. X^{{{len(pieces)}}} in the seed's column convention "
        f"(W X^{{t}} + b, NumPy) gives the same J^{{t}} as the compiled row-convention epoch",
        costs,
        row_costs,
        atol=1e-12,
        rtol=1e-9,
    )


def _check_gradient_estimate(ctx: RunContext, x: np.ndarray, y: np.ndarray) -> None:
    """Seed 001 (line 331): a mini-batch gradient estimates the full gradient. At w = 0, over
    300 random mini-batches of each size b: its cosine with the full gradient rises with b, and
    its variance is sigma^2 / b (m - b) / (m - 1) (sampling without replacement)."""
    m, n = x.shape
    design = np.c_[x, np.ones(m)]  # (m, n + 1)
    per_example = (design @ np.zeros(n + 1) - y)[:, None] * design  # (m, n + 1): r_i [x_i, 1]
    full = per_example.mean(axis=0)
    variables = [tf.Variable(tf.zeros(n, tf.float64)), tf.Variable(tf.zeros((), tf.float64))]
    batch = ctx.rng.choice(m, 32, replace=False)
    with tf.GradientTape() as tape:
        residual = tf.linalg.matvec(x[batch], variables[0]) + variables[1] - y[batch]
        cost = 0.5 * tf.reduce_mean(tf.square(residual))
    taped = np.concatenate([np.ravel(g) for g in tape.gradient(cost, variables)])
    ctx.claim_close(
        "the mini-batch gradient (GradientTape, b = 32 at w = 0) equals the mean of the NumPy "
        "per-example gradients r_i [x_i, 1] over the batch",
        taped,
        per_example[batch].mean(axis=0),
        atol=1e-12,
        rtol=1e-9,
    )
    spread = float(np.mean(np.sum((per_example - full) ** 2, axis=1)))  # sigma^2
    sizes, draws = (1, 4, 16, 64, 256), 300
    cosines, ratios = [], []
    for size in sizes:
        picks = np.array([ctx.rng.choice(m, size, replace=False) for _ in range(draws)])
        estimates = per_example[picks].mean(axis=1)  # (draws, n + 1)
        cosines.append(
            float(np.mean(estimates @ full / np.linalg.norm(estimates, axis=1)))
            / np.linalg.norm(full)
        )
        variance = float(np.mean(np.sum((estimates - full) ** 2, axis=1)))
        ratios.append(variance / (spread / size * (m - size) / (m - 1)))
    # Seeds 0-4 (quick and full alike): cosines 0.25-0.30, 0.56-0.60, 0.85-0.85, 0.964-0.969,
    # 0.996 for b = 1 .. 256; |variance / prediction - 1| at most 0.053-0.099. Margins: cosine at
    # b = 256 above 0.98 (0.016 below the lowest); the ratio within 0.2 of 1 (0.1 beyond).
    ctx.claim(
        f"cosine(mini-batch gradient, full gradient), mean over {draws} batches, rises with the "
        f"batch size b = {', '.join(map(str, sizes))}, and exceeds 0.98 at b = 256",
        bool(np.all(np.diff(cosines) > 0) and cosines[-1] > 0.98),
        expected="increasing, last > 0.98",
        measured=", ".join(f"{c:.3f}" for c in cosines),
    )
    ctx.claim_close(
        "variance of the mini-batch gradient over sigma^2 / b (m - b) / (m - 1), b = "
        f"{', '.join(map(str, sizes))}: about 1 (it falls as 1/b; seeds 0-4 gave 0.93-1.12, "
        "tolerance 0.2)",
        ratios,
        np.ones(len(sizes)),
        atol=0.2,
        rtol=0,
    )


def _check_large_set(ctx: RunContext, x: np.ndarray, y: np.ndarray, solution) -> None:
    """Seed 004: below 2000 examples use batch GD, else mini-batches of 64-512. With m = 442,
    B = 512 is batch GD; on a simulated set of LARGE_M examples with the diabetes features'
    covariance and the least-squares fit's noise, each size 64-512 is a real mini-batch."""
    m, n = x.shape
    residual_std = float(np.std(np.c_[x, np.ones(m)] @ solution - y))
    big_x = ctx.rng.multivariate_normal(np.zeros(n), np.cov(x.T), size=LARGE_M)  # (M, n)
    big_y = big_x @ solution[:n] + residual_std * ctx.rng.standard_normal(LARGE_M)
    design = np.c_[big_x, np.ones(LARGE_M)]
    optimum = np.linalg.lstsq(design, big_y, rcond=None)[0]
    best = full_cost(big_x, big_y, optimum[:n], optimum[n])
    rate = 0.1
    gaps, steps = {}, {}
    for size in (*MINI_BATCH_SIZES, LARGE_M):
        _, per_epoch, counts, _, _ = train(big_x, big_y, size, rate, 1, ctx.rng)
        gaps[size], steps[size] = (per_epoch[0] - best) / best, counts[0]
    ctx.claim_close(
        f"m = {LARGE_M} (simulated from diabetes): B = 64, 128, 256, 512 take "
        f"{', '.join(str(steps[s]) for s in MINI_BATCH_SIZES)} steps per epoch (B = 512 is not "
        f"batch GD here)",
        [steps[s] for s in MINI_BATCH_SIZES],
        [LARGE_M // s for s in MINI_BATCH_SIZES],
        atol=0,
        rtol=0,
    )
    worst = max(gaps[s] for s in MINI_BATCH_SIZES)
    # Seeds 0-4 (quick = full): worst / batch GD 0.143-0.160 (the worst is B = 512 or 256 at
    # about 0.09, batch GD at 0.58); bound 0.25 (margin 0.09).
    ctx.note(
        f"m = {LARGE_M}, alpha = {rate}, one epoch: (J - J*) / J* = "
        + ", ".join(f"B = {s}: {gaps[s]:.2g}" for s in MINI_BATCH_SIZES)
        + f"; batch GD (one step): {gaps[LARGE_M]:.3g}. Seed 004's choice of batch GD below "
        "2000 examples is advice about wall time; timings on a shared machine are benchmarks "
        "(tfref bench), not claims, so the steps and costs above are claimed instead."
    )
    ctx.claim_less(
        f"m = {LARGE_M}: after one epoch, (J - J*) / J* of the worst of B = 64-512 over batch "
        f"GD's (one step) (seeds 0-4: 0.143-0.160, bound 0.25)",
        worst / gaps[LARGE_M],
        0.25,
    )


def descent_path(x2, y, batch_size: int, rate: float, epochs: int, rng, decay: float = 0.0,
                 start=(-1.0, 2.5)):
    """NumPy float64 gradient descent on J(w1, w2, b) with mini-batches; the rate of epoch e is
    rate / (1 + decay e) (seed 004's learning-rate decay). Returns the (w1, w2) after every step
    (first row: the start) and the full cost J after every step."""
    m = len(y)
    w, b = np.array(start, dtype=np.float64), 0.0
    points, biases = [w.copy()], []
    for epoch in range(epochs):
        alpha = rate / (1 + decay * epoch)
        order = rng.permutation(m) if batch_size < m else np.arange(m)
        for begin in range(0, m, batch_size):
            batch = order[begin : begin + batch_size]
            residual = x2[batch] @ w + b - y[batch]
            w = w - alpha * x2[batch].T @ residual / len(batch)
            b = b - alpha * float(np.mean(residual))
            points.append(w.copy())
            biases.append(b)
    points = np.array(points)
    residual = points[1:] @ x2.T + np.array(biases)[:, None] - y  # (steps, m)
    return points, 0.5 * np.mean(residual**2, axis=1)


def _check_paths(ctx: RunContext, x: np.ndarray, y: np.ndarray) -> None:
    """Seed 004 (lines 53-61): on the contours of J, batch GD walks straight down, SGD wanders
    and never settles at a constant rate; decaying the rate shrinks SGD's noise near the
    optimum. Two features (bmi, s5) so the paths can be drawn."""
    x2 = x[:, list(PATH_FEATURES)]  # (m, 2)
    m = len(y)
    optimum = np.linalg.lstsq(np.c_[x2, np.ones(m)], y, rcond=None)[0]
    best = full_cost(x2, y, optimum[:2], optimum[2])
    epochs = 6
    design = np.c_[x2, np.ones(m)]
    batch_rate = 1.0 / float(np.linalg.eigvalsh(design.T @ design / m).max())  # 1 / lambda_max
    paths = {
        "batch GD (B = m)": descent_path(x2, y, m, batch_rate, 40, ctx.rng),
        "mini-batch GD (B = 64)": descent_path(x2, y, 64, 0.1, epochs, ctx.rng),
        "SGD (B = 1), alpha = 0.02": descent_path(x2, y, 1, 0.02, epochs, ctx.rng),
        "SGD, alpha = 0.02 / (1 + epoch)": descent_path(x2, y, 1, 0.02, epochs, ctx.rng, 1.0),
    }
    taped = train(x2, y, 64, 0.1, 1, np.random.default_rng(0), shuffle=False)[3]
    numpy_path = descent_path(x2, y, 64, 0.1, 1, _Ordered(), start=(0.0, 0.0))
    ctx.claim_close(
        "the NumPy path recorder, one unshuffled epoch with B = 64 from 0, ends at the compiled "
        "GradientTape epoch's weights",
        numpy_path[0][-1],
        taped,
        atol=1e-12,
        rtol=1e-9,
    )
    batch_costs = paths["batch GD (B = m)"][1]
    ctx.claim(
        "2-parameter problem: batch GD's J falls at every one of its 40 steps",
        bool(np.all(np.diff(batch_costs) < 0)),
        expected="every step down",
        measured=f"{int(np.sum(np.diff(batch_costs) >= 0))} rises",
    )
    constant = paths["SGD (B = 1), alpha = 0.02"][1][-m:]  # the last epoch's steps
    decayed = paths["SGD, alpha = 0.02 / (1 + epoch)"][1][-m:]
    excess_constant = float(np.mean(constant) - best)
    excess_decayed = float(np.mean(decayed) - best)
    # Seeds 0-4: the decayed / constant ratio of the last epoch's mean excess cost was 0.049-0.098;
    # bound 0.2 (0.1 above the highest).
    ctx.claim_less(
        f"SGD near the optimum (last epoch of {epochs}): mean J - J* with alpha = 0.02 / "
        f"(1 + epoch), over that at a constant 0.02 (measured {excess_decayed:.2g} vs "
        f"{excess_constant:.2g}; seeds 0-4: ratio 0.049-0.098)",
        excess_decayed / excess_constant,
        0.2,
    )
    _plot_paths(ctx, x2, y, optimum, paths)


class _Ordered:
    """A stand-in for a generator whose permutation is the identity (an unshuffled epoch)."""

    def permutation(self, m: int) -> np.ndarray:
        return np.arange(m)


def _plot_paths(ctx: RunContext, x2, y, optimum, paths: dict) -> None:
    grid_1 = np.linspace(-1.3, 1.3, 80)
    grid_2 = np.linspace(-0.6, 2.7, 80)
    w1, w2 = np.meshgrid(grid_1, grid_2)
    grid = np.stack([w1.ravel(), w2.ravel()], axis=1)  # (6400, 2)
    target = y - optimum[2]  # J is quadratic in w at the optimal bias: expand it by moments
    moments, cross = x2.T @ x2 / len(y), x2.T @ target / len(y)
    surface = 0.5 * (
        np.einsum("ki,ij,kj->k", grid, moments, grid) - 2 * grid @ cross + np.mean(target**2)
    ).reshape(w1.shape)
    colours = ("tab:blue", "tab:orange", "tab:green", "tab:purple")
    with ctx.figure("descent-paths", ncols=2, figsize=(12.0, 5.0)) as (fig, axes):
        for axis, zoom in zip(axes, (False, True), strict=True):
            best = float(surface.min())
            axis.contour(w1, w2, surface, levels=best + np.geomspace(3e-4, 4.0, 18), colors="0.6",
                         linewidths=0.6)
            for (label, (points, _)), colour in zip(paths.items(), colours, strict=True):
                if zoom and label.startswith(("batch", "mini")):
                    continue
                axis.plot(points[:, 0], points[:, 1], lw=0.6 if "SGD" in label else 1.4,
                          marker="." if label.startswith("batch") else None, ms=3,
                          color=colour, alpha=0.8, label=label)
            axis.plot(*optimum[:2], marker="*", ms=12, color="black", label="least squares")
            axis.set_xlabel(f"w (bmi, feature {PATH_FEATURES[0]})")
            axis.set_ylabel(f"w (s5, feature {PATH_FEATURES[1]})")
            axis.legend(fontsize=7, loc="upper right")
        axes[0].set_title("paths on the contours of J (start (-1, 2.5))")
        axes[1].set_xlim(optimum[0] - 0.35, optimum[0] + 0.35)
        axes[1].set_ylim(optimum[1] - 0.35, optimum[1] + 0.35)
        axes[1].set_title("near the optimum: SGD at a constant rate wanders; decay settles")


if __name__ == "__main__":  # python -m tfref.topics.gd_variants [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
