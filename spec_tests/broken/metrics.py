"""Broken implementations of the metrics family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def transposed_confusion_matrix():
    """Rows predicted, columns true: the transpose of scikit-learn's convention."""

    def confusion_matrix(y_true, y_pred, num_classes=None):
        return ref.confusion_matrix(y_true, y_pred, num_classes=num_classes).T

    return _reference_with(confusion_matrix=confusion_matrix)


def confusion_matrix_ignoring_num_classes():
    """k = the largest label seen + 1 even when num_classes is given: a class absent from the
    sample loses its row and column."""

    def confusion_matrix(y_true, y_pred, num_classes=None):
        return ref.confusion_matrix(y_true, y_pred)

    return _reference_with(confusion_matrix=confusion_matrix)


def recall_ignoring_pos_label():
    """Recall always of class 1: the convention of document 000 (class 0 positive) is lost."""

    def recall(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        return ref.recall(y_true, y_pred, pos_label=1, zero_division=zero_division)

    return _reference_with(recall=recall)


def precision_as_recall():
    """TP / (TP + FN) under the name precision: the two denominators swapped."""

    def precision(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        return ref.recall(y_true, y_pred, pos_label=pos_label, zero_division=zero_division)

    return _reference_with(precision=precision)


def false_positive_rate_as_false_discovery_rate():
    """FP / (FP + TP), the share of positive predictions that are wrong, under the name FPR
    (which is FP / (FP + TN), the share of negatives predicted positive)."""

    def false_positive_rate(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        fp = int(np.sum((y_pred == pos_label) & (y_true != pos_label)))
        tp = int(np.sum((y_pred == pos_label) & (y_true == pos_label)))
        return np.float32(fp / (fp + tp) if fp + tp else zero_division)

    return _reference_with(false_positive_rate=false_positive_rate)


def error_rate_counting_errors():
    """The number of misclassified samples, not their fraction."""

    def error_rate(y_true, y_pred):
        return np.float32(np.sum(np.asarray(y_true) != np.asarray(y_pred)))

    return _reference_with(error_rate=error_rate)


def false_rejection_rate_as_false_omission_rate():
    """FN / (FN + TN), the share of negative predictions that are wrong, under the name FRR
    (which is FN / (TP + FN), the share of positives rejected)."""

    def false_rejection_rate(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        _, _, fn, tn = ref._one_vs_rest_counts(y_true, y_pred, pos_label)
        return ref._ratio(fn, fn + tn, zero_division)

    return _reference_with(false_rejection_rate=false_rejection_rate)


def false_positive_rate_ignoring_zero_division():
    """NaN for 0 / 0 whatever ``zero_division`` says (no negatives in y_true)."""

    def false_positive_rate(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        return ref.false_positive_rate(y_true, y_pred, pos_label=pos_label)

    return _reference_with(false_positive_rate=false_positive_rate)


def recall_zero_for_zero_over_zero():
    """0 for 0 / 0 (scikit-learn's zero_division="warn" result) whatever ``zero_division`` says."""

    def recall(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        return ref.recall(y_true, y_pred, pos_label=pos_label, zero_division=0.0)

    return _reference_with(recall=recall)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    "transposed_confusion_matrix": (
        "confusion_matrix_matches_sklearn",
        "confusion_matrix_counts_sum_to_n_with_row_sums_the_true_class_counts",
    ),
    "confusion_matrix_ignoring_num_classes": (
        "confusion_matrix_matches_sklearn",
    ),
    "recall_ignoring_pos_label": (
        "recall_matches_sklearn_recall_score_for_any_positive_class",
        "rates_reproduce_the_thousand_sample_example_of_document_000",
    ),
    "precision_as_recall": (
        "precision_matches_sklearn_precision_score_for_any_positive_class",
        "rates_reproduce_the_thousand_sample_example_of_document_000",
    ),
    "false_positive_rate_as_false_discovery_rate": (
        "false_positive_rate_matches_sklearn_counts_for_any_positive_class",
        "rates_reproduce_the_thousand_sample_example_of_document_000",
    ),
    "error_rate_counting_errors": (
        "error_rate_matches_sklearn_zero_one_loss",
        "error_rate_is_one_minus_accuracy",
    ),
    "false_rejection_rate_as_false_omission_rate": (
        "false_rejection_rate_matches_sklearn_counts_for_any_positive_class",
    ),
    "false_positive_rate_ignoring_zero_division": (
        "false_positive_rate_returns_zero_division_where_its_denominator_is_zero",
    ),
    "recall_zero_for_zero_over_zero": (
        "recall_matches_sklearn_recall_score_for_any_positive_class",
        "recall_returns_zero_division_where_its_denominator_is_zero",
    ),
}
