"""Small helpers shared by the report writers: how a value is shown, what state a claim is in."""

from __future__ import annotations

import re

OK, FAILED, NOT_CHECKED = "ok", "failed", "not checked"


def fmt_value(value) -> str:
    """A claim's expected / measured / tolerance value as short text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def claim_status(claim: dict) -> str:
    """``"ok"``, ``"failed"`` or ``"not checked"`` for a claim in results.json's form.

    A claim may carry ``"status": "not checked"`` (a check that could not be run); otherwise its
    ``ok`` decides.
    """
    if claim.get("status") == NOT_CHECKED:
        return NOT_CHECKED
    return OK if claim.get("ok") else FAILED


def fmt_seconds(seconds: float) -> str:
    """``"4.2 s"``, ``"3 min 05 s"`` or ``"1 h 02 min"``."""
    seconds = float(seconds or 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def note_table(note: str) -> tuple[list[str], list[list[str]]] | None:
    """A note written as a markdown pipe table (header row, ``|---|`` row, body rows) as
    ``(header, rows)``; None for any other note. ``\\|`` inside a cell is a literal ``|``.

    Topics emit tables this way (e.g. the errata topic's list of every erratum) because a note
    is plain text in results.json; the HTML report shows them as tables, the markdown report as
    written.
    """
    lines = note.strip().split("\n")
    if len(lines) < 2 or not all(line.startswith("|") and line.rstrip().endswith("|")
                                 for line in lines):
        return None
    rows = [[cell.strip().replace("\\|", "|")
             for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])] for line in lines]
    if not all(re.fullmatch(r":?-{3,}:?", cell) for cell in rows[1]):
        return None
    if any(len(row) != len(rows[0]) for row in rows):
        return None
    return rows[0], rows[2:]
