"""Properties of bounding boxes, anchors, IoU, NMS and RoI pooling (docs/contract.md, Boxes).

Boxes are (n, 4) arrays in corner form (x1, y1, x2, y2). Most properties draw box coordinates
on a grid of sixteenths (k / 16, k = 0..32): areas, intersections and unions are then exact in
float32 and float64, only the final division of IoU rounds. Where a property compares an IoU
with a threshold, examples whose exact IoU (computed with fractions) lies within 1e-6 of the
threshold without being equal to it are skipped: there the rounding of the dtype decides, not
the maths. The oracles are plain loops over Python floats written here, TensorFlow's
``tf.image.non_max_suppression`` and ``tf.image.crop_and_resize`` (computed apart,
spec_tests.tf_oracle), and D2L's worked examples.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tf_oracle import tf_oracle
from spec_tests.tolerances import assert_close

GRID = 16
FEW = {"max_examples": 15}


# --- TensorFlow oracles (run apart from the implementation under test) -------------------------

@tf_oracle
def tf_non_max_suppression(yx_boxes, scores, iou_threshold):
    import tensorflow as tf

    return tf.image.non_max_suppression(tf.constant(yx_boxes, tf.float32),
                                        tf.constant(scores, tf.float32), len(yx_boxes),
                                        iou_threshold).numpy()


@tf_oracle
def tf_crop_and_resize(image, boxes, box_indices, crop_size):
    import tensorflow as tf

    return tf.image.crop_and_resize(tf.constant(image, tf.float32), tf.constant(boxes, tf.float32),
                                    tf.constant(box_indices, tf.int32), crop_size).numpy()


# --- strategies -------------------------------------------------------------------------------

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
def zero_area_boxes(draw, dtype=None, max_n=4):
    """(n, 4) grid boxes of zero area: points, horizontal and vertical segments."""
    dtype = dtype or draw(strategies.dtypes())
    boxes = draw(grid_boxes(dtype=np.float64, max_n=max_n))
    flat = draw(hnp.arrays(np.int64, len(boxes), elements=st.integers(0, 2)))
    boxes[flat != 1, 2] = boxes[flat != 1, 0]  # width 0 (and for 0: height 0 too)
    boxes[flat != 2, 3] = boxes[flat != 2, 1]
    return boxes.astype(dtype)


@st.composite
def float_boxes(draw, dtype=None, n=None, max_n=6):
    """(n, 4) corner boxes with float corners in [-10, 10] and sides 0 or in [2^-10, 10].

    No subnormal number (TensorFlow flushes them to 0 on the CPU) and no side so thin that
    the dtype's rounding of x2 = x1 + side decides its area."""
    dtype = dtype or draw(strategies.dtypes())
    n = n if n is not None else draw(st.integers(1, max_n))
    corner = draw(hnp.arrays(dtype, (n, 2), elements=strategies.finite_floats(dtype, -10, 10)))
    sides = draw(hnp.arrays(dtype, (n, 2), elements=st.one_of(
        st.just(0.0), strategies.finite_floats(dtype, 2.0**-10, 10))))
    return np.concatenate([corner, corner + sides], axis=1).astype(dtype)


def _coordinate_atol(dtype) -> float:
    """A few roundings of coordinates up to 20 in size (float_boxes' corners and sides)."""
    return 8 * float(np.finfo(dtype).eps) * 20


def _iou_oracle(a, b) -> float:
    """IoU of two corner boxes with Python floats; 0 where the union is 0 (the contract)."""
    a, b = [float(v) for v in a], [float(v) for v in b]
    inter = (max(min(a[2], b[2]) - max(a[0], b[0]), 0.0)
             * max(min(a[3], b[3]) - max(a[1], b[1]), 0.0))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _exact_iou(a, b) -> Fraction:
    a, b = [Fraction(float(v)) for v in a], [Fraction(float(v)) for v in b]
    inter = (max(min(a[2], b[2]) - max(a[0], b[0]), 0) * max(min(a[3], b[3]) - max(a[1], b[1]), 0))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else Fraction(0)


def _assume_no_near_tie(boxes1, boxes2, threshold) -> None:
    """Skip an example where an exact IoU is within 1e-6 of the threshold but not equal to it."""
    t = Fraction(float(threshold))
    for a in boxes1:
        for b in boxes2:
            gap = abs(_exact_iou(a, b) - t)
            assume(not 0 < gap < Fraction(1, 10**6))


thresholds = st.one_of(st.sampled_from([0.0, 0.25, 0.3, 0.5, 0.7, 1.0]), st.floats(0.0, 1.0))


# --- conversions ------------------------------------------------------------------------------

@spec_property(requires=["box_corner_to_center"],
               oracle={"box_corner_to_center": "float64 loop: ((x1 + x2)/2, (y1 + y2)/2, "
                                               "x2 - x1, y2 - y1) per box"},
               boxes=float_boxes())
def test_box_corner_to_center_equals_a_float64_loop(impl, boxes):
    expected = []
    for x1, y1, x2, y2 in boxes.tolist():
        expected.append([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1])
    assert_close(impl.box_corner_to_center(boxes), np.array(expected), dtype=boxes.dtype,
                 atol=_coordinate_atol(boxes.dtype), what="(cx, cy, w, h) from corner form")


@spec_property(requires=["box_center_to_corner"],
               oracle={"box_center_to_corner": "float64 loop: (cx - w/2, cy - h/2, cx + w/2, "
                                               "cy + h/2) per box"},
               boxes=float_boxes())
def test_box_center_to_corner_equals_a_float64_loop(impl, boxes):
    """The drawn (x, y, w, h) (w, h >= 0) read as centre form."""
    centre = boxes.copy()
    centre[:, 2:] -= centre[:, :2]
    expected = []
    for cx, cy, w, h in centre.astype(np.float64).tolist():
        expected.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    assert_close(impl.box_center_to_corner(centre), np.array(expected), dtype=boxes.dtype,
                 atol=_coordinate_atol(boxes.dtype), what="(x1, y1, x2, y2) from centre form")


@spec_property(requires=["box_corner_to_center", "box_center_to_corner"], boxes=float_boxes())
def test_box_conversions_round_trip(impl, boxes):
    center = impl.box_corner_to_center(boxes)
    assert_close(impl.box_center_to_corner(center), boxes, dtype=boxes.dtype,
                 atol=_coordinate_atol(boxes.dtype), what="corner -> centre -> corner")


# --- IoU --------------------------------------------------------------------------------------

@spec_property(requires=["box_iou"], boxes1=float_boxes(dtype=np.float64),
               boxes2=float_boxes(dtype=np.float64))
def test_box_iou_is_in_the_unit_interval_and_symmetric(impl, boxes1, boxes2):
    iou = impl.box_iou(boxes1, boxes2)
    inside = (iou >= 0) & (iou <= 1)
    assert np.all(inside), f"IoU outside [0, 1] (or NaN) at {np.argwhere(~inside).tolist()}: {iou}"
    assert_close(impl.box_iou(boxes2, boxes1), iou.T, dtype=np.float64,
                 what="IoU(B, A) = IoU(A, B)^T")


@spec_property(requires=["box_iou"], boxes=grid_boxes(positive=True))
def test_box_iou_of_a_box_with_itself_is_one(impl, boxes):
    iou = impl.box_iou(boxes, boxes)
    assert_close(np.diag(iou), np.ones(len(boxes)), dtype=boxes.dtype, what="diag IoU(A, A)")


@spec_property(requires=["box_iou"], boxes1=grid_boxes(), boxes2=grid_boxes(),
               shift=st.sampled_from([(3.0, 0.0), (0.0, 3.0), (-3.0, -3.0)]))
def test_box_iou_of_disjoint_boxes_is_zero(impl, boxes1, boxes2, shift):
    moved = boxes2 + np.array([*shift, *shift], dtype=boxes2.dtype)  # boxes lie in [0, 2]
    iou = impl.box_iou(boxes1, moved)
    assert_close(iou, np.zeros((len(boxes1), len(boxes2))), dtype=boxes1.dtype, rtol=0, atol=0,
                 what="IoU of boxes 3 apart")


@spec_property(requires=["box_iou"], boxes1=zero_area_boxes(), boxes2=grid_boxes())
def test_box_iou_of_a_zero_area_box_is_zero_even_where_the_union_is_zero(impl, boxes1, boxes2):
    """A point or a segment meets any box in zero area: IoU 0. With another zero-area box
    (itself included) the union is 0 too, and the contract says 0, not NaN (0 / 0)."""
    others = np.concatenate([boxes2, boxes1.astype(boxes2.dtype)])
    iou = impl.box_iou(boxes1, others)
    assert_close(iou, np.zeros((len(boxes1), len(others))), dtype=boxes2.dtype, rtol=0, atol=0,
                 what="IoU of zero-area boxes (rows) with boxes and with zero-area boxes")


@spec_property(requires=["box_iou"], oracle={"box_iou": "float64 loop: inter / union per pair"},
               boxes1=float_boxes(), boxes2=float_boxes())
def test_box_iou_equals_a_naive_loop(impl, boxes1, boxes2):
    expected = [[_iou_oracle(a, b) for b in boxes2] for a in boxes1]
    dtype = np.float32 if np.float32 in (boxes1.dtype, boxes2.dtype) else np.float64
    assert_close(impl.box_iou(boxes1, boxes2), np.array(expected), dtype=dtype, what="IoU")


# --- anchors ----------------------------------------------------------------------------------

@spec_property(requires=["multibox_prior"],
               oracle={"multibox_prior": "float64 loop: centre and sides per pixel and "
                                         "(size, ratio) pair"},
               height=st.integers(1, 5), width=st.integers(1, 5),
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

def _offsets_oracle(anchor, box, eps=1e-6) -> list[float]:
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = ([float(v) for v in anchor],
                                                  [float(v) for v in box])
    wa, ha, wb, hb = ax2 - ax1, ay2 - ay1, bx2 - bx1, by2 - by1
    return [10 * ((bx1 + bx2) / 2 - (ax1 + ax2) / 2) / wa,
            10 * ((by1 + by2) / 2 - (ay1 + ay2) / 2) / ha,
            5 * math.log(eps + wb / wa), 5 * math.log(eps + hb / ha)]


@spec_property(requires=["offset_boxes", "offset_inverse"],
               anchors=grid_boxes(dtype=np.float64, n=5, positive=True),
               boxes=grid_boxes(dtype=np.float64, n=5, positive=True))
def test_offset_inverse_undoes_offset_boxes(impl, anchors, boxes):
    offsets = impl.offset_boxes(anchors, boxes, eps=0.0)
    assert_close(impl.offset_inverse(anchors, offsets), boxes, dtype=np.float64,
                 what="offset_inverse(anchors, offset_boxes(anchors, boxes))")


@spec_property(requires=["offset_boxes"],
               oracle={"offset_boxes": "float64 loop: (10 dx / w, 10 dy / h, 5 log(eps + w'/w), "
                                       "5 log(eps + h'/h)) per pair"},
               dtype=strategies.dtypes(), data=st.data(), eps=st.sampled_from([0.0, 1e-6]))
def test_offset_boxes_follows_the_formula(impl, dtype, data, eps):
    anchors = data.draw(grid_boxes(dtype=dtype, n=4, positive=True), label="anchors")
    boxes = data.draw(grid_boxes(dtype=dtype, n=4, positive=True), label="boxes")
    expected = [_offsets_oracle(a, b, eps) for a, b in zip(anchors, boxes, strict=True)]
    assert_close(impl.offset_boxes(anchors, boxes, eps=eps), np.array(expected), dtype=dtype,
                 what="offsets (10 dx / w, 10 dy / h, 5 log(eps + w'/w), 5 log(eps + h'/h))")


@spec_property(requires=["offset_inverse"],
               oracle={"offset_inverse": "float64 loop: (x_a + o_x w_a/10, y_a + o_y h_a/10, "
                                         "w_a exp(o_w/5), h_a exp(o_h/5)) to corners"},
               dtype=strategies.dtypes(), data=st.data())
def test_offset_inverse_follows_the_formula(impl, dtype, data):
    """Predicted offsets in [-5, 5] applied to anchors (a box may grow or shrink by e)."""
    anchors = data.draw(grid_boxes(dtype=dtype, min_n=1, max_n=4, positive=True), label="anchors")
    offsets = data.draw(hnp.arrays(dtype, anchors.shape, elements=strategies.finite_floats(
        dtype, -5.0, 5.0)), label="offsets")
    expected = []
    for (x1, y1, x2, y2), (ox, oy, ow, oh) in zip(anchors.tolist(), offsets.tolist(), strict=True):
        w, h = x2 - x1, y2 - y1
        cx, cy = (x1 + x2) / 2 + ox * w / 10, (y1 + y2) / 2 + oy * h / 10
        w, h = w * math.exp(ow / 5), h * math.exp(oh / 5)
        expected.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    assert_close(impl.offset_inverse(anchors, offsets), np.array(expected), dtype=dtype,
                 what="boxes predicted from anchors and offsets")


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


@spec_property(requires=["assign_anchor_to_bbox"],
               oracle={"assign_anchor_to_bbox": "float64 loop: greedy rounds, then the "
                                                "threshold rule"},
               gt=grid_boxes(max_n=3, positive=True), anchors=grid_boxes(max_n=8, positive=True),
               threshold=thresholds)
def test_assign_anchor_to_bbox_equals_the_greedy_oracle(impl, gt, anchors, threshold):
    _assume_no_near_tie(anchors, gt, threshold)
    got = impl.assign_anchor_to_bbox(gt, anchors, iou_threshold=threshold)
    expected = _assign_oracle(gt, anchors, threshold)
    assert got.tolist() == expected, f"assigned {got.tolist()}, expected {expected}"
    if len(anchors) >= len(gt):
        assert set(range(len(gt))) <= set(got.tolist()), (
            f"a ground-truth box got no anchor: assigned {got.tolist()} for {len(gt)} boxes")


@spec_property(requires=["assign_anchor_to_bbox"],
               oracle={"assign_anchor_to_bbox": "closed form: IoUs 1, 1/2, 1/4, 1/4 (exact in "
                                                "binary) against one box"},
               dtype=strategies.dtypes(), threshold=st.sampled_from([0.25, 0.5]),
               shift=st.sampled_from([0.0, 0.125, 0.5]))
def test_assign_anchor_to_bbox_assigns_an_anchor_whose_iou_equals_the_threshold(
        impl, dtype, threshold, shift):
    """The threshold rule is IoU >= threshold (the contract): the random draws above avoid
    IoUs near the threshold, so this example puts them on it exactly. The ground truth takes
    anchor 0 in the greedy round (IoU 1); anchors 1-3 have IoU 1/2, 1/4 and 1/4."""
    gt = np.array([[0.0, 0.0, 1.0, 1.0]]) + shift
    anchors = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.5, 1.0], [0.0, 0.0, 0.25, 1.0],
                        [0.5, 0.0, 1.0, 0.5]]) + shift
    expected = [0, 0, 0 if threshold <= 0.25 else -1, 0 if threshold <= 0.25 else -1]
    got = impl.assign_anchor_to_bbox(gt.astype(dtype), anchors.astype(dtype),
                                     iou_threshold=threshold)
    assert np.asarray(got).tolist() == expected, (
        f"assigned {np.asarray(got).tolist()}, expected {expected}: an anchor whose IoU equals "
        f"the threshold {threshold} keeps its box (IoU >= threshold)")


@spec_property(requires=["multibox_target"], settings=FEW,
               oracle={"multibox_target": "float64 loop: greedy assignment, class + 1 and "
                                          "offsets per anchor"},
               dtype=strategies.dtypes(), data=st.data(),
               classes=st.lists(st.integers(0, 3), min_size=3, max_size=3),
               threshold=st.one_of(st.none(), thresholds))
def test_multibox_target_labels_assigned_anchors_with_class_plus_one_and_offsets(
        impl, dtype, data, classes, threshold):
    """One image (and a padding row, class -1); every anchor unassigned gets zeros. The
    threshold is the default 0.5 (None) or one passed as iou_threshold."""
    gt = data.draw(grid_boxes(max_n=3, positive=True, dtype=dtype), label="ground truth")
    anchors = data.draw(grid_boxes(max_n=8, positive=True, dtype=dtype), label="anchors")
    labels = np.concatenate([np.array(classes[:len(gt)], dtype)[:, None], gt], axis=1)
    padded = np.concatenate([labels, [[-1, 0, 0, 0, 0]]], axis=0)[None].astype(dtype)
    if threshold is None:
        offsets, mask, cls = impl.multibox_target(anchors, padded)
    else:
        _assume_no_near_tie(anchors, gt, threshold)
        offsets, mask, cls = impl.multibox_target(anchors, padded, iou_threshold=threshold)
    n = len(anchors)
    assigned = _assign_oracle(gt, anchors, 0.5 if threshold is None else threshold)
    want_cls = [0 if j < 0 else classes[j] + 1 for j in assigned]
    want_mask = np.repeat([[float(j >= 0)] for j in assigned], 4, axis=1)
    want_offsets = np.array([[0.0] * 4 if j < 0 else _offsets_oracle(anchors[i], gt[j])
                             for i, j in enumerate(assigned)])
    assert np.size(cls) == n and np.ravel(cls).tolist() == want_cls, (
        f"classes {np.ravel(cls).tolist()}, expected {want_cls} (assigned boxes {assigned})")
    assert_close(np.ravel(mask), want_mask.ravel(), dtype=dtype, rtol=0, atol=0,
                 what=f"mask (assigned boxes {assigned})")
    assert_close(np.ravel(offsets), want_offsets.ravel(), dtype=dtype,
                 what=f"offsets, 4 per anchor (assigned boxes {assigned})")


@spec_property(requires=["multibox_target"],
               oracle={"multibox_target": "closed form: D2L 13.4.3 printed targets"})
def test_multibox_target_reproduces_d2l_worked_example(impl):
    """D2L 13.4.3: two ground-truth boxes (dog, cat), five anchors, printed targets (to 3
    significant digits, hence atol 6e-3)."""
    ground_truth = [[[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]]]
    anchors = [[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98],
               [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]]
    offsets, mask, cls = impl.multibox_target(anchors, ground_truth)
    assert np.ravel(cls).tolist() == [0, 1, 2, 0, 2], f"classes {np.ravel(cls).tolist()}"
    assert_close(np.ravel(mask), [0] * 4 + [1] * 8 + [0] * 4 + [1] * 4, dtype=np.float32,
                 rtol=0, atol=0, what="D2L's mask")
    printed = [0, 0, 0, 0, 1.40, 10.0, 2.59, 7.18, -1.20, 0.269, 1.68, -1.57, 0, 0, 0, 0,
               -0.571, -1.00, 4.17e-06, 0.626]
    assert_close(np.ravel(offsets), printed, dtype=np.float32, atol=6e-3, rtol=0,
                 what="D2L's offsets")


# --- non-maximum suppression ------------------------------------------------------------------

scores_with_ties = st.integers(1, 8).flatmap(
    lambda n: hnp.arrays(np.float32, n, elements=st.sampled_from([0.1, 0.3, 0.5, 0.9, 0.95])))


@st.composite
def boxes_and_scores(draw, dtype=np.float32, max_n=10):
    scores = draw(st.one_of(scores_with_ties, st.integers(1, max_n).flatmap(
        lambda n: hnp.arrays(np.float32, n, elements=st.floats(0, 1, width=32)))))
    boxes = draw(grid_boxes(dtype=dtype, n=len(scores), max_cells=8))
    return boxes, scores.astype(dtype)


@spec_property(requires=["nms"], oracle={"nms": "tf.image.non_max_suppression"},
               data=boxes_and_scores(), threshold=thresholds)
def test_nms_equals_tf_image_non_max_suppression(impl, data, threshold):
    boxes, scores = data
    threshold = float(np.float32(threshold))
    _assume_no_near_tie(boxes, boxes, threshold)
    kept = impl.nms(boxes, scores, threshold)
    yx = boxes[:, [1, 0, 3, 2]]  # TensorFlow's (y1, x1, y2, x2)
    expected = tf_non_max_suppression(yx, scores, threshold)
    assert kept.tolist() == expected.tolist(), (
        f"kept {kept.tolist()}, tf.image.non_max_suppression keeps {expected.tolist()} "
        f"(threshold {threshold}, scores {scores.tolist()})")


@spec_property(requires=["nms"], data=boxes_and_scores(dtype=np.float64), threshold=thresholds)
def test_nms_keeps_boxes_by_descending_score_that_overlap_at_most_the_threshold(
        impl, data, threshold):
    boxes, scores = data
    _assume_no_near_tie(boxes, boxes, threshold)
    kept = impl.nms(boxes, scores, threshold).tolist()
    assert kept, "NMS kept nothing; the highest-scoring box is always kept"
    assert all(scores[a] >= scores[b] for a, b in zip(kept, kept[1:], strict=False)), (
        f"kept {kept} not in descending score order ({scores[kept]})")
    for a in kept:
        for b in kept:
            if a != b:
                assert _iou_oracle(boxes[a], boxes[b]) <= threshold, (
                    f"kept {a} and {b}, whose IoU {_iou_oracle(boxes[a], boxes[b])} exceeds "
                    f"the threshold {threshold}")
    for dropped in set(range(len(boxes))) - set(kept):
        assert any(_iou_oracle(boxes[dropped], boxes[k]) > threshold and
                   (scores[k], -k) > (scores[dropped], -dropped) for k in kept), (
            f"box {dropped} was dropped without a kept, higher-scoring box overlapping it by "
            f"more than {threshold} (kept {kept})")


@spec_property(requires=["nms"], data=boxes_and_scores())
def test_nms_with_threshold_one_keeps_every_box(impl, data):
    boxes, scores = data
    kept = impl.nms(boxes, scores, 1.0).tolist()
    assert sorted(kept) == list(range(len(boxes))), f"kept {kept} of {len(boxes)} boxes"


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


@spec_property(requires=["roi_pool"], settings=FEW,
               oracle={"roi_pool": "float64 loop: rounded corners, integer bin edges, max per bin"},
               data=roi_inputs(), scale=st.sampled_from([1.0, 0.5, 0.25]))
def test_roi_pool_has_a_fixed_output_shape_and_equals_a_naive_loop(impl, data, scale):
    """Corners within 1e-5 of a rounding boundary (k + 1/2) but not on it are skipped: there
    the dtype's rounding decides."""
    x, rois, size = data
    corners = rois[:, 1:]
    assume(not np.any((np.abs(np.abs(corners) % 1 - 0.5) < 1e-5)
                      & (np.abs(corners) % 1 != 0.5)))
    rois = rois.copy()
    rois[:, 1:] /= scale
    out = impl.roi_pool(x, rois, size, spatial_scale=scale)
    assert_close(out, _roi_pool_oracle(x, rois, *size, scale), dtype=np.float32,
                 what=f"RoI pool to {size}")


@spec_property(requires=["roi_pool"], settings=FEW,
               oracle={"roi_pool": "float64 loop: corners rounded half away from zero (C's "
                                   "round), integer bin edges, max per bin"},
               data=st.data(), scale=st.sampled_from([1.0, 0.5]), size=st.integers(1, 3))
def test_roi_pool_rounds_corners_that_end_in_a_half_away_from_zero(impl, data, scale, size):
    """Every scaled corner is k + 1/2 exactly (the random regions above almost never are):
    0.5 -> 1, 2.5 -> 3, -0.5 -> -1 (torchvision's rule); half to even (Python's round,
    numpy.round) gives 0, 2, 0 and moves the region. The map is a ramp 10 i + j, so the
    maximum of a bin shows where its region lies."""
    x = (10 * np.arange(7)[:, None] + np.arange(7)[None, :]).astype(np.float32)[None, ..., None]
    rows = []
    for _ in range(data.draw(st.integers(1, 3), label="regions")):
        x1, y1 = (data.draw(st.integers(-1, 4)) + 0.5 for _ in range(2))
        x2, y2 = x1 + data.draw(st.integers(0, 3)), y1 + data.draw(st.integers(0, 3))
        rows.append([0.0, x1 / scale, y1 / scale, x2 / scale, y2 / scale])
    rois = np.array(rows)
    out = impl.roi_pool(x, rois, size, spatial_scale=scale)
    assert_close(out, _roi_pool_oracle(x, rois, size, size, scale), dtype=np.float32,
                 rtol=0, atol=0, what=f"RoI pool to ({size}, {size}) of regions {rois.tolist()} "
                                      f"at scale {scale} (corners at k + 1/2)")


@spec_property(requires=["roi_pool"],
               oracle={"roi_pool": "closed form: D2L 13.8.2 worked example"})
def test_roi_pool_reproduces_d2l_example(impl):
    """D2L 13.8.2: a 4 x 4 map 0..15, regions (0, 0, 20, 20), (0, 10, 30, 30), scale 0.1."""
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    out = impl.roi_pool(x, [[0, 0, 0, 20, 20], [0, 0, 10, 30, 30]], (2, 2), spatial_scale=0.1)
    assert_close(out[..., 0], [[[5, 6], [9, 10]], [[9, 11], [13, 15]]], dtype=np.float32,
                 rtol=0, atol=0, what="D2L's RoI pooling")


@spec_property(requires=["roi_pool_bilinear"], settings=FEW,
               oracle={"roi_pool_bilinear": "tf.image.crop_and_resize, then max pooling"},
               data=roi_inputs(inside=True), sampling=st.integers(1, 3),
               scale=st.sampled_from([1.0, 0.5]))
def test_roi_pool_bilinear_matches_tf_image_crop_and_resize_then_max_pooling(
        impl, data, sampling, scale):
    """Each region, normalised by (size - 1), cropped by TensorFlow to (sampling H_o,
    sampling W_o) bilinear samples; each sampling x sampling block's maximum."""
    x, rois, (out_h, out_w) = data
    _, height, width, channels = x.shape
    scaled = rois.copy()
    scaled[:, 1:] /= scale
    out = impl.roi_pool_bilinear(x, scaled, (out_h, out_w), spatial_scale=scale,
                                 sampling=sampling)
    _, x1, y1, x2, y2 = rois.T
    boxes = np.stack([y1 / (height - 1), x1 / (width - 1), y2 / (height - 1),
                      x2 / (width - 1)], axis=1)
    crops = tf_crop_and_resize(x, boxes, rois[:, 0].astype(np.int32),
                               (sampling * out_h, sampling * out_w))
    expected = crops.reshape(len(rois), out_h, sampling, out_w, sampling, channels).max(
        axis=(2, 4))
    assert_close(out, expected, dtype=np.float32,
                 what=f"RoI bilinear pooling to {(out_h, out_w)}, sampling {sampling}")


@spec_property(requires=["roi_pool_bilinear"], settings=FEW, data=roi_inputs(inside=True),
               slope=st.tuples(st.floats(-3, 3), st.floats(-3, 3), st.floats(-5, 5)),
               sampling=st.integers(1, 3))
def test_roi_pool_bilinear_on_a_linear_ramp_is_the_largest_sample(impl, data, slope, sampling):
    """Bilinear interpolation of f(y, x) = a y + b x + c is exact, so each output is the
    largest f over its sampling x sampling points (a grid spanning the region corner to corner,
    or its centre for a single point). Tolerance: float32 rounding of values up to 45."""
    x, rois, (out_h, out_w) = data
    a, b, c = slope
    _, height, width, channels = x.shape
    yy, xx = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    ramp = np.repeat((a * yy + b * xx + c)[None, ..., None], channels, axis=3)
    ramp = np.repeat(ramp, x.shape[0], axis=0).astype(np.float32)
    out = impl.roi_pool_bilinear(ramp, rois, (out_h, out_w), sampling=sampling)

    def points(start, end, count):
        if count == 1:
            return np.array([(start + end) / 2])
        return start + np.arange(count) * (end - start) / (count - 1)

    expected = np.zeros((len(rois), out_h, out_w, channels))
    for n, (_, x1, y1, x2, y2) in enumerate(rois):
        ys, xs = points(y1, y2, sampling * out_h), points(x1, x2, sampling * out_w)
        values = a * ys[:, None] + b * xs[None, :] + c
        expected[n] = values.reshape(out_h, sampling, out_w, sampling).max(axis=(1, 3))[..., None]
    assert_close(out, expected, dtype=np.float32, atol=2e-4, rtol=1e-4,
                 what="max of bilinear samples of a ramp")


@spec_property(requires=["roi_pool_bilinear"], settings=FEW, data=roi_inputs(),
               side=st.sampled_from(["left", "right", "above", "below"]))
def test_roi_pool_bilinear_is_zero_for_a_region_off_the_map_and_finite_for_any(impl, data, side):
    """Any region gives (r, H_o, W_o, C) finite values; one that lies wholly off the map (2 or
    more pixels across) samples nothing but the extrapolation value 0."""
    x, rois, size = data
    _, height, width, channels = x.shape
    out = impl.roi_pool_bilinear(x, rois, size)
    assert out.shape == (len(rois), *size, channels), (
        f"shape {out.shape}; expected {(len(rois), *size, channels)} (r, H_o, W_o, C)")
    assert np.all(np.isfinite(out)), f"non-finite values: {out}"
    if (width if side in ("left", "right") else height) < 2:
        return  # a map one pixel across samples its one row or column wherever the region is
    far = {"left": [-4.0, 0.0, -2.0, height - 1.0], "right": [width + 1.0, 0.0, width + 3.0, 1.0],
           "above": [0.0, -3.0, width - 1.0, -0.5], "below": [0.0, height, 1.0, height + 2.0]}
    off = impl.roi_pool_bilinear(x, [[0, *far[side]]], size)
    assert_close(off, np.zeros((1, *size, channels)), dtype=np.float32, rtol=0, atol=0,
                 what=f"a region wholly {side} the map")


# --- bad input --------------------------------------------------------------------------------

def _flipped(boxes):
    """``boxes`` with x2 < x1 in its first box."""
    flipped = boxes.copy()
    flipped[0, [0, 2]] = flipped[0, [2, 0]] + np.array([0.5, 0], dtype=boxes.dtype)
    return flipped


bad_thresholds = st.sampled_from([-0.1, 1.5, float("nan")])


@spec_property(requires=["box_iou"], boxes=grid_boxes(positive=True, max_n=3))
def test_box_iou_rejects_flipped_boxes_and_a_last_dimension_other_than_4(impl, boxes):
    flipped = _flipped(boxes)
    expect_value_error(lambda: impl.box_iou(flipped, boxes), "boxes1", rule="x2 < x1")
    expect_value_error(lambda: impl.box_iou(boxes, flipped), "boxes2", rule="x2 < x1")
    expect_value_error(lambda: impl.box_iou(boxes[:, :3], boxes), "boxes1", rule="last dim 3")


@spec_property(requires=["box_corner_to_center"], boxes=grid_boxes(positive=True, max_n=3))
def test_box_corner_to_center_rejects_flipped_boxes_and_a_last_dimension_other_than_4(
        impl, boxes):
    expect_value_error(lambda: impl.box_corner_to_center(_flipped(boxes)), "boxes",
                       rule="x2 < x1")
    expect_value_error(lambda: impl.box_corner_to_center(boxes[:, :3]), "boxes",
                       rule="last dimension 3")


@spec_property(requires=["box_center_to_corner"], boxes=grid_boxes(positive=True, max_n=3))
def test_box_center_to_corner_rejects_a_negative_width(impl, boxes):
    negative = boxes.copy()  # read as (cx, cy, w, h)
    negative[0, 2] = -1.0
    expect_value_error(lambda: impl.box_center_to_corner(negative), "boxes", rule="w < 0")


@spec_property(requires=["nms"], boxes=grid_boxes(positive=True, max_n=3),
               bad_threshold=bad_thresholds)
def test_nms_rejects_a_bad_threshold_flipped_boxes_and_a_score_count_mismatch(
        impl, boxes, bad_threshold):
    scores = np.linspace(1, 0, len(boxes))
    expect_value_error(lambda: impl.nms(boxes, scores, bad_threshold), "iou_threshold",
                       rule="threshold outside [0, 1]")
    expect_value_error(lambda: impl.nms(_flipped(boxes), scores, 0.5), "boxes", rule="x2 < x1")
    expect_value_error(lambda: impl.nms(boxes, np.ones(len(boxes) + 1), 0.5), "scores",
                       rule="one score per box")


@spec_property(requires=["assign_anchor_to_bbox"], boxes=grid_boxes(positive=True, max_n=3),
               bad_threshold=bad_thresholds)
def test_assign_anchor_to_bbox_rejects_a_bad_threshold_and_flipped_boxes(
        impl, boxes, bad_threshold):
    expect_value_error(lambda: impl.assign_anchor_to_bbox(boxes, boxes, bad_threshold),
                       "iou_threshold", rule="threshold outside [0, 1]")
    expect_value_error(lambda: impl.assign_anchor_to_bbox(_flipped(boxes), boxes),
                       "ground_truth", rule="x2 < x1")


@spec_property(requires=["multibox_prior"], bad_size=st.sampled_from([0.0, -0.5]))
def test_multibox_prior_rejects_sizes_and_ratios_not_positive_and_height_zero(impl, bad_size):
    expect_value_error(lambda: impl.multibox_prior(2, 2, [0.5, bad_size], [1.0]), "sizes",
                       rule="sizes must be positive")
    expect_value_error(lambda: impl.multibox_prior(2, 2, [0.5], [1.0, bad_size]), "ratios",
                       rule="ratios must be positive")
    expect_value_error(lambda: impl.multibox_prior(0, 2, [0.5], [1.0]), "height", rule="height 0")


@spec_property(requires=["offset_inverse"], boxes=grid_boxes(positive=True, max_n=3))
def test_offset_inverse_rejects_offsets_with_a_last_dimension_other_than_4(impl, boxes):
    expect_value_error(lambda: impl.offset_inverse(boxes, np.zeros((len(boxes), 3))),
                       "offset_preds", rule="last dimension 3")


@spec_property(requires=["roi_pool"], settings=FEW)
def test_roi_pool_rejects_flipped_regions_and_a_batch_index_out_of_range(impl):
    x = np.zeros((1, 4, 4, 1), np.float32)
    expect_value_error(lambda: impl.roi_pool(x, [[0, 2, 0, 1, 1]], 2), "rois", rule="x2 < x1")
    expect_value_error(lambda: impl.roi_pool(x, [[1, 0, 0, 1, 1]], 2), "rois",
                       rule="batch index out of range")
