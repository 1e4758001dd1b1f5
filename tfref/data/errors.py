"""The two ways loading data fails: the data is not here, or it is not what it should be."""

from __future__ import annotations

__all__ = ["ChecksumMismatch", "DataUnavailable"]


class DataUnavailable(OSError):
    """A data set is neither on this machine nor downloadable now (offline, no data directory).

    The message names the file that is missing, where it was looked for, the URL it comes from
    and where to put it. Topics catch it and fall back to an embedded data set, saying so.
    """


class ChecksumMismatch(ValueError):
    """A data file's size or sha256 differs from its MANIFEST entry: it is refused, never parsed."""
