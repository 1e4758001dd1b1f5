"""Each installed adapter, run through `tfref spec` at the maths level: no failure but its known deviations.

The properties run in worker processes, as the command runs them (a JAX run hits an XLA abort
on some transposed convolutions; the runner must turn that into a failure of one property). An
adapter whose library is not installed is skipped with the reason. Examples per property are
cut to keep the suite fast; a listed deviation that no example triggers is then "fixed", which
is allowed here (the matrix run with the ci profile is the check of the deviations files).
"""

from __future__ import annotations

import io
import json

import pytest

from spec_tests.adapters import ADAPTERS, installed

#: adapter -> the families and examples per property this test runs (the JAX adapter compiles
#: each new shape, so it runs the families without convolutions and fewer examples).
RUNS = {
    "numpy": dict(families=None, max_examples=10),
    "torch": dict(families=None, max_examples=10),
    "jax": dict(families=["activations", "information", "averages", "losses", "updates",
                          "preprocessing"], max_examples=4),
    # keras (always installed with tfref): the families whose deviations are keras' epsilon
    # clipping and divide_no_nan, where a new property most often meets a known cause anew.
    "keras": dict(families=["information", "metrics", "losses"], max_examples=5),
}

#: The fewest maths passes that say the adapter still has its functions (keras runs 3 families:
#: 22 passed on 2026-12-03).
MIN_PASSED = {"keras": 20}

SKIP = {
    "numpy": "scikit-learn or scipy is missing: install the spec extra",
    "torch": "torch is not installed: its wheel is large, so the torch adapter is checked only "
             "where torch is (pip install torch)",
    "jax": "jax is not installed: install the compare extra (pip install 'tfref[compare]')",
    "keras": "keras is not installed",
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_adapter_passes_every_maths_property_but_its_known_deviations(name, tmp_path):
    if not installed(name):
        pytest.skip(SKIP[name])
    from spec_tests.conformance import main

    stream = io.StringIO()
    status = main(name, tmp_path, levels=["maths"], stream=stream, isolate=True, **RUNS[name])
    report = json.loads((tmp_path / "conformance.json").read_text())
    assert report["complete"] and report["adapter"] == name
    bad = [f"{p['name']} [{p['status']}]: {p['message'].splitlines()[0] if p['message'] else ''}"
           for p in report["properties"] if p["status"] in ("fail", "error")]
    assert not bad, f"the {ADAPTERS[name].summary} adapter fails outside its deviations file:\n" + (
        "\n".join(bad))
    assert status == 0, stream.getvalue()[-2000:]
    passed = report["levels"]["maths"]["pass"]
    least = MIN_PASSED.get(name, 30)
    assert passed >= least, f"only {passed} maths properties passed: the adapter lost functions?"
