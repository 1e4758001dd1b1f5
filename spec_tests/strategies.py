"""Shared hypothesis strategies, named after the shapes and sets they draw from.

Floats are finite, bounded and never subnormal, drawn at the width of the dtype requested, so
a float32 example is exactly representable in float32.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FLOAT_DTYPES = (np.float32, np.float64)


def dtypes():
    """float32 or float64."""
    return st.sampled_from(FLOAT_DTYPES)


def finite_floats(dtype=np.float64, min_value=-1e3, max_value=1e3):
    width = np.dtype(dtype).itemsize * 8
    return st.floats(min_value, max_value, width=width, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def shapes(min_dims=1, max_dims=3, min_side=1, max_side=6):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


@st.composite
def arrays(draw, dtype=None, shape=None, min_value=-1e3, max_value=1e3, **shape_kwargs):
    """A float array of a drawn (or given) dtype and shape with bounded finite elements."""
    dtype = dtype or draw(dtypes())
    shape = shape if shape is not None else draw(shapes(**shape_kwargs))
    return draw(hnp.arrays(dtype, shape, elements=finite_floats(dtype, min_value, max_value)))


def logits(dtype=None, max_abs=50.0, **shape_kwargs):
    """Unnormalised scores, the inputs of softmax."""
    return arrays(dtype=dtype, min_value=-max_abs, max_value=max_abs, **shape_kwargs)


def large_logits(dtype=None, **shape_kwargs):
    """Scores up to 1e4 in magnitude: exp() of these overflows without max-subtraction."""
    return arrays(dtype=dtype, min_value=-1e4, max_value=1e4, **shape_kwargs)


@st.composite
def simplex(draw, dtype=None, n=None, batch=None, min_n=1, max_n=8, allow_zeros=True):
    """Probability vectors (rows summing to one) of shape ``batch + (n,)``.

    Drawn as non-negative weights normalised in float64 and then cast; some entries are exact
    zeros when ``allow_zeros`` so that 0 log 0 is exercised.
    """
    dtype = dtype or draw(dtypes())
    n = n or draw(st.integers(min_n, max_n))
    batch = batch if batch is not None else draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    low = 0.0 if allow_zeros else 1e-3
    weights = draw(hnp.arrays(np.float64, (*batch, n), elements=st.floats(low, 1.0)))
    weights = np.where(weights.sum(axis=-1, keepdims=True) > 0, weights, 1.0)
    p = (weights / weights.sum(axis=-1, keepdims=True)).astype(dtype)
    # No subnormal probabilities (TensorFlow flushes them to 0 on CPU): below the smallest
    # normal number of the dtype an entry becomes an exact 0, moving the sum by < 1e-37.
    p[p < np.finfo(dtype).tiny] = 0
    return p


@st.composite
def simplex_pairs(draw, dtype=None, q_positive=True):
    """Two probability arrays of one shape; q has no zeros when ``q_positive`` (KL finite)."""
    dtype = dtype or draw(dtypes())
    n = draw(st.integers(1, 8))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    p = draw(simplex(dtype=dtype, n=n, batch=batch))
    q = draw(simplex(dtype=dtype, n=n, batch=batch, allow_zeros=not q_positive))
    return p, q


def one_hot(labels: np.ndarray, n: int, dtype=np.float64) -> np.ndarray:
    return np.eye(n, dtype=dtype)[labels]


@st.composite
def labels(draw, num_classes=None, size=None, max_classes=6, max_size=40):
    """Integer labels 0..k-1 as ``(labels, k)``."""
    k = num_classes or draw(st.integers(1, max_classes))
    size = size or draw(st.integers(1, max_size))
    return draw(hnp.arrays(np.int64, size, elements=st.integers(0, k - 1))), k


@st.composite
def label_pairs(draw, max_classes=6, max_size=40):
    """``(y_true, y_pred, k)``: two label arrays of one length over k classes."""
    k = draw(st.integers(1, max_classes))
    size = draw(st.integers(1, max_size))
    y_true = draw(hnp.arrays(np.int64, size, elements=st.integers(0, k - 1)))
    y_pred = draw(hnp.arrays(np.int64, size, elements=st.integers(0, k - 1)))
    return y_true, y_pred, k


def betas(max_value=0.999):
    """EWMA smoothing factors in [0, 1)."""
    return st.floats(0.0, max_value, allow_nan=False, allow_subnormal=False)


@st.composite
def series(draw, dtype=None, min_len=1, max_len=60):
    """A 1-D series theta_1..theta_t (temperatures, losses...)."""
    dtype = dtype or draw(dtypes())
    t = draw(st.integers(min_len, max_len))
    return draw(hnp.arrays(dtype, t, elements=finite_floats(dtype, -100.0, 100.0)))


def probabilities(dtype=np.float64, low=1e-6, high=1 - 1e-6):
    """A probability p strictly inside (0, 1)."""
    return st.floats(low, high, allow_nan=False, allow_subnormal=False)


def _inward(low: float, high: float, dtype) -> tuple[float, float]:
    """``low`` rounded up and ``high`` rounded down to values exactly representable in dtype."""
    lo, hi = np.asarray(low, dtype=dtype), np.asarray(high, dtype=dtype)
    if lo < low:
        lo = np.nextafter(lo, np.asarray(np.inf, dtype=dtype))
    if hi > high:
        hi = np.nextafter(hi, np.asarray(-np.inf, dtype=dtype))
    return float(lo), float(hi)


# --- activations ------------------------------------------------------------------------------

@st.composite
def arrays_away_from_zero(draw, dtype=None, min_abs=1e-3, max_abs=100.0, **shape_kwargs):
    """Float arrays whose entries all have min_abs <= abs(x) <= max_abs (off the kink at 0)."""
    dtype = dtype or draw(dtypes())
    shape = draw(shapes(**shape_kwargs))
    magnitude = finite_floats(dtype, *_inward(min_abs, max_abs, dtype))
    elements = st.tuples(st.sampled_from([-1, 1]), magnitude).map(lambda sm: sm[0] * sm[1])
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def maxout_inputs(draw, dtype=None, max_units=4, max_group=4):
    """``(x, num_units, axis)``: x's size along ``axis`` is num_units * (a group size k)."""
    dtype = dtype or draw(dtypes())
    num_units = draw(st.integers(1, max_units))
    k = draw(st.integers(1, max_group))
    shape = list(draw(shapes(min_dims=1, max_dims=3, max_side=4)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    shape[axis] = num_units * k
    x = draw(hnp.arrays(dtype, tuple(shape), elements=finite_floats(dtype, -100.0, 100.0)))
    return x, num_units, axis


# --- distributions and losses -----------------------------------------------------------------

@st.composite
def binary_observations(draw, min_size=1, max_size=30):
    """A 1-D array of 0/1 outcomes (int64)."""
    size = draw(st.integers(min_size, max_size))
    return draw(hnp.arrays(np.int64, size, elements=st.integers(0, 1)))


@st.composite
def margin_labels(draw, shape):
    """Labels in {-1, +1} (float64) of the given shape, as hinge and exponential losses take."""
    return draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0])))


@st.composite
def probability_arrays(draw, dtype=None, shape=None, low=0.0, high=1.0, **shape_kwargs):
    """Arrays of independent probabilities in [low, high] (no sum constraint)."""
    dtype = dtype or draw(dtypes())
    shape = shape if shape is not None else draw(shapes(**shape_kwargs))
    return draw(hnp.arrays(dtype, shape, elements=finite_floats(dtype, *_inward(low, high, dtype))))


@st.composite
def multinomial_inputs(draw, dtype=None, max_outcomes=5, max_trials=12):
    """``(counts, p)``: counts of shape batch + (m,) (int64) and one probability vector p (m,)."""
    dtype = dtype or draw(dtypes())
    m = draw(st.integers(1, max_outcomes))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=1, max_side=4))
    counts = draw(hnp.arrays(np.int64, (*batch, m), elements=st.integers(0, max_trials)))
    p = draw(simplex(dtype=dtype, n=m, batch=()))
    return counts, p


# --- averages ---------------------------------------------------------------------------------

@st.composite
def series_2d(draw, dtype=None, min_len=1, max_len=40, max_columns=3):
    """A series theta_1..theta_t of shape (t,) or (t, m): several series side by side."""
    dtype = dtype or draw(dtypes())
    t = draw(st.integers(min_len, max_len))
    columns = draw(st.sampled_from([(), (1,), (2,), (max_columns,)]))
    return draw(hnp.arrays(dtype, (t, *columns), elements=finite_floats(dtype, -100.0, 100.0)))
