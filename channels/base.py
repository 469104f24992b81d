"""What every social connector shares: settings from the environment, the enabled/disabled
switch, signature-checked webhooks, reply shaping, and outbound calls to the platform's API.

Reply shaping (``ShapedOutput``): long answers are split at paragraph, line, sentence or word
boundaries to fit the channel's message limit; buttons become the channel's quick replies
when it has them and there are few enough, and numbered text options otherwise. A visitor
who answers a numbered list with "2" (or with a button's title) gets that button's payload:
the options are read back from the conversation's last bot message in the tracker store, so
this works across restarts and with several Rasa replicas.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, ClassVar, Dict, Iterable, List, Optional, Text, Type

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Button = Dict[Text, Any]

UNSUPPORTED_REPLY = (
    "Sorry, I can only read text messages here. Please type your question, for example "
    '"What is micro-needling?" or "What are your opening hours?"'
)
CHOOSE_PROMPT = "Please choose an option:"
NUMBERED_HINT = "Reply with the number of your choice."
OUTBOUND_TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass(frozen=True)
class Setting:
    """One environment variable a connector reads."""

    env: str
    required: bool = True
    default: str = ""


def read_settings(channel: str, title: str, settings: Dict[str, Setting]) -> Optional[Dict[str, str]]:
    """The connector's settings from the environment, or None (and one log line) if any required one is unset."""
    values = {key: os.environ.get(s.env, "").strip() or s.default for key, s in settings.items()}
    required = [s.env for s in settings.values() if s.required]
    missing = [s.env for key, s in settings.items() if s.required and not values[key]]
    if not missing:
        logger.info("%s channel enabled: webhook at /webhooks/%s/webhook", title, channel)
        return values
    if len(missing) == len(required):
        logger.info("%s channel not enabled: %s not set", title, ", ".join(missing))
    else:
        logger.warning("%s channel not enabled: %s not set (the others are)", title, ", ".join(missing))
    return None


def masked(sender_id: str) -> str:
    """A sender id fit for logs: phone numbers and user ids are personal data."""
    return "…" + sender_id[-4:] if len(sender_id) > 4 else "…"


def forbidden(channel: str, request: Request, why: str) -> HTTPResponse:
    logger.warning("%s: rejected a webhook request from %s: %s", channel, request.ip, why)
    return response.text("forbidden", status=403)


# --- reply shaping ------------------------------------------------------------------------

_MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")


def plain_text(text: Optional[str]) -> str:
    """Text for channels without markdown: [title](url) becomes "title: url"."""
    return _MARKDOWN_LINK.sub(lambda m: f"{m.group(1)}: {m.group(2)}", (text or "").strip())


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, length: Callable[[str], int] = len) -> List[str]:
    """Split text into chunks of at most ``limit`` (as measured by ``length``), at the most
    natural boundary that keeps each chunk at least half full: paragraph, line, sentence, word."""
    text = text.strip()
    chunks: List[str] = []
    while length(text) > limit:
        # The longest prefix that fits (by code points; `length` may count differently).
        fit = min(len(text), limit)
        while length(text[:fit]) > limit:
            fit -= 1
        cut = 0
        for separator in ("\n\n", "\n", ". ", "! ", "? ", " "):
            at = text.rfind(separator, 0, fit)
            if at >= fit // 2:
                cut = at + (1 if separator[0] in ".!?" else 0)
                break
        cut = cut or fit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def usable_buttons(buttons: Optional[Iterable[Button]]) -> List[Button]:
    return [b for b in buttons or [] if b.get("title") and b.get("payload")]


def with_numbered_options(text: str, buttons: List[Button]) -> str:
    options = "\n".join(f"{number}. {button['title']}" for number, button in enumerate(buttons, 1))
    return f"{text or CHOOSE_PROMPT}\n\n{options}\n\n{NUMBERED_HINT}"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def payload_hash(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


class ShapedOutput(OutputChannel):
    """An output channel that splits long texts and renders buttons the channel's way.

    Subclasses set ``text_limit`` and ``max_quick_replies`` (0: the channel has none) and
    implement ``post_text`` (one message, with quick replies or none).
    """

    text_limit: ClassVar[int] = 1600
    max_quick_replies: ClassVar[int] = 0
    length: ClassVar[Callable[[str], int]] = staticmethod(len)

    @classmethod
    def uses_numbers(cls, buttons: List[Button]) -> bool:
        """True when these buttons are shown as numbered text options (no quick replies, or too many)."""
        return bool(buttons) and len(buttons) > cls.max_quick_replies

    async def post_text(self, recipient_id: Text, text: Text, buttons: List[Button]) -> None:
        raise NotImplementedError

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for chunk in split_text(plain_text(text), self.text_limit, self.length):
            await self.post_text(recipient_id, chunk, [])

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Button], **kwargs: Any
    ) -> None:
        buttons = usable_buttons(buttons)
        text = plain_text(text)
        if self.uses_numbers(buttons):
            text, buttons = with_numbered_options(text, buttons), []
        chunks = split_text(text or (CHOOSE_PROMPT if buttons else ""), self.text_limit, self.length)
        for index, chunk in enumerate(chunks):
            await self.post_text(recipient_id, chunk, buttons if index == len(chunks) - 1 else [])

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Button], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)


async def post_to_api(
    what: str,
    url: str,
    *,
    json: Optional[Dict[str, Any]] = None,
    data: Optional[Dict[str, str]] = None,
    params: Optional[Dict[str, str]] = None,
    auth: Optional[aiohttp.BasicAuth] = None,
) -> Optional[Dict[str, Any]]:
    """POST to a platform's API; log (never raise) a failure. The URL is never logged: it may hold a token."""
    try:
        async with aiohttp.ClientSession(timeout=OUTBOUND_TIMEOUT) as session:
            async with session.post(url, json=json, data=data, params=params, auth=auth) as reply:
                if reply.status >= 300:
                    logger.error("%s failed: HTTP %s %s", what, reply.status, (await reply.text())[:300])
                    return None
                try:
                    return await reply.json(content_type=None)
                except ValueError:
                    return {}
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.error("%s failed: %s", what, error.__class__.__name__)
        return None


# --- the input side -----------------------------------------------------------------------


async def bot_buttons(request: Request, sender_id: Text, latest_only: bool = True) -> List[List[Button]]:
    """Buttons of the conversation's bot messages, newest first, from the tracker store.

    ``latest_only``: only the last bot message with buttons after the visitor's last message.
    """
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return []
    tracker = await agent.tracker_store.retrieve(sender_id)
    found: List[List[Button]] = []
    for event in reversed(tracker.events if tracker else []):
        if latest_only and isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            buttons = usable_buttons(event.data.get("buttons") or event.data.get("quick_replies"))
            if buttons:
                found.append(buttons)
                if latest_only:
                    break
    return found


def choice_payload(text: str, buttons: List[Button]) -> Optional[str]:
    """The payload a reply such as "2", "2." or an option's exact title selects, if any."""
    answer = text.strip()
    number = re.fullmatch(r"#?(\d{1,2})[.)]?", answer)
    if number and 1 <= int(number.group(1)) <= len(buttons):
        return buttons[int(number.group(1)) - 1]["payload"]
    for button in buttons:
        if str(button["title"]).strip().casefold() == answer.casefold():
            return button["payload"]
    return None


class SocialInput(InputChannel):
    """A webhook connector configured from environment variables (see ``SETTINGS``).

    Without its variables it is not enabled: its webhook answers 404 and nothing reaches
    the assistant. Subclasses implement ``add_routes``.
    """

    title: ClassVar[str] = ""
    SETTINGS: ClassVar[Dict[str, Setting]] = {}
    output_class: ClassVar[Type[ShapedOutput]] = ShapedOutput

    def __init__(self, settings: Optional[Dict[str, str]]) -> None:
        self.settings = settings
        self._seen: "OrderedDict[str, None]" = OrderedDict()

    @classmethod
    def name(cls) -> Text:
        # The channel's name (webhook path, input_channel, response variations) is its output's.
        return cls.output_class.name()

    @property
    def enabled(self) -> bool:
        return self.settings is not None

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        # Secrets never come from credentials.yml: only from the environment.
        return cls(read_settings(cls.name(), cls.title, cls.SETTINGS))

    def make_output(self) -> ShapedOutput:
        raise NotImplementedError

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.make_output() if self.enabled else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint(f"custom_webhook_{self.name()}", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "not enabled"})

        if not self.enabled:

            @blueprint.route("/webhook", methods=["GET", "POST"])
            async def not_enabled(_: Request) -> HTTPResponse:
                return response.json({"error": f"the {self.title} channel is not enabled"}, status=404)
        else:
            self.add_routes(blueprint, on_new_message)
        return blueprint

    def add_routes(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> None:
        raise NotImplementedError

    def already_seen(self, request: Request, key: Optional[str]) -> bool:
        """True for a platform message id handled before (platforms redeliver on slow answers).

        With the project's SQLite lock store the ids are shared by every Rasa worker, so a
        redelivery that reaches another worker is still recognised; otherwise they are
        remembered by this process (the last 2000).
        """
        if not key:
            return False
        agent = getattr(request.app.ctx, "agent", None)
        first_delivery = getattr(getattr(agent, "lock_store", None), "first_delivery", None)
        if first_delivery is not None:
            return not first_delivery(f"{self.name()}:{key}")
        if key in self._seen:
            return True
        self._seen[key] = None
        if len(self._seen) > 2000:
            self._seen.popitem(last=False)
        return False

    async def numbered_choice(self, request: Request, sender_id: Text, text: Text) -> Text:
        """Map "2" (or an option's title) to the payload of the numbered options just shown."""
        latest = await bot_buttons(request, sender_id)
        if latest and self.output_class.uses_numbers(latest[0]):
            return choice_payload(text, latest[0]) or text
        return text

    async def deliver(
        self,
        on_new_message: OnNewMessage,
        output: ShapedOutput,
        sender_id: Text,
        text: Text,
        metadata: Optional[Dict[Text, Any]] = None,
    ) -> None:
        """Hand one visitor message to the assistant; its replies go out through ``output``."""
        message = UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - the platform must still get its 200, or it redelivers
            logger.exception("%s: the assistant failed on a message from %s", self.name(), masked(sender_id))

    async def unsupported(self, output: ShapedOutput, sender_id: Text, kind: str) -> None:
        logger.info("%s: %s message from %s answered with the text-only notice", self.name(), kind, masked(sender_id))
        await output.send_text_message(sender_id, UNSUPPORTED_REPLY)
