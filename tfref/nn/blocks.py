"""Blocks and layers of D2L chapter 5 ("deep learning computation"), in Keras 3.

A block is anything with parameters and a forward function: one layer, several layers, or a whole
model; blocks nest (seed 003, 5.1). Here:

- ``MySequential``: a from-scratch ``Sequential``, chaining blocks in order.
- ``FixedHiddenMLP``: a block with code in its forward pass, a constant (non-trainable) weight
  and one dense layer applied twice (so its two uses share parameters).
- ``NestMLP``: a block made of blocks.
- ``CenteredLayer``: a custom layer without parameters (x - mean(x)).
- ``MyDense``: a custom dense layer whose kernel and bias come from ``add_weight`` (tracked).
- ``UntrackedDense``: the same layer with raw ``tf.Variable`` attributes, kept only to measure
  what Keras 3 does with them (design/architecture.md, Lessons: it does not track them).
- ``KerasVariableDense``: the same with ``keras.Variable`` attributes, which Keras 3 does track.
- ``SharedTwice`` and ``UsedOnce``: one hidden layer applied twice, and the same network with
  two separate copies of that layer, to show that a shared parameter's gradient is the sum of the
  gradients of its uses.
- ``HalfZeroUniform``: D2L's custom initialiser (w ~ U(-10, 10), then zero where abs(w) < 5).
- ``PHMDense``: a dense layer whose d x q weight is a sum of n Kronecker products (D2L 3.4's
  O(dq) -> O(dq/n), Zhang et al. 2021): W = sum_i A_i (x) S_i, A_i (n, n), S_i (d/n, q/n), so
  n^3 + dq/n weights instead of dq.

Formula (shared parameters):
    y = g(f(f(x; W); W))  =>  dL/dW = dL/dW_1 + dL/dW_2  evaluated at W_1 = W_2 = W,
    where y = g(f(f(x; W_1); W_2)) is the network with the two uses unshared.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from numpy import prod as np_prod

__all__ = [
    "CenteredLayer",
    "FixedHiddenMLP",
    "HalfZeroUniform",
    "PHMDense",
    "KerasVariableDense",
    "MyDense",
    "MySequential",
    "NestMLP",
    "SharedTwice",
    "UntrackedDense",
    "UsedOnce",
    "describe_parameters",
]


class MySequential(keras.layers.Layer):
    """Chain blocks in the order given: the output of one is the input of the next."""

    def __init__(self, *blocks, **kwargs):
        super().__init__(**kwargs)
        self.blocks = list(blocks)  # a list attribute: Keras tracks the layers in it

    def call(self, inputs, training=False):
        outputs = inputs
        for block in self.blocks:
            outputs = block(outputs, training=training)
        return outputs


class FixedHiddenMLP(keras.Model):
    """D2L 5.1.3: code in the forward pass, a constant weight and a dense layer used twice.

    x -> dense -> relu(x C + 1) -> dense (the same layer again) -> halve while sum abs > 1 -> sum.
    C is a (units, units) uniform [0, 1) matrix held as a non-trainable weight. Inputs must have
    ``units`` features, since the dense layer also takes its own output.
    """

    def __init__(self, units: int = 20, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.seed = int(seed)
        self.flatten = keras.layers.Flatten()
        self.dense = keras.layers.Dense(self.units, activation="relu")
        constant = np.random.default_rng(self.seed).uniform(size=(self.units, self.units))
        self.constant_weight = self.add_weight(
            shape=(self.units, self.units),
            initializer=keras.initializers.Constant(constant.astype("float32")),
            trainable=False,
            name="constant_weight",
        )

    def build(self, input_shape):
        width = int(np_prod(input_shape[1:]))
        if width != self.units:
            raise ValueError(
                f"FixedHiddenMLP applies its dense layer to its own output, so inputs must have "
                f"units={self.units} features; got {width}"
            )
        self.dense.build((None, self.units))

    def call(self, inputs, training=False):
        hidden = self.dense(self.flatten(inputs))  # (batch, units)
        hidden = tf.nn.relu(hidden @ self.constant_weight + 1.0)
        hidden = self.dense(hidden)  # the same layer again: shared parameters
        # Code in the forward pass: halve while sum |h| > 1 (tf.while_loop, so it also traces).
        (hidden,) = tf.while_loop(
            lambda h: tf.reduce_sum(tf.abs(h)) > 1.0, lambda h: (h / 2.0,), (hidden,)
        )
        return tf.reduce_sum(hidden)


class NestMLP(keras.Model):
    """D2L 5.1.4: a block whose first part is itself a Sequential block."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = keras.Sequential(
            [keras.layers.Dense(64, activation="relu"), keras.layers.Dense(32, activation="relu")],
            name="inner",
        )
        self.dense = keras.layers.Dense(16, activation="relu")

    def call(self, inputs, training=False):
        return self.dense(self.inner(inputs, training=training))


class CenteredLayer(keras.layers.Layer):
    """A custom layer without parameters: subtract the mean of all its input's entries."""

    def call(self, inputs):
        return inputs - tf.reduce_mean(inputs)


class MyDense(keras.layers.Layer):
    """A dense layer written by hand: relu(x W + b), with W and b created by ``add_weight``."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(int(input_shape[-1]), self.units), initializer="random_normal", name="kernel"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        return tf.nn.relu(inputs @ self.kernel + self.bias)  # (batch, units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class UntrackedDense(keras.layers.Layer):
    """``MyDense`` with raw ``tf.Variable`` attributes instead of ``add_weight``.

    A counter-example, not for use: Keras 3 does not list such variables in ``weights`` or
    ``trainable_variables``, so ``model.fit`` and ``get_weights`` silently skip them.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        initial = np.random.default_rng(0).normal(0.0, 0.05, size=(int(input_shape[-1]), self.units))
        self.kernel = tf.Variable(initial.astype("float32"), name="raw_kernel")
        self.bias = tf.Variable(tf.zeros(self.units), name="raw_bias")

    def call(self, inputs):
        return tf.nn.relu(inputs @ self.kernel + self.bias)


class KerasVariableDense(keras.layers.Layer):
    """``MyDense`` with ``keras.Variable`` attributes: Keras 3 tracks these (unlike tf.Variable)."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        initial = np.random.default_rng(0).normal(0.0, 0.05, size=(int(input_shape[-1]), self.units))
        self.kernel = keras.Variable(initial.astype("float32"), name="kernel")
        self.bias = keras.Variable(np.zeros(self.units, "float32"), name="bias")

    def call(self, inputs):
        return tf.nn.relu(inputs @ self.kernel + self.bias)


class SharedTwice(keras.Model):
    """x -> dense(first) -> shared -> shared -> dense(1): one hidden layer applied twice."""

    def __init__(self, units: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.first = keras.layers.Dense(self.units, activation="relu", name="first")
        self.shared = keras.layers.Dense(self.units, activation="relu", name="shared")
        self.head = keras.layers.Dense(1, name="head")

    def call(self, inputs, training=False):
        hidden = self.first(inputs)  # (batch, units)
        hidden = self.shared(hidden)  # first use of the shared layer
        hidden = self.shared(hidden)  # second use: the same kernel and bias
        return self.head(hidden)  # (batch, 1)


class UsedOnce(keras.Model):
    """``SharedTwice`` with its two uses unshared: two layers that may hold equal values."""

    def __init__(self, units: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.first = keras.layers.Dense(self.units, activation="relu", name="first")
        self.first_use = keras.layers.Dense(self.units, activation="relu", name="first_use")
        self.second_use = keras.layers.Dense(self.units, activation="relu", name="second_use")
        self.head = keras.layers.Dense(1, name="head")

    def call(self, inputs, training=False):
        hidden = self.first(inputs)
        hidden = self.first_use(hidden)
        hidden = self.second_use(hidden)
        return self.head(hidden)

    def copy_from(self, shared: SharedTwice) -> UsedOnce:
        """Give both uses the shared layer's values (and copy the other layers)."""
        self.first.set_weights(shared.first.get_weights())
        self.first_use.set_weights(shared.shared.get_weights())
        self.second_use.set_weights(shared.shared.get_weights())
        self.head.set_weights(shared.head.get_weights())
        return self


class HalfZeroUniform(keras.initializers.Initializer):
    """D2L 5.2.3's custom initialiser: w ~ U(-10, 10), then w = 0 wherever abs(w) < 5.

    So w is 0 with probability 1/2, uniform on [5, 10) with 1/4 and on (-10, -5] with 1/4.
    """

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        values = keras.random.uniform(shape, -10.0, 10.0, dtype=dtype, seed=self.seed)
        return values * keras.ops.cast(keras.ops.abs(values) >= 5.0, values.dtype)

    def get_config(self):
        return {"seed": self.seed}


class PHMDense(keras.layers.Layer):
    """y = x W + b with W = sum_{i<n} kron(A_i, S_i): a parameterised hypercomplex dense layer.

    A_i is (n, n) and S_i is (d/n, q/n), so the layer holds n^3 + d q / n + q parameters against
    d q + q for ``keras.layers.Dense(q)``: O(dq/n) for n much smaller than d and q.

    Raises:
        ValueError: ``n`` < 1, or the input width d or ``units`` q not divisible by ``n``.
    """

    def __init__(self, units: int, n: int, **kwargs):
        super().__init__(**kwargs)
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a whole number >= 1; got {n!r}")
        if units % n:
            raise ValueError(f"units ({units}) must be divisible by n ({n}): choose n among the "
                             f"divisors of {units}")
        self.units, self.n = int(units), int(n)

    def build(self, input_shape):
        d = int(input_shape[-1])
        if d % self.n:
            raise ValueError(f"the input width ({d}) must be divisible by n ({self.n})")
        n = self.n
        self.a = self.add_weight(shape=(n, n, n), initializer="glorot_uniform", name="a")
        self.s = self.add_weight(shape=(n, d // n, self.units // n),
                                 initializer="glorot_uniform", name="s")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def weight_matrix(self):
        """The d x q matrix sum_i kron(A_i, S_i)."""
        n, (_, p, r) = self.n, self.s.shape
        blocks = self.a[:, :, None, :, None] * self.s[:, None, :, None, :]  # (n, n, p, n, r)
        return keras.ops.reshape(keras.ops.sum(blocks, axis=0), (n * p, n * r))

    def call(self, x):
        return x @ self.weight_matrix() + self.bias


def describe_parameters(model) -> list[tuple[str, tuple[int, ...], bool]]:
    """(path, shape, trainable) of every weight Keras tracks in ``model``, in its order."""
    return [(w.path, tuple(int(d) for d in w.shape), bool(w.trainable)) for w in model.weights]
