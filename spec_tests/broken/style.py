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



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'gram_matrix_x_xt': (
        'gram_matrix_equals_x_transpose_x_over_c_h_w',
        'gram_matrix_is_invariant_to_permuting_positions',
        'style_loss_is_the_mean_squared_difference_of_gram_matrices',
    ),
    'gram_matrix_normalised_by_positions_only': (
        'gram_matrix_equals_x_transpose_x_over_c_h_w',
        'style_loss_is_the_mean_squared_difference_of_gram_matrices',
    ),
    'total_variation_one_direction_only': (
        'total_variation_equals_the_mean_absolute_neighbour_difference',
        'total_variation_is_invariant_to_flips_and_to_swapping_height_and_width',
    ),
    'total_variation_without_abs': (
        'total_variation_equals_the_mean_absolute_neighbour_difference',
        'total_variation_is_invariant_to_flips_and_to_swapping_height_and_width',
    ),
    'content_loss_summed': (
        'content_loss_is_the_mean_squared_difference_and_zero_only_for_equal_inputs',
    ),
}
