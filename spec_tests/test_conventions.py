"""tfref's API conventions (docs/contract.md, preamble), one property per contract function.

Level "conventions": these are tfref's habits, not maths. An implementation that computes every
value right but returns float64 for float32 input fails here and nowhere else.

- Dtype (``<function>_keeps_the_input_dtype``): each function is called on small, valid, fixed
  inputs three times: as float32 arrays, as float64 arrays and as Python lists (or Python
  numbers). Its floating outputs must be float32, float64 and float32: "works in float32 by
  default and honours float64 (float64 in, float64 out)". Where the contract fixes another dtype
  the property says so in its name and checks that instead: integer counts and indices
  (``_returns_integers``), float32 arrays whatever the input (``_returns_float32``), float64
  finite differences (``_returns_float64``).
- Batches (``<function>_of_a_batch_equals_each_row_alone`` and the like): where the contract
  gives a function an axis (``axis=-1``, "along axis 0", "(n, h, w, c) for a batch", boxes of
  shape (..., 4)), a batch along the other axes gives, row by row, what each row gives alone.
- Arguments (``<function>_writes_none_of_its_arguments``): "never writes to its arguments";
  every float32 and float64 array passed (and each array in a list passed) is as it was after
  the call. The update rules are checked over several steps in the updates family.

Empty input is validation (it raises ValueError) and is checked by the errors family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from spec_tests.impl import MissingFunction
from spec_tests.registry import spec_property
from spec_tests.tolerances import assert_close

#: The three ways of passing the same numbers, and the floating dtype the contract then expects.
KINDS: tuple[tuple[str, type | None, str], ...] = (
    ("float32", np.float32, "float32"),
    ("float64", np.float64, "float64"),
    ("Python-list", None, "float32"),
)

#: The rule each output of a function follows.
#:   input    float32 / float64 / float32 for the three KINDS (dtype out equals dtype in)
#:   float32  float32 whatever the input
#:   float64  float64 whatever the input
#:   integer  any integer dtype (counts, indices, sizes)
RULES = ("input", "float32", "float64", "integer")


def _a(values, dtype):
    """``values`` as an array of ``dtype``, or as (nested) Python floats when dtype is None."""
    array = np.asarray(values, dtype=np.float64)
    return array.tolist() if dtype is None else array.astype(dtype)


@dataclass(frozen=True)
class Case:
    """How to call one contract function, and what dtype each of its outputs must have."""

    make_args: Callable  # dtype (np.float32, np.float64 or None for Python lists) -> (args, kwargs)
    rule: str | tuple = "input"  # one of RULES, or a tuple of them, one per output
    contract: str = "dtype out equals dtype in; float32 by default"  # the contract's words
    kinds: tuple = (np.float32, np.float64, None)  # which of KINDS to call it with
    inputs: str = "input"  # what the arguments are, for the messages ("labels")

    def __post_init__(self):
        rules = self.rule if isinstance(self.rule, tuple) else (self.rule,)
        if not set(rules) <= set(RULES):
            raise ValueError(f"unknown dtype rule in {self.rule!r}; known: {RULES}")


def _x(values):
    """A case of one array argument."""
    return lambda d: ((_a(values, d),), {})


def _xs(*values, **kwargs):
    """A case of several array arguments (every one in the same kind) and fixed keywords."""
    return lambda d: (tuple(_a(v, d) for v in values), dict(kwargs))


X1 = [-1.5, -0.5, 0.0, 0.5, 2.0]
ROWS = [[-1.0, 0.0, 2.0], [0.5, 0.5, -3.0]]
P, Q = [0.2, 0.3, 0.5], [0.25, 0.25, 0.5]
ONE_HOT_ROWS = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
Q_ROWS = [[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]]
BOXES = [[0.1, 0.2, 0.5, 0.6], [0.0, 0.0, 1.0, 1.0], [0.4, 0.1, 0.9, 0.5]]
ANCHORS = [[0.0, 0.0, 0.5, 0.5], [0.1, 0.1, 0.6, 0.7], [0.5, 0.5, 1.0, 1.0]]
IMAGE = np.arange(16.0).reshape(1, 4, 4, 1) / 8 - 1
LABELS = [0.0, 1.0, 1.0, 2.0, 0.0]
PREDICTED = [0.0, 1.0, 2.0, 2.0, 1.0]

_SAME_LABELS = ("a rate of class labels; the contract fixes no dtype for float64 labels, which "
                "are not checked")


def _rnn(d, with_labels=False):
    x = _a(np.eye(3)[[0, 2]], d)  # T = 2 one-hot steps
    U = _a([[0.5, -0.3, 0.2], [0.1, 0.4, -0.2]], d)
    W = _a([[0.3, -0.1], [0.2, 0.1]], d)
    V = _a([[0.4, -0.5], [0.3, 0.2], [-0.1, 0.6]], d)
    if with_labels:
        return (x, _a([1.0, 2.0], d), U, W, V), {}
    return (x, U, W, V), {}


def _multibox_target(d):
    labels = [[[0.0, 0.1, 0.1, 0.55, 0.6], [1.0, 0.5, 0.45, 1.0, 0.95]]]
    return (_a(ANCHORS, d), _a(labels, d)), {}


def _central_difference(d):
    def f(v):
        v = np.asarray(v, dtype=np.float64)
        return float(np.sum(v * v) + v[0])

    return (f, _a([0.5, -1.0], d)), {}


CASES: dict[str, Case] = {
    # activations
    **{name: Case(_x(X1)) for name in (
        "threshold", "threshold_derivative", "sigmoid", "sigmoid_derivative", "tanh",
        "tanh_derivative", "linear", "linear_derivative", "relu", "relu_derivative",
        "leaky_relu", "leaky_relu_derivative")},
    "maxout": Case(lambda d: ((_a([[1.0, -2.0, 3.0, 0.0], [0.5, 4.0, -1.0, 2.0]], d), 2), {})),
    "softmax": Case(_x(ROWS)),
    "log_softmax": Case(_x(ROWS)),
    "softmax_jacobian": Case(_x(ROWS)),
    # information
    "self_information": Case(_x(P)),
    "entropy": Case(_x(P)),
    "joint_entropy": Case(_x([[0.1, 0.2], [0.3, 0.4]])),
    "cross_entropy": Case(_xs(P, Q)),
    "kl_divergence": Case(_xs(P, Q)),
    # distributions
    "bernoulli_pmf": Case(_xs([0.0, 1.0, 1.0], [0.3, 0.6, 0.9])),
    "bernoulli_log_likelihood": Case(_xs([0.0, 1.0, 1.0], [0.3, 0.6, 0.9])),
    "binomial_pmf": Case(_xs([0.0, 2.0, 3.0], [3.0, 3.0, 3.0], [0.3, 0.5, 0.7])),
    "multinomial_pmf": Case(_xs([2.0, 1.0, 0.0], P)),
    "beta_pdf": Case(_xs([0.2, 0.5, 0.8], 2.0, 3.0)),
    "beta_bernoulli_posterior": Case(_xs(2.0, 3.0, [1.0, 0.0, 1.0, 1.0]), rule=("input", "input")),
    # losses
    "binary_cross_entropy": Case(_xs([0.0, 1.0, 1.0], [0.2, 0.7, 0.9])),
    "binary_cross_entropy_with_logits": Case(_xs([0.0, 1.0, 1.0], [-1.0, 0.5, 2.0])),
    **{name: Case(_xs([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]], [[1.5, 2.0, 2.0], [0.0, 1.0, 3.0]]))
       for name in ("squared_error", "mean_squared_error", "absolute_error",
                    "mean_absolute_error")},
    "exponential_loss": Case(_xs([-1.0, 1.0, 1.0], [0.5, -0.3, 2.0])),
    "hinge_loss": Case(_xs([-1.0, 1.0, 1.0], [0.5, -0.3, 2.0])),
    "zero_one_loss": Case(_xs([0.0, 1.0, 2.0], [0.0, 2.0, 2.0])),
    "categorical_cross_entropy": Case(_xs(ONE_HOT_ROWS, Q_ROWS)),
    "softmax_cross_entropy_with_logits": Case(_xs(ONE_HOT_ROWS, ROWS)),
    "l2_loss": Case(_x(X1)),
    # averages
    "ewma": Case(lambda d: ((_a([1.0, 2.0, 4.0, 3.0], d), 0.9), {"bias_correction": True})),
    "ewma_weights": Case(lambda d: ((0.9, 4), {}), rule="float32", kinds=(None,),
                         inputs="numbers", contract="float32 by default (no array to follow)"),
    # metrics
    "confusion_matrix": Case(_xs(LABELS, PREDICTED), rule="integer", inputs="labels",
                             contract="k x k integer counts"),
    "accuracy": Case(_xs(LABELS, PREDICTED), inputs="labels"),
    "error_rate": Case(_xs(LABELS, PREDICTED), inputs="labels"),
    **{name: Case(_xs(LABELS, PREDICTED), rule="float32", kinds=(np.float32, None), inputs="labels",
                  contract=f"float32 by default; {_SAME_LABELS}")
       for name in ("recall", "precision", "false_positive_rate", "false_rejection_rate")},
    # calculus
    "central_difference": Case(_central_difference, rule="float64",
                               contract="the gradient by central differences, in float64"),
    # updates
    "sgd_update": Case(lambda d: ((_a([1.0, -2.0], d), _a([0.5, 0.25], d), 0.1), {})),
    "momentum_update": Case(lambda d: ((_a([1.0, -2.0], d), _a([0.5, 0.25], d),
                                        _a([0.1, 0.0], d), 0.1), {}), rule=("input", "input")),
    "rmsprop_update": Case(lambda d: ((_a([1.0, -2.0], d), _a([0.5, 0.25], d),
                                       _a([0.1, 0.2], d), 0.1), {}), rule=("input", "input")),
    "adam_update": Case(lambda d: ((_a([1.0, -2.0], d), _a([0.5, 0.25], d), _a([0.1, 0.0], d),
                                    _a([0.01, 0.02], d), 3, 0.1), {}),
                        rule=("input", "input", "input")),
    "newton_step": Case(_xs([1.0, 2.0], [0.5, -1.0], [[2.0, 0.5], [0.5, 1.0]])),
    "exponential_decay": Case(lambda d: ((_a(0.1, d), 5, 10, 0.5), {}),
                              contract="the dtype of lr0; float32 for a Python number"),
    "inverse_time_decay": Case(lambda d: ((_a(0.1, d), 5, 10, 0.5), {}),
                               contract="the dtype of lr0; float32 for a Python number"),
    # dropout
    "inverted_dropout": Case(lambda d: ((_a(ROWS, d), 0.5, 3), {})),
    # preprocessing
    "standardize": Case(_x([[1.0, 2.0], [3.0, 5.0], [4.0, 9.0]])),
    "mean_impute": Case(_x([[1.0, np.nan], [3.0, 4.0], [np.nan, 8.0]])),
    "one_hot": Case(lambda d: ((_a([0.0, 2.0, 1.0], d),), {"num_classes": 3}), rule="float32",
                    inputs="labels", contract="a float32 array whatever the labels' dtype"),
    # distances
    "pairwise_distances": Case(_xs([[0.0, 0.0], [1.0, 2.0]], [[1.0, 1.0], [3.0, 0.0], [0.0, 2.0]])),
    "gaussian_pdf": Case(_xs([0.5, 1.0, -1.0], 0.0, 2.0)),
    "gaussian_density": Case(_xs([[0.5, 1.0], [0.0, -1.0]], [0.0, 0.5], [1.0, 2.0])),
    # style
    "gram_matrix": Case(_x(np.arange(12.0).reshape(2, 3, 2) / 6 - 1)),
    "content_loss": Case(_xs([[[1.0], [2.0]], [[0.0], [-1.0]]], [[[0.5], [2.0]], [[1.0], [-1.0]]])),
    "style_loss": Case(_xs([[1.0, 0.5], [0.5, 2.0]], [[0.8, 0.4], [0.4, 2.5]])),
    "total_variation_loss": Case(_x(np.arange(9.0).reshape(3, 3, 1) ** 2 / 10)),
    # boxes
    "box_corner_to_center": Case(_x(BOXES)),
    "box_center_to_corner": Case(_x([[0.3, 0.4, 0.4, 0.4], [0.5, 0.5, 1.0, 0.2]])),
    "box_iou": Case(_xs(BOXES, ANCHORS)),
    "multibox_prior": Case(lambda d: ((2, 2, _a([0.75, 0.5], d), _a([1.0, 2.0], d)), {}),
                           contract="the dtype of sizes and ratios; float32 for Python lists"),
    "assign_anchor_to_bbox": Case(_xs(BOXES[:2], ANCHORS), rule="integer",
                                  contract="(a,) int: the index of a box, or -1"),
    "offset_boxes": Case(_xs(ANCHORS, BOXES)),
    "offset_inverse": Case(_xs(ANCHORS, [[0.1, -0.2, 0.3, 0.0], [0.0, 0.5, -0.4, 0.2],
                                         [1.0, 0.0, 0.0, -1.0]])),
    "multibox_target": Case(_multibox_target, rule=("input", "input", "integer"),
                            contract="offsets and mask in the dtype of the input; classes are "
                                     "class indices (integers)"),
    "nms": Case(lambda d: ((_a(BOXES, d), _a([0.9, 0.8, 0.7], d), 0.5), {}), rule="integer",
                contract="the indices kept (integers)"),
    "roi_pool": Case(lambda d: ((_a(IMAGE, d), _a([[0.0, 0.0, 0.0, 3.0, 3.0]], d), 2), {})),
    "roi_pool_bilinear": Case(lambda d: ((_a(IMAGE, d), _a([[0.0, 0.0, 0.0, 3.0, 3.0]], d), 2),
                                         {})),
    # conv
    "conv_output_size": Case(lambda d: ((7, 3), {"padding": 1, "stride": 2}), rule="integer",
                             kinds=(None,), inputs="numbers",
                             contract="floor((n + 2p - k) / s) + 1, an int"),
    "conv2d": Case(_xs(IMAGE[:, :3, :3], [[[[1.0]], [[-0.5]]], [[[0.25]], [[2.0]]]])),
    "max_pool2d": Case(lambda d: ((_a(IMAGE, d), 2), {})),
    "avg_pool2d": Case(lambda d: ((_a(IMAGE, d), 2), {})),
    "conv2d_transpose": Case(_xs(IMAGE[:, :2, :2], [[[[1.0]], [[-0.5]]], [[[0.25]], [[2.0]]]])),
    "bilinear_kernel": Case(lambda d: ((1, 1, 4), {}), rule="float32", kinds=(None,),
                            inputs="numbers", contract="a float32 (size, size, out, in) kernel"),
    # rnn
    "rnn_forward": Case(_rnn, rule=("input", "input")),
    "rnn_bptt": Case(lambda d: _rnn(d, with_labels=True), rule=("input",) * 4),
    "clip_by_global_norm": Case(lambda d: (([_a([3.0, 4.0], d), _a([[1.0, 2.0]], d)], 1.0), {}),
                                rule=("input", "input")),
    # trees
    "information_gain": Case(_xs([0.0, 1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 1.0, 2.0]),
                             contract="float64 when feature_values is float64, float32 otherwise"),
    "gini_impurity": Case(_x([0.0, 1.0, 1.0, 2.0]), rule="float32", inputs="labels",
                          contract="a float32 scalar whatever the labels' dtype"),
}


def _kind_words(label: str, inputs: str) -> str:
    """"float32 input", "Python-list labels", "Python numbers"..."""
    return "Python numbers" if inputs == "numbers" else f"{label} {inputs}"


def _wrong(dtype: np.dtype, rule: str, expected_float: str) -> str | None:
    """What is wrong with an output of ``dtype`` under ``rule``, or None."""
    if rule == "integer":
        return None if np.issubdtype(dtype, np.integer) else "an integer dtype"
    expected = {"input": expected_float, "float32": "float32", "float64": "float64"}[rule]
    return None if dtype == np.dtype(expected) else expected


def _check_outputs(output, rule, expected_float: str, which: str, problems: list[str]) -> None:
    """Walk the (nested) outputs and the rule per output; record each wrong dtype."""
    if isinstance(rule, tuple):
        if not isinstance(output, tuple | list) or len(output) != len(rule):
            length = len(output) if isinstance(output, tuple | list) else 1
            problems.append(f"{len(rule)} outputs expected, got {length}")
            return
        for index, (part, part_rule) in enumerate(zip(output, rule)):
            _check_outputs(part, part_rule, expected_float, f"{which} {index + 1} of {len(rule)}",
                           problems)
        return
    if isinstance(output, tuple | list):  # a list of arrays (clip_by_global_norm's grads)
        for index, part in enumerate(output):
            _check_outputs(part, rule, expected_float, f"{which} (item {index})", problems)
        return
    dtype = np.asarray(output).dtype
    expected = _wrong(dtype, rule, expected_float)
    if expected is not None:
        problems.append(f"{dtype.name} {which}, expected {expected}")


def _call(name: str, function: Callable, args, kwargs, what: str):
    """Call ``function``; an exception it raises gets a note saying which call raised it.

    It stays the implementation's exception (not an assertion of the property): the runner
    reports it as such, and the meta-tests do not count it as a catch.
    """
    try:
        return function(*args, **kwargs)
    except MissingFunction:
        raise
    except Exception as error:
        error.add_note(f"{name}: raised on {what}")
        raise


def _rule_words(rule) -> str:
    rules = set(rule) if isinstance(rule, tuple) else {rule}
    if rules == {"input"}:
        return "keeps_the_input_dtype"
    if rules == {"integer"}:
        return "returns_integers"
    if rules == {"float32"}:
        return "returns_float32"
    if rules == {"float64"}:
        return "returns_float64"
    return "keeps_the_input_dtype"  # mixed: floats follow the input, the rest as stated


def _make_dtype_property(name: str, case: Case):
    def prop(impl):
        problems: list[str] = []
        for label, dtype, expected_float in KINDS:
            if dtype not in case.kinds:
                continue
            args, kwargs = case.make_args(dtype)
            what = _kind_words(label, case.inputs)
            output = _call(name, getattr(impl, name), args, kwargs,
                           f"{what} (the contract: every function takes array-likes, float32 "
                           f"by default, and float64)")
            found: list[str] = []
            _check_outputs(output, case.rule, expected_float, "output", found)
            problems += [f"{what} gave {problem}" for problem in found]
        assert not problems, (f"{name}: " + "; ".join(problems)
                              + f" (the contract: {case.contract})")

    prop.__name__ = f"test_{name}_{_rule_words(case.rule)}"
    prop.__qualname__ = prop.__name__
    kinds = ", ".join(_kind_words(label, case.inputs) for label, dtype, _ in KINDS
                      if dtype in case.kinds)
    prop.__doc__ = f"{name} on small valid inputs ({kinds}): {case.contract}."
    return spec_property(requires=[name], level="conventions")(prop)


for _name, _case in CASES.items():
    _test = _make_dtype_property(_name, _case)
    globals()[_test.__name__] = _test


# --------------------------------------------------------------------------------------------
# Batches: where the contract gives a function an axis, the other axes are a batch.
# --------------------------------------------------------------------------------------------

def _stack(parts):
    """Stack the per-row results along a new leading axis."""
    return np.stack([np.asarray(p, dtype=np.float64) for p in parts])


@dataclass(frozen=True)
class Batch:
    """A batch of rows for one function, the arguments that stay fixed, and what it promises."""

    rows: Callable  # () -> tuple of float64 arrays, each with the batch on its leading axis
    call: Callable  # (impl_function, *row_args) -> output
    contract: str
    words: str = "of_a_batch_equals_each_row_alone"


VALUE_ROWS = np.array([[0.3, -1.2, 2.0, 0.1], [1.5, 0.0, -0.5, 0.7], [-2.0, 0.4, 0.4, 1.0]])
P_ROWS = np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]])
Q_BATCH = np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4], [0.5, 0.2, 0.2, 0.1]])
LABEL_ROWS = np.eye(4)[[2, 0, 3]]
SERIES = np.array([[1.0, -2.0, 0.5], [2.0, 0.0, 0.5], [4.0, 3.0, -1.0], [3.0, 1.0, 2.0],
                   [0.0, -1.0, 1.5]])


def _one(x):
    return lambda: (x,)


BATCHES: dict[str, Batch] = {
    "softmax": Batch(_one(VALUE_ROWS), lambda f, x: f(x),
                     "softmax normalises over axis=-1; each row is a vector"),
    "log_softmax": Batch(_one(VALUE_ROWS), lambda f, x: f(x),
                         "log_softmax normalises over axis=-1; each row is a vector"),
    "softmax_jacobian": Batch(_one(VALUE_ROWS), lambda f, x: f(x),
                              "one (n, n) Jacobian per row: shape (..., n, n)"),
    "maxout": Batch(_one(VALUE_ROWS), lambda f, x: f(x, 2),
                    "maxout groups axis=-1; each row is grouped alone"),
    "entropy": Batch(_one(P_ROWS), lambda f, p: f(p), "entropy sums over axis=-1, one per row"),
    "cross_entropy": Batch(lambda: (P_ROWS, Q_BATCH), lambda f, p, q: f(p, q),
                           "cross_entropy sums over axis=-1, one per row"),
    "kl_divergence": Batch(lambda: (P_ROWS, Q_BATCH), lambda f, p, q: f(p, q),
                           "kl_divergence sums over axis=-1, one per row"),
    "multinomial_pmf": Batch(lambda: (np.array([[2.0, 1.0, 0.0, 1.0], [0.0, 0.0, 3.0, 1.0],
                                                [1.0, 1.0, 1.0, 1.0]]), P_ROWS),
                             lambda f, counts, p: f(counts, p),
                             "multinomial_pmf over the last axis, one per row"),
    "mean_squared_error": Batch(lambda: (VALUE_ROWS, VALUE_ROWS[::-1]),
                                lambda f, y, yhat: f(y, yhat),
                                "the mean reduces axis=-1: one loss per sample"),
    "mean_absolute_error": Batch(lambda: (VALUE_ROWS, VALUE_ROWS[::-1]),
                                 lambda f, y, yhat: f(y, yhat),
                                 "the mean reduces axis=-1: one loss per sample"),
    "categorical_cross_entropy": Batch(lambda: (LABEL_ROWS, Q_BATCH), lambda f, y, q: f(y, q),
                                       "categorical losses reduce axis=-1: one loss per sample"),
    "softmax_cross_entropy_with_logits": Batch(
        lambda: (LABEL_ROWS, VALUE_ROWS), lambda f, y, z: f(y, z),
        "categorical losses reduce axis=-1: one loss per sample"),
    "gaussian_density": Batch(
        lambda: (VALUE_ROWS[:, :3],),
        lambda f, x: f(x, np.array([0.0, 0.5, -0.5]), np.array([1.0, 2.0, 0.5])),
        "the product over the last axis (features): shape x.shape[:-1]"),
    "gram_matrix": Batch(lambda: (np.arange(36.0).reshape(3, 2, 3, 2) % 7 / 3 - 1,),
                         lambda f, x: f(x), "a batch (n, h, w, c) gives one Gram matrix per image",
                         words="of_a_batch_equals_each_image_alone"),
    "box_corner_to_center": Batch(lambda: (np.array([BOXES, ANCHORS]),), lambda f, b: f(b),
                                  "boxes of shape (..., 4): each set converts alone",
                                  words="of_a_batch_equals_each_set_alone"),
    "box_center_to_corner": Batch(lambda: (np.array([BOXES, ANCHORS]),), lambda f, b: f(b),
                                  "boxes of shape (..., 4): each set converts alone",
                                  words="of_a_batch_equals_each_set_alone"),
}


def _make_batch_property(name: str, batch: Batch):
    def prop(impl):
        function = getattr(impl, name)
        rows = batch.rows()
        together = _call(name, lambda *r: batch.call(function, *r), rows, {},
                         f"a batch of {len(rows[0])} ({batch.contract})")
        alone = _stack([batch.call(function, *(r[i] for r in rows)) for i in range(len(rows[0]))])
        assert_close(together, alone, dtype="float64",
                     what=f"{name} of a batch of {len(rows[0])} vs each one alone (the "
                          f"contract: {batch.contract})")

    prop.__name__ = f"test_{name}_{batch.words}"
    prop.__qualname__ = prop.__name__
    prop.__doc__ = f"{batch.contract} (float64 input)."
    return spec_property(requires=[name], level="conventions")(prop)


def _make_ewma_property():
    def test_ewma_of_a_2d_series_equals_each_column_alone(impl):
        """ewma runs along axis 0: the columns of a (T, d) series are d series (float64)."""
        for correction in (False, True):
            together = _call("ewma", impl.ewma, (SERIES, 0.8), {"bias_correction": correction},
                             "a (5, 3) series (the contract: ewma runs along axis 0)")
            alone = np.stack([np.asarray(impl.ewma(SERIES[:, j], 0.8, bias_correction=correction))
                              for j in range(SERIES.shape[1])], axis=1)
            assert_close(together, alone, dtype="float64",
                         what=f"ewma(bias_correction={correction}) of a (5, 3) series vs each "
                              f"column alone (the contract: ewma runs along axis 0)")

    return spec_property(requires=["ewma"], level="conventions")(
        test_ewma_of_a_2d_series_equals_each_column_alone)


for _name, _batch in BATCHES.items():
    _test = _make_batch_property(_name, _batch)
    globals()[_test.__name__] = _test

test_ewma_of_a_2d_series_equals_each_column_alone = _make_ewma_property()


# --------------------------------------------------------------------------------------------
# Arguments: no function writes to the caller's arrays.
# --------------------------------------------------------------------------------------------

#: Covered in the updates family, with a state carried over several steps.
_UPDATE_RULES = ("sgd_update", "momentum_update", "rmsprop_update", "adam_update")


def _arrays_in(value, where: str):
    """(where, array) for every NumPy array in ``value`` (lists and tuples walked)."""
    if isinstance(value, np.ndarray):
        yield where, value
    elif isinstance(value, tuple | list):
        for index, part in enumerate(value):
            yield from _arrays_in(part, f"{where}[{index}]")


def _make_arguments_property(name: str, case: Case):
    def prop(impl):
        changed: list[str] = []
        for label, dtype, _ in KINDS:
            if dtype is None or dtype not in case.kinds:
                continue
            args, kwargs = case.make_args(dtype)
            arrays = [*_arrays_in(list(args), "argument"),
                      *_arrays_in(list(kwargs.values()), "keyword")]
            before = [(where, array.copy()) for where, array in arrays]
            _call(name, getattr(impl, name), args, kwargs, f"{label} arrays")
            changed += [f"{where} ({label}) {kept.tolist()} became {array.tolist()}"
                        for (where, kept), (_, array) in zip(before, arrays, strict=True)
                        if not np.array_equal(array, kept, equal_nan=True)]
        assert not changed, (f"{name} wrote to the caller's arrays: " + "; ".join(changed)
                             + " (every function returns new arrays and leaves its arguments "
                               "as they were)")

    prop.__name__ = f"test_{name}_writes_none_of_its_arguments"
    prop.__qualname__ = prop.__name__
    prop.__doc__ = (f"{name} on float32 and float64 arrays: every array passed (and each array "
                    f"in a list passed) is unchanged after the call, NaN included.")
    return spec_property(requires=[name], level="conventions")(prop)


for _name, _case in CASES.items():
    if _name not in _UPDATE_RULES and set(_case.kinds) & {np.float32, np.float64}:
        _test = _make_arguments_property(_name, _case)
        globals()[_test.__name__] = _test
