"""The website chat widget in a real browser: Debian's chromium, driven by Playwright, against
the page, Rasa and action server that `make run` starts (the channel_stack fixture).

Open the widget (greeting, buttons), ask about micro-needling, click a button, follow a link,
reload and carry on in the same conversation. Every request the page makes must go to this
machine; anything else is blocked and fails the test. A screenshot is saved under var/artifacts/.
"""

from __future__ import annotations

import json

from browser_support import ARTIFACTS, is_local, watched_context
from clinic_fixture import TEST_CLINIC_NAME
from playwright.sync_api import Page, expect

REPLY_TIMEOUT_MS = 30_000


def bot_messages(page: Page) -> int:
    return page.locator(".rw-response").count()


def ask(page: Page, text: str) -> None:
    """Type a message into the widget and wait for at least one new bot message."""
    before = bot_messages(page)
    page.locator(".rw-new-message").fill(text)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('.rw-response').length > n", arg=before, timeout=REPLY_TIMEOUT_MS
    )


def session_id(page: Page) -> str:
    return json.loads(page.evaluate("sessionStorage.getItem('chat_session')"))["session_id"]


def test_a_visitor_chats_clicks_a_button_follows_a_link_and_reloads(channel_stack, browser):
    context, watch = watched_context(browser)
    page = context.new_page()
    try:
        page.goto(f"{channel_stack.web_url}/")
        expect(page.locator("h1")).to_have_text(TEST_CLINIC_NAME)

        # Opening the widget starts the conversation with the greeting (initPayload /greet), with buttons.
        page.locator(".rw-launcher").click()
        expect(page.locator(".rw-response").first).to_contain_text(
            f"virtual assistant of {TEST_CLINIC_NAME}", timeout=REPLY_TIMEOUT_MS
        )
        expect(page.locator(".rw-replies .rw-reply").first).to_be_visible()

        ask(page, "what is micro-needling?")
        expect(page.locator(".rw-response").last).to_contain_text("Epidermal Collagen Therapy")

        # Its follow-up buttons are rendered as buttons; clicking one sends its payload.
        buttons = page.locator(".rw-replies .rw-reply")
        expect(buttons.first).to_be_visible()
        title = buttons.first.inner_text().strip()
        before = bot_messages(page)
        buttons.first.click()
        expect(page.locator(".rw-client").last).to_have_text(title)
        page.wait_for_function(
            "n => document.querySelectorAll('.rw-response').length > n", arg=before, timeout=REPLY_TIMEOUT_MS
        )

        # Links in answers are clickable and open in a new tab.
        ask(page, "what's your address?")
        link = page.locator(f'.rw-response a[href="{channel_stack.map_link}"]')
        expect(link).to_be_visible()
        expect(link).to_have_attribute("target", "_blank")
        with context.expect_page() as opened:
            link.click()
        assert opened.value.url == channel_stack.map_link
        opened.value.close()

        # Reload: the conversation is still there, and carries on in the same Rasa conversation.
        sender = session_id(page)
        client_messages = page.locator(".rw-client").count()
        page.reload()
        expect(page.locator(".rw-launcher")).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        if not page.locator(".rw-conversation-container").count():  # the widget remembers it was open
            page.locator(".rw-launcher").click()
        expect(page.locator(".rw-client")).to_have_count(client_messages, timeout=REPLY_TIMEOUT_MS)
        expect(page.locator(".rw-response").first).to_contain_text(f"virtual assistant of {TEST_CLINIC_NAME}")
        assert session_id(page) == sender
        ask(page, "how long does a session take?")
        expect(page.locator(".rw-response").last).to_contain_text("minutes")

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "webchat.png"), full_page=True)
    finally:
        context.close()

    # The tracker store has the whole conversation under one sender, from the socket.io channel.
    events = channel_stack.user_events(sender)
    texts = [event["text"] for event in events]
    assert texts[0] == "/greet" and texts.count("/greet") == 1, texts
    assert "what is micro-needling?" in texts and "how long does a session take?" in texts
    assert any(text.startswith("/") and text != "/greet" for text in texts), "the button's payload was not sent"
    assert {event["input_channel"] for event in events} == {"socketio"}

    assert not watch.outside, f"requests to other hosts: {watch.outside}"
    assert all(is_local(url) for url in watch.seen)
    assert any(url.startswith("ws://127.0.0.1") for url in watch.seen), "the widget did not use a websocket"
    # Rasa runs several workers: long-polling requests could reach different ones, so the
    # widget must talk over its WebSocket alone.
    assert not [url for url in watch.seen if "transport=polling" in url], "the widget fell back to long-polling"
    assert not watch.problems, watch.problems
