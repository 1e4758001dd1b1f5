"""tfref's hand RNN against TensorFlow and Keras (not part of the contract: tfref.ops only).

* ``rnn_bptt``'s hand gradients equal ``tf.GradientTape`` on an independent forward written
  with TensorFlow ops (float64), for sequences hypothesis draws, also with a given s0;
* ``rnn_forward``'s states equal ``keras.layers.SimpleRNN`` (no bias) with kernel U^T and
  recurrent kernel W^T;
* ``rnn_bptt`` works inside ``tf.function`` (labels unchecked there) and gives the eager result;
* ``clip_by_global_norm`` equals ``tf.clip_by_global_norm``.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.test_rnn import gradient_lists, rnn_problems
from tfref import ops


def _tape_gradients(x, y, U, W, V, s0):
    """E and dE/dU, dE/dW, dE/dV by GradientTape over a forward written with tf ops."""
    U, W, V = (tf.Variable(p) for p in (U, W, V))
    state = tf.zeros(U.shape[0], tf.float64) if s0 is None else tf.constant(s0)
    with tf.GradientTape() as tape:
        logits = []
        for t in range(len(x)):
            state = tf.tanh(tf.linalg.matvec(U, x[t]) + tf.linalg.matvec(W, state))
            logits.append(tf.linalg.matvec(V, state))
        loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
            tf.constant(y), tf.stack(logits)))
    return loss.numpy(), [g.numpy() for g in tape.gradient(loss, [U, W, V])]


@settings(max_examples=20)
@given(problem=rnn_problems(dtype=np.float64, scale=1.5))
def test_hand_bptt_equals_gradient_tape_in_float64(problem):
    x, y, U, W, V, s0 = problem
    loss, *hand = ops.rnn_bptt(x, y, U, W, V, s0)
    tape_loss, tape = _tape_gradients(x, y, U, W, V, s0)
    np.testing.assert_allclose(loss.numpy(), tape_loss, rtol=1e-12, atol=1e-12)
    for name, mine, theirs in zip(("dU", "dW", "dV"), hand, tape, strict=True):
        np.testing.assert_allclose(mine.numpy(), theirs, rtol=1e-10, atol=1e-12, err_msg=name)


@settings(max_examples=10)
@given(problem=rnn_problems(dtype=np.float64))
def test_rnn_forward_equals_keras_simple_rnn(problem):
    x, _, U, W, V, s0 = problem
    states, _ = ops.rnn_forward(x, U, W, V, s0)
    layer = keras.layers.SimpleRNN(U.shape[0], activation="tanh", use_bias=False,
                                   return_sequences=True, dtype="float64")
    layer.build((1, *x.shape))
    layer.set_weights([U.T, W.T])  # keras computes x_t @ kernel + s_{t-1} @ recurrent_kernel
    initial = None if s0 is None else [s0[np.newaxis]]
    expected = layer(x[np.newaxis], initial_state=initial).numpy()[0]
    np.testing.assert_allclose(states.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_rnn_bptt_inside_tf_function_equals_eager():
    rng = np.random.default_rng(0)
    x = ops.one_hot(rng.integers(0, 5, size=7), 5).numpy().astype(np.float64)
    y = rng.integers(0, 3, size=7)
    U, W, V = rng.normal(size=(4, 5)), rng.normal(size=(4, 4)), rng.normal(size=(3, 4))
    compiled = tf.function(ops.rnn_bptt)
    eager = ops.rnn_bptt(x, y, U, W, V)
    graph = compiled(tf.constant(x), tf.constant(y), tf.constant(U), tf.constant(W),
                     tf.constant(V))
    for a, b in zip(eager, graph, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


@given(grads=gradient_lists(), max_norm=st.floats(0.01, 50.0))
def test_clip_by_global_norm_equals_tensorflow(grads, max_norm):
    clipped, norm = ops.clip_by_global_norm(grads, max_norm)
    expected, expected_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    dtype = grads[0].dtype
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-12, 1e-12)
    np.testing.assert_allclose(norm.numpy(), expected_norm.numpy(), rtol=rtol, atol=atol)
    for mine, theirs in zip(clipped, expected, strict=True):
        assert mine.dtype == theirs.dtype
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=rtol, atol=atol)


@settings(max_examples=10)
@given(dtype=strategies.dtypes())
def test_rnn_rejects_bad_input_with_named_arguments(dtype):
    x = np.eye(3, dtype=dtype)
    U, W, V = np.ones((2, 3), dtype), np.eye(2, dtype=dtype), np.ones((4, 2), dtype)
    for call, name in (
        (lambda: ops.rnn_forward(x, U.T, W, V), "U"),
        (lambda: ops.rnn_forward(x, U, np.ones((2, 3), dtype), V), "W"),
        (lambda: ops.rnn_forward(x, U, W, V, s0=np.zeros(3, dtype)), "s0"),
        (lambda: ops.rnn_bptt(x, [0, 1, 4], U, W, V), "y"),
        (lambda: ops.clip_by_global_norm([x], 0.0), "max_norm"),
        (lambda: ops.clip_by_global_norm([x, None], 1.0), "grads"),
    ):
        try:
            call()
        except ValueError as error:
            assert name in str(error), f"{name} not named in {error}"
        else:
            raise AssertionError(f"no ValueError for a bad {name}")
