"""The console's gate (console.security, blueprints/auth.py) through the real console process:
every route refuses anyone not signed in, CSRF on every state change, session cookie flags,
throttling of the sixth failed sign-in, sign-out and disabled accounts ending sessions at once,
open redirects refused, and the audit trail of sign-ins."""

from __future__ import annotations

import re
import uuid

import pytest
from console_support import ConsoleClient

from clinic.audit import AuditAction, recent_entries
from clinic.staff_accounts import create_account
from console.app import create_app
from console.settings import ConsoleSettings
from ops.services import Stack, console_server, free_port

PUBLIC = {("GET", "/sign-in"), ("POST", "/sign-in"), ("GET", "/health")}
PARAMS = {"reference": "MED-ABCD", "event_id": "acne-evening", "key": "Y29uc29sZQ", "account_id": "1"}


def every_route():
    """(method, path) of every route the console serves, with sample path parameters."""
    app = create_app(
        ConsoleSettings(database_url="sqlite://", tracker_store_url="sqlite://", clinic_file="x"),
        name=f"routes_{uuid.uuid4().hex[:6]}",
    )
    routes = set()
    for route in app.router.routes:
        path = "/" + route.path if not route.path.startswith("/") else route.path
        if "static" in route.name:
            continue
        path = re.sub(r"<(\w+)(:[^>]*)?>", lambda m: PARAMS.get(m.group(1), "x"), path)
        for method in route.methods:
            routes.add((method, path))
    return sorted(routes)


ROUTES = every_route()


def test_the_route_list_covers_every_area():
    paths = {path for _, path in ROUTES}
    for expected in ("/conversations", "/queue", "/registrations", "/accounts", "/api/queue/urgent", "/sign-out"):
        assert expected in paths
    assert len(ROUTES) >= 20


@pytest.mark.parametrize("method, path", [r for r in ROUTES if r not in PUBLIC], ids=lambda v: str(v))
def test_every_route_refuses_anyone_not_signed_in(anonymous, method, path):
    reply = anonymous.http.request(
        method,
        anonymous.base_url + path,
        allow_redirects=False,
        timeout=30,
        data={"csrf_token": "x"} if method == "POST" else None,
    )
    if path.startswith("/api/"):
        assert reply.status_code == 401 and reply.json()["error"] == "unauthorized"
    else:
        assert reply.status_code == 303 and reply.headers["location"].startswith("/sign-in?next=")
    assert "Ana" not in reply.text and "@example.com" not in reply.text


def test_health_and_sign_in_are_public_and_every_page_has_the_security_headers(anonymous):
    assert anonymous.get("/health").json() == {"status": "ok"}
    for path in ("/sign-in", "/health", "/no-such-page", "/static/console.css"):
        reply = anonymous.get(path)
        csp = reply.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert reply.headers["x-frame-options"] == "DENY" and reply.headers["x-content-type-options"] == "nosniff"
    assert anonymous.get("/sign-in").headers["cache-control"] == "no-store"
    assert anonymous.get("/no-such-page").status_code == 303  # not even which pages exist, before sign-in


def test_a_signed_in_person_gets_a_page_for_unknown_addresses(nurse):
    reply = nurse.get("/no-such-page")
    assert reply.status_code == 404 and "default-src 'none'" in reply.headers["content-security-policy"]
    assert "Traceback" not in reply.text


def test_sign_in_sets_a_session_cookie_with_its_flags(console_world):
    client = ConsoleClient(console_world.url)
    username = console_world.username("nurse")
    reply = client.sign_in(username, console_world.passwords[username])
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    cookie = next(c for c in reply.raw.headers.getlist("Set-Cookie") if c.startswith("console_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Max-Age=43200" in cookie  # the absolute limit, 12 hours
    assert "Secure" not in cookie  # plain HTTP on loopback here; see the HTTPS test below
    assert client.get("/conversations").status_code == 200
    signed_in = recent_entries(console_world.db, action=AuditAction.SIGN_IN)
    assert any(e.actor == username and e.address == "127.0.0.1" for e in signed_in)


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(console_world, admin):
    sender = console_world.conversations["faq"]
    from console.web import conversation_key

    path = f"/conversations/{conversation_key(sender)}/tags"
    assert admin.post(path, {"tag": "no-token"}, csrf="").status_code == 403
    assert admin.post(path, {"tag": "wrong-token"}, csrf="not-the-token").status_code == 403
    other = console_world.signed_in("nurse")  # another person's valid token is not this session's
    assert admin.post(path, {"tag": "other-token"}, csrf=other.csrf).status_code == 403
    refused = admin.http.post(
        admin.base_url + path,
        data={"tag": "cross-site", "csrf_token": admin.csrf},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 403
    assert admin.post(path, {"tag": "with-token"}).status_code == 303
    page = admin.page(f"/conversations/{conversation_key(sender)}")
    assert "with-token" in page and "no-token" not in page and "cross-site" not in page
    # The sign-in form has its own token (double submit), also required.
    fresh = ConsoleClient(console_world.url)
    username = console_world.username("nurse")
    fresh.get("/sign-in")
    assert (
        fresh.post(
            "/sign-in", {"username": username, "password": console_world.passwords[username]}, csrf=""
        ).status_code
        == 403
    )


def test_sign_out_ends_the_session_even_for_a_copied_cookie(console_world):
    client = console_world.signed_in("nurse")
    stolen = client.http.cookies.get("console_session")
    assert client.post("/sign-out").status_code == 303
    thief = ConsoleClient(console_world.url)
    thief.http.cookies.set("console_session", stolen)
    assert thief.get("/conversations").status_code == 303
    assert client.get("/api/queue/urgent").status_code == 401


def test_a_disabled_account_is_signed_out_at_once(console_world, admin):
    suffix = uuid.uuid4().hex[:6]
    user = create_account(console_world.db, f"temp-{suffix}", "Temp", "staff", "a long temporary passphrase")
    victim = ConsoleClient(console_world.url)
    assert victim.sign_in(user.username, "a long temporary passphrase").status_code == 303
    assert victim.get("/queue").status_code == 200
    admin.page("/accounts")
    assert admin.post(f"/accounts/{user.id}/active", {"active": "false"}).status_code == 303
    assert victim.get("/queue").status_code == 303
    assert victim.get("/api/queue/urgent").status_code == 401
    again = ConsoleClient(console_world.url)
    assert again.sign_in(user.username, "a long temporary passphrase").status_code == 401
    disabled = recent_entries(console_world.db, action=AuditAction.ACCOUNT_DISABLED)
    assert any(e.target_id == str(user.id) and e.actor == console_world.username("admin") for e in disabled)


def test_redirects_after_sign_in_stay_on_the_console(console_world):
    username = console_world.username("nurse")
    for target, expected in (
        ("/queue?kind=urgent", "/queue?kind=urgent"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
    ):
        client = ConsoleClient(console_world.url)
        client.get("/sign-in?next=" + target)
        reply = client.post(
            "/sign-in", {"username": username, "password": console_world.passwords[username], "next": target}
        )
        assert reply.headers["location"] == expected


@pytest.fixture(scope="module")
def proxied_console(console_world, tmp_path_factory):
    """A second console process behind a (pretend) trusted proxy: X-Forwarded-For and
    X-Forwarded-Proto are believed, so the tests can come from other addresses and HTTPS
    without locking 127.0.0.1 out of the other tests."""
    port = free_port()
    env = {
        "DATABASE_URL": console_world.servers.database_url,
        "TRACKER_STORE_URL": "sqlite:///" + str(tmp_path_factory.mktemp("empty") / "tracker.db"),
        "CLINIC_CONFIG": str(console_world.servers.clinic_file),
        "CONSOLE_TRUST_PROXY": "true",
    }
    with Stack([console_server(port, env=env)], log_dir=tmp_path_factory.mktemp("proxied-log"), timeout=60) as stack:
        yield stack.services[0].public_url


def _from(client: ConsoleClient, address: str, https: bool = False) -> ConsoleClient:
    client.http.headers["X-Forwarded-For"] = address
    if https:
        client.http.headers["X-Forwarded-Proto"] = "https"
    return client


def test_the_sixth_wrong_password_in_a_row_is_refused_for_a_while(console_world, proxied_console):
    suffix = uuid.uuid4().hex[:6]
    user = create_account(console_world.db, f"victim-{suffix}", "Victim", "staff", "the right passphrase")
    attacker = _from(ConsoleClient(proxied_console), f"198.51.100.{int(suffix, 16) % 200 + 1}")
    for attempt in range(4):
        reply = attacker.sign_in(user.username, f"wrong guess {attempt}")
        assert reply.status_code == 401 and "not right" in reply.text
    fifth = attacker.sign_in(user.username, "wrong guess 5")
    assert fifth.status_code == 429 and "Too many failed sign-ins" in fifth.text
    # The sixth attempt is refused even with the right password, from any address, with a clear message.
    for address in (attacker.http.headers["X-Forwarded-For"], "203.0.113.77"):
        sixth = _from(ConsoleClient(proxied_console), address).sign_in(user.username, "the right passphrase")
        assert sixth.status_code == 429 and re.search(r"wait \d+ minutes", sixth.text)
        assert "console_session" not in sixth.headers.get("set-cookie", "")
    failures = [e for e in recent_entries(console_world.db, 50, AuditAction.SIGN_IN_FAILED) if e.actor == user.username]
    assert [e.detail["reason"] for e in failures].count("wrong_password") == 5
    assert [e.detail["reason"] for e in failures].count("throttled") == 2


def test_failures_from_one_address_lock_that_address_for_every_account(console_world, proxied_console):
    suffix = uuid.uuid4().hex[:6]
    create_account(console_world.db, f"other-{suffix}", "Other", "staff", "another right passphrase")
    address = f"192.0.2.{int(suffix, 16) % 200 + 1}"
    for attempt in range(5):
        _from(ConsoleClient(proxied_console), address).sign_in(f"guess-{attempt}-{suffix}", "whatever it is")
    refused = _from(ConsoleClient(proxied_console), address).sign_in(f"other-{suffix}", "another right passphrase")
    assert refused.status_code == 429
    allowed = _from(ConsoleClient(proxied_console), "203.0.113.200").sign_in(
        f"other-{suffix}", "another right passphrase"
    )
    assert allowed.status_code == 303


def test_the_session_cookie_is_secure_over_https(console_world, proxied_console):
    username = console_world.username("doctor")
    client = _from(ConsoleClient(proxied_console), "203.0.113.5", https=True)
    form = client.get("/sign-in")
    assert "Secure" in form.headers["set-cookie"]  # the sign-in form's own cookie, too
    # requests keeps Secure cookies to https URLs; the "proxy" here speaks plain HTTP to the console.
    client.http.cookies.set("console_sign_in", client.csrf)
    reply = client.post("/sign-in", {"username": username, "password": console_world.passwords[username]})
    cookie = next(c for c in reply.raw.headers.getlist("Set-Cookie") if c.startswith("console_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_reset_password_must_be_replaced_before_anything_else(console_world, admin):
    suffix = uuid.uuid4().hex[:6]
    user = create_account(console_world.db, f"reset-{suffix}", "Reset", "staff", "first passphrase here")
    admin.page("/accounts")
    assert admin.post(f"/accounts/{user.id}/password", {"password": "temporary passphrase"}).status_code == 303
    client = ConsoleClient(console_world.url)
    assert client.sign_in(user.username, "first passphrase here").status_code == 401
    reply = client.sign_in(user.username, "temporary passphrase")
    assert reply.headers["location"] == "/account/password"
    assert client.get("/conversations").headers["location"] == "/account/password"
    client.page("/account/password")
    mismatch = client.post(
        "/account/password",
        {"current_password": "temporary passphrase", "password": "my own passphrase", "password_again": "typo"},
    )
    assert mismatch.status_code == 400
    done = client.post(
        "/account/password",
        {
            "current_password": "temporary passphrase",
            "password": "my own passphrase",
            "password_again": "my own passphrase",
        },
    )
    assert done.status_code == 303
    assert client.get("/conversations").status_code == 200
