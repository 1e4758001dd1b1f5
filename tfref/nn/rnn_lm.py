"""Character-level RNN language models (D2L 8.5-8.6; seed 003): from scratch and with Keras.

Model, for token ids x_1..x_T (one-hot vectors of length V) and hidden state s_t of H units:

    s_t = tanh(x_t U + s_{t-1} W + b)        U: (V, H), W: (H, H), b: (H,)
    o_t = s_t V_out + c                        V_out: (H, V), c: (V,)   (logits)
    loss = mean_t -log softmax(o_t)[x_{t+1}]   perplexity = exp(loss)

``x_t U`` with a one-hot x_t is row x_t of U, so the layer gathers rows instead of multiplying
by one-hot vectors (the same numbers). Training clips the gradient by its global norm:
g <- g * min(1, theta / ||g||), ||g|| over all parameters together (D2L's ``grad_clipping``).

Symbols -> names: U -> ``ScratchCharRNN.U``; W -> ``.W``; b -> ``.b``; V_out -> ``.V``;
c -> ``.c``; H -> ``hidden_units``; V -> ``vocab_size``; T -> ``num_steps``; theta ->
``clip_norm``.

:func:`keras_char_rnn` is the same model from Keras layers (one-hot, ``SimpleRNN`` with
``return_sequences=True``, ``Dense``): with the same weights (SimpleRNN's kernel = U,
recurrent_kernel = W, bias = b; Dense's kernel = V_out, bias = c) it computes the same logits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfref._validation import check_positive_whole
from tfref.data.text import Vocab, seq_data_iter_random, seq_data_iter_sequential

__all__ = [
    "OneHot",
    "ScratchCharRNN",
    "clip_gradients",
    "evaluate_perplexity",
    "keras_char_rnn",
    "predict_chars",
    "train_scratch_lm",
]


class ScratchCharRNN(keras.layers.Layer):
    """The character RNN of the module docstring, written out: five weights, a tanh recurrence.

    Call: ``layer(ids, initial_state=None, return_state=False, training=False)`` with int ids of
    shape (batch, steps) returns logits (batch, steps, V), and also the last state (batch, H)
    when ``return_state``. ``initial_state`` defaults to zeros. ``hidden_states(ids)`` returns
    every s_t (batch, steps, H).

    Initialisation as D2L: U, W, V_out ~ N(0, 0.01^2), b = c = 0.

    Example:
        >>> layer = ScratchCharRNN(vocab_size=5, hidden_units=3, seed=0)
        >>> layer(np.zeros((2, 4), "int32"), training=False).shape
        TensorShape([2, 4, 5])
        >>> sorted(v.name for v in layer.trainable_variables)
        ['U', 'V', 'W', 'b', 'c']
    """

    def __init__(self, vocab_size: int, hidden_units: int, seed: int | None = None,
                 init_scale: float = 0.01, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_positive_whole(vocab_size, "vocab_size")
        self.hidden_units = check_positive_whole(hidden_units, "hidden_units")
        self.seed = seed
        self.init_scale = float(init_scale)
        seeds = [None if seed is None else seed + k for k in range(3)]
        normal = [keras.initializers.RandomNormal(stddev=self.init_scale, seed=s) for s in seeds]
        v, h = self.vocab_size, self.hidden_units
        self.U = self.add_weight(shape=(v, h), initializer=normal[0], name="U")
        self.W = self.add_weight(shape=(h, h), initializer=normal[1], name="W")
        self.b = self.add_weight(shape=(h,), initializer="zeros", name="b")
        self.V = self.add_weight(shape=(h, v), initializer=normal[2], name="V")
        self.c = self.add_weight(shape=(v,), initializer="zeros", name="c")

    def initial_state(self, batch_size) -> tf.Tensor:
        """s_0 = 0, shape (batch_size, H)."""
        return tf.zeros((batch_size, self.hidden_units), dtype=self.U.dtype)

    def hidden_states(self, ids, initial_state=None) -> tf.Tensor:
        """s_1..s_T for ids (batch, steps): shape (batch, steps, H)."""
        ids = tf.convert_to_tensor(ids)
        if ids.shape.rank != 2:
            raise ValueError(f"ids must have shape (batch, steps); got {ids.shape}")
        state = self.initial_state(tf.shape(ids)[0]) if initial_state is None else initial_state
        inputs = tf.gather(tf.convert_to_tensor(self.U), tf.transpose(ids))  # (steps, batch, H)
        w, b = tf.convert_to_tensor(self.W), tf.convert_to_tensor(self.b)
        states = tf.scan(lambda s, xu: tf.tanh(xu + tf.matmul(s, w) + b), inputs,
                         initializer=tf.convert_to_tensor(state))
        return tf.transpose(states, (1, 0, 2))

    def call(self, inputs, initial_state=None, return_state=False, training=False):
        states = self.hidden_states(inputs, initial_state)
        logits = tf.einsum("bth,hv->btv", states, self.V) + self.c
        return (logits, states[:, -1]) if return_state else logits

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "hidden_units": self.hidden_units, "seed": self.seed,
                "init_scale": self.init_scale}


class OneHot(keras.layers.Layer):
    """int ids (...) -> one-hot float vectors (..., depth)."""

    def __init__(self, depth: int, **kwargs):
        super().__init__(**kwargs)
        self.depth = check_positive_whole(depth, "depth")

    def call(self, inputs):
        return keras.ops.one_hot(keras.ops.cast(inputs, "int32"), self.depth)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.depth)

    def get_config(self):
        return {**super().get_config(), "depth": self.depth}


def keras_char_rnn(vocab_size: int, hidden_units: int = 256, *, seed: int | None = None,
                   name: str = "keras_char_rnn") -> keras.Model:
    """The character RNN from Keras layers: ids (batch, steps) -> logits (batch, steps, V).

    One-hot encoding, ``SimpleRNN(hidden_units, activation="tanh", return_sequences=True)``,
    ``Dense(vocab_size)``. Train with
    ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)`` on targets (batch, steps).

    Example:
        >>> model = keras_char_rnn(vocab_size=28, hidden_units=8, seed=0)
        >>> model(np.zeros((2, 5), "int32")).shape
        TensorShape([2, 5, 28])
    """
    vocab_size = check_positive_whole(vocab_size, "vocab_size")
    hidden_units = check_positive_whole(hidden_units, "hidden_units")

    def init(kind, offset):
        return kind(seed=None if seed is None else seed + offset)

    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = OneHot(vocab_size, name="one_hot")(ids)
    h = keras.layers.SimpleRNN(hidden_units, activation="tanh", return_sequences=True,
                               kernel_initializer=init(keras.initializers.GlorotUniform, 0),
                               recurrent_initializer=init(keras.initializers.Orthogonal, 1),
                               name="rnn")(x)
    logits = keras.layers.Dense(vocab_size, kernel_initializer=init(
        keras.initializers.GlorotUniform, 2), name="logits")(h)
    return keras.Model(ids, logits, name=name)


# -- training and evaluation -------------------------------------------------------------------
def clip_gradients(gradients: Sequence[tf.Tensor], theta: float) -> tuple[list, tf.Tensor]:
    """g <- g * min(1, theta / ||g||) with ||g|| the norm of all gradients together.

    Returns the clipped gradients and the norm before clipping.

    Example:
        >>> clipped, norm = clip_gradients([tf.constant([3.0]), tf.constant([4.0])], 1.0)
        >>> float(norm), [round(float(g[0]), 3) for g in clipped]
        (5.0, [0.6, 0.8])
    """
    theta = float(theta)
    if not theta > 0:
        raise ValueError(f"theta must be > 0 (the largest gradient norm); got {theta}")
    norm = tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g)) for g in gradients]))
    scale = tf.minimum(tf.constant(1.0, norm.dtype), theta / (norm + 1e-12))
    return [g * tf.cast(scale, g.dtype) for g in gradients], norm


def train_scratch_lm(layer: ScratchCharRNN, corpus, *, batch_size: int, num_steps: int,
                     epochs: int, learning_rate: float = 0.01, clip_norm: float = 1.0,
                     partition: str = "sequential", seed: int = 0,
                     optimizer: keras.optimizers.Optimizer | None = None) -> dict:
    """Train the scratch RNN with GradientTape, global-norm clipping and Adam (default).

    With ``partition="sequential"`` the hidden state carries from one minibatch to the next
    (row i continues row i; no gradient flows across minibatches), and starts at zero each
    epoch; with ``"random"`` every minibatch starts from zero (as D2L).

    Returns:
        ``{"perplexity": [per epoch, exp(mean training cross-entropy per token)],
        "grad_norm": [mean pre-clipping norm per epoch], "clipped_share": [...]}``.
    """
    if partition not in ("sequential", "random"):
        raise ValueError(f"partition must be 'sequential' or 'random'; got {partition!r}")
    epochs = check_positive_whole(epochs, "epochs")
    optimizer = optimizer or keras.optimizers.Adam(learning_rate)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    variables = layer.trainable_variables

    @tf.function(reduce_retracing=True)
    def step(x, y, state):
        with tf.GradientTape() as tape:
            logits, last = layer(x, initial_state=state, return_state=True, training=True)
            loss = loss_fn(y, logits)
        gradients = tape.gradient(loss, variables)
        clipped, norm = clip_gradients(gradients, clip_norm)
        optimizer.apply_gradients(zip(clipped, variables, strict=True))
        return loss, last, norm

    history = {"perplexity": [], "grad_norm": [], "clipped_share": []}
    iterate = seq_data_iter_sequential if partition == "sequential" else seq_data_iter_random
    for epoch in range(epochs):
        losses, norms = [], []
        state = layer.initial_state(batch_size)
        for x, y in iterate(corpus, batch_size, num_steps, seed=seed * 1000 + epoch):
            if partition == "random":
                state = layer.initial_state(batch_size)
            loss, state, norm = step(tf.constant(x), tf.constant(y), state)
            losses.append(loss)
            norms.append(norm)
        losses, norms = np.asarray(losses, np.float64), np.asarray(norms, np.float64)
        history["perplexity"].append(math.exp(float(losses.mean())))
        history["grad_norm"].append(float(norms.mean()))
        history["clipped_share"].append(float(np.mean(norms > clip_norm)))
    return history


def evaluate_perplexity(model, corpus, num_steps: int, batch_size: int = 512) -> float:
    """exp(mean cross-entropy) of next-token prediction over consecutive windows of
    ``num_steps`` tokens, each started from a zero state (``model(ids, training=False)``)."""
    num_steps = check_positive_whole(num_steps, "num_steps")
    ids = np.asarray(corpus)
    windows = (ids.size - 1) // num_steps
    if windows < 1:
        raise ValueError(f"corpus of {ids.size} tokens is too short for num_steps={num_steps}")
    starts = np.arange(windows)[:, None] * num_steps + np.arange(num_steps)
    x, y = ids[starts], ids[starts + 1]
    total = 0.0
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    for i in range(0, windows, batch_size):
        total += float(loss_fn(y[i:i + batch_size], model(x[i:i + batch_size], training=False)))
    return math.exp(total / y.size)


def predict_chars(model, prefix: str, num_chars: int, vocab: Vocab) -> str:
    """Greedy generation: ``prefix`` followed by ``num_chars`` characters, each the arg-max of
    the model's next-character logits given everything before it.

    ``model`` maps ids (1, t) to logits (1, t, V) (``ScratchCharRNN`` or :func:`keras_char_rnn`).
    Characters of ``prefix`` outside the vocabulary read as ``<unk>``.
    """
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("prefix must be a non-empty str (the generation starts after it)")
    num_chars = check_positive_whole(num_chars, "num_chars")
    ids = vocab.encode(prefix)

    # One graph for every length (eager keras RNN calls cost ~0.1 s each).
    @tf.function(input_signature=[tf.TensorSpec((1, None), tf.int32)])
    def next_id(x):
        return tf.argmax(model(x, training=False)[0, -1], output_type=tf.int32)

    for _ in range(num_chars):
        ids.append(int(next_id(tf.constant([ids], dtype=tf.int32))))
    return prefix + "".join(vocab.to_tokens(ids[len(prefix):]))
