"""``tfref bench``: training throughput of tfref's engine beside keras fit, NumPy and PyTorch.

Four workloads on synthetic data shaped like the real sets (no download): Fashion-MNIST-shaped
pixels (n x 784 uniform values, 10 random classes) and Time-Machine-shaped character ids:

- ``mlp``: 784-256-10, ReLU, softmax cross-entropy from logits, SGD(0.01), batch 128.
- ``bpn``: the 784-30-10 sigmoid back-propagation network of the BPN documents, batch 1000,
  squared error, hand-coded (no autodiff) in tfref (:class:`tfref.train.handcoded.BPNStep`),
  NumPy and PyTorch:

      a1 = s(x W1 + b1);  yhat = s(a1 W2 + b2);  error = yhat - y       (y one-hot)
      delta2 = error * yhat * (1 - yhat);  delta1 = (delta2 W2^T) * a1 * (1 - a1)
      W2 -= lr a1^T delta2 / n;  b2 -= lr mean(delta2);  W1 -= lr x^T delta1 / n;  ...

- ``lenet``: LeNet-5 with ReLU and max pooling (:func:`tfref.nn.lenet.lenet`) on 28 x 28 x 1
  images, softmax cross-entropy, SGD(0.05), batch 256 (D2L's setting); tfref and keras fit only.
- ``char-rnn``: the Keras character RNN of the language-model topic
  (:func:`tfref.nn.rnn_lm.keras_char_rnn`: one-hot 28, SimpleRNN 256, Dense 28) on sequences of
  35 character ids, next-character cross-entropy, SGD(0.5), batch 32; a sample is one
  35-character sequence; tfref and keras fit only.

For each workload every implementation starts from the same initial weights and trains on the
same data; its samples per second are measured over whole epochs, after a warm-up that absorbs
tracing and compilation:

- ``tfref``: :func:`tfref.train.fit`, one compiled call per epoch, with XLA for the MLP and the
  BPN (what ``jit_compile="auto"`` picks for long runs) and ``"auto"`` for LeNet and the RNN
  (no XLA on a CPU: 8x slower there for LeNet's convolutions, no faster for the RNN); each
  round is one fit call whose first epoch (compilation) is not timed. It also computes the accuracy each epoch; the others do not.
- ``keras-fit``: ``model.compile(...)`` with keras defaults, ``model.fit(verbose=0)``; epoch
  times from a callback, after a warm-up fit.
- ``keras-fit-tuned``: the same with ``steps_per_execution`` tuned: the best of a few values.
- ``numpy``: a plain NumPy loop, the formulas written out.
- ``torch``: PyTorch eager (autograd and torch.optim for the MLP, hand-coded for the BPN), when
  PyTorch is installed.

Each implementation runs in its own worker process, so one library's thread pools (TensorFlow's
spinning Eigen threads, OpenBLAS, PyTorch's OpenMP) never slow another's loop. The machine may
be shared and noisy, so the implementations take turns for ``--repeats`` rounds and each keeps
its best round. Ratios are tfref's rate over each other's, from the same run. Targets (MLP and
BPN): tfref >= 4x keras-fit, >= 2x keras-fit-tuned, and >= the NumPy loop; LeNet and the
character RNN report their ratios without a target.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["main", "build_parser", "run_benchmarks", "format_table", "WORKLOADS", "RUN_NAMES"]

RUN_NAMES = ("tfref", "tfref-stream", "keras-fit", "keras-fit-tuned", "numpy", "torch")
#: The share of tfref's in-memory throughput the streaming run must reach (issue 12).
STREAM_TARGET = 0.8
TARGETS = {"keras-fit": 4.0, "keras-fit-tuned": 2.0, "numpy": 1.0}
NUM_FEATURES, NUM_CLASSES = 784, 10


@dataclass(frozen=True)
class Workload:
    """One benchmarked model: its name, sizes and hyperparameters."""

    key: str
    model: str
    hidden: int
    batch_size: int
    learning_rate: float
    description: str
    runs: tuple[str, ...] = ("tfref", "keras-fit", "keras-fit-tuned", "numpy", "torch")
    max_samples: int | None = None  # a cap on --samples for the slower models
    targets: bool = True  # whether TARGETS apply

    def samples(self, requested: int) -> int:
        """The number of training samples this workload uses when ``requested`` are asked for."""
        return min(requested, self.max_samples) if self.max_samples else requested


KERAS_ONLY = ("tfref", "keras-fit", "keras-fit-tuned")
CHAR_VOCAB, CHAR_STEPS = 28, 35

WORKLOADS = {
    "mlp": Workload("mlp", "mlp-784-256-10-relu", 256, 128, 0.01,
                    "MLP 784-256-10, ReLU, softmax cross-entropy, SGD(0.01), batch 128",
                    runs=("tfref", "tfref-stream", "keras-fit", "keras-fit-tuned", "numpy",
                          "torch")),
    "bpn": Workload("bpn", "bpn-784-30-10-sigmoid", 30, 1000, 0.5,
                    "BPN 784-30-10, sigmoid, squared error, hand-coded, SGD(0.5), batch 1000"),
    "lenet": Workload("lenet", "lenet-relu-28x28", 0, 256, 0.05,
                      "LeNet-5 (ReLU, max pooling), 28x28x1, softmax cross-entropy, SGD(0.05), "
                      "batch 256", runs=KERAS_ONLY, max_samples=12_000, targets=False),
    "char-rnn": Workload("char-rnn", "char-rnn-28-256", 256, 32, 0.5,
                         "character RNN (one-hot 28, SimpleRNN 256, Dense 28), 35-step "
                         "sequences, SGD(0.5), batch 32", runs=KERAS_ONLY, max_samples=3_200,
                         targets=False),
}


@dataclass
class Settings:
    """How long and how often to measure."""

    samples: int
    epochs: int
    repeats: int
    seed: int
    tuned_steps: tuple[int, ...]
    quick: bool
    device: str | None = None  # "cpu", "gpu" or None: where the TensorFlow runs place their work


# ----------------------------------------------------------------------------- data and weights

def make_data(samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fashion-MNIST-shaped synthetic data: pixels in [0, 1), labels and their one-hot codes.

    Returns:
        ``x`` (samples, 784) float32, ``labels`` (samples,) int32, ``one_hot`` (samples, 10).
    """
    rng = np.random.default_rng(seed)
    x = rng.random((samples, NUM_FEATURES), dtype=np.float32)
    labels = rng.integers(0, NUM_CLASSES, samples).astype(np.int32)
    return x, labels, np.eye(NUM_CLASSES, dtype=np.float32)[labels]


def make_workload_data(workload: Workload, samples: int, seed: int):
    """The data of ``workload``: ``(x, labels, one_hot)``; ``one_hot`` only for mlp and bpn.

    LeNet: images (samples, 28, 28, 1). Character RNN: ids (samples, 35) and the next ids.
    """
    if workload.key in ("mlp", "bpn"):
        return make_data(samples, seed)
    rng = np.random.default_rng(seed)
    if workload.key == "lenet":
        x = rng.random((samples, 28, 28, 1), dtype=np.float32)
        return x, rng.integers(0, NUM_CLASSES, samples).astype(np.int32), None
    ids = rng.integers(0, CHAR_VOCAB, (samples, CHAR_STEPS + 1)).astype(np.int32)
    return ids[:, :-1], ids[:, 1:], None


def _model_weights(workload: Workload, seed: int) -> list[np.ndarray]:
    """Initial weights of the keras-built workloads, the same in every worker process."""
    import keras

    keras.utils.set_random_seed(seed + 1)
    return _build_keras_model(workload).get_weights()


def _build_keras_model(workload: Workload):
    if workload.key == "lenet":
        from tfref.nn.lenet import lenet

        return lenet("relu", (28, 28, 1), NUM_CLASSES)
    from tfref.nn.rnn_lm import keras_char_rnn

    return keras_char_rnn(vocab_size=CHAR_VOCAB, hidden_units=workload.hidden)


def initial_weights(hidden: int, seed: int) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases ``[W1, b1, W2, b2]`` shared by every runner."""
    rng = np.random.default_rng(seed + 1)

    def glorot(fan_in: int, fan_out: int) -> np.ndarray:
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)

    return [glorot(NUM_FEATURES, hidden), np.zeros(hidden, np.float32),
            glorot(hidden, NUM_CLASSES), np.zeros(NUM_CLASSES, np.float32)]


def _batches(num_samples: int, batch_size: int, rng: np.random.Generator):
    """Index arrays of one shuffled epoch; the last batch holds the remainder."""
    order = rng.permutation(num_samples)
    for start in range(0, num_samples, batch_size):
        yield order[start:start + batch_size]


# ----------------------------------------------------------------------------- runners
# TensorFlow, keras and PyTorch are imported inside the runners that use them, so the NumPy and
# PyTorch workers never start TensorFlow's thread pools.

def _sigmoid_np(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _keras_model(workload: Workload, weights):
    import keras

    if workload.key in ("lenet", "char-rnn"):
        model = _build_keras_model(workload)
        model.set_weights(weights)
        return model
    hidden_activation, output_activation = (("relu", None) if workload.key == "mlp"
                                            else ("sigmoid", "sigmoid"))
    model = keras.Sequential([
        keras.Input((NUM_FEATURES,)),
        keras.layers.Dense(weights[0].shape[1], activation=hidden_activation),
        keras.layers.Dense(NUM_CLASSES, activation=output_activation)])
    model.set_weights(weights)
    return model


def _keras_loss(workload: Workload):
    import keras

    from tfref.train.handcoded import half_squared_error

    if workload.key == "bpn":
        return half_squared_error
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


class Runner:
    """One implementation of one workload: ``prepare`` once, then ``measure`` per round."""

    name = ""
    extra: dict

    def __init__(self):
        self.extra = {}

    def prepare(self) -> None:
        """Build the model and warm it up (tracing, compilation), untimed."""

    def measure(self, epochs: int, round_index: int) -> tuple[int, float]:
        """Train ``epochs`` epochs; return (samples trained, seconds) of the timed part."""
        raise NotImplementedError


class TfrefRunner(Runner):
    """tfref.train.fit: each round is one fit call of 1 + epochs epochs; the first is untimed."""

    name = "tfref"

    def __init__(self, workload: Workload, data, weights):
        super().__init__()
        self.workload, self.data, self.weights = workload, data, weights

    def prepare(self) -> None:
        import keras

        from tfref.train.handcoded import BPNStep

        if self.workload.key != "bpn":
            self.model = _keras_model(self.workload, self.weights)
            self.kwargs = {"loss_fn": _keras_loss(self.workload),
                           "optimizer": keras.optimizers.SGD(self.workload.learning_rate)}
            self.y = self.data[1]
        else:
            self.model = BPNStep(self.weights, self.workload.learning_rate)
            self.kwargs = {}
            self.y = self.data[2]

    def measure(self, epochs: int, round_index: int) -> tuple[int, float]:
        from tfref import train

        history = train.fit(self.model, self.data[0], self.y, epochs=1 + epochs,
                            batch_size=self.workload.batch_size, seed=round_index,
                            jit_compile=self.workload.key in ("mlp", "bpn") or "auto",
                            progress=False, **self.kwargs)
        samples = len(self.y)
        seconds = float(np.sum(samples / history.samples_per_second[1:]))
        return samples * epochs, seconds


class TfrefStreamRunner(Runner):
    """tfref.train.fit_dataset streaming the same data from TFRecord shards on disk.

    ``prepare`` writes the training set as 8 shards (tfref.data.shards) in a temporary folder
    and checks their sha256 once; each epoch then interleaves the files, parses the records in
    parallel and prefetches (tf.data.AUTOTUNE), shuffled per epoch from the seed. Sizes are
    still checked every epoch; the checksums not again (reading 200 MB to hash them would be
    timed otherwise).
    """

    name = "tfref-stream"

    def __init__(self, workload: Workload, data, weights):
        super().__init__()
        self.workload, self.data, self.weights = workload, data, weights

    def prepare(self) -> None:
        import tempfile

        import keras

        from tfref.data import shards

        self._folder = tempfile.TemporaryDirectory(prefix="tfref-bench-shards-")
        self.folder = self._folder.name
        shards.write_shards(self.data[0], self.data[1], self.folder, num_shards=8,
                            description="bench data")
        shards.read_manifest(self.folder, verify=True)
        self.model = _keras_model(self.workload, self.weights)
        self.kwargs = {"loss_fn": _keras_loss(self.workload),
                       "optimizer": keras.optimizers.SGD(self.workload.learning_rate)}
        self.extra = {"source": "8 TFRecord shards on disk", "in_memory_share_target":
                      STREAM_TARGET}

    def measure(self, epochs: int, round_index: int) -> tuple[int, float]:
        from tfref import train
        from tfref.data import shards

        def dataset(epoch: int):
            return shards.read_shards(self.folder, batch_size=self.workload.batch_size,
                                      shuffle_seed=round_index * 1000 + epoch, verify=False)

        history = train.fit_dataset(self.model, dataset, epochs=1 + epochs, jit_compile=True,
                                    progress=False, **self.kwargs)
        samples = len(self.data[1])
        seconds = float(np.sum(samples / history.samples_per_second[1:]))
        return samples * epochs, seconds


class KerasFitRunner(Runner):
    """keras Model.fit, compiled with keras defaults (optionally steps_per_execution)."""

    def __init__(self, workload: Workload, data, weights, steps_per_execution: int = 1,
                 name: str = "keras-fit"):
        super().__init__()
        self.workload, self.data, self.weights = workload, data, weights
        self.steps_per_execution = steps_per_execution
        self.name = name
        if steps_per_execution != 1:
            self.extra = {"steps_per_execution": steps_per_execution}

    def prepare(self) -> None:
        import keras

        self.model = _keras_model(self.workload, self.weights)
        self.y = self.data[2] if self.workload.key == "bpn" else self.data[1]
        self.model.compile(optimizer=keras.optimizers.SGD(self.workload.learning_rate),
                           loss=_keras_loss(self.workload),
                           steps_per_execution=self.steps_per_execution)
        self.model.fit(self.data[0], self.y, batch_size=self.workload.batch_size, epochs=1,
                       verbose=0)

    def measure(self, epochs: int, round_index: int) -> tuple[int, float]:
        import keras

        durations: list[float] = []

        class EpochTimer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                durations.append(time.perf_counter() - self.start)

        self.model.fit(self.data[0], self.y, batch_size=self.workload.batch_size, epochs=epochs,
                       verbose=0, callbacks=[EpochTimer()])
        return len(self.y) * epochs, float(sum(durations))


class NumpyRunner(Runner):
    """A plain NumPy loop: the forward and backward formulas written out, float32."""

    name = "numpy"

    def __init__(self, workload: Workload, data, weights):
        super().__init__()
        self.workload, self.data = workload, data
        self.weights = [w.copy() for w in weights]

    def measure(self, epochs: int, round_index: int) -> tuple[int, float]:
        x, labels, one_hot = self.data
        rng = np.random.default_rng(round_index)
        step = self._mlp_step if self.workload.key == "mlp" else self._bpn_step
        start = time.perf_counter()
        for _ in range(epochs):
            for index in _batches(len(x), self.workload.batch_size, rng):
                step(x[index], labels[index], one_hot[index])
        return len(x) * epochs, time.perf_counter() - start

    def _mlp_step(self, xb, labels, one_hot) -> float:
        w1, b1, w2, b2 = self.weights
        lr, n = np.float32(self.workload.learning_rate), len(xb)
        h = xb @ w1 + b1  # (batch, 256)
        a = np.maximum(h, 0.0)
        z = a @ w2 + b2  # (batch, 10)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = -np.log(p[rows, labels]).sum()
        dz = p
        dz[rows, labels] -= 1.0
        dz /= n  # d(mean loss)/dz
        da = dz @ w2.T
        da[h <= 0] = 0.0
        w2 -= lr * (a.T @ dz)
        b2 -= lr * dz.sum(axis=0)
        w1 -= lr * (xb.T @ da)
        b1 -= lr * da.sum(axis=0)
        return float(loss)

    def _bpn_step(self, xb, labels, y) -> float:
        w1, b1, w2, b2 = self.weights
        lr, n = np.float32(self.workload.learning_rate), len(xb)
        a1 = _sigmoid_np(xb @ w1 + b1)  # (batch, 30)
        y_hat = _sigmoid_np(a1 @ w2 + b2)  # (batch, 10)
        error = y_hat - y
        delta2 = error * y_hat * (1.0 - y_hat)
        delta1 = (delta2 @ w2.T) * a1 * (1.0 - a1)
        w2 -= lr * (a1.T @ delta2) / n
        b2 -= lr * delta2.mean(axis=0)
        w1 -= lr * (xb.T @ delta1) / n
        b1 -= lr * delta1.mean(axis=0)
        return float(0.5 * (error * error).sum())


class TorchRunner(Runner):
    """PyTorch eager: autograd and torch.optim.SGD for the MLP; hand-coded for the BPN."""

    name = "torch"

    def __init__(self, workload: Workload, data, weights):
        super().__init__()
        self.workload, self.data, self.weights = workload, data, weights

    def prepare(self) -> None:
        import torch

        self.torch = torch
        self.x = torch.from_numpy(self.data[0])
        self.labels = torch.from_numpy(self.data[1]).long()
        self.one_hot = torch.from_numpy(self.data[2])
        w1, b1, w2, b2 = (torch.from_numpy(w.copy()) for w in self.weights)
        if self.workload.key == "mlp":
            self.model = torch.nn.Sequential(torch.nn.Linear(NUM_FEATURES, w1.shape[1]),
                                             torch.nn.ReLU(),
                                             torch.nn.Linear(w1.shape[1], NUM_CLASSES))
            with torch.no_grad():  # torch keeps kernels as (out, in)
                self.model[0].weight.copy_(w1.T)
                self.model[0].bias.copy_(b1)
                self.model[2].weight.copy_(w2.T)
                self.model[2].bias.copy_(b2)
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=self.workload.learning_rate)
        else:
            self.params = [w1, b1, w2, b2]
        self.extra = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        self._warm()

    def _warm(self) -> None:
        """One epoch over the first four batches, untimed (allocator and kernel warm-up)."""
        keep = self.x, self.labels, self.one_hot
        self.x, self.labels, self.one_hot = (t[: 4 * self.workload.batch_size] for t in keep)
        self.measure(1, -1)
        self.x, self.labels, self.one_hot = keep

    def measure(self, epochs: int, round_index: int) -> tuple[int, float]:
        torch = self.torch
        generator = torch.Generator().manual_seed(max(round_index, 0))
        batch, num_samples = self.workload.batch_size, len(self.x)
        start = time.perf_counter()
        for _ in range(epochs):
            order = torch.randperm(num_samples, generator=generator)
            for first in range(0, num_samples, batch):
                index = order[first:first + batch]
                if self.workload.key == "mlp":
                    self._mlp_step(self.x[index], self.labels[index])
                else:
                    self._bpn_step(self.x[index], self.one_hot[index])
        return num_samples * epochs, time.perf_counter() - start

    def _mlp_step(self, xb, labels) -> None:
        self.optimizer.zero_grad()
        loss = self.torch.nn.functional.cross_entropy(self.model(xb), labels)
        loss.backward()
        self.optimizer.step()

    def _bpn_step(self, xb, y) -> None:
        w1, b1, w2, b2 = self.params
        lr, n = self.workload.learning_rate, xb.shape[0]
        a1 = self.torch.sigmoid(xb @ w1 + b1)
        y_hat = self.torch.sigmoid(a1 @ w2 + b2)
        error = y_hat - y
        delta2 = error * y_hat * (1.0 - y_hat)
        delta1 = (delta2 @ w2.T) * a1 * (1.0 - a1)
        w2 -= lr * (a1.T @ delta2) / n
        b2 -= lr * delta2.mean(dim=0)
        w1 -= lr * (xb.T @ delta1) / n
        b1 -= lr * delta1.mean(dim=0)


# ----------------------------------------------------------------------------- measuring

def make_runner(name: str, steps_per_execution: int, workload: Workload, seed: int,
                samples: int) -> Runner:
    """The runner of implementation ``name`` for ``workload``, with its data and weights."""
    if name not in workload.runs:
        raise ValueError(f"workload {workload.key!r} has no {name!r} run; it has "
                         f"{', '.join(workload.runs)}")
    data = make_workload_data(workload, workload.samples(samples), seed)
    weights = (initial_weights(workload.hidden, seed) if workload.key in ("mlp", "bpn")
               else _model_weights(workload, seed))
    if name == "tfref":
        return TfrefRunner(workload, data, weights)
    if name == "tfref-stream":
        return TfrefStreamRunner(workload, data, weights)
    if name in ("keras-fit", "keras-fit-tuned"):
        return KerasFitRunner(workload, data, weights, steps_per_execution, name=name)
    if name == "numpy":
        return NumpyRunner(workload, data, weights)
    if name == "torch":
        return TorchRunner(workload, data, weights)
    raise ValueError(f"unknown run {name!r}; known: {', '.join(RUN_NAMES)}")


#: The runs that TensorFlow executes (``--device`` places them); NumPy and PyTorch run on the CPU.
TF_RUNS = ("tfref", "tfref-stream", "keras-fit", "keras-fit-tuned")


def _placement(name: str, device: str | None):
    """``tf.device`` for a TensorFlow run when ``--device`` is given; nothing otherwise."""
    import contextlib

    if device is None or name not in TF_RUNS:
        return contextlib.nullcontext()
    from tfref.train.distribute import device_scope

    return device_scope(device)


def _worker(connection, name: str, steps_per_execution: int, settings: dict) -> None:
    """A worker process: builds one implementation's runner per workload, measures on request.

    Commands (tuples) received on ``connection``: ``("prepare", workload key)``,
    ``("measure", round index)``, ``("stop",)``. Each answer is ``("ok", value)`` or
    ``("error", traceback text)``.
    """
    runner = None
    while True:
        command = connection.recv()
        try:
            if command[0] == "stop":
                return
            if command[0] == "prepare":
                runner = None  # free the previous workload's data first
                runner = make_runner(name, steps_per_execution, WORKLOADS[command[1]],
                                     settings["seed"], settings["samples"])
                with _placement(name, settings.get("device")):
                    runner.prepare()
                connection.send(("ok", runner.extra))
            elif command[0] == "measure":
                with _placement(name, settings.get("device")):
                    connection.send(("ok", runner.measure(settings["epochs"], command[1])))
        except Exception:  # report to the parent, which raises it with the worker's traceback
            connection.send(("error", traceback.format_exc()))


class _Worker:
    """The parent's handle on one worker process (or, in process, on a runner directly)."""

    def __init__(self, name: str, steps_per_execution: int, settings: Settings,
                 isolate: bool):
        self.name, self.steps_per_execution = name, steps_per_execution
        self.settings = settings
        self.extra: dict = {}
        self.best = 0.0
        self.rounds: list[float] = []
        self.process = None
        self.runner: Runner | None = None
        if isolate:
            context = multiprocessing.get_context("spawn")
            self.connection, child = context.Pipe()
            self.process = context.Process(
                target=_worker, args=(child, name, steps_per_execution, asdict(settings)),
                name=f"tfref-bench-{name}-{steps_per_execution}", daemon=True)
            self.process.start()
            child.close()

    def _ask(self, *command):
        self.connection.send(command)
        status, value = self.connection.recv()
        if status == "error":
            raise RuntimeError(f"benchmark worker {self.name} failed:\n{value}")
        return value

    def prepare(self, workload: Workload) -> None:
        if self.process is None:
            self.runner = make_runner(self.name, self.steps_per_execution, workload,
                                      self.settings.seed, self.settings.samples)
            self.runner.prepare()
            self.extra = self.runner.extra
        else:
            self.extra = self._ask("prepare", workload.key)
        self.best, self.rounds = 0.0, []

    def measure(self, round_index: int) -> float:
        if self.process is None:
            samples, seconds = self.runner.measure(self.settings.epochs, round_index)
        else:
            samples, seconds = self._ask("measure", round_index)
        rate = samples / seconds
        self.rounds.append(rate)
        self.best = max(self.best, rate)
        return rate

    def stop(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.connection.send(("stop",))
            self.process.join(timeout=30)
            self.connection.close()


@dataclass
class _Run:
    """One named implementation: its worker(s) (several for the tuned keras fit)."""

    name: str
    workers: list[_Worker] = field(default_factory=list)

    @property
    def best_worker(self) -> _Worker:
        return max(self.workers, key=lambda worker: worker.best)


def bench_workload(workload: Workload, runs: list[_Run], settings: Settings,
                   say: Callable[[str], None]) -> dict:
    """Prepare every run for ``workload``, measure them in turns; return its JSON entry."""
    runs = [run for run in runs if run.name in workload.runs]
    for run in runs:
        for worker in run.workers:
            say(f"  {workload.key}: preparing {worker.name}"
                + (f" (steps_per_execution={worker.steps_per_execution})"
                   if worker.steps_per_execution != 1 else ""))
            worker.prepare(workload)
    workers = [worker for run in runs for worker in run.workers]
    for round_index in range(settings.repeats):
        shift = round_index % len(workers)  # rotate who goes first, so no one always follows
        for worker in workers[shift:] + workers[:shift]:  # the same neighbour
            worker.measure(round_index)
        say(f"  {workload.key}: round {round_index + 1}/{settings.repeats}: "
            + "  ".join(f"{run.name} {run.best_worker.best:,.0f}" for run in runs))
    best = {run.name: run.best_worker for run in runs}
    tfref_rate = best["tfref"].best if "tfref" in best else None
    entries = []
    for run in runs:
        worker = best[run.name]
        entry = {"name": run.name, "samples_per_second": round(worker.best, 1)}
        if tfref_rate is not None:
            entry["tfref_speedup"] = round(tfref_rate / worker.best, 3)
        if worker.steps_per_execution != 1:
            entry["steps_per_execution"] = worker.steps_per_execution
        entry.update(worker.extra)
        entries.append(entry)
    result = {"model": workload.model, "description": workload.description,
              "batch_size": workload.batch_size, "samples": workload.samples(settings.samples),
              "epochs_timed": settings.epochs, "repeats": settings.repeats, "runs": entries}
    if tfref_rate is not None and workload.targets:
        result["targets"] = {f"tfref >= {factor:g}x {name}": bool(tfref_rate >= factor
                                                                   * best[name].best)
                             for name, factor in TARGETS.items() if name in best}
    if tfref_rate is not None and "tfref-stream" in best:
        share = best["tfref-stream"].best / tfref_rate
        result["streaming_share_of_in_memory"] = round(share, 3)
        result.setdefault("targets", {})[f"streaming >= {STREAM_TARGET:.0%} of in-memory"] = bool(
            share >= STREAM_TARGET)
    return result


def torch_available() -> bool:
    """Whether PyTorch can be imported (it is optional)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_benchmarks(models: list[str], run_names: list[str], settings: Settings,
                   say: Callable[[str], None] = lambda message: None, *,
                   isolate: bool = True) -> dict:
    """Run the named workloads and implementations; return the JSON document.

    Args:
        models: workload keys, from ``WORKLOADS`` (``"mlp"``, ``"bpn"``).
        run_names: implementations, from ``RUN_NAMES`` (torch is skipped when not installed).
        settings: samples, timed epochs per round, rounds, seed, tuned steps_per_execution.
        say: called with progress messages.
        isolate: run each implementation in its own worker process (the default); False
            measures everything in this process, where the libraries' threads disturb each
            other (for debugging).

    Returns:
        ``{"benchmarks": [{"model", "batch_size", "runs": [{"name", "samples_per_second",
        "tfref_speedup", ...}], "targets": {...}}], "machine": {...}, "settings": {...}}``.

    Raises:
        RuntimeError: when a worker fails (with the worker's traceback).
    """
    if "torch" in run_names and not torch_available():
        run_names = [name for name in run_names if name != "torch"]
        say("  torch is not installed; skipping the PyTorch runs")
    runs = []
    for name in run_names:
        steps = settings.tuned_steps if name == "keras-fit-tuned" else (1,)
        runs.append(_Run(name, [_Worker(name, spe, settings, isolate) for spe in steps]))
    try:
        benchmarks = [bench_workload(WORKLOADS[key], runs, settings, say) for key in models]
    finally:
        for run in runs:
            for worker in run.workers:
                worker.stop()
    return {"benchmarks": benchmarks, "machine": _machine(),
            "settings": {"samples": settings.samples, "epochs_timed": settings.epochs,
                         "device": settings.device,
                         "repeats": settings.repeats, "seed": settings.seed,
                         "quick": settings.quick, "isolated_processes": isolate,
                         "tuned_steps_per_execution": list(settings.tuned_steps)}}


def _machine() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def installed(package: str) -> str | None:
        try:
            return version(package)
        except PackageNotFoundError:
            return None

    machine = {"cpu_count": os.cpu_count(), "platform": platform.platform(),
               "processor": platform.processor() or platform.machine(),
               "python": platform.python_version(), "tensorflow": installed("tensorflow"),
               "keras": installed("keras"), "numpy": np.__version__}
    torch_version = installed("torch")
    if torch_version:
        machine["torch"] = torch_version
    return machine


def format_table(document: dict) -> str:
    """A readable table: samples/s per implementation and tfref's speed-up over each."""
    lines = []
    for bench in document["benchmarks"]:
        lines.append(f"{bench['description']}  ({bench['samples']} samples, best of "
                     f"{bench['repeats']} x {bench['epochs_timed']} epochs)")
        lines.append(f"  {'implementation':<26} {'samples/s':>12} {'tfref speed-up':>15}")
        for run in bench["runs"]:
            name = run["name"]
            if "steps_per_execution" in run:
                name += f" (spe={run['steps_per_execution']})"
            speedup = f"{run['tfref_speedup']:.2f}x" if "tfref_speedup" in run else "-"
            lines.append(f"  {name:<26} {run['samples_per_second']:>12,.0f} {speedup:>15}")
        if "streaming_share_of_in_memory" in bench:
            lines.append(f"  streaming from TFRecord shards: "
                         f"{bench['streaming_share_of_in_memory']:.0%} of tfref's in-memory rate")
        for target, ok in bench.get("targets", {}).items():
            lines.append(f"  target {target}: {'met' if ok else 'NOT met'}")
        lines.append("")
    machine = document["machine"]
    lines.append(f"{machine['cpu_count']} CPUs, TensorFlow {machine['tensorflow']}, "
                 f"Keras {machine['keras']}, NumPy {machine['numpy']}"
                 + (f", PyTorch {machine['torch']}" if "torch" in machine else ", no PyTorch"))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- command line

def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {value}")
    return value


def _names(known: tuple[str, ...], option: str):
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"{option} takes a comma-separated list of {', '.join(known)}; got {text!r}")
        return names

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The ``tfref bench`` argument parser.

    Returns:
        An ``argparse.ArgumentParser`` with ``--quick --json --samples --epochs --repeats
        --models --runs --seed --in-process --verbose``.
    """
    parser = argparse.ArgumentParser(
        prog="tfref bench",
        description="Training throughput of tfref's engine beside keras Model.fit (default "
                    "and steps_per_execution tuned), a NumPy hand-coded loop and PyTorch eager "
                    "(when installed), on Fashion-MNIST-shaped synthetic data.")
    parser.add_argument("--quick", action="store_true",
                        help="a short run: 10000 samples, 2 rounds, one tuned setting")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--samples", type=_positive, default=None,
                        help="training samples (default 60000; 10000 with --quick)")
    parser.add_argument("--epochs", type=_positive, default=None,
                        help="timed epochs per round (default 1)")
    parser.add_argument("--repeats", type=_positive, default=None,
                        help="rounds; each implementation keeps its best (default 5; 2 quick)")
    parser.add_argument("--models", type=_names(tuple(WORKLOADS), "--models"),
                        default=list(WORKLOADS),
                        help=f"workloads (default all): {','.join(WORKLOADS)}")
    parser.add_argument("--runs", type=_names(RUN_NAMES, "--runs"), default=list(RUN_NAMES),
                        help=f"implementations (default all): {','.join(RUN_NAMES)}")
    parser.add_argument("--seed", type=int, default=0, help="data and weight seed (default 0)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default=None,
                        help="place the TensorFlow runs (tfref, tfref-stream, keras fit) on the "
                             "CPU or the GPU; with gpu the NumPy and PyTorch CPU runs are left "
                             "out (an error when TensorFlow sees no GPU)")
    parser.add_argument("--in-process", action="store_true",
                        help="measure every implementation in this process instead of one worker "
                             "process each (faster to start; their thread pools then interfere)")
    parser.add_argument("--verbose", action="store_true",
                        help="report progress on stderr even when it is not a terminal")
    return parser


def main(argv: list[str]) -> int:
    """Run ``tfref bench`` with ``argv``; print a table (or JSON); return the exit status.

    Args:
        argv: the arguments after ``tfref bench``.

    Returns:
        0 after a run (missed targets are reported, not an error); 2 on bad arguments.

    Example:
        ``main(["--quick", "--json"])`` prints ``{"benchmarks": [...], ...}``.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    settings = Settings(samples=args.samples or (10_000 if args.quick else 60_000),
                        epochs=args.epochs or 1,
                        repeats=args.repeats or (2 if args.quick else 5), seed=args.seed,
                        tuned_steps=(32,) if args.quick else (32, 128), quick=args.quick,
                        device=args.device)
    verbose = args.verbose or sys.stderr.isatty()

    def say(message: str) -> None:
        if verbose:
            print(message, file=sys.stderr, flush=True)

    if args.device == "gpu":
        from tfref.train.distribute import device_name

        try:
            device_name("gpu")
        except ValueError as error:
            print(f"tfref bench: error: {error}", file=sys.stderr)
            return 2
        dropped = [name for name in args.runs if name not in TF_RUNS]
        if dropped:
            say(f"  --device gpu: leaving out the CPU runs {', '.join(dropped)}")
        args.runs = [name for name in args.runs if name in TF_RUNS]

    document = run_benchmarks(args.models, args.runs, settings, say, isolate=not args.in_process)
    print(json.dumps(document, indent=2) if args.json else format_table(document))
    return 0
