"""tfref.ops inside TensorFlow: what only a TensorFlow implementation of the contract can show.

(The contract's properties, run against tfref.ops, live in spec_tests/; these are tfref's own.)
"""

from __future__ import annotations

from spec_tests.tolerances import assert_close


def test_tfref_binary_cross_entropy_with_logits_autodiff_gradient_at_zero():
    """GradientTape through tfref's op gives sigmoid(0) - y = 0.5 - y at z = 0 (no tie-breaking bug)."""
    import tensorflow as tf

    from tfref import ops

    z = tf.Variable(tf.zeros(3, tf.float64))
    y = tf.constant([0.0, 0.5, 1.0], tf.float64)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(ops.binary_cross_entropy_with_logits(y, z))
    assert_close(tape.gradient(loss, z).numpy(), 0.5 - y.numpy(), dtype="float64")
