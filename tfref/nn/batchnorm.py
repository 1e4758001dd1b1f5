"""Batch normalisation from scratch as a Keras layer (D2L 7.5; seed 003).

Formula (per channel c; the statistics run over every axis but the last, the channels):
    training:   mu_B = mean(x),  var_B = mean((x - mu_B)^2)          (biased variance)
                y = gamma * (x - mu_B) / sqrt(var_B + eps) + beta
                moving_mean     <- momentum * moving_mean     + (1 - momentum) * mu_B
                moving_variance <- momentum * moving_variance + (1 - momentum) * var_B
    inference:  y = gamma * (x - moving_mean) / sqrt(moving_variance + eps) + beta

``momentum`` and ``epsilon`` mean what they mean in ``keras.layers.BatchNormalization``
(defaults 0.99 and 1e-3), so the two layers are the same function in both modes; the spec
tests check the outputs, the moving statistics after several training steps and the gradients.

The anchor's defect was a BN layer that never ran in training mode because ``training`` was not
passed on: here every caller passes ``training=`` explicitly, the default is inference (as in
keras), and the layer records the flag of its last call (``last_training``) for tests.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfref._validation import check_in_range

__all__ = ["BatchNorm"]


class BatchNorm(keras.layers.Layer):
    """Batch normalisation over the last (channel) axis, for (N, C) and (N, H, W, C) inputs.

    Weights: ``gamma`` (ones) and ``beta`` (zeros) are trainable; ``moving_mean`` (zeros) and
    ``moving_variance`` (ones) are not, and change only in training calls.

    Args:
        momentum: weight of the old moving statistic in each update, in [0, 1).
        epsilon: added to the variance before the square root, > 0.

    Example:
        >>> layer = BatchNorm()
        >>> x = tf.constant([[1.0, 2.0], [3.0, 6.0]])
        >>> print(layer(x, training=True).numpy().round(3))  # batch statistics: +-1 a column
        [[-1. -1.]
         [ 1.  1.]]
        >>> print(layer.moving_mean.numpy().round(3))  # 0.99 * 0 + 0.01 * (2, 4)
        [0.02 0.04]
        >>> print(layer(x, training=False).numpy().round(2))  # moving statistics: nearly x
        [[0.98 1.93]
         [2.98 5.87]]
    """

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = check_in_range(momentum, "momentum", 0.0, 1.0)
        epsilon = float(epsilon)
        if not epsilon > 0:
            raise ValueError(f"epsilon must be > 0 (it keeps 1/sqrt(var + eps) finite); "
                             f"got {epsilon}")
        self.epsilon = epsilon
        self.last_training = None  # the training flag of the most recent call (a test hook)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"inputs must have a batch axis and a channel axis (rank >= 2); "
                             f"got shape {tuple(input_shape)}")
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("inputs must have a known channel (last) dimension; got None")
        shape = (int(channels),)
        self.gamma = self.add_weight(shape=shape, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=shape, initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(shape=shape, initializer="zeros",
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape=shape, initializer="ones",
                                               name="moving_variance", trainable=False)

    def call(self, inputs, training=False):
        self.last_training = training
        x = tf.convert_to_tensor(inputs)
        gamma = tf.cast(self.gamma, x.dtype)
        beta = tf.cast(self.beta, x.dtype)
        if training:
            axes = list(range(x.shape.rank - 1))  # every axis but the channels
            mean = tf.reduce_mean(x, axis=axes)
            variance = tf.reduce_mean(tf.square(x - mean), axis=axes)  # biased, as keras
            m = self.momentum
            self.moving_mean.assign(
                m * self.moving_mean + (1.0 - m) * tf.cast(mean, self.moving_mean.dtype))
            self.moving_variance.assign(
                m * self.moving_variance
                + (1.0 - m) * tf.cast(variance, self.moving_variance.dtype))
        else:
            mean = tf.cast(self.moving_mean, x.dtype)
            variance = tf.cast(self.moving_variance, x.dtype)
        scale = gamma * tf.math.rsqrt(variance + tf.cast(self.epsilon, x.dtype))
        return (x - mean) * scale + beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}
