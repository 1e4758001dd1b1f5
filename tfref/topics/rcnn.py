"""Region-of-interest pooling, the layer Fast R-CNN added to R-CNN.

Formula (003 8.8, D2L 13.8.2): the CNN runs once on the whole image; each proposed region
(x1, y1, x2, y2), scaled to the feature map by s (the map's size / the image's) and rounded,
is split into an H_o x W_o grid of bins and each bin max-pooled, so every region gives an
H_o x W_o x C feature whatever its size:
    bin (i, j) rows  y1' + floor(i h' / H_o) .. y1' + ceil((i + 1) h' / H_o) - 1, h' = y2' - y1' + 1
A second form samples each region bilinearly on a (2 H_o) x (2 W_o) grid with
tf.image.crop_and_resize and max-pools 2 x 2 blocks (as TensorFlow detection code does).

Symbols -> names: H_o, W_o -> ``output_size``; s -> ``spatial_scale``; regions -> ``rois``
rows (batch index, x1, y1, x2, y2); ops.roi_pool (the rounded bins, torchvision's rule) and
ops.roi_pool_bilinear (crop_and_resize based).

Deviations: 003 describes R-CNN, Fast, Faster and Mask R-CNN in words; only the RoI pooling
layer is reproduced (no region proposals, no trained detector). D2L's example is checked
number for number; the picture pools a Sobel edge map of scikit-learn's bundled ``china.jpg``
(grey, downsampled) instead of features of a trained CNN.

Expect: a CNN run on each of 20 regions (R-CNN) gives the features one pass over the image gives
inside them (Fast R-CNN), exactly. RoI max pooling reproduces D2L's printed example exactly ([[5, 6], [9, 10]] and
[[9, 11], [13, 15]] on the 4x4 map 0..15), its two implementations agree on 200 random regions, and
a region covering the whole map with a 1x1 output is global max pooling. The plot pools three
regions of a Sobel edge map of china.jpg (--quick: 40 regions).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref import ops
from tfref.topics._base import RunContext

ID = "rcnn"
TITLE = "Fast R-CNN's region-of-interest pooling: a fixed-size feature for any region"
CHAPTER = "E"
SEEDS = ("003",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

D2L_X = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
D2L_ROIS = [[0, 0, 0, 20, 20], [0, 0, 10, 30, 30]]
D2L_OUTPUT = [[[5.0, 6.0], [9.0, 10.0]], [[9.0, 11.0], [13.0, 15.0]]]


def _random_regions(rng, n, height, width, scale) -> np.ndarray:
    """Regions in image units (feature units / scale), some partly outside the map."""
    x1 = rng.uniform(-2, width, n)
    y1 = rng.uniform(-2, height, n)
    x2 = x1 + rng.uniform(0, width, n)
    y2 = y1 + rng.uniform(0, height, n)
    return np.stack([rng.integers(0, 2, n), x1 / scale, y1 / scale, x2 / scale, y2 / scale], 1)


def run(ctx: RunContext) -> None:
    out = ops.roi_pool(D2L_X, D2L_ROIS, output_size=(2, 2), spatial_scale=0.1).numpy()
    ctx.claim_close("D2L's 4x4 map 0..15, regions (0,0,20,20) and (0,10,30,30), scale 0.1, 2x2 output "
              "= D2L's printed [[5,6],[9,10]], [[9,11],[13,15]]", out[..., 0], D2L_OUTPUT,
              rtol=0.0)
    aligned = ops.roi_pool_bilinear(D2L_X, [[0, 0, 0, 3, 3]], output_size=2).numpy()
    ctx.claim_close("crop_and_resize form on the whole 4x4 map (samples on the pixels) = 2x2 max "
              "pooling (tf.nn.max_pool2d)", aligned, tf.nn.max_pool2d(D2L_X, 2, 2, "VALID"),
              rtol=0.0)

    features = ctx.rng.normal(size=(2, 12, 16, 8)).astype(np.float32)
    scale = 0.25
    n = 40 if ctx.quick else 200
    rois = _random_regions(ctx.rng, n, 12, 16, scale)
    sides = (rois[:, 3:5] - rois[:, 1:3]) * scale
    for size in ((2, 2), (3, 5)):
        pooled = ops.roi_pool(features, rois, size, spatial_scale=scale).numpy()
        bilinear = ops.roi_pool_bilinear(features, rois, size, spatial_scale=scale).numpy()
        ctx.claim(f"{n} random regions ({sides.min():.1f} to {sides.max():.1f} feature cells a "
                  f"side, some partly outside): both forms give ({n}, {size[0]}, {size[1]}, 8)",
                  pooled.shape == bilinear.shape == (n, *size, 8),
                  measured=f"{pooled.shape}, {bilinear.shape}")
    values = set(np.concatenate([features.ravel(), [0.0]]).tolist())
    ctx.claim("every RoI max-pool output is an entry of the feature map (or 0 for an empty bin)",
              set(pooled.ravel().tolist()) <= values,
              measured=f"{len(set(pooled.ravel().tolist()))} distinct outputs")
    whole = ops.roi_pool(features, [[b, 0, 0, 15 / scale, 11 / scale] for b in (0, 1)], 1,
                         spatial_scale=scale).numpy()
    ctx.claim_close("a region covering the whole map with a 1x1 output = global max pooling", whole,
              features.max(axis=(1, 2), keepdims=True), rtol=0.0)
    _rcnn_vs_fast(ctx)
    _plot(ctx)


def _rcnn_vs_fast(ctx: RunContext) -> None:
    """003 8.8: R-CNN runs the CNN on every proposed region; Fast R-CNN runs it once on the image
    and cuts each region out of the feature map. For convolutions (stride 1, no padding) the two
    give the same features inside the region; the work differs."""
    import keras

    from tfref.data.images import load_photo

    image = load_photo("china.jpg", (96, 144))[None]  # (1, 96, 144, 3)
    keras.utils.set_random_seed(ctx.seed)
    cnn = keras.Sequential([keras.Input((None, None, 3)),
                            keras.layers.Conv2D(8, 3, activation="relu"),
                            keras.layers.Conv2D(8, 3, activation="relu")])  # 5x5 receptive field
    whole = cnn(image).numpy()  # (1, 92, 140, 8): feature (i, j) sees image rows i..i+4
    regions = [(ctx.rng.integers(0, 60), ctx.rng.integers(0, 100), ctx.rng.integers(16, 36),
                ctx.rng.integers(16, 44)) for _ in range(20)]  # (top, left, height, width)
    worst, region_pixels = 0.0, 0
    for top, left, h, w in regions:
        h, w = min(h, 96 - top), min(w, 144 - left)
        crop_features = cnn(image[:, top:top + h, left:left + w]).numpy()  # R-CNN: one pass each
        cut = whole[:, top:top + h - 4, left:left + w - 4]  # Fast R-CNN: cut from one pass
        worst = max(worst, float(np.abs(crop_features - cut).max()))
        region_pixels += (h - 4) * (w - 4)
    ctx.claim_less("R-CNN vs Fast R-CNN: a CNN (two 3x3 convolutions) run on each of 20 proposed "
                   "regions of china.jpg gives the features that one pass over the whole image "
                   "gives inside those regions (max |diff|)", worst, 1e-5)
    ratio = region_pixels / (whole.shape[1] * whole.shape[2])
    ctx.note(f"R-CNN computed {region_pixels:,} feature positions for 20 regions, Fast R-CNN "
             f"{whole.shape[1] * whole.shape[2]:,} for the whole image once: R-CNN's work grows "
             f"with the number of regions ({ratio:.2f} image passes for these 20; about "
             f"{100 * ratio:.0f} for selective search's ~2000 proposals), Fast R-CNN's does not. "
             "Faster R-CNN (a trained region proposal "
             "network) and Mask R-CNN (a mask branch) are not reproduced; the segmentation topic "
             "shows semantic and instance masks.")


def _plot(ctx: RunContext) -> None:
    import matplotlib.patches as patches
    from sklearn.datasets import load_sample_image

    image = load_sample_image("china.jpg").astype(np.float32) / 255.0
    grey = tf.image.resize(tf.image.rgb_to_grayscale(image)[None], (48, 72))
    edges = tf.norm(tf.image.sobel_edges(grey), axis=-1)  # (1, 48, 72, 1), a "feature map"
    scale = 48 / image.shape[0]
    rois = np.array([[0, 80, 20, 300, 250], [0, 420, 230, 630, 420], [0, 300, 300, 360, 330]],
                    np.float32)
    pooled = ops.roi_pool(edges, rois, (4, 4), spatial_scale=scale).numpy()
    with ctx.figure("roi-pool", ncols=4, figsize=(15.0, 3.4)) as (fig, axes):
        axes[0].imshow(edges[0, ..., 0], cmap="magma")
        for k, (_, x1, y1, x2, y2) in enumerate(rois * np.array([1, *[scale] * 4])):
            axes[0].add_patch(patches.Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1 + 1, y2 - y1 + 1,
                                                fill=False, ec=f"C{k}", lw=2))
            axes[0].text(x1, y1 - 1, f"region {k}", color=f"C{k}", fontsize=7)
        axes[0].set_title("Sobel edge map of china.jpg (48x72) and 3 regions", fontsize=9)
        for k in range(len(rois)):
            axes[k + 1].imshow(pooled[k, ..., 0], cmap="magma", vmin=0,
                               vmax=float(tf.reduce_max(edges)))
            w, h = (rois[k, 3] - rois[k, 1]) * scale, (rois[k, 4] - rois[k, 2]) * scale
            axes[k + 1].set_title(f"region {k} ({h:.0f}x{w:.0f} cells) -> 4x4 RoI max-pool",
                                  fontsize=9, color=f"C{k}")
            axes[k + 1].axis("off")


if __name__ == "__main__":  # python -m tfref.topics.rcnn [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
