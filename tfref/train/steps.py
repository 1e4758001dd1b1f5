"""Training steps: what one batch does to a model, for the engine to run many times.

A step takes a batch ``(x, y)``, updates the model's variables and returns per-batch *sums*:
``{"loss": sum of per-sample losses, "accuracy": number of correct predictions}``. The engine
adds the sums of every batch in device tensors and divides by the number of samples once per
epoch, so a short last batch weighs exactly as many samples as it holds.

Two kinds of step:
- :class:`KerasStep` wraps a ``keras.Model``, a loss function and a keras optimizer, and takes
  gradients with ``tf.GradientTape``. It always calls ``model(x, training=True)`` to train and
  ``model(x, training=False)`` to evaluate.
- :class:`TrainStep` is the base for hand-coded loops (perceptron, BPN): subclass it, create
  ``tf.Variable`` attributes, and write ``train_step`` and ``test_step`` with no autodiff.

Formula (KerasStep, one batch of n samples out of a global batch of N over all replicas):
    loss_i      = mean over non-batch axes of loss_fn(y_i, model(x_i, training=True))
    objective   = (sum_i loss_i) / N + sum(model.losses) / replicas
    w          <- optimizer.apply(grad_w objective)   (replica gradients are summed)
    returns     {"loss": sum_i loss_i, "accuracy": sum_i [argmax model(x_i) == y_i]}
On one device N = n, so the objective is the batch mean, as in ``keras.Model.fit``.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

__all__ = ["TrainStep", "KerasStep", "batch_sums", "outputs_class_scores"]


def batch_sums(per_sample_loss, y_true=None, y_pred=None, *, accuracy: bool = False) -> dict:
    """Per-batch sums of the loss and, optionally, of correct class predictions.

    Args:
        per_sample_loss: losses, shape ``(batch,)`` or ``(batch, ...)``; non-batch axes are
            averaged first, so each sample counts once.
        y_true: labels, integer class ids ``(batch, ...)`` or one-hot ``(batch, ..., classes)``.
        y_pred: class scores ``(batch, ..., classes)``; only needed when ``accuracy``.
        accuracy: also return ``"accuracy"``, the number of samples whose arg-max class is right
            (for sequences, the per-sample fraction of right positions).

    Returns:
        ``{"loss": float64 scalar}`` plus ``{"accuracy": float64 scalar}`` when asked.

    Example:
        >>> sums = batch_sums(tf.constant([0.5, 1.5]), tf.constant([1, 0]),
        ...                   tf.constant([[0.1, 0.9], [0.2, 0.8]]), accuracy=True)
        >>> float(sums["loss"]), float(sums["accuracy"])
        (2.0, 1.0)
    """
    per_sample = _per_sample(tf.convert_to_tensor(per_sample_loss))
    sums = {"loss": tf.reduce_sum(tf.cast(per_sample, tf.float64))}
    if accuracy:
        sums["accuracy"] = tf.reduce_sum(_per_sample(_correct(y_true, y_pred)))
    return sums


def _per_sample(values: tf.Tensor) -> tf.Tensor:
    """Average every axis but the first: (batch, ...) -> (batch,), float64."""
    values = tf.cast(values, tf.float64)
    if values.shape.rank is not None and values.shape.rank > 1:
        values = tf.reduce_mean(values, axis=list(range(1, values.shape.rank)))
    return values


def _correct(y_true, y_pred) -> tf.Tensor:
    """1.0 where the arg-max class of ``y_pred`` equals the label, per position."""
    y_true = tf.convert_to_tensor(y_true)
    y_pred = tf.convert_to_tensor(y_pred)
    predicted = tf.argmax(y_pred, axis=-1)
    if y_true.shape.rank == y_pred.shape.rank:  # one-hot or probability targets
        labels = tf.argmax(y_true, axis=-1)
    else:  # integer class ids
        labels = tf.cast(y_true, tf.int64)
        if labels.shape.rank == predicted.shape.rank + 1 and labels.shape[-1] == 1:
            labels = tf.squeeze(labels, axis=-1)  # (batch, 1) labels
    return tf.cast(tf.equal(predicted, labels), tf.float64)


def outputs_class_scores(y_sample, predictions) -> bool:
    """Whether ``predictions`` are class scores for the labels ``y_sample`` (a few samples).

    True when the predictions have a class axis of at least 2 and the labels are class ids
    (one axis fewer, or a trailing axis of 1; whole numbers in range) or one-hot / probability
    rows of the same shape (non-negative, summing to 1). Regression targets are not labels.

    Args:
        y_sample: a few targets, as an array or tensor.
        predictions: the model's outputs for them.

    Returns:
        Whether accuracy is meaningful for these targets.

    Example:
        >>> outputs_class_scores(np.array([2, 0]), np.zeros((2, 3)))
        True
        >>> outputs_class_scores(np.array([[0.5, 1.5]]), np.zeros((1, 2)))
        False
    """
    y = np.asarray(y_sample, dtype=np.float64)
    shape = tuple(np.shape(predictions))
    if len(shape) < 2 or shape[-1] < 2 or y.size == 0:
        return False
    if y.ndim == len(shape) and y.shape[-1] == 1:
        y = y[..., 0]
    if y.ndim == len(shape) - 1:  # class ids
        return bool(np.all(y == np.round(y)) and y.min() >= 0 and y.max() < shape[-1])
    if y.shape == shape:  # one-hot or probability rows
        return bool(y.min() >= 0 and np.allclose(y.sum(axis=-1), 1.0, atol=1e-3))
    return False


class TrainStep(tf.Module):
    """Base class of a training step the engine can run, for hand-coded loops.

    Subclass it, create the variables (``tf.Variable`` attributes, found by ``tf.Module``), and
    write :meth:`train_step` (update the variables, no autodiff needed) and :meth:`test_step`.
    Both return per-batch sums named in ``metric_names`` (use :func:`batch_sums`). The engine
    traces them inside one compiled function per epoch, so write them with TensorFlow ops only.

    Attributes:
        metric_names: the keys ``train_step`` and ``test_step`` return, ``("loss",)`` or
            ``("loss", "accuracy")``.
        supports_strategy: whether the step may run under a ``tf.distribute`` strategy. Hand-coded
            updates assign to variables directly, which a mirrored strategy does not allow, so
            the base class says no.

    Example:
        >>> class LinearStep(TrainStep):
        ...     metric_names = ("loss",)
        ...     def __init__(self, learning_rate=0.1):
        ...         super().__init__()
        ...         self.w = tf.Variable(tf.zeros((1, 1)))
        ...         self.learning_rate = learning_rate
        ...     def train_step(self, x, y):
        ...         error = x @ self.w - y                                   # (batch, 1)
        ...         grad = tf.transpose(x) @ error / tf.cast(tf.shape(x)[0], x.dtype)
        ...         self.w.assign_sub(self.learning_rate * grad)
        ...         return batch_sums(0.5 * error ** 2)
        ...     def test_step(self, x, y):
        ...         return batch_sums(0.5 * (x @ self.w - y) ** 2)
        >>> step = LinearStep()
        >>> sums = step.train_step(tf.ones((4, 1)), tf.ones((4, 1)))
        >>> float(sums["loss"]), round(float(step.w[0, 0]), 6)
        (2.0, 0.1)
    """

    metric_names: tuple[str, ...] = ("loss",)
    supports_strategy: bool = False

    def build(self, x_sample, y_sample) -> None:
        """Create any variables that depend on the data; called once, eagerly, before training.

        Args:
            x_sample: a few inputs, shape ``(k, ...)``.
            y_sample: their targets.
        """

    def train_step(self, x, y, *, global_batch_size=None) -> dict:
        """Update the variables from one batch and return its per-batch sums.

        Args:
            x: inputs, ``(batch, ...)``.
            y: targets, ``(batch, ...)``.
            global_batch_size: the batch size summed over replicas under a strategy (to scale the
                gradient); None on one device.

        Returns:
            A dict ``{name: scalar tensor}`` with one entry per ``metric_names``.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement train_step(x, y)")

    def test_step(self, x, y) -> dict:
        """Return the per-batch sums of one batch without changing any variable.

        Args:
            x: inputs, ``(batch, ...)``.
            y: targets, ``(batch, ...)``.

        Returns:
            A dict ``{name: scalar tensor}`` with one entry per ``metric_names``.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement test_step(x, y)")

    def checkpoint_variables(self) -> dict[str, list]:
        """The variables a checkpoint saves, by group name (every variable of the step)."""
        return {"step": list(self.variables)}


class KerasStep(TrainStep):
    """A training step for a ``keras.Model``: forward, loss, ``tf.GradientTape``, optimizer.

    Args:
        model: a Keras 3 model whose weights are created by layers or ``add_weight``.
        loss_fn: ``loss_fn(y_true, y_pred)``; a ``keras.losses.Loss`` (its per-sample ``call`` is
            used, so reductions are the engine's) or a function returning per-sample losses.
        optimizer: a ``keras.optimizers.Optimizer``; None for a step that only evaluates.
        accuracy: report ``"accuracy"``; None decides from the data (see
            :func:`outputs_class_scores`): yes when the model outputs class scores (a last axis
            of at least 2) for class-id or one-hot labels.

    Raises:
        ValueError: when ``model`` is not a keras Model, ``loss_fn`` is not callable or
            ``optimizer`` is not a keras optimizer.

    Example:
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> step = KerasStep(model, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        ...                  keras.optimizers.SGD(0.1))
        >>> step.build(tf.zeros((2, 3)), tf.zeros((2,), tf.int32))
        >>> step.metric_names
        ('loss', 'accuracy')
    """

    supports_strategy = True

    def __init__(self, model, loss_fn: Callable, optimizer, *, accuracy: bool | None = None):
        super().__init__(name="keras_step")
        if not isinstance(model, keras.Model):
            raise ValueError(f"model must be a keras.Model or a tfref.train.TrainStep; "
                             f"got {type(model).__name__}")
        if not callable(loss_fn):
            raise ValueError(f"loss_fn must be callable as loss_fn(y_true, y_pred); got {loss_fn!r}")
        if optimizer is not None and not isinstance(optimizer, keras.optimizers.Optimizer):
            raise ValueError(f"optimizer must be a keras.optimizers.Optimizer; got {optimizer!r}")
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.accuracy = accuracy
        self.metric_names = ("loss",)

    def build(self, x_sample, y_sample) -> None:
        """Build the model and the optimizer's variables; decide whether to report accuracy.

        Args:
            x_sample: a few inputs, shape ``(k, ...)``.
            y_sample: their targets.

        Raises:
            ValueError: when ``accuracy=True`` but the model does not output class scores.
        """
        predictions = self.model(x_sample, training=False)  # builds the weights; no state change
        scores = outputs_class_scores(y_sample, predictions)
        if self.accuracy and not scores:
            raise ValueError(f"accuracy=True needs class scores (a last axis >= 2) for class-id "
                             f"or one-hot labels; the model outputs {list(predictions.shape)} for "
                             f"targets of shape {list(y_sample.shape)}. Pass accuracy=False.")
        use_accuracy = scores if self.accuracy is None else bool(self.accuracy)
        self.metric_names = ("loss", "accuracy") if use_accuracy else ("loss",)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.model.trainable_variables)

    def _per_sample_loss(self, y, predictions) -> tf.Tensor:
        if isinstance(self.loss_fn, keras.losses.Loss):
            return self.loss_fn.call(y, predictions)  # unreduced, (batch, ...)
        return self.loss_fn(y, predictions)

    def _sums(self, y, predictions, per_sample) -> dict:
        return batch_sums(per_sample, y, predictions,
                          accuracy="accuracy" in self.metric_names)

    def train_step(self, x, y, *, global_batch_size=None) -> dict:
        """One gradient step on ``(x, y)`` with ``model(x, training=True)``.

        Args:
            x: inputs, ``(batch, ...)``.
            y: targets, ``(batch, ...)``.
            global_batch_size: the batch size over all replicas under a strategy; None on one
                device (the local batch size is used).

        Returns:
            ``{"loss": sum of per-sample losses}`` (plus ``"accuracy"``: correct predictions).
        """
        if self.optimizer is None:
            raise ValueError("this KerasStep has no optimizer, so it can only evaluate; "
                             "pass optimizer=keras.optimizers.SGD(...) to train")
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            predictions = self.model(x, training=True)
            per_sample = _per_sample(self._per_sample_loss(y, predictions))  # (batch,) float64
            total = tf.reduce_sum(per_sample)
            if global_batch_size is None:
                count = tf.cast(tf.shape(per_sample)[0], tf.float64)
                replicas = 1
            else:
                count = tf.cast(global_batch_size, tf.float64)
                replicas = tf.distribute.get_strategy().num_replicas_in_sync
            objective = tf.cast(total / tf.maximum(count, 1.0), predictions.dtype)
            if self.model.losses:
                objective += tf.add_n(self.model.losses) / replicas
        gradients = tape.gradient(objective, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self._sums(y, predictions, per_sample)

    def test_step(self, x, y) -> dict:
        """The per-batch sums of ``(x, y)`` with ``model(x, training=False)``; no update.

        Args:
            x: inputs, ``(batch, ...)``.
            y: targets, ``(batch, ...)``.

        Returns:
            ``{"loss": sum of per-sample losses}`` (plus ``"accuracy"``: correct predictions).
        """
        predictions = self.model(x, training=False)
        per_sample = _per_sample(self._per_sample_loss(y, predictions))
        return self._sums(y, predictions, per_sample)

    def checkpoint_variables(self) -> dict[str, list]:
        """The model's variables (trainable, statistics and seed states) and the optimizer's."""
        groups = {"model": list(self.model.variables)}
        if self.optimizer is not None:
            groups["optimizer"] = list(self.optimizer.variables)
        return groups
