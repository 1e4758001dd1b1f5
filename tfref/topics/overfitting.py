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

Remedies (000): ridge regression, w = argmin ||Phi w - y||^2 + lam ||w||^2 (constant term not
shrunk); principal-component regression (least squares on the top k principal components of
the polynomial features); more data (the learning curves). Early stopping (003): gradient
descent from w = 0 on ||Phi w - y||^2 / (2n), step 1/L, is w_t = V diag((1 - (1 - eta s^2/n)^t)
/ s) U^T y for Phi = U S V^T; the held-out error is tracked over t.

Symbols: d -> ``degree``; w -> ``coefficients``; R -> ``draws``; n -> ``train_size``;
fbar -> ``mean_prediction``; test error -> ``test_mse``; lam -> ``l2``; k -> ``components``;
t -> ``STEP_COUNTS``. The design matrix and the solver are
``tfref.classic.least_squares.design_matrix`` and ``fit_least_squares``.

Deviations: the seeds give no data for this figure; a real one-variable regression is used.
With real data the noise cannot be separated from the squared bias, so the decomposition reports
their sum. Errors are averaged over R random training sets of each size, so that the curves
describe the model class and not one lucky draw. 000's "fewer attributes / PCA" remedy is shown
on the polynomial features of the one variable (the data have no spare attributes to drop).

Expect: fitting polynomials of BMI to diabetes progression on 300 random training sets per size, at
n = 30 the mean test MSE is U-shaped in the degree, smallest at degree 1 (3806), 1.48 times that at
degree 0 and 1.8e8 times at degree 10, while the training error keeps falling. More data closes the
gap: the degree-8 test error falls from 4.3e10 at n = 20 to 3649 at n = 300, where it is 1.033
times degree 1's. The degree-10 fits have large coefficients (median ||w|| 4100 times degree 1's);
ridge (l2 = 1) or 3 principal components cut its test error from 6.8e11 to 1.10-1.12 times the
best degree's, and gradient descent on it reaches its lowest held-out error after 10 steps, 1.6e6
times below where 1e12 steps end. The plots show error against degree and data, and the remedies
(--quick: 40 draws per size).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from tfref.classic.least_squares import design_matrix, fit_least_squares
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
CALIBRATION = "bound: worst of seeds 0-4 quick, 0-2 full, margin x10 or 0.1; worst"


def errors_by_degree(u, y, pool, test, train_size, draws, rng):
    """Train and test MSE per draw and degree, and the test predictions of every fit.

    Returns ``train_mse`` (R, D+1), ``test_mse`` (R, D+1), ``predictions`` (D+1, R, n_test),
    the training rows (R, n) and ``norms`` (R, D+1), ||w|| of each fit (Legendre coefficients).
    """
    train = np.stack([rng.choice(pool, size=train_size, replace=False) for _ in range(draws)])
    train_mse = np.empty((draws, MAX_DEGREE + 1))
    test_mse = np.empty((draws, MAX_DEGREE + 1))
    predictions = np.empty((MAX_DEGREE + 1, draws, len(test)))
    norms = np.empty((draws, MAX_DEGREE + 1))
    for degree in range(MAX_DEGREE + 1):
        design = design_matrix(u, degree)  # (N, degree + 1)
        coefficients = fit_least_squares(design[train], y[train])  # (R, degree + 1)
        fitted = np.einsum("rnp,rp->rn", design[train], coefficients)  # (R, n)
        predictions[degree] = coefficients @ design[test].T  # (R, n_test)
        train_mse[:, degree] = np.mean((fitted - y[train]) ** 2, axis=1)
        test_mse[:, degree] = np.mean((predictions[degree] - y[test]) ** 2, axis=1)
        norms[:, degree] = np.linalg.norm(coefficients, axis=1)
    return train_mse, test_mse, predictions, train, norms


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
    train_mse, test_mse, predictions, _, _ = runs[U_CURVE_SIZE]
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
    # Calibration of every bound in this topic: seeds 0-4 in quick mode (40 draws) and 0-2 in
    # full mode (300 draws); ratios spanning orders of magnitude get a margin of a factor 10 on
    # the worst value seen, ratios near 1 a margin of 0.1 (CALIBRATION, in the claims' text).
    ctx.claim_greater(f"n = {U_CURVE_SIZE}: test error at degree {MAX_DEGREE} / the smallest test "
                      f"error (overfitting side of the U; {CALIBRATION}: 2.6e7)",
                      mean_test[-1] / mean_test[best], 2e6)
    ctx.claim_greater(f"n = {U_CURVE_SIZE}: test error at degree 0 / the smallest test error "
                      f"(underfitting side of the U; {CALIBRATION}: 1.38)",
                      mean_test[0] / mean_test[best], 1.28)
    ctx.note(f"n = {U_CURVE_SIZE}: mean test MSE by degree 0..{MAX_DEGREE}: "
             + ", ".join(f"{v:.4g}" for v in mean_test) + "; mean train MSE: "
             + ", ".join(f"{v:.4g}" for v in mean_train) + f". Best degree {best}.")

    # --- more data tames the complex model ---------------------------------------------------
    high = 8
    by_size = np.array([runs[n][1][:, high].mean() for n in TRAIN_SIZES])
    gap_by_size = np.abs([runs[n][1][:, high].mean() - runs[n][0][:, high].mean()
                          for n in TRAIN_SIZES])
    ctx.claim_less(f"degree {high}: test error with n = {TRAIN_SIZES[-1]} / with n = "
                   f"{TRAIN_SIZES[0]} ({CALIBRATION}: 2.0e-6)", by_size[-1] / by_size[0], 2e-5)
    ctx.claim(f"degree {high}: the test error falls at every step n = "
              + ", ".join(str(n) for n in TRAIN_SIZES),
              bool(np.all(np.diff(by_size) < 0)), expected="strictly falling",
              measured=", ".join(f"{v:.4g}" for v in by_size))
    ctx.claim_less(f"degree {high}: |test - train error| with n = {TRAIN_SIZES[-1]} / with "
                   f"n = {TRAIN_SIZES[0]} ({CALIBRATION}: 3.3e-8)",
                   gap_by_size[-1] / gap_by_size[0], 4e-7)
    excess = {n: runs[n][1][:, high].mean() / runs[n][1][:, best].mean()
              for n in (U_CURVE_SIZE, TRAIN_SIZES[-1])}
    ctx.claim_less(f"test error of degree {high} relative to degree {best}: its ratio at n = "
             f"{TRAIN_SIZES[-1]} / its ratio at n = {U_CURVE_SIZE} (more data closes the gap; "
             f"{CALIBRATION}: 1.1e-4)", excess[TRAIN_SIZES[-1]] / excess[U_CURVE_SIZE], 1.2e-3)
    ctx.note(f"Degree {high} vs degree {best}, ratio of mean test errors: "
             f"{excess[U_CURVE_SIZE]:.4g} at n = {U_CURVE_SIZE}, {excess[TRAIN_SIZES[-1]]:.4g} "
             f"at n = {TRAIN_SIZES[-1]}.")

    # --- bias-variance ----------------------------------------------------------------------
    mean_prediction = predictions.mean(axis=1)  # (D+1, n_test)
    bias_and_noise = np.mean((mean_prediction - y[test]) ** 2, axis=1)  # (D+1,)
    variance = np.mean(predictions.var(axis=1), axis=1)  # (D+1,)
    ctx.claim_close(f"n = {U_CURVE_SIZE}: mean test error = (squared bias + noise) + variance, every "
              "degree", mean_test, bias_and_noise + variance, rtol=1e-9)
    ctx.claim_greater(f"n = {U_CURVE_SIZE}: variance at degree {MAX_DEGREE} / variance at degree 1 "
                      f"({CALIBRATION}: 4.6e8)", variance[-1] / variance[1], 4e7)
    ctx.claim_less(f"n = {U_CURVE_SIZE}: squared bias + noise at degree 1 / at degree 0 (a constant "
                   f"underfits; {CALIBRATION}: 0.72)", bias_and_noise[1] / bias_and_noise[0],
                   0.82)

    _plot(ctx, x, y, u, runs, mean_train, mean_test, best, high, bias_and_noise, variance)
    sizes = coefficient_size(ctx, runs[U_CURVE_SIZE][4])
    cures = remedies(ctx, u, y, test, runs[U_CURVE_SIZE][3], float(mean_test[best]))
    stopping = early_stopping(ctx, u, y, test, runs[U_CURVE_SIZE][3])
    _plot_remedies(ctx, sizes, cures, stopping)


def coefficient_size(ctx: RunContext, norms: np.ndarray) -> np.ndarray:
    """002:1249-1263, 003:23-29: an overfitted polynomial has large coefficients."""
    median = np.median(norms, axis=0)  # (D+1,): median over the draws, robust to the wild ones
    rho = float(stats.spearmanr(np.arange(len(median)), median).statistic)
    ctx.claim_greater(f"n = {U_CURVE_SIZE}: the median ||w|| of the fits rises with the degree "
                      f"(larger models take larger values): Spearman rank correlation of ||w|| "
                      f"and degree ({CALIBRATION}: 0.991, one swap at degrees 2-3)", rho, 0.95)
    ctx.claim_greater(f"n = {U_CURVE_SIZE}: median ||w|| at degree {MAX_DEGREE} / at degree 1 "
                      f"({CALIBRATION}: 860)", median[-1] / median[1], 80.0)
    ctx.note(f"n = {U_CURVE_SIZE}: median ||w|| (Legendre coefficients) by degree 0..{MAX_DEGREE}: "
             + ", ".join(f"{v:.4g}" for v in median) + ".")
    return median


def ridge_predictions(design_train, y_train, design_test, l2: float) -> np.ndarray:
    """Ridge with an unshrunk constant term, one problem per draw: centre the non-constant
    features and the targets on the training rows, shrink only the slopes (as sklearn's Ridge
    with an intercept). (R, n, p), (R, n), (m, p) -> (R, m) predictions."""
    features = design_train[..., 1:]
    centre = features.mean(axis=1, keepdims=True)  # (R, 1, p - 1)
    mean = y_train.mean(axis=1, keepdims=True)  # (R, 1)
    slopes = fit_least_squares(features - centre, y_train - mean, l2=l2)  # (R, p - 1)
    return (np.einsum("mp,rp->rm", design_test[:, 1:], slopes) + mean
            - np.einsum("rnp,rp->rn", centre, slopes))


def pca_regression_predictions(design_train, y_train, design_test, components: int):
    """Principal-component regression, one problem per draw: least squares on the top
    ``components`` principal components (PCA by the SVD) of the non-constant polynomial
    features. (R, n, p), (R, n), (m, p) -> (R, m) predictions."""
    features = design_train[..., 1:]
    centre = features.mean(axis=1, keepdims=True)  # (R, 1, p - 1)
    _, _, vt = np.linalg.svd(features - centre, full_matrices=False)  # (R, p - 1, p - 1)
    directions = vt[:, :components]  # (R, k, p - 1)
    scores = np.einsum("rnp,rkp->rnk", features - centre, directions)
    ones = np.ones(scores.shape[:2] + (1,))
    coefficients = fit_least_squares(np.concatenate([ones, scores], axis=2), y_train)
    test_scores = np.einsum("rmp,rkp->rmk", design_test[None, :, 1:] - centre, directions)
    return coefficients[:, :1] + np.einsum("rmk,rk->rm", test_scores, coefficients[:, 1:])


RIDGE_L2 = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
CHOSEN_L2 = 1.0
PCA_COMPONENTS = (1, 2, 3, 5, 8, MAX_DEGREE)
CHOSEN_COMPONENTS = 3


def remedies(ctx: RunContext, u, y, test, train, lowest: float) -> dict:
    """000:123-128: the remedies for overfitting measured on the degree-10 model at n = 30;
    ``lowest`` is the lowest mean test error of the plain fits over the degrees."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LinearRegression, Ridge
    from sklearn.pipeline import make_pipeline

    design = design_matrix(u, MAX_DEGREE)
    design_train, y_train, y_test = design[train], y[train], y[test]

    def mse(predictions):
        return float(np.mean((predictions - y_test) ** 2))

    plain = mse(fit_least_squares(design_train, y_train) @ design[test].T)
    ridge = {l2: mse(ridge_predictions(design_train, y_train, design[test], l2))
             for l2 in RIDGE_L2}
    pcr = {k: mse(pca_regression_predictions(design_train, y_train, design[test], k))
           for k in PCA_COMPONENTS}
    theirs = Ridge(alpha=CHOSEN_L2).fit(design_train[0][:, 1:], y_train[0]).predict(
        design[test][:, 1:])
    ours = ridge_predictions(design_train[:1], y_train[:1], design[test], CHOSEN_L2)[0]
    ctx.claim_close(f"ridge (tf.linalg.lstsq, l2 = {CHOSEN_L2:g}, centred targets) = sklearn "
                    "Ridge(alpha) with an intercept, degree-10 test predictions, one draw", ours,
                    theirs, rtol=1e-6, atol=1e-6)
    theirs = make_pipeline(PCA(CHOSEN_COMPONENTS), LinearRegression()).fit(
        design_train[0][:, 1:], y_train[0]).predict(design[test][:, 1:])
    ours = pca_regression_predictions(design_train[:1], y_train[:1], design[test],
                                      CHOSEN_COMPONENTS)[0]
    ctx.claim_close(f"PCA regression ({CHOSEN_COMPONENTS} components) = sklearn PCA + "
                    "LinearRegression pipeline, test predictions, one draw", ours, theirs,
                    rtol=1e-6, atol=1e-6)
    ctx.claim_less(f"regularisation: degree-{MAX_DEGREE} test error with ridge l2 = "
                   f"{CHOSEN_L2:g} / without ({CALIBRATION}: 4.4e-8)", ridge[CHOSEN_L2] / plain,
                   5e-7)
    ctx.claim_less(f"PCA: degree-{MAX_DEGREE} test error on its top {CHOSEN_COMPONENTS} principal "
                   f"components / on all ({CALIBRATION}: 4.4e-8)", pcr[CHOSEN_COMPONENTS] / plain,
                   5e-7)
    ctx.claim_less(f"the remedies bring the degree-{MAX_DEGREE} model back to the best plain "
                   "degree: worse of ridge's and PCA's test error / the lowest plain test error "
                   f"over degrees ({CALIBRATION}: 1.16)",
                   max(ridge[CHOSEN_L2], pcr[CHOSEN_COMPONENTS]) / lowest, 1.26)
    ctx.note(f"Remedies for the degree-{MAX_DEGREE} polynomial at n = {U_CURVE_SIZE} (000: a "
             f"simpler model, PCA, regularisation; more data is the learning curve above): mean "
             f"test MSE {plain:.4g} plain; ridge by l2 "
             + ", ".join(f"{k:g}: {v:.4g}" for k, v in ridge.items()) + "; PCA by components "
             + ", ".join(f"{k}: {v:.4g}" for k, v in pcr.items()) + ".")
    return {"plain": plain, "ridge": ridge, "pcr": pcr}


STEP_COUNTS = np.unique(np.round(np.logspace(0, 12, 61)).astype(np.int64))


def gradient_descent_path(design, targets, steps):
    """Gradient descent on J = ||Phi w - y||^2 / (2n) from w = 0 with eta = 1/L, in closed form.

    With Phi = U S V^T: w_t = V diag((1 - (1 - eta s^2 / n)^t) / s) U^T y, so any step count is
    one formula (10^12 steps included). Returns (len(steps), R, p).
    """
    u, s, vt = np.linalg.svd(design, full_matrices=False)  # (R, n, p), (R, p), (R, p, p)
    n = design.shape[-2]
    eta = n / s[:, :1] ** 2
    projected = np.einsum("rnp,rn->rp", u, targets)
    return np.stack([np.einsum("rpq,rp->rq", vt, (1 - (1 - eta * s**2 / n) ** t) / s * projected)
                     for t in steps])


def early_stopping(ctx: RunContext, u, y, test, train) -> dict:
    """003:25: more iterations make a more complex model; the held-out error has its minimum
    before the last iteration (early stopping)."""
    design = design_matrix(u, MAX_DEGREE)
    design_train, y_train = design[train], y[train]
    mean = y_train.mean(axis=1, keepdims=True)
    path = gradient_descent_path(design_train, y_train - mean, STEP_COUNTS)  # (T, R, p)
    n = design_train.shape[1]
    eta = n / np.linalg.svd(design_train, compute_uv=False)[:, :1] ** 2
    w = np.zeros(design_train.shape[::2])
    for _ in range(200):  # the explicit loop the closed form must equal
        residual = np.einsum("rnp,rp->rn", design_train, w) - (y_train - mean)
        w = w - eta * np.einsum("rnp,rn->rp", design_train, residual) / n
    closed = gradient_descent_path(design_train, y_train - mean, [200])[0]
    ctx.claim_close("closed-form gradient-descent path = 200 explicit steps (all draws, all "
                    "coefficients; seen up to 3.6e-6 apart)", closed, w, rtol=1e-5, atol=1e-5)
    held_out = np.array([np.mean((w_t @ design[test].T + mean - y[test]) ** 2) for w_t in path])
    norms = np.median(np.linalg.norm(path, axis=2), axis=1)
    best = int(np.argmin(held_out))
    ctx.claim(f"degree {MAX_DEGREE}, n = {U_CURVE_SIZE}: the median ||w_t|| grows with the steps "
              "(more iterations, a more complex model)", bool(np.all(np.diff(norms) >= 0)),
              expected="never falling", measured=f"{norms[0]:.3g} -> {norms[-1]:.3g}")
    ctx.claim(f"the held-out error is lowest before the last of {STEP_COUNTS[-1]:.0e} steps",
              best < len(STEP_COUNTS) - 1, expected=f"< {STEP_COUNTS[-1]:.0e}",
              measured=f"{STEP_COUNTS[best]} steps")
    ctx.claim_greater("held-out error after the last step / at its minimum (early stopping's gain; "
                      f"{CALIBRATION}: 3.4e5)", held_out[-1] / held_out[best], 3e4)
    ctx.note(f"Early stopping (degree {MAX_DEGREE}, n = {U_CURVE_SIZE}, gradient descent with "
             f"eta = 1/L): held-out MSE {held_out[0]:.4g} after 1 step, lowest {held_out[best]:.4g}"
             f" after {STEP_COUNTS[best]} steps, {held_out[-1]:.4g} after {STEP_COUNTS[-1]:.0e}.")
    return {"held_out": held_out, "norms": norms, "best": best}


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


def _plot_remedies(ctx, sizes, cures, stopping) -> None:
    with ctx.figure("remedies", ncols=3, figsize=(14.0, 4.2)) as (fig, (left, middle, right)):
        left.semilogy(np.arange(MAX_DEGREE + 1), sizes, "o-")
        left.set_xlabel("polynomial degree d")
        left.set_ylabel("median ||w|| over training sets")
        left.set_title(f"overfit models have large coefficients (n = {U_CURVE_SIZE})", fontsize=9)
        left.grid(alpha=0.3)
        middle.semilogy(list(range(len(RIDGE_L2))), list(cures["ridge"].values()), "o-",
                        label="ridge, by l2 (bottom axis)")
        middle.semilogy(list(range(len(PCA_COMPONENTS))), list(cures["pcr"].values()), "s-",
                        label="PCA regression, by components (labels)")
        for i, k in enumerate(PCA_COMPONENTS):
            middle.annotate(str(k), (i, cures["pcr"][k]), fontsize=7, xytext=(3, 3),
                            textcoords="offset points")
        middle.axhline(cures["plain"], color="C3", ls="--", label="plain least squares")
        middle.set_xticks(range(len(RIDGE_L2)), [f"{v:g}" for v in RIDGE_L2])
        middle.set_xlabel("ridge l2")
        middle.set_ylabel("mean test MSE")
        middle.set_title(f"remedies for the degree-{MAX_DEGREE} fit", fontsize=9)
        middle.legend(fontsize=7)
        middle.grid(alpha=0.3)
        right.loglog(STEP_COUNTS, stopping["held_out"], label="held-out MSE")
        best = stopping["best"]
        right.plot([STEP_COUNTS[best]], [stopping["held_out"][best]], "k*", ms=12,
                   label=f"minimum ({STEP_COUNTS[best]} steps)")
        right.loglog(STEP_COUNTS, stopping["norms"] ** 2, color="C2", ls=":",
                     label="median ||w_t||^2 (model size)")
        right.set_xlabel("gradient-descent steps")
        right.set_ylabel("mean held-out MSE;  ||w_t||^2")
        right.set_title("early stopping: more steps, a more complex model", fontsize=9)
        right.legend(fontsize=7, loc="upper left")
        right.grid(alpha=0.3)
        for axis in (left, middle, right):
            axis.minorticks_off()  # log axes over 12 decades: minor ticks cost seconds to lay out


if __name__ == "__main__":  # python -m tfref.topics.overfitting [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
