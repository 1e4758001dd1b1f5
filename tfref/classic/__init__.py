"""scikit-learn-contract estimators written in TensorFlow (chapters G and H).

Every estimator follows scikit-learn's contract: ``__init__`` only stores hyperparameters,
``fit`` returns ``self``, learned state lives in attributes ending in ``_``, randomness comes
from an explicit ``random_state``, and the classes inherit ``sklearn.base.BaseEstimator`` plus
the matching mixin so ``get_params``/``clone``/``GridSearchCV`` work. The arithmetic runs in
TensorFlow; public methods return NumPy arrays. Shared input checks live in
:mod:`tfref.classic._base`.
"""

from tfref.classic._base import NotFittedError, check_is_fitted, check_X, check_X_y
from tfref.classic.anomaly import GaussianAnomalyDetector, select_epsilon
from tfref.classic.apriori import apriori, association_rules
from tfref.classic.boosting import GradientBoosting, Stacking
from tfref.classic.decomposition import PCA, FastICA, svd
from tfref.classic.ensemble import AdaBoostStumps, BaggingTrees, RandomForest
from tfref.classic.kmeans import KMeans
from tfref.classic.knn import KNeighborsClassifier
from tfref.classic.meanshift import MeanShift
from tfref.classic.mixture import GaussianMixtureEM
from tfref.classic.naive_bayes import GaussianNaiveBayes, MultinomialNaiveBayes
from tfref.classic.qlearning import GridWorld, QLearning, Sarsa
from tfref.classic.semi_supervised import KernelVote, LabelPropagation, SelfTraining
from tfref.classic.svm import LinearSVM
from tfref.classic.tree import ID3Classifier

__all__ = [
    "AdaBoostStumps",
    "BaggingTrees",
    "FastICA",
    "GaussianAnomalyDetector",
    "GaussianMixtureEM",
    "GaussianNaiveBayes",
    "GradientBoosting",
    "GridWorld",
    "ID3Classifier",
    "KMeans",
    "KernelVote",
    "KNeighborsClassifier",
    "LabelPropagation",
    "LinearSVM",
    "MeanShift",
    "MultinomialNaiveBayes",
    "NotFittedError",
    "PCA",
    "QLearning",
    "RandomForest",
    "Sarsa",
    "SelfTraining",
    "Stacking",
    "apriori",
    "association_rules",
    "check_X",
    "check_X_y",
    "check_is_fitted",
    "select_epsilon",
    "svd",
]
