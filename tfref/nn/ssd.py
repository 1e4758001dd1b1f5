"""A tiny single-shot multibox detector (SSD; D2L 13.7, seed 003 8.7) in Keras 3.

At a scale whose feature map is h x w with a anchors per cell and q object classes:
    class predictor: a 3x3 convolution with a (q + 1) output channels; channel i (q + 1) + j of
                     cell (y, x) scores class j (0 = background) of anchor i centred there
    box predictor:   a 3x3 convolution with 4 a output channels (the offsets of each anchor)
Predictions of every scale are flattened (channels last, so anchor-major within a cell, as the
anchors of ops.multibox_prior) and concatenated: (batch, A, q + 1) and (batch, 4 A) with
A = sum over scales of h w a.

Network: base net (down-sampling blocks: [3x3 conv, BN, ReLU] x 2 then 2x2 max pooling)
-> down-sampling blocks -> global max pooling; a prediction at the output of each.

Loss (D2L): per image, the mean over anchors of the softmax cross-entropy of the classes plus
the mean over the 4 A offsets of |mask (pred - target)| (L1 on the masked offsets).

Deviations from D2L: 3 or 4 scales for 32 x 32 or 64 x 64 inputs instead of 5 for 256 x 256;
channels 16-32 instead of 16-64-128; ``multibox_detection`` takes class probabilities as
(batch, A, q + 1) (D2L: (batch, q + 1, A)).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref.ops.boxes import multibox_prior, nms, offset_inverse

__all__ = ["DownSampleBlock", "TinySSD", "ssd_loss", "multibox_detection", "flatten_pred",
           "concat_preds", "DEFAULT_SIZES", "DEFAULT_RATIOS"]

DEFAULT_SIZES = ((0.2, 0.272), (0.37, 0.447), (0.54, 0.619), (0.71, 0.79), (0.88, 0.961))
DEFAULT_RATIOS = (1.0, 2.0, 0.5)


def flatten_pred(pred: tf.Tensor) -> tf.Tensor:
    """(batch, h, w, c) -> (batch, h w c), channels varying fastest."""
    return tf.reshape(pred, (tf.shape(pred)[0], -1))


def concat_preds(preds) -> tf.Tensor:
    """Flatten the predictions of every scale and concatenate them: (batch, sum h w c)."""
    return tf.concat([flatten_pred(p) for p in preds], axis=1)


class DownSampleBlock(keras.layers.Layer):
    """[3x3 conv (same), batch norm, ReLU] x 2, then 2x2 max pooling: halves height and width."""

    def __init__(self, channels: int, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.convs = [keras.layers.Conv2D(channels, 3, padding="same") for _ in range(2)]
        self.norms = [keras.layers.BatchNormalization() for _ in range(2)]
        self.pool = keras.layers.MaxPooling2D(2)

    def call(self, x, training=False):
        for conv, norm in zip(self.convs, self.norms, strict=True):
            x = tf.nn.relu(norm(conv(x), training=training))
        return self.pool(x)


class TinySSD(keras.Model):
    """SSD with ``len(channels)`` down-sampling blocks in the base net, then ``scales - 1``
    prediction scales: down-sampling blocks and a final global max pooling.

    Args:
        num_classes: q, object classes (background excluded).
        input_size: side of the square input images (a multiple of 2 ** (base blocks + scales - 2)).
        base_channels: channels of the base net's blocks (each halves the size).
        scale_channels: channels of the down-sampling blocks between the scales.
        sizes, ratios: anchor sizes per scale and the ratios shared by all scales.

    Calling it on (batch, s, s, 3) returns (class logits (batch, A, q + 1), offsets (batch, 4 A));
    ``anchors`` is the (A, 4) array of the anchors those predictions belong to, and
    ``feature_shapes`` the (h, w) of each scale.
    """

    def __init__(self, num_classes: int, input_size: int = 32, base_channels=(16, 32),
                 scale_channels=(32, 32), sizes=DEFAULT_SIZES[:4], ratios=DEFAULT_RATIOS,
                 **kwargs):
        super().__init__(**kwargs)
        num_scales = len(scale_channels) + 2
        if len(sizes) < num_scales:
            raise ValueError(f"sizes must give anchor sizes for each of the {num_scales} scales; "
                             f"got {len(sizes)}")
        self.num_classes = num_classes
        self.num_anchors = len(sizes[0]) + len(ratios) - 1
        self.base = [DownSampleBlock(c) for c in base_channels]
        self.blocks = [DownSampleBlock(c) for c in scale_channels]
        self.cls_predictors = [keras.layers.Conv2D(self.num_anchors * (num_classes + 1), 3,
                                                   padding="same") for _ in range(num_scales)]
        self.bbox_predictors = [keras.layers.Conv2D(self.num_anchors * 4, 3, padding="same")
                                for _ in range(num_scales)]
        side = input_size // 2 ** len(base_channels)
        shapes = []
        for _ in range(num_scales - 1):
            shapes.append((side, side))
            side //= 2
        shapes.append((1, 1))
        self.feature_shapes = tuple(shapes)
        self.anchors = np.concatenate([
            multibox_prior(h, w, sizes[i], ratios).numpy()
            for i, (h, w) in enumerate(self.feature_shapes)])

    def scale_outputs(self, x, training=False):
        """Per scale: (feature map, class prediction map, box prediction map)."""
        for block in self.base:
            x = block(x, training=training)
        outputs = []
        for i in range(len(self.cls_predictors)):
            if 0 < i <= len(self.blocks):
                x = self.blocks[i - 1](x, training=training)
            if i == len(self.cls_predictors) - 1:
                x = tf.reduce_max(x, axis=(1, 2), keepdims=True)
            outputs.append((x, self.cls_predictors[i](x), self.bbox_predictors[i](x)))
        return outputs

    def call(self, x, training=False):
        outputs = self.scale_outputs(x, training=training)
        cls_preds = concat_preds([o[1] for o in outputs])
        bbox_preds = concat_preds([o[2] for o in outputs])
        return tf.reshape(cls_preds, (tf.shape(x)[0], -1, self.num_classes + 1)), bbox_preds


def ssd_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks) -> tf.Tensor:
    """Per-image loss: mean cross-entropy over anchors + mean |mask (pred - target)|: (batch,)."""
    cls = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.cast(cls_labels, tf.int32), cls_preds)
    bbox = tf.abs(bbox_preds * bbox_masks - bbox_labels * bbox_masks)
    return tf.reduce_mean(cls, axis=1) + tf.reduce_mean(bbox, axis=1)


def multibox_detection(cls_probs, offset_preds, anchors, nms_threshold=0.5,
                       pos_threshold=0.009) -> np.ndarray:
    """Predicted boxes after non-maximum suppression (D2L 13.4.4), as a (batch, A, 6) array.

    For each image: each anchor's most likely object class (background excluded) and its
    probability; boxes from ``offset_inverse``; class-agnostic ``nms`` over those boxes. Rows
    (class, confidence, x1, y1, x2, y2): kept boxes first in descending confidence, then the
    suppressed ones with class -1; a kept box below ``pos_threshold`` also gets class -1 (and
    confidence 1 - p, D2L's convention).
    """
    probs = np.asarray(cls_probs)
    offsets = np.asarray(offset_preds).reshape(len(probs), -1, 4)
    all_boxes = offset_inverse(np.asarray(anchors)[None], offsets).numpy()
    out = []
    for prob, boxes in zip(probs, all_boxes, strict=True):
        conf = prob[:, 1:].max(axis=1)
        class_id = prob[:, 1:].argmax(axis=1).astype(np.float32)
        keep = nms(boxes, conf, nms_threshold).numpy()
        rest = np.setdiff1d(np.arange(len(conf)), keep)
        class_id[rest] = -1
        order = np.concatenate([keep, rest])
        class_id, conf, boxes = class_id[order], conf[order], boxes[order]
        low = conf < pos_threshold
        class_id[low] = -1
        conf = np.where(low, 1 - conf, conf)
        out.append(np.concatenate([class_id[:, None], conf[:, None], boxes], axis=1))
    return np.stack(out).astype(np.float32)
