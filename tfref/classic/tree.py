"""ID3 decision tree: entropy and information gain, pre-pruning and reduced-error post-pruning.

Formula (document 000; Zhou, Machine Learning (2016), ch. 4):
    Ent(D)    = -sum_k p_k log2 p_k
    Gain(D,a) = Ent(D) - sum_v |D^v| / |D| Ent(D^v)
At each node the feature of largest gain is chosen (ties: the first feature in column order;
the book breaks ties by hand, and on one of its examples (Fig. 4.5) picks another). A
categorical feature splits into one branch per value it takes in the whole training set (a
value absent from the node's examples gets a leaf labelled with the node's majority class,
the book's rule) and is not used again below. A numeric feature splits in two
at the threshold t (midpoint of consecutive distinct values) of largest Gain(D, [x <= t]), as
C4.5 (Zhou 4.4.1) treats continuous attributes; it may be reused below.

Pre-pruning: ``max_depth``, ``min_samples_split`` and ``min_gain`` (a split must gain more
than ``min_gain`` bits). Post-pruning: reduced-error pruning (Quinlan 1987; Zhou 4.3.2):
bottom-up, a subtree becomes a leaf when that does not lower the accuracy on a validation set
(``post_pruning="reduced-error"`` holds out ``validation_fraction`` of the training data inside
``fit``; :meth:`ID3Classifier.reduced_error_prune` prunes with a validation set you pass).

Honest note on TensorFlow: growing a tree is thousands of tiny, data-dependent steps (sort one
column of one node, scan its thresholds), where TensorFlow's per-op overhead would dominate, so
the split search is vectorised NumPy (weighted class counts, cumulative sums for thresholds).
Its gains are the contract's :func:`tfref.ops.information_gain` (TensorFlow), which the tests
check gain by gain (``root_gains_``), and which the worked watermelon table checks against the
book's published figures.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from tfref._validation import check_whole
from tfref.classic._base import (
    check_is_fitted,
    check_labels_known,
    check_random_state_seed,
    validate,
)

__all__ = ["ID3Classifier", "entropy_bits"]

_TIE = 1e-12  # gains within this of the best count as tied (the first feature wins)


def entropy_bits(counts: np.ndarray) -> np.ndarray:
    """Entropy in bits of (weighted) class counts along the last axis; 0 for an empty row."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, counts / np.where(total > 0, total, 1.0), 0.0)
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return -terms.sum(axis=-1)


class _Node:
    """One node: a leaf (``feature is None``) or a categorical / threshold split."""

    __slots__ = ("counts", "prediction", "n_samples", "depth", "feature", "threshold",
                 "categories", "children", "gain", "gains")

    def __init__(self, counts: np.ndarray, n_samples: int, depth: int):
        self.counts = counts  # weighted class counts of the training examples at this node
        self.prediction = int(np.argmax(counts))  # majority class (ties: the first class)
        self.n_samples = n_samples
        self.depth = depth
        self.feature: int | None = None
        self.threshold: float | None = None
        self.categories: np.ndarray | None = None
        self.children: list[_Node] = []
        self.gain = 0.0
        self.gains: np.ndarray | None = None  # gain of every candidate feature (NaN: not tried)

    @property
    def is_leaf(self) -> bool:
        return self.feature is None

    def make_leaf(self) -> None:
        self.feature, self.threshold, self.categories, self.children = None, None, None, []

    def route(self, column: np.ndarray) -> list[np.ndarray]:
        """Boolean masks sending each row to a child; rows in no mask stay at this node."""
        if self.threshold is not None:
            left = column <= self.threshold
            return [left, ~left]
        return [column == value for value in self.categories]


class ID3Classifier(ClassifierMixin, BaseEstimator):
    """ID3 decision tree (information gain in bits) with categorical and numeric features.

    Args:
        max_depth: pre-pruning: deepest level a split may happen above (None: unlimited).
        min_samples_split: pre-pruning: a node with fewer training examples becomes a leaf.
        min_gain: pre-pruning: a split must gain more than this many bits.
        categorical_features: None (every feature numeric), "all", or the column indices (or
            a boolean mask) of the categorical features, whose values are category codes.
        max_features: features drawn at random (without replacement) as candidates at each
            node: None (all), an int, a float share, "sqrt" or "log2" (random forests).
        post_pruning: None or "reduced-error" (hold out ``validation_fraction`` in ``fit``).
        validation_fraction: share of the training data held out for post-pruning.
        random_state: seed for ``max_features`` draws and the post-pruning hold-out.

    ``fit(X, y, sample_weight=None)``: weights scale each example's share in every class count
    (AdaBoost fits weighted stumps); an example of weight 0 is left out.

    Attributes:
        classes_, n_features_in_, tree_ (the root ``_Node``), root_gains_ (gain in bits of
        every feature at the root; NaN for one not drawn), categories_ (dict: column ->
        its values in the training data), n_nodes_, n_leaves_, depth_.
    """

    def __init__(self, max_depth=None, min_samples_split=2, min_gain=0.0,
                 categorical_features=None, max_features=None, post_pruning=None,
                 validation_fraction=0.3, random_state=None):
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_gain = min_gain
        self.categorical_features = categorical_features
        self.max_features = max_features
        self.post_pruning = post_pruning
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        X, y = validate(self, X, y)
        check_classification_targets(y)
        return self._fit_checked(X, y, sample_weight)

    def _fit_checked(self, X: np.ndarray, y: np.ndarray, sample_weight=None):
        """``fit`` on already validated arrays (the ensembles call it for every member)."""
        self._check_hyperparameters()
        self.classes_, y_index = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        weights = self._sample_weight(sample_weight, X.shape[0])
        if (weights == 0).any():  # a weight-0 example carries nothing: not even a threshold
            X, y_index, weights = X[weights > 0], y_index[weights > 0], weights[weights > 0]
        categorical = self._categorical_mask(X.shape[1])
        self._categorical = categorical
        self.categories_ = {j: np.unique(X[:, j]) for j in np.flatnonzero(categorical)}
        self._max_features = self._resolve_max_features(X.shape[1])
        self._rng = np.random.default_rng(check_random_state_seed(self.random_state))

        grow_rows = np.arange(X.shape[0])
        validation_rows = None
        if self.post_pruning == "reduced-error":
            order = self._rng.permutation(X.shape[0])
            held = int(round(self.validation_fraction * X.shape[0]))
            if held < 1 or held >= X.shape[0]:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} holds out {held} of "
                    f"{X.shape[0]} examples; post-pruning needs at least one on each side"
                )
            validation_rows, grow_rows = np.sort(order[:held]), np.sort(order[held:])
        self._X, self._y, self._w = X[grow_rows], y_index[grow_rows], weights[grow_rows]
        self.tree_ = self._grow(np.arange(len(grow_rows)), depth=0,
                                available=np.ones(X.shape[1], dtype=bool))
        del self._X, self._y, self._w
        self.root_gains_ = self.tree_.gains if self.tree_.gains is not None else np.zeros(
            X.shape[1])
        if validation_rows is not None:
            self._prune(self.tree_, X[validation_rows], y_index[validation_rows])
        self._update_size()
        return self

    def reduced_error_prune(self, X_val, y_val):
        """Post-prune in place on a validation set (Quinlan's reduced-error pruning).

        Bottom-up, each internal node is replaced by a leaf (its training majority class)
        when the leaf makes no more validation errors than the subtree. Returns ``self``.
        Raises ValueError for NaN in ``X_val`` or labels of ``y_val`` unseen at fit.
        """
        check_is_fitted(self, ["tree_"])
        X_val = validate(self, X_val, reset=False)
        if len(y_val) != X_val.shape[0]:
            raise ValueError(f"X_val and y_val have different lengths: {X_val.shape[0]} and "
                             f"{len(y_val)}")
        y_val = check_labels_known(np.asarray(y_val), self.classes_, "y_val")
        self._prune(self.tree_, X_val, np.searchsorted(self.classes_, y_val))
        self._update_size()
        return self

    def _grow(self, rows: np.ndarray, depth: int, available: np.ndarray) -> _Node:
        y, w = self._y[rows], self._w[rows]
        counts = np.bincount(y, weights=w, minlength=len(self.classes_))
        node = _Node(counts, len(rows), depth)
        if (np.count_nonzero(counts) <= 1 or len(rows) < self.min_samples_split
                or (self.max_depth is not None and depth >= self.max_depth)):
            return node
        candidates = np.flatnonzero(available)
        if self._max_features is not None and self._max_features < len(candidates):
            candidates = np.sort(self._rng.choice(candidates, self._max_features, replace=False))
        if candidates.size == 0:
            return node
        parent_entropy = float(entropy_bits(counts))
        gains = np.full(self.n_features_in_, np.nan)
        thresholds = {}
        for j in candidates:
            column = self._X[rows, j]
            if self._categorical[j]:
                gains[j] = parent_entropy - _categorical_conditional_entropy(column, y, w, counts)
            else:
                gains[j], thresholds[j] = _best_threshold(column, y, w, counts, parent_entropy)
        node.gains = gains
        best_gain = np.nanmax(gains)
        if not np.isfinite(best_gain) or best_gain <= self.min_gain + _TIE:
            return node
        feature = int(np.flatnonzero(gains >= best_gain - _TIE)[0])
        node.feature, node.gain = feature, float(best_gain)
        column = self._X[rows, feature]
        if self._categorical[feature]:
            node.categories = self.categories_[feature]
            below = available.copy()
            below[feature] = False  # ID3: a categorical attribute is used once on a path
        else:
            node.threshold = float(thresholds[feature])
            below = available
        for mask in node.route(column):
            if mask.any():
                node.children.append(self._grow(rows[mask], depth + 1, below))
            else:  # the book's rule: an empty branch is a leaf of the parent's majority class
                child = _Node(counts, 0, depth + 1)
                node.children.append(child)
        return node

    # -- post-pruning ---------------------------------------------------------------------------
    def _prune(self, node: _Node, X: np.ndarray, y: np.ndarray) -> int:
        """Prune ``node``'s subtree on (X, y) (class indices); return the validation errors."""
        leaf_errors = int(np.count_nonzero(y != node.prediction))
        if node.is_leaf:
            return leaf_errors
        masks = node.route(X[:, node.feature])
        routed = np.zeros(len(y), dtype=bool)
        subtree_errors = 0
        for child, mask in zip(node.children, masks, strict=True):
            routed |= mask
            subtree_errors += self._prune(child, X[mask], y[mask])
        subtree_errors += int(np.count_nonzero(y[~routed] != node.prediction))  # unseen values
        if leaf_errors <= subtree_errors:
            node.make_leaf()
            return leaf_errors
        return subtree_errors

    # -- prediction -----------------------------------------------------------------------------
    def predict_proba(self, X) -> np.ndarray:
        """Class shares (training weights) of the leaf each row reaches, shape (n, classes)."""
        check_is_fitted(self, ["tree_"])
        return self._proba_checked(validate(self, X, reset=False))

    def _proba_checked(self, X: np.ndarray) -> np.ndarray:
        out = np.empty((X.shape[0], len(self.classes_)))
        self._fill(self.tree_, X, np.arange(X.shape[0]), out)
        return out

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)  # checks fitted first
        return self.classes_[np.argmax(proba, axis=1)]

    def _fill(self, node, X, rows, out) -> None:
        if node.is_leaf:
            total = node.counts.sum()
            out[rows] = node.counts / total if total > 0 else 1.0 / len(node.counts)
            return
        masks = node.route(X[rows, node.feature])
        routed = np.zeros(len(rows), dtype=bool)
        for child, mask in zip(node.children, masks, strict=True):
            routed |= mask
            if mask.any():
                self._fill(child, X, rows[mask], out)
        if not routed.all():  # a category value unseen at fit: stop at this node
            out[rows[~routed]] = node.counts / node.counts.sum()

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy; ValueError for labels of ``y`` unseen at fit."""
        check_is_fitted(self, ["tree_"])
        check_labels_known(np.asarray(y), self.classes_)
        return super().score(X, y, sample_weight=sample_weight)

    # -- description ----------------------------------------------------------------------------
    def _update_size(self) -> None:
        nodes = list(_walk(self.tree_))
        self.n_nodes_ = len(nodes)
        self.n_leaves_ = sum(node.is_leaf for node in nodes)
        self.depth_ = max(node.depth for node in nodes)

    def export_text(self, feature_names=None, class_names=None, value_names=None) -> str:
        """The tree as indented text. ``value_names``: {column: {code: name}} for categories."""
        check_is_fitted(self, ["tree_"])
        features = feature_names or [f"x{j}" for j in range(self.n_features_in_)]
        classes = class_names or [str(c) for c in self.classes_]
        values = value_names or {}
        lines: list[str] = []

        def describe(node, indent):
            if node.is_leaf:
                lines[-1] += f" -> {classes[node.prediction]}"
                return
            name = features[node.feature]
            if node.threshold is not None:
                labels = [f"{name} <= {node.threshold:.4g}", f"{name} > {node.threshold:.4g}"]
            else:
                labels = [f"{name} = {values.get(node.feature, {}).get(v, f'{v:g}')}"
                          for v in node.categories]
            for label, child in zip(labels, node.children, strict=True):
                lines.append("  " * indent + label)
                describe(child, indent + 1)

        if self.tree_.is_leaf:
            return f"(leaf) -> {classes[self.tree_.prediction]}"
        describe(self.tree_, 0)
        return "\n".join(lines)

    # -- checks ---------------------------------------------------------------------------------
    def _check_hyperparameters(self) -> None:
        if self.max_depth is not None:
            check_whole(self.max_depth, "max_depth", 0, "None for no limit")
        check_whole(self.min_samples_split, "min_samples_split", 2)
        if not isinstance(self.min_gain, numbers.Real) or not self.min_gain >= 0:
            raise ValueError(f"min_gain must be a number >= 0 (bits); got {self.min_gain!r}")
        if self.post_pruning not in (None, "reduced-error"):
            raise ValueError(
                f"post_pruning must be None or 'reduced-error'; got {self.post_pruning!r}")
        if self.post_pruning and not 0 < self.validation_fraction < 1:
            raise ValueError(
                f"validation_fraction must be in (0, 1); got {self.validation_fraction!r}")

    def _categorical_mask(self, n_features: int) -> np.ndarray:
        spec = self.categorical_features
        if spec is None:
            return np.zeros(n_features, dtype=bool)
        if isinstance(spec, str):
            if spec != "all":
                raise ValueError(f"categorical_features must be None, 'all' or column indices; "
                                 f"got {spec!r}")
            return np.ones(n_features, dtype=bool)
        spec = np.asarray(spec)
        if spec.dtype == bool:
            if spec.shape != (n_features,):
                raise ValueError(f"categorical_features as a mask needs {n_features} entries; "
                                 f"got shape {spec.shape}")
            return spec.copy()
        mask = np.zeros(n_features, dtype=bool)
        if spec.size and (spec.min() < 0 or spec.max() >= n_features):
            raise ValueError(f"categorical_features has a column index outside 0..{n_features - 1}")
        mask[spec.astype(int)] = True
        return mask

    def _resolve_max_features(self, n_features: int) -> int | None:
        m = self.max_features
        if m is None:
            return None
        if m == "sqrt":
            return max(1, int(np.sqrt(n_features)))
        if m == "log2":
            return max(1, int(np.log2(n_features)))
        if isinstance(m, numbers.Integral) and not isinstance(m, bool) and m >= 1:
            return min(int(m), n_features)
        if isinstance(m, numbers.Real) and 0 < m <= 1:
            return max(1, int(m * n_features))
        raise ValueError(
            f"max_features must be None, 'sqrt', 'log2', an int >= 1 or a share in (0, 1]; got {m!r}")

    @staticmethod
    def _sample_weight(sample_weight, n: int) -> np.ndarray:
        if sample_weight is None:
            return np.ones(n)
        weights = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if weights.shape != (n,):
            raise ValueError(f"sample_weight must have one weight per example ({n}); got "
                             f"shape {np.shape(sample_weight)}")
        if not np.all(np.isfinite(weights)) or (weights < 0).any():
            raise ValueError("sample_weight must be finite and >= 0")
        if weights.sum() <= 0:
            raise ValueError("sample_weight is zero for every example (the weights sum to 0); "
                             "at least one example needs weight > 0")
        return weights


def _walk(node: _Node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _categorical_conditional_entropy(column, y, w, counts) -> float:
    """sum_v |D^v| / |D| Ent(D^v) for a categorical column (weighted counts)."""
    values, inverse = np.unique(column, return_inverse=True)
    k = len(counts)
    table = np.bincount(inverse * k + y, weights=w, minlength=len(values) * k).reshape(-1, k)
    sizes = table.sum(axis=1)
    total = sizes.sum()
    return float(np.sum(sizes / total * entropy_bits(table)))


def _best_threshold(column, y, w, counts, parent_entropy) -> tuple[float, float]:
    """Largest Gain(D, [x <= t]) over midpoints t of consecutive distinct values (gain, t)."""
    order = np.argsort(column, kind="stable")
    sorted_values = column[order]
    k = len(counts)
    one_hot = np.zeros((len(order), k))
    one_hot[np.arange(len(order)), y[order]] = w[order]
    left = np.cumsum(one_hot, axis=0)[:-1]  # class weights with x <= sorted_values[i]
    valid = sorted_values[1:] > sorted_values[:-1]
    if not valid.any():
        return np.nan, np.nan  # a constant column cannot split
    left = left[valid]
    right = counts - left
    total = counts.sum()
    n_left, n_right = left.sum(axis=1), right.sum(axis=1)
    conditional = (n_left * entropy_bits(left) + n_right * entropy_bits(right)) / total
    gains = parent_entropy - conditional
    best = int(np.argmax(gains))
    i = np.flatnonzero(valid)[best]
    low, high = sorted_values[i], sorted_values[i + 1]
    threshold = (low + high) / 2
    if threshold >= high:  # low and high adjacent floats: the midpoint rounds up to high
        threshold = low
    return float(gains[best]), float(threshold)


# --- the worked table ---------------------------------------------------------------------------

#: Watermelon data set 2.0 (西瓜数据集 2.0): Zhou Zhihua, *Machine Learning* (机器学习),
#: Tsinghua University Press, 2016, Table 4.1 (17 melons, 6 categorical attributes, label
#: "good melon"). The book's worked example (section 4.2.1) gives Ent(D) = 0.998 and the
#: root gains Gain(D, 色泽) = 0.109, 根蒂 0.143, 敲声 0.141, 纹理 0.381, 脐部 0.289,
#: 触感 0.006 (bits), so ID3 splits the root on 纹理 (texture). The source documents (000)
#: give the formulas but no table; this is the standard worked table for them.
WATERMELON_2_HEADER = ("编号", "色泽", "根蒂", "敲声", "纹理", "脐部", "触感", "好瓜")
WATERMELON_2_ROWS = (
    (1, "青绿", "蜷缩", "浊响", "清晰", "凹陷", "硬滑", "是"),
    (2, "乌黑", "蜷缩", "沉闷", "清晰", "凹陷", "硬滑", "是"),
    (3, "乌黑", "蜷缩", "浊响", "清晰", "凹陷", "硬滑", "是"),
    (4, "青绿", "蜷缩", "沉闷", "清晰", "凹陷", "硬滑", "是"),
    (5, "浅白", "蜷缩", "浊响", "清晰", "凹陷", "硬滑", "是"),
    (6, "青绿", "稍蜷", "浊响", "清晰", "稍凹", "软粘", "是"),
    (7, "乌黑", "稍蜷", "浊响", "稍糊", "稍凹", "软粘", "是"),
    (8, "乌黑", "稍蜷", "浊响", "清晰", "稍凹", "硬滑", "是"),
    (9, "乌黑", "稍蜷", "沉闷", "稍糊", "稍凹", "硬滑", "否"),
    (10, "青绿", "硬挺", "清脆", "清晰", "平坦", "软粘", "否"),
    (11, "浅白", "硬挺", "清脆", "模糊", "平坦", "硬滑", "否"),
    (12, "浅白", "蜷缩", "浊响", "模糊", "平坦", "软粘", "否"),
    (13, "青绿", "稍蜷", "浊响", "稍糊", "凹陷", "硬滑", "否"),
    (14, "浅白", "稍蜷", "沉闷", "稍糊", "凹陷", "硬滑", "否"),
    (15, "乌黑", "稍蜷", "浊响", "清晰", "稍凹", "软粘", "否"),
    (16, "浅白", "蜷缩", "浊响", "模糊", "平坦", "硬滑", "否"),
    (17, "青绿", "蜷缩", "沉闷", "稍糊", "稍凹", "硬滑", "否"),
)
#: The book's published root gains (bits, 3 decimals), in column order.
WATERMELON_2_PUBLISHED_GAINS = {"色泽": 0.109, "根蒂": 0.143, "敲声": 0.141, "纹理": 0.381,
                                "脐部": 0.289, "触感": 0.006}
#: English names of the attributes (colour, root, knock sound, texture, navel, touch).
WATERMELON_2_ENGLISH = ("colour", "root", "knock", "texture", "navel", "touch")
#: The book's split of Table 4.1 for pruning (Table 4.2): training rows / validation rows (编号).
WATERMELON_2_TRAIN_IDS = (1, 2, 3, 6, 7, 10, 14, 15, 16, 17)
WATERMELON_2_VALIDATION_IDS = (4, 5, 8, 9, 11, 12, 13)


def watermelon_2() -> dict:
    """Table 4.1 encoded for :class:`ID3Classifier(categorical_features="all")`.

    Returns a dict: ``X`` (17, 6) float64 category codes (each attribute's values numbered in
    order of first appearance), ``y`` (1 = good melon 是, 0 = 否), ``ids`` (编号),
    ``feature_names`` (Chinese), ``value_names`` ({column: {code: value}}).
    """
    attributes = list(zip(*[row[1:7] for row in WATERMELON_2_ROWS], strict=True))
    codes, value_names = [], {}
    for j, column in enumerate(attributes):
        order = list(dict.fromkeys(column))
        value_names[j] = {float(i): v for i, v in enumerate(order)}
        codes.append([order.index(v) for v in column])
    return {
        "X": np.asarray(codes, dtype=np.float64).T,
        "y": np.asarray([1 if row[7] == "是" else 0 for row in WATERMELON_2_ROWS]),
        "ids": np.asarray([row[0] for row in WATERMELON_2_ROWS]),
        "feature_names": list(WATERMELON_2_HEADER[1:7]),
        "value_names": value_names,
    }
