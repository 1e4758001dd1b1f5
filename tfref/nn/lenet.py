"""LeNet-5 as a Keras model: sigmoid + average pooling as published, ReLU + max pooling beside it.

Architecture (D2L 6.6; seed 003), for an H x W x 1 image (28 x 28 in D2L):
    conv 5x5, 6 channels, zero padding 2      -> H x W x 6           (5*5*1 + 1) * 6   = 156
    activation, pool 2x2 stride 2             -> H/2 x W/2 x 6
    conv 5x5, 16 channels, no padding         -> (H/2 - 4) x (W/2 - 4) x 16
                                                                     (5*5*6 + 1) * 16  = 2416
    activation, pool 2x2 stride 2             -> h2 x w2 x 16, h2 = floor((H/2 - 4) / 2)
    flatten                                   -> 16 h2 w2
    dense 120, activation                     (16 h2 w2 + 1) * 120
    dense 84, activation                      (120 + 1) * 84    = 10164
    dense num_classes (logits)                (84 + 1) * num_classes
For 28 x 28 and 10 classes: 156 + 2416 + 48120 + 10164 + 850 = 61,706 parameters (the same as
LeNet-5 on unpadded 32 x 32 images).

Variants: ``"sigmoid"`` is LeNet-5 as published (sigmoid, average pooling); ``"relu"`` swaps in
ReLU and max pooling, the modern choice that trains much faster.
"""

from __future__ import annotations

import keras

from tfref._validation import check_positive_whole

__all__ = ["LENET_VARIANTS", "lenet", "lenet_layer_shapes", "lenet_parameter_count"]

LENET_VARIANTS = ("sigmoid", "relu")


def _check_input_shape(input_shape) -> tuple[int, int, int]:
    shape = tuple(input_shape)
    if len(shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels); got {shape!r}")
    height, width, channels = (check_positive_whole(d, "input_shape", "each dimension")
                               for d in shape)
    if min(height, width) < 12:
        raise ValueError(
            f"input_shape {shape} is too small for LeNet: height and width must be >= 12 (the "
            f"second 5x5 convolution needs at least 5x5 after the first pooling, and the second "
            f"pooling at least 2x2); resize the images, e.g. with tf.image.resize")
    return height, width, channels


def lenet(variant: str = "sigmoid", input_shape=(28, 28, 1), num_classes: int = 10) -> keras.Model:
    """LeNet-5 as a functional ``keras.Model`` that outputs logits.

    Args:
        variant: ``"sigmoid"`` (sigmoid and average pooling, as published) or ``"relu"`` (ReLU
            and max pooling).
        input_shape: ``(height, width, channels)``, height and width >= 12.
        num_classes: the number of logits.

    Returns:
        A built ``keras.Model`` named ``lenet_<variant>`` with layers
        ``conv1, act1, pool1, conv2, act2, pool2, flatten, dense1, act3, dense2, act4, output``.

    Raises:
        ValueError: an unknown variant, a malformed or too small ``input_shape``, or a
            ``num_classes`` that is not a whole number >= 1.

    Example:
        >>> model = lenet("sigmoid", (28, 28, 1), 10)
        >>> model.count_params()
        61706
        >>> [s for _, s in lenet_layer_shapes(model)][:6]
        [(28, 28, 6), (28, 28, 6), (14, 14, 6), (10, 10, 16), (10, 10, 16), (5, 5, 16)]
    """
    if variant not in LENET_VARIANTS:
        raise ValueError(f"variant must be one of {LENET_VARIANTS}; got {variant!r}")
    shape = _check_input_shape(input_shape)
    num_classes = check_positive_whole(num_classes, "num_classes", "the number of classes")
    activation = variant  # "sigmoid" or "relu"
    pool = keras.layers.AveragePooling2D if variant == "sigmoid" else keras.layers.MaxPooling2D
    layers = keras.layers
    inputs = keras.Input(shape)
    x = layers.Conv2D(6, 5, padding="same", name="conv1")(inputs)  # "same" = padding 2 for 5x5
    x = layers.Activation(activation, name="act1")(x)
    x = pool(2, strides=2, name="pool1")(x)
    x = layers.Conv2D(16, 5, padding="valid", name="conv2")(x)
    x = layers.Activation(activation, name="act2")(x)
    x = pool(2, strides=2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(120, name="dense1")(x)
    x = layers.Activation(activation, name="act3")(x)
    x = layers.Dense(84, name="dense2")(x)
    x = layers.Activation(activation, name="act4")(x)
    outputs = layers.Dense(num_classes, name="output")(x)
    return keras.Model(inputs, outputs, name=f"lenet_{variant}")


def lenet_layer_shapes(model: keras.Model) -> list[tuple[str, tuple[int, ...]]]:
    """``(layer name, output shape without the batch axis)`` for every layer after the input."""
    return [(layer.name, tuple(int(d) for d in layer.output.shape[1:]))
            for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def lenet_parameter_count(input_shape=(28, 28, 1), num_classes: int = 10) -> int:
    """The parameter count of LeNet-5 by the formula in this module's docstring.

    Example:
        >>> lenet_parameter_count((28, 28, 1), 10), lenet_parameter_count((32, 32, 1), 10)
        (61706, 82826)
    """
    height, width, channels = _check_input_shape(input_shape)
    h2, w2 = (height // 2 - 4) // 2, (width // 2 - 4) // 2
    return ((5 * 5 * channels + 1) * 6 + (5 * 5 * 6 + 1) * 16 + (16 * h2 * w2 + 1) * 120
            + (120 + 1) * 84 + (84 + 1) * num_classes)
