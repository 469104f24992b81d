"""The staff console in Debian's chromium, driven by Playwright, as a member of staff uses it:
sign in, find the medical hand-off's conversation through the filters, read its intents and
confidences, assign and resolve its ticket from the queue, see a new urgent ticket announced
without a reload, and see visitors' markup as text that runs nothing. Nothing leaves the
machine and the strict CSP reports no violation. Screenshots of the list, a transcript and
the queue are saved under var/artifacts/."""

from __future__ import annotations

import re
import uuid

import pytest
from browser_support import ARTIFACTS, watched_context
from console_support import IMAGE_MESSAGE, SCRIPT_MESSAGE
from playwright.sync_api import expect

from clinic.tickets import open_ticket
from console.web import conversation_url


@pytest.fixture()
def staff_page(console_world, browser):
    context, watch = watched_context(browser)
    page = context.new_page()
    yield page, watch
    context.close()
    assert not watch.outside, f"requests to other hosts: {watch.outside}"
    assert not watch.problems, watch.problems
    assert not watch.dialogs, f"a visitor's markup ran: {watch.dialogs}"


def sign_in(page, world, name: str) -> None:
    page.goto(f"{world.url}/conversations")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    username = world.username(name)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(world.passwords[username])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()


def test_staff_find_a_medical_handoff_read_it_and_resolve_its_ticket(console_world, staff_page):
    page, _ = staff_page
    sign_in(page, console_world, "nurse")
    sender = console_world.conversations["browser"]  # its own ticket: the queue tests read "medical"'s

    # Find the conversation through the filters: medical hand-offs on the REST channel.
    page.get_by_label("Hand-off").select_option("medical")
    page.get_by_label("Channel").select_option("rest")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"handoff=medical"))
    row = page.locator(f'tr[data-sender="{sender}"]')
    expect(row).to_be_visible()
    expect(row.locator(".badge.medical")).to_be_visible()
    expect(page.locator(f'tr[data-sender="{console_world.conversations["faq"]}"]')).to_have_count(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-conversations-{console_world.backend}.png"), full_page=True)

    # Open it: each visitor message with its intent and confidence; runner-ups on expand.
    row.locator("td.text a").click()
    expect(page.get_by_role("heading", name=re.compile("Conversation"))).to_be_visible()
    first = page.locator("li.visitor").first
    expect(first.locator(".intent")).to_have_text("medical_question")
    expect(first.locator(".understanding")).to_contain_text(re.compile(r"\d+\.\d%"))
    first.get_by_text("runner-up intents").click()
    expect(first.locator("details li").first).to_be_visible()
    expect(page.locator("li.step").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"console-transcript-{console_world.backend}.png"), full_page=True)

    # Its ticket: assign it to oneself, then resolve it.
    page.locator('aside a[href^="/queue/MED-"]').click()
    expect(page.get_by_role("heading", name=re.compile(r"MED-"))).to_be_visible()
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("p.flash")).to_have_text("Saved.")
    expect(page.locator("dl.facts")).to_contain_text(console_world.username("nurse"))
    page.get_by_label("Status").select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("ol.notes")).to_contain_text("Status: open → resolved")
    expect(page.locator("dl.facts")).to_contain_text("resolved")


def test_a_new_urgent_ticket_appears_without_a_reload(console_world, staff_page):
    page, _ = staff_page
    sign_in(page, console_world, "doctor")
    page.goto(f"{console_world.url}/queue")
    expect(page.locator("#urgent-count")).to_be_visible()  # active urgent tickets, polled
    page.wait_for_timeout(500)
    fresh = open_ticket(
        "urgent", f"browser-urgent-{uuid.uuid4().hex[:6]}", message="throat closing", db=console_world.db
    ).ticket
    alert = page.locator("#urgent-alert")
    expect(alert).to_be_visible(timeout=25_000)
    expect(alert.get_by_role("link", name=fresh.reference)).to_have_attribute("href", f"/queue/{fresh.reference}")
    page.screenshot(path=str(ARTIFACTS / f"console-queue-{console_world.backend}.png"), full_page=True)
    alert.get_by_role("link", name=fresh.reference).click()
    expect(page.get_by_role("heading", name=re.compile(fresh.reference))).to_be_visible()


def test_visitors_markup_is_text_and_runs_nothing(console_world, staff_page):
    page, watch = staff_page
    sign_in(page, console_world, "admin")
    page.goto(console_world.url + conversation_url(console_world.conversations["markup"]))
    texts = page.locator("li.visitor .text")
    expect(texts.first).to_have_text(SCRIPT_MESSAGE)
    expect(texts.nth(1)).to_have_text(IMAGE_MESSAGE)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("li.visitor img").count() == 0 and page.locator("li.visitor script").count() == 0
    assert not watch.dialogs
