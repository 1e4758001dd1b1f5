"""Data beyond memory: sharded TFRecord files with a manifest, read back as a tf.data stream.

A shard set is a folder holding ``<name>-00000-of-000NN.tfrecord`` files and ``manifest.json``:
the number of examples, the shape and dtype of one example's features and label, and for each
shard its file name, example count, size in bytes and sha256. Shards are written to temporary
names and renamed, the manifest last, so a set is complete or absent. Reading checks every
shard's size (a truncated shard is refused by name) and, unless told not to, its sha256 (a
corrupted one is refused) before a single record is parsed.

    >>> import numpy as np, tempfile
    >>> x = np.arange(12, dtype="float32").reshape(6, 2); y = np.arange(6) % 2
    >>> folder = tempfile.mkdtemp()
    >>> manifest = write_shards(x, y, folder, num_shards=2)
    >>> manifest["num_examples"], [s["examples"] for s in manifest["shards"]]
    (6, [3, 3])
    >>> batches = list(read_shards(folder, batch_size=4, parallel_reads=1))
    >>> [int(b[0].shape[0]) for b in batches]
    [4, 2]

``read_shards`` interleaves the files (``parallel_reads`` at a time), parses in parallel and
prefetches, all with ``tf.data.AUTOTUNE``. Under ``MultiWorkerMirroredStrategy`` a dataset
built from files is sharded across workers by file (tf.data's auto-sharding), so each worker
reads only its own shards: give it at least as many shards as workers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from tfref._files import atomic_write
from tfref._validation import check_whole
from tfref.data.errors import ChecksumMismatch
from tfref.data.manifest import file_sha256

__all__ = ["MANIFEST", "generate_shards", "read_manifest", "read_shards", "write_shards",
           "write_shard_chunks"]

MANIFEST = "manifest.json"
FORMAT = "tfref-shards-1"  # records: x as raw little-endian float32 bytes, y as int64


def _shard_name(name: str, index: int, count: int) -> str:
    return f"{name}-{index:05d}-of-{count:05d}.tfrecord"


def _check_name(name: str) -> str:
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"name must be letters, digits, '-' or '_'; got {name!r}")
    return name


def _positive(label: str, value) -> int:
    return check_whole(value, label, 1)


def _example(x_row: np.ndarray, y_row: np.ndarray) -> bytes:
    import tensorflow as tf

    raw = np.ascontiguousarray(x_row, dtype="<f4").tobytes()  # little-endian float32
    feature = {"x": tf.train.Feature(bytes_list=tf.train.BytesList(value=[raw])),
               "y": tf.train.Feature(int64_list=tf.train.Int64List(value=np.ravel(y_row)))}
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def write_shard_chunks(chunks: Iterable[tuple[np.ndarray, np.ndarray]], directory, *,
                       num_examples: int, num_shards: int, name: str = "data",
                       description: str = "") -> dict:
    """Write ``num_examples`` examples, arriving as ``(x, y)`` chunks, into ``num_shards`` shards.

    Only one chunk is in memory at a time, so the set may be larger than memory. Shard ``i``
    gets examples ``[i * n // k, (i + 1) * n // k)`` (sizes differ by at most one). Features
    are stored as float32, labels as int64.

    Args:
        chunks: an iterable of ``(x, y)`` arrays, ``x`` of shape ``(m, *feature_shape)``, ``y``
            of shape ``(m,)`` or ``(m, *label_shape)``, adding up to ``num_examples`` rows.
        directory: the folder to write (created; an existing shard set there is replaced).
        num_examples: the total number of examples the chunks hold.
        num_shards: how many files, between 1 and ``num_examples``.
        name: the file name prefix.
        description: a sentence kept in the manifest (where the data came from).

    Returns:
        The manifest written (also in ``directory/manifest.json``).

    Raises:
        ValueError: bad counts or names, chunks whose shapes disagree, or chunks that do not
            add up to ``num_examples``; nothing is left half-written then (the shards written
            so far are removed, the manifest is never written).
    """
    import tensorflow as tf

    num_examples = _positive("num_examples", num_examples)
    num_shards = _positive("num_shards", num_shards)
    if num_shards > num_examples:
        raise ValueError(f"num_shards ({num_shards}) exceeds num_examples ({num_examples}): "
                         "a shard would be empty")
    name = _check_name(name)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    bounds = [i * num_examples // num_shards for i in range(num_shards + 1)]
    temporaries: list[Path] = []
    shards: list[dict] = []
    x_shape = y_shape = None
    written = 0
    shard = -1
    writer = None
    try:
        for x_chunk, y_chunk in chunks:
            x_chunk = np.asarray(x_chunk, dtype=np.float32)
            y_chunk = np.asarray(y_chunk)
            if x_chunk.ndim < 1 or y_chunk.ndim < 1 or len(x_chunk) != len(y_chunk):
                raise ValueError(f"a chunk has {len(x_chunk)} feature rows and {len(y_chunk)} "
                                 "labels; they must match")
            if not np.issubdtype(y_chunk.dtype, np.integer):
                if not np.all(np.mod(y_chunk, 1) == 0):
                    raise ValueError("labels must be whole numbers (class indices)")
                y_chunk = y_chunk.astype(np.int64)
            if x_shape is None:
                x_shape, y_shape = list(x_chunk.shape[1:]), list(y_chunk.shape[1:])
            elif list(x_chunk.shape[1:]) != x_shape or list(y_chunk.shape[1:]) != y_shape:
                raise ValueError(f"chunk shapes {x_chunk.shape[1:]} / {y_chunk.shape[1:]} differ "
                                 f"from the first chunk's {tuple(x_shape)} / {tuple(y_shape)}")
            for row in range(len(x_chunk)):
                if written >= num_examples:
                    raise ValueError(f"the chunks hold more than num_examples={num_examples} "
                                     "examples")
                if written == bounds[shard + 1]:
                    if writer is not None:
                        writer.close()
                    shard += 1
                    temporary = directory / f".{_shard_name(name, shard, num_shards)}.partial"
                    temporaries.append(temporary)
                    writer = tf.io.TFRecordWriter(str(temporary))
                writer.write(_example(x_chunk[row], y_chunk[row]))
                written += 1
        if writer is not None:
            writer.close()
            writer = None
        if written != num_examples:
            raise ValueError(f"the chunks held {written} examples; num_examples says "
                             f"{num_examples}")
        for index, temporary in enumerate(temporaries):
            final = directory / _shard_name(name, index, num_shards)
            os.replace(temporary, final)
            shards.append({"file": final.name, "examples": bounds[index + 1] - bounds[index],
                           "bytes": final.stat().st_size, "sha256": file_sha256(final)})
    except BaseException:
        if writer is not None:
            writer.close()
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise
    manifest = {"format": FORMAT, "name": name, "description": description,
                "num_examples": num_examples, "x_shape": x_shape, "x_dtype": "float32",
                "y_shape": y_shape, "y_dtype": "int64", "shards": shards}
    for stale in directory.glob(f"{name}-*-of-*.tfrecord"):
        if stale.name not in {s["file"] for s in shards}:
            stale.unlink()
    atomic_write(directory / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


def write_shards(x, y, directory, *, num_shards: int = 4, name: str = "data",
                 description: str = "", chunk_size: int = 4096) -> dict:
    """Write in-memory ``(x, y)`` as a shard set (see :func:`write_shard_chunks`)."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows and y {len(y)}; they must match")
    chunk_size = _positive("chunk_size", chunk_size)
    chunks = ((x[i:i + chunk_size], y[i:i + chunk_size]) for i in range(0, len(x), chunk_size))
    return write_shard_chunks(chunks, directory, num_examples=len(x), num_shards=num_shards,
                              name=name, description=description)


def generate_shards(directory, num_examples: int, *, num_features: int = 784,
                    num_classes: int = 10, num_shards: int = 8, seed: int = 0,
                    chunk_size: int = 10_000, name: str = "generated") -> dict:
    """A generated classification set of any size, written chunk by chunk (never all in memory).

    Each class has a random centre in ``[0, 1]^num_features``; an example is its class's centre
    plus N(0, 0.1^2) noise, clipped to [0, 1] (pixel-like values). Seeded: the same arguments
    give the same files.
    """
    num_examples = _positive("num_examples", num_examples)
    num_features = _positive("num_features", num_features)
    num_classes = _positive("num_classes", num_classes)
    chunk_size = _positive("chunk_size", chunk_size)
    rng = np.random.default_rng(seed)
    centres = rng.random((num_classes, num_features), dtype=np.float32)

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, num_examples, chunk_size):
            size = min(chunk_size, num_examples - start)
            labels = rng.integers(0, num_classes, size)
            noise = rng.normal(0.0, 0.1, (size, num_features)).astype(np.float32)
            yield np.clip(centres[labels] + noise, 0.0, 1.0), labels

    return write_shard_chunks(chunks(), directory, num_examples=num_examples,
                              num_shards=num_shards, name=name,
                              description=f"generated: {num_classes} Gaussian classes around "
                                          f"random centres in [0, 1]^{num_features}, noise sd "
                                          f"0.1, seed {seed}")


def read_manifest(directory, *, verify: bool = True) -> dict:
    """The manifest of a shard set, after checking its shards (size always, sha256 if verify).

    Raises:
        FileNotFoundError: no manifest (not a shard set, or one whose writing did not finish).
        ChecksumMismatch: a shard missing, truncated (size differs) or corrupted (sha256
            differs); the message names the file.
    """
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: {directory} is not a complete shard set "
                                "(write one with tfref.data.shards.write_shards)")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a tfref shard manifest (format {manifest.get('format')!r})")
    for shard in manifest["shards"]:
        file = directory / shard["file"]
        if not file.exists():
            raise ChecksumMismatch(f"shard {file} is missing (the manifest lists it)")
        size = file.stat().st_size
        if size != shard["bytes"]:
            raise ChecksumMismatch(f"shard {file} is truncated or padded: {size} bytes, the "
                                   f"manifest says {shard['bytes']}; write the set again")
        if verify and file_sha256(file) != shard["sha256"]:
            raise ChecksumMismatch(f"shard {file} is corrupted: its sha256 differs from the "
                                   "manifest's; write the set again")
    return manifest


def read_shards(directory, *, batch_size: int, shuffle_seed: int | None = None,
                shuffle_buffer: int = 10_000, parallel_reads: int | None = None,
                verify: bool = True, drop_remainder: bool = False):
    """A ``tf.data.Dataset`` of ``(x, y)`` batches streamed from a shard set.

    Args:
        directory: the shard set's folder.
        batch_size: examples per batch.
        shuffle_seed: None keeps the file order (exactly, with ``parallel_reads=1``); a seed
            shuffles the files and then the examples within ``shuffle_buffer``, the same way
            each time (pass ``seed + epoch`` for a new order per epoch).
        shuffle_buffer: examples held for shuffling.
        parallel_reads: files read at once (default ``tf.data.AUTOTUNE``); 1 reads the files
            one after the other.
        verify: check every shard's sha256 first (sizes are always checked).
        drop_remainder: drop a last, shorter batch.

    Returns:
        A dataset of batches: x float32 of shape ``(b, *x_shape)``, y int64 ``(b, *y_shape)``.
    """
    import tensorflow as tf

    batch_size = _positive("batch_size", batch_size)
    manifest = read_manifest(directory, verify=verify)
    files = [str(Path(directory) / s["file"]) for s in manifest["shards"]]
    x_shape, y_shape = manifest["x_shape"], manifest["y_shape"]
    spec = {"x": tf.io.FixedLenFeature([], tf.string),
            "y": tf.io.FixedLenFeature([int(np.prod(y_shape, dtype=np.int64))], tf.int64)}

    def parse(records):
        parsed = tf.io.parse_example(records, spec)
        x = tf.reshape(tf.io.decode_raw(parsed["x"], tf.float32, little_endian=True),
                       [-1, *x_shape])
        y = tf.reshape(parsed["y"], [-1, *y_shape])
        return x, y

    autotune = tf.data.AUTOTUNE
    dataset = tf.data.Dataset.from_tensor_slices(files)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(files), seed=shuffle_seed)
    cycle = parallel_reads or autotune
    if cycle == 1:
        dataset = dataset.interleave(tf.data.TFRecordDataset, cycle_length=1)
    else:
        dataset = dataset.interleave(tf.data.TFRecordDataset, cycle_length=cycle,
                                     num_parallel_calls=autotune, deterministic=True)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(shuffle_buffer, seed=shuffle_seed)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    return dataset.map(parse, num_parallel_calls=autotune).prefetch(autotune)
