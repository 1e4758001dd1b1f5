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
from tfref.train import fit
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
    model = BPN(bpn_module.initial_parameters(64, 10, hidden=30, seed=0), 0.1)
    assert _shapes(model.parameters) == [(64, 30), (1, 30), (30, 10), (1, 10)]
    assert [v.name.split(":")[0] for v in model.parameters] == list(bpn_module.PARAMETER_NAMES)
    assert {id(v) for v in model.trainable_variables} == {id(v) for v in model.parameters}
    assert model.checkpoint_variables()["step"] == model.parameters


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


def _bpn_parameters(seed, init="scaled"):
    return bpn_module.initial_parameters(5, 3, hidden=4, init=init, seed=seed, dtype="float64")


def test_bpn_hand_gradients_equal_gradient_tape_in_float64(bpn_batch):
    x, y = bpn_batch
    parameters = _bpn_parameters(1, init="normal")
    by_hand, _, _ = bpn_module.bpn_gradients(x, y, *parameters)
    by_tape = bpn_module.tape_gradients(x, y, *parameters)
    for name, hand, tape in zip(bpn_module.PARAMETER_NAMES, by_hand, by_tape, strict=True):
        np.testing.assert_allclose(hand.numpy(), tape.numpy(), rtol=1e-10, atol=1e-13,
                                   err_msg=name)


def test_bpn_hand_gradients_equal_central_differences(bpn_batch):
    x, y = bpn_batch
    parameters = _bpn_parameters(2)
    gradient = bpn_module.bpn_gradients(x, y, *parameters)[0][0].numpy()
    eps = 1e-6
    for index in [(0, 0), (2, 3), (4, 1)]:
        values = []
        for sign in (1, -1):
            shifted = parameters[0].copy()
            shifted[index] += sign * eps
            y_hat = bpn_module.bpn_forward(x, shifted, *parameters[1:])["y_hat"]
            values.append(float(half_squared_error(y_hat, y)))
        np.testing.assert_allclose(gradient[index], (values[0] - values[1]) / (2 * eps),
                                   rtol=1e-6, atol=1e-9)


def test_bpn_002_steps_average_the_bias_deltas_errata_9(bpn_batch):
    x, y = bpn_batch
    parameters = _bpn_parameters(3)
    exact, _, _ = bpn_module.bpn_gradients(x, y, *parameters)
    as_002, _, _ = bpn_module.bpn_gradients(x, y, *parameters, weights="sum", biases="mean")
    mean, _, _ = bpn_module.bpn_gradients(x, y, *parameters, weights="mean", biases="mean")
    for i in (0, 2):  # weights
        np.testing.assert_allclose(as_002[i].numpy(), exact[i].numpy(), rtol=1e-12)
        np.testing.assert_allclose(mean[i].numpy() * len(x), exact[i].numpy(), rtol=1e-12)
    for i in (1, 3):  # biases
        np.testing.assert_allclose(as_002[i].numpy() * len(x), exact[i].numpy(), rtol=1e-12)


def test_bpn_trains_through_the_engine_with_no_gradient_tape(bpn_batch, monkeypatch):
    x, y = bpn_batch
    model = BPN(_bpn_parameters(4), 0.5, weight_steps="sum", bias_steps="sum")

    class NoTape:
        def __init__(self, *args, **kwargs):
            raise AssertionError("GradientTape used in hand-coded training")

    monkeypatch.setattr(tf, "GradientTape", NoTape)
    before = model.w1.numpy().copy()
    fit(model, x, y, epochs=1, batch_size=4, shuffle=False, jit_compile=False, progress=False)
    assert not np.array_equal(before, model.w1.numpy())


def test_bpn_engine_epoch_equals_the_same_hand_steps_run_eagerly(bpn_batch):
    # One training loop: tfref.train.fit runs BPN.train_step; three batches of 4 in order equal
    # three eager steps, and the batch-mean BPNStep at 4 * eta equals the summed BPN at eta.
    x, y = bpn_batch
    compiled = BPN(_bpn_parameters(5), 0.5, weight_steps="sum", bias_steps="sum")
    eager = BPNStep([np.ravel(p) if p.shape[0] == 1 else p for p in _bpn_parameters(5)],
                    0.5 * 4)
    fit(compiled, x, y, epochs=1, batch_size=4, shuffle=False, jit_compile=False,
        progress=False)
    for i in range(3):
        eager.train_step(tf.constant(x[4 * i:4 * i + 4]), tf.constant(y[4 * i:4 * i + 4]))
    for got, want, name in zip(compiled.parameters, eager.parameters,
                               bpn_module.PARAMETER_NAMES, strict=True):
        np.testing.assert_allclose(np.reshape(got.numpy(), want.shape), want.numpy(),
                                   rtol=1e-12, atol=1e-14, err_msg=name)


def test_bpn_step_is_the_engine_bpn_step():
    assert BPNStep is BPN


def test_bpn_gradients_reject_an_unknown_reduction(bpn_batch):
    x, y = bpn_batch
    with pytest.raises(ValueError, match="biases must be 'sum' or 'mean'"):
        bpn_module.bpn_gradients(x, y, *_bpn_parameters(7), biases="median")
    with pytest.raises(ValueError, match="weight_steps must be 'sum' or 'mean'"):
        BPN(_bpn_parameters(7), 0.1, weight_steps="median")


def test_bpn_rejects_an_unknown_init():
    with pytest.raises(ValueError, match="init"):
        bpn_module.initial_parameters(4, 2, init="zeros")
