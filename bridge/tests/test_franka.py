"""The franka backend's safety layer through a real bridge process driving the simulated arm (--sim-robot):
arming, the deadman, newest-command-wins, the per-step clamps, the workspace box, NaN/shape rejection,
one controlling client, and stop."""
import time

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed

from bridgeproc import Bridge
from dppo_bridge.protocol import KIND_STEP, encode_frame

BOX_LO = np.array([0.3, -0.2, 0.1])
BOX_HI = np.array([0.6, 0.2, 0.4])
WORKSPACE = "0.3,-0.2,0.1,0.6,0.2,0.4"
START = np.array([0.45, 0.0, 0.35])  # SimRobot's start pose


def command(c, seq, a):
    c.ws.send(encode_frame(KIND_STEP, seq, [("actions", np.asarray(a, np.float32).reshape(1, 1, 7))], time.time_ns()))


def heartbeat(c, seq):
    c.send({"op": "heartbeat", "seq": seq, "t_ms": time.time() * 1000})


def arm(c):
    rid = c.request("arm", confirm="ARM")
    while True:  # status pushes come in between; a refusal fails here with its message, not after a timeout
        m = c.recv(timeout=30)
        if isinstance(m, dict) and m.get("id") == rid and m.get("op") in ("ok", "error"):
            assert m["op"] == "ok", m
            return


def disarm(c, rid):
    """Disarms and waits for the ok: the next test's client may arm only once this one has let go."""
    c.send({"op": "disarm", "id": rid})
    assert c.recv_op("ok")["id"] == rid


def wait_status(c, pred, timeout=5.0, beat=True):
    """Status pushes until pred(status) holds; sends heartbeats meanwhile (beat) to keep the deadman quiet."""
    deadline = time.time() + timeout
    seq = 0
    while time.time() < deadline:
        if beat:
            seq += 1
            heartbeat(c, seq)
        m = c.recv(timeout=timeout)
        if isinstance(m, dict) and m.get("op") == "status" and pred(m):
            return m
    raise AssertionError("no matching status within %.1f s" % timeout)


@pytest.fixture(scope="module")
def fast():
    """An arm that reaches every target within a few ms (2 m/s), for clamp and box checks."""
    with Bridge("--backend", "franka", "--sim-robot", "--workspace", WORKSPACE, "--command-rate", "50", env={"DPPO_BRIDGE_SIM_SPEED": "2.0"}) as b:
        yield b


@pytest.fixture(scope="module")
def slow():
    """An arm that is still moving when the deadman or a stop comes (2 cm/s)."""
    with Bridge("--backend", "franka", "--sim-robot", "--workspace", WORKSPACE, env={"DPPO_BRIDGE_SIM_SPEED": "0.02"}) as b:
        yield b


def test_welcome_and_status_pushes(fast):
    c = fast.connect()
    assert c.welcome["backend"] == "franka" and c.welcome["capabilities"]["franka"] is True
    assert c.welcome["limits"]["heartbeat_timeout_ms"] == 250
    t0 = time.time()
    seen = 0
    while seen < 5:
        m = c.recv()
        if m.get("op") == "status":
            seen += 1
            assert m["state"] in ("connected", "stopped") and m["controller"] is False
            assert len(m["ee_pos"]) == 3 and len(m["ee_quat"]) == 4
    assert (time.time() - t0) / 5 < 0.1 + 0.02  # pushed at >= 10 Hz
    c.send({"op": "make", "id": 1, "task": "x", "n_envs": 1, "act_steps": 1, "seed": 0})
    assert c.recv_op("error")["code"] == "unsupported"
    c.close()


def test_arming_needs_the_typed_confirmation_and_one_controller(fast):
    a = fast.connect()
    b = fast.connect()
    a.send({"op": "arm", "id": 1, "confirm": "arm"})
    e = a.recv_op("error")
    assert e["code"] == "safety" and "ARM" in e["message"]
    command(a, 2, [0.1] * 7)  # not armed: refused, connection stays
    e = a.recv_op("error")
    assert e["code"] == "safety" and e["id"] == 2
    arm(a)
    st = wait_status(a, lambda m: m["state"] == "armed")
    assert st["controller"] is True
    b.send({"op": "arm", "id": 3, "confirm": "ARM"})
    assert b.recv_op("error")["code"] == "busy"
    command(b, 4, [0.1] * 7)
    e = b.recv_op("error")
    assert e["code"] == "safety" and "another client" in e["message"]
    st = wait_status(b, lambda m: True, beat=False)
    assert st["controller"] is False
    a.send({"op": "disarm", "id": 5})
    assert a.recv_op("ok")["id"] == 5
    wait_status(a, lambda m: m["state"] == "connected")
    arm(b)  # now b may
    b.send({"op": "disarm", "id": 6})
    b.recv_op("ok")
    a.close()
    b.close()


def test_translation_and_rotation_clamps(fast):
    c = fast.connect()
    arm(c)
    before = wait_status(c, lambda m: not m["moving"])
    p0 = np.array(before["ee_pos"])
    q0 = np.array(before["ee_quat"])
    command(c, 10, [5.0, 5.0, -5.0, 9.0, 9.0, 9.0, 1.0])  # far over [-1, 1]: clipped, then clamped
    after = wait_status(c, lambda m: m["last_seq"] == 10 and not m["moving"])
    d = np.array(after["ee_pos"]) - p0
    assert np.linalg.norm(d) <= 0.05 + 1e-9, d
    assert np.linalg.norm(d) > 0.049  # it did move the full clamp length
    angle = 2 * np.arccos(min(1.0, abs(float(np.dot(after["ee_quat"], q0)))))
    assert angle <= 0.5 + 1e-6 and angle > 0.49
    disarm(c, 11)
    c.close()


def test_workspace_box_holds(fast):
    c = fast.connect()
    arm(c)
    seq = 100
    for direction in ([1, 1, 1], [-1, -1, -1]):
        for _ in range(25):  # 25 x 5 cm (2.9 cm per axis on the diagonal) is past every wall
            seq += 1
            command(c, seq, direction + [0, 0, 0, 0])
            st = wait_status(c, lambda m, s=seq: m["last_seq"] == s and not m["moving"])
            p = np.array(st["ee_pos"])
            assert np.all(p >= BOX_LO - 1e-9) and np.all(p <= BOX_HI + 1e-9), p
        corner = BOX_HI if direction[0] > 0 else BOX_LO
        np.testing.assert_allclose(p, corner, atol=1e-6)
    disarm(c, 1)
    c.close()


def test_newest_command_wins(fast):
    c = fast.connect()
    arm(c)
    st0 = wait_status(c, lambda m: True)
    ex0, dr0 = st0["executed"], st0["dropped"]
    t0 = time.time()
    for k in range(40):  # 40 commands in well under one 20 ms slot each: most are replaced, none queued
        command(c, 1000 + k, [0, 0, 0.01, 0, 0, 0, 0])
    assert time.time() - t0 < 0.2
    st = wait_status(c, lambda m: m["last_seq"] == 1039)
    executed = st["executed"] - ex0
    dropped = st["dropped"] - dr0
    assert executed + dropped == 40
    assert executed <= 0.2 * 50 + 2 and dropped >= 25, (executed, dropped)
    disarm(c, 1)
    c.close()


def test_deadman_stops_the_arm_within_300_ms(slow):
    c = slow.connect()
    arm(c)
    command(c, 1, [1, 0, 0, 0, 0, 0, 0])  # 5 cm at 2 cm/s: still moving when the deadman fires
    wait_status(c, lambda m: m["moving"] and m["last_seq"] == 1)
    heartbeat(c, 999)
    t_last = time.time()
    st = wait_status(c, lambda m: m.get("reason") == "deadman", timeout=2, beat=False)
    dt = time.time() - t_last
    assert dt <= 0.300, "deadman stop after %.0f ms" % (dt * 1000)
    assert st["state"] == "stopped" and st["controller"] is False and st["moving"] is False
    frozen = np.array(st["ee_pos"])
    assert 0.0 < frozen[0] - START[0] < 0.05  # it was stopped mid-motion
    time.sleep(0.3)
    later = wait_status(c, lambda m: True, beat=False)
    np.testing.assert_allclose(later["ee_pos"], frozen, atol=1e-12)
    command(c, 2, [1, 0, 0, 0, 0, 0, 0])  # disarmed by the deadman: refused
    assert c.recv_op("error")["code"] == "safety"
    c.close()


def test_stop_halts_before_the_waiting_command(slow):
    c = slow.connect()
    arm(c)
    command(c, 1, [0, 1, 0, 0, 0, 0, 0])
    time.sleep(0.03)  # command 1 runs at the next 5 ms tick; the next slot opens 100 ms later
    command(c, 2, [0, -1, 0, 0, 0, 0, 0])  # waits for that slot...
    c.send({"op": "stop", "id": 3})  # ...and stop drops it
    st = wait_status(c, lambda m: m.get("reason") == "stop", beat=False)
    assert st["state"] == "stopped" and not st["moving"] and st["last_seq"] == 1
    time.sleep(0.25)
    later = wait_status(c, lambda m: True, beat=False)
    assert later["last_seq"] == 1 and later["ee_pos"] == st["ee_pos"]
    c.close()


@pytest.mark.parametrize("bad", ["nan", "shape"])
def test_nan_or_wrong_shape_command_closes_and_stops(slow, bad):
    watcher = slow.connect()
    c = slow.connect()
    arm(c)
    command(c, 1, [1, 0, 0, 0, 0, 0, 0])
    wait_status(c, lambda m: m["moving"])
    if bad == "nan":
        command(c, 2, [0, float("nan"), 0, 0, 0, 0, 0])
    else:
        c.ws.send(encode_frame(KIND_STEP, 2, [("actions", np.zeros((1, 1, 6), np.float32))]))
    e = c.recv_op("error")
    assert e["code"] == "bad_frame"
    with pytest.raises(ConnectionClosed):
        for _ in range(100):
            c.recv()
    st = wait_status(watcher, lambda m: m.get("reason") == "controller disconnected", beat=False)
    assert st["state"] == "stopped"
    assert st["moving"] is False
    watcher.close()
