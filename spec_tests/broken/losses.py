"""Broken implementations of the losses family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def binary_cross_entropy_clipped_to_finite():
    """p clipped to [1e-7, 1 - 1e-7] (Keras' epsilon): never infinite when certain and wrong."""

    def binary_cross_entropy(y_true, p):
        p = np.asarray(p)
        dtype = np.float64 if p.dtype == np.float64 else np.float32
        return ref.binary_cross_entropy(y_true, np.clip(p, 1e-7, 1 - 1e-7).astype(dtype))

    return _reference_with(binary_cross_entropy=binary_cross_entropy)


def mean_absolute_error_squared():
    """MAE that squares the residuals: an L2 loss under an L1 name."""

    def mean_absolute_error(y_true, y_pred, axis=-1):
        return ref.mean_squared_error(y_true, y_pred, axis=axis)

    return _reference_with(mean_absolute_error=mean_absolute_error)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'binary_cross_entropy_clipped_to_finite': (
        'binary_cross_entropy_cost_table_zero_when_right_and_certain_infinite_when_certain_and_wrong',
    ),
    'mean_absolute_error_squared': (
        'l1_is_less_sensitive_to_one_outlier_than_l2',
    ),
}
