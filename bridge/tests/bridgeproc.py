"""Spawns a real `dppo-bridge` process on a free port (--port 0, the URL read from its output) and talks to it
over real WebSockets (the `websockets` sync client)."""
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time

import numpy as np
from websockets.sync.client import connect

HERE = os.path.dirname(os.path.abspath(__file__))
BRIDGE_ROOT = os.path.dirname(HERE)
REPO = os.path.dirname(BRIDGE_ROOT)

sys.path.insert(0, BRIDGE_ROOT)
from dppo_bridge.protocol import KIND_STEP, SUBPROTOCOL, decode_frame, encode_frame  # noqa: E402

TOKEN = "test-token-0123456789"


class Bridge(object):
    def __init__(self, *args, token=TOKEN, wait=True, env=None):
        cmd = [sys.executable, "-m", "dppo_bridge.cli", "--port", "0"] + list(args)
        if token is not None:
            cmd += ["--token", token]
        e = dict(os.environ)
        # DPPO_BRIDGE_SERVER_PATH: folders put first on the bridge's path only, e.g. an older websockets
        # (`pip install --target DIR websockets==12.0`) to run the suite against the legacy server API.
        extra = os.environ.get("DPPO_BRIDGE_SERVER_PATH")
        e["PYTHONPATH"] = os.pathsep.join([p for p in [extra, BRIDGE_ROOT, e.get("PYTHONPATH")] if p])
        e["PYTHONUNBUFFERED"] = "1"
        if env:
            e.update(env)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e, cwd=REPO)
        self.token = token
        self.url = None
        self.lines = queue.Queue()
        self.out = []
        threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True).start()
        self.err = []
        threading.Thread(target=self._pump_err, daemon=True).start()
        if wait:
            self.wait_ready()

    def _pump(self, f):
        for line in f:
            self.out.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _pump_err(self):
        for line in self.proc.stderr:
            self.err.append(line)

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if line is None:
                break
            m = re.search(r"URL:\s+(ws://\S+)", line)
            if m:
                self.url = m.group(1)
            m = re.search(r"Token:\s+(\S+)", line)
            if m:
                self.token = m.group(1)
                return
        raise AssertionError("bridge did not start: rc=%s\nstdout:%s\nstderr:%s" % (self.proc.poll(), "".join(self.out), "".join(self.err)))

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def connect(self, origin=None, subprotocols=(SUBPROTOCOL,), hello=True, token=None):
        headers = {"Origin": origin} if origin else None
        kw = dict(subprotocols=list(subprotocols) if subprotocols else None, additional_headers=headers, max_size=None, open_timeout=20)
        try:
            ws = connect(self.url, legacy=True, **kw)  # websockets >= 17: a plain connection, not a context manager
        except TypeError:
            ws = connect(self.url, **kw)
        c = Client(ws)
        if hello:
            c.welcome = c.hello(token if token is not None else self.token)
        return c


class Client(object):
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1
        self.welcome = None

    def send(self, msg):
        self.ws.send(json.dumps(msg))

    def recv(self, timeout=30):
        data = self.ws.recv(timeout=timeout)
        if isinstance(data, str):
            return json.loads(data)
        return decode_frame(data)

    def recv_op(self, op, timeout=30):
        """The next JSON message with this op (skipping status pushes and others)."""
        deadline = time.time() + timeout
        while True:
            m = self.recv(timeout=max(0.01, deadline - time.time()))
            if isinstance(m, dict) and m.get("op") == op:
                return m

    def hello(self, token):
        self.send({"op": "hello", "token": token, "protocol": 1, "client": {"name": "pytest", "version": "0"}})
        return self.recv()

    def request(self, op, **fields):
        rid = self.next_id
        self.next_id += 1
        self.send(dict(op=op, id=rid, **fields))
        return rid

    def make(self, task="hopper", n_envs=2, act_steps=4, seed=0, **kw):
        rid = self.request("make", task=task, n_envs=n_envs, act_steps=act_steps, seed=seed, **kw)
        m = self.recv()
        assert m.get("op") == "spec" and m.get("id") == rid, m
        return m

    def reset(self):
        rid = self.request("reset")
        f = self.recv()
        assert not isinstance(f, dict), f
        assert f.seq == rid
        return f.tensors["obs"]

    def step(self, actions):
        rid = self.next_id
        self.next_id += 1
        self.ws.send(encode_frame(KIND_STEP, rid, [("actions", np.asarray(actions, np.float32))], time.time_ns()))
        f = self.recv()
        assert not isinstance(f, dict), f
        assert f.seq == rid
        return f.tensors

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
