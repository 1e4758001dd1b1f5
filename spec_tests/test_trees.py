"""Properties of decision-tree split criteria (docs/contract.md, Trees).

``information_gain(labels, feature_values, base=None)`` = Ent(D) - sum_v |D^v| / |D| Ent(D^v),
natural logarithms unless ``base`` is given; ``gini_impurity(labels)`` = 1 - sum_k p_k^2.
Oracles: ``scipy.stats.entropy`` of the class counts of D and of each D^v (in the requested
base), ``sklearn.metrics.mutual_info_score`` (the information gain is the mutual information of
label and feature, in nats), the published worked table of Zhou's *Machine Learning*
(watermelon 2.0); for Gini a float64 loop over the classes and the root impurity of
scikit-learn's ``DecisionTreeClassifier(criterion="gini")``. Also information theory's bounds
(0 <= Gain <= Ent(D), Gain = Ent(D) when the feature is the label, 0 for a constant feature).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.stats import entropy
from sklearn.metrics import mutual_info_score
from sklearn.tree import DecisionTreeClassifier

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_at_least, assert_close

BASES = st.sampled_from([None, 2, math.e, 10])


def _ln(base) -> float:
    return 1.0 if base is None else math.log(base)


def _entropy64(y: np.ndarray) -> float:
    counts = np.bincount(y).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def _gain64(y: np.ndarray, values: np.ndarray) -> float:
    """Ent(D) - sum_v |D^v|/|D| Ent(D^v) in nats, float64, from a contingency table
    (tests/test_classic_b.py uses it)."""
    _, inverse = np.unique(values, return_inverse=True)
    k = int(y.max()) + 1
    table = np.bincount(inverse * k + y, minlength=(inverse.max() + 1) * k).reshape(-1, k)
    sizes = table.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = table / sizes[:, None]
        child = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=1)
    return _entropy64(y) - float((sizes / sizes.sum() * child).sum())


@st.composite
def splits(draw, max_size=40):
    """``(labels, feature_values)``: k classes, a feature with up to 5 values (float32/64)."""
    labels, _ = draw(strategies.labels(max_size=max_size))
    n_values = draw(st.integers(1, 5))
    dtype = draw(strategies.dtypes())
    codes = draw(hnp.arrays(np.int64, len(labels), elements=st.integers(0, n_values - 1)))
    scale = draw(st.sampled_from([1.0, 0.5, -3.25]))
    return labels, (codes * scale).astype(dtype)


# --- information gain -------------------------------------------------------------------------

@spec_property(requires=["information_gain"], level="maths", split=splits(), base=BASES)
def test_information_gain_is_between_zero_and_the_label_entropy(impl, split, base):
    labels, values = split
    gain = impl.information_gain(labels, values, base=base)
    assert_at_least(gain, 0.0, values.dtype, "Gain(D, a) >= 0")
    assert_at_least(_entropy64(labels) / _ln(base), gain, values.dtype, "Gain(D, a) <= Ent(D)")


@spec_property(requires=["information_gain"], level="maths", split=splits(), base=BASES,
               oracle={"information_gain": "scipy.stats.entropy of the class counts of D and "
                                           "of each D^v, in the requested base"})
def test_information_gain_matches_scipy_stats_entropy(impl, split, base):
    labels, values = split
    whole = entropy(np.bincount(labels), base=base)
    children = sum(np.mean(values == v) * entropy(np.bincount(labels[values == v]), base=base)
                   for v in np.unique(values))
    assert_close(impl.information_gain(labels, values, base=base), whole - children,
                 dtype=values.dtype,
                 what=f"Gain(D, a) vs scipy.stats.entropy (base {base}): "
                      "Ent(D) - sum_v w_v Ent(D^v)")


@spec_property(requires=["information_gain"], level="maths", split=splits(),
               oracle={"information_gain": "sklearn.metrics.mutual_info_score(labels, values)"})
def test_information_gain_in_nats_equals_sklearn_mutual_info_score(impl, split):
    """Ent(D) - Ent(D | a) is the mutual information I(label; a)."""
    labels, values = split
    _, codes = np.unique(values, return_inverse=True)  # the values as categories
    assert_close(impl.information_gain(labels, values), mutual_info_score(labels, codes),
                 dtype=values.dtype, what="Gain(D, a) in nats vs sklearn mutual_info_score")


@spec_property(requires=["information_gain"], level="maths", split=splits(), base=BASES,
               constant=st.floats(-100, 100, allow_subnormal=False))
def test_information_gain_of_a_constant_feature_is_zero(impl, split, base, constant):
    labels, values = split
    same = np.full_like(values, constant)
    assert_close(impl.information_gain(labels, same, base=base), 0.0, dtype=values.dtype,
                 what="Gain of a feature taking one value")


@spec_property(requires=["information_gain"], level="maths", split=splits(), base=BASES)
def test_information_gain_is_largest_for_the_label_itself(impl, split, base):
    """A feature equal to the label leaves pure subsets: Gain = Ent(D), no feature gains more."""
    labels, values = split
    own = impl.information_gain(labels, labels.astype(values.dtype), base=base)
    assert_close(own, _entropy64(labels) / _ln(base), dtype=values.dtype,
                 what="Gain(D, label) = Ent(D)")
    assert_at_least(own, impl.information_gain(labels, values, base=base), values.dtype,
                    "Gain(D, label) >= Gain(D, a)")


@spec_property(requires=["information_gain"], level="maths", split=splits(),
               base=st.sampled_from([2, 3, 10]))
def test_information_gain_in_base_b_is_the_gain_in_nats_over_ln_b(impl, split, base):
    labels, values = split
    nats = impl.information_gain(labels, values).astype(np.float64)
    assert_close(impl.information_gain(labels, values, base=base), nats / math.log(base),
                 dtype=values.dtype, what=f"Gain in base {base}")


@spec_property(requires=["information_gain"], level="maths", split=splits(),
               shift=st.sampled_from([0.0, 7.0, -2.5]), stretch=st.sampled_from([1.0, -1.0, 3.0]))
def test_information_gain_ignores_the_names_of_the_values(impl, split, shift, stretch):
    """Relabelling the feature's values one-to-one (v -> stretch v + shift) keeps the gain."""
    labels, values = split
    renamed = (values.astype(np.float64) * stretch + shift).astype(values.dtype)
    assert_close(impl.information_gain(labels, renamed), impl.information_gain(labels, values),
                 dtype=values.dtype, what="Gain after renaming the values")


# Zhou Zhihua, Machine Learning (2016), Table 4.1 (watermelon 2.0), columns as category codes
# (tfref.classic.tree.WATERMELON_2_ROWS holds the table in words), and the book's gains in bits.
_MELON_GOOD = np.array([1] * 8 + [0] * 9)
_MELON_COLUMNS = {
    "色泽": ([0, 1, 1, 0, 2, 0, 1, 1, 1, 0, 2, 2, 0, 2, 1, 2, 0], 0.109),
    "根蒂": ([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 0, 1, 1, 1, 0, 0], 0.143),
    "敲声": ([0, 1, 0, 1, 0, 0, 0, 0, 1, 2, 2, 0, 0, 1, 0, 0, 1], 0.141),
    "纹理": ([0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 2, 2, 1, 1, 0, 2, 1], 0.381),
    "脐部": ([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 0, 0, 1, 2, 1], 0.289),
    "触感": ([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0], 0.006),
}


@spec_property(requires=["information_gain"], level="maths",
               oracle={"information_gain": "closed form: the root gains of Zhou's Machine "
                                           "Learning, Table 4.1 (watermelon 2.0)"})
def test_information_gain_reproduces_the_watermelon_table(impl):
    """The book's root gains within 0.0015 bits (it rounds Ent(D) = 0.998 before subtracting,
    so its 0.109 for 色泽 is 0.1081 exactly)."""
    for name, (column, published) in _MELON_COLUMNS.items():
        gain = impl.information_gain(_MELON_GOOD, np.array(column, dtype=np.float64), base=2)
        assert_close(gain, published, atol=1.5e-3, rtol=0, what=f"Gain(D, {name}) in bits")


# --- Gini impurity ----------------------------------------------------------------------------

@spec_property(requires=["gini_impurity"], level="maths", labelled=strategies.labels(),
               oracle={"gini_impurity": "float64 loop: 1 - sum over the classes present of "
                                        "(count / n)^2"})
def test_gini_impurity_matches_one_minus_the_sum_of_squared_shares(impl, labelled):
    labels, _ = labelled
    expected, present = 1.0, 0
    for k in range(int(labels.max()) + 1):
        count = sum(1 for label in labels.tolist() if label == k)
        if count:
            present += 1
            expected -= (count / len(labels)) ** 2
    gini = impl.gini_impurity(labels)
    assert_close(gini, expected, dtype="float32", what="Gini impurity 1 - sum_k p_k^2")
    assert_at_least(1.0 - 1.0 / present, gini, "float32", "Gini <= 1 - 1/k")


@spec_property(requires=["gini_impurity"], level="maths", settings={"max_examples": 30},
               labelled=strategies.labels(),
               oracle={"gini_impurity": "sklearn.tree.DecisionTreeClassifier(criterion='gini')"
                                        ".tree_.impurity at the root"})
def test_gini_impurity_equals_the_root_impurity_of_sklearn_decision_tree(impl, labelled):
    labels, _ = labelled
    tree = DecisionTreeClassifier(criterion="gini", max_depth=1, random_state=0)
    tree.fit(np.zeros((len(labels), 1)), labels)
    assert_close(impl.gini_impurity(labels), tree.tree_.impurity[0], dtype="float32",
                 what="Gini impurity vs sklearn's root node impurity")


@spec_property(requires=["gini_impurity"], level="maths", label=st.integers(0, 5),
               size=st.integers(1, 30))
def test_gini_impurity_is_zero_for_a_pure_set(impl, label, size):
    assert_close(impl.gini_impurity(np.full(size, label)), 0.0, dtype="float32",
                 what="Gini of one class")


# --- errors -----------------------------------------------------------------------------------

@spec_property(requires=["information_gain"], level="validation", split=splits(max_size=10))
def test_information_gain_rejects_bad_input(impl, split):
    labels, values = split
    expect_value_error(lambda: impl.information_gain(labels, np.append(values, values[0])),
                       "labels", "feature_values", rule="lengths differ")
    with_nan = values.copy()
    with_nan[0] = np.nan
    expect_value_error(lambda: impl.information_gain(labels, with_nan), "feature_values",
                       rule="NaN feature value")
    negative = labels.copy()
    negative[0] = -1
    expect_value_error(lambda: impl.information_gain(negative, values), "labels",
                       rule="negative label")
    expect_value_error(lambda: impl.information_gain(labels[:0], values[:0]),
                       one_of=("labels", "feature_values"), rule="empty input")
    expect_value_error(lambda: impl.information_gain(labels, values, base=1), "base",
                       rule="base 1")


@spec_property(requires=["gini_impurity"], level="validation",
               labelled=strategies.labels(max_size=10))
def test_gini_impurity_rejects_bad_labels(impl, labelled):
    labels, _ = labelled
    expect_value_error(lambda: impl.gini_impurity(labels - 1.5), "labels",
                       rule="fractional or negative labels")
    expect_value_error(lambda: impl.gini_impurity(labels.reshape(1, -1)), "labels",
                       rule="2-D labels")
