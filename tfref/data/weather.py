"""Seattle's daily weather 2012-2015 (NOAA, via vega_datasets), shipped with tfref.

The real daily temperature series behind the EWMA topic. The file is verified against its
MANIFEST sha256 before it is parsed.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import pandas as pd

from tfref.data.manifest import shipped_dir, verify_file

__all__ = ["SEATTLE_WEATHER", "load_seattle_weather"]

SEATTLE_WEATHER = "seattle-weather.csv"
_COLUMNS = ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"]


def load_seattle_weather(
    year: int | None = None, *, path: Path | str | None = None
) -> pd.DataFrame:
    """Daily weather in Seattle as a DataFrame, one row per day in date order.

    Columns: ``date`` (datetime64), ``precipitation`` (mm), ``temp_max`` and ``temp_min``
    (degrees C), ``wind`` (m/s), ``weather`` (drizzle, fog, rain, snow or sun).

    Args:
        year: keep one calendar year (2012 to 2015); None keeps all 1461 days.
        path: read this copy instead of the shipped file; it is verified against the
            MANIFEST entry of seattle-weather.csv all the same.

    Returns:
        A ``pandas.DataFrame`` with a fresh RangeIndex.

    Raises:
        ChecksumMismatch (a ValueError): the file's size or sha256 differs from the MANIFEST
            (the message names the file and both checksums); the file is not parsed.
        ValueError: ``year`` is not in the data (the message lists the years there are).

    Example:
    >>> frame = load_seattle_weather(2015)
    >>> len(frame), frame["date"].iloc[0].date().isoformat(), float(frame["temp_max"].iloc[0])
    (365, '2015-01-01', 5.6)
    """
    source = Path(path) if path is not None else shipped_dir() / SEATTLE_WEATHER
    verify_file(source, SEATTLE_WEATHER)
    frame = pd.read_csv(source, parse_dates=["date"], date_format="%Y/%m/%d")
    if list(frame.columns) != _COLUMNS:
        raise ValueError(f"{source}: columns {list(frame.columns)} are not {_COLUMNS}")
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    if year is not None:
        years = sorted(int(y) for y in frame["date"].dt.year.unique())
        if isinstance(year, bool) or not isinstance(year, numbers.Integral) or year not in years:
            raise ValueError(f"year must be one of {years} (or None for all); got {year!r}")
        frame = frame[frame["date"].dt.year == int(year)].reset_index(drop=True)
    return frame
