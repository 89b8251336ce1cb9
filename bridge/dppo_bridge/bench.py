"""Env steps per second of bridge-hosted envs, seen by a client over the protocol, and of the same envs stepped
in this process (no WebSocket), as one JSON line (for docs/benchmarks.md).

    python -m dppo_bridge.bench --task hopper --envs 40 --act-steps 4 --seconds 5
    python -m dppo_bridge.bench --url ws://127.0.0.1:8765 --token TOKEN   # a bridge already running

Without --url it starts `dppo-bridge --backend mujoco --port 0` itself. Actions are uniform in [-1, 1], drawn
once per chunk; timing counts whole chunks (request sent -> result decoded), like the browser's bench.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

from .protocol import KIND_STEP, SUBPROTOCOL, decode_frame, encode_frame


def _client_rate(url, token, task, n, te, seconds, seed):
    from websockets.sync.client import connect

    with connect(url, subprotocols=[SUBPROTOCOL], max_size=None) as ws:
        ws.send(json.dumps({"op": "hello", "token": token, "protocol": 1, "client": {"name": "dppo-bridge-bench", "version": "1"}}))
        welcome = json.loads(ws.recv())
        if welcome.get("op") != "welcome":
            raise SystemExit("bench: the bridge refused the connection: %s" % welcome)
        ws.send(json.dumps({"op": "make", "id": 1, "task": task, "n_envs": n, "act_steps": te, "seed": seed}))
        spec = json.loads(ws.recv())
        if spec.get("op") != "spec":
            raise SystemExit("bench: make failed: %s" % spec)
        da = spec["spec"]["act_dim"]
        ws.send(json.dumps({"op": "reset", "id": 2}))
        decode_frame(ws.recv())
        rng = np.random.default_rng(seed)
        steps, seq = 0, 3
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            a = rng.uniform(-1, 1, (n, te, da)).astype(np.float32)
            ws.send(encode_frame(KIND_STEP, seq, [("actions", a)], time.time_ns()))
            res = decode_frame(ws.recv())
            steps += int(res.tensors["executed"].sum())
            seq += 1
        dt = time.perf_counter() - t0
        return steps, dt, welcome


def _local_rate(task, n, te, seconds, seed, threads):
    from .backends.mujoco_gym import GymVecSlice

    vec = GymVecSlice(task, n, te, seed, threads=threads)
    vec.reset()
    da = vec.task.act_dim
    rng = np.random.default_rng(seed)
    steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        res = vec.step(rng.uniform(-1, 1, (n, te, da)).astype(np.float32))
        steps += int(res["executed"].sum())
    dt = time.perf_counter() - t0
    vec.close()
    return steps, dt


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m dppo_bridge.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", default="hopper")
    p.add_argument("--envs", type=int, default=40)
    p.add_argument("--act-steps", type=int, default=4)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="bridge --threads (and the in-process run's)")
    p.add_argument("--url", help="a running bridge (default: start one)")
    p.add_argument("--token")
    args = p.parse_args(argv)
    proc = None
    url, token = args.url, args.token
    try:
        if url is None:
            token = "bench-%d" % os.getpid()
            cmd = [sys.executable, "-m", "dppo_bridge.cli", "--backend", "mujoco", "--port", "0", "--token", token, "--threads", str(args.threads)]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            for line in proc.stdout:
                m = re.search(r"URL:\s+(ws://\S+)", line)
                if m:
                    url = m.group(1)
                    break
            if url is None:
                raise SystemExit("bench: the bridge did not start")
        elif not token:
            raise SystemExit("bench: --url needs --token")
        steps, dt, welcome = _client_rate(url, token, args.task, args.envs, args.act_steps, args.seconds, args.seed)
        lsteps, ldt = _local_rate(args.task, args.envs, args.act_steps, args.seconds, args.seed, args.threads)
        import mujoco

        print(json.dumps({
            "task": args.task,
            "n_envs": args.envs,
            "act_steps": args.act_steps,
            "threads": args.threads,
            "bridge_env_steps": steps,
            "bridge_seconds": round(dt, 3),
            "bridge_env_steps_per_s": round(steps / dt, 1),
            "in_process_env_steps_per_s": round(lsteps / ldt, 1),
            "mujoco": mujoco.__version__,
            "python": sys.version.split()[0],
            "server": welcome.get("server"),
        }))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
