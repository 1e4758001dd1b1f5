"""A synthetic object-detection set: small images with one or two planted shapes of known box.

Each image is ``size`` x ``size`` RGB on a textured grey background; it holds 1 to
``max_objects`` non-overlapping objects, each a filled square (class 0) or disc (class 1) of
side / diameter between ``min_side`` and ``max_side`` pixels. Squares are drawn in warm colours
(red/orange/yellow), discs in cool colours (blue/cyan/green), so colour and shape both carry the
class. Labels follow D2L's banana set layout: rows (class, x1, y1, x2, y2) with corners normalised
by the image size, padded with rows of -1 up to ``max_objects`` rows. Everything is a function
of ``seed`` (NumPy generator); nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DetectionSet", "CLASS_NAMES", "make_detection_set"]

CLASS_NAMES = ("square", "disc")


@dataclass
class DetectionSet:
    """Images (n, size, size, 3) float32 in [0, 1]; labels (n, max_objects, 5) float32."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def boxes(self, i: int) -> np.ndarray:
        """The (k, 5) label rows of image ``i`` without padding."""
        rows = self.labels[i]
        return rows[rows[:, 0] >= 0]


def _colour(rng: np.random.Generator, cls: int) -> np.ndarray:
    hue = rng.uniform(0.0, 0.15) if cls == 0 else rng.uniform(0.35, 0.65)
    # HSV -> RGB with full saturation and value in [0.8, 1]
    value = rng.uniform(0.8, 1.0)
    k = (np.array([5.0, 3.0, 1.0]) + hue * 6.0) % 6.0
    return value * (1.0 - np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0))


def make_detection_set(n: int, *, size: int = 32, max_objects: int = 2, min_side: int = 8,
                       max_side: int = 16, seed: int = 0) -> DetectionSet:
    """``n`` seeded images with their boxes (see the module docstring)."""
    if n < 1 or size < 8 or not 1 <= max_objects <= 4 or not 2 <= min_side <= max_side < size:
        raise ValueError(f"make_detection_set: need n >= 1, size >= 8, 1 <= max_objects <= 4 and "
                         f"2 <= min_side <= max_side < size; got n={n}, size={size}, "
                         f"max_objects={max_objects}, min_side={min_side}, max_side={max_side}")
    rng = np.random.default_rng(seed)
    images = np.empty((n, size, size, 3), np.float32)
    labels = np.full((n, max_objects, 5), -1.0, np.float32)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    for i in range(n):
        image = 0.45 + 0.1 * rng.standard_normal((size, size, 1)) * np.ones(3)
        image += 0.08 * np.sin(xx / rng.uniform(2, 6) + rng.uniform(0, 6))[..., None]
        placed: list[tuple[int, int, int, int]] = []
        for _ in range(int(rng.integers(1, max_objects + 1))):
            for _attempt in range(50):
                side = int(rng.integers(min_side, max_side + 1))
                x1, y1 = (int(v) for v in rng.integers(0, size - side + 1, size=2))
                box = (x1, y1, x1 + side, y1 + side)
                if all(box[2] <= p[0] or p[2] <= box[0] or box[3] <= p[1] or p[3] <= box[1]
                       for p in placed):
                    break
            else:
                continue
            cls = int(rng.integers(0, 2))
            x1, y1, x2, y2 = box
            if cls == 0:
                inside = (xx >= x1) & (xx < x2) & (yy >= y1) & (yy < y2)
            else:
                radius = (x2 - x1) / 2
                inside = (xx - (x1 + radius)) ** 2 + (yy - (y1 + radius)) ** 2 <= radius**2
            image[inside] = _colour(rng, cls)
            labels[i, len(placed)] = [cls, x1 / size, y1 / size, x2 / size, y2 / size]
            placed.append(box)
        images[i] = np.clip(image, 0.0, 1.0)
    return DetectionSet(images, labels)
