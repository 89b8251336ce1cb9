"""Backend `franka`: a Panda behind a safety layer (docs/bridge-protocol.md §5; the guards follow the usual
practice for browser-driven arms: explicit arming, a deadman, newest-command-wins, per-step clamps, a
workspace box, one controller, a stop path ahead of everything).

The arm is reached through a small interface, implemented by franky_robot.FrankyRobot (the real arm) and
sim_robot.SimRobot (tests, dry runs):
    ee_pose() -> (pos [3] m, quat [4] w x y z), base frame
    move_to(pos [3], quat [4])   start moving there, asynchronously, preempting the current motion
    stop()                       halt now
    set_gripper(width_m)         may block; run on a worker thread, one at a time
    moving() -> bool

Every command is a STEP frame with actions [1, 1, 7] = (dx, dy, dz, drx, dry, drz, gripper), clipped to
[-1, 1]. The translation (dx, dy, dz)*max_translation has its length clamped to max_translation, the rotation
vector (drx, dry, drz)*max_rotation its angle clamped to max_rotation; both are applied to the pose measured
now (so lag never accumulates targets); the target position is clamped into the workspace box (and the step
toward it again to max_translation, for an arm that starts outside the box).
"""
import asyncio
import logging
import math
import time
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..protocol import FrameError
from .base import BridgeError

log = logging.getLogger("dppo_bridge.franka")

GRIPPER_MAX_WIDTH = 0.08  # m, the Franka Hand's stroke


def parse_workspace(text):
    # type: (str) -> Tuple[np.ndarray, np.ndarray]
    parts = [p for p in text.split(",") if p.strip()]
    if len(parts) != 6:
        raise ValueError("--workspace needs 6 numbers X0,Y0,Z0,X1,Y1,Z1 (m), got %r" % text)
    try:
        v = [float(p) for p in parts]
    except ValueError:
        raise ValueError("--workspace needs 6 numbers X0,Y0,Z0,X1,Y1,Z1 (m), got %r" % text)
    lo, hi = np.array(v[:3]), np.array(v[3:])
    if not (np.all(np.isfinite(v)) and np.all(lo < hi)):
        raise ValueError("--workspace: each lower bound must be below its upper bound, got %r" % text)
    return lo, hi


class SafetyConfig(object):
    def __init__(self, max_translation=0.05, max_rotation=0.5, workspace=None, command_rate_hz=10.0, heartbeat_timeout_ms=250, status_rate_hz=20.0):
        # type: (float, float, Optional[Tuple[np.ndarray, np.ndarray]], float, int, float) -> None
        self.max_translation = float(max_translation)
        self.max_rotation = float(max_rotation)
        self.workspace = workspace if workspace is not None else parse_workspace("0.25,-0.35,0.02,0.75,0.35,0.65")
        self.command_rate_hz = float(command_rate_hz)
        self.heartbeat_timeout_ms = int(heartbeat_timeout_ms)
        self.status_rate_hz = float(status_rate_hz)

    def check(self):
        # type: () -> None
        if not 0 < self.max_translation <= 0.05:
            raise ValueError("--max-translation must be in (0, 0.05] m per command")
        if not 0 < self.max_rotation <= 0.5:
            raise ValueError("--max-rotation must be in (0, 0.5] rad per command")
        if not 0 < self.command_rate_hz <= 100:
            raise ValueError("--command-rate must be in (0, 100] Hz")
        if not 50 <= self.heartbeat_timeout_ms <= 280:
            raise ValueError("--heartbeat-timeout-ms must be in [50, 280] (the arm must stop within 300 ms of silence)")


# ---------------------------------------------------------------------------------------- rotations (w, x, y, z)


def quat_mul(a, b):
    # type: (np.ndarray, np.ndarray) -> np.ndarray
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return np.array([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ])


def quat_from_rotvec(r):
    # type: (np.ndarray) -> np.ndarray
    angle = float(np.linalg.norm(r))
    if angle < 1e-12:
        return np.array([1.0, 0.0, 0.0, 0.0])
    axis = r / angle
    return np.concatenate([[math.cos(angle / 2)], math.sin(angle / 2) * axis])


def quat_angle(a, b):
    # type: (np.ndarray, np.ndarray) -> float
    """Rotation angle between two unit quaternions (rad)."""
    d = abs(float(np.dot(a, b)))
    return 2.0 * math.acos(min(1.0, d))


def safe_target(action, pos, quat, cfg):
    # type: (np.ndarray, np.ndarray, np.ndarray, SafetyConfig) -> Tuple[np.ndarray, np.ndarray, float]
    """The clamped target (pos, quat) and gripper width for a command [7] from the measured pose."""
    a = np.clip(np.asarray(action, np.float64), -1.0, 1.0)
    d = a[:3] * cfg.max_translation
    n = float(np.linalg.norm(d))
    if n > cfg.max_translation:
        d *= cfg.max_translation / n
    lo, hi = cfg.workspace
    target = np.clip(pos + d, lo, hi)
    step = target - pos
    n = float(np.linalg.norm(step))
    if n > cfg.max_translation:  # the arm started outside the box: approach it at the per-step limit
        target = pos + step * (cfg.max_translation / n)
    r = a[3:6] * cfg.max_rotation
    ang = float(np.linalg.norm(r))
    if ang > cfg.max_rotation:
        r *= cfg.max_rotation / ang
    q = quat_mul(quat_from_rotvec(r), np.asarray(quat, np.float64))
    q /= np.linalg.norm(q)
    width = (float(a[6]) + 1.0) / 2.0 * GRIPPER_MAX_WIDTH
    return target, q, width


# ---------------------------------------------------------------------------------------- backend


class FrankaBackend(object):
    name = "franka"
    is_robot = True
    max_envs = 0

    def __init__(self, robot, cfg):
        # type: (Any, SafetyConfig) -> None
        self.robot = robot
        self.cfg = cfg
        self.state = "connected"
        self.controller = None  # type: Any
        self.pending = None  # type: Optional[Tuple[int, np.ndarray]]
        self.last_alive = 0.0
        self.next_slot = 0.0
        self.last_seq = None  # type: Optional[int]
        self.dropped = 0
        self.executed = 0
        self.gripper_busy = False
        self.gripper_width = None  # type: Optional[float]
        self.server = None  # type: Any
        self._tasks = []  # type: List[Any]

    def tasks(self):
        # type: () -> List[str]
        return []

    def capabilities(self):
        # type: () -> Dict[str, Any]
        return {"tasks": [], "franka": True, "ray": False, "isaacgym": False, "robot": getattr(self.robot, "kind", "franky")}

    def check_task(self, task):
        # type: (str) -> None
        raise BridgeError("unsupported", "the franka backend has no envs")

    async def start(self, server):
        # type: (Any) -> None
        self.server = server
        self._tasks = [asyncio.ensure_future(self._control_loop()), asyncio.ensure_future(self._status_loop())]

    async def close(self):
        # type: () -> None
        self._halt_robot()
        for t in self._tasks:
            t.cancel()

    # ------------------------------------------------------------------ status

    def status(self, conn, reason=None):
        # type: (Any, Optional[str]) -> Dict[str, Any]
        msg = {
            "op": "status",
            "state": self.state,
            "controller": conn is not None and conn is self.controller,
            "last_seq": self.last_seq,
            "dropped": self.dropped,
            "executed": self.executed,
            "moving": bool(self.robot.moving()),
            "t_ms": time.time() * 1000.0,
        }  # type: Dict[str, Any]
        try:
            pos, quat = self.robot.ee_pose()
            msg["ee_pos"] = [float(x) for x in pos]
            msg["ee_quat"] = [float(x) for x in quat]
        except Exception as e:  # a robot error: report it, the control loop halts
            msg["robot_error"] = str(e)
        if reason is not None:
            msg["reason"] = reason
        return msg

    async def _push(self, reason=None):
        # type: (Optional[str]) -> None
        if self.server is not None:
            await self.server.broadcast(lambda c: self.status(c, reason))

    async def _status_loop(self):
        # type: () -> None
        period = 1.0 / self.cfg.status_rate_hz
        while True:
            await asyncio.sleep(period)
            try:
                await self._push()
            except Exception:
                log.exception("status push failed")

    # ------------------------------------------------------------------ safety

    def _halt_robot(self):
        # type: () -> None
        try:
            self.robot.stop()
        except Exception:
            log.exception("robot.stop() failed")

    async def halt(self, reason):
        # type: (str) -> None
        """Stops the arm first, then drops the waiting command and the arming, then tells everyone."""
        self._halt_robot()
        self.pending = None
        was_armed = self.controller is not None
        self.controller = None
        if was_armed or self.state != "connected":
            self.state = "stopped"
        log.warning("arm halted: %s", reason)
        await self._push(reason)

    async def _control_loop(self):
        # type: () -> None
        """Deadman check and the rate-limited execution of the newest command, every 5 ms."""
        timeout = self.cfg.heartbeat_timeout_ms / 1000.0
        period = 1.0 / self.cfg.command_rate_hz
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            if self.controller is not None and now - self.last_alive > timeout:
                await self.halt("deadman")
                continue
            if self.pending is not None and self.controller is not None and now >= self.next_slot:
                seq, action = self.pending
                self.pending = None
                self.next_slot = now + period
                try:
                    self._execute(seq, action)
                except Exception as e:
                    log.exception("command failed")
                    await self.halt("robot error: %s" % e)

    def _execute(self, seq, action):
        # type: (int, np.ndarray) -> None
        pos, quat = self.robot.ee_pose()
        target, q, width = safe_target(action, np.asarray(pos, np.float64), np.asarray(quat, np.float64), self.cfg)
        self.robot.move_to(target, q)
        self.state = "running"
        self.last_seq = seq
        self.executed += 1
        if (self.gripper_width is None or abs(width - self.gripper_width) > 0.005) and not self.gripper_busy:
            self.gripper_busy = True
            self.gripper_width = width
            fut = asyncio.get_event_loop().run_in_executor(None, self.robot.set_gripper, width)
            fut.add_done_callback(self._gripper_done)

    def _gripper_done(self, fut):
        # type: (Any) -> None
        self.gripper_busy = False
        if fut.exception() is not None:
            log.warning("gripper move failed: %s", fut.exception())

    # ------------------------------------------------------------------ client ops (event loop)

    async def on_connect(self, conn):
        # type: (Any) -> None
        await conn.send_json(self.status(conn))

    async def on_arm(self, conn, confirm):
        # type: (Any, Any) -> None
        if confirm != "ARM":
            raise BridgeError("safety", "arming needs confirm: \"ARM\" (typed by the user)")
        if self.controller is not None and self.controller is not conn:
            raise BridgeError("busy", "another client controls the arm")
        self.controller = conn
        self.state = "armed"
        self.pending = None
        self.last_alive = time.monotonic()
        self.next_slot = 0.0
        await self._push("armed")

    async def on_disarm(self, conn):
        # type: (Any) -> None
        if self.controller is not conn:
            raise BridgeError("safety", "this client does not control the arm")
        self._halt_robot()
        self.pending = None
        self.controller = None
        self.state = "connected"
        await self._push("disarmed")

    async def on_stop(self, conn):
        # type: (Any) -> None
        await self.halt("stop")

    def on_alive(self, conn):
        # type: (Any) -> None
        if conn is self.controller:
            self.last_alive = time.monotonic()

    async def on_command(self, conn, seq, actions):
        # type: (Any, int, np.ndarray) -> None
        if actions.shape != (1, 1, 7):
            raise FrameError("a franka command is actions [1, 1, 7], got %s" % (list(actions.shape),))
        if conn is not self.controller:
            raise BridgeError("safety", "command refused: this client has not armed the arm" if self.controller is None else "command refused: another client controls the arm")
        self.last_alive = time.monotonic()
        if self.pending is not None:
            self.dropped += 1  # newest wins: the waiting command is replaced, never queued
        self.pending = (seq, np.array(actions[0, 0], np.float64))

    async def on_disconnect(self, conn):
        # type: (Any) -> None
        if conn is self.controller:
            await self.halt("controller disconnected")
