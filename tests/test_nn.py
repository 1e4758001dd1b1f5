"""The from-scratch Keras layers and models of tfref.nn: weights tracked, training= honoured.

Keras 3 does not track a raw ``tf.Variable`` set as an attribute (design/architecture.md,
Lessons): a model that stores one trains nothing through it and saves without it. Every model
here must list all of its variables in ``model.variables`` and its parameters, with the right
count and shapes, in ``model.trainable_variables``. Dropout must be random in training and the
identity at inference, and models must pass ``training=`` on to their dropout layers (the
layer records the flag of its last call).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref.nn import (
    BPN,
    DropoutMLP,
    InvertedDropout,
    Perceptron,
    half_squared_error,
    perceptron_update,
    train_perceptron,
)
from tfref.nn import bpn as bpn_module
from tfref.train.handcoded import BPNStep


def _attribute_variables(obj, seen=None) -> list:
    """Every variable reachable through the attributes of ``obj`` and of its sublayers."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    found = []
    values = list(vars(obj).values()) if hasattr(obj, "__dict__") else []
    while values:
        value = values.pop()
        if isinstance(value, tf.Variable | keras.Variable):
            found.append(value)
        elif isinstance(value, list | tuple):
            values.extend(value)
        elif isinstance(value, dict):
            values.extend(value.values())
        elif isinstance(value, keras.layers.Layer):
            found.extend(_attribute_variables(value, seen))
    return found


def _assert_tracks_every_variable(model) -> None:
    tracked = {id(v) for v in model.variables}
    missing = [getattr(v, "path", getattr(v, "name", "?")) for v in _attribute_variables(model)
               if id(v) not in tracked]
    assert not missing, f"{type(model).__name__} holds variables Keras does not track: {missing}"


def _shapes(variables) -> list[tuple[int, ...]]:
    return [tuple(int(d) for d in v.shape) for v in variables]


# --- trainable variables ----------------------------------------------------------------------

def test_perceptron_exposes_its_kernel_as_its_only_trainable_variable():
    layer = Perceptron(units=3, seed=0)
    layer.build((None, 4))
    assert _shapes(layer.trainable_variables) == [(4, 3)]
    assert layer.trainable_variables[0] is layer.kernel
    _assert_tracks_every_variable(layer)


def test_bpn_exposes_its_four_parameters_with_002s_shapes():
    model = BPN(64, 10, hidden=30, seed=0)
    assert _shapes(model.trainable_variables) == [(64, 30), (1, 30), (30, 10), (1, 10)]
    assert [v.name for v in model.trainable_variables] == list(bpn_module.PARAMETER_NAMES)
    assert sum(int(np.prod(s)) for s in _shapes(model.trainable_variables)) == model.count_params()
    _assert_tracks_every_variable(model)


def test_dropout_mlp_exposes_every_dense_weight_and_nothing_trainable_for_dropout():
    model = DropoutMLP(hidden_units=(32, 16), num_outputs=10, rate=0.3, seed=0)
    model(tf.zeros((1, 64)), training=False)
    assert _shapes(model.trainable_variables) == [(64, 32), (32,), (32, 16), (16,), (16, 10), (10,)]
    for layer in model.dropout_layers:
        assert layer.trainable_variables == []
    _assert_tracks_every_variable(model)


def test_inverted_dropout_has_no_trainable_weights():
    layer = InvertedDropout(0.5, seed=0)
    layer(tf.ones((2, 3)), training=True)
    assert layer.trainable_weights == [] and layer.count_params() == 0
    _assert_tracks_every_variable(layer)


def test_the_variable_check_catches_a_raw_tf_variable_attribute():
    class Leaky(keras.layers.Layer):  # the anchor's pattern: Keras 3 does not track it
        def __init__(self):
            super().__init__()
            self.hidden_weight = tf.Variable(1.0)

    with pytest.raises(AssertionError, match="does not track"):
        _assert_tracks_every_variable(Leaky())


# --- dropout: random in training, identity at inference, training= passed ---------------------

def test_inverted_dropout_is_random_in_training_and_the_identity_at_inference():
    layer = InvertedDropout(0.5, seed=1)
    x = tf.random.stateless_normal((16, 32), seed=[1, 2])
    assert np.array_equal(layer(x, training=False).numpy(), x.numpy())
    assert np.array_equal(layer(x).numpy(), x.numpy()), "the default must be inference"
    first, second = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert not np.array_equal(first, second), "two training calls drew the same mask"
    kept = first != 0
    np.testing.assert_allclose(first[kept], 2.0 * x.numpy()[kept], rtol=1e-6)
    assert 0.3 < 1 - kept.mean() < 0.7


def test_inverted_dropout_is_repeatable_under_its_seed():
    x = tf.ones((8, 8))
    a, b = InvertedDropout(0.5, seed=3), InvertedDropout(0.5, seed=3)
    assert np.array_equal(a(x, training=True).numpy(), b(x, training=True).numpy())


def test_inverted_dropout_round_trips_its_config():
    layer = InvertedDropout(0.25, seed=7, name="drop")
    clone = InvertedDropout.from_config(layer.get_config())
    assert (clone.rate, clone.seed, clone.name) == (0.25, 7, "drop")


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_inverted_dropout_rejects_a_rate_outside_zero_one(rate):
    with pytest.raises(ValueError, match="rate"):
        InvertedDropout(rate)


def test_dropout_mlp_passes_training_to_every_dropout_layer():
    model = DropoutMLP(hidden_units=(16, 16), rate=0.5, seed=0)
    x = tf.ones((4, 64))
    model(x, training=True)
    assert [layer.last_training for layer in model.dropout_layers] == [True, True]
    model(x, training=False)
    assert [layer.last_training for layer in model.dropout_layers] == [False, False]
    model(x)
    assert [layer.last_training for layer in model.dropout_layers] == [False, False]

    @tf.function
    def compiled(inputs):
        return model(inputs, training=True)

    compiled(x)
    assert [layer.last_training for layer in model.dropout_layers] == [True, True]


def test_dropout_mlp_differs_between_training_and_inference_and_inference_repeats():
    model = DropoutMLP(hidden_units=(32,), rate=0.5, seed=0)
    x = tf.random.stateless_uniform((8, 64), seed=[0, 1])
    train_a, train_b = model(x, training=True).numpy(), model(x, training=True).numpy()
    infer_a, infer_b = model(x, training=False).numpy(), model(x, training=False).numpy()
    assert not np.array_equal(train_a, infer_a)
    assert not np.array_equal(train_a, train_b)
    assert np.array_equal(infer_a, infer_b)


def test_dropout_is_random_across_steps_inside_a_compiled_training_step():
    model = DropoutMLP(hidden_units=(16,), rate=0.5, seed=0)
    x = tf.ones((2, 64))

    @tf.function
    def forward():
        return model(x, training=True)

    assert not np.array_equal(forward().numpy(), forward().numpy()), (
        "a compiled training step reused one dropout mask")


# --- perceptron -------------------------------------------------------------------------------

def test_perceptron_update_is_w_plus_eta_x_transpose_error_against_numpy():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(8, 4)).astype(np.float64)
    y = rng.integers(0, 2, size=(8, 1)).astype(np.float64)
    w = rng.normal(size=(4, 1))
    for activation, f in (("sigmoid", lambda h: 1 / (1 + np.exp(-h))),
                          ("threshold", lambda h: (h > 0).astype(np.float64))):
        new_w, mse = perceptron_update(tf.constant(w), tf.constant(x), tf.constant(y), 0.4,
                                       activation)
        error = y - f(x @ w)
        np.testing.assert_allclose(new_w.numpy(), w + 0.4 * x.T @ error, rtol=1e-12)
        np.testing.assert_allclose(float(mse), np.mean(error**2), rtol=1e-12)


def test_train_perceptron_learns_002s_truth_table_and_stops_at_epsilon():
    from tfref.topics.perceptron import TRUTH_TABLE_INPUTS, TRUTH_TABLE_TARGETS

    layer = Perceptron(units=1, activation="sigmoid", stddev=2.0, seed=0)
    result = train_perceptron(layer, TRUTH_TABLE_INPUTS, TRUTH_TABLE_TARGETS, 0.4)
    assert result["converged"] and result["epochs"] < 1000
    assert result["errors"][-1] <= 1e-3 < result["errors"][-2]
    assert len(result["errors"]) == result["epochs"]
    predicted = layer(tf.constant(TRUTH_TABLE_INPUTS)).numpy() > 0.5
    assert np.array_equal(predicted, TRUTH_TABLE_TARGETS > 0.5)


def test_perceptron_rejects_an_unknown_activation():
    with pytest.raises(ValueError, match="activation"):
        Perceptron(activation="relu")


# --- BPN --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bpn_batch():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(12, 5))
    y = np.eye(3)[rng.integers(0, 3, size=12)]
    return x, y


def test_bpn_hand_gradients_equal_gradient_tape_in_float64(bpn_batch):
    x, y = bpn_batch
    model = BPN(5, 3, hidden=4, init="normal", seed=1, dtype="float64")
    by_hand, by_tape = model.hand_gradients(x, y), model.tape_gradients(x, y)
    for name in bpn_module.PARAMETER_NAMES:
        np.testing.assert_allclose(by_hand[name].numpy(), by_tape[name].numpy(), rtol=1e-10,
                                   atol=1e-13, err_msg=name)


def test_bpn_hand_gradients_equal_central_differences(bpn_batch):
    x, y = bpn_batch
    model = BPN(5, 3, hidden=4, seed=2, dtype="float64")
    gradient = model.hand_gradients(x, y)["weights_1"].numpy()
    eps = 1e-6
    base = model.weights_1.numpy()
    for index in [(0, 0), (2, 3), (4, 1)]:
        values = []
        for sign in (1, -1):
            shifted = base.copy()
            shifted[index] += sign * eps
            model.weights_1.assign(shifted)
            values.append(float(half_squared_error(model(x, training=False), y)))
        model.weights_1.assign(base)
        np.testing.assert_allclose(gradient[index], (values[0] - values[1]) / (2 * eps),
                                   rtol=1e-6, atol=1e-9)


def test_bpn_002_steps_average_the_bias_deltas_errata_9(bpn_batch):
    x, y = bpn_batch
    model = BPN(5, 3, hidden=4, seed=3, dtype="float64")
    exact, as_002 = model.hand_gradients(x, y), model.updates_as_in_002(x, y)
    for name in ("weights_1", "weights_2"):
        np.testing.assert_allclose(as_002[name].numpy(), exact[name].numpy(), rtol=1e-12)
    for name in ("bias_1", "bias_2"):
        np.testing.assert_allclose(as_002[name].numpy() * len(x), exact[name].numpy(), rtol=1e-12)


def test_bpn_training_epoch_uses_no_gradient_tape(bpn_batch, monkeypatch):
    x, y = bpn_batch
    model = BPN(5, 3, hidden=4, seed=4)

    class NoTape:
        def __init__(self, *args, **kwargs):
            raise AssertionError("GradientTape used in hand-coded training")

    monkeypatch.setattr(tf, "GradientTape", NoTape)
    before = model.weights_1.numpy().copy()
    model.train_epoch(x.reshape(3, 4, 5), y.reshape(3, 4, 3), 0.5)
    assert not np.array_equal(before, model.weights_1.numpy())


def test_bpn_training_epoch_equals_the_same_hand_steps_run_eagerly(bpn_batch):
    x, y = bpn_batch
    compiled, eager = (BPN(5, 3, hidden=4, seed=5, dtype="float64") for _ in range(2))
    compiled.train_epoch(x.reshape(3, 4, 5), y.reshape(3, 4, 3), 0.5)
    for i in range(3):
        eager.hand_step(x[4 * i:4 * i + 4], y[4 * i:4 * i + 4], 0.5)
    for name in bpn_module.PARAMETER_NAMES:
        np.testing.assert_allclose(getattr(compiled, name).numpy(), getattr(eager, name).numpy(),
                                   rtol=1e-12, atol=1e-14, err_msg=name)


def test_engine_bpn_step_and_bpn_model_share_the_formulas(bpn_batch):
    # BPNStep (batch-mean steps, trained by tfref.train.fit and timed by tfref bench) and the BPN
    # model (summed steps) call the same bpn_gradients: the step's gradients times n are the
    # model's, and one step at rate lr equals the model's hand step at rate lr / n.
    x, y = bpn_batch
    model = BPN(5, 3, hidden=4, seed=6, dtype="float64")
    w1, b1, w2, b2 = (getattr(model, name).numpy() for name in bpn_module.PARAMETER_NAMES)
    step = BPNStep([w1, b1[0], w2, b2[0]], learning_rate=0.5)
    gradients, error, y_hat = step.gradients(tf.constant(x), tf.constant(y))
    exact = model.hand_gradients(x, y)
    for got, name in zip(gradients, bpn_module.PARAMETER_NAMES):
        np.testing.assert_allclose(got.numpy() * len(x), np.reshape(exact[name], got.shape),
                                   rtol=1e-12, atol=1e-15, err_msg=name)
    np.testing.assert_allclose(y_hat.numpy(), model(x, training=False).numpy(), rtol=1e-14)
    np.testing.assert_allclose(error.numpy(), y_hat.numpy() - y, rtol=1e-14)
    step.train_step(tf.constant(x), tf.constant(y))
    model.hand_step(x, y, 0.5 / len(x))
    for variable, name in zip([step.w1, step.b1, step.w2, step.b2], bpn_module.PARAMETER_NAMES):
        np.testing.assert_allclose(variable.numpy(), np.reshape(getattr(model, name).numpy(),
                                                                variable.shape),
                                   rtol=1e-12, atol=1e-15, err_msg=name)


def test_bpn_gradients_reject_an_unknown_reduction(bpn_batch):
    x, y = bpn_batch
    model = BPN(5, 3, hidden=4, seed=7, dtype="float64")
    parameters = [getattr(model, name) for name in bpn_module.PARAMETER_NAMES]
    with pytest.raises(ValueError, match="biases must be 'sum' or 'mean'"):
        bpn_module.bpn_gradients(x, y, *parameters, biases="median")


def test_bpn_rejects_an_unknown_init():
    with pytest.raises(ValueError, match="init"):
        BPN(4, 2, init="zeros")
