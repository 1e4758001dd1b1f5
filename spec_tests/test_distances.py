"""Properties of pairwise distances and Gaussian densities (docs/contract.md, Distances).

``pairwise_distances(a, b=None, metric)`` is checked against ``scipy.spatial.distance.cdist``
(an independent oracle) and against the metric axioms: symmetry, a zero diagonal, the triangle
inequality. ``gaussian_pdf`` and ``gaussian_density`` are checked against
``scipy.stats.norm.pdf`` (with ``scale = sqrt(var)``: the contract takes the variance) and
its product over the feature axis.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import cdist
from scipy.stats import norm

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


def _scale(*arrays) -> float:
    """Largest magnitude of the inputs, for an absolute tolerance on sums of differences."""
    return max(float(np.max(np.abs(a))) for a in arrays) + 1.0


# --- pairwise distances -----------------------------------------------------------------------

@spec_property(requires=["pairwise_distances"], sets=point_sets(),
               metric=st.sampled_from(METRICS))
def test_pairwise_distances_match_scipy_cdist(impl, sets, metric):
    a, b = sets
    out = impl.pairwise_distances(a, b, metric=metric)
    assert out.shape == (a.shape[0], b.shape[0]), f"shape {out.shape} for a {a.shape}, b {b.shape}"
    assert out.dtype == a.dtype, f"dtype {out.dtype} for {a.dtype} inputs"
    expected = cdist(a.astype(np.float64), b.astype(np.float64), SCIPY_NAME[metric])
    tol = tolerance(a.dtype)
    # float32: rounding of each coordinate difference, relative to the coordinates' size.
    atol = tol["atol"] + tol["rtol"] * _scale(a, b) ** (2 if metric == "sqeuclidean" else 1) * \
        (1e-3 if a.dtype == np.float32 else 0.0)
    assert_close(out, expected, dtype=a.dtype, atol=atol, what=f"{metric} distances vs cdist")


@spec_property(requires=["pairwise_distances"], sets=point_sets(count=1),
               metric=st.sampled_from(METRICS))
def test_pairwise_distances_within_one_set_are_symmetric_with_a_zero_diagonal(impl, sets, metric):
    (a,) = sets
    out = impl.pairwise_distances(a, metric=metric)
    assert out.shape == (a.shape[0], a.shape[0]), f"shape {out.shape} for a {a.shape}"
    assert np.array_equal(out, out.T), f"{metric}: D != D.T:\n{out}"
    assert np.all(np.diag(out) == 0), f"{metric}: nonzero diagonal {np.diag(out)}"
    assert np.all(out >= 0), f"{metric}: negative distance {out.min()}"
    same = impl.pairwise_distances(a, a, metric=metric)
    assert_close(same, out, dtype=a.dtype, what="pairwise_distances(a) vs pairwise_distances(a, a)")


@spec_property(requires=["pairwise_distances"], sets=point_sets(count=3, max_points=4),
               metric=st.sampled_from(("euclidean", "manhattan")))
def test_pairwise_distances_satisfy_the_triangle_inequality(impl, sets, metric):
    x, y, z = sets
    xz = impl.pairwise_distances(x, z, metric=metric)  # (nx, nz)
    xy = impl.pairwise_distances(x, y, metric=metric)  # (nx, ny)
    yz = impl.pairwise_distances(y, z, metric=metric)  # (ny, nz)
    detour = (xy[:, :, None] + yz[None, :, :]).min(axis=1)  # min over y of d(x,y) + d(y,z)
    slack = tolerance(x.dtype)["rtol"] * (detour + 1.0)
    worst = float(np.max(xz - detour - slack))
    assert worst <= 0, f"{metric}: d(x, z) exceeds d(x, y) + d(y, z) by {worst:.3g}"


@spec_property(requires=["pairwise_distances"], sets=point_sets(count=1, max_points=4))
def test_squared_euclidean_is_the_square_of_euclidean(impl, sets):
    (a,) = sets
    b = a[::-1] + np.asarray(1.5, dtype=a.dtype)
    euclid = impl.pairwise_distances(a, b, metric="euclidean").astype(np.float64)
    assert_close(impl.pairwise_distances(a, b, metric="sqeuclidean"), euclid**2, dtype=a.dtype,
                 atol=tolerance(a.dtype)["atol"] * _scale(a, b) ** 2,
                 what="sqeuclidean vs euclidean^2")


@spec_property(requires=["pairwise_distances"])
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

@spec_property(requires=["gaussian_pdf"], inputs=gaussian_inputs())
def test_gaussian_pdf_matches_scipy_norm_pdf(impl, inputs):
    x, mean, var = inputs
    out = impl.gaussian_pdf(x, mean, var)
    assert out.shape == x.shape and out.dtype == x.dtype, f"shape/dtype {out.shape}/{out.dtype}"
    expected = norm.pdf(x.astype(np.float64), mean.astype(np.float64),
                        np.sqrt(var.astype(np.float64)))
    assert_close(out, expected, dtype=x.dtype, what="gaussian_pdf vs scipy.stats.norm.pdf")


@spec_property(requires=["gaussian_density"], inputs=gaussian_inputs())
def test_gaussian_density_is_the_product_of_per_feature_normal_pdfs(impl, inputs):
    x, mean, var = inputs
    out = impl.gaussian_density(x, mean, var)
    assert out.shape == x.shape[:-1], f"shape {out.shape} for x {x.shape}"
    x64, m64, v64 = (a.astype(np.float64) for a in (x, mean, var))
    expected = norm.pdf(x64, m64, np.sqrt(v64)).prod(axis=-1)
    assert_close(out, expected, dtype=x.dtype, what="gaussian_density vs prod of norm.pdf")


@spec_property(requires=["gaussian_pdf"], dtype=strategies.dtypes(),
               var=st.floats(0.1, 10.0), mean=st.floats(-3.0, 3.0))
def test_gaussian_pdf_integrates_to_one(impl, dtype, var, mean):
    """Trapezoid rule over mean +- 10 sigma on 4001 points: 1 within 1e-3."""
    sigma = np.sqrt(var)
    grid = np.linspace(mean - 10 * sigma, mean + 10 * sigma, 4001).astype(dtype)
    pdf = impl.gaussian_pdf(grid, np.asarray(mean, dtype), np.asarray(var, dtype))
    area = float(np.trapezoid(pdf.astype(np.float64), grid.astype(np.float64)))
    assert abs(area - 1.0) < 1e-3, f"integral of the pdf = {area} (var = {var})"


@spec_property(requires=["gaussian_pdf", "gaussian_density"])
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
