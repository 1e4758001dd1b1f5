"""TensorFlow oracles, computed apart from the implementation under test.

A property may compare an implementation with a TensorFlow or Keras built-in (``tf.nn.conv2d``,
``keras.optimizers.Adam``...). Importing TensorFlow into the process under test would slow every
run by seconds and has crashed other frameworks (torch importing triton after TensorFlow), so an
oracle function decorated with :func:`tf_oracle` runs in a helper process that imports TensorFlow
once, and answers over a pipe. Where TensorFlow is already imported (the implementation under test
is tfref.ops, or keras on its TensorFlow backend), the oracle runs in-process instead.

    @tf_oracle
    def tf_conv2d(x, kernel, stride, padding):
        import tensorflow as tf
        return tf.nn.conv2d(x, kernel, stride, padding).numpy()

    expected = tf_conv2d(x, kernel, 1, "VALID")   # a NumPy array, computed by TensorFlow

The function must live at module level of an importable module, take and return NumPy arrays and
plain Python values (they are pickled), and import TensorFlow inside its body. A failure inside
the oracle raises :class:`OracleError`: a harness error, never a verdict on the implementation.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import os
import pickle
import struct
import subprocess
import sys
import threading
import traceback

__all__ = ["OracleError", "tf_oracle", "shutdown"]


class OracleError(RuntimeError):
    """The TensorFlow oracle itself failed (not the implementation under test)."""


def _tensorflow_loaded() -> bool:
    return "tensorflow" in sys.modules


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream):
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("oracle process closed its pipe")
    (size,) = struct.unpack("<Q", header)
    return pickle.loads(stream.read(size))


class _Server:
    """The helper process: started on first use, stopped at exit."""

    def __init__(self):
        self._process = None
        self._lock = threading.Lock()

    def call(self, module: str, name: str, args, kwargs):
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                # TensorFlow's start-up lines are noise here; $TFREF_SPEC_VERBOSE=1 shows them.
                verbose = os.environ.get("TFREF_SPEC_VERBOSE") == "1"
                env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
                           CUDA_VISIBLE_DEVICES=os.environ.get("CUDA_VISIBLE_DEVICES", "-1"))
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "spec_tests.tf_oracle"], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=None if verbose else subprocess.DEVNULL, env=env)
            try:
                _send(self._process.stdin, (module, name, args, kwargs))
                status, value = _receive(self._process.stdout)
            except (OSError, EOFError) as error:
                self.stop()
                raise OracleError(f"the TensorFlow oracle process died: {error}") from error
        if status == "error":
            raise OracleError(f"TensorFlow oracle {module}.{name} failed:\n{value}")
        return value

    def stop(self) -> None:
        if self._process is not None:
            try:
                self._process.stdin.close()
                self._process.wait(timeout=10)
            except Exception:  # noqa: BLE001 (best effort at exit)
                self._process.kill()
            self._process = None


_SERVER = _Server()
atexit.register(_SERVER.stop)


def shutdown() -> None:
    """Stop the helper process (it restarts on the next oracle call)."""
    _SERVER.stop()


def tf_oracle(fn):
    """Make ``fn`` run where TensorFlow is (see module docstring)."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if _tensorflow_loaded() or os.environ.get("TFREF_SPEC_TF_IN_PROCESS") == "1":
            return fn(*args, **kwargs)
        return _SERVER.call(fn.__module__, fn.__qualname__, args, kwargs)

    call.tf_oracle = True
    return call


def _serve() -> int:
    """The helper process's loop: read (module, name, args, kwargs), answer (status, value)."""
    # Keep the protocol on a private descriptor; whatever TensorFlow prints goes to stderr.
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    while True:
        try:
            module, name, args, kwargs = _receive(requests)
        except EOFError:
            return 0
        try:
            fn = getattr(importlib.import_module(module), name)
            fn = getattr(fn, "__wrapped__", fn)
            _send(channel, ("ok", fn(*args, **kwargs)))
        except Exception:  # noqa: BLE001 (sent back to the caller as an OracleError)
            _send(channel, ("error", traceback.format_exc()))


if __name__ == "__main__":
    sys.exit(_serve())
