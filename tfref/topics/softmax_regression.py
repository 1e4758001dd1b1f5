"""Softmax regression on handwritten digits: one-hot labels, softmax + cross-entropy, d*q weights.

Seed 003 (D2L 3.4): labels without a natural order are one-hot encoded; raw outputs are not
probabilities (they need not be positive or sum to one), so softmax turns them into a
distribution; the fully connected layer from d inputs to q outputs costs O(dq) parameters.
The reproduction trains softmax regression from scratch on scikit-learn's 8x8 digits (64 inputs,
10 classes) with mini-batch SGD, and trains keras Dense(10) with the same start, the same
batches and the same steps beside it.

Formula:
    o = x W + b                       W: (d, q), b: (q,)          (d = 64, q = 10)
    y_hat = softmax(o),  y_hat_j = exp(o_j) / sum_k exp(o_k)
    l(y, y_hat) = -sum_j y_j log y_hat_j      y one-hot: y_j = 1 for the true class only
    parameters: d * q weights + q biases = 64 * 10 + 10 = 650
    mini-batch SGD: (W, b) = (W, b) - eta / |B| sum_{i in B} grad l_i

Symbols: x -> ``inputs`` (pixels / 16); W -> ``weights``; b -> ``bias``; o -> ``logits``;
y -> ``one_hot``; eta -> ``LEARNING_RATE``; |B| -> ``BATCH_SIZE``; d, q -> 64, 10.

Deviations: the loss is computed from the logits (``ops.softmax_cross_entropy_with_logits``,
log-sum-exp inside) instead of log(softmax(o)), which overflows for large logits; the same
function as -sum y log softmax(o) where both are finite. Pixels are scaled by 1/16 (their
range), which uses no statistic of the data. Each epoch uses 16 full batches of 64 from a fresh
shuffle of the 1078 training images (the 54 left over change from epoch to epoch).

Expect: 650 parameters (64 * 10 + 10) from scratch and in keras Dense(10); after 40 epochs of
mini-batch SGD on digits the from-scratch model reaches test accuracy 0.956 (validation 0.961), and
keras trained on the same 640 steps lands on the same weights (within 6e-7) with no test prediction
different. The plot shows the training curves (--quick: 12 epochs, test accuracy 0.944).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref import ops
from tfref.data import digits_unit_scaled_splits
from tfref.topics._base import RunContext

ID = "softmax-regression"
TITLE = "Softmax regression: one-hot labels, softmax cross-entropy, d*q parameters"
CHAPTER = "B"
SEEDS = ("003",)
OPTIONS = ('epochs',)  # the run options this topic honours (tfref run refuses others)

NUM_INPUTS, NUM_CLASSES = 64, 10
LEARNING_RATE = 0.5
BATCH_SIZE = 64
EPOCHS, QUICK_EPOCHS = 40, 12



@tf.function
def sgd_epoch(weights, bias, batch_inputs, batch_labels):
    """One epoch of mini-batch SGD: batch_inputs (steps, B, d), batch_labels (steps, B, q).

    Returns the new (weights, bias) and the mean loss of each batch (steps,).
    """
    losses = tf.TensorArray(tf.float32, size=tf.shape(batch_inputs)[0])
    for step in tf.range(tf.shape(batch_inputs)[0]):
        with tf.GradientTape() as tape:
            tape.watch([weights, bias])
            logits = tf.matmul(batch_inputs[step], weights) + bias  # (B, q)
            loss = tf.reduce_mean(ops.softmax_cross_entropy_with_logits(batch_labels[step], logits))
        weight_gradient, bias_gradient = tape.gradient(loss, [weights, bias])
        weights = ops.sgd_update(weights, weight_gradient, LEARNING_RATE)
        bias = ops.sgd_update(bias, bias_gradient, LEARNING_RATE)
        losses = losses.write(step, loss)
    return weights, bias, losses.stack()


def accuracy(inputs, labels, weights, bias) -> float:
    predicted = tf.argmax(tf.matmul(inputs, weights) + bias, axis=-1)
    return float(ops.accuracy(labels, predicted.numpy()))


def epoch_batches(rng, train: np.ndarray, epochs: int) -> np.ndarray:
    """Row indices of every batch, (epochs, steps per epoch, BATCH_SIZE); new shuffle per epoch."""
    steps = len(train) // BATCH_SIZE
    return np.stack(
        [
            rng.permutation(train)[: steps * BATCH_SIZE].reshape(steps, BATCH_SIZE)
            for _ in range(epochs)
        ]
    )


def run(ctx: RunContext) -> None:
    inputs, labels, train, validation, test = digits_unit_scaled_splits(ctx.seed)
    epochs = ctx.train.epochs or (QUICK_EPOCHS if ctx.quick else EPOCHS)
    one_hot = tf.one_hot(labels, NUM_CLASSES).numpy()  # (n, q)
    ctx.claim(
        "one-hot labels: each row has a single 1, at the label's index",
        bool(np.all(one_hot.sum(axis=1) == 1) and np.all(one_hot.argmax(axis=1) == labels)),
        expected="rows sum to 1, argmax = label",
    )

    # --- parameters of a dense layer ------------------------------------------------------------
    limit = np.sqrt(6.0 / (NUM_INPUTS + NUM_CLASSES))  # Glorot uniform, as keras' default
    initial_weights = ctx.rng.uniform(-limit, limit, (NUM_INPUTS, NUM_CLASSES)).astype(np.float32)
    initial_bias = np.zeros(NUM_CLASSES, np.float32)
    model = keras.Sequential([keras.Input(shape=(NUM_INPUTS,)), keras.layers.Dense(NUM_CLASSES)])
    model.set_weights([initial_weights, initial_bias])
    ctx.claim_close(
        "parameters: d * q + q = 64 * 10 + 10 (from-scratch W and b)",
        initial_weights.size + initial_bias.size,
        NUM_INPUTS * NUM_CLASSES + NUM_CLASSES,
        rtol=0,
    )
    ctx.claim_close(
        "parameters: keras Dense(10) on 64 inputs count_params()",
        model.count_params(),
        NUM_INPUTS * NUM_CLASSES + NUM_CLASSES,
        rtol=0,
    )

    # --- from scratch ---------------------------------------------------------------------------
    batches = epoch_batches(ctx.rng, train, epochs)  # (epochs, steps, B)
    weights, bias = tf.constant(initial_weights), tf.constant(initial_bias)
    history = {"loss": [], "train": [], "validation": []}
    for epoch in ctx.progress(range(epochs), total=epochs, desc="epochs"):
        rows = batches[epoch]
        weights, bias, losses = sgd_epoch(
            weights, bias, tf.constant(inputs[rows]), tf.constant(one_hot[rows])
        )
        history["loss"].append(float(tf.reduce_mean(losses)))
        history["train"].append(accuracy(inputs[train], labels[train], weights, bias))
        history["validation"].append(
            accuracy(inputs[validation], labels[validation], weights, bias)
        )
    test_accuracy = accuracy(inputs[test], labels[test], weights, bias)
    with ctx.calibrated_for("epochs"):
        # Quick seeds 0-4: test accuracy 0.911-0.953 (floor 0.88, 0.03 below the lowest; the old
        # 0.9 sat only 0.011 under seed 4); loss ratio last / first epoch 0.16-0.17 (bound 0.3).
        # Full mode was not rerun over seeds and keeps the same floors.
        ctx.claim_greater(
            f"from-scratch softmax regression: test accuracy after {epochs} epochs (quick seeds "
            f"0-4: 0.911-0.953)", test_accuracy, 0.88
        )
        ctx.claim_less("training loss: last epoch / first epoch (quick seeds 0-4: 0.16-0.17)",
                       history["loss"][-1] / history["loss"][0], 0.3)

    # --- keras Dense(10) + softmax cross-entropy, the same start, batches and steps ------------
    model.compile(
        optimizer=keras.optimizers.SGD(LEARNING_RATE),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        steps_per_execution=batches.shape[1],
    )
    rows = batches.reshape(-1, BATCH_SIZE)  # every batch of every epoch, in order
    stream = tf.data.Dataset.from_tensor_slices((inputs[rows], one_hot[rows]))  # one batch each
    model.fit(stream, epochs=1, verbose=0, shuffle=False)
    keras_weights, keras_bias = model.get_weights()
    ctx.claim_close(
        f"keras Dense(10) + CategoricalCrossentropy(from_logits) after the same "
        f"{rows.shape[0]} SGD steps = from scratch: [W, b]",
        np.append(keras_weights.ravel(), keras_bias),
        np.append(weights.numpy().ravel(), bias.numpy()),
        atol=1e-5,
        rtol=1e-5,
    )
    keras_predictions = model.predict(inputs[test], verbose=0).argmax(axis=1)
    scratch_predictions = tf.argmax(tf.matmul(inputs[test], weights) + bias, axis=-1).numpy()
    ctx.claim_close(
        "test images on which keras and from-scratch predictions differ",
        int(np.sum(keras_predictions != scratch_predictions)),
        0,
        atol=0,
        rtol=0,
    )
    ctx.note(
        f"Digits: {len(train)} train / {len(validation)} validation / {len(test)} test "
        f"images; {epochs} epochs of {batches.shape[1]} batches of {BATCH_SIZE}, learning "
        f"rate {LEARNING_RATE}; validation accuracy {history['validation'][-1]:.3f}, test "
        f"accuracy {test_accuracy:.3f}."
    )
    _plot(ctx, history)


def _plot(ctx, history):
    epochs = np.arange(1, len(history["loss"]) + 1)
    with ctx.figure("training", ncols=2, figsize=(10.0, 3.8)) as (fig, axes):
        axes[0].plot(epochs, history["loss"], "o-", ms=3, lw=2)
        axes[0].set(
            xlabel="epoch",
            ylabel="mean cross-entropy of the epoch's batches",
            title="softmax regression: training loss",
        )
        axes[1].plot(epochs, history["train"], "o-", ms=3, lw=2, label="training")
        axes[1].plot(epochs, history["validation"], "s-", ms=3, lw=2, label="validation")
        axes[1].set(xlabel="epoch", ylabel="accuracy", title="accuracy after each epoch")
        axes[1].legend()
        for axis in axes:
            axis.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.softmax_regression [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
