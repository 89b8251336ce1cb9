"""`dppo-bridge`: serves native MuJoCo, Isaac Gym (Furniture-Bench) or a Franka Panda to the workbench's
connector page over WebSockets (docs/bridge-protocol.md). Prints the URL and token to paste into the page.
"""
import argparse
import asyncio
import ipaddress
import logging
import secrets
import signal
import sys
from typing import Any, List, Optional

from . import __version__

EPILOG = """\
examples:
  dppo-bridge --backend mujoco                       # Hopper/Walker2d/HalfCheetah on native MuJoCo
  dppo-bridge --backend mujoco --ray auto            # env slices as actors on a running Ray cluster
  dppo-bridge --backend isaacgym --device cuda:0     # Furniture-Bench one_leg/lamp/round_table (Python 3.8)
  dppo-bridge --backend franka --robot-ip 172.16.0.2 # a real Panda through franky, behind the safety layer

The bridge binds to 127.0.0.1. Another --host needs --allow-remote (then anyone who can reach the port and
has the token can drive the envs, or the robot). Browsers may connect only from http(s)://localhost or
127.0.0.1 pages, plus each --origin you add; programs without an Origin header need just the token.
"""


def build_parser():
    # type: () -> argparse.ArgumentParser
    p = argparse.ArgumentParser(prog="dppo-bridge", description=__doc__, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["mujoco", "isaacgym", "franka"], required=True, help="what the bridge serves")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --allow-remote)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--token", help="the token clients must send (default: a random one, printed)")
    p.add_argument("--origin", action="append", default=[], metavar="URL", help="also allow browser pages from this origin (repeatable), e.g. https://example.org")
    p.add_argument("--allow-remote", action="store_true", help="allow binding to a non-loopback address")
    p.add_argument("--max-message-mb", type=float, default=64.0, help="largest message accepted (MiB, default 64)")
    p.add_argument("--max-envs", type=int, default=None, help="most envs one client may make (default: 4096 mujoco, 2048 isaacgym)")
    p.add_argument("--verbose", "-v", action="store_true", help="log every connection")
    p.add_argument("--version", action="version", version="dppo-bridge %s" % __version__)
    g = p.add_argument_group("mujoco")
    g.add_argument("--threads", type=int, default=1, help="threads stepping a client's envs (default 1)")
    g.add_argument("--ray", metavar="ADDRESS", help="run env slices as Ray actors: a cluster address, 'auto', or 'local' (start one here)")
    g.add_argument("--ray-actors", type=int, default=None, help="actors per env batch (default: the cluster's CPUs)")
    g = p.add_argument_group("isaacgym")
    g.add_argument("--device", default="cuda:0", help="Isaac Gym compute device (default cuda:0)")
    g.add_argument("--isaacgym-env-factory", metavar="MODULE:FUNCTION", help="build envs with this function instead of FurnitureRLSimEnv (same interface; tests use a NumPy stand-in)")
    g = p.add_argument_group("franka")
    g.add_argument("--robot-ip", help="the Panda's FCI address (franky)")
    g.add_argument("--sim-robot", action="store_true", help="drive a simulated arm instead (for tests and dry runs)")
    g.add_argument("--max-translation", type=float, default=0.05, help="largest translation per command in m (default 0.05)")
    g.add_argument("--max-rotation", type=float, default=0.5, help="largest rotation per command in rad (default 0.5)")
    g.add_argument("--workspace", default="0.25,-0.35,0.02,0.75,0.35,0.65", metavar="X0,Y0,Z0,X1,Y1,Z1", help="end-effector box in the base frame, m")
    g.add_argument("--command-rate", type=float, default=10.0, help="commands executed per second at most (default 10)")
    g.add_argument("--heartbeat-timeout-ms", type=int, default=250, help="deadman: stop after this much silence (default 250)")
    g.add_argument("--dynamics-factor", type=float, default=0.05, help="franky relative_dynamics_factor (default 0.05)")
    return p


def is_loopback(host):
    # type: (str) -> bool
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fail(msg, code=2):
    # type: (str, int) -> None
    sys.stderr.write("dppo-bridge: %s\n" % msg)
    sys.exit(code)


def make_backend(args):
    # type: (Any) -> Any
    if args.backend == "mujoco":
        try:
            import mujoco  # noqa: F401
        except ImportError:
            fail("the mujoco backend needs the MuJoCo Python package: pip install 'dppo-bridge[mujoco]' (or pip install mujoco)")
        if args.ray:
            try:
                import ray  # noqa: F401
            except ImportError:
                fail("--ray needs Ray: pip install 'dppo-bridge[ray]' (or pip install ray)")
        from .backends.mujoco_backend import MujocoBackend

        return MujocoBackend(threads=args.threads, ray_address=args.ray, ray_actors=args.ray_actors, max_envs=args.max_envs or 4096)
    if args.backend == "isaacgym":
        from .backends.isaacgym_backend import IsaacGymBackend

        if args.isaacgym_env_factory:
            try:
                return IsaacGymBackend.from_factory_path(args.isaacgym_env_factory, max_envs=args.max_envs or 2048)
            except (ImportError, AttributeError, ValueError) as e:
                fail("--isaacgym-env-factory %s: %s" % (args.isaacgym_env_factory, e))
        import importlib.util

        for mod, hint in (("isaacgym", "Isaac Gym Preview 4 (Python 3.8, NVIDIA GPU)"), ("furniture_bench", "furniture-bench (DPPO's fork ankile/furniture-bench)")):
            if importlib.util.find_spec(mod) is None:
                fail("the isaacgym backend needs %s; %s is not importable here (see DPPO installation/install_furniture.md)" % (hint, mod))
        return IsaacGymBackend(device=args.device, max_envs=args.max_envs or 2048)
    from .backends.franka import FrankaBackend, SafetyConfig, parse_workspace

    try:
        box = parse_workspace(args.workspace)
    except ValueError as e:
        fail(str(e))
    cfg = SafetyConfig(
        max_translation=args.max_translation,
        max_rotation=args.max_rotation,
        workspace=box,
        command_rate_hz=args.command_rate,
        heartbeat_timeout_ms=args.heartbeat_timeout_ms,
    )
    try:
        cfg.check()
    except ValueError as e:
        fail(str(e))
    if args.sim_robot:
        from .backends.sim_robot import SimRobot

        robot = SimRobot()
    else:
        if not args.robot_ip:
            fail("the franka backend needs --robot-ip (or --sim-robot for a simulated arm)")
        from .backends.franky_robot import FrankyRobot, FrankyMissing

        try:
            robot = FrankyRobot(args.robot_ip, dynamics_factor=args.dynamics_factor)
        except FrankyMissing as e:
            fail(str(e))
    return FrankaBackend(robot, cfg)


def main(argv=None):
    # type: (Optional[List[str]]) -> None
    args = build_parser().parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
        fail(
            "refusing to bind to %s: that is not a loopback address, so other machines could reach the bridge. "
            "Pass --allow-remote to do it anyway (anyone with the token can then drive the envs or the robot)." % args.host
        )
    if not 0 <= args.port <= 65535:
        fail("--port must be in 0..65535")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    token = args.token if args.token else secrets.token_urlsafe(24)
    backend = make_backend(args)
    try:
        asyncio.run(serve(args, backend, token))
    except KeyboardInterrupt:
        pass


async def serve(args, backend, token):
    # type: (Any, Any, str) -> None
    from .server import BridgeServer

    hb = args.heartbeat_timeout_ms if args.backend == "franka" else 250
    rate = args.command_rate if args.backend == "franka" else 10.0
    server = BridgeServer(backend, token, host=args.host, port=args.port, origins=args.origin, max_message_bytes=int(args.max_message_mb * (1 << 20)), heartbeat_timeout_ms=hb, command_rate_hz=rate)
    try:
        await server.start()
    except OSError as e:
        await backend.close()
        fail("cannot listen on %s:%d: %s" % (args.host, args.port, e.strerror or e))
    tasks = ", ".join(backend.capabilities()["tasks"]) or "-"
    print("dppo-bridge %s: backend %s (%s)" % (__version__, backend.name, tasks))
    print("Paste into the connector page:")
    print("  URL:   %s" % server.url())
    print("  Token: %s" % token)
    print("  (or both in one line: %s#token=%s)" % (server.url(), token))
    print("Stop with Ctrl+C.")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_event_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await stop.wait()
    finally:
        await server.close()


if __name__ == "__main__":
    main()
