"""Universal approximation: one hidden layer fits a 1-D function better as its units grow.

Seed 001 (19): by the universal approximation theorem a multilayer perceptron with enough
parameters and hidden units can fit any continuous function. The reproduction fits
f(x) = sin(3x) + 0.5 cos(7x) on [-2, 2] with one hidden layer of 1, 4, 16 and 64 units, twice:

Formula:
    constructive:  g_H(x) = f(k_0) + sum_i c_i relu(x - k_i), the broken line through H + 1
                   equally spaced knots (tfref.nn.approximation.relu_interpolant_weights);
                   max |f - g_H| <= max|f''| h^2 / 8,  h = 4 / H   (falls as 1 / H^2)
    trained:       x -> tanh(x W1 + b1) W2 + b2,  Adam on the mean squared error, full batch

Symbols -> names: H -> ``WIDTHS``; g_H -> a keras Sequential(Dense(H, relu), Dense(1)) given
those weights; the trained nets -> ``train_one_hidden_layer_nets``.

Oracles: numpy.interp (the broken line, computed without any network), the error bound
max|f''| h^2 / 8, and keras Sequential models given each trained net's weights (they must
reproduce the side-by-side training's outputs).

Deviations: the theorem is about existence; the constructive nets show it, the trained ones show
what 1000 Adam steps (4000 in full mode) reach from a Glorot start, which is less than the
best a wide net could do (the optimiser, not the capacity, limits the 16- and 64-unit nets).

Expect: the broken-line ReLU nets equal numpy.interp; their largest error is 1.62, 1.86, 0.234
and 0.0161 for 1, 4, 16 and 64 units (4 units' knots, 1 apart, are coarser than cos(7x)'s
wiggles; from there on the error falls about 15 times per 4 times as many units, as 1 / H^2);
the trained tanh nets' MSE falls from 0.48 (1 unit, a bent straight line: the best line has
0.56) to 0.007-0.03 (16 and 64 units; quick seeds 0-4). The trained nets go through
tfref.train.fit (an engine epoch is 50 full-batch Adam steps: 20 epochs quick, 80 full), so
--epochs, --checkpoint-dir/--resume, --logdir, --strategy and --device apply. The plot shows the
target and each net's fit, and the errors against the units on log axes.
"""

from __future__ import annotations

import keras
import numpy as np

from tfref.nn.approximation import relu_interpolant_weights, train_one_hidden_layer_nets
from tfref.topics._base import RunContext

ID = "universal-approximation"
TITLE = "Universal approximation: error against hidden units"
CHAPTER = "C"
SEEDS = ("001",)
OPTIONS = ("epochs", "checkpoint_dir", "resume", "logdir", "strategy", "device")  # the run options this topic honours (tfref run refuses others)

WIDTHS = (1, 4, 16, 64)
STEPS_PER_EPOCH = 50
LOW, HIGH = -2.0, 2.0


def target(x):
    return np.sin(3 * x) + 0.5 * np.cos(7 * x)


def _net(width: int, activation: str, weights) -> keras.Sequential:
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(width, activation=activation),
                              keras.layers.Dense(1)])
    model.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    return model


def _numpy_net(weights, x, act):
    w1, b1, w2, b2 = (np.asarray(w, dtype=np.float64) for w in weights)
    return (act(x[:, None] @ w1 + b1) @ w2 + b2)[:, 0]


def run(ctx: RunContext) -> None:
    x = np.linspace(LOW, HIGH, 401)
    y = target(x)
    bound_f2 = 9 + 0.5 * 49  # max |f''| <= 3^2 + 0.5 * 7^2
    broken = {}
    for h in WIDTHS:
        knots = np.linspace(LOW, HIGH, h + 1)
        weights = relu_interpolant_weights(knots, target(knots))
        fit = _numpy_net(weights, x, lambda z: np.maximum(z, 0.0))
        interp = np.interp(x, knots, target(knots))
        if h in (4, 64):
            keras_fit = _net(h, "relu", weights)(x[:, None].astype(np.float32)).numpy()[:, 0]
            ctx.claim_close(f"{h}-unit ReLU net (keras Dense layers) equals numpy.interp's broken "
                            "line", keras_fit, interp, atol=1e-5, rtol=0)
        broken[h] = (fit, float(np.max(np.abs(fit - y))))
        ctx.claim_less(f"{h} ReLU units: max error below the bound max|f''| h^2 / 8",
                       broken[h][1], bound_f2 * (4.0 / h) ** 2 / 8)
    errors = [broken[h][1] for h in WIDTHS]
    # With 1 and 4 units the knots (spacing 4 and 1) are coarser than cos(7x)'s period 0.9, so
    # 4 units are not better than 1 (1.86 against 1.62): the rate holds once knots resolve f.
    ctx.claim("constructive ReLU nets: the max error falls 4 -> 16 -> 64 units",
              errors[1] > errors[2] > errors[3], measured=", ".join(f"{e:.3g}" for e in errors))
    # Theory: 16x per 4x units once the knots resolve the wiggles; measured 16 -> 64: ~15.
    ctx.claim_greater("max error of 16 units / of 64 units (theory 16 for a smooth f; "
                      "floor 8)", errors[2] / errors[3], 8.0)

    steps = 1000 if ctx.quick else 4000
    train_x = np.linspace(LOW, HIGH, 256)
    # The trained nets go through tfref.train.fit (an epoch is STEPS_PER_EPOCH full-batch Adam
    # steps), so --epochs, --checkpoint-dir/--resume, --logdir, --strategy and --device apply.
    options = ctx.train.fit_kwargs(steps // STEPS_PER_EPOCH, name=ID)
    steps = options["epochs"] * STEPS_PER_EPOCH
    weights, mse = train_one_hidden_layer_nets(train_x, target(train_x), WIDTHS,
                                               activation="tanh", steps=steps,
                                               learning_rate=0.02, seed=ctx.seed,
                                               steps_per_epoch=STEPS_PER_EPOCH,
                                               fit_options=options)
    final = mse[-1]
    fits = []
    for h, w, m in zip(WIDTHS, weights, final, strict=True):
        fits.append(_numpy_net(w, train_x, np.tanh))
        if h == 16:
            fit = _net(h, "tanh", w)(train_x[:, None].astype(np.float32)).numpy()[:, 0]
            ctx.claim_close("side-by-side training: a keras Sequential given the 16-unit net's "
                            "weights has the MSE the training reported",
                            float(np.mean((fit - target(train_x)) ** 2)), float(m), rtol=1e-4)
    line = np.polyval(np.polyfit(train_x, target(train_x), 1), train_x)
    line_mse = float(np.mean((line - target(train_x)) ** 2))
    with ctx.calibrated_for("epochs"):  # floors for the topic's own number of steps
        # Quick seeds 0-4: MSE of 1 tanh unit / the straight line's 0.852-0.860; floor 0.75.
        ctx.claim_greater("1 tanh unit is hardly better than the least squares straight line "
                          "(numpy.polyfit): MSE ratio (quick seeds 0-4: >= 0.85; floor 0.75)",
                          float(final[0]) / line_mse, 0.75)
        # Quick seeds 0-4: MSE(1) / min(MSE(16), MSE(64)) 19.2-65.8; MSE(4) / MSE(64) 2.0-12.6.
        ctx.claim_greater("trained: MSE of 1 unit / best MSE of 16 or 64 units (quick seeds 0-4: "
                          ">= 19.2; floor 10)", float(final[0] / min(final[2], final[3])), 10.0)
        ctx.claim_greater("trained: MSE of 4 units / MSE of 64 units (quick seeds 0-4: >= 2.0; "
                          "floor 1.2)", float(final[1] / final[3]), 1.2)
    ctx.note("Max error of the broken-line ReLU nets: " + ", ".join(
        f"{h} units {e:.3g}" for h, e in zip(WIDTHS, errors, strict=True))
        + f". Trained tanh nets after {steps} Adam steps (lr 0.02), MSE: " + ", ".join(
        f"{h} units {m:.3g}" for h, m in zip(WIDTHS, final, strict=True))
        + f" (the best straight line: {line_mse:.3g}).")
    _plot(ctx, x, y, broken, train_x, fits, errors, final)


def _plot(ctx, x, y, broken, train_x, fits, errors, final) -> None:
    with ctx.figure("fits", ncols=3, figsize=(14.0, 3.8)) as (fig, (left, middle, right)):
        for ax, curves, title in ((left, [broken[h][0] for h in WIDTHS], "broken-line ReLU nets"),
                                  (middle, fits, "trained tanh nets")):
            grid = x if ax is left else train_x
            ax.plot(grid, target(grid), color="k", lw=2.5, alpha=0.4, label="f")
            for h, curve in zip(WIDTHS, curves, strict=True):
                ax.plot(grid, curve, lw=1, label=f"{h} units")
            ax.set_title(title, fontsize=9)
            ax.legend(fontsize=7)
        right.loglog(WIDTHS, errors, marker="o", label="ReLU broken line: max error")
        right.loglog(WIDTHS, final, marker="s", label="trained tanh: MSE")
        right.loglog(WIDTHS, errors[1] * (np.array(WIDTHS) / 4.0) ** -2, ls=":", color="0.5",
                     label="slope -2 (1 / H^2)")
        right.set_xlabel("hidden units H")
        right.set_title("error against hidden units", fontsize=9)
        right.legend(fontsize=7)


if __name__ == "__main__":  # python -m tfref.topics.universal_approximation [--quick] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
