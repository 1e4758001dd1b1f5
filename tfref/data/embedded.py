"""scikit-learn's bundled real data sets: the embedded defaults that need no network.

digits (8x8 images of hand-written digits), iris, wine and breast_cancer are classification
sets; diabetes is a regression set. They ship inside scikit-learn, so these loaders work offline.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

__all__ = ["EMBEDDED_DATASETS", "Dataset", "load_embedded"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set in memory: features ``x`` (float32, read-only) and targets ``y``.

    ``y`` holds int64 class labels 0..k-1 for classification (``task == "classification"``)
    and float32 targets for regression.
    """

    x: np.ndarray  # (n, features)
    y: np.ndarray  # (n,)
    name: str
    source: str
    description: str
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    task: str = "classification"
    image_shape: tuple[int, int] | None = None  # (height, width) when each row is an image

    @property
    def num_examples(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_classes(self) -> int | None:
        return len(self.target_names) if self.task == "classification" else None


# name -> (scikit-learn loader, task, source, description)
_SKLEARN = {
    "digits": (
        "load_digits",
        "classification",
        "scikit-learn bundled copy of the UCI ML hand-written digits set (Alpaydin and Kaynak, "
        "1998; test part of the optical recognition data set)",
        "1797 grey-scale 8x8 images of hand-written digits 0-9, pixel values 0..16",
    ),
    "iris": (
        "load_iris",
        "classification",
        "scikit-learn bundled copy of Fisher's iris data (UCI ML repository)",
        "150 iris flowers, 4 measurements (cm), 3 species",
    ),
    "wine": (
        "load_wine",
        "classification",
        "scikit-learn bundled copy of the UCI ML wine recognition data",
        "178 wines, 13 chemical measurements, 3 cultivars",
    ),
    "breast_cancer": (
        "load_breast_cancer",
        "classification",
        "scikit-learn bundled copy of the UCI ML Breast Cancer Wisconsin (Diagnostic) data",
        "569 tumours, 30 features of cell nuclei, classes malignant (0) / benign (1)",
    ),
    "diabetes": (
        "load_diabetes",
        "regression",
        "scikit-learn bundled copy of the diabetes data of Efron, Hastie, Johnstone and "
        "Tibshirani (2004), 'Least Angle Regression'",
        "442 patients, 10 baseline variables (raw units), target: disease progression one year "
        "later",
    ),
}

EMBEDDED_DATASETS: tuple[str, ...] = tuple(_SKLEARN)


def load_embedded(name: str) -> Dataset:
    """Load one of scikit-learn's bundled data sets (no network needed).

    Features are float32 in their original units (diabetes unscaled, digits 0..16); labels are
    int64. The arrays are read-only and shared between calls: copy them before changing them.

    Args:
        name: one of ``EMBEDDED_DATASETS``: "digits", "iris", "wine", "breast_cancer",
            "diabetes" ("breast-cancer" is accepted too).

    Returns:
        A :class:`Dataset`.

    Raises:
        ValueError: ``name`` is not one of the embedded data sets (the message lists them).

    Example:
    >>> data = load_embedded("iris")
    >>> data.x.shape, data.x.dtype, data.num_classes
    ((150, 4), dtype('float32'), 3)
    """
    if not isinstance(name, str):
        raise ValueError(
            f"name must be a string, one of {', '.join(EMBEDDED_DATASETS)}; got {name!r}"
        )
    key = name.strip().lower().replace("-", "_")
    if key not in _SKLEARN:
        raise ValueError(
            f"unknown embedded data set {name!r}; the embedded ones are: "
            f"{', '.join(EMBEDDED_DATASETS)}"
        )
    return _load_cached(key)


@functools.cache
def _load_cached(key: str) -> Dataset:
    import sklearn.datasets

    loader_name, task, source, description = _SKLEARN[key]
    kwargs = {"scaled": False} if key == "diabetes" else {}
    bunch = getattr(sklearn.datasets, loader_name)(**kwargs)
    x = np.ascontiguousarray(bunch.data, dtype=np.float32)
    if task == "classification":
        y = np.asarray(bunch.target, dtype=np.int64)
        target_names = tuple(str(t) for t in bunch.target_names)
    else:
        y = np.asarray(bunch.target, dtype=np.float32)
        target_names = ()
    x.setflags(write=False)
    y.setflags(write=False)
    return Dataset(
        x=x,
        y=y,
        name=key,
        source=source,
        description=description,
        feature_names=tuple(str(f) for f in bunch.feature_names),
        target_names=target_names,
        task=task,
        image_shape=(8, 8) if key == "digits" else None,
    )
