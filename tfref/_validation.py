"""Input conversion and checks shared by every ``tfref.ops`` function.

Every public op converts its inputs with :func:`as_float` (float32 unless the input already is
float64 or float16) and raises ``ValueError`` naming the argument and the rule it broke.
Value checks (non-negative, sums to one, integer labels) need concrete values: they run
eagerly and are skipped inside a ``tf.function`` graph, where only static shapes are checked.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref._whole import is_whole, parse_whole  # noqa: F401  (re-exported)

# How far a probability vector's sum may stray from 1, by dtype (a few hundred ulps of 1).
PROBABILITY_SUM_ATOL = {tf.float16: 1e-2, tf.bfloat16: 1e-2, tf.float32: 1e-4, tf.float64: 1e-9}

_FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


def as_float(x, name: str, dtype=None) -> tf.Tensor:
    """Convert ``x`` to a floating tensor: float32 by default, float64/float16 honoured.

    Raises ValueError when ``x`` is empty or cannot be read as numbers.
    """
    if isinstance(x, tf.Tensor | tf.Variable):
        tensor = tf.convert_to_tensor(x)
        if dtype is not None:
            tensor = tf.cast(tensor, dtype)
        elif tensor.dtype not in _FLOATS:
            tensor = tf.cast(tensor, tf.float32)
    else:
        try:
            array = np.asarray(x)
        except Exception as error:  # ragged lists and the like
            raise ValueError(f"{name} must be an array of numbers; got {type(x).__name__}: {error}") from None
        if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise ValueError(f"{name} must be an array of numbers; got dtype {array.dtype}")
        if dtype is None:
            # Only inputs that carry a dtype (NumPy arrays and scalars, pandas) keep float64;
            # Python lists and floats become float32, the contract's default.
            typed = hasattr(x, "dtype")
            dtype = (tf.float64 if typed and array.dtype == np.float64
                     else tf.float16 if array.dtype == np.float16 else tf.float32)
        tensor = tf.convert_to_tensor(array.astype(tf.as_dtype(dtype).as_numpy_dtype))
    if tensor.shape.num_elements() == 0:
        raise ValueError(f"{name} is empty (shape {tensor.shape.as_list()}); pass at least one value")
    return tensor


def common_float(*named: tuple[object, str]) -> list[tf.Tensor]:
    """Convert several inputs to one floating dtype: float64 if any is float64, else float32."""
    tensors = [as_float(x, name) for x, name in named]
    dtype = tf.float64 if any(t.dtype == tf.float64 for t in tensors) else tensors[0].dtype
    if any(t.dtype != dtype for t in tensors):
        dtype = tf.float64 if tf.float64 in {t.dtype for t in tensors} else tf.float32
    return [tf.cast(t, dtype) for t in tensors]


def eager() -> bool:
    return tf.executing_eagerly()


def check_axis(x: tf.Tensor, axis: int, name: str) -> int:
    rank = x.shape.rank
    if rank is not None and not -rank <= axis < rank:
        raise ValueError(f"axis={axis} is out of range for {name} of rank {rank}; use -{rank} <= axis < {rank}")
    return axis


def check_same_shape(a: tf.Tensor, b: tf.Tensor, name_a: str, name_b: str) -> None:
    if a.shape.is_fully_defined() and b.shape.is_fully_defined() and a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape; got {a.shape.as_list()} and "
            f"{b.shape.as_list()}"
        )


def check_finite(x: tf.Tensor, name: str) -> None:
    if eager() and not bool(tf.reduce_all(tf.math.is_finite(x))):
        raise ValueError(f"{name} contains NaN or infinity; pass finite values")


def check_probabilities(p: tf.Tensor, name: str, axis: int | None = -1) -> None:
    """Entries in [0, 1] and (when ``axis`` is not None) summing to 1 along ``axis``."""
    if not eager():
        return
    values = p.numpy()
    if np.isnan(values).any():
        raise ValueError(f"{name} contains NaN; a probability must be a number in [0, 1]")
    if (values < 0).any():
        raise ValueError(f"{name} has a negative entry ({values.min():.3g}); probabilities must be >= 0")
    if (values > 1).any():
        raise ValueError(f"{name} has an entry above 1 ({values.max():.6g}); probabilities must be <= 1")
    if axis is not None:
        sums = values.sum(axis=axis, dtype=np.float64)
        atol = PROBABILITY_SUM_ATOL[p.dtype]
        worst = float(np.max(np.abs(sums - 1.0)))
        if worst > atol:
            raise ValueError(
                f"{name} must sum to 1 along axis {axis} (within {atol:g} for {p.dtype.name}); "
                f"a sum is off by {worst:.3g}. Normalise it, e.g. p / sum(p)"
            )


def check_in_range(value: float, name: str, low: float, high: float, *, high_inclusive=False) -> float:
    value = float(value)
    ok = low <= value and (value <= high if high_inclusive else value < high)
    if not ok:
        bracket = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}; got {value}")
    return value


def as_labels(y, name: str, num_classes: int | None = None) -> tf.Tensor:
    """Integer class labels 0..num_classes-1 as an int64 tensor; floats must be whole numbers."""
    array = np.asarray(y.numpy() if isinstance(y, tf.Tensor | tf.Variable) else y)
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one label")
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must hold integer class labels; got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.integer):
        check_whole_values(array, name, 0, "integer class labels 0..k-1")
    labels = array.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"{name} has a negative label ({labels.min()}); labels run 0..k-1")
    if num_classes is not None and labels.max() >= num_classes:
        raise ValueError(
            f"{name} has label {labels.max()}, out of range for num_classes={num_classes}; "
            f"labels must be in 0..{num_classes - 1}"
        )
    return tf.convert_to_tensor(labels)


def log_base(base, dtype) -> tf.Tensor | None:
    """ln(base) for changing logarithm base, or None for the natural log."""
    if base is None:
        return None
    base = float(base)
    if not base > 0 or base == 1:
        raise ValueError(f"base must be a positive number other than 1 (or None for ln); got {base}")
    return tf.constant(np.log(base), dtype=dtype)


def check_whole(value, name: str, minimum: int, what: str = "") -> int:
    """``value`` as an int, which must be whole (:func:`is_whole`) and >= ``minimum``.

    ``what`` says what the number is, for the error message ("the number of steps").
    """
    if not is_whole(value) or value < minimum:
        meaning = f" ({what})" if what else ""
        raise ValueError(f"{name} must be a whole number >= {minimum}{meaning}; got {value!r}")
    return int(value)


def check_whole_values(values, name: str, minimum: int = 0, what: str = "") -> None:
    """Every element of ``values`` (array or eager tensor) is whole and >= ``minimum``.

    The array form of :func:`is_whole` (2.0 is read as 2; 1.5, inf and NaN are refused).
    """
    array = np.asarray(values.numpy() if hasattr(values, "numpy") else values, dtype=np.float64)
    meaning = f" ({what})" if what else ""
    bad = ~np.isfinite(array) | (array != np.round(array))
    if bad.any():
        raise ValueError(f"{name} must hold whole numbers{meaning}; got {array[bad].flat[0]!r}")
    if array.size and array.min() < minimum:
        raise ValueError(f"{name} must be >= {minimum}{meaning}; got {array.min()!r}")


def check_positive_whole(value, name: str, what: str = "") -> int:
    """``value`` as an int, which must be a whole number >= 1 (see :func:`check_whole`)."""
    return check_whole(value, name, 1, what)
