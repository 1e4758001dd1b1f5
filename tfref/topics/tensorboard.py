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
needed to write or to check the files, only to view them. The BPN gets the command line's
training options: ``tfref run tensorboard`` honours --epochs, --checkpoint-dir/--resume,
--logdir (the event files then go to ``DIR/tensorboard``) and --device, not --strategy (the
BPN's hand-coded updates cannot run under one). A resumed run appends to the event files of the
epochs before it, so resume with the same --out (or --logdir) to read all epochs back.

Expect: the hand-coded BPN trains 40 epochs on digits (validation accuracy 0.962) while writing
event files; its loss, accuracy, val_loss and val_accuracy scalars read back equal the run's
history exactly, and the traced graph holds MatMul and Sigmoid ops on the data path x -> MatMul ->
AddV2 -> Sigmoid -> MatMul -> AddV2 -> Sigmoid, its variables read by 4 ReadVariableOp nodes.
The plots show the scalars as TensorBoard stores them and the graph's nodes and edges (--quick: 8
epochs, 0.913).
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
OPTIONS = ('data', 'epochs', 'checkpoint_dir', 'resume', 'logdir', 'device')  # the run options this topic honours (tfref run refuses others)
DATASETS = ("digits", "fashion-mnist")  # the --data names it takes (tfref run refuses others)

HIDDEN = 30
FULL_FLOOR = 0.92  # full mode (40 epochs), seeds 0-2: 0.962, 0.969, 0.976 -> lowest minus 0.042


def initial_weights(rng: np.random.Generator, inputs: int, classes: int) -> list[np.ndarray]:
    return [rng.normal(0.0, 1.0 / np.sqrt(inputs), (inputs, HIDDEN)).astype(np.float32),
            np.zeros(HIDDEN, np.float32),
            rng.normal(0.0, 1.0 / np.sqrt(HIDDEN), (HIDDEN, classes)).astype(np.float32),
            np.zeros(classes, np.float32)]


def write_graph(step: BPNStep, x: np.ndarray, logdir: str) -> None:
    """Trace the BPN's forward pass once and export its graph to ``logdir``."""
    forward = tf.function(lambda inputs: step.forward(inputs)[1])
    inputs = tf.constant(x)
    writer = tf.summary.create_file_writer(logdir)
    # TensorFlow (2.21) goes on collecting the graph of every function first run after a
    # trace_export (trace_off does not stop it), so a second trace in the same process would
    # export all of them, this forward pass last. Drain that backlog first, recording nothing:
    # twice, as the first drain's own export leaves the graph of the constant it creates.
    with tf.summary.record_if(False):
        for _ in range(2):
            tf.summary.trace_on(graph=True, profiler=False)
            tf.summary.trace_export(name="backlog", step=0)
    tf.summary.trace_on(graph=True, profiler=False)
    forward(inputs)
    with writer.as_default():
        tf.summary.trace_export(name="bpn_forward", step=0)
    writer.close()


def _source(name: str) -> str:
    """A GraphDef input reference ('^ctrl', 'node:1') as the producing node's name."""
    return name.lstrip("^").split(":")[0]


def data_path(graph) -> list[str]:
    """The ops on the dataflow path from the data input to the output of a traced forward graph:
    walk back from the _Retval node along the inputs that depend on the data (the _Arg that is
    not a resource handle), skipping Identity nodes; returned in execution order."""
    nodes = {node.name: node for node in graph.node}
    memo: dict[str, bool] = {}

    def depends(name: str) -> bool:
        if name not in memo:
            node = nodes[name]
            if node.op == "_Arg":
                memo[name] = node.attr["T"].type != 20  # 20: DT_RESOURCE (a variable handle)
            else:
                memo[name] = any(depends(_source(i)) for i in node.input if not i.startswith("^"))
        return memo[name]

    path = []
    current = next(n for n in graph.node if n.op == "_Retval")
    while current.op != "_Arg":
        if current.op not in ("Identity", "_Retval"):
            path.append(current.op)
        inputs = [_source(i) for i in current.input if not i.startswith("^")]
        current = nodes[next(i for i in inputs if depends(i))]
    return path[::-1]


def _layers(graph) -> dict[str, int]:
    """Each node's depth: the longest chain of edges from a node without inputs."""
    nodes = {node.name: node for node in graph.node}
    depth: dict[str, int] = {}

    def visit(name: str) -> int:
        if name not in depth:
            inputs = [_source(i) for i in nodes[name].input]
            depth[name] = 1 + max((visit(i) for i in inputs), default=-1)
        return depth[name]

    for name in nodes:
        visit(name)
    return depth


def run(ctx: RunContext) -> None:
    splits = resolve_dataset(ctx, default="digits", allowed=DATASETS)
    x_train = splits.x_train.reshape(len(splits.x_train), -1)
    x_val = splits.x_val.reshape(len(splits.x_val), -1)
    one_hot = np.eye(splits.num_classes, dtype=np.float32)
    step = BPNStep(initial_weights(ctx.rng, x_train.shape[1], splits.num_classes), 2.0)
    # The command line's training options (a hand-coded step: no --strategy); the event files
    # go to --logdir/tensorboard when given, else to <out>/tensorboard/bpn.
    options = ctx.train.fit_kwargs(8 if ctx.quick else 40, name=ID, strategy=False)
    epochs = options["epochs"]
    logdir = str(options["logdir"] or ctx.out_dir / "tensorboard" / "bpn")
    options["logdir"] = logdir
    # A run resumed from a checkpoint continues the event files of the epochs before it; any
    # other run starts the directory afresh (its claims read back every scalar there).
    resuming = (options["resume"] and options["checkpoint_dir"] is not None
                and tf.train.latest_checkpoint(str(options["checkpoint_dir"])) is not None)
    earlier = event_files(logdir) if resuming else []
    if not resuming:
        for old in event_files(logdir):
            os.remove(old)  # a fresh run's files only
    history = fit(step, x_train, one_hot[splits.y_train], batch_size=32, seed=ctx.seed,
                  validation=(x_val, one_hot[splits.y_val]), jit_compile=False, progress=False,
                  **options)
    write_graph(step, x_val[:4], logdir)
    # Resumed into a directory without the earlier epochs' files: only this run's epochs are
    # there to read back.
    first = 1 if earlier or history.initial_epoch == 0 else history.initial_epoch + 1
    if first > 1:
        ctx.note(f"Resumed after epoch {first - 1} into {logdir}, which holds no event files of "
                 "the earlier epochs: the scalars read back are those of this run's epochs.")

    files = sorted(set(event_files(logdir)) - set(earlier))  # this run's
    ctx.claim_greater("event files written in the log directory", len(files), 0, or_equal=False)
    scalars = read_scalars(logdir)
    for tag in ("loss", "accuracy", "val_loss", "val_accuracy"):
        points = scalars.get(tag, [])
        steps = [s for s, _ in points]
        values = np.array([v for _, v in points], dtype=np.float32)
        ctx.claim(f"scalar {tag!r} read back at epochs {first}..{epochs}",
                  steps == list(range(first, epochs + 1)), measured=f"steps {steps[:3]}...")
        ctx.claim(f"scalar {tag!r} read back equals the run's history exactly (float32)",
                  len(values) == epochs - first + 1
                  and np.array_equal(values, history[tag][first - 1:].astype(np.float32)),
                  measured=f"last {values[-1] if len(values) else None}")
    ctx.claim("a samples_per_second scalar is logged each epoch",
              len(scalars.get("samples_per_second", [])) == epochs - first + 1)
    graph = read_graph(logdir)
    ops_in_graph = sorted({node.op for node in graph.node}) if graph is not None else []
    ctx.claim("the traced forward graph is stored and holds MatMul and Sigmoid ops",
              {"MatMul", "Sigmoid"} <= set(ops_in_graph), measured=", ".join(ops_in_graph))
    path = data_path(graph) if graph is not None else []
    expected_path = ["MatMul", "AddV2", "Sigmoid", "MatMul", "AddV2", "Sigmoid"]
    ctx.claim("002:1505-1513 the dataflow graph: the edges from the input x to the output pass "
              "through X W1 -> + b1 -> sigmoid -> W2 -> + b2 -> sigmoid, in that order",
              path == expected_path, expected=" -> ".join(expected_path),
              measured=" -> ".join(path))
    reads = sum(node.op == "ReadVariableOp" for node in graph.node) if graph is not None else 0
    ctx.claim("... and its persistent variables W1, b1, W2, b2 are read by 4 ReadVariableOp nodes",
              reads == len(step.parameters), expected=len(step.parameters), measured=reads)
    with ctx.calibrated_for("epochs", "data"):
        # Quick (8 epochs) seeds 0-4: 0.913, 0.910, 0.872, 0.854, 0.899 -> floor 0.81 (lowest
        # minus 0.044); full (40 epochs), seeds 0-2: see FULL_FLOOR.
        floor = 0.81 if ctx.quick else FULL_FLOOR
        ctx.claim_greater(f"the logged BPN trains: validation accuracy after {epochs} epochs "
                          "(chance is 0.1; floor: lowest of quick seeds 0-4 minus 0.044, of full "
                          "seeds 0-2 minus 0.042)", float(history["val_accuracy"][-1]), floor)
    ctx.note(f"Event files in {logdir}: view with `tensorboard --logdir "
             f"{os.path.dirname(logdir)}`.")

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
    if graph is not None:
        _plot_graph(ctx, graph)


def _plot_graph(ctx, graph) -> None:
    depth = _layers(graph)
    rows: dict[int, list[str]] = {}
    for node in graph.node:
        rows.setdefault(depth[node.name], []).append(node.name)
    position = {name: (d, i - (len(names) - 1) / 2) for d, names in rows.items()
                for i, name in enumerate(names)}
    ops = {node.name: node.op for node in graph.node}
    with ctx.figure("graph", figsize=(11.0, 3.6)) as (fig, ax):
        for node in graph.node:
            for source in node.input:
                (x0, y0), (x1, y1) = position[_source(source)], position[node.name]
                ax.annotate("", (x1, y1), (x0, y0),
                            arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 0.8,
                                        "ls": ":" if source.startswith("^") else "-"})
        for name, (x, y) in position.items():
            ax.text(x, y, ops[name], ha="center", va="center", fontsize=7,
                    bbox={"boxstyle": "round", "fc": "C1" if ops[name] in ("MatMul", "AddV2",
                                                                          "Sigmoid") else "0.9",
                          "alpha": 0.8})
        ax.set_xlim(-0.7, max(rows) + 0.7)
        ax.set_ylim(min(y for _, y in position.values()) - 0.7,
                    max(y for _, y in position.values()) + 0.7)
        ax.axis("off")
        ax.set_title("The BPN's forward pass as TensorBoard stores it: nodes are ops (inputs, "
                     "variable reads, maths), edges carry tensors", fontsize=9)


if __name__ == "__main__":  # python -m tfref.topics.tensorboard [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
