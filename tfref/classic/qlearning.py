"""Tabular Q-learning on a small grid world whose optimal policy is known from value iteration.

Q-learning (Watkins 1989; document 002 describes it as model-free learning of an action-value
function whose greedy policy is optimal for any finite MDP), after each step (s, a, r, s'):
    Q(s, a) <- Q(s, a) + alpha (r + gamma max_a' Q(s', a') - Q(s, a))    (max term 0 if s' ends)
Actions are epsilon-greedy in Q (ties broken at random). Value iteration (Bellman 1957) solves
the same MDP from its known model, independently of Q-learning:
    V(s) <- max_a [r(s, a) + gamma V(s')],   Q*(s, a) = r(s, a) + gamma V*(s')   (V = 0 at ends)
and its greedy policy argmax_a Q*(s, a) is the reference optimal policy.

SARSA (Rummery and Niranjan 1994; 002 lists it beside TD learning and Q-learning) is the
on-policy variant: it bootstraps from the action a' its own epsilon-greedy behaviour takes next,
    Q(s, a) <- Q(s, a) + alpha (r + gamma Q(s', a') - Q(s, a)),
so it learns the values of the epsilon-greedy policy it follows, while Q-learning learns those
of the greedy policy. ``epsilon_greedy_return`` evaluates a policy exactly (a linear solve over
the known model), independently of both learners.

Symbols -> names: Q -> QLearning.q_table_ (Sarsa.q_table_); alpha -> alpha; gamma -> gamma; epsilon ->
epsilon; V*, Q* -> GridWorld.value_iteration(gamma).

Honest note: the tabular update is a sequential scalar loop, so it is NumPy (a TensorFlow op
per step would only add overhead); value iteration is NumPy too. Neither uses the other.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator

from tfref.classic._base import check_is_fitted, check_positive_int, check_random_state_seed

__all__ = ["GridWorld", "QLearning", "Sarsa", "DEFAULT_LAYOUT", "CLIFF_LAYOUT", "ACTIONS",
           "epsilon_greedy_return"]

#: A 5 x 5 maze: S start, G goal (+1, ends), T trap (-1, ends), # wall. Its free cells form a
#: tree (no loops), so every cell has exactly one shortest way to G and the optimal action is
#: unique in every state (checked by the tests: the best Q* beats the second best).
DEFAULT_LAYOUT = (
    "S...G",
    ".####",
    "...#T",
    "##.#.",
    ".....",
)
#: Sutton and Barto's cliff walk (Example 6.6), 4 x 12: S bottom left, G bottom right, the
#: cliff T between them. Use it with GridWorld(CLIFF_LAYOUT, step_reward=-1, goal_reward=0,
#: trap_reward=-99): every step costs 1, a step into the cliff costs 100.
CLIFF_LAYOUT = (
    "............",
    "............",
    "............",
    "STTTTTTTTTTG",
)
#: Action index -> (row step, column step, arrow).
ACTIONS = ((-1, 0, "↑"), (0, 1, "→"), (1, 0, "↓"), (0, -1, "←"))


class GridWorld:
    """Deterministic grid world: moves into a wall or off the grid leave the agent in place.

    Every step costs ``step_reward``; entering G gives ``goal_reward`` and entering T gives
    ``trap_reward``, and both end the episode. States are the non-wall cells, numbered row by
    row (``cells[s]`` is (row, column)).
    """

    def __init__(self, layout=DEFAULT_LAYOUT, step_reward=-0.04, goal_reward=1.0,
                 trap_reward=-1.0):
        rows = [str(r) for r in layout]
        if not rows or len({len(r) for r in rows}) != 1:
            raise ValueError("layout must be a non-empty list of equal-length strings")
        if set("".join(rows)) - set(".#SGT"):
            raise ValueError("layout may only hold '.', '#', 'S', 'G' and 'T'")
        if "G" not in "".join(rows):
            raise ValueError("layout needs a goal cell 'G'")
        self.layout = tuple(rows)
        self.step_reward, self.goal_reward, self.trap_reward = step_reward, goal_reward, trap_reward
        self.cells = [(i, j) for i, row in enumerate(rows) for j, c in enumerate(row) if c != "#"]
        self.index = {cell: s for s, cell in enumerate(self.cells)}
        self.kind = [rows[i][j] for i, j in self.cells]
        self.terminal = np.array([k in "GT" for k in self.kind])
        starts = [s for s, k in enumerate(self.kind) if k == "S"]
        self.start = starts[0] if starts else 0
        self.n_states, self.n_actions = len(self.cells), len(ACTIONS)
        self.next_state, self.reward = self._model()

    def _model(self) -> tuple[np.ndarray, np.ndarray]:
        nxt = np.zeros((self.n_states, self.n_actions), dtype=int)
        reward = np.zeros((self.n_states, self.n_actions))
        for s, (i, j) in enumerate(self.cells):
            for a, (di, dj, _) in enumerate(ACTIONS):
                target = self.index.get((i + di, j + dj), s)  # wall or edge: stay
                nxt[s, a] = target
                reward[s, a] = self.step_reward + {"G": self.goal_reward, "T": self.trap_reward
                                                   }.get(self.kind[target], 0.0)
        return nxt, reward

    def step(self, state: int, action: int) -> tuple[int, float, bool]:
        target = int(self.next_state[state, action])
        return target, float(self.reward[state, action]), bool(self.terminal[target])

    def value_iteration(self, gamma: float, tol: float = 1e-12, max_sweeps: int = 10_000):
        """V* and Q* of the known model by repeated Bellman optimality backups (NumPy)."""
        if not 0 <= gamma < 1:
            raise ValueError(f"gamma must be in [0, 1) for value iteration; got {gamma}")
        value = np.zeros(self.n_states)
        for _ in range(max_sweeps):
            q = self.reward + gamma * np.where(self.terminal[self.next_state], 0.0,
                                               value[self.next_state])
            new = np.where(self.terminal, 0.0, q.max(axis=1))
            if np.max(np.abs(new - value)) < tol:
                value = new
                break
            value = new
        q = self.reward + gamma * np.where(self.terminal[self.next_state], 0.0,
                                           value[self.next_state])
        q[self.terminal] = 0.0
        return value, q

    def arrows(self, policy) -> list[str]:
        """The policy drawn as text rows (walls '#', G, T, one arrow per state)."""
        grid = [list(row) for row in self.layout]
        for s, (i, j) in enumerate(self.cells):
            if not self.terminal[s]:
                grid[i][j] = ACTIONS[int(policy[s])][2]
        return ["".join(row) for row in grid]


class QLearning(BaseEstimator):
    """Tabular Q-learning with epsilon-greedy exploration (exploring starts).

    Each episode starts in a random non-terminal state (so every state is visited; with
    ``exploring_starts=False`` in the start cell S) and runs until G or T or ``max_steps``.
    Args: alpha (step size), gamma (discount), epsilon (exploration), n_episodes, max_steps,
    random_state, exploring_starts.

    Attributes: q_table_ (states, actions), policy_ (greedy action per state), returns_
    (undiscounted return of each episode), episode_lengths_, q_snapshots_ (Q after each
    episode, (n_episodes + 1, states, actions); index 0 is the zero start).
    """

    #: SARSA bootstraps from the next action it takes (on-policy); Q-learning from the best.
    on_policy = False

    def __init__(self, alpha=0.5, gamma=0.9, epsilon=0.2, n_episodes=400, max_steps=100,
                 random_state=None, exploring_starts=True):
        self.alpha = alpha
        self.gamma = gamma
        self.epsilon = epsilon
        self.n_episodes = n_episodes
        self.max_steps = max_steps
        self.random_state = random_state
        self.exploring_starts = exploring_starts

    def _choose(self, q: np.ndarray, state: int, rng) -> int:
        """Epsilon-greedy in Q, ties broken at random."""
        if rng.random() < self.epsilon:
            return int(rng.integers(q.shape[1]))
        row = q[state]
        best = np.flatnonzero(row == row.max())
        return int(best[rng.integers(len(best))])  # the draw rng.choice(best) makes, cheaper

    def fit(self, env: GridWorld, y=None):
        if not isinstance(env, GridWorld):
            raise ValueError(f"env must be a GridWorld; got {type(env).__name__}")
        for name, low, high in (("alpha", 0.0, 1.0), ("gamma", 0.0, 1.0), ("epsilon", 0.0, 1.0)):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not low <= value <= high:
                raise ValueError(f"{name} must be a number in [{low}, {high}]; got {value!r}")
        n_episodes = check_positive_int(self.n_episodes, "n_episodes")
        max_steps = check_positive_int(self.max_steps, "max_steps")
        rng = np.random.default_rng(check_random_state_seed(self.random_state))
        q = np.zeros((env.n_states, env.n_actions))
        starts = np.flatnonzero(~env.terminal)
        snapshots = [q.copy()]
        returns, lengths = [], []
        for _ in range(n_episodes):
            state = int(rng.choice(starts)) if self.exploring_starts else env.start
            total, steps, action = 0.0, 0, None
            for steps in range(1, max_steps + 1):  # noqa: B007 (steps is read below)
                if action is None:  # Q-learning: behaviour from the updated Q
                    action = self._choose(q, state, rng)
                target, reward, done = env.step(state, action)
                next_action = None
                if done:
                    bootstrap = 0.0
                elif self.on_policy:  # SARSA: a' is chosen before Q(s, a) changes
                    next_action = self._choose(q, target, rng)
                    bootstrap = self.gamma * q[target, next_action]
                else:
                    bootstrap = self.gamma * q[target].max()
                q[state, action] += self.alpha * (reward + bootstrap - q[state, action])
                total += reward
                state, action = target, next_action
                if done:
                    break
            returns.append(total)
            lengths.append(steps)
            snapshots.append(q.copy())
        self.q_table_ = q
        self.policy_ = np.argmax(q, axis=1)
        self.returns_ = np.asarray(returns)
        self.episode_lengths_ = np.asarray(lengths)
        self.q_snapshots_ = np.stack(snapshots)
        self.n_states_ = env.n_states
        return self

    def greedy_return(self, env: GridWorld, start: int | None = None, max_steps: int = 100):
        """Undiscounted return of following the greedy policy from ``start`` (env.start)."""
        check_is_fitted(self, ["q_table_"])
        state, total = env.start if start is None else start, 0.0
        for _ in range(max_steps):
            state, reward, done = env.step(state, int(self.policy_[state]))
            total += reward
            if done:
                break
        return total

    def greedy_path(self, env: GridWorld, start: int | None = None, max_steps: int = 100):
        """The states the greedy policy visits from ``start`` (env.start), the last one included."""
        check_is_fitted(self, ["q_table_"])
        path = [env.start if start is None else start]
        for _ in range(max_steps):
            state, _, done = env.step(path[-1], int(self.policy_[path[-1]]))
            path.append(state)
            if done:
                break
        return path


class Sarsa(QLearning):
    """Tabular SARSA: as QLearning, but the target is r + gamma Q(s', a') with a' the action its
    epsilon-greedy behaviour takes in s' (on-policy TD control). Same arguments and attributes."""

    on_policy = True


def epsilon_greedy_return(env: GridWorld, q_table, epsilon: float, start: int | None = None,
                          gamma: float = 1.0) -> float:
    """Exact expected return from ``start`` (env.start) of the epsilon-greedy policy of
    ``q_table`` (greedy ties split evenly), by solving the Bellman equation of that policy,
    (I - gamma P_pi) V = r_pi over the non-terminal states, with the known model.

    ValueError when the policy does not reach a terminal state with probability 1 (singular
    system) or the arguments are malformed.
    """
    q = np.asarray(q_table, dtype=np.float64)
    if q.shape != (env.n_states, env.n_actions):
        raise ValueError(f"q_table must have shape ({env.n_states}, {env.n_actions}); got {q.shape}")
    if not 0.0 <= epsilon <= 1.0 or not 0.0 < gamma <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1] and gamma in (0, 1]; got {epsilon}, {gamma}")
    best = (q == q.max(axis=1, keepdims=True)).astype(float)
    pi = epsilon / env.n_actions + (1 - epsilon) * best / best.sum(axis=1, keepdims=True)
    live = np.flatnonzero(~env.terminal)
    position = {s: i for i, s in enumerate(live)}
    P = np.zeros((len(live), len(live)))
    r = np.zeros(len(live))
    for i, s in enumerate(live):
        for a in range(env.n_actions):
            r[i] += pi[s, a] * env.reward[s, a]
            target = int(env.next_state[s, a])
            if not env.terminal[target]:
                P[i, position[target]] += gamma * pi[s, a]
    system = np.eye(len(live)) - P
    if np.linalg.matrix_rank(system) < len(live):
        raise ValueError("the policy never ends from some state (gamma = 1 and no way to a "
                         "terminal cell); use epsilon > 0 or gamma < 1")
    value = np.linalg.solve(system, r)
    return float(value[position[env.start if start is None else start]])
