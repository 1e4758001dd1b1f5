"""Multi-worker training through tf.distribute.MultiWorkerMirroredStrategy, on 127.0.0.1.

Two worker processes (tfref.train.launch: free ports, TF_CONFIG each, bounded in time, killed
on failure) train the digits MLP of tests/fixtures/multiworker_mlp.py with tfref.train.fit.
Measured on this project's 2-core machine (2026-12-03): the two workers' final weights equal a
one-process run with the same global batch (64) and seed to 1.2e-7 (largest absolute
difference; float32 sums in another order), and equal each other exactly. The tolerance below,
1e-5, leaves room for other CPUs' summation orders.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tfref.train import launch

WORKER = str(Path(__file__).resolve().parent / "fixtures" / "multiworker_mlp.py")
EPOCHS = 4
TOLERANCE = 1e-5
TIMEOUT_S = 240


def _command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, WORKER, "--epochs", str(EPOCHS), "--out", str(out), *extra]


def _weights(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def _largest_difference(a: dict, b: dict) -> float:
    keys = sorted(k for k in a if k.startswith("w"))
    assert keys == sorted(k for k in b if k.startswith("w")), (keys, sorted(b))
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in keys)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> dict:
    """The same model, data, global batch and seed, trained in one process with no strategy."""
    out = tmp_path_factory.mktemp("one-process")
    result = launch.launch(_command(out), 1, log_dir=out / "logs", timeout=TIMEOUT_S)
    assert result.ok, result.describe()
    return _weights(out / "weights-0.npz")


def test_two_workers_end_with_the_weights_of_one_process(one_process, tmp_path):
    result = launch.launch(_command(tmp_path, "--strategy", "multi-worker"), 2,
                           log_dir=tmp_path / "logs", timeout=TIMEOUT_S)
    assert result.ok, result.describe()
    chief, other = _weights(tmp_path / "weights-0.npz"), _weights(tmp_path / "weights-1.npz")
    assert "worker 1 of 2" in result.outputs[1], result.describe()
    assert _largest_difference(chief, other) == 0.0, "the two replicas diverged"
    difference = _largest_difference(chief, one_process)
    assert difference <= TOLERANCE, f"two workers vs one process: largest difference {difference}"
    np.testing.assert_allclose(chief["loss"], one_process["loss"], rtol=1e-6)


def test_a_killed_worker_is_recovered_from_the_last_checkpoint(one_process, tmp_path):
    """SIGKILL worker 1 after epoch 2; the launcher stops the job; a restart resumes and ends
    with the weights of an uninterrupted run."""
    checkpoints = tmp_path / "checkpoints"
    command = _command(tmp_path / "first", "--strategy", "multi-worker", "--checkpoint-dir",
                       str(checkpoints), "--pause", "1.5")
    workers = launch.start([command, command], tmp_path / "logs-first")
    marker = tmp_path / "first" / "epoch-1"
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while not (marker.exists() and marker.read_text().strip() in ("2", "3", "4")):
            assert time.monotonic() < deadline, "worker 1 never finished epoch 2"
            assert all(w.process.poll() is None for w in workers), (
                "a worker ended before it was killed:\n" + "\n".join(w.output() for w in workers))
            time.sleep(0.1)
        os.killpg(workers[1].process.pid, signal.SIGKILL)
    finally:
        result = launch.wait(workers, timeout=TIMEOUT_S)
    assert not result.ok and result.failed_worker == 1, result.describe()
    assert result.returncodes[1] == -signal.SIGKILL, result.describe()
    assert not (tmp_path / "first" / "weights-0.npz").exists(), "the chief finished regardless"
    assert sorted(p.name for p in checkpoints.glob("ckpt-*.index")), "no checkpoint was written"
    assert not list(checkpoints.glob(".worker-*")), "worker 1's temporary checkpoint was left"

    resumed = launch.launch(_command(tmp_path / "second", "--strategy", "multi-worker",
                                     "--checkpoint-dir", str(checkpoints), "--resume"), 2,
                            log_dir=tmp_path / "logs-second", timeout=TIMEOUT_S)
    assert resumed.ok, resumed.describe()
    chief = _weights(tmp_path / "second" / "weights-0.npz")
    assert int(chief["initial_epoch"]) >= 2, f"resumed after epoch {int(chief['initial_epoch'])}"
    difference = _largest_difference(chief, one_process)
    assert difference <= TOLERANCE, f"resumed vs uninterrupted: largest difference {difference}"


SHARD_WORKER = str(Path(__file__).resolve().parent / "fixtures" / "multiworker_shards.py")


def test_streamed_shards_are_split_between_workers_by_file(tmp_path):
    """200 examples in 4 TFRecord shards: under the multi-worker strategy each worker reads two
    whole shards (tf.distribute's auto-sharding by file), the two sets are disjoint and together
    hold every example once; fit_dataset then trains on the stream with the replicas in step."""
    from tfref.data.shards import write_shards

    examples = 200
    x = np.random.default_rng(0).normal(size=(examples, 4)).astype(np.float32)
    manifest = write_shards(x, np.arange(examples), tmp_path / "shards", num_shards=4)
    per_shard = [set(range(start, start + s["examples"])) for start, s in zip(
        np.cumsum([0] + [s["examples"] for s in manifest["shards"]][:-1]), manifest["shards"])]
    result = launch.launch([sys.executable, SHARD_WORKER, "--strategy", "multi-worker",
                            "--shards", str(tmp_path / "shards"), "--out", str(tmp_path / "out")],
                           2, log_dir=tmp_path / "logs", timeout=TIMEOUT_S)
    assert result.ok, result.describe()
    import json

    seen = [json.loads((tmp_path / "out" / f"ids-{i}.json").read_text()) for i in (0, 1)]
    assert all(len(ids) == len(set(ids)) for ids in seen), "a worker read an example twice"
    assert not set(seen[0]) & set(seen[1]), "both workers read the same examples"
    assert sorted(seen[0] + seen[1]) == list(range(examples)), "some examples were never read"
    for ids in seen:  # whole shards: each worker's set is a union of shards
        assert len(ids) == examples // 2, f"uneven split: {len(ids)} of {examples}"
        assert all(shard <= set(ids) or not shard & set(ids) for shard in per_shard), (
            "a shard was split between workers (auto-sharding by data, not by file)")
    chief, other = (_weights(tmp_path / "out" / f"weights-{i}.npz") for i in (0, 1))
    assert _largest_difference(chief, other) == 0.0, "the two replicas diverged"
    assert np.all(np.isfinite(chief["loss"])) and chief["loss"][-1] < chief["loss"][0]


def test_launcher_kills_the_job_at_its_time_limit(tmp_path):
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    start = time.monotonic()
    result = launch.launch(sleeper, 2, log_dir=tmp_path, timeout=1.0)
    assert result.timed_out and not result.ok and sorted(result.killed) == [0, 1]
    assert time.monotonic() - start < 20


def test_launcher_substitutes_the_index_and_sets_tf_config(tmp_path):
    script = ("import json, os, sys; c = json.loads(os.environ['TF_CONFIG']); "
              "print(sys.argv[1], c['task']['index'], len(c['cluster']['worker']))")
    result = launch.launch([sys.executable, "-c", script, "worker-{index}"], 3, log_dir=tmp_path,
                           timeout=60)
    assert result.ok, result.describe()
    assert [o.strip() for o in result.outputs] == ["worker-0 0 3", "worker-1 1 3", "worker-2 2 3"]


def test_bad_tf_config_is_a_clear_error(monkeypatch):
    from tfref.train.distribute import make_strategy

    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {}}')
    with pytest.raises(ValueError, match="TF_CONFIG must be JSON like"):
        make_strategy("multi-worker")
