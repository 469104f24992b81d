"""What every social connector shares: settings from the environment, the enabled/disabled
switch, signature-checked webhooks, delivery ids, reply shaping, and outbound calls to the
platform's API.

Reply shaping (``ShapedOutput``): long answers are split at paragraph, line, sentence or word
boundaries to fit the channel's message limit (counted the channel's way: characters, UTF-8
bytes or UTF-16 units), never inside a character or an emoji sequence; buttons become the
channel's quick replies when it has them and there are few enough, and numbered text options
otherwise. A visitor who answers a numbered list with "2" (or with a button's title) gets
that button's payload: the options are read back from the conversation's last bot message in
the tracker store, so this works across restarts and with several Rasa replicas.

Deliveries (``SocialInput.receive``): a platform message's id is claimed when it arrives, so
a redelivery is answered once; if the message then cannot be handed to the assistant (the
tracker store or the lock store fails), the id is given back, the visitor gets an apology
(once per message) and the webhook answers 503, so the platform's retry is handled once the
store is back instead of being ignored as a duplicate.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, ClassVar, Dict, Iterable, List, Optional, Text, Type

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import notices
from clinic.env import env_str

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Button = Dict[Text, Any]

CHOOSE_PROMPT = "Please choose an option:"
NUMBERED_HINT = "Reply with the number of your choice."
OUTBOUND_TIMEOUT = aiohttp.ClientTimeout(total=15)
# A button payload too long for the channel travels as this prefix and a hash of it, and is
# looked up in the conversation's bot messages when the button is tapped.
HASHED = "h:"


@dataclass(frozen=True)
class Setting:
    """One environment variable a connector reads."""

    env: str
    required: bool = True
    default: str = ""


def read_settings(channel: str, title: str, settings: Dict[str, Setting]) -> Optional[Dict[str, str]]:
    """The connector's settings from the environment, or None (and one log line) if any required one is unset."""
    values = {key: env_str(s.env, s.default) for key, s in settings.items()}
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
    """Telegram counts text and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def utf8_length(text: str) -> int:
    """Instagram's text limit is in bytes of UTF-8."""
    return len(text.encode("utf-8"))


_ZWJ = "\u200d"
_MAX_CLUSTER_BACKOFF = 32  # code points; no real emoji sequence or accent stack is longer


def _continues_cluster(char: str) -> bool:
    """True for a code point that belongs to the character before it (accent, emoji modifier, ...)."""
    point = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char == _ZWJ
        or 0xFE00 <= point <= 0xFE0F  # variation selectors (text/emoji presentation)
        or 0x1F3FB <= point <= 0x1F3FF  # skin tones
        or 0xE0020 <= point <= 0xE007F  # tag characters (subdivision flags)
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _inside_cluster(text: str, at: int) -> bool:
    """True when cutting text at ``at`` would split a user-perceived character."""
    if at <= 0 or at >= len(text):
        return False
    if _continues_cluster(text[at]) or text[at - 1] == _ZWJ:
        return True
    if _is_regional_indicator(text[at]):  # flags are pairs of regional indicators
        before = 0
        while at - before - 1 >= 0 and _is_regional_indicator(text[at - before - 1]):
            before += 1
        return before % 2 == 1
    return False


def _longest_fitting_prefix(text: str, limit: int, length: Callable[[str], int]) -> int:
    """The most code points of ``text`` whose ``length`` is within ``limit`` (each code point counts >= 1)."""
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if length(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def split_text(text: str, limit: int, length: Callable[[str], int] = len) -> List[str]:
    """Split text into chunks of at most ``limit`` (as measured by ``length``), at the most
    natural boundary that keeps each chunk at least half full: paragraph, line, sentence, word.
    A word longer than the limit is cut between characters, never inside one (a multi-byte
    character, an accented letter, an emoji sequence or a flag)."""
    text = text.strip()
    chunks: List[str] = []
    while length(text) > limit:
        fit = max(1, _longest_fitting_prefix(text, limit, length))
        cut = 0
        for separator in ("\n\n", "\n", ". ", "! ", "? ", " "):
            at = text.rfind(separator, 0, fit)
            if at >= fit // 2:
                cut = at + (1 if separator[0] in ".!?" else 0)
                break
        if not cut:
            cut = fit
            while _inside_cluster(text, cut) and fit - cut < _MAX_CLUSTER_BACKOFF and cut > 1:
                cut -= 1
            if _inside_cluster(text, cut):
                cut = fit  # not a real cluster: cutting between code points is all that is left
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


def compact_payload(payload: str, fits: Callable[[str], bool]) -> str:
    """The payload itself when the channel can carry it, else ``HASHED`` and a short hash of it,
    which ``SocialInput.deliver`` maps back to the payload from the conversation's buttons."""
    return payload if fits(payload) else HASHED + payload_hash(payload)


class ShapedOutput(OutputChannel):
    """An output channel that splits long texts and renders buttons the channel's way.

    Subclasses set ``text_limit`` (and ``length``, the way the channel counts it) and
    ``max_quick_replies`` (0: the channel has none), implement ``post_text`` (one message,
    with quick replies or none), and call ``attempted_send`` for every call to the platform.
    """

    text_limit: ClassVar[int] = 1600
    max_quick_replies: ClassVar[int] = 0
    length: ClassVar[Callable[[str], int]] = staticmethod(len)
    sends: int = 0  # calls this output made to the platform (per instance)

    def attempted_send(self) -> None:
        self.sends += 1

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


class NotHandedOver(Exception):
    """A visitor's message could not be handed to the assistant; the platform should redeliver it."""


class StoreUnavailable(NotHandedOver):
    """The tracker store or the lock store failed."""


async def conversation(request: Request, sender_id: Text) -> Optional[DialogueStateTracker]:
    """The conversation as stored, read before the message is handed over; StoreUnavailable if the store fails.

    Rasa wraps the tracker store in a FailSafeTrackerStore, whose failed read returns "no
    conversation": Rasa would then answer from an empty conversation kept only in one worker's
    memory (a "2" or a "yes" misread, the turn never stored). Reading the wrapped store itself
    lets the connector notice the failure and have the platform redeliver the message instead.
    """
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    store = getattr(store, "_tracker_store", store)  # FailSafeTrackerStore's primary store (Rasa 3.6)
    try:
        return await store.retrieve(sender_id)
    except Exception as error:  # noqa: BLE001 - any failure of the store's database
        # After a database restart the pool's connections are dead; the failed read makes
        # SQLAlchemy discard them, so one more read tells a dead connection from a dead database.
        logger.warning("the tracker store failed (%s); reading once more", error.__class__.__name__)
    try:
        return await store.retrieve(sender_id)
    except Exception as error:  # noqa: BLE001
        raise StoreUnavailable(f"the tracker store failed: {error.__class__.__name__}: {error}") from error


def bot_buttons(tracker: Optional[DialogueStateTracker], latest_only: bool = True) -> List[List[Button]]:
    """Buttons of the conversation's bot messages, newest first.

    ``latest_only``: only the last bot message with buttons after the visitor's last message.
    """
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


def hashed_payload(data: str, tracker: Optional[DialogueStateTracker]) -> Optional[str]:
    """The payload behind ``HASHED`` + hash, from any of the conversation's bot buttons (None: not found)."""
    wanted = data[len(HASHED) :]
    for buttons in bot_buttons(tracker, latest_only=False):
        for button in buttons:
            if payload_hash(str(button["payload"])) == wanted:
                return str(button["payload"])
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

            @blueprint.exception(AttributeError, TypeError, KeyError, IndexError, ValueError)
            async def malformed(request: Request, error: Exception) -> HTTPResponse:
                # A signed payload of a shape the connector does not read (a field that should be an
                # object is a list, a number...): refused with 400 and a log line, not a 500.
                logger.warning("%s: refused a malformed webhook payload (%s)", self.name(), error.__class__.__name__)
                return response.text("bad request", status=400)

        return blueprint

    def add_routes(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> None:
        raise NotImplementedError

    # -- delivery ids ------------------------------------------------------------------------

    def _first_time(self, request: Request, key: str) -> bool:
        """Record ``key``; True the first time it is seen.

        With the project's SQLite lock store the keys are shared by every Rasa worker, so a
        redelivery that reaches another worker is still recognised; otherwise (another lock
        store) they are remembered by this process (the last 2000). A failing lock store
        raises StoreUnavailable.
        """
        agent = getattr(request.app.ctx, "agent", None)
        first_delivery = getattr(getattr(agent, "lock_store", None), "first_delivery", None)
        if first_delivery is not None:
            try:
                return first_delivery(key)
            except Exception as error:  # noqa: BLE001 - the lock store's database failed
                raise StoreUnavailable(f"the lock store failed: {error.__class__.__name__}: {error}") from error
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > 2000:
            self._seen.popitem(last=False)
        return True

    def _forget(self, request: Request, key: str) -> None:
        agent = getattr(request.app.ctx, "agent", None)
        forget_delivery = getattr(getattr(agent, "lock_store", None), "forget_delivery", None)
        if forget_delivery is not None:
            try:
                forget_delivery(key)
            except Exception:  # noqa: BLE001 - then the platform's retry is taken for a duplicate
                logger.exception("%s: could not give back delivery id %s", self.name(), key)
        self._seen.pop(key, None)

    async def receive(
        self,
        request: Request,
        delivery_id: Optional[str],
        handle: Callable[[], Awaitable[None]],
        output: Optional[ShapedOutput] = None,
        recipient_id: Optional[Text] = None,
    ) -> bool:
        """Handle one platform message at most once; False when the platform must redeliver it.

        The delivery id is claimed first, so a redelivery arriving while the first attempt is
        still being answered is not answered twice. If ``handle`` could not hand the message to
        the assistant (NotHandedOver, or any unexpected error), the id is given back, the
        visitor (``recipient_id`` through ``output``) gets an apology once per message, and the
        caller answers 503: the platform's retry is then handled like a new message.
        """
        key = f"{self.name()}:{delivery_id}" if delivery_id else None
        try:
            if key and not self._first_time(request, key):
                logger.info("%s: delivery %s seen before: not answered again", self.name(), delivery_id)
                return True
        except StoreUnavailable as why:  # nothing was recorded: the retry will get through
            logger.error("%s: message %s not handed to the assistant: %s", self.name(), delivery_id, why)
            if output is not None and recipient_id:
                await output.send_text_message(recipient_id, notices.apology())  # no store to count apologies in
            return False
        try:
            await handle()
            return True
        except NotHandedOver as why:
            logger.error("%s: message %s not handed to the assistant: %s", self.name(), delivery_id, why)
        except Exception:  # noqa: BLE001 - the platform must be able to redeliver the message
            logger.exception("%s: message %s failed before reaching the assistant", self.name(), delivery_id)
        if key:
            self._forget(request, key)
        if output is not None and recipient_id:
            await self._apologise(request, key, output, recipient_id)
        return False

    async def _apologise(self, request: Request, key: Optional[str], output: ShapedOutput, recipient_id: Text) -> None:
        """The apology for a message that could not reach the assistant, once per message (not per retry)."""
        if key:
            try:
                if not self._first_time(request, key + ":apology"):
                    return
            except StoreUnavailable:
                pass  # then apologise for every attempt rather than never
        await output.send_text_message(recipient_id, notices.apology())

    # -- handing a message to the assistant -------------------------------------------------

    async def deliver(
        self,
        request: Request,
        on_new_message: OnNewMessage,
        output: ShapedOutput,
        sender_id: Text,
        text: Text,
        typed: bool = True,
        metadata: Optional[Dict[Text, Any]] = None,
    ) -> None:
        """Hand one visitor message to the assistant; its replies go out through ``output``.

        ``typed``: the visitor typed ``text``, so "2" (or an option's title) after numbered
        options means that option's payload. Otherwise ``text`` is a tapped button's payload,
        which may be a ``HASHED`` stand-in for a long one. Raises NotHandedOver (StoreUnavailable)
        when the conversation cannot be read, or when the assistant fails before saying anything.
        """
        tracker = await conversation(request, sender_id)
        if typed:
            latest = bot_buttons(tracker)
            if latest and self.output_class.uses_numbers(latest[0]):
                text = choice_payload(text, latest[0]) or text
        elif text.startswith(HASHED):
            payload = hashed_payload(text, tracker)
            if payload is None:
                logger.info("%s: a button from %s no longer in the conversation", self.name(), masked(sender_id))
                await output.send_text_message(sender_id, notices.EXPIRED_BUTTON_REPLY)
                return
            text = payload
        message = UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
        sends_before = output.sends
        try:
            await on_new_message(message)
        except asyncio.CancelledError:
            # Rasa's response timeout (RASA_RESPONSE_TIMEOUT) cut the turn off, which is not
            # stored. Unanswered, the message goes back to the platform (the caller answers 503
            # and gives the delivery id back); once the visitor has had part of the answer, a
            # redelivery would answer twice.
            if output.sends == sends_before:
                raise NotHandedOver("the turn outlasted the response timeout") from None
            logger.error(
                "%s: the turn for %s outlasted the response timeout mid-answer", self.name(), masked(sender_id)
            )
        except Exception as error:
            if output.sends == sends_before:
                raise NotHandedOver(f"the assistant failed: {error.__class__.__name__}: {error}") from error
            # The visitor has had (part of) the answer: a redelivery would answer twice.
            logger.exception("%s: the assistant failed mid-answer to %s", self.name(), masked(sender_id))

    async def unsupported(self, output: ShapedOutput, sender_id: Text, kind: str) -> None:
        logger.info("%s: %s message from %s answered with the text-only notice", self.name(), kind, masked(sender_id))
        await output.send_text_message(sender_id, notices.UNSUPPORTED_REPLY)
