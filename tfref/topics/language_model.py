"""Language models: n-gram statistics, Zipf's law, Laplace smoothing, partitioning, char RNN.

Seed 003 (D2L 8.3-8.6): n-grams truncate the dependence on the past; long n-grams are rare or
never seen; Zipf's law governs word frequencies, for unigrams and for longer n-grams; Laplace
smoothing handles rare word groups; a corpus is read by random sampling or by sequential
partitioning, and only the latter keeps subsequences of adjacent minibatches adjacent.

    n-gram counts:  n(x_1..x_n) over a sliding window
    Zipf:           log n_i = slope * log i + c, slope ~ -1 for words (least squares)
    Laplace:        P(w | ctx) = (n(ctx, w) + alpha) / (n(ctx) + alpha V)
    partitioning:   sequential: X_{k+1}[i, 0] = corpus token after X_k[i, -1]
                    random: subsequences of one epoch do not overlap; Y = X shifted by one
    char RNN:       s_t = tanh(x_t U + s_{t-1} W + b), o_t = s_t V_out + c
                    perplexity = exp(mean_t -log P(x_{t+1} | x_1..x_t))

Symbols -> names: n(.) -> ``ngram_counts``; slope -> ``ZipfFit.slope``; alpha -> ``alpha``;
V -> ``len(vocab)``; T -> ``NUM_STEPS``; B -> ``BATCH``; U, W, b, V_out, c ->
``ScratchCharRNN.U/.W/.b/.V/.c``.

Deviations: Laplace smoothing divides by n(ctx) = sum_w n(ctx, w) (D2L uses the unigram count,
which also counts a context at the corpus end that nothing follows), so that every conditional
distribution sums to exactly 1. Both RNNs train with Adam (learning rate 0.01) and global-norm
clipping at 1 for a few epochs instead of D2L's SGD at learning rate 1 for 500 epochs; the
scratch RNN reads the corpus by sequential partitioning with its state carried over, the Keras
RNN (tfref.train.fit) reads shuffled non-overlapping windows, each from a zero state (random
sampling). The last 10% of the corpus is held out to measure perplexity on unseen text. The
Project Gutenberg edition of The Time Machine differs slightly from D2L's copy, so counts
differ a little from D2L's printout; offline without the file the English text of Python's
language-reference help is used and said so. The Keras RNN trains through tfref.train.fit with
the command line's training options (``tfref run language-model`` honours --epochs,
--checkpoint-dir/--resume, --logdir, --strategy and --device; sub-directory
``language-model-keras-rnn``); the scratch RNN's own GradientTape loop honours --epochs only.

Expect: The Time Machine's word counts follow Zipf's law (slope -1.034, R^2 0.972; bigrams -0.678
and trigrams -0.463 fall off more slowly), the commonest trigram is 'the time traveller' (63), and
1684 of 3289 held-out bigrams are unseen, so only Laplace smoothing gives a finite perplexity
(1800). After 8 epochs the character RNNs reach held-out perplexity 7.22 (from scratch) and 7.01
(keras SimpleRNN), below the character bigram model's 10.00; the plot shows Zipf's law and the
perplexities (--quick: 4 epochs, 9.70 and 9.08).
"""

from __future__ import annotations

import math
from collections import Counter

import keras
import numpy as np
import pandas as pd

from tfref.data.text import (
    LaplaceNgramModel,
    Vocab,
    clean_lines,
    load_corpus,
    load_text,
    ngram_freqs,
    seq_data_iter_random,
    seq_data_iter_sequential,
    tokenize,
    zipf_fit,
)
from tfref.nn.rnn_lm import (
    ScratchCharRNN,
    evaluate_perplexity,
    keras_char_rnn,
    predict_chars,
    train_scratch_lm,
)
from tfref.topics._base import RunContext
from tfref.train import fit

ID = "language-model"
TITLE = "Language models: n-grams, Zipf's law, Laplace smoothing, partitioning, char RNN"
CHAPTER = "F"
SEEDS = ("003",)
OPTIONS = ('epochs', 'checkpoint_dir', 'resume', 'logdir', 'strategy', 'device')  # the run options this topic honours (tfref run refuses others)

ZIPF_RANKS = 1000  # the head fitted when comparing n = 1, 2, 3 (their tails are count-1 ties)
ALPHA = 1.0
BATCH, NUM_STEPS = 32, 35
PREFIX = "time traveller "


def ngram_section(ctx: RunContext, words: list[str]) -> dict:
    """Top counts (pandas oracle), Zipf fits (numpy.polyfit oracle)."""
    freqs = {}
    for n in (1, 2, 3):
        ours = ngram_freqs(words, n)
        frame = pd.DataFrame({k: words[k:len(words) - n + 1 + k] for k in range(n)})
        oracle = frame.value_counts()  # pandas' count of each row (n-gram)
        oracle = dict(zip(oracle.index, oracle.to_numpy().tolist(), strict=True))
        top = ours[:5]
        ctx.claim(f"{n}-gram counts equal pandas value_counts (all {len(ours)} distinct "
                  f"{n}-grams)", len(ours) == len(oracle)
                  and all(oracle[gram] == count for gram, count in ours),
                  measured=", ".join(f"{' '.join(g)}: {c}" for g, c in top))
        ctx.claim_close(f"{n}-grams: counts sum to len(words) - n + 1", sum(c for _, c in ours),
                  len(words) - n + 1)
        freqs[n] = np.array([c for _, c in ours], dtype=np.float64)
    ctx.note("Commonest trigrams: " + ", ".join(
        f"{' '.join(g)} ({c})" for g, c in ngram_freqs(words, 3)[:4]) + ".")

    fits = {n: zipf_fit(freqs[n], 1, min(ZIPF_RANKS, freqs[n].size)) for n in (1, 2, 3)}
    whole = zipf_fit(freqs[1])
    ranks = np.arange(1, freqs[1].size + 1)
    poly = np.polyfit(np.log(ranks), np.log(freqs[1]), 1)
    ctx.claim_close("Zipf fit of all word ranks: slope equals numpy.polyfit's", whole.slope, poly[0],
              atol=1e-9, rtol=1e-9)
    ctx.claim_close("Zipf fit: intercept equals numpy.polyfit's", whole.intercept, poly[1], atol=1e-9,
              rtol=1e-9)
    ctx.claim_greater("Zipf's law: fitted unigram slope (all ranks) is > -1.5", whole.slope, -1.5)
    ctx.claim_less("Zipf's law: fitted unigram slope (all ranks) is < -0.5", whole.slope, -0.5)
    ctx.claim_greater("the log-log unigram curve is close to a line: R^2 of the fit", whole.r_squared,
                0.9)
    ctx.claim(f"longer n-grams fall off more slowly: |slope| over ranks 1..{ZIPF_RANKS} for "
              "n = 1 > n = 2 > n = 3", fits[1].slope < fits[2].slope < fits[3].slope,
              measured=", ".join(f"n={n}: {fits[n].slope:.3f}" for n in fits))
    ctx.note(f"Zipf slope of the {freqs[1].size} distinct words: {whole.slope:.3f} (R^2 "
             f"{whole.r_squared:.3f}); over ranks 1..{ZIPF_RANKS}: unigrams {fits[1].slope:.3f}, "
             f"bigrams {fits[2].slope:.3f}, trigrams {fits[3].slope:.3f}.")
    return {"freqs": freqs, "fits": fits, "whole": whole}


def alpha_share(context_count: int, vocab_size: int) -> float:
    """Add-alpha probability of a word never seen after a context seen ``context_count`` times."""
    return ALPHA / (context_count + ALPHA * vocab_size)


def laplace_section(ctx: RunContext, corpus: np.ndarray, vocab: Vocab, word_ids: np.ndarray,
                    word_vocab: Vocab) -> None:
    """Every probability > 0, every row sums to 1, equal to a dense NumPy count."""
    v = len(vocab)
    for n in (2, 3):
        model = LaplaceNgramModel(corpus, n, v, ALPHA)
        counts = np.zeros((v,) * n)
        windows = np.stack([corpus[k:corpus.size - n + 1 + k] for k in range(n)])
        np.add.at(counts, tuple(windows), 1.0)  # the dense oracle of n(ctx, w)
        dense = (counts + ALPHA) / (counts.sum(axis=-1, keepdims=True) + ALPHA * v)
        contexts = np.ndindex(*(v,) * (n - 1))
        table = np.stack([model.distribution(ctx_) for ctx_ in contexts]).reshape(dense.shape)
        ctx.claim_close(f"character {n}-gram Laplace model equals a dense NumPy count (all "
                  f"{v ** (n - 1)} contexts x {v})", table, dense, atol=1e-15, rtol=0)
        ctx.claim_less(f"character {n}-grams: every conditional distribution sums to 1 (max |sum - "
                 "1|)", float(np.abs(table.sum(axis=-1) - 1).max()), 1e-12)
        unseen = int((counts == 0).sum())
        grams = Counter(zip(*(corpus[k:corpus.size - n + 1 + k].tolist() for k in range(n))))
        totals = Counter()
        for gram, count in grams.items():
            totals[gram[:-1]] += count
        never = [(gram, alpha_share(totals[gram[:-1]], v)) for gram in np.ndindex(*(v,) * n)
                 if gram not in grams]
        ctx.claim_close(f"character {n}-grams: each of the {unseen} of {counts.size} never seen "
                        "gets P = alpha / (n(context) + alpha V), n(context) from "
                        "collections.Counter in a Python loop (smoothing leaves no zero)",
                        [float(table[gram]) for gram, _ in never],
                        [share for _, share in never], rtol=1e-12, atol=0)

    # Words: unseen bigrams in held-out text make the unsmoothed model's perplexity infinite.
    cut = int(0.9 * word_ids.size)
    train, held = word_ids[:cut], word_ids[cut:]
    model = LaplaceNgramModel(train, 2, len(word_vocab), ALPHA)
    pairs = list(zip(held[:-1].tolist(), held[1:].tolist(), strict=True))
    seen = Counter(zip(train[:-1].tolist(), train[1:].tolist(), strict=True))
    firsts = Counter(train[:-1].tolist())  # n(w1): bigrams of the training text starting at w1
    unseen = sum((a, b) not in seen for a, b in pairs)
    log_p = [math.log(model.prob((a,), b)) for a, b in pairs]
    perplexity = math.exp(-float(np.mean(log_p)))
    # one fixed corpus, no seed: measured 1684 of 3289 (0.512); floor 0.4 (margin 0.11)
    ctx.claim_greater("share of the held-out last 10%'s word bigrams never seen in the first 90% "
                      "(collections.Counter; the unsmoothed model gives them P = 0, perplexity "
                      "infinite)", unseen / len(pairs), 0.4)
    ctx.claim_close("the Laplace model's P of an unseen held-out bigram (w1, w2) = alpha / "
                    "(n(w1) + alpha V), n(w1) counted by collections.Counter",
                    [model.prob((a,), b) for a, b in pairs if (a, b) not in seen][:50],
                    [alpha_share(firsts[a], len(word_vocab)) for a, b in pairs
                     if (a, b) not in seen][:50],
                    rtol=1e-12, atol=0)
    ctx.claim("Laplace-smoothed word bigram model: finite held-out perplexity",
              math.isfinite(perplexity), measured=round(perplexity, 1))
    some = [int(i) for i in held[:3]]
    rows = [float(model.distribution((c,)).sum()) for c in some]
    ctx.claim_close("word bigram model: P(. | w) sums to 1 for held-out words (V = "
              f"{len(word_vocab)})", rows, [1.0] * len(rows), atol=1e-12, rtol=0)
    ctx.note(f"Word bigrams, alpha = {ALPHA}: {unseen} of {len(pairs)} held-out bigrams unseen "
             f"in training; Laplace held-out perplexity {perplexity:.0f} (V = "
             f"{len(word_vocab)}).")


def partition_section(ctx: RunContext, corpus: np.ndarray) -> None:
    """Run the iterators on the positions 0..L-1 (the same draws as on the corpus)."""
    positions = np.arange(corpus.size)
    for name, iterate in (("sequential", seq_data_iter_sequential),
                          ("random", seq_data_iter_random)):
        batches = list(iterate(positions, BATCH, NUM_STEPS, seed=ctx.seed))
        real = list(iterate(corpus, BATCH, NUM_STEPS, seed=ctx.seed))
        ctx.claim(f"{name}: on the corpus it yields the corpus tokens at those positions",
                  all(np.array_equal(corpus[px], x) and np.array_equal(corpus[py], y)
                      for (px, py), (x, y) in zip(batches, real, strict=True)),
                  measured=f"{len(real)} minibatches of {BATCH} x {NUM_STEPS}")
        ctx.claim(f"{name}: Y is X shifted by one token, every row a contiguous run",
                  all(np.array_equal(py, px + 1) and np.all(np.diff(px, axis=1) == 1)
                      for px, py in batches))
        starts = np.concatenate([px[:, 0] for px, _ in batches])
        if name == "sequential":
            follows = all(np.array_equal(nxt[0][:, 0], prev[0][:, -1] + 1)
                          for prev, nxt in zip(batches, batches[1:], strict=False))
            tokens = all(np.array_equal(nxt[:, 0], prev_y[:, -1]) for (_, prev_y), (nxt, _)
                         in zip(real[:-1], real[1:], strict=True))
            ctx.claim("sequential: row i of minibatch k+1 continues row i of minibatch k "
                      "(positions), on the real corpus too (X_{k+1}[:, 0] = Y_k[:, -1])",
                      follows and tokens, measured=f"{len(batches) - 1} adjacent pairs")
        else:
            order = np.sort(starts)
            ctx.claim("random: the subsequences of one epoch do not overlap (sorted starts "
                      f"differ by >= {NUM_STEPS})", bool(np.all(np.diff(order) >= NUM_STEPS)),
                      measured=f"{starts.size} subsequences")
            adjacent = np.mean([np.array_equal(nxt[0][:, 0], prev[0][:, -1] + 1)
                                for prev, nxt in zip(batches, batches[1:], strict=False)])
            ctx.claim_less("random: adjacent minibatches do not continue each other (share of pairs "
                     "that do)", float(adjacent), 0.5)


def rnn_section(ctx: RunContext, corpus: np.ndarray, vocab: Vocab) -> dict:
    """Scratch (GradientTape, sequential) and Keras (tfref.train.fit, random) char RNNs."""
    quick = ctx.quick
    options = ctx.train
    epochs = options.epochs or (4 if quick else 8)
    hidden = 64 if quick else 256
    used = corpus[:30_000] if quick else corpus
    cut = int(0.9 * used.size)
    train, held = used[:cut], used[cut:]
    v = len(vocab)
    unigram = np.bincount(train, minlength=v) / train.size
    unigram_ppl = math.exp(-float(np.mean(np.log(np.maximum(unigram[held], 1e-12)))))
    laplace_ppl = {}
    for n in (2, 3):  # Laplace n-gram references on the same held-out text
        ngram = LaplaceNgramModel(train, n, v, ALPHA)
        log_p = [math.log(ngram.prob(held[i - n + 1:i], held[i])) for i in range(n - 1, held.size)]
        laplace_ppl[n] = math.exp(-float(np.mean(log_p)))

    keras.utils.set_random_seed(ctx.seed)
    scratch = ScratchCharRNN(v, hidden, seed=ctx.seed)
    history = train_scratch_lm(scratch, train, batch_size=BATCH, num_steps=NUM_STEPS,
                               epochs=epochs, learning_rate=0.01, clip_norm=1.0,
                               partition="sequential", seed=ctx.seed)
    with options.model_scope():
        model = keras_char_rnn(v, hidden, seed=ctx.seed)
        optimizer = keras.optimizers.Adam(0.01, global_clipnorm=1.0)
    windows = (train.size - 1) // NUM_STEPS
    index = np.arange(windows)[:, None] * NUM_STEPS + np.arange(NUM_STEPS)
    keras_history = fit(model, train[index], train[index + 1],
                        loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                        optimizer=optimizer, batch_size=BATCH, seed=ctx.seed, accuracy=False,
                        jit_compile=False, progress=False,
                        **options.fit_kwargs(4 if quick else 8, name=f"{ID}-keras-rnn"))
    curves = {"scratch (GradientTape, sequential)": np.asarray(history["perplexity"]),
              "keras SimpleRNN (tfref.train.fit, random)": np.exp(keras_history.loss)}
    bound = 20.0 if quick else 12.0
    ctx.note(f"Character RNNs, H = {hidden}, {epochs} epochs on {train.size} training characters "
             f"(V = {v}; uniform guessing has perplexity {v}, the unigram frequencies "
             f"{unigram_ppl:.1f} on the held-out text, Laplace character bigrams "
             f"{laplace_ppl[2]:.2f}, trigrams {laplace_ppl[3]:.2f}).")
    for (label, curve), net in zip(curves.items(), (scratch, model), strict=True):
        with ctx.calibrated_for("epochs"):
            ctx.claim_less(f"{label}: training perplexity falls (last epoch vs first)", curve[-1],
                     curve[0])
            ctx.claim_less(f"{label}: last-epoch training perplexity (uniform guessing: {v})", curve[-1],
                     bound)
        held_ppl = evaluate_perplexity(net, held, NUM_STEPS)
        with ctx.calibrated_for("epochs"):
            ctx.claim_less(f"{label}: held-out perplexity below the unigram model's "
                     f"({unigram_ppl:.1f}): the RNN uses context", held_ppl, unigram_ppl)
            if not quick:
                ctx.claim_less(f"{label}: held-out perplexity below the Laplace character bigram model's "
                         f"({laplace_ppl[2]:.2f})", held_ppl, laplace_ppl[2])
        text = predict_chars(net, PREFIX, 50, vocab)
        ctx.note(f"{label}: perplexity per epoch {np.round(curve, 2).tolist()}, held-out "
                 f"{held_ppl:.2f}; greedy text: {text!r}")
    ctx.note("Scratch RNN: share of minibatches whose gradient norm exceeded 1 and was clipped, "
             f"per epoch: {np.round(history['clipped_share'], 2).tolist()}.")
    return curves


def run(ctx: RunContext) -> None:
    source = load_text()
    ctx.note(source.note)
    lines = clean_lines(source.text)
    words = [t for line in tokenize(lines, "word") for t in line]
    word_vocab = Vocab(words)
    word_ids = np.asarray(word_vocab.encode(words), dtype=np.int64)
    corpus, vocab, _ = load_corpus("char", source=source)

    zipf = ngram_section(ctx, words)
    laplace_section(ctx, corpus, vocab, word_ids, word_vocab)
    partition_section(ctx, corpus)
    curves = rnn_section(ctx, corpus, vocab)
    _plot(ctx, zipf, curves, len(vocab))


def _plot(ctx: RunContext, zipf: dict, curves: dict, v: int) -> None:
    with ctx.figure("zipf-perplexity", ncols=2, figsize=(11.0, 4.2)) as (fig, (left, right)):
        for n, name in ((1, "unigrams"), (2, "bigrams"), (3, "trigrams")):
            freqs = zipf["freqs"][n]
            left.loglog(np.arange(1, freqs.size + 1), freqs, label=name, lw=1.4)
        whole = zipf["whole"]
        ranks = np.array([1.0, zipf["freqs"][1].size])
        left.loglog(ranks, np.exp(whole.intercept) * ranks ** whole.slope, "k--", lw=1,
                    label=f"fit to unigrams: slope {whole.slope:.2f}")
        left.set_xlabel("rank i")
        left.set_ylabel("frequency n_i")
        left.set_title("Zipf's law on the word n-grams", fontsize=9)
        left.legend(fontsize=8)
        for label, curve in curves.items():
            right.plot(np.arange(1, len(curve) + 1), curve, "o-", label=label)
        right.axhline(v, color="C7", ls=":", label=f"uniform guessing ({v})")
        right.set_yscale("log")
        right.set_xlabel("epoch")
        right.set_ylabel("training perplexity")
        right.set_title("Character RNN language models", fontsize=9)
        right.legend(fontsize=8)
        right.grid(alpha=0.3)


if __name__ == "__main__":  # python -m tfref.topics.language_model [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
