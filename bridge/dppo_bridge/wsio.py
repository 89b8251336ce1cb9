"""The few `websockets` server APIs the bridge uses, across websockets 10-13 (the last on Python 3.8, Isaac Gym)
and 14+ (the installed one).

- websockets >= 13: `websockets.asyncio.server.serve`; `process_request(connection, request)` returns
  `connection.respond(status, text)` to refuse the upgrade.
- websockets 10-12: the legacy `websockets.serve`; `process_request(path, headers)` returns
  `(status, headers, body)`.
Both take `subprotocols`, `max_size` and `compression`. `check(origin, offered_subprotocols)` returns None to
accept or `(http_status, message)` to refuse; it runs before the upgrade in both.
"""
import http
from typing import Any, Awaitable, Callable, List, Optional, Tuple

import websockets

try:  # websockets >= 13
    from websockets.asyncio.server import serve as _serve_new

    NEW_API = True
except ImportError:  # websockets 10-12
    _serve_new = None
    NEW_API = False

CheckFn = Callable[[Optional[str], List[str]], Optional[Tuple[int, str]]]


def _offered(values):
    # type: (List[str]) -> List[str]
    out = []  # type: List[str]
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return out


def websockets_version():
    # type: () -> str
    return getattr(websockets, "__version__", "?")


async def serve(handler, host, port, check, subprotocol, max_size):
    # type: (Callable[[Any], Awaitable[None]], str, int, CheckFn, str, int) -> Any
    """Starts the server (returns the server object, whose `.sockets` and `.close()`/`.wait_closed()` work in both)."""
    common = dict(subprotocols=[subprotocol], max_size=max_size, compression=None, ping_interval=20, ping_timeout=20)
    if NEW_API:

        def process_request(connection, request):
            # type: (Any, Any) -> Any
            verdict = check(request.headers.get("Origin"), _offered(request.headers.get_all("Sec-WebSocket-Protocol")))
            if verdict is None:
                return None
            return connection.respond(http.HTTPStatus(verdict[0]), verdict[1] + "\n")

        return await _serve_new(handler, host, port, process_request=process_request, **common)

    async def legacy_process_request(path, headers):
        # type: (str, Any) -> Any
        verdict = check(headers.get("Origin"), _offered(headers.get_all("Sec-WebSocket-Protocol")))
        if verdict is None:
            return None
        return (http.HTTPStatus(verdict[0]), [("Content-Type", "text/plain")], (verdict[1] + "\n").encode())

    async def legacy_handler(ws, path=None):
        # type: (Any, Optional[str]) -> None
        await handler(ws)

    return await websockets.serve(legacy_handler, host, port, process_request=legacy_process_request, **common)


def is_closed_error(e):
    # type: (BaseException) -> bool
    return isinstance(e, websockets.exceptions.ConnectionClosed)
