"""Run a multi-worker job on this machine: N worker processes on free 127.0.0.1 ports.

Each worker gets a ``TF_CONFIG`` naming the whole cluster and its own index, the standard way
``tf.distribute.MultiWorkerMirroredStrategy`` learns its role; on a real cluster you set
``TF_CONFIG`` on each machine yourself (see the README). Every process runs in its own process
group, is bounded in time, and is killed when the job fails: when one worker dies (a crash, a
kill) the others would wait in a collective forever, so the launcher stops them and reports.

From the command line (``{index}`` in the command becomes each worker's index)::

    python -m tfref.train.launch --workers 2 -- \\
        tfref run mlp --strategy multi-worker --out report-{index}

Example:
    >>> from tfref.train.launch import free_ports, tf_config
    >>> ports = free_ports(2)
    >>> tf_config(ports, 1)["task"]
    {'type': 'worker', 'index': 1}
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["JobResult", "Worker", "free_ports", "launch", "tf_config"]


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports free on 127.0.0.1 now (bound together, then released)."""
    if count < 1:
        raise ValueError(f"count must be at least 1; got {count}")
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def tf_config(ports: list[int], index: int) -> dict:
    """The ``TF_CONFIG`` of worker ``index`` in a cluster of workers on 127.0.0.1 ``ports``."""
    if not 0 <= index < len(ports):
        raise ValueError(f"index must be in 0..{len(ports) - 1}; got {index}")
    return {"cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
            "task": {"type": "worker", "index": index}}


@dataclass
class Worker:
    """One worker process of a job and what it printed."""

    index: int
    process: subprocess.Popen
    log: Path
    returncode: int | None = None

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


@dataclass
class JobResult:
    """How a job ended: every worker's exit status and output."""

    returncodes: list[int | None]
    outputs: list[str]
    seconds: float
    timed_out: bool = False
    failed_worker: int | None = None  # the first worker that exited non-zero
    killed: list[int] = field(default_factory=list)  # workers the launcher stopped

    @property
    def ok(self) -> bool:
        return not self.timed_out and all(code == 0 for code in self.returncodes)

    def describe(self) -> str:
        lines = [f"job {'succeeded' if self.ok else 'failed'} in {self.seconds:.1f} s; exit "
                 f"codes {self.returncodes}" + (" (timed out)" if self.timed_out else "")]
        for index, text in enumerate(self.outputs):
            tail = "\n".join(text.strip().splitlines()[-15:])
            lines.append(f"--- worker {index} (last lines) ---\n{tail}")
        return "\n".join(lines)


def _stop(process: subprocess.Popen) -> None:
    """Kill a worker's whole process group, and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def start(commands: list[list[str]], log_dir: str | os.PathLike, *, env: dict | None = None,
          ports: list[int] | None = None) -> list[Worker]:
    """Start one worker per command, each with its ``TF_CONFIG``; output to ``log_dir``."""
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    ports = ports or free_ports(len(commands))
    workers = []
    try:
        for index, command in enumerate(commands):
            worker_env = dict(os.environ if env is None else env)
            worker_env["TF_CONFIG"] = json.dumps(tf_config(ports, index))
            log = log_dir / f"worker-{index}.log"
            with open(log, "wb") as handle:
                process = subprocess.Popen(command, env=worker_env, stdout=handle,
                                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                           start_new_session=True)
            workers.append(Worker(index, process, log))
    except BaseException:
        for worker in workers:
            _stop(worker.process)
        raise
    return workers


def wait(workers: list[Worker], *, timeout: float, poll: float = 0.2) -> JobResult:
    """Wait for every worker; when one fails or time runs out, kill the rest. Never hangs."""
    start_time = time.monotonic()
    deadline = start_time + timeout
    failed, killed, timed_out = None, [], False
    try:
        while True:
            for worker in workers:
                if worker.returncode is None:
                    worker.returncode = worker.process.poll()
                    if worker.returncode not in (None, 0) and failed is None:
                        failed = worker.index
            if failed is not None or all(w.returncode is not None for w in workers):
                break
            if time.monotonic() > deadline:
                timed_out = True
                break
            time.sleep(poll)
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                killed.append(worker.index)
            _stop(worker.process)
            worker.returncode = worker.process.returncode
    return JobResult([w.returncode for w in workers], [w.output() for w in workers],
                     time.monotonic() - start_time, timed_out, failed, killed)


def launch(command: list[str], num_workers: int, *, log_dir: str | os.PathLike,
           timeout: float = 600.0, env: dict | None = None) -> JobResult:
    """Run ``command`` as ``num_workers`` workers of one job on 127.0.0.1 and wait for them.

    ``{index}`` in any argument becomes the worker's index (e.g. its own output folder).

    Args:
        command: the program and its arguments, e.g. ``["tfref", "run", "mlp", "--strategy",
            "multi-worker", "--out", "report-{index}"]``.
        num_workers: how many workers, at least 1.
        log_dir: where each worker's output goes (``worker-<index>.log``).
        timeout: seconds before every worker still running is killed.
        env: the environment (default: this process's), to which ``TF_CONFIG`` is added.

    Returns:
        A :class:`JobResult`; ``result.ok`` when every worker exited 0 in time.
    """
    if num_workers < 1:
        raise ValueError(f"num_workers must be at least 1; got {num_workers}")
    if not command:
        raise ValueError("command is empty: give the program to run and its arguments")
    commands = [[part.replace("{index}", str(i)) for part in command] for i in range(num_workers)]
    return wait(start(commands, log_dir, env=env), timeout=timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tfref.train.launch",
        description="Run a command as N workers of a multi-worker job on 127.0.0.1 (TF_CONFIG "
                    "set for each); {index} in the command becomes the worker's index.")
    parser.add_argument("--workers", type=int, default=2, help="number of workers (default 2)")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="seconds before the job is killed (default 3600)")
    parser.add_argument("--logs", type=Path, default=Path("worker-logs"),
                        help="folder for each worker's output (default worker-logs/)")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="-- then the command, e.g. tfref run mlp --strategy multi-worker")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.workers < 1:
        parser.error(f"--workers must be at least 1; got {args.workers}")
    if not command:
        parser.error("give the command to run after --")
    result = launch(command, args.workers, log_dir=args.logs, timeout=args.timeout)
    print(result.describe())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
