"""The benchmark's harness: worker processes, turns and timing, the table, JSON and the CLI.

Each implementation runs in its own worker process, so one library's thread pools
(TensorFlow's spinning Eigen threads, OpenBLAS, PyTorch's OpenMP) never slow another's loop.
The machine may be shared and noisy, so the implementations take turns for ``--repeats``
rounds and each keeps its best round. Ratios are tfref's rate over each other's, from the same
run; each row also shows its share of the workload's roofline.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from tfref.bench.runners import (
    RUN_NAMES,
    STREAM_TARGET,
    TF_RUNS,
    Runner,
    Unavailable,
    make_runner,
)
from tfref.bench.workloads import WORKLOADS, Workload
from tfref.train.options import positive_int

__all__ = ["main", "build_parser", "run_benchmarks", "format_table", "Settings",
           "bench_workload", "torch_available"]

TORCH_RUNS = ("torch", "torch-compile")


@dataclass
class Settings:
    """How long and how often to measure."""

    samples: int
    epochs: int
    repeats: int
    seed: int
    tuned_steps: tuple[int, ...]
    quick: bool
    device: str | None = None  # "cpu", "gpu" or None: where the TensorFlow runs place their work


def _placement(name: str, device: str | None):
    """``tf.device`` for a TensorFlow run when ``--device`` is given; nothing otherwise."""
    import contextlib

    if device is None or name not in TF_RUNS:
        return contextlib.nullcontext()
    from tfref.train.distribute import device_scope

    return device_scope(device)


def _worker(connection, name: str, steps_per_execution: int, settings: dict) -> None:
    """A worker process: builds one implementation's runner per workload, measures on request.

    Commands (tuples) received on ``connection``: ``("prepare", workload key)``,
    ``("measure", round index)``, ``("stop",)``. Each answer is ``("ok", value)`` or
    ``("error", traceback text)``.
    """
    runner = None
    while True:
        command = connection.recv()
        try:
            if command[0] == "stop":
                return
            if command[0] == "prepare":
                runner = None  # free the previous workload's data first
                runner = make_runner(name, steps_per_execution, WORKLOADS[command[1]],
                                     settings["seed"], settings["samples"])
                try:
                    with _placement(name, settings.get("device")):
                        runner.prepare()
                except Unavailable as why:
                    runner = None
                    connection.send(("unavailable", str(why)))
                    continue
                connection.send(("ok", runner.extra))
            elif command[0] == "measure":
                with _placement(name, settings.get("device")):
                    connection.send(("ok", runner.measure(settings["epochs"], command[1])))
        except Exception:  # report to the parent, which raises it with the worker's traceback
            connection.send(("error", traceback.format_exc()))


class _Worker:
    """The parent's handle on one worker process (or, in process, on a runner directly)."""

    def __init__(self, name: str, steps_per_execution: int, settings: Settings,
                 isolate: bool):
        self.name, self.steps_per_execution = name, steps_per_execution
        self.settings = settings
        self.extra: dict = {}
        self.best = 0.0
        self.rounds: list[float] = []
        self.unavailable: str | None = None
        self.process = None
        self.runner: Runner | None = None
        if isolate:
            context = multiprocessing.get_context("spawn")
            self.connection, child = context.Pipe()
            self.process = context.Process(
                target=_worker, args=(child, name, steps_per_execution, asdict(settings)),
                name=f"tfref-bench-{name}-{steps_per_execution}", daemon=True)
            self.process.start()
            child.close()

    def _ask(self, *command):
        self.connection.send(command)
        status, value = self.connection.recv()
        if status == "error":
            raise RuntimeError(f"benchmark worker {self.name} failed:\n{value}")
        if status == "unavailable":
            raise Unavailable(value)
        return value

    def prepare(self, workload: Workload) -> None:
        self.best, self.rounds, self.unavailable = 0.0, [], None
        try:
            if self.process is None:
                self.runner = make_runner(self.name, self.steps_per_execution, workload,
                                          self.settings.seed, self.settings.samples)
                with _placement(self.name, self.settings.device):
                    self.runner.prepare()
                self.extra = self.runner.extra
            else:
                self.extra = self._ask("prepare", workload.key)
        except Unavailable as why:
            self.unavailable, self.extra = str(why), {}

    def measure(self, round_index: int) -> float | None:
        if self.unavailable is not None:
            return None
        if self.process is None:
            samples, seconds = self.runner.measure(self.settings.epochs, round_index)
        else:
            samples, seconds = self._ask("measure", round_index)
        rate = samples / seconds
        self.rounds.append(rate)
        self.best = max(self.best, rate)
        return rate

    def stop(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.connection.send(("stop",))
            self.process.join(timeout=30)
            self.connection.close()


@dataclass
class _Run:
    """One named implementation: its worker(s) (several for the tuned keras fit)."""

    name: str
    workers: list[_Worker] = field(default_factory=list)

    @property
    def best_worker(self) -> _Worker:
        return max(self.workers, key=lambda worker: worker.best)


def bench_workload(workload: Workload, runs: list[_Run], settings: Settings,
                   say: Callable[[str], None]) -> dict:
    """Prepare every run for ``workload``, measure them in turns; return its JSON entry."""
    runs = [run for run in runs if run.name in workload.runs]
    for run in runs:
        for worker in run.workers:
            say(f"  {workload.key}: preparing {worker.name}"
                + (f" (steps_per_execution={worker.steps_per_execution})"
                   if worker.steps_per_execution != 1 else ""))
            worker.prepare(workload)
            if worker.unavailable:
                say(f"  {workload.key}: {worker.name} unavailable: {worker.unavailable}")
    workers = [worker for run in runs for worker in run.workers if worker.unavailable is None]
    for round_index in range(settings.repeats):
        shift = round_index % max(len(workers), 1)  # rotate who goes first, so no one always
        for worker in workers[shift:] + workers[:shift]:  # follows the same neighbour
            worker.measure(round_index)
        say(f"  {workload.key}: round {round_index + 1}/{settings.repeats}: "
            + "  ".join(f"{run.name} {run.best_worker.best:,.0f}" for run in runs))
    best = {run.name: run.best_worker for run in runs}
    measured = {name: worker.best for name, worker in best.items() if worker.unavailable is None}
    tfref_rate = measured.get("tfref")
    roofline_rate = measured.get("roofline")
    entries = []
    for run in runs:
        worker = best[run.name]
        if worker.unavailable is not None:
            entries.append({"name": run.name, "samples_per_second": None,
                            "unavailable": worker.unavailable})
            continue
        entry = {"name": run.name, "samples_per_second": round(worker.best, 1)}
        if tfref_rate is not None:
            entry["tfref_speedup"] = round(tfref_rate / worker.best, 3)
        if roofline_rate is not None:
            entry["roofline_share"] = round(worker.best / roofline_rate, 3)
        if worker.steps_per_execution != 1:
            entry["steps_per_execution"] = worker.steps_per_execution
        entry.update(worker.extra)
        entries.append(entry)
    result = {"model": workload.model, "description": workload.description,
              "batch_size": workload.batch_size, "samples": workload.samples(settings.samples),
              "epochs_timed": settings.epochs, "repeats": settings.repeats, "runs": entries}
    targets = {}
    if tfref_rate is not None:
        for name, factor in workload.targets.items():
            if name not in measured:
                continue
            label = (f"tfref >= {factor:.0%} of roofline" if name == "roofline"
                     else f"tfref >= {factor:g}x {name}")
            targets[label] = bool(tfref_rate >= factor * measured[name])
    if tfref_rate is not None and roofline_rate is not None:
        result["tfref_roofline_share"] = round(tfref_rate / roofline_rate, 3)
    if tfref_rate is not None and "tfref-stream" in measured:
        share = measured["tfref-stream"] / tfref_rate
        result["streaming_share_of_in_memory"] = round(share, 3)
        targets[f"streaming >= {STREAM_TARGET:.0%} of in-memory"] = bool(share >= STREAM_TARGET)
        read = next((run.get("read_only_samples_per_second") for run in entries
                     if run["name"] == "tfref-stream"), None)
        if read:  # reading, then training, one after the other: 1 / (1/train + 1/read)
            serial = 1.0 / (1.0 / tfref_rate + 1.0 / read)
            result["streaming_serial_rate"] = round(serial, 1)
            result["streaming_share_of_serial_rate"] = round(measured["tfref-stream"] / serial,
                                                             3)
    if targets:
        result["targets"] = targets
    return result


def torch_available() -> bool:
    """Whether PyTorch can be imported (it is optional)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_benchmarks(models: list[str], run_names: list[str], settings: Settings,
                   say: Callable[[str], None] = lambda message: None, *,
                   isolate: bool = True) -> dict:
    """Run the named workloads and implementations; return the JSON document.

    Args:
        models: workload keys, from ``WORKLOADS`` (``"mlp"``, ``"bpn"``, ``"lenet"``,
            ``"char-rnn"``).
        run_names: implementations, from ``RUN_NAMES`` (torch is skipped when not installed).
        settings: samples, timed epochs per round, rounds, seed, tuned steps_per_execution.
        say: called with progress messages.
        isolate: run each implementation in its own worker process (the default); False
            measures everything in this process, where the libraries' threads disturb each
            other (for debugging).

    Returns:
        ``{"benchmarks": [{"model", "batch_size", "runs": [{"name", "samples_per_second",
        "tfref_speedup", "roofline_share", ...}], "tfref_roofline_share", "targets": {...}}],
        "machine": {...}, "settings": {...}}``; a run that cannot be measured here has
        ``"samples_per_second": None`` and ``"unavailable"``: the reason.

    Raises:
        RuntimeError: when a worker fails (with the worker's traceback).
    """
    if any(name in TORCH_RUNS for name in run_names) and not torch_available():
        run_names = [name for name in run_names if name not in TORCH_RUNS]
        say("  torch is not installed; skipping the PyTorch runs")
    runs = []
    for name in run_names:
        steps = settings.tuned_steps if name == "keras-fit-tuned" else (1,)
        runs.append(_Run(name, [_Worker(name, spe, settings, isolate) for spe in steps]))
    try:
        benchmarks = [bench_workload(WORKLOADS[key], runs, settings, say) for key in models]
    finally:
        for run in runs:
            for worker in run.workers:
                worker.stop()
    return {"benchmarks": benchmarks, "machine": _machine(),
            "settings": {"samples": settings.samples, "epochs_timed": settings.epochs,
                         "device": settings.device,
                         "repeats": settings.repeats, "seed": settings.seed,
                         "quick": settings.quick, "isolated_processes": isolate,
                         "tuned_steps_per_execution": list(settings.tuned_steps)}}


def _machine() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def installed(package: str) -> str | None:
        try:
            return version(package)
        except PackageNotFoundError:
            return None

    machine = {"cpu_count": os.cpu_count(), "platform": platform.platform(),
               "processor": platform.processor() or platform.machine(),
               "python": platform.python_version(), "tensorflow": installed("tensorflow"),
               "keras": installed("keras"), "numpy": np.__version__}
    torch_version = installed("torch")
    if torch_version:
        machine["torch"] = torch_version
    return machine


def format_table(document: dict) -> str:
    """A readable table: samples/s per implementation, tfref's speed-up over each and each
    one's share of the roofline."""
    lines = []
    for bench in document["benchmarks"]:
        lines.append(f"{bench['description']}  ({bench['samples']} samples, best of "
                     f"{bench['repeats']} x {bench['epochs_timed']} epochs)")
        lines.append(f"  {'implementation':<26} {'samples/s':>12} {'tfref speed-up':>15} "
                     f"{'of roofline':>12}")
        for run in bench["runs"]:
            name = run["name"]
            if "steps_per_execution" in run:
                name += f" (spe={run['steps_per_execution']})"
            if "jit_compile" in run:
                name += f" [{run['jit_compile']}]"
            if run["samples_per_second"] is None:
                lines.append(f"  {name:<26} {'-':>12}  unavailable: {run['unavailable']}")
                continue
            speedup = f"{run['tfref_speedup']:.2f}x" if "tfref_speedup" in run else "-"
            share = f"{run['roofline_share']:.0%}" if "roofline_share" in run else "-"
            lines.append(f"  {name:<26} {run['samples_per_second']:>12,.0f} {speedup:>15} "
                         f"{share:>12}")
        if "tfref_roofline_share" in bench:
            lines.append(f"  tfref reaches {bench['tfref_roofline_share']:.0%} of the roofline "
                         "(the bare step on a resident batch)")
        if "streaming_share_of_in_memory" in bench:
            lines.append(f"  streaming from TFRecord shards: "
                         f"{bench['streaming_share_of_in_memory']:.0%} of tfref's in-memory rate")
        if "streaming_serial_rate" in bench:
            stream = next(run for run in bench["runs"] if run["name"] == "tfref-stream")
            unshuffled = stream.get("read_only_unshuffled_samples_per_second")
            lines.append(f"  reading the shards alone: {stream['read_only_samples_per_second']:,.0f}"
                         " samples/s" + (f" ({unshuffled:,.0f} in file order)" if unshuffled
                                         else "") + "; read, then train: "
                         f"{bench['streaming_serial_rate']:,.0f} (the stream reaches "
                         f"{bench['streaming_share_of_serial_rate']:.0%} of it)")
        for target, ok in bench.get("targets", {}).items():
            lines.append(f"  target {target}: {'met' if ok else 'NOT met'}")
        lines.append("")
    machine = document["machine"]
    lines.append(f"{machine['cpu_count']} CPUs, TensorFlow {machine['tensorflow']}, "
                 f"Keras {machine['keras']}, NumPy {machine['numpy']}"
                 + (f", PyTorch {machine['torch']}" if "torch" in machine else ", no PyTorch"))
    return "\n".join(lines)



# -------------------------------------------------------------------- command line

def _names(known: tuple[str, ...], option: str):
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"{option} takes a comma-separated list of {', '.join(known)}; got {text!r}")
        return names

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The ``tfref bench`` argument parser.

    Returns:
        An ``argparse.ArgumentParser`` with ``--quick --json --samples --epochs --repeats
        --models --runs --seed --in-process --verbose``.
    """
    parser = argparse.ArgumentParser(
        prog="tfref bench",
        description="Training throughput of tfref's engine beside keras Model.fit (default "
                    "and steps_per_execution tuned), a NumPy hand-coded loop, PyTorch eager and "
                    "torch.compile (when installed) and the roofline (the bare step on a "
                    "resident batch), on synthetic data shaped like the real sets.")
    parser.add_argument("--quick", action="store_true",
                        help="a short run: 10000 samples, 2 rounds, one tuned setting")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--samples", type=positive_int, default=None,
                        help="training samples (default 60000; 10000 with --quick)")
    parser.add_argument("--epochs", type=positive_int, default=None,
                        help="timed epochs per round (default 1)")
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help="rounds; each implementation keeps its best (default 5; 2 quick)")
    parser.add_argument("--models", type=_names(tuple(WORKLOADS), "--models"),
                        default=list(WORKLOADS),
                        help=f"workloads (default all): {','.join(WORKLOADS)}")
    parser.add_argument("--runs", type=_names(RUN_NAMES, "--runs"), default=list(RUN_NAMES),
                        help=f"implementations (default all): {','.join(RUN_NAMES)}")
    parser.add_argument("--seed", type=int, default=0, help="data and weight seed (default 0)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default=None,
                        help="place the TensorFlow runs (tfref, tfref-stream, keras fit, "
                             "roofline) on the "
                             "CPU or the GPU; with gpu the NumPy and PyTorch CPU runs are left "
                             "out (an error when TensorFlow sees no GPU)")
    parser.add_argument("--in-process", action="store_true",
                        help="measure every implementation in this process instead of one worker "
                             "process each (faster to start; their thread pools then interfere)")
    parser.add_argument("--verbose", action="store_true",
                        help="report progress on stderr even when it is not a terminal")
    return parser


def main(argv: list[str]) -> int:
    """Run ``tfref bench`` with ``argv``; print a table (or JSON); return the exit status.

    Args:
        argv: the arguments after ``tfref bench``.

    Returns:
        0 after a run (missed targets are reported, not an error); 2 on bad arguments.

    Example:
        ``main(["--quick", "--json"])`` prints ``{"benchmarks": [...], ...}``.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    settings = Settings(samples=args.samples or (10_000 if args.quick else 60_000),
                        epochs=args.epochs or 1,
                        repeats=args.repeats or (2 if args.quick else 5), seed=args.seed,
                        tuned_steps=(32,) if args.quick else (32, 128), quick=args.quick,
                        device=args.device)
    verbose = args.verbose or sys.stderr.isatty()

    def say(message: str) -> None:
        if verbose:
            print(message, file=sys.stderr, flush=True)

    if args.device == "gpu":
        from tfref.train.distribute import device_name

        try:
            device_name("gpu")
        except ValueError as error:
            print(f"tfref bench: error: {error}", file=sys.stderr)
            return 2
        dropped = [name for name in args.runs if name not in TF_RUNS]
        if dropped:
            say(f"  --device gpu: leaving out the CPU runs {', '.join(dropped)}")
        args.runs = [name for name in args.runs if name in TF_RUNS]

    document = run_benchmarks(args.models, args.runs, settings, say, isolate=not args.in_process)
    print(json.dumps(document, indent=2) if args.json else format_table(document))
    return 0
