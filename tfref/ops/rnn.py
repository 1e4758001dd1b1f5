"""A vanilla recurrent network on one sequence, its hand-derived BPTT gradients, and clipping.

Forward pass (seed 000, "RNN前向传导"), for t = 1..T with s_0 given (zeros by default):
    a_t = U x_t + W s_{t-1}        s_t = tanh(a_t)
    z_t = V s_t                    o_t = softmax(z_t)
    E   = sum_t E_t,   E_t = -log o_t[y_t]   (cross-entropy against the one-hot label y_t)

Backpropagation through time (000 derives dE/dV and defers dE/dW, dE/dU to a link; the full
recursion is the standard one):
    dE/dz_t = o_t - onehot(y_t)                         (softmax + cross-entropy)
    dE/dV   = sum_t (dE/dz_t) s_t^T
    dE/ds_t = V^T dE/dz_t + W^T dE/da_{t+1}             (dE/da_{T+1} = 0)
    dE/da_t = dE/ds_t * (1 - s_t^2)                     (tanh' = 1 - tanh^2)
    dE/dU   = sum_t (dE/da_t) x_t^T
    dE/dW   = sum_t (dE/da_t) s_{t-1}^T

Shapes (one sequence, no batch axis): x (T, input_dim), usually one-hot rows of a vocabulary
(``ops.one_hot(ids, vocab)``); y (T,) integer labels 0..output_dim-1; U (hidden, input_dim);
W (hidden, hidden); V (output_dim, hidden); s0 (hidden,).

Symbols -> names: x_t -> ``x[t]``; s_t -> ``states[t]``; o_t -> ``outputs[t]``;
U, W, V -> ``U``, ``W``, ``V``; s_0 -> ``s0``; E -> ``loss``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref._validation import as_float, as_labels, check_finite, eager

__all__ = ["rnn_forward", "rnn_bptt", "clip_by_global_norm"]


def _shape(t: tf.Tensor) -> list:
    return t.shape.as_list()


def _parameters(x, U, W, V, s0):
    """Convert to one float dtype and check that the shapes fit together."""
    named = [(x, "x"), (U, "U"), (W, "W"), (V, "V")] + ([] if s0 is None else [(s0, "s0")])
    tensors = [as_float(value, name) for value, name in named]
    dtype = tf.float64 if any(t.dtype == tf.float64 for t in tensors) else tf.float32
    tensors = [tf.cast(t, dtype) for t in tensors]
    x, U, W, V = tensors[:4]
    for tensor, name, what in ((x, "x", "(T, input_dim)"), (U, "U", "(hidden, input_dim)"),
                               (W, "W", "(hidden, hidden)"), (V, "V", "(output_dim, hidden)")):
        if tensor.shape.rank != 2:
            raise ValueError(f"{name} must be a 2-D array {what}; got shape {_shape(tensor)}")
    steps, input_dim = x.shape
    hidden = U.shape[0]
    if U.shape[1] is not None and input_dim is not None and U.shape[1] != input_dim:
        raise ValueError(f"U has shape {_shape(U)} but x has {input_dim} features per step "
                         f"(shape {_shape(x)}); U must be (hidden, input_dim) = (hidden, {input_dim})")
    if W.shape[0] != W.shape[1] or W.shape[0] != hidden:
        raise ValueError(f"W has shape {_shape(W)} but U has {hidden} hidden units (shape "
                         f"{_shape(U)}); W must be square (hidden, hidden) = ({hidden}, {hidden})")
    if V.shape[1] != hidden:
        raise ValueError(f"V has shape {_shape(V)} but the state has {hidden} units (U shape "
                         f"{_shape(U)}); V must be (output_dim, hidden) = (output_dim, {hidden})")
    if s0 is None:
        s0 = tf.zeros([hidden], dtype=dtype)
    else:
        s0 = tensors[4]
        if _shape(s0) != [hidden]:
            raise ValueError(f"s0 has shape {_shape(s0)}; the initial state must have shape "
                             f"(hidden,) = ({hidden},) to match U {_shape(U)} and W {_shape(W)}")
    for tensor, name in ((x, "x"), (U, "U"), (W, "W"), (V, "V"), (s0, "s0")):
        check_finite(tensor, name)
    return x, U, W, V, s0


def _run(x, U, W, s0):
    """States s_1..s_T (T, hidden): the only sequential part, a scan over t."""
    inputs = tf.matmul(x, U, transpose_b=True)  # row t: U x_t
    return tf.scan(lambda state, u: tf.tanh(u + tf.linalg.matvec(W, state)), inputs,
                   initializer=s0)


def rnn_forward(x, U, W, V, s0=None):
    """Run s_t = tanh(U x_t + W s_{t-1}), o_t = softmax(V s_t) over one sequence.

    Formula:
        s_0 = s0 (zeros when None)
        s_t = tanh(U x_t + W s_{t-1}),   o_t = softmax(V s_t),   t = 1..T

    Args:
        x: inputs (T, input_dim), T >= 1; one-hot rows for tokens (``ops.one_hot``).
        U: input weights (hidden, input_dim).
        W: recurrent weights (hidden, hidden).
        V: output weights (output_dim, hidden).
        s0: initial state (hidden,), or None for zeros.

    Returns:
        ``(states, outputs)``: states (T, hidden) holding s_1..s_T (s_0 not included), every
        entry in (-1, 1); outputs (T, output_dim), each row a probability vector. float32 by
        default, float64 when any input is float64.

    Raises:
        ValueError: an empty sequence, an argument that is not 2-D (s0 not (hidden,)), shapes
            that do not fit together (the message names both arguments), NaN or infinity.

    Example:
    >>> x = ops.one_hot([0, 1, 1], 2)
    >>> U, W, V = np.eye(2), np.zeros((2, 2)), np.zeros((3, 2))
    >>> states, outputs = ops.rnn_forward(x, U, W, V)
    >>> states.numpy().round(4)
    array([[0.7616, 0.    ],
           [0.    , 0.7616],
           [0.    , 0.7616]])
    >>> outputs.numpy().round(4)[0]  # V = 0: uniform over the 3 outputs
    array([0.3333, 0.3333, 0.3333])
    """
    x, U, W, V, s0 = _parameters(x, U, W, V, s0)
    states = _run(x, U, W, s0)
    return states, tf.nn.softmax(tf.matmul(states, V, transpose_b=True), axis=-1)


def _labels(y, steps: int, num_classes: int) -> tf.Tensor:
    if eager() or not tf.is_tensor(y):
        labels = as_labels(y, "y", num_classes=num_classes)
    else:
        labels = tf.cast(y, tf.int64)  # symbolic labels inside tf.function: shape checked only
    if labels.shape.rank != 1 or labels.shape[0] != steps:
        raise ValueError(f"y must hold one label per step, shape (T,) = ({steps},); got shape "
                         f"{labels.shape.as_list()}")
    return labels


def rnn_bptt(x, y, U, W, V, s0=None):
    """The loss E = sum_t -log o_t[y_t] and dE/dU, dE/dW, dE/dV by hand through time.

    No automatic differentiation: the forward pass stores s_t and o_t, then one backward loop
    carries dE/da_{t+1} through W and tanh'.

    Formula:
        dE/dz_t = o_t - onehot(y_t);   dE/dV = sum_t dE/dz_t s_t^T
        dE/ds_t = V^T dE/dz_t + W^T dE/da_{t+1}  (dE/da_{T+1} = 0)
        dE/da_t = dE/ds_t * (1 - s_t^2)
        dE/dU = sum_t dE/da_t x_t^T;   dE/dW = sum_t dE/da_t s_{t-1}^T

    Args:
        x, U, W, V, s0: as :func:`rnn_forward`.
        y: labels (T,), integers 0..output_dim-1 (whole-number floats accepted): the target
            at each step (for a language model, the next token).

    Returns:
        ``(loss, dU, dW, dV)``: the summed (not averaged) cross-entropy, a scalar, and the
        gradients in the shapes of U, W, V. float32 by default, float64 honoured. Inside a
        ``tf.function`` the label values are not checked (shapes are).

    Raises:
        ValueError: as :func:`rnn_forward`; also labels out of range, negative or fractional
            (naming ``y``), or not one per step.

    Example:
    >>> x = ops.one_hot([0, 1], 2)
    >>> U, W, V = np.eye(2), np.zeros((2, 2)), np.zeros((2, 2))
    >>> loss, dU, dW, dV = ops.rnn_bptt(x, [1, 0], U, W, V)
    >>> round(float(loss) / float(np.log(2)), 5)  # uniform outputs: log 2 per step
    2.0
    >>> dU.shape, dW.shape, dV.shape
    (TensorShape([2, 2]), TensorShape([2, 2]), TensorShape([2, 2]))
    """
    x, U, W, V, s0 = _parameters(x, U, W, V, s0)
    labels = _labels(y, x.shape[0], V.shape[0])
    states = _run(x, U, W, s0)
    logits = tf.matmul(states, V, transpose_b=True)
    loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    d_logits = tf.nn.softmax(logits, axis=-1) - tf.one_hot(labels, V.shape[0], dtype=x.dtype)
    d_states_out = tf.matmul(d_logits, V)  # row t: V^T dE/dz_t
    # backward in time: dE/da_t = (V^T dE/dz_t + W^T dE/da_{t+1}) * (1 - s_t^2)
    d_pre = tf.scan(
        lambda d_next, step: (step[0] + tf.linalg.matvec(W, d_next, transpose_a=True))
        * (1.0 - tf.square(step[1])),
        (d_states_out, states), initializer=tf.zeros_like(s0), reverse=True)  # (T, hidden)
    previous = tf.concat([s0[tf.newaxis], states[:-1]], axis=0)  # s_0..s_{T-1}
    dU = tf.matmul(d_pre, x, transpose_a=True)
    dW = tf.matmul(d_pre, previous, transpose_a=True)
    dV = tf.matmul(d_logits, states, transpose_a=True)
    return loss, dU, dW, dV


def _max_norm(max_norm) -> float:
    if tf.is_tensor(max_norm) or isinstance(max_norm, tf.Variable):
        max_norm = np.asarray(max_norm)
    array = np.asarray(max_norm)
    if (array.shape != () or array.dtype == bool or not np.issubdtype(array.dtype, np.number)
            or not np.isfinite(float(array)) or not float(array) > 0):
        raise ValueError(f"max_norm must be a finite number > 0 (the largest global norm "
                         f"allowed); got {max_norm!r}")
    return float(array)


def clip_by_global_norm(grads, max_norm):
    """Scale every gradient by min(1, max_norm / global_norm), as tf.clip_by_global_norm.

    Formula:
        global_norm = sqrt(sum_i sum(g_i^2))
        g_i <- g_i * max_norm / max(global_norm, max_norm)

    The direction of the whole set is kept; nothing changes when global_norm <= max_norm.

    Args:
        grads: a list or tuple of at least one array (any shapes), none of them None.
        max_norm: the largest global norm allowed, a finite number > 0.

    Returns:
        ``(clipped, global_norm)``: a list of tensors in the shapes of ``grads`` (one dtype:
        float64 when any gradient is float64, else float32) and the global norm before
        clipping, a scalar.

    Raises:
        ValueError: ``grads`` empty or holding None, an empty or non-finite gradient (naming
            ``grads``), ``max_norm`` not a finite number > 0.

    Example:
    >>> clipped, norm = ops.clip_by_global_norm([[3.0], [4.0]], 1.0)
    >>> float(norm), [g.numpy().tolist() for g in clipped]
    (5.0, [[0.6000000238418579], [0.800000011920929]])
    >>> clipped, _ = ops.clip_by_global_norm([[3.0], [4.0]], 10.0)  # below the threshold
    >>> [g.numpy().tolist() for g in clipped]
    [[3.0], [4.0]]
    """
    if isinstance(grads, tf.Tensor | np.ndarray) or not isinstance(grads, list | tuple):
        raise ValueError(f"grads must be a list or tuple of arrays; got {type(grads).__name__}")
    if len(grads) == 0:
        raise ValueError("grads is empty; pass at least one gradient")
    max_norm = _max_norm(max_norm)
    tensors = []
    for index, grad in enumerate(grads):
        if grad is None:
            raise ValueError(f"grads[{index}] is None; pass an array for every gradient")
        tensors.append(as_float(grad, f"grads[{index}]"))
    dtype = tf.float64 if any(t.dtype == tf.float64 for t in tensors) else tf.float32
    tensors = [tf.cast(t, dtype) for t in tensors]
    for index, tensor in enumerate(tensors):
        check_finite(tensor, f"grads[{index}]")
    global_norm = tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(t)) for t in tensors]))
    limit = tf.constant(max_norm, dtype)
    scale = limit / tf.maximum(global_norm, limit)
    return [t * scale for t in tensors], global_norm

