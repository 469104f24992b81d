"""Event registrations: per-event counts, each event's list, and its CSV export.

E-mail addresses are masked for staff and shown to admins, in the page and in the export
alike. Every view and every export is audited.
"""

from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request

from clinic import audit, registration_report
from clinic.audit import AuditAction
from clinic.errors import UnknownEvent
from console.web import actor, blocking, clinic_config, render, viewer_contact_view

bp = Blueprint("registrations")


@bp.get("/registrations")
async def list_events(request: Request):
    db = request.app.ctx.db
    summaries = await blocking(registration_report.event_summaries, db, clinic_config(request))
    await blocking(audit.record, db, actor(request), AuditAction.VIEW_REGISTRATIONS)
    return render(request, "registrations/list.html", summaries=summaries)


async def _event(request: Request, event_id: str):
    db = request.app.ctx.db
    summaries = await blocking(registration_report.event_summaries, db, clinic_config(request))
    try:
        summary = registration_report.find_summary(summaries, event_id)
    except UnknownEvent:
        return None, []
    return summary, await blocking(registration_report.event_registrations, db, event_id)


def _no_event(request: Request):
    return render(request, "error.html", status=404, title="No such event", message="No event has that id.")


@bp.get("/registrations/<event_id:str>")
async def event_page(request: Request, event_id: str):
    summary, registrations = await _event(request, event_id)
    if summary is None:
        return _no_event(request)
    await blocking(audit.record, request.app.ctx.db, actor(request), AuditAction.VIEW_REGISTRATIONS, "event", event_id)
    return render(
        request,
        "registrations/event.html",
        summary=summary,
        registrations=registrations,
        view=viewer_contact_view(request),
    )


@bp.get("/registrations/<event_id:str>/export.csv")
async def export_csv(request: Request, event_id: str):
    summary, registrations = await _event(request, event_id)
    if summary is None:
        return _no_event(request)
    view = viewer_contact_view(request)
    await blocking(
        audit.record,
        request.app.ctx.db,
        actor(request),
        AuditAction.EXPORT_REGISTRATIONS,
        "event",
        event_id,
        {"rows": len(registrations), "masked": not view.full},
    )
    body = registration_report.registrations_csv(registrations, view, clinic_config(request).tz)
    return response.text(
        "\ufeff" + body,  # a byte-order mark, so spreadsheet programs read the file as UTF-8
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="registrations-{event_id}.csv"'},
    )
