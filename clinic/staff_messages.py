"""What staff receive about a ticket or registration: the e-mail and the webhook body.

Both are built from an outbox ``Delivery`` (its payload was written with the ticket or
registration). E-mails are plain text, so visitor-typed text is never rendered as HTML; each
carries a ``Message-ID`` derived from the outbox row, so a rare re-delivery after a worker
crash is recognisable as the same message. The webhook body is JSON.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Dict, List

from clinic.config import ClinicConfig
from clinic.outbox import Delivery, Topic

TICKET_TITLES = {
    "urgent": "URGENT hand-off",
    "medical": "Medical question for a professional",
    "human": "Visitor asked for a person",
    "booking": "Booking request",
}


def subject(delivery: Delivery) -> str:
    data = delivery.payload
    reference = data.get("reference", "")
    urgent = "[URGENT] " if data.get("priority") == "urgent" else ""
    if delivery.topic == Topic.TICKET_CREATED:
        return f"{urgent}{TICKET_TITLES.get(data.get('kind'), 'Hand-off')} – {reference}"
    if delivery.topic == Topic.TICKET_UPDATED:
        return f"{urgent}Ticket {reference} updated ({', '.join(data.get('changed') or []) or 'details'})"
    title = data.get("event_title", "event")
    if delivery.topic == Topic.REGISTRATION_CREATED:
        return f"Event registration {reference} – {title} ({data.get('status')})"
    if delivery.topic == Topic.REGISTRATION_CANCELLED:
        return f"Registration cancelled {reference} – {title}"
    if delivery.topic == Topic.REGISTRATION_PROMOTED:
        return f"Waitlist → confirmed {reference} – {title}: please let the visitor know"
    return f"Clinic assistant notification {reference}"


def _ticket_lines(data: Dict[str, Any]) -> List[str]:
    lines = [
        f"Reference:        {data.get('reference')}",
        f"Kind:             {data.get('kind')}",
        f"Priority:         {data.get('priority')}",
        f"Status:           {data.get('status')}",
        f"Name:             {data.get('name') or '(not given)'}",
        f"E-mail:           {data.get('email') or '(not given)'}",
        f"Phone:            {data.get('phone') or '(not given)'}",
        f"Consent to contact: {'yes' if data.get('consent') else 'NO'}",
        f"Channel:          {data.get('channel') or '(unknown)'}",
        f"Conversation id:  {data.get('sender_id')}",
        f"Created:          {data.get('created_at')}",
    ]
    if data.get("preferred_times"):
        lines.append(f"Preferred times:  {data['preferred_times']}")
    lines += ["", "Visitor's message:", f"  {data.get('message') or '(none)'}"]
    context = data.get("context") or []
    if context:
        lines += ["", "Recent conversation:"]
        lines += [f"  {entry.get('role', '?'):>9}: {entry.get('text', '')}" for entry in context]
    return lines


def _registration_lines(data: Dict[str, Any]) -> List[str]:
    return [
        f"Reference:  {data.get('reference')}",
        f"Event:      {data.get('event_title')} ({data.get('event_id')}), {data.get('event_date')} {data.get('event_start')}",
        f"Status:     {data.get('status')}",
        f"Name:       {data.get('name')}",
        f"E-mail:     {data.get('email')}",
        f"Guests:     {data.get('guests')}",
        f"Channel:    {data.get('channel') or '(unknown)'}",
        f"Conversation id: {data.get('sender_id') or '(unknown)'}",
    ]


def email_body(delivery: Delivery, config: ClinicConfig) -> str:
    data = delivery.payload
    lines = _ticket_lines(data) if data.get("type") == "ticket" else _registration_lines(data)
    footer = ["", "--", f"Sent by {config.clinic.name}'s assistant (notification #{delivery.id})."]
    return "\n".join(lines + footer) + "\n"


def staff_email(delivery: Delivery, config: ClinicConfig, sender: str, recipients: List[str]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(delivery)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "clinic.invalid"
    # The same for every attempt of one outbox row (and different after a database reset).
    message["Message-ID"] = f"<clinic-outbox-{delivery.id}-{int(delivery.created_at.timestamp())}@{domain}>"
    message["X-Clinic-Reference"] = str(delivery.payload.get("reference", ""))
    message["X-Clinic-Topic"] = delivery.topic
    if delivery.priority == 1:
        message["X-Priority"] = "1"
        message["Importance"] = "high"
    message.set_content(email_body(delivery, config))
    return message


def webhook_body(delivery: Delivery, config: ClinicConfig) -> bytes:
    document = {
        "delivery_id": delivery.id,
        "topic": delivery.topic,
        "attempt": delivery.attempt,
        "clinic": config.clinic.name,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
