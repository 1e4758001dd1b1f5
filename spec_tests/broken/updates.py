"""Broken implementations of the updates family (see spec_tests/broken/__init__.py)."""

from __future__ import annotations

import numpy as np

from spec_tests import reference_numpy as ref
from spec_tests.broken._base import reference_with as _reference_with


def _adam_moments(param, grad, m, v, beta_1, beta_2):
    param, grad, m, v = ref._update_arrays(param, grad, m=m, v=v)
    m = (beta_1 * m + (1 - beta_1) * grad).astype(param.dtype)
    v = (beta_2 * v + (1 - beta_2) * grad ** 2).astype(param.dtype)
    return param, m, v


def adam_without_bias_correction():
    """m / (sqrt(v) + eps) without 1 - beta^t: the first step is (1 - b1) lr / sqrt(1 - b2)."""

    def adam_update(param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        param, m, v = _adam_moments(param, grad, m, v, beta_1, beta_2)
        return (param - lr * m / (np.sqrt(v) + epsilon)).astype(param.dtype), m, v

    return _reference_with(adam_update=adam_update)


def adam_eps_added_to_param():
    """D2L 1.0's TensorFlow Adam: p - lr * m_hat / sqrt(v_hat) + eps (eps added to p)."""

    def adam_update(param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        param, m, v = _adam_moments(param, grad, m, v, beta_1, beta_2)
        with np.errstate(divide="ignore", invalid="ignore"):  # t = 0 or a beta of 1 (error tests)
            m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
            step = np.where(v_hat > 0, lr * m_hat / np.sqrt(v_hat), 0.0)
        return (param - step + epsilon).astype(param.dtype), m, v

    return _reference_with(adam_update=adam_update)


def adam_with_epsilon_after_bias_correction():
    """PyTorch's placement: m_hat / (sqrt(v_hat) + eps), where keras adds eps to sqrt(v) before
    the correction (eps_hat = eps sqrt(1 - beta_2^t)): the two differ whenever eps matters."""

    def adam_update(param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        ref.adam_update(param, grad, m, v, t, lr, beta_1=beta_1, beta_2=beta_2,
                        epsilon=epsilon)  # the same checks
        param, m, v = _adam_moments(param, grad, m, v, beta_1, beta_2)
        m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
        return (param - lr * m_hat / (np.sqrt(v_hat) + epsilon)).astype(param.dtype), m, v

    return _reference_with(adam_update=adam_update)


def adam_with_step_count_stuck_at_one():
    """The anchor's other Adam defect: t never incremented; every step is corrected as the first."""

    def adam_update(param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        return ref.adam_update(param, grad, m, v, 1, lr, beta_1=beta_1, beta_2=beta_2,
                               epsilon=epsilon)

    return _reference_with(adam_update=adam_update)


def momentum_wrong_sign():
    """velocity = momentum * velocity + lr * g; param + velocity: the velocity climbs the loss."""

    def momentum_update(param, grad, velocity, lr, momentum=0.9):
        param, grad, velocity = ref._update_arrays(param, grad, velocity=velocity)
        velocity = (momentum * velocity + lr * grad).astype(param.dtype)
        return (param + velocity).astype(param.dtype), velocity

    return _reference_with(momentum_update=momentum_update)


def sgd_update_ascending():
    """w = w + eta * gradient, as document 001 writes the update (erratum 7)."""

    def sgd_update(param, grad, lr):
        param, grad = ref._update_arrays(param, grad)
        return (param + lr * grad).astype(param.dtype)

    return _reference_with(sgd_update=sgd_update)


def rmsprop_with_epsilon_outside_the_root():
    """g / (sqrt(S) + eps), the PyTorch placement, where the contract (keras) has sqrt(S + eps)."""

    def rmsprop_update(param, grad, mean_square, lr, rho=0.9, epsilon=1e-7):
        param, grad, mean_square = ref._update_arrays(param, grad, mean_square=mean_square)
        mean_square = (rho * mean_square + (1 - rho) * grad ** 2).astype(param.dtype)
        with np.errstate(invalid="ignore"):  # rho > 1 makes S negative (error tests)
            step = lr * grad / (np.sqrt(mean_square) + epsilon)
        return (param - step).astype(param.dtype), mean_square

    return _reference_with(rmsprop_update=rmsprop_update)


def newton_step_multiplying_by_the_hessian():
    """x - H g instead of x - H^-1 g."""

    def newton_step(x, grad, hessian):
        x, grad, hessian = ref._common_floats(x=x, grad=grad, hessian=hessian)
        return (x - (hessian @ grad.reshape(-1)).reshape(x.shape)).astype(x.dtype)

    return _reference_with(newton_step=newton_step)


def exponential_decay_ignoring_staircase():
    """``staircase=True`` silently decays smoothly."""

    def exponential_decay(lr0, step, decay_steps, decay_rate, staircase=False):
        return ref.exponential_decay(lr0, step, decay_steps, decay_rate)

    return _reference_with(exponential_decay=exponential_decay)


def inverse_time_decay_without_decay_steps():
    """lr0 / (1 + decay_rate step), D2L's eta_0 (1 + lambda t)^-1: decay_steps ignored."""

    def inverse_time_decay(lr0, step, decay_steps, decay_rate, staircase=False):
        return ref.inverse_time_decay(lr0, step, 1, decay_rate, staircase=staircase)

    return _reference_with(inverse_time_decay=inverse_time_decay)


def inverse_time_decay_staircase_rounded():
    """The staircase's ratio rounded to the nearest whole number instead of floored."""

    def inverse_time_decay(lr0, step, decay_steps, decay_rate, staircase=False):
        if not staircase:
            return ref.inverse_time_decay(lr0, step, decay_steps, decay_rate)
        smooth = ref.inverse_time_decay(lr0, step, decay_steps, decay_rate)  # the checks
        ratio = np.round(np.asarray(step, dtype=np.float64) / float(decay_steps))
        return (float(lr0) / (1 + float(decay_rate) * ratio)).astype(smooth.dtype)

    return _reference_with(inverse_time_decay=inverse_time_decay)


def sgd_update_in_place():
    """param -= lr * grad on the caller's array: the right value, and the caller's param moved."""

    def sgd_update(param, grad, lr):
        new = ref.sgd_update(param, grad, lr)
        if isinstance(param, np.ndarray) and param.dtype == new.dtype and param.shape == new.shape:
            param[...] = new
            return param
        return new

    return _reference_with(sgd_update=sgd_update)


def momentum_update_velocity_in_place():
    """velocity *= momentum; velocity -= lr * g on the caller's array (the state mutated)."""

    def momentum_update(param, grad, velocity, lr, momentum=0.9):
        new_param, new_velocity = ref.momentum_update(param, grad, velocity, lr, momentum=momentum)
        if isinstance(velocity, np.ndarray) and velocity.dtype == new_velocity.dtype \
                and velocity.shape == new_velocity.shape:
            velocity[...] = new_velocity
            return new_param, velocity
        return new_param, new_velocity

    return _reference_with(momentum_update=momentum_update)


#: factory -> the properties of this family that must reject it.
EXPECTED_CATCHES: dict[str, tuple[str, ...]] = {
    'adam_without_bias_correction': (
        'adam_update_matches_keras_adam_over_many_steps',
        'adam_first_step_moves_each_coordinate_by_about_the_learning_rate',
    ),
    'adam_eps_added_to_param': (
        'adam_update_matches_keras_adam_over_many_steps',
    ),
    'adam_with_epsilon_after_bias_correction': (
        'adam_update_matches_keras_adam_over_many_steps',
    ),
    'adam_with_step_count_stuck_at_one': (
        'adam_update_matches_keras_adam_over_many_steps',
    ),
    'momentum_wrong_sign': (
        'momentum_update_matches_keras_sgd_with_momentum_over_many_steps',
        'momentum_update_with_zero_momentum_equals_sgd_update',
        'momentum_update_equals_the_ewma_form_with_a_rescaled_learning_rate',
    ),
    'sgd_update_ascending': (
        'sgd_update_matches_keras_sgd_over_many_steps',
        'sgd_update_steps_downhill_on_a_quadratic',
    ),
    'rmsprop_with_epsilon_outside_the_root': (
        'rmsprop_update_matches_keras_rmsprop_over_many_steps',
    ),
    'newton_step_multiplying_by_the_hessian': (
        'newton_step_reaches_the_minimum_of_a_positive_definite_quadratic_in_one_step',
    ),
    'exponential_decay_ignoring_staircase': (
        'exponential_decay_matches_keras_exponential_decay',
    ),
    'inverse_time_decay_without_decay_steps': (
        'inverse_time_decay_matches_keras_inverse_time_decay',
    ),
    'inverse_time_decay_staircase_rounded': (
        'inverse_time_decay_matches_keras_inverse_time_decay',
    ),
    'sgd_update_in_place': (
        'sgd_update_leaves_its_arguments_unchanged',
    ),
    'momentum_update_velocity_in_place': (
        'momentum_update_leaves_its_arguments_unchanged',
    ),
}
