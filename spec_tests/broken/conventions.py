"""Broken implementations of the conventions family (see spec_tests/broken/__init__.py).

Each computes the right values and breaks one of tfref's conventions: a dtype or a batch axis.
"""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def softmax_returning_float64():
    """Computes in float64 and returns it, whatever the input (the issue's NumPy softmax)."""

    def softmax(x, axis=-1):
        x = np.asarray(x, dtype=np.float64)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    return _reference_with(softmax=softmax)


def entropy_always_float32():
    """Casts every input to float32: float64 is not honoured."""

    def entropy(p, base=None, axis=-1):
        return ref.entropy(np.asarray(p, dtype=np.float32), base=base, axis=axis)

    return _reference_with(entropy=entropy)


def confusion_matrix_of_floats():
    """Counts accumulated in a float array (np.zeros's default dtype), not integers."""

    def confusion_matrix(y_true, y_pred, num_classes=None):
        return ref.confusion_matrix(y_true, y_pred, num_classes=num_classes).astype(np.float64)

    return _reference_with(confusion_matrix=confusion_matrix)


def one_hot_from_identity_rows():
    """``np.eye(k)[labels]``: right values, but float64 instead of the contract's float32."""

    def one_hot(labels, num_classes=None):
        labels = np.asarray(labels).astype(np.int64)
        k = int(num_classes) if num_classes is not None else int(labels.max()) + 1
        return np.eye(k)[labels]

    return _reference_with(one_hot=one_hot)


def ewma_along_the_last_axis():
    """Runs the recursion along axis -1 (a row per series), the same as axis 0 for 1-D input."""

    def ewma(x, beta, bias_correction=False):
        x = np.asarray(x)
        if x.ndim < 2:
            return ref.ewma(x, beta, bias_correction=bias_correction)
        return np.moveaxis(ref.ewma(np.moveaxis(x, -1, 0), beta, bias_correction), 0, -1)

    return _reference_with(ewma=ewma)


def mean_squared_error_over_the_whole_batch():
    """Averages over every element (Keras's "sum_over_batch_size" reduction): one number."""

    def mean_squared_error(y_true, y_pred, axis=-1):
        y, y_hat = ref._pair(y_true, y_pred)
        return ((y - y_hat) ** 2).mean()

    return _reference_with(mean_squared_error=mean_squared_error)


def entropy_summing_every_axis():
    """Sums -p log p over the whole array: a batch of distributions gives one number."""

    def entropy(p, base=None, axis=-1):
        p = np.asarray(p)
        dtype = np.float64 if p.dtype == np.float64 else np.float32
        p = p.astype(dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            nats = -np.where(p > 0, p * np.log(p), 0.0).sum()
        return np.asarray(nats if base is None else nats / np.log(base), dtype=dtype)

    return _reference_with(entropy=entropy)


def mean_impute_filling_the_callers_array():
    """``x[np.isnan(x)] = ...`` on np.asarray(x): the caller's float array is filled in place."""

    def mean_impute(x, mean=None, axis=0):
        out = ref.mean_impute(x, mean=mean, axis=axis)
        if isinstance(x, np.ndarray) and x.dtype == out.dtype:
            x[...] = out
            return x
        return out

    return _reference_with(mean_impute=mean_impute)


def clip_by_global_norm_scaling_in_place():
    """``g *= scale`` for each gradient: the caller's arrays come back clipped too."""

    def clip_by_global_norm(grads, max_norm):
        clipped, norm = ref.clip_by_global_norm(grads, max_norm)
        out = []
        for g, c in zip(grads, clipped, strict=True):
            if isinstance(g, np.ndarray) and g.dtype == c.dtype:
                g[...] = c
                out.append(g)
            else:
                out.append(c)
        return out, norm

    return _reference_with(clip_by_global_norm=clip_by_global_norm)


def inverted_dropout_masking_in_place():
    """``x *= mask / (1 - rate)``: the caller's activations are dropped and scaled in place."""

    def inverted_dropout(x, rate, seed, training=True):
        out = ref.inverted_dropout(x, rate, seed=seed, training=training)
        if isinstance(x, np.ndarray) and x.dtype == out.dtype and out is not x:
            x[...] = out
            return x
        return out

    return _reference_with(inverted_dropout=inverted_dropout)


def box_corner_to_center_overwriting_its_input():
    """Converts the caller's array in place (``b[..., 2] -= b[..., 0]`` and so on)."""

    def box_corner_to_center(boxes):
        out = ref.box_corner_to_center(boxes)
        if isinstance(boxes, np.ndarray) and boxes.dtype == out.dtype:
            boxes[...] = out
            return boxes
        return out

    return _reference_with(box_corner_to_center=box_corner_to_center)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    "softmax_returning_float64": ("softmax_keeps_the_input_dtype",),
    "entropy_always_float32": ("entropy_keeps_the_input_dtype",),
    "confusion_matrix_of_floats": ("confusion_matrix_returns_integers",),
    "one_hot_from_identity_rows": ("one_hot_returns_float32",),
    "ewma_along_the_last_axis": ("ewma_of_a_2d_series_equals_each_column_alone",),
    "mean_squared_error_over_the_whole_batch": (
        "mean_squared_error_of_a_batch_equals_each_row_alone",),
    "entropy_summing_every_axis": ("entropy_of_a_batch_equals_each_row_alone",),
    "mean_impute_filling_the_callers_array": ("mean_impute_writes_none_of_its_arguments",),
    "clip_by_global_norm_scaling_in_place": ("clip_by_global_norm_writes_none_of_its_arguments",),
    "inverted_dropout_masking_in_place": ("inverted_dropout_writes_none_of_its_arguments",),
    "box_corner_to_center_overwriting_its_input": (
        "box_corner_to_center_writes_none_of_its_arguments",),
}
