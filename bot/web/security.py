"""Middlewares: security headers on every answer, sign-in required, CSRF on every form.

The CSRF token belongs to the session (stored with it in Redis) and must come back with
every POST as the `csrf` form field or the `X-CSRF-Token` header. The only POSTs without a
session are the sign-ins themselves, which carry Telegram's signature instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.auth import SignInRefused, person_for
from bot.web.context import PERSON, SESSION, console_of

log = logging.getLogger(__name__)

COOKIE = "livedesk_session"
PUBLIC = ("/login", "/auth/", "/static/", "/sandbox-login")

CSP = ("default-src 'self'; script-src 'self' https://telegram.org; "
       "frame-src https://oauth.telegram.org; img-src 'self' data: https://t.me https://*.telegram.org; "
       "style-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
       "frame-ancestors 'self' https://web.telegram.org")
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin-allow-popups"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException):
        raise response
    return response


def _public(path: str) -> bool:
    return any(path == p or path.startswith(p) for p in PUBLIC)


@web.middleware
async def signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the session and the person (role from the live people.yaml); else to /login."""
    if _public(request.path):
        return await handler(request)
    console = console_of(request)
    session = await console.sessions.get(request.cookies.get(COOKIE))
    if session is None:
        if request.method == "GET":
            raise web.HTTPFound("/login")
        raise web.HTTPUnauthorized(text="sign in first")
    try:
        person = person_for(console.holder.current.catalog, session.user_id, console.settings.ops_ids)
    except SignInRefused:
        await console.sessions.delete(session.token)
        raise web.HTTPFound("/login") from None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        form = await request.post() if request.content_type.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")) else {}
        presented = request.headers.get("X-CSRF-Token") or form.get("csrf")
        if not session.csrf_ok(presented if isinstance(presented, str) else None):
            log.warning("web: CSRF token missing or wrong for staff %s on %s", session.user_id, request.path)
            raise web.HTTPForbidden(text="CSRF token missing or wrong; reload the page")
    request[SESSION] = session
    request[PERSON] = person
    return await handler(request)


def need_ops(request: web.Request) -> None:
    if not request[PERSON].is_ops:
        raise web.HTTPForbidden(text="ops only")
