"""Self-information, entropy, cross-entropy and KL divergence, checked against scipy.stats.entropy.

Seed 000 ("other" section): information of an event falls as its probability rises; for two
independent events x and y, p(x, y) = p(x) p(y) and h(x, y) = h(x) + h(y), hence h(x) = -log2 p(x);
entropy is the expected information, 0 for a certain event; KL divergence measures how poorly q
describes p, is 0 when they are equal and is not symmetric; cross-entropy is the loss to minimise.

Formula:
    h(x) = -log2 p(x);            h(x, y) = -log2 (p(x) p(y)) = h(x) + h(y)
    H(X) = -sum_i p(x_i) log_b p(x_i),   0 log 0 = 0;   0 <= H <= log_b n, = log_b n iff uniform
    H(X, Y) = -sum_x sum_y p(x, y) log p(x, y)  (= H(X) + H(Y) when independent)
    E(p, q) = -sum_i p(x_i) log q(x_i)
    D_KL(p || q) = sum_i p(x_i) log (p(x_i) / q(x_i)) >= 0,   = 0 iff p = q
    E(p, q) = H(p) + D_KL(p || q)

Symbols: p(x_i), q(x_i) -> ``p``, ``q``; b -> ``base``; h -> ``ops.self_information``;
H -> ``ops.entropy``; H(X, Y) -> ``ops.joint_entropy``; E -> ``ops.cross_entropy``;
D_KL -> ``ops.kl_divergence``.

Deviations: seed 000 writes D_KL = -sum p log(p / q) (wrong sign) and "cross-entropy = KL -
entropy" (it is KL + entropy); both are errata shown by the errata topic; this topic uses the
correct forms. Seed 000's example q = [0.9, 0.3, 0.2] is not a distribution (it sums to 1.4), so it
is not used as one.

Expect: entropy, cross-entropy and KL divergence equal scipy.stats.entropy on 5000 random
distributions (to 1.3e-15); the uniform over 6 outcomes has H = 2.585 bits, and
KL([0.5, 0.5] || [0.9, 0.1]) = 0.5108 nats but KL([0.9, 0.1] || [0.5, 0.5]) = 0.3681: KL is not
symmetric. KL is at least Pinsker's 2 TV^2 on every pair (smallest ratio 1.08; --quick 1.10), H
at least the min-entropy (ratio 1.013; 1.07). E(p, q) = H(p) + KL(p || q) on every pair, and seed
000's sign makes KL negative on every pair (largest -0.0121; --quick: 200 pairs, -0.0456).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from tfref import ops
from tfref.topics._base import RunContext

ID = "information"
TITLE = "Information, entropy, cross-entropy and KL divergence"
CHAPTER = "A"
SEEDS = ("000", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)


def random_distributions(rng, count: int, size: int) -> np.ndarray:
    """(count, size) float64 probability vectors: Dirichlet draws of mixed concentration, with
    some exact zeros so that 0 log 0 = 0 is exercised."""
    concentration = rng.choice([0.2, 1.0, 5.0], size=(count, 1))
    p = rng.gamma(concentration, size=(count, size))
    p[rng.random((count, size)) < 0.1] = 0.0
    p[p.sum(axis=1) == 0, 0] = 1.0
    return p / p.sum(axis=1, keepdims=True)


def run(ctx: RunContext) -> None:
    count = 200 if ctx.quick else 5000
    size = 6

    # --- self-information ----------------------------------------------------------------------
    probabilities = np.array([1.0, 0.5, 0.25, 0.125, 1 / 1024])
    ctx.claim_close(
        "h(x) = -log2 p(x) for p = 1, 1/2, 1/4, 1/8, 1/1024 (bits)",
        ops.self_information(probabilities, base=2).numpy(),
        [0.0, 1.0, 2.0, 3.0, 10.0],
        rtol=1e-12,
    )
    p_x, p_y = 0.3, 0.125
    h_joint = float(ops.self_information(np.float64(p_x * p_y), base=2))
    h_sum = float(
        ops.self_information(np.float64(p_x), base=2)
        + ops.self_information(np.float64(p_y), base=2)
    )
    ctx.claim_close(
        "independent events: h(x, y) = -log2 p(x)p(y) equals h(x) + h(y) (p = 0.3, 0.125)",
        h_joint,
        h_sum,
        rtol=1e-12,
    )
    ctx.claim(
        "rarer events carry more information: h decreasing in p",
        bool(np.all(np.diff(ops.self_information(np.linspace(0.01, 1, 100), base=2).numpy()) < 0)),
    )

    # --- entropy -------------------------------------------------------------------------------
    p = random_distributions(ctx.rng, count, size)
    entropy_bits = ops.entropy(p, base=2).numpy()
    ctx.claim_close(
        f"H(p) in bits equals scipy.stats.entropy(p, base=2) ({count} random p, some with zeros)",
        entropy_bits,
        stats.entropy(p, base=2, axis=1),
        atol=1e-12,
        rtol=1e-10,
    )
    ctx.claim_close(
        "H(p) in nats equals scipy.stats.entropy(p)",
        ops.entropy(p).numpy(),
        stats.entropy(p, axis=1),
        atol=1e-12,
        rtol=1e-10,
    )
    ctx.claim_close(
        "0 log 0 = 0: H([1/2, 1/2, 0, 0]) = 1 bit (no NaN)",
        float(ops.entropy(np.array([0.5, 0.5, 0.0, 0.0]), base=2)),
        1.0,
        rtol=1e-12,
    )
    ctx.claim_close(
        "a certain event has entropy 0: H([0, 1, 0, 0, 0, 0])",
        float(ops.entropy(np.eye(size)[1])),
        0.0,
        atol=0,
    )
    uniform_entropy = float(ops.entropy(np.full(size, 1 / size), base=2))
    ctx.claim_close(
        f"uniform over n = {size} outcomes: H = log2 n", uniform_entropy, np.log2(size), rtol=1e-12
    )
    min_entropy = -np.log2(p.max(axis=1))  # H_inf(p) = -log2 max_i p_i <= H(p), equal iff flat
    spread = min_entropy > 1e-9  # rows not a certain event
    ctx.claim_greater(
        "H(p) >= the min-entropy -log2 max_i p_i on every random p (NumPy): smallest ratio "
        "H / H_min over the p that are not certain (a wrong log base or sign falls below 1)",
        float(np.min(entropy_bits[spread] / min_entropy[spread])), 1.0, or_equal=True,
    )
    ctx.claim_less(
        "max H over the random p (<= log2 n, reached only by the uniform)",
        entropy_bits.max(),
        uniform_entropy,
    )

    p_first = random_distributions(ctx.rng, 1, 4)[0]
    p_second = random_distributions(ctx.rng, 1, 5)[0]
    joint = np.outer(p_first, p_second)  # (4, 5) table of an independent pair
    ctx.claim_close(
        "joint entropy of independent X, Y = H(X) + H(Y) (a scalar over the whole table)",
        float(ops.joint_entropy(joint)),
        float(ops.entropy(p_first) + ops.entropy(p_second)),
        rtol=1e-10,
    )

    # --- cross-entropy and KL ------------------------------------------------------------------
    q = random_distributions(ctx.rng, count, size) * 0.9 + 0.1 / size  # strictly positive
    kl = ops.kl_divergence(p, q).numpy()
    cross = ops.cross_entropy(p, q).numpy()
    ctx.claim_close(
        "KL(p || q) equals scipy.stats.entropy(p, q)",
        kl,
        stats.entropy(p, q, axis=1),
        atol=1e-12,
        rtol=1e-9,
    )
    numpy_cross = -np.sum(np.where(p > 0, p * np.log(q), 0.0), axis=1)
    ctx.claim_close(
        "cross-entropy E(p, q) equals -sum p log q (NumPy)",
        cross,
        numpy_cross,
        atol=1e-12,
        rtol=1e-10,
    )
    ctx.claim_close(
        "E(p, q) = H(p) + KL(p || q) (not KL - H as seed 000 says)",
        cross,
        ops.entropy(p).numpy() + kl,
        atol=1e-12,
        rtol=1e-10,
    )
    total_variation = 0.5 * np.abs(p - q).sum(axis=1)
    ctx.claim_greater(
        f"Pinsker: KL(p || q) >= 2 TV(p, q)^2 nats on every one of {count} random pairs "
        "(TV = half the L1 distance, NumPy): smallest ratio KL / (2 TV^2), a KL too small by "
        "any factor fails",
        float(np.min(kl / (2 * total_variation**2))), 1.0, or_equal=True,
    )
    ctx.claim_close(
        "KL(p || p) = 0 for every random p",
        ops.kl_divergence(p, p).numpy(),
        np.zeros(count),
        atol=1e-15,
    )

    pair_p, pair_q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    forward = float(ops.kl_divergence(pair_p, pair_q))
    backward = float(ops.kl_divergence(pair_q, pair_p))
    ctx.claim_close(
        "KL([0.5, 0.5] || [0.9, 0.1]) = 0.5 ln(5/9) + 0.5 ln 5",
        forward,
        0.5 * np.log(5 / 9) + 0.5 * np.log(5),
        rtol=1e-12,
    )
    ctx.claim_close(
        "KL([0.9, 0.1] || [0.5, 0.5]) = 0.9 ln 1.8 + 0.1 ln 0.2",
        backward,
        0.9 * np.log(1.8) + 0.1 * np.log(0.2),
        rtol=1e-12,
    )
    ctx.claim_close(
        "not symmetric: KL(p || q) - KL(q || p) for that pair = 0.1428 nats (the two closed "
        "forms above, computed in float64 here)", forward - backward,
        (0.5 * np.log(5 / 9) + 0.5 * np.log(5)) - (0.9 * np.log(1.8) + 0.1 * np.log(0.2)),
        rtol=1e-12,
    )

    one_hot, prediction = np.array([1.0, 0.0, 0.0]), np.array([0.9, 0.05, 0.05])
    ctx.claim_close(
        "label p = [1, 0, 0], prediction q = [0.9, 0.05, 0.05]: E(p, q) = KL(p || q) = -ln 0.9",
        [
            float(ops.cross_entropy(one_hot, prediction)),
            float(ops.kl_divergence(one_hot, prediction)),
        ],
        [-np.log(0.9)] * 2,
        rtol=1e-12,
    )
    try:
        ops.kl_divergence(one_hot, np.array([0.9, 0.3, 0.2]))
        rejected = False
    except ValueError:
        rejected = True
    ctx.claim(
        "seed 000's q = [0.9, 0.3, 0.2] (sums to 1.4) is rejected as a distribution", rejected
    )

    wrong_sign_kl = -kl
    ctx.note(
        "Errata 3 and 4 (seed 000): with its sign, D_KL = -sum p log(p/q) is negative for every "
        f"random pair here (largest {wrong_sign_kl.max():.3g}); cross-entropy is H + KL, "
        "not KL - H. "
        "The errata topic demonstrates both."
    )
    _plot(ctx)


def _plot(ctx: RunContext) -> None:
    p_grid = np.linspace(0.0, 1.0, 501)
    bernoulli = np.stack([p_grid, 1 - p_grid], axis=1)  # (501, 2)
    binary_entropy = ops.entropy(bernoulli, base=2).numpy()
    p_fixed = 0.3
    q_grid = np.linspace(0.005, 0.995, 397)
    fixed = np.tile([p_fixed, 1 - p_fixed], (q_grid.size, 1))  # (397, 2)
    moving = np.stack([q_grid, 1 - q_grid], axis=1)  # (397, 2)
    forward = ops.kl_divergence(fixed, moving, base=2).numpy()
    backward = ops.kl_divergence(moving, fixed, base=2).numpy()

    with ctx.figure("entropy-and-kl", ncols=2, figsize=(10.0, 3.8)) as (fig, axes):
        axes[0].plot(p_grid, binary_entropy, lw=2)
        axes[0].plot([0.5], [1.0], "o", color="C3", label="max 1 bit at p = 0.5")
        axes[0].set_xlabel("p = P(X = 1)")
        axes[0].set_ylabel("H(p) (bits)")
        axes[0].set_title("binary entropy: 0 when certain, max at uniform")
        axes[1].plot(q_grid, forward, lw=2, label="KL(p || q)")
        axes[1].plot(q_grid, backward, lw=2, ls="--", label="KL(q || p)")
        axes[1].axvline(p_fixed, color="gray", lw=0.8, label="q = p: both 0")
        axes[1].set_ylim(0, 3)
        axes[1].set_xlabel("q = P(X = 1) of the model")
        axes[1].set_ylabel("bits")
        axes[1].set_title("Bernoulli p = 0.3 vs q: KL is not symmetric")
        for axis in axes:
            axis.grid(alpha=0.3)
            axis.legend(fontsize=8)


if __name__ == "__main__":  # python -m tfref.topics.information [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
