"""Modern CNNs (AlexNet, VGG, NiN, GoogLeNet, ResNet, DenseNet) and batch normalisation.

Formula (003, D2L chapter 7): the blocks of ``tfref.nn.cnn_zoo`` (its docstring has each one's
shape rule), and batch normalisation over the batch (and height, width) axes, per channel:
    training:   y = gamma (x - mu_B) / sqrt(var_B + eps) + beta   (var_B biased)
                moving <- momentum * moving + (1 - momentum) * batch statistic
    inference:  y = gamma (x - moving_mean) / sqrt(moving_variance + eps) + beta
Output side of a convolution or pooling: floor((n + 2p - k) / s) + 1.

Symbols -> names: gamma, beta, mu_B, var_B -> ``BatchNorm.gamma``, ``beta`` and the batch
statistics in ``BatchNorm.call``; the moving statistics -> ``moving_mean``,
``moving_variance``; the models -> ``tfref.nn.cnn_zoo.ZOO``.

Deviations: every model is scaled down to train on a CPU in seconds: 16 x 16 x 1 inputs (the
8 x 8 digits upsampled with ``tf.image.resize``; Fashion-MNIST's 28 x 28 images downsampled),
channel widths D2L's divided by 4 to 8, fewer blocks (each model's docstring says how), Adam
instead of D2L's SGD, and the zoo's BatchNorm momentum 0.9 (D2L's from-scratch value; keras
defaults to 0.99, which after a few dozen steps leaves inference at chance). ResNet, DenseNet
and LeNet-BN use the from-scratch BatchNorm. The strided 1x1 shortcut convolution of ResNet is
computed as a 1x1 convolution of x[:, ::2, ::2] (the same function) to avoid a oneDNN crash in
TF 2.21. NiN's convolutions use He initialisation (keras' Glorot default left it at chance
for 3-4 epochs). Quick mode trains LeNet-BN only, beside the same LeNet without BatchNorm, with
fewer epochs (a note says so). 003's "VGG: deep and narrow beats shallow and wide" is not measured
(no equal-parameter comparison is trained here).

Expect: the from-scratch BatchNorm equals keras BatchNormalization in training and inference
(4.8e-7), and every block of the seven scaled-down models has the shape the size formula gives. On
digits resized to 16 x 16 the test accuracies are AlexNet 0.953, VGG 0.956, NiN 0.944, GoogLeNet
0.906, ResNet 0.986, DenseNet 0.958 and LeNet-BN 0.947; the plot shows accuracy against training
time. A residual block whose last BatchNorm has gamma = 0 is exactly the identity; NiN's head holds
4,550 parameters against 73,226 for a dense head on the same features; LeNet-BN's training loss
after 2 epochs is 0.216 of the same LeNet's without BatchNorm (--quick: LeNet-BN only, 0.958).
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

from tfref.data import resolve_dataset
from tfref.nn import cnn_zoo
from tfref.nn.batchnorm import BatchNorm
from tfref.nn.lenet import lenet
from tfref.topics._base import RunContext
from tfref.train import evaluate, fit

ID = "modern-cnn"
TITLE = "Modern CNNs scaled to a CPU: AlexNet ... DenseNet, batch normalisation from scratch"
CHAPTER = "D"
SEEDS = ("003",)
OPTIONS = ('data', 'epochs', 'checkpoint_dir', 'resume', 'logdir', 'strategy', 'device')  # the run options this topic honours (tfref run refuses others)

IMAGE_SIDE = 16
# (Adam learning rate, batch size, epochs in full mode, epochs in quick mode) per model.
SETTINGS = {
    "alexnet": (2e-3, 64, 12, 6),
    "vgg": (2e-3, 64, 12, 6),
    "nin": (3e-3, 32, 12, 8),
    "googlenet": (3e-3, 64, 15, 8),
    "resnet": (2e-3, 64, 8, 4),
    "densenet": (3e-3, 64, 10, 5),
    "lenet_bn": (1e-2, 64, 10, 6),
}
# NiN: the anchor published it at chance; LeNet-BN: the from-scratch BatchNorm, cheaply.
QUICK_MODELS = ("lenet_bn",)
FASHION_TRAIN = {True: 3000, False: 6000}  # Fashion-MNIST training images (quick, full)
# Test accuracy every trained model must beat (chance: 0.1). Quick (LeNet-BN, 6 epochs), seeds
# 0-2: 0.958, 0.911, 0.939 -> 0.85 (lowest minus 0.06). Full: not calibrated over seeds in this
# session; seed 0 measured 0.906 (GoogLeNet) to 0.986 -> 0.8 (lowest minus 0.1).
ACCURACY_FLOOR = {True: 0.85, False: 0.8}  # quick, full


def to_images(x: np.ndarray) -> np.ndarray:
    """(n, h, w, 1) images -> (n, 16, 16, 1) with bilinear ``tf.image.resize`` (if needed)."""
    if x.shape[1:3] == (IMAGE_SIDE, IMAGE_SIDE):
        return x
    return tf.image.resize(x, (IMAGE_SIDE, IMAGE_SIDE)).numpy()


def _loss():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def check_batchnorm(ctx: RunContext, steps: int = 5) -> None:
    """tfref's BatchNorm beside keras.layers.BatchNormalization on the same batches."""
    shape = (8, 6, 6, 4)
    ours = BatchNorm(momentum=0.9, epsilon=1e-3)
    theirs = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    gamma = ctx.rng.uniform(0.5, 2.0, shape[-1]).astype("float32")
    beta = ctx.rng.normal(size=shape[-1]).astype("float32")
    for layer in (ours, theirs):
        layer.build(shape)
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    worst = {"training": 0.0, "moving": 0.0, "inference": 0.0, "gradient": 0.0}
    for _ in range(steps):
        x = tf.constant((ctx.rng.normal(size=shape) * 2 + 1).astype("float32"))
        weights = tf.constant(ctx.rng.normal(size=shape).astype("float32"))
        outs, grads = [], []
        for layer in (ours, theirs):
            with tf.GradientTape() as tape:
                tape.watch(x)
                out = layer(x, training=True)
                loss = tf.reduce_sum(weights * out * out)
            outs.append(out.numpy())
            grads.append([g.numpy() for g in tape.gradient(loss, [x, layer.gamma, layer.beta])])
        worst["training"] = max(worst["training"], float(np.abs(outs[0] - outs[1]).max()))
        worst["gradient"] = max(worst["gradient"], max(
            float(np.abs(a - b).max() / (np.abs(b).max() + 1e-12))
            for a, b in zip(*grads, strict=True)))
        for name in ("moving_mean", "moving_variance"):
            gap = np.abs(getattr(ours, name).numpy() - getattr(theirs, name).numpy()).max()
            worst["moving"] = max(worst["moving"], float(gap))
    x = (ctx.rng.normal(size=shape) * 2 + 1).astype("float32")
    inference = (ours(x, training=False).numpy(), theirs(x, training=False).numpy())
    worst["inference"] = float(np.abs(inference[0] - inference[1]).max())
    ctx.claim_less(f"BatchNorm from scratch = keras BatchNormalization in training mode: max |output "
             f"difference| over {steps} steps on (8, 6, 6, 4) batches", worst["training"], 1e-4)
    ctx.claim_less("... moving mean and variance after each step: max |difference|", worst["moving"],
             1e-5)
    ctx.claim_less("... inference mode (moving statistics): max |output difference|",
             worst["inference"], 1e-4)
    ctx.claim_less("... gradients (GradientTape) w.r.t. input, gamma, beta: max relative difference",
             worst["gradient"], 1e-4)
    ctx.claim_greater("BatchNorm: training and inference outputs differ (max |difference|)",
                float(np.abs(ours(x, training=True).numpy() - inference[0]).max()), 0.01)


def check_shapes(ctx: RunContext, num_classes: int) -> dict:
    """Per-block output shapes of every zoo model vs the shapes worked out by hand."""
    counts = {}
    for name in cnn_zoo.ZOO:
        model = cnn_zoo.build(name, (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
        measured = dict(cnn_zoo.block_output_shapes(model))
        expected = cnn_zoo.expected_block_shapes(name, (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
        mismatched = {b: measured.get(b) for b, s in expected.items() if measured.get(b) != s}
        ctx.claim(f"{name}: output shape of each block (of {len(expected)} checked) = the size "
                  "formula's", not mismatched, expected=str(expected),
                  measured=str(mismatched) if mismatched else "all equal")
        counts[name] = model.count_params()
    return counts


def check_residual_identity(ctx: RunContext) -> None:
    """003 (ResNet): a residual block whose last BatchNorm scale gamma starts at 0 computes
    relu(0 + x) = x on non-negative inputs: the identity, which a plain block cannot start at."""
    x = tf.nn.relu(tf.constant(ctx.rng.normal(size=(8, 8, 8, 16)).astype("float32")))
    block = cnn_zoo.Residual(16)
    block(x, training=False)  # build
    block.bn2.gamma.assign(tf.zeros_like(block.bn2.gamma))
    outs = {mode: block(x, training=mode).numpy() for mode in (False, True)}
    ctx.claim_close("ResNet: a Residual block with its last BatchNorm's gamma = 0 (beta = 0) is the "
                    "identity on non-negative inputs, exactly, in training and inference mode",
                    np.stack([outs[False], outs[True]]), np.stack([x.numpy()] * 2), atol=0.0)
    plain = keras.ops.relu(block.bn2(block.conv2(keras.ops.relu(block.bn1(block.conv1(x)))))
                           ).numpy()
    ctx.claim_close("... the same block without its shortcut outputs 0 everywhere (it would have "
                    "to learn the identity)", plain, np.zeros_like(plain), atol=0.0)


def check_nin_parameters(ctx: RunContext, num_classes: int) -> dict:
    """003 (NiN): a 1x1-convolution block and global average pooling instead of dense layers.
    The head's parameters from keras count_params against the formula, beside a VGG-style dense
    head (Flatten, Dense(128), Dense(128), Dense(classes)) on the same body."""
    model = cnn_zoo.build("nin", (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
    body = model.get_layer("dropout").output
    h, w, c = body.shape[1:]
    head = model.get_layer("nin_block4").count_params()
    nin_formula = (3 * 3 * c * num_classes + num_classes) + 2 * (num_classes**2 + num_classes)
    x = keras.layers.Flatten()(body)
    x = keras.layers.Dense(128, activation="relu")(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    dense_model = keras.Model(model.input, keras.layers.Dense(num_classes)(x))
    body_params = model.count_params() - head
    dense_head = dense_model.count_params() - body_params
    dense_formula = (h * w * c * 128 + 128) + (128 * 128 + 128) + (128 * num_classes + num_classes)
    ctx.claim("NiN's head (a 3x3 conv to the classes, two 1x1 convs, global average pooling): "
              "keras count_params = 9 c k + k + 2 (k^2 + k), and a dense head on the same body = "
              "(h w c 128 + 128) + (128^2 + 128) + (128 k + k)",
              head == nin_formula and dense_head == dense_formula,
              expected=f"{nin_formula} and {dense_formula}", measured=f"{head} and {dense_head}")
    ctx.claim_greater("NiN needs far fewer parameters: dense head / NiN head (deterministic counts, "
                      f"{h}x{w}x{c} body)", dense_head / head, 5.0)
    maps = np.random.default_rng(ctx.seed).uniform(0.1, 1.0, (4, h, w, num_classes)).astype("float32")
    pooled = keras.layers.GlobalAveragePooling2D()(maps).numpy()
    ctx.claim_close(f"003:153 (erratum): NiN's global average pooling averages over the {h}x{w} "
                    "positions (NumPy mean), it does not sum them (the sum is h w = "
                    f"{h * w} times larger)", pooled, maps.astype(np.float64).mean(axis=(1, 2)),
                    rtol=1e-6)
    ctx.note(f"NiN ({model.count_params():,} parameters in all): its head holds {head:,} "
             f"parameters; a dense head on the same {h}x{w}x{c} features would hold "
             f"{dense_head:,} ({dense_head / head:.1f} times as many).")
    return {"nin_head": head, "dense_head": dense_head}


def bn_convergence(ctx: RunContext, data, num_classes: int, epochs: int) -> np.ndarray:
    """003 (BN speeds convergence): the LeNet (sigmoid) of LeNet-BN without its BatchNorm
    layers, trained with LeNet-BN's optimiser (Adam), batch size and seed: loss per epoch."""
    keras.utils.set_random_seed(ctx.seed)
    model = lenet("sigmoid", (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
    history = fit(model, data[0], data[1], loss_fn=_loss(),
                  optimizer=keras.optimizers.Adam(SETTINGS["lenet_bn"][0]),
                  batch_size=SETTINGS["lenet_bn"][1], epochs=epochs, seed=ctx.seed,
                  jit_compile=False, progress=False)
    return np.asarray(history["loss"], dtype=float)


def train_model(name, data, num_classes, epochs, seed, train_options) -> dict:
    x_train, y_train, x_val, y_val, x_test, y_test = data
    learning_rate, batch_size = SETTINGS[name][:2]
    keras.utils.set_random_seed(seed)
    with train_options.model_scope():
        model = cnn_zoo.build(name, (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
        optimizer = keras.optimizers.Adam(learning_rate)
    start = time.perf_counter()
    # jit_compile=False: XLA on the CPU runs these convolutions ~40x slower (measured).
    history = fit(model, x_train, y_train, loss_fn=_loss(), optimizer=optimizer,
                  batch_size=batch_size, seed=seed, validation=(x_val, y_val), jit_compile=False,
                  progress=False, **train_options.fit_kwargs(epochs, name=f"{ID}-{name}"))
    seconds = time.perf_counter() - start
    test = evaluate(model, x_test, y_test, loss_fn=_loss(), jit_compile=False,
                    device=train_options.device)
    return {"model": model, "history": history, "seconds": seconds,
            "test_accuracy": test["accuracy"], "epochs": history.epochs,
            "learning_rate": learning_rate, "batch_size": batch_size}


def run(ctx: RunContext) -> None:
    check_batchnorm(ctx)

    fashion_train = FASHION_TRAIN[bool(ctx.quick)]
    splits = resolve_dataset(ctx, default="digits", allowed=("digits", "fashion-mnist"),
                             as_images=True,
                             per_dataset={"fashion-mnist": {"max_train": fashion_train}})
    h, w = splits.image_shape
    ctx.note(f"The {h} x {w} {splits.name} images are resized to {IMAGE_SIDE} x {IMAGE_SIDE} "
             f"with tf.image.resize (bilinear) for every model.")
    data = (to_images(splits.x_train), splits.y_train, to_images(splits.x_val), splits.y_val,
            to_images(splits.x_test), splits.y_test)
    counts = check_shapes(ctx, splits.num_classes)
    check_residual_identity(ctx)
    check_nin_parameters(ctx, splits.num_classes)

    names = QUICK_MODELS if ctx.quick else tuple(cnn_zoo.ZOO)
    if ctx.quick:
        ctx.note(f"Quick mode trains {', '.join(names)} only (LeNet-BN, built on the from-scratch "
                 "BatchNorm, beside the same LeNet without it), with fewer epochs; the full run "
                 f"trains all {len(cnn_zoo.ZOO)} models.")
    train_options = ctx.train
    results = {}
    for name in ctx.progress(names, desc="model"):
        epochs = ctx.train.epochs or SETTINGS[name][3 if ctx.quick else 2]
        results[name] = train_model(name, data, splits.num_classes, epochs, ctx.seed,
                                    train_options)

    floor = ACCURACY_FLOOR[bool(ctx.quick)]
    with ctx.calibrated_for("epochs", "data"):
        for name, result in results.items():
            ctx.claim_greater(f"{name}: test accuracy after {result['epochs']} epochs on {splits.name} "
                        f"(chance: 1/{splits.num_classes})", result["test_accuracy"], floor)

    # The from-scratch BN inside the trained LeNet-BN: the moving mean tracks the data, and the
    # training-mode logits (batch statistics of 64 test images) differ from inference mode.
    bn_model = results["lenet_bn"]["model"]
    x = data[4][:64]
    gap = float(np.abs(bn_model(x, training=True).numpy()
                       - bn_model(x, training=False).numpy()).max())
    with ctx.calibrated_for("epochs", "data"):
        # Quick seeds 0-2: 2.61, 2.01, 1.94 -> floor 1.0 (lowest minus 0.94).
        ctx.claim_greater("trained lenet_bn: logits in training mode (batch statistics of 64 test "
                          "images) differ from inference mode (moving statistics), max |diff| "
                          "(quick seeds 0-2: 1.94 or more, floor 1.0)", gap, 1.0)
    # The moving mean follows the data: bn1's moving mean reset to 0, the weights frozen, 2 passes
    # over the training set in training mode (batches of 64) bring it to the mean of conv1's
    # outputs (0.9^34 = 0.03 of the start is left, plus the noise of the last batches' means).
    conv1 = keras.Model(bn_model.input, bn_model.get_layer("conv1").output)
    data_mean = conv1(data[0], training=False).numpy().mean(axis=(0, 1, 2))
    batches = [data[0][i:i + 64] for i in range(0, len(data[0]) - 63, 64)]
    bn1 = bn_model.get_layer("bn1")
    bn1.moving_mean.assign(tf.zeros_like(bn1.moving_mean))
    forward = tf.function(lambda batch: bn_model(batch, training=True))
    for _ in range(2):
        for batch in batches:
            forward(tf.constant(batch))
    tracking = float(np.abs(bn1.moving_mean.numpy() - data_mean).max() / np.abs(data_mean).max())
    ctx.claim_less(f"lenet_bn, weights frozen, bn1's moving mean reset to 0, then "
                   f"{2 * len(batches)} training-mode batches of 64: the moving mean (momentum "
                   "0.9) reaches the mean of conv1's outputs over the training set (max |moving - "
                   "data mean| / max |data mean|; never updated: 1)", tracking, 0.1)

    # 003: BN speeds convergence: the same LeNet without BatchNorm, same optimiser and batches.
    bn_epochs = min(2, results["lenet_bn"]["epochs"])  # the comparison reads epoch 2
    plain = bn_convergence(ctx, data, splits.num_classes, bn_epochs)
    with_bn = np.asarray(results["lenet_bn"]["history"]["loss"], dtype=float)[:bn_epochs]
    ratio = float(with_bn[1] / plain[1]) if bn_epochs > 1 else float(with_bn[0] / plain[0])
    ctx.note("Training loss per epoch, LeNet (sigmoid) with / without BatchNorm (Adam "
             f"{SETTINGS['lenet_bn'][0]:g}, batch {SETTINGS['lenet_bn'][1]}): "
             + ", ".join(f"{a:.3f} / {b:.3f}" for a, b in zip(with_bn, plain, strict=True)) + ".")
    with ctx.calibrated_for("epochs", "data"):
        # Quick seeds 0-2: 0.216, 0.231, 0.207 -> bound 0.35 (highest plus 0.12).
        ctx.claim_less("003: BN speeds convergence: training loss after epoch 2, LeNet-BN / the "
                       "same LeNet without BN (quick seeds 0-2: 0.231 at most, bound 0.35)", ratio,
                       0.35)

    rows = ["| model | parameters | epochs | learning rate | batch | training time (s) "
            "| test accuracy |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name in cnn_zoo.ZOO:
        if name in results:
            r = results[name]
            rows.append(f"| {name} | {counts[name]:,} | {r['epochs']} | {r['learning_rate']:g} "
                        f"| {r['batch_size']} | {r['seconds']:.1f} | {r['test_accuracy']:.3f} |")
        else:
            rows.append(f"| {name} | {counts[name]:,} | not trained in quick mode | | | | |")
    ctx.note(f"Models on {splits.name} ({len(splits.y_train)} training images, Adam; time "
             f"includes graph tracing):\n" + "\n".join(rows))
    _plot(ctx, results, counts, splits.name)


def _plot(ctx, results, counts, data_name) -> None:
    names = list(results)
    with ctx.figure("accuracy-time", ncols=2, figsize=(11.0, 4.0)) as (fig, (left, right)):
        positions = np.arange(len(names))
        accuracy = [results[n]["test_accuracy"] for n in names]
        bars = left.bar(positions, accuracy, color="C0")
        for bar, value in zip(bars, accuracy, strict=True):
            left.text(bar.get_x() + bar.get_width() / 2, value + 0.01, f"{value:.2f}",
                      ha="center", fontsize=8)
        left.axhline(0.1, color="C3", ls=":", lw=1)
        left.text(-0.45, 0.115, "chance", color="C3", fontsize=8)
        left.set_ylim(0, 1.08)
        left.set_ylabel("test accuracy")
        left.set_title(f"Test accuracy ({data_name}, 16 x 16 inputs)", fontsize=10)
        seconds = [results[n]["seconds"] for n in names]
        right.bar(positions, seconds, color="C1")
        for x, (name, value) in enumerate(zip(names, seconds, strict=True)):
            right.text(x, value, f"{counts[name] / 1000:.0f}k params", ha="center",
                       va="bottom", fontsize=7)
        right.set_ylabel("training time (s, wall clock, incl. tracing)")
        right.set_title("Training time", fontsize=10)
        for axis in (left, right):
            axis.set_xticks(positions, [f"{n}\n{results[n]['epochs']} ep" for n in names],
                            fontsize=8)
            axis.grid(axis="y", alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.modern_cnn [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
