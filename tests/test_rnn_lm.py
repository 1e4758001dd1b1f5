"""tfref.nn.rnn_lm: the scratch character RNN beside keras SimpleRNN, clipping, training.

Oracles: a NumPy loop of s_t = tanh(x_t U + s_{t-1} W + b); ``keras.layers.SimpleRNN`` + Dense
given the same weights; ``tf.clip_by_global_norm``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfref.data.text import Vocab
from tfref.nn.rnn_lm import (
    ScratchCharRNN,
    clip_gradients,
    evaluate_perplexity,
    keras_char_rnn,
    predict_chars,
    train_scratch_lm,
)
from tfref.train import fit

V, H = 6, 5


def _ids(rng, batch=3, steps=7):
    return rng.integers(0, V, size=(batch, steps)).astype(np.int32)


def test_scratch_layer_exposes_exactly_its_five_weights():
    layer = ScratchCharRNN(V, H, seed=0)
    shapes = {v.name: tuple(v.shape) for v in layer.trainable_variables}
    assert shapes == {"U": (V, H), "W": (H, H), "b": (H,), "V": (H, V), "c": (V,)}
    assert len(layer.trainable_variables) == 5 and not layer.non_trainable_variables
    assert {id(v) for v in layer.variables} == {id(v) for v in layer.trainable_variables}


def test_scratch_hidden_states_equal_a_numpy_loop():
    rng = np.random.default_rng(0)
    layer = ScratchCharRNN(V, H, seed=1, init_scale=0.5)
    ids = _ids(rng)
    u, w, b, v, c = (np.asarray(x, np.float64) for x in
                     (layer.U, layer.W, layer.b, layer.V, layer.c))
    s = np.zeros((ids.shape[0], H))
    states, logits = [], []
    for t in range(ids.shape[1]):
        s = np.tanh(np.eye(V)[ids[:, t]] @ u + s @ w + b)  # one-hot x_t times U
        states.append(s)
        logits.append(s @ v + c)
    np.testing.assert_allclose(layer.hidden_states(ids), np.stack(states, 1), atol=1e-5)
    np.testing.assert_allclose(layer(ids, training=False), np.stack(logits, 1), atol=1e-5)


def test_scratch_forward_equals_keras_simple_rnn_with_the_same_weights():
    rng = np.random.default_rng(1)
    layer = ScratchCharRNN(V, H, seed=2, init_scale=0.4)
    model = keras_char_rnn(V, H, seed=3)
    rnn, dense = model.get_layer("rnn"), model.get_layer("logits")
    rnn.cell.kernel.assign(layer.U)
    rnn.cell.recurrent_kernel.assign(layer.W)
    rnn.cell.bias.assign(layer.b)
    dense.kernel.assign(layer.V)
    dense.bias.assign(layer.c)
    ids = _ids(rng, batch=4, steps=9)
    np.testing.assert_allclose(layer(ids, training=False), model(ids, training=False),
                               atol=1e-5)
    # Without the copy the two differ: the comparison can fail.
    other = keras_char_rnn(V, H, seed=4)
    assert np.abs(np.asarray(other(ids)) - np.asarray(layer(ids))).max() > 1e-3


def test_state_carries_over_split_sequences():
    rng = np.random.default_rng(2)
    layer = ScratchCharRNN(V, H, seed=5, init_scale=0.5)
    ids = _ids(rng, steps=10)
    whole = layer(ids, training=False)
    first, state = layer(ids[:, :4], return_state=True, training=False)
    second = layer(ids[:, 4:], initial_state=state, training=False)
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole, atol=1e-6)


def test_clip_gradients_equals_tf_clip_by_global_norm():
    rng = np.random.default_rng(3)
    grads = [tf.constant(rng.normal(size=shape), tf.float32) for shape in ((3, 4), (4,), (2,))]
    for theta in (0.1, 1.0, 100.0):
        ours, norm = clip_gradients(grads, theta)
        theirs, their_norm = tf.clip_by_global_norm(grads, theta)
        assert float(norm) == pytest.approx(float(their_norm), rel=1e-6)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="theta must be > 0"):
        clip_gradients(grads, 0.0)


def _periodic_corpus():
    text = "the time traveller " * 40
    vocab = Vocab(list(text))
    return np.asarray(vocab.encode(text), np.int32), vocab


def test_scratch_rnn_perplexity_falls_and_generates_the_pattern():
    corpus, vocab = _periodic_corpus()
    layer = ScratchCharRNN(len(vocab), 32, seed=0)
    history = train_scratch_lm(layer, corpus, batch_size=4, num_steps=19, epochs=6,
                               learning_rate=0.05, seed=0)
    ppl = history["perplexity"]
    assert ppl[-1] < ppl[0] and ppl[-1] < 2.0, ppl  # uniform guessing: len(vocab) = 12
    assert evaluate_perplexity(layer, corpus, 19) < 2.0
    assert predict_chars(layer, "the time ", 10, vocab) == "the time traveller "


def test_keras_char_rnn_perplexity_falls_with_the_engine():
    corpus, vocab = _periodic_corpus()
    keras.utils.set_random_seed(0)
    model = keras_char_rnn(len(vocab), 32, seed=0)
    steps = 19
    index = np.arange((corpus.size - 1) // steps)[:, None] * steps + np.arange(steps)
    history = fit(model, corpus[index], corpus[index + 1],
                  loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(0.05, global_clipnorm=1.0), epochs=6,
                  batch_size=8, seed=0, accuracy=False, jit_compile=False, progress=False)
    ppl = np.exp(history.loss)
    assert ppl[-1] < ppl[0] and ppl[-1] < 3.0, ppl
    assert predict_chars(model, "the time ", 10, vocab) == "the time traveller "


def test_keras_char_rnn_contract_for_the_benchmark():
    model = keras_char_rnn(vocab_size=28, hidden_units=256)
    ids = np.zeros((2, 35), np.int32)
    assert tuple(model(ids).shape) == (2, 35, 28)
    assert model.get_layer("rnn").return_sequences
    assert sum(int(np.prod(v.shape)) for v in model.trainable_variables) == (
        28 * 256 + 256 * 256 + 256 + 256 * 28 + 28)


def test_errors():
    with pytest.raises(ValueError, match="vocab_size must be a whole number"):
        ScratchCharRNN(0, 4)
    with pytest.raises(ValueError, match="hidden_units must be a whole number"):
        keras_char_rnn(5, hidden_units=0)
    layer = ScratchCharRNN(V, H)
    with pytest.raises(ValueError, match=r"ids must have shape \(batch, steps\)"):
        layer(np.zeros(4, np.int32))
    vocab = Vocab(list("abc"))
    with pytest.raises(ValueError, match="prefix must be a non-empty str"):
        predict_chars(layer, "", 3, vocab)
    with pytest.raises(ValueError, match="partition must be"):
        train_scratch_lm(layer, np.arange(50) % V, batch_size=2, num_steps=3, epochs=1,
                         partition="shuffled")
