"""Run the properties in a worker process that may crash: a crash fails one property, not the run.

An implementation under test can take the Python process down with it: XLA aborting on a
check failure while compiling a transposed convolution (jax 0.10.2 on the CPU does this for
some strides), a segfault in a native kernel. ``run_isolated`` runs the properties in a worker
(``python -m spec_tests.isolation``), which reports on its own stdout, one JSON line per event::

    {"start": "<property>"}                 before each property
    {"outcome": {...Outcome.to_json()...}}  after it

If the worker dies while a property runs, that property fails with a "crash" failure naming
the signal or exit status and the last lines the worker wrote to stderr, and a new worker
carries on with the next property. Whatever the implementation prints goes to stderr, never
into the protocol.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from spec_tests.registry import FAMILIES, Failure, Outcome, Property

PREFIX = "@@tfref-spec@@ "


def outcome_from_json(data: dict) -> Outcome:
    data = dict(data)
    data["failures"] = [Failure(**f) for f in data.get("failures", [])]
    return Outcome(**data)


def _how_it_died(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


def _tail(path: Path, lines: int = 12) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if line.strip() and not line.startswith("    @ ")]
    return "\n".join(kept[-lines:])


def crash_outcome(prop: Property, returncode: int, stderr_tail: str, seconds: float) -> Outcome:
    how = _how_it_died(returncode)
    message = (f"the implementation crashed the Python process ({how}) while this property ran\n"
               f"the worker's last stderr lines:\n{stderr_tail or '(none)'}")
    return Outcome(name=prop.name, family=prop.family, status="fail", level=prop.level,
                   seconds=seconds, message=message, requires=list(prop.requires),
                   failures=[Failure("crash", message, False, how)])


def run_isolated(impl_spec: str | None, props: list[Property], *, overrides: dict | None = None,
                 progress=None, on_outcome=None, profile: str | None = None) -> list[Outcome]:
    """Evaluate ``props`` against the implementation ``impl_spec`` in worker processes.

    Same callbacks as :func:`spec_tests.conformance.run_conformance`; known deviations are the
    caller's to apply. A worker that dies between properties (not while one runs) is restarted
    at the next property; one that dies before its first property is a ValueError with its
    stderr (the implementation cannot even be loaded in a fresh process).
    """
    import time

    by_name = {p.name: p for p in props}
    order = [p.name for p in props]
    outcomes: list[Outcome] = []
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p or os.getcwd() for p in sys.path)
    if profile:
        env["HYPOTHESIS_PROFILE"] = profile
    while len(outcomes) < len(order):
        done = {o.name for o in outcomes}
        remaining = [name for name in order if name not in done]
        families = {by_name[n].family for n in remaining}
        config = {"impl": impl_spec, "names": remaining,
                  "families": [f for f in FAMILIES if f in families],
                  "overrides": overrides or {}}
        with tempfile.TemporaryDirectory(prefix="tfref-spec-") as tmp:
            err_path = Path(tmp) / "stderr.txt"
            with open(err_path, "w") as err:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "spec_tests.isolation", json.dumps(config)],
                    stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env,
                    text=True, bufsize=1)
                running, started = None, time.perf_counter()
                try:
                    for line in worker.stdout:
                        if not line.startswith(PREFIX):
                            continue
                        event = json.loads(line[len(PREFIX):])
                        if "start" in event:
                            running, started = event["start"], time.perf_counter()
                            if progress:
                                progress(len(outcomes) + 1, len(order), by_name[running])
                        elif "outcome" in event:
                            outcomes.append(outcome_from_json(event["outcome"]))
                            running = None
                            if on_outcome:
                                on_outcome(outcomes)
                    returncode = worker.wait()
                except BaseException:
                    worker.kill()
                    worker.wait()
                    raise
            tail = _tail(err_path)
        if len(outcomes) == len(order):
            break
        if running is None:
            if returncode == 0:  # the worker stopped early without a crash: a harness bug
                raise RuntimeError(f"the spec worker stopped after {len(outcomes)} of "
                                   f"{len(order)} properties without an error")
            if len(outcomes) == len(done):
                raise ValueError(f"the implementation {impl_spec or 'tfref.ops'} could not be run "
                                 f"in a worker process ({_how_it_died(returncode)}):\n{tail}")
            continue  # died between properties: carry on
        outcomes.append(crash_outcome(by_name[running], returncode, tail,
                                      time.perf_counter() - started))
        if on_outcome:
            on_outcome(outcomes)
    return outcomes


def _worker(config: dict) -> int:
    """The worker: run the named properties in order, reporting on the saved stdout."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the implementation's prints (Python or C) go to stderr
    sys.stdout = sys.stderr

    from spec_tests.conformance import run_conformance
    from spec_tests.hypothesis_profiles import register_profiles

    register_profiles()

    def send(event: dict) -> None:
        protocol.write(PREFIX + json.dumps(event) + "\n")
        protocol.flush()

    run_conformance(config["impl"], families=config["families"], names=config["names"],
                    overrides=config["overrides"],
                    progress=lambda i, n, prop: send({"start": prop.name}),
                    on_outcome=lambda outcomes: send({"outcome": outcomes[-1].to_json()}))
    return 0


if __name__ == "__main__":
    sys.exit(_worker(json.loads(sys.argv[1])))
