"""Broken implementations of the rnn family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def _bptt_variant(x, y, U, W, V, s0, *, through_w=True, tanh_derivative=True,
                  current_state_for_dw=False, mean_over_steps=False):
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
        dW += np.outer(da, states[t] if current_state_for_dw else previous[t])
        d_next = da
    if mean_over_steps:
        loss, dU, dW, dV = (np.asarray(loss, np.float64) / len(x), dU / len(x), dW / len(x),
                            dV / len(x))
    return np.asarray(loss).astype(dtype), dU.astype(dtype), dW.astype(dtype), dV.astype(dtype)


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


def bptt_with_the_current_state_in_dw():
    """dE/dW = sum_t dE/da_t s_t^T: the state after the step instead of s_{t-1} (off by one)."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        return _bptt_variant(x, y, U, W, V, s0, current_state_for_dw=True)

    return _reference_with(rnn_bptt=rnn_bptt)


def bptt_averaging_the_loss_over_steps():
    """E = mean_t -log o_t[y_t] (and its gradients): the contract sums over the steps."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        return _bptt_variant(x, y, U, W, V, s0, mean_over_steps=True)

    return _reference_with(rnn_bptt=rnn_bptt)


def bptt_computed_in_float32():
    """Every input cast to float32 for the computation, the results cast back to the input's
    dtype: float64 callers get float32 precision (errors ~1e-7, below finite differences)."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        ref.rnn_bptt(x, y, U, W, V, s0)  # the same ValueError rules
        dtype = np.result_type(*(np.asarray(a).dtype for a in (x, U, W, V)))
        single = [None if a is None else np.asarray(a, np.float32) for a in (x, U, W, V, s0)]
        x32, U32, W32, V32, s32 = single
        hidden = U32.shape[0]
        state = np.zeros(hidden, np.float32) if s32 is None else s32
        states, outputs, previous = [], [], []
        for t in range(len(x32)):
            previous.append(state)
            state = np.tanh(U32 @ x32[t] + W32 @ state)
            z = V32 @ state
            e = np.exp(z - z.max())
            states.append(state)
            outputs.append(e / e.sum())
        labels = np.asarray(y).astype(np.int64)
        loss = np.float32(0.0)
        dU, dW, dV = np.zeros_like(U32), np.zeros_like(W32), np.zeros_like(V32)
        d_next = np.zeros(hidden, np.float32)
        for t in reversed(range(len(x32))):
            loss = loss - np.log(outputs[t][labels[t]])
            dz = outputs[t].copy()
            dz[labels[t]] -= np.float32(1.0)
            dV += np.outer(dz, states[t])
            da = (V32.T @ dz + W32.T @ d_next) * (np.float32(1.0) - states[t] ** 2)
            dU += np.outer(da, x32[t])
            dW += np.outer(da, previous[t])
            d_next = da
        return (np.asarray(loss, dtype), dU.astype(dtype), dW.astype(dtype), dV.astype(dtype))

    return _reference_with(rnn_bptt=rnn_bptt)


def bptt_float32_path_without_the_recurrence():
    """Right in float64, but a dtype-specialised float32 path (a "fast kernel") drops the term
    W^T dE/da_{t+1}: seen only by a property that checks float32 values, not shapes."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        if np.asarray(x).dtype == np.float32:
            return _bptt_variant(x, y, U, W, V, s0, through_w=False)
        return ref.rnn_bptt(x, y, U, W, V, s0)

    return _reference_with(rnn_bptt=rnn_bptt)


def rnn_forward_ignoring_s0():
    """Always starts from zeros, whatever initial state is passed."""

    def rnn_forward(x, U, W, V, s0=None):
        ref.rnn_forward(x, U, W, V, s0)  # the same ValueError rules
        return ref.rnn_forward(x, U, W, V, None)

    return _reference_with(rnn_forward=rnn_forward)


def rnn_forward_with_w_transposed():
    """s_t = tanh(U x_t + W^T s_{t-1}): Keras's row-vector layout (s @ W) mixed with the
    contract's column layout."""

    def rnn_forward(x, U, W, V, s0=None):
        return ref.rnn_forward(x, U, np.asarray(W).T, V, s0)

    return _reference_with(rnn_forward=rnn_forward)


def clip_dividing_by_norm_plus_epsilon():
    """torch.nn.utils.clip_grad_norm_: each g times max_norm / (global_norm + 1e-6) when that is
    below 1. Off by 1e-6 / global_norm relative: a 1% error at a global norm of 1e-4."""

    def clip_by_global_norm(grads, max_norm):
        _, global_norm = ref.clip_by_global_norm(grads, max_norm)
        dtype = np.asarray(global_norm).dtype
        coefficient = min(float(max_norm) / (float(global_norm) + 1e-6), 1.0)
        return [(np.asarray(g, np.float64) * coefficient).astype(dtype) for g in grads], global_norm

    return _reference_with(clip_by_global_norm=clip_by_global_norm)



def bptt_ignoring_s0():
    """Back-propagates from zeros whatever s0 is: right only when s0 is None or 0."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        if s0 is not None:
            ref.rnn_bptt(x, y, U, W, V, s0)  # the validation
            s0 = None
        return ref.rnn_bptt(x, y, U, W, V, s0)

    return _reference_with(rnn_bptt=rnn_bptt)


def rnn_forward_returning_the_previous_states():
    """Off by one: returns s_0..s_{T-1} (the state each step starts from) instead of s_1..s_T."""

    def rnn_forward(x, U, W, V, s0=None):
        states, outputs = ref.rnn_forward(x, U, W, V, s0)
        start = np.zeros_like(states[:1]) if s0 is None else np.asarray(s0, states.dtype)[None]
        return np.concatenate([start, states[:-1]]), outputs

    return _reference_with(rnn_forward=rnn_forward)


def clip_scaling_up_small_gradients():
    """Each g times max_norm / global_norm always: small gradients are stretched to max_norm."""

    def clip_by_global_norm(grads, max_norm):
        clipped, norm = ref.clip_by_global_norm(grads, max_norm)
        if float(norm) == 0.0:
            return clipped, norm
        return [(np.asarray(g, np.float64) * (float(max_norm) / float(norm))).astype(c.dtype)
                for g, c in zip(grads, clipped, strict=True)], norm

    return _reference_with(clip_by_global_norm=clip_by_global_norm)


def clip_returning_the_norm_after_clipping():
    """Returns the global norm of the clipped gradients (min(norm, max_norm)), not before."""

    def clip_by_global_norm(grads, max_norm):
        clipped, norm = ref.clip_by_global_norm(grads, max_norm)
        return clipped, np.asarray(min(float(norm), float(max_norm)), dtype=norm.dtype)

    return _reference_with(clip_by_global_norm=clip_by_global_norm)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'bptt_truncated_to_one_step': (
        'rnn_bptt_gradients_equal_central_differences',
        'rnn_bptt_in_float32_matches_float64_central_differences',
        'rnn_bptt_matches_tensorflow_gradient_tape_in_float64',
    ),
    'bptt_forgetting_tanh_derivative': (
        'rnn_bptt_gradients_equal_central_differences',
        'rnn_bptt_in_float32_matches_float64_central_differences',
        'rnn_bptt_matches_tensorflow_gradient_tape_in_float64',
    ),
    'clip_per_tensor_instead_of_global': (
        'clip_by_global_norm_caps_the_norm_and_keeps_the_direction',
        'clip_by_global_norm_is_global_not_per_tensor',
        'clip_by_global_norm_matches_tf_clip_by_global_norm',
    ),
    'clip_that_never_scales': (
        'clip_by_global_norm_caps_the_norm_and_keeps_the_direction',
        'clip_by_global_norm_is_global_not_per_tensor',
        'clip_by_global_norm_matches_tf_clip_by_global_norm',
    ),
    'bptt_with_the_current_state_in_dw': (
        'rnn_bptt_gradients_equal_central_differences',
        'rnn_bptt_in_float32_matches_float64_central_differences',
        'rnn_bptt_matches_tensorflow_gradient_tape_in_float64',
    ),
    'bptt_averaging_the_loss_over_steps': (
        'rnn_bptt_gradients_equal_central_differences',
        'rnn_bptt_in_float32_matches_float64_central_differences',
        'rnn_bptt_matches_tensorflow_gradient_tape_in_float64',
    ),
    'bptt_computed_in_float32': (
        'rnn_bptt_gradients_equal_central_differences',
        'rnn_bptt_matches_tensorflow_gradient_tape_in_float64',
    ),
    'bptt_float32_path_without_the_recurrence': (
        'rnn_bptt_in_float32_matches_float64_central_differences',
    ),
    'rnn_forward_ignoring_s0': (
        'rnn_forward_follows_the_recursion',
        'rnn_forward_continues_from_the_state_it_reached',
    ),
    'rnn_forward_with_w_transposed': (
        'rnn_forward_follows_the_recursion',
    ),
    'clip_dividing_by_norm_plus_epsilon': (
        'clip_by_global_norm_matches_tf_clip_by_global_norm',
        'clip_by_global_norm_caps_the_norm_and_keeps_the_direction',
        'clip_by_global_norm_is_the_identity_below_the_threshold',
    ),
    'bptt_ignoring_s0': (
        'rnn_bptt_gradients_equal_central_differences',
        'rnn_bptt_matches_tensorflow_gradient_tape_in_float64',
    ),
    'rnn_forward_returning_the_previous_states': (
        'rnn_forward_follows_the_recursion',
    ),
    'clip_scaling_up_small_gradients': (
        'clip_by_global_norm_matches_tf_clip_by_global_norm',
        'clip_by_global_norm_is_the_identity_below_the_threshold',
    ),
    'clip_returning_the_norm_after_clipping': (
        'clip_by_global_norm_matches_tf_clip_by_global_norm',
    ),
}
