"""One whole-number rule everywhere (tfref._whole.is_whole): 3 and 3.0 are whole; True, 3.5,
inf, NaN and "3" are not. Each public place that takes a count, size, seed or step follows it."""

from __future__ import annotations

import argparse
import math

import numpy as np
import pytest

from tfref import ops
from tfref._validation import check_whole, check_whole_values
from tfref._whole import is_whole, parse_whole
from tfref.data.shards import write_shards
from tfref.train.options import positive_int

WHOLE = [3, 3.0, np.int64(3), np.float32(3.0), np.array(3)]
NOT_WHOLE = [True, np.bool_(True), 3.5, math.inf, math.nan, "3", None, 1 + 0j]


@pytest.mark.parametrize("value", WHOLE, ids=repr)
def test_whole_values_are_accepted_and_read_as_int(value):
    assert is_whole(value)
    assert check_whole(value, "n", 1) == 3 and type(check_whole(value, "n", 1)) is int


@pytest.mark.parametrize("value", NOT_WHOLE, ids=repr)
def test_values_that_are_not_whole_are_refused_naming_the_argument(value):
    assert not is_whole(value)
    with pytest.raises(ValueError, match=r"steps must be a whole number >= 1 \(the number"):
        check_whole(value, "steps", 1, "the number of steps")


def test_the_array_form_reads_elements_by_the_same_rule():
    check_whole_values(np.array([0.0, 2.0, 7.0]), "counts")
    with pytest.raises(ValueError, match="counts must hold whole numbers"):
        check_whole_values(np.array([0.0, 2.5]), "counts")
    with pytest.raises(ValueError, match="counts must hold whole numbers"):
        check_whole_values(np.array([np.nan]), "counts")
    with pytest.raises(ValueError, match="counts must be >= 0"):
        check_whole_values(np.array([-1.0, 2.0]), "counts")


def test_command_line_text_follows_the_rule():
    assert parse_whole("3") == 3 and parse_whole("3.0") == 3 and positive_int("4") == 4
    for bad in ("3.5", "0", "-2", "three", "inf", "nan", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="whole number >= 1"):
            positive_int(bad)
    from tfref.cli import build_parser
    parser = build_parser()
    assert parser.parse_args(["run", "ewma", "--seed", "3.0"]).seed == 3
    assert parser.parse_args(["run", "ewma", "--seed", "0"]).seed == 0
    for bad in ("-1", "2.5", "x"):
        with pytest.raises(SystemExit):
            parser.parse_args(["run", "ewma", "--seed", bad])


def test_every_site_accepts_three_point_zero_and_refuses_a_bool_and_a_fraction(tmp_path):
    x = np.arange(12.0, dtype=np.float32).reshape(1, 12)
    image = np.ones((1, 5, 5, 1), np.float32)
    kernel = np.ones((2, 2, 1, 1), np.float32)
    sites = {
        "conv2d stride": lambda v: ops.conv2d(image, kernel, stride=v),
        "maxout num_units": lambda v: ops.maxout(x, num_units=v),
        "inverted_dropout seed": lambda v: ops.inverted_dropout(x, 0.5, seed=v, training=True),
        "write_shards num_shards": lambda v: len(write_shards(
            np.zeros((4, 2), np.float32), np.zeros(4, np.int64), tmp_path / f"s{v!r}",
            num_shards=v)["shards"]),
    }
    for site, call in sites.items():
        np.testing.assert_array_equal(np.asarray(call(2.0)), np.asarray(call(2)), err_msg=site)
        for bad in (True, 2.5):
            with pytest.raises(ValueError, match="whole number"):
                call(bad)


def _iris_like():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    y = np.repeat(np.arange(3), 20)
    return (centres[y] + rng.normal(size=(60, 2))).astype(np.float64), y


def _estimator_sites():
    from tfref import classic
    return {
        "KMeans n_clusters": (lambda v: classic.KMeans(n_clusters=v, random_state=0), "labels_"),
        "KMeans max_iter": (lambda v: classic.KMeans(3, max_iter=v, random_state=0), "labels_"),
        "KMeans random_state": (lambda v: classic.KMeans(3, random_state=v), "labels_"),
        "KNN n_neighbors": (lambda v: classic.KNeighborsClassifier(n_neighbors=v), "predict"),
        "PCA n_components": (lambda v: classic.PCA(n_components=v), "components_"),
        "FastICA max_iter": (lambda v: classic.FastICA(2, max_iter=v, random_state=0), "components_"),
        "GaussianMixtureEM n_components/max_iter": (
            lambda v: classic.GaussianMixtureEM(n_components=v, max_iter=v, random_state=0), "means_"),
        "LinearSVM max_iter": (lambda v: classic.LinearSVM(max_iter=v), "coef_"),
        "RandomForest n_estimators": (lambda v: classic.RandomForest(n_estimators=v, random_state=0),
                                      "predict"),
        "AdaBoostStumps n_estimators": (lambda v: classic.AdaBoostStumps(n_estimators=v), "predict"),
        "GradientBoosting n_estimators/max_depth": (
            lambda v: classic.GradientBoosting(n_estimators=v, max_depth=v), "predict"),
        "ID3 max_depth/min_samples_split": (
            lambda v: classic.ID3Classifier(max_depth=v, min_samples_split=v), "predict"),
        "MeanShift max_iter": (lambda v: classic.MeanShift(bandwidth=2.0, max_iter=v), "labels_"),
    }


@pytest.mark.parametrize("site", sorted(_estimator_sites()))
def test_estimator_hyperparameters_follow_the_rule(site):
    """An estimator given 2.0 learns what it learns given 2; True and 2.5 are refused at fit."""
    make, attribute = _estimator_sites()[site]
    X, y = _iris_like()
    X = X[:, :2]

    def learned(value):
        estimator = make(value)
        fitted = estimator.fit(X, y) if attribute == "predict" or "SVM" in site else estimator.fit(X)
        if "SVM" in site:
            return fitted.coef_
        return fitted.predict(X) if attribute == "predict" else getattr(fitted, attribute)

    if "SVM" in site:
        y = (y == 0).astype(int)
    np.testing.assert_array_equal(np.asarray(learned(2.0)), np.asarray(learned(2)), err_msg=site)
    for bad in (True, 2.5):
        with pytest.raises(ValueError, match="whole number"):
            learned(bad)
