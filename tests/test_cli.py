"""The command line, the runner and the report: exit codes, files written, determinism."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tfref import cli
from tfref.topics import CATALOGUE, topic_ids


@pytest.fixture
def fixture_topics(monkeypatch):
    monkeypatch.setitem(CATALOGUE, "fixture-failing", "tests.fixtures.failing_topic")
    monkeypatch.setitem(CATALOGUE, "fixture-raising", "tests.fixtures.raising_topic")
    monkeypatch.setitem(CATALOGUE, "fixture-random", "tests.fixtures.random_topic")


def test_list_prints_every_topic_with_its_chapter(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for topic_id in topic_ids():
        assert re.search(rf"^\s+{re.escape(topic_id)}\s+\S", out, flags=re.MULTILINE), topic_id
    assert "A. Foundations" in out


def test_unknown_topic_exits_2_and_names_the_known_ids(capsys, tmp_path):
    assert cli.main(["run", "no-such-topic", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no-such-topic" in err and "neuron" in err and "losses" in err
    assert not any(tmp_path.iterdir()), "nothing may be written for bad arguments"


def test_reproduce_with_an_unknown_topic_exits_2(capsys, tmp_path):
    assert cli.main(["reproduce", "--topic", "neuron", "--topic", "nope", "--out", str(tmp_path)]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["run"], ["run", "neuron", "--seed", "-3"], ["run", "neuron", "--seed", "x"],
                                  ["run", "neuron", "--epochs", "0"], ["frobnicate"], []])

def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2


def test_out_that_is_a_file_exits_2(tmp_path, capsys):
    target = tmp_path / "a-file"
    target.write_text("x")
    assert cli.main(["run", "neuron", "--out", str(target)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_failing_claim_exits_1_and_is_reported(fixture_topics, tmp_path, capsys):
    assert cli.main(["run", "fixture-failing", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "one plus one is three" in out
    data = json.loads((tmp_path / "results.json").read_text())
    claims = data["topics"][0]["claims"]
    assert [c["ok"] for c in claims] == [True, False]
    assert set(claims[0]) >= {"name", "expected", "measured", "tolerance", "ok"}
    assert "**NO**" in (tmp_path / "report.md").read_text()


def test_raising_topic_is_recorded_and_others_still_run(fixture_topics, tmp_path, capsys):
    code = cli.main(["reproduce", "--topic", "fixture-raising", "--topic", "fixture-random",
                     "--out", str(tmp_path)])
    assert code == 1
    topics = json.loads((tmp_path / "results.json").read_text())["topics"]
    assert [t["id"] for t in topics] == ["fixture-raising", "fixture-random"]
    assert "deliberate failure" in topics[0]["error"] and not topics[0]["ok"]
    assert topics[1]["ok"]


def test_same_seed_gives_the_same_figures_and_another_seed_does_not(fixture_topics, tmp_path):
    def measured(seed, sub):
        cli.main(["run", "fixture-random", "--seed", str(seed), "--out", str(tmp_path / sub)])
        topic = json.loads((tmp_path / sub / "results.json").read_text())["topics"][0]
        return [c["measured"] for c in topic["claims"]]

    first, again, other = measured(7, "a"), measured(7, "b"), measured(8, "c")
    assert first == again
    assert all(x != y for x, y in zip(first, other))


def test_progress_is_silent_when_output_is_not_a_terminal(fixture_topics, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from tfref import cli; from tfref.topics import CATALOGUE; "
         "CATALOGUE['fixture-random'] = 'tests.fixtures.random_topic'; "
         f"sys.exit(cli.main(['run', 'fixture-random', '--out', {str(tmp_path)!r}]))"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\033[" not in result.stderr
    assert "[1/1] ok   fixture-random" in result.stderr


def test_unknown_dataset_exits_2_and_names_the_known_ones(capsys, tmp_path):
    assert cli.main(["run", "gd-variants", "--data", "no-such-data", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no-such-data" in err and "digits" in err


def test_resume_without_a_checkpoint_dir_exits_2(capsys, tmp_path):
    assert cli.main(["run", "mlp", "--resume", "--out", str(tmp_path)]) == 2
    assert "--checkpoint-dir" in capsys.readouterr().err


def test_device_gpu_without_a_gpu_exits_2_and_says_so(capsys, tmp_path):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    assert cli.main(["run", "mlp", "--device", "gpu", "--out", str(tmp_path)]) == 2
    assert "no GPU" in capsys.readouterr().err


def test_training_options_reach_the_engine(tmp_path):
    """tfref run mlp --checkpoint-dir/--logdir: the engine writes checkpoints and event files."""
    code = cli.main(["run", "mlp", "--quick", "--checkpoint-dir", str(tmp_path / "ckpt"),
                     "--logdir", str(tmp_path / "logs"), "--out", str(tmp_path / "out")])
    assert code == 0
    assert list((tmp_path / "ckpt" / "mlp").glob("ckpt-*.index"))
    assert list((tmp_path / "logs" / "mlp").glob("events.out.tfevents.*"))


def test_bpn_checkpoints_and_resumes_bit_equal(tmp_path):
    """`tfref run bpn --checkpoint-dir ck` (issue 13): stopped after 2 epochs and resumed to 3,
    every measured figure equals the uninterrupted 3-epoch run's."""
    def measured(*flags):
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        assert cli.main(["run", "bpn", "--quick", "--out", str(out), *flags]) == 0
        return [c["measured"] for c in
                json.loads((out / "results.json").read_text())["topics"][0]["claims"]]

    straight = measured("--epochs", "3")
    measured("--epochs", "2", "--checkpoint-dir", str(tmp_path / "ck"))
    resumed = measured("--epochs", "3", "--checkpoint-dir", str(tmp_path / "ck"), "--resume")
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == [
        "bpn-002", "bpn-mixed-bias", "bpn-tfref", "bpn-unit-init"]
    assert list((tmp_path / "ck" / "bpn-tfref").glob("ckpt-3.index"))
    assert resumed == straight


def test_bench_subcommand_reaches_the_benchmark(capsys):
    try:
        code = cli.main(["bench", "--help"])
    except SystemExit as exit_info:  # argparse's --help may exit
        code = exit_info.code
    assert code == 0
    assert "--json" in capsys.readouterr().out


def test_bench_help_from_the_console_script_shows_no_tensorflow_log_lines():
    """The installed `tfref` script (not `python -m`): bench imported TensorFlow before the
    quiet block, so its native start-up lines reached the terminal."""
    code = "import sys; from tfref.cli import main; sys.exit(main(['bench', '--help']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "--json" in result.stdout
    for chatter in ("oneDNN", "absl::InitializeLog", "cuda", "I0000", "E0000"):
        assert chatter not in result.stderr, result.stderr[-2000:]


def test_run_prints_the_claim_table_and_hides_tensorflow_log_lines(tmp_path):
    """`tfref run ID` on a pipe: the topic's claims with expected and measured values; no C++ logs."""
    result = subprocess.run([sys.executable, "-m", "tfref", "run", "ewma", "--quick", "--out",
                             str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    assert re.search(r"^\s+claim\s+expected\s+measured$", out, re.M), out[:2000]
    claims = json.loads((tmp_path / "results.json").read_text())["topics"][0]["claims"]
    for claim in claims:  # every claim shows (its first line here; test_claim_table: wrapping)
        assert claim["name"][:18] in out, claim["name"]
    assert f"plots: {tmp_path}/plots/ewma-" in out
    for chatter in ("oneDNN", "absl::InitializeLog", "cuda", "I0000", "E0000"):
        assert chatter not in result.stderr, result.stderr[-2000:]


def test_a_topic_runs_as_a_script_with_the_same_options(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tfref.topics.information", "--quick", "--seed",
                             "3", "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "information:" in result.stdout and "claims hold" in result.stdout
    meta = json.loads((tmp_path / "results.json").read_text())["meta"]
    assert meta["seed"] == 3 and meta["quick"] is True
    for chatter in ("oneDNN", "absl::InitializeLog", "cuda", "I0000", "E0000"):
        assert chatter not in result.stderr, result.stderr[-2000:]


def test_only_python_m_tfref_without_verbose_hides_the_native_start():
    from tfref._quiet import run_as_tfref_module

    assert run_as_tfref_module(["python", "-m", "tfref.topics.ewma", "--quick"])
    assert run_as_tfref_module(["python", "-m", "tfref", "run", "ewma"])
    assert not run_as_tfref_module(["python", "-m", "tfref.topics.ewma", "--verbose"])
    assert not run_as_tfref_module(["python", "-m", "pytest", "tests"])
    assert not run_as_tfref_module(["python", "-m", "tfrefx"])
    assert not run_as_tfref_module(["python", "script.py", "-m", "tfref"][:2])


def test_every_topic_module_runs_as_a_script():
    import importlib.util

    for topic_id, module in CATALOGUE.items():
        name = module if "." in module else f"tfref.topics.{module}"
        with open(importlib.util.find_spec(name).origin, encoding="utf-8") as handle:
            text = handle.read()
        assert 'if __name__ == "__main__":' in text and "main(ID)" in text, (
            f"{name} ({topic_id}) cannot be run with python -m")


def test_claim_table_wraps_long_cells_and_marks_failures():
    from tfref.report import claim_table

    topic = {"claims": [
        {"name": "a claim whose text is much longer than its column " * 3, "expected": 1.5,
         "measured": 1.25, "ok": False},
        {"name": "short", "expected": "elementwise equal (1095 values)",
         "measured": "max |diff| = 2.13e-14 over 1095 values", "ok": True}]}
    text = claim_table(topic, width=80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), text
    assert lines[2].startswith("FAIL") and any(line.startswith("ok") for line in lines[3:])
    words = " ".join(text.split())
    assert "much longer than its column a claim" in words and "1095 values" in words


def test_report_files_get_the_umask_permissions(fixture_topics, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        assert cli.main(["run", "fixture-random", "--out", str(tmp_path)]) == 0
    finally:
        os.umask(old)
    for name in ("results.json", "report.md", "report.html"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o644, f"{name} has mode {oct(mode)}, expected 0o644 under umask 022"


def test_a_flag_the_topic_cannot_honour_exits_2_naming_the_topics_that_can(tmp_path, capsys):
    from tfref.topics import get_topic

    assert cli.main(["run", "kmeans", "--checkpoint-dir", str(tmp_path / "ck"), "--out",
                     str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--checkpoint-dir is not honoured by topic 'kmeans'" in err, err
    able = [t for t in CATALOGUE if "checkpoint_dir" in get_topic(t).OPTIONS]
    assert {"mlp", "bpn", "lenet", "modern-cnn"} <= set(able)
    assert "topics that honour it: " + ", ".join(able) in err, err
    assert not (tmp_path / "ck").exists() and not (tmp_path / "results.json").exists()
    assert cli.main(["run", "bpn", "--strategy", "mirrored", "--out", str(tmp_path)]) == 2
    assert "--strategy is not honoured by topic 'bpn'" in capsys.readouterr().err
    assert cli.main(["run", "ewma", "--epochs", "3", "--out", str(tmp_path)]) == 2
    assert "--epochs is not honoured by topic 'ewma'" in capsys.readouterr().err


def test_each_topic_declares_exactly_the_options_it_reads():
    """OPTIONS against the source: what a topic reads from ctx.options (or ctx.data/ctx.train)."""
    import importlib.util
    import re

    training = {"epochs", "checkpoint_dir", "resume", "logdir", "strategy", "device"}
    for topic_id, module in CATALOGUE.items():
        name = module if "." in module else f"tfref.topics.{module}"
        spec = importlib.util.find_spec(name)
        with open(spec.origin, encoding="utf-8") as handle:
            source = handle.read()
        reads = set()
        if re.search(r"resolve_dataset\(ctx|ctx\.options\.get\(\"data\"\)|ctx\.data\b", source):
            reads.add("data")
        reads |= set(re.findall(r"ctx\.options(?:\.get\(|\[)\"(epochs|logdir)\"", source))
        reads |= set(re.findall(r"ctx\.train\.(epochs|logdir)\b", source))
        if re.search(r"ctx\.options\.get\(\"train\"\)|ctx\.train\b(?!\.(?:epochs|logdir)\b)",
                     source):
            reads |= training  # the whole TrainOptions: every training option applies
            if re.search(r"fit_kwargs\([^)]*strategy=False", source):
                reads.discard("strategy")  # a step that cannot run under a strategy
        declared = set(importlib.import_module(name).OPTIONS)
        assert declared == reads, (f"{topic_id}: OPTIONS {sorted(declared)} but the code reads "
                                   f"{sorted(reads)}")
