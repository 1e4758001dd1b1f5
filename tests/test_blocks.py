"""Model tests for tfref.nn.mlp and tfref.nn.blocks (and the small solvers of chapter C topics).

Each test names the property it checks: parameter counts by hand, the Sequential and subclassed
builds computing one function, every variable tracked (and the Keras 3 lesson that raw
``tf.Variable`` attributes are not), dropout honouring ``training=``, a shared layer's gradient
being the sum over its uses, and the engine, called as the mlp topic calls it, matching a plain
eager loop.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref import train
from tfref.nn import blocks
from tfref.nn.mlp import MLP, MLP_002_WIDTHS, parameter_count, sequential_mlp


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(1234)


def _inputs(rows=16, features=4, seed=0):
    return np.random.default_rng(seed).normal(size=(rows, features)).astype("float32")


def _shapes(variables):
    return [tuple(int(d) for d in v.shape) for v in variables]


# --- MLP ---------------------------------------------------------------------------------------


def test_parameter_count_of_the_002_mlp_is_136_by_hand_and_by_keras():
    assert parameter_count(MLP_002_WIDTHS) == 5 * 4 + 5 * 5 + 6 * 6 + 7 * 4 + 5 * 3 + 4 * 3 == 136
    sequential = sequential_mlp(4, MLP_002_WIDTHS[1:-1], 3)
    subclassed = MLP(MLP_002_WIDTHS[1:-1], 3)
    subclassed.build((None, 4))
    assert sequential.count_params() == subclassed.count_params() == 136


def test_parameter_count_rejects_fewer_than_two_widths():
    with pytest.raises(ValueError, match="widths"):
        parameter_count([4])


def test_subclassed_mlp_tracks_every_kernel_and_bias_in_layer_order():
    model = MLP([8, 6], 3)
    model(_inputs())
    assert _shapes(model.trainable_variables) == [(4, 8), (8,), (8, 6), (6,), (6, 3), (3,)]
    assert len({v.path for v in model.trainable_variables}) == 6


def test_sequential_and_subclassed_mlp_compute_the_same_function_with_the_same_weights():
    sequential = sequential_mlp(4, [8, 6], 3, activation="tanh")
    subclassed = MLP([8, 6], 3, activation="tanh")
    subclassed.build((None, 4))
    subclassed.set_weights(sequential.get_weights())
    x = _inputs()
    np.testing.assert_array_equal(sequential(x, training=False), subclassed(x, training=False))


def test_mlp_dropout_is_random_in_training_and_the_identity_at_inference():
    model = MLP([64], 2, dropout=0.5)
    no_dropout = MLP([64], 2)
    x = _inputs(rows=8)
    model(x)
    no_dropout(x)
    no_dropout.set_weights(model.get_weights())
    first, second = model(x, training=True).numpy(), model(x, training=True).numpy()
    assert not np.allclose(first, second), "dropout does not drop in training"
    np.testing.assert_allclose(model(x, training=False), no_dropout(x, training=False), rtol=1e-6)
    np.testing.assert_array_equal(model(x), model(x, training=False))


def test_subclassed_mlp_compiles_and_fits_with_keras_fit():
    assert "loss" not in vars(MLP), "a keras.Model method named loss clashes with Keras 3"
    model = MLP([8], 3)
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(_inputs(rows=32), np.arange(32) % 3, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


def test_mlp_rejects_bad_sizes_and_dropout():
    with pytest.raises(ValueError, match="hidden_units"):
        MLP([0], 3)
    with pytest.raises(ValueError, match="dropout"):
        sequential_mlp(4, [8], 3, dropout=1.0)


def test_engine_as_the_mlp_topic_calls_it_equals_an_eager_adam_loop_for_both_builds():
    # tfref.train.fit with Adam, validation and jit_compile="auto" (the plain graph for a model
    # this small), for the Sequential and the subclassed build from the same start; test_train
    # checks SGD under XLA. 20 rows in batches of 8: two full batches and a last one of 4.
    x, y = _inputs(rows=20), np.arange(20) % 3
    x_val, y_val = _inputs(rows=6, seed=1), np.arange(6) % 3
    sequential = sequential_mlp(4, [5], 3, activation="tanh")
    subclassed = MLP([5], 3, activation="tanh")
    subclassed.build((None, 4))
    eager = sequential_mlp(4, [5], 3, activation="tanh")
    initial = sequential.get_weights()
    for model in (subclassed, eager):
        model.set_weights(initial)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    histories = [train.fit(model, x, y, loss_fn=loss_fn, optimizer=keras.optimizers.Adam(0.05),
                           epochs=3, batch_size=8, seed=7, validation=(x_val, y_val),
                           progress=False) for model in (sequential, subclassed)]
    optimizer, losses, val_losses = keras.optimizers.Adam(0.05), [], []
    for epoch in range(3):
        order, total = train.epoch_permutation(20, 7, epoch), 0.0
        for start in range(0, 20, 8):
            batch = order[start:start + 8]
            with tf.GradientTape() as tape:
                loss = loss_fn(y[batch], eager(x[batch], training=True))
            grads = tape.gradient(loss, eager.trainable_variables)
            optimizer.apply_gradients(zip(grads, eager.trainable_variables))
            total += float(loss) * len(batch)
        losses.append(total / 20)
        val_losses.append(float(loss_fn(y_val, eager(x_val, training=False))))
    for model, history in zip((sequential, subclassed), histories):
        for got, want in zip(model.get_weights(), eager.get_weights()):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(history["loss"], losses, rtol=1e-5)
        np.testing.assert_allclose(history["val_loss"], val_losses, rtol=1e-5)
    assert max(np.max(np.abs(a - b)) for a, b in zip(eager.get_weights(), initial)) > 1e-2


# --- blocks ------------------------------------------------------------------------------------


def test_my_sequential_equals_keras_sequential_with_the_same_layers():
    mine = blocks.MySequential(keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3))
    theirs = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(3)])
    x = _inputs()
    mine(x)
    theirs.set_weights(mine.get_weights())
    np.testing.assert_array_equal(mine(x), theirs(x))
    assert len(mine.trainable_variables) == 4


def test_my_dense_tracks_kernel_and_bias_and_computes_relu_of_affine():
    layer = blocks.MyDense(5)
    x = _inputs()
    out = layer(x)
    assert _shapes(layer.trainable_variables) == [(4, 5), (5,)]
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)


def test_keras3_does_not_track_raw_tf_variable_attributes_but_tracks_keras_variables():
    """The lesson of design/architecture.md: create weights with add_weight or keras.Variable.

    If a future Keras tracks raw tf.Variables, this pin fails and the lesson needs revisiting.
    """
    raw = blocks.UntrackedDense(5)
    raw(_inputs())
    assert raw.trainable_variables == [] and raw.weights == []
    tracked = blocks.KerasVariableDense(5)
    tracked(_inputs())
    assert _shapes(tracked.trainable_variables) == [(4, 5), (5,)]


def test_centered_layer_output_has_zero_mean():
    assert abs(float(tf.reduce_mean(blocks.CenteredLayer()(_inputs() + 3.0)))) < 1e-6


def test_fixed_hidden_mlp_trains_its_dense_layer_but_not_its_constant_weight():
    model = blocks.FixedHiddenMLP(units=20, seed=3)
    x = _inputs(rows=4, features=20)
    constant, kernel = model.constant_weight.numpy().copy(), None
    model(x)
    kernel = model.dense.kernel.numpy().copy()
    assert len(model.trainable_variables) == 2 and len(model.non_trainable_variables) == 1
    with tf.GradientTape() as tape:
        value = model(x)
    grads = tape.gradient(value, model.trainable_variables)
    keras.optimizers.SGD(0.1).apply_gradients(zip(grads, model.trainable_variables))
    np.testing.assert_array_equal(model.constant_weight.numpy(), constant)
    assert not np.array_equal(model.dense.kernel.numpy(), kernel)
    assert abs(float(model(x))) <= 1.0


def test_fixed_hidden_mlp_rejects_inputs_of_another_width():
    with pytest.raises(ValueError, match="units=20"):
        blocks.FixedHiddenMLP(units=20)(_inputs(features=7))


def test_shared_layer_gradient_is_the_sum_of_the_gradients_of_its_two_uses():
    x, y = _inputs(rows=12), _inputs(rows=12, features=1, seed=1)
    shared = blocks.SharedTwice(units=6)
    shared(x)
    unshared = blocks.UsedOnce(units=6)
    unshared(x)
    unshared.copy_from(shared)

    def gradients(model, variables):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - y) ** 2)
        return [g.numpy() for g in tape.gradient(loss, variables)]

    g_kernel, g_bias = gradients(shared, [shared.shared.kernel, shared.shared.bias])
    g1, b1, g2, b2 = gradients(unshared, [unshared.first_use.kernel, unshared.first_use.bias,
                                          unshared.second_use.kernel, unshared.second_use.bias])
    np.testing.assert_allclose(g_kernel, g1 + g2, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g_bias, b1 + b2, rtol=1e-5, atol=1e-7)
    assert not np.allclose(g1, g2), "the two uses should receive different gradients"


def test_half_zero_uniform_gives_half_zeros_and_magnitudes_between_five_and_ten():
    values = blocks.HalfZeroUniform(seed=5)((200, 200)).numpy()
    assert abs(np.mean(values == 0) - 0.5) < 0.02
    nonzero = np.abs(values[values != 0])
    assert nonzero.min() >= 5.0 and nonzero.max() <= 10.0


def test_describe_parameters_lists_every_weight_with_a_unique_path():
    model = blocks.NestMLP()
    model(_inputs(features=20))
    described = blocks.describe_parameters(model)
    assert [shape for _, shape, _ in described] == [(20, 64), (64,), (64, 32), (32,), (32, 16), (16,)]
    assert len({path for path, _, _ in described}) == 6


# --- solvers of the chapter C topics -----------------------------------------------------------


def test_newton_logistic_regressions_match_sklearn_for_each_replicate():
    from sklearn.linear_model import LogisticRegression

    from tfref.topics.distribution_shift import fit_logistic_regressions, predict_probability

    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3))
    y = (x @ [1.0, -2.0, 0.5] + rng.normal(size=120) > 0).astype(int)
    masks = (rng.random((3, 120)) < 0.6).astype(float)
    theta = fit_logistic_regressions(x, y, masks, c=0.5)
    probabilities = predict_probability(theta, x)
    for r in range(3):
        rows = masks[r] == 1
        reference = LogisticRegression(C=0.5, tol=1e-10, max_iter=10_000).fit(x[rows], y[rows])
        np.testing.assert_allclose(probabilities[r], reference.predict_proba(x)[:, 1], atol=1e-6)


def test_batched_least_squares_matches_numpy_lstsq():
    from tfref.classic.least_squares import design_matrix, fit_least_squares

    rng = np.random.default_rng(1)
    u = rng.uniform(-1, 1, size=(4, 15))
    y = rng.normal(size=(4, 15))
    design = np.stack([design_matrix(row, 5) for row in u])  # (4, 15, 6)
    expected = np.stack([np.linalg.lstsq(d, t, rcond=None)[0] for d, t in zip(design, y)])
    np.testing.assert_allclose(fit_least_squares(design, y), expected, rtol=1e-8, atol=1e-10)


def test_phm_dense_holds_n_cubed_plus_dq_over_n_weights_and_refuses_bad_n():
    layer = blocks.PHMDense(8, 2)
    x = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    out = layer(x).numpy()
    assert layer.count_params() == 2**3 + 4 * 8 // 2 + 8
    a, s = layer.a.numpy().astype(np.float64), layer.s.numpy().astype(np.float64)
    w = np.kron(a[0], s[0]) + np.kron(a[1], s[1])
    np.testing.assert_allclose(out, x @ w, atol=1e-5)
    with pytest.raises(ValueError, match="divisible"):
        blocks.PHMDense(9, 2)
    with pytest.raises(ValueError, match="input width"):
        blocks.PHMDense(8, 2)(np.zeros((1, 5), np.float32))
