"""The browser VecEnv's chunk rules for a slice of native envs (src/sim/vectorEnv.ts; DPPO's MultiStep wrapper,
irom-princeton/dppo env/gym_utils/wrapper/multi_step.py).

A slice holds envs [first_env, first_env + n) of a batch of total_envs. Env i's k-th reset uses
seed + first_env + i + k * total_envs, so slices spread over processes (Ray) reset exactly like one batch.
`step` executes the first act_steps actions of every env's chunk, sums the rewards, stops an env's chunk at
its episode end, repeats the last trace point after an early stop, reads the tags at the end of the chunk
and resets a finished env inside the step. Truncation (the horizon) is reported apart from termination.

An env provides reset(seed, obs_out), step(action, obs_out, trace_out) -> (reward, terminated, truncated)
and tags() -> {key: value}; its task provides obs_dim, trace_dim, tag_keys and max_episode_steps.
"""
from typing import Any, Dict, List, Optional

import numpy as np


class VecSlice(object):
    def __init__(self, task, envs, act_steps, seed, first_env=0, total_envs=None, threads=1):
        # type: (Any, List[Any], int, int, int, Optional[int], int) -> None
        self.task = task
        self.envs = envs
        self.n = len(envs)
        self.act_steps = int(act_steps)
        self.seed = int(seed)
        self.first_env = int(first_env)
        self.total_envs = int(total_envs if total_envs is not None else self.n)
        self.reset_count = [0] * self.n
        self.step_count = [0] * self.n
        self.obs = np.zeros((self.n, task.obs_dim), dtype=np.float32)
        self.started = False
        self.threads = max(1, min(int(threads), self.n))
        self._pool = None
        if self.threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="dppo-env")

    def _reset_one(self, i):
        # type: (int) -> None
        seed = self.seed + self.first_env + i + self.reset_count[i] * self.total_envs
        self.envs[i].reset(seed, self.obs[i])
        self.reset_count[i] += 1
        self.step_count[i] = 0

    def reset(self):
        # type: () -> np.ndarray
        for i in range(self.n):
            self._reset_one(i)
        self.started = True
        return self.obs.copy()

    def step(self, actions):
        # type: (np.ndarray) -> Dict[str, np.ndarray]
        """actions float32 [n, Ta, Da] with Ta >= act_steps."""
        if not self.started:
            raise RuntimeError("reset must come before step")
        n, te, t = self.n, self.act_steps, self.task
        out = {
            "reward": np.zeros(n, dtype=np.float32),
            "terminated": np.zeros(n, dtype=np.uint8),
            "truncated": np.zeros(n, dtype=np.uint8),
            "executed": np.zeros(n, dtype=np.uint8),
            "trace": np.zeros((n, te, t.trace_dim), dtype=np.float32),
            "tags": np.zeros((n, len(t.tag_keys)), dtype=np.float32),
        }
        if self._pool is None:
            self._step_range(actions, out, 0, n)
        else:
            bounds = np.linspace(0, n, self.threads + 1).astype(int)
            futs = [self._pool.submit(self._step_range, actions, out, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
            for f in futs:
                f.result()
        out["obs"] = self.obs.copy()
        return out

    def _step_range(self, actions, out, lo, hi):
        # type: (np.ndarray, Dict[str, np.ndarray], int, int) -> None
        te = self.act_steps
        t = self.task
        trace = out["trace"]
        has_trace = t.trace_dim > 0
        for i in range(lo, hi):
            env = self.envs[i]
            total = 0.0
            done = False
            terminated = truncated = False
            s = 0
            while s < te and not done:
                r, term, trunc = env.step(actions[i, s], self.obs[i], trace[i, s] if has_trace else None)
                total += r
                self.step_count[i] += 1
                if term:
                    terminated = True
                elif trunc or self.step_count[i] >= t.max_episode_steps:
                    truncated = True
                done = terminated or truncated
                s += 1
            out["executed"][i] = s
            if has_trace:
                trace[i, s:] = trace[i, s - 1]
            tags = env.tags()
            for g, key in enumerate(t.tag_keys):
                out["tags"][i, g] = tags.get(key, 0.0)
            out["reward"][i] = total
            out["terminated"][i] = terminated
            out["truncated"][i] = truncated
            if done:
                self._reset_one(i)

    def close(self):
        # type: () -> None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.envs = []
