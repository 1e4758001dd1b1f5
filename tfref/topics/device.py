"""Devices: where tensors and variables live, and why per-step logs stay on the device.

003 (D2L 6.7, "GPUs"): tensors and models are placed on a device (``tf.device``); computing
across devices needs explicit copies, and copying every step's loss to the host (``.numpy()``,
``print``) stalls the device each time. tfref's engine keeps the per-step sums on the device
and reads them once per epoch.

Symbols -> names: the device -> :func:`tfref.train.device_scope` (``"gpu"`` when TensorFlow
sees one, else ``"cpu"``); per-step copies -> a Python loop over a compiled
``train_step`` calling ``.numpy()`` on every batch's loss; one copy per epoch ->
:func:`tfref.train.fit`.

Deviations: D2L's examples assume a GPU. This topic uses the GPU when one is present and says
so; on a machine without one it runs on the CPU, notes it, and the CPU-vs-GPU comparison is
skipped (there is nothing to compare). The timing ratio is from one run on a shared machine,
so its claim has a wide margin.

Expect: on a machine without a GPU, tensors and variables are placed on CPU:0 and the CPU-vs-GPU
comparison is skipped; one epoch of 36 steps takes 53.2 ms with a host copy per step and 3.8 ms as
the engine's compiled epoch with one copy, to the same loss (times depend on the machine). The plot
compares the two (--quick: 69.5 and 4.2 ms).
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

from tfref.data import resolve_dataset
from tfref.topics._base import RunContext
from tfref.train import as_step, device_scope, epoch_permutation, fit

ID = "device"
TITLE = "Device placement; per-step logs kept on the device, copied once per epoch"
CHAPTER = "I"
SEEDS = ("003",)
OPTIONS = ('data',)  # the run options this topic honours (tfref run refuses others)
DATASETS = ("digits", "fashion-mnist")  # the --data names it takes (tfref run refuses others)

BATCH = 32


def build(seed: int, inputs: int, classes: int):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(64, activation="relu"),
                             keras.layers.Dense(classes)])


def loss_fn():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def per_step_copies(model, x, y, seed: int) -> tuple[float, float]:
    """One epoch in a Python loop, copying each batch's loss to the host: (mean loss, seconds)."""
    order = epoch_permutation(len(x), seed, 0)
    batches = [(tf.constant(x[order[i:i + BATCH]]), tf.constant(y[order[i:i + BATCH]]))
               for i in range(0, len(x), BATCH)]
    step = as_step(model, loss_fn(), keras.optimizers.SGD(0.05))
    train_step = tf.function(step.train_step)
    for xb, yb in {tuple(b[0].shape): b for b in batches}.values():
        train_step.get_concrete_function(xb, yb)  # trace each batch shape, untimed, no update
    total, start = 0.0, time.perf_counter()
    for xb, yb in batches:
        total += float(train_step(xb, yb)["loss"].numpy())  # a host copy every step
    return total / len(x), time.perf_counter() - start


def run(ctx: RunContext) -> None:
    gpus = tf.config.list_physical_devices("GPU")
    device = "gpu" if gpus else "cpu"
    ctx.note(f"TensorFlow sees {len(tf.config.list_physical_devices('CPU'))} CPU device(s) and "
             f"{len(gpus)} GPU(s); this run uses the {device.upper()}.")
    splits = resolve_dataset(ctx, default="digits", allowed=DATASETS)
    x = splits.x_train.reshape(len(splits.x_train), -1)
    y = splits.y_train
    classes = splits.num_classes

    with device_scope(device):
        a = tf.random.stateless_normal((64, 64), seed=[ctx.seed, 1])
        product = a @ tf.transpose(a)
        model = build(ctx.seed, x.shape[1], classes)
    target = "GPU:0" if device == "gpu" else "CPU:0"
    reference = a.numpy().astype(np.float64) @ a.numpy().astype(np.float64).T
    ctx.claim(f"a product computed under device_scope({device!r}) lives on {target} and equals "
              "NumPy's float64 product (rtol 1e-4)",
              product.device.endswith(target)
              and np.allclose(product.numpy(), reference, rtol=1e-4, atol=1e-4),
              measured=f"{product.device}, max |diff| "
                       f"{np.abs(product.numpy() - reference).max():.2g}")
    ctx.claim(f"the model's variables are created on {target}",
              all(v.value.device.endswith(target) for v in model.variables),
              measured=model.variables[0].value.device)
    on_cpu = tf.identity(product) if device == "cpu" else None
    if device == "gpu":
        with tf.device("/CPU:0"):
            on_cpu = a @ tf.transpose(a)
        ctx.claim_close("the same product on the CPU and on the GPU", product.numpy(), on_cpu.numpy(),
                  atol=1e-4, rtol=1e-4)
    else:
        with tf.device("/GPU:0"):
            asked = a @ tf.transpose(a)
        ctx.claim("no GPU: an op asked for on /GPU:0 runs on CPU:0 (soft placement) with the same "
                  "value", asked.device.endswith("CPU:0")
                  and np.array_equal(asked.numpy(), product.numpy()), measured=asked.device)
        ctx.note("No GPU: the CPU-vs-GPU comparison is skipped.")

    with device_scope(device):
        looped = build(ctx.seed, x.shape[1], classes)
        looped_loss, looped_seconds = per_step_copies(looped, x, y, ctx.seed)
        engine_model = build(ctx.seed, x.shape[1], classes)
        epochs = 3
        history = fit(engine_model, x, y, epochs=epochs, batch_size=BATCH, seed=ctx.seed,
                      loss_fn=loss_fn(), optimizer=keras.optimizers.SGD(0.05),
                      jit_compile=False, progress=False)
    ctx.claim_close("epoch-1 mean loss: one host copy per epoch (engine) equals a copy per step",
              float(history["loss"][0]), looped_loss, rtol=1e-5, atol=1e-6)
    steps = -(-len(x) // BATCH)
    engine_seconds = len(x) / float(np.median(history.samples_per_second[1:]))
    with ctx.calibrated_for("data"):
        ctx.claim_greater(f"an epoch of {steps} steps: per-step copies take longer than the engine's "
                    "single copy (time ratio, one run)", looped_seconds / engine_seconds, 1.5)
    ctx.note(f"One epoch ({steps} steps of {BATCH}): {looped_seconds * 1e3:.1f} ms with a "
             f"host copy per step, {engine_seconds * 1e3:.1f} ms in the engine (compiled epoch, "
             "one copy).")

    with ctx.figure("copies", figsize=(5.0, 3.4)) as (fig, ax):
        ax.bar(["loss.numpy() every step", "engine: once per epoch"],
               [looped_seconds * 1e3, engine_seconds * 1e3], color=["C3", "C2"])
        ax.set_ylabel("ms per epoch")
        ax.set_title(f"{steps} steps of batch {BATCH} on the {device.upper()}", fontsize=9)


if __name__ == "__main__":  # python -m tfref.topics.device [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
