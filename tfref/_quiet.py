"""A quiet terminal: TensorFlow's and absl's log lines kept out of the CLI's output.

TensorFlow's C++ runtime writes straight to file descriptor 2 ("oneDNN custom operations are
on", CUDA probing, "All log messages before absl::InitializeLog()"), before any Python setting
can reach it, and its Python loggers warn about tf.function retracing. :func:`quiet_stderr`
points descriptor 2 at a temporary file for the duration of a command while ``sys.stderr`` keeps
writing to the terminal, so tfref's own progress lines, warnings and tracebacks still show and
the native chatter does not. ``--verbose`` skips it. What was hidden can be shown on failure.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import warnings


def _terminal_writer(fd: int, like) -> object:
    """A line-buffered text writer on descriptor ``fd`` (a duplicate of the terminal's), with
    the encoding of ``like`` (the ``sys.stderr`` it stands in for)."""
    return os.fdopen(fd, "w", buffering=1, errors="backslashreplace",
                     encoding=getattr(like, "encoding", None) or "utf-8")


@contextlib.contextmanager
def quiet_stderr(enabled: bool = True):
    """Hide native writes to descriptor 2 and TensorFlow's Python log below ERROR.

    Yields a function returning the hidden text (for a hint on failure). Does nothing (and
    yields a function returning "") when ``enabled`` is False or stderr cannot be duplicated.
    """
    if not enabled:
        yield lambda: ""
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real descriptor (an embedding, a notebook)
        yield lambda: ""
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    capture = tempfile.TemporaryFile()
    old_stderr = sys.stderr
    try:  # sys.stderr writes to descriptor 2 (not a capture object such as pytest's)
        swap = old_stderr.fileno() == 2
    except (OSError, ValueError, AttributeError):
        swap = False
    if swap:
        sys.stderr = _terminal_writer(os.dup(saved), old_stderr)
    os.dup2(capture.fileno(), 2)
    kept: list[str] = []

    def hidden() -> str:
        """What was hidden so far (also after the block has ended)."""
        if kept:
            return kept[0]
        capture.flush()
        capture.seek(0)
        return capture.read().decode("utf-8", "replace")

    levels = {name: logging.getLogger(name).level for name in ("tensorflow", "absl", "keras")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            for module in ("tensorflow", "keras", "absl", "google"):
                warnings.filterwarnings("ignore", module=module)

            yield hidden
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sys.stderr = old_stderr  # terminal stays open: a log handler made meanwhile may hold it
        kept.append(hidden())
        capture.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def run_as_tfref_module(orig_argv=None) -> bool:
    """True when this process is ``python -m tfref...`` (the CLI or a topic as a script) without
    ``--verbose``: the case where :func:`hide_native_start` should act."""
    argv = list(getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv)
    if "--verbose" in argv or "-m" not in argv:
        return False
    position = argv.index("-m") + 1
    return position < len(argv) and (argv[position] == "tfref"
                                     or argv[position].startswith("tfref."))


def hide_native_start() -> None:
    """For ``python -m tfref...``: keep TensorFlow's import-time native lines (written to
    descriptor 2 before any command starts) off the terminal for the life of the process.

    Descriptor 2 goes to a temporary file; ``sys.stderr`` becomes a writer on the terminal, so
    Python's warnings, tracebacks and tfref's progress still show. :func:`quiet_stderr` then
    nests inside (it sees that ``sys.stderr`` is not descriptor 2 and leaves it alone).
    """
    try:
        sys.stderr.flush()
        if sys.stderr.fileno() != 2:
            return
        terminal_fd = os.dup(2)
    except (OSError, ValueError, AttributeError):
        return
    capture = tempfile.TemporaryFile()
    sys.stderr = _terminal_writer(terminal_fd, sys.stderr)
    os.dup2(capture.fileno(), 2)
    capture.close()  # descriptor 2 keeps the file open
