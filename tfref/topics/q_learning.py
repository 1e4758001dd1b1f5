"""Tabular Q-learning learns the optimal policy of a grid world solved by value iteration.

Formula (002: Q-learning is model-free; it learns an action-value function, and the greedy
policy of the learned function is optimal for a finite MDP):
    Q(s, a) <- Q(s, a) + alpha [r + gamma max_a' Q(s', a') - Q(s, a)]
    V*(s) = max_a [r(s, a) + gamma V*(s')]   (value iteration, from the known model)
    pi*(s) = argmax_a Q*(s, a)

Symbols -> names: Q -> QLearning.q_table_; alpha, gamma, epsilon -> QLearning(alpha, gamma,
epsilon); V*, Q* -> GridWorld.value_iteration(gamma); pi* -> argmax of Q*.

Deviations: 002 gives no MDP; the grid world is tfref's own 5 x 5 maze (start S, goal G +1,
trap T -1, step cost -0.04, deterministic moves) whose free cells form a tree, so the optimal
action is unique in every state. Exploring starts (each episode begins in a random state)
make every state visited. The tabular loop is NumPy (a scalar update per step).

Expect: after 1000 episodes Q-learning's greedy policy equals value iteration's in all 15
non-terminal states of the grid world, its values match V* to 2.8e-16, and the greedy return from S
equals the optimal 0.84. The plot shows returns, value error and both policies (--quick: 300
episodes, value error 3.6e-5).
"""

from __future__ import annotations

import numpy as np

from tfref.classic.qlearning import ACTIONS, GridWorld, QLearning
from tfref.topics._base import RunContext

ID = "q-learning"
TITLE = "Tabular Q-learning on a grid world with a known optimal policy"
CHAPTER = "G"
SEEDS = ("002",)
OPTIONS = ('epochs',)  # the run options this topic honours (tfref run refuses others)

GAMMA = 0.9


def run(ctx: RunContext) -> None:
    env = GridWorld()
    value, q_star = env.value_iteration(GAMMA)
    optimal = np.argmax(q_star, axis=1)
    states = np.flatnonzero(~env.terminal)
    ordered = np.sort(q_star[states], axis=1)
    gap = float(np.min(ordered[:, -1] - ordered[:, -2]))
    ctx.claim_greater("value iteration: the optimal action is unique in every state (smallest gap "
                "between the best and second-best Q*)", gap, 1e-3)
    bellman = np.max(np.abs(value[states] - np.max(
        env.reward[states] + GAMMA * np.where(env.terminal[env.next_state[states]], 0.0,
                                              value[env.next_state[states]]), axis=1)))
    ctx.claim_less("value iteration: V* satisfies the Bellman optimality equation (max residual)",
             bellman, 1e-9)

    episodes = ctx.options.get("epochs") or (300 if ctx.quick else 1000)
    agent = QLearning(alpha=0.5, gamma=GAMMA, epsilon=0.2, n_episodes=episodes,
                      random_state=ctx.seed).fit(env)
    agree = agent.policy_[states] == optimal[states]
    with ctx.calibrated_for("epochs"):
        ctx.claim(f"Q-learning's greedy policy equals value iteration's in all {len(states)} "
                  "non-terminal states", bool(agree.all()),
                  measured=f"{int(agree.sum())}/{len(states)} states agree")
        learned_value = agent.q_table_.max(axis=1)
        ctx.claim_less("max over states |max_a Q(s, a) - V*(s)| after learning", float(np.max(np.abs(
            learned_value[states] - value[states]))), 0.01)
        error = np.abs(agent.q_snapshots_.max(axis=2)[:, states] - value[states]).max(axis=1)
        ctx.claim_less("value error after learning / at the start (Q = 0)", error[-1] / error[0], 0.05)
        greedy = agent.greedy_return(env)
        optimal_return = _return(env, optimal)
        ctx.claim_close("greedy return from S equals the optimal return (undiscounted)", greedy,
                  optimal_return, atol=1e-9, rtol=0)
    ctx.note(f"Grid world ({env.n_states} cells, {len(states)} non-terminal), gamma {GAMMA}, "
             f"alpha 0.5, epsilon 0.2, {episodes} episodes with random starts. Value "
             "iteration's policy:\n" + "\n".join(env.arrows(optimal))
             + "\nQ-learning's greedy policy:\n" + "\n".join(env.arrows(agent.policy_)))
    _plot(ctx, env, agent, optimal, error)


def _return(env: GridWorld, policy) -> float:
    state, total = env.start, 0.0
    for _ in range(100):
        state, reward, done = env.step(state, int(policy[state]))
        total += reward
        if done:
            break
    return total


def _plot(ctx: RunContext, env, agent, optimal, error) -> None:
    from matplotlib.patches import Rectangle

    with ctx.figure("learning", ncols=2, figsize=(10.0, 4.2)) as (fig, (left, right)):
        returns = agent.returns_
        window = 20
        smooth = np.convolve(returns, np.ones(window) / window, mode="valid")
        left.plot(returns, color="C7", lw=0.5, label="return per episode")
        left.plot(np.arange(window - 1, len(returns)), smooth, color="C0",
                  label=f"mean of {window}")
        twin = left.twinx()
        twin.plot(error, color="C3", lw=1, label="max |max_a Q - V*|")
        twin.set_ylabel("max |max_a Q - V*|", color="C3")
        left.set_xlabel("episode (random start, epsilon-greedy)")
        left.set_ylabel("undiscounted return")
        left.set_title("Q-learning: returns and value error", fontsize=9)
        left.legend(fontsize=7, loc="lower right")
        rows, cols = len(env.layout), len(env.layout[0])
        right.set_xlim(-0.5, cols - 0.5)
        right.set_ylim(rows - 0.5, -0.5)
        right.set_aspect("equal")
        for i, row in enumerate(env.layout):
            for j, c in enumerate(row):
                color = {"#": "0.3", "G": "C2", "T": "C3"}.get(c, "white")
                right.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=color,
                                          edgecolor="0.7"))
                if c in "GT":
                    right.text(j, i, c, ha="center", va="center", color="white")
        for s, (i, j) in enumerate(env.cells):
            if env.terminal[s]:
                continue
            for policy, color, scale in ((optimal, "C1", 0.42), (agent.policy_, "C0", 0.3)):
                di, dj, _ = ACTIONS[int(policy[s])]
                right.arrow(j, i, dj * scale, di * scale, head_width=0.12, color=color,
                            length_includes_head=True)
        right.set_xticks([])
        right.set_yticks([])
        right.set_title("policy: value iteration (orange), Q-learning (blue)", fontsize=9)


if __name__ == "__main__":  # python -m tfref.topics.q_learning [--quick] [--seed N] [--out DIR] ...
    from tfref.topics._script import main

    raise SystemExit(main(ID))
