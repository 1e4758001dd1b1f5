"""Meta-tests: the spec suite itself must be able to fail, and must pass the NumPy reference.

A property that no broken implementation can fail is a defect. Each factory in
spec_tests/broken.py replaces one reference function with a plausible mistake; the conformance
runner, restricted to the family that covers it, must report a failure of the properties named in
``broken.EXPECTED_CATCHES``, and only of properties that declare the broken function.
"""

from __future__ import annotations

import types

import pytest

from spec_tests import broken
from spec_tests import reference_numpy as ref
from spec_tests.conformance import load_properties, run_conformance
from spec_tests.impl import Impl, load_impl

# The families of the ops contract (one spec_tests/test_<family>.py each).
CONTRACT_FAMILIES = ["activations", "information", "averages", "metrics", "losses", "distributions",
                     "errors", "updates", "dropout", "preprocessing", "distances",
                     "rnn", "conv", "trees", "style"]


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
    outcomes = run_conformance(Impl(namespace, f"spec_tests.broken:{factory}"), families=[family])
    failed = {o.name for o in outcomes if o.status == "fail"}
    assert failed, f"no property of family {family!r} rejects {factory}"
    missed = [name for name in expected if name not in failed]
    assert not missed, f"{factory} passed {missed}, expected to fail them; failures:\n{_describe(outcomes)}"
    requires = {p.name: p.requires for p in load_properties([family])}
    off_target = sorted(name for name in failed if replaced not in requires[name])
    assert not off_target, (f"{factory} breaks only {replaced}, yet these properties, which do not "
                            f"declare it, failed: {off_target}\n{_describe(outcomes)}")


def test_numpy_reference_passes_every_property():
    outcomes = run_conformance(load_impl("spec_tests.reference_numpy"), families=CONTRACT_FAMILIES)
    assert outcomes, "no properties were loaded"
    not_passed = [o for o in outcomes if o.status != "pass"]
    assert not not_passed, f"the NumPy reference does not pass:\n{_describe(not_passed)}"


def test_empty_implementation_is_not_applicable_everywhere_and_fails_nothing():
    outcomes = run_conformance(Impl(types.SimpleNamespace(), "empty"), families=CONTRACT_FAMILIES)
    assert outcomes and all(o.status == "n/a" for o in outcomes), _describe(
        [o for o in outcomes if o.status != "n/a"])
