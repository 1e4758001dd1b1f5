"""The docstring examples of ``tfref.ops`` run, pass, and cannot silently disappear.

Each module's examples run with ``doctest`` (NORMALIZE_WHITESPACE | ELLIPSIS), with ``ops``,
``np`` and ``tf`` in their namespace as the examples assume (``import tfref.ops as ops``).
Every public function of an ops module must carry at least one example.
"""

from __future__ import annotations

import doctest
import importlib
import inspect

import numpy as np
import pytest

OPTION_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

OPS_MODULES = [
    "tfref.ops.activations",
    "tfref.ops.information",
    "tfref.ops.distributions",
    "tfref.ops.losses",
    "tfref.ops.averages",
    "tfref.ops.metrics",
    "tfref.ops.calculus",
]
# Shared helpers: their examples (if any) must pass, but not every helper needs one.
HELPER_MODULES = ["tfref._validation"]


def _run_doctests(module_name: str) -> tuple[doctest.TestResults, dict[str, int]]:
    """Run a module's doctests; return the results and the number of examples per function."""
    import tensorflow as tf

    import tfref.ops as ops

    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=OPTION_FLAGS)
    extraglobs = {"ops": ops, "np": np, "tf": tf}
    examples_per_function: dict[str, int] = {}
    for test in finder.find(module, module_name, extraglobs=extraglobs):
        runner.run(test)
        examples_per_function[test.name.rsplit(".", 1)[-1]] = len(test.examples)
    return runner.summarize(verbose=False), examples_per_function


def _public_functions(module) -> list[str]:
    names = getattr(module, "__all__", None) or [
        name for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__
    ]
    return [name for name in names if not name.startswith("_")]


def _test_id(module_name: str) -> str:
    return module_name.replace(".", "_")


@pytest.mark.parametrize("module_name", OPS_MODULES, ids=_test_id)
def test_doctests_pass_in(module_name):
    results, examples_per_function = _run_doctests(module_name)
    assert results.failed == 0, f"{results.failed} docstring example(s) failed in {module_name}"
    module = importlib.import_module(module_name)
    without_examples = [
        name for name in _public_functions(module) if examples_per_function.get(name, 0) == 0
    ]
    assert not without_examples, f"{module_name}: public functions without an example: {without_examples}"


@pytest.mark.parametrize("module_name", HELPER_MODULES, ids=_test_id)
def test_doctests_pass_in_helpers(module_name):
    results, _ = _run_doctests(module_name)
    assert results.failed == 0, f"{results.failed} docstring example(s) failed in {module_name}"
