"""Deliberately broken implementations of the contract, for the meta-tests (test_meta.py).

Each factory returns the NumPy reference with exactly one function replaced by a plausible
mistake (several are the documents' errata or real frameworks' defects). A spec suite that passes
one of these has a property that cannot fail. One module per property family holds its
factories and ``EXPECTED_CATCHES``: factory -> the properties of that family that must reject it,
each with an assertion of its own (test_meta.py). Use one as an implementation::

    tfref spec --impl spec_tests.broken:kl_with_wrong_sign
"""

from __future__ import annotations

import importlib

from spec_tests.broken._base import CONTRACT, reference_with

FAMILIES = ("activations", "information", "averages", "metrics", "losses", "distributions",
            "errors", "updates", "dropout", "preprocessing", "distances", "rnn", "conv", "trees",
            "style", "boxes", "conventions")

#: factory name -> (family, the properties of that family that must reject it)
EXPECTED_CATCHES: dict[str, tuple[str, tuple[str, ...]]] = {}

for _family in FAMILIES:
    _module = importlib.import_module(f"spec_tests.broken.{_family}")
    for _factory, _names in _module.EXPECTED_CATCHES.items():
        if _factory in EXPECTED_CATCHES:
            raise ValueError(f"broken factory {_factory!r} is defined in two families")
        EXPECTED_CATCHES[_factory] = (_family, tuple(_names))
        globals()[_factory] = getattr(_module, _factory)

__all__ = ["CONTRACT", "EXPECTED_CATCHES", "FAMILIES", "reference_with", *EXPECTED_CATCHES]
