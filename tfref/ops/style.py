"""Neural style transfer losses: Gram matrix, content, style and total-variation loss (D2L 13.12).

Feature maps are channels-last, ``(h, w, c)`` for one image or ``(n, h, w, c)`` for a batch.
With X the (h*w, c) matrix whose rows are the positions of one feature map and whose columns
are its channels:

    gram(X)            = X^T X / (c * h * w)                     (c, c), D2L's normalisation
    content_loss       = mean((Y_hat - Y)^2)                      a scalar
    style_loss         = mean((G_hat - G)^2)                      on Gram matrices, a scalar
    total_variation    = 0.5 * (mean|x[i+1, j] - x[i, j]| + mean|x[i, j+1] - x[i, j]|)

The Gram matrix holds the channel correlations summed over positions: it forgets where a
feature fired (invariant to any permutation of the h*w positions) and keeps how often features
fire together, which is the "style". D2L divides by the number of elements c*h*w so that the
style loss does not grow with the size of the image (PyTorch's ``gram`` there includes the
batch of one in h*w); here a batch of n maps gives n Gram matrices, each normalised by its own
c*h*w.

Symbols -> names: X -> ``features``; Y_hat, Y -> ``y_hat``, ``y``; G_hat, G -> ``y_hat_gram``,
``gram_y``; x -> ``image``.
"""

from __future__ import annotations

import tensorflow as tf

from tfref._validation import as_float, check_same_shape, common_float

__all__ = ["gram_matrix", "content_loss", "style_loss", "total_variation_loss"]


def _check_image_rank(x: tf.Tensor, name: str, what: str) -> None:
    rank = x.shape.rank
    if rank not in (3, 4):
        raise ValueError(
            f"{name} must be {what} of shape (h, w, c) or (n, h, w, c), channels last; got rank "
            f"{rank} (shape {x.shape.as_list()})"
        )


def gram_matrix(features) -> tf.Tensor:
    """The channel Gram matrix of a feature map, normalised by its number of elements.

    Formula:
        X = reshape(features, (h * w, c))
        G = X^T X / (c * h * w),   G[a, b] = sum_p X[p, a] X[p, b] / (c h w)

    G is symmetric and positive semi-definite, and does not change when the h*w positions are
    permuted.

    Args:
        features: a feature map ``(h, w, c)`` or a batch ``(n, h, w, c)``; float32 by default,
            float64 honoured.

    Returns:
        ``(c, c)`` for one map, ``(n, c, c)`` for a batch (each normalised by its c*h*w).

    Raises:
        ValueError: ``features`` empty, not numbers, or not of rank 3 or 4.

    Example:
    >>> x = np.array([[[1.0, 0.0], [1.0, 2.0]]])  # h=1, w=2, c=2
    >>> ops.gram_matrix(x).numpy()  # [[1+1, 0+2], [0+2, 0+4]] / (2*1*2)
    array([[0.5, 0.5],
           [0.5, 1. ]])
    """
    x = as_float(features, "features")
    _check_image_rank(x, "features", "a feature map")
    single = x.shape.rank == 3
    if single:
        x = x[tf.newaxis]
    shape = tf.shape(x)
    h, w, c = shape[1], shape[2], shape[3]
    flat = tf.reshape(x, tf.stack([shape[0], h * w, c]))  # (n, positions, channels)
    count = tf.cast(h * w * c, x.dtype)
    gram = tf.matmul(flat, flat, transpose_a=True) / count
    return gram[0] if single else gram


def content_loss(y_hat, y) -> tf.Tensor:
    """Mean squared difference between the synthesised and the content features.

    Formula:
        L_content = mean((Y_hat - Y)^2)  over every element

    D2L writes it with ``stop_gradient`` on Y (the target is a constant); here the caller
    passes the content features as a constant, so the gradient flows into ``y_hat`` only when
    ``y`` is not a variable being optimised.

    Args:
        y_hat: features of the synthesised image, any shape.
        y: features of the content image, the same shape.

    Returns:
        A scalar tensor, 0 exactly when ``y_hat == y``.

    Raises:
        ValueError: an input empty, or the shapes differ (no broadcasting).

    Example:
    >>> round(float(ops.content_loss([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])), 6)  # (0 + 0 + 4) / 3
    1.333333
    """
    y_hat, y = common_float((y_hat, "y_hat"), (y, "y"))
    check_same_shape(y_hat, y, "y_hat", "y")
    return tf.reduce_mean(tf.square(y_hat - tf.stop_gradient(y)))


def style_loss(y_hat_gram, gram_y) -> tf.Tensor:
    """Mean squared difference between two Gram matrices (see :func:`gram_matrix`).

    Formula:
        L_style = mean((G_hat - G)^2)  over every element of the (c, c) (or (n, c, c)) matrices

    Args:
        y_hat_gram: Gram matrix of the synthesised image's features, ``(c, c)`` or
            ``(n, c, c)``.
        gram_y: Gram matrix of the style image's features, the same shape.

    Returns:
        A scalar tensor.

    Raises:
        ValueError: an input empty, of rank below 2, whose last two axes are not square, or the
            shapes differ.

    Example:
    >>> g = ops.gram_matrix(np.ones((2, 2, 3), dtype="float32"))  # every entry 4 / 12
    >>> round(float(ops.style_loss(g, np.zeros((3, 3)))), 6)  # (1/3)^2
    0.111111
    """
    y_hat_gram, gram_y = common_float((y_hat_gram, "y_hat_gram"), (gram_y, "gram_y"))
    for tensor, name in ((y_hat_gram, "y_hat_gram"), (gram_y, "gram_y")):
        shape = tensor.shape.as_list()
        if len(shape) < 2 or (None not in shape[-2:] and shape[-1] != shape[-2]):
            raise ValueError(
                f"{name} must be a Gram matrix of shape (c, c) or (n, c, c), square in its last "
                f"two axes; got shape {shape}"
            )
    check_same_shape(y_hat_gram, gram_y, "y_hat_gram", "gram_y")
    return tf.reduce_mean(tf.square(y_hat_gram - tf.stop_gradient(gram_y)))


def total_variation_loss(image) -> tf.Tensor:
    """Total-variation denoising loss: the mean absolute difference of neighbouring pixels.

    Formula (D2L 13.12, on channels-last images):
        TV = 0.5 * ( mean_{i,j,k} |x[i+1, j, k] - x[i, j, k]|
                   + mean_{i,j,k} |x[i, j+1, k] - x[i, j, k]| )
    each mean over every vertical (resp. horizontal) pair of neighbours, all channels and all
    images of a batch. It is 0 exactly for an image constant in each channel.

    Args:
        image: ``(h, w, c)`` or ``(n, h, w, c)`` with h >= 2 and w >= 2.

    Returns:
        A scalar tensor.

    Raises:
        ValueError: ``image`` empty, not of rank 3 or 4, or less than 2 pixels high or wide (a
            direction without neighbours has no mean).

    Example:
    >>> x = np.array([[0.0, 1.0], [0.0, 1.0]])[:, :, None]  # a vertical edge
    >>> float(ops.total_variation_loss(x))  # 0.5 * (0 + 1)
    0.5
    """
    x = as_float(image, "image")
    _check_image_rank(x, "image", "an image")
    if x.shape.rank == 3:
        x = x[tf.newaxis]
    h, w = x.shape[1], x.shape[2]
    if (h is not None and h < 2) or (w is not None and w < 2):
        raise ValueError(
            f"image must be at least 2 pixels high and 2 wide (it has neighbours in both "
            f"directions); got height {h} and width {w}"
        )
    vertical = tf.reduce_mean(tf.abs(x[:, 1:, :, :] - x[:, :-1, :, :]))
    horizontal = tf.reduce_mean(tf.abs(x[:, :, 1:, :] - x[:, :, :-1, :]))
    return 0.5 * (vertical + horizontal)
