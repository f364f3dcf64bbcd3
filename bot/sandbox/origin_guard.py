"""Only the sandbox's own page may drive the sandbox.

The emulator listens on localhost with no sign-in: anyone on the page can post as any
buyer or agent, by design. Two browser attacks would let *another* web site do the same
while the developer has the sandbox open:

- cross-site requests: a page on evil.example POSTs to http://127.0.0.1:8080/sandbox/api/send.
  Browsers send an `Origin` header with such requests; it must name this server.
- DNS rebinding: evil.example re-resolves to 127.0.0.1, so its scripts become "same
  origin" and can read /sandbox/api/state. The `Host` header then still says
  evil.example: it must be an IP address, `localhost`, or the host the sandbox was
  started on.

Requests without an `Origin` (aiogram's own Bot API calls, curl, tests) are not from a
browser page and pass the Origin check. Refused requests get 403 with a JSON reason.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _hostname(host_header: str) -> str:
    """`example.com:8080` → `example.com`; `[::1]:8080` → `::1`."""
    parsed = urlsplit(f"//{host_header}")
    return (parsed.hostname or "").lower()


def host_allowed(host_header: str | None, own_host: str) -> bool:
    """An IP literal, a localhost name, or the name the sandbox was started on."""
    if not host_header:
        return False
    name = _hostname(host_header)
    if name in LOCAL_NAMES or name == own_host.lower().strip("[]"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """No Origin (not a browser page), or an Origin naming the very server asked."""
    if origin is None:
        return True
    parsed = urlsplit(origin)
    same_server = bool(host_header) and parsed.netloc.lower() == (host_header or "").lower()
    return parsed.scheme in ("http", "https") and same_server


Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def origin_guard(own_host: Callable[[], str]) -> Middleware:
    """aiohttp middleware refusing other sites' requests; `own_host` is read per request
    (the emulator learns its bound address only when it starts)."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        host, origin = request.headers.get("Host"), request.headers.get("Origin")
        if not host_allowed(host, own_host()):
            reason = (f"refused: Host {host!r} is not this sandbox. Open the sandbox by its address "
                      "(http://127.0.0.1:PORT or http://localhost:PORT).")
        elif not origin_allowed(origin, host):
            reason = (f"refused: a page from {origin} may not use this sandbox; only the sandbox's "
                      "own page (same origin) can.")
        else:
            return await handler(request)
        log.warning("sandbox: %s %s %s", request.method, request.path, reason)
        return web.json_response({"ok": False, "error": reason}, status=403)

    return guard
