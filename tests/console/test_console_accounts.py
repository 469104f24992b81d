"""Staff accounts in the console (blueprints/accounts.py): admins only; every change audited."""

from __future__ import annotations

import uuid

from console_support import ConsoleClient

from clinic.audit import AuditAction, recent_entries


def test_staff_cannot_manage_accounts_and_admins_can(console_world, nurse, admin):
    assert nurse.get("/accounts").status_code == 403
    assert (
        nurse.post(
            "/accounts",
            {"username": "sneaky", "display_name": "S", "role": "admin", "password": "a long sneaky password"},
        ).status_code
        == 403
    )
    page = admin.page("/accounts")
    assert console_world.username("nurse") in page
    bad = admin.post("/accounts", {"username": "x", "display_name": "", "role": "staff", "password": "short"})
    assert bad.status_code == 400 and "username" in bad.text.lower()
    audit = recent_entries(console_world.db, 100, AuditAction.ACCOUNT_CREATED)
    assert not any(e.detail.get("username") == "sneaky" for e in audit)


def test_an_admin_adds_an_account_whose_owner_must_choose_a_password(console_world, admin):
    username = f"new-{uuid.uuid4().hex[:6]}"
    admin.page("/accounts")
    reply = admin.post(
        "/accounts",
        {"username": username, "display_name": "New Person", "role": "staff", "password": "temporary passphrase"},
    )
    assert reply.status_code == 303
    assert username in admin.page("/accounts")
    created = [
        e
        for e in recent_entries(console_world.db, 100, AuditAction.ACCOUNT_CREATED)
        if e.detail.get("username") == username
    ]
    assert created and created[0].actor == console_world.username("admin") and created[0].address
    newcomer = ConsoleClient(console_world.url)
    assert newcomer.sign_in(username, "temporary passphrase").headers["location"] == "/account/password"
    taken = admin.post(
        "/accounts",
        {"username": username, "display_name": "Again", "role": "staff", "password": "temporary passphrase"},
    )
    assert taken.status_code == 400 and "already taken" in taken.text


def test_the_last_admin_cannot_lock_themselves_out(console_world, admin):
    me = console_world.accounts["admin"]
    admin.page("/accounts")
    refused = admin.post(f"/accounts/{me.id}/active", {"active": "false"})
    assert "cannot disable your own account" in admin.page(refused.headers["location"])
    assert admin.get("/accounts").status_code == 200
    assert admin.post("/accounts/not-a-number/active", {"active": "false"}).status_code == 303
