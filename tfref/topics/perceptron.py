"""The single-layer perceptron of 002, trained by its update rule, and why it cannot learn XOR.

Formula (002, section 1.5.1; the bias is the weight of a constant +1 input):
    h = X W,   Yhat = f(h),   W <- W + eta * X^T (Y - Yhat)
    stop when mean((Y - Yhat)^2) <= epsilon or after max_epochs
    002's data: 8 rows (a, b, c, 1) of the truth table, Y = 1, 1, 0, 0, 1, 0, 0, 0
    (rows in 002's order TTT, TTF, TFT, TFF, FTT, FTF, FFT, FFF: Y = b AND (a OR c));
    W ~ tf.random_normal(stddev=2), eta = 0.4, epsilon = 1e-3, max_epochs = 1000.
    XOR: no W with x.W > 0 exactly on the rows labelled 1 exists (the four inequalities
    b <= 0, w1 + b > 0, w2 + b > 0, w1 + w2 + b <= 0 add up to 0 < 0).

Symbols -> names: X -> TRUTH_TABLE_INPUTS (8, 4) / XOR_INPUTS (4, 3); Y -> *_TARGETS;
W -> Perceptron.kernel; f -> "sigmoid" (002's code) or "threshold"; eta -> LEARNING_RATE;
epsilon -> EPSILON; max_epochs -> MAX_EPOCHS.

Deviations: 002 introduces the threshold unit but its code runs Y_hat = tf.sigmoid(h) (the
threshold line is commented out); the reproduction runs 002's sigmoid perceptron and, beside it,
the threshold unit on the same table and on XOR. 002's N(0, 2) means stddev 2 (variance 4).
002 runs one random start; here the same rule also runs from many starts at once (one output
unit per start: the units do not interact, so each column is an independent perceptron).

Expect: seed 002's sigmoid perceptron learns its truth table b AND (a OR c): MSE 0.401 at epoch 1
falls to 0.001 at epoch 676 with all 8 rows right, every one of 50 random starts stops within
655-678 epochs, and a threshold unit gets all rows right within 4-24 epochs. XOR is not linearly
separable: the LP is infeasible, a search over 41^3 weight vectors finds at most 3 of 4 rows
right, and the trained threshold unit reaches exactly that (smallest MSE 0.25); the plot shows
the error per epoch (--quick: 8 starts).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from scipy.optimize import linprog

from tfref.nn.perceptron import Perceptron, train_perceptron
from tfref.topics._base import RunContext

ID = "perceptron"
TITLE = "Single-layer perceptron: the update rule, the truth table and XOR"
CHAPTER = "C"
SEEDS = ("002",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

LEARNING_RATE = 0.4
EPSILON = 1e-3
MAX_EPOCHS = 1000
INIT_STDDEV = 2.0  # tf.random_normal(shape=(4, 1), stddev=2)

T, F = 1.0, 0.0
# 002's X_in and Y, in its order; columns a, b, c and the constant +1 bias input.
TRUTH_TABLE_INPUTS = np.array(
    [[T, T, T, T], [T, T, F, T], [T, F, T, T], [T, F, F, T],
     [F, T, T, T], [F, T, F, T], [F, F, T, T], [F, F, F, T]], dtype=np.float32)
TRUTH_TABLE_TARGETS = np.array([[T], [T], [F], [F], [T], [F], [F], [F]], dtype=np.float32)
XOR_INPUTS = np.array([[F, F, T], [F, T, T], [T, F, T], [T, T, T]], dtype=np.float32)
XOR_TARGETS = np.array([[F], [T], [T], [F]], dtype=np.float32)


def linearly_separable(inputs: np.ndarray, targets: np.ndarray) -> bool:
    """Is there a W with x.W >= 1 on rows labelled 1 and x.W <= -1 on rows labelled 0?

    A linear programme (feasibility only); any strict separator can be scaled to this margin.
    """
    signs = np.where(targets.ravel() > 0.5, 1.0, -1.0)
    result = linprog(c=np.zeros(inputs.shape[1]), A_ub=-(signs[:, None] * inputs),
                     b_ub=-np.ones(len(signs)), bounds=[(None, None)] * inputs.shape[1],
                     method="highs")
    if result.status not in (0, 2):
        raise RuntimeError(f"linprog failed: {result.message}")
    return result.status == 0


def most_rows_right_by_search(inputs, targets, limit: float = 2.0, step: float = 0.1) -> int:
    """Most rows a threshold unit [x.W > 0] gets right, over every W on a grid (no training).

    A brute-force check independent of the update rule and of the LP: all (2 limit / step + 1)^d
    weight vectors are tried at once.
    """
    axis = np.linspace(-limit, limit, int(round(2 * limit / step)) + 1)
    grid = np.stack(np.meshgrid(*[axis] * inputs.shape[1], indexing="ij"), -1).reshape(
        -1, inputs.shape[1])  # (G, d)
    outputs = (grid @ inputs.astype(np.float64).T > 0).astype(np.float64)  # (G, rows)
    return int(np.max(np.sum(outputs == targets.ravel(), axis=1)))


def rule_from_many_starts(inputs, targets, activation: str, starts: int, seed: int, epochs: int):
    """Run the rule for ``epochs`` epochs from ``starts`` random W at once (one unit per start).

    Returns (per-start mean squared error before each epoch's update, (epochs, starts);
    rows classified right after each update, (epochs, starts)).
    """
    layer = Perceptron(units=starts, activation=activation, stddev=INIT_STDDEV, seed=seed)
    x = tf.constant(inputs)
    y = tf.constant(np.repeat(targets, starts, axis=1))  # (rows, starts)
    layer.build(x.shape)
    rate = tf.constant(LEARNING_RATE)

    @tf.function
    def loop():
        errors = tf.TensorArray(tf.float32, size=epochs)
        correct = tf.TensorArray(tf.int32, size=epochs)
        for epoch in tf.range(epochs):
            errors = errors.write(epoch, tf.reduce_mean(tf.square(y - layer(x)), axis=0))
            layer.apply_rule(x, y, rate)
            right = tf.cast(tf.cast(layer(x) > 0.5, tf.float32) == y, tf.int32)
            correct = correct.write(epoch, tf.reduce_sum(right, axis=0))
        return errors.stack(), correct.stack()

    errors, correct = loop()
    return errors.numpy(), correct.numpy()


def first_epoch_at_or_below(errors: np.ndarray, epsilon: float) -> np.ndarray:
    """Per column: the 1-based epoch whose (pre-update) error is first <= epsilon, else 0."""
    hit = errors <= epsilon
    return np.where(hit.any(axis=0), hit.argmax(axis=0) + 1, 0)


def run(ctx: RunContext) -> None:
    a, b, c = TRUTH_TABLE_INPUTS[:, 0], TRUTH_TABLE_INPUTS[:, 1], TRUTH_TABLE_INPUTS[:, 2]
    ctx.claim("002's targets 1,1,0,0,1,0,0,0 are b AND (a OR c) in its row order",
              np.array_equal(TRUTH_TABLE_TARGETS.ravel(), b * np.maximum(a, c)),
              measured=TRUTH_TABLE_TARGETS.ravel().astype(int).tolist())

    # 1. 002's initial weights: tf.random_normal(stddev=2) has variance 4.
    draws = Perceptron(units=20_000, seed=ctx.seed + 1)
    draws.build((None, 4))
    spread = float(np.std(draws.kernel.numpy()))
    ctx.claim_close("002's W ~ tf.random_normal(stddev=2): measured stddev (4 x 20000 draws)", spread,
              INIT_STDDEV, rtol=0.02)

    # 2. 002's run: the sigmoid perceptron on the truth table.
    layer = Perceptron(units=1, activation="sigmoid", stddev=INIT_STDDEV, seed=ctx.seed)
    run_002 = train_perceptron(layer, TRUTH_TABLE_INPUTS, TRUTH_TABLE_TARGETS, LEARNING_RATE,
                               epsilon=EPSILON, max_epochs=MAX_EPOCHS)
    ctx.claim(f"sigmoid perceptron (002's code) reaches MSE <= {EPSILON:g}", run_002["converged"],
              measured=float(run_002["errors"][-1]))
    ctx.claim_less(f"epochs to reach MSE <= {EPSILON:g} (002's stopping rule)", run_002["epochs"],
             MAX_EPOCHS)
    predicted = layer(tf.constant(TRUTH_TABLE_INPUTS)).numpy() > 0.5
    ctx.claim("the trained sigmoid perceptron classifies all 8 rows (output > 0.5 iff Y = 1)",
              np.array_equal(predicted, TRUTH_TABLE_TARGETS > 0.5),
              measured=f"{int(np.sum(predicted == (TRUTH_TABLE_TARGETS > 0.5)))}/8")
    ctx.note(f"002's run (seed {ctx.seed}): MSE {run_002['errors'][0]:.3f} at epoch 1, "
             f"{run_002['errors'][-1]:.2e} at epoch {run_002['epochs']}, where it stops.")

    # 3. The same rule from many random starts, sigmoid and threshold units.
    starts = 8 if ctx.quick else 50
    sig_errors, _ = rule_from_many_starts(TRUTH_TABLE_INPUTS, TRUTH_TABLE_TARGETS, "sigmoid",
                                          starts, ctx.seed + 2, MAX_EPOCHS)
    sig_epochs = first_epoch_at_or_below(sig_errors, EPSILON)
    ctx.claim(f"from {starts} random starts, every sigmoid perceptron reaches MSE <= {EPSILON:g} "
              f"within {MAX_EPOCHS} epochs", bool(np.all(sig_epochs > 0)),
              measured=f"epochs {int(sig_epochs.min())}..{int(sig_epochs.max())}")
    thr_epochs_run = 100
    thr_errors, thr_correct = rule_from_many_starts(
        TRUTH_TABLE_INPUTS, TRUTH_TABLE_TARGETS, "threshold", starts, ctx.seed + 3, thr_epochs_run)
    thr_epochs = first_epoch_at_or_below(thr_errors, 0.0)
    ctx.claim(f"threshold unit, same rule: all 8 rows right (MSE 0) from each of {starts} starts "
              f"within {thr_epochs_run} epochs (perceptron convergence theorem)",
              bool(np.all(thr_epochs > 0)),
              measured=f"epochs {int(thr_epochs.min())}..{int(thr_epochs.max())}")

    # 4. XOR: not linearly separable, so the threshold unit never gets all 4 rows right.
    ctx.claim("truth table is linearly separable (LP finds a separating W)",
              linearly_separable(TRUTH_TABLE_INPUTS, TRUTH_TABLE_TARGETS))
    ctx.claim("XOR is not linearly separable (the LP is infeasible)",
              not linearly_separable(XOR_INPUTS, XOR_TARGETS))
    xor_errors, xor_correct = rule_from_many_starts(XOR_INPUTS, XOR_TARGETS, "threshold",
                                                    starts, ctx.seed + 4, MAX_EPOCHS)
    searched = most_rows_right_by_search(XOR_INPUTS, XOR_TARGETS)
    ctx.claim_close("XOR, exhaustive search over 41^3 threshold units (w1, w2, b in -2..2, step "
                    "0.1, no training): most rows right at once is 3 of 4", searched, 3,
                    atol=0, rtol=0)
    subsets = [linearly_separable(np.delete(XOR_INPUTS, i, axis=0),
                                  np.delete(XOR_TARGETS, i, axis=0)) for i in range(4)]
    ctx.claim("XOR without any one of its 4 rows is linearly separable (4 LPs feasible): 3 of 4 "
              "is reachable, 4 is not", all(subsets), measured=subsets)
    best = int(xor_correct.max())
    ctx.claim_close(f"XOR, threshold unit trained by the rule ({MAX_EPOCHS} epochs from {starts} "
                    "starts): most rows ever right at once = the search's maximum", best,
                    searched, atol=0, rtol=0)
    ctx.claim_close("XOR: smallest MSE the trained threshold units reach = 1/4 (one row of 4 "
                    "wrong), as the search says", float(xor_errors.min()),
                    (4 - searched) / 4, atol=1e-7, rtol=0)
    ctx.note("Why XOR fails: with inputs (x1, x2, 1) and weights (w1, w2, b), XOR needs b <= 0, "
             "w2 + b > 0, w1 + b > 0 and w1 + w2 + b <= 0; the middle two add to w1 + w2 + 2b > 0 "
             "and the outer two to w1 + w2 + 2b <= 0, a contradiction. The LP confirms it.")

    _plot(ctx, run_002, sig_errors, thr_errors, xor_correct)


def _plot(ctx, run_002, sig_errors, thr_errors, xor_correct) -> None:
    with ctx.figure("error", ncols=2, figsize=(10.0, 4.0)) as (fig, (left, right)):
        epochs = np.arange(1, len(run_002["errors"]) + 1)
        for column in range(min(sig_errors.shape[1], 8)):
            left.plot(np.arange(1, MAX_EPOCHS + 1), sig_errors[:, column], color="0.75", lw=0.7)
        left.plot(epochs, run_002["errors"], color="C0", lw=1.8,
                  label=f"002's run: stops at epoch {run_002['epochs']}")
        left.axhline(EPSILON, color="C3", ls="--", lw=1, label=f"epsilon = {EPSILON:g}")
        left.set_yscale("log")
        left.set_xlabel("epoch")
        left.set_ylabel("mean squared error")
        left.set_title("Sigmoid perceptron on 002's truth table (eta = 0.4)\n"
                       "grey: other random starts, run to 1000 epochs", fontsize=9)
        left.legend(fontsize=8)
        left.grid(alpha=0.3)
        shown = 60
        thr_right = 8 - np.rint(thr_errors[:shown] * 8)  # (epochs, starts) rows right before
        right.plot(np.arange(1, shown + 1), thr_right[:, 0] / 8, "s-", ms=3, color="C2",
                   label="truth table (8 rows), threshold unit")
        for column in range(min(xor_correct.shape[1], 4)):
            right.plot(np.arange(1, shown + 1), xor_correct[:shown, column] / 4, "o-", ms=2.5,
                       lw=0.8, color="C1", alpha=1.0 if column == 0 else 0.45,
                       label="XOR (4 rows), threshold unit, 4 starts" if column == 0 else None)
        right.axhline(1.0, color="C3", ls="--", lw=1, label="all rows right")
        right.set_ylim(0, 1.1)
        right.set_xlabel(f"epoch (first {shown} of {MAX_EPOCHS})")
        right.set_ylabel("share of rows classified right")
        right.set_title(f"Threshold unit: the truth table is learnt; XOR never\n(at most "
                        f"{int(xor_correct.max())} of 4 rows right in {MAX_EPOCHS} epochs, "
                        f"any start)", fontsize=9)
        right.legend(fontsize=8, loc="lower right")
        right.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.perceptron [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
