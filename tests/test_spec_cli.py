"""``tfref spec``: the conformance table, its files, and its exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tfref import cli

ROOT = Path(__file__).resolve().parents[1]


def test_spec_against_the_numpy_reference_passes_and_writes_reports(tmp_path, capsys):
    code = cli.main(["spec", "--impl", "spec_tests.reference_numpy", "--family", "information",
                     "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    data = json.loads((tmp_path / "conformance.json").read_text())
    assert data["implementation"] == "spec_tests.reference_numpy"
    assert data["summary"]["fail"] == 0 and data["summary"]["pass"] > 0
    row = data["properties"][0]
    assert {"name", "status", "examples", "largest_error"} <= set(row)
    assert all(p["examples"] > 0 for p in data["properties"] if p["status"] == "pass")
    assert "| property | level | family | status | examples | largest error |" in out
    assert data["levels"]["maths"]["pass"] > 0 and data["complete"] is True
    assert "| property |" in (tmp_path / "conformance.md").read_text()


def test_spec_against_a_broken_implementation_exits_1(tmp_path, capsys):
    code = cli.main(["spec", "--impl", "spec_tests.broken:kl_with_wrong_sign", "--family", "information",
                     "--out", str(tmp_path)])
    assert code == 1
    data = json.loads((tmp_path / "conformance.json").read_text())
    failed = {p["name"] for p in data["properties"] if p["status"] == "fail"}
    assert "kl_divergence_is_non_negative" in failed or any("kl" in name for name in failed)
    assert "FAIL" in capsys.readouterr().out


def test_spec_with_missing_functions_reports_na_not_fail(tmp_path, capsys):
    code = cli.main(["spec", "--impl", "spec_tests.fixtures.partial_impl", "--family", "information",
                     "--out", str(tmp_path)])
    data = json.loads((tmp_path / "conformance.json").read_text())
    statuses = {p["name"]: p["status"] for p in data["properties"]}
    assert code == 0, statuses
    assert "n/a" in statuses.values() and "pass" in statuses.values()


def test_spec_with_an_unimportable_implementation_exits_2(tmp_path, capsys):
    assert cli.main(["spec", "--impl", "no_such_module_anywhere", "--out", str(tmp_path)]) == 2
    assert "no_such_module_anywhere" in capsys.readouterr().err


@pytest.mark.parametrize("source, spec, says", [
    ("raise RuntimeError('needs a GPU')\n", "raises_on_import", "RuntimeError: needs a GPU"),
    ("def make():\n    return 1 / 0\n", "raises_on_import:make", "ZeroDivisionError"),
])
def test_spec_with_an_implementation_that_raises_while_loading_exits_2(tmp_path, monkeypatch,
                                                                       capsys, source, spec, says):
    """Not only ImportError: any exception of the module (or factory) while loading is exit 2
    with its type and message, never a traceback."""
    (tmp_path / "raises_on_import.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli.main(["spec", "--impl", spec, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err, err


def test_pytest_runs_the_same_properties_against_a_named_implementation():
    env = dict(os.environ, TFREF_SPEC_IMPL="spec_tests.reference_numpy", HYPOTHESIS_PROFILE="dev")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "spec_tests/test_information.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout


def test_spec_without_the_spec_extra_exits_2_naming_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "SPEC_EXTRA", ("hypothesis", "no_such_package_of_the_extra"))
    assert cli.main(["spec", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'tfref[spec]'" in err and "no_such_package_of_the_extra" in err


def test_spec_help_answers_without_importing_tensorflow_or_hypothesis():
    code = ("import sys, contextlib, io\nfrom tfref import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        cli.main(['spec', '--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('tensorflow', 'hypothesis', 'torch', 'jax') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr[-2000:]


def test_spec_with_only_a_misspelt_function_exits_1(tmp_path, capsys):
    code = cli.main(["spec", "--impl", "spec_tests.fixtures.misspelt_impl", "--family", "activations",
                     "--out", str(tmp_path)])
    assert code == 1
    assert "no property applied" in capsys.readouterr().out


def test_spec_levels_select_properties(tmp_path, capsys):
    code = cli.main(["spec", "--impl", "spec_tests.reference_numpy", "--family", "errors",
                     "--family", "information", "--level", "validation", "--out", str(tmp_path)])
    data = json.loads((tmp_path / "conformance.json").read_text())
    assert data["properties"] and {p["level"] for p in data["properties"]} == {"validation"}
    assert code == 0, capsys.readouterr().out


def test_spec_finds_a_module_in_the_current_directory(tmp_path):
    """`tfref spec --impl mymodule` run where mymodule.py lies, as `python -m` and pytest allow."""
    (tmp_path / "mine_softmax.py").write_text(
        "import numpy as np\n\n\ndef softmax(x, axis=-1):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    e = np.exp(x - x.max(axis=axis, keepdims=True))\n"
        "    return e / e.sum(axis=axis, keepdims=True)\n")
    script = Path(sys.executable).with_name("tfref")
    result = subprocess.run([str(script), "spec", "--impl", "mine_softmax", "--family",
                             "activations", "--level", "maths", "--out", "rep"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "rep" / "conformance.json").read_text())
    passed = {p["name"] for p in data["properties"] if p["status"] == "pass"}
    assert "softmax_matches_scipy_special_softmax" in passed, data["summary"]


def test_spec_with_an_adapter_whose_library_is_missing_says_what_to_install(monkeypatch, capsys,
                                                                            tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "jax" else real(name, *args))
    assert cli.main(["spec", "--impl", "jax", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "the jax adapter needs jax" in err and "pip install 'tfref[compare]'" in err, err


def test_pytest_pyargs_runs_the_properties_from_any_directory_and_leaves_out_the_meta_tests(
        tmp_path):
    """`pytest --pyargs spec_tests --impl M` from elsewhere: --impl comes from the pytest11 plugin."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs",
         "spec_tests.test_information", "spec_tests.test_runner", "--impl",
         "spec_tests.reference_numpy"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, HYPOTHESIS_PROFILE="dev"))
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert " passed" in out and "deselected" in out and " failed" not in out, out[-1500:]
