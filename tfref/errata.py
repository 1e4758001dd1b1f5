"""Errata: where the source documents are wrong, each entry shown by a property or a computation.

Every entry is cited by ``line``, "seed:line" in shared/seeds (e.g. "004:143"), and is of one of
three kinds:

- ``"formula"``: the documents' (wrong) form and the correct form as callables, and a property
  the correct form satisfies and the wrong one breaks: ``holds(fn, sample) -> bool`` for one
  input, ``samples`` a fixed set of inputs. The ``errata`` topic checks both forms on the
  samples; tests/test_errata.py checks them on inputs hypothesis draws.
- ``"figure"``: a value the document states (or a statement it makes) beside the value computed
  by tfref or an independent library (``figures(seed) -> list[Figure]``).
- ``"text"``: a statement about prose (a mistranslation, an unsupported or wrong reason). Where a
  computation can show it, ``figures`` computes one; where none can, ``text_only`` says why.

Numbers 1-10 are design/topics.md's errata (9 is also shown by the chapter C ``bpn`` topic);
11-41 are the errors of design/fidelity.md section B, in seed:line order. ``confidence`` is
"moderate" where the correction is a judgement (then ``right_text`` gives both readings).
docs/errata.md is the reader's version.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy


@dataclass(frozen=True)
class Figure:
    """One computed value beside the correct one (and the document's, where it states one).

    ``relation`` says how ``computed`` is judged against ``correct``: "close" (within ``atol +
    rtol |correct|``), "equal", "greater" or "less" (``correct`` is then a bound).
    """

    what: str
    computed: Any
    correct: Any
    document: Any = None
    relation: str = "close"
    rtol: float = 1e-9
    atol: float = 0.0

    def holds(self) -> bool:
        if self.relation == "close":
            return bool(np.allclose(self.computed, self.correct, rtol=self.rtol, atol=self.atol))
        if self.relation == "equal":
            return self.computed == self.correct
        if self.relation == "greater":
            return float(self.computed) > float(self.correct)
        if self.relation == "less":
            return float(self.computed) < float(self.correct)
        raise ValueError(f"relation must be close, equal, greater or less; got {self.relation!r}")

    def document_differs(self) -> bool | None:
        """Whether the document's number is off the computed one (None: it states no number)."""
        if not isinstance(self.document, int | float) or isinstance(self.document, bool):
            return None
        return not math.isclose(float(self.document), float(self.computed), rel_tol=1e-3,
                                abs_tol=1e-12)


@dataclass(frozen=True)
class Erratum:
    number: int
    line: str  # "seed:line" in shared/seeds where the error stands
    topic: str
    wrong_text: str  # what the document says
    right_text: str  # the correction
    kind: str = "formula"  # "formula", "figure" or "text"
    property_text: str = ""
    wrong: Callable | None = None
    right: Callable | None = None
    holds: Callable[[Callable, object], bool] | None = None
    samples: Sequence = ()
    figures: Callable[[int], list[Figure]] | None = None
    also: tuple[str, ...] = ()  # further lines with the same error
    quote: str = ""  # a verbatim snippet of the seed line (tests check it is there)
    confidence: str = "high"
    text_only: str = ""  # for a "text" entry with no figure: why no computation can show it

    @property
    def seed(self) -> str:
        return self.line.split(":")[0]

    @property
    def where(self) -> str:
        """The line and the further lines, e.g. "002:1294, 003:267"."""
        return ", ".join((self.line, *self.also))

    @property
    def how_shown(self) -> str:
        if self.kind == "formula":
            return f"property: {self.property_text}"
        if self.figures is not None:
            return "computed figure" if self.kind == "figure" else "text; computed figure"
        return f"text only: {self.text_only}"

    def violations(self, fn: Callable) -> list:
        """The samples on which ``fn`` breaks the property."""
        if self.holds is None:
            raise ValueError(f"erratum {self.number} ({self.line}) is a {self.kind} entry, "
                             "with no property; use its figures")
        return [s for s in self.samples if not self.holds(fn, s)]


# 1 and 2: tanh ---------------------------------------------------------------------------------
def tanh_right(x):
    """tanh = (e^x - e^-x) / (e^x + e^-x)."""
    x = np.asarray(x, dtype=np.float64)
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def tanh_as_coth(x):
    """Seed 000's form (e^x + e^-x) / (e^x - e^-x): that is coth, unbounded near 0."""
    x = np.asarray(x, dtype=np.float64)
    return (np.exp(x) + np.exp(-x)) / (np.exp(x) - np.exp(-x))


def tanh_misparenthesised(x):
    """Seed 002's form (1-exp(-2x)/(1+exp(-2x))) read as written: 1 - e^-2x / (1 + e^-2x)."""
    x = np.asarray(x, dtype=np.float64)
    return 1 - np.exp(-2 * x) / (1 + np.exp(-2 * x))


def tanh_parenthesised(x):
    """The intended form (1 - e^-2x) / (1 + e^-2x), which equals tanh."""
    x = np.asarray(x, dtype=np.float64)
    return (1 - np.exp(-2 * x)) / (1 + np.exp(-2 * x))


def _is_tanh(fn, x) -> bool:
    """fn(x) lies in (-1, 1), equals numpy's tanh, and fn is odd at x."""
    value = float(fn(x))
    return abs(value) < 1 and math.isclose(value, math.tanh(x), rel_tol=1e-9, abs_tol=1e-12) and \
        math.isclose(float(fn(-x)), -value, rel_tol=1e-9, abs_tol=1e-12)


# 3 and 4: KL divergence and cross-entropy ----------------------------------------------------------
def kl_right(p, q):
    """KL(p || q) = sum p log(p / q), 0 log 0 = 0."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    return float(np.sum(xlogy(p, p) - xlogy(p, q)))


def kl_wrong_sign(p, q):
    """Seed 000's KL = -sum p log(p / q): never positive."""
    return -kl_right(p, q)


def _entropy(p):
    p = np.asarray(p, np.float64)
    return float(-np.sum(xlogy(p, p)))


def cross_entropy_right(p, q):
    """H(p, q) = H(p) + KL(p || q)."""
    return _entropy(p) + kl_right(p, q)


def cross_entropy_wrong(p, q):
    """Seed 000's 'cross-entropy = KL - entropy'."""
    return kl_right(p, q) - _entropy(p)


def _kl_nonnegative_and_zero_iff_equal(fn, pq) -> bool:
    p, q = pq
    value = fn(p, q)
    equal = np.allclose(p, q, atol=1e-12)
    return value >= -1e-12 and (abs(value) < 1e-9 if equal else value > 0)


def _is_cross_entropy(fn, pq) -> bool:
    p, q = pq
    definition = float(-np.sum(xlogy(np.asarray(p, np.float64), np.asarray(q, np.float64))))
    return math.isclose(fn(p, q), definition, rel_tol=1e-9, abs_tol=1e-12)


# 5: which penalty gives sparse solutions ---------------------------------------------------------
def l1_solution(w_least_squares, lam):
    """With an orthonormal design, argmin 1/2||w - w_ls||^2 + lam ||w||_1 = soft threshold."""
    w = np.asarray(w_least_squares, np.float64)
    return np.sign(w) * np.maximum(np.abs(w) - lam, 0.0)


def l2_solution(w_least_squares, lam):
    """With an orthonormal design, argmin 1/2||w - w_ls||^2 + lam/2 ||w||^2 = w_ls / (1 + lam)."""
    return np.asarray(w_least_squares, np.float64) / (1.0 + lam)


def _sparse(solve, sample) -> bool:
    """The penalised solution is exactly zero wherever the least-squares weight is within lam."""
    w, lam = sample
    solution = solve(w, lam)
    small = np.abs(w) <= lam
    return bool(np.all(solution[small] == 0.0)) and bool(small.any())


# 6: Bernoulli log-likelihood ---------------------------------------------------------------------
def bernoulli_log_likelihood_right(x, p):
    """sum x ln p + (1 - x) ln(1 - p)."""
    x = np.asarray(x, np.float64)
    return float(np.sum(x * np.log(p) + (1 - x) * np.log(1 - p)))


def bernoulli_log_likelihood_wrong(x, p):
    """Seed 001's sum x ln p + (1 - x)(1 - p): the second log is missing."""
    x = np.asarray(x, np.float64)
    return float(np.sum(x * np.log(p) + (1 - x) * (1 - p)))


_P_GRID = np.linspace(0.001, 0.999, 999)


def _maximised_at_mean(fn, x) -> bool:
    """The maximum-likelihood estimate is the sample mean (to the grid spacing 0.001)."""
    values = [fn(x, p) for p in _P_GRID]
    return abs(_P_GRID[int(np.argmax(values))] - float(np.mean(x))) <= 0.0011


# 7: the sign of the gradient step ----------------------------------------------------------------
def step_descent(w, gradient, eta):
    """w - eta * gradient."""
    return w - eta * gradient


def step_ascent(w, gradient, eta):
    """Seed 001's w + eta * gradient."""
    return w + eta * gradient


def _lowers_quadratic(step, sample) -> bool:
    """On f(w) = sum a_i (w_i - c_i)^2 with a_i > 0, one small step lowers f."""
    w, a, c = (np.asarray(v, np.float64) for v in sample)
    f = lambda v: float(np.sum(a * (v - c) ** 2))  # noqa: E731
    gradient = 2 * a * (w - c)
    eta = 0.1 / float(np.max(a))
    return f(step(w, gradient, eta)) < f(w)


# 8: counting examples in mini-batches ------------------------------------------------------------
def examples_right(batches, batch_size):
    return batches * batch_size


def examples_as_written(batches, batch_size):
    """Seed 004: '5000 x 1000 is 50 million' (a factor of 10 too many)."""
    return 10 * batches * batch_size


def _counts_examples(fn, sample) -> bool:
    """m examples in batches of b make ceil(m / b) mini-batches, which hold m examples again."""
    m, b = sample
    batches = math.ceil(m / b)
    return fn(batches, b) == m if m % b == 0 else fn(batches, b) - m < b


# 10: (1 - eps)^(1/eps) and 1/e -------------------------------------------------------------------
def decay_after_window(eps):
    """(1 - eps)^(1/eps): the weight left after 1/eps steps of an EWMA with beta = 1 - eps."""
    return (1 - eps) ** (1 / eps)


def one_over_e(eps):
    """Seed 004's approximation: 1/e whatever eps."""
    return 1 / math.e


def _exact_decay(fn, eps) -> bool:
    return math.isclose(fn(eps), (1 - eps) ** (1 / eps), rel_tol=1e-12)


def _probability_pairs() -> list:
    rng = np.random.default_rng(0)
    pairs = []
    for n in (2, 3, 5, 8):
        p = rng.dirichlet(np.ones(n))
        q = rng.dirichlet(np.ones(n))
        pairs += [(p, q), (q, p)]
    pairs.append((np.array([0.5, 0.5]), np.array([0.9, 0.1])))
    return pairs


# 9: the BPN's weight and bias steps --------------------------------------------------------------
def _sigmoid(h):
    return 1.0 / (1.0 + np.exp(-h))


def _bpn_deltas(X, Y, W, b):
    """002's output-layer delta (Yhat - Y) sigmoid'(h) for one sigmoid layer, h = X W + b."""
    s = _sigmoid(X @ W + b)
    return (s - Y) * s * (1 - s)


def bpn_update_002(X, Y, W, b):
    """002:1114-1118: the weight step uses X^T delta (summed over the batch), the bias step
    mean(delta) (averaged): (dW, db)."""
    delta = _bpn_deltas(X, Y, W, b)
    return X.T @ delta, delta.mean(axis=0)


def bpn_update_one_rule(X, Y, W, b):
    """One convention for both: the gradient of J = 1/2 sum (Yhat - Y)^2, (X^T delta, sum delta)."""
    delta = _bpn_deltas(X, Y, W, b)
    return X.T @ delta, delta.sum(axis=0)


def _squared_error(X, Y, W, b) -> float:
    return 0.5 * float(np.sum((_sigmoid(X @ W + b) - Y) ** 2))


def _numerical_gradient(X, Y, W, b, eps=1e-6):
    """Central differences of J with respect to W and b (an oracle independent of the deltas)."""
    grads = []
    for index, param in ((0, W), (1, b)):
        g = np.zeros_like(param)
        for k in np.ndindex(param.shape):
            up, down = [W.copy(), b.copy()], [W.copy(), b.copy()]
            up[index][k] += eps
            down[index][k] -= eps
            g[k] = (_squared_error(X, Y, *up) - _squared_error(X, Y, *down)) / (2 * eps)
        grads.append(g)
    return grads


def _update_follows_gradient(update, sample) -> bool:
    """The step (dW, db) is one multiple of J's gradient: one learning rate for every parameter."""
    X, Y, W, b = sample
    step = np.concatenate([np.ravel(v) for v in update(X, Y, W, b)])
    grad = np.concatenate([np.ravel(v) for v in _numerical_gradient(X, Y, W, b)])
    if float(grad @ grad) < 1e-20:  # at a stationary point any rule takes no step
        return bool(np.allclose(step, 0.0, atol=1e-9))
    scale = float(step @ grad) / float(grad @ grad)
    return bool(np.allclose(step, scale * grad, rtol=1e-4, atol=1e-7 * np.abs(grad).max()))


def _bpn_samples() -> tuple:
    rng = np.random.default_rng(9)
    samples = []
    for n in (4, 16):
        X = rng.normal(size=(n, 3))
        Y = (rng.random((n, 2)) < 0.5).astype(np.float64)
        samples.append((X, Y, rng.normal(size=(3, 2)), rng.normal(size=(1, 2))))
    return tuple(samples)


# 11: the neuron's bias -------------------------------------------------------------------------
def activation_bias_once(w, x, b) -> float:
    """A = sum_i w[i] x[i] + b."""
    return float(np.dot(np.asarray(w, np.float64), np.asarray(x, np.float64)) + b)


def activation_bias_per_input(w, x, b) -> float:
    """Seed 000's A = sum_i (w[i] x[i] + b): the bias is added once per input."""
    return float(np.sum(np.asarray(w, np.float64) * np.asarray(x, np.float64) + b))


def _bias_enters_once(fn, sample) -> bool:
    """Raising the bias from 0 to b raises the activation by exactly b."""
    w, x, b = sample
    return math.isclose(fn(w, x, b) - fn(w, x, 0.0), b, rel_tol=1e-9, abs_tol=1e-9)


# 23: singular value decomposition --------------------------------------------------------------
def svd_product_right(m):
    """U Sigma V^T from numpy.linalg.svd (which returns V^T as its third value)."""
    u, s, vt = np.linalg.svd(np.asarray(m, np.float64))
    return u @ np.diag(s) @ vt


def svd_product_as_written(m):
    """Seed 002's M = U Sigma V, with V the matrix of right singular vectors (columns)."""
    u, s, vt = np.linalg.svd(np.asarray(m, np.float64))
    return u @ np.diag(s) @ vt.T


def _reconstructs(fn, m) -> bool:
    m = np.asarray(m, np.float64)
    return bool(np.allclose(fn(m), m, rtol=1e-9, atol=1e-9 * (1 + np.abs(m).max())))


# 26: the sign of the BPN error -----------------------------------------------------------------
def bpn_step_code(X, Y, W, eta):
    """002's code (1105): error = Yhat - Y, delta = error sigmoid'(h), W <- W - eta X^T delta."""
    s = _sigmoid(X @ W)
    return W - eta * X.T @ ((s - Y) * s * (1 - s))


def bpn_step_text(X, Y, W, eta):
    """002's text (1050): error = Y - Yhat, with the code's W <- W - eta X^T delta."""
    s = _sigmoid(X @ W)
    return W - eta * X.T @ ((Y - s) * s * (1 - s))


def _step_lowers_squared_error(step, sample) -> bool:
    """Off a stationary point, one small step lowers J = 1/2 sum (sigmoid(X W) - Y)^2."""
    X, Y, W = sample
    J = lambda v: 0.5 * float(np.sum((_sigmoid(X @ v) - Y) ** 2))  # noqa: E731
    eta = 0.1 / (1.0 + float(np.sum(X**2)))
    s = _sigmoid(X @ W)
    gradient = X.T @ ((s - Y) * s * (1 - s))
    if eta * float(np.sum(gradient**2)) < 1e-12 * (1.0 + J(W)):
        return True  # (near) stationary: no step has to lower J
    return J(step(X, Y, W, eta)) < J(W)


# 27: the step a summary is logged at -----------------------------------------------------------
def logged_step_right(i, j, batch_size, batch_count):
    """Update j of epoch i is update number i * batch_count + j."""
    return i * batch_count + j


def logged_step_as_written(i, j, batch_size, batch_count):
    """002:1136 logs update j of epoch i at i * batch_size + j."""
    return i * batch_size + j


def _steps_count_updates(fn, sample) -> bool:
    """Over the whole run the logged steps are 0, 1, ..., epochs * batch_count - 1: no gap, no
    two updates on one step."""
    epochs, batch_size, batch_count = sample
    steps = [fn(i, j, batch_size, batch_count) for i in range(epochs) for j in range(batch_count)]
    return steps == list(range(epochs * batch_count))


# 30: L2Loss ------------------------------------------------------------------------------------
def l2loss_gluon(pred, label) -> float:
    """002:1296-1300's code (MXNet Gluon L2Loss, weight 1) averaged over a batch of scalars:
    mean(1/2 (label - pred)^2)."""
    return float(np.mean(0.5 * (np.asarray(label, np.float64) - np.asarray(pred, np.float64)) ** 2))


def l2loss_as_described(pred, label) -> float:
    """002:1294 / 003:267: the squared differences, summed and averaged (mean squared error)."""
    return float(np.mean((np.asarray(label, np.float64) - np.asarray(pred, np.float64)) ** 2))


def _gradient_is_mean_residual(fn, sample) -> bool:
    """d loss / d pred = (pred - label) / n by central differences: the 1/2 cancels the square's
    2, the 'easy to differentiate' of 002:1294."""
    pred, label = (np.asarray(v, np.float64) for v in sample)
    eps, numerical = 1e-6, np.empty_like(pred)
    for k in range(pred.size):
        up, down = pred.copy(), pred.copy()
        up[k] += eps
        down[k] -= eps
        numerical[k] = (fn(up, label) - fn(down, label)) / (2 * eps)
    return bool(np.allclose(numerical, (pred - label) / pred.size, rtol=1e-5, atol=1e-6))


# 34: global average pooling --------------------------------------------------------------------
def global_average_pool(x):
    """Mean over the positions of an (H, W, C) or (N, H, W, C) feature map."""
    return np.mean(np.asarray(x, np.float64), axis=(-3, -2))


def global_sum_pool(x):
    """Seed 003:153's 'sum over all positions'."""
    return np.sum(np.asarray(x, np.float64), axis=(-3, -2))


def _constant_map_pools_to_itself(fn, sample) -> bool:
    """A map holding c at every one of its H x W positions pools to c, whatever H and W."""
    c, h, w = sample
    return bool(np.allclose(fn(np.full((h, w, 1), c)), [c], rtol=1e-12, atol=1e-12))


# 36: the mini-batch cost -----------------------------------------------------------------------
LAYERS = 3  # the l of 004:31 read as the layer count (004 uses l for the layer index)


def minibatch_cost_right(losses) -> float:
    """J^{t} = 1/1000 sum_{i=1}^{1000} L(yhat_i, y_i): the mean loss over the mini-batch."""
    losses = np.asarray(losses, np.float64)
    return float(np.sum(losses) / losses.size)


def minibatch_cost_as_written(losses) -> float:
    """004:31's 1/1000 sum_{i=1}^{l} L(yhat_i, y_i), l read as the layer count (3)."""
    losses = np.asarray(losses, np.float64)
    return float(np.sum(losses[:LAYERS]) / losses.size)


def _cost_is_mean_loss(fn, losses) -> bool:
    """A batch whose examples all have loss c costs c, and reordering the batch changes nothing."""
    losses = np.asarray(losses, np.float64)
    c = float(losses[0])
    return math.isclose(fn(np.full_like(losses, c)), c, rel_tol=1e-9, abs_tol=1e-12) and \
        math.isclose(fn(losses[::-1]), fn(losses), rel_tol=1e-9, abs_tol=1e-12)


# Figures: each function computes the values an entry shows; ``seed`` drives any random draw ------
def _fig_bias_dense(seed: int) -> list[Figure]:
    import keras

    rng = np.random.default_rng(seed)
    w, x, b = rng.normal(size=4), rng.normal(size=4), 0.75
    dense = keras.layers.Dense(1, dtype="float64")
    dense.build((None, 4))
    dense.set_weights([w.reshape(4, 1), np.array([b])])
    output = float(np.asarray(dense(x.reshape(1, 4)))[0, 0])
    return [Figure("keras Dense(1) output with 4 inputs equals sum w x + b (bias once)", output,
                   activation_bias_once(w, x, b), document=activation_bias_per_input(w, x, b),
                   rtol=1e-12, atol=1e-12)]


def _fig_sigmoid_chain(seed: int) -> list[Figure]:
    import tensorflow as tf

    x = tf.constant(0.0, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = x
        for _ in range(5):  # five layers, each at sigmoid's steepest point (input 0)
            z = tf.sigmoid(z) - 0.5
    gradient = float(tape.gradient(z, x))
    return [Figure("gradient through five sigmoid layers at their steepest point "
                   "(tf.GradientTape) = 0.25^5", gradient, 0.0009765625, document=0.0009,
                   rtol=1e-12)]


def _relu_input_gain(scale: float, seed: int, depth: int = 20, width: int = 32) -> float:
    """|dL/dx| / |dL/dh_out| (RMS) of a depth-layer ReLU net whose weights are scale x He."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    weights = [tf.constant(rng.normal(0, scale * np.sqrt(2 / width), (width, width)))
               for _ in range(depth)]
    x = tf.constant(rng.normal(size=(16, width)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = x
        for w in weights:
            h = tf.nn.relu(h @ w)
        loss = tf.reduce_sum(h)  # dL/dh_out = 1 everywhere
    return float(tf.norm(tape.gradient(loss, x))) / math.sqrt(16 * width)


def _fig_relu_explodes(seed: int) -> list[Figure]:
    # Seeds 0-4: gain 1.27e6-3.27e6 at 2 x He (bound 1e5, an order of magnitude below the least);
    # at He init |log10 gain| 0.08-0.49 (bound 1).
    return [
        Figure("20 ReLU layers, weights 2 x He: the gradient at the input is > 1e5 times the "
               "output's (tf.GradientTape): ReLU does not prevent explosion", _relu_input_gain(2.0, seed),
               1e5, document="prevents exploding", relation="greater"),
        Figure("20 ReLU layers at He init: |log10 gain| < 1 (ReLU keeps the gradient from "
               "vanishing)", abs(math.log10(_relu_input_gain(1.0, seed))), 1.0, relation="less"),
    ]


# Zhou's watermelon 2.0, feature "texture" (as in tfref.ops.information_gain's example).
_MELON_LABELS = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
_MELON_TEXTURE = [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 2, 2, 1, 1, 0, 2, 1]


def _fig_information_gain(seed: int) -> list[Figure]:
    from sklearn.metrics import mutual_info_score

    from tfref import ops

    gain = float(ops.information_gain(_MELON_LABELS, np.asarray(_MELON_TEXTURE, np.float64), base=2))
    oracle = mutual_info_score(_MELON_LABELS, _MELON_TEXTURE) / math.log(2)
    return [Figure("Gain(D, texture) with weights |D^v| / |D| (tfref.ops.information_gain) equals "
                   "sklearn's mutual_info_score, 0.381 bits (watermelon 2.0)", gain, oracle,
                   document="weights written Dv/D", rtol=1e-9)]


def _fig_q_not_distribution(seed: int) -> list[Figure]:
    from tfref import ops

    q = np.array([0.9, 0.3, 0.2])
    try:
        ops.kl_divergence([1.0, 0.0, 0.0], q)
        refused = "accepted"
    except ValueError:
        refused = "ValueError"
    p = np.array([0.6, 0.3, 0.1])
    return [
        Figure("sum of the document's q = [0.9, 0.3, 0.2] (numpy) is not 1", float(np.sum(q)), 1.0,
               document="a predicted distribution", relation="greater"),
        Figure("tfref.ops.kl_divergence refuses that q", refused, "ValueError", relation="equal"),
        Figure("with that q, sum p log(p / q) for p = (0.6, 0.3, 0.1) is negative (scipy rel_entr): "
               "Gibbs' inequality needs a distribution", float(np.sum(xlogy(p, p) - xlogy(p, q))), 0.0,
               relation="less"),
    ]


def _fig_kl_part_of_ce(seed: int) -> list[Figure]:
    import keras
    from scipy.stats import entropy

    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.5, 0.3])
    ce = float(keras.losses.categorical_crossentropy(p[None], q[None])[0])
    kl = float(entropy(p, q))
    return [
        Figure("H(p, q) - KL(p || q) (keras categorical cross-entropy minus scipy's KL) equals H(p)",
               ce - kl, float(entropy(p)), rtol=1e-6),
        Figure("KL(p || q) / H(p, q) < 1: KL is the part of cross-entropy, not the reverse", kl / ce,
               1.0, document="cross-entropy is part of KL", relation="less"),
    ]


def _fig_no_minimum(seed: int) -> list[Figure]:
    import tensorflow as tf

    x, eta, steps = tf.Variable(0.0, dtype=tf.float64), 0.25, 40
    f = lambda v: v + tf.exp(v)  # noqa: E731  f'(x) = 1 + e^x > 0 everywhere
    smallest_slope, f0 = math.inf, float(f(x))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            value = f(x)
        slope = float(tape.gradient(value, x))
        smallest_slope = min(smallest_slope, slope)
        x.assign_sub(eta * slope)
    return [
        Figure("f(x) = x + e^x (f' > 0): after 40 gradient steps (eta 0.25, tf.GradientTape) f has "
               "fallen by more than 40 eta: no minimum to converge to", f0 - float(f(x)), steps * eta,
               document="an example of a model with no analytic solution", relation="greater"),
        Figure("f' along that run stays above 1", smallest_slope, 1.0, relation="greater"),
    ]


@functools.lru_cache(maxsize=1)
def _breast_cancer():
    """Standardised breast-cancer features, 0/1 labels, and a logistic regression's P(y = 1)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer()
    X, y = StandardScaler().fit_transform(data.data), data.target.astype(np.float64)
    model = LogisticRegression(solver="newton-cholesky", max_iter=200).fit(X, y)
    return X, y, model.predict_proba(X)[:, 1]


def _fig_logistic_not_linear(seed: int) -> list[Figure]:
    from sklearn.linear_model import LinearRegression

    X, y, proba = _breast_cancer()
    ols = LinearRegression().fit(X, y).predict(X)
    outside = float(np.mean((ols < 0) | (ols > 1)))
    # Breast cancer (569 examples, standardised; no randomness): 31.3% outside (bound 20%).
    return [
        Figure("least squares on the 0/1 labels of breast cancer (sklearn LinearRegression) "
               "predicts outside [0, 1] for more than 20% of examples", outside, 0.2,
               document="a special case of linear regression", relation="greater"),
        Figure("logistic regression (sklearn) keeps every probability inside (0, 1): "
               "min(p, 1 - p) > 0", float(np.min(np.minimum(proba, 1 - proba))), 0.0,
               relation="greater"),
    ]


def _fig_h_in_unit_interval(seed: int) -> list[Figure]:
    from sklearn.metrics import log_loss

    _, y, h = _breast_cancer()
    piecewise = np.where(y == 1, -np.log(h), -np.log(1 - h))
    return [
        Figure("h_theta(x) of logistic regression on breast cancer (sklearn) takes more than two "
               "values", len(np.unique(h)), 2, document="only 0 and 1", relation="greater"),
        Figure("the piecewise cost (-log h if y = 1, -log(1 - h) if y = 0) averaged equals "
               "sklearn's log_loss: the combined formula holds because y is 0 or 1",
               float(np.mean(piecewise)), log_loss(y, h), rtol=1e-9),
    ]


def _fig_naive_bayes(seed: int) -> list[Figure]:
    from scipy.stats import norm
    from sklearn.datasets import load_iris
    from sklearn.naive_bayes import GaussianNB

    X, y = load_iris(return_X_y=True)
    model = GaussianNB().fit(X, y)
    # prior x likelihood by hand (scipy), from the fitted means and variances
    joint = model.class_prior_[None, :] * np.prod(
        norm.pdf(X[:, None, :], model.theta_[None], np.sqrt(model.var_[None])), axis=2)
    evidence = joint.sum(axis=1, keepdims=True)  # P(B): one number per example, every class
    return [
        Figure("argmax over classes of P(A) P(B|A) (scipy) equals GaussianNB.predict on iris: "
               "share of agreement (P(B) is not needed to predict)",
               float(np.mean(np.argmax(joint, axis=1) == model.predict(X))), 1.0, relation="equal"),
        Figure("P(A) P(B|A) / P(B) equals GaussianNB.predict_proba: P(B) is the normalising "
               "evidence", joint / evidence, model.predict_proba(X), document="P(B) is the value to predict",
               rtol=1e-6, atol=1e-9),
    ]


def _fig_least_squares(seed: int) -> list[Figure]:
    from scipy.stats import pearsonr
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    data = load_diabetes()
    x, y = data.data[:, 2], data.target  # BMI -> disease progression
    x, y = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    ols = float(LinearRegression().fit(x[:, None], y).coef_[0])
    _, _, vt = np.linalg.svd(np.column_stack([x, y]), full_matrices=False)
    tls = float(vt[0, 1] / vt[0, 0])  # direction of the principal axis
    vertical = lambda k: float(np.sum((y - k * x) ** 2))  # noqa: E731
    perpendicular = lambda k: vertical(k) / (1 + k * k)  # noqa: E731
    return [
        Figure("least-squares slope on standardised diabetes BMI (sklearn) equals Pearson's r "
               "(scipy)", ols, float(pearsonr(x, y)[0]), rtol=1e-9),
        Figure("slope of the line minimising squared perpendicular (Euclidean) distances, the "
               "document's description (total least squares, numpy SVD)", tls, 1.0,
               document="least squares = least sum of Euclidean distances", rtol=1e-9),
        Figure("sum of squared vertical residuals, least-squares line / perpendicular line < 1",
               vertical(ols) / vertical(tls), 1.0, relation="less"),
        Figure("sum of squared perpendicular distances, perpendicular line / least-squares "
               "line < 1", perpendicular(tls) / perpendicular(ols), 1.0, relation="less"),
    ]


def _fig_softmax_jacobian(seed: int) -> list[Figure]:
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    logits = tf.constant(np.vstack([rng.normal(0, 3, (200, 5)), [[20.0, 0, 0, 0, 0]]]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        out = tf.nn.softmax(logits)
    jacobians = tape.batch_jacobian(out, logits, experimental_use_pfor=False)
    norms = np.linalg.norm(np.asarray(jacobians), ord=2, axis=(1, 2))
    return [
        Figure("largest spectral norm of softmax's Jacobian over 200 random logit vectors "
               "(tf.GradientTape) is at most 1/2: bounded whatever the outputs' size",
               float(norms[:-1].max()), 0.5 + 1e-12,
               document="outputs small, so gradients not too large", relation="less"),
        Figure("at saturated logits (20, 0, 0, 0, 0) the Jacobian's norm is below 1e-6: softmax "
               "can make gradients vanish", float(norms[-1]), 1e-6, relation="less"),
    ]


def _fig_bounded_output(seed: int) -> list[Figure]:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    X, y = load_diabetes(return_X_y=True)  # targets 25 .. 346
    bound = float(np.mean((y - np.clip(y, 0.0, 1.0)) ** 2))  # no sigmoid output does better
    linear = float(np.mean((LinearRegression().fit(X, y).predict(X) - y) ** 2))
    # Deterministic (no randomness): 28771 / 2860 = 10.1; bound 5.
    return [Figure("diabetes targets (25-346): the least MSE any sigmoid-output model can reach "
                   "(targets clipped to [0, 1]) over a linear model's MSE (sklearn) is > 5",
                   bound / linear, 5.0, document="use sigmoid or tanh for regression",
                   relation="greater")]


def _fig_weight_decay(seed: int) -> list[Figure]:
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import PolynomialFeatures

    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, 12)
    y = np.sin(2 * np.pi * x) + rng.normal(0, 0.2, 12)
    x_test = np.linspace(0, 1, 200)
    poly = PolynomialFeatures(9, include_bias=False)
    features, test_features = poly.fit_transform(x[:, None]), poly.transform(x_test[:, None])
    train, test, norm = [], [], []
    for lam in (1e-9, 1e-6, 1e-3, 1e-1, 10.0):
        model = Ridge(alpha=lam).fit(features, y)
        train.append(float(np.mean((model.predict(features) - y) ** 2)))
        test.append(float(np.mean((model.predict(test_features) - np.sin(2 * np.pi * x_test)) ** 2)))
        norm.append(float(np.linalg.norm(model.coef_)))
    rises = float(np.mean(np.diff(train) > 0))
    # Seeds 0-4: best test MSE / test MSE at 1e-9 = 0.008-0.33 (bound 0.67, twice the largest).
    return [
        Figure("degree-9 polynomial, 12 noisy points, ridge (sklearn) lambda 1e-9 .. 10: ||w|| "
               "falls at every step", float(np.mean(np.diff(norm) < 0)), 1.0, relation="equal"),
        Figure("... and the training MSE rises at every step: smaller weights fit the training "
               "data worse", rises, 1.0, document="fit the data better", relation="equal"),
        Figure("... while the best test MSE over lambda > 1e-9 is below 0.67 x the test MSE at "
               "lambda = 1e-9: they generalise better", min(test[1:]) / test[0], 0.67,
               relation="less"),
    ]


def _fig_dropout_average(seed: int) -> list[Figure]:
    rng = np.random.default_rng(seed)
    n, keep = 8, 0.5  # 8 inputs dropped with probability 1/2, 16 hidden units, 4 input vectors
    X, w1, w2 = rng.normal(size=(4, n)), rng.normal(size=(16, n)), rng.normal(size=16)
    masks = np.array(list(itertools.product((0.0, 1.0), repeat=n)))  # all 256 sub-networks
    prob = keep ** masks.sum(axis=1) * (1 - keep) ** (n - masks.sum(axis=1))

    def gap(act):  # |exact average over sub-networks - full network| / mean |full network|
        sub = act((masks[:, None, :] * X[None] / keep) @ w1.T) @ w2  # (256, 4)
        full = act(X @ w1.T) @ w2
        return float(np.abs(prob @ sub - full).max() / np.abs(full).mean())

    # Seeds 0-4: ReLU relative gap 0.44-0.81 (bound 0.1); linear 2e-16-6e-16 (atol 1e-12).
    return [
        Figure("linear layers: the full network equals the exact average over all 256 dropout "
               "sub-networks (relative gap)", gap(lambda h: h), 0.0, atol=1e-12),
        Figure("with a ReLU layer the relative gap between the full network and that average is "
               "above 0.1", gap(lambda h: np.maximum(h, 0)), 0.1, document="equal",
               relation="greater"),
    ]


def _fig_covariate_shift(seed: int) -> list[Figure]:
    rng = np.random.default_rng(seed)
    joint = rng.dirichlet(np.ones(8)).reshape(4, 2)  # P(x, y), x in 0..3, y in 0..1
    shifted = joint * rng.uniform(0.2, 3.0, size=(4, 1))  # reweight x only: covariate shift
    shifted /= shifted.sum()
    # Seeds 0-4: largest change of P(x | y) 0.074-0.30 (bound 0.01); of P(y | x) <= 2.3e-16.
    x_given_y = lambda j: j / j.sum(axis=0, keepdims=True)  # noqa: E731
    y_given_x = lambda j: j / j.sum(axis=1, keepdims=True)  # noqa: E731
    return [
        Figure("reweighting x in a joint table P(x, y) (covariate shift) changes P(x | y): "
               "largest change > 0.01", float(np.abs(x_given_y(shifted) - x_given_y(joint)).max()),
               0.01, relation="greater"),
        Figure("... and leaves P(y | x) unchanged: a change of P(x | y) is no concept shift",
               float(np.abs(y_given_x(shifted) - y_given_x(joint)).max()), 0.0,
               document="concept shift: P(y | x) or P(x | y) changes", atol=1e-12),
    ]


def _fig_l2loss(seed: int) -> list[Figure]:
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    pred, label = rng.normal(size=8), rng.normal(size=8)
    tf_value = float(tf.nn.l2_loss(tf.constant(pred - label))) / pred.size
    keras_mse = float(keras.losses.MeanSquaredError()(label[:, None], pred[:, None]))
    return [
        Figure("tf.nn.l2_loss(yhat - y) / n equals Gluon's L2Loss as printed (mean of 1/2 "
               "squared errors)", tf_value, l2loss_gluon(pred, label),
               document=l2loss_as_described(pred, label), rtol=1e-12),
        Figure("keras MeanSquaredError over that L2Loss is 2: MSE is not L2Loss",
               keras_mse / l2loss_gluon(pred, label), 2.0, rtol=1e-5),
    ]


def _fig_global_average_pool(seed: int) -> list[Figure]:
    import keras

    x = np.random.default_rng(seed).normal(size=(2, 5, 5, 3)).astype(np.float32)
    pooled = np.asarray(keras.layers.GlobalAveragePooling2D()(x))
    return [Figure("keras GlobalAveragePooling2D on a 5 x 5 map equals the mean over positions "
                   "(the sum is 25 times it)", pooled, global_average_pool(x),
                   document="sums over all positions", rtol=1e-5, atol=1e-6)]


def _fig_l1_outliers(seed: int) -> list[Figure]:
    import keras

    zeros = np.zeros((1, 10))
    residuals = lambda r: np.array([[0.1] * 9 + [r]])  # noqa: E731  one outlier of size r
    mae = lambda r: float(keras.losses.mean_absolute_error(zeros, residuals(r))[0])  # noqa: E731
    mse = lambda r: float(keras.losses.mean_squared_error(zeros, residuals(r))[0])  # noqa: E731
    return [
        Figure("L1 loss (keras MAE) with one outlier of 100 over the same with 10: > 5, it "
               "grows with the outlier", mae(100) / mae(10), 5.0, document="insensitive",
               relation="greater"),
        Figure("L2 (keras MSE) grows more than 5 times faster than L1 over that change",
               (mse(100) / mse(10)) / (mae(100) / mae(10)), 5.0, relation="greater"),
    ]


def _fig_mean_loss(seed: int) -> list[Figure]:
    import keras

    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.normal(size=(1000, 1)), rng.normal(size=(1000, 1))
    losses = (y_true - y_pred)[:, 0] ** 2
    keras_cost = float(keras.losses.MeanSquaredError()(y_true, y_pred))
    return [Figure("keras' loss of a 1000-example mini-batch (MeanSquaredError) equals 1/1000 "
                   "sum over all 1000 examples", keras_cost, minibatch_cost_right(losses),
                   document=minibatch_cost_as_written(losses), rtol=1e-6)]


def _fig_day_180(seed: int) -> list[Figure]:
    day = lambda year: datetime.date(year, 1, 1) + datetime.timedelta(days=179)  # noqa: E731
    return [Figure("day 180 of 2015 and of leap year 2016 (datetime)",
                   f"{day(2015):%d %B}, {day(2016):%d %B}", "29 June, 28 June",
                   document="late May", relation="equal")]


def _fig_ewma_window(seed: int) -> list[Figure]:
    from tfref import ops

    w = np.asarray(ops.ewma_weights(np.float64(0.9), 11))  # theta_1 .. theta_11
    return [Figure("weight 10 steps back over today's (tfref.ops.ewma_weights, beta 0.9) = 0.9^10 "
                   "= 0.3487, beside 1/e = 0.3679 [the document: about 0.35, about 1/e]",
                   float(w[0] / w[-1]), 0.3486784401, rtol=1e-9)]


def _fig_ewma_weight_99(seed: int) -> list[Figure]:
    from tfref import ops

    w = np.asarray(ops.ewma_weights(np.float64(0.9), 100))  # theta_1 .. theta_100
    return [Figure("weight of theta_99 in v_100 (tfref.ops.ewma_weights, beta 0.9) = 0.1 x 0.9",
                   float(w[-2]), 0.09, document=0.1 * 0.9**2, rtol=1e-9),
            Figure("weight of theta_98 = 0.1 x 0.9^2 (as 004:137 writes)", float(w[-3]), 0.081,
                   rtol=1e-9)]


def _fig_ewma_sum(seed: int) -> list[Figure]:
    from tfref import ops

    total = lambda t: float(np.sum(ops.ewma_weights(np.float64(0.9), t)))  # noqa: E731
    corrected = np.asarray(ops.ewma(np.ones(10), np.float64(0.9), bias_correction=True))
    plain = np.asarray(ops.ewma(np.ones(10), np.float64(0.9)))
    return [
        Figure("sum of the EWMA weights after 10 steps (tfref.ops.ewma_weights) = 1 - 0.9^10",
               total(10), 1 - 0.9**10, document="1 or close to 1", rtol=1e-9),
        Figure("... after 100 steps = 1 - 0.9^100 (close to 1, as the document says)", total(100),
               1 - 0.9**100, rtol=1e-9),
        Figure("bias correction divides by that sum: the corrected EWMA of ten 1s is 1 at every "
               "step (tfref.ops.ewma) while the plain one starts at 0.1", corrected,
               plain / (1 - 0.9 ** np.arange(1, 11)), rtol=1e-9),
    ]


def _fig_ewma_third(seed: int) -> list[Figure]:
    from tfref import ops

    w = np.asarray(ops.ewma_weights(np.float64(0.9), 30))[::-1]  # w[k]: weight k days back
    ratio = w / w[0]
    return [
        Figure("weight 10 days back over today's (tfref.ops.ewma_weights) is above a third",
               float(ratio[10]), 1 / 3, document="below a third", relation="greater"),
        Figure("the first day back whose weight is below a third of today's", int(np.argmax(ratio < 1 / 3)),
               11, document=10, relation="equal"),
    ]


def _fig_axis_labels(seed: int) -> list[Figure]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure as PlotFigure

    labels = []
    for second in ("xlabel", "ylabel"):  # 002's calls, then the corrected ones
        ax = PlotFigure().add_subplot()
        ax.set_xlabel("epoch")
        getattr(ax, f"set_{second}")("accuracy")
        labels.append(f"x: {ax.get_xlabel()!r}, y: {ax.get_ylabel()!r}")
    return [
        Figure("axis labels after 002's xlabel('epoch'); xlabel('accuracy') (matplotlib)",
               labels[0], "x: 'accuracy', y: ''", document="xlabel called twice",
               relation="equal"),
        Figure("... and after xlabel('epoch'); ylabel('accuracy')", labels[1],
               "x: 'epoch', y: 'accuracy'", relation="equal"),
    ]


def _rng_samples(seed: int, make) -> tuple:
    rng = np.random.default_rng(seed)
    return tuple(make(rng, k) for k in range(3))


ERRATA: tuple[Erratum, ...] = (
    # -- topics.md's ten ------------------------------------------------------------------------
    Erratum(1, "000:28", "activations", "tanh(x) = (e^x + e^-x) / (e^x - e^-x)",
            "tanh(x) = (e^x - e^-x) / (e^x + e^-x); the written form is coth(x), |coth| > 1",
            property_text="values in (-1, 1), equal to tanh, odd", wrong=tanh_as_coth,
            right=tanh_right, holds=_is_tanh, samples=(-3.0, -1.0, -0.25, 0.1, 0.5, 1.0, 2.0),
            quote="(e^x + e^(−x)) / (e^x − e^(−x))"),
    Erratum(2, "002:858", "activations", "tanh(x) = (1-exp(-2x)/(1+exp(-2x)))",
            "tanh(x) = (1 - e^-2x) / (1 + e^-2x); as written it is 1 - e^-2x/(1 + e^-2x) = sigmoid(2x)",
            property_text="values in (-1, 1), equal to tanh, odd", wrong=tanh_misparenthesised,
            right=tanh_parenthesised, holds=_is_tanh, samples=(-3.0, -1.0, -0.25, 0.1, 0.5, 1.0, 2.0),
            also=("002:862",), quote="(1-exp(-2x)/(1+exp(-2x)))"),
    Erratum(3, "000:184", "information", "KL(p || q) = -sum p log(p / q)",
            "KL(p || q) = sum p log(p / q) >= 0 (Gibbs' inequality)",
            property_text="KL >= 0, and = 0 only when p = q", wrong=kl_wrong_sign, right=kl_right,
            holds=_kl_nonnegative_and_zero_iff_equal, samples=tuple(_probability_pairs()),
            quote="−Σi=1~n (p(x[i]) * log2(p(x[i]) / q(x[i])))"),
    Erratum(4, "000:191", "information", "cross-entropy = KL - entropy",
            "cross-entropy H(p, q) = H(p) + KL(p || q)",
            property_text="equals the definition -sum p log q", wrong=cross_entropy_wrong,
            right=cross_entropy_right, holds=_is_cross_entropy, samples=tuple(_probability_pairs()),
            quote="交叉熵 == 相对熵 - 信息熵"),
    Erratum(5, "002:639", "regularization", "L2 regularisation gives sparse solutions",
            "L1 gives sparse solutions (exact zeros); L2 shrinks every weight without zeroing it",
            property_text="penalised weights are exactly 0 where |least-squares weight| <= lambda",
            wrong=l2_solution, right=l1_solution, holds=_sparse,
            samples=((np.array([0.05, -0.2, 1.5, -3.0]), 0.3), (np.array([0.9, 0.01, -0.4]), 0.5)),
            quote="L2 正则化提供了稀疏的解决方案"),
    Erratum(6, "001:296", "losses", "log-likelihood = sum x ln p + (1 - x)(1 - p)",
            "log-likelihood = sum x ln p + (1 - x) ln(1 - p), maximised at p = mean(x)",
            property_text="maximised at the sample mean", wrong=bernoulli_log_likelihood_wrong,
            right=bernoulli_log_likelihood_right, holds=_maximised_at_mean,
            samples=(np.array([1, 0, 0, 0]), np.array([1, 1, 0, 1, 0]),
                     np.array([0, 0, 1, 0, 0, 0, 0, 1])),
            quote="x\\_ilnp+(1-x\\_i)(1-p)"),
    Erratum(7, "001:84", "descent-step", "w = w + eta * gradient",
            "gradient descent subtracts: w = w - eta * gradient",
            property_text="a small step lowers a convex quadratic loss", wrong=step_ascent,
            right=step_descent, holds=_lowers_quadratic,
            samples=((np.array([1.0, -2.0]), np.array([1.0, 3.0]), np.array([0.0, 0.5])),
                     (np.array([0.3]), np.array([2.0]), np.array([-1.0]))),
            also=("001:111",), quote="新解 = 老解 + 学习率 * 梯度"),
    Erratum(8, "004:13", "gd-variants", "5000 mini-batches of 1000 examples = 50 million examples",
            "5000 x 1000 = 5 million examples (and 5 million in batches of 1000 is 5000 mini-batches)",
            property_text="mini-batches of b from m examples hold m examples",
            wrong=examples_as_written, right=examples_right, holds=_counts_examples,
            samples=((5_000_000, 1000), (60_000, 128), (1000, 1000)), quote="5000乘以1000就是5000万"),
    Erratum(9, "002:1116", "bpn", "BPN step: weights W - eta X^T delta (summed over the batch), "
            "biases b - eta mean(delta) (averaged)",
            "one convention for every parameter (sum or mean); 002's biases learn batch-size times "
            "slower than its weights (the bpn topic trains both rules)",
            property_text="the step (dW, db) is one multiple of the loss gradient "
            "(central differences)", wrong=bpn_update_002, right=bpn_update_one_rule,
            holds=_update_follows_gradient, samples=_bpn_samples(), also=("002:1118",),
            quote="tf.reduce_mean(delta_1, axis=[0])"),
    Erratum(10, "004:147", "ewma", "0.9^10 = 0.349 is about 1/e = 0.368",
            "an approximation, fine as such: 0.9^10 = 0.3487 while 1/e = 0.3679; "
            "(1 - eps)^(1/eps) -> 1/e as eps -> 0",
            property_text="the weight left after 1/eps steps is (1 - eps)^(1/eps) exactly",
            wrong=one_over_e, right=decay_after_window, holds=_exact_decay, samples=(0.1, 0.02, 0.5),
            figures=_fig_ewma_window, quote="大约是$\\frac{1}{e}$"),
    # -- fidelity.md section B, seed 000 -----------------------------------------------------------
    Erratum(11, "000:26", "neuron", "A = sum_i (w[i] x[i] + b)",
            "A = sum_i w[i] x[i] + b: the bias is added once, not once per input",
            property_text="raising the bias from 0 to b raises A by exactly b",
            wrong=activation_bias_per_input, right=activation_bias_once, holds=_bias_enters_once,
            samples=((np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, -0.2]), 0.5),
                     (np.array([1.5]), np.array([2.0]), -1.0),
                     (np.array([0.2, 0.4]), np.array([-1.0, 1.0]), 2.0)),
            figures=_fig_bias_dense, quote="A = ∑i=1-n (w[i] * x[i] + b)"),
    Erratum(12, "000:33", "vanishing-exploding", "0.25^5 = 0.0009",
            "0.25^5 = 0.0009765625 (about 0.001; 0.0009 truncates it)", kind="figure",
            figures=_fig_sigmoid_chain, quote="0.0009"),
    Erratum(13, "000:36", "vanishing-exploding", "ReLU (gradient 0 or 1) prevents both vanishing "
            "and exploding gradients",
            "ReLU helps against vanishing only: the weights still multiply, so large initial "
            "weights explode (clipping or a careful init is the remedy)", kind="figure",
            figures=_fig_relu_explodes, quote="有效地防止梯度消失和梯度爆炸问题"),
    Erratum(14, "000:39", "hidden-size", "hidden units = (n_in + n_out) x 2/3",
            "moderate confidence: the rule usually quoted (Heaton) is 2/3 n_in + n_out, which the "
            "document's bracket misreads; both are rules of thumb (64 -> 10: 49.3 vs 52.7 units)",
            kind="text", confidence="moderate",
            text_only="which rule of thumb is meant is a matter of sources; no computation decides "
            "it (the hidden-size topic sweeps the width instead)",
            quote="（输入大小+输出大小）*2/3"),
    Erratum(15, "000:116", "decision-tree", "Gain(D, a) = Ent(D) - sum_v Dv/D Ent(Dv)",
            "Gain(D, a) = Ent(D) - sum_v |D^v| / |D| Ent(D^v): the weights are subset sizes "
            "(D^v: examples with value v), not sets divided", kind="text",
            figures=_fig_information_gain, quote="Dv/D * Ent(Dv)"),
    Erratum(16, "000:186", "information", "q = [0.9, 0.3, 0.2] as a predicted distribution",
            "it sums to 1.4, so it is no distribution (e.g. [0.7, 0.2, 0.1] is); KL with it can "
            "be negative", kind="figure", figures=_fig_q_not_distribution,
            quote="[0.9，0.3，0.2]"),
    Erratum(17, "000:189", "information", "cross-entropy is part of KL (relative entropy)",
            "KL is part of cross-entropy: H(p, q) = H(p) + KL(p || q)", kind="figure",
            figures=_fig_kl_part_of_ce, quote="交叉熵是相对熵的一部分"),
    # -- seed 001 ----------------------------------------------------------------------------------
    Erratum(18, "001:164", "differentiation", "'derivative always > 0' as a model with no "
            "analytic solution, solved by trial",
            "a function whose derivative is always > 0 has no minimum at all: gradient descent "
            "runs off without converging", kind="text", figures=_fig_no_minimum,
            quote="比如导数永远大于0"),
    Erratum(19, "001:198", "logistic-regression", "logistic regression is a special case of "
            "linear regression", "a generalised linear model: a Bernoulli likelihood with a "
            "logit link, fitted by maximum likelihood, not least squares", kind="text",
            figures=_fig_logistic_not_linear, quote="逻辑回归是线性回归的一种特例"),
    Erratum(20, "001:214", "logistic-regression", "h_theta(x) and y take only the values 0 and 1",
            "y is 0 or 1; h_theta(x) lies in (0, 1). The combined cost equals the piecewise one "
            "because y is 0 or 1", kind="figure", figures=_fig_h_in_unit_interval,
            also=("001:252",), quote="只有0和1两个取值"),
    # -- seed 002 ----------------------------------------------------------------------------------
    Erratum(21, "002:386", "naive-bayes", "P(B) is the value to predict; naive Bayes solves "
            "classification and regression",
            "P(B) is the evidence, the same for every class; the prediction is the class of "
            "largest posterior P(A|B) (naive Bayes is a classifier)", kind="text",
            figures=_fig_naive_bayes, quote="P(B) 为我们要预测的值"),
    Erratum(22, "002:400", "linear-regression", "least squares finds the line whose sum of "
            "Euclidean distances to the points is least",
            "least squares minimises the sum of squared vertical residuals; the least squared "
            "perpendicular distances is orthogonal regression (standardised diabetes BMI: slope "
            "0.586 vs 1.0)", kind="figure", figures=_fig_least_squares, quote="欧式距离和最小"),
    Erratum(23, "002:504", "pca-svd-ica", "M = U Sigma V",
            "M = U Sigma V^T (V's columns are the right singular vectors)",
            property_text="the product reconstructs M", wrong=svd_product_as_written,
            right=svd_product_right, holds=_reconstructs,
            samples=_rng_samples(23, lambda rng, k: rng.normal(size=(k + 2, k + 2))),
            quote="M = UΣV"),
    Erratum(24, "002:960", "activations", "softmax makes the outputs small, so gradients are "
            "not too large",
            "moderate confidence, partly disagreeing with fidelity.md's 'unsupported': softmax's "
            "Jacobian is indeed bounded (norm <= 1/2), but not because the outputs are small, and "
            "saturated softmax makes gradients vanish, which the text omits", kind="text",
            confidence="moderate", figures=_fig_softmax_jacobian, quote="梯度不会过大"),
    Erratum(25, "002:1015", "activations", "for regression, a sigmoid or tanh output is best",
            "a linear output: a bounded output cannot reach targets outside its range (unless the "
            "targets are rescaled into it)", kind="figure", figures=_fig_bounded_output,
            also=("002:1016",), quote="对于回归问题，最好使用 Sigmoid"),
    Erratum(26, "002:1050", "bpn", "error = Y - Yhat (text; the code at 1105 has Yhat - Y)",
            "with W <- W - eta X^T delta the error must be Yhat - Y; the text's sign climbs",
            property_text="a small step lowers 1/2 sum (Yhat - Y)^2", wrong=bpn_step_text,
            right=bpn_step_code, holds=_step_lowers_squared_error,
            samples=_rng_samples(26, lambda rng, k: (rng.normal(size=(5, 3)),
                                                     (rng.random((5, 2)) < 0.5).astype(float),
                                                     rng.normal(size=(3, 2)))),
            also=("002:1105",), quote="error=Y-Yhat"),
    Erratum(27, "002:1136", "tensorboard", "add_summary(..., i * batch_size + j)",
            "i * batch_count + j: with 002's 55 batches of 1000, 550 updates are logged at steps "
            "up to 9054 with gaps; with batch_size < batch_count steps collide",
            property_text="the logged steps are 0 .. epochs x batch_count - 1, no gap, no clash",
            wrong=logged_step_as_written, right=logged_step_right, holds=_steps_count_updates,
            samples=((10, 1000, 55), (3, 32, 1718), (2, 100, 100)),
            quote="i * batch_size + j"),
    Erratum(28, "002:1149", "bpn", "plt.xlabel('epoch') then plt.xlabel('accuracy')",
            "the second call is plt.ylabel('accuracy'); as written the x axis reads 'accuracy' "
            "and the y axis has no label", kind="figure", figures=_fig_axis_labels,
            also=("002:1148",), quote='plt.xlabel("accuracy")'),
    Erratum(29, "002:1260", "regularization", "smaller weights mean a simpler model that fits "
            "the data better",
            "moderate confidence (the Chinese may mean unseen data): smaller weights fit the "
            "training data worse and generalise better", kind="figure", confidence="moderate",
            figures=_fig_weight_decay, quote="对数据的拟合更好"),
    Erratum(30, "002:1294", "losses", "L2Loss = the squared differences summed and averaged "
            "(MSE)",
            "Gluon's L2Loss (the code under 002:1294) is mean(1/2 (y - yhat)^2) = MSE / 2; "
            "tf.nn.l2_loss(t) = sum(t^2) / 2. For 003:267 moderate confidence: calling MSE "
            "'L2 loss' is common usage, but the L2Loss class has the 1/2",
            property_text="d loss / d yhat = (yhat - y) / n (central differences)",
            wrong=l2loss_as_described, right=l2loss_gluon, holds=_gradient_is_mean_residual,
            figures=_fig_l2loss,
            samples=_rng_samples(30, lambda rng, k: (rng.normal(size=k + 2),
                                                     rng.normal(size=k + 2))),
            also=("003:267",), quote="求和平均"),
    # -- seed 003 ----------------------------------------------------------------------------------
    Erratum(31, "003:49", "dropout", "no dropout at test time because test data are less noisy, "
            "so overfitting is unlikely there",
            "wrong reasoning: test data come from the same distribution as training data; "
            "dropout is off at test time to use the whole (averaged) network", kind="text",
            text_only="a claim about reasons: no computation decides why dropout is switched off",
            quote="过拟合在测试阶段不太可能发生"),
    Erratum(32, "003:50", "dropout", "the full network at test time averages all its "
            "dropout sub-networks",
            "exactly only for linear layers; with nonlinear layers the full (weight-scaled) "
            "network approximates the average", kind="figure", figures=_fig_dropout_average,
            quote="对所有这些子网络进行平均"),
    Erratum(33, "003:74", "distribution-shift", "concept shift: P(y | x) or P(x | y) differs",
            "concept shift is a change of P(y | x); a change of P(x | y) alone can be covariate "
            "or label shift", kind="figure", figures=_fig_covariate_shift,
            quote="或给定标签时输入的概率"),
    Erratum(34, "003:153", "pooling", "global average pooling sums over all positions",
            "it averages over them", property_text="a constant map c pools to c",
            wrong=global_sum_pool, right=global_average_pool, holds=_constant_map_pools_to_itself,
            samples=((2.0, 4, 4), (-0.5, 7, 3), (1.5, 1, 1)), figures=_fig_global_average_pool,
            quote="在所有位置上进行求和"),
    Erratum(35, "003:265", "losses", "L1 loss is insensitive to outliers",
            "less sensitive: L1 grows linearly with an outlier, L2 quadratically", kind="figure",
            figures=_fig_l1_outliers, quote="L1损失对于异常值不敏感"),
    # -- seed 004 ----------------------------------------------------------------------------------
    Erratum(36, "004:31", "gd-variants", "J = 1/1000 sum_{i=1}^{l} L(yhat_i, y_i)",
            "sum over i = 1 .. 1000, the mini-batch (l is the layer index of the penalty term)",
            property_text="a batch of equal losses c costs c; order does not matter",
            wrong=minibatch_cost_as_written, right=minibatch_cost_right, holds=_cost_is_mean_loss,
            samples=_rng_samples(36, lambda rng, k: rng.exponential(size=(1000, 10, 3)[k])),
            figures=_fig_mean_loss, also=("004:33",), quote="\\sum_{i = 1}^{l}"),
    Erratum(37, "004:39", "gd-variants", "'if you have a lost training set'",
            "'a large training set' (a mistranslation)", kind="text",
            text_only="a mistranslation: nothing to compute", quote="丢失的训练集"),
    Erratum(38, "004:75", "ewma", "day 180 of the year is late May",
            "day 180 is 29 June (28 June in a leap year); the slip is already in the lecture "
            "the notes transcribe", kind="figure", figures=_fig_day_180,
            quote="5月末"),
    Erratum(39, "004:143", "ewma", "theta_99 is weighted 0.1 x 0.9^2",
            "0.1 x 0.9 (theta_98 has 0.1 x 0.9^2, as the document's own line 137 writes)",
            kind="figure", figures=_fig_ewma_weight_99, quote="99号数据值乘以0.1乘以${(0.9)}^{2}$"),
    Erratum(40, "004:145", "ewma", "the weights sum to 1 or close to 1; 'this is called bias "
            "correction'",
            "they sum to 1 - beta^t (close to 1 only for large t); bias correction divides by that "
            "sum (a mistranslation of 'up to a detail called bias correction')", kind="figure",
            figures=_fig_ewma_sum, quote="我们称之为偏差修正"),
    Erratum(41, "004:149", "ewma", "after 10 days the weight is below a third of today's",
            "0.9^10 = 0.349 is above a third ('about a third' is fine, 'below' is not); the "
            "weight falls below a third from day 11 (0.9^11 = 0.314)", kind="figure", figures=_fig_ewma_third,
            quote="权重下降到不到当日权重的三分之一"),
)


def errata_table() -> str:
    """Every entry as a markdown table: #, seed:line, the document says, correct, how shown.

    The errata topic emits it as a note, which report.html renders as a table
    (tfref.report._format.note_table); ``|`` inside a cell is written ``\\|``.
    """
    cell = lambda text: str(text).replace("|", "\\|")  # noqa: E731
    rows = ["| # | seed:line | the document says | correct | how shown |", "|---|---|---|---|---|"]
    for e in ERRATA:
        rows.append("| " + " | ".join(cell(v) for v in (
            e.number, e.where, e.wrong_text, e.right_text, e.how_shown)) + " |")
    return "\n".join(rows)


def get_erratum(number: int) -> Erratum:
    for erratum in ERRATA:
        if erratum.number == number:
            return erratum
    raise ValueError(f"no erratum {number}; known: {[e.number for e in ERRATA]}")
