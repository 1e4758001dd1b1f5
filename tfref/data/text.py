"""Text preprocessing and language-model data (D2L 8.2-8.3; seed 003).

Pipeline, as D2L's ``load_corpus_time_machine``::

    text   --clean_lines-->  lines   (letters only, lower case: [^A-Za-z]+ -> " ")
    lines  --tokenize----->  tokens  (one list of words or characters per line)
    tokens --Vocab-------->  indices (0 = <unk>, then reserved tokens, then by frequency)

Language-model statistics:

    n-gram counts      n(x_1..x_n) over a sliding window of the token sequence
    Zipf's law         log n_i = -alpha log i + c    (n_i: frequency of the i-th commonest)
                       fitted by least squares over (log rank, log frequency)
    Laplace smoothing  P(w | ctx) = (n(ctx, w) + alpha) / (n(ctx) + alpha V),
                       n(ctx) = sum_w n(ctx, w); every probability > 0, each row sums to 1

Minibatch partitioning of a corpus into (X, Y) pairs, Y = X shifted by one token:

    random sampling     random offset in [0, T-1]; the corpus is cut into non-overlapping
                        subsequences of T tokens, shuffled; adjacent minibatches are unrelated
    sequential          random offset in [0, T]; the corpus is reshaped to B rows; minibatch k
                        holds columns [kT, (k+1)T): row i of minibatch k+1 continues row i of
                        minibatch k in the corpus

Symbols -> names: T -> ``num_steps``; B -> ``batch_size``; V -> ``len(vocab)``; alpha ->
``alpha`` (Laplace) / ``-slope`` (Zipf).

Corpus: The Time Machine through :func:`tfref.data.load_time_machine` (``$TFREF_DATA_DIR``,
no download unless asked); offline without the file, :func:`load_text` falls back to the
English text of Python's own language-reference help (``pydoc_data.topics``, shipped with
every CPython, PSF licence) and says so in its ``note``.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from tfref._validation import check_positive_whole
from tfref.data.errors import DataUnavailable
from tfref.data.remote import load_time_machine

__all__ = [
    "UNK",
    "LaplaceNgramModel",
    "TextSource",
    "Vocab",
    "ZipfFit",
    "clean_lines",
    "embedded_english_text",
    "load_corpus",
    "load_text",
    "ngram_counts",
    "ngram_freqs",
    "ngrams",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "tokenize",
    "zipf_fit",
]

UNK = "<unk>"
TOKEN_KINDS = ("word", "char")


# -- text -> lines -> tokens -------------------------------------------------------------------
def clean_lines(text: str) -> list[str]:
    """D2L's preprocessing: each line with every run of non-letters replaced by one space,
    stripped and lower-cased (empty lines are kept, as D2L does).

    Example:
        >>> clean_lines("The Time-Machine,\\nby H. G. Wells")
        ['the time machine', 'by h g wells']
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str; got {type(text).__name__}")
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in text.splitlines()]


def tokenize(lines: str | Sequence[str], token: str = "word") -> list[list[str]]:
    """Split each line into tokens: words (``line.split()``) or characters (``list(line)``).

    Args:
        lines: a list of lines, or one string (split into lines first). No cleaning is done
            here: call :func:`clean_lines` for D2L's letters-only, lower-case text.
        token: ``"word"`` or ``"char"``.

    Returns:
        One list of tokens per line (an empty line gives an empty list).

    Raises:
        ValueError: ``token`` is neither "word" nor "char", or a line is not a str.

    Example:
        >>> tokenize(["the time", "machine"], token="word")
        [['the', 'time'], ['machine']]
        >>> tokenize("ab c", token="char")
        [['a', 'b', ' ', 'c']]
    """
    if token not in TOKEN_KINDS:
        raise ValueError(f"token must be one of {TOKEN_KINDS}; got {token!r}")
    if isinstance(lines, str):
        lines = lines.splitlines()
    out = []
    for i, line in enumerate(lines):
        if not isinstance(line, str):
            raise ValueError(f"lines[{i}] must be a str; got {type(line).__name__}")
        out.append(line.split() if token == "word" else list(line))
    return out


def _flatten(tokens) -> list:
    """A flat token list from a flat list or a list of lists (lines)."""
    tokens = list(tokens)
    if tokens and isinstance(tokens[0], list | tuple):
        return [tok for line in tokens for tok in line]
    return tokens


# -- vocabulary -------------------------------------------------------------------------------
class Vocab:
    """Maps tokens to indices 0..V-1 and back.

    Order: index 0 is the unknown token ``<unk>``; then ``reserved_tokens`` in the order given;
    then the corpus tokens by descending frequency, ties broken by first appearance in the
    corpus (as D2L's stable sort of a Counter). Tokens seen fewer than ``min_freq`` times are
    left out and map to ``<unk>``.

    Unknown tokens: ``vocab[token]`` and ``encode(tokens)`` map a token not in the vocabulary to
    index 0 (``<unk>``); ``encode(tokens, unknown="error")`` raises ValueError instead.
    ``decode`` / ``to_tokens`` raise ValueError for an index outside 0..V-1.

    Args:
        tokens: the corpus: a flat list of tokens or a list of lines of tokens (not empty).
        min_freq: the least count a token needs to get its own index (>= 0).
        reserved_tokens: tokens placed right after ``<unk>`` whatever their count
            (``"<pad>"``, ``"<bos>"``, ...); no duplicates, not ``<unk>``.

    Raises:
        ValueError: empty corpus, negative or non-integer ``min_freq``, bad reserved tokens.

    Example:
        >>> vocab = Vocab([["a", "b", "a"], ["c", "a", "b"]])
        >>> vocab.idx_to_token, vocab["a"], vocab["zzz"]
        (['<unk>', 'a', 'b', 'c'], 1, 0)
        >>> vocab.decode(vocab.encode(["c", "a"]))
        ['c', 'a']
    """

    def __init__(self, tokens: Iterable, min_freq: int = 0, reserved_tokens: Sequence[str] = ()):
        if isinstance(min_freq, bool) or not isinstance(min_freq, int | np.integer):
            raise ValueError(f"min_freq must be a whole number >= 0; got {min_freq!r}")
        if min_freq < 0:
            raise ValueError(f"min_freq must be >= 0; got {min_freq}")
        reserved = list(reserved_tokens)
        if UNK in reserved:
            raise ValueError(f"reserved_tokens must not contain {UNK!r}: it is always index 0")
        if len(set(reserved)) != len(reserved):
            raise ValueError(f"reserved_tokens has duplicates: {reserved}")
        flat = _flatten(tokens)
        if not flat:
            raise ValueError("tokens is empty: the corpus must hold at least one token")
        counter = collections.Counter(flat)  # insertion order = first appearance
        # sorted() is stable: equal counts keep the order of first appearance.
        self.token_freqs: list[tuple] = sorted(counter.items(), key=lambda kv: kv[1],
                                               reverse=True)
        self.min_freq = int(min_freq)
        self.idx_to_token: list = [UNK, *reserved]
        self.token_to_idx: dict = {tok: i for i, tok in enumerate(self.idx_to_token)}
        for tok, freq in self.token_freqs:
            if freq < self.min_freq:
                break
            if tok not in self.token_to_idx:
                self.token_to_idx[tok] = len(self.idx_to_token)
                self.idx_to_token.append(tok)

    unk = 0  # the index of <unk>

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token) -> bool:
        return token in self.token_to_idx

    def __getitem__(self, tokens):
        """The index of one token (0 when unknown), or a list of indices for a list/tuple."""
        if isinstance(tokens, list | tuple):
            return [self.token_to_idx.get(tok, self.unk) for tok in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def encode(self, tokens: Sequence, unknown: str = "unk") -> list[int]:
        """Indices of a token sequence (a str is read as a sequence of characters).

        ``unknown="unk"`` maps a token not in the vocabulary to 0 (``<unk>``); ``unknown="error"``
        raises ValueError naming the first unknown token."""
        if unknown not in ("unk", "error"):
            raise ValueError(f"unknown must be 'unk' or 'error'; got {unknown!r}")
        tokens = list(tokens)  # a str is read as its characters
        if unknown == "error":
            missing = [tok for tok in tokens if tok not in self.token_to_idx]
            if missing:
                raise ValueError(f"tokens holds {len(missing)} token(s) not in the vocabulary, "
                                 f"first {missing[0]!r} (unknown='error'; use unknown='unk' to "
                                 f"map them to {UNK!r})")
        return [self.token_to_idx.get(tok, self.unk) for tok in tokens]

    def to_tokens(self, indices):
        """The token of one index, or a list of tokens for a sequence of indices."""
        if isinstance(indices, int | np.integer):
            return self._token(int(indices))
        return [self._token(int(i)) for i in np.asarray(indices).reshape(-1)]

    decode = to_tokens

    def _token(self, index: int):
        if not 0 <= index < len(self.idx_to_token):
            raise ValueError(f"indices must be in 0..{len(self) - 1} (the vocabulary size is "
                             f"{len(self)}); got {index}")
        return self.idx_to_token[index]


# -- n-grams, Zipf's law, Laplace smoothing ------------------------------------------------------
def ngrams(tokens: Sequence, n: int) -> list[tuple]:
    """The n-grams of a token sequence: ``(t_i, ..., t_{i+n-1})`` for i = 0..len - n.

    Example:
        >>> ngrams(["a", "b", "c"], 2)
        [('a', 'b'), ('b', 'c')]
    """
    n = check_positive_whole(n, "n", "the n of the n-grams")
    tokens = list(tokens)
    return list(zip(*(tokens[i:] for i in range(n)), strict=False))


def ngram_counts(tokens: Sequence, n: int) -> collections.Counter:
    """How often each n-gram occurs (a Counter keyed by tuples); ValueError for fewer than n
    tokens."""
    n = check_positive_whole(n, "n", "the n of the n-grams")
    tokens = list(tokens)
    if len(tokens) < n:
        raise ValueError(f"tokens has {len(tokens)} tokens, fewer than n = {n}")
    return collections.Counter(ngrams(tokens, n))


def ngram_freqs(tokens: Sequence, n: int) -> list[tuple[tuple, int]]:
    """``(n-gram, count)`` pairs by descending count, ties by first appearance (as Vocab)."""
    return sorted(ngram_counts(tokens, n).items(), key=lambda kv: kv[1], reverse=True)


@dataclass(frozen=True)
class ZipfFit:
    """log n_i = slope * log i + intercept fitted over ranks ``first_rank..last_rank``."""

    slope: float
    intercept: float
    r_squared: float
    first_rank: int
    last_rank: int


def zipf_fit(freqs, first_rank: int = 1, last_rank: int | None = None) -> ZipfFit:
    """Least-squares line through (log rank, log frequency): Zipf's law says slope ~ -1.

    Args:
        freqs: positive counts (any order; sorted descending here), or ``(token, count)`` pairs.
        first_rank, last_rank: the ranks fitted, 1-based and inclusive (default: all).

    Returns:
        :class:`ZipfFit`; ``slope = cov(x, y) / var(x)`` with x = log rank, y = log count.

    Raises:
        ValueError: a count <= 0, fewer than two ranks in range, or ranks out of order.

    Example:
        >>> fit = zipf_fit([1000 / i for i in range(1, 50)])
        >>> round(fit.slope, 6)
        -1.0
    """
    values = [f[1] if isinstance(f, tuple | list) else f for f in freqs]
    counts = np.sort(np.asarray(values, dtype=np.float64))[::-1]
    if counts.size and not np.all(np.isfinite(counts) & (counts > 0)):
        raise ValueError("freqs must be finite and > 0 (log frequency is taken)")
    first_rank = check_positive_whole(first_rank, "first_rank")
    last_rank = counts.size if last_rank is None else check_positive_whole(last_rank, "last_rank")
    if last_rank > counts.size:
        raise ValueError(f"last_rank ({last_rank}) exceeds the number of frequencies "
                         f"({counts.size})")
    if last_rank - first_rank + 1 < 2:
        raise ValueError(f"need at least two ranks to fit a line; got ranks {first_rank}.."
                         f"{last_rank} of {counts.size} frequencies")
    x = np.log(np.arange(first_rank, last_rank + 1, dtype=np.float64))
    y = np.log(counts[first_rank - 1:last_rank])
    xc, yc = x - x.mean(), y - y.mean()
    slope = float(xc @ yc / (xc @ xc))
    intercept = float(y.mean() - slope * x.mean())
    residual = y - (slope * x + intercept)
    total = float(yc @ yc)
    r2 = 1.0 - float(residual @ residual) / total if total > 0 else 1.0
    return ZipfFit(slope, intercept, r2, first_rank, last_rank)


class LaplaceNgramModel:
    """Laplace-smoothed n-gram model over token indices 0..V-1.

    P(w | ctx) = (n(ctx, w) + alpha) / (n(ctx) + alpha V), with ctx the previous n-1 tokens and
    n(ctx) = sum_w n(ctx, w) (the count of ctx followed by any token), so that each conditional
    distribution sums to exactly 1 and no probability is zero; an unseen context gives the
    uniform 1/V. For n = 1 the context is empty: P(w) = (n(w) + alpha) / (N + alpha V).

    Deviation from D2L 8.3: D2L divides by the unigram count n(ctx), which counts a context at
    the very end of the corpus that no token follows; that row would then sum to slightly less
    than 1.

    Args:
        corpus: token indices (ints in 0..V-1), at least n of them.
        n: the order (1 unigram, 2 bigram, 3 trigram...).
        vocab_size: V.
        alpha: the pseudo-count, > 0.

    Example:
        >>> model = LaplaceNgramModel([1, 2, 1, 2, 1], n=2, vocab_size=3, alpha=1.0)
        >>> model.distribution((1,)).round(3).tolist()   # counts (0, 0, 2) after token 1
        [0.2, 0.2, 0.6]
    """

    def __init__(self, corpus: Sequence[int], n: int, vocab_size: int, alpha: float = 1.0):
        self.n = check_positive_whole(n, "n", "the order of the model")
        self.vocab_size = check_positive_whole(vocab_size, "vocab_size")
        alpha = float(alpha)
        if not (np.isfinite(alpha) and alpha > 0):
            raise ValueError(f"alpha must be a finite number > 0 (the pseudo-count); got {alpha}")
        self.alpha = alpha
        ids = np.asarray(corpus)
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise ValueError("corpus must be a 1-D sequence of integer token indices")
        if ids.size < self.n:
            raise ValueError(f"corpus has {ids.size} tokens, fewer than n = {self.n}")
        if ids.min() < 0 or ids.max() >= self.vocab_size:
            raise ValueError(f"corpus indices must be in 0..{self.vocab_size - 1} "
                             f"(vocab_size={self.vocab_size}); got {ids.min()}..{ids.max()}")
        self.counts = ngram_counts(ids.tolist(), self.n)
        self.context_counts: collections.Counter = collections.Counter()
        for gram, count in self.counts.items():
            self.context_counts[gram[:-1]] += count

    def prob(self, context: Sequence[int], token: int) -> float:
        """P(token | context), context being the previous n-1 indices."""
        context = self._context(context)
        denominator = self.context_counts.get(context, 0) + self.alpha * self.vocab_size
        return (self.counts.get((*context, int(token)), 0) + self.alpha) / denominator

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """P(. | context) as a float64 vector of length V."""
        context = self._context(context)
        row = np.full(self.vocab_size, self.alpha)
        for w in range(self.vocab_size):
            row[w] += self.counts.get((*context, w), 0)
        return row / (self.context_counts.get(context, 0) + self.alpha * self.vocab_size)

    def _context(self, context) -> tuple:
        context = tuple(int(c) for c in context)
        if len(context) != self.n - 1:
            raise ValueError(f"context must hold n - 1 = {self.n - 1} indices; got {len(context)}")
        return context


# -- minibatch partitioning ----------------------------------------------------------------------
def _check_partition(corpus, batch_size, num_steps, needed_extra: int) -> np.ndarray:
    batch_size = check_positive_whole(batch_size, "batch_size")
    num_steps = check_positive_whole(num_steps, "num_steps")
    ids = np.asarray(corpus)
    if ids.ndim != 1 or ids.size == 0:
        raise ValueError(f"corpus must be a non-empty 1-D sequence of token indices; got shape "
                         f"{ids.shape}")
    if num_steps >= ids.size:
        raise ValueError(f"num_steps ({num_steps}) must be smaller than the corpus length "
                         f"({ids.size} tokens): Y is X shifted by one token")
    needed = batch_size * num_steps + needed_extra
    if ids.size < needed:
        raise ValueError(f"corpus of {ids.size} tokens is too short for batch_size={batch_size} "
                         f"and num_steps={num_steps}: need at least {needed} tokens for one "
                         f"minibatch whatever the random offset")
    return ids


def seq_data_iter_random(corpus, batch_size: int, num_steps: int,
                         seed: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Random sampling (D2L 8.3.4.1): non-overlapping subsequences of ``num_steps`` tokens
    starting at a random offset in [0, num_steps - 1], visited in a random order.

    Yields ``(X, Y)`` int arrays of shape (batch_size, num_steps), Y[i, t] = corpus[s_i + t + 1]
    where X[i, t] = corpus[s_i + t]; the starts s_i of one epoch are distinct multiples of
    num_steps (plus the offset), so no two subsequences overlap. Leftover subsequences that do
    not fill a minibatch are dropped.

    Raises:
        ValueError: ``num_steps`` >= the corpus length, non-positive sizes, or a corpus too
            short for one minibatch (fewer than (batch_size + 1) * num_steps tokens).
    """
    ids = _check_partition(corpus, batch_size, num_steps, num_steps)
    rng = np.random.default_rng(seed)
    ids = ids[int(rng.integers(0, num_steps)):]
    num_subseqs = (ids.size - 1) // num_steps
    starts = np.arange(0, num_subseqs * num_steps, num_steps)
    rng.shuffle(starts)
    num_batches = num_subseqs // batch_size
    window = np.arange(num_steps)
    for i in range(0, batch_size * num_batches, batch_size):
        chosen = starts[i:i + batch_size, None] + window
        yield ids[chosen], ids[chosen + 1]


def seq_data_iter_sequential(corpus, batch_size: int, num_steps: int,
                             seed: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Sequential partitioning (D2L 8.3.4.2): a random offset in [0, num_steps], the rest cut
    into ``batch_size`` rows; minibatch k is columns [k T, (k + 1) T) of those rows.

    Row i of minibatch k + 1 continues row i of minibatch k: X_{k+1}[i, 0] is the token after
    X_k[i, -1] in the corpus (and equals Y_k[i, -1]). Y is X shifted by one token.

    Raises:
        ValueError: as :func:`seq_data_iter_random` (the corpus needs at least
            batch_size * num_steps + num_steps + 1 tokens).
    """
    ids = _check_partition(corpus, batch_size, num_steps, num_steps + 1)
    rng = np.random.default_rng(seed)
    offset = int(rng.integers(0, num_steps + 1))
    num_tokens = ((ids.size - offset - 1) // batch_size) * batch_size
    xs = ids[offset:offset + num_tokens].reshape(batch_size, -1)
    ys = ids[offset + 1:offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield xs[:, i:i + num_steps], ys[:, i:i + num_steps]


# -- corpora ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextSource:
    """A raw text, its name, whether it is the fallback, and a sentence for the report."""

    text: str
    name: str
    fallback: bool
    note: str


def embedded_english_text(max_chars: int | None = 200_000) -> str:
    """English text needing no network or shipped file: Python's language-reference help
    (``pydoc_data.topics``, part of every CPython; PSF licence), its topics joined in sorted
    order. It varies a little between Python versions."""
    from pydoc_data.topics import topics

    text = "\n".join(topics[key] for key in sorted(topics))
    return text if max_chars is None else text[:max_chars]


def load_text(download: bool = False) -> TextSource:
    """The Time Machine's text when available, else the embedded English fallback.

    The Time Machine comes from :func:`tfref.data.load_time_machine` (``$TFREF_DATA_DIR`` or the
    Keras cache; Project Gutenberg's licence header and footer removed). Nothing is downloaded
    unless ``download`` is True (and ``TFREF_OFFLINE`` is not set). When it is unavailable the
    result is :func:`embedded_english_text`, with ``fallback=True`` and a note saying why.
    """
    try:
        text = load_time_machine(body_only=True, download=download)
    except DataUnavailable as error:
        return TextSource(
            embedded_english_text(), "pydoc_data.topics (Python language reference help)", True,
            f"The Time Machine is not available ({error}) Fell back to the English text of "
            "Python's language-reference help (pydoc_data.topics, PSF licence, first 200,000 "
            "characters), so the figures differ from D2L's.")
    return TextSource(text, "The Time Machine (H. G. Wells, Project Gutenberg #35)", False,
                      "Corpus: The Time Machine (Project Gutenberg #35, licence header and footer "
                      "removed), cleaned as D2L: letters only, lower case.")


def load_corpus(token: str = "char", max_tokens: int | None = None,
                source: TextSource | None = None) -> tuple[np.ndarray, Vocab, TextSource]:
    """D2L's ``load_corpus_time_machine``: token indices of the whole text (lines joined
    without separator, as D2L), its vocabulary and the :class:`TextSource` used.

    Args:
        token: ``"char"`` or ``"word"``.
        max_tokens: keep only the first ``max_tokens`` indices (None: all).
        source: a text already loaded by :func:`load_text` (default: load it).
    """
    source = source or load_text()
    tokens = tokenize(clean_lines(source.text), token)
    vocab = Vocab(tokens)
    corpus = np.asarray([vocab[tok] for line in tokens for tok in line], dtype=np.int32)
    if max_tokens is not None:
        corpus = corpus[:check_positive_whole(max_tokens, "max_tokens")]
    return corpus, vocab, source
