"""The hypothesis profiles: dev, ci and thorough (see conftest.py)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def register_profiles() -> str:
    """Register the profiles and load the one chosen by $HYPOTHESIS_PROFILE (or $CI)."""
    settings.register_profile("dev", max_examples=20, deadline=None, suppress_health_check=_SUPPRESSED)
    settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, database=None,
                              print_blob=True, suppress_health_check=_SUPPRESSED)
    settings.register_profile("thorough", max_examples=400, deadline=None,
                              suppress_health_check=_SUPPRESSED)
    default = "ci" if os.environ.get("CI") else "dev"
    name = os.environ.get("HYPOTHESIS_PROFILE", default)
    settings.load_profile(name)
    return name
