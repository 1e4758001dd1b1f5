"""Max and average pooling from scratch: windows, padding, stride, channels, shift tolerance.

Formula (003, D2L 6.5; 000 on pooling's purposes):
    max:     Y[i, j, c] = max_{u < k, v < k} Xpad[s i + u, s j + v, c]   (padding = -inf)
    average: Y[i, j, c] = mean_{u < k, v < k} Xpad[s i + u, s j + v, c]  (padding = 0, counted)
    output side o = floor((n + 2p - k) / s) + 1; the number of channels is unchanged
    stride defaults to the window size k

Symbols -> names: X -> x (NHWC), k -> pool_size, s -> stride, p -> padding;
Y -> ops.max_pool2d / ops.avg_pool2d.

Deviations: average pooling counts the padded zeros (PyTorch's default, count_include_pad=True,
and what D2L's examples print); TF's and Keras' "same" padding leave them out, so
keras.layers.AveragePooling2D(padding="same") differs from it on the border only, which is
measured below. The shift experiment (003's "lessens the sensitivity to position") is measured
here on scikit-learn's 8x8 digits rather than stated: each image is shifted by one pixel (down,
then right) and the pooled maps compared.

Expect: ops.max_pool2d and ops.avg_pool2d equal tf.nn's on all 1797 digits and on china.jpg
(difference 0), and D2L's 3x3 example gives [[10]]. Shifting every digit one pixel down leaves a
share 0.403 of the non-zero 2x2 max-pooled outputs unchanged (average pooling 0.036) and changes
the max-pooled image by 0.331 (relative), against 0.663 for the raw pixels; the plot shows the
shift experiment. 000's other purposes: 2x2 average pooling is tf.image.resize (area) to half size,
max pooling keeps every digit's strongest edge response where average pooling keeps 0.503 of it
on average, and a 2x2 pool cuts a following Dense layer's weights 4-fold (62,730 -> 15,690).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits, load_sample_image

from tfref.ops.conv import avg_pool2d, conv_output_size, max_pool2d
from tfref.topics._base import RunContext

ID = "pooling"
TITLE = "Max and average pooling: padding, stride, channels, shift tolerance"
CHAPTER = "D"
SEEDS = ("000", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)


def _pad(x, ph, pw, value):
    return tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]], constant_values=value)


def check_worked_examples(ctx: RunContext) -> None:
    """D2L 6.5.1-6.5.3 exactly."""
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    ctx.claim_close("D2L 6.5.1: 2x2 max pooling (stride 1) of 0..8 = [[4,5],[7,8]]",
              max_pool2d(x, 2, stride=1)[0, :, :, 0], [[4, 5], [7, 8]])
    ctx.claim_close("D2L 6.5.1: 2x2 average pooling (stride 1) of 0..8 = [[2,3],[5,6]]",
              avg_pool2d(x, 2, stride=1)[0, :, :, 0], [[2, 3], [5, 6]])
    x16 = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    ctx.claim_close("D2L 6.5.2: 3x3 window, stride defaults to 3: [[10]]",
              max_pool2d(x16, 3)[0, :, :, 0], [[10]])
    ctx.claim_close("D2L 6.5.2: 3x3 window, padding 1, stride 2: [[5,7],[13,15]]",
              max_pool2d(x16, 3, stride=2, padding=1)[0, :, :, 0], [[5, 7], [13, 15]])
    ctx.claim_close("D2L 6.5.2: (2,3) window, stride (2,3), padding (0,1): [[5,7],[13,15]]",
              max_pool2d(x16, (2, 3), stride=(2, 3), padding=(0, 1))[0, :, :, 0],
              [[5, 7], [13, 15]])
    two = np.concatenate([x16, x16 + 1], axis=-1)  # (1, 4, 4, 2)
    out = max_pool2d(two, 3, stride=2, padding=1).numpy()
    ctx.claim_close("D2L 6.5.3: two channels pooled separately: channel 1 = [[6,8],[14,16]], the "
              "channel count unchanged", out[0].transpose(2, 0, 1),
              [[[5, 7], [13, 15]], [[6, 8], [14, 16]]])


def check_equal_to_tf(ctx: RunContext, quick: bool) -> None:
    """ops pools vs tf.nn pools on real images: 1797 digits and the RGB photo china.jpg."""
    digits = load_digits().images.astype(np.float32)[..., None] / 16.0  # (1797, 8, 8, 1)
    photo = load_sample_image("china.jpg").astype(np.float32)[None] / 255.0
    if quick:
        photo = tf.image.resize(photo, (107, 160), antialias=True).numpy()
    configs = ((2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 1)), (3, 1, 1))
    for name, x in (("1797 digits 8x8", digits), (f"china.jpg {photo.shape[1]}x"
                                                  f"{photo.shape[2]}x3", photo)):
        worst = {"max": 0.0, "avg": 0.0}
        shapes_ok = True
        for pool, stride, padding in configs:
            kh, kw = (pool, pool) if np.ndim(pool) == 0 else pool
            sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.ndim(stride) == 0
                                                      else stride)
            ph, pw = (padding, padding) if np.ndim(padding) == 0 else padding
            for kind, ours_fn, tf_fn, fill in (("max", max_pool2d, tf.nn.max_pool2d, -np.inf),
                                                ("avg", avg_pool2d, tf.nn.avg_pool2d, 0.0)):
                ours = ours_fn(x, pool, stride=stride, padding=padding).numpy()
                theirs = tf_fn(_pad(x, ph, pw, fill), (kh, kw), (sh, sw), "VALID").numpy()
                worst[kind] = max(worst[kind], float(np.abs(ours - theirs).max()))
                expected = (x.shape[0], conv_output_size(x.shape[1], kh, ph, sh),
                            conv_output_size(x.shape[2], kw, pw, sw), x.shape[3])
                shapes_ok &= ours.shape == expected
        ctx.claim_close(f"{name}: ops.max_pool2d = tf.nn.max_pool2d on the -inf padded input "
                  "(windows 2, 3, (2,3); strides default, 2, (1,2), 1): max |diff|",
                  worst["max"], 0.0)
        ctx.claim_less(f"{name}: ops.avg_pool2d = tf.nn.avg_pool2d on the zero padded input: "
                 "max |diff|", worst["avg"], 1e-6)
        ctx.claim(f"{name}: output shape (batch, floor((n + 2p - k)/s) + 1, ..., channels) "
                  "with the channels unchanged", shapes_ok)

    keras_max = keras.layers.MaxPooling2D(3, strides=1, padding="same")(photo).numpy()
    ctx.claim_close("3x3 max pooling, stride 1, padding 1 = keras MaxPooling2D(padding='same')",
              max_pool2d(photo, 3, stride=1, padding=1), keras_max)
    ours = avg_pool2d(photo, 3, stride=1, padding=1).numpy()
    keras_avg = keras.layers.AveragePooling2D(3, strides=1, padding="same")(photo).numpy()
    gap = np.abs(ours - keras_avg)
    ctx.claim_less("3x3 average pooling, padding 1 = keras AveragePooling2D(padding='same') away from "
             "the border: max |diff|", float(gap[:, 1:-1, 1:-1].max()), 1e-6)
    ctx.claim_greater("... and on the border it is smaller (padded zeros counted, 9 not 6 or 4 in "
                "the mean): max |diff|", float(gap.max()), 1e-2)


def shift_experiment(ctx: RunContext) -> dict:
    """Share of pooled outputs unchanged when every digit is shifted by one pixel."""
    x = load_digits().images.astype(np.float32)[..., None] / 16.0  # (1797, 8, 8, 1)
    results = {}
    for direction, axis in (("down", 1), ("right", 2)):
        shifted = np.roll(x, 1, axis=axis)
        edge = [slice(None)] * 4
        edge[axis] = 0
        shifted[tuple(edge)] = 0.0  # the row/column that came in from the far edge
        for name, fn in (("no pooling", lambda a: a), ("average 2x2", lambda a: avg_pool2d(a, 2)),
                         ("max 2x2", lambda a: max_pool2d(a, 2))):
            before, after = np.asarray(fn(x)), np.asarray(fn(shifted))
            live = (before != 0) | (after != 0)  # an all-zero output is trivially unchanged
            unchanged = float(np.mean(np.abs(before - after)[live] <= 1e-6))
            change = float(np.linalg.norm(before - after) / np.linalg.norm(before))
            results[(direction, name)] = (unchanged, change)
    for direction in ("down", "right"):
        max_share = results[(direction, "max 2x2")][0]
        avg_share = results[(direction, "average 2x2")][0]
        ctx.claim_greater(f"digits shifted one pixel {direction}: share of non-zero 2x2 max-pooled "
                    "outputs unchanged, over 3 x that of average pooling "
                    f"({avg_share:.3f})", max_share, 3 * avg_share)
        ctx.claim_less(f"digits shifted one pixel {direction}: relative change ||pool(shifted) - "
                 "pool(x)|| / ||pool(x)|| of max pooling below that of the raw pixels "
                 f"({results[(direction, 'no pooling')][1]:.3f})",
                 results[(direction, "max 2x2")][1], results[(direction, "no pooling")][1])
    ctx.note("One-pixel shifts of the 1797 digits (share of non-zero outputs unchanged / "
             "relative change): " + "; ".join(
                 f"{d} {n}: {u:.3f} / {c:.3f}" for (d, n), (u, c) in results.items()))
    return {"x": x, "results": results}


def purposes(ctx: RunContext) -> dict:
    """000's purposes of pooling beyond shift tolerance: it is a resize (scale), it cuts the
    features (and the next layer's parameters and work), and max keeps the strongest response
    where average pooling blurs it."""
    x = load_digits().images.astype(np.float32)[..., None] / 16.0  # (1797, 8, 8, 1)
    ctx.claim_close("pooling as resizing (000: 'pooling is the image's resize'): 2x2 average "
                    "pooling = tf.image.resize to half size with method='area' on all 1797 digits",
                    avg_pool2d(x, 2), tf.image.resize(x, (4, 4), method="area"), atol=1e-6)
    # Edge responses: a vertical-edge kernel, then ReLU, gives sparse maps with strong peaks.
    kernel = np.array([[1.0, -1.0]], np.float32).reshape(1, 2, 1, 1)
    response = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=1, padding="SAME")).numpy()
    peak = response.max(axis=(1, 2, 3))
    keep = peak > 0
    max_peak = max_pool2d(response, 2).numpy().max(axis=(1, 2, 3))[keep] / peak[keep]
    avg_peak = avg_pool2d(response, 2).numpy().max(axis=(1, 2, 3))[keep] / peak[keep]
    ctx.claim_close(f"max pooling keeps each image's strongest edge response: pooled peak / "
                    f"input peak over {int(keep.sum())} digits", max_peak, np.ones_like(max_peak),
                    atol=0.0)
    # Measured on the 1797 digits (no random draw, so one value for every seed): mean 0.503;
    # bound 0.75 (margin 0.25); a pooling that kept the peak, as max does, gives 1.
    ctx.claim_less("average pooling blurs it: mean pooled peak / input peak over the digits "
                   "(measured 0.503, bound 0.75; max pooling: 1)", float(avg_peak.mean()), 0.75)
    # Fewer features: the dense layer after a 2x2 pool holds about 4 times fewer weights.
    counts = {}
    for pooled in (False, True):
        layers = [keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, padding="same")]
        if pooled:
            layers.append(keras.layers.MaxPooling2D(2))
        layers += [keras.layers.Flatten(), keras.layers.Dense(10)]
        model = keras.Sequential(layers)
        counts[pooled] = (model.layers[-1].count_params(), int(np.prod(model.layers[-2].output.shape[1:])))
    ctx.claim_close("feature reduction: a 2x2 max pool between Conv2D(8) on 28 x 28 and "
                    "Dense(10) cuts the features 6272 -> 1568 and the dense weights (keras "
                    "count_params) 62730 -> 15690",
                    [counts[False][1], counts[True][1], counts[False][0], counts[True][0]],
                    [28 * 28 * 8, 14 * 14 * 8, 28 * 28 * 8 * 10 + 10, 14 * 14 * 8 * 10 + 10])
    ctx.note(f"Edge responses of the 1797 digits (kernel [1, -1], ReLU): 2x2 max pooling keeps "
             f"the peak exactly; 2x2 average pooling keeps on average {avg_peak.mean():.3f} of it "
             f"(from {avg_peak.min():.3f} to {avg_peak.max():.3f}). 000's third purpose "
             "(less overfitting) is not measured here.")
    return {"response": response[:1], "avg_peak": avg_peak, "counts": counts}


def run(ctx: RunContext) -> None:
    check_worked_examples(ctx)
    check_equal_to_tf(ctx, ctx.quick)
    shift = shift_experiment(ctx)
    _plot(ctx, shift)
    found = purposes(ctx)
    response = found["response"]
    with ctx.figure("max-vs-average", ncols=3, figsize=(10.0, 3.4),
                    layout="constrained") as (fig, axes):
        for ax, (values, title) in zip(axes, (
                (response, "edge response (ReLU)"),
                (max_pool2d(response, 2).numpy(), "2x2 max: peak kept"),
                (avg_pool2d(response, 2).numpy(), "2x2 average: peak blurred")), strict=True):
            image = ax.imshow(values[0, :, :, 0], cmap="viridis", vmin=0, vmax=response.max())
            ax.set_title(f"{title}\nmax {values.max():.2f}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(image, ax=axes, shrink=0.8)


def _plot(ctx, shift) -> None:
    x = shift["x"][:1]
    shifted = np.roll(x, 1, axis=2)
    shifted[:, :, 0] = 0.0
    with ctx.figure("shift", nrows=2, ncols=4, figsize=(13.0, 6.0)) as (fig, axes):
        for row, (image, label) in enumerate(((x, "digit"), (shifted, "shifted right 1 px"))):
            for col, (values, title) in enumerate((
                    (image, label), (max_pool2d(image, 2).numpy(), f"{label}: 2x2 max pool"),
                    (avg_pool2d(image, 2).numpy(), f"{label}: 2x2 average pool"))):
                ax = axes[row, col]
                ax.imshow(values[0, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
                ax.set_title(title, fontsize=9)
                ax.set_xticks([])
                ax.set_yticks([])
        names = ("no pooling", "average 2x2", "max 2x2")
        positions = np.arange(len(names))
        for row, (metric, title) in enumerate(((0, "share of non-zero outputs unchanged"),
                                               (1, "relative change of the output"))):
            ax = axes[row, 3]
            for offset, direction in ((-0.2, "down"), (0.2, "right")):
                values = [shift["results"][(direction, name)][metric] for name in names]
                ax.bar(positions + offset, values, width=0.4, label=f"shift {direction}")
            ax.set_xticks(positions, names, fontsize=8)
            ax.set_title(f"1-pixel shift: {title}", fontsize=8)
            ax.legend(fontsize=7)
            ax.grid(alpha=0.3, axis="y")


if __name__ == "__main__":  # python -m tfref.topics.pooling [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
