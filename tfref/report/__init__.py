"""Report writers: results.json, report.md and a self-contained report.html (plots embedded).

report.html (:mod:`tfref.report.html`) opens on a per-chapter dashboard and a list of failures;
each topic folds, a filter box narrows topics and claims, and plots are compressed and loaded
when their topic is opened.

Each file is written to a temporary name and renamed into place, so an interrupted run never
leaves a half-written report behind.
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path

from tfref._files import atomic_write as _atomic_write
from tfref.report._format import FAILED, NOT_CHECKED, claim_status
from tfref.report._format import fmt_value as _fmt
from tfref.report.html import render_html
from tfref.topics import CHAPTERS, TopicResult


def build_results(results: list[TopicResult], meta: dict) -> dict:
    claims = [c for r in results for c in r.claims]
    return {
        "meta": meta,
        "summary": {
            "topics": len(results),
            "topics_ok": sum(r.ok for r in results),
            "claims": len(claims),
            "claims_ok": sum(c.ok and c.checked for c in claims),
            "claims_not_checked": sum(not c.checked for c in claims),
        },
        "topics": [r.to_json() for r in results],
    }


def default_meta(*, quick: bool, seed: int, command: str) -> dict:
    import keras
    import tensorflow as tf

    return {
        "command": command,
        "quick": quick,
        "seed": seed,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "devices": [d.name for d in tf.config.list_logical_devices()],
    }


def claim_table(topic: dict, *, width: int = 100) -> str:
    """The claims of one topic (``results.json``'s form) as a plain-text table for a terminal.

    Columns: ok (ok, FAIL, or n/c for not checked), claim, expected, measured. Cells wrap
    within their column, so nothing is cut; ``width`` is the line length to fit (at least 60).
    """
    import textwrap

    width = max(60, width)
    value_w = max(14, min(26, (width - 12) // 4))
    claim_w = width - 12 - 2 * value_w
    widths = (4, claim_w, value_w, value_w)
    lines = ["  ".join(h.ljust(w) for h, w in zip(("", "claim", "expected", "measured"), widths)
                       ).rstrip(),
             "  ".join("-" * w for w in widths)]
    for c in topic["claims"]:
        mark = {FAILED: "FAIL", NOT_CHECKED: "n/c"}.get(claim_status(c), "ok")
        cells = [mark, c["name"], _fmt(c["expected"]), _fmt(c["measured"])]
        wrapped = [textwrap.wrap(" ".join(str(text).split()), w, break_long_words=True) or [""]
                   for text, w in zip(cells, widths)]
        for i in range(max(len(cell) for cell in wrapped)):
            lines.append("  ".join((cell[i] if i < len(cell) else "").ljust(w)
                                   for cell, w in zip(wrapped, widths)).rstrip())
    return "\n".join(lines)


def render_markdown(data: dict) -> str:
    s = data["summary"]
    lines = [
        "# tfref report", "",
        f"{s['topics_ok']}/{s['topics']} topics ok, {s['claims_ok']}/{s['claims']} claims ok "
        f"(seed {data['meta'].get('seed')}, {'quick' if data['meta'].get('quick') else 'full'} mode, "
        f"TensorFlow {data['meta'].get('tensorflow')}).", "",
    ]
    chapter = None
    for topic in data["topics"]:
        if topic["chapter"] != chapter:
            chapter = topic["chapter"]
            lines += [f"## {chapter}. {CHAPTERS.get(chapter, '')}".rstrip(". "), ""]
        mark = "ok" if topic["ok"] else "FAILED"
        lines += [f"### {topic['id']}: {topic['title']} ({mark}, {topic['seconds']:.1f}s)", ""]
        for note in topic["notes"]:  # every line quoted, so a table note stays one table
            lines += ["\n".join(f"> {line}".rstrip() for line in note.split("\n")), ""]
        if topic["claims"]:
            lines += ["| claim | expected | measured | tolerance | ok |", "|---|---|---|---|---|"]
            for c in topic["claims"]:
                status = claim_status(c)
                row = [c["name"], _fmt(c["expected"]), _fmt(c["measured"]), _fmt(c["tolerance"]),
                       "**NO**" if status == FAILED else "not checked" if status == NOT_CHECKED else "yes"]
                lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
            lines.append("")
        for plot in topic["plots"]:
            lines += [f"![{plot}]({plot})", ""]
        if topic["error"]:
            lines += ["```", topic["error"].strip(), "```", ""]
    return "\n".join(lines)


def write_report(results: list[TopicResult], out_dir: Path | str, meta: dict) -> dict:
    """Write results.json, report.md and report.html into ``out_dir``; return the results dict.

    All three are rendered before any is written, so a rendering that fails (a plot that cannot
    be read, a value JSON cannot hold) leaves the folder as it was, not a new results.json
    beside an old report.html.
    """
    out_dir = Path(out_dir)
    data = build_results(results, meta)
    texts = {"results.json": json.dumps(data, indent=2, allow_nan=False) + "\n",
             "report.md": render_markdown(data) + "\n",
             "report.html": render_html(data, out_dir) + "\n"}
    for name, text in texts.items():
        _atomic_write(out_dir / name, text)
    return data


__all__ = ["build_results", "claim_table", "default_meta", "render_html", "render_markdown",
           "write_report"]
