"""Linear regression, one-factor and multi-factor: closed form, gradient descent and keras agree.

Seed 000 lists one-factor ("单因子", one input) and multi-factor ("多因子", several inputs) linear
regression; seed 002 fits a line by least squares and calls linear regression a single-layer
network; seed 003 (D2L 3.1) adds the squared loss, gradient descent and broadcasting; seed 001
writes the model h(x) = w1 x1 + w2 x2 + b and the descent step. The reproduction fits scikit-learn's
diabetes data (442 patients, 10 baseline measurements, disease progression one year later) three
ways and checks that they land on the same coefficients.

Formula:
    model:            y_hat = X w + b                (b broadcast over the rows of X)
    loss:             L(w, b) = 1/n sum_i (y_i - y_hat_i)^2            (MSE)
    closed form:      [w; b] = argmin ||y - [X 1] [w; b]||^2
                      i.e. solve [X 1]^T [X 1] [w; b] = [X 1]^T y
    gradient descent: w = w - eta dL/dw,  b = b - eta dL/db,  dL/dw = -2/n X^T (y - y_hat)
    one factor:       y_hat = w x + b  (x = body-mass index)

Symbols: X -> ``inputs`` (n, d); y -> ``targets``; w -> ``weights``; b -> ``bias``;
eta -> ``LEARNING_RATE``; n -> rows of the training split.

Deviations: the features are standardised with the training split's mean and standard deviation
(the closed form does not care; gradient descent converges in far fewer steps), and coefficients
are reported on that scale (the one-factor line is converted back to BMI units for the plot).
Keras trains its Dense(1) with full-batch SGD at the same learning rate from the same zero
start, so it should follow the hand-written descent step for step; the seeds' mini-batch SGD
belongs to the gd-variants topic.

Expect: on the diabetes data (353 training, 89 test rows) the closed form, 6000 steps of gradient
descent and keras Dense(1) + SGD land on the same coefficients (within 0.00024), keras following
the hand-written descent step for step (difference 0). Test MSE is 4150.7 with BMI alone and 3424.3
with all ten factors; the plot shows the one-factor line. Zero initialisation is fine here:
descent from a random N(0, 10^2) start ends at the same [w, b], while a sigmoid hidden layer
started at zeros keeps its 8 units identical. Maximising the Gaussian log-likelihood
(scipy.stats.norm) gives the least-squares [w, b] with sigma^2 = the training MSE (squared loss
is Gaussian maximum likelihood). On Linnerud's 3 outputs one lstsq with a (20, 3) Y equals
scikit-learn's multi-output fit and three single-output fits.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split

from tfref import ops
from tfref.topics._base import RunContext

ID = "linear-regression"
TITLE = "Linear regression: closed form, gradient descent and keras Dense agree"
CHAPTER = "B"
SEEDS = ("000", "001", "002", "003")
OPTIONS = ('epochs',)  # the run options this topic honours (tfref run refuses others)

LEARNING_RATE = 0.2  # below 2 / largest eigenvalue of the MSE Hessian (~8 on standardised data)
STEPS = 6000  # the slowest direction shrinks by (1 - 2 * 0.2 * 0.0086) per step: e^-20 after 6000
ONE_FACTOR = "bmi"


def standardise(train: np.ndarray, *others: np.ndarray):
    """Scale columns to zero mean, unit variance with the training split's statistics only."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return [(x - mean) / std for x in (train, *others)], mean, std


def closed_form(inputs: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares with a bias column via tf.linalg.lstsq, in float64: (weights, bias)."""
    design = tf.concat([inputs, tf.ones((len(inputs), 1), tf.float64)], axis=1)  # (n, d + 1)
    solution = tf.linalg.lstsq(design, tf.reshape(targets, (-1, 1)), fast=False)  # (d + 1, 1)
    solution = solution.numpy()[:, 0]
    return solution[:-1], float(solution[-1])


def normal_equations(inputs: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, float]:
    """Solve [X 1]^T [X 1] theta = [X 1]^T y with tf.linalg.solve, in float64."""
    design = tf.concat([inputs, tf.ones((len(inputs), 1), tf.float64)], axis=1)
    gram = tf.matmul(design, design, transpose_a=True)  # (d + 1, d + 1)
    moment = tf.matmul(design, tf.reshape(targets, (-1, 1)), transpose_a=True)  # (d + 1, 1)
    solution = tf.linalg.solve(gram, moment).numpy()[:, 0]
    return solution[:-1], float(solution[-1])


@tf.function(reduce_retracing=True)
def gradient_descent(inputs, targets, learning_rate, steps):
    """Full-batch gradient descent on the MSE from w = 0, b = 0.

    Returns (w, b, loss per step, [w, b] after each step): (d,), (), (steps,), (steps, d + 1).
    """
    weights = tf.zeros(tf.shape(inputs)[1:], inputs.dtype)  # (d,)
    bias = tf.zeros((), inputs.dtype)
    losses = tf.TensorArray(inputs.dtype, size=steps)
    path = tf.TensorArray(inputs.dtype, size=steps)
    for step in tf.range(steps):
        with tf.GradientTape() as tape:
            tape.watch([weights, bias])
            predictions = tf.linalg.matvec(inputs, weights) + bias  # (n,): b broadcast
            loss = tf.reduce_mean(ops.squared_error(targets, predictions))
        weight_gradient, bias_gradient = tape.gradient(loss, [weights, bias])
        weights = ops.sgd_update(weights, weight_gradient, learning_rate)
        bias = ops.sgd_update(bias, bias_gradient, learning_rate)
        losses = losses.write(step, loss)
        path = path.write(step, tf.concat([weights, bias[None]], axis=0))
    return weights, bias, losses.stack(), path.stack()


def keras_dense(inputs: np.ndarray, targets: np.ndarray, learning_rate: float, steps: int):
    """keras Dense(1), zero start, full-batch SGD for ``steps`` steps: (w, b, final training MSE
    as keras' ``evaluate`` reports it)."""
    model = keras.Sequential(
        [
            keras.Input(shape=(inputs.shape[1],)),
            keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer="zeros"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss="mse",
        steps_per_execution=max(1, min(500, steps)),
    )
    batches = tf.data.Dataset.from_tensors((inputs, targets[:, None])).repeat(steps)
    model.fit(batches, epochs=1, verbose=0, shuffle=False)
    kernel, bias = model.layers[-1].get_weights()
    final_loss = model.evaluate(inputs, targets[:, None], batch_size=len(inputs), verbose=0)
    return kernel[:, 0], float(bias[0]), float(final_loss)


def broadcast_vs_loop(inputs: np.ndarray, weights: np.ndarray, bias: float):
    """X @ w + b (b broadcast) and an explicit loop over rows and columns."""
    broadcast = (tf.linalg.matvec(tf.constant(inputs), tf.constant(weights)) + bias).numpy()
    looped = np.empty(len(inputs))
    for i, row in enumerate(inputs):
        total = 0.0
        for j, value in enumerate(row):
            total += float(value) * float(weights[j])
        looped[i] = total + bias
    return broadcast, looped


def mse(inputs, targets, weights, bias) -> float:
    predictions = np.asarray(inputs, np.float64) @ np.asarray(weights, np.float64) + bias
    return float(np.mean((np.asarray(targets, np.float64) - predictions) ** 2))


def run(ctx: RunContext) -> None:
    data = load_diabetes(scaled=False)
    names = list(data.feature_names)
    inputs, targets = data.data.astype(np.float64), data.target.astype(np.float64)
    train, test = train_test_split(np.arange(len(targets)), test_size=0.2, random_state=ctx.seed)
    (x_train, x_test), _, _ = standardise(inputs[train], inputs[test])
    y_train, y_test = targets[train], targets[test]
    steps = ctx.train.epochs or STEPS
    ctx.note(
        f"Diabetes data (scikit-learn): {len(train)} training and {len(test)} test rows, "
        f"{len(names)} features standardised with training statistics; {steps} full-batch "
        f"steps at learning rate {LEARNING_RATE}."
    )

    # --- closed form -------------------------------------------------------------------------
    w_closed, b_closed = closed_form(x_train, y_train)
    w_normal, b_normal = normal_equations(x_train, y_train)
    sklearn_fit = LinearRegression().fit(x_train, y_train)
    ctx.claim_close(
        "closed form (tf.linalg.lstsq) = sklearn LinearRegression: [w, b]",
        np.append(w_closed, b_closed),
        np.append(sklearn_fit.coef_, sklearn_fit.intercept_),
        atol=1e-8,
        rtol=1e-9,
    )
    ctx.claim_close(
        "normal equations (tf.linalg.solve) = lstsq: [w, b]",
        np.append(w_normal, b_normal),
        np.append(w_closed, b_closed),
        atol=1e-8,
        rtol=1e-8,
    )

    # --- one factor ----------------------------------------------------------------------------
    column = names.index(ONE_FACTOR)
    x1_train = x_train[:, column : column + 1]
    w1_closed, b1_closed = closed_form(x1_train, y_train)
    w1_gd, b1_gd, _, _ = gradient_descent(
        tf.constant(x1_train, tf.float32), tf.constant(y_train, tf.float32), LEARNING_RATE, steps
    )
    with ctx.calibrated_for("epochs"):
        ctx.claim_close(
            f"one factor ({ONE_FACTOR}): gradient descent = closed form [w, b] (float32)",
            [float(w1_gd[0]), float(b1_gd)],
            [w1_closed[0], b1_closed],
            atol=1e-3,
            rtol=1e-5,
        )

    # --- multi factor: gradient descent and keras ---------------------------------------------
    w_gd, b_gd, gd_losses, gd_path = gradient_descent(
        tf.constant(x_train, tf.float32), tf.constant(y_train, tf.float32), LEARNING_RATE, steps
    )
    w_gd, b_gd, gd_losses = w_gd.numpy(), float(b_gd), gd_losses.numpy()
    distances = np.linalg.norm(gd_path.numpy() - np.append(w_closed, b_closed), axis=1)
    w_keras, b_keras, keras_loss = keras_dense(
        x_train.astype(np.float32), y_train.astype(np.float32), LEARNING_RATE, steps
    )
    scale = float(np.abs(w_closed).max())
    with ctx.calibrated_for("epochs"):
        ctx.claim_close(
            "multi-factor: gradient descent = closed form [w, b] (float32, atol 1e-4 x max|w|)",
            np.append(w_gd, b_gd),
            np.append(w_closed, b_closed),
            atol=1e-4 * scale,
            rtol=0,
        )
        ctx.claim_close(
            "multi-factor: keras Dense(1) + SGD = closed form [w, b]",
            np.append(w_keras, b_keras),
            np.append(w_closed, b_closed),
            atol=1e-4 * scale,
            rtol=0,
        )
    ctx.claim_close(
        "keras Dense(1) + full-batch SGD = hand gradient descent, step for step: [w, b]",
        np.append(w_keras, b_keras),
        np.append(w_gd, b_gd),
        atol=1e-5 * scale,
        rtol=0,
    )
    train_mse = {
        name: mse(x_train, y_train, w, b)
        for name, (w, b) in {
            "closed": (w_closed, b_closed),
            "gd": (w_gd, b_gd),
            "keras": (w_keras, b_keras),
        }.items()
    }
    with ctx.calibrated_for("epochs"):
        ctx.claim_close(
            "training MSE: gradient descent = keras = closed form (the minimum)",
            [train_mse["gd"], train_mse["keras"]],
            [train_mse["closed"]] * 2,
            rtol=1e-6,
        )
    ctx.claim_close(
        "keras evaluate() training MSE = MSE of the hand-descent fit",
        keras_loss,
        train_mse["gd"],
        rtol=1e-5,
    )
    test_mse_multi = mse(x_test, y_test, w_closed, b_closed)
    test_mse_one = mse(x_test[:, column : column + 1], y_test, w1_closed, b1_closed)
    ctx.note(
        f"Test MSE: one factor ({ONE_FACTOR}) {test_mse_one:.1f}, all ten factors "
        f"{test_mse_multi:.1f}; keras {mse(x_test, y_test, w_keras, b_keras):.1f}."
    )
    ctx.claim_less(
        "test MSE with all ten factors < test MSE with BMI alone", test_mse_multi, test_mse_one
    )

    # --- broadcasting -------------------------------------------------------------------------
    broadcast, looped = broadcast_vs_loop(x_test, w_closed, b_closed)
    ctx.claim_close(
        "broadcasting: X @ w + b (b added to every row) = explicit loop over rows (float64)",
        broadcast,
        looped,
        atol=1e-9,
        rtol=1e-12,
    )

    _zero_initialisation(ctx, x_train, y_train, np.append(w_closed, b_closed))
    _gaussian_likelihood(ctx, x_train, y_train, w_closed, b_closed)
    _multiple_outputs(ctx)

    _plot(
        ctx,
        inputs[train, column],
        y_train,
        (w1_closed[0], b1_closed),
        (float(w1_gd[0]), float(b1_gd)),
        gd_losses,
        distances,
        train_mse["closed"],
        names,
        (w_closed, w_gd, w_keras),
    )


def _zero_initialisation(ctx, x_train, y_train, optimum) -> None:
    """001 (line 109): (w1, w2, b) may start at random values or all zeros. For a linear model
    the loss is convex, so both starts reach the one minimum; in a network with a hidden layer
    zero initialisation leaves every hidden unit identical (they get identical gradients)."""
    n, d = x_train.shape
    theta = ctx.rng.normal(0.0, 10.0, d + 1)  # a random start, far from 0
    design = np.c_[x_train, np.ones(n)]
    for _ in range(STEPS):  # the same full-batch descent, in NumPy float64
        theta = theta - LEARNING_RATE * 2 * design.T @ (design @ theta - y_train) / n
    scale = float(np.abs(optimum).max())
    ctx.claim_close(
        f"linear model: gradient descent from a random start N(0, 10^2) (NumPy float64, {STEPS} "
        f"steps) ends at the closed form, where the zero start ends (claimed above)",
        theta,
        optimum,
        atol=1e-4 * scale,
        rtol=0,
    )
    target = y_train / y_train.std()  # not centred: the output weights must move too
    limit = np.sqrt(6 / (d + 8))  # glorot_uniform's bound for the (d, 8) kernel
    starts = {
        "zeros": (np.zeros((d, 8)), np.zeros(8), np.zeros(8), 0.0),
        "random": (ctx.rng.uniform(-limit, limit, (d, 8)), np.zeros(8),
                   ctx.rng.uniform(-np.sqrt(6 / 9), np.sqrt(6 / 9), 8), 0.0),
    }
    spreads = {}
    for name, params in starts.items():
        if name == "random":  # the hand-derived gradients against GradientTape, at this start
            hand = _two_layer_gradients(x_train, target, *params)
            taped = _two_layer_gradients_taped(x_train, target, *params)
            ctx.claim_close(
                "Dense(8, sigmoid) -> Dense(1), MSE: hand-derived gradients (NumPy) = "
                "GradientTape's, at a glorot-uniform start",
                np.concatenate([np.ravel(g) for g in hand]),
                np.concatenate([np.ravel(g) for g in taped]),
                atol=1e-12,
                rtol=1e-9,
            )
        for _ in range(30):  # full-batch gradient descent, learning rate 0.05
            grads = _two_layer_gradients(x_train, target, *params)
            params = tuple(p - 0.05 * g for p, g in zip(params, grads, strict=True))
        kernel = params[0]  # (d, 8): one column per hidden unit
        spreads[name] = float(np.max(np.abs(kernel - kernel[:, :1])))
        if name == "zeros":
            moved = float(np.max(np.abs(kernel)))
    # Seeds 0-4: the random start's units differ by 0.94-1.09 after 30 steps (floor 0.3); with
    # zeros the columns agree exactly (bound 1e-6) although they moved 0.10-0.11 (floor 0.05).
    ctx.claim(
        "network (Dense(8, sigmoid) -> Dense(1)), 30 full-batch descent steps: from zeros the 8 "
        "hidden units' weight columns stay identical (max difference < 1e-6, though they moved "
        "> 0.05), from glorot_uniform they differ (> 0.3; seeds 0-4: 0.94-1.09)",
        spreads["zeros"] < 1e-6 and moved > 0.05 and spreads["random"] > 0.3,
        expected="zeros < 1e-6 (moved > 0.05), random > 0.3",
        measured=f"zeros {spreads['zeros']:.2g} (moved {moved:.2g}), random "
                 f"{spreads['random']:.3g}",
    )


def _two_layer_gradients(x, y, kernel, bias, out_weights, out_bias):
    """Gradients of mean (sigmoid(x K + c) v + d - y)^2 by hand (float64)."""
    hidden = 1 / (1 + np.exp(-(x @ kernel + bias)))  # (n, 8)
    error = 2 * (hidden @ out_weights + out_bias - y) / len(y)  # (n,)
    back = np.outer(error, out_weights) * hidden * (1 - hidden)  # (n, 8)
    return x.T @ back, back.sum(axis=0), hidden.T @ error, float(error.sum())


def _two_layer_gradients_taped(x, y, kernel, bias, out_weights, out_bias):
    params = [tf.constant(kernel), tf.constant(bias), tf.constant(out_weights),
              tf.constant(out_bias, tf.float64)]
    with tf.GradientTape() as tape:
        tape.watch(params)
        hidden = tf.sigmoid(tf.constant(x) @ params[0] + params[1])
        loss = tf.reduce_mean(tf.square(tf.linalg.matvec(hidden, params[2]) + params[3] - y))
    return [g.numpy() for g in tape.gradient(loss, params)]


def _gaussian_likelihood(ctx, x_train, y_train, weights, bias) -> None:
    """001 (line 138): squared loss is the negative log-likelihood of Gaussian noise,
    y = x w + b + e, e ~ N(0, sigma^2): maximising sum log N(y_i; x_i w + b, sigma) by a general
    optimiser on scipy.stats.norm.logpdf reaches least squares, with sigma^2 = the MSE."""
    from scipy.optimize import minimize
    from scipy.stats import norm

    n, d = x_train.shape
    design = np.c_[x_train, np.ones(n)]
    scale_y = float(y_train.std())

    def negative_log_likelihood(params):  # params: [w, b] in units of std(y), then log sigma
        mean = design @ params[:-1] * scale_y
        return -float(np.sum(norm.logpdf(y_train, loc=mean, scale=np.exp(params[-1]))))

    start = np.r_[np.zeros(d + 1), np.log(scale_y)]
    found = minimize(negative_log_likelihood, start, method="BFGS", options={"gtol": 1e-8})
    estimate = found.x[:-1] * scale_y
    least_squares = np.append(weights, bias)
    ctx.claim_close(
        "argmax of the Gaussian log-likelihood (BFGS on scipy.stats.norm.logpdf) = least squares "
        "[w, b]",
        estimate,
        least_squares,
        atol=1e-3 * float(np.abs(least_squares).max()),
        rtol=0,
    )
    ctx.claim_close(
        "... and its sigma^2 equals the training MSE at the least-squares fit",
        float(np.exp(2 * found.x[-1])),
        mse(x_train, y_train, weights, bias),
        rtol=1e-4,
    )


def _multiple_outputs(ctx) -> None:
    """002 (line 601): multiple (several inputs) and multivariate (several outputs) regression.
    scikit-learn's Linnerud data: 3 exercises -> 3 physiological measurements of 20 men; one
    least-squares solve with a 3-column Y gives a (3 + 1, 3) coefficient matrix."""
    from sklearn.datasets import load_linnerud

    data = load_linnerud()
    x, y = data.data.astype(np.float64), data.target.astype(np.float64)  # (20, 3), (20, 3)
    design = tf.concat([x, tf.ones((len(x), 1), tf.float64)], axis=1)
    solution = tf.linalg.lstsq(design, y, fast=False).numpy()  # (4, 3): [W; b]
    reference = LinearRegression().fit(x, y)
    ctx.claim_close(
        "multivariate regression (Linnerud: 3 exercises -> weight, waist, pulse): one "
        "tf.linalg.lstsq with a (20, 3) Y = sklearn LinearRegression coef_ (3, 3) and "
        "intercept_ (3,)",
        solution,
        np.vstack([reference.coef_.T, reference.intercept_]),
        atol=1e-8,
        rtol=1e-8,
    )
    separately = np.column_stack([np.append(*closed_form(x, y[:, k])) for k in range(3)])
    ctx.claim_close(
        "... and each output's column equals its own single-output fit (the outputs decouple)",
        solution,
        separately,
        atol=1e-8,
        rtol=1e-8,
    )


def _plot(ctx, bmi, y, line_closed, line_gd, gd_losses, distances, minimum, names, weights):
    mean, std = bmi.mean(), bmi.std()
    grid = np.linspace(bmi.min(), bmi.max(), 50)
    with ctx.figure("fit", ncols=3, figsize=(14.5, 4.0)) as (fig, axes):
        axis = axes[0]
        axis.scatter(bmi, y, s=8, alpha=0.5, color="0.4", label="training rows")
        for (w, b), style, label in (
            (line_closed, "-", "closed form"),
            (line_gd, "--", "gradient descent"),
        ):
            axis.plot(grid, w * (grid - mean) / std + b, style, lw=2, label=label)
        axis.set(
            xlabel="body-mass index",
            ylabel="disease progression after one year",
            title="one factor: y = w x + b",
        )
        axis = axes[1]
        steps = np.arange(1, len(gd_losses) + 1)
        resolution = np.finfo(np.float32).eps * minimum  # float32 spacing near the minimum MSE
        axis.semilogy(
            steps, np.maximum(gd_losses - minimum, resolution), lw=2, label="training MSE - minimum"
        )
        axis.semilogy(steps, distances, lw=2, label="||[w, b] - closed form||")
        axis.axhline(resolution, color="0.5", ls=":", lw=1, label="float32 resolution of the MSE")
        axis.set(
            xlabel="gradient-descent step (keras Dense(1) + SGD follows it exactly)",
            title="ten factors: gradient descent converges",
        )
        axis = axes[2]
        positions = np.arange(len(names))
        for offset, (values, label) in zip(
            (-0.27, 0, 0.27), zip(weights, ("closed form", "gradient descent", "keras Dense(1)"))
        ):
            axis.bar(positions + offset, values, width=0.27, label=label)
        axis.set_xticks(positions, names, rotation=45)
        axis.set(ylabel="coefficient (standardised features)", title="the three fits agree")
        for axis in axes:
            axis.grid(alpha=0.3)
            axis.legend(fontsize=7)


if __name__ == "__main__":  # python -m tfref.topics.linear_regression [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
