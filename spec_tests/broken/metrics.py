"""Broken implementations of the metrics family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def transposed_confusion_matrix():
    """Rows predicted, columns true: the transpose of scikit-learn's convention."""

    def confusion_matrix(y_true, y_pred, num_classes=None):
        return ref.confusion_matrix(y_true, y_pred, num_classes=num_classes).T

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



#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'transposed_confusion_matrix': (
        'confusion_matrix_matches_sklearn',
    ),
    'recall_ignoring_pos_label': (
        'rates_match_sklearn_for_any_positive_class',
        'rates_reproduce_the_thousand_sample_example_of_document_000',
    ),
    'precision_as_recall': (
        'rates_match_sklearn_for_any_positive_class',
        'rates_reproduce_the_thousand_sample_example_of_document_000',
    ),
}
