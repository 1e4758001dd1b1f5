"""Gaussian anomaly detection: per-feature normal densities, multiplied, threshold epsilon.

Formula (000):
    mu_j = (1/m) sum_i x_ij,  sigma_j^2 = (1/m) sum_i (x_ij - mu_j)^2
    p(x) = prod_j (1 / sqrt(2 pi sigma_j^2)) exp(-(x_j - mu_j)^2 / (2 sigma_j^2))
    anomaly  iff  p(x) < epsilon
epsilon is the threshold of best F1 on a labelled validation set; the test set is scored once.

Symbols -> names: mu_j, sigma_j^2 -> GaussianAnomalyDetector.mean_, var_; p(x) ->
score_samples (tfref.ops.gaussian_density); epsilon -> select_epsilon(...) -> epsilon.

Deviations: 000 has no data; here the normal points are scikit-learn's bundled wine set
(13 features, standardised with the training rows' statistics), and the anomalies are planted:
copies of held-out wine rows with two random features pushed 5 standard deviations out.
Training uses normal points only (as 000 advises); validation and test each get their own
normal rows and planted anomalies.

Expect: with epsilon = 1.23e-15 chosen on validation (F1 1.000), the product of per-feature normal
densities flags the planted wine anomalies of the test set with precision 1.000, recall 0.933 and
F1 0.966 (flagging everything: F1 0.435). The plot shows the density.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from tfref.classic.anomaly import GaussianAnomalyDetector, select_epsilon
from tfref.data import load_embedded
from tfref.topics._base import RunContext

ID = "anomaly"
TITLE = "Gaussian anomaly detection: product of per-feature densities, threshold epsilon"
CHAPTER = "G"
SEEDS = ("000",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

PUSH = 5.0  # planted anomalies: two features moved this many standard deviations


def plant(rows: np.ndarray, rng) -> np.ndarray:
    out = rows.copy()
    for row in out:
        features = rng.choice(rows.shape[1], 2, replace=False)
        row[features] += rng.choice([-PUSH, PUSH], 2)
    return out


def _scores(flagged, truth):
    tp = int(np.sum(flagged & truth))
    precision = tp / max(int(flagged.sum()), 1)
    recall = tp / int(truth.sum())
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def run(ctx: RunContext) -> None:
    data = load_embedded("wine")
    X = np.asarray(data.x, dtype=np.float64)
    rng = ctx.rng
    order = rng.permutation(len(X))
    train, val, test = order[:100], order[100:139], order[139:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    X = (X - mean) / std
    planted_val = plant(X[rng.choice(np.r_[val, test], 15)], rng)
    planted_test = plant(X[rng.choice(np.r_[val, test], 15)], rng)

    detector = GaussianAnomalyDetector().fit(X[train])
    expected = norm.pdf(X[test], X[train].mean(axis=0), X[train].std(axis=0)).prod(axis=1)
    ctx.claim_close("p(x) equals the product of scipy.stats.norm.pdf over the 13 features "
              "(largest relative error)",
              float(np.max(np.abs(detector.score_samples(X[test]) / expected - 1))), 0.0,
              atol=1e-9)
    val_x = np.vstack([X[val], planted_val])
    val_y = np.r_[np.zeros(len(val), bool), np.ones(len(planted_val), bool)]
    epsilon, f1_val = select_epsilon(detector.score_samples(val_x), val_y)
    detector = GaussianAnomalyDetector(epsilon=epsilon).fit(X[train])
    test_x = np.vstack([X[test], planted_test])
    test_y = np.r_[np.zeros(len(test), bool), np.ones(len(planted_test), bool)]
    flagged = detector.predict(test_x) == -1
    precision, recall, f1 = _scores(flagged, test_y)
    # bounds: the lowest of quick seeds 0-4 minus the stated margin (quick = full here)
    ctx.claim_greater("validation F1 at the chosen epsilon (seeds 0-4 0.968-1.0, - 0.07)", f1_val,
                      0.9)
    ctx.claim_greater("test recall on the planted anomalies (epsilon from validation; seeds 0-4 "
                      "0.867-1.0, - 0.067: one anomaly)", recall, 0.8)
    ctx.claim_greater("test precision (share of flagged test points that were planted; seeds 0-4 "
                      "0.833-1.0, - 0.08)", precision, 0.75)
    base_rate = test_y.mean()
    ctx.claim_greater(f"test F1, far above flagging everything (F1 "
                      f"{2 * base_rate / (1 + base_rate):.3f}; seeds 0-4 0.903-0.968, - 0.05)",
                      f1, 0.85)
    ctx.note(f"wine: {len(train)} normal training rows; validation {len(val)} normal + "
             f"{len(planted_val)} planted, test {len(test)} normal + {len(planted_test)} planted "
             f"(two features moved {PUSH:g} sd). epsilon = {epsilon:.3g} (best validation F1 "
             f"{f1_val:.3f}); test precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}.")
    _plot(ctx, detector, X, train, test_x, test_y, flagged, epsilon)


def _plot(ctx, detector, X, train, test_x, test_y, flagged, epsilon) -> None:
    with ctx.figure("density", ncols=2, figsize=(10.0, 4.2)) as (fig, (left, right)):
        logp = np.log10(detector.score_samples(test_x))
        bins = np.linspace(logp.min() - 0.5, logp.max() + 0.5, 30)
        left.hist(logp[~test_y], bins=bins, alpha=0.6, label="normal (test)")
        left.hist(logp[test_y], bins=bins, alpha=0.6, label="planted anomaly (test)")
        left.axvline(np.log10(epsilon), color="r", ls="--", label="log10 epsilon (validation)")
        left.set_xlabel("log10 p(x), 13 wine features")
        left.set_ylabel("count")
        left.set_title("product of per-feature densities", fontsize=9)
        left.legend(fontsize=7)
        # 2-D view on the first two features with the 2-feature density's contours.
        j = (0, 1)
        two = GaussianAnomalyDetector(epsilon=1e-3).fit(X[train][:, j])
        g0, g1 = np.meshgrid(np.linspace(-7, 7, 120), np.linspace(-7, 7, 120))
        grid = np.c_[g0.ravel(), g1.ravel()]
        dens = np.log10(two.score_samples(grid)).reshape(g0.shape)
        right.contour(g0, g1, dens, levels=[-8, -6, -4, -3, -2, -1.5], cmap="viridis",
                      linewidths=0.8)
        right.scatter(test_x[~test_y][:, 0], test_x[~test_y][:, 1], s=10, label="normal")
        right.scatter(test_x[test_y][:, 0], test_x[test_y][:, 1], s=18, label="planted")
        right.scatter(test_x[flagged][:, 0], test_x[flagged][:, 1], s=70, facecolors="none",
                      edgecolors="r", label="flagged (13-feature p < epsilon)")
        right.set_xlabel("alcohol (standardised)")
        right.set_ylabel("malic acid (standardised)")
        right.set_title("test points; contours of log10 p over these two features", fontsize=9)
        right.legend(fontsize=6)


if __name__ == "__main__":  # python -m tfref.topics.anomaly [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
