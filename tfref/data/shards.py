"""Data beyond memory: sharded TFRecord files with a manifest, read back as a tf.data stream.

A shard set is a folder holding ``<name>-00000-of-000NN.tfrecord`` files and ``manifest.json``:
the number of examples, the shape and dtype of one example's features and label, the number of
examples per record, and for each shard its file name, example count, size in bytes and sha256.
Shards are written to temporary names and renamed, the manifest last, so a set is complete or
absent. Reading checks every shard's size (a truncated shard is refused by name) and, unless
told not to, its sha256 (a corrupted one is refused) before a single record is parsed.

Format ``tfref-shards-2``: each record is a ``tf.train.Example`` holding a block of up to
``examples_per_record`` (default 128) consecutive examples, ``x`` as the raw little-endian
float32 bytes of the block and ``y`` as its raw little-endian int64 bytes, so the reader's
per-element work (file interleave, parse, batching) happens once per 128 examples instead of once
per example. With one example per record (format ``tfref-shards-1``) streaming the MLP bench
ran at 31-61% of in-memory training on the loaded 2-core machine; sets of that format are still
read (grouped into blocks after reading, more slowly), and ``write_shards`` on the same arrays
rewrites one in the current format.

    >>> import numpy as np, tempfile
    >>> x = np.arange(12, dtype="float32").reshape(6, 2); y = np.arange(6) % 2
    >>> folder = tempfile.mkdtemp()
    >>> manifest = write_shards(x, y, folder, num_shards=2)
    >>> manifest["num_examples"], [s["examples"] for s in manifest["shards"]]
    (6, [3, 3])
    >>> batches = list(read_shards(folder, batch_size=4, parallel_reads=1))
    >>> [int(b[0].shape[0]) for b in batches]
    [4, 2]

``read_shards`` interleaves the files (``parallel_reads`` at a time, a fixed number, so the order
is the same on any machine), parses the blocks in parallel, cuts them into batches
(``Dataset.rebatch``, no per-example elements) and prefetches; a seeded read shuffles the order
of the files and then permutes the examples of each run of ``shuffle_buffer`` examples (see
:func:`read_shards`). Under ``MultiWorkerMirroredStrategy`` a dataset built from files is sharded
across workers by file (tf.data's auto-sharding), so each worker reads only its own shards: give
it at least as many shards as workers.
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
FORMAT = "tfref-shards-2"  # a record: a block of examples, x raw <f4 bytes, y raw <i8 bytes
FORMAT_1 = "tfref-shards-1"  # a record: one example, x raw <f4 bytes, y an int64 list (read)
#: Examples per record written by default (and per block a tfref-shards-1 set is grouped into).
EXAMPLES_PER_RECORD = 128
MAX_PARALLEL_READS = 16  # files read at once by default


def _shard_name(name: str, index: int, count: int) -> str:
    return f"{name}-{index:05d}-of-{count:05d}.tfrecord"


def _check_name(name: str) -> str:
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"name must be letters, digits, '-' or '_'; got {name!r}")
    return name


def _positive(label: str, value) -> int:
    return check_whole(value, label, 1)


def _record(x_block: np.ndarray, y_block: np.ndarray) -> bytes:
    """One record of format 2: a block of examples as raw little-endian bytes."""
    import tensorflow as tf

    x_raw = np.ascontiguousarray(x_block, dtype="<f4").tobytes()
    y_raw = np.ascontiguousarray(y_block, dtype="<i8").tobytes()
    feature = {"x": tf.train.Feature(bytes_list=tf.train.BytesList(value=[x_raw])),
               "y": tf.train.Feature(bytes_list=tf.train.BytesList(value=[y_raw]))}
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def write_shard_chunks(chunks: Iterable[tuple[np.ndarray, np.ndarray]], directory, *,
                       num_examples: int, num_shards: int, name: str = "data",
                       description: str = "",
                       examples_per_record: int = EXAMPLES_PER_RECORD) -> dict:
    """Write ``num_examples`` examples, arriving as ``(x, y)`` chunks, into ``num_shards`` shards.

    Only one chunk is in memory at a time, so the set may be larger than memory. Shard ``i``
    gets examples ``[i * n // k, (i + 1) * n // k)`` (sizes differ by at most one), in records
    of ``examples_per_record`` consecutive examples (a shard's last record may hold fewer).
    Features are stored as float32, labels as int64.

    Args:
        chunks: an iterable of ``(x, y)`` arrays, ``x`` of shape ``(m, *feature_shape)``, ``y``
            of shape ``(m,)`` or ``(m, *label_shape)``, adding up to ``num_examples`` rows.
        directory: the folder to write (created; an existing shard set there is replaced).
        num_examples: the total number of examples the chunks hold.
        num_shards: how many files, between 1 and ``num_examples``.
        name: the file name prefix.
        description: a sentence kept in the manifest (where the data came from).
        examples_per_record: examples per TFRecord record (a block); larger blocks read
            faster, while a shuffled read mixes examples within runs of ``shuffle_buffer``
            examples whatever the block size.

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
    per_record = _positive("examples_per_record", examples_per_record)
    if num_shards > num_examples:
        raise ValueError(f"num_shards ({num_shards}) exceeds num_examples ({num_examples}): "
                         "a shard would be empty")
    name = _check_name(name)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    bounds = [i * num_examples // num_shards for i in range(num_shards + 1)]
    temporaries: list[Path] = []
    records: list[int] = []  # records per shard
    shards: list[dict] = []
    x_shape = y_shape = None
    written = 0
    shard = -1
    writer = None
    block_x: list[np.ndarray] = []  # the rows of the record being gathered (may span chunks)
    block_y: list[np.ndarray] = []
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
            start = 0
            while start < len(x_chunk):
                if written >= num_examples:
                    raise ValueError(f"the chunks hold more than num_examples={num_examples} "
                                     "examples")
                if written == bounds[shard + 1]:  # the previous shard is full (its block written)
                    if writer is not None:
                        writer.close()
                    shard += 1
                    temporary = directory / f".{_shard_name(name, shard, num_shards)}.partial"
                    temporaries.append(temporary)
                    records.append(0)
                    writer = tf.io.TFRecordWriter(str(temporary))
                gathered = sum(len(rows) for rows in block_x)
                take = min(len(x_chunk) - start, bounds[shard + 1] - written,
                           per_record - gathered)
                block_x.append(x_chunk[start:start + take])
                block_y.append(y_chunk[start:start + take])
                start += take
                written += take
                if gathered + take == per_record or written == bounds[shard + 1]:
                    writer.write(_record(np.concatenate(block_x), np.concatenate(block_y)))
                    records[shard] += 1
                    block_x, block_y = [], []
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
                           "records": records[index], "bytes": final.stat().st_size,
                           "sha256": file_sha256(final)})
    except BaseException:
        if writer is not None:
            writer.close()
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise
    manifest = {"format": FORMAT, "name": name, "description": description,
                "num_examples": num_examples, "examples_per_record": per_record,
                "x_shape": x_shape, "x_dtype": "float32", "y_shape": y_shape, "y_dtype": "int64",
                "shards": shards}
    for stale in directory.glob(f"{name}-*-of-*.tfrecord"):
        if stale.name not in {s["file"] for s in shards}:
            stale.unlink()
    atomic_write(directory / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


def write_shards(x, y, directory, *, num_shards: int = 4, name: str = "data",
                 description: str = "", chunk_size: int = 4096,
                 examples_per_record: int = EXAMPLES_PER_RECORD) -> dict:
    """Write in-memory ``(x, y)`` as a shard set (see :func:`write_shard_chunks`)."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows and y {len(y)}; they must match")
    chunk_size = _positive("chunk_size", chunk_size)
    chunks = ((x[i:i + chunk_size], y[i:i + chunk_size]) for i in range(0, len(x), chunk_size))
    return write_shard_chunks(chunks, directory, num_examples=len(x), num_shards=num_shards,
                              name=name, description=description,
                              examples_per_record=examples_per_record)


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
    if manifest.get("format") not in (FORMAT, FORMAT_1):
        raise ValueError(f"{path} is not a tfref shard manifest (format "
                         f"{manifest.get('format')!r}; this tfref reads {FORMAT!r} and "
                         f"{FORMAT_1!r}); write the set again with tfref.data.shards.write_shards")
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

    The records (blocks of examples) are parsed one per element and cut into batches with
    ``Dataset.rebatch``, so no stage handles single examples.

    Args:
        directory: the shard set's folder.
        batch_size: examples per batch.
        shuffle_seed: None keeps the file order (exactly, with ``parallel_reads=1``); a whole
            number >= 0 shuffles the same way each time, on any machine (pass ``seed + epoch`` for a new
            order per epoch): the order of the files, then the examples of each run of
            ``shuffle_buffer`` consecutive examples of the interleaved stream by a uniform
            permutation seeded by (seed, run number).
        shuffle_buffer: examples permuted together; the first batch waits for this many to be
            read.
        parallel_reads: files read at once, a record (block) from each in turn (default: all the
            files, at most 16); 1 reads the files one after the other.
        verify: check every shard's sha256 first (sizes are always checked).
        drop_remainder: drop a last, shorter batch.

    Returns:
        A dataset of batches: x float32 of shape ``(b, *x_shape)``, y int64 ``(b, *y_shape)``.
    """
    import tensorflow as tf

    batch_size = _positive("batch_size", batch_size)
    shuffle_buffer = _positive("shuffle_buffer", shuffle_buffer)
    manifest = read_manifest(directory, verify=verify)
    files = [str(Path(directory) / s["file"]) for s in manifest["shards"]]
    x_shape, y_shape = manifest["x_shape"], manifest["y_shape"]
    autotune = tf.data.AUTOTUNE

    def decode(parsed):
        x = tf.reshape(tf.io.decode_raw(parsed["x"], tf.float32, little_endian=True),
                       [-1, *x_shape])
        if parsed["y"].dtype == tf.string:
            y = tf.io.decode_raw(parsed["y"], tf.int64, little_endian=True)
        else:
            y = parsed["y"]
        return x, tf.reshape(y, [-1, *y_shape])

    if shuffle_seed is not None:  # NumPy's permutation: the same whatever TensorFlow's seeds
        shuffle_seed = check_whole(shuffle_seed, "shuffle_seed", 0)
        files = [files[i] for i in np.random.default_rng(shuffle_seed).permutation(len(files))]
    dataset = tf.data.Dataset.from_tensor_slices(files)
    # a number, not AUTOTUNE (the machine's core count): the order is the same on any machine
    cycle = (_positive("parallel_reads", parallel_reads) if parallel_reads is not None
             else min(len(files), MAX_PARALLEL_READS))
    if cycle == 1:
        dataset = dataset.interleave(tf.data.TFRecordDataset, cycle_length=1)
    else:
        dataset = dataset.interleave(tf.data.TFRecordDataset, cycle_length=cycle,
                                     num_parallel_calls=autotune, deterministic=True)
    if manifest["format"] == FORMAT:
        spec = {"x": tf.io.FixedLenFeature([], tf.string),
                "y": tf.io.FixedLenFeature([], tf.string)}
        blocks = dataset.map(lambda record: decode(tf.io.parse_single_example(record, spec)),
                             num_parallel_calls=autotune, deterministic=True)
    else:  # tfref-shards-1: one example per record, parsed EXAMPLES_PER_RECORD at a time
        spec = {"x": tf.io.FixedLenFeature([], tf.string),
                "y": tf.io.FixedLenFeature([int(np.prod(y_shape, dtype=np.int64))], tf.int64)}
        blocks = dataset.batch(EXAMPLES_PER_RECORD).map(
            lambda records: decode(tf.io.parse_example(records, spec)),
            num_parallel_calls=autotune, deterministic=True)
    if shuffle_seed is not None:
        seed = tf.constant(shuffle_seed, tf.int64)

        def permute(run, xy):
            x, y = xy
            order = tf.random.experimental.stateless_shuffle(
                tf.range(tf.shape(x)[0]), seed=tf.stack([seed, run]))
            return tf.gather(x, order), tf.gather(y, order)

        blocks = blocks.rebatch(shuffle_buffer).enumerate().map(
            permute, num_parallel_calls=autotune, deterministic=True)
    dataset = blocks.rebatch(batch_size, drop_remainder=drop_remainder)
    return dataset.prefetch(autotune)
