"""Broken implementations of the rnn family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def _bptt_variant(x, y, U, W, V, s0, *, through_w=True, tanh_derivative=True):
    """The reference BPTT with one piece of the recursion optionally left out."""
    loss, _, _, _ = ref.rnn_bptt(x, y, U, W, V, s0)
    dtype = np.asarray(loss).dtype
    x, U, W, V = (np.asarray(a, np.float64) for a in (x, U, W, V))
    state = np.zeros(U.shape[0]) if s0 is None else np.asarray(s0, np.float64)
    states, outputs, previous = [], [], []
    for t in range(len(x)):
        previous.append(state)
        state = np.tanh(U @ x[t] + W @ state)
        z = V @ state
        states.append(state)
        outputs.append(np.exp(z - z.max()) / np.exp(z - z.max()).sum())
    labels = np.asarray(y).astype(np.int64)
    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    d_next = np.zeros(U.shape[0])
    for t in reversed(range(len(x))):
        dz = outputs[t].copy()
        dz[labels[t]] -= 1.0
        dV += np.outer(dz, states[t])
        ds = V.T @ dz + (W.T @ d_next if through_w else 0.0)
        da = ds * (1.0 - states[t] ** 2) if tanh_derivative else ds
        dU += np.outer(da, x[t])
        dW += np.outer(da, previous[t])
        d_next = da
    return loss, dU.astype(dtype), dW.astype(dtype), dV.astype(dtype)


def bptt_truncated_to_one_step():
    """No recurrence through W: dE/da_t = V^T dE/dz_t * tanh', as if each step stood alone."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        return _bptt_variant(x, y, U, W, V, s0, through_w=False)

    return _reference_with(rnn_bptt=rnn_bptt)


def bptt_forgetting_tanh_derivative():
    """dE/da_t = dE/ds_t: the factor 1 - s_t^2 of tanh' left out."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        return _bptt_variant(x, y, U, W, V, s0, tanh_derivative=False)

    return _reference_with(rnn_bptt=rnn_bptt)


def clip_per_tensor_instead_of_global():
    """Each gradient clipped to max_norm on its own (tf.clip_by_norm per tensor)."""

    def clip_by_global_norm(grads, max_norm):
        _, global_norm = ref.clip_by_global_norm(grads, max_norm)
        clipped = [ref.clip_by_global_norm([g], max_norm)[0][0] for g in grads]
        return clipped, global_norm

    return _reference_with(clip_by_global_norm=clip_by_global_norm)


def clip_that_never_scales():
    """Returns the gradients unchanged (only the norm is computed)."""

    def clip_by_global_norm(grads, max_norm):
        _, global_norm = ref.clip_by_global_norm(grads, max_norm)
        return [np.asarray(g) for g in grads], global_norm

    return _reference_with(clip_by_global_norm=clip_by_global_norm)



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'bptt_truncated_to_one_step': (
        'rnn_bptt_gradients_equal_central_differences',
    ),
    'bptt_forgetting_tanh_derivative': (
        'rnn_bptt_gradients_equal_central_differences',
    ),
    'clip_per_tensor_instead_of_global': (
        'clip_by_global_norm_caps_the_norm_and_keeps_the_direction',
        'clip_by_global_norm_is_global_not_per_tensor',
    ),
    'clip_that_never_scales': (
        'clip_by_global_norm_caps_the_norm_and_keeps_the_direction',
        'clip_by_global_norm_is_global_not_per_tensor',
    ),
}
