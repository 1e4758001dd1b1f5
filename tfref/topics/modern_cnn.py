"""Modern CNNs (AlexNet, VGG, NiN, GoogLeNet, ResNet, DenseNet) and batch normalisation.

Formula (003, D2L chapter 7): the blocks of ``tfref.nn.cnn_zoo`` (its docstring has each one's
shape rule), and batch normalisation over the batch (and height, width) axes, per channel:
    training:   y = gamma (x - mu_B) / sqrt(var_B + eps) + beta   (var_B biased)
                moving <- momentum * moving + (1 - momentum) * batch statistic
    inference:  y = gamma (x - moving_mean) / sqrt(moving_variance + eps) + beta
Output side of a convolution or pooling: floor((n + 2p - k) / s) + 1.
VGG (003:149, deep and narrow vs shallow and wide), for layers l = 1..L of kernel k_l, stride s_l:
    parameters  = sum over convolutions (k^2 c_in c_out + c_out) + (h w c_L) K + K
    receptive field side r = 1 + sum_l (k_l - 1) prod_{i<l} s_i
    two 3x3 convolutions: r = 5 = one 5x5's, with 2 * 9 c^2 = 18 c^2 weights instead of 25 c^2
    d y[centre] / d x[centre + u] = (k1 * k2)[u]   (linear; * = full 2D convolution)
AlexNet's regularisers (003:133-135), on a small training set, same starting weights:
    dropout:  h' = 0 with probability 0.5, else 2 h, after each hidden dense layer (training only)
    crops:    x -> resize(crop of x with area s ~ U(0.6, 1), aspect ratio r ~ 3/4..4/3) (training)
    effect:   test cross-entropy with both / with neither

Symbols -> names: gamma, beta, mu_B, var_B -> ``BatchNorm.gamma``, ``beta`` and the batch
statistics in ``BatchNorm.call``; the moving statistics -> ``moving_mean``,
``moving_variance``; the models -> ``tfref.nn.cnn_zoo.ZOO``; the VGG pair ->
``cnn_zoo.vgg_deep_narrow`` / ``vgg_shallow_wide``, blocks (convs, k, c) ->
``cnn_zoo.VGG_DEEP_NARROW`` / ``VGG_SHALLOW_WIDE``; r -> ``receptive_field``; AlexNet's four
variants -> ``ALEXNET_VARIANTS``, built by ``alexnet_variant`` (rate -> ``cnn_zoo.alexnet``'s
``dropout``; s, r -> ``ALEXNET_REG["crop_scale"]``, ``["crop_ratio"]``).

Oracles: keras BatchNormalization (outputs, moving statistics, gradients); the size formula
(``cnn_zoo.expected_block_shapes``) for every block's shape; keras count_params for the
parameter formulas; NumPy's mean for global average pooling; scipy.signal.convolve2d for the
gradient of two stacked convolutions, and the receptive-field formula for a gradient probe of
the trained VGG pair; for AlexNet's regularisers, the dropped share of dense1's outputs (0.5
in training, 0 at inference) and the crop layer's identity at inference, measured on the net.

Deviations: every model is scaled down to train on a CPU in seconds: 16 x 16 x 1 inputs (the
8 x 8 digits upsampled with ``tf.image.resize``; Fashion-MNIST's 28 x 28 images downsampled),
channel widths D2L's divided by 4 to 8, fewer blocks (each model's docstring says how), Adam
instead of D2L's SGD, and the zoo's BatchNorm momentum 0.9 (D2L's from-scratch value; keras
defaults to 0.99, which after a few dozen steps leaves inference at chance). ResNet, DenseNet
and LeNet-BN use the from-scratch BatchNorm. The strided 1x1 shortcut convolution of ResNet is
computed as a 1x1 convolution of x[:, ::2, ::2] (the same function) to avoid a oneDNN crash in
TF 2.21. NiN's convolutions use He initialisation (keras' Glorot default left it at chance
for 3-4 epochs). Quick mode trains LeNet-BN only, beside the same LeNet without BatchNorm, with
fewer epochs, on whole batches (the 61 images left over after 17 batches of 64 change from epoch
to epoch) and without per-epoch validation (a note says so). VGG's depth experiment is that of
Simonyan & Zisserman (sec. 4.1), not a D2L one: two blocks of two 3x3 convolutions (16, 32
channels) against the same net with each pair replaced by one 5x5 convolution (20, 32 channels),
same receptive field, parameters within 1.1% (17,658 and 17,842), on the digits' own 8 x 8
images, Adam 3e-3, 12 epochs (quick) or 16; "wide" is read as D2L's "wider convolutions" (larger
kernels): at equal parameters and receptive field the shallow net cannot also have more channels.
Its "more effective" is claimed for fitting only (training-set loss); the test accuracies do not
differ reliably on 360 test digits (gap -0.008 to +0.017 over seeds 0-4), a note says so.
AlexNet's regularisers: the zoo's AlexNet (16 x 16 digits) on a stratified 300 of the training
images, 60 epochs (Adam 1e-3, batch 32), with and without its dropout and with and without
random crops (tfref.nn.vision.RandomResizedCrop, AlexNet's 224-of-256 crops; its flips do not
preserve digits, its PCA colour shifts need colour), all four from the same starting weights on
the same batches; full mode only (4 x 60 epochs do not fit quick mode, which checks only that
both act in training alone). Only the two together are claimed (test cross-entropy 0.42-0.79 of
the unregularised net's, seeds 0-4): dropout alone was no gain (0.89-1.18), crops alone lower
in every seed but too close to 1 to claim (0.65-0.99), and no test-accuracy difference is
measurable on 360 test digits (within 0.022; crops alone 0.003-0.022 lower).

Expect: the from-scratch BatchNorm equals keras BatchNormalization in training and inference
(4.8e-7), and every block of the seven scaled-down models has the shape the size formula gives. On
digits resized to 16 x 16 the test accuracies are AlexNet 0.953, VGG 0.956, NiN 0.944, GoogLeNet
0.906, ResNet 0.986, DenseNet 0.958 and LeNet-BN 0.947; the plot shows accuracy against training
time. A residual block whose last BatchNorm has gamma = 0 is exactly the identity; NiN's head holds
4,550 parameters against 73,226 for a dense head on the same features; LeNet-BN's training loss
after 2 epochs is 0.216 of the same LeNet's without BatchNorm (--quick: LeNet-BN only, test
accuracy 0.903, loss ratio 0.230). VGG: two 3x3 convolutions see 5x5 like one 5x5 (the gradient
equals k1 * k2, 3e-7), both nets' last convolution sees 14x14; after 16 epochs the deep-narrow
net's training-set loss is 0.095 of the shallow-wide net's (--quick, 12 epochs: 0.253), test
accuracy 0.978 against 0.975 (quick: 0.967 against 0.975); the second plot shows both learning
curves. AlexNet (full run only): trained on 300 digits, test cross-entropy 0.289 without dropout
or crops, 0.300 with dropout, 0.188 with crops, 0.229 with both (0.79 of the unregularised
net's), test accuracy 0.947, 0.939, 0.944, 0.933; the third plot shows the losses and the
train - test accuracy gaps.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf
from scipy import signal
from sklearn.model_selection import train_test_split

from tfref.data import resolve_dataset
from tfref.nn import cnn_zoo
from tfref.nn.batchnorm import BatchNorm
from tfref.nn.lenet import lenet
from tfref.nn.vision import RandomResizedCrop
from tfref.topics._base import RunContext
from tfref.train import fit

ID = "modern-cnn"
TITLE = "Modern CNNs scaled to a CPU: AlexNet ... DenseNet, batch normalisation from scratch"
CHAPTER = "D"
SEEDS = ("003",)
OPTIONS = ('data', 'epochs', 'checkpoint_dir', 'resume', 'logdir', 'strategy', 'device')  # the run options this topic honours (tfref run refuses others)
DATASETS = ("digits", "fashion-mnist")  # the --data names it takes (tfref run refuses others)

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
# Test accuracy every trained model must beat (chance: 0.1). Quick (LeNet-BN, 6 epochs of whole
# batches), seeds 0-4: 0.903, 0.931, 0.958, 0.931, 0.808 -> 0.75 (lowest minus 0.058). (The
# floor was 0.85, from seeds 0-2 only; seed 4 failed it before whole batches, at 0.800.)
# Full, per model, seeds 0-2 (it was one floor of 0.8 from seed 0 alone), floor = the lowest
# seen minus the larger of 0.05 and the spread of the three seeds, rounded down:
#   alexnet   0.953, 0.975, 0.953 -> 0.90      vgg       0.956, 0.961, 0.981 -> 0.90
#   nin       0.944, 0.856, 0.964 -> 0.74      googlenet 0.906, 0.961, 0.961 -> 0.85
#   resnet    0.986, 0.978, 0.997 -> 0.92      densenet  0.958, 0.981, 0.986 -> 0.90
#   lenet_bn  0.947, 0.967, 0.894 -> 0.82
ACCURACY_FLOOR = {True: {"lenet_bn": 0.75},
                  False: {"alexnet": 0.90, "vgg": 0.90, "nin": 0.74, "googlenet": 0.85,
                          "resnet": 0.92, "densenet": 0.90, "lenet_bn": 0.82}}
ACCURACY_SEEN = {True: {"lenet_bn": "quick seeds 0-4: 0.808-0.958"},
                 False: {"alexnet": "seeds 0-2: 0.953-0.975", "vgg": "seeds 0-2: 0.956-0.981",
                         "nin": "seeds 0-2: 0.856-0.964", "googlenet": "seeds 0-2: 0.906-0.961",
                         "resnet": "seeds 0-2: 0.978-0.997",
                         "densenet": "seeds 0-2: 0.958-0.986",
                         "lenet_bn": "seeds 0-2: 0.894-0.967"}}
# Trained LeNet-BN, logits in training mode vs inference mode, max |difference|: quick seeds
# 0-4 3.06, 1.63, 1.63, 2.05, 3.22 -> 1.0 (lowest minus 0.63); full seeds 0-2 2.48, 1.19, 3.58
# -> 0.6 (lowest minus 0.59, half of it: the spread is wide).
BN_GAP_FLOOR = {True: 1.0, False: 0.6}
BN_GAP_SEEN = {True: "quick seeds 0-4: 1.63 or more", False: "seeds 0-2: 1.19 or more"}

# VGG's depth experiment (cnn_zoo.vgg_deep_narrow vs vgg_shallow_wide) on the digits' own 8 x 8
# images: Adam learning rate, batch size, epochs (full, quick).
DEPTH_SIDE = 8
DEPTH_SETTINGS = {"learning_rate": 3e-3, "batch_size": 64, "epochs": {False: 16, True: 12}}
DEPTH_NETS = {"deep-narrow": cnn_zoo.vgg_deep_narrow, "shallow-wide": cnn_zoo.vgg_shallow_wide}
DEPTH_BLOCKS = {"deep-narrow": cnn_zoo.VGG_DEEP_NARROW, "shallow-wide": cnn_zoo.VGG_SHALLOW_WIDE}
# Training-set loss (inference mode, all 1,149 images) after the run, deep-narrow / shallow-wide,
# seeds 0-4: quick (12 epochs) 0.253, 0.317, 0.511, 0.239, 0.339 -> bound 0.65 (highest plus
# 0.14); full (16 epochs) 0.095, 0.180, 0.136, 0.104, 0.256 -> bound 0.4 (highest plus 0.14).
# (8 epochs: 0.42-0.95, too close to 1 to claim; batch 128, 12 epochs: 0.38-1.09.)
DEPTH_BOUND = {True: 0.65, False: 0.4}
DEPTH_SEEN = {True: "quick seeds 0-4: 0.24-0.51, bound 0.65",
              False: "seeds 0-4: 0.10-0.26, bound 0.4"}
# Test accuracy, deep - shallow, seeds 0-4: quick -0.008, -0.008, 0.000, +0.017, +0.006; full
# +0.003, +0.008, -0.006, +0.011, +0.011: no sign holds over the seeds, so no claim.
DEPTH_TEST_NOTE = ("over seeds 0-4 the gap was -0.008 to +0.017 in quick mode (12 epochs) and "
                   "-0.006 to +0.011 in the full run (16 epochs): on 360 test digits neither net "
                   "generalises measurably better, so 003's 'more effective' is claimed for "
                   "fitting (the training-set loss) only.")


def to_images(x: np.ndarray) -> np.ndarray:
    """(n, h, w, 1) images -> (n, 16, 16, 1) with bilinear ``tf.image.resize`` (if needed)."""
    if x.shape[1:3] == (IMAGE_SIDE, IMAGE_SIDE):
        return x
    return tf.image.resize(x, (IMAGE_SIDE, IMAGE_SIDE)).numpy()


def _loss():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _logits(model, x, batch_size: int = 1024) -> np.ndarray:
    """``model(x, training=False)`` eagerly, in batches: (n, classes). Cheaper than
    ``tfref.train.evaluate`` for a few hundred images, which traces a graph first."""
    return np.concatenate([model(x[i:i + batch_size], training=False).numpy()
                           for i in range(0, len(x), batch_size)])


def _accuracy(model, x, y) -> float:
    return float(np.mean(_logits(model, x).argmax(axis=-1) == np.asarray(y)))


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
    """Per-block output shapes of every zoo model vs the shapes worked out by hand. Returns the
    (untrained) models."""
    models = {}
    for name in cnn_zoo.ZOO:
        model = cnn_zoo.build(name, (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
        measured = dict(cnn_zoo.block_output_shapes(model))
        expected = cnn_zoo.expected_block_shapes(name, (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
        mismatched = {b: measured.get(b) for b, s in expected.items() if measured.get(b) != s}
        ctx.claim(f"{name}: output shape of each block (of {len(expected)} checked) = the size "
                  "formula's", not mismatched, expected=str(expected),
                  measured=str(mismatched) if mismatched else "all equal")
        models[name] = model
    return models


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


def check_nin_parameters(ctx: RunContext, model: keras.Model, num_classes: int) -> dict:
    """003 (NiN): a 1x1-convolution block and global average pooling instead of dense layers.
    The head's parameters from keras count_params against the formula, beside a VGG-style dense
    head (Flatten, Dense(128), Dense(128), Dense(classes)) on the same body. ``model``: a NiN
    of ``cnn_zoo.nin``."""
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
    layers, trained with LeNet-BN's optimiser (Adam), batch size, seed and batches: loss per
    epoch."""
    keras.utils.set_random_seed(ctx.seed)
    model = lenet("sigmoid", (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
    history = fit(model, data[0], data[1], loss_fn=_loss(),
                  optimizer=keras.optimizers.Adam(SETTINGS["lenet_bn"][0]),
                  batch_size=SETTINGS["lenet_bn"][1], epochs=epochs, seed=ctx.seed,
                  drop_remainder=bool(ctx.quick), jit_compile=False, progress=False)
    return np.asarray(history["loss"], dtype=float)


# -- VGG: deep and narrow vs shallow and wide ---------------------------------------------------
def conv_stack_parameters(blocks, input_shape, num_classes: int) -> int:
    """Parameters of ``cnn_zoo.conv_stack`` by the formula, without keras:
    sum over convolutions of (k^2 c_in c_out + c_out), plus the head (h w c_last) K + K, where
    h = H / 2^blocks (one 2x2 pool per block) and K = num_classes."""
    h, w, c_in = input_shape
    total = 0
    for num_convs, kernel, channels in blocks:
        for _ in range(num_convs):
            total += kernel * kernel * c_in * channels + channels
            c_in = channels
        h, w = h // 2, w // 2
    return total + h * w * c_in * num_classes + num_classes


def receptive_field(layers_kernel_stride) -> int:
    """Side of the receptive field of one unit after layers given as (kernel, stride):
    r = 1 + sum_l (k_l - 1) * prod_{i < l} s_i (a 2x2 pool with stride 2 is (2, 2))."""
    side, jump = 1, 1
    for kernel, stride in layers_kernel_stride:
        side += (kernel - 1) * jump
        jump *= stride
    return side


def _kernel_stride(blocks, through_block: int) -> list[tuple[int, int]]:
    """(kernel, stride) of every layer of a conv_stack up to the last convolution of block
    ``through_block`` (1-based), pools included."""
    out = []
    for i, (num_convs, kernel, _) in enumerate(blocks, 1):
        out += [(kernel, 1)] * num_convs
        if i == through_block:
            return out
        out.append((2, 2))
    raise ValueError(f"through_block must be 1..{len(blocks)}; got {through_block}")


def gradient_support(layers_, input_shape, rng, samples: int = 16) -> np.ndarray:
    """The input pixels a unit sees, by a gradient probe: the gradient of the centre unit of the
    last layer's output (summed over its channels) w.r.t. random normal inputs; True where any of
    ``samples`` inputs has a nonzero gradient. (height, width) bool."""
    x = tf.constant(rng.normal(size=(samples, *input_shape)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = x
        for layer in layers_:
            h = layer(h)
        centre = h[:, h.shape[1] // 2, h.shape[2] // 2, :]  # (samples, channels)
        total = tf.reduce_sum(centre)
    return np.abs(tape.gradient(total, x).numpy()).sum(axis=(0, 3)) > 0


def _extent(support: np.ndarray) -> tuple[int, int, int]:
    """(rows, columns) spanned by the True pixels, and how many are True."""
    rows, cols = np.nonzero(support)
    return (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1),
            int(support.sum()))


def check_receptive_field(ctx: RunContext, nets: dict) -> None:
    """003 (VGG): two stacked 3x3 convolutions see the 5x5 input window of one 5x5 convolution
    with 2 * 9 = 18 instead of 25 weights per channel pair."""
    # Exact, linear: d y[centre] / d x[centre + u] = (k1 * k2)[u], the full 2D convolution of the
    # two (cross-correlation) kernels: the paths from x to y through the middle layer.
    k1, k2 = (ctx.rng.normal(size=(3, 3)).astype("float32") for _ in range(2))
    stack = [keras.layers.Conv2D(1, 3, padding="same", use_bias=False) for _ in range(2)]
    x = tf.constant(ctx.rng.normal(size=(1, 9, 9, 1)).astype("float32"))
    for layer, kernel in zip(stack, (k1, k2), strict=True):
        layer.build(x.shape)
        layer.kernel.assign(kernel[:, :, None, None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = stack[1](stack[0](x))
        centre = y[0, 4, 4, 0]
    grad = tape.gradient(centre, x).numpy()[0, :, :, 0]
    expected = np.zeros((9, 9))
    expected[2:7, 2:7] = signal.convolve2d(k1.astype(np.float64), k2.astype(np.float64))
    ctx.claim_close("VGG: two stacked 3x3 convolutions (linear, random kernels k1, k2): the "
                    "gradient of the centre output w.r.t. a 9x9 input is the 5x5 full convolution "
                    "k1 * k2 (scipy.signal.convolve2d) and 0 outside it: a 5x5 receptive field",
                    grad, expected, atol=1e-5)
    # The nets of the experiment, trained: the same receptive fields, by a gradient probe.
    side = 32  # large enough that no receptive field below reaches the border
    measured, formula = {}, {}
    for name, model in nets.items():
        blocks = DEPTH_BLOCKS[name]
        for through in (1, len(blocks)):
            last = f"block{through}_conv{blocks[through - 1][0]}"
            index = [layer.name for layer in model.layers].index(last)
            key = f"{name} {last}"
            support = gradient_support(model.layers[1:index + 1], (side, side, 1), ctx.rng)
            measured[key] = _extent(support)
            r = receptive_field(_kernel_stride(blocks, through))
            formula[key] = (r, r, r * r)
    ctx.claim("VGG: receptive field of the trained nets (rows, columns and number of the input "
              "pixels with a nonzero gradient of the centre unit, 16 random 32x32 inputs) = a "
              "full r x r square, r = 1 + sum_l (k_l - 1) prod_{i<l} s_i: the deep-narrow net's "
              "second 3x3 convolution and the shallow-wide net's 5x5 see 5x5; the last "
              "convolution of both sees 14x14", measured == formula,
              expected=str(formula), measured=str(measured))


def train_depth_pair(ctx, splits, epochs: int) -> dict:
    """003 (VGG): the deep-narrow and the shallow-wide net, each through tfref.train.fit with the
    same optimizer settings, seed and so the same mini-batches."""
    def images(x):
        if x.shape[1:3] == (DEPTH_SIDE, DEPTH_SIDE):
            return x
        return tf.image.resize(x, (DEPTH_SIDE, DEPTH_SIDE)).numpy()

    x_train, x_val, x_test = (images(x) for x in (splits.x_train, splits.x_val, splits.x_test))
    x_val = tf.constant(x_val)  # one traced forward pass for every epoch's validation
    shape = (DEPTH_SIDE, DEPTH_SIDE, x_train.shape[-1])
    loss = _loss()
    results = {}
    for name, builder in DEPTH_NETS.items():
        keras.utils.set_random_seed(ctx.seed)
        with ctx.train.model_scope():
            model = builder(shape, splits.num_classes)
            optimizer = keras.optimizers.Adam(DEPTH_SETTINGS["learning_rate"])
        val_accuracy = []
        forward = tf.function(lambda x, model=model: model(x, training=False))

        def after_epoch(_finished, _metrics, forward=forward, val_accuracy=val_accuracy):
            predicted = forward(x_val).numpy().argmax(axis=-1)
            val_accuracy.append(float(np.mean(predicted == splits.y_val)))

        # drop_remainder: 17 batches of 64 an epoch (the 61 images left over differ from epoch
        # to epoch); one traced step instead of two keeps quick mode quick.
        history = fit(model, x_train, splits.y_train, loss_fn=loss, optimizer=optimizer,
                      batch_size=DEPTH_SETTINGS["batch_size"], seed=ctx.seed,
                      drop_remainder=True, jit_compile=False, progress=False,
                      on_epoch_end=after_epoch,
                      **ctx.train.fit_kwargs(epochs, name=f"{ID}-vgg-{name}"))
        with ctx.train.model_scope():
            train_logits, test_logits = _logits(model, x_train), _logits(model, x_test)
        results[name] = {
            "model": model, "history": np.asarray(history["loss"], dtype=float),
            "val_accuracy": np.asarray(val_accuracy), "epochs": history.epochs,
            "train_loss": float(np.mean(loss.call(splits.y_train, train_logits))),
            "test_loss": float(np.mean(loss.call(splits.y_test, test_logits))),
            "test_accuracy": float(np.mean(test_logits.argmax(axis=-1) == splits.y_test)),
            "parameters": model.count_params(),
            "formula": conv_stack_parameters(DEPTH_BLOCKS[name], shape, splits.num_classes)}
    return results


def vgg_depth(ctx: RunContext, splits) -> dict:
    """003:149: "deep and narrow convolutions (3x3) are more effective than shallow and wide
    ones", at equal parameters and equal receptive field."""
    epochs = ctx.train.epochs or DEPTH_SETTINGS["epochs"][bool(ctx.quick)]
    results = train_depth_pair(ctx, splits, epochs)
    deep, shallow = results["deep-narrow"], results["shallow-wide"]
    ctx.claim("VGG pair: keras count_params = sum over convolutions (k^2 c_in c_out + c_out) + "
              "(h w c_last) K + K, for the deep-narrow and the shallow-wide net",
              (deep["parameters"], shallow["parameters"]) == (deep["formula"], shallow["formula"]),
              expected=f"{deep['formula']:,} and {shallow['formula']:,}",
              measured=f"{deep['parameters']:,} and {shallow['parameters']:,}")
    ctx.claim_less("... a similar budget: |shallow - deep| / deep parameters (deterministic)",
                   abs(shallow["parameters"] - deep["parameters"]) / deep["parameters"], 0.02)
    check_receptive_field(ctx, {name: r["model"] for name, r in results.items()})
    ratio = deep["train_loss"] / shallow["train_loss"]
    with ctx.calibrated_for("epochs", "data"):
        ctx.claim_less(f"003:149: VGG's deep and narrow beats shallow and wide: training-set loss "
                       f"after {deep['epochs']} epochs, deep-narrow / shallow-wide "
                       "(same parameters within 2%, same receptive field, same batches; "
                       f"{DEPTH_SEEN[bool(ctx.quick)]})", ratio,
                       DEPTH_BOUND[bool(ctx.quick)])
    ctx.note("VGG's depth experiment on the " + f"{DEPTH_SIDE} x {DEPTH_SIDE} {splits.name} "
             "images (deep-narrow: 2 blocks of two 3x3 convolutions, 16 and 32 channels; "
             "shallow-wide: each pair replaced by one 5x5 convolution, 20 and 32 channels; "
             f"Adam {DEPTH_SETTINGS['learning_rate']:g}, batch {DEPTH_SETTINGS['batch_size']}): "
             + "; ".join(f"{name}: {r['parameters']:,} parameters, training-set loss "
                         f"{r['train_loss']:.4f}, test loss {r['test_loss']:.3f}, test accuracy "
                         f"{r['test_accuracy']:.3f}" for name, r in results.items())
             + f". Test accuracy gap (deep - shallow): "
             f"{deep['test_accuracy'] - shallow['test_accuracy']:+.3f}; "
             + DEPTH_TEST_NOTE)
    _plot_depth(ctx, results, splits.name)
    return results


def _plot_depth(ctx, results, data_name) -> None:
    with ctx.figure("vgg-depth", ncols=2, figsize=(10.0, 3.8)) as (fig, (left, right)):
        for color, (name, r) in zip(("C0", "C1"), results.items(), strict=True):
            epochs = np.arange(1, len(r["history"]) + 1)
            label = f"{name} ({r['parameters']:,} params)"
            left.plot(epochs, r["history"], "o-", color=color, ms=3, label=label)
            left.plot(epochs[-1:], [r["train_loss"]], "*", color=color, ms=10)
            right.plot(epochs, r["val_accuracy"], "o-", color=color, ms=3, label=label)
        left.plot([], [], "*", color="grey", ms=10, label="training-set loss after training")
        left.set_yscale("log")
        left.set_ylabel("training loss (mean over the epoch)")
        left.set_title(f"VGG depth experiment: training loss ({data_name}, {DEPTH_SIDE} x "
                       f"{DEPTH_SIDE})", fontsize=10)
        right.set_ylabel("validation accuracy")
        right.set_title("Validation accuracy after each epoch", fontsize=10)
        for axis in (left, right):
            axis.set_xlabel("epoch")
            axis.grid(alpha=0.3)
            axis.legend(fontsize=8)


# -- AlexNet's own regularisers (003:133-135): dropout in the dense head, augmented images ----
# On a small training set (a stratified 300 of the 1,149 digits, resized to 16 x 16), the zoo's
# AlexNet with and without its dropout (0.5 after each hidden dense layer) and with and without
# random crops (tfref.nn.vision.RandomResizedCrop: 60-100% of the area, aspect ratio 3/4-4/3,
# resized back: AlexNet's 224-of-256 crops; its flips do not preserve digits and its PCA
# colour shifts need colour). Adam 1e-3, batch 32, 60 epochs (full mode only).
ALEXNET_REG = {"train_images": 300, "epochs": 60, "learning_rate": 1e-3, "batch_size": 32,
               "crop_scale": (0.6, 1.0), "crop_ratio": (3 / 4, 4 / 3)}
ALEXNET_VARIANTS = {"neither": (0.0, False), "dropout": (0.5, False), "crops": (0.0, True),
                    "both": (0.5, True)}  # name -> (dropout rate, random crops)
# Full seeds 0-4, all four from the same starting weights, test cross-entropy / neither's:
#   both     0.794, 0.666, 0.422, 0.446, 0.611 -> bound 0.9 (highest plus 0.106)
#   dropout  1.039, 1.182, 1.148, 1.151, 0.894 -> no effect to claim
#   crops    0.650, 0.855, 0.851, 0.782, 0.987 -> below 1 in every seed, but too close to claim
# Test accuracy - neither's: both -0.014 to +0.014, dropout -0.014 to +0.011, crops -0.022 to
# -0.003: none claimed on 360 test digits.
ALEXNET_REG_BOUND = 0.9
ALEXNET_REG_SEEN = "seeds 0-4: 0.42-0.79"
ALEXNET_REG_ALONE = ("each alone is no measurable gain at this size (seeds 0-4, test loss / "
                     "neither's: dropout 0.89-1.18, crops 0.65-0.99), and the test accuracies "
                     "differ by 0.022 at most (crops alone: 0.003-0.022 lower), not claimed on "
                     "360 test digits")

def alexnet_variant(input_shape, num_classes: int, dropout: float, crops: bool,
                    seed: int, weights=None) -> keras.Model:
    """``cnn_zoo.alexnet`` with dropout rate ``dropout``, behind a random-crop layer when
    ``crops`` (the identity at inference); ``weights`` (a list as ``get_weights`` gives) are
    its starting weights. (A keras Dropout layer with a rate above 0 draws its seed from the
    global generator when built, so nets of different rates built after the same
    ``set_random_seed`` would start from different dense weights.)"""
    net = cnn_zoo.alexnet(input_shape, num_classes, dropout=dropout)
    if weights is not None:
        net.set_weights(weights)
    if not crops:
        return net
    inputs = keras.Input(tuple(input_shape))
    crop = RandomResizedCrop(input_shape[0], input_shape[1], scale=ALEXNET_REG["crop_scale"],
                             ratio=ALEXNET_REG["crop_ratio"], seed=seed, name="random_crop")
    return keras.Model(inputs, net(crop(inputs)), name="alexnet_with_crops")


def check_alexnet_regularisers_active(ctx: RunContext, x: np.ndarray, num_classes: int) -> None:
    """The regularisers act in training only (the anchor's dropout never dropped): AlexNet's
    first dropout zeroes about half of dense1's non-zero outputs in training mode and none at
    inference; the crop layer changes the images in training and is the identity at inference."""
    keras.utils.set_random_seed(ctx.seed)
    model = alexnet_variant(x.shape[1:], num_classes, 0.5, True, ctx.seed)
    net = model.layers[-1]
    probe = keras.Model(net.input, [net.get_layer("dense1").output,
                                    net.get_layer("dropout1").output])
    shares = {}
    for mode in (True, False):
        dense, dropped = (t.numpy() for t in probe(x, training=mode))
        active = dense > 0
        shares[mode] = float(np.mean(dropped[active] == 0))
    crop = model.get_layer("random_crop")
    changed = float(np.abs(crop(x, training=True).numpy() - x).max())
    same = float(np.abs(crop(x, training=False).numpy() - x).max())
    ctx.claim("AlexNet (dropout 0.5, random crops): share of dense1's non-zero outputs that "
              f"dropout1 zeroes, training mode within 0.5 +- 0.05, inference 0 ({len(x)} images); "
              "the crop layer changes the images in training (max |change| > 0.1) and not at "
              "inference (0)",
              abs(shares[True] - 0.5) < 0.05 and shares[False] == 0.0 and changed > 0.1
              and same == 0.0,
              measured=f"dropped {shares[True]:.3f} / {shares[False]:.3f}; crop changes "
                       f"{changed:.3f} / {same:.3f}")


def train_alexnet_variants(ctx: RunContext, data, num_classes: int, epochs: int) -> dict:
    """The four variants of ``ALEXNET_VARIANTS`` from the same starting weights, on the same
    stratified subset and batches; train and test loss and accuracy (inference mode)."""
    x_train, y_train, _, _, x_test, y_test = data
    n = ALEXNET_REG["train_images"]
    kept, _ = train_test_split(np.arange(len(y_train)), test_size=len(y_train) - n,
                               stratify=y_train, random_state=ctx.seed + 1)
    kept = np.sort(kept)
    x_small, y_small = x_train[kept], y_train[kept]
    keras.utils.set_random_seed(ctx.seed)
    start = cnn_zoo.alexnet(x_small.shape[1:], num_classes).get_weights()  # shared by all four
    loss = _loss()
    results = {}
    for name, (dropout, crops) in ALEXNET_VARIANTS.items():
        keras.utils.set_random_seed(ctx.seed)
        with ctx.train.model_scope():
            model = alexnet_variant(x_small.shape[1:], num_classes, dropout, crops, ctx.seed,
                                    weights=start)
            optimizer = keras.optimizers.Adam(ALEXNET_REG["learning_rate"])
        fit(model, x_small, y_small, loss_fn=loss, optimizer=optimizer,
            batch_size=ALEXNET_REG["batch_size"], seed=ctx.seed, drop_remainder=True,
            jit_compile=False, progress=False,
            **ctx.train.fit_kwargs(epochs, name=f"{ID}-alexnet-{name}"))
        with ctx.train.model_scope():
            train_logits, test_logits = _logits(model, x_small), _logits(model, x_test)
        results[name] = {
            "train_loss": float(np.mean(loss.call(y_small, train_logits))),
            "test_loss": float(np.mean(loss.call(y_test, test_logits))),
            "train_accuracy": float(np.mean(train_logits.argmax(axis=-1) == y_small)),
            "test_accuracy": float(np.mean(test_logits.argmax(axis=-1) == y_test))}
    return results


def alexnet_regularisers(ctx: RunContext, data, data_name: str, num_classes: int) -> None:
    """003:133-135: AlexNet controls its dense layers with dropout and trains on augmented
    images. Quick mode checks that both act in training only; the full run trains the four
    variants (60 epochs each) and claims on the test loss."""
    check_alexnet_regularisers_active(ctx, data[4][:64], num_classes)
    if ctx.quick:
        ctx.note("AlexNet's dropout and crops (003:133-135): quick mode only checks that they "
                 "act in training alone; the full run trains AlexNet with and without each on "
                 f"{ALEXNET_REG['train_images']} training images (4 x "
                 f"{ALEXNET_REG['epochs']} epochs, too long for quick mode).")
        return
    epochs = ctx.train.epochs or ALEXNET_REG["epochs"]
    results = train_alexnet_variants(ctx, data, num_classes, epochs)
    ratio = results["both"]["test_loss"] / results["neither"]["test_loss"]
    with ctx.calibrated_for("epochs", "data"):
        ctx.claim_less(f"003:133-135 AlexNet's regularisers: trained on {ALEXNET_REG['train_images']}"
                       f" {data_name} images for {epochs} epochs, test cross-entropy with dropout "
                       "0.5 and random crops / with neither (same starting weights and batches; "
                       f"{ALEXNET_REG_SEEN}, bound {ALEXNET_REG_BOUND:g})", ratio,
                       ALEXNET_REG_BOUND)
    ctx.note(f"AlexNet on {ALEXNET_REG['train_images']} {data_name} training images, {epochs} "
             f"epochs (Adam {ALEXNET_REG['learning_rate']:g}, batch "
             f"{ALEXNET_REG['batch_size']}), train / test accuracy and cross-entropy: "
             + "; ".join(f"{name}: {r['train_accuracy']:.3f} / {r['test_accuracy']:.3f}, "
                         f"{r['train_loss']:.3f} / {r['test_loss']:.3f}"
                         for name, r in results.items())
             + ". Together the two lower the test loss (without either the net fits its "
             f"{ALEXNET_REG['train_images']} images to a training loss of 0.000, and at a "
             "similar test accuracy its test loss is higher); "
             + ALEXNET_REG_ALONE + ".")
    _plot_alexnet(ctx, results, data_name)


def _plot_alexnet(ctx, results, data_name) -> None:
    names = list(results)
    with ctx.figure("alexnet-regularisers", ncols=2, figsize=(10.0, 3.6)) as (fig, (left, right)):
        positions = np.arange(len(names))
        width = 0.38
        for offset, key, color, label in ((-width / 2, "train_loss", "C0", "training set"),
                                          (width / 2, "test_loss", "C3", "test set")):
            left.bar(positions + offset, [results[n][key] for n in names], width, color=color,
                     label=label)
        left.set_ylabel("cross-entropy (inference mode)")
        left.set_title(f"AlexNet on {ALEXNET_REG['train_images']} {data_name} images", fontsize=10)
        gaps = [results[n]["train_accuracy"] - results[n]["test_accuracy"] for n in names]
        right.bar(positions, gaps, color="C1")
        right.set_ylabel("train - test accuracy")
        right.set_title("Generalisation gap", fontsize=10)
        for axis in (left, right):
            axis.set_xticks(positions, names)
            axis.grid(axis="y", alpha=0.3)
        left.legend(fontsize=8)


def train_model(name, data, num_classes, epochs, seed, train_options, quick=False) -> dict:
    """Train zoo model ``name`` and measure its test accuracy. Quick mode traces one training
    step and no test step (before: two training steps, the full batches' and the last short
    one's, and four test steps for validation and test): whole batches only (``drop_remainder``:
    the 61 of 1,149 digits left over after 17 batches of 64 differ from epoch to epoch), no
    per-epoch validation (no claim reads it), and the test set evaluated eagerly."""
    x_train, y_train, x_val, y_val, x_test, y_test = data
    learning_rate, batch_size = SETTINGS[name][:2]
    keras.utils.set_random_seed(seed)
    with train_options.model_scope():
        model = cnn_zoo.build(name, (IMAGE_SIDE, IMAGE_SIDE, 1), num_classes)
        optimizer = keras.optimizers.Adam(learning_rate)
    start = time.perf_counter()
    # jit_compile=False: XLA on the CPU runs these convolutions ~40x slower (measured).
    history = fit(model, x_train, y_train, loss_fn=_loss(), optimizer=optimizer,
                  batch_size=batch_size, seed=seed, drop_remainder=quick,
                  validation=None if quick else (x_val, y_val), jit_compile=False,
                  progress=False, **train_options.fit_kwargs(epochs, name=f"{ID}-{name}"))
    seconds = time.perf_counter() - start
    with train_options.model_scope():
        test_accuracy = _accuracy(model, x_test, y_test)
    return {"model": model, "history": history, "seconds": seconds,
            "test_accuracy": test_accuracy, "epochs": history.epochs,
            "learning_rate": learning_rate, "batch_size": batch_size}


def run(ctx: RunContext) -> None:
    check_batchnorm(ctx)

    fashion_train = FASHION_TRAIN[bool(ctx.quick)]
    splits = resolve_dataset(ctx, default="digits", allowed=DATASETS,
                             as_images=True,
                             per_dataset={"fashion-mnist": {"max_train": fashion_train}})
    h, w = splits.image_shape
    ctx.note(f"The {h} x {w} {splits.name} images are resized to {IMAGE_SIDE} x {IMAGE_SIDE} "
             f"with tf.image.resize (bilinear) for every model.")
    data = (to_images(splits.x_train), splits.y_train, to_images(splits.x_val), splits.y_val,
            to_images(splits.x_test), splits.y_test)
    models = check_shapes(ctx, splits.num_classes)
    counts = {name: model.count_params() for name, model in models.items()}
    check_residual_identity(ctx)
    check_nin_parameters(ctx, models["nin"], splits.num_classes)

    names = QUICK_MODELS if ctx.quick else tuple(cnn_zoo.ZOO)
    if ctx.quick:
        ctx.note(f"Quick mode trains {', '.join(names)} only (LeNet-BN, built on the from-scratch "
                 "BatchNorm, beside the same LeNet without it), with fewer epochs, on whole "
                 "batches of 64 (the images left over change from epoch to epoch) and without "
                 f"per-epoch validation; the full run trains all {len(cnn_zoo.ZOO)} models.")
    train_options = ctx.train
    results = {}
    for name in ctx.progress(names, desc="model"):
        epochs = ctx.train.epochs or SETTINGS[name][3 if ctx.quick else 2]
        results[name] = train_model(name, data, splits.num_classes, epochs, ctx.seed,
                                    train_options, quick=bool(ctx.quick))

    floors, seen = ACCURACY_FLOOR[bool(ctx.quick)], ACCURACY_SEEN[bool(ctx.quick)]
    with ctx.calibrated_for("epochs", "data"):
        for name, result in results.items():
            ctx.claim_greater(f"{name}: test accuracy after {result['epochs']} epochs on "
                              f"{splits.name} (chance: 1/{splits.num_classes}; {seen[name]})",
                              result["test_accuracy"], floors[name])

    # The from-scratch BN inside the trained LeNet-BN: the moving mean tracks the data, and the
    # training-mode logits (batch statistics of 64 test images) differ from inference mode.
    bn_model = results["lenet_bn"]["model"]
    x = data[4][:64]
    gap = float(np.abs(bn_model(x, training=True).numpy()
                       - bn_model(x, training=False).numpy()).max())
    with ctx.calibrated_for("epochs", "data"):
        floor = BN_GAP_FLOOR[bool(ctx.quick)]
        ctx.claim_greater("trained lenet_bn: logits in training mode (batch statistics of 64 test "
                          "images) differ from inference mode (moving statistics), max |diff| "
                          f"({BN_GAP_SEEN[bool(ctx.quick)]}, floor {floor:g})", gap, floor)
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
    # Full seeds 0-2: 0.034-0.038 (0.9^34 = 0.028 of the start is left): bound 0.1.
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
        # Quick seeds 0-4: 0.230, 0.242, 0.216, 0.233, 0.231 -> bound 0.35 (highest plus 0.108);
        # full seeds 0-2: 0.216, 0.231, 0.207, the same bound (highest plus 0.119).
        ctx.claim_less("003: BN speeds convergence: training loss after epoch 2, LeNet-BN / the "
                       "same LeNet without BN (quick seeds 0-4: 0.242 at most, full seeds 0-2: "
                       "0.231 at most; bound 0.35)", ratio, 0.35)

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
    vgg_depth(ctx, splits)
    alexnet_regularisers(ctx, data, splits.name, splits.num_classes)


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
