"""Checkpoints of a training run: weights, optimizer state, epoch, history and run settings.

One checkpoint holds everything a resumed run needs to end exactly where an uninterrupted run
with the same seed ends: every variable of the step (for a keras model: all of
``model.variables``, which include batch-norm statistics and the dropout seed states that
``tf.train.Checkpoint(model=...)`` alone would miss, and all of ``optimizer.variables``), the
number of finished epochs, the per-epoch history so far, and the settings that decide the
batches (seed, batch size, number of samples, shuffling).

A checkpoint is checked against the model *before* anything is read into it: every name, shape
and dtype must match, or :class:`CheckpointMismatchError` names the differences and no variable
has changed.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import tensorflow as tf

__all__ = ["CheckpointMismatchError", "TrainingCheckpoint"]

_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
_BOOKKEEPING = ("epoch", "history", "settings", "manifest")
_IGNORED = ("_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter" + _SUFFIX)


class CheckpointMismatchError(ValueError):
    """A checkpoint does not match the model (or the run settings) it is restored into."""


class TrainingCheckpoint:
    """Save every epoch and restore the latest checkpoint of a training step.

    Args:
        step: a :class:`tfref.train.TrainStep` (its ``checkpoint_variables()`` are saved).
        directory: the checkpoint directory (created when missing).
        settings: JSON-serialisable run settings that must be equal on resume (seed, batch size,
            number of samples, shuffle); a different value is refused on restore.
        max_to_keep: how many checkpoints the directory keeps.

    Example:
        >>> import tempfile
        >>> from tfref.train.steps import TrainStep
        >>> class Counter(TrainStep):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.count = tf.Variable(0.0)
        >>> step = Counter()
        >>> manager = TrainingCheckpoint(step, tempfile.mkdtemp(), settings={"seed": 0})
        >>> _ = step.count.assign(3.0)
        >>> path = manager.save(epoch=1, history={"loss": [0.5]})
        >>> _ = step.count.assign(0.0)
        >>> manager.restore_latest()
        (1, {'loss': [0.5]})
        >>> float(step.count)
        3.0
    """

    def __init__(self, step, directory, *, settings: dict | None = None, max_to_keep: int = 2,
                 role=None):
        self.step = step
        self.directory = os.fspath(directory)
        # TensorFlow's multi-worker rule: every worker saves (saving may run collective ops),
        # the chief to the real directory, the others to a temporary one they then delete.
        self.role = role
        self._chief = role is None or role.is_chief
        self.settings = dict(settings or {})
        self._groups = _deduplicated(step.checkpoint_variables())
        with tf.init_scope():
            self._epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
            self._history = tf.Variable("{}", dtype=tf.string, trainable=False, name="history")
            self._settings = tf.Variable(json.dumps(self.settings, sort_keys=True),
                                         dtype=tf.string, trainable=False, name="settings")
            names = {key: name for key, (_, _, name) in self._variable_keys().items()}
            self._manifest = tf.Variable(json.dumps(names, sort_keys=True), dtype=tf.string,
                                         trainable=False, name="manifest")
        self.checkpoint = tf.train.Checkpoint(epoch=self._epoch, history=self._history,
                                              settings=self._settings, manifest=self._manifest,
                                              **self._groups)
        self.manager = tf.train.CheckpointManager(self.checkpoint, self.directory,
                                                  max_to_keep=max_to_keep)

    @property
    def latest(self) -> str | None:
        """The path prefix of the newest checkpoint in the directory, or None."""
        if self._chief:
            return self.manager.latest_checkpoint
        return tf.train.latest_checkpoint(self.directory)  # every worker resumes from the chief's

    def saved_epoch(self) -> int | None:
        """The number of finished epochs in the newest checkpoint (read without restoring)."""
        path = self.latest
        if path is None:
            return None
        return int(tf.train.load_checkpoint(path).get_tensor(f"epoch{_SUFFIX}"))

    def save(self, epoch: int, history: dict) -> str:
        """Write a checkpoint after ``epoch`` finished epochs.

        Args:
            epoch: the number of finished epochs.
            history: per-epoch metrics so far, ``{name: list of floats}``.

        Returns:
            The path prefix of the checkpoint written.
        """
        self._epoch.assign(epoch)
        self._history.assign(json.dumps({k: [float(v) for v in vs] for k, vs in history.items()}))
        if self._chief:
            return self.manager.save(checkpoint_number=epoch)
        temporary = os.path.join(self.directory, f".worker-{self.role.task_id}-tmp")
        try:
            return self.checkpoint.write(os.path.join(temporary, f"ckpt-{epoch}"))
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def restore_latest(self) -> tuple[int, dict] | None:
        """Restore the newest checkpoint, if any, after checking that it matches.

        Returns:
            ``(finished epochs, history)`` from the checkpoint, or None when the directory has
            no checkpoint.

        Raises:
            CheckpointMismatchError: when the checkpoint's variables (names, shapes, dtypes) or
                settings differ from this model's and run's; nothing has been assigned then.
        """
        path = self.latest
        if path is None:
            return None
        self.check_compatible(path)
        self.checkpoint.read(path).assert_existing_objects_matched()
        history = json.loads(self._history.numpy().decode())
        return int(self._epoch.numpy()), history

    def _variable_keys(self) -> dict[str, tuple[list[int], tf.DType, str]]:
        keys = {}
        for group, variables in self._groups.items():
            for index, variable in enumerate(variables):
                name = getattr(variable, "path", None) or variable.name
                keys[f"{group}/{index}{_SUFFIX}"] = (
                    list(variable.shape), tf.as_dtype(variable.dtype).base_dtype, name)
        return keys

    def expected_variables(self) -> dict[str, tuple[list[int], tf.DType, str]]:
        """Checkpoint key -> (shape, dtype, readable name) of every variable saved."""
        expected = self._variable_keys()
        for name in _BOOKKEEPING:
            variable = getattr(self, f"_{name}")
            expected[f"{name}{_SUFFIX}"] = (list(variable.shape), variable.dtype, name)
        return expected

    def check_compatible(self, path: str) -> None:
        """Compare a checkpoint with this model and run without reading any value into them.

        Args:
            path: a checkpoint path prefix.

        Raises:
            CheckpointMismatchError: naming each missing, unexpected or differently shaped (or
                typed) variable, or each setting that differs.
        """
        reader = tf.train.load_checkpoint(path)
        saved_shapes = reader.get_variable_to_shape_map()
        saved_dtypes = reader.get_variable_to_dtype_map()
        saved = {key for key in saved_shapes if key not in _IGNORED}
        expected = self.expected_variables()
        saved_names = {}
        if f"manifest{_SUFFIX}" in saved_shapes:
            saved_names = json.loads(reader.get_tensor(f"manifest{_SUFFIX}").decode())
        problems = []
        for group in self._groups:
            in_checkpoint = sum(key.startswith(f"{group}/") for key in saved)
            if in_checkpoint != len(self._groups[group]):
                problems.append(f"{group}: the checkpoint holds {in_checkpoint} variables, "
                                f"this run {len(self._groups[group])}")

        def saved_label(key: str) -> str:
            name = saved_names.get(key)
            return f"{name} {list(saved_shapes[key])}" if name else f"{list(saved_shapes[key])}"

        for key in sorted(set(expected) - saved):
            problems.append(f"{_short(key)} missing from the checkpoint (this run: "
                            f"{expected[key][2]} {expected[key][0]})")
        for key in sorted(saved - set(expected)):
            problems.append(f"{_short(key)} not in this run (checkpoint: {saved_label(key)})")
        for key in sorted(saved & set(expected)):
            shape, dtype, name = expected[key]
            if list(saved_shapes[key]) != shape:
                problems.append(f"{_short(key)}: checkpoint {saved_label(key)}, "
                                f"this run {name} {shape}")
            elif saved_dtypes[key].base_dtype != dtype:
                problems.append(f"{_short(key)} ({name}): checkpoint dtype "
                                f"{saved_dtypes[key].name}, this run {dtype.name}")
        if problems:
            shown = "\n  ".join(problems[:12])
            more = f"\n  ... and {len(problems) - 12} more" if len(problems) > 12 else ""
            raise CheckpointMismatchError(
                f"checkpoint {path} does not match the model ({len(problems)} difference(s)); "
                f"nothing was restored:\n  {shown}{more}\n"
                "Use a fresh --checkpoint-dir for a different model, or drop --resume.")
        saved_settings = json.loads(reader.get_tensor(f"settings{_SUFFIX}").decode())
        differing = [f"{_SETTING_LABELS.get(key, key)}: checkpoint {saved_settings.get(key)!r}, "
                     f"this run {value!r}" for key, value in sorted(self.settings.items())
                     if saved_settings.get(key, value) != value]
        if differing:
            raise CheckpointMismatchError(
                f"checkpoint {path} was written by a run with other settings; resuming would "
                f"not repeat the uninterrupted run, so nothing was restored:\n  "
                + "\n  ".join(differing)
                + "\nResume with the same settings, or use a fresh --checkpoint-dir.")


#: How a setting is named in a mismatch message. "seed" is fit's shuffle seed, which a topic
#: derives from its --seed (often --seed plus a constant), so the figures differ from --seed's.
_SETTING_LABELS = {"seed": "seed of the training order (fit's seed, derived from --seed)",
                   "batch_size": "batch size", "num_samples": "training samples"}


def _short(key: str) -> str:
    """``model/3/.ATTRIBUTES/VARIABLE_VALUE`` -> ``model/3``."""
    return key.removesuffix(_SUFFIX)


def _deduplicated(groups: dict[str, list]) -> dict[str, list]:
    """Keep each variable once (in its first group) so checkpoint keys are predictable."""
    seen: set[int] = set()
    result = {}
    for group, variables in groups.items():
        if group in _BOOKKEEPING:
            raise ValueError(f"checkpoint group name {group!r} is reserved; rename it")
        kept = []
        for variable in variables:
            if id(variable) not in seen:
                seen.add(id(variable))
                kept.append(variable)
        result[group] = kept
    return result


def weights_snapshot(step) -> list[np.ndarray]:
    """Copies of every checkpointed variable's value, in checkpoint order (for tests)."""
    return [np.array(v.numpy() if hasattr(v, "numpy") else v)
            for variables in step.checkpoint_variables().values() for v in variables]
