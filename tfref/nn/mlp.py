"""Multilayer perceptrons in Keras, built two ways with the same layers.

A multilayer perceptron stacks fully connected layers, each an affine map followed by a
non-linear activation (without it the stack collapses to one affine map), and ends in an affine
output layer (logits). Seed 002 draws one with 4 inputs, five hidden layers of 4, 5, 6, 4 and 3
units and 3 outputs (``MLP_002_WIDTHS``).

Formula:
    h_0 = x;  h_l = f(h_(l-1) W_l + b_l),  l = 1 .. L;  o = h_L W_(L+1) + b_(L+1)
    parameters = sum over layers of (n_in + 1) * n_out

Symbols: W_l, b_l -> the ``kernel`` and ``bias`` of the l-th ``keras.layers.Dense``; f ->
``activation``; n_in, n_out -> consecutive entries of ``widths``.

``sequential_mlp`` returns a ``keras.Sequential``; ``MLP`` is a ``keras.Model`` subclass that
holds its layers as attributes. Built with the same sizes they have the same variables in the
same order, so ``subclassed.set_weights(sequential.get_weights())`` makes them the same function.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

__all__ = ["MLP", "MLP_002_WIDTHS", "parameter_count", "sequential_mlp"]

#: Seed 002's figure: 4 inputs, hidden layers of 4, 5, 6, 4 and 3 units, 3 outputs.
MLP_002_WIDTHS: tuple[int, ...] = (4, 4, 5, 6, 4, 3, 3)


def parameter_count(widths: Sequence[int]) -> int:
    """Weights plus biases of a fully connected stack with layer widths ``widths``.

    ``widths`` lists the input width, every hidden width and the output width.

    Example:
    >>> parameter_count(MLP_002_WIDTHS)  # 5*4 + 5*5 + 6*6 + 7*4 + 5*3 + 4*3 = 20+25+36+28+15+12
    136
    """
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"widths must list at least an input and an output width, each >= 1; got {widths}")
    return sum((n_in + 1) * n_out for n_in, n_out in zip(widths[:-1], widths[1:]))


def _check_sizes(hidden_units, num_outputs, dropout) -> list[int]:
    units = [int(u) for u in hidden_units]
    if any(u < 1 for u in units) or int(num_outputs) < 1:
        raise ValueError(
            f"hidden_units and num_outputs must be >= 1; got {units} and {num_outputs}"
        )
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be in [0, 1); got {dropout}")
    return units


def sequential_mlp(
    num_inputs: int,
    hidden_units: Sequence[int],
    num_outputs: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    name: str | None = None,
) -> keras.Sequential:
    """A built ``keras.Sequential`` MLP: Dense hidden layers (optional Dropout after each),
    then a Dense output layer without activation (logits)."""
    units = _check_sizes(hidden_units, num_outputs, dropout)
    layers: list = [keras.Input(shape=(int(num_inputs),))]
    for i, width in enumerate(units):
        layers.append(keras.layers.Dense(width, activation=activation, name=f"hidden_{i + 1}"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"dropout_{i + 1}"))
    layers.append(keras.layers.Dense(int(num_outputs), name="output"))
    return keras.Sequential(layers, name=name)


class MLP(keras.Model):
    """An MLP as a ``keras.Model`` subclass with its layers as attributes.

    Keras tracks layers held in attributes (also in lists), so ``trainable_variables`` lists
    every kernel and bias. ``call`` takes ``training`` and passes it to dropout explicitly.
    No method is called ``loss`` (Keras 3 sets ``model.loss`` itself).
    """

    def __init__(
        self,
        hidden_units: Sequence[int],
        num_outputs: int,
        *,
        activation: str = "relu",
        dropout: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_units = _check_sizes(hidden_units, num_outputs, dropout)
        self.num_outputs = int(num_outputs)
        self.activation = activation
        self.dropout = float(dropout)
        self.hidden_layers = [
            keras.layers.Dense(width, activation=activation, name=f"hidden_{i + 1}")
            for i, width in enumerate(self.hidden_units)
        ]
        self.dropout_layers = [
            keras.layers.Dropout(self.dropout, name=f"dropout_{i + 1}")
            for i in range(len(self.hidden_units))
        ] if self.dropout else []
        self.output_layer = keras.layers.Dense(self.num_outputs, name="output")

    def build(self, input_shape):
        """Create every kernel and bias for inputs of ``input_shape`` (batch, num_inputs)."""
        shape = tuple(input_shape)
        for layer in self.hidden_layers:
            layer.build(shape)
            shape = (*shape[:-1], layer.units)
        self.output_layer.build(shape)

    def call(self, inputs, training=False):
        hidden = inputs  # (batch, num_inputs)
        for i, layer in enumerate(self.hidden_layers):
            hidden = layer(hidden)  # (batch, hidden_units[i])
            if self.dropout_layers:
                hidden = self.dropout_layers[i](hidden, training=training)
        return self.output_layer(hidden)  # (batch, num_outputs): logits

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_units=list(self.hidden_units),
            num_outputs=self.num_outputs,
            activation=self.activation,
            dropout=self.dropout,
        )
        return config

