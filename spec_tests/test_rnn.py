"""Properties of the vanilla RNN, its hand BPTT gradients and global-norm clipping.

Contract (docs/contract.md, RNN): one sequence, no batch axis. x (T, input_dim), y (T,) integer
labels, U (hidden, input_dim), W (hidden, hidden), V (output_dim, hidden), s0 (hidden,) or None
(zeros). ``rnn_forward`` returns (states s_1..s_T, outputs o_1..o_T); ``rnn_bptt`` returns
(E, dE/dU, dE/dW, dE/dV) with E = sum_t -log o_t[y_t]; ``clip_by_global_norm(grads, max_norm)``
returns (clipped list, global norm before clipping).

Oracles, independent of every implementation: the forward recursion written out as a float64
loop; central finite differences of that loop's loss (float64) for the gradients, in float64
and for float32 inputs; ``tf.GradientTape`` on a forward written with TensorFlow ops and
``tf.clip_by_global_norm`` (both run apart, see spec_tests.tf_oracle). Sizes stay tiny
(T <= 6, every dimension <= 4) so that finite differences over all parameters are cheap, and
weights stay bounded (|entries| <= 1.5), which bounds every gradient (|dE/dtheta| < 30): the
float32 tolerances below are the plain per-dtype ones, never scaled by the data.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import expect_value_error
from spec_tests.tf_oracle import tf_oracle
from spec_tests.tolerances import FINITE_DIFFERENCE, assert_close, tolerance

FD_EPS = 1e-6


@st.composite
def rnn_problems(draw, dtype=None, scale=1.0, with_labels=True):
    """(x, y, U, W, V, s0) of tiny random sizes (down to one step, one unit, one class);
    weights and inputs uniform in [-scale, scale]."""
    dtype = dtype or draw(strategies.dtypes())
    steps = draw(st.integers(1, 6))
    input_dim, hidden, output_dim = (draw(st.integers(1, 4)) for _ in range(3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def uniform(*shape):
        return rng.uniform(-scale, scale, size=shape).astype(dtype)

    x = uniform(steps, input_dim)
    if draw(st.booleans()):  # one-hot rows, the usual input of a character model
        x = np.eye(input_dim, dtype=dtype)[rng.integers(0, input_dim, size=steps)]
    U, W, V = uniform(hidden, input_dim), uniform(hidden, hidden), uniform(output_dim, hidden)
    s0 = draw(st.sampled_from([None, "drawn"]))
    s0 = None if s0 is None else uniform(hidden)
    y = rng.integers(0, output_dim, size=steps)
    return x, y, U, W, V, s0


def _forward(x, U, W, V, s0):
    """The recursion as a float64 loop: states s_1..s_T and logits z_1..z_T."""
    x, U, W, V = (np.asarray(a, np.float64) for a in (x, U, W, V))
    state = np.zeros(U.shape[0]) if s0 is None else np.asarray(s0, np.float64)
    states, logits = [], []
    for t in range(len(x)):
        state = np.tanh(U @ x[t] + W @ state)
        states.append(state)
        logits.append(V @ state)
    return np.array(states), np.array(logits)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _loss(x, y, U, W, V, s0):
    _, logits = _forward(x, U, W, V, s0)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -float(log_probs[np.arange(len(y)), y].sum())


def _central_difference(f, point):
    point = np.asarray(point, np.float64)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[index] += FD_EPS
        down[index] -= FD_EPS
        gradient[index] = (f(up) - f(down)) / (2 * FD_EPS)
    return gradient


def _numeric_gradients(x, y, U, W, V, s0) -> dict[str, np.ndarray]:
    """dE/dU, dE/dW, dE/dV by central differences of the float64 loop's loss."""
    return {
        "dE/dU": _central_difference(lambda u: _loss(x, y, u, W, V, s0), U),
        "dE/dW": _central_difference(lambda w: _loss(x, y, U, w, V, s0), W),
        "dE/dV": _central_difference(lambda v: _loss(x, y, U, W, v, s0), V),
    }


@tf_oracle
def tf_tape_rnn_gradients(x, y, U, W, V, s0):
    """E and [dE/dU, dE/dW, dE/dV] by tf.GradientTape over a forward written with tf ops."""
    import tensorflow as tf

    U, W, V = (tf.Variable(np.asarray(p, np.float64)) for p in (U, W, V))
    x = tf.constant(np.asarray(x, np.float64))
    state = (tf.zeros(U.shape[0], tf.float64) if s0 is None
             else tf.constant(np.asarray(s0, np.float64)))
    with tf.GradientTape() as tape:
        logits = []
        for t in range(int(x.shape[0])):
            state = tf.tanh(tf.linalg.matvec(U, x[t]) + tf.linalg.matvec(W, state))
            logits.append(tf.linalg.matvec(V, state))
        loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
            tf.constant(np.asarray(y, np.int64)), tf.stack(logits)))
    return float(loss.numpy()), [g.numpy() for g in tape.gradient(loss, [U, W, V])]


@tf_oracle
def tf_clip_by_global_norm(grads, max_norm):
    """tf.clip_by_global_norm on the arrays, in their dtype: ([clipped arrays], global norm)."""
    import tensorflow as tf

    clipped, norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    return [c.numpy() for c in clipped], float(norm.numpy())


# --- forward --------------------------------------------------------------------------------

@spec_property(requires=["rnn_forward"], level="maths", problem=rnn_problems(),
               oracle={"rnn_forward": "float64 loop: s_t = tanh(U x_t + W s_{t-1}), "
                                      "o_t = softmax(V s_t), step by step"})
def test_rnn_forward_follows_the_recursion(impl, problem):
    x, _, U, W, V, s0 = problem
    states, outputs = impl.rnn_forward(x, U, W, V, s0)
    expected_states, logits = _forward(x, U, W, V, s0)
    assert_close(states, expected_states, dtype=x.dtype, what="s_t = tanh(U x_t + W s_{t-1})")
    assert_close(outputs, _softmax(logits), dtype=x.dtype, what="o_t = softmax(V s_t)")


@spec_property(requires=["rnn_forward"], level="maths", problem=rnn_problems())
def test_rnn_outputs_are_probability_vectors_and_states_lie_in_minus_one_one(impl, problem):
    """Weights and inputs in [-1, 1] with dims <= 4 keep |a_t| <= 8: tanh stays off +-1."""
    x, _, U, W, V, s0 = problem
    states, outputs = impl.rnn_forward(x, U, W, V, s0)
    states, outputs = np.asarray(states, np.float64), np.asarray(outputs, np.float64)
    assert np.all(np.abs(states) < 1.0), f"a state outside (-1, 1): {states}"
    assert np.all(outputs >= 0) and np.all(outputs <= 1), f"an output outside [0, 1]: {outputs}"
    assert_close(outputs.sum(axis=-1), np.ones(len(x)), dtype=x.dtype, what="sum of o_t")


@spec_property(requires=["rnn_forward"], level="maths", settings={"max_examples": 20},
               problem=rnn_problems(dtype=np.float64), cut=st.integers(1, 5))
def test_rnn_forward_continues_from_the_state_it_reached(impl, problem, cut):
    """Running x[:c] and then x[c:] from s_c gives the states of one run over x."""
    x, _, U, W, V, s0 = problem
    cut = min(cut, len(x))
    states, _ = impl.rnn_forward(x, U, W, V, s0)
    head, _ = impl.rnn_forward(x[:cut], U, W, V, s0)
    assert_close(head, states[:cut], dtype=np.float64, what="states of the first part")
    if cut < len(x):
        tail, _ = impl.rnn_forward(x[cut:], U, W, V, np.asarray(head)[-1])
        assert_close(tail, states[cut:], dtype=np.float64, what="states continued from s_c")


# --- BPTT -----------------------------------------------------------------------------------

@spec_property(requires=["rnn_bptt"], level="maths", settings={"max_examples": 25},
               problem=rnn_problems(dtype=np.float64, scale=1.5),
               oracle={"rnn_bptt": "finite differences: central differences (eps 1e-6) of a "
                                   "float64 loop forward's loss"})
def test_rnn_bptt_gradients_equal_central_differences(impl, problem):
    """dE/dU, dE/dW, dE/dV against central differences of E (float64, eps = 1e-6)."""
    x, y, U, W, V, s0 = problem
    loss, dU, dW, dV = impl.rnn_bptt(x, y, U, W, V, s0)
    assert_close(loss, _loss(x, y, U, W, V, s0), dtype=np.float64,
                 what="E = sum_t -log o_t[y_t]")
    numeric = _numeric_gradients(x, y, U, W, V, s0)
    for (name, expected), actual in zip(numeric.items(), (dU, dW, dV), strict=True):
        assert_close(actual, expected, what=f"{name} vs central differences", **FINITE_DIFFERENCE)


@spec_property(requires=["rnn_bptt"], level="maths", settings={"max_examples": 25},
               problem=rnn_problems(dtype=np.float32, scale=1.5),
               oracle={"rnn_bptt": "finite differences: central differences (eps 1e-6) of a "
                                   "float64 loop forward's loss, at the float32 inputs"})
def test_rnn_bptt_in_float32_matches_float64_central_differences(impl, problem):
    """float32 VALUES, not only shapes: E and its gradients for float32 inputs equal the float64
    oracle (central differences at the same, exactly representable, inputs) within the plain
    float32 tolerance (rtol 2e-4, atol 2e-5). Justification: T <= 6, dims <= 4 and weights in
    [-1.5, 1.5] bound |E| < 60 and |dE/dtheta| < 30; a float32 BPTT carries a few dozen rounded
    operations per entry, observed error <= 3e-6 (tfref.ops, 400 draws), and the oracle's own
    error is ~1e-8. A missing term of the recursion moves the gradients by O(0.1)."""
    x, y, U, W, V, s0 = problem
    loss, dU, dW, dV = impl.rnn_bptt(x, y, U, W, V, s0)
    assert_close(loss, _loss(x, y, U, W, V, s0), dtype=np.float32,
                 what="float32 E = sum_t -log o_t[y_t] vs float64")
    numeric = _numeric_gradients(x, y, U, W, V, s0)
    for (name, expected), actual in zip(numeric.items(), (dU, dW, dV), strict=True):
        assert_close(actual, expected, dtype=np.float32,
                     what=f"float32 {name} vs float64 central differences")


@spec_property(requires=["rnn_bptt"], level="maths",
               settings={"max_examples": 15, "deadline": None},
               problem=rnn_problems(dtype=np.float64, scale=1.5),
               oracle={"rnn_bptt": "tf.GradientTape over a forward written with tf ops "
                                   "(float64)"})
def test_rnn_bptt_matches_tensorflow_gradient_tape_in_float64(impl, problem):
    """The hand gradients equal automatic differentiation to float64 precision (finite
    differences cannot see an error below 1e-5: e.g. a BPTT computed in float32)."""
    x, y, U, W, V, s0 = problem
    loss, dU, dW, dV = impl.rnn_bptt(x, y, U, W, V, s0)
    tape_loss, tape = tf_tape_rnn_gradients(x, y, U, W, V, s0)
    assert_close(loss, tape_loss, dtype=np.float64, what="E vs tf.nn.sparse_softmax_cross_entropy")
    for name, actual, expected in zip(("dE/dU", "dE/dW", "dE/dV"), (dU, dW, dV), tape,
                                      strict=True):
        assert_close(actual, expected, dtype=np.float64, what=f"{name} vs tf.GradientTape")


@spec_property(requires=["rnn_bptt"], level="conventions", problem=rnn_problems())
def test_rnn_bptt_returns_a_scalar_loss_and_gradients_shaped_like_the_parameters(impl, problem):
    x, y, U, W, V, s0 = problem
    result = impl.rnn_bptt(x, y, U, W, V, s0)
    assert len(result) == 4, f"rnn_bptt must return (loss, dU, dW, dV); got {len(result)} items"
    loss, dU, dW, dV = result
    assert np.shape(loss) == (), f"loss must be a scalar; got shape {np.shape(loss)}"
    for name, grad, param in (("dU", dU, U), ("dW", dW, W), ("dV", dV, V)):
        assert np.shape(grad) == param.shape, (
            f"{name}: shape {np.shape(grad)} for a {param.shape} parameter")


@spec_property(requires=["rnn_bptt"], level="maths", settings={"max_examples": 15},
               problem=rnn_problems(dtype=np.float64))
def test_rnn_bptt_of_one_step_ignores_w(impl, problem):
    """With T = 1 and s0 = 0 the state never meets W: dE/dW = 0 (and W does not matter)."""
    x, y, U, W, V, _ = problem
    loss, dU, dW, dV = impl.rnn_bptt(x[:1], y[:1], U, W, V, None)
    assert_close(dW, np.zeros_like(W), dtype=np.float64, what="dE/dW for one step from s0 = 0")
    other = impl.rnn_bptt(x[:1], y[:1], U, 2.0 * W + 1.0, V, None)
    assert_close(other[0], loss, dtype=np.float64, what="loss with another W")


# --- clipping -------------------------------------------------------------------------------

@st.composite
def gradient_lists(draw, dtype=None):
    """1-4 arrays of up to 3 x 3 entries in [-10, 10] (one element included)."""
    dtype = dtype or draw(strategies.dtypes())
    count = draw(st.integers(1, 4))
    return [draw(strategies.arrays(dtype=dtype, min_value=-10.0, max_value=10.0, max_dims=2,
                                   max_side=3)) for _ in range(count)]


def _global_norm(grads) -> float:
    """sqrt of the sum of every squared entry, a float64 loop."""
    total = 0.0
    for grad in grads:
        for value in np.asarray(grad, np.float64).ravel():
            total += float(value) * float(value)
    return math.sqrt(total)


@spec_property(requires=["clip_by_global_norm"], level="maths",
               settings={"max_examples": 30, "deadline": None},
               grads=gradient_lists(), ratio=st.floats(0.05, 1.5),
               tiny=st.booleans(),
               oracle={"clip_by_global_norm": "tf.clip_by_global_norm"})
def test_clip_by_global_norm_matches_tf_clip_by_global_norm(impl, grads, ratio, tiny):
    """max_norm = ratio * global norm, so about two draws in three clip; ``tiny`` scales the
    gradients by 1e-4 (late-training sizes), where an epsilon added to the norm (torch's
    clip_grad_norm_ divides by norm + 1e-6) moves the result by 1% and shows in float32 too.
    In float64 any such epsilon shows whenever the gradients are clipped."""
    dtype = grads[0].dtype
    if tiny:
        grads = [(g.astype(np.float64) * 1e-4).astype(dtype) for g in grads]
    norm = _global_norm(grads)
    max_norm = float(ratio * norm) if norm > 1e-6 else float(ratio)  # no subnormal max_norm
    # the gradients were scaled by 1e-4, so is the absolute tolerance (a stated, fixed factor)
    atol = tolerance(dtype)["atol"] * (1e-4 if tiny else 1.0)
    clipped, returned_norm = impl.clip_by_global_norm(grads, max_norm)
    expected, expected_norm = tf_clip_by_global_norm(grads, max_norm)
    assert_close(returned_norm, expected_norm, dtype=dtype, atol=atol,
                 what="global norm vs tf.clip_by_global_norm")
    assert len(clipped) == len(grads), f"{len(clipped)} arrays back for {len(grads)}"
    for index, (mine, theirs) in enumerate(zip(clipped, expected, strict=True)):
        assert_close(mine, theirs, dtype=dtype, atol=atol,
                     what=f"grads[{index}] vs tf.clip_by_global_norm (max_norm={max_norm:.6g}, "
                          f"global norm {norm:.6g})")


@spec_property(requires=["clip_by_global_norm"], level="maths", grads=gradient_lists(),
               max_norm=st.floats(0.01, 20.0),
               oracle={"clip_by_global_norm": "float64 loop: the global norm summed entry by "
                                              "entry, each g times min(1, max_norm / norm)"})
def test_clip_by_global_norm_caps_the_norm_and_keeps_the_direction(impl, grads, max_norm):
    clipped, norm = impl.clip_by_global_norm(grads, max_norm)
    dtype = grads[0].dtype
    before = _global_norm(grads)
    assert_close(norm, before, dtype=dtype, what="returned global norm (before clipping)")
    assert len(clipped) == len(grads), f"{len(clipped)} arrays back for {len(grads)}"
    scale = max_norm / max(before, max_norm)  # min(1, max_norm / norm)
    for index, (c, g) in enumerate(zip(clipped, grads, strict=True)):
        assert_close(c, np.asarray(g, np.float64) * scale, dtype=dtype,
                     what=f"grads[{index}] * min(1, max_norm / global_norm)")
    after = _global_norm(clipped)
    slack = 1.0 + 4 * tolerance(dtype)["rtol"]
    assert after <= max_norm * slack, f"global norm {after} after clipping exceeds {max_norm}"


@spec_property(requires=["clip_by_global_norm"], level="maths", grads=gradient_lists(),
               factor=st.floats(1.0, 100.0))
def test_clip_by_global_norm_is_the_identity_below_the_threshold(impl, grads, factor):
    norm = _global_norm(grads)
    max_norm = max(norm, 1e-3) * factor  # at or above the global norm
    clipped, _ = impl.clip_by_global_norm(grads, max_norm)
    for index, (c, g) in enumerate(zip(clipped, grads, strict=True)):
        assert_close(c, g, dtype=g.dtype, what=f"grads[{index}] with max_norm >= global norm")


@spec_property(requires=["clip_by_global_norm"], level="maths", dtype=strategies.dtypes(),
               count=st.integers(2, 4), max_norm=st.floats(0.1, 5.0),
               size=st.floats(2.0, 10.0))
def test_clip_by_global_norm_is_global_not_per_tensor(impl, dtype, count, max_norm, size):
    """Several gradients each of norm size * max_norm: all share one scale, 1 / (size sqrt(n))."""
    signs = ([1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0])
    grads = [(np.array(signs[i]) * size * max_norm / np.sqrt(2)).astype(dtype)
             for i in range(count)]
    clipped, norm = impl.clip_by_global_norm(grads, max_norm)
    assert_close(norm, size * max_norm * np.sqrt(count), dtype=dtype, what="global norm")
    assert_close(_global_norm(clipped), max_norm, dtype=dtype, what="global norm after clipping")


@spec_property(requires=["clip_by_global_norm"], level="maths", dtype=strategies.dtypes(),
               value=st.sampled_from([-7.5, -0.25, 0.0, 1e-5, 3.0]),
               max_norm=st.sampled_from([1e-4, 0.5, 2.0]))
def test_clip_by_global_norm_of_one_number_is_its_sign_times_min_of_abs_and_max_norm(
        impl, dtype, value, max_norm):
    """One gradient of one element: the norm is |g|, the result sign(g) min(|g|, max_norm)."""
    grads = [np.array([value], dtype)]
    clipped, norm = impl.clip_by_global_norm(grads, max_norm)
    assert_close(norm, abs(value), dtype=dtype, what=f"global norm of [{value}]")
    assert_close(clipped[0], [math.copysign(min(abs(value), max_norm), value)], dtype=dtype,
                 what=f"[{value}] clipped to max_norm={max_norm}")


# --- bad input ------------------------------------------------------------------------------

@spec_property(requires=["rnn_forward", "rnn_bptt"], level="validation", problem=rnn_problems(),
               broken=st.sampled_from(["U", "W", "V", "s0"]))
def test_rnn_rejects_parameters_whose_shapes_do_not_fit(impl, problem, broken):
    x, y, U, W, V, s0 = problem
    args = {"x": x, "U": U, "W": W, "V": V, "s0": np.zeros(U.shape[0], x.dtype)}
    args[broken] = {  # one extra column: the shape no longer matches its neighbour
        "U": np.zeros((U.shape[0], x.shape[1] + 1), x.dtype),
        "W": np.zeros((U.shape[0], U.shape[0] + 1), x.dtype),
        "V": np.zeros((V.shape[0], U.shape[0] + 1), x.dtype),
        "s0": np.zeros(U.shape[0] + 1, x.dtype),
    }[broken]
    expect_value_error(lambda: impl.rnn_forward(**args), broken,
                       rule=f"rnn_forward with a {broken} of shape {args[broken].shape}")
    expect_value_error(lambda: impl.rnn_bptt(y=y, **args), broken,
                       rule=f"rnn_bptt with a {broken} of shape {args[broken].shape}")


@spec_property(requires=["rnn_bptt"], level="validation", problem=rnn_problems(),
               bad=st.sampled_from(["too large", "negative", "fractional", "one extra"]))
def test_rnn_bptt_rejects_bad_labels(impl, problem, bad):
    x, y, U, W, V, s0 = problem
    y = y.astype(np.float64)
    if bad == "too large":
        y[-1] = V.shape[0]
    elif bad == "negative":
        y[0] = -1
    elif bad == "fractional":
        y[0] = 0.5
    else:
        y = np.append(y, 0.0)  # T + 1 labels for T steps
    expect_value_error(lambda: impl.rnn_bptt(x, y, U, W, V, s0), "y",
                       rule=f"rnn_bptt with labels {y} ({bad}) for {V.shape[0]} outputs")


@spec_property(requires=["rnn_forward", "rnn_bptt"], level="validation", dtype=strategies.dtypes(),
               input_dim=st.integers(1, 4))
def test_rnn_rejects_an_empty_sequence(impl, dtype, input_dim):
    x = np.zeros((0, input_dim), dtype)
    U, W, V = np.ones((2, input_dim), dtype), np.eye(2, dtype=dtype), np.ones((3, 2), dtype)
    expect_value_error(lambda: impl.rnn_forward(x, U, W, V), "x", rule="rnn_forward, T = 0")
    expect_value_error(lambda: impl.rnn_bptt(x, np.zeros(0, np.int64), U, W, V), "x",
                       rule="rnn_bptt, T = 0")


@spec_property(requires=["clip_by_global_norm"], level="validation", grads=gradient_lists(),
               max_norm=st.sampled_from([0.0, -1.0, -1e-9, float("nan"), float("inf")]))
def test_clip_by_global_norm_rejects_a_non_positive_max_norm(impl, grads, max_norm):
    expect_value_error(lambda: impl.clip_by_global_norm(grads, max_norm), "max_norm",
                       rule=f"clip_by_global_norm with max_norm={max_norm}")


@spec_property(requires=["clip_by_global_norm"], level="validation", max_norm=st.floats(0.1, 10.0))
def test_clip_by_global_norm_rejects_no_gradients(impl, max_norm):
    expect_value_error(lambda: impl.clip_by_global_norm([], max_norm), "grads",
                       rule="clip_by_global_norm of an empty list")
