"""Backend `mujoco`: the project's Gym locomotion tasks (mujoco_gym.py) and D3IL Avoid (mujoco_avoid.py) on native MuJoCo (PyPI `mujoco`), in this process or as
env slices on a Ray cluster.

In-process, one EnvSet holds n envs (one MjData each on one compiled MjModel); with `threads` > 1 contiguous
env ranges step on a thread pool (MuJoCo's Python bindings release the GIL inside mj_step, so this pays for
larger models and batches; for the Hopper the Python around mj_step dominates and 1 thread is the default).

With Ray (`--ray ADDRESS`), the n envs are split into contiguous slices, one Ray actor per slice; env j of
slice [first, first + m) resets with seed + first + j + k*n, the seed the whole batch would give it, and
results are gathered in env order, so a Ray run equals a local one number for number.
"""
import os
from typing import Any, Dict, List, Optional

import numpy as np

from .base import BridgeError, SimBackend, task_spec
from .mujoco_avoid import AvoidVecSlice
from .mujoco_gym import ASSETS, GymVecSlice, load_task_table


def make_slice(task, n_envs, act_steps, seed, max_episode_steps=None, first_env=0, total_envs=None, threads=1):
    # type: (str, int, int, int, Optional[int], int, Optional[int], int) -> Any
    """The env slice for a task of assets/tasks.json, by the entry's `env` (absent: a Gym task)."""
    table = load_task_table()
    if task not in table:
        raise KeyError(task)
    entry = table[task]
    if entry.get("env") == "avoid":
        with open(os.path.join(ASSETS, entry["xml"])) as f:
            xml = f.read()
        return AvoidVecSlice(task, entry, xml, n_envs, act_steps, seed, max_episode_steps, first_env, total_envs)
    return GymVecSlice(task, n_envs, act_steps, seed, max_episode_steps, first_env, total_envs, threads=threads)


def _trace_dim(entry):
    # type: (Dict[str, Any]) -> int
    tr = entry["trace"]
    return int(tr["dim"]) if "dim" in tr else len(tr["qpos"])


class LocalEnvSet(object):
    def __init__(self, vec):
        # type: (Any) -> None
        self.vec = vec
        t = vec.task
        self.spec = t.spec
        self.n_envs = vec.n
        self.act_steps = vec.act_steps
        self.trace_dim = t.trace_dim
        self.tag_keys = list(t.tag_keys)

    def reset(self):
        # type: () -> np.ndarray
        return self.vec.reset()

    def step(self, actions):
        # type: (np.ndarray) -> Dict[str, np.ndarray]
        return self.vec.step(actions)

    def close(self):
        # type: () -> None
        self.vec.close()


def _slices(n, k):
    # type: (int, int) -> List[tuple]
    k = max(1, min(k, n))
    bounds = [round(i * n / k) for i in range(k + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(k) if bounds[i + 1] > bounds[i]]


class RayEnvSet(object):
    """n envs as Ray actors, one per contiguous slice; results concatenated in env order."""

    def __init__(self, ray, actor_cls, task, n_envs, act_steps, seed, max_episode_steps, n_actors):
        # type: (Any, Any, str, int, int, int, Optional[int], int) -> None
        self.ray = ray
        table = load_task_table()
        entry = table[task]
        self.spec = task_spec(entry, max_episode_steps)
        self.n_envs = n_envs
        self.act_steps = act_steps
        self.trace_dim = _trace_dim(entry)
        self.tag_keys = list(entry["tag_keys"])
        self.slices = _slices(n_envs, n_actors)
        self.actors = [
            actor_cls.remote(task, b - a, act_steps, seed, max_episode_steps, a, n_envs) for a, b in self.slices
        ]

    def reset(self):
        # type: () -> np.ndarray
        parts = self.ray.get([a.reset.remote() for a in self.actors])
        return np.concatenate(parts, axis=0)

    def step(self, actions):
        # type: (np.ndarray) -> Dict[str, np.ndarray]
        refs = [actor.step.remote(np.ascontiguousarray(actions[a:b])) for actor, (a, b) in zip(self.actors, self.slices)]
        parts = self.ray.get(refs)
        return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}

    def close(self):
        # type: () -> None
        for a in self.actors:
            try:
                self.ray.kill(a)
            except Exception:
                pass
        self.actors = []


class MujocoBackend(SimBackend):
    name = "mujoco"

    def __init__(self, threads=1, ray_address=None, ray_actors=None, max_envs=4096):
        # type: (int, Optional[str], Optional[int], int) -> None
        import mujoco  # noqa: F401  (fail at start, with the CLI's message, when it is missing)

        self.threads = threads
        self.max_envs = max_envs
        self._tasks = list(load_task_table())
        self.ray = None
        self.ray_actors = ray_actors
        self._actor_cls = None
        if ray_address is not None:
            self._init_ray(ray_address)

    def _init_ray(self, address):
        # type: (str) -> None
        import ray

        # Workers import dppo_bridge; from a source checkout (not pip-installed) they need its folder on the path.
        pkg_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        runtime_env = {"env_vars": {"PYTHONPATH": os.pathsep.join([pkg_parent] + [p for p in [os.environ.get("PYTHONPATH")] if p])}}
        if address == "local":
            ray.init(runtime_env=runtime_env, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
        self.ray = ray

        @ray.remote
        class GymSliceActor(object):
            def __init__(self, task, n, act_steps, seed, max_episode_steps, first_env, total_envs):
                self.vec = make_slice(task, n, act_steps, seed, max_episode_steps, first_env, total_envs)

            def reset(self):
                return self.vec.reset()

            def step(self, actions):
                return self.vec.step(actions)

        self._actor_cls = GymSliceActor
        if self.ray_actors is None:
            self.ray_actors = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def tasks(self):
        # type: () -> List[str]
        return self._tasks

    def capabilities(self):
        # type: () -> Dict[str, Any]
        return {"tasks": self.tasks(), "franka": False, "ray": self.ray is not None, "isaacgym": False}

    def make(self, task, n_envs, act_steps, seed, max_episode_steps):
        # type: (str, int, int, int, Optional[int]) -> Any
        self.check_task(task)
        if self.ray is not None:
            return RayEnvSet(self.ray, self._actor_cls, task, n_envs, act_steps, seed, max_episode_steps, int(self.ray_actors or 1))
        try:
            vec = make_slice(task, n_envs, act_steps, seed, max_episode_steps, threads=self.threads)
        except KeyError:
            raise BridgeError("bad_request", "unknown task %r" % task)
        return LocalEnvSet(vec)

    async def close(self):
        # type: () -> None
        if self.ray is not None:
            self.ray.shutdown()
            self.ray = None
