"""VGG's depth experiment in modern-cnn: cnn_zoo.conv_stack and the formulas it is checked by.

The parameter formula is checked against keras count_params, and the receptive-field formula
r = 1 + sum_l (k_l - 1) prod_{i<l} s_i against a gradient probe of built networks, over stacks
other than the two the topic trains (so a formula fitted to those two would fail here).
"""

from __future__ import annotations

import numpy as np
import pytest

from tfref.nn import cnn_zoo
from tfref.topics.modern_cnn import conv_stack_parameters, gradient_support, receptive_field

STACKS = [
    ((8, 8, 1), 10, cnn_zoo.VGG_DEEP_NARROW),
    ((8, 8, 1), 10, cnn_zoo.VGG_SHALLOW_WIDE),
    ((16, 12, 2), 7, ((3, 3, 4),)),
    ((16, 16, 3), 5, ((1, 7, 3), (2, 3, 5))),
    ((9, 9, 1), 2, ((2, 5, 6), (1, 1, 4))),
]


@pytest.mark.parametrize(("input_shape", "num_classes", "blocks"), STACKS)
def test_conv_stack_parameters_match_keras_count_params(input_shape, num_classes, blocks):
    model = cnn_zoo.conv_stack(input_shape, num_classes, blocks, "probe")
    assert model.count_params() == conv_stack_parameters(blocks, input_shape, num_classes)


def test_vgg_pair_holds_the_same_budget_within_two_percent():
    deep, shallow = cnn_zoo.vgg_deep_narrow(), cnn_zoo.vgg_shallow_wide()
    assert (deep.count_params(), shallow.count_params()) == (17_658, 17_842)
    assert abs(shallow.count_params() - deep.count_params()) / deep.count_params() < 0.02


def test_receptive_field_formula_known_values():
    assert receptive_field([(3, 1), (3, 1)]) == 5  # two 3x3 = one 5x5
    assert receptive_field([(3, 1)] * 3) == 7
    assert receptive_field([(3, 1), (3, 1), (2, 2), (3, 1), (3, 1)]) == 14
    assert receptive_field([(11, 4), (3, 2)]) == 19  # AlexNet's conv1 and pool1


@pytest.mark.parametrize(("blocks", "layers_kernel_stride"), [
    (((2, 3, 4),), [(3, 1), (3, 1)]),
    (((3, 3, 4),), [(3, 1)] * 3),
    (((1, 5, 4), (1, 5, 4)), [(5, 1), (2, 2), (5, 1)]),
    (((2, 3, 4), (2, 3, 4)), [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1)]),
    (((1, 7, 3), (2, 3, 5)), [(7, 1), (2, 2), (3, 1), (3, 1)]),
])
def test_receptive_field_formula_matches_a_gradient_probe(blocks, layers_kernel_stride):
    model = cnn_zoo.conv_stack((32, 32, 1), 10, blocks, "probe")
    last = f"block{len(blocks)}_conv{blocks[-1][0]}"
    names = [layer.name for layer in model.layers]
    layers = model.layers[1:names.index(last) + 1]
    support = gradient_support(layers, (32, 32, 1), np.random.default_rng(0))
    rows, cols = np.nonzero(support)
    r = receptive_field(layers_kernel_stride)
    assert (np.ptp(rows) + 1, np.ptp(cols) + 1, int(support.sum())) == (r, r, r * r)


def test_the_probe_tells_a_larger_kernel_from_two_3x3_convolutions():
    """The receptive-field claim can fail: one 7x7 convolution sees 49 pixels, not 5 x 5."""
    model = cnn_zoo.conv_stack((32, 32, 1), 10, ((1, 7, 4),), "probe")
    support = gradient_support(model.layers[1:2], (32, 32, 1), np.random.default_rng(0))
    assert support.sum() == 49 != receptive_field([(3, 1), (3, 1)]) ** 2


@pytest.mark.parametrize(("input_shape", "blocks", "match"), [
    ((8, 8, 1), (), "non-empty"),
    ((8, 8, 1), ((2, 3),), r"\(num_convs, kernel, channels\)"),
    ((8, 8, 1), ((2, 3, 0),), "channels"),
    ((8, 8, 1), ((0, 3, 4),), "num_convs"),
    ((3, 3, 1), ((1, 3, 4), (1, 3, 4)), "too small"),
    ((8, 8), ((1, 3, 4),), "height, width, channels"),
])
def test_conv_stack_refuses_bad_settings(input_shape, blocks, match):
    with pytest.raises(ValueError, match=match):
        cnn_zoo.conv_stack(input_shape, 10, blocks, "bad")
