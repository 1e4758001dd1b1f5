"""Sharded TFRecord sets (tfref.data.shards): written whole, read back exactly, bad shards refused,
streamed into training with the same result as in-memory data."""

from __future__ import annotations

import doctest
import json

import keras
import numpy as np
import pytest

from tfref import train
from tfref.data import ChecksumMismatch, load_classification, shards


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


def test_the_module_examples_run():
    failures, tried = doctest.testmod(shards, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
