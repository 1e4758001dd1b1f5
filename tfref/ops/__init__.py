"""Pure maths on tensors: the functions of docs/contract.md, one module per family.

Every function accepts array-likes or tensors and returns a ``tf.Tensor`` (``central_difference``,
a test oracle, returns a NumPy array); float32 by default, float64 honoured; ``axis=-1`` where
there is an axis; bad input raises ``ValueError`` naming the argument and the rule broken.

    import tfref.ops as ops
    ops.softmax([0.0, 0.0])  # <tf.Tensor: shape=(2,), dtype=float32, numpy=array([0.5, 0.5], ...)>
"""

from __future__ import annotations

from tfref.ops.activations import (
    leaky_relu,
    leaky_relu_derivative,
    linear,
    linear_derivative,
    log_softmax,
    maxout,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_jacobian,
    tanh,
    tanh_derivative,
    threshold,
    threshold_derivative,
)
from tfref.ops.averages import ewma, ewma_weights
from tfref.ops.boxes import (
    assign_anchor_to_bbox,
    box_center_to_corner,
    box_corner_to_center,
    box_iou,
    multibox_prior,
    multibox_target,
    nms,
    offset_boxes,
    offset_inverse,
    roi_pool,
    roi_pool_bilinear,
)
from tfref.ops.calculus import central_difference
from tfref.ops.conv import (
    avg_pool2d,
    bilinear_kernel,
    conv2d,
    conv2d_transpose,
    conv_output_size,
    max_pool2d,
)
from tfref.ops.distances import gaussian_density, gaussian_pdf, pairwise_distances
from tfref.ops.distributions import (
    bernoulli_log_likelihood,
    bernoulli_pmf,
    beta_bernoulli_posterior,
    beta_pdf,
    binomial_pmf,
    multinomial_pmf,
)
from tfref.ops.dropout import inverted_dropout
from tfref.ops.information import (
    cross_entropy,
    entropy,
    joint_entropy,
    kl_divergence,
    self_information,
)
from tfref.ops.losses import (
    absolute_error,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    categorical_cross_entropy,
    exponential_loss,
    hinge_loss,
    l2_loss,
    mean_absolute_error,
    mean_squared_error,
    softmax_cross_entropy_with_logits,
    squared_error,
    zero_one_loss,
)
from tfref.ops.metrics import (
    accuracy,
    confusion_matrix,
    error_rate,
    false_positive_rate,
    false_rejection_rate,
    precision,
    recall,
)
from tfref.ops.preprocessing import mean_impute, one_hot, standardize
from tfref.ops.rnn import clip_by_global_norm, rnn_bptt, rnn_forward
from tfref.ops.style import content_loss, gram_matrix, style_loss, total_variation_loss
from tfref.ops.trees import gini_impurity, information_gain
from tfref.ops.updates import (
    adam_update,
    exponential_decay,
    inverse_time_decay,
    momentum_update,
    newton_step,
    rmsprop_update,
    sgd_update,
)

__all__ = [
    # activations
    "threshold",
    "threshold_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "linear",
    "linear_derivative",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "maxout",
    "softmax",
    "log_softmax",
    "softmax_jacobian",
    # information
    "self_information",
    "entropy",
    "joint_entropy",
    "cross_entropy",
    "kl_divergence",
    # distributions
    "bernoulli_pmf",
    "bernoulli_log_likelihood",
    "binomial_pmf",
    "multinomial_pmf",
    "beta_pdf",
    "beta_bernoulli_posterior",
    # losses
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "squared_error",
    "mean_squared_error",
    "absolute_error",
    "mean_absolute_error",
    "exponential_loss",
    "hinge_loss",
    "zero_one_loss",
    "categorical_cross_entropy",
    "softmax_cross_entropy_with_logits",
    "l2_loss",
    # averages
    "ewma",
    "ewma_weights",
    # metrics
    "confusion_matrix",
    "accuracy",
    "error_rate",
    "recall",
    "precision",
    "false_positive_rate",
    "false_rejection_rate",
    # calculus
    "central_difference",
    # updates
    "sgd_update",
    "momentum_update",
    "rmsprop_update",
    "adam_update",
    "newton_step",
    "exponential_decay",
    "inverse_time_decay",
    # dropout
    "inverted_dropout",
    # preprocessing
    "mean_impute",
    "standardize",
    "one_hot",
    # distances
    "pairwise_distances",
    "gaussian_pdf",
    "gaussian_density",
    # rnn
    "rnn_forward",
    "rnn_bptt",
    "clip_by_global_norm",
    # style
    "gram_matrix",
    "content_loss",
    "style_loss",
    "total_variation_loss",
    # boxes
    "box_corner_to_center",
    "box_center_to_corner",
    "box_iou",
    "multibox_prior",
    "assign_anchor_to_bbox",
    "offset_boxes",
    "offset_inverse",
    "multibox_target",
    "nms",
    "roi_pool",
    "roi_pool_bilinear",
    # conv
    "conv_output_size",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "conv2d_transpose",
    "bilinear_kernel",
    # trees
    "information_gain",
    "gini_impurity",
]
