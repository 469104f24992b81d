"""The staff console's Sanic application: ``create_app(settings)``.

Resources are opened in listeners and kept on ``app.ctx``: the clinic database (``db``), the
read-only tracker store (``tracker``), the clinic file (``clinic``) and the Jinja2 templates
(``templates``, autoescaped). A background task keeps the conversation index caught up with
Rasa's tracker store. Every request passes ``console.security.authenticate`` first.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from clinic.config import ConfigProvider
from clinic.conversation_index import catch_up
from clinic.db import Database
from clinic.errors import ClinicDatabaseError
from clinic.staff_sessions import purge_expired_sessions
from clinic.tracker_store import TrackerStoreError, TrackerStoreReader
from console import filters
from console.blueprints import accounts, auth, conversations, queue, registrations
from console.security import authenticate, is_api, public, security_headers
from console.settings import ConsoleSettings
from console.web import blocking, render

PACKAGE = Path(__file__).resolve().parent
logger = logging.getLogger(__name__)


def template_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(PACKAGE / "templates")),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.install(environment)
    return environment


async def keep_index_current(app: Sanic) -> None:
    """Index new tracker events every few seconds; a failure is logged and retried."""
    settings: ConsoleSettings = app.ctx.settings
    while True:
        try:
            await blocking(catch_up, app.ctx.db, app.ctx.tracker)
            await blocking(purge_expired_sessions, app.ctx.db, settings.session)
        except (ClinicDatabaseError, TrackerStoreError) as error:
            logger.warning("Conversation index not updated (will retry): %s", error)
        except Exception:  # noqa: BLE001 - a background loop must survive anything and say so
            logger.exception("Conversation index update failed (will retry)")
        await asyncio.sleep(settings.index_interval_seconds)


def create_app(settings: ConsoleSettings, name: str = "clinic_console") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = settings.request_max_bytes
    app.config.KEEP_ALIVE_TIMEOUT = 30
    app.config.FALLBACK_ERROR_FORMAT = "html"
    app.ctx.settings = settings
    app.ctx.templates = template_environment()

    @app.before_server_start
    async def open_resources(app: Sanic, _loop) -> None:
        app.ctx.db = Database(settings.database_url)
        app.ctx.tracker = TrackerStoreReader(settings.tracker_store_url)
        app.ctx.clinic = ConfigProvider(settings.clinic_file)
        app.ctx.clinic.get()  # an invalid clinic file stops the console here, with its errors
        app.add_task(keep_index_current(app))

    @app.after_server_stop
    async def close_resources(app: Sanic, _loop) -> None:
        app.ctx.tracker.dispose()
        app.ctx.db.dispose()

    app.register_middleware(authenticate, "request")
    app.register_middleware(security_headers, "response")

    for blueprint in (auth.bp, conversations.bp, queue.bp, registrations.bp, accounts.bp):
        app.blueprint(blueprint)
    app.static("/static", str(PACKAGE / "static"), name="static")  # public: see console.security

    @app.get("/health")
    @public
    async def health(_: Request):
        return response.json({"status": "ok"})

    @app.get("/")
    async def home(_: Request):
        return response.redirect("/conversations", status=303)

    @app.exception(ClinicDatabaseError, TrackerStoreError)
    async def store_unavailable(request: Request, error: Exception):
        logger.error("%s on %s: %s", type(error).__name__, request.path, error)
        store = "Rasa's conversation store" if isinstance(error, TrackerStoreError) else "The clinic database"
        message = f"{store} is not answering right now. Please try again in a minute."
        if is_api(request):
            return response.json({"error": "unavailable", "message": message}, status=503)
        return render(request, "error.html", status=503, title="Temporarily unavailable", message=message)

    @app.exception(SanicException)
    async def http_error(request: Request, error: SanicException):
        status = getattr(error, "status_code", 500) or 500
        message = str(error) if status < 500 else "Something went wrong on our side."
        if is_api(request):
            return response.json({"error": "http_error", "message": message}, status=status)
        return render(request, "error.html", status=status, title=f"Error {status}", message=message)

    @app.exception(Exception)
    async def unexpected(request: Request, error: Exception):
        logger.exception("Unexpected error on %s %s", request.method, request.path, exc_info=error)
        message = "Something went wrong on our side; it has been logged."
        if is_api(request):
            return response.json({"error": "internal", "message": message}, status=500)
        return render(request, "error.html", status=500, title="Error", message=message)

    return app
