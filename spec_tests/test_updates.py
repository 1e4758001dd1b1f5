"""Properties of the update rules and learning-rate schedules (docs/contract.md, Updates).

The oracle of each first-order rule is ``keras.optimizers`` itself: the rule, applied by hand over
20-25 steps to one sequence of gradients, must land where ``optimizer.apply_gradients`` takes a
``tf.Variable`` fed the same gradients (D2L's TensorFlow Adam added epsilon to the parameter and
never incremented t; one step would not show either, many steps do). Beside keras: the EWMA
forms of seed 004 (momentum, RMSprop's and Adam's averages are ``ewma`` of g and g^2), Adam's
bias-corrected first step (about lr per coordinate), Newton's one-step minimum of a quadratic,
and the keras schedules.

Tolerances: after many steps a float32 rounding error scales with the size of the parameters,
not with one coordinate (which may pass near 0), so trajectory comparisons scale atol by
max(1, largest abs value on the keras trajectory). Hyperparameters are drawn exactly
representable in float32: keras rounds some of them (the learning rate, momentum, the betas of
the bias correction) to float32 even for float64 variables, and a float64 comparison must not
see that rounding.

Cost: each keras example builds an optimiser and applies 20+ updates eagerly (~0.1 s), so those
properties draw fewer examples; they, the schedules and the other many-step properties do not
shrink a failure: it is reported as drawn.
"""

from __future__ import annotations

import numpy as np
from hypothesis import Phase
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from spec_tests.registry import spec_property
from spec_tests.test_errors import MISMATCHED_SHAPES, expect_value_error
from spec_tests.tolerances import assert_close, tolerance

# Failures of the costly properties are reported as drawn, not shrunk: shrinking re-runs an
# example hundreds of times, each a keras run (~0.1 s) or 20+ rule calls, and the meta-tests feed
# broken rules to every one of them.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
KERAS = {"max_examples": 6, "phases": NO_SHRINK}
SCHEDULES = {"max_examples": 20, "phases": NO_SHRINK}
TRAJECTORY = {"max_examples": 15, "phases": NO_SHRINK}  # 20+ calls of a rule per example
UPDATE_RULES = ("sgd_update", "momentum_update", "rmsprop_update", "adam_update")


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


# --- helpers ----------------------------------------------------------------------------------


def _keras_trajectory(optimizer, param, grads) -> np.ndarray:
    """The parameter after each ``optimizer.apply_gradients`` on a tf.Variable: (steps, ...)."""
    import tensorflow as tf

    variable = tf.Variable(param)
    path = []
    for grad in grads:
        optimizer.apply_gradients([(tf.constant(grad), variable)])
        path.append(variable.numpy())
    return np.stack(path)


def _close_on_trajectory(actual, expected, dtype, what):
    """Compare trajectories, atol scaled to the size of the parameters (module docstring)."""
    actual = np.asarray(actual)
    assert actual.dtype == dtype, f"{what}: dtype {actual.dtype}, expected {np.dtype(dtype)}"
    scale = max(1.0, float(np.abs(np.asarray(expected, dtype=np.float64)).max()))
    assert_close(actual, expected, dtype=dtype, atol=tolerance(dtype)["atol"] * scale, what=what)


def _zeros(param):
    return np.zeros_like(param)


# --- each rule equals keras over many steps ---------------------------------------------------


@spec_property(
    requires=["sgd_update"], settings=KERAS, sequence=gradient_sequences(), lr=learning_rates
)
def test_sgd_update_matches_keras_sgd_over_many_steps(impl, sequence, lr):
    import keras

    param, grads = sequence
    expected = _keras_trajectory(keras.optimizers.SGD(learning_rate=lr), param, grads)
    path = []
    for grad in grads:
        param = impl.sgd_update(param, grad, lr)
        path.append(param)
    _close_on_trajectory(np.stack(path), expected, grads.dtype, "sgd_update vs keras SGD")


@spec_property(
    requires=["momentum_update"],
    settings=KERAS,
    sequence=gradient_sequences(),
    lr=learning_rates,
    momentum=decays,
)
def test_momentum_update_matches_keras_sgd_with_momentum_over_many_steps(
    impl, sequence, lr, momentum
):
    import keras

    param, grads = sequence
    optimizer = keras.optimizers.SGD(learning_rate=lr, momentum=momentum)
    expected = _keras_trajectory(optimizer, param, grads)
    velocity, path = _zeros(param), []
    for grad in grads:
        param, velocity = impl.momentum_update(param, grad, velocity, lr, momentum=momentum)
        path.append(param)
    _close_on_trajectory(
        np.stack(path), expected, grads.dtype, f"momentum_update vs keras SGD(momentum={momentum})"
    )


@spec_property(
    requires=["rmsprop_update"],
    settings=KERAS,
    sequence=gradient_sequences(),
    lr=learning_rates,
    rho=decays,
    epsilon=epsilons,
)
def test_rmsprop_update_matches_keras_rmsprop_over_many_steps(impl, sequence, lr, rho, epsilon):
    import keras

    param, grads = sequence
    optimizer = keras.optimizers.RMSprop(learning_rate=lr, rho=rho, epsilon=epsilon)
    expected = _keras_trajectory(optimizer, param, grads)
    mean_square, path = _zeros(param), []
    for grad in grads:
        param, mean_square = impl.rmsprop_update(
            param, grad, mean_square, lr, rho=rho, epsilon=epsilon
        )
        path.append(param)
    _close_on_trajectory(
        np.stack(path),
        expected,
        grads.dtype,
        f"rmsprop_update vs keras RMSprop(rho={rho}, epsilon={epsilon})",
    )


@spec_property(
    requires=["adam_update"],
    settings=KERAS,
    sequence=gradient_sequences(),
    lr=learning_rates,
    beta_1=decays,
    beta_2=second_moment_decays,
    epsilon=epsilons,
)
def test_adam_update_matches_keras_adam_over_many_steps(
    impl, sequence, lr, beta_1, beta_2, epsilon
):
    import keras

    param, grads = sequence
    optimizer = keras.optimizers.Adam(
        learning_rate=lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon
    )
    expected = _keras_trajectory(optimizer, param, grads)
    m, v, path = _zeros(param), _zeros(param), []
    for t, grad in enumerate(grads, start=1):
        param, m, v = impl.adam_update(
            param, grad, m, v, t, lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon
        )
        path.append(param)
    _close_on_trajectory(
        np.stack(path),
        expected,
        grads.dtype,
        f"adam_update vs keras Adam(beta_1={beta_1}, beta_2={beta_2}, epsilon={epsilon})",
    )


# --- what the rules are: EWMAs, bias correction, special cases --------------------------------


@spec_property(
    requires=["adam_update"],
    settings={"phases": NO_SHRINK},
    pair=nonzero_gradients(),
    lr=learning_rates,
    beta_1=decays,
    beta_2=float32_exact(0.9, 0.9999),
)
def test_adam_first_step_moves_each_coordinate_by_about_the_learning_rate(
    impl, pair, lr, beta_1, beta_2
):
    """With bias correction m_hat = g and v_hat = g^2 at t = 1, so the step is lr * sign(g)
    (up to epsilon: abs(g) sqrt(1 - beta_2) >= 1e-4 here makes its share <= 1e-3)."""
    param, grad = pair
    new_param, _, _ = impl.adam_update(
        param, grad, _zeros(param), _zeros(param), 1, lr, beta_1=beta_1, beta_2=beta_2
    )
    step = new_param.astype(np.float64) - param.astype(np.float64)  # (shape of param)
    # The float32 parameter holds the step to within one ulp of abs(param) <= 10.
    slack = 2e-3 * lr + (10 * np.finfo(np.float32).eps if param.dtype == np.float32 else 1e-12)
    assert_close(
        step,
        -lr * np.sign(grad),
        dtype=np.float64,
        rtol=0.0,
        atol=slack,
        what="Adam's first step vs -lr * sign(g)",
    )


@spec_property(
    settings=TRAJECTORY,
    requires=["momentum_update", "sgd_update"],
    sequence=gradient_sequences(max_steps=20),
    lr=learning_rates,
)
def test_momentum_update_with_zero_momentum_equals_sgd_update(impl, sequence, lr):
    param, grads = sequence
    plain, velocity = param, _zeros(param)
    for grad in grads:
        param, velocity = impl.momentum_update(param, grad, velocity, lr, momentum=0.0)
        plain = impl.sgd_update(plain, grad, lr)
    _close_on_trajectory(param, plain, grads.dtype, "momentum_update(momentum=0) vs sgd_update")
    _close_on_trajectory(
        velocity,
        -lr * grads[-1].astype(np.float64),
        grads.dtype,
        "velocity with momentum=0 vs -lr g",
    )


@spec_property(
    settings=TRAJECTORY,
    requires=["momentum_update", "ewma"],
    sequence=gradient_sequences(max_steps=20),
    alpha=learning_rates,
    beta=decays,
)
def test_momentum_update_equals_the_ewma_form_with_a_rescaled_learning_rate(
    impl, sequence, alpha, beta
):
    """Seed 004: v = beta v + (1 - beta) g (an EWMA of the gradients), W = W - alpha v; so
    W_t = W_0 - alpha (v_1 + ... + v_t). keras-style momentum with lr = alpha (1 - beta) agrees."""
    param, grads = sequence
    averages = impl.ewma(grads, beta).astype(np.float64)  # (steps, ...): v_1 .. v_T
    expected = param.astype(np.float64) - alpha * np.cumsum(averages, axis=0)
    velocity, path = _zeros(param), []
    for grad in grads:
        param, velocity = impl.momentum_update(
            param, grad, velocity, alpha * (1 - beta), momentum=beta
        )
        path.append(param)
    _close_on_trajectory(
        np.stack(path), expected, grads.dtype, "momentum_update vs the EWMA form W - alpha * v"
    )


@spec_property(
    settings=TRAJECTORY,
    requires=["rmsprop_update", "ewma"],
    sequence=gradient_sequences(max_steps=20),
    lr=learning_rates,
    rho=decays,
)
def test_rmsprop_mean_square_is_the_ewma_of_squared_gradients(impl, sequence, lr, rho):
    param, grads = sequence
    mean_square = _zeros(param)
    for grad in grads:
        param, mean_square = impl.rmsprop_update(param, grad, mean_square, lr, rho=rho)
    squares = grads.astype(np.float64) ** 2
    expected = impl.ewma(squares, rho)[-1]
    _close_on_trajectory(mean_square, expected, grads.dtype, "RMSprop's S vs ewma(g^2, rho)")


@spec_property(
    settings=TRAJECTORY,
    requires=["adam_update", "ewma"],
    sequence=gradient_sequences(max_steps=20),
    lr=learning_rates,
    beta_1=decays,
    beta_2=second_moment_decays,
)
def test_adam_moments_are_the_ewmas_of_gradients_and_squared_gradients(
    impl, sequence, lr, beta_1, beta_2
):
    param, grads = sequence
    m, v = _zeros(param), _zeros(param)
    for t, grad in enumerate(grads, start=1):
        param, m, v = impl.adam_update(param, grad, m, v, t, lr, beta_1=beta_1, beta_2=beta_2)
    grads64 = grads.astype(np.float64)
    _close_on_trajectory(m, impl.ewma(grads64, beta_1)[-1], grads.dtype, "Adam's m vs ewma(g)")
    _close_on_trajectory(v, impl.ewma(grads64**2, beta_2)[-1], grads.dtype, "Adam's v vs ewma(g^2)")


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
    x1 = impl.sgd_update(x0, grad.astype(a.dtype), lr).astype(np.float64)

    def loss(x):
        return 0.5 * x @ a64 @ x - b64 @ x

    assert loss(x1) < loss(x64), f"sgd_update went uphill: f(x0) = {loss(x64)}, f(x1) = {loss(x1)}"


# --- Newton -----------------------------------------------------------------------------------


@spec_property(requires=["newton_step"], problem=positive_definite_quadratics())
def test_newton_step_reaches_the_minimum_of_a_positive_definite_quadratic_in_one_step(
    impl, problem
):
    """f(x) = x.A x / 2 - b.x has gradient A x - b and Hessian A; its minimum is A^-1 b."""
    a, b, x0 = problem
    a64, b64, x64 = (value.astype(np.float64) for value in problem)
    grad = (a64 @ x64 - b64).astype(a.dtype)
    minimum = x64 - np.linalg.solve(a64, grad.astype(np.float64))  # = A^-1 b up to grad's rounding
    x1 = impl.newton_step(x0, grad, a)
    _close_on_trajectory(x1, minimum, a.dtype, "newton_step vs the minimiser A^-1 b")


# --- schedules --------------------------------------------------------------------------------

step_arrays = hnp.arrays(np.int64, st.integers(1, 12), elements=st.integers(0, 5000))


@spec_property(
    requires=["exponential_decay"],
    settings=SCHEDULES,
    lr0=float32_exact(1e-4, 1.0),
    steps=step_arrays,
    decay_steps=st.integers(1, 1000),
    decay_rate=float32_exact(0.05, 0.99),
    staircase=st.booleans(),
)
def test_exponential_decay_matches_keras_exponential_decay(
    impl, lr0, steps, decay_steps, decay_rate, staircase
):
    import keras

    schedule = keras.optimizers.schedules.ExponentialDecay(
        lr0, decay_steps, decay_rate, staircase=staircase
    )
    expected = np.asarray(schedule(steps))
    actual = impl.exponential_decay(lr0, steps, decay_steps, decay_rate, staircase=staircase)
    assert_close(
        actual, expected, dtype=np.float32, what=f"exponential_decay(staircase={staircase})"
    )


@spec_property(
    requires=["inverse_time_decay"],
    settings=SCHEDULES,
    lr0=float32_exact(1e-4, 1.0),
    steps=step_arrays,
    decay_steps=st.integers(1, 1000),
    decay_rate=float32_exact(0.0, 10.0),
    staircase=st.booleans(),
)
def test_inverse_time_decay_matches_keras_inverse_time_decay(
    impl, lr0, steps, decay_steps, decay_rate, staircase
):
    import keras

    schedule = keras.optimizers.schedules.InverseTimeDecay(
        lr0, decay_steps, decay_rate, staircase=staircase
    )
    expected = np.asarray(schedule(steps))
    actual = impl.inverse_time_decay(lr0, steps, decay_steps, decay_rate, staircase=staircase)
    assert_close(
        actual, expected, dtype=np.float32, what=f"inverse_time_decay(staircase={staircase})"
    )


# --- the ValueError contract ------------------------------------------------------------------


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


@spec_property(requires=list(UPDATE_RULES), lr=bad_learning_rates)
def test_update_rules_reject_a_learning_rate_that_is_not_positive(impl, lr):
    param = np.ones(3, dtype=np.float32)
    for rule in UPDATE_RULES:
        expect_value_error(
            lambda rule=rule: _call_rule(impl, rule, param, param, lr=lr),
            "lr",
            rule=f"{rule} with lr = {lr}",
        )


@spec_property(
    requires=["momentum_update", "rmsprop_update", "adam_update"], value=outside_unit_interval
)
def test_update_rules_reject_decay_factors_outside_zero_one(impl, value):
    param = np.ones(3, dtype=np.float32)
    for rule, name in [
        ("momentum_update", "momentum"),
        ("rmsprop_update", "rho"),
        ("adam_update", "beta_1"),
        ("adam_update", "beta_2"),
    ]:
        expect_value_error(
            lambda rule=rule, name=name: _call_rule(impl, rule, param, param, **{name: value}),
            name,
            rule=f"{rule} with {name} = {value}",
        )


@spec_property(
    requires=["rmsprop_update", "adam_update"],
    epsilon=st.one_of(st.just(0.0), st.floats(-1.0, -1e-12)),
)
def test_update_rules_reject_an_epsilon_that_is_not_positive(impl, epsilon):
    param = np.ones(3, dtype=np.float32)
    for rule in ("rmsprop_update", "adam_update"):
        expect_value_error(
            lambda rule=rule: _call_rule(impl, rule, param, param, epsilon=epsilon),
            "epsilon",
            rule=f"{rule} with epsilon = {epsilon}",
        )


@spec_property(
    requires=["adam_update"], t=st.one_of(st.integers(-5, 0), st.sampled_from([0.5, 1.5, 2.25]))
)
def test_adam_update_rejects_a_step_count_that_is_not_a_whole_number_from_one(impl, t):
    param = np.ones(3, dtype=np.float32)
    expect_value_error(
        lambda: _call_rule(impl, "adam_update", param, param, t=t),
        "t",
        rule=f"adam_update with t = {t}",
    )


@spec_property(requires=list(UPDATE_RULES), shapes=MISMATCHED_SHAPES)
def test_update_rules_reject_a_gradient_or_state_of_another_shape(impl, shapes):
    param_shape, other_shape = shapes
    param = np.ones(param_shape, dtype=np.float32)
    other = np.ones(other_shape, dtype=np.float32)
    for rule in UPDATE_RULES:
        expect_value_error(
            lambda rule=rule: _call_rule(impl, rule, param, other),
            "param",
            "grad",
            rule=f"{rule} with grad of shape {other_shape} for param {param_shape}",
        )
    for rule in UPDATE_RULES[1:]:
        state_name = {
            "momentum_update": "velocity",
            "rmsprop_update": "mean_square",
            "adam_update": "m",
        }[rule]
        expect_value_error(
            lambda rule=rule: _call_rule(impl, rule, param, param, state=other),
            "param",
            state_name,
            rule=f"{rule} with {state_name} of shape {other_shape}",
        )


@spec_property(requires=["newton_step"], n=st.integers(1, 4), dtype=strategies.dtypes())
def test_newton_step_rejects_a_singular_or_non_square_hessian(impl, n, dtype):
    x = np.ones(n, dtype=dtype)
    u = np.arange(1, n + 1, dtype=dtype)
    bad = {
        "zero": np.zeros((n, n), dtype=dtype),
        "non-square": np.ones((n, n + 1), dtype=dtype),
        "wrong size": np.eye(n + 1, dtype=dtype),
    }
    if n >= 2:
        bad["rank one"] = np.outer(u, u)
    for what, hessian in bad.items():
        expect_value_error(
            lambda hessian=hessian: impl.newton_step(x, x, hessian),
            "hessian",
            rule=f"newton_step with a {what} hessian",
        )
    expect_value_error(
        lambda: impl.newton_step(x, np.ones(n + 1, dtype=dtype), np.eye(n, dtype=dtype)),
        "grad",
        rule="newton_step with grad of another shape",
    )


@spec_property(
    requires=["exponential_decay", "inverse_time_decay"],
    bad=st.one_of(st.just(0.0), st.floats(-10.0, -1e-9)),
)
def test_learning_rate_schedules_reject_non_positive_arguments_and_negative_steps(impl, bad):
    for name in ("exponential_decay", "inverse_time_decay"):
        schedule = getattr(impl, name)
        expect_value_error(
            lambda schedule=schedule: schedule(bad, [0, 1], 10, 0.5),
            "lr0",
            rule=f"{name}, lr0 = {bad}",
        )
        expect_value_error(
            lambda schedule=schedule: schedule(0.1, [0, 1], bad, 0.5),
            "decay_steps",
            rule=f"{name}, decay_steps = {bad}",
        )
        expect_value_error(
            lambda schedule=schedule: schedule(0.1, [0, -1 + min(bad, -1e-9)], 10, 0.5),
            "step",
            rule=f"{name} with a negative step",
        )
    if bad < 0:  # 0 is a valid inverse-time rate (no decay), not a valid exponential one
        expect_value_error(
            lambda: impl.inverse_time_decay(0.1, [0, 1], 10, bad),
            "decay_rate",
            rule=f"inverse_time_decay, decay_rate = {bad}",
        )
    expect_value_error(
        lambda: impl.exponential_decay(0.1, [0, 1], 10, bad),
        "decay_rate",
        rule=f"exponential_decay, decay_rate = {bad}",
    )
