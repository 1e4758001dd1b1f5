"""Text preprocessing: lines, tokens, and a vocabulary mapping tokens to indices from 0.

Seed 003 (D2L 8.2): "we build a dictionary, the vocabulary, mapping string tokens to numeric
indices starting from 0". Pipeline on The Time Machine:

    text -> lines:   re.sub("[^A-Za-z]+", " ", line).strip().lower()
    lines -> tokens: line.split() (words) or list(line) (characters)
    vocabulary:      index 0 = <unk>; then reserved tokens; then tokens by descending count
                     (ties: first appearance); tokens with count < min_freq map to <unk>
    round trip:      decode(encode(line)) = line for in-vocabulary tokens

Symbols -> names: V -> ``len(vocab)``; min_freq -> ``min_freq``; the mapping token -> index ->
``vocab[token]`` / ``vocab.encode``, index -> token -> ``vocab.to_tokens`` / ``vocab.decode``.

Deviations: the text is Project Gutenberg's current edition of The Time Machine (licence header
and footer removed), not D2L's copy: it has 3174 lines and 171,438 letters and spaces where D2L
reports 3221 lines and 170,580 characters; the word vocabulary's top ten are D2L's exactly.
Without the file (offline, no ``$TFREF_DATA_DIR``) the English text of Python's language
reference help (``pydoc_data.topics``) is used instead, and the D2L-specific figures are not
claimed. Ties in frequency are broken by first appearance (D2L's stable sort), made explicit.

Expect: The Time Machine cleans to 3174 lines and 171,438 characters (D2L: 3221 and 170,580,
another edition); the word vocabulary has V = 4598 with D2L's first ten tokens ('<unk>', 'the',
'i', 'and', ...), the character vocabulary V = 28, and every line survives the encode/decode round
trip. With min_freq = 5, V falls to 832; the plot shows the token frequencies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tfref.data.text import UNK, Vocab, clean_lines, load_text, tokenize
from tfref.topics._base import RunContext

ID = "text-preprocessing"
TITLE = "Text preprocessing: tokens and a vocabulary indexed from 0"
CHAPTER = "F"
SEEDS = ("003",)
OPTIONS = ()  # honours no run option (tfref run refuses them)

# What D2L 8.2 prints for The Time Machine.
D2L_TOP10 = [("<unk>", 0), ("the", 1), ("i", 2), ("and", 3), ("of", 4), ("a", 5), ("to", 6),
             ("was", 7), ("in", 8), ("that", 9)]
D2L_CHARS = 170_580
MIN_FREQ = 5
RESERVED = ("<pad>", "<bos>", "<eos>")


def check_vocab(ctx: RunContext, vocab: Vocab, flat: list[str], label: str) -> pd.Series:
    """Indices contiguous from 0, frequency order, counts equal pandas value_counts."""
    counts = pd.Series(flat).value_counts()  # the oracle: pandas' own count
    ctx.claim(f"{label}: indices are 0..V-1 with <unk> at 0, idx_to_token and token_to_idx "
              "inverse", vocab.idx_to_token[0] == UNK
              and sorted(vocab.token_to_idx.values()) == list(range(len(vocab)))
              and all(vocab.token_to_idx[t] == i for i, t in enumerate(vocab.idx_to_token)),
              measured=f"V = {len(vocab)}")
    ours = np.array([counts[t] for t in vocab.idx_to_token[1:]])
    ctx.claim(f"{label}: counts never rise along the indices (pandas value_counts oracle)",
              bool(np.all(np.diff(ours) <= 0)), measured=f"{ours[:5].tolist()} ...")
    ctx.claim_close(f"{label}: V - 1 = number of distinct tokens (pandas nunique)", len(vocab) - 1,
              counts.size)
    same = [c for t, c in vocab.token_freqs] == [counts[t] for t, c in vocab.token_freqs]
    ctx.claim(f"{label}: Vocab.token_freqs equal pandas value_counts for every token", same)
    return counts


def run(ctx: RunContext) -> None:
    source = load_text()
    ctx.note(source.note)
    lines = clean_lines(source.text)
    words = tokenize(lines, "word")
    chars = tokenize(lines, "char")
    flat_words = [t for line in words for t in line]
    flat_chars = [t for line in chars for t in line]
    ctx.note(f"{len(lines)} lines, {len(flat_words)} words, {len(flat_chars)} characters "
             f"(letters and spaces; lines joined without separator as D2L). First line: "
             f"{lines[0]!r}.")

    vocab = Vocab(words)
    top10 = [(t, vocab[t]) for t in vocab.idx_to_token[:10]]
    ctx.note(f"Word vocabulary: V = {len(vocab)}; first ten (token, index): {top10}.")
    word_counts = check_vocab(ctx, vocab, flat_words, "word vocabulary")
    char_vocab = Vocab(chars)
    check_vocab(ctx, char_vocab, flat_chars, "character vocabulary")
    letters = set("abcdefghijklmnopqrstuvwxyz ")
    ctx.claim_close("character vocabulary: V = 28 (<unk>, space, 26 letters) after cleaning",
              len(char_vocab), 28 if set(flat_chars) == letters else len(set(flat_chars)) + 1)
    if not source.fallback:
        ctx.claim("word vocabulary: first ten (token, index) pairs are D2L's", top10 == D2L_TOP10,
                  measured=str(top10))
        # Seed-independent: Gutenberg's edition has 171,438 characters (0.50% above D2L's) and
        # 3174 lines (1.46% below); tolerances 1% and 2% = those gaps plus about half a point.
        ctx.claim_close("corpus length in characters (after cleaning) is D2L's 170,580 within 1% "
                  "(another edition of the book: 0.50% off)", len(flat_chars), D2L_CHARS, rtol=0.01)
        ctx.claim_close("number of text lines is D2L's 3221 within 2% (another edition: 1.46% off)",
                        len(lines), 3221, rtol=0.02)

    # Round trip of encoded lines: the first non-empty lines and one drawn at random.
    nonempty = [i for i, line in enumerate(words) if line]
    picks = nonempty[:2] + [int(ctx.rng.choice(nonempty))]
    for i in picks:
        ids = vocab.encode(words[i])
        ctx.note(f"line {i}: {words[i]} -> indices {ids}")
    ctx.claim("decode(encode(line)) = line for every line of the book (word vocabulary)",
              all(vocab.decode(vocab.encode(line)) == line for line in words),
              measured=f"{len(words)} lines")
    ctx.claim("decode(encode(line)) = line for every line (character vocabulary)",
              all(char_vocab.decode(char_vocab.encode(line)) == line for line in chars))

    # min_freq and unknown tokens.
    frequent = Vocab(words, min_freq=MIN_FREQ)
    expected_size = 1 + int((word_counts >= MIN_FREQ).sum())
    ctx.claim_close(f"min_freq = {MIN_FREQ}: V = 1 + number of words seen >= {MIN_FREQ} times "
              "(pandas)", len(frequent), expected_size)
    rare_line = max(nonempty, key=lambda i: sum(word_counts[t] < MIN_FREQ for t in words[i]))
    decoded = frequent.decode(frequent.encode(words[rare_line]))
    expected = [t if word_counts[t] >= MIN_FREQ else UNK for t in words[rare_line]]
    ctx.claim(f"min_freq = {MIN_FREQ}: round trip replaces exactly the rarer words by <unk>",
              decoded == expected, measured=" ".join(decoded))
    try:
        frequent.encode(words[rare_line], unknown="error")
        raised = False
    except ValueError:
        raised = True
    ctx.claim("encode(..., unknown='error') refuses a line with out-of-vocabulary words", raised)
    reserved = Vocab(words, reserved_tokens=RESERVED)
    ctx.claim(f"reserved tokens {RESERVED} take indices 1..3, the commonest word index 4",
              [reserved[t] for t in RESERVED] == [1, 2, 3]
              and reserved.idx_to_token[4] == vocab.idx_to_token[1],
              measured=str([(t, reserved[t]) for t in reserved.idx_to_token[:5]]))

    _plot(ctx, vocab, char_vocab, source.name)


def _plot(ctx: RunContext, vocab: Vocab, char_vocab: Vocab, name: str) -> None:
    with ctx.figure("frequencies", ncols=2, figsize=(11.0, 4.0)) as (fig, (left, right)):
        top = vocab.token_freqs[:25]
        left.bar(range(len(top)), [c for _, c in top], color="C0")
        left.set_xticks(range(len(top)), [t for t, _ in top], rotation=70, fontsize=8)
        left.set_ylabel("count")
        left.set_title(f"25 commonest of {len(vocab) - 1} words (indices 1..25)", fontsize=9)
        freqs = char_vocab.token_freqs
        right.bar(range(len(freqs)), [c for _, c in freqs], color="C1")
        right.set_xticks(range(len(freqs)), ["sp" if t == " " else t for t, _ in freqs],
                         fontsize=8)
        right.set_ylabel("count")
        right.set_title(f"Characters ({len(freqs)} + <unk>), {name.split(' (')[0]}", fontsize=9)


if __name__ == "__main__":  # python -m tfref.topics.text_preprocessing [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
