"""Declaring a spec property once, for both pytest and the ``tfref spec`` conformance runner.

A property is a function of an implementation and of values hypothesis draws::

    @spec_property(requires=["softmax"], x=strategies.logits())
    def test_softmax_rows_sum_to_one(impl, x):
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

from hypothesis import given
from hypothesis import settings as hypothesis_settings

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


@dataclass
class Outcome:
    name: str
    family: str
    status: str  # "pass" | "fail" | "n/a"
    examples: int = 0
    largest_error: float | None = None
    seconds: float = 0.0
    message: str = ""
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return dict(self.__dict__)


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
        chosen = level or ("validation" if family == "errors" or "_rejects_" in f"_{name}_"
                           else "maths")
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
            run_property(prop, spec_impl)

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


def evaluate(prop: Property, impl: Impl, overrides: dict | None = None) -> Outcome:
    """Run ``prop`` against ``impl`` and report pass / fail / n/a without raising.

    ``overrides``: hypothesis settings over the property's own (see :func:`run_property`).
    """
    missing = [f for f in prop.requires if not impl.has(f)]
    if missing:
        return Outcome(prop.name, prop.family, "n/a", missing=missing,
                       message=f"missing: {', '.join(missing)}")
    stats = Stats()
    start = time.perf_counter()
    try:
        run_property(prop, impl, stats, overrides)
    except MissingFunction as error:
        return Outcome(prop.name, prop.family, "n/a", message=str(error))
    except Exception as error:  # AssertionError, or whatever the implementation raised
        message = "".join(traceback.format_exception_only(type(error), error)).strip()
        return Outcome(prop.name, prop.family, "fail", stats.examples, stats.largest_error,
                       time.perf_counter() - start, message[:2000])
    return Outcome(prop.name, prop.family, "pass", stats.examples, stats.largest_error,
                   time.perf_counter() - start)
