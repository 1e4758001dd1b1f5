"""Broken implementations of the distributions family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests.broken._base import reference_with as _reference_with


def bernoulli_log_likelihood_without_log():
    """sum x ln p + (1 - x)(1 - p), as document 001 writes it (erratum 6)."""

    def bernoulli_log_likelihood(x, p):
        x = np.asarray(x, dtype=np.float64)
        p = np.asarray(p)
        dtype = np.float64 if p.dtype == np.float64 else np.float32
        return (x * np.log(p) + (1 - x) * (1 - p)).sum().astype(dtype)

    return _reference_with(bernoulli_log_likelihood=bernoulli_log_likelihood)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'bernoulli_log_likelihood_without_log': (
        'bernoulli_log_likelihood_is_maximised_at_the_sample_mean',
    ),
}
