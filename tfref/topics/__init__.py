"""The topic catalogue: one module per topic of design/topics.md, in catalogue order.

``list_topics()`` returns the modules (each with ID, TITLE, CHAPTER, SEEDS and ``run``);
``get_topic(id)`` returns one or raises ValueError naming the ids that exist.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from tfref.topics._base import Claim, RunContext, TopicResult

# id -> module name under tfref.topics (or a full dotted module path), in catalogue order.
CATALOGUE: dict[str, str] = {
    # A. Foundations
    "neuron": "neuron",
    "activations": "activations",
    "forward-backward": "forward_backward",
    "chain-rule": "chain_rule",
    "differentiation": "differentiation",
    "autodiff-modes": "autodiff_modes",
    "descent-step": "descent_step",
    "linear-collapse": "linear_collapse",
    "vanishing-exploding": "vanishing_exploding",
    "hidden-size": "hidden_size",
    "information": "information",
    "distributions": "distributions",
    "losses": "losses",
    # B. Linear models and optimisation
    "linear-regression": "linear_regression",
    "logistic-regression": "logistic_regression",
    "softmax-regression": "softmax_regression",
    "regularization": "regularization",
    "gd-variants": "gd_variants",
    "ewma": "ewma",
    "optimizers": "optimizers",
    "hyperparameters": "hyperparameters",
    "feature-scaling": "feature_scaling",
    # C. Neural networks
    "perceptron": "perceptron",
    "mlp": "mlp",
    "universal-approximation": "universal_approximation",
    "activation-choice": "activation_choice",
    "bpn": "bpn",
    "dropout": "dropout",
    "init": "init",
    "overfitting": "overfitting",
    "blocks": "blocks",
    "distribution-shift": "distribution_shift",
    "tabular-preprocessing": "tabular_preprocessing",
    # D. Convolutional networks
    "conv2d": "conv2d",
    "pooling": "pooling",
    "lenet": "lenet",
    "modern-cnn": "modern_cnn",
    # E. Computer vision
    "augmentation": "augmentation",
    "fine-tuning": "fine_tuning",
    "boxes-anchors": "boxes_anchors",
    "ssd": "ssd",
    "rcnn": "rcnn",
    "segmentation": "segmentation",
    "style-transfer": "style_transfer",
    # F. Sequences
    "rnn-scratch": "rnn_scratch",
    "sequence-model": "sequence_model",
    "text-preprocessing": "text_preprocessing",
    "language-model": "language_model",
    # G. Classic machine learning
    "kmeans": "kmeans",
    "knn": "knn",
    "meanshift": "meanshift",
    "decision-tree": "decision_tree",
    "naive-bayes": "naive_bayes",
    "svm": "svm",
    "anomaly": "anomaly",
    "pca-svd-ica": "pca_svd_ica",
    "ensembles": "ensembles",
    "q-learning": "q_learning",
    "gmm-em": "gmm_em",
    "sparse-autoencoder": "sparse_autoencoder",
    "semi-supervised": "semi_supervised",
    # H. Model evaluation
    "train-test": "train_test",
    "confusion": "confusion",
    "model-search": "model_search",
    # I. Practice
    "batch-size": "batch_size",
    "device": "device",
    "tensorboard": "tensorboard",
    # Errata of the source documents that chapter A can show.
    "errata": "errata",
}

CHAPTERS = {
    "A": "Foundations",
    "B": "Linear models and optimisation",
    "C": "Neural networks",
    "D": "Convolutional networks",
    "E": "Computer vision",
    "F": "Sequences",
    "G": "Classic machine learning",
    "H": "Model evaluation",
    "I": "Practice",
    "Errata": "Where the source documents are wrong",
}


def topic_ids() -> list[str]:
    return list(CATALOGUE)


def get_topic(topic_id: str) -> ModuleType:
    """Import the module of ``topic_id``; ValueError lists the known ids when it is unknown."""
    if topic_id not in CATALOGUE:
        raise ValueError(f"unknown topic id {topic_id!r}; known ids: {', '.join(CATALOGUE)}")
    name = CATALOGUE[topic_id]
    module = importlib.import_module(name if "." in name else f"tfref.topics.{name}")
    if getattr(module, "ID", None) != topic_id:
        raise RuntimeError(f"topic module {module.__name__} declares ID {getattr(module, 'ID', None)!r}, "
                           f"not {topic_id!r}")
    return module


def list_topics() -> list[ModuleType]:
    return [get_topic(topic_id) for topic_id in CATALOGUE]


__all__ = ["CATALOGUE", "CHAPTERS", "Claim", "RunContext", "TopicResult", "get_topic", "list_topics", "topic_ids"]
