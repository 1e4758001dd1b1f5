"""Broken implementations of the preprocessing family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def standardize_with_sample_std():
    """sigma with ddof 1 (pandas' default ``std()``, D2L's house-price code) instead of ddof 0:
    every standardised feature is the right one times sqrt((n - 1) / n), so its variance is
    (n - 1) / n and it differs from StandardScaler. Computed from the reference's own z in
    float64, so that ddof is the only difference."""

    def standardize(x, mean=None, std=None, axis=0):
        z = ref.standardize(x, mean=mean, std=std, axis=axis)  # the checks, the population z
        n = z.shape[axis]
        if mean is not None or n < 2:
            return z
        return (z.astype(np.float64) * np.sqrt((n - 1) / n)).astype(z.dtype)

    return _reference_with(standardize=standardize)


def standardize_with_one_pass_variance():
    """sigma^2 = E[x^2] - E[x]^2 in the dtype of x (jax.nn.standardize's default): it cancels
    for a large mean and a small spread, losing about eps * (mean / sigma)^2 of the variance."""

    def standardize(x, mean=None, std=None, axis=0):
        z = ref.standardize(x, mean=mean, std=std, axis=axis)  # the checks
        if mean is not None:
            return z
        x = np.asarray(x).astype(z.dtype)
        mu = x.mean(axis=axis, keepdims=True, dtype=z.dtype)
        variance = np.maximum((x * x).mean(axis=axis, keepdims=True, dtype=z.dtype) - mu * mu, 0)
        sigma = np.sqrt(variance)
        constant = (x == np.take(x, [0], axis=axis)).all(axis=axis, keepdims=True)
        sigma = np.where(constant | (sigma == 0), z.dtype.type(1), sigma)
        mu = np.where(constant, np.take(x, [0], axis=axis), mu)
        return ((x - mu) / sigma).astype(z.dtype)

    return _reference_with(standardize=standardize)


def standardize_without_a_zero_std_guard():
    """(x - x.mean(0)) / x.std(0) as written: a constant feature gives 0 / 0 = NaN, or +-1 where
    the rounded mean misses the value (sigma is then the rounding error, not 0)."""

    def standardize(x, mean=None, std=None, axis=0):
        z = ref.standardize(x, mean=mean, std=std, axis=axis)  # the checks
        if mean is not None:
            return z
        x64 = np.asarray(x, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (x64 - x64.mean(axis=axis, keepdims=True)) / x64.std(axis=axis, keepdims=True)
        return out.astype(z.dtype)

    return _reference_with(standardize=standardize)


def mean_impute_counting_missing_values_as_zeros():
    """The mean of np.nan_to_num(x): missing values count as zeros, so the mean of the values
    present is shrunk by (present / rows)."""

    def mean_impute(x, mean=None, axis=0):
        filled = ref.mean_impute(x, mean=mean, axis=axis)  # the checks
        if mean is not None:
            return filled
        x = np.asarray(x)
        means = np.nan_to_num(x.astype(np.float64)).mean(axis=axis, keepdims=True)
        return np.where(np.isnan(x), means, x).astype(filled.dtype)

    return _reference_with(mean_impute=mean_impute)


def one_hot_over_the_labels_present():
    """pandas ``get_dummies`` on the raw labels: one column per distinct label present, in sorted
    order; num_classes ignored, so a class no label uses loses its column and the others shift."""

    def one_hot(labels, num_classes=None):
        ref.one_hot(labels, num_classes=num_classes)  # the checks
        labels = np.asarray(labels).astype(np.int64)
        present = np.unique(labels)
        return (labels[..., None] == present).astype(np.float32)

    return _reference_with(one_hot=one_hot)


def standardize_ignoring_the_given_statistics():
    """Refits mean and std on the rows it is given: test rows scaled by their own statistics."""

    def standardize(x, mean=None, std=None, axis=0):
        ref.standardize(x, mean=mean, std=std, axis=axis)  # the validation
        return ref.standardize(x, axis=axis)

    return _reference_with(standardize=standardize)


def standardize_per_example():
    """Statistics over axis -1 (each row scaled by its own mean and std) instead of axis 0."""

    def standardize(x, mean=None, std=None, axis=0):
        x_arr = np.asarray(x)
        if mean is not None or x_arr.ndim < 2:
            return ref.standardize(x, mean=mean, std=std, axis=axis)
        ref.standardize(x, axis=axis)  # the validation
        return ref.standardize(x, axis=-1 if axis == 0 else 0)

    return _reference_with(standardize=standardize)


def mean_impute_with_the_global_mean():
    """np.nanmean(x) without an axis: every feature filled with the mean of all values present."""

    def mean_impute(x, mean=None, axis=0):
        if mean is not None:
            return ref.mean_impute(x, mean=mean, axis=axis)
        out = ref.mean_impute(x, axis=axis)  # the validation, and the dtype
        arr = np.asarray(x, dtype=np.float64)
        filled = np.where(np.isnan(arr), np.nanmean(arr), arr)
        return filled.astype(out.dtype)

    return _reference_with(mean_impute=mean_impute)


def one_hot_ignoring_num_classes():
    """k = max label + 1 always: num_classes beyond the labels seen drops the trailing columns."""

    def one_hot(labels, num_classes=None):
        ref.one_hot(labels, num_classes=num_classes)  # the validation
        return ref.one_hot(labels)

    return _reference_with(one_hot=one_hot)


def mean_impute_ignoring_axis():
    """Means over axis 0 whatever axis says: a (features, examples) table gets row means."""

    def mean_impute(x, mean=None, axis=0):
        ref.mean_impute(x, mean=mean, axis=axis)  # the validation
        return ref.mean_impute(x, mean=mean, axis=0) if mean is None else ref.mean_impute(
            x, mean=mean, axis=axis)

    return _reference_with(mean_impute=mean_impute)


def standardize_dividing_by_a_given_zero_std():
    """The sigma = 0 guard only for a computed std: a given std of 0 gives inf and NaN."""

    def standardize(x, mean=None, std=None, axis=0):
        out = ref.standardize(x, mean=mean, std=std, axis=axis)
        if std is None:
            return out
        rows = np.moveaxis(np.asarray(x, np.float64), axis, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (rows - np.asarray(mean, np.float64)) / np.asarray(std, np.float64)
        return np.moveaxis(z, 0, axis).astype(out.dtype)

    return _reference_with(standardize=standardize)


def mean_impute_ignoring_the_given_mean():
    """Fills with the means of the rows given, not the training means passed as mean=."""

    def mean_impute(x, mean=None, axis=0):
        out = ref.mean_impute(x, mean=mean, axis=axis)  # the validation
        try:
            return ref.mean_impute(x, axis=axis)
        except ValueError:  # a feature with every value missing: no mean of its own
            return out

    return _reference_with(mean_impute=mean_impute)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'standardize_with_sample_std': (
        'standardize_gives_zero_mean_and_unit_variance_per_feature',
        'standardize_matches_sklearn_standard_scaler',
        'standardize_is_accurate_for_a_large_mean_and_a_small_spread',
    ),
    'standardize_with_one_pass_variance': (
        'standardize_is_accurate_for_a_large_mean_and_a_small_spread',
    ),
    'standardize_without_a_zero_std_guard': (
        'standardize_maps_a_constant_feature_to_zero',
        'standardize_matches_sklearn_standard_scaler',
    ),
    'mean_impute_counting_missing_values_as_zeros': (
        'mean_impute_matches_sklearn_simple_imputer_and_pandas_fillna',
        'mean_impute_keeps_present_values_and_leaves_the_feature_means_unchanged',
    ),
    'one_hot_over_the_labels_present': (
        'one_hot_matches_keras_to_categorical_pandas_get_dummies_and_sklearn',
    ),
    'standardize_ignoring_the_given_statistics': (
        'standardize_applies_given_training_statistics_to_other_rows',
    ),
    'standardize_per_example': (
        'standardize_gives_zero_mean_and_unit_variance_per_feature',
        'standardize_matches_sklearn_standard_scaler',
    ),
    'mean_impute_with_the_global_mean': (
        'mean_impute_matches_sklearn_simple_imputer_and_pandas_fillna',
        'mean_impute_keeps_present_values_and_leaves_the_feature_means_unchanged',
    ),
    'one_hot_ignoring_num_classes': (
        'one_hot_matches_keras_to_categorical_pandas_get_dummies_and_sklearn',
    ),
    'mean_impute_ignoring_axis': (
        'mean_impute_along_axis_one_is_the_transpose',
    ),
    'standardize_dividing_by_a_given_zero_std': (
        'standardize_applies_given_training_statistics_to_other_rows',
    ),
    'mean_impute_ignoring_the_given_mean': (
        'mean_impute_fills_other_rows_with_given_training_means',
    ),
}
