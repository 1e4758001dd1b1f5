"""``tfref bench``: the JSON it prints has the documented shape, and its loops compute the same maths.

The smoke run goes through the real worker processes with tiny sizes (1200 samples, one round).

No timing is asserted here (speed targets are checked by running the benchmark, never in unit
tests on a shared machine). The hand-coded BPN step is checked against autodiff, and the NumPy
loops against TensorFlow, so every implementation the benchmark compares does the same work.
"""

from __future__ import annotations

import contextlib
import io
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref import bench
from tfref.train.handcoded import BPNStep, half_squared_error


@pytest.fixture(scope="module")
def document():
    """Run a tiny benchmark once and return (exit status, parsed JSON)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = bench.main(["--quick", "--json", "--samples", "1200", "--epochs", "1",
                             "--repeats", "1"])
    return status, json.loads(out.getvalue())


def test_bench_json_lists_every_run_of_every_model(document):
    status, data = document
    assert status == 0
    benchmarks = {b["model"]: b for b in data["benchmarks"]}
    assert set(benchmarks) == {"mlp-784-256-10-relu", "bpn-784-30-10-sigmoid", "lenet-relu-28x28",
                               "char-rnn-28-256"}
    assert benchmarks["mlp-784-256-10-relu"]["batch_size"] == 128
    assert benchmarks["bpn-784-30-10-sigmoid"]["batch_size"] == 1000
    assert benchmarks["lenet-relu-28x28"]["batch_size"] == 256
    assert benchmarks["char-rnn-28-256"]["batch_size"] == 32
    every = {"tfref", "keras-fit", "keras-fit-tuned", "numpy"} | (
        {"torch"} if bench.torch_available() else set())
    for model, entry in benchmarks.items():
        runs = {run["name"]: run for run in entry["runs"]}
        keras_only = model.startswith(("lenet", "char-rnn"))
        expected = ({"tfref", "keras-fit", "keras-fit-tuned"} if keras_only else every) | (
            {"tfref-stream"} if model.startswith("mlp") else set())
        assert set(runs) == expected
        for run in runs.values():
            assert isinstance(run["samples_per_second"], float) and run["samples_per_second"] > 0
            ratio = runs["tfref"]["samples_per_second"] / run["samples_per_second"]
            assert run["tfref_speedup"] == pytest.approx(ratio, rel=1e-2)
        assert runs["tfref"]["tfref_speedup"] == 1.0
        assert runs["keras-fit-tuned"]["steps_per_execution"] == 32
        if keras_only:
            assert "targets" not in entry
        else:
            assert set(entry["targets"]) == {"tfref >= 4x keras-fit",
                                             "tfref >= 2x keras-fit-tuned", "tfref >= 1x numpy"} | (
                {"streaming >= 80% of in-memory"} if model.startswith("mlp") else set())
    mlp = benchmarks["mlp-784-256-10-relu"]
    stream = {run["name"]: run for run in mlp["runs"]}["tfref-stream"]
    assert mlp["streaming_share_of_in_memory"] == pytest.approx(1 / stream["tfref_speedup"],
                                                                rel=1e-2)
    assert data["settings"]["quick"] is True and data["machine"]["cpu_count"] >= 1


def test_lenet_and_char_rnn_runners_start_from_the_same_weights_and_data():
    """tfref and keras fit train the same model from the same initial weights on the same data."""
    for key in ("lenet", "char-rnn"):
        workload = bench.WORKLOADS[key]
        first = bench.make_runner("tfref", 1, workload, seed=3, samples=64)
        second = bench.make_runner("keras-fit", 1, workload, seed=3, samples=64)
        assert all(np.array_equal(a, b) for a, b in zip(first.weights, second.weights,
                                                        strict=True))
        assert all(np.array_equal(a, b) for a, b in zip(first.data[:2], second.data[:2],
                                                        strict=True))
        with pytest.raises(ValueError, match="no 'numpy' run"):
            bench.make_runner("numpy", 1, workload, seed=3, samples=64)


def test_bench_table_shows_rates_and_speedups(document):
    _, data = document
    table = bench.format_table(data)
    assert "tfref speed-up" in table and "keras-fit-tuned (spe=32)" in table
    # tfref against itself, once per model (a peer may also land on 1.00x by chance)
    own = [line for line in table.splitlines() if line.split()[:1] == ["tfref"]]
    assert len(own) == 4 and all(line.rstrip().endswith("1.00x") for line in own), table


def test_bench_rejects_unknown_names():
    assert bench.main(["--runs", "tfref,jax"]) == 2
    assert bench.main(["--models", "resnet"]) == 2


def test_bpn_step_gradients_equal_autodiff_of_half_squared_error():
    x, _, y = bench.make_data(64, seed=1)
    step = BPNStep(bench.initial_weights(30, seed=1), learning_rate=0.5)
    grads, _, _ = step.gradients(tf.constant(x), tf.constant(y))
    variables = [step.w1, step.b1, step.w2, step.b2]
    with tf.GradientTape() as tape:
        _, y_hat = step.forward(tf.constant(x))
        loss = tf.reduce_mean(half_squared_error(tf.constant(y), y_hat))
    for got, want in zip(grads, tape.gradient(loss, variables)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-7)


def test_numpy_bpn_loop_equals_bpn_step():
    x, labels, y = bench.make_data(50, seed=2)
    weights = bench.initial_weights(30, seed=2)
    step = BPNStep(weights, learning_rate=0.5)
    runner = bench.NumpyRunner(bench.WORKLOADS["bpn"], (x, labels, y), weights)
    for _ in range(3):
        runner._bpn_step(x, labels, y)
        step.train_step(tf.constant(x), tf.constant(y))
    for got, want in zip(runner.weights, [step.w1, step.b1, step.w2, step.b2]):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-6)


def test_numpy_mlp_loop_equals_keras_sgd():
    x, labels, one_hot = bench.make_data(40, seed=3)
    weights = bench.initial_weights(256, seed=3)
    runner = bench.NumpyRunner(bench.WORKLOADS["mlp"], (x, labels, one_hot), weights)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(10)])
    model.set_weights(weights)
    optimizer = keras.optimizers.SGD(0.01)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for _ in range(3):
        loss_sum = runner._mlp_step(x, labels, one_hot)
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        assert loss_sum / len(x) == pytest.approx(float(loss), rel=1e-4)
    for got, want in zip(runner.weights, model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_bench_device_gpu_without_a_gpu_exits_2_saying_so(capsys):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU: scripts/gpu_check.py runs the GPU bench")
    assert bench.main(["--quick", "--device", "gpu", "--models", "mlp"]) == 2
    assert "TensorFlow sees no GPU" in capsys.readouterr().err


def test_bench_device_cpu_places_the_tensorflow_runs(capsys):
    status = bench.main(["--quick", "--json", "--device", "cpu", "--models", "mlp", "--runs",
                         "tfref", "--samples", "512", "--repeats", "1"])
    assert status == 0
    document = json.loads(capsys.readouterr().out)
    assert document["settings"]["device"] == "cpu"
    assert document["benchmarks"][0]["runs"][0]["samples_per_second"] > 0
