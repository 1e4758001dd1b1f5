"""Errata: every error of the source documents, each shown by a property or a computed figure.

The 41 entries of tfref/errata.py (docs/errata.md is the reader's table): topics.md's ten
(1-10) and fidelity.md section B's 31 (11-41), each cited as seed:line in shared/seeds.

Formula (per formula entry):
    violations(right) = 0      and      violations(wrong) >= 1
Symbols: ``right``/``wrong`` are ``Erratum.right``/``Erratum.wrong``; a violation is a sample
where ``Erratum.holds`` is false. A figure entry's claim compares a value computed by tfref or an
independent library (tf.GradientTape, keras, scikit-learn, scipy, numpy, datetime, matplotlib)
with the correct value, the document's value beside it; where the document states a number, a
second claim says it is off the computed one.
Deviations: none; the documents' forms are evaluated exactly as written. Text-only entries (a
mistranslation, a reason no computation decides: 000:39, 003:49, 004:39) are notes.

Expect: for the 17 formula entries the correct form satisfies its property on every sample and
the documents' form breaks it on at least one (7 of 7 for each tanh form, 9 of 9 for the KL
sign); every figure claim holds, e.g. 0.25^5 = 0.0009765625 by GradientTape through five sigmoid
layers (document 0.0009), theta_99's EWMA weight 0.09 (document 0.081), day 180 = 29 June
(document: late May), least-squares slope 0.586 vs orthogonal-regression slope 1.0 on
standardised diabetes BMI, a 20-layer ReLU net at 2 x He init multiplying the gradient by > 1e5.
A table note lists every entry (seed:line, the document says, correct, how shown). The plots show
the tanh forms and erratum 10's approximation; least squares beside orthogonal regression (22);
the EWMA weights of v_100 with theta_99's and the third line (39, 41).
"""

from __future__ import annotations

import math

import numpy as np

from tfref import ops
from tfref.errata import ERRATA, Erratum, errata_table, tanh_as_coth, tanh_misparenthesised
from tfref.topics._base import RunContext

ID = "errata"
TITLE = "Errata: where the source documents are wrong"
CHAPTER = "Errata"
SEEDS = ("000", "001", "002", "003", "004")
OPTIONS = ()  # honours no run option (tfref run refuses them)


def _formula_claims(ctx: RunContext, erratum: Erratum) -> None:
    label = f"{erratum.line} (erratum {erratum.number}, {erratum.topic})"
    bad_right = erratum.violations(erratum.right)
    bad_wrong = erratum.violations(erratum.wrong)
    n = len(erratum.samples)
    ctx.claim(f"{label}: correct form {erratum.right_text!r} satisfies '{erratum.property_text}'",
              not bad_right, expected=f"0 of {n} samples violate",
              measured=f"{len(bad_right)} of {n} violate")
    ctx.claim(f"{label}: the document's form {erratum.wrong_text!r} breaks it", bool(bad_wrong),
              expected=">= 1 sample violates", measured=f"{len(bad_wrong)} of {n} violate")


def _figure_claims(ctx: RunContext, erratum: Erratum) -> None:
    label = f"{erratum.line} (erratum {erratum.number})"
    for fig in erratum.figures(ctx.seed):
        document = f"{fig.document:.6g}" if isinstance(fig.document, float) else fig.document
        shown = f" [the document: {document}]" if document is not None else ""
        name = f"{label}: {fig.what}{shown}"
        if fig.relation == "close":
            ctx.claim_close(name, fig.computed, fig.correct, atol=fig.atol, rtol=fig.rtol)
        elif fig.relation == "greater":
            ctx.claim_greater(name, fig.computed, fig.correct)
        elif fig.relation == "less":
            ctx.claim_less(name, fig.computed, fig.correct)
        else:
            ctx.claim(name, fig.holds(), expected=fig.correct, measured=fig.computed)
        differs = fig.document_differs()
        if differs is not None:
            ctx.claim(f"{label}: the document's {fig.document:.6g} is off the computed value",
                      differs, expected=f"differs from {fig.document:.6g} by > 0.1%",
                      measured=float(fig.computed))


def run(ctx: RunContext) -> None:
    for erratum in ERRATA:
        if erratum.kind == "formula":
            _formula_claims(ctx, erratum)
        if erratum.figures is not None:
            _figure_claims(ctx, erratum)
        else:
            if erratum.kind == "text":
                ctx.note(f"{erratum.where} (erratum {erratum.number}, text only): the document "
                         f"says {erratum.wrong_text}; correct: {erratum.right_text}. "
                         f"{erratum.text_only[:1].upper()}{erratum.text_only[1:]}.")

    # The right tanh is also tfref's own op.
    grid = np.linspace(-3, 3, 61)
    ctx.claim_close("000:28 (erratum 1/2): tfref.ops.tanh equals (e^x - e^-x)/(e^x + e^-x)",
                    ops.tanh(grid), (np.exp(grid) - np.exp(-grid)) / (np.exp(grid) + np.exp(-grid)),
                    atol=1e-12, rtol=1e-12)
    ctx.note("Erratum 9 (002's BPN sums the weight gradients over the batch but averages the bias "
             "gradients) is also trained both ways by the chapter C topic bpn; 26-28 (002's BPN "
             "code) are shown here with small computations of their own.")
    ctx.note(errata_table())

    with ctx.figure("tanh-forms", ncols=2, figsize=(9, 3.4)) as (_, (left, right)):
        x = np.linspace(-3, 3, 601)
        x_no_zero = np.where(np.abs(x) < 0.05, np.nan, x)
        left.plot(x, np.tanh(x), label="tanh (right)", linewidth=2)
        left.plot(x, tanh_as_coth(x_no_zero), "--", label="000: (e^x+e^-x)/(e^x-e^-x) = coth")
        left.plot(x, tanh_misparenthesised(x), ":", label="002 as written = sigmoid(2x)")
        left.set_ylim(-4, 4)
        left.axhspan(-1, 1, color="0.92")
        left.set_title("Errata 1 and 2: tanh")
        left.set_xlabel("x")
        left.legend(fontsize=7)
        eps = np.logspace(-3, -0.3, 100)
        right.semilogx(eps, (1 - eps) ** (1 / eps), label="(1 - eps)^(1/eps)")
        right.axhline(1 / math.e, color="k", linestyle="--", label="1/e")
        right.plot([0.1], [0.9**10], "o", label="0.9^10 = 0.3487")
        right.set_xlabel("eps = 1 - beta")
        right.set_title("Erratum 10: an approximation")
        right.legend(fontsize=7)

    with ctx.figure("section-b", ncols=2, figsize=(9, 3.4)) as (_, (left, right)):
        from sklearn.datasets import load_diabetes

        data = load_diabetes()
        x, y = data.data[:, 2], data.target
        x, y = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
        slope = float(np.sum(x * y) / np.sum(x * x))
        line = np.array([-2.5, 4.0])
        left.plot(x, y, ".", markersize=3, color="0.6")
        left.plot(line, slope * line, label=f"least squares (vertical), slope {slope:.3f}")
        left.plot(line, line, "--", label="least perpendicular distances, slope 1")
        left.set_xlabel("BMI (standardised)")
        left.set_ylabel("progression (standardised)")
        left.set_title("002:400: least squares is not orthogonal")
        left.legend(fontsize=7)
        weights = np.asarray(ops.ewma_weights(np.float64(0.9), 100))[::-1][:25]  # k days back
        right.bar(np.arange(25), weights, color="0.7", label="weight of theta_(100-k) in v_100")
        right.plot([1], [0.1 * 0.9**2], "rx", label="004:143: theta_99 as 0.1 x 0.9^2")
        right.axhline(0.1 / 3, color="k", linestyle=":", label="a third of today's weight")
        right.axvline(10, color="C1", linestyle="--", label="004:149: 10 days back")
        right.set_xlabel("days back k")
        right.set_title("EWMA weights, beta = 0.9")
        right.legend(fontsize=7)


if __name__ == "__main__":  # python -m tfref.topics.errata [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
