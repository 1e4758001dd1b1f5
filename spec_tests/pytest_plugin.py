"""The pytest plugin of the spec suite: ``--impl`` and the implementation under test.

Registered as a ``pytest11`` entry point, so that ``pytest --pyargs spec_tests --impl mymodule``
works from any directory once tfref is installed (a conftest.py inside an installed package is
read too late for its command-line options). It adds one option and one fixture and changes
nothing else: the hypothesis profiles are loaded by spec_tests/conftest.py, that is only when
the spec suite itself is collected.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("tfref spec", "the tfref conformance suite (spec_tests)")
    group.addoption("--impl", default=None, metavar="MODULE[:FACTORY]",
                    help="implementation the spec_tests properties run against: MODULE or "
                         "MODULE:FACTORY (default $TFREF_SPEC_IMPL, else tfref.ops)")


@pytest.fixture(scope="session")
def spec_impl(request):
    """The implementation under test (an ``Impl``): ``--impl``, ``$TFREF_SPEC_IMPL`` or tfref.ops."""
    from spec_tests.impl import load_impl

    return load_impl(request.config.getoption("--impl") or os.environ.get("TFREF_SPEC_IMPL"))
