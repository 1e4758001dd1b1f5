"""Errata: the source documents' wrong formulas next to the right ones, each checked.

For every erratum of design/topics.md that chapter A can show (all but item 9), the correct
form must satisfy a property on every sample and the documents' form must break it on at least
one sample. See tfref/errata.py for the formulas and docs/errata.md for the prose.

Formula (per erratum):
    violations(right) = 0      and      violations(wrong) >= 1
Symbols: ``right``/``wrong`` are ``Erratum.right``/``Erratum.wrong``; a violation is a sample
where ``Erratum.holds`` is false.
Deviations: none; the documents' forms are evaluated exactly as written.

Expect: for errata 1-8 and 10 the correct form satisfies its property on every sample and the
documents' form breaks it on every sample (7 of 7 for each tanh form, 9 of 9 for the KL sign);
0.9^10 = 0.3487 against 1/e = 0.3679. Erratum 9 is shown by the bpn topic; the plot shows the tanh
forms and erratum 10's approximation.
"""

from __future__ import annotations

import math

import numpy as np

from tfref import ops
from tfref.errata import ERRATA, tanh_as_coth, tanh_misparenthesised
from tfref.topics._base import RunContext

ID = "errata"
TITLE = "Errata: where the source documents are wrong"
CHAPTER = "Errata"
SEEDS = ("000", "001", "002", "004")
OPTIONS = ()  # honours no run option (tfref run refuses them)


def run(ctx: RunContext) -> None:
    for erratum in ERRATA:
        label = f"erratum {erratum.number} ({erratum.seed}, {erratum.topic})"
        bad_right = erratum.violations(erratum.right)
        bad_wrong = erratum.violations(erratum.wrong)
        ctx.claim(f"{label}: correct form {erratum.right_text!r} satisfies '{erratum.property_text}'",
                  not bad_right, expected=f"0 of {len(erratum.samples)} samples violate",
                  measured=f"{len(bad_right)} of {len(erratum.samples)} violate")
        ctx.claim(f"{label}: documents' form {erratum.wrong_text!r} breaks it",
                  bool(bad_wrong), expected=">= 1 sample violates",
                  measured=f"{len(bad_wrong)} of {len(erratum.samples)} violate")

    # The right tanh is also tfref's own op.
    grid = np.linspace(-3, 3, 61)
    ctx.claim_close("erratum 1/2: tfref.ops.tanh equals (e^x - e^-x)/(e^x + e^-x)", ops.tanh(grid),
              (np.exp(grid) - np.exp(-grid)) / (np.exp(grid) + np.exp(-grid)), atol=1e-12, rtol=1e-12)
    ctx.claim_close("erratum 10: 0.9^10 (exact)", 0.9**10, 0.3486784401, rtol=1e-12)
    ctx.claim_close("erratum 10: 1/e (the documents' approximation)", 1 / math.e, 0.36787944117144233, rtol=1e-12)
    ctx.note("Erratum 9 (BPN gradients summed over the batch for weights but averaged for biases) "
             "is shown by the chapter C topic bpn.")

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


if __name__ == "__main__":  # python -m tfref.topics.errata [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
