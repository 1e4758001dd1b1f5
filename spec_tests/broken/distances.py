"""Broken implementations of the distances family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def sqeuclidean_without_cross_term():
    """|a|^2 + |b|^2 without the -2 a.b term: a point is no longer at distance 0 from itself."""

    def pairwise_distances(a, b=None, metric="euclidean"):
        a = np.asarray(a)
        b = a if b is None else np.asarray(b)
        if metric == "manhattan":
            return ref.pairwise_distances(a, b, metric)
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



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'sqeuclidean_without_cross_term': (
        'pairwise_distances_match_scipy_cdist',
        'pairwise_distances_within_one_set_are_symmetric_with_a_zero_diagonal',
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
    ),
}
