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

Training step (``SSDStep``, for ``tfref.train.fit``): the engine passes one target array per
image, ``pack_targets(offsets, masks, classes)`` = [offsets (4 A), masks (4 A), classes (A)]
concatenated, (n, 9 A) float32; the step splits it again, minimises the batch mean of
``ssd_loss`` and returns per-batch sums: "loss" (per-image losses), "class_errors" (anchors
whose arg-max class is wrong), "box_abs_error" (sum of |mask (pred - target)|) and "labelled"
(sum of the masks, 4 per labelled anchor). The engine divides each by the number of images, so
class error per anchor = class_errors / A and box MAE = box_abs_error / labelled.

Deviations from D2L: 3 or 4 scales for 32 x 32 or 64 x 64 inputs instead of 5 for 256 x 256;
channels 16-32 instead of 16-64-128; ``multibox_detection`` takes class probabilities as
(batch, A, q + 1) (D2L: (batch, q + 1, A)).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref.ops.boxes import multibox_prior, offset_inverse
from tfref.train.steps import KerasStep

__all__ = ["DownSampleBlock", "TinySSD", "ssd_loss", "multibox_detection", "flatten_pred",
           "concat_preds", "greedy_nms", "pack_targets", "unpack_targets", "SSDStep",
           "DEFAULT_SIZES", "DEFAULT_RATIOS"]

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


def pack_targets(offsets, masks, classes) -> np.ndarray:
    """One target row per image for ``SSDStep``: [offsets, masks, classes], (n, 9 A) float32.

    Args:
        offsets: (n, 4 A) offset targets (``ops.multibox_target``'s first output).
        masks: (n, 4 A) 0/1 masks of the labelled anchors' offsets.
        classes: (n, A) class labels, 0 = background (whole numbers below 2 ** 24, so float32
            holds them exactly).

    Raises:
        ValueError: when the shapes do not fit (n, 4 A), (n, 4 A), (n, A).
    """
    offsets, masks, classes = (np.asarray(t) for t in (offsets, masks, classes))
    if (offsets.ndim != 2 or masks.shape != offsets.shape or classes.ndim != 2
            or classes.shape[0] != offsets.shape[0] or 4 * classes.shape[1] != offsets.shape[1]):
        raise ValueError(f"pack_targets needs offsets and masks of shape (n, 4 A) and classes of "
                         f"shape (n, A), as ops.multibox_target returns them; got "
                         f"{offsets.shape}, {masks.shape}, {classes.shape}")
    return np.concatenate([offsets, masks, classes], axis=1).astype(np.float32)


def unpack_targets(packed):
    """Inverse of ``pack_targets``: (offsets (n, 4 A), masks (n, 4 A), classes (n, A) int32)."""
    anchors = packed.shape[-1] // 9
    offsets = packed[:, : 4 * anchors]
    masks = packed[:, 4 * anchors: 8 * anchors]
    classes = tf.cast(packed[:, 8 * anchors:], tf.int32)
    return offsets, masks, classes


class SSDStep(KerasStep):
    """A ``tfref.train`` step for ``TinySSD``: the D2L loss on packed targets (``pack_targets``).

    Objective: the batch mean of ``ssd_loss`` (under a strategy: the per-replica sum over the
    global batch, as ``KerasStep``), plus ``model.losses``. Returns the sums "loss",
    "class_errors", "box_abs_error" and "labelled" (see the module docstring).

    Args:
        model: a ``TinySSD`` (any keras model returning (class logits (batch, A, q + 1),
            offsets (batch, 4 A))).
        optimizer: a keras optimizer; None for a step that only evaluates.

    Raises:
        ValueError: as ``KerasStep``; ``build`` also when the targets are not (n, 9 A) for the
            model's A anchors.
    """

    METRICS = ("loss", "class_errors", "box_abs_error", "labelled")

    def __init__(self, model, optimizer):
        super().__init__(model, ssd_loss, optimizer, accuracy=False)
        self.metric_names = self.METRICS

    def build(self, x_sample, y_sample) -> None:
        cls_preds, _ = self.model(x_sample, training=False)  # builds the weights
        anchors = int(cls_preds.shape[1])
        if y_sample.shape.rank != 2 or int(y_sample.shape[1]) != 9 * anchors:
            raise ValueError(f"SSDStep needs targets packed by pack_targets, shape (n, 9 A) = "
                             f"(n, {9 * anchors}) for this model's {anchors} anchors; got "
                             f"{list(y_sample.shape)}")
        self.metric_names = self.METRICS
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.model.trainable_variables)

    def _forward(self, x, y, training: bool):
        offsets, masks, classes = unpack_targets(y)
        cls_preds, bbox_preds = self.model(x, training=training)
        per_image = ssd_loss(cls_preds, classes, bbox_preds, offsets, masks)  # (batch,)
        wrong = tf.cast(tf.argmax(cls_preds, axis=-1, output_type=tf.int32) != classes,
                        tf.float64)
        sums = {"loss": tf.reduce_sum(tf.cast(per_image, tf.float64)),
                "class_errors": tf.reduce_sum(wrong),
                "box_abs_error": tf.reduce_sum(tf.cast(tf.abs((bbox_preds - offsets) * masks),
                                                       tf.float64)),
                "labelled": tf.reduce_sum(tf.cast(masks, tf.float64))}
        return per_image, sums

    # Plain TensorFlow ops without Python control flow on tensors, so autograph need not convert
    # the step (nor the keras layers it calls): that cut the trace of the engine's epoch
    # function from 2.1-2.7 s to 1.9 s of CPU on the loaded 2-core machine.
    @tf.autograph.experimental.do_not_convert
    def train_step(self, x, y, *, global_batch_size=None) -> dict:
        """One Adam (or other optimizer) step on the batch mean of ``ssd_loss``; its sums."""
        if self.optimizer is None:
            raise ValueError("this SSDStep has no optimizer, so it can only evaluate; "
                             "pass optimizer=keras.optimizers.Adam(...) to train")
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            per_image, sums = self._forward(x, y, training=True)
            if global_batch_size is None:
                count, replicas = tf.cast(tf.shape(per_image)[0], per_image.dtype), 1
            else:
                count = tf.cast(global_batch_size, per_image.dtype)
                replicas = tf.distribute.get_strategy().num_replicas_in_sync
            objective = tf.reduce_sum(per_image) / tf.maximum(count, 1.0)
            if self.model.losses:
                objective += tf.add_n(self.model.losses) / replicas
        gradients = tape.gradient(objective, variables)
        self.optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return sums

    @tf.autograph.experimental.do_not_convert
    def test_step(self, x, y) -> dict:
        """The sums of one batch with ``model(x, training=False)``; no update."""
        return self._forward(x, y, training=False)[1]


def greedy_nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """``ops.nms`` in NumPy for one image: indices kept, in descending score order (int32).

    Visit boxes by descending score (ties: lower index first); keep a box when its IoU with every
    box kept so far is <= ``iou_threshold``. The same float32 IoU as ``ops.box_iou`` (0 for a
    zero union). Measured on 340 anchors: 1.1 ms of CPU per image against 9.7 ms for ops.nms's
    eager TensorFlow ops (the topic runs it on 64-256 test images twice); tests/test_ssd.py
    checks it against ops.nms and tf.image.non_max_suppression.

    Args:
        boxes: (n, 4) corner boxes (x1, y1, x2, y2).
        scores: (n,) scores.
        iou_threshold: a box overlapping a kept one by more than this is suppressed.

    Raises:
        ValueError: for shapes other than (n, 4) and (n,), or a threshold outside [0, 1].
    """
    boxes = np.asarray(boxes, np.float32)
    scores = np.asarray(scores)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or scores.shape != (len(boxes),):
        raise ValueError(f"greedy_nms needs boxes of shape (n, 4) and scores of shape (n,); got "
                         f"{boxes.shape} and {scores.shape}")
    if not 0.0 <= iou_threshold <= 1.0:
        raise ValueError(f"iou_threshold must lie in [0, 1]; got {iou_threshold}")
    x1, y1, x2, y2 = boxes.T  # the IoU of every pair, as ops.box_iou computes it (float32)
    area = (x2 - x1) * (y2 - y1)
    width = np.maximum(np.minimum(x2[:, None], x2) - np.maximum(x1[:, None], x1), np.float32(0))
    height = np.maximum(np.minimum(y2[:, None], y2) - np.maximum(y1[:, None], y1), np.float32(0))
    inter = width * height
    union = area[:, None] + area - inter
    iou = np.where(union > 0, inter / np.where(union > 0, union, np.float32(1)), np.float32(0))
    overlaps = iou > np.float32(iou_threshold)
    keep = []
    suppressed = np.zeros(len(boxes), bool)
    for i in np.argsort(-scores, kind="stable"):
        if not suppressed[i]:
            keep.append(i)
            suppressed |= overlaps[i]
    return np.asarray(keep, np.int32)


def multibox_detection(cls_probs, offset_preds, anchors, nms_threshold=0.5,
                       pos_threshold=0.009) -> np.ndarray:
    """Predicted boxes after non-maximum suppression (D2L 13.4.4), as a (batch, A, 6) array.

    For each image: each anchor's most likely object class (background excluded) and its
    probability; boxes from ``offset_inverse``; class-agnostic greedy non-maximum suppression
    over those boxes (``greedy_nms``, ``ops.nms``'s rule in NumPy). Rows (class, confidence,
    x1, y1, x2, y2): kept boxes first in descending confidence, then the suppressed ones with
    class -1; a kept box below ``pos_threshold`` also gets class -1 (and confidence 1 - p,
    D2L's convention).
    """
    probs = np.asarray(cls_probs)
    offsets = np.asarray(offset_preds).reshape(len(probs), -1, 4)
    all_boxes = offset_inverse(np.asarray(anchors)[None], offsets).numpy()
    out = []
    for prob, boxes in zip(probs, all_boxes, strict=True):
        conf = prob[:, 1:].max(axis=1)
        class_id = prob[:, 1:].argmax(axis=1).astype(np.float32)
        keep = greedy_nms(boxes, conf, nms_threshold)
        rest = np.setdiff1d(np.arange(len(conf)), keep)
        class_id[rest] = -1
        order = np.concatenate([keep, rest])
        class_id, conf, boxes = class_id[order], conf[order], boxes[order]
        low = conf < pos_threshold
        class_id[low] = -1
        conf = np.where(low, 1 - conf, conf)
        out.append(np.concatenate([class_id[:, None], conf[:, None], boxes], axis=1))
    return np.stack(out).astype(np.float32)
