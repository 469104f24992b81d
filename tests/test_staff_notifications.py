"""Staff notifications through the outbox, to a real local SMTP server and webhook receiver.

Runs on SQLite and PostgreSQL. Retries are tested without sleeping: the worker is given a
``now`` past the back-off.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import threading
import time

import pytest
import yaml
from clinic_fixture import clinic_data, event_data
from db_fixtures import make_config
from notification_receivers import SmtpInbox, WebhookReceiver, wait_for
from sqlalchemy import select

from clinic.mailer import SmtpSettings
from clinic.models import DeliveryStatus, OutboxMessage, utcnow
from clinic.notify_worker import NotificationWorker, ensure_background_worker, stop_background_worker
from clinic.outbox import claim_due, count_by_status, record_delivered, requeue_failed
from clinic.registrations import register_for_event
from clinic.tickets import open_ticket
from clinic.webhook import WebhookError, check_url, post_webhook, sign, verify_signature
from ops.services import free_port

SECRET = "test-webhook-secret"
STAFF = ["reception@testclinic.example", "nurse@testclinic.example"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def config_for(tmp_path, webhook_url="", email_to=STAFF):
    return make_config(
        tmp_path,
        notifications={"email_to": list(email_to), "webhook_url": webhook_url},
        events=[event_data("acne-evening", 10, capacity=5, allow_guests=True, max_guests=1)],
    )


def worker_for(db, config, smtp_port, **options):
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_port, starttls=False, sender="assistant@testclinic.example")
    return NotificationWorker(db=db, config_source=lambda: config, smtp=smtp, secret=SECRET, **options)


def outbox_rows(db):
    with db.transaction() as session:
        return session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_tickets_and_registrations_reach_staff_by_email_and_webhook_urgent_first(db, tmp_path):
    with SmtpInbox() as inbox, WebhookReceiver(SECRET) as hook:
        config = config_for(tmp_path, webhook_url=hook.url)
        medical = open_ticket(
            "medical",
            "visitor-1",
            channel="rest",
            message="Can I use retinol after ECIT?",
            name="Jane",
            email="jane@example.com",
            consent=True,
            context=[{"role": "user", "text": "Can I use retinol after ECIT?"}],
            db=db,
        ).ticket
        registration = register_for_event(
            config, "acne-evening", name="Ben", email="ben@example.com", guests=1, sender_id="visitor-2", db=db
        ).registration
        urgent = open_ticket("urgent", "visitor-3", message="my lips are swelling", phone="07700 900123", db=db).ticket

        report = asyncio.run(worker_for(db, config, inbox.port).run_once())
        assert (report.delivered, report.retried, report.failed, report.skipped) == (6, 0, 0, 0)

        subjects = [message["Subject"] for message in inbox.messages]
        assert subjects[0].startswith("[URGENT]") and urgent.reference in subjects[0]  # created last, sent first
        assert medical.reference in subjects[1] and registration.reference in subjects[2]
        assert "confirmed" in subjects[2]
        first = inbox.messages[1]
        assert first["To"] == ", ".join(STAFF) and first["From"] == "assistant@testclinic.example"
        assert sorted(inbox.envelopes[1].rcpt_tos) == sorted(STAFF)
        body = first.get_content()
        assert "Can I use retinol after ECIT?" in body and "jane@example.com" in body and medical.reference in body
        assert first["Message-ID"].startswith("<clinic-outbox-")

        assert [r["json"]["data"]["reference"] for r in hook.requests] == [
            urgent.reference,
            medical.reference,
            registration.reference,
        ]
        assert all(r["verified"] for r in hook.requests)
        assert hook.requests[2]["json"]["data"]["event_title"] == "Acne Evening"
        assert hook.requests[0]["headers"]["X-Clinic-Topic"] == "ticket.created"

        rows = outbox_rows(db)
        assert {row.status for row in rows} == {DeliveryStatus.DELIVERED}
        assert all(row.attempts == 1 and row.delivered_at and row.claimed_by is None for row in rows)
        again = asyncio.run(worker_for(db, config, inbox.port).run_once())
        assert again.handled == 0 and len(inbox.messages) == 3 and len(hook.requests) == 3  # never twice


def test_a_webhook_that_fails_first_is_retried_with_backoff_and_delivered_once(db, tmp_path):
    with SmtpInbox() as inbox, WebhookReceiver(SECRET, fail_first=1) as hook:
        config = config_for(tmp_path, webhook_url=hook.url)
        ticket = open_ticket("human", "visitor-1", message="Can I talk to someone?", db=db).ticket
        worker = worker_for(db, config, inbox.port)
        now = utcnow()

        first = asyncio.run(worker.run_once(now=now))
        assert (first.delivered, first.retried) == (1, 1)  # the e-mail went, the webhook will be retried
        webhook_row = next(row for row in outbox_rows(db) if row.channel == "webhook")
        assert webhook_row.status == DeliveryStatus.PENDING and webhook_row.attempts == 1
        assert "HTTP 500" in webhook_row.last_error
        assert webhook_row.next_attempt_at > now + dt.timedelta(seconds=20)  # back-off, not a busy loop

        assert asyncio.run(worker.run_once(now=now + dt.timedelta(seconds=5))).handled == 0  # not due yet
        assert len(hook.requests) == 1

        second = asyncio.run(worker.run_once(now=now + dt.timedelta(minutes=2)))
        assert (second.delivered, second.retried) == (1, 0)
        assert len(hook.requests) == 2 and len(hook.accepted) == 1
        assert hook.requests[0]["delivery"] == hook.requests[1]["delivery"]  # same id: receivers can dedupe
        assert hook.accepted[0]["json"]["data"]["reference"] == ticket.reference
        assert hook.accepted[0]["json"]["attempt"] == 2
        webhook_row = next(row for row in outbox_rows(db) if row.channel == "webhook")
        assert (webhook_row.status, webhook_row.attempts, webhook_row.last_error) == ("delivered", 2, None)
        assert len(inbox.messages) == 1  # the e-mail was not sent again


def test_an_smtp_server_that_refuses_first_is_retried(db, tmp_path):
    with SmtpInbox(fail_first=1) as inbox:
        config = config_for(tmp_path)
        open_ticket("booking", "visitor-1", preferred_times="Tuesday mornings", db=db)
        worker = worker_for(db, config, inbox.port)
        now = utcnow()
        report = asyncio.run(worker.run_once(now=now))
        assert (report.retried, report.skipped) == (1, 1)  # e-mail retried; no webhook configured
        email_row = next(row for row in outbox_rows(db) if row.channel == "email")
        assert "451" in email_row.last_error and email_row.status == "pending"
        asyncio.run(worker.run_once(now=now + dt.timedelta(hours=1)))
        assert len(inbox.messages) == 1 and "Tuesday mornings" in inbox.messages[0].get_content()
        assert count_by_status(db) == {"delivered": 1, "skipped": 1}


def test_an_unreachable_receiver_gives_up_after_the_limit_and_can_be_requeued(db, tmp_path):
    config = config_for(tmp_path, webhook_url=f"http://127.0.0.1:{free_port()}/nobody-home", email_to=[])
    ticket = open_ticket("medical", "visitor-1", db=db).ticket
    worker = worker_for(db, config, smtp_port=free_port(), attempts_allowed=2)
    now = utcnow()
    asyncio.run(worker.run_once(now=now))
    final = asyncio.run(worker.run_once(now=now + dt.timedelta(hours=2)))
    assert final.failed == 1
    webhook_row = next(row for row in outbox_rows(db) if row.channel == "webhook")
    assert (
        webhook_row.status == "failed"
        and webhook_row.attempts == 2
        and "could not be reached" in webhook_row.last_error
    )
    assert webhook_row.payload["reference"] == ticket.reference  # the ticket and its notification are kept
    assert requeue_failed(db) == 1
    assert count_by_status(db) == {"pending": 1, "skipped": 1}


def test_an_smtp_server_that_is_down_is_recorded_and_retried(db, tmp_path):
    config = config_for(tmp_path)
    open_ticket("medical", "visitor-1", db=db)
    report = asyncio.run(worker_for(db, config, smtp_port=free_port()).run_once())
    assert report.retried == 1
    email_row = next(row for row in outbox_rows(db) if row.channel == "email")
    assert email_row.status == "pending" and "Connection refused" in email_row.last_error


def test_channels_without_settings_are_skipped_not_lost(db, tmp_path):
    config = config_for(tmp_path, email_to=[])
    open_ticket("medical", "visitor-1", db=db)
    report = asyncio.run(worker_for(db, config, smtp_port=free_port()).run_once())
    assert report.skipped == 2
    reasons = sorted(row.last_error for row in outbox_rows(db))
    assert reasons == [
        "no notifications.email_to in the clinic file",
        "no notifications.webhook_url in the clinic file",
    ]
    no_host = NotificationWorker(db=db, config_source=lambda: config_for(tmp_path), smtp=SmtpSettings(), secret=SECRET)
    open_ticket("medical", "visitor-2", db=db)
    asyncio.run(no_host.run_once())
    assert "SMTP_HOST is not set" in [row.last_error for row in outbox_rows(db)]


def test_two_workers_never_claim_the_same_row_and_a_dead_workers_lease_expires(db):
    for n in range(10):
        open_ticket("medical", f"visitor-{n}", db=db)
    claims = {}
    barrier = threading.Barrier(2)

    def claim(worker_id):
        barrier.wait()
        claims[worker_id] = claim_due(db, worker_id, limit=15, lease=dt.timedelta(minutes=1))

    threads = [threading.Thread(target=claim, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    ids = [d.id for batch in claims.values() for d in batch]
    assert len(ids) == 20 and len(set(ids)) == 20  # all rows, each claimed once

    later = utcnow() + dt.timedelta(minutes=5)  # worker-0 died: its leases have expired
    reclaimed = claim_due(db, "worker-2", limit=50, now=later)
    assert {d.id for d in reclaimed} == {d.id for d in claims["worker-0"] + claims["worker-1"]}
    assert all(d.attempt == 2 for d in reclaimed)
    assert not record_delivered(db, claims["worker-0"][0], "worker-0")  # a stale worker can't record
    assert record_delivered(db, reclaimed[0], "worker-2")


def test_signatures_and_webhook_safety(tmp_path):
    body = b'{"a":1}'
    timestamp = str(int(time.time()))
    signature = sign(SECRET, timestamp, body)
    assert verify_signature(SECRET, timestamp, body, signature)
    assert not verify_signature(SECRET, timestamp, b'{"a":2}', signature)
    assert not verify_signature("other-secret", timestamp, body, signature)
    assert not verify_signature(
        SECRET, str(int(time.time()) - 3600), body, sign(SECRET, str(int(time.time()) - 3600), body)
    )
    check_url("https://hooks.example.com/clinic")
    check_url("http://localhost:8080/x")
    with pytest.raises(WebhookError):
        check_url("http://hooks.example.com/clinic")  # plain http leaves the machine: refused
    with pytest.raises(WebhookError):
        asyncio.run(post_webhook("http://127.0.0.1:9/x", body, "", {}))  # no secret, no unsigned sending


def test_the_background_worker_sends_without_waiting_for_the_next_poll(db, tmp_path):
    with SmtpInbox() as inbox:
        config = config_for(tmp_path)

        async def action_server_loop():
            worker = ensure_background_worker(
                db=db,
                config_source=lambda: config,
                poll_seconds=30,
                smtp=SmtpSettings(host="127.0.0.1", port=inbox.port, starttls=False),
                secret=SECRET,
            )
            await asyncio.sleep(0.2)  # the first (empty) poll has run; the next is 30 s away
            opened = await asyncio.to_thread(open_ticket, "urgent", "visitor-1", message="help", db=db)
            assert ensure_background_worker() is worker  # the same worker, woken up
            for _ in range(100):
                if inbox.messages:
                    break
                await asyncio.sleep(0.1)
            await stop_background_worker()
            return opened.ticket

        ticket = asyncio.run(action_server_loop())
        assert inbox.messages and ticket.reference in inbox.messages[0]["Subject"]


def test_the_worker_command_drains_the_outbox(db, tmp_path):
    with SmtpInbox() as inbox, WebhookReceiver(SECRET) as hook:
        clinic_file = tmp_path / "clinic.yml"
        clinic_file.write_text(yaml.safe_dump(clinic_data(notifications={"email_to": STAFF, "webhook_url": hook.url})))
        ticket = open_ticket("medical", "visitor-1", db=db).ticket
        env = {
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": db.url,
            "CLINIC_CONFIG": str(clinic_file),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(inbox.port),
            "SMTP_STARTTLS": "false",
            "NOTIFY_WEBHOOK_SECRET": SECRET,
            "PYTHONPATH": ROOT,
        }
        result = subprocess.run(
            [sys.executable, "-m", "clinic.notify_worker", "--once"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "delivered 2" in result.stdout
        assert wait_for(lambda: len(inbox.messages) == 1 and len(hook.requests) == 1)
        assert ticket.reference in inbox.messages[0]["Subject"] and hook.requests[0]["verified"]
        assert inbox.messages[0]["From"] == "desk@testclinic.example"  # no SMTP_FROM: the clinic's address
