"""The console's conversation list on SQLite and PostgreSQL: every filter and the full-text
search find what they should and nothing else, alone and combined; pages; row contents;
query validation. The conversations are written by Rasa's SQLTrackerStore and indexed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from db_fixtures import BACKENDS
from rasa_conversations import CLARIFY, ConversationBuilder, RasaTracker, new_tracker_url

from clinic.audit import Actor
from clinic.conversation_annotations import add_tag, set_reviewed
from clinic.conversation_index import catch_up
from clinic.conversation_search import (
    MAX_PAGE_SIZE,
    ConversationQuery,
    channels_seen,
    conversation_row,
    count_conversations,
    intents_seen,
    search_conversations,
)
from clinic.db import Database
from clinic.errors import InvalidInput
from clinic.handoff_queue import change_status
from clinic.migrate import upgrade
from clinic.tickets import open_ticket

UTC = dt.timezone.utc
HELSINKI = ZoneInfo("Europe/Helsinki")  # UTC+2 in winter
STAFF = Actor("sam", None, "127.0.0.1")


def at(*args) -> float:
    return dt.datetime(*args, tzinfo=UTC).timestamp()


def conversations():
    """Eight conversations, oldest first, each with something the filters tell apart."""
    web = ConversationBuilder("web-faq", at(2026, 1, 10, 10, 0), channel="socketio").session()
    web.button("greet").reply("action_greet", "Hi! I'm the clinic's assistant.")
    web.visitor("How long is the DOWNTIME?", "faq", 1.0, faq=("downtime", 0.97)).faq_answer("downtime")

    late_night = ConversationBuilder("late-night", at(2026, 1, 10, 23, 30)).session()  # 01:30 on the 11th in Helsinki
    late_night.visitor("Is micro-needling OK with Rosacée?", "faq", 0.98, faq=("skin_type_suitability", 0.88))
    late_night.faq_answer("skin_type_suitability")

    weak = ConversationBuilder("weak-faq", at(2026, 2, 3, 9, 0)).session()
    weak.visitor("and the needles, what about them", "faq", 0.99, faq=("microneedling_depth", 0.3))
    weak.reply("action_answer_faq", CLARIFY)

    lost = ConversationBuilder("lost", at(2026, 3, 5, 12, 0), channel="telegram").session()
    lost.visitor("blorp fnarg", "nlu_fallback", 0.45, runner_ups=[("affirm", 0.12)]).reply("action_clarify", CLARIFY)

    med = ConversationBuilder("medical", at(2026, 4, 7, 15, 0), channel="messenger").session()
    med.visitor("can I have microneedling while on Accutane?", "medical_question", 0.97)
    med.reply("action_medical_reply", "That needs one of our licensed professionals.")

    urgent = ConversationBuilder("urgent", at(2026, 5, 9, 8, 0), channel="whatsapp").session()
    urgent.visitor("my lips are swelling after the treatment", "urgent_medical", 1.0)
    urgent.reply("action_urgent_safety", "Call 999 now or the urgent line.")

    booking = ConversationBuilder("booking", at(2026, 6, 11, 17, 0)).session()
    booking.visitor("I'd like to book a consultation", "book_consultation", 0.93)
    booking.reply("action_prepare_handoff", "Happy to help you book.")

    odd = ConversationBuilder("odd-text", at(2026, 7, 1, 11, 0)).session()
    odd.visitor('he said "NEAR" * OR (maybe) -not: col:umn AND x', "out_of_scope", 0.81)
    odd.reply("utter_out_of_scope", "Sorry, that's outside what I can help with.", response="utter_out_of_scope")
    return [web, late_night, weak, lost, med, urgent, booking, odd]


NEWEST_FIRST = ["odd-text", "booking", "urgent", "medical", "lost", "weak-faq", "late-night", "web-faq"]


@pytest.fixture(scope="module", params=BACKENDS)
def indexed(request, tmp_path_factory):
    """The eight conversations indexed, with tickets, reviews and tags: built once per backend
    (the tests only read)."""
    work = tmp_path_factory.mktemp("search")
    postgres = lambda: request.getfixturevalue("postgres")  # noqa: E731
    url = f"sqlite:///{work / 'clinic.db'}" if request.param == "sqlite" else postgres().create()
    upgrade(url)
    db = Database(url)
    tracker = RasaTracker(new_tracker_url(request.param, work, postgres))
    for builder in conversations():
        tracker.add(builder)
    catch_up(db, tracker.reader)
    open_ticket("medical", "medical", channel="messenger", message="accutane?", db=db)
    resolved = open_ticket("urgent", "urgent", channel="whatsapp", message="lips", db=db).ticket
    change_status(db, resolved.reference, "resolved", STAFF)
    open_ticket("booking", "booking", channel="rest", db=db)
    set_reviewed(db, "booking", True, STAFF)
    set_reviewed(db, "lost", True, STAFF)
    set_reviewed(db, "lost", False, STAFF)  # undone
    add_tag(db, "booking", "VIP", STAFF)
    add_tag(db, "medical", "follow up", STAFF)
    yield db
    tracker.close()
    db.dispose()


def found(db, **filters):
    """Sender ids matching, newest first, across every page."""
    senders, page = [], 1
    while True:
        result = search_conversations(db, ConversationQuery(page=page, page_size=3, **filters))
        senders += [row.sender_id for row in result.rows]
        if not result.has_next:
            return senders
        page += 1


def test_without_filters_every_conversation_newest_first(indexed):
    assert found(indexed) == NEWEST_FIRST


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"channel": "telegram"}, ["lost"]),
        ({"channel": "SocketIO"}, ["web-faq"]),
        ({"channel": "instagram"}, []),
        ({"intent": "faq"}, ["weak-faq", "late-night", "web-faq"]),
        ({"intent": "faq/downtime"}, ["web-faq"]),
        ({"intent": "faq/microneedling_depth"}, ["weak-faq"]),
        ({"intent": "medical_question"}, ["medical"]),
        ({"intent": "greet"}, ["web-faq"]),
        ({"intent": "ask_price"}, []),
        ({"handoff": "medical"}, ["medical"]),
        ({"handoff": "urgent"}, ["urgent"]),  # resolved tickets count
        ({"handoff": "booking"}, ["booking"]),
        ({"handoff": "human"}, []),
        ({"handoff": "any"}, ["booking", "urgent", "medical"]),
        ({"fallback": True}, ["lost", "weak-faq"]),
        ({"fallback": False}, ["odd-text", "booking", "urgent", "medical", "late-night", "web-faq"]),
        ({"confidence_below": 0.5}, ["lost", "weak-faq"]),
        ({"confidence_below": 0.9}, ["odd-text", "lost", "weak-faq", "late-night"]),
        ({"confidence_below": 0.0}, []),
        ({"reviewed": True}, ["booking"]),
        ({"reviewed": False}, [s for s in NEWEST_FIRST if s != "booking"]),
        ({"tag": "vip"}, ["booking"]),
        ({"tag": "follow up"}, ["medical"]),
        ({"tag": "nothing"}, []),
    ],
)
def test_each_filter_finds_what_it_should_and_nothing_else(indexed, filters, expected):
    assert found(indexed, **filters) == expected


def test_dates_are_days_in_the_clinics_time_zone(indexed):
    day = dt.date(2026, 1, 11)
    assert found(indexed, date_from=day, date_to=day, tz=HELSINKI) == ["late-night"]
    assert found(indexed, date_from=day, date_to=day, tz=UTC) == []
    assert found(indexed, date_from=dt.date(2026, 1, 10), date_to=dt.date(2026, 1, 10), tz=UTC) == [
        "late-night",
        "web-faq",
    ]
    assert found(indexed, date_from=dt.date(2026, 4, 1), tz=UTC) == ["odd-text", "booking", "urgent", "medical"]
    assert found(indexed, date_to=dt.date(2026, 2, 3), tz=UTC) == ["weak-faq", "late-night", "web-faq"]
    query = ConversationQuery(date_from=day, date_to=day, tz=HELSINKI)
    assert query.start_utc == dt.datetime(2026, 1, 10, 22, 0, tzinfo=UTC)
    assert query.end_utc == dt.datetime(2026, 1, 11, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "words, expected",
    [
        ("downtime", ["web-faq"]),  # the visitor's words
        ("DownTime", ["web-faq"]),
        ("downt", ["web-faq"]),  # a prefix
        ("pink", ["web-faq"]),  # the assistant's words (the FAQ answer)
        ("licensed professionals", ["medical"]),
        ("accutane micro", ["medical"]),  # every word, each a prefix
        ("accutane downtime", []),
        ("rosacee", ["late-night"]),
        ("ROSACÉE", ["late-night"]),
        ("needl", ["weak-faq", "late-night"]),  # "micro-needling" is two words; "microneedling" is not "needl..."
        ("faq_key", []),  # button payloads are not what anyone said
        ("greet", []),
        ("near", ["odd-text"]),
        ('"NEAR"', ["odd-text"]),
        ("NEAR(maybe, x)", ["odd-text"]),
        ("col:umn", ["odd-text"]),
        ("* OR maybe", ["odd-text"]),
        ('"unbalanced', []),
        ("-not: col", ["odd-text"]),
        ("x", ["odd-text"]),  # one letter: a whole word only
        ("AND umn", ["odd-text"]),
        ("OR downtime", ["web-faq"]),  # OR is a word ("pink or red"), not an operator
        ("microneedling^2 {}[] \\ ' ; --", []),
    ],
)
def test_text_search_finds_words_and_prefixes_safely(indexed, words, expected):
    assert found(indexed, text=words) == expected


def test_filters_combine(indexed):
    assert found(indexed, channel="rest", fallback=True) == ["weak-faq"]
    assert found(indexed, handoff="any", reviewed=False) == ["urgent", "medical"]
    assert found(indexed, intent="faq", text="rosacee", tz=HELSINKI, date_from=dt.date(2026, 1, 11)) == ["late-night"]
    assert found(indexed, intent="faq", text="rosacee", date_from=dt.date(2026, 2, 1)) == []
    assert found(indexed, confidence_below=0.5, channel="telegram", fallback=True, reviewed=False) == ["lost"]
    assert found(indexed, tag="vip", handoff="booking", reviewed=True, text="book") == ["booking"]
    assert found(indexed, tag="vip", handoff="medical") == []


def test_pages(indexed):
    pages = [search_conversations(indexed, ConversationQuery(page=n, page_size=3)) for n in (1, 2, 3, 4)]
    assert [[row.sender_id for row in page.rows] for page in pages] == [
        NEWEST_FIRST[0:3],
        NEWEST_FIRST[3:6],
        NEWEST_FIRST[6:8],
        [],
    ]
    assert [page.has_next for page in pages] == [True, True, False, False]
    assert [page.has_previous for page in pages] == [False, True, True, True]
    whole = search_conversations(indexed, ConversationQuery())
    assert whole.page_size == 50 and len(whole.rows) == 8 and not whole.has_next
    assert count_conversations(indexed, ConversationQuery()) == (8, False)
    assert count_conversations(indexed, ConversationQuery(), cap=5) == (5, True)
    assert count_conversations(indexed, ConversationQuery(fallback=True)) == (2, False)


def test_rows_carry_what_the_list_shows(indexed):
    rows = {row.sender_id: row for row in search_conversations(indexed, ConversationQuery()).rows}
    web = rows["web-faq"]
    assert (web.channel, web.message_count, web.first_visitor_message) == ("socketio", 4, "How long is the DOWNTIME?")
    assert web.started_at == dt.datetime(2026, 1, 10, 10, 0, 0, 10_000, tzinfo=UTC)
    assert web.badges == () and web.tags == () and web.ticket_kinds == ()
    assert rows["booking"].badges == ("reviewed",) and rows["booking"].tags == ("vip",)
    assert rows["booking"].ticket_kinds == ("booking",)
    assert rows["medical"].badges == ("medical",) and rows["medical"].tags == ("follow up",)
    assert rows["urgent"].badges == ("urgent",) and rows["urgent"].ticket_kinds == ("urgent",)
    assert rows["lost"].badges == ("fallback",) and rows["lost"].lowest_confidence == pytest.approx(0.12)
    assert conversation_row(indexed, "urgent") == rows["urgent"]
    assert conversation_row(indexed, "nobody") is None


def test_filter_choices(indexed):
    assert channels_seen(indexed) == ["messenger", "rest", "socketio", "telegram", "whatsapp"]
    seen = intents_seen(indexed)
    assert seen[:2] == ["book_consultation", "greet"]
    assert seen[-4:] == ["faq", "faq/downtime", "faq/microneedling_depth", "faq/skin_type_suitability"]
    assert "nlu_fallback" in seen and "urgent_medical" in seen


def test_queries_from_request_arguments():
    query = ConversationQuery.from_params(
        {
            "date_from": ["2026-01-11"],  # Sanic gives lists
            "date_to": "2026-01-12",
            "channel": " Telegram ",
            "intent": "faq/downtime",
            "handoff": "Medical",
            "fallback": "yes",
            "confidence_below": "0.4",
            "reviewed": "no",
            "tag": " Follow  Up ",
            "q": "  Rosacée  downtime ",
            "page": "2",
            "page_size": "20",
            "unknown": "ignored",
        },
        tz=HELSINKI,
    )
    assert (query.channel, query.intent, query.handoff, query.tag) == (
        "telegram",
        "faq/downtime",
        "medical",
        "follow up",
    )
    assert (query.fallback, query.reviewed, query.confidence_below) == (True, False, 0.4)
    assert query.terms == ("rosacee", "downtime") and (query.page, query.page_size) == (2, 20)
    empty = ConversationQuery.from_params({"fallback": "", "reviewed": "any", "q": " ", "page": "", "channel": ""})
    assert (empty.fallback, empty.reviewed, empty.text, empty.page, empty.channel) == (None, None, None, 1, None)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_from": "11/01/2026"}, "date_from"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
        ({"channel": "<script>"}, "channel"),
        ({"intent": "faq/<b>"}, "intent"),
        ({"intent": "x" * 300}, "intent"),
        ({"handoff": "everything"}, "handoff"),
        ({"fallback": "maybe"}, "fallback"),
        ({"reviewed": "2"}, "reviewed"),
        ({"confidence_below": "high"}, "confidence_below"),
        ({"confidence_below": "1.5"}, "confidence_below"),
        ({"confidence_below": "nan"}, "confidence_below"),
        ({"tag": "#" * 5}, "tag"),
        ({"q": '*** "" :: ()'}, "q"),
        ({"q": "word " * 60}, "q"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": str(MAX_PAGE_SIZE + 1)}, "page_size"),
    ],
)
def test_bad_arguments_get_a_clear_error(params, field):
    with pytest.raises(InvalidInput) as error:
        ConversationQuery.from_params(params)
    assert error.value.field == field and error.value.message
