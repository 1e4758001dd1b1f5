"""Broken implementations of the style family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def gram_matrix_x_xt():
    """X X^T / (c h w): the (h w) x (h w) position Gram instead of the (c, c) channel one."""

    def gram_matrix(features):
        x = np.asarray(features)
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        if x.ndim not in (3, 4):
            raise ValueError(f"features must have rank 3 or 4; got {x.ndim}")
        batch = x.reshape((-1, *x.shape[-3:])).astype(np.float64)
        n, h, w, c = batch.shape
        flat = batch.reshape(n, h * w, c)
        gram = (flat @ np.swapaxes(flat, 1, 2) / (c * h * w)).astype(dtype)
        return gram if x.ndim == 4 else gram[0]

    return _reference_with(gram_matrix=gram_matrix)


def gram_matrix_normalised_by_positions_only():
    """X^T X / (h w): forgets the channel count in D2L's normalisation."""

    def gram_matrix(features):
        g = ref.gram_matrix(features)
        return (g * np.asarray(features).shape[-1]).astype(g.dtype)

    return _reference_with(gram_matrix=gram_matrix)


def total_variation_one_direction_only():
    """Only vertical neighbours: misses every horizontal edge."""

    def total_variation_loss(image):
        x = np.asarray(image)
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        ref.total_variation_loss(x)  # the reference's input checks
        batch = x.reshape((-1, *x.shape[-3:])).astype(np.float64)
        return np.asarray(np.abs(np.diff(batch, axis=1)).mean(), dtype=dtype)

    return _reference_with(total_variation_loss=total_variation_loss)


def total_variation_without_abs():
    """Signed neighbour differences: they telescope, so stripes and noise cost nothing."""

    def total_variation_loss(image):
        x = np.asarray(image)
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        ref.total_variation_loss(x)
        batch = x.reshape((-1, *x.shape[-3:])).astype(np.float64)
        value = 0.5 * (np.diff(batch, axis=1).mean() + np.diff(batch, axis=2).mean())
        return np.asarray(value, dtype=dtype)

    return _reference_with(total_variation_loss=total_variation_loss)


def content_loss_summed():
    """sum((y_hat - y)^2) instead of the mean: grows with the size of the feature map."""

    def content_loss(y_hat, y):
        value = ref.content_loss(y_hat, y)
        return (value * np.asarray(y).size).astype(value.dtype)

    return _reference_with(content_loss=content_loss)


def style_loss_summed():
    """sum((G_hat - G)^2) instead of the mean: grows with the square of the channel count."""

    def style_loss(y_hat_gram, gram_y):
        value = ref.style_loss(y_hat_gram, gram_y)
        return (value * np.asarray(gram_y).size).astype(value.dtype)

    return _reference_with(style_loss=style_loss)


def total_variation_summed_as_tf_image_total_variation():
    """tf.image.total_variation's convention: the sum of every absolute neighbour difference,
    not half the mean of each direction's (it grows with the image)."""

    def total_variation_loss(image):
        x = np.asarray(image)
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        ref.total_variation_loss(x)  # the reference's input checks
        batch = x.reshape((-1, *x.shape[-3:])).astype(np.float64)
        value = np.abs(np.diff(batch, axis=1)).sum() + np.abs(np.diff(batch, axis=2)).sum()
        return np.asarray(value, dtype=dtype)

    return _reference_with(total_variation_loss=total_variation_loss)


def gram_matrix_of_a_batch_as_one_map():
    """Reshapes (n, h, w, c) to (n h w, c): one Gram matrix for the whole batch, not one each."""

    def gram_matrix(features):
        x = np.asarray(features)
        out = ref.gram_matrix(features)  # the validation and the dtype
        if x.ndim != 4:
            return out
        flat = x.reshape(-1, x.shape[-1]).astype(np.float64)
        one = flat.T @ flat / flat.size
        return np.broadcast_to(one, out.shape).astype(out.dtype)

    return _reference_with(gram_matrix=gram_matrix)


def total_variation_normalised_by_every_pixel():
    """Each sum of differences divided by n h w c (the pixels) instead of its own pair count."""

    def total_variation_loss(image):
        out = ref.total_variation_loss(image)  # the validation and the dtype
        x = np.asarray(image, dtype=np.float64)
        vertical = np.abs(np.diff(x, axis=-3)).sum()
        horizontal = np.abs(np.diff(x, axis=-2)).sum()
        return np.asarray(0.5 * (vertical + horizontal) / x.size, dtype=out.dtype)

    return _reference_with(total_variation_loss=total_variation_loss)


def content_loss_broadcasting_mismatched_shapes():
    """No shape check: y of shape (h, w, 1) broadcasts against (h, w, c) and gives a number."""

    def content_loss(y_hat, y):
        y_hat_arr, y_arr = np.asarray(y_hat), np.asarray(y)
        if y_hat_arr.shape == y_arr.shape:
            return ref.content_loss(y_hat, y)
        dtype = ref._float_dtype(y_hat, y)
        diff = y_hat_arr.astype(np.float64) - y_arr.astype(np.float64)
        return np.asarray(np.mean(diff * diff), dtype=dtype)

    return _reference_with(content_loss=content_loss)


def total_variation_summed_over_the_images():
    """The mean within each image, summed over the batch (one loss per image, then added)."""

    def total_variation_loss(image):
        out = ref.total_variation_loss(image)  # the validation and the dtype
        x = np.asarray(image, dtype=np.float64)
        if x.ndim == 3:
            return out
        total = sum(float(ref.total_variation_loss(one)) for one in x)
        return np.asarray(total, dtype=out.dtype)

    return _reference_with(total_variation_loss=total_variation_loss)


def gram_matrix_of_a_batch_normalised_by_the_batch_size():
    """A batch's Gram matrices divided by n c h w (the batch's element count), not c h w."""

    def gram_matrix(features):
        out = ref.gram_matrix(features)
        x = np.asarray(features)
        if x.ndim != 4:
            return out
        return (np.asarray(out, np.float64) / x.shape[0]).astype(out.dtype)

    return _reference_with(gram_matrix=gram_matrix)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'gram_matrix_x_xt': (
        'gram_matrix_equals_x_transpose_x_over_c_h_w',
        'gram_matrix_is_invariant_to_permuting_positions',
        'style_loss_of_gram_matrices_is_the_mean_squared_difference_of_channel_grams',
        'gram_matrix_of_one_pixel_is_its_outer_product_over_c',
    ),
    'gram_matrix_normalised_by_positions_only': (
        'gram_matrix_equals_x_transpose_x_over_c_h_w',
        'style_loss_of_gram_matrices_is_the_mean_squared_difference_of_channel_grams',
        'gram_matrix_of_one_pixel_is_its_outer_product_over_c',
    ),
    'total_variation_one_direction_only': (
        'total_variation_matches_tf_image_total_variation_as_means',
        'total_variation_of_a_2x2_image_by_hand',
        'total_variation_is_invariant_to_flips_and_to_swapping_height_and_width',
    ),
    'total_variation_without_abs': (
        'total_variation_matches_tf_image_total_variation_as_means',
        'total_variation_of_a_2x2_image_by_hand',
        'total_variation_is_invariant_to_flips_and_to_swapping_height_and_width',
    ),
    'content_loss_summed': (
        'content_loss_matches_sklearn_mean_squared_error_and_is_zero_only_for_equal_inputs',
    ),
    'style_loss_summed': (
        'style_loss_matches_sklearn_mean_squared_error',
        'style_loss_of_gram_matrices_is_the_mean_squared_difference_of_channel_grams',
    ),
    'total_variation_summed_as_tf_image_total_variation': (
        'total_variation_matches_tf_image_total_variation_as_means',
        'total_variation_of_a_2x2_image_by_hand',
    ),
    'gram_matrix_of_a_batch_as_one_map': (
        'gram_matrix_of_a_batch_is_the_stack_of_each_images_gram',
    ),
    'total_variation_normalised_by_every_pixel': (
        'total_variation_matches_tf_image_total_variation_as_means',
        'total_variation_of_a_2x2_image_by_hand',
    ),
    'content_loss_broadcasting_mismatched_shapes': (
        'content_loss_rejects_mismatched_shapes',
    ),
    'total_variation_summed_over_the_images': (
        'total_variation_matches_tf_image_total_variation_as_means',
    ),
    'gram_matrix_of_a_batch_normalised_by_the_batch_size': (
        'gram_matrix_of_a_batch_is_the_stack_of_each_images_gram',
    ),
}
