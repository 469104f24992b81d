"""Telegram through the Bot API.

Webhook: /webhooks/telegram/webhook, registered with Telegram's setWebhook and a
``secret_token``; Telegram then sends it in X-Telegram-Bot-Api-Secret-Token, and a request
without the right one gets 403. Buttons become an inline keyboard (callback_data is the
button payload, or a short hash of it when the payload exceeds Telegram's 64 bytes); long
answers are split at 4096 UTF-16 units. Replies go to ``{TELEGRAM_API_URL}/bot<token>/...``.
"""

from __future__ import annotations

import hmac
from typing import Any, Dict, List, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.base import (
    Button,
    OnNewMessage,
    Setting,
    ShapedOutput,
    SocialInput,
    bot_buttons,
    forbidden,
    payload_hash,
    post_to_api,
    utf16_length,
)

TELEGRAM_API_URL = "https://api.telegram.org"
CALLBACK_DATA_LIMIT = 64
HASHED = "h:"
# Telegram's own commands for "start the conversation"; they mean a greeting here.
GREETING_COMMANDS = ("/start", "/help")


def callback_data(payload: str) -> str:
    return payload if len(payload.encode()) <= CALLBACK_DATA_LIMIT else HASHED + payload_hash(payload)


class TelegramOutput(ShapedOutput):
    text_limit = 4096
    max_quick_replies = 100
    length = staticmethod(utf16_length)

    def __init__(self, api_url: str, token: str) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}"

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    async def call(self, method: str, body: Dict[str, Any]) -> None:
        await post_to_api(f"telegram {method}", f"{self.base}/{method}", json=body)

    async def post_text(self, recipient_id: Text, text: Text, buttons: List[Button]) -> None:
        body: Dict[str, Any] = {"chat_id": recipient_id, "text": text}
        if buttons:
            body["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": str(b["title"]), "callback_data": callback_data(str(b["payload"]))}] for b in buttons
                ]
            }
        await self.call("sendMessage", body)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.call("sendPhoto", {"chat_id": recipient_id, "photo": image})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self.call("sendMessage", {"chat_id": recipient_id, **json_message})


class TelegramInput(SocialInput):
    """Telegram: webhook /webhooks/telegram/webhook."""

    title = "Telegram"
    output_class = TelegramOutput
    SETTINGS = {
        "token": Setting("TELEGRAM_BOT_TOKEN"),
        "secret": Setting("TELEGRAM_WEBHOOK_SECRET"),
        "api_url": Setting("TELEGRAM_API_URL", required=False, default=TELEGRAM_API_URL),
    }

    def make_output(self) -> TelegramOutput:
        s = self.settings or {}
        return TelegramOutput(s["api_url"], s["token"])

    def add_routes(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> None:
        secret = (self.settings or {})["secret"]

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            token = request.headers.get("X-Telegram-Bot-Api-Secret-Token") or ""
            if not hmac.compare_digest(token.encode(), secret.encode()):
                return forbidden(self.name(), request, "missing or wrong X-Telegram-Bot-Api-Secret-Token")
            update = request.json if isinstance(request.json, dict) else {}
            if not self.already_seen(request, str(update.get("update_id") or "")):
                await self.handle(request, update, on_new_message)
            return response.json({"ok": True})

    async def handle(self, request: Request, update: Dict[str, Any], on_new_message: OnNewMessage) -> None:
        output = self.make_output()
        query = update.get("callback_query")
        if query:
            chat_id = str(
                ((query.get("message") or {}).get("chat") or {}).get("id") or (query.get("from") or {}).get("id")
            )
            await output.call("answerCallbackQuery", {"callback_query_id": query.get("id")})
            payload = await self.button_payload(request, chat_id, str(query.get("data") or ""))
            if payload:
                await self.deliver(on_new_message, output, chat_id, payload)
            return
        message = update.get("message")
        if not message or not (message.get("chat") or {}).get("id"):
            return  # edits, channel posts, member updates: nothing to answer
        chat_id = str(message["chat"]["id"])
        text = (message.get("text") or message.get("caption") or "").strip()
        if not text:
            kinds = ("sticker", "location", "venue", "contact", "photo", "voice", "audio", "video", "document")
            await self.unsupported(output, chat_id, next((k for k in kinds if k in message), "other"))
            return
        if text.split("@")[0].split(" ")[0] in GREETING_COMMANDS:
            text = "/greet"
        await self.deliver(on_new_message, output, chat_id, text)

    async def button_payload(self, request: Request, chat_id: str, data: str) -> Optional[str]:
        """callback_data is the payload itself, or a hash of a long one found in the conversation."""
        if not data.startswith(HASHED):
            return data or None
        for buttons in await bot_buttons(request, chat_id, latest_only=False):
            for button in buttons:
                if payload_hash(str(button["payload"])) == data[len(HASHED) :]:
                    return str(button["payload"])
        return None
