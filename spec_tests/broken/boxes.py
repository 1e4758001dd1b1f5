"""Broken implementations of the boxes family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import math

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def iou_without_subtracting_intersection():
    """union = area1 + area2: IoU of a box with itself becomes 1/2."""

    def box_iou(boxes1, boxes2):
        b1 = ref._bx_corners(boxes1, "boxes1", rank=2)
        b2 = ref._bx_corners(boxes2, "boxes2", rank=2)
        dtype = ref._float_dtype(b1, b2)
        out = np.zeros((len(b1), len(b2)), dtype)
        for i, a in enumerate(b1.astype(dtype)):
            for j, b in enumerate(b2.astype(dtype)):
                inter = (max(min(a[2], b[2]) - max(a[0], b[0]), 0)
                         * max(min(a[3], b[3]) - max(a[1], b[1]), 0))
                union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
                out[i, j] = inter / union if union > 0 else 0
        return out

    return _reference_with(box_iou=box_iou)


def nms_keeping_lowest_scores():
    """Greedy NMS visiting boxes by ascending score."""

    def nms(boxes, scores, iou_threshold):
        return ref.nms(boxes, -np.asarray(scores), iou_threshold)

    return _reference_with(nms=nms)


def anchors_with_n_times_m_per_pixel():
    """Every (size, ratio) combination: n m anchors per pixel instead of n + m - 1."""

    def multibox_prior(height, width, sizes, ratios):
        out = []
        for i in range(int(height)):
            for j in range(int(width)):
                cx, cy = (j + 0.5) / width, (i + 0.5) / height
                for s in np.ravel(sizes):
                    for r in np.ravel(ratios):
                        w, h = s * np.sqrt(r) * height / width, s / np.sqrt(r)
                        out.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
        return np.array(out, np.float32)

    return _reference_with(multibox_prior=multibox_prior)


def offset_inverse_without_exp():
    """w = w_A o_w / 5 instead of w_A exp(o_w / 5)."""

    def offset_inverse(anchors, offset_preds):
        a = ref.box_corner_to_center(anchors)
        o = np.asarray(offset_preds, dtype=a.dtype)
        xy = a[..., :2] + o[..., :2] * a[..., 2:] / 10
        wh = np.abs(a[..., 2:] * o[..., 2:] / 5)  # abs: a valid (w, h) for the conversion
        return ref.box_center_to_corner(np.concatenate([xy, wh], axis=-1))

    return _reference_with(offset_inverse=offset_inverse)


def assign_without_greedy_step():
    """Only the threshold rule: a ground-truth box whose best IoU is below it gets no anchor."""

    def assign_anchor_to_bbox(ground_truth, anchors, iou_threshold=0.5):
        iou = ref.box_iou(anchors, ground_truth)
        best = iou.argmax(axis=1)
        return np.where(iou[np.arange(len(iou)), best] >= iou_threshold, best, -1)

    return _reference_with(assign_anchor_to_bbox=assign_anchor_to_bbox)


def center_to_corner_with_full_sides():
    """x1 = cx - w, x2 = cx + w (the half forgotten)."""

    def box_center_to_corner(boxes):
        b = np.asarray(boxes)
        return np.stack([b[..., 0] - b[..., 2], b[..., 1] - b[..., 3], b[..., 0] + b[..., 2],
                         b[..., 1] + b[..., 3]], axis=-1)

    return _reference_with(box_center_to_corner=box_center_to_corner)


def roi_pool_with_floor_bins():
    """Bin ends floored instead of ceiled (and no +1 for the inclusive end): cells are lost."""

    def roi_pool(features, rois, output_size, spatial_scale=1.0):
        x = np.asarray(features, np.float32)
        size = (output_size, output_size) if np.isscalar(output_size) else tuple(output_size)
        out = np.zeros((len(rois), *size, x.shape[3]), np.float32)
        for n, (b, x1, y1, x2, y2) in enumerate(np.asarray(rois, np.float64)):
            x1, y1, x2, y2 = (int(np.floor(v * spatial_scale + 0.5)) for v in (x1, y1, x2, y2))
            h, w = max(y2 - y1, 1), max(x2 - x1, 1)
            for i in range(size[0]):
                for j in range(size[1]):
                    r0, r1 = y1 + i * h // size[0], y1 + (i + 1) * h // size[0]
                    c0, c1 = x1 + j * w // size[1], x1 + (j + 1) * w // size[1]
                    r0, r1 = min(max(r0, 0), x.shape[1]), min(max(r1, 0), x.shape[1])
                    c0, c1 = min(max(c0, 0), x.shape[2]), min(max(c1, 0), x.shape[2])
                    if r1 > r0 and c1 > c0:
                        out[n, i, j] = x[int(b), r0:r1, c0:c1].max(axis=(0, 1))
        return out

    return _reference_with(roi_pool=roi_pool)


def iou_nan_where_the_union_is_zero():
    """inter / union with no guard (torchvision.ops.box_iou): 0 / 0 = NaN for two zero-area
    boxes, where the contract says 0."""

    def box_iou(boxes1, boxes2):
        b1 = ref._bx_corners(boxes1, "boxes1", rank=2)
        b2 = ref._bx_corners(boxes2, "boxes2", rank=2)
        dtype = ref._float_dtype(b1, b2)
        b1, b2 = b1.astype(dtype), b2.astype(dtype)
        area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
        area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
        wh = np.clip(np.minimum(b1[:, None, 2:], b2[None, :, 2:])
                     - np.maximum(b1[:, None, :2], b2[None, :, :2]), 0, None)
        inter = wh[..., 0] * wh[..., 1]
        with np.errstate(invalid="ignore"):
            return (inter / (area1[:, None] + area2[None, :] - inter)).astype(dtype)

    return _reference_with(box_iou=box_iou)


def nms_suppressing_at_equal_iou():
    """A box suppressed when its IoU with a kept box is >= the threshold instead of >:
    at threshold 0 even disjoint boxes are suppressed, at 1 identical ones."""

    def nms(boxes, scores, iou_threshold):
        ref.nms(boxes, scores, iou_threshold)  # the reference's checks
        b = np.asarray(boxes, np.float64)
        s = np.asarray(scores, np.float64)
        keep = []
        for i in sorted(range(len(b)), key=lambda i: (-s[i], i)):
            if all(ref._bx_iou_one(b[i], b[j]) < iou_threshold for j in keep):
                keep.append(i)
        return np.array(keep, dtype=np.int32)

    return _reference_with(nms=nms)


def offset_boxes_of_top_left_corners():
    """The x and y offsets from the top-left corners (x1, y1) instead of the centres."""

    def offset_boxes(anchors, assigned_bb, eps=1e-6):
        out = ref.offset_boxes(anchors, assigned_bb, eps=eps)  # checks, dtype, log terms
        a, b = np.asarray(anchors, np.float64), np.asarray(assigned_bb, np.float64)
        out[..., 0] = 10 * (b[..., 0] - a[..., 0]) / (a[..., 2] - a[..., 0])
        out[..., 1] = 10 * (b[..., 1] - a[..., 1]) / (a[..., 3] - a[..., 1])
        return out

    return _reference_with(offset_boxes=offset_boxes)


def multibox_target_without_the_background_shift():
    """Classes copied as they are: class 0 (the first object class) and background both 0."""

    def multibox_target(anchors, labels, iou_threshold=0.5):
        offsets, mask, classes = ref.multibox_target(anchors, labels, iou_threshold)
        return offsets, mask, np.maximum(classes - 1, 0)

    return _reference_with(multibox_target=multibox_target)


def roi_pool_bilinear_sampling_bin_centres():
    """RoIAlign's sampling points at the centres of sub-bins, (k + 1/2) (end - start) / count,
    instead of crop_and_resize's grid spanning the region corner to corner."""

    def roi_pool_bilinear(features, rois, output_size, spatial_scale=1.0, sampling=2):
        out = ref.roi_pool_bilinear(features, rois, output_size, spatial_scale, sampling)
        x = np.asarray(features, np.float64)
        size = (output_size, output_size) if np.isscalar(output_size) else tuple(output_size)
        height, width = x.shape[1], x.shape[2]

        def sample(image, py, px):
            if not (0 <= py <= height - 1 and 0 <= px <= width - 1):
                return np.zeros(image.shape[-1])
            top, left = int(np.floor(py)), int(np.floor(px))
            bottom, right = int(np.ceil(py)), int(np.ceil(px))
            dy, dx = py - top, px - left
            upper = image[top, left] * (1 - dx) + image[top, right] * dx
            lower = image[bottom, left] * (1 - dx) + image[bottom, right] * dx
            return upper * (1 - dy) + lower * dy

        for n, (b, x1, y1, x2, y2) in enumerate(np.asarray(rois, np.float64)):
            ch, cw = sampling * size[0], sampling * size[1]
            ys = [y1 * spatial_scale + (k + 0.5) * (y2 - y1) * spatial_scale / ch
                  for k in range(ch)]
            xs = [x1 * spatial_scale + (k + 0.5) * (x2 - x1) * spatial_scale / cw
                  for k in range(cw)]
            crop = np.array([[sample(x[int(b)], py, px) for px in xs] for py in ys])
            out[n] = crop.reshape(size[0], sampling, size[1], sampling, -1).max(axis=(1, 3))
        return out

    return _reference_with(roi_pool_bilinear=roi_pool_bilinear)


def box_corner_to_center_with_half_sides():
    """Returns half the width and height (w/2, h/2), the mirror of a full-side slip."""

    def box_corner_to_center(boxes):
        out = ref.box_corner_to_center(boxes)
        out[..., 2:] = out[..., 2:] / 2
        return out

    return _reference_with(box_corner_to_center=box_corner_to_center)


def iou_with_plus_one_pixel_areas():
    """Pascal VOC's pixel convention: sides x2 - x1 + 1, wrong for normalised coordinates."""

    def box_iou(boxes1, boxes2):
        b1 = ref._bx_corners(boxes1, "boxes1", rank=2)
        b2 = ref._bx_corners(boxes2, "boxes2", rank=2)
        dtype = ref._float_dtype(b1, b2)
        out = np.zeros((len(b1), len(b2)), dtype)
        for i, a in enumerate(b1.astype(np.float64)):
            for j, b in enumerate(b2.astype(np.float64)):
                inter = (max(min(a[2], b[2]) - max(a[0], b[0]) + 1, 0)
                         * max(min(a[3], b[3]) - max(a[1], b[1]) + 1, 0))
                union = ((a[2] - a[0] + 1) * (a[3] - a[1] + 1)
                         + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - inter)
                out[i, j] = inter / union
        return out

    return _reference_with(box_iou=box_iou)


def nms_returning_kept_indices_in_ascending_order():
    """The right set of boxes, returned sorted by index instead of by descending score."""

    def nms(boxes, scores, iou_threshold):
        return np.sort(ref.nms(boxes, scores, iou_threshold))

    return _reference_with(nms=nms)


def assign_with_a_strict_threshold():
    """The threshold rule as IoU > threshold: an anchor exactly at the threshold gets -1."""

    def assign_anchor_to_bbox(ground_truth, anchors, iou_threshold=0.5):
        gt = ref._bx_corners(ground_truth, "ground_truth", rank=2)
        anc = ref._bx_corners(anchors, "anchors", rank=2)
        threshold = ref._bx_threshold(iou_threshold)
        jaccard = ref.box_iou(anc, gt).astype(np.float64)
        assigned = np.full(len(anc), -1, np.int64)
        for i in range(len(anc)):
            j = int(np.argmax(jaccard[i]))
            if jaccard[i, j] > threshold:
                assigned[i] = j
        for _ in range(min(len(gt), len(anc))):
            i, j = np.unravel_index(int(np.argmax(jaccard)), jaccard.shape)
            assigned[i] = j
            jaccard[i, :] = -1.0
            jaccard[:, j] = -1.0
        return assigned

    return _reference_with(assign_anchor_to_bbox=assign_anchor_to_bbox)


def anchors_without_the_aspect_correction():
    """Width s sqrt(r), without the factor H / W: anchors of a non-square map come out squashed."""

    def multibox_prior(height, width, sizes, ratios):
        out = np.asarray(ref.multibox_prior(height, width, sizes, ratios))
        centre = ref.box_corner_to_center(out.astype(np.float64))
        centre[..., 2] = centre[..., 2] * int(width) / int(height)
        return ref.box_center_to_corner(centre).astype(out.dtype)

    return _reference_with(multibox_prior=multibox_prior)


def roi_pool_with_exclusive_extent():
    """Region height y2' - y1' (not + 1): the bottom row and right column of a region are lost."""

    def roi_pool(features, rois, output_size, spatial_scale=1.0):
        x, r, (out_h, out_w), scale = ref._bx_roi_inputs(features, rois, output_size,
                                                         spatial_scale)
        height, width = x.shape[1], x.shape[2]
        out = np.zeros((len(r), out_h, out_w, x.shape[3]), x.dtype)

        def rounded(v):
            return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)

        for n, (b, x1, y1, x2, y2) in enumerate(r):
            x1, y1, x2, y2 = (rounded(v * scale) for v in (x1, y1, x2, y2))
            roi_h, roi_w = max(y2 - y1, 1), max(x2 - x1, 1)
            for i in range(out_h):
                for j in range(out_w):
                    h0 = min(max(y1 + math.floor(i * roi_h / out_h), 0), height)
                    h1 = min(max(y1 + math.ceil((i + 1) * roi_h / out_h), 0), height)
                    w0 = min(max(x1 + math.floor(j * roi_w / out_w), 0), width)
                    w1 = min(max(x1 + math.ceil((j + 1) * roi_w / out_w), 0), width)
                    if h1 > h0 and w1 > w0:
                        out[n, i, j] = x[int(b), h0:h1, w0:w1].max(axis=(0, 1))
        return out

    return _reference_with(roi_pool=roi_pool)


def roi_pool_rounding_half_to_even():
    """Scaled corners rounded with Python's round() (half to even): 2.5 -> 2, not C's 3."""

    def roi_pool(features, rois, output_size, spatial_scale=1.0):
        x, r, size, scale = ref._bx_roi_inputs(features, rois, output_size, spatial_scale)
        # corners pre-rounded half to even, then passed at scale 1 (already whole numbers)
        rounded = r.copy()
        rounded[:, 1:] = [[float(round(v * scale)) for v in row] for row in r[:, 1:]]
        return ref.roi_pool(x, rounded, size, spatial_scale=1.0)

    return _reference_with(roi_pool=roi_pool)


def multibox_target_ignoring_the_iou_threshold():
    """Assigns with the default threshold 0.5 whatever iou_threshold is passed."""

    def multibox_target(anchors, labels, iou_threshold=0.5):
        ref.multibox_target(anchors, labels, iou_threshold)  # the validation
        return ref.multibox_target(anchors, labels)

    return _reference_with(multibox_target=multibox_target)


def offset_boxes_ignoring_eps():
    """5 log(w_b / w_a) without the eps the caller passes (eps=0 always)."""

    def offset_boxes(anchors, assigned_bb, eps=1e-6):
        ref.offset_boxes(anchors, assigned_bb, eps=eps)  # the validation
        return ref.offset_boxes(anchors, assigned_bb, eps=0.0)

    return _reference_with(offset_boxes=offset_boxes)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'iou_without_subtracting_intersection': (
        'box_iou_of_a_box_with_itself_is_one',
        'box_iou_equals_a_naive_loop',
    ),
    'nms_keeping_lowest_scores': (
        'nms_equals_tf_image_non_max_suppression',
        'nms_keeps_boxes_by_descending_score_that_overlap_at_most_the_threshold',
    ),
    'anchors_with_n_times_m_per_pixel': (
        'multibox_prior_has_n_plus_m_minus_1_anchors_per_pixel_with_the_formula_shapes',
    ),
    'offset_inverse_without_exp': (
        'offset_inverse_undoes_offset_boxes',
        'offset_inverse_follows_the_formula',
    ),
    'assign_without_greedy_step': (
        'assign_anchor_to_bbox_equals_the_greedy_oracle',
    ),
    'center_to_corner_with_full_sides': (
        'box_conversions_round_trip',
        'box_center_to_corner_equals_a_float64_loop',
    ),
    'roi_pool_with_floor_bins': (
        'roi_pool_has_a_fixed_output_shape_and_equals_a_naive_loop',
        'roi_pool_reproduces_d2l_example',
    ),
    'iou_nan_where_the_union_is_zero': (
        'box_iou_of_a_zero_area_box_is_zero_even_where_the_union_is_zero',
    ),
    'nms_suppressing_at_equal_iou': (
        'nms_equals_tf_image_non_max_suppression',
        'nms_keeps_boxes_by_descending_score_that_overlap_at_most_the_threshold',
    ),
    'offset_boxes_of_top_left_corners': (
        'offset_boxes_follows_the_formula',
    ),
    'multibox_target_without_the_background_shift': (
        'multibox_target_labels_assigned_anchors_with_class_plus_one_and_offsets',
        'multibox_target_reproduces_d2l_worked_example',
    ),
    'roi_pool_bilinear_sampling_bin_centres': (
        'roi_pool_bilinear_matches_tf_image_crop_and_resize_then_max_pooling',
        'roi_pool_bilinear_on_a_linear_ramp_is_the_largest_sample',
    ),
    'box_corner_to_center_with_half_sides': (
        'box_corner_to_center_equals_a_float64_loop',
        'box_conversions_round_trip',
    ),
    'iou_with_plus_one_pixel_areas': (
        'box_iou_equals_a_naive_loop',
    ),
    'nms_returning_kept_indices_in_ascending_order': (
        'nms_equals_tf_image_non_max_suppression',
        'nms_keeps_boxes_by_descending_score_that_overlap_at_most_the_threshold',
    ),
    'assign_with_a_strict_threshold': (
        'assign_anchor_to_bbox_equals_the_greedy_oracle',
        'assign_anchor_to_bbox_assigns_an_anchor_whose_iou_equals_the_threshold',
    ),
    'anchors_without_the_aspect_correction': (
        'multibox_prior_has_n_plus_m_minus_1_anchors_per_pixel_with_the_formula_shapes',
    ),
    'roi_pool_with_exclusive_extent': (
        'roi_pool_has_a_fixed_output_shape_and_equals_a_naive_loop',
        'roi_pool_reproduces_d2l_example',
    ),
    'roi_pool_rounding_half_to_even': (
        'roi_pool_rounds_corners_that_end_in_a_half_away_from_zero',
    ),
    'multibox_target_ignoring_the_iou_threshold': (
        'multibox_target_labels_assigned_anchors_with_class_plus_one_and_offsets',
    ),
    'offset_boxes_ignoring_eps': (
        'offset_boxes_follows_the_formula',
    ),
}
