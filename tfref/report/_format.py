"""Small helpers shared by the report writers: how a value is shown, what state a claim is in."""

from __future__ import annotations

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
