"""Regularisation: L1 gives exact zeros, L2 (weight decay) shrinks; the bias is not penalised.

Seed 002 adds an L1 penalty (sum of absolute coefficients) or an L2 penalty (sum of squares) to
the loss and explains weight decay as L2 regularisation; seed 003 (D2L 4.5) writes weight decay
as L(w, b) + lambda/2 ||w||^2, notes that the output layer's bias is usually not penalised and
that a larger lambda constrains w more. The reproduction fits scikit-learn's diabetes data
(10 standardised baseline measurements) with both penalties, checks the weight-decay step
against the L2 gradient (and keras' ``weight_decay``), and shows the train/test gap closing as
lambda grows on a problem built to overfit (second-order terms of the ten measurements, fitted
on 60 patients).

Formula:
    L(w, b)  = 1/(2n) sum_i (y_i - x_i w - b)^2                    (squared loss)
    L1:        L(w, b) + lambda_1 ||w||_1
               proximal step: w = S(w - eta grad_w L, eta lambda_1),
               S(z, t) = sign(z) max(|z| - t, 0)  (exact zeros)
    L2:        L(w, b) + lambda/2 ||w||^2
               closed form: (X_c^T X_c / n + lambda I) w = X_c^T y_c / n,
               b = mean(y) - mean(x) w  (X_c, y_c centred)
    weight decay: w = (1 - eta lambda) w - eta grad_w L  ==  w - eta grad_w (L + lambda/2 ||w||^2)
    bias:      d/db (L + lambda/2 ||w||^2) = dL/db      (no lambda term)

Symbols: lambda_1, lambda -> ``l1``, ``l2``; eta -> ``step``; S -> ``soft_threshold``;
X -> ``inputs``; y -> ``targets``; w, b -> ``weights``, ``bias``.

Deviations: seed 002 says the L2 penalty gives sparse solutions (erratum 5); it is L1 that
zeroes coefficients, L2 only shrinks them, and the claims show it. The penalties are scaled per
example (1/(2n) on the squared loss), so lambda_1 equals scikit-learn Lasso's ``alpha`` and
lambda equals Ridge's ``alpha`` / n. The overfitting problem standardises the ten measurements
and their 55 squares and products with the 60 training rows' statistics.

Expect: proximal gradient descent equals scikit-learn's Lasso and the closed form its Ridge; on a
lambda grid from 0.05 to 30, L1 sets up to 8 of the 10 coefficients exactly to 0 while L2 sets none
(erratum 5). On the problem built to overfit (65 features, 60 training rows) the smallest lambda
gives test MSE 100728, 923 times the training MSE, and the validation-chosen lambda 1.12 gives
4148; the plot shows the coefficient paths, ||w|| and the train/test gap over lambda (--quick: 8
lambdas; lambda 1, test MSE 4190). Seed 004's regularised mini-batch cost
1/1000 sum L + lambda/(2 * 1000) sum_l ||W^[l]||_F^2, by hand from a 3-layer network's weights,
equals keras' loss with kernel_regularizer = L2(lambda / (2 * 1000)).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso, Ridge
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import PolynomialFeatures

from tfref import ops
from tfref.topics._base import RunContext

ID = "regularization"
TITLE = "L1 and L2 regularisation, weight decay, and the train/test gap over lambda"
CHAPTER = "B"
SEEDS = ("002", "003", "004")
OPTIONS = ()  # honours no run option (tfref run refuses them)

ISTA_STEPS = 20_000  # proximal-gradient steps for the lambda_1 values checked against scikit-learn
PATH_STEPS = 3_000  # per lambda_1 on the path (warm-started from the previous lambda)
CHECKED_L1 = (0.5, 2.0, 8.0)
SMALL_TRAIN = 60  # rows of the overfitting problem's training split


def standardise(train: np.ndarray, *others: np.ndarray):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return [(x - mean) / std for x in (train, *others)]


def squared_loss(inputs, targets, weights, bias):
    """L(w, b) = 1/(2n) sum (y - x w - b)^2."""
    residuals = targets - (tf.linalg.matvec(inputs, weights) + bias)
    return tf.reduce_mean(tf.square(residuals)) / 2


def soft_threshold(values, threshold):
    """S(z, t) = sign(z) max(|z| - t, 0): the proximal map of t ||.||_1 (exact zeros)."""
    return tf.sign(values) * tf.maximum(tf.abs(values) - threshold, 0)


@tf.function(reduce_retracing=True)
def ista(inputs, targets, l1, step, steps, weights, bias):
    """Proximal gradient descent on L(w, b) + l1 ||w||_1 from (weights, bias); bias unpenalised."""
    for _ in tf.range(steps):
        with tf.GradientTape() as tape:
            tape.watch([weights, bias])
            loss = squared_loss(inputs, targets, weights, bias)
        weight_gradient, bias_gradient = tape.gradient(loss, [weights, bias])
        weights = soft_threshold(ops.sgd_update(weights, weight_gradient, step), step * l1)
        bias = ops.sgd_update(bias, bias_gradient, step)
    return weights, bias


def ridge(inputs: np.ndarray, targets: np.ndarray, l2: float):
    """argmin L(w, b) + l2/2 ||w||^2 with the bias unpenalised, by centring and tf.linalg.solve."""
    mean_x, mean_y = inputs.mean(axis=0), targets.mean()
    centred = tf.constant(inputs - mean_x)
    n, d = inputs.shape
    gram = tf.matmul(centred, centred, transpose_a=True) / n + l2 * tf.eye(d, dtype=tf.float64)
    moment = tf.linalg.matvec(centred, tf.constant(targets - mean_y), transpose_a=True) / n
    weights = tf.linalg.solve(gram, moment[:, None])[:, 0].numpy()
    return weights, float(mean_y - mean_x @ weights)


def mse(inputs, targets, weights, bias) -> float:
    return float(np.mean((targets - inputs @ weights - bias) ** 2))


def run(ctx: RunContext) -> None:
    data = load_diabetes(scaled=False)
    inputs, targets = data.data.astype(np.float64), data.target.astype(np.float64)
    train, test = train_test_split(np.arange(len(targets)), test_size=0.2, random_state=ctx.seed)
    x_train, x_test = standardise(inputs[train], inputs[test])
    y_train = targets[train]
    n = len(train)

    paths = _l1_against_l2(ctx, x_train, y_train, n)
    _weight_decay(ctx, x_train, y_train)
    norms = _norm_over_lambda(ctx, x_train, y_train)
    gap = _train_test_gap(ctx, inputs, targets)
    _minibatch_cost(ctx, standardise(inputs)[0], targets)
    _plot(ctx, paths, norms, gap, list(data.feature_names))


def _l1_against_l2(ctx, x_train, y_train, n):
    """Erratum 5: L1 zeroes coefficients, L2 does not."""
    x, y = tf.constant(x_train), tf.constant(y_train)
    step = 1.0 / np.linalg.eigvalsh(x_train.T @ x_train / n).max()  # 1 / L of the smooth part
    zero_start = (
        tf.zeros(x_train.shape[1], tf.float64),
        tf.constant(float(y_train.mean()), tf.float64),
    )
    for l1 in CHECKED_L1:
        weights, bias = ista(x, y, l1, step, ISTA_STEPS, *zero_start)
        reference = Lasso(alpha=l1, tol=1e-12, max_iter=1_000_000).fit(x_train, y_train)
        ctx.claim_close(
            f"L1, lambda_1 = {l1:g}: proximal gradient descent = sklearn Lasso(alpha="
            f"{l1:g}): [w, b]",
            np.append(weights.numpy(), float(bias)),
            np.append(reference.coef_, reference.intercept_),
            atol=1e-4,
            rtol=0,
        )
        ctx.claim(
            f"L1, lambda_1 = {l1:g}: the same coefficients are exactly 0 as in sklearn Lasso",
            bool(np.array_equal(weights.numpy() == 0, reference.coef_ == 0)),
            expected=int(np.sum(reference.coef_ == 0)),
            measured=int(np.sum(weights.numpy() == 0)),
        )
        l2_weights, l2_bias = ridge(x_train, y_train, l1)
        sklearn_ridge = Ridge(alpha=l1 * n, solver="cholesky").fit(x_train, y_train)
        ctx.claim_close(
            f"L2, lambda = {l1:g}: closed form (tf.linalg.solve) = sklearn Ridge(alpha = n "
            "lambda): [w, b]",
            np.append(l2_weights, l2_bias),
            np.append(sklearn_ridge.coef_, sklearn_ridge.intercept_),
            atol=1e-8,
            rtol=1e-8,
        )

    count = 8 if ctx.quick else 20
    lambdas = np.geomspace(0.05, 30.0, count)
    l1_path, l2_path = [], []
    weights, bias = zero_start
    for l1 in lambdas:  # warm start: each lambda from the previous solution
        weights, bias = ista(x, y, l1, step, PATH_STEPS, weights, bias)
        l1_path.append(weights.numpy())
        l2_path.append(ridge(x_train, y_train, l1)[0])
    l1_path, l2_path = np.array(l1_path), np.array(l2_path)  # (lambdas, 10)
    l1_zeros, l2_zeros = (l1_path == 0).sum(axis=1), (l2_path == 0).sum(axis=1)
    ctx.note(
        "Exact zeros among the 10 coefficients over lambda = "
        f"{', '.join(f'{value:.3g}' for value in lambdas)}: L1 {l1_zeros.tolist()}, "
        f"L2 {l2_zeros.tolist()}."
    )
    # Seeds 0-4 (quick): 8 every time; floor 5 (margin 3).
    ctx.claim_greater(
        "erratum 5: exact zeros at the largest lambda, L1 minus L2 (L1 is the sparse one; seeds "
        "0-4: 8 of 10)",
        l1_zeros[-1] - l2_zeros[-1],
        5,
    )
    ctx.claim(
        "erratum 5: L2 never sets a coefficient exactly to 0 on the lambda grid",
        bool(np.all(l2_zeros == 0)),
        expected=0,
        measured=int(l2_zeros.max()),
    )
    ctx.claim(
        "L1: exact zeros never fewer than L2's at any lambda on the grid",
        bool(np.all(l1_zeros >= l2_zeros)),
        expected="L1 >= L2 everywhere",
        measured=f"L1 {l1_zeros.tolist()} vs L2 {l2_zeros.tolist()}",
    )
    return lambdas, l1_path, l2_path


def _weight_decay(ctx, x_train, y_train):
    """One decoupled weight-decay step equals one SGD step on L + lambda/2 ||w||^2."""
    l2, step = 0.3, 0.05
    rng = ctx.rng
    weights = tf.constant(rng.normal(size=x_train.shape[1]))
    bias = tf.constant(float(rng.normal()), tf.float64)
    x, y = tf.constant(x_train), tf.constant(y_train)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([weights, bias])
        loss = squared_loss(x, y, weights, bias)
        penalised = loss + l2 / 2 * tf.reduce_sum(tf.square(weights))  # the bias is not in it
    grad_w, grad_b = tape.gradient(loss, [weights, bias])
    penalised_w, penalised_b = tape.gradient(penalised, [weights, bias])
    ctx.claim_close(
        "L2 gradient: d/dw (L + lambda/2 ||w||^2) - dL/dw = lambda w",
        penalised_w - grad_w,
        l2 * weights,
        atol=1e-10,
        rtol=1e-10,
    )
    ctx.claim_close(
        "bias unpenalised: d/db (L + lambda/2 ||w||^2) = dL/db (no lambda term)",
        float(penalised_b),
        float(grad_b),
        atol=0,
        rtol=0,
    )
    decayed = (1 - step * l2) * weights - step * grad_w
    ctx.claim_close(
        "weight decay w = (1 - eta lambda) w - eta dL/dw = SGD step on L + lambda/2 ||w||^2",
        decayed,
        ops.sgd_update(weights, penalised_w, step),
        atol=1e-12,
        rtol=1e-12,
    )

    # keras: SGD(weight_decay=lambda) decays every variable not excluded; exclude the bias.
    model = keras.Sequential([keras.Input(shape=(x_train.shape[1],)), keras.layers.Dense(1)])
    model.set_weights(
        [weights.numpy()[:, None].astype(np.float32), np.array([float(bias)], np.float32)]
    )
    optimizer = keras.optimizers.SGD(learning_rate=step, weight_decay=l2)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    inputs32, targets32 = tf.constant(x_train, tf.float32), tf.constant(y_train, tf.float32)
    with tf.GradientTape() as tape:
        predictions = model(inputs32)[:, 0]
        keras_loss = tf.reduce_mean(tf.square(targets32 - predictions)) / 2
    optimizer.apply_gradients(
        zip(tape.gradient(keras_loss, model.trainable_variables), model.trainable_variables)
    )
    kernel, keras_bias = model.get_weights()
    expected_bias = float(bias) - step * float(grad_b)
    ctx.claim_close(
        "keras SGD(weight_decay=lambda), bias excluded, one step = SGD on L + lambda/2 "
        "||w||^2 with the bias unpenalised: [w, b]",
        np.append(kernel[:, 0], keras_bias),
        np.append(decayed.numpy(), expected_bias),
        atol=2e-5,
        rtol=1e-5,
    )


def _norm_over_lambda(ctx, x_train, y_train):
    lambdas = np.geomspace(1e-3, 1e3, 13 if ctx.quick else 49)
    norms = np.array([np.linalg.norm(ridge(x_train, y_train, value)[0]) for value in lambdas])
    ctx.claim(
        "L2: ||w|| falls strictly at every step of a growing lambda grid",
        bool(np.all(np.diff(norms) < 0)),
        expected="strictly decreasing",
        measured=f"{norms[0]:.2f} -> {norms[-1]:.3f} over {len(lambdas)} values",
    )
    return lambdas, norms


def _train_test_gap(ctx, inputs, targets):
    """Second-order terms of the 10 measurements (65 features) fitted on 60 rows overfit."""
    rest, test = train_test_split(np.arange(len(targets)), test_size=0.3, random_state=ctx.seed)
    train, validation = train_test_split(rest, train_size=SMALL_TRAIN, random_state=ctx.seed)
    expand = PolynomialFeatures(degree=2, include_bias=False)
    expanded = expand.fit_transform((inputs - inputs[train].mean(0)) / inputs[train].std(0))
    x_train, x_validation, x_test = standardise(
        expanded[train], expanded[validation], expanded[test]
    )
    lambdas = np.geomspace(1e-4, 1e2, 13 if ctx.quick else 41)
    errors = {"train": [], "validation": [], "test": []}
    for value in lambdas:
        weights, bias = ridge(x_train, targets[train], value)
        for part, x, rows in (
            ("train", x_train, train),
            ("validation", x_validation, validation),
            ("test", x_test, test),
        ):
            errors[part].append(mse(x, targets[rows], weights, bias))
    errors = {part: np.array(values) for part, values in errors.items()}
    gaps = errors["test"] - errors["train"]
    best = int(np.argmin(errors["validation"]))
    ctx.note(
        f"Overfitting problem: {expanded.shape[1]} features, {len(train)} training, "
        f"{len(validation)} validation, {len(test)} test rows; lambda chosen on validation: "
        f"{lambdas[best]:.3g} (test MSE {errors['test'][best]:.0f}, at the smallest lambda "
        f"{errors['test'][0]:.0f})."
    )
    # Seeds 0-4 (quick): test / train 709-2937 at the smallest lambda (floor 350, half the
    # lowest); gap ratio 0.014-0.037 (bound 0.1); test-MSE ratio 0.040-0.065 (bound 0.15).
    ctx.claim_greater(
        "overfitting at the smallest lambda: test MSE / train MSE (seeds 0-4: 709-2937)",
        errors["test"][0] / errors["train"][0],
        350.0,
    )
    ctx.claim_less(
        "the train/test gap at the validation-chosen lambda over the gap at the smallest lambda "
        "(seeds 0-4: 0.014-0.037)",
        gaps[best] / gaps[0],
        0.1,
    )
    ctx.claim_less(
        "test MSE at the validation-chosen lambda over test MSE at the smallest lambda (seeds "
        "0-4: 0.040-0.065)",
        errors["test"][best] / errors["test"][0],
        0.15,
    )
    ctx.claim(
        "training MSE never falls as lambda grows (the penalty only takes fit away)",
        bool(np.all(np.diff(errors["train"]) >= -1e-9)),
        expected="non-decreasing",
    )
    return lambdas, errors, best


def _minibatch_cost(ctx, inputs, targets, batch: int = 1000, lam: float = 20.0) -> None:
    """Seed 004 (line 33): the regularised mini-batch cost of a network,
    J^{t} = 1/1000 sum_(i=1..1000) L(yhat_i, y_i) + lambda / (2 * 1000) sum_l ||W^[l]||_F^2,
    computed by hand from the weights, equals keras' loss of the same network whose Dense
    kernels carry keras.regularizers.L2(l2 = lambda / (2 * 1000)) (keras adds l2 * sum W^2)."""
    rows = ctx.rng.integers(0, len(targets), size=batch)  # X^{t}: 1000 rows drawn from the 442
    x_batch = inputs[rows].astype(np.float32)
    y_batch = ((targets[rows] - targets.mean()) / targets.std()).astype(np.float32)[:, None]
    factor = lam / (2 * batch)
    keras.utils.set_random_seed(ctx.seed)
    model = keras.Sequential([
        keras.Input((inputs.shape[1],)),
        keras.layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.L2(factor)),
        keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.L2(factor)),
        keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(factor)),
    ])
    model.compile(loss="mse")
    keras_cost = float(model.evaluate(x_batch, y_batch, batch_size=batch, verbose=0))
    kernels = [layer.kernel.numpy().astype(np.float64) for layer in model.layers]
    hidden = x_batch.astype(np.float64)
    for layer in model.layers[:-1]:
        hidden = np.maximum(hidden @ layer.kernel.numpy() + layer.bias.numpy(), 0.0)
    output = hidden @ model.layers[-1].kernel.numpy() + model.layers[-1].bias.numpy()
    data_cost = float(np.mean((output - y_batch) ** 2))
    penalty = lam / (2 * batch) * sum(float(np.sum(k**2)) for k in kernels)  # Frobenius norms
    ctx.note(
        f"Seed 004's mini-batch cost: 1/1000 sum L + lambda/(2 * 1000) sum_l ||W^[l]||_F^2, with "
        f"lambda = {lam}: keras' per-layer factor is l2 = lambda / (2 * 1000) = {factor:g}; the "
        f"biases are not penalised. Here the penalty is {penalty:.4g} of a cost {data_cost + penalty:.4g}."
    )
    ctx.claim_close(
        f"seed 004: J^{{t}} = 1/1000 sum_i L + lambda/(2*1000) sum_l ||W^[l]||_F^2 (by hand, "
        f"float64, MSE loss, 3 Dense layers, lambda = {lam}) equals keras' evaluated loss with "
        f"kernel_regularizer = L2(lambda / (2*1000))",
        data_cost + penalty,
        keras_cost,
        atol=0,
        rtol=1e-5,
    )
    model_losses = float(sum(float(v) for v in model.losses))
    ctx.claim_close(
        "... and the penalty alone equals the sum of model.losses (one term per kernel)",
        penalty,
        model_losses,
        atol=0,
        rtol=1e-5,
    )


def _plot(ctx, paths, norms, gap, names):
    lambdas, l1_path, l2_path = paths
    with ctx.figure("lambda", nrows=2, ncols=2, figsize=(11.0, 8.0)) as (fig, axes):
        for axis, path, title in (
            (axes[0, 0], l1_path, "L1: coefficients reach 0 exactly"),
            (axes[0, 1], l2_path, "L2: coefficients shrink, never 0"),
        ):
            for index, name in enumerate(names):
                axis.semilogx(lambdas, path[:, index], "o-", ms=2.5, lw=1.6, label=name)
            axis.axhline(0, color="k", lw=0.8)
            axis.set(
                xlabel="lambda_1" if path is l1_path else "lambda",
                ylabel="coefficient (standardised features)",
                title=title,
            )
            axis.legend(fontsize=6, ncol=2)
        norm_lambdas, norm_values = norms
        axes[1, 0].loglog(norm_lambdas, norm_values, "o-", ms=3, lw=2)
        axes[1, 0].set(
            xlabel="lambda",
            ylabel="||w|| of the L2 fit",
            title="the weight norm falls as lambda grows",
        )
        gap_lambdas, errors, best = gap
        for part, style in (("train", "o-"), ("validation", "s-"), ("test", "^-")):
            axes[1, 1].loglog(gap_lambdas, errors[part], style, ms=3, lw=2, label=part)
        axes[1, 1].axvline(gap_lambdas[best], color="0.4", ls=":", label="chosen on validation")
        axes[1, 1].set(
            xlabel="lambda",
            ylabel="MSE",
            title="train/test gap: 65 second-order features, 60 training rows",
        )
        axes[1, 1].legend(fontsize=8)
        for axis in axes.ravel():
            axis.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.regularization [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
