"""Shared input validation for the ``tfref.classic`` estimators.

Stable API (other classic modules import it):

- ``NotFittedError``: raised by predict/transform/score before ``fit``; subclass of
  ``ValueError`` and ``AttributeError`` (as scikit-learn's), and also of
  ``sklearn.exceptions.NotFittedError`` so scikit-learn's own checks recognise it.
- ``check_X(X, name="X", *, n_features=None, min_samples=1)``: 2-D float64 NumPy array with
  no NaN/inf; 1-D input is refused with a "reshape" hint, as scikit-learn does.
- ``check_X_y(X, y, *, min_samples=1)``: ``(X, y)`` with matching lengths, ``y`` 1-D, finite.
- ``check_is_fitted(est, attrs)``: raise ``NotFittedError`` naming the estimator unless every
  attribute in ``attrs`` exists.
- ``check_labels_known(y, classes, name="y")``: every label of ``y`` is among ``classes``.
- ``check_n_features(est, X)``: X has the number of columns seen at fit.
- ``to_tensor(X)``: float64 tensor for the TF computation.
- ``validate(est, X, y=..., reset=...)``: scikit-learn's ``validate_data`` (float64, finite),
  recording/checking ``n_features_in_``; what estimators that pass ``check_estimator`` use.
"""

from __future__ import annotations

import warnings

import numpy as np
import tensorflow as tf
from sklearn.exceptions import DataConversionWarning
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

from tfref._validation import check_whole, is_whole

__all__ = [
    "NotFittedError",
    "check_X",
    "check_X_y",
    "check_is_fitted",
    "check_labels_known",
    "check_n_features",
    "check_random_state_seed",
    "to_tensor",
    "validate",
]


class NotFittedError(_SklearnNotFittedError):
    """Predict/transform/score called before ``fit`` (a ValueError and an AttributeError)."""


def _to_array(X, name: str) -> np.ndarray:
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise TypeError(
            f"{name} is a sparse matrix; these estimators need dense data: pass {name}.toarray()"
        )
    if isinstance(X, tf.Tensor | tf.Variable):
        X = X.numpy()
    try:
        array = np.asarray(X)
    except Exception as error:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of numbers; got {type(X).__name__}: {error}") from None
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must hold numbers; got dtype object with non-numbers") from None
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{name} must hold numbers; got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise ValueError(f"{name} holds complex numbers; pass real values")
    return array


def check_X(X, name: str = "X", *, n_features: int | None = None, min_samples: int = 1) -> np.ndarray:
    """Return ``X`` as a finite 2-D float64 array of shape (n_samples, n_features).

    Raises ValueError naming ``name`` when X is not 2-D, is empty, has fewer than
    ``min_samples`` rows, has NaN/inf, or (when ``n_features`` is given) a different column
    count.
    """
    array = _to_array(X, name)
    if array.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {array.ndim}D array instead: {name} must be 2-D "
            f"(n_samples, n_features); reshape it with {name}.reshape(-1, 1) for one feature "
            f"or {name}.reshape(1, -1) for one sample"
        )
    if array.shape[0] < max(min_samples, 1):
        raise ValueError(
            f"{name} has {array.shape[0]} sample(s) (shape {array.shape}) while a minimum of "
            f"{max(min_samples, 1)} is required"
        )
    if array.shape[1] == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape {array.shape}) while a minimum of 1 is required")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        what = "NaN" if np.isnan(array).any() else "infinity"
        raise ValueError(f"Input {name} contains {what}; pass finite values (impute or drop them)")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"{name} has {array.shape[1]} features, but the estimator was fitted with "
            f"{n_features} features (n_features_in_)"
        )
    return array


def check_y(y, name: str = "y", *, numeric: bool = False) -> np.ndarray:
    """Return ``y`` as a 1-D array (a column vector (n, 1) is flattened); NaN refused."""
    if isinstance(y, tf.Tensor | tf.Variable):
        y = y.numpy()
    if y is None:
        raise ValueError(f"{name} is None; this estimator needs targets {name} to fit")
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        warnings.warn(f"A column-vector {name} was passed when a 1d array was expected; it is "
                      f"flattened with ravel()", DataConversionWarning, stacklevel=3)
        array = array.ravel()
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n_samples,); got shape {array.shape}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError(f"Input {name} contains NaN or infinity; pass finite labels")
    if numeric:
        array = array.astype(np.float64)
    return array


def check_X_y(X, y, *, min_samples: int = 1, numeric_y: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``X`` (see :func:`check_X`) and ``y`` (1-D, finite, same length as X)."""
    X = check_X(X, "X", min_samples=min_samples)
    y = check_y(y, "y", numeric=numeric_y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {X.shape[0]} rows, "
            f"y has {y.shape[0]} labels"
        )
    return X, y


def check_is_fitted(estimator, attrs) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has every attribute in ``attrs``."""
    if isinstance(attrs, str):
        attrs = [attrs]
    missing = [a for a in attrs if not hasattr(estimator, a)]
    if missing:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet (missing "
            f"{', '.join(missing)}); call 'fit' with appropriate arguments before using this "
            f"estimator"
        )


def check_n_features(estimator, X, name: str = "X") -> np.ndarray:
    """Validate ``X`` for predict/transform: finite 2-D with ``n_features_in_`` columns."""
    return check_X(X, name, n_features=estimator.n_features_in_)


def check_labels_known(y, classes, name: str = "y") -> np.ndarray:
    """Raise ValueError naming the labels of ``y`` that are not in the fitted ``classes``."""
    y = np.asarray(y)
    unknown = np.setdiff1d(np.unique(y), np.asarray(classes))
    if unknown.size:
        shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in unknown[:5])
        raise ValueError(
            f"{name} contains label(s) {shown} unseen at fit; the fitted classes_ are "
            f"{list(np.asarray(classes).tolist())}"
        )
    return y


def check_random_state_seed(random_state) -> int:
    """An int seed from ``random_state`` (None -> 0 for determinism, int, or RandomState)."""
    if random_state is None:
        return 0
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if is_whole(random_state):
        return check_whole(random_state, "random_state", 0)
    raise ValueError(
        f"random_state must be None, a whole number >= 0, a numpy RandomState or Generator; "
        f"got {random_state!r}"
    )


def check_positive_int(value, name: str) -> int:
    """``value`` as an int >= 1 by the project's one whole-number rule (3 and 3.0 give 3; bools,
    fractions, inf and NaN refused), message names ``name``."""
    return check_whole(value, name, 1)


def to_tensor(X) -> tf.Tensor:
    """``X`` as a float64 tensor (estimators compute in float64 to match scikit-learn)."""
    return tf.convert_to_tensor(np.asarray(X, dtype=np.float64))


def validate(estimator, X, y="no_validation", *, reset: bool = True, **kwargs):
    """scikit-learn's ``validate_data`` with the project's defaults (float64, finite, 2-D).

    Sets (``reset=True``, at fit) or checks (``reset=False``, at predict) ``n_features_in_``
    and ``feature_names_in_``; raises ValueError naming X or y ("Input X contains NaN",
    "X has 3 features, but KMeans is expecting 4 features as input"). Use it in estimators
    that should pass scikit-learn's ``check_estimator``; ``check_X``/``check_X_y`` remain for
    code that needs no estimator.
    """
    from sklearn.utils.validation import validate_data

    kwargs.setdefault("dtype", np.float64)
    return validate_data(estimator, X, y, reset=reset, **kwargs)
