"""Properties of the Bernoulli, binomial, multinomial and Beta distributions.

Oracles: scipy.stats (binom, multinomial, beta), normalisation over the whole support, and
Bayes' rule for the conjugate Beta-Bernoulli update.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.tolerances import assert_close, tolerance

# Probabilities with the end points 0 and 1 drawn often: 0^0 = 1 must hold there. In between,
# not closer to 0 or 1 than 1e-9: scipy's binom oracle overflows at p = 2.2e-308.
PROBABILITY = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(1e-9, 1 - 1e-9))


def _coarser(*dtypes):
    """float32 when any of the dtypes is float32 (its tolerance applies), else float64."""
    return np.float32 if any(np.dtype(d) == np.float32 for d in dtypes) else np.float64


@spec_property(requires=["bernoulli_pmf"], p=strategies.probability_arrays())
def test_bernoulli_pmf_sums_to_one_over_zero_and_one(impl, p):
    zeros, ones = np.zeros(p.shape, dtype=np.int64), np.ones(p.shape, dtype=np.int64)
    pmf0, pmf1 = impl.bernoulli_pmf(zeros, p), impl.bernoulli_pmf(ones, p)
    assert pmf1.dtype == p.dtype and pmf1.shape == p.shape, f"bernoulli_pmf: {pmf1.dtype}{pmf1.shape}"
    assert_close(pmf1, p, dtype=p.dtype, what="P(x = 1) = p")
    assert_close(pmf0, 1 - p.astype(np.float64), dtype=p.dtype, what="P(x = 0) = 1 - p")
    assert_close(pmf0.astype(np.float64) + pmf1, np.ones(p.shape), dtype=p.dtype,
                 what="P(0) + P(1)")


@spec_property(requires=["binomial_pmf"], dtype=strategies.dtypes(), n=st.integers(0, 30), p=PROBABILITY)
def test_binomial_pmf_sums_to_one_over_k_and_matches_scipy_binom(impl, dtype, n, p):
    from scipy.stats import binom

    p = dtype(p)
    k = np.arange(n + 1)
    pmf = impl.binomial_pmf(k, n, p)
    assert pmf.shape == k.shape and pmf.dtype == dtype, f"binomial_pmf: {pmf.dtype}{pmf.shape}"
    assert_close(pmf, binom.pmf(k, n, np.float64(p)), dtype=dtype, what="binomial pmf vs scipy binom")
    assert_close(pmf.astype(np.float64).sum(), 1.0, dtype=dtype, what="sum over k = 0..n")


@spec_property(requires=["multinomial_pmf"], inputs=strategies.multinomial_inputs())
def test_multinomial_pmf_matches_scipy_multinomial(impl, inputs):
    from scipy.stats import multinomial

    counts, p = inputs
    pmf = impl.multinomial_pmf(counts, p)
    assert pmf.shape == counts.shape[:-1] and pmf.dtype == p.dtype, f"multinomial_pmf: {pmf.dtype}{pmf.shape}"
    p64 = p.astype(np.float64)
    expected = multinomial.pmf(counts, n=counts.sum(axis=-1), p=p64 / p64.sum())
    assert_close(pmf, expected, dtype=p.dtype, what="multinomial pmf vs scipy multinomial")


@spec_property(requires=["multinomial_pmf"], dtype=strategies.dtypes(), n=st.integers(0, 5),
               m=st.integers(1, 3), data=st.data())
def test_multinomial_pmf_sums_to_one_over_all_count_vectors(impl, dtype, n, m, data):
    p = data.draw(strategies.simplex(dtype=dtype, n=m, batch=()), label="p")
    support = np.array([c for c in itertools.product(range(n + 1), repeat=m) if sum(c) == n])
    pmf = impl.multinomial_pmf(support, p)  # one probability per count vector
    assert_close(pmf.astype(np.float64).sum(), 1.0, dtype=dtype, what=f"sum over counts with n = {n}")


@spec_property(requires=["multinomial_pmf", "binomial_pmf"], dtype=strategies.dtypes(),
               n=st.integers(0, 20), p=PROBABILITY)
def test_multinomial_pmf_with_two_outcomes_is_the_binomial_pmf(impl, dtype, n, p):
    k = np.arange(n + 1)
    p_vector = np.array([p, 1 - p]).astype(dtype)
    two_outcomes = impl.multinomial_pmf(np.stack([k, n - k], axis=-1), p_vector)
    assert_close(two_outcomes, impl.binomial_pmf(k, n, p_vector[0]), dtype=dtype,
                 what="multinomial((k, n - k), (p, 1 - p)) vs binomial(k, n, p)")


@spec_property(requires=["beta_pdf"], dtype=strategies.dtypes(), a=st.floats(0.5, 8), b=st.floats(0.5, 8),
               data=st.data())
def test_beta_pdf_matches_scipy_stats_beta(impl, dtype, a, b, data):
    from scipy.stats import beta as beta_distribution

    theta = data.draw(strategies.probability_arrays(dtype=dtype, low=0.01, high=0.99, max_dims=1),
                      label="theta")
    a, b = dtype(a), dtype(b)
    pdf = impl.beta_pdf(theta, a, b)
    assert pdf.shape == theta.shape, f"beta_pdf has shape {pdf.shape}"
    expected = beta_distribution.pdf(theta.astype(np.float64), np.float64(a), np.float64(b))
    assert_close(pdf, expected, dtype=_coarser(dtype, pdf.dtype), what="beta pdf vs scipy beta")


@spec_property(requires=["beta_bernoulli_posterior", "beta_pdf"], dtype=strategies.dtypes(),
               a=st.floats(0.5, 5), b=st.floats(0.5, 5), x=strategies.binary_observations(max_size=12))
def test_beta_bernoulli_posterior_is_proportional_to_prior_times_likelihood(impl, dtype, a, b, x):
    """Bayes: Beta(theta | a', b') = Beta(theta | a, b) theta^s (1 - theta)^(n - s) / P(x)."""
    from scipy.special import betaln

    a, b = dtype(a), dtype(b)
    a_post, b_post = impl.beta_bernoulli_posterior(a, b, x)
    s, n = int(x.sum()), x.size
    coarse = _coarser(dtype, a_post.dtype)
    assert_close(a_post, np.float64(a) + s, dtype=coarse, what="posterior a' = a + sum x")
    assert_close(b_post, np.float64(b) + n - s, dtype=coarse, what="posterior b' = b + n - sum x")
    theta = np.linspace(0.05, 0.95, 19).astype(dtype)
    t = theta.astype(np.float64)
    prior_times_likelihood = impl.beta_pdf(theta, a, b).astype(np.float64) * t ** s * (1 - t) ** (n - s)
    ratio = impl.beta_pdf(theta, a_post, b_post).astype(np.float64) / prior_times_likelihood
    evidence = np.exp(betaln(np.float64(a) + s, np.float64(b) + n - s) - betaln(np.float64(a), np.float64(b)))
    assert_close(ratio * evidence, np.ones_like(ratio), dtype=coarse,
                 what="posterior / (prior * likelihood), times P(x): constant 1 over theta")


@spec_property(requires=["bernoulli_log_likelihood"], dtype=strategies.dtypes(),
               x=strategies.binary_observations(min_size=2).filter(lambda x: 0 < x.sum() < x.size))
def test_bernoulli_log_likelihood_is_maximised_at_the_sample_mean(impl, dtype, x):
    """sum x ln p + (1 - x) ln(1 - p) peaks at p = mean(x), the maximum-likelihood estimate."""
    s, n = x.sum(), x.size
    mean = dtype(s / n)
    at_mean = impl.bernoulli_log_likelihood(x, mean)
    assert at_mean.shape == (), f"bernoulli_log_likelihood must be a scalar; got shape {at_mean.shape}"
    m = np.float64(mean)
    assert_close(at_mean, s * np.log(m) + (n - s) * np.log1p(-m), dtype=dtype,
                 what="log-likelihood vs s ln p + (n - s) ln(1 - p)")
    slack = tolerance(dtype)["atol"] + tolerance(dtype)["rtol"] * abs(float(at_mean))
    for p in np.linspace(0.02, 0.98, 17).astype(dtype):
        other = impl.bernoulli_log_likelihood(x, p)
        assert other <= at_mean + slack, f"log-likelihood at p = {p} ({other}) exceeds that at the mean {mean} ({at_mean})"
