"""Properties of self-information, entropy, cross-entropy and KL divergence.

Natural logarithms unless ``base`` is given; 0 log 0 = 0. Oracles: scipy.stats.entropy,
scipy.special.rel_entr and xlogy, a naive float64 loop, and the inequalities of information
theory (Gibbs, Pinsker) that hold for every pair of distributions. Edge cases: q = 0 where p > 0
(KL and cross-entropy are +inf, not a large finite number), p = q = 0 (no contribution, not NaN),
one outcome.
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


def _scipy_kl(p, q, base=None):
    """sum rel_entr(p, q) in float64: 0 where p = 0, +inf where q = 0 < p."""
    from scipy.special import rel_entr

    return rel_entr(np.asarray(p, np.float64), np.asarray(q, np.float64)).sum(axis=-1) / _ln(base)


def _scipy_cross_entropy(p, q, base=None):
    """-sum xlogy(p, q) in float64: 0 where p = 0, +inf where q = 0 < p."""
    from scipy.special import xlogy

    return -xlogy(np.asarray(p, np.float64), np.asarray(q, np.float64)).sum(axis=-1) / _ln(base)


@st.composite
def _pairs_with_zeros_in_q(draw):
    """``(p, q)`` where some rows (the first always) have q = 0 at an outcome with p > 0."""
    dtype = draw(strategies.dtypes())
    n = draw(st.integers(2, 6))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    p = draw(strategies.simplex(dtype=dtype, n=n, batch=batch))
    q = draw(strategies.simplex(dtype=np.float64, n=n, batch=batch)).reshape(-1, n)
    impossible = draw(hnp.arrays(bool, q.shape[0]))
    impossible[0] = True
    rows = p.reshape(-1, n)
    for r in np.flatnonzero(impossible):
        i = int(np.argmax(rows[r]))  # p > 0 there: the row sums to 1
        q[r, i] = 0.0
        rest = q[r].sum()
        q[r] = q[r] / rest if rest > 0 else np.where(np.arange(n) == i, 0.0, 1.0 / (n - 1))
    q = q.reshape(p.shape).astype(dtype)
    q[q < np.finfo(dtype).tiny] = 0
    return p, q


@st.composite
def _pairs_with_a_shared_zero(draw):
    """``(p, q)`` with q > 0 except at one outcome where p = q = 0."""
    p, q = draw(strategies.simplex_pairs())
    position = draw(st.integers(0, p.shape[-1]))
    return (np.insert(p, position, 0.0, axis=-1), np.insert(q, position, 0.0, axis=-1))


# Worked examples with outcomes where p = q = 0, and single outcomes (p = q = [1]).
SHARED_ZEROS = (
    ([0.5, 0.5, 0.0], [0.25, 0.75, 0.0]),
    ([0.0, 1.0], [0.0, 1.0]),
    ([0.0, 0.2, 0.0, 0.8], [0.0, 0.5, 0.0, 0.5]),
    ([1.0], [1.0]),
)


# --- entropy --------------------------------------------------------------------------------

@spec_property(requires=["entropy"], level="maths", p=strategies.simplex())
def test_entropy_is_between_zero_and_log_n(impl, p):
    h = impl.entropy(p)
    n = p.shape[-1]
    assert_at_least(h, np.zeros(p.shape[:-1]), p.dtype, "entropy >= 0")
    assert_at_least(np.full(p.shape[:-1], math.log(n)), h, p.dtype, "entropy <= log n")


@spec_property(requires=["entropy"], level="maths", dtype=strategies.dtypes(), n=st.integers(1, 12),
               data=st.data())
def test_entropy_is_zero_at_one_hot_and_log_n_at_uniform(impl, dtype, n, data):
    """One outcome (n = 1) included: entropy([1]) = 0."""
    assert_close(impl.entropy(np.ones(1, dtype=dtype)), 0.0, dtype=dtype, what="entropy([1])")
    hot = data.draw(st.integers(0, n - 1), label="hot")
    one_hot = strategies.one_hot(np.array(hot), n, dtype=dtype)
    assert_close(impl.entropy(one_hot), 0.0, dtype=dtype, what="entropy of a one-hot vector")
    uniform = np.full(n, 1 / n, dtype=dtype)
    assert_close(impl.entropy(uniform), math.log(n), dtype=dtype, what="entropy of the uniform")
    assert_close(impl.entropy(uniform, base=2), math.log2(n), dtype=dtype, what="bits of the uniform")


@spec_property(requires=["entropy"], level="maths", p=strategies.simplex(min_n=2),
               base=st.sampled_from([2, 3, 10, math.e]))
def test_entropy_in_base_b_is_entropy_in_nats_over_ln_b(impl, p, base):
    nats = np.asarray(impl.entropy(p), np.float64)
    assert_close(impl.entropy(p, base=base), nats / math.log(base), dtype=p.dtype,
                 what=f"entropy in base {base}")


@spec_property(requires=["entropy"], level="maths", oracle={"entropy": "scipy.stats.entropy"},
               p=strategies.simplex(), base=BASES)
def test_entropy_matches_scipy_stats_entropy(impl, p, base):
    from scipy.stats import entropy as scipy_entropy

    expected = scipy_entropy(p.astype(np.float64), base=base, axis=-1)
    assert_close(impl.entropy(p, base=base), expected, dtype=p.dtype, what="entropy vs scipy")


@spec_property(requires=["entropy"], level="maths", p=strategies.simplex(batch=(3,), min_n=2))
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


@spec_property(requires=["joint_entropy"], level="maths",
               oracle={"joint_entropy": "scipy.stats.entropy of the flattened table"},
               p_xy=_joint_tables(), base=BASES)
def test_joint_entropy_matches_scipy_stats_entropy_of_the_flattened_table(impl, p_xy, base):
    """One number, summed over every axis; a single outcome [[1]] has joint entropy 0."""
    from scipy.stats import entropy as scipy_entropy

    for table in (np.ones((1, 1), dtype=p_xy.dtype), p_xy):
        h = impl.joint_entropy(table, base=base)
        assert np.size(h) == 1, (f"joint_entropy of a table of shape {table.shape} must be one "
                                 f"number (a sum over all axes); got shape {np.shape(h)}: {h}")
        assert_close(np.reshape(h, ()), scipy_entropy(table.ravel().astype(np.float64), base=base),
                     dtype=p_xy.dtype, what=f"joint entropy of a {table.shape} table vs scipy")


@spec_property(requires=["joint_entropy", "entropy"], level="maths", dtype=strategies.dtypes(),
               data=st.data())
def test_joint_entropy_of_independent_variables_is_the_sum_of_their_entropies(impl, dtype, data):
    """H(X, Y) = H(X) + H(Y) when p(x, y) = p(x) p(y)."""
    p_x = data.draw(strategies.simplex(dtype=np.float64, batch=()), label="p_x")
    p_y = data.draw(strategies.simplex(dtype=np.float64, batch=()), label="p_y")
    p_xy = np.outer(p_x, p_y).astype(dtype)
    expected = (np.asarray(impl.entropy(p_x.astype(dtype)), np.float64)
                + np.asarray(impl.entropy(p_y.astype(dtype)), np.float64))
    assert_close(np.reshape(impl.joint_entropy(p_xy), ()), expected, dtype=dtype,
                 what="H(X, Y) vs H(X) + H(Y)")


# --- self-information -----------------------------------------------------------------------

@spec_property(requires=["self_information"], level="maths",
               oracle={"self_information": "float64 loop: -math.log(p) / math.log(base)"},
               p=strategies.probability_arrays(low=1e-30, high=1.0), base=BASES)
def test_self_information_matches_a_float64_loop_of_minus_log_p(impl, p, base):
    """One value per probability, 0 for a certain event (p = 1 appended)."""
    p = np.append(p.ravel(), p.dtype.type(1.0))
    expected = np.array([-math.log(float(v)) / _ln(base) for v in p])
    assert_close(impl.self_information(p, base=base), expected, dtype=p.dtype,
                 what="self-information vs -log p")


@spec_property(requires=["self_information"], level="maths", dtype=strategies.dtypes(),
               p=strategies.probabilities(low=1e-6, high=1.0),
               q=strategies.probabilities(low=1e-6, high=1.0), base=BASES)
def test_self_information_is_additive_for_independent_events(impl, dtype, p, q, base):
    """h(x, y) = h(x) + h(y) when P(x, y) = P(x) P(y)."""
    p, q = dtype(p), dtype(q)
    h = np.asarray(impl.self_information(np.array([p, q, p * q], dtype=dtype), base=base), np.float64)
    assert_close(h[2], h[0] + h[1], dtype=dtype, what="h(x, y) vs h(x) + h(y)")


@spec_property(requires=["self_information"], level="maths", dtype=strategies.dtypes())
def test_self_information_in_base_two_of_one_half_is_one_bit(impl, dtype):
    p = np.array([0.5, 0.25, 1.0], dtype=dtype)
    assert_close(impl.self_information(p, base=2), [1.0, 2.0, 0.0], dtype=dtype, what="bits")
    assert_close(impl.self_information(p), [math.log(2), math.log(4), 0.0], dtype=dtype, what="nats")
    assert_close(impl.self_information(np.ones(1, dtype=dtype)), [0.0], dtype=dtype,
                 what="self-information of [1]")


# --- KL divergence --------------------------------------------------------------------------

@spec_property(requires=["kl_divergence"], level="maths",
               oracle={"kl_divergence": "scipy.special.rel_entr"},
               pq=strategies.simplex_pairs(), base=BASES)
def test_kl_divergence_matches_scipy_special_rel_entr_and_is_non_negative(impl, pq, base):
    p, q = pq
    kl = impl.kl_divergence(p, q, base=base)
    assert_close(kl, _scipy_kl(p, q, base), dtype=p.dtype, what="KL vs sum rel_entr(p, q)")
    assert_at_least(kl, np.zeros(p.shape[:-1]), p.dtype, "KL >= 0")


@spec_property(requires=["kl_divergence"], level="maths",
               oracle={"kl_divergence": "scipy.special.rel_entr where q = 0 < p"},
               pq=_pairs_with_zeros_in_q(), base=BASES)
def test_kl_divergence_is_infinite_where_q_is_zero_and_p_is_not(impl, pq, base):
    """KL(p || q) = +inf for a row with q_i = 0 < p_i (a clipped q gives a finite number)."""
    p, q = pq
    kl = np.asarray(impl.kl_divergence(p, q, base=base), np.float64)
    expected = _scipy_kl(p, q, base)
    first = kl.reshape(-1)[0] if kl.size else None
    assert first == np.inf, (f"KL(p || q) must be +inf where q = 0 < p; got {first} for "
                             f"p={p.reshape(-1, p.shape[-1])[0]}, q={q.reshape(-1, q.shape[-1])[0]}")
    assert_close(kl, expected, dtype=p.dtype, what="KL vs sum rel_entr(p, q)")


@spec_property(requires=["kl_divergence"], level="maths",
               oracle={"kl_divergence": "scipy.special.rel_entr where p = q = 0"},
               pq=_pairs_with_a_shared_zero(), base=BASES)
def test_kl_divergence_ignores_outcomes_where_p_and_q_are_both_zero(impl, pq, base):
    """0 log(0 / 0) contributes 0, not NaN (torch's F.kl_div gives NaN); one outcome gives 0."""
    p, q = pq
    for example_p, example_q in SHARED_ZEROS:
        ep, eq = np.array(example_p, dtype=p.dtype), np.array(example_q, dtype=p.dtype)
        assert_close(impl.kl_divergence(ep, eq, base=base), _scipy_kl(ep, eq, base), dtype=p.dtype,
                     what=f"KL({example_p} || {example_q})")
    assert_close(impl.kl_divergence(p, q, base=base), _scipy_kl(p, q, base), dtype=p.dtype,
                 what="KL with an outcome where p = q = 0 vs sum rel_entr(p, q)")


@spec_property(requires=["kl_divergence"], level="maths", pq=strategies.simplex_pairs(), base=BASES)
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


@spec_property(requires=["kl_divergence"], level="maths", dtype=strategies.dtypes())
def test_kl_divergence_is_not_symmetric(impl, dtype):
    """KL(p || q) != KL(q || p): p = (0.9, 0.1), q = (0.5, 0.5) give 0.368 and 0.511 nats."""
    p = np.array([0.9, 0.1], dtype=dtype)
    q = np.array([0.5, 0.5], dtype=dtype)
    forward = impl.kl_divergence(p, q)
    backward = impl.kl_divergence(q, p)
    assert_close(forward, 0.9 * math.log(1.8) + 0.1 * math.log(0.2), dtype=dtype, what="KL(p || q)")
    assert_close(backward, 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(5), dtype=dtype, what="KL(q || p)")
    assert abs(float(forward) - float(backward)) > 0.1, f"KL(p || q) = {forward} == KL(q || p) = {backward}"


# --- cross-entropy --------------------------------------------------------------------------

@spec_property(requires=["cross_entropy"], level="maths",
               oracle={"cross_entropy": "scipy.special.xlogy: -sum xlogy(p, q)"},
               pq=strategies.simplex_pairs(), base=BASES)
def test_cross_entropy_matches_scipy_special_xlogy(impl, pq, base):
    p, q = pq
    assert_close(impl.cross_entropy(p, q, base=base), _scipy_cross_entropy(p, q, base),
                 dtype=p.dtype, what="H(p, q) vs -sum xlogy(p, q)")


@spec_property(requires=["cross_entropy", "entropy", "kl_divergence"], level="maths",
               pq=strategies.simplex_pairs(), base=BASES)
def test_cross_entropy_is_entropy_plus_kl_divergence(impl, pq, base):
    """H(p, q) = H(p) + KL(p || q) (erratum: not KL - H)."""
    p, q = pq
    expected = (np.asarray(impl.entropy(p, base=base), np.float64)
                + np.asarray(impl.kl_divergence(p, q, base=base), np.float64))
    assert_close(impl.cross_entropy(p, q, base=base), expected, dtype=p.dtype,
                 what="H(p, q) vs H(p) + KL(p || q)")


@spec_property(requires=["cross_entropy", "entropy"], level="maths",
               pq=strategies.simplex_pairs(q_positive=False))
def test_cross_entropy_is_at_least_entropy(impl, pq):
    """Gibbs' inequality: -sum p log q >= -sum p log p, infinite where q = 0 < p."""
    p, q = pq
    ce = np.asarray(impl.cross_entropy(p, q), np.float64)
    assert not np.isnan(ce).any(), f"cross_entropy returned NaN: {ce}"
    assert_at_least(ce, impl.entropy(p), p.dtype, "H(p, q) >= H(p)")
    impossible = ((p > 0) & (q == 0)).any(axis=-1)
    assert np.isposinf(ce[impossible]).all(), (f"H(p, q) must be +inf where q = 0 < p; got "
                                               f"{ce[impossible]}")


@spec_property(requires=["cross_entropy"], level="maths",
               oracle={"cross_entropy": "scipy.special.xlogy where q = 0 < p"},
               pq=_pairs_with_zeros_in_q(), base=BASES)
def test_cross_entropy_is_infinite_where_q_is_zero_and_p_is_not(impl, pq, base):
    """H(p, q) = +inf for a row with q_i = 0 < p_i (a clipped log gives a finite number)."""
    p, q = pq
    ce = np.asarray(impl.cross_entropy(p, q, base=base), np.float64)
    first = ce.reshape(-1)[0] if ce.size else None
    assert first == np.inf, (f"H(p, q) must be +inf where q = 0 < p; got {first} for "
                             f"p={p.reshape(-1, p.shape[-1])[0]}, q={q.reshape(-1, q.shape[-1])[0]}")
    assert_close(ce, _scipy_cross_entropy(p, q, base), dtype=p.dtype, what="H(p, q) vs -sum xlogy(p, q)")


@spec_property(requires=["cross_entropy"], level="maths",
               oracle={"cross_entropy": "scipy.special.xlogy where p = q = 0"},
               pq=_pairs_with_a_shared_zero(), base=BASES)
def test_cross_entropy_ignores_outcomes_where_p_and_q_are_both_zero(impl, pq, base):
    """0 log 0 contributes 0, not NaN; one outcome gives 0."""
    p, q = pq
    for example_p, example_q in SHARED_ZEROS:
        ep, eq = np.array(example_p, dtype=p.dtype), np.array(example_q, dtype=p.dtype)
        assert_close(impl.cross_entropy(ep, eq, base=base), _scipy_cross_entropy(ep, eq, base),
                     dtype=p.dtype, what=f"H({example_p}, {example_q})")
    assert_close(impl.cross_entropy(p, q, base=base), _scipy_cross_entropy(p, q, base),
                 dtype=p.dtype, what="H(p, q) with an outcome where p = q = 0 vs -sum xlogy(p, q)")


# --- the axis ------------------------------------------------------------------------------------

@st.composite
def _pairs_across_axes(draw):
    """``(p, q, axis)``: probability pairs of 2 or 3 dims, summing to 1 along ``axis`` (not
    always the last), q > 0."""
    p, q = draw(strategies.simplex_pairs().filter(lambda pq: pq[0].ndim >= 2))
    axis = draw(st.integers(-p.ndim, p.ndim - 2))
    return np.moveaxis(p, -1, axis), np.moveaxis(q, -1, axis), axis


def _check_axis(impl, name, oracle, pq):
    p, q, axis = pq
    moved = (np.moveaxis(p, axis, -1), np.moveaxis(q, axis, -1))
    assert_close(getattr(impl, name)(p, q, axis=axis), oracle(*moved), dtype=p.dtype,
                 what=f"{name}(axis={axis}) of shape {p.shape} vs scipy along that axis")


@spec_property(requires=["kl_divergence"], level="maths",
               oracle={"kl_divergence": "scipy.special.rel_entr summed along the given axis"},
               pq=_pairs_across_axes())
def test_kl_divergence_reduces_the_axis_it_is_given(impl, pq):
    """kl_divergence(p, q, axis=a) sums over axis a (an implementation ignoring ``axis`` sums the
    last one)."""
    _check_axis(impl, "kl_divergence", _scipy_kl, pq)


@spec_property(requires=["cross_entropy"], level="maths",
               oracle={"cross_entropy": "scipy.special.xlogy summed along the given axis"},
               pq=_pairs_across_axes())
def test_cross_entropy_reduces_the_axis_it_is_given(impl, pq):
    """cross_entropy(p, q, axis=a) sums over axis a."""
    _check_axis(impl, "cross_entropy", _scipy_cross_entropy, pq)
