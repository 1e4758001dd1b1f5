"""The training engine: whole epochs compiled into one call, for data in memory or in tf.data.

In-memory path (:func:`fit`), the default for data that fits in memory. Measured on a 2-core
CPU for a 784-256-10 MLP (batch 128, SGD) it runs several times faster than ``keras.Model.fit``
(see ``tfref bench``), because one epoch is one call:

    x, y placed on the device once
    for epoch e:
        order  = permutation(n) seeded by (seed, e)          # stateless: a resumed run repeats it
        xb, yb = gather(x, order) reshaped to (steps, batch, ...)   # one copy per epoch
        sums   = compiled loop (XLA) over the steps: step.train_step(xb[i], yb[i]), summed
                 on the device; then the last, shorter batch (if n % batch != 0)
        loss   = sums["loss"] / n  (read once per epoch), then validation, checkpoint, logs

Every sample is seen once per epoch: the ``n % batch_size`` samples left over form one smaller
last batch (``drop_remainder=True`` drops them instead; they differ from epoch to epoch).

tf.data path (:func:`fit_dataset`) for data that does not fit in memory: the dataset (or a
function of the epoch number that builds it, so a resumed run shuffles like an uninterrupted one)
is prefetched and iterated inside one ``tf.function`` per epoch; each step is XLA-compiled. Each
epoch's stream is started (built, its first batch read) in a background thread while the
previous epoch trains, so a pipeline's start-up does not stall the next epoch.
Under ``strategy=MirroredStrategy`` both paths go through a distributed dataset; each replica
takes a share of the global batch and the gradients are summed over replicas.

Symbols: n -> ``num_samples``; steps -> ``full``; e -> ``epoch`` (0-based; the history, logs
and checkpoints count epochs from 1).

The compiled functions (an epoch, a validation pass) are kept on the model, or on a hand-coded
step, and reused by a later ``fit``, ``fit_dataset`` or ``evaluate`` call on it with data of the
same shapes and the same loss, optimizer and trainable variables, so such a call does not trace
them again (see ``_cached_compiled`` for what is compared).

Deviations from ``keras.Model.fit``: the loss of an epoch is the exact mean over its samples
(keras averages batch means), the shuffle is a NumPy permutation seeded by (seed, epoch) rather
than tf.data's shuffle buffer, and ``jit_compile="auto"`` chooses between XLA and the plain graph
by timing a short trial of both on the model and batch (cached per model signature, so runs stay
reproducible; see :mod:`tfref.train.jit`); True or False pins it, as does ``TFREF_JIT=xla|graph``
for every "auto"; a model XLA cannot compile falls back to the plain graph with a warning.
``History.jit`` says what was chosen and why.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from tfref._validation import check_positive_whole
from tfref.train.checkpoints import TrainingCheckpoint
from tfref.train.distribute import device_scope, worker_role
from tfref.train.jit import JitChoice, choose_jit, choose_jit_for_stream
from tfref.train.reporting import EpochProgress, ScalarLog
from tfref.train.steps import KerasStep, TrainStep

__all__ = ["History", "fit", "fit_dataset", "evaluate", "epoch_permutation", "as_step",
           "use_xla", "XLA_MIN_WORK", "JitChoice", "choose_jit"]


@dataclass
class History:
    """Per-epoch metrics of a training run, as NumPy arrays (one entry per finished epoch).

    A resumed run's history starts with the epochs restored from the checkpoint, so it equals
    the history of an uninterrupted run.

    Attributes:
        metrics: ``{"loss": array, "accuracy": array, "val_loss": array, ...}``.
        initial_epoch: the number of epochs restored from a checkpoint (0 for a fresh run).
        samples_per_second: training throughput of the epochs this call ran (not restored ones).
        jit: whether the run compiled with XLA and why (a :class:`tfref.train.jit.JitChoice`:
            passed, pinned by ``TFREF_JIT``, a small run, a timed trial, the cache or the rule).

    Example:
        >>> history = History({"loss": np.array([0.9, 0.5])})
        >>> history.loss.tolist(), history.epochs
        ([0.9, 0.5], 2)
    """

    metrics: dict[str, np.ndarray]
    initial_epoch: int = 0
    samples_per_second: np.ndarray = field(default_factory=lambda: np.zeros(0))
    jit: JitChoice | None = None

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r} in this history; it has {sorted(self.metrics)}")
        return self.metrics[name]

    def __contains__(self, name: str) -> bool:
        return name in self.metrics

    @property
    def epochs(self) -> int:
        """The number of finished epochs."""
        return len(next(iter(self.metrics.values()), ()))

    @property
    def loss(self) -> np.ndarray:
        """Mean training loss per epoch."""
        return self["loss"]

    @property
    def accuracy(self) -> np.ndarray | None:
        """Training accuracy per epoch, or None when not measured."""
        return self.metrics.get("accuracy")

    @property
    def val_loss(self) -> np.ndarray | None:
        """Validation loss per epoch, or None without validation data."""
        return self.metrics.get("val_loss")

    @property
    def val_accuracy(self) -> np.ndarray | None:
        """Validation accuracy per epoch, or None."""
        return self.metrics.get("val_accuracy")


def epoch_permutation(num_samples: int, seed: int, epoch: int) -> np.ndarray:
    """The order of the samples in epoch ``epoch`` (0-based): a function of (seed, epoch) only.

    Because no generator state carries from one epoch to the next, a run resumed at epoch e
    shuffles exactly like an uninterrupted one.

    Args:
        num_samples: n, the number of training samples.
        seed: the run's seed (non-negative).
        epoch: the 0-based epoch number.

    Returns:
        A permutation of ``range(num_samples)``, int64.

    Example:
        >>> order = epoch_permutation(5, seed=0, epoch=0)
        >>> sorted(order.tolist())
        [0, 1, 2, 3, 4]
        >>> bool((order == epoch_permutation(5, seed=0, epoch=0)).all())
        True
    """
    return np.random.default_rng([seed, epoch]).permutation(num_samples).astype(np.int64)


def as_step(model, loss_fn=None, optimizer=None, *, accuracy: bool | None = None) -> TrainStep:
    """The training step for ``model``: a :class:`TrainStep` as is, a keras Model wrapped.

    Args:
        model: a ``keras.Model`` or a :class:`TrainStep` (hand-coded loops).
        loss_fn: the loss for a keras model; must be None for a TrainStep.
        optimizer: the keras optimizer for a keras model; must be None for a TrainStep.
        accuracy: for a keras model, report accuracy (None: decide from the output shape).

    Returns:
        A :class:`TrainStep`.

    Raises:
        ValueError: when a keras model lacks ``loss_fn``, or a TrainStep is given a loss or an
            optimizer (it owns its update rule).
    """
    if isinstance(model, TrainStep):
        if loss_fn is not None or optimizer is not None:
            raise ValueError(f"{type(model).__name__} is a TrainStep with its own update rule; "
                             "do not pass loss_fn or optimizer")
        return model
    if loss_fn is None:
        raise ValueError("loss_fn is required to train a keras model, e.g. "
                         "keras.losses.SparseCategoricalCrossentropy(from_logits=True)")
    return KerasStep(model, loss_fn, optimizer, accuracy=accuracy)


def _zeros(names) -> dict:
    return {name: tf.zeros((), tf.float64) for name in names}


def _add(sums: dict, more: dict) -> dict:
    return {name: sums[name] + tf.cast(more[name], tf.float64) for name in sums}


def _leading(x) -> tf.Tensor:
    """The batch size of a (possibly nested) input."""
    return tf.shape(tf.nest.flatten(x)[0], out_type=tf.int64)[0]


def _first_reason(error: Exception) -> str:
    """The first informative line of a TensorFlow error message."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()
             and not line.startswith(("Graph execution error", "Detected at node"))]
    return lines[0] if lines else type(error).__name__


# XLA compiles an epoch in about 1-3 s on a 2-core CPU and then runs the 784-256-10 MLP about
# 2x faster than the plain graph (7 us less per sample, about 3.6e-11 s per sample and
# parameter). Below this much work "auto" keeps the plain graph without a trial (tfref.train.jit).
XLA_MIN_WORK = 3e10  # epochs x samples x trainable parameters


def use_xla(jit_compile, *, epochs: int, num_samples: int | None, step: TrainStep) -> bool:
    """The rule for ``jit_compile`` where no timed trial can run, and for :func:`evaluate`.

    ``fit`` decides ``"auto"`` by measurement (:func:`tfref.train.jit.choose_jit`); this rule
    is only its fallback: under a strategy, for ``fit_dataset`` (a stream cannot be trialled)
    when no choice is cached, and for ``evaluate``. ``"auto"`` here means XLA when
    ``epochs * num_samples * trainable parameters >= XLA_MIN_WORK`` (3e10), or when the number
    of samples is unknown; but not on a machine without a GPU for a model with convolution or
    recurrent layers (on this project's 2-core CPU XLA trained LeNet at about 2,100 samples/s
    against 16,000-18,000 without it).

    Args:
        jit_compile: True, False or ``"auto"``.
        epochs: the run's epoch count.
        num_samples: samples per epoch, or None when unknown.
        step: the training step (its trainable variables are counted).

    Returns:
        Whether to compile with XLA.

    Raises:
        ValueError: for any other ``jit_compile`` value.

    Example:
        >>> from tfref.train.steps import TrainStep
        >>> use_xla("auto", epochs=10, num_samples=100, step=TrainStep())
        False
    """
    if jit_compile in (True, False):
        return bool(jit_compile)
    if jit_compile != "auto":
        raise ValueError(f"jit_compile must be True, False or 'auto'; got {jit_compile!r}")
    if _has_conv_or_rnn(step) and not tf.config.list_physical_devices("GPU"):
        return False
    if num_samples is None:
        return True
    parameters = sum(int(np.prod(v.shape)) for v in _trainable(step))
    return epochs * num_samples * parameters >= XLA_MIN_WORK


_SLOW_UNDER_XLA_ON_CPU = ("Conv", "RNN", "LSTM", "GRU")


def _has_conv_or_rnn(step: TrainStep) -> bool:
    """Whether a keras model step holds a convolution or recurrent layer (any depth)."""
    if not isinstance(step, KerasStep):
        return False
    layers = step.model._flatten_layers(include_self=False, recursive=True)
    return any(any(kind in type(layer).__name__ for kind in _SLOW_UNDER_XLA_ON_CPU)
               for layer in layers)


def _trainable(step: TrainStep) -> list:
    if isinstance(step, KerasStep):
        return list(step.model.trainable_variables)
    return list(step.trainable_variables)


def _is_xla_error(error: Exception) -> bool:
    text = str(error)
    return any(mark in text for mark in ("XLA", "xla", "tf2xla", "_XlaMustCompile"))


class _Compiled:
    """Builds compiled functions with XLA, falling back to the plain graph once if XLA fails."""

    def __init__(self, jit_compile: bool, build: Callable[[bool], Callable]):
        self.jit_compile = jit_compile
        self._build = build
        self._function = build(jit_compile)
        self._proven = False

    def __call__(self, *args):
        if self._proven or not self.jit_compile:
            return self._function(*args)
        try:
            result = self._function(*args)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as error:
            if not _is_xla_error(error):
                raise
            warnings.warn("XLA cannot compile this model, so tfref trains it without XLA "
                          f"(jit_compile=False); the reason: {_first_reason(error)}",
                          RuntimeWarning, stacklevel=3)
            self.jit_compile = False
            self._function = self._build(False)
            result = self._function(*args)
        self._proven = True
        return result


class _InMemoryTrainer:
    """One epoch over device-resident data in one compiled call (single device).

    The compiled epoch is cached like :class:`_Evaluator`'s (:func:`_cached_compiled`), also
    under the trainable variables, the optimizer (the very object, and its config) and, for a
    hand-coded step, its public numbers and strings (e.g. a learning rate): a second ``fit``
    call that changes none of these, with data of the same shapes, batch size and remainder
    rule, trains with the function the first one traced. ``cache=False`` builds a fresh one.
    """

    def __init__(self, step: TrainStep, x, y, batch_size: int, drop_remainder: bool,
                 jit_compile: bool, *, cache: bool = True):
        self.x, self.y = x, y
        num_samples = int(x.shape[0])
        full = num_samples // batch_size
        remainder = 0 if drop_remainder else num_samples % batch_size
        self.samples_per_epoch = full * batch_size + remainder
        build = _epoch_builder(step, batch_size, full, remainder)
        if cache:
            key = ("train", _tensor_key(x), _tensor_key(y), batch_size, full, remainder,
                   bool(jit_compile))
            self._epoch = _cached_compiled(step, key, lambda: _Compiled(jit_compile, build),
                                           training=True)
        else:
            self._epoch = _Compiled(jit_compile, build)

    def train_epoch(self, order: np.ndarray) -> tuple[dict, int]:
        sums = self._epoch(self.x, self.y, tf.constant(order))
        return {name: float(value) for name, value in sums.items()}, self.samples_per_epoch


def _epoch_builder(step: TrainStep, batch: int, full: int, remainder: int):
    """``build(jit_compile)``: one epoch's compiled call ``train_epoch(x, y, order)``: the data
    gathered in ``order``, ``full`` steps of ``batch`` samples in one compiled loop, then one
    of ``remainder`` samples; the data are its arguments, so that a cached function holds no
    data set."""
    names = step.metric_names

    def build(jit_compile: bool):
        @tf.function(jit_compile=jit_compile)
        def run_batches(xb, yb):  # xb: (steps, batch, ...)
            sums = _zeros(names)
            for i in tf.range(full):
                sums = _add(sums, step.train_step(xb[i], yb[i]))
            return sums

        @tf.function(jit_compile=jit_compile)
        def run_one(xs, ys):  # the last, shorter batch
            return _add(_zeros(names), step.train_step(xs, ys))

        @tf.function
        def train_epoch(x, y, order):
            sums = _zeros(names)
            if full > 0:
                head = order[: full * batch]
                xb = tf.reshape(tf.gather(x, head), [full, batch, *x.shape[1:]])
                yb = tf.reshape(tf.gather(y, head), [full, batch, *y.shape[1:]])
                sums = _add(sums, run_batches(xb, yb))
            if remainder > 0:
                tail = order[full * batch: full * batch + remainder]
                sums = _add(sums, run_one(tf.gather(x, tail), tf.gather(y, tail)))
            return sums

        return train_epoch

    return build


class _Evaluator:
    """The per-sample means of ``step.test_step`` over (x, y), in one compiled call.

    The compiled function is cached on the model (a keras model) or on the step (a hand-coded
    TrainStep) under what its trace depends on (:func:`_cached_compiled`), so that the
    validation of a second ``fit`` call, or ``evaluate``, on the same model with data of the
    same shapes reuses the traced function instead of tracing it again. ``cache=False`` (under
    a strategy) builds a fresh one.
    """

    def __init__(self, step: TrainStep, x, y, batch_size: int, jit_compile: bool, *,
                 cache: bool = True):
        self.x, self.y = x, y
        self.num_samples = num_samples = int(x.shape[0])
        batch = min(batch_size, num_samples)
        build = _evaluation_builder(step, batch, num_samples // batch, num_samples % batch)
        if cache:
            key = ("evaluate", _tensor_key(x), _tensor_key(y), batch, bool(jit_compile))
            self._evaluate = _cached_compiled(step, key, lambda: _Compiled(jit_compile, build))
        else:
            self._evaluate = _Compiled(jit_compile, build)

    def __call__(self) -> dict:
        sums = self._evaluate(self.x, self.y)
        return {name: float(value) / self.num_samples for name, value in sums.items()}


def _evaluation_builder(step: TrainStep, batch: int, full: int, remainder: int):
    """``build(jit_compile)``: the compiled sums of ``step.test_step`` over ``full`` batches of
    ``batch`` samples and a last one of ``remainder``; the data are its arguments, so that a
    cached function holds no data set."""
    names = step.metric_names

    def build(jit_compile: bool):
        @tf.function(jit_compile=jit_compile)
        def run(x, y):
            sums = _zeros(names)
            xb = tf.reshape(x[: full * batch], [full, batch, *x.shape[1:]])  # (full, batch, ...)
            yb = tf.reshape(y[: full * batch], [full, batch, *y.shape[1:]])
            for i in tf.range(full):
                sums = _add(sums, step.test_step(xb[i], yb[i]))
            if remainder > 0:
                sums = _add(sums, step.test_step(x[full * batch:], y[full * batch:]))
            return sums

        return run

    return build


class _CompiledCache:
    """Compiled functions kept on a model or a step: ``{key: (objects, function)}``. A plain
    object, so that neither keras' attribute tracking nor tf.Module's search for variables
    looks inside it (the variable order of a step, and so its checkpoints, stay as they were)."""

    def __init__(self):
        self.entries: dict = {}


_CACHE_ATTRIBUTE = "_tfref_compiled"


def _cached_compiled(step: TrainStep, key: tuple, build: Callable[[], _Compiled], *,
                     training: bool = False) -> _Compiled:
    """The compiled function cached for ``key`` and ``step``'s identity, or ``build()``'s.

    The cache lives on the keras model (a KerasStep is made anew by every ``fit`` call, the
    model is not) or on the hand-coded step, so it goes when they go. An entry is reused only
    while the objects its trace captured are the very same (the model's variables, a loss that
    is not a ``keras.losses.Loss``; for training also the optimizer) and what else the trace
    read is equal (the loss's class and config, the metric names; for training the trainable
    variables, the optimizer's config, a hand-coded step's public numbers and strings). As
    with keras' own cached ``train_function``, other Python attributes read while tracing
    (e.g. a Dropout layer's rate changed between calls) are not watched.
    """
    owner = step.model if isinstance(step, KerasStep) else step
    cache = vars(owner).get(_CACHE_ATTRIBUTE)
    if not isinstance(cache, _CompiledCache):
        cache = _CompiledCache()
        object.__setattr__(owner, _CACHE_ATTRIBUTE, cache)  # bypasses keras' tracking
    objects, identity = _step_identity(step, training)
    entry = cache.entries.get((key, identity))
    if entry is not None and len(entry[0]) == len(objects) and all(
            a is b for a, b in zip(entry[0], objects, strict=True)):
        return entry[1]
    compiled = build()
    cache.entries[(key, identity)] = (objects, compiled)
    return compiled


def _step_identity(step: TrainStep, training: bool = False) -> tuple[tuple, tuple]:
    """``(objects, key)``: the objects a traced function of ``step`` captures (checked by
    identity on reuse) and a hashable key of them and of what else its trace depends on."""
    if isinstance(step, KerasStep):
        objects = tuple(step.model.variables)
        loss = step.loss_fn
        if isinstance(loss, keras.losses.Loss):
            read = [type(loss).__qualname__, _config_key(loss)]
        else:
            read, objects = ["function"], (*objects, loss)
        if training:
            trainable = tuple(id(v) for v in step.model.trainable_variables)
            read += [trainable, type(step.optimizer).__qualname__, _config_key(step.optimizer)]
            objects = (*objects, step.optimizer)
    else:
        objects = tuple(step.variables)
        read = [type(step).__qualname__]
        if training:
            read.append(tuple(sorted(
                (name, value) for name, value in vars(step).items()
                if not name.startswith("_") and isinstance(value, bool | int | float | str))))
    return objects, (tuple(id(v) for v in objects), tuple(read), tuple(step.metric_names))


def _config_key(configurable) -> str:
    """A keras object's config as a string (equal configs: equal strings)."""
    return repr(sorted(configurable.get_config().items()))


def _tensor_key(tensor: tf.Tensor) -> tuple:
    return tuple(tensor.shape), tensor.dtype.name, tensor.device


class _EpochStart:
    """One epoch's stream, started ahead of use: in a background thread, the epoch's dataset is
    built, its iterator made and its first batch read, so that a pipeline's start-up (opening
    the files, filling a shuffle window before the first batch) overlaps the previous epoch's
    training instead of stalling the next one. On the loaded 2-core machine, the first batch of
    a seeded read of the MLP bench's shards (a 10,000-example window) took 0.18-0.50 s to
    arrive, against 1-2 s for the epoch's training."""

    def __init__(self, make_dataset: Callable[[int], tf.data.Dataset], epoch: int,
                 placement: Callable[[], contextlib.AbstractContextManager]):
        self.epoch = epoch
        self._outcome = None
        self._thread = threading.Thread(target=self._start, args=(make_dataset, placement),
                                        name=f"tfref-data-epoch-{epoch + 1}", daemon=True)
        self._thread.start()

    def _start(self, make_dataset, placement) -> None:
        try:
            with placement():
                iterator = iter(make_dataset(self.epoch).prefetch(tf.data.AUTOTUNE))
                self._outcome = (next(iterator, None), iterator)
        except BaseException as error:  # raised again in the training thread by take()
            self._outcome = error

    def take(self) -> tuple:
        """``(first batch or None when the epoch is empty, iterator over the rest)``."""
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome


class _DatasetTrainer:
    """One epoch over a tf.data dataset in one tf.function; optionally under a strategy.

    On one device, each epoch's stream is started while the previous epoch trains
    (:class:`_EpochStart`): ``make_dataset(epoch + 1)`` is called during epoch ``epoch``.
    """

    def __init__(self, step: TrainStep, make_dataset: Callable[[int], tf.data.Dataset],
                 jit_compile: bool, strategy=None, *, epochs: int = 0,
                 placement: Callable[[], contextlib.AbstractContextManager] = (
                     contextlib.nullcontext)):
        self.step, self.make_dataset, self.strategy = step, make_dataset, strategy
        self.epochs, self.placement = epochs, placement
        self._ahead: _EpochStart | None = None
        jit_compile = jit_compile and strategy is None
        if strategy is None:  # cached like _InMemoryTrainer's; the loop retraces per element spec
            names = step.metric_names

            def build() -> _Compiled:  # holds the step, not this trainer and its data
                return _Compiled(jit_compile,
                                 lambda jit: _summing_loop(step.train_step, names, jit))

            key = ("train-stream", tf.zeros(()).device, bool(jit_compile))
            self._epoch = _cached_compiled(step, key, build, training=True)
        else:
            self._epoch = _Compiled(jit_compile, self._build)

    def _build(self, jit_compile: bool):  # under a strategy
        step, names, strategy = self.step, self.step.metric_names, self.strategy

        def replica_step(xb, yb):
            context = tf.distribute.get_replica_context()
            local = tf.cast(_leading(xb), tf.float64)
            global_batch = context.all_reduce(tf.distribute.ReduceOp.SUM, local)
            sums = _add(_zeros(names), step.train_step(xb, yb, global_batch_size=global_batch))
            return sums, local

        @tf.function
        def train_epoch_distributed(dataset):
            sums, count = _zeros(names), tf.zeros((), tf.float64)
            for xb, yb in dataset:
                per_replica, local = strategy.run(replica_step, args=(xb, yb))
                sums = _add(sums, {name: strategy.reduce(tf.distribute.ReduceOp.SUM, value,
                                                         axis=None)
                                   for name, value in per_replica.items()})
                count += strategy.reduce(tf.distribute.ReduceOp.SUM, local, axis=None)
            return sums, tf.cast(count, tf.int64)

        return train_epoch_distributed

    def train_epoch(self, epoch: int) -> tuple[dict, int]:
        if self.strategy is not None:
            dataset = self.make_dataset(epoch).prefetch(tf.data.AUTOTUNE)
            sums, count = self._epoch(self.strategy.experimental_distribute_dataset(dataset))
            return {name: float(value) for name, value in sums.items()}, int(count)
        ahead = self._ahead
        if ahead is None or ahead.epoch != epoch:
            ahead = _EpochStart(self.make_dataset, epoch, self.placement)
        self._ahead = (_EpochStart(self.make_dataset, epoch + 1, self.placement)
                       if epoch + 1 < self.epochs else None)
        first, iterator = ahead.take()
        sums, count = _zeros(self.step.metric_names), tf.zeros((), tf.int64)
        if first is not None:
            sums, count = self._epoch(iterator, sums, count, first)
        return {name: float(value) for name, value in sums.items()}, int(count)


def _check_strategy(step: TrainStep, strategy) -> None:
    if strategy is None:
        return
    if not step.supports_strategy:
        raise ValueError(f"{type(step).__name__} does not support tf.distribute strategies "
                         "(hand-coded updates assign to variables directly); train it on one "
                         "device (strategy=None)")
    variables = [v for group in step.checkpoint_variables().values() for v in group]
    outside = [getattr(v, "path", v.name) for v in variables
               if not strategy.extended.variable_created_in_scope(
                   v.value if isinstance(v, keras.Variable) else v)]
    if outside:
        raise ValueError(f"{len(outside)} variable(s) were created outside strategy.scope(), "
                         f"e.g. {outside[0]}; create the model and the optimizer inside "
                         "`with strategy.scope():`")


def _to_tensor(value, name: str) -> tf.Tensor:
    try:
        return tf.convert_to_tensor(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array or tensor; {error}") from None


def _run(step: TrainStep, train_epoch: Callable[[int], tuple[dict, int]], *, epochs: int,
         evaluate_validation: Callable[[], dict] | None, checkpoint_dir, resume: bool,
         settings: dict, logdir, progress: bool | None, strategy=None,
         on_epoch_end: Callable[[int, dict], None] | None = None,
         jit: JitChoice | None = None) -> History:
    """The epoch loop shared by fit and fit_dataset: train, validate, checkpoint, log, report.

    Under a multi-worker strategy only the chief reports progress and writes TensorBoard logs;
    every worker checkpoints (the others to temporary directories, TensorFlow's rule) and every
    worker resumes from the chief's checkpoint.
    """
    if resume and checkpoint_dir is None:
        raise ValueError("resume=True needs checkpoint_dir (the directory to resume from)")
    role = worker_role(strategy)
    if not role.is_chief:
        progress, logdir = False, None
    reporter = EpochProgress(epochs, enabled=progress)
    if jit is not None and jit.source in ("trial", "cache", "rule"):
        reporter.note(jit.describe())
    checkpoint = (TrainingCheckpoint(step, checkpoint_dir, settings=settings, role=role)
                  if checkpoint_dir is not None else None)
    history: dict[str, list[float]] = {}
    initial_epoch = 0
    if checkpoint is not None and resume:
        saved_epoch = checkpoint.saved_epoch()
        if saved_epoch is not None and saved_epoch > epochs:
            raise ValueError(f"the checkpoint in {checkpoint_dir} is after epoch {saved_epoch}, "
                             f"past the {epochs} epochs asked for; pass epochs >= {saved_epoch} "
                             "or a fresh checkpoint directory")
        restored = checkpoint.restore_latest()
        if restored is None:
            reporter.note(f"no checkpoint in {checkpoint_dir}; starting from epoch 1")
        else:
            initial_epoch, history = restored
            reporter.note(f"resumed from {checkpoint.latest} after epoch {initial_epoch}")
    log = ScalarLog(logdir) if logdir is not None else None
    rates = []
    try:
        for epoch in range(initial_epoch, epochs):
            start = time.perf_counter()
            sums, count = train_epoch(epoch)
            seconds = time.perf_counter() - start
            metrics = {name: value / max(count, 1) for name, value in sums.items()}
            if evaluate_validation is not None:
                metrics.update({f"val_{k}": v for k, v in evaluate_validation().items()})
            for name, value in metrics.items():
                history.setdefault(name, []).append(value)
            rates.append(count / seconds if seconds > 0 else float("inf"))
            if checkpoint is not None:
                checkpoint.save(epoch + 1, history)
            if log is not None:
                log.write(epoch + 1, {**metrics, "samples_per_second": rates[-1]})
            reporter.epoch_done(epoch, metrics, seconds=seconds, samples=count)
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, dict(metrics))
    finally:
        if log is not None:
            log.close()
    return History({name: np.asarray(values, dtype=np.float64) for name, values in history.items()},
                   initial_epoch=initial_epoch, samples_per_second=np.asarray(rates))


def fit(model, x, y, *, loss_fn=None, optimizer=None, epochs: int, batch_size: int,
        shuffle: bool = True, seed: int = 0, drop_remainder: bool = False, validation=None,
        accuracy: bool | None = None, jit_compile: bool | str = "auto", checkpoint_dir=None,
        resume: bool = False, logdir=None, strategy=None, device: str | None = None,
        progress: bool | None = None,
        on_epoch_end: Callable[[int, dict], None] | None = None) -> History:
    """Train on data held in memory, one compiled call per epoch.

    Args:
        model: a ``keras.Model`` (with ``loss_fn`` and ``optimizer``) or a :class:`TrainStep`
            for hand-coded loops.
        x: inputs, ``(n, ...)`` array or tensor (kept on the device for the whole run).
        y: targets, ``(n, ...)``.
        loss_fn: ``loss_fn(y_true, y_pred)`` for a keras model (a ``keras.losses.Loss`` or a
            function returning per-sample losses).
        optimizer: a keras optimizer for a keras model.
        epochs: the total number of epochs (a resumed run continues up to it).
        batch_size: samples per step.
        shuffle: a new order every epoch, seeded by ``(seed, epoch)``; False keeps the order.
        seed: the shuffle seed (model initialisation is the caller's: seed it too).
        drop_remainder: drop the ``n % batch_size`` samples left over each epoch instead of
            training on them as one shorter last batch.
        validation: ``(x_val, y_val)`` evaluated after every epoch with ``training=False``;
            never used for updates. Its metrics appear as ``val_loss``, ``val_accuracy``. The
            compiled evaluation is kept on the model (or hand-coded step), so a later ``fit``
            or ``evaluate`` with data of the same shapes and batch size does not trace it again.
        accuracy: report accuracy for a keras model (None: when it outputs class scores).
        jit_compile: compile the epoch loop with XLA: True, False, or ``"auto"`` (default): the
            plain graph for runs too small to pay back 1-3 s of compilation, else the faster of
            XLA and the plain graph in a short timed trial on this model and batch, cached per
            model signature so that later runs reuse it (:mod:`tfref.train.jit`;
            ``TFREF_JIT=xla|graph`` pins every "auto"). ``History.jit`` reports the choice.
            A model XLA cannot compile falls back to the plain graph with a warning.
        checkpoint_dir: save a checkpoint after every epoch in this directory (without
            ``resume`` the run starts fresh and its checkpoints replace the directory's).
        resume: continue from the newest checkpoint in ``checkpoint_dir`` (a fresh start when
            it has none).
        logdir: write TensorBoard scalars (every metric, and samples_per_second) per epoch.
        strategy: a ``tf.distribute`` strategy (see :func:`tfref.train.make_strategy`); the
            model and optimizer must have been created inside ``strategy.scope()``. Under
            ``MultiWorkerMirroredStrategy`` every worker passes the same data: each global
            batch is split over the workers, so the run equals a one-process run with the same
            global batch (test_multiworker.py measures it); the chief writes checkpoints and
            logs, the others temporary copies.
        device: ``"cpu"``, ``"gpu"`` or None (default placement).
        progress: print a line per epoch; None means "when stderr is a terminal".
        on_epoch_end: called as ``on_epoch_end(finished_epochs, metrics)`` after each epoch
            (and its checkpoint), e.g. to stop a run from outside or to watch it.

    Returns:
        A :class:`History` of per-epoch metrics (mean over the epoch's samples).

    Raises:
        ValueError: for mismatched or empty data, a non-positive ``epochs`` or ``batch_size``, a
            missing ``loss_fn``, ``resume`` without ``checkpoint_dir``, a GPU asked for and
            absent, or variables created outside the strategy's scope.
        tfref.train.CheckpointMismatchError: (a ValueError) when resuming from a checkpoint of
            another model or with other settings; nothing is restored then.

    Example:
        >>> import keras
        >>> keras.utils.set_random_seed(0)
        >>> x = np.random.default_rng(0).normal(size=(256, 4)).astype("float32")
        >>> y = (x[:, 0] > 0).astype("int32")
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        >>> history = fit(model, x, y, epochs=3, batch_size=32, seed=0,
        ...               loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        ...               optimizer=keras.optimizers.SGD(0.5))
        >>> bool(history.loss[-1] < history.loss[0]), sorted(history.metrics)
        (True, ['accuracy', 'loss'])
    """
    epochs = check_positive_whole(epochs, "epochs")
    batch_size = check_positive_whole(batch_size, "batch_size")
    step = as_step(model, loss_fn, optimizer, accuracy=accuracy)
    placement = device_scope(device) if strategy is None else contextlib.nullcontext()
    if strategy is not None:
        device_scope(device)  # still say clearly when a GPU was asked for and is absent
    with placement:
        x, y = _to_tensor(x, "x"), _to_tensor(y, "y")
        num_samples = _check_data(x, y, "x", "y")
        if batch_size > num_samples and drop_remainder:
            raise ValueError(f"batch_size {batch_size} > {num_samples} samples with "
                             "drop_remainder=True leaves nothing to train on")
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            step.build(x[:2], y[:2])
        _check_strategy(step, strategy)
        choice = choose_jit(jit_compile, step, x, y, batch_size=batch_size, epochs=epochs,
                            can_trial=strategy is None)
        jit_compile = choice.jit_compile
        validate = None
        if validation is not None:
            x_val, y_val = _validation_pair(validation)
            _check_data(x_val, y_val, "validation x", "validation y")
            validate = _Evaluator(step, x_val, y_val, batch_size,
                                  jit_compile and strategy is None, cache=strategy is None)

        def order_of(epoch: int) -> np.ndarray:
            if shuffle:
                return epoch_permutation(num_samples, seed, epoch)
            return np.arange(num_samples, dtype=np.int64)

        if strategy is None:
            trainer = _InMemoryTrainer(step, x, y, batch_size, drop_remainder, jit_compile)
            compiled = trainer._epoch

            def train_epoch(epoch: int) -> tuple[dict, int]:
                return trainer.train_epoch(order_of(epoch))
        else:
            def make_dataset(epoch: int) -> tf.data.Dataset:
                order = tf.constant(order_of(epoch))
                pairs = tf.data.Dataset.from_tensor_slices((tf.gather(x, order),
                                                            tf.gather(y, order)))
                return pairs.batch(batch_size, drop_remainder=drop_remainder)

            dataset_trainer = _DatasetTrainer(step, make_dataset, jit_compile, strategy)
            train_epoch, compiled = dataset_trainer.train_epoch, dataset_trainer._epoch

        settings = {"seed": seed, "batch_size": batch_size, "num_samples": num_samples,
                    "shuffle": bool(shuffle), "drop_remainder": bool(drop_remainder)}
        history = _run(step, train_epoch, epochs=epochs, evaluate_validation=validate,
                       checkpoint_dir=checkpoint_dir, resume=resume, settings=settings,
                       logdir=logdir, progress=progress, strategy=strategy,
                       on_epoch_end=on_epoch_end, jit=choice)
        history.jit = _final_choice(choice, compiled)
        return history


def fit_dataset(model, dataset, *, loss_fn=None, optimizer=None, epochs: int, validation=None,
                accuracy: bool | None = None, jit_compile: bool | str = "auto",
                checkpoint_dir=None, resume: bool = False, logdir=None, strategy=None,
                device: str | None = None, progress: bool | None = None,
                on_epoch_end: Callable[[int, dict], None] | None = None) -> History:
    """Train from a ``tf.data`` pipeline, for data that does not fit in memory.

    Each epoch iterates the (prefetched) dataset inside one ``tf.function``; each step is
    XLA-compiled unless ``jit_compile=False`` or a strategy is given. The next epoch's stream is
    started while one trains (see ``dataset``).

    Args:
        model: a ``keras.Model`` (with ``loss_fn`` and ``optimizer``) or a :class:`TrainStep`.
        dataset: a ``tf.data.Dataset`` of ``(x, y)`` batches, or a function ``epoch -> dataset``
            (0-based epoch). Shuffle inside it with a seed that depends on the epoch (the
            function form) for a resumed run to repeat an uninterrupted one exactly. Without a
            strategy, the function is called for epoch ``e + 1`` (and that stream's first
            batch read, in a background thread) while epoch ``e`` trains, so it must not depend
            on what training changes.
        loss_fn: the loss for a keras model.
        optimizer: the keras optimizer for a keras model.
        epochs: the total number of epochs.
        validation: a dataset of ``(x, y)`` batches evaluated after every epoch, or None.
        accuracy: report accuracy for a keras model (None: when it outputs class scores).
        jit_compile: compile each step with XLA: True, False or ``"auto"`` (a choice cached
            by ``fit`` for the same model and batch, else the rule of :func:`use_xla`: no trial
            runs on a stream).
        checkpoint_dir: save a checkpoint after every epoch here.
        resume: continue from the newest checkpoint in ``checkpoint_dir``.
        logdir: write TensorBoard scalars per epoch.
        strategy: a ``tf.distribute`` strategy; the global batch is split over the replicas.
        device: ``"cpu"``, ``"gpu"`` or None.
        progress: a line per epoch; None means "when stderr is a terminal".
        on_epoch_end: called as ``on_epoch_end(finished_epochs, metrics)`` after each epoch.

    Returns:
        A :class:`History` of per-epoch metrics.

    Raises:
        ValueError: for a dataset that is not a ``tf.data.Dataset`` (or a function returning
            one) of ``(x, y)`` pairs, a bad ``epochs``, or as :func:`fit`.

    Example:
        >>> import keras
        >>> x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
        >>> y = x @ np.ones((3, 1), "float32")
        >>> data = lambda epoch: tf.data.Dataset.from_tensor_slices((x, y)).shuffle(
        ...     64, seed=epoch).batch(16)
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> history = fit_dataset(model, data, epochs=2, loss_fn=keras.losses.MeanSquaredError(),
        ...                       optimizer=keras.optimizers.SGD(0.1), jit_compile=False)
        >>> history.epochs, "accuracy" in history
        (2, False)
    """
    epochs = check_positive_whole(epochs, "epochs")
    make_dataset = dataset if callable(dataset) else (lambda epoch: dataset)
    first = make_dataset(0)
    if not isinstance(first, tf.data.Dataset):
        raise ValueError(f"dataset must be a tf.data.Dataset or a function epoch -> Dataset; "
                         f"got {type(first).__name__}")
    spec = first.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise ValueError(f"dataset elements must be (x, y) pairs; got {spec}")
    step = as_step(model, loss_fn, optimizer, accuracy=accuracy)
    placement = device_scope(device) if strategy is None else contextlib.nullcontext()
    if strategy is not None:
        device_scope(device)
    with placement:
        x_sample, y_sample = next(iter(first.take(1)))
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            step.build(x_sample[:2], y_sample[:2])
        _check_strategy(step, strategy)
        choice = choose_jit_for_stream(jit_compile, step, x_sample, y_sample, epochs)
        jit_compile = choice.jit_compile
        validate = None
        if validation is not None:
            validate = _dataset_evaluator(step, validation, jit_compile and strategy is None,
                                          cache=strategy is None)
        trainer = _DatasetTrainer(step, make_dataset, jit_compile, strategy, epochs=epochs,
                                  placement=lambda: device_scope(device))
        history = _run(step, trainer.train_epoch, epochs=epochs, evaluate_validation=validate,
                       checkpoint_dir=checkpoint_dir, resume=resume, settings={}, logdir=logdir,
                       progress=progress, strategy=strategy, on_epoch_end=on_epoch_end,
                       jit=choice)
        history.jit = _final_choice(choice, trainer._epoch)
        return history


def evaluate(model, x, y, *, loss_fn=None, batch_size: int = 256, accuracy: bool | None = None,
             jit_compile: bool | str = "auto", device: str | None = None) -> dict[str, float]:
    """Mean loss (and accuracy) of ``model`` on ``(x, y)`` with ``training=False``.

    Args:
        model: a ``keras.Model`` (with ``loss_fn``) or a :class:`TrainStep`.
        x: inputs, ``(n, ...)``.
        y: targets, ``(n, ...)``.
        loss_fn: the loss for a keras model.
        batch_size: samples per evaluation step.
        accuracy: report accuracy for a keras model (None: when it outputs class scores).
        jit_compile: compile with XLA: True, False or ``"auto"`` (see :func:`use_xla`).
        device: ``"cpu"``, ``"gpu"`` or None.

    Returns:
        ``{"loss": mean loss}`` (plus ``"accuracy"``), means over the n samples.

    Raises:
        ValueError: for mismatched or empty data, or a keras model without ``loss_fn``.

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False,
        ...                           kernel_initializer="zeros")])
        >>> evaluate(model, np.ones((4, 2), "float32"), np.ones((4, 1), "float32"),
        ...          loss_fn=keras.losses.MeanSquaredError())
        {'loss': 1.0}
    """
    batch_size = check_positive_whole(batch_size, "batch_size")
    step = as_step(model, loss_fn, None, accuracy=accuracy)
    with device_scope(device):
        x, y = _to_tensor(x, "x"), _to_tensor(y, "y")
        num_samples = _check_data(x, y, "x", "y")
        step.build(x[:2], y[:2])
        jit_compile = use_xla(jit_compile, epochs=1, num_samples=num_samples, step=step)
        return _Evaluator(step, x, y, batch_size, jit_compile)()


def _final_choice(choice: JitChoice, compiled: _Compiled) -> JitChoice:
    """``choice``, or a "fallback" choice when XLA was chosen but could not compile the model."""
    if choice.jit_compile and not compiled.jit_compile:
        return JitChoice(False, "fallback", f"XLA could not compile the model ({choice.reason})",
                         choice.seconds_per_step, choice.signature)
    return choice


def _summing_loop(step_fn, names, jit_compile: bool):
    """``run(batches, sums, count, first=None)``: a tf.function adding ``step_fn``'s metrics and
    the number of samples over a dataset or iterator of (x, y) batches (after ``first``, a batch
    already read), to ``sums`` and ``count``. Each step is compiled (XLA when ``jit_compile``)
    together with the running sums, so the loop body is the next batch and one compiled call
    (with the adds outside it the MLP bench's loop took 17.5 us of CPU per sample, inside 16.3;
    medians of 6 rounds on the loaded 2-core machine)."""
    @tf.function(jit_compile=jit_compile)
    def one_step(sums, count, xb, yb):
        return _add(sums, step_fn(xb, yb)), count + _leading(xb)

    @tf.function
    def run(batches, sums, count, first=None):
        if first is not None:
            sums, count = one_step(sums, count, *first)
        for xb, yb in batches:
            sums, count = one_step(sums, count, xb, yb)
        return sums, count

    return run


def _dataset_evaluator(step: TrainStep, dataset, jit_compile: bool, *,
                       cache: bool = True) -> Callable[[], dict]:
    """The validation of ``fit_dataset``: per-sample means of ``step.test_step`` over the
    dataset; the compiled loop is cached as :class:`_Evaluator`'s is (by the element spec)."""
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(f"validation must be a tf.data.Dataset of (x, y) batches for "
                         f"fit_dataset; got {type(dataset).__name__}")
    names = step.metric_names

    def build() -> _Compiled:
        return _Compiled(jit_compile, lambda jit: _summing_loop(step.test_step, names, jit))

    if cache:
        key = ("evaluate-stream", repr(dataset.element_spec), tf.zeros(()).device,
               bool(jit_compile))
        compiled = _cached_compiled(step, key, build)
    else:
        compiled = build()

    def evaluate_validation() -> dict:
        sums, count = compiled(dataset.prefetch(tf.data.AUTOTUNE), _zeros(names),
                               tf.zeros((), tf.int64))
        return {name: float(value) / max(int(count), 1) for name, value in sums.items()}

    return evaluate_validation


def _validation_pair(validation) -> tuple[tf.Tensor, tf.Tensor]:
    if not isinstance(validation, tuple | list) or len(validation) != 2:
        raise ValueError("validation must be a pair (x_val, y_val) kept apart from the training "
                         f"data; got {type(validation).__name__}")
    return _to_tensor(validation[0], "validation x"), _to_tensor(validation[1], "validation y")


def _check_data(x: tf.Tensor, y: tf.Tensor, x_name: str, y_name: str) -> int:
    if x.shape.rank == 0 or y.shape.rank == 0:
        raise ValueError(f"{x_name} and {y_name} need a leading sample axis; got shapes "
                         f"{x.shape.as_list()} and {y.shape.as_list()}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{x_name} has {x.shape[0]} samples but {y_name} has {y.shape[0]}; "
                         "they must have the same first dimension")
    if x.shape[0] == 0:
        raise ValueError(f"{x_name} is empty; pass at least one sample")
    return int(x.shape[0])
