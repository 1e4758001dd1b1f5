"""Properties of pairwise distances and Gaussian densities (docs/contract.md, Distances).

``pairwise_distances(a, b=None, metric)`` is checked against ``scipy.spatial.distance.cdist``
(an independent oracle), also on nearby points far from the origin (where |a|^2 + |b|^2 - 2 a.b
cancels), against the metric axioms (symmetry, the triangle inequality) and against exact zeros
between identical points. ``gaussian_pdf`` and ``gaussian_density`` are checked against
``scipy.stats.norm.pdf`` (with ``scale = sqrt(var)``: the contract takes the variance), its
product over the feature axis and ``scipy.stats.multivariate_normal`` with a diagonal covariance.
Tolerances are the per-dtype ones: a distance summed from coordinate differences is accurate
to a few roundings relative to itself, whatever the size of the coordinates.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import cdist
from scipy.stats import multivariate_normal, norm

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close, tolerance

METRICS = ("euclidean", "sqeuclidean", "manhattan")
SCIPY_NAME = {"euclidean": "euclidean", "sqeuclidean": "sqeuclidean", "manhattan": "cityblock"}


@st.composite
def point_sets(draw, count=2, max_points=6, max_features=4, max_abs=100.0):
    """``count`` float arrays of shape (n_i, d) sharing one dtype and d."""
    dtype = draw(strategies.dtypes())
    d = draw(st.integers(1, max_features))
    elements = strategies.finite_floats(dtype, -max_abs, max_abs)
    return [draw(hnp.arrays(dtype, (draw(st.integers(1, max_points)), d), elements=elements))
            for _ in range(count)]


@st.composite
def gaussian_inputs(draw, max_points=5, max_features=5):
    """x of shape (n, d), per-feature mean and var > 0 of shape (d,), one dtype."""
    dtype = draw(strategies.dtypes())
    n, d = draw(st.integers(1, max_points)), draw(st.integers(1, max_features))
    values = strategies.finite_floats(dtype, -10.0, 10.0)
    x = draw(hnp.arrays(dtype, (n, d), elements=values))
    mean = draw(hnp.arrays(dtype, (d,), elements=values))
    var = draw(hnp.arrays(dtype, (d,), elements=strategies.finite_floats(dtype, 0.0625, 20.0)))
    return x, mean, var


# --- pairwise distances -----------------------------------------------------------------------

@spec_property(requires=["pairwise_distances"], level="maths", sets=point_sets(),
               metric=st.sampled_from(METRICS),
               oracle={"pairwise_distances": "scipy.spatial.distance.cdist"})
def test_pairwise_distances_match_scipy_cdist(impl, sets, metric):
    a, b = sets
    out = impl.pairwise_distances(a, b, metric=metric)
    expected = cdist(a.astype(np.float64), b.astype(np.float64), SCIPY_NAME[metric])
    assert_close(out, expected, dtype=a.dtype, what=f"{metric} distances vs cdist")


@st.composite
def nearby_points_far_away(draw):
    """Two point sets within a unit of each other around an offset of 1e3 to 1e5: the data of
    cancellation (large mean, small spread). The points are rounded to their dtype first, so
    the oracle sees the same numbers."""
    dtype = draw(strategies.dtypes())
    d = draw(st.integers(1, 4))
    offset = draw(st.sampled_from([1e3, -3e4, 1e5])) * draw(
        hnp.arrays(np.float64, d, elements=st.sampled_from([1.0, -1.0, 0.5])))
    spread = strategies.finite_floats(np.float64, -1.0, 1.0)
    a, b = (draw(hnp.arrays(np.float64, (draw(st.integers(1, 4)), d), elements=spread))
            for _ in range(2))
    return (a + offset).astype(dtype), (b + offset).astype(dtype)


@spec_property(requires=["pairwise_distances"], level="maths", sets=nearby_points_far_away(),
               metric=st.sampled_from(METRICS),
               oracle={"pairwise_distances": "scipy.spatial.distance.cdist"})
def test_pairwise_distances_of_nearby_points_far_from_the_origin_match_scipy_cdist(
        impl, sets, metric):
    """Coordinate differences of nearby numbers are exact, so the plain per-dtype tolerance
    holds; the Gram expansion |a|^2 + |b|^2 - 2 a.b loses |a|^2 eps to cancellation."""
    a, b = sets
    out = impl.pairwise_distances(a, b, metric=metric)
    expected = cdist(a.astype(np.float64), b.astype(np.float64), SCIPY_NAME[metric])
    assert_close(out, expected, dtype=a.dtype,
                 what=f"{metric} distances of nearby points around {a[0]} vs cdist")


@spec_property(requires=["pairwise_distances"], level="maths", sets=nearby_points_far_away(),
               data=st.data())
def test_pairwise_distances_between_identical_points_are_exactly_zero(impl, sets, data):
    """b holds copies of rows of a (far from the origin): those distances are exactly 0, for
    every metric on each drawn set (a metric drawn per example let a breakage of one metric go
    unseen on the draws that picked another)."""
    a, others = sets
    picks = data.draw(hnp.arrays(np.int64, data.draw(st.integers(1, 4)),
                                 elements=st.integers(0, len(a) - 1)), label="copied rows")
    b = np.concatenate([a[picks], others])
    same = (a[:, None, :] == b[None, :, :]).all(axis=-1)
    for metric in METRICS:
        out = np.asarray(impl.pairwise_distances(a, b, metric=metric), np.float64)
        assert np.all(out[same] == 0.0), (
            f"{metric}: d(x, x) must be exactly 0; got {out[same]} for identical rows")
        with np.errstate(invalid="ignore"):
            assert np.all(out[~same] > 0), (
                f"{metric}: a zero (or NaN) between distinct points: {out}")


@spec_property(requires=["pairwise_distances"], level="maths", sets=point_sets(count=1),
               metric=st.sampled_from(METRICS))
def test_pairwise_distances_within_one_set_are_symmetric_with_a_zero_diagonal(impl, sets, metric):
    (a,) = sets
    out = np.asarray(impl.pairwise_distances(a, metric=metric), np.float64)
    assert out.shape == (a.shape[0], a.shape[0]), f"shape {out.shape} for a {a.shape}"
    assert np.array_equal(out, out.T), f"{metric}: D != D.T:\n{out}"
    assert np.all(np.diag(out) == 0), f"{metric}: nonzero diagonal {np.diag(out)}"
    assert np.all(out >= 0), f"{metric}: negative distance {out.min()}"
    same = impl.pairwise_distances(a, a, metric=metric)
    assert_close(same, out, dtype=a.dtype, what="pairwise_distances(a) vs pairwise_distances(a, a)")


@spec_property(requires=["pairwise_distances"], level="maths",
               sets=point_sets(count=3, max_points=4),
               metric=st.sampled_from(("euclidean", "manhattan")))
def test_pairwise_distances_satisfy_the_triangle_inequality(impl, sets, metric):
    x, y, z = sets
    xz, xy, yz = (np.asarray(impl.pairwise_distances(p, q, metric=metric), np.float64)
                  for p, q in ((x, z), (x, y), (y, z)))  # (nx, nz), (nx, ny), (ny, nz)
    detour = (xy[:, :, None] + yz[None, :, :]).min(axis=1)  # min over y of d(x,y) + d(y,z)
    slack = tolerance(x.dtype)["rtol"] * (detour + 1.0)
    worst = float(np.max(xz - detour - slack))
    assert worst <= 0, f"{metric}: d(x, z) exceeds d(x, y) + d(y, z) by {worst:.3g}"


@spec_property(requires=["pairwise_distances"], level="maths",
               sets=point_sets(count=1, max_points=4))
def test_squared_euclidean_is_the_square_of_euclidean(impl, sets):
    (a,) = sets
    b = a[::-1] + np.asarray(1.5, dtype=a.dtype)
    """Squaring doubles the relative error of the euclidean distance: rtol x 3."""
    euclid = np.asarray(impl.pairwise_distances(a, b, metric="euclidean"), np.float64)
    assert_close(impl.pairwise_distances(a, b, metric="sqeuclidean"), euclid**2, dtype=a.dtype,
                 rtol=3 * tolerance(a.dtype)["rtol"], what="sqeuclidean vs euclidean^2")


@spec_property(requires=["pairwise_distances"], level="validation")
def test_pairwise_distances_reject_bad_input(impl):
    a = np.zeros((3, 2))
    expect_value_error(lambda: impl.pairwise_distances(a, np.zeros((2, 3))), "a", "b",
                       rule="a and b with different feature counts")
    expect_value_error(lambda: impl.pairwise_distances(a, a, metric="cosine"), "metric",
                       rule="an unknown metric")
    expect_value_error(lambda: impl.pairwise_distances(np.zeros(3), a), "a",
                       rule="1-D points")
    bad = a.copy()
    bad[1, 1] = np.nan
    expect_value_error(lambda: impl.pairwise_distances(a, bad), "b", rule="NaN in b")


# --- Gaussian densities -----------------------------------------------------------------------

@spec_property(requires=["gaussian_pdf"], level="maths", inputs=gaussian_inputs(),
               oracle={"gaussian_pdf": "scipy.stats.norm.pdf(x, mean, sqrt(var))"})
def test_gaussian_pdf_matches_scipy_norm_pdf(impl, inputs):
    x, mean, var = inputs
    out = impl.gaussian_pdf(x, mean, var)
    expected = norm.pdf(x.astype(np.float64), mean.astype(np.float64),
                        np.sqrt(var.astype(np.float64)))
    assert_close(out, expected, dtype=x.dtype, what="gaussian_pdf vs scipy.stats.norm.pdf")


@spec_property(requires=["gaussian_density"], level="maths", inputs=gaussian_inputs(),
               oracle={"gaussian_density": "scipy.stats.norm.pdf, multiplied over the features"})
def test_gaussian_density_is_the_product_of_per_feature_normal_pdfs(impl, inputs):
    x, mean, var = inputs
    out = impl.gaussian_density(x, mean, var)
    x64, m64, v64 = (a.astype(np.float64) for a in (x, mean, var))
    expected = norm.pdf(x64, m64, np.sqrt(v64)).prod(axis=-1)
    assert_close(out, expected, dtype=x.dtype, what="gaussian_density vs prod of norm.pdf")


@spec_property(requires=["gaussian_density"], level="maths", inputs=gaussian_inputs(),
               oracle={"gaussian_density": "scipy.stats.multivariate_normal(mean, diag(var)).pdf"})
def test_gaussian_density_matches_scipy_multivariate_normal_with_diagonal_covariance(impl, inputs):
    x, mean, var = inputs
    out = impl.gaussian_density(x, mean, var)
    x64, m64, v64 = (a.astype(np.float64) for a in (x, mean, var))
    expected = np.reshape(multivariate_normal(m64, np.diag(v64)).pdf(x64), x.shape[:-1])
    assert_close(out, expected, dtype=x.dtype,
                 what="gaussian_density vs scipy.stats.multivariate_normal, diagonal covariance")


@spec_property(requires=["gaussian_density"], level="maths",
               z=st.sampled_from([11.2, 11.5, 11.8]), narrow=st.integers(5, 6),
               oracle={"gaussian_density": "scipy.stats.norm.logpdf summed over the features, "
                                           "then exp, in float64"})
def test_gaussian_density_in_float32_does_not_underflow_where_the_density_is_a_normal_number(
        impl, z, narrow):
    """float32 x, every variance 1e-8 (sigma 1e-4): two features z sigma from their mean (pdf
    2e-24 to 2e-27 each), then 5-6 at their mean (pdf 3989 each). The density, 5e-36 to 2e-26,
    is a normal float32, but a product taken left to right in float32 underflows to 0 at the
    second feature; the contract computes it as exp(sum of logs). Compared relatively (atol 0):
    the plain float32 atol of 2e-5 would accept 0. (Equal variances: scipy's
    multivariate_normal takes a diagonal covariance of very unequal entries as singular.)"""
    x = np.array([[z * 1e-4, -z * 1e-4] + [0.25] * narrow], dtype=np.float32)
    mean = np.array([0.0, 0.0] + [0.25] * narrow, dtype=np.float32)
    var = np.full(narrow + 2, 1e-8, dtype=np.float32)
    out = np.asarray(impl.gaussian_density(x, mean, var), dtype=np.float64)
    x64, m64, v64 = (a.astype(np.float64) for a in (x, mean, var))
    expected = np.exp(norm.logpdf(x64, m64, np.sqrt(v64)).sum(axis=-1))
    assert_close(out, expected, dtype=np.float32, atol=0.0,
                 what=f"gaussian_density of float32 x = {x.tolist()} (density {expected[0]:.3g}) "
                      f"vs exp of the summed scipy.stats.norm.logpdf")


@spec_property(requires=["gaussian_pdf"], level="maths", dtype=strategies.dtypes(),
               var=st.floats(0.1, 10.0), mean=st.floats(-3.0, 3.0))
def test_gaussian_pdf_integrates_to_one(impl, dtype, var, mean):
    """Trapezoid rule over mean +- 10 sigma on 4001 points: 1 within 1e-3."""
    sigma = np.sqrt(var)
    grid = np.linspace(mean - 10 * sigma, mean + 10 * sigma, 4001).astype(dtype)
    pdf = impl.gaussian_pdf(grid, np.asarray(mean, dtype), np.asarray(var, dtype))
    area = float(np.trapezoid(pdf.astype(np.float64), grid.astype(np.float64)))
    assert abs(area - 1.0) < 1e-3, f"integral of the pdf = {area} (var = {var})"


@spec_property(requires=["gaussian_pdf", "gaussian_density"], level="validation")
def test_gaussian_densities_reject_bad_input(impl):
    x = np.zeros((2, 3))
    expect_value_error(lambda: impl.gaussian_pdf(x, np.zeros(3), np.array([1.0, 0.0, 1.0])),
                       "var", rule="a zero variance")
    expect_value_error(lambda: impl.gaussian_density(x, np.zeros(3), -np.ones(3)), "var",
                       rule="a negative variance")
    expect_value_error(lambda: impl.gaussian_density(x, np.zeros(4), np.ones(4)), "x", "mean",
                       rule="mean of a different feature count")
    bad = x.copy()
    bad[0, 0] = np.nan
    expect_value_error(lambda: impl.gaussian_density(bad, np.zeros(3), np.ones(3)), "x",
                       rule="NaN in x")
