"""The bridge's WebSocket server (docs/bridge-protocol.md): handshake checks, token, per-connection request
queue, binary frames, and the hand-off to the backend.

Security (spec: a localhost bridge is reachable by any web page the user opens): the Origin allowlist and the
subprotocol are checked before the upgrade; the first message must be `hello` with the token, compared in
constant time; messages over the size limit close the connection; a malformed frame is answered with an
error and closes that connection only. Env work runs on a thread pool so that `stop` and heartbeats are
read while a step runs; `stop` drops every queued request of its connection before anything else.
"""
import asyncio
import collections
import hmac
import json
import logging
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Deque, Dict, List, Optional, Set, Tuple
from urllib.parse import urlsplit

import numpy as np

from . import __version__, wsio
from .backends.base import BridgeError
from .protocol import (
    CLOSE_AUTH,
    CLOSE_BAD_FRAME,
    DTYPE_F32,
    KIND_RESULT,
    KIND_STEP,
    PROTOCOL_VERSION,
    SUBPROTOCOL,
    FrameError,
    decode_frame,
    dumps,
    encode_frame,
    error_msg,
    expect_tensor,
    get_int,
    get_str,
    parse_json,
)

log = logging.getLogger("dppo_bridge")

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
FATAL_CODES = ("bad_frame", "auth", "protocol")
RESULT_ORDER = ("obs", "reward", "terminated", "truncated", "executed", "trace", "tags")


def origin_allowed(origin, extra):
    # type: (Optional[str], List[str]) -> bool
    """No Origin (a CLI or script) or a loopback http(s) origin on any port, or one of `extra` exactly."""
    if origin is None:
        return True
    o = origin.strip().rstrip("/").lower()
    if o in extra:
        return True
    try:
        u = urlsplit(o)
        host = u.hostname
        u.port  # raises ValueError on a bad port
    except ValueError:
        return False
    return u.scheme in ("http", "https") and host in LOOPBACK_HOSTS and not u.username and not u.path


def normalize_origin(origin):
    # type: (str) -> str
    return origin.strip().rstrip("/").lower()


class Connection(object):
    _next = 0

    def __init__(self, ws):
        # type: (Any) -> None
        Connection._next += 1
        self.num = Connection._next
        self.ws = ws
        self.queue = collections.deque()  # type: Deque[Tuple[str, Any]]
        self.wake = asyncio.Event()
        self.envs = None  # type: Any
        self.started = False
        self.closed = False

    async def send_json(self, msg):
        # type: (Dict[str, Any]) -> None
        if self.closed:
            return
        try:
            await self.ws.send(dumps(msg))
        except Exception as e:
            if not wsio.is_closed_error(e):
                raise

    async def send_bytes(self, data):
        # type: (bytes) -> None
        if self.closed:
            return
        try:
            await self.ws.send(data)
        except Exception as e:
            if not wsio.is_closed_error(e):
                raise

    async def fail(self, code, message, close_code, msg_id=None):
        # type: (str, str, int, Optional[int]) -> None
        """Sends an error and closes this connection."""
        await self.send_json(error_msg(code, message, msg_id))
        self.closed = True
        try:
            await self.ws.close(close_code, message[:120])
        except Exception:
            pass


class BridgeServer(object):
    def __init__(self, backend, token, host="127.0.0.1", port=8765, origins=None, max_message_bytes=64 << 20,
                 hello_timeout_s=10.0, max_queue=64, heartbeat_timeout_ms=250, command_rate_hz=10.0):
        # type: (Any, str, str, int, Optional[List[str]], int, float, int, int, float) -> None
        self.backend = backend
        self.token = token.encode("utf-8")
        self.host = host
        self.port = port
        self.origins = [normalize_origin(o) for o in (origins or [])]
        self.max_message_bytes = max_message_bytes
        self.hello_timeout_s = hello_timeout_s
        self.max_queue = max_queue
        self.heartbeat_timeout_ms = heartbeat_timeout_ms
        self.command_rate_hz = command_rate_hz
        self.session_id = uuid.uuid4().hex
        self.connections = set()  # type: Set[Connection]
        self.executor = ThreadPoolExecutor(8, thread_name_prefix="dppo-bridge")
        self.server = None  # type: Any

    # ---------------------------------------------------------------------------------------- lifecycle

    def check_handshake(self, origin, offered):
        # type: (Optional[str], List[str]) -> Optional[Tuple[int, str]]
        if not origin_allowed(origin, self.origins):
            return (403, "dppo-bridge: Origin %s is not allowed (allowed: http://localhost:<port>, http://127.0.0.1:<port>%s; add one with --origin)" % (origin, "".join(", " + o for o in self.origins)))
        if SUBPROTOCOL not in offered:
            return (400, "dppo-bridge: offer the WebSocket subprotocol %s (protocol v%d)" % (SUBPROTOCOL, PROTOCOL_VERSION))
        return None

    async def start(self):
        # type: () -> None
        await self.backend.start(self)
        self.server = await wsio.serve(self.handler, self.host, self.port, self.check_handshake, SUBPROTOCOL, self.max_message_bytes)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self):
        # type: () -> None
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        await self.backend.close()
        self.executor.shutdown(wait=False)

    def url(self):
        # type: () -> str
        host = self.host if ":" not in self.host else "[%s]" % self.host
        return "ws://%s:%d" % (host, self.port)

    def welcome(self):
        # type: () -> Dict[str, Any]
        return {
            "op": "welcome",
            "protocol": PROTOCOL_VERSION,
            "session_id": self.session_id,
            "backend": self.backend.name,
            "server": {"name": "dppo-bridge", "version": __version__, "python": sys.version.split()[0], "websockets": wsio.websockets_version()},
            "capabilities": self.backend.capabilities(),
            "limits": {
                "max_message_bytes": self.max_message_bytes,
                "max_envs": self.backend.max_envs,
                "heartbeat_timeout_ms": self.heartbeat_timeout_ms,
                "command_rate_hz": self.command_rate_hz,
            },
        }

    # ---------------------------------------------------------------------------------------- connection

    async def handler(self, ws):
        # type: (Any) -> None
        conn = Connection(ws)
        worker = None
        try:
            if not await self._authenticate(conn):
                return
            self.connections.add(conn)
            await conn.send_json(self.welcome())
            if self.backend.is_robot:
                await self.backend.on_connect(conn)
            worker = asyncio.ensure_future(self._worker(conn))
            await self._reader(conn)
        except Exception as e:
            if not wsio.is_closed_error(e):
                log.exception("connection %d failed", conn.num)
        finally:
            conn.closed = True
            self.connections.discard(conn)
            if worker is not None:
                worker.cancel()
            if self.backend.is_robot:
                try:
                    await self.backend.on_disconnect(conn)
                except Exception:
                    log.exception("robot backend on_disconnect failed")
            envs, conn.envs = conn.envs, None
            if envs is not None:
                asyncio.get_event_loop().run_in_executor(self.executor, envs.close)

    async def _authenticate(self, conn):
        # type: (Connection) -> bool
        try:
            first = await asyncio.wait_for(conn.ws.recv(), self.hello_timeout_s)
        except asyncio.TimeoutError:
            await conn.fail("auth", "no hello within %g s" % self.hello_timeout_s, CLOSE_AUTH)
            return False
        msg = None
        if isinstance(first, str):
            try:
                msg = parse_json(first, self.max_message_bytes)
            except FrameError:
                msg = None
        if msg is None or msg.get("op") != "hello":
            await conn.fail("auth", "the first message must be hello with the token", CLOSE_AUTH)
            return False
        token = msg.get("token")
        ok = isinstance(token, str) and hmac.compare_digest(token.encode("utf-8"), self.token)
        if not ok:
            await conn.fail("auth", "wrong or missing token", CLOSE_AUTH)
            return False
        if msg.get("protocol") != PROTOCOL_VERSION:
            await conn.fail("protocol", "this bridge speaks protocol %d, the client %r" % (PROTOCOL_VERSION, msg.get("protocol")), CLOSE_BAD_FRAME)
            return False
        return True

    async def _reader(self, conn):
        # type: (Connection) -> None
        while not conn.closed:
            data = await conn.ws.recv()
            try:
                if isinstance(data, str):
                    await self._on_json(conn, parse_json(data, self.max_message_bytes))
                else:
                    await self._on_frame(conn, decode_frame(data, expect_kind=KIND_STEP))
            except FrameError as e:
                if e.code in FATAL_CODES:
                    await conn.fail(e.code, e.message, CLOSE_BAD_FRAME)
                    return
                await conn.send_json(error_msg(e.code, e.message, _msg_id(data)))
            except BridgeError as e:
                await conn.send_json(error_msg(e.code, e.message, _msg_id(data)))

    async def _on_json(self, conn, msg):
        # type: (Connection, Dict[str, Any]) -> None
        op = msg["op"]
        msg_id = msg.get("id")
        robot = self.backend.is_robot
        if op == "heartbeat":
            seq = get_int(msg, "seq", 0, 0xFFFFFFFF)
            t_ms = msg.get("t_ms")
            if isinstance(t_ms, bool) or not isinstance(t_ms, (int, float)):
                raise FrameError("'t_ms' must be a number", "bad_request")
            if robot:
                self.backend.on_alive(conn)
            await conn.send_json({"op": "heartbeat_ack", "seq": seq, "t_ms": t_ms, "server_t_ms": time.time() * 1000.0})
        elif op == "stop":
            cancelled = list(conn.queue)
            conn.queue.clear()
            if robot:
                await self.backend.on_stop(conn)
            for kind, item in cancelled:
                rid = item.seq if kind == "step" else item.get("id")
                await conn.send_json(error_msg("busy", "cancelled by stop", rid))
            if msg_id is not None:
                await conn.send_json({"op": "ok", "id": msg_id})
        elif op in ("arm", "disarm"):
            if not robot:
                raise BridgeError("unsupported", "the %s backend has no arm to %s" % (self.backend.name, op))
            if op == "arm":
                await self.backend.on_arm(conn, msg.get("confirm"))
            else:
                await self.backend.on_disarm(conn)
            if msg_id is not None:
                await conn.send_json({"op": "ok", "id": msg_id})
        elif op in ("make", "reset", "close_envs"):
            if robot:
                raise BridgeError("unsupported", "the %s backend has no envs; use arm and commands" % self.backend.name)
            self._enqueue(conn, op, msg)
        elif op == "hello":
            raise BridgeError("bad_request", "already authenticated")
        else:
            raise BridgeError("bad_request", "unknown op %r" % (op[:40],))

    async def _on_frame(self, conn, frame):
        # type: (Connection, Any) -> None
        actions = expect_tensor(frame, "actions", DTYPE_F32, 3)
        if len(frame.tensors) != 1:
            raise FrameError("a STEP frame carries only actions")
        if self.backend.is_robot:
            await self.backend.on_command(conn, frame.seq, actions)
        else:
            self._enqueue(conn, "step", frame)

    def _enqueue(self, conn, kind, item):
        # type: (Connection, str, Any) -> None
        if len(conn.queue) >= self.max_queue:
            raise BridgeError("limit", "more than %d requests queued on this connection" % self.max_queue)
        conn.queue.append((kind, item))
        conn.wake.set()

    # ---------------------------------------------------------------------------------------- env work

    async def _worker(self, conn):
        # type: (Connection) -> None
        loop = asyncio.get_event_loop()
        while not conn.closed:
            if not conn.queue:
                conn.wake.clear()
                await conn.wake.wait()
                continue
            kind, item = conn.queue.popleft()
            rid = item.seq if kind == "step" else item.get("id")
            try:
                await self._run(conn, loop, kind, item)
            except FrameError as e:
                if e.code in FATAL_CODES:
                    await conn.fail(e.code, e.message, CLOSE_BAD_FRAME, rid)
                    return
                await conn.send_json(error_msg(e.code, e.message, rid))
            except BridgeError as e:
                await conn.send_json(error_msg(e.code, e.message, rid))
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.exception("%s failed", kind)
                await conn.send_json(error_msg("internal", "%s failed: %s: %s" % (kind, type(e).__name__, e), rid))

    async def _run(self, conn, loop, kind, item):
        # type: (Connection, Any, str, Any) -> None
        if kind == "make":
            msg = item
            task = get_str(msg, "task")
            n = get_int(msg, "n_envs", 1, 1 << 30)
            if n > self.backend.max_envs:
                raise BridgeError("limit", "n_envs %d exceeds this bridge's max_envs %d" % (n, self.backend.max_envs))
            act_steps = get_int(msg, "act_steps", 1, 255)
            seed = get_int(msg, "seed", -(1 << 31), (1 << 32) - 1)
            mes = msg.get("max_episode_steps")
            mes = None if mes is None else get_int(msg, "max_episode_steps", 1, 10000000)
            self.backend.check_task(task)
            old, conn.envs, conn.started = conn.envs, None, False
            if old is not None:
                await loop.run_in_executor(self.executor, old.close)
            envs = await loop.run_in_executor(self.executor, self.backend.make, task, n, act_steps, seed, mes)
            if conn.closed:
                await loop.run_in_executor(self.executor, envs.close)
                return
            conn.envs = envs
            await conn.send_json({
                "op": "spec",
                "id": msg.get("id"),
                "spec": envs.spec,
                "n_envs": envs.n_envs,
                "act_steps": envs.act_steps,
                "trace_dim": envs.trace_dim,
                "tag_keys": envs.tag_keys,
            })
        elif kind == "reset":
            envs = self._envs(conn)
            obs = await loop.run_in_executor(self.executor, envs.reset)
            conn.started = True
            await conn.send_bytes(encode_frame(KIND_RESULT, item.get("id") or 0, [("obs", np.asarray(obs, np.float32))], time.time_ns()))
        elif kind == "step":
            envs = self._envs(conn)
            actions = item.tensors["actions"]
            n, ta, da = actions.shape
            if n != envs.n_envs or da != envs.spec["act_dim"] or ta < envs.act_steps:
                raise FrameError("actions have shape [%d, %d, %d]; these envs take [%d, >=%d, %d]" % (n, ta, da, envs.n_envs, envs.act_steps, envs.spec["act_dim"]))
            if not conn.started:
                raise BridgeError("bad_request", "reset before the first step")
            res = await loop.run_in_executor(self.executor, envs.step, actions)
            tensors = [(k, np.asarray(res[k], np.uint8 if k in ("terminated", "truncated", "executed") else np.float32)) for k in RESULT_ORDER]
            await conn.send_bytes(encode_frame(KIND_RESULT, item.seq, tensors, time.time_ns()))
        elif kind == "close_envs":
            envs, conn.envs, conn.started = conn.envs, None, False
            if envs is not None:
                await loop.run_in_executor(self.executor, envs.close)
            await conn.send_json({"op": "ok", "id": item.get("id")})

    def _envs(self, conn):
        # type: (Connection) -> Any
        if conn.envs is None:
            raise BridgeError("bad_request", "no envs on this connection: send make first")
        return conn.envs

    async def broadcast(self, make_msg):
        # type: (Any) -> None
        """Sends make_msg(conn) to every authenticated connection."""
        for conn in list(self.connections):
            await conn.send_json(make_msg(conn))


def _msg_id(data):
    # type: (Any) -> Optional[int]
    """The id of a request, for an error reply (best effort; None when the frame is unreadable)."""
    try:
        if isinstance(data, str):
            v = json.loads(data).get("id")
            return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 0xFFFFFFFF else None
        if len(data) >= 12 and data[:4] == b"DPB1":
            return int.from_bytes(data[8:12], "little")
    except Exception:
        return None
    return None
