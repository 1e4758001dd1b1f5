"""The data layer (tfref.data): checksums, offline behaviour, data directory, splits, fallback.

No test here touches the network: downloads are replaced by functions that fail as they do
offline (or that write a file, for the download path), and the Keras cache is pointed at a
temporary folder. The EWMA properties at the end run the spec interface's ``ewma`` on the real
Seattle temperature series (the averages family checks it on random series).
"""

from __future__ import annotations

import doctest
import functools
import gzip
import importlib
import inspect
import shutil
import urllib.error

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.tolerances import assert_close, tolerance
from tfref import data
from tfref.data import remote, weather
from tfref.topics._base import RunContext, TopicResult

EMBEDDED_CLASSIFICATION = ["digits", "iris", "wine", "breast_cancer"]
DATA_MODULES = [
    "tfref.data.manifest",
    "tfref.data.embedded",
    "tfref.data.weather",
    "tfref.data.remote",
    "tfref.data.splits",
]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """An empty data directory and Keras cache, and downloads that fail as they do offline."""
    data_dir, cache = tmp_path / "data", tmp_path / "keras"
    data_dir.mkdir()
    monkeypatch.setenv("TFREF_DATA_DIR", str(data_dir))
    monkeypatch.setenv("KERAS_HOME", str(cache))
    monkeypatch.delenv("TFREF_OFFLINE", raising=False)

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    def keras_offline():
        raise Exception(
            "URL fetch failure on https://storage.googleapis.com/tensorflow/"
            "tf-keras-datasets/train-labels-idx1-ubyte.gz: None -- [Errno -2] Name or "
            "service not known"
        )

    monkeypatch.setattr(remote, "_download", no_network)
    monkeypatch.setattr(remote, "_keras_load_fashion_mnist", keras_offline)
    return data_dir, cache / "datasets"


def _context(options=None, seed=0, tmp_path=None) -> RunContext:
    return RunContext(
        TopicResult("fixture", "fixture", "B"),
        quick=True,
        seed=seed,
        out_dir=tmp_path or ".",
        options=options,
    )


# -- the MANIFEST and checksums -----------------------------------------------------------------
def test_manifest_lists_every_shipped_file_with_source_licence_size_and_sha256():
    manifest = data.load_manifest()
    shipped = {p.name for p in data.shipped_dir().iterdir() if p.name != "MANIFEST.json"}
    assert shipped == set(manifest), "every shipped file needs a MANIFEST entry, and vice versa"
    for name, entry in manifest.items():
        assert {"name", "size", "sha256", "description", "source", "licence"} <= set(entry), name
        path = data.shipped_dir() / name
        assert path.stat().st_size == entry["size"], name
        assert data.file_sha256(path) == entry["sha256"], name
        assert data.verify_file(path) == path


def test_seattle_weather_is_four_years_of_daily_rows_with_parsed_dates_in_celsius():
    frame = data.load_seattle_weather()
    assert list(frame.columns) == [
        "date",
        "precipitation",
        "temp_max",
        "temp_min",
        "wind",
        "weather",
    ]
    assert len(frame) == 1461 and pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert frame["date"].is_monotonic_increasing and frame["date"].diff().dropna().nunique() == 1
    assert -10 < frame["temp_max"].min() and frame["temp_max"].max() < 40  # degrees C, not F
    assert (frame["temp_min"] <= frame["temp_max"]).all()
    year = data.load_seattle_weather(2015)
    assert len(year) == 365 and set(year["date"].dt.year) == {2015}
    assert year.index.equals(pd.RangeIndex(365))


def test_seattle_weather_rejects_a_year_it_does_not_have():
    with pytest.raises(ValueError, match=r"2012, 2013, 2014, 2015"):
        data.load_seattle_weather(2016)


def _refused(path, monkeypatch) -> str:
    """Load ``path`` and return the error message; fail if pandas is ever asked to parse it."""

    def must_not_parse(*args, **kwargs):
        raise AssertionError("a file that failed its checksum reached the parser")

    monkeypatch.setattr(weather.pd, "read_csv", must_not_parse)
    with pytest.raises(data.ChecksumMismatch) as caught:
        data.load_seattle_weather(path=path)
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


def test_a_tampered_copy_is_refused_naming_the_file_and_both_checksums(tmp_path, monkeypatch):
    original = data.shipped_dir() / "seattle-weather.csv"
    copy = tmp_path / "seattle-weather.csv"
    text = original.read_text()
    tampered = text.replace("2015/07/01,0.0,", "2015/07/01,9.0,", 1)  # same size, one digit changed
    assert tampered != text and len(tampered) == len(text)
    copy.write_text(tampered)
    message = _refused(copy, monkeypatch)
    entry = data.load_manifest()["seattle-weather.csv"]
    assert str(copy) in message
    assert entry["sha256"] in message and data.file_sha256(copy) in message
    assert "modified" in message


def test_a_truncated_copy_is_refused_as_truncated(tmp_path, monkeypatch):
    original = data.shipped_dir() / "seattle-weather.csv"
    copy = tmp_path / "weather-copy.csv"
    copy.write_bytes(original.read_bytes()[:-1000])
    message = _refused(copy, monkeypatch)
    assert str(copy) in message and "truncated" in message
    assert str(original.stat().st_size) in message and str(copy.stat().st_size) in message


def test_an_intact_copy_elsewhere_passes_the_checksum(tmp_path):
    copy = tmp_path / "renamed.csv"
    shutil.copy(data.shipped_dir() / "seattle-weather.csv", copy)
    assert len(data.load_seattle_weather(path=copy)) == 1461


def test_verify_file_names_the_entries_it_knows_for_an_unknown_name(tmp_path):
    unknown = tmp_path / "other.csv"
    unknown.write_text("x\n")
    with pytest.raises(ValueError, match="seattle-weather.csv"):
        data.verify_file(unknown)


# -- data directory and offline behaviour ------------------------------------------------------
def test_data_dir_follows_tfref_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TFREF_DATA_DIR", str(tmp_path))
    assert data.data_dir() == tmp_path
    monkeypatch.setenv("TFREF_DATA_DIR", "~/somewhere")
    assert data.data_dir() == data.data_dir().expanduser() and "~" not in str(data.data_dir())
    monkeypatch.delenv("TFREF_DATA_DIR")
    assert data.data_dir() is None


def test_cache_dir_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert data.cache_dir() == tmp_path / "datasets"


def test_time_machine_loads_from_the_shared_data_directory():
    folder = data.data_dir()
    if folder is None or not (folder / "timemachine.txt").is_file():
        pytest.skip(f"no timemachine.txt in TFREF_DATA_DIR={folder}")
    book = data.load_time_machine(download=False)
    assert book.startswith("The Time Machine") and 150_000 < len(book) < 200_000
    assert "Project Gutenberg" not in book, "body_only strips the licence header and footer"
    whole = data.load_time_machine(body_only=False, download=False)
    assert "Project Gutenberg" in whole and not whole.startswith("\ufeff")


def test_time_machine_offline_names_the_file_the_url_and_where_to_put_it(offline):
    data_dir, cache = offline
    with pytest.raises(data.DataUnavailable) as caught:
        data.load_time_machine()
    message = str(caught.value)
    assert isinstance(caught.value, OSError)
    for needed in (
        "timemachine.txt",
        data.TIME_MACHINE_URL,
        "TFREF_DATA_DIR",
        str(data_dir),
        str(cache / "timemachine.txt"),
        "failed",
    ):
        assert needed in message, f"{needed!r} missing from: {message}"


def test_time_machine_with_downloads_off_never_touches_the_network(offline, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("download attempted although downloads are off")

    monkeypatch.setattr(remote, "_download", forbidden)
    with pytest.raises(data.DataUnavailable, match="downloading is off"):
        data.load_time_machine(download=False)
    monkeypatch.setenv("TFREF_OFFLINE", "1")
    with pytest.raises(data.DataUnavailable, match=r"pg35\.txt"):
        data.load_time_machine()


def test_time_machine_download_lands_in_the_cache_and_is_read_from_there(offline, monkeypatch):
    _, cache = offline
    book = "The Time Machine\n\n" + "The Time Traveller spoke. " * 5000
    fetched = []

    def fake_download(url, destination):
        fetched.append(url)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(book)
        return destination

    monkeypatch.setattr(remote, "_download", fake_download)
    assert data.load_time_machine() == book
    assert data.load_time_machine() == book
    assert fetched == [data.TIME_MACHINE_URL] and (cache / "timemachine.txt").is_file()


def test_a_file_that_is_not_the_time_machine_is_rejected(offline):
    data_dir, _ = offline
    (data_dir / "timemachine.txt").write_text("404 Not Found")
    with pytest.raises(ValueError, match="does not look like The Time Machine"):
        data.load_time_machine()


def test_fashion_mnist_offline_names_the_files_the_url_and_where_to_put_them(offline):
    data_dir, cache = offline
    with pytest.raises(data.DataUnavailable) as caught:
        data.load_fashion_mnist()
    message = str(caught.value)
    for needed in (
        *data.FASHION_MNIST_FILES,
        data.FASHION_MNIST_URL,
        str(data_dir / "fashion-mnist"),
        str(cache / "fashion-mnist"),
        "URL fetch failure",
    ):
        assert needed in message, f"{needed!r} missing from: {message}"


def _write_idx(folder, counts=(("train", 30), ("t10k", 20)), truncate=False):
    """Tiny Fashion-MNIST look-alikes: gzipped IDX files with 28x28 images and labels 0..9."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for part, count in counts:
        labels = np.arange(count, dtype=np.uint8) % 10
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        label_bytes = (2049).to_bytes(4, "big") + count.to_bytes(4, "big") + labels.tobytes()
        image_bytes = (
            (2051).to_bytes(4, "big")
            + count.to_bytes(4, "big")
            + (28).to_bytes(4, "big")
            + (28).to_bytes(4, "big")
            + images.tobytes()
        )
        if truncate:
            image_bytes = image_bytes[:-100]
        (folder / f"{part}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(label_bytes))
        (folder / f"{part}-images-idx3-ubyte.gz").write_bytes(gzip.compress(image_bytes))


def test_fashion_mnist_reads_the_four_files_from_the_data_directory(offline, monkeypatch):
    data_dir, _ = offline
    _write_idx(data_dir / "fashion-mnist")

    def forbidden():
        raise AssertionError("keras download attempted although the files are in TFREF_DATA_DIR")

    monkeypatch.setattr(remote, "_keras_load_fashion_mnist", forbidden)
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (30, 28, 28) and x_test.shape == (20, 28, 28)
    assert x_train.dtype == np.uint8 and list(y_test[:12]) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


def test_a_truncated_fashion_mnist_file_is_refused(offline):
    data_dir, _ = offline
    _write_idx(data_dir / "fashion-mnist", truncate=True)
    with pytest.raises(ValueError, match="truncated"):
        data.load_fashion_mnist()


# -- splits and the fallback rule ----------------------------------------------------------------
@given(seed=st.integers(0, 2**31 - 1), name=st.sampled_from(EMBEDDED_CLASSIFICATION))
def test_splits_are_disjoint_complete_stratified_and_repeatable(seed, name):
    splits = data.load_classification(name, seed=seed)
    parts = {"train": splits.idx_train, "val": splits.idx_val, "test": splits.idx_test}
    labels = data.load_embedded(name).y
    everything = np.concatenate(list(parts.values()))
    assert len(np.unique(everything)) == len(everything) == len(labels), (
        "parts overlap or miss rows"
    )
    overall = np.bincount(labels) / len(labels)
    for part, index in parts.items():
        counts = np.bincount(labels[index], minlength=len(overall))
        assert np.all(np.abs(counts - overall * len(index)) <= 1.0 + 1e-9), (
            f"{name} {part} part is not stratified: {counts} vs {overall * len(index)}"
        )
        assert np.array_equal(getattr(splits, f"y_{part}"), labels[index])
    again = data.load_classification(name, seed=seed)
    for part in parts:
        assert np.array_equal(getattr(again, f"idx_{part}"), parts[part])
        assert np.array_equal(getattr(again, f"x_{part}"), getattr(splits, f"x_{part}"))


def test_different_seeds_give_different_splits():
    first, second = (data.load_classification("digits", seed=s) for s in (0, 1))
    assert not np.array_equal(first.idx_test, second.idx_test)


def test_split_features_are_scaled_with_training_statistics_only():
    splits = data.load_classification("wine", seed=3)
    assert splits.x_train.dtype == np.float32
    np.testing.assert_allclose(splits.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(splits.x_train.std(axis=0), 1.0, atol=1e-4)
    raw = data.load_embedded("wine").x[splits.idx_test]
    mean = data.load_embedded("wine").x[splits.idx_train].mean(axis=0)
    std = data.load_embedded("wine").x[splits.idx_train].std(axis=0)
    np.testing.assert_allclose(splits.x_test, (raw - mean) / std, rtol=1e-4, atol=1e-4)
    digits = data.load_classification("digits", seed=0, as_images=True)
    assert digits.x_train.shape[1:] == (8, 8, 1) and digits.x_train.max() <= 1.0


def test_max_train_keeps_a_stratified_subset():
    splits = data.load_classification("digits", seed=0, max_train=200)
    assert len(splits.y_train) == 200 and set(np.bincount(splits.y_train)) <= {19, 20, 21}
    assert set(splits.idx_train) <= set(data.load_classification("digits", seed=0).idx_train)


@pytest.mark.parametrize("loader", [data.load_embedded, data.load_classification])
def test_unknown_data_set_names_raise_a_value_error_listing_the_known_ones(loader):
    with pytest.raises(ValueError) as caught:
        loader("mnist")
    for known in ("digits", "iris", "wine", "breast_cancer"):
        assert known in str(caught.value)


def test_unavailable_fashion_mnist_falls_back_to_digits_with_a_note(offline):
    splits = data.load_classification("fashion-mnist", seed=0)
    assert splits.name == "digits" and splits.requested == "fashion-mnist" and splits.fell_back
    assert "fashion-mnist" in splits.note and "digits" in splits.note
    assert data.FASHION_MNIST_URL in splits.note, "the note says where the real data comes from"
    with pytest.raises(data.DataUnavailable):
        data.load_classification("fashion-mnist", seed=0, fallback=None)


def test_available_fashion_mnist_is_split_with_its_own_test_set(offline):
    data_dir, _ = offline
    _write_idx(data_dir / "fashion-mnist", counts=(("train", 100), ("t10k", 40)))
    splits = data.load_classification("fashion-mnist", seed=0, as_images=True)
    assert splits.name == "fashion-mnist" and splits.note is None
    assert (len(splits.y_train), len(splits.y_val), len(splits.y_test)) == (80, 20, 40)
    assert not set(splits.idx_train) & set(splits.idx_val)
    assert splits.x_train.shape[1:] == (28, 28, 1) and 0.0 <= splits.x_train.min() <= 1.0


def test_resolve_dataset_reads_the_data_option_and_reports_the_fallback(offline, tmp_path):
    ctx = _context({"data": "fashion-mnist"}, tmp_path=tmp_path)
    splits = data.resolve_dataset(ctx, allowed=("digits", "fashion-mnist"))
    assert splits.name == "digits"
    assert any("fashion-mnist was requested but is unavailable" in n for n in ctx.result.notes)
    assert any(n.startswith("Data: digits") for n in ctx.result.notes)
    default = _context({"data": None}, tmp_path=tmp_path)
    assert data.resolve_dataset(default, default="iris").name == "iris"


def test_resolve_dataset_rejects_a_name_the_topic_cannot_use(tmp_path):
    for name in ("iris", "no-such-set"):
        with pytest.raises(ValueError, match=r"choose one of: digits, fashion-mnist"):
            data.resolve_dataset(
                _context({"data": name}, tmp_path=tmp_path), allowed=("digits", "fashion-mnist")
            )


def test_embedded_data_sets_have_float32_features_and_read_only_arrays():
    for name in data.EMBEDDED_DATASETS:
        dataset = data.load_embedded(name)
        assert dataset.x.dtype == np.float32 and len(dataset.x) == len(dataset.y)
        assert dataset.source and dataset.description
        with pytest.raises(ValueError):
            dataset.x[0, 0] = 1.0  # shared between calls: read-only
    assert data.load_embedded("diabetes").task == "regression"
    assert data.load_embedded("breast-cancer").name == "breast_cancer"


# -- documentation ------------------------------------------------------------------------------
@pytest.mark.parametrize("module_name", DATA_MODULES)
def test_docstring_examples_of_tfref_data_pass(module_name):
    module = importlib.import_module(module_name)
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert results.failed == 0


def test_every_public_function_of_tfref_data_has_a_docstring():
    undocumented = [
        name
        for name in data.__all__
        if inspect.isfunction(getattr(data, name)) and not inspect.getdoc(getattr(data, name))
    ]
    assert not undocumented


# -- EWMA on the real temperature series (spec interface) ----------------------------------------
@functools.cache
def _seattle(column: str) -> np.ndarray:
    return data.load_seattle_weather()[column].to_numpy(np.float64)


@st.composite
def seattle_windows(draw):
    """A stretch of one column of the real Seattle series: (values, column name, start day)."""
    column = draw(st.sampled_from(["temp_max", "temp_min", "precipitation", "wind"]))
    start = draw(st.integers(0, 1460))
    length = draw(st.integers(1, 150))
    return _seattle(column)[start : start + length], column, start


def _corrected_stays_within_the_range_seen_so_far(impl, dtype, beta, window):
    """Corrected v_t is a weighted mean of theta_1..theta_t (weights summing to 1)."""
    values, column, start = window
    theta = values.astype(dtype)
    corrected = np.asarray(impl.ewma(theta, beta, bias_correction=True), dtype=np.float64)
    tol = tolerance(dtype)
    slack = (tol["atol"] + tol["rtol"]) * max(1.0, float(np.abs(theta).max()))
    low, high = np.minimum.accumulate(theta), np.maximum.accumulate(theta)
    outside = (corrected < low - slack) | (corrected > high + slack)
    assert not outside.any(), (
        f"{column} from day {start}, beta={beta}: corrected v_t leaves [min, max] of the values "
        f"seen at t = {int(np.argmax(outside)) + 1}: {corrected[outside][:3]}"
    )


def _uncorrected_matches_pandas_adjust_false_started_from_zero(impl, dtype, beta, window):
    """v_0 = 0 put in front of the series makes pandas' adjust=False recursion the seed's one."""
    values, _, _ = window
    theta = values.astype(dtype)
    expected = (
        pd.Series(np.r_[0.0, theta.astype(np.float64)]).ewm(alpha=1 - beta, adjust=False).mean()
    )
    scale = max(1.0, float(np.abs(theta).max()))
    assert_close(
        impl.ewma(theta, beta),
        expected.to_numpy()[1:],
        dtype=dtype,
        atol=tolerance(dtype)["atol"] * scale,
        what="ewma vs pandas ewm(adjust=False) of [0, theta]",
    )


REAL_WEATHER_CHECKS = [
    _corrected_stays_within_the_range_seen_so_far,
    _uncorrected_matches_pandas_adjust_false_started_from_zero,
]


def _first_failure(impl, check, max_examples):
    """Run ``check`` on drawn stretches of the real series; the AssertionError it raises, or None."""

    @settings(max_examples=max_examples, database=None, derandomize=True, deadline=None)
    @given(dtype=strategies.dtypes(), beta=strategies.betas(), window=seattle_windows())
    def run(dtype, beta, window):
        check(impl, dtype, beta, window)

    try:
        run()
    except AssertionError as error:
        return error
    return None


@pytest.mark.parametrize("check", REAL_WEATHER_CHECKS, ids=lambda c: c.__name__.strip("_"))
def test_the_reference_ewma_holds_on_the_real_weather_series(check):
    from spec_tests.impl import load_impl

    error = _first_failure(load_impl(None), check, max_examples=60)
    assert error is None, f"tfref.ops.ewma fails {check.__name__} on real weather: {error}"


@pytest.mark.parametrize("factory", ["ewma_ignoring_bias_correction", "ewma_without_zero_init"])
def test_the_real_weather_ewma_checks_reject_broken_implementations(factory):
    from spec_tests import broken
    from spec_tests.impl import Impl

    impl = Impl(getattr(broken, factory)(), factory)
    errors = [_first_failure(impl, check, max_examples=200) for check in REAL_WEATHER_CHECKS]
    assert any(isinstance(e, AssertionError) for e in errors), (
        f"no real-weather check rejects {factory}"
    )
