"""Estimators of chapter G, part b: ID3 tree, naive Bayes, linear SVM, ensembles, Q-learning.

Oracles: scikit-learn (GaussianNB, MultinomialNB, DecisionTreeClassifier, SGDClassifier,
AdaBoostClassifier), the published worked table of Zhou's *Machine Learning* (watermelon 2.0),
``tfref.ops.information_gain``, and, for Q-learning, value iteration checked in turn by solving
the Bellman equation of its greedy policy as a linear system.

scikit-learn's ``check_estimator`` suite runs on all seven classifiers
(``parametrize_with_checks``) and every check that applies passes; none is marked as an expected
failure. Checks that do not apply, and why:

- sample-weight checks run for ``ID3Classifier`` only: it is the only ``fit`` taking
  ``sample_weight`` (AdaBoost needs it); the others do not advertise it.
- sparse-input checks: none of these estimators accepts sparse X (dense TensorFlow/NumPy maths);
  scikit-learn skips them by the default tags.
- ``MultinomialNaiveBayes`` carries scikit-learn's own ``MultinomialNB`` tags: positive-only
  input and ``poor_score`` (the checks' Gaussian blobs are not counts, so the 0.83 training
  accuracy threshold of ``check_classifiers_train`` is not applied to it, as to MultinomialNB).
- ``LinearSVM`` has no ``predict_proba`` (the hinge loss gives no probabilities), so the
  probability checks do not run for it.
- Speed settings only: ``LinearSVM(max_iter=200)``, ``AdaBoostStumps(n_estimators=10)`` and
  three-member bagging/forests, so the suite stays quick; every check still passes with them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.ensemble import AdaBoostClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from tfref.classic import tree as id3
from tfref.classic._base import NotFittedError
from tfref.classic.ensemble import AdaBoostStumps, BaggingTrees, RandomForest
from tfref.classic.naive_bayes import GaussianNaiveBayes, MultinomialNaiveBayes
from tfref.classic.qlearning import GridWorld, QLearning
from tfref.classic.svm import LinearSVM, hinge_objective
from tfref.classic.tree import ID3Classifier
from tfref.ops.trees import information_gain

ESTIMATORS = [ID3Classifier(), GaussianNaiveBayes(), MultinomialNaiveBayes(),
              LinearSVM(max_iter=200), BaggingTrees(n_estimators=3, random_state=0),
              RandomForest(n_estimators=3, random_state=0), AdaBoostStumps(n_estimators=10)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def _split(loader, seed=0, scale=False):
    X, y = loader(return_X_y=True)
    parts = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    if scale:
        scaler = StandardScaler().fit(parts[0])
        parts[0], parts[1] = scaler.transform(parts[0]), scaler.transform(parts[1])
    return parts


# --- ID3 ----------------------------------------------------------------------------------------

def test_watermelon_gains_equal_the_book_and_the_tensorflow_op():
    data = id3.watermelon_2()
    X, y = data["X"], data["y"]
    published = np.array([id3.WATERMELON_2_PUBLISHED_GAINS[n] for n in data["feature_names"]])
    op = np.array([float(information_gain(y, X[:, j], base=2)) for j in range(6)])
    np.testing.assert_allclose(op, published, atol=1.5e-3)
    tree = ID3Classifier(categorical_features="all").fit(X, y)
    np.testing.assert_allclose(tree.root_gains_, op, atol=1e-6)
    assert data["feature_names"][tree.tree_.feature] == "纹理"
    assert (tree.n_nodes_, tree.n_leaves_, tree.depth_) == (14, 9, 4)  # Zhou, Fig. 4.4
    # The spec suite's hard-coded codes (test_trees) are this table's encoding.
    from spec_tests.test_trees import _MELON_COLUMNS, _MELON_GOOD
    np.testing.assert_array_equal(_MELON_GOOD, y)
    for j, name in enumerate(data["feature_names"]):
        np.testing.assert_array_equal(_MELON_COLUMNS[name][0], X[:, j])


def test_id3_threshold_gains_equal_the_op_on_the_thresholded_feature():
    """The NumPy threshold scan finds the best Gain(D, [x <= t]) over all midpoints t (a float64
    oracle scans them), and that gain is ops.information_gain's on the thresholded feature."""
    from spec_tests.test_trees import _gain64

    X, y = load_iris(return_X_y=True)
    tree = ID3Classifier(max_depth=1).fit(X, y)
    for j in range(4):
        values = np.unique(X[:, j])
        cuts = (values[:-1] + values[1:]) / 2
        gains = [_gain64(y, (X[:, j] <= t).astype(np.float64)) / np.log(2) for t in cuts]
        best = cuts[int(np.argmax(gains))]
        assert tree.root_gains_[j] == pytest.approx(max(gains), abs=1e-9)
        op = float(information_gain(y, (X[:, j] <= best).astype(np.float64), base=2))
        assert tree.root_gains_[j] == pytest.approx(op, abs=1e-6)
    assert tree.tree_.threshold == pytest.approx(2.45)  # petal length: setosa apart


@pytest.mark.parametrize("loader", [load_wine, load_breast_cancer])
def test_id3_numeric_accuracy_matches_sklearn_entropy_tree(loader):
    ours, theirs = [], []
    for seed in range(3):
        x_train, x_test, y_train, y_test = _split(loader, seed)
        ours.append(ID3Classifier().fit(x_train, y_train).score(x_test, y_test))
        reference = DecisionTreeClassifier(criterion="entropy", random_state=seed)
        theirs.append(reference.fit(x_train, y_train).score(x_test, y_test))
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.04, (ours, theirs)
    assert np.mean(ours) > 0.85


def test_reduced_error_pruning_shrinks_the_tree_without_losing_validation_accuracy():
    X, y = load_breast_cancer(return_X_y=True)
    x_pool, x_test, y_pool, y_test = train_test_split(X, y, test_size=0.25, random_state=1,
                                                      stratify=y)
    x_train, x_val, y_train, y_val = train_test_split(x_pool, y_pool, test_size=0.3,
                                                      random_state=1, stratify=y_pool)
    tree = ID3Classifier().fit(x_train, y_train)
    nodes, val_before, test_before = tree.n_nodes_, tree.score(x_val, y_val), tree.score(
        x_test, y_test)
    tree.reduced_error_prune(x_val, y_val)
    assert tree.n_nodes_ < 0.8 * nodes
    assert tree.score(x_val, y_val) >= val_before
    assert tree.score(x_test, y_test) >= test_before - 0.05
    inside = ID3Classifier(post_pruning="reduced-error", random_state=0).fit(x_pool, y_pool)
    assert inside.n_nodes_ < ID3Classifier().fit(x_pool, y_pool).n_nodes_


def test_pre_pruning_limits_depth_gain_and_split_size():
    X, y = load_wine(return_X_y=True)
    assert ID3Classifier(max_depth=0).fit(X, y).n_nodes_ == 1
    assert ID3Classifier(max_depth=2).fit(X, y).depth_ <= 2
    assert ID3Classifier(min_gain=10.0).fit(X, y).n_nodes_ == 1  # no split gains 10 bits
    full = ID3Classifier().fit(X, y)
    assert ID3Classifier(min_samples_split=40).fit(X, y).n_nodes_ < full.n_nodes_


def test_categorical_value_unseen_at_fit_stops_at_the_node():
    data = id3.watermelon_2()
    tree = ID3Classifier(categorical_features="all").fit(data["X"], data["y"])
    row = data["X"][:1].copy()
    row[0, 3] = 99.0  # a texture never seen: the root's class shares (9 bad, 8 good)
    np.testing.assert_allclose(tree.predict_proba(row), [[9 / 17, 8 / 17]])


# --- naive Bayes -----------------------------------------------------------------------------

@pytest.mark.parametrize("loader", [load_iris, load_wine, load_digits])
@pytest.mark.parametrize("var_smoothing", [1e-9, 1e-2])
def test_gaussian_naive_bayes_equals_sklearn(loader, var_smoothing):
    x_train, x_test, y_train, _ = _split(loader)
    ours = GaussianNaiveBayes(var_smoothing=var_smoothing).fit(x_train, y_train)
    theirs = GaussianNB(var_smoothing=var_smoothing).fit(x_train, y_train)
    np.testing.assert_allclose(ours.predict_proba(x_test), theirs.predict_proba(x_test),
                               atol=1e-6)
    np.testing.assert_allclose(ours.theta_, theirs.theta_, rtol=1e-10)
    np.testing.assert_allclose(ours.var_, theirs.var_, rtol=1e-10)


@pytest.mark.parametrize("loader", [load_iris, load_digits])
@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.01])
def test_multinomial_naive_bayes_equals_sklearn(loader, alpha):
    x_train, x_test, y_train, y_test = _split(loader)
    ours = MultinomialNaiveBayes(alpha=alpha).fit(x_train, y_train)
    theirs = MultinomialNB(alpha=alpha).fit(x_train, y_train)
    np.testing.assert_allclose(ours.predict_proba(x_test), theirs.predict_proba(x_test),
                               atol=1e-6)
    np.testing.assert_array_equal(ours.predict(x_test), theirs.predict(x_test))
    assert ours.score(x_test, y_test) > 0.6


# --- SVM -------------------------------------------------------------------------------------

def test_linear_svm_reaches_the_hinge_optimum_of_sgdclassifier():
    x_train, x_test, y_train, y_test = _split(load_breast_cancer, scale=True)
    alpha = 1e-2
    ours = LinearSVM(alpha=alpha, max_iter=1500).fit(x_train, y_train)
    sgd = SGDClassifier(loss="hinge", alpha=alpha, max_iter=2000, tol=None, average=True,
                        random_state=0).fit(x_train, y_train)
    signs = np.where(y_train == 1, 1.0, -1.0)[:, None]
    j_sgd = float(hinge_objective(sgd.coef_.T, sgd.intercept_, x_train, signs, alpha))
    history = ours.objective_history_
    assert history[0] == pytest.approx(1.0)
    assert ours.objective_ < 0.2 * history[0]
    assert np.mean(history[-150:]) < np.mean(history[1:151])
    assert ours.objective_ <= 1.05 * j_sgd
    assert ours.objective_ == pytest.approx(float(hinge_objective(
        ours.coef_.T, ours.intercept_, x_train, signs, alpha)), rel=1e-9)
    assert abs(ours.score(x_test, y_test) - sgd.score(x_test, y_test)) <= 0.03
    assert ours.score(x_test, y_test) > 0.9
    assert ours.margin_ == pytest.approx(2 / np.linalg.norm(ours.coef_))


def test_linear_svm_one_vs_rest_on_iris():
    x_train, x_test, y_train, y_test = _split(load_iris, scale=True)
    model = LinearSVM(alpha=1e-3).fit(x_train, y_train)
    assert model.coef_.shape == (3, 4) and model.decision_function(x_test).shape == (45, 3)
    assert model.score(x_test, y_test) > 0.8


# --- ensembles -------------------------------------------------------------------------------

def test_bagging_and_forest_beat_their_members_on_wine():
    x_train, x_test, y_train, y_test = _split(load_wine, seed=1)
    for model in (BaggingTrees(n_estimators=10, random_state=0),
                  RandomForest(n_estimators=15, random_state=0)):
        model.fit(x_train, y_train)
        members = np.mean(model.member_predictions(x_test) == y_test[None], axis=1)
        assert model.score(x_test, y_test) > members.mean(), type(model).__name__
        staged = model.staged_score(x_test, y_test)
        assert staged[-1] == pytest.approx(model.score(x_test, y_test))


def test_forest_is_deterministic_under_its_seed():
    x_train, x_test, y_train, _ = _split(load_wine)
    a = RandomForest(n_estimators=5, random_state=3).fit(x_train, y_train).predict_proba(x_test)
    b = RandomForest(n_estimators=5, random_state=3).fit(x_train, y_train).predict_proba(x_test)
    c = RandomForest(n_estimators=5, random_state=4).fit(x_train, y_train).predict_proba(x_test)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_adaboost_training_error_falls_and_matches_sklearn():
    x_train, x_test, y_train, y_test = _split(load_wine)
    boost = AdaBoostStumps(n_estimators=30).fit(x_train, y_train)
    error = np.mean(boost.staged_predict(x_train) != y_train[None], axis=1)
    assert error[-1] < 0.5 * error[0]
    stumps = np.mean(boost.member_predictions(x_test) == y_test[None], axis=1)
    assert boost.score(x_test, y_test) > stumps.max()
    reference = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1, criterion="entropy"),
                                   n_estimators=30, random_state=0).fit(x_train, y_train)
    assert abs(boost.score(x_test, y_test) - reference.score(x_test, y_test)) <= 0.03
    assert np.all((boost.estimator_errors_ > 0) & (boost.estimator_errors_ < 2 / 3))


# --- Q-learning ------------------------------------------------------------------------------

def test_value_iteration_solves_the_bellman_equation_of_its_policy():
    """V* of value iteration equals the exact value of its greedy policy, (I - gamma P)^-1 r."""
    env, gamma = GridWorld(), 0.9
    value, q_star = env.value_iteration(gamma)
    policy = np.argmax(q_star, axis=1)
    live = ~env.terminal
    transition = np.zeros((env.n_states, env.n_states))
    reward = np.zeros(env.n_states)
    for s in np.flatnonzero(live):
        target = env.next_state[s, policy[s]]
        reward[s] = env.reward[s, policy[s]]
        if live[target]:
            transition[s, target] = 1.0
    exact = np.linalg.solve(np.eye(env.n_states) - gamma * transition, reward)
    np.testing.assert_allclose(value[live], exact[live], atol=1e-9)
    ordered = np.sort(q_star[live], axis=1)
    assert np.min(ordered[:, -1] - ordered[:, -2]) > 1e-3  # a unique optimal action everywhere


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_q_learning_learns_the_optimal_policy(seed):
    env = GridWorld()
    value, q_star = env.value_iteration(0.9)
    live = ~env.terminal
    agent = QLearning(n_episodes=300, random_state=seed).fit(env)
    np.testing.assert_array_equal(agent.policy_[live], np.argmax(q_star, axis=1)[live])
    assert np.max(np.abs(agent.q_table_.max(axis=1) - value)[live]) < 0.01
    again = QLearning(n_episodes=300, random_state=seed).fit(env)
    np.testing.assert_array_equal(agent.q_table_, again.q_table_)


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_estimators_reject_nan_unknown_labels_and_predict_before_fit(estimator):
    estimator = clone(estimator)
    X, y = load_iris(return_X_y=True)
    with pytest.raises(NotFittedError, match="not fitted"):
        estimator.predict(X)
    assert issubclass(NotFittedError, ValueError)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"\bX\b.*NaN|NaN.*\bX\b"):
        estimator.fit(bad, y)
    fitted = estimator.fit(X, y)
    assert fitted is estimator
    with pytest.raises(ValueError, match=r"\bX\b.*NaN|NaN.*\bX\b"):
        estimator.predict(bad)
    with pytest.raises(ValueError, match="unseen at fit"):
        estimator.score(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match="features"):
        estimator.predict(X[:, :3])


def test_specific_rules_raise_value_errors_naming_the_argument():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="Negative values.*X"):
        MultinomialNaiveBayes().fit(X - 5.0, y)
    with pytest.raises(ValueError, match="y_val"):
        ID3Classifier().fit(X, y).reduced_error_prune(X, np.where(y == 2, 9, y))
    with pytest.raises(ValueError, match="max_depth"):
        ID3Classifier(max_depth=-1).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        LinearSVM(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="1 class"):
        LinearSVM().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="n_estimators"):
        BaggingTrees(n_estimators=0).fit(X, y)
    with pytest.raises(ValueError, match="gamma"):
        QLearning(gamma=1.5).fit(GridWorld())
    with pytest.raises(ValueError, match="layout"):
        GridWorld(layout=("S..", ".#"))


def test_gradient_boosting_and_stacking_equal_sklearn():
    """tfref.classic.boosting against GradientBoostingClassifier (binary and 3 classes: the
    per-round training loss) and StackingClassifier (same members, same folds)."""
    from sklearn.ensemble import GradientBoostingClassifier, StackingClassifier
    from sklearn.linear_model import LogisticRegression

    from tfref.classic.boosting import GradientBoosting, Stacking

    for loader, scale in ((load_breast_cancer, 2.0), (load_iris, 1.0)):
        X, y = loader(return_X_y=True)
        ours = GradientBoosting(n_estimators=8, random_state=0).fit(X, y)
        theirs = GradientBoostingClassifier(n_estimators=8, random_state=0).fit(X, y)
        np.testing.assert_allclose(scale * np.asarray(ours.train_loss_), theirs.train_score_,
                                   rtol=1e-9)
        assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=0.01)
    X, y = load_iris(return_X_y=True)
    members = [("nb", GaussianNaiveBayes()), ("tree", ID3Classifier(max_depth=2))]
    final = LogisticRegression(max_iter=1000)
    ours = Stacking(members, final, cv=3).fit(X, y)
    theirs = StackingClassifier(members, final_estimator=final, cv=3).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-9)
    for call, words in ((lambda: GradientBoosting(learning_rate=0).fit(X, y), "learning_rate"),
                        (lambda: GradientBoosting().fit(X, np.zeros(len(y))), "1 class"),
                        (lambda: Stacking(members, final, cv=1).fit(X, y), "cv"),
                        (lambda: Stacking([], final).fit(X, y), "estimators")):
        with pytest.raises(ValueError, match=words):
            call()
