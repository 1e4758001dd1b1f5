"""A fully convolutional network (FCN) with a bilinear-initialised upsampling layer (D2L 13.11).

    backbone:   [Conv2D 3x3 + ReLU, MaxPool 2x2] x depth, then Conv2D 3x3 + ReLU
                (the feature map is 1 / 2^depth of the input's height and width)
    classifier: Conv2D 1x1 to num_classes channels (a per-pixel dense layer)
    upsampling: Conv2DTranspose(num_classes, kernel 2f, stride f, padding "same"), f = 2^depth,
                its kernel initialised to bilinear interpolation (ops.bilinear_kernel), so that
                before any training it returns tf.image.resize(logits, x f, "bilinear") away from
                the border

D2L builds the backbone from a pretrained ResNet-18; no pretrained weights can be downloaded
here, so :class:`FCN` trains a small backbone from scratch.

Symbols: f -> ``factor``; 2f -> the kernel size; num_classes -> the output channels.
"""

from __future__ import annotations

import keras

from tfref.ops.conv import bilinear_kernel

__all__ = ["BilinearUpsamplingInitializer", "bilinear_upsampling", "FCN"]


@keras.saving.register_keras_serializable(package="tfref")
class BilinearUpsamplingInitializer(keras.initializers.Initializer):
    """Initialises a Conv2DTranspose kernel ``(k, k, out, in)`` with ops.bilinear_kernel.

    Example:
        >>> kernel = BilinearUpsamplingInitializer()((4, 4, 1, 1))
        >>> [round(float(v), 4) for v in kernel[0, :, 0, 0]]
        [0.0625, 0.1875, 0.1875, 0.0625]
    """

    def __call__(self, shape, dtype=None):
        if len(shape) != 4 or shape[0] != shape[1]:
            raise ValueError(f"shape must be a square transposed-convolution kernel (k, k, out, "
                             f"in); got {tuple(shape)}")
        kernel = bilinear_kernel(shape[3], shape[2], shape[0])
        return keras.ops.cast(kernel, dtype or "float32")

    def get_config(self):
        return {}


def bilinear_upsampling(channels: int, factor: int, *, trainable: bool = True,
                        name: str | None = None) -> keras.layers.Conv2DTranspose:
    """A Conv2DTranspose that upsamples ``channels`` channels by ``factor`` (even) bilinearly.

    Kernel 2 factor, stride factor, padding "same" (which crops factor / 2 on each side, the
    padding of ops.conv2d_transpose), no bias.

    Example:
        >>> layer = bilinear_upsampling(3, 2)
        >>> tuple(layer(keras.ops.ones((1, 4, 5, 3))).shape)
        (1, 8, 10, 3)
    """
    if int(factor) != factor or factor < 2 or factor % 2:
        raise ValueError(f"factor must be an even whole number >= 2; got {factor!r}")
    return keras.layers.Conv2DTranspose(
        channels, kernel_size=2 * factor, strides=factor, padding="same", use_bias=False,
        kernel_initializer=BilinearUpsamplingInitializer(), trainable=trainable, name=name)


class FCN(keras.Model):
    """Backbone (trained here), 1x1 classifier, bilinear transposed-convolution upsampling.

    Args:
        num_classes: classes per pixel (the output channels).
        filters: channels of the backbone's convolutions, one entry per stage; every stage but
            the last ends with a 2x2 max pooling, so the upsampling factor is 2^(len - 1).
        batch_norm: put BatchNormalization between each backbone convolution and its ReLU.

    Call returns per-pixel logits ``(batch, height, width, num_classes)`` for inputs whose
    height and width are multiples of the factor.

    Example:
        >>> model = FCN(num_classes=3, filters=(8, 8, 8))
        >>> tuple(model(keras.ops.zeros((2, 16, 16, 3)), training=False).shape)
        (2, 16, 16, 3)
    """

    def __init__(self, num_classes: int, filters=(16, 32, 32), batch_norm: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        if len(filters) < 2:
            raise ValueError(f"filters needs at least two stages (one pooling); got {filters!r}")
        self.num_classes = int(num_classes)
        self.factor = 2 ** (len(filters) - 1)
        self.backbone = []
        for i, width in enumerate(filters):
            if batch_norm:
                self.backbone += [keras.layers.Conv2D(width, 3, padding="same", use_bias=False,
                                                      name=f"conv{i}"),
                                  keras.layers.BatchNormalization(momentum=0.9, name=f"bn{i}"),
                                  keras.layers.ReLU(name=f"relu{i}")]
            else:
                self.backbone.append(keras.layers.Conv2D(width, 3, padding="same",
                                                         activation="relu", name=f"conv{i}"))
            if i < len(filters) - 1:
                self.backbone.append(keras.layers.MaxPooling2D(2, name=f"pool{i}"))
        self.classifier = keras.layers.Conv2D(self.num_classes, 1, name="classifier")
        self.upsample = bilinear_upsampling(self.num_classes, self.factor, name="upsample")

    def features(self, x, training=False):
        """Backbone then 1x1 classifier: coarse logits (batch, h / f, w / f, num_classes)."""
        for layer in self.backbone:
            x = layer(x, training=training)
        return self.classifier(x, training=training)

    def call(self, x, training=False):
        return self.upsample(self.features(x, training=training), training=training)
