"""Signing in and out, and changing one's own password."""

from __future__ import annotations

import datetime as dt

from sanic import Blueprint, response
from sanic.request import Request

from clinic import audit, sign_in_throttle, staff_accounts, staff_sessions
from clinic.audit import Actor, AuditAction
from clinic.errors import InvalidInput
from clinic.models import utcnow
from console.security import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    new_pre_session_token,
    pre_session_token,
    public,
)
from console.web import (
    actor,
    blocking,
    client_address,
    current_session,
    field,
    redirect,
    render,
    safe_next,
    set_cookie,
)

bp = Blueprint("auth")


def _sign_in_page(request: Request, status: int = 200, message: str = "", username: str = ""):
    token = pre_session_token(request)
    request.ctx.pre_session_csrf = token
    wanted = field(request, "next") if request.method == "POST" else request.args.get("next", "")
    reply = render(
        request, "sign_in.html", status=status, message=message, username=username, next=safe_next(wanted, "")
    )
    new_pre_session_token(request, reply, token)
    return reply


@bp.get("/sign-in")
@public
async def sign_in_form(request: Request):
    if current_session(request):
        return response.redirect("/", status=303)
    return _sign_in_page(request)


def _minutes_until(moment: dt.datetime) -> int:
    return max(1, int((moment - utcnow()).total_seconds() // 60) + 1)


@bp.post("/sign-in")
@public
async def sign_in(request: Request):
    ctx = request.app.ctx
    username = staff_accounts.normalize_username(field(request, "username"))
    password = field(request, "password")
    address = client_address(request)
    keys = sign_in_throttle.throttle_keys(username, address)
    attempt = Actor(username or "(empty)", None, address)

    locked = await blocking(sign_in_throttle.locked_until, ctx.db, keys)
    if locked:
        await blocking(audit.record, ctx.db, attempt, AuditAction.SIGN_IN_FAILED, detail={"reason": "throttled"})
        message = f"Too many failed sign-ins. Please wait {_minutes_until(locked)} minutes and try again."
        return _sign_in_page(request, 429, message, username)

    check = await blocking(staff_accounts.check_sign_in, ctx.db, username, password)
    if check.user is None:
        lock = await blocking(sign_in_throttle.record_failure, ctx.db, keys, ctx.settings.throttle)
        await blocking(audit.record, ctx.db, attempt, AuditAction.SIGN_IN_FAILED, detail={"reason": check.reason})
        message = "The username or password is not right."
        if lock:
            message = f"Too many failed sign-ins. Please wait {_minutes_until(lock)} minutes and try again."
        return _sign_in_page(request, 429 if lock else 401, message, username)

    user = check.user
    await blocking(sign_in_throttle.record_success, ctx.db, keys)
    await blocking(staff_accounts.record_sign_in, ctx.db, user.id)
    token, _ = await blocking(
        staff_sessions.create_session,
        ctx.db,
        user.id,
        ctx.settings.session,
        address,
        request.headers.get("user-agent", ""),
    )
    await blocking(audit.record, ctx.db, Actor(user.username, user.id, address), AuditAction.SIGN_IN)
    target = "/account/password" if user.must_change_password else safe_next(field(request, "next"), "/")
    reply = response.redirect(target, status=303)
    set_cookie(
        reply,
        SESSION_COOKIE,
        token,
        request,
        max_age=int(ctx.settings.session.absolute.total_seconds()),
        samesite="Lax",
    )
    set_cookie(reply, PRE_SESSION_COOKIE, "", request, max_age=0)
    return reply


@bp.post("/sign-out")
async def sign_out(request: Request):
    session = current_session(request)
    await blocking(staff_sessions.end_session, request.app.ctx.db, session.token_hash)
    await blocking(audit.record, request.app.ctx.db, actor(request), AuditAction.SIGN_OUT)
    reply = response.redirect("/sign-in", status=303)
    set_cookie(reply, SESSION_COOKIE, "", request, max_age=0, samesite="Lax")
    return reply


def password_change_allowed(handler):
    """Reachable while a password reset by an admin is still to be replaced."""
    handler.console_password_change = True
    return handler


@bp.get("/account/password")
@password_change_allowed
async def password_form(request: Request):
    return render(request, "password.html", message="")


@bp.post("/account/password")
@password_change_allowed
async def change_password(request: Request):
    session = current_session(request)
    if field(request, "password") != field(request, "password_again"):
        return render(request, "password.html", status=400, message="The two new passwords are not the same.")
    try:
        await blocking(
            staff_accounts.change_own_password,
            request.app.ctx.db,
            session.user.id,
            field(request, "current_password"),
            field(request, "password"),
            keep_session=session.token_hash,
        )
    except InvalidInput as error:
        return render(request, "password.html", status=400, message=error.message)
    await blocking(
        audit.record, request.app.ctx.db, actor(request), AuditAction.PASSWORD_CHANGED, "account", str(session.user.id)
    )
    return redirect(request, "conversations.list_conversations", flash="Your password was changed.")
