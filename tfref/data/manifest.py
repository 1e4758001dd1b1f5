"""The files tfref ships (``tfref/data/files/``), their MANIFEST and checksum verification.

``MANIFEST.json`` lists, per file: name, size, sha256, description, source and licence.
:func:`verify_file` is called by every loader of a shipped file before the file is parsed, so a
corrupt, truncated or tampered copy never reaches a model.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from tfref.data.errors import ChecksumMismatch

__all__ = ["file_sha256", "load_manifest", "manifest_entry", "shipped_dir", "verify_file"]


def shipped_dir() -> Path:
    """The folder of the data files shipped with tfref (installed with the package)."""
    return Path(__file__).resolve().parent / "files"


@functools.lru_cache(maxsize=1)
def _manifest_text() -> str:
    return (shipped_dir() / "MANIFEST.json").read_text(encoding="utf-8")


def load_manifest() -> dict[str, dict]:
    """The MANIFEST as ``{file name: entry}``; each entry has name, size, sha256, description,
    source and licence.

    Example:
    >>> load_manifest()["seattle-weather.csv"]["size"]
    47838
    """
    files = json.loads(_manifest_text())["files"]
    return {entry["name"]: dict(entry) for entry in files}


def manifest_entry(name: str) -> dict:
    """The MANIFEST entry of the shipped file ``name``; ValueError lists the names it has."""
    manifest = load_manifest()
    if name not in manifest:
        raise ValueError(
            f"no MANIFEST entry for {name!r}; the MANIFEST lists: {', '.join(manifest)}"
        )
    return manifest[name]


def file_sha256(path: Path | str) -> str:
    """The hex sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: Path | str, name: str | None = None) -> Path:
    """Check a file against the MANIFEST entry ``name`` (default: the file's own name).

    Size first (a truncated file is named as such), then sha256. Returns the path when both
    match.

    Raises:
        FileNotFoundError: the file does not exist.
        ChecksumMismatch (a ValueError): size or sha256 differ from the MANIFEST; the message
            names the file and gives the expected and actual values.
        ValueError: the MANIFEST has no entry ``name``.
    """
    path = Path(path)
    entry = manifest_entry(name or path.name)
    if not path.is_file():
        raise FileNotFoundError(
            f"data file {path} does not exist (MANIFEST entry {entry['name']!r})"
        )
    size = path.stat().st_size
    actual = file_sha256(path)
    if size != entry["size"] or actual != entry["sha256"]:
        what = "is truncated" if size < entry["size"] else "has been modified or is corrupt"
        raise ChecksumMismatch(
            f"refusing to read {path}: it {what}. MANIFEST entry {entry['name']!r} expects "
            f"{entry['size']} bytes with sha256 {entry['sha256']}; the file has {size} bytes with "
            f"sha256 {actual}. Restore the file from the tfref distribution "
            f"(reinstall tfref, or `git checkout -- tfref/data/files/{entry['name']}`)."
        )
    return path
