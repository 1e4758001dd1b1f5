"""Broken implementations of the distances family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def sqeuclidean_without_cross_term():
    """|a|^2 + |b|^2 without the -2 a.b term: a point is no longer at distance 0 from itself."""

    def pairwise_distances(a, b=None, metric="euclidean"):
        reference = ref.pairwise_distances(a, b, metric)  # the same ValueError rules
        a = np.asarray(a)
        b = a if b is None else np.asarray(b)
        if metric == "manhattan":
            return reference
        squared = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :]
        return (squared if metric == "sqeuclidean" else np.sqrt(squared)).astype(a.dtype)

    return _reference_with(pairwise_distances=pairwise_distances)


def euclidean_without_square_root():
    """Returns the squared distance for metric="euclidean" (the triangle inequality breaks)."""

    def pairwise_distances(a, b=None, metric="euclidean"):
        return ref.pairwise_distances(a, b, "sqeuclidean" if metric == "euclidean" else metric)

    return _reference_with(pairwise_distances=pairwise_distances)


def gaussian_pdf_with_std_for_var():
    """Reads ``var`` as the standard deviation: exp(-(x-mu)^2 / (2 var^2)) / (sqrt(2 pi) var)."""

    def gaussian_pdf(x, mean, var):
        var = np.asarray(var)
        return ref.gaussian_pdf(x, mean, var.astype(np.float64) ** 2).astype(np.asarray(x).dtype)

    return _reference_with(gaussian_pdf=gaussian_pdf)


def gaussian_density_summing_the_features():
    """Adds the per-feature densities instead of multiplying them."""

    def gaussian_density(x, mean, var):
        return ref.gaussian_pdf(x, mean, var).sum(axis=-1)

    return _reference_with(gaussian_density=gaussian_density)


def sqeuclidean_by_the_gram_expansion():
    """|a|^2 + |b|^2 - 2 a b^T clipped at 0 (the matrix-product trick of sklearn's
    euclidean_distances and torch.cdist): the cross term cancels the norms of points far from
    the origin, losing |a|^2 eps, and identical points are not exactly 0 apart."""

    def pairwise_distances(a, b=None, metric="euclidean"):
        reference = ref.pairwise_distances(a, b, metric)  # the same ValueError rules, the dtype
        if metric == "manhattan":
            return reference
        a = np.asarray(a, np.float64)
        b = a if b is None else np.asarray(b, np.float64)
        squared = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
        squared = np.maximum(squared, 0.0)
        out = squared if metric == "sqeuclidean" else np.sqrt(squared)
        return out.astype(reference.dtype)

    return _reference_with(pairwise_distances=pairwise_distances)


def manhattan_without_absolute_values():
    """sum_k (a_ik - b_jk) for manhattan: the abs() left out, so signed differences cancel."""

    def pairwise_distances(a, b=None, metric="euclidean"):
        reference = ref.pairwise_distances(a, b, metric)
        if metric != "manhattan":
            return reference
        a = np.asarray(a, np.float64)
        b = a if b is None else np.asarray(b, np.float64)
        return (a[:, None, :] - b[None, :, :]).sum(axis=-1).astype(reference.dtype)

    return _reference_with(pairwise_distances=pairwise_distances)


def gaussian_pdf_without_the_half_in_the_exponent():
    """exp(-(x - mean)^2 / var) / sqrt(2 pi var): the 2 of 2 sigma^2 left out of the exponent."""

    def gaussian_pdf(x, mean, var):
        reference = ref.gaussian_pdf(x, mean, var)  # the same ValueError rules, the dtype
        x, mean, var = (np.asarray(v, np.float64) for v in (x, mean, var))
        return (np.exp(-((x - mean) ** 2) / var) / np.sqrt(2 * np.pi * var)).astype(
            reference.dtype)

    return _reference_with(gaussian_pdf=gaussian_pdf)


def gaussian_density_normalised_once():
    """exp(-sum_k (x_k - mean_k)^2 / (2 var_k)) / sqrt(2 pi prod_k var_k): (2 pi)^(-1/2) once
    instead of (2 pi)^(-d/2), the multivariate normaliser with the exponent d/2 forgotten."""

    def gaussian_density(x, mean, var):
        reference = ref.gaussian_density(x, mean, var)
        x, mean, var = (np.asarray(v, np.float64) for v in (x, mean, var))
        exponent = (-((x - mean) ** 2) / (2 * var)).sum(axis=-1)
        var = np.broadcast_to(var, x.shape)
        return (np.exp(exponent) / np.sqrt(2 * np.pi * var.prod(axis=-1))).astype(reference.dtype)

    return _reference_with(gaussian_density=gaussian_density)



def pairwise_distances_with_a_and_b_swapped():
    """cdist(b, a): the (m, n) transpose of the (n, m) result (right only for b=None)."""

    def pairwise_distances(a, b=None, metric="euclidean"):
        if b is None:
            return ref.pairwise_distances(a, metric=metric)
        return ref.pairwise_distances(b, a, metric=metric)

    return _reference_with(pairwise_distances=pairwise_distances)


def gaussian_density_as_a_running_float32_product():
    """Multiplies the per-feature pdfs in the input dtype, left to right, instead of exp(sum of
    logs): the running product underflows to 0 where the density itself is a normal float32."""

    def gaussian_density(x, mean, var):
        out = ref.gaussian_density(x, mean, var)  # the validation and the dtype
        pdf = ref.gaussian_pdf(x, mean, var)
        total = np.ones(pdf.shape[:-1], dtype=pdf.dtype)
        for j in range(pdf.shape[-1]):
            total = total * pdf[..., j]
        return np.asarray(total).astype(out.dtype)

    return _reference_with(gaussian_density=gaussian_density)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'sqeuclidean_without_cross_term': (
        'pairwise_distances_match_scipy_cdist',
        'pairwise_distances_within_one_set_are_symmetric_with_a_zero_diagonal',
        'pairwise_distances_between_identical_points_are_exactly_zero',
    ),
    'euclidean_without_square_root': (
        'pairwise_distances_match_scipy_cdist',
        'pairwise_distances_satisfy_the_triangle_inequality',
        'squared_euclidean_is_the_square_of_euclidean',
    ),
    'gaussian_pdf_with_std_for_var': (
        'gaussian_pdf_matches_scipy_norm_pdf',
    ),
    'gaussian_density_summing_the_features': (
        'gaussian_density_is_the_product_of_per_feature_normal_pdfs',
        'gaussian_density_matches_scipy_multivariate_normal_with_diagonal_covariance',
    ),
    # (the zero diagonal of one set is broken only on some draws: the within-one-set property
    # catches it by luck, the identical-points property by construction of its inputs)
    'sqeuclidean_by_the_gram_expansion': (
        'pairwise_distances_of_nearby_points_far_from_the_origin_match_scipy_cdist',
        'pairwise_distances_between_identical_points_are_exactly_zero',
    ),
    'manhattan_without_absolute_values': (
        'pairwise_distances_match_scipy_cdist',
        'pairwise_distances_satisfy_the_triangle_inequality',
    ),
    'gaussian_pdf_without_the_half_in_the_exponent': (
        'gaussian_pdf_matches_scipy_norm_pdf',
        'gaussian_pdf_integrates_to_one',
    ),
    'gaussian_density_normalised_once': (
        'gaussian_density_is_the_product_of_per_feature_normal_pdfs',
        'gaussian_density_matches_scipy_multivariate_normal_with_diagonal_covariance',
    ),
    'pairwise_distances_with_a_and_b_swapped': (
        'pairwise_distances_match_scipy_cdist',
    ),
    'gaussian_density_as_a_running_float32_product': (
        'gaussian_density_in_float32_does_not_underflow_where_the_density_is_a_normal_number',
    ),
}
