"""The chain rule behind backpropagation, on the two-step graph of 001.

Formula (001):
    y1 = x * w1 + b1
    y2 = y1 * w2 + b2
    dy2/dw1 = dy2/dy1 * dy1/dw1 = w2 * x          # the "backward" factor dy2/dy1 comes first

Symbols -> names: x, w1, b1, w2, b2 -> inputs, weights_1, biases_1, weights_2, biases_2 (vectors
of independent random cases), y1, y2 -> first, second; each derivative -> dsecond_dfirst,
dfirst_dweights_1, dsecond_dweights_1.

A network's backward pass is this rule applied layer by layer: the deltas of 002's BPN, written
once in :mod:`tfref.nn.bpn` and checked against GradientTape by the forward-backward and bpn
topics.

Deviations: 001 uses PyTorch's autograd.grad on scalars; the code uses one persistent
tf.GradientTape over a vector of independent cases (each case's derivative is the gradient of
the sum, since the cases do not interact), in float64.

Expect: no plot; on 1000 random cases in float64 the product dy2/dy1 * dy1/dw1 of two tape
gradients equals the tape's dy2/dw1 and the closed form w2 * x exactly (difference 0), while the
control sum dy2/dy1 + dy1/dw1 misses it by up to 14.3 (--quick: 8 cases, 8.4).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfref.topics._base import RunContext

ID = "chain-rule"
TITLE = "Chain rule: dy2/dw1 = dy2/dy1 * dy1/dw1"
CHAPTER = "A"
SEEDS = ("001",)
OPTIONS = ()  # honours no run option (tfref run refuses them)


def local_and_direct_derivatives(inputs, weights_1, biases_1, weights_2, biases_2) -> dict:
    """Each derivative of 001's graph from tf.GradientTape, asked for separately."""
    weights_1 = tf.Variable(weights_1)
    with tf.GradientTape(persistent=True) as tape:
        first = inputs * weights_1 + biases_1  # y1
        second = first * weights_2 + biases_2  # y2
    derivatives = {
        "dsecond_dfirst": tape.gradient(second, first),  # dy2/dy1
        "dfirst_dweights_1": tape.gradient(first, weights_1),  # dy1/dw1
        "dsecond_dweights_1": tape.gradient(second, weights_1),  # dy2/dw1, directly
    }
    del tape
    return {name: value.numpy() for name, value in derivatives.items()}


def run(ctx: RunContext) -> None:
    num_cases = 8 if ctx.quick else 1000
    inputs, weights_1, biases_1, weights_2, biases_2 = (
        ctx.rng.uniform(-3.0, 3.0, size=num_cases) for _ in range(5))  # float64
    derivatives = local_and_direct_derivatives(inputs, weights_1, biases_1, weights_2, biases_2)

    product = derivatives["dsecond_dfirst"] * derivatives["dfirst_dweights_1"]
    ctx.claim_close(f"dy2/dy1 * dy1/dw1 (two separate tape gradients) equals the tape's dy2/dw1 "
              f"({num_cases} random cases, float64)",
              product, derivatives["dsecond_dweights_1"], atol=0.0, rtol=1e-15)
    ctx.claim_close("the tape's dy2/dw1 equals the closed form w2 * x",
              derivatives["dsecond_dweights_1"], weights_2 * inputs, atol=0.0, rtol=1e-15)
    ctx.claim_close("the local derivative dy2/dy1 equals w2", derivatives["dsecond_dfirst"], weights_2,
              atol=0.0, rtol=0.0)
    ctx.claim_close("the local derivative dy1/dw1 equals x", derivatives["dfirst_dweights_1"], inputs,
              atol=0.0, rtol=0.0)
    # A wrong order of the factors would still pass for scalars (they commute); the sum of the two
    # factors, the usual slip, would not:
    wrong = derivatives["dsecond_dfirst"] + derivatives["dfirst_dweights_1"]
    ctx.claim_greater("control: the sum dy2/dy1 + dy1/dw1 is not dy2/dw1 "
                "(max |w2 + x - w2 * x|, so the check above can fail)",
                np.max(np.abs(wrong - derivatives["dsecond_dweights_1"])), 1e-3)


if __name__ == "__main__":  # python -m tfref.topics.chain_rule [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
