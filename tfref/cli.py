"""The ``tfref`` command line.

    tfref list                                   list the topics (id, chapter, title)
    tfref run ID [--quick] [--seed N] [--out DIR] [--data NAME] [--epochs N]
              [--checkpoint-dir DIR [--resume]] [--logdir DIR] [--strategy mirrored] [--device gpu]
                                                 run one topic
    tfref bench [--quick] [--json]               training throughput against keras fit, NumPy, torch
    tfref reproduce [--quick] [--topic ID ...] [--seed N] [--out DIR]
                                                 run every (or the named) topic and write the report
    tfref spec [--impl MODULE[:FACTORY]|numpy|keras|torch|jax] [--level L ...] [--family F ...]
               [--require NAME ...] [--require-all] [--shrink] [--matrix] [--out DIR]
                                                 run the conformance suite against an implementation

Exit status: 0 when every claim (or property) holds, 1 when one fails, 2 on bad arguments (an
option the topic does not honour, a folder that cannot be written, a TFREF_* variable tfref cannot
read: refused before anything runs or is created), 130 when interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from pathlib import Path

from tfref._whole import parse_whole
from tfref.topics import CATALOGUE, CHAPTERS


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse already exits 2; keep its message, add a hint
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nRun 'tfref --help' for the commands.\n")


#: The largest seed: NumPy's and keras's seeds are 32-bit.
MAX_SEED = 2**32 - 1


def _seed(text: str) -> int:
    """--seed: a whole number from 0 to 2**32 - 1 by the project's one rule ("3" and "3.0"
    give 3); a larger one would stop the run inside keras.utils.set_random_seed."""
    value = parse_whole(text, minimum=0)
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_SEED} "
                                         f"(seeds are 32-bit); got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tfref", description="TensorFlow 2 / Keras 3 reference implementations "
                     "of the classic ML and deep-learning curriculum.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    from tfref.train.options import add_training_arguments, directory_path

    sub.add_parser("list", help="list the topics (id, chapter, title)")

    def add_run_options(p):
        p.add_argument("--quick", action="store_true", help="small, fast settings (seconds per topic)")
        p.add_argument("--verbose", action="store_true",
                       help="show TensorFlow's and absl's log lines (hidden by default)")
        p.add_argument("--seed", type=_seed, default=0, help="seed for every random draw (default 0)")
        p.add_argument("--out", type=directory_path, default=Path("tfref-report"),
                       help="output directory for results.json, report.md, report.html (default tfref-report/)")

    run = sub.add_parser("run", help="run one topic")
    run.add_argument("topic", metavar="ID", help="topic id (see 'tfref list')")
    add_run_options(run)
    run.add_argument("--data", metavar="NAME", default=None,
                     help="dataset for topics that can use several (e.g. digits, fashion-mnist)")
    add_training_arguments(run)  # --epochs --checkpoint-dir --resume --logdir --strategy --device

    bench = sub.add_parser("bench", add_help=False,
                           help="training throughput: tfref vs keras fit, NumPy and PyTorch")
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)

    reproduce = sub.add_parser("reproduce", help="run every topic (or those named) and write the report")
    reproduce.add_argument("--topic", action="append", metavar="ID", help="run only this topic (repeatable)")
    add_run_options(reproduce)

    spec = sub.add_parser("spec", help="run the conformance suite against an implementation of the contract")
    from spec_tests.conformance import (
        build_parser as build_spec_parser,  # light: no TF, no hypothesis
    )

    build_spec_parser(spec)
    return parser


def _check_dir(flag: str, path: Path | None) -> str | None:
    """A directory option that cannot be written: ``path`` is a file, lies inside a file, or
    its folder refuses a new entry (probed by making and removing a temporary folder in the
    nearest existing one, so nothing is left behind and the run has not started)."""
    if path is None:
        return None
    if path.exists() and not path.is_dir():
        return f"{flag} {path} exists and is not a directory; pass a directory path"
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return (f"{flag} {path}: {existing} is a file, so no directory can be made inside it; "
                "pass a directory path outside it")
    try:
        os.rmdir(tempfile.mkdtemp(dir=existing, prefix=".tfref-probe-"))
    except OSError as error:
        reason = error.strerror or str(error)
        return (f"{flag} {path}: cannot {'write in' if existing == path else 'create a folder in'}"
                f" {existing} ({reason}); pass a directory you can write to")
    return None


def _check_dirs(args) -> str | None:
    """The first of --out, --checkpoint-dir, --logdir that cannot be written (else None)."""
    for flag, name in (("--out", "out"), ("--checkpoint-dir", "checkpoint_dir"),
                       ("--logdir", "logdir")):
        problem = _check_dir(flag, getattr(args, name, None))
        if problem:
            return problem
    return None


def _suggest(name: str, known) -> str:
    """' (did you mean X?)' for a near miss of one of ``known`` ('gd_variants', 'nueron')."""
    known = list(known)
    folded = name.strip().lower().replace("_", "-")
    close = ([folded] if folded in known and folded != name else
             difflib.get_close_matches(folded, known, n=3, cutoff=0.6))
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def _unknown_topics(ids: list[str]) -> str | None:
    unknown = [i for i in ids if i not in CATALOGUE]
    if unknown:
        named = ", ".join(f"{i}{_suggest(i, CATALOGUE)}" for i in unknown)
        return (f"unknown topic id{'s' if len(unknown) > 1 else ''}: {named}. "
                f"Known ids (tfref list): {', '.join(CATALOGUE)}")
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        return (f"--topic {', '.join(twice)} named more than once; name each topic once "
                "(it would run again and appear twice in the report)")
    return None


#: Values of $TFREF_OFFLINE that tfref reads (the first three mean offline).
_OFFLINE_VALUES = ("1", "true", "yes", "0", "false", "no", "")


def _environment_problem() -> str | None:
    """A TFREF_* variable set to a value tfref would ignore or stop on mid-run (else None)."""
    offline = os.environ.get("TFREF_OFFLINE")
    if offline is not None and offline.strip().lower() not in _OFFLINE_VALUES:
        return (f"TFREF_OFFLINE={offline!r} is not understood; set it to 1 (no downloads) or "
                "0, or unset it")
    if os.environ.get("TFREF_JIT", "").strip():
        from tfref.train.jit import pinned_by_environment

        try:
            pinned_by_environment()
        except ValueError as error:
            return f"{error}; set it to one of those or unset it"
    return None


def _environment_warning() -> str | None:
    """TFREF_DATA_DIR set to something that is not a directory: the loaders then fall back to
    the Keras cache and downloads (documented: the folder need not exist), so only a warning."""
    from tfref.data.remote import cache_dir, data_dir

    folder = data_dir()
    if folder is not None and not folder.is_dir():
        return (f"TFREF_DATA_DIR={str(folder)!r} is not a directory; datasets will be read "
                f"from {cache_dir()} or downloaded. Point it at the folder that holds the "
                "datasets, or unset it")
    return None


def _unknown_dataset(name: str | None) -> str | None:
    if name is None:
        return None
    from tfref.data import CLASSIFICATION_DATASETS, EMBEDDED_DATASETS, canonical_name

    known = list(dict.fromkeys([*CLASSIFICATION_DATASETS, *EMBEDDED_DATASETS]))
    try:
        if canonical_name(name) in known:
            return None
    except ValueError:
        pass
    return f"unknown dataset {name!r} for --data; known: {', '.join(known)}"


def _bad_training_options(args) -> str | None:
    if getattr(args, "resume", False) and getattr(args, "checkpoint_dir", None) is None:
        return "--resume needs --checkpoint-dir DIR (the directory to resume from)"
    if getattr(args, "device", None) == "gpu":
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            return ("--device gpu: TensorFlow sees no GPU on this machine; install the gpu extra "
                    "(pip install -e '.[gpu]') on a machine with an NVIDIA GPU, or drop --device")
    return None


#: Run flags -> (the option name topics declare in OPTIONS, whether the flag was given).
_OPTION_FLAGS = {
    "--data": ("data", lambda a: getattr(a, "data", None) is not None),
    "--epochs": ("epochs", lambda a: getattr(a, "epochs", None) is not None),
    "--checkpoint-dir": ("checkpoint_dir", lambda a: getattr(a, "checkpoint_dir", None) is not None),
    "--resume": ("resume", lambda a: bool(getattr(a, "resume", False))),
    "--logdir": ("logdir", lambda a: getattr(a, "logdir", None) is not None),
    "--strategy": ("strategy", lambda a: getattr(a, "strategy", "default") not in (None, "default")),
    "--device": ("device", lambda a: getattr(a, "device", None) is not None),
}


def _options_not_honoured(topic_id: str, args) -> str | None:
    """A flag given to ``tfref run`` that the topic does not declare in OPTIONS (else None)."""
    from tfref.topics import get_topic, list_topics

    topic = get_topic(topic_id)
    honoured = set(getattr(topic, "OPTIONS", ()))
    refused = [flag for flag, (name, given) in _OPTION_FLAGS.items()
               if given(args) and name not in honoured]
    if not refused:
        return _dataset_not_taken(topic, args)
    lines = []
    for flag in refused:
        name = _OPTION_FLAGS[flag][0]
        able = [m.ID for m in list_topics() if name in getattr(m, "OPTIONS", ())]
        lines.append(f"{flag} is not honoured by topic {topic_id!r}; topics that honour it: "
                     f"{', '.join(able) or 'none'}")
    return "; ".join(lines)


def _dataset_not_taken(topic, args) -> str | None:
    """``--data NAME`` for a topic whose DATASETS does not hold NAME (refused before the topic
    runs, instead of failing after it has trained on part of its work)."""
    name = getattr(args, "data", None)
    names = getattr(topic, "DATASETS", None)
    if name is None or names is None:
        return None
    from tfref.data import canonical_name

    try:
        key = canonical_name(name)
    except ValueError:
        key = name
    if key in tuple(canonical_name(n) for n in names):
        return None
    return (f"--data {name}: topic {topic.ID!r} takes {', '.join(names)}; pass one of those "
            "(or leave --data out for its default)")


def cmd_list() -> int:
    from tfref.topics import list_topics

    rows = [(m.ID, m.CHAPTER, m.TITLE) for m in list_topics()]
    width = max(len(r[0]) for r in rows)
    chapter = None
    for topic_id, chap, title in rows:
        if chap != chapter:
            chapter = chap
            print(f"\n{chap}. {CHAPTERS.get(chap, '')}")
        print(f"  {topic_id:<{width}}  {title}")
    return 0


def cmd_run(ids: list[str], args, command: str) -> int:
    from tfref.report import default_meta, write_report
    from tfref.runner import run_topics

    options = {"data": getattr(args, "data", None), "epochs": getattr(args, "epochs", None),
               "logdir": getattr(args, "logdir", None)}
    if args.command == "run":
        from tfref.train.options import TrainOptions

        options["train"] = TrainOptions.from_args(args)
        if options["train"].strategy == "multi-worker":  # before TensorFlow runs anything else
            try:
                options["train"].get_strategy()
            except (ValueError, RuntimeError) as error:
                print(f"tfref run: error: {error}", file=sys.stderr)
                return 2
    results = run_topics(ids, quick=args.quick, seed=args.seed, out_dir=args.out, options=options)
    data = write_report(results, args.out, default_meta(quick=args.quick, seed=args.seed, command=command))
    s = data["summary"]
    if args.command == "run":
        import shutil

        from tfref.report import claim_table

        topic = data["topics"][0]
        ok = sum(c.get("status", "ok" if c["ok"] else "failed") == "ok" for c in topic["claims"])
        unchecked = [c for c in topic["claims"] if c.get("status") == "not checked"]
        extra = f", {len(unchecked)} not checked: settings overridden" if unchecked else ""
        print(f"\n{topic['id']}: {topic['title']} ({ok}/{len(topic['claims'])} claims hold"
              f"{extra}, {topic['seconds']:.1f} s)\n")
        if topic["claims"]:
            print(claim_table(topic, width=shutil.get_terminal_size((100, 24)).columns) + "\n")
        for note in topic["notes"]:
            print(f"note: {note}")
        if topic["plots"]:
            print(f"plots: {', '.join(str(args.out / p) for p in topic['plots'])}")
    unchecked = (f", {s['claims_not_checked']} not checked (settings overridden)"
                 if s.get("claims_not_checked") else "")
    print(f"{s['topics_ok']}/{s['topics']} topics ok, {s['claims_ok']}/{s['claims']} claims ok"
          f"{unchecked}; report in {args.out}/report.html (and report.md, results.json)")
    for topic in data["topics"]:
        for claim in topic["claims"]:
            if claim.get("status", "failed") == "failed" and not claim["ok"]:
                print(f"FAILED {topic['id']}: {claim['name']}: expected {claim['expected']}, "
                      f"measured {claim['measured']}")
        if topic["error"]:
            from tfref.runner import error_summary

            print(f"ERROR {topic['id']}: " + error_summary(topic["error"]).replace("\n", "\n    "))
    return 0 if s["topics_ok"] == s["topics"] else 1


#: What ``tfref spec`` needs beyond tfref's own dependencies: the ``spec`` extra.
SPEC_EXTRA = ("hypothesis", "scipy")


def cmd_spec(args, problem: str | None) -> int:
    """``tfref spec``: the conformance suite (spec_tests.conformance) with the CLI's exit codes."""
    import importlib.util

    absent = [name for name in SPEC_EXTRA if importlib.util.find_spec(name) is None]
    if absent:
        print(f"tfref spec: error: the spec extra is not installed ({', '.join(absent)} missing); "
              f"install it with: pip install 'tfref[spec]'", file=sys.stderr)
        return 2
    problem = problem or _impl_problem(getattr(args, "impl", None))
    if problem:
        print(f"tfref spec: error: {problem}", file=sys.stderr)
        return 2
    from spec_tests.conformance import run_from_args

    try:
        return run_from_args(args)
    except ValueError as error:
        print(f"tfref spec: error: {error}", file=sys.stderr)
        return 2


def _impl_problem(impl: str | None) -> str | None:
    """--impl given as a file path, or naming a module whose source does not compile (the
    import would stop with a traceback): the message says what to pass instead."""
    if not impl:
        return None
    module_name, colon, factory = impl.partition(":")
    if module_name.endswith(".py") or "/" in module_name or os.sep in module_name:
        path = Path(module_name)
        if not path.is_file():
            return (f"--impl takes a module name, not a file path, and {module_name} does not "
                    "exist either; a file NAME.py in the current folder or on PYTHONPATH is "
                    "--impl NAME")
        folder = path.resolve().parent
        here = folder == Path.cwd().resolve()
        return (f"--impl takes a module name, not a file path: pass --impl {path.stem}{colon}"
                f"{factory}" + ("" if here else f" and run from {folder} (or add it to "
                                                  "PYTHONPATH)"))
    import importlib.util

    from spec_tests.conformance import resolve_impl

    module_name = (resolve_impl(impl)[0] or "").partition(":")[0]
    if os.getcwd() not in [os.path.abspath(p or ".") for p in sys.path]:
        sys.path.insert(0, os.getcwd())  # as run_from_args: a module in the current directory
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None  # the import itself says what is missing
    origin = getattr(spec, "origin", None) if spec is not None else None
    if not origin or not origin.endswith(".py"):
        return None
    try:
        compile(Path(origin).read_bytes(), origin, "exec")
    except SyntaxError as error:
        return (f"--impl {impl}: the module does not compile: {error.msg} ({error.filename}, line "
                f"{error.lineno}); fix it and rerun")
    except OSError:
        return None
    return None


def _bench_seed_problem(argv: list[str]) -> str | None:
    """``tfref bench --seed``: the same 0 .. 2**32 - 1 rule as ``tfref run`` (the benchmark's own
    parser takes any int, and a negative one stopped the run with a traceback)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--seed" or arg.startswith("--seed="):
            text = arg.partition("=")[2] if "=" in arg else (argv[i + 1] if i + 1 < len(argv) else None)
            if text is None:
                return None  # the benchmark's parser says the value is missing
            try:
                _seed(text)
            except argparse.ArgumentTypeError as error:
                return f"argument --seed: {error}"
    return None


def main(argv: list[str] | None = None) -> int:
    """``tfref COMMAND ...``: the exit status (0 ok, 1 a claim or property failed, 2 bad
    arguments, 130 interrupted). Ctrl-C ends a run with one line, not a traceback; the report
    of an interrupted run is not written (files already made, plots or checkpoints, stay)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _dispatch(argv)
    except KeyboardInterrupt:
        command = next((a for a in argv if not a.startswith("-")), "")
        print(f"\ntfref {command}: interrupted; the run stopped before its report was written",
              file=sys.stderr)
        return 130


def _dispatch(argv: list[str]) -> int:
    if argv[:1] == ["bench"]:  # the benchmark parses its own options (tfref bench --help)
        problem = _bench_seed_problem(argv[1:])
        if problem:
            print(f"tfref bench: error: {problem}", file=sys.stderr)
            return 2
        from tfref._quiet import quiet_stderr

        with quiet_stderr("--verbose" not in argv):  # its workers inherit the quiet stderr
            from tfref.bench import main as bench_main  # imports TensorFlow: inside the block

            return bench_main(argv[1:])
    if argv[:1] == ["spec"]:  # parsed apart: neither TensorFlow nor hypothesis is imported for it
        from spec_tests.conformance import build_parser as build_spec_parser

        spec_parser = build_spec_parser(_Parser(
            prog="tfref spec", description="Run the conformance suite against an implementation "
            "of the ops contract (docs/contract.md) and write conformance.json and .md."))
        args = spec_parser.parse_args(argv[1:])
        empty = any(arg == "--out=" or (arg == "--out" and i + 1 < len(argv) and
                                        not argv[i + 1].strip())
                    for i, arg in enumerate(argv))  # its parser reads "" as the current folder
        return cmd_spec(args, "argument --out: is empty; pass a directory path" if empty
                        else _check_dir("--out", args.out))
    if argv[:1] in (["run"], ["reproduce"]) and "--verbose" not in argv:
        from tfref._quiet import quiet_stderr

        with quiet_stderr() as hidden:
            status = _main(argv)
        if status == 1 and "Traceback" in hidden():
            print("(TensorFlow's log lines were hidden; rerun with --verbose to see them)",
                  file=sys.stderr)
        return status
    return _main(argv)


def _main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "list":
        return cmd_list()
    if args.command == "spec":
        return cmd_spec(args, _check_dir("--out", args.out))
    ids = [args.topic] if args.command == "run" else (args.topic or list(CATALOGUE))
    problem = (_unknown_topics(ids) or _unknown_dataset(getattr(args, "data", None))
               or _bad_training_options(args)
               or (_options_not_honoured(args.topic, args) if args.command == "run" else None)
               or _environment_problem() or _check_dirs(args))
    if problem:
        print(f"tfref {args.command}: error: {problem}", file=sys.stderr)
        return 2
    warning = _environment_warning()
    if warning:
        print(f"tfref {args.command}: warning: {warning}", file=sys.stderr)
    return cmd_run(ids, args, command=" ".join(["tfref", *argv]))


if __name__ == "__main__":
    sys.exit(main())
