"""2-D convolution from scratch: cross-correlation, padding, stride, channels, 1x1, parameters.

Formula (003, D2L 6.2-6.4; 000 on parameter sharing and sparse connectivity):
    Y[i, j, d] = sum_{u, v, c} Xpad[s i + u, s j + v, c] K[u, v, c, d]   (cross-correlation)
    output side o = floor((n + 2p - k) / s) + 1
    1x1 kernel:  Y[i, j, :] = X[i, j, :] @ W   (a dense layer applied at every pixel)
    parameters:  conv k * k * c_in * c_out + c_out   vs   dense (h w c_in) (oh ow c_out) + oh ow c_out

Symbols -> names: X -> x (NHWC), K -> kernel (kh, kw, c_in, c_out), p -> padding, s -> stride,
Y -> ops.conv2d(x, kernel, stride, padding); o -> ops.conv_output_size(n, k, p, s).

Deviations: the documents state the ideas; the worked examples (edge detection with K = [1, -1],
learning that kernel by gradient descent, the multi-channel sums) are D2L's. D2L learns the kernel
with nn.Conv2d; here the same loop differentiates tfref's ops.conv2d and, beside it,
tf.nn.conv2d from the same start. The real images are scikit-learn's bundled china.jpg (no
network) and its 8x8 digits. The parameter count example is 000's course example (32x32x3 input,
six 5x5 filters).

Expect: ops.conv2d equals tf.nn.conv2d on china.jpg and digits over several strides and paddings
(3.1e-15 in float64), the kernel [1, -1] finds vertical edges and nothing on the transposed image,
and gradient descent learns it back as [0.9996, -1.0004] in 30 steps (error 11.1 -> 1.16e-05).
Conv2D(6, 5) on 32x32x3 has 456 parameters where the dense layer it replaces has 14,455,392
(31,700x); the plot shows the edges.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits, load_sample_image

from tfref.ops.conv import conv2d, conv_output_size
from tfref.topics._base import RunContext

ID = "conv2d"
TITLE = "2-D convolution from scratch: cross-correlation, padding, stride, channels"
CHAPTER = "D"
SEEDS = ("000", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)

EDGE_KERNEL = np.array([[1.0, -1.0]], np.float32)  # D2L 6.2.3


def _nhwc(image: np.ndarray) -> np.ndarray:
    """(h, w) or (h, w, c) -> (1, h, w, c) float32."""
    image = np.asarray(image, np.float32)
    return (image[None, :, :, None] if image.ndim == 2 else image[None]).astype(np.float32)


def _tf_conv(x, kernel, stride, padding):
    """tf.nn.conv2d on the symmetrically zero-padded input (the oracle)."""
    ph, pw = (padding, padding) if np.ndim(padding) == 0 else padding
    padded = tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]])
    return tf.nn.conv2d(padded, kernel, strides=stride, padding="VALID")


def china_image(quick: bool) -> np.ndarray:
    """scikit-learn's bundled china.jpg as float32 in [0, 1], (h, w, 3); quick: a quarter size."""
    image = load_sample_image("china.jpg").astype(np.float32) / 255.0  # (427, 640, 3)
    if quick:
        image = tf.image.resize(image, (107, 160), antialias=True).numpy()
    return image


def check_equal_to_tf(ctx: RunContext, image: np.ndarray) -> None:
    """ops.conv2d vs tf.nn.conv2d on the RGB photo and on digits, several strides/paddings."""
    photo = _nhwc(image)
    digits = load_digits().images[:64].astype(np.float32)[..., None] / 16.0  # (64, 8, 8, 1)
    for name, x, kernel_shape in (("china.jpg RGB", photo, (3, 3, 3, 4)),
                                  ("64 digits", digits, (3, 3, 1, 6))):
        kernel = ctx.rng.normal(size=kernel_shape).astype(np.float32)
        worst = 0.0
        for stride, padding in ((1, 0), (2, 1), ((2, 3), (1, 2))):
            ours = conv2d(x, kernel, stride=stride, padding=padding).numpy()
            theirs = _tf_conv(x, kernel, stride, padding).numpy()
            worst = max(worst, float(np.abs(ours - theirs).max()))
        ctx.claim_less(f"{name} {x.shape[1]}x{x.shape[2]}: max |ops.conv2d - tf.nn.conv2d| over "
                 f"strides 1, 2, (2,3) and paddings 0, 1, (1,2), kernel {kernel_shape}",
                 worst, 1e-4)
    x64 = photo.astype(np.float64)
    kernel64 = ctx.rng.normal(size=(3, 3, 3, 2))
    gap = float(np.abs(conv2d(x64, kernel64, 2, 1).numpy()
                       - _tf_conv(x64, kernel64, 2, 1).numpy()).max())
    ctx.claim_less("float64: max |ops.conv2d - tf.nn.conv2d| on china.jpg", gap, 1e-10)


def check_worked_examples(ctx: RunContext) -> None:
    """D2L's corr2d, multi-input and multi-output examples, exactly."""
    x = np.arange(9, dtype=np.float32).reshape(3, 3)
    k = np.array([[0, 1], [2, 3]], np.float32)
    ctx.claim_close("D2L 6.2.1: corr2d(X = 0..8, K = [[0,1],[2,3]]) = [[19,25],[37,43]]",
              conv2d(_nhwc(x), k[:, :, None, None])[0, :, :, 0], [[19, 25], [37, 43]])
    # D2L 6.4.1: two input channels, X[1] = X[0] + 1, K[1] = K[0] + 1 -> [[56, 72], [104, 120]]
    x2 = np.stack([x, x + 1], axis=-1)[None]  # (1, 3, 3, 2)
    k2 = np.stack([k, k + 1], axis=-1)[..., None]  # (2, 2, 2, 1)
    ctx.claim_close("D2L 6.4.1: two input channels summed: [[56,72],[104,120]]",
              conv2d(x2, k2)[0, :, :, 0], [[56, 72], [104, 120]])
    k3 = np.stack([k2[..., 0], k2[..., 0] + 1, k2[..., 0] + 2], axis=-1)  # (2, 2, 2, 3)
    out = conv2d(x2, k3).numpy()
    ctx.claim_close("D2L 6.4.2: three output channels, channel 0 again [[56,72],[104,120]], "
              "channel 1 [[76,100],[148,172]]", out[0, :, :, :2].transpose(2, 0, 1),
              [[[56, 72], [104, 120]], [[76, 100], [148, 172]]])


def check_edges(ctx: RunContext) -> dict:
    """D2L 6.2.3: K = [1, -1] finds the vertical edges of a black/white image, not horizontal."""
    x = np.ones((6, 8), np.float32)
    x[:, 2:6] = 0.0  # white, black band, white
    kernel = EDGE_KERNEL[:, :, None, None]
    y = conv2d(_nhwc(x), kernel)[0, :, :, 0].numpy()  # (6, 7)
    expected = np.zeros((6, 7), np.float32)
    expected[:, 1], expected[:, 5] = 1.0, -1.0
    ctx.claim_close("edge detection: Y = X * [1, -1] is 1 at the white->black edge (column 1), -1 at "
              "black->white (column 5), 0 elsewhere", y, expected)
    transposed = conv2d(_nhwc(x.T), kernel)[0, :, :, 0].numpy()
    ctx.claim_close("the same kernel on the transposed image (horizontal edges) detects nothing: "
              "max |Y|", float(np.abs(transposed).max()), 0.0)
    vertical_kernel = EDGE_KERNEL.T[:, :, None, None]
    ctx.claim_close("the transposed kernel [1, -1]^T finds the transposed image's edges",
              conv2d(_nhwc(x.T), vertical_kernel)[0, :, :, 0], expected.T)
    return {"x": x, "y": y, "transposed": transposed}


def learn_edge_kernel(ctx: RunContext, edges: dict, steps: int) -> dict:
    """D2L 6.2.4: learn K from (X, Y) by gradient descent on the summed squared error."""
    x = tf.constant(_nhwc(edges["x"]))
    y = tf.constant(edges["y"][None, :, :, None])
    start = ctx.rng.normal(size=(1, 2, 1, 1)).astype(np.float32)
    result = {}
    for label, fn in (("ops.conv2d", lambda k: conv2d(x, k)),
                      ("tf.nn.conv2d", lambda k: tf.nn.conv2d(x, k, 1, "VALID"))):
        kernel = tf.Variable(start)
        losses = []
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum((fn(kernel) - y) ** 2)
            kernel.assign_sub(3e-2 * tape.gradient(loss, kernel))  # D2L's lr = 3e-2
            losses.append(float(loss))
        result[label] = (kernel.numpy().reshape(2), np.array(losses))
    learned, losses = result["ops.conv2d"]
    ctx.claim_close(f"learning a kernel: {steps} gradient steps (lr 3e-2) from a random start recover "
              "K = [1, -1]", learned, [1.0, -1.0], atol=0.01, rtol=0.0)
    ctx.claim_less("learning a kernel: squared error after / before", losses[-1] / losses[0], 1e-3)
    ctx.claim_close("the same loop through tf.nn.conv2d lands on the same kernel (gradients agree)",
              learned, result["tf.nn.conv2d"][0], atol=1e-5, rtol=0.0)
    ctx.note(f"Learned kernel after {steps} steps: [{learned[0]:.4f}, {learned[1]:.4f}] "
             f"(squared error {losses[0]:.3g} -> {losses[-1]:.3g}); D2L prints about "
             "[1.0010, -0.9739] after 10 steps.")
    return {"losses": losses, "learned": learned}


def check_one_by_one(ctx: RunContext) -> None:
    """D2L 6.4.3: a 1x1 convolution is a dense layer applied at every pixel."""
    x = ctx.rng.normal(size=(2, 5, 6, 3)).astype(np.float32)
    weights = ctx.rng.normal(size=(3, 4)).astype(np.float32)  # (c_in, c_out)
    ours = conv2d(x, weights[None, None]).numpy()
    ctx.claim_close("1x1 conv2d equals X[i, j, :] @ W at every pixel (matmul over the flattened "
              "pixels)", ours, (x.reshape(-1, 3) @ weights).reshape(2, 5, 6, 4), atol=1e-5)
    dense = keras.layers.Dense(4, use_bias=False)
    dense.build((None, 3))
    dense.kernel.assign(weights)
    ctx.claim_close("1x1 conv2d equals keras.layers.Dense(4) (same weights) applied per pixel", ours,
              dense(x).numpy(), atol=1e-5)


def toeplitz_matrix(kernel: np.ndarray, side: int) -> np.ndarray:
    """The (out*out, side*side) matrix of a valid 2-D cross-correlation with a square kernel on a
    side x side image, by naive float64 loops (an oracle independent of ops.conv2d)."""
    k = kernel.shape[0]
    out = side - k + 1
    matrix = np.zeros((out * out, side * side))
    for i in range(out):
        for j in range(out):
            for u in range(k):
                for v in range(k):
                    matrix[i * out + j, (i + u) * side + (j + v)] = kernel[u, v]
    return matrix


def check_parameters(ctx: RunContext) -> dict:
    """000's example: 32x32x3 input, six 5x5 filters -> 28x28x6; conv vs dense parameters."""
    h, w, c_in, k, c_out = 32, 32, 3, 5, 6
    oh, ow = conv_output_size(h, k), conv_output_size(w, k)
    conv_layer = keras.layers.Conv2D(c_out, k)
    conv_layer.build((None, h, w, c_in))
    dense_layer = keras.layers.Dense(oh * ow * c_out)
    dense_layer.build((None, h * w * c_in))
    conv_params, dense_params = conv_layer.count_params(), dense_layer.count_params()
    ctx.claim_close(f"keras Conv2D({c_out}, {k}) on {h}x{w}x{c_in}: k*k*c_in*c_out + c_out parameters",
              conv_params, k * k * c_in * c_out + c_out)
    ctx.claim_close(f"keras Dense from {h * w * c_in} inputs to the same {oh}x{ow}x{c_out} outputs: "
              "(h w c_in)(oh ow c_out) + oh ow c_out parameters", dense_params,
              h * w * c_in * oh * ow * c_out + oh * ow * c_out)
    ctx.claim_greater("parameter sharing: the dense layer needs this many times the conv's parameters",
                dense_params / conv_params, 10_000)

    # The conv as a dense matrix on a small image: sparse (each output sees k*k*c_in inputs) and
    # shared (every row holds the same k*k*c_in values).
    side, kk = 6, 3
    kernel = ctx.rng.uniform(0.5, 1.5, size=(kk, kk, 1, 1)).astype(np.float64)
    basis = np.eye(side * side).reshape(side * side, side, side, 1)  # every unit image
    matrix = conv2d(basis, kernel).numpy().reshape(side * side, -1).T  # (outputs, inputs)
    x = ctx.rng.normal(size=(side, side))
    loops = toeplitz_matrix(kernel[:, :, 0, 0], side)
    ctx.claim_close("conv2d applied to every unit image gives the Toeplitz matrix W built "
                    "independently by float64 loops (W[i out + j, (i + u) side + j + v] = K[u, v])",
                    matrix, loops, atol=1e-12)
    ctx.claim_close("conv2d equals the dense layer W x with W the loop-built Toeplitz matrix",
                    conv2d(x[None, :, :, None], kernel).numpy().ravel(), loops @ x.ravel(),
                    atol=1e-12)
    nonzero = (matrix != 0).sum(axis=1)
    ctx.claim(f"sparse connectivity: each of the {matrix.shape[0]} outputs depends on exactly "
              f"{kk}x{kk} = {kk * kk} of the {side * side} inputs", bool(np.all(nonzero == kk * kk)),
              measured=f"nonzeros per row {sorted(set(nonzero.tolist()))}")
    ctx.claim_close("parameter sharing: the matrix holds only k*k distinct nonzero values",
              len(np.unique(matrix[matrix != 0])), kk * kk)
    return {"conv": conv_params, "dense": dense_params, "matrix": matrix}


def check_output_sizes(ctx: RunContext) -> list[tuple]:
    """D2L 6.3's shapes: ops.conv_output_size = ops.conv2d = tf.nn.conv2d = keras Conv2D."""
    cases = [  # (n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w, expected (o_h, o_w))
        (8, 8, 3, 3, 1, 1, 1, 1, (8, 8)),
        (8, 8, 5, 3, 2, 1, 1, 1, (8, 8)),
        (8, 8, 3, 3, 1, 1, 2, 2, (4, 4)),
        (8, 8, 3, 5, 0, 1, 3, 4, (2, 2)),
        (32, 32, 5, 5, 0, 0, 1, 1, (28, 28)),
        (7, 7, 3, 3, 0, 0, 2, 2, (3, 3)),
    ]
    rows, ok = [], True
    for nh, nw, kh, kw, ph, pw, sh, sw, expected in cases:
        formula = (conv_output_size(nh, kh, ph, sh), conv_output_size(nw, kw, pw, sw))
        x = np.zeros((1, nh, nw, 1), np.float32)
        kernel = np.zeros((kh, kw, 1, 1), np.float32)
        ours = tuple(conv2d(x, kernel, (sh, sw), (ph, pw)).shape[1:3])
        theirs = tuple(_tf_conv(x, kernel, (sh, sw), (ph, pw)).shape[1:3])
        layer = keras.Sequential([keras.Input((nh + 2 * ph, nw + 2 * pw, 1)),
                                  keras.layers.Conv2D(1, (kh, kw), strides=(sh, sw))])
        keras_shape = tuple(layer.output_shape[1:3])
        ok &= formula == ours == theirs == keras_shape == expected
        rows.append(((nh, nw), (kh, kw), (ph, pw), (sh, sw), formula))
    ctx.claim("output size floor((n + 2p - k)/s) + 1 = ops.conv2d shape = tf.nn.conv2d shape = "
              "keras Conv2D shape for D2L 6.3's six cases", ok,
              measured="; ".join(f"n{r[0]} k{r[1]} p{r[2]} s{r[3]} -> {r[4]}" for r in rows))
    ctx.note("Output sizes (n, k, p, s -> o): " + "; ".join(
        f"{r[0][0]}x{r[0][1]}, {r[1][0]}x{r[1][1]}, {r[2]}, {r[3]} -> {r[4][0]}x{r[4][1]}"
        for r in rows))
    return rows


def run(ctx: RunContext) -> None:
    image = china_image(ctx.quick)
    check_equal_to_tf(ctx, image)
    check_worked_examples(ctx)
    edges = check_edges(ctx)
    learned = learn_edge_kernel(ctx, edges, steps=30)
    check_one_by_one(ctx)
    params = check_parameters(ctx)
    check_output_sizes(ctx)
    ctx.note(f"Parameters for 32x32x3 -> 28x28x6: Conv2D(6, 5) {params['conv']:,}, the dense "
             f"layer it replaces {params['dense']:,} ({params['dense'] / params['conv']:,.0f}x).")

    gray = image.mean(axis=-1)
    vertical = conv2d(_nhwc(gray), EDGE_KERNEL[:, :, None, None])[0, :, :, 0].numpy()
    horizontal = conv2d(_nhwc(gray), EDGE_KERNEL.T[:, :, None, None])[0, :, :, 0].numpy()
    _plot(ctx, gray, vertical, horizontal, edges, learned)


def _plot(ctx, gray, vertical, horizontal, edges, learned) -> None:
    with ctx.figure("edges", nrows=2, ncols=3, figsize=(12.0, 6.4)) as (fig, axes):
        panels = ((gray, "china.jpg (grey)", "gray"),
                  (np.abs(vertical), "|X * [1, -1]|: vertical edges", "magma"),
                  (np.abs(horizontal), "|X * [1, -1]^T|: horizontal edges", "magma"),
                  (edges["x"], "D2L 6.2.3: X (white, black band)", "gray"),
                  (edges["y"], "X * [1, -1]: +1 / -1 at the edges", "coolwarm"))
        for ax, (image, title, cmap) in zip(axes.ravel(), panels, strict=False):
            shown = ax.imshow(image, cmap=cmap)
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            if cmap == "coolwarm":
                fig.colorbar(shown, ax=ax, fraction=0.046)
        ax = axes[1, 2]
        ax.semilogy(np.arange(1, len(learned["losses"]) + 1), learned["losses"], "o-", ms=3)
        ax.set_xlabel("gradient step")
        ax.set_ylabel("summed squared error")
        k = learned["learned"]
        ax.set_title(f"learning K from (X, Y): K = [{k[0]:.3f}, {k[1]:.3f}]", fontsize=9)
        ax.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.conv2d [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
