"""The hand-off queue: tickets by priority and age, one ticket's page, and its changes.

Contact details are shown in full to admins and to the ticket's assignee, masked for
everyone else. Viewing the queue or a ticket is audited; so is every change (by
``clinic.handoff_queue``, in the change's own transaction).
"""

from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request

from clinic import audit, handoff_queue, staff_accounts
from clinic.audit import AuditAction
from clinic.errors import InvalidInput, TicketNotFound
from clinic.models import TicketKind, TicketStatus
from clinic.transcript import clean_context
from console.web import (
    actor,
    arg,
    blocking,
    clinic_config,
    current_session,
    field,
    redirect,
    render,
    viewer_contact_view,
)

bp = Blueprint("queue")


@bp.get("/queue")
async def list_queue(request: Request):
    db = request.app.ctx.db
    try:
        query = handoff_queue.queue_query(arg(request, "kind"), arg(request, "status"), arg(request, "page"))
    except InvalidInput as error:
        return render(request, "error.html", status=400, title="Bad filter", message=error.message)
    page = await blocking(handoff_queue.list_queue, db, query, clinic_config(request))
    await blocking(
        audit.record, db, actor(request), AuditAction.VIEW_QUEUE, detail={"kind": query.kind, "status": query.status}
    )
    username = current_session(request).user.username
    views = {item.ticket.reference: viewer_contact_view(request, (item.ticket.assignee,)) for item in page.items}
    return render(
        request,
        "queue/list.html",
        page=page,
        query=query,
        views=views,
        username=username,
        kinds=TicketKind.ALL,
        statuses=handoff_queue.QUEUE_STATUSES,
        latest_urgent_id=max((i.ticket.id for i in page.items if i.ticket.kind == TicketKind.URGENT), default=0),
    )


async def _ticket_or_404(request: Request, reference: str):
    try:
        return await blocking(handoff_queue.get_ticket_with_notes, request.app.ctx.db, reference)
    except TicketNotFound:
        return None


@bp.get("/queue/<reference:str>")
async def ticket_page(request: Request, reference: str):
    found = await _ticket_or_404(request, reference)
    if found is None:
        return render(
            request, "error.html", status=404, title="No such ticket", message="No ticket has that reference."
        )
    ticket, notes = found
    db = request.app.ctx.db
    await blocking(audit.record, db, actor(request), AuditAction.VIEW_TICKET, "ticket", ticket.reference)
    view = viewer_contact_view(request, (ticket.assignee,))
    colleagues = await blocking(staff_accounts.list_accounts, db, True)
    context = [{**entry, "text": view.text(entry["text"])} for entry in clean_context(ticket.context or [], limit=50)]
    return render(
        request,
        "queue/ticket.html",
        item=handoff_queue.queue_item(clinic_config(request), ticket),
        ticket=ticket,
        notes=notes,
        view=view,
        message=view.text(ticket.message),
        context=context,
        colleagues=colleagues,
        statuses=TicketStatus.ALL,
        status_labels=handoff_queue.STATUS_LABELS,
    )


async def _change(request: Request, reference: str, change, *args):
    try:
        await blocking(change, request.app.ctx.db, reference, *args, actor(request))
    except TicketNotFound:
        return render(
            request, "error.html", status=404, title="No such ticket", message="No ticket has that reference."
        )
    except InvalidInput as error:
        return redirect(request, "queue.ticket_page", flash=error.message, reference=reference)
    return redirect(request, "queue.ticket_page", flash="Saved.", reference=reference)


@bp.post("/queue/<reference:str>/assign")
async def assign(request: Request, reference: str):
    assignee = field(request, "assignee").strip()
    if assignee == "me":
        assignee = current_session(request).user.username
    return await _change(request, reference, handoff_queue.assign, assignee or None)


@bp.post("/queue/<reference:str>/status")
async def change_status(request: Request, reference: str):
    return await _change(request, reference, handoff_queue.change_status, field(request, "status"))


@bp.post("/queue/<reference:str>/notes")
async def add_note(request: Request, reference: str):
    return await _change(request, reference, handoff_queue.add_note, field(request, "note"))


@bp.get("/api/queue/urgent")
async def new_urgent(request: Request):
    """Active urgent tickets newer than ``after`` (a ticket id) and how many are active, for
    every page's polling (console.js). References and times only, no visitor's words."""
    after = arg(request, "after", "0")
    if not after.isdigit() or len(after) > 12:
        return response.json({"error": "bad_request", "message": "after must be a ticket id"}, status=400)
    db = request.app.ctx.db
    tickets = await blocking(handoff_queue.new_urgent_tickets, db, int(after))
    active = await blocking(handoff_queue.count_active_urgent, db)
    return response.json(
        {
            "active_urgent": active,
            "latest_id": max([int(after)] + [t.id for t in tickets]),
            "tickets": [
                {
                    "id": t.id,
                    "reference": t.reference,
                    "created_at": t.created_at.isoformat(),
                    "url": request.app.url_for("queue.ticket_page", reference=t.reference),
                }
                for t in tickets
            ],
        }
    )
