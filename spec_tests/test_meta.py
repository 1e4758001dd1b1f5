"""Meta-tests: the spec suite itself must be able to fail, and must pass the NumPy reference.

A property that no broken implementation can fail is a defect. Each factory in
spec_tests/broken.py replaces one reference function with a plausible mistake; the conformance
runner, given the properties of the family that declare the broken function, must report a
failure of the properties named in ``broken.EXPECTED_CATCHES``. That the other properties cannot
be affected is checked once for all: every property, run against a recording copy of the
reference, calls only the contract functions it declares in ``requires``.

Failures are not shrunk here (the runner's ``overrides``): the meta-tests need to know that a
property fails, not its smallest failing example, and shrinking sixty broken implementations
took minutes.
"""

from __future__ import annotations

import types

import pytest
from hypothesis import Phase

from spec_tests import broken
from spec_tests import reference_numpy as ref
from spec_tests.conformance import load_properties, run_conformance
from spec_tests.impl import Impl, load_impl

# The families of the ops contract (one spec_tests/test_<family>.py each).
CONTRACT_FAMILIES = ["activations", "information", "averages", "metrics", "losses", "distributions",
                     "errors", "updates", "dropout", "preprocessing", "distances",
                     "rnn", "conv", "trees", "style",
                     "boxes"]


NO_SHRINK = {"phases": [Phase.explicit, Phase.reuse, Phase.generate]}


def _replaced_functions(namespace) -> set[str]:
    return {name for name in broken.CONTRACT if getattr(namespace, name) is not getattr(ref, name)}


def _describe(outcomes) -> str:
    return "\n".join(f"  {o.status:5} {o.name}: {o.message.splitlines()[0] if o.message else ''}"
                     for o in outcomes if o.status != "pass")


def test_broken_factories_each_replace_exactly_one_function():
    for factory in broken.EXPECTED_CATCHES:
        replaced = _replaced_functions(getattr(broken, factory)())
        assert len(replaced) == 1, f"{factory} replaces {sorted(replaced)}"


def test_every_expected_catch_names_a_registered_property_of_its_family():
    families = {p.name: p.family for p in load_properties(CONTRACT_FAMILIES)}
    for factory, (family, names) in broken.EXPECTED_CATCHES.items():
        for name in names:
            assert families.get(name) == family, f"{factory}: no property {name!r} in family {family!r}"


@pytest.mark.parametrize("factory", sorted(broken.EXPECTED_CATCHES))
def test_broken_implementation_is_rejected_by_the_expected_properties(factory):
    family, expected = broken.EXPECTED_CATCHES[factory]
    namespace = getattr(broken, factory)()
    (replaced,) = _replaced_functions(namespace)
    declaring = [p.name for p in load_properties([family]) if replaced in p.requires]
    missing = [name for name in expected if name not in declaring]
    assert not missing, f"{factory}: expected catches {missing} do not declare {replaced!r}"
    outcomes = run_conformance(Impl(namespace, f"spec_tests.broken:{factory}"), families=[family],
                               names=declaring, overrides=NO_SHRINK)
    failed = {o.name for o in outcomes if o.status == "fail"}
    assert failed, f"no property of family {family!r} rejects {factory}"
    missed = [name for name in expected if name not in failed]
    assert not missed, f"{factory} passed {missed}, expected to fail them; failures:\n{_describe(outcomes)}"


def _recording_reference(calls: set[str]) -> types.SimpleNamespace:
    """The NumPy reference whose contract functions add their name to ``calls`` when called."""

    def recorder(name, fn):
        def call(*args, **kwargs):
            calls.add(name)
            return fn(*args, **kwargs)

        return call

    return types.SimpleNamespace(**{name: recorder(name, getattr(ref, name))
                                    for name in broken.CONTRACT})


def test_every_property_calls_only_the_contract_functions_it_declares():
    """So a broken function can only fail the properties that declare it (few examples each)."""
    undeclared = {}
    for prop in load_properties(CONTRACT_FAMILIES):
        calls: set[str] = set()
        outcome = run_conformance(Impl(_recording_reference(calls), "recording reference"),
                                  families=[prop.family], names=[prop.name],
                                  overrides={**NO_SHRINK, "max_examples": 5})
        assert [o.status for o in outcome] == ["pass"], _describe(outcome)
        if calls - set(prop.requires):
            undeclared[prop.name] = sorted(calls - set(prop.requires))
    assert not undeclared, f"properties calling functions they do not declare: {undeclared}"


def test_numpy_reference_passes_every_property():
    outcomes = run_conformance(load_impl("spec_tests.reference_numpy"), families=CONTRACT_FAMILIES)
    assert outcomes, "no properties were loaded"
    not_passed = [o for o in outcomes if o.status != "pass"]
    assert not not_passed, f"the NumPy reference does not pass:\n{_describe(not_passed)}"


def test_empty_implementation_is_not_applicable_everywhere_and_fails_nothing():
    outcomes = run_conformance(Impl(types.SimpleNamespace(), "empty"), families=CONTRACT_FAMILIES)
    assert outcomes and all(o.status == "n/a" for o in outcomes), _describe(
        [o for o in outcomes if o.status != "n/a"])
