"""The training engine (tfref.train): it trains, equals a plain loop, shuffles, resumes, refuses.

Properties checked, each against an independent oracle where one exists:
- loss falls on a small real dataset (scikit-learn digits);
- the compiled engine equals a plain eager ``tf.GradientTape`` loop over the same batches, and a
  hand-coded step equals a NumPy loop; the tf.data path equals the in-memory path;
- shuffled batches change between epochs, cover every sample once, and repeat for a seed;
- a run stopped after 2 epochs and resumed for 2 more ends with the same weights and history as
  4 uninterrupted epochs (dropout seed state and Adam slots included);
- a checkpoint of another model (or of other settings) is refused with a ValueError naming the
  difference, and no variable changes;
- TensorBoard event files hold each epoch's scalars; progress lines appear only on a terminal;
- MirroredStrategy over two logical CPUs equals one device (in a subprocess);
- ``training=True`` is passed when training and ``training=False`` when validating, and the
  validation data never changes the weights;
- a second ``fit`` (or ``evaluate``) on the same model with data of the same shapes reuses the
  traced epoch and validation functions (traces counted in Python), still reads the current
  weights (2 + 2 epochs equal 4), and traces anew when the trainable variables, the optimizer
  or a hand-coded step's learning rate changed;
- ``device="gpu"`` without a GPU says so.
Tiny models and data keep the module under a minute on a 2-core CPU.
"""

from __future__ import annotations

import doctest
import importlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from tfref import train
from tfref.train.checkpoints import weights_snapshot

ROOT = Path(__file__).resolve().parent.parent
SPARSE_CE = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)  # (1797, 64) pixels in [0, 1]
    y = data.target.astype(np.int32)
    return x[:1200], y[:1200], x[1200:], y[1200:]


def _mlp(seed: int, hidden: int = 16, inputs: int = 64, dropout: float = 0.0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((inputs,)), keras.layers.Dense(hidden, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(10))
    return keras.Sequential(layers)


def _weights(model) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_weights()]


class LinearStep(train.TrainStep):
    """Hand-coded least squares: yhat = x w, loss = 0.5 (yhat - y)^2, w -= lr x^T (yhat - y) / n."""

    metric_names = ("loss",)

    def __init__(self, num_inputs: int, learning_rate: float):
        super().__init__()
        self.w = tf.Variable(tf.zeros((num_inputs, 1)))
        self.learning_rate = learning_rate

    def train_step(self, x, y, *, global_batch_size=None):
        error = x @ self.w - y  # (batch, 1)
        n = tf.cast(tf.shape(x)[0], x.dtype)
        self.w.assign_sub(self.learning_rate * tf.transpose(x) @ error / n)
        return train.batch_sums(0.5 * error ** 2)

    def test_step(self, x, y):
        return train.batch_sums(0.5 * (x @ self.w - y) ** 2)


class RecordingStep(train.TrainStep):
    """Writes the sample ids (column 0 of x) of every batch it trains on into a variable."""

    metric_names = ("loss",)

    def __init__(self, max_batches: int, batch_size: int):
        super().__init__()
        self.seen = tf.Variable(tf.fill((max_batches, batch_size), -1.0))
        self.count = tf.Variable(0)

    def train_step(self, x, y, *, global_batch_size=None):
        self.seen.scatter_nd_update([[self.count]], x[None, :, 0])  # XLA-friendly row write
        self.count.assign_add(1)
        return train.batch_sums(tf.zeros(tf.shape(x)[:1]))

    def test_step(self, x, y):
        return train.batch_sums(tf.zeros(tf.shape(x)[:1]))


class TrainingFlagRecorder(keras.layers.Layer):
    """Counts its calls by the ``training`` flag it receives: True, False, or None (not passed)."""

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(3,), initializer="zeros", trainable=False,
                                     name="calls")  # [training=True, training=False, None]

    def call(self, x, training=None):
        index = 2 if training is None else (0 if training else 1)
        self.calls.assign_add(tf.one_hot(index, 3))
        return x


# --------------------------------------------------------------------------------- it trains


def test_loss_falls_and_accuracy_rises_on_digits(digits):
    x, y, x_val, y_val = digits
    model = _mlp(0, hidden=32)
    history = train.fit(model, x, y, epochs=5, batch_size=32, seed=0, loss_fn=SPARSE_CE,
                        optimizer=keras.optimizers.Adam(0.01), validation=(x_val, y_val))
    assert history.loss.shape == (5,) and history.val_loss.shape == (5,)
    assert history.loss[-1] < 0.3 * history.loss[0]
    assert history.accuracy[-1] > 0.9 and history.val_accuracy[-1] > 0.85
    assert history.samples_per_second.shape == (5,)


def test_engine_equals_a_plain_gradient_tape_loop_over_the_same_batches(digits):
    x, y = digits[0][:200], digits[1][:200]  # 200 = 6 batches of 32 + a last batch of 8
    batch_size, epochs, seed = 32, 2, 3
    model = _mlp(1)
    reference = _mlp(1)
    reference.set_weights(model.get_weights())
    history = train.fit(model, x, y, epochs=epochs, batch_size=batch_size, seed=seed,
                        loss_fn=SPARSE_CE, optimizer=keras.optimizers.SGD(0.1), jit_compile=True)

    optimizer = keras.optimizers.SGD(0.1)
    epoch_losses = []
    for epoch in range(epochs):
        order = train.epoch_permutation(len(x), seed, epoch)
        total = 0.0
        for start in range(0, len(x), batch_size):
            index = order[start:start + batch_size]
            with tf.GradientTape() as tape:
                loss = SPARSE_CE(y[index], reference(x[index], training=True))
            grads = tape.gradient(loss, reference.trainable_variables)
            optimizer.apply_gradients(zip(grads, reference.trainable_variables))
            total += float(loss) * len(index)
        epoch_losses.append(total / len(x))

    for got, want in zip(_weights(model), _weights(reference)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(history.loss, epoch_losses, rtol=1e-5)


def test_hand_coded_step_in_the_engine_equals_a_numpy_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(90, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(90, 1))).astype(np.float32)
    step = LinearStep(3, learning_rate=0.1)
    history = train.fit(step, x, y, epochs=3, batch_size=20, seed=5, jit_compile=True)

    w = np.zeros((3, 1))
    losses = []
    for epoch in range(3):
        order = train.epoch_permutation(len(x), 5, epoch)
        total = 0.0
        for start in range(0, len(x), 20):
            xb, yb = x[order[start:start + 20]], y[order[start:start + 20]]
            error = xb @ w - yb
            total += float((0.5 * error ** 2).sum())
            w -= 0.1 * xb.T @ error / len(xb)
        losses.append(total / len(x))
    np.testing.assert_allclose(step.w.numpy(), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-5)


def test_dataset_path_equals_in_memory_path(digits):
    x, y = digits[0][:160], digits[1][:160]
    model, twin = _mlp(2), _mlp(2)
    twin.set_weights(model.get_weights())
    history = train.fit(model, x, y, epochs=2, batch_size=32, seed=7, loss_fn=SPARSE_CE,
                        optimizer=keras.optimizers.SGD(0.1))

    def dataset(epoch):
        order = train.epoch_permutation(len(x), 7, epoch)
        return tf.data.Dataset.from_tensor_slices((x[order], y[order])).batch(32)

    twin_history = train.fit_dataset(twin, dataset, epochs=2, loss_fn=SPARSE_CE,
                                     optimizer=keras.optimizers.SGD(0.1))
    for got, want in zip(_weights(twin), _weights(model)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(twin_history.loss, history.loss, rtol=1e-5)
    np.testing.assert_allclose(twin_history.accuracy, history.accuracy)


# --------------------------------------------------------------------------------- shuffling


def _recorded_batches(num_samples, batch_size, epochs, *, seed, shuffle=True) -> np.ndarray:
    ids = np.arange(num_samples, dtype=np.float32)[:, None]  # column 0 = sample id
    step = RecordingStep(epochs * num_samples // batch_size, batch_size)
    train.fit(step, ids, np.zeros((num_samples, 1), np.float32), epochs=epochs,
              batch_size=batch_size, seed=seed, shuffle=shuffle, jit_compile=True)
    steps = num_samples // batch_size
    return step.seen.numpy().astype(int).reshape(epochs, steps, batch_size)


def test_shuffled_batches_change_between_epochs_and_repeat_for_a_seed():
    batches = _recorded_batches(48, 8, 3, seed=11)  # (epochs, steps, batch)
    for epoch in range(3):
        assert sorted(batches[epoch].ravel()) == list(range(48)), "each sample once per epoch"
        np.testing.assert_array_equal(batches[epoch].ravel(),
                                      train.epoch_permutation(48, 11, epoch))
    compositions = [{frozenset(b) for b in batches[epoch]} for epoch in range(3)]
    assert compositions[0] != compositions[1] and compositions[1] != compositions[2]
    np.testing.assert_array_equal(_recorded_batches(48, 8, 3, seed=11), batches)
    assert not np.array_equal(_recorded_batches(48, 8, 3, seed=12), batches)


def test_unshuffled_batches_keep_the_data_order():
    batches = _recorded_batches(24, 8, 2, seed=0, shuffle=False)
    for epoch in range(2):
        np.testing.assert_array_equal(batches[epoch].ravel(), np.arange(24))


def test_remainder_is_a_short_last_batch_or_dropped():
    x = np.ones((50, 2), np.float32)
    y = np.ones((50, 1), np.float32)
    kept = train.fit(LinearStep(2, 0.0), x, y, epochs=1, batch_size=16)
    dropped = train.fit(LinearStep(2, 0.0), x, y, epochs=1, batch_size=16, drop_remainder=True)
    # w = 0 and lr = 0: every sample costs 0.5, so the mean is 0.5 whatever is counted
    assert kept.loss[0] == pytest.approx(0.5) and dropped.loss[0] == pytest.approx(0.5)
    assert kept.samples_per_second[0] > 0


# --------------------------------------------------------------------------------- checkpoints


def test_resumed_run_equals_uninterrupted_run(digits, tmp_path):
    x, y, x_val, y_val = (a[:150] for a in digits)
    settings = dict(epochs=4, batch_size=32, seed=4, loss_fn=SPARSE_CE, validation=(x_val, y_val))

    def fresh():  # a new process would build the same model from the same seed
        return _mlp(5, dropout=0.3), keras.optimizers.Adam(0.01)

    model, optimizer = fresh()
    whole = train.fit(model, x, y, optimizer=optimizer, checkpoint_dir=tmp_path / "whole",
                      **settings)

    first, first_optimizer = fresh()
    train.fit(first, x, y, optimizer=first_optimizer, checkpoint_dir=tmp_path / "parts",
              **{**settings, "epochs": 2})
    resumed_model, resumed_optimizer = fresh()
    resumed = train.fit(resumed_model, x, y, optimizer=resumed_optimizer,
                        checkpoint_dir=tmp_path / "parts", resume=True, **settings)

    assert resumed.initial_epoch == 2 and len(resumed.samples_per_second) == 2
    for got, want in zip(_weights(resumed_model), _weights(model)):
        np.testing.assert_array_equal(got, want)
    for name in whole.metrics:
        np.testing.assert_array_equal(resumed[name], whole[name])
    assert int(resumed_optimizer.iterations) == int(optimizer.iterations)


def test_resume_without_a_checkpoint_starts_fresh(tmp_path):
    history = train.fit(LinearStep(2, 0.1), np.ones((8, 2), np.float32),
                        np.ones((8, 1), np.float32), epochs=2, batch_size=4,
                        checkpoint_dir=tmp_path, resume=True)
    assert history.initial_epoch == 0 and history.epochs == 2


def test_checkpoint_of_another_model_is_refused_and_nothing_is_loaded(digits, tmp_path):
    x, y = digits[0][:64], digits[1][:64]
    train.fit(_mlp(0, hidden=16), x, y, epochs=1, batch_size=32, loss_fn=SPARSE_CE,
              optimizer=keras.optimizers.SGD(0.1), checkpoint_dir=tmp_path)

    other = _mlp(1, hidden=8)
    optimizer = keras.optimizers.SGD(0.1)
    step = train.as_step(other, SPARSE_CE, optimizer)
    step.build(tf.constant(x[:2]), tf.constant(y[:2]))
    before = weights_snapshot(step)
    with pytest.raises(train.CheckpointMismatchError, match=r"\[64, 16\], this run \S+ \[64, 8\]"):
        train.fit(other, x, y, epochs=2, batch_size=32, loss_fn=SPARSE_CE, optimizer=optimizer,
                  checkpoint_dir=tmp_path, resume=True)
    assert issubclass(train.CheckpointMismatchError, ValueError)
    for got, want in zip(weights_snapshot(step), before):
        np.testing.assert_array_equal(got, want)


def test_checkpoint_written_with_other_settings_is_refused(tmp_path):
    x, y = np.ones((16, 2), np.float32), np.ones((16, 1), np.float32)
    train.fit(LinearStep(2, 0.1), x, y, epochs=1, batch_size=4, checkpoint_dir=tmp_path)
    step = LinearStep(2, 0.1)
    with pytest.raises(ValueError, match="batch size: checkpoint 4, this run 8"):
        train.fit(step, x, y, epochs=2, batch_size=8, checkpoint_dir=tmp_path, resume=True)
    np.testing.assert_array_equal(step.w.numpy(), np.zeros((2, 1)))


def test_checkpoint_past_the_requested_epochs_is_refused(tmp_path):
    x, y = np.ones((16, 2), np.float32), np.ones((16, 1), np.float32)
    train.fit(LinearStep(2, 0.1), x, y, epochs=3, batch_size=4, checkpoint_dir=tmp_path)
    step = LinearStep(2, 0.1)
    with pytest.raises(ValueError, match="after epoch 3, past the 2 epochs"):
        train.fit(step, x, y, epochs=2, batch_size=4, checkpoint_dir=tmp_path, resume=True)
    np.testing.assert_array_equal(step.w.numpy(), np.zeros((2, 1)))


# --------------------------------------------------------------------------------- reporting


def test_tensorboard_event_files_hold_each_epochs_scalars(digits, tmp_path):
    x, y, x_val, y_val = (a[:96] for a in digits)
    history = train.fit(_mlp(0), x, y, epochs=3, batch_size=32, loss_fn=SPARSE_CE,
                        optimizer=keras.optimizers.SGD(0.1), validation=(x_val, y_val),
                        logdir=tmp_path)
    scalars = train.read_scalars(tmp_path)
    assert set(scalars) == {"loss", "accuracy", "val_loss", "val_accuracy", "samples_per_second"}
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert [step for step, _ in scalars[name]] == [1, 2, 3]
        np.testing.assert_allclose([value for _, value in scalars[name]], history[name],
                                   rtol=1e-6)


def test_progress_prints_a_line_per_epoch_on_a_terminal_only(capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = train.EpochProgress(2, stream=stream)
        for epoch in range(2):
            progress.epoch_done(epoch, {"loss": 1.0 / (epoch + 1)}, seconds=0.1, samples=10)
    assert terminal.getvalue().splitlines()[1].startswith("epoch 2/2  loss 0.5000")
    assert pipe.getvalue() == ""
    train.fit(LinearStep(2, 0.1), np.ones((8, 2), np.float32), np.ones((8, 1), np.float32),
              epochs=2, batch_size=4)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal


# --------------------------------------------------------------------------------- strategy, device

MIRRORED_CHILD = """
import json, keras, numpy as np
from tfref import train
devices = train.split_cpu(2)
x = np.random.default_rng(0).normal(size=(100, 8)).astype("float32")
y = (x[:, 0] > 0).astype("int32")
def model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(2)])
loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
single = model()
one = train.fit(single, x, y, epochs=2, batch_size=32, seed=1, loss_fn=loss,
                optimizer=keras.optimizers.SGD(0.2))
strategy = train.make_strategy("mirrored")
with strategy.scope():
    mirrored, optimizer = model(), keras.optimizers.SGD(0.2)
two = train.fit(mirrored, x, y, epochs=2, batch_size=32, seed=1, loss_fn=loss,
                optimizer=optimizer, strategy=strategy)
print(json.dumps({
    "devices": devices, "replicas": strategy.num_replicas_in_sync,
    "weight_diff": max(float(np.max(np.abs(a - b)))
                       for a, b in zip(single.get_weights(), mirrored.get_weights())),
    "moved": max(float(np.max(np.abs(a - b)))
                 for a, b in zip(single.get_weights(), model().get_weights())),
    "loss_diff": float(np.max(np.abs(one.loss - two.loss))),
}))
"""


def test_mirrored_strategy_on_two_logical_cpus_equals_one_device():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", MIRRORED_CHILD], capture_output=True,
                            text=True, timeout=120, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2 and len(report["devices"]) == 2
    assert report["moved"] > 1e-3, "training changed nothing, so the comparison proves nothing"
    assert report["weight_diff"] < 1e-5 and report["loss_diff"] < 1e-5, report


def test_device_gpu_without_a_gpu_says_so():
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="no GPU"):
        train.fit(LinearStep(2, 0.1), np.ones((4, 2), np.float32), np.ones((4, 1), np.float32),
                  epochs=1, batch_size=2, device="gpu")


def test_hand_coded_step_refuses_a_strategy():
    with pytest.raises(ValueError, match="does not support tf.distribute"):
        train.fit(LinearStep(2, 0.1), np.ones((4, 2), np.float32), np.ones((4, 1), np.float32),
                  epochs=1, batch_size=2, strategy=tf.distribute.get_strategy())


# --------------------------------------------------------------------------------- training flag


def test_training_flag_is_passed_explicitly(digits):
    x, y, x_val, y_val = (a[:64] for a in digits)
    keras.utils.set_random_seed(0)
    recorder = TrainingFlagRecorder()
    model = keras.Sequential([keras.Input((64,)), recorder, keras.layers.Dense(10)])
    train.fit(model, x, y, epochs=2, batch_size=16, loss_fn=SPARSE_CE,
              optimizer=keras.optimizers.SGD(0.1), validation=(x_val, y_val))
    as_training, as_inference, unspecified = recorder.calls.numpy()
    assert as_training == 2 * 4  # 2 epochs x 4 batches, all with training=True
    assert as_inference == 1 + 2 * 4  # the build call, then 4 validation batches per epoch
    assert unspecified == 0


def test_validation_data_never_changes_the_weights(digits):
    x, y, x_val, y_val = (a[:128] for a in digits)
    noise = np.random.default_rng(0).random(x_val.shape).astype(np.float32)
    runs = {}
    for name, validation in {"none": None, "digits": (x_val, y_val),
                             "noise": (noise, y_val[::-1].copy())}.items():
        model = _mlp(6)
        runs[name] = (train.fit(model, x, y, epochs=2, batch_size=32, loss_fn=SPARSE_CE,
                                optimizer=keras.optimizers.SGD(0.1), validation=validation),
                      _weights(model))
    for name in ("digits", "noise"):
        for got, want in zip(runs[name][1], runs["none"][1]):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(runs[name][0].loss, runs["none"][0].loss)
    assert runs["digits"][0].val_loss[-1] != runs["noise"][0].val_loss[-1]


# --------------------------------------------------------------------------------- no retracing


class InferenceTraceCounter(keras.layers.Layer):
    """Counts, in Python, its calls with ``training=False``: once per trace of a compiled
    evaluation (a traced loop body runs its Python once), plus each eager call."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inference_calls = 0

    def call(self, x, training=None):
        if training is False:
            self.inference_calls += 1
        return x


class CountingLinearStep(LinearStep):
    """LinearStep whose test_step counts its Python calls (= traces; it never runs eagerly)."""

    def __init__(self, num_inputs: int, learning_rate: float):
        super().__init__(num_inputs, learning_rate)
        self.test_traces = 0

    def test_step(self, x, y):
        self.test_traces += 1
        return super().test_step(x, y)


def _validation_loss_by_numpy(model, x_val, y_val) -> float:
    """The oracle: mean softmax cross-entropy of the model's logits, in float64 NumPy."""
    logits = np.asarray(model(x_val, training=False), dtype=np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y_val)), y_val].mean())


def test_validation_is_traced_once_for_repeated_fit_calls_on_the_same_model(digits):
    x, y, x_val, y_val = digits[0][:128], digits[1][:128], digits[2][:96], digits[3][:96]
    keras.utils.set_random_seed(0)
    counter = InferenceTraceCounter()
    model = keras.Sequential([keras.Input((64,)), counter, keras.layers.Dense(10)])
    optimizer = keras.optimizers.SGD(0.1)

    def fit_once(x_val, y_val):
        # a new loss object each call: equal configs share the traced evaluation
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        before = counter.inference_calls
        history = train.fit(model, x, y, epochs=2, batch_size=32, loss_fn=loss,
                            optimizer=optimizer, validation=(x_val, y_val), progress=False)
        return history, counter.inference_calls - before - 1  # minus the eager build call

    first, first_traces = fit_once(x_val, y_val)
    second, second_traces = fit_once(x_val, y_val)
    assert first_traces == 1  # 96 = 3 x 32: the loop body only, no remainder
    assert second_traces == 0  # same model, loss config and shapes: the traced function reused
    # the reused function reads the current weights: equal to an independent NumPy evaluation
    np.testing.assert_allclose(second.val_loss[-1], _validation_loss_by_numpy(model, x_val, y_val),
                               rtol=1e-5)
    assert second.val_loss[-1] < first.val_loss[0]
    before = counter.inference_calls
    result = train.evaluate(model, x_val, y_val, batch_size=32,
                            loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert counter.inference_calls - before - 1 == 0  # evaluate shares it too
    assert result["loss"] == second.val_loss[-1]
    _, other_shape_traces = fit_once(x_val[:80], y_val[:80])  # 80 = 2 x 32 + 16
    assert other_shape_traces == 2  # new shapes: traced anew (loop body and the short batch)


class TrainingTraceCounter(keras.layers.Layer):
    """Counts, in Python, its calls with ``training=True``: once per trace of a training loop."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.training_calls = 0

    def call(self, x, training=None):
        if training is True:
            self.training_calls += 1
        return x


def test_a_second_fit_reuses_the_traced_epoch_and_equals_one_longer_run(digits):
    x, y = digits[0][:128], digits[1][:128]

    def model_and_counter(seed):
        keras.utils.set_random_seed(seed)
        counter = TrainingTraceCounter()
        return keras.Sequential([keras.Input((64,)), counter, keras.layers.Dense(10)]), counter

    split, counter = model_and_counter(0)
    optimizer = keras.optimizers.SGD(0.1)
    traces = []
    for _ in range(2):
        before = counter.training_calls
        train.fit(split, x, y, epochs=2, batch_size=32, shuffle=False, loss_fn=SPARSE_CE,
                  optimizer=optimizer, progress=False)
        traces.append(counter.training_calls - before)
    assert traces == [1, 0]  # 128 = 4 x 32: the loop body, traced by the first call only
    whole, _ = model_and_counter(0)
    train.fit(whole, x, y, epochs=4, batch_size=32, shuffle=False, loss_fn=SPARSE_CE,
              optimizer=keras.optimizers.SGD(0.1), progress=False)
    for got, want in zip(_weights(split), _weights(whole), strict=True):
        np.testing.assert_array_equal(got, want)


def test_what_a_trace_read_changing_between_fit_calls_traces_anew(digits):
    x, y = digits[0][:64], digits[1][:64]
    keras.utils.set_random_seed(0)
    counter = TrainingTraceCounter()
    model = keras.Sequential([keras.Input((64,)), counter, keras.layers.Dense(16),
                              keras.layers.Dense(10)])
    optimizer = keras.optimizers.SGD(0.1)

    def traces_of_one_fit(optimizer):
        before = counter.training_calls
        train.fit(model, x, y, epochs=1, batch_size=32, loss_fn=SPARSE_CE, optimizer=optimizer,
                  progress=False)
        return counter.training_calls - before

    assert traces_of_one_fit(optimizer) == 1
    model.layers[1].trainable = False  # fine-tuning: freeze a layer
    frozen = _weights(model)[:2]
    assert traces_of_one_fit(optimizer) == 1  # another set of trainable variables
    for got, want in zip(_weights(model)[:2], frozen, strict=True):
        np.testing.assert_array_equal(got, want)  # the frozen layer did not move
    assert traces_of_one_fit(keras.optimizers.SGD(0.1)) == 1  # another optimizer object
    step = CountingLinearStep(3, 0.1)
    rng = np.random.default_rng(0)
    x3 = rng.normal(size=(32, 3)).astype(np.float32)
    train.fit(step, x3, x3[:, :1], epochs=1, batch_size=8, progress=False)
    step.learning_rate = 0.0  # a hand-coded step's number read while tracing
    w = step.w.numpy().copy()
    train.fit(step, x3, x3[:, :1], epochs=1, batch_size=8, progress=False)
    np.testing.assert_array_equal(step.w.numpy(), w)  # the new rate (0) was used


def test_streamed_validation_is_traced_once_for_repeated_fit_dataset_calls(digits):
    x, y, x_val, y_val = digits[0][:128], digits[1][:128], digits[2][:96], digits[3][:96]
    keras.utils.set_random_seed(0)
    counter = InferenceTraceCounter()
    model = keras.Sequential([keras.Input((64,)), counter, keras.layers.Dense(10)])
    optimizer = keras.optimizers.SGD(0.1)
    traces = []
    for _ in range(2):
        before = counter.inference_calls
        history = train.fit_dataset(
            model, tf.data.Dataset.from_tensor_slices((x, y)).batch(32), epochs=1,
            loss_fn=SPARSE_CE, optimizer=optimizer, jit_compile=False, progress=False,
            validation=tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(32))
        traces.append(counter.inference_calls - before - 1)  # minus the eager build call
    assert traces[0] >= 1 and traces[1] == 0  # a new dataset of the same spec: no new trace
    np.testing.assert_allclose(history.val_loss[-1],
                               _validation_loss_by_numpy(model, x_val, y_val), rtol=1e-5)


def test_hand_coded_step_evaluation_is_traced_once_and_keeps_its_variables(digits):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    step = CountingLinearStep(3, 0.1)
    variables_before = [v.name for v in step.variables]
    losses = [train.fit(step, x, y, epochs=1, batch_size=16, validation=(x[:32], y[:32]),
                        progress=False).val_loss[-1] for _ in range(3)]
    assert step.test_traces == 1
    assert losses[2] < losses[1] < losses[0]  # the weights it reads are the current ones
    assert [v.name for v in step.variables] == variables_before  # checkpoint order unchanged
    error = x[:32] @ step.w.numpy() - y[:32]
    np.testing.assert_allclose(losses[2], float(np.mean(0.5 * error.astype(np.float64) ** 2)),
                               rtol=1e-6)


# --------------------------------------------------------------------------------- errors


def test_accuracy_is_reported_for_class_labels_only():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    keras.utils.set_random_seed(0)
    regression = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    targets = rng.normal(size=(32, 2)).astype(np.float32)  # two real-valued outputs
    history = train.fit(regression, x, targets, epochs=1, batch_size=8,
                        loss_fn=keras.losses.MeanSquaredError(), optimizer=keras.optimizers.SGD())
    assert "accuracy" not in history
    one_hot = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 32)]
    history = train.fit(regression, x, one_hot, epochs=1, batch_size=8,
                        loss_fn=keras.losses.CategoricalCrossentropy(from_logits=True),
                        optimizer=keras.optimizers.SGD())
    assert "accuracy" in history and 0.0 <= history.accuracy[0] <= 1.0
    with pytest.raises(ValueError, match="accuracy=True needs class scores"):
        train.fit(regression, x, targets, epochs=1, batch_size=8, accuracy=True,
                  loss_fn=keras.losses.MeanSquaredError(), optimizer=keras.optimizers.SGD())


def test_bad_arguments_raise_value_errors():
    x, y = np.ones((8, 2), np.float32), np.ones((8, 1), np.float32)
    with pytest.raises(ValueError, match="same first dimension"):
        train.fit(LinearStep(2, 0.1), x, y[:5], epochs=1, batch_size=4)
    with pytest.raises(ValueError, match="resume=True needs checkpoint_dir"):
        train.fit(LinearStep(2, 0.1), x, y, epochs=1, batch_size=4, resume=True)
    with pytest.raises(ValueError, match="batch_size must be a whole number >= 1"):
        train.fit(LinearStep(2, 0.1), x, y, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="epochs must be a whole number >= 1"):
        train.fit(LinearStep(2, 0.1), x, y, epochs=2.5, batch_size=4)
    with pytest.raises(ValueError, match="own update rule"):
        train.fit(LinearStep(2, 0.1), x, y, epochs=1, batch_size=4, loss_fn=SPARSE_CE)
    with pytest.raises(ValueError, match="loss_fn is required"):
        train.fit(_mlp(0, inputs=2), x, y, epochs=1, batch_size=4,
                  optimizer=keras.optimizers.SGD())
    with pytest.raises(ValueError, match="validation must be a pair"):
        train.fit(LinearStep(2, 0.1), x, y, epochs=1, batch_size=4, validation=x)


def test_training_options_parse_the_command_line():
    import argparse

    parser = train.add_training_arguments(argparse.ArgumentParser())
    options = train.TrainOptions.from_args(parser.parse_args(
        ["--epochs", "3", "--checkpoint-dir", "ck", "--resume", "--logdir", "tb"]))
    kwargs = options.fit_kwargs(default_epochs=10, name="mlp")
    assert kwargs["epochs"] == 3 and kwargs["resume"] is True
    assert kwargs["checkpoint_dir"] == Path("ck/mlp") and kwargs["logdir"] == Path("tb/mlp")
    assert kwargs["strategy"] is None
    assert train.TrainOptions().fit_kwargs(default_epochs=10)["epochs"] == 10
    with pytest.raises(SystemExit):
        parser.parse_args(["--epochs", "0"])


TRAIN_MODULES = ["tfref.train", "tfref.train.engine", "tfref.train.steps",
                 "tfref.train.checkpoints", "tfref.train.reporting", "tfref.train.distribute",
                 "tfref.train.options", "tfref.train.handcoded"]


@pytest.mark.parametrize("module_name", TRAIN_MODULES)
def test_docstring_examples_of_the_engine_pass(module_name):
    module = importlib.import_module(module_name)
    results = doctest.testmod(module, extraglobs={"np": np, "tf": tf},
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert results.failed == 0, f"{results.failed} docstring example(s) failed in {module_name}"
    assert results.attempted > 0, f"{module_name} has no docstring example"


def test_auto_xla_is_chosen_by_work_and_never_for_conv_or_rnn_models_on_a_cpu():
    """``jit_compile="auto"``: XLA for big dense runs; not for convolutions or recurrences on a
    CPU, where XLA measured about 2,100 vs 17,000 samples/s for LeNet (engine.use_xla)."""
    from tfref.train import as_step, use_xla

    dense = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256),
                              keras.layers.Dense(10)])
    conv = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(6, 5),
                             keras.layers.Flatten(), keras.layers.Dense(10)])
    rnn = keras.Sequential([keras.Input((35, 28)), keras.layers.SimpleRNN(256),
                            keras.layers.Dense(28)])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def step(model):
        return as_step(model, loss, keras.optimizers.SGD(0.1))

    assert use_xla("auto", epochs=10, num_samples=60_000, step=step(dense)) is True
    assert use_xla("auto", epochs=1, num_samples=100, step=step(dense)) is False
    has_gpu = bool(tf.config.list_physical_devices("GPU"))
    for model in (conv, rnn):
        assert use_xla("auto", epochs=100, num_samples=60_000, step=step(model)) is has_gpu
        assert use_xla(True, epochs=1, num_samples=10, step=step(model)) is True
    with pytest.raises(ValueError, match="jit_compile"):
        use_xla("sometimes", epochs=1, num_samples=10, step=step(dense))
