"""What every handler of the console uses: rendering, the signed-in person, forms, redirects.

Handlers stay thin: they read and validate the request here, call plain functions of the
``clinic`` package (in a worker thread, since SQLAlchemy and argon2 block), and render a
template. The database work runs off the event loop so one slow query never stalls the rest.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import ipaddress
from typing import Any, Callable, Optional, TypeVar
from urllib.parse import quote, unquote, urlsplit

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic.audit import Actor
from clinic.config import ClinicConfig
from clinic.privacy import ContactView, contact_view
from clinic.staff_sessions import ActiveSession

T = TypeVar("T")
MAX_FIELD_LENGTH = 5000
FLASH_COOKIE = "console_flash"
FLASH_MAX_LENGTH = 200


async def blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call (database, password hashing) in the default thread pool."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


def client_address(request: Request) -> str:
    """The caller's IP: the proxy's forwarded address only when the proxy is trusted."""
    settings = request.app.ctx.settings
    if settings.trust_proxy:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return request.ip or ""


def is_https(request: Request) -> bool:
    if request.app.ctx.settings.trust_proxy and request.headers.get("x-forwarded-proto", "").lower() == "https":
        return True
    return request.scheme in ("https", "wss")


def current_session(request: Request) -> Optional[ActiveSession]:
    return getattr(request.ctx, "session", None)


def actor(request: Request) -> Actor:
    """The signed-in person as the audit log names them."""
    session = current_session(request)
    if session is None:
        return Actor("anonymous", None, client_address(request))
    return Actor(session.user.username, session.user.id, client_address(request))


def clinic_config(request: Request) -> ClinicConfig:
    return request.app.ctx.clinic.get()


def viewer_contact_view(request: Request, assignees: tuple = ()) -> ContactView:
    """Contact details in full for admins and for the assignee of a ticket concerned; the
    clinic's own numbers and address, which the assistant gives out, are never masked."""
    user = current_session(request).user
    details = clinic_config(request).clinic
    own = (details.phone, details.email, details.urgent_line, details.emergency_number)
    return contact_view(user.is_admin, user.username, tuple(a for a in assignees if a), keep=own)


def field(request: Request, name: str, default: str = "") -> str:
    """One submitted form field as text, bounded in length."""
    value = request.form.get(name) if request.form else None
    return (value if isinstance(value, str) else default)[:MAX_FIELD_LENGTH]


def arg(request: Request, name: str, default: str = "") -> str:
    value = request.args.get(name)
    return (value if isinstance(value, str) else default)[:MAX_FIELD_LENGTH]


def safe_next(target: str, default: str = "/") -> str:
    """A redirect target only if it is a path on this site (no open redirect)."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(char) < 32 for char in target):
        return default
    return target


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """A page from the console's templates (autoescaped), with what the base layout needs."""
    session = current_session(request)
    page = request.app.ctx.templates.get_template(template).render(
        user=session.user if session else None,
        csrf_token=session.csrf_token if session else getattr(request.ctx, "pre_session_csrf", ""),
        clinic=request.app.ctx.clinic.get(),
        request_path=request.path,
        flash=unquote(request.cookies.get(FLASH_COOKIE, ""))[:FLASH_MAX_LENGTH],
        **context,
    )
    reply = response.html(page, status=status)
    if FLASH_COOKIE in request.cookies:
        set_cookie(reply, FLASH_COOKIE, "", request, max_age=0)
    return reply


def redirect(request: Request, route: str, flash: str = "", _anchor: str = "", **params: Any) -> HTTPResponse:
    """A 303 to a named route (after a POST, the browser GETs the page). ``flash`` is a notice
    shown once on that page; it travels in a cookie set by this server, never in the URL, so a
    link from elsewhere cannot put words on a console page."""
    url = request.app.url_for(route, **params) + (f"#{_anchor}" if _anchor else "")
    reply = response.redirect(url, status=303)
    if flash:
        set_cookie(reply, FLASH_COOKIE, quote(flash[:FLASH_MAX_LENGTH], safe=""), request, max_age=60)
    return reply


def set_cookie(
    reply: HTTPResponse, name: str, value: str, request: Request, max_age: int, samesite: str = "Strict"
) -> None:
    """An HttpOnly cookie for the whole console, Secure when served over HTTPS."""
    reply.cookies[name] = value
    cookie = reply.cookies[name]
    cookie["path"] = "/"
    cookie["httponly"] = True
    cookie["samesite"] = samesite
    cookie["max-age"] = max_age
    if secure_cookies(request):
        cookie["secure"] = True


def secure_cookies(request: Request) -> bool:
    configured = request.app.ctx.settings.secure_cookies
    return is_https(request) if configured is None else configured


def conversation_key(sender_id: str) -> str:
    """A conversation's id as one URL path segment (sender ids may hold any character)."""
    return base64.urlsafe_b64encode(sender_id.encode("utf-8")).decode("ascii").rstrip("=")


def sender_from_key(key: str) -> Optional[str]:
    """The sender id in a ``conversation_key``, or None if the key is not one."""
    if not key or len(key) > 400 or not all(c.isalnum() or c in "-_" for c in key):
        return None
    try:
        return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def conversation_url(sender_id: str) -> str:
    return f"/conversations/{conversation_key(sender_id)}"
