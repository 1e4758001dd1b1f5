"""The semi-supervised topic's claims: medians over independent draws, not one lucky draw.

With one draw of 4 labels per run, self-training fell below its floors on quick seeds 9 and 17
and label propagation's gain on seed 12 (issue 11); the topic now claims medians over DRAWS
problems drawn from the run's seed. These tests check the draws and those three seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from tfref.runner import run_topic
from tfref.topics import semi_supervised as topic


def test_draws_repeat_for_a_seed_and_differ_within_a_run():
    first = [topic._draw(np.random.default_rng(3), 300) for _ in range(2)]
    again = [topic._draw(np.random.default_rng(3), 300) for _ in range(2)]
    for (X, _, labelled), (X2, _, labelled2) in zip(first, again):
        np.testing.assert_array_equal(X, X2)
        np.testing.assert_array_equal(labelled, labelled2)
    rng = np.random.default_rng(3)
    (X, _, labelled), (X2, _, labelled2) = topic._draw(rng, 300), topic._draw(rng, 300)
    assert not np.allclose(X, X2), "two draws of one run share their two-moons sample"
    assert not np.array_equal(labelled, labelled2), "two draws of one run share their labels"


def test_each_draw_labels_per_class_points_of_every_class():
    X, y, labelled = topic._draw(np.random.default_rng(0), 300)
    assert X.shape == (300, 2) and len(np.unique(labelled)) == 2 * topic.PER_CLASS
    assert np.bincount(y[labelled]).tolist() == [topic.PER_CLASS, topic.PER_CLASS]


@pytest.mark.parametrize("seed", [9, 12, 17])
def test_claims_hold_on_the_quick_seeds_where_one_draw_failed(seed, tmp_path):
    result = run_topic("semi-supervised", quick=True, seed=seed, out_dir=tmp_path)
    assert result.error is None, result.error
    failed = [(c.name, c.measured, c.expected) for c in result.claims if not c.ok]
    assert not failed, failed
