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

Seed 004 then weighs memory against accuracy: the EWMA keeps one number, a moving window of the
last 10 or 50 days keeps them all and "often gives a better estimate" (``StreamingEwma``,
``StreamingWindow``, compared against the series' least-squares annual cycle, ``annual_cycle``).

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
most (best-aligning shift 38 days, against 9 for beta = 0.9 and 3 for 0.5). Read off the weights
and the impulse response, the relative weight first falls below 1/e at 1/(1 - beta) = 10 and 50
days, below a third only at day 11 for beta = 0.9 (erratum 10: 0.9^10 = 0.3487, 1/e = 0.3679).
Bias correction lifts the mean of v_1..v_10 from 0.098 to 0.873 of the data's. Against a moving
window of the last N days (seed 004: it holds N numbers, the EWMA one; more accurate), measured
against 2015's fitted annual cycle: the window lags less (6 vs 10 days at N = 10, 25 vs 38 at
N = 50), the EWMA is smoother (0.77 of the window's roughness), and at N = 50 the window's RMSE
is 3.28 against the EWMA's 4.37 degrees C (--quick: 2015 only, T = 365).
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
    _check_one_over_e(ctx, T)
    _check_bias_correction(ctx, theta_year, v_year[0.98], corrected_year[0.98])
    _check_smoothing(ctx, theta_year, corrected_year)
    _check_against_window(ctx, year, theta_year, v_year, corrected_year)
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


def _check_one_over_e(ctx: RunContext, T: int) -> None:
    # The seed's figures, as documented arithmetic (notes, not claims): the claims below read the
    # same numbers off the weights ops.ewma_weights computes and off ops.ewma's impulse response.
    ctx.note(
        f"Seed 004's figures: 0.9^10 = {0.9**10:.4f} ('about 0.35'), 0.98^50 = {0.98**50:.4f}, "
        f"1/e = {1 / math.e:.4f}; 0.9^10 is off 1/e by {1 / math.e - 0.9**10:.4f} (erratum 10), "
        f"0.98^50 by {1 / math.e - 0.98**50:.4f}."
    )
    impulse = np.zeros(60)
    impulse[0] = 1.0
    for beta, window in ((0.9, 10), (0.98, 50)):
        weights = ops.ewma_weights(np.float64(beta), T).numpy()[::-1]  # (T,), newest first
        relative = weights / weights[0]  # weight of theta_(t-k) over today's, k = 0 .. T-1
        response = ops.ewma(impulse, beta).numpy()  # v_(1+k) after theta = 1, 0, 0, ...
        ctx.claim_close(
            f"beta = {beta}: the weight of the day {window} days back, relative to today's, read "
            f"off ops.ewma_weights and off ops.ewma's response to an impulse, is beta^N "
            f"(N = {window}; seed 004: about 1/e)",
            [relative[window], response[window] / response[0]],
            [beta**window, beta**window],
            atol=1e-12,
            rtol=1e-9,
        )
        below_e = int(np.argmax(relative < 1 / math.e))
        below_third = int(np.argmax(relative < 1 / 3))
        ctx.claim(
            f"beta = {beta}: the relative weight first falls below 1/e at age N = 1/(1 - beta) = "
            f"{window} days, and below 1/3 only at day {window + 1 if beta == 0.9 else 55} "
            f"(seed 004 says 'below a third after 10 days' for 0.9: erratum, 0.9^10 = 0.349 > 1/3)",
            (below_e, below_third) == (window, window + 1 if beta == 0.9 else 55),
            expected=f"{window}, {window + 1 if beta == 0.9 else 55}",
            measured=f"{below_e}, {below_third}",
        )
    eps = np.array([0.5, 0.1, 0.02, 0.001])
    measured = []
    for e in eps:  # (1 - eps)^(1/eps) read off the weights of beta = 1 - eps
        n = round(1 / e)
        weights = ops.ewma_weights(np.float64(1 - e), n + 1).numpy()  # oldest first
        measured.append(weights[0] / weights[-1])
    values = np.array(measured)
    ctx.claim(
        "(1 - eps)^(1/eps), read off ops.ewma_weights as the relative weight 1/eps days back, "
        "rises towards 1/e as eps shrinks, always below it (eps = 0.5, 0.1, 0.02, 0.001; within "
        "0.001 of 1/e at eps = 0.001)",
        bool(np.all(np.diff(values) > 0) and np.all(values < 1 / math.e)
             and 1 / math.e - values[-1] < 1e-3),
        expected="increasing, < 0.3679, last within 0.001",
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


class StreamingEwma:
    """The seed's one-line average as a running state: it holds one number, v."""

    def __init__(self, beta: float):
        self.beta, self.v = beta, 0.0

    def update(self, value: float) -> float:
        self.v = self.beta * self.v + (1 - self.beta) * value
        return self.v

    def numbers_held(self) -> int:
        return 1


class StreamingWindow:
    """A trailing moving-window mean of the last N values: it holds them (and their sum)."""

    def __init__(self, window: int):
        from collections import deque

        self.window, self.values, self.total = window, deque(), 0.0

    def update(self, value: float) -> float:
        self.values.append(value)
        self.total += value
        if len(self.values) > self.window:
            self.total -= self.values.popleft()
        return self.total / len(self.values)

    def numbers_held(self) -> int:
        return len(self.values) + 1  # the kept values and the running sum


def annual_cycle(theta: np.ndarray) -> np.ndarray:
    """Least-squares fit a + b cos(2 pi t / 365.25) + c sin(2 pi t / 365.25): the seasonal
    signal the averages try to follow (a stand-in for the true temperature, which nobody knows)."""
    t = np.arange(len(theta))
    basis = np.c_[np.ones(len(t)), np.cos(2 * np.pi * t / 365.25), np.sin(2 * np.pi * t / 365.25)]
    coefficients = np.linalg.lstsq(basis, theta, rcond=None)[0]
    return basis @ coefficients


def _check_against_window(
    ctx: RunContext, year: pd.DataFrame, theta: np.ndarray, averages: dict, corrected: dict
) -> None:
    """Seed 004 (lines 153-161): the EWMA keeps one number; a moving window of the last N days
    keeps N and 'often gives a better estimate'. Measured on the 2015 series against its annual
    cycle: the window lags less, the EWMA is smoother."""
    truth = annual_cycle(theta)  # (365,)
    skip = 60  # past the start-up of the longest average
    rows = {}
    for beta, window in ((0.9, 10), (0.98, 50)):
        ewma_stream, window_stream = StreamingEwma(beta), StreamingWindow(window)
        streamed_ewma = np.array([ewma_stream.update(value) for value in theta])
        streamed_window = np.array([window_stream.update(value) for value in theta])
        pandas_window = pd.Series(theta).rolling(window, min_periods=1).mean().to_numpy()
        ctx.claim_close(
            f"N = {window}: the streaming EWMA (beta = {beta}) equals ops.ewma, and the streaming "
            f"{window}-day window mean equals pandas rolling({window}, min_periods=1).mean()",
            np.r_[streamed_ewma, streamed_window],
            np.r_[averages[beta], pandas_window],
            atol=1e-9,
            rtol=1e-12,
        )
        ctx.claim(
            f"N = {window}: memory after the year, in numbers held: the EWMA 1, the window "
            f"N + 1 = {window + 1} (its values and their sum)",
            (ewma_stream.numbers_held(), window_stream.numbers_held()) == (1, window + 1),
            expected=f"1, {window + 1}",
            measured=f"{ewma_stream.numbers_held()}, {window_stream.numbers_held()}",
        )
        rows[window] = {}
        for name, curve in (("ewma", corrected[beta]), ("window", pandas_window)):
            rows[window][name] = {
                "lag": _best_shift(curve, truth, skip=skip),
                "rmse": float(np.sqrt(np.mean((curve[skip:] - truth[skip:]) ** 2))),
                "roughness": float(np.std(np.diff(curve[skip:]))),
                "curve": curve,
            }
        ewma_row, window_row = rows[window]["ewma"], rows[window]["window"]
        # Thresholds: the data are fixed (no seed enters), measured ratios 0.60 / 0.66 (lag),
        # 0.77 / 0.77 (roughness), 0.75 (RMSE at N = 50); bounds sit about 0.1 above them.
        # The lags and roughness are properties of the two filters: a trailing window's mean age
        # is (N - 1) / 2 days, the EWMA's beta / (1 - beta), about twice as much; the EWMA's
        # noise variance (1 - beta) / (1 + beta) = 1 / (2N - 1) is about half the window's 1/N.
        ctx.claim_less(
            f"N = {window}: lag (days) of the {window}-day window behind the 2015 annual cycle, "
            f"over that of the EWMA with beta = {beta} (mean ages (N-1)/2 = {(window - 1) / 2} "
            f"vs beta/(1-beta) = {beta / (1 - beta):.0f}: about 0.5; measured "
            f"{window_row['lag']} vs {ewma_row['lag']})",
            window_row["lag"] / ewma_row["lag"],
            0.75,
        )
        ctx.claim_less(
            f"N = {window}: day-to-day roughness (std of the change) of the EWMA over the "
            f"window's (the EWMA is smoother: noise variance 1/(2N-1) vs 1/N; measured "
            f"{ewma_row['roughness']:.3f} vs {window_row['roughness']:.3f})",
            ewma_row["roughness"] / window_row["roughness"],
            0.9,
        )
    ctx.claim_less(
        "N = 50: RMSE against the 2015 annual cycle of the 50-day window over the EWMA's "
        "(beta = 0.98): the window's smaller lag makes it the better estimate, as seed 004 says "
        f"(measured {rows[50]['window']['rmse']:.2f} vs {rows[50]['ewma']['rmse']:.2f} degrees C; "
        f"at N = 10 the lag matters less: {rows[10]['window']['rmse']:.2f} vs "
        f"{rows[10]['ewma']['rmse']:.2f})",
        rows[50]["window"]["rmse"] / rows[50]["ewma"]["rmse"],
        0.85,
    )
    _plot_window(ctx, year, theta, truth, rows)


def _plot_window(
    ctx: RunContext, year: pd.DataFrame, theta: np.ndarray, truth: np.ndarray, rows: dict
) -> None:
    import matplotlib.dates as mdates

    dates = year["date"].to_numpy()
    with ctx.figure("ewma-vs-window", ncols=2, figsize=(12.0, 4.0), sharey=True) as (fig, axes):
        for axis, (window, beta) in zip(axes, ((10, 0.9), (50, 0.98)), strict=True):
            axis.scatter(dates, theta, s=5, color="tab:blue", alpha=0.3, label="daily max")
            axis.plot(dates, truth, color="black", lw=1.2, ls="--", label="annual cycle (fit)")
            for name, colour, label in (
                ("ewma", "tab:red", f"EWMA beta = {beta}: 1 number"),
                ("window", "tab:green", f"{window}-day window mean: {window} numbers"),
            ):
                row = rows[window][name]
                axis.plot(
                    dates, row["curve"], color=colour, lw=1.6,
                    label=f"{label} (lag {row['lag']} d, RMSE {row['rmse']:.2f})",
                )
            axis.set_title(f"N = {window}: memory vs accuracy")
            axis.grid(alpha=0.3)
            axis.legend(fontsize=7, loc="lower center")
            axis.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
            axis.xaxis.set_major_formatter(mdates.DateFormatter("%b"))
        axes[0].set_ylabel("temperature (degrees C)")


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
