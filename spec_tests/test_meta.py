"""Meta-tests: the spec suite itself must be able to fail, and must pass the NumPy reference.

A property that no broken implementation can fail is a defect. Each factory in
spec_tests/broken.py replaces one reference function with a plausible mistake; the conformance
runner, given the properties of the family that declare the broken function, must report a
failure of the properties named in ``broken.EXPECTED_CATCHES``. That the other properties cannot
be affected is checked once for all: every property, run against a recording copy of the
reference, calls only the contract functions it declares in ``requires``.

A catch counts only when it is for the right reason: the expected property must fail with an
AssertionError raised by the property itself. A TypeError, a failed health check, an oracle that
crashed (harness errors) or an assertion elsewhere is not a catch.

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
from spec_tests.registry import FAMILIES

CONTRACT_FAMILIES = list(FAMILIES)


NO_SHRINK = {"phases": [Phase.explicit, Phase.reuse, Phase.generate]}
#: A catch must not depend on the draw: the same examples under every profile, at least the ci
#: profile's 40 (the dev profile's 20 would miss rare catches deterministically).
CATCH = {**NO_SHRINK, "derandomize": True, "database": None, "max_examples": 40}


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


#: The broken factories in two halves: this file checks the first, test_meta_catches.py the
#: second, so that the suite's two workers (``--dist loadfile``) share the ~200 runs.
FACTORY_HALVES = (sorted(broken.EXPECTED_CATCHES)[0::2], sorted(broken.EXPECTED_CATCHES)[1::2])


@pytest.mark.parametrize("factory", FACTORY_HALVES[0])
def test_broken_implementation_is_rejected_by_the_expected_properties(factory):
    check_catch(factory)


def check_catch(factory: str) -> None:
    """``factory`` fails each property of ``broken.EXPECTED_CATCHES`` with its own assertion."""
    family, expected = broken.EXPECTED_CATCHES[factory]
    namespace = getattr(broken, factory)()
    (replaced,) = _replaced_functions(namespace)
    declaring = [p.name for p in load_properties([family]) if replaced in p.requires]
    missing = [name for name in expected if name not in declaring]
    assert not missing, f"{factory}: expected catches {missing} do not declare {replaced!r}"
    outcomes = run_conformance(Impl(namespace, f"spec_tests.broken:{factory}"), families=[family],
                               names=declaring, overrides=CATCH)
    by_name = {o.name: o for o in outcomes}
    missed = [name for name in expected if by_name[name].status != "fail"]
    assert not missed, f"{factory} was not rejected by {missed}; outcomes:\n{_describe(outcomes)}"
    wrong_reason = [name for name in expected
                    if not any(f.kind == "assertion" and f.in_property for f in by_name[name].failures)]
    assert not wrong_reason, (
        f"{factory}: {wrong_reason} failed, but not with an assertion of their own (an exception "
        f"from the implementation or an assertion elsewhere is not a catch):\n{_describe(outcomes)}")


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


# --- the instrument itself: right answers for right implementations, honest reports ------------

def _maths_failures(outcomes):
    return [o for o in outcomes if o.level == "maths" and o.status not in ("pass", "n/a")]


def test_a_correct_float64_implementation_passes_every_maths_property():
    """The reference computing in float64 whatever it is given: only conventions may object."""
    outcomes = run_conformance(load_impl("spec_tests.fixtures.float64_reference"),
                               levels=["maths"], overrides=NO_SHRINK)
    assert outcomes, "no maths properties were loaded"
    bad = _maths_failures(outcomes)
    assert not bad, f"maths properties reject a correct float64 implementation:\n{_describe(bad)}"


def test_an_outsiders_float64_numpy_module_without_validation_passes_every_applicable_maths_property():
    outcomes = run_conformance(load_impl("spec_tests.fixtures.outsider_numpy"), levels=["maths"],
                               overrides=NO_SHRINK)
    applied = [o for o in outcomes if o.status != "n/a"]
    assert len(applied) >= 15, f"only {len(applied)} maths properties applied to the outsider"
    bad = _maths_failures(outcomes)
    assert not bad, f"maths properties reject a correct outsider implementation:\n{_describe(bad)}"


def test_every_contract_function_has_an_independent_oracle_in_a_maths_property():
    covered = {}
    for prop in load_properties(CONTRACT_FAMILIES):
        if prop.level == "maths":
            for function, oracle in prop.oracle.items():
                covered.setdefault(function, []).append(oracle)
    lacking = [name for name in broken.CONTRACT if name not in covered]
    assert not lacking, f"contract functions with no independent oracle in any maths property: {lacking}"


def test_every_property_has_a_level_and_validation_lives_apart_from_maths():
    props = load_properties(CONTRACT_FAMILIES)
    by_level = {level: [p.name for p in props if p.level == level] for level in ("maths", "conventions",
                                                                                 "validation")}
    assert all(by_level.values()), {k: len(v) for k, v in by_level.items()}
    assert not [n for n in by_level["maths"] if "_rejects_" in f"_{n}_"], "a maths property checks errors"


def test_every_family_has_at_least_three_broken_variants():
    per_family = {family: 0 for family in broken.FAMILIES}
    for family, _ in broken.EXPECTED_CATCHES.values():
        per_family[family] += 1
    few = {family: n for family, n in per_family.items() if n < 3}
    assert not few, f"families with fewer than three broken variants: {few}"


def test_loading_the_suite_imports_no_tensorflow_torch_or_jax():
    """The implementation under test gets a process of its own; TensorFlow oracles run apart."""
    import subprocess
    import sys

    code = ("import sys; from spec_tests.conformance import load_properties; load_properties(); "
            "print(sorted(m for m in ('tensorflow', 'keras', 'torch', 'jax', 'tfref.ops') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", f"the suite imported {done.stdout.strip()}"
