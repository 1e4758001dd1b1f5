"""tfref.data.text: tokens, vocabulary, n-grams, Zipf fit, Laplace smoothing, partitioning.

Non-contract properties (hypothesis) with naive oracles: ``collections.Counter`` over explicit
windows, ``numpy.polyfit``, a dense NumPy count table, and the iterators run on the positions
0..L-1 so that every subsequence's place in the corpus is known.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tfref.data import DataUnavailable, load_time_machine
from tfref.data.text import (
    UNK,
    LaplaceNgramModel,
    Vocab,
    clean_lines,
    load_corpus,
    load_text,
    ngram_counts,
    ngram_freqs,
    seq_data_iter_random,
    seq_data_iter_sequential,
    tokenize,
    zipf_fit,
)

WORDS = ["the", "time", "machine", "a", "of", "traveller", "i", "was"]
corpora = st.lists(st.sampled_from(WORDS), min_size=1, max_size=60)


# -- tokenize and Vocab ------------------------------------------------------------------------
def test_clean_and_tokenize():
    lines = clean_lines("The Time-Machine,\n\nby H. G. Wells!")
    assert lines == ["the time machine", "", "by h g wells"]
    assert tokenize(lines) == [["the", "time", "machine"], [], ["by", "h", "g", "wells"]]
    assert tokenize(lines, "char")[0][:4] == ["t", "h", "e", " "]
    assert tokenize("a b\nc") == [["a", "b"], ["c"]]
    with pytest.raises(ValueError, match="token must be one of"):
        tokenize(lines, "sentence")
    with pytest.raises(ValueError, match=r"lines\[1\]"):
        tokenize(["a", 3])


@given(corpora, st.integers(0, 4))
def test_vocab_indices_contiguous_and_ordered(tokens, min_freq):
    vocab = Vocab(tokens, min_freq=min_freq)
    counts = collections.Counter(tokens)
    first = {t: tokens.index(t) for t in counts}
    assert vocab.idx_to_token[0] == UNK and vocab[UNK] == 0
    assert sorted(vocab.token_to_idx.values()) == list(range(len(vocab)))
    assert all(vocab.token_to_idx[t] == i for i, t in enumerate(vocab.idx_to_token))
    kept = vocab.idx_to_token[1:]
    # min_freq: exactly the tokens seen at least min_freq times.
    assert set(kept) == {t for t, c in counts.items() if c >= min_freq}
    # descending frequency; equal counts in order of first appearance.
    keys = [(-counts[t], first[t]) for t in kept]
    assert keys == sorted(keys)


@given(corpora, st.integers(0, 3), st.data())
def test_vocab_round_trip_and_unknowns(tokens, min_freq, data):
    vocab = Vocab(tokens, min_freq=min_freq)
    known = vocab.idx_to_token[1:]
    if known:
        line = data.draw(st.lists(st.sampled_from(known), max_size=20))
        assert vocab.decode(vocab.encode(line)) == line
        assert vocab.encode(line, unknown="error") == vocab[line]
    counts = collections.Counter(tokens)
    rare = [t for t in counts if counts[t] < min_freq] + ["never-seen"]
    for token in rare:
        assert vocab[token] == 0 and vocab.encode([token]) == [0] and token not in vocab
        with pytest.raises(ValueError, match="not in the vocabulary"):
            vocab.encode([token], unknown="error")
    with pytest.raises(ValueError, match="indices must be in"):
        vocab.to_tokens([len(vocab)])
    with pytest.raises(ValueError, match="indices must be in"):
        vocab.to_tokens(-1)


def test_vocab_reserved_lines_and_errors():
    vocab = Vocab([["b", "a", "a"], ["c"]], reserved_tokens=["<pad>", "<bos>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "a", "b", "c"]
    assert vocab.decode(vocab.encode("abc")) == ["a", "b", "c"]  # a str reads as characters
    for bad, match in (([], "tokens is empty"), ([[], []], "tokens is empty")):
        with pytest.raises(ValueError, match=match):
            Vocab(bad)
    with pytest.raises(ValueError, match="min_freq must be >= 0"):
        Vocab(["a"], min_freq=-1)
    with pytest.raises(ValueError, match="min_freq must be a whole number"):
        Vocab(["a"], min_freq=1.5)
    with pytest.raises(ValueError, match="reserved_tokens must not contain"):
        Vocab(["a"], reserved_tokens=[UNK])
    with pytest.raises(ValueError, match="duplicates"):
        Vocab(["a"], reserved_tokens=["<pad>", "<pad>"])
    with pytest.raises(ValueError, match="unknown must be"):
        vocab.encode(["a"], unknown="skip")


# -- n-grams and Zipf --------------------------------------------------------------------------
@given(st.lists(st.sampled_from(WORDS[:4]), min_size=3, max_size=50), st.integers(1, 3))
def test_ngram_counts_equal_naive_windows(tokens, n):
    naive = collections.Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    assert ngram_counts(tokens, n) == naive
    freqs = ngram_freqs(tokens, n)
    assert [c for _, c in freqs] == sorted(naive.values(), reverse=True)


def test_ngram_errors():
    with pytest.raises(ValueError, match="fewer than n"):
        ngram_counts(["a"], 2)
    with pytest.raises(ValueError, match="n must be a whole number"):
        ngram_counts(["a", "b"], 0)


@given(st.lists(st.integers(1, 10_000), min_size=2, max_size=80))
def test_zipf_fit_equals_polyfit(counts):
    fit = zipf_fit(counts)
    ranked = np.sort(np.asarray(counts, float))[::-1]
    x, y = np.log(np.arange(1, ranked.size + 1)), np.log(ranked)
    slope, intercept = np.polyfit(x, y, 1)
    np.testing.assert_allclose([fit.slope, fit.intercept], [slope, intercept], atol=1e-9)
    assert fit.slope <= 1e-12  # counts sorted descending: never an increasing line
    assert fit.r_squared <= 1 + 1e-12


def test_zipf_exact_power_law_and_errors():
    fit = zipf_fit([5000.0 * i ** -1.3 for i in range(1, 200)])
    assert fit.slope == pytest.approx(-1.3, abs=1e-9) and fit.r_squared == pytest.approx(1.0)
    with pytest.raises(ValueError, match="> 0"):
        zipf_fit([3, 0, 1])
    with pytest.raises(ValueError, match="at least two ranks"):
        zipf_fit([3])
    with pytest.raises(ValueError, match="last_rank"):
        zipf_fit([3, 2, 1], last_rank=4)


# -- Laplace smoothing -----------------------------------------------------------------------
@given(st.lists(st.integers(0, 4), min_size=3, max_size=40), st.integers(1, 3),
       st.floats(0.05, 3.0))
def test_laplace_rows_sum_to_one_and_match_dense_counts(corpus, n, alpha):
    v = 5
    model = LaplaceNgramModel(corpus, n, v, alpha)
    counts = np.zeros((v,) * n)
    for i in range(len(corpus) - n + 1):
        counts[tuple(corpus[i:i + n])] += 1
    dense = (counts + alpha) / (counts.sum(axis=-1, keepdims=True) + alpha * v)
    for context in np.ndindex(*(v,) * (n - 1)):
        row = model.distribution(context)
        assert abs(row.sum() - 1) < 1e-12 and row.min() > 0
        np.testing.assert_allclose(row, dense[context], rtol=1e-12)
        assert model.prob(context, 2) == pytest.approx(dense[context][2], rel=1e-12)


def test_laplace_errors():
    with pytest.raises(ValueError, match="alpha must be"):
        LaplaceNgramModel([0, 1], 1, 2, alpha=0.0)
    with pytest.raises(ValueError, match="indices must be in"):
        LaplaceNgramModel([0, 5], 1, 2)
    with pytest.raises(ValueError, match="fewer than n"):
        LaplaceNgramModel([0], 2, 2)
    with pytest.raises(ValueError, match="context must hold"):
        LaplaceNgramModel([0, 1, 0], 2, 2).distribution((0, 1))


# -- partitioning ----------------------------------------------------------------------------
sizes = st.tuples(st.integers(1, 5), st.integers(1, 7), st.integers(0, 60), st.integers(0, 99))


@given(sizes)
def test_sequential_rows_continue_across_minibatches(params):
    batch, steps, extra, seed = params
    length = batch * steps + steps + 1 + extra
    positions = np.arange(length)
    batches = list(seq_data_iter_sequential(positions, batch, steps, seed=seed))
    assert batches, "at least one minibatch for a corpus of the minimum length"
    for x, y in batches:
        assert x.shape == y.shape == (batch, steps)
        np.testing.assert_array_equal(y, x + 1)
        assert np.all(np.diff(x, axis=1) == 1)
    for (x0, y0), (x1, _) in zip(batches, batches[1:], strict=False):
        np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)
        np.testing.assert_array_equal(x1[:, 0], y0[:, -1])
    # Rows tile the used stretch: row i+1 starts right after row i ends (reshape into rows).
    rows = np.concatenate([x for x, _ in batches], axis=1)
    row_length = (length - rows[0, 0] - 1) // batch
    np.testing.assert_array_equal(rows[:, 0], rows[0, 0] + row_length * np.arange(batch))
    assert 0 <= rows[0, 0] <= steps
    again = list(seq_data_iter_sequential(positions, batch, steps, seed=seed))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(batches, again, strict=True))


@given(sizes)
def test_random_subsequences_do_not_overlap(params):
    batch, steps, extra, seed = params
    length = (batch + 1) * steps + extra
    positions = np.arange(length)
    batches = list(seq_data_iter_random(positions, batch, steps, seed=seed))
    assert batches
    starts = np.concatenate([x[:, 0] for x, _ in batches])
    offset = starts.min() % steps
    assert 0 <= offset < steps
    assert np.all((starts - offset) % steps == 0)  # on the grid offset + k * steps
    assert np.all(np.diff(np.sort(starts)) >= steps)  # distinct windows: no overlap
    assert len(batches) == ((length - offset - 1) // steps) // batch
    for x, y in batches:
        assert x.shape == y.shape == (batch, steps)
        np.testing.assert_array_equal(y, x + 1)
        assert np.all(np.diff(x, axis=1) == 1) and y.max() < length


def test_partition_errors():
    for iterate in (seq_data_iter_random, seq_data_iter_sequential):
        with pytest.raises(ValueError, match="num_steps .* must be smaller than the corpus"):
            list(iterate(np.arange(10), 1, 10))
        with pytest.raises(ValueError, match="too short"):
            list(iterate(np.arange(20), 4, 5))
        with pytest.raises(ValueError, match="batch_size must be a whole number"):
            list(iterate(np.arange(20), 0, 5))
        with pytest.raises(ValueError, match="non-empty 1-D"):
            list(iterate([], 1, 1))


# -- corpus loading, with and without The Time Machine ----------------------------------------
def test_fallback_when_the_time_machine_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("TFREF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("TFREF_OFFLINE", "1")
    with pytest.raises(DataUnavailable):
        load_time_machine()
    source = load_text(download=True)  # downloads refused by TFREF_OFFLINE
    assert source.fallback and "not available" in source.note and "pydoc_data" in source.note
    corpus, vocab, _ = load_corpus("char", source=source)
    assert len(vocab) == 28 and corpus.size > 100_000
    assert vocab.decode(corpus[:20]) == list("".join(clean_lines(source.text))[:20])


def test_the_time_machine_from_the_data_dir():
    try:
        load_time_machine(download=False)
    except DataUnavailable:
        pytest.skip("timemachine.txt is not in $TFREF_DATA_DIR")
    corpus, vocab, source = load_corpus("char")
    assert not source.fallback and "Gutenberg" in source.note
    assert "project gutenberg" not in source.text[:3000].lower()  # licence header removed
    assert len(vocab) == 28 and 160_000 < corpus.size < 180_000
    words = Vocab(tokenize(clean_lines(source.text)))
    assert words.idx_to_token[:5] == ["<unk>", "the", "i", "and", "of"]
