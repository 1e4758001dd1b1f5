"""Inverted dropout: random in training, the identity at inference, expectation preserved.

Formula (003, D2L 4.6):
    training:   h' = 0 with probability p, else h / (1 - p)
                E[h'] = p * 0 + (1 - p) * h / (1 - p) = h
                Var[h'] = h^2 * p / (1 - p)
    inference:  h' = h

Symbols -> names: h -> x (activations); p -> rate; h' -> ops.inverted_dropout(x, rate, seed)
or InvertedDropout(rate)(x, training=True).

Deviations: 003 states the idea in words only; the maths is D2L's. The mask is drawn from a
stateless generator (seeded), so every figure here repeats under ``--seed``. The digits
experiment (not in 003) trains a 64-256-256-10 ReLU network with Adam on cross-entropy, on a
stratified subset of 400 training images so that it overfits within a few epochs. Both MLPs get
the command line's training options: ``tfref run dropout`` honours --epochs,
--checkpoint-dir/--resume, --logdir, --strategy and --device (sub-directories ``dropout-p0`` and
``dropout-p0.5``); a resumed run's plot shows the per-epoch curves from the epoch it resumed at.

Expect: inverted dropout with p = 0.5 drops a share 0.4996 of the entries, keeps each at exactly
h / (1 - p), returns h exactly at inference and matches keras.layers.Dropout in distribution
(KS p-value 0.97). On 400 digits training images for 40 epochs (trained through
tfref.train.fit) it narrows the train/test cross-entropy gap from 0.194 to 0.159, though the
accuracy gap does not narrow (0.051 with, 0.047 without; test accuracy 0.944 against 0.953) and
the test loss is barely lower (0.195 against 0.204); the plot shows the dropped share and both
runs (--quick: 15 epochs, test accuracy 0.911 with dropout against 0.942 without). As an ensemble (003:48-50): the average of all
4096 sub-networks of 12 dropped units equals the deterministic pass for a linear layer (2.4e-14)
and differs from it by 0.324 (relative) after a ReLU; under a GradientTape the forward pass of 256
rows keeps 1.0 MiB of hidden activations alive for backprop, inference none (--quick, seed 0).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from scipy.stats import binom, ks_2samp

from tfref.data import resolve_dataset
from tfref.nn.dropout import DropoutMLP, InvertedDropout
from tfref.ops.dropout import inverted_dropout
from tfref.topics._base import RunContext
from tfref.train import TrainOptions, fit

ID = "dropout"
TITLE = "Inverted dropout: training-only, expectation-preserving noise"
CHAPTER = "C"
SEEDS = ("003",)
OPTIONS = ('data', 'epochs', 'checkpoint_dir', 'resume', 'logdir', 'strategy', 'device')  # the run options this topic honours (tfref run refuses others)
DATASETS = ("digits", "fashion-mnist")  # the --data names it takes (tfref run refuses others)

RATE = 0.5
WIDTH = 64  # entries of one activation vector h
Z_BOUND = 5.0  # a statistical claim fails only beyond 5 standard errors
TRAIN_EXAMPLES = 400  # a small training set, so that the MLP overfits within a few epochs


def _z(measured, expected, standard_error):
    return np.abs(np.asarray(measured) - np.asarray(expected)) / np.asarray(standard_error)


def check_statistics(ctx: RunContext, draws: int) -> dict:
    """Expectation, variance, zero fraction: tfref's dropout beside keras.layers.Dropout."""
    h = ctx.rng.uniform(0.5, 2.0, size=WIDTH).astype(np.float32)  # one activation vector
    x = np.tile(h, (draws, 1))  # (draws, WIDTH): each row is one independent draw of the mask
    ours = inverted_dropout(x, RATE, seed=ctx.seed).numpy()
    # keras.layers.Dropout(seed=s) starts its generator at the stateless seed [s, 0], so with
    # the same seed it would draw tfref's very mask; another seed makes the comparison one of
    # distributions, not of one shared draw.
    theirs = keras.layers.Dropout(RATE, seed=ctx.seed + 1)(x, training=True).numpy()
    p, n = RATE, draws

    # Expectation preserved: the mean over draws of each entry is h.
    mean_se = h * np.sqrt(p / ((1 - p) * n))
    ctx.claim_less(f"E[h'] = h: largest |mean over {n} draws - h| in standard errors ({WIDTH} entries, "
             f"p = {p})", float(_z(ours.mean(axis=0), h, mean_se).max()), Z_BOUND)
    # Identity at inference, exactly.
    ctx.claim("inference (training=False): ops.inverted_dropout returns h exactly",
              np.array_equal(inverted_dropout(x, RATE, seed=ctx.seed, training=False).numpy(), x))
    layer = InvertedDropout(RATE, seed=ctx.seed)
    ctx.claim("inference: InvertedDropout(training=False) returns h exactly",
              np.array_equal(layer(x, training=False).numpy(), x))
    # Same mask as TensorFlow's own stateless dropout under the same seed.
    reference = tf.nn.experimental.stateless_dropout(x, RATE, seed=[ctx.seed, 0]).numpy()
    ctx.claim("bitwise equal to tf.nn.experimental.stateless_dropout with the same seed",
              np.array_equal(ours, reference))

    # Equal in distribution to keras.layers.Dropout.
    scaled = x * np.float32(1.0 / (1.0 - p))
    for label, out in (("tfref", ours), ("keras.layers.Dropout", theirs)):
        zero_share = float(np.mean(out == 0))
        ctx.claim_close(f"{label}: share of entries dropped = p (within {Z_BOUND:g} standard errors)",
                  zero_share, p, atol=Z_BOUND * np.sqrt(p * (1 - p) / out.size), rtol=0.0)
        kept = out != 0
        ctx.claim(f"{label}: every kept entry is exactly h / (1 - p) (h * float32(1/(1-p)))",
                  np.array_equal(out[kept], scaled[kept]), measured=f"{int(kept.sum())} kept")
        variance_ratio = float(np.mean(out.var(axis=0) / (h**2 * p / (1 - p))))
        ctx.claim_close(f"{label}: variance over draws / (h^2 p / (1 - p)), averaged over entries",
                  variance_ratio, 1.0, atol=0.05, rtol=0.0)
    counts = [np.sum(out == 0, axis=1) for out in (ours, theirs)]  # dropped per draw
    ctx.claim_greater("dropped count per draw: tfref and keras.layers.Dropout have the same "
                "distribution (two-sample KS test p-value)", ks_2samp(*counts).pvalue, 1e-3)
    mean_gap = _z(ours.mean(axis=0), theirs.mean(axis=0), np.sqrt(2) * mean_se).max()
    ctx.claim_less("tfref vs keras Dropout: largest difference of per-entry means, in standard errors",
             float(mean_gap), Z_BOUND)

    # Random in training; no trainable weights.
    first, second = layer(x[:8], training=True).numpy(), layer(x[:8], training=True).numpy()
    ctx.claim("training: two calls of InvertedDropout drop different entries",
              not np.array_equal(first, second))
    ctx.claim_close("InvertedDropout has no trainable weights", len(layer.trainable_weights), 0)
    return {"ours": ours, "theirs": theirs}


def train_mlp(splits, rate: float, epochs: int, seed: int,
              options: TrainOptions | None = None) -> dict:
    """Adam on cross-entropy, batch 64, through tfref.train.fit; accuracy and loss on train and
    test after each epoch (NaN for the epochs a resumed run restored from its checkpoint, which
    this run did not see). ``options``: the command line's training options, in the
    sub-directory ``dropout-p<rate>``."""
    options = options or TrainOptions()
    with options.model_scope():
        model = DropoutMLP(hidden_units=(256, 256), num_outputs=splits.num_classes, rate=rate,
                           seed=seed)
        optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    kwargs = options.fit_kwargs(epochs, name=f"{ID}-p{rate:g}")
    history = {key: np.full(kwargs["epochs"], np.nan)
               for key in ("train_accuracy", "test_accuracy", "train_loss", "test_loss")}

    def evaluate(finished: int, _metrics) -> None:
        for part, x, y in (("train", splits.x_train, splits.y_train),
                           ("test", splits.x_test, splits.y_test)):
            logits = model(x, training=False)
            history[f"{part}_accuracy"][finished - 1] = float(
                np.mean(np.argmax(logits.numpy(), axis=1) == y))
            history[f"{part}_loss"][finished - 1] = float(loss_fn(y, logits))

    fit(model, splits.x_train, splits.y_train, loss_fn=loss_fn, optimizer=optimizer,
        batch_size=64, seed=seed, accuracy=False, progress=False, on_epoch_end=evaluate,
        **kwargs)
    history["model"] = model
    return history


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def ensemble_view(ctx: RunContext, x: np.ndarray, units: int = 12) -> dict:
    """003:48-50: the deterministic (scaled) pass against the average of all 2^units sub-networks
    (every dropout mask of ``units`` hidden units, p = 1/2: each mask has weight 2^-units),
    float64. Exact for a linear layer after the dropout; an approximation after a nonlinearity."""
    rng = np.random.default_rng(ctx.seed)
    x = x.astype(np.float64)
    w1 = rng.normal(0, 1 / np.sqrt(x.shape[1]), (x.shape[1], units))
    w2 = rng.normal(0, 1 / np.sqrt(units), (units, 8))
    w3 = rng.normal(0, 1 / np.sqrt(8), (8, 10))
    h = np.maximum(x @ w1, 0.0)  # (n, units)
    masks = (np.arange(2**units)[:, None] >> np.arange(units)) & 1  # every keep-mask
    dropped = masks[:, None, :] * h[None] / (1 - RATE)  # (2^units, n, units)
    # linear: logits = h' w2 @ w3 (a linear map of h'); nonlinear: relu(h' w2) @ w3
    linear = dropped @ w2 @ w3
    nonlinear = np.maximum(dropped @ w2, 0.0) @ w3
    linear_det, nonlinear_det = h @ w2 @ w3, np.maximum(h @ w2, 0.0) @ w3
    ctx.claim_close(f"dropout as an ensemble (003:50): the mean over all 2^{units} sub-networks of "
                    "a linear layer after dropout = the deterministic pass (float64)",
                    linear.mean(axis=0), linear_det, atol=1e-12, rtol=1e-12)
    geometric = np.exp(np.log(_softmax(linear)).mean(axis=0))
    ctx.claim_close("... and the normalised geometric mean of their softmax outputs = softmax of "
                    "the deterministic pass (float64)",
                    geometric / geometric.sum(axis=-1, keepdims=True), _softmax(linear_det),
                    atol=1e-12, rtol=1e-9)
    scale = np.abs(nonlinear_det).mean()
    gap = float(np.abs(nonlinear.mean(axis=0) - nonlinear_det).mean() / scale)
    soft_gap = float(np.abs(_softmax(linear).mean(axis=0) - _softmax(linear_det)).max())
    # Seeds 0-4 (64 test rows of each seed's split): relative gap 0.324, 0.393, 0.144, 0.201,
    # 0.065; floor 0.03 (lowest minus 0.035); a network equal to its average would give 0.
    ctx.claim_greater("after a ReLU the deterministic pass only approximates the average of the "
                      "sub-networks: mean |average - deterministic| / mean |deterministic| "
                      "(seeds 0-4: 0.065 to 0.393; floor 0.03)", gap, 0.03)
    ctx.note(f"Dropout as an ensemble of 2^{units} = {2**units} sub-networks (p = 1/2, "
             f"{len(x)} digits rows, float64): a linear layer after dropout averages exactly to "
             "the deterministic pass; after a ReLU the average differs by "
             f"{gap:.3f} (relative); the arithmetic mean of the softmax outputs differs from "
             f"softmax(deterministic) by up to {soft_gap:.3f}, their normalised geometric mean "
             "not at all. 003's 'the full network is the average of its sub-networks' holds "
             "only for linear layers (errata).")
    return {"gap": gap}


def monte_carlo(ctx: RunContext, model, x, y, passes: int) -> dict:
    """The trained MLP: the mean of ``passes`` training-mode (dropout) passes beside the
    deterministic pass, on the test set."""
    probabilities = np.mean([tf.nn.softmax(model(x, training=True)).numpy()
                             for _ in range(passes)], axis=0)
    deterministic = tf.nn.softmax(model(x, training=False)).numpy()
    distance = float(0.5 * np.abs(probabilities - deterministic).sum(axis=1).mean())
    accuracy = (float(np.mean(probabilities.argmax(1) == y)),
                float(np.mean(deterministic.argmax(1) == y)))
    return {"distance": distance, "accuracy": accuracy}


def retained_bytes(model, x, rate: float, seed: int, tape: bool) -> int:
    """Bytes of the hidden activations (pre-activation, ReLU output, dropout output) still alive
    after the forward pass of ``model``'s layers: kept by the GradientTape for backpropagation
    when ``tape``, freed as soon as the next layer consumed them otherwise (weak references;
    measured, not computed from the shapes)."""
    import gc
    import weakref

    refs = []

    def forward(h):
        for i, (dense, _) in enumerate(zip(model.hidden_layers, model.dropout_layers,
                                           strict=True)):
            z = tf.matmul(h, dense.kernel) + dense.bias
            a = tf.nn.relu(z)
            h = inverted_dropout(a, rate, seed=seed + i)
            refs.extend(weakref.ref(t) for t in (z, a, h))
        return tf.reduce_sum(model.output_layer(h))

    x = tf.constant(x)
    if tape:
        with tf.GradientTape() as recorder:
            out = forward(x)
    else:
        out = forward(x)
    gc.collect()
    alive = sum(int(np.prod(r().shape)) * r().dtype.size for r in refs if r() is not None)
    if tape:
        recorder.gradient(out, model.trainable_variables)
    return alive


def run(ctx: RunContext) -> None:
    draws = 4000 if ctx.quick else 20000
    samples = check_statistics(ctx, draws)

    splits = resolve_dataset(ctx, default="digits", allowed=DATASETS,
                             max_train=TRAIN_EXAMPLES)
    options = ctx.train  # the command line's training options, for both MLPs
    epochs = options.epochs or (15 if ctx.quick else 40)
    runs = {rate: train_mlp(splits, rate, epochs, ctx.seed, options) for rate in (0.0, RATE)}
    with_dropout, without = runs[RATE], runs[0.0]

    model = with_dropout["model"]
    x = splits.x_test[:32]
    train_a, train_b = model(x, training=True).numpy(), model(x, training=True).numpy()
    infer_a, infer_b = model(x, training=False).numpy(), model(x, training=False).numpy()
    with ctx.calibrated_for("epochs", "data"):
        # Quick seeds 0-4: 3.64, 3.25, 4.45, 3.13, 5.02 -> floor 2.0 (lowest minus 1.1); a dropout
        # that did nothing in training would give 0.
        ctx.claim_greater("trained MLP: logits in training mode differ from inference mode (max "
                          "|diff| over 32 test rows; quick seeds 0-4: 3.13 or more, floor 2.0)",
                          float(np.abs(train_a - infer_a).max()), 2.0)
    ctx.claim("trained MLP: two training-mode calls differ, two inference calls are equal",
              not np.array_equal(train_a, train_b) and np.array_equal(infer_a, infer_b))
    ctx.claim("every dropout layer of the MLP saw training=False at the last (inference) call",
              all(layer.last_training is False for layer in model.dropout_layers))
    with ctx.calibrated_for("epochs", "data"):
        # Quick seeds 0-4: 0.911, 0.933, 0.931, 0.950, 0.922 -> floor 0.88 (lowest minus 0.031);
        # the full run (40 epochs, seed 0: 0.944) keeps it (not calibrated over seeds).
        ctx.claim_greater(f"MLP with dropout p = {RATE} trains: test accuracy after {epochs} epochs "
                          "(floor: quick seeds 0-4 lowest minus 0.031)",
                          with_dropout["test_accuracy"][-1], 0.88)
    gap = {rate: runs[rate]["train_accuracy"][-1] - runs[rate]["test_accuracy"][-1]
           for rate in runs}
    loss_gap = {rate: runs[rate]["test_loss"][-1] - runs[rate]["train_loss"][-1] for rate in runs}
    ctx.note(f"After {epochs} epochs on {splits.name}: without dropout train/test accuracy "
             f"{without['train_accuracy'][-1]:.3f}/{without['test_accuracy'][-1]:.3f} (gap "
             f"{gap[0.0]:.3f}, test - train cross-entropy {loss_gap[0.0]:.3f}); with p = {RATE} "
             f"{with_dropout['train_accuracy'][-1]:.3f}/{with_dropout['test_accuracy'][-1]:.3f} "
             f"(gap {gap[RATE]:.3f}, cross-entropy gap {loss_gap[RATE]:.3f}).")
    with ctx.calibrated_for("epochs", "data"):
        ctx.claim_less("dropout narrows the train/test cross-entropy gap (test - train loss, p = "
                 f"{RATE} vs without)", loss_gap[RATE], loss_gap[0.0])
    ctx.note("Honestly: the narrower gap comes mostly from a higher training loss; on digits the "
             "test loss itself is not reliably lower with dropout (here "
             f"{with_dropout['test_loss'][-1]:.3f} with, {without['test_loss'][-1]:.3f} without), "
             "so no claim is made on it.")

    ensemble_view(ctx, splits.x_test[:64])
    passes = 50 if ctx.quick else 200
    mc = monte_carlo(ctx, model, splits.x_test, splits.y_test, passes)
    ctx.note(f"The trained MLP (two dropout layers, p = {RATE}, ReLU): the mean of {passes} "
             f"dropout passes and the deterministic pass give test accuracy {mc['accuracy'][0]:.3f} "
             f"and {mc['accuracy'][1]:.3f}; mean total-variation distance between their "
             f"predicted distributions {mc['distance']:.3f}.")

    batch = splits.x_train[:256]
    kept = {tape: retained_bytes(model, batch, RATE, ctx.seed, tape) for tape in (False, True)}
    widths = sum(model.hidden_units)
    one_copy = len(batch) * widths * 4  # one float32 activation per hidden unit and row
    ctx.claim("003:55 training needs more memory than inference: bytes of hidden activations "
              f"still alive after a forward pass of {len(batch)} rows: 0 without a tape, at least "
              f"one copy of every hidden layer's activations (batch x {widths} units x 4 bytes) "
              "under a GradientTape, which keeps them for backprop (counted by weak references)",
              kept[False] == 0 and kept[True] >= one_copy,
              expected=f"0 and >= {one_copy}", measured=f"{kept[False]} and {kept[True]} "
              f"({kept[True] / one_copy:g} copies)")
    ctx.note(f"Memory: a training step must keep every layer's activations until the backward "
             f"pass ({kept[True] / 2**20:.2f} MiB for {len(batch)} rows of the 64-256-256-10 MLP, "
             "growing with the batch); inference frees each as soon as the next layer has "
             "consumed it (at most two layers' activations alive at once). TensorFlow's "
             "tf.config.experimental.get_memory_info is GPU-only (CPU:0 reports 0), so the "
             "tensors are counted instead.")

    _plot(ctx, samples, runs, draws)


def _plot(ctx, samples, runs, draws) -> None:
    with ctx.figure("dropout", ncols=2, figsize=(10.0, 4.0)) as (fig, (left, right)):
        bins = (np.arange(WIDTH + 2) - 0.5) / WIDTH  # one bin per possible share k / WIDTH
        for label, key, color in (("tfref inverted_dropout", "ours", "C0"),
                                  ("keras.layers.Dropout", "theirs", "C1")):
            dropped = np.mean(samples[key] == 0, axis=1)  # share dropped in each draw
            left.hist(dropped, bins=bins, histtype="step", lw=1.6, color=color,
                      weights=np.full(len(dropped), 1.0 / len(dropped)), label=label)
        k = np.arange(WIDTH + 1)
        left.plot(k / WIDTH, binom.pmf(k, WIDTH, RATE), "k.", ms=4,
                  label=f"Binomial({WIDTH}, p) / {WIDTH}, exact")
        left.set_xlim(0.2, 0.8)
        left.axvline(RATE, color="C3", ls="--", lw=1)
        left.set_xlabel(f"share of the {WIDTH} entries dropped in one draw")
        left.set_ylabel("share of draws")
        left.set_title(f"Dropped share over {draws} draws, p = {RATE}", fontsize=9)
        left.legend(fontsize=7)
        epochs = np.arange(1, len(runs[0.0]["train_loss"]) + 1)
        for rate, color in ((0.0, "C7"), (RATE, "C2")):
            label = "no dropout" if rate == 0 else f"dropout p = {rate}"
            right.plot(epochs, runs[rate]["train_loss"], color=color, ls="--",
                       label=f"{label}: train")
            right.plot(epochs, runs[rate]["test_loss"], color=color, label=f"{label}: test")
        right.set_yscale("log")
        right.set_xlabel("epoch")
        right.set_ylabel("cross-entropy (inference mode)")
        right.set_title(f"64-256-256-10 ReLU MLP, {TRAIN_EXAMPLES} training images, Adam",
                        fontsize=9)
        right.legend(fontsize=7)
        right.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.dropout [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
