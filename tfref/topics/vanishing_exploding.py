"""Vanishing and exploding gradients, and gradient clipping by value and by norm.

Seed 000: the sigmoid's derivative is at most 0.25, so through a 5-layer network the gradient that
reaches the first layer shrinks to (0.25)^5 (and can become machine zero); a gradient above 1 at
the output can grow through the layers until it explodes; ReLU (derivative 0 or 1) and gradient
clipping (cap the gradient at a threshold) are the remedies. Seed 003: careful initialisation keeps
gradients neither too small nor too large. The reproduction measures per-layer gradient norms with
tf.GradientTape on a batch of real data (scikit-learn's bundled digits, standardised).

Formula:
    s'(x) = s(x) (1 - s(x)) <= s'(0) = 0.25;   through 5 sigmoid units: 0.25^5 = 0.0009765625
    backprop: delta_k = (delta_{k+1} W_{k+1}^T) * f'(z_k);   dL/dW_k = h_{k-1}^T delta_k;
              dL/db_k = sum over the batch of delta_k   (the error signal reaching layer k)
    clip by value:        g <- min(max(g, -c), c)                    elementwise
    clip by norm:         g <- g * c / max(||g||, c)                   for each variable
    clip by global norm:  g_i <- g_i * c / max(sqrt(sum_j ||g_j||^2), c)   all variables together
    SGD step:             w <- w - eta * clipped(g)

Symbols: s -> ``ops.sigmoid``; s' -> ``ops.sigmoid_derivative``; delta_k -> the bias gradient
``bias_gradients[k]``; dL/dW_k -> ``kernel_gradients[k]``; c -> ``clip_value``/``clip_norm``;
eta -> ``learning_rate``.

Deviations: seed 000 writes (0.25)^5 = 0.0009; the exact figure is 0.0009765625. Layers are
counted from the input (layer 1) to the output. With a large initialisation the weight gradients
dL/dW_k = h_{k-1}^T delta_k are all huge but roughly level across layers (the activations h grow
forwards as fast as delta grows backwards), so the growth towards the first layer is shown on the
error signal dL/db_k, which is delta_k itself.

Expect: 0.25^5 = 0.0009765625 exactly (seed 000 writes 0.0009), measured by GradientTape through a
keras network of 5 Dense(1, sigmoid) layers at their steepest point, and through 80 sigmoid units the
float32 gradient is 0 while float64 holds 6.8e-49. On 1797 digits images the first layer's weight
gradient ||dL/dW_1|| is 0.0023 of ||dL/dW_6|| in the sigmoid net but 1.04 in the ReLU net
(451 times more), N(0, 3^2) initialisation grows the error signal 1.1e5-fold (ReLU) and 6.7e5-fold
(linear), and clipping caps an update 3.5e5 times smaller than the unclipped one; the plot shows
the gradient norms per layer (--quick: 256 images, one initialisation; ratio 563, growth 2.0e5 and
1.9e6).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

from tfref import ops
from tfref.topics._base import RunContext

ID = "vanishing-exploding"
TITLE = "Vanishing and exploding gradients; gradient clipping"
CHAPTER = "A"
SEEDS = ("000", "003")
OPTIONS = ()  # honours no run option (tfref run refuses them)

HIDDEN_LAYERS = 5  # sigmoid layers the error signal passes through, as in seed 000's example
HIDDEN_UNITS = 32
NUM_CLASSES = 10
LARGE_INIT_STDDEV = 3.0

# name -> (hidden activation, kernel initializer factory)
NETWORKS = {
    "sigmoid, Glorot init": ("sigmoid", lambda seed: keras.initializers.GlorotUniform(seed=seed)),
    "ReLU, Glorot init": ("relu", lambda seed: keras.initializers.GlorotUniform(seed=seed)),
    "ReLU, N(0, 3^2) init": (
        "relu",
        lambda seed: keras.initializers.RandomNormal(stddev=LARGE_INIT_STDDEV, seed=seed),
    ),
    "linear, N(0, 3^2) init": (
        None,
        lambda seed: keras.initializers.RandomNormal(stddev=LARGE_INIT_STDDEV, seed=seed),
    ),
}


def load_standardised_digits():
    """Digits 8x8 images as (1797, 64) float32 with zero mean, unit variance per pixel."""
    inputs, labels = load_digits(return_X_y=True)
    spread = inputs.std(axis=0)
    spread[spread == 0] = 1.0  # pixels that are always 0 stay 0
    inputs = (inputs - inputs.mean(axis=0)) / spread
    return inputs.astype("float32"), labels


def build_network(activation, initializer, seed: int, input_size: int) -> keras.Sequential:
    layers = [keras.Input(shape=(input_size,))]
    for index in range(HIDDEN_LAYERS):
        layers.append(
            keras.layers.Dense(
                HIDDEN_UNITS, activation=activation, kernel_initializer=initializer(seed + index)
            )
        )
    layers.append(
        keras.layers.Dense(NUM_CLASSES, kernel_initializer=initializer(seed + HIDDEN_LAYERS))
    )
    return keras.Sequential(layers)


def gradients(model, inputs, one_hot_labels):
    """Gradients of the mean softmax cross-entropy for every trainable variable (kernel, bias)."""
    with tf.GradientTape() as tape:
        logits = model(inputs)  # (batch, classes)
        loss = tf.reduce_mean(ops.softmax_cross_entropy_with_logits(one_hot_labels, logits))
    return tape.gradient(loss, model.trainable_variables)


def per_layer_norms(grads):
    """(kernel gradient norms, bias gradient norms), layer 1 (input side) first."""
    kernel_norms = np.array([float(tf.norm(g)) for g in grads[0::2]])
    bias_norms = np.array([float(tf.norm(g)) for g in grads[1::2]])
    return kernel_norms, bias_norms


def sigmoid_chain_gradient(num_units: int, dtype) -> float:
    """d out / d x through ``num_units`` sigmoid units each evaluated at its steepest point 0.

    u_1 = s(x) at x = 0 gives 0.5; each later unit computes s(u - 0.5), again at 0.
    """
    x = tf.constant(0.0, dtype=dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = ops.sigmoid(x)
        for _ in range(num_units - 1):
            unit = ops.sigmoid(unit - tf.constant(0.5, dtype=dtype))
    return float(tape.gradient(unit, x))


def _five_layer_network(ctx: RunContext) -> None:
    """A keras network of 5 Dense(1, sigmoid) layers: GradientTape's d output / d input equals
    the product over layers of w_l s'(z_l), s'(z) = s(z)(1 - s(z)) read off each layer's
    pre-activation; at weights 1 and every z_l = 0 that is 0.25^5, and with random weights it
    never exceeds 0.25^5 prod |w_l|."""
    import keras

    def network(weights, biases):
        layers = [keras.layers.Dense(1, activation="sigmoid", dtype="float64") for _ in weights]
        model = keras.Sequential([keras.Input((1,), dtype="float64"), *layers])
        for layer, w, b in zip(layers, weights, biases, strict=True):
            layer.set_weights([np.array([[w]]), np.array([b])])
        return model, layers

    def taped_and_product(model, layers, x):
        point = tf.constant([[x]], tf.float64)
        with tf.GradientTape() as tape:
            tape.watch(point)
            output = model(point)
        taped = float(tape.gradient(output, point)[0, 0])
        product, hidden = 1.0, point
        for layer in layers:  # the chain rule, one factor per layer, from recorded z_l
            z = tf.matmul(hidden, layer.kernel) + layer.bias
            product *= float(layer.kernel[0, 0]) * float(ops.sigmoid_derivative(z)[0, 0])
            hidden = layer(hidden)
        return taped, product

    model, layers = network([1.0] * 5, [0.0, -0.5, -0.5, -0.5, -0.5])
    taped, product = taped_and_product(model, layers, 0.0)
    ctx.claim_close(
        "keras network of 5 Dense(1, sigmoid) layers, weights 1, biases placing every z_l at 0 "
        "(the steepest point): GradientTape d out / d in, and the product of the 5 layers' "
        "s'(z_l) read off their pre-activations, both equal 0.25^5 (seed 000 writes 0.0009)",
        [taped, product],
        [0.0009765625, 0.0009765625],
        atol=0,
        rtol=1e-12,
    )
    ratios = []
    for _ in range(8):
        weights = ctx.rng.normal(0.0, 2.0, 5)
        model, layers = network(list(weights), list(ctx.rng.normal(0.0, 1.0, 5)))
        taped, product = taped_and_product(model, layers, float(ctx.rng.normal()))
        ratios.append((taped, product, abs(taped) / (0.25**5 * np.prod(np.abs(weights)))))
    taped, product, bound_ratio = (np.array(column) for column in zip(*ratios, strict=True))
    ctx.claim_close(
        "8 such networks with random weights N(0, 2^2) and biases: GradientTape = prod_l w_l "
        "s'(z_l) (the chain rule through the built layers)",
        taped,
        product,
        atol=1e-15,
        rtol=1e-9,
    )
    ctx.claim_less(
        "... and |d out / d in| / (0.25^5 prod |w_l|) stays at most 1 (0.25 bounds each "
        f"factor; largest {bound_ratio.max():.3f})",
        float(bound_ratio.max()),
        1.0,
        or_equal=True,
    )


def run(ctx: RunContext) -> None:
    # --- the 0.25 bound and 0.25^5 --------------------------------------------------------------
    grid = np.linspace(-8.0, 8.0, 16001)
    derivative = ops.sigmoid_derivative(grid).numpy()
    ctx.claim_close(
        "max of sigmoid'(x) on a grid over [-8, 8]", float(derivative.max()), 0.25, rtol=1e-12
    )
    ctx.claim_close("argmax of sigmoid'(x) is x = 0", float(grid[derivative.argmax()]), 0.0, atol=1e-12)
    ctx.note(
        f"Seed 000's figure (documented arithmetic): 0.25^5 = {0.25**5} (it writes 0.0009). The "
        "claims below measure it through built networks."
    )
    _five_layer_network(ctx)
    ctx.claim_close(
        "GradientTape through 5 sigmoid units at their steepest point (float64)",
        sigmoid_chain_gradient(5, tf.float64),
        0.0009765625,
        rtol=1e-12,
    )
    underflow_float32 = sigmoid_chain_gradient(80, tf.float32)
    underflow_float64 = sigmoid_chain_gradient(80, tf.float64)
    ctx.claim_close(
        "through 80 sigmoid units the float32 gradient is machine zero (0.25^80 = 2^-160)",
        underflow_float32,
        0.0,
        atol=0,
    )
    ctx.claim_close("... while float64 still holds 0.25^80", underflow_float64, 0.25**80, rtol=1e-12)

    # --- per-layer gradient norms on real data ----------------------------------------------------
    inputs, labels = load_standardised_digits()
    batch_size = 256 if ctx.quick else inputs.shape[0]
    num_inits = 1 if ctx.quick else 5
    order = ctx.rng.permutation(inputs.shape[0])[:batch_size]
    batch_inputs = tf.constant(inputs[order])
    batch_one_hot = tf.one_hot(labels[order], NUM_CLASSES)
    ctx.note(
        f"Gradients on {batch_size} standardised digits images (64 inputs, 10 classes), "
        f"{HIDDEN_LAYERS} hidden layers of {HIDDEN_UNITS} units + a 10-unit output layer, "
        f"{num_inits} random initialisation(s) per network."
    )

    init_seeds = [int(s) for s in ctx.rng.integers(0, 2**20, size=num_inits)]
    kernel_norms, bias_norms, first_grads = {}, {}, {}
    for name, (activation, initializer) in NETWORKS.items():
        kernels, biases = [], []
        for init_seed in ctx.progress(init_seeds, desc=name):
            model = build_network(activation, initializer, init_seed, inputs.shape[1])
            grads = gradients(model, batch_inputs, batch_one_hot)
            first_grads.setdefault(name, (model, grads))
            kernel_norm, bias_norm = per_layer_norms(grads)
            kernels.append(kernel_norm)
            biases.append(bias_norm)
        kernel_norms[name], bias_norms[name] = (
            np.array(kernels),
            np.array(biases),
        )  # (inits, layers)

    def ratio(norms):  # first layer / last layer, one per initialisation
        return norms[:, 0] / norms[:, -1]

    sigmoid_kernel = ratio(kernel_norms["sigmoid, Glorot init"])
    relu_kernel = ratio(kernel_norms["ReLU, Glorot init"])
    ctx.claim_less(
        "sigmoid net: ||dL/dW_1|| / ||dL/dW_6|| (vanishing; worst init)", sigmoid_kernel.max(), 0.02
    )
    ctx.claim_less(
        "sigmoid net: error signal ||dL/db_1|| / ||dL/db_6|| (worst init)",
        ratio(bias_norms["sigmoid, Glorot init"]).max(),
        0.01,
    )
    ctx.claim_greater(
        "ReLU net, same init: ||dL/dW_1|| / ||dL/dW_6|| (not collapsed; worst init)",
        relu_kernel.min(),
        0.3,
    )
    ctx.claim_greater(
        "ReLU ratio / sigmoid ratio (same init, same batch; worst pair)",
        relu_kernel.min() / sigmoid_kernel.max(),
        100.0,
    )
    for name in ("ReLU, N(0, 3^2) init", "linear, N(0, 3^2) init"):
        ctx.claim_greater(
            f"{name}: error signal ||dL/db_1|| / ||dL/db_6|| (exploding; worst init)",
            ratio(bias_norms[name]).min(),
            1e3,
        )
    ctx.claim_greater(
        "smallest weight-gradient norm with N(0, 3^2) ReLU / largest with Glorot ReLU",
        kernel_norms["ReLU, N(0, 3^2) init"].min() / kernel_norms["ReLU, Glorot init"].max(),
        1e3,
    )

    # --- gradient clipping on the exploding gradients ---------------------------------------------
    model, grads = first_grads["ReLU, N(0, 3^2) init"]
    clip_summary = _check_clipping(ctx, model, grads)
    ctx.note(
        "Seed 000 gives (0.25)^5 = 0.0009; exact: 0.0009765625. The 0.25 factor is a per-unit "
        "bound; in a network the weights multiply in too, so the measured shrinkage is a figure "
        "of the same order, not 0.25^5 exactly."
    )
    _plot(ctx, kernel_norms, bias_norms, clip_summary)


def _check_clipping(ctx: RunContext, model, grads):
    clip_value, clip_norm, learning_rate = 1.0, 5.0, 0.01
    grads64 = [g.numpy().astype(np.float64) for g in grads]
    global_norm = np.sqrt(sum(np.sum(g**2) for g in grads64))

    by_value = [tf.clip_by_value(g, -clip_value, clip_value) for g in grads]
    ctx.claim_less(
        "max |g| after tf.clip_by_value(g, -1, 1)",
        max(float(tf.reduce_max(tf.abs(g))) for g in by_value),
        clip_value,
        or_equal=True,
    )
    ctx.claim_close(
        "tf.clip_by_value equals min(max(g, -c), c) (NumPy)",
        np.concatenate([g.numpy().ravel() for g in by_value]),
        np.concatenate([np.clip(g, -clip_value, clip_value).ravel() for g in grads64]),
        atol=0,
        rtol=0,
    )

    by_global_norm, reported_norm = tf.clip_by_global_norm(grads, clip_norm)
    ctx.claim_close(
        "global norm reported by tf.clip_by_global_norm = sqrt(sum ||g_i||^2)",
        float(reported_norm),
        global_norm,
        rtol=1e-5,
    )
    clipped_global = np.sqrt(sum(float(tf.reduce_sum(g**2)) for g in by_global_norm))
    ctx.claim_less(
        "global norm after tf.clip_by_global_norm(grads, 5) (<= 5 up to float32 rounding)",
        clipped_global,
        clip_norm * (1 + 1e-6),
        or_equal=True,
    )
    ctx.claim_close(
        "clip_by_global_norm keeps the direction: g * c / max(global norm, c)",
        np.concatenate([g.numpy().ravel() for g in by_global_norm]),
        np.concatenate([(g * clip_norm / max(global_norm, clip_norm)).ravel() for g in grads64]),
        atol=1e-7,
        rtol=1e-5,
    )

    manual_updates = {
        "clipvalue": [np.clip(g, -clip_value, clip_value) for g in grads64],
        "clipnorm": [g * clip_norm / max(np.linalg.norm(g), clip_norm) for g in grads64],
        "global_clipnorm": [g * clip_norm / max(global_norm, clip_norm) for g in grads64],
    }
    settings = {"clipvalue": clip_value, "clipnorm": clip_norm, "global_clipnorm": clip_norm}
    weights = [v.numpy() for v in model.trainable_variables]
    step_sizes = {}
    for option, clipped in manual_updates.items():
        variables = [keras.Variable(w) for w in weights]
        optimizer = keras.optimizers.SGD(learning_rate=learning_rate, **{option: settings[option]})
        optimizer.apply_gradients(zip(grads, variables))
        keras_step = np.concatenate([(v.numpy() - w).ravel() for v, w in zip(variables, weights)])
        manual_step = np.concatenate([(-learning_rate * g).ravel() for g in clipped])
        ctx.claim_close(
            f"one keras SGD({option}={settings[option]:g}) step = w - eta * clipped g (manual)",
            keras_step,
            manual_step,
            atol=2e-6,
            rtol=1e-4,
        )
        step_sizes[option] = np.linalg.norm(keras_step)
    unclipped_step = learning_rate * global_norm
    ctx.claim_less(
        "SGD(global_clipnorm=5) step norm <= eta * 5 (up to float32 rounding)",
        step_sizes["global_clipnorm"],
        learning_rate * clip_norm * (1 + 1e-4),
        or_equal=True,
    )
    ctx.claim_greater(
        "unclipped step norm eta * ||g|| / clipped step norm (the cap at work)",
        unclipped_step / step_sizes["global_clipnorm"],
        1e3,
    )
    return {
        "raw": np.array([np.linalg.norm(g) for g in grads64[0::2]]),
        "clip_by_value(1)": np.array([np.linalg.norm(g.numpy()) for g in by_value[0::2]]),
        "clip_by_global_norm(5)": np.array(
            [np.linalg.norm(g.numpy()) for g in by_global_norm[0::2]]
        ),
    }


def _geometric_mean(norms):
    return np.exp(np.mean(np.log(norms), axis=0))


def _plot(ctx: RunContext, kernel_norms, bias_norms, clip_summary) -> None:
    num_layers = HIDDEN_LAYERS + 1
    layer_numbers = np.arange(1, num_layers + 1)
    markers = dict(zip(kernel_norms, ["o", "s", "^", "v"]))
    with ctx.figure("gradient-norms", ncols=3, figsize=(14.0, 4.2)) as (fig, axes):
        for name in kernel_norms:
            axes[0].semilogy(
                layer_numbers, _geometric_mean(kernel_norms[name]), marker=markers[name], label=name
            )
            axes[1].semilogy(
                layer_numbers, _geometric_mean(bias_norms[name]), marker=markers[name], label=name
            )
        axes[0].set_title("weight gradient ||dL/dW_k|| per layer")
        axes[1].set_title("error signal ||dL/db_k|| per layer")
        for name, norms in clip_summary.items():
            axes[2].semilogy(layer_numbers, norms, marker="o", label=name)
        axes[2].set_title("N(0, 3^2) ReLU net: ||dL/dW_k|| clipped")
        for axis in axes:
            axis.set_xlabel("layer k (1 = next to the input, 6 = output)")
            axis.set_ylabel("norm (log scale)")
            axis.set_xticks(layer_numbers)
            axis.grid(alpha=0.3, which="both")
            axis.legend(fontsize=7)


if __name__ == "__main__":  # python -m tfref.topics.vanishing_exploding [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
