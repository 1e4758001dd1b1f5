"""The contract mapped onto NumPy, SciPy, scikit-learn (and pandas) built-ins: glue only.

``tfref spec --impl numpy`` (or ``--impl spec_tests.adapters.numpy_scipy``). Each function
below calls a library built-in and only translates: argument order, keyword names, layouts
(NHWC images, the examples axis, a trailing axis for per-element use of a per-row built-in),
log-space inputs and the change of logarithm base. Where none of these libraries has a built-in
for a contract function, the function is left out and the suite reports it "n/a":
threshold_derivative, sigmoid_derivative, tanh_derivative, linear, linear_derivative, relu,
relu_derivative, leaky_relu, leaky_relu_derivative, maxout, softmax_jacobian, self_information,
beta_bernoulli_posterior, exponential_loss, l2_loss, false_positive_rate,
false_rejection_rate, central_difference, every update rule and schedule, inverted_dropout,
rnn_forward, rnn_bptt, clip_by_global_norm, conv_output_size, bilinear_kernel, gini_impurity,
gram_matrix, total_variation_loss and the box functions.

Results are whatever the built-in returns (often float64 for float32 input): the adapter does
not cast, so the "conventions" level shows the libraries' own dtype habits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import scipy.ndimage
import scipy.signal
import scipy.special
import scipy.stats
import sklearn.impute
import sklearn.metrics
import sklearn.preprocessing


def _in_base(nats, base):
    """Change of logarithm base: a value in nats divided by ln(base) (no-op for base None)."""
    return nats if base is None else nats / math.log(base)


def _per_element(metric, y_true, y_pred, **kwargs):
    """An elementwise loss from a scikit-learn mean over samples: the mean over one sample.

    Every element becomes an output of a single sample (``multioutput="raw_values"``), so the
    mean over samples is the element's own loss.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    shape = np.broadcast_shapes(y_true.shape, y_pred.shape)
    y_true = np.broadcast_to(y_true, shape).reshape(1, -1)
    y_pred = np.broadcast_to(y_pred, shape).reshape(1, -1)
    return metric(y_true, y_pred, multioutput="raw_values", **kwargs).reshape(shape)


def _per_row(metric, y_true, y_pred, axis):
    """A scikit-learn mean over samples turned into a mean over ``axis`` of every row."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    shape = np.broadcast_shapes(y_true.shape, y_pred.shape)
    y_true = np.moveaxis(np.broadcast_to(y_true, shape), axis, -1)
    y_pred = np.moveaxis(np.broadcast_to(y_pred, shape), axis, -1)
    rows = y_true.shape[:-1]
    n = y_true.shape[-1]
    # Columns are the rows of the contract: sklearn averages each column over its samples.
    out = metric(y_true.reshape(-1, n).T, y_pred.reshape(-1, n).T, multioutput="raw_values")
    return out.reshape(rows)


# --- activations ------------------------------------------------------------------------------

def threshold(x):
    """numpy.heaviside(x, 0): 1 for x > 0, 0 for x <= 0."""
    return np.heaviside(x, 0.0)


def sigmoid(x):
    """scipy.special.expit."""
    return scipy.special.expit(x)


def tanh(x):
    """numpy.tanh."""
    return np.tanh(x)


def softmax(x, axis=-1):
    """scipy.special.softmax(x, axis=axis)."""
    return scipy.special.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """scipy.special.log_softmax(x, axis=axis)."""
    return scipy.special.log_softmax(x, axis=axis)


# --- information theory -----------------------------------------------------------------------

def entropy(p, base=None, axis=-1):
    """scipy.stats.entropy(p, base=base, axis=axis) (scipy normalises p first)."""
    return scipy.stats.entropy(p, base=base, axis=axis)


def joint_entropy(p_xy, base=None):
    """scipy.stats.entropy of the flattened joint table."""
    return scipy.stats.entropy(np.ravel(p_xy), base=base)


def cross_entropy(p, q, base=None, axis=-1):
    """-scipy.special.xlogy(p, q) summed over ``axis`` (xlogy: 0 log q = 0), in ``base``."""
    return _in_base(-scipy.special.xlogy(p, q).sum(axis=axis), base)


def kl_divergence(p, q, base=None, axis=-1):
    """scipy.stats.entropy(p, q, base=base, axis=axis), the relative entropy."""
    return scipy.stats.entropy(p, q, base=base, axis=axis)


# --- distributions ----------------------------------------------------------------------------

def bernoulli_pmf(x, p):
    """scipy.stats.bernoulli.pmf(x, p)."""
    return scipy.stats.bernoulli.pmf(x, p)


def bernoulli_log_likelihood(x, p):
    """scipy.stats.bernoulli.logpmf(x, p), summed over every element."""
    return scipy.stats.bernoulli.logpmf(x, p).sum()


def binomial_pmf(k, n, p):
    """scipy.stats.binom.pmf(k, n, p)."""
    return scipy.stats.binom.pmf(k, n, p)


def multinomial_pmf(counts, p):
    """scipy.stats.multinomial.pmf(counts, n=counts.sum(-1), p=p)."""
    counts = np.asarray(counts)
    return scipy.stats.multinomial.pmf(counts, n=counts.sum(axis=-1), p=p)


def beta_pdf(theta, a, b):
    """scipy.stats.beta.pdf(theta, a, b)."""
    return scipy.stats.beta.pdf(theta, a, b)


# --- losses -----------------------------------------------------------------------------------

def binary_cross_entropy(y_true, p):
    """-(scipy.special.xlogy(y, p) + scipy.special.xlogy(1 - y, 1 - p)), elementwise."""
    y, p = np.asarray(y_true), np.asarray(p)
    return -(scipy.special.xlogy(y, p) + scipy.special.xlogy(1 - y, 1 - p))


def binary_cross_entropy_with_logits(y_true, logits):
    """-(y log_expit(z) + (1 - y) log_expit(-z)) with scipy.special.log_expit (log-space sigmoid)."""
    y, z = np.asarray(y_true), np.asarray(logits)
    return -(y * scipy.special.log_expit(z) + (1 - y) * scipy.special.log_expit(-z))


def squared_error(y_true, y_pred):
    """sklearn.metrics.mean_squared_error of each element as a one-sample output."""
    return _per_element(sklearn.metrics.mean_squared_error, y_true, y_pred)


def mean_squared_error(y_true, y_pred, axis=-1):
    """sklearn.metrics.mean_squared_error(multioutput="raw_values") with each row a column."""
    return _per_row(sklearn.metrics.mean_squared_error, y_true, y_pred, axis)


def absolute_error(y_true, y_pred):
    """sklearn.metrics.mean_absolute_error of each element as a one-sample output."""
    return _per_element(sklearn.metrics.mean_absolute_error, y_true, y_pred)


def mean_absolute_error(y_true, y_pred, axis=-1):
    """sklearn.metrics.mean_absolute_error(multioutput="raw_values") with each row a column."""
    return _per_row(sklearn.metrics.mean_absolute_error, y_true, y_pred, axis)


def hinge_loss(y_true, score):
    """sklearn.metrics.hinge_loss of the whole batch, weighted on one element at a time.

    (sklearn averages over samples; a sample weight of 1 on element i and 0 elsewhere gives
    element i's loss, with sklearn's label encoding fitted on the whole batch as in normal use.)
    """
    y, f = np.broadcast_arrays(np.asarray(y_true), np.asarray(score))
    out = [sklearn.metrics.hinge_loss(y.ravel(), f.ravel(), sample_weight=np.eye(1, y.size, i)[0])
           for i in range(y.size)]
    return np.asarray(out, dtype=np.float64).reshape(y.shape)


def zero_one_loss(y_true, y_pred):
    """sklearn.metrics.zero_one_loss of each element as a one-sample problem."""
    y, y_hat = np.broadcast_arrays(np.asarray(y_true), np.asarray(y_pred))
    out = [sklearn.metrics.zero_one_loss([a], [b]) for a, b in zip(y.ravel(), y_hat.ravel())]
    return np.asarray(out, dtype=np.float64).reshape(y.shape)


def categorical_cross_entropy(y_true, q, axis=-1):
    """-scipy.special.xlogy(y, q) summed over ``axis`` (xlogy: 0 log q = 0)."""
    return -scipy.special.xlogy(y_true, q).sum(axis=axis)


def softmax_cross_entropy_with_logits(y_true, logits, axis=-1):
    """-(y * scipy.special.log_softmax(logits, axis)) summed over ``axis``."""
    return -(np.asarray(y_true) * scipy.special.log_softmax(logits, axis=axis)).sum(axis=axis)


# --- averages ---------------------------------------------------------------------------------

def ewma(x, beta, bias_correction=False):
    """scipy.signal.lfilter([1 - beta], [1, -beta], x, axis=0) (zero initial state);
    bias-corrected: pandas ``DataFrame.ewm(alpha=1 - beta, adjust=True).mean()``."""
    x = np.asarray(x)
    if not bias_correction:
        return scipy.signal.lfilter([1 - beta], [1, -beta], x, axis=0)
    columns = x.reshape(x.shape[0], -1) if x.ndim else x.reshape(1, 1)
    frame = pd.DataFrame(columns).ewm(alpha=1 - beta, adjust=True).mean()
    return frame.to_numpy().reshape(x.shape)


def ewma_weights(beta, t):
    """The impulse response of scipy.signal.lfilter([1 - beta], [1, -beta]), read backwards."""
    impulse = np.zeros(t)
    impulse[0] = 1.0
    return scipy.signal.lfilter([1 - beta], [1, -beta], impulse)[::-1]


# --- metrics ----------------------------------------------------------------------------------

def confusion_matrix(y_true, y_pred, num_classes=None):
    """sklearn.metrics.confusion_matrix(labels=range(k)), k = num_classes or max label + 1."""
    if num_classes is None:
        num_classes = int(max(np.max(y_true), np.max(y_pred))) + 1
    return sklearn.metrics.confusion_matrix(y_true, y_pred, labels=list(range(num_classes)))


def accuracy(y_true, y_pred):
    """sklearn.metrics.accuracy_score."""
    return sklearn.metrics.accuracy_score(y_true, y_pred)


def error_rate(y_true, y_pred):
    """sklearn.metrics.zero_one_loss (normalize=True: the fraction misclassified)."""
    return sklearn.metrics.zero_one_loss(y_true, y_pred)


def recall(y_true, y_pred, pos_label=1, zero_division=float("nan")):
    """sklearn.metrics.recall_score(labels=[pos_label], average="micro") (class pos_label vs rest)."""
    return sklearn.metrics.recall_score(y_true, y_pred, labels=[pos_label], average="micro",
                                        zero_division=zero_division)


def precision(y_true, y_pred, pos_label=1, zero_division=float("nan")):
    """sklearn.metrics.precision_score(labels=[pos_label], average="micro")."""
    return sklearn.metrics.precision_score(y_true, y_pred, labels=[pos_label], average="micro",
                                           zero_division=zero_division)


# --- preprocessing ----------------------------------------------------------------------------

def _as_table(x, axis):
    """(examples, features) view of x: the examples axis first, every other axis a feature."""
    rows = np.moveaxis(np.asarray(x), axis, 0)
    return rows, rows.reshape(rows.shape[0], -1)


def standardize(x, mean=None, std=None, axis=0):
    """sklearn.preprocessing.StandardScaler: fit_transform, or transform with the given
    statistics set as its fitted mean_ and scale_ (a zero std as 1, as the scaler's own fit does)."""
    rows, table = _as_table(x, axis)
    scaler = sklearn.preprocessing.StandardScaler()
    if mean is None and std is None:
        out = scaler.fit_transform(table)
    else:
        scaler.fit(table)  # sets the fitted attributes; then replace the statistics
        std = np.ravel(np.asarray(std, dtype=np.float64))
        scaler.mean_ = np.ravel(np.asarray(mean, dtype=np.float64))
        scaler.var_ = std ** 2
        scaler.scale_ = np.where(std == 0, 1.0, std)
        out = scaler.transform(table)
    return np.moveaxis(out.reshape(rows.shape), 0, axis)


def mean_impute(x, mean=None, axis=0):
    """sklearn.impute.SimpleImputer(strategy="mean").fit_transform; with given means, pandas
    ``DataFrame.fillna`` with those means per feature."""
    rows, table = _as_table(x, axis)
    if mean is None:
        out = sklearn.impute.SimpleImputer(strategy="mean", keep_empty_features=True).fit_transform(table)
    else:
        frame = pd.DataFrame(table)
        out = frame.fillna(pd.Series(np.ravel(mean), index=frame.columns)).to_numpy()
    return np.moveaxis(out.reshape(rows.shape), 0, axis)


def one_hot(labels, num_classes=None):
    """sklearn.preprocessing.OneHotEncoder(categories=[range(k)]), k = num_classes or max + 1."""
    labels = np.asarray(labels)
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    encoder = sklearn.preprocessing.OneHotEncoder(categories=[np.arange(num_classes)],
                                                  sparse_output=False)
    out = encoder.fit_transform(labels.reshape(-1, 1).astype(np.int64))
    return out.reshape(labels.shape + (num_classes,))


# --- distances --------------------------------------------------------------------------------

def pairwise_distances(a, b=None, metric="euclidean"):
    """sklearn.metrics.pairwise_distances(a, b, metric=metric)."""
    return sklearn.metrics.pairwise_distances(a, b, metric=metric)


def gaussian_pdf(x, mean, var):
    """scipy.stats.norm.pdf(x, mean, sqrt(var)) (scipy takes the standard deviation)."""
    return scipy.stats.norm.pdf(x, mean, np.sqrt(var))


def gaussian_density(x, mean, var):
    """scipy.stats.multivariate_normal(mean, diag(var)).pdf(x), features on the last axis."""
    x = np.asarray(x)
    mean = np.broadcast_to(np.asarray(mean), x.shape[-1:])
    var = np.broadcast_to(np.asarray(var), x.shape[-1:])
    out = scipy.stats.multivariate_normal(mean, np.diag(var)).pdf(x.reshape(-1, x.shape[-1]))
    return np.asarray(out).reshape(x.shape[:-1])


# --- conv -------------------------------------------------------------------------------------

def _pair(value):
    return (value, value) if np.ndim(value) == 0 else tuple(value)


def _pad_nhwc(x, padding, value):
    ph, pw = _pair(padding)
    return np.pad(np.asarray(x), ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=value)


def conv2d(x, kernel, stride=1, padding=0):
    """scipy.signal.correlate(image, kernel, "valid") per image and output channel (NHWC, the
    kernel (kh, kw, in, out)); zero padding by numpy.pad, the stride by subsampling."""
    x = _pad_nhwc(x, padding, 0)
    kernel = np.asarray(kernel)
    sh, sw = _pair(stride)
    out = [[scipy.signal.correlate(image, kernel[..., d], mode="valid")[..., 0]
            for d in range(kernel.shape[-1])] for image in x]
    return np.moveaxis(np.asarray(out), 1, -1)[:, ::sh, ::sw, :]


def _pool(x, pool_size, stride, padding, fill, window_filter):
    """A scipy.ndimage window filter over (h, w), read at the top-left corners of the windows."""
    kh, kw = _pair(pool_size)
    sh, sw = _pair(pool_size if stride is None else stride)
    x = _pad_nhwc(x, padding, fill)
    filtered = window_filter(x, size=(1, kh, kw, 1), mode="constant", cval=fill)
    # A centred filter of size k puts the window starting at i at index i + k // 2.
    oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    return filtered[:, kh // 2:kh // 2 + sh * (oh - 1) + 1:sh, kw // 2:kw // 2 + sw * (ow - 1) + 1:sw, :]


def max_pool2d(x, pool_size, stride=None, padding=0):
    """scipy.ndimage.maximum_filter over each (h, w) window of x padded with -inf."""
    return _pool(x, pool_size, stride, padding, -np.inf, scipy.ndimage.maximum_filter)


def avg_pool2d(x, pool_size, stride=None, padding=0):
    """scipy.ndimage.uniform_filter over each (h, w) window of x padded with zeros."""
    return _pool(x, pool_size, stride, padding, 0.0, scipy.ndimage.uniform_filter)


def conv2d_transpose(x, kernel, stride=1, padding=0):
    """scipy.signal.convolve(dilated image, kernel, "full") summed over input channels: the
    input spread out by the stride with zeros between (numpy), then cropped by the padding."""
    x, kernel = np.asarray(x), np.asarray(kernel)
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    n, h, w, c_in = x.shape
    dilated = np.zeros((n, (h - 1) * sh + 1, (w - 1) * sw + 1, c_in), dtype=x.dtype)
    dilated[:, ::sh, ::sw, :] = x
    out = np.stack([np.stack([sum(scipy.signal.convolve(image[..., c], kernel[:, :, d, c], mode="full")
                                  for c in range(c_in))
                              for d in range(kernel.shape[2])], axis=-1) for image in dilated])
    return out[:, ph:out.shape[1] - ph, pw:out.shape[2] - pw, :]


# --- trees ------------------------------------------------------------------------------------

def information_gain(labels, feature_values, base=None):
    """sklearn.metrics.mutual_info_score(labels, feature_values) (the gain is the mutual
    information of label and feature), in nats, divided by ln(base)."""
    return _in_base(sklearn.metrics.mutual_info_score(labels, feature_values), base)


# --- style ------------------------------------------------------------------------------------

def content_loss(y_hat, y):
    """sklearn.metrics.mean_squared_error over every element."""
    return sklearn.metrics.mean_squared_error(np.ravel(y), np.ravel(y_hat))


def style_loss(y_hat_gram, gram_y):
    """sklearn.metrics.mean_squared_error over every element of the two Gram matrices."""
    return sklearn.metrics.mean_squared_error(np.ravel(gram_y), np.ravel(y_hat_gram))
