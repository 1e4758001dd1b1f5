"""Broken implementations of the preprocessing family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def standardize_with_sample_std():
    """sigma with ddof 1 (pandas' default ``std()``, D2L's house-price code) instead of ddof 0:
    the standardised columns then have variance (n - 1) / n, and differ from StandardScaler."""

    def standardize(x, mean=None, std=None, axis=0):
        array = np.asarray(x)
        if mean is not None or std is not None or array.ndim == 0 or array.shape[axis] < 2 \
                or not np.isfinite(array).all():
            return ref.standardize(x, mean=mean, std=std, axis=axis)  # the same checks
        dtype = np.float64 if array.dtype == np.float64 else np.float32
        rows = np.moveaxis(array.astype(np.float64), axis, 0)  # (examples, features...)
        constant = (rows == rows[0]).all(axis=0)
        sample_std = np.where(constant, 0.0, rows.std(axis=0, ddof=1))
        return ref.standardize(x, mean=rows.mean(axis=0).astype(dtype),
                               std=sample_std.astype(dtype), axis=axis)

    return _reference_with(standardize=standardize)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'standardize_with_sample_std': (
        'standardize_gives_zero_mean_and_unit_variance_per_feature',
        'standardize_matches_sklearn_standard_scaler',
    ),
}
