"""tfref.nn.fcn and the Keras side of tfref.ops.conv (non-contract tests).

Gradients of the from-scratch ops against tf.nn's, the ops inside tf.function with an unknown
batch size, parameter counts of Keras layers, the bilinear initializer and the FCN model.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref.data.images import make_shapes
from tfref.nn.fcn import FCN, BilinearUpsamplingInitializer, bilinear_upsampling
from tfref.ops.conv import bilinear_kernel, conv2d, conv2d_transpose, max_pool2d


def _padded(x, p):
    return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]])


def test_conv2d_gradients_equal_tf_nn_conv2d_gradients():
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(2, 7, 6, 3)))
    kernel = tf.constant(rng.normal(size=(3, 2, 3, 4)))
    probe = tf.constant(rng.normal(size=(2, 4, 4, 4)))  # output of stride 2, padding 1
    grads = []
    for fn in (lambda a, k: conv2d(a, k, stride=2, padding=1),
               lambda a, k: tf.nn.conv2d(_padded(a, 1), k, 2, "VALID")):
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            value = tf.reduce_sum(fn(x, kernel) * probe)
        grads.append(tape.gradient(value, [x, kernel]))
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_transpose_gradients_equal_tf_nn_conv2d_transpose_gradients():
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(2, 3, 4, 2)))
    kernel = tf.constant(rng.normal(size=(4, 4, 3, 2)))  # (kh, kw, out, in)
    probe = tf.constant(rng.normal(size=(2, 8, 10, 3)))  # (3-1)*2+4, (4-1)*2+4
    grads = []
    for fn in (lambda a, k: conv2d_transpose(a, k, stride=2),
               lambda a, k: tf.nn.conv2d_transpose(a, k, (2, 8, 10, 3), 2, "VALID")):
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            value = tf.reduce_sum(fn(x, kernel) * probe)
        grads.append(tape.gradient(value, [x, kernel]))
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-10)


def test_ops_run_inside_tf_function_with_an_unknown_batch_size():
    spec = tf.TensorSpec((None, 6, 6, 2), tf.float32)
    kernel = tf.ones((3, 3, 2, 1))

    @tf.function(input_signature=[spec])
    def forward(x):
        y = conv2d(x, kernel, padding=1)
        return conv2d_transpose(max_pool2d(y, 2), bilinear_kernel(1, 1, 4), stride=2,
                                padding=1)

    x = np.random.default_rng(2).normal(size=(3, 6, 6, 2)).astype(np.float32)
    assert forward(x).shape == (3, 6, 6, 1)


def test_keras_parameter_counts_of_a_conv_layer_and_the_dense_layer_it_replaces():
    conv = keras.layers.Conv2D(6, 5)
    conv.build((None, 32, 32, 3))
    dense = keras.layers.Dense(28 * 28 * 6)
    dense.build((None, 32 * 32 * 3))
    assert conv.count_params() == 5 * 5 * 3 * 6 + 6 == 456
    assert dense.count_params() == 3072 * 4704 + 4704


def test_bilinear_initializer_is_ops_bilinear_kernel_and_upsamples_like_tf_image_resize():
    kernel = BilinearUpsamplingInitializer()((8, 8, 2, 2))
    np.testing.assert_array_equal(np.asarray(kernel), bilinear_kernel(2, 2, 8).numpy())
    x = np.random.default_rng(3).uniform(size=(1, 5, 6, 2)).astype(np.float32)
    layer = bilinear_upsampling(2, 4)
    out = layer(x).numpy()
    np.testing.assert_allclose(out, conv2d_transpose(x, kernel, stride=4, padding=2).numpy(),
                               atol=1e-6)
    resized = tf.image.resize(x, (20, 24), "bilinear").numpy()
    np.testing.assert_allclose(out[:, 2:-2, 2:-2], resized[:, 2:-2, 2:-2], atol=1e-5)
    assert np.abs(out - resized).max() > 1e-2  # the border differs (zero padding)
    with pytest.raises(ValueError, match="factor"):
        bilinear_upsampling(2, 3)
    with pytest.raises(ValueError, match="in_channels"):
        bilinear_kernel(2, 3, 4)


def test_fcn_tracks_its_weights_and_respects_the_training_flag():
    keras.utils.set_random_seed(0)
    model = FCN(3, filters=(4, 8), batch_norm=True)
    x = np.random.default_rng(4).uniform(size=(2, 8, 8, 3)).astype(np.float32)
    assert model(x, training=False).shape == (2, 8, 8, 3)
    names = {v.path.split("/")[-2] for v in model.trainable_variables}
    assert {"conv0", "conv1", "bn0", "bn1", "classifier", "upsample"} <= names
    moving = [v for v in model.non_trainable_variables if "moving_mean" in v.path]
    before = [v.numpy().copy() for v in moving]
    model(x, training=False)
    assert all(np.array_equal(b, v.numpy()) for b, v in zip(before, moving, strict=True))
    model(x, training=True)
    assert any(not np.array_equal(b, v.numpy()) for b, v in zip(before, moving, strict=True))


def test_make_shapes_is_deterministic_and_labels_every_class():
    x1, y1 = make_shapes(20, np.random.default_rng(5))
    x2, y2 = make_shapes(20, np.random.default_rng(5))
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert x1.shape == (20, 32, 32, 3) and y1.shape == (20, 32, 32)
    assert 0.0 <= x1.min() and x1.max() <= 1.0
    assert set(np.unique(y1)) == {0, 1, 2}
