"""Logistic regression: sigmoid + log loss, first- and second-order boundaries, one-vs-all.

Seed 001 writes logistic regression as linear regression followed by a sigmoid, trained on the
log loss; seed 000 gives the first-order boundary t0 + t1 x1 + t2 x2 = 0 and the second-order
one t0 + t1 x1 + t2 x2 + t3 x1^2 + t4 x2^2 + t5 x1 x2 = 0, and asks whether the boundary should
be linear or polynomial; seed 002 adds the multinomial case ("多项式逻辑回归") and one-vs-all.
The data that needs a curved boundary is real: iris versicolor against the other two species in
the petal plane (versicolor lies between setosa and virginica, so no straight line separates it
from both). The one-vs-all classifier uses all four iris measurements.

Formula:
    g(z) = 1 / (1 + e^-z)                      h(x) = g(theta^T x)
    first order:   theta^T x = t0 + t1 x1 + t2 x2
    second order:  theta^T x = t0 + t1 x1 + t2 x2 + t3 x1^2 + t4 x2^2 + t5 x1 x2
    log loss:      J = 1/n sum_i -y_i log h(x_i) - (1 - y_i) log(1 - h(x_i))   (+ ||t||^2 / (2 C n))
    descent:       theta = theta - eta dJ/dtheta
    boundary:      h(x) = 0.5  <=>  theta^T x = 0
    one-vs-all:    one h_k per class k (y = 1 for class k, 0 otherwise); predict argmax_k h_k(x)
    multinomial:   p = softmax(W^T x + b), loss -sum_k y_k log p_k

Symbols: t0 -> ``bias``; t1.. -> ``weights``; x1, x2 -> standardised petal length and width;
h -> ``probabilities``; C -> ``C`` (scikit-learn's inverse penalty); eta -> the step 1 / L.

Deviations: the loss carries scikit-learn's L2 penalty ||t||^2 / (2 C n) (bias not penalised,
C = 10) so that the from-scratch fit and ``sklearn.linear_model.LogisticRegression`` minimise
the same function and can be compared probability for probability; the step size is 1 / L, L
the largest curvature of the loss (a quarter of the largest eigenvalue of the design's Gram
matrix / n), instead of a hand-picked learning rate. Features are standardised with the
training split's statistics; the squares and product are of standardised values.

Expect: for iris versicolor against the rest in the petal plane, the first-order boundary reaches
test accuracy 0.600 and the second-order one 1.000, and validation chooses the second order; the
from-scratch fits equal scikit-learn's LogisticRegression probability for probability. With all
four measurements one-vs-all reaches test accuracy 0.967 and the multinomial (softmax) model 1.000
on 30 test flowers; the plot shows both boundaries. A linear model assumes monotonicity (003):
versicolor's share by petal-length third is 0, 0.94, 0.06, rising then falling; the first-order
model's mean h misses some third by 0.56, the second-order one follows within 0.04.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier

from tfref import ops
from tfref.topics._base import RunContext

ID = "logistic-regression"
TITLE = "Logistic regression: linear and second-order boundaries, one-vs-all"
CHAPTER = "B"
SEEDS = ("000", "001", "002", "003")
OPTIONS = ('epochs',)  # the run options this topic honours (tfref run refuses others)

C = 10.0  # scikit-learn's inverse L2 strength, matched by the from-scratch loss
STEPS = 20_000  # full-batch descent steps: probabilities converge to ~1e-8 of scikit-learn's
QUICK_STEPS = 12_000  # ~1e-6
PETALS = (2, 3)  # petal length, petal width
VERSICOLOR = 1


def second_order(features: np.ndarray) -> np.ndarray:
    """[x1, x2] -> [x1, x2, x1^2, x2^2, x1 x2], the terms of seed 000's second-order boundary."""
    x1, x2 = features[:, 0], features[:, 1]
    return np.column_stack([x1, x2, x1**2, x2**2, x1 * x2])


def step_size(features: np.ndarray, penalty: float, multinomial: bool = False) -> float:
    """1 / L, L bounding the curvature of the mean log loss (sigmoid' <= 1/4, softmax' <= 1/2)."""
    design = np.column_stack([features, np.ones(len(features))])
    gram_eigenvalue = np.linalg.eigvalsh(design.T @ design / len(features)).max()
    return 1.0 / ((0.5 if multinomial else 0.25) * gram_eigenvalue + penalty)


@tf.function(reduce_retracing=True)
def fit_by_descent(features, labels, penalty, learning_rate, steps, multinomial):
    """Gradient descent from zero on mean log loss + penalty / 2 * ||W||^2 (bias unpenalised).

    ``labels`` (n, k) of 0/1: with ``multinomial`` False the k columns are independent sigmoid
    units (one binary classifier each: one-vs-all when k > 1); with True, one softmax over k.
    Returns (weights (d, k), bias (k,), final loss).
    """
    weights = tf.zeros((tf.shape(features)[1], tf.shape(labels)[1]), features.dtype)
    bias = tf.zeros((tf.shape(labels)[1],), features.dtype)
    loss = tf.zeros((), features.dtype)
    for _ in tf.range(steps):
        with tf.GradientTape() as tape:
            tape.watch([weights, bias])
            logits = tf.matmul(features, weights) + bias  # (n, k)
            if multinomial:
                per_example = ops.softmax_cross_entropy_with_logits(labels, logits)  # (n,)
            else:
                per_example = tf.reduce_sum(
                    ops.binary_cross_entropy_with_logits(labels, logits), axis=-1
                )  # (n,): the k binary losses added
            loss = tf.reduce_mean(per_example) + penalty / 2 * tf.reduce_sum(weights * weights)
        weight_gradient, bias_gradient = tape.gradient(loss, [weights, bias])
        weights = ops.sgd_update(weights, weight_gradient, learning_rate)
        bias = ops.sgd_update(bias, bias_gradient, learning_rate)
    return weights, bias, loss


def train(features, labels, steps, multinomial=False):
    """Fit on (n, d) features and (n, k) 0/1 labels, float64; returns numpy (weights, bias)."""
    penalty = 1.0 / (C * len(features))
    weights, bias, _ = fit_by_descent(
        tf.constant(features, tf.float64),
        tf.constant(labels, tf.float64),
        penalty,
        step_size(features, penalty, multinomial),
        steps,
        multinomial,
    )
    return weights.numpy(), bias.numpy()


def probabilities(features, weights, bias, multinomial=False) -> np.ndarray:
    logits = features @ weights + bias
    return (ops.softmax(logits) if multinomial else ops.sigmoid(logits)).numpy()


def split(labels: np.ndarray, seed: int):
    """Stratified 60 / 20 / 20 train / validation / test indices."""
    indices = np.arange(len(labels))
    train_idx, rest = train_test_split(indices, test_size=0.4, random_state=seed, stratify=labels)
    validation, test = train_test_split(
        rest, test_size=0.5, random_state=seed, stratify=labels[rest]
    )
    return train_idx, validation, test


def run(ctx: RunContext) -> None:
    iris = load_iris()
    species = iris.target
    train_idx, validation, test = split(species, ctx.seed)
    steps = ctx.train.epochs or (QUICK_STEPS if ctx.quick else STEPS)
    mean, std = iris.data[train_idx].mean(axis=0), iris.data[train_idx].std(axis=0)
    measurements = (iris.data - mean) / std  # standardised with training statistics only
    ctx.claim(
        "train / validation / test splits are disjoint and cover all 150 flowers",
        len(set(train_idx) | set(validation) | set(test))
        == 150
        == len(train_idx) + len(validation) + len(test),
        expected="disjoint, 150 in all",
        measured=f"{len(train_idx)} / {len(validation)} / {len(test)}",
    )

    # --- sigmoid and log loss ------------------------------------------------------------------
    z = np.linspace(-8, 8, 33)
    ctx.claim_close(
        "sigmoid g(z) = 1 / (1 + e^-z); g(0) = 0.5",
        ops.sigmoid(z).numpy(),
        1 / (1 + np.exp(-z)),
        atol=1e-7,
        rtol=1e-6,
    )
    y_demo = (z > 0).astype(np.float64)
    ctx.claim_close(
        "log loss from logits = -y log g(z) - (1 - y) log(1 - g(z))",
        ops.binary_cross_entropy_with_logits(y_demo, z).numpy(),
        -(y_demo * np.log(1 / (1 + np.exp(-z))) + (1 - y_demo) * np.log(1 - 1 / (1 + np.exp(-z)))),
        atol=1e-9,
        rtol=1e-9,
    )

    # --- first- and second-order boundaries: versicolor vs the rest in the petal plane ----------
    petals = measurements[:, list(PETALS)]
    is_versicolor = (species == VERSICOLOR).astype(np.float64)
    boundaries, accuracy, fitted = {}, {}, {}
    for order, features in ((1, petals), (2, second_order(petals))):
        weights, bias = train(features[train_idx], is_versicolor[train_idx, None], steps)
        boundaries[order] = (weights[:, 0], float(bias[0]))
        fitted[order] = probabilities(features, weights, bias)[:, 0]
        predicted = probabilities(features, weights, bias)[:, 0] > 0.5
        for part, rows in (("train", train_idx), ("validation", validation), ("test", test)):
            accuracy[order, part] = float(np.mean(predicted[rows] == is_versicolor[rows]))
        reference = LogisticRegression(C=C, tol=1e-12, max_iter=100_000).fit(
            features[train_idx], is_versicolor[train_idx]
        )
        with ctx.calibrated_for("epochs"):
            ctx.claim_close(
                f"order {order}: from-scratch probabilities = sklearn LogisticRegression(C={C:g}) "
                "(all 150 flowers)",
                probabilities(features, weights, bias)[:, 0],
                reference.predict_proba(features)[:, 1],
                atol=1e-5,
                rtol=0,
            )
    ctx.note(
        "Versicolor vs the rest, petal plane, accuracy (train / validation / test): first "
        f"order {accuracy[1, 'train']:.3f} / {accuracy[1, 'validation']:.3f} / "
        f"{accuracy[1, 'test']:.3f}; second order {accuracy[2, 'train']:.3f} / "
        f"{accuracy[2, 'validation']:.3f} / {accuracy[2, 'test']:.3f}."
    )
    _check_monotonicity(ctx, petals[:, 0], is_versicolor, fitted)
    chosen = max((1, 2), key=lambda order: (accuracy[order, "validation"], -order))
    with ctx.calibrated_for("epochs"):
        ctx.claim(
            "validation accuracy chooses the second-order boundary",
            chosen == 2,
            expected=2,
            measured=chosen,
        )
        # Seeds 0-4 (quick): 0.267-0.467; floor 0.2 (two test flowers below the lowest).
        ctx.claim_greater(
            "test accuracy: second-order minus first-order boundary (seeds 0-4: 0.27-0.47)",
            accuracy[2, "test"] - accuracy[1, "test"],
            0.2,
        )
        ctx.claim_less(
            "first-order boundary is no better than always answering 'not versicolor' + 0.1 "
            "(training accuracy)",
            accuracy[1, "train"],
            1 - is_versicolor[train_idx].mean() + 0.1,
        )

    # --- one-vs-all and multinomial on all four measurements ---------------------------------
    one_hot = np.eye(3)[species]
    ova_weights, ova_bias = train(measurements[train_idx], one_hot[train_idx], steps)
    ova_scores = probabilities(measurements, ova_weights, ova_bias)  # (150, 3): h_k(x)
    ova_accuracy = float(np.mean(ova_scores[test].argmax(axis=1) == species[test]))
    with ctx.calibrated_for("epochs"):
        # Seeds 0-4 (quick): 0.867-1.0 on 30 test flowers (seed 3: 0.867); floor 0.8, two
        # flowers (0.067) below the lowest: the old 0.85 was not far below, it sat one flower
        # under seed 3's figure.
        ctx.claim_greater(
            "one-vs-all (3 sigmoid classifiers, argmax h_k) test accuracy on iris (seeds 0-4: "
            "0.867-1.0)", ova_accuracy, 0.8
        )
    sklearn_ova = OneVsRestClassifier(LogisticRegression(C=C, tol=1e-12, max_iter=100_000)).fit(
        measurements[train_idx], species[train_idx]
    )
    sklearn_scores = np.column_stack(
        [estimator.predict_proba(measurements)[:, 1] for estimator in sklearn_ova.estimators_]
    )
    with ctx.calibrated_for("epochs"):
        ctx.claim_close(
            "one-vs-all h_k(x) = sklearn OneVsRestClassifier(LogisticRegression) per class",
            ova_scores,
            sklearn_scores,
            atol=1e-5,
            rtol=0,
        )
    soft_weights, soft_bias = train(
        measurements[train_idx], one_hot[train_idx], steps, multinomial=True
    )
    soft_probabilities = probabilities(measurements, soft_weights, soft_bias, multinomial=True)
    sklearn_multinomial = LogisticRegression(C=C, tol=1e-12, max_iter=100_000).fit(
        measurements[train_idx], species[train_idx]
    )
    with ctx.calibrated_for("epochs"):
        ctx.claim_close(
            "multinomial (softmax) probabilities = sklearn LogisticRegression (multinomial)",
            soft_probabilities,
            sklearn_multinomial.predict_proba(measurements),
            atol=1e-5,
            rtol=0,
        )
        multinomial_accuracy = float(np.mean(soft_probabilities[test].argmax(axis=1) == species[test]))
        # Seeds 0-4 (quick): 0.967-1.0; floor 0.9 (two test flowers below the lowest).
        ctx.claim_greater("multinomial test accuracy on iris (seeds 0-4: 0.967-1.0)",
                          multinomial_accuracy, 0.9)
    ctx.note(
        f"Iris test accuracy: one-vs-all {ova_accuracy:.3f}, multinomial "
        f"{multinomial_accuracy:.3f} ({len(test)} test flowers)."
    )

    _plot(
        ctx, petals, species, train_idx, boundaries, accuracy, mean[list(PETALS)], std[list(PETALS)]
    )


def _check_monotonicity(ctx, length, is_versicolor, fitted) -> None:
    """003 (line 18): a linear model assumes monotonicity: h = g(w x + b) can only rise or only
    fall along any feature. Versicolor sits between setosa and virginica: its share rises and
    then falls along petal length, which the first-order model cannot follow and the feature
    transform (squares and product) can."""
    thirds = np.array_split(np.argsort(length, kind="stable"), 3)  # short, middle, long petals
    data_rate = np.array([is_versicolor[rows].mean() for rows in thirds])
    model_rate = {order: np.array([fitted[order][rows].mean() for rows in thirds])
                  for order in (1, 2)}
    errors = {order: float(np.max(np.abs(model_rate[order] - data_rate))) for order in (1, 2)}
    rise_and_fall = float(min(data_rate[1] - data_rate[0], data_rate[1] - data_rate[2]))
    shown = {k: ", ".join(f"{v:.2f}" for v in rates)
             for k, rates in (("data", data_rate), ("1", model_rate[1]), ("2", model_rate[2]))}
    ctx.claim_greater(
        f"003: versicolor's share by petal-length third (short, middle, long) rises and falls: "
        f"middle minus the larger end (data: {shown['data']})",
        rise_and_fall,
        0.5,
    )
    # Seeds 0-4 (quick): the first order misses some third by 0.532-0.561 (floor 0.4), the
    # second order follows every third within 0.024-0.040 (bound 0.1); the data's rise and
    # fall is 0.88 whatever the seed (floor 0.5).
    with ctx.calibrated_for("epochs"):
        _claim_thirds(ctx, shown, errors)


def _claim_thirds(ctx, shown, errors) -> None:
    ctx.claim(
        f"mean h per third: the first-order model misses the data's share somewhere by > 0.4 "
        f"({shown['1']}), the second-order one is within 0.1 everywhere ({shown['2']})",
        errors[1] > 0.4 and errors[2] < 0.1,
        expected="first > 0.4, second < 0.1",
        measured=f"first {errors[1]:.3f}, second {errors[2]:.3f}",
    )


def _plot(ctx, petals, species, train_idx, boundaries, accuracy, mean, std):
    grid = np.linspace(-2.2, 2.2, 300)
    first, second = np.meshgrid(grid, grid)
    plane = np.column_stack([first.ravel(), second.ravel()])
    names = {0: "setosa", 1: "versicolor", 2: "virginica"}
    with ctx.figure("boundaries", ncols=2, figsize=(12.0, 4.6)) as (fig, axes):
        for axis, order in zip(axes, (1, 2)):
            features = plane if order == 1 else second_order(plane)
            weights, bias = boundaries[order]
            score = (features @ weights + bias).reshape(first.shape)  # theta^T x
            probability = ops.sigmoid(score).numpy()
            image = axis.contourf(
                first * std[0] + mean[0],
                second * std[1] + mean[1],
                probability,
                levels=np.linspace(0, 1, 11),
                cmap="RdBu_r",
                alpha=0.35,
            )
            axis.contour(
                first * std[0] + mean[0],
                second * std[1] + mean[1],
                score,
                levels=[0],
                colors="k",
                linewidths=2,
            )
            for label, marker in ((0, "s"), (1, "o"), (2, "^")):
                rows = species == label
                axis.scatter(
                    petals[rows, 0] * std[0] + mean[0],
                    petals[rows, 1] * std[1] + mean[1],
                    marker=marker,
                    s=18,
                    edgecolor="k",
                    linewidth=0.3,
                    label=names[label] + (" (positive)" if label == 1 else ""),
                )
            formula = (
                "t0 + t1 x1 + t2 x2 = 0"
                if order == 1
                else "t0 + t1 x1 + t2 x2 + t3 x1^2 + t4 x2^2 + t5 x1 x2 = 0"
            )
            axis.set(
                xlabel="petal length (cm)",
                ylabel="petal width (cm)",
                title=f"order {order}: {formula}\ntest accuracy {accuracy[order, 'test']:.2f}",
            )
            axis.title.set_fontsize(9)
            axis.legend(fontsize=7, loc="upper left")
            fig.colorbar(image, ax=axis, label="h(x) = P(versicolor)")


if __name__ == "__main__":  # python -m tfref.topics.logistic_regression [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
