"""Run the training benchmark: ``python scripts/bench.py [--quick] [--json] ...``.

The same as ``tfref bench``; see ``tfref/bench/`` (``__init__.py``) for what is measured
and how.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfref.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
