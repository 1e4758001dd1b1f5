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


@dataclass
class Property:
    name: str
    family: str
    requires: tuple[str, ...]
    strategies: dict
    fn: Callable
    doc: str = ""


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


def spec_property(*, requires, settings: dict | None = None, **strategies):
    """Register a property (see module docstring) and return its pytest test function.

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
        prop = Property(name, family, tuple(requires), strategies, fn, (fn.__doc__ or "").strip())
        prop.settings = settings or {}
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
