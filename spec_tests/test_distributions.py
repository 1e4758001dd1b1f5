"""Properties of the Bernoulli, binomial, multinomial and Beta distributions.

Oracles: scipy.stats (bernoulli, binom, multinomial, beta), normalisation over the whole
support, and Bayes' rule (scipy's Beta density and betaln) for the conjugate Beta-Bernoulli
update. Edge cases: probabilities of exactly 0 and 1 (0^0 = 1; a certain and wrong observation
has log-likelihood -inf), theta at 0 and 1, one observation, n = 0 trials. The multinomial's
maths is one count vector; a batch of count vectors is a convention (test_conventions.py).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.strategies import _inward
from spec_tests.tolerances import assert_close, tolerance

# Probabilities with the end points 0 and 1 drawn often: 0^0 = 1 must hold there. In between,
# not closer to 0 or 1 than 1e-9: scipy's binom oracle overflows at p = 2.2e-308.
PROBABILITY = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(1e-9, 1 - 1e-9))


def _probability_arrays(dtype, shape):
    """Independent probabilities with 0, 1 and 1/2 drawn often."""
    elements = st.one_of(st.sampled_from([0.0, 1.0, 0.5]),
                         strategies.finite_floats(dtype, *_inward(1e-9, 1 - 1e-9, dtype)))
    return hnp.arrays(dtype, shape, elements=elements)


# --- Bernoulli ---------------------------------------------------------------------------------

@spec_property(requires=["bernoulli_pmf"],
               oracle={"bernoulli_pmf": "scipy.stats.bernoulli.pmf"},
               dtype=strategies.dtypes(), shape=strategies.shapes(max_dims=2), data=st.data())
def test_bernoulli_pmf_matches_scipy_stats_bernoulli(impl, dtype, shape, data):
    from scipy.stats import bernoulli

    x = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, 1)), label="x")
    p = data.draw(_probability_arrays(dtype, shape), label="p")
    assert_close(impl.bernoulli_pmf(x, p), bernoulli.pmf(x, p.astype(np.float64)), dtype=dtype,
                 what="bernoulli pmf vs scipy.stats.bernoulli.pmf")


@spec_property(requires=["bernoulli_pmf"], p=strategies.probability_arrays())
def test_bernoulli_pmf_sums_to_one_over_zero_and_one(impl, p):
    zeros, ones = np.zeros(p.shape, dtype=np.int64), np.ones(p.shape, dtype=np.int64)
    pmf0, pmf1 = impl.bernoulli_pmf(zeros, p), impl.bernoulli_pmf(ones, p)
    assert_close(pmf1, p, dtype=p.dtype, what="P(x = 1) = p")
    assert_close(np.asarray(pmf0, dtype=np.float64) + pmf1, np.ones(p.shape), dtype=p.dtype,
                 what="P(0) + P(1)")


@spec_property(requires=["bernoulli_log_likelihood"],
               oracle={"bernoulli_log_likelihood": "scipy.stats.bernoulli.logpmf, summed"},
               dtype=strategies.dtypes(), x=strategies.binary_observations(), data=st.data())
def test_bernoulli_log_likelihood_matches_scipy_bernoulli_logpmf_summed(impl, dtype, x, data):
    """p one number for every sample, or one per sample; 0 and 1 drawn often (-inf when certain
    and wrong)."""
    from scipy.stats import bernoulli

    p = data.draw(st.one_of(_probability_arrays(dtype, ()), _probability_arrays(dtype, x.shape)),
                  label="p")
    expected = bernoulli.logpmf(x, np.asarray(p, dtype=np.float64)).sum()
    assert_close(impl.bernoulli_log_likelihood(x, p), expected, dtype=dtype,
                 what="log-likelihood vs sum of scipy.stats.bernoulli.logpmf")


@spec_property(requires=["bernoulli_log_likelihood"],
               oracle={"bernoulli_log_likelihood": "closed form: -inf when certain and wrong, "
                                                   "0 when certain and right"},
               dtype=strategies.dtypes())
def test_bernoulli_log_likelihood_is_minus_infinity_when_certain_and_wrong(impl, dtype):
    cases = [([1, 0, 1], 0.0, -math.inf), ([1, 0, 1], 1.0, -math.inf), ([1], 0.0, -math.inf),
             ([0], 1.0, -math.inf), ([1, 1], 1.0, 0.0), ([0], 0.0, 0.0), ([1], 0.5, math.log(0.5))]
    for x, p, expected in cases:
        value = impl.bernoulli_log_likelihood(np.array(x), dtype(p))
        assert_close(value, expected, dtype=dtype, what=f"log-likelihood of x={x} at p={p}")


@spec_property(requires=["bernoulli_log_likelihood"], dtype=strategies.dtypes(),
               x=strategies.binary_observations(min_size=2).filter(lambda x: 0 < x.sum() < x.size))
def test_bernoulli_log_likelihood_is_maximised_at_the_sample_mean(impl, dtype, x):
    """sum x ln p + (1 - x) ln(1 - p) peaks at p = mean(x), the maximum-likelihood estimate."""
    s, n = x.sum(), x.size
    mean = dtype(s / n)
    at_mean = float(np.asarray(impl.bernoulli_log_likelihood(x, mean)))
    m = np.float64(mean)
    assert_close(at_mean, s * np.log(m) + (n - s) * np.log1p(-m), dtype=dtype,
                 what="log-likelihood vs s ln p + (n - s) ln(1 - p)")
    slack = tolerance(dtype)["atol"] + tolerance(dtype)["rtol"] * abs(at_mean)
    for p in np.linspace(0.02, 0.98, 17).astype(dtype):
        other = float(np.asarray(impl.bernoulli_log_likelihood(x, p)))
        assert other <= at_mean + slack, (f"log-likelihood at p = {p} ({other}) exceeds that at the "
                                          f"mean {mean} ({at_mean})")


# --- binomial and multinomial -------------------------------------------------------------------

@spec_property(requires=["binomial_pmf"], oracle={"binomial_pmf": "scipy.stats.binom.pmf"},
               dtype=strategies.dtypes(), n=st.integers(0, 30), p=PROBABILITY)
def test_binomial_pmf_sums_to_one_over_k_and_matches_scipy_binom(impl, dtype, n, p):
    from scipy.stats import binom

    p = dtype(p)
    k = np.arange(n + 1)
    pmf = impl.binomial_pmf(k, n, p)
    assert_close(pmf, binom.pmf(k, n, np.float64(p)), dtype=dtype, what="binomial pmf vs scipy binom")
    assert_close(np.asarray(pmf, dtype=np.float64).sum(), 1.0, dtype=dtype, what="sum over k = 0..n")


@st.composite
def _counts_and_p(draw, max_outcomes=5, max_trials=12):
    """(counts, p): one count vector (int64) and a probability vector of its length."""
    dtype = draw(strategies.dtypes())
    m = draw(st.integers(1, max_outcomes))
    counts = draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, max_trials)))
    return counts, draw(strategies.simplex(dtype=dtype, n=m, batch=()))


@spec_property(requires=["multinomial_pmf"], oracle={"multinomial_pmf": "scipy.stats.multinomial.pmf"},
               inputs=_counts_and_p())
def test_multinomial_pmf_matches_scipy_multinomial(impl, inputs):
    """One count vector; p may hold zeros (pmf 0 where such an outcome is counted)."""
    from scipy.stats import multinomial

    counts, p = inputs
    p64 = p.astype(np.float64)
    expected = multinomial.pmf(counts, n=counts.sum(), p=p64 / p64.sum())
    assert_close(impl.multinomial_pmf(counts, p), expected, dtype=p.dtype,
                 what="multinomial pmf vs scipy multinomial")


@spec_property(requires=["multinomial_pmf"], dtype=strategies.dtypes(), n=st.integers(0, 5),
               m=st.integers(1, 3), data=st.data())
def test_multinomial_pmf_sums_to_one_over_all_count_vectors(impl, dtype, n, m, data):
    p = data.draw(strategies.simplex(dtype=dtype, n=m, batch=()), label="p")
    support = [np.array(c) for c in itertools.product(range(n + 1), repeat=m) if sum(c) == n]
    total = math.fsum(float(np.asarray(impl.multinomial_pmf(c, p))) for c in support)
    assert_close(total, 1.0, dtype=dtype, what=f"sum over the count vectors with n = {n}")


@spec_property(requires=["multinomial_pmf", "binomial_pmf"], dtype=strategies.dtypes(),
               n=st.integers(0, 12), p=PROBABILITY)
def test_multinomial_pmf_with_two_outcomes_is_the_binomial_pmf(impl, dtype, n, p):
    p_vector = np.array([p, 1 - p]).astype(dtype)
    k = np.arange(n + 1)
    two_outcomes = [float(np.asarray(impl.multinomial_pmf(np.array([i, n - i]), p_vector))) for i in k]
    assert_close(two_outcomes, impl.binomial_pmf(k, n, p_vector[0]), dtype=dtype,
                 what="multinomial((k, n - k), (p, 1 - p)) vs binomial(k, n, p)")


# --- Beta ------------------------------------------------------------------------------------------

@spec_property(requires=["beta_pdf"], oracle={"beta_pdf": "scipy.stats.beta.pdf"},
               dtype=strategies.dtypes(), a=st.floats(0.5, 8), b=st.floats(0.5, 8), data=st.data())
def test_beta_pdf_matches_scipy_stats_beta(impl, dtype, a, b, data):
    """theta in [0.01, 0.99], and the end points 0 and 1 (density +inf, b, 0... by a and b)."""
    from scipy.stats import beta as beta_distribution

    n = data.draw(st.integers(1, 6), label="n")
    elements = st.one_of(st.sampled_from([0.0, 1.0]), strategies.finite_floats(dtype, *_inward(0.01, 0.99, dtype)))
    theta = data.draw(hnp.arrays(dtype, n, elements=elements), label="theta")
    a, b = dtype(a), dtype(b)
    expected = beta_distribution.pdf(theta.astype(np.float64), np.float64(a), np.float64(b))
    assert_close(impl.beta_pdf(theta, a, b), expected, dtype=dtype, what="beta pdf vs scipy beta")


@spec_property(requires=["beta_bernoulli_posterior"],
               oracle={"beta_bernoulli_posterior": "scipy.stats.beta: Bayes' rule, the prior "
                                                   "density times the likelihood over the evidence "
                                                   "(scipy.special.betaln)"},
               dtype=strategies.dtypes(), a=st.floats(0.5, 5), b=st.floats(0.5, 5),
               x=strategies.binary_observations(max_size=12))
def test_beta_bernoulli_posterior_is_proportional_to_prior_times_likelihood(impl, dtype, a, b, x):
    """Bayes: Beta(theta | a', b') = Beta(theta | a, b) theta^s (1 - theta)^(n - s) / P(x), with
    every density from scipy, so (a', b') is checked against the rule itself."""
    from scipy.special import betaln
    from scipy.stats import beta as beta_distribution

    a, b = dtype(a), dtype(b)
    a_post, b_post = (float(np.asarray(v)) for v in impl.beta_bernoulli_posterior(a, b, x))
    s, n = int(x.sum()), x.size
    a64, b64 = np.float64(a), np.float64(b)
    t = np.linspace(0.05, 0.95, 19)
    posterior = beta_distribution.pdf(t, a_post, b_post)
    evidence = np.exp(betaln(a64 + s, b64 + n - s) - betaln(a64, b64))
    bayes = beta_distribution.pdf(t, a64, b64) * t ** s * (1 - t) ** (n - s) / evidence
    assert_close(posterior, bayes, dtype=dtype,
                 what=f"Beta(a', b') density for (a', b') = ({a_post}, {b_post}) vs prior * "
                      "likelihood / evidence")


@spec_property(requires=["beta_bernoulli_posterior"],
               oracle={"beta_bernoulli_posterior": "float64 loop: a + 1 for each 1, b + 1 for "
                                                   "each 0"},
               dtype=strategies.dtypes(), a=st.floats(0.5, 5), b=st.floats(0.5, 5),
               x=strategies.binary_observations(max_size=12))
def test_beta_bernoulli_posterior_counts_each_observation_once(impl, dtype, a, b, x):
    a, b = dtype(a), dtype(b)
    a_expected, b_expected = float(a), float(b)
    for value in x:  # one observation at a time
        if value == 1:
            a_expected += 1.0
        else:
            b_expected += 1.0
    a_post, b_post = impl.beta_bernoulli_posterior(a, b, x)
    assert_close(a_post, a_expected, dtype=dtype, what="posterior a' = a + number of ones")
    assert_close(b_post, b_expected, dtype=dtype, what="posterior b' = b + number of zeros")
