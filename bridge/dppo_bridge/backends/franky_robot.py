"""The real Panda through franky (PyPI `franky-control`; github.com/TimSchneider42/franky), imported lazily.

franky plans jerk-limited motions with Ruckig and preempts the running motion when a new one is sent, so
each command becomes one absolute Cartesian target sent asynchronously; `relative_dynamics_factor` (default
0.05) scales the velocity/acceleration/jerk limits down. Absolute targets (not franky's relative motions)
keep the workspace clamp exact and the frame unambiguous (base frame). Poses: franky's Affine has
`translation` and `quaternion` as [x, y, z, w]; the protocol uses [w, x, y, z].

Stop: franky versions differ; `Robot.stop()` is used when present, otherwise a zero relative motion, which
preempts the current one and brings the arm to rest within its dynamics limits. Hardware E-stop stays the
last line of defence. Error recovery (`recover_from_errors`) is never automatic.
"""
import threading
from typing import Any, Tuple

import numpy as np


class FrankyMissing(Exception):
    pass


class FrankyRobot(object):
    kind = "franky"

    def __init__(self, ip, dynamics_factor=0.05, gripper_speed=0.05):
        # type: (str, float, float) -> None
        try:
            import franky
        except ImportError:
            raise FrankyMissing("the franka backend needs franky: pip install franky-control (matching your robot's libfranka)")
        self.franky = franky
        self.robot = franky.Robot(ip)
        self.robot.relative_dynamics_factor = float(dynamics_factor)
        self.gripper = franky.Gripper(ip)
        self.gripper_speed = gripper_speed
        self._lock = threading.Lock()
        self._moving = False

    def ee_pose(self):
        # type: () -> Tuple[np.ndarray, np.ndarray]
        pose = self.robot.current_cartesian_state.pose.end_effector_pose
        x, y, z, w = [float(v) for v in pose.quaternion]
        return np.array(pose.translation, np.float64), np.array([w, x, y, z])

    def move_to(self, pos, quat):
        # type: (np.ndarray, np.ndarray) -> None
        f = self.franky
        w, x, y, z = [float(v) for v in quat]
        motion = f.CartesianMotion(f.Affine([float(v) for v in pos], [x, y, z, w]), f.ReferenceType.Absolute)
        with self._lock:
            self.robot.move(motion, asynchronous=True)
            self._moving = True

    def moving(self):
        # type: () -> bool
        if not self._moving:
            return False
        try:
            done = self.robot.join_motion(timeout=0)  # type: Any
        except TypeError:
            return True
        if done:
            self._moving = False
        return not done

    def stop(self):
        # type: () -> None
        with self._lock:
            stop = getattr(self.robot, "stop", None)
            if callable(stop):
                stop()
            else:
                f = self.franky
                self.robot.move(f.CartesianMotion(f.Affine([0.0, 0.0, 0.0]), f.ReferenceType.Relative), asynchronous=True)
            self._moving = False

    def set_gripper(self, width):
        # type: (float) -> None
        self.gripper.move(float(width), self.gripper_speed)
