"""Plain tests of the NumPy/SciPy and Keras adapters (spec_tests/adapters/), not spec properties.

Each adapter is skipped, with the reason, where its library is not installed. The checks: every
function an adapter exposes is a contract name; it reproduces a few fixed values of the NumPy
reference; its known-deviations file parses and names only registered properties.
(The torch and JAX adapters are tested in test_adapters_torch_jax.py.)

No adapter library is imported at module level: the conformance runner imports this module too.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect

import numpy as np
import pytest

from spec_tests import reference_numpy
from spec_tests.adapters import ADAPTERS, known_deviations

MINE = ("numpy", "keras")

#: Fixed inputs each adapter must map to the reference's values: (function, args, kwargs).
CASES = {
    "numpy": [
        ("softmax", ([1.0, 2.0, 3.0],), {}),
        ("log_softmax", ([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],), {}),
        ("entropy", ([0.25, 0.25, 0.5],), {"base": 2}),
        ("kl_divergence", ([0.5, 0.5], [0.25, 0.75]), {}),
        ("cross_entropy", ([0.5, 0.5], [0.25, 0.75]), {}),
        ("binary_cross_entropy", ([1.0, 0.0, 1.0], [0.9, 0.2, 0.5]), {}),
        ("mean_squared_error", ([[1.0, 2.0], [3.0, 4.0]], [[0.0, 2.0], [1.0, 1.0]]), {}),
        ("ewma", ([1.0, 2.0, 3.0, 4.0], 0.5), {"bias_correction": True}),
        ("confusion_matrix", ([0, 1, 2, 2, 1], [0, 2, 2, 1, 1]), {}),
        ("recall", ([0, 1, 1, 1, 2], [0, 1, 0, 1, 1]), {}),
        ("information_gain", ([0, 0, 1, 1], [0, 1, 0, 1]), {"base": 2}),
        ("conv2d", (np.arange(32.0).reshape(1, 4, 4, 2), np.ones((2, 2, 2, 3))), {"stride": 2, "padding": 1}),
        ("max_pool2d", (np.arange(16.0).reshape(1, 4, 4, 1), 2), {}),
    ],
    "keras": [
        ("softmax", ([1.0, 2.0, 3.0],), {}),
        ("log_softmax", ([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],), {}),
        ("leaky_relu", ([-2.0, 0.0, 3.0],), {}),  # the contract's alpha 0.01, not keras's 0.2
        ("kl_divergence", ([0.5, 0.5], [0.25, 0.75]), {}),
        ("binary_cross_entropy_with_logits", ([1.0, 0.0], [2.0, -1.0]), {}),
        ("mean_squared_error", ([[1.0, 2.0], [3.0, 4.0]], [[0.0, 2.0], [1.0, 1.0]]), {}),
        ("hinge_loss", ([1.0, -1.0, 1.0], [0.3, 0.2, 2.0]), {}),
        ("sgd_update", (np.array([1.0, 2.0], np.float32), np.array([0.5, -1.0], np.float32), 0.1), {}),
        ("adam_update", (np.array([1.0, 2.0], np.float32), np.array([0.5, -1.0], np.float32),
                         np.array([0.1, 0.1], np.float32), np.array([0.2, 0.3], np.float32), 3, 0.01), {}),
        ("conv2d", (np.arange(32.0, dtype=np.float32).reshape(1, 4, 4, 2), np.ones((2, 2, 2, 3), np.float32)),
         {"stride": 2, "padding": 1}),
        ("conv2d_transpose", (np.arange(8.0, dtype=np.float32).reshape(1, 2, 2, 2),
                              np.ones((3, 3, 1, 2), np.float32)), {"stride": 2, "padding": 1}),
    ],
}


def _load(name: str):
    """The adapter module, or a skip naming the missing package."""
    for package in ADAPTERS[name].needs:
        pytest.importorskip(package, reason=f"the {name} adapter needs {package}, which is not "
                                            f"installed")
    return importlib.import_module(ADAPTERS[name].module)


def _exposed(module) -> list[str]:
    """The public functions the adapter module defines itself (not those it imports)."""
    return [name for name, value in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(value)
            and value.__module__ == module.__name__]


@pytest.mark.parametrize("name", MINE)
def test_adapter_exposes_only_contract_functions(name):
    module = _load(name)
    exposed = _exposed(module)
    unknown = sorted(set(exposed) - set(reference_numpy.__all__))
    assert not unknown, f"the {name} adapter exposes functions that are not contract names: {unknown}"
    assert len(exposed) >= 10, f"the {name} adapter exposes only {exposed}"


@pytest.mark.parametrize(("name", "function", "args", "kwargs"),
                         [(name, *case) for name in MINE for case in CASES[name]],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_adapter_reproduces_fixed_values_of_the_reference(name, function, args, kwargs):
    module = _load(name)
    assert hasattr(module, function), f"the {name} adapter lost {function}"
    expected = getattr(reference_numpy, function)(*args, **kwargs)
    actual = getattr(module, function)(*args, **kwargs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    actual = actual if isinstance(actual, tuple) else (actual,)
    assert len(actual) == len(expected), f"{name}.{function} returned {len(actual)} values, expected {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        a, e = np.asarray(a, dtype=np.float64), np.asarray(e, dtype=np.float64)
        assert a.shape == e.shape, f"{name}.{function} output {i}: shape {a.shape}, expected {e.shape}"
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}.{function}{args} output {i} vs the NumPy reference")


@pytest.mark.parametrize("name", MINE)
def test_deviations_file_names_registered_properties_with_reasons(name):
    from spec_tests.conformance import load_properties

    registered = {prop.name for prop in load_properties()}
    known = known_deviations(name)  # raises on an entry without property or reason
    stale = sorted(set(known) - registered)
    assert not stale, f"{name}_deviations.toml lists properties that do not exist: {stale}"
    for prop, entry in known.items():
        assert entry["reason"].strip(), f"{name}_deviations.toml: {prop} has an empty reason"
        upstream = entry["upstream"]
        assert not upstream or upstream.startswith("https://"), f"{prop}: upstream {upstream!r} is not a URL"


def test_keras_adapter_uses_only_the_keras_api():
    """Backend-agnostic: the adapter never imports a backend (tensorflow, torch, jax) itself."""
    path = importlib.util.find_spec(ADAPTERS["keras"].module).origin
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for backend in ("tensorflow", "torch", "jax"):
        assert f"import {backend}" not in text and f"from {backend}" not in text, (
            f"the keras adapter imports {backend}; it must use the keras API only")


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_deviations_files_list_maths_properties_only(name):
    """Conventions and validation are a library's API habits, reported by level: never 'known'."""
    from spec_tests.conformance import load_properties

    levels = {prop.name: prop.level for prop in load_properties()}
    not_maths = sorted(p for p in known_deviations(name) if levels.get(p, "maths") != "maths")
    assert not not_maths, (f"{name}_deviations.toml lists properties that are not maths-level "
                           f"(remove them; their level reports them): {not_maths}")
