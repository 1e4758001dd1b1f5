"""Why a gradient step lowers the function: f(x - eta f'(x)) < f(x) for small eta when f'(x) != 0.

Formula (001, 003):
    Taylor:   f(x + xi) ~ f(x) + xi f'(x) for small xi; put xi = -eta f'(x):
              f(x - eta f'(x)) ~ f(x) - eta f'(x)^2 < f(x)  when f'(x) != 0
    "small":  if |f''| <= L everywhere, eta <= 1/L guarantees
              f(x - eta f'(x)) <= f(x) - eta/2 f'(x)^2         (descent lemma)
    update:   w <- w - eta * gradient                           (001 writes "+", errata 7)

Symbols -> names: x -> points, f'(x) -> slopes (by tf.GradientTape), eta -> step_size,
L -> curvature_bound, f -> RandomFunctions (one random smooth function per case).

001 (lines 100-105) adds that the gradient is the direction in which f rises fastest: the
directional derivative D_u f = grad f . u is largest, and equal to |grad f|, along it.

Deviations: the documents say "eta small enough" without a number; the code takes eta = 1/L
from a bound L on |f''|, which makes the decrease a theorem rather than a hope, and checks
|f'(x)| >= 1e-3 so the decrease (at least eta f'^2 / 2) is far above float64 rounding.
The random functions are sums of sine waves plus a quadratic and a softplus, whose second
derivatives are bounded; an exp term (unbounded f'') would need a local bound instead.

Expect: over 19992 random smooth functions and points, a step with eta = 1/L lowers f in every case
(fraction 1.0, also in 5 dimensions) and by at least the descent lemma's eta f'^2 / 2, while
eta = 10/L raises f in a fraction 0.36 of the cases; with eta = 1/L the '+' update of erratum 7
raises f in every case. The plot shows the change of f against the step (--quick: 500 cases). At 001's point A = (1, 2, 3) of
f = x^2 + 3xy + y^2 + z^3 the gradient is (8, 7, 27); the directional derivative, by central
differences over 2000 (full: 20000) random unit directions, never exceeds |grad f| = 29.017,
equals it along the gradient, and the best random direction is within a cosine of 0.9993 of it.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref.topics._base import RunContext

ID = "descent-step"
TITLE = "Descent step: f(x - eta f'(x)) < f(x) for small eta"
CHAPTER = "A"
SEEDS = ("001", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)

NUM_WAVES = 3
MIN_SLOPE = 1e-3


class RandomFunctions:
    """A batch of random smooth functions, one per case, evaluated elementwise:

    f(x) = sum_k a_k sin(w_k x + phi_k) + c x^2 / 2 + d softplus(x)
    |f''(x)| <= L = sum_k |a_k| w_k^2 + |c| + |d| / 4        (softplus'' <= 1/4)
    """

    def __init__(self, rng: np.random.Generator, num_cases: int):
        self.amplitudes = rng.normal(size=(num_cases, NUM_WAVES))
        self.frequencies = rng.uniform(0.2, 3.0, size=(num_cases, NUM_WAVES))
        self.phases = rng.uniform(0.0, 2 * np.pi, size=(num_cases, NUM_WAVES))
        self.quadratic = rng.normal(size=num_cases)
        self.softplus_weight = rng.normal(size=num_cases)
        self.curvature_bound = (np.sum(np.abs(self.amplitudes) * self.frequencies ** 2, axis=1)
                                + np.abs(self.quadratic) + np.abs(self.softplus_weight) / 4)

    def __call__(self, points) -> tf.Tensor:
        """f_i(points_i) for each case i: points (cases,) -> values (cases,)."""
        points = tf.convert_to_tensor(points, dtype=tf.float64)
        angles = self.frequencies * points[:, None] + self.phases  # (cases, waves)
        waves = tf.reduce_sum(self.amplitudes * tf.sin(angles), axis=1)  # (cases,)
        return (waves + 0.5 * self.quadratic * points ** 2
                + self.softplus_weight * tf.math.softplus(points))

    def subset(self, keep: np.ndarray) -> RandomFunctions:
        chosen = object.__new__(RandomFunctions)
        for name, value in vars(self).items():
            setattr(chosen, name, value[keep])
        return chosen


def slopes_at(functions: RandomFunctions, points: np.ndarray) -> np.ndarray:
    """f_i'(x_i) by tf.GradientTape (cases are independent, so the gradient of the sum)."""
    points = tf.constant(points, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(points)
        total = tf.reduce_sum(functions(points))
    return tape.gradient(total, points).numpy()


def change_after_step(functions, points, slopes, step_size, sign: float = -1.0) -> np.ndarray:
    """f(x + sign * eta * f'(x)) - f(x); sign = -1 is descent, +1 is 001's written update."""
    moved = points + sign * step_size * slopes
    return (functions(moved) - functions(points)).numpy()


def sample_cases(rng: np.random.Generator, num_cases: int):
    """Random functions and points with |f'(x)| >= MIN_SLOPE (f'(x) != 0 with a margin)."""
    functions = RandomFunctions(rng, num_cases)
    points = rng.uniform(-5.0, 5.0, size=num_cases)
    slopes = slopes_at(functions, points)
    keep = np.abs(slopes) >= MIN_SLOPE
    return functions.subset(keep), points[keep], slopes[keep]


def _plot_change_against_step(ctx: RunContext, functions, points, slopes) -> None:
    # The first case whose change turns positive within eta <= 8 / L, for a readable curve.
    bound = functions.curvature_bound
    relative_steps = np.linspace(0.0, 8.0, 321)
    for case in range(len(points)):
        one = functions.subset(np.array([case]))
        changes = np.array([change_after_step(one, points[case:case + 1], slopes[case:case + 1],
                                              r / bound[case])[0] for r in relative_steps])
        if changes.max() > 0:
            break
    step_sizes = relative_steps / bound[case]
    taylor = -step_sizes * slopes[case] ** 2
    lemma = -step_sizes * slopes[case] ** 2 * (1 - bound[case] * step_sizes / 2)
    with ctx.figure("change-against-step", figsize=(6.0, 4.0)) as (fig, ax):
        ax.plot(step_sizes, changes, color="C0", linewidth=2.0, label="f(x - eta f'(x)) - f(x)")
        ax.plot(step_sizes, taylor, color="C2", linestyle="--",
                label="first-order Taylor: -eta f'(x)^2")
        ax.plot(step_sizes, lemma, color="C1", linestyle=":",
                label="upper bound if |f''| <= L: -eta f'^2 (1 - L eta / 2)")
        ax.axhline(0.0, color="black", linewidth=0.7)
        ax.axvline(1.0 / bound[case], color="0.4", linestyle="-.", linewidth=1.0, label="eta = 1/L")
        span = max(np.abs(changes).max(), 1e-12)
        ax.set_ylim(-1.3 * span, 1.3 * span)
        ax.set_xlabel("step size eta")
        ax.set_ylabel("change in f")
        ax.set_title(f"One random function at x = {points[case]:.2f} (f'(x) = {slopes[case]:.2f})",
                     fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)


def run(ctx: RunContext) -> None:
    num_cases = 500 if ctx.quick else 20000
    functions, points, slopes = sample_cases(ctx.rng, num_cases)
    bound = functions.curvature_bound
    ctx.note(f"{len(points)} random smooth functions and points (of {num_cases} drawn, those with "
             f"|f'(x)| >= {MIN_SLOPE:g}); f' by tf.GradientTape; L = bound on |f''|.")

    # 1. A small step (eta = 1/L) always lowers f, by at least eta f'^2 / 2.
    small = 1.0 / bound
    descent = change_after_step(functions, points, slopes, small)
    ctx.claim_close("fraction of cases where f(x - eta f'(x)) < f(x) with eta = 1/L",
              np.mean(descent < 0), 1.0, atol=0.0, rtol=0.0)
    guaranteed = -0.5 * small * slopes ** 2
    ctx.claim_close("fraction of cases where the decrease is at least eta f'(x)^2 / 2 (descent lemma)",
              np.mean(descent <= guaranteed * (1 - 1e-9)), 1.0, atol=0.0, rtol=0.0)

    # 2. Taylor's first order: for tiny eta the decrease is eta f'(x)^2 to within L eta / 2.
    tiny = 1e-2 / bound
    steep = np.abs(slopes) >= 0.1  # keeps the measured decrease far above rounding
    ratio = -change_after_step(functions, points, slopes, tiny)[steep] / (tiny * slopes ** 2)[steep]
    ctx.claim_less("max |decrease / (eta f'^2) - 1| with eta = 0.01/L (theory: <= L eta / 2 = 0.005)",
             np.max(np.abs(ratio - 1.0)), 0.005 + 1e-6, or_equal=True)  # 1e-6: rounding

    # 3. "Small" matters: a large step can raise f.
    large = 10.0 / bound
    rose = np.mean(change_after_step(functions, points, slopes, large) > 0)
    # Seeds 0-4, quick (500 cases): 0.336-0.411; full (seed 0, 20000 cases): 0.36. Floor 0.25
    # (0.086 below the lowest); a correct step with eta = 10/L overshoots about a third of cases.
    ctx.claim_greater("fraction of cases where f rises with a large step eta = 10/L (quick seeds "
                      "0-4: 0.34-0.41; floor 0.25)", rose, 0.25)

    # 4. Errata 7: 001 writes w = w + eta * gradient; that climbs, w - eta * gradient descends.
    ascent = change_after_step(functions, points, slopes, small, sign=+1.0)
    fraction_raised, fraction_lowered = np.mean(ascent > 0), np.mean(descent < 0)
    ctx.claim("errata 7: with eta = 1/L the '+' update x + eta f'(x) raises f in every case and "
              "the '-' update x - eta f'(x) lowers it in every case",
              fraction_raised == 1.0 and fraction_lowered == 1.0,
              expected="raised 1.0, lowered 1.0",
              measured=f"raised {fraction_raised:g}, lowered {fraction_lowered:g}")

    # 5. The same argument in several dimensions: v - eta grad f(v).
    _check_several_dimensions(ctx, 200 if ctx.quick else 5000)

    # 6. 001 (lines 100-105): the gradient is the direction of steepest ascent.
    _check_steepest_ascent(ctx, 2000 if ctx.quick else 20000)

    _plot_change_against_step(ctx, functions, points, slopes)


def _check_several_dimensions(ctx: RunContext, num_cases: int, dimension: int = 5) -> None:
    """f(v) = v^T A v / 2 + sum_k a_k sin(u_k . v + phi_k), A symmetric positive semi-definite,
    |Hessian| <= L = lambda_max(A) + sum_k |a_k| |u_k|^2; eta = 1/L."""
    rng = ctx.rng
    factors = rng.normal(size=(num_cases, dimension, dimension)) / np.sqrt(dimension)
    quadratic = factors @ np.transpose(factors, (0, 2, 1))  # (cases, d, d), PSD
    amplitudes = rng.normal(size=(num_cases, NUM_WAVES))
    directions = rng.normal(size=(num_cases, NUM_WAVES, dimension))
    phases = rng.uniform(0.0, 2 * np.pi, size=(num_cases, NUM_WAVES))
    bound = (np.linalg.eigvalsh(quadratic)[:, -1]
             + np.sum(np.abs(amplitudes) * np.sum(directions ** 2, axis=2), axis=1))

    def function(vectors):  # (cases, d) -> (cases,)
        quadratic_term = 0.5 * tf.einsum("ci,cij,cj->c", vectors, quadratic, vectors)
        angles = tf.einsum("ckd,cd->ck", directions, vectors) + phases  # (cases, waves)
        return quadratic_term + tf.reduce_sum(amplitudes * tf.sin(angles), axis=1)

    vectors = tf.constant(rng.uniform(-3.0, 3.0, size=(num_cases, dimension)))
    with tf.GradientTape() as tape:
        tape.watch(vectors)
        total = tf.reduce_sum(function(vectors))
    gradients = tape.gradient(total, vectors)
    squared_norm = tf.reduce_sum(gradients ** 2, axis=1).numpy()
    keep = squared_norm >= MIN_SLOPE ** 2
    step_size = (1.0 / bound)[:, None]
    change = (function(vectors - step_size * gradients) - function(vectors)).numpy()
    ctx.claim_close(f"in {dimension} dimensions: fraction of cases where f(v - eta grad f(v)) < f(v), "
              "eta = 1/L", np.mean(change[keep] < 0), 1.0, atol=0.0, rtol=0.0)


def seed_function(points):
    """001's example f = x^2 + 3xy + y^2 + z^3, for points of shape (..., 3)."""
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    return x**2 + 3 * x * y + y**2 + z**3


def _check_steepest_ascent(ctx: RunContext, num_directions: int) -> None:
    """At 001's point A = (1, 2, 3): the directional derivative D_u f = lim (f(A + h u) -
    f(A - h u)) / 2h, by central differences in float64 (no gradient used), over random unit
    directions u, is largest along the gradient and there equals its norm |grad f(A)|."""
    point = tf.constant([1.0, 2.0, 3.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(point)
        value = seed_function(point)
    gradient = tape.gradient(value, point).numpy()
    ctx.claim_close("001: grad f at A = (1, 2, 3) for f = x^2 + 3xy + y^2 + z^3 (GradientTape)",
                    gradient, [8.0, 7.0, 27.0], atol=1e-12, rtol=0)
    directions = ctx.rng.normal(size=(num_directions, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)  # random unit vectors
    along = gradient / np.linalg.norm(gradient)
    h = 1e-5
    probes = np.vstack([directions, along])  # (n + 1, 3): the gradient's direction last
    base = np.array([1.0, 2.0, 3.0])
    derivative = (seed_function(base + h * probes) - seed_function(base - h * probes)) / (2 * h)
    random_best = float(derivative[:-1].max())
    norm = float(np.linalg.norm(gradient))
    ctx.claim_close(f"directional derivative (central differences, h = {h:g}) along "
                    f"grad f / |grad f| equals |grad f(A)| = sqrt(842) = {norm:.4f}",
                    derivative[-1], norm, atol=0, rtol=1e-8)
    ctx.claim_less(f"largest directional derivative over {num_directions} random unit "
                   f"directions, minus |grad f(A)|: none exceeds the gradient's direction",
                   random_best - norm, 1e-6 * norm, or_equal=True)  # 1e-6: difference rounding
    best = directions[int(np.argmax(derivative[:-1]))]
    # Seeds 0-4 (quick, 2000 directions): cosine of the best random direction with the gradient
    # 0.9993-0.9998; floor 0.995 (margin 0.0043; full mode draws 20000, closer still).
    ctx.claim_greater(f"cosine between the best of the {num_directions} random directions and "
                      f"the gradient (the random maximum approaches it; seeds 0-4: 0.9993-0.9998)",
                      float(best @ along), 0.995)
    ctx.claim_close("each directional derivative equals grad f(A) . u (the formula behind it), "
                    "all random directions", derivative[:-1], directions @ gradient,
                    atol=1e-6, rtol=1e-8)
    angle = np.degrees(np.arccos(np.clip(directions @ along, -1.0, 1.0)))
    _plot_directions(ctx, angle, derivative[:-1], norm)


def _plot_directions(ctx: RunContext, angle: np.ndarray, derivative: np.ndarray,
                     norm: float) -> None:
    with ctx.figure("directional-derivative", figsize=(6.0, 4.0)) as (fig, ax):
        ax.scatter(angle, derivative, s=4, alpha=0.5, label="random unit directions u")
        grid = np.linspace(0, 180, 181)
        ax.plot(grid, norm * np.cos(np.radians(grid)), color="C1", lw=1.2,
                label="|grad f| cos(angle)")
        ax.axhline(norm, color="black", lw=0.8, ls="--", label=f"|grad f(A)| = {norm:.2f}")
        ax.set_xlabel("angle between u and grad f(A) (degrees)")
        ax.set_ylabel("directional derivative D_u f(A)")
        ax.set_title("001: f = x^2 + 3xy + y^2 + z^3 at A = (1, 2, 3)", fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.descent_step [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
