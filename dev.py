#!/usr/bin/env python3
"""Set up tfref on a fresh machine and run it: the README's two commands.

    python3 dev.py reproduce [tfref reproduce options]   # set up, then run every topic
    python3 dev.py test [pytest options]                 # set up, then run the whole test suite

Set-up makes a virtual environment in ./.venv, installs the project in editable mode with
its test extras, and remembers what it installed (a stamp keyed on pyproject.toml), so a
second call reuses it and starts at once. Needs only Python 3.10+ with pip and venv.

``test`` runs the test files on two pytest-xdist workers (``-n 2 --dist loadfile``: a file's
tests stay in one process, so its module fixtures run once). Set TFREF_TEST_WORKERS=0 to run in
one process, or pass your own ``-n``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".tfref-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def _wanted_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest} python{sys.version_info.major}.{sys.version_info.minor}"


def setup() -> None:
    """Create .venv and install tfref[test] unless the stamp says it is already done."""
    if STAMP.exists() and STAMP.read_text().strip() == _wanted_stamp() and PY.exists():
        return
    if sys.version_info < (3, 10):  # noqa: UP036 (dev.py runs on whatever python3 the user has)
        sys.exit(f"tfref needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"[dev] creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("[dev] installing tfref with its test extras (first run takes a few minutes)", flush=True)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(_wanted_stamp() + "\n")


def _worker_options(rest: list[str]) -> list[str]:
    """``-n N --dist loadfile`` unless the caller chose (``-n``, ``-p no:xdist``) or N is 0."""
    workers = os.environ.get("TFREF_TEST_WORKERS", "2")
    if not workers.isdigit():
        sys.exit(f"TFREF_TEST_WORKERS must be a whole number (0: one process); got {workers!r}")
    chosen = any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) or arg == "no:xdist"
                 for arg in rest)
    if chosen or int(workers) == 0:
        return []
    return ["-n", workers, "--dist", "loadfile"]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"reproduce", "test", "setup"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    setup()
    env = dict(os.environ)
    env.setdefault("TFREF_DATA_DIR", str(ROOT.parent / "shared" / "datasets"))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if command == "setup":
        return 0
    if command == "reproduce":
        cmd = [str(PY), "-m", "tfref", "reproduce", *rest]
    else:
        cmd = [str(PY), "-m", "ruff", "check", str(ROOT)]
        lint = subprocess.run(cmd, cwd=ROOT, env=env)
        if lint.returncode != 0:
            print("[dev] ruff found problems (see above); fix them before the tests run")
            return lint.returncode
        cmd = [str(PY), "-m", "pytest", *_worker_options(rest), *rest]
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
