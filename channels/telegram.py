"""Telegram through the Bot API.

Webhook: /webhooks/telegram/webhook, registered with Telegram's setWebhook and a
``secret_token``; Telegram then sends it in X-Telegram-Bot-Api-Secret-Token, and a request
without the right one gets 403. Buttons become an inline keyboard (callback_data is the
button payload, or a short hash of it when the payload exceeds Telegram's 64 bytes); long
answers are split at 4096 UTF-16 units. Replies go to ``{TELEGRAM_API_URL}/bot<token>/...``.

The assistant serves private chats: one person, one conversation (the sender id is the
private chat's id). In a group or supergroup, where everything said is public and all members
would share one chat id, nothing reaches the assistant or the tracker store. There the bot
speaks only when addressed (a /command, bare or /command@<bot>; a mention of @<bot>; a reply to
one of its messages), and then only to invite the person to a private chat (a t.me link that
opens the bot with /start) with the clinic's urgent line; it never answers the question there.
Service messages (members joining or leaving, pins, title changes...) are ignored everywhere;
stickers, photos, voice notes and the like get the text-only notice in private chats.

The bot's username (for mentions and the link) is TELEGRAM_BOT_USERNAME, or else asked once
from getMe (again a minute later if that fails); its id is the number before the colon of the
token, so replies to the bot are recognised either way.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any, Dict, List, Mapping, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import notices
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
    utf16_length,
)

logger = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
CALLBACK_DATA_LIMIT = 64
# Telegram's own commands for "start the conversation"; they mean a greeting here.
GREETING_COMMANDS = ("/start", "/help")
PRIVATE = "private"
GROUP_CHATS = ("group", "supergroup")
# What a person can send besides text. A message with none of these and no text is a service
# message (new_chat_members, left_chat_member, pinned_message, new_chat_title, ...).
USER_CONTENT = (
    "sticker",
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "animation",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "game",
    "story",
    "invoice",
    "paid_media",
)
# The /start parameter of the invitation's link ("/start group" in the private chat greets).
PRIVATE_CHAT_START = "group"
PRIVATE_CHAT_BUTTON = "Chat privately"
GROUP_BUTTON_NOTICE = "I only answer in a private chat with you: please message me there."
USERNAME_RETRY_S = 60.0


def callback_data(payload: str) -> str:
    return compact_payload(payload, lambda p: len(p.encode()) <= CALLBACK_DATA_LIMIT)


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity covers (Telegram counts offsets in UTF-16 code units)."""
    units = text.encode("utf-16-le")
    return units[2 * offset : 2 * (offset + length)].decode("utf-16-le", "replace")


def addressed_to_bot(message: Mapping[str, Any], bot_id: str, username: Optional[str]) -> bool:
    """True when a group message is meant for the bot: a /command (bare or /command@<bot>), a
    mention of @<bot> (or a text_mention of the bot's user), or a reply to one of its messages."""
    text = message.get("text") or message.get("caption") or ""
    entities = message.get("entities") or message.get("caption_entities") or []
    name = (username or "").casefold()
    for entity in entities if isinstance(entities, list) else []:
        kind = entity.get("type")
        try:
            part = utf16_slice(text, int(entity.get("offset", 0)), int(entity.get("length", 0)))
        except (TypeError, ValueError):
            continue
        if kind == "bot_command":
            _, at, target = part.partition("@")
            if not at or (name and target.casefold() == name):
                return True
        elif kind == "mention" and name and part.casefold() == "@" + name:
            return True
        elif kind == "text_mention" and str((entity.get("user") or {}).get("id")) == bot_id:
            return True
    replied_to = (message.get("reply_to_message") or {}).get("from") or {}
    return bool(bot_id) and str(replied_to.get("id")) == bot_id


def private_chat_link(username: str) -> str:
    return f"https://t.me/{username}?start={PRIVATE_CHAT_START}"


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
        self.attempted_send()
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

    async def invite_to_private_chat(self, group_message: Mapping[str, Any], text: str, link: Optional[str]) -> None:
        """Reply in the group to the message that addressed the bot, with a button to the private chat."""
        body: Dict[str, Any] = {
            "chat_id": group_message["chat"]["id"],
            "text": text,
            "reply_parameters": {"message_id": group_message.get("message_id"), "allow_sending_without_reply": True},
        }
        if group_message.get("is_topic_message") and group_message.get("message_thread_id"):
            body["message_thread_id"] = group_message["message_thread_id"]
        if link:
            body["reply_markup"] = {"inline_keyboard": [[{"text": PRIVATE_CHAT_BUTTON, "url": link}]]}
        await self.call("sendMessage", body)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.call("sendPhoto", {"chat_id": recipient_id, "photo": image})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self.call("sendMessage", {"chat_id": recipient_id, **json_message})


def _chat_type(message: Mapping[str, Any]) -> str:
    chat = message.get("chat") or {}
    if chat.get("type"):
        return str(chat["type"])
    # Every Update names the chat type; without it, only a chat that is its sender is private.
    return PRIVATE if str(chat.get("id")) == str((message.get("from") or {}).get("id")) else "group"


class TelegramInput(SocialInput):
    """Telegram: webhook /webhooks/telegram/webhook."""

    title = "Telegram"
    output_class = TelegramOutput
    SETTINGS = {
        "token": Setting("TELEGRAM_BOT_TOKEN"),
        "secret": Setting("TELEGRAM_WEBHOOK_SECRET"),
        "username": Setting("TELEGRAM_BOT_USERNAME", required=False),
        "api_url": Setting("TELEGRAM_API_URL", required=False, default=TELEGRAM_API_URL),
    }

    def __init__(self, settings: Optional[Dict[str, str]]) -> None:
        super().__init__(settings)
        self._username: Optional[str] = (settings or {}).get("username", "").lstrip("@") or None
        self._username_asked_at: Optional[float] = None

    @property
    def bot_id(self) -> str:
        return (self.settings or {}).get("token", "").partition(":")[0]

    def make_output(self) -> TelegramOutput:
        s = self.settings or {}
        return TelegramOutput(s["api_url"], s["token"])

    async def bot_username(self) -> Optional[str]:
        """TELEGRAM_BOT_USERNAME, or the username getMe reports (asked again a minute after a failure)."""
        if self._username:
            return self._username
        now = time.monotonic()
        if self._username_asked_at is not None and now - self._username_asked_at < USERNAME_RETRY_S:
            return None
        self._username_asked_at = now
        s = self.settings or {}
        reply = await post_to_api("telegram getMe", f"{s['api_url'].rstrip('/')}/bot{s['token']}/getMe")
        username = ((reply or {}).get("result") or {}).get("username") if isinstance(reply, dict) else None
        if username:
            self._username = str(username)
            logger.info("telegram: the bot is @%s (from getMe)", self._username)
        else:
            logger.warning(
                "telegram: getMe gave no username; in groups only commands and replies to the bot are "
                "recognised, and invitations carry no link (set TELEGRAM_BOT_USERNAME)"
            )
        return self._username

    def add_routes(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> None:
        secret = (self.settings or {})["secret"]

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            token = request.headers.get("X-Telegram-Bot-Api-Secret-Token") or ""
            if not hmac.compare_digest(token.encode(), secret.encode()):
                return forbidden(self.name(), request, "missing or wrong X-Telegram-Bot-Api-Secret-Token")
            update = request.json if isinstance(request.json, dict) else {}
            output = self.make_output()
            handled = await self.receive(
                request,
                str(update.get("update_id") or "") or None,
                lambda: self.handle(request, update, output, on_new_message),
                output,
                self.private_chat_of(update),
            )
            if not handled:
                return response.json({"ok": False}, status=503)
            return response.json({"ok": True})

    @staticmethod
    def private_chat_of(update: Mapping[str, Any]) -> Optional[str]:
        """The private chat an update came from (where an apology may go), None for groups."""
        query = update.get("callback_query") or {}
        message = update.get("message") or query.get("message")
        if message and (message.get("chat") or {}).get("id") and _chat_type(message) == PRIVATE:
            return str(message["chat"]["id"])
        if query and not message and (query.get("from") or {}).get("id"):
            return str(query["from"]["id"])
        return None

    async def handle(
        self, request: Request, update: Dict[str, Any], output: TelegramOutput, on_new_message: OnNewMessage
    ) -> None:
        if update.get("callback_query"):
            await self.handle_button(request, update["callback_query"], output, on_new_message)
            return
        message = update.get("message")
        if not message or not (message.get("chat") or {}).get("id"):
            return  # edits, channel posts, membership updates: nothing to answer
        chat_type = _chat_type(message)
        if chat_type == PRIVATE:
            await self.handle_private(request, message, output, on_new_message)
        elif chat_type in GROUP_CHATS:
            await self.handle_group(message, output)
        else:
            logger.info("telegram: ignored a message in a %s chat", chat_type)

    async def handle_private(
        self, request: Request, message: Dict[str, Any], output: TelegramOutput, on_new_message: OnNewMessage
    ) -> None:
        chat_id = str(message["chat"]["id"])
        text = (message.get("text") or message.get("caption") or "").strip()
        if not text:
            kind = next((k for k in USER_CONTENT if k in message), None)
            if kind:
                await self.unsupported(output, chat_id, kind)
            else:
                logger.debug("telegram: ignored a service message in a private chat")
            return
        if text.split("@")[0].split(" ")[0] in GREETING_COMMANDS:
            text = "/greet"
        await self.deliver(request, on_new_message, output, chat_id, text)

    async def handle_group(self, message: Dict[str, Any], output: TelegramOutput) -> None:
        """Answer only when addressed, and then only with an invitation to a private chat."""
        if not (message.get("text") or message.get("caption")):
            return  # service messages (joins, pins...) and captionless media: never answered in a group
        person = message.get("from") or {}
        if person.get("is_bot") and not message.get("sender_chat"):
            return  # another bot (an anonymous admin shows as a bot with sender_chat set)
        username = await self.bot_username()
        if not addressed_to_bot(message, self.bot_id, username):
            return
        logger.info("telegram: addressed in a group; invited %s to a private chat", masked(str(person.get("id") or "")))
        first_name = "" if person.get("is_bot") else str(person.get("first_name") or "")
        link = private_chat_link(username) if username else None
        await output.invite_to_private_chat(message, notices.group_invitation(first_name, link), link)

    async def handle_button(
        self, request: Request, query: Dict[str, Any], output: TelegramOutput, on_new_message: OnNewMessage
    ) -> None:
        message = query.get("message") or {}
        if message.get("chat") and _chat_type(message) != PRIVATE:
            # A button on a message in a group (sent before groups were served this way).
            username = await self.bot_username()
            answer: Dict[str, Any] = {"callback_query_id": query.get("id"), "text": GROUP_BUTTON_NOTICE}
            if username:
                answer["url"] = private_chat_link(username)
            await output.call("answerCallbackQuery", answer)
            return
        chat_id = str((message.get("chat") or {}).get("id") or (query.get("from") or {}).get("id") or "")
        await output.call("answerCallbackQuery", {"callback_query_id": query.get("id")})
        data = str(query.get("data") or "")
        if chat_id and data:
            await self.deliver(request, on_new_message, output, chat_id, data, typed=False)
