"""Meta-tests, second half of the broken factories: each is rejected by the properties it
models, for the right reason (see test_meta.py, which checks the first half; split so that
the suite's two workers share them)."""

from __future__ import annotations

import pytest

from spec_tests.test_meta import FACTORY_HALVES, check_catch


@pytest.mark.parametrize("factory", FACTORY_HALVES[1])
def test_broken_implementation_is_rejected_by_the_expected_properties(factory):
    check_catch(factory)


def test_the_two_halves_cover_every_broken_factory_once():
    from spec_tests import broken

    first, second = FACTORY_HALVES
    assert sorted(first + second) == sorted(broken.EXPECTED_CATCHES)
    assert not set(first) & set(second)
