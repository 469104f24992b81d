"""Facebook Messenger and Instagram messaging through Meta's Messenger Platform.

The project's own connector rather than Rasa's ``facebook`` one, which accepts only
``object: page`` webhooks (not Instagram's), checks only the legacy SHA-1 signature, sends
through a blocking HTTP client, and fails on more than 10 quick replies (RasaHQ/rasa#11463).

Webhook: GET answers Meta's subscription check (hub.verify_token, compared as bytes); POST
must carry a valid X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret), or it
gets 403. Meta sends that header with every event; the legacy SHA-1 X-Hub-Signature, which it
sends beside it, is not accepted on its own. Replies go to ``{META_GRAPH_API_URL}/me/messages``.

Limits: Messenger's text is at most 2,000 characters, Instagram's 1,000 bytes of UTF-8; a
quick reply's title 20 characters and its payload 1,000 characters (a longer payload travels as
a hash and is looked up in the conversation when tapped).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, ClassVar, Dict, List, Mapping, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.base import (
    Button,
    OnNewMessage,
    Setting,
    ShapedOutput,
    SocialInput,
    compact_payload,
    forbidden,
    masked,
    post_to_api,
    shorten,
    utf8_length,
)

logger = logging.getLogger(__name__)

GRAPH_API_URL = "https://graph.facebook.com/v19.0"
QUICK_REPLY_TITLE_LIMIT = 20
QUICK_REPLY_PAYLOAD_LIMIT = 1000


def valid_meta_signature(app_secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Check X-Hub-Signature-256 ("sha256=" + hex HMAC-SHA256 of the raw body with the app secret)."""
    prefix, _, signature = (headers.get("X-Hub-Signature-256") or "").partition("=")
    if prefix != "sha256" or not signature:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8", "replace"))


def quick_reply_payload(payload: str) -> str:
    return compact_payload(payload, lambda p: len(p) <= QUICK_REPLY_PAYLOAD_LIMIT)


class MetaOutput(ShapedOutput):
    """Send API: text, up to 13 quick replies (titles of at most 20 characters)."""

    max_quick_replies = 13

    def __init__(self, api_url: str, access_token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.access_token = access_token

    async def send_message(self, recipient_id: Text, message: Dict[str, Any]) -> None:
        self.attempted_send()
        await post_to_api(
            f"{self.name()} send",
            f"{self.api_url}/me/messages",
            params={"access_token": self.access_token},
            json={"recipient": {"id": recipient_id}, "messaging_type": "RESPONSE", "message": message},
        )

    async def post_text(self, recipient_id: Text, text: Text, buttons: List[Button]) -> None:
        message: Dict[str, Any] = {"text": text}
        if buttons:
            message["quick_replies"] = [
                {
                    "content_type": "text",
                    "title": shorten(str(b["title"]), QUICK_REPLY_TITLE_LIMIT),
                    "payload": quick_reply_payload(str(b["payload"])),
                }
                for b in buttons
            ]
        await self.send_message(recipient_id, message)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_message(recipient_id, {"attachment": {"type": "image", "payload": {"url": image}}})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self.send_message(recipient_id, json_message)


class MessengerOutput(MetaOutput):
    text_limit = 2000

    @classmethod
    def name(cls) -> Text:
        return "messenger"


class InstagramOutput(MetaOutput):
    text_limit = 1000  # bytes: "Message text must be UTF-8 and be 1000 bytes or less"
    length = staticmethod(utf8_length)

    @classmethod
    def name(cls) -> Text:
        return "instagram"


def _attachment_kind(message: Dict[str, Any]) -> str:
    if message.get("sticker_id"):
        return "sticker"
    kinds = [str(a.get("type") or "attachment") for a in message.get("attachments") or []]
    return ",".join(kinds) or "empty"


class MetaInput(SocialInput):
    """One Meta webhook (``object`` = ``page`` for Messenger, ``instagram`` for Instagram)."""

    object_type: ClassVar[str] = ""

    def make_output(self) -> MetaOutput:
        return self.output_class(self.settings["api_url"], self.settings["access_token"])  # type: ignore[call-arg]

    def add_routes(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> None:
        settings = self.settings or {}

        @blueprint.route("/webhook", methods=["GET"])
        async def subscribe(request: Request) -> HTTPResponse:
            # Bytes, not str: hmac.compare_digest refuses non-ASCII str (a 500 instead of a 403).
            token = (request.args.get("hub.verify_token") or "").encode("utf-8", "replace")
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                token, settings["verify_token"].encode("utf-8")
            ):
                return response.text(request.args.get("hub.challenge") or "")
            return forbidden(self.name(), request, "wrong hub.verify_token")

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not valid_meta_signature(settings["app_secret"], request.body or b"", request.headers):
                return forbidden(self.name(), request, "missing or invalid X-Hub-Signature-256")
            try:
                payload = json.loads(request.body)
            except ValueError:
                return response.text("bad request", status=400)
            if not isinstance(payload, dict) or payload.get("object") != self.object_type:
                logger.info("%s: ignored a webhook for object %r", self.name(), (payload or {}).get("object"))
                return response.text("EVENT_RECEIVED")
            all_handled = True
            for entry in payload.get("entry") or []:
                for change in entry.get("changes") or []:
                    # The App Dashboard's "Test" button sends its samples in this shape.
                    logger.info(
                        "%s: a %r change (entry %s; the App Dashboard's test events look like this) was "
                        "received and not answered: visitors' messages arrive as entry.messaging",
                        self.name(),
                        change.get("field"),
                        entry.get("id"),
                    )
                for event in entry.get("messaging") or []:
                    all_handled &= await self.handle_event(request, event, on_new_message)
            if not all_handled:
                return response.text("retry later", status=503)
            return response.text("EVENT_RECEIVED")

    async def handle_event(self, request: Request, event: Dict[str, Any], on_new_message: OnNewMessage) -> bool:
        """One messaging event; False when it must be redelivered."""
        sender = event.get("sender") or {}
        sender_id = str(sender.get("id") or "")
        message = event.get("message")
        postback = event.get("postback")
        if (message or {}).get("is_echo") or (message or {}).get("is_deleted"):
            return True
        if not sender_id:
            if sender.get("user_ref") and (message or postback):
                logger.warning(
                    "%s: a %s from a chat-plugin guest (sender.user_ref) was not answered: the connector "
                    "answers Page-scoped ids (sender.id) only",
                    self.name(),
                    "message" if message else "postback",
                )
            return True
        if not message and not (postback and postback.get("payload")):
            return True  # deliveries, reads, reactions and referrals need no answer
        output = self.make_output()

        async def handle() -> None:
            if message:
                quick_reply = (message.get("quick_reply") or {}).get("payload")
                text = quick_reply or message.get("text") or ""
                if not text.strip():
                    await self.unsupported(output, sender_id, _attachment_kind(message))
                    return
                await self.deliver(request, on_new_message, output, sender_id, text, typed=not quick_reply)
            else:
                await self.deliver(request, on_new_message, output, sender_id, str(postback["payload"]), typed=False)

        mid = (message or postback or {}).get("mid")
        if not mid:
            logger.info("%s: an event from %s without a message id", self.name(), masked(sender_id))
        return await self.receive(request, mid, handle, output, sender_id)


def _meta_settings(prefix: str, token_name: str) -> Dict[str, Setting]:
    return {
        "access_token": Setting(f"{prefix}_{token_name}"),
        "app_secret": Setting(f"{prefix}_APP_SECRET"),
        "verify_token": Setting(f"{prefix}_VERIFY_TOKEN"),
        "api_url": Setting("META_GRAPH_API_URL", required=False, default=GRAPH_API_URL),
    }


class MessengerInput(MetaInput):
    """Facebook Messenger: webhook /webhooks/messenger/webhook."""

    title = "Facebook Messenger"
    object_type = "page"
    output_class = MessengerOutput
    SETTINGS = _meta_settings("FACEBOOK", "PAGE_ACCESS_TOKEN")


class InstagramInput(MetaInput):
    """Instagram messaging (Messenger API for Instagram): webhook /webhooks/instagram/webhook."""

    title = "Instagram"
    object_type = "instagram"
    output_class = InstagramOutput
    SETTINGS = _meta_settings("INSTAGRAM", "ACCESS_TOKEN")
