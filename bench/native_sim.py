"""Native MuJoCo side of `dppo bench sim` (bench/simBench.ts): steps the SAME MJCF as the WASM env with the
same driver, so the two throughputs compare.

Driver (mirrors src/sim/vectorEnv.ts + the Gym env, src/sim/tasks/gym/gymEnv.ts): n envs (one MjData each on
one MjModel), chunks of `act_steps` random actions uniform in [act_low, act_high] drawn per chunk; one env
step = ctrl <- action, `frame_skip` x mj_step, observation [qpos[obs_qpos_start:], clip(qvel)], reward
(forward velocity + healthy bonus - ctrl cost), the Gym health rule; an env whose episode ends (unhealthy,
or `max_episode_steps`) stops its chunk and resets (qpos0 + U(+-s), qvel U(+-s) or s*N(0,1), mj_forward).

Protocol: `python native_sim.py CONFIG.json`; prints `{"ready": true, ...}`, then for every stdin line
`run SECONDS` runs the driver for that wall time and prints `{"env_steps": K, "seconds": T}`; `quit` ends.
Timing counts whole chunks, like the TS side. Needs the PyPI `mujoco` package (scripts/ensure-pyenv.mjs).
"""

import json
import sys
import time

import mujoco
import numpy as np


def main() -> None:
    cfg = json.load(open(sys.argv[1]))
    model = mujoco.MjModel.from_xml_path(cfg["xml_path"])
    n = int(cfg["n_envs"])
    te = int(cfg["act_steps"])
    frame_skip = int(cfg["frame_skip"])
    max_steps = int(cfg["max_episode_steps"])
    low = np.asarray(cfg["act_low"], dtype=np.float64)
    high = np.asarray(cfg["act_high"], dtype=np.float64)
    da = low.shape[0]
    if model.nu != da:
        raise SystemExit(f"native_sim: model has nu={model.nu}, the task's action has {da} values")
    rule = cfg["rule"]
    obs_start = int(rule["obs_qpos_start"])
    qvel_clip = rule["obs_qvel_clip"]
    noise = float(rule["reset_noise_scale"])
    qvel_normal = rule["qvel_noise"] == "normal"
    ctrl_w = float(rule["ctrl_cost_weight"])
    healthy_reward = float(rule["healthy_reward"])
    health = rule["health"]
    dt = model.opt.timestep * frame_skip
    rng = np.random.default_rng(int(cfg.get("seed", 0)))

    datas = [mujoco.MjData(model) for _ in range(n)]
    steps = [0] * n
    qpos0 = model.qpos0.copy()

    def reset(d: mujoco.MjData, out: np.ndarray) -> None:
        mujoco.mj_resetData(model, d)
        d.qpos[:] = qpos0 + rng.uniform(-noise, noise, model.nq)
        d.qvel[:] = noise * rng.standard_normal(model.nv) if qvel_normal else rng.uniform(-noise, noise, model.nv)
        mujoco.mj_forward(model, d)
        observe(d, out)

    nq_obs = model.nq - obs_start

    def observe(d: mujoco.MjData, out: np.ndarray) -> None:
        out[:nq_obs] = d.qpos[obs_start:]
        if qvel_clip is None:
            out[nq_obs:] = d.qvel
        else:
            np.clip(d.qvel, -qvel_clip, qvel_clip, out=out[nq_obs:])

    if health is None:
        def healthy(d: mujoco.MjData) -> bool:
            return True
    else:
        # JSON has no Infinity: an open bound comes as null.
        def bounds(pair: list) -> tuple:
            lo, hi = pair
            return (-np.inf if lo is None else lo, np.inf if hi is None else hi)

        z_lo, z_hi = bounds(health["z"])
        p_lo, p_hi = bounds(health["pitch"])
        state_abs = health.get("state_abs")

        # Plain Python on tolist(): for a dozen numbers it is several times faster than NumPy calls.
        def healthy(d: mujoco.MjData) -> bool:
            qpos = d.qpos.tolist()
            z, pitch = qpos[1], qpos[2]
            if not (z_lo < z < z_hi and p_lo < pitch < p_hi):
                return False
            if state_abs is not None:
                rest = qpos[2:] + d.qvel.tolist()
                if not (-state_abs < min(rest) and max(rest) < state_abs):
                    return False
            return True

    obs = np.zeros((n, model.nq - obs_start + model.nv), dtype=np.float32)
    rewards = np.zeros(n, dtype=np.float32)
    for i, d in enumerate(datas):
        reset(d, obs[i])

    def run(seconds: float) -> dict:
        count = 0
        t0 = time.perf_counter()
        while True:
            actions = rng.uniform(low, high, (n, te, da))
            for i in range(n):
                d = datas[i]
                total = 0.0
                for s in range(te):
                    a = actions[i, s]
                    x_before = d.qpos[0]
                    d.ctrl[:] = a
                    mujoco.mj_step(model, d, nstep=frame_skip)
                    x_velocity = (d.qpos[0] - x_before) / dt
                    total += x_velocity + healthy_reward - ctrl_w * float(np.dot(a, a))
                    observe(d, obs[i])
                    steps[i] += 1
                    count += 1
                    if not healthy(d) or steps[i] >= max_steps:
                        steps[i] = 0
                        reset(d, obs[i])
                        break
                rewards[i] = total
            elapsed = time.perf_counter() - t0
            if elapsed >= seconds:
                return {"env_steps": count, "seconds": elapsed}

    print(json.dumps({"ready": True, "mujoco": mujoco.__version__, "nq": model.nq, "nu": model.nu}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "quit":
            return
        if parts[0] == "run":
            print(json.dumps(run(float(parts[1]))), flush=True)
        else:
            print(json.dumps({"error": f"unknown command {parts[0]!r}"}), flush=True)


if __name__ == "__main__":
    main()
