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

