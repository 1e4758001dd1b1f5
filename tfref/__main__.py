"""``python -m tfref`` is the ``tfref`` command."""

import sys

from tfref.cli import main

sys.exit(main())
