"""rasa_runtime.input_hygiene: what reaches Rasa from a visitor is checked (REST) and storable (all channels)."""

from __future__ import annotations

import json

import pytest

from rasa_runtime.input_hygiene import (
    MAX_MESSAGE_CHARS,
    as_text,
    rest_problem,
    session_request_problem,
    storable,
    user_message_problem,
)


@pytest.mark.parametrize(
    "body, status",
    [
        (b"", 400),
        (b"{not json", 400),
        (b"\xff\xfe", 400),
        (json.dumps([{"sender": "a", "message": "hi"}]).encode(), 400),  # Rasa 3.6 answers 500 here
        (json.dumps({"sender": 42, "message": "hi"}).encode(), 400),
        (json.dumps({"sender": "  ", "message": "hi"}).encode(), 400),
        (json.dumps({"sender": "a" * 256, "message": "hi"}).encode(), 400),
        (json.dumps({"sender": "a", "message": 42}).encode(), 400),  # Rasa 3.6 answers [] here
        (json.dumps({"sender": "a", "message": None}).encode(), 400),
        (json.dumps({"sender": "a", "message": "x" * (MAX_MESSAGE_CHARS + 1)}).encode(), 413),
        (json.dumps({"sender": "a", "message": "hi", "metadata": "x"}).encode(), 400),
    ],
)
def test_bad_rest_bodies_get_a_clear_error(body, status):
    problem = rest_problem(body)
    assert problem is not None and problem[0] == status and problem[1]


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "visitor-1", "message": "hi"},
        {"sender": "visitor-1", "message": "", "metadata": {"x": 1}},
        {"sender": "visitor-1", "message": "x" * MAX_MESSAGE_CHARS, "metadata": None},
    ],
)
def test_good_rest_bodies_pass(body):
    assert rest_problem(json.dumps(body).encode()) is None


def test_texts_are_made_storable():
    assert storable("a\x00b") == "ab"  # PostgreSQL text cannot hold NUL
    assert storable("x\ud800y\udfff") == "x\ufffdy\ufffd"  # nor lone surrogates (not UTF-8)
    assert storable("é 👩🏽‍⚕️ \u202e") == "é 👩🏽‍⚕️ \u202e"  # real text is left alone
    assert storable("x\ud800y").encode("utf-8")
    assert as_text(5) == "5" and as_text({"a": 1}) == "" and as_text(None) == "" and as_text(True) == ""


@pytest.mark.parametrize(
    "data, ok",
    [
        ({"message": "hi", "session_id": "abc"}, True),
        ({"message": 5, "session_id": "abc", "metadata": '{"a": 1}'}, True),
        ({"message": "hi", "session_id": "abc", "metadata": {"a": 1}}, True),
        (None, False),
        ([], False),
        (1.5, False),
        ({"message": ["hi"], "session_id": "abc"}, False),
        ({"message": True, "session_id": "abc"}, False),
        ({"message": "hi", "session_id": 42}, False),
        ({"message": "hi", "session_id": "abc", "metadata": "not json"}, False),
        ({"message": "hi", "session_id": "abc", "metadata": "[1]"}, False),
        ({"message": "x" * (MAX_MESSAGE_CHARS + 1), "session_id": "abc"}, False),
    ],
)
def test_socketio_user_messages_are_checked(data, ok):
    assert (user_message_problem(data) is None) is ok


@pytest.mark.parametrize(
    "data, ok", [(None, True), ({}, True), ({"session_id": "abc"}, True), ([], False), ({"session_id": {}}, False)]
)
def test_socketio_session_requests_are_checked(data, ok):
    assert (session_request_problem(data) is None) is ok
