"""Deliberately broken implementations of the contract, for the meta-tests (test_meta.py).

Each factory returns the NumPy reference with exactly one function replaced by a plausible
mistake (several are the documents' errata or the anchor implementation's defects). A spec
suite that passes one of these has a property that cannot fail. Use one as an implementation::

    tfref spec --impl spec_tests.broken:kl_with_wrong_sign
"""

from __future__ import annotations

import types

import numpy as np

from spec_tests import reference_numpy as ref

#: Every function of docs/contract.md, by name.
CONTRACT: tuple[str, ...] = tuple(ref.__all__)


def _reference_with(**replacements) -> types.SimpleNamespace:
    """The reference implementation with some functions replaced."""
    unknown = set(replacements) - set(CONTRACT)
    if unknown:
        raise ValueError(f"not contract functions: {sorted(unknown)}")
    functions = {name: getattr(ref, name) for name in CONTRACT}
    functions.update(replacements)
    return types.SimpleNamespace(**functions)


# --- the breakages the brief names ----------------------------------------------------------

def softmax_without_max_subtraction():
    """exp(x) / sum exp(x): overflows to inf / inf = NaN for logits beyond ~88 (float32)."""

    def softmax(x, axis=-1):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(x)
            return e / e.sum(axis=axis, keepdims=True)

    return _reference_with(softmax=softmax)


def kl_with_wrong_sign():
    """-sum p log(p / q), as document 000 writes it (erratum 3)."""

    def kl_divergence(p, q, base=None, axis=-1):
        return -ref.kl_divergence(p, q, base=base, axis=axis)

    return _reference_with(kl_divergence=kl_divergence)


def entropy_ignoring_base():
    """Always in nats, whatever ``base`` says."""

    def entropy(p, base=None, axis=-1):
        return ref.entropy(p, axis=axis)

    return _reference_with(entropy=entropy)


def ewma_ignoring_bias_correction():
    """``bias_correction=True`` silently does nothing."""

    def ewma(x, beta, bias_correction=False):
        return ref.ewma(x, beta)

    return _reference_with(ewma=ewma)


def transposed_confusion_matrix():
    """Rows predicted, columns true: the transpose of scikit-learn's convention."""

    def confusion_matrix(y_true, y_pred, num_classes=None):
        return ref.confusion_matrix(y_true, y_pred, num_classes=num_classes).T

    return _reference_with(confusion_matrix=confusion_matrix)


def sigmoid_derivative_wrong():
    """s instead of s (1 - s)."""

    def sigmoid_derivative(x):
        return ref.sigmoid(x)

    return _reference_with(sigmoid_derivative=sigmoid_derivative)


def cross_entropy_with_log_p():
    """-sum q log p: the arguments swapped."""

    def cross_entropy(p, q, base=None, axis=-1):
        return ref.cross_entropy(q, p, base=base, axis=axis)

    return _reference_with(cross_entropy=cross_entropy)


def ewma_without_zero_init():
    """v_1 = theta_1 instead of v_0 = 0 (then the usual recursion and correction)."""

    def ewma(x, beta, bias_correction=False):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        beta = ref._beta_in_unit_interval(beta)
        out = np.empty_like(x)
        v = x[0]
        for t in range(x.shape[0]):
            v = x[0] if t == 0 else beta * v + (1 - beta) * x[t]
            out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v
        return out

    return _reference_with(ewma=ewma)


def binary_cross_entropy_clipped_to_finite():
    """p clipped to [1e-7, 1 - 1e-7] (Keras' epsilon): never infinite when certain and wrong."""

    def binary_cross_entropy(y_true, p):
        p = np.asarray(p)
        dtype = np.float64 if p.dtype == np.float64 else np.float32
        return ref.binary_cross_entropy(y_true, np.clip(p, 1e-7, 1 - 1e-7).astype(dtype))

    return _reference_with(binary_cross_entropy=binary_cross_entropy)


# --- more of the documents' errata and common slips -----------------------------------------

def tanh_as_coth():
    """(e^x + e^-x) / (e^x - e^-x), as document 000 writes tanh (erratum 1)."""

    def tanh(x):
        x = np.asarray(x)
        x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
        with np.errstate(all="ignore"):
            return 1 / ref.tanh(x)

    return _reference_with(tanh=tanh)


def bernoulli_log_likelihood_without_log():
    """sum x ln p + (1 - x)(1 - p), as document 001 writes it (erratum 6)."""

    def bernoulli_log_likelihood(x, p):
        x = np.asarray(x, dtype=np.float64)
        p = np.asarray(p)
        dtype = np.float64 if p.dtype == np.float64 else np.float32
        return (x * np.log(p) + (1 - x) * (1 - p)).sum().astype(dtype)

    return _reference_with(bernoulli_log_likelihood=bernoulli_log_likelihood)


def joint_entropy_over_the_last_axis_only():
    """Entropy summed over one axis only (the anchor's defect): not a scalar."""

    def joint_entropy(p_xy, base=None):
        p_xy = np.asarray(p_xy)
        dtype = np.float64 if p_xy.dtype == np.float64 else np.float32
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p_xy > 0, -p_xy * np.log(p_xy), 0.0).astype(dtype)
        nats = terms.sum(axis=-1)
        return nats if base is None else nats / np.log(base)

    return _reference_with(joint_entropy=joint_entropy)


def entropy_without_input_checks():
    """-sum p log p of whatever it is given: no ValueError for negative or unnormalised p."""

    def entropy(p, base=None, axis=-1):
        p = np.asarray(p)
        dtype = np.float64 if p.dtype == np.float64 else np.float32
        with np.errstate(divide="ignore", invalid="ignore"):
            nats = np.where(p != 0, -p * np.log(p), 0.0).astype(dtype).sum(axis=axis)
            return nats if base is None else nats / np.log(base)

    return _reference_with(entropy=entropy)


def mean_absolute_error_squared():
    """MAE that squares the residuals: an L2 loss under an L1 name."""

    def mean_absolute_error(y_true, y_pred, axis=-1):
        return ref.mean_squared_error(y_true, y_pred, axis=axis)

    return _reference_with(mean_absolute_error=mean_absolute_error)


# --- update rules (the anchor's Adam, erratum 7, common slips) ------------------------------

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



# --- dropout --------------------------------------------------------------------------------

def dropout_without_scaling():
    """Kept entries left as x, not x / (1 - rate): E[h'] = (1 - rate) h instead of h."""

    def inverted_dropout(x, rate, seed, training=True):
        out = ref.inverted_dropout(x, rate, seed=seed, training=training)
        if not training:
            return out
        x = np.asarray(x).astype(out.dtype)
        return np.where(out != 0, x, out.dtype.type(0)).astype(out.dtype)

    return _reference_with(inverted_dropout=inverted_dropout)


def dropout_at_inference():
    """training=False drops too: the mode flag ignored, as in dropout that never switches off."""

    def inverted_dropout(x, rate, seed, training=True):
        ref.inverted_dropout(x, rate, seed=seed, training=training)  # the same input checks
        return ref.inverted_dropout(x, rate, seed=seed, training=True)

    return _reference_with(inverted_dropout=inverted_dropout)


def dropout_keeping_with_probability_rate():
    """rate read as the keep probability (keeps rate of the entries, scaled by 1 / rate)."""

    def inverted_dropout(x, rate, seed, training=True):
        x = ref.inverted_dropout(x, rate, seed=seed, training=False)  # checks, converts
        if not training:
            return x
        keep = np.random.default_rng(int(seed)).random(x.shape) < rate
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(keep, x / x.dtype.type(rate), x.dtype.type(0)).astype(x.dtype)

    return _reference_with(inverted_dropout=inverted_dropout)


# --- preprocessing --------------------------------------------------------------------------

def standardize_with_sample_std():
    """sigma with ddof 1 (pandas' default ``std()``, D2L's house-price code) instead of ddof 0:
    the standardised columns then have variance (n - 1) / n, and differ from StandardScaler."""

    def standardize(x, mean=None, std=None, axis=0):
        array = np.asarray(x)
        if mean is not None or std is not None or array.ndim == 0 or array.shape[axis] < 2 \
                or not np.isfinite(array).all():
            return ref.standardize(x, mean=mean, std=std, axis=axis)  # the same checks
        dtype = np.float64 if array.dtype == np.float64 else np.float32
        rows = np.moveaxis(array.astype(np.float64), axis, 0)  # (examples, features...)
        constant = (rows == rows[0]).all(axis=0)
        sample_std = np.where(constant, 0.0, rows.std(axis=0, ddof=1))
        return ref.standardize(x, mean=rows.mean(axis=0).astype(dtype),
                               std=sample_std.astype(dtype), axis=axis)

    return _reference_with(standardize=standardize)

#: factory name -> (the property family to run, the properties expected to catch it).
EXPECTED_CATCHES: dict[str, tuple[str, tuple[str, ...]]] = {
    "softmax_without_max_subtraction": (
        "activations", ("softmax_is_finite_for_large_logits_and_matches_float64_reference",)),
    "kl_with_wrong_sign": (
        "information", ("kl_divergence_is_non_negative_and_matches_float64_reference",
                        "kl_divergence_is_zero_only_for_equal_distributions",
                        "kl_divergence_is_not_symmetric")),
    "entropy_ignoring_base": (
        "information", ("entropy_in_base_b_is_entropy_in_nats_over_ln_b",
                        "entropy_matches_scipy_stats_entropy")),
    "ewma_ignoring_bias_correction": (
        "averages", ("bias_corrected_ewma_matches_pandas_ewm_adjust_true",
                     "bias_corrected_ewma_of_a_constant_series_is_the_constant")),
    "transposed_confusion_matrix": ("metrics", ("confusion_matrix_matches_sklearn",)),
    "sigmoid_derivative_wrong": (
        "activations", ("sigmoid_derivative_equals_gradient_tape",
                        "sigmoid_derivative_equals_central_differences",
                        "sigmoid_derivative_is_s_times_one_minus_s_at_most_a_quarter_with_max_at_zero")),
    "cross_entropy_with_log_p": ("information", ("cross_entropy_is_entropy_plus_kl_divergence",)),
    "ewma_without_zero_init": (
        "averages", ("ewma_equals_the_naive_float64_recursion", "ewma_of_unit_impulses_gives_the_weights")),
    "binary_cross_entropy_clipped_to_finite": (
        "losses", ("binary_cross_entropy_cost_table_zero_when_right_and_certain_infinite_when_certain_and_wrong",)),
    "tanh_as_coth": ("activations", ("tanh_is_in_minus_one_one_and_is_not_coth",
                                     "tanh_equals_two_sigmoid_of_two_x_minus_one")),
    "bernoulli_log_likelihood_without_log": (
        "distributions", ("bernoulli_log_likelihood_is_maximised_at_the_sample_mean",)),
    "joint_entropy_over_the_last_axis_only": (
        "information", ("joint_entropy_is_a_scalar_equal_to_entropy_of_the_flattened_table",)),
    "entropy_without_input_checks": (
        "errors", ("information_functions_reject_negative_probabilities",
                   "information_functions_reject_probabilities_not_summing_to_one")),
    "mean_absolute_error_squared": ("losses", ("l1_is_less_sensitive_to_one_outlier_than_l2",)),
    "adam_without_bias_correction": (
        "updates", ("adam_update_matches_keras_adam_over_many_steps",
                    "adam_first_step_moves_each_coordinate_by_about_the_learning_rate")),
    "adam_eps_added_to_param": ("updates", ("adam_update_matches_keras_adam_over_many_steps",)),
    "adam_with_step_count_stuck_at_one": (
        "updates", ("adam_update_matches_keras_adam_over_many_steps",)),
    "momentum_wrong_sign": (
        "updates", ("momentum_update_matches_keras_sgd_with_momentum_over_many_steps",
                    "momentum_update_with_zero_momentum_equals_sgd_update",
                    "momentum_update_equals_the_ewma_form_with_a_rescaled_learning_rate")),
    "sgd_update_ascending": (
        "updates", ("sgd_update_matches_keras_sgd_over_many_steps",
                    "sgd_update_steps_downhill_on_a_quadratic")),
    "rmsprop_with_epsilon_outside_the_root": (
        "updates", ("rmsprop_update_matches_keras_rmsprop_over_many_steps",)),
    "newton_step_multiplying_by_the_hessian": (
        "updates",
        ("newton_step_reaches_the_minimum_of_a_positive_definite_quadratic_in_one_step",)),
    "exponential_decay_ignoring_staircase": (
        "updates", ("exponential_decay_matches_keras_exponential_decay",)),
    "dropout_without_scaling": (
        "dropout", ("dropout_keeps_entries_scaled_by_one_over_the_keep_probability",
                    "dropout_preserves_the_expectation")),
    "dropout_at_inference": ("dropout", ("dropout_is_the_identity_at_inference",)),
    "dropout_keeping_with_probability_rate": (
        "dropout", ("dropout_drops_a_share_rate_of_the_entries",
                    "dropout_preserves_the_expectation",
                    "dropout_with_rate_zero_is_the_identity")),
    "standardize_with_sample_std": (
        "preprocessing", ("standardize_gives_zero_mean_and_unit_variance_per_feature",
                          "standardize_matches_sklearn_standard_scaler")),
}


# --- metrics with a positive class (lead) -------------------------------------------------------

def recall_ignoring_pos_label():
    """Recall always of class 1: the convention of document 000 (class 0 positive) is lost."""

    def recall(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        return ref.recall(y_true, y_pred, pos_label=1, zero_division=zero_division)

    return _reference_with(recall=recall)


def precision_as_recall():
    """TP / (TP + FN) under the name precision: the two denominators swapped."""

    def precision(y_true, y_pred, pos_label=1, zero_division=float("nan")):
        return ref.recall(y_true, y_pred, pos_label=pos_label, zero_division=zero_division)

    return _reference_with(precision=precision)


EXPECTED_CATCHES.update({
    "recall_ignoring_pos_label": ("metrics", ("rates_match_sklearn_for_any_positive_class",
                                              "rates_reproduce_the_thousand_sample_example_of_document_000")),
    "precision_as_recall": ("metrics", ("rates_match_sklearn_for_any_positive_class",
                                        "rates_reproduce_the_thousand_sample_example_of_document_000")),
})


# --- distances (added by classic-a) ---

def sqeuclidean_without_cross_term():
    """|a|^2 + |b|^2 without the -2 a.b term: a point is no longer at distance 0 from itself."""

    def pairwise_distances(a, b=None, metric="euclidean"):
        a = np.asarray(a)
        b = a if b is None else np.asarray(b)
        if metric == "manhattan":
            return ref.pairwise_distances(a, b, metric)
        squared = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :]
        return (squared if metric == "sqeuclidean" else np.sqrt(squared)).astype(a.dtype)

    return _reference_with(pairwise_distances=pairwise_distances)


def euclidean_without_square_root():
    """Returns the squared distance for metric="euclidean" (the triangle inequality breaks)."""

    def pairwise_distances(a, b=None, metric="euclidean"):
        return ref.pairwise_distances(a, b, "sqeuclidean" if metric == "euclidean" else metric)

    return _reference_with(pairwise_distances=pairwise_distances)


def gaussian_pdf_with_std_for_var():
    """Reads ``var`` as the standard deviation: exp(-(x-mu)^2 / (2 var^2)) / (sqrt(2 pi) var)."""

    def gaussian_pdf(x, mean, var):
        var = np.asarray(var)
        return ref.gaussian_pdf(x, mean, var.astype(np.float64) ** 2).astype(np.asarray(x).dtype)

    return _reference_with(gaussian_pdf=gaussian_pdf)


def gaussian_density_summing_the_features():
    """Adds the per-feature densities instead of multiplying them."""

    def gaussian_density(x, mean, var):
        return ref.gaussian_pdf(x, mean, var).sum(axis=-1)

    return _reference_with(gaussian_density=gaussian_density)


EXPECTED_CATCHES.update({
    "sqeuclidean_without_cross_term": (
        "distances", ("pairwise_distances_match_scipy_cdist",
                      "pairwise_distances_within_one_set_are_symmetric_with_a_zero_diagonal")),
    "euclidean_without_square_root": (
        "distances", ("pairwise_distances_match_scipy_cdist",
                      "pairwise_distances_satisfy_the_triangle_inequality",
                      "squared_euclidean_is_the_square_of_euclidean")),
    "gaussian_pdf_with_std_for_var": ("distances", ("gaussian_pdf_matches_scipy_norm_pdf",)),
    "gaussian_density_summing_the_features": (
        "distances", ("gaussian_density_is_the_product_of_per_feature_normal_pdfs",)),
})


# --- style (added by vision) ----------------------------------------------------------------

def gram_matrix_x_xt():
    """X X^T / (c h w): the (h w) x (h w) position Gram instead of the (c, c) channel one."""

    def gram_matrix(features):
        x = np.asarray(features)
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        if x.ndim not in (3, 4):
            raise ValueError(f"features must have rank 3 or 4; got {x.ndim}")
        batch = x.reshape((-1, *x.shape[-3:])).astype(np.float64)
        n, h, w, c = batch.shape
        flat = batch.reshape(n, h * w, c)
        gram = (flat @ np.swapaxes(flat, 1, 2) / (c * h * w)).astype(dtype)
        return gram if x.ndim == 4 else gram[0]

    return _reference_with(gram_matrix=gram_matrix)


def gram_matrix_normalised_by_positions_only():
    """X^T X / (h w): forgets the channel count in D2L's normalisation."""

    def gram_matrix(features):
        g = ref.gram_matrix(features)
        return (g * np.asarray(features).shape[-1]).astype(g.dtype)

    return _reference_with(gram_matrix=gram_matrix)


def total_variation_one_direction_only():
    """Only vertical neighbours: misses every horizontal edge."""

    def total_variation_loss(image):
        x = np.asarray(image)
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        ref.total_variation_loss(x)  # the reference's input checks
        batch = x.reshape((-1, *x.shape[-3:])).astype(np.float64)
        return np.asarray(np.abs(np.diff(batch, axis=1)).mean(), dtype=dtype)

    return _reference_with(total_variation_loss=total_variation_loss)


def total_variation_without_abs():
    """Signed neighbour differences: they telescope, so stripes and noise cost nothing."""

    def total_variation_loss(image):
        x = np.asarray(image)
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        ref.total_variation_loss(x)
        batch = x.reshape((-1, *x.shape[-3:])).astype(np.float64)
        value = 0.5 * (np.diff(batch, axis=1).mean() + np.diff(batch, axis=2).mean())
        return np.asarray(value, dtype=dtype)

    return _reference_with(total_variation_loss=total_variation_loss)


def content_loss_summed():
    """sum((y_hat - y)^2) instead of the mean: grows with the size of the feature map."""

    def content_loss(y_hat, y):
        value = ref.content_loss(y_hat, y)
        return (value * np.asarray(y).size).astype(value.dtype)

    return _reference_with(content_loss=content_loss)


EXPECTED_CATCHES.update({
    "gram_matrix_x_xt": ("style", ("gram_matrix_equals_x_transpose_x_over_c_h_w",
                                   "gram_matrix_is_invariant_to_permuting_positions",
                                   "style_loss_is_the_mean_squared_difference_of_gram_matrices")),
    "gram_matrix_normalised_by_positions_only": (
        "style", ("gram_matrix_equals_x_transpose_x_over_c_h_w",
                  "style_loss_is_the_mean_squared_difference_of_gram_matrices")),
    "total_variation_one_direction_only": (
        "style", ("total_variation_equals_the_mean_absolute_neighbour_difference",
                  "total_variation_is_invariant_to_flips_and_to_swapping_height_and_width")),
    "total_variation_without_abs": (
        "style", ("total_variation_equals_the_mean_absolute_neighbour_difference",
                  "total_variation_is_invariant_to_flips_and_to_swapping_height_and_width")),
    "content_loss_summed": (
        "style", ("content_loss_is_the_mean_squared_difference_and_zero_only_for_equal_inputs",)),
})


# --- rnn (added by rnn) ---

def _bptt_variant(x, y, U, W, V, s0, *, through_w=True, tanh_derivative=True):
    """The reference BPTT with one piece of the recursion optionally left out."""
    loss, _, _, _ = ref.rnn_bptt(x, y, U, W, V, s0)
    dtype = np.asarray(loss).dtype
    x, U, W, V = (np.asarray(a, np.float64) for a in (x, U, W, V))
    state = np.zeros(U.shape[0]) if s0 is None else np.asarray(s0, np.float64)
    states, outputs, previous = [], [], []
    for t in range(len(x)):
        previous.append(state)
        state = np.tanh(U @ x[t] + W @ state)
        z = V @ state
        states.append(state)
        outputs.append(np.exp(z - z.max()) / np.exp(z - z.max()).sum())
    labels = np.asarray(y).astype(np.int64)
    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    d_next = np.zeros(U.shape[0])
    for t in reversed(range(len(x))):
        dz = outputs[t].copy()
        dz[labels[t]] -= 1.0
        dV += np.outer(dz, states[t])
        ds = V.T @ dz + (W.T @ d_next if through_w else 0.0)
        da = ds * (1.0 - states[t] ** 2) if tanh_derivative else ds
        dU += np.outer(da, x[t])
        dW += np.outer(da, previous[t])
        d_next = da
    return loss, dU.astype(dtype), dW.astype(dtype), dV.astype(dtype)


def bptt_truncated_to_one_step():
    """No recurrence through W: dE/da_t = V^T dE/dz_t * tanh', as if each step stood alone."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        return _bptt_variant(x, y, U, W, V, s0, through_w=False)

    return _reference_with(rnn_bptt=rnn_bptt)


def bptt_forgetting_tanh_derivative():
    """dE/da_t = dE/ds_t: the factor 1 - s_t^2 of tanh' left out."""

    def rnn_bptt(x, y, U, W, V, s0=None):
        return _bptt_variant(x, y, U, W, V, s0, tanh_derivative=False)

    return _reference_with(rnn_bptt=rnn_bptt)


def clip_per_tensor_instead_of_global():
    """Each gradient clipped to max_norm on its own (tf.clip_by_norm per tensor)."""

    def clip_by_global_norm(grads, max_norm):
        _, global_norm = ref.clip_by_global_norm(grads, max_norm)
        clipped = [ref.clip_by_global_norm([g], max_norm)[0][0] for g in grads]
        return clipped, global_norm

    return _reference_with(clip_by_global_norm=clip_by_global_norm)


def clip_that_never_scales():
    """Returns the gradients unchanged (only the norm is computed)."""

    def clip_by_global_norm(grads, max_norm):
        _, global_norm = ref.clip_by_global_norm(grads, max_norm)
        return [np.asarray(g) for g in grads], global_norm

    return _reference_with(clip_by_global_norm=clip_by_global_norm)


EXPECTED_CATCHES.update({
    "bptt_truncated_to_one_step": ("rnn", ("rnn_bptt_gradients_equal_central_differences",)),
    "bptt_forgetting_tanh_derivative": ("rnn", ("rnn_bptt_gradients_equal_central_differences",)),
    "clip_per_tensor_instead_of_global": (
        "rnn", ("clip_by_global_norm_caps_the_norm_and_keeps_the_direction",
                "clip_by_global_norm_is_global_not_per_tensor")),
    "clip_that_never_scales": (
        "rnn", ("clip_by_global_norm_caps_the_norm_and_keeps_the_direction",
                "clip_by_global_norm_is_global_not_per_tensor")),
})


# --- boxes (added by detection) ---------------------------------------------------------------

def iou_without_subtracting_intersection():
    """union = area1 + area2: IoU of a box with itself becomes 1/2."""

    def box_iou(boxes1, boxes2):
        b1 = ref._bx_corners(boxes1, "boxes1", rank=2)
        b2 = ref._bx_corners(boxes2, "boxes2", rank=2)
        dtype = ref._float_dtype(b1, b2)
        out = np.zeros((len(b1), len(b2)), dtype)
        for i, a in enumerate(b1.astype(dtype)):
            for j, b in enumerate(b2.astype(dtype)):
                inter = (max(min(a[2], b[2]) - max(a[0], b[0]), 0)
                         * max(min(a[3], b[3]) - max(a[1], b[1]), 0))
                union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
                out[i, j] = inter / union if union > 0 else 0
        return out

    return _reference_with(box_iou=box_iou)


def nms_keeping_lowest_scores():
    """Greedy NMS visiting boxes by ascending score."""

    def nms(boxes, scores, iou_threshold):
        return ref.nms(boxes, -np.asarray(scores), iou_threshold)

    return _reference_with(nms=nms)


def anchors_with_n_times_m_per_pixel():
    """Every (size, ratio) combination: n m anchors per pixel instead of n + m - 1."""

    def multibox_prior(height, width, sizes, ratios):
        out = []
        for i in range(int(height)):
            for j in range(int(width)):
                cx, cy = (j + 0.5) / width, (i + 0.5) / height
                for s in np.ravel(sizes):
                    for r in np.ravel(ratios):
                        w, h = s * np.sqrt(r) * height / width, s / np.sqrt(r)
                        out.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
        return np.array(out, np.float32)

    return _reference_with(multibox_prior=multibox_prior)


def offset_inverse_without_exp():
    """w = w_A o_w / 5 instead of w_A exp(o_w / 5)."""

    def offset_inverse(anchors, offset_preds):
        a = ref.box_corner_to_center(anchors)
        o = np.asarray(offset_preds, dtype=a.dtype)
        xy = a[..., :2] + o[..., :2] * a[..., 2:] / 10
        wh = np.abs(a[..., 2:] * o[..., 2:] / 5)  # abs: a valid (w, h) for the conversion
        return ref.box_center_to_corner(np.concatenate([xy, wh], axis=-1))

    return _reference_with(offset_inverse=offset_inverse)


def assign_without_greedy_step():
    """Only the threshold rule: a ground-truth box whose best IoU is below it gets no anchor."""

    def assign_anchor_to_bbox(ground_truth, anchors, iou_threshold=0.5):
        iou = ref.box_iou(anchors, ground_truth)
        best = iou.argmax(axis=1)
        return np.where(iou[np.arange(len(iou)), best] >= iou_threshold, best, -1)

    return _reference_with(assign_anchor_to_bbox=assign_anchor_to_bbox)


def center_to_corner_with_full_sides():
    """x1 = cx - w, x2 = cx + w (the half forgotten)."""

    def box_center_to_corner(boxes):
        b = np.asarray(boxes)
        return np.stack([b[..., 0] - b[..., 2], b[..., 1] - b[..., 3], b[..., 0] + b[..., 2],
                         b[..., 1] + b[..., 3]], axis=-1)

    return _reference_with(box_center_to_corner=box_center_to_corner)


def roi_pool_with_floor_bins():
    """Bin ends floored instead of ceiled (and no +1 for the inclusive end): cells are lost."""

    def roi_pool(features, rois, output_size, spatial_scale=1.0):
        x = np.asarray(features, np.float32)
        size = (output_size, output_size) if np.isscalar(output_size) else tuple(output_size)
        out = np.zeros((len(rois), *size, x.shape[3]), np.float32)
        for n, (b, x1, y1, x2, y2) in enumerate(np.asarray(rois, np.float64)):
            x1, y1, x2, y2 = (int(np.floor(v * spatial_scale + 0.5)) for v in (x1, y1, x2, y2))
            h, w = max(y2 - y1, 1), max(x2 - x1, 1)
            for i in range(size[0]):
                for j in range(size[1]):
                    r0, r1 = y1 + i * h // size[0], y1 + (i + 1) * h // size[0]
                    c0, c1 = x1 + j * w // size[1], x1 + (j + 1) * w // size[1]
                    r0, r1 = min(max(r0, 0), x.shape[1]), min(max(r1, 0), x.shape[1])
                    c0, c1 = min(max(c0, 0), x.shape[2]), min(max(c1, 0), x.shape[2])
                    if r1 > r0 and c1 > c0:
                        out[n, i, j] = x[int(b), r0:r1, c0:c1].max(axis=(0, 1))
        return out

    return _reference_with(roi_pool=roi_pool)


EXPECTED_CATCHES.update({
    "iou_without_subtracting_intersection": (
        "boxes", ("box_iou_of_a_box_with_itself_is_one", "box_iou_equals_a_naive_loop")),
    "nms_keeping_lowest_scores": (
        "boxes", ("nms_equals_tf_image_non_max_suppression",
                  "nms_keeps_boxes_by_descending_score_that_overlap_at_most_the_threshold")),
    "anchors_with_n_times_m_per_pixel": (
        "boxes", ("multibox_prior_has_n_plus_m_minus_1_anchors_per_pixel_with_the_formula_shapes",)),
    "offset_inverse_without_exp": ("boxes", ("offset_inverse_undoes_offset_boxes",)),
    "assign_without_greedy_step": ("boxes", ("assign_anchor_to_bbox_equals_the_greedy_oracle",)),
    "center_to_corner_with_full_sides": (
        "boxes", ("box_conversions_round_trip", "box_corner_to_center_follows_the_formula")),
    "roi_pool_with_floor_bins": (
        "boxes", ("roi_pool_has_a_fixed_output_shape_and_equals_a_naive_loop",
                  "roi_pool_reproduces_d2l_example")),
})


# --- conv (added by conv) -----------------------------------------------------------------------

def conv2d_with_flipped_kernel():
    """A true convolution (kernel rotated by 180 degrees) instead of the cross-correlation that
    tf.nn.conv2d and every framework compute."""

    def conv2d(x, kernel, stride=1, padding=0):
        kernel = np.asarray(kernel)
        if kernel.ndim == 4:
            kernel = kernel[::-1, ::-1]
        return ref.conv2d(x, kernel, stride=stride, padding=padding)

    return _reference_with(conv2d=conv2d)


def conv_output_size_without_floor():
    """(n + 2p - k) / s + 1 as a fraction: a window that does not fit is counted in part."""

    def conv_output_size(n, kernel_size, padding=0, stride=1):
        ref.conv_output_size(n, kernel_size, padding=padding, stride=stride)  # the same checks
        return (n + 2 * padding - kernel_size) / stride + 1

    return _reference_with(conv_output_size=conv_output_size)


def conv_output_size_missing_the_plus_one():
    """floor((n + 2p - k) / s): the first window forgotten (off by one)."""

    def conv_output_size(n, kernel_size, padding=0, stride=1):
        return ref.conv_output_size(n, kernel_size, padding=padding, stride=stride) - 1

    return _reference_with(conv_output_size=conv_output_size)


def max_pool_ignoring_stride():
    """Windows at every pixel (stride 1), whatever ``stride`` says (and its default, pool_size)."""

    def max_pool2d(x, pool_size, stride=None, padding=0):
        ref.max_pool2d(x, pool_size, stride=stride, padding=padding)  # the same checks
        return ref.max_pool2d(x, pool_size, stride=1, padding=padding)

    return _reference_with(max_pool2d=max_pool2d)


def avg_pool_excluding_padding():
    """The padded zeros left out of the count (TF "SAME" style) instead of counted."""

    def avg_pool2d(x, pool_size, stride=None, padding=0):
        out = ref.avg_pool2d(x, pool_size, stride=stride, padding=padding)
        counts = ref.avg_pool2d(np.ones_like(np.asarray(x, dtype=out.dtype)), pool_size,
                                stride=stride, padding=padding)
        return (out / counts).astype(out.dtype)

    return _reference_with(avg_pool2d=avg_pool2d)


def conv2d_transpose_without_overlap_add():
    """Each input pixel's patch overwrites the output (=) instead of adding to it (+=)."""

    def conv2d_transpose(x, kernel, stride=1, padding=0):
        out = ref.conv2d_transpose(x, kernel, stride=stride, padding=padding)  # checks, shape
        x, kernel = np.asarray(x, np.float64), np.asarray(kernel, np.float64)
        sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
        ph, pw = (padding, padding) if np.ndim(padding) == 0 else padding
        batch, h, w, c = x.shape
        kh, kw, c_out, _ = kernel.shape
        full = np.zeros((batch, (h - 1) * sh + kh, (w - 1) * sw + kw, c_out))
        for i in range(h):
            for j in range(w):
                full[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :] = np.einsum(
                    "bc,uvdc->buvd", x[:, i, j, :], kernel)
        return full[:, ph:full.shape[1] - ph, pw:full.shape[2] - pw, :].astype(out.dtype)

    return _reference_with(conv2d_transpose=conv2d_transpose)


EXPECTED_CATCHES.update({
    "conv2d_with_flipped_kernel": (
        "conv", ("conv2d_matches_tf_nn_conv2d",
                 "conv2d_and_conv2d_transpose_reproduce_the_worked_examples_of_d2l",
                 "conv2d_transpose_is_the_adjoint_of_conv2d")),
    "conv_output_size_without_floor": (
        "conv", ("conv_output_size_is_floor_of_n_plus_2p_minus_k_over_s_plus_one",)),
    "conv_output_size_missing_the_plus_one": (
        "conv", ("conv_output_size_is_floor_of_n_plus_2p_minus_k_over_s_plus_one",)),
    "max_pool_ignoring_stride": (
        "conv", ("max_pool2d_matches_tf_nn_max_pool2d_on_the_minus_inf_padded_input",
                 "max_pool2d_is_unchanged_by_a_one_pixel_shift_that_keeps_each_maximum_in_its_"
                 "window")),
    "avg_pool_excluding_padding": (
        "conv", ("avg_pool2d_matches_tf_nn_avg_pool2d_on_the_zero_padded_input",)),
    "conv2d_transpose_without_overlap_add": (
        "conv", ("conv2d_transpose_matches_tf_nn_conv2d_transpose",
                 "conv2d_transpose_is_the_adjoint_of_conv2d",
                 "conv2d_and_conv2d_transpose_reproduce_the_worked_examples_of_d2l",
                 "bilinear_transposed_convolution_upsamples_a_linear_image_exactly_inside_the_"
                 "border")),
})


# --- trees (added by classic-b) ---------------------------------------------------------------

def _gain_parts(labels, feature_values, base=None):
    """(Ent(D), [(|D^v| / |D|, Ent(D^v)) per value]) in nats, via the reference's checks."""
    ref.information_gain(labels, feature_values, base=base)  # same ValueError rules
    y = np.asarray(labels).astype(np.int64)
    values = np.asarray(feature_values, dtype=np.float64)

    def ent(subset):
        p = np.bincount(subset) / len(subset)
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    parts = [(np.mean(values == v), ent(y[values == v])) for v in np.unique(values)]
    return ent(y), parts


def _gain_dtype(feature_values):
    return np.float64 if np.asarray(feature_values).dtype == np.float64 else np.float32


def information_gain_without_weights():
    """Ent(D) - mean_v Ent(D^v): the children's entropies averaged, not weighted by |D^v|/|D|."""

    def information_gain(labels, feature_values, base=None):
        whole, parts = _gain_parts(labels, feature_values, base)
        gain = whole - float(np.mean([e for _, e in parts]))
        scale = 1.0 if base is None else np.log(base)
        return np.asarray(gain / scale, dtype=_gain_dtype(feature_values))

    return _reference_with(information_gain=information_gain)


def information_gain_with_bits_and_nats_mixed():
    """Ent(D) in bits minus the children's weighted entropy in nats (a unit mismatch)."""

    def information_gain(labels, feature_values, base=None):
        whole, parts = _gain_parts(labels, feature_values, base)
        gain = whole / np.log(2) - sum(w * e for w, e in parts)
        scale = 1.0 if base is None else np.log(base)
        return np.asarray(gain / scale, dtype=_gain_dtype(feature_values))

    return _reference_with(information_gain=information_gain)


def information_gain_with_flipped_sign():
    """sum_v |D^v|/|D| Ent(D^v) - Ent(D): the conditional entropy minus the entropy."""

    def information_gain(labels, feature_values, base=None):
        return -ref.information_gain(labels, feature_values, base=base)

    return _reference_with(information_gain=information_gain)


def information_gain_ignoring_base():
    """Always in nats, whatever ``base`` says."""

    def information_gain(labels, feature_values, base=None):
        return ref.information_gain(labels, feature_values)

    return _reference_with(information_gain=information_gain)


def gini_impurity_without_squares():
    """1 - sum_k p_k, which is 0 for every set."""

    def gini_impurity(labels):
        ref.gini_impurity(labels)
        return np.float32(0.0)

    return _reference_with(gini_impurity=gini_impurity)


EXPECTED_CATCHES.update({
    "information_gain_without_weights": (
        "trees", ("information_gain_matches_a_float64_oracle",
                  "information_gain_reproduces_the_watermelon_table")),
    "information_gain_with_bits_and_nats_mixed": (
        "trees", ("information_gain_matches_a_float64_oracle",
                  "information_gain_of_a_constant_feature_is_zero",
                  "information_gain_is_largest_for_the_label_itself")),
    "information_gain_with_flipped_sign": (
        "trees", ("information_gain_is_between_zero_and_the_label_entropy",
                  "information_gain_matches_a_float64_oracle",
                  "information_gain_reproduces_the_watermelon_table")),
    "information_gain_ignoring_base": (
        "trees", ("information_gain_in_base_b_is_the_gain_in_nats_over_ln_b",
                  "information_gain_reproduces_the_watermelon_table")),
    "gini_impurity_without_squares": (
        "trees", ("gini_impurity_matches_one_minus_the_sum_of_squared_shares",)),
})
