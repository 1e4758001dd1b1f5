"""Images for the vision topics: bundled photos, shifted and placed digits, generated shapes.

- ``load_photo(name, size)``: one of scikit-learn's bundled sample photos (china.jpg,
  flower.jpg) as float32 in [0, 1], area-resized (no network).
- ``shift_images(x, moves)``: each image moved by whole pixels, zeros shifted in.
- ``place_on_canvas(x, rng, pad)``: each image put at a random offset of a larger zero canvas.
- ``make_shapes(n, rng, size)``: squares and discs of equal area on a noisy background, with
  per-pixel labels (0 background, 1 square, 2 disc) and per-pixel instance ids.

The augmentation, style-transfer, fine-tuning, segmentation and rcnn topics use them.
"""

from __future__ import annotations

import numpy as np

from tfref._validation import check_whole

PHOTOS = ("china.jpg", "flower.jpg")
SHAPE_CLASSES = ("background", "square", "disc")


def _images(x, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"{name} must be a batch of images of shape (n, height, width, "
                         f"channels); got shape {x.shape} (add a channel axis with "
                         "x[..., None] or a batch axis with x[None])")
    return x


def load_photo(name: str = "china.jpg", size=(107, 160)) -> np.ndarray:
    """A scikit-learn sample photo as float32 in [0, 1], area-resized to ``size``: (h, w, 3).

    ``name`` is one of ``PHOTOS`` (427 x 640 RGB each, bundled with scikit-learn).
    """
    import tensorflow as tf
    from sklearn.datasets import load_sample_image

    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}: scikit-learn bundles {', '.join(PHOTOS)}")
    size = tuple(int(s) for s in size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"size must be (height, width) with both >= 1; got {size}")
    image = load_sample_image(name).astype(np.float32) / 255.0
    resized = tf.image.resize(image[np.newaxis], size, method="area").numpy()[0]
    return np.clip(resized, 0.0, 1.0)


def shift_images(x: np.ndarray, moves: np.ndarray) -> np.ndarray:
    """Each image of ``x`` (n, h, w, c) moved by ``moves[i] = (dy, dx)`` whole pixels (down and
    right for positive values), zeros shifted in; pixels moved off the image are lost."""
    x = _images(x, "x")
    moves = np.asarray(moves)
    if moves.shape != (len(x), 2) or not np.issubdtype(moves.dtype, np.integer):
        raise ValueError(f"moves must be integer (dy, dx) pairs, one per image: shape "
                         f"({len(x)}, 2); got shape {moves.shape} of {moves.dtype}")
    out = np.zeros_like(x)
    h, w = x.shape[1:3]
    for i, (dy, dx) in enumerate(moves):
        src_y = slice(max(0, -dy), h - max(0, dy))
        dst_y = slice(max(0, dy), h - max(0, -dy))
        src_x = slice(max(0, -dx), w - max(0, dx))
        dst_x = slice(max(0, dx), w - max(0, -dx))
        out[i, dst_y, dst_x] = x[i, src_y, src_x]
    return out


def place_on_canvas(x: np.ndarray, rng: np.random.Generator, pad: int = 2) -> np.ndarray:
    """Each image (h, w, c) of ``x`` put at a random offset of a (h + 2 pad, w + 2 pad) zero
    canvas, float32: up to ``pad`` pixels off centre in each direction."""
    x = _images(x, "x")
    pad = check_whole(pad, "pad", 0, "pixels")
    n, h, w, c = x.shape
    out = np.zeros((n, h + 2 * pad, w + 2 * pad, c), dtype=np.float32)
    offsets = rng.integers(0, 2 * pad + 1, size=(n, 2))
    for i, (dy, dx) in enumerate(offsets):
        out[i, dy:dy + h, dx:dx + w] = x[i]
    return out


def make_shapes(n: int, rng: np.random.Generator, size: int = 32, instances: bool = False):
    """n images (n, size, size, 3) in [0, 1] with 1-3 shapes each, and per-pixel labels (n, size,
    size): 0 background, 1 square, 2 disc (the disc has the square's area); later shapes cover
    earlier ones. With ``instances=True`` also per-pixel instance ids (0 background, 1, 2, 3 in
    drawing order; a shape covered entirely by later ones has no pixel left).
    """
    n = check_whole(n, "n", 1, "images")
    size = check_whole(size, "size", 16, "pixels: the largest shape is 15 pixels across")
    x = np.empty((n, size, size, 3), np.float32)
    y = np.zeros((n, size, size), np.int32)
    ids = np.zeros((n, size, size), np.int32)
    rows, cols = np.mgrid[0:size, 0:size]
    for i in range(n):
        image = rng.uniform(0.0, 0.35, 3) + rng.normal(0.0, 0.05, (size, size, 3))
        for k in range(rng.integers(1, 4)):
            colour = rng.uniform(0.2, 1.0, 3)
            colour[rng.integers(3)] = rng.uniform(0.6, 1.0)  # at least one bright channel
            label = int(rng.integers(1, 3))
            half = rng.uniform(3.5, 7.5)  # half the square's side
            cy, cx = rng.uniform(half, size - half, 2)
            if label == 1:
                mask = (np.abs(rows - cy) <= half) & (np.abs(cols - cx) <= half)
            else:  # pi r^2 = (2 half)^2
                mask = (rows - cy) ** 2 + (cols - cx) ** 2 <= 4 * half**2 / np.pi
            image[mask] = colour + rng.normal(0.0, 0.05, (int(mask.sum()), 3))
            y[i][mask] = label
            ids[i][mask] = k + 1
        x[i] = image
    x = np.clip(x, 0.0, 1.0)
    return (x, y, ids) if instances else (x, y)
