"""Modern CNNs of D2L chapter 7 (seed 003), scaled to train on a CPU in seconds on small images.

Each builder returns a functional ``keras.Model`` that outputs logits; every block is one
named top-level layer, so :func:`block_output_shapes` lists the output shape of each block.
The default input is 16 x 16 x 1 (the 8 x 8 digits upsampled with ``tf.image.resize``); the
channel widths are D2L's divided by 4 to 8 (said per model below).

Blocks (x: (N, H, W, C), channels last; a convolution's output side is
floor((n + 2p - k) / s) + 1, "same" padding with stride s gives ceil(n / s)):
    vgg_block(num_convs, c):    num_convs x [conv 3x3 same, ReLU], max pool 2x2 stride 2
                                -> (H/2, W/2, c)
    nin_block(c, k, s, pad):    conv k x k stride s, ReLU, then two [conv 1x1, ReLU] (per-pixel
                                dense layers) -> (floor((H + 2p - k)/s) + 1, ..., c)
    Inception(c1, c2, c3, c4):  four paths, concatenated on channels -> (H, W, c1 + c2[1] + c3[1] + c4)
                                p1 = conv1x1(c1); p2 = conv1x1(c2[0]) -> conv3x3(c2[1]);
                                p3 = conv1x1(c3[0]) -> conv5x5(c3[1]); p4 = maxpool3x3 s1 -> conv1x1(c4)
    Residual(c, use_1x1conv, s): y = ReLU(BN(conv3x3 s(x)));  y = BN(conv3x3(y))
                                out = ReLU(y + (conv1x1 s(x) if use_1x1conv else x)), where
                                conv1x1 s(x) = conv1x1(x[:, ::s, ::s]) (see Residual)
                                -> (ceil(H/s), ceil(W/s), c); without the 1x1 conv, s = 1 and
                                c = C are required (the shapes must add)
    DenseBlock(n, g):           n x [x <- concat(x, conv3x3(ReLU(BN(x))) with g channels)]
                                -> (H, W, C + n g)
    TransitionBlock(c):         BN, ReLU, conv1x1(c), average pool 2x2 stride 2 -> (H/2, W/2, c)

BatchNorm: ResNet, DenseNet and LeNet-BN use :class:`tfref.nn.batchnorm.BatchNorm`, the
from-scratch layer (checked equal to ``keras.layers.BatchNormalization`` in spec_tests).
Every block passes ``training=`` explicitly to its BatchNorm and dropout layers.
"""

from __future__ import annotations

import keras

from tfref._validation import check_positive_whole
from tfref.nn.batchnorm import BatchNorm

__all__ = [
    "ZOO",
    "DenseBlock",
    "Inception",
    "Residual",
    "TransitionBlock",
    "alexnet",
    "block_output_shapes",
    "build",
    "densenet",
    "expected_block_shapes",
    "googlenet",
    "lenet_bn",
    "nin",
    "nin_block",
    "resnet",
    "VGG_DEEP_NARROW",
    "VGG_SHALLOW_WIDE",
    "conv_stack",
    "vgg",
    "vgg_block",
    "vgg_deep_narrow",
    "vgg_shallow_wide",
]

layers = keras.layers

# Momentum of the moving statistics in the zoo's BatchNorm layers: 0.9, as D2L's from-scratch
# BN, not keras' 0.99. With 0.99 the moving statistics of a run of a few dozen steps are still
# mostly their initial values (0.99^50 = 0.6), and inference-mode accuracy sits at chance while
# training accuracy climbs (measured: 10% test accuracy after 3 epochs of ResNet on digits).
BN_MOMENTUM = 0.9
# NiN's convolutions start from He (uniform) initialisation, suited to ReLU, instead of keras'
# Glorot default: measured on digits (Adam 3e-3, batch 32), with Glorot NiN sits at chance for
# the first 3-4 epochs and reaches 0.65-0.77 test accuracy after 10-16; with He it leaves
# chance after 1-2 epochs and reaches 0.84 after 8.
NIN_INITIALIZER = "he_uniform"


def _check_image_shape(input_shape, minimum: int, model: str) -> tuple[int, int, int]:
    shape = tuple(input_shape)
    if len(shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels); got {shape!r}")
    dims = tuple(check_positive_whole(d, "input_shape", "each dimension") for d in shape)
    if min(dims[:2]) < minimum:
        raise ValueError(f"input_shape {shape} is too small for {model}: height and width must "
                         f"be >= {minimum}; resize the images, e.g. with tf.image.resize")
    return dims


def _conv_side(n: int, k: int, s: int, padding: str) -> int:
    """floor((n + 2p - k) / s) + 1, with "same" padding giving ceil(n / s)."""
    if padding == "same":
        return -(-n // s)
    return (n - k) // s + 1


# -- blocks ------------------------------------------------------------------------------------
def vgg_block(num_convs: int, channels: int, name: str | None = None) -> keras.Sequential:
    """``num_convs`` 3x3 same convolutions with ReLU, then 2x2 max pooling with stride 2."""
    num_convs = check_positive_whole(num_convs, "num_convs", "convolutions in the block")
    channels = check_positive_whole(channels, "channels")
    block = [layers.Conv2D(channels, 3, padding="same", activation="relu")
             for _ in range(num_convs)]
    return keras.Sequential([*block, layers.MaxPooling2D(2, strides=2)], name=name)


def nin_block(channels: int, kernel_size: int, strides: int, padding: str,
              name: str | None = None) -> keras.Sequential:
    """A k x k convolution and two 1x1 convolutions, each followed by ReLU."""
    channels = check_positive_whole(channels, "channels")
    if padding not in ("same", "valid"):
        raise ValueError(f"padding must be 'same' or 'valid'; got {padding!r}")
    init = NIN_INITIALIZER
    return keras.Sequential([
        layers.Conv2D(channels, kernel_size, strides=strides, padding=padding, activation="relu",
                      kernel_initializer=init),
        layers.Conv2D(channels, 1, activation="relu", kernel_initializer=init),
        layers.Conv2D(channels, 1, activation="relu", kernel_initializer=init),
    ], name=name)


class Inception(keras.layers.Layer):
    """GoogLeNet's Inception block: four parallel paths concatenated on the channel axis.

    Args:
        c1: channels of path 1 (1x1 convolution).
        c2: ``(reduce, out)`` of path 2 (1x1 then 3x3 convolution).
        c3: ``(reduce, out)`` of path 3 (1x1 then 5x5 convolution).
        c4: channels of path 4 (3x3 max pooling, stride 1, then 1x1 convolution).

    Output channels: ``c1 + c2[1] + c3[1] + c4``; height and width unchanged.
    """

    def __init__(self, c1: int, c2, c3, c4: int, **kwargs):
        super().__init__(**kwargs)
        for label, pair in (("c2", c2), ("c3", c3)):
            if len(tuple(pair)) != 2:
                raise ValueError(f"{label} must be a pair (reduce channels, output channels); "
                                 f"got {pair!r}")
        self.c1, self.c2, self.c3, self.c4 = int(c1), tuple(c2), tuple(c3), int(c4)
        for label, value in (("c1", c1), ("c2", c2[0]), ("c2", c2[1]), ("c3", c3[0]),
                             ("c3", c3[1]), ("c4", c4)):
            check_positive_whole(value, label, "channels")
        conv = layers.Conv2D
        self.p1 = conv(self.c1, 1, activation="relu")
        self.p2_1 = conv(self.c2[0], 1, activation="relu")
        self.p2_2 = conv(self.c2[1], 3, padding="same", activation="relu")
        self.p3_1 = conv(self.c3[0], 1, activation="relu")
        self.p3_2 = conv(self.c3[1], 5, padding="same", activation="relu")
        self.p4_1 = layers.MaxPooling2D(3, strides=1, padding="same")
        self.p4_2 = conv(self.c4, 1, activation="relu")

    @property
    def output_channels(self) -> int:
        return self.c1 + self.c2[1] + self.c3[1] + self.c4

    def call(self, x):
        paths = (self.p1(x), self.p2_2(self.p2_1(x)), self.p3_2(self.p3_1(x)),
                 self.p4_2(self.p4_1(x)))
        return keras.ops.concatenate(paths, axis=-1)


    def get_config(self):
        return {**super().get_config(), "c1": self.c1, "c2": self.c2, "c3": self.c3,
                "c4": self.c4}


class Residual(keras.layers.Layer):
    """ResNet's residual block with two 3x3 convolutions and from-scratch BatchNorm.

    Args:
        channels: output channels.
        use_1x1conv: a 1x1 convolution (with ``strides``) on the shortcut, to match shapes.
        strides: stride of the first 3x3 convolution (and of the 1x1 shortcut).

    Raises:
        ValueError: ``strides != 1`` without the 1x1 convolution (the shortcut would not match).
            A channel mismatch without it is reported when the block is built.
    """

    def __init__(self, channels: int, use_1x1conv: bool = False, strides: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.channels = check_positive_whole(channels, "channels")
        self.strides = check_positive_whole(strides, "strides")
        self.use_1x1conv = bool(use_1x1conv)
        if self.strides != 1 and not self.use_1x1conv:
            raise ValueError(f"strides={strides} needs use_1x1conv=True: without the 1x1 "
                             "convolution the shortcut keeps the input's height and width")
        # No bias before a BatchNorm: its beta takes that role (the mean subtraction cancels it).
        self.conv1 = layers.Conv2D(self.channels, 3, strides=self.strides, padding="same",
                                   use_bias=False)
        self.conv2 = layers.Conv2D(self.channels, 3, padding="same", use_bias=False)
        # The strided 1x1 shortcut is written as a stride-1 1x1 convolution of x[:, ::s, ::s]
        # (the same function: a 1x1 kernel reads one pixel, and "same" padding adds none). The
        # reason: TF 2.21's oneDNN kernel for the gradient of a 1x1 stride-2 Conv2D corrupts the
        # heap (the process aborts with "double free or corruption") when a tf.function retraces
        # it for a new batch size, e.g. the shorter last batch of an epoch.
        self.conv3 = layers.Conv2D(self.channels, 1) if self.use_1x1conv else None
        self.bn1 = BatchNorm(momentum=BN_MOMENTUM)
        self.bn2 = BatchNorm(momentum=BN_MOMENTUM)

    def build(self, input_shape):
        if not self.use_1x1conv and input_shape[-1] != self.channels:
            raise ValueError(f"Residual without the 1x1 convolution needs input channels = "
                             f"channels; got {input_shape[-1]} and {self.channels} "
                             "(pass use_1x1conv=True)")
        super().build(input_shape)

    def call(self, x, training=False):
        y = keras.ops.relu(self.bn1(self.conv1(x), training=training))
        y = self.bn2(self.conv2(y), training=training)
        if self.conv3 is None:
            shortcut = x
        else:
            s = self.strides
            shortcut = self.conv3(x[:, ::s, ::s, :] if s > 1 else x)
        return keras.ops.relu(y + shortcut)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels,
                "use_1x1conv": self.use_1x1conv, "strides": self.strides}


class DenseBlock(keras.layers.Layer):
    """DenseNet's dense block: each BN-ReLU-conv3x3 output is concatenated to its input.

    x -> [x, f1(x), f2([x, f1(x)]), ...]: output channels ``C + num_convs * growth``.
    """

    def __init__(self, num_convs: int, growth: int, **kwargs):
        super().__init__(**kwargs)
        self.num_convs = check_positive_whole(num_convs, "num_convs", "convolutions")
        self.growth = check_positive_whole(growth, "growth", "channels added per convolution")
        self.norms = [BatchNorm(momentum=BN_MOMENTUM) for _ in range(self.num_convs)]
        self.convs = [layers.Conv2D(self.growth, 3, padding="same")
                      for _ in range(self.num_convs)]

    def call(self, x, training=False):
        for norm, conv in zip(self.norms, self.convs, strict=True):
            y = conv(keras.ops.relu(norm(x, training=training)))
            x = keras.ops.concatenate([x, y], axis=-1)
        return x


    def get_config(self):
        return {**super().get_config(), "num_convs": self.num_convs, "growth": self.growth}


class TransitionBlock(keras.layers.Layer):
    """DenseNet's transition layer: BN, ReLU, 1x1 conv to ``channels``, 2x2 average pool."""

    def __init__(self, channels: int, **kwargs):
        super().__init__(**kwargs)
        self.channels = check_positive_whole(channels, "channels")
        self.norm = BatchNorm(momentum=BN_MOMENTUM)
        self.conv = layers.Conv2D(self.channels, 1)
        self.pool = layers.AveragePooling2D(2, strides=2)

    def call(self, x, training=False):
        return self.pool(self.conv(keras.ops.relu(self.norm(x, training=training))))


    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


# -- models ------------------------------------------------------------------------------------
def alexnet(input_shape=(16, 16, 1), num_classes: int = 10, dropout: float = 0.5) -> keras.Model:
    """AlexNet scaled: conv widths 96-256-384-384-256 / 4, dense 4096 / 16, 5x5 first kernel.

    D2L's first layer (11x11, stride 4 on 224 x 224) becomes 5x5 stride 1 on 16 x 16; the three
    3x3 stride-2 max pools are kept (16 -> 7 -> 3 -> 1). Dropout with rate ``dropout`` (AlexNet's
    0.5) after each hidden dense layer; ``dropout=0`` keeps the layers, as the identity, so the
    two nets have the same layers and weight shapes (modern-cnn's dropout experiment). A keras
    Dropout with a rate above 0 draws its seed from the global generator when built, so after
    the same ``keras.utils.set_random_seed`` the two rates give different initial weights from
    dense2 on: copy the weights (``set_weights``) to start both from the same point.
    """
    _check_image_shape(input_shape, 15, "AlexNet")
    num_classes = check_positive_whole(num_classes, "num_classes")
    dropout = float(dropout)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a rate in [0, 1) (AlexNet's is 0.5); got {dropout}")
    inputs = keras.Input(tuple(input_shape))
    x = layers.Conv2D(24, 5, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(96, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(96, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool3")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, activation="relu", name="dense1")(x)
    x = layers.Dropout(dropout, name="dropout1")(x)
    x = layers.Dense(256, activation="relu", name="dense2")(x)
    x = layers.Dropout(dropout, name="dropout2")(x)
    outputs = layers.Dense(num_classes, name="output")(x)
    return keras.Model(inputs, outputs, name="alexnet")


VGG_ARCH = ((1, 16), (1, 32), (2, 64))


def vgg(input_shape=(16, 16, 1), num_classes: int = 10, arch=VGG_ARCH) -> keras.Model:
    """VGG: ``vgg_block``s from ``arch`` ((num_convs, channels), ...), then two dense layers.

    Scaled: VGG-11's first three blocks with widths 64-128-256 / 4 (D2L's small_conv_arch), the
    dense layers 4096 / 32 = 128 wide, dropout 0.5.
    """
    _check_image_shape(input_shape, 2 ** len(arch), "this VGG")
    num_classes = check_positive_whole(num_classes, "num_classes")
    inputs = keras.Input(tuple(input_shape))
    x = inputs
    for i, (num_convs, channels) in enumerate(arch, 1):
        x = vgg_block(num_convs, channels, name=f"vgg_block{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", name="dense1")(x)
    x = layers.Dropout(0.5, name="dropout1")(x)
    x = layers.Dense(128, activation="relu", name="dense2")(x)
    x = layers.Dropout(0.5, name="dropout2")(x)
    outputs = layers.Dense(num_classes, name="output")(x)
    return keras.Model(inputs, outputs, name="vgg")


def nin(input_shape=(16, 16, 1), num_classes: int = 10) -> keras.Model:
    """NiN: nin_blocks and 3x3 stride-2 max pools; the last block has ``num_classes`` channels
    and global average pooling turns it into the logits (no dense layer at all).

    Scaled: widths 96-256-384 / 8, first kernel 3x3 stride 1 (D2L: 11x11 stride 4).
    """
    _check_image_shape(input_shape, 7, "NiN")
    num_classes = check_positive_whole(num_classes, "num_classes")
    inputs = keras.Input(tuple(input_shape))
    x = nin_block(12, 3, 1, "same", name="nin_block1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = nin_block(32, 3, 1, "same", name="nin_block2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = nin_block(48, 3, 1, "same", name="nin_block3")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    x = nin_block(num_classes, 3, 1, "same", name="nin_block4")(x)
    outputs = layers.GlobalAveragePooling2D(name="global_avg_pool")(x)
    return keras.Model(inputs, outputs, name="nin")


def googlenet(input_shape=(16, 16, 1), num_classes: int = 10) -> keras.Model:
    """GoogLeNet scaled: a 3x3 stem, D2L's first three Inception blocks with widths / 8.

    stem conv 16 + max pool 3x3 s2 -> Inception(8, (12, 16), (2, 4), 4) = 32 channels ->
    Inception(16, (16, 24), (4, 12), 8) = 60 -> max pool -> Inception(24, (12, 26), (2, 6), 8)
    = 64 -> global average pooling -> dense.
    """
    _check_image_shape(input_shape, 4, "GoogLeNet")
    num_classes = check_positive_whole(num_classes, "num_classes")
    inputs = keras.Input(tuple(input_shape))
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="stem")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = Inception(8, (12, 16), (2, 4), 4, name="inception1")(x)
    x = Inception(16, (16, 24), (4, 12), 8, name="inception2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    x = Inception(24, (12, 26), (2, 6), 8, name="inception3")(x)
    x = layers.GlobalAveragePooling2D(name="global_avg_pool")(x)
    outputs = layers.Dense(num_classes, name="output")(x)
    return keras.Model(inputs, outputs, name="googlenet")


RESNET_STAGES = (8, 16, 32)


def resnet(input_shape=(16, 16, 1), num_classes: int = 10, stages=RESNET_STAGES,
           blocks_per_stage: int = 2) -> keras.Model:
    """ResNet scaled: ResNet-18's layout (two residual blocks a stage) with 3 stages of widths
    64-128-256 / 8, a 3x3 stem without max pooling; BatchNorm from scratch throughout.

    The first block of every stage after the first halves height and width and uses the 1x1
    convolution on its shortcut.
    """
    _check_image_shape(input_shape, 2 ** (len(stages) - 1), "this ResNet")
    num_classes = check_positive_whole(num_classes, "num_classes")
    blocks_per_stage = check_positive_whole(blocks_per_stage, "blocks_per_stage")
    inputs = keras.Input(tuple(input_shape))
    x = layers.Conv2D(stages[0], 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = BatchNorm(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    for stage, channels in enumerate(stages, 1):
        for block in range(1, blocks_per_stage + 1):
            first_of_later_stage = stage > 1 and block == 1
            x = Residual(channels, use_1x1conv=first_of_later_stage,
                         strides=2 if first_of_later_stage else 1,
                         name=f"residual{stage}_{block}")(x)
    x = layers.GlobalAveragePooling2D(name="global_avg_pool")(x)
    outputs = layers.Dense(num_classes, name="output")(x)
    return keras.Model(inputs, outputs, name="resnet")


def densenet(input_shape=(16, 16, 1), num_classes: int = 10, num_blocks: int = 3,
             convs_per_block: int = 2, growth: int = 8, stem_channels: int = 16) -> keras.Model:
    """DenseNet scaled: stem, then dense blocks with transition layers (halving channels,
    height and width) between them; BN-ReLU, global average pooling, dense.

    D2L: stem 64, 4 blocks of 4 convolutions, growth 32. Here: stem 16, 3 blocks of 2, growth 8.
    """
    num_blocks = check_positive_whole(num_blocks, "num_blocks")
    _check_image_shape(input_shape, 2 ** (num_blocks - 1), "this DenseNet")
    num_classes = check_positive_whole(num_classes, "num_classes")
    inputs = keras.Input(tuple(input_shape))
    x = layers.Conv2D(stem_channels, 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = BatchNorm(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    channels = stem_channels
    for i in range(1, num_blocks + 1):
        x = DenseBlock(convs_per_block, growth, name=f"dense_block{i}")(x)
        channels += convs_per_block * growth
        if i < num_blocks:
            channels //= 2
            x = TransitionBlock(channels, name=f"transition{i}")(x)
    x = BatchNorm(momentum=BN_MOMENTUM, name="final_bn")(x)
    x = layers.Activation("relu", name="final_relu")(x)
    x = layers.GlobalAveragePooling2D(name="global_avg_pool")(x)
    outputs = layers.Dense(num_classes, name="output")(x)
    return keras.Model(inputs, outputs, name="densenet")


def lenet_bn(input_shape=(16, 16, 1), num_classes: int = 10) -> keras.Model:
    """LeNet with BatchNorm (from scratch) after every convolution and hidden dense layer, before
    the sigmoid (D2L 7.5), so the sigmoid network trains fast."""
    _check_image_shape(input_shape, 12, "LeNet-BN")
    num_classes = check_positive_whole(num_classes, "num_classes")
    inputs = keras.Input(tuple(input_shape))
    x = layers.Conv2D(6, 5, padding="same", name="conv1")(inputs)
    x = BatchNorm(momentum=BN_MOMENTUM, name="bn1")(x)
    x = layers.Activation("sigmoid", name="act1")(x)
    x = layers.AveragePooling2D(2, strides=2, name="pool1")(x)
    x = layers.Conv2D(16, 5, name="conv2")(x)
    x = BatchNorm(momentum=BN_MOMENTUM, name="bn2")(x)
    x = layers.Activation("sigmoid", name="act2")(x)
    x = layers.AveragePooling2D(2, strides=2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(120, name="dense1")(x)
    x = BatchNorm(momentum=BN_MOMENTUM, name="bn3")(x)
    x = layers.Activation("sigmoid", name="act3")(x)
    x = layers.Dense(84, name="dense2")(x)
    x = BatchNorm(momentum=BN_MOMENTUM, name="bn4")(x)
    x = layers.Activation("sigmoid", name="act4")(x)
    outputs = layers.Dense(num_classes, name="output")(x)
    return keras.Model(inputs, outputs, name="lenet_bn")


# -- VGG's depth experiment ---------------------------------------------------------------------
# Simonyan & Zisserman (2014), sec. 4.1: their net B beside "a shallow net ... derived from B by
# replacing each pair of 3x3 conv. layers with a single 5x5 conv. layer (which has the same
# receptive field)". Blocks are (convolutions, kernel side, channels); the shallow net's first
# width is set so that both hold the same number of parameters within 2% (1 input channel,
# 8 x 8 inputs, 10 classes: 17,658 and 17,842).
VGG_DEEP_NARROW = ((2, 3, 16), (2, 3, 32))
VGG_SHALLOW_WIDE = ((1, 5, 20), (1, 5, 32))


def conv_stack(input_shape, num_classes: int, blocks, name: str) -> keras.Model:
    """A VGG-style body and a linear head, every convolution a named top-level layer.

    Per block ``(num_convs, kernel, channels)``: ``num_convs`` x [conv kernel x kernel, same
    padding, ReLU] named ``block{i}_conv{j}``, then 2x2 max pooling with stride 2
    (``block{i}_pool``); then ``flatten`` and ``output`` (Dense to the logits). Output shape of
    block i: (H / 2^i, W / 2^i, channels).

    Example:
        >>> conv_stack((8, 8, 1), 10, ((2, 3, 4),), "tiny").count_params()  # 40 + 148 + 650
        838
    """
    blocks = tuple(tuple(block) for block in blocks)
    if not blocks or any(len(block) != 3 for block in blocks):
        raise ValueError(f"blocks must be a non-empty sequence of (num_convs, kernel, channels); "
                         f"got {blocks!r}")
    _check_image_shape(input_shape, 2 ** len(blocks), name)
    num_classes = check_positive_whole(num_classes, "num_classes")
    inputs = keras.Input(tuple(input_shape))
    x = inputs
    for i, (num_convs, kernel, channels) in enumerate(blocks, 1):
        num_convs = check_positive_whole(num_convs, "num_convs", "convolutions in a block")
        kernel = check_positive_whole(kernel, "kernel", "the kernel side")
        channels = check_positive_whole(channels, "channels")
        for j in range(1, num_convs + 1):
            x = layers.Conv2D(channels, kernel, padding="same", activation="relu",
                              name=f"block{i}_conv{j}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{i}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(num_classes, name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def vgg_deep_narrow(input_shape=(8, 8, 1), num_classes: int = 10) -> keras.Model:
    """VGG's deep and narrow body: two blocks of two 3x3 convolutions (16, then 32 channels)."""
    return conv_stack(input_shape, num_classes, VGG_DEEP_NARROW, "vgg_deep_narrow")


def vgg_shallow_wide(input_shape=(8, 8, 1), num_classes: int = 10) -> keras.Model:
    """The shallow control: each pair of 3x3 convolutions of :func:`vgg_deep_narrow` replaced by
    one 5x5 convolution (the same receptive field; 20, then 32 channels)."""
    return conv_stack(input_shape, num_classes, VGG_SHALLOW_WIDE, "vgg_shallow_wide")


ZOO = {
    "alexnet": alexnet,
    "vgg": vgg,
    "nin": nin,
    "googlenet": googlenet,
    "resnet": resnet,
    "densenet": densenet,
    "lenet_bn": lenet_bn,
}


def build(name: str, input_shape=(16, 16, 1), num_classes: int = 10) -> keras.Model:
    """The zoo model ``name`` (one of ``ZOO``) with its default scaled widths."""
    if name not in ZOO:
        raise ValueError(f"name must be one of {sorted(ZOO)}; got {name!r}")
    return ZOO[name](input_shape, num_classes)


def block_output_shapes(model: keras.Model, batch: int = 2) -> list[tuple[str, tuple[int, ...]]]:
    """``(block name, output shape without the batch axis)`` for each top-level layer.

    The shapes are those of real tensors: a batch of zeros goes through the model (inference
    mode) with every block's output kept, not Keras' symbolic shape inference.

    Example:
        >>> [s for _, s in block_output_shapes(vgg((16, 16, 1)))][:3]
        [(8, 8, 16), (4, 4, 32), (2, 2, 64)]
    """
    blocks = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    probe = keras.Model(model.inputs, [layer.output for layer in blocks])
    outputs = probe(keras.ops.zeros((batch, *model.inputs[0].shape[1:])), training=False)
    return [(layer.name, tuple(int(d) for d in out.shape[1:]))
            for layer, out in zip(blocks, outputs, strict=True)]


# -- shapes by hand ----------------------------------------------------------------------------
def expected_block_shapes(name: str, input_shape=(16, 16, 1),
                          num_classes: int = 10) -> dict[str, tuple[int, ...]]:
    """Output shapes of the main blocks of zoo model ``name``, by the size formulas alone.

    Computed with floor((n + 2p - k) / s) + 1 per convolution or pooling (ceil(n / s) for
    "same" padding) and the channel rules of each block, without Keras' shape inference, so
    comparing it with :func:`block_output_shapes` checks the builders.
    """
    h, w, _ = _check_image_shape(input_shape, 1, name)
    k = int(num_classes)

    def side(n, kernel, stride, padding="valid"):
        return _conv_side(n, kernel, stride, padding)

    shapes: dict[str, tuple[int, ...]] = {}
    if name == "alexnet":
        h1, w1 = side(h, 3, 2), side(w, 3, 2)
        h2, w2 = side(h1, 3, 2), side(w1, 3, 2)
        h3, w3 = side(h2, 3, 2), side(w2, 3, 2)
        shapes = {"conv1": (h, w, 24), "pool1": (h1, w1, 24), "conv2": (h1, w1, 64),
                  "pool2": (h2, w2, 64), "conv5": (h2, w2, 64), "pool3": (h3, w3, 64),
                  "flatten": (h3 * w3 * 64,), "dense1": (256,), "output": (k,)}
    elif name == "vgg":
        for i, (_, channels) in enumerate(VGG_ARCH, 1):
            h, w = h // 2, w // 2
            shapes[f"vgg_block{i}"] = (h, w, channels)
        shapes.update({"flatten": (h * w * VGG_ARCH[-1][1],), "output": (k,)})
    elif name == "nin":
        h1, w1 = side(h, 3, 2), side(w, 3, 2)
        h2, w2 = side(h1, 3, 2), side(w1, 3, 2)
        shapes = {"nin_block1": (h, w, 12), "pool1": (h1, w1, 12), "nin_block2": (h1, w1, 32),
                  "pool2": (h2, w2, 32), "nin_block3": (h2, w2, 48), "nin_block4": (h2, w2, k),
                  "global_avg_pool": (k,)}
    elif name == "googlenet":
        h1, w1 = side(h, 3, 2, "same"), side(w, 3, 2, "same")
        h2, w2 = side(h1, 3, 2, "same"), side(w1, 3, 2, "same")
        shapes = {"stem": (h, w, 16), "pool1": (h1, w1, 16),
                  "inception1": (h1, w1, 8 + 16 + 4 + 4), "inception2": (h1, w1, 16 + 24 + 12 + 8),
                  "pool2": (h2, w2, 60), "inception3": (h2, w2, 24 + 26 + 6 + 8),
                  "global_avg_pool": (64,), "output": (k,)}
    elif name == "resnet":
        shapes = {"stem_relu": (h, w, RESNET_STAGES[0])}
        for stage, channels in enumerate(RESNET_STAGES, 1):
            if stage > 1:
                h, w = side(h, 3, 2, "same"), side(w, 3, 2, "same")
            shapes[f"residual{stage}_1"] = shapes[f"residual{stage}_2"] = (h, w, channels)
        shapes.update({"global_avg_pool": (RESNET_STAGES[-1],), "output": (k,)})
    elif name == "densenet":
        channels = 16
        shapes = {"stem_relu": (h, w, channels)}
        for i in range(1, 4):
            channels += 2 * 8  # c_in + num_convs * growth
            shapes[f"dense_block{i}"] = (h, w, channels)
            if i < 3:
                channels, h, w = channels // 2, h // 2, w // 2
                shapes[f"transition{i}"] = (h, w, channels)
        shapes.update({"global_avg_pool": (channels,), "output": (k,)})
    elif name == "lenet_bn":
        h1, w1 = h // 2, w // 2
        h2, w2 = (h1 - 4) // 2, (w1 - 4) // 2
        shapes = {"conv1": (h, w, 6), "bn1": (h, w, 6), "pool1": (h1, w1, 6),
                  "conv2": (h1 - 4, w1 - 4, 16), "pool2": (h2, w2, 16),
                  "flatten": (16 * h2 * w2,), "bn3": (120,), "bn4": (84,), "output": (k,)}
    else:
        raise ValueError(f"name must be one of {sorted(ZOO)}; got {name!r}")
    return shapes
