"""Properties of the neural-style-transfer losses (docs/contract.md, Style).

``gram_matrix(features)``: X^T X / (c h w) for the (h*w, c) matrix X of a channels-last feature
map, one (c, c) matrix per image. ``content_loss(y_hat, y)``: mean squared difference.
``style_loss(y_hat_gram, gram_y)``: mean squared difference of two Gram matrices.
``total_variation_loss(image)``: half the sum of the mean absolute vertical and horizontal
neighbour differences. The oracles here are written in float64 NumPy, independently of the
reference implementation's loops.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tolerances import assert_close, tolerance


@st.composite
def feature_maps(draw, dtype=None, batch=None, min_side=1, max_value=10.0):
    """A channels-last map (h, w, c), or (n, h, w, c) when ``batch`` (or a coin) says so."""
    dtype = dtype or draw(strategies.dtypes())
    h, w = draw(st.integers(min_side, 4)), draw(st.integers(min_side, 4))
    c = draw(st.integers(1, 4))
    batched = draw(st.booleans()) if batch is None else batch
    shape = (draw(st.integers(1, 2)), h, w, c) if batched else (h, w, c)
    elements = strategies.finite_floats(dtype, -max_value, max_value)
    return draw(hnp.arrays(dtype, shape, elements=elements))


def _gram_oracle(x: np.ndarray) -> np.ndarray:
    batch = x.astype(np.float64).reshape((-1, *x.shape[-3:]))
    n, h, w, c = batch.shape
    flat = batch.reshape(n, h * w, c)
    gram = np.einsum("npa,npb->nab", flat, flat) / (c * h * w)
    return gram if x.ndim == 4 else gram[0]


def _tv_oracle(x: np.ndarray) -> float:
    batch = x.astype(np.float64).reshape((-1, *x.shape[-3:]))
    vertical = np.abs(np.diff(batch, axis=1)).mean()
    horizontal = np.abs(np.diff(batch, axis=2)).mean()
    return 0.5 * (vertical + horizontal)


def _scale(x: np.ndarray) -> float:
    return float(np.max(np.abs(x.astype(np.float64)))) if x.size else 0.0


# --- the Gram matrix --------------------------------------------------------------------------

@spec_property(requires=["gram_matrix"], features=feature_maps())
def test_gram_matrix_equals_x_transpose_x_over_c_h_w(impl, features):
    out = impl.gram_matrix(features)
    c = features.shape[-1]
    expected_shape = (c, c) if features.ndim == 3 else (features.shape[0], c, c)
    assert out.shape == expected_shape, f"shape {out.shape} for features {features.shape}"
    assert out.dtype == features.dtype, f"dtype {out.dtype} for {features.dtype} features"
    tol = tolerance(features.dtype)
    assert_close(out, _gram_oracle(features), dtype=features.dtype,
                 atol=tol["atol"] * max(1.0, _scale(features) ** 2),
                 what="gram = X^T X / (c h w)")


@spec_property(requires=["gram_matrix"], features=feature_maps())
def test_gram_matrix_is_symmetric_positive_semidefinite(impl, features):
    gram = np.asarray(impl.gram_matrix(features), dtype=np.float64)
    gram = gram.reshape((-1, *gram.shape[-2:]))
    bound = tolerance(features.dtype)["rtol"] * max(1.0, _scale(features) ** 2) * 10
    for g in gram:
        assert g.shape[0] == g.shape[1], f"a Gram matrix must be square; got {g.shape}"
        assert np.max(np.abs(g - g.T)) <= bound, f"Gram matrix not symmetric:\n{g}"
        smallest = float(np.linalg.eigvalsh(0.5 * (g + g.T)).min())
        assert smallest >= -bound, f"Gram matrix has eigenvalue {smallest:.3g} < 0:\n{g}"


@spec_property(requires=["gram_matrix"], features=feature_maps(), data=st.data())
def test_gram_matrix_is_invariant_to_permuting_positions(impl, features, data):
    """The Gram matrix forgets where a feature fired: any reordering of the h*w positions
    (here: of the pixels of each map) leaves it unchanged."""
    h, w, c = features.shape[-3:]
    order = np.asarray(data.draw(st.permutations(range(h * w)), label="positions"))
    flat = features.reshape((*features.shape[:-3], h * w, c))
    shuffled = np.take(flat, order, axis=-2).reshape(features.shape)
    tol = tolerance(features.dtype)
    assert_close(impl.gram_matrix(shuffled), impl.gram_matrix(features), dtype=features.dtype,
                 atol=tol["atol"] * max(1.0, _scale(features) ** 2),
                 what="gram of position-permuted features")


@spec_property(requires=["gram_matrix"], features=feature_maps(batch=True))
def test_gram_matrix_of_a_batch_is_the_stack_of_each_images_gram(impl, features):
    batched = impl.gram_matrix(features)
    single = np.stack([impl.gram_matrix(image) for image in features])
    assert_close(batched, single, dtype=features.dtype, what="batched gram vs one at a time")


# --- content and style losses -----------------------------------------------------------------

@st.composite
def loss_pairs(draw):
    """``(y_hat, y)`` of one shape; each entry of y_hat - y is 0 or at least 1e-2 in size."""
    x = draw(feature_maps(max_value=5.0))
    steps = draw(hnp.arrays(np.float64, x.shape, elements=st.one_of(
        st.just(0.0), st.floats(1e-2, 1.0), st.floats(-1.0, -1e-2))))
    return (x + steps).astype(x.dtype), x


@spec_property(requires=["content_loss"], pair=loss_pairs())
def test_content_loss_is_the_mean_squared_difference_and_zero_only_for_equal_inputs(impl, pair):
    y_hat, y = pair
    loss = impl.content_loss(y_hat, y)
    assert np.shape(loss) == (), f"content_loss must be a scalar; got shape {np.shape(loss)}"
    diff = y_hat.astype(np.float64) - y.astype(np.float64)
    assert_close(loss, np.mean(diff**2), dtype=y.dtype, what="mean((y_hat - y)^2)")
    assert float(impl.content_loss(y, y)) == 0.0, "content_loss(y, y) must be exactly 0"
    if np.any(y_hat != y):
        assert float(loss) > 0.0, "content_loss of different inputs must be > 0"


@spec_property(requires=["gram_matrix", "style_loss"], pair=loss_pairs())
def test_style_loss_is_the_mean_squared_difference_of_gram_matrices(impl, pair):
    y_hat, y = pair
    g_hat, g = impl.gram_matrix(y_hat), impl.gram_matrix(y)
    loss = impl.style_loss(g_hat, g)
    assert np.shape(loss) == (), f"style_loss must be a scalar; got shape {np.shape(loss)}"
    expected = np.mean((_gram_oracle(y_hat) - _gram_oracle(y)) ** 2)
    tol = tolerance(y.dtype)
    assert_close(loss, expected, dtype=y.dtype, rtol=50 * tol["rtol"],
                 atol=tol["atol"] * max(1.0, _scale(y_hat) ** 4) * 10,
                 what="mean((G_hat - G)^2)")
    assert float(impl.style_loss(g, g)) == 0.0, "style_loss(G, G) must be exactly 0"


# --- total variation ------------------------------------------------------------------------

@spec_property(requires=["total_variation_loss"], image=feature_maps(min_side=2))
def test_total_variation_equals_the_mean_absolute_neighbour_difference(impl, image):
    loss = impl.total_variation_loss(image)
    assert np.shape(loss) == (), f"total_variation_loss must be a scalar; got {np.shape(loss)}"
    assert_close(loss, _tv_oracle(image), dtype=image.dtype,
                 atol=tolerance(image.dtype)["atol"] * max(1.0, _scale(image)),
                 what="0.5 (mean |vertical diff| + mean |horizontal diff|)")


@spec_property(requires=["total_variation_loss"], image=feature_maps(min_side=2),
               offset=st.floats(-5.0, 5.0))
def test_total_variation_is_zero_for_constant_images_and_ignores_offsets(impl, image, offset):
    constant = np.broadcast_to(image[..., :1, :1, :], image.shape).copy()
    assert float(impl.total_variation_loss(constant)) == 0.0, (
        "an image constant in each channel has total variation 0")
    shifted = (image.astype(np.float64) + offset).astype(image.dtype)
    tol = tolerance(image.dtype)
    assert_close(impl.total_variation_loss(shifted), impl.total_variation_loss(image),
                 dtype=image.dtype, atol=tol["atol"] * 20 * max(1.0, _scale(image) + abs(offset)),
                 rtol=20 * tol["rtol"], what="TV(image + offset)")


@spec_property(requires=["total_variation_loss"], image=feature_maps(min_side=2))
def test_total_variation_is_invariant_to_flips_and_to_swapping_height_and_width(impl, image):
    """Both directions count alike and |a - b| = |b - a|: flipping the image up-down or
    left-right, or transposing its height and width, leaves TV unchanged."""
    tv = impl.total_variation_loss(image)
    h_axis, w_axis = image.ndim - 3, image.ndim - 2
    transposed = np.swapaxes(image, h_axis, w_axis)
    for label, other in (("up-down flip", np.flip(image, h_axis)),
                         ("left-right flip", np.flip(image, w_axis)),
                         ("height/width swap", transposed)):
        assert_close(impl.total_variation_loss(np.ascontiguousarray(other)), tv,
                     dtype=image.dtype, atol=tolerance(image.dtype)["atol"] * max(1.0, _scale(image)),
                     what=f"TV after a {label}")


# --- bad input ------------------------------------------------------------------------------

@spec_property(requires=["gram_matrix", "total_variation_loss"],
               shape=st.sampled_from([(4,), (3, 4), (1, 2, 2, 2, 2)]),
               thin=st.sampled_from([(1, 3, 2), (3, 1, 2), (2, 1, 4, 1)]))
def test_style_functions_reject_inputs_of_the_wrong_rank(impl, shape, thin):
    x = np.ones(shape, dtype=np.float32)
    expect_value_error(lambda: impl.gram_matrix(x), "features", rule=f"gram_matrix of {shape}")
    expect_value_error(lambda: impl.total_variation_loss(x), "image",
                       rule=f"total_variation_loss of {shape}")
    expect_value_error(lambda: impl.total_variation_loss(np.ones(thin, np.float32)), "image",
                       rule=f"total_variation_loss of a {thin} image without neighbours")


@spec_property(requires=["content_loss", "style_loss"],
               shapes=st.sampled_from([((2, 3), (3, 2)), ((2, 2, 3), (2, 2, 4)), ((3,), (3, 1))]))
def test_style_losses_reject_mismatched_or_non_square_inputs(impl, shapes):
    a, b = (np.ones(s, dtype=np.float32) for s in shapes)
    expect_value_error(lambda: impl.content_loss(a, b), "y_hat", "y",
                       rule=f"content_loss of shapes {shapes}")
    expect_value_error(lambda: impl.style_loss(np.ones((3, 3)), np.ones((4, 4))),
                       "y_hat_gram", "gram_y", rule="style_loss of (3, 3) and (4, 4) Grams")
    expect_value_error(lambda: impl.style_loss(np.ones((2, 3)), np.ones((2, 3))),
                       one_of=("y_hat_gram", "gram_y"), rule="style_loss of non-square (2, 3)")
