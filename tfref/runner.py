"""Run topics: seed everything, time each run, collect claims and plots, write the report.

``run_topics`` is what ``tfref run`` and ``tfref reproduce`` call. A topic that raises is
recorded as failed with its error (the other topics still run), so one broken topic never
hides the rest of the report.
"""

from __future__ import annotations

import random
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from tfref.topics import RunContext, TopicResult, get_topic


def error_summary(error: str, *, lines: int = 6) -> str:
    r"""The exception's own message from a recorded traceback (its type and every line of its
    text, up to ``lines``), not only the last line: a multi-line message such as a checkpoint
    mismatch ("... other settings:", "  seed: checkpoint 0, this run 1", "Resume with ...")
    keeps its first line, which says what went wrong.

    Example:
        >>> text = 'Traceback (most recent call last):\n  File "x.py", line 1, in f\n    g()\n' \
        ...        'ValueError: bad seed\n  seed: 0 vs 1\nResume with the same settings.'
        >>> error_summary(text)
        'ValueError: bad seed\n  seed: 0 vs 1\nResume with the same settings.'
        >>> error_summary(text, lines=1)
        'ValueError: bad seed (... 2 more lines in the report)'
    """
    text = error.strip().splitlines()
    start = 0
    for i, line in enumerate(text):  # the last frame of the (last) traceback
        if line.startswith('  File "'):
            start = i + 1
    while start < len(text) and text[start].startswith("    "):  # its source line, carets
        start += 1
    message = [line for line in text[start:] if line.strip()] or text[-1:]
    if len(message) > lines:
        more = len(message) - lines
        message = message[:lines]
        message[-1] += f" (... {more} more line{'s' if more > 1 else ''} in the report)"
    return "\n".join(message)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow (through keras) so every figure repeats."""
    import keras

    random.seed(seed)
    np.random.seed(seed % 2**32)
    keras.utils.set_random_seed(seed)


def run_topic(topic_id: str, *, quick: bool = False, seed: int = 0, out_dir: Path | str = "tfref-report",
              options: dict | None = None, show_progress: bool = False) -> TopicResult:
    """Run one topic and return its result; exceptions are caught and recorded as ``error``."""
    module = get_topic(topic_id)
    result = TopicResult(module.ID, module.TITLE, module.CHAPTER)
    ctx = RunContext(result, quick=quick, seed=seed, out_dir=Path(out_dir), options=options,
                     show_progress=show_progress)
    seed_everything(seed)
    start = time.perf_counter()
    try:
        module.run(ctx)
    except Exception as error:  # recorded, reported, and the run exits 1
        result.error = "".join(traceback.format_exception(type(error), error, error.__traceback__))[-4000:]
    result.seconds = time.perf_counter() - start
    return result


def run_topics(topic_ids: list[str], *, quick: bool = False, seed: int = 0,
               out_dir: Path | str = "tfref-report", options: dict | None = None,
               stream=None) -> list[TopicResult]:
    """Run the topics in order, printing one line per topic; return their results.

    On a terminal a live line shows which topic is running; elsewhere only the final line
    per topic is printed, so logs stay readable.
    """
    stream = stream or sys.stderr
    tty = hasattr(stream, "isatty") and stream.isatty()
    results = []
    for i, topic_id in enumerate(topic_ids, 1):
        if tty:
            stream.write(f"[{i}/{len(topic_ids)}] {topic_id} ...\033[K\r")
            stream.flush()
        result = run_topic(topic_id, quick=quick, seed=seed, out_dir=out_dir, options=options,
                           show_progress=tty)
        passed = sum(c.ok and c.checked for c in result.claims)
        unchecked = sum(not c.checked for c in result.claims)
        status = "ok" if result.ok else "FAIL"
        detail = f"{passed}/{len(result.claims)} claims"
        if unchecked:
            detail += f" ({unchecked} not checked: settings overridden)"
        detail += f", {len(result.plots)} plots, {result.seconds:.1f}s"
        if result.error:
            detail += f"; error: {error_summary(result.error, lines=1)}"
        stream.write(f"[{i}/{len(topic_ids)}] {status:4} {topic_id}: {detail}\033[K\n" if tty
                     else f"[{i}/{len(topic_ids)}] {status:4} {topic_id}: {detail}\n")
        stream.flush()
        results.append(result)
    return results
