"""Devices and distribution strategies for the training engine.

- :func:`device_name` turns ``"cpu"`` / ``"gpu"`` into a TensorFlow device, and says clearly when
  a GPU was asked for and TensorFlow sees none.
- :func:`make_strategy` turns ``"mirrored"`` into a ``tf.distribute.MirroredStrategy`` and
  ``"multi-worker"`` into a ``tf.distribute.MultiWorkerMirroredStrategy`` (each worker reads its
  role from ``TF_CONFIG``; see :mod:`tfref.train.launch` for running N workers on this machine).
- :func:`worker_role` says which worker this process is and whether it is the chief, which
  writes checkpoints and logs to the real directories (the others write to temporary ones).
- :func:`split_cpu` splits the CPU into logical devices so a mirrored run can be tested on one
  machine. TensorFlow fixes its devices when it first uses them, so call it first thing in a
  fresh process (the tests run it in a subprocess).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass

import tensorflow as tf

__all__ = ["DEVICES", "STRATEGIES", "WorkerRole", "device_name", "device_scope", "make_strategy",
           "split_cpu", "worker_role"]

DEVICES = ("cpu", "gpu")
STRATEGIES = ("default", "mirrored", "multi-worker")


def device_name(device: str | None) -> str | None:
    """The TensorFlow device for ``device``: ``"/CPU:0"``, ``"/GPU:0"``, or None for default.

    Args:
        device: ``"cpu"``, ``"gpu"`` or None (TensorFlow's default placement).

    Returns:
        A device string for ``tf.device``, or None.

    Raises:
        ValueError: for an unknown name, or for ``"gpu"`` when TensorFlow sees no GPU (the
            message says so and how to fix it).

    Example:
        >>> device_name("cpu")
        '/CPU:0'
        >>> device_name(None) is None
        True
    """
    if device is None:
        return None
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)} (or None); got {device!r}")
    if device == "cpu":
        return "/CPU:0"
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        built_with_cuda = tf.test.is_built_with_cuda()
        hint = ("this TensorFlow build has CUDA support, so check the NVIDIA driver "
                "(nvidia-smi) and CUDA_VISIBLE_DEVICES" if built_with_cuda else
                "this TensorFlow build has no CUDA support; install tfref[gpu] "
                "(tensorflow[and-cuda]) on a machine with an NVIDIA GPU")
        raise ValueError(f"--device gpu: TensorFlow sees no GPU on this machine ({hint}). "
                         "Run with --device cpu, or leave --device out for the default device.")
    return "/GPU:0"


def device_scope(device: str | None):
    """A context manager placing tensors and ops on ``device`` (a no-op for None).

    Args:
        device: ``"cpu"``, ``"gpu"`` or None.

    Returns:
        A context manager; create the model inside it as well, so its weights live there too.

    Raises:
        ValueError: as :func:`device_name`.

    Example:
        >>> with device_scope("cpu"):
        ...     x = tf.ones((2,))
        >>> x.device.endswith("CPU:0")
        True
    """
    name = device_name(device)
    return tf.device(name) if name else contextlib.nullcontext()


def make_strategy(name: str | None):
    """A ``tf.distribute`` strategy by name: None or ``"default"`` -> None, ``"mirrored"``,
    ``"multi-worker"``.

    ``"mirrored"`` replicates the model on every visible GPU, or on every logical CPU device when
    there is no GPU (see :func:`split_cpu`); gradients are summed over replicas each step.
    ``"multi-worker"`` is ``MultiWorkerMirroredStrategy``: one replica per worker process (or
    per GPU of each), the cluster and this worker's place in it read from ``TF_CONFIG``; without
    ``TF_CONFIG`` it is a cluster of one. Create it first thing in the process, before any other
    TensorFlow call (TensorFlow configures its collective ops once, at start-up).

    Args:
        name: ``"default"``, ``"mirrored"`` or None.

    Returns:
        A ``tf.distribute.MirroredStrategy``, or None for the default single-device run.

    Raises:
        ValueError: for an unknown name.

    Example:
        >>> make_strategy("default") is None
        True
    """
    if name in (None, "default"):
        return None
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}; got {name!r}")
    if name == "multi-worker":
        return _multi_worker_strategy()
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices=devices)


def split_cpu(count: int) -> list[str]:
    """Split the (first) physical CPU into ``count`` logical devices; call before using TF.

    Args:
        count: the number of logical CPU devices, at least 1.

    Returns:
        The logical CPU device names, e.g. ``["/device:CPU:0", "/device:CPU:1"]``.

    Raises:
        ValueError: when ``count`` < 1.
        RuntimeError: when TensorFlow has already initialised its devices in this process (run
            it first thing, or in a fresh subprocess).
    """
    if count < 1:
        raise ValueError(f"count must be at least 1; got {count}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    configuration = [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    try:
        tf.config.set_logical_device_configuration(cpu, configuration)
    except RuntimeError as error:
        raise RuntimeError(f"split_cpu({count}) must run before TensorFlow initialises its devices "
                           f"(first thing in a fresh process): {error}") from None
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def _multi_worker_strategy():
    config = os.environ.get("TF_CONFIG")
    if config:
        try:
            parsed = json.loads(config)
            workers = parsed["cluster"]["worker"]
            index = int(parsed["task"]["index"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError("TF_CONFIG must be JSON like {\"cluster\": {\"worker\": "
                             "[\"host:port\", ...]}, \"task\": {\"type\": \"worker\", "
                             f"\"index\": 0}}}}; got {config!r} ({error})") from None
        if not 0 <= index < len(workers):
            raise ValueError(f"TF_CONFIG task index {index} is not one of the {len(workers)} "
                             "workers of its cluster")
    options = tf.distribute.experimental.CommunicationOptions(
        implementation=tf.distribute.experimental.CommunicationImplementation.RING)
    try:
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    except RuntimeError as error:
        raise RuntimeError("the multi-worker strategy must be created before TensorFlow runs "
                           f"anything else in this process: {error}") from None


@dataclass(frozen=True)
class WorkerRole:
    """This process's place in a multi-worker job (a single worker when there is none)."""

    task_type: str | None
    task_id: int
    num_workers: int

    @property
    def is_chief(self) -> bool:
        """The chief writes checkpoints, logs and results; worker 0 when there is no chief."""
        return self.task_type in (None, "chief") or (self.task_type == "worker"
                                                     and self.task_id == 0)


def worker_role(strategy=None) -> WorkerRole:
    """The role of this process under ``strategy`` (one worker, the chief, unless multi-worker).

    Example:
        >>> worker_role(None).is_chief
        True
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return WorkerRole(None, 0, 1)
    cluster = resolver.cluster_spec().as_dict()
    workers = len(cluster.get("worker", [])) + len(cluster.get("chief", []))
    return WorkerRole(resolver.task_type, int(resolver.task_id or 0), max(workers, 1))
