"""pytest configuration of the portable spec suite: hypothesis profiles and the implementation under test.

Profiles (choose with ``HYPOTHESIS_PROFILE`` or ``--hypothesis-profile``):
  dev       few examples, fast feedback (default outside CI)
  ci        derandomised, no deadline, no example database (default when $CI is set)
  thorough  many examples, for a release or a new implementation
The implementation: ``--impl MODULE[:FACTORY]``, else ``$TFREF_SPEC_IMPL``, else tfref.ops.
"""

from __future__ import annotations

import os

import pytest

from spec_tests.hypothesis_profiles import register_profiles
from spec_tests.impl import load_impl

register_profiles()


def pytest_addoption(parser):
    parser.addoption("--impl", default=None,
                     help="implementation under test: MODULE or MODULE:FACTORY (default tfref.ops)")


@pytest.fixture(scope="session")
def spec_impl(request):
    return load_impl(request.config.getoption("--impl") or os.environ.get("TFREF_SPEC_IMPL"))
