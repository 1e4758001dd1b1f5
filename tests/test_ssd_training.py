"""The tiny SSD trains through tfref.train.fit (issue 13): SSDStep's loss and sums against a naive
float64 NumPy oracle, its update against the gradient of the batch-mean D2L loss, a run stopped
after 1 of 2 epochs and resumed from its checkpoint against a straight run (bit-equal), and
``tfref run ssd --strategy mirrored`` (the topic declares the option, so it must run).
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref import cli
from tfref.data.detection import make_detection_set
from tfref.nn.ssd import SSDStep, TinySSD, pack_targets, ssd_loss, unpack_targets
from tfref.ops.boxes import multibox_target
from tfref.topics.ssd import make_optimizer, train
from tfref.train import make_strategy

NUM_CLASSES = 2
# The training runs use a smaller SSD of the same class (16 x 16 inputs, one base block, two
# scales: 8 x 8 and 1 x 1): tracing the engine's epoch function dominates their time and grows
# with the layers (with the topic's 340-anchor net the resume test took 3 times as long).
SMALL = {"input_size": 16, "base_channels": (8,), "scale_channels": ()}


def _data(n: int, seed: int, small: bool = False):
    config = SMALL if small else {}
    data = make_detection_set(n, size=config.get("input_size", 32), min_side=4, max_side=8,
                              seed=seed) if small else make_detection_set(n, seed=seed)
    anchors = TinySSD(NUM_CLASSES, **config).anchors
    targets = [t.numpy() for t in multibox_target(anchors, data.labels)]
    return data.images, targets


def _model(seed: int = 0, sample=None, small: bool = False) -> TinySSD:
    keras.utils.set_random_seed(seed)
    model = TinySSD(NUM_CLASSES, **(SMALL if small else {"input_size": 32}))
    side = SMALL["input_size"] if small else 32
    model(sample if sample is not None else np.zeros((2, side, side, 3), np.float32))
    return model


def naive_ssd_sums(logits, classes, preds, offsets, masks) -> dict:
    """D2L's SSD loss in float64 loops: per image, the mean over anchors of softmax
    cross-entropy plus the mean over the 4 A offsets of |mask (pred - target)|; summed over
    the batch, with the count of wrongly classified anchors, the masked L1 sum and the masks."""
    logits, preds, offsets, masks = (np.asarray(a, np.float64)
                                     for a in (logits, preds, offsets, masks))
    classes = np.asarray(classes).astype(int)
    n, num_anchors, _ = logits.shape
    loss = wrong = 0.0
    for i in range(n):
        cross_entropy = 0.0
        for a in range(num_anchors):
            z = logits[i, a]
            top = max(z)
            log_sum = top + np.log(sum(np.exp(v - top) for v in z))
            cross_entropy += log_sum - z[classes[i, a]]
            wrong += float(int(np.argmax(z)) != classes[i, a])
        l1 = sum(abs(m * p - m * t) for m, p, t in zip(masks[i], preds[i], offsets[i], strict=True))
        loss += cross_entropy / num_anchors + l1 / (4 * num_anchors)
    return {"loss": loss, "class_errors": wrong,
            "box_abs_error": float(np.sum(np.abs(masks * (preds - offsets)))),
            "labelled": float(masks.sum())}


def test_pack_targets_round_trips_and_rejects_mismatched_shapes():
    _, (offsets, masks, classes) = _data(3, seed=1)
    packed = pack_targets(offsets, masks, classes)
    assert packed.shape == (3, 9 * 340) and packed.dtype == np.float32
    back = [t.numpy() for t in unpack_targets(tf.constant(packed))]
    assert np.array_equal(back[0], offsets) and np.array_equal(back[1], masks)
    assert np.array_equal(back[2], classes) and back[2].dtype == np.int32
    with pytest.raises(ValueError, match=r"shape \(n, A\)"):
        pack_targets(offsets, masks, classes[:, :-1])
    step = SSDStep(_model(), keras.optimizers.SGD(0.1))
    with pytest.raises(ValueError, match="pack_targets"):
        step.build(tf.zeros((2, 32, 32, 3)), tf.constant(packed[:2, :-9]))


@pytest.mark.parametrize("training", [True, False])
def test_step_sums_equal_the_naive_float64_d2l_loss(training):
    images, targets = _data(4, seed=2)
    model = _model(0, images[:2])
    # learning rate 0: train_step's forward pass (training=True) leaves the weights as they are
    step = SSDStep(model, keras.optimizers.SGD(0.0))
    packed = tf.constant(pack_targets(*targets))
    step.build(images[:2], packed[:2])
    logits, preds = (t.numpy() for t in model(images, training=training))
    expected = naive_ssd_sums(logits, targets[2], preds, targets[0], targets[1])
    sums = step.train_step(images, packed) if training else step.test_step(images, packed)
    sums = {name: float(value) for name, value in sums.items()}
    assert set(sums) == set(expected)
    assert expected["labelled"] > 0 and 0 < expected["class_errors"] < 4 * 340
    np.testing.assert_allclose(sums["loss"], expected["loss"], rtol=1e-5)
    np.testing.assert_allclose(sums["box_abs_error"], expected["box_abs_error"], rtol=1e-5)
    assert sums["class_errors"] == expected["class_errors"]
    assert sums["labelled"] == expected["labelled"]


def test_train_step_descends_the_batch_mean_of_the_loss():
    images, targets = _data(4, seed=3)
    model = _model(0, images[:2])
    step = SSDStep(model, keras.optimizers.SGD(1.0))
    packed = tf.constant(pack_targets(*targets))
    step.build(images[:2], packed[:2])
    before = [v.numpy().copy() for v in model.trainable_variables]
    with tf.GradientTape() as tape:  # the old loop's objective, from tfref.nn.ssd.ssd_loss
        cls_preds, bbox_preds = model(images, training=True)
        objective = tf.reduce_mean(ssd_loss(cls_preds, targets[2], bbox_preds, *targets[:2]))
    gradients = tape.gradient(objective, model.trainable_variables)
    step.train_step(images, packed)
    for old, variable, gradient in zip(before, model.trainable_variables, gradients, strict=True):
        np.testing.assert_allclose(old - variable.numpy(), gradient.numpy(), rtol=1e-3,
                                   atol=1e-6, err_msg=variable.path)


def _run(images, targets, epochs: int, **fit_kwargs):
    model = _model(0, images[:2], small=True)
    optimizer = make_optimizer(len(images) // 32, decay_epochs=2)
    out = train(model, optimizer, images, targets, seed=0,
                fit_kwargs={"epochs": epochs, **fit_kwargs})
    return model, out


def test_stopped_after_1_of_2_epochs_and_resumed_equals_a_straight_run(tmp_path):
    images, targets = _data(64, seed=4, small=True)
    straight, straight_out = _run(images, targets, 2)
    _run(images, targets, 1, checkpoint_dir=tmp_path)
    resumed, resumed_out = _run(images, targets, 2, checkpoint_dir=tmp_path, resume=True)
    assert resumed_out["history"].initial_epoch == 1  # restored epoch 1, trained epoch 2 only
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(straight.get_weights(),
                                _model(0, images[:2], small=True).get_weights()))
    assert moved > 1e-3, "training changed nothing, so the comparison proves nothing"
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        assert np.array_equal(a, b)
    for key in ("loss", "class_error", "bbox_mae"):
        assert np.array_equal(straight_out[key], resumed_out[key]), key


def test_mirrored_strategy_trains_like_one_device():
    images, targets = _data(64, seed=5, small=True)
    single, single_out = _run(images, targets, 1)
    strategy = make_strategy("mirrored")
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = TinySSD(NUM_CLASSES, **SMALL)
        model(images[:2])
        optimizer = make_optimizer(2, decay_epochs=2)
    out = train(model, optimizer, images, targets, seed=0,
                fit_kwargs={"epochs": 1, "strategy": strategy})
    if strategy.num_replicas_in_sync == 1:  # batch norm sees each replica's share of a batch
        np.testing.assert_allclose(out["loss"], single_out["loss"], rtol=1e-5)
        for a, b in zip(single.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5)
    assert np.isfinite(out["loss"]).all()


def test_tfref_run_ssd_with_the_mirrored_strategy_runs(tmp_path):
    assert cli.main(["run", "ssd", "--quick", "--epochs", "1", "--strategy", "mirrored",
                     "--out", str(tmp_path)]) == 0
    topic = json.loads((tmp_path / "results.json").read_text())["topics"][0]
    assert topic["ok"] and topic["error"] is None
    assert any(c["status"] == "ok" for c in topic["claims"])
