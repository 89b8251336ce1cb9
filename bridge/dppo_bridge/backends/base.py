"""What the server needs from a backend (docs/bridge-protocol.md §2, §5).

A simulation backend makes an `EnvSet` per connection:
    spec: dict        the EnvSpec in snake_case (task_id, obs_dim, act_dim, act_low, act_high, control_dt,
                      max_episode_steps, best_reward_threshold_for_success)
    n_envs, act_steps, trace_dim: int; tag_keys: list of str
    reset() -> float32 [n, Do]
    step(actions float32 [n, Ta, Da]) -> dict obs, reward, terminated, truncated, executed, trace, tags
    close()
reset/step/close run on a worker thread (they block); the server calls one at a time per EnvSet.

A robot backend (`is_robot = True`) has no EnvSet; the server hands it arm/disarm/stop/heartbeat/commands
from the event loop (see franka.py).
"""
from typing import Any, Dict, List, Optional


def task_spec(entry, max_episode_steps=None):
    # type: (Dict[str, Any], Optional[int]) -> Dict[str, Any]
    """A tasks.json entry's EnvSpec (snake_case), with the client's horizon override applied."""
    spec = dict(entry["spec"])
    if max_episode_steps is not None:
        spec["max_episode_steps"] = int(max_episode_steps)
    return spec


class BridgeError(Exception):
    """An error answered to the client with a protocol error code; the connection stays open."""

    def __init__(self, code, message):
        # type: (str, str) -> None
        Exception.__init__(self, message)
        self.code = code
        self.message = message


class SimBackend(object):
    name = "sim"
    is_robot = False
    max_envs = 4096

    def tasks(self):
        # type: () -> List[str]
        raise NotImplementedError

    def capabilities(self):
        # type: () -> Dict[str, Any]
        return {"tasks": self.tasks(), "franka": False, "ray": False, "isaacgym": False}

    def make(self, task, n_envs, act_steps, seed, max_episode_steps):
        # type: (str, int, int, int, Optional[int]) -> Any
        raise NotImplementedError

    async def start(self, server):
        # type: (Any) -> None
        pass

    async def close(self):
        # type: () -> None
        pass

    def check_task(self, task):
        # type: (str) -> None
        if task not in self.tasks():
            raise BridgeError("bad_request", "unknown task %r for the %s backend; it serves: %s" % (task, self.name, ", ".join(self.tasks())))
