"""Properties of the update rules and learning-rate schedules (docs/contract.md, Updates).

Oracles. Each first-order rule, applied by hand over 20-25 steps to one sequence of gradients,
must land where ``keras.optimizers`` takes a ``tf.Variable`` fed the same gradients (D2L's
TensorFlow Adam added epsilon to the parameter and never incremented t; one step would not show
either, many steps do). The schedules equal ``keras.optimizers.schedules``. Keras runs in
``tf_oracle`` functions (a helper process unless TensorFlow is already loaded), which return the
whole trajectory as NumPy. Beside keras: the EWMA forms of seed 004 (momentum, RMSprop's and
Adam's averages are EWMAs of g and g^2), written as float64 loops here; Adam's bias-corrected
first step (about lr per coordinate); Newton's one-step minimum of a quadratic
(``numpy.linalg.solve``).

Tolerances: the dtype's (spec_tests/tolerances.py). After many steps a rounding error scales with
the largest magnitude a coordinate held on its way, not with where it ends (it may pass near 0),
so trajectory comparisons multiply atol by that magnitude: at least 1, and bounded by the
strategies (|param|, |g| <= 10, lr <= 0.5, <= 25 steps keep it below ``SCALE_CAP``, where it is
capped). Hyperparameters are drawn exactly representable in float32: keras rounds some of them
(the learning rate, momentum, the betas of the bias correction) to float32 even for float64
variables, and a float64 comparison must not see that rounding.

Levels: the maths properties compare values only (a rule computing in float64 for float32 input
passes); the dtype of the result is checked in test_conventions. The validation properties are
one per function and rule, so that an implementation lacking one rule still gets the others
checked.

Cost: each keras example applies 20+ updates eagerly (~0.1 s), so those properties draw fewer
examples; they, the schedules and the other many-step properties do not shrink a failure: it is
reported as drawn.
"""

from __future__ import annotations

import numpy as np
from hypothesis import Phase
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import MISMATCHED_SHAPES, define_property, expect_value_error
from spec_tests.tf_oracle import tf_oracle
from spec_tests.tolerances import assert_close, tolerance

# Failures of the costly properties are reported as drawn, not shrunk: shrinking re-runs an
# example hundreds of times, each a keras run (~0.1 s) or 20+ rule calls, and the meta-tests feed
# broken rules to every one of them.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
# No deadline where keras runs: the first oracle call may start TensorFlow's helper process (~10 s).
KERAS = {"max_examples": 6, "phases": NO_SHRINK, "deadline": None}
SCHEDULES = {"max_examples": 20, "phases": NO_SHRINK, "deadline": None}
TRAJECTORY = {"max_examples": 15, "phases": NO_SHRINK}  # 20+ calls of a rule per example
UPDATE_RULES = ("sgd_update", "momentum_update", "rmsprop_update", "adam_update")

# The largest magnitude a coordinate can reach on the drawn trajectories is about 1.6e3
# (momentum: |velocity| <= lr |g| t <= 125 after t <= 25 steps); atol is scaled by at most this.
SCALE_CAP = 1e4


# --- strategies -------------------------------------------------------------------------------


def float32_exact(low: float, high: float):
    """Python floats in [low, high] (bounds rounded inwards) that float32 represents exactly."""
    low, high = strategies._inward(low, high, np.float32)
    return st.floats(low, high, width=32, allow_nan=False, allow_subnormal=False).map(float)


learning_rates = float32_exact(1e-3, 0.5)
decays = float32_exact(0.0, 0.99)  # momentum, rho, beta_1
# beta_2 >= 0.5: with beta_2 near 0, v forgets a large gradient while m remembers it, and after a
# tiny gradient m / (sqrt(v) + eps) is a ratio of a number to (nearly) nothing; keras's form
# v + (g^2 - v)(1 - beta_2) then even cancels v to exactly 0. The step is ill-conditioned there,
# and two correct implementations differ by orders of magnitude beyond any tolerance.
second_moment_decays = float32_exact(0.5, 0.9999)
epsilons = float32_exact(1e-8, 1e-1)


@st.composite
def gradient_sequences(draw, dtype=None, min_steps=20, max_steps=25):
    """``(param, grads)``: a starting parameter and 20-25 gradients of its shape (steps first)."""
    dtype = dtype or draw(strategies.dtypes())
    shape = draw(strategies.shapes(min_dims=1, max_dims=2, max_side=4))
    steps = draw(st.integers(min_steps, max_steps))
    elements = strategies.finite_floats(dtype, -10.0, 10.0)
    param = draw(hnp.arrays(dtype, shape, elements=elements))
    grads = draw(hnp.arrays(dtype, (steps, *shape), elements=elements))
    return param, grads


@st.composite
def nonzero_gradients(draw, dtype=None):
    """``(param, grad)`` with every abs(grad) in [1e-2, 100]: Adam's first step is ~lr there."""
    dtype = dtype or draw(strategies.dtypes())
    grad = draw(
        strategies.arrays_away_from_zero(
            dtype=dtype, min_abs=1e-2, max_abs=100.0, max_dims=2, max_side=4
        )
    )
    param = draw(hnp.arrays(dtype, grad.shape, elements=strategies.finite_floats(dtype, -10, 10)))
    return param, grad


@st.composite
def positive_definite_quadratics(draw, dtype=None, max_n=5):
    """``(A, b, x0)`` for f(x) = x.A x / 2 - b.x, A = M M^T + I (eigenvalues in [1, 1 + n^2])."""
    dtype = dtype or draw(strategies.dtypes())
    n = draw(st.integers(1, max_n))
    m = draw(hnp.arrays(np.float64, (n, n), elements=st.floats(-1.0, 1.0)))
    a = (m @ m.T + np.eye(n)).astype(dtype)
    vectors = hnp.arrays(dtype, n, elements=strategies.finite_floats(dtype, -10.0, 10.0))
    return a, draw(vectors), draw(vectors)


# --- the TensorFlow oracles (run apart from the implementation under test) -------------------


@tf_oracle
def keras_optimizer_trajectory(optimizer: str, config: dict, param, grads):
    """The parameter after each ``keras.optimizers.<optimizer>(**config).apply_gradients`` on a
    ``tf.Variable`` started at ``param``, one step per gradient: an array (steps, *param.shape)."""
    import keras
    import tensorflow as tf

    variable = tf.Variable(param)
    instance = getattr(keras.optimizers, optimizer)(**config)
    path = []
    for grad in grads:
        instance.apply_gradients([(tf.constant(grad), variable)])
        path.append(variable.numpy())
    return np.stack(path)


@tf_oracle
def keras_schedule(schedule: str, lr0, steps, decay_steps, decay_rate, staircase):
    """``keras.optimizers.schedules.<schedule>(lr0, decay_steps, decay_rate, staircase)(steps)``."""
    import keras

    make = getattr(keras.optimizers.schedules, schedule)
    return np.asarray(make(lr0, decay_steps, decay_rate, staircase=staircase)(steps))


# --- helpers ----------------------------------------------------------------------------------


def _close_on_trajectory(actual, expected, dtype, what, start):
    """Compare two trajectories (steps first) coordinate by coordinate, atol scaled by the
    largest magnitude the coordinate held, from ``start`` on (see the module docstring)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:  # one message, with both arrays
        assert_close(actual, expected, dtype=dtype, what=what)
    held = np.maximum(np.abs(expected).max(axis=0), np.abs(np.asarray(start, dtype=np.float64)))
    for index in np.ndindex(expected.shape[1:]):
        scale = float(np.clip(held[index], 1.0, SCALE_CAP))
        assert_close(actual[(slice(None), *index)], expected[(slice(None), *index)], dtype=dtype,
                     atol=tolerance(dtype)["atol"] * scale,
                     what=f"{what}, coordinate {index} over {len(expected)} steps")


def _zeros(param):
    return np.zeros_like(param)


def _ewma64(values, beta):
    """v_0 = 0, v_t = beta v_(t-1) + (1 - beta) values_t along axis 0, in float64: (steps, ...)."""
    average, out = np.zeros(values.shape[1:]), []
    for value in np.asarray(values, dtype=np.float64):
        average = beta * average + (1 - beta) * value
        out.append(average)
    return np.stack(out)


def _run_rule(impl, rule, param, grads, **hyper):
    """Apply ``rule`` once per gradient from zero state: (the parameter path, the final state)."""
    state = [_zeros(param)] * {"sgd_update": 0, "momentum_update": 1, "rmsprop_update": 1,
                               "adam_update": 2}[rule]
    path = []
    for t, grad in enumerate(grads, start=1):
        if rule == "sgd_update":
            param = impl.sgd_update(param, grad, **hyper)
        elif rule == "adam_update":
            param, *state = impl.adam_update(param, grad, *state, t, **hyper)
        else:
            param, *state = getattr(impl, rule)(param, grad, *state, **hyper)
        path.append(param)
    return np.stack(path), state


# --- each rule equals keras over many steps ---------------------------------------------------


@spec_property(requires=["sgd_update"], settings=KERAS,
               oracle={"sgd_update": "keras.optimizers.SGD, 20-25 steps of apply_gradients"},
               sequence=gradient_sequences(), lr=learning_rates)
def test_sgd_update_matches_keras_sgd_over_many_steps(impl, sequence, lr):
    param, grads = sequence
    expected = keras_optimizer_trajectory("SGD", {"learning_rate": lr}, param, grads)
    actual, _ = _run_rule(impl, "sgd_update", param, grads, lr=lr)
    _close_on_trajectory(actual, expected, grads.dtype, f"sgd_update(lr={lr}) vs keras SGD", param)


@spec_property(requires=["momentum_update"], settings=KERAS,
               oracle={"momentum_update": "keras.optimizers.SGD(momentum), 20-25 steps"},
               sequence=gradient_sequences(), lr=learning_rates, momentum=decays)
def test_momentum_update_matches_keras_sgd_with_momentum_over_many_steps(
    impl, sequence, lr, momentum
):
    param, grads = sequence
    expected = keras_optimizer_trajectory(
        "SGD", {"learning_rate": lr, "momentum": momentum}, param, grads)
    actual, _ = _run_rule(impl, "momentum_update", param, grads, lr=lr, momentum=momentum)
    _close_on_trajectory(actual, expected, grads.dtype,
                         f"momentum_update(lr={lr}, momentum={momentum}) vs keras SGD", param)


@spec_property(requires=["rmsprop_update"], settings=KERAS,
               oracle={"rmsprop_update": "keras.optimizers.RMSprop, 20-25 steps"},
               sequence=gradient_sequences(), lr=learning_rates, rho=decays, epsilon=epsilons)
def test_rmsprop_update_matches_keras_rmsprop_over_many_steps(impl, sequence, lr, rho, epsilon):
    param, grads = sequence
    expected = keras_optimizer_trajectory(
        "RMSprop", {"learning_rate": lr, "rho": rho, "epsilon": epsilon}, param, grads)
    actual, _ = _run_rule(impl, "rmsprop_update", param, grads, lr=lr, rho=rho, epsilon=epsilon)
    _close_on_trajectory(
        actual, expected, grads.dtype,
        f"rmsprop_update(lr={lr}, rho={rho}, epsilon={epsilon}) vs keras RMSprop", param)


@spec_property(requires=["adam_update"], settings=KERAS,
               oracle={"adam_update": "keras.optimizers.Adam, 20-25 steps"},
               sequence=gradient_sequences(), lr=learning_rates, beta_1=decays,
               beta_2=second_moment_decays, epsilon=epsilons)
def test_adam_update_matches_keras_adam_over_many_steps(
    impl, sequence, lr, beta_1, beta_2, epsilon
):
    param, grads = sequence
    hyper = {"beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon}
    expected = keras_optimizer_trajectory("Adam", {"learning_rate": lr, **hyper}, param, grads)
    actual, _ = _run_rule(impl, "adam_update", param, grads, lr=lr, **hyper)
    _close_on_trajectory(actual, expected, grads.dtype,
                         f"adam_update(lr={lr}, {hyper}) vs keras Adam", param)


# --- what the rules are: EWMAs, bias correction, special cases --------------------------------


@spec_property(requires=["adam_update"], settings={"phases": NO_SHRINK},
               pair=nonzero_gradients(), lr=learning_rates, beta_1=decays,
               beta_2=float32_exact(0.9, 0.9999))
def test_adam_first_step_moves_each_coordinate_by_about_the_learning_rate(
    impl, pair, lr, beta_1, beta_2
):
    """With bias correction m_hat = g and v_hat = g^2 at t = 1, so the step is lr * sign(g)
    (up to epsilon: abs(g) sqrt(1 - beta_2) >= 1e-4 here makes its share <= 1e-3)."""
    param, grad = pair
    new_param, _, _ = impl.adam_update(
        param, grad, _zeros(param), _zeros(param), 1, lr, beta_1=beta_1, beta_2=beta_2
    )
    step = np.asarray(new_param, dtype=np.float64) - param.astype(np.float64)
    # A float32 parameter holds the step to within one ulp of abs(param) <= 10.
    slack = 2e-3 * lr + (10 * np.finfo(np.float32).eps if param.dtype == np.float32 else 1e-12)
    assert_close(step, -lr * np.sign(grad), dtype=np.float64, rtol=0.0, atol=slack,
                 what=f"adam_update's first step (lr={lr}) vs -lr * sign(g)")


@spec_property(requires=["momentum_update", "sgd_update"], settings=TRAJECTORY,
               sequence=gradient_sequences(max_steps=20), lr=learning_rates)
def test_momentum_update_with_zero_momentum_equals_sgd_update(impl, sequence, lr):
    param, grads = sequence
    with_momentum, (velocity,) = _run_rule(impl, "momentum_update", param, grads, lr=lr,
                                           momentum=0.0)
    plain, _ = _run_rule(impl, "sgd_update", param, grads, lr=lr)
    _close_on_trajectory(with_momentum, plain, grads.dtype,
                         "momentum_update(momentum=0) vs sgd_update", param)
    assert_close(velocity, -lr * grads[-1].astype(np.float64), dtype=grads.dtype,
                 what="momentum_update's velocity with momentum=0 vs -lr g")


@spec_property(requires=["momentum_update"], settings=TRAJECTORY,
               oracle={"momentum_update": "float64 loop: the EWMA form of seed 004"},
               sequence=gradient_sequences(max_steps=20), alpha=learning_rates, beta=decays)
def test_momentum_update_equals_the_ewma_form_with_a_rescaled_learning_rate(
    impl, sequence, alpha, beta
):
    """Seed 004: v = beta v + (1 - beta) g (an EWMA of the gradients), W = W - alpha v; so
    W_t = W_0 - alpha (v_1 + ... + v_t). keras-style momentum with lr = alpha (1 - beta) agrees."""
    param, grads = sequence
    expected = param.astype(np.float64) - alpha * np.cumsum(_ewma64(grads, beta), axis=0)
    actual, _ = _run_rule(impl, "momentum_update", param, grads, lr=alpha * (1 - beta),
                          momentum=beta)
    _close_on_trajectory(actual, expected, grads.dtype,
                         f"momentum_update vs the EWMA form W - alpha v (beta={beta})", param)


@spec_property(requires=["rmsprop_update"], settings=TRAJECTORY,
               oracle={"rmsprop_update": "float64 loop: S is the EWMA of g^2"},
               sequence=gradient_sequences(max_steps=20), lr=learning_rates, rho=decays)
def test_rmsprop_mean_square_is_the_ewma_of_squared_gradients(impl, sequence, lr, rho):
    param, grads = sequence
    _, (mean_square,) = _run_rule(impl, "rmsprop_update", param, grads, lr=lr, rho=rho)
    averages = _ewma64(grads.astype(np.float64) ** 2, rho)
    _close_on_trajectory(np.asarray(mean_square)[None], averages[-1:], grads.dtype,
                         f"rmsprop_update's S vs the EWMA of g^2 (rho={rho})", averages.max(axis=0))


@spec_property(requires=["adam_update"], settings=TRAJECTORY,
               oracle={"adam_update": "float64 loop: m and v are the EWMAs of g and g^2"},
               sequence=gradient_sequences(max_steps=20), lr=learning_rates, beta_1=decays,
               beta_2=second_moment_decays)
def test_adam_moments_are_the_ewmas_of_gradients_and_squared_gradients(
    impl, sequence, lr, beta_1, beta_2
):
    param, grads = sequence
    _, (m, v) = _run_rule(impl, "adam_update", param, grads, lr=lr, beta_1=beta_1, beta_2=beta_2)
    first, second = _ewma64(grads, beta_1), _ewma64(grads.astype(np.float64) ** 2, beta_2)
    _close_on_trajectory(np.asarray(m)[None], first[-1:], grads.dtype,
                         f"adam_update's m vs the EWMA of g (beta_1={beta_1})",
                         np.abs(first).max(axis=0))
    _close_on_trajectory(np.asarray(v)[None], second[-1:], grads.dtype,
                         f"adam_update's v vs the EWMA of g^2 (beta_2={beta_2})", second.max(axis=0))


@spec_property(requires=["sgd_update"], problem=positive_definite_quadratics())
def test_sgd_update_steps_downhill_on_a_quadratic(impl, problem):
    """Erratum 7: descent is w - eta * gradient; with eta below 1 / largest eigenvalue the loss
    falls whenever the gradient is not 0."""
    a, b, x0 = problem
    a64, b64, x64 = (value.astype(np.float64) for value in problem)
    grad = a64 @ x64 - b64
    if np.linalg.norm(grad) < 1e-2 * max(1.0, np.linalg.norm(b64)):
        return  # (almost) at the minimum: nothing to show
    lr = float(np.float32(0.5 / np.linalg.eigvalsh(a64).max()))
    x1 = np.asarray(impl.sgd_update(x0, grad.astype(a.dtype), lr), dtype=np.float64)

    def loss(x):
        return 0.5 * x @ a64 @ x - b64 @ x

    assert loss(x1) < loss(x64), (
        f"sgd_update(lr={lr}) went uphill on a convex quadratic: f(x0) = {loss(x64)}, "
        f"f(x1) = {loss(x1)}")


# --- pure rules: the caller's arrays are never written -----------------------------------------


def _leaves_its_arguments_unchanged(rule):
    def check(impl, sequence, lr):
        """Five steps from a non-zero state; after each, every array passed is as it was."""
        param, grads = sequence
        state = [np.full_like(param, 0.5)] * {"sgd_update": 0, "momentum_update": 1,
                                              "rmsprop_update": 1, "adam_update": 2}[rule]
        state = [s.copy() for s in state]
        for t, grad in enumerate(grads[:5], start=1):
            arguments = {"param": param, "grad": grad,
                         **dict(zip(STATE_NAMES.get(rule, ()), state))}
            before = {name: value.copy() for name, value in arguments.items()}
            if rule == "sgd_update":
                out = [impl.sgd_update(param, grad, lr)]
            elif rule == "adam_update":
                out = impl.adam_update(param, grad, *state, t, lr)
            else:
                out = getattr(impl, rule)(param, grad, *state, lr)
            for name, value in arguments.items():
                assert np.array_equal(value, before[name]), (
                    f"{rule} (step {t}) changed its argument {name} in place: {before[name]} "
                    f"became {value} (the contract: update rules mutate nothing)")
            param, *state = (np.array(value, dtype=param.dtype) for value in out)
    return check


for _rule in UPDATE_RULES:
    define_property(
        __name__, f"{_rule}_leaves_its_arguments_unchanged", [_rule],
        _leaves_its_arguments_unchanged(_rule),
        f"{_rule} returns new arrays and writes none of param, grad or its state (the "
        "contract: pure update rules that mutate nothing).", level="maths",
        settings={"max_examples": 15, "phases": NO_SHRINK},
        sequence=gradient_sequences(min_steps=5, max_steps=5), lr=learning_rates)


# --- Newton -----------------------------------------------------------------------------------


@spec_property(requires=["newton_step"],
               oracle={"newton_step": "numpy.linalg.solve: the minimiser x0 - A^-1 (A x0 - b)"},
               problem=positive_definite_quadratics())
def test_newton_step_reaches_the_minimum_of_a_positive_definite_quadratic_in_one_step(
    impl, problem
):
    """f(x) = x.A x / 2 - b.x has gradient A x - b and Hessian A; its minimum is A^-1 b."""
    a, b, x0 = problem
    a64, b64, x64 = (value.astype(np.float64) for value in problem)
    grad = (a64 @ x64 - b64).astype(a.dtype)
    minimum = x64 - np.linalg.solve(a64, grad.astype(np.float64))  # = A^-1 b up to grad's rounding
    x1 = impl.newton_step(x0, grad, a)
    _close_on_trajectory(np.asarray(x1)[None], minimum[None], a.dtype,
                         "newton_step vs the minimiser A^-1 b", x64)


# --- schedules --------------------------------------------------------------------------------

step_arrays = hnp.arrays(np.int64, st.integers(1, 12), elements=st.integers(0, 5000))


@spec_property(requires=["exponential_decay"], settings=SCHEDULES,
               oracle={"exponential_decay": "keras.optimizers.schedules.ExponentialDecay"},
               lr0=float32_exact(1e-4, 1.0), steps=step_arrays, decay_steps=st.integers(1, 1000),
               decay_rate=float32_exact(0.05, 0.99), staircase=st.booleans())
def test_exponential_decay_matches_keras_exponential_decay(
    impl, lr0, steps, decay_steps, decay_rate, staircase
):
    expected = keras_schedule("ExponentialDecay", lr0, steps, decay_steps, decay_rate, staircase)
    actual = impl.exponential_decay(lr0, steps, decay_steps, decay_rate, staircase=staircase)
    assert_close(actual, expected, dtype=np.float32,
                 what=f"exponential_decay(lr0={lr0}, decay_steps={decay_steps}, "
                      f"decay_rate={decay_rate}, staircase={staircase}) vs keras ExponentialDecay")


@spec_property(requires=["inverse_time_decay"], settings=SCHEDULES,
               oracle={"inverse_time_decay": "keras.optimizers.schedules.InverseTimeDecay"},
               lr0=float32_exact(1e-4, 1.0), steps=step_arrays, decay_steps=st.integers(1, 1000),
               decay_rate=float32_exact(0.0, 10.0), staircase=st.booleans())
def test_inverse_time_decay_matches_keras_inverse_time_decay(
    impl, lr0, steps, decay_steps, decay_rate, staircase
):
    expected = keras_schedule("InverseTimeDecay", lr0, steps, decay_steps, decay_rate, staircase)
    actual = impl.inverse_time_decay(lr0, steps, decay_steps, decay_rate, staircase=staircase)
    assert_close(actual, expected, dtype=np.float32,
                 what=f"inverse_time_decay(lr0={lr0}, decay_steps={decay_steps}, "
                      f"decay_rate={decay_rate}, staircase={staircase}) vs keras InverseTimeDecay")


# --- the ValueError contract: one property per function and rule ------------------------------


def _validation_property(name: str, function: str, check, doc: str, **strategies_):
    """Register ``test_<name>``: a validation property of ``function`` alone running ``check``."""
    define_property(__name__, name, [function], check, doc, **strategies_)


def _call_rule(impl, rule, param, grad, **overrides):
    """Call one update rule with valid defaults for everything not overridden."""
    state = overrides.pop("state", np.zeros_like(param))
    lr = overrides.pop("lr", 0.1)
    if rule == "sgd_update":
        return impl.sgd_update(param, grad, lr)
    if rule == "momentum_update":
        return impl.momentum_update(param, grad, state, lr, **overrides)
    if rule == "rmsprop_update":
        return impl.rmsprop_update(param, grad, state, lr, **overrides)
    t = overrides.pop("t", 1)
    return impl.adam_update(param, grad, state, np.zeros_like(param), t, lr, **overrides)


bad_learning_rates = st.one_of(
    st.just(0.0), st.floats(-10.0, -1e-9), st.just(float("inf")), st.just(float("nan"))
)
outside_unit_interval = st.one_of(st.floats(1.0, 10.0), st.floats(-10.0, -1e-9))
bad_epsilons = st.one_of(st.just(0.0), st.floats(-1.0, -1e-12))
STATE_NAMES = {"momentum_update": ("velocity",), "rmsprop_update": ("mean_square",),
               "adam_update": ("m", "v")}
DECAY_NAMES = {"momentum_update": ("momentum",), "rmsprop_update": ("rho",),
               "adam_update": ("beta_1", "beta_2")}
ONES = np.ones(3, dtype=np.float32)


def _rejects_bad_lr(rule):
    def check(impl, lr):
        expect_value_error(lambda: _call_rule(impl, rule, ONES, ONES, lr=lr), "lr",
                           rule=f"{rule} with lr = {lr} (lr must be a positive finite number)")
    return check


def _rejects_bad_decay(rule):
    def check(impl, value):
        for name in DECAY_NAMES[rule]:
            expect_value_error(
                lambda name=name: _call_rule(impl, rule, ONES, ONES, **{name: value}), name,
                rule=f"{rule} with {name} = {value} ({name} must be in [0, 1))")
    return check


def _rejects_bad_epsilon(rule):
    def check(impl, epsilon):
        expect_value_error(lambda: _call_rule(impl, rule, ONES, ONES, epsilon=epsilon), "epsilon",
                           rule=f"{rule} with epsilon = {epsilon} (epsilon must be > 0)")
    return check


def _rejects_other_shapes(rule):
    def check(impl, shapes):
        param_shape, other_shape = shapes
        param = np.ones(param_shape, dtype=np.float32)
        other = np.ones(other_shape, dtype=np.float32)
        expect_value_error(
            lambda: _call_rule(impl, rule, param, other), "param", "grad",
            rule=f"{rule} with grad of shape {other_shape} for param of shape {param_shape} "
                 "(grad must have param's shape)")
        for name in STATE_NAMES.get(rule, ()):
            if name == "v":
                call = lambda: impl.adam_update(param, param, np.zeros_like(param), other, 1, 0.1)  # noqa: E731
            else:
                call = lambda: _call_rule(impl, rule, param, param, state=other)  # noqa: E731
            expect_value_error(
                call, "param", name,
                rule=f"{rule} with {name} of shape {other_shape} for param of shape "
                     f"{param_shape} (every state must have param's shape)")
    return check


for _rule in UPDATE_RULES:
    _validation_property(
        f"{_rule}_rejects_a_learning_rate_that_is_not_positive", _rule, _rejects_bad_lr(_rule),
        f"{_rule}: lr = 0, < 0, inf or NaN raises ValueError naming lr.", lr=bad_learning_rates)
    _validation_property(
        f"{_rule}_rejects_a_gradient_or_state_of_another_shape", _rule,
        _rejects_other_shapes(_rule),
        f"{_rule}: grad (or a state) of a shape other than param's raises ValueError naming both.",
        shapes=MISMATCHED_SHAPES)
for _rule in DECAY_NAMES:
    _validation_property(
        f"{_rule}_rejects_decay_factors_outside_zero_one", _rule, _rejects_bad_decay(_rule),
        f"{_rule}: {' or '.join(DECAY_NAMES[_rule])} outside [0, 1) raises ValueError naming it.",
        value=outside_unit_interval)
for _rule in ("rmsprop_update", "adam_update"):
    _validation_property(
        f"{_rule}_rejects_an_epsilon_that_is_not_positive", _rule, _rejects_bad_epsilon(_rule),
        f"{_rule}: epsilon <= 0 raises ValueError naming epsilon.", epsilon=bad_epsilons)


@spec_property(requires=["adam_update"],
               t=st.one_of(st.integers(-5, 0), st.sampled_from([0.5, 1.5, 2.25])))
def test_adam_update_rejects_a_step_count_that_is_not_a_whole_number_from_one(impl, t):
    expect_value_error(lambda: _call_rule(impl, "adam_update", ONES, ONES, t=t), "t",
                       rule=f"adam_update with t = {t} (t must be a whole number >= 1)")


@spec_property(requires=["newton_step"], n=st.integers(1, 4),
               dtype=strategies.dtypes())
def test_newton_step_rejects_a_singular_or_non_square_hessian(impl, n, dtype):
    x = np.ones(n, dtype=dtype)
    u = np.arange(1, n + 1, dtype=dtype)
    bad = {
        "zero": np.zeros((n, n), dtype=dtype),
        "non-square": np.ones((n, n + 1), dtype=dtype),
        "wrongly sized": np.eye(n + 1, dtype=dtype),
    }
    if n >= 2:
        bad["rank-one"] = np.outer(u, u)
    for what, hessian in bad.items():
        expect_value_error(
            lambda hessian=hessian: impl.newton_step(x, x, hessian), "hessian",
            rule=f"newton_step with a {what} hessian of shape {hessian.shape} for x of {n} "
                 "elements (hessian must be (n, n) and invertible)")


@spec_property(requires=["newton_step"], n=st.integers(1, 4),
               dtype=strategies.dtypes())
def test_newton_step_rejects_a_gradient_of_another_shape(impl, n, dtype):
    x = np.ones(n, dtype=dtype)
    expect_value_error(
        lambda: impl.newton_step(x, np.ones(n + 1, dtype=dtype), np.eye(n, dtype=dtype)),
        "grad", rule=f"newton_step with grad of {n + 1} elements for x of {n} "
                     "(grad must have x's shape)")


non_positive = st.one_of(st.just(0.0), st.floats(-10.0, -1e-9))


def _rejects_bad_schedule_arguments(name):
    def check(impl, bad):
        schedule = getattr(impl, name)
        expect_value_error(lambda: schedule(bad, [0, 1], 10, 0.5), "lr0",
                           rule=f"{name} with lr0 = {bad} (lr0 must be > 0)")
        expect_value_error(lambda: schedule(0.1, [0, 1], bad, 0.5), "decay_steps",
                           rule=f"{name} with decay_steps = {bad} (decay_steps must be > 0)")
        expect_value_error(lambda: schedule(0.1, [0, -1 + min(bad, -1e-9)], 10, 0.5), "step",
                           rule=f"{name} with a negative step (step must be >= 0)")
        if name == "exponential_decay":
            expect_value_error(lambda: schedule(0.1, [0, 1], 10, bad), "decay_rate",
                               rule=f"exponential_decay with decay_rate = {bad} (must be > 0)")
        elif bad < 0:  # 0 is a valid inverse-time rate (no decay)
            expect_value_error(lambda: schedule(0.1, [0, 1], 10, bad), "decay_rate",
                               rule=f"inverse_time_decay with decay_rate = {bad} (must be >= 0)")
    return check


for _name in ("exponential_decay", "inverse_time_decay"):
    _validation_property(
        f"{_name}_rejects_non_positive_arguments_and_negative_steps", _name,
        _rejects_bad_schedule_arguments(_name),
        f"{_name}: lr0, decay_steps or decay_rate out of range, or a negative step, raises "
        "ValueError naming it.", bad=non_positive)
