"""Hand-coded training steps (no autodiff) that the engine runs like any other step.

:class:`BPNStep` is the back-propagation network of the BPN documents, :class:`tfref.nn.bpn.BPN`
under the name the engine's users know: one sigmoid hidden layer, sigmoid outputs, the squared
error and the deltas written out by hand. Its formulas are written once, in
:mod:`tfref.nn.bpn` (module docstring; :func:`tfref.nn.bpn.bpn_forward` and
:func:`tfref.nn.bpn.bpn_gradients`), and it trains through :func:`tfref.train.fit`, the one
training loop. ``tfref bench`` times it (784-30-10, batch 1000) against the same formulas in
NumPy and PyTorch and against the keras model with the same loss; the ``tensorboard`` and
``bpn`` topics train it.

Deviations: by default (``weight_steps="mean", bias_steps="mean"``) the steps are the gradient
of the batch-mean loss, so the learning rate does not depend on the batch size and the step
equals keras SGD on the batch-mean loss; the documents sum the weight deltas over the batch and
average the bias deltas (errata 9), which ``BPNStep(..., weight_steps="sum")`` reproduces.

Example:
    >>> import numpy as np
    >>> weights = [np.full((4, 3), 0.1, "float32"), np.zeros(3, "float32"),
    ...            np.full((3, 2), 0.1, "float32"), np.zeros(2, "float32")]
    >>> step = BPNStep(weights, learning_rate=0.5)
    >>> float(step.test_step(tf.ones((2, 4)), tf.one_hot([0, 1], 2))["accuracy"])
    1.0
"""

from __future__ import annotations

from tfref.nn.bpn import BPN, sample_half_squared_error

__all__ = ["BPNStep", "half_squared_error"]

BPNStep = BPN

# The BPN's per-sample loss 0.5 * sum_k (yhat_k - y_k)^2 (tfref.nn.bpn), under the name the
# engine's users know.
half_squared_error = sample_half_squared_error
