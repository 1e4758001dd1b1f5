"""The contract mapped onto Keras 3 built-ins (keras.ops, keras.losses, keras.optimizers, ...).

``tfref spec --impl keras`` (or ``--impl spec_tests.adapters.keras_ops``). Backend-agnostic:
only the ``keras`` API is used (never tensorflow, torch or jax directly), so the same adapter
checks Keras on whichever backend ``KERAS_BACKEND`` (or ~/.keras/keras.json) selects; with the
TensorFlow backend, Keras imports TensorFlow into the process under test.

Glue only: argument order and keyword names (``leaky_relu``'s ``negative_slope``, whose Keras
default 0.2 differs from the contract's 0.01, is always passed), a trailing axis of length 1
where Keras reduces the last axis of a per-element loss, ``moveaxis`` for another axis, the
change of logarithm base, explicit padding before a "valid" convolution or pooling (the
contract pads symmetrically; Keras's "same" does not), one optimizer step from the given
state, and conversion of every result to NumPy with ``keras.ops.convert_to_numpy``.
Functions Keras has no built-in for are left out ("n/a"): the derivatives, maxout,
softmax_jacobian, self_information, entropy, joint_entropy, the distributions,
exponential_loss, zero_one_loss, ewma, ewma_weights, confusion_matrix, error_rate,
false_positive_rate, false_rejection_rate, central_difference, newton_step, mean_impute,
gaussian_pdf, gaussian_density, rnn_bptt, clip_by_global_norm, conv_output_size,
bilinear_kernel, information_gain, gini_impurity, gram_matrix, total_variation_loss,
multibox_prior, assign_anchor_to_bbox, multibox_target, nms and the RoI poolings.
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
from keras import ops
from keras.utils import bounding_boxes

# The variances that make keras's box deltas the contract's offsets (10 dx/w, 10 dy/h,
# 5 log(w'/w), 5 log(h'/h)): keras divides each delta by its variance.
_BOX_VARIANCE = [0.1, 0.1, 0.2, 0.2]


def _np(value):
    """A Keras result (tensor, or tuple/list of tensors) as NumPy."""
    if isinstance(value, tuple | list):
        return type(value)(_np(v) for v in value)
    return ops.convert_to_numpy(value)


def _t(x):
    """An array-like as a Keras tensor (Python lists become keras.config.floatx(), float32)."""
    return ops.convert_to_tensor(x)


def _float_dtype(*arrays) -> str:
    """The dtype a Keras layer or variable should use: float64 if any input is, else float32."""
    return "float64" if any(np.asarray(a).dtype == np.float64 for a in arrays) else "float32"


def _in_base(nats, base):
    return nats if base is None else nats / math.log(base)


def _last(x, axis):
    """``x`` with ``axis`` moved last (Keras losses reduce the last axis)."""
    return np.moveaxis(np.asarray(x), axis, -1)


def _trailing(x):
    """``x`` with a trailing axis of length 1, so a loss that averages the last axis is per element."""
    return np.asarray(x)[..., None]


# --- activations ------------------------------------------------------------------------------

def threshold(x):
    """keras.ops.heaviside(x, 0): 1 for x > 0, 0 for x <= 0."""
    return _np(ops.heaviside(_t(x), 0.0))


def sigmoid(x):
    """keras.ops.sigmoid."""
    return _np(ops.sigmoid(_t(x)))


def tanh(x):
    """keras.ops.tanh."""
    return _np(ops.tanh(_t(x)))


def linear(x):
    """keras.activations.linear."""
    return _np(keras.activations.linear(_t(x)))


def relu(x):
    """keras.ops.relu."""
    return _np(ops.relu(_t(x)))


def leaky_relu(x, alpha=0.01):
    """keras.ops.leaky_relu(x, negative_slope=alpha) (keras's own default slope is 0.2)."""
    return _np(ops.leaky_relu(_t(x), negative_slope=alpha))


def softmax(x, axis=-1):
    """keras.ops.softmax(x, axis=axis)."""
    return _np(ops.softmax(_t(x), axis=axis))


def log_softmax(x, axis=-1):
    """keras.ops.log_softmax(x, axis=axis)."""
    return _np(ops.log_softmax(_t(x), axis=axis))


# --- information theory -----------------------------------------------------------------------

def cross_entropy(p, q, base=None, axis=-1):
    """keras.ops.categorical_crossentropy(p, q, axis=axis), in ``base``."""
    return _in_base(_np(ops.categorical_crossentropy(p, q, axis=axis)), base)


def kl_divergence(p, q, base=None, axis=-1):
    """keras.losses.kl_divergence(p, q) over ``axis`` (moved last), in ``base``."""
    return _in_base(_np(keras.losses.kl_divergence(_last(p, axis), _last(q, axis))), base)


# --- losses -----------------------------------------------------------------------------------

def binary_cross_entropy(y_true, p):
    """keras.ops.binary_crossentropy(y_true, p) (elementwise)."""
    return _np(ops.binary_crossentropy(y_true, p))


def binary_cross_entropy_with_logits(y_true, logits):
    """keras.ops.binary_crossentropy(y_true, logits, from_logits=True) (elementwise)."""
    return _np(ops.binary_crossentropy(y_true, logits, from_logits=True))


def squared_error(y_true, y_pred):
    """keras.losses.mean_squared_error over a trailing axis of length 1."""
    return _np(keras.losses.mean_squared_error(_trailing(y_true), _trailing(y_pred)))


def mean_squared_error(y_true, y_pred, axis=-1):
    """keras.losses.mean_squared_error over ``axis`` (moved last)."""
    return _np(keras.losses.mean_squared_error(_last(y_true, axis), _last(y_pred, axis)))


def absolute_error(y_true, y_pred):
    """keras.losses.mean_absolute_error over a trailing axis of length 1."""
    return _np(keras.losses.mean_absolute_error(_trailing(y_true), _trailing(y_pred)))


def mean_absolute_error(y_true, y_pred, axis=-1):
    """keras.losses.mean_absolute_error over ``axis`` (moved last)."""
    return _np(keras.losses.mean_absolute_error(_last(y_true, axis), _last(y_pred, axis)))


def hinge_loss(y_true, score):
    """keras.losses.hinge over a trailing axis of length 1 (labels -1/+1)."""
    return _np(keras.losses.hinge(_trailing(y_true), _trailing(score)))


def categorical_cross_entropy(y_true, q, axis=-1):
    """keras.ops.categorical_crossentropy(y_true, q, axis=axis)."""
    return _np(ops.categorical_crossentropy(y_true, q, axis=axis))


def softmax_cross_entropy_with_logits(y_true, logits, axis=-1):
    """keras.ops.categorical_crossentropy(y_true, logits, from_logits=True, axis=axis)."""
    return _np(ops.categorical_crossentropy(y_true, logits, from_logits=True, axis=axis))


def l2_loss(x):
    """keras.regularizers.L2(0.5)(x): 0.5 * sum(x^2), as tf.nn.l2_loss."""
    return _np(keras.regularizers.L2(0.5)(ops.convert_to_tensor(x)))


# --- metrics ----------------------------------------------------------------------------------

def accuracy(y_true, y_pred):
    """keras.metrics.Accuracy: update_state(y_true, y_pred), then result()."""
    metric = keras.metrics.Accuracy()
    metric.update_state(y_true, y_pred)
    return _np(metric.result())


def _class_metric(metric_class, y_true, y_pred, pos_label):
    """A keras class metric with ``class_id=pos_label`` on one-hot encoded labels."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    k = int(max(y_true.max(), y_pred.max(), pos_label)) + 1
    metric = metric_class(class_id=int(pos_label))
    metric.update_state(keras.utils.to_categorical(y_true, k), keras.utils.to_categorical(y_pred, k))
    return _np(metric.result())


def recall(y_true, y_pred, pos_label=1, zero_division=float("nan")):
    """keras.metrics.Recall(class_id=pos_label) on one-hot labels (keras has no zero_division:
    it returns 0 where TP + FN = 0)."""
    return _class_metric(keras.metrics.Recall, y_true, y_pred, pos_label)


def precision(y_true, y_pred, pos_label=1, zero_division=float("nan")):
    """keras.metrics.Precision(class_id=pos_label) on one-hot labels (0 where TP + FP = 0)."""
    return _class_metric(keras.metrics.Precision, y_true, y_pred, pos_label)


# --- updates ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=32)
def _built_optimizer(name: str, dtype: str, shape: tuple, hyperparameters: tuple):
    """``keras.optimizers.<name>(**hyperparameters)`` built for one keras.Variable of ``shape``.

    Cached: building costs far more than a step, and the properties take many steps with the
    same hyperparameters. Every use sets the variable, the state and the iteration count first.
    """
    optimizer = getattr(keras.optimizers, name)(**dict(hyperparameters))
    variable = keras.Variable(np.zeros(shape, dtype=dtype), dtype=dtype)
    optimizer.build([variable])
    return optimizer, variable


def _one_step(name, hyperparameters: dict, param, grad, slots: dict, iterations: int = 0):
    """Apply ``keras.optimizers.<name>`` once to ``param``, its state set first.

    ``slots``: suffix of the optimizer variable's path ("momentum", "velocity") -> value.
    Returns the new parameter and the new values of those slots, in that order.
    """
    dtype = _float_dtype(param, grad, *slots.values())
    param = np.asarray(param, dtype=dtype)
    key = tuple(sorted(hyperparameters.items()))
    try:
        hash(key)
    except TypeError:  # an array-valued hyperparameter: build without the cache
        optimizer, variable = _built_optimizer.__wrapped__(name, dtype, param.shape, key)
    else:
        optimizer, variable = _built_optimizer(name, dtype, param.shape, key)
    variable.assign(param)
    found = {}
    for slot in optimizer.variables:
        for suffix in slots:
            if slot.path.endswith(f"_{suffix}"):
                slot.assign(np.asarray(slots[suffix], dtype=dtype))
                found[suffix] = slot
    missing = set(slots) - set(found)
    if missing:
        raise RuntimeError(f"keras.optimizers.{name} has no state variable {sorted(missing)}")
    optimizer.iterations.assign(iterations)
    optimizer.apply_gradients([(ops.convert_to_tensor(np.asarray(grad, dtype=dtype)), variable)])
    return (_np(variable.value), *(_np(found[s].value) for s in slots))


def sgd_update(param, grad, lr):
    """keras.optimizers.SGD(learning_rate=lr), one step."""
    return _one_step("SGD", {"learning_rate": lr}, param, grad, {})[0]


def momentum_update(param, grad, velocity, lr, momentum=0.9):
    """keras.optimizers.SGD(learning_rate=lr, momentum=momentum), one step from ``velocity``.

    At momentum 0 keras keeps no velocity; the velocity returned is then the step it took.
    """
    hyperparameters = {"learning_rate": lr, "momentum": momentum}
    if momentum == 0:
        new = _one_step("SGD", hyperparameters, param, grad, {})[0]
        return new, new - np.asarray(param, dtype=new.dtype)
    return _one_step("SGD", hyperparameters, param, grad, {"momentum": velocity})


def rmsprop_update(param, grad, mean_square, lr, rho=0.9, epsilon=1e-7):
    """keras.optimizers.RMSprop(learning_rate=lr, rho=rho, epsilon=epsilon), one step from
    ``mean_square`` (its "velocity")."""
    hyperparameters = {"learning_rate": lr, "rho": rho, "epsilon": epsilon}
    return _one_step("RMSprop", hyperparameters, param, grad, {"velocity": mean_square})


def adam_update(param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """keras.optimizers.Adam(learning_rate=lr, beta_1, beta_2, epsilon), step t from (m, v)
    (keras counts iterations from 0: iterations = t - 1 before the step)."""
    hyperparameters = {"learning_rate": lr, "beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon}
    return _one_step("Adam", hyperparameters, param, grad, {"momentum": m, "velocity": v},
                     iterations=int(t) - 1)


def exponential_decay(lr0, step, decay_steps, decay_rate, staircase=False):
    """keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps, decay_rate, staircase)(step)."""
    schedule = keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps, decay_rate, staircase=staircase)
    return _np(schedule(ops.convert_to_tensor(step)))


def inverse_time_decay(lr0, step, decay_steps, decay_rate, staircase=False):
    """keras.optimizers.schedules.InverseTimeDecay(lr0, decay_steps, decay_rate, staircase)(step)."""
    schedule = keras.optimizers.schedules.InverseTimeDecay(lr0, decay_steps, decay_rate, staircase=staircase)
    return _np(schedule(ops.convert_to_tensor(step)))


# --- dropout ----------------------------------------------------------------------------------

def inverted_dropout(x, rate, seed, training=True):
    """keras.random.dropout(x, rate, seed=seed) in training; x itself otherwise (as
    keras.layers.Dropout at inference)."""
    if not training:
        return _np(ops.convert_to_tensor(x))
    return _np(keras.random.dropout(ops.convert_to_tensor(x), rate, seed=seed))


# --- preprocessing ----------------------------------------------------------------------------

def standardize(x, mean=None, std=None, axis=0):
    """keras.layers.Normalization over the examples axis: adapt(x), or the given mean and
    variance std**2; every axis but ``axis`` is a feature axis of the layer."""
    x = np.asarray(x)
    axis = axis % x.ndim
    features = tuple(a for a in range(x.ndim) if a != axis)
    dtype = _float_dtype(x)
    if mean is None and std is None:
        layer = keras.layers.Normalization(axis=features, dtype=dtype)
        layer.adapt(x)
    else:
        layer = keras.layers.Normalization(axis=features, mean=np.asarray(mean),
                                           variance=np.square(np.asarray(std, dtype=np.float64)),
                                           dtype=dtype)
    return _np(layer(x))


def one_hot(labels, num_classes=None):
    """keras.utils.to_categorical(labels, num_classes)."""
    return _np(keras.utils.to_categorical(labels, num_classes))


# --- distances --------------------------------------------------------------------------------

def pairwise_distances(a, b=None, metric="euclidean"):
    """keras.ops.cdist(a, b): the Euclidean distance, the only metric keras.ops.cdist has."""
    if metric != "euclidean":
        raise ValueError(f"metric {metric!r}: keras.ops.cdist computes only the 'euclidean' distance")
    return _np(ops.cdist(a, a if b is None else b))


# --- rnn --------------------------------------------------------------------------------------

def rnn_forward(x, U, W, V, s0=None):
    """keras.layers.SimpleRNN(tanh, no bias, return_sequences) with kernel U^T and recurrent
    kernel W^T, then keras.layers.Dense(softmax, no bias) with kernel V^T."""
    x, U, W, V = (np.asarray(a) for a in (x, U, W, V))
    dtype = _float_dtype(x, U, W, V, *([] if s0 is None else [s0]))
    hidden = U.shape[0]
    cell = keras.layers.SimpleRNN(hidden, use_bias=False, return_sequences=True, dtype=dtype)
    dense = keras.layers.Dense(V.shape[0], activation="softmax", use_bias=False, dtype=dtype)
    batch = x[None].astype(dtype)
    cell.build(batch.shape)
    cell.set_weights([U.T, W.T])
    dense.build((None, hidden))
    dense.set_weights([V.T])
    initial = None if s0 is None else [np.asarray(s0, dtype=dtype)[None]]
    states = cell(batch, initial_state=initial)
    return _np(states[0]), _np(dense(states)[0])


# --- conv -------------------------------------------------------------------------------------

def _pair(value):
    return (value, value) if np.ndim(value) == 0 else tuple(value)


def _pad(x, padding, value):
    """keras.ops.pad of the two spatial axes of an NHWC batch, symmetric."""
    ph, pw = _pair(padding)
    return ops.pad(_t(x), [(0, 0), (ph, ph), (pw, pw), (0, 0)], constant_values=value)


def conv2d(x, kernel, stride=1, padding=0):
    """keras.ops.conv(pad(x), kernel, strides=stride, padding="valid"), channels last."""
    return _np(ops.conv(_pad(x, padding, 0), _t(kernel), strides=_pair(stride), padding="valid",
                        data_format="channels_last"))


def max_pool2d(x, pool_size, stride=None, padding=0):
    """keras.ops.max_pool of x padded with -inf, "valid"."""
    stride = pool_size if stride is None else stride
    return _np(ops.max_pool(_pad(x, padding, -np.inf), _pair(pool_size), strides=_pair(stride),
                            padding="valid", data_format="channels_last"))


def avg_pool2d(x, pool_size, stride=None, padding=0):
    """keras.ops.average_pool of x padded with zeros (the zeros counted), "valid"."""
    stride = pool_size if stride is None else stride
    return _np(ops.average_pool(_pad(x, padding, 0), _pair(pool_size), strides=_pair(stride),
                                padding="valid", data_format="channels_last"))


def conv2d_transpose(x, kernel, stride=1, padding=0):
    """keras.ops.conv_transpose(x, kernel, strides=stride, padding="valid", output_padding=0),
    kernel (kh, kw, out, in) as keras's, cropped by ``padding`` on each side."""
    ph, pw = _pair(padding)
    out = _np(ops.conv_transpose(_t(x), _t(kernel), strides=_pair(stride), padding="valid",
                                 output_padding=0, data_format="channels_last"))
    return out[:, ph:out.shape[1] - ph, pw:out.shape[2] - pw, :]


# --- style ------------------------------------------------------------------------------------

def content_loss(y_hat, y):
    """keras.losses.mean_squared_error over every element (both flattened)."""
    return _np(keras.losses.mean_squared_error(np.ravel(y), np.ravel(y_hat)))


def style_loss(y_hat_gram, gram_y):
    """keras.losses.mean_squared_error over every element of the two Gram matrices."""
    return _np(keras.losses.mean_squared_error(np.ravel(gram_y), np.ravel(y_hat_gram)))


# --- boxes ------------------------------------------------------------------------------------

def _box_dtype(boxes) -> str:
    return _float_dtype(boxes)


def box_corner_to_center(boxes):
    """keras.utils.bounding_boxes.convert_format(boxes, "xyxy", "center_xywh")."""
    return _np(bounding_boxes.convert_format(boxes, source="xyxy", target="center_xywh",
                                             dtype=_box_dtype(boxes)))


def box_center_to_corner(boxes):
    """keras.utils.bounding_boxes.convert_format(boxes, "center_xywh", "xyxy")."""
    return _np(bounding_boxes.convert_format(boxes, source="center_xywh", target="xyxy",
                                             dtype=_box_dtype(boxes)))


def box_iou(boxes1, boxes2):
    """keras.utils.bounding_boxes.compute_iou(boxes1, boxes2, "xyxy")."""
    return _np(bounding_boxes.compute_iou(boxes1, boxes2, bounding_box_format="xyxy"))


def offset_boxes(anchors, assigned_bb, eps=1e-6):
    """keras.utils.bounding_boxes.encode_box_to_deltas("xyxy", encoding_format="center_xywh",
    variance=[0.1, 0.1, 0.2, 0.2]). Keras has no ``eps``: it is not applied (log(w'/w))."""
    return _np(bounding_boxes.encode_box_to_deltas(anchors, assigned_bb, anchor_format="xyxy",
                                                   box_format="xyxy", encoding_format="center_xywh",
                                                   variance=_BOX_VARIANCE))


def offset_inverse(anchors, offset_preds):
    """keras.utils.bounding_boxes.decode_deltas_to_boxes("xyxy", encoded_format="center_xywh",
    variance=[0.1, 0.1, 0.2, 0.2])."""
    return _np(bounding_boxes.decode_deltas_to_boxes(anchors, offset_preds, anchor_format="xyxy",
                                                     box_format="xyxy", encoded_format="center_xywh",
                                                     variance=_BOX_VARIANCE))
