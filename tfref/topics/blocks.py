"""Blocks, custom layers, parameters, initialisation, shared parameters and device placement.

Seed 003, D2L chapter 5 ("deep learning computation"): a block may be one layer, several layers
or a whole model, and blocks nest; ``Sequential`` chains blocks; a block may run code in its
forward pass; parameters are accessed, initialised and shared (a layer used twice); tensors and
computations are placed on devices. Each item is checked on rows of a real data set (digits,
64 pixel features scaled to [0, 1]).

Formula:
    Sequential:   y = f_k(... f_2(f_1(x)))
    custom dense: y = relu(x W + b), W and b created by add_weight (so Keras tracks them)
    shared layer: y = g(f(f(x; W); W))  =>  dL/dW = dL/dW_1 + dL/dW_2 at W_1 = W_2 = W
                  (W_1, W_2: the two uses of W made separate copies with equal values)
    initialisers: N(0, 0.01^2); constant 1; Glorot U(-a, a), a = sqrt(6 / (n_in + n_out));
                  D2L's custom: U(-10, 10) zeroed where abs(w) < 5

Symbols: W, b -> ``kernel``, ``bias``; f -> a layer or block; W_1, W_2 -> ``first_use``,
``second_use`` of ``tfref.nn.blocks.UsedOnce``; L -> ``loss``.

Deviations: D2L creates its constant weight with ``tf.constant``; here it is a non-trainable
weight (``add_weight(trainable=False)``), so it is saved with the model and still never trained.
No GPU is assumed; device placement is shown on the CPU, and on a GPU when one is present.

Expect: D2L chapter 5 on digits inputs: hand-chained and nested blocks match keras (D2L's rgnet: 18
weights, 3093 parameters), a layer used twice is counted once (601 parameters) and its two uses get
different gradients, RandomNormal(0, 0.01) gives standard deviation 0.0101 and D2L's custom
initialiser zeroes a share 0.502. Keras 3 does not track a raw tf.Variable attribute (0 variables)
but does track add_weight; the plot shows the initialisers and the shared layer's gradients. A
constant initialisation never breaks the symmetry between hidden units (spread 0 after 20 SGD
steps, Glorot 0.543), and a 64 -> 32 dense layer's 2,080 parameters fall to 608 as PHMDense with
n = 4 and to dq/n + q as a grouped 1x1 convolution (003:12-16).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref.data import load_embedded
from tfref.nn.blocks import (
    CenteredLayer,
    FixedHiddenMLP,
    HalfZeroUniform,
    KerasVariableDense,
    MyDense,
    MySequential,
    NestMLP,
    PHMDense,
    SharedTwice,
    UntrackedDense,
    UsedOnce,
    describe_parameters,
)
from tfref.nn.mlp import parameter_count
from tfref.topics._base import RunContext
from tfref.train import fit

ID = "blocks"
TITLE = "Blocks, custom layers, parameter access, initialisation, shared parameters, devices"
CHAPTER = "C"
SEEDS = ("003",)
OPTIONS = ()  # honours no run option (tfref run refuses them)


def run(ctx: RunContext) -> None:
    digits = load_embedded("digits")
    rows = ctx.rng.choice(digits.num_examples, size=64 if ctx.quick else 256, replace=False)
    x = (digits.x[rows] / 16.0).astype("float32")  # (batch, 64)
    y = digits.y[rows].astype("float32")[:, None]  # (batch, 1): the digit, as a regression target
    ctx.note(f"Inputs: {len(rows)} digits images (64 pixels scaled to [0, 1]) drawn with the "
             "run's seed; the regression target of the gradient checks is the digit itself.")
    _sequential_and_blocks(ctx, x)
    _parameter_access(ctx, x)
    kernels = _initialisation(ctx)
    _custom_layers(ctx, x)
    gradients = _shared_parameters(ctx, x, y)
    _devices(ctx)
    _parameter_reduction(ctx, x)
    _constant_symmetry(ctx)  # last: it reseeds keras, which would change the draws above
    _plot(ctx, kernels, gradients)


def _max_abs_difference(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def _sequential_and_blocks(ctx, x) -> None:
    hidden, output = keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)
    mine = MySequential(hidden, output)
    theirs = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(256, activation="relu"),
                               keras.layers.Dense(10)])
    mine(x)
    theirs.set_weights(mine.get_weights())
    ctx.claim_less("MySequential (blocks chained by hand) = keras.Sequential with the same weights: "
             "max |output difference|", _max_abs_difference(mine(x), theirs(x)), 1e-6,
             or_equal=True)
    ctx.claim_close("MySequential tracks the variables of the blocks in its list (2 kernels + 2 biases)",
              len(mine.trainable_variables), 4, rtol=0)

    fixed = FixedHiddenMLP(units=20, seed=ctx.seed)
    chimera = keras.Sequential([keras.Input(shape=(64,)), NestMLP(), keras.layers.Dense(20), fixed])
    value = chimera(x)
    by_hand = (parameter_count([64, 64, 32, 16]) + parameter_count([16, 20])
               + parameter_count([20, 20]) + 20 * 20)
    ctx.claim_close("nested blocks Sequential(NestMLP, Dense(20), FixedHiddenMLP): count_params() = "
              "hand count (64-64-32-16, 16-20, one 20-20 layer used twice, 400 constants)",
              chimera.count_params(), by_hand, rtol=0)
    ctx.claim("a block with code in its forward pass (a while loop halving until sum |h| <= 1) "
              "returns a scalar with |value| <= 1", value.shape == () and abs(float(value)) <= 1.0,
              expected="scalar, |value| <= 1", measured=f"shape {tuple(value.shape)}, "
              f"value {float(value):.4g}")
    constant_before = fixed.constant_weight.numpy().copy()
    kernel_before = fixed.dense.kernel.numpy().copy()
    with tf.GradientTape() as tape:
        value = fixed(x[:, :20])
    gradients = tape.gradient(value, fixed.trainable_variables)
    keras.optimizers.SGD(0.1).apply_gradients(zip(gradients, fixed.trainable_variables))
    ctx.claim("FixedHiddenMLP: 2 trainable variables (its dense layer, used twice, counted once) "
              "and 1 non-trainable (the constant weight)",
              (len(fixed.trainable_variables), len(fixed.non_trainable_variables)) == (2, 1),
              expected="(2, 1)",
              measured=str((len(fixed.trainable_variables), len(fixed.non_trainable_variables))))
    ctx.claim("after an SGD step the constant weight is unchanged and the dense kernel moved",
              np.array_equal(constant_before, fixed.constant_weight.numpy())
              and not np.array_equal(kernel_before, fixed.dense.kernel.numpy()),
              expected="constant unchanged, kernel changed")


def _parameter_access(ctx, x) -> None:
    net = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(8, activation="relu"),
                            keras.layers.Dense(1)])
    layer = net.layers[1]
    shapes = [tuple(int(d) for d in w.shape) for w in layer.weights]
    ctx.claim("parameter access: net.layers[1].weights is [kernel (8, 1), bias (1,)] and "
              "layer.kernel is layer.weights[0]",
              shapes == [(8, 1), (1,)] and layer.kernel is layer.weights[0],
              expected="[(8, 1), (1,)], same object", measured=str(shapes))
    before = net(x).numpy()
    weights = net.get_weights()
    net.set_weights([w + 1.0 for w in weights])
    shifted = net(x).numpy()
    net.set_weights(weights)
    ctx.claim("get_weights / set_weights round trip: setting the saved arrays back restores the "
              "outputs exactly, a changed set changes them",
              np.array_equal(net(x).numpy(), before) and not np.allclose(shifted, before),
              expected="restored exactly")
    layer.kernel.assign(layer.kernel * 2.0)
    hidden = net.layers[0](x).numpy()
    ctx.claim_close("assigning a variable in place (kernel *= 2) changes the output to the hand value",
              net(x).numpy(), hidden @ (2.0 * weights[2]) + weights[3], rtol=1e-5, atol=1e-5)

    def block1(i):
        return keras.Sequential([keras.layers.Dense(32, activation="relu", name="dense_32"),
                                 keras.layers.Dense(4, activation="relu", name="dense_4")],
                                name=f"block1_{i}")

    def block2():
        return keras.Sequential([block1(i) for i in range(4)], name="block2")

    rgnet = keras.Sequential([keras.Input(shape=(64,)), block2(), keras.layers.Dense(1, name="out")],
                             name="rgnet")
    rgnet(x)
    described = describe_parameters(rgnet)
    by_hand = parameter_count([64, 32, 4]) + 3 * parameter_count([4, 32, 4]) + parameter_count([4, 1])
    paths = [path for path, _, _ in described]
    ctx.claim("nested blocks (D2L's rgnet: 4 x block1 inside block2, then Dense(1)): 18 weights "
              "with unique paths, their sizes adding up to the hand count",
              len(paths) == 18 == len(set(paths))
              and sum(int(np.prod(shape)) for _, shape, _ in described) == by_hand,
              expected=f"18 weights, {by_hand} parameters",
              measured=f"{len(paths)} weights ({len(set(paths))} unique paths), "
              f"{rgnet.count_params()} parameters")
    ctx.note(f"rgnet parameter paths (first three): {paths[:3]}")


def _initialisation(ctx) -> None:
    fan_in, fan_out = 256, 256

    def kernel(initializer) -> np.ndarray:
        layer = keras.layers.Dense(fan_out, kernel_initializer=initializer,
                                   bias_initializer="zeros")
        layer.build((None, fan_in))
        return layer.kernel.numpy()

    normal = kernel(keras.initializers.RandomNormal(0.0, 0.01))
    ctx.claim_close("RandomNormal(0, 0.01): sample standard deviation of 65536 weights",
              normal.std(), 0.01, rtol=0.02)
    glorot = kernel(keras.initializers.GlorotUniform())
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    ctx.claim("GlorotUniform: every weight within sqrt(6 / (n_in + n_out))",
              bool(np.all(np.abs(glorot) <= bound)), expected=f"|w| <= {bound:.4f}",
              measured=f"max |w| = {np.abs(glorot).max():.4f}")
    ctx.claim_close("GlorotUniform: sample variance = 2 / (n_in + n_out)", glorot.var(),
              2.0 / (fan_in + fan_out), rtol=0.03)
    custom = kernel(HalfZeroUniform())
    zero_fraction = float(np.mean(custom == 0))
    ctx.claim_close("D2L's custom initialiser: fraction of zeros (1/2; binomial sd 0.002)",
              zero_fraction, 0.5, atol=0.01, rtol=0)
    nonzero = np.abs(custom[custom != 0])
    ctx.claim("D2L's custom initialiser: every non-zero weight has 5 <= |w| <= 10",
              bool(nonzero.min() >= 5.0 and nonzero.max() <= 10.0), expected="[5, 10]",
              measured=f"[{nonzero.min():.4f}, {nonzero.max():.4f}]")
    return {"RandomNormal(0, 0.01)": normal, "GlorotUniform": glorot,
            "D2L custom (U(-10, 10), zero where |w| < 5)": custom}


def _custom_layers(ctx, x) -> None:
    centred = CenteredLayer()(x)
    ctx.claim_less("CenteredLayer (no parameters): |mean of its output| on real inputs",
             abs(float(tf.reduce_mean(centred))), 1e-6)
    dense = MyDense(5)
    output = dense(x)
    shapes = [tuple(int(d) for d in v.shape) for v in dense.trainable_variables]
    ctx.claim("MyDense (add_weight): kernel and bias are tracked trainable variables",
              shapes == [(64, 5), (5,)], expected="[(64, 5), (5,)]", measured=str(shapes))
    kernel, bias = dense.get_weights()
    ctx.claim_close("MyDense output = relu(x W + b) by hand", output, np.maximum(x @ kernel + bias, 0),
              rtol=1e-5, atol=1e-6)

    untracked = UntrackedDense(5)
    untracked(x)
    counted = (len(untracked.trainable_variables), len(untracked.weights))
    ctx.claim("Keras 3 does not track raw tf.Variable attributes of a layer (measured: "
              "trainable_variables and weights of UntrackedDense)", counted == (0, 0),
              expected="(0, 0)", measured=str(counted))
    model = keras.Sequential([keras.Input(shape=(64,)), untracked, keras.layers.Dense(1)])
    raw_before = untracked.kernel.numpy().copy()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) ** 2)
    gradients = tape.gradient(loss, model.trainable_variables)
    keras.optimizers.SGD(0.1).apply_gradients(zip(gradients, model.trainable_variables))
    ctx.claim("consequence: an optimiser step over model.trainable_variables leaves the raw "
              "tf.Variable kernel untrained (only the Dense(1) head's 2 variables are listed)",
              np.array_equal(raw_before, untracked.kernel.numpy())
              and len(model.trainable_variables) == 2,
              expected="raw kernel unchanged, 2 variables listed",
              measured=f"{len(model.trainable_variables)} variables listed")
    keras_variables = KerasVariableDense(5)
    keras_variables(x)
    ctx.claim_close("keras.Variable attributes (instead of tf.Variable) are tracked: trainable "
              "variables of KerasVariableDense", len(keras_variables.trainable_variables), 2,
              rtol=0)
    ctx.note(f"Measured with Keras {keras.__version__}: a raw tf.Variable set as a layer attribute "
             f"is not tracked ({counted[0]} trainable variables listed), a keras.Variable or "
             "add_weight weight is; tfref layers use add_weight.")


def _shared_parameters(ctx, x, y) -> None:
    shared_model = SharedTwice(units=8)
    shared_model(x)
    unshared = UsedOnce(units=8)
    unshared(x)
    unshared.copy_from(shared_model)
    ctx.claim_less("UsedOnce (two copies with the shared values) computes the same outputs: max |diff|",
             _max_abs_difference(shared_model(x), unshared(x)), 1e-6, or_equal=True)

    def gradients(model, variables):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
        return tape.gradient(loss, variables)

    shared_kernel, shared_bias = gradients(
        shared_model, [shared_model.shared.kernel, shared_model.shared.bias])
    first_kernel, first_bias, second_kernel, second_bias = gradients(
        unshared, [unshared.first_use.kernel, unshared.first_use.bias,
                   unshared.second_use.kernel, unshared.second_use.bias])
    scale = float(np.max(np.abs(shared_kernel)))
    ctx.claim_close("shared layer: dL/dW = dL/dW_1 + dL/dW_2 (kernel, the two uses unshared)",
              shared_kernel, first_kernel + second_kernel, rtol=1e-5, atol=1e-6 * scale)
    ctx.claim_close("shared layer: dL/db = dL/db_1 + dL/db_2 (bias)", shared_bias,
              first_bias + second_bias, rtol=1e-5, atol=1e-6 * float(np.max(np.abs(shared_bias))))
    ctx.claim_greater("the two uses get different gradients (so the sum is not 2 x one of them): "
                "max |dL/dW_1 - dL/dW_2| / max |dL/dW|",
                _max_abs_difference(first_kernel, second_kernel) / scale, 0.01)

    shared = keras.layers.Dense(8, activation="relu")
    net = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(8, activation="relu"),
                            shared, shared, keras.layers.Dense(1)])
    net(x)
    net.layers[1].kernel.assign(tf.tensor_scatter_nd_update(
        net.layers[1].kernel, [[0, 0]], [100.0]))
    ctx.claim("D2L's Sequential with one layer listed twice: layers[1] is layers[2], so setting "
              "a weight through one is seen through the other",
              net.layers[1] is net.layers[2] and float(net.layers[2].kernel[0, 0]) == 100.0,
              expected=True)
    ctx.claim_close("... and its parameters are counted once: count_params() = 64-8, 8-8 (once), 8-1",
              net.count_params(), parameter_count([64, 8, 8]) + parameter_count([8, 1]), rtol=0)
    return {"shared": shared_kernel.numpy(), "first": first_kernel.numpy(),
            "second": second_kernel.numpy()}


def _parameter_reduction(ctx, x) -> None:
    """003 (D2L 3.4): a d -> q dense layer costs O(dq) parameters, reducible to O(dq/n)."""
    d, q = x.shape[1], 32
    dense = keras.layers.Dense(q)
    dense.build((None, d))
    counts = {"Dense": [], "PHMDense": [], "Conv2D 1x1, groups=n": []}
    factors = (1, 2, 4, 8, 16)
    for n in factors:
        phm = PHMDense(q, n)
        phm.build((None, d))
        grouped = keras.layers.Conv2D(q, 1, groups=n)
        grouped.build((None, 1, 1, d))
        counts["Dense"].append(dense.count_params())
        counts["PHMDense"].append(phm.count_params())
        counts["Conv2D 1x1, groups=n"].append(grouped.count_params())
    formula_phm = [n**3 + d * q // n + q for n in factors]
    formula_grouped = [d * q // n + q for n in factors]
    ctx.claim("O(dq) -> O(dq/n): keras count_params of PHMDense(32) on 64 inputs = n^3 + dq/n + q "
              "and of a 1x1 Conv2D with groups=n = dq/n + q, n = 1, 2, 4, 8, 16",
              counts["PHMDense"] == formula_phm and counts["Conv2D 1x1, groups=n"]
              == formula_grouped, expected=f"{formula_phm}; {formula_grouped}",
              measured=f"{counts['PHMDense']}; {counts['Conv2D 1x1, groups=n']}")
    ctx.claim_greater("PHMDense with n = 4 holds this many times fewer parameters than Dense "
                      "(dq + q = 2080 vs 4^3 + 512 + 32 = 608; deterministic counts)",
                      counts["Dense"][2] / counts["PHMDense"][2], 3.4)
    ctx.note("PHMDense's n^3 term (the A_i) dominates once n^3 > dq/n: here from n = 8 on (800 "
             "parameters at n = 8, 4256 at n = 16); the grouped 1x1 convolution, whose weight is "
             "block-diagonal, keeps falling as dq/n + q.")
    phm = PHMDense(q, 4)
    out = phm(x).numpy()
    a, s = phm.a.numpy().astype(np.float64), phm.s.numpy().astype(np.float64)
    w = sum(np.kron(a[i], s[i]) for i in range(4))
    ctx.claim_close("PHMDense(n = 4) on digits rows = x W + b with W = sum_i kron(A_i, S_i) built "
                    "by np.kron (float64)", out, x.astype(np.float64) @ w + phm.bias.numpy(),
                    atol=1e-5, rtol=1e-5)
    with ctx.figure("dense-parameters", figsize=(5.2, 3.4)) as (fig, ax):
        for name, values in counts.items():
            ax.plot(factors, values, "o-", label=name)
        ax.plot(factors, [d * q / n for n in factors], "k:", label="dq / n")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("n")
        ax.set_ylabel("parameters (keras count_params)")
        ax.set_title(f"a {d} -> {q} dense layer: O(dq) reduced to O(dq/n)", fontsize=9)
        ax.legend(fontsize=7)


def _constant_symmetry(ctx) -> None:
    """Constant initialisation: every hidden unit computes the same thing, and training keeps
    them the same (the symmetry D2L 4.8 warns of); GlorotUniform's units differ and diverge."""
    data = load_embedded("digits")
    x = (data.x[:256] / 16.0).astype(np.float32)
    y = data.y[:256]
    ones = keras.layers.Dense(16, kernel_initializer=keras.initializers.Constant(1.0))
    ctx.claim_close("Constant(1): each of the 16 units of a Dense layer outputs the row's pixel sum "
                    "(NumPy float64, 8 digits rows)", ones(x[:8]).numpy(),
                    np.repeat(x[:8].astype(np.float64).sum(axis=1, keepdims=True), 16, axis=1),
                    atol=1e-5, rtol=1e-6)
    spreads = {}
    for name, init in (("Constant(0.05)", keras.initializers.Constant(0.05)),
                       ("GlorotUniform", keras.initializers.GlorotUniform(seed=ctx.seed))):
        keras.utils.set_random_seed(ctx.seed)
        net = keras.Sequential([keras.Input((64,)),
                                keras.layers.Dense(16, activation="tanh", kernel_initializer=init),
                                keras.layers.Dense(10, kernel_initializer=init)])
        if name.startswith("Constant"):  # the output layer's rows equal too (columns differ)
            row = np.random.default_rng(ctx.seed).normal(0.0, 0.3, (1, 10))
            net.layers[1].kernel.assign(np.repeat(row, 16, axis=0).astype(np.float32))
        start = net.layers[0].kernel.numpy().copy()
        fit(net, x, y, loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            optimizer=keras.optimizers.SGD(0.05), epochs=20, batch_size=len(x), shuffle=False,
            accuracy=False, progress=False)  # 20 full-batch SGD steps
        kernel_after = net.layers[0].kernel.numpy()
        spreads[name] = (float(np.abs(kernel_after - kernel_after[:, :1]).max()),
                         float(np.abs(kernel_after - start).max()))
    (const_spread, const_moved), (glorot_spread, _) = (spreads["Constant(0.05)"],
                                                       spreads["GlorotUniform"])
    ctx.claim_less("symmetry: after 20 SGD steps on 256 digits the 16 hidden units of a "
                   "Constant(0.05) net are still identical (largest |column - column 0| of the first "
                   "kernel; float32 rounding)", const_spread, 1e-5)
    # Seeds 0-3 (quick): kernel moved 0.0707, 0.0565, 0.0901, 0.0961 -> floor 0.03 (lowest
    # minus 0.0265); Glorot spread 0.543, 0.545, 0.547, 0.562 -> floor 0.3 (lowest minus 0.24).
    ctx.claim_greater("... although that kernel moved (largest |change|; seeds 0-3: lowest 0.057, "
                      "floor 0.03)", const_moved, 0.03)
    ctx.claim_greater("GlorotUniform's hidden units differ after the same steps (largest |column - "
                      "column 0|; seeds 0-3: lowest 0.543, floor 0.3)", glorot_spread, 0.3)
    ctx.note(f"Constant(0.05) vs GlorotUniform, 20 SGD steps (lr 0.05) on 256 digits: first-kernel "
             f"column spread {const_spread:.2g} (kernel moved by up to {const_moved:.3g}) vs "
             f"{glorot_spread:.3g}; constant weights never break the symmetry between units.")


def _devices(ctx) -> None:
    gpus = tf.config.list_physical_devices("GPU")
    with tf.device("/CPU:0"):
        a = tf.ones((2, 3))
        b = a @ tf.transpose(a)
    ctx.claim("a computation on CPU tensors under tf.device('/CPU:0') runs there and gives "
              "NumPy's value (a a^T = 3 everywhere)",
              b.device.endswith("CPU:0") and np.array_equal(b.numpy(), np.full((2, 2), 3.0)),
              expected="...CPU:0", measured=b.device)
    if not gpus:
        with tf.device("/GPU:0"):
            asked = tf.ones((2, 3)) * 2.0
        ctx.claim("no GPU: tf.device('/GPU:0') does not fail, soft placement runs the op on the "
                  "CPU", tf.config.get_soft_device_placement() and asked.device.endswith("CPU:0"),
                  expected="...CPU:0", measured=asked.device)
        ctx.note("Devices: no GPU on this machine (tf.config.list_physical_devices('GPU') is "
                 "empty), so placement is shown on the CPU only; on a GPU machine the same code "
                 "checks tf.device('/GPU:0') too.")
        return
    with tf.device("/GPU:0"):
        c = tf.ones((2, 3))
        d = c + 1.0
    ctx.claim("a tensor created under tf.device('/GPU:0') reports a GPU:0 device",
              c.device.endswith("GPU:0") and d.device.endswith("GPU:0"), expected="...GPU:0",
              measured=c.device)
    with tf.device("/CPU:0"):
        copied = tf.identity(d)
    ctx.claim("tf.identity under tf.device('/CPU:0') copies a GPU tensor to the CPU, values equal",
              copied.device.endswith("CPU:0") and np.array_equal(copied.numpy(), d.numpy()),
              expected=True, measured=copied.device)
    ctx.note(f"Devices: {len(gpus)} GPU(s): {[g.name for g in gpus]}.")


def _plot(ctx, kernels, gradients) -> None:
    with ctx.figure("initialisers-and-shared-gradients", ncols=4, figsize=(17.0, 4.0)) as (fig, axes):
        for axis, (name, kernel) in zip(axes[:3], kernels.items()):
            axis.hist(kernel.ravel(), bins=80, color="C0")
            axis.set_title(f"{name}\n256 x 256 kernel", fontsize=9)
            axis.set_xlabel("weight")
            if name == "GlorotUniform":
                bound = np.sqrt(6.0 / sum(kernel.shape))
                axis.axvline(-bound, color="C3", ls="--", label="+-sqrt(6 / (n_in + n_out))")
                axis.axvline(bound, color="C3", ls="--")
                axis.legend(fontsize=7, loc="lower center")
            else:
                axis.set_yscale("log")
        axis = axes[3]
        total = gradients["first"] + gradients["second"]
        axis.scatter(total.ravel(), gradients["shared"].ravel(), s=10, label="dL/dW_1 + dL/dW_2")
        axis.scatter(gradients["first"].ravel(), gradients["shared"].ravel(), s=6, alpha=0.6,
                     label="dL/dW_1 alone")
        axis.scatter(gradients["second"].ravel(), gradients["shared"].ravel(), s=6, alpha=0.6,
                     label="dL/dW_2 alone")
        low, high = float(gradients["shared"].min()), float(gradients["shared"].max())
        axis.plot([low, high], [low, high], "k--", lw=0.8, label="y = x")
        axis.set_xlabel("gradient of the unshared copies")
        axis.set_ylabel("gradient of the shared kernel dL/dW")
        axis.set_title("a layer used twice: its gradient is the sum\nof the gradients of its two uses",
                       fontsize=9)
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.blocks [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
