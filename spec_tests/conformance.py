"""The conformance runner behind ``tfref spec``: the contract's properties against one implementation.

For each property it reports a status (pass, fail, known, fixed, n/a, error; see
``registry.STATUSES``), its level (maths, conventions, validation), the examples run, the largest
error, and for a failure every distinct falsifying example hypothesis found. Results are written
to ``conformance.json`` and ``conformance.md`` as each property finishes, so an interrupted run
still leaves a report of what ran. Only the contract's property modules are imported (never
tfref's own tests, never TensorFlow: TensorFlow oracles run apart, see ``tf_oracle``).

Also runnable as ``python -m spec_tests.conformance --impl M`` (same options as ``tfref spec``).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import os
import sys
import time
from pathlib import Path

from spec_tests.impl import Impl, load_impl
from spec_tests.registry import FAMILIES, LEVELS, PROPERTIES, STATUSES, Outcome, Property
from tfref._files import atomic_write

#: Settings the runner applies unless ``--shrink``: shrinking finds the smallest failing input,
#: at a cost of seconds to minutes per failure; without it hypothesis reports the first failure.
NO_SHRINK = {"phases": ["explicit", "reuse", "generate"]}


def _phases(names):
    from hypothesis import Phase

    return [getattr(Phase, name) for name in names]


def contract_functions() -> tuple[str, ...]:
    """The names of the contract's functions (docs/contract.md)."""
    from spec_tests import reference_numpy

    return tuple(reference_numpy.__all__)


def load_properties(families: list[str] | None = None,
                    levels: list[str] | None = None) -> list[Property]:
    """Import the contract's property modules (spec_tests/test_<family>.py) and select."""
    if families:
        unknown = sorted(set(families) - set(FAMILIES))
        if unknown:
            raise ValueError(f"unknown property families {unknown}; known: {list(FAMILIES)}")
    if levels:
        unknown = sorted(set(levels) - set(LEVELS))
        if unknown:
            raise ValueError(f"unknown levels {unknown}; known: {list(LEVELS)}")
    for family in families or FAMILIES:
        importlib.import_module(f"spec_tests.test_{family}")
    props = [p for p in PROPERTIES.values() if p.family in (families or FAMILIES)]
    if levels:
        props = [p for p in props if p.level in levels]
    return props


def run_conformance(impl: Impl | str | None = None, families: list[str] | None = None,
                    names: list[str] | None = None, progress=None,
                    overrides: dict | None = None, levels: list[str] | None = None,
                    deviations: dict | None = None, on_outcome=None) -> list[Outcome]:
    """Evaluate the selected properties against ``impl`` (an Impl or a "module[:factory]" spec).

    ``overrides``: hypothesis settings over each property's own (the meta-tests turn shrinking
    off). ``deviations``: property -> {"reason": ...} known for this implementation: a listed
    failure becomes "known", a listed pass "fixed". ``progress(i, n, prop)`` is called before
    and ``on_outcome(outcomes_so_far)`` after each property.
    """
    from spec_tests.registry import evaluate

    impl = impl if isinstance(impl, Impl) else load_impl(impl)
    props = load_properties(families, levels)
    if names:
        wanted = set(names)
        props = [p for p in props if p.name in wanted]
    overrides = dict(overrides or {})
    if "phases" in overrides and overrides["phases"] and isinstance(overrides["phases"][0], str):
        overrides["phases"] = _phases(overrides["phases"])
    deviations = deviations or {}
    outcomes: list[Outcome] = []
    for i, prop in enumerate(props, 1):
        if progress:
            progress(i, len(props), prop)
        outcomes.append(apply_deviation(evaluate(prop, impl, overrides), deviations))
        if on_outcome:
            on_outcome(outcomes)
    return outcomes


def apply_deviation(outcome: Outcome, deviations: dict) -> Outcome:
    """A listed failure becomes "known", a listed pass "fixed" (see ``run_conformance``)."""
    known = deviations.get(outcome.name)
    if known and outcome.status == "fail":
        outcome.status, outcome.deviation = "known", known["reason"]
    elif known and outcome.status == "pass":
        outcome.status, outcome.deviation = "fixed", known["reason"]
    return outcome


# --- summaries and reports ---------------------------------------------------------------------

def summary(outcomes: list[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for o in outcomes:
        counts[o.status] += 1
    return counts


def summary_by_level(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    return {level: summary([o for o in outcomes if o.level == level]) for level in LEVELS}


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s] or s in ("pass", "fail"))


def _error_text(o: Outcome) -> str:
    if o.status in ("fail", "known") and o.failing_error is not None:
        return f"{o.failing_error:.3g} (failing)"
    if o.status in ("pass", "fixed") and o.largest_error is not None:
        return f"{o.largest_error:.3g}"
    return ""


def format_table(outcomes: list[Outcome]) -> str:
    """A Markdown table: property | level | family | status | examples | largest error."""
    lines = ["| property | level | family | status | examples | largest error |",
             "|---|---|---|---|---|---|"]
    for o in outcomes:
        lines.append(f"| {o.name} | {o.level} | {o.family} | {o.status} | {o.examples} | "
                     f"{_error_text(o)} |")
    return "\n".join(lines)


def missing_functions(outcomes: list[Outcome]) -> dict[str, int]:
    """function -> how many properties became n/a for lack of it."""
    counts: dict[str, int] = {}
    for o in outcomes:
        for name in o.missing:
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def write_reports(outcomes: list[Outcome], out_dir: Path, impl_name: str, *,
                  complete: bool = True, meta: dict | None = None) -> None:
    """Write conformance.json and conformance.md (atomically; ``complete=False`` mid-run)."""
    out_dir = Path(out_dir)
    data = {"implementation": impl_name, "complete": complete, **(meta or {}),
            "summary": summary(outcomes), "levels": summary_by_level(outcomes),
            "missing_functions": missing_functions(outcomes),
            "properties": [o.to_json() for o in outcomes]}
    atomic_write(out_dir / "conformance.json", json.dumps(data, indent=2) + "\n")
    text = [f"# Conformance of `{impl_name}`", ""]
    if not complete:
        text += ["**Incomplete: the run was interrupted or is still going.**", ""]
    text += ["| level | " + " | ".join(STATUSES) + " |", "|---|" + "---|" * len(STATUSES)]
    for level, counts in data["levels"].items():
        text.append(f"| {level} | " + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    text += ["", format_table(outcomes)]
    problems = [o for o in outcomes if o.status in ("fail", "known", "fixed", "error")]
    if problems:
        text += ["", "## Failures, known deviations and harness errors", ""]
        for o in problems:
            text += [f"### {o.name} ({o.level}, {o.status})", ""]
            if o.deviation:
                text += [f"Known deviation: {o.deviation}", ""]
            text += ["```", o.message or "(passed)", "```", ""]
    if data["missing_functions"]:
        text += ["", "## Missing functions (properties n/a for lack of them)", ""]
        text += [f"- `{name}`: {n}" for name, n in data["missing_functions"].items()]
    atomic_write(out_dir / "conformance.md", "\n".join(text) + "\n")


# --- the command -------------------------------------------------------------------------------

def resolve_impl(spec: str | None) -> tuple[str | None, str | None]:
    """("module[:factory]" to load, adapter name or None) for ``--impl``."""
    from spec_tests.adapters import ADAPTERS

    if spec in ADAPTERS:
        return ADAPTERS[spec].module, spec
    for name, adapter in ADAPTERS.items():
        if spec == adapter.module:
            return spec, name
    return spec, None


def _no_property_applied_message(impl: Impl) -> str:
    names = contract_functions()
    public = [n for n in dir(impl._target) if not n.startswith("_")]
    hints = []
    for name in public:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
        if close and close[0] != name:
            hints.append(f"{name!r} (did you mean {close[0]!r}?)")
    text = (f"no property applied: {impl.name} provides none of the functions the selected "
            f"properties need (the contract's names are in docs/contract.md)")
    if hints:
        text += "; " + ", ".join(hints[:8])
    return text


def main(impl_spec: str | None, out_dir: str | Path, families=None, stream=None, *,
         levels=None, require=None, require_all: bool = False, shrink: bool = False,
         max_examples: int | None = None, isolate: bool = True) -> int:
    """Run, print progress and the table, write the reports; return the exit status.

    0: every applicable property passed (known deviations allowed); 1: a property failed, a
    harness error, a required function is missing, or no property applied. ``isolate``: run the
    properties in a worker process, so that an implementation that crashes the interpreter
    fails the property it crashed in and the run goes on (see ``spec_tests.isolation``).
    """
    from spec_tests.adapters import known_deviations
    from spec_tests.hypothesis_profiles import register_profiles

    stream = stream or sys.stdout
    profile = register_profiles()
    module, adapter = resolve_impl(impl_spec)
    if adapter:
        from spec_tests.adapters import require_installed

        require_installed(adapter)
    impl = load_impl(module)
    if adapter:
        impl.name = adapter
    contract = contract_functions()
    wanted = list(contract) if require_all else list(require or [])
    unknown = [n for n in wanted if n not in contract]
    if unknown:
        raise ValueError(f"--require names {unknown}, which are not contract functions")
    lacking = [n for n in wanted if not impl.has(n)]
    overrides = {} if shrink else dict(NO_SHRINK)
    if max_examples is not None:
        overrides["max_examples"] = max_examples
    tty = stream.isatty()
    out_dir = Path(out_dir)
    meta = {"hypothesis_profile": profile, "shrink": shrink, "adapter": adapter,
            "isolated": isolate,
            "levels_selected": list(levels or LEVELS)}

    def progress(i, n, prop):
        if tty:
            stream.write(f"\r[{i}/{n}] {prop.name}\033[K")
            stream.flush()

    def on_outcome(outcomes):
        o = outcomes[-1]
        if not tty:
            stream.write(f"[{len(outcomes)}] {o.status:5} {o.level:11} {o.name} ({o.seconds:.1f}s)\n")
            stream.flush()
        write_reports(outcomes, out_dir, impl.name, complete=False, meta=meta)

    start = time.perf_counter()
    deviations = known_deviations(adapter) if adapter else {}
    if isolate:
        from spec_tests.isolation import run_isolated

        def on_isolated_outcome(outcomes):
            apply_deviation(outcomes[-1], deviations)
            on_outcome(outcomes)

        outcomes = run_isolated(module, load_properties(families, levels), overrides=overrides,
                                progress=progress, on_outcome=on_isolated_outcome,
                                profile=profile)
    else:
        outcomes = run_conformance(impl, families=families, levels=levels, progress=progress,
                                   overrides=overrides, on_outcome=on_outcome,
                                   deviations=deviations)
    if tty:
        stream.write("\r\033[K")
    meta["seconds"] = round(time.perf_counter() - start, 1)
    write_reports(outcomes, out_dir, impl.name, complete=True, meta=meta)
    counts = summary(outcomes)
    stream.write(format_table(outcomes) + "\n\n")
    for level, level_counts in summary_by_level(outcomes).items():
        if sum(level_counts.values()):
            stream.write(f"  {level:11} {_counts_text(level_counts)}\n")
    stream.write(f"{impl.name}: {_counts_text(counts)} (hypothesis profile {profile}, "
                 f"{meta['seconds']:.1f}s); reports in {out_dir}/conformance.json and "
                 f"conformance.md\n")
    for o in outcomes:
        if o.status in ("fail", "error"):
            first = o.message.splitlines()[0] if o.message else ""
            stream.write(f"\n{o.status.upper()} {o.name} [{o.level}]: {first}\n")
        elif o.status == "fixed":
            stream.write(f"\nFIXED? {o.name}: listed as a known deviation of {adapter}, but "
                         f"no failure was found in {o.examples} examples; if the thorough "
                         f"profile (HYPOTHESIS_PROFILE=thorough) finds none either, remove it "
                         f"from the deviations file\n")
    status = 1 if counts["fail"] or counts["error"] else 0
    applied = sum(counts[s] for s in ("pass", "fail", "known", "fixed", "error"))
    if not applied:
        stream.write("\n" + _no_property_applied_message(impl) + "\n")
        status = 1
    if lacking:
        stream.write(f"\nrequired functions missing from {impl.name}: {', '.join(lacking)}\n")
        status = 1
    return status


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The options of ``tfref spec`` (shared by ``python -m spec_tests.conformance``)."""
    parser = parser or argparse.ArgumentParser(prog="python -m spec_tests.conformance",
                                               description=__doc__.split("\n\n")[0])
    parser.add_argument("--impl", default=None, metavar="MODULE[:FACTORY]|ADAPTER",
                        help="implementation under test: a module, module:factory, or a ready "
                             "adapter: numpy, keras, torch, jax (default tfref.ops)")
    parser.add_argument("--family", action="append", metavar="F",
                        help=f"only this property family (repeatable): {', '.join(FAMILIES)}")
    parser.add_argument("--level", action="append", choices=LEVELS,
                        help="only properties of this level (repeatable; default all three)")
    parser.add_argument("--require", action="append", default=[], metavar="NAME",
                        help="fail when the implementation lacks contract function NAME (repeatable)")
    parser.add_argument("--require-all", action="store_true",
                        help="fail when the implementation lacks any contract function")
    parser.add_argument("--shrink", action="store_true",
                        help="shrink each failing example to its smallest form (slower)")
    parser.add_argument("--max-examples", type=int, default=None, metavar="N",
                        help="examples per property (default: the hypothesis profile's)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the properties in this process (starts faster; by default they "
                             "run in a worker process, so that a crash of the implementation "
                             "fails one property instead of ending the run)")
    parser.add_argument("--matrix", action="store_true",
                        help="run tfref and every adapter whose library is installed, each in its "
                             "own process, and write conformance-matrix.{md,html,json}")
    parser.add_argument("--out", type=Path, default=Path("tfref-conformance"),
                        help="directory for the reports (default tfref-conformance/)")
    return parser


def run_from_args(args, stream=None) -> int:
    # As `python -m` and pytest do: a module in the current directory can be named by --impl.
    if os.getcwd() not in [os.path.abspath(p or ".") for p in sys.path]:
        sys.path.insert(0, os.getcwd())
    if args.max_examples is not None and args.max_examples < 1:
        raise ValueError(f"--max-examples must be a whole number >= 1; got {args.max_examples}")
    if args.matrix:
        from spec_tests.matrix import run_matrix

        if args.impl or args.require or args.require_all:
            raise ValueError("--matrix runs every adapter; it cannot be combined with --impl, "
                             "--require or --require-all")
        return run_matrix(args.out, families=args.family, levels=args.level,
                          max_examples=args.max_examples, shrink=args.shrink, stream=stream,
                          isolate=not args.in_process)
    return main(args.impl, args.out, families=args.family, stream=stream, levels=args.level,
                require=args.require, require_all=args.require_all, shrink=args.shrink,
                max_examples=args.max_examples, isolate=not args.in_process)


if __name__ == "__main__":
    _args = build_parser().parse_args()
    try:
        sys.exit(run_from_args(_args))
    except ValueError as _error:
        print(f"spec: error: {_error}", file=sys.stderr)
        sys.exit(2)
