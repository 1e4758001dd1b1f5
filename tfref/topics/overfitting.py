"""Model complexity, training set size and overfitting: the U-shaped test error, bias-variance.

Seeds 000 and 003: a model fits its training data better the more complex it is (more
parameters, larger values, fewer training examples), but past some complexity it fits noise and
its error on new data rises again (overfitting); too simple a model is wrong on both
(underfitting). Here the model is a polynomial of degree d in one real variable, diabetes BMI,
predicting disease progression a year later (scikit-learn's diabetes data), fitted by least
squares on small training sets drawn from a pool, and judged on a fixed held-out test set.

Formula:
    f_w(x) = sum_(k=0..d) w_k P_k(u),  u = x rescaled to [-1, 1],  P_k the Legendre polynomials
             (the same functions as w_0 + w_1 x + ... + w_d x^d, better conditioned)
    w = argmin_w sum_(i in train) (f_w(x_i) - y_i)^2;   d + 1 parameters
    train error = mean over train of (f_w(x_i) - y_i)^2;  test error = the same over test
    over R training sets r:  mean_r (f_r(x) - y)^2 = (fbar(x) - y)^2 + mean_r (f_r(x) - fbar(x))^2
             (expected error = squared bias plus noise + variance;  fbar = mean_r f_r)

Symbols: d -> ``degree``; w -> ``coefficients``; R -> ``draws``; n -> ``train_size``;
fbar -> ``mean_prediction``; test error -> ``test_mse``.

Deviations: the seeds give no data for this figure; a real one-variable regression is used.
With real data the noise cannot be separated from the squared bias, so the decomposition reports
their sum. Errors are averaged over R random training sets of each size, so that the curves
describe the model class and not one lucky draw.

Expect: fitting polynomials of BMI to diabetes progression on 300 random training sets per size, at
n = 30 the mean test MSE is U-shaped in the degree, smallest at degree 1 (3806), 1.48 times that at
degree 0 and 1.8e8 times at degree 10, while the training error keeps falling. More data closes the
gap: the degree-8 test error falls from 4.3e10 at n = 20 to 3649 at n = 300, where it is 1.033
times degree 1's; the plot shows error against degree and data (--quick: 40 draws per size).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from numpy.polynomial import legendre

from tfref.data import load_embedded
from tfref.topics._base import RunContext

ID = "overfitting"
TITLE = "Overfitting: polynomial degree, training set size and the U-shaped test error"
CHAPTER = "C"
SEEDS = ("000", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)

FEATURE = "bmi"
MAX_DEGREE = 10
U_CURVE_SIZE = 30
TRAIN_SIZES = (20, 30, 50, 100, 200, 300)
TEST_FRACTION = 0.3


def design_matrix(u: np.ndarray, degree: int) -> np.ndarray:
    """(n, degree + 1) Legendre basis P_0(u) .. P_degree(u) of inputs rescaled to [-1, 1]."""
    return legendre.legvander(u, degree)


def fit_least_squares(design: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Least squares coefficients for a batch of problems: (R, n, p), (R, n) -> (R, p).

    ``tf.linalg.lstsq`` with ``fast=False`` (complete orthogonal decomposition, no normal
    equations), in float64.
    """
    solution = tf.linalg.lstsq(tf.constant(design), tf.constant(targets)[..., None], fast=False)
    return solution.numpy()[..., 0]


def errors_by_degree(u, y, pool, test, train_size, draws, rng):
    """Train and test MSE per draw and degree, and the test predictions of every fit.

    Returns ``train_mse`` (R, D+1), ``test_mse`` (R, D+1) and ``predictions`` (D+1, R, n_test).
    """
    train = np.stack([rng.choice(pool, size=train_size, replace=False) for _ in range(draws)])
    train_mse = np.empty((draws, MAX_DEGREE + 1))
    test_mse = np.empty((draws, MAX_DEGREE + 1))
    predictions = np.empty((MAX_DEGREE + 1, draws, len(test)))
    for degree in range(MAX_DEGREE + 1):
        design = design_matrix(u, degree)  # (N, degree + 1)
        coefficients = fit_least_squares(design[train], y[train])  # (R, degree + 1)
        fitted = np.einsum("rnp,rp->rn", design[train], coefficients)  # (R, n)
        predictions[degree] = coefficients @ design[test].T  # (R, n_test)
        train_mse[:, degree] = np.mean((fitted - y[train]) ** 2, axis=1)
        test_mse[:, degree] = np.mean((predictions[degree] - y[test]) ** 2, axis=1)
    return train_mse, test_mse, predictions, train


def run(ctx: RunContext) -> None:
    data = load_embedded("diabetes")
    column = data.feature_names.index(FEATURE)
    x = data.x[:, column].astype(np.float64)
    y = data.y.astype(np.float64)
    u = 2 * (x - x.min()) / (x.max() - x.min()) - 1  # inputs only: no label information
    order = ctx.rng.permutation(len(x))
    test = np.sort(order[: int(round(TEST_FRACTION * len(x)))])
    pool = np.sort(order[len(test):])
    draws = 40 if ctx.quick else 300
    ctx.note(f"Data: scikit-learn's diabetes set, x = {FEATURE} (body mass index), y = disease "
             f"progression one year later; fixed test set of {len(test)} patients, training sets "
             f"drawn without replacement from the other {len(pool)}; {draws} draws per size; "
             f"degrees 0..{MAX_DEGREE}. Errors are mean squared errors in the target's units^2.")

    runs = {n: errors_by_degree(u, y, pool, test, n, draws, ctx.rng) for n in TRAIN_SIZES}
    _check_against_sklearn(ctx, x, y, runs[U_CURVE_SIZE][3][0])

    # --- the U-shaped test error over degree -------------------------------------------------
    train_mse, test_mse, predictions, _ = runs[U_CURVE_SIZE]
    rises = np.diff(train_mse, axis=1) / train_mse[:, :-1]  # (R, D): relative change per degree
    ctx.claim_less(f"n = {U_CURVE_SIZE}: training error never rises with the degree (nested least "
             "squares), largest relative rise over all draws and degrees", np.max(rises), 1e-9,
             or_equal=True)
    mean_test = test_mse.mean(axis=0)
    mean_train = train_mse.mean(axis=0)
    best = int(np.argmin(mean_test))
    ctx.claim(f"n = {U_CURVE_SIZE}: the test error is smallest at an interior degree (not 0, not "
              f"{MAX_DEGREE})", 0 < best < MAX_DEGREE, expected=f"in 1..{MAX_DEGREE - 1}",
              measured=best)
    ctx.claim_greater(f"n = {U_CURVE_SIZE}: test error at degree {MAX_DEGREE} / the smallest test "
                "error (overfitting side of the U)", mean_test[-1] / mean_test[best], 10.0)
    ctx.claim_greater(f"n = {U_CURVE_SIZE}: test error at degree 0 / the smallest test error "
                "(underfitting side of the U)", mean_test[0] / mean_test[best], 1.2)
    ctx.note(f"n = {U_CURVE_SIZE}: mean test MSE by degree 0..{MAX_DEGREE}: "
             + ", ".join(f"{v:.4g}" for v in mean_test) + "; mean train MSE: "
             + ", ".join(f"{v:.4g}" for v in mean_train) + f". Best degree {best}.")

    # --- more data tames the complex model ---------------------------------------------------
    high = 8
    by_size = np.array([runs[n][1][:, high].mean() for n in TRAIN_SIZES])
    gap_by_size = np.abs([runs[n][1][:, high].mean() - runs[n][0][:, high].mean()
                          for n in TRAIN_SIZES])
    ctx.claim_less(f"degree {high}: test error with n = {TRAIN_SIZES[-1]} / with n = {TRAIN_SIZES[0]}",
             by_size[-1] / by_size[0], 0.01)
    ctx.claim(f"degree {high}: the test error falls at every step n = "
              + ", ".join(str(n) for n in TRAIN_SIZES),
              bool(np.all(np.diff(by_size) < 0)), expected="strictly falling",
              measured=", ".join(f"{v:.4g}" for v in by_size))
    ctx.claim_less(f"degree {high}: |test - train error| with n = {TRAIN_SIZES[-1]} / with "
             f"n = {TRAIN_SIZES[0]}", gap_by_size[-1] / gap_by_size[0], 0.01)
    excess = {n: runs[n][1][:, high].mean() / runs[n][1][:, best].mean()
              for n in (U_CURVE_SIZE, TRAIN_SIZES[-1])}
    ctx.claim_less(f"test error of degree {high} relative to degree {best}: its ratio at n = "
             f"{TRAIN_SIZES[-1]} / its ratio at n = {U_CURVE_SIZE} (more data closes the gap)",
             excess[TRAIN_SIZES[-1]] / excess[U_CURVE_SIZE], 0.01)
    ctx.note(f"Degree {high} vs degree {best}, ratio of mean test errors: "
             f"{excess[U_CURVE_SIZE]:.4g} at n = {U_CURVE_SIZE}, {excess[TRAIN_SIZES[-1]]:.4g} "
             f"at n = {TRAIN_SIZES[-1]}.")

    # --- bias-variance ----------------------------------------------------------------------
    mean_prediction = predictions.mean(axis=1)  # (D+1, n_test)
    bias_and_noise = np.mean((mean_prediction - y[test]) ** 2, axis=1)  # (D+1,)
    variance = np.mean(predictions.var(axis=1), axis=1)  # (D+1,)
    ctx.claim_close(f"n = {U_CURVE_SIZE}: mean test error = (squared bias + noise) + variance, every "
              "degree", mean_test, bias_and_noise + variance, rtol=1e-9)
    ctx.claim_greater(f"n = {U_CURVE_SIZE}: variance at degree {MAX_DEGREE} / variance at degree 1",
                variance[-1] / variance[1], 100.0)
    ctx.claim_less(f"n = {U_CURVE_SIZE}: squared bias + noise at degree 1 / at degree 0 (a constant "
             "underfits)", bias_and_noise[1] / bias_and_noise[0], 0.9)

    _plot(ctx, x, y, u, runs, mean_train, mean_test, best, high, bias_and_noise, variance)


def _check_against_sklearn(ctx, x, y, train) -> None:
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import PolynomialFeatures

    degree = 3
    grid = np.linspace(x.min(), x.max(), 50)
    u = 2 * (np.concatenate([x, grid]) - x.min()) / (x.max() - x.min()) - 1
    design = design_matrix(u, degree)
    coefficients = fit_least_squares(design[train][None], y[train][None])[0]
    ours = design[len(x):] @ coefficients
    features = PolynomialFeatures(degree).fit_transform(x[:, None])
    theirs = LinearRegression().fit(features[train], y[train]).predict(
        PolynomialFeatures(degree).fit_transform(grid[:, None]))
    ctx.claim_close(f"degree-{degree} fit (Legendre basis, tf.linalg.lstsq) = sklearn PolynomialFeatures"
              " + LinearRegression, predictions on a grid", ours, theirs, rtol=1e-6, atol=1e-6)


def _plot(ctx, x, y, u, runs, mean_train, mean_test, best, high, bias_and_noise, variance):
    degrees = np.arange(MAX_DEGREE + 1)
    with ctx.figure("complexity-and-data", nrows=2, ncols=2, figsize=(12.0, 9.0)) as (fig, axes):
        axis = axes[0, 0]
        axis.plot(degrees, mean_train, "o-", label="training error")
        axis.plot(degrees, mean_test, "s-", label="test error")
        axis.plot([best], [mean_test[best]], "k*", ms=14, label=f"lowest test error (degree {best})")
        top = 2.0 * mean_test[0]
        axis.set_ylim(0, top)
        off_scale = np.flatnonzero(mean_test > top)
        if len(off_scale):
            axis.text(0.98, 0.97, f"test error off scale from degree {off_scale[0]}\n"
                      f"(up to {mean_test.max():.1e}; log scale below)", transform=axis.transAxes,
                      ha="right", va="top", fontsize=8, color="C1")
        axis.set_xlabel("polynomial degree d  (d + 1 parameters)")
        axis.set_ylabel("mean squared error")
        axis.set_title(f"diabetes: progression ~ polynomial in BMI, n = {U_CURVE_SIZE}\n"
                       "the U-shaped test error", fontsize=10)
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)

        axis = axes[0, 1]
        for color, degree in zip(("C0", "C2", "C3"), (1, 3, high)):
            test_by_size = [runs[n][1][:, degree].mean() for n in TRAIN_SIZES]
            train_by_size = [runs[n][0][:, degree].mean() for n in TRAIN_SIZES]
            axis.plot(TRAIN_SIZES, test_by_size, "s-", color=color, label=f"test, degree {degree}")
            axis.plot(TRAIN_SIZES, train_by_size, "o--", color=color, alpha=0.6,
                      label=f"train, degree {degree}")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(TRAIN_SIZES, [str(n) for n in TRAIN_SIZES])
        axis.minorticks_off()
        axis.set_xlabel("training set size n")
        axis.set_ylabel("mean squared error")
        axis.set_title("learning curves: more data lowers\nthe test error of complex models",
                       fontsize=10)
        axis.legend(fontsize=7, ncol=2, loc="center right")
        axis.grid(alpha=0.3)

        axis = axes[1, 0]
        axis.plot(degrees, bias_and_noise, "o-", label="squared bias + noise")
        axis.plot(degrees, variance, "^-", label="variance over training sets")
        axis.plot(degrees, mean_test, "s--", color="k", alpha=0.6, label="test error (their sum)")
        axis.set_yscale("log")
        axis.set_xlabel("polynomial degree d")
        axis.set_ylabel("mean squared error")
        axis.set_title(f"bias-variance decomposition, n = {U_CURVE_SIZE}", fontsize=10)
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)

        axis = axes[1, 1]
        train = runs[U_CURVE_SIZE][3][0]
        axis.scatter(x, y, s=6, color="0.75", label="all patients")
        axis.scatter(x[train], y[train], s=18, color="k", label=f"one training set (n = {U_CURVE_SIZE})")
        grid = np.linspace(x.min(), x.max(), 300)
        grid_u = 2 * (grid - x.min()) / (x.max() - x.min()) - 1
        for color, degree in zip(("C0", "C2", "C3"), (1, 3, MAX_DEGREE)):
            coefficients = fit_least_squares(design_matrix(u, degree)[train][None],
                                             y[train][None])[0]
            axis.plot(grid, design_matrix(grid_u, degree) @ coefficients, color=color,
                      label=f"degree {degree}")
        axis.set_ylim(y.min() - 60, y.max() + 60)
        axis.set_xlabel("BMI")
        axis.set_ylabel("disease progression")
        axis.set_title("fits of one training set", fontsize=10)
        axis.legend(fontsize=8)


if __name__ == "__main__":  # python -m tfref.topics.overfitting [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
