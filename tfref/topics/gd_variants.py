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
SGD; batch GD keeps its budget of iterations (one per pass; it needs hundreds).

Expect: seed 004's 5,000,000 examples in mini-batches of 1000 make 5000 mini-batches (erratum 8: 5
million, not 50 million), and tf.data agrees with ceil(m / B). On the diabetes least squares, batch
GD's cost falls at every one of its 1000 iterations, mini-batch (B = 64) and SGD costs rise at
about half of theirs (0.50) yet end 0.0072 and 0.0070 (relative) above the optimum J* = 0.24113,
and alpha = 2.2 / lambda_max multiplies J by 12069 in 30 iterations; the plot shows the cost per
iteration (--quick: SGD ends 0.023 above J*).
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

    epochs = ctx.options.get("epochs")
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
    with ctx.calibrated_for("epochs"):
        ctx.claim_greater(
            "SGD: share of iterations where J^{t} rises (noisy, not monotone)",
            np.mean(np.diff(sgd_costs) > 0),
            0.2,
        )
        ctx.claim_greater(
            "mini-batch GD (B = 64): share of iterations where J^{t} rises (noisy)",
            np.mean(np.diff(mini_costs) > 0),
            0.1,
        )
    too_large = train(x, y, m, 2.2 / eigenvalues.max(), 30, ctx.rng)[0]
    ctx.claim_greater(
        "batch GD with alpha = 2.2 / lambda_max (too large): J after 30 iterations / J at "
        "the start (it rises)",
        too_large[-1] / too_large[0],
        1.0,
    )

    tolerances = {
        "batch GD (B = m)": 0.01 if ctx.quick else 0.001,
        "mini-batch GD (B = 64)": 0.03,
        "SGD (B = 1)": 0.08 if ctx.quick else 0.03,
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
    ctx.claim_close(
        f"B = 512 >= m = {m} is batch GD: one mini-batch of all examples, the same costs as "
        f"B = m at every epoch",
        sizes[512],
        sizes[m],
        atol=0,
        rtol=0,
    )
    _plot(ctx, runs, sizes, best_cost, mini_epochs, m, mini_rate)


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
    ctx.claim_close(
        "erratum 8: 5000 mini-batches x 1000 examples = 5 million examples (the seed says "
        "50 million)",
        5000 * batch,
        examples,
        atol=0,
        rtol=0,
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


if __name__ == "__main__":  # python -m tfref.topics.gd_variants [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
