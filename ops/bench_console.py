"""Benchmark of the staff console's data layer: ``make bench-console``.

    python -m ops.bench_console [--conversations 100000] [--events 2000000] [--new 10000]
                                [--queries 400] [--transcripts 300] [--postgres]

1. Generates a tracker store in Rasa's exact row format under ``var/bench-console/``: every
   event is a ``rasa.shared.core.events`` object (``UserUttered``, ``BotUttered``,
   ``ActionExecuted``, ``SlotSet``, ``ActiveLoop``...) serialised with ``as_dict()`` into the
   columns Rasa's SQLTrackerStore fills (``type_name``, ``timestamp``, ``intent_name``,
   ``action_name``, ``data``), in a table created from Rasa's own model, bulk inserted.
   Conversations follow the assistant's flows (FAQ answers, weak matches and clarifications,
   clinic information, events and registration forms, medical, urgent, booking and
   person hand-offs with their forms) on the website, REST and the social channels, spread
   over nine months, with visitors' texts drawn from ``data/nlu``, the assistant's from
   ``domain.yml``. Hand-offs get tickets in a fresh clinic database; some conversations are
   reviewed or tagged.
2. Indexes it (``clinic.conversation_index.catch_up``), timed.
3. Measures the list (``search_conversations`` plus the filter choices the page shows) over a
   realistic mix of filters and searches, and transcripts of random conversations, p50/p95.
4. Adds ``--new`` conversations to the tracker store and times catching up with them.
5. Measures, in the same run, a naive console reading Rasa's events table directly (the
   same lists by grouping and LIKE over the events, Rasa's own full-tracker retrieval for a
   transcript, and a full re-index instead of catching up).

Figures are printed beside the targets and the baseline, never asserted. ``--postgres`` runs
the same on the machine's PostgreSQL (throwaway databases).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import re
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import yaml

from ops.nlu_eval import load_examples
from ops.paths import ROOT, VAR

BENCH = VAR / "bench-console"
TARGETS_MS = {"list_p95": 300.0, "transcript_p95": 100.0}
CATCH_UP_TARGET_S = 30.0
MODEL_METADATA = {"model_id": "bench-model-0001", "assistant_id": "clinic-skincare-assistant"}
CHANNELS = [("socketio", 45), ("rest", 8), ("messenger", 16), ("instagram", 11), ("whatsapp", 12), ("telegram", 8)]
SCENARIOS = [
    ("faq", 48),
    ("faq_weak", 4),
    ("not_understood", 4),
    ("info", 16),
    ("event", 6),
    ("medical", 8),
    ("urgent", 2),
    ("booking", 5),
    ("human", 2),
    ("chitchat", 5),
]
INTENTS = [
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "human_handoff",
    "out_of_scope",
    "book_consultation",
    "ask_price",
    "ask_hours",
    "ask_location",
    "ask_contact",
    "event_info",
    "event_register",
    "medical_question",
    "urgent_medical",
    "faq",
    "stop",
    "inform",
    "cancel_registration",
]
NAMES = ["Ann Smith", "Jo Brown", "Priya Patel", "Tom O'Neill", "Chloé Martin", "Sam Lee", "Maria Garcia", "Alex Kim"]
CLARIFY = "Sorry, I'm not sure I understood. Could you rephrase, or did you mean one of these?"
TAGS = ["follow-up", "complaint", "vip", "pricing", "training-data", "spam"]
_TOKEN = re.compile(r"\w+|[^\w\s]")


# -- the assistant's words and the visitors' ------------------------------------------------


def visitor_texts() -> Dict[str, List[str]]:
    """Training examples by label (intent or faq/<key>) from data/nlu."""
    texts: Dict[str, List[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for text, label in load_examples(path):
            texts.setdefault(label, []).append(text)
    return texts


def assistant_texts() -> Dict[str, str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    texts = {}
    for name, variants in (domain.get("responses") or {}).items():
        if variants and isinstance(variants[0], dict) and variants[0].get("text"):
            texts[name] = variants[0]["text"]
    return texts


CUSTOM_REPLIES = {
    "action_greet": "Hi! I'm the virtual assistant of Inner Glow Skin Clinic. I can answer questions about "
    "micro-needling, downtime, acne and our events, and help you book a consultation.",
    "action_clinic_hours": "We're open Monday to Friday 09:00-18:00 and Saturday 10:00-14:00; closed on Sundays.",
    "action_clinic_location": "You'll find us at 12 Harley Lane, London. Opposite the park, 5 minutes from the station.",
    "action_clinic_contact": "Call us on +44 20 7946 0555 or e-mail hello@innerglow.example.",
    "action_price_info": "Prices depend on the treatment plan; they are explained at your consultation.",
    "action_event_info": "Here's our next event: Acne Evening, Saturday 18:30-20:00 in the clinic lounge. "
    "Entry is free. Would you like to register?",
    "action_medical_reply": "Thank you for asking. Because it's about your own health, it needs a licensed "
    "professional who can take your history into account. Would you like one of the clinic's professionals "
    "to get back to you?",
    "action_urgent_safety": "What you describe can be a sign of something that needs urgent medical attention. "
    "If you have trouble breathing, call 999 now. For other urgent concerns call the clinic's urgent line.",
    "action_prepare_handoff": "I'll pass your question to the clinic's team. (You can type \"stop\" at any time.)",
    "action_prepare_registration": 'Lovely! Let\'s get you registered. (You can type "stop" at any time.)',
    "action_deny": "No problem. Is there anything else I can help with?",
}


# -- Rasa events -------------------------------------------------------------------------


class EventFactory:
    """Builds one conversation's rows as Rasa's SQLTrackerStore writes them."""

    def __init__(self, rng: random.Random, visitors: Dict[str, List[str]], replies: Dict[str, str]) -> None:
        from rasa.shared.core import events

        self.ev = events
        self.rng = rng
        self.visitors = visitors
        self.replies = replies
        self.faq_keys = sorted(label.split("/", 1)[1] for label in visitors if label.startswith("faq/"))

    def row(self, sender_id: str, event) -> Tuple[Any, ...]:
        """(sender_id, type_name, timestamp, intent_name, action_name, data): SQLTrackerStore.save's columns."""
        data = event.as_dict()
        intent = data.get("parse_data", {}).get("intent", {}).get("name")
        return (sender_id, event.type_name, data.get("timestamp"), intent, data.get("name"), json.dumps(data))

    def text(self, label: str) -> str:
        choices = self.visitors.get(label) or [label.replace("_", " ")]
        return self.rng.choice(choices)

    def parse_data(self, text: str, intent: str, confidence: float, faq: Optional[Tuple[str, float]]) -> Dict:
        others = [name for name in INTENTS if name != intent]
        self.rng.shuffle(others)
        rest = 1.0 - confidence
        ranking = [{"name": intent, "confidence": confidence}]
        for name in others[:9]:
            share = rest * self.rng.random() * 0.5
            rest -= share
            ranking.append({"name": name, "confidence": share})
        key, key_confidence = faq or (self.rng.choice(self.faq_keys), self.rng.uniform(0.05, 0.2))
        keys = [key] + self.rng.sample([k for k in self.faq_keys if k != key], 9)
        selector_ranking = [{"confidence": key_confidence, "intent_response_key": f"faq/{key}"}]
        selector_ranking += [
            {"confidence": (1 - key_confidence) / (n + 2), "intent_response_key": f"faq/{k}"}
            for n, k in enumerate(keys[1:])
        ]
        intent_data = {"name": intent, "confidence": confidence}
        if intent == "faq":
            intent_data["full_retrieval_intent_name"] = f"faq/{key}"
        positions, cursor = [], 0
        for token in _TOKEN.findall(text):
            start = text.index(token, cursor)
            cursor = start + len(token)
            positions.append([start, cursor])
        return {
            "intent": intent_data,
            "entities": [],
            "text": text,
            "message_id": uuid.UUID(int=self.rng.getrandbits(128)).hex,
            "metadata": {},
            "text_tokens": positions,
            "intent_ranking": ranking,
            "response_selector": {
                "all_retrieval_intents": ["faq"],
                "faq": {
                    "response": {
                        "responses": [{"text": self.replies.get(f"utter_faq/{key}", "")}],
                        "confidence": key_confidence,
                        "intent_response_key": f"faq/{key}",
                        "utter_action": f"utter_faq/{key}",
                    },
                    "ranking": selector_ranking,
                },
            },
        }


@dataclass
class Plan:
    sender_id: str
    start: float
    channel: str
    scenario: str
    seed: int


@dataclass
class Generated:
    rows: List[Tuple[Any, ...]]
    tickets: List[Dict[str, Any]] = field(default_factory=list)


class ConversationWriter:
    """One conversation's events, turn by turn, as the assistant's rules and forms produce them."""

    def __init__(self, factory: EventFactory, plan: Plan) -> None:
        self.f = factory
        self.ev = factory.ev
        self.rng = factory.rng
        self.plan = plan
        self.clock = plan.start
        self.events: List[Any] = []
        self.tickets: List[Dict[str, Any]] = []

    def tick(self, low: float = 0.001, high: float = 0.02) -> float:
        self.clock += self.rng.uniform(low, high)
        return self.clock

    def meta(self, **extra) -> Dict[str, Any]:
        return {**extra, **MODEL_METADATA}

    def session(self) -> None:
        ev = self.ev
        self.events += [
            ev.ActionExecuted("action_session_start", confidence=1.0, timestamp=self.tick(), metadata=self.meta()),
            ev.SessionStarted(timestamp=self.tick(), metadata=self.meta()),
            ev.ActionExecuted("action_listen", timestamp=self.tick(), metadata=self.meta()),
        ]

    def user(self, label: str, confidence: Optional[float] = None, text: Optional[str] = None, faq_weak=False) -> str:
        intent, _, key = label.partition("/")
        text = text or self.f.text(label)
        if confidence is None:
            confidence = self.rng.choice([self.rng.uniform(0.55, 0.9), self.rng.uniform(0.9, 1.0), 1.0])
        faq = (key, self.rng.uniform(0.15, 0.45) if faq_weak else self.rng.uniform(0.7, 0.9999)) if key else None
        parse_data = self.f.parse_data(text, intent, confidence, faq)
        self.clock += self.rng.uniform(4, 60)
        self.events.append(
            self.ev.UserUttered(
                text,
                parse_data["intent"],
                [],
                parse_data,
                timestamp=self.clock,
                input_channel=self.plan.channel,
                message_id=parse_data["message_id"],
                metadata=self.meta(),
            )
        )
        self.events.append(
            self.ev.DefinePrevUserUtteredFeaturization(False, timestamp=self.tick(), metadata=self.meta())
        )
        return text

    def button(self, intent: str, **entities: str) -> None:
        payload = "/" + intent + (json.dumps(entities) if entities else "")
        message_id = uuid.UUID(int=self.rng.getrandbits(128)).hex
        parse_data = {
            "intent": {"name": intent, "confidence": 1.0},
            "entities": [
                {
                    "entity": k,
                    "value": v,
                    "start": len(intent) + 1,
                    "end": len(payload),
                    "extractor": "RegexMessageHandler",
                }
                for k, v in entities.items()
            ],
            "text": payload,
            "message_id": message_id,
            "metadata": {},
            "intent_ranking": [{"name": intent, "confidence": 1.0}],
        }
        self.clock += self.rng.uniform(2, 20)
        self.events.append(
            self.ev.UserUttered(
                payload,
                parse_data["intent"],
                parse_data["entities"],
                parse_data,
                timestamp=self.clock,
                input_channel=self.plan.channel,
                message_id=message_id,
                metadata=self.meta(),
            )
        )
        self.events.append(
            self.ev.DefinePrevUserUtteredFeaturization(False, timestamp=self.tick(), metadata=self.meta())
        )

    def action(self, name: str) -> None:
        self.events.append(
            self.ev.ActionExecuted(
                name, "RulePolicy", 1.0, timestamp=self.tick(0.01, 0.15), metadata=self.meta(), hide_rule_turn=True
            )
        )

    def say(self, text: str, buttons: Sequence[Tuple[str, str]] = (), response: Optional[str] = None) -> None:
        data = {
            "elements": None,
            "quick_replies": None,
            "buttons": [{"title": t, "payload": p} for t, p in buttons] or None,
            "attachment": None,
            "image": None,
            "custom": None,
        }
        metadata = self.meta(**({"utter_action": response, "template": response} if response else {}))
        self.events.append(self.ev.BotUttered(text, data, metadata, timestamp=self.tick()))

    def listen(self) -> None:
        self.action("action_listen")

    def slot(self, name: str, value: Any) -> None:
        self.events.append(self.ev.SlotSet(name, value, timestamp=self.tick(), metadata=self.meta()))

    def loop(self, name: Optional[str]) -> None:
        self.events.append(self.ev.ActiveLoop(name, timestamp=self.tick(), metadata=self.meta()))

    # -- turns -----------------------------------------------------------------------------

    def reply(self, action: str, text: Optional[str] = None, buttons=(), response: Optional[str] = None) -> None:
        self.action(action)
        self.say(text or self.f.replies.get(action) or CUSTOM_REPLIES.get(action, "OK."), buttons, response)
        self.listen()

    def utter(self, response: str) -> None:
        self.reply(response, self.f.replies.get(response, "OK."), response=response)

    def faq_turn(self, weak: bool = False) -> None:
        key = self.rng.choice(self.f.faq_keys)
        self.user(f"faq/{key}", self.rng.uniform(0.9, 1.0), faq_weak=weak)
        if weak:
            self.reply("action_answer_faq", CLARIFY, [("Downtime and recovery", '/faq{"faq_key": "downtime"}')])
        else:
            text = self.f.replies.get(f"utter_faq/{key}", "")
            self.reply("action_answer_faq", text, [("Book a consultation", "/book_consultation")], f"utter_faq/{key}")

    def greeting(self) -> None:
        if self.plan.channel == "socketio":
            self.button("greet")  # the website widget's initPayload
        elif self.rng.random() < 0.5:
            self.user("greet")
        else:
            return
        self.reply("action_greet", buttons=[("What is micro-needling?", '/faq{"faq_key": "microneedling_what"}')])

    def handoff_form(self, kind: str, with_times: bool = False) -> None:
        name = self.rng.choice(NAMES)
        contact = f"{name.split()[0].lower()}{self.rng.randrange(100)}@example.com"
        self.slot("handoff_kind", kind)
        self.action("handoff_form")
        self.loop("handoff_form")
        steps = [("visitor_name", name, "nlu_fallback"), ("visitor_contact", contact, "inform")]
        if with_times:
            steps.append(("preferred_times", "weekday mornings", "inform"))
        steps.append(("contact_consent", "yes", "affirm"))
        self.slot("requested_slot", steps[0][0])
        self.say(self.f.replies.get(f"utter_ask_{steps[0][0]}", "?"), response=f"utter_ask_{steps[0][0]}")
        self.listen()
        for index, (slot, value, intent) in enumerate(steps):
            self.user(intent, 0.45 if intent == "nlu_fallback" else None, text=value)
            self.slot(slot, value if slot != "contact_consent" else True)
            self.action("handoff_form")
            nxt = steps[index + 1][0] if index + 1 < len(steps) else None
            self.slot("requested_slot", nxt)
            if nxt:
                self.say(self.f.replies.get(f"utter_ask_{nxt}", "?"), response=f"utter_ask_{nxt}")
                self.listen()
        self.loop(None)
        self.action("action_submit_handoff")
        from clinic.references import TICKET_PREFIXES

        reference = f"{TICKET_PREFIXES[kind]}-{len(self.tickets)}"
        self.say(f"Thank you. The clinic has your details (reference {reference}) and will contact you soon.")
        self.slot("handoff_kind", None)
        self.listen()
        self.tickets.append({"kind": kind, "name": name, "email": contact, "at": self.clock})

    def scenario(self) -> None:
        kind = self.plan.scenario
        rng = self.rng
        self.session()
        self.greeting()
        if kind == "faq":
            for _ in range(rng.choice([1, 1, 1, 2])):
                self.faq_turn()
        elif kind == "faq_weak":
            self.faq_turn(weak=True)
            self.faq_turn()
        elif kind == "not_understood":
            self.user("out_of_scope", rng.uniform(0.3, 0.45), text=rng.choice(["blorp", "??", "hmm ok so", "asdf qwe"]))
            self.events[-2] = self._as_fallback(self.events[-2])
            self.reply("action_clarify", CLARIFY, [("Prices", "/ask_price"), ("Upcoming events", "/event_info")])
            if rng.random() < 0.5:
                self.faq_turn()
        elif kind == "info":
            for intent in rng.sample(["ask_hours", "ask_location", "ask_contact", "ask_price"], rng.choice([1, 2])):
                self.user(intent)
                self.reply({"ask_hours": "action_clinic_hours", "ask_location": "action_clinic_location",
                            "ask_contact": "action_clinic_contact", "ask_price": "action_price_info"}[intent])  # fmt: skip
        elif kind == "event":
            self.user("event_info")
            self.reply("action_event_info", buttons=[("Yes, register me", "/affirm"), ("No thanks", "/deny")])
            if rng.random() < 0.6:
                self.user("affirm")
                self.action("action_prepare_registration")
                self.say(CUSTOM_REPLIES["action_prepare_registration"])
                self.action("registration_form")
                self.loop("registration_form")
                for slot, value in (("visitor_name", rng.choice(NAMES)), ("visitor_email", "guest@example.com")):
                    self.slot("requested_slot", slot)
                    self.say(self.f.replies.get(f"utter_ask_{slot}", "?"), response=f"utter_ask_{slot}")
                    self.listen()
                    self.user("inform", text=value)
                    self.slot(slot, value)
                    self.action("registration_form")
                self.slot("requested_slot", None)
                self.loop(None)
                self.action("action_submit_registration")
                self.say("You're registered for Acne Evening. See you there!")
                self.listen()
        elif kind == "medical":
            self.user("medical_question")
            self.reply("action_medical_reply", buttons=[("Yes, please", "/affirm"), ("No, thanks", "/deny")])
            if rng.random() < 0.6:
                self.user("affirm")
                self.action("action_prepare_handoff")
                self.say(CUSTOM_REPLIES["action_prepare_handoff"])
                self.handoff_form("medical")
            else:
                self.user("deny")
                self.reply("action_deny")
        elif kind == "urgent":
            self.user("urgent_medical", 1.0)
            self.action("action_urgent_safety")
            self.say(CUSTOM_REPLIES["action_urgent_safety"])
            self.handoff_form("urgent")
        elif kind == "booking":
            self.user("book_consultation")
            self.action("action_prepare_handoff")
            self.say('Happy to help you book a consultation. (You can type "stop" at any time.)')
            self.handoff_form("booking", with_times=True)
        elif kind == "human":
            self.user("human_handoff")
            self.action("action_prepare_handoff")
            self.say("Of course, I'll ask a person from the clinic to get back to you.")
            self.handoff_form("human")
        else:
            self.user(rng.choice(["bot_challenge", "out_of_scope"]))
            self.utter(rng.choice(["utter_bot_challenge", "utter_out_of_scope"]))
        if rng.random() < 0.3:
            self.user(rng.choice(["thank", "goodbye"]))
            self.utter(rng.choice(["utter_thank", "utter_goodbye"]))

    def _as_fallback(self, event):
        """The FallbackClassifier's verdict: nlu_fallback at the threshold, the real ranking below it."""
        parse_data = dict(event.parse_data)
        parse_data["intent"] = {"name": "nlu_fallback", "confidence": 0.45}
        parse_data["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.45}] + parse_data["intent_ranking"]
        return self.ev.UserUttered(
            event.text,
            parse_data["intent"],
            [],
            parse_data,
            timestamp=event.timestamp,
            input_channel=event.input_channel,
            message_id=event.message_id,
            metadata=self.meta(),
        )


def plans(rng: random.Random, count: int, start: float, end: float, prefix: str) -> List[Plan]:
    channels = [name for name, weight in CHANNELS for _ in range(weight)]
    scenarios = [name for name, weight in SCENARIOS for _ in range(weight)]
    result = []
    for n in range(count):
        channel = rng.choice(channels)
        sender = {
            "socketio": uuid.UUID(int=rng.getrandbits(128)).hex,
            "rest": f"{prefix}rest-{n}",
            "messenger": str(rng.randrange(10**15, 10**16)),
            "instagram": str(rng.randrange(10**16, 10**17)),
            "whatsapp": f"whatsapp:+447{rng.randrange(10**8, 10**9)}",
            "telegram": str(rng.randrange(10**8, 10**10)),
        }[channel]
        result.append(Plan(sender, rng.uniform(start, end), channel, rng.choice(scenarios), rng.getrandbits(32)))
    result.sort(key=lambda plan: plan.start)
    return result


def generate(factory_args, plan_list: List[Plan], events_target: int) -> Iterator[Generated]:
    """Each conversation's rows in start order; FAQ turns are added where the running total
    lags the target, so the store reaches ``events_target`` events."""
    visitors, replies = factory_args
    written = 0
    for index, plan in enumerate(plan_list):
        rng = random.Random(plan.seed)  # noqa: S311 - reproducible bench data, not secrets
        factory = EventFactory(rng, visitors, replies)
        writer = ConversationWriter(factory, plan)
        writer.scenario()
        due = events_target * (index + 1) // len(plan_list)
        extra = 0
        while written + len(writer.events) < due - 6 and extra < 8:
            writer.faq_turn()
            extra += 1
        written += len(writer.events)
        yield Generated([factory.row(plan.sender_id, event) for event in writer.events], writer.tickets)


# -- stores ------------------------------------------------------------------------------


class Stores:
    """The bench's tracker store (Rasa's table) and clinic database, on SQLite or PostgreSQL."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.created: List[str] = []
        if postgres:
            import psycopg2

            self.admin = psycopg2.connect("host=127.0.0.1 port=5432 dbname=postgres user=postgres", connect_timeout=5)
            self.admin.autocommit = True
            self.tracker_url = self._create_pg("bench_console_tracker")
            self.clinic_url = self._create_pg("bench_console_clinic")
        else:
            if BENCH.exists():
                shutil.rmtree(BENCH)
            BENCH.mkdir(parents=True)
            self.tracker_url = f"sqlite:///{BENCH / 'tracker.db'}"
            self.clinic_url = f"sqlite:///{BENCH / 'clinic.db'}"
        from rasa.core.tracker_store import SQLTrackerStore
        from sqlalchemy import create_engine

        engine = create_engine(self.tracker_url)
        SQLTrackerStore.Base.metadata.create_all(engine)  # Rasa's own events table and index
        engine.dispose()

    def _create_pg(self, name: str) -> str:
        with self.admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {name}")
        self.created.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    def insert_events(self, batches: Iterator[List[Tuple[Any, ...]]]) -> int:
        count = 0
        if self.postgres:
            import psycopg2
            from psycopg2.extras import execute_values

            connection = psycopg2.connect(self.tracker_url)
            with connection, connection.cursor() as cursor:
                for rows in batches:
                    execute_values(
                        cursor,
                        "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES %s",
                        rows,
                        page_size=2000,
                    )
                    count += len(rows)
            connection.close()
            return count
        connection = sqlite3.connect(BENCH / "tracker.db")
        connection.execute("PRAGMA journal_mode = WAL")  # as rasa_runtime runs Rasa's SQLite store
        connection.execute("PRAGMA synchronous = OFF")  # bulk load only
        with connection:
            for rows in batches:
                connection.executemany(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                count += len(rows)
        connection.close()
        return count

    def drop(self) -> None:
        if self.postgres:
            with self.admin.cursor() as cursor:
                for name in self.created:
                    cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self.admin.close()


def write_store(stores: Stores, plan_list: List[Plan], events_target: int, factory_args) -> Tuple[int, List[Dict]]:
    tickets: List[Dict[str, Any]] = []

    def batches() -> Iterator[List[Tuple[Any, ...]]]:
        pending: List[Tuple[Any, ...]] = []
        for done, generated in enumerate(generate(factory_args, plan_list, events_target), start=1):
            pending.extend(generated.rows)
            for ticket in generated.tickets:
                ticket["sender_id"] = generated.rows[0][0]
                tickets.append(ticket)
            if len(pending) >= 20_000:
                yield pending
                pending = []
            if done % 20_000 == 0:
                print(f"  {done:,} conversations generated", flush=True)
        if pending:
            yield pending

    return stores.insert_events(batches()), tickets


def write_clinic_records(db, tickets: List[Dict], sender_ids: List[str], rng: random.Random, now: float) -> None:
    """Tickets for the hand-offs, and staff's review marks and tags on some conversations."""
    from sqlalchemy import insert

    from clinic.console_models import ConversationReview, ConversationTag
    from clinic.models import Ticket, TicketStatus
    from clinic.references import ALPHABET, TICKET_PREFIXES
    from clinic.tickets import KIND_PRIORITY

    rows = []
    for n, ticket in enumerate(tickets):
        created = dt.datetime.fromtimestamp(ticket["at"], dt.timezone.utc)
        old = now - ticket["at"] > 14 * 86400
        status = TicketStatus.RESOLVED if old and rng.random() < 0.95 else rng.choice(TicketStatus.ALL)
        code = "".join(ALPHABET[(n // len(ALPHABET) ** i) % len(ALPHABET)] for i in range(4))
        rows.append(
            {
                "reference": f"{TICKET_PREFIXES[ticket['kind']]}-{code}",
                "kind": ticket["kind"],
                "priority": int(KIND_PRIORITY[ticket["kind"]]),
                "status": status,
                "visitor_name": ticket["name"],
                "email": ticket["email"],
                "consent": True,
                "channel": "",
                "sender_id": ticket["sender_id"],
                "message": "",
                "context": [],
                "created_at": created,
                "updated_at": created,
                "resolved_at": created + dt.timedelta(days=1) if status == TicketStatus.RESOLVED else None,
            }
        )
    reviewed = rng.sample(sender_ids, len(sender_ids) // 12)
    tagged = rng.sample(sender_ids, len(sender_ids) // 30)
    at = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    with db.transaction() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Ticket), rows[start : start + 5000])
        session.execute(
            insert(ConversationReview), [{"sender_id": s, "reviewed_by": "bench", "reviewed_at": at} for s in reviewed]
        )
        session.execute(
            insert(ConversationTag),
            [{"sender_id": s, "tag": rng.choice(TAGS), "added_by": "bench", "added_at": at} for s in tagged],
        )


# -- measuring ---------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def timed(function: Callable[[], Any]) -> Tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return (time.perf_counter() - start) * 1000, result


def query_mix(rng: random.Random, now: dt.datetime, tz: dt.tzinfo) -> List[Tuple[str, Dict[str, Any]]]:
    """What staff ask the list for, weighted by how often they would."""
    today = now.astimezone(tz).date()
    mix = [
        ("newest, page 1", {}, 12),
        ("newest, page 20", {"page": 20}, 2),
        ("channel", {"channel": "whatsapp"}, 5),
        ("intent faq/downtime", {"intent": "faq/downtime"}, 4),
        ("intent any FAQ", {"intent": "faq"}, 3),
        ("intent medical_question", {"intent": "medical_question"}, 4),
        ("hand-off medical", {"handoff": "medical"}, 5),
        ("hand-off urgent", {"handoff": "urgent"}, 5),
        ("hand-off any, not reviewed", {"handoff": "any", "reviewed": False}, 5),
        ("fallback", {"fallback": True}, 5),
        ("confidence below 0.5", {"confidence_below": 0.5}, 4),
        ("not reviewed", {"reviewed": False}, 4),
        ("reviewed", {"reviewed": True}, 2),
        ("tag", {"tag": "follow-up"}, 3),
        ("last 7 days", {"date_from": today - dt.timedelta(days=7), "date_to": today}, 5),
        ("a month, 3 months ago", {"date_from": today - dt.timedelta(days=120), "date_to": today - dt.timedelta(days=90)}, 3),
        ("search: common word", {"text": "downtime"}, 5),
        ("search: rare word", {"text": "accutane"}, 4),
        ("search: two words", {"text": "acne scars"}, 4),
        ("search: prefix", {"text": "micro"}, 3),
        ("search: name", {"text": "Priya"}, 2),
        ("search: no match", {"text": "zzyzx"}, 1),
        ("search + channel", {"text": "downtime", "channel": "messenger"}, 3),
        ("intent + fallback + dates", {"intent": "faq", "fallback": True, "date_from": today - dt.timedelta(days=30), "date_to": today}, 2),
        ("urgent, last 7 days", {"handoff": "urgent", "date_from": today - dt.timedelta(days=7), "date_to": today}, 2),
        ("search + hand-off + low confidence", {"text": "pain", "handoff": "any", "confidence_below": 0.8}, 2),
    ]  # fmt: skip
    weighted = [(name, params) for name, params, weight in mix for _ in range(weight)]
    return [(name, {**params, "tz": tz}) for name, params in weighted]


def measure_list(db, queries: List[Tuple[str, Dict[str, Any]]], count: int, rng: random.Random):
    from clinic.conversation_search import ConversationQuery, channels_seen, intents_seen, search_conversations

    overall: List[float] = []
    by_name: Dict[str, List[float]] = {}
    for _ in range(count):
        name, params = rng.choice(queries)
        start = time.perf_counter()
        search_conversations(db, ConversationQuery(**params))
        intents_seen(db)  # the filter drop-downs on the same page
        channels_seen(db)
        elapsed = (time.perf_counter() - start) * 1000
        overall.append(elapsed)
        by_name.setdefault(name, []).append(elapsed)
    return overall, by_name


def measure_transcripts(db, tracker, sender_ids: List[str], count: int, rng: random.Random) -> List[float]:
    from clinic.conversation_transcript import load_transcript

    chosen = [rng.choice(sender_ids) for _ in range(count)]
    return [timed(partial(load_transcript, tracker, db, sender_id))[0] for sender_id in chosen]


class NaiveConsole:
    """A console without an index: every page read from Rasa's events table."""

    def __init__(self, tracker_url: str) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(tracker_url)
        self.postgres = self.engine.dialect.name == "postgresql"

    def _run(self, sql: str, **params) -> list:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).all()

    def newest(self, where: str = "", **params) -> list:
        counts = (
            "SUM(CASE WHEN type_name = 'user' THEN 1 ELSE 0 END), SUM(CASE WHEN type_name = 'bot' THEN 1 ELSE 0 END)"
        )
        return self._run(
            f"SELECT sender_id, MIN(timestamp), MAX(timestamp) AS last, {counts} FROM events {where} "  # noqa: S608 - constant fragments
            "GROUP BY sender_id ORDER BY last DESC LIMIT 51",
            **params,
        )

    def queries(self) -> List[Tuple[str, Callable[[], list]]]:
        like = "ILIKE" if self.postgres else "LIKE"
        return [
            ("newest, page 1", lambda: self.newest()),
            (
                "intent medical_question",
                lambda: self.newest(
                    "WHERE sender_id IN (SELECT sender_id FROM events WHERE intent_name = :intent)",
                    intent="medical_question",
                ),
            ),
            (
                "search: rare word",
                lambda: self.newest(
                    "WHERE sender_id IN (SELECT sender_id FROM events WHERE type_name IN ('user', 'bot') "  # noqa: S608
                    f"AND data {like} :pattern)",
                    pattern="%accutane%",
                ),
            ),
        ]

    def dispose(self) -> None:
        self.engine.dispose()


def rasa_store(tracker_url: str):
    """Rasa's SQLTrackerStore on the bench's tracker store, with the assistant's domain."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from sqlalchemy.engine import make_url

    url = make_url(tracker_url)
    domain = Domain.load(str(ROOT / "domain.yml"))
    if url.get_backend_name() == "sqlite":
        return SQLTrackerStore(domain, dialect="sqlite", db=url.database)
    return SQLTrackerStore(
        domain, dialect="postgresql", host=url.host, port=url.port, db=url.database, username=url.username
    )


def measure_naive_transcripts(tracker_url: str, sender_ids: List[str], count: int, rng: random.Random) -> List[float]:
    """Rasa's own way to read a conversation: SQLTrackerStore.retrieve_full_tracker."""
    store = rasa_store(tracker_url)
    loop = asyncio.new_event_loop()
    try:
        chosen = [rng.choice(sender_ids) for _ in range(count)]
        return [
            timed(partial(loop.run_until_complete, store.retrieve_full_tracker(sender_id)))[0] for sender_id in chosen
        ]
    finally:
        loop.close()
        store.engine.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.bench_console", description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--new", type=int, default=10_000, help="conversations added for the catch-up measurement")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--transcripts", type=int, default=300)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--postgres", action="store_true", help="run on the machine's PostgreSQL instead of SQLite")
    args = parser.parse_args(argv)
    if min(args.conversations, args.queries, args.transcripts, args.baseline_runs) < 1 or args.new < 0:
        parser.error("counts must be positive")

    import logging

    logging.basicConfig(level=logging.WARNING)
    from clinic.config import load_config
    from clinic.conversation_index import catch_up
    from clinic.db import Database
    from clinic.migrate import upgrade
    from clinic.tracker_store import TrackerStoreReader

    rng = random.Random(args.seed)  # noqa: S311 - reproducible bench data, not secrets
    backend = "PostgreSQL" if args.postgres else "SQLite"
    try:
        tz = load_config(ROOT / "clinic.yml").tz
    except Exception:  # noqa: BLE001 - the bench runs without a valid clinic file too
        tz = dt.timezone.utc
    now = time.time()
    factory_args = (visitor_texts(), assistant_texts())
    stores = Stores(args.postgres)
    figures: Dict[str, Any] = {"backend": backend}
    try:
        print(
            f"Generating {args.conversations:,} conversations (~{args.events:,} events) in Rasa's format ({backend})..."
        )
        started = time.perf_counter()
        main_plans = plans(rng, args.conversations, now - 270 * 86400, now - 86400, "")
        events, tickets = write_store(stores, main_plans, args.events, factory_args)
        figures["generate_s"] = time.perf_counter() - started
        figures["events"], figures["conversations"] = events, args.conversations
        print(f"  {events:,} events, {len(tickets):,} tickets in {figures['generate_s']:.0f} s")

        upgrade(stores.clinic_url)
        db = Database(stores.clinic_url, timeout=30)
        tracker = TrackerStoreReader(stores.tracker_url, timeout=30)
        sender_ids = [plan.sender_id for plan in main_plans]
        write_clinic_records(db, tickets, sender_ids, rng, now)

        print("Indexing everything (first run)...")
        elapsed, result = timed(lambda: catch_up(db, tracker))
        figures["full_index_s"] = elapsed / 1000
        print(f"  {result.events:,} events, {result.conversations_created:,} conversations in {elapsed / 1000:.1f} s")
        if not args.postgres:
            with sqlite3.connect(BENCH / "clinic.db") as connection:
                connection.execute("PRAGMA optimize")

        print(f"List: {args.queries} requests over the mix...")
        overall, by_name = measure_list(db, query_mix(rng, dt.datetime.fromtimestamp(now, tz), tz), args.queries, rng)
        print(f"Transcripts: {args.transcripts} random conversations...")
        transcripts = measure_transcripts(db, tracker, sender_ids, args.transcripts, rng)

        print("Naive baseline (Rasa's events table, no index)...")
        naive = NaiveConsole(stores.tracker_url)
        naive_list: List[float] = []
        naive_by_name: Dict[str, List[float]] = {}
        for _ in range(args.baseline_runs):
            for name, run in naive.queries():
                elapsed, _ = timed(run)
                naive_list.append(elapsed)
                naive_by_name.setdefault(name, []).append(elapsed)
        naive.dispose()
        naive_transcripts = measure_naive_transcripts(stores.tracker_url, sender_ids, min(100, args.transcripts), rng)

        catch_up_s = float("nan")
        if args.new:
            print(f"Adding {args.new:,} new conversations, then catching up...")
            new_plans = plans(rng, args.new, now - 86400, now, "new-")
            new_events, new_tickets = write_store(
                stores, new_plans, args.events * args.new // args.conversations, factory_args
            )
            elapsed, result = timed(lambda: catch_up(db, tracker))
            catch_up_s = elapsed / 1000
            figures["new_events"] = new_events
            print(f"  {result.events:,} events, {result.conversations_created:,} conversations in {catch_up_s:.1f} s")
        tracker.dispose()
        db.dispose()
    finally:
        stores.drop()

    list_p50, list_p95 = percentile(overall, 50), percentile(overall, 95)
    tr_p50, tr_p95 = percentile(transcripts, 50), percentile(transcripts, 95)
    n_p50, n_p95 = percentile(naive_list, 50), percentile(naive_list, 95)
    nt_p50, nt_p95 = percentile(naive_transcripts, 50), percentile(naive_transcripts, 95)
    full_per_10k = figures["full_index_s"] * args.new / args.conversations if args.new else float("nan")

    def verdict(value: float, target: float) -> str:
        return "met" if value <= target else "NOT met"

    print()
    print(
        f"Staff console data layer, {backend}, {figures['conversations']:,} conversations, {figures['events']:,} events"
    )
    print(f"{'metric':<46} {'index':>10} {'naive':>10} {'target':>10}")
    print(f"{'list p50 (ms)':<46} {list_p50:>10.1f} {n_p50:>10.1f}")
    print(f"{'list p95 (ms)':<46} {list_p95:>10.1f} {n_p95:>10.1f} {'<= 300':>10}  {verdict(list_p95, 300)}")
    print(f"{'transcript p50 (ms)':<46} {tr_p50:>10.1f} {nt_p50:>10.1f}")
    print(f"{'transcript p95 (ms)':<46} {tr_p95:>10.1f} {nt_p95:>10.1f} {'<= 100':>10}  {verdict(tr_p95, 100)}")
    print(
        f"{f'catch up {args.new:,} new conversations (s)':<46} {catch_up_s:>10.1f} {full_per_10k:>10.1f} {'<= 30':>10}"
        f"  {verdict(catch_up_s, 30)}"
    )
    print(f"{'first full index (s)':<46} {figures['full_index_s']:>10.1f}")
    print()
    print("naive: the same list read from Rasa's events table (GROUP BY sender, LIKE for text; 3 kinds of query,")
    print("each run", args.baseline_runs, "times), Rasa's SQLTrackerStore.retrieve_full_tracker for a transcript, and")
    print("for catching up, re-indexing everything (the first full index, scaled to the new conversations).")
    print()
    print(f"{'list, by kind of request':<40} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'naive p50':>10}")
    for name in sorted(by_name, key=lambda n: -percentile(by_name[n], 95)):
        values = by_name[name]
        naive_values = naive_by_name.get(name)
        naive_text = f"{percentile(naive_values, 50):>10.0f}" if naive_values else ""
        print(f"{name:<40} {len(values):>4} {percentile(values, 50):>9.1f} {percentile(values, 95):>9.1f} {naive_text}")
    results = {
        **figures,
        "list_ms": {"p50": list_p50, "p95": list_p95},
        "transcript_ms": {"p50": tr_p50, "p95": tr_p95},
        "catch_up_s": catch_up_s,
        "naive_list_ms": {"p50": n_p50, "p95": n_p95},
        "naive_transcript_ms": {"p50": nt_p50, "p95": nt_p95},
        "by_request_p95_ms": {name: percentile(values, 95) for name, values in by_name.items()},
    }
    out = VAR / "results" / f"bench-console-{backend.lower()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nFigures saved to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
