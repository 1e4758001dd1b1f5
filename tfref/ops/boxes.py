"""Bounding boxes, anchor boxes, IoU, non-maximum suppression and RoI pooling (D2L 13.3-13.8;
seed 003, 8.3-8.8).

Boxes are float arrays of shape (..., 4). Corner form is (x1, y1, x2, y2) (upper-left and
lower-right corners, x to the right, y down, x1 <= x2 and y1 <= y2); centre form is
(cx, cy, w, h). Anchors and ground truth are in coordinates normalised by the image size
(0..1), as in D2L; the maths holds in any unit.

    IoU (Jaccard):     J(A, B) = |A n B| / |A u B|     (0 when both areas are 0)
    anchors per pixel: sizes s1..sn, ratios r1..rm -> (s1, r1) ... (sn, r1), (s1, r2) ... (s1, rm):
                       n + m - 1 anchors centred on every pixel; width s sqrt(r) H / W and height
                       s / sqrt(r) in normalised units (so in pixels w / h = r and w h = (s H)^2)
    offsets (anchor A, assigned box B, centre form):
        ((x_B - x_A) / w_A / 0.1, (y_B - y_A) / h_A / 0.1,
         log(eps + w_B / w_A) / 0.2, log(eps + h_B / h_A) / 0.2)      (mu = 0, sigma = 0.1, 0.2)
    NMS: take the highest-scoring box, drop every remaining box whose IoU with it exceeds the
         threshold, repeat; ties in score go to the lower index (as tf.image.non_max_suppression).

Symbols -> names: A, B -> ``boxes1``, ``boxes2``; s_i -> ``sizes``; r_j -> ``ratios``;
H, W -> ``height``, ``width``; eps -> ``eps``.

Bad input raises ValueError naming the argument: a last dimension other than 4, a box with
x2 < x1 or y2 < y1 (a negative width or height in centre form), a threshold outside [0, 1],
sizes or ratios that are not positive. Value checks need concrete values (eager mode).
"""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf

from tfref._validation import as_float, check_finite, check_in_range, check_positive_whole, eager

__all__ = [
    "box_corner_to_center",
    "box_center_to_corner",
    "box_iou",
    "multibox_prior",
    "assign_anchor_to_bbox",
    "offset_boxes",
    "offset_inverse",
    "multibox_target",
    "nms",
    "roi_pool",
    "roi_pool_bilinear",
]


# --- input checks -------------------------------------------------------------------------

def _last_four(x: tf.Tensor, name: str, min_rank: int = 1, rank: int | None = None) -> None:
    shape = x.shape.as_list()
    if rank is not None and len(shape) != rank:
        expected = "(n, 4)" if rank == 2 else f"rank {rank}"
        raise ValueError(f"{name} must have shape {expected}; got shape {shape}")
    if len(shape) < min_rank or shape[-1] != 4:
        raise ValueError(f"{name} must have a last dimension of 4 (x1, y1, x2, y2 or cx, cy, w, h); "
                         f"got shape {shape}")


def _corner_boxes(x, name: str, rank: int | None = None, dtype=None) -> tf.Tensor:
    """Boxes in corner form: last dimension 4, finite, x1 <= x2 and y1 <= y2."""
    x = as_float(x, name, dtype)
    _last_four(x, name, rank=rank)
    check_finite(x, name)
    if eager():
        values = x.numpy().reshape(-1, 4)
        bad = (values[:, 2] < values[:, 0]) | (values[:, 3] < values[:, 1])
        if bad.any():
            box = values[int(np.argmax(bad))].tolist()
            raise ValueError(f"{name} has a box with x2 < x1 or y2 < y1 ({box}); corner boxes are "
                             "(x1, y1, x2, y2) with x1 <= x2 and y1 <= y2")
    return x


def _center_boxes(x, name: str) -> tf.Tensor:
    x = as_float(x, name)
    _last_four(x, name)
    check_finite(x, name)
    if eager() and (x.numpy()[..., 2:] < 0).any():
        raise ValueError(f"{name} has a box with a negative width or height; centre boxes are "
                         "(cx, cy, w, h) with w >= 0 and h >= 0")
    return x


def _threshold(value, name: str = "iou_threshold") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.ndarray | tf.Tensor):
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}")
    value = float(np.asarray(value))
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a number in [0, 1]; got {value}")
    return check_in_range(value, name, 0.0, 1.0, high_inclusive=True)


def _positive_vector(x, name: str) -> np.ndarray:
    tensor = as_float(x, name, tf.float64)
    values = tensor.numpy()
    if values.ndim > 1:
        raise ValueError(f"{name} must be a number or a 1-D list of numbers; got shape "
                         f"{list(values.shape)}")
    values = values.reshape(-1)
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"{name} must all be positive and finite; got {values.tolist()}")
    return values


def _positive_extent(boxes: tf.Tensor, name: str) -> None:
    if eager():
        values = boxes.numpy().reshape(-1, 4)
        if ((values[:, 2] <= values[:, 0]) | (values[:, 3] <= values[:, 1])).any():
            raise ValueError(f"{name} must have positive width and height (offsets divide by "
                             "them); got a box with x2 <= x1 or y2 <= y1")


# --- conversions and IoU --------------------------------------------------------------------

def box_corner_to_center(boxes) -> tf.Tensor:
    """(x1, y1, x2, y2) -> (cx, cy, w, h): cx = (x1 + x2) / 2, cy = (y1 + y2) / 2, w = x2 - x1,
    h = y2 - y1. Shape (..., 4) -> (..., 4).

    >>> ops.box_corner_to_center([[60.0, 45.0, 378.0, 516.0]]).numpy()
    array([[219. , 280.5, 318. , 471. ]], dtype=float32)
    """
    boxes = _corner_boxes(boxes, "boxes")
    x1, y1, x2, y2 = tf.unstack(boxes, axis=-1)
    return tf.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], axis=-1)


def box_center_to_corner(boxes) -> tf.Tensor:
    """(cx, cy, w, h) -> (x1, y1, x2, y2): x1 = cx - w / 2, y1 = cy - h / 2, x2 = cx + w / 2,
    y2 = cy + h / 2. Shape (..., 4) -> (..., 4); w, h >= 0.

    >>> ops.box_center_to_corner([[219.0, 280.5, 318.0, 471.0]]).numpy()
    array([[ 60.,  45., 378., 516.]], dtype=float32)
    """
    boxes = _center_boxes(boxes, "boxes")
    cx, cy, w, h = tf.unstack(boxes, axis=-1)
    return tf.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)


def _area(boxes: tf.Tensor) -> tf.Tensor:
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def _iou(boxes1: tf.Tensor, boxes2: tf.Tensor) -> tf.Tensor:
    area1, area2 = _area(boxes1), _area(boxes2)
    upper_left = tf.maximum(boxes1[..., :, None, :2], boxes2[..., None, :, :2])
    lower_right = tf.minimum(boxes1[..., :, None, 2:], boxes2[..., None, :, 2:])
    sides = tf.maximum(lower_right - upper_left, 0)
    inter = sides[..., 0] * sides[..., 1]
    union = area1[..., :, None] + area2[..., None, :] - inter
    return tf.where(union > 0, inter / tf.where(union > 0, union, tf.ones_like(union)),
                    tf.zeros_like(union))


def box_iou(boxes1, boxes2) -> tf.Tensor:
    """Pairwise IoU: J[i, j] = |B1_i n B2_j| / (|B1_i| + |B2_j| - |B1_i n B2_j|).

    Boxes in corner form, shapes (n, 4) and (m, 4) -> (n, m). Two boxes of zero area have
    IoU 0 (tf.image.non_max_suppression's convention).

    >>> ops.box_iou([[0.0, 0.0, 2.0, 2.0]], [[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 2.0, 2.0]]).numpy()
    array([[0.14285715, 1.        ]], dtype=float32)
    """
    b1, b2 = _corner_boxes(boxes1, "boxes1", rank=2), _corner_boxes(boxes2, "boxes2", rank=2)
    dtype = tf.float64 if tf.float64 in (b1.dtype, b2.dtype) else b1.dtype
    return _iou(tf.cast(b1, dtype), tf.cast(b2, dtype))


# --- anchors --------------------------------------------------------------------------------

def multibox_prior(height, width, sizes, ratios) -> tf.Tensor:
    """Anchor boxes centred on every pixel of an ``height`` x ``width`` map (D2L 13.4).

    With sizes s1..sn and ratios r1..rm each pixel (i, j) gets the n + m - 1 anchors
    (s1, r1), ..., (sn, r1), (s1, r2), ..., (s1, rm), centred at ((j + 0.5) / W, (i + 0.5) / H)
    with width s sqrt(r) H / W and height s / sqrt(r) (normalised), pixels in row-major order
    and the anchors of one pixel consecutive. Returns (H W (n + m - 1), 4) in corner form.

    >>> ops.multibox_prior(1, 2, sizes=[0.5], ratios=[1.0, 4.0]).numpy()
    array([[0.125, 0.25 , 0.375, 0.75 ],
           [0.   , 0.375, 0.5  , 0.625],
           [0.625, 0.25 , 0.875, 0.75 ],
           [0.5  , 0.375, 1.   , 0.625]], dtype=float32)
    """
    height = check_positive_whole(height, "height", "rows of the feature map")
    width = check_positive_whole(width, "width", "columns of the feature map")
    s = _positive_vector(sizes, "sizes")
    r = _positive_vector(ratios, "ratios")
    dtype = tf.float64 if (getattr(sizes, "dtype", None) == np.float64
                           or getattr(ratios, "dtype", None) == np.float64) else tf.float32
    s, r = tf.constant(s, dtype), tf.constant(r, dtype)
    w = tf.concat([s * tf.sqrt(r[0]), s[0] * tf.sqrt(r[1:])], axis=0) * height / width
    h = tf.concat([s / tf.sqrt(r[0]), s[0] / tf.sqrt(r[1:])], axis=0)
    center_y = (tf.range(height, dtype=dtype) + 0.5) / height
    center_x = (tf.range(width, dtype=dtype) + 0.5) / width
    cy, cx = tf.meshgrid(center_y, center_x, indexing="ij")
    centers = tf.stack([cx, cy, cx, cy], axis=-1)  # (H, W, 4)
    half = tf.stack([-w, -h, w, h], axis=-1) / 2  # (a, 4)
    return tf.reshape(centers[:, :, None, :] + half[None, None, :, :], (-1, 4))


def assign_anchor_to_bbox(ground_truth, anchors, iou_threshold=0.5) -> tf.Tensor:
    """Index of the ground-truth box assigned to each anchor, -1 for none (D2L 13.4.1).

    With J the (anchors x ground truth) IoU matrix: repeat min(#gt, #anchors) times: take the
    largest entry J[i, j] (first in row-major order on ties), assign box j to anchor i, and
    discard row i and column j. Every other anchor i gets the box j of its largest IoU
    (first on ties) when that IoU >= ``iou_threshold``, else -1. Shapes (g, 4), (a, 4) -> (a,)
    int64. As in D2L, a ground-truth box still gets an anchor when it overlaps none (IoU 0).

    >>> gt = [[0.1, 0.08, 0.52, 0.92], [0.55, 0.2, 0.9, 0.88]]
    >>> anchors = [[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98],
    ...            [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]]
    >>> ops.assign_anchor_to_bbox(gt, anchors).numpy()
    array([-1,  0,  1, -1,  1])
    """
    gt = _corner_boxes(ground_truth, "ground_truth", rank=2)
    anc = _corner_boxes(anchors, "anchors", rank=2)
    threshold = _threshold(iou_threshold)
    jaccard = box_iou(anc, gt).numpy().astype(np.float64)
    return tf.constant(_assign(jaccard[None], threshold)[0])


def _assign(jaccard: np.ndarray, threshold: float) -> np.ndarray:
    """D2L's assignment for a batch of IoU matrices (batch, anchors, gt); -inf marks padding."""
    jaccard = jaccard.copy()
    batch, num_anchors, num_gt = jaccard.shape
    best = jaccard.argmax(axis=2)
    best_iou = np.take_along_axis(jaccard, best[..., None], axis=2)[..., 0]
    assigned = np.where(best_iou >= threshold, best, -1).astype(np.int64)
    rounds = np.minimum(np.isfinite(jaccard[:, 0, :]).sum(axis=1), num_anchors)
    images = np.arange(batch)
    for k in range(min(num_gt, num_anchors)):
        active = images[k < rounds]
        if not len(active):
            break
        flat = jaccard[active].reshape(len(active), -1).argmax(axis=1)
        anchor, box = np.divmod(flat, num_gt)
        assigned[active, anchor] = box
        jaccard[active, :, box] = -1.0
        jaccard[active, anchor, :] = -1.0
    return assigned


def offset_boxes(anchors, assigned_bb, eps=1e-6) -> tf.Tensor:
    """Offsets of ``assigned_bb`` relative to ``anchors`` (D2L 13.4.3), shapes (..., 4) -> (..., 4).

    In centre form: (10 (x_B - x_A) / w_A, 10 (y_B - y_A) / h_A, 5 log(eps + w_B / w_A),
    5 log(eps + h_B / h_A)); anchors need positive width and height.

    >>> np.round(ops.offset_boxes([[0.0, 0.0, 1.0, 1.0]], [[0.1, 0.0, 1.1, 2.0]], eps=0.0), 4)
    array([[1.    , 5.    , 0.    , 3.4657]], dtype=float32)
    """
    anc = _corner_boxes(anchors, "anchors")
    bb = _corner_boxes(assigned_bb, "assigned_bb")
    _positive_extent(anc, "anchors")
    if eps < 0:
        raise ValueError(f"eps must be >= 0; got {eps}")
    dtype = tf.float64 if tf.float64 in (anc.dtype, bb.dtype) else anc.dtype
    c_anc = box_corner_to_center(tf.cast(anc, dtype))
    c_bb = box_corner_to_center(tf.cast(bb, dtype))
    offset_xy = 10 * (c_bb[..., :2] - c_anc[..., :2]) / c_anc[..., 2:]
    offset_wh = 5 * tf.math.log(eps + c_bb[..., 2:] / c_anc[..., 2:])
    return tf.concat([offset_xy, offset_wh], axis=-1)


def offset_inverse(anchors, offset_preds) -> tf.Tensor:
    """Boxes from anchors and predicted offsets, the inverse of :func:`offset_boxes` (eps = 0).

    Centre form: x = x_A + o_x w_A / 10, y = y_A + o_y h_A / 10, w = w_A exp(o_w / 5),
    h = h_A exp(o_h / 5); returned in corner form, shape (..., 4).

    >>> np.round(ops.offset_inverse([[0.0, 0.0, 1.0, 1.0]], [[1.0, 5.0, 0.0, 3.4657359]]), 4)
    array([[0.1, 0. , 1.1, 2. ]], dtype=float32)
    """
    anc = _corner_boxes(anchors, "anchors")
    offsets = as_float(offset_preds, "offset_preds")
    _last_four(offsets, "offset_preds")
    check_finite(offsets, "offset_preds")
    dtype = tf.float64 if tf.float64 in (anc.dtype, offsets.dtype) else anc.dtype
    c_anc = box_corner_to_center(tf.cast(anc, dtype))
    offsets = tf.cast(offsets, dtype)
    xy = offsets[..., :2] * c_anc[..., 2:] / 10 + c_anc[..., :2]
    wh = tf.exp(offsets[..., 2:] / 5) * c_anc[..., 2:]
    return box_center_to_corner(tf.concat([xy, wh], axis=-1))


def multibox_target(anchors, labels, iou_threshold=0.5):
    """Training targets of every anchor for a batch of images (D2L 13.4.3).

    Args:
        anchors: (a, 4) corner boxes (a leading axis of 1, as D2L's, is accepted).
        labels: (batch, g, 5) rows (class, x1, y1, x2, y2); a row with class < 0 is padding.

    Returns:
        (offsets (batch, 4a), mask (batch, 4a), classes (batch, a) int64): for an anchor
        assigned ground-truth box j (:func:`assign_anchor_to_bbox`), class = class_j + 1,
        offsets = :func:`offset_boxes` (anchor, box j), mask = 1; else class 0 (background),
        offsets 0 and mask 0.

    >>> gt = [[[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]]]
    >>> anchors = [[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98],
    ...            [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]]
    >>> offsets, mask, classes = ops.multibox_target(anchors, gt)
    >>> classes.numpy()
    array([[0, 1, 2, 0, 2]])
    """
    anc = as_float(anchors, "anchors")
    if anc.shape.rank == 3 and anc.shape[0] == 1:
        anc = anc[0]
    anc = _corner_boxes(anc, "anchors", rank=2)
    _positive_extent(anc, "anchors")
    lab = as_float(labels, "labels")
    if lab.shape.rank != 3 or lab.shape[-1] != 5:
        raise ValueError(f"labels must have shape (batch, boxes, 5) with rows (class, x1, y1, x2, "
                         f"y2); got shape {lab.shape.as_list()}")
    values = lab.numpy()
    if not np.all(values[..., 0] == np.round(values[..., 0])):
        raise ValueError("labels' class column must hold whole numbers (class < 0 = padding)")
    padding = values[..., 0] < 0  # (batch, g)
    rows = np.where(padding[..., None], 0, values)
    _corner_boxes(rows[..., 1:], "labels")
    boxes = tf.constant(rows[..., 1:], lab.dtype)
    dtype = tf.float64 if tf.float64 in (lab.dtype, anc.dtype) else tf.float32
    anc, boxes = tf.cast(anc, dtype), tf.cast(boxes, dtype)
    jaccard = _iou(anc[None], boxes).numpy().astype(np.float64)  # (batch, a, g)
    jaccard[np.broadcast_to(padding[:, None, :], jaccard.shape)] = -np.inf
    assigned = _assign(jaccard, _threshold(iou_threshold))  # (batch, a)
    hit = assigned >= 0
    chosen = np.take_along_axis(rows, np.maximum(assigned, 0)[..., None], axis=1)  # (batch, a, 5)
    classes = np.where(hit, chosen[..., 0].astype(np.int64) + 1, 0)
    mask = np.repeat(hit[..., None], 4, axis=2)
    bb = tf.constant(np.where(mask, chosen[..., 1:], 0), dtype)
    offsets = tf.where(mask, offset_boxes(anc[None], bb), tf.zeros_like(bb))
    batch = len(values)
    return (tf.reshape(offsets, (batch, -1)), tf.constant(mask.reshape(batch, -1), dtype),
            tf.constant(classes))


# --- non-maximum suppression ----------------------------------------------------------------

def nms(boxes, scores, iou_threshold) -> tf.Tensor:
    """Greedy non-maximum suppression (D2L 13.4.4): indices kept, in descending score order.

    Visit boxes by descending score (ties: lower index first); keep a box when its IoU with
    every box kept so far is <= ``iou_threshold``. Shapes (n, 4), (n,) -> (k,) int32. Equals
    ``tf.image.non_max_suppression(boxes, scores, n, iou_threshold)`` (IoU is symmetric in x
    and y, so TensorFlow's (y1, x1, y2, x2) order gives the same result).

    >>> boxes = [[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95], [0.15, 0.3, 0.62, 0.91],
    ...          [0.55, 0.2, 0.9, 0.88]]
    >>> ops.nms(boxes, [0.9, 0.8, 0.7, 0.9], 0.5).numpy()
    array([0, 3], dtype=int32)
    """
    b = _corner_boxes(boxes, "boxes", rank=2)
    s = as_float(scores, "scores")
    check_finite(s, "scores")
    if s.shape.rank != 1 or s.shape[0] != b.shape[0]:
        raise ValueError(f"scores must have shape ({b.shape[0]},), one per box; got "
                         f"{s.shape.as_list()}")
    threshold = _threshold(iou_threshold)
    order = tf.argsort(s, direction="DESCENDING", stable=True).numpy()
    iou = _iou(b, b).numpy()
    limit = np.asarray(threshold, dtype=iou.dtype)
    keep: list[int] = []
    suppressed = np.zeros(len(order), bool)
    for i in order:
        if not suppressed[i]:  # IoU <= threshold with every box kept so far
            keep.append(int(i))
            suppressed |= iou[i] > limit
    return tf.constant(keep, dtype=tf.int32)


# --- RoI pooling (Fast R-CNN) ---------------------------------------------------------------

def _roi_inputs(features, rois, output_size, spatial_scale):
    x = as_float(features, "features")
    if x.shape.rank != 4:
        raise ValueError(f"features must have shape (batch, height, width, channels); got "
                         f"{x.shape.as_list()}")
    r = as_float(rois, "rois", tf.float64)
    if r.shape.rank != 2 or r.shape[-1] != 5:
        raise ValueError(f"rois must have shape (n, 5) with rows (batch_index, x1, y1, x2, y2); "
                         f"got {r.shape.as_list()}")
    values = r.numpy()
    _corner_boxes(values[:, 1:], "rois")
    index = values[:, 0]
    if not (np.all(index == np.round(index)) and np.all((index >= 0) & (index < x.shape[0]))):
        raise ValueError(f"rois' batch_index column must hold whole numbers in 0..{x.shape[0] - 1}")
    size = (output_size, output_size) if isinstance(output_size, numbers.Integral) else output_size
    if len(tuple(size)) != 2:
        raise ValueError(f"output_size must be an int or (height, width); got {output_size!r}")
    size = tuple(check_positive_whole(v, "output_size") for v in size)
    if not (isinstance(spatial_scale, numbers.Real) and spatial_scale > 0):
        raise ValueError(f"spatial_scale must be a positive number; got {spatial_scale!r}")
    return x, values, size, float(spatial_scale)


def _round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def roi_pool(features, rois, output_size, spatial_scale=1.0) -> tf.Tensor:
    """Region-of-interest max pooling of Fast R-CNN (torchvision.ops.roi_pool's rule).

    Each region (b, x1, y1, x2, y2) is scaled to the feature map and rounded (half away from
    zero): x1' = round(x1 s), ..., so it covers rows y1'..y2' and columns x1'..x2' (inclusive;
    at least 1 x 1). Its h' x w' cells are split into an H_o x W_o grid, bin (i, j) covering
    rows y1' + floor(i h' / H_o) .. y1' + ceil((i + 1) h' / H_o) - 1 (columns alike, clipped
    to the map), and each bin gives the maximum over its cells per channel (0 when empty).

    Shapes: features (batch, H, W, C), rois (n, 5) -> (n, H_o, W_o, C), whatever the regions'
    sizes.

    >>> X = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    >>> rois = [[0, 0, 0, 20, 20], [0, 0, 10, 30, 30]]
    >>> ops.roi_pool(X, rois, output_size=2, spatial_scale=0.1).numpy()[..., 0]
    array([[[ 5.,  6.],
            [ 9., 10.]],
    <BLANKLINE>
           [[ 9., 11.],
            [13., 15.]]], dtype=float32)
    """
    x, values, (out_h, out_w), scale = _roi_inputs(features, rois, output_size, spatial_scale)
    height, width = x.shape[1], x.shape[2]
    corners = _round_half_away(values[:, 1:] * scale).astype(np.int64)
    x1, y1, x2, y2 = corners.T
    roi_w, roi_h = np.maximum(x2 - x1 + 1, 1), np.maximum(y2 - y1 + 1, 1)

    def masks(start, extent, bins, size):
        i = np.arange(bins)[None, :]
        low = np.clip(start[:, None] + (i * extent[:, None]) // bins, 0, size)
        high = np.clip(start[:, None] - ((-(i + 1) * extent[:, None]) // bins), 0, size)
        cells = np.arange(size)[None, None, :]
        return (cells >= low[..., None]) & (cells < high[..., None])  # (n, bins, size)

    rows = tf.constant(masks(y1, roi_h, out_h, height))  # (n, H_o, H)
    cols = tf.constant(masks(x1, roi_w, out_w, width))  # (n, W_o, W)
    maps = tf.gather(x, values[:, 0].astype(np.int64))  # (n, H, W, C)
    inside = rows[:, :, None, :, None] & cols[:, None, :, None, :]  # (n, H_o, W_o, H, W)
    lowest = tf.constant(np.finfo(x.dtype.as_numpy_dtype).min, x.dtype)
    cells = tf.where(inside[..., None], maps[:, None, None], lowest)
    pooled = tf.reduce_max(cells, axis=(3, 4))
    empty = ~tf.reduce_any(inside, axis=(3, 4))
    return tf.where(empty[..., None], tf.zeros_like(pooled), pooled)


def roi_pool_bilinear(features, rois, output_size, spatial_scale=1.0, sampling=2) -> tf.Tensor:
    """RoI pooling built on ``tf.image.crop_and_resize``: bilinear samples, then max pooling.

    Each region, scaled to feature coordinates (x1 s, y1 s, x2 s, y2 s) (pixel centres at
    integers), is sampled on a grid of (``sampling`` H_o) x (``sampling`` W_o) points spanning
    it corner to corner (bilinear interpolation, 0 outside the map), and each ``sampling`` x
    ``sampling`` block is max-pooled. Shapes: features (batch, H, W, C), rois (n, 5) ->
    (n, H_o, W_o, C) for any region.

    >>> X = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    >>> ops.roi_pool_bilinear(X, [[0, 0, 0, 3, 3]], output_size=2).numpy()[0, ..., 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    x, values, (out_h, out_w), scale = _roi_inputs(features, rois, output_size, spatial_scale)
    sampling = check_positive_whole(sampling, "sampling", "samples per bin side")
    height, width = x.shape[1], x.shape[2]
    x1, y1, x2, y2 = (values[:, 1:] * scale).T
    boxes = np.stack([y1 / max(height - 1, 1), x1 / max(width - 1, 1),
                      y2 / max(height - 1, 1), x2 / max(width - 1, 1)], axis=1)
    crops = tf.image.crop_and_resize(x, tf.constant(boxes, tf.float32),
                                     tf.constant(values[:, 0].astype(np.int32)),
                                     (sampling * out_h, sampling * out_w))
    crops = tf.cast(crops, x.dtype)
    return tf.nn.max_pool2d(crops, sampling, sampling, "VALID")
