"""Exponentially weighted moving averages of a real daily temperature series, with bias correction.

Seed 004 (sections 3-4 and the bias-correction part): a year of daily temperatures theta_t is
smoothed by v_t = beta v_(t-1) + (1 - beta) theta_t from v_0 = 0. beta = 0.9 averages about
1 / (1 - beta) = 10 days (red curve), 0.98 about 50 days (green: smoother, but it lags),
0.5 about 2 days (yellow: noisy, quick to adapt). Unrolled, v_t weighs theta_(t-k) by
(1 - beta) beta^k; after 1 / (1 - beta) days a weight has fallen to about 1/e of today's, since
(1 - eps)^(1/eps) is about 1/e (0.9^10 = 0.35, 0.98^50 = 0.36). Starting from 0 biases the first
averages low; v_t / (1 - beta^t) corrects it.

Formula:
    v_0 = 0
    v_t = beta * v_(t-1) + (1 - beta) * theta_t,            t = 1 .. T
        = sum_(i=1..t) (1 - beta) * beta^(t-i) * theta_i   (weights sum to 1 - beta^t)
    corrected v_t = v_t / (1 - beta^t)
    window of about N = 1 / (1 - beta) days: beta^N = (1 - eps)^(1/eps) ~ 1/e, eps = 1 - beta

Symbols: theta_t -> ``theta[t - 1]`` (daily maximum temperature, degrees C); v_t -> ``ops.ewma``;
beta -> ``beta``; (1 - beta) beta^(t-i) -> ``ops.ewma_weights(beta, t)``; eps -> ``eps``;
N -> ``window``.

Deviations: seed 004 uses a year of London temperatures in Fahrenheit; no such file ships, so this
topic uses NOAA's daily maximum temperatures for Seattle in 2015 (degrees C, shipped with tfref,
see tfref/data/files/MANIFEST.json). The seed rounds 0.9^10 = 0.349 to 1/e = 0.368 (erratum 10):
an approximation, shown here beside the exact value. The three curves in the main plot are bias
corrected; the second panel shows the uncorrected start.

Expect: ops.ewma equals the seed's loop and pandas' ewm on four years of Seattle daily maximum
temperatures (T = 1461 days); in the plot of 2015, beta = 0.98 gives the smoothest curve but lags
most (best-aligning shift 38 days, against 9 for beta = 0.9 and 3 for 0.5). The seed's
0.9^10 = 0.3487 is only near 1/e = 0.3679 (erratum 10; 0.98^50 = 0.3642 is closer), and bias
correction lifts the mean of v_1..v_10 from 0.098 to 0.873 of the data's
(--quick: 2015 only, T = 365).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tfref import ops
from tfref.data import load_seattle_weather
from tfref.topics._base import RunContext

ID = "ewma"
TITLE = "Exponentially weighted moving averages and bias correction"
CHAPTER = "B"
SEEDS = ("004",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

YEAR = 2015
BETAS = (0.9, 0.98, 0.5)
COLOURS = {0.9: "tab:red", 0.98: "tab:green", 0.5: "goldenrod"}


def naive_ewma(theta: np.ndarray, beta: float) -> np.ndarray:
    """The seed's loop, one day at a time, in float64: v = beta v + (1 - beta) theta_t."""
    v, out = 0.0, np.empty(len(theta))
    for t, value in enumerate(theta):
        v = beta * v + (1 - beta) * value
        out[t] = v
    return out


def run(ctx: RunContext) -> None:
    year = load_seattle_weather(YEAR)
    theta_year = year["temp_max"].to_numpy(np.float64)  # (365,)
    # Quick mode checks the equivalences on one year; the full run on all four (1461 days).
    checked = year if ctx.quick else load_seattle_weather()
    theta = checked["temp_max"].to_numpy(np.float64)  # (T,)
    T = len(theta)
    span = f"{checked['date'].iloc[0].date()} to {checked['date'].iloc[-1].date()}, T = {T} days"
    ctx.note(
        f"Data: Seattle daily maximum temperature (NOAA via vega_datasets), {span}; the plots "
        f"show {YEAR}."
    )

    # Each average is computed once with ops.ewma and shared by the checks and the plot.
    v = {beta: ops.ewma(theta, beta).numpy() for beta in BETAS}  # beta -> (T,)
    corrected = {beta: ops.ewma(theta, beta, bias_correction=True).numpy() for beta in BETAS}
    if ctx.quick:
        v_year, corrected_year = v, corrected
    else:
        v_year = {beta: ops.ewma(theta_year, beta).numpy() for beta in BETAS}  # beta -> (365,)
        corrected_year = {
            beta: ops.ewma(theta_year, beta, bias_correction=True).numpy() for beta in BETAS
        }

    _check_recursion_and_pandas(ctx, theta, v, corrected, span)
    _check_weights(ctx, theta, T, v)
    _check_one_over_e(ctx)
    _check_bias_correction(ctx, theta_year, v_year[0.98], corrected_year[0.98])
    _check_smoothing(ctx, theta_year, corrected_year)
    _plot(ctx, year, v_year, corrected_year)


def _check_recursion_and_pandas(
    ctx: RunContext, theta: np.ndarray, averages: dict, corrected_averages: dict, span: str
) -> None:
    betas = ", ".join(str(b) for b in BETAS)
    v = np.stack([averages[beta] for beta in BETAS])  # (3, T)
    corrected = np.stack([corrected_averages[beta] for beta in BETAS])  # (3, T)
    series = pd.Series(theta)
    ctx.claim_close(
        f"ops.ewma equals the seed's loop v = beta v + (1 - beta) theta_t from v_0 = 0 "
        f"(beta = {betas}; {span})",
        v,
        np.stack([naive_ewma(theta, beta) for beta in BETAS]),
        atol=1e-9,
        rtol=1e-12,
    )
    ctx.claim_close(
        f"bias-corrected v_t / (1 - beta^t) equals pandas ewm(alpha=1-beta, adjust=True).mean() "
        f"(beta = {betas})",
        corrected,
        np.stack([series.ewm(alpha=1 - beta, adjust=True).mean().to_numpy() for beta in BETAS]),
        atol=1e-9,
        rtol=1e-12,
    )
    from_zero = [
        pd.Series(np.r_[0.0, theta]).ewm(alpha=1 - beta, adjust=False).mean().to_numpy()[1:]
        for beta in BETAS
    ]
    ctx.claim_close(
        "uncorrected v_t equals pandas ewm(alpha=1-beta, adjust=False).mean() of the series with "
        "v_0 = 0 put in front (first value dropped)",
        v,
        np.stack(from_zero),
        atol=1e-9,
        rtol=1e-12,
    )
    steps = np.arange(1, len(theta) + 1)
    started_at_theta_1 = [
        series.ewm(alpha=1 - beta, adjust=False).mean().to_numpy() for beta in BETAS
    ]
    ctx.claim_close(
        "pandas adjust=False alone starts from theta_1, not 0: it equals v_t + beta^t theta_1",
        np.stack(started_at_theta_1),
        np.stack([v[k] + beta**steps * theta[0] for k, beta in enumerate(BETAS)]),
        atol=1e-9,
        rtol=1e-12,
    )


def _check_weights(ctx: RunContext, theta: np.ndarray, T: int, averages: dict) -> None:
    steps = (1, 2, 10, 50, 100, T)
    for beta in BETAS:
        sums = [float(np.sum(ops.ewma_weights(np.float64(beta), t).numpy())) for t in steps]
        ctx.claim_close(
            f"beta = {beta}: weights (1 - beta) beta^(t-i) of theta_1..theta_t sum to 1 - beta^t "
            f"(t = {', '.join(str(t) for t in steps)})",
            sums,
            [1 - beta**t for t in steps],
            atol=1e-12,
            rtol=1e-12,
        )
    beta = 0.9
    weights = ops.ewma_weights(np.float64(beta), T).numpy()  # (T,), oldest first
    ctx.claim_close(
        f"beta = {beta}: v_T is the weighted sum sum_i (1 - beta) beta^(T-i) theta_i of the "
        f"real series",
        float(weights @ theta),
        float(averages[beta][-1]),
        atol=1e-9,
        rtol=1e-12,
    )
    for beta in BETAS:
        weights = ops.ewma_weights(np.float64(beta), T).numpy()
        window = round(1 / (1 - beta))
        ages = np.arange(T)  # (T,): age t - i of theta_i, newest first
        mean_age = float(np.sum(weights[::-1] * ages) / np.sum(weights))
        ctx.claim_close(
            f"beta = {beta}: mean age of the weights in v_T is beta / (1 - beta) - T beta^T / "
            f"(1 - beta^T) (-> {beta / (1 - beta):.3g} days for long series: the lag)",
            mean_age,
            beta / (1 - beta) - T * beta**T / (1 - beta**T),
            atol=1e-9,
            rtol=1e-9,
        )
        last_days = float(np.sum(weights[-window:]))
        if beta == 0.5:
            ctx.claim_close(
                f"beta = 0.5: the last N = {window} days carry 1 - 0.5^2 = 0.75 of the weight "
                f"(1 - 1/e = 0.632 is a poor guide for so short a window)",
                last_days,
                0.75,
                atol=1e-12,
                rtol=0,
            )
        else:
            ctx.claim_close(
                f"beta = {beta}: the last N = 1/(1-beta) = {window} days carry about 1 - 1/e of "
                f"the weight (exactly 1 - beta^N = {1 - beta**window:.4f})",
                last_days,
                1 - 1 / math.e,
                atol=0.025,
                rtol=0,
            )


def _check_one_over_e(ctx: RunContext) -> None:
    ctx.claim_close("0.9^10 (seed 004: 'about 0.35')", 0.9**10, 0.3486784401, atol=1e-12, rtol=0)
    ctx.claim_close(
        "erratum 10: 0.9^10 = 0.3487 is only about 1/e = 0.3679 (an approximation, off by 0.019)",
        0.9**10,
        1 / math.e,
        atol=0.02,
        rtol=0,
    )
    ctx.claim_close(
        "0.98^50 = 0.3642 is about 1/e = 0.3679 (closer: eps = 0.02 is smaller)",
        0.98**50,
        1 / math.e,
        atol=0.005,
        rtol=0,
    )
    eps = np.array([0.5, 0.1, 0.02, 0.001])
    values = (1 - eps) ** (1 / eps)
    ctx.claim(
        "(1 - eps)^(1/eps) rises towards 1/e as eps shrinks, always below it "
        "(eps = 0.5, 0.1, 0.02, 0.001)",
        bool(np.all(np.diff(values) > 0) and np.all(values < 1 / math.e)),
        expected="increasing, < 0.3679",
        measured=", ".join(f"{value:.4f}" for value in values),
    )


def _check_bias_correction(
    ctx: RunContext, theta: np.ndarray, v: np.ndarray, corrected: np.ndarray
) -> None:
    beta = 0.98  # v and corrected are ops.ewma(theta, 0.98) without and with bias correction
    ctx.claim_close(
        f"beta = {beta}: v_1 = (1 - beta) theta_1 (the start is biased towards v_0 = 0)",
        v[0],
        (1 - beta) * theta[0],
        atol=1e-12,
        rtol=1e-12,
    )
    ctx.claim_close(
        f"beta = {beta}: corrected v_1 = v_1 / (1 - beta) = theta_1",
        corrected[0],
        theta[0],
        atol=1e-12,
        rtol=1e-12,
    )
    first = 10
    ctx.claim_less(
        f"beta = {beta}: uncorrected mean of v_1..v_{first} / mean of theta_1..theta_{first} "
        f"(far below 1: the bias)",
        np.mean(v[:first]) / np.mean(theta[:first]),
        0.2,
    )
    ctx.claim_close(
        f"beta = {beta}: corrected mean of v_1..v_{first} / mean of theta_1..theta_{first} "
        f"(about 1: bias removed)",
        np.mean(corrected[:first]) / np.mean(theta[:first]),
        1.0,
        atol=0.15,
        rtol=0,
    )
    ctx.claim_less(
        f"beta = {beta}: by day {len(theta)} the correction 1 / (1 - beta^t) changes v_t by a "
        f"relative amount below 1e-3",
        abs(corrected[-1] - v[-1]) / abs(v[-1]),
        1e-3,
    )


def _check_smoothing(ctx: RunContext, theta: np.ndarray, curves: dict) -> None:
    def roughness(series):
        return float(np.std(np.diff(series)))

    order = [roughness(theta)] + [roughness(curves[beta]) for beta in (0.5, 0.9, 0.98)]
    ctx.claim(
        f"larger beta, smoother curve: std of day-to-day change, data > 0.5 > 0.9 > 0.98 ({YEAR})",
        bool(np.all(np.diff(order) < 0)),
        expected="decreasing",
        measured=", ".join(f"{value:.3f}" for value in order),
    )
    centred = pd.Series(theta).rolling(31, center=True).mean().to_numpy()  # (365,), NaN at the ends
    lags = [_best_shift(curves[beta], centred) for beta in (0.5, 0.9, 0.98)]
    ctx.claim(
        f"larger beta, longer lag: shift (days) that best aligns v_t with the data's centred "
        f"31-day mean, beta = 0.5, 0.9, 0.98 ({YEAR}; about beta / (1 - beta) = 1, 9, and less "
        f"than 49 for the seasonal swing)",
        bool(np.all(np.diff(lags) > 0)),
        expected="increasing",
        measured=", ".join(str(lag) for lag in lags),
    )


def _best_shift(curve: np.ndarray, centred: np.ndarray, max_shift: int = 90, skip: int = 60) -> int:
    """The k minimising mean (curve_t - centred_(t-k))^2 over days t > skip (past the start-up)."""
    errors = []
    for k in range(max_shift):
        shifted = np.r_[np.full(k, np.nan), centred[: len(centred) - k]]  # centred_(t-k)
        usable = ~np.isnan(shifted)
        usable[:skip] = False
        errors.append(np.mean((curve[usable] - shifted[usable]) ** 2))
    return int(np.argmin(errors))


def _plot(ctx: RunContext, year: pd.DataFrame, v: dict, corrected: dict) -> None:
    import matplotlib.dates as mdates

    dates = year["date"].to_numpy()
    theta = year["temp_max"].to_numpy(np.float64)
    with ctx.figure(
        "seattle-temperature", ncols=2, figsize=(12.0, 4.2), gridspec_kw={"width_ratios": [2, 1]}
    ) as (fig, axes):
        axes[0].scatter(dates, theta, s=6, color="tab:blue", alpha=0.45, label="daily max theta_t")
        for beta in BETAS:  # the noisy beta = 0.5 curve thinner and underneath
            axes[0].plot(
                dates,
                corrected[beta],
                lw=1.0 if beta == 0.5 else 2.0,
                zorder=2 if beta == 0.5 else 3,
                color=COLOURS[beta],
                label=f"beta = {beta} (~{round(1 / (1 - beta))} days)",
            )
        axes[0].set_title(f"Seattle {YEAR}: EWMA v_t, three betas (bias corrected)")
        axes[0].set_ylabel("temperature (degrees C)")
        start = 120
        axes[1].scatter(
            dates[:start],
            theta[:start],
            s=8,
            color="tab:blue",
            alpha=0.45,
            label="daily max theta_t",
        )
        axes[1].plot(
            dates[:start],
            corrected[0.98][:start],
            lw=1.8,
            color=COLOURS[0.98],
            label="beta = 0.98, v_t / (1 - beta^t)",
        )
        axes[1].plot(
            dates[:start],
            v[0.98][:start],
            lw=1.8,
            color="tab:purple",
            label="beta = 0.98, uncorrected (v_0 = 0)",
        )
        axes[1].set_title("bias correction: the first days")
        for axis in axes:
            axis.grid(alpha=0.3)
            axis.legend(fontsize=8, loc="lower center" if axis is axes[0] else "lower right")
            axis.xaxis.set_major_locator(mdates.MonthLocator())
            axis.xaxis.set_major_formatter(mdates.DateFormatter("%b"))


if __name__ == "__main__":  # python -m tfref.topics.ewma [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
