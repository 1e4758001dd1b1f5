"""The contract mapped onto PyTorch built-ins, glue only (``tfref spec --impl torch``).

torch.nn.functional, torch.distributions, torch.nn (RNN, clip_grad_norm_), torch.cdist,
torch.func / torch.autograd for derivatives, torch.optim (one optimiser step from the given
state) and, where torchvision is installed, torchvision.ops. Each function only translates:
NumPy in (dtype kept: float64 stays float64; integers, and Python numbers and lists, become
float32, torch's default), argument order, NHWC <-> NCHW, log-space inputs, the class axis where
torch wants it, tensors out (the runner converts them with NumPy). Nothing here re-implements
the maths: a contract function torch has no built-in for is absent (n/a), e.g. the metrics,
the EWMA, hinge and exponential losses, the tree criteria, the Gram matrix, the anchor boxes,
``central_difference`` (torch's numerical Jacobian is private), the learning-rate schedules
(torch's schedulers step one epoch at a time and take no array of steps), ``threshold_derivative``
(``torch.heaviside`` has no derivative) and ``self_information`` (no built-in beyond ``log``);
``pairwise_distances(metric="sqeuclidean")`` raises MissingFunction (n/a): torch.cdist takes a
p-norm and torch has no squared-euclidean built-in.
torch.distributions are built with ``validate_args=False``: their argument checks are a debug
mode (on under ``__debug__``, off with ``python -O``), not part of the values under test, so the
adapter gives torch's values the same way in both modes.

Known deviations of torch from the contract: ``torch_deviations.toml``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from spec_tests.impl import MissingFunction

try:  # optional: the box functions exist only where torchvision is installed
    import torchvision.ops as _tvops
except ImportError:  # pragma: no cover - depends on the environment
    _tvops = None

__all__ = [
    "threshold", "sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "linear",
    "linear_derivative", "relu", "relu_derivative", "leaky_relu", "leaky_relu_derivative",
    "maxout", "softmax", "log_softmax", "softmax_jacobian",
    "entropy", "joint_entropy", "cross_entropy", "kl_divergence",
    "bernoulli_pmf", "bernoulli_log_likelihood", "binomial_pmf", "multinomial_pmf", "beta_pdf",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "squared_error",
    "mean_squared_error", "absolute_error", "mean_absolute_error", "categorical_cross_entropy",
    "softmax_cross_entropy_with_logits",
    "sgd_update", "momentum_update", "rmsprop_update", "adam_update",
    "inverted_dropout", "standardize", "one_hot",
    "pairwise_distances", "gaussian_pdf", "gaussian_density",
    "rnn_forward", "rnn_bptt", "clip_by_global_norm",
    "conv2d", "max_pool2d", "avg_pool2d", "conv2d_transpose",
    "content_loss", "style_loss",
]


# --------------------------------------------------------------------------------------------
# Glue: NumPy in, tensors of the contract's dtype
# --------------------------------------------------------------------------------------------

def _tensor(value) -> torch.Tensor:
    """torch.as_tensor: a NumPy array keeps its dtype (copied first if its strides are negative,
    which torch refuses); Python numbers and lists get torch's default, float32."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray | np.generic):
        return torch.as_tensor(np.asarray(value, order="C"))
    return torch.as_tensor(value)


def _floats(*values) -> list[torch.Tensor]:
    """Inputs as float tensors of one dtype: float64 if any is float64, else float32 (integer
    and boolean inputs become float32)."""
    tensors = [_tensor(v) for v in values]
    dtype = torch.float64 if any(t.dtype == torch.float64 for t in tensors) else torch.float32
    return [t.to(dtype) for t in tensors]


def _float(value) -> torch.Tensor:
    return _floats(value)[0]


def _like(value, reference: torch.Tensor) -> torch.Tensor:
    """``value`` as a tensor of ``reference``'s dtype (observations, counts, parameters)."""
    return _tensor(value).to(reference.dtype)


def _labels(value) -> torch.Tensor:
    """Integer class labels (whole-number floats accepted) as int64."""
    return _tensor(value).long()


def _in_base(nats: torch.Tensor, base) -> torch.Tensor:
    """A unit change: nats to the given logarithm base (torch works in nats)."""
    return nats if base is None else nats / math.log(base)


def _derivative(function, x) -> torch.Tensor:
    """Elementwise derivative of a torch activation by torch.autograd (grad of y with ones)."""
    x = _float(x).clone().requires_grad_(True)
    y = function(x)
    (grad,) = torch.autograd.grad(y, x, torch.ones_like(y))
    return grad


def _nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2)


def _nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1)


def _pair(value):
    """An int or an (h, w) pair, as torch takes them."""
    return tuple(int(v) for v in value) if np.ndim(value) == 1 else int(value)


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------

def threshold(x):
    """torch.heaviside(x, 0)."""
    x = _float(x)
    return torch.heaviside(x, torch.zeros((), dtype=x.dtype))


def sigmoid(x):
    """torch.sigmoid."""
    return torch.sigmoid(_float(x))


def sigmoid_derivative(x):
    """torch.autograd.grad of torch.sigmoid."""
    return _derivative(torch.sigmoid, x)


def tanh(x):
    """torch.tanh."""
    return torch.tanh(_float(x))


def tanh_derivative(x):
    """torch.autograd.grad of torch.tanh."""
    return _derivative(torch.tanh, x)


def linear(x):
    """torch.nn.Identity."""
    return torch.nn.Identity()(_float(x))


def linear_derivative(x):
    """torch.autograd.grad of torch.nn.Identity."""
    return _derivative(torch.nn.Identity(), x)


def relu(x):
    """torch.nn.functional.relu."""
    return F.relu(_float(x))


def relu_derivative(x):
    """torch.autograd.grad of torch.nn.functional.relu."""
    return _derivative(F.relu, x)


def leaky_relu(x, alpha=0.01):
    """torch.nn.functional.leaky_relu(x, negative_slope=alpha)."""
    return F.leaky_relu(_float(x), negative_slope=alpha)


def leaky_relu_derivative(x, alpha=0.01):
    """torch.autograd.grad of torch.nn.functional.leaky_relu(negative_slope=alpha)."""
    return _derivative(lambda v: F.leaky_relu(v, negative_slope=alpha), x)


def maxout(x, num_units, axis=-1):
    """torch.nn.functional.max_pool1d with kernel and stride n / num_units along ``axis``."""
    x = _float(x)
    moved = x.movedim(axis, -1)
    n = moved.shape[-1]
    k = n // int(num_units)
    pooled = F.max_pool1d(moved.reshape(-1, 1, n), kernel_size=k, stride=k)
    return pooled.reshape(*moved.shape[:-1], pooled.shape[-1]).movedim(-1, axis)


def softmax(x, axis=-1):
    """torch.nn.functional.softmax(x, dim=axis)."""
    return F.softmax(_float(x), dim=axis)


def log_softmax(x, axis=-1):
    """torch.nn.functional.log_softmax(x, dim=axis)."""
    return F.log_softmax(_float(x), dim=axis)


def softmax_jacobian(x, axis=-1):
    """torch.func.jacrev of torch.nn.functional.softmax, vmapped over the leading axes."""
    moved = _float(x).movedim(axis, -1)
    n = moved.shape[-1]
    jacobian = torch.func.vmap(torch.func.jacrev(lambda v: F.softmax(v, dim=-1)))
    return jacobian(moved.reshape(-1, n)).reshape(*moved.shape, n)


# --------------------------------------------------------------------------------------------
# Information theory (nats; ``base`` is a change of unit)
# --------------------------------------------------------------------------------------------

def entropy(p, base=None, axis=-1):
    """torch.distributions.Categorical(probs=p).entropy() over ``axis``."""
    p = _float(p).movedim(axis, -1)
    nats = torch.distributions.Categorical(probs=p, validate_args=False).entropy()
    return _in_base(nats, base)


def joint_entropy(p_xy, base=None):
    """torch.distributions.Categorical(probs=p_xy.flatten()).entropy()."""
    p = _float(p_xy).reshape(-1)
    return _in_base(torch.distributions.Categorical(probs=p, validate_args=False).entropy(), base)


def _class_axis_second(x: torch.Tensor, axis: int) -> torch.Tensor:
    """torch's losses take classes on dim 1 (or dim 0 of an unbatched vector)."""
    return x if x.ndim == 1 else x.movedim(axis, 1)


def cross_entropy(p, q, base=None, axis=-1):
    """torch.nn.functional.cross_entropy(log q, p, reduction='none'): probability targets."""
    p, q = _floats(p, q)
    nats = F.cross_entropy(_class_axis_second(torch.log(q), axis), _class_axis_second(p, axis),
                           reduction="none")
    return _in_base(nats, base)


def kl_divergence(p, q, base=None, axis=-1):
    """torch.nn.functional.kl_div(log q, p, reduction='none') summed over ``axis``."""
    p, q = _floats(p, q)
    return _in_base(F.kl_div(torch.log(q), p, reduction="none").sum(dim=axis), base)


# --------------------------------------------------------------------------------------------
# Distributions (torch.distributions; densities are exp(log_prob))
# --------------------------------------------------------------------------------------------

def bernoulli_pmf(x, p):
    """torch.distributions.Bernoulli(probs=p).log_prob(x).exp()."""
    p = _float(p)
    return torch.distributions.Bernoulli(probs=p, validate_args=False).log_prob(_like(x, p)).exp()


def bernoulli_log_likelihood(x, p):
    """torch.distributions.Bernoulli(probs=p).log_prob(x).sum()."""
    p = _float(p)
    return torch.distributions.Bernoulli(probs=p, validate_args=False).log_prob(_like(x, p)).sum()


def binomial_pmf(k, n, p):
    """torch.distributions.Binomial(total_count=n, probs=p).log_prob(k).exp()."""
    p = _float(p)
    binomial = torch.distributions.Binomial(total_count=_like(n, p), probs=p, validate_args=False)
    return binomial.log_prob(_like(k, p)).exp()


def multinomial_pmf(counts, p):
    """torch.distributions.Multinomial(probs=p).log_prob(counts).exp().

    Multinomial.log_prob takes n from the counts; ``total_count`` only serves sampling and
    argument validation (off here), so it is given as the largest n.
    """
    p = _float(p)
    counts = _like(counts, p)
    n = int(counts.sum(dim=-1).max()) if counts.numel() else 1
    multinomial = torch.distributions.Multinomial(total_count=max(n, 1), probs=p, validate_args=False)
    return multinomial.log_prob(counts).exp()


def beta_pdf(theta, a, b):
    """torch.distributions.Beta(a, b).log_prob(theta).exp()."""
    theta = _float(theta)
    beta = torch.distributions.Beta(_like(a, theta), _like(b, theta), validate_args=False)
    return beta.log_prob(theta).exp()


# --------------------------------------------------------------------------------------------
# Losses (torch takes the prediction first and the target second)
# --------------------------------------------------------------------------------------------

def binary_cross_entropy(y_true, p):
    """torch.nn.functional.binary_cross_entropy(p, y_true, reduction='none')."""
    y, p = _floats(y_true, p)
    return F.binary_cross_entropy(p, y, reduction="none")


def binary_cross_entropy_with_logits(y_true, logits):
    """torch.nn.functional.binary_cross_entropy_with_logits(logits, y_true, reduction='none')."""
    y, z = _floats(y_true, logits)
    return F.binary_cross_entropy_with_logits(z, y, reduction="none")


def squared_error(y_true, y_pred):
    """torch.nn.functional.mse_loss(y_pred, y_true, reduction='none')."""
    y, y_hat = _floats(y_true, y_pred)
    return F.mse_loss(y_hat, y, reduction="none")


def mean_squared_error(y_true, y_pred, axis=-1):
    """:func:`squared_error` averaged over ``axis``."""
    return squared_error(y_true, y_pred).mean(dim=axis)


def absolute_error(y_true, y_pred):
    """torch.nn.functional.l1_loss(y_pred, y_true, reduction='none')."""
    y, y_hat = _floats(y_true, y_pred)
    return F.l1_loss(y_hat, y, reduction="none")


def mean_absolute_error(y_true, y_pred, axis=-1):
    """:func:`absolute_error` averaged over ``axis``."""
    return absolute_error(y_true, y_pred).mean(dim=axis)


def categorical_cross_entropy(y_true, q, axis=-1):
    """torch.nn.functional.cross_entropy(log q, y_true, reduction='none'): probability targets."""
    y, q = _floats(y_true, q)
    return F.cross_entropy(_class_axis_second(torch.log(q), axis), _class_axis_second(y, axis),
                           reduction="none")


def softmax_cross_entropy_with_logits(y_true, logits, axis=-1):
    """torch.nn.functional.cross_entropy(logits, y_true, reduction='none')."""
    y, z = _floats(y_true, logits)
    return F.cross_entropy(_class_axis_second(z, axis), _class_axis_second(y, axis), reduction="none")


# --------------------------------------------------------------------------------------------
# Updates: one step of a torch.optim optimiser on a parameter holding the given gradient
# --------------------------------------------------------------------------------------------

def _parameter(param, grad, *states) -> tuple[torch.nn.Parameter, list[torch.Tensor]]:
    param, grad, *states = _floats(param, grad, *states)
    p = torch.nn.Parameter(param.clone())
    p.grad = grad.clone()
    return p, [s.clone() for s in states]


def sgd_update(param, grad, lr):
    """torch.optim.SGD(lr=lr).step()."""
    p, _ = _parameter(param, grad)
    torch.optim.SGD([p], lr=lr).step()
    return p.detach()


def momentum_update(param, grad, velocity, lr, momentum=0.9):
    """torch.optim.SGD(lr=lr, momentum=momentum).step() with momentum_buffer = -velocity / lr.

    torch keeps buf = momentum buf + g and steps param - lr buf; keras keeps velocity =
    momentum velocity - lr g = -lr buf, so the state goes in and out in keras's form. With
    momentum 0 torch keeps no buffer (plain SGD): the velocity returned is then the step the
    optimiser took, new param - param, which is keras's velocity by definition.
    """
    p, (velocity,) = _parameter(param, grad, velocity)
    before = p.detach().clone()
    optimizer = torch.optim.SGD([p], lr=lr, momentum=momentum)
    optimizer.state[p]["momentum_buffer"] = -velocity / lr
    optimizer.step()
    if momentum == 0:
        return p.detach(), p.detach() - before
    return p.detach(), -lr * optimizer.state[p]["momentum_buffer"]


def rmsprop_update(param, grad, mean_square, lr, rho=0.9, epsilon=1e-7):
    """torch.optim.RMSprop(lr=lr, alpha=rho, eps=epsilon).step() with square_avg = mean_square."""
    p, (mean_square,) = _parameter(param, grad, mean_square)
    optimizer = torch.optim.RMSprop([p], lr=lr, alpha=rho, eps=epsilon)
    optimizer.state[p].update(step=torch.tensor(0.0), square_avg=mean_square)
    optimizer.step()
    return p.detach(), optimizer.state[p]["square_avg"]


def adam_update(param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """torch.optim.Adam(lr, betas=(beta_1, beta_2), eps=epsilon).step() from step t - 1."""
    p, (m, v) = _parameter(param, grad, m, v)
    optimizer = torch.optim.Adam([p], lr=lr, betas=(beta_1, beta_2), eps=epsilon)
    optimizer.state[p].update(step=torch.tensor(float(t) - 1.0), exp_avg=m, exp_avg_sq=v)
    optimizer.step()
    state = optimizer.state[p]
    return p.detach(), state["exp_avg"], state["exp_avg_sq"]


# --------------------------------------------------------------------------------------------
# Dropout, preprocessing
# --------------------------------------------------------------------------------------------

def inverted_dropout(x, rate, seed, training=True):
    """torch.nn.functional.dropout(x, p=rate, training=training) under torch.manual_seed(seed).

    The seed is set inside torch.random.fork_rng, so the global generator is left as it was.
    """
    x = _float(x)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return F.dropout(x, p=float(rate), training=bool(training))


def standardize(x, mean=None, std=None, axis=0):
    """torch.nn.functional.batch_norm(x, running_mean, running_var, training=False, eps=0) per
    feature, with mean and (biased) variance from torch.var_mean(correction=0) over the
    examples unless ``mean`` and ``std`` (variance std**2) are given.

    batch_norm refuses eps=0 with batch statistics (training=True), hence torch.var_mean.
    """
    x = _float(x)
    rows = x.movedim(axis, 0)
    flat = rows.reshape(rows.shape[0], -1)  # (examples, features): batch_norm's (N, C)
    if mean is None:
        variance, mean = torch.var_mean(flat, dim=0, correction=0)
    else:
        mean, variance = _like(mean, x).reshape(-1), _like(std, x).reshape(-1) ** 2
    out = F.batch_norm(flat, mean, variance, training=False, eps=0.0)
    return out.reshape(rows.shape).movedim(0, axis)


def one_hot(labels, num_classes=None):
    """torch.nn.functional.one_hot(labels, num_classes or -1) (int64, as torch returns it)."""
    return F.one_hot(_labels(labels), -1 if num_classes is None else int(num_classes))


# --------------------------------------------------------------------------------------------
# Distances and Gaussian densities
# --------------------------------------------------------------------------------------------

def pairwise_distances(a, b=None, metric="euclidean"):
    """torch.cdist(a, b, p=2 or 1, compute_mode='donot_use_mm_for_euclid_dist').

    The coordinate-by-coordinate mode is the contract's (the matrix-product mode is not exactly
    symmetric). torch has no squared-euclidean built-in: metric "sqeuclidean" raises
    MissingFunction, which the runner reports as n/a.
    """
    a, b = _floats(a, a if b is None else b)
    norms = {"euclidean": 2.0, "manhattan": 1.0}
    if metric == "sqeuclidean":
        raise MissingFunction("torch has no squared-euclidean distance (torch.cdist takes a p-norm)")
    return torch.cdist(a, b, p=norms[metric], compute_mode="donot_use_mm_for_euclid_dist")


def gaussian_pdf(x, mean, var):
    """torch.distributions.Normal(mean, sqrt(var)).log_prob(x).exp()."""
    x, mean, var = _floats(x, mean, var)
    return torch.distributions.Normal(mean, var.sqrt(), validate_args=False).log_prob(x).exp()


def gaussian_density(x, mean, var):
    """torch.distributions.Independent(Normal(mean, sqrt(var)), 1).log_prob(x).exp()."""
    x, mean, var = _floats(x, mean, var)
    shape = torch.broadcast_shapes(x.shape, mean.shape, var.shape)
    normal = torch.distributions.Normal(mean.expand(shape), var.sqrt().expand(shape), validate_args=False)
    return torch.distributions.Independent(normal, 1, validate_args=False).log_prob(x).exp()


# --------------------------------------------------------------------------------------------
# RNN: torch.nn.RNN (tanh, no bias), softmax outputs, autograd for BPTT
# --------------------------------------------------------------------------------------------

def _rnn(x, U, W, V, s0):
    """The states of torch.nn.RNN(tanh, bias=False) with weight_ih = U, weight_hh = W, and V."""
    values = [x, U, W, V] + ([] if s0 is None else [s0])
    x, U, W, V, *rest = _floats(*values)
    rnn = torch.nn.RNN(U.shape[1], U.shape[0], nonlinearity="tanh", bias=False, dtype=x.dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(U)
        rnn.weight_hh_l0.copy_(W)
    h0 = rest[0].reshape(1, -1) if rest else torch.zeros(1, U.shape[0], dtype=x.dtype)
    states, _ = rnn(x, h0)  # unbatched (T, input_dim) -> (T, hidden)
    V = V.clone().requires_grad_(True)
    return rnn, states, V


def rnn_forward(x, U, W, V, s0=None):
    """torch.nn.RNN(nonlinearity='tanh', bias=False) states, softmax(F.linear(states, V))."""
    with torch.no_grad():
        _, states, V = _rnn(x, U, W, V, s0)
        return states, F.softmax(F.linear(states, V), dim=-1)


def rnn_bptt(x, y, U, W, V, s0=None):
    """F.cross_entropy(F.linear(states of torch.nn.RNN, V), y, reduction='sum') and its
    gradients with respect to U, W and V by torch.autograd.grad."""
    rnn, states, V = _rnn(x, U, W, V, s0)
    loss = F.cross_entropy(F.linear(states, V), _labels(y), reduction="sum")
    dU, dW, dV = torch.autograd.grad(loss, [rnn.weight_ih_l0, rnn.weight_hh_l0, V])
    return loss.detach(), dU, dW, dV


def clip_by_global_norm(grads, max_norm):
    """torch.nn.utils.clip_grad_norm_(parameters holding grads, max_norm): (clipped, norm)."""
    parameters = []
    for grad in _floats(*grads):
        parameter = torch.nn.Parameter(torch.zeros_like(grad))
        parameter.grad = grad.clone()
        parameters.append(parameter)
    norm = torch.nn.utils.clip_grad_norm_(parameters, max_norm)
    return [parameter.grad for parameter in parameters], norm


# --------------------------------------------------------------------------------------------
# Convolution and pooling (the contract is NHWC, torch NCHW)
# --------------------------------------------------------------------------------------------

def conv2d(x, kernel, stride=1, padding=0):
    """torch.nn.functional.conv2d on NCHW, kernel (kh, kw, in, out) -> (out, in, kh, kw)."""
    x, kernel = _floats(x, kernel)
    out = F.conv2d(_nchw(x), kernel.permute(3, 2, 0, 1), stride=_pair(stride), padding=_pair(padding))
    return _nhwc(out)


def max_pool2d(x, pool_size, stride=None, padding=0):
    """torch.nn.functional.max_pool2d on NCHW."""
    out = F.max_pool2d(_nchw(_float(x)), _pair(pool_size),
                       stride=None if stride is None else _pair(stride), padding=_pair(padding))
    return _nhwc(out)


def avg_pool2d(x, pool_size, stride=None, padding=0):
    """torch.nn.functional.avg_pool2d(count_include_pad=True) on NCHW."""
    out = F.avg_pool2d(_nchw(_float(x)), _pair(pool_size),
                       stride=None if stride is None else _pair(stride), padding=_pair(padding),
                       count_include_pad=True)
    return _nhwc(out)


def conv2d_transpose(x, kernel, stride=1, padding=0):
    """torch.nn.functional.conv_transpose2d on NCHW, kernel (kh, kw, out, in) -> (in, out, kh, kw)."""
    x, kernel = _floats(x, kernel)
    out = F.conv_transpose2d(_nchw(x), kernel.permute(3, 2, 0, 1), stride=_pair(stride),
                             padding=_pair(padding))
    return _nhwc(out)


# --------------------------------------------------------------------------------------------
# Style losses
# --------------------------------------------------------------------------------------------

def content_loss(y_hat, y):
    """torch.nn.functional.mse_loss(y_hat, y) (mean over every element)."""
    y_hat, y = _floats(y_hat, y)
    return F.mse_loss(y_hat, y)


def style_loss(y_hat_gram, gram_y):
    """torch.nn.functional.mse_loss(y_hat_gram, gram_y) (mean over every element)."""
    y_hat_gram, gram_y = _floats(y_hat_gram, gram_y)
    return F.mse_loss(y_hat_gram, gram_y)


# --------------------------------------------------------------------------------------------
# Boxes: torchvision.ops, only where torchvision is installed
# --------------------------------------------------------------------------------------------

if _tvops is not None:  # pragma: no cover - torchvision is not installed everywhere

    def box_corner_to_center(boxes):
        """torchvision.ops.box_convert(boxes, 'xyxy', 'cxcywh')."""
        return _tvops.box_convert(_float(boxes), "xyxy", "cxcywh")

    def box_center_to_corner(boxes):
        """torchvision.ops.box_convert(boxes, 'cxcywh', 'xyxy')."""
        return _tvops.box_convert(_float(boxes), "cxcywh", "xyxy")

    def box_iou(boxes1, boxes2):
        """torchvision.ops.box_iou."""
        return _tvops.box_iou(*_floats(boxes1, boxes2))

    def nms(boxes, scores, iou_threshold):
        """torchvision.ops.nms (discards a box whose IoU with a kept one is > iou_threshold)."""
        boxes, scores = _floats(boxes, scores)
        return _tvops.nms(boxes, scores, float(iou_threshold))

    def roi_pool(features, rois, output_size, spatial_scale=1.0):
        """torchvision.ops.roi_pool on NCHW features, rois (batch_index, x1, y1, x2, y2)."""
        features, rois = _floats(features, rois)
        size = _pair(output_size)
        out = _tvops.roi_pool(_nchw(features), rois.to(features.dtype),
                              size if isinstance(size, tuple) else (size, size), float(spatial_scale))
        return _nhwc(out)

    __all__ += ["box_corner_to_center", "box_center_to_corner", "box_iou", "nms", "roi_pool"]
