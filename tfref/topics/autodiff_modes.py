"""Registering a gradient (tf.custom_gradient) and forward- vs reverse-mode differentiation.

Seed 001 (180): to add a new op to TensorFlow and keep it differentiable you must also give a
function computing its derivative, e.g. f(x) = x^2 with f'(x) = 2x. Seed 001 (185) points to
the forward and reverse modes of automatic differentiation. The reproduction registers
gradients with ``tf.custom_gradient`` and computes Jacobians both ways:
``tf.autodiff.ForwardAccumulator`` (forward mode: one pass gives a Jacobian-vector product
J v, one column of J per input direction) and ``tf.GradientTape`` (reverse mode: one backward
pass gives a vector-Jacobian product u^T J, one row of J per output).

Formula:
    square:    f(x) = x^2,  registered f'(x) = 2x
    softplus:  f(x) = log(1 + e^x),  f'(x) = sigmoid(x) = 1 / (1 + e^-x)
               (stable forward: max(x, 0) + log1p(e^-|x|))
    g(x) = tanh(W x),  W in R^{m x n}:  J = diag(1 - g^2) W;  forward: J v;  reverse: u^T J
    full J: n forward passes (columns) or m reverse passes (rows)

Symbols -> names: f'(x) registered -> the ``grad`` function returned inside each
``@tf.custom_gradient`` op; J v -> ``accumulator.jvp``; u^T J -> ``tape.gradient`` with
``output_gradients``.

Oracles: the analytic derivatives, ``tf.nn.softplus``'s own gradient, ``tape.jacobian``, and
central finite differences in float64.

Deviations: the softplus case is tfref's example of a custom gradient that differs from what
autodiff derives: written naively as log(1 + exp(x)) in float32, exp overflows beyond x = 88.7
and autodiff's gradient exp(x) / (1 + exp(x)) is inf / inf = NaN; the registered sigmoid
gradient stays 1. The cost comparison is measured in seconds of eager passes (best of 2).

Expect: the registered gradient of x^2 equals 2x, autodiff's and finite differences; the naive
softplus's autodiff gradient is NaN at x = 100 where the registered one is 1 (tf.nn.softplus's);
forward and reverse Jacobians equal tape.jacobian and finite differences to 1e-9; for a
scalar function of 64 inputs reverse mode (1 pass) is far faster than forward mode (64 passes),
and for 256 outputs of one input forward mode (1 pass) beats reverse mode (256 passes); in
--quick (16 inputs, 64 outputs) the ratios were 21-289 and 5.7-18 over seeds 0-4 (wall time on a
shared 2-core machine). The plots show the two softplus gradients and the four timings.
"""

from __future__ import annotations

import time

import numpy as np
import tensorflow as tf

from tfref.topics._base import RunContext

ID = "autodiff-modes"
TITLE = "Registering gradients; forward- and reverse-mode differentiation"
CHAPTER = "A"
SEEDS = ("001",)
OPTIONS = ()  # honours no run option (tfref run refuses them)


@tf.custom_gradient
def square(x):
    """x^2 with its derivative registered by hand (001: 'f(x) = x^2, f'(x) = 2x')."""
    def grad(upstream):
        return upstream * 2.0 * x
    return x * x, grad


@tf.custom_gradient
def stable_softplus(x):
    """log(1 + e^x), computed without overflow, with the registered gradient sigmoid(x)."""
    def grad(upstream):
        return upstream * tf.sigmoid(x)
    return tf.maximum(x, 0.0) + tf.math.log1p(tf.exp(-tf.abs(x))), grad


def naive_softplus(x):
    return tf.math.log(1.0 + tf.exp(x))


def _grad(fn, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


def _central(fn, x, h):
    return (fn(x + h) - fn(x - h)) / (2 * h)


def jacobian_forward(fn, x):
    """J column by column: one ForwardAccumulator pass per input direction (n passes)."""
    columns = []
    for j in range(int(x.shape[0])):
        with tf.autodiff.ForwardAccumulator(x, tf.one_hot(j, x.shape[0], dtype=x.dtype)) as acc:
            y = fn(x)
        columns.append(acc.jvp(y))
    return tf.stack(columns, axis=1)


def jacobian_reverse(fn, x):
    """J row by row: one forward pass, then one backward pass per output (m passes)."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = fn(x)
    rows = [tape.gradient(y, x, output_gradients=tf.one_hot(i, y.shape[0], dtype=y.dtype))
            for i in range(int(y.shape[0]))]
    return tf.stack(rows, axis=0)


def _seconds(fn, repeats=2):
    """(best wall seconds of ``repeats`` calls, the last result)."""
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run(ctx: RunContext) -> None:
    xs = tf.constant(np.linspace(-3.0, 3.0, 13))
    registered = _grad(square, xs)
    ctx.claim_close("registered gradient of x^2 equals 2x", registered, 2 * xs.numpy(), rtol=1e-12)
    ctx.claim_close("... equals autodiff's gradient of x * x", registered,
                    _grad(lambda x: x * x, xs), rtol=1e-12)
    ctx.claim_close("... equals central finite differences (h = 1e-5, float64)", registered,
                    _central(lambda x: x.numpy() ** 2, xs, 1e-5), atol=1e-8, rtol=0)

    points = tf.constant([-100.0, -5.0, 0.0, 5.0, 100.0], dtype=tf.float32)
    naive, custom = _grad(naive_softplus, points), _grad(stable_softplus, points)
    ctx.claim("naive log(1 + exp(x)) in float32: autodiff's gradient at x = 100 is NaN "
              "(exp overflows; inf / inf)", bool(np.isnan(naive.numpy()[-1])),
              measured=float(naive.numpy()[-1]))
    ctx.claim_close("registered softplus gradient equals tf.nn.softplus's at -100, -5, 0, 5, 100",
                    custom, _grad(tf.nn.softplus, points), atol=1e-7, rtol=0)
    ctx.claim_close("registered softplus gradient equals central differences of the stable "
                    "form in float64 (h = 1e-6)", custom.numpy()[1:4],
                    _central(lambda x: np.logaddexp(0.0, x), points.numpy()[1:4].astype(np.float64),
                             1e-6), atol=1e-6, rtol=0)
    ctx.claim_close("where the naive form does not overflow (|x| <= 5) both gradients agree",
                    naive.numpy()[1:4], custom.numpy()[1:4], atol=1e-6, rtol=0)

    n, m = 6, 4
    W = tf.constant(ctx.rng.normal(size=(m, n)))
    g = lambda x: tf.tanh(tf.linalg.matvec(W, x))  # noqa: E731
    x0 = tf.constant(ctx.rng.normal(size=n))
    forward, reverse = jacobian_forward(g, x0), jacobian_reverse(g, x0)
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y0 = g(x0)
    reference = tape.jacobian(y0, x0)
    step = 1e-6
    finite = np.stack([(g(x0 + step * e).numpy() - g(x0 - step * e).numpy()) / (2 * step)
                       for e in tf.unstack(tf.eye(n, dtype=tf.float64))], axis=1)
    ctx.claim_close(f"forward mode ({n} JVP passes) equals tape.jacobian ({m} x {n})", forward,
                    reference, atol=1e-12, rtol=0)
    ctx.claim_close(f"reverse mode ({m} VJP passes) equals tape.jacobian", reverse, reference,
                    atol=1e-12, rtol=0)
    ctx.claim_close("forward-mode Jacobian equals central finite differences (h = 1e-6)", forward,
                    finite, atol=1e-9, rtol=0)
    ctx.claim_close("Jacobian equals the analytic diag(1 - tanh^2) W", forward,
                    (1 - y0.numpy() ** 2)[:, None] * W.numpy(), atol=1e-12, rtol=0)

    # A forward-mode pass costs about 6 times a reverse one in eager TensorFlow (an accumulator
    # per pass), so the 1 -> n case takes 4 times as many outputs to show its effect as clearly.
    size_in, size_out = (16, 64) if ctx.quick else (64, 256)
    wide_in = tf.constant(ctx.rng.normal(size=(size_in,)))
    wide_out = tf.constant(ctx.rng.normal(size=(size_out,)))
    many_in = lambda x: tf.reshape(tf.reduce_sum(tf.sin(x) * wide_in), [1])  # noqa: E731
    many_out = lambda x: tf.sin(x * wide_out)  # noqa: E731
    x_in, x_out = tf.constant(ctx.rng.normal(size=size_in)), tf.constant([0.3], dtype=tf.float64)
    timed = {
        ("n inputs -> 1", "forward"): _seconds(lambda: jacobian_forward(many_in, x_in)),
        ("n inputs -> 1", "reverse"): _seconds(lambda: jacobian_reverse(many_in, x_in)),
        ("1 input -> n", "forward"): _seconds(lambda: jacobian_forward(many_out, x_out)),
        ("1 input -> n", "reverse"): _seconds(lambda: jacobian_reverse(many_out, x_out)),
    }
    seconds = {key: s for key, (s, _) in timed.items()}
    ctx.claim_close("both modes give the same gradient of the scalar function of n inputs",
                    timed[("n inputs -> 1", "forward")][1], timed[("n inputs -> 1", "reverse")][1],
                    atol=1e-12, rtol=0)
    ctx.claim_close("both modes give the same derivative of the n outputs of one input",
                    timed[("1 input -> n", "forward")][1], timed[("1 input -> n", "reverse")][1],
                    atol=1e-12, rtol=0)
    in_ratio = seconds[("n inputs -> 1", "forward")] / seconds[("n inputs -> 1", "reverse")]
    out_ratio = seconds[("1 input -> n", "reverse")] / seconds[("1 input -> n", "forward")]
    # Quick seeds 0-4 on 2 cores shared with other jobs: 20.8-289 and 5.7-18.1; floors 10 and
    # 2.5 (about half the lowest: timings on a shared machine vary by 2x from run to run).
    ctx.claim_greater(f"n = {size_in} inputs, 1 output: time of forward mode ({size_in} passes) / "
                      "reverse mode (1 pass) (quick seeds 0-4: >= 20.8; floor 10)", in_ratio, 10.0)
    ctx.claim_greater(f"1 input, n = {size_out} outputs: time of reverse mode ({size_out} passes) /"
                      " forward mode (1 pass) (quick seeds 0-4: >= 5.7; floor 2.5)", out_ratio, 2.5)
    ctx.note("Seconds (best of 2, eager): " + "; ".join(f"{shape}, {mode}: {s:.4f}"
                                                         for (shape, mode), s in seconds.items()))
    _plot(ctx, seconds, (size_in, size_out))


def _plot(ctx: RunContext, seconds, sizes) -> None:
    xs = tf.constant(np.linspace(-100.0, 100.0, 401), dtype=tf.float32)
    naive, custom = _grad(naive_softplus, xs).numpy(), _grad(stable_softplus, xs).numpy()
    with ctx.figure("softplus", figsize=(6.0, 3.6)) as (fig, ax):
        ax.plot(xs.numpy(), custom, color="C0", lw=3, alpha=0.5, label="registered: sigmoid(x)")
        ax.plot(xs.numpy(), np.where(np.isnan(naive), np.nan, naive), color="C3",
                label="autodiff of log(1 + exp(x))")
        bad = xs.numpy()[np.isnan(naive)]
        if bad.size:
            ax.axvspan(bad.min(), bad.max(), color="C3", alpha=0.15, label="autodiff gives NaN")
        ax.set_xlabel("x (float32)")
        ax.set_ylabel("d softplus / dx")
        ax.legend(fontsize=7)
        ax.set_title("a registered gradient where autodiff's overflows", fontsize=9)
    with ctx.figure("modes", figsize=(6.0, 3.6)) as (fig, ax):
        labels = [f"{shape}\n{mode}" for shape, mode in seconds]
        ax.bar(labels, list(seconds.values()), color=["C1", "C0", "C1", "C0"])
        ax.set_yscale("log")
        ax.set_ylabel("seconds for the full Jacobian")
        ax.set_title(f"n = {sizes[0]} and {sizes[1]}: forward (orange) and reverse (blue) mode",
                     fontsize=9)
        ax.tick_params(axis="x", labelsize=7)


if __name__ == "__main__":  # python -m tfref.topics.autodiff_modes [--quick] [--seed N] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
