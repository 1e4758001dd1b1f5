"""Every topic of the catalogue in quick mode: its claims hold, its plots are written, the report is whole.

One ``tfref reproduce --quick`` run (module-scoped) feeds all the checks, as a user would run it.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from tfref import cli
from tfref.topics import CATALOGUE, get_topic

# Topics whose catalogue row asks for a figure.
PLOTTED = {"activations", "vanishing-exploding", "hidden-size", "differentiation", "descent-step",
           "information", "distributions", "losses", "errata", "ewma", "gd-variants",
           "linear-regression", "logistic-regression", "softmax-regression", "regularization",
           "optimizers", "hyperparameters", "perceptron", "bpn", "dropout", "init",
           "mlp", "overfitting", "blocks", "distribution-shift", "tabular-preprocessing",
           "train-test", "confusion", "batch-size", "device", "tensorboard",
           "text-preprocessing", "language-model", "kmeans", "knn", "meanshift", "anomaly",
           "pca-svd-ica", "model-search", "rnn-scratch", "sequence-model",
           "conv2d", "pooling", "segmentation", "decision-tree", "naive-bayes", "svm",
           "ensembles", "q-learning", "augmentation", "fine-tuning", "style-transfer",
           "lenet", "modern-cnn", "boxes-anchors", "ssd", "rcnn", "feature-scaling",
           "autodiff-modes", "universal-approximation", "activation-choice", "gmm-em",
           "semi-supervised", "sparse-autoencoder"}
CHAPTER_A = ["neuron", "activations", "forward-backward", "chain-rule", "differentiation", "descent-step",
             "linear-collapse", "vanishing-exploding", "hidden-size", "information", "distributions", "losses"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    code = cli.main(["reproduce", "--quick", "--seed", "0", "--out", str(out)])
    data = json.loads((out / "results.json").read_text())
    return code, out, data


def _topic(data, topic_id):
    matches = [t for t in data["topics"] if t["id"] == topic_id]
    assert matches, f"{topic_id} missing from results.json"
    return matches[0]


def test_chapter_a_is_complete_in_the_catalogue():
    assert set(CHAPTER_A) <= set(CATALOGUE)
    for topic_id in CHAPTER_A:
        module = get_topic(topic_id)
        assert module.CHAPTER == "A" and module.TITLE and module.__doc__
        assert "Deviations:" in module.__doc__, f"{topic_id} docstring lacks a Deviations: line"


@pytest.mark.parametrize("topic_id", list(CATALOGUE))
def test_topic_claims_hold_in_quick_mode(report, topic_id):
    _, _, data = report
    topic = _topic(data, topic_id)
    assert topic["error"] is None, topic["error"]
    assert topic["claims"], f"{topic_id} checks no claim"
    failed = [c for c in topic["claims"] if not c["ok"]]
    assert not failed, json.dumps(failed, indent=1)


@pytest.mark.parametrize("topic_id", sorted(PLOTTED))
def test_topic_writes_its_plots(report, topic_id):
    _, out, data = report
    topic = _topic(data, topic_id)
    assert topic["plots"], f"{topic_id} drew no plot"
    for plot in topic["plots"]:
        assert (out / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_activations_draws_one_plot_per_function(report):
    _, _, data = report
    plots = _topic(data, "activations")["plots"]
    for name in ["threshold", "sigmoid", "tanh", "linear", "relu", "leaky", "maxout", "softmax"]:
        assert any(name in p for p in plots), f"no plot for {name}: {plots}"


def test_reproduce_exits_0_when_every_claim_holds(report):
    code, _, data = report
    assert code == 0
    assert data["summary"]["topics_ok"] == data["summary"]["topics"] == len(CATALOGUE)


def test_results_json_has_the_documented_shape(report):
    _, _, data = report
    for topic in data["topics"]:
        assert {"id", "title", "chapter", "seconds", "plots", "claims"} <= set(topic)
        for claim in topic["claims"]:
            assert {"name", "expected", "measured", "tolerance", "ok"} <= set(claim)
            assert isinstance(claim["ok"], bool)


def test_html_report_is_self_contained_with_every_plot_embedded(report):
    _, out, data = report
    html = (out / "report.html").read_text()
    images = re.findall(r"src='data:image/(png|webp);base64,([A-Za-z0-9+/=]+)'", html)
    assert len(images) == sum(len(t["plots"]) for t in data["topics"])
    magic = {"png": b"\x89PNG", "webp": b"RIFF"}
    assert all(base64.b64decode(img)[:4] == magic[kind] for kind, img in images)
    assert "src='http" not in html and "href='http" not in html
    for topic in data["topics"]:
        assert f"id='{topic['id']}'" in html


def test_markdown_report_has_a_claim_table_per_topic(report):
    _, out, data = report
    markdown = (out / "report.md").read_text()
    for topic in data["topics"]:
        assert f"### {topic['id']}:" in markdown
    assert markdown.count("| claim | expected | measured | tolerance | ok |") == len(data["topics"])


def test_docs_sources_lists_each_documents_topics_as_the_code_declares_them():
    """docs/sources.md's per-document topic lists and counts are those of the topics' SEEDS."""
    import re
    from pathlib import Path

    from tfref.topics import CATALOGUE, get_topic

    text = (Path(__file__).resolve().parent.parent / "docs" / "sources.md").read_text()
    declared: dict[str, list[str]] = {}
    for topic_id in CATALOGUE:
        for seed in get_topic(topic_id).SEEDS:
            declared.setdefault(seed, []).append(topic_id)
    for seed, topic_ids in declared.items():
        section = text[text.index(f"## {seed}:"):]
        start = section.index("Topics: ") + len("Topics: ")
        listed = section[start:section.index(".\n", start)]
        assert " ".join(listed.split()).split(", ") == topic_ids, seed
        assert re.search(rf"^\| {seed} \|.*\| {len(topic_ids)} \|$", text, re.M), seed
