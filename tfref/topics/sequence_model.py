"""An autoregressive model of a noisy series: one-step vs k-step-ahead prediction.

Formula (003 8.1, D2L 9.1):
    x_t = sin(0.01 t) + eps_t,   eps_t ~ N(0, sigma^2),   t = 1..T
    x_hat_t = f(x_{t-tau}, ..., x_{t-1})                        (autoregressive, tau lags)
    k-step-ahead: x_hat_{t+k-1} feeds on x_hat_{t..t+k-2} where observations are missing
    errors compound: the one-step error is about sigma^2; the k-step error grows with k

Symbols -> names: T -> ``LENGTH`` (1000); tau -> ``TAU`` (4); sigma -> ``NOISE`` (0.2); f -> a
4-10-1 ReLU MLP (keras, trained by ``tfref.train.fit``); k -> ``HORIZONS`` (1, 4, 16, 64).

Deviations: 003 states only the lessons (extrapolation is harder than interpolation; respect
time order); the experiment is D2L's (same series, tau, network, Adam lr 0.01, 5 epochs, batch
16, first 600 examples for training). Errors are measured on the held-out future only (targets
after the training examples), as 003 asks, not over the whole series as D2L's plots. The MLP
trains through tfref.train.fit with the command line's training options: ``tfref run
sequence-model`` honours --epochs, --checkpoint-dir/--resume, --logdir, --strategy and --device
(one sub-directory ``sequence-model-s<seed>`` per seed of the full run). A linear
AR(tau) fitted by least squares (NumPy) is the independent baseline for the one-step error.
Full mode repeats the experiment over 5 seeds and claims on the mean.

Expect: on sin(0.01 t) plus noise (T = 1000, tau = 4) the 4-10-1 MLP's one-step-ahead held-out MSE
is 0.0543, close to a linear AR(4)'s 0.0523 and far below the constant predictor's 0.4418.
Predicting k steps ahead compounds the error, from 0.0530 at k = 1 to 0.4778 at k = 64, and
free-running prediction reaches 1.952. Filling a 64-step gap from both sides (interpolation) is
1.8-3.0 times more accurate than forecasting it from the past (extrapolation), while forward and
backward one-step errors are equal on this time-reversible series; the plot shows the predictions (--quick: one-step 0.0466,
k = 64 0.5058, free-running 1.194).
"""

from __future__ import annotations

import keras
import numpy as np

from tfref.topics._base import RunContext
from tfref.train import TrainOptions, fit

ID = "sequence-model"
TITLE = "Sequence model: autoregression, one-step vs k-step-ahead prediction"
CHAPTER = "F"
SEEDS = ("003",)
OPTIONS = ('epochs', 'checkpoint_dir', 'resume', 'logdir', 'strategy', 'device')  # the run options this topic honours (tfref run refuses others)

LENGTH = 1000
TAU = 4
NOISE = 0.2  # standard deviation of eps_t; the noise variance is 0.04
TRAIN = 600  # training examples (targets x_5..x_604), the past
HORIZONS = (1, 4, 16, 64)


def make_series(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(1, LENGTH + 1)
    return (np.sin(0.01 * t) + rng.normal(0.0, NOISE, LENGTH)).astype(np.float32)


def lagged(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """features[i] = x[i .. i + tau - 1], label[i] = x[i + tau]."""
    features = np.stack([x[i:len(x) - TAU + i] for i in range(TAU)], axis=1)
    return features, x[TAU:]


def train_mlp(features, labels, seed: int, epochs: int, options: TrainOptions | None = None):
    """The 4-10-1 MLP on the first TRAIN examples; ``options`` (the command line's training
    options) add checkpoints, logs, a strategy or a device, in the sub-directory
    ``sequence-model-s<seed>``."""
    options = options or TrainOptions()
    keras.utils.set_random_seed(seed)
    with options.model_scope():
        model = keras.Sequential([keras.Input((TAU,)),
                                  keras.layers.Dense(10, activation="relu"),
                                  keras.layers.Dense(1)])
        optimizer = keras.optimizers.Adam(0.01)
    history = fit(model, features[:TRAIN], labels[:TRAIN, None],
                  loss_fn=keras.losses.MeanSquaredError(), optimizer=optimizer, batch_size=16,
                  seed=seed, jit_compile=False, progress=False,
                  **options.fit_kwargs(epochs, name=f"{ID}-s{seed}"))
    return model, history


def numpy_predictor(model):
    """The trained MLP as a NumPy function (fast for the sequential k-step recursion)."""
    w1, b1, w2, b2 = (np.asarray(w, np.float64) for w in model.get_weights())
    return lambda z: (np.maximum(np.asarray(z, np.float64) @ w1 + b1, 0.0) @ w2)[..., 0] + b2[0]


def experiment(seed: int, epochs: int, options: TrainOptions | None = None) -> dict:
    x = make_series(seed)
    features, labels = lagged(x)
    model, history = train_mlp(features, labels, seed, epochs, options)
    f = numpy_predictor(model)
    keras_one_step = model(features, training=False).numpy()[:, 0]
    one_step = f(features)
    future = slice(TRAIN, None)  # examples whose target lies after the training targets

    # Linear AR(tau) by least squares on the same training examples (independent baseline).
    design = np.c_[features, np.ones(len(features))].astype(np.float64)
    coef = np.linalg.lstsq(design[:TRAIN], labels[:TRAIN].astype(np.float64), rcond=None)[0]
    linear = design @ coef

    # k-step-ahead from every start (D2L): columns 0..tau-1 observed, then predictions.
    max_k = max(HORIZONS)
    starts = LENGTH - TAU - max_k + 1
    table = np.zeros((starts, TAU + max_k))
    for i in range(TAU):
        table[:, i] = x[i:i + starts]
    for i in range(TAU, TAU + max_k):
        table[:, i] = f(table[:, i - TAU:i])
    k_step, k_series = {}, {}
    for k in HORIZONS:
        target_index = np.arange(TAU + k - 1, TAU + k - 1 + starts)  # index into x
        prediction = table[:, TAU + k - 1]
        held_out = target_index >= TRAIN + TAU
        k_step[k] = float(np.mean((prediction[held_out] - x[target_index][held_out]) ** 2))
        k_series[k] = (target_index, prediction)

    # Free-running from the end of the training data: only predictions after x_604.
    free = x.astype(np.float64).copy()
    for i in range(TRAIN + TAU, LENGTH):
        free[i] = f(free[i - TAU:i][np.newaxis])[0]
    return {
        "x": x, "one_step": one_step, "keras_one_step": keras_one_step, "free": free,
        "mse_one_step": float(np.mean((one_step[future] - labels[future]) ** 2)),
        "mse_linear": float(np.mean((linear[future] - labels[future]) ** 2)),
        "mse_mean": float(np.mean((labels[:TRAIN].mean() - labels[future]) ** 2)),
        "mse_free": float(np.mean((free[TRAIN + TAU:] - x[TRAIN + TAU:]) ** 2)),
        "k_step": k_step, "k_series": k_series, "train_loss": float(history.metrics["loss"][-1]),
    }


def run(ctx: RunContext) -> None:
    options = ctx.train  # the command line's training options
    epochs = options.epochs or 5
    seeds = [ctx.seed] if ctx.quick else [ctx.seed + i for i in range(5)]
    results = [experiment(seed, epochs, options) for seed in ctx.progress(seeds, desc="seeds")]
    first = results[0]
    variance = NOISE**2

    ctx.claim_close("the NumPy copy of the trained MLP equals the keras model (one-step predictions)",
              first["one_step"], first["keras_one_step"], atol=1e-5, rtol=1e-5)

    def mean(key):
        return float(np.mean([r[key] for r in results]))

    label = f"mean over {len(seeds)} seeds" if len(seeds) > 1 else f"seed {ctx.seed}"
    one_step = mean("mse_one_step")
    with ctx.calibrated_for("epochs"):
        ctx.claim_close(f"one-step-ahead MSE on the held-out future / noise variance sigma^2 = "
                  f"{variance:g} ({label}); near 1 (an AR predictor also passes on some input noise)",
                  one_step / variance, 1.4, atol=0.5, rtol=0.0)
        ctx.claim_close("one-step MSE of the MLP / that of a linear AR(4) fitted by least squares",
                  one_step / mean("mse_linear"), 1.0, atol=0.25, rtol=0.0)
        ctx.claim_greater("predicting the training mean instead: its MSE / the one-step MSE (a model "
                    "that ignores the lags fails the claims above)", mean("mse_mean") / one_step, 5.0)

    errors = [float(np.mean([r["k_step"][k] for r in results])) for k in HORIZONS]
    with ctx.calibrated_for("epochs"):
        ctx.claim(f"k-step-ahead MSE grows with k over k = {HORIZONS} (each >= 0.95 x the previous)",
                  all(b >= 0.95 * a for a, b in zip(errors, errors[1:], strict=False)),
                  measured=", ".join(f"k={k}: {e:.4f}" for k, e in zip(HORIZONS, errors, strict=True)))
        ctx.claim_greater(f"64-step-ahead MSE / 1-step-ahead MSE ({label})", errors[-1] / errors[0], 3.0)
        ctx.claim_greater("free-running prediction after the training data (only its own outputs as "
                    "inputs): MSE / one-step MSE", mean("mse_free") / one_step, 5.0)
    ctx.note(f"Series sin(0.01 t) + N(0, {NOISE}^2), T = {LENGTH}, tau = {TAU}; MLP 4-10-1 ReLU, "
             f"Adam 0.01, {epochs} epochs, batch 16, trained on the first {TRAIN} examples (final "
             f"training MSE {first['train_loss']:.4f}, seed {ctx.seed}). Held-out MSE: one-step "
             f"{one_step:.4f} (linear AR least squares {mean('mse_linear'):.4f}, constant "
             f"{mean('mse_mean'):.4f}); k-step " + ", ".join(
                 f"{k}: {e:.4f}" for k, e in zip(HORIZONS, errors, strict=True))
             + f"; free-running {mean('mse_free'):.3f}.")
    _plot(ctx, first, errors, variance)
    interpolation_and_direction(ctx, first["x"].astype(np.float64))


GAP = 64  # missing stretch of the held-out future, in steps


def _least_squares_ar(features, labels):
    design = np.c_[features, np.ones(len(features))]
    return np.linalg.lstsq(design, labels, rcond=None)[0]


def interpolation_and_direction(ctx: RunContext, x: np.ndarray) -> None:
    """003:233-234: interpolation (both sides of a gap known) is easier than extrapolation (only
    the past); and forward vs backward one-step prediction. Linear AR(tau), NumPy."""
    features, labels = lagged(x)
    forward = _least_squares_ar(features[:TRAIN], labels[:TRAIN])
    extrapolated, interpolated = [], []
    for start in range(TRAIN + 2 * TAU, LENGTH - GAP - TAU, GAP + TAU):
        history = list(x[start - TAU:start])
        for _ in range(GAP):  # forecast the gap from the past only
            history.append(float(np.r_[history[-TAU:], 1.0] @ forward))
        left, right = x[start - TAU:start].mean(), x[start + GAP:start + GAP + TAU].mean()
        at = np.arange(GAP)
        left_at, right_at = -(TAU + 1) / 2, GAP - 1 + (TAU + 1) / 2  # centres of the two means
        line = left + (right - left) * (at - left_at) / (right_at - left_at)
        truth = x[start:start + GAP]
        extrapolated.append(np.mean((np.array(history[TAU:]) - truth) ** 2))
        interpolated.append(np.mean((line - truth) ** 2))
    ratio = float(np.mean(extrapolated) / np.mean(interpolated))
    # seeds 0-4 (the series depends on the seed only): 1.76-3.04; floor 1.76 - 0.3
    ctx.claim_greater(f"{len(extrapolated)} gaps of {GAP} steps in the held-out future: MSE of the "
                      "AR(4) forecast from the past only / MSE of a straight line between the means "
                      "of the 4 values each side (extrapolation vs interpolation; seeds 0-4 "
                      "1.76-3.04, - 0.3)", ratio, 1.45)
    reverse = x[::-1]
    back_features, back_labels = lagged(reverse)
    original = LENGTH - 1 - np.arange(TAU, LENGTH)  # time of each reversed target
    past = original + TAU < TRAIN + TAU  # its inputs x_{t+1..t+4} lie in the training part
    backward = _least_squares_ar(back_features[past], back_labels[past])
    future = original >= TRAIN + TAU
    mse_forward = float(np.mean((np.c_[features, np.ones(len(features))] @ forward
                                 - labels)[TRAIN:] ** 2))
    mse_backward = float(np.mean((np.c_[back_features, np.ones(len(back_features))] @ backward
                                  - back_labels)[future] ** 2))
    ctx.claim_close("backward one-step MSE (x_t from x_{t+1..t+4}) / forward, held-out future: "
                    "equal within 0.05 on this series (seeds 0-4 0.98-1.00)",
                    mse_backward / mse_forward, 1.0, atol=0.05, rtol=0)
    ctx.note(f"Interpolation vs extrapolation (003): over {len(extrapolated)} held-out gaps of "
             f"{GAP} steps the past-only AR(4) forecast has MSE {np.mean(extrapolated):.4f}, a "
             f"straight line between both sides {np.mean(interpolated):.4f} (noise variance "
             f"{NOISE ** 2:g}). Forward vs backward: one-step MSE {mse_forward:.4f} forward, "
             f"{mse_backward:.4f} backward. 003's 'forward is easier' is not visible in squared "
             "error here, and cannot be: a stationary Gaussian series has the same linear "
             "prediction error in both directions (its autocovariance is symmetric); the "
             "asymmetry of causal series shows in non-Gaussian residuals, not measured here.")


def _plot(ctx, result, errors, variance) -> None:
    with ctx.figure("predictions", ncols=3, figsize=(14.0, 3.8)) as (fig, (left, middle, right)):
        t = np.arange(1, LENGTH + 1)
        left.plot(t, result["x"], color="0.7", lw=0.8, label="observed x_t")
        left.plot(t[TAU:], result["one_step"], color="C0", lw=0.9, label="1-step-ahead")
        left.plot(t[TRAIN + TAU:], result["free"][TRAIN + TAU:], color="C3", lw=1.2,
                  label=f"free-running from t = {TRAIN + TAU}")
        left.axvline(TRAIN + TAU, color="k", ls=":", lw=0.8)
        left.set_title("Training on t <= 604, then the future", fontsize=9)
        middle.plot(t, result["x"], color="0.8", lw=0.8, label="observed")
        for k, color in zip(HORIZONS, ("C0", "C1", "C2", "C3"), strict=True):
            index, prediction = result["k_series"][k]
            middle.plot(t[index], prediction, color=color, lw=0.9, label=f"{k}-step-ahead")
        middle.axvline(TRAIN + TAU, color="k", ls=":", lw=0.8)
        middle.set_title("k-step-ahead predictions (D2L 9.1); errors measured after the "
                         "dotted line", fontsize=8)
        for axis in (left, middle):
            axis.set_xlabel("t")
            axis.set_ylabel("x")
            axis.legend(fontsize=7)
        right.loglog(HORIZONS, errors, "o-", label="k-step MSE (held-out)")
        right.axhline(variance, color="k", ls="--", lw=0.8, label="noise variance sigma^2")
        right.set_ylim(0.8 * variance, 1.5 * max(errors))
        right.set_xticks(HORIZONS, [str(k) for k in HORIZONS])
        right.set_xlabel("k (steps ahead)")
        right.set_ylabel("MSE")
        right.set_title("Error grows with the horizon", fontsize=9)
        right.legend(fontsize=7)
        right.grid(alpha=0.3, which="both")


if __name__ == "__main__":  # python -m tfref.topics.sequence_model [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
