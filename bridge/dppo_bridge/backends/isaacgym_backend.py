"""Backend `isaacgym`: Furniture-Bench one_leg / lamp / round_table on Isaac Gym Preview 4 (Python 3.8, an
NVIDIA GPU), through the vectorised `FurnitureRLSimEnv` of DPPO's furniture-bench fork (`ankile/furniture-bench`)
with DPPO's settings (spec/dppo-reference.md §7.4; DPPO `env/gym_utils/__init__.py` and
`env/gym_utils/wrapper/furniture.py`):

- FurnitureRLSimEnv(act_rot_repr="rot_6d", action_type="pos", ctrl_mode="diffik", obs_keys=DEFAULT_STATE_OBS,
  concat_robot_state=True, observation_space="state", headless=True, stiffness=1000, damping=200, ...);
- observation [n, Do] = robot_state with its quaternion (x, y, z, w) turned into the 6-D rotation (first two
  rows of the rotation matrix), then parts_poses: Do = 58 (one_leg) or 44 (lamp, round_table);
- action [n, 10] = position 3 + rot6d 6 + gripper 1, absolute (action_type "pos"), RAW: the browser
  normalises and denormalises, as for every bridge task;
- a chunk step runs the first act_steps actions; the reward is DPPO's sparse one, the sum of the sub-steps'
  part-assembly rewards; episodes end only at the time limit (env_steps >= max_env_steps): truncated, never
  terminated, as DPPO's wrapper reports. Done envs are reset inside the step (reset_within_step): all of
  them with `env.reset()` when every env is done (the usual case: fixed-length episodes started together),
  else only the done ones with `env.reset(env_idxs)`.
- Isaac Gym draws its randomness from the global torch/NumPy generators of the one process-wide sim, so the
  browser's per-env seed rule cannot hold; `seed` seeds torch and NumPy before the env is built.

Isaac Gym allows one sim per process: one env set at a time (a second `make` while one is live gets `busy`).
isaacgym and furniture_bench are imported only when an env is made (isaacgym before torch, as it requires).
Tests inject an env object with the same interface (`env_factory`): num_envs, reset(env_idxs=None) -> obs,
step(action [n, 10]) -> (obs, reward [n, 1], done [n, 1], info), env_steps [n], max_env_steps; obs is a dict
with robot_state [n, 14] and parts_poses [n, P*7]; tensors may be torch (moved to the CPU here) or NumPy.
"""
import importlib
import threading
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from .base import BridgeError, SimBackend

# furniture -> (obs_dim, max_episode_steps, success threshold: parts to assemble), DPPO's furniture configs.
FURNITURE = {
    "one_leg": (58, 700, 1),
    "lamp": (44, 1000, 2),
    "round_table": (44, 1000, 2),
}
RANDOMNESS = ("low", "med")
ACT_DIM = 10
CONTROL_DT = 0.1  # Furniture-Bench's 10 Hz policy rate


class IsaacGymMissing(Exception):
    pass


def task_ids():
    # type: () -> List[str]
    return ["furniture-%s-%s" % (f, r) for f in FURNITURE for r in RANDOMNESS]


def parse_task(task):
    # type: (str) -> tuple
    parts = task.split("-")
    if len(parts) != 3 or parts[0] != "furniture" or parts[1] not in FURNITURE or parts[2] not in RANDOMNESS:
        raise BridgeError("bad_request", "unknown task %r; the isaacgym backend serves %s" % (task, ", ".join(task_ids())))
    return parts[1], parts[2]


def to_numpy(x):
    # type: (Any) -> np.ndarray
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "cpu"):
        x = x.cpu().numpy()
    return np.asarray(x)


def quat_xyzw_to_rot6d(q):
    # type: (np.ndarray) -> np.ndarray
    """[..., 4] unit quaternions (x, y, z, w) -> [..., 6]: the first two rows of the rotation matrix."""
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    r00 = 1 - 2 * (y * y + z * z)
    r01 = 2 * (x * y - z * w)
    r02 = 2 * (x * z + y * w)
    r10 = 2 * (x * y + z * w)
    r11 = 1 - 2 * (x * x + z * z)
    r12 = 2 * (y * z - x * w)
    return np.stack([r00, r01, r02, r10, r11, r12], axis=-1)


def process_obs(obs):
    # type: (Dict[str, Any]) -> np.ndarray
    """robot_state [n, 14] (pos 3, quat xyzw 4, pos vel 3, ang vel 3, gripper 1) + parts_poses -> [n, Do] float32."""
    rs = to_numpy(obs["robot_state"]).astype(np.float64)
    parts = to_numpy(obs["parts_poses"]).astype(np.float64)
    rs6 = np.concatenate([rs[:, :3], quat_xyzw_to_rot6d(rs[:, 3:7]), rs[:, 7:]], axis=1)
    return np.concatenate([rs6, parts], axis=1).astype(np.float32)


def default_env_factory(device):
    # type: (str) -> Callable[..., Any]
    def make(furniture, randomness, n_envs, max_env_steps, seed):
        # type: (str, str, int, int, int) -> Any
        try:
            import isaacgym  # noqa: F401  (must come before torch)
        except ImportError:
            raise IsaacGymMissing("Isaac Gym is not installed (Preview 4, Python 3.8; see DPPO installation/install_furniture.md)")
        import torch
        from furniture_bench.envs.furniture_rl_sim_env import FurnitureRLSimEnv
        from furniture_bench.envs.observation import DEFAULT_STATE_OBS

        torch.manual_seed(seed)
        np.random.seed(seed % (1 << 32))
        gpu = int(device.split(":")[1]) if ":" in device else 0
        return FurnitureRLSimEnv(
            act_rot_repr="rot_6d",
            action_type="pos",
            april_tags=False,
            concat_robot_state=True,
            ctrl_mode="diffik",
            obs_keys=DEFAULT_STATE_OBS,
            furniture=furniture,
            gpu_id=gpu,
            headless=True,
            num_envs=n_envs,
            observation_space="state",
            randomness=randomness,
            max_env_steps=max_env_steps,
            record=False,
            pos_scaling=1.0,
            rot_scaling=1.0,
            stiffness=1000,
            damping=200,
        )

    return make


class FurnitureEnvSet(object):
    def __init__(self, backend, env, task, furniture, n_envs, act_steps, max_episode_steps):
        # type: (IsaacGymBackend, Any, str, str, int, int, int) -> None
        self.backend = backend
        self.env = env
        obs_dim, _, success = FURNITURE[furniture]
        low, high = [-1.0] * ACT_DIM, [1.0] * ACT_DIM
        space = getattr(env, "action_space", None)
        if space is not None and hasattr(space, "low"):
            lo, hi = np.asarray(space.low, np.float64).reshape(-1)[-ACT_DIM:], np.asarray(space.high, np.float64).reshape(-1)[-ACT_DIM:]
            if lo.size == ACT_DIM and np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)):
                low, high = lo.tolist(), hi.tolist()
        self.spec = {
            "task_id": task,
            "obs_dim": obs_dim,
            "act_dim": ACT_DIM,
            "act_low": low,
            "act_high": high,
            "control_dt": CONTROL_DT,
            "max_episode_steps": max_episode_steps,
            "best_reward_threshold_for_success": success,
        }
        self.n_envs = n_envs
        self.act_steps = act_steps
        self.trace_dim = 0
        self.tag_keys = []  # type: List[str]
        self.max_episode_steps = max_episode_steps
        self.obs = None  # type: Optional[np.ndarray]
        self.torch = None  # type: Any
        try:
            import torch

            self.torch = torch
        except ImportError:
            pass

    def _check_obs(self, obs):
        # type: (np.ndarray) -> np.ndarray
        if obs.shape != (self.n_envs, self.spec["obs_dim"]):
            raise RuntimeError("the Furniture env returned obs %s, expected [%d, %d]" % (list(obs.shape), self.n_envs, self.spec["obs_dim"]))
        return obs

    def reset(self):
        # type: () -> np.ndarray
        self.obs = self._check_obs(process_obs(self.env.reset()))
        return self.obs.copy()

    def _action(self, a):
        # type: (np.ndarray) -> Any
        if self.torch is not None and hasattr(self.env, "device"):
            return self.torch.as_tensor(np.ascontiguousarray(a), device=self.env.device)
        return np.ascontiguousarray(a)

    def step(self, actions):
        # type: (np.ndarray) -> Dict[str, np.ndarray]
        n, te = self.n_envs, self.act_steps
        reward = np.zeros(n, np.float64)
        executed = np.zeros(n, np.uint8)
        truncated = np.zeros(n, bool)
        obs = self.obs
        for s in range(te):
            # Isaac Gym steps every env together; an env already done this chunk keeps stepping but its
            # result is ignored (its reward and obs are frozen) and it is reset below.
            o, r, _done, _info = self.env.step(self._action(actions[:, s, :]))
            live = ~truncated
            r = to_numpy(r).reshape(n).astype(np.float64)
            reward[live] += r[live]
            executed[live] += 1
            new_obs = process_obs(o)
            obs = np.where(live[:, None], new_obs, obs)
            steps = to_numpy(self.env.env_steps).reshape(n)
            truncated |= live & (steps >= self.max_episode_steps)
            if truncated.all():
                break
        if not np.isfinite(obs).all():
            # Known Isaac Gym issue (DPPO README): NaN observations; report, never send them on.
            raise RuntimeError("Isaac Gym returned NaN/Inf observations (a known Isaac Gym issue); make the envs again")
        if truncated.all():
            obs = process_obs(self.env.reset())
        elif truncated.any():
            idx = np.nonzero(truncated)[0]
            ids = self.torch.as_tensor(idx, device=getattr(self.env, "device", "cpu")) if self.torch is not None else idx
            reset_obs = process_obs(self.env.reset(env_idxs=ids))
            obs = np.where(truncated[:, None], reset_obs, obs)
        self.obs = self._check_obs(obs.astype(np.float32))
        return {
            "obs": self.obs.copy(),
            "reward": reward.astype(np.float32),
            "terminated": np.zeros(n, np.uint8),
            "truncated": truncated.astype(np.uint8),
            "executed": executed,
            "trace": np.zeros((n, te, 0), np.float32),
            "tags": np.zeros((n, 0), np.float32),
        }

    def close(self):
        # type: () -> None
        env, self.env = self.env, None
        if env is not None:
            close = getattr(env, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:
                    pass
            self.backend._release(self)


class IsaacGymBackend(SimBackend):
    name = "isaacgym"

    def __init__(self, device="cuda:0", max_envs=2048, env_factory=None):
        # type: (str, int, Optional[Callable[..., Any]]) -> None
        self.device = device
        self.max_envs = max_envs
        self.env_factory = env_factory or default_env_factory(device)
        self.injected = env_factory is not None
        self._live = None  # type: Optional[FurnitureEnvSet]
        self._lock = threading.Lock()

    @staticmethod
    def from_factory_path(path, max_envs=2048):
        # type: (str, int) -> IsaacGymBackend
        """A backend whose envs come from `module:function` (tests inject an env of the same interface)."""
        mod, _, fn = path.partition(":")
        return IsaacGymBackend(max_envs=max_envs, env_factory=getattr(importlib.import_module(mod), fn))

    def tasks(self):
        # type: () -> List[str]
        return task_ids()

    def capabilities(self):
        # type: () -> Dict[str, Any]
        return {"tasks": self.tasks(), "franka": False, "ray": False, "isaacgym": True, "injected_env": self.injected}

    def check_task(self, task):
        # type: (str) -> None
        parse_task(task)

    def make(self, task, n_envs, act_steps, seed, max_episode_steps):
        # type: (str, int, int, int, Optional[int]) -> Any
        furniture, randomness = parse_task(task)
        mes = int(max_episode_steps) if max_episode_steps is not None else FURNITURE[furniture][1]
        with self._lock:
            if self._live is not None:
                raise BridgeError("busy", "Isaac Gym runs one env set per process and another client holds it")
            try:
                env = self.env_factory(furniture, randomness, n_envs, mes, seed)
            except IsaacGymMissing as e:
                raise BridgeError("unsupported", str(e))
            es = FurnitureEnvSet(self, env, task, furniture, n_envs, act_steps, mes)
            self._live = es
            return es

    def _release(self, es):
        # type: (FurnitureEnvSet) -> None
        with self._lock:
            if self._live is es:
                self._live = None
