"""Signing in and out: the Login Widget's callback, Mini App init data, the sandbox button."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from aiohttp import web

from bot.web.auth import SignInRefused, person_for, sign_widget, verify_init_data, verify_widget
from bot.web.context import SESSION, console_of
from bot.web.rendering import render
from bot.web.security import COOKIE

log = logging.getLogger(__name__)

REFUSALS = {
    "bad_signature": "签名无效：这不是 Telegram 签发的登录信息。",
    "expired": "登录信息已过期，请重新登录。",
    "not_staff": "只有客服、主管和运营可以登录控制台。",
    "malformed": "登录信息不完整。",
}


async def login_page(request: web.Request) -> web.Response:
    console = console_of(request)
    return render(request, "login.html", bot_username=console.web.bot_username,
                  sandbox_people=console.sandbox_people, auth_url="/auth/telegram")


async def _signed_in(request: web.Request, user_id: int) -> web.Response:
    console = console_of(request)
    person_for(console.holder.current.catalog, user_id, console.settings.ops_ids)  # staff only
    session = await console.sessions.create(user_id)
    response = web.HTTPFound("/queue")
    response.set_cookie(COOKIE, session.token, max_age=console.web.session_ttl_s, httponly=True,
                        samesite="None" if console.web.secure_cookies else "Lax",
                        secure=console.web.secure_cookies, path="/")
    return response


def _refused(request: web.Request, exc: SignInRefused) -> web.Response:
    log.info("web: sign-in refused (%s)", exc.why)
    return render(request, "refused.html", status=403, reason=REFUSALS[str(exc.why)])


async def widget_callback(request: web.Request) -> web.Response:
    """Where the Login Widget sends the browser (data-auth-url), fields in the query."""
    console = console_of(request)
    try:
        user_id = verify_widget(console.token, dict(request.query), time.time(), console.web.login_max_age_s)
        return await _signed_in(request, user_id)
    except SignInRefused as exc:
        return _refused(request, exc)


async def webapp_sign_in(request: web.Request) -> web.Response:
    """Mini App: static/webapp.js posts Telegram.WebApp.initData here."""
    console = console_of(request)
    form = await request.post()
    try:
        user_id = verify_init_data(console.token, str(form.get("init_data", "")), time.time(),
                                   console.web.login_max_age_s)
        return await _signed_in(request, user_id)
    except SignInRefused as exc:
        return _refused(request, exc)


async def sandbox_login(request: web.Request) -> web.Response:
    """Sandbox only: sign the chosen staff member's widget data with the emulator's token and
    send the browser through the same check a real widget sign-in goes through."""
    console = console_of(request)
    people = dict(console.sandbox_people)
    user = request.query.get("user", "")
    if not user.isdigit() or int(user) not in people:
        raise web.HTTPNotFound(text="not a sandbox sign-in")
    data = sign_widget(console.token, int(user), people[int(user)])
    raise web.HTTPFound(f"/auth/telegram?{urlencode(data)}")


async def logout(request: web.Request) -> web.Response:
    console = console_of(request)
    await console.sessions.delete(request[SESSION].token)
    response = web.HTTPFound("/login")
    response.del_cookie(COOKIE, path="/")
    return response


def routes(sandbox: bool) -> list[web.RouteDef]:
    out = [web.get("/login", login_page), web.get("/auth/telegram", widget_callback),
           web.post("/auth/webapp", webapp_sign_in), web.post("/logout", logout)]
    if sandbox:
        out.append(web.get("/sandbox-login", sandbox_login))
    return out
