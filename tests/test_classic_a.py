"""tfref.classic estimators of chapter G (k-means, KNN, mean shift, Gaussian anomaly detection,
PCA/SVD/whitening, FastICA), checked against scikit-learn on its bundled real data sets.

scikit-learn's ``check_estimator`` suite runs in full on each of the six estimators
(``parametrize_with_checks``, about 290 checks, ~20 s on an idle machine). Every check applies
and passes, so none is marked as an expected failure; the checks scikit-learn itself skips by
tags are those for sample weights, sparse input, multi-output and pairwise kernels, which these
estimators do not advertise (``fit`` takes no ``sample_weight``; sparse X raises TypeError), plus scikit-learn's
array-API checks, which it skips itself unless SCIPY_ARRAY_API=1 is set (6 skips).

The oracles: ``sklearn.cluster.KMeans(init=centres, n_init=1)``,
``sklearn.neighbors.KNeighborsClassifier(algorithm="brute")``,
``sklearn.cluster.MeanShift(bandwidth=r)``, ``sklearn.decomposition.PCA`` and ``FastICA``,
``scipy.stats.norm.pdf``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.stats import norm
from sklearn import cluster, datasets, decomposition, neighbors
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from tfref.classic import (
    PCA,
    FastICA,
    GaussianAnomalyDetector,
    KMeans,
    KNeighborsClassifier,
    MeanShift,
    NotFittedError,
    select_epsilon,
    svd,
)
from tfref.classic.meanshift import estimate_radius

REAL = ("iris", "wine", "digits", "breast_cancer")


def _load(name):
    return getattr(datasets, f"load_{name}")(return_X_y=True)


def _split(n, seed=0, share=2 / 3):
    order = np.random.default_rng(seed).permutation(n)
    cut = int(n * share)
    return order[:cut], order[cut:]


# --- scikit-learn's estimator checks ----------------------------------------------------------

@parametrize_with_checks([KMeans(n_clusters=3, random_state=0), KNeighborsClassifier(),
                          MeanShift(), GaussianAnomalyDetector(), PCA(),
                          FastICA(random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --- k-means ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", REAL)
def test_kmeans_equals_sklearn_from_the_same_centres(name):
    X, _ = _load(name)
    k = 10 if name == "digits" else 3
    init = X[np.random.default_rng(1).choice(len(X), k, replace=False)]
    ours = KMeans(k, init=init).fit(X)
    theirs = cluster.KMeans(k, init=init, n_init=1).fit(X)
    np.testing.assert_allclose(ours.inertia_, theirs.inertia_, rtol=1e-9)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-9,
                               atol=1e-9)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_array_equal(ours.predict(X[:50]), theirs.predict(X[:50]))
    np.testing.assert_allclose(ours.transform(X[:50]), theirs.transform(X[:50]), rtol=1e-9)
    history = np.asarray(ours.inertia_history_)
    assert len(history) == ours.n_iter_
    assert np.all(np.diff(history) <= 1e-9 * history[0]), f"inertia rose: {history}"
    assert history[-1] >= ours.inertia_ - 1e-9 * ours.inertia_


@settings(max_examples=15, deadline=None)
@given(data=hnp.arrays(np.float64, st.tuples(st.integers(6, 30), st.integers(1, 3)),
                       elements=st.floats(-50, 50, allow_nan=False, allow_subnormal=False)),
       k=st.integers(1, 5), seed=st.integers(0, 1000))
def test_kmeans_inertia_never_rises_between_iterations(data, k, seed):
    km = KMeans(k, init="random", random_state=seed, tol=0.0).fit(data)
    history = np.asarray(km.inertia_history_)
    slack = 1e-9 * (history[0] + 1.0)
    assert np.all(np.diff(history) <= slack), f"inertia per iteration rose: {history}"
    assert km.inertia_ <= history[-1] + slack
    assert km.inertia_ <= history[0] + slack


def test_kmeans_plus_plus_is_deterministic_and_close_to_sklearn_best_of_ten():
    X, _ = _load("iris")
    a = KMeans(3, n_init=5, random_state=3).fit(X)
    b = KMeans(3, n_init=5, random_state=3).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    best = cluster.KMeans(3, n_init=10, random_state=0).fit(X).inertia_
    assert a.inertia_ <= best * 1.01, (a.inertia_, best)


# --- k-nearest neighbours ---------------------------------------------------------------------

@pytest.mark.parametrize("name", REAL)
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_knn_predictions_equal_sklearn(name, weights):
    X, y = _load(name)
    X, y = X[:600], y[:600]  # digits: the first 600 images, to keep the test fast
    train, test = _split(len(X))
    for k in (1, 3, 5, 15):
        ours = KNeighborsClassifier(k, weights=weights).fit(X[train], y[train])
        theirs = neighbors.KNeighborsClassifier(k, weights=weights, algorithm="brute")
        theirs.fit(X[train], y[train])
        proba = ours.predict_proba(X[test])
        np.testing.assert_array_equal(ours.classes_[np.argmax(proba, axis=1)],
                                      ours.predict(X[test]))
        np.testing.assert_array_equal(ours.predict(X[test]), theirs.predict(X[test]),
                                      err_msg=f"k={k}")
        # Which of several points tied at the k-th distance is a neighbour differs between
        # search orders, so the vote shares are compared only where the k-th and (k+1)-th
        # distances differ (all rows of wine and breast cancer; most of iris and digits).
        d, _ = ours.kneighbors(X[test], n_neighbors=k + 1)
        untied = d[:, k] - d[:, k - 1] > 1e-9 * (1 + d[:, k])
        assert untied.mean() > 0.7, untied.mean()
        np.testing.assert_allclose(proba[untied],
                                   theirs.predict_proba(X[test])[untied], rtol=1e-9, atol=1e-12)
    d_ours, i_ours = ours.kneighbors(X[test])
    d_theirs, _ = theirs.kneighbors(X[test])
    np.testing.assert_allclose(d_ours, d_theirs, rtol=1e-7, atol=1e-7)
    assert i_ours.shape == (len(test), 15)


def test_knn_with_k_one_reproduces_the_training_labels_and_small_k_overfits():
    X, y = _load("wine")
    X = StandardScaler().fit_transform(X)
    train, test = _split(len(X))
    train_accuracy = {k: KNeighborsClassifier(k).fit(X[train], y[train]).score(X[train], y[train])
                      for k in (1, 15)}
    assert train_accuracy[1] == 1.0
    assert train_accuracy[15] < 1.0
    test_accuracy = KNeighborsClassifier(5).fit(X[train], y[train]).score(X[test], y[test])
    assert test_accuracy > 0.85  # chance is about 0.4


def test_knn_ties_go_to_the_lower_training_index_and_the_first_class():
    X = np.array([[0.0], [2.0], [-2.0], [4.0]])
    knn = KNeighborsClassifier(2).fit(X, np.array([5, 7, 3, 3]))
    _, index = knn.kneighbors([[0.0]])
    assert index.tolist() == [[0, 1]]  # x=2 and x=-2 tie at distance 2: lower index 1 wins
    # one vote each for 5 and 7: the class first in classes_ wins
    assert knn.predict([[0.0]]).tolist() == [5]


# --- mean shift -------------------------------------------------------------------------------

def _blobs(seed=0):
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 6.0]])
    X, y = datasets.make_blobs(n_samples=240, centers=centres, cluster_std=0.6, random_state=seed)
    return X, y, centres


def test_mean_shift_converges_to_the_modes_and_equals_sklearn():
    X, y, centres = _blobs()
    r = 2.0
    ours = MeanShift(bandwidth=r, record_trajectories=True).fit(X)
    theirs = cluster.MeanShift(bandwidth=r).fit(X)
    assert ours.cluster_centers_.shape == (3, 2)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, atol=1e-9)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    for c in centres:  # each true centre has a mode within 0.3 (cluster_std 0.6, 80 points)
        assert np.min(np.linalg.norm(ours.cluster_centers_ - c, axis=1)) < 0.3
    # a mode is a fixed point: the mean of the points within r of it is itself
    for mode in ours.cluster_centers_:
        within = X[np.linalg.norm(X - mode, axis=1) <= r]
        assert np.linalg.norm(within.mean(axis=0) - mode) <= 1e-3 * r
    assert len(ours.trajectories_) == len(X)
    np.testing.assert_array_equal(ours.predict(X), ours.labels_)


def test_mean_shift_radius_estimate_matches_sklearn():
    X, _, _ = _blobs(1)
    assert estimate_radius(X, 0.3) == pytest.approx(cluster.estimate_bandwidth(X, quantile=0.3),
                                                    rel=1e-9)


# --- Gaussian anomaly detection ---------------------------------------------------------------

def _planted(seed=0):
    """Wine (standardised) as normal points; outliers: normal points with 2 features pushed
    5 standard deviations out."""
    X, _ = _load("wine")
    X = StandardScaler().fit_transform(X)
    rng = np.random.default_rng(seed)
    outliers = X[rng.choice(len(X), 30)].copy()
    for row in outliers:
        features = rng.choice(X.shape[1], 2, replace=False)
        row[features] += rng.choice([-5.0, 5.0], 2)
    return X, outliers


def test_gaussian_anomaly_density_is_the_product_of_scipy_normal_pdfs():
    X, outliers = _planted()
    det = GaussianAnomalyDetector(epsilon=1e-12).fit(X)
    np.testing.assert_allclose(det.mean_, X.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(det.var_, X.var(axis=0), rtol=1e-12)
    expected = norm.pdf(outliers, X.mean(axis=0), X.std(axis=0)).prod(axis=1)
    np.testing.assert_allclose(det.score_samples(outliers), expected, rtol=1e-9)


def test_gaussian_anomaly_flags_planted_outliers_with_epsilon_from_validation():
    X, outliers = _planted()
    rng = np.random.default_rng(1)
    order = rng.permutation(len(X))
    train, val, test = order[:100], order[100:139], order[139:]
    det = GaussianAnomalyDetector().fit(X[train])
    val_x = np.vstack([X[val], outliers[:15]])
    val_y = np.r_[np.zeros(len(val)), np.ones(15)]
    epsilon, f1_val = select_epsilon(det.score_samples(val_x), val_y)
    det = GaussianAnomalyDetector(epsilon=epsilon).fit(X[train])
    test_x = np.vstack([X[test], outliers[15:]])
    flagged = det.predict(test_x) == -1
    truth = np.r_[np.zeros(len(test), bool), np.ones(15, bool)]
    precision = (flagged & truth).sum() / max(flagged.sum(), 1)
    recall = (flagged & truth).sum() / truth.sum()
    assert f1_val > 0.8 and precision >= 0.7 and recall >= 0.8, (f1_val, precision, recall)


def test_select_epsilon_picks_the_best_f1_threshold():
    density = np.array([0.01, 0.02, 0.5, 0.6, 0.7])
    epsilon, f1 = select_epsilon(density, [1, 1, 0, 0, 0], candidates=None)
    assert f1 == 1.0 and 0.02 < epsilon <= 0.5


# --- PCA, SVD, whitening, ICA -----------------------------------------------------------------

@pytest.mark.parametrize("name", REAL)
def test_pca_equals_sklearn_up_to_sign(name):
    X, _ = _load(name)
    X = StandardScaler().fit_transform(X)
    k = min(5, X.shape[1])
    ours, theirs = PCA(k).fit(X), decomposition.PCA(k, svd_solver="full").fit(X)
    signs = np.sign(np.sum(ours.components_ * theirs.components_, axis=1))
    assert np.all(signs != 0)
    np.testing.assert_allclose(ours.components_ * signs[:, None], theirs.components_, atol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_ratio_, theirs.explained_variance_ratio_,
                               rtol=1e-9)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-9)
    np.testing.assert_allclose(ours.singular_values_, theirs.singular_values_, rtol=1e-9)
    np.testing.assert_allclose(ours.transform(X) * signs, theirs.transform(X), atol=1e-8)


def test_svd_relations_and_whitening():
    X, _ = _load("wine")
    centred = X - X.mean(axis=0)
    U, S, Vt = svd(centred)
    np.testing.assert_allclose(U @ np.diag(S) @ Vt, centred, atol=1e-8 * np.abs(X).max())
    np.testing.assert_allclose(U.T @ U, np.eye(U.shape[1]), atol=1e-10)
    np.testing.assert_allclose(S, np.linalg.svd(centred, compute_uv=False), rtol=1e-9)
    pca = PCA().fit(X)
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    np.testing.assert_allclose(pca.explained_variance_, eigenvalues, rtol=1e-7)
    np.testing.assert_allclose(pca.explained_variance_, S**2 / (len(X) - 1), rtol=1e-9)
    np.testing.assert_allclose(np.abs(pca.transform(X)), np.abs(U * S), atol=1e-7)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, atol=1e-8)
    white = PCA(whiten=True).fit(X)
    Z = white.transform(X)
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(X.shape[1]), atol=1e-8)
    np.testing.assert_allclose(white.fit_transform(X), Z, atol=1e-8)


def _mixed_sources(n=2000, seed=0):
    t = np.linspace(0, 8, n)
    sources = np.c_[np.sin(2 * t), np.sign(np.sin(3 * t)), 2 * ((1.3 * t) % 1) - 1]
    sources += 0.05 * np.random.default_rng(seed).standard_normal(sources.shape)
    mixing = np.array([[1.0, 1.0, 1.0], [0.5, 2.0, 1.0], [1.5, 1.0, 2.0]])
    return sources, sources @ mixing.T


def _matched_abs_correlation(a, b):
    """For each column of a, the largest |corr| with a column of b (a permutation assumed)."""
    c = np.abs(np.corrcoef(a.T, b.T)[: a.shape[1], a.shape[1]:])
    assert sorted(np.argmax(c, axis=1).tolist()) == list(range(b.shape[1])), c
    return c.max(axis=1)


def test_fastica_recovers_mixed_sources_like_sklearn():
    sources, X = _mixed_sources()
    ours = FastICA(3, random_state=0).fit(X)
    recovered = ours.transform(X)
    theirs = decomposition.FastICA(3, random_state=0, whiten="unit-variance").fit_transform(X)
    assert np.all(_matched_abs_correlation(recovered, sources) > 0.95)
    assert np.all(_matched_abs_correlation(theirs, sources) > 0.95)
    assert np.all(_matched_abs_correlation(recovered, theirs) > 0.99)
    np.testing.assert_allclose(ours.inverse_transform(recovered), X, atol=1e-8)
    np.testing.assert_allclose(np.cov(recovered, rowvar=False, bias=True), np.eye(3), atol=1e-8)


# --- bad input --------------------------------------------------------------------------------

ALL = [KMeans(2), KNeighborsClassifier(2), MeanShift(1.0), GaussianAnomalyDetector(), PCA(),
       FastICA(random_state=0)]


def test_k_larger_than_the_number_of_samples_is_refused():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="n_clusters=5"):
        KMeans(5).fit(X)
    knn = KNeighborsClassifier(5).fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="n_neighbors = 5.*n_samples_fit = 4"):
        knn.predict(X)
    with pytest.raises(ValueError, match="n_components=3"):
        PCA(3).fit(X)


@pytest.mark.parametrize("estimator", ALL, ids=lambda e: type(e).__name__)
def test_nan_in_x_is_refused_naming_x(estimator):
    X = np.random.default_rng(0).standard_normal((10, 3))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        estimator.fit(X, np.arange(10) % 2)


@pytest.mark.parametrize("estimator", ALL, ids=lambda e: type(e).__name__)
def test_use_before_fit_raises_not_fitted(estimator):
    method = next(getattr(estimator, m) for m in ("predict", "transform") if
                  hasattr(estimator, m))
    with pytest.raises(NotFittedError, match="not fitted") as info:
        method(np.zeros((2, 3)))
    assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)


def test_labels_unseen_at_fit_are_refused():
    X = np.arange(12.0).reshape(6, 2)
    knn = KNeighborsClassifier(1).fit(X, ["a", "b", "a", "b", "a", "b"])
    with pytest.raises(ValueError, match="'c'.*unseen at fit"):
        knn.score(X, ["a", "b", "c", "b", "a", "b"])


def test_least_squares_equals_numpy_lstsq_and_sklearn_ridge():
    """tfref.classic.least_squares against numpy.linalg.lstsq (a batch of polynomial fits, one of
    them rank-deficient: minimum-norm solution) and sklearn's Ridge(fit_intercept=False)."""
    from sklearn.linear_model import Ridge

    from tfref.classic.least_squares import design_matrix, fit_least_squares, rescale_to_unit

    rng = np.random.default_rng(0)
    u = rescale_to_unit(rng.uniform(0, 5, size=(3, 12)), 0.0, 5.0)
    design = design_matrix(u, 4)  # (3, 12, 5)
    design[2, :, 4] = design[2, :, 3]  # a repeated column: rank 4
    y = rng.normal(size=(3, 12))
    expected = np.stack([np.linalg.lstsq(d, t, rcond=None)[0] for d, t in zip(design, y)])
    np.testing.assert_allclose(fit_least_squares(design, y), expected, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit_least_squares(design[0], y[0]), expected[0], rtol=1e-8)
    ridge = Ridge(alpha=0.7, fit_intercept=False).fit(design[0], y[0]).coef_
    np.testing.assert_allclose(fit_least_squares(design[0], y[0], l2=0.7), ridge, rtol=1e-8)
    np.testing.assert_allclose(design_matrix(np.array([0.5]), 2), [[1.0, 0.5, -0.125]])
    for call, words in ((lambda: design_matrix(u, -1), "degree"),
                        (lambda: design_matrix(u, 2.5), "degree"),
                        (lambda: design_matrix(np.array([np.nan]), 2), "NaN"),
                        (lambda: fit_least_squares(design, y[:, :5]), "targets must have shape"),
                        (lambda: fit_least_squares(design[0, 0], y[0]), "design must be"),
                        (lambda: fit_least_squares(design, y, l2=-1.0), "l2"),
                        (lambda: rescale_to_unit(u, 1.0, 1.0), "high > low")):
        with pytest.raises(ValueError, match=words):
            call()
