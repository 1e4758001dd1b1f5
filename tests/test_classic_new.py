"""Library code behind the topics added for issue 11 (EM, SARSA, ...), each against an oracle.

Oracles: scikit-learn's GaussianMixture from the same start (EM), scipy.stats.multivariate_normal
(the Gaussian log-density), a Monte-Carlo average of simulated episodes (the exact
epsilon-greedy return of tfref.classic.qlearning), scikit-learn's LabelPropagation and
SelfTrainingClassifier (tfref.classic.semi_supervised), a naive NumPy loop (the kernel vote).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from tfref.classic.mixture import GaussianMixtureEM, gaussian_log_density
from tfref.classic.qlearning import (
    CLIFF_LAYOUT,
    GridWorld,
    QLearning,
    Sarsa,
    epsilon_greedy_return,
)


def _blobs(seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal([0, 0], [1.0, 0.5], (60, 2)),
                      rng.normal([3, 2], [0.6, 1.2], (40, 2)),
                      rng.normal([-2, 3], 0.7, (30, 2))])


def test_em_equals_scikit_learn_from_the_same_start_and_never_lowers_the_likelihood():
    X = _blobs()
    w0, m0 = np.full(3, 1 / 3), X[[0, 70, 110]]
    c0 = np.repeat(np.cov(X.T, bias=True)[None], 3, axis=0)
    ours = GaussianMixtureEM(3, max_iter=100, tol=1e-9, weights_init=w0, means_init=m0,
                             covariances_init=c0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = GaussianMixture(3, max_iter=100, tol=1e-9, init_params="random_from_data",
                             weights_init=w0, means_init=m0,
                             precisions_init=np.linalg.inv(c0)).fit(X)
    assert ours.n_iter_ == sk.n_iter_
    np.testing.assert_allclose(ours.weights_, sk.weights_, atol=1e-9)
    np.testing.assert_allclose(ours.means_, sk.means_, atol=1e-9)
    np.testing.assert_allclose(ours.covariances_, sk.covariances_, atol=1e-9)
    np.testing.assert_allclose(ours.score_samples(X), sk.score_samples(X), atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
    assert np.diff(ours.log_likelihood_history_).min() >= -1e-12


def test_gaussian_log_density_equals_scipy():
    rng = np.random.default_rng(1)
    X, means = rng.normal(size=(7, 3)), rng.normal(size=(2, 3))
    A = rng.normal(size=(2, 3, 3))
    covs = A @ np.transpose(A, (0, 2, 1)) + 0.5 * np.eye(3)
    expected = np.stack([multivariate_normal(m, c).logpdf(X) for m, c in zip(means, covs,
                                                                              strict=True)], 1)
    np.testing.assert_allclose(gaussian_log_density(X, means, covs), expected, atol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_components": 0}, "n_components"),
    ({"n_components": 2, "weights_init": [0.7, 0.7]}, "weights_init"),
    ({"n_components": 2, "means_init": np.zeros((3, 2))}, "means_init"),
    ({"n_components": 2, "covariances_init": -np.ones((2, 2, 2))}, "covariances"),
    ({"n_components": 2, "tol": -1.0}, "tol"),
])
def test_em_refuses_bad_input_saying_what_was_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GaussianMixtureEM(**kwargs).fit(_blobs())


def test_exact_epsilon_greedy_return_equals_a_monte_carlo_average():
    env = GridWorld(CLIFF_LAYOUT, step_reward=-1.0, goal_reward=0.0, trap_reward=-99.0)
    q = Sarsa(alpha=0.5, gamma=1.0, epsilon=0.1, n_episodes=150, max_steps=1000,
              random_state=0, exploring_starts=False).fit(env).q_table_
    exact = epsilon_greedy_return(env, q, 0.1)
    rng = np.random.default_rng(0)
    best = q == q.max(axis=1, keepdims=True)
    totals = []
    for _ in range(1000):
        state, total, done = env.start, 0.0, False
        while not done:
            greedy = np.flatnonzero(best[state])
            action = (rng.integers(4) if rng.random() < 0.1
                      else greedy[rng.integers(len(greedy))])
            state, reward, done = env.step(state, int(action))
            total += reward
        totals.append(total)
    standard_error = np.std(totals) / np.sqrt(len(totals))
    assert abs(np.mean(totals) - exact) < 4 * standard_error, (np.mean(totals), exact)
    with pytest.raises(ValueError, match="never ends"):
        epsilon_greedy_return(env, np.zeros_like(q) + np.eye(4)[[0] * env.n_states], 0.0)


def test_sarsa_differs_from_q_learning_only_in_its_target():
    env = GridWorld()
    sarsa = Sarsa(n_episodes=50, random_state=0).fit(env)
    q_learning = QLearning(n_episodes=50, random_state=0).fit(env)
    assert sarsa.q_table_.shape == q_learning.q_table_.shape
    assert not np.allclose(sarsa.q_table_, q_learning.q_table_)


def test_label_propagation_equals_scikit_learn():
    from sklearn.datasets import make_moons
    from sklearn.semi_supervised import LabelPropagation as SklearnLabelPropagation

    from tfref.classic.semi_supervised import LabelPropagation

    X, y = make_moons(80, noise=0.1, random_state=0)
    partial = np.full(80, -1)
    partial[[0, 1, 2, 3]] = y[[0, 1, 2, 3]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SklearnLabelPropagation(gamma=20, max_iter=200).fit(X, partial)
    ours = LabelPropagation(gamma=20, max_iter=200).fit(X, partial)
    assert ours.n_iter_ == sk.n_iter_
    np.testing.assert_allclose(ours.label_distributions_, sk.label_distributions_, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X + 0.03), sk.predict_proba(X + 0.03),
                               atol=1e-12)
    with pytest.raises(ValueError, match="no labelled row"):
        LabelPropagation().fit(X, np.full(80, -1))


def test_scaling_equals_scikit_learn_and_descent_reaches_least_squares():
    from sklearn.preprocessing import MinMaxScaler

    from tfref.classic.scaling import (
        gradient_descent_least_squares,
        hessian_condition,
        min_max_scale,
    )

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(0, 10, 50), rng.uniform(0, 10000, 50)])
    y = X @ [3.0, 0.002] + 5 + rng.normal(size=50)
    scaled = min_max_scale(X)
    np.testing.assert_allclose(scaled, MinMaxScaler().fit_transform(X), atol=1e-12)
    Z = np.hstack([scaled, np.ones((50, 1))])
    assert hessian_condition(scaled)[2] == pytest.approx(np.linalg.cond(Z) ** 2, rel=1e-6)
    theta, losses = gradient_descent_least_squares(scaled, y, steps=3000)
    np.testing.assert_allclose(theta, np.linalg.lstsq(Z, y, rcond=None)[0], atol=1e-6)
    assert np.all(np.diff(losses) <= 1e-12)
    with pytest.raises(ValueError, match="constant"):
        min_max_scale(np.ones((5, 2)))


def test_relu_interpolant_equals_numpy_interp():
    from tfref.nn.approximation import relu_interpolant_weights

    knots = np.array([-1.0, -0.2, 0.5, 2.0])
    values = np.array([0.3, -1.0, 2.0, 0.0])
    w1, b1, w2, b2 = relu_interpolant_weights(knots, values)
    x = np.linspace(-1, 2, 61)
    net = (np.maximum(x[:, None] @ w1 + b1, 0) @ w2 + b2)[:, 0]
    np.testing.assert_allclose(net, np.interp(x, knots, values), atol=1e-12)
    with pytest.raises(ValueError, match="increasing"):
        relu_interpolant_weights([0.0, 0.0, 1.0], [1.0, 2.0, 3.0])


def _moons_with_four_labels(n=120, seed=0):
    from sklearn.datasets import make_moons

    X, y = make_moons(n, noise=0.1, random_state=seed)
    rng = np.random.default_rng(seed)
    labelled = np.concatenate([rng.choice(np.flatnonzero(y == c), 2, replace=False)
                               for c in (0, 1)])
    partial = np.full(n, -1)
    partial[labelled] = y[labelled]
    return X, y, partial


@pytest.mark.parametrize("base_name, threshold, max_iter", [
    ("kernel_vote", 0.9, 50), ("kernel_vote", 0.9, None), ("logistic", 0.7, 10),
    ("naive_bayes", 0.8, 2),
])
def test_self_training_equals_scikit_learns_self_training_classifier(base_name, threshold,
                                                                     max_iter):
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.semi_supervised import SelfTrainingClassifier

    from tfref.classic.semi_supervised import KernelVote, SelfTraining

    base = {"kernel_vote": KernelVote(gamma=20.0, prior=0.1), "logistic": LogisticRegression(),
            "naive_bayes": GaussianNB()}[base_name]
    for seed in (0, 1):
        X, _, partial = _moons_with_four_labels(seed=seed)
        ours = SelfTraining(base, threshold=threshold, max_iter=max_iter).fit(X, partial)
        sk = SelfTrainingClassifier(base, threshold=threshold, max_iter=max_iter).fit(X, partial)
        np.testing.assert_array_equal(ours.transduction_, sk.transduction_)
        np.testing.assert_array_equal(ours.labeled_iter_, sk.labeled_iter_)
        assert ours.n_iter_ == sk.n_iter_
        np.testing.assert_allclose(ours.predict_proba(X + 0.05), sk.predict_proba(X + 0.05),
                                   atol=1e-12, rtol=0)
        np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
        assert base is not ours.estimator_  # the base is cloned, never fitted in place


def test_self_training_labels_only_predictions_above_the_threshold():
    from tfref.classic.semi_supervised import KernelVote, SelfTraining

    X, _, partial = _moons_with_four_labels()
    one_round = SelfTraining(KernelVote(), threshold=0.9, max_iter=1).fit(X, partial)
    first = KernelVote().fit(X[partial != -1], partial[partial != -1]).predict_proba(X)
    added = one_round.labeled_iter_ == 1
    assert added.any() and not added.all()
    np.testing.assert_array_equal(added, (partial == -1) & (first.max(axis=1) > 0.9))
    assert one_round.termination_condition_ == "max_iter"


def test_kernel_vote_equals_a_naive_numpy_vote():
    from tfref.classic.semi_supervised import KernelVote

    rng = np.random.default_rng(0)
    X, y, queries = rng.normal(size=(30, 2)), rng.integers(0, 3, 30), rng.normal(size=(7, 2))
    expected = np.empty((7, 3))
    for q, x in enumerate(queries):
        for c in range(3):
            expected[q, c] = 0.1 + sum(np.exp(-2.0 * np.sum((x - X[i]) ** 2))
                                       for i in range(30) if y[i] == c)
        expected[q] /= expected[q].sum()
    vote = KernelVote(gamma=2.0, prior=0.1).fit(X, y)
    np.testing.assert_allclose(vote.predict_proba(queries), expected, atol=1e-14, rtol=0)


@pytest.mark.parametrize("kwargs, y, message", [
    ({"threshold": 1.0}, None, "threshold must be a probability in"),
    ({"threshold": -0.1}, None, "threshold must be a probability in"),
    ({"max_iter": 0}, None, "max_iter"),
    ({"max_iter": 2.5}, None, "max_iter"),
    ({}, "none", "no labelled row"),
    ({"estimator": "svc"}, None, "predict_proba"),
    ({"estimator": "bad_gamma"}, None, "gamma must be a finite number > 0"),
])
def test_self_training_refuses_bad_input_saying_what_was_wrong(kwargs, y, message):
    from sklearn.svm import SVC

    from tfref.classic.semi_supervised import KernelVote, SelfTraining

    X, _, partial = _moons_with_four_labels()
    named = {"svc": SVC(), "bad_gamma": KernelVote(gamma=-1.0)}
    estimator = named.get(kwargs.pop("estimator", None))
    labels = np.full(len(X), -1) if y == "none" else partial
    with pytest.raises(ValueError, match=message):
        SelfTraining(estimator, **kwargs).fit(X, labels)


def test_whole_number_rounds_accept_two_point_zero_as_two():
    from tfref.classic.semi_supervised import LabelPropagation, SelfTraining

    X, _, partial = _moons_with_four_labels()
    assert SelfTraining(max_iter=2.0).fit(X, partial).n_iter_ == SelfTraining(max_iter=2).fit(
        X, partial).n_iter_ <= 2
    assert LabelPropagation(max_iter=3.0).fit(X, partial).n_iter_ == 3
