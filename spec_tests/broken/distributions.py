"""Broken implementations of the distributions family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def _float(x):
    x = np.asarray(x)
    return x.astype(np.float64 if x.dtype == np.float64 else np.float32)


def bernoulli_log_likelihood_without_log():
    """sum x ln p + (1 - x)(1 - p), as document 001 writes it (erratum 6)."""

    def bernoulli_log_likelihood(x, p):
        x = np.asarray(x, dtype=np.float64)
        p = _float(p)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (x * np.log(p) + (1 - x) * (1 - p)).sum().astype(p.dtype)

    return _reference_with(bernoulli_log_likelihood=bernoulli_log_likelihood)


def bernoulli_log_likelihood_clipped_to_finite():
    """p clipped to [1e-7, 1 - 1e-7] first: a certain and wrong observation costs 16.1, not
    -inf."""

    def bernoulli_log_likelihood(x, p):
        p = _float(p)
        return ref.bernoulli_log_likelihood(x, np.clip(p, 1e-7, 1 - 1e-7).astype(p.dtype))

    return _reference_with(bernoulli_log_likelihood=bernoulli_log_likelihood)


def binomial_pmf_in_log_space_without_zero_log_zero():
    """exp(ln C(n, k) + k ln p + (n - k) ln(1 - p)): 0 * ln 0 is NaN, so p = 0 or 1 gives NaN
    where the pmf is 1 or 0."""

    def binomial_pmf(k, n, p):
        k, n, p = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64), _float(p)
        p64 = p.astype(np.float64)
        log_choose = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.exp(log_choose + k * np.log(p64) + (n - k) * np.log1p(-p64)).astype(p.dtype)

    return _reference_with(binomial_pmf=binomial_pmf)


def multinomial_pmf_without_the_coefficient():
    """prod p_i^counts_i alone: the probability of one ordering, not of the counts."""

    def multinomial_pmf(counts, p):
        counts, p = np.asarray(counts, dtype=np.float64), _float(p)
        return np.prod(p.astype(np.float64) ** counts, axis=-1).astype(p.dtype)

    return _reference_with(multinomial_pmf=multinomial_pmf)


def beta_pdf_with_exponents_a_and_b():
    """theta^a (1 - theta)^b / B(a, b): the exponents a - 1 and b - 1 off by one."""

    def beta_pdf(theta, a, b):
        theta = _float(theta)
        a, b = float(a), float(b)
        t = theta.astype(np.float64)
        log_beta = gammaln(a) + gammaln(b) - gammaln(a + b)
        return (t ** a * (1 - t) ** b / np.exp(log_beta)).astype(theta.dtype)

    return _reference_with(beta_pdf=beta_pdf)


def beta_bernoulli_posterior_with_counts_swapped():
    """(a + number of zeros, b + number of ones): successes credited to the failure count."""

    def beta_bernoulli_posterior(a, b, x):
        a_post, b_post = ref.beta_bernoulli_posterior(a, b, 1 - np.asarray(x))
        return a_post, b_post

    return _reference_with(beta_bernoulli_posterior=beta_bernoulli_posterior)


def bernoulli_pmf_in_log_space():
    """exp(x ln p + (1 - x) ln(1 - p)): 0 * ln 0 is NaN, so p = 0 or 1 gives NaN, not 1 or 0."""

    def bernoulli_pmf(x, p):
        x, p = np.asarray(x, dtype=np.float64), _float(p)
        p64 = p.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.exp(x * np.log(p64) + (1 - x) * np.log1p(-p64)).astype(p.dtype)

    return _reference_with(bernoulli_pmf=bernoulli_pmf)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    "bernoulli_log_likelihood_without_log": (
        "bernoulli_log_likelihood_is_maximised_at_the_sample_mean",
        "bernoulli_log_likelihood_matches_scipy_bernoulli_logpmf_summed",
    ),
    "bernoulli_log_likelihood_clipped_to_finite": (
        "bernoulli_log_likelihood_is_minus_infinity_when_certain_and_wrong",
    ),
    "binomial_pmf_in_log_space_without_zero_log_zero": (
        "binomial_pmf_sums_to_one_over_k_and_matches_scipy_binom",
    ),
    "multinomial_pmf_without_the_coefficient": (
        "multinomial_pmf_matches_scipy_multinomial",
        "multinomial_pmf_sums_to_one_over_all_count_vectors",
    ),
    "beta_pdf_with_exponents_a_and_b": (
        "beta_pdf_matches_scipy_stats_beta",
    ),
    "beta_bernoulli_posterior_with_counts_swapped": (
        "beta_bernoulli_posterior_is_proportional_to_prior_times_likelihood",
        "beta_bernoulli_posterior_counts_each_observation_once",
    ),
    "bernoulli_pmf_in_log_space": (
        "bernoulli_pmf_matches_scipy_stats_bernoulli",
    ),
}
