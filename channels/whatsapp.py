"""WhatsApp through Twilio's Messaging API.

Webhook: Twilio POSTs form fields (From, Body, NumMedia, Latitude, ...) to
/webhooks/whatsapp/webhook with an X-Twilio-Signature (HMAC-SHA1 of the public URL plus the
sorted fields, keyed with the auth token); anything else gets 403. WhatsApp messages through
Twilio have no quick replies, so buttons become numbered options ("Reply with the number"),
and "2" is mapped back to the second button's payload. Bodies are split at 1600 characters
(Twilio's limit). Replies go to ``{TWILIO_API_URL}/2010-04-01/Accounts/{sid}/Messages.json``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text
from urllib.parse import parse_qs

import aiohttp
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.base import Button, OnNewMessage, Setting, ShapedOutput, SocialInput, forbidden, post_to_api

TWILIO_API_URL = "https://api.twilio.com"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


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
            sender_id = form.get("From") or ""
            if sender_id and not self.already_seen(request, form.get("MessageSid")):
                await self.handle(request, form, sender_id, on_new_message)
            return response.text(EMPTY_TWIML, content_type="text/xml")

    async def handle(self, request: Request, form: Any, sender_id: str, on_new_message: OnNewMessage) -> None:
        output = self.make_output()
        text = form.get("ButtonPayload") or form.get("Body") or ""
        if not text.strip():
            kind = "location" if form.get("Latitude") else "media" if int(form.get("NumMedia") or 0) else "empty"
            await self.unsupported(output, sender_id, kind)
            return
        if not form.get("ButtonPayload"):
            text = await self.numbered_choice(request, sender_id, text)
        await self.deliver(on_new_message, output, sender_id, text)
