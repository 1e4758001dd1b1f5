"""Larger real data sets that are not shipped: The Time Machine and Fashion-MNIST.

Where a file is looked for, in order:
  1. the data directory ``$TFREF_DATA_DIR`` (tests and CI set it to ``../shared/datasets``);
  2. the Keras cache ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``);
  3. its public URL, downloaded into the Keras cache, with a short network timeout.
Offline with no local copy, the loader raises :class:`DataUnavailable`, whose message names the
missing file, its URL and where to put it. Set ``TFREF_OFFLINE=1`` to skip step 3 altogether.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import socket
import urllib.request
from pathlib import Path

import numpy as np

from tfref._files import atomic_write
from tfref.data.errors import DataUnavailable

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_URL",
    "TIME_MACHINE_FILE",
    "TIME_MACHINE_URL",
    "cache_dir",
    "data_dir",
    "load_fashion_mnist",
    "load_time_machine",
]

# Seconds a download may wait on the network before giving up (connect and each read).
NETWORK_TIMEOUT_S = 20.0

TIME_MACHINE_FILE = "timemachine.txt"
TIME_MACHINE_URL = "https://www.gutenberg.org/cache/epub/35/pg35.txt"

FASHION_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FASHION_MNIST_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


# -- where data lives ---------------------------------------------------------------------------
def data_dir() -> Path | None:
    """The data directory named by ``$TFREF_DATA_DIR`` (``~`` expanded), or None when unset.

    The directory is not required to exist; loaders name it in their message when a file is
    missing from it.
    """
    value = os.environ.get("TFREF_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Where downloads are cached: ``$KERAS_HOME/datasets``, by default ``~/.keras/datasets``
    (as ``keras.utils.get_file``; ``/tmp/.keras/datasets`` when the home folder is read-only)."""
    home = os.environ.get("KERAS_HOME")
    if not home:
        base = Path.home()
        home = str((base if os.access(base, os.W_OK) else Path("/tmp")) / ".keras")
    return Path(home).expanduser() / "datasets"


def _candidates(relative: str) -> list[Path]:
    folders = [folder for folder in (data_dir(), cache_dir()) if folder is not None]
    return [folder / relative for folder in folders]


def _downloads_allowed(download: bool) -> bool:
    return download and os.environ.get("TFREF_OFFLINE", "").strip().lower() not in {
        "1",
        "true",
        "yes",
    }


def _where_to_put(relative: str) -> str:
    current = data_dir()
    return (
        f"$TFREF_DATA_DIR/{relative} (TFREF_DATA_DIR is "
        f"{'unset' if current is None else repr(str(current))}) or {cache_dir() / relative}"
    )


@contextlib.contextmanager
def _network_timeout(seconds: float):
    """Bound every socket operation inside (urllib without a timeout would wait forever)."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _download(url: str, destination: Path) -> Path:
    """Fetch ``url`` into ``destination`` (written whole or not at all). Raises OSError offline."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(url, timeout=NETWORK_TIMEOUT_S) as response:
        payload = response.read()
    return atomic_write(destination, payload)


# -- The Time Machine ---------------------------------------------------------------------------
def load_time_machine(*, body_only: bool = True, download: bool = True) -> str:
    """The text of H. G. Wells' The Time Machine (Project Gutenberg eBook #35).

    Looks for ``timemachine.txt`` in ``$TFREF_DATA_DIR``, then in the Keras cache, then
    downloads it from ``TIME_MACHINE_URL`` into the cache (unless ``download`` is False or
    ``TFREF_OFFLINE=1``). The file may be Project Gutenberg's text (licence included) or d2l's
    copy of the book without it.

    Args:
        body_only: return the book only, between Project Gutenberg's "*** START OF" and
            "*** END OF" lines (the whole file when it has no such lines).
        download: allow the download step.

    Returns:
        The text as one string (UTF-8, byte-order mark removed, newlines as in the file).

    Raises:
        DataUnavailable (an OSError): no local copy and the download is off or failed; the
            message names the file, the URL and where to put it.
        ValueError: the file found is not The Time Machine (too short or wrong title).
    """
    path = _find_or_download_time_machine(download)
    text = path.read_text(encoding="utf-8-sig")
    if len(text) < 100_000 or "time machine" not in text[:5000].lower():
        raise ValueError(
            f"{path} does not look like The Time Machine ({len(text)} characters; expected "
            f"about 180,000 starting with its title); replace it with {TIME_MACHINE_URL}"
        )
    return _gutenberg_body(text) if body_only else text


def _find_or_download_time_machine(download: bool) -> Path:
    candidates = _candidates(TIME_MACHINE_FILE)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    if not _downloads_allowed(download):
        raise DataUnavailable(
            f"{TIME_MACHINE_FILE} (The Time Machine, Project Gutenberg eBook #35) is not on this "
            f"machine (looked in {looked}) and downloading is off. Download it from "
            f"{TIME_MACHINE_URL} and put it at {_where_to_put(TIME_MACHINE_FILE)}."
        )
    try:
        return _download(TIME_MACHINE_URL, cache_dir() / TIME_MACHINE_FILE)
    except Exception as error:  # offline: URLError, timeout, DNS failure, HTTP error
        raise DataUnavailable(
            f"{TIME_MACHINE_FILE} (The Time Machine, Project Gutenberg eBook #35) is not on this "
            f"machine (looked in {looked}) and downloading it from {TIME_MACHINE_URL} failed "
            f"({type(error).__name__}: {error}). Fetch it on a connected machine and put it "
            f"at {_where_to_put(TIME_MACHINE_FILE)}."
        ) from error


def _gutenberg_body(text: str) -> str:
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("*** START OF")), None)
    end = next((i for i, line in enumerate(lines) if line.startswith("*** END OF")), None)
    if start is None or end is None or end <= start:
        return text
    return "".join(lines[start + 1 : end]).strip() + "\n"


# -- Fashion-MNIST ------------------------------------------------------------------------------
def load_fashion_mnist(*, download: bool = True):
    """Fashion-MNIST: 60,000 training and 10,000 test 28x28 grey-scale images of 10 clothes classes.

    Reads the four ``.gz`` files of ``FASHION_MNIST_FILES`` from ``$TFREF_DATA_DIR/fashion-mnist/``
    or from the Keras cache ``~/.keras/datasets/fashion-mnist/``; otherwise calls
    ``keras.datasets.fashion_mnist.load_data()``, which downloads them into that cache (with a
    short network timeout). The arrays are checked (28x28 uint8 images, one label 0..9 each)
    before they are returned.

    Args:
        download: allow the download through keras (also off when ``TFREF_OFFLINE=1``).

    Returns:
        ``((x_train, y_train), (x_test, y_test))`` as ``keras.datasets.fashion_mnist.load_data``:
        uint8 images of shape (n, 28, 28) and uint8 labels of shape (n,).

    Raises:
        DataUnavailable (an OSError): the files are not here and the download is off or failed;
            the message names the files, the URL and where to put them.
        ValueError: a file is present but malformed or truncated.
    """
    for folder in _candidates("fashion-mnist"):
        if all((folder / name).is_file() for name in FASHION_MNIST_FILES):
            arrays = tuple(_read_idx_gz(folder / name) for name in FASHION_MNIST_FILES)
            y_train, x_train, y_test, x_test = arrays
            return _checked_fashion_mnist(((x_train, y_train), (x_test, y_test)), str(folder))
    looked = ", ".join(str(folder) for folder in _candidates("fashion-mnist"))
    files = ", ".join(FASHION_MNIST_FILES)
    advice = (
        f"Download the four files {files} from {FASHION_MNIST_URL} and "
        f"put them in {_where_to_put('fashion-mnist/')} (one folder holding all four)."
    )
    if not _downloads_allowed(download):
        raise DataUnavailable(
            f"Fashion-MNIST is not on this machine (looked in {looked}) and "
            f"downloading is off. {advice}"
        )
    try:
        with _network_timeout(NETWORK_TIMEOUT_S):
            data = _keras_load_fashion_mnist()
    except Exception as error:  # keras raises a bare Exception("URL fetch failure ...") offline
        raise DataUnavailable(
            f"Fashion-MNIST is not on this machine (looked in {looked}) and downloading it "
            f"through keras.datasets.fashion_mnist failed ({type(error).__name__}: {error}). "
            f"{advice}"
        ) from error
    return _checked_fashion_mnist(data, "keras.datasets.fashion_mnist")


def _keras_load_fashion_mnist():
    import keras

    return keras.datasets.fashion_mnist.load_data()


def _read_idx_gz(path: Path) -> np.ndarray:
    """Read one gzipped IDX file (the MNIST format): labels (magic 2049) or images (2051)."""
    try:
        with gzip.open(path, "rb") as handle:
            payload = handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(
            f"{path} is not a readable gzip file ({error}); download it again"
        ) from None
    magic = int.from_bytes(payload[:4], "big") if len(payload) >= 4 else None
    if magic == 2049 and len(payload) >= 8:
        count, header, shape = int.from_bytes(payload[4:8], "big"), 8, ()
    elif magic == 2051 and len(payload) >= 16:
        count, header = int.from_bytes(payload[4:8], "big"), 16
        shape = (int.from_bytes(payload[8:12], "big"), int.from_bytes(payload[12:16], "big"))
    else:
        raise ValueError(
            f"{path} is not an IDX label (magic 2049) or image (magic 2051) file; "
            f"magic number {magic}"
        )
    expected = header + count * int(np.prod(shape, dtype=np.int64))
    if len(payload) != expected:
        raise ValueError(
            f"{path} holds {len(payload)} bytes after decompression; its header "
            f"promises {expected} ({count} items of shape {shape}): truncated or corrupt"
        )
    return np.frombuffer(payload, np.uint8, offset=header).reshape((count, *shape))


def _checked_fashion_mnist(data, origin: str):
    (x_train, y_train), (x_test, y_test) = data
    for part, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.shape[0] != y.shape[0] or y.ndim != 1:
            raise ValueError(
                f"Fashion-MNIST {part} part from {origin}: images of shape {x.shape} "
                f"and labels of shape {y.shape}; expected (n, 28, 28) and (n,)"
            )
        if y.size and int(y.max()) > 9:
            raise ValueError(
                f"Fashion-MNIST {part} part from {origin}: label {int(y.max())} is outside 0..9"
            )
    return (x_train, y_train), (x_test, y_test)
