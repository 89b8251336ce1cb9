"""Handshake and authentication against a real bridge process (docs/bridge-protocol.md §1-2)."""
import subprocess
import sys

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bridgeproc import BRIDGE_ROOT, REPO, Bridge


@pytest.fixture(scope="module")
def bridge():
    with Bridge("--backend", "mujoco", "--origin", "https://workbench.example.org", "--max-message-mb", "0.05") as b:
        yield b


def closed_with(client, code):
    with pytest.raises(ConnectionClosed) as e:
        for _ in range(5):
            client.recv(timeout=10)
    assert e.value.rcvd is not None and e.value.rcvd.code == code, e.value
    return e.value


def test_wrong_token_is_refused_with_auth_error(bridge):
    c = bridge.connect(hello=False)
    reply = c.hello("not-the-token")
    assert reply["op"] == "error" and reply["code"] == "auth"
    closed_with(c, 4401)
    assert bridge.alive()


def test_missing_token_is_refused(bridge):
    c = bridge.connect(hello=False)
    c.send({"op": "hello", "protocol": 1})
    assert c.recv()["code"] == "auth"
    closed_with(c, 4401)


def test_any_op_before_hello_is_refused(bridge):
    c = bridge.connect(hello=False)
    c.send({"op": "make", "id": 1, "task": "hopper", "n_envs": 1, "act_steps": 1, "seed": 0})
    assert c.recv()["code"] == "auth"
    closed_with(c, 4401)


def test_right_token_gets_welcome(bridge):
    c = bridge.connect(origin="http://localhost:5173")
    w = c.welcome
    assert w["op"] == "welcome" and w["protocol"] == 1 and w["backend"] == "mujoco"
    assert w["capabilities"]["tasks"] == ["avoid-m1", "avoid-m2", "avoid-m3", "hopper", "walker2d", "halfcheetah"]
    assert w["limits"]["max_message_bytes"] == int(0.05 * (1 << 20))
    c.close()


def test_protocol_version_mismatch_is_refused(bridge):
    c = bridge.connect(hello=False)
    c.send({"op": "hello", "token": bridge.token, "protocol": 2})
    assert c.recv()["code"] == "protocol"
    closed_with(c, 4400)


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://localhost.evil.com", "http://localhost@evil.com", "null", "file://"])
def test_foreign_origin_is_refused_at_the_handshake(bridge, origin):
    with pytest.raises(InvalidStatus) as e:
        bridge.connect(origin=origin, hello=False)
    assert e.value.response.status_code == 403


@pytest.mark.parametrize("origin", ["http://127.0.0.1:4173", "http://localhost:5173", "https://workbench.example.org", "https://workbench.example.org/"])
def test_allowed_origins(bridge, origin):
    bridge.connect(origin=origin).close()


def test_missing_subprotocol_is_refused(bridge):
    with pytest.raises(InvalidStatus) as e:
        bridge.connect(subprotocols=None, hello=False)
    assert e.value.response.status_code == 400


def test_oversized_message_closes_the_connection_only(bridge):
    c = bridge.connect()
    c.ws.send("x" * (1 << 17))
    closed_with(c, 1009)
    bridge.connect().close()


def test_non_loopback_bind_without_allow_remote_refuses_to_start():
    r = subprocess.run([sys.executable, "-m", "dppo_bridge.cli", "--backend", "mujoco", "--host", "0.0.0.0", "--port", "0"],
                       capture_output=True, text=True, timeout=60, cwd=REPO, env={"PYTHONPATH": BRIDGE_ROOT, "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2
    assert "--allow-remote" in r.stderr and "0.0.0.0" in r.stderr
    assert "URL" not in r.stdout


def test_non_loopback_bind_with_allow_remote_starts():
    with Bridge("--backend", "mujoco", "--host", "0.0.0.0", "--allow-remote") as b:
        assert b.url.startswith("ws://0.0.0.0:")


def test_random_token_is_printed_when_none_given():
    with Bridge("--backend", "mujoco", token=None) as b:
        assert len(b.token) >= 24
        c = b.connect()
        assert c.welcome["op"] == "welcome"
