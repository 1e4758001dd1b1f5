"""Claims calibrated for a topic's own settings: judged by default, "not checked" when overridden."""

from __future__ import annotations

import pytest

from tfref.topics._base import RunContext, TopicResult
from tfref.train import TrainOptions


def _ctx(tmp_path, **options) -> RunContext:
    return RunContext(TopicResult("t", "T", "A"), quick=True, seed=0, out_dir=tmp_path,
                      options=options)


def test_a_calibrated_claim_is_judged_under_the_topics_own_settings(tmp_path):
    ctx = _ctx(tmp_path)
    with ctx.calibrated_for("epochs"):
        assert ctx.claim_greater("accuracy > 0.9", 0.5, 0.9) is False
    assert ctx.result.claims[0].status == "failed" and not ctx.result.ok


@pytest.mark.parametrize("options", [{"epochs": 2}, {"train": TrainOptions(epochs=2)}])
def test_an_overridden_setting_leaves_the_claim_not_checked_and_the_topic_ok(tmp_path, options):
    ctx = _ctx(tmp_path, **options)
    with ctx.calibrated_for("epochs", "data"):
        assert ctx.claim_greater("accuracy > 0.9", 0.5, 0.9) is True  # the topic goes on
    ctx.claim_close("an identity outside the block", 1.0, 2.0)
    first, second = ctx.result.claims
    assert first.status == "not checked" and "--epochs" in first.reason
    assert first.to_json()["status"] == "not checked" and first.to_json()["measured"] == 0.5
    assert second.status == "failed", "a claim outside calibrated_for must still be judged"
    assert not ctx.result.ok


def test_only_the_settings_named_count(tmp_path):
    ctx = _ctx(tmp_path, data="iris")
    with ctx.calibrated_for("epochs"):
        ctx.claim_less("loss < 0.1", 0.5, 0.1)
    with ctx.calibrated_for("data"):
        ctx.claim_less("loss < 0.1 on the topic's data", 0.5, 0.1)
    assert [c.status for c in ctx.result.claims] == ["failed", "not checked"]


def test_calibrated_for_refuses_unknown_settings(tmp_path):
    with pytest.raises(ValueError, match="'epochs' and/or 'data'"), \
            _ctx(tmp_path).calibrated_for("learning_rate"):
        pass


def test_report_md_quotes_every_line_of_a_multi_line_note():
    """A table note (the errata topic's) stays one table inside the note's quote in report.md."""
    from tfref.report import build_results, default_meta, render_markdown
    from tfref.topics import TopicResult

    result = TopicResult("t", "T", "A")
    result.notes.append("| a | b |\n|---|---|\n| 1 | 2 |")
    data = build_results([result], default_meta(quick=True, seed=0, command="test"))
    text = render_markdown(data)
    assert "> | a | b |\n> |---|---|\n> | 1 | 2 |" in text, text


def test_figure_with_a_colorbar_over_all_axes_saves_without_a_layout_warning(tmp_path):
    """pooling's shared colorbar made tight_layout warn on the terminal; a figure asked for
    with layout="constrained" keeps that engine and saves quietly."""
    import warnings

    import numpy as np

    ctx = _ctx(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ctx.figure("shared-bar", ncols=3, layout="constrained") as (fig, axes):
            for ax in axes:
                image = ax.imshow(np.eye(3))
            fig.colorbar(image, ax=axes)
    assert (tmp_path / "plots" / "t-shared-bar.png").stat().st_size > 0
    with ctx.figure("plain") as (fig, ax):  # and the default still gets tight_layout
        ax.plot([0, 1])
        assert fig.get_layout_engine() is None
    assert ctx.result.plots == ["plots/t-shared-bar.png", "plots/t-plain.png"]
