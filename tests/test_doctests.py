"""The docstring examples of ``tfref.ops`` run, pass, and cannot silently disappear.

Each module's examples run with ``doctest`` (NORMALIZE_WHITESPACE | ELLIPSIS), with ``ops``,
``np``, ``tf`` and ``keras`` in their namespace as the examples assume (``import tfref.ops as
ops``).
Every public function of an ops module must carry at least one example.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import numpy as np

OPTION_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

OPS_MODULES = [
    "tfref.ops.activations",
    "tfref.ops.information",
    "tfref.ops.distributions",
    "tfref.ops.losses",
    "tfref.ops.averages",
    "tfref.ops.metrics",
    "tfref.ops.calculus",
    "tfref.ops.updates",
    "tfref.ops.dropout",
    "tfref.ops.preprocessing",
    "tfref.ops.distances",
    "tfref.ops.rnn",
    "tfref.ops.conv",
    "tfref.ops.trees",
    "tfref.ops.style",
    "tfref.ops.boxes",
]
# Every other module of the library with a docstring example (found, so none is forgotten):
# their examples must pass, but not every function of theirs needs one.
_ROOT = Path(__file__).resolve().parent.parent / "tfref"
_WITH_EXAMPLES = {
    ".".join(("tfref", *path.relative_to(_ROOT).with_suffix("").parts))
    for path in _ROOT.rglob("*.py")
    if path.name != "__main__.py" and "topics" not in path.parts and ">>>" in path.read_text()
}
HELPER_MODULES = sorted(_WITH_EXAMPLES - set(OPS_MODULES))


def _run_doctests(module_name: str) -> tuple[doctest.TestResults, dict[str, int]]:
    """Run a module's doctests; return the results and the number of examples per function."""
    import keras
    import tensorflow as tf

    import tfref.ops as ops

    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=OPTION_FLAGS)
    extraglobs = {"ops": ops, "np": np, "tf": tf, "keras": keras}
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


def _check_module(module_name: str, *, every_function_has_an_example: bool) -> None:
    results, examples_per_function = _run_doctests(module_name)
    assert results.failed == 0, f"{results.failed} docstring example(s) failed in {module_name}"
    if every_function_has_an_example:
        module = importlib.import_module(module_name)
        without_examples = [
            name for name in _public_functions(module) if examples_per_function.get(name, 0) == 0
        ]
        assert not without_examples, (
            f"{module_name}: public functions without an example: {without_examples}"
        )


def _make_test(module_name: str, *, every_function_has_an_example: bool):
    def test():
        _check_module(module_name, every_function_has_an_example=every_function_has_an_example)

    test.__name__ = f"test_doctests_pass_in_{module_name.replace('.', '_')}"
    test.__doc__ = f"The docstring examples of {module_name} pass."
    return test


# One named test per module, e.g. test_doctests_pass_in_tfref_ops_activations.
for _module_name in OPS_MODULES:
    _test = _make_test(_module_name, every_function_has_an_example=True)
    globals()[_test.__name__] = _test
for _module_name in HELPER_MODULES:
    _test = _make_test(_module_name, every_function_has_an_example=False)
    globals()[_test.__name__] = _test
