"""Load an implementation of the contract and call it uniformly.

An implementation is a module, or an object returned by a factory, exposing contract functions
by name (docs/contract.md). ``"pkg.mod"`` imports a module; ``"pkg.mod:factory"`` calls
``factory()`` and uses what it returns. Whatever a function returns is converted with NumPy, so
TensorFlow, PyTorch (CPU) and JAX results all compare the same way.
"""

from __future__ import annotations

import importlib
import os

import numpy as np

DEFAULT_IMPL = "tfref.ops"
REFERENCE_IMPL = "spec_tests.reference_numpy"


class MissingFunction(Exception):
    """The implementation does not provide a contract function (status n/a)."""


def _to_numpy(value):
    if isinstance(value, tuple | list):
        return type(value)(_to_numpy(v) for v in value)
    if hasattr(value, "detach"):  # torch tensors
        value = value.detach().cpu()
    return np.asarray(value)


class Impl:
    """A uniform view of an implementation: ``impl.softmax(x)`` returns a NumPy array."""

    def __init__(self, target, name: str):
        self._target = target
        self.name = name

    def has(self, function: str) -> bool:
        return callable(getattr(self._target, function, None))

    def raw(self, function: str):
        """The implementation's own function (result not converted)."""
        if not self.has(function):
            raise MissingFunction(f"{self.name} has no function {function!r}")
        return getattr(self._target, function)

    def __getattr__(self, function: str):
        if function.startswith("_"):
            raise AttributeError(function)
        fn = self.raw(function)

        def call(*args, **kwargs):
            return _to_numpy(fn(*args, **kwargs))

        call.__name__ = function
        return call

    def __repr__(self) -> str:
        return f"Impl({self.name})"


def load_impl(spec: str | None = None) -> Impl:
    """Load ``spec`` ("module" or "module:factory"); default: $TFREF_SPEC_IMPL or tfref.ops."""
    spec = spec or os.environ.get("TFREF_SPEC_IMPL") or DEFAULT_IMPL
    module_name, _, factory = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cannot import implementation module {module_name!r}: {error}") from error
    except Exception as error:  # the module's own code failed while it was being imported
        raise ValueError(f"importing implementation module {module_name!r} raised "
                         f"{type(error).__name__}: {error}; fix the module so that importing it "
                         "runs without error") from error
    if not factory:
        return Impl(module, spec)
    make = getattr(module, factory, None)
    if not callable(make):
        raise ValueError(f"{module_name!r} has no callable factory {factory!r}")
    try:
        made = make()
    except Exception as error:
        raise ValueError(f"the factory {spec!r} raised {type(error).__name__}: {error}; it must "
                         "return the implementation (a module or namespace of contract "
                         "functions)") from error
    return Impl(made, spec)
