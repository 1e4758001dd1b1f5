"""What a training run tells the outside: a progress line per epoch and TensorBoard scalars.

- :class:`EpochProgress` prints one line per epoch on a terminal (``stderr`` is a tty) and stays
  silent otherwise, so logs and test output are not flooded.
- :class:`ScalarLog` writes each epoch's metrics as TensorBoard scalars to a log directory
  (``tensorboard --logdir DIR`` shows them); :func:`read_scalars` reads them back.

The scalars are written with ``tf.summary.write`` and the "scalars" plugin metadata, exactly
what ``tf.summary.scalar`` writes, so TensorBoard need not be installed to train (only to view).
"""

from __future__ import annotations

import glob
import os
import sys

import numpy as np
import tensorflow as tf

__all__ = ["EpochProgress", "ScalarLog", "read_scalars", "read_events", "read_graph",
           "event_files", "format_metrics"]


def format_metrics(metrics: dict) -> str:
    """``{"loss": 0.5, "accuracy": 0.9}`` -> ``"loss 0.5000  accuracy 0.9000"``.

    Example:
        >>> format_metrics({"loss": 0.5, "val_loss": 0.625})
        'loss 0.5000  val_loss 0.6250'
    """
    return "  ".join(f"{name} {value:.4f}" for name, value in metrics.items())


class EpochProgress:
    """One line per epoch on a terminal; nothing when the stream is not a terminal.

    Args:
        total_epochs: the epoch count of the run, shown as ``epoch 3/10``.
        enabled: True or False to force; None (default) means "when ``stream`` is a terminal".
        stream: where to write (default ``sys.stderr``).

    Example:
        >>> import io
        >>> stream = io.StringIO()
        >>> progress = EpochProgress(2, enabled=True, stream=stream)
        >>> progress.epoch_done(0, {"loss": 0.25}, seconds=0.5, samples=1000)
        >>> stream.getvalue()
        'epoch 1/2  loss 0.2500  0.50s  2,000 samples/s\\n'
    """

    def __init__(self, total_epochs: int, *, enabled: bool | None = None, stream=None):
        self.total_epochs = total_epochs
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled

    def note(self, message: str) -> None:
        """Print a one-line note (resuming, falling back...) when enabled."""
        if self.enabled:
            print(message, file=self.stream, flush=True)

    def epoch_done(self, epoch: int, metrics: dict, *, seconds: float, samples: int) -> None:
        """Report a finished epoch (0-based ``epoch``) with its metrics and throughput."""
        if not self.enabled:
            return
        rate = samples / seconds if seconds > 0 else float("inf")
        print(f"epoch {epoch + 1}/{self.total_epochs}  {format_metrics(metrics)}  "
              f"{seconds:.2f}s  {rate:,.0f} samples/s", file=self.stream, flush=True)


def _scalar_metadata() -> bytes:
    """The SummaryMetadata TensorBoard's scalar plugin expects (plugin "scalars", version 0)."""
    metadata = tf.compat.v1.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    metadata.plugin_data.content = b""  # ScalarPluginData(version=0) serialises to b""
    return metadata.SerializeToString()


class ScalarLog:
    """TensorBoard scalars per epoch through ``tf.summary``, without needing TensorBoard.

    Args:
        logdir: the log directory (created when missing).

    Example:
        >>> import tempfile
        >>> logdir = tempfile.mkdtemp()
        >>> log = ScalarLog(logdir)
        >>> log.write(1, {"loss": 0.5})
        >>> log.close()
        >>> read_scalars(logdir)
        {'loss': [(1, 0.5)]}
    """

    def __init__(self, logdir):
        self.logdir = os.fspath(logdir)
        self.writer = tf.summary.create_file_writer(self.logdir)

    def write(self, step: int, scalars: dict) -> None:
        """Write ``scalars`` (``{tag: float}``) at ``step`` (the 1-based epoch) and flush."""
        metadata = _scalar_metadata()
        with self.writer.as_default():
            for tag, value in scalars.items():
                tf.summary.write(tag, tf.constant(float(value), tf.float32), step=step,
                                 metadata=metadata)
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.writer.close()


def read_scalars(logdir) -> dict[str, list[tuple[int, float]]]:
    """Read every scalar of the event files in ``logdir``: ``{tag: [(step, value), ...]}``.

    Values that are not numeric scalars (traced graphs, histograms, images) are skipped.

    Args:
        logdir: a TensorBoard log directory written by :class:`ScalarLog`.

    Returns:
        The scalars by tag, in file and step order.

    Raises:
        ValueError: when the directory holds no event file.
    """
    scalars: dict[str, list[tuple[int, float]]] = {}
    for event in read_events(logdir):
        for value in event.summary.value:
            if value.HasField("tensor"):
                array = tf.make_ndarray(value.tensor)
                if array.size != 1 or not np.issubdtype(array.dtype, np.number):
                    continue  # not a scalar: a traced graph, a histogram, an image...
                number = float(array.reshape(()))
            elif value.HasField("simple_value"):
                number = float(value.simple_value)
            else:
                continue
            scalars.setdefault(value.tag, []).append((int(event.step), number))
    return {tag: sorted(points, key=lambda point: point[0]) for tag, points in scalars.items()}


def event_files(logdir) -> list[str]:
    """The TensorBoard event files (``events.out.tfevents.*``) in ``logdir``, sorted."""
    return sorted(glob.glob(os.path.join(os.fspath(logdir), "events.out.tfevents.*")))


def read_events(logdir):
    """Yield every ``tf.compat.v1.Event`` of the event files in ``logdir``, file by file.

    Raises:
        ValueError: when the directory holds no event file.

    Example:
        >>> import tempfile
        >>> logdir = tempfile.mkdtemp()
        >>> log = ScalarLog(logdir)
        >>> log.write(1, {"loss": 0.5})
        >>> log.close()
        >>> [value.tag for event in read_events(logdir) for value in event.summary.value]
        ['loss']
        >>> len(event_files(logdir)), read_graph(logdir) is None
        (1, True)
    """
    files = event_files(logdir)
    if not files:
        raise ValueError(f"no TensorBoard event file (events.out.tfevents.*) in {logdir}")
    for path in files:
        for record in tf.data.TFRecordDataset(path):
            yield tf.compat.v1.Event.FromString(record.numpy())


def read_graph(logdir) -> tf.compat.v1.GraphDef | None:
    """The first graph stored in the event files of ``logdir`` (None when there is none).

    A graph comes either as an event's ``graph_def`` or from ``tf.summary.trace_export``, which
    stores a ``RunMetadata`` proto (plugin "graph_run_metadata_graph") whose function graphs
    hold the graph before and after Grappler's rewrites; this returns the graph as written
    (pre-optimisation), the one TensorBoard's graph tab draws.

    Raises:
        ValueError: when the directory holds no event file.
    """
    for event in read_events(logdir):
        if event.graph_def:
            return tf.compat.v1.GraphDef.FromString(event.graph_def)
        for value in event.summary.value:
            if value.metadata.plugin_data.plugin_name == "graph_run_metadata_graph":
                metadata = tf.compat.v1.RunMetadata.FromString(
                    tf.make_ndarray(value.tensor).item())
                if metadata.function_graphs:
                    return metadata.function_graphs[0].pre_optimization_graph
    return None
