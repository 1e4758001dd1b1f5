"""Broken implementations of the conv family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def conv2d_with_flipped_kernel():
    """A true convolution (kernel rotated by 180 degrees) instead of the cross-correlation that
    tf.nn.conv2d and every framework compute."""

    def conv2d(x, kernel, stride=1, padding=0):
        kernel = np.asarray(kernel)
        if kernel.ndim == 4:
            kernel = kernel[::-1, ::-1]
        return ref.conv2d(x, kernel, stride=stride, padding=padding)

    return _reference_with(conv2d=conv2d)


def conv2d_wrong_for_one_channel_batches_with_unequal_strides():
    """Right shapes, wrong values where a shape-specialised kernel is chosen: for one input
    channel, a batch of 2 or more and sh != sw, every image after the first is read one column
    off (the class of the oneDNN float32 bug torch 2.13 and TF 2.21 showed on an AMD EPYC CPU)."""

    def conv2d(x, kernel, stride=1, padding=0):
        out = np.array(ref.conv2d(x, kernel, stride=stride, padding=padding))
        sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
        x = np.asarray(x)
        if x.ndim == 4 and x.shape[-1] == 1 and x.shape[0] >= 2 and sh != sw:
            out[1:] = np.roll(out[1:], 1, axis=2)
        return out

    return _reference_with(conv2d=conv2d)


def conv_output_size_without_floor():
    """(n + 2p - k) / s + 1 as a fraction: a window that does not fit is counted in part."""

    def conv_output_size(n, kernel_size, padding=0, stride=1):
        ref.conv_output_size(n, kernel_size, padding=padding, stride=stride)  # the same checks
        return (n + 2 * padding - kernel_size) / stride + 1

    return _reference_with(conv_output_size=conv_output_size)


def conv_output_size_missing_the_plus_one():
    """floor((n + 2p - k) / s): the first window forgotten (off by one)."""

    def conv_output_size(n, kernel_size, padding=0, stride=1):
        return ref.conv_output_size(n, kernel_size, padding=padding, stride=stride) - 1

    return _reference_with(conv_output_size=conv_output_size)


def max_pool_ignoring_stride():
    """Window (i, j) read at (i, j) instead of (s i, s j): the output size follows the stride,
    the windows do not (the index never multiplied by the stride)."""

    def max_pool2d(x, pool_size, stride=None, padding=0):
        out = ref.max_pool2d(x, pool_size, stride=stride, padding=padding)  # checks, shape
        dense = ref.max_pool2d(x, pool_size, stride=1, padding=padding)  # every window
        return dense[:, :out.shape[1], :out.shape[2], :]

    return _reference_with(max_pool2d=max_pool2d)


def avg_pool_excluding_padding():
    """The padded zeros left out of the count (TF "SAME" style) instead of counted."""

    def avg_pool2d(x, pool_size, stride=None, padding=0):
        out = ref.avg_pool2d(x, pool_size, stride=stride, padding=padding)
        counts = ref.avg_pool2d(np.ones_like(np.asarray(x, dtype=out.dtype)), pool_size,
                                stride=stride, padding=padding)
        return (out / counts).astype(out.dtype)

    return _reference_with(avg_pool2d=avg_pool2d)


def conv2d_transpose_without_overlap_add():
    """Each input pixel's patch overwrites the output (=) instead of adding to it (+=)."""

    def conv2d_transpose(x, kernel, stride=1, padding=0):
        out = ref.conv2d_transpose(x, kernel, stride=stride, padding=padding)  # checks, shape
        x, kernel = np.asarray(x, np.float64), np.asarray(kernel, np.float64)
        sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
        ph, pw = (padding, padding) if np.ndim(padding) == 0 else padding
        batch, h, w, c = x.shape
        kh, kw, c_out, _ = kernel.shape
        full = np.zeros((batch, (h - 1) * sh + kh, (w - 1) * sw + kw, c_out))
        for i in range(h):
            for j in range(w):
                full[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :] = np.einsum(
                    "bc,uvdc->buvd", x[:, i, j, :], kernel)
        return full[:, ph:full.shape[1] - ph, pw:full.shape[2] - pw, :].astype(out.dtype)

    return _reference_with(conv2d_transpose=conv2d_transpose)


def bilinear_kernel_centred_as_for_odd_sizes():
    """centre = ceil(size/2) - 1 for every size: right for odd sizes, but for the even sizes
    that upsampling uses (2s) the hat is shifted by half a pixel and no longer symmetric."""

    def bilinear_kernel(in_channels, out_channels, size):
        kernel = ref.bilinear_kernel(in_channels, out_channels, size)  # checks, shape
        factor = (size + 1) // 2
        hat = 1 - np.abs(np.arange(size) - (factor - 1)) / factor
        return np.einsum("uv,dc->uvdc", np.outer(hat, hat),
                         np.eye(kernel.shape[2])).astype(np.float32)

    return _reference_with(bilinear_kernel=bilinear_kernel)


def conv2d_padding_one_side_only():
    """All 2p padding zeros put after the image (bottom and right) instead of p on each side:
    the output size is right, every window is shifted by p."""

    def conv2d(x, kernel, stride=1, padding=0):
        ref.conv2d(x, kernel, stride=stride, padding=padding)  # checks
        ph, pw = (padding, padding) if np.ndim(padding) == 0 else padding
        x = np.asarray(x)
        padded = np.pad(x, [(0, 0), (0, 2 * ph), (0, 2 * pw), (0, 0)])
        return ref.conv2d(padded, kernel, stride=stride, padding=0)

    return _reference_with(conv2d=conv2d)


def max_pool_padding_with_zeros():
    """Pads with zeros (np.pad's default) instead of -inf: a border window of negatives gives 0."""

    def max_pool2d(x, pool_size, stride=None, padding=0):
        return ref._conv_pool(x, pool_size, stride, padding, np.max, 0.0)

    return _reference_with(max_pool2d=max_pool2d)


def avg_pool_with_stride_one_by_default():
    """stride=None read as 1 (a sliding window) instead of pool_size (PyTorch's and TF's default)."""

    def avg_pool2d(x, pool_size, stride=None, padding=0):
        return ref.avg_pool2d(x, pool_size, stride=1 if stride is None else stride,
                              padding=padding)

    return _reference_with(avg_pool2d=avg_pool2d)


def conv2d_transpose_cropping_the_end_only():
    """Crops 2p rows and columns from the bottom and right instead of p from each side."""

    def conv2d_transpose(x, kernel, stride=1, padding=0):
        full = ref.conv2d_transpose(x, kernel, stride=stride, padding=0)
        ph, pw = ref._conv_pair(padding, "padding", 0, "rows cropped on each side")
        ref.conv2d_transpose(x, kernel, stride=stride, padding=padding)  # the validation
        return full[:, :full.shape[1] - 2 * ph, :full.shape[2] - 2 * pw, :]

    return _reference_with(conv2d_transpose=conv2d_transpose)


def conv2d_with_the_stride_pair_swapped():
    """An (h, w) stride read as (w, h): right for square strides only."""

    def conv2d(x, kernel, stride=1, padding=0):
        if np.ndim(stride) == 1 and len(stride) == 2:
            stride = (stride[1], stride[0])
        return ref.conv2d(x, kernel, stride=stride, padding=padding)

    return _reference_with(conv2d=conv2d)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'conv2d_wrong_for_one_channel_batches_with_unequal_strides': (
        'conv2d_of_one_channel_batches_matches_scipy_for_every_stride_pair',
    ),
    'conv2d_with_flipped_kernel': (
        'conv2d_matches_tf_nn_conv2d',
        'conv2d_matches_scipy_signal_correlate',
        'conv2d_reproduces_the_worked_example_of_d2l',
        'conv2d_transpose_is_the_adjoint_of_conv2d',
    ),
    'conv_output_size_without_floor': (
        'conv_output_size_counts_the_window_positions_that_fit',
    ),
    'conv_output_size_missing_the_plus_one': (
        'conv_output_size_counts_the_window_positions_that_fit',
    ),
    'max_pool_ignoring_stride': (
        'max_pool2d_matches_tf_nn_max_pool2d_on_the_minus_inf_padded_input',
        'max_pool2d_is_unchanged_by_a_one_pixel_shift_that_keeps_each_maximum_in_its_window',
    ),
    'avg_pool_excluding_padding': (
        'avg_pool2d_matches_tf_nn_avg_pool2d_on_the_zero_padded_input',
    ),
    'conv2d_transpose_without_overlap_add': (
        'conv2d_transpose_matches_tf_nn_conv2d_transpose',
        'conv2d_transpose_is_the_adjoint_of_conv2d',
        'conv2d_transpose_reproduces_the_worked_example_of_d2l',
        'bilinear_transposed_convolution_equals_tf_image_resize_inside_the_border',
        'bilinear_transposed_convolution_upsamples_a_linear_image_exactly_inside_the_border',
    ),
    'bilinear_kernel_centred_as_for_odd_sizes': (
        'bilinear_kernel_is_the_outer_product_of_scipy_triangular_windows_per_channel',
        'bilinear_transposed_convolution_equals_tf_image_resize_inside_the_border',
        'bilinear_transposed_convolution_upsamples_a_linear_image_exactly_inside_the_border',
    ),
    'conv2d_padding_one_side_only': (
        'conv2d_matches_tf_nn_conv2d',
        'conv2d_matches_scipy_signal_correlate',
        'conv2d_transpose_is_the_adjoint_of_conv2d',
    ),
    'max_pool_padding_with_zeros': (
        'max_pool2d_matches_tf_nn_max_pool2d_on_the_minus_inf_padded_input',
    ),
    'avg_pool_with_stride_one_by_default': (
        'avg_pool2d_matches_tf_nn_avg_pool2d_on_the_zero_padded_input',
    ),
    'conv2d_transpose_cropping_the_end_only': (
        'conv2d_transpose_matches_tf_nn_conv2d_transpose',
        'conv2d_transpose_is_the_adjoint_of_conv2d',
    ),
    'conv2d_with_the_stride_pair_swapped': (
        'conv2d_matches_tf_nn_conv2d',
    ),
}
