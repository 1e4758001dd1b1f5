"""One closeness rule for topic claims and spec properties: infinities and NaN compare exactly.

An expected infinity used to match any finite value whenever rtol > 0 (rtol * inf = inf), so a
claim such as "the loss is infinite when certain and wrong" could never fail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from spec_tests.tolerances import assert_at_least, assert_close
from tfref._closeness import close_elementwise
from tfref.topics._base import RunContext, TopicResult

CASES = [  # (actual, expected, close?)
    (16.1, math.inf, False),
    (-math.inf, math.inf, False),
    (math.inf, math.inf, True),
    (-math.inf, -math.inf, True),
    (1e308, math.inf, False),
    (math.nan, math.nan, True),
    (math.nan, 1.0, False),
    (1.0, math.nan, False),
    (math.inf, math.nan, False),
    (1.0, 1.0 + 1e-12, True),
    (1.0, 3.0, False),
]


@pytest.mark.parametrize(("actual", "expected", "close"), CASES)
def test_close_elementwise_compares_non_finite_values_exactly(actual, expected, close):
    ok, diff = close_elementwise(actual, expected, atol=1e-9, rtol=0.5)
    assert bool(ok) is close, (actual, expected, diff)
    if not close and not (math.isfinite(actual) and math.isfinite(expected)):
        assert diff == math.inf, "a mismatch at a non-finite value must read as an infinite error"


@pytest.mark.parametrize(("actual", "expected", "close"), CASES)
def test_assert_close_follows_the_rule(actual, expected, close):
    if close:
        assert_close(actual, expected, rtol=0.5, atol=1e-9)
    else:
        with pytest.raises(AssertionError, match="largest error"):
            assert_close(actual, expected, rtol=0.5, atol=1e-9)


@pytest.mark.parametrize(("actual", "expected", "close"), CASES)
def test_run_context_close_follows_the_rule(actual, expected, close, tmp_path):
    ctx = RunContext(TopicResult("fixture", "fixture", "A"), quick=True, seed=0, out_dir=tmp_path)
    assert ctx.claim_close("claim", actual, expected, rtol=0.5, atol=1e-9) is close


def test_assert_close_on_arrays_points_at_the_worst_entry():
    with pytest.raises(AssertionError, match=r"at index \(1,\)"):
        assert_close(np.array([1.0, 5.0, 2.0]), np.array([1.0, np.inf, 2.0]), dtype="float32")


def test_assert_at_least_treats_nan_as_below_the_bound():
    with pytest.raises(AssertionError, match="below the bound"):
        assert_at_least(np.array([0.1, np.nan]), np.zeros(2), "float64", "KL >= 0")
