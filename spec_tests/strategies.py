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
    p = weights / weights.sum(axis=-1, keepdims=True)
    return p.astype(dtype)


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
