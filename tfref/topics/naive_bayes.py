"""Naive Bayes: Gaussian and multinomial, in TensorFlow, equal to scikit-learn's.

Formula (002: Bayes' theorem with features independent given the class):
    P(c | x) = P(c) prod_j P(x_j | c) / P(x)
    Gaussian:     P(x_j | c) = N(x_j; mu_cj, var_cj + epsilon)
    Multinomial:  P(x | c) proportional to prod_j theta_cj^{x_j},
                  theta_cj = (N_cj + alpha) / (N_c + alpha n)

Symbols -> names: P(c) -> class_prior_ / exp(class_log_prior_); mu -> theta_; var -> var_;
theta_cj -> exp(feature_log_prob_); alpha -> alpha; epsilon -> var_smoothing * max_j Var(x_j).

Deviations: 002 states the rule and its uses in words only; the Gaussian and multinomial
likelihoods are the textbook ones as scikit-learn implements them, including scikit-learn's
variance smoothing epsilon (not in the documents), so that the comparison is exact. Posteriors
are a softmax of log-likelihoods (no product of small numbers underflows).

Expect: Gaussian and multinomial naive Bayes give scikit-learn's probabilities (to 6.2e-10) and its
prediction on every test row; test accuracy is 0.967 on iris, 0.972 on wine, 0.921 on breast
cancer, and 0.822 (Gaussian) and 0.903 (multinomial) on digits. The plot shows the probabilities
(--quick: iris and digits only).
"""

from __future__ import annotations

import numpy as np
from sklearn.naive_bayes import GaussianNB, MultinomialNB

from tfref.classic.naive_bayes import GaussianNaiveBayes, MultinomialNaiveBayes
from tfref.data.splits import load_classification
from tfref.topics._base import RunContext

ID = "naive-bayes"
TITLE = "Gaussian and multinomial naive Bayes, equal to scikit-learn"
CHAPTER = "G"
SEEDS = ("002",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

TOL = 1e-6  # largest |P_tfref - P_sklearn| allowed (both float64; measured ~1e-13)


def compare(ctx: RunContext, name: str, kind: str, setting: float) -> dict:
    """Fit both on one data set's training part; compare posteriors on its test part."""
    s = load_classification(name, seed=ctx.seed, scale=False)
    x_train = np.concatenate([s.x_train, s.x_val]).astype(np.float64)
    y_train = np.concatenate([s.y_train, s.y_val])
    x_test = s.x_test.astype(np.float64)
    if kind == "gaussian":
        ours, theirs = GaussianNaiveBayes(var_smoothing=setting), GaussianNB(var_smoothing=setting)
        label = f"GaussianNB(var_smoothing={setting:g})"
    else:
        ours, theirs = MultinomialNaiveBayes(alpha=setting), MultinomialNB(alpha=setting)
        label = f"MultinomialNB(alpha={setting:g})"
    ours.fit(x_train, y_train)
    theirs.fit(x_train, y_train)
    p_ours, p_theirs = ours.predict_proba(x_test), theirs.predict_proba(x_test)
    ctx.claim_close(f"{name}: predict_proba equals sklearn {label} on {len(x_test)} test rows",
              p_ours, p_theirs, atol=TOL, rtol=0)
    accuracy = ours.score(x_test, s.y_test)
    chance = float(np.max(np.bincount(s.y_test)) / len(s.y_test))
    if setting in (1e-9, 1.0):  # the defaults; heavy smoothing may cost accuracy (wine: 0.64)
        ctx.claim_greater(f"{name}: {label} test accuracy above the majority-class rate "
                    f"({chance:.2f}) by half the remaining gap", accuracy,
                    chance + 0.5 * (1 - chance))
    agree = float(np.mean(ours.predict(x_test) == theirs.predict(x_test)))
    ctx.claim_close(f"{name}: {label} predictions agree with sklearn's on every test row", agree, 1.0,
              atol=0, rtol=0)
    return {"name": name, "label": label, "ours": p_ours, "theirs": p_theirs,
            "accuracy": accuracy, "max_diff": float(np.abs(p_ours - p_theirs).max())}


def run(ctx: RunContext) -> None:
    results = []
    names = ("iris", "digits") if ctx.quick else ("iris", "wine", "breast_cancer", "digits")
    for name in names:
        results.append(compare(ctx, name, "gaussian", 1e-9))
    if not ctx.quick:
        results.append(compare(ctx, "wine", "gaussian", 1e-2))
    for alpha in ((1.0,) if ctx.quick else (1.0, 0.5, 0.01)):
        results.append(compare(ctx, "digits", "multinomial", alpha))
    ctx.note("Data: scikit-learn's bundled sets, raw features (pixel counts 0..16 for digits, "
             "which the multinomial model reads as counts), train+validation for fitting and "
             "the test part for the comparison. Largest |P_tfref - P_sklearn| per run: "
             + "; ".join(f"{r['name']} {r['label']} {r['max_diff']:.1e}" for r in results))
    _plot(ctx, results)


def _plot(ctx: RunContext, results) -> None:
    digits = [r for r in results if r["name"] == "digits"][:2]
    with ctx.figure("probabilities", ncols=len(digits), figsize=(4.4 * len(digits), 4.0)) as (
            fig, axes):
        for ax, r in zip(np.atleast_1d(axes), digits, strict=True):
            ax.scatter(r["theirs"].ravel(), r["ours"].ravel(), s=4, alpha=0.4)
            ax.plot([0, 1], [0, 1], color="C3", lw=0.8, ls="--")
            ax.set_xlabel(f"sklearn {r['label']}: P(c | x)")
            ax.set_ylabel("tfref: P(c | x)")
            ax.set_title(f"digits test set, max |diff| = {r['max_diff']:.1e}", fontsize=9)
            ax.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.naive_bayes [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
