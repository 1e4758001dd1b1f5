"""Properties of bounding boxes, anchors, IoU, NMS and RoI pooling (docs/contract.md, Boxes).

Boxes are (n, 4) arrays in corner form (x1, y1, x2, y2). Most properties draw box coordinates
on a grid of sixteenths (k / 16, k = 0..32): areas, intersections and unions are then exact in
float32, only the final division of IoU rounds, and a comparison of an IoU with a threshold
gives the same answer in every implementation (tf.image.non_max_suppression included). The
oracles are written in this file as plain loops over Python floats, or are TensorFlow's own
``tf.image.non_max_suppression`` and ``tf.image.crop_and_resize``-free closed forms (a bilinear
sample of a linear ramp is exact).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close

GRID = 16
FEW = {"max_examples": 15}


@st.composite
def grid_boxes(draw, dtype=None, n=None, min_n=1, max_n=6, positive=False, max_cells=16):
    """(n, 4) corner boxes with coordinates k / 16: x1, y1 in [0, 1], sides in [0, 1]."""
    dtype = dtype or draw(strategies.dtypes())
    n = n if n is not None else draw(st.integers(min_n, max_n))
    cells = draw(hnp.arrays(np.int64, (n, 4), elements=st.integers(0, max_cells)))
    if positive:
        cells[:, 2:] = np.maximum(cells[:, 2:], 1)
    x1, y1, w, h = cells.T
    return (np.stack([x1, y1, x1 + w, y1 + h], axis=1) / GRID).astype(dtype)


@st.composite
def float_boxes(draw, dtype=None, n=None, max_n=6):
    """(n, 4) corner boxes with arbitrary float corners in [-10, 10] and sides in [0, 10]."""
    dtype = dtype or draw(strategies.dtypes())
    n = n if n is not None else draw(st.integers(1, max_n))
    corner = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(-10, 10)))
    sides = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(0, 10)))
    return np.concatenate([corner, corner + sides], axis=1).astype(dtype)


def _iou_oracle(a, b) -> float:
    """IoU of two corner boxes with Python floats."""
    a, b = [float(v) for v in a], [float(v) for v in b]
    inter = (max(min(a[2], b[2]) - max(a[0], b[0]), 0.0)
             * max(min(a[3], b[3]) - max(a[1], b[1]), 0.0))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


thresholds = st.one_of(st.sampled_from([0.0, 0.25, 0.3, 0.5, 0.7, 1.0]), st.floats(0.0, 1.0))


# --- conversions ------------------------------------------------------------------------------

@spec_property(requires=["box_corner_to_center", "box_center_to_corner"], boxes=float_boxes())
def test_box_conversions_round_trip(impl, boxes):
    center = impl.box_corner_to_center(boxes)
    assert center.shape == boxes.shape and center.dtype == boxes.dtype
    assert_close(impl.box_center_to_corner(center), boxes, dtype=boxes.dtype, atol=1e-5 if
                 boxes.dtype == np.float32 else 1e-12, what="corner -> centre -> corner")


@spec_property(requires=["box_corner_to_center", "box_center_to_corner"], boxes=float_boxes())
def test_box_corner_to_center_follows_the_formula(impl, boxes):
    b = boxes.astype(np.float64)
    expected = np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0],
                         b[:, 3] - b[:, 1]], axis=1)
    assert_close(impl.box_corner_to_center(boxes), expected, dtype=boxes.dtype, atol=1e-5 if
                 boxes.dtype == np.float32 else 1e-12, what="(cx, cy, w, h)")
    center = expected.astype(boxes.dtype)
    c = center.astype(np.float64)
    corner = np.stack([c[:, 0] - c[:, 2] / 2, c[:, 1] - c[:, 3] / 2, c[:, 0] + c[:, 2] / 2,
                       c[:, 1] + c[:, 3] / 2], axis=1)
    assert_close(impl.box_center_to_corner(center), corner, dtype=boxes.dtype, atol=1e-5 if
                 boxes.dtype == np.float32 else 1e-12, what="(x1, y1, x2, y2) from centre form")


# --- IoU --------------------------------------------------------------------------------------

@spec_property(requires=["box_iou"], boxes1=float_boxes(dtype=np.float64),
               boxes2=float_boxes(dtype=np.float64))
def test_box_iou_is_in_the_unit_interval_and_symmetric(impl, boxes1, boxes2):
    iou = impl.box_iou(boxes1, boxes2)
    assert iou.shape == (len(boxes1), len(boxes2)), f"shape {iou.shape}"
    assert np.all((iou >= 0) & (iou <= 1)), f"IoU outside [0, 1]: {iou}"
    assert_close(impl.box_iou(boxes2, boxes1), iou.T, dtype=np.float64, what="IoU(B, A) = IoU(A, B)^T")


@spec_property(requires=["box_iou"], boxes=grid_boxes(positive=True))
def test_box_iou_of_a_box_with_itself_is_one(impl, boxes):
    iou = impl.box_iou(boxes, boxes)
    assert_close(np.diag(iou), np.ones(len(boxes)), dtype=boxes.dtype, what="diag IoU(A, A)")


@spec_property(requires=["box_iou"], boxes1=grid_boxes(), boxes2=grid_boxes(),
               shift=st.sampled_from([(3.0, 0.0), (0.0, 3.0), (-3.0, -3.0)]))
def test_box_iou_of_disjoint_boxes_is_zero(impl, boxes1, boxes2, shift):
    moved = boxes2 + np.array([*shift, *shift], dtype=boxes2.dtype)  # boxes lie in [0, 2]
    iou = impl.box_iou(boxes1, moved)
    assert np.array_equal(iou, np.zeros((len(boxes1), len(boxes2)))), f"IoU {iou}"


@spec_property(requires=["box_iou"], boxes1=float_boxes(), boxes2=float_boxes())
def test_box_iou_equals_a_naive_loop(impl, boxes1, boxes2):
    expected = [[_iou_oracle(a, b) for b in boxes2] for a in boxes1]
    dtype = np.float64 if np.float64 in (boxes1.dtype, boxes2.dtype) else np.float32
    got = impl.box_iou(boxes1, boxes2)
    assert got.dtype == dtype, f"dtype {got.dtype}, expected {dtype}"
    assert_close(got, np.array(expected), dtype=dtype, atol=1e-5 if dtype == np.float32 else
                 1e-10, what="IoU")


# --- anchors ----------------------------------------------------------------------------------

@spec_property(requires=["multibox_prior"], height=st.integers(1, 5), width=st.integers(1, 5),
               sizes=st.lists(st.floats(0.05, 1.0), min_size=1, max_size=3),
               ratios=st.lists(st.floats(0.25, 4.0), min_size=1, max_size=3))
def test_multibox_prior_has_n_plus_m_minus_1_anchors_per_pixel_with_the_formula_shapes(
        impl, height, width, sizes, ratios):
    anchors = impl.multibox_prior(height, width, sizes, ratios)
    per_pixel = len(sizes) + len(ratios) - 1
    assert anchors.shape == (height * width * per_pixel, 4), (
        f"shape {anchors.shape}; expected ({height} * {width} * (n + m - 1) = "
        f"{height * width * per_pixel}, 4)")
    pairs = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    a = anchors.astype(np.float64).reshape(height, width, per_pixel, 4)
    for i in range(height):
        for j in range(width):
            for k, (s, r) in enumerate(pairs):
                x1, y1, x2, y2 = a[i, j, k]
                got = [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1]
                want = [(j + 0.5) / width, (i + 0.5) / height,
                        s * math.sqrt(r) * height / width, s / math.sqrt(r)]
                assert_close(got, want, dtype=np.float32, what=f"anchor {k} at pixel ({i}, {j}) "
                             f"(cx, cy, w, h) for size {s}, ratio {r}")


# --- offsets and assignment -------------------------------------------------------------------

@spec_property(requires=["offset_boxes", "offset_inverse"],
               anchors=grid_boxes(dtype=np.float64, n=5, positive=True),
               boxes=grid_boxes(dtype=np.float64, n=5, positive=True))
def test_offset_inverse_undoes_offset_boxes(impl, anchors, boxes):
    offsets = impl.offset_boxes(anchors, boxes, eps=0.0)
    assert_close(impl.offset_inverse(anchors, offsets), boxes, dtype=np.float64,
                 what="offset_inverse(anchors, offset_boxes(anchors, boxes))")


@spec_property(requires=["offset_boxes"], anchors=grid_boxes(dtype=np.float64, n=4, positive=True),
               boxes=grid_boxes(dtype=np.float64, n=4, positive=True),
               eps=st.sampled_from([0.0, 1e-6]))
def test_offset_boxes_follows_the_formula(impl, anchors, boxes, eps):
    expected = []
    for a, b in zip(anchors, boxes, strict=True):
        wa, ha, wb, hb = a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1]
        expected.append([10 * ((b[0] + b[2]) - (a[0] + a[2])) / 2 / wa,
                         10 * ((b[1] + b[3]) - (a[1] + a[3])) / 2 / ha,
                         5 * math.log(eps + wb / wa), 5 * math.log(eps + hb / ha)])
    assert_close(impl.offset_boxes(anchors, boxes, eps=eps), np.array(expected), dtype=np.float64,
                 what="offsets (10 dx / w, 10 dy / h, 5 log(eps + w'/w), 5 log(eps + h'/h))")


def _assign_oracle(gt, anchors, threshold):
    jaccard = [[_iou_oracle(a, g) for g in gt] for a in anchors]
    assigned = []
    for row in jaccard:
        best = max(range(len(gt)), key=lambda j: (row[j], -j))
        assigned.append(best if row[best] >= threshold else -1)
    alive_a, alive_g = set(range(len(anchors))), set(range(len(gt)))
    for _ in range(min(len(gt), len(anchors))):
        i, j = max(((i, j) for i in alive_a for j in alive_g),
                   key=lambda ij: (jaccard[ij[0]][ij[1]], -ij[0], -ij[1]))
        assigned[i] = j
        alive_a.discard(i)
        alive_g.discard(j)
    return assigned


@spec_property(requires=["assign_anchor_to_bbox"], gt=grid_boxes(max_n=3, positive=True),
               anchors=grid_boxes(max_n=8, positive=True), threshold=thresholds)
def test_assign_anchor_to_bbox_equals_the_greedy_oracle(impl, gt, anchors, threshold):
    got = impl.assign_anchor_to_bbox(gt, anchors, iou_threshold=threshold)
    expected = _assign_oracle(gt, anchors, threshold)
    assert got.tolist() == expected, f"assigned {got.tolist()}, expected {expected}"
    if len(anchors) >= len(gt):
        assert set(range(len(gt))) <= set(got.tolist()), "a ground-truth box got no anchor"


@spec_property(requires=["multibox_target", "assign_anchor_to_bbox", "offset_boxes"], settings=FEW,
               gt=grid_boxes(max_n=3, positive=True, dtype=np.float32),
               anchors=grid_boxes(max_n=8, positive=True, dtype=np.float32),
               classes=st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_multibox_target_labels_assigned_anchors_with_class_plus_one_and_offsets(
        impl, gt, anchors, classes):
    labels = np.concatenate([np.array(classes[:len(gt)], np.float32)[:, None], gt], axis=1)
    padded = np.concatenate([labels, [[-1, 0, 0, 0, 0]]], axis=0)[None].astype(np.float32)
    offsets, mask, cls = impl.multibox_target(anchors, padded)
    n = len(anchors)
    assert offsets.shape == (1, 4 * n) and mask.shape == (1, 4 * n) and cls.shape == (1, n)
    assigned = _assign_oracle(gt, anchors, 0.5)
    for i, j in enumerate(assigned):
        want_cls = 0 if j < 0 else classes[j] + 1
        assert cls[0, i] == want_cls, f"anchor {i}: class {cls[0, i]}, expected {want_cls}"
        assert np.all(mask[0, 4 * i:4 * i + 4] == (j >= 0)), f"anchor {i}: mask"
        want = (np.zeros(4) if j < 0 else
                impl.offset_boxes(anchors[i:i + 1], gt[j:j + 1])[0])
        assert_close(offsets[0, 4 * i:4 * i + 4], want, dtype=np.float32, what=f"anchor {i} offsets")


@spec_property(requires=["multibox_target"])
def test_multibox_target_reproduces_d2l_worked_example(impl):
    """D2L 13.4.3: two ground-truth boxes (dog, cat), five anchors, printed targets."""
    ground_truth = [[[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]]]
    anchors = [[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98],
               [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]]
    offsets, mask, cls = impl.multibox_target(anchors, ground_truth)
    assert cls.tolist() == [[0, 1, 2, 0, 2]], f"classes {cls.tolist()}"
    assert mask.tolist() == [[0] * 4 + [1] * 8 + [0] * 4 + [1] * 4], f"mask {mask.tolist()}"
    printed = [0, 0, 0, 0, 1.40, 10.0, 2.59, 7.18, -1.20, 0.269, 1.68, -1.57, 0, 0, 0, 0,
               -0.571, -1.00, 4.17e-06, 0.626]
    assert_close(offsets[0], printed, dtype=np.float32, atol=6e-3, rtol=0, what="D2L's offsets")


# --- non-maximum suppression ------------------------------------------------------------------

scores_with_ties = st.integers(1, 8).flatmap(
    lambda n: hnp.arrays(np.float32, n, elements=st.sampled_from([0.1, 0.3, 0.5, 0.9, 0.95])))


@st.composite
def boxes_and_scores(draw, dtype=np.float32, max_n=10):
    scores = draw(st.one_of(scores_with_ties, st.integers(1, max_n).flatmap(
        lambda n: hnp.arrays(np.float32, n, elements=st.floats(0, 1, width=32)))))
    boxes = draw(grid_boxes(dtype=dtype, n=len(scores), max_cells=8))
    return boxes, scores.astype(dtype)


@spec_property(requires=["nms"], data=boxes_and_scores(), threshold=thresholds)
def test_nms_equals_tf_image_non_max_suppression(impl, data, threshold):
    boxes, scores = data
    threshold = float(np.float32(threshold))
    kept = impl.nms(boxes, scores, threshold)
    yx = boxes[:, [1, 0, 3, 2]]  # TensorFlow's (y1, x1, y2, x2)
    expected = tf.image.non_max_suppression(yx, scores, len(boxes), threshold).numpy()
    assert kept.tolist() == expected.tolist(), (
        f"kept {kept.tolist()}, tf.image.non_max_suppression keeps {expected.tolist()}")


@spec_property(requires=["nms"], data=boxes_and_scores(dtype=np.float64), threshold=thresholds)
def test_nms_keeps_boxes_by_descending_score_that_overlap_at_most_the_threshold(
        impl, data, threshold):
    boxes, scores = data
    kept = impl.nms(boxes, scores, threshold).tolist()
    assert kept, "NMS kept nothing; the highest-scoring box is always kept"
    assert all(scores[a] >= scores[b] for a, b in zip(kept, kept[1:], strict=False)), (
        f"kept {kept} not in descending score order ({scores[kept]})")
    for a in kept:
        for b in kept:
            if a != b:
                assert _iou_oracle(boxes[a], boxes[b]) <= threshold, f"kept {a} and {b} overlap"
    for dropped in set(range(len(boxes))) - set(kept):
        assert any(_iou_oracle(boxes[dropped], boxes[k]) > threshold and
                   (scores[k], -k) > (scores[dropped], -dropped) for k in kept), (
            f"box {dropped} was dropped without a kept, higher-scoring box overlapping it")


@spec_property(requires=["nms"], data=boxes_and_scores())
def test_nms_with_threshold_one_keeps_every_box(impl, data):
    boxes, scores = data
    kept = impl.nms(boxes, scores, 1.0).tolist()
    assert sorted(kept) == list(range(len(boxes))), f"kept {kept} of {len(boxes)}"


# --- RoI pooling ------------------------------------------------------------------------------

def _roi_pool_oracle(x, rois, out_h, out_w, scale):
    def rnd(v):
        return int(math.copysign(math.floor(abs(v) + 0.5), v))

    out = np.zeros((len(rois), out_h, out_w, x.shape[3]))
    for n, (b, *corners) in enumerate(rois):
        x1, y1, x2, y2 = (rnd(v * scale) for v in corners)
        h, w = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
        for i in range(out_h):
            for j in range(out_w):
                rows = [r for r in range(x.shape[1])
                        if y1 + (i * h) // out_h <= r < y1 - ((-(i + 1) * h) // out_h)]
                cols = [c for c in range(x.shape[2])
                        if x1 + (j * w) // out_w <= c < x1 - ((-(j + 1) * w) // out_w)]
                if rows and cols:
                    out[n, i, j] = x[int(b)][np.ix_(rows, cols)].max(axis=(0, 1))
    return out


@st.composite
def regions(draw, batch, height, width, inside=False, n=None):
    """(n, 5) RoIs (batch_index, x1, y1, x2, y2) in feature-map units (scale 1)."""
    n = n or draw(st.integers(1, 4))
    rows = []
    for _ in range(n):
        if inside:  # strictly inside [0, size - 1]: every bilinear sample lies on the map
            x1 = draw(st.floats(0, width - 1.05))
            y1 = draw(st.floats(0, height - 1.05))
            x2 = draw(st.floats(x1, width - 1.05))
            y2 = draw(st.floats(y1, height - 1.05))
        else:
            x1 = draw(st.floats(-3, width + 3))
            y1 = draw(st.floats(-3, height + 3))
            x2 = x1 + draw(st.floats(0, width + 3))
            y2 = y1 + draw(st.floats(0, height + 3))
        rows.append([draw(st.integers(0, batch - 1)), x1, y1, x2, y2])
    return np.array(rows)


@st.composite
def roi_inputs(draw, inside=False):
    batch, height, width, channels = (draw(st.integers(1, 2)), draw(st.integers(1, 7)),
                                      draw(st.integers(1, 7)), draw(st.integers(1, 2)))
    if inside:
        height, width = max(height, 2), max(width, 2)
    x = draw(hnp.arrays(np.float32, (batch, height, width, channels),
                        elements=st.floats(-10, 10, width=32)))
    return x, draw(regions(batch, height, width, inside=inside)), (
        draw(st.integers(1, 4)), draw(st.integers(1, 4)))


@spec_property(requires=["roi_pool"], settings=FEW, data=roi_inputs(),
               scale=st.sampled_from([1.0, 0.5, 0.25]))
def test_roi_pool_has_a_fixed_output_shape_and_equals_a_naive_loop(impl, data, scale):
    x, rois, size = data
    rois = rois.copy()
    rois[:, 1:] /= scale
    out = impl.roi_pool(x, rois, size, spatial_scale=scale)
    assert out.shape == (len(rois), *size, x.shape[3]), f"shape {out.shape} for output {size}"
    assert_close(out, _roi_pool_oracle(x, rois, *size, scale), dtype=np.float32, what="RoI pool")


@spec_property(requires=["roi_pool"])
def test_roi_pool_reproduces_d2l_example(impl):
    """D2L 13.8.2: a 4 x 4 map 0..15, regions (0, 0, 20, 20), (0, 10, 30, 30), scale 0.1."""
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    out = impl.roi_pool(x, [[0, 0, 0, 20, 20], [0, 0, 10, 30, 30]], (2, 2), spatial_scale=0.1)
    assert out[..., 0].tolist() == [[[5, 6], [9, 10]], [[9, 11], [13, 15]]], out[..., 0]


@spec_property(requires=["roi_pool_bilinear"], settings=FEW, data=roi_inputs(inside=True),
               slope=st.tuples(st.floats(-3, 3), st.floats(-3, 3), st.floats(-5, 5)),
               sampling=st.integers(1, 3))
def test_roi_pool_bilinear_on_a_linear_ramp_is_the_largest_sample(impl, data, slope, sampling):
    """Bilinear interpolation of f(y, x) = a y + b x + c is exact, so each output is the
    largest f over its sampling x sampling points (a grid spanning the region corner to corner,
    or its centre for a single point)."""
    x, rois, (out_h, out_w) = data
    a, b, c = slope
    _, height, width, channels = x.shape
    yy, xx = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    ramp = np.repeat((a * yy + b * xx + c)[None, ..., None], channels, axis=3)
    ramp = np.repeat(ramp, x.shape[0], axis=0).astype(np.float32)
    out = impl.roi_pool_bilinear(ramp, rois, (out_h, out_w), sampling=sampling)
    assert out.shape == (len(rois), out_h, out_w, channels), f"shape {out.shape}"

    def points(start, end, count):
        if count == 1:
            return np.array([(start + end) / 2])
        return start + np.arange(count) * (end - start) / (count - 1)

    for n, (_, x1, y1, x2, y2) in enumerate(rois):
        ys, xs = points(y1, y2, sampling * out_h), points(x1, x2, sampling * out_w)
        values = a * ys[:, None] + b * xs[None, :] + c
        blocks = values.reshape(out_h, sampling, out_w, sampling).max(axis=(1, 3))
        assert_close(out[n, ..., 0], blocks, dtype=np.float32, atol=2e-4, rtol=1e-4,
                     what="max of bilinear samples of a ramp")


@spec_property(requires=["roi_pool_bilinear"], settings=FEW, data=roi_inputs())
def test_roi_pool_bilinear_has_a_fixed_output_shape(impl, data):
    x, rois, size = data
    out = impl.roi_pool_bilinear(x, rois, size)
    assert out.shape == (len(rois), *size, x.shape[3]), f"shape {out.shape} for output {size}"
    assert np.all(np.isfinite(out))


# --- bad input --------------------------------------------------------------------------------

@spec_property(requires=["box_iou", "box_corner_to_center", "box_center_to_corner", "nms",
                         "multibox_prior", "assign_anchor_to_bbox", "offset_inverse", "roi_pool"],
               boxes=grid_boxes(positive=True, max_n=3),
               bad_threshold=st.sampled_from([-0.1, 1.5, float("nan")]),
               bad_size=st.sampled_from([0.0, -0.5]))
def test_box_functions_reject_bad_input(impl, boxes, bad_threshold, bad_size):
    flipped = boxes.copy()
    flipped[0, [0, 2]] = flipped[0, [2, 0]] + np.array([0.5, 0], dtype=boxes.dtype)  # x2 < x1
    expect_value_error(lambda: impl.box_iou(flipped, boxes), "boxes1", rule="x2 < x1")
    expect_value_error(lambda: impl.box_iou(boxes, flipped), "boxes2", rule="x2 < x1")
    expect_value_error(lambda: impl.box_corner_to_center(flipped), "boxes", rule="x2 < x1")
    expect_value_error(lambda: impl.box_corner_to_center(boxes[:, :3]), "boxes",
                       rule="last dimension 3")
    expect_value_error(lambda: impl.box_iou(boxes[:, :3], boxes), "boxes1", rule="last dim 3")
    negative = impl.box_corner_to_center(boxes).copy()
    negative[0, 2] = -1.0
    expect_value_error(lambda: impl.box_center_to_corner(negative), "boxes", rule="w < 0")
    scores = np.linspace(1, 0, len(boxes))
    expect_value_error(lambda: impl.nms(boxes, scores, bad_threshold), "iou_threshold",
                       rule="threshold outside [0, 1]")
    expect_value_error(lambda: impl.nms(flipped, scores, 0.5), "boxes", rule="x2 < x1")
    expect_value_error(lambda: impl.nms(boxes, np.ones(len(boxes) + 1), 0.5), "scores",
                       rule="one score per box")
    expect_value_error(lambda: impl.assign_anchor_to_bbox(boxes, boxes, bad_threshold),
                       "iou_threshold", rule="threshold outside [0, 1]")
    expect_value_error(lambda: impl.assign_anchor_to_bbox(flipped, boxes), "ground_truth",
                       rule="x2 < x1")
    expect_value_error(lambda: impl.multibox_prior(2, 2, [0.5, bad_size], [1.0]), "sizes",
                       rule="sizes must be positive")
    expect_value_error(lambda: impl.multibox_prior(2, 2, [0.5], [1.0, bad_size]), "ratios",
                       rule="ratios must be positive")
    expect_value_error(lambda: impl.multibox_prior(0, 2, [0.5], [1.0]), "height", rule="height 0")
    expect_value_error(lambda: impl.offset_inverse(boxes, np.zeros((len(boxes), 3))),
                       "offset_preds", rule="last dimension 3")
    x = np.zeros((1, 4, 4, 1), np.float32)
    expect_value_error(lambda: impl.roi_pool(x, [[0, 2, 0, 1, 1]], 2), "rois", rule="x2 < x1")
    expect_value_error(lambda: impl.roi_pool(x, [[1, 0, 0, 1, 1]], 2), "rois",
                       rule="batch index out of range")
