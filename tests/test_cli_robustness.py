"""The command line as an outsider meets it: every bad or unhonourable input is refused clearly.

Exit 2 and one line saying what was wrong and what to pass instead, never a Python traceback;
nothing created on disk by a refused command; a run that stops (Ctrl-C, a report that cannot be
rendered) leaves no report that looks complete. In-process calls of ``tfref.cli.main`` with
topics that are refused before they run (or a fixture topic), plus one subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tfref import cli
from tfref.runner import error_summary
from tfref.topics import CATALOGUE


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """An empty working folder holding one plain file, ``a-file``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x")
    return tmp_path


# -------------------------------------------------------------------- refused while parsing

@pytest.mark.parametrize("flags, says", [
    (["--seed", "-1"], "argument --seed: must be a whole number >= 0"),
    (["--seed", "1.5"], "argument --seed: must be a whole number"),
    (["--seed", "abc"], "argument --seed: must be a whole number"),
    (["--seed", "nan"], "argument --seed: must be a whole number"),
    (["--seed", "4294967296"], "from 0 to 4294967295 (seeds are 32-bit)"),
    (["--seed", "99999999999999999999"], "from 0 to 4294967295"),
    (["--epochs", "0"], "argument --epochs: must be a whole number >= 1"),
    (["--epochs", "-3"], "argument --epochs: must be a whole number >= 1"),
    (["--out", ""], "argument --out: is empty; pass a directory path"),
    (["--checkpoint-dir", ""], "argument --checkpoint-dir: is empty"),
    (["--logdir", " "], "argument --logdir: is empty"),
    (["--strategy", "nope"], "argument --strategy: invalid choice: 'nope'"),
    (["--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
    (["--quick", "extra-positional"], "unrecognized arguments: extra-positional"),
])
def test_bad_values_exit_2_at_parsing_naming_the_option(flags, says, scratch, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", "mlp", *flags])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err, err
    assert _files(scratch) == ["a-file"], "a refused command must create nothing"


@pytest.mark.parametrize("command", ["run mlp", "reproduce"])
def test_the_largest_32_bit_seed_is_accepted(command):
    args = cli.build_parser().parse_args([*command.split(), "--seed", "4294967295"])
    assert args.seed == 2**32 - 1


# -------------------------------------------------------------------- refused before the run

@pytest.mark.parametrize("argv, says", [
    (["run", "nueron"], "unknown topic id: nueron (did you mean neuron?)"),
    (["run", "gd_variants"], "gd_variants (did you mean gd-variants?)"),
    (["run", "zzzz-qqqq"], "unknown topic id: zzzz-qqqq. Known ids (tfref list): neuron"),
    (["reproduce", "--topic", "neuron", "--topic", "neuron"],
     "--topic neuron named more than once"),
    (["run", "neuron", "--out", "a-file"], "--out a-file exists and is not a directory"),
    (["run", "neuron", "--out", "a-file/sub/dir"],
     "a-file is a file, so no directory can be made inside it"),
    (["reproduce", "--topic", "neuron", "--out", "a-file/x"], "a-file is a file"),
    (["run", "mlp", "--checkpoint-dir", "a-file"],
     "--checkpoint-dir a-file exists and is not a directory"),
    (["run", "mlp", "--checkpoint-dir", "a-file/ck", "--resume"], "a-file is a file"),
    (["run", "mlp", "--logdir", "a-file/logs"], "--logdir a-file/logs: a-file is a file"),
    (["run", "neuron", "--checkpoint-dir", "a-file"],  # the topic's refusal comes first
     "--checkpoint-dir is not honoured by topic 'neuron'"),
    (["run", "mlp", "--resume"], "--resume needs --checkpoint-dir"),
])
def test_inputs_that_cannot_be_honoured_exit_2_before_anything_runs(argv, says, scratch, capsys):
    assert cli.main([*argv, *([] if "--out" in argv else ["--out", "report"])]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err, err
    assert _files(scratch) == ["a-file"], "a refused command must create nothing"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("flag", ["--out", "--logdir"])
def test_a_folder_that_cannot_be_created_exits_2(flag, scratch, capsys):
    argv = ["run", "mlp", flag, "/proc/tfref-no-such-dir"]
    assert cli.main(argv + ([] if flag == "--out" else ["--out", "report"])) == 2
    err = capsys.readouterr().err
    assert f"{flag} /proc/tfref-no-such-dir: cannot create a folder in /proc" in err, err
    assert _files(scratch) == ["a-file"]


@pytest.mark.parametrize("name, value, says", [
    ("TFREF_JIT", "bogus", "TFREF_JIT must be 'xla', 'graph' or 'auto'; got 'bogus'"),
    ("TFREF_OFFLINE", "on", "TFREF_OFFLINE='on' is not understood"),
])
def test_an_environment_variable_tfref_cannot_read_exits_2(name, value, says, scratch,
                                                          monkeypatch, capsys):
    monkeypatch.setenv(name, value)
    assert cli.main(["run", "neuron", "--out", "report"]) == 2
    err = capsys.readouterr().err
    assert says in err and "unset it" in err, err
    assert _files(scratch) == ["a-file"]


# -------------------------------------------------------------------- tfref spec and bench

@pytest.mark.parametrize("impl, says", [
    ("impl_mod.py", "takes a module name, not a file path: pass --impl impl_mod"),
    ("./impl_mod.py:make", "pass --impl impl_mod:make"),
    ("/no/such/dir/impl.py", "does not exist either"),
    ("broken_mod", "the module does not compile: '(' was never closed"),
])
def test_spec_impl_given_as_a_path_or_not_compiling_exits_2(impl, says, scratch, capsys):
    pytest.importorskip("hypothesis")
    (scratch / "impl_mod.py").write_text("import numpy as np\n\ndef relu(x):\n"
                                         "    return np.maximum(x, 0)\n")
    (scratch / "broken_mod.py").write_text("def relu(x:\n")
    sys.modules.pop("broken_mod", None)
    assert cli.main(["spec", "--impl", impl, "--out", "conf"]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err, err
    assert not (scratch / "conf").exists()


@pytest.mark.parametrize("out, says", [("a-file/conf", "a-file is a file"),
                                       ("", "argument --out: is empty")])
def test_spec_out_that_cannot_be_used_exits_2_before_the_suite_runs(out, says, scratch, capsys):
    pytest.importorskip("hypothesis")
    assert cli.main(["spec", "--impl", "numpy", "--out", out]) == 2
    assert says in capsys.readouterr().err
    assert _files(scratch) == ["a-file"]


@pytest.mark.parametrize("flags", [["--seed", "-1"], ["--seed=4294967296"]])
def test_bench_seed_out_of_range_exits_2_without_running(flags, capsys):
    assert cli.main(["bench", "--models", "mlp", "--runs", "numpy", *flags]) == 2
    err = capsys.readouterr().err
    assert "tfref bench: error: argument --seed: must be a whole number" in err, err


# -------------------------------------------------------------------- runs that stop

_FIXTURE = "tfref_robustness_fixture.topic"


@pytest.fixture
def fixture_topic(monkeypatch):
    """Topic 'fixture-stops': ``behaviour`` says how its run ends."""
    module = types.ModuleType(_FIXTURE)
    module.ID, module.TITLE, module.CHAPTER, module.SEEDS, module.OPTIONS = (
        "fixture-stops", "A topic that stops", "A", (), ())
    module.behaviour = "mismatch"

    def run(ctx):
        ctx.claim_close("a claim before it stops", 2, 2)
        if module.behaviour == "interrupt":
            raise KeyboardInterrupt
        try:
            raise OSError("the cause")
        except OSError as cause:
            raise ValueError("checkpoint ck/ckpt-2 was written by a run with other settings:\n"
                             "  seed: checkpoint 0, this run 1\n"
                             "Resume with the same settings.") from cause

    module.run = run
    monkeypatch.setitem(sys.modules, _FIXTURE, module)
    monkeypatch.setitem(CATALOGUE, "fixture-stops", _FIXTURE)
    return module


def test_a_multi_line_error_is_shown_from_its_first_line(fixture_topic, scratch, capsys):
    assert cli.main(["run", "fixture-stops", "--out", "report"]) == 1
    captured = capsys.readouterr()
    assert "ERROR fixture-stops: ValueError: checkpoint ck/ckpt-2 was written by a run with " \
           "other settings:\n      seed: checkpoint 0, this run 1\n    Resume with" in captured.out
    assert "error: ValueError: checkpoint ck/ckpt-2 was written" in captured.err
    assert "(... 2 more lines in the report)" in captured.err
    topic = json.loads((scratch / "report" / "results.json").read_text())["topics"][0]
    assert "Traceback" in topic["error"], "the report keeps the whole traceback"


def test_ctrl_c_exits_130_with_one_line_and_writes_no_report(fixture_topic, scratch, capsys):
    fixture_topic.behaviour = "interrupt"
    assert cli.main(["run", "fixture-stops", "--out", "report"]) == 130
    err = capsys.readouterr().err
    assert "tfref run: interrupted; the run stopped before its report was written" in err
    assert "Traceback" not in err
    assert not list(scratch.rglob("results.json"))


def test_a_report_that_cannot_be_rendered_leaves_the_old_one_whole(fixture_topic, scratch,
                                                                   monkeypatch):
    import tfref.report as report

    (scratch / "report").mkdir()
    for name in ("results.json", "report.md", "report.html"):
        (scratch / "report" / name).write_text(f"old {name}")

    def broken_html(data, out_dir):
        raise OSError("a plot cannot be read")

    monkeypatch.setattr(report, "render_html", broken_html)
    with pytest.raises(OSError, match="a plot cannot be read"):
        report.write_report([], scratch / "report", report.default_meta(quick=True, seed=0,
                                                                         command="test"))
    for name in ("results.json", "report.md", "report.html"):
        assert (scratch / "report" / name).read_text() == f"old {name}", name


@pytest.mark.parametrize("text, expected", [
    ("Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()\n"
     "    ^^^\nKeyError: 'x'", "KeyError: 'x'"),
    ("Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()\n"
     "OSError: cause\n\nThe above exception was the direct cause of the following exception:\n\n"
     "Traceback (most recent call last):\n  File \"b.py\", line 2, in h\n    raise X\n"
     "ValueError: first\nsecond", "ValueError: first\nsecond"),
    ("no traceback at all", "no traceback at all"),
])
def test_error_summary_keeps_the_exception_message(text, expected):
    assert error_summary(text) == expected


def test_missing_data_dir_is_warned_about_not_silently_passed_over(scratch, monkeypatch, capsys):
    monkeypatch.setenv("TFREF_DATA_DIR", str(scratch / "no-such-folder"))
    assert cli.main(["run", "neuron", "--quick", "--out", "report"]) == 0
    err = capsys.readouterr().err
    assert "tfref run: warning: TFREF_DATA_DIR=" in err and "is not a directory" in err, err


def test_a_topic_script_refuses_an_out_inside_a_file_without_a_traceback(scratch):
    """``python -m tfref.topics.neuron`` from a folder outside the repository."""
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).resolve().parents[1])}
    result = subprocess.run([sys.executable, "-m", "tfref.topics.neuron", "--quick", "--out",
                             "a-file/report"], cwd=scratch, capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "a-file is a file, so no directory can be made inside it" in result.stderr
    assert "Traceback" not in result.stderr
    assert _files(scratch) == ["a-file"]


# -------------------------------------------------------------------- --data a topic cannot take

def test_every_topic_that_takes_data_declares_the_names_it_takes():
    """DATASETS lists the --data names, and each is a data set tfref can load."""
    from tfref.data import CLASSIFICATION_DATASETS
    from tfref.topics import list_topics

    taking = [m for m in list_topics() if "data" in getattr(m, "OPTIONS", ())]
    assert len(taking) >= 10
    for module in taking:
        names = getattr(module, "DATASETS", None)
        assert names, f"{module.ID} takes --data but declares no DATASETS"
        assert set(names) <= set(CLASSIFICATION_DATASETS), (module.ID, names)


@pytest.mark.parametrize("topic, name", [("mlp", "diabetes"), ("lenet", "iris"),
                                         ("bpn", "wine"), ("device", "breast_cancer")])
def test_data_a_topic_does_not_take_is_refused_before_it_runs(scratch, capsys, topic, name):
    """``run mlp --data diabetes`` trained for seconds, then failed with exit 1."""
    out = scratch / "report"
    assert cli.main(["run", topic, "--quick", "--data", name, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--data {name}: topic {topic!r} takes" in err and "Traceback" not in err, err
    assert not out.exists()
