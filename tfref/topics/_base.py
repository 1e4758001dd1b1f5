"""What a topic module is, and the context its ``run`` receives.

A topic module defines::

    ID = "activations"            # stable catalogue id (topics.md)
    TITLE = "Activation functions and their derivatives"
    CHAPTER = "A"
    SEEDS = ("000", "001", "002")  # source documents behind it
    OPTIONS = ("data", "epochs")   # the run options it honours (tfref run refuses the others):
                                   # data, epochs, checkpoint_dir, resume, logdir, strategy, device

    def run(ctx: RunContext) -> None:
        ...  # compute figures; ctx.claim_close/claim_less/claim_greater/claim(...) each claim;
            # draw with ctx.figure(...)

``run`` must be deterministic given ``ctx.seed`` and must honour ``ctx.quick`` (a few seconds in
quick mode; the full figures otherwise).
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tfref._closeness import close_elementwise


def _plain(value: Any) -> Any:
    """Make a value JSON-friendly: numpy scalars and arrays become Python numbers and lists."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if hasattr(value, "numpy"):
        return _plain(np.asarray(value))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass
class Claim:
    """One checked statement: what the documents (or maths) expect and what the run measured."""

    name: str
    expected: Any
    measured: Any
    tolerance: Any
    ok: bool
    checked: bool = True  # False: "not checked", its threshold was calibrated for other settings
    reason: str = ""  # why it was not checked

    @property
    def status(self) -> str:
        """``"ok"``, ``"failed"`` or ``"not checked"``."""
        if not self.checked:
            return "not checked"
        return "ok" if self.ok else "failed"

    def to_json(self) -> dict:
        data = {k: _plain(v) for k, v in asdict(self).items()}
        data["status"] = self.status
        return data


@dataclass
class TopicResult:
    id: str
    title: str
    chapter: str
    seconds: float = 0.0
    plots: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """No error, and every claim that was checked holds."""
        return self.error is None and all(c.ok or not c.checked for c in self.claims)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "chapter": self.chapter,
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
            "plots": list(self.plots),
            "claims": [c.to_json() for c in self.claims],
            "notes": list(self.notes),
            "error": self.error,
        }


class RunContext:
    """Handed to a topic's ``run``: settings, a seeded RNG, claim checks and plot output.

    Attributes:
        quick: small, fast settings (tests) instead of the full reproduction.
        seed: the run's seed; ``rng`` is a ``numpy.random.Generator`` seeded with it, and
            Python, NumPy and TensorFlow global seeds are set from it before ``run`` starts.
        out_dir: where plots are written (``out_dir / "plots"``).
        options: extra per-run options from the command line (e.g. ``data``, ``epochs``); read
            them typed through ``ctx.data`` and ``ctx.train``.
    """

    @property
    def data(self) -> str | None:
        """The ``--data`` option: a data set name, or None for the topic's default."""
        return self.options.get("data")

    @property
    def train(self):
        """The training options (``tfref.train.TrainOptions``): those given on the command line,
        else ``--epochs`` alone, else the defaults."""
        from tfref.train.options import TrainOptions

        given = self.options.get("train")
        if given is not None:
            return given
        return TrainOptions(epochs=self.options.get("epochs"), logdir=self.options.get("logdir"))

    def __init__(self, result: TopicResult, *, quick: bool, seed: int, out_dir: Path,
                 options: dict | None = None, show_progress: bool = False):
        self.result = result
        self.quick = quick
        self.seed = seed
        self.out_dir = Path(out_dir)
        self.options = dict(options or {})
        self.rng = np.random.default_rng(seed)
        self._show_progress = show_progress
        self._calibrated: list[tuple[str, ...]] = []

    @property
    def overridden(self) -> set[str]:
        """The settings the user changed from the topic's own: ``epochs`` (``--epochs``),
        ``data`` (``--data``)."""
        changed = set()
        train = self.options.get("train")
        if self.options.get("epochs") is not None or getattr(train, "epochs", None) is not None:
            changed.add("epochs")
        if self.options.get("data") is not None:
            changed.add("data")
        return changed

    @contextlib.contextmanager
    def calibrated_for(self, *settings: str):
        """Claims made inside hold for the topic's own ``settings`` (e.g. ``"epochs"``): when the
        user overrode one, they are recorded as "not checked: settings overridden" instead of
        being judged. Claims outside (identities, shapes) are always checked.

        Example:
            >>> ctx = RunContext(TopicResult("t", "T", "A"), quick=True, seed=0, out_dir=".",
            ...                  options={"epochs": 1})
            >>> with ctx.calibrated_for("epochs"):
            ...     ctx.claim_greater("accuracy after the topic's epochs > 0.9", 0.4, 0.9)
            True
            >>> ctx.result.claims[0].status
            'not checked'
        """
        unknown = set(settings) - {"epochs", "data"}
        if unknown or not settings:
            raise ValueError(f"calibrated_for takes 'epochs' and/or 'data'; got {list(settings)}")
        self._calibrated.append(tuple(settings))
        try:
            yield
        finally:
            self._calibrated.pop()

    def _record(self, claim: Claim) -> bool:
        changed = sorted(self.overridden & {s for group in self._calibrated for s in group})
        self.result.claims.append(claim)
        if changed:
            claim.checked = False
            claim.reason = ("settings overridden: " + ", ".join(f"--{name}" for name in changed)
                            + " (its threshold was calibrated for the topic's own)")
            return True  # not a failure: the topic goes on
        return claim.ok

    # -- claims -----------------------------------------------------------------------------
    def claim(self, name: str, ok: bool, *, expected: Any = True, measured: Any = None,
               tolerance: Any = None) -> bool:
        """Record a claim whose truth the topic decided itself (e.g. an ordering or a set)."""
        ok = bool(ok)
        return self._record(Claim(name, expected, ok if measured is None else measured, tolerance,
                                  ok))

    def claim_close(self, name: str, measured, expected, *, atol: float = 0.0,
                    rtol: float = 1e-6) -> bool:
        """Claim ``measured`` equals ``expected`` within ``atol + rtol * abs(expected)`` elementwise.

        Infinities and NaN must match exactly, by position and sign (an expected inf is never met
        by a finite value).

        Arrays are compared elementwise; the largest absolute difference is reported.
        """
        m = np.asarray(measured, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
        if m.shape != e.shape and m.size != 1 and e.size != 1:
            raise ValueError(f"claim {name!r}: measured shape {m.shape} != expected shape {e.shape}")
        ok_each, diff = close_elementwise(m, e, atol=atol, rtol=rtol)
        ok = bool(np.all(ok_each))
        if m.size == 1 and e.size == 1:
            shown_m, shown_e = float(m.reshape(())), float(e.reshape(()))
        else:
            shown_m = f"max |diff| = {float(np.max(diff)):.3g} over {diff.size} values"
            shown_e = f"elementwise equal ({e.size} values)"
        tol = f"atol={atol:g}, rtol={rtol:g}"
        return self._record(Claim(name, shown_e, shown_m, tol, ok))

    def claim_less(self, name: str, measured, bound, *, or_equal: bool = False) -> bool:
        """Claim ``measured < bound`` (or ``<=``)."""
        m, b = float(measured), float(bound)
        ok = m <= b if or_equal else m < b
        return self._record(Claim(name, f"{'<=' if or_equal else '<'} {b:.6g}", m, None, ok))

    def claim_greater(self, name: str, measured, bound, *, or_equal: bool = False) -> bool:
        """Claim ``measured > bound`` (or ``>=``)."""
        m, b = float(measured), float(bound)
        ok = m >= b if or_equal else m > b
        return self._record(Claim(name, f"{'>=' if or_equal else '>'} {b:.6g}", m, None, ok))

    def note(self, text: str) -> None:
        """A sentence for the report (data source used, fallback taken, setting chosen)."""
        self.result.notes.append(text)

    # -- plots ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def figure(self, name: str, *, nrows: int = 1, ncols: int = 1, figsize=None, **kwargs):
        """Yield ``(fig, axes)`` from ``plt.subplots`` and save it as ``plots/<id>-<name>.png``.

        The figure gets ``tight_layout`` unless a layout engine was chosen through ``kwargs``
        (``layout="constrained"`` for a colorbar shared by several axes, which tight_layout
        cannot place).
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            raise ValueError(f"plot name {name!r} must be lower-case letters, digits, '-' or '_'")
        figsize = figsize or (4.2 * ncols, 3.2 * nrows)
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=True, **kwargs)
        try:
            yield fig, axes
            if fig.get_layout_engine() is None:  # e.g. layout="constrained" was asked for
                fig.tight_layout()
            relative = Path("plots") / f"{self.result.id}-{name}.png"
            path = self.out_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=90)
            self.result.plots.append(relative.as_posix())
        finally:
            plt.close(fig)

    # -- progress ---------------------------------------------------------------------------
    def progress(self, iterable, total: int | None = None, desc: str = ""):
        """Iterate, showing ``desc i/total`` on a terminal; silent when stderr is not a terminal."""
        if not self._show_progress:
            yield from iterable
            return
        total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        for i, item in enumerate(iterable, 1):
            suffix = f"{i}/{total}" if total else str(i)
            sys.stderr.write(f"\r  {self.result.id}: {desc} {suffix}\033[K")
            sys.stderr.flush()
            yield item
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
