"""The benchmarked workloads: one object each, holding everything that differs between them.

A :class:`Workload` knows its data, its initial weights, its keras model and loss, its tfref
model (a keras model or a hand-coded :class:`tfref.train.TrainStep`), the bare TensorFlow step
of its roofline, and its NumPy and PyTorch equivalents. The runners (:mod:`tfref.bench.runners`)
and the harness (:mod:`tfref.bench.harness`) only call these methods; nothing else branches on
a workload's name.

TensorFlow, keras and PyTorch are imported inside the methods that use them, so that the NumPy
and PyTorch worker processes never start TensorFlow's thread pools.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Workload", "MLPWorkload", "BPNWorkload", "LeNetWorkload", "CharRNNWorkload",
           "WORKLOADS", "NUM_FEATURES", "NUM_CLASSES", "CHAR_VOCAB", "CHAR_STEPS", "make_data",
           "initial_weights", "ROOFLINE_SHARE_TARGET"]

NUM_FEATURES, NUM_CLASSES = 784, 10
CHAR_VOCAB, CHAR_STEPS = 28, 35
#: tfref's rate as a share of the roofline's that every workload should reach (issue 12).
ROOFLINE_SHARE_TARGET = 0.85


def make_data(samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fashion-MNIST-shaped synthetic data: pixels in [0, 1), labels and their one-hot codes.

    Returns:
        ``x`` (samples, 784) float32, ``labels`` (samples,) int32, ``one_hot`` (samples, 10).
    """
    rng = np.random.default_rng(seed)
    x = rng.random((samples, NUM_FEATURES), dtype=np.float32)
    labels = rng.integers(0, NUM_CLASSES, samples).astype(np.int32)
    return x, labels, np.eye(NUM_CLASSES, dtype=np.float32)[labels]


def initial_weights(hidden: int, seed: int) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases ``[W1, b1, W2, b2]`` of the 784-hidden-10 nets."""
    rng = np.random.default_rng(seed + 1)

    def glorot(fan_in: int, fan_out: int) -> np.ndarray:
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)

    return [glorot(NUM_FEATURES, hidden), np.zeros(hidden, np.float32),
            glorot(hidden, NUM_CLASSES), np.zeros(NUM_CLASSES, np.float32)]


def _sigmoid_np(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Workload:
    """One benchmarked model: sizes, hyperparameters, targets and its implementations.

    Attributes:
        key: the ``--models`` name.
        model: the JSON ``model`` name.
        hidden: hidden units (0 where not meaningful).
        batch_size: samples per step.
        learning_rate: SGD's step size.
        description: one line for the table.
        runs: the implementations it has (``--runs`` names).
        max_samples: a cap on ``--samples`` for the slower models.
        targets: ``{run name: factor}``: tfref's rate should be at least factor x that run's
            (``"roofline"``: a share of it).
    """

    key: str
    model: str
    hidden: int
    batch_size: int
    learning_rate: float
    description: str
    runs: tuple[str, ...] = ()
    max_samples: int | None = None
    targets: dict = field(default_factory=dict)

    def samples(self, requested: int) -> int:
        """The number of training samples this workload uses when ``requested`` are asked for."""
        return min(requested, self.max_samples) if self.max_samples else requested

    # -- data and weights
    def data(self, samples: int, seed: int) -> tuple:
        """``(x, labels, one_hot or None)``, NumPy arrays."""
        raise NotImplementedError

    def weights(self, seed: int) -> list[np.ndarray]:
        """The initial weights every implementation starts from (keras ``get_weights`` order)."""
        import keras

        keras.utils.set_random_seed(seed + 1)
        return self._keras_architecture().get_weights()

    def targets_of(self, data: tuple) -> np.ndarray:
        """What the keras and tfref runs train towards: the labels (one-hot for the BPN)."""
        return data[1]

    # -- TensorFlow
    def _keras_architecture(self):
        raise NotImplementedError

    def keras_model(self, weights):
        """The keras model with ``weights``."""
        model = self._keras_architecture()
        model.set_weights(weights)
        return model

    def keras_loss(self):
        """The loss keras fit and tfref train with."""
        import keras

        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def tfref_model(self, weights):
        """``(model or TrainStep, fit keyword arguments)`` for :func:`tfref.train.fit`."""
        import keras

        return self.keras_model(weights), {"loss_fn": self.keras_loss(),
                                           "optimizer": keras.optimizers.SGD(self.learning_rate)}

    def bare_step(self, weights):
        """The roofline's step: ``step(x, y)`` doing forward, backward and the SGD update with
        nothing else (no metric, no optimizer object), for use inside a ``tf.function``."""
        import tensorflow as tf

        model, loss_fn = self.keras_model(weights), self.keras_loss()
        variables = model.trainable_variables
        lr = self.learning_rate

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(loss_fn.call(y, model(x, training=True)))
            for variable, gradient in zip(variables, tape.gradient(loss, variables)):
                variable.assign_sub(lr * gradient)
            return loss

        return step

    # -- NumPy and PyTorch
    def numpy_step(self, weights: list[np.ndarray], xb, labels, one_hot) -> float:
        """One NumPy SGD step on the batch, updating ``weights`` in place; returns the loss
        sum. Only for workloads with a ``"numpy"`` run."""
        raise NotImplementedError(f"{self.key} has no NumPy implementation")

    def torch_data(self, data: tuple):
        """``(x, y)`` torch tensors of the whole set (layouts converted once, untimed)."""
        import torch

        return torch.from_numpy(np.ascontiguousarray(data[0])), torch.from_numpy(
            data[1]).long()

    def torch_model(self, weights):
        """The torch ``nn.Module`` with ``weights`` converted from keras' layouts."""
        raise NotImplementedError(f"{self.key} has no PyTorch implementation")

    def torch_step(self, weights):
        """``step(x, y)``: one PyTorch SGD step (autograd and torch.optim, or hand-coded);
        returns the loss tensor. Its ``.compiled()`` is the torch.compile version."""
        import torch

        model = self.torch_model(weights)
        optimizer = torch.optim.SGD(model.parameters(), lr=self.learning_rate)
        return _TorchAutogradStep(model, optimizer, self.torch_loss)

    @staticmethod
    def torch_loss(logits, y):
        import torch

        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 y.reshape(-1))


class _TorchAutogradStep:
    """A torch training step: forward, loss, backward, optimizer step."""

    def __init__(self, model, optimizer, loss):
        self.model, self.optimizer, self.loss = model, optimizer, loss
        self.forward = model

    def compiled(self) -> _TorchAutogradStep:
        """torch.compile the model (forward and backward, by AOTAutograd); the optimizer's
        update stays eager (plain SGD: one fused foreach call)."""
        import torch

        self.forward = torch.compile(self.model)
        return self

    def __call__(self, x, y):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.forward(x), y)
        loss.backward()
        self.optimizer.step()
        return loss


@dataclass(frozen=True)
class MLPWorkload(Workload):
    """784-256-10, ReLU, softmax cross-entropy from logits, SGD."""

    def data(self, samples: int, seed: int) -> tuple:
        return make_data(samples, seed)

    def weights(self, seed: int) -> list[np.ndarray]:
        return initial_weights(self.hidden, seed)

    def _keras_architecture(self):
        import keras

        return keras.Sequential([keras.Input((NUM_FEATURES,)),
                                 keras.layers.Dense(self.hidden, activation="relu"),
                                 keras.layers.Dense(NUM_CLASSES)])

    def numpy_step(self, weights, xb, labels, one_hot) -> float:
        w1, b1, w2, b2 = weights
        lr, n = np.float32(self.learning_rate), len(xb)
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

    def torch_model(self, weights):
        import torch

        w1, b1, w2, b2 = (torch.from_numpy(w.copy()) for w in weights)
        model = torch.nn.Sequential(torch.nn.Linear(NUM_FEATURES, w1.shape[1]), torch.nn.ReLU(),
                                    torch.nn.Linear(w1.shape[1], NUM_CLASSES))
        with torch.no_grad():  # torch keeps kernels as (out, in)
            model[0].weight.copy_(w1.T)
            model[0].bias.copy_(b1)
            model[2].weight.copy_(w2.T)
            model[2].bias.copy_(b2)
        return model


@dataclass(frozen=True)
class BPNWorkload(MLPWorkload):
    """The 784-30-10 sigmoid back-propagation network with hand-coded gradients: the forward
    and backward formulas of :mod:`tfref.nn.bpn` (written there once), batch-averaged steps;
    the NumPy and PyTorch rows compute the same steps in their own arrays."""

    def targets_of(self, data: tuple) -> np.ndarray:
        return data[2]

    def _keras_architecture(self):
        import keras

        return keras.Sequential([keras.Input((NUM_FEATURES,)),
                                 keras.layers.Dense(self.hidden, activation="sigmoid"),
                                 keras.layers.Dense(NUM_CLASSES, activation="sigmoid")])

    def keras_loss(self):
        from tfref.train.handcoded import half_squared_error

        return half_squared_error

    def tfref_model(self, weights):
        from tfref.train.handcoded import BPNStep

        return BPNStep(weights, self.learning_rate), {}

    def bare_step(self, weights):
        from tfref.train.handcoded import BPNStep

        step = BPNStep(weights, self.learning_rate)
        variables = [step.w1, step.b1, step.w2, step.b2]

        def bare(x, y):
            gradients, error, _ = step.gradients(x, y)
            for variable, gradient in zip(variables, gradients):
                variable.assign_sub(self.learning_rate * gradient)
            return error[0, 0]

        return bare

    def numpy_step(self, weights, xb, labels, one_hot) -> float:
        w1, b1, w2, b2 = weights
        lr, n = np.float32(self.learning_rate), len(xb)
        a1 = _sigmoid_np(xb @ w1 + b1)  # (batch, 30)
        y_hat = _sigmoid_np(a1 @ w2 + b2)  # (batch, 10)
        error = y_hat - one_hot
        delta2 = error * y_hat * (1.0 - y_hat)
        delta1 = (delta2 @ w2.T) * a1 * (1.0 - a1)
        w2 -= lr * (a1.T @ delta2) / n
        b2 -= lr * delta2.mean(axis=0)
        w1 -= lr * (xb.T @ delta1) / n
        b1 -= lr * delta1.mean(axis=0)
        return float(0.5 * (error * error).sum())

    def torch_data(self, data: tuple):
        import torch

        return torch.from_numpy(data[0]), torch.from_numpy(data[2])

    def torch_step(self, weights):
        return _TorchBPNStep([w.copy() for w in weights], self.learning_rate)


class _TorchBPNStep:
    """The BPN's hand-coded step in PyTorch (no autograd)."""

    def __init__(self, weights, learning_rate: float):
        import torch

        self.torch = torch
        self.params = [torch.from_numpy(w) for w in weights]
        self.learning_rate = learning_rate
        self.step = self._step

    def compiled(self) -> _TorchBPNStep:
        self.step = self.torch.compile(self._step)
        return self

    def _step(self, xb, y, w1, b1, w2, b2):
        lr, n = self.learning_rate, xb.shape[0]
        a1 = self.torch.sigmoid(xb @ w1 + b1)
        y_hat = self.torch.sigmoid(a1 @ w2 + b2)
        error = y_hat - y
        delta2 = error * y_hat * (1.0 - y_hat)
        delta1 = (delta2 @ w2.T) * a1 * (1.0 - a1)
        w2.sub_(lr * (a1.T @ delta2) / n)
        b2.sub_(lr * delta2.mean(dim=0))
        w1.sub_(lr * (xb.T @ delta1) / n)
        b1.sub_(lr * delta1.mean(dim=0))
        return error

    def __call__(self, x, y):
        return self.step(x, y, *self.params)


@dataclass(frozen=True)
class LeNetWorkload(Workload):
    """LeNet-5 with ReLU and max pooling (:func:`tfref.nn.lenet.lenet`) on 28 x 28 x 1."""

    def data(self, samples: int, seed: int) -> tuple:
        rng = np.random.default_rng(seed)
        x = rng.random((samples, 28, 28, 1), dtype=np.float32)
        return x, rng.integers(0, NUM_CLASSES, samples).astype(np.int32), None

    def _keras_architecture(self):
        from tfref.nn.lenet import lenet

        return lenet("relu", (28, 28, 1), NUM_CLASSES)

    def torch_data(self, data: tuple):
        import torch

        x = np.ascontiguousarray(data[0].transpose(0, 3, 1, 2))  # NHWC -> NCHW, once
        return torch.from_numpy(x), torch.from_numpy(data[1]).long()

    def torch_model(self, weights):
        import torch

        nn = torch.nn
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
            _FlattenChannelsLast(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
            nn.ReLU(), nn.Linear(84, NUM_CLASSES))
        k1, c1, k2, c2, d1, e1, d2, e2, d3, e3 = weights
        with torch.no_grad():
            for layer, kernel, bias in ((model[0], k1, c1), (model[3], k2, c2)):
                layer.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
                layer.bias.copy_(torch.from_numpy(bias))
            for layer, kernel, bias in ((model[7], d1, e1), (model[9], d2, e2),
                                        (model[11], d3, e3)):
                layer.weight.copy_(torch.from_numpy(kernel.T.copy()))
                layer.bias.copy_(torch.from_numpy(bias))
        return model


def _FlattenChannelsLast():
    """Flatten (N, C, H, W) in keras' (H, W, C) order, so keras' dense kernel fits unchanged."""
    import torch

    class FlattenChannelsLast(torch.nn.Module):
        def forward(self, x):
            return x.permute(0, 2, 3, 1).flatten(1)

    return FlattenChannelsLast()


@dataclass(frozen=True)
class CharRNNWorkload(Workload):
    """The Keras character RNN of the language-model topic (:func:`tfref.nn.rnn_lm.keras_char_rnn`:
    one-hot 28, SimpleRNN 256, Dense 28) on 35-character sequences; a sample is one sequence."""

    def data(self, samples: int, seed: int) -> tuple:
        rng = np.random.default_rng(seed)
        ids = rng.integers(0, CHAR_VOCAB, (samples, CHAR_STEPS + 1)).astype(np.int32)
        return ids[:, :-1], ids[:, 1:], None

    def _keras_architecture(self):
        from tfref.nn.rnn_lm import keras_char_rnn

        return keras_char_rnn(vocab_size=CHAR_VOCAB, hidden_units=self.hidden)

    def torch_data(self, data: tuple):
        import torch

        return torch.from_numpy(data[0]).long(), torch.from_numpy(data[1]).long()

    def torch_model(self, weights):
        import torch

        kernel, recurrent, bias, dense, dense_bias = weights
        model = _TorchCharRNN(CHAR_VOCAB, self.hidden)
        with torch.no_grad():
            model.rnn.weight_ih_l0.copy_(torch.from_numpy(kernel.T.copy()))
            model.rnn.weight_hh_l0.copy_(torch.from_numpy(recurrent.T.copy()))
            model.rnn.bias_ih_l0.copy_(torch.from_numpy(bias))
            model.rnn.bias_hh_l0.zero_()  # keras has one bias: torch's second stays 0
            model.out.weight.copy_(torch.from_numpy(dense.T.copy()))
            model.out.bias.copy_(torch.from_numpy(dense_bias))
        model.rnn.bias_hh_l0.requires_grad_(False)
        return model


def _TorchCharRNN(vocab: int, hidden: int):
    import torch

    class TorchCharRNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.vocab = vocab
            self.rnn = torch.nn.RNN(vocab, hidden, nonlinearity="tanh", batch_first=True)
            self.out = torch.nn.Linear(hidden, vocab)

        def forward(self, ids):
            x = torch.nn.functional.one_hot(ids, self.vocab).float()
            h, _ = self.rnn(x)
            return self.out(h)

    return TorchCharRNN()


_ALL = ("tfref", "keras-fit", "keras-fit-tuned", "torch", "torch-compile", "roofline")
_DENSE_TARGETS = {"keras-fit": 4.0, "keras-fit-tuned": 2.0, "numpy": 1.0, "torch": 1.0,
                  "torch-compile": 1.0, "roofline": ROOFLINE_SHARE_TARGET}
_SLOW_TARGETS = {"keras-fit-tuned": 1.3, "torch": 1.0, "torch-compile": 1.0,
                 "roofline": ROOFLINE_SHARE_TARGET}

WORKLOADS: dict[str, Workload] = {
    "mlp": MLPWorkload(
        "mlp", "mlp-784-256-10-relu", 256, 128, 0.01,
        "MLP 784-256-10, ReLU, softmax cross-entropy, SGD(0.01), batch 128",
        runs=("tfref", "tfref-stream", "keras-fit", "keras-fit-tuned", "numpy", "torch",
              "torch-compile", "roofline"), targets=_DENSE_TARGETS),
    "bpn": BPNWorkload(
        "bpn", "bpn-784-30-10-sigmoid", 30, 1000, 0.5,
        "BPN 784-30-10, sigmoid, squared error, hand-coded, SGD(0.5), batch 1000",
        runs=("tfref", "keras-fit", "keras-fit-tuned", "numpy", "torch", "torch-compile",
              "roofline"), targets=_DENSE_TARGETS),
    "lenet": LeNetWorkload(
        "lenet", "lenet-relu-28x28", 0, 256, 0.05,
        "LeNet-5 (ReLU, max pooling), 28x28x1, softmax cross-entropy, SGD(0.05), batch 256",
        runs=_ALL, max_samples=12_000, targets=_SLOW_TARGETS),
    "char-rnn": CharRNNWorkload(
        "char-rnn", "char-rnn-28-256", 256, 32, 0.5,
        "character RNN (one-hot 28, SimpleRNN 256, Dense 28), 35-step sequences, SGD(0.5), "
        "batch 32", runs=_ALL, max_samples=3_200, targets=_SLOW_TARGETS),
}
