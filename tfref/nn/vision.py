"""Computer-vision building blocks (D2L 13.1, 13.2, 13.12; seed 003).

- Image augmentation (13.1): :func:`augmentation_layers` names one Keras preprocessing layer per
  augmentation D2L shows (horizontal and vertical flips, random resized crop, brightness,
  contrast, saturation, hue, all four colour changes at once); :class:`RandomResizedCrop` is
  torchvision's ``RandomResizedCrop`` (a crop of random area and aspect ratio, resized to a
  fixed size), which Keras 3 lacks, written with ``tf.image.crop_and_resize``. Every random
  layer is the identity at inference (``training=False``).
- Fine-tuning (13.2): :func:`small_cnn` (a body of convolutions plus a ``head`` Dense layer),
  :func:`copy_body` (a target model with the source's layers and weights except the head) and
  :func:`train_two_rates` (a training loop with one optimiser for the copied layers and another,
  with a larger learning rate, for the new head).
- Style transfer (13.12): :class:`ConvFeatures`, a few frozen convolution blocks whose outputs
  serve as content and style features.

Deviations: D2L fine-tunes an ImageNet-pretrained ResNet-18 and extracts style features from a
pretrained VGG-19; nothing can be downloaded here, so the source model is trained by the caller
(tfref.topics.fine_tuning trains it on digits 0-4) and the style features come from
convolutions with fixed random weights (tfref.topics.style_transfer says so in its report).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

__all__ = ["RandomResizedCrop", "augmentation_layers", "small_cnn", "copy_body",
           "train_two_rates", "ConvFeatures", "HEAD_NAME"]

HEAD_NAME = "head"


def _pair(value, name: str, low: float, high: float | None = None) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of numbers; got {value!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)) or not low < a <= b or (
            high is not None and b > high):
        upper = f" and high <= {high}" if high is not None else ""
        raise ValueError(f"{name} must satisfy {low} < low <= high{upper}; got ({a}, {b})")
    return a, b


class RandomResizedCrop(keras.layers.Layer):
    """Crop a random area and aspect ratio of each image, then resize it to ``(height, width)``.

    Training (torchvision's ``RandomResizedCrop``, D2L 13.1): for each image of size H x W
        s ~ Uniform(scale),  log r ~ Uniform(log ratio)      (r = crop width / crop height)
        crop_w = sqrt(s H W r),  crop_h = sqrt(s H W / r)
        if the crop does not fit, both sides shrink by one factor until it does (the ratio is
        kept, the area falls below s; torchvision instead redraws up to 10 times)
        top-left corner uniform over the positions where the crop fits
        output = bilinear resize of the crop to (height, width)  (tf.image.crop_and_resize)
    Inference: the whole image resized to (height, width): the identity when the sizes agree.

    Args:
        height, width: output size.
        scale: range of the crop's area as a fraction of the image's, in (0, 1].
        ratio: range of the crop's aspect ratio (width / height), > 0.
        seed: seeds the layer's generator (a fresh draw every call).

    Input ``(h, w, c)`` or ``(n, h, w, c)``, channels last; output float32 of the same rank.
    """

    def __init__(self, height: int, width: int, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
        self.height, self.width = int(height), int(width)
        self.scale = _pair(scale, "scale", 0.0, 1.0)
        self.ratio = _pair(ratio, "ratio", 0.0)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def sample_boxes(self, batch: int, image_height: int, image_width: int) -> tf.Tensor:
        """``(batch, 4)`` boxes ``[y1, x1, y2, x2]`` as fractions of the image (crop_and_resize's)."""
        h, w = float(image_height), float(image_width)
        area = keras.random.uniform((batch,), *self.scale, seed=self.seed_generator)
        log_ratio = keras.random.uniform((batch,), math.log(self.ratio[0]),
                                         math.log(self.ratio[1]), seed=self.seed_generator)
        ratio = tf.exp(log_ratio)
        crop_w = tf.sqrt(area * h * w * ratio)
        crop_h = tf.sqrt(area * h * w / ratio)
        shrink = tf.maximum(1.0, tf.maximum(crop_w / w, crop_h / h))
        crop_w, crop_h = crop_w / shrink, crop_h / shrink
        corner = keras.random.uniform((batch, 2), 0.0, 1.0, seed=self.seed_generator)
        top = corner[:, 0] * (h - crop_h)
        left = corner[:, 1] * (w - crop_w)
        return tf.stack([top / h, left / w, (top + crop_h) / h, (left + crop_w) / w], axis=1)

    def call(self, inputs, training=False):
        x = tf.cast(tf.convert_to_tensor(inputs), tf.float32)
        single = x.shape.rank == 3
        if single:
            x = x[tf.newaxis]
        if x.shape.rank != 4:
            raise ValueError(f"inputs must be images (h, w, c) or (n, h, w, c); got shape "
                             f"{x.shape.as_list()}")
        if training:
            shape = tf.shape(x)
            # Fractions of the image, read by crop_and_resize as f * (size - 1) in pixels.
            boxes = self.sample_boxes(shape[0], x.shape[1], x.shape[2])
            out = tf.image.crop_and_resize(x, boxes, tf.range(shape[0]),
                                           (self.height, self.width), method="bilinear")
        elif (x.shape[1], x.shape[2]) == (self.height, self.width):
            out = x
        else:
            out = tf.image.resize(x, (self.height, self.width), method="bilinear")
        return out[0] if single else out

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-3], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "scale": self.scale, "ratio": self.ratio, "seed": self.seed}


def augmentation_layers(height: int, width: int, value_range=(0.0, 255.0),
                        seed: int = 0) -> dict[str, keras.layers.Layer]:
    """One random Keras layer per augmentation of D2L 13.1, by name, all seeded.

    ``flip-horizontal``, ``flip-vertical`` (``RandomFlip``, probability 1/2 each image);
    ``resized-crop`` (:class:`RandomResizedCrop`, area 10-100%, aspect ratio 1/2-2, D2L's);
    ``brightness`` (``RandomBrightness(0.5)``: adds one offset per image, up to half the
    value range either way, then clips); ``contrast`` (``RandomContrast(0.5)``: scales the
    deviations from each channel's mean by a factor in [0.5, 1.5]; Keras 3.15 reads a single
    float f as [1, 1 + f], so the pair (0.5, 0.5) is passed); ``saturation``
    (``RandomSaturation``); ``hue`` (``RandomHue``); ``colour-jitter`` (``RandomColorJitter``,
    the four colour changes at once, as D2L's ``ColorJitter(0.5, 0.5, 0.5, 0.5)``).
    """
    value_range = tuple(float(v) for v in value_range)
    return {
        "flip-horizontal": keras.layers.RandomFlip("horizontal", seed=seed),
        "flip-vertical": keras.layers.RandomFlip("vertical", seed=seed + 1),
        "resized-crop": RandomResizedCrop(height, width, scale=(0.1, 1.0), ratio=(0.5, 2.0),
                                          seed=seed + 2),
        "brightness": keras.layers.RandomBrightness(0.5, value_range=value_range, seed=seed + 3),
        "contrast": keras.layers.RandomContrast((0.5, 0.5), value_range=value_range,
                                              seed=seed + 4),
        "saturation": keras.layers.RandomSaturation((0.1, 0.9), value_range=value_range,
                                                    seed=seed + 5),
        "hue": keras.layers.RandomHue(0.5, value_range=value_range, seed=seed + 6),
        "colour-jitter": keras.layers.RandomColorJitter(
            value_range=value_range, brightness_factor=0.5, contrast_factor=(0.5, 0.5),
            saturation_factor=(0.1, 0.9), hue_factor=0.5, seed=seed + 7),
    }


# --- fine-tuning ----------------------------------------------------------------------------

def small_cnn(input_shape, num_classes: int, *, seed: int = 0, name: str = "small_cnn",
              widths=(16, 32, 64), hidden: int | None = 64) -> keras.Sequential:
    """Convolutions (3x3, ReLU, 2x2 max-pooling after the second and third), a dense ReLU
    layer of ``hidden`` units (none when 0 or None), and a Dense output layer named ``head``
    (the layer fine-tuning replaces)."""
    initializer = keras.initializers.HeNormal
    layers = [keras.Input(tuple(input_shape))]
    for i, filters in enumerate(widths):
        layers.append(keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                          kernel_initializer=initializer(seed + i),
                                          name=f"conv{i + 1}"))
        if i > 0:
            layers.append(keras.layers.MaxPooling2D(2, name=f"pool{i + 1}"))
    layers.append(keras.layers.Flatten(name="flatten"))
    if hidden:
        layers.append(keras.layers.Dense(hidden, activation="relu",
                                         kernel_initializer=initializer(seed + 10), name="hidden"))
    layers.append(keras.layers.Dense(num_classes, name=HEAD_NAME,
                                     kernel_initializer=keras.initializers.GlorotUniform(seed + 11)))
    return keras.Sequential(layers, name=name)


def copy_body(source: keras.Model, target: keras.Model) -> list[str]:
    """Copy the weights of every layer of ``source`` except its ``head`` into ``target``.

    The two models must have the same layers (names and weight shapes) apart from the head.
    Returns the names of the layers whose weights were copied.

    Raises:
        ValueError: a layer of the source is missing from the target, or its weights differ in
            shape.
    """
    copied = []
    for layer in source.layers:
        if layer.name == HEAD_NAME or not layer.weights:
            continue
        try:
            other = target.get_layer(layer.name)
        except ValueError:
            raise ValueError(f"target has no layer {layer.name!r} to copy the source's into; "
                             "source and target must share the body's layer names") from None
        shapes = [tuple(w.shape) for w in layer.weights]
        if shapes != [tuple(w.shape) for w in other.weights]:
            raise ValueError(f"layer {layer.name!r}: source weights {shapes} and target weights "
                             f"{[tuple(w.shape) for w in other.weights]} differ in shape")
        other.set_weights(layer.get_weights())
        copied.append(layer.name)
    return copied


def train_two_rates(model: keras.Model, x, y, *, body_lr: float, head_lr: float, epochs: int,
                    batch_size: int, seed: int, evaluate=None) -> dict:
    """Train with one Adam for the body (``body_lr``) and another for the head (``head_lr``).

    D2L 13.2 trains the copied layers with a small learning rate and the new output layer with
    ten times that; with ``body_lr == head_lr`` this is plain training of the whole model.
    ``evaluate(model)`` (optional) is called after every epoch; its results are returned under
    ``"evaluations"``. Returns ``{"loss": [...], "evaluations": [...], "optimizers": (body,
    head)}``.
    """
    if not (body_lr > 0 and head_lr > 0):
        raise ValueError(f"learning rates must be > 0; got body_lr={body_lr}, head_lr={head_lr}")
    head = model.get_layer(HEAD_NAME)
    head_ids = {id(v) for v in head.trainable_variables}
    head_vars = list(head.trainable_variables)
    body_vars = [v for v in model.trainable_variables if id(v) not in head_ids]
    body_opt = keras.optimizers.Adam(learning_rate=body_lr)
    head_opt = keras.optimizers.Adam(learning_rate=head_lr)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    y = tf.convert_to_tensor(np.asarray(y, dtype=np.int64))

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, body_vars + head_vars)
        body_opt.apply_gradients(zip(grads[:len(body_vars)], body_vars, strict=True))
        head_opt.apply_gradients(zip(grads[len(body_vars):], head_vars, strict=True))
        return loss

    rng = np.random.default_rng(seed)
    n = int(x.shape[0])
    history = {"loss": [], "evaluations": [], "optimizers": (body_opt, head_opt),
               "body_variables": body_vars, "head_variables": head_vars}
    for _ in range(int(epochs)):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = tf.constant(order[start:start + batch_size])
            total += float(step(tf.gather(x, batch), tf.gather(y, batch))) * int(batch.shape[0])
        history["loss"].append(total / n)
        if evaluate is not None:
            history["evaluations"].append(evaluate(model))
    return history


# --- style transfer -------------------------------------------------------------------------

class ConvFeatures(keras.Model):
    """Frozen convolution blocks returning every block's output (style and content features).

    Block i: Conv2D(widths[i], 3x3, same, ReLU) then, after the first, 2x2 average pooling
    (Gatys et al. prefer average to max pooling for synthesis). The weights are He-normal
    random numbers drawn from ``seed`` and never trained (``trainable = False``): random
    convolutional features still capture local textures (Ulyanov et al. 2016; He et al. 2016,
    "A powerful generative model using random weights"), though less well than VGG-19's.
    Inputs in [0, 1] are centred to [-1, 1] first.
    """

    def __init__(self, widths=(32, 64, 128), seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.convs = [keras.layers.Conv2D(w, 3, padding="same", activation="relu",
                                          kernel_initializer=keras.initializers.HeNormal(seed + i),
                                          name=f"style_conv{i + 1}")
                      for i, w in enumerate(widths)]
        self.pools = [keras.layers.AveragePooling2D(2, name=f"style_pool{i + 1}")
                      for i in range(len(widths))]
        self.trainable = False

    def call(self, images, training=False):
        x = images * 2.0 - 1.0
        outputs = []
        for i, conv in enumerate(self.convs):
            if i > 0:
                x = self.pools[i](x)
            x = conv(x, training=training)
            outputs.append(x)
        return outputs
