"""Properties of the confusion matrix, accuracy and the rates, checked against scikit-learn.

Rows of the confusion matrix are true labels, columns predicted labels (as scikit-learn). Each
rate takes one class as positive and every other as negative; a rate whose denominator is 0 is
``zero_division`` (NaN by default). Edge cases: one sample, one class, a positive class that
never occurs. That the matrix is (max label + 1) square without ``num_classes`` is a convention
(level "conventions"); that the counts are integers is checked in test_conventions.py.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import define_property, expect_value_error
from spec_tests.tolerances import assert_close


def _sklearn_confusion_matrix(y_true, y_pred, labels):
    from sklearn.metrics import confusion_matrix

    with warnings.catch_warnings():  # "a single label was found": labels= is given, as it asks
        warnings.simplefilter("ignore", UserWarning)
        return confusion_matrix(y_true, y_pred, labels=labels)


def _assert_equal_counts(actual, expected, what):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape and np.array_equal(actual, expected), (
        f"{what}: expected\n{expected}\ngot\n{actual}")


# --- confusion matrix and accuracy ------------------------------------------------------------

@spec_property(requires=["confusion_matrix"],
               oracle={"confusion_matrix": "sklearn.metrics.confusion_matrix(labels=range(k))"},
               pairs=strategies.label_pairs())
def test_confusion_matrix_matches_sklearn(impl, pairs):
    y_true, y_pred, k = pairs
    _assert_equal_counts(impl.confusion_matrix(y_true, y_pred, num_classes=k),
                         _sklearn_confusion_matrix(y_true, y_pred, list(range(k))),
                         f"confusion_matrix(num_classes={k}) (rows true, columns predicted) vs "
                         "scikit-learn")


@spec_property(requires=["confusion_matrix"], pairs=strategies.label_pairs())
def test_confusion_matrix_counts_sum_to_n_with_row_sums_the_true_class_counts(impl, pairs):
    y_true, y_pred, k = pairs
    cm = np.asarray(impl.confusion_matrix(y_true, y_pred, num_classes=k))
    assert cm.sum() == y_true.size, f"counts sum to {cm.sum()}; there are {y_true.size} samples"
    rows, columns = np.bincount(y_true, minlength=k), np.bincount(y_pred, minlength=k)
    assert np.array_equal(cm.sum(axis=1), rows), f"row sums {cm.sum(axis=1)} != true counts {rows}"
    assert np.array_equal(cm.sum(axis=0), columns), (
        f"column sums {cm.sum(axis=0)} != predicted counts {columns}")


@spec_property(requires=["confusion_matrix", "accuracy"], pairs=strategies.label_pairs())
def test_confusion_matrix_trace_over_n_is_accuracy(impl, pairs):
    y_true, y_pred, k = pairs
    cm = np.asarray(impl.confusion_matrix(y_true, y_pred, num_classes=k))
    assert_close(impl.accuracy(y_true, y_pred), np.trace(cm) / y_true.size, dtype=np.float32,
                 what="accuracy vs trace / n")


@spec_property(requires=["confusion_matrix"], level="conventions", pairs=strategies.label_pairs())
def test_confusion_matrix_size_defaults_to_largest_label_plus_one(impl, pairs):
    y_true, y_pred, _ = pairs
    k = int(max(y_true.max(), y_pred.max())) + 1
    _assert_equal_counts(impl.confusion_matrix(y_true, y_pred),
                         np.asarray(impl.confusion_matrix(y_true, y_pred, num_classes=k)),
                         f"confusion_matrix without num_classes vs with num_classes={k} "
                         "(the largest label + 1)")


@spec_property(requires=["accuracy"], oracle={"accuracy": "sklearn.metrics.accuracy_score"},
               pairs=strategies.label_pairs())
def test_accuracy_matches_sklearn(impl, pairs):
    from sklearn.metrics import accuracy_score

    y_true, y_pred, _ = pairs
    assert_close(impl.accuracy(y_true, y_pred), accuracy_score(y_true, y_pred), dtype=np.float32,
                 what="accuracy vs sklearn accuracy_score")


@spec_property(requires=["error_rate"], oracle={"error_rate": "sklearn.metrics.zero_one_loss"},
               pairs=strategies.label_pairs())
def test_error_rate_matches_sklearn_zero_one_loss(impl, pairs):
    from sklearn.metrics import zero_one_loss

    y_true, y_pred, _ = pairs
    assert_close(impl.error_rate(y_true, y_pred), zero_one_loss(y_true, y_pred), dtype=np.float32,
                 what="error rate vs sklearn zero_one_loss (the fraction misclassified)")


@spec_property(requires=["error_rate", "accuracy"], pairs=strategies.label_pairs())
def test_error_rate_is_one_minus_accuracy(impl, pairs):
    y_true, y_pred, _ = pairs
    assert_close(impl.error_rate(y_true, y_pred), 1.0 - float(np.asarray(impl.accuracy(y_true, y_pred))),
                 dtype=np.float32, what="error rate = 1 - accuracy")


# --- rates with a chosen positive class ---------------------------------------------------------

RATES = ("recall", "precision", "false_positive_rate", "false_rejection_rate")


def _sklearn_counts(y_true, y_pred, pos_label):
    """TP, FN, FP, TN from scikit-learn's confusion matrix, pos_label against the rest."""
    labels = sorted(set(y_true.tolist()) | set(y_pred.tolist()) | {pos_label})
    cm = _sklearn_confusion_matrix(y_true, y_pred, labels)
    i = labels.index(pos_label)
    tp, fn, fp = cm[i, i], cm[i].sum() - cm[i, i], cm[:, i].sum() - cm[i, i]
    return tp, fn, fp, cm.sum() - tp - fn - fp


def _sklearn_score(score, y_true, y_pred, pos_label):
    with warnings.catch_warnings():  # undefined-metric warnings
        warnings.simplefilter("ignore")
        return score(y_true, y_pred, labels=[pos_label], average=None, zero_division=np.nan)[0]


def _check_rate(impl, name, y_true, y_pred, pos_label, expected):
    measured = float(np.asarray(getattr(impl, name)(y_true, y_pred, pos_label=pos_label)))
    if np.isnan(expected):
        assert np.isnan(measured), (f"{name} with pos_label={pos_label} is 0/0 (undefined) and must "
                                    f"be NaN by default; got {measured}")
    else:
        assert_close(measured, expected, dtype=np.float32, what=f"{name} with pos_label={pos_label}")


@st.composite
def _pairs_and_pos_label(draw):
    y_true, y_pred, k = draw(strategies.label_pairs())
    return y_true, y_pred, draw(st.integers(0, k - 1))


@spec_property(requires=["recall"],
               oracle={"recall": "sklearn.metrics.recall_score(labels=[pos_label])"},
               inputs=_pairs_and_pos_label())
def test_recall_matches_sklearn_recall_score_for_any_positive_class(impl, inputs):
    from sklearn.metrics import recall_score

    y_true, y_pred, pos_label = inputs
    _check_rate(impl, "recall", y_true, y_pred, pos_label,
                _sklearn_score(recall_score, y_true, y_pred, pos_label))


@spec_property(requires=["precision"],
               oracle={"precision": "sklearn.metrics.precision_score(labels=[pos_label])"},
               inputs=_pairs_and_pos_label())
def test_precision_matches_sklearn_precision_score_for_any_positive_class(impl, inputs):
    from sklearn.metrics import precision_score

    y_true, y_pred, pos_label = inputs
    _check_rate(impl, "precision", y_true, y_pred, pos_label,
                _sklearn_score(precision_score, y_true, y_pred, pos_label))


@spec_property(requires=["false_positive_rate"],
               oracle={"false_positive_rate": "sklearn.metrics.confusion_matrix: FP / (FP + TN)"},
               inputs=_pairs_and_pos_label())
def test_false_positive_rate_matches_sklearn_counts_for_any_positive_class(impl, inputs):
    y_true, y_pred, pos_label = inputs
    _, _, fp, tn = _sklearn_counts(y_true, y_pred, pos_label)
    _check_rate(impl, "false_positive_rate", y_true, y_pred, pos_label,
                fp / (fp + tn) if fp + tn else np.nan)


@spec_property(requires=["false_rejection_rate"],
               oracle={"false_rejection_rate": "sklearn.metrics.confusion_matrix: FN / (TP + FN)"},
               inputs=_pairs_and_pos_label())
def test_false_rejection_rate_matches_sklearn_counts_for_any_positive_class(impl, inputs):
    y_true, y_pred, pos_label = inputs
    tp, fn, _, _ = _sklearn_counts(y_true, y_pred, pos_label)
    _check_rate(impl, "false_rejection_rate", y_true, y_pred, pos_label,
                fn / (tp + fn) if tp + fn else np.nan)


@spec_property(requires=["recall", "false_rejection_rate"], inputs=_pairs_and_pos_label())
def test_false_rejection_rate_is_one_minus_recall(impl, inputs):
    y_true, y_pred, pos_label = inputs
    recall = float(np.asarray(impl.recall(y_true, y_pred, pos_label=pos_label, zero_division=0.0)))
    frr = float(np.asarray(impl.false_rejection_rate(y_true, y_pred, pos_label=pos_label,
                                                     zero_division=1.0)))
    assert_close(frr, 1.0 - recall, dtype=np.float32, what="FRR = 1 - recall")


@spec_property(requires=list(RATES) + ["accuracy"])
def test_rates_reproduce_the_thousand_sample_example_of_document_000(impl):
    """900 ones and 100 zeros, a model predicting 1 everywhere: 90% accurate, yet with class 0
    positive (000's convention) its recall is 0 and its precision undefined; with class 1
    positive its recall is 1 and its precision 0.9."""
    y_true = np.array([1] * 900 + [0] * 100)
    y_pred = np.ones(1000, dtype=np.int64)

    def rate(name, pos_label, **kwargs):
        return float(np.asarray(getattr(impl, name)(y_true, y_pred, pos_label=pos_label, **kwargs)))

    assert_close(impl.accuracy(y_true, y_pred), 0.9, dtype=np.float32, what="accuracy")
    expected = [("recall", 0, {}, 0.0), ("precision", 0, {}, np.nan),
                ("precision", 0, {"zero_division": 0.0}, 0.0), ("false_rejection_rate", 0, {}, 1.0),
                ("false_positive_rate", 0, {}, 0.0), ("recall", 1, {}, 1.0),
                ("precision", 1, {}, 0.9), ("false_positive_rate", 1, {}, 1.0)]
    for name, pos_label, kwargs, value in expected:
        assert_close(rate(name, pos_label, **kwargs), value, dtype=np.float32,
                     what=f"{name}(pos_label={pos_label}{', ' if kwargs else ''}"
                          f"{', '.join(f'{k}={v}' for k, v in kwargs.items())})")


@st.composite
def _pairs_with_an_empty_denominator(draw, rate):
    """(y_true, y_pred, pos_label) where ``rate``'s denominator is 0: the positive class never
    true (recall, FRR), never predicted (precision), or every sample positive (FPR)."""
    y_true, y_pred, k = draw(strategies.label_pairs())
    pos_label = draw(st.integers(0, k - 1))
    other = (pos_label + 1) % max(k, 2)
    if rate in ("recall", "false_rejection_rate"):
        y_true = np.where(y_true == pos_label, other, y_true)
    elif rate == "precision":
        y_pred = np.where(y_pred == pos_label, other, y_pred)
    else:
        y_true = np.full_like(y_true, pos_label)
    return y_true, y_pred, pos_label


def _returns_zero_division(rate):
    def check(impl, inputs, zero_division):
        y_true, y_pred, pos_label = inputs
        fn = getattr(impl, rate)
        default = float(np.asarray(fn(y_true, y_pred, pos_label=pos_label)))
        assert np.isnan(default), (f"{rate} is 0/0 here and must be NaN by default; got {default} "
                                   f"(y_true={y_true}, y_pred={y_pred}, pos_label={pos_label})")
        given = float(np.asarray(fn(y_true, y_pred, pos_label=pos_label,
                                    zero_division=zero_division)))
        assert given == zero_division, (f"{rate}(zero_division={zero_division}) is 0/0 here and "
                                        f"must return {zero_division}; got {given}")
    return check


for _rate in RATES:
    define_property(
        __name__, f"{_rate}_returns_zero_division_where_its_denominator_is_zero", [_rate],
        _returns_zero_division(_rate),
        f"""{_rate} whose denominator is 0 returns zero_division: NaN by default, else the number
        given (closed form: the contract's 0 / 0 rule, as scikit-learn's zero_division).""",
        level="maths", oracle={_rate: "closed form: zero_division where the denominator is 0"},
        inputs=_pairs_with_an_empty_denominator(_rate), zero_division=st.sampled_from([0.0, 1.0]))


# --- validation ---------------------------------------------------------------------------------

@spec_property(requires=["confusion_matrix"], pairs=strategies.label_pairs(),
               bad=st.sampled_from(["negative", "out of range", "non-integer"]),
               which=st.sampled_from(["y_true", "y_pred"]), data=st.data())
def test_confusion_matrix_rejects_negative_out_of_range_and_non_integer_labels(impl, pairs, bad, which, data):
    y_true, y_pred, k = pairs
    labels = {"y_true": y_true.astype(np.float64), "y_pred": y_pred.astype(np.float64)}
    i = data.draw(st.integers(0, y_true.size - 1), label="position")
    labels[which][i] = {"negative": -1.0, "out of range": float(k), "non-integer": 0.5}[bad]
    expect_value_error(lambda: impl.confusion_matrix(labels["y_true"], labels["y_pred"], num_classes=k),
                       which, rule=f"confusion_matrix with a {bad} label in {which}")
    if bad != "out of range":  # without num_classes any label >= 0 widens the matrix instead
        expect_value_error(lambda: impl.confusion_matrix(labels["y_true"], labels["y_pred"]),
                           which, rule=f"confusion_matrix with a {bad} label in {which}")


BAD_POS_LABELS = st.sampled_from([-1, 0.5, True, "1", None])


def _rejects_bad_pos_label(impl, name, pairs, bad):
    y_true, y_pred, _ = pairs
    expect_value_error(lambda: getattr(impl, name)(y_true, y_pred, pos_label=bad),
                       "pos_label", rule=f"{name} with pos_label={bad!r}")


@spec_property(requires=["recall"], pairs=strategies.label_pairs(), bad=BAD_POS_LABELS)
def test_recall_rejects_a_pos_label_that_is_not_a_class_label(impl, pairs, bad):
    _rejects_bad_pos_label(impl, "recall", pairs, bad)


@spec_property(requires=["precision"], pairs=strategies.label_pairs(), bad=BAD_POS_LABELS)
def test_precision_rejects_a_pos_label_that_is_not_a_class_label(impl, pairs, bad):
    _rejects_bad_pos_label(impl, "precision", pairs, bad)


@spec_property(requires=["false_positive_rate"], pairs=strategies.label_pairs(), bad=BAD_POS_LABELS)
def test_false_positive_rate_rejects_a_pos_label_that_is_not_a_class_label(impl, pairs, bad):
    _rejects_bad_pos_label(impl, "false_positive_rate", pairs, bad)


@spec_property(requires=["false_rejection_rate"], pairs=strategies.label_pairs(), bad=BAD_POS_LABELS)
def test_false_rejection_rate_rejects_a_pos_label_that_is_not_a_class_label(impl, pairs, bad):
    _rejects_bad_pos_label(impl, "false_rejection_rate", pairs, bad)
