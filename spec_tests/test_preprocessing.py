"""Properties of tabular preprocessing (docs/contract.md, Preprocessing).

standardize: z = (x - mu) / sigma per feature over the examples axis, sigma the population
standard deviation (ddof 0), a constant feature (sigma = 0) centred to exact zeros.
mean_impute: each NaN replaced by its feature's mean over the values present.
one_hot: row y of the k x k identity for each label y.
Oracles: scikit-learn ``StandardScaler`` and ``SimpleImputer(strategy="mean")``, pandas
``fillna(mean)`` and ``get_dummies``, ``keras.utils.to_categorical`` and float64 formulas.

Tolerances: a standardised value carries the rounding of x and mu relative to sigma, so its
error scales with the feature's condition max(1, max abs(x_j) / sigma_j) (as for EWMA, atol is
scaled by it); an imputed mean's error scales with max abs(x_j).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close, tolerance

# --- strategies ---------------------------------------------------------------------------------


@st.composite
def tables(draw, dtype=None, features=None, min_rows=1, max_rows=30, max_features=5):
    """A (rows, features) float table with bounded finite entries; some features constant."""
    dtype = dtype or draw(strategies.dtypes())
    rows = draw(st.integers(min_rows, max_rows))
    features = features or draw(st.integers(1, max_features))
    x = draw(hnp.arrays(dtype, (rows, features), elements=strategies.finite_floats(dtype)))
    constant = draw(hnp.arrays(np.bool_, features))
    x[:, constant] = x[0, constant]  # each chosen feature repeats its first value
    return x


@st.composite
def tables_with_missing(draw, dtype=None, features=None, every_feature_present=True, **kwargs):
    """``(x, missing)``: a table with NaN where ``missing`` is True.

    With ``every_feature_present`` each feature keeps at least one value, so its mean exists.
    """
    x = draw(tables(dtype=dtype, features=features, **kwargs))
    missing = draw(hnp.arrays(np.bool_, x.shape))
    if every_feature_present:
        keep = draw(hnp.arrays(np.int64, x.shape[1], elements=st.integers(0, x.shape[0] - 1)))
        missing[keep, np.arange(x.shape[1])] = False
    x = x.copy()
    x[missing] = np.nan
    return x, missing


@st.composite
def train_test_tables(draw, with_missing=False):
    """Two tables with the same features and dtype: fit statistics on one, apply to the other."""
    dtype = draw(strategies.dtypes())
    features = draw(st.integers(1, 5))
    if with_missing:
        train, _ = draw(tables_with_missing(dtype=dtype, features=features))
        test, _ = draw(tables_with_missing(dtype=dtype, features=features,
                                           every_feature_present=False))
        return train, test
    return draw(tables(dtype=dtype, features=features)), draw(tables(dtype=dtype, features=features))


@st.composite
def labels_of_any_shape(draw, max_classes=6):
    """``(labels, k)``: int64 labels 0..k-1 in an array of 1 to 3 axes."""
    k = draw(st.integers(1, max_classes))
    shape = draw(strategies.shapes(min_dims=1, max_dims=3, max_side=5))
    return draw(hnp.arrays(np.int64, shape, elements=st.integers(0, k - 1))), k


# --- helpers ------------------------------------------------------------------------------------


def _condition(x: np.ndarray) -> np.ndarray:
    """max(1, max abs(x_j) / sigma_j) per feature (1 for a constant feature), in float64."""
    x = x.astype(np.float64)
    sigma = x.std(axis=0)
    constant = (x == x[0]).all(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(constant, 1.0, np.abs(x).max(axis=0) / sigma)
    return np.maximum(1.0, ratio)


def _atol_per_feature(x: np.ndarray, condition: np.ndarray) -> np.ndarray:
    return np.broadcast_to(tolerance(x.dtype)["atol"] * condition, x.shape)


def _assert_close_per_feature(actual, expected, x, condition, what):
    """assert_close with atol scaled feature by feature (see the module docstring)."""
    atol = _atol_per_feature(x, condition)
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    for j in range(x.shape[1]):
        assert_close(actual[:, j], expected[:, j], dtype=x.dtype, atol=float(atol[0, j]),
                     what=f"{what}, feature {j}")


def _nan_means(x: np.ndarray) -> np.ndarray:
    return np.nanmean(x.astype(np.float64), axis=0)


# --- standardize --------------------------------------------------------------------------------


@spec_property(requires=["standardize"], x=tables())
def test_standardize_gives_zero_mean_and_unit_variance_per_feature(impl, x):
    """Non-constant features: mean 0 and population variance 1; a constant feature: zeros."""
    z = impl.standardize(x)
    assert z.shape == x.shape and z.dtype == x.dtype, f"standardize: {z.dtype}{z.shape} for {x.dtype}{x.shape}"
    condition = _condition(x)
    constant = (x == x[0]).all(axis=0)
    z64 = z.astype(np.float64)
    for j in range(x.shape[1]):
        atol = tolerance(x.dtype)["atol"] * condition[j]
        if constant[j]:
            assert np.all(z64[:, j] == 0), f"constant feature {j} standardised to {z64[:, j]}, not 0"
            continue
        assert_close(z64[:, j].mean(), 0.0, dtype=x.dtype, atol=atol, what=f"mean of feature {j}")
        assert_close(z64[:, j].std(), 1.0, dtype=x.dtype, atol=atol,
                     what=f"population standard deviation of feature {j}")


@spec_property(requires=["standardize"], x=tables())
def test_standardize_matches_sklearn_standard_scaler(impl, x):
    from sklearn.preprocessing import StandardScaler

    condition = _condition(x)
    assume(np.all(condition < 1e6))  # nearly constant features: scikit-learn's own cut-off rules
    expected = StandardScaler().fit_transform(x.astype(np.float64))
    _assert_close_per_feature(impl.standardize(x), expected, x, condition,
                              "standardize vs StandardScaler().fit_transform")


@spec_property(requires=["standardize"], tables=train_test_tables())
def test_standardize_applies_given_training_statistics_to_other_rows(impl, tables):
    """Statistics fitted on the training rows, applied to the test rows as given."""
    from sklearn.preprocessing import StandardScaler

    train, test = tables
    scaler = StandardScaler().fit(train.astype(np.float64))
    mean, std = scaler.mean_.astype(train.dtype), scaler.scale_.astype(train.dtype)
    spread = np.abs(test.astype(np.float64)).max(axis=0) + np.abs(mean.astype(np.float64))
    condition = np.maximum(1.0, spread / std.astype(np.float64))
    expected = (test.astype(np.float64) - mean.astype(np.float64)) / std.astype(np.float64)
    _assert_close_per_feature(impl.standardize(test, mean=mean, std=std), expected, test, condition,
                              "standardize(test, training mean, training std) vs (x - mu) / sigma")
    if train.dtype == np.float64:
        _assert_close_per_feature(impl.standardize(test, mean=mean, std=std),
                                  scaler.transform(test), test, condition,
                                  "standardize(test, ...) vs StandardScaler.fit(train).transform(test)")
    zero_std = std.copy()
    zero_std[0] = 0
    centred = test.astype(np.float64)[:, 0] - mean.astype(np.float64)[0]
    assert_close(impl.standardize(test, mean=mean, std=zero_std)[:, 0], centred, dtype=test.dtype,
                 atol=tolerance(test.dtype)["atol"] * max(1.0, float(spread[0])),
                 what="a given sigma of 0 divides by 1 (x - mu)")


@spec_property(requires=["standardize"], x=tables(min_rows=2))
def test_standardize_along_axis_one_is_the_transpose(impl, x):
    condition = _condition(x)
    along_rows = impl.standardize(x)
    _assert_close_per_feature(impl.standardize(x.T, axis=1).T, along_rows, x, condition,
                              "standardize(x.T, axis=1).T vs standardize(x)")
    _assert_close_per_feature(impl.standardize(x.T, axis=-1).T, along_rows, x, condition,
                              "standardize(x.T, axis=-1).T vs standardize(x)")


@spec_property(requires=["standardize"], x=tables(min_rows=2, max_rows=6), data=st.data())
def test_standardize_rejects_missing_values_negative_std_and_misshapen_statistics(impl, x, data):
    row, column = data.draw(st.integers(0, x.shape[0] - 1)), data.draw(st.integers(0, x.shape[1] - 1))
    with_nan = x.copy()
    with_nan[row, column] = np.nan
    expect_value_error(lambda: impl.standardize(with_nan), "x", rule="standardize of x with a NaN")
    mean = x.astype(np.float64).mean(axis=0).astype(x.dtype)
    std = np.ones(x.shape[1], dtype=x.dtype)
    negative = std.copy()
    negative[column] = -1
    expect_value_error(lambda: impl.standardize(x, mean=mean, std=negative), "std",
                       rule="standardize with a negative std")
    expect_value_error(lambda: impl.standardize(x, mean=np.append(mean, 0), std=np.append(std, 1)),
                       one_of=("mean", "std"), rule="standardize with statistics of the wrong shape")
    expect_value_error(lambda: impl.standardize(x, mean=mean), "mean", "std",
                       rule="standardize with mean given but not std")


# --- mean_impute --------------------------------------------------------------------------------


@spec_property(requires=["mean_impute"], data=tables_with_missing())
def test_mean_impute_matches_sklearn_simple_imputer_and_pandas_fillna(impl, data):
    import pandas as pd
    from sklearn.impute import SimpleImputer

    x, _ = data
    filled = impl.mean_impute(x)
    assert filled.shape == x.shape and filled.dtype == x.dtype, f"mean_impute: {filled.dtype}{filled.shape}"
    x64 = x.astype(np.float64)
    atol = tolerance(x.dtype)["atol"] * max(1.0, float(np.nanmax(np.abs(x64))))
    assert_close(filled, SimpleImputer(strategy="mean").fit_transform(x64), dtype=x.dtype, atol=atol,
                 what='mean_impute vs SimpleImputer(strategy="mean")')
    frame = pd.DataFrame(x64)
    assert_close(filled, frame.fillna(frame.mean()).to_numpy(), dtype=x.dtype, atol=atol,
                 what="mean_impute vs pandas DataFrame.fillna(DataFrame.mean())")


@spec_property(requires=["mean_impute"], data=tables_with_missing())
def test_mean_impute_keeps_present_values_and_leaves_the_feature_means_unchanged(impl, data):
    x, missing = data
    filled = impl.mean_impute(x)
    assert not np.isnan(filled).any(), "mean_impute left a NaN"
    assert np.array_equal(filled[~missing], x[~missing]), "mean_impute changed a value present"
    atol = tolerance(x.dtype)["atol"] * max(1.0, float(np.nanmax(np.abs(x.astype(np.float64)))))
    assert_close(filled.astype(np.float64).mean(axis=0), _nan_means(x), dtype=x.dtype, atol=atol,
                 what="feature means after imputation vs the means of the values present")


@spec_property(requires=["mean_impute"], tables=train_test_tables(with_missing=True))
def test_mean_impute_fills_other_rows_with_given_training_means(impl, tables):
    """A test feature with every value missing is fine when the training means are given."""
    from sklearn.impute import SimpleImputer

    train, test = tables
    imputer = SimpleImputer(strategy="mean").fit(train.astype(np.float64))
    means = imputer.statistics_.astype(train.dtype)
    filled = impl.mean_impute(test, mean=means)
    expected = np.where(np.isnan(test), means[None, :], test).astype(np.float64)
    assert_close(filled, expected, dtype=test.dtype, what="mean_impute(test, mean=training means)")
    if train.dtype == np.float64:
        assert_close(filled, imputer.transform(test), dtype=test.dtype,
                     what="mean_impute(test, ...) vs SimpleImputer.fit(train).transform(test)")


@spec_property(requires=["mean_impute"], x=tables(max_rows=6), data=st.data())
def test_mean_impute_rejects_a_feature_with_every_value_missing(impl, x, data):
    column = data.draw(st.integers(0, x.shape[1] - 1))
    x = x.copy()
    x[:, column] = np.nan
    expect_value_error(lambda: impl.mean_impute(x), "x", rule="mean_impute of an all-NaN feature")
    means = np.zeros(x.shape[1] + 1, dtype=x.dtype)
    expect_value_error(lambda: impl.mean_impute(x, mean=means), "mean",
                       rule="mean_impute with means of the wrong shape")


# --- one_hot ------------------------------------------------------------------------------------


@spec_property(requires=["one_hot"], labels=strategies.labels(), extra=st.integers(0, 3))
def test_one_hot_matches_keras_to_categorical_and_pandas_get_dummies(impl, labels, extra):
    import keras
    import pandas as pd

    labels, k = labels
    num_classes = k + extra  # classes that no label uses still get a column
    encoded = impl.one_hot(labels, num_classes=num_classes)
    expected = keras.utils.to_categorical(labels, num_classes)
    assert encoded.shape == expected.shape, f"one_hot shape {encoded.shape} != {expected.shape}"
    assert np.array_equal(encoded, expected), "one_hot differs from keras.utils.to_categorical"
    dummies = pd.get_dummies(pd.Categorical(labels, categories=range(num_classes)))
    assert np.array_equal(encoded, dummies.to_numpy(dtype=np.float64)), "one_hot differs from get_dummies"
    assert np.array_equal(impl.one_hot(labels), keras.utils.to_categorical(labels)), (
        "one_hot without num_classes must use max label + 1 columns, as to_categorical")


@spec_property(requires=["one_hot"], labels=labels_of_any_shape())
def test_one_hot_rows_sum_to_one_and_argmax_recovers_the_labels(impl, labels):
    labels, k = labels
    encoded = impl.one_hot(labels, num_classes=k)
    assert encoded.shape == (*labels.shape, k), f"one_hot shape {encoded.shape}, labels {labels.shape}"
    assert np.isin(encoded, (0.0, 1.0)).all(), "one_hot has entries other than 0 and 1"
    assert np.array_equal(encoded.sum(axis=-1), np.ones(labels.shape)), "one_hot rows do not sum to 1"
    assert np.array_equal(encoded.argmax(axis=-1), labels), "argmax of one_hot is not the label"


@spec_property(requires=["one_hot"], labels=strategies.labels(), beyond=st.integers(0, 5))
def test_one_hot_rejects_labels_out_of_range(impl, labels, beyond):
    labels, k = labels
    too_large = labels.copy()
    too_large[0] = k + beyond
    expect_value_error(lambda: impl.one_hot(too_large, num_classes=k), "labels",
                       rule=f"one_hot with label {k + beyond} and num_classes={k}")
    negative = labels.copy()
    negative[-1] = -1 - beyond
    expect_value_error(lambda: impl.one_hot(negative), "labels", rule="one_hot with a negative label")
    fractional = labels.astype(np.float64)
    fractional[0] += 0.5
    expect_value_error(lambda: impl.one_hot(fractional), "labels",
                       rule="one_hot with a non-integer label")
    expect_value_error(lambda: impl.one_hot(labels, num_classes=0), "num_classes",
                       rule="one_hot with num_classes=0")
