"""Inverted dropout as a Keras layer, and a small MLP that uses it (D2L 4.6; seed 003).

``InvertedDropout`` wraps :func:`tfref.ops.inverted_dropout`: in training each call draws a new
stateless seed from a ``keras.random.SeedGenerator`` (so two calls drop different entries, yet
a run is repeatable under the layer's ``seed``); at inference it returns its input unchanged.
It has no trainable weights, only the generator's (non-trainable) state.

The anchor implementation's defect was dropout that never dropped because ``training`` was
never passed on; here the default is inference, every model passes ``training=`` explicitly,
and the layer records the flag of its last call (``last_training``) so tests can see it.
"""

from __future__ import annotations

import keras

from tfref.ops.dropout import inverted_dropout

__all__ = ["DropoutMLP", "InvertedDropout"]


class InvertedDropout(keras.layers.Layer):
    """h' = h * keep / (1 - p), keep ~ Bernoulli(1 - p), in training; h' = h at inference.

    Args:
        rate: p, the probability of dropping an entry, in [0, 1).
        seed: seeds the layer's generator of per-call seeds (None: Keras' global seeding).

    Example:
        >>> layer = InvertedDropout(0.5, seed=0)
        >>> x = keras.ops.ones((2, 3))
        >>> bool(keras.ops.all(layer(x, training=False) == x))
        True
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"rate must be in [0, 1); got {rate}")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.last_training = None  # the training flag of the most recent call (a test hook)
        self.supports_masking = True

    def call(self, inputs, training=False):
        self.last_training = training
        if not training or self.rate == 0.0:
            return inputs
        seed = self.seed_generator.next()  # a fresh stateless seed pair for every call
        return inverted_dropout(inputs, self.rate, seed=seed, training=True)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class DropoutMLP(keras.Model):
    """Dense(relu) -> InvertedDropout, repeated, then a Dense output of logits.

    ``call(inputs, training=...)`` passes ``training`` explicitly to every dropout layer.

    Args:
        hidden_units: widths of the hidden layers.
        num_outputs: the number of logits.
        rate: the dropout rate after each hidden layer (0: no dropout).
        seed: seeds the weight initialisers and the dropout layers.
    """

    def __init__(self, hidden_units=(128, 128), num_outputs: int = 10, rate: float = 0.5,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.num_outputs = int(num_outputs)
        self.rate = float(rate)
        self.hidden_layers = []
        self.dropout_layers = []
        for i, units in enumerate(self.hidden_units):
            init_seed = None if seed is None else seed + 2 * i
            self.hidden_layers.append(keras.layers.Dense(
                units, activation="relu", name=f"hidden_{i + 1}",
                kernel_initializer=keras.initializers.GlorotUniform(seed=init_seed)))
            self.dropout_layers.append(InvertedDropout(
                rate, seed=None if seed is None else seed + 2 * i + 1, name=f"dropout_{i + 1}"))
        self.output_layer = keras.layers.Dense(
            self.num_outputs, name="logits",
            kernel_initializer=keras.initializers.GlorotUniform(
                seed=None if seed is None else seed + 2 * len(self.hidden_units)))

    def call(self, inputs, training=False):
        h = inputs
        for dense, dropout in zip(self.hidden_layers, self.dropout_layers, strict=True):
            h = dropout(dense(h), training=training)  # (batch, units)
        return self.output_layer(h)  # (batch, num_outputs)
