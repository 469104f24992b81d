"""Conversations: the filtered, searchable list and one conversation's transcript, with the
review mark, tags and notes staff add.

The list and its filters read the console's index (``clinic.conversation_search``), never
Rasa's events directly; a transcript reads one conversation's events from the tracker store
(read-only). What visitors typed is always rendered as text (autoescaped templates), and
their e-mail addresses and phone numbers are masked unless the viewer is an admin or the
assignee of one of the conversation's tickets. Every list view and transcript view is audited.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sanic import Blueprint
from sanic.request import Request

from clinic import audit, conversation_annotations, conversation_search
from clinic.audit import AuditAction
from clinic.conversation_search import ConversationQuery
from clinic.conversation_transcript import load_transcript
from clinic.errors import InvalidInput
from clinic.intents import CONTRACT_INTENTS, FAQ_INTENT, FAQ_LABELS
from clinic.privacy import mask_text
from console.web import (
    actor,
    blocking,
    clinic_config,
    field,
    redirect,
    render,
    sender_from_key,
    viewer_contact_view,
)

bp = Blueprint("conversations")
FILTER_FIELDS = (
    "date_from",
    "date_to",
    "channel",
    "intent",
    "handoff",
    "fallback",
    "confidence_below",
    "reviewed",
    "tag",
    "q",
)


def _filter_choices(seen_intents, seen_channels):
    intents = list(CONTRACT_INTENTS) + [FAQ_INTENT] + list(FAQ_LABELS)
    intents += [name for name in seen_intents if name not in intents]
    return {
        "intents": intents,
        "channels": sorted(set(seen_channels) | {"rest", "socketio"}),
        "handoffs": conversation_search.HANDOFF_CHOICES,
    }


@bp.get("/conversations")
async def list_conversations(request: Request):
    db = request.app.ctx.db
    config = clinic_config(request)
    values = {name: request.args.get(name, "")[:300] for name in FILTER_FIELDS}
    error = ""
    try:
        query = ConversationQuery.from_params(request.args, tz=config.tz)
    except InvalidInput as invalid:
        error, query = invalid.message, None
    page = await blocking(conversation_search.search_conversations, db, query) if query else None
    seen_intents = await blocking(conversation_search.intents_seen, db)
    seen_channels = await blocking(conversation_search.channels_seen, db)
    tags = await blocking(conversation_annotations.known_tags, db)
    filters = {name: value for name, value in values.items() if value}
    await blocking(
        audit.record,
        db,
        actor(request),
        AuditAction.VIEW_CONVERSATIONS,
        detail={"filters": {k: mask_text(v) for k, v in filters.items()}, "page": query.page if query else None},
    )
    view = viewer_contact_view(request)
    rows = page.rows if page else []
    return render(
        request,
        "conversations/list.html",
        status=400 if error else 200,
        error=error,
        page=page,
        rows=rows,
        first_messages={row.sender_id: view.text(row.first_visitor_message) for row in rows},
        values=values,
        tags=tags,
        choices=_filter_choices(seen_intents, seen_channels),
        page_link=lambda number: "/conversations?" + urlencode({**filters, "page": number}),
    )


async def _not_found(request: Request):
    return render(
        request, "error.html", status=404, title="No such conversation", message="No conversation has that id."
    )


@bp.get("/conversations/<key:str>")
async def transcript(request: Request, key: str):
    sender_id = sender_from_key(key)
    if sender_id is None:
        return await _not_found(request)
    ctx = request.app.ctx
    loaded = await blocking(load_transcript, ctx.tracker, ctx.db, sender_id)
    if loaded is None:
        return await _not_found(request)
    await blocking(audit.record, ctx.db, actor(request), AuditAction.VIEW_TRANSCRIPT, "conversation", sender_id)
    annotations = await blocking(conversation_annotations.annotations_for, ctx.db, sender_id)
    summary = await blocking(conversation_search.conversation_row, ctx.db, sender_id)
    view = viewer_contact_view(request, tuple(ticket.assignee for ticket in loaded.tickets))
    return render(
        request,
        "conversations/transcript.html",
        transcript=loaded,
        summary=summary,
        annotations=annotations,
        view=view,
        key=key,
    )


async def _annotate(request: Request, key: str, change, *args):
    sender_id = sender_from_key(key)
    if sender_id is None:
        return await _not_found(request)
    try:
        await blocking(change, request.app.ctx.db, sender_id, *args, actor(request))
    except InvalidInput as error:
        return redirect(request, "conversations.transcript", flash=error.message, key=key)
    return redirect(request, "conversations.transcript", flash="Saved.", key=key)


@bp.post("/conversations/<key:str>/review")
async def review(request: Request, key: str):
    reviewed = field(request, "reviewed") == "true"
    return await _annotate(request, key, conversation_annotations.set_reviewed, reviewed)


@bp.post("/conversations/<key:str>/tags")
async def add_tag(request: Request, key: str):
    return await _annotate(request, key, conversation_annotations.add_tag, field(request, "tag"))


@bp.post("/conversations/<key:str>/tags/remove")
async def remove_tag(request: Request, key: str):
    return await _annotate(request, key, conversation_annotations.remove_tag, field(request, "tag"))


@bp.post("/conversations/<key:str>/notes")
async def add_note(request: Request, key: str):
    return await _annotate(request, key, conversation_annotations.add_note, field(request, "note"))
