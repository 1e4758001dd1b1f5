"""Feature scaling: de-meaning and min-max scaling, and how much faster gradient descent gets.

Seed 000 (16-19, 55, 156-163): the input layer de-means (centres every feature at 0) and
normalises (brings every feature to one range: "feature A in 0-10, B in 0-10000: scale both to
0-1"), and normalisation "balances the features' influence and speeds up training". The
reproduction fits y = w_A A + w_B B + b by full-batch gradient descent on the raw, de-meaned,
min-max scaled and standardised features, with the same rule for the step (1 / lambda_max of
the loss's Hessian, the largest step safe from any start) and the same number of steps.

Formula:
    J(theta) = (1/2n) ||Z theta - y||^2,   Z = [X, 1],   H = Z^T Z / n,   kappa = l_max / l_min
    GD: theta <- theta - (1 / l_max) grad J;   steps to a relative gap eps ~ kappa ln(1/eps)
    min-max: x' = (x - min) / (max - min);   de-meaning: x' = x - mean;   standard: (x - mean)/sd

Symbols -> names: kappa -> ``hessian_condition(X)[2]``; theta -> the first output of
``gradient_descent_least_squares``; J after t steps -> its ``losses[t]``.

Oracles: scikit-learn's MinMaxScaler and StandardScaler for the scaled features, the condition
number from the singular values of Z (numpy.linalg.cond), and the closed-form least squares
solution (numpy.linalg.lstsq; scikit-learn's LinearRegression on the raw features) for the fit.

Deviations: 000 gives no data; A ~ U(0, 10) and B ~ U(0, 10000) as in its example, with
y = 3 A + 0.002 B + 5 + N(0, 1) (both features matter), 200 rows (1000 in full mode), 2000
steps. Converged means J within a relative 1e-6 of the least squares optimum.

Expect: the Hessian's condition number is about 2e8 on the raw features, 8e6 after de-meaning
alone (the ranges still differ by 1000), about 30 after min-max scaling and about 1 after
standardising; in 2000 steps gradient descent converges in about 4 steps on standardised
features and about 260 on min-max scaled ones, while on raw and de-meaned features J is still
more than 100 times the optimum. Gradient descent on scaled features, mapped back to raw units,
gives the closed-form solution. The plots show the four feature clouds and J - J* per step.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from tfref import ops
from tfref.classic.scaling import (
    demean,
    gradient_descent_least_squares,
    hessian_condition,
    min_max_scale,
)
from tfref.topics._base import RunContext

ID = "feature-scaling"
TITLE = "Feature scaling: de-meaning, min-max scaling and gradient descent's speed"
CHAPTER = "B"
SEEDS = ("000",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

STEPS, GAP = 2000, 1e-6
TRUE_W, TRUE_B = np.array([3.0, 0.002]), 5.0


def run(ctx: RunContext) -> None:
    n = 200 if ctx.quick else 1000
    X = np.column_stack([ctx.rng.uniform(0, 10, n), ctx.rng.uniform(0, 10000, n)])
    y = X @ TRUE_W + TRUE_B + ctx.rng.normal(0.0, 1.0, n)
    variants = {"raw": X, "de-meaned": demean(X), "min-max": min_max_scale(X),
                "standardised": ops.standardize(X).numpy()}
    ctx.claim_close("min-max scaling equals scikit-learn's MinMaxScaler", variants["min-max"],
                    MinMaxScaler().fit_transform(X), atol=1e-12, rtol=0)
    ctx.claim_close("de-meaning equals StandardScaler(with_std=False)", variants["de-meaned"],
                    StandardScaler(with_std=False).fit_transform(X), atol=1e-9, rtol=0)
    ctx.claim_close("standardising (tfref.ops.standardize) equals StandardScaler",
                    variants["standardised"], StandardScaler().fit_transform(X), atol=1e-5, rtol=0)

    Z = np.hstack([X, np.ones((n, 1))])
    theta_star = np.linalg.lstsq(Z, y, rcond=None)[0]
    optimum = 0.5 * float(np.mean((Z @ theta_star - y) ** 2))
    kappa, steps_to, gaps, thetas = {}, {}, {}, {}
    for name, features in variants.items():
        kappa[name] = hessian_condition(features)[2]
        theta, losses = gradient_descent_least_squares(features, y, steps=STEPS)
        gap = (losses - optimum) / optimum
        gaps[name], thetas[name] = gap, theta
        hit = np.flatnonzero(gap < GAP)
        steps_to[name] = int(hit[0]) if hit.size else None
    ctx.claim_close("condition number of H on the raw features equals cond(Z)^2 "
                    "(numpy.linalg.cond, from the singular values)", kappa["raw"],
                    np.linalg.cond(Z) ** 2, rtol=1e-4)
    ctx.claim_close("condition number after min-max scaling equals cond(Z)^2",
                    kappa["min-max"],
                    np.linalg.cond(np.hstack([variants["min-max"], np.ones((n, 1))])) ** 2,
                    rtol=1e-8)
    # Seeds 0-4 (quick): raw 1.9e8-2.9e8, de-meaned 8.1e6-8.8e6, min-max 23-34, standardised
    # 1.0-1.5. Bounds: raw > 1e7, de-meaned > 1e6, min-max < 60, standardised < 3.
    ctx.claim_greater("kappa on raw features (seeds 0-4: >= 1.9e8; floor 1e7)", kappa["raw"], 1e7)
    ctx.claim_greater("kappa after de-meaning alone is still large: the ranges differ "
                      "(seeds 0-4: >= 8.1e6; floor 1e6)", kappa["de-meaned"], 1e6)
    ctx.claim_less("kappa after min-max scaling (seeds 0-4: <= 34; bound 60)", kappa["min-max"], 60)
    ctx.claim_less("kappa after standardising (seeds 0-4: <= 1.5; bound 3)",
                   kappa["standardised"], 3)
    # Seeds 0-4: standardised converges in 2-8 steps, min-max in 194-291; raw and de-meaned are
    # still >= 160 times the optimum's gap after 2000 steps. Bounds: 20, 500, 10.
    ctx.claim(f"GD converges (relative gap < {GAP:g}) within 20 steps on standardised features "
              "(seeds 0-4: 2-8)", steps_to["standardised"] is not None
              and steps_to["standardised"] <= 20, measured=f"{steps_to['standardised']} steps")
    ctx.claim("GD converges within 500 steps on min-max scaled features (seeds 0-4: 194-291)",
              steps_to["min-max"] is not None and steps_to["min-max"] <= 500,
              measured=f"{steps_to['min-max']} steps")
    for name in ("raw", "de-meaned"):
        ctx.claim_greater(f"after {STEPS} steps on {name} features, (J - J*) / J* (seeds 0-4: "
                          ">= 160; floor 10)", float(gaps[name][-1]), 10.0)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    w_raw = thetas["standardised"][:2] / scale
    b_raw = thetas["standardised"][2] - float(w_raw @ mean)
    ctx.claim_close("GD on standardised features, mapped back to raw units, equals the "
                    "closed-form least squares solution (numpy.linalg.lstsq)",
                    np.append(w_raw, b_raw), theta_star, atol=1e-6, rtol=1e-6)
    sk = LinearRegression().fit(X, y)
    ctx.claim_close("... and scikit-learn's LinearRegression on the raw features",
                    np.append(sk.coef_, sk.intercept_), theta_star, atol=1e-8, rtol=1e-8)
    ctx.note("Condition number and steps to a relative gap of 1e-6 ("
             + "; ".join(f"{k}: kappa {kappa[k]:.3g}, "
                         + (f"{steps_to[k]} steps" if steps_to[k] is not None
                            else f"not in {STEPS} (gap {gaps[k][-1]:.3g})") for k in variants)
             + f"). Step 1 / lambda_max(H) for each; {n} rows.")
    _plot(ctx, variants, gaps)


def _plot(ctx: RunContext, variants, gaps) -> None:
    with ctx.figure("features", ncols=4, figsize=(13.0, 3.2)) as (fig, axes):
        for ax, (name, features) in zip(axes, variants.items(), strict=True):
            ax.scatter(features[:, 0], features[:, 1], s=4)
            ax.axhline(0, color="0.7", lw=0.6)
            ax.axvline(0, color="0.7", lw=0.6)
            ax.set_xlabel("feature A")
            ax.set_ylabel("feature B")
            ax.set_title(name, fontsize=9)
    with ctx.figure("descent", figsize=(6.0, 4.0)) as (fig, ax):
        for name, gap in gaps.items():
            ax.semilogy(np.maximum(gap, 1e-16), label=name)
        ax.axhline(GAP, color="0.5", ls=":", label=f"converged ({GAP:g})")
        ax.set_xlabel("gradient descent step (step 1 / lambda_max)")
        ax.set_ylabel("(J - J*) / J*")
        ax.set_title("same rule, same steps: only scaled features converge", fontsize=9)
        ax.legend(fontsize=7)


if __name__ == "__main__":  # python -m tfref.topics.feature_scaling [--quick] [--seed N] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
