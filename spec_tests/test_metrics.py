"""Properties of the confusion matrix and accuracy, checked against scikit-learn.

Rows of the confusion matrix are true labels, columns predicted labels (as scikit-learn).
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close


@spec_property(requires=["confusion_matrix"], pairs=strategies.label_pairs())
def test_confusion_matrix_matches_sklearn(impl, pairs):
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    y_true, y_pred, k = pairs
    cm = impl.confusion_matrix(y_true, y_pred, num_classes=k)
    with warnings.catch_warnings():  # "a single label was found": labels= is given, as it asks
        warnings.simplefilter("ignore", UserWarning)
        expected = sklearn_confusion_matrix(y_true, y_pred, labels=range(k))
    assert cm.shape == (k, k), f"confusion_matrix has shape {cm.shape}; expected ({k}, {k})"
    assert np.issubdtype(cm.dtype, np.integer), f"confusion_matrix counts have dtype {cm.dtype}"
    assert np.array_equal(cm, expected), (
        f"confusion_matrix (rows true, columns predicted) differs from scikit-learn:\n{cm}\n"
        f"expected\n{expected}")


@spec_property(requires=["confusion_matrix"], pairs=strategies.label_pairs())
def test_confusion_matrix_size_defaults_to_largest_label_plus_one(impl, pairs):
    y_true, y_pred, _ = pairs
    k = int(max(y_true.max(), y_pred.max())) + 1
    cm = impl.confusion_matrix(y_true, y_pred)
    assert cm.shape == (k, k), f"confusion_matrix without num_classes has shape {cm.shape}; expected ({k}, {k})"
    assert np.array_equal(cm, impl.confusion_matrix(y_true, y_pred, num_classes=k))


@spec_property(requires=["confusion_matrix"], pairs=strategies.label_pairs())
def test_confusion_matrix_counts_sum_to_n_with_row_sums_the_true_class_counts(impl, pairs):
    y_true, y_pred, k = pairs
    cm = impl.confusion_matrix(y_true, y_pred, num_classes=k)
    assert cm.sum() == y_true.size, f"counts sum to {cm.sum()}; there are {y_true.size} samples"
    assert np.array_equal(cm.sum(axis=1), np.bincount(y_true, minlength=k)), "row sums != true counts"
    assert np.array_equal(cm.sum(axis=0), np.bincount(y_pred, minlength=k)), "column sums != predicted counts"


@spec_property(requires=["confusion_matrix", "accuracy"], pairs=strategies.label_pairs())
def test_confusion_matrix_trace_over_n_is_accuracy(impl, pairs):
    y_true, y_pred, k = pairs
    cm = impl.confusion_matrix(y_true, y_pred, num_classes=k)
    assert_close(impl.accuracy(y_true, y_pred), np.trace(cm) / y_true.size, dtype=np.float32,
                 what="accuracy vs trace / n")


@spec_property(requires=["accuracy"], pairs=strategies.label_pairs())
def test_accuracy_matches_sklearn(impl, pairs):
    from sklearn.metrics import accuracy_score

    y_true, y_pred, _ = pairs
    assert_close(impl.accuracy(y_true, y_pred), accuracy_score(y_true, y_pred), dtype=np.float32,
                 what="accuracy vs sklearn accuracy_score")


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



# --- rates with a chosen positive class ---------------------------------------------------------

RATES = ("recall", "precision", "false_positive_rate", "false_rejection_rate")


def _sklearn_rates(y_true, y_pred, pos_label):
    """The four rates from scikit-learn (one-vs-rest counts from its confusion matrix)."""
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix
    from sklearn.metrics import precision_score, recall_score

    labels = sorted(set(y_true.tolist()) | set(y_pred.tolist()) | {pos_label})
    with warnings.catch_warnings():  # "a single label was found", undefined-metric warnings
        warnings.simplefilter("ignore")
        cm = sklearn_confusion_matrix(y_true, y_pred, labels=labels)
        recall = recall_score(y_true, y_pred, labels=[pos_label], average=None,
                              zero_division=np.nan)[0]
        precision = precision_score(y_true, y_pred, labels=[pos_label], average=None,
                                    zero_division=np.nan)[0]
    i = labels.index(pos_label)
    tp, fn, fp = cm[i, i], cm[i].sum() - cm[i, i], cm[:, i].sum() - cm[i, i]
    tn = cm.sum() - tp - fn - fp
    fpr = fp / (fp + tn) if fp + tn else np.nan
    frr = fn / (tp + fn) if tp + fn else np.nan
    return {"recall": recall, "precision": precision, "false_positive_rate": fpr,
            "false_rejection_rate": frr}


@spec_property(requires=list(RATES), pairs=strategies.label_pairs(), data=st.data())
def test_rates_match_sklearn_for_any_positive_class(impl, pairs, data):
    """recall/precision as scikit-learn's with labels=[pos_label]; FPR and FRR from its counts."""
    y_true, y_pred, k = pairs
    pos_label = data.draw(st.integers(0, k - 1), label="pos_label")
    expected = _sklearn_rates(y_true, y_pred, pos_label)
    for name in RATES:
        measured = float(getattr(impl, name)(y_true, y_pred, pos_label=pos_label))
        if np.isnan(expected[name]):
            assert np.isnan(measured), (f"{name} with pos_label={pos_label} is 0/0 (undefined) "
                                        f"and must be NaN by default; got {measured}")
        else:
            assert_close(measured, expected[name], dtype=np.float32,
                         what=f"{name} with pos_label={pos_label}")


@spec_property(requires=["recall", "false_rejection_rate", "error_rate", "accuracy"],
               pairs=strategies.label_pairs(), data=st.data())
def test_false_rejection_is_one_minus_recall_and_error_is_one_minus_accuracy(impl, pairs, data):
    y_true, y_pred, k = pairs
    pos_label = data.draw(st.integers(0, k - 1), label="pos_label")
    recall = float(impl.recall(y_true, y_pred, pos_label=pos_label, zero_division=0.0))
    frr = float(impl.false_rejection_rate(y_true, y_pred, pos_label=pos_label, zero_division=1.0))
    assert_close(frr, 1.0 - recall, dtype=np.float32, what="FRR = 1 - recall")
    assert_close(impl.error_rate(y_true, y_pred), 1.0 - impl.accuracy(y_true, y_pred),
                 dtype=np.float32, what="error rate = 1 - accuracy")


@spec_property(requires=list(RATES) + ["accuracy"])
def test_rates_reproduce_the_thousand_sample_example_of_document_000(impl):
    """900 ones and 100 zeros, a model predicting 1 everywhere: 90% accurate, yet with class 0
    positive (000's convention) its recall is 0 and its precision undefined; with class 1
    positive its recall is 1 and its precision 0.9."""
    y_true = np.array([1] * 900 + [0] * 100)
    y_pred = np.ones(1000, dtype=np.int64)
    assert_close(impl.accuracy(y_true, y_pred), 0.9, dtype=np.float32, what="accuracy")
    assert float(impl.recall(y_true, y_pred, pos_label=0)) == 0.0, "recall of class 0 must be 0"
    assert np.isnan(float(impl.precision(y_true, y_pred, pos_label=0))), (
        "precision of class 0 is 0/0 (nothing predicted 0): NaN by default")
    assert float(impl.precision(y_true, y_pred, pos_label=0, zero_division=0.0)) == 0.0
    assert float(impl.false_rejection_rate(y_true, y_pred, pos_label=0)) == 1.0
    assert float(impl.false_positive_rate(y_true, y_pred, pos_label=0)) == 0.0
    assert float(impl.recall(y_true, y_pred, pos_label=1)) == 1.0
    assert_close(impl.precision(y_true, y_pred, pos_label=1), 0.9, dtype=np.float32,
                 what="precision of class 1")
    assert float(impl.false_positive_rate(y_true, y_pred, pos_label=1)) == 1.0


@spec_property(requires=list(RATES), pairs=strategies.label_pairs(),
               bad=st.sampled_from([-1, 0.5, True, "1", None]))
def test_rates_reject_a_pos_label_that_is_not_a_class_label(impl, pairs, bad):
    y_true, y_pred, _ = pairs
    for name in RATES:
        expect_value_error(lambda name=name: getattr(impl, name)(y_true, y_pred, pos_label=bad),
                           "pos_label", rule=f"{name} with pos_label={bad!r}")
