"""Keras layers and models built from scratch (design/architecture.md: tfref/nn).

Every weight is created with ``add_weight`` or by a sublayer, so Keras tracks it (Keras 3 does
not track raw ``tf.Variable`` attributes); every model passes ``training=`` explicitly to the
layers that behave differently in training (dropout).
"""

from __future__ import annotations

from tfref.nn.batchnorm import BatchNorm
from tfref.nn.bpn import BPN, half_squared_error
from tfref.nn.cnn_zoo import DenseBlock, Inception, Residual, TransitionBlock, block_output_shapes
from tfref.nn.dropout import DropoutMLP, InvertedDropout
from tfref.nn.perceptron import Perceptron, perceptron_update, train_perceptron
from tfref.nn.rnn_lm import ScratchCharRNN, keras_char_rnn, predict_chars

__all__ = [
    "BPN",
    "BatchNorm",
    "DenseBlock",
    "Inception",
    "Residual",
    "TransitionBlock",
    "block_output_shapes",
    "DropoutMLP",
    "InvertedDropout",
    "Perceptron",
    "ScratchCharRNN",
    "half_squared_error",
    "keras_char_rnn",
    "perceptron_update",
    "predict_chars",
    "train_perceptron",
]

