"""Tabular Q-learning learns the optimal policy of a grid world; SARSA beside it on the cliff walk.

Formula (002: Q-learning is model-free; it learns an action-value function, and the greedy
policy of the learned function is optimal for a finite MDP):
    Q(s, a) <- Q(s, a) + alpha [r + gamma max_a' Q(s', a') - Q(s, a)]
    V*(s) = max_a [r(s, a) + gamma V*(s')]   (value iteration, from the known model)
    pi*(s) = argmax_a Q*(s, a)

SARSA (002:543-558 lists TD learning, SARSA and Q-learning) bootstraps from the action its
epsilon-greedy behaviour takes next instead of the best one:
    Q(s, a) <- Q(s, a) + alpha [r + gamma Q(s', a') - Q(s, a)],   a' ~ epsilon-greedy(Q, s')
On Sutton and Barto's cliff walk (Example 6.6: 4 x 12, each step -1, the cliff -100) this
gives the classic contrast: Q-learning learns the values of the greedy policy and its greedy
path runs along the cliff edge (optimal, 13 steps), but while exploring it falls in now and
then; SARSA learns the values of the epsilon-greedy policy it follows, its greedy path keeps
away from the edge, and its return during training is higher. The expected return of each
learned epsilon-greedy policy is also computed exactly (a linear solve over the known model,
tfref.classic.qlearning.epsilon_greedy_return), independently of the sampled returns.

Symbols -> names: Q -> QLearning.q_table_, Sarsa.q_table_; alpha, gamma, epsilon -> QLearning(alpha, gamma,
epsilon); V*, Q* -> GridWorld.value_iteration(gamma); pi* -> argmax of Q*.

Deviations: 002 gives no MDP; the grid world is tfref's own 5 x 5 maze (start S, goal G +1,
trap T -1, step cost -0.04, deterministic moves) whose free cells form a tree, so the optimal
action is unique in every state. Exploring starts (each episode begins in a random state)
make every state visited. The tabular loop is NumPy (a scalar update per step). Cliff walk:
stepping into the cliff ends the episode with -100 (Sutton and Barto send the agent back to the
start instead); alpha 0.5, epsilon 0.1, undiscounted, 500 episodes from S in quick and full
mode (--epochs sets the grid world's episodes only); the greedy policies are read from Q
averaged over the last 250 episodes, because with a constant alpha of 0.5 one exploratory fall
can flip an action of the last Q for a while.

Expect: after 1000 episodes Q-learning's greedy policy equals value iteration's in all 15
non-terminal states of the grid world, its values match V* to 2.8e-16, and the greedy return from S
equals the optimal 0.84. The plot shows returns, value error and both policies (--quick: 300
episodes, value error 3.6e-5). On the cliff walk Q-learning's greedy path is the 13-step edge
path (return -13, value iteration's optimum) and SARSA's the safe path along the top row
(return -17); during training SARSA's mean return over the last 250 episodes is about -35
against Q-learning's -40, and exactly evaluated their epsilon-greedy policies return -21.8 and
-37.3. The cliff plot shows both learning curves and both greedy paths.
"""

from __future__ import annotations

import numpy as np

from tfref.classic.qlearning import (
    ACTIONS,
    CLIFF_LAYOUT,
    GridWorld,
    QLearning,
    Sarsa,
    epsilon_greedy_return,
)
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

    episodes = ctx.train.epochs or (300 if ctx.quick else 1000)
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
    _cliff(ctx)


CLIFF_EPISODES, CLIFF_EPSILON, CLIFF_ALPHA = 500, 0.1, 0.5


def _cliff(ctx: RunContext) -> None:
    """SARSA beside Q-learning on the cliff walk (fixed 500 episodes; --epochs does not apply)."""
    env = GridWorld(CLIFF_LAYOUT, step_reward=-1.0, goal_reward=0.0, trap_reward=-99.0)
    _, q_star = env.value_iteration(0.99)
    optimal_return = _return(env, np.argmax(q_star, axis=1))
    agents, rows, returns, exact = {}, {}, {}, {}
    for name, cls in (("Q-learning", QLearning), ("SARSA", Sarsa)):
        agent = cls(alpha=CLIFF_ALPHA, gamma=1.0, epsilon=CLIFF_EPSILON, n_episodes=CLIFF_EPISODES,
                    max_steps=1000, random_state=ctx.seed, exploring_starts=False).fit(env)
        averaged = agent.q_snapshots_[CLIFF_EPISODES // 2:].mean(axis=0)
        agent.policy_ = np.argmax(averaged, axis=1)
        agents[name] = agent
        rows[name] = [env.cells[s][0] for s in agent.greedy_path(env)]
        returns[name] = float(agent.returns_[CLIFF_EPISODES // 2:].mean())
        exact[name] = epsilon_greedy_return(env, averaged, CLIFF_EPSILON)
    q_greedy, s_greedy = (agents[n].greedy_return(env) for n in ("Q-learning", "SARSA"))
    ctx.claim_close("cliff walk: Q-learning's greedy return equals value iteration's optimum "
                    "(the 13-step edge path)", q_greedy, optimal_return, atol=1e-9, rtol=0)
    edge = len(CLIFF_LAYOUT) - 2
    ctx.claim("cliff walk: Q-learning's greedy path never leaves the row next to the cliff",
              min(rows["Q-learning"]) == edge, measured=f"rows visited {sorted(set(rows['Q-learning']))}")
    # Seeds 0-7: SARSA's greedy path reaches row 0 (-17 or -19) in all; it must stay a row clear.
    ctx.claim("cliff walk: SARSA's greedy path reaches G and keeps at least one row between itself "
              "and the edge row (seeds 0-7: it reaches the top row)",
              s_greedy > -100 and min(rows["SARSA"]) < edge,
              measured=f"return {s_greedy:g}, rows visited {sorted(set(rows['SARSA']))}")
    ctx.claim_greater("cliff walk: greedy return Q-learning - SARSA (the optimal path is the edge)",
                      q_greedy - s_greedy, 0.0)
    # Seeds 0-7: SARSA - Q-learning mean online return 5.0-15.1; floor 2.5 (margin 2.5).
    ctx.claim_greater("cliff walk: mean return during training (last 250 epsilon-greedy episodes), "
                      "SARSA - Q-learning (seeds 0-7: >= 5.0; floor 2.5)",
                      returns["SARSA"] - returns["Q-learning"], 2.5)
    # Seeds 0-7: exact epsilon-greedy return SARSA - Q-learning 12.5-16.0; floor 10 (margin 2.5).
    ctx.claim_greater("cliff walk: exact expected return of each learned epsilon-greedy policy "
                      "(linear solve), SARSA - Q-learning (seeds 0-7: >= 12.5; floor 10)",
                      exact["SARSA"] - exact["Q-learning"], 10.0)
    ctx.note(f"Cliff walk (4 x 12, -1 a step, -100 into the cliff), alpha {CLIFF_ALPHA}, epsilon "
             f"{CLIFF_EPSILON}, {CLIFF_EPISODES} episodes from S. Mean return in the last 250: "
             f"SARSA {returns['SARSA']:.1f}, Q-learning {returns['Q-learning']:.1f}; exact "
             f"epsilon-greedy return: SARSA {exact['SARSA']:.1f}, Q-learning "
             f"{exact['Q-learning']:.1f}; greedy: SARSA {s_greedy:g}, Q-learning {q_greedy:g}.\n"
             "SARSA's greedy policy:\n" + "\n".join(env.arrows(agents["SARSA"].policy_))
             + "\nQ-learning's greedy policy:\n" + "\n".join(env.arrows(agents["Q-learning"].policy_)))
    _plot_cliff(ctx, env, agents)


def _plot_cliff(ctx: RunContext, env, agents) -> None:

    with ctx.figure("cliff", ncols=2, figsize=(11.0, 3.8)) as (fig, (left, right)):
        window = 20
        for (name, agent), color in zip(agents.items(), ("C3", "C0"), strict=True):
            smooth = np.convolve(agent.returns_, np.ones(window) / window, mode="valid")
            left.plot(np.arange(window - 1, len(agent.returns_)), smooth, color=color,
                      label=f"{name} (mean of {window})")
        left.set_ylim(-120, 0)
        left.set_xlabel("episode (epsilon-greedy, epsilon 0.1)")
        left.set_ylabel("return during training")
        left.set_title("cliff walk: online return", fontsize=9)
        left.legend(fontsize=7, loc="lower right")
        rows, cols = _draw_grid(right, env, {"G": "C2", "T": "0.35"}, edgecolor="0.8")
        for (name, agent), color, shift in zip(agents.items(), ("C3", "C0"), (0.08, -0.08),
                                               strict=True):
            path = np.array([env.cells[s] for s in agent.greedy_path(env)], dtype=float)
            right.plot(path[:, 1], path[:, 0] + shift, color=color, lw=2, label=f"{name} greedy")
        right.text(cols / 2, rows - 1, "cliff", ha="center", va="center", color="white")
        right.set_xticks([])
        right.set_yticks([])
        right.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2)
        right.set_title("greedy paths: Q-learning along the edge, SARSA the safe way", fontsize=9)


def _draw_grid(ax, env: GridWorld, colors: dict, *, edgecolor: str, letters: str = ""):
    """Draw ``env``'s layout on ``ax``, one square per cell coloured by ``colors`` (by the
    cell's letter, white otherwise), writing the ``letters`` cells' letter; (rows, cols)."""
    from matplotlib.patches import Rectangle

    rows, cols = len(env.layout), len(env.layout[0])
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    for i, row in enumerate(env.layout):
        for j, c in enumerate(row):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=colors.get(c, "white"),
                                   edgecolor=edgecolor))
            if c in letters:
                ax.text(j, i, c, ha="center", va="center", color="white")
    return rows, cols


def _return(env: GridWorld, policy) -> float:
    state, total = env.start, 0.0
    for _ in range(100):
        state, reward, done = env.step(state, int(policy[state]))
        total += reward
        if done:
            break
    return total


def _plot(ctx: RunContext, env, agent, optimal, error) -> None:

    with ctx.figure("learning", ncols=2, figsize=(10.0, 4.2)) as (fig, (left, right)):
        returns = agent.returns_
        window = min(20, len(returns))  # --epochs below 20 gives fewer episodes than that
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
        _draw_grid(right, env, {"#": "0.3", "G": "C2", "T": "C3"}, edgecolor="0.7", letters="GT")
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
