"""Nets trained side by side through tfref.train.fit equal the same nets trained alone.

tfref.nn.activation_choice.train_side_by_side and tfref.nn.approximation's
train_one_hidden_layer_nets train several nets in one model on the sum of their losses; as the
nets share no variable, each must end where it would alone. The oracles train each net alone:
keras's own Model.fit (full batch, so the order of samples does not matter) for the block-masked
one-hidden-layer nets, and the engine on one model at a time for the mini-batch SGD case.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tfref.nn.activation_choice import hidden_net, train_side_by_side
from tfref.nn.approximation import train_one_hidden_layer_nets
from tfref.train import fit


def test_block_masked_nets_equal_each_net_trained_alone_by_keras_fit():
    # Not symmetric about 0: on an odd target the bias gradients vanish to round-off, which
    # Adam's normalisation would blow up into steps that depend on the summation order.
    x = np.linspace(-1.0, 2.0, 64)
    y = np.sin(3 * x) + 0.3
    widths = (1, 3, 5)
    weights, mse = train_one_hidden_layer_nets(x, y, widths, steps=40, steps_per_epoch=20,
                                               learning_rate=0.02, seed=1)
    assert mse.shape == (3, 3) and np.all(np.isfinite(mse)) and np.all(mse[-1] < mse[0])
    # Each net alone from the start the function documents (seeded Glorot), trained by keras.
    for j, h in enumerate(widths):
        start_w1 = keras.initializers.GlorotUniform(seed=1000 + 2 * j)((1, h)).numpy()
        start_w2 = keras.initializers.GlorotUniform(seed=1000 + 2 * j + 1)((h, 1)).numpy()
        alone = keras.Sequential([keras.Input((1,)), keras.layers.Dense(h, activation="tanh"),
                                  keras.layers.Dense(1)])
        alone.set_weights([start_w1, np.zeros(h, np.float32), start_w2, np.zeros(1, np.float32)])
        alone.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
        alone.fit(x[:, None].astype(np.float32), y[:, None].astype(np.float32), batch_size=64,
                  epochs=40, shuffle=False, verbose=0)
        for mine, theirs in zip(weights[j], alone.get_weights(), strict=True):
            np.testing.assert_allclose(mine, theirs, atol=2e-5, err_msg=f"net {j} ({h} units)")


def test_side_by_side_sgd_equals_each_model_trained_alone():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=70)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    kinds = ("tanh", "relu", "maxout")
    together = [hidden_net(a, inputs=5, outputs=3, units=4, depth=2, seed=3) for a in kinds]
    history = train_side_by_side(together, loss, x, y, optimizer=keras.optimizers.SGD(0.2),
                                 epochs=3, batch_size=16, seed=5)
    assert history.shape == (4, 3) and np.all(np.isfinite(history))
    for kind, model in zip(kinds, together, strict=True):
        alone = hidden_net(kind, inputs=5, outputs=3, units=4, depth=2, seed=3)
        fit(alone, x, y, loss_fn=loss, optimizer=keras.optimizers.SGD(0.2), epochs=3,
            batch_size=16, seed=5, progress=False)
        for mine, theirs in zip(model.get_weights(), alone.get_weights(), strict=True):
            np.testing.assert_allclose(mine, theirs, atol=1e-5, err_msg=kind)
        np.testing.assert_allclose(history[-1][kinds.index(kind)],
                                   float(loss(y, alone(x))), rtol=1e-5)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="multiple of steps_per_epoch"):
        train_one_hidden_layer_nets([0.0, 1.0], [0.0, 1.0], (2,), steps=30, steps_per_epoch=20)
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        train_side_by_side([hidden_net("relu", inputs=2, outputs=2)],
                           keras.losses.MeanSquaredError(), np.zeros((4, 2)), np.zeros((4, 2)),
                           optimizer=keras.optimizers.SGD(0.1), epochs=0, batch_size=2)
