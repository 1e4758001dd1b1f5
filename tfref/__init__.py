"""tfref: TensorFlow 2 / Keras 3 reference implementations of the classic ML and DL curriculum.

Layers, pointing one way: ``tfref.ops`` (pure maths on tensors) <- ``tfref.topics`` (one module
per catalogue topic: its claims and its ``run``) <- ``tfref.report`` and ``tfref.cli``.
"""

import os as _os

# Keep TensorFlow's C++ start-up chatter out of the reports unless the user asked for it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# ``python -m tfref ...`` and ``python -m tfref.topics.ID``: TensorFlow's import-time native log
# lines stay off the terminal, as in the ``tfref`` command (--verbose shows them).
from tfref._quiet import hide_native_start as _hide_native_start
from tfref._quiet import run_as_tfref_module as _run_as_tfref_module

if _run_as_tfref_module():
    _hide_native_start()

__version__ = "0.1.0"
