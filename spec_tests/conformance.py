"""The conformance runner behind ``tfref spec``: every registered property against one implementation.

Writes ``conformance.json`` and ``conformance.md`` and returns the outcomes; prints a table:
property, status (pass / fail / n/a), examples run, largest error.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import spec_tests
from spec_tests.hypothesis_profiles import register_profiles
from spec_tests.impl import Impl, load_impl
from spec_tests.registry import PROPERTIES, Outcome, Property, evaluate


def load_properties(families: list[str] | None = None) -> list[Property]:
    """Import every spec_tests/test_*.py module (each registers its properties)."""
    for info in pkgutil.iter_modules(spec_tests.__path__):
        if info.name.startswith("test_"):
            importlib.import_module(f"spec_tests.{info.name}")
    props = list(PROPERTIES.values())
    if families:
        unknown = set(families) - {p.family for p in props}
        if unknown:
            known = sorted({p.family for p in props})
            raise ValueError(f"unknown property families {sorted(unknown)}; known: {known}")
        props = [p for p in props if p.family in families]
    return props


def run_conformance(impl: Impl | str | None = None, families: list[str] | None = None,
                    names: list[str] | None = None, progress=None,
                    overrides: dict | None = None) -> list[Outcome]:
    """Evaluate the selected properties against ``impl`` (an Impl or a "module[:factory]" spec).

    ``overrides`` are hypothesis settings applied over each property's own (the meta-tests
    turn shrinking off: they need to know that a property fails, not its smallest example).
    """
    impl = impl if isinstance(impl, Impl) else load_impl(impl)
    props = load_properties(families)
    if names:
        props = [p for p in props if p.name in set(names)]
    outcomes = []
    for i, prop in enumerate(props, 1):
        if progress:
            progress(i, len(props), prop.name)
        outcomes.append(evaluate(prop, impl, overrides))
    return outcomes


def format_table(outcomes: list[Outcome]) -> str:
    """A Markdown table: property | family | status | examples | largest error."""
    lines = ["| property | family | status | examples | largest error |", "|---|---|---|---|---|"]
    for o in outcomes:
        err = "" if o.largest_error is None or o.status == "n/a" else f"{o.largest_error:.3g}"
        lines.append(f"| {o.name} | {o.family} | {o.status} | {o.examples} | {err} |")
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "n/a": 0}
    for o in outcomes:
        counts[o.status] += 1
    return counts


def write_reports(outcomes: list[Outcome], out_dir: Path, impl_name: str) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = summary(outcomes)
    data = {"implementation": impl_name, "summary": counts, "properties": [o.to_json() for o in outcomes]}
    (out_dir / "conformance.json").write_text(json.dumps(data, indent=2) + "\n")
    failures = [o for o in outcomes if o.status == "fail"]
    text = [f"# Conformance of `{impl_name}`", "",
            f"{counts['pass']} pass, {counts['fail']} fail, {counts['n/a']} n/a", "", format_table(outcomes)]
    if failures:
        text += ["", "## Failures", ""]
        for o in failures:
            text += [f"### {o.name}", "", "```", o.message, "```", ""]
    (out_dir / "conformance.md").write_text("\n".join(text) + "\n")


def main(impl_spec: str | None, out_dir: str | Path, families=None, stream=None) -> int:
    """Run, print the table, write the reports; return 0 when nothing fails, else 1."""
    stream = stream or sys.stdout
    profile = register_profiles()
    impl = load_impl(impl_spec)
    tty = stream.isatty()

    def progress(i, n, name):
        if tty:
            stream.write(f"\r[{i}/{n}] {name}\033[K")
            stream.flush()

    start = time.perf_counter()
    outcomes = run_conformance(impl, families=families, progress=progress)
    if tty:
        stream.write("\r\033[K")
    write_reports(outcomes, Path(out_dir), impl.name)
    counts = summary(outcomes)
    stream.write(format_table(outcomes) + "\n\n")
    stream.write(f"{impl.name}: {counts['pass']} pass, {counts['fail']} fail, {counts['n/a']} n/a "
                 f"(hypothesis profile {profile}, {time.perf_counter() - start:.1f}s); "
                 f"reports in {out_dir}/conformance.json and conformance.md\n")
    for o in outcomes:
        if o.status == "fail":
            stream.write(f"\nFAIL {o.name}: {o.message.splitlines()[0] if o.message else ''}\n")
    return 1 if counts["fail"] else 0
