"""TensorBoard: scalars and the graph written while a BPN trains, then read back.

002's BPN (TF 1.x) wrote its loss with ``tf.summary.scalar`` and its graph with
``tf.summary.FileWriter(logdir, sess.graph)``. In TF 2 the same comes from a file writer:
scalars through ``tf.summary`` each epoch (``tfref.train.fit(..., logdir=DIR)``) and the graph
of a ``tf.function`` through ``tf.summary.trace_on(graph=True)`` / ``trace_export``.

Symbols -> names: the BPN -> :class:`tfref.train.handcoded.BPNStep` (64-30-10 sigmoid, hand
gradients); the event files -> ``<out>/tensorboard/bpn`` (view them with
``tensorboard --logdir <out>/tensorboard``); reading them back ->
:func:`tfref.train.read_scalars` and ``tf.compat.v1.Event`` records.

Deviations: 002 trains on MNIST; here the BPN trains on digits (8x8, no download) with the
batch-mean update of :mod:`tfref.train.handcoded` (errata item 9). TensorBoard itself is not
needed to write or to check the files, only to view them.

Expect: the hand-coded BPN trains 40 epochs on digits (validation accuracy 0.962) while writing
event files; its loss, accuracy, val_loss and val_accuracy scalars read back equal the run's
history exactly, and the traced graph holds MatMul and Sigmoid ops. The plot shows the scalars as
TensorBoard stores them and the graph's ops (--quick: 8 epochs, 0.913).
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from tfref.data import resolve_dataset
from tfref.topics._base import RunContext
from tfref.train import fit
from tfref.train.handcoded import BPNStep
from tfref.train.reporting import event_files, read_graph, read_scalars

ID = "tensorboard"
TITLE = "TensorBoard event files: scalars and graph of a training BPN, read back"
CHAPTER = "I"
SEEDS = ("002",)
OPTIONS = ('data', 'epochs')  # the run options this topic honours (tfref run refuses others)

HIDDEN = 30


def initial_weights(rng: np.random.Generator, inputs: int, classes: int) -> list[np.ndarray]:
    return [rng.normal(0.0, 1.0 / np.sqrt(inputs), (inputs, HIDDEN)).astype(np.float32),
            np.zeros(HIDDEN, np.float32),
            rng.normal(0.0, 1.0 / np.sqrt(HIDDEN), (HIDDEN, classes)).astype(np.float32),
            np.zeros(classes, np.float32)]


def write_graph(step: BPNStep, x: np.ndarray, logdir: str) -> None:
    """Trace the BPN's forward pass once and export its graph to ``logdir``."""
    forward = tf.function(lambda inputs: step.forward(inputs)[1])
    writer = tf.summary.create_file_writer(logdir)
    tf.summary.trace_on(graph=True, profiler=False)
    forward(tf.constant(x))
    with writer.as_default():
        tf.summary.trace_export(name="bpn_forward", step=0)
    writer.close()


def run(ctx: RunContext) -> None:
    splits = resolve_dataset(ctx, default="digits", allowed=("digits", "fashion-mnist"))
    x_train = splits.x_train.reshape(len(splits.x_train), -1)
    x_val = splits.x_val.reshape(len(splits.x_val), -1)
    one_hot = np.eye(splits.num_classes, dtype=np.float32)
    step = BPNStep(initial_weights(ctx.rng, x_train.shape[1], splits.num_classes), 2.0)
    logdir = str(ctx.out_dir / "tensorboard" / "bpn")
    for old in event_files(logdir):
        os.remove(old)  # a fresh run's files only
    epochs = ctx.options.get("epochs") or (8 if ctx.quick else 40)
    history = fit(step, x_train, one_hot[splits.y_train], epochs=epochs, batch_size=32,
                  seed=ctx.seed, validation=(x_val, one_hot[splits.y_val]), logdir=logdir,
                  jit_compile=False, progress=False)
    write_graph(step, x_val[:4], logdir)

    files = event_files(logdir)
    ctx.claim_greater("event files written in the log directory", len(files), 0, or_equal=False)
    scalars = read_scalars(logdir)
    for tag in ("loss", "accuracy", "val_loss", "val_accuracy"):
        points = scalars.get(tag, [])
        steps = [s for s, _ in points]
        values = np.array([v for _, v in points], dtype=np.float32)
        ctx.claim(f"scalar {tag!r} read back at epochs 1..{epochs}",
                  steps == list(range(1, epochs + 1)), measured=f"steps {steps[:3]}...")
        ctx.claim(f"scalar {tag!r} read back equals the run's history exactly (float32)",
                  len(values) == epochs and np.array_equal(values, history[tag].astype(np.float32)),
                  measured=f"last {values[-1] if len(values) else None}")
    ctx.claim("a samples_per_second scalar is logged each epoch",
              len(scalars.get("samples_per_second", [])) == epochs)
    graph = read_graph(logdir)
    ops_in_graph = sorted({node.op for node in graph.node}) if graph is not None else []
    ctx.claim("the traced forward graph is stored and holds MatMul and Sigmoid ops",
              {"MatMul", "Sigmoid"} <= set(ops_in_graph), measured=", ".join(ops_in_graph))
    with ctx.calibrated_for("epochs", "data"):
        ctx.claim_greater(f"the logged BPN trains: validation accuracy after {epochs} epochs "
                    "(chance is 0.1)", float(history["val_accuracy"][-1]), 0.8)
    ctx.note(f"Event files in {logdir}: view with `tensorboard --logdir "
             f"{ctx.out_dir / 'tensorboard'}`.")

    with ctx.figure("scalars", ncols=2, figsize=(9.0, 3.4)) as (fig, axes):
        for ax, tags in ((axes[0], ("loss", "val_loss")), (axes[1], ("accuracy", "val_accuracy"))):
            for tag in tags:
                steps, values = zip(*scalars[tag], strict=True)
                ax.plot(steps, values, marker="o", ms=3, label=f"{tag} (read from event file)")
            ax.set_xlabel("epoch (TensorBoard step)")
            ax.legend(fontsize=7)
        axes[0].set_title("BPN scalars as TensorBoard stores them", fontsize=9)
        axes[1].set_title(f"graph ops: {len(graph.node) if graph is not None else 0} nodes",
                          fontsize=9)


if __name__ == "__main__":  # python -m tfref.topics.tensorboard [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
