"""Devices and distribution strategies for the training engine.

- :func:`device_name` turns ``"cpu"`` / ``"gpu"`` into a TensorFlow device, and says clearly when
  a GPU was asked for and TensorFlow sees none.
- :func:`make_strategy` turns ``"mirrored"`` into a ``tf.distribute.MirroredStrategy``.
- :func:`split_cpu` splits the CPU into logical devices so a mirrored run can be tested on one
  machine. TensorFlow fixes its devices when it first uses them, so call it first thing in a
  fresh process (the tests run it in a subprocess).
"""

from __future__ import annotations

import contextlib

import tensorflow as tf

__all__ = ["DEVICES", "STRATEGIES", "device_name", "device_scope", "make_strategy", "split_cpu"]

DEVICES = ("cpu", "gpu")
STRATEGIES = ("default", "mirrored")


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
    """A ``tf.distribute`` strategy by name: None or ``"default"`` -> None, ``"mirrored"``.

    ``"mirrored"`` replicates the model on every visible GPU, or on every logical CPU device when
    there is no GPU (see :func:`split_cpu`); gradients are summed over replicas each step.

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
    if name != "mirrored":
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}; got {name!r}")
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
