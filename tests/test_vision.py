"""tfref.nn.vision and the computer-vision topics' helpers (not contract properties)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref.data.images import load_photo, make_shapes, place_on_canvas, shift_images
from tfref.nn.vision import (
    HEAD_NAME,
    ConvFeatures,
    RandomResizedCrop,
    augmentation_layers,
    copy_body,
    small_cnn,
    train_two_rates,
)


def _images(n=4, h=12, w=18, c=3, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, h, w, c)).astype(np.float32)


# --- RandomResizedCrop ------------------------------------------------------------------------

def test_resized_crop_is_the_identity_at_inference_and_random_in_training():
    x = _images()
    layer = RandomResizedCrop(12, 18, scale=(0.1, 1.0), ratio=(0.5, 2.0), seed=1)
    assert np.array_equal(layer(x, training=False).numpy(), x)
    first, second = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert first.shape == x.shape and not np.array_equal(first, second)
    # bilinear interpolation never leaves the range of the input
    assert first.min() >= x.min() - 1e-6 and first.max() <= x.max() + 1e-6


def test_resized_crop_resizes_to_the_output_size_and_keeps_an_unbatched_rank():
    x = _images(n=1)[0]
    layer = RandomResizedCrop(5, 7, seed=0)
    assert layer(x, training=True).shape == (5, 7, 3)
    expected = tf.image.resize(x[np.newaxis], (5, 7)).numpy()[0]
    np.testing.assert_allclose(layer(x, training=False).numpy(), expected, rtol=1e-6)


def test_resized_crop_boxes_respect_the_aspect_ratio_and_area_bounds():
    layer = RandomResizedCrop(10, 10, scale=(0.2, 0.6), ratio=(0.75, 1.5), seed=3)
    boxes = layer.sample_boxes(2000, 40, 60).numpy()
    heights, widths = (boxes[:, 2] - boxes[:, 0]) * 40, (boxes[:, 3] - boxes[:, 1]) * 60
    ratio, area = widths / heights, heights * widths / (40 * 60)
    assert boxes.min() >= -1e-6 and boxes.max() <= 1 + 1e-6
    assert ratio.min() >= 0.75 - 1e-4 and ratio.max() <= 1.5 + 1e-4
    assert area.min() >= 0.2 - 1e-4 and area.max() <= 0.6 + 1e-4  # all fit at these bounds
    assert ratio.min() < 0.9 and ratio.max() > 1.3  # the whole range is drawn


def test_resized_crop_is_repeatable_under_a_seed():
    x = _images()
    a = RandomResizedCrop(6, 6, seed=7)(x, training=True).numpy()
    b = RandomResizedCrop(6, 6, seed=7)(x, training=True).numpy()
    assert np.array_equal(a, b)


@pytest.mark.parametrize("kwargs, name", [
    ({"height": 0, "width": 4}, "height"),
    ({"height": 4, "width": 2.5}, "width"),
    ({"height": 4, "width": 4, "scale": (0.5, 1.5)}, "scale"),
    ({"height": 4, "width": 4, "scale": (0.0, 0.5)}, "scale"),
    ({"height": 4, "width": 4, "ratio": (2.0, 1.0)}, "ratio"),
    ({"height": 4, "width": 4, "ratio": 1.0}, "ratio"),
])
def test_resized_crop_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        RandomResizedCrop(**kwargs)


def test_contrast_layer_draws_factors_below_and_above_one():
    """Keras 3.15 reads RandomContrast(0.5) as [1, 1.5]; tfref's layer must span [0.5, 1.5]."""
    x = 0.35 + 0.3 * _images(n=32)
    out = augmentation_layers(12, 18, value_range=(0, 1), seed=0)["contrast"](x, training=True)
    mean = x.mean(axis=(1, 2), keepdims=True)
    dev = x - mean
    factors = np.sum((np.asarray(out) - mean) * dev, axis=(1, 2, 3)) / np.sum(dev**2, (1, 2, 3))
    assert factors.min() < 0.9 and factors.max() > 1.1
    assert factors.min() >= 0.5 - 1e-4 and factors.max() <= 1.5 + 1e-4


# --- fine-tuning helpers --------------------------------------------------------------------

def test_copy_body_copies_every_layer_but_the_head():
    source = small_cnn((8, 8, 1), 3, seed=0, widths=(4, 8), hidden=6)
    target = small_cnn((8, 8, 1), 5, seed=1, widths=(4, 8), hidden=6)
    copied = copy_body(source, target)
    assert copied == ["conv1", "conv2", "hidden"]
    for name in copied:
        for a, b in zip(source.get_layer(name).get_weights(),
                        target.get_layer(name).get_weights(), strict=True):
            assert np.array_equal(a, b)
    assert target.get_layer(HEAD_NAME).get_weights()[0].shape == (6, 5)  # new head, 5 classes


def test_copy_body_rejects_a_target_of_another_architecture():
    source = small_cnn((8, 8, 1), 3, seed=0, widths=(4, 8), hidden=6)
    with pytest.raises(ValueError, match="conv2"):
        copy_body(source, small_cnn((8, 8, 1), 3, seed=0, widths=(4, 16), hidden=6))


def test_train_two_rates_gives_each_group_its_learning_rate():
    keras.utils.set_random_seed(0)
    model = small_cnn((8, 8, 1), 2, seed=0, widths=(4,), hidden=None)
    x = np.random.default_rng(0).uniform(0, 1, (32, 8, 8, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(np.int64)
    before = [v.numpy().copy() for v in model.trainable_variables]
    history = train_two_rates(model, x, y, body_lr=1e-6, head_lr=1e-1, epochs=2, batch_size=8,
                              seed=0, evaluate=lambda m: 1.0)
    body_opt, head_opt = history["optimizers"]
    assert float(body_opt.learning_rate) == pytest.approx(1e-6)
    assert float(head_opt.learning_rate) == pytest.approx(1e-1)
    assert history["evaluations"] == [1.0, 1.0] and len(history["loss"]) == 2
    moved = {v.path: float(np.abs(v.numpy() - b).max())
             for v, b in zip(model.trainable_variables, before, strict=True)}
    body = max(m for p, m in moved.items() if HEAD_NAME not in p)
    head = max(m for p, m in moved.items() if HEAD_NAME in p)
    assert 0 < body < 1e-4 < head  # Adam moves each weight by about lr per step
    with pytest.raises(ValueError, match="body_lr"):
        train_two_rates(model, x, y, body_lr=0.0, head_lr=1.0, epochs=1, batch_size=8, seed=0)


def test_conv_features_are_fixed_and_repeatable():
    x = _images(n=1, h=8, w=12)
    net = ConvFeatures(widths=(4, 8), seed=2)
    outputs = net(x, training=False)
    assert [tuple(o.shape) for o in outputs] == [(1, 8, 12, 4), (1, 4, 6, 8)]
    assert not net.trainable_weights and len(net.weights) == 4
    again = ConvFeatures(widths=(4, 8), seed=2)(x, training=False)
    assert all(np.array_equal(a, b) for a, b in zip(outputs, again, strict=True))


# --- topic helpers --------------------------------------------------------------------------

def test_shift_images_moves_pixels_and_fills_zeros():
    x = np.arange(2 * 4 * 5, dtype=np.float32).reshape(2, 4, 5, 1) + 1
    out = shift_images(x, np.array([[1, -2], [0, 0]]))
    assert np.array_equal(out[1], x[1])
    expected = np.zeros_like(x[0])
    expected[1:, :3] = x[0, :3, 2:]
    assert np.array_equal(out[0], expected)


def test_place_on_canvas_keeps_each_image_whole():
    x = _images(n=5, h=3, w=3, c=1)
    out = place_on_canvas(x, np.random.default_rng(0), pad=2)
    assert out.shape == (5, 7, 7, 1)
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), x.sum(axis=(1, 2, 3)), rtol=1e-6)


def test_image_helpers_refuse_bad_input_saying_what_to_fix():
    with pytest.raises(ValueError, match="one per image"):
        shift_images(_images(n=2), np.array([[1, 0]]))
    with pytest.raises(ValueError, match="add a channel axis"):
        place_on_canvas(np.zeros((2, 8, 8)), np.random.default_rng(0))
    with pytest.raises(ValueError, match="pad must be"):
        place_on_canvas(_images(n=1), np.random.default_rng(0), pad=-1)
    with pytest.raises(ValueError, match="scikit-learn bundles"):
        load_photo("cat.jpg")
    with pytest.raises(ValueError, match="size must be"):
        make_shapes(2, np.random.default_rng(0), size=8)
