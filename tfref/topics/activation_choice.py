"""Choosing activations: sigmoid, tanh, ReLU, leaky ReLU and maxout on one net; output units.

Seed 000 (67) advises for hidden layers: "do not use sigmoid (three times); try ReLU first, it
is fast, but be careful; if it fails, use leaky ReLU or maxout". Seed 002 (1015) advises ReLU
for hidden layers, softmax for classification and "sigmoid or tanh for regression" outputs.
The reproduction trains the same 4-hidden-layer MLP (32 units a layer) with each hidden
activation on the digits, with the same initialisation seed, the same mini-batches, the same
optimiser and the same number of epochs; then it fits a regression target in [-6, 6] with a
linear, a sigmoid and a tanh output unit.

Formula:
    hidden: sigmoid 1/(1+e^-z), tanh, relu max(0, z), leaky relu max(0.01 z, z),
            maxout max_k (x W_k + b_k)  (k = 2 pieces)
    classification loss: softmax cross-entropy; chance level (uniform output) = ln 10
    regression: y = 3x + N(0, 0.3^2), x ~ U(-2, 2); output unit linear, sigmoid or tanh;
    best MSE of any output bounded to [a, b]: mean_i dist(y_i, [a, b])^2

Symbols -> names: the nets -> ``hidden_net(activation, ...)``; training ->
``train_side_by_side``; the bounded-output floor -> ``_bounded_floor``.

Oracles: chance level ln 10 for a net that learned nothing; the MSE floor of a bounded output
(clipping the targets to the range, computed without any net); the least squares line
(numpy.polyfit) for the linear output.

Deviations: plain SGD (learning rate 0.1, batch 32) because it shows the sigmoid's vanishing
gradients as 000 and 002 mean them (an adaptive optimiser hides part of it); each activation
gets its customary initialiser (Glorot for sigmoid and tanh, He for the ReLU family), as a
practitioner following the advice would; maxout has twice
the hidden weights of the others (two pieces per unit). Errata (002:1015): a sigmoid or tanh
output cannot reach targets outside (0, 1) or (-1, 1); for regression the output unit should be
linear, as the second figure shows.

Expect: after 3 epochs (quick; 30 in full mode) the sigmoid net is still at chance (training loss
2.305-2.310 against ln 10 = 2.303, test accuracy 0.10) while tanh, ReLU, leaky ReLU and maxout
reach losses 0.11-0.99 and accuracies 0.67-0.94 (quick seeds 0-4; maxout best, then tanh and
the ReLUs: the advice "ReLU first" is about speed per step and depth, not a ranking that holds
on every problem; in full mode, after 30 epochs, sigmoid is still at 2.304 while ReLU,
leaky ReLU and maxout reach 0.002-0.005 and tanh 0.035, test accuracies 0.96-0.98); before
training the sigmoid net's first-layer
gradient is 85-360 times smaller than the ReLU net's. The regression: the linear output reaches
the straight line's MSE (0.08-0.10) while the sigmoid and tanh outputs stay at the floor of a
bounded output (6-10, within 0.5%). The plots show the training curves and the three regression
fits. All nets train through tfref.train.fit, so --epochs, --checkpoint-dir/--resume, --logdir,
--strategy and --device apply to the digits nets.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfref.data import digits_unit_scaled_splits
from tfref.nn.activation_choice import ACTIVATIONS, hidden_net, train_side_by_side
from tfref.topics._base import RunContext

ID = "activation-choice"
TITLE = "Choosing activations: hidden units on one net, and the output unit for regression"
CHAPTER = "C"
SEEDS = ("000", "002")
OPTIONS = ("epochs", "checkpoint_dir", "resume", "logdir", "strategy", "device")  # the run options this topic honours (tfref run refuses others)

LEARNING_RATE, BATCH = 0.1, 32


def _bounded_floor(y, low, high) -> float:
    """Lowest MSE any prediction confined to [low, high] can reach: clip the targets."""
    return float(np.mean((y - np.clip(y, low, high)) ** 2))


def _first_layer_gradient(model, loss_fn, x, y) -> float:
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    kernel = model.trainable_variables[0]
    return float(tf.norm(tape.gradient(loss, kernel)))


def run(ctx: RunContext) -> None:
    inputs, labels, train, _, test = digits_unit_scaled_splits(ctx.seed)
    # The digits nets train through tfref.train.fit with the command line's training options
    # (--epochs, --checkpoint-dir/--resume, --logdir, --strategy, --device).
    options = ctx.train.fit_kwargs(3 if ctx.quick else 30, name=ID)
    epochs = options.pop("epochs")
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with ctx.train.model_scope():
        models = [hidden_net(a, inputs=64, outputs=10, seed=ctx.seed) for a in ACTIVATIONS]
        optimizer = keras.optimizers.SGD(LEARNING_RATE)
    gradient = {a: _first_layer_gradient(m, loss_fn, inputs[train], labels[train])
                for a, m in zip(ACTIVATIONS, models, strict=True)}
    history = train_side_by_side(models, loss_fn, inputs[train], labels[train],
                                 optimizer=optimizer, epochs=epochs, batch_size=BATCH,
                                 seed=ctx.seed, fit_options=options)
    final = dict(zip(ACTIVATIONS, history[-1], strict=True))
    accuracy = {a: float(np.mean(np.argmax(m(inputs[test]).numpy(), axis=1) == labels[test]))
                for a, m in zip(ACTIVATIONS, models, strict=True)}
    others = [a for a in ACTIVATIONS if a != "sigmoid"]
    with ctx.calibrated_for("epochs"):  # thresholds for the topic's own epochs
        # Quick seeds 0-4 (3 epochs): sigmoid's loss 2.305-2.310 (ln 10 = 2.3026); the others
        # 0.115-0.987 with test accuracy 0.669-0.939 against sigmoid's 0.097-0.103.
        ctx.claim_close("sigmoid net after the budget: training loss at chance level ln 10 (learned "
                        "nothing; quick seeds 0-4: |diff| <= 0.008)", final["sigmoid"], np.log(10),
                        atol=0.05, rtol=0)
        ctx.claim_greater("training loss: sigmoid - the worst of tanh, ReLU, leaky ReLU, maxout "
                          "(quick seeds 0-4: >= 1.31; floor 1.0)",
                          final["sigmoid"] - max(final[a] for a in others), 1.0)
        ctx.claim_greater("test accuracy: the worst of tanh, ReLU, leaky ReLU, maxout - sigmoid "
                          "(quick seeds 0-4: >= 0.56; floor 0.45)",
                          min(accuracy[a] for a in others) - accuracy["sigmoid"], 0.45)
    # Before training (same Glorot seeds): the first layer's gradient norm, sigmoid / ReLU.
    ctx.claim_less("before training, first-layer gradient norm sigmoid / ReLU (vanishing "
                   "gradient through 4 sigmoid layers; quick seeds 0-4: <= 0.012; bound 0.1)",
                   gradient["sigmoid"] / gradient["relu"], 0.1)
    ctx.note(f"Digits, 4 x 32 hidden units, SGD {LEARNING_RATE}, batch {BATCH}, {epochs} epochs, "
             "same seeds and batches. Training loss / test accuracy: " + "; ".join(
                 f"{a} {final[a]:.3f} / {accuracy[a]:.3f}" for a in ACTIVATIONS)
             + ". First-layer gradient norm before training: " + ", ".join(
                 f"{a} {gradient[a]:.2e}" for a in ACTIVATIONS) + ".")
    outputs = _regression(ctx)
    _plot(ctx, history, accuracy, outputs)


def _regression(ctx: RunContext):
    x = ctx.rng.uniform(-2.0, 2.0, size=256).astype(np.float32)
    y = (3.0 * x + ctx.rng.normal(0.0, 0.3, size=256)).astype(np.float32)
    kinds = ("linear", "sigmoid", "tanh")
    models = []
    for kind in kinds:
        base = hidden_net("relu", inputs=1, outputs=1, units=16, depth=1, seed=ctx.seed)
        given = keras.Input((1,))
        models.append(keras.Model(given, keras.layers.Activation(kind)(base(given))))
    epochs = 40 if ctx.quick else 200
    train_side_by_side(models, keras.losses.MeanSquaredError(), x[:, None], y[:, None],
                       optimizer=keras.optimizers.Adam(0.03), epochs=epochs, batch_size=32,
                       seed=ctx.seed, record=False)
    predictions = {k: m(x[:, None]).numpy()[:, 0] for k, m in zip(kinds, models, strict=True)}
    mse = {k: float(np.mean((p - y) ** 2)) for k, p in predictions.items()}
    line = float(np.mean((np.polyval(np.polyfit(x, y, 1), x) - y) ** 2))
    floors = {"sigmoid": _bounded_floor(y, 0.0, 1.0), "tanh": _bounded_floor(y, -1.0, 1.0)}
    # Quick seeds 0-4: linear / line MSE 0.96-1.09; sigmoid and tanh outputs 70-120 times the
    # linear output's MSE and within 0.5% of their floors.
    ctx.claim_less("regression, linear output: MSE / the least squares line's (numpy.polyfit) "
                   "(quick seeds 0-4: <= 1.09; bound 1.5)", mse["linear"] / line, 1.5)
    for kind, (low, high) in (("sigmoid", (0, 1)), ("tanh", (-1, 1))):
        ctx.claim_greater(f"regression, {kind} output: its MSE / the linear output's "
                          "(002:1015 advises it for regression; bound 10)",
                          mse[kind] / mse["linear"], 10.0)
        ctx.claim_close(f"... the {kind} output ends at the floor of any output in ({low}, {high})"
                        " (targets clipped to the range), within 2%", mse[kind], floors[kind],
                        rtol=0.02)
    ctx.note("Regression y = 3x + noise on [-2, 2] (targets in about [-6.6, 6.6]), ReLU hidden "
             "layer of 16, Adam 0.03, batch 32: MSE " + ", ".join(
                 f"{k} output {v:.3f}" for k, v in mse.items())
             + f"; straight line {line:.3f}; floors: sigmoid {floors['sigmoid']:.3f}, tanh "
             f"{floors['tanh']:.3f}.")
    return x, y, predictions


def _plot(ctx, history, accuracy, outputs) -> None:
    x, y, predictions = outputs
    with ctx.figure("hidden", figsize=(6.0, 4.0)) as (fig, ax):
        for j, a in enumerate(ACTIVATIONS):
            ax.plot(history[:, j], marker=".", label=f"{a} (test accuracy {accuracy[a]:.2f})")
        ax.axhline(np.log(10), color="0.5", ls=":", label="chance (ln 10)")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.set_title("same net, same batches: hidden activation", fontsize=9)
        ax.legend(fontsize=7)
    with ctx.figure("output", figsize=(6.0, 4.0)) as (fig, ax):
        order = np.argsort(x)
        ax.scatter(x, y, s=4, color="0.6", label="targets")
        for kind, p in predictions.items():
            ax.plot(x[order], p[order], lw=2, label=f"{kind} output")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title("regression: a bounded output cannot reach the targets", fontsize=9)
        ax.legend(fontsize=7)


if __name__ == "__main__":  # python -m tfref.topics.activation_choice [--quick] [--seed N] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
