"""The one building block of a broken implementation: the reference with functions replaced."""

from __future__ import annotations

import types

from spec_tests import reference_numpy as ref

#: Every function of docs/contract.md, by name.
CONTRACT: tuple[str, ...] = tuple(ref.__all__)


def reference_with(**replacements) -> types.SimpleNamespace:
    """The NumPy reference implementation with some functions replaced."""
    unknown = set(replacements) - set(CONTRACT)
    if unknown:
        raise ValueError(f"not contract functions: {sorted(unknown)}")
    functions = {name: getattr(ref, name) for name in CONTRACT}
    functions.update(replacements)
    return types.SimpleNamespace(**functions)
