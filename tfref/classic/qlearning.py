"""Tabular Q-learning on a small grid world whose optimal policy is known from value iteration.

Q-learning (Watkins 1989; document 002 describes it as model-free learning of an action-value
function whose greedy policy is optimal for any finite MDP), after each step (s, a, r, s'):
    Q(s, a) <- Q(s, a) + alpha (r + gamma max_a' Q(s', a') - Q(s, a))    (max term 0 if s' ends)
Actions are epsilon-greedy in Q (ties broken at random). Value iteration (Bellman 1957) solves
the same MDP from its known model, independently of Q-learning:
    V(s) <- max_a [r(s, a) + gamma V(s')],   Q*(s, a) = r(s, a) + gamma V*(s')   (V = 0 at ends)
and its greedy policy argmax_a Q*(s, a) is the reference optimal policy.

Symbols -> names: Q -> QLearning.q_table_; alpha -> alpha; gamma -> gamma; epsilon ->
epsilon; V*, Q* -> GridWorld.value_iteration(gamma).

Honest note: the tabular update is a sequential scalar loop, so it is NumPy (a TensorFlow op
per step would only add overhead); value iteration is NumPy too. Neither uses the other.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator

from tfref.classic._base import check_is_fitted, check_positive_int, check_random_state_seed

__all__ = ["GridWorld", "QLearning", "DEFAULT_LAYOUT", "ACTIONS"]

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

    Each episode starts in a random non-terminal state (so every state is visited) and runs
    until G or T or ``max_steps``. Args: alpha (step size), gamma (discount), epsilon
    (exploration), n_episodes, max_steps, random_state.

    Attributes: q_table_ (states, actions), policy_ (greedy action per state), returns_
    (undiscounted return of each episode), episode_lengths_, q_snapshots_ (Q after each
    episode, (n_episodes + 1, states, actions); index 0 is the zero start).
    """

    def __init__(self, alpha=0.5, gamma=0.9, epsilon=0.2, n_episodes=400, max_steps=100,
                 random_state=None):
        self.alpha = alpha
        self.gamma = gamma
        self.epsilon = epsilon
        self.n_episodes = n_episodes
        self.max_steps = max_steps
        self.random_state = random_state

    def fit(self, env: GridWorld, y=None):
        if not isinstance(env, GridWorld):
            raise ValueError(f"env must be a GridWorld; got {type(env).__name__}")
        for name, low, high in (("alpha", 0.0, 1.0), ("gamma", 0.0, 1.0), ("epsilon", 0.0, 1.0)):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not low <= value <= high:
                raise ValueError(f"{name} must be a number in [{low}, {high}]; got {value!r}")
        for name in ("n_episodes", "max_steps"):
            check_positive_int(getattr(self, name), name)
        rng = np.random.default_rng(check_random_state_seed(self.random_state))
        q = np.zeros((env.n_states, env.n_actions))
        starts = np.flatnonzero(~env.terminal)
        snapshots = [q.copy()]
        returns, lengths = [], []
        for _ in range(self.n_episodes):
            state, total, steps = int(rng.choice(starts)), 0.0, 0
            for steps in range(1, self.max_steps + 1):  # noqa: B007 (steps is read below)
                if rng.random() < self.epsilon:
                    action = int(rng.integers(env.n_actions))
                else:
                    best = np.flatnonzero(q[state] == q[state].max())
                    action = int(rng.choice(best))
                target, reward, done = env.step(state, action)
                bootstrap = 0.0 if done else self.gamma * q[target].max()
                q[state, action] += self.alpha * (reward + bootstrap - q[state, action])
                total += reward
                state = target
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
