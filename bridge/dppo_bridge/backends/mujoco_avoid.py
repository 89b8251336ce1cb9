"""Native-MuJoCo D3IL Avoid env with the browser's semantics (src/sim/tasks/avoid/avoidEnv.ts), batched with the
browser VecEnv's rules (the chunk loop of vec_slice.VecSlice, shared with mujoco_gym.GymVecSlice).

The model and every number come from assets/ (written from src/sim/tasks/avoid by
scripts/export-bridge-assets.ts): the MJCF AvoidEnv compiles, the Panda's modified-DH table and joint limits, the
reset posture (solved once in TypeScript, so no IK runs at reset), the controller's IK settings and workspace,
the pillar layout, the mode rows and the reward constants. One env step mirrors AvoidEnv.step:

    desired += action; joint targets = damped-least-squares IK of the downward tool at (desired, z)
    (src/sim/control/downwardServo.ts, downwardIk.ts, warm-started); ctrl = targets; 35 x mj_step;
    modes from the tip xy (modes.ts, D3IL check_mode); collided once the rod touches a pillar (reward.ts);
    reward = the M5 reward (DPPO fork ObstacleAvoidanceM5Env.reward); never terminated; truncated at the horizon.

Reset is deterministic (the seed is unused, as in the browser). The IK below follows the TypeScript code
operation by operation (same loops, same summation order) so identical states give identical joint targets up
to the last bit of the C library's sin/cos.
"""
import math
from typing import Any, Dict, List, Optional

import numpy as np

from .base import task_spec
from .vec_slice import VecSlice

NT = 5  # IK task rows: tool position (3) + world x/y of the tool-axis error (2)


class PandaChain(object):
    """Forward kinematics and the geometric Jacobian of the tool point (pandaKinematics.ts PandaChain)."""

    def __init__(self, dh, base, tool_offset):
        # type: (List[Dict[str, float]], List[float], float) -> None
        self.dh = [(float(r["a"]), float(r["d"]), float(r["alpha"])) for r in dh]
        self.nj = len(self.dh)
        self.base = [float(x) for x in base]
        self.tool_offset = float(tool_offset)
        self.joint_pos = [0.0] * (3 * self.nj)
        self.joint_axis = [0.0] * (3 * self.nj)
        self.tip = [0.0, 0.0, 0.0]
        self.tool_rot = [0.0] * 9

    def update(self, q):
        # type: (List[float]) -> None
        r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
        p = list(self.base)
        jp = self.joint_pos
        ja = self.joint_axis
        for i in range(self.nj):
            a, d, alpha = self.dh[i]
            ca = math.cos(alpha)
            sa = math.sin(alpha)
            lx = a
            ly = -d * sa
            lz = d * ca
            p[0] += r[0] * lx + r[1] * ly + r[2] * lz
            p[1] += r[3] * lx + r[4] * ly + r[5] * lz
            p[2] += r[6] * lx + r[7] * ly + r[8] * lz
            ct = math.cos(q[i])
            st = math.sin(q[i])
            m00, m01, m02 = ct, -st, 0.0
            m10, m11, m12 = ca * st, ca * ct, -sa
            m20, m21, m22 = sa * st, sa * ct, ca
            for row in range(3):
                x0 = r[row * 3]
                x1 = r[row * 3 + 1]
                x2 = r[row * 3 + 2]
                r[row * 3] = x0 * m00 + x1 * m10 + x2 * m20
                r[row * 3 + 1] = x0 * m01 + x1 * m11 + x2 * m21
                r[row * 3 + 2] = x0 * m02 + x1 * m12 + x2 * m22
            jp[i * 3] = p[0]
            jp[i * 3 + 1] = p[1]
            jp[i * 3 + 2] = p[2]
            ja[i * 3] = r[2]
            ja[i * 3 + 1] = r[5]
            ja[i * 3 + 2] = r[8]
        t = self.tool_offset
        self.tip = [p[0] + r[2] * t, p[1] + r[5] * t, p[2] + r[8] * t]
        self.tool_rot = r

    def jacobian5(self):
        # type: () -> List[List[float]]
        """Rows 0-2 linear (z_i x (tip - p_i)), rows 3-4 the angular x/y rows, as lists of nj."""
        nj = self.nj
        tip = self.tip
        jac = [[0.0] * nj for _ in range(NT)]
        for i in range(nj):
            zx = self.joint_axis[i * 3]
            zy = self.joint_axis[i * 3 + 1]
            zz = self.joint_axis[i * 3 + 2]
            dx = tip[0] - self.joint_pos[i * 3]
            dy = tip[1] - self.joint_pos[i * 3 + 1]
            dz = tip[2] - self.joint_pos[i * 3 + 2]
            jac[0][i] = zy * dz - zz * dy
            jac[1][i] = zz * dx - zx * dz
            jac[2][i] = zx * dy - zy * dx
            jac[3][i] = zx
            jac[4][i] = zy
        return jac


class DownwardIk(object):
    """Damped-least-squares IK with a null-space posture term (downwardIk.ts DownwardIk)."""

    def __init__(self, chain, rest, q_min, q_max, damping, posture_gain, max_step, limit_margin):
        # type: (PandaChain, List[float], List[float], List[float], float, float, float, float) -> None
        self.chain = chain
        self.rest = [float(x) for x in rest]
        self.damping = float(damping)
        self.posture_gain = float(posture_gain)
        self.max_step = float(max_step)
        self.lo = [float(x) + limit_margin for x in q_min]
        self.hi = [float(x) - limit_margin for x in q_max]

    def solve(self, q, x, y, z, max_iter, tol):
        # type: (List[float], float, float, float, int, float) -> None
        chain = self.chain
        it = 0
        while True:
            chain.update(q)
            e = [x - chain.tip[0], y - chain.tip[1], z - chain.tip[2], -chain.tool_rot[5], chain.tool_rot[2]]
            pos_err = math.hypot(e[0], e[1], e[2])
            tilt_err = math.hypot(e[3], e[4])
            if (pos_err < tol and tilt_err < 10 * tol) or it >= max_iter:
                break
            self._iterate(q, e)
            it += 1

    def _iterate(self, q, err):
        # type: (List[float], List[float]) -> None
        nj = self.chain.nj
        jac = self.chain.jacobian5()
        a = [0.0] * (NT * NT)
        for r in range(NT):
            jr = jac[r]
            for c in range(r, NT):
                jc = jac[c]
                s = 0.0
                for j in range(nj):
                    s += jr[j] * jc[j]
                a[r * NT + c] = s
                a[c * NT + r] = s
            a[r * NT + r] += self.damping * self.damping
        _cholesky(a, NT)
        z0 = [self.posture_gain * (self.rest[j] - q[j]) for j in range(nj)]
        jz = [0.0] * NT
        for r in range(NT):
            s = 0.0
            jr = jac[r]
            for j in range(nj):
                s += jr[j] * z0[j]
            jz[r] = err[r] - s
        yv = _cholesky_solve(a, NT, jz)
        dq = [0.0] * nj
        max_abs = 0.0
        for j in range(nj):
            s = z0[j]
            for r in range(NT):
                s += jac[r][j] * yv[r]
            dq[j] = s
            if abs(s) > max_abs:
                max_abs = abs(s)
        scale = self.max_step / max_abs if max_abs > self.max_step else 1.0
        for j in range(nj):
            v = q[j] + scale * dq[j]
            q[j] = self.lo[j] if v < self.lo[j] else (self.hi[j] if v > self.hi[j] else v)


def _cholesky(a, n):
    # type: (List[float], int) -> None
    for i in range(n):
        for j in range(i + 1):
            s = a[i * n + j]
            for k in range(j):
                s -= a[i * n + k] * a[j * n + k]
            a[i * n + j] = math.sqrt(s) if i == j else s / a[j * n + j]


def _cholesky_solve(l, n, b):
    # type: (List[float], int, List[float]) -> List[float]
    x = [0.0] * n
    for i in range(n):
        s = b[i]
        for k in range(i):
            s -= l[i * n + k] * x[k]
        x[i] = s / l[i * n + i]
    for i in range(n - 1, -1, -1):
        s = x[i]
        for k in range(i + 1, n):
            s -= l[k * n + i] * x[k]
        x[i] = s / l[i * n + i]
    return x


class AvoidTask(object):
    """The Avoid model and rule, compiled once and shared by its envs."""

    def __init__(self, task_id, entry, xml, max_episode_steps=None):
        # type: (str, Dict[str, Any], str, Optional[int]) -> None
        import mujoco

        self.mujoco = mujoco
        self.task_id = task_id
        self.model = mujoco.MjModel.from_xml_string(xml)
        spec = task_spec(entry, max_episode_steps)
        self.spec = spec
        self.max_episode_steps = int(spec["max_episode_steps"])
        self.obs_dim = int(spec["obs_dim"])
        self.act_dim = int(spec["act_dim"])
        rule = entry["rule"]
        self.rule = rule
        self.n_substeps = int(rule["n_substeps"])
        self.tool_z = float(rule["tool_z"])
        self.start_q = [float(x) for x in rule["start_qpos"]]
        arm = rule["arm"]
        self.arm = arm
        ws = rule["workspace"]
        self.r_min, self.r_max, self.max_bearing = float(ws["r_min"]), float(ws["r_max"]), float(ws["max_bearing"])
        ik = rule["ik"]
        self.ik_cfg = ik
        self.pillars = [(float(p["x"]), float(p["y"]), float(p["radius"])) for p in rule["pillars"]]
        self.rod_radius = float(rule["rod_radius"])
        self.row_y = [float(v) for v in rule["row_y"]]
        self.mode_band = float(rule["mode_band"])
        self.goal_y = float(rule["goal_y"])
        self.x_bounds = [float(v) for v in rule["x_bounds"]]
        self.row1_x = self.pillars[0][0]
        self.row2_x = [self.pillars[1][0], self.pillars[2][0]]
        self.row3_x = [self.pillars[3][0], self.pillars[4][0], self.pillars[5][0]]
        self.tip_site = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_SITE, rule["tip_site"])
        self.trace_dim = 2
        self.tag_keys = list(entry["tag_keys"])
        if self.tip_site < 0 or self.model.nu != len(self.start_q):
            raise ValueError("%s model does not match its rule (tip site %d, nu %d)" % (task_id, self.tip_site, self.model.nu))

    def hits_pillar(self, x, y):
        # type: (float, float) -> bool
        for px, py, pr in self.pillars:
            r = pr + self.rod_radius
            dx = x - px
            dy = y - py
            if dx * dx + dy * dy < r * r:
                return True
        return False

    def row3_gap(self, x):
        # type: (float) -> int
        for k, bx in enumerate(self.row3_x):
            if x < bx:
                return 5 + k
        return 8


class AvoidEnv(object):
    """One env: its own MjData, controller state, desired point and mode bookkeeping."""

    def __init__(self, task):
        # type: (AvoidTask) -> None
        self.task = task
        self.data = task.mujoco.MjData(task.model)
        arm = task.arm
        self.chain = PandaChain(arm["dh"], arm["base"], arm["tool_offset"])
        ik = task.ik_cfg
        self.ik = DownwardIk(self.chain, task.start_q, arm["q_min"], arm["q_max"], ik["damping"], ik["posture_gain"], ik["max_step"], ik["limit_margin"])
        self.q_target = list(task.start_q)
        self.desired = [0.0, 0.0]
        self.bits = 0
        self.row_passed = [False, False, False]
        self.collided = False
        self.steps = 0

    def tip(self):
        # type: () -> tuple
        i = self.task.tip_site
        xp = self.data.site_xpos[i]
        return float(xp[0]), float(xp[1])

    def reset(self, seed, obs_out):
        # type: (int, np.ndarray) -> None
        t = self.task
        mj = t.mujoco
        d = self.data
        mj.mj_resetData(t.model, d)
        d.qpos[:] = t.start_q
        d.qvel[:] = 0.0
        d.ctrl[:] = t.start_q
        self.q_target = list(t.start_q)
        mj.mj_forward(t.model, d)
        x, y = self.tip()
        self.desired = [x, y]
        self.bits = 0
        self.row_passed = [False, False, False]
        self.collided = False
        self.steps = 0
        self.observe(obs_out)

    def observe(self, out):
        # type: (np.ndarray) -> None
        x, y = self.tip()
        out[:] = (self.desired[0], self.desired[1], x, y)

    def _command(self, x, y, z):
        # type: (float, float, float) -> None
        t = self.task
        bx, by = self.chain.base[0], self.chain.base[1]
        dx = x - bx
        dy = y - by
        r = math.hypot(dx, dy)
        bearing = math.atan2(dy, dx)
        if r < t.r_min or r > t.r_max or abs(bearing) > t.max_bearing:
            rc = min(t.r_max, max(t.r_min, r))
            bc = min(t.max_bearing, max(-t.max_bearing, bearing))
            x = bx + rc * math.cos(bc)
            y = by + rc * math.sin(bc)
        self.ik.solve(self.q_target, x, y, z, int(t.ik_cfg["iter_per_step"]), float(t.ik_cfg["step_tol"]))

    def _update_modes(self, x, y):
        # type: (float, float) -> None
        t = self.task
        if not self.row_passed[0] and abs(y - t.row_y[0]) <= t.mode_band:
            if x < t.row1_x:
                self.bits |= 1 << 0
            elif x > t.row1_x:
                self.bits |= 1 << 1
            self.row_passed[0] = True
        if not self.row_passed[1] and abs(y - t.row_y[1]) <= t.mode_band:
            if x < t.row2_x[0]:
                self.bits |= 1 << 2
            elif t.row2_x[0] < x < t.row2_x[1]:
                self.bits |= 1 << 3
            elif x > t.row2_x[1]:
                self.bits |= 1 << 4
            self.row_passed[1] = True
        if not self.row_passed[2] and y >= t.row_y[2]:
            self.bits |= 1 << t.row3_gap(x)
            self.row_passed[2] = True

    def row3_mode(self):
        # type: () -> int
        for k in range(5, 9):
            if self.bits & (1 << k):
                return k
        return -1

    def step(self, action, obs_out, trace_out):
        # type: (np.ndarray, np.ndarray, Optional[np.ndarray]) -> tuple
        t = self.task
        mj = t.mujoco
        d = self.data
        a = action.tolist()  # float32 -> float64, as JS reads a Float32Array
        self.desired[0] += a[0]
        self.desired[1] += a[1]
        self._command(self.desired[0], self.desired[1], t.tool_z)
        d.ctrl[:] = self.q_target
        for _ in range(t.n_substeps):
            mj.mj_step(t.model, d)
        self.steps += 1
        x, y = self.tip()
        self._update_modes(x, y)
        if not self.collided and t.hits_pillar(x, y):
            self.collided = True
        if self.collided or x < t.x_bounds[0] or x > t.x_bounds[1]:
            reward = -0.1
        else:
            reward = (1.0 if self.bits & (1 << 5) else 0.0) + (1.0 if y > t.goal_y else 0.0)
        self.observe(obs_out)
        if trace_out is not None:
            trace_out[0] = x
            trace_out[1] = y
        return reward, False, self.steps >= t.max_episode_steps

    def tags(self):
        # type: () -> Dict[str, float]
        return {"row3Mode": float(self.row3_mode()), "collided": 1.0 if self.collided else 0.0, "modeBits": float(self.bits)}


class AvoidVecSlice(VecSlice):
    """Envs [first_env, first_env + n) of a batch of total_envs, with the browser VecEnv's chunk semantics."""

    def __init__(self, task_id, entry, xml, n_envs, act_steps, seed, max_episode_steps=None, first_env=0, total_envs=None):
        # type: (str, Dict[str, Any], str, int, int, int, Optional[int], int, Optional[int]) -> None
        task = AvoidTask(task_id, entry, xml, max_episode_steps)
        VecSlice.__init__(self, task, [AvoidEnv(task) for _ in range(int(n_envs))], act_steps, seed, first_env, total_envs)
