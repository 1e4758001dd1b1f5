"""Properties of the neural-style-transfer losses (docs/contract.md, Style).

``gram_matrix(features)``: X^T X / (c h w) for the (h*w, c) matrix X of a channels-last feature
map, one (c, c) matrix per image. ``content_loss(y_hat, y)``: mean squared difference.
``style_loss(y_hat_gram, gram_y)``: mean squared difference of two Gram matrices.
``total_variation_loss(image)``: half the sum of the mean absolute vertical and horizontal
neighbour differences.

Oracles: a float64 loop for the Gram matrix, scikit-learn's mean_squared_error for the two
losses, TensorFlow's tf.image.total_variation (computed apart, spec_tests.tf_oracle) for total
variation. Tolerances are the dtype's: feature maps are drawn in [-1, 1], so every Gram entry
lies in [-1, 1] and a style loss of two such Grams in [0, 4]; a total variation is a mean of
absolute differences, whose rounding is relative to the result.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tf_oracle import tf_oracle
from spec_tests.tolerances import assert_close


@tf_oracle
def tf_total_variation_sums(batch):
    """(sum of |vertical differences|, sum of |horizontal differences|) over a (n, h, w, c)
    batch: tf.image.total_variation of every column (only vertical neighbours) and of every
    row (only horizontal neighbours)."""
    import tensorflow as tf

    n, h, w, c = batch.shape
    columns = np.transpose(batch, (0, 2, 1, 3)).reshape(n * w, h, 1, c)
    rows = batch.reshape(n * h, 1, w, c)
    vertical = tf.reduce_sum(tf.image.total_variation(tf.constant(columns))).numpy()
    horizontal = tf.reduce_sum(tf.image.total_variation(tf.constant(rows))).numpy()
    return float(vertical), float(horizontal)


@st.composite
def feature_maps(draw, dtype=None, batch=None, min_side=1, max_value=1.0):
    """A channels-last map (h, w, c), or (n, h, w, c) when ``batch`` (or a coin) says so."""
    dtype = dtype or draw(strategies.dtypes())
    h, w = draw(st.integers(min_side, 4)), draw(st.integers(min_side, 4))
    c = draw(st.integers(1, 4))
    batched = draw(st.booleans()) if batch is None else batch
    shape = (draw(st.integers(1, 2)), h, w, c) if batched else (h, w, c)
    elements = strategies.finite_floats(dtype, -max_value, max_value)
    return draw(hnp.arrays(dtype, shape, elements=elements))


def _gram_oracle(x: np.ndarray) -> np.ndarray:
    """sum over positions p of X[p, a] X[p, b] / (c h w), as a float64 loop (math.fsum)."""
    batch = x.astype(np.float64).reshape((-1, *x.shape[-3:]))
    n, h, w, c = batch.shape
    out = np.zeros((n, c, c))
    for image in range(n):
        flat = batch[image].reshape(h * w, c).tolist()
        for a in range(c):
            for b in range(c):
                out[image, a, b] = math.fsum(p[a] * p[b] for p in flat) / (c * h * w)
    return out if x.ndim == 4 else out[0]


def _one_number(value, what: str) -> float:
    assert np.size(value) == 1, f"{what} is one number over every element; got shape {np.shape(value)}"
    return float(np.ravel(value)[0])


# --- the Gram matrix --------------------------------------------------------------------------

@spec_property(requires=["gram_matrix"],
               oracle={"gram_matrix": "float64 loop: sum over positions of X[p, a] X[p, b], "
                                      "over c h w"},
               features=feature_maps())
def test_gram_matrix_equals_x_transpose_x_over_c_h_w(impl, features):
    """(c, c) per image; for an (h w) x (h w) matrix (X X^T) the shapes differ unless h w = c,
    and then the values do."""
    assert_close(impl.gram_matrix(features), _gram_oracle(features), dtype=features.dtype,
                 what=f"gram = X^T X / (c h w) of features {features.shape}")


@spec_property(requires=["gram_matrix"], features=feature_maps())
def test_gram_matrix_is_symmetric_positive_semidefinite(impl, features):
    """Symmetric within the dtype's tolerance; no eigenvalue below minus that tolerance (Gram
    entries lie in [-1, 1])."""
    gram = np.asarray(impl.gram_matrix(features), dtype=np.float64)
    gram = gram.reshape((-1, *gram.shape[-2:]))
    for g in gram:
        assert g.shape[0] == g.shape[1], f"a Gram matrix must be square; got {g.shape}"
        assert_close(g, g.T, dtype=features.dtype, what="G vs G^T")
        smallest = float(np.linalg.eigvalsh(0.5 * (g + g.T)).min())
        assert_close(min(smallest, 0.0), 0.0, dtype=features.dtype,
                     what=f"the smallest eigenvalue of the Gram matrix (>= 0), of\n{g}")


@spec_property(requires=["gram_matrix"], features=feature_maps(), data=st.data())
def test_gram_matrix_is_invariant_to_permuting_positions(impl, features, data):
    """The Gram matrix forgets where a feature fired: any reordering of the h*w positions
    (here: of the pixels of each map) leaves it unchanged."""
    h, w, c = features.shape[-3:]
    order = np.asarray(data.draw(st.permutations(range(h * w)), label="positions"))
    flat = features.reshape((*features.shape[:-3], h * w, c))
    shuffled = np.take(flat, order, axis=-2).reshape(features.shape)
    assert_close(impl.gram_matrix(shuffled), impl.gram_matrix(features), dtype=features.dtype,
                 what=f"gram of position-permuted features (order {order.tolist()})")


@spec_property(requires=["gram_matrix"], level="conventions", features=feature_maps(batch=True))
def test_gram_matrix_of_a_batch_is_the_stack_of_each_images_gram(impl, features):
    batched = impl.gram_matrix(features)
    single = np.stack([impl.gram_matrix(image) for image in features])
    assert_close(batched, single, dtype=features.dtype, what="batched gram vs one at a time")


# --- content and style losses -----------------------------------------------------------------

@st.composite
def loss_pairs(draw, max_value=1.0):
    """``(y_hat, y)`` of one shape; each entry of y_hat - y is 0 or at least 1e-2 in size."""
    x = draw(feature_maps(max_value=max_value))
    steps = draw(hnp.arrays(np.float64, x.shape, elements=st.one_of(
        st.just(0.0), st.floats(1e-2, 1.0), st.floats(-1.0, -1e-2))))
    return (x + steps).astype(x.dtype), x


@st.composite
def gram_pairs(draw):
    """Two (c, c) or (n, c, c) arrays of one shape with entries in [-1, 1] (Gram-sized)."""
    dtype = draw(strategies.dtypes())
    c = draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(c, c), (1, c, c), (2, c, c)]))
    elements = strategies.finite_floats(dtype, -1.0, 1.0)
    return draw(hnp.arrays(dtype, shape, elements=elements)), draw(
        hnp.arrays(dtype, shape, elements=elements))


@spec_property(requires=["content_loss"],
               oracle={"content_loss": "sklearn.metrics.mean_squared_error"},
               pair=loss_pairs(max_value=10.0))
def test_content_loss_matches_sklearn_mean_squared_error_and_is_zero_only_for_equal_inputs(
        impl, pair):
    from sklearn.metrics import mean_squared_error

    y_hat, y = pair
    loss = _one_number(impl.content_loss(y_hat, y), "content_loss")
    expected = mean_squared_error(y.astype(np.float64).ravel(), y_hat.astype(np.float64).ravel())
    assert_close(loss, expected, dtype=y.dtype, what="content_loss vs mean_squared_error")
    same = _one_number(impl.content_loss(y, y), "content_loss")
    assert same == 0.0, f"content_loss(y, y) must be exactly 0; got {same!r}"
    if np.any(y_hat != y):
        assert loss > 0.0, f"content_loss of different inputs must be > 0; got {loss!r}"


@spec_property(requires=["style_loss"],
               oracle={"style_loss": "sklearn.metrics.mean_squared_error"}, pair=gram_pairs())
def test_style_loss_matches_sklearn_mean_squared_error(impl, pair):
    from sklearn.metrics import mean_squared_error

    g_hat, g = pair
    loss = _one_number(impl.style_loss(g_hat, g), "style_loss")
    expected = mean_squared_error(g.astype(np.float64).ravel(), g_hat.astype(np.float64).ravel())
    assert_close(loss, expected, dtype=g.dtype, what="style_loss vs mean_squared_error")
    same = _one_number(impl.style_loss(g, g), "style_loss")
    assert same == 0.0, f"style_loss(G, G) must be exactly 0; got {same!r}"


@spec_property(requires=["gram_matrix", "style_loss"], pair=loss_pairs())
def test_style_loss_of_gram_matrices_is_the_mean_squared_difference_of_channel_grams(
        impl, pair):
    """Features in [-2, 2], so Gram entries in [-4, 4]: with G's rounding error d, the loss's
    is at most 2 d sqrt(loss), within the dtype's atol + rtol * loss."""
    y_hat, y = pair
    loss = _one_number(impl.style_loss(impl.gram_matrix(y_hat), impl.gram_matrix(y)),
                       "style_loss")
    expected = np.mean((_gram_oracle(y_hat) - _gram_oracle(y)) ** 2)
    assert_close(loss, expected, dtype=y.dtype,
                 what="style_loss(gram(y_hat), gram(y)) vs mean((G_hat - G)^2) of (c, c) Grams")


# --- total variation ------------------------------------------------------------------------

@spec_property(requires=["total_variation_loss"],
               oracle={"total_variation_loss": "tf.image.total_variation (of every column and "
                                               "every row, then means)"},
               image=feature_maps(min_side=2, max_value=10.0))
def test_total_variation_matches_tf_image_total_variation_as_means(impl, image):
    """tf.image.total_variation sums; the contract averages each direction over its neighbour
    pairs, channels and images, then halves the sum."""
    batch = image.astype(np.float64).reshape((-1, *image.shape[-3:]))
    n, h, w, c = batch.shape
    vertical, horizontal = tf_total_variation_sums(batch)
    expected = 0.5 * (vertical / (n * (h - 1) * w * c) + horizontal / (n * h * (w - 1) * c))
    loss = _one_number(impl.total_variation_loss(image), "total_variation_loss")
    assert_close(loss, expected, dtype=image.dtype,
                 what="TV vs 0.5 (mean |vertical diff| + mean |horizontal diff|) from tf.image")


@spec_property(requires=["total_variation_loss"], image=feature_maps(min_side=2, max_value=10.0),
               offset=st.sampled_from([-4.0, -0.5, 0.25, 2.0, 8.0]))
def test_total_variation_is_zero_for_constant_images_and_ignores_offsets(impl, image, offset):
    """Images on a grid of 1/64 in [-10, 10] plus offsets that are multiples of 1/4: the shift
    is exact in float32, so TV(image + offset) = TV(image) to the dtype's tolerance."""
    image = (np.round(image.astype(np.float64) * 64) / 64).astype(image.dtype)
    constant = np.broadcast_to(image[..., :1, :1, :], image.shape).copy()
    flat = _one_number(impl.total_variation_loss(constant), "total_variation_loss")
    assert flat == 0.0, f"an image constant in each channel has total variation 0; got {flat!r}"
    shifted = (image.astype(np.float64) + offset).astype(image.dtype)
    assert_close(impl.total_variation_loss(shifted), impl.total_variation_loss(image),
                 dtype=image.dtype, what=f"TV(image + {offset}) vs TV(image)")


@spec_property(requires=["total_variation_loss"], image=feature_maps(min_side=2, max_value=10.0))
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
                     dtype=image.dtype, what=f"TV after a {label}")


@spec_property(requires=["gram_matrix"],
               oracle={"gram_matrix": "closed form: one pixel x gives x x^T / c"},
               dtype=strategies.dtypes(),
               values=st.lists(strategies.finite_floats(np.float32, -1, 1), min_size=3, max_size=3))
def test_gram_matrix_of_one_pixel_is_its_outer_product_over_c(impl, dtype, values):
    pixel = np.array([[values]], dtype)
    p = pixel.astype(np.float64).ravel()
    assert_close(impl.gram_matrix(pixel), np.outer(p, p) / 3, dtype=dtype,
                 what="gram of one 3-channel pixel")


@spec_property(requires=["content_loss"],
               oracle={"content_loss": "closed form: (a - b)^2 for one element"},
               dtype=strategies.dtypes(), a=strategies.finite_floats(np.float32, -10, 10),
               b=strategies.finite_floats(np.float32, -10, 10))
def test_content_loss_of_one_element_is_the_squared_difference(impl, dtype, a, b):
    one, other = np.array([[[a]]], dtype), np.array([[[b]]], dtype)
    assert_close(_one_number(impl.content_loss(one, other), "content_loss"),
                 (float(one.ravel()[0]) - float(other.ravel()[0])) ** 2, dtype=dtype,
                 what="content_loss of one element")


@spec_property(requires=["total_variation_loss"],
               oracle={"total_variation_loss": "closed form: a 2 x 2 image by hand"},
               dtype=strategies.dtypes(),
               values=st.lists(strategies.finite_floats(np.float32, -10, 10), min_size=4, max_size=4))
def test_total_variation_of_a_2x2_image_by_hand(impl, dtype, values):
    """The smallest image TV accepts, [[a, b], [c, d]]: 0.5 ((|c - a| + |d - b|) / 2 +
    (|b - a| + |d - c|) / 2)."""
    image = np.array(values, dtype).reshape(2, 2, 1)
    (a, b), (c, d) = image[..., 0].astype(np.float64).tolist()
    expected = 0.5 * ((abs(c - a) + abs(d - b)) / 2 + (abs(b - a) + abs(d - c)) / 2)
    assert_close(_one_number(impl.total_variation_loss(image), "total_variation_loss"), expected,
                 dtype=dtype, what=f"TV of the 2 x 2 image {image[..., 0].tolist()}")


# --- bad input ------------------------------------------------------------------------------

@spec_property(requires=["gram_matrix"], shape=st.sampled_from([(4,), (3, 4), (1, 2, 2, 2, 2)]))
def test_gram_matrix_rejects_inputs_of_the_wrong_rank(impl, shape):
    x = np.ones(shape, dtype=np.float32)
    expect_value_error(lambda: impl.gram_matrix(x), "features", rule=f"gram_matrix of {shape}")


@spec_property(requires=["total_variation_loss"],
               shape=st.sampled_from([(4,), (3, 4), (1, 2, 2, 2, 2)]),
               thin=st.sampled_from([(1, 3, 2), (3, 1, 2), (2, 1, 4, 1)]))
def test_total_variation_loss_rejects_the_wrong_rank_and_images_without_neighbours(
        impl, shape, thin):
    expect_value_error(lambda: impl.total_variation_loss(np.ones(shape, np.float32)), "image",
                       rule=f"total_variation_loss of {shape}")
    expect_value_error(lambda: impl.total_variation_loss(np.ones(thin, np.float32)), "image",
                       rule=f"total_variation_loss of a {thin} image without neighbours")


@spec_property(requires=["content_loss"],
               shapes=st.sampled_from([((2, 3), (3, 2)), ((2, 2, 3), (2, 2, 4)), ((3,), (3, 1))]))
def test_content_loss_rejects_mismatched_shapes(impl, shapes):
    a, b = (np.ones(s, dtype=np.float32) for s in shapes)
    expect_value_error(lambda: impl.content_loss(a, b), "y_hat", "y",
                       rule=f"content_loss of shapes {shapes}")


@spec_property(requires=["style_loss"])
def test_style_loss_rejects_mismatched_or_non_square_grams(impl):
    expect_value_error(lambda: impl.style_loss(np.ones((3, 3)), np.ones((4, 4))),
                       "y_hat_gram", "gram_y", rule="style_loss of (3, 3) and (4, 4) Grams")
    expect_value_error(lambda: impl.style_loss(np.ones((2, 3)), np.ones((2, 3))),
                       one_of=("y_hat_gram", "gram_y"), rule="style_loss of non-square (2, 3)")
