"""Errata: where the source documents are wrong, as wrong and right formulas side by side.

Each ``Erratum`` carries the documents' (wrong) form, the correct form, and a property that the
correct form satisfies and the wrong one breaks: ``holds(fn, sample) -> bool`` for one input, and
``samples`` a fixed set of inputs. The ``errata`` topic checks both forms on the samples; the spec
suite (spec_tests/test_errata.py) checks them on inputs hypothesis draws. docs/errata.md is the
reader's version. Item 9 (the BPN's batch-summed weight gradients vs batch-averaged bias
gradients) belongs to chapter C and is shown by the ``bpn`` topic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy


@dataclass(frozen=True)
class Erratum:
    number: int
    seed: str
    topic: str
    wrong_text: str
    right_text: str
    property_text: str
    wrong: Callable
    right: Callable
    holds: Callable[[Callable, object], bool]
    samples: Sequence

    def violations(self, fn: Callable) -> list:
        """The samples on which ``fn`` breaks the property."""
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


ERRATA: tuple[Erratum, ...] = (
    Erratum(1, "000", "activations", "tanh(x) = (e^x + e^-x) / (e^x - e^-x)",
            "tanh(x) = (e^x - e^-x) / (e^x + e^-x); the written form is coth(x), |coth| > 1",
            "values in (-1, 1), equal to tanh, odd", tanh_as_coth, tanh_right, _is_tanh,
            (-3.0, -1.0, -0.25, 0.1, 0.5, 1.0, 2.0)),
    Erratum(2, "002", "activations", "tanh(x) = (1-exp(-2x)/(1+exp(-2x)))",
            "tanh(x) = (1 - e^-2x) / (1 + e^-2x); as written it is 1 - e^-2x/(1 + e^-2x) = sigmoid(2x)",
            "values in (-1, 1), equal to tanh, odd", tanh_misparenthesised, tanh_parenthesised,
            _is_tanh, (-3.0, -1.0, -0.25, 0.1, 0.5, 1.0, 2.0)),
    Erratum(3, "000", "information", "KL(p || q) = -sum p log(p / q)",
            "KL(p || q) = sum p log(p / q) >= 0 (Gibbs' inequality)",
            "KL >= 0, and = 0 only when p = q", kl_wrong_sign, kl_right,
            _kl_nonnegative_and_zero_iff_equal, tuple(_probability_pairs())),
    Erratum(4, "000", "information", "cross-entropy = KL - entropy",
            "cross-entropy H(p, q) = H(p) + KL(p || q)",
            "equals the definition -sum p log q", cross_entropy_wrong, cross_entropy_right,
            _is_cross_entropy, tuple(_probability_pairs())),
    Erratum(5, "002", "regularization", "L2 regularisation gives sparse solutions",
            "L1 gives sparse solutions (exact zeros); L2 shrinks every weight without zeroing it",
            "penalised weights are exactly 0 where |least-squares weight| <= lambda",
            l2_solution, l1_solution, _sparse,
            ((np.array([0.05, -0.2, 1.5, -3.0]), 0.3), (np.array([0.9, 0.01, -0.4]), 0.5))),
    Erratum(6, "001", "losses", "log-likelihood = sum x ln p + (1 - x)(1 - p)",
            "log-likelihood = sum x ln p + (1 - x) ln(1 - p), maximised at p = mean(x)",
            "maximised at the sample mean", bernoulli_log_likelihood_wrong,
            bernoulli_log_likelihood_right, _maximised_at_mean,
            (np.array([1, 0, 0, 0]), np.array([1, 1, 0, 1, 0]), np.array([0, 0, 1, 0, 0, 0, 0, 1]))),
    Erratum(7, "001", "descent-step", "w = w + eta * gradient",
            "gradient descent subtracts: w = w - eta * gradient",
            "a small step lowers a convex quadratic loss", step_ascent, step_descent, _lowers_quadratic,
            ((np.array([1.0, -2.0]), np.array([1.0, 3.0]), np.array([0.0, 0.5])),
             (np.array([0.3]), np.array([2.0]), np.array([-1.0])))),
    Erratum(8, "004", "gd-variants", "5000 mini-batches of 1000 examples = 50 million examples",
            "5000 x 1000 = 5 million examples (and 5 million in batches of 1000 is 5000 mini-batches)",
            "mini-batches of b from m examples hold m examples", examples_as_written, examples_right,
            _counts_examples, ((5_000_000, 1000), (60_000, 128), (1000, 1000))),
    Erratum(10, "004", "ewma", "0.9^10 = 0.349 is about 1/e = 0.368",
            "an approximation, fine as such: 0.9^10 = 0.3487 while 1/e = 0.3679; (1 - eps)^(1/eps) -> 1/e as eps -> 0",
            "the weight left after 1/eps steps is (1 - eps)^(1/eps) exactly", one_over_e,
            decay_after_window, _exact_decay, (0.1, 0.02, 0.5)),
)


def get_erratum(number: int) -> Erratum:
    for erratum in ERRATA:
        if erratum.number == number:
            return erratum
    raise ValueError(f"no erratum {number}; known: {[e.number for e in ERRATA]}")
