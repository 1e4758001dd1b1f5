"""tfref.nn.autoencoder: the KL sparsity penalty, its gradient and the sparse autoencoder's wiring.

Oracles: scipy.special.rel_entr and scipy.stats.entropy (the penalty), the closed-form
derivative and central finite differences in float64 (its gradient), the back-propagation
formula of the CS294A notes written in NumPy (the penalty's gradient w.r.t. W1), and NumPy sums
(weight decay, reconstruction error).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.special import rel_entr
from scipy.stats import entropy

from tfref.nn.autoencoder import (
    SparseAutoencoder,
    kl_sparsity,
    kl_sparsity_gradient,
    mean_activation,
    reconstruction_error,
)


def _scipy_kl(rho, rho_hat):
    return np.sum(rel_entr(rho, rho_hat) + rel_entr(1 - rho, 1 - rho_hat), axis=-1)


@pytest.mark.parametrize("rho", [0.01, 0.05, 0.5, 0.9])
def test_kl_sparsity_equals_scipy_rel_entr_and_entropy(rho):
    rho_hat = np.random.default_rng(0).uniform(1e-4, 1 - 1e-4, size=(4, 30))
    ours = kl_sparsity(rho, rho_hat).numpy()
    np.testing.assert_allclose(ours, _scipy_kl(rho, rho_hat), rtol=1e-12, atol=1e-13)
    per_unit = [[entropy([rho, 1 - rho], [r, 1 - r]) for r in row] for row in rho_hat]
    np.testing.assert_allclose(ours, np.sum(per_unit, axis=1), rtol=1e-12, atol=1e-13)
    assert ours.dtype == np.float64


def test_kl_sparsity_is_non_negative_and_zero_only_at_rho():
    rho_hat = np.linspace(0.001, 0.999, 999)[:, None]  # one unit per row
    values = kl_sparsity(0.2, rho_hat).numpy()
    assert np.all(values >= 0)
    assert values[np.argmin(np.abs(rho_hat[:, 0] - 0.2))] < 1e-12
    assert np.all(values[np.abs(rho_hat[:, 0] - 0.2) > 0.01] > 1e-5)


def test_kl_sparsity_gradient_equals_autodiff_closed_form_and_finite_differences():
    rho, rho_hat = 0.05, np.random.default_rng(1).uniform(0.01, 0.99, size=(3, 25))
    variable = tf.Variable(rho_hat)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(kl_sparsity(rho, variable))
    autodiff = tape.gradient(total, variable).numpy()
    closed = kl_sparsity_gradient(rho, rho_hat).numpy()
    np.testing.assert_allclose(closed, -rho / rho_hat + (1 - rho) / (1 - rho_hat), rtol=1e-14)
    np.testing.assert_allclose(autodiff, closed, rtol=1e-12, atol=1e-12)
    h = 1e-6
    central = (_scipy_kl(rho, rho_hat[..., None] + h * np.eye(25))
               - _scipy_kl(rho, rho_hat[..., None] - h * np.eye(25))) / (2 * h)  # (3, 25)
    np.testing.assert_allclose(closed, central, rtol=1e-6, atol=1e-6)


def test_a_wrong_sign_kl_is_rejected_by_the_scipy_oracle():
    """The oracle can fail: KL(rho_hat || rho) (arguments swapped) differs from scipy's KL."""
    rho, rho_hat = 0.05, np.random.default_rng(2).uniform(0.01, 0.99, size=25)
    swapped = np.sum(rel_entr(rho_hat, rho) + rel_entr(1 - rho_hat, 1 - rho))
    assert not np.isclose(swapped, kl_sparsity(rho, rho_hat).numpy(), rtol=1e-3)


@pytest.mark.parametrize("rho, rho_hat, message", [
    (0.0, [0.5], "rho must be in"),
    (1.0, [0.5], "rho must be in"),
    (True, [0.5], "rho must be a number"),
    ("0.05", [0.5], "rho must be a number"),
    (0.05, [0.0, 0.5], "rho_hat must hold mean activations strictly inside"),
    (0.05, [1.0], "rho_hat must hold mean activations strictly inside"),
    (0.05, [np.nan], "NaN"),
    (0.05, [], "rho_hat is empty"),
])
def test_kl_sparsity_refuses_bad_input_saying_what_was_wrong(rho, rho_hat, message):
    with pytest.raises(ValueError, match=message):
        kl_sparsity(rho, np.asarray(rho_hat, dtype=np.float64))
    with pytest.raises(ValueError, match=message):
        kl_sparsity_gradient(rho, np.asarray(rho_hat, dtype=np.float64))


def test_reconstruction_error_and_mean_activation_equal_numpy():
    rng = np.random.default_rng(3)
    x, x_hat = rng.random((6, 64)), rng.random((6, 64))
    np.testing.assert_allclose(reconstruction_error(x, x_hat).numpy(),
                               0.5 * np.sum((x_hat - x) ** 2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(mean_activation(x).numpy(), x.mean(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        reconstruction_error(x, x_hat[:, :10])
    with pytest.raises(ValueError, match=r"shape \(m, s\)"):
        mean_activation(x[0])


def _model(beta=3.0, weight_decay=1e-3, seed=0):
    model = SparseAutoencoder(64, 25, rho=0.05, beta=beta, weight_decay=weight_decay, seed=seed)
    model(np.zeros((2, 64), np.float32))  # build
    return model


def test_sparse_autoencoder_has_its_four_trainable_variables():
    model = _model()
    shapes = sorted(tuple(v.shape) for v in model.trainable_variables)
    assert shapes == [(25,), (25, 64), (64,), (64, 25)]
    assert model.filters().shape == (25, 64)


def test_model_losses_are_the_penalty_in_training_and_weight_decay_always():
    model = _model()
    x = np.random.default_rng(4).random((32, 64)).astype(np.float32)
    decay = 1e-3 / 2 * sum(np.sum(np.asarray(k, np.float64) ** 2)
                           for k in (model.encoder.kernel, model.decoder.kernel))
    model(x, training=False)
    assert float(sum(model.losses)) == pytest.approx(decay, rel=1e-5)
    model(x, training=True)
    rho_hat = model.encode(x).numpy().astype(np.float64).mean(axis=0)
    expected = 3.0 * _scipy_kl(0.05, rho_hat) + decay
    assert float(sum(model.losses)) == pytest.approx(expected, rel=1e-5)
    plain = _model(beta=0.0, weight_decay=0.0)
    plain(x, training=True)
    assert plain.losses == []


def test_penalty_gradient_equals_the_back_propagation_formula_of_the_notes():
    """d(beta sum_j KL)/dW1[k, j] = beta g_j (1/m) sum_i h_ij (1 - h_ij) x_ik, g the closed form."""
    model = _model(weight_decay=0.0)
    x = np.random.default_rng(5).random((40, 64)).astype(np.float32)
    with tf.GradientTape() as tape:
        model(x, training=True)
        penalty = model.losses[0]
    autodiff = tape.gradient(penalty, model.encoder.kernel).numpy()  # (64, 25)
    h = model.encode(x).numpy().astype(np.float64)  # (40, 25)
    g = -0.05 / h.mean(axis=0) + 0.95 / (1 - h.mean(axis=0))
    expected = 3.0 * g[None, :] * (x.astype(np.float64).T @ (h * (1 - h))) / len(x)
    np.testing.assert_allclose(autodiff, expected, rtol=2e-4, atol=1e-6)


def test_training_through_fit_pulls_the_mean_activation_towards_rho():
    from tfref.data import load_embedded
    from tfref.train import fit

    x = np.asarray(load_embedded("digits").x[:600], np.float32) / 16.0
    means = {}
    for beta in (3.0, 0.0):
        keras.utils.set_random_seed(0)
        model = SparseAutoencoder(64, 25, rho=0.05, beta=beta, weight_decay=1e-4, seed=0)
        history = fit(model, x, x, loss_fn=reconstruction_error,
                      optimizer=keras.optimizers.Adam(0.05), epochs=8, batch_size=128, seed=0,
                      accuracy=False)
        assert history.loss[-1] < history.loss[0]
        means[beta] = float(model.encode(x).numpy().mean())
    assert abs(means[3.0] - 0.05) < 0.03 and means[0.0] > 0.3, means


@pytest.mark.parametrize("kwargs, message", [
    ({"rho": 0.0}, "rho must be in"),
    ({"beta": -1.0}, "beta must be a finite number >= 0"),
    ({"weight_decay": float("nan")}, "weight_decay must be a finite number >= 0"),
    ({"hidden_units": 2.5}, "hidden_units"),
    ({"hidden_units": 0}, "hidden_units"),
])
def test_sparse_autoencoder_refuses_bad_settings(kwargs, message):
    settings = {"input_dim": 64, "hidden_units": 25, **kwargs}
    with pytest.raises(ValueError, match=message):
        SparseAutoencoder(**settings)


def test_sparse_autoencoder_accepts_whole_floats_as_sizes():
    assert SparseAutoencoder(64.0, 25.0).hidden_units == 25
