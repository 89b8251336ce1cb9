"""D3IL Avoid on the mujoco backend through a real bridge process, against `dppo trace --task avoid-m2` (the
browser engine's AvoidEnv on MuJoCo WASM) for the same seed and actions: obs (desired xy, tip xy) within the
tests/parity tolerance, reward, truncation at 100 steps, the trace (tip xy) and the tags (row-3 gap, collided),
over episodes that collide with pillars, leave the x bounds, push past the workspace clamp, pass the rewarded
left-most gap (mode 5) and cross the finish line."""
import json
import subprocess

import numpy as np
import pytest

from bridgeproc import REPO, Bridge

OBS_RTOL = 1e-6  # tests/parity FREE_OBS_RTOL
REWARD_RTOL = 1e-6  # tests/parity FREE_REWARD_TOL, relative to max(1, |r|) (float32 transport)
SEED = 11
H = 100  # Avoid's horizon (spec/dppo-reference.md §7.3)
S = 0.01  # action bound


def rel_err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


def _episodes():
    """Five episodes of actions within ±0.01: upward random walk (pillar hits), a noisy route through the
    left-most row-3 gap to the finish line, a push right out of the x bounds and the workspace, a route
    through the right gap, and uniform noise."""
    rng = np.random.default_rng(20261202)
    eps = []
    a = rng.uniform(-S, S, (H, 2))
    a[:, 1] = np.clip(a[:, 1] + 0.006, -S, S)
    eps.append(a)
    # mode 5: up and left between the pillars (start 0.525, -0.28): to x 0.27 by y 0.2, then straight up.
    route = np.zeros((H, 2))
    route[:10] = (0.0, 0.009)
    route[10:40] = (-0.0085, 0.006)
    route[40:] = (0.0, 0.0095)
    eps.append(np.clip(route + rng.normal(0, 0.0005, route.shape), -S, S))
    a = rng.uniform(-S, S, (H, 2))
    a[:, 0] = S
    eps.append(a)
    route = np.zeros((H, 2))
    route[:30] = (0.0, 0.0095)
    route[30:45] = (0.007, 0.0)
    route[45:] = (0.0, 0.0095)
    eps.append(np.clip(route + rng.normal(0, 0.0005, route.shape), -S, S))
    eps.append(rng.uniform(-S, S, (H, 2)))
    return np.concatenate(eps).astype(np.float32)


@pytest.fixture(scope="module")
def bridge():
    with Bridge("--backend", "mujoco") as b:
        yield b


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    actions = _episodes()
    f = tmp_path_factory.mktemp("avoid") / "actions.npy"
    np.save(f, actions)
    cmd = ["node", "bin/dppo.mjs", "trace", "--task", "avoid-m2", "--seed", str(SEED), "--actions", str(f), "--episodes", "100", "--json"]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    assert lines[-1].get("final") is True and lines[-1]["steps"] == len(actions)
    steps = [l for l in lines if "step" in l]
    resets = [l for l in lines if "step" not in l and not l.get("final")]
    return actions, steps, resets


def _expected_tags(steps, rule):
    """Per step: (row-3 gap or -1, collided) from the browser's tip path, by the rules of modes.ts/reward.ts."""
    pillars = rule["pillars"]
    rr = rule["rod_radius"]
    row3 = [p["x"] for p in pillars[3:]]
    out = []
    gap, hit, ep = -1, False, None
    for rec in steps:
        if rec["episode"] != ep:
            gap, hit, ep = -1, False, rec["episode"]
        x, y = rec["obs"][2], rec["obs"][3]
        if gap < 0 and y >= rule["row_y"][2]:
            gap = 5 + sum(1 for bx in row3 if x >= bx)
        hit = hit or any((x - p["x"]) ** 2 + (y - p["y"]) ** 2 < (p["radius"] + rr) ** 2 for p in pillars)
        out.append((gap, hit))
    return out


def test_the_trace_covers_the_reward_cases(trace):
    _, steps, _ = trace
    rewards = {round(r["reward"], 6) for r in steps}
    assert {-0.1, 0.0, 1.0, 2.0} <= rewards, rewards  # collided/out of bounds, nothing, mode 5, mode 5 + goal
    assert sum(r["truncated"] for r in steps) == 5 and not any(r["terminated"] for r in steps)


def test_spec_and_tag_keys(bridge):
    c = bridge.connect()
    for task in ("avoid-m1", "avoid-m2", "avoid-m3"):
        spec = c.make(task=task, n_envs=2, act_steps=8, seed=0)
        s = spec["spec"]
        assert s["task_id"] == task
        assert (s["obs_dim"], s["act_dim"], s["max_episode_steps"]) == (4, 2, H)
        assert s["act_low"] == [-S, -S] and s["act_high"] == [S, S]
        assert s["control_dt"] == pytest.approx(0.035)
        assert (spec["trace_dim"], spec["tag_keys"]) == (2, ["row3Mode", "collided"])
    c.close()


def test_same_trajectory_as_dppo_trace(bridge, trace):
    """One env, act_steps 1: every env step against the browser engine's, with the reset inside the step."""
    actions, steps, resets = trace
    with open(REPO + "/bridge/dppo_bridge/assets/tasks.json") as f:
        rule = json.load(f)["tasks"]["avoid-m2"]["rule"]
    tags = _expected_tags(steps, rule)
    c = bridge.connect()
    c.make(task="avoid-m2", n_envs=1, act_steps=1, seed=SEED)
    obs = c.reset()
    assert rel_err(obs[0], resets[0]["obs"]) <= OBS_RTOL
    worst = 0.0
    for rec, (gap, hit) in zip(steps, tags):
        res = c.step(actions[rec["step"]][None, None, :])
        where = "action row %d (episode %d)" % (rec["step"], rec["episode"])
        assert not res["terminated"][0], where
        assert bool(res["truncated"][0]) == rec["truncated"], where
        assert abs(float(res["reward"][0]) - rec["reward"]) <= REWARD_RTOL * max(1.0, abs(rec["reward"])), where
        assert rel_err(res["trace"][0, 0], rec["obs"][2:]) <= OBS_RTOL, where  # the tip xy
        assert res["tags"][0].tolist() == [float(gap), float(hit)], where
        # at the horizon the env resets inside the step: the obs is the next episode's first (deterministic)
        want = resets[0]["obs"] if rec["truncated"] else rec["obs"]
        worst = max(worst, rel_err(res["obs"][0], want))
        assert worst <= OBS_RTOL, "%s: obs differs by %.3g" % (where, worst)
    c.close()


def test_chunks_of_three_over_three_envs(bridge, trace):
    """n_envs 3, act_steps 3 (100 = 33*3 + 1: the last chunk stops early at the horizon); env i plays episode i
    of the trace. Rewards are the chunk sums, the trace repeats its last point after the early stop."""
    actions, steps, resets = trace
    n, te = 3, 3
    by_ep = [[r for r in steps if r["episode"] == e] for e in range(n)]
    c = bridge.connect()
    c.make(task="avoid-m2", n_envs=n, act_steps=te, seed=SEED)
    obs = c.reset()
    for i in range(n):
        assert rel_err(obs[i], resets[0]["obs"]) <= OBS_RTOL
    t = 0
    while t < H:
        chunk = np.zeros((n, te, 2), np.float32)
        for i in range(n):
            rows = actions[i * H + t : i * H + min(H, t + te)]
            chunk[i, : len(rows)] = rows
        res = c.step(chunk)
        k = min(te, H - t)
        for i in range(n):
            recs = by_ep[i][t : t + k]
            assert int(res["executed"][i]) == k
            assert bool(res["truncated"][i]) == (t + k == H)
            total = 0.0
            for r in recs:
                total += r["reward"]
            assert abs(float(res["reward"][i]) - total) <= REWARD_RTOL * max(1.0, abs(total)), (i, t)
            for s, r in enumerate(recs):
                assert rel_err(res["trace"][i, s], r["obs"][2:]) <= OBS_RTOL, (i, t, s)
            assert np.all(res["trace"][i, k:] == res["trace"][i, k - 1])
            want = resets[0]["obs"] if t + k == H else recs[-1]["obs"]
            assert rel_err(res["obs"][i], want) <= OBS_RTOL, (i, t)
        t += k
    c.close()
