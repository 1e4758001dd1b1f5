"""sequence-model's forward vs backward experiment (003:234): the noisy logistic map and its
Bayes errors, each checked against an independent computation.

The forward Bayes moments (censored normal, scipy) against Monte Carlo draws of the clipped
noise; the backward grid posterior against conditional means of a long simulated series binned
by x_{t+1}; the two-preimage formula against the map itself; the examples' time alignment
against the series they come from.
"""

from __future__ import annotations

import numpy as np
import pytest

from tfref.topics import sequence_model as sm


@pytest.mark.parametrize("x_now", [0.0, 0.02, 0.3, 0.5, 0.93])
def test_forward_bayes_moments_match_monte_carlo_of_the_clipped_noise(x_now):
    rng = np.random.default_rng(0)
    draws = np.clip(sm.logistic_map(x_now) + rng.normal(0, sm.LOGISTIC_NOISE, 400_000), 0, 1)
    mean, variance = sm.forward_bayes(np.array([x_now]))
    standard_error = draws.std() / np.sqrt(len(draws))
    assert abs(mean[0] - draws.mean()) < 5 * standard_error + 1e-12
    assert variance[0] == pytest.approx(draws.var(), rel=0.02, abs=1e-7)


def test_forward_bayes_variance_is_the_noise_variance_away_from_the_clipped_ends():
    _, variance = sm.forward_bayes(np.array([0.2, 0.3]))  # f(x) = 0.64, 0.84: 3 sigma inside
    np.testing.assert_allclose(variance, sm.LOGISTIC_NOISE**2, rtol=0.01)


def test_backward_bayes_matches_binned_conditional_means_of_a_long_series():
    rng = np.random.default_rng(1)
    prior = sm.stationary_sample(sm.LOGISTIC_NOISE, rng)
    chains = sm.stationary_sample(sm.LOGISTIC_NOISE, np.random.default_rng(2), chains=4000,
                                  steps=120, keep=21).reshape(21, 4000)
    x_now, x_next = chains[:-1].ravel(), chains[1:].ravel()  # (x_t, x_{t+1}) pairs
    edges = np.linspace(0.05, 0.95, 10)
    which = np.digitize(x_next, edges) - 1
    for b in range(len(edges) - 1):
        inside = which == b
        binned = x_now[inside].mean()
        predicted = sm.backward_bayes(x_next[inside], prior).mean()
        assert abs(predicted - binned) < 5 * x_now[inside].std() / np.sqrt(inside.sum()) + 0.01


def test_backward_bayes_is_no_better_than_the_mean_while_forward_is_near_the_noise():
    """The item's asymmetry, by the oracles alone (no network)."""
    x = sm.make_logistic_series(3).astype(np.float64)
    prior = sm.stationary_sample(sm.LOGISTIC_NOISE, np.random.default_rng(3))
    backward = np.mean((sm.backward_bayes(x[1:], prior) - x[:-1]) ** 2)
    forward = np.mean((sm.forward_bayes(x[:-1])[0] - x[1:]) ** 2)
    assert backward > 0.9 * x.var()
    assert forward < 1.2 * sm.LOGISTIC_NOISE**2
    assert backward / forward > 30


def test_two_preimage_error_is_the_squared_distance_of_either_preimage_from_one_half():
    y = np.linspace(0.0, 1.0, 11)
    p = (1 - np.sqrt(1 - y)) / 2
    np.testing.assert_allclose(sm.logistic_map(p), y, atol=1e-12)
    np.testing.assert_allclose(sm.logistic_map(1 - p), y, atol=1e-12)
    np.testing.assert_allclose(sm.two_preimage_error(y), (p - 0.5) ** 2, atol=1e-12)


def test_direction_examples_line_up_in_time_and_keep_the_future_out_of_training():
    x = np.arange(60, dtype=np.float32)  # x[t] = t shows every index
    examples = sm.direction_examples(x, train=30)
    f_train, f_label, f_test, f_test_label, f_times = examples["forward"]
    np.testing.assert_array_equal(f_train[5], [5, 6, 7, 8])
    assert f_label[5] == 9
    np.testing.assert_array_equal(f_test_label, f_times)
    b_train, b_label, b_test, b_test_label, b_times = examples["backward"]
    # x_t from x_{t+4}, ..., x_{t+1}: the nearest value last, as forward.
    for features, label in zip(b_train, b_label, strict=True):
        np.testing.assert_array_equal(features, label + np.array([4, 3, 2, 1]))
    np.testing.assert_array_equal(b_test_label, b_times)
    assert b_train.max() < 30 + sm.TAU <= b_test_label.min()
    assert f_train.max() < f_label.max() < 30 + sm.TAU <= f_test_label.min()
    assert len(b_label) == len(f_label) == 30


def test_logistic_series_stays_in_the_unit_interval_and_repeats_with_its_seed():
    x = sm.make_logistic_series(5)
    assert x.shape == (sm.LOGISTIC_LENGTH,) and 0 <= x.min() and x.max() <= 1
    np.testing.assert_array_equal(x, sm.make_logistic_series(5))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"length": 5}, "length must be at least"),
    ({"noise": 0.0}, "noise must be a positive"),
])
def test_logistic_series_refuses_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sm.make_logistic_series(0, **kwargs)


def test_side_by_side_training_equals_two_separate_runs_on_the_same_batches(monkeypatch):
    """train_direction_mlps trains both MLPs in one model: each half must end where it would
    trained alone (same start, same mini-batches, the gradient of its own MSE)."""
    import keras

    from tfref.train import fit

    monkeypatch.setitem(sm.LOGISTIC_FIT, "epochs", 3)
    examples = sm.direction_examples(sm.make_logistic_series(0))
    keras.utils.set_random_seed(0)
    starts = [sm.direction_mlp().get_weights() for _ in range(2)]  # the side-by-side's starts
    forward, backward = sm.train_direction_mlps(examples["forward"][:2],
                                                examples["backward"][:2], seed=0)
    steps = 3 * (sm.LOGISTIC_TRAIN // sm.LOGISTIC_FIT["batch_size"])
    for trained, start, (x, y) in zip((forward, backward), starts,
                                      (examples["forward"][:2], examples["backward"][:2]),
                                      strict=True):
        alone = sm.direction_mlp()
        alone.set_weights(start)
        schedule = keras.optimizers.schedules.CosineDecay(sm.LOGISTIC_FIT["learning_rate"], steps)
        fit(alone, x, y[:, None], loss_fn=keras.losses.MeanSquaredError(),
            optimizer=keras.optimizers.Adam(schedule), batch_size=sm.LOGISTIC_FIT["batch_size"],
            epochs=3, seed=0, drop_remainder=True, jit_compile=False, progress=False)
        probe = examples["forward"][2]
        np.testing.assert_allclose(trained(probe).numpy(), alone(probe).numpy(), atol=1e-5)


def test_side_by_side_training_refuses_unequal_example_counts():
    examples = sm.direction_examples(sm.make_logistic_series(0))
    x, y = examples["backward"][:2]
    with pytest.raises(ValueError, match="as many training examples"):
        sm.train_direction_mlps(examples["forward"][:2], (x[:-1], y[:-1]), seed=0)
