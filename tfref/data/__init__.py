"""Data for the reproductions: embedded defaults, shipped files with checksums, real loaders.

No network is needed by default (design/architecture.md, Data policy):

- ``load_embedded(name)``: scikit-learn's bundled real sets (digits, iris, wine, breast_cancer,
  diabetes) as a :class:`Dataset` with float32 features.
- ``load_seattle_weather(year=None)``: Seattle's daily weather 2012-2015 (NOAA, shipped with
  tfref), verified against ``MANIFEST.json`` before it is parsed.
- ``load_time_machine()`` and ``load_fashion_mnist()``: real sets that are not shipped; read from
  ``$TFREF_DATA_DIR`` or the Keras cache, else downloaded; offline they raise
  :class:`DataUnavailable` saying what is missing and where to put it.
- ``load_classification(name, seed)``: stratified, seeded, disjoint train / validation / test
  splits, falling back to digits (with a note) when a real set is unavailable;
  ``resolve_dataset(ctx)`` does the same for a topic's ``--data`` option and writes the note
  into the report.

- ``tfref.data.shards``: data beyond memory, as sharded TFRecord files with a manifest and
  checksums (``write_shards``, ``generate_shards``), streamed back by ``read_shards`` for
  ``tfref.train.fit_dataset``.

Shipped files live in ``tfref/data/files/`` with their MANIFEST (source, licence, sha256).
"""

from __future__ import annotations

from tfref.data.embedded import EMBEDDED_DATASETS, Dataset, load_embedded
from tfref.data.errors import ChecksumMismatch, DataUnavailable
from tfref.data.manifest import file_sha256, load_manifest, shipped_dir, verify_file
from tfref.data.remote import (
    FASHION_MNIST_FILES,
    FASHION_MNIST_URL,
    TIME_MACHINE_FILE,
    TIME_MACHINE_URL,
    cache_dir,
    data_dir,
    load_fashion_mnist,
    load_time_machine,
)
from tfref.data.splits import (
    CLASSIFICATION_DATASETS,
    FALLBACK_DATASET,
    Splits,
    canonical_name,
    digits_unit_scaled_splits,
    load_classification,
    resolve_dataset,
)
from tfref.data.text import (
    LaplaceNgramModel,
    TextSource,
    Vocab,
    ZipfFit,
    clean_lines,
    load_corpus,
    load_text,
    ngram_counts,
    seq_data_iter_random,
    seq_data_iter_sequential,
    tokenize,
    zipf_fit,
)
from tfref.data.weather import load_seattle_weather

__all__ = [
    "CLASSIFICATION_DATASETS",
    "EMBEDDED_DATASETS",
    "FALLBACK_DATASET",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_URL",
    "TIME_MACHINE_FILE",
    "TIME_MACHINE_URL",
    "ChecksumMismatch",
    "DataUnavailable",
    "Dataset",
    "Splits",
    "cache_dir",
    "canonical_name",
    "data_dir",
    "digits_unit_scaled_splits",
    "file_sha256",
    "load_classification",
    "load_embedded",
    "load_fashion_mnist",
    "load_manifest",
    "load_seattle_weather",
    "load_time_machine",
    "resolve_dataset",
    "shipped_dir",
    "verify_file",
    "LaplaceNgramModel",
    "TextSource",
    "Vocab",
    "ZipfFit",
    "clean_lines",
    "load_corpus",
    "load_text",
    "ngram_counts",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "tokenize",
    "zipf_fit",
]
