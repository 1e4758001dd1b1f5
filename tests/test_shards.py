"""Sharded TFRecord sets (tfref.data.shards): written whole, read back exactly, bad shards refused,
streamed into training with the same result as in-memory data; sets of the first format (one
example per record) still read; fit_dataset's early start of each epoch's stream changes nothing
but the timing."""

from __future__ import annotations

import doctest
import json

import keras
import numpy as np
import pytest

from tfref import train
from tfref.data import ChecksumMismatch, load_classification, shards
from tfref.data.manifest import file_sha256


@pytest.fixture(scope="module")
def digits():
    splits = load_classification("digits", seed=0)
    return splits.x_train, splits.y_train


def _read_all(folder, **kwargs):
    xs, ys = [], []
    for x, y in shards.read_shards(folder, batch_size=100, **kwargs):
        xs.append(x.numpy())
        ys.append(y.numpy())
    return np.concatenate(xs), np.concatenate(ys)


def test_digits_round_trip_exactly_in_file_order(digits, tmp_path):
    x, y = digits
    manifest = shards.write_shards(x, y, tmp_path, num_shards=3, description="digits train")
    assert manifest["num_examples"] == len(x) and sum(s["examples"] for s in manifest["shards"]) == len(x)
    assert [s["file"] for s in manifest["shards"]] == [f"data-0000{i}-of-00003.tfrecord" for i in range(3)]
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    x_back, y_back = _read_all(tmp_path, parallel_reads=1)
    np.testing.assert_array_equal(x_back, x.astype(np.float32))
    np.testing.assert_array_equal(y_back, y)


def test_a_shuffled_read_is_a_seeded_permutation_of_the_set(digits, tmp_path):
    x, y = digits
    shards.write_shards(x, y, tmp_path, num_shards=4)
    first, again = _read_all(tmp_path, shuffle_seed=3), _read_all(tmp_path, shuffle_seed=3)
    other = _read_all(tmp_path, shuffle_seed=4)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    key = lambda a: np.lexsort(a.T)  # noqa: E731 - the rows in a canonical order
    np.testing.assert_array_equal(first[0][key(first[0])], x[key(x)].astype(np.float32))


def test_a_truncated_shard_is_refused_by_name(digits, tmp_path):
    x, y = digits
    manifest = shards.write_shards(x, y, tmp_path, num_shards=2)
    victim = tmp_path / manifest["shards"][1]["file"]
    victim.write_bytes(victim.read_bytes()[:-100])
    with pytest.raises(ChecksumMismatch, match=f"{victim.name} is truncated"):
        shards.read_shards(tmp_path, batch_size=32)


def test_a_corrupted_shard_of_the_right_size_is_refused(digits, tmp_path):
    x, y = digits
    manifest = shards.write_shards(x, y, tmp_path, num_shards=2)
    victim = tmp_path / manifest["shards"][0]["file"]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatch, match=f"{victim.name} is corrupted"):
        shards.read_shards(tmp_path, batch_size=32)
    with pytest.raises(ChecksumMismatch, match="missing"):
        victim.unlink()
        shards.read_manifest(tmp_path)


def test_a_failed_write_leaves_no_shard_set(tmp_path):
    def chunks():
        yield np.zeros((10, 3)), np.zeros(10)
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="the source broke"):
        shards.write_shard_chunks(chunks(), tmp_path, num_examples=20, num_shards=2)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError, match="not a complete shard set"):
        shards.read_manifest(tmp_path)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"num_shards": 0}, "num_shards must be a whole number >= 1"),
    ({"num_shards": 30}, "a shard would be empty"),
    ({"name": "a/b"}, "name must be letters"),
])
def test_bad_arguments_are_refused(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        shards.write_shards(np.zeros((20, 2)), np.zeros(20), tmp_path, **kwargs)


def test_chunks_that_do_not_add_up_are_refused(tmp_path):
    with pytest.raises(ValueError, match="held 10 examples"):
        shards.write_shard_chunks([(np.zeros((10, 2)), np.zeros(10))], tmp_path,
                                  num_examples=12, num_shards=2)


def test_a_generated_set_larger_than_one_chunk(tmp_path):
    manifest = shards.generate_shards(tmp_path, 2500, num_features=16, num_classes=3,
                                      num_shards=3, chunk_size=1000, seed=5)
    assert [s["examples"] for s in manifest["shards"]] == [833, 833, 834]
    x, y = _read_all(tmp_path)
    assert x.shape == (2500, 16) and set(np.unique(y)) == {0, 1, 2}
    assert 0.0 <= x.min() and x.max() <= 1.0
    again = tmp_path / "again"
    assert shards.generate_shards(again, 2500, num_features=16, num_classes=3, num_shards=3,
                                  chunk_size=1000, seed=5)["shards"][0]["sha256"] == \
        manifest["shards"][0]["sha256"]


def test_streaming_from_shards_trains_as_in_memory_data_does(digits, tmp_path):
    """fit_dataset on the shards (file order, no shuffle) equals fit on the same arrays."""
    x, y = digits
    shards.write_shards(x, y, tmp_path, num_shards=3)

    def model_and_optimizer():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(10)])
        return model, keras.optimizers.SGD(0.1)

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    streamed, opt = model_and_optimizer()
    history = train.fit_dataset(
        streamed, lambda epoch: shards.read_shards(tmp_path, batch_size=64, parallel_reads=1),
        epochs=2, loss_fn=loss, optimizer=opt, jit_compile=False, progress=False)
    in_memory, opt = model_and_optimizer()
    reference = train.fit(in_memory, x, y, epochs=2, batch_size=64, shuffle=False, loss_fn=loss,
                          optimizer=opt, jit_compile=False, progress=False)
    np.testing.assert_allclose(history.loss, reference.loss, rtol=1e-6)
    for a, b in zip(streamed.get_weights(), in_memory.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_records_hold_blocks_that_may_span_chunks(tmp_path):
    """Chunks of 7 rows, records of 5 examples, 3 shards of 8/8/9: every record full except each
    shard's last; read back exactly (the oracle: the arrays written)."""
    x = np.random.default_rng(1).normal(size=(25, 3, 2)).astype(np.float32)
    y = np.arange(25)
    chunks = [(x[i:i + 7], y[i:i + 7]) for i in range(0, 25, 7)]
    manifest = shards.write_shard_chunks(chunks, tmp_path, num_examples=25, num_shards=3,
                                         examples_per_record=5)
    assert manifest["format"] == "tfref-shards-2" and manifest["examples_per_record"] == 5
    assert [(s["examples"], s["records"]) for s in manifest["shards"]] == [(8, 2), (8, 2), (9, 2)]
    x_back, y_back = _read_all(tmp_path, parallel_reads=1)
    np.testing.assert_array_equal(x_back, x)
    np.testing.assert_array_equal(y_back, y)
    batches = list(shards.read_shards(tmp_path, batch_size=4, parallel_reads=1))
    assert [int(b[0].shape[0]) for b in batches] == [4] * 6 + [1]
    dropped = list(shards.read_shards(tmp_path, batch_size=4, drop_remainder=True))
    assert [int(b[0].shape[0]) for b in dropped] == [4] * 6


def test_a_seeded_read_mixes_the_whole_window(tmp_path):
    """With the window as large as the set, the order is a uniform permutation: ranks of
    position and example number are uncorrelated (Spearman |rho| < 0.1 for 2,000 examples;
    1.0 unshuffled; the oracle is scipy), and records of 128 consecutive examples no longer
    show in the batches."""
    from scipy.stats import spearmanr

    n = 2000
    shards.write_shards(np.zeros((n, 1)), np.arange(n), tmp_path, num_shards=4)
    _, in_order = _read_all(tmp_path, parallel_reads=1)
    assert spearmanr(np.arange(n), in_order).statistic == pytest.approx(1.0)
    _, mixed = _read_all(tmp_path, shuffle_seed=0, shuffle_buffer=n)
    assert sorted(mixed) == list(range(n))
    assert abs(spearmanr(np.arange(n), mixed).statistic) < 0.1
    first_batch = mixed[:100]
    assert len(set(first_batch // 128)) > 10  # drawn from many records, not one or two


def _write_first_format(x, y, directory, num_shards):
    """A set as tfref wrote it before blocks (format tfref-shards-1): one tf.train.Example per
    example, x its raw little-endian float32 bytes, y an int64 list."""
    import tensorflow as tf

    directory.mkdir(parents=True, exist_ok=True)
    bounds = [i * len(x) // num_shards for i in range(num_shards + 1)]
    entries = []
    for index in range(num_shards):
        path = directory / f"data-{index:05d}-of-{num_shards:05d}.tfrecord"
        with tf.io.TFRecordWriter(str(path)) as writer:
            for row in range(bounds[index], bounds[index + 1]):
                feature = {"x": tf.train.Feature(bytes_list=tf.train.BytesList(
                               value=[x[row].astype("<f4").tobytes()])),
                           "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[y[row]]))}
                writer.write(tf.train.Example(features=tf.train.Features(feature=feature))
                             .SerializeToString())
        entries.append({"file": path.name, "examples": bounds[index + 1] - bounds[index],
                        "bytes": path.stat().st_size, "sha256": file_sha256(path)})
    manifest = {"format": "tfref-shards-1", "name": "data", "description": "",
                "num_examples": len(x), "x_shape": list(x.shape[1:]), "x_dtype": "float32",
                "y_shape": [], "y_dtype": "int64", "shards": entries}
    (directory / "manifest.json").write_text(json.dumps(manifest))


def test_a_set_of_the_first_format_is_still_read(digits, tmp_path):
    x, y = digits
    _write_first_format(x, y, tmp_path, num_shards=3)
    x_back, y_back = _read_all(tmp_path, parallel_reads=1)
    np.testing.assert_array_equal(x_back, x.astype(np.float32))
    np.testing.assert_array_equal(y_back, y)
    x_mixed, _ = _read_all(tmp_path, shuffle_seed=2)
    key = lambda a: np.lexsort(a.T)  # noqa: E731 - the rows in a canonical order
    np.testing.assert_array_equal(x_mixed[key(x_mixed)], x[key(x)].astype(np.float32))
    assert not np.array_equal(x_mixed, x_back)


def test_an_unknown_format_is_refused_with_the_way_out(tmp_path):
    shards.write_shards(np.zeros((10, 2)), np.zeros(10), tmp_path, num_shards=2)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "format": "tfref-shards-9"}))
    with pytest.raises(ValueError, match="tfref-shards-9.*write the set again with "
                                         "tfref.data.shards.write_shards"):
        shards.read_shards(tmp_path, batch_size=4)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"shuffle_buffer": 0}, "shuffle_buffer must be a whole number >= 1"),
    ({"parallel_reads": 0}, "parallel_reads must be a whole number >= 1"),
    ({"batch_size": 2.5}, "batch_size must be a whole number >= 1"),
    ({"shuffle_seed": -1}, "shuffle_seed must be a whole number >= 0"),
])
def test_bad_read_arguments_are_refused(tmp_path, kwargs, message):
    shards.write_shards(np.zeros((10, 2)), np.zeros(10), tmp_path, num_shards=2)
    with pytest.raises(ValueError, match=message):
        shards.read_shards(tmp_path, **{"batch_size": 4, **kwargs})


def test_fit_dataset_starts_each_epoch_once_and_reports_its_errors(digits, tmp_path):
    """The stream of epoch e + 1 is built while epoch e trains: each epoch's function is still
    called once for training (epoch 0 also once for the model's sample batch), the result
    equals epochs run one after the other by hand (train_epoch per epoch, no early start),
    and an error in a later epoch's dataset reaches the caller."""
    x, y = digits
    shards.write_shards(x, y, tmp_path, num_shards=3)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    calls = []

    def data(epoch):
        calls.append(epoch)
        return shards.read_shards(tmp_path, batch_size=64, shuffle_seed=epoch)

    def model():
        keras.utils.set_random_seed(0)
        return keras.Sequential([keras.Input((64,)), keras.layers.Dense(10)])

    early = model()
    history = train.fit_dataset(early, data, epochs=3, loss_fn=loss,
                                optimizer=keras.optimizers.SGD(0.1), jit_compile=False,
                                progress=False)
    assert sorted(calls) == [0, 0, 1, 2]
    by_hand = model()
    reference = [train.fit_dataset(by_hand, data(epoch), epochs=1, loss_fn=loss,
                                   optimizer=keras.optimizers.SGD(0.1), jit_compile=False,
                                   progress=False).loss[0] for epoch in range(3)]
    np.testing.assert_allclose(history.loss, reference, rtol=1e-6)
    for a, b in zip(early.get_weights(), by_hand.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)

    def broken(epoch):
        if epoch == 2:
            raise ValueError("no data for epoch 2")
        return shards.read_shards(tmp_path, batch_size=64)

    with pytest.raises(ValueError, match="no data for epoch 2"):
        train.fit_dataset(model(), broken, epochs=3, loss_fn=loss,
                          optimizer=keras.optimizers.SGD(0.1), jit_compile=False, progress=False)


def test_the_module_examples_run():
    failures, tried = doctest.testmod(shards, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
