"""The confusion matrix and the rates read from it, with either class as the positive one.

Formulas (000, "model evaluation"), one class taken as positive and the rest negative:
    accuracy = (TP + TN) / n            error rate = 1 - accuracy
    recall = TPR = TP / (TP + FN)       precision = TP / (TP + FP)
    FPR = FAR = FP / (FP + TN)          FRR = FN / (TP + FN) = 1 - recall

Symbols -> names: the table -> ``ops.confusion_matrix`` (rows true, columns predicted, as
scikit-learn); the rates -> ``ops.accuracy``, ``ops.error_rate``, ``ops.recall``,
``ops.precision``, ``ops.false_positive_rate``, ``ops.false_rejection_rate``, each with
``pos_label``.

Deviations: 000 takes class 0 as the positive class; scikit-learn's default is class 1. Both are
computed here (``pos_label=0`` and ``pos_label=1``). 000's worked example (1000 samples, 900 of
class 1, 100 of class 0, a model answering 1 every time) is reproduced exactly; its precision
for class 0 is 0/0, which tfref reports as NaN (undefined) where scikit-learn warns and returns
0. The real-data part (not in 000) fits a logistic regression on the breast-cancer set, whose
class 0 is "malignant", so 000's convention reads as "malignant is positive". It trains through
tfref.train.fit with the command line's training options: ``tfref run confusion`` honours
--epochs, --checkpoint-dir/--resume, --logdir, --strategy and --device.

Expect: 000's example (900 of class 1, 100 of class 0): model 1 (850 ones and 50 zeros right,
matrix [[50, 50], [50, 850]]) and model 2 (always answers 1) both have accuracy 0.9, but class-0
recall 0.5 against 0, as scikit-learn computes them. Model 2 gives, with class 0 positive, recall 0 and precision NaN (0/0); with class 1 positive,
recall 1 and precision 0.9; all as scikit-learn. On the breast-cancer test set a logistic
regression reaches accuracy 0.974, confusion matrix [[39, 3], [0, 72]]: recall 0.929 and precision
1.000 with malignant positive, 1.000 and 0.960 with benign; the plot shows the matrices.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np

import tfref.ops as ops
from tfref.data import load_classification
from tfref.topics._base import RunContext
from tfref.train import fit

ID = "confusion"
TITLE = "Confusion matrix, accuracy, recall, precision, FPR/FAR and FRR with a chosen positive class"
CHAPTER = "H"
SEEDS = ("000",)
OPTIONS = ('epochs', 'checkpoint_dir', 'resume', 'logdir', 'strategy', 'device')  # the run options this topic honours (tfref run refuses others)

RATES = ("recall", "precision", "false_positive_rate", "false_rejection_rate")


def sklearn_rates(y_true, y_pred, pos_label: int) -> dict[str, float]:
    """The same rates from scikit-learn: recall and precision scores, FPR and FRR from its matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined precision: scikit-learn warns, returns nan
        cm = confusion_matrix(y_true, y_pred, labels=[1 - pos_label, pos_label])
        tn, fp, fn, tp = cm.ravel()
        return {
            "accuracy": accuracy_score(y_true, y_pred),
            "recall": recall_score(y_true, y_pred, pos_label=pos_label, zero_division=np.nan),
            "precision": precision_score(y_true, y_pred, pos_label=pos_label,
                                         zero_division=np.nan),
            "false_positive_rate": fp / (fp + tn) if fp + tn else np.nan,
            "false_rejection_rate": fn / (fn + tp) if fn + tp else np.nan,
        }


def tfref_rates(y_true, y_pred, pos_label: int) -> dict[str, float]:
    rates = {name: float(getattr(ops, name)(y_true, y_pred, pos_label=pos_label))
             for name in RATES}
    rates["accuracy"] = float(ops.accuracy(y_true, y_pred))
    rates["error_rate"] = float(ops.error_rate(y_true, y_pred))
    return rates


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-6


def thousand_sample_example(ctx: RunContext) -> np.ndarray:
    """000's example: 900 ones, 100 zeros, a model that always answers 1."""
    y_true = np.array([1] * 900 + [0] * 100)
    y_pred = np.ones(1000, dtype=np.int64)
    cm = ops.confusion_matrix(y_true, y_pred, num_classes=2).numpy()
    ctx.claim("1000-sample example: confusion matrix (rows true 0/1, columns predicted 0/1) = "
              "[[0, 100], [0, 900]]",
              np.array_equal(cm, [[0, 100], [0, 900]]), measured=cm.tolist())
    rates = {label: tfref_rates(y_true, y_pred, label) for label in (0, 1)}
    ctx.claim_close("always answering 1: accuracy 90%", rates[0]["accuracy"], 0.9, rtol=1e-6)
    ctx.claim_close("always answering 1: error rate 10%", rates[0]["error_rate"], 0.1, rtol=1e-6)
    ctx.claim_close("class 0 positive (000's convention): recall 0, not one case of class 0 found",
              rates[0]["recall"], 0.0)
    ctx.claim_close("class 0 positive: FRR = 1 - recall = 1", rates[0]["false_rejection_rate"], 1.0)
    ctx.claim_close("class 0 positive: FPR (FAR) = 0, no class-1 case is called 0",
              rates[0]["false_positive_rate"], 0.0)
    ctx.claim("class 0 positive: precision 0/0 is undefined (NaN)",
              np.isnan(rates[0]["precision"]), measured=rates[0]["precision"])
    ctx.claim_close("class 1 positive (scikit-learn's default): recall 1", rates[1]["recall"], 1.0)
    ctx.claim_close("class 1 positive: precision 0.9", rates[1]["precision"], 0.9, rtol=1e-6)
    ctx.claim_close("class 1 positive: FPR 1, every class-0 case accepted as 1",
              rates[1]["false_positive_rate"], 1.0)
    for label in (0, 1):
        theirs = sklearn_rates(y_true, y_pred, label)
        ctx.claim(f"1000-sample example, pos_label={label}: every rate equals scikit-learn's",
                  all(_same(rates[label][k], theirs[k]) for k in theirs),
                  measured={k: rates[label][k] for k in theirs})
    return cm


def model_one_beside_model_two(ctx: RunContext, always_one: np.ndarray) -> np.ndarray:
    """000's model 1: 850 of the 900 ones and 50 of the 100 zeros right (which ones drawn with
    the run's seed), beside model 2 (always 1): equal accuracy, different confusion matrices."""
    from sklearn.metrics import accuracy_score, confusion_matrix, recall_score

    y_true = np.array([1] * 900 + [0] * 100)
    y_pred = y_true.copy()
    rng = np.random.default_rng(ctx.seed)  # its own stream: the draws after it stay as they were
    wrong_ones = rng.choice(900, size=50, replace=False)
    wrong_zeros = 900 + rng.choice(100, size=50, replace=False)
    y_pred[wrong_ones], y_pred[wrong_zeros] = 0, 1
    ours = ops.confusion_matrix(y_true, y_pred, num_classes=2).numpy()
    theirs = confusion_matrix(y_true, y_pred, labels=[0, 1])
    ctx.claim("model 1 (850 ones and 50 zeros right): ops.confusion_matrix = sklearn's = "
              "[[50, 50], [50, 850]] (rows true 0/1)",
              np.array_equal(ours, theirs) and np.array_equal(ours, [[50, 50], [50, 850]]),
              measured=f"ops {ours.tolist()}, sklearn {theirs.tolist()}")
    accuracy_one = float(ops.accuracy(y_true, y_pred))
    accuracy_two = float(ops.accuracy(y_true, np.ones(1000, dtype=np.int64)))
    ctx.claim_close("model 1 and model 2 (always 1) have the same accuracy, 0.9 (ops.accuracy; "
                    "sklearn's accuracy_score for model 1)", [accuracy_one, accuracy_two,
                                                          accuracy_score(y_true, y_pred)],
                    [0.9, 0.9, 0.9], rtol=1e-6)
    recall_one = float(ops.recall(y_true, y_pred, pos_label=0))
    recall_two = float(ops.recall(y_true, np.ones(1000, dtype=np.int64), pos_label=0))
    ctx.claim_close("... but class-0 recall is 0.5 for model 1 and 0 for model 2 (ops.recall, "
                    "pos_label=0)", [recall_one, recall_two], [0.5, 0.0], atol=1e-6)
    ctx.claim_close("... the same recalls from sklearn's recall_score(pos_label=0)",
                    [recall_score(y_true, y_pred, pos_label=0),
                     recall_score(y_true, np.ones(1000, dtype=np.int64), pos_label=0)],
                    [recall_one, recall_two], atol=1e-12)
    ctx.claim("the two models' confusion matrices differ although their accuracies are equal",
              not np.array_equal(ours, always_one),
              measured=f"{ours.tolist()} vs {always_one.tolist()}")
    return ours


def breast_cancer_classifier(ctx: RunContext) -> tuple[np.ndarray, dict]:
    """Logistic regression on the breast-cancer set; its test confusion matrix and rates."""
    splits = load_classification("breast_cancer", seed=ctx.seed)
    ctx.note(f"Data: {splits.summary()}; class 0 = {splits.class_names[0]}, "
             f"class 1 = {splits.class_names[1]}.")
    train = ctx.train  # the command line's training options: --epochs, --checkpoint-dir, ...
    with train.model_scope():
        model = keras.Sequential([keras.Input((splits.x_train.shape[1],)), keras.layers.Dense(2)])
        optimizer = keras.optimizers.SGD(0.05)
    fit(model, splits.x_train, splits.y_train, batch_size=32, seed=ctx.seed,
        loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=optimizer, jit_compile=False, progress=False,
        **train.fit_kwargs(30 if ctx.quick else 100, name=ID))
    y_pred = np.argmax(model(splits.x_test, training=False).numpy(), axis=1)
    y_true = splits.y_test
    cm = ops.confusion_matrix(y_true, y_pred, num_classes=2).numpy()
    from sklearn.metrics import confusion_matrix

    ctx.claim("breast cancer test set: confusion matrix equals scikit-learn's",
              np.array_equal(cm, confusion_matrix(y_true, y_pred, labels=[0, 1])),
              measured=cm.tolist())
    rates = {label: tfref_rates(y_true, y_pred, label) for label in (0, 1)}
    for label in (0, 1):
        theirs = sklearn_rates(y_true, y_pred, label)
        ctx.claim(f"breast cancer, pos_label={label}: accuracy, recall, precision, FPR, FRR "
                  f"equal scikit-learn's", all(_same(rates[label][k], theirs[k]) for k in theirs),
                  measured={k: round(rates[label][k], 4) for k in theirs})
    with ctx.calibrated_for("epochs"):
        # Quick seeds 0-4: 0.974, 0.991, 0.982, 0.982, 0.974 -> floor 0.93 (lowest minus 0.044).
        ctx.claim_greater("logistic regression test accuracy (a model at the majority rate 0.63 "
                          "fails; floor: quick seeds 0-4 lowest 0.974 minus 0.044)",
                          rates[0]["accuracy"], 0.93)
    ctx.claim_close("the two conventions swap roles: recall of class 0 = 1 - FPR of class 1",
              rates[0]["recall"], 1.0 - rates[1]["false_positive_rate"], atol=1e-6)
    ctx.note(f"Breast cancer, malignant (class 0) positive: recall {rates[0]['recall']:.3f}, "
             f"precision {rates[0]['precision']:.3f}, FAR {rates[0]['false_positive_rate']:.3f}, "
             f"FRR {rates[0]['false_rejection_rate']:.3f}; benign (class 1) positive: recall "
             f"{rates[1]['recall']:.3f}, precision {rates[1]['precision']:.3f}.")
    return cm, rates


def run(ctx: RunContext) -> None:
    example = thousand_sample_example(ctx)
    model_one = model_one_beside_model_two(ctx, example)
    real, _ = breast_cancer_classifier(ctx)
    with ctx.figure("confusion", ncols=3, figsize=(13.0, 3.8)) as (fig, axes):
        for ax, cm, title in ((axes[0], model_one, "000's model 1: accuracy 0.9,\n"
                               "class-0 recall 0.5"),
                              (axes[1], example, "000's model 2 (always answer 1):\n"
                               "accuracy 0.9, class-0 recall 0"),
                              (axes[2], real, "logistic regression, breast cancer test set")):
            ax.imshow(cm, cmap="Blues")
            for (i, j), count in np.ndenumerate(cm):
                ax.text(j, i, str(count), ha="center", va="center",
                        color="white" if count > cm.max() / 2 else "black")
            ax.set_xticks([0, 1])
            ax.set_yticks([0, 1])
            ax.set_xlabel("predicted class")
            ax.set_ylabel("true class")
            ax.set_title(title, fontsize=9)


if __name__ == "__main__":  # python -m tfref.topics.confusion [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
