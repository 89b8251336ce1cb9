"""The Isaac Gym Furniture adapter through a real bridge process, with a NumPy env of FurnitureRLSimEnv's
vectorised interface injected (fake_furniture.py): shapes of spec §7.4 (58-D / 44-D state, 10-D action),
the 6-D rotation, sparse reward sums, time-limit truncation with the reset inside the step."""
import os
import subprocess
import sys

import numpy as np
import pytest

from bridgeproc import BRIDGE_ROOT, HERE, REPO, Bridge
from dppo_bridge.backends.isaacgym_backend import process_obs, quat_xyzw_to_rot6d

FACTORY = ["--backend", "isaacgym", "--isaacgym-env-factory", "fake_furniture:make_env"]


@pytest.fixture(scope="module")
def bridge():
    with Bridge(*FACTORY, env={"PYTHONPATH": BRIDGE_ROOT + os.pathsep + HERE}) as b:
        yield b


def test_rot6d_is_the_first_two_rows_of_the_rotation_matrix():
    rng = np.random.default_rng(0)
    for _ in range(20):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        x, y, z, w = q
        R = np.array([
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ])
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)
        np.testing.assert_allclose(quat_xyzw_to_rot6d(q), R[:2].reshape(6), atol=1e-12)
    obs = process_obs({"robot_state": np.zeros((2, 14)) + [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], "parts_poses": np.ones((2, 42))})
    assert obs.shape == (2, 58) and obs.dtype == np.float32
    np.testing.assert_allclose(obs[0, 3:9], [1, 0, 0, 0, 1, 0])


@pytest.mark.parametrize("task,obs_dim,horizon,success", [("furniture-one_leg-low", 58, 700, 1), ("furniture-lamp-med", 44, 1000, 2), ("furniture-round_table-low", 44, 1000, 2)])
def test_spec_shapes(bridge, task, obs_dim, horizon, success):
    c = bridge.connect()
    assert c.welcome["capabilities"]["isaacgym"] is True
    spec = c.make(task=task, n_envs=3, act_steps=8)
    s = spec["spec"]
    assert (s["obs_dim"], s["act_dim"], s["max_episode_steps"], s["best_reward_threshold_for_success"]) == (obs_dim, 10, horizon, success)
    assert (spec["trace_dim"], spec["tag_keys"]) == (0, [])
    obs = c.reset()
    assert obs.shape == (3, obs_dim)
    # +90 deg about z: R = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]
    np.testing.assert_allclose(obs[:, 3:9], np.tile([0, -1, 0, 1, 0, 0], (3, 1)), atol=1e-6)
    c.send({"op": "close_envs", "id": 50})
    assert c.recv()["op"] == "ok"
    c.close()


def test_chunks_rewards_and_truncation(bridge):
    c = bridge.connect()
    n, te, horizon = 4, 8, 20
    c.make(task="furniture-one_leg-low", n_envs=n, act_steps=te, max_episode_steps=horizon, seed=3)
    obs0 = c.reset()
    a = np.zeros((n, te, 10), np.float32)
    a[:, :, 0] = 0.2
    a[1, 5, 0] = 0.9  # env 1 assembles its part at sub-step 6 of the first chunk
    a[1, 6, 0] = 0.8
    r1 = c.step(a)
    assert r1["reward"].tolist() == [0, 1, 0, 0]  # sparse: once per episode
    assert r1["executed"].tolist() == [8] * n and not r1["truncated"].any() and not r1["terminated"].any()
    # parts_poses of the stand-in carry env_steps: 8 after one chunk
    np.testing.assert_allclose(r1["obs"][:, 16], 8.0, atol=1e-6)
    np.testing.assert_allclose(r1["obs"][:, :3], np.tile([0.2, 0, 0], (n, 1)), atol=1e-6)
    r2 = c.step(a)
    assert r2["reward"].tolist() == [0, 0, 0, 0]
    r3 = c.step(np.concatenate([a, a], axis=1))  # Ta = 16: only the first 8 run; the horizon ends at 4 of them
    assert r3["executed"].tolist() == [4] * n
    assert r3["truncated"].tolist() == [1] * n and r3["terminated"].tolist() == [0] * n
    # reset inside the step: the new episode's first obs (env_steps 0, a fresh random position)
    np.testing.assert_allclose(r3["obs"][:, 16], 0.0, atol=1e-6)
    assert np.all(np.abs(r3["obs"][:, :3]) <= 0.1) and not np.allclose(r3["obs"][:, :3], obs0[:, :3])
    c.close()


def test_one_env_set_per_process(bridge):
    a = bridge.connect()
    a.make(task="furniture-lamp-low", n_envs=2, act_steps=1)
    b = bridge.connect()
    b.send({"op": "make", "id": 1, "task": "furniture-lamp-low", "n_envs": 2, "act_steps": 1, "seed": 0})
    assert b.recv()["code"] == "busy"
    b.send({"op": "make", "id": 2, "task": "furniture-desk-low", "n_envs": 2, "act_steps": 1, "seed": 0})
    e = b.recv()
    assert e["code"] == "bad_request" and "furniture-one_leg-low" in e["message"]
    a.close()  # releases the env set
    for _ in range(50):
        b.send({"op": "make", "id": 3, "task": "furniture-lamp-low", "n_envs": 2, "act_steps": 1, "seed": 0})
        m = b.recv()
        if m["op"] == "spec":
            break
    assert m["op"] == "spec"
    b.close()


def test_without_isaacgym_the_cli_says_so():
    r = subprocess.run([sys.executable, "-m", "dppo_bridge.cli", "--backend", "isaacgym", "--port", "0"], capture_output=True, text=True, timeout=60, cwd=REPO, env={"PYTHONPATH": BRIDGE_ROOT, "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2 and "Isaac Gym" in r.stderr, r.stderr
