"""Properties of the losses (docs/contract.md, Losses).

Oracles: scipy.special (xlogy, xlog1py, log_expit, log_softmax), scipy.stats.bernoulli,
scikit-learn's regression and classification metrics, TensorFlow's ``tf.nn`` built-ins (run
apart, see spec_tests.tf_oracle) and float64 loops. Edge cases: certain and wrong predictions
cost +inf (never a clipped finite value), logits of 1e4 give exact finite losses, one-element
inputs. The categorical and mean losses reduce one vector in the maths properties; a batch of
rows reduced along the last axis is a convention (spec_tests/test_conventions.py).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.tf_oracle import tf_oracle
from spec_tests.tolerances import assert_at_least, assert_close, tolerance

TF = {"max_examples": 20}  # TensorFlow oracles: fewer examples
ONE_ELEMENT = st.sampled_from([(1,), (1, 1)])
LARGE = 1e4  # the size of the large logits


def _shapes(**shape_kwargs):
    """Array shapes, one-element shapes drawn often."""
    return st.one_of(ONE_ELEMENT, strategies.shapes(**shape_kwargs))


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def _logit_tolerance(dtype, z) -> dict:
    """The dtype's tolerance plus the rounding of the inputs carried by the loss: a loss of
    logits moves by at most 2 eps max abs(z) when each z_i moves by eps abs(z_i) (its gradient
    sums to at most 2 in absolute value); abs(z) <= 1e4 here, so this adds at most 5e-3 in
    float32."""
    tol = tolerance(dtype)
    scale = float(np.max(np.abs(z))) if np.size(z) else 0.0
    return {"rtol": tol["rtol"], "atol": tol["atol"] + 4 * float(np.finfo(dtype).eps) * scale}


@st.composite
def _label_and_prediction_arrays(draw, low=0.0, high=1.0, **shape_kwargs):
    """(y, p): two arrays of one dtype and shape with entries in [low, high]."""
    dtype = draw(strategies.dtypes())
    shape = draw(_shapes(**shape_kwargs))
    y = draw(strategies.probability_arrays(dtype=dtype, shape=shape, low=low, high=high))
    p = draw(strategies.probability_arrays(dtype=dtype, shape=shape, low=low, high=high))
    return y, p


@st.composite
def _value_pairs(draw, **shape_kwargs):
    """(y, y_hat): two real arrays of one dtype and shape."""
    dtype = draw(strategies.dtypes())
    shape = draw(_shapes(**shape_kwargs))
    return (draw(strategies.arrays(dtype=dtype, shape=shape)),
            draw(strategies.arrays(dtype=dtype, shape=shape)))


@st.composite
def _vector_pairs(draw, max_n=8):
    """(y, y_hat): two real vectors of one dtype and length (one row of a mean loss)."""
    dtype = draw(strategies.dtypes())
    n = draw(st.integers(1, max_n))
    return (draw(strategies.arrays(dtype=dtype, shape=(n,))),
            draw(strategies.arrays(dtype=dtype, shape=(n,))))


@st.composite
def _margins(draw, max_abs=20.0, **shape_kwargs):
    """(y, f): labels in {-1, +1} and scores, of one dtype and shape."""
    dtype = draw(strategies.dtypes())
    shape = draw(_shapes(**shape_kwargs))
    y = draw(strategies.margin_labels(shape)).astype(dtype)
    f = draw(strategies.arrays(dtype=dtype, shape=shape, min_value=-max_abs, max_value=max_abs))
    return y, f


def _labels_and_logits(dtype, shape, max_abs=LARGE):
    """Soft labels in [0, 1] (0, 1/2 and 1 often) and logits up to max_abs (+-max_abs often)."""
    label = st.one_of(st.sampled_from([0.0, 0.5, 1.0]),
                      strategies.finite_floats(dtype, 0.0, 1.0))
    logit = st.one_of(st.sampled_from([-max_abs, 0.0, max_abs]),
                      strategies.finite_floats(dtype, -max_abs, max_abs))
    return st.tuples(hnp.arrays(dtype, shape, elements=label), hnp.arrays(dtype, shape, elements=logit))


@st.composite
def _simplex_and_q(draw, q_zeros=True):
    """(y, q): two probability vectors of one dtype and length; q may hold zeros where y > 0."""
    dtype = draw(strategies.dtypes())
    n = draw(st.integers(1, 8))
    y = draw(strategies.simplex(dtype=dtype, n=n, batch=()))
    q = draw(strategies.simplex(dtype=dtype, n=n, batch=(), allow_zeros=q_zeros))
    return y, q


@st.composite
def _simplex_and_logits(draw, max_abs=LARGE):
    """(y, z): a probability vector and logits up to max_abs (entries of +-max_abs often)."""
    dtype = draw(strategies.dtypes())
    n = draw(st.integers(1, 8))
    y = draw(strategies.simplex(dtype=dtype, n=n, batch=()))
    logit = st.one_of(st.sampled_from([-max_abs, 0.0, max_abs]),
                      strategies.finite_floats(dtype, -max_abs, max_abs))
    return y, draw(hnp.arrays(dtype, (n,), elements=logit))


# --- TensorFlow oracles (computed apart from the implementation, in float64) -----------------

@tf_oracle
def tf_sigmoid_cross_entropy_with_logits(labels, logits):
    import tensorflow as tf

    return tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(labels),
                                                   logits=tf.constant(logits)).numpy()


@tf_oracle
def tf_softmax_cross_entropy_with_logits(labels, logits):
    import tensorflow as tf

    return tf.nn.softmax_cross_entropy_with_logits(labels=tf.constant(labels),
                                                   logits=tf.constant(logits)).numpy()


@tf_oracle
def tf_l2_loss(x):
    import tensorflow as tf

    return tf.nn.l2_loss(tf.constant(x)).numpy()


# --- binary cross-entropy -----------------------------------------------------------------------

@spec_property(requires=["binary_cross_entropy"],
               oracle={"binary_cross_entropy": "scipy.special.xlogy and xlog1py: "
                                               "-(xlogy(y, p) + xlog1py(1 - y, -p))"},
               yp=_label_and_prediction_arrays())
def test_binary_cross_entropy_matches_scipy_xlogy(impl, yp):
    """Soft labels; p anywhere in [0, 1], so certain and wrong entries are +inf."""
    from scipy.special import xlog1py, xlogy

    y, p = yp
    y64, p64 = _f64(y, p)
    expected = -(xlogy(y64, p64) + xlog1py(1 - y64, -p64))
    assert_close(impl.binary_cross_entropy(y, p), expected, dtype=y.dtype,
                 what="BCE vs -(xlogy(y, p) + xlog1py(1 - y, -p))")


@spec_property(requires=["binary_cross_entropy"],
               oracle={"binary_cross_entropy": "scipy.stats.bernoulli: -logpmf(y, p)"},
               dtype=strategies.dtypes(), data=st.data())
def test_binary_cross_entropy_of_hard_labels_is_minus_scipy_bernoulli_logpmf(impl, dtype, data):
    """For y in {0, 1}, BCE is -ln P(y | p). Every draw ends with the corner cases: right and
    certain (0), certain and wrong (+inf), and p at the smallest normal number of the dtype
    (ln p = -87.3 in float32, -708.4 in float64: a log clamped at -100 returns 100)."""
    from scipy.stats import bernoulli

    n = data.draw(st.integers(0, 12), label="n")
    y = data.draw(hnp.arrays(dtype, n, elements=st.sampled_from([0.0, 1.0])), label="y")
    p = data.draw(hnp.arrays(dtype, n, elements=st.one_of(
        st.sampled_from([0.0, 1.0]), strategies.finite_floats(dtype, 0.0, 1.0))), label="p")
    tiny = np.finfo(dtype).tiny
    y = np.concatenate([y, np.array([1, 0, 1, 0, 1, 0], dtype=dtype)])
    p = np.concatenate([p, np.array([1, 0, 0, 1, tiny, 1 - np.finfo(dtype).epsneg], dtype=dtype)])
    y64, p64 = _f64(y, p)
    assert_close(impl.binary_cross_entropy(y, p), -bernoulli.logpmf(y64.astype(np.int64), p64),
                 dtype=dtype, what="BCE of hard labels vs -scipy.stats.bernoulli.logpmf")


@spec_property(requires=["binary_cross_entropy"],
               oracle={"binary_cross_entropy": "closed form: 0 when right and certain, +inf "
                                               "when certain and wrong, ln 2 at p = 1/2"},
               dtype=strategies.dtypes())
def test_binary_cross_entropy_cost_table_zero_when_right_and_certain_infinite_when_certain_and_wrong(impl, dtype):
    y = np.array([1, 0, 1, 0, 1, 0, 0.5, 0.5, 0.5], dtype=dtype)
    p = np.array([1, 0, 0, 1, 0.5, 0.5, 0, 1, 0.5], dtype=dtype)
    expected = [0.0, 0.0, math.inf, math.inf, math.log(2), math.log(2), math.inf, math.inf,
                math.log(2)]
    assert_close(impl.binary_cross_entropy(y, p), expected, dtype=dtype, what="BCE cost table")
    assert_close(impl.binary_cross_entropy(y[:1], p[:1]), expected[:1], dtype=dtype,
                 what="BCE of one element")


@spec_property(requires=["binary_cross_entropy"], yp=_label_and_prediction_arrays())
def test_binary_cross_entropy_is_minimal_at_p_equal_to_the_label(impl, yp):
    """BCE(y, p) >= BCE(y, y) (Gibbs), and BCE(y, y) = 0 for hard labels."""
    y, p = yp
    assert_at_least(impl.binary_cross_entropy(y, p), impl.binary_cross_entropy(y, y), y.dtype,
                    "BCE(y, p) >= BCE(y, y)")
    hard = np.round(y)
    assert_close(impl.binary_cross_entropy(hard, hard), np.zeros(y.shape), dtype=y.dtype,
                 what="BCE at p = y for y in {0, 1}")


@spec_property(requires=["binary_cross_entropy", "bernoulli_log_likelihood"],
               x=strategies.binary_observations(), dtype=strategies.dtypes(), data=st.data())
def test_binary_cross_entropy_summed_is_the_negative_bernoulli_log_likelihood(impl, x, dtype, data):
    """The MLE view: minimising the summed log loss maximises the likelihood (erratum 6: with logs)."""
    p = data.draw(strategies.probability_arrays(dtype=dtype, shape=x.shape, low=1e-6, high=1 - 1e-6), label="p")
    summed = np.asarray(impl.binary_cross_entropy(x.astype(dtype), p), dtype=np.float64).sum()
    assert_close(summed, -impl.bernoulli_log_likelihood(x, p), dtype=dtype,
                 what="sum BCE vs -log-likelihood (per-sample p)")
    p0 = p[:1].copy()  # one p for every sample
    summed = impl.binary_cross_entropy(x.astype(dtype), np.full(x.shape, p0[0], dtype=dtype))
    assert_close(np.asarray(summed, dtype=np.float64).sum(), -impl.bernoulli_log_likelihood(x, p0[0]),
                 dtype=dtype, what="sum BCE vs -log-likelihood (one p)")


# --- binary cross-entropy with logits ---------------------------------------------------------

@spec_property(requires=["binary_cross_entropy_with_logits"],
               oracle={"binary_cross_entropy_with_logits":
                       "scipy.special.log_expit: -(y log_expit(z) + (1 - y) log_expit(-z))"},
               dtype=strategies.dtypes(), shape=_shapes(), data=st.data())
def test_binary_cross_entropy_with_logits_matches_scipy_log_expit(impl, dtype, shape, data):
    """Logits up to 1e4 (exp(1e4) overflows: the loss must stay finite and exact)."""
    from scipy.special import log_expit

    y, z = data.draw(_labels_and_logits(dtype, shape), label="y, z")
    y64, z64 = _f64(y, z)
    expected = -(y64 * log_expit(z64) + (1 - y64) * log_expit(-z64))
    assert_close(impl.binary_cross_entropy_with_logits(y, z), expected, dtype=dtype,
                 **_logit_tolerance(dtype, z), what="BCE with logits vs scipy log_expit")


@spec_property(requires=["binary_cross_entropy_with_logits"],
               oracle={"binary_cross_entropy_with_logits":
                       "closed form: max(z, 0) - z y exactly at z = +-1e4"},
               dtype=strategies.dtypes())
def test_binary_cross_entropy_with_logits_is_finite_and_exact_at_logits_of_1e4(impl, dtype):
    """ln(1 + exp(-1e4)) is 0 to every precision, so the loss is max(z, 0) - z y exactly."""
    y = np.array([0, 1, 0.5, 0.25, 0, 1, 0.5], dtype=dtype)
    z = np.array([LARGE, LARGE, LARGE, LARGE, -LARGE, -LARGE, -LARGE], dtype=dtype)
    expected = [1e4, 0.0, 5e3, 7.5e3, 0.0, 1e4, 5e3]
    assert_close(impl.binary_cross_entropy_with_logits(y, z), expected, dtype=dtype,
                 what="BCE with logits at z = +-1e4")
    assert_close(impl.binary_cross_entropy_with_logits(y[:1], z[:1]), expected[:1], dtype=dtype,
                 what="BCE with logits of one element")


@spec_property(requires=["binary_cross_entropy_with_logits"], settings=TF,
               oracle={"binary_cross_entropy_with_logits": "tf.nn.sigmoid_cross_entropy_with_logits"},
               dtype=strategies.dtypes(), shape=_shapes(max_dims=2), data=st.data())
def test_binary_cross_entropy_with_logits_matches_tf_nn_sigmoid_cross_entropy_with_logits(impl, dtype, shape, data):
    y, z = data.draw(_labels_and_logits(dtype, shape), label="y, z")
    expected = tf_sigmoid_cross_entropy_with_logits(*_f64(y, z))
    assert_close(impl.binary_cross_entropy_with_logits(y, z), expected, dtype=dtype,
                 **_logit_tolerance(dtype, z), what="vs tf.nn.sigmoid_cross_entropy_with_logits")


@spec_property(requires=["binary_cross_entropy_with_logits", "binary_cross_entropy", "sigmoid"],
               data=st.data())
def test_binary_cross_entropy_with_logits_equals_bce_of_sigmoid(impl, data):
    """Logits up to 8 in size: beyond, 1 - sigmoid(z) loses its digits in float32."""
    y, _ = data.draw(_label_and_prediction_arrays(), label="y")
    z = data.draw(strategies.arrays(dtype=y.dtype, shape=y.shape, min_value=-8, max_value=8), label="z")
    expected = impl.binary_cross_entropy(y, impl.sigmoid(z))
    assert_close(impl.binary_cross_entropy_with_logits(y, z), expected, dtype=y.dtype,
                 what="BCE with logits vs BCE of sigmoid(logits)")


@spec_property(requires=["binary_cross_entropy_with_logits"],
               y=st.sampled_from([0.0, 0.25, 1.0]), z=st.sampled_from([0.0, -1.5, 2.0]))
def test_binary_cross_entropy_with_logits_gradient_is_sigmoid_minus_label(impl, y, z):
    """d/dz BCE(y, sigmoid(z)) = sigmoid(z) - y, including at z = 0 where max and abs have kinks.

    The gradient comes from central differences of the implementation itself (float64 input),
    so any framework is checked the same way.
    """
    eps = 1e-6

    def f(v):
        return float(np.asarray(impl.binary_cross_entropy_with_logits(np.array([y]), np.array([v]))).ravel()[0])

    numeric = (f(z + eps) - f(z - eps)) / (2 * eps)
    assert_close(numeric, 1 / (1 + np.exp(-z)) - y, dtype="float64", rtol=1e-6, atol=1e-7,
                 what="finite-difference gradient")


# --- squared and absolute errors --------------------------------------------------------------

def _sklearn_per_element(metric, y, y_hat):
    """A scikit-learn regression metric of each element alone: one sample, one output each."""
    y64, y_hat64 = _f64(y, y_hat)
    return metric(y64.reshape(1, -1), y_hat64.reshape(1, -1), multioutput="raw_values").reshape(y.shape)


@spec_property(requires=["squared_error"],
               oracle={"squared_error": "sklearn.metrics.mean_squared_error of each element"},
               pair=_value_pairs())
def test_squared_error_matches_sklearn_mean_squared_error_per_element(impl, pair):
    from sklearn.metrics import mean_squared_error

    y, y_hat = pair
    assert_close(impl.squared_error(y, y_hat), _sklearn_per_element(mean_squared_error, y, y_hat),
                 dtype=y.dtype, what="squared_error vs sklearn mean_squared_error per element")
    at_target = np.asarray(impl.squared_error(y, y))
    assert np.all(at_target == 0), f"squared_error(y, y) = {at_target}, not 0"


@spec_property(requires=["absolute_error"],
               oracle={"absolute_error": "sklearn.metrics.mean_absolute_error of each element"},
               pair=_value_pairs())
def test_absolute_error_matches_sklearn_mean_absolute_error_per_element(impl, pair):
    from sklearn.metrics import mean_absolute_error

    y, y_hat = pair
    assert_close(impl.absolute_error(y, y_hat), _sklearn_per_element(mean_absolute_error, y, y_hat),
                 dtype=y.dtype, what="absolute_error vs sklearn mean_absolute_error per element")
    at_target = np.asarray(impl.absolute_error(y, y))
    assert np.all(at_target == 0), f"absolute_error(y, y) = {at_target}, not 0"


@spec_property(requires=["mean_squared_error"],
               oracle={"mean_squared_error": "sklearn.metrics.mean_squared_error"},
               pair=_vector_pairs())
def test_mean_squared_error_matches_sklearn_mean_squared_error(impl, pair):
    from sklearn.metrics import mean_squared_error

    y, y_hat = pair
    assert_close(impl.mean_squared_error(y, y_hat), mean_squared_error(*_f64(y, y_hat)),
                 dtype=y.dtype, what="MSE of a vector vs sklearn mean_squared_error")
    at_target = np.asarray(impl.mean_squared_error(y, y))
    assert np.all(at_target == 0), f"mean_squared_error(y, y) = {at_target}, not 0"


@spec_property(requires=["mean_absolute_error"],
               oracle={"mean_absolute_error": "sklearn.metrics.mean_absolute_error"},
               pair=_vector_pairs())
def test_mean_absolute_error_matches_sklearn_mean_absolute_error(impl, pair):
    from sklearn.metrics import mean_absolute_error

    y, y_hat = pair
    assert_close(impl.mean_absolute_error(y, y_hat), mean_absolute_error(*_f64(y, y_hat)),
                 dtype=y.dtype, what="MAE of a vector vs sklearn mean_absolute_error")
    at_target = np.asarray(impl.mean_absolute_error(y, y))
    assert np.all(at_target == 0), f"mean_absolute_error(y, y) = {at_target}, not 0"


@st.composite
def _matrix_pairs_and_an_axis(draw):
    """(y, y_hat, axis): two real (rows, columns) arrays of one dtype, and an axis of them."""
    dtype = draw(strategies.dtypes())
    shape = draw(strategies.shapes(min_dims=2, max_dims=2, max_side=5))
    pair = [draw(strategies.arrays(dtype=dtype, shape=shape)) for _ in range(2)]
    return (*pair, draw(st.sampled_from([0, 1, -1, -2])))


def _check_mean_loss_along(impl, name, metric, inputs):
    """``name`` along ``axis`` vs scikit-learn's ``metric`` with one output per column of the
    array turned so that ``axis`` runs over its samples (multioutput="raw_values")."""
    y, y_hat, axis = inputs
    y64, y_hat64 = (np.moveaxis(a, axis, 0) for a in _f64(y, y_hat))
    expected = metric(y64, y_hat64, multioutput="raw_values")
    assert_close(getattr(impl, name)(y, y_hat, axis=axis), expected, dtype=y.dtype,
                 what=f"{name}(axis={axis}) of shape {y.shape} vs sklearn along that axis")


@spec_property(requires=["mean_squared_error"],
               oracle={"mean_squared_error": "sklearn.metrics.mean_squared_error(multioutput="
                                             "'raw_values') along the given axis"},
               inputs=_matrix_pairs_and_an_axis())
def test_mean_squared_error_reduces_the_axis_it_is_given(impl, inputs):
    from sklearn.metrics import mean_squared_error

    _check_mean_loss_along(impl, "mean_squared_error", mean_squared_error, inputs)


@spec_property(requires=["mean_absolute_error"],
               oracle={"mean_absolute_error": "sklearn.metrics.mean_absolute_error(multioutput="
                                              "'raw_values') along the given axis"},
               inputs=_matrix_pairs_and_an_axis())
def test_mean_absolute_error_reduces_the_axis_it_is_given(impl, inputs):
    from sklearn.metrics import mean_absolute_error

    _check_mean_loss_along(impl, "mean_absolute_error", mean_absolute_error, inputs)


@spec_property(requires=["mean_absolute_error", "mean_squared_error"], dtype=strategies.dtypes(),
               data=st.data())
def test_l1_is_less_sensitive_to_one_outlier_than_l2(impl, dtype, data):
    """The constant minimising L1 (a median) moves less than the one minimising L2 (the mean)
    when one outlier at 1000 joins data in [-10, 10]."""
    n = data.draw(st.integers(3, 12), label="n")
    y = data.draw(hnp.arrays(dtype, n, elements=strategies.finite_floats(dtype, -10, 10)), label="y")
    moves = {}
    for name in ("mean_absolute_error", "mean_squared_error"):
        loss = getattr(impl, name)
        fitted = []
        for sample in (y, np.append(y, dtype(1000.0))):
            candidates = np.unique(np.append(sample, sample.astype(np.float64).mean().astype(dtype)))
            losses = np.array([float(np.asarray(loss(sample, np.full(sample.shape, c, dtype=dtype))))
                               for c in candidates])
            s64 = sample.astype(np.float64)
            if name == "mean_absolute_error":
                optimum, what = np.abs(s64 - np.median(s64)).mean(), "median"
            else:
                optimum, what = ((s64 - s64.mean()) ** 2).mean(), "mean"
            assert_close(losses.min(), optimum, dtype=dtype, what=f"min {name} vs its value at the {what}")
            fitted.append(float(candidates[int(np.argmin(losses))]))
        moves[name] = abs(fitted[1] - fitted[0])
    assert moves["mean_absolute_error"] < moves["mean_squared_error"], (
        f"the L1 fit moved {moves['mean_absolute_error']:.3g}, the L2 fit {moves['mean_squared_error']:.3g}")


# --- margin losses and the 0-1 loss ---------------------------------------------------------------

@spec_property(requires=["hinge_loss"],
               oracle={"hinge_loss": "sklearn.metrics.hinge_loss of each element"},
               yf=_margins(max_dims=2, max_side=4))
def test_hinge_loss_matches_sklearn_hinge_loss_per_element(impl, yf):
    from sklearn.metrics import hinge_loss

    y, f = yf
    y64, f64 = _f64(y, f)
    # One element at a time, beside a weightless sample of the other class (scikit-learn infers
    # the classes from y_true).
    expected = np.array([hinge_loss([label, -label], [score, 0.0], sample_weight=[1.0, 0.0])
                         for label, score in zip(y64.ravel(), f64.ravel())]).reshape(y.shape)
    assert_close(impl.hinge_loss(y, f), expected, dtype=y.dtype,
                 what="hinge loss vs sklearn.metrics.hinge_loss per element")


@spec_property(requires=["hinge_loss"], yf=_margins())
def test_hinge_loss_is_zero_exactly_when_the_margin_is_at_least_one(impl, yf):
    y, f = yf
    loss = np.asarray(impl.hinge_loss(y, f))
    margin = y.astype(np.float64) * f.astype(np.float64)
    assert np.all(loss[margin >= 1] == 0), f"hinge loss is not 0 where y f >= 1: {loss[margin >= 1]}"
    assert np.all(loss[margin < 1] > 0), f"hinge loss is not > 0 where y f < 1: {loss[margin < 1]}"


@spec_property(requires=["exponential_loss"],
               oracle={"exponential_loss": "float64 loop: math.exp(-y f) element by element"},
               yf=_margins())
def test_exponential_loss_matches_a_float64_loop_of_exp_minus_the_margin(impl, yf):
    y, f = yf
    expected = np.array([math.exp(-float(a) * float(b)) for a, b in zip(y.ravel(), f.ravel())])
    assert_close(impl.exponential_loss(y, f), expected.reshape(y.shape), dtype=y.dtype,
                 what="exponential loss vs exp(-y f)")


@spec_property(requires=["exponential_loss"], yf=_margins())
def test_exponential_loss_bounds_the_zero_one_loss_from_above(impl, yf):
    """exp(-y f) >= 1 where the sign is wrong (y f <= 0) and <= 1 where it is right."""
    y, f = yf
    loss = np.asarray(impl.exponential_loss(y, f), dtype=np.float64)
    margin = y.astype(np.float64) * f.astype(np.float64)
    slack = tolerance(y.dtype)["atol"] + tolerance(y.dtype)["rtol"]
    wrong, right = loss[margin <= 0], loss[margin >= 0]
    assert np.all(wrong >= 1 - slack), f"exp(-y f) < 1 where y f <= 0: {wrong}"
    assert np.all(right <= 1 + slack), f"exp(-y f) > 1 where y f >= 0: {right}"


@spec_property(requires=["zero_one_loss"],
               oracle={"zero_one_loss": "sklearn.metrics.zero_one_loss(normalize=False) of each element"},
               pairs=strategies.label_pairs(max_classes=3, max_size=20), dtype=strategies.dtypes())
def test_zero_one_loss_matches_sklearn_zero_one_loss_per_element(impl, pairs, dtype):
    from sklearn.metrics import zero_one_loss

    y_true, y_pred, _ = pairs
    expected = [zero_one_loss([a], [b], normalize=False) for a, b in zip(y_true, y_pred)]
    assert_close(impl.zero_one_loss(y_true.astype(dtype), y_pred.astype(dtype)), expected,
                 dtype=dtype, rtol=0, atol=0, what="0-1 loss vs sklearn zero_one_loss per element")


# --- categorical cross-entropy ---------------------------------------------------------------------

@spec_property(requires=["categorical_cross_entropy"],
               oracle={"categorical_cross_entropy": "scipy.special.xlogy: -sum xlogy(y, q)"},
               yq=_simplex_and_q())
def test_categorical_cross_entropy_matches_scipy_xlogy(impl, yq):
    """One vector; q may be 0 where y > 0 (then +inf)."""
    from scipy.special import xlogy

    y, q = yq
    y64, q64 = _f64(y, q)
    assert_close(impl.categorical_cross_entropy(y, q), -xlogy(y64, q64).sum(), dtype=y.dtype,
                 what="CE vs -sum xlogy(y, q)")


@spec_property(requires=["categorical_cross_entropy"],
               oracle={"categorical_cross_entropy": "closed form: +inf when q = 0 where y > 0, "
                                                    "ln 2, 0"},
               dtype=strategies.dtypes())
def test_categorical_cross_entropy_is_infinite_when_certain_and_wrong(impl, dtype):
    cases = [([0, 1, 0], [0.5, 0, 0.5], math.inf),  # certain of a class given probability 0
             ([0.5, 0.5], [1, 0], math.inf),
             ([1, 0], [1, 0], 0.0),
             ([0, 1], [0.5, 0.5], math.log(2)),
             ([1], [1], 0.0)]  # one class
    for y, q, expected in cases:
        loss = impl.categorical_cross_entropy(np.array(y, dtype=dtype), np.array(q, dtype=dtype))
        assert_close(loss, expected, dtype=dtype, what=f"CE(y={y}, q={q})")


@spec_property(requires=["categorical_cross_entropy"], yq=_simplex_and_q())
def test_categorical_cross_entropy_is_minimal_at_q_equal_to_the_label(impl, yq):
    """CE(y, q) >= CE(y, y) (Gibbs), and CE(y, y) = 0 for one-hot y."""
    y, q = yq
    assert_at_least(impl.categorical_cross_entropy(y, q), impl.categorical_cross_entropy(y, y),
                    y.dtype, "CE(y, q) >= CE(y, y)")
    one_hot = strategies.one_hot(int(y.argmax()), y.shape[-1], dtype=y.dtype)
    assert_close(impl.categorical_cross_entropy(one_hot, one_hot), 0.0, dtype=y.dtype,
                 what="CE at q = y for one-hot y")


# --- softmax cross-entropy with logits ----------------------------------------------------------

@spec_property(requires=["softmax_cross_entropy_with_logits"],
               oracle={"softmax_cross_entropy_with_logits":
                       "scipy.special.log_softmax: -sum y log_softmax(z)"},
               yz=_simplex_and_logits())
def test_softmax_cross_entropy_with_logits_matches_scipy_log_softmax(impl, yz):
    """One vector of logits up to 1e4: exp(1e4) overflows without max-subtraction."""
    from scipy.special import log_softmax

    y, z = yz
    y64, z64 = _f64(y, z)
    expected = -(y64 * log_softmax(z64)).sum()
    assert_close(impl.softmax_cross_entropy_with_logits(y, z), expected, dtype=y.dtype,
                 **_logit_tolerance(y.dtype, z), what="softmax CE with logits vs scipy log_softmax")


@spec_property(requires=["softmax_cross_entropy_with_logits"],
               oracle={"softmax_cross_entropy_with_logits":
                       "closed form: max z - z_label exactly at logits of +-1e4"},
               dtype=strategies.dtypes())
def test_softmax_cross_entropy_with_logits_is_finite_and_exact_at_logits_of_1e4(impl, dtype):
    """exp(-1e4) is 0 to every precision: -log_softmax(z)_i is max z - z_i exactly."""
    z = np.array([LARGE, 0.0, -LARGE], dtype=dtype)
    for y, expected in (([1, 0, 0], 0.0), ([0, 1, 0], 1e4), ([0, 0, 1], 2e4), ([0.5, 0, 0.5], 1e4)):
        loss = impl.softmax_cross_entropy_with_logits(np.array(y, dtype=dtype), z)
        assert_close(loss, expected, dtype=dtype, what=f"softmax CE with logits of y={y}, z={z}")
    assert_close(impl.softmax_cross_entropy_with_logits(np.array([1.0], dtype=dtype),
                                                        np.array([LARGE], dtype=dtype)),
                 0.0, dtype=dtype, what="softmax CE with logits of one class")


@spec_property(requires=["softmax_cross_entropy_with_logits"], settings=TF,
               oracle={"softmax_cross_entropy_with_logits": "tf.nn.softmax_cross_entropy_with_logits"},
               yz=_simplex_and_logits())
def test_softmax_cross_entropy_with_logits_matches_tf_nn(impl, yz):
    y, z = yz
    expected = tf_softmax_cross_entropy_with_logits(*_f64(y, z))
    assert_close(impl.softmax_cross_entropy_with_logits(y, z), expected, dtype=y.dtype,
                 **_logit_tolerance(y.dtype, z), what="vs tf.nn.softmax_cross_entropy_with_logits")


@spec_property(requires=["softmax_cross_entropy_with_logits", "categorical_cross_entropy", "softmax"],
               yz=_simplex_and_logits(max_abs=10.0))
def test_softmax_cross_entropy_with_logits_equals_categorical_cross_entropy_of_softmax(impl, yz):
    y, z = yz
    expected = impl.categorical_cross_entropy(y, impl.softmax(z))
    assert_close(impl.softmax_cross_entropy_with_logits(y, z), expected, dtype=y.dtype,
                 what="softmax CE with logits vs categorical CE of softmax(logits)")


# --- l2 loss ------------------------------------------------------------------------------------

@spec_property(requires=["l2_loss"], settings=TF, oracle={"l2_loss": "tf.nn.l2_loss"},
               x=strategies.arrays(shape=_shapes()))
def test_l2_loss_is_half_the_sum_of_squares_as_tf_nn_l2_loss(impl, x):
    assert_close(impl.l2_loss(x), tf_l2_loss(x.astype(np.float64)), dtype=x.dtype,
                 what="l2_loss vs tf.nn.l2_loss (sum x^2 / 2)")


@spec_property(requires=["l2_loss"],
               oracle={"l2_loss": "float64 loop: math.fsum of x_i * x_i, halved"},
               x=strategies.arrays(shape=_shapes()))
def test_l2_loss_matches_a_float64_loop(impl, x):
    expected = math.fsum(float(v) * float(v) for v in x.ravel()) / 2
    assert_close(impl.l2_loss(x), expected, dtype=x.dtype, what="l2_loss vs fsum(x^2) / 2")
