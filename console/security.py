"""The console's gatekeeping, applied to every request before any handler runs.

- Signed in or refused: every route needs a valid session unless its handler is marked
  ``@public`` (sign-in, health, static files). Pages redirect to the sign-in page; API routes
  (``/api/...``) answer 401. Secure by default: a new route is private until marked otherwise.
- CSRF: every state-changing request (anything but GET/HEAD/OPTIONS) must carry the session's
  token (form field ``csrf_token`` or header ``X-CSRF-Token``); before sign-in, the sign-in form
  carries a token that must match its own cookie (double submit).
  ``/static/`` (the console's own CSS and JavaScript) is public too. A request whose ``Origin``
  is another site is refused outright.
- A password reset by an admin must be replaced before anything else is shown.
- Response headers: a strict Content-Security-Policy (this site's own scripts and styles only,
  no inline code, no third-party request), no caching of pages that show health information,
  no framing, no MIME sniffing, no referrer to other sites.
"""

from __future__ import annotations

import functools
import secrets
from typing import Callable
from urllib.parse import quote, urlsplit

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic.staff_sessions import csrf_matches, load_session
from console.web import blocking, current_session, render, set_cookie

SESSION_COOKIE = "console_session"
PRE_SESSION_COOKIE = "console_sign_in"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer, browsers send "Origin: null" on the
    # console's own form posts, which the cross-site check must refuse.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def public(handler: Callable) -> Callable:
    """Mark a route as reachable without signing in."""
    handler.console_public = True
    return handler


def admin_only(handler: Callable) -> Callable:
    """Refuse (403) a signed-in person who is not an admin."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        session = current_session(request)
        if session is None or not session.user.is_admin:
            return forbidden(request, "Only an admin can do this.")
        return await handler(request, *args, **kwargs)

    return wrapper


def is_api(request: Request) -> bool:
    return request.path.startswith("/api/")


def forbidden(request: Request, message: str) -> HTTPResponse:
    if is_api(request):
        return response.json({"error": "forbidden", "message": message}, status=403)
    return render(request, "error.html", status=403, title="Not allowed", message=message)


def _is_public(request: Request) -> bool:
    if request.path.startswith("/static/"):  # the console's own CSS and JavaScript, nothing private
        return True
    route = getattr(request, "route", None)
    return bool(route is not None and getattr(route.handler, "console_public", False))


def _cross_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc.lower() != (request.headers.get("host") or "").lower()


async def authenticate(request: Request):
    """Request middleware: load the session, enforce sign-in, CSRF and password changes."""
    app = request.app
    if int(request.headers.get("content-length") or 0) > app.config.REQUEST_MAX_SIZE:
        # Sanic runs request middleware on its own error path too: its 413 must not become a 403.
        return response.json({"error": "too large", "message": "The request is too large."}, status=413)
    token = request.cookies.get(SESSION_COOKIE)
    request.ctx.session = await blocking(load_session, app.ctx.db, token, app.ctx.settings.session) if token else None
    session = request.ctx.session
    public_route = _is_public(request)
    if session is None and not public_route:
        if is_api(request):
            return response.json({"error": "unauthorized", "message": "Sign in first."}, status=401)
        target = request.path + (f"?{request.query_string}" if request.query_string else "")
        return response.redirect(f"/sign-in?next={quote(target, safe='')}", status=303)
    if request.method not in SAFE_METHODS:
        if _cross_site(request):
            return forbidden(request, "This request came from another site and was refused.")
        given = request.headers.get("x-csrf-token") or (request.form.get("csrf_token") if request.form else None)
        expected = session.csrf_token if session else request.cookies.get(PRE_SESSION_COOKIE, "")
        if not expected or not csrf_matches(expected, given):
            return forbidden(
                request, "This form has expired or did not come from the console. Reload the page and try again."
            )
    if session and session.user.must_change_password and not public_route:
        if not getattr(request.route.handler, "console_password_change", False):
            return response.redirect("/account/password", status=303)
    return None


def new_pre_session_token(request: Request, reply: HTTPResponse, token: str) -> None:
    """Set the sign-in form's double-submit cookie (short-lived, Strict)."""
    set_cookie(reply, PRE_SESSION_COOKIE, token, request, max_age=3600, samesite="Strict")


def pre_session_token(request: Request) -> str:
    """The sign-in form's token: the browser's current one, or a fresh one."""
    existing = request.cookies.get(PRE_SESSION_COOKIE, "")
    return existing if 20 <= len(existing) <= 100 else secrets.token_urlsafe(32)


async def security_headers(request: Request, reply: HTTPResponse) -> None:
    """Response middleware."""
    for name, value in SECURITY_HEADERS.items():
        reply.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        reply.headers["Cache-Control"] = "no-store"
