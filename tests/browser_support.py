"""Debian's chromium driven by Playwright for the browser tests (never a downloaded browser),
with every page kept on this machine: requests to other hosts are recorded and blocked, and
page errors and Content-Security-Policy violations are collected."""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import List

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module")
def browser() -> Browser:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What the pages of one browser context did that a test must check."""

    outside: List[str] = field(default_factory=list)  # requests to other hosts (blocked)
    seen: List[str] = field(default_factory=list)  # every request and websocket URL
    problems: List[str] = field(default_factory=list)  # page errors, console errors, CSP violations
    dialogs: List[str] = field(default_factory=list)  # alert()/confirm() a script tried to open


def watched_context(browser: Browser, **options) -> tuple[BrowserContext, Watch]:
    """A browser context whose pages may reach only this machine, and what they did."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    watch = Watch()

    def guard(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    def on_console(message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            watch.problems.append(f"console: {message.text}")

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_page(page) -> None:
        page.on("request", lambda request: watch.seen.append(request.url))
        page.on("websocket", lambda socket: watch.seen.append(socket.url))
        page.on("pageerror", lambda error: watch.problems.append(f"page error: {error}"))
        page.on("console", on_console)
        page.on("dialog", on_dialog)

    context.route("**/*", guard)
    context.on("page", on_page)
    return context, watch
