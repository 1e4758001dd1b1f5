"""The training engine: compiled epochs, checkpoints, progress, TensorBoard, strategies.

``fit`` trains a keras model (or a hand-coded :class:`TrainStep`) on data held in memory, one
compiled call per epoch; ``fit_dataset`` trains from a ``tf.data`` pipeline. Both save and
resume checkpoints, write TensorBoard scalars, print a progress line per epoch on a terminal,
and run under ``tf.distribute.MirroredStrategy``. See :mod:`tfref.train.engine` for the design.

Example:
    >>> import keras, numpy as np
    >>> from tfref import train
    >>> keras.utils.set_random_seed(0)
    >>> x = np.random.default_rng(0).normal(size=(128, 4)).astype("float32")
    >>> y = (x.sum(axis=1) > 0).astype("int32")
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> history = train.fit(model, x, y, epochs=2, batch_size=32, seed=0,
    ...                     loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    ...                     optimizer=keras.optimizers.SGD(0.1))
    >>> history.epochs
    2
"""

from tfref.train.checkpoints import CheckpointMismatchError, TrainingCheckpoint
from tfref.train.distribute import device_name, device_scope, make_strategy, split_cpu
from tfref.train.engine import (
    History,
    as_step,
    epoch_permutation,
    evaluate,
    fit,
    fit_dataset,
    use_xla,
)
from tfref.train.options import TrainOptions, add_training_arguments
from tfref.train.reporting import EpochProgress, ScalarLog, read_scalars
from tfref.train.steps import KerasStep, TrainStep, batch_sums

__all__ = [
    "fit",
    "fit_dataset",
    "evaluate",
    "History",
    "epoch_permutation",
    "as_step",
    "use_xla",
    "TrainStep",
    "KerasStep",
    "batch_sums",
    "TrainingCheckpoint",
    "CheckpointMismatchError",
    "EpochProgress",
    "ScalarLog",
    "read_scalars",
    "device_name",
    "device_scope",
    "make_strategy",
    "split_cpu",
    "TrainOptions",
    "add_training_arguments",
]
