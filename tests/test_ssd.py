"""The tiny SSD (tfref.nn.ssd) and the synthetic detection set (tfref.data.detection).

Not contract properties: plain tests of the layers' shapes, tracked weights, the loss against
Keras' own losses, the NumPy greedy NMS against ops.nms and TensorFlow's, D2L's detection
example, and the data generator. Training through tfref.train.fit: tests/test_ssd_training.py.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from spec_tests import reference_numpy
from tfref.data.detection import make_detection_set
from tfref.nn.ssd import TinySSD, concat_preds, greedy_nms, multibox_detection, ssd_loss
from tfref.ops.boxes import multibox_target, nms


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return TinySSD(num_classes=2, input_size=32)


def test_tiny_ssd_shapes_per_scale_and_concatenated(model):
    x = np.random.default_rng(0).random((3, 32, 32, 3), dtype=np.float32)
    a, q = model.num_anchors, 2
    outputs = model.scale_outputs(x, training=False)
    assert model.feature_shapes == ((8, 8), (4, 4), (2, 2), (1, 1))
    for (features, cls, bbox), (h, w) in zip(outputs, model.feature_shapes, strict=True):
        assert tuple(features.shape[1:3]) == (h, w)
        assert tuple(cls.shape) == (3, h, w, a * (q + 1))
        assert tuple(bbox.shape) == (3, h, w, 4 * a)
    cls_preds, bbox_preds = model(x, training=False)
    total = sum(h * w * a for h, w in model.feature_shapes)
    assert len(model.anchors) == total == 340
    assert tuple(cls_preds.shape) == (3, total, q + 1) and tuple(bbox_preds.shape) == (3, 4 * total)


def test_tiny_ssd_tracks_every_weight_and_batch_norm_updates_in_training(model):
    x = np.random.default_rng(1).random((4, 32, 32, 3), dtype=np.float32)
    model(x, training=False)
    # 2 base + 2 scale blocks x (2 convs x 2 + 2 BN x 2 trainable) + 4 scales x 2 predictors x 2
    assert len(model.trainable_variables) == 4 * 8 + 4 * 2 * 2
    moving = [v for v in model.non_trainable_variables if "moving_mean" in v.path]
    before = [v.numpy().copy() for v in moving]
    model(x, training=True)
    assert any(not np.allclose(b, v.numpy()) for b, v in zip(before, moving, strict=True))
    train_out = model(x, training=True)[0].numpy()
    infer_out = model(x, training=False)[0].numpy()
    assert not np.allclose(train_out, infer_out)


def test_concat_preds_keeps_channels_fastest():
    a = tf.reshape(tf.range(2 * 2 * 2 * 3, dtype=tf.float32), (2, 2, 2, 3))
    b = tf.ones((2, 1, 1, 5))
    out = concat_preds([a, b]).numpy()
    assert out.shape == (2, 12 + 5)
    assert out[1, 3 * 3 + 2] == a.numpy()[1, 1, 1, 2]


def test_ssd_loss_equals_keras_cross_entropy_plus_masked_l1():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(3, 7, 4)).astype(np.float32)
    labels = rng.integers(0, 4, size=(3, 7))
    preds, targets = rng.normal(size=(2, 3, 28)).astype(np.float32)
    mask = (rng.random((3, 28)) < 0.3).astype(np.float32)
    got = ssd_loss(logits, labels, preds, targets, mask).numpy()
    ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)
    expected = (np.mean(ce(labels, logits).numpy(), axis=1)
                + np.mean(np.abs(preds * mask - targets * mask), axis=1))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_multibox_detection_reproduces_d2l_example():
    boxes = np.array([[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95],
                      [0.15, 0.3, 0.62, 0.91], [0.55, 0.2, 0.9, 0.88]], np.float32)
    probs = np.array([[0.0] * 4, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]], np.float32).T[None]
    out = multibox_detection(probs, np.zeros((1, 16), np.float32), boxes, nms_threshold=0.5)[0]
    expected = [[0, 0.9, 0.1, 0.08, 0.52, 0.92], [1, 0.9, 0.55, 0.2, 0.9, 0.88],
                [-1, 0.8, 0.08, 0.2, 0.56, 0.95], [-1, 0.7, 0.15, 0.3, 0.62, 0.91]]
    np.testing.assert_allclose(out, expected, atol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_greedy_nms_equals_ops_nms_and_tensorflow(seed):
    """Jittered anchors (many overlaps, a few zero-area boxes), scores with ties on two draws."""
    rng = np.random.default_rng(seed)
    anchors = TinySSD(2).anchors
    boxes = np.clip(anchors + rng.normal(0, 0.04, anchors.shape), 0, 1).astype(np.float32)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2])
    boxes[:5, 2:] = boxes[:5, :2]  # zero area: IoU 0 with everything
    scores = rng.random(len(boxes)).astype(np.float32)
    if seed % 2:
        scores = np.round(scores, 1)  # ties: the lower index first
    for threshold in (0.3, 0.5, 0.7):
        got = greedy_nms(boxes, scores, threshold)
        assert np.array_equal(got, nms(boxes, scores, threshold).numpy())
        if seed % 2 == 0:  # TensorFlow's op orders ties its own way
            tf_keep = tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]], scores, len(boxes),
                                                   threshold).numpy()
            assert np.array_equal(got, tf_keep)
        assert 1 < len(got) < len(boxes)


def test_greedy_nms_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        greedy_nms(np.zeros((3, 3)), np.zeros(3), 0.5)
    with pytest.raises(ValueError, match=r"shape \(n,\)"):
        greedy_nms(np.zeros((3, 4)), np.zeros(2), 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        greedy_nms(np.zeros((3, 4)), np.zeros(3), 1.5)


def test_detection_set_is_seeded_and_boxes_hold_the_objects():
    first, second = make_detection_set(20, seed=3), make_detection_set(20, seed=3)
    assert np.array_equal(first.images, second.images)
    assert np.array_equal(first.labels, second.labels)
    assert not np.array_equal(first.images, make_detection_set(20, seed=4).images)
    assert first.images.shape == (20, 32, 32, 3) and first.labels.shape == (20, 2, 5)
    for i in range(len(first)):
        rows = first.boxes(i)
        assert 1 <= len(rows) <= 2 and set(rows[:, 0].tolist()) <= {0.0, 1.0}
        for cls, x1, y1, x2, y2 in rows:
            assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
            c0, r0, c1, r1 = (int(round(v * 32)) for v in (x1, y1, x2, y2))
            centre = first.images[i, (r0 + r1) // 2, (c0 + c1) // 2]
            assert centre.max() - centre.min() > 0.3  # a saturated colour, not grey background
            if cls == 0:  # squares fill their box, corners included
                assert np.allclose(first.images[i, r0, c0], centre)


def test_batched_multibox_target_equals_the_naive_reference():
    data = make_detection_set(12, seed=5)
    anchors = TinySSD(2).anchors
    got = [t.numpy() for t in multibox_target(anchors, data.labels)]
    expected = reference_numpy.multibox_target(anchors, data.labels)
    np.testing.assert_allclose(got[0], expected[0], atol=1e-5)
    assert np.array_equal(got[1], expected[1]) and np.array_equal(got[2], expected[2])
    assert (got[2] > 0).sum() >= sum(len(data.boxes(i)) for i in range(len(data)))
