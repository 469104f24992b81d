"""The clinic's demo page (webchat/) as `make run` serves it: content, Content-Security-Policy,
the locally served widget, and Rasa's CORS limited to the page's origin."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from channel_support import http
from clinic_fixture import TEST_CLINIC_NAME

from webchat.app import Settings, WebchatError, create_app, load_widget, socket_origins


def fetch(url: str, headers=None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as reply:
        return reply.status, reply.headers, reply.read().decode()  # headers: case-insensitive


def test_page_names_the_clinic_and_loads_only_local_scripts(channel_stack):
    status, headers, page = fetch(f"{channel_stack.web_url}/")
    assert status == 200
    assert f"<h1>{TEST_CLINIC_NAME}</h1>" in page
    assert '<script src="/static/vendor/rasa-webchat.js"' in page and '<script src="/static/chat.js"' in page
    assert "http://" not in page.replace(channel_stack.rasa_url, "") and "https://" not in page


def test_content_security_policy_allows_this_site_and_the_rasa_socket_only(channel_stack):
    _, headers, _ = fetch(f"{channel_stack.web_url}/")
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    rasa_host = channel_stack.rasa_url.split("//", 1)[1]
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == f"'self' http://{rasa_host} ws://{rasa_host}"
    assert policy["frame-ancestors"] == "'none'"
    for directive, sources in policy.items():
        hosts = [s for s in sources.split() if "://" in s]
        assert all(rasa_host in h for h in hosts), (directive, sources)


def test_widget_is_served_locally_without_its_third_party_font_import(channel_stack):
    status, headers, bundle = fetch(f"{channel_stack.web_url}/static/vendor/rasa-webchat.js")
    assert status == 200 and headers["Content-Type"].startswith("application/javascript")
    assert "WebChat" in bundle and "fonts.googleapis.com" not in bundle
    # Several Rasa workers: the widget's socket must open a WebSocket first (one worker).
    assert 'transports:["websocket","polling"]' in bundle


def test_rasa_allows_the_page_origin_and_no_other(channel_stack):
    url = f"{channel_stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    _, allowed, _ = fetch(url, {"Origin": channel_stack.web_url})
    assert allowed.get("Access-Control-Allow-Origin") == channel_stack.web_url
    _, other, _ = fetch(url, {"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other


def test_unknown_paths_are_404(channel_stack):
    assert http("GET", f"{channel_stack.web_url}/static/../webchat/app.py")[0] == 404
    assert http("GET", f"{channel_stack.web_url}/admin")[0] == 404


def test_missing_widget_says_how_to_install_it(tmp_path: Path):
    with pytest.raises(WebchatError, match="make setup"):
        create_app(Settings(socket_url="http://127.0.0.1:5005", widget_bundle=tmp_path / "missing.js"))


def test_socket_url_must_be_http():
    assert socket_origins("https://chat.clinic.example") == "https://chat.clinic.example wss://chat.clinic.example"
    with pytest.raises(WebchatError):
        socket_origins("javascript:alert(1)")


SOCKET = "socketio:function(e,t,n){var r=n?{path:n}:{},o=io(e,r)}"


def test_remote_css_imports_are_removed_and_the_socket_opens_websocket_first(tmp_path: Path):
    bundle = tmp_path / "index.js"
    bundle.write_text(
        'a="@import url(https://fonts.googleapis.com/css?family=Inter:400&display=swap);";' + SOCKET, encoding="utf-8"
    )
    assert load_widget(bundle).decode() == (
        'a="";socketio:function(e,t,n){var r=Object.assign(n?{path:n}:{},'
        '{transports:["websocket","polling"]}),o=io(e,r)}'
    )


def test_a_widget_build_without_the_known_socket_options_is_refused(tmp_path: Path):
    bundle = tmp_path / "index.js"
    bundle.write_text("socketio:function(e){return io(e)}", encoding="utf-8")
    with pytest.raises(WebchatError, match="rasa-webchat 1.0.1"):
        load_widget(bundle)
