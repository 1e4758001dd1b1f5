"""The conformance runner reports every failure with its reason, and never passes silently.

Plain tests of spec_tests.registry/conformance (not properties): a harness error is no verdict,
every distinct failure is shown, a bare assert still says what failed, a missing function is
named, and a run that applies no property fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import types

import numpy as np
from hypothesis import strategies as st

from spec_tests.conformance import main, run_conformance
from spec_tests.impl import Impl
from spec_tests.registry import Property, evaluate
from spec_tests.tolerances import assert_close


def _prop(fn, requires=("softmax",), **strategies) -> Property:
    return Property(fn.__name__, "activations", tuple(requires), strategies, fn)


def _impl(**functions) -> Impl:
    return Impl(types.SimpleNamespace(**functions), "fixture")


def test_a_bare_assert_is_reported_with_its_source_line(tmp_path, monkeypatch):
    # a module pytest does not rewrite (an installed tfref's modules are, as a plugin's are)
    source = importlib.util.find_spec("spec_tests.fixtures.bare_assert").origin
    (tmp_path / "bare_assert_copy.py").write_text(open(source).read())
    monkeypatch.syspath_prepend(str(tmp_path))
    prop_bare = importlib.import_module("bare_assert_copy").prop_bare

    outcome = evaluate(_prop(prop_bare, x=st.floats(0, 1)), _impl(softmax=lambda v: v * 0 + 1))
    assert outcome.status == "fail"
    assert "impl.softmax(np.array([x])).sum() > 2" in outcome.message, outcome.message
    assert outcome.failures[0].kind == "assertion" and outcome.failures[0].in_property


def test_every_distinct_failure_is_shown():
    def prop_two_ways(impl, x):
        if x > 0.5:
            raise TypeError("the implementation cannot take this")
        assert_close(impl.softmax(np.array([x])), [2.0], what="softmax of one value")

    # no example database: a failure replayed from it would end the search after one bug
    outcome = evaluate(_prop(prop_two_ways, x=st.floats(0, 1)), _impl(softmax=lambda v: v),
                       overrides={"max_examples": 200, "database": None})
    kinds = sorted(f.exception for f in outcome.failures)
    assert outcome.status == "fail" and kinds == ["AssertionError", "TypeError"], outcome.message
    assert "2 distinct failures" in outcome.message and "softmax of one value" in outcome.message
    assert outcome.failing_error is not None and outcome.failing_error > 0


def test_a_harness_error_is_not_a_failure():
    def prop_unsatisfiable(impl, x):
        from hypothesis import assume

        assume(False)

    outcome = evaluate(_prop(prop_unsatisfiable, x=st.floats(0, 1)), _impl(softmax=lambda v: v))
    assert outcome.status == "error" and "harness" in outcome.message, outcome


def test_a_missing_function_is_named():
    def prop_needs_two(impl, x):
        impl.softmax(x)

    outcome = evaluate(_prop(prop_needs_two, requires=("softmax", "log_softmax")),
                       _impl(softmax=lambda v: v))
    assert outcome.status == "n/a" and outcome.missing == ["log_softmax"]
    assert "log_softmax" in outcome.message


def test_a_misspelt_module_fails_and_suggests_the_name(tmp_path, capsys):
    code = main("spec_tests.fixtures.misspelt_impl", tmp_path, families=["activations"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "no property applied" in out and "did you mean 'softmax'" in out


def test_require_fails_when_a_named_function_is_missing(tmp_path, capsys):
    code = main("spec_tests.fixtures.partial_impl", tmp_path, families=["information"],
                require=["entropy", "kl_divergence"])
    assert code == 1
    assert "required functions missing from spec_tests.fixtures.partial_impl: kl_divergence" in (
        capsys.readouterr().out)


def test_results_are_written_as_each_property_finishes(tmp_path):
    seen = []

    def on_outcome(outcomes):
        from spec_tests.conformance import write_reports

        write_reports(outcomes, tmp_path, "partial", complete=False)
        seen.append(json.loads((tmp_path / "conformance.json").read_text()))

    outcomes = run_conformance("spec_tests.fixtures.partial_impl", families=["information"],
                               on_outcome=on_outcome)
    assert [len(s["properties"]) for s in seen] == list(range(1, len(outcomes) + 1))
    assert all(s["complete"] is False for s in seen)


def test_a_known_deviation_is_reported_known_and_a_passing_one_fixed():
    outcomes = run_conformance(
        "spec_tests.broken:kl_with_wrong_sign", families=["information"],
        names=["kl_divergence_is_not_symmetric", "entropy_matches_scipy_stats_entropy"],
        deviations={"kl_divergence_is_not_symmetric": {"reason": "wrong sign"},
                    "entropy_matches_scipy_stats_entropy": {"reason": "listed by mistake"}})
    status = {o.name: o.status for o in outcomes}
    assert status == {"kl_divergence_is_not_symmetric": "known",
                      "entropy_matches_scipy_stats_entropy": "fixed"}, status


def test_a_crashing_implementation_fails_the_property_it_crashed_in_and_the_run_goes_on():
    """An abort() in softmax: each softmax property fails with a crash, the others still pass."""
    from spec_tests.conformance import load_properties
    from spec_tests.isolation import run_isolated

    props = load_properties(["activations"], ["maths"])
    relu = [p for p in props if p.requires in (("relu",), ("tanh",))][:2]
    soft = [p for p in props if p.requires == ("softmax",)][:2]
    chosen = [relu[0], soft[0], soft[1], relu[1]]
    seen = []
    outcomes = run_isolated("spec_tests.fixtures.crashing_impl", chosen,
                            overrides={"max_examples": 5},
                            on_outcome=lambda so_far: seen.append(so_far[-1].name))
    by_name = {o.name: o for o in outcomes}
    assert sorted(by_name) == sorted(p.name for p in chosen), by_name
    assert [o.name for o in outcomes] == seen  # each reported as it ended
    for prop in soft:
        outcome = by_name[prop.name]
        assert outcome.status == "fail" and outcome.failures[0].kind == "crash", outcome
        assert "SIGABRT" in outcome.message, outcome.message
    for prop in relu:
        assert by_name[prop.name].status == "pass", by_name[prop.name].message


def test_an_implementation_that_cannot_load_in_the_worker_is_an_error_not_a_verdict(tmp_path,
                                                                                    monkeypatch):
    import pytest

    from spec_tests.conformance import load_properties
    from spec_tests.isolation import run_isolated

    (tmp_path / "dies_on_import.py").write_text("import os\nos._exit(3)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="could not be run in a worker process .exited with status 3"):
        run_isolated("dies_on_import", load_properties(["activations"], ["maths"])[:2])
