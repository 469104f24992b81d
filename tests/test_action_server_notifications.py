"""The real action server (`rasa run actions`) sends staff notifications from its own process.

A ticket written to the clinic database (as an action will write it) reaches the local SMTP
server and webhook receiver through the worker that ``actions/__init__`` attaches to the
action server; no separate worker process runs.
"""

from __future__ import annotations

import pytest
import yaml
from clinic_fixture import clinic_data
from notification_receivers import SmtpInbox, WebhookReceiver, wait_for

from clinic.tickets import open_ticket
from ops.services import Stack, action_server, free_port

SECRET = "action-server-secret"


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_the_action_server_delivers_staff_notifications(db, tmp_path):
    with SmtpInbox() as inbox, WebhookReceiver(SECRET) as hook:
        clinic_file = tmp_path / "clinic.yml"
        clinic_file.write_text(
            yaml.safe_dump(
                clinic_data(notifications={"email_to": ["desk@testclinic.example"], "webhook_url": hook.url})
            )
        )
        env = {
            "CLINIC_CONFIG": str(clinic_file),
            "DATABASE_URL": db.url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(inbox.port),
            "SMTP_STARTTLS": "false",
            "NOTIFY_WEBHOOK_SECRET": SECRET,
        }
        with Stack([action_server(free_port(), env=env)], log_dir=tmp_path / "log") as stack:
            ticket = open_ticket(
                "medical",
                "rest-visitor",
                channel="rest",
                message="Is it OK while pregnant?",
                name="Ada",
                email="ada@example.com",
                consent=True,
                db=db,
            ).ticket
            delivered = wait_for(lambda: inbox.messages and hook.requests, timeout=30)
            log = stack.services[0].log_tail()
        assert delivered, f"no notification within 30 s; action server log:\n{log}"
        assert ticket.reference in inbox.messages[0]["Subject"]
        assert hook.requests[0]["verified"] and hook.requests[0]["json"]["data"]["reference"] == ticket.reference
