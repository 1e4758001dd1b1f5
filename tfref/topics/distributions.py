"""Bernoulli, binomial, multinomial; prior and posterior; the Beta-Bernoulli conjugate pair.

Seed 000 ("common probability distributions"): Bernoulli (one coin toss), binomial X ~ B(n, p)
(number of heads in n tosses), multinomial (counts of each face in many dice rolls); prior vs
posterior with the lottery example (5 balls, 2 winning; the third person wins with probability
2/5, and 1/4 once the first person is known to have won); conjugate distributions (the posterior
has the prior's family, so new data only moves its parameters).

Formula:
    Bernoulli:    P(x | p) = p^x (1 - p)^(1 - x),  x in {0, 1}
    binomial:     P(k | n, p) = C(n, k) p^k (1 - p)^(n - k)
    multinomial:  P(counts | p) = n! / prod counts_i! * prod p_i^counts_i
    lottery:      P(X3 = 1) = 2/5
                  P(X3 = 1 | X1 = 1) = P(X1 = 1, X3 = 1) / P(X1 = 1) = (1/10) / (2/5) = 1/4
    conjugacy:    prior Beta(a, b): pdf(theta) ∝ theta^(a-1) (1 - theta)^(b-1)
                  likelihood of s heads in n flips ∝ theta^s (1 - theta)^(n - s)
                  posterior ∝ prior * likelihood = Beta(a + s, b + n - s)

Symbols: x, p -> ``x``, ``p``; n, k -> ``trials``, ``successes``; counts -> ``counts``;
X1, X3 -> ``first_wins``, ``third_wins``; a, b, theta -> ``prior_a``, ``prior_b``, ``theta``.

Deviations: none in the formulas. The documents give no coin-flip data for the conjugate
example, so flips are drawn from a seeded coin with theta = 0.7.

Expect: the Bernoulli, binomial B(10, 0.3) and multinomial pmfs equal scipy.stats (to 1.3e-15) and
sum to 1; enumerating the 5! orders gives P(third wins) = 2/5, and 1/4 once the first has won, and
1,000,000 simulated shuffles give 0.3994 and 0.2499. The plot shows the Beta posterior of a coin
narrowing as flips arrive: after 500 flips its mean is 0.710 for theta = 0.7 (--quick: 20000
shuffles, 0.396 and 0.240; posterior mean 0.75). The integral of ops.beta_pdf is
scipy's beta cdf, the running sum of the binomial pmf its cdf (003: the distribution function
integrates the density). The likelihood of coin flips as a product rounds to 0 after a few
hundred flips in float32 and a couple of thousand in float64, exactly where the log-likelihood
falls below the log of the smallest subnormal; the sum of logs stays finite (003: underflow).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
from scipy import stats

from tfref import ops
from tfref.topics._base import RunContext

ID = "distributions"
TITLE = "Bernoulli, binomial, multinomial; prior and posterior; Beta-Bernoulli conjugacy"
CHAPTER = "A"
SEEDS = ("000", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)

NUM_BALLS, NUM_WINNING = 5, 2
TRUE_THETA = 0.7
PRIOR_A, PRIOR_B = 2.0, 2.0
BATCH_SIZES = (5, 15, 80, 400)  # coin flips observed in each successive batch


def lottery_exact() -> tuple[Fraction, Fraction]:
    """Enumerate every order of the 5 labelled balls (5! = 120); balls 0 and 1 win."""
    third_wins = first_wins = both_win = 0
    orders = list(itertools.permutations(range(NUM_BALLS)))
    for order in orders:  # order[i] = ball drawn by person i + 1
        first, third = order[0] < NUM_WINNING, order[2] < NUM_WINNING
        third_wins += third
        first_wins += first
        both_win += first and third
    return Fraction(third_wins, len(orders)), Fraction(both_win, first_wins)


def lottery_simulation(rng, num_draws: int):
    """Shuffle the balls ``num_draws`` times; returns (third wins, first wins) boolean arrays."""
    orders = np.argsort(rng.random((num_draws, NUM_BALLS)), axis=1)  # (draws, people): ball drawn
    winning = orders < NUM_WINNING
    return winning[:, 2], winning[:, 0]


def run(ctx: RunContext) -> None:
    # --- Bernoulli, binomial, multinomial against scipy.stats ---------------------------------
    p_grid = np.linspace(0.0, 1.0, 11)
    for outcome in (0.0, 1.0):
        ctx.claim_close(
            f"Bernoulli pmf at x = {outcome:g} equals scipy.stats.bernoulli (p = 0, 0.1, ..., 1)",
            ops.bernoulli_pmf(np.full_like(p_grid, outcome), p_grid).numpy(),
            stats.bernoulli.pmf(outcome, p_grid),
            atol=1e-15,
            rtol=1e-12,
        )

    trials, probability = 10, np.float64(0.3)  # NumPy float64: Python floats would become float32
    successes = np.arange(trials + 1, dtype=np.float64)
    binomial = ops.binomial_pmf(successes, np.float64(trials), probability).numpy()
    ctx.claim_close(
        "B(10, 0.3) pmf equals scipy.stats.binom.pmf for k = 0..10",
        binomial,
        stats.binom.pmf(successes, trials, probability),
        atol=1e-15,
        rtol=1e-10,
    )
    ctx.claim_close("B(10, 0.3) pmf sums to 1", binomial.sum(), 1.0, rtol=1e-12)
    ctx.claim_close(
        "B(10, 0.3) mean sum k P(k) = n p = 3",
        float(successes @ binomial),
        trials * probability,
        rtol=1e-12,
    )
    sampled = ctx.rng.binomial(trials, probability, size=2000 if ctx.quick else 200_000)
    frequencies = np.bincount(sampled, minlength=trials + 1) / sampled.size
    standard_errors = np.sqrt(binomial * (1 - binomial) / sampled.size)
    ctx.claim_less(
        "max |sample frequency - pmf| / standard error over k (seeded draws; < 4.5)",
        float(np.max(np.abs(frequencies - binomial) / np.maximum(standard_errors, 1e-12))),
        4.5,
    )

    die = np.full(6, 1 / 6)
    rolls = 4
    all_counts = np.array(
        [c for c in itertools.product(range(rolls + 1), repeat=6) if sum(c) == rolls],
        dtype=np.float64,
    )  # (126, 6): every way 4 rolls can fall on 6 faces
    multinomial = ops.multinomial_pmf(all_counts, np.tile(die, (len(all_counts), 1))).numpy()
    ctx.claim_close(
        "multinomial pmf (4 rolls of a fair die) = scipy.stats.multinomial, all 126 count vectors",
        multinomial,
        stats.multinomial.pmf(all_counts, rolls, die),
        atol=1e-15,
        rtol=1e-10,
    )
    ctx.claim_close(
        "multinomial pmf sums to 1 over all count vectors", multinomial.sum(), 1.0, rtol=1e-12
    )
    loaded = np.array([0.3, 0.7])
    two_category = np.stack([successes, trials - successes], axis=1)  # (11, 2)
    ctx.claim_close(
        "multinomial with 2 categories = binomial B(10, 0.3)",
        ops.multinomial_pmf(two_category, np.tile(loaded, (trials + 1, 1))).numpy(),
        binomial,
        atol=1e-15,
        rtol=1e-10,
    )

    # --- prior and posterior: the lottery -----------------------------------------------------
    prior, posterior = lottery_exact()
    ctx.claim(
        "P(third person wins) by enumerating 5! orders (exact fraction)",
        prior == Fraction(2, 5),
        expected="2/5",
        measured=str(prior),
    )
    ctx.claim(
        "P(third wins | first won) by enumeration (exact fraction)",
        posterior == Fraction(1, 4),
        expected="1/4",
        measured=str(posterior),
    )
    num_draws = 20_000 if ctx.quick else 1_000_000
    third_wins, first_wins = lottery_simulation(ctx.rng, num_draws)
    simulated_prior = third_wins.mean()
    prior_error = 4 * np.sqrt(0.4 * 0.6 / num_draws)
    ctx.claim_close(
        f"simulated P(third wins), {num_draws} shuffles (tolerance 4 standard errors)",
        simulated_prior,
        0.4,
        atol=prior_error,
        rtol=0,
    )
    simulated_posterior = third_wins[first_wins].mean()
    posterior_error = 4 * np.sqrt(0.25 * 0.75 / first_wins.sum())
    ctx.claim_close(
        f"simulated P(third wins | first won), {int(first_wins.sum())} shuffles with a first win",
        simulated_posterior,
        0.25,
        atol=posterior_error,
        rtol=0,
    )

    # --- conjugate prior: Beta-Bernoulli ------------------------------------------------------
    flips = (ctx.rng.random(sum(BATCH_SIZES)) < TRUE_THETA).astype(np.float64)
    theta = np.linspace(0.0, 1.0, 2001)[1:-1]  # open interval: avoids log 0 at the ends
    posteriors = [(PRIOR_A, PRIOR_B, 0)]
    a, b, seen = PRIOR_A, PRIOR_B, 0
    max_grid_error = 0.0
    for batch_size in BATCH_SIZES:
        batch = flips[seen : seen + batch_size]
        new_a, new_b = (
            float(v) for v in ops.beta_bernoulli_posterior(np.float64(a), np.float64(b), batch)
        )
        heads = batch.sum()
        ctx.claim_close(
            f"after {batch_size} more flips ({int(heads)} heads): posterior Beta(a + s, b + n - s)",
            [new_a, new_b],
            [a + heads, b + batch_size - heads],
            rtol=0,
        )
        # Numerically: prior density times the Bernoulli likelihood of the batch, normalised.
        log_likelihood = np.sum(
            np.log(
                ops.bernoulli_pmf(
                    np.broadcast_to(batch, (theta.size, batch_size)), theta[:, None]
                ).numpy()
            ),
            axis=1,
        )  # (grid,)
        unnormalised = ops.beta_pdf(theta, np.float64(a), np.float64(b)).numpy() * np.exp(
            log_likelihood - log_likelihood.max()
        )
        numerical = unnormalised / np.trapezoid(unnormalised, theta)
        exact = stats.beta.pdf(theta, a + heads, b + batch_size - heads)
        max_grid_error = max(max_grid_error, float(np.max(np.abs(numerical - exact)) / exact.max()))
        a, b, seen = new_a, new_b, seen + batch_size
        posteriors.append((a, b, seen))
    ctx.claim_less(
        "prior x likelihood normalised on a grid = Beta(a + s, b + n - s) pdf "
        "(max |diff| / max pdf, 4 batches)",
        max_grid_error,
        1e-5,
    )
    ctx.claim_close(
        "ops.beta_pdf equals scipy.stats.beta.pdf (final posterior)",
        ops.beta_pdf(theta, np.float64(a), np.float64(b)).numpy(),
        stats.beta.pdf(theta, a, b),
        atol=1e-12,
        rtol=1e-9,
    )
    one_theta = np.float64(0.42)
    ctx.claim_close(
        "Bernoulli log-likelihood = sum of log pmf (all flips, theta = 0.42)",
        float(ops.bernoulli_log_likelihood(flips, one_theta)),
        float(np.sum(np.log(ops.bernoulli_pmf(flips, one_theta).numpy()))),
        rtol=1e-10,
    )
    posterior_mean = a / (a + b)
    ctx.claim_close(
        f"posterior mean after {seen} flips is near the coin's theta = {TRUE_THETA} "
        "(tolerance 4 posterior standard deviations)",
        posterior_mean,
        TRUE_THETA,
        atol=4 * float(stats.beta.std(a, b)),
        rtol=0,
    )

    _check_pdf_and_cdf(ctx, successes, binomial, trials, probability)
    _check_underflow(ctx)
    _plot(ctx, posteriors, successes, binomial, trials, probability)


def _check_pdf_and_cdf(ctx: RunContext, successes, binomial, trials, probability) -> None:
    """003 (line 3): the distribution function is the integral of the density. ops.beta_pdf
    integrated by the cumulative trapezoid rule equals scipy.stats.beta.cdf; the binomial cdf
    is the running sum of ops.binomial_pmf."""
    from scipy.integrate import cumulative_trapezoid

    theta = np.linspace(0.0, 1.0, 4001)
    for a, b in ((PRIOR_A, PRIOR_B), (9.0, 4.0)):
        density = ops.beta_pdf(theta, np.float64(a), np.float64(b)).numpy()
        integral = cumulative_trapezoid(density, theta, initial=0.0)
        ctx.claim_close(
            f"Beta({a:g}, {b:g}): the running integral of ops.beta_pdf (trapezoid, 4001 points) "
            f"equals scipy.stats.beta.cdf on [0, 1], and ends at 1",
            integral,
            stats.beta.cdf(theta, a, b),
            atol=1e-6,
            rtol=0,
        )
    ctx.claim_close(
        "B(10, 0.3): the running sum of ops.binomial_pmf equals scipy.stats.binom.cdf (k = 0..10)",
        np.cumsum(binomial),
        stats.binom.cdf(successes, trials, probability),
        atol=1e-14,
        rtol=0,
    )


def _check_underflow(ctx: RunContext) -> None:
    """003 (line 57): multiplying many probabilities underflows; summing their logs does not.
    The likelihood of n coin flips, prod_i p(x_i), reaches exactly 0 once its log falls below
    the log of the smallest positive (subnormal) number: after a few hundred flips in float32,
    a couple of thousand in float64; the log-likelihood stays finite in both."""
    n = 3000
    flips = (ctx.rng.random(n) < TRUE_THETA).astype(np.float64)
    theta = np.float64(0.42)  # away from the coin's 0.7: each flip costs about 0.75 nats
    pmf = ops.bernoulli_pmf(flips, theta).numpy()  # (n,) float64
    log_sum = np.cumsum(np.log(pmf))  # float64 running log-likelihood
    found, predicted = {}, {}
    for dtype in (np.float32, np.float64):
        product = np.cumprod(pmf.astype(dtype), dtype=dtype)  # running product in that dtype
        found[dtype] = int(np.argmax(product == 0)) + 1 if np.any(product == 0) else None
        tiny = float(np.log(np.finfo(dtype).smallest_subnormal))
        predicted[dtype] = int(np.argmax(log_sum < tiny)) + 1
    ctx.claim(
        f"the product of the first n flips' probabilities (theta = 0.42) first rounds to 0 at "
        f"the n where their log-likelihood falls below log(smallest subnormal): float32 "
        f"{found[np.float32]} (predicted {predicted[np.float32]}), float64 {found[np.float64]} "
        f"(predicted {predicted[np.float64]}); within 1 flip (rounding at the edge)",
        found[np.float32] is not None and found[np.float64] is not None
        and abs(found[np.float32] - predicted[np.float32]) <= 1
        and abs(found[np.float64] - predicted[np.float64]) <= 1,
        expected=f"{predicted[np.float32]}, {predicted[np.float64]}",
        measured=f"{found[np.float32]}, {found[np.float64]}",
    )
    logs32 = float(ops.bernoulli_log_likelihood(flips.astype(np.float32), np.float32(theta)))
    logs64 = float(ops.bernoulli_log_likelihood(flips, theta))
    ctx.claim_close(
        f"the log-likelihood of all {n} flips stays finite: ops.bernoulli_log_likelihood in "
        f"float32 and float64 equals the float64 sum of log pmf (about {log_sum[-1]:.0f})",
        [logs32, logs64],
        [log_sum[-1], log_sum[-1]],
        atol=0,
        rtol=1e-5,
    )


def _plot(ctx: RunContext, posteriors, successes, binomial, trials, probability) -> None:
    theta = np.linspace(0.0, 1.0, 501)
    with ctx.figure("beta-posterior-and-binomial", ncols=2, figsize=(10.5, 3.9)) as (fig, axes):
        for index, (a, b, seen) in enumerate(posteriors):
            label = (
                f"prior Beta({a:g}, {b:g})"
                if seen == 0
                else f"after {seen} flips: Beta({a:g}, {b:g})"
            )
            axes[0].plot(
                theta,
                ops.beta_pdf(theta, np.float64(a), np.float64(b)).numpy(),
                lw=2,
                ls="--" if index == 0 else "-",
                label=label,
            )
        axes[0].axvline(TRUE_THETA, color="gray", lw=0.8, label=f"coin's theta = {TRUE_THETA}")
        axes[0].set_xlabel("theta = P(heads)")
        axes[0].set_ylabel("density")
        axes[0].set_title("Beta prior updated by coin flips stays Beta")
        axes[0].legend(fontsize=7)
        axes[1].bar(successes, binomial, color="C0", alpha=0.7, label="ops.binomial_pmf")
        axes[1].plot(
            successes,
            stats.binom.pmf(successes, trials, probability),
            "k.",
            label="scipy.stats.binom",
        )
        axes[1].set_xlabel("k = number of heads")
        axes[1].set_ylabel("P(k)")
        axes[1].set_title(f"binomial B(n = {trials}, p = {probability})")
        axes[1].set_xticks(successes)
        axes[1].legend(fontsize=8)
        for axis in axes:
            axis.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.distributions [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
