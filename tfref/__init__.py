"""tfref: TensorFlow 2 / Keras 3 reference implementations of the classic ML and DL curriculum.

Layers, pointing one way: ``tfref.ops`` (pure maths on tensors) <- ``tfref.topics`` (one module
per catalogue topic: its claims and its ``run``) <- ``tfref.report`` and ``tfref.cli``.
"""

import os as _os

# Keep TensorFlow's C++ start-up chatter out of the reports unless the user asked for it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
