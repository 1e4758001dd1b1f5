"""pytest configuration of the portable spec suite: hypothesis profiles and the implementation under test.

Profiles (choose with ``HYPOTHESIS_PROFILE`` or ``--hypothesis-profile``):
  dev       few examples, fast feedback (default outside CI)
  ci        derandomised, no deadline, no example database (default when $CI is set)
  thorough  many examples, for a release or a new implementation
The implementation: ``--impl MODULE[:FACTORY]``, else ``$TFREF_SPEC_IMPL``, else tfref.ops; the
option and the ``spec_impl`` fixture come from spec_tests/pytest_plugin.py (a pytest11 entry
point, so that they exist before this file is read).
"""

from __future__ import annotations

import os

from spec_tests.hypothesis_profiles import register_profiles
from spec_tests.registry import FAMILIES

register_profiles()

PROPERTY_MODULES = {f"test_{family}.py" for family in FAMILIES}


def pytest_collection_modifyitems(config, items):
    """With ``--impl``, run the properties only: the suite's own meta-tests check the suite
    (against the reference and the broken variants), not the implementation named."""
    if not (config.getoption("--impl", None) or os.environ.get("TFREF_SPEC_IMPL")):
        return
    keep = [item for item in items if item.path.name in PROPERTY_MODULES
            or item.path.parent.name != "spec_tests"]
    dropped = [item for item in items if item not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
