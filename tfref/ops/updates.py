"""Parameter update rules as pure functions: SGD, momentum, RMSprop, Adam, Newton's step and
learning-rate schedules.

Each rule takes the parameter, its gradient and the optimiser's state, and returns the new
parameter (and the new state); nothing is mutated, so a training loop threads the state through
``param, velocity = momentum_update(param, grad, velocity, lr)``. The first-order rules follow
``keras.optimizers`` operation for operation, so that a hand loop over many steps lands where
``optimizer.apply_gradients`` does (the spec suite checks 20+ steps); where seed 004 writes a rule
in its exponentially-weighted-average (EWMA) form, the docstring gives the equivalence.

Symbols: theta, W -> ``param``; d theta, dW, g -> ``grad``; alpha, eta -> ``lr``;
v (momentum) -> ``velocity``; S (RMSprop) -> ``mean_square``; beta, beta_1, beta_2, rho ->
``momentum``, ``beta_1``, ``beta_2``, ``rho``; epsilon -> ``epsilon``; t -> ``t``;
H -> ``hessian``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref._validation import (
    as_float,
    check_finite,
    check_in_range,
    check_positive_whole,
    check_same_shape,
    common_float,
    eager,
)

__all__ = [
    "sgd_update",
    "momentum_update",
    "rmsprop_update",
    "adam_update",
    "newton_step",
    "exponential_decay",
    "inverse_time_decay",
]


# --- hyperparameter checks --------------------------------------------------------------------


def _scalar(value, name: str):
    """A hyperparameter as a Python float; a symbolic tensor (inside tf.function) is returned
    unchanged and unchecked."""
    if isinstance(value, tf.Variable):
        value = tf.convert_to_tensor(value)
    if tf.is_tensor(value):
        if value.shape.rank not in (0, None):
            raise ValueError(f"{name} must be a single number; got shape {value.shape.as_list()}")
        try:
            return float(value.numpy())
        except (AttributeError, NotImplementedError, TypeError):  # symbolic: checked at trace time
            return value
    array = np.asarray(value)
    if array.shape != () or array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be a single number; got {value!r}")
    return float(array)


def _positive(value, name: str):
    value = _scalar(value, name)
    if isinstance(value, float) and not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value}")
    return value


def _decay_factor(value, name: str):
    """A decay rate of an average (momentum, rho, beta_1, beta_2): a number in [0, 1)."""
    value = _scalar(value, name)
    if isinstance(value, float):
        check_in_range(value, name, 0.0, 1.0)
    return value


def _step_count(t):
    """The 1-based step count of Adam: a whole number >= 1 (or a symbolic tensor)."""
    if tf.is_tensor(t) or isinstance(t, tf.Variable):
        value = _scalar(t, "t")
        if not isinstance(value, float):
            return t
        t = value
    check_positive_whole(t, "t", "the step count; the first update is t = 1")
    return t


def _state(param, grad, *named_states):
    """param, grad and state tensors in one float dtype; every one of param's shape."""
    tensors = common_float((param, "param"), (grad, "grad"), *named_states)
    check_same_shape(tensors[0], tensors[1], "param", "grad")
    for tensor, (_, name) in zip(tensors[2:], named_states):
        check_same_shape(tensors[0], tensor, "param", name)
    return tensors


def _constant(value, dtype) -> tf.Tensor:
    """A Python number (kept in double precision until here) or a tensor, cast to ``dtype``.

    ``tf.cast`` of a Python float would round it to float32 first; ``tf.constant`` does not.
    """
    if tf.is_tensor(value):
        return tf.cast(value, dtype)
    return tf.constant(value, dtype=dtype)


# --- first-order rules ------------------------------------------------------------------------


def sgd_update(param, grad, lr) -> tf.Tensor:
    """One step of (stochastic) gradient descent.

    Descent subtracts the gradient: the step goes downhill. Seed 001 writes
    w = w + eta * gradient (erratum 7); that climbs.

    Formula:
        theta = theta - lr * g

    Args:
        param: array-like or tensor, the parameter theta.
        grad: the gradient g of the loss at theta, of param's shape.
        lr: the learning rate, a positive number.

    Returns:
        The new parameter, a tensor of param's shape.

    Raises:
        ValueError: if lr <= 0, an input is empty, or param and grad differ in shape.

    Example:
    >>> ops.sgd_update([1.0, 2.0], [0.5, -1.0], lr=0.1).numpy()
    array([0.95, 2.1 ], dtype=float32)
    """
    param, grad = _state(param, grad)
    lr = _constant(_positive(lr, "lr"), param.dtype)
    return param - lr * grad


def momentum_update(param, grad, velocity, lr, momentum=0.9) -> tuple[tf.Tensor, tf.Tensor]:
    """One step of gradient descent with momentum, as ``keras.optimizers.SGD(momentum=...)``.

    The velocity keeps a decaying sum of past steps, so directions in which the gradients agree
    build up speed while oscillating directions cancel. momentum = 0 is plain SGD.

    Seed 004 writes momentum as an EWMA of the gradients, v = beta v + (1 - beta) g followed
    by W = W - alpha v. That is the same rule with a rescaled learning rate: the keras velocity
    equals -alpha (1 - beta) times the EWMA, so the EWMA form with learning rate alpha equals
    this function with lr = alpha (1 - beta) (equivalently alpha = lr / (1 - beta)).

    Formula:
        velocity = momentum * velocity - lr * g
        theta    = theta + velocity
        (EWMA form of seed 004:  v = beta v + (1 - beta) g;  theta = theta - alpha v,
         equal for lr = alpha (1 - beta), momentum = beta)

    Args:
        param: array-like or tensor, the parameter theta.
        grad: the gradient g at theta, of param's shape.
        velocity: the velocity from the previous step (zeros before the first), param's shape.
        lr: the learning rate, a positive number.
        momentum: the decay of the velocity, a number in [0, 1).

    Returns:
        ``(param, velocity)``: the new parameter and the new velocity.

    Raises:
        ValueError: if lr <= 0, momentum is outside [0, 1), or the shapes differ.

    Example:
    >>> param, velocity = ops.momentum_update([1.0], [1.0], [0.0], lr=0.1, momentum=0.9)
    >>> param, velocity = ops.momentum_update(param, [1.0], velocity, lr=0.1, momentum=0.9)
    >>> velocity.numpy()  # -0.1, then 0.9 * -0.1 - 0.1
    array([-0.19], dtype=float32)
    >>> param.numpy()
    array([0.71], dtype=float32)
    """
    param, grad, velocity = _state(param, grad, (velocity, "velocity"))
    dtype = param.dtype
    lr = _constant(_positive(lr, "lr"), dtype)
    momentum = _constant(_decay_factor(momentum, "momentum"), dtype)
    velocity = velocity * momentum - grad * lr
    return param + velocity, velocity


def rmsprop_update(
    param, grad, mean_square, lr, rho=0.9, epsilon=1e-7
) -> tuple[tf.Tensor, tf.Tensor]:
    """One step of RMSprop, as ``keras.optimizers.RMSprop`` (no momentum, not centred).

    An EWMA of the squared gradients (seed 004's v_t with theta_t = g^2) scales each coordinate's
    step: coordinates with large gradients take smaller steps, flat ones larger.

    Formula:
        mean_square = rho * mean_square + (1 - rho) * g^2      (EWMA of g^2, no bias correction)
        theta       = theta - lr * g / sqrt(mean_square + epsilon)

    Deviation: the course notes (and PyTorch) put epsilon outside the root,
    g / (sqrt(S) + epsilon); keras puts it inside, and this function follows keras.

    Args:
        param: array-like or tensor, the parameter theta.
        grad: the gradient g at theta, of param's shape.
        mean_square: the EWMA of squared gradients so far (zeros before the first step).
        lr: the learning rate, a positive number.
        rho: the decay of the average, a number in [0, 1).
        epsilon: a positive number keeping the division finite.

    Returns:
        ``(param, mean_square)``: the new parameter and the new average.

    Raises:
        ValueError: if lr <= 0, rho is outside [0, 1), epsilon <= 0, or the shapes differ.

    Example:
    >>> param, mean_square = ops.rmsprop_update([1.0], [2.0], [0.0], lr=0.1, rho=0.75)
    >>> mean_square.numpy()  # 0.25 * 2^2
    array([1.], dtype=float32)
    >>> param.numpy()  # 1 - 0.1 * 2 / sqrt(1 + 1e-7)
    array([0.8], dtype=float32)
    """
    param, grad, mean_square = _state(param, grad, (mean_square, "mean_square"))
    dtype = param.dtype
    lr = _constant(_positive(lr, "lr"), dtype)
    rho = _decay_factor(rho, "rho")
    epsilon = _constant(_positive(epsilon, "epsilon"), dtype)
    mean_square = _constant(rho, dtype) * mean_square + _constant(1 - rho, dtype) * tf.square(grad)
    increment = lr * grad / tf.sqrt(mean_square + epsilon)
    return param - increment, mean_square


def adam_update(
    param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """One step of Adam, as ``keras.optimizers.Adam`` (amsgrad off).

    Adam keeps two EWMAs, of the gradients (momentum) and of their squares (RMSprop), both
    started at 0 and so biased towards 0 in early steps; dividing by 1 - beta^t removes the
    bias. With the correction the very first step moves every coordinate by about lr whatever
    the size of its gradient; without it the first step is (1 - beta_1) / sqrt(1 - beta_2)
    times that (3.16 lr for the defaults).

    Formula:
        m     = beta_1 * m + (1 - beta_1) * g                  (EWMA of g)
        v     = beta_2 * v + (1 - beta_2) * g^2                (EWMA of g^2)
        alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)       (bias correction folded in)
        theta = theta - alpha * m / (sqrt(v) + epsilon)
        i.e.  theta - lr * m_hat / (sqrt(v_hat) + epsilon / sqrt(1 - beta_2^t)),
              m_hat = m / (1 - beta_1^t),  v_hat = v / (1 - beta_2^t)

    Deviation: the Adam paper's Algorithm 1 adds epsilon to sqrt(v_hat); keras (and the
    paper's "more efficient" ordering in section 2) add it to sqrt(v); this function follows
    keras. The step count t must increase by one every call (a loop that never increments it
    applies the first step's correction forever).

    Args:
        param: array-like or tensor, the parameter theta.
        grad: the gradient g at theta, of param's shape.
        m: the first-moment EWMA so far (zeros before the first step).
        v: the second-moment EWMA so far (zeros before the first step).
        t: the number of this step, counted from 1.
        lr: the learning rate, a positive number.
        beta_1: decay of the first moment, a number in [0, 1).
        beta_2: decay of the second moment, a number in [0, 1).
        epsilon: a positive number keeping the division finite.

    Returns:
        ``(param, m, v)``: the new parameter and the new moments.

    Raises:
        ValueError: if lr <= 0, a beta is outside [0, 1), epsilon <= 0, t is not a whole number
            >= 1, or the shapes differ.

    Example:
    >>> param, m, v = ops.adam_update([1.0, 1.0], [0.5, -40.0], [0.0, 0.0], [0.0, 0.0],
    ...                               t=1, lr=0.01)
    >>> (param - 1.0).numpy().round(5)  # the first step moves each coordinate by about lr
    array([-0.01,  0.01], dtype=float32)
    """
    param, grad, m, v = _state(param, grad, (m, "m"), (v, "v"))
    dtype = param.dtype
    t = _step_count(t)
    lr = _constant(_positive(lr, "lr"), dtype)
    beta_1 = _decay_factor(beta_1, "beta_1")
    beta_2 = _decay_factor(beta_2, "beta_2")
    epsilon = _constant(_positive(epsilon, "epsilon"), dtype)
    step = _constant(t, dtype)
    beta_1_power = tf.pow(_constant(beta_1, dtype), step)
    beta_2_power = tf.pow(_constant(beta_2, dtype), step)
    alpha = lr * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
    m = m + (grad - m) * _constant(1 - beta_1, dtype)
    v = v + (tf.square(grad) - v) * _constant(1 - beta_2, dtype)
    return param - m * alpha / (tf.sqrt(v) + epsilon), m, v


# --- second order -----------------------------------------------------------------------------


def newton_step(x, grad, hessian) -> tf.Tensor:
    """One step of Newton's method: jump to the minimum of the local quadratic model.

    The second-order Taylor model f(x + d) ~ f(x) + g.d + d.H d / 2 is minimal at d = -H^-1 g,
    so on a quadratic with positive-definite Hessian one step lands on the minimum. The
    solve uses ``tf.linalg.solve`` (no explicit inverse).

    Formula:
        x_new = x - H^-1 g       (solve H d = g, x_new = x - d)

    Args:
        x: array-like or tensor of any shape with n elements.
        grad: the gradient at x, of x's shape.
        hessian: the (n, n) matrix of second derivatives at x (x flattened in row-major order).

    Returns:
        The new point, a tensor of x's shape.

    Raises:
        ValueError: if grad's shape differs from x's, hessian is not (n, n), has a non-finite
            entry, or is singular (numerically: smallest singular value below n * machine
            epsilon times the largest).

    Example:
    >>> # f(x) = x1^2 + 2 x2^2 - 2 x1: minimum at (1, 0)
    >>> x = np.array([3.0, -2.0])
    >>> ops.newton_step(x, grad=[2 * x[0] - 2, 4 * x[1]], hessian=[[2.0, 0.0], [0.0, 4.0]]).numpy()
    array([1., 0.])
    """
    x, grad, hessian = common_float((x, "x"), (grad, "grad"), (hessian, "hessian"))
    check_same_shape(x, grad, "x", "grad")
    n = x.shape.num_elements()
    if hessian.shape.rank != 2 or hessian.shape[0] != hessian.shape[1]:
        raise ValueError(f"hessian must be a square matrix; got shape {hessian.shape.as_list()}")
    if n is not None and hessian.shape[0] != n:
        raise ValueError(
            f"hessian must be ({n}, {n}) for x with {n} elements; got shape "
            f"{hessian.shape.as_list()}"
        )
    check_finite(hessian, "hessian")
    if eager():
        singular_values = np.linalg.svd(hessian.numpy().astype(np.float64), compute_uv=False)
        limit = singular_values[0] * n * np.finfo(hessian.dtype.as_numpy_dtype).eps
        if not singular_values[-1] > limit:
            raise ValueError(
                f"hessian is singular (smallest singular value {singular_values[-1]:.3g}, largest "
                f"{singular_values[0]:.3g}); Newton's step needs an invertible Hessian. Add a "
                "multiple of the identity (damping) or use a first-order step"
            )
    direction = tf.linalg.solve(hessian, tf.reshape(grad, [-1, 1]))  # (n, 1)
    return x - tf.reshape(direction, tf.shape(x))


# --- learning-rate schedules ------------------------------------------------------------------


def _schedule_inputs(lr0, step, decay_steps):
    lr0_value = _positive(lr0, "lr0")
    dtype = tf.float64 if getattr(lr0, "dtype", None) in (np.float64, tf.float64) else tf.float32
    step = as_float(step, "step", dtype=dtype)
    if eager() and bool(tf.reduce_any(step < 0)):
        raise ValueError(f"step must be >= 0 (steps count from 0); got {step.numpy().min():g}")
    return (
        _constant(lr0_value, dtype),
        step,
        _constant(_positive(decay_steps, "decay_steps"), dtype),
    )


def exponential_decay(lr0, step, decay_steps, decay_rate, staircase=False) -> tf.Tensor:
    """The learning rate after ``step`` steps of exponential decay, as
    ``keras.optimizers.schedules.ExponentialDecay``.

    Seed 004 motivates decay: late in training, mini-batch steps wander around the minimum,
    and smaller steps settle closer to it. The rate falls by decay_rate every decay_steps
    steps, smoothly or, with ``staircase``, in whole drops.

    Formula:
        lr = lr0 * decay_rate ^ (step / decay_steps)
        (with staircase: floor(step / decay_steps) in the exponent)

    Args:
        lr0: the initial learning rate, a positive number (a float64 NumPy scalar gives a
            float64 result).
        step: the step count(s), numbers >= 0 (any shape).
        decay_steps: a positive number of steps per decay.
        decay_rate: a positive factor per decay_steps steps (below 1 to decay).
        staircase: decay in whole drops every decay_steps steps when True.

    Returns:
        A tensor of step's shape: the learning rate at each step.

    Raises:
        ValueError: if lr0, decay_steps or decay_rate is not positive, or a step is negative.

    Example:
    >>> ops.exponential_decay(0.1, [0, 5, 10, 20], decay_steps=10, decay_rate=0.5).numpy()
    array([0.1       , 0.07071068, 0.05      , 0.025     ], dtype=float32)
    >>> ops.exponential_decay(0.1, [0, 5, 10, 20], 10, 0.5, staircase=True).numpy()
    array([0.1  , 0.1  , 0.05 , 0.025], dtype=float32)
    """
    lr0, step, decay_steps = _schedule_inputs(lr0, step, decay_steps)
    decay_rate = _constant(_positive(decay_rate, "decay_rate"), lr0.dtype)
    exponent = step / decay_steps
    if staircase:
        exponent = tf.floor(exponent)
    return lr0 * tf.pow(decay_rate, exponent)


def inverse_time_decay(lr0, step, decay_steps, decay_rate, staircase=False) -> tf.Tensor:
    """The learning rate after ``step`` steps of inverse-time decay, as
    ``keras.optimizers.schedules.InverseTimeDecay``.

    Formula:
        lr = lr0 / (1 + decay_rate * step / decay_steps)
        (with staircase: floor(step / decay_steps) in place of step / decay_steps)

    Args:
        lr0: the initial learning rate, a positive number.
        step: the step count(s), numbers >= 0 (any shape).
        decay_steps: a positive number of steps.
        decay_rate: a number >= 0 (0 keeps the rate constant).
        staircase: decay in whole drops every decay_steps steps when True.

    Returns:
        A tensor of step's shape: the learning rate at each step.

    Raises:
        ValueError: if lr0 or decay_steps is not positive, decay_rate is negative, or a step is
            negative.

    Example:
    >>> ops.inverse_time_decay(0.1, [0, 10, 30], decay_steps=10, decay_rate=1.0).numpy()
    array([0.1  , 0.05 , 0.025], dtype=float32)
    """
    lr0, step, decay_steps = _schedule_inputs(lr0, step, decay_steps)
    rate = _scalar(decay_rate, "decay_rate")
    if isinstance(rate, float) and not (np.isfinite(rate) and rate >= 0):
        raise ValueError(f"decay_rate must be a finite number >= 0; got {rate}")
    exponent = step / decay_steps
    if staircase:
        exponent = tf.floor(exponent)
    return lr0 / (1 + _constant(rate, lr0.dtype) * exponent)
