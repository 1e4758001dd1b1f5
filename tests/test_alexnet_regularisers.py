"""modern-cnn's AlexNet regularisers experiment (003:133-135): cnn_zoo.alexnet's dropout knob and
the random-crop variant, checked for what the experiment relies on (cheap: no training)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tfref.nn import cnn_zoo
from tfref.topics.modern_cnn import alexnet_variant


def _images(n=8, side=16, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, side, side, 1)).astype("float32")


def test_alexnet_keeps_its_dropout_of_one_half_by_default():
    model = cnn_zoo.alexnet()
    assert [model.get_layer(f"dropout{i}").rate for i in (1, 2)] == [0.5, 0.5]


def test_alexnet_without_dropout_is_deterministic_in_training_and_equal_at_inference():
    keras.utils.set_random_seed(0)
    with_dropout = cnn_zoo.alexnet(dropout=0.5)
    without = alexnet_variant((16, 16, 1), 10, 0.0, False, seed=0,
                              weights=with_dropout.get_weights())
    x = _images()
    np.testing.assert_array_equal(without(x, training=True).numpy(),
                                  without(x, training=False).numpy())
    np.testing.assert_array_equal(with_dropout(x, training=False).numpy(),
                                  without(x, training=False).numpy())
    assert not np.allclose(with_dropout(x, training=True).numpy(),
                           with_dropout(x, training=False).numpy())


def test_alexnet_variants_start_from_the_weights_they_are_given():
    """Dropout draws a seed from the global generator when built: without ``weights`` the nets
    of the two rates, built after the same seed, differ; the experiment passes the weights."""
    keras.utils.set_random_seed(0)
    start = cnn_zoo.alexnet().get_weights()
    for dropout, crops in ((0.0, False), (0.5, False), (0.0, True), (0.5, True)):
        keras.utils.set_random_seed(0)
        model = alexnet_variant((16, 16, 1), 10, dropout, crops, seed=0, weights=start)
        for a, b in zip(model.layers[-1].get_weights() if crops else model.get_weights(), start,
                        strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_alexnet_refuses_a_dropout_rate_outside_0_to_1(rate):
    with pytest.raises(ValueError, match="dropout must be a rate in"):
        cnn_zoo.alexnet(dropout=rate)


def test_the_crop_variant_is_alexnet_at_inference_and_random_in_training():
    x = _images()
    keras.utils.set_random_seed(0)
    cropped = alexnet_variant((16, 16, 1), 10, 0.0, True, seed=0)
    net = cropped.layers[-1]
    np.testing.assert_allclose(cropped(x, training=False).numpy(),
                               net(x, training=False).numpy(), atol=1e-6)
    first, second = (cropped(x, training=True).numpy() for _ in range(2))
    assert not np.allclose(first, second)
    assert not np.allclose(first, net(x, training=True).numpy())
