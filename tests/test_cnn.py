"""LeNet, the modern-CNN zoo and BatchNorm from scratch (tfref.nn.lenet, cnn_zoo, batchnorm).

BatchNorm is checked against ``keras.layers.BatchNormalization`` in both modes (outputs, moving
statistics over several training steps, gradients) and against a NumPy formula; the checks are
also run on deliberately broken layers (one that ignores ``training``, one that never updates
its moving statistics, one with the unbiased variance) to show they catch them. The zoo's
per-block output shapes are compared with shapes worked out by hand from the size formula
floor((n + 2p - k) / s) + 1; LeNet's parameter count with its formula.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref.nn import cnn_zoo
from tfref.nn.batchnorm import BatchNorm
from tfref.nn.cnn_zoo import DenseBlock, Inception, Residual, TransitionBlock
from tfref.nn.lenet import lenet, lenet_layer_shapes, lenet_parameter_count

# --- BatchNorm -------------------------------------------------------------------------------
BN_CASES = [  # (input shape, momentum, epsilon)
    ((16, 5), 0.99, 1e-3),  # dense (N, C), keras' defaults
    ((4, 6, 5, 3), 0.9, 1e-5),  # conv (N, H, W, C)
    ((3, 4, 4, 2), 0.5, 0.1),
]
STEPS = 4  # training calls before the comparison of moving statistics


def _pair(layer_class, shape, momentum, epsilon, seed):
    """Our layer and keras' with the same momentum, epsilon and random gamma/beta."""
    rng = np.random.default_rng(seed)
    ours = layer_class(momentum=momentum, epsilon=epsilon)
    theirs = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon)
    ours.build(shape)
    theirs.build(shape)
    channels = shape[-1]
    gamma = rng.uniform(0.5, 2.0, channels).astype("float32")
    beta = rng.normal(size=channels).astype("float32")
    for layer in (ours, theirs):
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    return ours, theirs, rng


def _batch(rng, shape):
    # per-channel offsets and scales, so the statistics differ between channels
    channels = shape[-1]
    return (rng.normal(size=shape) * rng.uniform(0.5, 3.0, channels)
            + rng.normal(size=channels) * 2).astype("float32")


def check_batchnorm_against_keras(layer_class, shape, momentum, epsilon, seed=0) -> None:
    """AssertionError unless ``layer_class`` is keras BatchNormalization's function in both modes."""
    ours, theirs, rng = _pair(layer_class, shape, momentum, epsilon, seed)
    for step in range(STEPS):
        x = _batch(rng, shape)
        out_ours = ours(x, training=True).numpy()
        out_theirs = theirs(x, training=True).numpy()
        np.testing.assert_allclose(out_ours, out_theirs, rtol=1e-4, atol=1e-4,
                                   err_msg=f"training-mode output, step {step}")
        # the NumPy formula: batch statistics, biased variance
        axes = tuple(range(len(shape) - 1))
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        expected = (x - mean) / np.sqrt(var + epsilon) * ours.gamma.numpy() + ours.beta.numpy()
        np.testing.assert_allclose(out_ours, expected, rtol=1e-4, atol=1e-4,
                                   err_msg=f"training-mode output vs NumPy, step {step}")
        for name in ("moving_mean", "moving_variance"):
            np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(),
                                       rtol=1e-5, atol=1e-6, err_msg=f"{name} after step {step}")
    x = _batch(rng, shape)
    np.testing.assert_allclose(ours(x, training=False).numpy(), theirs(x, training=False).numpy(),
                               rtol=1e-4, atol=1e-4, err_msg="inference-mode output")
    expected = ((x - theirs.moving_mean.numpy()) / np.sqrt(theirs.moving_variance.numpy() + epsilon)
                * ours.gamma.numpy() + ours.beta.numpy())
    np.testing.assert_allclose(ours(x, training=False).numpy(), expected, rtol=1e-4, atol=1e-4,
                               err_msg="inference-mode output vs NumPy (moving statistics)")


@pytest.mark.parametrize("shape, momentum, epsilon", BN_CASES)
def test_batchnorm_equals_keras_in_both_modes(shape, momentum, epsilon):
    check_batchnorm_against_keras(BatchNorm, shape, momentum, epsilon)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(8, 3), (3, 4, 4, 2)])
def test_batchnorm_gradients_equal_keras(shape, training):
    ours, theirs, rng = _pair(BatchNorm, shape, 0.9, 1e-3, seed=1)
    if not training:  # non-trivial moving statistics first
        for _ in range(3):
            batch = _batch(rng, shape)
            ours(batch, training=True)
            theirs(batch, training=True)
    x = tf.constant(_batch(rng, shape))
    weights = tf.constant(rng.normal(size=shape).astype("float32"))  # sum(BN(x)) alone is flat

    def grads(layer):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(weights * layer(x, training=training) ** 2)
        return tape.gradient(loss, [x, layer.gamma, layer.beta])

    for label, g_ours, g_theirs in zip(("x", "gamma", "beta"), grads(ours), grads(theirs),
                                       strict=True):
        np.testing.assert_allclose(g_ours.numpy(), g_theirs.numpy(), rtol=1e-3, atol=1e-3,
                                   err_msg=f"d loss / d {label}, training={training}")


def test_batchnorm_moving_statistics_change_in_training_only():
    layer = BatchNorm(momentum=0.9)
    x = _batch(np.random.default_rng(2), (32, 4))
    layer(x, training=False)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(4))
    np.testing.assert_array_equal(layer.moving_variance.numpy(), np.ones(4))
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * x.var(axis=0),
                               rtol=1e-5)
    before = [v.numpy().copy() for v in layer.non_trainable_variables]
    layer(x, training=False)
    for old, new in zip(before, layer.non_trainable_variables, strict=True):
        np.testing.assert_array_equal(old, new.numpy())
    assert layer.last_training is False


def test_batchnorm_training_and_inference_outputs_differ():
    layer = BatchNorm()
    x = _batch(np.random.default_rng(3), (16, 3))
    train, infer = layer(x, training=True).numpy(), layer(x, training=False).numpy()
    assert np.abs(train - infer).max() > 0.1
    np.testing.assert_allclose(train.mean(axis=0), layer.beta.numpy(), atol=1e-5)


def test_batchnorm_variables():
    layer = BatchNorm()
    layer.build((None, 5, 5, 3))
    assert [v.name for v in layer.trainable_variables] == ["gamma", "beta"]
    assert [v.name for v in layer.non_trainable_variables] == ["moving_mean", "moving_variance"]
    assert all(tuple(v.shape) == (3,) for v in layer.variables)


@pytest.mark.parametrize("call, rule", [
    (lambda: BatchNorm(momentum=1.0), "momentum must be in"),
    (lambda: BatchNorm(momentum=-0.1), "momentum must be in"),
    (lambda: BatchNorm(epsilon=0.0), "epsilon must be > 0"),
    (lambda: BatchNorm()(np.ones(3, "float32"), training=True), "rank >= 2"),
])
def test_batchnorm_rejects_bad_arguments(call, rule):
    with pytest.raises(ValueError, match=rule):
        call()


class _IgnoresTraining(BatchNorm):
    """Broken: always normalises with the moving statistics (the anchor's defect)."""

    def call(self, inputs, training=False):
        return super().call(inputs, training=False)


class _AlwaysBatchStatistics(BatchNorm):
    """Broken: batch statistics at inference too."""

    def call(self, inputs, training=False):
        return super().call(inputs, training=True)


class _UnbiasedVariance(BatchNorm):
    """Broken: the n - 1 variance in training."""

    def call(self, inputs, training=False):
        if not training:
            return super().call(inputs, training=False)
        n = int(np.prod(inputs.shape[:-1]))
        return super().call(inputs * 1.0, training=True) * np.float32(np.sqrt((n - 1) / n))


class _FrozenMovingStatistics(BatchNorm):
    """Broken: normalises with batch statistics but never updates the moving ones."""

    def call(self, inputs, training=False):
        saved = [v.numpy() for v in (self.moving_mean, self.moving_variance)]
        out = super().call(inputs, training=training)
        self.moving_mean.assign(saved[0])
        self.moving_variance.assign(saved[1])
        return out


@pytest.mark.parametrize("broken", [_IgnoresTraining, _AlwaysBatchStatistics, _UnbiasedVariance,
                                    _FrozenMovingStatistics])
def test_batchnorm_checks_catch_broken_layers(broken):
    with pytest.raises(AssertionError):
        check_batchnorm_against_keras(broken, (4, 6, 5, 3), 0.9, 1e-5)


# --- LeNet -----------------------------------------------------------------------------------
D2L_LENET_TABLE = [  # D2L 6.6: output shape of each layer for a 28 x 28 x 1 image
    ("conv1", (28, 28, 6)), ("act1", (28, 28, 6)), ("pool1", (14, 14, 6)),
    ("conv2", (10, 10, 16)), ("act2", (10, 10, 16)), ("pool2", (5, 5, 16)),
    ("flatten", (400,)), ("dense1", (120,)), ("act3", (120,)), ("dense2", (84,)),
    ("act4", (84,)), ("output", (10,)),
]


@pytest.mark.parametrize("variant", ["sigmoid", "relu"])
def test_lenet_layer_shapes_and_parameters(variant):
    model = lenet(variant, (28, 28, 1), 10)
    assert lenet_layer_shapes(model) == D2L_LENET_TABLE
    # 156 + 2416 + 48120 + 10164 + 850, by hand
    assert model.count_params() == 61706 == lenet_parameter_count((28, 28, 1), 10)
    pools = {type(model.get_layer(n)).__name__ for n in ("pool1", "pool2")}
    assert pools == ({"AveragePooling2D"} if variant == "sigmoid" else {"MaxPooling2D"})
    assert model.get_layer("act1").get_config()["activation"] == variant
    out = model(np.zeros((2, 28, 28, 1), "float32"), training=False)
    assert tuple(out.shape) == (2, 10)


@pytest.mark.parametrize("shape, classes", [((32, 32, 1), 10), ((16, 20, 3), 4), ((12, 12, 1), 2)])
def test_lenet_parameter_count_formula(shape, classes):
    h2, w2 = (shape[0] // 2 - 4) // 2, (shape[1] // 2 - 4) // 2
    by_hand = ((25 * shape[2] + 1) * 6 + (150 + 1) * 16 + (16 * h2 * w2 + 1) * 120
               + 121 * 84 + 85 * classes)
    assert lenet("relu", shape, classes).count_params() == by_hand == lenet_parameter_count(
        shape, classes)


@pytest.mark.parametrize("kwargs, argument", [
    ({"variant": "tanh"}, "variant"),
    ({"input_shape": (8, 8, 1)}, "input_shape"),
    ({"input_shape": (28, 28)}, "input_shape"),
    ({"num_classes": 0}, "num_classes"),
])
def test_lenet_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        lenet(**kwargs)


# --- blocks ----------------------------------------------------------------------------------
def _zeros(shape):
    return np.zeros((2, *shape), "float32")


@pytest.mark.parametrize("c1, c2, c3, c4", [(8, (12, 16), (2, 4), 4), (1, (2, 3), (1, 5), 7)])
def test_inception_channels_are_the_sum_of_its_paths(c1, c2, c3, c4):
    out = Inception(c1, c2, c3, c4)(_zeros((5, 6, 3)))
    assert tuple(out.shape) == (2, 5, 6, c1 + c2[1] + c3[1] + c4)


@pytest.mark.parametrize("shape, channels, use_1x1conv, strides, expected", [
    ((6, 6, 3), 3, False, 1, (6, 6, 3)),
    ((6, 6, 3), 6, True, 2, (3, 3, 6)),
    ((7, 5, 4), 8, True, 2, (4, 3, 8)),  # "same" padding, stride 2: ceil(n / 2)
    ((6, 6, 3), 5, True, 1, (6, 6, 5)),
])
def test_residual_block_shapes(shape, channels, use_1x1conv, strides, expected):
    block = Residual(channels, use_1x1conv=use_1x1conv, strides=strides)
    assert tuple(block(_zeros(shape), training=False).shape) == (2, *expected)
    assert (block.conv3 is not None) == use_1x1conv


def test_residual_shortcut_equals_strided_1x1_convolution():
    """The shortcut conv1x1(x[:, ::2, ::2]) is the stride-2 1x1 convolution (NumPy)."""
    block = Residual(4, use_1x1conv=True, strides=2)
    x = np.random.default_rng(4).normal(size=(2, 5, 5, 3)).astype("float32")
    block(x, training=False)
    kernel, bias = (v.numpy() for v in block.conv3.weights)
    expected = np.einsum("nhwc,cd->nhwd", x[:, ::2, ::2, :], kernel[0, 0]) + bias
    # run the shortcut alone by zeroing the residual branch's last BN scale and shift
    block.bn2.gamma.assign(np.zeros(4, "float32"))
    out = block(x, training=False).numpy()
    np.testing.assert_allclose(out, np.maximum(expected, 0), rtol=1e-5, atol=1e-5)


def test_residual_rejects_mismatched_shortcut():
    with pytest.raises(ValueError, match="use_1x1conv"):
        Residual(4, strides=2)
    with pytest.raises(ValueError, match="input channels"):
        Residual(4)(_zeros((6, 6, 3)), training=False)


@pytest.mark.parametrize("c_in, num_convs, growth", [(3, 2, 10), (16, 3, 4)])
def test_dense_block_channel_growth(c_in, num_convs, growth):
    block = DenseBlock(num_convs, growth)
    x = np.random.default_rng(5).normal(size=(2, 4, 4, c_in)).astype("float32")
    out = block(x, training=False).numpy()
    assert out.shape == (2, 4, 4, c_in + num_convs * growth)
    np.testing.assert_array_equal(out[..., :c_in], x)  # the input is passed on unchanged


@pytest.mark.parametrize("shape, expected", [((8, 8, 6), (4, 4, 3)), ((7, 9, 4), (3, 4, 3))])
def test_transition_halves_height_and_width(shape, expected):
    assert tuple(TransitionBlock(3)(_zeros(shape), training=False).shape) == (2, *expected)


# --- the zoo ---------------------------------------------------------------------------------
HAND_SHAPES = {  # a few blocks per model, worked out by hand for 16 x 16 x 1 inputs
    "alexnet": {"pool1": (7, 7, 24), "pool2": (3, 3, 64), "pool3": (1, 1, 64)},
    "vgg": {"vgg_block1": (8, 8, 16), "vgg_block2": (4, 4, 32), "vgg_block3": (2, 2, 64)},
    "nin": {"pool1": (7, 7, 12), "pool2": (3, 3, 32), "nin_block4": (3, 3, 10),
            "global_avg_pool": (10,)},
    "googlenet": {"inception1": (8, 8, 32), "inception2": (8, 8, 60), "inception3": (4, 4, 64)},
    "resnet": {"residual1_2": (16, 16, 8), "residual2_1": (8, 8, 16), "residual3_2": (4, 4, 32)},
    "densenet": {"dense_block1": (16, 16, 32), "transition1": (8, 8, 16),
                 "dense_block3": (4, 4, 32)},
    "lenet_bn": {"pool1": (8, 8, 6), "conv2": (4, 4, 16), "flatten": (64,)},
}
BN_MODELS = ("resnet", "densenet", "lenet_bn")


@pytest.fixture(scope="module")
def zoo():
    keras.utils.set_random_seed(0)
    return {name: cnn_zoo.build(name, (16, 16, 1), 10) for name in cnn_zoo.ZOO}


@pytest.mark.parametrize("name", list(cnn_zoo.ZOO))
def test_zoo_block_shapes(zoo, name):
    shapes = dict(cnn_zoo.block_output_shapes(zoo[name]))
    assert set(HAND_SHAPES[name]) <= set(shapes)
    for block, shape in {**cnn_zoo.expected_block_shapes(name), **HAND_SHAPES[name]}.items():
        assert shapes[block] == shape, f"{name}.{block}: {shapes[block]} != {shape}"
    assert list(shapes.values())[-1] == (10,)


def test_zoo_block_shapes_at_another_size():
    for name in ("alexnet", "nin", "googlenet"):
        shapes = dict(cnn_zoo.block_output_shapes(cnn_zoo.build(name, (23, 19, 2), 7)))
        for block, shape in cnn_zoo.expected_block_shapes(name, (23, 19, 2), 7).items():
            assert shapes[block] == shape, f"{name}.{block}: {shapes[block]} != {shape}"


def test_nin_has_no_dense_layer(zoo):
    assert not any(isinstance(layer, keras.layers.Dense) for layer in zoo["nin"].layers)


@pytest.mark.parametrize("name", list(cnn_zoo.ZOO))
def test_zoo_variables(zoo, name):
    model = zoo[name]
    assert model.trainable_variables
    bn_layers = [layer for layer in model._flatten_layers() if isinstance(layer, BatchNorm)]
    assert bool(bn_layers) == (name in BN_MODELS)
    trainable = {id(v) for v in model.trainable_variables}
    for layer in bn_layers:
        assert id(layer.gamma) in trainable and id(layer.beta) in trainable
        assert id(layer.moving_mean) not in trainable
        assert id(layer.moving_variance) not in trainable


@pytest.mark.parametrize("name", BN_MODELS)
def test_zoo_passes_training_to_every_batchnorm(zoo, name):
    model = zoo[name]
    bn_layers = [layer for layer in model._flatten_layers() if isinstance(layer, BatchNorm)]
    x = np.random.default_rng(6).uniform(size=(4, 16, 16, 1)).astype("float32")
    before = [layer.moving_mean.numpy().copy() for layer in bn_layers]
    model(x, training=False)
    assert all(layer.last_training is False for layer in bn_layers)
    assert all(np.array_equal(b, layer.moving_mean.numpy())
               for b, layer in zip(before, bn_layers, strict=True))
    model(x, training=True)
    assert all(layer.last_training is True for layer in bn_layers)
    unchanged = [layer.name for b, layer in zip(before, bn_layers, strict=True)
                 if np.array_equal(b, layer.moving_mean.numpy())]
    assert not unchanged, f"moving means not updated in training: {unchanged}"


def test_batchnorm_model_trains():
    """LeNet-BN (from-scratch BatchNorm) fits a small batch of digits; BN updates on the way."""
    from sklearn.datasets import load_digits

    keras.utils.set_random_seed(0)
    digits = load_digits()
    x = tf.image.resize(digits.images[:128, :, :, None].astype("float32") / 16, (16, 16))
    y = digits.target[:128]
    model = cnn_zoo.lenet_bn((16, 16, 1), 10)
    optimizer = keras.optimizers.Adam(0.01)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    losses = [float(step()) for _ in range(40)]
    assert losses[-1] < 0.25 * losses[0], losses
    accuracy = np.mean(np.argmax(model(x, training=False).numpy(), axis=1) == y)
    assert accuracy > 0.8  # inference mode, moving statistics: chance is 0.1
