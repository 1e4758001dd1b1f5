"""``tfref bench``: the JSON it prints has the documented shape, and its loops compute the same maths.

The smoke run goes through the real worker processes with tiny sizes (1200 samples, one round);
``TFREF_JIT=graph`` pins the engine's choice (its trial is tested in tests/test_jit_auto.py) and
``TFREF_CACHE_DIR`` points at a temporary folder.

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
def document(tmp_path_factory):
    """Run a tiny benchmark once and return (exit status, parsed JSON)."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setenv("TFREF_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("TFREF_JIT", "graph")  # no trial here (tests/test_jit_auto.py times one)
        status = bench.main(["--quick", "--json", "--samples", "1200", "--epochs", "1",
                             "--repeats", "1", "--runs", ",".join(SMOKE_RUNS)])
    return status, json.loads(out.getvalue())


# torch.compile takes tens of seconds per model here; the smoke run leaves it out and
# test_torch_compile_failure_is_a_row_saying_why covers its failure path.
SMOKE_RUNS = [name for name in bench.RUN_NAMES if name != "torch-compile"]


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
    torch_runs = {"torch"} if bench.torch_available() else set()
    for model, entry in benchmarks.items():
        runs = {run["name"]: run for run in entry["runs"]}
        dense = model.startswith(("mlp", "bpn"))
        expected = {"tfref", "keras-fit", "keras-fit-tuned", "roofline"} | torch_runs | (
            {"numpy"} if dense else set()) | ({"tfref-stream"} if model.startswith("mlp")
                                              else set())
        assert set(runs) == expected
        for run in runs.values():
            assert isinstance(run["samples_per_second"], float) and run["samples_per_second"] > 0
            ratio = runs["tfref"]["samples_per_second"] / run["samples_per_second"]
            assert run["tfref_speedup"] == pytest.approx(ratio, rel=1e-2)
            share = run["samples_per_second"] / runs["roofline"]["samples_per_second"]
            assert run["roofline_share"] == pytest.approx(share, rel=1e-2, abs=1e-3)
        assert runs["tfref"]["tfref_speedup"] == 1.0 and runs["roofline"]["roofline_share"] == 1.0
        assert entry["tfref_roofline_share"] == runs["tfref"]["roofline_share"]
        assert runs["keras-fit-tuned"]["steps_per_execution"] == 32
        assert runs["tfref"]["jit_compile"] in ("xla", "graph")
        assert (runs["tfref"]["jit_compile"], runs["tfref"]["jit_source"]) == ("graph",
                                                                              "environment")
        assert runs["roofline"]["jit_compile"] in runs["roofline"]["probe_ms_per_step"]
        expected_targets = ({"tfref >= 4x keras-fit", "tfref >= 2x keras-fit-tuned",
                             "tfref >= 1x numpy"} if dense else {"tfref >= 1.3x keras-fit-tuned"})
        expected_targets |= {"tfref >= 85% of roofline"} | {
            f"tfref >= 1x {name}" for name in torch_runs}
        if model.startswith("mlp"):
            expected_targets.add("streaming >= 80% of in-memory")
        assert set(entry["targets"]) == expected_targets
    mlp = benchmarks["mlp-784-256-10-relu"]
    stream = {run["name"]: run for run in mlp["runs"]}["tfref-stream"]
    assert mlp["streaming_share_of_in_memory"] == pytest.approx(1 / stream["tfref_speedup"],
                                                                rel=1e-2, abs=1e-3)  # rounded
    assert (stream["jit_compile"], stream["jit_source"]) == ("graph", "environment")
    # reading alone, then 1 / (1/in-memory + 1/read): what reading and training cost in turn
    tfref_rate = {run["name"]: run for run in mlp["runs"]}["tfref"]["samples_per_second"]
    read = stream["read_only_samples_per_second"]
    assert read > 0 and mlp["streaming_serial_rate"] == pytest.approx(
        1 / (1 / tfref_rate + 1 / read), rel=1e-3)
    assert mlp["streaming_share_of_serial_rate"] == pytest.approx(
        stream["samples_per_second"] / mlp["streaming_serial_rate"], rel=1e-2)
    assert data["settings"]["quick"] is True and data["machine"]["cpu_count"] >= 1


def test_stream_runner_trains_from_block_shards_with_the_tfref_rows_compilation(monkeypatch,
                                                                                  tmp_path):
    """The tfref-stream run writes the data as 8 shards of 128-example records, compiles the
    step as the tfref run does (the same jit choice: here pinned by TFREF_JIT) and trains every
    sample of each timed epoch from them."""
    import json as json_module
    from pathlib import Path

    monkeypatch.setenv("TFREF_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TFREF_JIT", "xla")
    runner = bench.make_runner("tfref-stream", 1, bench.WORKLOADS["mlp"], seed=0, samples=300)
    runner.prepare()
    manifest = json_module.loads((Path(runner.folder) / "manifest.json").read_text())
    assert (manifest["format"], manifest["examples_per_record"], len(manifest["shards"])) == (
        "tfref-shards-2", 128, 8)
    assert runner.jit_compile is True and runner.extra["jit_compile"] == "xla"
    assert runner.extra["read_only_samples_per_second"] > 0  # it read all 300 (else raises)
    assert runner.extra["read_only_unshuffled_samples_per_second"] > 0
    samples, seconds = runner.measure(2, 0)
    assert samples == 600 and seconds > 0


def test_lenet_and_char_rnn_runners_start_from_the_same_weights_and_data():
    """Every run of a workload trains the same model from the same weights on the same data."""
    for key in ("lenet", "char-rnn"):
        workload = bench.WORKLOADS[key]
        runners = [bench.make_runner(name, 1, workload, seed=3, samples=64)
                   for name in ("tfref", "keras-fit", "torch", "roofline")]
        for other in runners[1:]:
            assert all(np.array_equal(a, b) for a, b in zip(runners[0].weights, other.weights,
                                                            strict=True))
            assert all(np.array_equal(a, b) for a, b in zip(runners[0].data[:2], other.data[:2],
                                                            strict=True))
        with pytest.raises(ValueError, match="no 'numpy' run"):
            bench.make_runner("numpy", 1, workload, seed=3, samples=64)


@pytest.mark.parametrize("key", ["lenet", "char-rnn"])
def test_torch_lenet_and_char_rnn_train_like_keras(key):
    """The PyTorch rows compute the keras model's maths: same loss, same weights after a step."""
    torch = pytest.importorskip("torch")
    workload = bench.WORKLOADS[key]
    data = workload.data(8, seed=4)
    weights = workload.weights(seed=4)
    model = workload.keras_model(weights)
    optimizer = keras.optimizers.SGD(workload.learning_rate)
    loss_fn = workload.keras_loss()
    step = workload.torch_step(weights)
    x, y = workload.torch_data(data)
    with tf.GradientTape() as tape:
        loss = loss_fn(data[1], model(data[0], training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert float(step(x, y).detach()) == pytest.approx(float(loss), rel=1e-5)
    torch_weights = [p.detach().numpy() for p in step.model.parameters()]
    keras_weights = model.get_weights()
    if key == "char-rnn":  # torch's second RNN bias stays zero (keras has one)
        torch_weights = torch_weights[:2] + [torch_weights[2] + torch_weights[3]] + torch_weights[4:]
    assert len(torch_weights) == len(keras_weights)
    for got, want in zip(torch_weights, keras_weights, strict=True):
        want = want.transpose(3, 2, 0, 1) if want.ndim == 4 else want.T if want.ndim == 2 else want
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    del torch


def test_roofline_bare_step_is_one_sgd_step_of_the_model():
    """The roofline's bare step does the same update as keras' SGD on the same model."""
    workload = bench.WORKLOADS["mlp"]
    x, labels, _ = bench.make_data(32, seed=5)
    weights = bench.initial_weights(256, seed=5)
    model = workload.keras_model(weights)
    bare = workload.bare_step(weights)
    loss_fn = workload.keras_loss()
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    keras.optimizers.SGD(workload.learning_rate).apply_gradients(
        zip(grads, model.trainable_variables))
    assert float(tf.function(bare)(tf.constant(x), tf.constant(labels))) == pytest.approx(
        float(loss), rel=1e-5)


class _FakeClock:
    """A perf_counter that moves only when a fake compiled function runs."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _fake_roofline(monkeypatch, ms_per_step: dict) -> bench.runners.RooflineRunner:
    """A roofline runner on 10 MLP batches whose compiled candidates cost ``ms_per_step[(label,
    "probe" or "full")]`` of fake time a step (the real compile is not called)."""
    from tfref.bench import runners

    clock = _FakeClock()
    monkeypatch.setattr(runners.time, "perf_counter", clock)
    runner = runners.make_runner("roofline", 1, bench.WORKLOADS["mlp"], 0, 10 * 128)

    class Result:
        def numpy(self):
            return 0.0

    calls: dict = {}

    def compile_(jit, steps):
        key = ("xla" if jit else "graph", "probe" if steps == runner.PROBE_STEPS else "full")
        cost = ms_per_step[key] * steps / 1e3

        def call(x, y):
            clock.now += cost
            calls[key] = calls.get(key, 0) + 1
            return Result()

        return call

    monkeypatch.setattr(runner, "_compile", compile_)
    runner.prepare()
    runner.calls = calls  # (label, "probe" or "full") -> calls made by prepare
    return runner


def test_roofline_times_close_candidates_at_full_length_and_keeps_the_faster(monkeypatch):
    """A probe that ranks the plain graph first (1.0 against 1.2 ms a step) does not decide:
    at full length XLA is faster (0.6 against 0.9), so the roofline is XLA's."""
    runner = _fake_roofline(monkeypatch, {("graph", "probe"): 1.0, ("xla", "probe"): 1.2,
                                          ("graph", "full"): 0.9, ("xla", "full"): 0.6})
    assert runner.extra["jit_compile"] == "xla"
    assert runner.extra["probe_ms_per_step"] == {"graph": 1.0, "xla": 1.2}
    assert runner.extra["full_ms_per_step"] == {"graph": 0.9, "xla": 0.6}
    samples, seconds = runner.measure(1, 0)
    assert samples == 10 * 128 and seconds == pytest.approx(10 * 0.6e-3)


def test_roofline_drops_a_candidate_more_than_twice_as_slow_in_the_probe(monkeypatch):
    """LeNet's XLA is about 10x slower: it is not timed at full length (seconds each call)."""
    runner = _fake_roofline(monkeypatch, {("graph", "probe"): 1.0, ("xla", "probe"): 2.5,
                                          ("graph", "full"): 0.9, ("xla", "full"): 0.1})
    assert runner.extra["jit_compile"] == "graph" and "full_ms_per_step" not in runner.extra
    # the lone candidate at full length is only warmed up (one call), not timed as well
    assert runner.calls[("graph", "full")] == 1 and ("xla", "full") not in runner.calls


def test_bench_table_shows_rates_and_speedups(document):
    _, data = document
    table = bench.format_table(data)
    assert "tfref speed-up" in table and "keras-fit-tuned (spe=32)" in table
    assert "of roofline" in table and table.count("of the roofline") == 4
    assert "reading the shards alone:" in table and "read, then train:" in table
    # tfref against itself, once per model (a peer may also land on 1.00x by chance)
    own = [words for words in map(str.split, table.splitlines())
           if words[:1] == ["tfref"] and words[1].startswith("[")]
    assert len(own) == 4 and all(words[3] == "1.00x" for words in own), table


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
        runner.step(x, labels, y)
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
        loss_sum = runner.step(x, labels, one_hot)
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


def test_torch_compile_failure_is_a_row_saying_why(monkeypatch):
    """Where torch.compile cannot compile, its row is unavailable with the reason, no crash."""
    torch = pytest.importorskip("torch")

    def broken(*args, **kwargs):
        raise RuntimeError("no working C++ compiler\nmore detail")

    monkeypatch.setattr(torch, "compile", broken)
    settings = bench.Settings(samples=64, epochs=1, repeats=1, seed=0, tuned_steps=(1,),
                              quick=True)
    document = bench.run_benchmarks(["bpn"], ["numpy", "torch-compile"], settings,
                                    isolate=False)
    runs = {run["name"]: run for run in document["benchmarks"][0]["runs"]}
    assert runs["torch-compile"]["samples_per_second"] is None
    assert "RuntimeError: no working C++ compiler" in runs["torch-compile"]["unavailable"]
    assert runs["numpy"]["samples_per_second"] > 0
    assert "unavailable: torch.compile failed here" in bench.format_table(document)
