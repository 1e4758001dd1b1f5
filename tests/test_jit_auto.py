"""``jit_compile="auto"`` chosen by a timed trial, cached per model signature (tfref.train.jit).

A tiny dense model; ``XLA_MIN_WORK`` is lowered so that the trial runs for it. The cache lives
in a temporary folder (``TFREF_CACHE_DIR``). No timing is asserted (a shared machine): only that
the choice is made, cached, reused, reported and pinnable, and that the trial leaves the
training unchanged. The trial's order (both candidates warmed up before either is timed, then
alternating rounds, XLA leaving when 2x slower) is checked with a fake clock.
"""

from __future__ import annotations

import json
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref.train import engine, jit

LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    return x, (x[:, 0] > 0).astype("int32")


def _fit(jit_compile="auto", epochs=2):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2)])
    x, y = _data()
    history = engine.fit(model, x, y, loss_fn=LOSS, optimizer=keras.optimizers.SGD(0.1),
                         epochs=epochs, batch_size=16, seed=0, jit_compile=jit_compile,
                         progress=False)
    return history, [w.copy() for w in model.get_weights()]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(jit.CACHE_ENV, str(tmp_path))
    monkeypatch.delenv(jit.JIT_ENV, raising=False)
    monkeypatch.setattr(engine, "XLA_MIN_WORK", 0)
    return tmp_path / "jit_choices.json"


def test_auto_times_a_trial_caches_it_and_reuses_it(cache):
    history, weights = _fit()
    choice = history.jit
    assert choice.source == "trial" and set(choice.seconds_per_step) == {"xla", "graph"}
    assert choice.jit_compile == (choice.seconds_per_step["xla"] < choice.seconds_per_step["graph"])
    entry = json.loads(cache.read_text())[choice.signature]
    assert entry["jit_compile"] == choice.jit_compile
    assert [layer[0] for layer in entry["signature"]["layers"]] == ["Dense", "Dense"]
    assert entry["signature"]["batch_size"] == 16
    again, weights_again = _fit()
    assert again.jit.source == "cache" and again.jit.jit_compile == choice.jit_compile
    # the trial put the weights and optimizer state back: the first run trained exactly like
    # the second, which ran no trial
    for a, b in zip(weights, weights_again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_faster_candidate_wins_and_a_cached_choice_is_not_timed_again(cache, monkeypatch):
    monkeypatch.setattr(jit, "trial", lambda *args: {"graph": 1e-3, "xla": 2e-3})
    first, _ = _fit(epochs=1)
    assert (first.jit.source, first.jit.jit_compile) == ("trial", False)
    assert "graph 1 ms/step" in first.jit.describe()

    def no_trial(*args):
        raise AssertionError("a cached choice must not be timed again")

    monkeypatch.setattr(jit, "trial", no_trial)
    second, _ = _fit(epochs=1)
    assert (second.jit.source, second.jit.jit_compile) == ("cache", False)
    x, y = _data()
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2)])
    streamed = engine.fit_dataset(model, tf.data.Dataset.from_tensor_slices((x, y)).batch(16),
                                  loss_fn=LOSS, optimizer=keras.optimizers.SGD(0.1), epochs=1,
                                  progress=False)
    assert (streamed.jit.source, streamed.jit.jit_compile) == ("cache", False)


def test_pinned_small_and_bad_values(cache, monkeypatch):
    monkeypatch.setenv(jit.JIT_ENV, "graph")
    history, _ = _fit(epochs=1)
    assert (history.jit.source, history.jit.jit_compile) == ("environment", False)
    monkeypatch.setenv(jit.JIT_ENV, "sometimes")
    with pytest.raises(ValueError, match="TFREF_JIT must be 'xla', 'graph' or 'auto'"):
        _fit()
    monkeypatch.delenv(jit.JIT_ENV)
    monkeypatch.setattr(engine, "XLA_MIN_WORK", 3e10)
    history, _ = _fit(epochs=1)
    assert (history.jit.source, history.jit.jit_compile) == ("small run", False)
    assert not cache.exists()  # no trial, nothing cached
    with pytest.raises(ValueError, match="jit_compile must be True, False or 'auto'"):
        _fit(jit_compile="sometimes")


def test_cache_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(jit.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert jit.cache_path() == tmp_path / "tfref" / "jit_choices.json"
    monkeypatch.setenv(jit.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert jit.cache_path() == tmp_path / "elsewhere" / "jit_choices.json"


def _built_step():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    step = engine.as_step(model, LOSS, keras.optimizers.SGD(0.1))
    x, y = _data()
    step.build(x[:2], y[:2])
    return step, tf.constant(x), tf.constant(y)


@pytest.mark.parametrize("xla_cost, timed", [
    (3.0, ["graph", "xla"] + ["graph"] * (jit.TRIAL_ROUNDS - 1)),  # 3x slower: leaves
    (1.2, [name for r in range(jit.TRIAL_ROUNDS)
           for name in (["graph", "xla"] if r % 2 == 0 else ["xla", "graph"])]),
])
def test_trial_warms_both_candidates_before_timing_them_in_alternating_rounds(
        monkeypatch, xla_cost, timed):
    clock, calls = [0.0], []

    def fake_trial_function(step, use_xla):  # a call costs 1 (graph) or xla_cost clock units
        def run(xb, yb):
            calls.append("xla" if use_xla else "graph")
            clock[0] += xla_cost if use_xla else 1.0
            return tf.zeros(())
        return run

    monkeypatch.setattr(jit, "_trial_function", fake_trial_function)
    monkeypatch.setattr(jit, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    step, x, y = _built_step()
    seconds = jit.trial(step, x, y, batch_size=16)
    warm = jit.TRIAL_WARM_CALLS
    assert calls[: 2 * warm] == ["graph"] * warm + ["xla"] * warm  # nothing timed yet
    assert calls[2 * warm:] == timed
    steps = jit.TRIAL_STEPS
    assert seconds == {"graph": pytest.approx(1.0 / steps), "xla": pytest.approx(xla_cost / steps)}


def test_signature_holds_the_trial_version_so_older_choices_are_timed_again():
    step, x, y = _built_step()
    signature = jit.model_signature(step, x.shape[1:], "float32", y.shape[1:], "int32", 16)
    assert signature["trial"] == jit.TRIAL_VERSION
    older = {key: value for key, value in signature.items() if key != "trial"}
    assert jit._key(older) != jit._key(signature)
