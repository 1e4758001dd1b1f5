"""Broken implementations of the errors family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests.broken._base import reference_with as _reference_with


def entropy_without_input_checks():
    """-sum p log p of whatever it is given: no ValueError for negative or unnormalised p."""

    def entropy(p, base=None, axis=-1):
        p = np.asarray(p)
        dtype = np.float64 if p.dtype == np.float64 else np.float32
        with np.errstate(divide="ignore", invalid="ignore"):
            nats = np.where(p != 0, -p * np.log(p), 0.0).astype(dtype).sum(axis=axis)
            return nats if base is None else nats / np.log(base)

    return _reference_with(entropy=entropy)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'entropy_without_input_checks': (
        'information_functions_reject_negative_probabilities',
        'information_functions_reject_probabilities_not_summing_to_one',
    ),
}
