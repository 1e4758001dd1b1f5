"""Bounding boxes and anchor boxes: conversions, IoU, assignment, offsets, NMS.

Formula (003 8.3-8.4, D2L 13.3-13.4):
    corner (x1, y1, x2, y2) <-> centre (cx, cy, w, h): cx = (x1 + x2) / 2, w = x2 - x1, ...
    anchors: sizes s1..sn, ratios r1..rm; per pixel the n + m - 1 pairs (s_i, r1), (s1, r_j);
             width s sqrt(r) H / W, height s / sqrt(r) (normalised coordinates)
    IoU: J(A, B) = |A n B| / |A u B|
    assignment: greedy on the largest IoU (one anchor per ground-truth box), then IoU >= 0.5
    offsets: (10 (x_b - x_a) / w_a, 10 (y_b - y_a) / h_a, 5 log(w_b / w_a), 5 log(h_b / h_a))
    NMS: keep the best box, drop the rest overlapping it by IoU > threshold, repeat

Symbols -> names: s_i, r_j -> ``sizes``, ``ratios`` of ops.multibox_prior; J ->
ops.box_iou; assignment -> ops.assign_anchor_to_bbox / ops.multibox_target; offsets ->
ops.offset_boxes / ops.offset_inverse; NMS -> ops.nms and tfref.nn.ssd.multibox_detection.

Deviations: 003 names the ideas only; numbers and examples are D2L's (the dog and cat boxes,
the 561 x 728 image's anchor at pixel (250, 250), the worked assignment of five anchors and the
NMS example, each compared with D2L's printed output). D2L's cat-and-dog photo is not shipped;
the plots use scikit-learn's bundled ``china.jpg`` with two hand-placed example boxes.

Expect: a 561x728 image with sizes [0.75, 0.5, 0.25] and ratios [1, 2, 0.5] gets 2,042,040 anchors;
the IoUs of D2L's five anchors with the dog and cat boxes (largest 0.746) give D2L's assignment
[0, 1, 2, 0, 2], and ops.nms keeps boxes [0, 3] on D2L's example and equals
tf.image.non_max_suppression on 200 random box sets. The plot shows anchors and NMS on china.jpg.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref import ops
from tfref.nn.ssd import multibox_detection
from tfref.topics._base import RunContext

ID = "boxes-anchors"
TITLE = "Boxes and anchors: conversions, IoU, assignment and offsets, non-maximum suppression"
CHAPTER = "E"
SEEDS = ("003",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

DOG, CAT = [60.0, 45.0, 378.0, 516.0], [400.0, 112.0, 655.0, 493.0]  # D2L 13.3, pixels
SIZES, RATIOS = [0.75, 0.5, 0.25], [1.0, 2.0, 0.5]  # D2L 13.4.1
# D2L 13.4.3's worked example: two ground-truth boxes (class, corners), five anchors.
GROUND_TRUTH = [[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]]
ANCHORS = [[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98],
           [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]]
D2L_CLASSES = [0, 1, 2, 0, 2]
D2L_OFFSETS = [0, 0, 0, 0, 1.40, 10.0, 2.59, 7.18, -1.20, 0.269, 1.68, -1.57, 0, 0, 0, 0,
               -0.571, -1.00, 4.17e-06, 0.626]
# D2L 13.4.4: four predicted boxes, probabilities of (background, dog, cat).
NMS_BOXES = [[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95], [0.15, 0.3, 0.62, 0.91],
             [0.55, 0.2, 0.9, 0.88]]
NMS_PROBS = [[0.0] * 4, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]]
D2L_NMS_OUTPUT = [[0, 0.9, 0.1, 0.08, 0.52, 0.92], [1, 0.9, 0.55, 0.2, 0.9, 0.88],
                  [-1, 0.8, 0.08, 0.2, 0.56, 0.95], [-1, 0.7, 0.15, 0.3, 0.62, 0.91]]


def _iou_loop(a, b) -> np.ndarray:
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            inter = (max(min(p[2], q[2]) - max(p[0], q[0]), 0)
                     * max(min(p[3], q[3]) - max(p[1], q[1]), 0))
            union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter
            out[i, j] = inter / union if union > 0 else 0.0
    return out


def _tf_nms(boxes, scores, threshold) -> np.ndarray:
    boxes = np.asarray(boxes, np.float32)
    return tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]], np.asarray(scores, np.float32),
                                        len(boxes), threshold).numpy()


def check_conversions_and_anchors(ctx: RunContext) -> None:
    boxes = np.array([DOG, CAT], np.float32)
    center = ops.box_corner_to_center(boxes)
    ctx.claim_close("D2L's dog and cat boxes: centre -> corner (corner -> centre) is the identity",
              ops.box_center_to_corner(center), boxes, atol=0.0, rtol=0.0)
    ctx.claim_close("dog box in centre form (cx, cy, w, h) = (219, 280.5, 318, 471)", center[0],
              [219.0, 280.5, 318.0, 471.0], rtol=0.0)

    height, width = 561, 728  # D2L's catdog.jpg
    anchors = ops.multibox_prior(height, width, SIZES, RATIOS).numpy()
    per_pixel = len(SIZES) + len(RATIOS) - 1
    ctx.claim_close(f"anchors of a {height}x{width} image, sizes {SIZES}, ratios {RATIOS}: h w (n + m "
              f"- 1) = {height * width * per_pixel}", len(anchors), height * width * per_pixel)
    at = anchors.reshape(height, width, per_pixel, 4)[250, 250]
    ctx.claim_close("first anchor at pixel (250, 250) = D2L's printed (0.06, 0.07, 0.63, 0.82)", at[0],
              [0.06, 0.07, 0.63, 0.82], atol=0.005, rtol=0.0)
    c = ops.box_corner_to_center(at).numpy()
    pairs = [(s, RATIOS[0]) for s in SIZES] + [(SIZES[0], r) for r in RATIOS[1:]]
    expected = [[250.5 / width, 250.5 / height, s * np.sqrt(r) * height / width, s / np.sqrt(r)]
                for s, r in pairs]
    ctx.claim_close("the 5 anchors at (250, 250): centre, width s sqrt(r) H/W, height s/sqrt(r)", c,
              expected, atol=1e-6, rtol=1e-5)
    pixel_ratio = (c[:, 2] * width) / (c[:, 3] * height)
    ctx.claim_close("in pixels each anchor's width / height is its ratio r", pixel_ratio,
              [r for _, r in pairs], rtol=1e-5)


def check_iou_assignment(ctx: RunContext) -> dict:
    gt = np.array(GROUND_TRUTH, np.float32)
    anchors = np.array(ANCHORS, np.float32)
    iou = ops.box_iou(anchors, gt[:, 1:]).numpy()
    ctx.claim_close("IoU table (5 anchors x 2 boxes) equals a plain double loop", iou,
              _iou_loop(anchors, gt[:, 1:]), atol=1e-6, rtol=0.0)
    ctx.claim("IoU in [0, 1], IoU(B, A) = IoU(A, B)^T, IoU(A, A) = 1",
              bool(np.all((iou >= 0) & (iou <= 1)))
              and np.allclose(ops.box_iou(gt[:, 1:], anchors).numpy(), iou.T)
              and np.allclose(np.diag(ops.box_iou(anchors, anchors).numpy()), 1.0),
              measured=f"IoU range [{iou.min():.3f}, {iou.max():.3f}]")
    ctx.note("IoU of D2L's five anchors (rows) with the dog and cat boxes: "
             + "; ".join(f"anchor {i}: {row[0]:.3f}, {row[1]:.3f}" for i, row in enumerate(iou)))
    offsets, mask, classes = (t.numpy() for t in ops.multibox_target(anchors, gt[None]))
    ctx.claim("assignment: anchor classes = D2L's [0, 1, 2, 0, 2] (0 background, 1 dog, 2 cat)",
              classes[0].tolist() == D2L_CLASSES, measured=str(classes[0].tolist()))
    ctx.claim("offset mask = 1 exactly for the anchors assigned a box",
              mask[0].tolist() == np.repeat(np.array(D2L_CLASSES) > 0, 4).astype(float).tolist(),
              measured=str(mask[0].astype(int).tolist()))
    ctx.claim_close("offsets equal D2L's printed ones (3 significant digits)", offsets[0], D2L_OFFSETS,
              atol=6e-3, rtol=0.0)
    assigned = ops.assign_anchor_to_bbox(gt[:, 1:], anchors).numpy()
    boxes = ops.offset_inverse(anchors, offsets[0].reshape(-1, 4)).numpy()
    ctx.claim_close("offset_inverse recovers each assigned anchor's ground-truth box (eps = 1e-6 aside)",
              boxes[assigned >= 0], gt[assigned[assigned >= 0], 1:], atol=1e-5, rtol=0.0)
    return {"iou": iou}


def check_nms(ctx: RunContext) -> dict:
    probs = np.array(NMS_PROBS, np.float32).T[None]  # (1, 4 anchors, 3 classes)
    out = multibox_detection(probs, np.zeros((1, 16), np.float32), np.array(NMS_BOXES, np.float32),
                             nms_threshold=0.5)[0]
    ctx.claim_close("multibox_detection on D2L's example = D2L's printed rows (class, conf, box)", out,
              D2L_NMS_OUTPUT, atol=1e-6, rtol=0.0)
    conf = probs[0, :, 1:].max(axis=1)
    ctx.claim("ops.nms on D2L's example equals tf.image.non_max_suppression",
              ops.nms(NMS_BOXES, conf, 0.5).numpy().tolist() == _tf_nms(NMS_BOXES, conf, 0.5)
              .tolist(), measured=str(ops.nms(NMS_BOXES, conf, 0.5).numpy().tolist()))
    trials = 40 if ctx.quick else 200
    same = 0
    for _ in range(trials):
        n = int(ctx.rng.integers(2, 60))
        corner = ctx.rng.integers(0, 48, size=(n, 2))
        side = ctx.rng.integers(1, 24, size=(n, 2))
        boxes = (np.concatenate([corner, corner + side], axis=1) / 64).astype(np.float32)
        scores = ctx.rng.choice([0.2, 0.5, 0.6, 0.9], size=n).astype(np.float32)  # many ties
        threshold = float(np.float32(ctx.rng.choice([0.0, 0.3, 0.5, 0.7, ctx.rng.uniform()])))
        same += ops.nms(boxes, scores, threshold).numpy().tolist() == _tf_nms(
            boxes, scores, threshold).tolist()
    ctx.claim_close(f"ops.nms equals tf.image.non_max_suppression on {trials} random sets of 2-59 boxes "
              "(tied scores, thresholds 0 to 0.7 and random): share equal", same / trials, 1.0)
    return {"out": out}


def run(ctx: RunContext) -> None:
    check_conversions_and_anchors(ctx)
    check_iou_assignment(ctx)
    check_nms(ctx)
    _plot(ctx)


def _plot(ctx: RunContext) -> None:
    import matplotlib.patches as patches
    from sklearn.datasets import load_sample_image

    image = load_sample_image("china.jpg")
    height, width = image.shape[:2]
    scale = np.array([width, height, width, height], np.float32)
    truth = np.array([[0.06, 0.03, 0.62, 0.52], [0.66, 0.55, 0.98, 0.98]], np.float32)
    anchors = ops.multibox_prior(height, width, SIZES, RATIOS).numpy().reshape(height, width, 5, 4)
    pixel = (int(0.3 * height), int(0.33 * width))
    # NMS demo: jittered copies of the two boxes with scores, before and after suppression.
    jitter = ctx.rng.normal(0, 0.03, size=(12, 4)).astype(np.float32)
    noisy = np.concatenate([truth[0] + jitter[:6], truth[1] + jitter[6:] * 0.6])
    noisy = np.concatenate([np.minimum(noisy[:, :2], noisy[:, 2:]),
                            np.maximum(noisy[:, :2], noisy[:, 2:])], axis=1)
    scores = ctx.rng.uniform(0.3, 0.95, size=12).astype(np.float32)
    kept = ops.nms(noisy, scores, 0.5).numpy()
    with ctx.figure("anchors-nms", ncols=3, figsize=(15.0, 3.9)) as (fig, axes):
        for ax in axes:
            ax.imshow(image)
            ax.axis("off")

        def draw(ax, box, colour, label=None, lw=1.5, ls="-"):
            x1, y1, x2, y2 = box * scale
            ax.add_patch(patches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour,
                                           lw=lw, ls=ls))
            if label:
                ax.text(x1, y1, label, color="white", fontsize=6, va="bottom",
                        bbox={"facecolor": colour, "lw": 0, "pad": 1})

        names = [f"s={s}, r={r}" for s, r in
                 [(s, RATIOS[0]) for s in SIZES] + [(SIZES[0], r) for r in RATIOS[1:]]]
        for k, (box, name) in enumerate(zip(anchors[pixel], names, strict=True)):
            draw(axes[0], box, f"C{k}", name)
        axes[0].set_title(f"n + m - 1 = 5 anchors at pixel {pixel}", fontsize=9)
        iou = ops.box_iou(anchors[pixel], truth).numpy()
        for box, name in zip(truth, ("example box A", "example box B"), strict=True):
            draw(axes[1], box, "black", name, lw=2.5)
        for k, box in enumerate(anchors[pixel]):
            draw(axes[1], box, f"C{k}", f"IoU {iou[k].max():.2f}", lw=1.0, ls="--")
        axes[1].set_title("example boxes and the anchors' best IoU with them", fontsize=9)
        for i, box in enumerate(noisy):
            colour = "red" if i in kept else "grey"
            draw(axes[2], box, colour, f"{scores[i]:.2f}" if i in kept else None,
                 lw=2.0 if i in kept else 0.8, ls="-" if i in kept else ":")
        axes[2].set_title(f"NMS (IoU > 0.5 suppressed): {len(noisy)} boxes -> {len(kept)} kept "
                          "(red)", fontsize=9)


if __name__ == "__main__":  # python -m tfref.topics.boxes_anchors [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
