"""Plain tests of the PyTorch and JAX adapters (spec_tests/adapters/), not spec properties.

Each adapter is skipped, with the reason, where its library is not installed. The checks: every
function an adapter exposes is a contract name; it reproduces a few fixed values of the NumPy
reference (softmax, KL divergence with torch's reversed log-space arguments, the NHWC layout of
convolution, float64 kept); its known-deviations file parses and names only registered
properties. (The NumPy/SciPy and Keras adapters are tested in test_adapters.py.)

No adapter library is imported at module level: the conformance runner imports this module too,
and torch must not be loaded into a JAX run (or the reverse) for nothing.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from spec_tests import reference_numpy
from spec_tests.adapters import ADAPTERS, known_deviations

MINE = ("torch", "jax")

SKIP_REASON = {
    "torch": "torch is not installed: its wheel is large, so the torch adapter is checked only "
             "where torch is (pip install torch)",
    "jax": "jax is not installed: install the compare extra (pip install 'tfref[compare]')",
}

#: Fixed inputs each adapter must map to the reference's values: (function, args, kwargs).
CASES = [
    ("softmax", ([1.0, 2.0, 3.0],), {}),
    ("softmax", (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1e4]]),), {"axis": -1}),
    ("log_softmax", (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),), {}),
    ("kl_divergence", (np.array([0.5, 0.5]), np.array([0.25, 0.75])), {}),
    ("kl_divergence", (np.array([[0.2, 0.5], [0.8, 0.5]]), np.array([[0.5, 0.1], [0.5, 0.9]])),
     {"axis": 0, "base": 2}),
    ("entropy", (np.array([0.25, 0.25, 0.5]),), {"base": 2}),
    ("cross_entropy", (np.array([0.5, 0.5]), np.array([0.25, 0.75])), {}),
    ("leaky_relu_derivative", (np.array([-2.0, -0.5, 0.5, 2.0]),), {"alpha": 0.2}),
    ("beta_pdf", (np.array([0.1, 0.5, 0.9]), 2.0, 3.0), {}),
    ("conv2d", (np.arange(32.0).reshape(1, 4, 4, 2), np.arange(24.0).reshape(2, 2, 2, 3) / 10),
     {"stride": 2, "padding": 1}),
    ("conv2d_transpose", (np.arange(18.0).reshape(1, 3, 3, 2) / 5,
                          np.arange(36.0).reshape(3, 2, 3, 2) / 10), {"stride": 2, "padding": 1}),
    ("max_pool2d", (np.arange(32.0).reshape(1, 4, 4, 2),), {"pool_size": 3, "stride": 1,
                                                           "padding": 1}),
    ("avg_pool2d", (np.arange(32.0).reshape(1, 4, 4, 2),), {"pool_size": 2}),
]


def _adapter(name: str):
    pytest.importorskip(ADAPTERS[name].needs[0], reason=SKIP_REASON[name])
    return importlib.import_module(ADAPTERS[name].module)


def _to_numpy(value):
    if isinstance(value, tuple | list):
        return [_to_numpy(v) for v in value]
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    return np.asarray(value)


@pytest.mark.parametrize("name", MINE)
def test_adapter_exposes_only_contract_names(name):
    module = _adapter(name)
    contract = set(reference_numpy.__all__)
    exposed = set(module.__all__)
    assert exposed <= contract, f"{name}: not contract names: {sorted(exposed - contract)}"
    defined = {n for n, f in vars(module).items()
               if inspect.isfunction(f) and f.__module__ == module.__name__ and not n.startswith("_")}
    assert defined == exposed, (f"{name}: public functions {sorted(defined - exposed)} not in "
                                f"__all__, or __all__ names {sorted(exposed - defined)} undefined")


@pytest.mark.parametrize("name", MINE)
@pytest.mark.parametrize("function, args, kwargs", CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_adapter_reproduces_the_reference_on_fixed_input(name, function, args, kwargs):
    module = _adapter(name)
    if function not in module.__all__:
        pytest.skip(f"{name} has no {function}")
    expected = getattr(reference_numpy, function)(*args, **kwargs)
    actual = _to_numpy(getattr(module, function)(*args, **kwargs))
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-12,
                               err_msg=f"{name}.{function} vs the NumPy reference")


@pytest.mark.parametrize("name", MINE)
def test_adapter_softmax_of_one_two_three(name):
    module = _adapter(name)
    expected = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()  # [0.0900, 0.2447, 0.6652]
    actual = _to_numpy(module.softmax(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_allclose(actual, expected, rtol=1e-12, err_msg=f"{name}.softmax([1, 2, 3])")


@pytest.mark.parametrize("name", MINE)
def test_adapter_kl_divergence_of_a_fixed_pair(name):
    """KL([1/2, 1/2] || [1/4, 3/4]) = 0.5 ln 2 + 0.5 ln(2/3) = 0.5 ln(4/3) (and not symmetric)."""
    module = _adapter(name)
    expected = 0.5 * np.log(0.5 / 0.25) + 0.5 * np.log(0.5 / 0.75)  # 0.1438410362
    actual = _to_numpy(module.kl_divergence(np.array([0.5, 0.5]), np.array([0.25, 0.75])))
    np.testing.assert_allclose(actual, expected, rtol=1e-12, err_msg=f"{name}.kl_divergence")
    swapped = _to_numpy(module.kl_divergence(np.array([0.25, 0.75]), np.array([0.5, 0.5])))
    assert not np.isclose(swapped, expected), f"{name}: KL(q || p) equals KL(p || q): arguments swapped?"


@pytest.mark.parametrize("name", MINE)
@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32), (np.float64, np.float64),
                                             (None, np.float32)])
def test_adapter_keeps_float64_and_defaults_to_float32(name, dtype, expected):
    module = _adapter(name)
    x = [0.5, -1.0, 2.0] if dtype is None else np.array([0.5, -1.0, 2.0], dtype=dtype)
    for function in ("softmax", "sigmoid", "relu"):
        out = _to_numpy(getattr(module, function)(x))
        assert out.dtype == expected, f"{name}.{function}: {out.dtype} for {dtype or 'a list'} input"


def test_torch_update_rules_take_and_return_the_optimiser_state():
    module = _adapter("torch")
    param, grad = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    velocity = np.array([0.1, -0.2])
    for momentum in (0.0, 0.9):
        actual = _to_numpy(module.momentum_update(param, grad, velocity, 0.1, momentum=momentum))
        expected = reference_numpy.momentum_update(param, grad, velocity, 0.1, momentum=momentum)
        np.testing.assert_allclose(actual[0], expected[0], rtol=1e-12, err_msg=f"param, momentum {momentum}")
        np.testing.assert_allclose(actual[1], expected[1], rtol=1e-12, err_msg=f"velocity, momentum {momentum}")
    m, v = np.array([0.1, 0.2]), np.array([0.3, 0.4])
    _, m_new, v_new = _to_numpy(module.adam_update(param, grad, m, v, 3, 0.01))
    _, m_ref, v_ref = reference_numpy.adam_update(param, grad, m, v, 3, 0.01)
    np.testing.assert_allclose(m_new, m_ref, rtol=1e-12, err_msg="Adam first moment")
    np.testing.assert_allclose(v_new, v_ref, rtol=1e-12, err_msg="Adam second moment")


def test_torch_sqeuclidean_is_reported_missing_not_wrong():
    module = _adapter("torch")
    from spec_tests.impl import MissingFunction

    with pytest.raises(MissingFunction, match="squared-euclidean"):
        module.pairwise_distances(np.zeros((2, 3)), metric="sqeuclidean")


@pytest.mark.parametrize("name", MINE)
def test_deviations_file_parses_and_names_registered_properties(name):
    from spec_tests.conformance import load_properties

    deviations = known_deviations(name)
    registered = {prop.name for prop in load_properties()}
    unknown = sorted(set(deviations) - registered)
    assert not unknown, f"{name}_deviations.toml names properties that do not exist: {unknown}"
    for prop, entry in deviations.items():
        assert entry["reason"].strip(), f"{name}: {prop} has an empty reason"
        assert not entry["upstream"] or entry["upstream"].startswith("https://"), (
            f"{name}: {prop}: upstream {entry['upstream']!r} is not a URL")
