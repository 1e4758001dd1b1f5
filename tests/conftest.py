"""pytest configuration of tfref's own tests (topics, engine, CLI, data, estimators, nn).

The portable conformance suite is in spec_tests/ (its own conftest adds ``--impl``); these tests
check tfref itself and read data from ``$TFREF_DATA_DIR`` (default: ../shared/datasets).
"""

from __future__ import annotations

import os

import pytest

from spec_tests.hypothesis_profiles import register_profiles

register_profiles()


@pytest.fixture(scope="session", autouse=True)
def _data_dir():
    """Tests read data from $TFREF_DATA_DIR, defaulting to ../shared/datasets beside the repo."""
    if "TFREF_DATA_DIR" not in os.environ:
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        os.environ["TFREF_DATA_DIR"] = os.path.join(os.path.dirname(here), "shared", "datasets")
    yield
