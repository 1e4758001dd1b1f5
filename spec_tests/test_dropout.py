"""Properties of inverted dropout (docs/contract.md, Dropout).

``inverted_dropout(x, rate, seed, training=True)``: in training each entry is kept with
probability 1 - rate and then scaled by 1 / (1 - rate), else set to 0; at inference (and for
rate 0) ``x`` comes back unchanged. The mask is a function of ``seed`` and the shape only.
Implementations need not draw the same mask for the same seed (their generators differ), so the
properties check the rule and the statistics, never one implementation's mask against another's.

Statistical properties use sample sizes of thousands of entries and a bound of 6 standard errors
(plus one entry's worth), so a correct implementation fails one example in about 10^9.
Failures are reported as drawn, not shrunk (``NO_SHRINK``): the examples are small or are
thousands of identical entries, and shrinking a statistical failure only re-runs it hundreds of
times (the meta-tests feed three broken dropouts to every property).
"""

from __future__ import annotations

import numpy as np
from hypothesis import Phase
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close, tolerance

Z = 6.0  # standard errors allowed in a statistical property
NO_SHRINK = {"phases": [Phase.explicit, Phase.reuse, Phase.generate]}

rates = st.floats(0.0, 0.95, allow_nan=False, allow_subnormal=False)
seeds = st.integers(0, 2**32 - 1)
sample_sizes = st.integers(2000, 8000)


@st.composite
def activations(draw, dtype=None):
    """Arrays of up to 4 x 8 entries with every abs(x) in [1e-3, 100] (a 0 output = dropped)."""
    return draw(strategies.arrays_away_from_zero(dtype=dtype, min_abs=1e-3, max_abs=100.0,
                                                 min_dims=1, max_dims=2, max_side=8))


def _dropped_share_bound(rate: float, n: int) -> float:
    return Z * np.sqrt(rate * (1 - rate) / n) + 1.0 / n


# --- the rule ---------------------------------------------------------------------------------

@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=strategies.arrays(max_side=8),
               rate=st.floats(0.0, 0.999, allow_subnormal=False), seed=seeds)
def test_dropout_is_the_identity_at_inference(impl, x, rate, seed):
    out = impl.inverted_dropout(x, rate, seed=seed, training=False)
    assert out.dtype == x.dtype, f"dtype {out.dtype} for {x.dtype} input"
    assert np.array_equal(out, x), f"training=False changed x:\n x={x}\n out={out}"


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=strategies.arrays(max_side=8), seed=seeds)
def test_dropout_with_rate_zero_is_the_identity(impl, x, seed):
    out = impl.inverted_dropout(x, 0.0, seed=seed, training=True)
    assert out.dtype == x.dtype, f"dtype {out.dtype} for {x.dtype} input"
    assert np.array_equal(out, x), f"rate=0 changed x:\n x={x}\n out={out}"


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=activations(), rate=rates, seed=seeds)
def test_dropout_keeps_entries_scaled_by_one_over_the_keep_probability(impl, x, rate, seed):
    out = impl.inverted_dropout(x, rate, seed=seed, training=True)
    assert out.shape == x.shape and out.dtype == x.dtype, (
        f"shape/dtype {out.shape}/{out.dtype} for x of {x.shape}/{x.dtype}")
    kept = out != 0
    expected = x.astype(np.float64) / (1.0 - rate)
    assert_close(out[kept], expected[kept], dtype=x.dtype, what="kept entries x / (1 - rate)")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               dtype=strategies.dtypes(), n=sample_sizes,
               rate=rates, seed=seeds)
def test_dropout_drops_a_share_rate_of_the_entries(impl, dtype, n, rate, seed):
    out = impl.inverted_dropout(np.ones(n, dtype=dtype), rate, seed=seed, training=True)
    share = float(np.mean(out == 0))
    bound = _dropped_share_bound(rate, n)
    assert abs(share - rate) <= bound, (
        f"dropped share {share:.4f} of {n} entries is more than {bound:.4f} from rate {rate}")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               dtype=strategies.dtypes(), n=sample_sizes,
               rate=rates, seed=seeds,
               value=st.floats(0.01, 100.0).flatmap(lambda v: st.sampled_from([v, -v])))
def test_dropout_preserves_the_expectation(impl, dtype, n, rate, seed, value):
    x = np.full(n, value, dtype=dtype)
    out = impl.inverted_dropout(x, rate, seed=seed, training=True)
    c = float(x[0])
    # mean of n iid entries, each c / (1 - rate) with probability 1 - rate, else 0
    standard_error = abs(c) * np.sqrt(rate / ((1.0 - rate) * n))
    slack = Z * standard_error + abs(c) / ((1.0 - rate) * n) + tolerance(dtype)["rtol"] * abs(c)
    mean = float(np.mean(out, dtype=np.float64))
    assert abs(mean - c) <= slack, (
        f"mean {mean:.6g} over {n} entries of {c:.6g} is off by more than {slack:.3g} "
        f"(rate {rate}): dropout must keep E[h'] = h")


# --- the mask -------------------------------------------------------------------------------

@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=activations(), rate=rates, seed=seeds)
def test_dropout_is_deterministic_given_the_seed(impl, x, rate, seed):
    first = impl.inverted_dropout(x, rate, seed=seed, training=True)
    second = impl.inverted_dropout(x, rate, seed=seed, training=True)
    assert np.array_equal(first, second), "the same seed gave two different results"


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=activations(), rate=rates, seed=seeds)
def test_dropout_mask_depends_only_on_the_seed_and_the_shape(impl, x, rate, seed):
    """Dropping x equals x times the dropped ones: which entries go never depends on values."""
    out = impl.inverted_dropout(x, rate, seed=seed, training=True)
    ones = impl.inverted_dropout(np.ones_like(x), rate, seed=seed, training=True)
    assert np.array_equal(out == 0, ones == 0), "the mask changed with the values of x"
    assert_close(out, x * ones, dtype=x.dtype, what="dropout(x) = x * dropout(ones)")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               rate=st.floats(0.1, 0.9),
               seed_pair=st.lists(seeds, min_size=2, max_size=2, unique=True))
def test_dropout_draws_a_different_mask_for_a_different_seed(impl, rate, seed_pair):
    x = np.ones(1000, dtype=np.float32)
    first, second = (impl.inverted_dropout(x, rate, seed=s, training=True) for s in seed_pair)
    assert not np.array_equal(first == 0, second == 0), f"seeds {seed_pair} gave the same mask"


# --- bad input ------------------------------------------------------------------------------

@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=activations(), seed=seeds,
               rate=st.one_of(st.floats(-10.0, 0.0, exclude_max=True), st.floats(1.0, 10.0),
                              st.just(float("nan"))))
def test_dropout_rejects_a_rate_outside_zero_one(impl, x, seed, rate):
    expect_value_error(lambda: impl.inverted_dropout(x, rate, seed=seed, training=True), "rate",
                       rule=f"inverted_dropout with rate={rate}")
    expect_value_error(lambda: impl.inverted_dropout(x, rate, seed=seed, training=False), "rate",
                       rule=f"inverted_dropout with rate={rate} at inference")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=activations(),
               seed=st.one_of(st.integers(-2**40, -1), st.sampled_from([0.5, 1.5, "0", None])),
               bad_training=st.sampled_from(["yes", None, 2]))
def test_dropout_rejects_a_bad_seed_or_training_flag(impl, x, seed, bad_training):
    expect_value_error(lambda: impl.inverted_dropout(x, 0.5, seed=seed, training=True), "seed",
                       rule=f"inverted_dropout with seed={seed!r}")
    expect_value_error(lambda: impl.inverted_dropout(x, 0.5, seed=0, training=bad_training),
                       "training", rule=f"inverted_dropout with training={bad_training!r}")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               dtype=strategies.dtypes(),
               shape=st.sampled_from([(0,), (0, 3), (2, 0)]))
def test_dropout_rejects_empty_input(impl, dtype, shape):
    expect_value_error(lambda: impl.inverted_dropout(np.zeros(shape, dtype), 0.5, seed=0), "x",
                       rule="inverted_dropout of empty x")

