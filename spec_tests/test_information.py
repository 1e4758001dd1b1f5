"""Properties of self-information, entropy, cross-entropy and KL divergence.

Natural logarithms unless ``base`` is given; 0 log 0 = 0. Oracles: scipy.stats.entropy, a naive
float64 formula, and the inequalities of information theory (Gibbs, Pinsker) that hold for every
pair of distributions.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.tolerances import assert_at_least, assert_close

BASES = st.sampled_from([None, 2, 10, math.e])


def _ln(base) -> float:
    return 1.0 if base is None else math.log(base)


def _kl64(p, q):
    """sum p ln(p / q) in float64, with 0 ln(0 / q) = 0."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log(p / q), 0.0).sum(axis=-1)




# --- entropy --------------------------------------------------------------------------------

@spec_property(requires=["entropy"], p=strategies.simplex())
def test_entropy_is_between_zero_and_log_n(impl, p):
    h = impl.entropy(p)
    assert h.shape == p.shape[:-1] and h.dtype == p.dtype, f"entropy: {h.dtype}{h.shape}"
    n = p.shape[-1]
    assert_at_least(h, np.zeros(h.shape), p.dtype, "entropy >= 0")
    assert_at_least(np.full(h.shape, math.log(n)), h, p.dtype, "entropy <= log n")


@spec_property(requires=["entropy"], dtype=strategies.dtypes(), n=st.integers(1, 12),
               data=st.data())
def test_entropy_is_zero_at_one_hot_and_log_n_at_uniform(impl, dtype, n, data):
    hot = data.draw(st.integers(0, n - 1), label="hot")
    one_hot = strategies.one_hot(np.array(hot), n, dtype=dtype)
    assert_close(impl.entropy(one_hot), 0.0, dtype=dtype, what="entropy of a one-hot vector")
    uniform = np.full(n, 1 / n, dtype=dtype)
    assert_close(impl.entropy(uniform), math.log(n), dtype=dtype, what="entropy of the uniform")
    assert_close(impl.entropy(uniform, base=2), math.log2(n), dtype=dtype, what="bits of the uniform")


@spec_property(requires=["entropy"], p=strategies.simplex(min_n=2),
               base=st.sampled_from([2, 3, 10, math.e]))
def test_entropy_in_base_b_is_entropy_in_nats_over_ln_b(impl, p, base):
    nats = impl.entropy(p).astype(np.float64)
    assert_close(impl.entropy(p, base=base), nats / math.log(base), dtype=p.dtype,
                 what=f"entropy in base {base}")


@spec_property(requires=["entropy"], p=strategies.simplex(), base=BASES)
def test_entropy_matches_scipy_stats_entropy(impl, p, base):
    from scipy.stats import entropy as scipy_entropy

    expected = scipy_entropy(p.astype(np.float64), base=base, axis=-1)
    assert_close(impl.entropy(p, base=base), expected, dtype=p.dtype, what="entropy vs scipy")


@spec_property(requires=["entropy"], p=strategies.simplex(batch=(3,), min_n=2))
def test_entropy_reduces_the_axis_it_is_given(impl, p):
    """entropy(p, axis=0) of p transposed equals entropy(p) along the last axis."""
    assert_close(impl.entropy(p.T, axis=0), impl.entropy(p), dtype=p.dtype, what="entropy(axis=0)")


# --- joint entropy --------------------------------------------------------------------------

@st.composite
def _joint_tables(draw):
    """A joint distribution over 1 to 3 variables, as a table summing to 1."""
    dtype = draw(strategies.dtypes())
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    flat = draw(strategies.simplex(dtype=dtype, n=int(np.prod(shape)), batch=()))
    return flat.reshape(shape)


@spec_property(requires=["joint_entropy", "entropy"], p_xy=_joint_tables(), base=BASES)
def test_joint_entropy_is_a_scalar_equal_to_entropy_of_the_flattened_table(impl, p_xy, base):
    h = impl.joint_entropy(p_xy, base=base)
    assert h.shape == (), f"joint_entropy must be a scalar (sum over all axes); got shape {h.shape}"
    assert_close(h, impl.entropy(p_xy.ravel(), base=base), dtype=p_xy.dtype,
                 what="joint entropy vs entropy of the flattened table")


@spec_property(requires=["joint_entropy", "entropy"], dtype=strategies.dtypes(), data=st.data())
def test_joint_entropy_of_independent_variables_is_the_sum_of_their_entropies(impl, dtype, data):
    """H(X, Y) = H(X) + H(Y) when p(x, y) = p(x) p(y)."""
    p_x = data.draw(strategies.simplex(dtype=np.float64, batch=()), label="p_x")
    p_y = data.draw(strategies.simplex(dtype=np.float64, batch=()), label="p_y")
    p_xy = np.outer(p_x, p_y).astype(dtype)
    expected = (impl.entropy(p_x.astype(dtype)).astype(np.float64)
                + impl.entropy(p_y.astype(dtype)).astype(np.float64))
    assert_close(impl.joint_entropy(p_xy), expected, dtype=dtype, what="H(X, Y) vs H(X) + H(Y)")


# --- self-information -----------------------------------------------------------------------

@spec_property(requires=["self_information"], dtype=strategies.dtypes(),
               p=strategies.probabilities(low=1e-6, high=1.0),
               q=strategies.probabilities(low=1e-6, high=1.0), base=BASES)
def test_self_information_is_additive_for_independent_events(impl, dtype, p, q, base):
    """h(x, y) = h(x) + h(y) when P(x, y) = P(x) P(y); h(p) = -log p."""
    p, q = dtype(p), dtype(q)
    h = impl.self_information(np.array([p, q, p * q], dtype=dtype), base=base).astype(np.float64)
    expected = -np.log(np.array([p, q, p * q], dtype=np.float64)) / _ln(base)
    assert_close(h, expected, dtype=dtype, what="self-information vs -log p")
    assert_close(h[2], h[0] + h[1], dtype=dtype, what="h(x, y) vs h(x) + h(y)")


@spec_property(requires=["self_information"], dtype=strategies.dtypes())
def test_self_information_in_base_two_of_one_half_is_one_bit(impl, dtype):
    p = np.array([0.5, 0.25, 1.0], dtype=dtype)
    assert_close(impl.self_information(p, base=2), [1.0, 2.0, 0.0], dtype=dtype, what="bits")
    assert_close(impl.self_information(p), [math.log(2), math.log(4), 0.0], dtype=dtype, what="nats")


# --- KL divergence --------------------------------------------------------------------------

@spec_property(requires=["kl_divergence"], pq=strategies.simplex_pairs())
def test_kl_divergence_is_non_negative_and_matches_float64_reference(impl, pq):
    p, q = pq
    kl = impl.kl_divergence(p, q)
    assert kl.shape == p.shape[:-1] and kl.dtype == p.dtype, f"kl_divergence: {kl.dtype}{kl.shape}"
    assert np.isfinite(kl).all(), f"KL is not finite for q > 0: {kl}"
    assert_at_least(kl, np.zeros(kl.shape), p.dtype, "KL >= 0")
    assert_close(kl, _kl64(p, q), dtype=p.dtype, what="KL vs float64 sum p ln(p / q)")


@spec_property(requires=["kl_divergence"], pq=strategies.simplex_pairs(), base=BASES)
def test_kl_divergence_is_zero_only_for_equal_distributions(impl, pq, base):
    """KL(p || p) = 0 (zeros in p included), and KL(p || q) > 0 by a clear margin when p != q.

    The margin is Pinsker's inequality: KL(p || q) >= 1/2 (sum |p - q|)^2 in nats (divided by
    ln b in base b), which is positive whenever p != q.
    """
    p, q = pq
    assert_close(impl.kl_divergence(p, p, base=base), np.zeros(p.shape[:-1]), dtype=p.dtype,
                 what="KL(p || p)")
    l1 = np.abs(p.astype(np.float64) - q.astype(np.float64)).sum(axis=-1)
    pinsker = 0.5 * l1 ** 2 / _ln(base)
    assert_at_least(impl.kl_divergence(p, q, base=base), pinsker, p.dtype, "KL vs Pinsker's bound")


@spec_property(requires=["kl_divergence"], dtype=strategies.dtypes())
def test_kl_divergence_is_not_symmetric(impl, dtype):
    """KL(p || q) != KL(q || p): p = (0.9, 0.1), q = (0.5, 0.5) give 0.368 and 0.511 nats."""
    p = np.array([0.9, 0.1], dtype=dtype)
    q = np.array([0.5, 0.5], dtype=dtype)
    forward = impl.kl_divergence(p, q)
    backward = impl.kl_divergence(q, p)
    assert_close(forward, 0.9 * math.log(1.8) + 0.1 * math.log(0.2), dtype=dtype, what="KL(p || q)")
    assert_close(backward, 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(5), dtype=dtype, what="KL(q || p)")
    assert abs(float(forward) - float(backward)) > 0.1, "KL(p || q) == KL(q || p)"


# --- cross-entropy --------------------------------------------------------------------------

@spec_property(requires=["cross_entropy", "entropy", "kl_divergence"], pq=strategies.simplex_pairs(),
               base=BASES)
def test_cross_entropy_is_entropy_plus_kl_divergence(impl, pq, base):
    """H(p, q) = H(p) + KL(p || q) (erratum: not KL - H)."""
    p, q = pq
    ce = impl.cross_entropy(p, q, base=base)
    assert ce.shape == p.shape[:-1] and ce.dtype == p.dtype, f"cross_entropy: {ce.dtype}{ce.shape}"
    expected = (impl.entropy(p, base=base).astype(np.float64)
                + impl.kl_divergence(p, q, base=base).astype(np.float64))
    assert_close(ce, expected, dtype=p.dtype, what="H(p, q) vs H(p) + KL(p || q)")
    naive = -(p.astype(np.float64) * np.log(q.astype(np.float64))).sum(axis=-1) / _ln(base)
    assert_close(ce, naive, dtype=p.dtype, what="H(p, q) vs float64 -sum p log q")


@spec_property(requires=["cross_entropy", "entropy"], pq=strategies.simplex_pairs(q_positive=False))
def test_cross_entropy_is_at_least_entropy(impl, pq):
    """Gibbs' inequality: -sum p log q >= -sum p log p, infinite where q = 0 < p."""
    p, q = pq
    ce = impl.cross_entropy(p, q)
    assert not np.isnan(ce).any(), f"cross_entropy returned NaN: {ce}"
    assert_at_least(ce, impl.entropy(p), p.dtype, "H(p, q) >= H(p)")
    impossible = ((p > 0) & (q == 0)).any(axis=-1)
    assert np.isposinf(ce[impossible]).all(), "H(p, q) must be infinite where q = 0 < p"
