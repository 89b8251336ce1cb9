"""A NumPy stand-in for DPPO's FurnitureRLSimEnv with its vectorised interface (the Isaac Gym adapter's tests):
num_envs, device, action_space, reset(env_idxs=None) -> {robot_state [n, 14], parts_poses [n, P*7]},
step(action [n, 10]) -> (obs, reward [n, 1], done [n, 1], info), env_steps [n], max_env_steps.

Dynamics: the end effector jumps to the commanded position; the quaternion is a fixed 90 deg turn about z;
a part is "assembled" (reward 1, once per episode) the first step the commanded x exceeds 0.5.
"""
import numpy as np

PARTS = {"one_leg": 6, "lamp": 4, "round_table": 4}


class Box(object):
    def __init__(self, low, high):
        self.low = np.asarray(low, np.float32)
        self.high = np.asarray(high, np.float32)


class FakeFurnitureEnv(object):
    def __init__(self, furniture, randomness, n_envs, max_env_steps, seed):
        self.num_envs = n_envs
        self.max_env_steps = max_env_steps
        self.parts = PARTS[furniture]
        self.rng = np.random.default_rng(seed)
        self.env_steps = np.zeros(n_envs, np.int64)
        self.pos = np.zeros((n_envs, 3))
        self.assembled = np.zeros(n_envs, bool)
        self.action_space = Box([-1.0] * 10, [1.0] * 10)
        self.resets = []

    def _obs(self):
        n = self.num_envs
        s = np.sqrt(0.5)
        quat = np.tile([0.0, 0.0, s, s], (n, 1))  # x, y, z, w: +90 deg about z
        rs = np.concatenate([self.pos, quat, np.zeros((n, 3)), np.ones((n, 3)) * 0.5, np.full((n, 1), 0.04)], axis=1)
        parts = np.tile(np.arange(self.parts * 7, dtype=np.float64) / 100.0, (n, 1)) + self.env_steps[:, None]
        return {"robot_state": rs.astype(np.float32), "parts_poses": parts.astype(np.float32)}

    def reset(self, env_idxs=None):
        idx = np.arange(self.num_envs) if env_idxs is None else np.asarray(env_idxs)
        self.resets.append(idx.tolist())
        self.env_steps[idx] = 0
        self.pos[idx] = self.rng.uniform(-0.1, 0.1, (len(idx), 3))
        self.assembled[idx] = False
        return self._obs()

    def step(self, action):
        a = np.asarray(action, np.float64)
        assert a.shape == (self.num_envs, 10), a.shape
        self.pos = a[:, :3].copy()
        newly = (a[:, 0] > 0.5) & ~self.assembled
        self.assembled |= newly
        self.env_steps += 1
        done = self.env_steps >= self.max_env_steps
        return self._obs(), newly.astype(np.float32)[:, None], done[:, None], {}


def make_env(furniture, randomness, n_envs, max_env_steps, seed):
    return FakeFurnitureEnv(furniture, randomness, n_envs, max_env_steps, seed)
