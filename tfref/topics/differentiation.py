"""Four ways to differentiate f(x, y) = x^2 y + y + 2: manual, numerical, symbolic and automatic.

Formula (001):
    f(x, y) = x^2 * y + y + 2
    manual:     df/dx = 2 x y,  df/dy = x^2 + 1
    numerical:  df/dx ~ (f(x + eps, y) - f(x - eps, y)) / (2 eps)     (central difference)
                forward difference (f(x + eps, y) - f(x, y)) / eps for the error plot
    symbolic:   apply d(u + v) = du + dv, d(u v) = du v + u dv, d(u^n) = n u^(n-1) du,
                d(const) = 0, d(x)/dx = 1 to the expression tree of f, then evaluate
    automatic:  tf.GradientTape (reverse mode)
    and: grad of g = x^2 + 3xy + y^2 + z^3 is (2x + 3y, 3x + 2y, 3 z^2) = (8, 7, 27) at (1, 2, 3)

Symbols -> names: x, y -> point[0], point[1]; eps -> step; f -> function_f (NumPy/TF),
F_TREE (expression tree); g -> function_g, G_TREE.

Deviations: 001 writes the numerical derivative as the one-sided limit (h(x) - h(x0)) / (x - x0);
the claims use the central difference of tfref.ops (error O(eps^2) instead of O(eps)), and the
plot shows both. The symbolic differentiator is a small expression tree (Const, Var,
Add, Mul, Pow with .diff and .eval), not a computer-algebra system (sympy is not a dependency).

Expect: symbolic (expression tree), automatic (GradientTape) and manual derivatives (2xy, x^2 + 1)
agree exactly at 200 points and the central difference to 5.7e-9; the gradient of
x^2 + 3xy + y^2 + z^3 at (1, 2, 3) is exactly (8, 7, 27). The plot of the finite-difference error
against the step puts the best forward step at 7.9e-9 (error 5.9e-10) and the best central step at
3.2e-6, error 3.9e-12 (--quick: 5 points; best forward step 1e-8, error 2.2e-8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from tfref import ops
from tfref.topics._base import RunContext

ID = "differentiation"
TITLE = "Manual, numerical, symbolic and automatic differentiation"
CHAPTER = "A"
SEEDS = ("001",)
OPTIONS = ()  # honours no run option (tfref run refuses them)


# -- a tiny symbolic differentiator ------------------------------------------------------------
class Expression:
    """A node of an expression tree: .eval(env) gives its value, .diff(var) its derivative tree."""

    def __add__(self, other):
        return add(self, _wrap(other))

    def __radd__(self, other):
        return add(_wrap(other), self)

    def __mul__(self, other):
        return multiply(self, _wrap(other))

    def __rmul__(self, other):
        return multiply(_wrap(other), self)

    def __pow__(self, exponent: float):
        return Pow(self, float(exponent))


@dataclass(frozen=True)
class Const(Expression):
    value: float

    def eval(self, env: dict):
        return self.value

    def diff(self, var: str) -> Expression:
        return Const(0.0)

    def __str__(self) -> str:
        return f"{self.value:g}"


@dataclass(frozen=True)
class Var(Expression):
    name: str

    def eval(self, env: dict):
        return env[self.name]

    def diff(self, var: str) -> Expression:
        return Const(1.0 if var == self.name else 0.0)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Add(Expression):
    left: Expression
    right: Expression

    def eval(self, env: dict):
        return self.left.eval(env) + self.right.eval(env)

    def diff(self, var: str) -> Expression:  # d(u + v) = du + dv
        return add(self.left.diff(var), self.right.diff(var))

    def __str__(self) -> str:
        return f"{self.left} + {self.right}"


@dataclass(frozen=True)
class Mul(Expression):
    left: Expression
    right: Expression

    def eval(self, env: dict):
        return self.left.eval(env) * self.right.eval(env)

    def diff(self, var: str) -> Expression:  # d(u v) = du v + u dv
        return add(multiply(self.left.diff(var), self.right),
                   multiply(self.left, self.right.diff(var)))

    def __str__(self) -> str:
        return f"{_parenthesised(self.left)} * {_parenthesised(self.right)}"


@dataclass(frozen=True)
class Pow(Expression):
    base: Expression
    exponent: float  # a constant exponent

    def eval(self, env: dict):
        return self.base.eval(env) ** self.exponent

    def diff(self, var: str) -> Expression:  # d(u^n) = n u^(n-1) du
        lowered = self.base if self.exponent == 2.0 else Pow(self.base, self.exponent - 1.0)
        return multiply(multiply(Const(self.exponent), lowered), self.base.diff(var))

    def __str__(self) -> str:
        return f"{_parenthesised(self.base)}^{self.exponent:g}"


def _wrap(value) -> Expression:
    return value if isinstance(value, Expression) else Const(float(value))


def _parenthesised(node: Expression) -> str:
    return f"({node})" if isinstance(node, Add) else str(node)


def add(left: Expression, right: Expression) -> Expression:
    """u + v, folding constants and dropping zeros so derivatives print readably."""
    if isinstance(left, Const) and isinstance(right, Const):
        return Const(left.value + right.value)
    if isinstance(left, Const) and left.value == 0.0:
        return right
    if isinstance(right, Const) and right.value == 0.0:
        return left
    return Add(left, right)


def multiply(left: Expression, right: Expression) -> Expression:
    """u * v, folding constants and dropping factors of 0 and 1."""
    if isinstance(left, Const) and isinstance(right, Const):
        return Const(left.value * right.value)
    for one, other in ((left, right), (right, left)):
        if isinstance(one, Const) and one.value == 0.0:
            return Const(0.0)
        if isinstance(one, Const) and one.value == 1.0:
            return other
    return Mul(left, right)


X, Y, Z = Var("x"), Var("y"), Var("z")
F_TREE = X ** 2 * Y + Y + 2  # f(x, y) = x^2 y + y + 2
G_TREE = X ** 2 + 3 * X * Y + Y ** 2 + Z ** 3  # g(x, y, z) = x^2 + 3xy + y^2 + z^3


# -- the function and its derivatives, four ways ------------------------------------------------
def function_f(point):
    """f(x, y) = x^2 y + y + 2 for point = (x, y); NumPy arrays or tensors."""
    x, y = point[0], point[1]
    return x * x * y + y + 2.0


def function_g(point):
    x, y, z = point[0], point[1], point[2]
    return x * x + 3.0 * x * y + y * y + z * z * z


def manual_gradient_f(point) -> np.ndarray:
    """Worked out by hand: (2 x y, x^2 + 1)."""
    x, y = point
    return np.array([2.0 * x * y, x * x + 1.0])


def symbolic_gradient(tree: Expression, names: tuple, point) -> np.ndarray:
    env = dict(zip(names, (float(v) for v in point), strict=True))
    return np.array([tree.diff(name).eval(env) for name in names])


def automatic_gradient(function, point) -> np.ndarray:
    variable = tf.Variable(np.asarray(point, dtype=np.float64))
    with tf.GradientTape() as tape:
        value = function(variable)
    return tape.gradient(value, variable).numpy()


def numerical_gradient(function, point, step: float = 1e-6) -> np.ndarray:
    return np.asarray(ops.central_difference(function, np.asarray(point, dtype=np.float64),
                                             eps=step))


def forward_difference_x(function, point, step: float) -> float:
    """One-sided (f(x + eps, y) - f(x, y)) / eps, the form of 001's limit, for the plot."""
    point = np.asarray(point, dtype=np.float64)
    shifted = point.copy()
    shifted[0] += step
    return (float(function(shifted)) - float(function(point))) / step


def smooth_h(point):
    """h(x) = exp(x) sin(x): not a polynomial, so both difference errors show their V."""
    return tf.exp(point[0]) * tf.sin(point[0])


def _plot_step_errors(ctx: RunContext) -> dict:
    steps = np.logspace(-15, -1, 57 if ctx.quick else 141)
    machine_epsilon = np.finfo(np.float64).eps
    cases = [
        ("f = x^2 y + y + 2, df/dx at (1.3, -0.7)", function_f, np.array([1.3, -0.7]),
         manual_gradient_f(np.array([1.3, -0.7]))[0]),
        ("h = exp(x) sin(x), dh/dx at x = 1", smooth_h, np.array([1.0]),
         np.exp(1.0) * (np.sin(1.0) + np.cos(1.0))),
    ]
    errors = {}
    with ctx.figure("finite-difference-error", ncols=2, figsize=(10.0, 4.0)) as (fig, axes):
        for ax, (title, function, point, exact) in zip(axes, cases, strict=True):
            forward = np.array([forward_difference_x(function, point, s) for s in steps])
            central = np.array([numerical_gradient(function, point, s)[0] for s in steps])
            forward_error = np.maximum(np.abs(forward - exact), 1e-17)  # 0 cannot go on log axes
            central_error = np.maximum(np.abs(central - exact), 1e-17)
            errors[title] = (forward_error, central_error)
            ax.loglog(steps, forward_error, "o-", markersize=2.5,
                      label="forward (f(x+eps) - f(x)) / eps")
            ax.loglog(steps, central_error, "s-", markersize=2.5,
                      label="central (f(x+eps) - f(x-eps)) / 2eps")
            ax.axvline(np.sqrt(machine_epsilon), color="C0", linestyle=":", linewidth=1.0,
                       label="sqrt(machine eps)")
            ax.axvline(np.cbrt(machine_epsilon), color="C1", linestyle=":", linewidth=1.0,
                       label="cbrt(machine eps)")
            ax.set_xlabel("step eps")
            ax.set_ylabel("|numerical - exact derivative|")
            ax.set_title(title, fontsize=10)
            ax.grid(alpha=0.3, which="major")
            ax.legend(fontsize=7, loc="lower left")
        fig.suptitle("Finite-difference error against step size (float64)")
    return {"steps": steps, "errors": errors, "cases": cases}


def run(ctx: RunContext) -> None:
    names = ("x", "y")
    ctx.note(f"Symbolic derivatives from the expression tree: df/dx = {F_TREE.diff('x')}, "
             f"df/dy = {F_TREE.diff('y')}.")

    # 1. The four methods agree on f at random points.
    num_points = 5 if ctx.quick else 200
    points = ctx.rng.uniform(-3.0, 3.0, size=(num_points, 2))
    manual = np.array([manual_gradient_f(p) for p in points])  # (points, 2)
    symbolic = np.array([symbolic_gradient(F_TREE, names, p) for p in points])
    automatic = np.array([automatic_gradient(function_f, p) for p in points])
    numerical = np.array([numerical_gradient(function_f, p) for p in points])
    ctx.claim_close(f"symbolic (expression tree) equals manual (2xy, x^2 + 1) at {num_points} points",
              symbolic, manual, atol=1e-15, rtol=1e-15)
    ctx.claim_close("automatic (GradientTape, float64) equals manual", automatic, manual,
              atol=1e-15, rtol=1e-15)
    ctx.claim_close("numerical (central difference, eps = 1e-6, float64) equals manual",
              numerical, manual, atol=1e-8, rtol=1e-6)

    # 2. 001's worked example: grad g at (1, 2, 3) = (8, 7, 27).
    point_a = np.array([1.0, 2.0, 3.0])
    ctx.claim_close("GradientTape: grad of x^2 + 3xy + y^2 + z^3 at (1, 2, 3) is exactly (8, 7, 27)",
              automatic_gradient(function_g, point_a), [8.0, 7.0, 27.0], atol=0.0, rtol=0.0)
    ctx.claim_close("expression tree: the same gradient is exactly (8, 7, 27)",
              symbolic_gradient(G_TREE, ("x", "y", "z"), point_a), [8.0, 7.0, 27.0],
              atol=0.0, rtol=0.0)
    ctx.claim_close("central difference: the same gradient to 1e-6 relative",
              numerical_gradient(function_g, point_a), [8.0, 7.0, 27.0], atol=0.0, rtol=1e-6)

    # 3. The error of finite differences against the step: truncation falls, rounding rises.
    plotted = _plot_step_errors(ctx)
    steps = plotted["steps"]
    title_f, title_h = (case[0] for case in plotted["cases"])
    forward_h, central_h = plotted["errors"][title_h]
    best_forward, best_central = steps[np.argmin(forward_h)], steps[np.argmin(central_h)]
    ctx.claim("h: the forward difference is most accurate near eps = sqrt(machine eps) ~ 1.5e-8 "
              "(within 1e-10 .. 1e-6)", 1e-10 <= best_forward <= 1e-6,
              expected="1e-10 <= eps* <= 1e-6", measured=float(best_forward))
    ctx.claim("h: the central difference is most accurate near eps = cbrt(machine eps) ~ 6e-6 "
              "(within 1e-7 .. 1e-4)", 1e-7 <= best_central <= 1e-4,
              expected="1e-7 <= eps* <= 1e-4", measured=float(best_central))
    ctx.claim_less("h: the best central error is below the best forward error", central_h.min(),
             forward_h.min())
    forward_f, central_f = plotted["errors"][title_f]
    large = steps >= 1e-3
    ctx.claim_less("f is quadratic in x, so the central difference has no truncation error there: "
             "max error for eps >= 1e-3", central_f[large].max(), 1e-10)
    ctx.note(f"Best step for h = exp(x) sin(x): forward {best_forward:.2g} (error "
             f"{forward_h.min():.2g}), central {best_central:.2g} (error {central_h.min():.2g}).")


if __name__ == "__main__":  # python -m tfref.topics.differentiation [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
