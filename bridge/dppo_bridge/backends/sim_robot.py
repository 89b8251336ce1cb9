"""A simulated Panda end effector with the interface of franky_robot.FrankyRobot (see franka.py), for tests and
dry runs (`dppo-bridge --backend franka --sim-robot`).

It moves toward the last target at a bounded speed (translation `speed` m/s, rotation `angular_speed` rad/s,
straight line and slerp), evaluated from the clock when read, so a stop freezes the pose at once. It
records every stop and target, which tests read through the bridge's status pushes.
"""
import math
import os
import time
from typing import Tuple

import numpy as np


def _slerp(a, b, f):
    # type: (np.ndarray, np.ndarray, float) -> np.ndarray
    d = float(np.dot(a, b))
    if d < 0:
        b, d = -b, -d
    if d > 0.9995:
        q = a + f * (b - a)
        return q / np.linalg.norm(q)
    th = math.acos(d)
    return (math.sin((1 - f) * th) * a + math.sin(f * th) * b) / math.sin(th)


class SimRobot(object):
    kind = "sim"

    def __init__(self, pos=(0.45, 0.0, 0.35), quat=(0.0, 1.0, 0.0, 0.0), speed=None, angular_speed=1.0):
        # type: (tuple, tuple, float, float) -> None
        self.speed = float(speed if speed is not None else os.environ.get("DPPO_BRIDGE_SIM_SPEED", "0.1"))
        self.angular_speed = float(angular_speed)
        self._from = (np.array(pos, np.float64), np.array(quat, np.float64))
        self._to = self._from
        self._t0 = time.monotonic()
        self._dur = 0.0
        self.stops = 0
        self.width = 0.08

    def _now_pose(self, t):
        # type: (float) -> Tuple[np.ndarray, np.ndarray]
        if self._dur <= 0:
            return self._to
        f = min(1.0, (t - self._t0) / self._dur)
        p = self._from[0] + f * (self._to[0] - self._from[0])
        return p, _slerp(self._from[1], self._to[1], f)

    def ee_pose(self):
        # type: () -> Tuple[np.ndarray, np.ndarray]
        p, q = self._now_pose(time.monotonic())
        return p.copy(), q.copy()

    def moving(self):
        # type: () -> bool
        return self._dur > 0 and time.monotonic() - self._t0 < self._dur

    def move_to(self, pos, quat):
        # type: (np.ndarray, np.ndarray) -> None
        t = time.monotonic()
        cur = self._now_pose(t)
        target = (np.array(pos, np.float64), np.array(quat, np.float64) / np.linalg.norm(quat))
        dist = float(np.linalg.norm(target[0] - cur[0]))
        ang = 2.0 * math.acos(min(1.0, abs(float(np.dot(target[1], cur[1])))))
        self._from, self._to, self._t0 = cur, target, t
        self._dur = max(dist / self.speed, ang / self.angular_speed)

    def stop(self):
        # type: () -> None
        cur = self._now_pose(time.monotonic())
        self._from = self._to = (cur[0].copy(), cur[1].copy())
        self._dur = 0.0
        self.stops += 1

    def set_gripper(self, width):
        # type: (float) -> None
        time.sleep(0.05)  # the real gripper call blocks
        self.width = float(width)
