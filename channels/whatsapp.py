"""WhatsApp through Twilio's Messaging API.

Webhook: Twilio POSTs form fields (From, Body, NumMedia, Latitude, ...) to
/webhooks/whatsapp/webhook with an X-Twilio-Signature (HMAC-SHA1 of the public URL plus the
sorted fields, keyed with the auth token); anything else gets 403. WhatsApp messages through
Twilio have no quick replies, so buttons become numbered options ("Reply with the number"),
and "2" is mapped back to the second button's payload. Bodies are split at 1600 characters
(Twilio's limit). Replies go to ``{TWILIO_API_URL}/2010-04-01/Accounts/{sid}/Messages.json``.

Status callbacks (``MessageStatus``: sent, delivered, read, failed...) posted to the same URL,
and anything sent from the clinic's own number, are not visitors' messages: they are never
answered (a failed or undelivered reply is logged as a warning with Twilio's ErrorCode).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text
from urllib.parse import parse_qs

import aiohttp
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.base import (
    Button,
    OnNewMessage,
    Setting,
    ShapedOutput,
    SocialInput,
    forbidden,
    masked,
    post_to_api,
)

logger = logging.getLogger(__name__)

TWILIO_API_URL = "https://api.twilio.com"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
UNDELIVERED_STATUSES = ("failed", "undelivered")


def whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


class WhatsAppOutput(ShapedOutput):
    text_limit = 1600
    max_quick_replies = 0

    def __init__(self, api_url: str, account_sid: str, auth_token: str, from_number: str) -> None:
        self.url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.from_number = whatsapp_address(from_number)

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    async def post_text(self, recipient_id: Text, text: Text, buttons: List[Button]) -> None:
        self.attempted_send()
        await post_to_api(
            "whatsapp send", self.url, data={"From": self.from_number, "To": recipient_id, "Body": text}, auth=self.auth
        )

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        text = json_message.get("text") or json_message.get("body")
        if text:
            await self.send_text_message(recipient_id, str(text))


class TwilioWhatsAppInput(SocialInput):
    """WhatsApp via Twilio: webhook /webhooks/whatsapp/webhook."""

    title = "WhatsApp (Twilio)"
    output_class = WhatsAppOutput
    SETTINGS = {
        "account_sid": Setting("TWILIO_ACCOUNT_SID"),
        "auth_token": Setting("TWILIO_AUTH_TOKEN"),
        "from_number": Setting("TWILIO_WHATSAPP_NUMBER"),
        # The exact public URL Twilio calls (it is part of the signature); behind a proxy the
        # URL this server sees differs. Default: the URL of the request as received.
        "webhook_url": Setting("TWILIO_WEBHOOK_URL", required=False),
        "api_url": Setting("TWILIO_API_URL", required=False, default=TWILIO_API_URL),
    }

    def make_output(self) -> WhatsAppOutput:
        s = self.settings or {}
        return WhatsAppOutput(s["api_url"], s["account_sid"], s["auth_token"], s["from_number"])

    def add_routes(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> None:
        settings = self.settings or {}
        validator = RequestValidator(settings["auth_token"])

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            signature = request.headers.get("X-Twilio-Signature") or ""
            url = settings["webhook_url"] or request.url
            # Twilio signs every field it sends, empty ones included (a location has Body=""),
            # which Sanic's request.form drops.
            form = RequestParameters(parse_qs((request.body or b"").decode("utf-8", "replace"), keep_blank_values=True))
            if not signature or not validator.validate(url, form, signature):
                return forbidden(self.name(), request, "missing or invalid X-Twilio-Signature")
            if self.is_inbound_message(form):
                sender_id = form.get("From") or ""
                output = self.make_output()
                handled = await self.receive(
                    request,
                    form.get("MessageSid"),
                    lambda: self.handle(request, form, sender_id, output, on_new_message),
                    output,
                    sender_id,
                )
                if not handled:
                    return response.text("retry later", status=503)
            return response.text(EMPTY_TWIML, content_type="text/xml")

    def is_inbound_message(self, form: Any) -> bool:
        """True for a visitor's message; False (logged) for status callbacks and the clinic's own messages."""
        status = form.get("MessageStatus") or ""
        sms_status = form.get("SmsStatus") or ""
        if status or (sms_status and sms_status != "received"):
            status = status or sms_status
            if status in UNDELIVERED_STATUSES:
                logger.warning(
                    "%s: reply %s to %s: %s (Twilio ErrorCode %s)",
                    self.name(),
                    form.get("MessageSid"),
                    masked(form.get("To") or ""),
                    status,
                    form.get("ErrorCode") or "none",
                )
            else:
                logger.debug("%s: status callback %s for %s", self.name(), status, form.get("MessageSid"))
            return False
        sender_id = form.get("From") or ""
        if not sender_id:
            return False
        if sender_id == whatsapp_address((self.settings or {})["from_number"]):
            logger.info("%s: ignored a message from the clinic's own number", self.name())
            return False
        return True

    async def handle(
        self, request: Request, form: Any, sender_id: str, output: WhatsAppOutput, on_new_message: OnNewMessage
    ) -> None:
        button_payload = form.get("ButtonPayload")
        text = button_payload or form.get("Body") or ""
        if not text.strip():
            media = (form.get("NumMedia") or "0").strip()
            kind = "location" if form.get("Latitude") else "media" if media.isdigit() and int(media) else "empty"
            await self.unsupported(output, sender_id, kind)
            return
        await self.deliver(request, on_new_message, output, sender_id, text, typed=not button_payload)
