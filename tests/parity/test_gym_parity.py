"""Parity of our Gym locomotion envs (src/sim/tasks/gym, MuJoCo WASM) with Gymnasium's v4 envs (native MuJoCo).

For each task, 1,000 seeded uniform random actions in [-1, 1] are written to a .npy file and run through
`dppo trace --episodes 1000 --state each`: whenever an episode ends (Hopper and Walker2d fall every few
dozen steps under random actions) our env resets with the next seed and goes on, so the 1,000 actions are
covered in total. For every episode, Gymnasium's env is reset and then put into our start state with
`unwrapped.set_state(qpos, qvel)` (the reset noise comes from different generators, so it is copied, not
re-drawn), and the same actions are applied. Two comparisons, at every step:

1. Synced (all 1,000 steps): before each step Gymnasium's state is set to our state before that step, so
   every step's obs, reward, terminated, truncated and next state are checked from identical inputs.
2. Free-running (the first FREE_RUN_STEPS steps of every episode): Gymnasium integrates on its own from
   the start state, so errors that accumulate (a wrong parameter, a missed sub-step) show up as they grow.

Tolerances, and why:
- Both sides run the same engine version, MuJoCo 3.14.0 (@mujoco/mujoco and the `mujoco` wheel), on the
  same compiled model (our MJCF carries Gymnasium's numbers digit for digit). They are still not
  bit-identical: the WASM build and the native x86-64 build round differently in the last bit (different
  instruction selection and vectorised sums). Measured from identical states: |Δstate| ≤ 3e-13, |Δreward|
  ≤ 1e-14. Hence STATE_TOL = 1e-9 and REWARD_TOL = 1e-9 in the synced check.
- Our observations are float32 (the Env contract), Gymnasium's float64: the float32 rounding alone is up
  to 6e-8 relative. Hence OBS_RTOL = 1e-6, relative to max(1, |value|).
- The dynamics are chaotic, HalfCheetah's most of all (contacts under random torques): a 1e-16 difference
  grows about 1,000-fold every 25 steps (measured: Δreward 3e-13 at step 25, 3e-10 at step 50, 7e-6 at
  75, 0.2 at 125). A free-running comparison over 1,000 steps would therefore measure chaos, not
  correctness, so the free-running check covers the first 50 steps of each episode (Hopper and Walker2d
  episodes under random actions are mostly shorter than that) with FREE_OBS_RTOL = FREE_REWARD_TOL = 1e-6.
- terminated and truncated must match exactly in both checks.

Run with `node scripts/ensure-pyenv.mjs && .venv/bin/python -m pytest tests/parity -q` (part of `npm test`).
"""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import gymnasium as gym

# Gymnasium warns that the v4 envs are out of date (v5 changed the models); v4 is the one we reproduce.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]

# task id → (Gymnasium env id, action dim)
TASKS = {
    "hopper": ("Hopper-v4", 3),
    "walker2d": ("Walker2d-v4", 6),
    "halfcheetah": ("HalfCheetah-v4", 6),
}
N_ACTIONS = 1000
SEED = 0
FREE_RUN_STEPS = 50

OBS_RTOL = 1e-6
REWARD_TOL = 1e-9
STATE_TOL = 1e-9
FREE_OBS_RTOL = 1e-6
FREE_REWARD_TOL = 1e-6

def run_trace(task: str, actions_file: Path) -> list[dict]:
    cmd = [
        "node", "bin/dppo.mjs", "trace",
        "--task", task, "--seed", str(SEED), "--actions", str(actions_file),
        "--episodes", str(N_ACTIONS), "--state", "each", "--json",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"dppo trace failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def rel_err(ours, theirs) -> float:
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    return float(np.max(np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))))


@pytest.mark.parametrize("task", list(TASKS))
def test_gym_parity(task: str, tmp_path: Path) -> None:
    env_id, act_dim = TASKS[task]
    rng = np.random.default_rng(20261201)
    actions = rng.uniform(-1.0, 1.0, size=(N_ACTIONS, act_dim)).astype(np.float32)
    actions_file = tmp_path / "actions.npy"
    np.save(actions_file, actions)

    lines = run_trace(task, actions_file)
    summary = lines[-1]
    assert summary.get("final") is True, summary
    assert summary["steps"] == N_ACTIONS, f"trace ran {summary['steps']} of {N_ACTIONS} actions: {summary}"
    records = lines[:-1]

    synced = gym.make(env_id, disable_env_checker=True)  # with Gymnasium's TimeLimit(1000)
    free = gym.make(env_id, disable_env_checker=True)
    dev = {"obs_rel": 0.0, "reward": 0.0, "state": 0.0, "free_obs_rel": 0.0, "free_reward": 0.0}
    episodes = 0
    steps = 0
    prev = None  # our state before the current step
    free_alive = False
    k = 0  # step within the episode

    for rec in records:
        if "step" not in rec:  # a reset line: {episode, seed, qpos, qvel, obs}
            qpos, qvel = np.array(rec["qpos"]), np.array(rec["qvel"])
            for env in (synced, free):
                env.reset(seed=SEED + rec["episode"])
                env.unwrapped.set_state(qpos, qvel)
            err = rel_err(rec["obs"], synced.unwrapped._get_obs())
            assert err <= OBS_RTOL, f"{task} episode {rec['episode']}: reset obs differs by {err:.3g}"
            dev["obs_rel"] = max(dev["obs_rel"], err)
            prev, free_alive, k = rec, True, 0
            episodes += 1
            continue

        t = rec["step"]
        where = f"{task} action row {t} (episode {rec['episode']}, step {k + 1})"
        a = actions[t].astype(np.float64)  # the float32 values our env got, in Gymnasium's float64

        # 1. synced: from our state before the step.
        synced.unwrapped.set_state(np.array(prev["qpos"]), np.array(prev["qvel"]))
        obs, reward, terminated, truncated, _ = synced.step(a)
        err_obs = rel_err(rec["obs"], obs)
        err_rew = abs(rec["reward"] - reward)
        err_state = max(
            float(np.max(np.abs(np.array(rec["qpos"]) - synced.unwrapped.data.qpos))),
            float(np.max(np.abs(np.array(rec["qvel"]) - synced.unwrapped.data.qvel))),
        )
        assert err_obs <= OBS_RTOL, f"{where}: obs differs by {err_obs:.3g} (rel)"
        assert err_rew <= REWARD_TOL, f"{where}: reward {rec['reward']} vs Gymnasium {reward}"
        assert err_state <= STATE_TOL, f"{where}: qpos/qvel differ by {err_state:.3g}"
        assert rec["terminated"] == terminated, f"{where}: terminated {rec['terminated']} vs Gymnasium {terminated}"
        # Gymnasium's TimeLimit counts steps since reset(); set_state does not reset it, so it counts the episode too.
        assert rec["truncated"] == truncated, f"{where}: truncated {rec['truncated']} vs Gymnasium {truncated}"
        dev["obs_rel"] = max(dev["obs_rel"], err_obs)
        dev["reward"] = max(dev["reward"], err_rew)
        dev["state"] = max(dev["state"], err_state)

        # 2. free-running from the episode's start state.
        k += 1
        if free_alive and k <= FREE_RUN_STEPS:
            fobs, freward, fterm, ftrunc, _ = free.step(a)
            ferr_obs = rel_err(rec["obs"], fobs)
            ferr_rew = abs(rec["reward"] - freward)
            assert ferr_obs <= FREE_OBS_RTOL, f"{where}: free-running obs differs by {ferr_obs:.3g} (rel)"
            assert ferr_rew <= FREE_REWARD_TOL, f"{where}: free-running reward {rec['reward']} vs Gymnasium {freward}"
            assert rec["terminated"] == fterm and rec["truncated"] == ftrunc, f"{where}: free-running flags differ"
            dev["free_obs_rel"] = max(dev["free_obs_rel"], ferr_obs)
            dev["free_reward"] = max(dev["free_reward"], ferr_rew)
        else:
            free_alive = False

        prev = rec
        steps += 1

    assert steps == N_ACTIONS
    assert episodes == summary["episodes"]
    if task == "halfcheetah":
        assert episodes == 1, "HalfCheetah never terminates: 1,000 actions are one episode"
    print(f"\n{task}: {episodes} episodes, max deviations " + ", ".join(f"{k}={v:.3g}" for k, v in dev.items()))
    synced.close()
    free.close()
