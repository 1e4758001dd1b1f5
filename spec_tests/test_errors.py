"""The ValueError contract: bad input raises ValueError naming the argument (docs/contract.md).

Bad input is: an empty array, a probability with a negative entry (or above 1), a probability
vector not summing to 1 within 1e-4 (float32) or 1e-9 (float64), beta outside [0, 1),
mismatched shapes, labels out of range or not integers. The error must be a ``ValueError`` (not
an AssertionError, not a tf.errors.* op error, not an IndexError) and its message must name the
offending argument as a word ("p", "y_true", ...), so that the user knows what to fix.

Every property here is of the validation level and is as narrow as the rule: one function and
one rule each (``entropy_rejects_negative_probabilities``), so that an implementation lacking
one function still gets the others checked, and a failure says which function broke which rule.

Other families' test modules use :func:`expect_value_error`, ``MISMATCHED_SHAPES`` and
:func:`define_property` (which registers one property per function from a template).
"""

from __future__ import annotations

import re
import sys

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property


def expect_value_error(call, *names, one_of=(), rule="bad input"):
    """Call ``call()``; it must raise ValueError whose message names every one of ``names`` and,
    when ``one_of`` is given, at least one of ``one_of``. Returns the error.

    ``rule`` names the function and the rule broken ("entropy of p < 0"): every failure message
    starts with it.
    """
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


def define_property(module: str, name: str, requires, check, doc: str, level=None, settings=None,
                    **strategies_):
    """Register the property ``name`` of module ``module`` (its family) from a template.

    ``check(impl, **drawn)`` is the property's body; the test function ``test_<name>`` is set in
    that module's namespace, so pytest collects it.
    """

    def prop(impl, **values):
        check(impl, **values)

    prop.__name__ = prop.__qualname__ = f"test_{name}"
    prop.__module__ = module
    prop.__doc__ = doc
    test = spec_property(requires=list(requires), level=level, settings=settings,
                         **strategies_)(prop)
    setattr(sys.modules[module], test.__name__, test)
    return test


def _define(name, requires, check, doc, **strategies_):
    return define_property(__name__, name, requires, check, doc, **strategies_)


# Shapes that are empty, and pairs of shapes that must not be mixed (the second pair broadcasts
# silently to (n, n) in NumPy and TensorFlow: the classic bug it must catch).
EMPTY_SHAPES = st.sampled_from([(0,), (0, 3), (2, 0)])
MISMATCHED_SHAPES = st.sampled_from([((3,), (4,)), ((3,), (3, 1)), ((2, 3), (3, 2)), ((2, 3), (2, 4))])
OUTSIDE_ZERO_ONE = st.sampled_from([-0.5, -1e-3, 1.001, 2.0])

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
    """Valid probability vectors along the last axis that sum to exactly 1 in any float dtype
    (1/2, 1/4, ..., 2^-(n-1), 2^-(n-1)), so that only the rule under test is broken."""
    n = shape[-1]
    row = np.array([2.0 ** -min(i + 1, n - 1) for i in range(n)]) if n > 1 else np.ones(1)
    return np.broadcast_to(row, shape).astype(dtype)


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


def _sum_rule(p) -> str:
    return (f"summing to {np.asarray(p, dtype=np.float64).sum(axis=-1)} in {p.dtype} (must sum "
            "to 1 within 1e-4 in float32, 1e-9 in float64)")


# --- activations ----------------------------------------------------------------------------

def _activation_rejects_empty(name):
    def check(impl, dtype, shape):
        x = np.zeros(shape, dtype=dtype)
        call = (lambda: impl.maxout(x, 1)) if name == "maxout" else (lambda: getattr(impl, name)(x))
        expect_value_error(call, "x", rule=f"{name} of an empty x of shape {shape} (x must not be "
                                           "empty)")
    return check


for _name in (*ACTIVATIONS, "maxout"):
    _define(f"{_name}_rejects_empty_input", [_name], _activation_rejects_empty(_name),
            f"{_name} of an empty x raises ValueError naming x.",
            dtype=strategies.dtypes(), shape=EMPTY_SHAPES)


@spec_property(requires=["maxout"], dtype=strategies.dtypes(), n=st.integers(1, 12), data=st.data())
def test_maxout_rejects_num_units_that_do_not_divide_the_axis(impl, dtype, n, data):
    x = np.arange(2 * n, dtype=dtype).reshape(2, n)
    num_units = data.draw(st.sampled_from([u for u in range(2, 2 * n + 2) if n % u]), label="num_units")
    expect_value_error(lambda: impl.maxout(x, num_units), "num_units",
                       rule=f"maxout of an axis of size {n} into {num_units} units (num_units "
                            "must divide the axis)")


# --- information theory ---------------------------------------------------------------------

# function -> (the argument names, how to call it with one bad argument in that position)
INFORMATION = {
    "self_information": ("p",),
    "entropy": ("p",),
    "joint_entropy": ("p_xy",),
    "cross_entropy": ("p", "q"),
    "kl_divergence": ("p", "q"),
}


def _information_calls(impl, name, bad):
    """(argument named, call) for each argument of ``name`` given ``bad`` (the others valid)."""
    fn = getattr(impl, name)
    arguments = INFORMATION[name]
    if len(arguments) == 1:
        return [(arguments[0], lambda: fn(bad))]
    good = _uniform(bad.shape, bad.dtype) if bad.size else bad
    return [("p", lambda: fn(bad, good)), ("q", lambda: fn(good, bad))]


def _information_rejects_empty(name):
    def check(impl, dtype, shape):
        empty = np.zeros(shape, dtype=dtype)
        fn = getattr(impl, name)
        call = (lambda: fn(empty, empty)) if name in PROBABILITY_PAIRS else (lambda: fn(empty))
        expect_value_error(call, one_of=INFORMATION[name],
                           rule=f"{name} of empty input of shape {shape} (must not be empty)")
    return check


def _information_rejects_negative(name):
    def check(impl, bad):
        for argument, call in _information_calls(impl, name, bad):
            expect_value_error(call, argument, rule=f"{name} with {argument} = {bad} (a "
                                                    "probability is >= 0)")
    return check


def _information_rejects_off_simplex(name):
    def check(impl, bad):
        for argument, call in _information_calls(impl, name, bad):
            expect_value_error(call, argument, rule=f"{name} with {argument} {_sum_rule(bad)}")
    return check


for _name in INFORMATION:
    _define(f"{_name}_rejects_empty_input", [_name], _information_rejects_empty(_name),
            f"{_name} of empty input raises ValueError naming it.",
            dtype=strategies.dtypes(), shape=EMPTY_SHAPES)
    _define(f"{_name}_rejects_negative_probabilities", [_name],
            _information_rejects_negative(_name),
            f"{_name} of a probability vector with a negative entry raises ValueError naming it.",
            bad=_negative_simplex())
    if _name != "self_information":  # elementwise: its p need not sum to 1
        _define(f"{_name}_rejects_probabilities_not_summing_to_one", [_name],
                _information_rejects_off_simplex(_name),
                f"{_name} of a probability vector not summing to 1 raises ValueError naming it.",
                bad=_off_simplex())


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
    try:
        impl.entropy(near.astype(dtype))
    except ValueError as error:
        raise AssertionError(f"entropy of {dtype.__name__} p summing to 1 - {tol / 10:g} raised "
                             f"ValueError, but sums within {tol:g} of 1 are valid: {error}") from None
    expect_value_error(lambda: impl.entropy(far.astype(dtype)), "p",
                       rule=f"entropy of {dtype.__name__} p summing to 1 - {10 * tol:g} (must sum "
                            f"to 1 within {tol:g})")


def _pair_rejects_mismatched_shapes(name):
    def check(impl, dtype, shapes):
        p, q = _uniform(shapes[0], dtype), _uniform(shapes[1], dtype)
        expect_value_error(lambda: getattr(impl, name)(p, q), "p", "q",
                           rule=f"{name} of p of shape {shapes[0]} and q of shape {shapes[1]} "
                                "(p and q must have one shape)")
    return check


for _name in PROBABILITY_PAIRS:
    _define(f"{_name}_rejects_mismatched_shapes", [_name], _pair_rejects_mismatched_shapes(_name),
            f"{_name} of p and q of different shapes raises ValueError naming both.",
            dtype=strategies.dtypes(), shapes=MISMATCHED_SHAPES)


@spec_property(requires=["self_information"], dtype=strategies.dtypes(),
               where=st.integers(0, 2))
def test_self_information_rejects_zero_probability(impl, dtype, where):
    """p in (0, 1]: -log 0 is not a number of bits; a p of 0 raises ValueError naming p."""
    p = np.array([0.5, 0.25, 1.0], dtype=dtype)
    p[where] = 0
    expect_value_error(lambda: impl.self_information(p), "p",
                       rule=f"self_information of p = {p} (p must be in (0, 1])")


def _rejects_bad_base(name):
    def check(impl, dtype, base):
        p = np.array([0.5, 0.5], dtype=dtype)
        expect_value_error(lambda: getattr(impl, name)(p, base=base), "base",
                           rule=f"{name} in base {base} (base must be > 0 and not 1)")
    return check


for _name in ("entropy", "self_information"):
    _define(f"{_name}_rejects_a_base_that_is_not_positive_and_not_one", [_name],
            _rejects_bad_base(_name), f"{_name} in base <= 0 or 1 raises ValueError naming base.",
            dtype=strategies.dtypes(), base=st.sampled_from([1, 1.0, 0, -2.0]))


# --- distributions --------------------------------------------------------------------------

def _calls_with_p(impl, name, p, dtype):
    """``name`` called with the probability ``p`` (a scalar) where its probability goes."""
    x = np.array([0, 1, 1])
    if name == "bernoulli_pmf":
        return lambda: impl.bernoulli_pmf(x, np.full(3, p, dtype=dtype))
    if name == "bernoulli_log_likelihood":
        return lambda: impl.bernoulli_log_likelihood(x, np.full(3, p, dtype=dtype))
    if name == "binomial_pmf":
        return lambda: impl.binomial_pmf(np.array([0, 1, 2]), 4, dtype(p))
    if name == "beta_pdf":
        return lambda: impl.beta_pdf(np.full(3, p, dtype=dtype), dtype(2.0), dtype(3.0))
    # multinomial_pmf: p sums to 1 with an entry outside [0, 1]
    vector = (np.array([0.5, 0.5 - p, p], dtype=dtype) if p < 0
              else np.array([p, 1 - p], dtype=dtype))
    return lambda: impl.multinomial_pmf(np.ones(vector.shape, dtype=np.int64), vector)


def _rejects_p_outside_zero_one(name, argument):
    def check(impl, dtype, bad):
        expect_value_error(_calls_with_p(impl, name, bad, dtype), argument,
                           rule=f"{name} with {argument} = {bad} ({argument} must be in [0, 1])")
    return check


for _name, _argument in [("bernoulli_pmf", "p"), ("bernoulli_log_likelihood", "p"),
                         ("binomial_pmf", "p"), ("multinomial_pmf", "p"), ("beta_pdf", "theta")]:
    _define(f"{_name}_rejects_{'theta' if _argument == 'theta' else 'probabilities'}_outside_zero_one",
            [_name], _rejects_p_outside_zero_one(_name, _argument),
            f"{_name} with {_argument} outside [0, 1] raises ValueError naming {_argument}.",
            dtype=strategies.dtypes(), bad=OUTSIDE_ZERO_ONE)


@spec_property(requires=["multinomial_pmf"], bad=_off_simplex())
def test_multinomial_pmf_rejects_p_not_summing_to_one(impl, bad):
    counts = np.ones(bad.shape, dtype=np.int64)
    expect_value_error(lambda: impl.multinomial_pmf(counts, bad), "p",
                       rule=f"multinomial_pmf with p {_sum_rule(bad)}")


def _rejects_non_binary_observations(name):
    def check(impl, dtype, bad):
        x = np.array([0, 1, bad], dtype=dtype)
        half = np.full(3, 0.5, dtype=dtype)
        call = {"bernoulli_pmf": lambda: impl.bernoulli_pmf(x, half),
                "bernoulli_log_likelihood": lambda: impl.bernoulli_log_likelihood(x, half),
                "beta_bernoulli_posterior":
                    lambda: impl.beta_bernoulli_posterior(dtype(1.0), dtype(1.0), x)}[name]
        expect_value_error(call, "x", rule=f"{name} with an observation x = {bad} (x must be 0 "
                                           "or 1)")
    return check


for _name in ("bernoulli_pmf", "bernoulli_log_likelihood", "beta_bernoulli_posterior"):
    _define(f"{_name}_rejects_observations_other_than_zero_and_one", [_name],
            _rejects_non_binary_observations(_name),
            f"{_name} of observations other than 0 and 1 raises ValueError naming x.",
            dtype=strategies.dtypes(), bad=st.sampled_from([2, -1, 0.5, 3.0]))


def _distribution_rejects_empty(name):
    def check(impl, dtype):
        empty = np.zeros(0, dtype=dtype)
        half = dtype(0.5)
        call, argument = {
            "bernoulli_pmf": (lambda: impl.bernoulli_pmf(empty, half), ("x",)),
            "bernoulli_log_likelihood": (lambda: impl.bernoulli_log_likelihood(empty, half),
                                         ("x",)),
            "binomial_pmf": (lambda: impl.binomial_pmf(np.zeros(0, dtype=np.int64), 3, half),
                             ("k",)),
            "multinomial_pmf": (lambda: impl.multinomial_pmf(np.zeros(0, dtype=np.int64), empty),
                                ("counts", "p")),
            "beta_pdf": (lambda: impl.beta_pdf(empty, dtype(2.0), dtype(2.0)), ("theta",)),
            "beta_bernoulli_posterior": (
                lambda: impl.beta_bernoulli_posterior(dtype(1.0), dtype(1.0), empty), ("x",)),
        }[name]
        expect_value_error(call, one_of=argument,
                           rule=f"{name} of empty {' and '.join(argument)} (must not be empty)")
    return check


for _name in ("bernoulli_pmf", "bernoulli_log_likelihood", "binomial_pmf", "multinomial_pmf",
              "beta_pdf", "beta_bernoulli_posterior"):
    _define(f"{_name}_rejects_empty_input", [_name], _distribution_rejects_empty(_name),
            f"{_name} of empty input raises ValueError naming it.", dtype=strategies.dtypes())


@spec_property(requires=["multinomial_pmf"], dtype=strategies.dtypes(), m=st.integers(1, 5))
def test_multinomial_pmf_rejects_counts_and_p_of_different_lengths(impl, dtype, m):
    counts = np.ones(m + 1, dtype=np.int64)
    p = _uniform((m,), dtype)
    expect_value_error(lambda: impl.multinomial_pmf(counts, p), "counts", "p",
                       rule=f"multinomial_pmf of {m + 1} counts and {m} probabilities (counts "
                            "and p must have one length)")


# --- losses ---------------------------------------------------------------------------------

def _loss_rejects_empty(name):
    def check(impl, dtype, shape):
        empty = np.zeros(shape, dtype=dtype)
        if name == "l2_loss":
            expect_value_error(lambda: impl.l2_loss(empty), "x",
                               rule=f"l2_loss of an empty x of shape {shape} (must not be empty)")
            return
        second = LOSS_PAIRS[name]
        expect_value_error(lambda: getattr(impl, name)(empty, empty), one_of=("y_true", second),
                           rule=f"{name} of empty y_true and {second} of shape {shape} (must not "
                                "be empty)")
    return check


def _loss_rejects_mismatched_shapes(name):
    def check(impl, dtype, shapes):
        second = LOSS_PAIRS[name]
        y_true, _ = _valid_for(name, shapes[0], dtype)
        _, other = _valid_for(name, shapes[1], dtype)
        expect_value_error(lambda: getattr(impl, name)(y_true, other), "y_true", second,
                           rule=f"{name} of y_true of shape {shapes[0]} and {second} of shape "
                                f"{shapes[1]} (they must have one shape)")
    return check


for _name in (*LOSS_PAIRS, "l2_loss"):
    _define(f"{_name}_rejects_empty_input", [_name], _loss_rejects_empty(_name),
            f"{_name} of empty input raises ValueError naming it.",
            dtype=strategies.dtypes(), shape=EMPTY_SHAPES)
for _name in LOSS_PAIRS:
    _define(f"{_name}_rejects_mismatched_shapes", [_name], _loss_rejects_mismatched_shapes(_name),
            f"{_name} of y_true and {LOSS_PAIRS[_name]} of different shapes raises ValueError "
            "naming both.", dtype=strategies.dtypes(), shapes=MISMATCHED_SHAPES)


@spec_property(requires=["binary_cross_entropy"], dtype=strategies.dtypes(), bad=OUTSIDE_ZERO_ONE)
def test_binary_cross_entropy_rejects_probabilities_outside_zero_one(impl, dtype, bad):
    y = np.array([1.0, 0.0, 1.0], dtype=dtype)
    p = np.array([0.5, 0.5, bad], dtype=dtype)
    expect_value_error(lambda: impl.binary_cross_entropy(y, p), "p",
                       rule=f"binary_cross_entropy with p = {bad} (p must be in [0, 1])")


@spec_property(requires=["categorical_cross_entropy"], dtype=strategies.dtypes(),
               bad=OUTSIDE_ZERO_ONE)
def test_categorical_cross_entropy_rejects_probabilities_outside_zero_one(impl, dtype, bad):
    q = np.array([1 - bad, bad], dtype=dtype)  # sums to 1 with an entry outside [0, 1]
    one_hot = np.array([1.0, 0.0], dtype=dtype)
    expect_value_error(lambda: impl.categorical_cross_entropy(one_hot, q), "q",
                       rule=f"categorical_cross_entropy with q = {q} (entries must be in [0, 1])")


@spec_property(requires=["categorical_cross_entropy"], bad=_off_simplex())
def test_categorical_cross_entropy_rejects_q_not_summing_to_one(impl, bad):
    y = np.zeros(bad.shape, dtype=bad.dtype)
    y[..., 0] = 1
    expect_value_error(lambda: impl.categorical_cross_entropy(y, bad), "q",
                       rule=f"categorical_cross_entropy with q {_sum_rule(bad)}")


def _rejects_non_margin_labels(name):
    def check(impl, dtype, bad):
        y = np.array([1.0, -1.0, bad], dtype=dtype)
        score = np.array([0.3, -2.0, 1.0], dtype=dtype)
        expect_value_error(lambda: getattr(impl, name)(y, score), "y_true",
                           rule=f"{name} with a label y_true = {bad} (labels must be -1 or +1)")
    return check


for _name in ("hinge_loss", "exponential_loss"):
    _define(f"{_name}_rejects_labels_other_than_minus_one_and_one", [_name],
            _rejects_non_margin_labels(_name),
            f"{_name} of labels other than -1 and +1 raises ValueError naming y_true.",
            dtype=strategies.dtypes(), bad=st.sampled_from([0.0, 2.0, 0.5, -3.0]))


# --- averages -------------------------------------------------------------------------------

@spec_property(requires=["ewma"], dtype=strategies.dtypes(), shape=EMPTY_SHAPES)
def test_ewma_rejects_an_empty_series(impl, dtype, shape):
    expect_value_error(lambda: impl.ewma(np.zeros(shape, dtype=dtype), 0.9), "x",
                       rule=f"ewma of an empty series x of shape {shape} (must not be empty)")


@spec_property(requires=["ewma_weights"], beta=st.sampled_from([1.0, 1.5, -0.1]))
def test_ewma_weights_rejects_beta_outside_zero_one(impl, beta):
    expect_value_error(lambda: impl.ewma_weights(beta, 5), "beta",
                       rule=f"ewma_weights with beta = {beta} (beta must be in [0, 1))")


@spec_property(requires=["ewma_weights"], t=st.sampled_from([0, -3, 2.5]))
def test_ewma_weights_rejects_t_that_is_not_a_whole_number_from_one(impl, t):
    expect_value_error(lambda: impl.ewma_weights(0.9, t), "t",
                       rule=f"ewma_weights with t = {t} (t must be a whole number >= 1)")


# --- metrics --------------------------------------------------------------------------------

def _metric_rejects_empty(name):
    def check(impl):
        empty = np.zeros(0, dtype=np.int64)
        expect_value_error(lambda: getattr(impl, name)(empty, empty), one_of=("y_true", "y_pred"),
                           rule=f"{name} of empty y_true and y_pred (must not be empty)")
    return check


def _metric_rejects_mismatched_shapes(name):
    def check(impl, shapes):
        a, b = np.zeros(shapes[0], dtype=np.int64), np.zeros(shapes[1], dtype=np.int64)
        expect_value_error(lambda: getattr(impl, name)(a, b), "y_true", "y_pred",
                           rule=f"{name} of y_true of shape {shapes[0]} and y_pred of shape "
                                f"{shapes[1]} (they must have one shape)")
    return check


for _name in ("confusion_matrix", "accuracy", "error_rate", "recall", "precision",
              "false_positive_rate", "false_rejection_rate"):
    _define(f"{_name}_rejects_empty_labels", [_name], _metric_rejects_empty(_name),
            f"{_name} of empty labels raises ValueError naming them.")
    _define(f"{_name}_rejects_mismatched_shapes", [_name], _metric_rejects_mismatched_shapes(_name),
            f"{_name} of y_true and y_pred of different shapes raises ValueError naming both.",
            shapes=MISMATCHED_SHAPES)


# --- calculus -------------------------------------------------------------------------------

@spec_property(requires=["central_difference"])
def test_central_difference_rejects_an_empty_x(impl):
    expect_value_error(lambda: impl.central_difference(lambda v: 0.0, np.zeros(0)), "x",
                       rule="central_difference at an empty x (x must not be empty)")
