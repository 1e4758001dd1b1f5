"""The ValueError contract: bad input raises ValueError naming the argument (docs/contract.md).

Bad input is: an empty array, a probability with a negative entry (or above 1), a probability
vector not summing to 1 within 1e-4 (float32) or 1e-9 (float64), beta outside [0, 1),
mismatched shapes, labels out of range or not integers. The error must be a ``ValueError`` (not
an AssertionError, not a tf.errors.* op error, not an IndexError) and its message must name the
offending argument as a word ("p", "y_true", ...), so that the user knows what to fix.
"""

from __future__ import annotations

import re

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property


def expect_value_error(call, *names, one_of=(), rule="bad input"):
    """Call ``call()``; it must raise ValueError whose message names every one of ``names`` and,
    when ``one_of`` is given, at least one of ``one_of``. Returns the error."""
    try:
        call()
    except ValueError as error:
        message = str(error)
        missing = [name for name in names if not _names(message, name)]
        if missing:
            raise AssertionError(f"{rule}: the ValueError does not name {missing}: {message!r}") from None
        if one_of and not any(_names(message, name) for name in one_of):
            raise AssertionError(f"{rule}: the ValueError names none of {list(one_of)}: {message!r}") from None
        return error
    except Exception as error:
        raise AssertionError(f"{rule}: raised {type(error).__name__} instead of ValueError: "
                             f"{error}") from error
    raise AssertionError(f"{rule}: no ValueError was raised")


def _names(message: str, name: str) -> bool:
    """``name`` appears in ``message`` as a whole word (``p`` in "p has ...", not in "probability")."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


# Shapes that are empty, and pairs of shapes that must not be mixed (the second pair broadcasts
# silently to (n, n) in NumPy and TensorFlow: the classic bug it must catch).
EMPTY_SHAPES = st.sampled_from([(0,), (0, 3), (2, 0)])
MISMATCHED_SHAPES = st.sampled_from([((3,), (4,)), ((3,), (3, 1)), ((2, 3), (3, 2)), ((2, 3), (2, 4))])

ACTIVATIONS = ("threshold", "threshold_derivative", "sigmoid", "sigmoid_derivative", "tanh",
               "tanh_derivative", "linear", "linear_derivative", "relu", "relu_derivative",
               "leaky_relu", "leaky_relu_derivative", "softmax", "log_softmax", "softmax_jacobian")
PROBABILITY_PAIRS = ("cross_entropy", "kl_divergence")
LOSS_PAIRS = {  # loss -> the name of its second argument
    "binary_cross_entropy": "p", "binary_cross_entropy_with_logits": "logits",
    "squared_error": "y_pred", "mean_squared_error": "y_pred", "absolute_error": "y_pred",
    "mean_absolute_error": "y_pred", "exponential_loss": "score", "hinge_loss": "score",
    "zero_one_loss": "y_pred", "categorical_cross_entropy": "q",
    "softmax_cross_entropy_with_logits": "logits",
}


def _valid_for(loss, shape, dtype):
    """A (y_true, second argument) pair of ``shape`` that ``loss`` accepts."""
    n = shape[-1] if shape else 1
    if loss in ("categorical_cross_entropy", "softmax_cross_entropy_with_logits"):
        y = np.zeros(shape, dtype=dtype)
        y[..., 0] = 1
        return y, np.full(shape, 1 / n, dtype=dtype)
    if loss in ("exponential_loss", "hinge_loss"):
        return np.ones(shape, dtype=dtype), np.full(shape, 0.5, dtype=dtype)
    if loss == "binary_cross_entropy":
        return np.ones(shape, dtype=dtype), np.full(shape, 0.5, dtype=dtype)
    return np.zeros(shape, dtype=dtype), np.full(shape, 0.5, dtype=dtype)


def _uniform(shape, dtype):
    return np.full(shape, 1 / shape[-1], dtype=dtype)


@st.composite
def _negative_simplex(draw, dtype=None):
    """A vector summing to 1 with one negative entry: only the sign rule is broken."""
    dtype = dtype or draw(strategies.dtypes())
    p = draw(strategies.simplex(dtype=np.float64, batch=(), min_n=2))
    d = draw(st.floats(0.01, 0.5))
    i, j = draw(st.permutations(range(len(p))))[:2]
    p[j] += p[i] + d
    p[i] = -d
    return (p / p.sum()).astype(dtype)


@st.composite
def _off_simplex(draw, dtype=None, batch=()):
    """Non-negative vectors whose sums miss 1 by 1e-3 (float32) or 1e-8 (float64), or more."""
    dtype = dtype or draw(strategies.dtypes())
    p = draw(strategies.simplex(dtype=np.float64, batch=batch, min_n=2))
    factor = draw(st.sampled_from([0.5, 0.9, 0.999, 1.001]) if dtype == np.float32
                  else st.sampled_from([0.5, 0.9, 1 - 1e-8, 1 + 1e-8]))
    return (p * factor).astype(dtype)


# --- activations ----------------------------------------------------------------------------

@spec_property(requires=[*ACTIVATIONS, "maxout"], dtype=strategies.dtypes(), shape=EMPTY_SHAPES)
def test_activations_reject_empty_input(impl, dtype, shape):
    x = np.zeros(shape, dtype=dtype)
    for name in ACTIVATIONS:
        expect_value_error(lambda name=name: getattr(impl, name)(x), "x", rule=f"{name} of empty x")
    expect_value_error(lambda: impl.maxout(x, 1), "x", rule="maxout of empty x")


@spec_property(requires=["maxout"], dtype=strategies.dtypes(), n=st.integers(1, 12), data=st.data())
def test_maxout_rejects_num_units_that_do_not_divide_the_axis(impl, dtype, n, data):
    x = np.arange(2 * n, dtype=dtype).reshape(2, n)
    num_units = data.draw(st.sampled_from([u for u in range(2, 2 * n + 2) if n % u]), label="num_units")
    expect_value_error(lambda: impl.maxout(x, num_units), "num_units",
                       rule=f"maxout of an axis of size {n} into {num_units} units")


# --- information theory ---------------------------------------------------------------------

@spec_property(requires=["self_information", "entropy", "joint_entropy", *PROBABILITY_PAIRS],
               dtype=strategies.dtypes(), shape=EMPTY_SHAPES)
def test_information_functions_reject_empty_input(impl, dtype, shape):
    empty = np.zeros(shape, dtype=dtype)
    expect_value_error(lambda: impl.self_information(empty), "p", rule="self_information of empty p")
    expect_value_error(lambda: impl.entropy(empty), "p", rule="entropy of empty p")
    expect_value_error(lambda: impl.joint_entropy(empty), "p_xy", rule="joint_entropy of empty p_xy")
    for name in PROBABILITY_PAIRS:
        fn = getattr(impl, name)
        expect_value_error(lambda fn=fn: fn(empty, empty), one_of=("p", "q"), rule=f"{name} of empty p, q")


@spec_property(requires=["self_information", "entropy", "joint_entropy", *PROBABILITY_PAIRS],
               bad=_negative_simplex())
def test_information_functions_reject_negative_probabilities(impl, bad):
    good = _uniform(bad.shape, bad.dtype)
    expect_value_error(lambda: impl.self_information(bad), "p", rule="self_information of p < 0")
    expect_value_error(lambda: impl.entropy(bad), "p", rule="entropy of p < 0")
    expect_value_error(lambda: impl.joint_entropy(bad), "p_xy", rule="joint_entropy of p_xy < 0")
    for name in PROBABILITY_PAIRS:
        fn = getattr(impl, name)
        expect_value_error(lambda fn=fn: fn(bad, good), "p", rule=f"{name} with p < 0")
        expect_value_error(lambda fn=fn: fn(good, bad), "q", rule=f"{name} with q < 0")


@spec_property(requires=["entropy", "joint_entropy", *PROBABILITY_PAIRS], bad=_off_simplex())
def test_information_functions_reject_probabilities_not_summing_to_one(impl, bad):
    good = _uniform(bad.shape, bad.dtype)
    rule = f"sum {bad.astype(np.float64).sum():.10g} in {bad.dtype}"
    expect_value_error(lambda: impl.entropy(bad), "p", rule=f"entropy of p with {rule}")
    expect_value_error(lambda: impl.joint_entropy(bad), "p_xy", rule=f"joint_entropy of p_xy with {rule}")
    for name in PROBABILITY_PAIRS:
        fn = getattr(impl, name)
        expect_value_error(lambda fn=fn: fn(bad, good), "p", rule=f"{name} with p of {rule}")
        expect_value_error(lambda fn=fn: fn(good, bad), "q", rule=f"{name} with q of {rule}")


@spec_property(requires=["entropy"], dtype=strategies.dtypes(), data=st.data())
def test_probability_sums_are_checked_within_1e_4_for_float32_and_1e_9_for_float64(impl, dtype, data):
    """A sum off by a tenth of the tolerance is accepted; off by ten times it, rejected."""
    tol = 1e-4 if dtype == np.float32 else 1e-9
    p = data.draw(strategies.simplex(dtype=np.float64, min_n=2, batch=(2,)), label="p")
    rows = np.arange(p.shape[0])
    largest = p.argmax(axis=-1)  # >= 1/n, so it stays positive when lowered
    near = p.copy()
    near[rows, largest] -= tol / 10
    far = p.copy()
    far[rows, largest] -= 10 * tol
    impl.entropy(near.astype(dtype))  # must not raise
    expect_value_error(lambda: impl.entropy(far.astype(dtype)), "p",
                       rule=f"entropy of {dtype.__name__} p summing to 1 - {10 * tol:g}")


@spec_property(requires=[*PROBABILITY_PAIRS], dtype=strategies.dtypes(), shapes=MISMATCHED_SHAPES)
def test_information_functions_reject_mismatched_shapes(impl, dtype, shapes):
    p, q = _uniform(shapes[0], dtype), _uniform(shapes[1], dtype)
    for name in PROBABILITY_PAIRS:
        fn = getattr(impl, name)
        expect_value_error(lambda fn=fn: fn(p, q), "p", "q", rule=f"{name} of shapes {shapes}")


@spec_property(requires=["entropy", "self_information"], dtype=strategies.dtypes(),
               base=st.sampled_from([1, 1.0, 0, -2.0]))
def test_information_functions_reject_a_base_that_is_not_positive_and_not_one(impl, dtype, base):
    p = np.array([0.5, 0.5], dtype=dtype)
    expect_value_error(lambda: impl.entropy(p, base=base), "base", rule=f"entropy in base {base}")
    expect_value_error(lambda: impl.self_information(p, base=base), "base",
                       rule=f"self_information in base {base}")


# --- distributions --------------------------------------------------------------------------

DISTRIBUTIONS = ("bernoulli_pmf", "bernoulli_log_likelihood", "binomial_pmf", "multinomial_pmf",
                 "beta_pdf")


@spec_property(requires=DISTRIBUTIONS, dtype=strategies.dtypes(),
               bad=st.sampled_from([-0.5, -1e-3, 1.001, 2.0]))
def test_distributions_reject_probabilities_outside_zero_one(impl, dtype, bad):
    x = np.array([0, 1, 1])
    p = np.full(3, bad, dtype=dtype)
    expect_value_error(lambda: impl.bernoulli_pmf(x, p), "p", rule=f"bernoulli_pmf with p = {bad}")
    expect_value_error(lambda: impl.bernoulli_log_likelihood(x, p), "p",
                       rule=f"bernoulli_log_likelihood with p = {bad}")
    expect_value_error(lambda: impl.binomial_pmf(np.array([0, 1, 2]), 4, dtype(bad)), "p",
                       rule=f"binomial_pmf with p = {bad}")
    expect_value_error(lambda: impl.beta_pdf(p, dtype(2.0), dtype(3.0)), "theta",
                       rule=f"beta_pdf at theta = {bad}")
    negative = np.array([0.5, 0.5 - bad, bad], dtype=dtype) if bad < 0 else np.array(
        [bad, 1 - bad], dtype=dtype)  # sums to 1 with an entry outside [0, 1]
    counts = np.ones(negative.shape, dtype=np.int64)
    expect_value_error(lambda: impl.multinomial_pmf(counts, negative), "p",
                       rule=f"multinomial_pmf with p = {negative}")


@spec_property(requires=["multinomial_pmf"], bad=_off_simplex())
def test_multinomial_pmf_rejects_p_not_summing_to_one(impl, bad):
    counts = np.ones(bad.shape, dtype=np.int64)
    expect_value_error(lambda: impl.multinomial_pmf(counts, bad), "p",
                       rule=f"multinomial_pmf with p summing to {bad.astype(np.float64).sum():.10g}")


@spec_property(requires=["bernoulli_pmf", "bernoulli_log_likelihood", "beta_bernoulli_posterior"],
               dtype=strategies.dtypes(), bad=st.sampled_from([2, -1, 0.5, 3.0]))
def test_bernoulli_functions_reject_observations_other_than_zero_and_one(impl, dtype, bad):
    x = np.array([0, 1, bad], dtype=dtype)
    p = np.full(3, 0.5, dtype=dtype)
    expect_value_error(lambda: impl.bernoulli_pmf(x, p), "x", rule=f"bernoulli_pmf at x = {bad}")
    expect_value_error(lambda: impl.bernoulli_log_likelihood(x, p), "x",
                       rule=f"bernoulli_log_likelihood with x = {bad}")
    expect_value_error(lambda: impl.beta_bernoulli_posterior(dtype(1.0), dtype(1.0), x), "x",
                       rule=f"beta_bernoulli_posterior with x = {bad}")


@spec_property(requires=[*DISTRIBUTIONS, "beta_bernoulli_posterior"], dtype=strategies.dtypes())
def test_distributions_reject_empty_input(impl, dtype):
    empty = np.zeros(0, dtype=dtype)
    half = dtype(0.5)
    expect_value_error(lambda: impl.bernoulli_pmf(empty, half), "x", rule="bernoulli_pmf of empty x")
    expect_value_error(lambda: impl.bernoulli_log_likelihood(empty, half), "x",
                       rule="bernoulli_log_likelihood of empty x")
    expect_value_error(lambda: impl.binomial_pmf(np.zeros(0, dtype=np.int64), 3, half), "k",
                       rule="binomial_pmf of empty k")
    expect_value_error(lambda: impl.multinomial_pmf(np.zeros(0, dtype=np.int64), empty),
                       one_of=("counts", "p"), rule="multinomial_pmf of empty counts and p")
    expect_value_error(lambda: impl.beta_pdf(empty, dtype(2.0), dtype(2.0)), "theta",
                       rule="beta_pdf of empty theta")
    expect_value_error(lambda: impl.beta_bernoulli_posterior(dtype(1.0), dtype(1.0), empty), "x",
                       rule="beta_bernoulli_posterior of empty x")


@spec_property(requires=["multinomial_pmf"], dtype=strategies.dtypes(), m=st.integers(1, 5))
def test_multinomial_pmf_rejects_counts_and_p_of_different_lengths(impl, dtype, m):
    counts = np.ones(m + 1, dtype=np.int64)
    p = _uniform((m,), dtype)
    expect_value_error(lambda: impl.multinomial_pmf(counts, p), "counts", "p",
                       rule=f"multinomial_pmf of {m + 1} counts and {m} probabilities")


# --- losses ---------------------------------------------------------------------------------

@spec_property(requires=[*LOSS_PAIRS, "l2_loss"], dtype=strategies.dtypes(), shape=EMPTY_SHAPES)
def test_losses_reject_empty_input(impl, dtype, shape):
    empty = np.zeros(shape, dtype=dtype)
    for name, second in LOSS_PAIRS.items():
        fn = getattr(impl, name)
        expect_value_error(lambda fn=fn: fn(empty, empty), one_of=("y_true", second),
                           rule=f"{name} of empty input")
    expect_value_error(lambda: impl.l2_loss(empty), "x", rule="l2_loss of empty x")


@spec_property(requires=[*LOSS_PAIRS], dtype=strategies.dtypes(), shapes=MISMATCHED_SHAPES)
def test_losses_reject_mismatched_shapes(impl, dtype, shapes):
    for name, second in LOSS_PAIRS.items():
        y_true, _ = _valid_for(name, shapes[0], dtype)
        _, other = _valid_for(name, shapes[1], dtype)
        fn = getattr(impl, name)
        expect_value_error(lambda fn=fn, y=y_true, o=other: fn(y, o), "y_true", second,
                           rule=f"{name} of shapes {shapes}")


@spec_property(requires=["binary_cross_entropy", "categorical_cross_entropy"],
               dtype=strategies.dtypes(), bad=st.sampled_from([-0.5, -1e-3, 1.001, 2.0]))
def test_probability_losses_reject_probabilities_outside_zero_one(impl, dtype, bad):
    y = np.array([1.0, 0.0, 1.0], dtype=dtype)
    p = np.array([0.5, 0.5, bad], dtype=dtype)
    expect_value_error(lambda: impl.binary_cross_entropy(y, p), "p",
                       rule=f"binary_cross_entropy with p = {bad}")
    q = np.array([1 - bad, bad], dtype=dtype)  # sums to 1 with an entry outside [0, 1]
    one_hot = np.array([1.0, 0.0], dtype=dtype)
    expect_value_error(lambda: impl.categorical_cross_entropy(one_hot, q), "q",
                       rule=f"categorical_cross_entropy with q = {q}")


@spec_property(requires=["categorical_cross_entropy"], bad=_off_simplex())
def test_categorical_cross_entropy_rejects_q_not_summing_to_one(impl, bad):
    y = np.zeros(bad.shape, dtype=bad.dtype)
    y[..., 0] = 1
    expect_value_error(lambda: impl.categorical_cross_entropy(y, bad), "q",
                       rule=f"categorical_cross_entropy with q summing to {bad.astype(np.float64).sum():.10g}")


@spec_property(requires=["hinge_loss", "exponential_loss"], dtype=strategies.dtypes(),
               bad=st.sampled_from([0.0, 2.0, 0.5, -3.0]))
def test_margin_losses_reject_labels_other_than_minus_one_and_one(impl, dtype, bad):
    y = np.array([1.0, -1.0, bad], dtype=dtype)
    score = np.array([0.3, -2.0, 1.0], dtype=dtype)
    expect_value_error(lambda: impl.hinge_loss(y, score), "y_true", rule=f"hinge_loss with y = {bad}")
    expect_value_error(lambda: impl.exponential_loss(y, score), "y_true",
                       rule=f"exponential_loss with y = {bad}")


# --- averages -------------------------------------------------------------------------------

@spec_property(requires=["ewma"], dtype=strategies.dtypes(), shape=EMPTY_SHAPES)
def test_ewma_rejects_an_empty_series(impl, dtype, shape):
    expect_value_error(lambda: impl.ewma(np.zeros(shape, dtype=dtype), 0.9), "x", rule="ewma of empty x")


@spec_property(requires=["ewma_weights"], beta=st.sampled_from([1.0, 1.5, -0.1]),
               t=st.sampled_from([0, -3, 2.5]))
def test_ewma_weights_reject_beta_outside_zero_one_and_t_below_one(impl, beta, t):
    expect_value_error(lambda: impl.ewma_weights(beta, 5), "beta", rule=f"ewma_weights with beta = {beta}")
    expect_value_error(lambda: impl.ewma_weights(0.9, t), "t", rule=f"ewma_weights with t = {t}")


# --- metrics --------------------------------------------------------------------------------

@spec_property(requires=["confusion_matrix", "accuracy"], shapes=MISMATCHED_SHAPES)
def test_metrics_reject_empty_labels_and_mismatched_shapes(impl, shapes):
    empty = np.zeros(0, dtype=np.int64)
    for name in ("confusion_matrix", "accuracy"):
        fn = getattr(impl, name)
        expect_value_error(lambda fn=fn: fn(empty, empty), one_of=("y_true", "y_pred"),
                           rule=f"{name} of empty labels")
        a, b = np.zeros(shapes[0], dtype=np.int64), np.zeros(shapes[1], dtype=np.int64)
        expect_value_error(lambda fn=fn, a=a, b=b: fn(a, b), "y_true", "y_pred",
                           rule=f"{name} of shapes {shapes}")


# --- calculus -------------------------------------------------------------------------------

@spec_property(requires=["central_difference"])
def test_central_difference_rejects_an_empty_x(impl):
    expect_value_error(lambda: impl.central_difference(lambda v: 0.0, np.zeros(0)), "x",
                       rule="central_difference at an empty x")
