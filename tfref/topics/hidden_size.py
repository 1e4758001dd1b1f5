"""How many hidden units: two rules of thumb and the growth loop, on scikit-learn's digits.

Seed 000 ("criteria for choosing the number and size of hidden layers"): (1) hidden size =
(input size + output size) * 2/3; (2) as many hidden nodes as the principal components that hold
70-90% of the input variance; (3) in practice start small, add hidden nodes one at a time while
watching training and generalisation error, and keep the size where the generalisation error stops
falling, before it rises again. The reproduction computes both rules for the digits data
(64 inputs, 10 classes) and runs the growth loop with one-hidden-layer keras MLPs, choosing the
size on a validation split kept apart from the test split.

Formula:
    rule 1:  hidden = (n_inputs + n_outputs) * 2 / 3 = (64 + 10) * 2 / 3 = 49.33
    rule 2:  X_c = X - mean(X);  X_c = U S V^T;  ratio_j = S_j^2 / sum_k S_k^2;
             k(f) = smallest k with ratio_1 + ... + ratio_k >= f,  f = 0.7 and 0.9
    growth:  for h = 1, 2, ...:  train x -> tanh(x W1 + b1) W2 + b2 (h hidden units);
             record training and validation error;  h* = argmin_h validation error;
             report test error at h*

Symbols: n_inputs, n_outputs -> ``NUM_INPUTS``, ``NUM_CLASSES``; S -> ``singular_values``;
ratio -> ``explained_ratio``; h -> ``hidden_size``; h* -> ``chosen_size``.

Deviations: seed 000 grows one network node by node; here every size is trained from its own
Glorot initialisation, and all sizes are trained side by side in one keras model whose loss is the
sum of the networks' losses. The networks share no parameter and Adam updates each parameter from
its own gradient alone, so this equals training each network by itself on the same batches (a
claim below checks it against a plain keras Sequential) and costs one compiled model instead of
one per size. Both train through the project's engine tfref.train.fit with the same seed, so
they see the same shuffled batches (every training image once per epoch, the last batch
shorter). The error is the classification error (fraction misclassified); ties in validation
error go to the smaller network. The seed counts a bias node in the input size; the rule uses 64.
Both models get the command line's training options: ``tfref run hidden-size`` honours --epochs,
--checkpoint-dir/--resume, --logdir, --strategy and --device (sub-directories
``hidden-size-side-by-side`` and ``hidden-size-alone-h<chosen size>``).

Expect: the rules of thumb give (64 + 10) * 2/3 = 49.33 hidden units and 9 and 21 principal
components for 70% and 90% of the variance; the growth loop over 64 sizes (40 epochs each) chooses
40 hidden units on validation (validation error 0.0111, test error 0.0278). The plot shows training
and validation error against the hidden size (--quick: 12 sizes, 12 epochs; it chooses 64, test
error 0.0306). The rule's 49 units, trained in the same loop, come within 0.006 of the chosen
size's validation error (--quick, seeds 0-4: 0-0.0084).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sklearn.decomposition import PCA

from tfref import ops
from tfref.data import digits_unit_scaled_splits
from tfref.topics._base import RunContext
from tfref.train import fit

ID = "hidden-size"
TITLE = "Choosing the hidden layer size: rules of thumb and the growth loop"
CHAPTER = "A"
SEEDS = ("000",)
OPTIONS = ('epochs', 'checkpoint_dir', 'resume', 'logdir', 'strategy', 'device')  # the run options this topic honours (tfref run refuses others)

NUM_INPUTS, NUM_CLASSES = 64, 10
LEARNING_RATE = 0.01
BATCH_SIZE = 64
HIDDEN_ACTIVATION = "tanh"  # no dead units: ReLU nets of 1-4 units often die at chance level


class BlockDiagonalOutput(keras.layers.Layer):
    """Output layers of several networks whose hidden units lie side by side in one tensor.

    Network i owns hidden units offsets[i] .. offsets[i] + sizes[i] - 1 and its own
    (size_i, classes) output kernel; its logits never see another network's units.
    """

    def __init__(self, sizes, num_classes: int, **kwargs):
        super().__init__(**kwargs)
        self.sizes = list(sizes)
        self.num_classes = num_classes
        self.owner = tf.constant(
            np.repeat(np.arange(len(self.sizes)), self.sizes)
        )  # (total units,)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(sum(self.sizes), self.num_classes), name="kernel")
        self.bias = self.add_weight(
            shape=(len(self.sizes), self.num_classes), initializer="zeros", name="bias"
        )

    def call(self, hidden):
        contributions = hidden[:, :, None] * self.kernel  # (batch, total units, classes)
        per_network = tf.math.unsorted_segment_sum(
            tf.transpose(contributions, [1, 0, 2]), self.owner, len(self.sizes)
        )  # (networks, batch, classes)
        return tf.transpose(per_network, [1, 0, 2]) + self.bias  # (batch, networks, classes)


def glorot_uniform(rng, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype("float32")


def build_side_by_side(sizes, rng):
    """One keras model holding a 64 -> h -> 10 MLP per size h; returns (model, initial weights)."""
    inputs = keras.Input(shape=(NUM_INPUTS,))
    hidden = keras.layers.Dense(
        sum(sizes), activation=HIDDEN_ACTIVATION, name="hidden_units_of_all_networks"
    )(inputs)
    logits = BlockDiagonalOutput(sizes, NUM_CLASSES, name="outputs_of_all_networks")(hidden)
    model = keras.Model(inputs, logits)
    initial = {
        size: (glorot_uniform(rng, NUM_INPUTS, size), glorot_uniform(rng, size, NUM_CLASSES))
        for size in sizes
    }
    model.get_layer("hidden_units_of_all_networks").set_weights(
        [np.concatenate([initial[s][0] for s in sizes], axis=1), np.zeros(sum(sizes), "float32")]
    )
    model.get_layer("outputs_of_all_networks").set_weights(
        [
            np.concatenate([initial[s][1] for s in sizes], axis=0),
            np.zeros((len(sizes), NUM_CLASSES), "float32"),
        ]
    )
    return model, initial


def summed_cross_entropy(num_networks: int):
    """Loss per example: the sum over networks of each one's softmax cross-entropy."""

    def loss(labels, logits):  # labels (batch,) or (batch, 1); logits (batch, networks, classes)
        one_hot = tf.one_hot(
            tf.cast(tf.reshape(labels, [-1]), tf.int32), NUM_CLASSES
        )  # (batch, classes)
        one_hot = tf.repeat(one_hot[:, None, :], num_networks, axis=1)  # (batch, networks, classes)
        return tf.reduce_sum(ops.softmax_cross_entropy_with_logits(one_hot, logits), axis=-1)

    return loss


def errors(model, inputs, labels) -> np.ndarray:
    """Classification error of every network: (networks,)."""
    predicted = np.argmax(
        model.predict(inputs, batch_size=4096, verbose=0), axis=-1
    )  # (batch, networks)
    true = np.broadcast_to(labels[:, None], predicted.shape)
    return tf.reduce_mean(ops.zero_one_loss(true, predicted), axis=0).numpy()



def run(ctx: RunContext) -> None:
    inputs, labels, train, validation, test = digits_unit_scaled_splits(ctx.seed)
    ctx.claim(
        "train / validation / test splits are disjoint and cover all 1797 images",
        len(set(train) | set(validation) | set(test))
        == len(labels)
        == len(train) + len(validation) + len(test),
        expected="disjoint, 1797 in all",
        measured=f"{len(train)} / {len(validation)} / {len(test)}",
    )

    # --- rule 1 ---------------------------------------------------------------------------------
    num_inputs, num_classes = inputs.shape[1], len(np.unique(labels))  # read off the data
    rule_of_thumb = (num_inputs + num_classes) * 2 / 3
    ctx.note(
        f"Rule of thumb (seed 000, documented arithmetic): (inputs + outputs) * 2/3 = "
        f"({num_inputs} + {num_classes}) * 2/3 = {rule_of_thumb:.2f}; the usual form "
        f"2/3 inputs + outputs gives {2 / 3 * num_inputs + num_classes:.2f}. The claim below "
        f"trains the size the rule gives."
    )

    # --- rule 2: principal components holding 70% and 90% of the variance ---------------------
    centred = inputs[train].astype(np.float64) - inputs[train].astype(np.float64).mean(axis=0)
    singular_values = np.linalg.svd(centred, compute_uv=False)
    explained_ratio = singular_values**2 / np.sum(singular_values**2)
    reference = PCA().fit(inputs[train].astype(np.float64))
    ctx.claim_close(
        "explained variance ratios from NumPy SVD = sklearn PCA.explained_variance_ratio_",
        explained_ratio,
        reference.explained_variance_ratio_,
        atol=1e-12,
        rtol=0,
    )
    cumulative = np.cumsum(explained_ratio)
    pca_sizes = {}
    for fraction in (0.7, 0.9):
        ours = int(np.argmax(cumulative >= fraction) + 1)
        theirs = int(PCA(n_components=fraction).fit(inputs[train].astype(np.float64)).n_components_)
        pca_sizes[fraction] = ours
        ctx.claim(
            f"components for {fraction:.0%} of the variance: NumPy SVD = sklearn "
            f"PCA(n_components={fraction})",
            ours == theirs,
            expected=theirs,
            measured=ours,
        )

    # --- rule 3: the growth loop ----------------------------------------------------------------
    if ctx.quick:
        sizes, epochs = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 49, 64], 12
    else:
        sizes, epochs = list(range(1, NUM_INPUTS + 1)), 40
    options = ctx.train  # the command line's training options, for both models
    epochs = options.epochs or epochs
    with options.model_scope():
        model, initial = build_side_by_side(sizes, ctx.rng)
        optimizer = keras.optimizers.Adam(LEARNING_RATE)
    # The engine shuffles by (seed, epoch), so a network trained alone sees the very same batches.
    fit(
        model, inputs[train], labels[train], loss_fn=summed_cross_entropy(len(sizes)),
        optimizer=optimizer, batch_size=BATCH_SIZE, seed=ctx.seed, progress=False,
        **options.fit_kwargs(epochs, name=f"{ID}-side-by-side"),
    )
    train_error = errors(model, inputs[train], labels[train])
    validation_error = errors(model, inputs[validation], labels[validation])
    test_error = errors(model, inputs[test], labels[test])
    position = int(np.argmin(validation_error))  # first minimum: ties go to the smaller network
    chosen_size = sizes[position]
    ctx.note(
        f"Growth loop: {len(sizes)} hidden sizes from {sizes[0]} to {sizes[-1]}, "
        f"{HIDDEN_ACTIVATION}, Adam (learning rate {LEARNING_RATE}), batch {BATCH_SIZE}, "
        f"{epochs} epochs on {len(train)} training "
        f"images; validation {len(validation)}, test {len(test)}."
    )
    ctx.note(
        f"Chosen hidden size (lowest validation error): {chosen_size}, validation error "
        f"{validation_error[position]:.4f}, test error {test_error[position]:.4f}. Rules of thumb: "
        f"{rule_of_thumb:.2f} (inputs + outputs) * 2/3; {pca_sizes[0.7]} and {pca_sizes[0.9]} "
        "principal "
        "components for 70% and 90% of the variance."
    )

    # Quick bounds from seeds 0-4 (highest seen plus a margin); full mode keeps the older bounds
    # (full runs were not repeated over seeds). Seen: validation ratio 0.022-0.055, test error
    # 0.025-0.050, training ratio 0.0036-0.023, rule-of-thumb gap 0-0.0084, larger/smaller half
    # 0.030-0.054.
    bounds = (
        {"validation": 0.1, "test": 0.08, "train": 0.05, "rule": 0.02, "half": 0.1}
        if ctx.quick
        else {"validation": 0.5, "test": 0.10, "train": 0.25, "rule": 0.05, "half": 0.2}
    )
    with ctx.calibrated_for("epochs"):
        ctx.claim_less(
            "validation error at the chosen size / validation error with 1 hidden unit "
            "(quick seeds 0-4: 0.022-0.055)",
            validation_error[position] / validation_error[0],
            bounds["validation"],
        )
        ctx.claim_less(
            f"test error at the chosen size {chosen_size} (digits; quick seeds 0-4: 0.025-0.050)",
            test_error[position],
            bounds["test"],
        )
        ctx.claim_less(
            f"training error with {sizes[-1]} hidden units / with 1 hidden unit (quick seeds 0-4: "
            f"0.0036-0.023)",
            train_error[-1] / train_error[0],
            bounds["train"],
        )
        rule_position = int(np.argmin(np.abs(np.array(sizes) - rule_of_thumb)))
        ctx.claim_less(
            f"the rule of thumb's size ({sizes[rule_position]} units, trained in the same loop): "
            f"validation error minus that at the chosen size {chosen_size} (quick seeds 0-4: "
            "0-0.0084; the rule gives a usable size)",
            validation_error[rule_position] - validation_error[position],
            bounds["rule"],
            or_equal=True,
        )
        half = len(sizes) // 2
        ctx.claim_less(
            "training error broadly falls as the layer grows: mean over the larger half of the "
            "sizes / mean over the smaller half (quick seeds 0-4: 0.030-0.054)",
            float(np.mean(train_error[half:]) / np.mean(train_error[:half])),
            bounds["half"],
        )

    _check_alone(
        ctx, model, sizes, position, initial, inputs, labels, train, validation,
        validation_error, epochs,
    )
    _plot(ctx, sizes, train_error, validation_error, test_error, position, rule_of_thumb, pca_sizes)


def _check_alone(
    ctx, model, sizes, position, initial, inputs, labels, train, validation, validation_error,
    epochs,
):
    """Train the chosen network alone, as a keras Sequential, from the same start and batches."""
    size = sizes[position]
    options = ctx.train
    with options.model_scope():
        alone = keras.Sequential(
            [
                keras.Input(shape=(NUM_INPUTS,)),
                keras.layers.Dense(size, activation=HIDDEN_ACTIVATION),
                keras.layers.Dense(NUM_CLASSES),
            ]
        )
        optimizer = keras.optimizers.Adam(LEARNING_RATE)
    first_kernel, second_kernel = initial[size]
    alone.set_weights(
        [first_kernel, np.zeros(size, "float32"), second_kernel, np.zeros(NUM_CLASSES, "float32")]
    )
    fit(
        alone, inputs[train], labels[train], loss_fn=_single_cross_entropy, optimizer=optimizer,
        batch_size=BATCH_SIZE, seed=ctx.seed, progress=False,
        **options.fit_kwargs(epochs, name=f"{ID}-alone-h{size}"),
    )

    offset = sum(sizes[:position])
    hidden_kernel, hidden_bias = model.get_layer("hidden_units_of_all_networks").get_weights()
    output_kernel, output_bias = model.get_layer("outputs_of_all_networks").get_weights()
    side_by_side = [
        hidden_kernel[:, offset : offset + size],
        hidden_bias[offset : offset + size],
        output_kernel[offset : offset + size],
        output_bias[position],
    ]
    largest = max(float(np.max(np.abs(a - b))) for a, b in zip(alone.get_weights(), side_by_side))
    ctx.claim_less(
        f"size-{size} network trained alone (keras Sequential) vs its slice of the side-by-side "
        "model: max |weight difference| (float32 round-off only)",
        largest,
        1e-4,
    )
    predicted = np.argmax(alone.predict(inputs[validation], verbose=0), axis=-1)
    alone_error = float(tf.reduce_mean(ops.zero_one_loss(labels[validation], predicted)))
    ctx.claim_close(
        f"size-{size} network trained alone: same validation error",
        alone_error,
        validation_error[position],
        atol=1.5 / len(validation),
        rtol=0,
    )


def _single_cross_entropy(labels, logits):
    one_hot = tf.one_hot(
        tf.cast(tf.reshape(labels, [-1]), tf.int32), NUM_CLASSES
    )  # (batch, classes)
    return ops.softmax_cross_entropy_with_logits(one_hot, logits)


def _plot(
    ctx, sizes, train_error, validation_error, test_error, position, rule_of_thumb, pca_sizes
) -> None:
    chosen_size = sizes[position]
    with ctx.figure("error-vs-hidden-size", ncols=2, figsize=(11.0, 4.0)) as (fig, axes):
        for axis, top in zip(axes, (None, 0.12)):
            axis.plot(sizes, train_error, "o-", ms=3, label="training error")
            axis.plot(sizes, validation_error, "s-", ms=3, label="validation error")
            axis.plot(
                [chosen_size],
                [test_error[position]],
                "k*",
                ms=11,
                label=f"test error at chosen size {chosen_size}",
            )
            axis.axvline(chosen_size, color="k", lw=0.8)
            axis.axvline(
                rule_of_thumb,
                color="C3",
                ls="--",
                lw=1.2,
                label=f"(64 + 10) * 2/3 = {rule_of_thumb:.1f}",
            )
            axis.axvline(
                pca_sizes[0.7],
                color="C4",
                ls=":",
                lw=1.5,
                label=f"PCA 70% variance: {pca_sizes[0.7]}",
            )
            axis.axvline(
                pca_sizes[0.9],
                color="C5",
                ls=":",
                lw=1.5,
                label=f"PCA 90% variance: {pca_sizes[0.9]}",
            )
            axis.set_xlabel("hidden units")
            axis.set_ylabel("classification error")
            axis.grid(alpha=0.3)
            if top is not None:
                axis.set_ylim(0, top)
        axes[0].set_title("digits: one-hidden-layer MLP, error vs hidden size")
        axes[1].set_title("zoom on the low-error region")
        axes[0].legend(fontsize=7)


if __name__ == "__main__":  # python -m tfref.topics.hidden_size [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
