"""Each erratum of the source documents: the right form satisfies the property, the wrong breaks it.

For every formula erratum, hypothesis draws inputs on which the correct form must satisfy the
property, and ``hypothesis.find`` must find an input on which the documents' form breaks it.
Every entry (formula, figure or text) is in docs/errata.md and in the errata topic's table, and
its quoted words stand on its seed:line in shared/seeds (where that directory is present).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spec_tests import strategies
from tfref.errata import ERRATA, errata_table, get_erratum
from tfref.report._format import note_table

FORMULAS = [e.number for e in ERRATA if e.kind == "formula"]
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def _nonzero_reals():
    return st.floats(-5, 5, allow_nan=False, allow_subnormal=False).filter(lambda x: abs(x) > 1e-3)


@st.composite
def _distribution_pairs(draw):
    p, q = draw(strategies.simplex_pairs(dtype=np.float64, q_positive=True))
    return p.reshape(-1, p.shape[-1])[0], q.reshape(-1, q.shape[-1])[0]


@st.composite
def _weights_and_lambda(draw):
    w = draw(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-3, 3, allow_subnormal=False)))
    lam = draw(st.floats(0.05, 1.0))
    w[0] = lam / 2  # at least one least-squares weight inside the threshold
    return w, lam


@st.composite
def _bernoulli_samples(draw):
    x = draw(hnp.arrays(np.int64, st.integers(2, 12), elements=st.integers(0, 1)))
    return x


@st.composite
def _quadratics(draw):
    n = draw(st.integers(1, 4))
    floats = st.floats(-3, 3, allow_subnormal=False)
    w = draw(hnp.arrays(np.float64, n, elements=floats))
    a = draw(hnp.arrays(np.float64, n, elements=st.floats(0.1, 5)))
    c = draw(hnp.arrays(np.float64, n, elements=floats))
    if np.allclose(w, c):
        w = c + 1.0  # the gradient must not vanish
    return w, a, c


_unit = st.floats(-1, 1, allow_subnormal=False)


@st.composite
def _bpn_batches(draw):
    """(X, Y, W, b) for one sigmoid layer; |h| <= 4 keeps central differences accurate."""
    n, d, k = draw(st.integers(1, 6)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    X = draw(hnp.arrays(np.float64, (n, d), elements=_unit)) / d
    Y = draw(hnp.arrays(np.int64, (n, k), elements=st.integers(0, 1))).astype(np.float64)
    return (X, Y, draw(hnp.arrays(np.float64, (d, k), elements=_unit)),
            draw(hnp.arrays(np.float64, (1, k), elements=_unit)))


@st.composite
def _neurons(draw):
    n = draw(st.integers(1, 6))
    floats = st.floats(-5, 5, allow_subnormal=False)
    return (draw(hnp.arrays(np.float64, n, elements=floats)),
            draw(hnp.arrays(np.float64, n, elements=floats)), draw(floats))


@st.composite
def _bpn_steps(draw):
    n, d, k = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    floats = st.floats(-2, 2, allow_subnormal=False)
    return (draw(hnp.arrays(np.float64, (n, d), elements=floats)),
            draw(hnp.arrays(np.int64, (n, k), elements=st.integers(0, 1))).astype(np.float64),
            draw(hnp.arrays(np.float64, (d, k), elements=floats)))


@st.composite
def _prediction_pairs(draw):
    n = draw(st.integers(1, 8))
    floats = st.floats(-10, 10, allow_subnormal=False)
    return (draw(hnp.arrays(np.float64, n, elements=floats)),
            draw(hnp.arrays(np.float64, n, elements=floats)))


_STRATEGIES = {
    1: _nonzero_reals(),
    2: _nonzero_reals(),
    3: _distribution_pairs(),
    4: _distribution_pairs(),
    5: _weights_and_lambda(),
    6: _bernoulli_samples(),
    7: _quadratics(),
    8: st.tuples(st.integers(1, 10**7), st.integers(1, 4096)),
    9: _bpn_batches(),
    10: st.floats(1e-3, 0.5),
    11: _neurons(),
    23: st.integers(1, 4).flatmap(lambda n: hnp.arrays(
        np.float64, (n, n), elements=st.floats(-3, 3, allow_subnormal=False))),
    26: _bpn_steps(),
    27: st.tuples(st.integers(1, 4), st.integers(1, 300), st.integers(1, 300)),
    30: _prediction_pairs(),
    34: st.tuples(st.floats(-5, 5, allow_subnormal=False), st.integers(1, 6), st.integers(1, 6)),
    36: hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(0, 10, allow_subnormal=False)),
}

# Where a property has inputs on which the wrong form happens to agree with the right one, the
# search is limited to inputs that tell them apart.
_DISTINGUISHING = {
    3: lambda pq: not np.allclose(*pq),
    4: lambda pq: float(-np.sum(pq[0][pq[0] > 0] * np.log(pq[0][pq[0] > 0]))) > 1e-6,
    6: lambda x: 0 < x.mean() < 1 and not np.isclose(x.mean(), 0.5),
}


def test_every_formula_erratum_has_a_strategy():
    assert sorted(_STRATEGIES) == sorted(FORMULAS)


@pytest.mark.parametrize("number", FORMULAS, ids=lambda n: f"erratum{n}")
def test_correct_form_satisfies_the_property(number):
    erratum = get_erratum(number)

    @given(_STRATEGIES[number])  # examples as the hypothesis profile says (dev 20, ci 40)
    def check(sample):
        assert erratum.holds(erratum.right, sample), f"correct form fails on {sample!r}"

    check()


@pytest.mark.parametrize("number", FORMULAS, ids=lambda n: f"erratum{n}")
def test_documents_form_breaks_the_property(number):
    erratum = get_erratum(number)
    distinguishing = _DISTINGUISHING.get(number, lambda sample: True)
    counterexample = find(_STRATEGIES[number],
                          lambda s: distinguishing(s) and not erratum.holds(erratum.wrong, s),
                          settings=settings(max_examples=500, database=None,
                                            phases=[Phase.generate]))  # the first one; no shrinking
    assert not erratum.holds(erratum.wrong, counterexample)
    assert erratum.holds(erratum.right, counterexample)


def test_errata_document_lists_every_erratum():
    text = (Path(__file__).resolve().parents[1] / "docs" / "errata.md").read_text(encoding="utf-8")
    rows = {int(m[0]): m[1] for m in re.findall(r"^\| (\d+) \| ([^|]+) \|", text, flags=re.MULTILINE)}
    assert sorted(rows) == sorted(e.number for e in ERRATA)
    for e in ERRATA:
        assert rows[e.number].strip() == e.where, f"erratum {e.number}: docs say {rows[e.number]!r}"


def test_every_entry_is_shown_and_tabled():
    for e in ERRATA:
        assert e.kind in ("formula", "figure", "text"), e.number
        assert re.fullmatch(r"00[0-4]:\d+", e.line), e.number
        if e.kind == "formula":
            assert e.wrong and e.right and e.holds and e.samples and e.property_text, e.number
        elif e.kind == "figure":
            assert e.figures is not None, e.number
        else:
            assert e.figures is not None or e.text_only, e.number
    header, rows = note_table(errata_table())
    assert header[:2] == ["#", "seed:line"]
    assert [(int(r[0]), r[1]) for r in rows] == [(e.number, e.where) for e in ERRATA]


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"source documents not at {SEEDS_DIR}")
def test_each_entry_quotes_its_seed_line():
    for e in ERRATA:
        seed, line = e.line.split(":")
        (path,) = SEEDS_DIR.glob(f"{seed}_*.txt")
        text = path.read_text(encoding="utf-8").split("\n")[int(line) - 1]
        assert e.quote and e.quote in text, f"erratum {e.number}: {e.quote!r} not on {e.line}"


def test_coth_form_is_outside_tanh_range_at_one():
    erratum = get_erratum(1)
    assert erratum.wrong(1.0) == pytest.approx(1 / np.tanh(1.0), rel=1e-12)
    assert erratum.right(1.0) == pytest.approx(np.tanh(1.0), rel=1e-12)


def test_report_html_shows_the_errata_table_as_a_table(tmp_path):
    from tfref.report import html

    topic = {"id": "errata", "title": "Errata", "chapter": "Errata", "seconds": 0.1, "ok": True,
             "plots": [], "claims": [], "error": None, "notes": ["A plain note.", errata_table()]}
    page = "\n".join(html._render_topic(topic, "Errata", tmp_path))
    assert "<p class='note'>A plain note.</p>" in page
    assert page.count("<table class='note-table'>") == 1
    assert page.count("<tr><td>") == len(ERRATA)
    assert "<td>KL(p || q) = -sum p log(p / q)</td>" in page  # the escaped pipes come back
