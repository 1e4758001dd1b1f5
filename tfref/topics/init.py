"""Weight initialisation: Xavier/Glorot keeps activation variance flat; equal weights never split.

Formula (003, D2L 4.8):
    layer:     o_i = sum_{j=1..n_in} w_ij x_j,   w_ij iid, mean 0, variance sigma^2
    forward:   Var[o_i] = n_in * sigma^2 * Var[x_j]     (flat through depth iff n_in sigma^2 = 1)
    backward:  Var[grad x_j] = n_out * sigma^2 * Var[grad o_i]   (flat iff n_out sigma^2 = 1)
    Xavier:    1/2 (n_in + n_out) sigma^2 = 1   =>   sigma^2 = 2 / (n_in + n_out)
               uniform U(-a, a): a^2 / 3 = sigma^2  =>  a = sqrt(6 / (n_in + n_out))
    symmetry:  if every hidden unit starts with the same weights, every unit receives the same
               gradient, so the units stay identical however long training runs

Symbols -> names: n_in, n_out -> fan_in, fan_out; sigma^2 -> xavier_variance(fan_in, fan_out);
a -> xavier_uniform_limit(fan_in, fan_out); o, x -> activations per layer.

Deviations: 003 states the Xavier result in words; the maths is D2L's. keras.initializers.
GlorotNormal draws a normal truncated at 2 standard deviations and divides the standard deviation
by 0.87962566 (the standard deviation of a unit normal truncated to [-2, 2]), so its variance is
exactly 2 / (n_in + n_out); the claims measure it. The depth experiments feed standardised digits
images through 20 equal-width layers: linear layers (the setting of the derivation) for the
flat / collapse / explode claims, tanh layers beside them (tanh shrinks large values, so it
saturates instead of exploding, and with Xavier its variance decays slowly rather than
geometrically).

Expect: GlorotUniform and GlorotNormal weights of a 300 x 500 layer have variance 0.002507 and
0.002501 against 2 / (n_in + n_out) = 0.0025. Through 20 linear layers the activation variance
keeps 0.80 of layer 1's with Xavier, falls to 6.5e-31 with too small and grows to 1.8e19 with too
large an initialisation, and with equal initial weights all 16 hidden units are still identical
after 100 SGD steps; the plot shows the variance per layer and the symmetry (--quick: 20 steps).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref.data import load_embedded
from tfref.topics._base import RunContext
from tfref.train import fit

ID = "init"
TITLE = "Weight initialisation: Xavier/Glorot and symmetry breaking"
CHAPTER = "C"
SEEDS = ("003",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

WIDTH = 256
DEPTH = 20
SMALL_STDDEV = 0.01  # n sigma^2 = 0.0256 per layer
LARGE_STDDEV = 0.2  # n sigma^2 = 10.24 per layer


def xavier_variance(fan_in: int, fan_out: int) -> float:
    """sigma^2 = 2 / (n_in + n_out)."""
    return 2.0 / (fan_in + fan_out)


def xavier_uniform_limit(fan_in: int, fan_out: int) -> float:
    """a = sqrt(6 / (n_in + n_out)): U(-a, a) has variance a^2 / 3 = 2 / (n_in + n_out)."""
    return float(np.sqrt(6.0 / (fan_in + fan_out)))


def initialisers(seed: int) -> dict:
    """The three initialisations of the depth experiment, by label."""
    return {
        "Xavier (GlorotNormal)": lambda i: keras.initializers.GlorotNormal(seed=seed + i),
        f"too small: N(0, {SMALL_STDDEV}^2)":
            lambda i: keras.initializers.RandomNormal(stddev=SMALL_STDDEV, seed=seed + i),
        f"too large: N(0, {LARGE_STDDEV}^2)":
            lambda i: keras.initializers.RandomNormal(stddev=LARGE_STDDEV, seed=seed + i),
    }


def activation_variances(inputs, make_initialiser, activation, depth: int = DEPTH) -> dict:
    """Feed ``inputs`` through ``depth`` layers of WIDTH units; per-layer variance, saturation."""
    h = tf.constant(inputs, tf.float64)
    variances, saturated = [], []
    for layer in range(depth):
        kernel = make_initialiser(layer)((h.shape[1], WIDTH), dtype="float64")
        h = activation(tf.matmul(h, kernel))  # (examples, WIDTH)
        variances.append(float(tf.math.reduce_variance(h)))
        saturated.append(float(tf.reduce_mean(tf.cast(tf.abs(h) > 0.99, tf.float64))))
    return {"variance": np.array(variances), "saturated": np.array(saturated)}


def check_glorot(ctx: RunContext) -> None:
    fan_in, fan_out = (300, 500)
    target = xavier_variance(fan_in, fan_out)
    uniform = keras.initializers.GlorotUniform(seed=ctx.seed)((fan_in, fan_out)).numpy()
    limit = xavier_uniform_limit(fan_in, fan_out)
    ctx.claim_close(f"GlorotUniform({fan_in}x{fan_out}): empirical variance = 2/(n_in + n_out)",
              float(uniform.var()), target, rtol=0.02)
    ctx.claim_close("GlorotUniform: largest |w| = sqrt(6/(n_in + n_out)) (the uniform limit)",
              float(np.abs(uniform).max()), limit, rtol=1e-3)
    normal = keras.initializers.GlorotNormal(seed=ctx.seed)((fan_in, fan_out)).numpy()
    ctx.claim_close(f"GlorotNormal({fan_in}x{fan_out}): empirical variance = 2/(n_in + n_out) "
              "(truncated normal, corrected)", float(normal.var()), target, rtol=0.02)
    stddev = np.sqrt(target) / 0.87962566103423978
    ctx.claim("GlorotNormal is truncated: every |w| <= 2 x its stddev sqrt(2/(n_in+n_out))/0.8796",
              bool(np.abs(normal).max() <= 2 * stddev * (1 + 1e-6)),
              measured=f"max |w| = {np.abs(normal).max():.4f}, 2 stddev = {2 * stddev:.4f}")
    ctx.note(f"Glorot variance 2/({fan_in}+{fan_out}) = {target:.6f}; measured uniform "
             f"{uniform.var():.6f}, normal {normal.var():.6f}. Without the 0.8796 correction the "
             f"truncated normal's variance would be {target * 0.87962566103423978**2:.6f}.")


def train_small_net(inputs, labels, initialiser, steps: int) -> dict:
    """A 64-16-10 tanh network, every kernel from ``initialiser``, trained by full-batch SGD.

    Returns the loss before each step and the first layer's kernel (64, 16) after training.
    """
    model = keras.Sequential([
        keras.Input((inputs.shape[1],), dtype="float64"),
        keras.layers.Dense(16, activation="tanh", kernel_initializer=initialiser, dtype="float64"),
        keras.layers.Dense(10, kernel_initializer=initialiser, dtype="float64"),
    ])
    # Through tfref.train.fit: one epoch = one full-batch step, no shuffling; the epoch's loss
    # is the loss before its step.
    history = fit(model, inputs, labels,
                  loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.SGD(learning_rate=0.5), epochs=steps,
                  batch_size=len(inputs), shuffle=False, accuracy=False, progress=False)
    losses = [float(loss) for loss in history.loss]
    return {"losses": losses, "kernel": model.layers[0].kernel.numpy()}


def check_symmetry(ctx: RunContext, inputs, labels, steps: int) -> dict:
    """Train from equal and from random weights; compare the hidden units' weights."""
    results = {
        "equal": train_small_net(inputs, labels, keras.initializers.Constant(0.05), steps),
        "random": train_small_net(inputs, labels,
                                  keras.initializers.GlorotUniform(seed=ctx.seed), steps),
    }
    for result in results.values():
        kernel = result["kernel"]  # column j = hidden unit j's incoming weights
        result["spread"] = float(np.abs(kernel - kernel[:, :1]).max())  # largest gap to unit 0
    ctx.claim_less(f"equal initial weights: after {steps} SGD steps all 16 hidden units still have "
             "identical weights (largest difference, float64)", results["equal"]["spread"], 1e-12)
    # Quick seeds 0-4: loss ratio 0.885 every seed (bound 0.95); Glorot spread 0.66-0.77
    # (floor 0.4, 0.26 below the lowest). Full mode (100 steps) keeps these bounds, not rerun.
    ctx.claim_less("equal initial weights: loss after / before the steps (it fell: the units "
                   "moved, together; quick seeds 0-4: 0.885)",
                   results["equal"]["losses"][-1] / results["equal"]["losses"][0], 0.95)
    ctx.claim_greater(f"random (Glorot) initial weights: after {steps} steps the hidden units differ "
                      f"(largest difference; quick seeds 0-4: 0.66-0.77)",
                      results["random"]["spread"], 0.4)
    return results


def run(ctx: RunContext) -> None:
    digits = load_embedded("digits")
    inputs = (digits.x - digits.x.mean(axis=0)) / np.maximum(digits.x.std(axis=0), 1e-6)
    inputs = inputs.astype(np.float64)
    ctx.note("Data: scikit-learn's bundled digits (1797 images, 64 pixels), each pixel "
             "standardised to mean 0 and variance 1 (constant pixels left at 0).")

    check_glorot(ctx)
    symmetry = check_symmetry(ctx, inputs, digits.y, steps=20 if ctx.quick else 100)

    depth_runs = {}
    for name, activation in (("linear", tf.identity), ("tanh", tf.tanh)):
        for label, make in initialisers(ctx.seed).items():
            depth_runs[(name, label)] = activation_variances(inputs, make, activation)
    labels = list(initialisers(ctx.seed))
    ratio = {key: run["variance"][-1] / run["variance"][0] for key, run in depth_runs.items()}
    xavier, small, large = labels
    ctx.claim_close(f"linear layers, Xavier: variance of layer {DEPTH} / layer 1 stays near 1 "
              "(within 0.5)",
              ratio[("linear", xavier)], 1.0, atol=0.5, rtol=0.0)
    # Seeds 0-4 (quick): linear too-small 6.1e-31-7.1e-31 (bound 1e-28), too-large
    # 1.67e19-1.95e19 (floor 1e18), tanh Xavier 0.102-0.111 (floor 0.07), tanh too-small
    # 6.1e-31-7.1e-31 (bound 1e-28), tanh too-large saturated 0.328-0.334 (floor 0.3), tanh
    # Xavier saturated 0 (bound 0.01).
    ctx.claim_less(f"linear layers, too-small init: variance of layer {DEPTH} / layer 1 collapses "
                   f"(seeds 0-4: 6e-31-7e-31)", ratio[("linear", small)], 1e-28)
    ctx.claim_greater(f"linear layers, too-large init: variance of layer {DEPTH} / layer 1 explodes "
                      f"(seeds 0-4: 1.7e19-2.0e19)", ratio[("linear", large)], 1e18)
    ctx.claim_greater(f"tanh layers, Xavier: layer {DEPTH} keeps a fair share of layer 1's variance "
                      f"(seeds 0-4: 0.102-0.111)", ratio[("tanh", xavier)], 0.07)
    ctx.claim_less(f"tanh layers, too-small init: variance of layer {DEPTH} / layer 1 collapses "
                   f"(seeds 0-4: 6e-31-7e-31)", ratio[("tanh", small)], 1e-28)
    ctx.claim_greater(f"tanh layers, too-large init: share of saturated units (|tanh| > 0.99) in "
                      f"layer {DEPTH} (Xavier: 0; seeds 0-4: 0.328-0.334)",
                      depth_runs[("tanh", large)]["saturated"][-1], 0.3)
    ctx.claim_less(f"tanh layers, Xavier: share of saturated units in layer {DEPTH} (seeds 0-4: 0)",
                   depth_runs[("tanh", xavier)]["saturated"][-1], 0.01)

    _plot(ctx, depth_runs, labels, symmetry)


def _plot(ctx, depth_runs, labels, symmetry) -> None:
    layers = np.arange(1, DEPTH + 1)
    colors = dict(zip(labels, ("C0", "C1", "C3"), strict=True))
    with ctx.figure("variance", ncols=3, figsize=(14.0, 4.0)) as (fig, axes):
        for ax, name in zip(axes[:2], ("linear", "tanh"), strict=True):
            for label in labels:
                ax.plot(layers, depth_runs[(name, label)]["variance"], "o-", ms=3,
                        color=colors[label], label=label)
            ax.set_yscale("log")
            ax.set_xlabel("layer")
            ax.set_ylabel("activation variance")
            ax.set_title(f"{DEPTH} {name} layers of {WIDTH} units, standardised digits in",
                         fontsize=9)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        ax = axes[2]
        for label, color in (("random", "C0"), ("equal", "C3")):
            kernel = symmetry[label]["kernel"]
            ax.plot(kernel[:, :6], color=color, lw=0.8, alpha=0.8)
            ax.plot([], [], color=color, label=f"{label} init: 6 hidden units' weights")
        ax.set_xlabel("input pixel")
        ax.set_ylabel("weight after training")
        ax.set_title("Symmetry: equal init keeps every hidden unit identical\n"
                     "(the 6 red lines lie on top of each other)", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.init [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
