"""Back-propagation by hand (002's BPN): a 30-unit sigmoid network trained with no autodiff.

Formula (002, section 1.7; one example per row):
    h1 = X W1 + b1,  O1 = s(h1),  h_out = O1 W2 + b2,  Yhat = s(h_out)
    J = 1/2 * sum over the batch and the outputs of (Yhat - Y)^2
    error  = Yhat - Y
    delta2 = error * s'(h_out)              dJ/dW2 = O1^T delta2,  dJ/db2 = sum_n delta2
    delta1 = (delta2 W2^T) * s'(h1)         dJ/dW1 = X^T delta1,   dJ/db1 = sum_n delta1
    W <- W - eta * dJ/dW  (002: epochs 10, batch 1000, eta 0.01, 30 hidden units, Fashion-MNIST)
    002's code: b <- b - eta * mean_n delta (errata 9: the bias rate is eta / batch)

Symbols -> names: X, Y -> batches of inputs and one-hot targets; W1, b1, W2, b2 -> BPN.weights_1,
bias_1, weights_2, bias_2; s -> tf.sigmoid; s'(h) -> s(h) (1 - s(h)) from the activation;
eta -> learning_rate; O1 -> out_layer_1 (002's names). The formulas are written once, in
tfref.nn.bpn.bpn_forward / bpn_gradients, which the engine's BPNStep (tfref bench, the tensorboard
topic) calls too.

Deviations: (1) data: digits by default (bundled, offline); ``--data fashion-mnist`` uses 002's
Fashion-MNIST when it is on this machine (else digits, with a note). (2) On digits (1149 training
rows, 64 inputs) batch 1000 would be one step per epoch, so the batch is 20 (57 steps per epoch,
about 002's 55) and eta 0.1 on summed gradients (0.1 * 20 = 2 per example-average, where 002's
0.01 * 1000 = 10); on Fashion-MNIST 002's batch 1000 and eta 0.01 are kept (quick mode: 6000
training images, batch 100). (3) Initialisation: 002 draws every weight and bias from N(0, 1);
with 64 (or 784) inputs many hidden sigmoids start saturated: over seeds 0-9 on digits that init
reached 0.80-0.95 test accuracy after 10 epochs, N(0, 1/fan_in) weights with zero biases
0.93-0.95, so tfref uses the latter (002's init is trained beside it for comparison).
(4) errata 9: the training step uses the gradient of J for every parameter (sums over the
batch), not 002's averaged bias deltas.

Expect: after 10 epochs of hand-coded back-propagation the digits test accuracy is 0.944 (train
0.956; with 002's averaged bias steps 0.942, with its N(0, 1) initialisation 0.944), and in 002's
update the weights' effective learning rate is 20 times the biases' (erratum 9). The plot shows the
accuracy over the epochs and the variants.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from tfref.data import resolve_dataset
from tfref.nn.bpn import BPN, PARAMETER_NAMES
from tfref.topics._base import RunContext

ID = "bpn"
TITLE = "Back-propagation network (BPN) with hand-coded gradients"
CHAPTER = "C"
SEEDS = ("002",)
OPTIONS = ('data', 'epochs', 'logdir')  # the run options this topic honours (tfref run refuses others)

HIDDEN = 30
EPOCHS = 10
# data set -> (batch size, eta on summed gradients, test accuracy a working run must beat)
SETTINGS = {"digits": (20, 0.1, 0.85), "fashion-mnist": (1000, 0.01, 0.70)}
QUICK_SETTINGS = {"digits": (20, 0.1, 0.85), "fashion-mnist": (100, 0.01, 0.60)}


def batches(x: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator):
    """Shuffle, drop the remainder (as 002's batch_count = n // batch) and stack the batches."""
    order = rng.permutation(len(x))
    count = len(x) // batch_size
    index = order[: count * batch_size].reshape(count, batch_size)
    return x[index], y[index]  # (batches, batch, d), (batches, batch, k)


def train(model: BPN, splits, batch_size: int, learning_rate: float, epochs: int, rng,
          as_in_002: bool = False, writer=None) -> dict:
    """Hand-coded training; accuracy on train and test before training and after each epoch."""
    targets = np.eye(splits.num_classes, dtype=np.float32)[splits.y_train]
    history = {"train": [model.accuracy(splits.x_train, splits.y_train)],
               "test": [model.accuracy(splits.x_test, splits.y_test)]}
    for epoch in range(1, epochs + 1):
        x, y = batches(splits.x_train, targets, batch_size, rng)
        model.train_epoch(x, y, learning_rate, as_in_002=as_in_002)
        history["train"].append(model.accuracy(splits.x_train, splits.y_train))
        history["test"].append(model.accuracy(splits.x_test, splits.y_test))
        if writer is not None:
            with writer.as_default(step=epoch):
                write_scalar("accuracy/train", history["train"][-1])
                write_scalar("accuracy/test", history["test"][-1])
    return history


def write_scalar(tag: str, value: float) -> None:
    """A TensorBoard scalar through the core ``tf.summary.write`` (the ``tensorboard`` package,
    which ``tf.summary.scalar`` imports, need not be installed)."""
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    tf.summary.write(tag, tf.constant(value, tf.float32), metadata=metadata)


def check_gradients(ctx: RunContext, splits, batch_size: int) -> None:
    """Hand gradients vs GradientTape (float64), and errata 9's two learning rates."""
    model = BPN(splits.x_train.shape[1], splits.num_classes, HIDDEN, seed=ctx.seed + 7,
                dtype="float64")
    n = min(batch_size, 100)
    x = splits.x_train[:n].astype(np.float64)
    y = np.eye(splits.num_classes)[splits.y_train[:n]]
    by_hand, by_tape = model.hand_gradients(x, y), model.tape_gradients(x, y)
    for name in PARAMETER_NAMES:
        ctx.claim_close(f"dJ/d{name} by hand equals GradientTape, J = 1/2 sum (Yhat - Y)^2 (float64, "
                  f"batch {n})", by_hand[name].numpy(), by_tape[name].numpy(),
                  atol=1e-12, rtol=1e-10)

    # errata 9: 002 applies X^T delta (a sum) to W but mean(delta) to b.
    as_002 = model.updates_as_in_002(x, y)
    weights, biases = ("weights_1", "weights_2"), ("bias_1", "bias_2")
    ctx.claim_close("002's weight steps are eta * dJ/dW (X^T delta, summed over the batch)",
              _flat(as_002, weights), _flat(by_tape, weights), atol=1e-12, rtol=1e-10)
    ctx.claim_close(f"002's bias steps times the batch size ({n}) are eta * dJ/db (mean_n delta)",
              _flat(as_002, biases) * n, _flat(by_tape, biases), atol=1e-12, rtol=1e-10)
    weight_rate = np.median(_flat(as_002, weights)[_flat(by_tape, weights) != 0]
                            / _flat(by_tape, weights)[_flat(by_tape, weights) != 0])
    bias_rate = np.median(_flat(as_002, biases) / _flat(by_tape, biases))
    ctx.claim_close("errata 9: in 002's update the weights' effective learning rate is the biases' "
              "times the batch size", weight_rate / bias_rate, n, rtol=1e-9)

    # tfref's step: one convention, W - eta dJ/dW for all four parameters.
    eta = 0.5
    before = {k: v.numpy().copy() for k, v in model.parameters().items()}
    model.hand_step(x, y, eta)
    moved = np.concatenate([np.ravel((before[k] - getattr(model, k).numpy()) / eta)
                            for k in PARAMETER_NAMES])
    ctx.claim_close("tfref's hand step moves every parameter (weights and biases) by eta * dJ/dW of one "
              "loss J", moved, np.concatenate([np.ravel(by_tape[k]) for k in PARAMETER_NAMES]),
              atol=1e-12, rtol=1e-8)


def _flat(gradients: dict, names) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(gradients[name])) for name in names])


def run(ctx: RunContext) -> None:
    splits = resolve_dataset(ctx, default="digits", allowed=("digits", "fashion-mnist"),
                             max_train=6000 if ctx.quick else None)
    batch_size, learning_rate, bar = (QUICK_SETTINGS if ctx.quick else SETTINGS)[splits.name]
    epochs = ctx.options.get("epochs") or EPOCHS
    ctx.note(f"Settings: {HIDDEN} hidden sigmoid units, {epochs} epochs, batch {batch_size}, "
             f"eta {learning_rate:g} on gradients summed over the batch (= "
             f"{learning_rate * batch_size:g} on the batch average; 002: batch 1000, eta 0.01, "
             "i.e. 10). Initial weights N(0, 1/fan_in), biases 0.")

    check_gradients(ctx, splits, batch_size)

    writer = None
    if ctx.options.get("logdir"):
        logdir = Path(ctx.options["logdir"]) / ID
        writer = tf.summary.create_file_writer(str(logdir))
        ctx.note(f"TensorBoard scalars accuracy/train and accuracy/test written to {logdir}.")

    num_inputs = splits.x_train.shape[1]
    model = BPN(num_inputs, splits.num_classes, HIDDEN, init="scaled", seed=ctx.seed)
    history = train(model, splits, batch_size, learning_rate, epochs,
                    np.random.default_rng(ctx.seed), writer=writer)
    if writer is not None:
        writer.close()
    chance = 1.0 / splits.num_classes
    with ctx.calibrated_for("epochs", "data"):  # bars set for the topic's epochs and data
        ctx.claim_greater(f"test accuracy after {epochs} epochs of hand-coded backprop ({splits.name}; "
                    f"chance {chance:.2f})", history["test"][-1], bar)
        ctx.claim_greater(f"train accuracy after {epochs} epochs", history["train"][-1], bar)
        ctx.claim_greater("test accuracy rose from the untrained network's", history["test"][-1],
                    history["test"][0] + 0.3)

    # The same training with 002's mixed convention, and with 002's N(0, 1) initialisation.
    mixed = train(BPN(num_inputs, splits.num_classes, HIDDEN, init="scaled", seed=ctx.seed),
                  splits, batch_size, learning_rate, epochs, np.random.default_rng(ctx.seed),
                  as_in_002=True)
    unit_init = train(BPN(num_inputs, splits.num_classes, HIDDEN, init="normal", seed=ctx.seed),
                      splits, batch_size, learning_rate, epochs, np.random.default_rng(ctx.seed))
    ctx.note(f"Test accuracy after {epochs} epochs: tfref {history['test'][-1]:.3f}; with 002's "
             f"averaged bias steps {mixed['test'][-1]:.3f}; with 002's N(0, 1) initialisation "
             f"{unit_init['test'][-1]:.3f} (no claim: that run depends on the draw).")

    _plot(ctx, splits, history, mixed, unit_init, batch_size, learning_rate)


def _plot(ctx, splits, history, mixed, unit_init, batch_size, learning_rate) -> None:
    epochs = np.arange(len(history["train"]))
    with ctx.figure("accuracy", ncols=2, figsize=(10.0, 4.0)) as (fig, (left, right)):
        left.plot(epochs, history["train"], "bo", label="train accuracy")
        left.plot(epochs, history["test"], "r", label="test accuracy")
        left.set_xlabel("epoch (0 = before training)")
        left.set_ylabel("accuracy")
        left.set_title(f"BPN by hand on {splits.name}: {HIDDEN} sigmoid hidden units\n"
                       f"batch {batch_size}, eta {learning_rate:g} (summed gradients)", fontsize=9)
        left.set_ylim(0, 1.02)
        left.legend(fontsize=8, loc="lower right")
        left.grid(alpha=0.3)
        right.plot(epochs, history["test"], "r", label="tfref: dJ/db summed (one convention)")
        right.plot(epochs, mixed["test"], "C1--", label="002's step: bias deltas averaged")
        right.plot(epochs, unit_init["test"], "C7:", label="002's N(0, 1) initialisation")
        right.set_xlabel("epoch")
        right.set_ylabel("test accuracy")
        right.set_title("Variants (same data, same batches)", fontsize=9)
        right.set_ylim(0, 1.02)
        right.legend(fontsize=8, loc="lower right")
        right.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.bpn [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
