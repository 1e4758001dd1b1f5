"""Declaring a spec property once, for both pytest and the ``tfref spec`` conformance runner.

A property is a function of an implementation and of values hypothesis draws::

    @spec_property(requires=["softmax"], x=strategies.logits())
    def test_softmax_rows_sum_to_one_and_are_non_negative(impl, x):
        assert_close(impl.softmax(x).sum(axis=-1), np.ones(x.shape[:-1]), dtype=x.dtype)

The decorator registers the property under its name without ``test_`` and returns a pytest test
that runs it, with hypothesis, against the implementation chosen for the session (the
``spec_impl`` fixture: ``--impl``, ``$TFREF_SPEC_IMPL`` or tfref.ops). A property whose
required functions the implementation lacks is skipped in pytest and "n/a" in the runner.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from spec_tests.impl import Impl, MissingFunction
from spec_tests.tolerances import current_stats

#: The contract's property families, one spec_tests/test_<family>.py each.
FAMILIES: tuple[str, ...] = (
    "activations", "information", "averages", "metrics", "losses", "distributions", "errors",
    "updates", "dropout", "preprocessing", "distances", "rnn", "conv", "trees", "style", "boxes",
    "conventions")

#: The three levels a property belongs to, reported apart.
#:   maths        values: identities, invariants, equality with an oracle, numerical stability.
#:                Never fails on a dtype, a shape convention or an error message.
#:   conventions  tfref's API habits: dtype out equals dtype in, float32 by default, shapes.
#:   validation   bad input raises ValueError naming the argument and the rule it broke.
LEVELS: tuple[str, ...] = ("maths", "conventions", "validation")

#: How an oracle description may begin: a library written by someone else, finite differences,
#: or a deliberately naive float64 loop written in the property (never the implementation's own
#: other functions).
ORACLE_KINDS: tuple[str, ...] = (
    "scipy", "sklearn", "numpy", "pandas", "tf", "keras", "finite differences", "float64 loop",
    "closed form")


@dataclass
class Property:
    name: str
    family: str
    requires: tuple[str, ...]
    strategies: dict
    fn: Callable
    doc: str = ""
    level: str = "maths"
    oracle: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


@dataclass
class Stats:
    examples: int = 0
    largest_error: float = 0.0
    failing_error: float | None = None  # largest error of the comparison that failed


#: Outcome statuses. "known": a failure listed in the adapter's known deviations; "fixed": a
#: listed deviation that passed (the file is out of date); "error": the harness itself failed
#: (a health check, an unsatisfiable strategy, an oracle that crashed): no verdict.
STATUSES: tuple[str, ...] = ("pass", "fail", "known", "fixed", "n/a", "error")


@dataclass
class Failure:
    """One distinct failure hypothesis found (a property may show several)."""

    kind: str  # "assertion" (the property's own check) | "exception" (the implementation raised)
    message: str  # the error, with hypothesis's falsifying example
    in_property: bool  # raised by the property function itself (or a helper it called)
    exception: str  # the exception's type name

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Outcome:
    name: str
    family: str
    status: str  # one of STATUSES
    level: str = "maths"
    examples: int = 0
    largest_error: float | None = None  # the largest error seen in passing comparisons
    failing_error: float | None = None  # the largest error of the failing comparison
    seconds: float = 0.0
    message: str = ""
    missing: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    deviation: str = ""  # the known-deviation reason, for "known" and "fixed"
    requires: list[str] = field(default_factory=list)  # the contract functions it calls

    def to_json(self) -> dict:
        data = dict(self.__dict__)
        data["failures"] = [f.to_json() for f in self.failures]
        return data


PROPERTIES: dict[str, Property] = {}


def spec_property(*, requires, level: str | None = None, oracle: dict | None = None,
                  settings: dict | None = None, **strategies):
    """Register a property (see module docstring) and return its pytest test function.

    ``level``: one of LEVELS. Default: "validation" in the errors family and for a property
    whose name says it ``rejects``, else "maths".
    ``oracle``: contract function -> the independent oracle this property compares it with,
    e.g. ``{"softmax": "scipy.special.softmax"}``; each description starts with one of
    ORACLE_KINDS. test_meta checks that every contract function has one.
    ``settings`` overrides hypothesis settings for this property only (e.g. fewer examples for
    a property that trains a model).
    """

    def decorate(fn):
        if not fn.__name__.startswith("test_"):
            raise ValueError(f"property function {fn.__name__} must be named test_<property>")
        name = fn.__name__[len("test_"):]
        family = fn.__module__.rsplit(".", 1)[-1].removeprefix("test_")
        if name in PROPERTIES and PROPERTIES[name].fn.__module__ != fn.__module__:
            raise ValueError(f"property {name!r} is defined twice")
        says_rejects = any(word in f"_{name}_" for word in ("_rejects_", "_reject_"))
        chosen = level or ("validation" if family == "errors" or says_rejects else "maths")
        if chosen not in LEVELS:
            raise ValueError(f"property {name}: level {chosen!r} is not one of {LEVELS}")
        for function, description in (oracle or {}).items():
            if function not in requires:
                raise ValueError(f"property {name}: oracle for {function!r}, which it does not require")
            if not str(description).startswith(ORACLE_KINDS):
                raise ValueError(f"property {name}: oracle {description!r} must start with one of "
                                 f"{ORACLE_KINDS}")
        prop = Property(name, family, tuple(requires), strategies, fn, (fn.__doc__ or "").strip(),
                        chosen, dict(oracle or {}), dict(settings or {}))
        PROPERTIES[name] = prop

        def test(spec_impl):
            import pytest

            missing = [f for f in prop.requires if not spec_impl.has(f)]
            if missing:
                pytest.skip(f"{spec_impl.name} lacks {', '.join(missing)}")
            try:
                run_property(prop, spec_impl)
            except BaseException as error:  # an adapter may lack one variant (a metric, a mode)
                absent = [leaf for leaf in _leaves(error) if isinstance(leaf, MissingFunction)]
                if absent:
                    pytest.skip(f"{spec_impl.name}: {absent[0]}")
                raise

        test.__name__ = fn.__name__
        test.__qualname__ = fn.__name__
        test.__doc__ = fn.__doc__
        test.__module__ = fn.__module__
        test.spec_property = prop
        return test

    return decorate


def run_property(prop: Property, impl: Impl, stats: Stats | None = None,
                 overrides: dict | None = None) -> Stats:
    """Run one property with hypothesis against ``impl``; raise on the first (shrunk) failure.

    ``overrides`` are hypothesis settings applied over the property's own (e.g. no shrinking,
    fewer examples).
    """
    from hypothesis import given
    from hypothesis import settings as hypothesis_settings

    stats = stats or Stats()

    def body(**values):
        stats.examples += 1
        prop.fn(impl, **values)

    test = given(**prop.strategies)(body) if prop.strategies else body
    chosen = {**prop.settings, **(overrides or {})}
    if chosen:
        test = hypothesis_settings(**chosen)(test)
    token = current_stats.set(stats)
    try:
        test()
    finally:
        current_stats.reset(token)
    return stats


#: Errors of the harness, not of the implementation: never a verdict, never a meta-test catch.
def _harness_errors() -> tuple[type, ...]:
    from hypothesis import errors

    from spec_tests.tf_oracle import OracleError

    return (errors.FailedHealthCheck, errors.Unsatisfiable, errors.InvalidArgument,
            errors.InvalidDefinition, errors.DeadlineExceeded, OracleError)


def _leaves(error: BaseException) -> list[BaseException]:
    """The distinct exceptions inside (nested) exception groups, in order."""
    if isinstance(getattr(error, "exceptions", None), tuple | list):  # an ExceptionGroup
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _raised_in(error: BaseException, code) -> bool:
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return True
        tb = tb.tb_next
    return False


def _describe(error: BaseException) -> str:
    """The error and its notes (hypothesis's falsifying example); never a bare AssertionError."""
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    if isinstance(error, AssertionError) and not str(error).strip():
        frames = traceback.extract_tb(error.__traceback__)
        if frames:
            last = frames[-1]
            source = (last.line or "").strip()
            text = (f"AssertionError: `{source}` is false "
                    f"({last.filename.rsplit('/', 1)[-1]}:{last.lineno}, in {last.name})\n"
                    + "\n".join(getattr(error, "__notes__", [])))
    return text.strip()


def _failures(prop: Property, error: BaseException) -> list[Failure]:
    out = []
    for leaf in _leaves(error):
        kind = "assertion" if isinstance(leaf, AssertionError) else "exception"
        out.append(Failure(kind, _describe(leaf)[:4000], _raised_in(leaf, prop.fn.__code__),
                           type(leaf).__name__))
    return out


def evaluate(prop: Property, impl: Impl, overrides: dict | None = None) -> Outcome:
    """Run ``prop`` against ``impl`` and report its outcome without raising.

    Every distinct failure hypothesis finds is kept (``Outcome.failures``), each with its
    falsifying example. ``overrides``: hypothesis settings over the property's own (see
    :func:`run_property`).
    """
    base = dict(name=prop.name, family=prop.family, level=prop.level, requires=list(prop.requires))
    missing = [f for f in prop.requires if not impl.has(f)]
    if missing:
        return Outcome(**base, status="n/a", missing=missing,
                       message=f"needs {', '.join(missing)}, which {impl.name} lacks")
    stats = Stats()
    start = time.perf_counter()
    try:
        run_property(prop, impl, stats, overrides)
    except MissingFunction as error:
        return Outcome(**base, status="n/a", message=str(error))
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 (an AssertionError, whatever the implementation raised, or a group)
        seconds = time.perf_counter() - start
        harness = _harness_errors()
        leaves = _leaves(error)
        if any(isinstance(leaf, MissingFunction) for leaf in leaves):
            return Outcome(**base, status="n/a", seconds=seconds, message=_describe(leaves[0]))
        if all(isinstance(leaf, harness) for leaf in leaves):
            return Outcome(**base, status="error", examples=stats.examples, seconds=seconds,
                           message="harness error (no verdict): " + _describe(leaves[0])[:4000])
        failures = _failures(prop, error)
        if len(failures) == 1:
            message = failures[0].message
        else:
            message = f"{len(failures)} distinct failures:\n" + "\n\n".join(
                f"[{i}] {f.message}" for i, f in enumerate(failures, 1))
        return Outcome(**base, status="fail", examples=stats.examples,
                       largest_error=stats.largest_error, failing_error=stats.failing_error,
                       seconds=seconds, message=message, failures=failures)
    return Outcome(**base, status="pass", examples=stats.examples, largest_error=stats.largest_error,
                   seconds=time.perf_counter() - start)
