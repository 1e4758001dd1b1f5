"""``jit_compile="auto"``: XLA or the plain graph, chosen by timing both on the actual model.

Which compiles faster code depends on the model, the batch and the machine, not on a rule by
layer type: on this project's 2-core CPU XLA ran the 784-256-10 MLP about 2x faster than the
plain graph and LeNet's convolutions about 8x slower. So :func:`choose_jit` times a short
trial of both on the model and batch about to be trained and keeps the faster:

    work = epochs x samples x trainable parameters
    if jit_compile is True or False:        that (pinned by the caller)
    elif $TFREF_JIT is "xla" or "graph":    that (pinned for every "auto" of the process)
    elif work < XLA_MIN_WORK (3e10):        the plain graph (a trial and XLA's compilation,
                                            1-3 s, would cost more than they could save)
    elif the signature is in the cache:     the cached choice
    else: trial: k steps (k = TRIAL_STEPS) of step.train_step on the first k batches; each
          candidate compiled and called TRIAL_WARM_CALLS times untimed, then TRIAL_ROUNDS
          rounds in which each is timed once, the order alternating from round to round,
          the best call of each kept (XLA leaves after a round in which it is already 2x
          slower than the graph); the faster wins (the graph when XLA cannot compile the
          model); the weights and optimizer state are put back afterwards, so the trial
          leaves the run's training unchanged; the choice is written to the cache

Why warm-up calls and alternating rounds: the first call after the compiling one was often
slower (once 70.7 ms/step against 12-17 for the later calls of the character RNN, under load),
and the earlier trial (graph, then XLA, one untimed and 2 timed calls each) timed the graph
alone in the coldest state. In the 2026-12-03 bench run it timed the character RNN's graph at
15.0 ms/step and XLA at 13.8 and chose XLA, while the roofline's probe of the same model timed
the graph at 9.3 and XLA at 11.9: the engine ran at 74% of the roofline, with XLA. This trial
chose the graph in 6 of 6 runs (graph 9.5-11.9 ms/step, XLA 11.5-20.7) and the engine then
reached 97% of the roofline. The signature holds ``TRIAL_VERSION`` so that choices timed by an
earlier trial are timed again.

The signature is the step's kind, each layer's type and weight shapes (or the step's variable
shapes), the optimizer, the batch size, the input and target shapes and dtypes, the device,
the TensorFlow version, the CPU model (and GPU names) and the trial's version: any of these
changing means a new trial. The cache is ``jit_choices.json`` in ``$TFREF_CACHE_DIR``, else
``$XDG_CACHE_HOME/tfref``, else ``~/.cache/tfref``.

Determinism: XLA and the plain graph round differently, so the choice changes the trained
weights in the last digits. A choice timed afresh on every run could flip under load and make
two runs of ``tfref reproduce`` differ; hence it is made once per signature and cached, and
every later run with that signature reuses it. Below ``XLA_MIN_WORK`` (every topic's quick
run) no trial runs at all. Topics whose claims compare exact figures pin ``jit_compile``
(most pass False), and ``TFREF_JIT=graph`` (or ``xla``) pins every ``"auto"`` of a process, for
figures compared across machines or with an empty cache.

When no trial can run (under a ``tf.distribute`` strategy, or for ``fit_dataset``, whose data
is a stream a trial would consume), a cached choice for the signature is used if there is one,
else the fallback rule :func:`tfref.train.engine.use_xla` (XLA for big runs, except convolutions
and recurrences on a machine without a GPU); the :class:`JitChoice` says which.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

__all__ = ["JitChoice", "choose_jit", "cached_choice", "model_signature", "cache_path",
           "JIT_ENV", "CACHE_ENV", "TRIAL_STEPS", "TRIAL_WARM_CALLS", "TRIAL_ROUNDS",
           "TRIAL_VERSION"]

log = logging.getLogger("tfref.train")

#: Pins every ``jit_compile="auto"`` of the process: ``"xla"`` or ``"graph"``.
JIT_ENV = "TFREF_JIT"
#: The folder of tfref's cache (``jit_choices.json``); default ``$XDG_CACHE_HOME/tfref``.
CACHE_ENV = "TFREF_CACHE_DIR"
#: Steps per trial call; untimed calls per candidate (the first compiles); timed rounds (each
#: candidate once per round, the order alternating; each keeps its best call).
TRIAL_STEPS, TRIAL_WARM_CALLS, TRIAL_ROUNDS = 4, 2, 5
#: Part of every signature: a new version of the trial times every cached choice again.
TRIAL_VERSION = 2
_CACHE_FILE = "jit_choices.json"


@dataclass(frozen=True)
class JitChoice:
    """Whether a run compiles with XLA, and why.

    Attributes:
        jit_compile: True for XLA, False for the plain graph.
        source: ``"argument"`` (True/False passed), ``"environment"`` ($TFREF_JIT),
            ``"small run"`` (below XLA_MIN_WORK), ``"trial"`` (timed now), ``"cache"`` (timed
            before), ``"rule"`` (no trial possible: :func:`tfref.train.engine.use_xla`) or
            ``"fallback"`` (XLA chosen but it could not compile the model).
        reason: one readable line.
        seconds_per_step: the trial's best seconds per step, ``{"xla": s, "graph": s}`` (a
            candidate that failed is missing); empty when no trial was timed.
        signature: the hash the choice is cached under (empty when not cached).
    """

    jit_compile: bool
    source: str
    reason: str
    seconds_per_step: dict = field(default_factory=dict)
    signature: str = ""

    def describe(self) -> str:
        """``"jit_compile: XLA (trial: ...)"``, for logs and notes."""
        return f"jit_compile: {'XLA' if self.jit_compile else 'plain graph'} ({self.reason})"


def cache_path() -> Path:
    """The JSON file of cached choices: ``$TFREF_CACHE_DIR``, ``$XDG_CACHE_HOME/tfref`` or
    ``~/.cache/tfref``, then ``jit_choices.json``."""
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = str(Path(base) / "tfref")
    return Path(folder) / _CACHE_FILE


def _read_cache() -> dict:
    path = cache_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("ignoring the unreadable jit cache %s (%s); choices will be timed again",
                    path, error)
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(key: str, entry: dict) -> None:
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _read_cache()
        data[key] = entry
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(temporary, path)
    except OSError as error:  # a read-only home: the choice still holds for this run
        log.warning("could not write the jit cache %s: %s", path, error)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu_names() -> list[str]:
    names = []
    for device in tf.config.list_physical_devices("GPU"):
        try:
            names.append(tf.config.experimental.get_device_details(device).get("device_name",
                                                                                 device.name))
        except (ValueError, RuntimeError):
            names.append(device.name)
    return names


def model_signature(step, x_shape, x_dtype, y_shape, y_dtype, batch_size: int,
                    device: str = "") -> dict:
    """What a timed choice depends on: the model, the batch, the device and the software.

    Args:
        step: the :class:`tfref.train.steps.TrainStep` (a keras model wrapped in a KerasStep).
        x_shape: the input shape without the sample axis; ``x_dtype`` its dtype name.
        y_shape: the target shape without the sample axis; ``y_dtype`` its dtype name.
        batch_size: samples per step.
        device: the device the data lives on (e.g. ``.../device:CPU:0``).

    Returns:
        A JSON-serialisable dict; :func:`choose_jit` caches under its hash.
    """
    from tfref.train.steps import KerasStep

    if isinstance(step, KerasStep):
        layers = [[type(layer).__name__, [list(w.shape) for w in layer.weights]]
                  for layer in step.model._flatten_layers(include_self=False, recursive=True)
                  if not isinstance(layer, keras.layers.InputLayer)]
        optimizer = type(step.optimizer).__name__ if step.optimizer is not None else None
    else:
        layers = [[type(step).__name__, [list(v.shape) for v in step.trainable_variables]]]
        optimizer = None
    return {"step": type(step).__name__, "layers": layers, "optimizer": optimizer,
            "batch_size": int(batch_size), "x": [list(x_shape), str(x_dtype)],
            "y": [list(y_shape), str(y_dtype)], "device": device.split("device:")[-1],
            "tensorflow": tf.__version__, "cpu": _cpu_model(), "gpus": _gpu_names(),
            "trial": TRIAL_VERSION}


def _key(signature: dict) -> str:
    return hashlib.sha256(json.dumps(signature, sort_keys=True).encode()).hexdigest()[:20]


def cached_choice(signature: dict) -> JitChoice | None:
    """The cached choice for ``signature``, or None when it was never timed."""
    key = _key(signature)
    entry = _read_cache().get(key)
    if not isinstance(entry, dict) or not isinstance(entry.get("jit_compile"), bool):
        return None
    seconds = entry.get("seconds_per_step", {})
    return JitChoice(entry["jit_compile"], "cache",
                     f"cached trial {_compare(seconds)}, {cache_path()}", seconds, key)


def _compare(seconds: dict) -> str:
    parts = [f"{name} {value * 1e3:.3g} ms/step" for name, value in sorted(seconds.items())]
    return ", ".join(parts) if parts else "no timings"


def pinned_by_environment() -> bool | None:
    """``$TFREF_JIT`` as a bool (``"xla"`` True, ``"graph"`` False), or None when unset.

    Raises:
        ValueError: for another value.
    """
    value = os.environ.get(JIT_ENV, "").strip().lower()
    if not value or value == "auto":
        return None
    if value in ("xla", "graph"):
        return value == "xla"
    raise ValueError(f"{JIT_ENV} must be 'xla', 'graph' or 'auto'; got {value!r}")


def _snapshot(step) -> list[tuple[object, np.ndarray]]:
    variables = [v for group in step.checkpoint_variables().values() for v in group]
    return [(v, np.array(v.numpy(), copy=True)) for v in variables]


def _trial_function(step, jit: bool):
    """``run(xb, yb)``: step.train_step over the batches ``xb[i], yb[i]`` in one compiled call
    (XLA when ``jit``), returning the sum of the metrics (so that nothing is pruned)."""
    names = step.metric_names

    @tf.function(jit_compile=jit)
    def run(xb, yb):
        total = tf.zeros((), tf.float64)
        for i in tf.range(tf.shape(xb)[0]):
            sums = step.train_step(xb[i], yb[i])
            total += tf.add_n([tf.cast(sums[name], tf.float64) for name in names])
        return total

    return run


def _timed_rounds(functions: dict, xb, yb) -> dict:
    """Best seconds per call of each function over TRIAL_ROUNDS rounds, each function timed
    once per round, the order reversed every other round; XLA leaves after a round in which it
    was already 2x slower than the graph (LeNet's XLA on a CPU: 7-14x)."""
    best = {name: float("inf") for name in functions}
    active = list(functions)
    for round_index in range(TRIAL_ROUNDS):
        for name in active if round_index % 2 == 0 else active[::-1]:
            start = time.perf_counter()
            functions[name](xb, yb).numpy()
            best[name] = min(best[name], time.perf_counter() - start)
        if "xla" in active and "graph" in active and best["xla"] > 2 * best["graph"]:
            active.remove("xla")
    return best


def trial(step, x: tf.Tensor, y: tf.Tensor, batch_size: int) -> dict:
    """Seconds per training step with XLA and without, on the first batches of ``(x, y)``.

    Both candidates are compiled and warmed up before either is timed, then timed in
    alternating rounds (see the module docstring). The step's variables (weights, optimizer
    slots and counters) are restored afterwards.

    Returns:
        ``{"xla": s, "graph": s}``; a candidate that failed to compile is missing, and its
        error is under ``"xla_error"``.
    """
    batch = min(batch_size, int(x.shape[0]))
    steps = max(1, min(TRIAL_STEPS, int(x.shape[0]) // batch))
    xb = tf.reshape(x[: steps * batch], [steps, batch, *x.shape[1:]])
    yb = tf.reshape(y[: steps * batch], [steps, batch, *y.shape[1:]])
    saved = _snapshot(step)
    seconds: dict = {}
    try:
        functions = {"graph": _trial_function(step, False), "xla": _trial_function(step, True)}
        for name in list(functions):
            try:
                for _ in range(TRIAL_WARM_CALLS):  # the first call traces and compiles
                    functions[name](xb, yb).numpy()
            except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as error:
                if name == "graph":
                    raise
                seconds["xla_error"] = str(error).strip().splitlines()[0][:200]
                del functions[name]
        for name, best in _timed_rounds(functions, xb, yb).items():
            seconds[name] = best / steps
    finally:
        for variable, value in saved:
            variable.assign(value)
    return seconds


def choose_jit(jit_compile, step, x: tf.Tensor, y: tf.Tensor, *, batch_size: int, epochs: int,
               can_trial: bool = True, min_work: float | None = None) -> JitChoice:
    """Resolve ``jit_compile`` (True, False or ``"auto"``) for a run of ``fit``.

    See the module docstring for the order of the rules and the cache.

    Args:
        jit_compile: True, False or ``"auto"``.
        step: the built training step.
        x: the training inputs (on the run's device); y: the targets.
        batch_size: samples per step.
        epochs: the run's epoch count.
        can_trial: False where no trial can run (a strategy): the cache or the rule decides.
        min_work: the work below which the plain graph is kept untimed (None:
            ``XLA_MIN_WORK``; 0 always decides by the cache or a trial, as ``tfref bench`` does
            for the long runs it stands for).

    Returns:
        A :class:`JitChoice`.

    Raises:
        ValueError: for any other ``jit_compile`` value, or a bad ``$TFREF_JIT``.
    """
    from tfref.train.engine import XLA_MIN_WORK, _trainable, use_xla

    if jit_compile in (True, False):
        return JitChoice(bool(jit_compile), "argument", f"jit_compile={bool(jit_compile)} passed")
    if jit_compile != "auto":
        raise ValueError(f"jit_compile must be True, False or 'auto'; got {jit_compile!r}")
    pinned = pinned_by_environment()
    if pinned is not None:
        return JitChoice(pinned, "environment", f"{JIT_ENV}={os.environ[JIT_ENV]}")
    num_samples = int(x.shape[0])
    parameters = sum(int(np.prod(v.shape)) for v in _trainable(step))
    work = epochs * num_samples * parameters
    threshold = XLA_MIN_WORK if min_work is None else min_work
    if work < threshold:
        return JitChoice(False, "small run", f"{work:.2g} < {threshold:.0e} epochs x samples "
                         "x parameters: XLA's compilation would not pay back")
    signature = model_signature(step, x.shape[1:], x.dtype.name, y.shape[1:], y.dtype.name,
                                batch_size, getattr(x, "device", "") or "")
    cached = cached_choice(signature)
    if cached is not None:
        return cached
    key = _key(signature)
    if not can_trial:
        rule = use_xla("auto", epochs=epochs, num_samples=num_samples, step=step)
        return JitChoice(rule, "rule", "no trial under a strategy; the rule by model type")
    seconds = trial(step, x, y, batch_size)
    timings = {name: value for name, value in seconds.items() if name in ("xla", "graph")}
    use = "xla" in timings and timings["xla"] < timings["graph"]
    reason = f"trial {_compare(timings)}"
    if "xla_error" in seconds:
        reason += f"; XLA failed: {seconds['xla_error']}"
    choice = JitChoice(use, "trial", reason, timings, key)
    _write_cache(key, {**{k: v for k, v in asdict(choice).items() if k != "signature"},
                       "signature": signature, "measured": time.strftime("%Y-%m-%dT%H:%M:%S")})
    log.info("%s", choice.describe())
    return choice


def choose_jit_for_stream(jit_compile, step, x_sample: tf.Tensor, y_sample: tf.Tensor,
                          epochs: int) -> JitChoice:
    """:func:`choose_jit` for ``fit_dataset``: no trial (the data is a stream); the cache for
    the first batch's signature, else the rule (:func:`tfref.train.engine.use_xla`)."""
    from tfref.train.engine import use_xla

    if jit_compile in (True, False) or jit_compile != "auto":
        return choose_jit(jit_compile, step, x_sample, y_sample, batch_size=1, epochs=epochs)
    pinned = pinned_by_environment()
    if pinned is not None:
        return JitChoice(pinned, "environment", f"{JIT_ENV}={os.environ[JIT_ENV]}")
    signature = model_signature(step, x_sample.shape[1:], x_sample.dtype.name,
                                y_sample.shape[1:], y_sample.dtype.name, int(x_sample.shape[0]),
                                getattr(x_sample, "device", "") or "")
    cached = cached_choice(signature)
    if cached is not None:
        return cached
    rule = use_xla("auto", epochs=epochs, num_samples=None, step=step)
    return JitChoice(rule, "rule", "a stream cannot be trialled; the rule by model type")
