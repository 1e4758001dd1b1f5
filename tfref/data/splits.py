"""Train / validation / test splits of a classification data set, with the fallback rule.

Validation is always held apart from test (the d2l TensorFlow edition validated on its test
set). Splits are stratified (each class in the same proportion in every part), disjoint and
repeatable under a seed. When a real data set that needs files or a download (Fashion-MNIST)
is unavailable, :func:`load_classification` falls back to digits and says so in ``note``, and
:func:`resolve_dataset` puts that note in the topic's report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfref._whole import is_whole
from tfref.data.embedded import load_embedded
from tfref.data.errors import DataUnavailable
from tfref.data.remote import FASHION_MNIST_CLASSES, FASHION_MNIST_URL, load_fashion_mnist

__all__ = [
    "digits_unit_scaled_splits",
    "CLASSIFICATION_DATASETS",
    "FALLBACK_DATASET",
    "Splits",
    "canonical_name",
    "load_classification",
    "resolve_dataset",
]

CLASSIFICATION_DATASETS: tuple[str, ...] = (
    "digits",
    "iris",
    "wine",
    "breast_cancer",
    "fashion-mnist",
)
FALLBACK_DATASET = "digits"
_ALIASES = {
    "breast-cancer": "breast_cancer",
    "fashion_mnist": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
}


@dataclass(frozen=True, eq=False)
class Splits:
    """Disjoint, stratified train / validation / test parts of one data set.

    ``x_*`` are float32 (images scaled to [0, 1]; tabular features standardised with the
    training part's mean and standard deviation); ``y_*`` are int64 labels 0..num_classes-1.
    ``name`` is the data set actually loaded, ``requested`` the one asked for; they differ
    after a fallback, and ``note`` then says why. ``idx_*`` are the row numbers of each part in
    the source data (Fashion-MNIST: train and validation rows of its training file, test rows
    of its test file).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str
    requested: str
    num_classes: int
    class_names: tuple[str, ...]
    source: str
    seed: int
    idx_train: np.ndarray
    idx_val: np.ndarray
    idx_test: np.ndarray
    image_shape: tuple[int, int] | None = None
    note: str | None = None

    @property
    def fell_back(self) -> bool:
        return self.name != self.requested

    def summary(self) -> str:
        """One line for a report: data set, sizes of the three parts, seed."""
        return (
            f"{self.name} ({self.source}): {len(self.y_train)} train / {len(self.y_val)} "
            f"validation / {len(self.y_test)} test examples, {self.num_classes} classes, "
            f"stratified, seed {self.seed}"
        )


def canonical_name(name: str) -> str:
    """The catalogue spelling of a data set name ("Breast-Cancer" -> "breast_cancer")."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a data set name must be a non-empty string; got {name!r}")
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def load_classification(
    name: str = "digits",
    seed: int = 0,
    *,
    validation_fraction: float = 0.2,
    test_fraction: float = 0.2,
    max_train: int | None = None,
    as_images: bool = False,
    scale: bool = True,
    fallback: str | None = FALLBACK_DATASET,
    download: bool = True,
) -> Splits:
    """Load a classification data set by name and split it into train, validation and test.

    Embedded sets (digits, iris, wine, breast_cancer) are split into test (``test_fraction`` of
    all examples) and a pool, and the pool into train and validation (``validation_fraction``
    of the pool). Fashion-MNIST keeps its official 10,000-image test set; validation comes out
    of its 60,000 training images. Every split is stratified and seeded.

    Args:
        name: one of ``CLASSIFICATION_DATASETS``.
        seed: seeds the splits (same seed, same splits).
        validation_fraction: share of the non-test pool held out for validation, in (0, 1).
        test_fraction: share of all examples held out for test (embedded sets), in (0, 1).
        max_train: keep at most this many training examples (a stratified subset), e.g. for
            quick runs; validation and test are not reduced.
        as_images: image sets only: x of shape (n, height, width, 1) instead of (n, pixels).
        scale: images to [0, 1]; tabular features standardised by the training part's
            statistics. False keeps the raw values (as float32).
        fallback: the data set to use when ``name`` is unavailable (None: raise instead).
        download: allow downloading a real data set that is not on this machine.

    Returns:
        :class:`Splits`; ``note`` says so when the fallback was taken.

    Raises:
        ValueError: an unknown name (the message lists the known ones), fractions outside
            (0, 1), ``as_images`` for a tabular set, a bad ``max_train``.
        DataUnavailable: ``name`` is unavailable and ``fallback`` is None.

    Example:
    >>> splits = load_classification("iris", seed=0)
    >>> len(splits.y_train), len(splits.y_val), len(splits.y_test)
    (96, 24, 30)
    """
    requested = canonical_name(name)
    if requested not in CLASSIFICATION_DATASETS:
        raise ValueError(
            f"unknown classification data set {name!r}; known: {', '.join(CLASSIFICATION_DATASETS)}"
        )
    for label, fraction in (
        ("validation_fraction", validation_fraction),
        ("test_fraction", test_fraction),
    ):
        if not 0.0 < float(fraction) < 1.0:
            raise ValueError(f"{label} must be in (0, 1); got {fraction}")
    if max_train is not None and (not is_whole(max_train) or max_train < 1):
        raise ValueError(f"max_train must be a whole number >= 1 or None; got {max_train!r}")
    if not is_whole(seed):
        raise ValueError(f"seed must be a whole number; got {seed!r}")
    options = dict(
        validation_fraction=float(validation_fraction),
        test_fraction=float(test_fraction),
        max_train=max_train,
        as_images=as_images,
        scale=scale,
        seed=int(seed),
    )
    if requested != "fashion-mnist":
        return _split_embedded(requested, requested, note=None, **options)
    try:
        data = load_fashion_mnist(download=download)
    except DataUnavailable as error:
        if fallback is None:
            raise
        substitute = canonical_name(fallback)
        if substitute == "fashion-mnist" or substitute not in CLASSIFICATION_DATASETS:
            raise ValueError(
                f"fallback must be an embedded classification set; got {fallback!r}"
            ) from None
        note = (
            f"Data: {requested} was requested but is unavailable, so this run used {substitute} "
            f"(scikit-learn's bundled copy, no network needed) instead. {error}"
        )
        return _split_embedded(substitute, requested, note=note, **options)
    return _split_fashion_mnist(data, **options)


def resolve_dataset(
    ctx, default: str = "digits", allowed: tuple[str, ...] = CLASSIFICATION_DATASETS, *,
    per_dataset: dict[str, dict] | None = None, **kwargs
) -> Splits:
    """The splits a topic should use: ``--data NAME`` (``ctx.options["data"]``) or ``default``.

    Validates the name against ``allowed``, loads it with :func:`load_classification` (seeded
    by ``ctx.seed``; ``kwargs`` are passed on, plus ``per_dataset[name]`` for the chosen data
    set, e.g. ``{"fashion-mnist": {"max_train": 6000}}``), applies the fallback to digits when
    the data set is unavailable, and writes to the report (``ctx.note``) which data was used
    and, after a fallback, why. Topics never read ``--data`` themselves.

    Raises:
        ValueError: the name is not in ``allowed`` (the message lists the allowed names).
    """
    allowed = tuple(canonical_name(a) for a in allowed)
    unknown = [a for a in allowed if a not in CLASSIFICATION_DATASETS]
    if unknown:
        raise ValueError(
            f"allowed names {unknown} are not classification data sets; known: "
            f"{', '.join(CLASSIFICATION_DATASETS)}"
        )
    requested = (ctx.options or {}).get("data") or default
    key = canonical_name(requested)
    if key not in allowed:
        raise ValueError(
            f"--data {requested!r} is not a data set this topic can use; choose one of: "
            f"{', '.join(allowed)}"
        )
    unknown = [name for name in (per_dataset or {}) if canonical_name(name) not in allowed]
    if unknown:
        raise ValueError(f"per_dataset names {unknown} are not among the allowed {list(allowed)}")
    for name, extra in (per_dataset or {}).items():
        if canonical_name(name) == key:
            kwargs.update(extra)
    kwargs.setdefault("fallback", FALLBACK_DATASET if FALLBACK_DATASET in allowed else None)
    splits = load_classification(key, seed=ctx.seed, **kwargs)
    if splits.note:
        ctx.note(splits.note)
    ctx.note(f"Data: {splits.summary()}.")
    return splits


# -- splitting ----------------------------------------------------------------------------------
def _stratified_split(indices: np.ndarray, labels: np.ndarray, held_out: float | int, seed: int):
    """(kept, held out) index arrays; ``held_out`` is a fraction or a count of ``indices``."""
    from sklearn.model_selection import train_test_split

    kept, out = train_test_split(
        indices, test_size=held_out, stratify=labels[indices], random_state=seed % 2**32
    )
    return np.sort(kept), np.sort(out)


def _cap(indices: np.ndarray, labels: np.ndarray, max_train: int | None, seed: int) -> np.ndarray:
    if max_train is None or len(indices) <= max_train:
        return indices
    kept, _ = _stratified_split(indices, labels, len(indices) - max_train, seed + 1)
    return kept


def _split_embedded(
    key, requested, *, note, validation_fraction, test_fraction, max_train, as_images, scale, seed
) -> Splits:
    data = load_embedded(key)
    if as_images and data.image_shape is None:
        raise ValueError(f"as_images=True needs an image data set; {key} is tabular")
    everything = np.arange(data.num_examples)
    pool, test = _stratified_split(everything, data.y, test_fraction, seed)
    train, val = _stratified_split(pool, data.y, validation_fraction, seed)
    train = _cap(train, data.y, max_train, seed)
    x = np.asarray(data.x, dtype=np.float32)
    parts = [x[train], x[val], x[test]]
    if scale:
        parts = _scaled(parts, max_value=16.0 if key == "digits" else None)
    if as_images:
        parts = [p.reshape(-1, *data.image_shape, 1) for p in parts]  # (n, 8, 8, 1)
    return Splits(
        parts[0],
        data.y[train].copy(),
        parts[1],
        data.y[val].copy(),
        parts[2],
        data.y[test].copy(),
        name=key,
        requested=requested,
        num_classes=data.num_classes,
        class_names=data.target_names,
        source=f"scikit-learn bundled, {data.description}",
        seed=seed,
        idx_train=train,
        idx_val=val,
        idx_test=test,
        image_shape=data.image_shape,
        note=note,
    )


def _split_fashion_mnist(
    data, *, validation_fraction, test_fraction, max_train, as_images, scale, seed
) -> Splits:
    del test_fraction  # the official test set is the test part
    (x_pool, y_pool), (x_test, y_test) = data
    y_pool, y_test = y_pool.astype(np.int64), y_test.astype(np.int64)
    train, val = _stratified_split(np.arange(len(y_pool)), y_pool, validation_fraction, seed)
    train = _cap(train, y_pool, max_train, seed)
    parts = [x_pool[train], x_pool[val], x_test]
    parts = [p.astype(np.float32) / (255.0 if scale else 1.0) for p in parts]
    parts = [
        p[..., None] if as_images else p.reshape(len(p), -1) for p in parts
    ]  # (n, 28, 28, 1) or (n, 784)
    return Splits(
        parts[0],
        y_pool[train],
        parts[1],
        y_pool[val],
        parts[2],
        y_test,
        name="fashion-mnist",
        requested="fashion-mnist",
        num_classes=10,
        class_names=FASHION_MNIST_CLASSES,
        source=f"Zalando Research's Fashion-MNIST via keras.datasets ({FASHION_MNIST_URL})",
        seed=seed,
        idx_train=train,
        idx_val=val,
        idx_test=np.arange(len(y_test)),
        image_shape=(28, 28),
    )


def _scaled(parts: list[np.ndarray], max_value: float | None) -> list[np.ndarray]:
    """Images: divide by the largest pixel value. Tabular: standardise with train statistics."""
    if max_value is not None:
        return [p / np.float32(max_value) for p in parts]
    mean = parts[0].mean(axis=0)
    std = parts[0].std(axis=0)
    std = np.where(std > 0, std, 1.0).astype(np.float32)
    return [((p - mean) / std).astype(np.float32) for p in parts]


def digits_unit_scaled_splits(seed: int):
    """Digits with pixels scaled to [0, 1] and stratified 60 / 20 / 20 train/validation/test indices.

    The split the chapter A-B digits topics (hidden-size, softmax-regression, hyperparameters)
    share: 40% is held out with ``seed``, then halved into validation and test with ``seed``.

    Args:
        seed: random state of both stratified splits.

    Returns:
        ``(inputs, labels, train, validation, test)``: inputs (1797, 64) float32 in [0, 1],
        labels (1797,) int64, and three disjoint index arrays.

    Example:
        >>> inputs, labels, train, validation, test = digits_unit_scaled_splits(0)
        >>> len(train), len(validation), len(test), float(inputs.max())
        (1078, 359, 360, 1.0)
    """
    from sklearn.model_selection import train_test_split

    digits = load_embedded("digits")
    labels = np.asarray(digits.y)
    indices = np.arange(len(labels))
    train, rest = train_test_split(indices, test_size=0.4, random_state=seed, stratify=labels)
    validation, test = train_test_split(rest, test_size=0.5, random_state=seed,
                                        stratify=labels[rest])
    return (np.asarray(digits.x) / 16.0).astype(np.float32), labels, train, validation, test
