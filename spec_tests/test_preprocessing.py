"""Properties of tabular preprocessing (docs/contract.md, Preprocessing).

standardize: z = (x - mu) / sigma per feature over the examples axis, sigma the population
standard deviation (ddof 0). A constant feature has sigma = 0, replaced by 1, so its z = x - mu is
0 up to the rounding of mu: the properties accept that rounding (the mean implied by the output,
x - z, must equal the feature's value within the dtype's tolerance), so scikit-learn's
StandardScaler (which returns e.g. -1.1e-13 there) conforms; tfref and the NumPy reference
return exact zeros, which the contract allows but does not require.
mean_impute: each NaN replaced by its feature's mean over the values present.
one_hot: row y of the k x k identity for each label y.
Oracles: scikit-learn ``StandardScaler``, ``SimpleImputer(strategy="mean")`` and
``OneHotEncoder``, pandas ``fillna(mean)`` and ``get_dummies``, ``keras.utils.to_categorical``
(through tf_oracle, in a helper process).

Tolerances: the dtype's (spec_tests/tolerances.py). A standardised feature splits into its shape,
z - mean(z) = (x - mean(x)) / sigma, which every sound algorithm gets to a few roundings whatever
the data (a subtraction is exact to one rounding of its result), and its location, mean(z),
which carries the rounding of mu relative to sigma: about eps * kappa, kappa = max|x_j| / sigma_j
the feature's condition. The shape is compared with the dtype's tolerance as it is; the location
with atol * kappa, and the strategies draw kappa <= ``MAX_CONDITION`` (1e3 for float32, 1e6 for
float64; a feature beyond is made constant), so that atol stays below 2e-2 and 1e-5. The
cancellation properties draw features of large mean and small spread at kappa near that bound:
there E[x^2] - E[x]^2 loses about eps * kappa^2 of the variance, and the shape check sees it.
An imputed mean is a sum of at most 30 values, whose rounding is bounded by n eps times the mean
magnitude (Higham, Accuracy and Stability, 4.2): atol is scaled by max(1, mean |x_j|), at most
1e3 by the strategies.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tf_oracle import tf_oracle
from spec_tests.tolerances import assert_close, tolerance

MAX_CONDITION = {np.dtype(np.float32): 1e3, np.dtype(np.float64): 1e6}
MAX_ABS = 1e3  # the largest magnitude a table holds

# --- strategies ---------------------------------------------------------------------------------


def _condition(x: np.ndarray) -> np.ndarray:
    """kappa_j = max|x_j| / sigma_j per feature in float64 (inf for a constant feature)."""
    x = x.astype(np.float64)
    constant = (x == x[0]).all(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.abs(x).max(axis=0) / x.std(axis=0)
    return np.where(constant, np.inf, np.maximum(kappa, 1.0))


def _bound_condition(x: np.ndarray) -> np.ndarray:
    """Make every feature whose condition exceeds MAX_CONDITION constant (its first value)."""
    x = x.copy()
    beyond = ~(_condition(x) <= MAX_CONDITION[x.dtype])
    x[:, beyond] = x[0, beyond]
    return x


@st.composite
def offset_features(draw, dtype, rows, min_condition=1.0):
    """A feature of large mean and small spread: m + s u, |m| in [1, 1e3], s = |m| / kappa with
    kappa drawn log-uniformly between ``min_condition`` and the dtype's MAX_CONDITION."""
    m = draw(st.floats(1.0, MAX_ABS)) * draw(st.sampled_from([-1.0, 1.0]))
    top = np.log10(MAX_CONDITION[np.dtype(dtype)])
    kappa = 10 ** draw(st.floats(np.log10(min_condition), top))
    u = draw(hnp.arrays(np.float64, rows, elements=st.floats(-1.0, 1.0)))
    u[:2] = (-1.0, 1.0)[: min(rows, 2)]  # the spread is s, not less
    return (m + abs(m) / kappa * u).astype(dtype)


@st.composite
def tables(draw, dtype=None, features=None, min_rows=1, max_rows=30, max_features=5,
           conditioned=False):
    """A (rows, features) float table, entries in [-1e3, 1e3]; some features constant, some of
    large mean and small spread. With ``conditioned`` each feature's condition is at most
    MAX_CONDITION (else it is made constant)."""
    dtype = np.dtype(dtype or draw(strategies.dtypes()))
    rows = draw(st.integers(min_rows, max_rows))
    features = features or draw(st.integers(1, max_features))
    x = draw(hnp.arrays(dtype, (rows, features), elements=strategies.finite_floats(dtype)))
    kinds = draw(st.lists(st.sampled_from(["any", "constant", "offset"]), min_size=features,
                          max_size=features))
    for j, kind in enumerate(kinds):
        if kind == "constant":
            x[:, j] = x[0, j]
        elif kind == "offset" and rows >= 2:
            x[:, j] = draw(offset_features(dtype, rows))
    return _bound_condition(x) if conditioned else x


@st.composite
def cancellation_tables(draw, dtype=None):
    """Tables whose every feature has a large mean and a small spread: condition within a factor
    100 of MAX_CONDITION, where E[x^2] - E[x]^2 cancels."""
    dtype = np.dtype(dtype or draw(strategies.dtypes()))
    rows, features = draw(st.integers(2, 30)), draw(st.integers(1, 4))
    minimum = MAX_CONDITION[dtype] / 100
    columns = [draw(offset_features(dtype, rows, min_condition=minimum)) for _ in range(features)]
    return _bound_condition(np.stack(columns, axis=1))


@st.composite
def constant_tables(draw, dtype=None):
    """Tables with at least one constant feature of a value whose mean rounds: c = k / 10."""
    dtype = np.dtype(dtype or draw(strategies.dtypes()))
    x = draw(tables(dtype=dtype, conditioned=True))
    j = draw(st.integers(0, x.shape[1] - 1))
    x[:, j] = dtype.type(draw(st.integers(-10_000, 10_000)) / 10)
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


# --- oracles and checks -------------------------------------------------------------------------


@tf_oracle
def keras_to_categorical(labels, num_classes):
    """``keras.utils.to_categorical(labels, num_classes)`` as a NumPy array."""
    import keras

    return np.asarray(keras.utils.to_categorical(labels, num_classes))


def _standard_scaler(x: np.ndarray) -> np.ndarray:
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(x.astype(np.float64))


def _assert_standardized(z, x, what):
    """z is x standardised feature by feature: StandardScaler's shape and location (module
    docstring), and a constant feature 0 up to the rounding of its mean."""
    z = np.asarray(z, dtype=np.float64)
    if z.shape != x.shape:
        assert_close(z, x, dtype=x.dtype, what=f"{what}: the shape of the result")
    expected, kappa = _standard_scaler(x), _condition(x)
    for j in range(x.shape[1]):
        if np.isinf(kappa[j]):
            _assert_constant_feature_is_zero(z[:, j], x[:, j], f"{what}, constant feature {j}")
            continue
        assert kappa[j] <= MAX_CONDITION[x.dtype], f"strategy error: condition {kappa[j]:.3g}"
        assert_close(z[:, j] - z[:, j].mean(), expected[:, j] - expected[:, j].mean(),
                     dtype=x.dtype, what=f"{what}, feature {j}: z - mean(z) vs StandardScaler's")
        assert_close(z[:, j].mean(), expected[:, j].mean(), dtype=x.dtype,
                     atol=tolerance(x.dtype)["atol"] * kappa[j],
                     what=f"{what}, feature {j} (condition {kappa[j]:.3g}): mean(z) vs "
                          "StandardScaler's (0 up to rounding)")


def _assert_constant_feature_is_zero(z, column, what):
    """z = c - mu_hat: the implied mean c - z must be c within the dtype's tolerance."""
    column64 = column.astype(np.float64)
    assert_close(column64 - z, column64, dtype=column.dtype,
                 what=f"{what}: the mean implied by z (x - z) vs the feature's value, "
                      "i.e. z = 0 up to the rounding of the mean")


def _impute_atol(x: np.ndarray) -> float:
    """atol for an imputed mean: the dtype's, times max(1, the largest mean magnitude)."""
    magnitude = np.nanmean(np.abs(x.astype(np.float64)), axis=0)
    return tolerance(x.dtype)["atol"] * max(1.0, float(np.nanmax(magnitude, initial=0.0)))


# --- standardize --------------------------------------------------------------------------------


@spec_property(requires=["standardize"], x=tables(conditioned=True))
def test_standardize_gives_zero_mean_and_unit_variance_per_feature(impl, x):
    """Non-constant features: mean 0 and population variance 1; a constant feature: 0."""
    z = np.asarray(impl.standardize(x), dtype=np.float64)
    assert z.shape == x.shape, f"standardize returned shape {z.shape} for x of shape {x.shape}"
    kappa = _condition(x)
    for j in range(x.shape[1]):
        if np.isinf(kappa[j]):
            _assert_constant_feature_is_zero(z[:, j], x[:, j], f"standardize, feature {j}")
            continue
        assert_close(z[:, j].mean(), 0.0, dtype=x.dtype, atol=tolerance(x.dtype)["atol"] * kappa[j],
                     what=f"standardize: mean of feature {j} (condition {kappa[j]:.3g})")
        assert_close(z[:, j].std(), 1.0, dtype=x.dtype,
                     what=f"standardize: population standard deviation of feature {j}")


@spec_property(requires=["standardize"],
               oracle={"standardize": "sklearn.preprocessing.StandardScaler().fit_transform"},
               x=tables(conditioned=True))
def test_standardize_matches_sklearn_standard_scaler(impl, x):
    _assert_standardized(impl.standardize(x), x, "standardize vs StandardScaler")


@spec_property(requires=["standardize"],
               oracle={"standardize": "sklearn.preprocessing.StandardScaler on data of large "
                                      "mean and small spread"},
               x=cancellation_tables())
def test_standardize_is_accurate_for_a_large_mean_and_a_small_spread(impl, x):
    """E[x^2] - E[x]^2 cancels here (it loses eps * condition^2 of the variance)."""
    _assert_standardized(impl.standardize(x), x, "standardize of a large mean, small spread")


@spec_property(requires=["standardize"],
               oracle={"standardize": "closed form: a constant feature standardises to 0"},
               x=constant_tables())
def test_standardize_maps_a_constant_feature_to_zero(impl, x):
    """sigma = 0 divides by 1: z = x - mu = 0, up to the rounding of mu (not +-1, not NaN)."""
    _assert_standardized(impl.standardize(x), x, "standardize")


@spec_property(requires=["standardize"], tables=train_test_tables())
def test_standardize_applies_given_training_statistics_to_other_rows(impl, tables):
    """Statistics fitted on the training rows, applied to the test rows as given: (x - mu) / sigma
    rounds twice, whatever the data, so the dtype's tolerance applies as it is."""
    from sklearn.preprocessing import StandardScaler

    train, test = tables
    scaler = StandardScaler().fit(train.astype(np.float64))
    mean, std = scaler.mean_.astype(train.dtype), scaler.scale_.astype(train.dtype)
    mean64, std64 = mean.astype(np.float64), std.astype(np.float64)
    expected = (test.astype(np.float64) - mean64) / std64
    actual = impl.standardize(test, mean=mean, std=std)
    assert_close(actual, expected, dtype=test.dtype,
                 what="standardize(test, training mean, training std) vs (x - mu) / sigma")
    if train.dtype == np.float64:
        assert_close(actual, scaler.transform(test), dtype=test.dtype,
                     what="standardize(test, ...) vs StandardScaler.fit(train).transform(test)")
    zero_std = std.copy()
    zero_std[0] = 0
    assert_close(impl.standardize(test, mean=mean, std=zero_std)[:, 0],
                 test.astype(np.float64)[:, 0] - mean64[0], dtype=test.dtype,
                 what="standardize with a given sigma of 0: divides by 1, (x - mu)")


@spec_property(requires=["standardize"],
               oracle={"standardize": "sklearn.preprocessing.StandardScaler of the transpose"},
               x=tables(min_rows=2, conditioned=True))
def test_standardize_along_axis_one_is_the_transpose(impl, x):
    _assert_standardized(np.asarray(impl.standardize(x.T, axis=1)).T, x,
                         "standardize(x.T, axis=1).T vs StandardScaler(x)")
    _assert_standardized(np.asarray(impl.standardize(x.T, axis=-1)).T, x,
                         "standardize(x.T, axis=-1).T vs StandardScaler(x)")


@spec_property(requires=["standardize"], x=tables(min_rows=2, max_rows=6), data=st.data())
def test_standardize_rejects_missing_values(impl, x, data):
    row = data.draw(st.integers(0, x.shape[0] - 1), label="row")
    column = data.draw(st.integers(0, x.shape[1] - 1), label="column")
    with_nan = x.copy()
    with_nan[row, column] = np.nan
    expect_value_error(lambda: impl.standardize(with_nan), "x",
                       rule="standardize of x with a NaN (impute missing values first)")


@spec_property(requires=["standardize"], x=tables(min_rows=2, max_rows=6), data=st.data())
def test_standardize_rejects_a_negative_std(impl, x, data):
    column = data.draw(st.integers(0, x.shape[1] - 1), label="column")
    mean = np.zeros(x.shape[1], dtype=x.dtype)
    std = np.ones(x.shape[1], dtype=x.dtype)
    std[column] = -1
    expect_value_error(lambda: impl.standardize(x, mean=mean, std=std), "std",
                       rule="standardize with a negative std (a standard deviation is >= 0)")


@spec_property(requires=["standardize"], x=tables(min_rows=2, max_rows=6))
def test_standardize_rejects_statistics_of_the_wrong_shape(impl, x):
    mean = np.zeros(x.shape[1] + 1, dtype=x.dtype)
    std = np.ones(x.shape[1] + 1, dtype=x.dtype)
    expect_value_error(lambda: impl.standardize(x, mean=mean, std=std), one_of=("mean", "std"),
                       rule=f"standardize with mean and std of {x.shape[1] + 1} features for x of "
                            f"{x.shape[1]} (they must have x's shape without the examples axis)")


@spec_property(requires=["standardize"], x=tables(min_rows=2, max_rows=6))
def test_standardize_rejects_a_mean_without_a_std(impl, x):
    mean = np.zeros(x.shape[1], dtype=x.dtype)
    expect_value_error(lambda: impl.standardize(x, mean=mean), "mean", "std",
                       rule="standardize with mean given but not std (give both or neither)")


# --- mean_impute --------------------------------------------------------------------------------


@spec_property(requires=["mean_impute"],
               oracle={"mean_impute": 'sklearn.impute.SimpleImputer(strategy="mean") and pandas '
                                      "fillna(mean())"},
               data=tables_with_missing())
def test_mean_impute_matches_sklearn_simple_imputer_and_pandas_fillna(impl, data):
    import pandas as pd
    from sklearn.impute import SimpleImputer

    x, _ = data
    filled = impl.mean_impute(x)
    x64 = x.astype(np.float64)
    atol = _impute_atol(x)
    assert_close(filled, SimpleImputer(strategy="mean").fit_transform(x64), dtype=x.dtype, atol=atol,
                 what='mean_impute vs SimpleImputer(strategy="mean")')
    frame = pd.DataFrame(x64)
    assert_close(filled, frame.fillna(frame.mean()).to_numpy(), dtype=x.dtype, atol=atol,
                 what="mean_impute vs pandas DataFrame.fillna(DataFrame.mean())")


@spec_property(requires=["mean_impute"], data=tables_with_missing())
def test_mean_impute_keeps_present_values_and_leaves_the_feature_means_unchanged(impl, data):
    x, missing = data
    filled = np.asarray(impl.mean_impute(x), dtype=np.float64)
    assert filled.shape == x.shape, f"mean_impute returned shape {filled.shape} for {x.shape}"
    assert not np.isnan(filled).any(), f"mean_impute left a NaN:\n x={x}\n filled={filled}"
    assert np.array_equal(filled[~missing], x[~missing].astype(np.float64)), (
        f"mean_impute changed a value present:\n x={x}\n filled={filled}")
    assert_close(filled.mean(axis=0), np.nanmean(x.astype(np.float64), axis=0), dtype=x.dtype,
                 atol=_impute_atol(x),
                 what="mean_impute: feature means after imputation vs the means of the values "
                      "present")


@spec_property(requires=["mean_impute"],
               oracle={"mean_impute": 'sklearn.impute.SimpleImputer(strategy="mean") of the '
                                      "transpose"},
               data=tables_with_missing())
def test_mean_impute_along_axis_one_is_the_transpose(impl, data):
    """A (features, examples) table with axis=1 (or -1) is filled as its transpose with axis 0:
    each NaN gets the mean of its own row, not of its column."""
    from sklearn.impute import SimpleImputer

    x, _ = data
    # a complete extra feature: every example has a value present, so a mean taken along the
    # wrong axis is a number (a wrong one), not the error of a feature with every value missing
    x = np.concatenate([x, np.linspace(-1.0, 1.0, len(x), dtype=x.dtype)[:, None]], axis=1)
    expected = SimpleImputer(strategy="mean").fit_transform(x.astype(np.float64))
    for axis in (1, -1):
        filled = np.asarray(impl.mean_impute(x.T, axis=axis)).T
        assert_close(filled, expected, dtype=x.dtype, atol=_impute_atol(x),
                     what=f'mean_impute(x.T, axis={axis}).T vs SimpleImputer(strategy="mean")(x)')


@spec_property(requires=["mean_impute"],
               oracle={"mean_impute": "sklearn.impute.SimpleImputer.fit(train).transform(test)"},
               tables=train_test_tables(with_missing=True))
def test_mean_impute_fills_other_rows_with_given_training_means(impl, tables):
    """A test feature with every value missing is fine when the training means are given."""
    from sklearn.impute import SimpleImputer

    train, test = tables
    imputer = SimpleImputer(strategy="mean").fit(train.astype(np.float64))
    means = imputer.statistics_.astype(train.dtype)
    filled = impl.mean_impute(test, mean=means)
    expected = np.where(np.isnan(test), means[None, :], test).astype(np.float64)
    assert_close(filled, expected, dtype=test.dtype,
                 what="mean_impute(test, mean=training means) vs the means filled in")
    if train.dtype == np.float64:
        assert_close(filled, imputer.transform(test), dtype=test.dtype,
                     what="mean_impute(test, ...) vs SimpleImputer.fit(train).transform(test)")


@spec_property(requires=["mean_impute"], x=tables(max_rows=6), data=st.data())
def test_mean_impute_rejects_a_feature_with_every_value_missing(impl, x, data):
    column = data.draw(st.integers(0, x.shape[1] - 1), label="column")
    x = x.copy()
    x[:, column] = np.nan
    expect_value_error(lambda: impl.mean_impute(x), "x",
                       rule=f"mean_impute of x whose feature {column} is all NaN (its mean is "
                            "undefined without mean=)")


@spec_property(requires=["mean_impute"], x=tables(max_rows=6))
def test_mean_impute_rejects_means_of_the_wrong_shape(impl, x):
    means = np.zeros(x.shape[1] + 1, dtype=x.dtype)
    expect_value_error(lambda: impl.mean_impute(x, mean=means), "mean",
                       rule=f"mean_impute with {x.shape[1] + 1} means for {x.shape[1]} features "
                            "(mean must have x's shape without the examples axis)")


# --- one_hot ------------------------------------------------------------------------------------


@spec_property(requires=["one_hot"], settings={"deadline": None},  # the first call starts TF
               oracle={"one_hot": "keras.utils.to_categorical, pandas get_dummies and sklearn "
                                  "OneHotEncoder"},
               labels=strategies.labels(), extra=st.integers(0, 3))
def test_one_hot_matches_keras_to_categorical_pandas_get_dummies_and_sklearn(impl, labels, extra):
    import pandas as pd
    from sklearn.preprocessing import OneHotEncoder

    labels, k = labels
    num_classes = k + extra  # classes that no label uses still get a column
    encoded = np.asarray(impl.one_hot(labels, num_classes=num_classes), dtype=np.float64)
    expected = keras_to_categorical(labels, num_classes)
    assert encoded.shape == expected.shape and np.array_equal(encoded, expected), (
        f"one_hot(num_classes={num_classes}) differs from keras.utils.to_categorical:\n"
        f" labels={labels}\n one_hot={encoded}\n keras={expected}")
    dummies = pd.get_dummies(pd.Categorical(labels, categories=range(num_classes)))
    assert np.array_equal(encoded, dummies.to_numpy(dtype=np.float64)), (
        f"one_hot(num_classes={num_classes}) differs from pandas get_dummies:\n labels={labels}")
    encoder = OneHotEncoder(categories=[list(range(num_classes))], sparse_output=False)
    assert np.array_equal(encoded, encoder.fit_transform(labels.reshape(-1, 1))), (
        f"one_hot(num_classes={num_classes}) differs from sklearn OneHotEncoder:\n labels={labels}")
    default = np.asarray(impl.one_hot(labels), dtype=np.float64)
    expected = keras_to_categorical(labels, None)
    assert default.shape == expected.shape and np.array_equal(default, expected), (
        "one_hot without num_classes must use max label + 1 columns, as to_categorical:\n"
        f" labels={labels}\n one_hot={default}\n keras={expected}")


@spec_property(requires=["one_hot"], labels=labels_of_any_shape())
def test_one_hot_rows_sum_to_one_and_argmax_recovers_the_labels(impl, labels):
    labels, k = labels
    encoded = np.asarray(impl.one_hot(labels, num_classes=k), dtype=np.float64)
    assert encoded.shape == (*labels.shape, k), (
        f"one_hot returned shape {encoded.shape} for labels of shape {labels.shape}, k={k}")
    assert np.isin(encoded, (0.0, 1.0)).all(), f"one_hot has entries other than 0 and 1: {encoded}"
    assert np.array_equal(encoded.sum(axis=-1), np.ones(labels.shape)), (
        f"one_hot rows do not sum to 1: {encoded.sum(axis=-1)}")
    assert np.array_equal(encoded.argmax(axis=-1), labels), (
        f"argmax of one_hot is not the label:\n labels={labels}\n argmax={encoded.argmax(axis=-1)}")


@spec_property(requires=["one_hot"], labels=strategies.labels(), beyond=st.integers(0, 5))
def test_one_hot_rejects_labels_out_of_range(impl, labels, beyond):
    labels, k = labels
    too_large = labels.copy()
    too_large[0] = k + beyond
    expect_value_error(lambda: impl.one_hot(too_large, num_classes=k), "labels",
                       rule=f"one_hot with label {k + beyond} and num_classes={k} (labels must "
                            f"be in 0..{k - 1})")
    negative = labels.copy()
    negative[-1] = -1 - beyond
    expect_value_error(lambda: impl.one_hot(negative), "labels",
                       rule=f"one_hot with the negative label {-1 - beyond} (labels are >= 0)")


@spec_property(requires=["one_hot"], labels=strategies.labels())
def test_one_hot_rejects_fractional_labels(impl, labels):
    labels, _ = labels
    fractional = labels.astype(np.float64)
    fractional[0] += 0.5
    expect_value_error(lambda: impl.one_hot(fractional), "labels",
                       rule=f"one_hot with the label {fractional[0]} (labels are whole numbers)")


@spec_property(requires=["one_hot"], labels=strategies.labels(),
               num_classes=st.sampled_from([0, -1, 1.5]))
def test_one_hot_rejects_num_classes_below_one_or_fractional(impl, labels, num_classes):
    labels, _ = labels
    expect_value_error(lambda: impl.one_hot(labels, num_classes=num_classes), "num_classes",
                       rule=f"one_hot with num_classes={num_classes} (a whole number >= 1)")
