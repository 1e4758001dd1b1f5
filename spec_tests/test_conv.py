"""Properties of convolution, pooling and transposed convolution (docs/contract.md, Conv).

Layout as ``tf.nn``: NHWC images, conv2d kernels ``(kh, kw, in, out)``, conv2d_transpose kernels
``(kh, kw, out, in)`` (the kernel of the conv2d it transposes). Padding is symmetric: ``padding``
zeros on each side for conv2d and avg_pool2d, -inf for max_pool2d, and for conv2d_transpose the
rows and columns cropped from each side of the full result.

The oracles are TensorFlow's own ops (computed apart, spec_tests.tf_oracle) on an explicitly
padded input with "VALID" padding, in float64; scipy.signal.correlate for conv2d;
scipy.signal.windows.triang and tf.image.resize for the bilinear kernel; a loop counting window
positions for the output size. Shapes are small (batch <= 2, sides <= 9, channels <= 3,
kernels <= 4); the arrays come from a drawn NumPy seed, which keeps each example cheap.
Tolerances: the dtype's, with the absolute part times the number of terms of a sum of products
of numbers in [-1, 1] (at most 4 * 4 * 3 = 48).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tf_oracle import tf_oracle
from spec_tests.tolerances import assert_close, tolerance

FEW = {"max_examples": 15}
seeds = st.integers(0, 2**32 - 1)


# --- TensorFlow oracles (run apart from the implementation under test) -------------------------

@tf_oracle
def tf_conv2d_valid(x, kernel, strides):
    import tensorflow as tf

    return tf.nn.conv2d(tf.constant(x), tf.constant(kernel), strides=strides,
                        padding="VALID").numpy()


@tf_oracle
def tf_max_pool2d_valid(x, ksize, strides):
    import tensorflow as tf

    return tf.nn.max_pool2d(tf.constant(x), ksize, strides, "VALID").numpy()


@tf_oracle
def tf_avg_pool2d_valid(x, ksize, strides):
    import tensorflow as tf

    return tf.nn.avg_pool2d(tf.constant(x), ksize, strides, "VALID").numpy()


@tf_oracle
def tf_conv2d_transpose_valid(y, kernel, output_shape, strides):
    import tensorflow as tf

    return tf.nn.conv2d_transpose(tf.constant(y), tf.constant(kernel), output_shape, strides,
                                  "VALID").numpy()


@tf_oracle
def tf_resize_bilinear(x, size):
    import tensorflow as tf

    return tf.image.resize(tf.constant(x), size, method="bilinear").numpy()


# --- strategies -------------------------------------------------------------------------------

def _random(seed: int, shape, dtype, low=-1.0, high=1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


def _pair_or_int(draw, low: int, high: int):
    """A whole number, or an (h, w) pair; returns (argument, (h, w))."""
    if draw(st.booleans()):
        value = draw(st.integers(low, high))
        return value, (value, value)
    pair = (draw(st.integers(low, high)), draw(st.integers(low, high)))
    return pair, pair


@st.composite
def conv_problems(draw, max_kernel=4, max_stride=3, max_padding=2):
    """(x, kernel, stride, padding, (sh, sw), (ph, pw), seed); the kernel fits the padded input."""
    dtype = draw(strategies.dtypes())
    kh, kw = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    stride, (sh, sw) = _pair_or_int(draw, 1, max_stride)
    padding, (ph, pw) = _pair_or_int(draw, 0, max_padding)
    h = draw(st.integers(max(1, kh - 2 * ph), 9))
    w = draw(st.integers(max(1, kw - 2 * pw), 9))
    batch, c_in, c_out = (draw(st.integers(1, 2)), draw(st.integers(1, 3)),
                          draw(st.integers(1, 3)))
    seed = draw(seeds)
    x = _random(seed, (batch, h, w, c_in), dtype)
    kernel = _random(seed + 1, (kh, kw, c_in, c_out), dtype)
    return x, kernel, stride, padding, (sh, sw), (ph, pw), seed + 2


@st.composite
def pool_problems(draw):
    """(x, pool_size, stride argument, padding, (kh, kw), (sh, sw), (ph, pw)); padding <= k/2."""
    dtype = draw(strategies.dtypes())
    pool_size, (kh, kw) = _pair_or_int(draw, 1, 4)
    if draw(st.booleans()):
        stride, (sh, sw) = None, (kh, kw)
    else:
        stride, (sh, sw) = _pair_or_int(draw, 1, 3)
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    padding = (ph, pw) if ph != pw or draw(st.booleans()) else ph
    h = draw(st.integers(max(1, kh - 2 * ph), 9))
    w = draw(st.integers(max(1, kw - 2 * pw), 9))
    x = _random(draw(seeds), (draw(st.integers(1, 2)), h, w, draw(st.integers(1, 3))), dtype)
    return x, pool_size, stride, padding, (kh, kw), (sh, sw), (ph, pw)


def _pad(x, ph, pw, value=0.0):
    return np.pad(np.asarray(x, np.float64), [(0, 0), (ph, ph), (pw, pw), (0, 0)],
                  constant_values=value)


def _sum_tolerance(dtype, terms: int) -> dict:
    """A sum of ``terms`` products of numbers in [-1, 1]: the absolute error grows with terms."""
    tol = tolerance(dtype)
    return {"rtol": tol["rtol"], "atol": tol["atol"] * max(1, terms)}


def _size(n, k, p, s):
    return (n + 2 * p - k) // s + 1


# --- the output size --------------------------------------------------------------------------

@spec_property(requires=["conv_output_size"],
               oracle={"conv_output_size": "float64 loop: counts the window positions "
                                           "0, s, 2s, ... that fit in n + 2p"},
               n=st.integers(1, 40), k=st.integers(1, 12), p=st.integers(0, 6), s=st.integers(1, 6))
def test_conv_output_size_counts_the_window_positions_that_fit(impl, n, k, p, s):
    """floor((n + 2p - k) / s) + 1 is the number of windows: counted one by one here."""
    k = min(k, n + 2 * p)  # the largest kernel that fits
    out = impl.conv_output_size(n, k, padding=p, stride=s)
    windows, start = 0, 0
    while start + k <= n + 2 * p:
        windows, start = windows + 1, start + s
    assert np.size(out) == 1 and float(out) == windows, (
        f"conv_output_size({n}, {k}, padding={p}, stride={s}) = {out!r}; windows of {k} at "
        f"0, {s}, 2*{s}, ... fitting in {n} + 2*{p}: {windows}")


@spec_property(requires=["conv2d"], problem=conv_problems())
def test_conv2d_output_shape_follows_the_output_size_formula(impl, problem):
    x, kernel, stride, padding, (sh, sw), (ph, pw), _ = problem
    out = impl.conv2d(x, kernel, stride=stride, padding=padding)
    (batch, h, w, _), (kh, kw, _, c_out) = x.shape, kernel.shape
    expected = (batch, _size(h, kh, ph, sh), _size(w, kw, pw, sw), c_out)
    assert out.shape == expected, (f"conv2d of {x.shape} by {kernel.shape}, stride {stride}, "
                                   f"padding {padding}: shape {out.shape}, expected {expected}")


# --- conv2d -----------------------------------------------------------------------------------

@spec_property(requires=["conv2d"], oracle={"conv2d": "tf.nn.conv2d (VALID, on the padded input)"},
               problem=conv_problems())
def test_conv2d_matches_tf_nn_conv2d(impl, problem):
    """Cross-correlation (kernel not flipped) of the zero-padded input, as tf.nn.conv2d."""
    x, kernel, stride, padding, (sh, sw), (ph, pw), _ = problem
    out = impl.conv2d(x, kernel, stride=stride, padding=padding)
    expected = tf_conv2d_valid(_pad(x, ph, pw), kernel.astype(np.float64), (sh, sw))
    assert_close(out, expected, dtype=x.dtype, **_sum_tolerance(x.dtype, kernel[..., 0].size),
                 what=f"conv2d (stride {stride}, padding {padding}) vs tf.nn.conv2d")


@spec_property(requires=["conv2d"],
               oracle={"conv2d": "scipy.signal.correlate (valid, direct), every s-th position"},
               problem=conv_problems())
def test_conv2d_matches_scipy_signal_correlate(impl, problem):
    """Y[..., d] is SciPy's valid cross-correlation of the padded (h, w, c) image with
    K[..., d], taken at every s-th position."""
    from scipy import signal

    x, kernel, stride, padding, (sh, sw), (ph, pw), _ = problem
    out = impl.conv2d(x, kernel, stride=stride, padding=padding)
    padded, k64 = _pad(x, ph, pw), kernel.astype(np.float64)
    expected = np.stack([np.stack([signal.correlate(image, k64[..., d], mode="valid",
                                                    method="direct")[::sh, ::sw, 0]
                                   for d in range(kernel.shape[3])], axis=-1)
                         for image in padded])
    assert_close(out, expected, dtype=x.dtype, **_sum_tolerance(x.dtype, kernel[..., 0].size),
                 what=f"conv2d (stride {stride}, padding {padding}) vs scipy.signal.correlate")


@st.composite
def single_channel_batches(draw):
    """(x, kernel): a batch of 2 to 4 one-channel images and a kernel that fits them."""
    dtype = draw(strategies.dtypes())
    h, w = draw(st.integers(3, 9)), draw(st.integers(3, 9))
    kh, kw = draw(st.integers(1, h)), draw(st.integers(1, w))
    seed = draw(seeds)
    x = _random(seed, (draw(st.integers(2, 4)), h, w, 1), dtype)
    return x, _random(seed + 1, (kh, kw, 1, draw(st.integers(1, 3))), dtype)


@spec_property(requires=["conv2d"],
               oracle={"conv2d": "scipy.signal.correlate (valid, direct), every s-th position"},
               batch=single_channel_batches())
def test_conv2d_of_one_channel_batches_matches_scipy_for_every_stride_pair(impl, batch):
    """Every (sh, sw) in {1, 2, 3}^2 on one batch: kernels chosen by shape must all be right.

    oneDNN's float32 kernels in torch 2.13 and TensorFlow 2.21 were wrong on an AMD EPYC CPU
    for exactly this class (one input channel, a batch of 2 or more, sh != sw)."""
    from scipy import signal

    x, kernel = batch
    full = np.stack([np.stack([signal.correlate(image, kernel[..., d].astype(np.float64),
                                                mode="valid", method="direct")[..., 0]
                               for d in range(kernel.shape[3])], axis=-1)
                     for image in x.astype(np.float64)])
    for sh in (1, 2, 3):
        for sw in (1, 2, 3):
            assert_close(impl.conv2d(x, kernel, stride=(sh, sw)), full[:, ::sh, ::sw],
                         dtype=x.dtype, **_sum_tolerance(x.dtype, kernel[..., 0].size),
                         what=f"conv2d of a {x.shape} batch, stride ({sh}, {sw}), vs scipy")


@spec_property(requires=["conv2d"], problem=conv_problems(max_kernel=1, max_stride=1,
                                                          max_padding=0))
def test_conv2d_with_a_1x1_kernel_is_a_per_pixel_dense_layer(impl, problem):
    """D2L 6.4.3: a 1x1 convolution applies one matrix (in -> out channels) at every pixel;
    a one-pixel image included."""
    x, kernel, *_ = problem
    weights = kernel[0, 0].astype(np.float64)
    tol = _sum_tolerance(x.dtype, x.shape[-1])
    for image in (x, x[:, :1, :1]):
        expected = np.einsum("bhwc,cd->bhwd", image.astype(np.float64), weights)
        assert_close(impl.conv2d(image, kernel), expected, dtype=x.dtype, **tol,
                     what=f"1x1 conv2d of a {image.shape} image vs per-pixel x @ W")


@spec_property(requires=["conv2d"], oracle={"conv2d": "closed form: D2L 6.2.1 corr2d worked example"})
def test_conv2d_reproduces_the_worked_example_of_d2l(impl):
    """D2L 6.2.1: corr2d(0..8 as 3 x 3, [[0, 1], [2, 3]]); a flipped kernel gives other numbers."""
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    k = np.array([[0, 1], [2, 3]], np.float32)[:, :, None, None]
    assert_close(impl.conv2d(x, k)[0, :, :, 0], [[19, 25], [37, 43]], dtype=np.float32,
                 what="corr2d(X, K)")


@spec_property(requires=["conv2d_transpose"],
               oracle={"conv2d_transpose": "closed form: D2L 13.10.1 trans_conv worked example"})
def test_conv2d_transpose_reproduces_the_worked_example_of_d2l(impl):
    """D2L 13.10.1: trans_conv([[0, 1], [2, 3]], [[0, 1], [2, 3]])."""
    k = np.array([[0, 1], [2, 3]], np.float32)[:, :, None, None]
    small = np.array([[0, 1], [2, 3]], np.float32)[None, :, :, None]
    assert_close(impl.conv2d_transpose(small, k)[0, :, :, 0],
                 [[0, 0, 1], [0, 4, 6], [4, 12, 9]], dtype=np.float32, what="trans_conv(X, K)")


# --- pooling ----------------------------------------------------------------------------------

@spec_property(requires=["max_pool2d"],
               oracle={"max_pool2d": "tf.nn.max_pool2d (VALID, on the -inf padded input)"},
               problem=pool_problems())
def test_max_pool2d_matches_tf_nn_max_pool2d_on_the_minus_inf_padded_input(impl, problem):
    """And a one-pixel image pooled by 1 x 1 is itself."""
    x, pool_size, stride, padding, (kh, kw), (sh, sw), (ph, pw) = problem
    out = impl.max_pool2d(x, pool_size, stride=stride, padding=padding)
    expected = tf_max_pool2d_valid(_pad(x, ph, pw, -np.inf), (kh, kw), (sh, sw))
    assert_close(out, expected, dtype=x.dtype, what=f"max_pool2d (pool {pool_size}, stride "
                 f"{stride}, padding {padding}) vs tf.nn.max_pool2d")
    pixel = x[:, :1, :1]
    assert_close(impl.max_pool2d(pixel, 1), pixel, dtype=x.dtype, what="1x1 max pool of a pixel")


@spec_property(requires=["avg_pool2d"],
               oracle={"avg_pool2d": "tf.nn.avg_pool2d (VALID, on the zero-padded input)"},
               problem=pool_problems())
def test_avg_pool2d_matches_tf_nn_avg_pool2d_on_the_zero_padded_input(impl, problem):
    """Padded zeros count in the mean (count_include_pad=True); a one-pixel image pooled by
    1 x 1 is itself."""
    x, pool_size, stride, padding, (kh, kw), (sh, sw), (ph, pw) = problem
    out = impl.avg_pool2d(x, pool_size, stride=stride, padding=padding)
    expected = tf_avg_pool2d_valid(_pad(x, ph, pw), (kh, kw), (sh, sw))
    assert_close(out, expected, dtype=x.dtype, **_sum_tolerance(x.dtype, kh * kw),
                 what=f"avg_pool2d (pool {pool_size}, stride {stride}, padding {padding}) vs "
                      f"tf.nn.avg_pool2d")
    pixel = x[:, :1, :1]
    assert_close(impl.avg_pool2d(pixel, 1), pixel, dtype=x.dtype, what="1x1 avg pool of a pixel")


@spec_property(requires=["max_pool2d"], k=st.integers(2, 4), windows=st.integers(1, 3),
               channels=st.integers(1, 3), down=st.booleans(), seed=seeds)
def test_max_pool2d_is_unchanged_by_a_one_pixel_shift_that_keeps_each_maximum_in_its_window(
        impl, k, windows, channels, down, seed):
    """D2L 6.5: pooling lessens the sensitivity to position. Every window's maximum (> 1) sits
    where a shift by one pixel (down or right) keeps it inside the window; the other values are
    in [0, 1), so max pooling with stride = pool size is unchanged."""
    rng = np.random.default_rng(seed)
    side = k * windows
    x = rng.uniform(0.0, 1.0, size=(1, side, side, channels))
    for i in range(windows):
        for j in range(windows):
            for c in range(channels):
                r, q = rng.integers(0, k - 1), rng.integers(0, k)  # shifted along r stays in
                if not down:
                    r, q = q, r
                x[0, i * k + r, j * k + q, c] = 2.0 + rng.uniform()
    axis = 1 if down else 2
    shifted = np.roll(x, 1, axis=axis)
    index = [slice(None)] * 4
    index[axis] = 0
    shifted[tuple(index)] = 0.0  # what came in from the far edge
    before, after = impl.max_pool2d(x, k), impl.max_pool2d(shifted, k)
    assert np.array_equal(before, after), (
        f"max pooling ({k} x {k}, {windows} x {windows} windows) changed under a one-pixel "
        f"shift {'down' if down else 'right'}:\n{before[0, ..., 0]}\n{after[0, ..., 0]}")


# --- transposed convolution -------------------------------------------------------------------

@spec_property(requires=["conv2d_transpose"],
               oracle={"conv2d_transpose": "tf.nn.conv2d_transpose (VALID, then cropped by p)"},
               problem=conv_problems())
def test_conv2d_transpose_matches_tf_nn_conv2d_transpose(impl, problem):
    """x here is the *output* side: conv2d_transpose maps kernel.shape[3] channels back to [2].
    A one-pixel input spreads its channels over one kernel-sized patch."""
    x, kernel, stride, padding, (sh, sw), (ph, pw), seed = problem
    kh, kw, c_in, c_out = kernel.shape
    y = _random(seed, (x.shape[0], 1 + x.shape[1] // 2, 1 + x.shape[2] // 2, c_out), x.dtype)
    full_h, full_w = (y.shape[1] - 1) * sh + kh, (y.shape[2] - 1) * sw + kw
    if 2 * ph >= full_h or 2 * pw >= full_w:
        ph, pw, padding = 0, 0, 0
    out = impl.conv2d_transpose(y, kernel, stride=stride, padding=padding)
    full = tf_conv2d_transpose_valid(y.astype(np.float64), kernel.astype(np.float64),
                                     (y.shape[0], full_h, full_w, c_in), (sh, sw))
    expected = full[:, ph:full_h - ph, pw:full_w - pw, :]
    terms = -(-kh // sh) * -(-kw // sw) * c_out  # overlapping contributions per output pixel
    assert_close(out, expected, dtype=x.dtype, **_sum_tolerance(x.dtype, terms),
                 what=f"conv2d_transpose (stride {stride}, padding {padding}) vs tf.nn")
    pixel = y[:, :1, :1]
    patch = np.einsum("bc,uvdc->buvd", pixel[:, 0, 0].astype(np.float64),
                      kernel.astype(np.float64))
    assert_close(impl.conv2d_transpose(pixel, kernel, stride=stride), patch, dtype=x.dtype,
                 **_sum_tolerance(x.dtype, c_out), what="conv2d_transpose of a one-pixel input")


@spec_property(requires=["conv2d", "conv2d_transpose"], problem=conv_problems())
def test_conv2d_transpose_is_the_adjoint_of_conv2d(impl, problem):
    """<conv2d(x, K), y> = <x, conv2d_transpose(y, K)> for x of the transpose's output size.

    With stride s several input sizes give one output size; the transpose returns the smallest,
    n - ((n + 2p - k) mod s), so x is cropped to it first (its output size is unchanged). The
    tolerance is the dtype's rtol times the sum of the absolute terms of the two inner products.
    """
    x, kernel, stride, padding, (sh, sw), (ph, pw), seed = problem
    kh, kw, _, _ = kernel.shape
    rows = x.shape[1] - (x.shape[1] + 2 * ph - kh) % sh
    cols = x.shape[2] - (x.shape[2] + 2 * pw - kw) % sw
    assume(rows >= 1 and cols >= 1)  # else the last window reads padding only
    x = x[:, :rows, :cols]
    conv = impl.conv2d(x, kernel, stride=stride, padding=padding)
    y = _random(seed, conv.shape, x.dtype)
    back = impl.conv2d_transpose(y, kernel, stride=stride, padding=padding)
    assert back.shape == x.shape, (f"conv2d_transpose maps back to shape {back.shape}; the adjoint "
                                   f"of conv2d must map to x's shape {x.shape}")
    left = float(np.sum(conv.astype(np.float64) * y))
    right = float(np.sum(x.astype(np.float64) * back))
    scale = float(np.sum(np.abs(conv)) + np.sum(np.abs(back))) + 1.0
    assert_close(left, right, dtype=x.dtype, rtol=0.0, atol=tolerance(x.dtype)["rtol"] * scale,
                 what="<conv2d(x, K), y> vs <x, conv2d_transpose(y, K)>")


# --- bilinear upsampling ------------------------------------------------------------------------

@spec_property(requires=["bilinear_kernel"],
               oracle={"bilinear_kernel": "scipy.signal.windows.triang (outer product)"},
               channels=st.integers(1, 3), size=st.integers(1, 8))
def test_bilinear_kernel_is_the_outer_product_of_scipy_triangular_windows_per_channel(
        impl, channels, size):
    """D2L's hat g[u] = 1 - |u - centre| / ceil(size/2) is SciPy's triangular window."""
    from scipy.signal import windows

    kernel = impl.bilinear_kernel(channels, channels, size)
    hat = windows.triang(size)
    expected = np.einsum("uv,dc->uvdc", np.outer(hat, hat), np.eye(channels))
    assert_close(kernel, expected, dtype=np.float32,
                 what=f"bilinear_kernel({channels}, {channels}, {size}) vs triang(size) outer")


@spec_property(requires=["conv2d_transpose", "bilinear_kernel"], settings=FEW,
               oracle={"bilinear_kernel": "tf.image.resize (bilinear, half-pixel centres)",
                       "conv2d_transpose": "tf.image.resize (bilinear, half-pixel centres)"},
               s=st.sampled_from([2, 4]), h=st.integers(2, 5), w=st.integers(2, 5),
               channels=st.integers(1, 2), seed=seeds)
def test_bilinear_transposed_convolution_equals_tf_image_resize_inside_the_border(
        impl, s, h, w, channels, seed):
    """Kernel 2s, stride s, padding s/2 samples the input at (o + 0.5)/s - 0.5, as
    tf.image.resize does; they agree wherever that lies in [0, n - 1] (s/2 rows and columns
    in from each border)."""
    x = _random(seed, (1, h, w, channels), np.float32)
    out = impl.conv2d_transpose(x, impl.bilinear_kernel(channels, channels, 2 * s), stride=s,
                                padding=s // 2)
    expected = tf_resize_bilinear(x, (h * s, w * s))
    inner = slice(s // 2, -(s // 2))
    assert_close(out[:, inner, inner], expected[:, inner, inner], dtype=np.float32,
                 what=f"bilinear upsampling by {s} vs tf.image.resize, interior")


@spec_property(requires=["conv2d_transpose", "bilinear_kernel"], settings=FEW,
               s=st.sampled_from([2, 4]),
               h=st.integers(2, 5), w=st.integers(2, 5), channels=st.integers(1, 2),
               coefficients=st.lists(st.floats(-3, 3), min_size=3, max_size=3))
def test_bilinear_transposed_convolution_upsamples_a_linear_image_exactly_inside_the_border(
        impl, s, h, w, channels, coefficients):
    """Kernel 2s, stride s, padding s/2: output pixel o samples the input at t = (o + 0.5)/s - 0.5
    (tf.image.resize's half-pixel centres); where t lies in [0, n - 1] (all but s/2 rows and
    columns at each border) the value is exact for a linear ramp a i + b j + c. Tolerance: float32
    rounding of values up to 1 + 3 h + 3 w + 3 (the ramp's bound)."""
    a, b, c = coefficients
    i, j = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    ramp = (a * i + b * j + c).astype(np.float32)
    x = np.repeat(ramp[None, :, :, None], channels, axis=3)
    out = impl.conv2d_transpose(x, impl.bilinear_kernel(channels, channels, 2 * s), stride=s,
                                padding=s // 2)
    t_i = (np.arange(h * s) + 0.5) / s - 0.5
    t_j = (np.arange(w * s) + 0.5) / s - 0.5
    expected = a * t_i[:, None] + b * t_j[None, :] + c
    expected = np.repeat(expected[None, :, :, None], channels, axis=3)
    inner = slice(s // 2, -(s // 2))
    assert_close(out[:, inner, inner], expected[:, inner, inner], dtype=np.float32,
                 atol=1e-5 * (1 + abs(a) * h + abs(b) * w + abs(c)),
                 what=f"bilinear upsampling by {s} of a linear ramp, interior")


# --- bad input --------------------------------------------------------------------------------

@spec_property(requires=["conv_output_size"], settings=FEW,
               bad=st.sampled_from([((3, 5), "kernel_size"), ((3, 3, 0, 0), "stride"),
                                    ((3, 3, -1), "padding"), ((0, 1), "n"), ((4, 0), "kernel_size"),
                                    ((4, 2.5), "kernel_size")]))
def test_conv_output_size_rejects_a_kernel_beyond_the_padded_input_and_bad_numbers(impl, bad):
    args, name = bad
    expect_value_error(lambda: impl.conv_output_size(*args), name,
                       rule=f"conv_output_size{args}")


@spec_property(requires=["conv2d"], settings=FEW, dtype=strategies.dtypes())
def test_conv2d_rejects_a_large_kernel_bad_stride_channel_mismatch_and_wrong_rank(impl, dtype):
    x = np.ones((1, 3, 3, 2), dtype)
    kernel = np.ones((2, 2, 2, 1), dtype)
    expect_value_error(lambda: impl.conv2d(x, np.ones((5, 5, 2, 1), dtype)), "kernel",
                       rule="conv2d with a 5x5 kernel on a 3x3 input")
    expect_value_error(lambda: impl.conv2d(x, np.ones((4, 1, 2, 1), dtype)), "kernel",
                       rule="conv2d with a 4x1 kernel on a 3x3 input")
    expect_value_error(lambda: impl.conv2d(x, np.ones((6, 6, 2, 1), dtype), padding=1),
                       "kernel", rule="conv2d with a 6x6 kernel on a 3x3 input padded to 5x5")
    for stride in (0, -1, (1, 0)):
        expect_value_error(lambda stride=stride: impl.conv2d(x, kernel, stride=stride), "stride",
                           rule=f"conv2d with stride {stride}")
    expect_value_error(lambda: impl.conv2d(x, kernel, padding=-1), "padding",
                       rule="conv2d with padding -1")
    expect_value_error(lambda: impl.conv2d(x, np.ones((2, 2, 3, 1), dtype)), "x", "kernel",
                       rule="conv2d with 2 input channels and a kernel for 3")
    expect_value_error(lambda: impl.conv2d(x[0], kernel), "x", rule="conv2d of a rank-3 x")
    expect_value_error(lambda: impl.conv2d(x, kernel[..., 0]), "kernel",
                       rule="conv2d with a rank-3 kernel")


def _pooling_rejects(pool, dtype) -> None:
    x = np.ones((1, 3, 3, 2), dtype)
    expect_value_error(lambda: pool(x, 4), "pool_size", rule="pool 4 on 3x3")
    expect_value_error(lambda: pool(x, 2, stride=0), "stride", rule="stride 0")
    expect_value_error(lambda: pool(x, 2, padding=-1), "padding", rule="padding -1")
    expect_value_error(lambda: pool(x, 2, padding=2), "padding",
                       rule="padding above half the pool size")
    expect_value_error(lambda: pool(x[0], 2), "x", rule="pool of a rank-3 x")


@spec_property(requires=["max_pool2d"], settings=FEW, dtype=strategies.dtypes())
def test_max_pool2d_rejects_a_large_window_bad_stride_bad_padding_and_wrong_rank(impl, dtype):
    _pooling_rejects(impl.max_pool2d, dtype)


@spec_property(requires=["avg_pool2d"], settings=FEW, dtype=strategies.dtypes())
def test_avg_pool2d_rejects_a_large_window_bad_stride_bad_padding_and_wrong_rank(impl, dtype):
    _pooling_rejects(impl.avg_pool2d, dtype)


@spec_property(requires=["conv2d_transpose"], settings=FEW, dtype=strategies.dtypes())
def test_conv2d_transpose_rejects_bad_stride_padding_channels_and_rank(impl, dtype):
    x = np.ones((1, 2, 2, 2), dtype)
    kernel = np.ones((2, 2, 1, 2), dtype)  # (kh, kw, out, in)
    expect_value_error(lambda: impl.conv2d_transpose(x, kernel, stride=0), "stride",
                       rule="conv2d_transpose with stride 0")
    expect_value_error(lambda: impl.conv2d_transpose(x, kernel, padding=-1), "padding",
                       rule="conv2d_transpose with padding -1")
    expect_value_error(lambda: impl.conv2d_transpose(x, kernel, padding=2), "padding",
                       rule="conv2d_transpose cropping the whole 3x3 output")
    expect_value_error(lambda: impl.conv2d_transpose(x, np.ones((2, 2, 2, 3), dtype)), "x",
                       "kernel", rule="conv2d_transpose with 2 channels and a kernel for 3")
    expect_value_error(lambda: impl.conv2d_transpose(x[0], kernel), "x",
                       rule="conv2d_transpose of a rank-3 x")


@spec_property(requires=["bilinear_kernel"], settings=FEW)
def test_bilinear_kernel_rejects_unequal_channels_and_size_zero(impl):
    expect_value_error(lambda: impl.bilinear_kernel(2, 3, 4), "in_channels", "out_channels",
                       rule="bilinear_kernel with 2 in and 3 out channels")
    expect_value_error(lambda: impl.bilinear_kernel(1, 1, 0), "size",
                       rule="bilinear_kernel of size 0")
