"""Properties of inverted dropout (docs/contract.md, Dropout).

``inverted_dropout(x, rate, seed, training=True)``: in training each entry is kept with
probability 1 - rate and then scaled by 1 / (1 - rate), else set to 0; at inference (and for
rate 0) ``x`` comes back unchanged. The mask is a function of ``seed`` and the shape only, and
every entry gets its own draw (rows of a batch differ). Implementations need not draw the same
mask for the same seed (their generators differ), so the properties check the rule and the
statistics, never one implementation's mask against another's.

Oracles: the closed form x / (1 - rate) of a kept entry, and ``scipy.stats.binom`` for the
counts: the number of entries dropped (Binomial(n, rate)) and the number of places where the
masks of two rows agree (Binomial(n, rate^2 + (1 - rate)^2) when they are drawn independently,
n when one mask is shared). Each count must lie in its central 1 - 1e-9 interval, so a correct
implementation fails one example in about 10^9.

Levels: the maths properties compare values (an implementation returning float64 for float32
input passes them; test_conventions checks dtypes); the validation properties are one per rule.
Failures are reported as drawn, not shrunk (``NO_SHRINK``): the examples are small or are
thousands of identical entries, and shrinking a statistical failure only re-runs it hundreds of
times (the meta-tests feed several broken dropouts to every property).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import Phase
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close, tolerance

Z = 6.0  # standard errors allowed in the expectation property
CONFIDENCE = 1 - 1e-9  # of the binomial intervals
NO_SHRINK = {"phases": [Phase.explicit, Phase.reuse, Phase.generate]}

rates = st.floats(0.0, 0.95, allow_nan=False, allow_subnormal=False)
seeds = st.integers(0, 2**32 - 1)
sample_sizes = st.integers(2000, 8000)


@st.composite
def activations(draw, dtype=None):
    """Arrays of up to 4 x 8 entries with every abs(x) in [1e-3, 100] (a 0 output = dropped)."""
    return draw(strategies.arrays_away_from_zero(dtype=dtype, min_abs=1e-3, max_abs=100.0,
                                                 min_dims=1, max_dims=2, max_side=8))


@st.composite
def batch_shapes(draw):
    """(batch, [time,] units) with batch, units in [2, 32] and at least 1536 entries, so that
    pairs of rows (and of columns) give enough agreements to tell shared masks from independent."""
    batch, units = draw(st.integers(2, 32)), draw(st.integers(2, 32))
    time = math.ceil(1536 / (batch * units))
    return (batch, units) if time == 1 else (batch, time, units)


def _binomial_interval(n: int, p: float) -> tuple[float, float]:
    from scipy.stats import binom

    return tuple(float(v) for v in binom.interval(CONFIDENCE, n, p))


def _dropped(impl, x, rate, seed) -> np.ndarray:
    out = np.asarray(impl.inverted_dropout(x, rate, seed=seed, training=True))
    assert out.shape == x.shape, (
        f"inverted_dropout returned shape {out.shape} for x of shape {x.shape}")
    return out == 0


# --- the rule ---------------------------------------------------------------------------------

@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               oracle={"inverted_dropout": "closed form: x unchanged at inference"},
               x=strategies.arrays(max_side=8),
               rate=st.floats(0.0, 0.999, allow_subnormal=False), seed=seeds)
def test_dropout_is_the_identity_at_inference(impl, x, rate, seed):
    out = impl.inverted_dropout(x, rate, seed=seed, training=False)
    assert np.array_equal(out, x), (
        f"inverted_dropout(training=False, rate={rate}) changed x:\n x={x}\n out={out}")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=strategies.arrays(max_side=8), seed=seeds)
def test_dropout_with_rate_zero_is_the_identity(impl, x, seed):
    out = impl.inverted_dropout(x, 0.0, seed=seed, training=True)
    assert np.array_equal(out, x), f"inverted_dropout(rate=0) changed x:\n x={x}\n out={out}"


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               oracle={"inverted_dropout": "closed form: a kept entry is x / (1 - rate)"},
               x=activations(), rate=rates, seed=seeds)
def test_dropout_keeps_entries_scaled_by_one_over_the_keep_probability(impl, x, rate, seed):
    out = np.asarray(impl.inverted_dropout(x, rate, seed=seed, training=True))
    assert out.shape == x.shape, f"inverted_dropout returned shape {out.shape} for x of {x.shape}"
    kept = out != 0
    expected = x.astype(np.float64) / (1.0 - rate)
    assert_close(out[kept], expected[kept], dtype=x.dtype,
                 what=f"inverted_dropout's kept entries vs x / (1 - rate), rate={rate}")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               oracle={"inverted_dropout": "scipy.stats.binom: the count dropped is "
                                           "Binomial(n, rate)"},
               dtype=strategies.dtypes(), n=sample_sizes, rate=rates, seed=seeds)
def test_dropout_drops_a_share_rate_of_the_entries(impl, dtype, n, rate, seed):
    dropped = int(np.count_nonzero(_dropped(impl, np.ones(n, dtype=dtype), rate, seed)))
    low, high = _binomial_interval(n, rate)
    assert low <= dropped <= high, (
        f"inverted_dropout(rate={rate}) dropped {dropped} of {n} entries; Binomial({n}, {rate}) "
        f"puts the count in [{low:g}, {high:g}] with probability {CONFIDENCE}")


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
    mean = float(np.mean(np.asarray(out, dtype=np.float64)))
    assert abs(mean - c) <= slack, (
        f"inverted_dropout(rate={rate}): the mean {mean:.6g} over {n} entries of {c:.6g} is off "
        f"by more than {slack:.3g}: dropout must keep E[h'] = h")


# --- the mask -------------------------------------------------------------------------------

@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=activations(), rate=rates, seed=seeds)
def test_dropout_is_deterministic_given_the_seed(impl, x, rate, seed):
    first = impl.inverted_dropout(x, rate, seed=seed, training=True)
    second = impl.inverted_dropout(x, rate, seed=seed, training=True)
    assert np.array_equal(first, second), (
        f"inverted_dropout(rate={rate}, seed={seed}) gave two different results:\n"
        f" first={first}\n second={second}")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=activations(), rate=rates, seed=seeds)
def test_dropout_mask_depends_only_on_the_seed_and_the_shape(impl, x, rate, seed):
    """Dropping x equals x times the dropped ones: which entries go never depends on values."""
    out = np.asarray(impl.inverted_dropout(x, rate, seed=seed, training=True))
    ones = np.asarray(impl.inverted_dropout(np.ones_like(x), rate, seed=seed, training=True))
    assert np.array_equal(out == 0, ones == 0), (
        f"inverted_dropout(rate={rate}, seed={seed}) dropped other entries of x than of ones:\n"
        f" x={x}\n out={out}\n ones={ones}")
    assert_close(out, x.astype(np.float64) * ones, dtype=x.dtype,
                 what="inverted_dropout(x) vs x * inverted_dropout(ones)")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               rate=st.floats(0.1, 0.9),
               seed_pair=st.lists(seeds, min_size=2, max_size=2, unique=True))
def test_dropout_draws_a_different_mask_for_a_different_seed(impl, rate, seed_pair):
    x = np.ones(1000, dtype=np.float32)
    first, second = (_dropped(impl, x, rate, s) for s in seed_pair)
    assert not np.array_equal(first, second), (
        f"inverted_dropout(rate={rate}) drew the same mask of 1000 entries for seeds {seed_pair}")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               oracle={"inverted_dropout": "scipy.stats.binom: agreements of two independent "
                                           "masks are Binomial(n, rate^2 + (1 - rate)^2)"},
               shape=batch_shapes(), rate=st.floats(0.1, 0.9), seed=seeds,
               dtype=strategies.dtypes())
def test_dropout_draws_an_independent_mask_for_every_row_and_column(impl, shape, rate, seed,
                                                                    dtype):
    """Rows of a batch must differ: two masks drawn independently agree at a share
    rate^2 + (1 - rate)^2 of their entries; one mask shared by every row agrees everywhere."""
    dropped = _dropped(impl, np.ones(shape, dtype=dtype), rate, seed)
    q = rate ** 2 + (1 - rate) ** 2
    for axis, what in ((0, "rows (axis 0, the batch)"), (-1, "columns (the last axis)")):
        slices = np.moveaxis(dropped, axis, 0).reshape(shape[axis], -1)
        pairs = shape[axis] // 2  # disjoint pairs (0, 1), (2, 3), ...: independent counts
        agree = int(np.count_nonzero(slices[0:2 * pairs:2] == slices[1:2 * pairs:2]))
        n = pairs * slices.shape[1]
        low, high = _binomial_interval(n, q)
        assert low <= agree <= high, (
            f"inverted_dropout(rate={rate}) on x of shape {shape}: the masks of {pairs} pairs of "
            f"{what} agree at {agree} of {n} entries; independent masks agree at "
            f"Binomial({n}, {q:.4f}), in [{low:g}, {high:g}] with probability {CONFIDENCE}")


# --- bad input ------------------------------------------------------------------------------

@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               x=activations(), seed=seeds,
               rate=st.one_of(st.floats(-10.0, 0.0, exclude_max=True), st.floats(1.0, 10.0),
                              st.just(float("nan"))))
def test_dropout_rejects_a_rate_outside_zero_one(impl, x, seed, rate):
    expect_value_error(lambda: impl.inverted_dropout(x, rate, seed=seed, training=True), "rate",
                       rule=f"inverted_dropout with rate={rate} (rate must be in [0, 1))")
    expect_value_error(lambda: impl.inverted_dropout(x, rate, seed=seed, training=False), "rate",
                       rule=f"inverted_dropout with rate={rate} at inference "
                            "(rate must be in [0, 1), also at inference)")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK, x=activations(),
               seed=st.one_of(st.integers(-2**40, -1), st.sampled_from([0.5, 1.5, "0", None])))
def test_dropout_rejects_a_seed_that_is_not_a_whole_number_from_zero(impl, x, seed):
    expect_value_error(lambda: impl.inverted_dropout(x, 0.5, seed=seed, training=True), "seed",
                       rule=f"inverted_dropout with seed={seed!r} (seed must be a whole number "
                            ">= 0)")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK, x=activations(),
               bad_training=st.sampled_from(["yes", None, 2]))
def test_dropout_rejects_a_training_flag_other_than_true_or_false(impl, x, bad_training):
    expect_value_error(lambda: impl.inverted_dropout(x, 0.5, seed=0, training=bad_training),
                       "training", rule=f"inverted_dropout with training={bad_training!r} "
                                        "(training must be True or False)")


@spec_property(requires=["inverted_dropout"], settings=NO_SHRINK,
               dtype=strategies.dtypes(),
               shape=st.sampled_from([(0,), (0, 3), (2, 0)]))
def test_dropout_rejects_empty_input(impl, dtype, shape):
    expect_value_error(lambda: impl.inverted_dropout(np.zeros(shape, dtype), 0.5, seed=0), "x",
                       rule=f"inverted_dropout of an empty x of shape {shape} (x must not be "
                            "empty)")
