"""Loss functions: log, squared, absolute, exponential, hinge, 0-1, categorical, L2Loss.

Seed 001 lists the losses (log, squared / MSE, exponential, hinge, 0-1, absolute), gives the log
loss cost table (cost 0 when right and certain, infinite when certain and wrong) and derives the
log loss as the negative Bernoulli log-likelihood (maximum likelihood). Seed 002 shows L2Loss with
its 1/2 factor. Seed 003 lists MSE, cross-entropy, binary cross-entropy and L1 / L2 loss and says
L1 is less sensitive to outliers than L2.

Formula:
    log loss:      cost(h, y) = -y log h - (1 - y) log(1 - h)     (table: h=y -> 0; h=1-y -> inf)
    squared:       (y - h)^2;   MSE = 1/m sum (y_i - h_i)^2
    absolute:      |y - h|;     MAE (L1Loss) = 1/n sum |y_i - h_i|
    exponential:   exp(-y f),   y in {-1, +1}
    hinge:         max(0, 1 - y f)
    0-1:           1 if y != h else 0
    categorical:   -sum_i y_i log q_i
    L2Loss:        sum x^2 / 2 (tf.nn.l2_loss); seed 002's gluon L2Loss = mean (label - pred)^2 / 2
    MLE view:      ln P(data | p) = sum_i x_i ln p + (1 - x_i) ln(1 - p) = -sum_i cost(p, x_i)

Symbols: y, x_i -> ``labels``; h, h_theta(x), p -> ``p`` / ``predictions``; f -> ``scores``;
q -> ``q``; m, n -> the number of samples.

Deviations: seed 001's log-likelihood reads sum x_i ln p + (1 - x_i)(1 - p) (erratum 6: the log
on (1 - p) is missing); the code uses (1 - x_i) ln(1 - p) and shows the written form is not
maximised at p = mean(x). The margin losses (exponential, hinge) have no minimiser at a finite
score; for them "minimal at the true label" is checked as: the loss at f = y is below the loss at
f = -y, hinge reaches its minimum 0 at f = y, and the exponential loss falls as the margin
y f grows.

Expect: the log loss costs 0 when right and certain and inf when certain and wrong, every loss is
smallest at the label, and the losses equal keras' (largest difference 4.8e-7, float32). On 569
breast-cancer labels the log-likelihood peaks at p = 0.627 = mean(x), while seed 001's form without
the log (erratum 6) peaks 0.372 away; one planted outlier moves the MSE minimiser (the mean) by
7.45 and the MAE minimiser (a median) by 1.00. The plot draws the losses side by side.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.metrics import zero_one_loss as sklearn_zero_one_loss

from tfref import ops
from tfref.topics._base import RunContext

ID = "losses"
TITLE = "Loss functions and where each is minimal"
CHAPTER = "A"
SEEDS = ("001", "002", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)


def tiled(values, count: int) -> np.ndarray:
    """Repeat a 1-D array ``count`` times as rows: (count, len(values))."""
    return np.broadcast_to(values, (count, len(values))).copy()


def run(ctx: RunContext) -> None:
    _cost_table(ctx)
    _minimal_at_label(ctx)
    _against_keras(ctx)
    mle_curves = _maximum_likelihood(ctx)
    outlier = _outlier(ctx)
    _plot(ctx, mle_curves, outlier)


def _cost_table(ctx: RunContext) -> None:
    """Seed 001's table: h in {0, 1} against y in {0, 1}."""
    for prediction, label, cost in [
        (0.0, 0.0, 0.0),
        (0.0, 1.0, np.inf),
        (1.0, 0.0, np.inf),
        (1.0, 1.0, 0.0),
    ]:
        measured = float(ops.binary_cross_entropy(np.array([label]), np.array([prediction]))[0])
        ctx.claim(
            f"log loss table: h = {prediction:g}, y = {label:g} -> cost {cost:g}",
            measured == cost,
            expected=cost,
            measured=measured,
        )


def _minimal_at_label(ctx: RunContext) -> None:
    step = 1e-3
    p_grid = np.linspace(0.0, 1.0, 1001)
    for label in (0.0, 1.0, 0.3):
        losses = ops.binary_cross_entropy(np.full_like(p_grid, label), p_grid).numpy()
        ctx.claim_close(
            f"log loss for y = {label:g}: argmin over p in [0, 1] is p = y",
            p_grid[np.argmin(losses)],
            label,
            atol=step / 2,
            rtol=0,
        )

    label = 0.37
    y_grid = np.linspace(-1.0, 2.0, 3001)
    labels = np.full_like(y_grid, label)
    for name, function in [("squared", ops.squared_error), ("absolute", ops.absolute_error)]:
        losses = function(labels, y_grid).numpy()
        ctx.claim_close(
            f"{name} error for y = {label}: argmin over predictions is y (value 0)",
            [y_grid[np.argmin(losses)], losses.min()],
            [label, 0.0],
            atol=step / 2,
            rtol=0,
        )
    coarse_grid = y_grid[::10]  # step 0.01; l2_loss sums everything, so one call per prediction
    l2_values = np.array(
        [float(ops.l2_loss(np.array([label - prediction]))) for prediction in coarse_grid]
    )
    ctx.claim_close(
        "L2Loss (x^2 / 2) of y - h: argmin over predictions (step 0.01) is y",
        coarse_grid[np.argmin(l2_values)],
        label,
        atol=0.005,
        rtol=0,
    )

    for score_label in (-1.0, 1.0):
        scores = np.linspace(-3.0, 3.0, 601)
        labels = np.full_like(scores, score_label)
        hinge = ops.hinge_loss(labels, scores).numpy()
        exponential = ops.exponential_loss(labels, scores).numpy()
        at_label = int(np.argmin(np.abs(scores - score_label)))
        at_other = int(np.argmin(np.abs(scores + score_label)))
        ctx.claim(
            f"hinge, y = {score_label:+g}: min over f in [-3, 3] is 0, reached at f = y",
            hinge[at_label] == hinge.min() == 0.0,
            expected="loss(f = y) = min = 0",
            measured=f"loss(f = y) = {hinge[at_label]:g}, min = {hinge.min():g}",
        )
        margins = score_label * scores
        ordered = exponential[np.argsort(margins)]
        ctx.claim(
            f"exponential, y = {score_label:+g}: loss(f = y) < loss(f = -y) and falls as y f grows",
            exponential[at_label] < exponential[at_other] and bool(np.all(np.diff(ordered) < 0)),
            expected="e^-1 < e^1, strictly decreasing",
            measured=f"{exponential[at_label]:.4g} < {exponential[at_other]:.4g}",
        )

    classes = np.arange(10.0)
    true_class = 3.0
    zero_one = ops.zero_one_loss(np.full_like(classes, true_class), classes).numpy()
    ctx.claim(
        "0-1 loss over predictions 0..9 for y = 3: the only zero is at the label",
        bool(np.flatnonzero(zero_one == 0).tolist() == [3]),
        expected="zero only at 3",
        measured=f"zeros at {np.flatnonzero(zero_one == 0).tolist()}",
    )

    # Categorical cross-entropy over the 3-class simplex, step 0.01.
    ticks = np.round(np.arange(0, 101) / 100, 2)
    first, second = np.meshgrid(ticks, ticks, indexing="ij")
    inside = first + second <= 1 + 1e-12
    simplex = np.stack(
        [first[inside], second[inside], np.clip(1 - first[inside] - second[inside], 0, 1)], axis=1
    )
    for target in (np.array([0.2, 0.3, 0.5]), np.array([0.0, 1.0, 0.0])):
        losses = ops.categorical_cross_entropy(
            tiled(target, len(simplex)), simplex
        ).numpy()  # (points,)
        best = simplex[np.argmin(losses)]
        ctx.claim_close(
            f"categorical cross-entropy, y = {target.tolist()}: argmin on a simplex grid is q = y",
            best,
            target,
            atol=1e-9,
            rtol=0,
        )


def _against_keras(ctx: RunContext) -> None:
    rng = ctx.rng
    batch, width = 64, 5
    binary_labels = (rng.random((batch, width)) < 0.5).astype(np.float32)
    probabilities = rng.uniform(0.01, 0.99, size=(batch, width)).astype(np.float32)
    logits = rng.normal(scale=3.0, size=(batch, width)).astype(np.float32)
    targets = rng.normal(size=(batch, width)).astype(np.float32)
    predictions = rng.normal(size=(batch, width)).astype(np.float32)
    signed_labels = 2 * binary_labels - 1
    one_hot = np.eye(width, dtype=np.float32)[rng.integers(0, width, size=batch)]
    class_probabilities = ops.softmax(logits).numpy()

    def mean_last(x):
        return tf.reduce_mean(x, axis=-1).numpy()

    pairs = [
        (
            "binary cross-entropy = keras BinaryCrossentropy",
            mean_last(ops.binary_cross_entropy(binary_labels, probabilities)),
            keras.losses.BinaryCrossentropy(reduction=None)(binary_labels, probabilities),
        ),
        (
            "binary cross-entropy from logits = keras BinaryCrossentropy(from_logits=True)",
            mean_last(ops.binary_cross_entropy_with_logits(binary_labels, logits)),
            keras.losses.BinaryCrossentropy(from_logits=True, reduction=None)(
                binary_labels, logits
            ),
        ),
        (
            "binary cross-entropy from logits = tf.nn.sigmoid_cross_entropy_with_logits",
            ops.binary_cross_entropy_with_logits(binary_labels, logits).numpy(),
            tf.nn.sigmoid_cross_entropy_with_logits(labels=binary_labels, logits=logits),
        ),
        (
            "MSE = keras MeanSquaredError",
            ops.mean_squared_error(targets, predictions).numpy(),
            keras.losses.MeanSquaredError(reduction=None)(targets, predictions),
        ),
        (
            "MAE (L1) = keras MeanAbsoluteError",
            ops.mean_absolute_error(targets, predictions).numpy(),
            keras.losses.MeanAbsoluteError(reduction=None)(targets, predictions),
        ),
        (
            "hinge = keras Hinge (labels -1/+1)",
            mean_last(ops.hinge_loss(signed_labels, logits)),
            keras.losses.Hinge(reduction=None)(signed_labels, logits),
        ),
        (
            "categorical cross-entropy = keras CategoricalCrossentropy",
            ops.categorical_cross_entropy(one_hot, class_probabilities).numpy(),
            keras.losses.CategoricalCrossentropy(reduction=None)(one_hot, class_probabilities),
        ),
        (
            "softmax cross-entropy from logits = keras CategoricalCrossentropy(from_logits=True)",
            ops.softmax_cross_entropy_with_logits(one_hot, logits).numpy(),
            keras.losses.CategoricalCrossentropy(from_logits=True, reduction=None)(one_hot, logits),
        ),
        (
            "exponential loss = exp(-y f) (NumPy; keras has none)",
            ops.exponential_loss(signed_labels, logits).numpy(),
            np.exp(-signed_labels * logits),
        ),
        (
            "l2_loss = tf.nn.l2_loss (sum x^2 / 2)",
            ops.l2_loss(predictions).numpy(),
            tf.nn.l2_loss(predictions),
        ),
    ]
    for name, ours, reference in pairs:
        ctx.claim_close(name, ours, np.asarray(reference), atol=1e-6, rtol=1e-5)

    predicted_labels = rng.integers(0, width, size=batch)
    true_labels = np.where(
        rng.random(batch) < 0.7, predicted_labels, rng.integers(0, width, size=batch)
    )
    ctx.claim_close(
        "sum of 0-1 losses = sklearn zero_one_loss(normalize=False)",
        float(tf.reduce_sum(ops.zero_one_loss(true_labels, predicted_labels))),
        sklearn_zero_one_loss(true_labels, predicted_labels, normalize=False),
        rtol=0,
    )

    ctx.claim_close(
        "l2_loss = 0.5 * sum x^2 (the 1/2 factor)",
        float(ops.l2_loss(predictions)),
        0.5 * float(np.sum(predictions.astype(np.float64) ** 2)),
        rtol=1e-5,
    )
    variable = tf.Variable(predictions)
    with tf.GradientTape() as tape:
        penalty = ops.l2_loss(variable)
    ctx.claim_close(
        "gradient of l2_loss(x) is x: the 1/2 cancels the 2 of the square",
        tape.gradient(penalty, variable),
        predictions,
        atol=0,
        rtol=1e-6,
    )
    residuals = targets - predictions
    ctx.claim_close(
        "seed 002's gluon L2Loss, mean (label - pred)^2 / 2, = MSE / 2",
        np.mean(residuals**2 / 2, axis=-1),
        ops.mean_squared_error(targets, predictions).numpy() / 2,
        atol=1e-7,
        rtol=1e-5,
    )


def _maximum_likelihood(ctx: RunContext):
    """Log loss as negative Bernoulli log-likelihood, on breast-cancer diagnoses (569 labels)."""
    outcomes = load_breast_cancer().target.astype(np.float64)  # 1 = benign
    count, mean = outcomes.size, outcomes.mean()
    for p in (0.1, 0.5, 0.9):
        ctx.claim_close(
            f"sum of log losses at p = {p} = -Bernoulli log-likelihood (569 breast-cancer labels)",
            float(tf.reduce_sum(ops.binary_cross_entropy(outcomes, np.full(count, p)))),
            -float(ops.bernoulli_log_likelihood(outcomes, np.float64(p))),
            rtol=1e-10,
        )

    p_grid = np.linspace(0.001, 0.999, 999)
    losses = ops.binary_cross_entropy(
        tiled(outcomes, p_grid.size), p_grid[:, None] * np.ones(count)
    )  # (grid, n)
    log_likelihood = -tf.reduce_sum(losses, axis=1).numpy()
    successes = outcomes.sum()
    written = successes * np.log(p_grid) + (count - successes) * (
        1 - p_grid
    )  # seed 001, log missing
    ctx.claim_close(
        "argmax over p of the log-likelihood (= argmin of log loss) is mean(x)",
        p_grid[np.argmax(log_likelihood)],
        mean,
        atol=0.0005 + 1e-12,
        rtol=0,
    )
    # Seeds 0-4: 0.3716 every time (the flips' mean changes little); floor 0.25 (margin 0.12).
    ctx.claim_greater(
        "erratum 6: seed 001's sum x ln p + (1-x)(1-p) peaks away from mean(x): |argmax - mean| "
        "(seeds 0-4: 0.372)",
        abs(p_grid[np.argmax(written)] - mean),
        0.25,
    )
    return p_grid, log_likelihood / count, written / count, mean


def _outlier(ctx: RunContext):
    """Fit one constant to the diabetes target by scanning MSE and MAE, with and without an
    outlier."""
    target = load_diabetes().target.astype(np.float64)  # 442 disease-progression scores
    with_outlier = np.append(target, 10 * target.max())
    step = 0.05
    constants = np.arange(0.0, 400.0 + step / 2, step)
    minimisers = {}
    for tag, data in (("clean", target), ("outlier", with_outlier)):
        predictions = constants[:, None] * np.ones(data.size)  # (constants, n)
        observed = tiled(data, constants.size)
        l2 = ops.mean_squared_error(observed, predictions).numpy()
        l1 = ops.mean_absolute_error(observed, predictions).numpy()
        minimisers[tag] = (constants[np.argmin(l2)], constants[np.argmin(l1)])
        ordered = np.sort(data)
        lower_median, upper_median = ordered[(data.size - 1) // 2], ordered[data.size // 2]
        ctx.claim_close(
            f"{tag} data: the constant minimising MSE is the mean",
            minimisers[tag][0],
            data.mean(),
            atol=step / 2 + 1e-9,
            rtol=0,
        )
        l1_minimiser = minimisers[tag][1]
        ctx.claim(
            f"{tag} data: the constant minimising MAE (L1) is a median",
            lower_median - step <= l1_minimiser <= upper_median + step,
            expected=f"in [{lower_median:g}, {upper_median:g}] +- {step}",
            measured=round(float(l1_minimiser), 4),
        )
    l2_shift = abs(minimisers["outlier"][0] - minimisers["clean"][0])
    l1_shift = abs(minimisers["outlier"][1] - minimisers["clean"][1])
    ctx.note(
        f"One planted outlier (10 x the largest diabetes target, {10 * target.max():g}) "
        "moves the L2 "
        f"minimiser (mean) by {l2_shift:.2f} and the L1 minimiser (median) by {l1_shift:.2f}."
    )
    # No seed enters (the diabetes target and a fixed outlier): 0.134; bound 0.25.
    ctx.claim_less(
        "L1 minimiser shift / L2 minimiser shift after one planted outlier (L1 less sensitive; "
        "measured 0.134, no seed enters)",
        l1_shift / l2_shift,
        0.25,
    )
    return target, with_outlier, minimisers


def _plot(ctx: RunContext, mle_curves, outlier) -> None:
    p = np.linspace(0.001, 0.999, 999)
    residual = np.linspace(-2.0, 2.0, 401)
    margin = np.linspace(-2.0, 2.5, 451)
    ones = np.ones_like(margin)
    with ctx.figure("losses", nrows=2, ncols=3, figsize=(14.0, 7.6)) as (fig, axes):
        axis = axes[0, 0]
        axis.plot(
            p, ops.binary_cross_entropy(np.ones_like(p), p).numpy(), lw=2, label="y = 1: -log h"
        )
        axis.plot(
            p,
            ops.binary_cross_entropy(np.zeros_like(p), p).numpy(),
            lw=2,
            label="y = 0: -log(1 - h)",
        )
        axis.set(
            xlabel="prediction h",
            ylabel="cost",
            title="log loss: 0 when right, -> inf when certain and wrong",
        )
        axis.set_ylim(0, 6)

        axis = axes[0, 1]
        zeros = np.zeros_like(residual)
        axis.plot(
            residual, ops.squared_error(zeros, residual).numpy(), lw=2, label="squared (y - h)^2"
        )
        axis.plot(
            residual, ops.absolute_error(zeros, residual).numpy(), lw=2, label="absolute |y - h|"
        )
        axis.plot(
            residual,
            [float(ops.l2_loss([r])) for r in residual],
            lw=2,
            ls="--",
            label="L2Loss (y - h)^2 / 2",
        )
        axis.set(
            xlabel="residual h - y", ylabel="loss", title="regression losses: minimal at h = y"
        )

        axis = axes[0, 2]
        axis.plot(
            margin,
            ops.zero_one_loss(ones, np.where(margin > 0, 1.0, -1.0)).numpy(),
            lw=2,
            label="0-1",
        )
        axis.plot(margin, ops.hinge_loss(ones, margin).numpy(), lw=2, label="hinge max(0, 1 - yf)")
        axis.plot(
            margin, ops.exponential_loss(ones, margin).numpy(), lw=2, label="exponential exp(-yf)"
        )
        axis.plot(
            margin,
            ops.binary_cross_entropy_with_logits(ones, margin).numpy() / np.log(2),
            lw=2,
            label="log loss (bits) log2(1 + exp(-yf))",
        )
        axis.set(
            xlabel="margin y f (y in {-1, +1})",
            ylabel="loss",
            title="classification losses vs margin",
        )
        axis.set_ylim(0, 4)

        axis = axes[1, 0]
        p_grid, log_likelihood, written, mean = mle_curves
        axis.plot(p_grid, log_likelihood, lw=2, label="x ln p + (1-x) ln(1-p)")
        axis.plot(p_grid, written, lw=2, ls="--", label="seed 001: x ln p + (1-x)(1-p)")
        axis.axvline(mean, color="gray", lw=0.8, label=f"mean(x) = {mean:.3f}")
        axis.set(xlabel="p", ylabel="mean log-likelihood", title="MLE on 569 breast-cancer labels")
        axis.set_ylim(-3, 0.5)

        axis = axes[1, 1]
        target, with_outlier, minimisers = outlier
        axis.hist(target, bins=40, color="0.8")
        for tag, style in (("clean", "-"), ("outlier", "--")):
            axis.axvline(
                minimisers[tag][0], color="C0", ls=style, lw=2, label=f"L2 minimiser (mean), {tag}"
            )
            axis.axvline(
                minimisers[tag][1],
                color="C1",
                ls=style,
                lw=2,
                label=f"L1 minimiser (median), {tag}",
            )
        axis.set(
            xlabel=f"diabetes target (outlier at {with_outlier[-1]:g} not shown)",
            ylabel="count",
            title="one outlier moves the mean, not the median",
        )

        axis = axes[1, 2]
        ticks = np.linspace(0.0, 1.0, 201)
        first, second = np.meshgrid(ticks, ticks, indexing="ij")
        third = 1 - first - second
        target_q = np.array([0.2, 0.3, 0.5])
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = -(
                target_q[0] * np.log(first)
                + target_q[1] * np.log(second)
                + target_q[2] * np.log(third)
            )
        cross = np.where(third >= 0, cross, np.nan)
        image = axis.contourf(first, second, np.clip(cross, 0, 3), levels=20, cmap="viridis")
        fig.colorbar(image, ax=axis, label="cross-entropy (nats, clipped at 3)")
        axis.plot(*target_q[:2], "r*", ms=12, label="q = y = (0.2, 0.3, 0.5)")
        axis.set(
            xlabel="q1",
            ylabel="q2 (q3 = 1 - q1 - q2)",
            title="categorical cross-entropy: min at q = y",
        )
        for axis in axes.ravel():
            axis.grid(alpha=0.3)
            axis.legend(fontsize=7)


if __name__ == "__main__":  # python -m tfref.topics.losses [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
