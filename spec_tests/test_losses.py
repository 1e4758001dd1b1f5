"""Properties of the losses (docs/contract.md, Losses).

Each loss is minimal at the true label; the cross-entropies agree with the Bernoulli likelihood,
with each other through sigmoid/softmax, and with TensorFlow and Keras (as oracles, in float64);
L1 is more robust to an outlier than L2.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.tolerances import assert_at_least, assert_close, tolerance

MATRIX = {"min_dims": 2, "max_dims": 2, "max_side": 5}  # (batch, n) shapes
TF = {"max_examples": 20}  # TensorFlow/Keras oracles: fewer examples


def _xlogy64(x, y):
    """x ln y in float64 with 0 ln 0 = 0."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(y))




@st.composite
def _label_and_prediction_arrays(draw, low=0.0, high=1.0, **shape_kwargs):
    """(y, p): two arrays of one dtype and shape with entries in [low, high]."""
    dtype = draw(strategies.dtypes())
    shape = draw(strategies.shapes(**shape_kwargs))
    y = draw(strategies.probability_arrays(dtype=dtype, shape=shape, low=low, high=high))
    p = draw(strategies.probability_arrays(dtype=dtype, shape=shape, low=low, high=high))
    return y, p


@st.composite
def _value_pairs(draw, **shape_kwargs):
    """(y, y_hat): two real arrays of one dtype and shape."""
    dtype = draw(strategies.dtypes())
    shape = draw(strategies.shapes(**shape_kwargs))
    return (draw(strategies.arrays(dtype=dtype, shape=shape)),
            draw(strategies.arrays(dtype=dtype, shape=shape)))


@st.composite
def _margins(draw, max_abs=20.0):
    """(y, f): labels in {-1, +1} and scores, of one dtype and shape."""
    dtype = draw(strategies.dtypes())
    shape = draw(strategies.shapes())
    y = draw(strategies.margin_labels(shape)).astype(dtype)
    f = draw(strategies.arrays(dtype=dtype, shape=shape, min_value=-max_abs, max_value=max_abs))
    return y, f


# --- each loss is minimal at the true label ------------------------------------------------

@spec_property(requires=["binary_cross_entropy"], yp=_label_and_prediction_arrays())
def test_binary_cross_entropy_is_minimal_at_p_equal_to_the_label(impl, yp):
    """-(y ln p + (1-y) ln(1-p)) >= its value at p = y, which is 0 for hard labels."""
    y, p = yp
    loss = impl.binary_cross_entropy(y, p)
    assert loss.dtype == y.dtype and loss.shape == y.shape, f"binary_cross_entropy: {loss.dtype}{loss.shape}"
    assert_close(loss, -(_xlogy64(y, p) + _xlogy64(1 - y.astype(np.float64), 1 - p.astype(np.float64))),
                 dtype=y.dtype, what="BCE vs float64 -(y ln p + (1 - y) ln(1 - p))")
    at_label = impl.binary_cross_entropy(y, y)
    assert_at_least(loss, at_label, y.dtype, "BCE(y, p) >= BCE(y, y)")
    hard = np.round(y)
    assert_close(impl.binary_cross_entropy(hard, hard), np.zeros(y.shape), dtype=y.dtype,
                 what="BCE at p = y for y in {0, 1}")


@spec_property(requires=["categorical_cross_entropy"], pq=strategies.simplex_pairs(q_positive=False))
def test_categorical_cross_entropy_is_minimal_at_q_equal_to_the_label(impl, pq):
    y, q = pq
    loss = impl.categorical_cross_entropy(y, q)
    assert loss.dtype == y.dtype and loss.shape == y.shape[:-1], f"categorical CE: {loss.dtype}{loss.shape}"
    assert_close(loss, -_xlogy64(y, q).sum(axis=-1), dtype=y.dtype, what="CE vs float64 -sum y ln q")
    assert_at_least(loss, impl.categorical_cross_entropy(y, y), y.dtype, "CE(y, q) >= CE(y, y)")
    one_hot = strategies.one_hot(y.argmax(axis=-1), y.shape[-1], dtype=y.dtype)
    assert_close(impl.categorical_cross_entropy(one_hot, one_hot), np.zeros(y.shape[:-1]),
                 dtype=y.dtype, what="CE at q = y for one-hot y")


@spec_property(requires=["squared_error", "absolute_error", "mean_squared_error", "mean_absolute_error"],
               pair=_value_pairs())
def test_squared_and_absolute_errors_are_zero_only_at_the_target(impl, pair):
    y, y_hat = pair
    diff = y.astype(np.float64) - y_hat.astype(np.float64)
    squared, absolute = impl.squared_error(y, y_hat), impl.absolute_error(y, y_hat)
    assert_close(squared, diff ** 2, dtype=y.dtype, what="squared_error vs (y - y_hat)^2")
    assert_close(absolute, np.abs(diff), dtype=y.dtype, what="absolute_error vs abs(y - y_hat)")
    clear = np.abs(diff) > 1e-3
    assert (squared[clear] > 0).all() and (absolute[clear] > 0).all(), "zero loss at y_hat != y"
    assert_close(impl.mean_squared_error(y, y_hat), (diff ** 2).mean(axis=-1), dtype=y.dtype, what="MSE")
    assert_close(impl.mean_absolute_error(y, y_hat), np.abs(diff).mean(axis=-1), dtype=y.dtype, what="MAE")
    for name in ("squared_error", "absolute_error", "mean_squared_error", "mean_absolute_error"):
        at_target = getattr(impl, name)(y, y)
        assert (at_target == 0).all(), f"{name}(y, y) = {at_target}, not 0"


@spec_property(requires=["hinge_loss"], yf=_margins())
def test_hinge_loss_is_zero_exactly_when_the_margin_is_at_least_one(impl, yf):
    y, f = yf
    loss = impl.hinge_loss(y, f)
    margin = y.astype(np.float64) * f.astype(np.float64)
    assert_close(loss, np.maximum(0.0, 1.0 - margin), dtype=y.dtype, what="hinge vs max(0, 1 - y f)")
    assert (loss[margin >= 1] == 0).all(), "hinge loss is not 0 where y f >= 1"
    assert (loss[margin < 1] > 0).all(), "hinge loss is 0 where y f < 1"


@spec_property(requires=["exponential_loss"], yf=_margins())
def test_exponential_loss_is_exp_of_minus_the_margin(impl, yf):
    y, f = yf
    loss = impl.exponential_loss(y, f)
    assert_close(loss, np.exp(-y.astype(np.float64) * f.astype(np.float64)), dtype=y.dtype,
                 what="exponential loss vs exp(-y f)")
    right = impl.exponential_loss(y, y * np.abs(f))  # scores on the side of the label
    assert (right <= 1 + tolerance(y.dtype)["atol"]).all(), "exp(-y f) > 1 where y f >= 0"


@spec_property(requires=["zero_one_loss"], pairs=strategies.label_pairs(max_classes=3),
               dtype=strategies.dtypes())
def test_zero_one_loss_is_zero_exactly_at_equality(impl, pairs, dtype):
    y_true, y_pred = (labels.astype(dtype) for labels in pairs[:2])
    loss = impl.zero_one_loss(y_true, y_pred)
    assert np.array_equal(loss, (y_true != y_pred).astype(np.float64)), f"0-1 loss {loss}"
    assert (impl.zero_one_loss(y_true, y_true) == 0).all(), "0-1 loss of a right prediction != 0"


# --- cross-entropies and likelihoods --------------------------------------------------------

@spec_property(requires=["binary_cross_entropy", "bernoulli_log_likelihood"],
               x=strategies.binary_observations(), dtype=strategies.dtypes(), data=st.data())
def test_binary_cross_entropy_summed_is_the_negative_bernoulli_log_likelihood(impl, x, dtype, data):
    """The MLE view: minimising the summed log loss maximises the likelihood (erratum 6: with logs)."""
    p = data.draw(strategies.probability_arrays(dtype=dtype, shape=x.shape, low=1e-6, high=1 - 1e-6), label="p")
    summed = impl.binary_cross_entropy(x.astype(dtype), p).astype(np.float64).sum()
    assert_close(summed, -impl.bernoulli_log_likelihood(x, p), dtype=dtype,
                 what="sum BCE vs -log-likelihood (per-sample p)")
    p0 = p[:1].copy()  # one p for every sample
    summed = impl.binary_cross_entropy(x.astype(dtype), np.full(x.shape, p0[0], dtype=dtype))
    assert_close(summed.astype(np.float64).sum(), -impl.bernoulli_log_likelihood(x, p0[0]), dtype=dtype,
                 what="sum BCE vs -log-likelihood (one p)")


@spec_property(requires=["binary_cross_entropy_with_logits", "binary_cross_entropy", "sigmoid"],
               data=st.data())
def test_binary_cross_entropy_with_logits_equals_bce_of_sigmoid(impl, data):
    """Logits up to 8 in size: beyond, 1 - sigmoid(z) loses its digits in float32."""
    y, _ = data.draw(_label_and_prediction_arrays(), label="y")
    z = data.draw(strategies.arrays(dtype=y.dtype, shape=y.shape, min_value=-8, max_value=8), label="z")
    expected = impl.binary_cross_entropy(y, impl.sigmoid(z))
    assert_close(impl.binary_cross_entropy_with_logits(y, z), expected, dtype=y.dtype,
                 what="BCE with logits vs BCE of sigmoid(logits)")


@spec_property(requires=["binary_cross_entropy_with_logits"], settings=TF, data=st.data())
def test_binary_cross_entropy_with_logits_matches_tf_nn_and_keras(impl, data):
    import keras
    import tensorflow as tf

    y, _ = data.draw(_label_and_prediction_arrays(**MATRIX), label="y")
    z = data.draw(strategies.arrays(dtype=y.dtype, shape=y.shape), label="z")  # up to 1e3
    loss = impl.binary_cross_entropy_with_logits(y, z)
    assert np.isfinite(loss).all(), f"BCE with logits is not finite: {loss}"
    y64, z64 = tf.constant(y.astype(np.float64)), tf.constant(z.astype(np.float64))
    expected = tf.nn.sigmoid_cross_entropy_with_logits(labels=y64, logits=z64).numpy()
    assert_close(loss, expected, dtype=y.dtype, what="vs tf.nn.sigmoid_cross_entropy_with_logits")
    per_sample = keras.losses.binary_crossentropy(y64, z64, from_logits=True).numpy()
    assert_close(loss.astype(np.float64).mean(axis=-1), per_sample, dtype=y.dtype,
                 what="mean over the last axis vs keras.losses.binary_crossentropy(from_logits=True)")


@spec_property(requires=["softmax_cross_entropy_with_logits", "categorical_cross_entropy", "softmax"],
               data=st.data())
def test_softmax_cross_entropy_with_logits_equals_categorical_cross_entropy_of_softmax(impl, data):
    y = data.draw(strategies.simplex(), label="y")
    z = data.draw(strategies.arrays(dtype=y.dtype, shape=y.shape, min_value=-10, max_value=10), label="z")
    expected = impl.categorical_cross_entropy(y, impl.softmax(z))
    assert_close(impl.softmax_cross_entropy_with_logits(y, z), expected, dtype=y.dtype,
                 what="softmax CE with logits vs categorical CE of softmax(logits)")


@spec_property(requires=["softmax_cross_entropy_with_logits"], settings=TF, data=st.data())
def test_softmax_cross_entropy_with_logits_matches_tf_nn(impl, data):
    import tensorflow as tf

    y = data.draw(strategies.simplex(batch=(3,)), label="y")
    z = data.draw(strategies.arrays(dtype=y.dtype, shape=y.shape), label="z")  # up to 1e3
    loss = impl.softmax_cross_entropy_with_logits(y, z)
    expected = tf.nn.softmax_cross_entropy_with_logits(labels=y.astype(np.float64),
                                                       logits=z.astype(np.float64)).numpy()
    assert_close(loss, expected, dtype=y.dtype, what="vs tf.nn.softmax_cross_entropy_with_logits")


@spec_property(requires=["l2_loss"], settings=TF, x=strategies.arrays())
def test_l2_loss_is_half_the_sum_of_squares_as_tf_nn_l2_loss(impl, x):
    import tensorflow as tf

    loss = impl.l2_loss(x)
    assert loss.shape == () and loss.dtype == x.dtype, f"l2_loss: {loss.dtype}{loss.shape}, not a scalar"
    expected = tf.nn.l2_loss(tf.constant(x.astype(np.float64))).numpy()
    assert_close(loss, expected, dtype=x.dtype, what="l2_loss vs tf.nn.l2_loss (sum x^2 / 2)")


@spec_property(requires=["mean_squared_error", "mean_absolute_error"], settings=TF,
               pair=_value_pairs(**MATRIX))
def test_mean_squared_and_absolute_errors_match_keras_losses_per_sample(impl, pair):
    import keras

    y, y_hat = pair
    y64, y_hat64 = y.astype(np.float64), y_hat.astype(np.float64)
    mse = keras.losses.MeanSquaredError(reduction=None, dtype="float64")(y64, y_hat64)
    mae = keras.losses.MeanAbsoluteError(reduction=None, dtype="float64")(y64, y_hat64)
    assert_close(impl.mean_squared_error(y, y_hat), np.asarray(mse), dtype=y.dtype,
                 what="vs keras.losses.MeanSquaredError(reduction=None)")
    assert_close(impl.mean_absolute_error(y, y_hat), np.asarray(mae), dtype=y.dtype,
                 what="vs keras.losses.MeanAbsoluteError(reduction=None)")


# --- robustness and the cost table ----------------------------------------------------------

def _best_constant(loss, y, candidates):
    """The candidate c minimising loss(y, c) (ties: the first), and the losses of all."""
    y_rows = np.tile(y, (len(candidates), 1))  # (candidates, n)
    c_rows = np.repeat(candidates[:, None], len(y), axis=1).astype(y.dtype)
    losses = loss(y_rows, c_rows).astype(np.float64)
    return candidates[int(np.argmin(losses))], losses


@spec_property(requires=["mean_absolute_error", "mean_squared_error"], dtype=strategies.dtypes(),
               data=st.data())
def test_l1_is_less_sensitive_to_one_outlier_than_l2(impl, dtype, data):
    """The constant minimising L1 (a median) moves less than the one minimising L2 (the mean)
    when one outlier at 1000 joins data in [-10, 10]."""
    n = data.draw(st.integers(3, 15), label="n")
    y = data.draw(hnp.arrays(dtype, n, elements=strategies.finite_floats(dtype, -10, 10)), label="y")
    moves = {}
    for name in ("mean_absolute_error", "mean_squared_error"):
        fitted = []
        for sample in (y, np.append(y, dtype(1000.0))):
            candidates = np.unique(np.append(sample, sample.astype(np.float64).mean().astype(dtype)))
            best, losses = _best_constant(getattr(impl, name), sample, candidates)
            optimum = np.median(sample) if name == "mean_absolute_error" else sample.astype(np.float64).mean()
            reference = np.abs(sample - optimum).mean() if name == "mean_absolute_error" else ((sample - optimum) ** 2).mean()
            assert_close(losses.min(), reference, dtype=dtype, what=f"min {name} vs its value at the "
                         f"{'median' if name == 'mean_absolute_error' else 'mean'}")
            fitted.append(float(best))
        moves[name] = abs(fitted[1] - fitted[0])
    assert moves["mean_absolute_error"] < moves["mean_squared_error"], (
        f"the L1 fit moved {moves['mean_absolute_error']:.3g}, the L2 fit {moves['mean_squared_error']:.3g}")


@spec_property(requires=["binary_cross_entropy"], dtype=strategies.dtypes())
def test_binary_cross_entropy_cost_table_zero_when_right_and_certain_infinite_when_certain_and_wrong(impl, dtype):
    y = np.array([1, 0, 1, 0, 1, 0], dtype=dtype)
    p = np.array([1, 0, 0, 1, 0.5, 0.5], dtype=dtype)
    cost = impl.binary_cross_entropy(y, p)
    expected = [0.0, 0.0, math.inf, math.inf, math.log(2), math.log(2)]
    assert not np.isnan(cost).any(), f"BCE cost table has NaN (0 ln 0 must be 0): {cost}"
    assert_close(cost, expected, dtype=dtype, what="BCE cost table")


@spec_property(requires=["binary_cross_entropy_with_logits"],
               y=st.sampled_from([0.0, 0.25, 1.0]), z=st.sampled_from([0.0, -1.5, 2.0]))
def test_binary_cross_entropy_with_logits_gradient_is_sigmoid_minus_label(impl, y, z):
    """d/dz BCE(y, sigmoid(z)) = sigmoid(z) - y, including at z = 0 where max and abs have kinks.

    The gradient comes from central differences of the implementation itself, so any framework
    is checked the same way.
    """
    eps = 1e-6
    f = lambda v: float(impl.binary_cross_entropy_with_logits(np.array([y]), np.array([v]))[0])  # noqa: E731
    numeric = (f(z + eps) - f(z - eps)) / (2 * eps)
    assert_close(numeric, 1 / (1 + np.exp(-z)) - y, dtype="float64", rtol=1e-6, atol=1e-7,
                 what="finite-difference gradient")
