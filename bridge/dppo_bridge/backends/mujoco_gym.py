"""Native-MuJoCo Gym locomotion envs with the browser's semantics, batched with the browser VecEnv's rules.

The models and numbers come from assets/ (written from src/sim/tasks/gym by scripts/export-bridge-assets.ts):
the same MJCF text GymEnv compiles, and per task the frame skip, the spec, the native rule (observation,
reward, health, reset noise), the trace rule and the tag keys. One env step mirrors GymEnv.step
(src/sim/tasks/gym/gymEnv.ts), which follows Gymnasium's v4 envs (spec/dppo-reference.md §7.1):

    ctrl <- action; frame_skip x mj_step; reward = (x_after - x_before)/dt + healthy - w*|a|^2
    terminated = not healthy; truncated = steps >= max_episode_steps

Reset: mj_resetData, qpos = qpos0 + U(+-s), qvel = U(+-s) (or s*N(0,1)), drawn from the browser's Rng(seed)
(rng.py), then mj_forward. A chunk step mirrors src/sim/vectorEnv.ts (DPPO's MultiStep wrapper, §7.6):
the first act_steps actions, rewards summed, early stop at done, the trace repeating its last point after an
early stop, tags read at the end of the chunk, and the done env reset inside the step with seed
seed + first_env + i + k*total_envs.

Float order follows the TypeScript code so identical states give identical numbers: the control cost is
summed left to right over the float32 actions in float64, obs and trace are rounded to float32 last.
"""
import json
import os
from typing import Any, Dict, List, Optional

import numpy as np

from ..rng import Rng
from .base import task_spec
from .vec_slice import VecSlice

ASSETS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets")


def load_task_table():
    # type: () -> Dict[str, Dict[str, Any]]
    with open(os.path.join(ASSETS, "tasks.json")) as f:
        return json.load(f)["tasks"]


def _bound(x, default):
    # type: (Optional[float], float) -> float
    return default if x is None else float(x)


class GymTask(object):
    """One task's model and rule, compiled once and shared by its envs."""

    def __init__(self, task_id, entry, max_episode_steps=None):
        # type: (str, Dict[str, Any], Optional[int]) -> None
        import mujoco

        self.mujoco = mujoco
        self.task_id = task_id
        with open(os.path.join(ASSETS, entry["xml"])) as f:
            self.xml = f.read()
        self.model = mujoco.MjModel.from_xml_string(self.xml)
        self.frame_skip = int(entry["frame_skip"])
        spec = task_spec(entry, max_episode_steps)
        self.spec = spec
        self.max_episode_steps = int(spec["max_episode_steps"])
        self.obs_dim = int(spec["obs_dim"])
        self.act_dim = int(spec["act_dim"])
        rule = entry["rule"]
        self.obs_qpos_start = int(rule["obs_qpos_start"])
        clip = rule["obs_qvel_clip"]
        self.qvel_clip = None if clip is None else float(clip)
        self.noise = float(rule["reset_noise_scale"])
        self.qvel_normal = rule["qvel_noise"] == "normal"
        self.ctrl_w = float(rule["ctrl_cost_weight"])
        self.healthy_reward = float(rule["healthy_reward"])
        h = rule["health"]
        self.health = h is not None
        if h is not None:
            self.z_lo, self.z_hi = _bound(h["z"][0], -np.inf), _bound(h["z"][1], np.inf)
            self.p_lo, self.p_hi = _bound(h["pitch"][0], -np.inf), _bound(h["pitch"][1], np.inf)
            self.state_abs = h.get("state_abs")
        self.trace_qpos = [int(i) for i in entry["trace"]["qpos"]]
        self.trace_offset = [float(x) for x in entry["trace"]["offset"]]
        self.trace_dim = len(self.trace_qpos)
        self.tag_keys = list(entry["tag_keys"])
        # Gymnasium computes dt as model.opt.timestep * frame_skip (gymControlDt does the same in TS).
        self.dt = self.model.opt.timestep * self.frame_skip
        self.qpos0 = self.model.qpos0.copy()
        m = self.model
        # mj_step(m, d, nstep) (MuJoCo >= 3.1's bindings) runs the frame skip in one call, GIL released.
        try:
            mujoco.mj_step(m, mujoco.MjData(m), 1)
            self.nstep_arg = True
        except TypeError:
            self.nstep_arg = False
        if m.nu != self.act_dim or m.nq - self.obs_qpos_start + m.nv != self.obs_dim:
            raise ValueError("%s model has nq %d nv %d nu %d, the spec says obs %d act %d" % (task_id, m.nq, m.nv, m.nu, self.obs_dim, self.act_dim))

    def healthy(self, qpos, qvel):
        # type: (List[float], List[float]) -> bool
        """GymEnv's isHealthy on the raw state (strict bounds; NaN is unhealthy)."""
        if not self.health:
            return True
        z = qpos[1]
        pitch = qpos[2]
        if not (self.z_lo < z < self.z_hi):
            return False
        if not (self.p_lo < pitch < self.p_hi):
            return False
        m = self.state_abs
        if m is not None:
            for v in qpos[2:]:
                if not (-m < v < m):
                    return False
            for v in qvel:
                if not (-m < v < m):
                    return False
        return True


class GymEnv(object):
    """One env: its own MjData on the task's model."""

    def __init__(self, task):
        # type: (GymTask) -> None
        self.task = task
        self.data = task.mujoco.MjData(task.model)
        self.steps = 0
        self.started = False
        self.fell = False

    def reset(self, seed, obs_out):
        # type: (int, np.ndarray) -> None
        t = self.task
        mj = t.mujoco
        d = self.data
        rng = Rng(seed)
        s = t.noise
        mj.mj_resetData(t.model, d)
        d.qpos[:] = [t.qpos0[i] + rng.range(-s, s) for i in range(t.model.nq)]
        if t.qvel_normal:
            d.qvel[:] = [s * rng.normal() for _ in range(t.model.nv)]
        else:
            d.qvel[:] = [rng.range(-s, s) for _ in range(t.model.nv)]
        mj.mj_forward(t.model, d)
        self.steps = 0
        self.started = True
        self.observe(obs_out)

    def observe(self, out):
        # type: (np.ndarray) -> None
        t = self.task
        d = self.data
        k = t.model.nq - t.obs_qpos_start
        out[:k] = d.qpos[t.obs_qpos_start :]
        if t.qvel_clip is None:
            out[k:] = d.qvel
        else:
            out[k:] = np.clip(d.qvel, -t.qvel_clip, t.qvel_clip)

    def step(self, action, obs_out, trace_out):
        # type: (np.ndarray, np.ndarray, Optional[np.ndarray]) -> tuple
        """One env step with a float32 action [Da]; writes obs (and the trace point); returns (reward, terminated, truncated)."""
        t = self.task
        mj = t.mujoco
        d = self.data
        model = t.model
        x_before = float(d.qpos[0])
        d.ctrl[:] = action
        if t.nstep_arg:
            mj.mj_step(model, d, t.frame_skip)  # one call, the same frame_skip x mj_step in C
        else:
            for _ in range(t.frame_skip):
                mj.mj_step(model, d)
        qpos = d.qpos.tolist()
        qvel = d.qvel.tolist()
        x_after = qpos[0]
        self.steps += 1
        x_velocity = (x_after - x_before) / t.dt
        sum_sq = 0.0
        for a in action.tolist():
            sum_sq += a * a
        ctrl_cost = t.ctrl_w * sum_sq
        reward = (x_velocity + t.healthy_reward - ctrl_cost) if t.health else (x_velocity - ctrl_cost)
        terminated = not t.healthy(qpos, qvel)
        self.fell = terminated
        self.observe(obs_out)
        if trace_out is not None:
            for j, (qi, off) in enumerate(zip(t.trace_qpos, t.trace_offset)):
                trace_out[j] = qpos[qi] + off
        return reward, terminated, self.steps >= t.max_episode_steps

    def tags(self):
        # type: () -> Dict[str, float]
        """Gym's only tag: 'fell' = the last step's terminated (GymInfo.fell in the browser)."""
        return {"fell": 1.0 if self.fell else 0.0}


class GymVecSlice(VecSlice):
    """Envs [first_env, first_env + n) of a batch of total_envs, with the browser VecEnv's chunk semantics."""

    def __init__(self, task_id, n_envs, act_steps, seed, max_episode_steps=None, first_env=0, total_envs=None, threads=1):
        # type: (str, int, int, int, Optional[int], int, Optional[int], int) -> None
        table = load_task_table()
        if task_id not in table:
            raise KeyError(task_id)
        task = GymTask(task_id, table[task_id], max_episode_steps)
        VecSlice.__init__(self, task, [GymEnv(task) for _ in range(int(n_envs))], act_steps, seed, first_env, total_envs, threads)
