"""The mujoco backend through a real bridge process: spec/reset/step round trips, the browser's MultiStep
semantics, and the same trajectory as `dppo trace` (the browser engine's Hopper on MuJoCo WASM) for the same
seed and actions, within the tolerances of tests/parity (obs 1e-6 relative; the reward arrives as float32,
so 1e-6 relative too)."""
import json
import subprocess

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed

from bridgeproc import REPO, Bridge
from dppo_bridge.protocol import KIND_STEP, encode_frame

OBS_RTOL = 1e-6  # tests/parity FREE_OBS_RTOL
REWARD_RTOL = 1e-6  # tests/parity FREE_REWARD_TOL, relative to max(1, |r|) (float32 transport)
SEED = 7
N_ACTIONS = 300


def rel_err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


@pytest.fixture(scope="module")
def bridge():
    with Bridge("--backend", "mujoco") as b:
        yield b


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    """`dppo trace` of the Hopper: N_ACTIONS random actions, a new episode (seed SEED + k) after every fall."""
    rng = np.random.default_rng(20261201)
    actions = rng.uniform(-1, 1, (N_ACTIONS, 3)).astype(np.float32)
    f = tmp_path_factory.mktemp("trace") / "actions.npy"
    np.save(f, actions)
    cmd = ["node", "bin/dppo.mjs", "trace", "--task", "hopper", "--seed", str(SEED), "--actions", str(f), "--episodes", "1000", "--json"]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    assert lines[-1].get("final") is True and lines[-1]["steps"] == N_ACTIONS
    return actions, lines[:-1]


def test_spec_reset_step_round_trip(bridge):
    c = bridge.connect()
    spec = c.make(task="walker2d", n_envs=4, act_steps=3, seed=1)
    assert spec["spec"]["task_id"] == "walker2d"
    assert (spec["spec"]["obs_dim"], spec["spec"]["act_dim"], spec["spec"]["max_episode_steps"]) == (17, 6, 1000)
    assert spec["spec"]["control_dt"] == pytest.approx(0.008)
    assert (spec["n_envs"], spec["act_steps"], spec["trace_dim"], spec["tag_keys"]) == (4, 3, 2, ["fell"])
    obs = c.reset()
    assert obs.shape == (4, 17) and obs.dtype == np.float32
    assert np.all(np.abs(obs[:, 0] - 1.25) < 0.01)  # torso height at the reset pose
    res = c.step(np.zeros((4, 5, 6), np.float32))  # Ta = 5 > Te = 3: the first 3 run
    assert set(res) == {"obs", "reward", "terminated", "truncated", "executed", "trace", "tags"}
    assert res["obs"].shape == (4, 17) and res["trace"].shape == (4, 3, 2) and res["tags"].shape == (4, 1)
    assert res["executed"].tolist() == [3, 3, 3, 3]
    assert np.all(res["reward"] > 2.5)  # ~1 healthy bonus per step, no fall from a still start
    c.send({"op": "close_envs", "id": 99})
    assert c.recv() == {"op": "ok", "id": 99}
    c.close()


def test_same_trajectory_as_dppo_trace(bridge, trace):
    """One env, act_steps 1: every env step of the bridge against the browser engine's, with auto-resets."""
    actions, lines = trace
    c = bridge.connect()
    c.make(task="hopper", n_envs=1, act_steps=1, seed=SEED)
    obs = c.reset()
    assert lines[0]["episode"] == 0 and lines[0]["seed"] == SEED
    assert rel_err(obs[0], lines[0]["obs"]) <= OBS_RTOL
    steps = [l for l in lines if "step" in l]
    resets = {l["episode"]: l for l in lines if "step" not in l}
    assert len(resets) >= 4, "the actions should make the Hopper fall a few times"
    worst = 0.0
    for rec in steps:
        res = c.step(actions[rec["step"]][None, None, :])
        where = "action row %d (episode %d)" % (rec["step"], rec["episode"])
        assert bool(res["terminated"][0]) == rec["terminated"], where
        assert bool(res["truncated"][0]) == rec["truncated"], where
        assert abs(float(res["reward"][0]) - rec["reward"]) <= REWARD_RTOL * max(1.0, abs(rec["reward"])), where
        assert res["tags"][0, 0] == float(rec["terminated"])  # 'fell'
        if rec["terminated"] or rec["truncated"]:
            # reset inside the step: the obs is the next episode's first (seed SEED + k), as dppo trace's reset line
            nxt = resets.get(rec["episode"] + 1)
            if nxt is not None:
                assert nxt["seed"] == SEED + rec["episode"] + 1
                worst = max(worst, rel_err(res["obs"][0], nxt["obs"]))
        else:
            worst = max(worst, rel_err(res["obs"][0], rec["obs"]))
        assert worst <= OBS_RTOL, "%s: obs differs by %.3g" % (where, worst)
    c.close()


def test_seed_rule_and_multistep_semantics(bridge, trace):
    """n_envs 3, act_steps 4: env i's k-th reset uses seed + i + 3k (dppo trace's episode seeds SEED + j)."""
    _, lines = trace
    reset_obs = {l["seed"]: np.array(l["obs"]) for l in lines if "step" not in l}
    n = 3
    c = bridge.connect()
    c.make(task="hopper", n_envs=n, act_steps=4, seed=SEED)
    obs = c.reset()
    for i in range(n):
        assert rel_err(obs[i], reset_obs[SEED + i]) <= OBS_RTOL
    rng = np.random.default_rng(3)
    resets = [0] * n
    for _ in range(200):
        res = c.step(rng.uniform(-1, 1, (n, 4, 3)).astype(np.float32))
        for i in range(n):
            done = res["terminated"][i] or res["truncated"][i]
            assert not (res["terminated"][i] and res["truncated"][i])
            ex = int(res["executed"][i])
            assert 1 <= ex <= 4 and (ex == 4 or done)  # an early stop only at done
            assert np.all(res["trace"][i, ex:] == res["trace"][i, ex - 1])  # the last point repeats
            assert res["tags"][i, 0] == float(res["terminated"][i])
            if done:
                resets[i] += 1
                seed = SEED + i + resets[i] * n
                if seed in reset_obs:
                    assert rel_err(res["obs"][i], reset_obs[seed]) <= OBS_RTOL, (i, resets[i])
        if min(resets) >= 2:
            break
    assert min(resets) >= 2
    c.close()


def test_errors_keep_the_connection(bridge):
    c = bridge.connect()
    c.send({"op": "reset", "id": 5})
    e = c.recv()
    assert (e["op"], e["code"], e["id"]) == ("error", "bad_request", 5)
    c.send({"op": "make", "id": 6, "task": "nope", "n_envs": 1, "act_steps": 1, "seed": 0})
    e = c.recv()
    assert e["code"] == "bad_request" and "hopper" in e["message"]
    c.send({"op": "make", "id": 7, "task": "hopper", "n_envs": 100000, "act_steps": 1, "seed": 0})
    assert c.recv()["code"] == "limit"
    c.send({"op": "arm", "id": 8, "confirm": "ARM"})
    assert c.recv()["code"] == "unsupported"
    c.send({"op": "frobnicate", "id": 9})
    assert c.recv()["code"] == "bad_request"
    c.send({"op": "heartbeat", "seq": 3, "t_ms": 12.5})
    ack = c.recv()
    assert ack["op"] == "heartbeat_ack" and ack["seq"] == 3 and ack["t_ms"] == 12.5 and ack["server_t_ms"] > 0
    c.make(task="hopper", n_envs=2, act_steps=2)
    c.reset()
    c.close()


def test_wrong_action_shape_closes_that_connection_only(bridge):
    other = bridge.connect()
    other.make(n_envs=2, act_steps=2)
    other.reset()
    c = bridge.connect()
    c.make(n_envs=2, act_steps=4)
    c.reset()
    c.ws.send(encode_frame(KIND_STEP, 11, [("actions", np.zeros((2, 4, 5), np.float32))]))
    e = c.recv()
    assert e["code"] == "bad_frame" and e["id"] == 11
    with pytest.raises(ConnectionClosed) as closed:
        c.recv()
    assert closed.value.rcvd.code == 4400
    c = bridge.connect()
    c.make(n_envs=2, act_steps=4)
    c.reset()
    c.ws.send(encode_frame(KIND_STEP, 12, [("actions", np.zeros((2, 2, 3), np.float32))]))  # Ta < Te
    assert c.recv()["code"] == "bad_frame"
    # the other client is still served
    assert other.step(np.zeros((2, 2, 3), np.float32))["obs"].shape == (2, 11)


def test_stop_cancels_queued_steps(bridge):
    c = bridge.connect()
    c.make(n_envs=64, act_steps=8)
    c.reset()
    frames = [encode_frame(KIND_STEP, 100 + k, [("actions", np.zeros((64, 8, 3), np.float32))]) for k in range(30)]
    for f in frames:
        c.ws.send(f)
    c.send({"op": "stop", "id": 500})
    answered, cancelled, ok = set(), set(), False
    # (the step running when stop arrives still finishes and is answered, possibly after the ok)
    while not ok or len(answered) + len(cancelled) < 30:
        m = c.recv()
        if isinstance(m, dict):
            if m["op"] == "ok":
                assert m["id"] == 500
                ok = True
            else:
                assert (m["op"], m["code"], m["message"]) == ("error", "busy", "cancelled by stop")
                cancelled.add(m["id"])
        else:
            answered.add(m.seq)
    assert cancelled, "stop cancelled nothing"
    assert answered | cancelled == set(range(100, 130))
    assert max(answered) < min(cancelled)  # the ones that ran came first, in order
    # the envs are still usable after the stop
    assert c.step(np.zeros((64, 8, 3), np.float32))["obs"].shape == (64, 11)
    c.close()
