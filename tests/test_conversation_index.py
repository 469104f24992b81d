"""The console's conversation index, caught up from tracker stores written by Rasa's own
SQLTrackerStore: summaries, incremental and idempotent runs, crashes, concurrent runs and
out-of-order commits (several Rasa replicas on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import tracker_fixtures
from rasa_conversations import CLARIFY, ConversationBuilder, RasaTracker, new_tracker_url
from sqlalchemy import func, select, text

from clinic import conversation_index
from clinic.conversation_index import catch_up, index_position, reset_index
from clinic.conversation_index_models import ConversationIndexGap, ConversationIntent, ConversationSummary
from clinic.conversation_search import ConversationQuery, search_conversations
from clinic.db import Database

rasa_tracker = tracker_fixtures.rasa_tracker  # the fixture, used by name
START = 1_780_000_000.0  # 2026-05-28 20:26 UTC


def website_faq(sender_id: str = "web-1", start: float = START) -> ConversationBuilder:
    """A website visit: the widget's /greet button, an FAQ, thanks."""
    c = ConversationBuilder(sender_id, start, channel="socketio").session()
    c.button("greet").reply("action_greet", "Hi! I'm the clinic's assistant.", [("Book", "/book_consultation")])
    c.visitor("How long is the DOWNTIME after micro-needling?", "faq", 1.0, faq=("downtime", 0.97))
    c.faq_answer("downtime")
    c.visitor("thanks a lot", "thank", 0.9).reply("utter_thank", "You're welcome!", response="utter_thank")
    return c


def weak_faq(sender_id: str = "weak-1", start: float = START + 100) -> ConversationBuilder:
    """A confident `faq` intent whose FAQ answer is a coin toss: the FAQ action asks instead."""
    c = ConversationBuilder(sender_id, start).session()
    c.visitor("what about the needles then", "faq", 0.99, faq=("microneedling_depth", 0.3))
    return c.reply(
        "action_answer_faq", CLARIFY, [("How deep the needles go", '/faq{"faq_key": "microneedling_depth"}')]
    )


def not_understood(sender_id: str = "lost-1", start: float = START + 200) -> ConversationBuilder:
    c = ConversationBuilder(sender_id, start, channel="telegram").session()
    c.visitor("blorp fnarg", "nlu_fallback", 0.45, runner_ups=[("affirm", 0.12), ("greet", 0.1)])
    return c.reply("action_clarify", CLARIFY)


def medical_handoff(sender_id: str = "med-1", start: float = START + 300) -> ConversationBuilder:
    """A medical question, "yes" to a professional, then the form takes an unparseable name."""
    c = ConversationBuilder(sender_id, start, channel="messenger").session()
    c.visitor("can I have microneedling while on accutane?", "medical_question", 0.97)
    c.reply("action_medical_reply", "That needs a professional. Shall I pass it on?", [("Yes", "/affirm")])
    c.visitor("yes please", "affirm", 0.98).action("action_prepare_handoff").action("handoff_form")
    c.form("handoff_form").asks("visitor_name", "What's your name?").listen()
    c.visitor("Ann Smith", "nlu_fallback", 0.45, runner_ups=[("affirm", 0.2), ("inform", 0.1)])
    c.slot("visitor_name", "Ann Smith").action("handoff_form").asks("visitor_contact", "E-mail or phone?").listen()
    return c


def urgent(sender_id: str = "urg-1", start: float = START + 400) -> ConversationBuilder:
    c = ConversationBuilder(sender_id, start, channel="whatsapp").session()
    c.visitor("my lips are swelling and I can't breathe", "urgent_medical", 1.0)
    return c.reply("action_urgent_safety", "Call 999 now.")


def summary(db: Database, sender_id: str) -> ConversationSummary:
    with db.transaction(read_only=True) as session:
        return session.execute(
            select(ConversationSummary).where(ConversationSummary.sender_id == sender_id)
        ).scalar_one()


def intents(db: Database, sender_id: str):
    with db.transaction(read_only=True) as session:
        return set(
            session.execute(
                select(ConversationIntent.intent)
                .join(ConversationSummary, ConversationSummary.id == ConversationIntent.conversation_id)
                .where(ConversationSummary.sender_id == sender_id)
            ).scalars()
        )


def all_summaries(db: Database):
    names = ("sender_id", "channel", "started_at", "last_event_at", "visitor_messages", "assistant_messages")
    names += (
        "first_visitor_message",
        "lowest_confidence",
        "had_fallback",
        "had_medical",
        "had_urgent",
        "last_event_id",
    )
    with db.transaction(read_only=True) as session:
        rows = session.execute(select(ConversationSummary).order_by(ConversationSummary.sender_id)).scalars()
        return [tuple(getattr(row, name) for name in names) for row in rows]


def count(db: Database, model) -> int:
    with db.transaction(read_only=True) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def add_all(tracker: RasaTracker, *builders: ConversationBuilder) -> int:
    written = 0
    for builder in builders:
        written += len(builder.events)
        tracker.add(builder)
    return written


def test_summaries_say_what_happened_in_each_conversation(db, rasa_tracker):
    written = add_all(rasa_tracker, website_faq(), weak_faq(), not_understood(), medical_handoff(), urgent())
    result = catch_up(db, rasa_tracker.reader)
    assert (result.events, result.conversations_created, result.late_events) == (written, 5, 0)
    assert result.last_event_id == index_position(db) == rasa_tracker.reader.last_event_id()

    web = summary(db, "web-1")
    assert web.channel == "socketio"
    assert (web.visitor_messages, web.assistant_messages) == (3, 3)
    assert web.first_visitor_message == "How long is the DOWNTIME after micro-needling?"  # not the /greet button
    assert web.lowest_confidence == pytest.approx(0.9)  # the button is no NLU judgement; the FAQ's is 0.97
    assert (web.had_fallback, web.had_medical, web.had_urgent) == (False, False, False)
    assert intents(db, "web-1") == {"greet", "faq", "faq/downtime", "thank"}
    assert web.started_at.timestamp() == pytest.approx(START + 0.01, abs=0.001)
    assert web.last_event_at > web.started_at and web.last_event_at.tzinfo is not None

    weak = summary(db, "weak-1")
    assert weak.had_fallback and weak.lowest_confidence == pytest.approx(0.3)
    assert intents(db, "weak-1") == {"faq", "faq/microneedling_depth"}

    lost = summary(db, "lost-1")
    assert lost.had_fallback and lost.channel == "telegram"
    assert lost.lowest_confidence == pytest.approx(0.12)  # the best real intent, not the fallback threshold

    med = summary(db, "med-1")
    assert med.had_medical and not med.had_urgent
    assert not med.had_fallback  # the form took "Ann Smith" as the name: not a fallback
    assert med.lowest_confidence == pytest.approx(0.97)  # nor a low-confidence message
    assert intents(db, "med-1") == {"medical_question", "affirm", "nlu_fallback"}

    assert summary(db, "urg-1").had_urgent


def test_catch_up_indexes_only_new_events_and_is_idempotent(db, rasa_tracker):
    conversation = website_faq()
    add_all(rasa_tracker, conversation)
    catch_up(db, rasa_tracker.reader)
    again = catch_up(db, rasa_tracker.reader)
    assert (again.events, again.batches, again.conversations_created, again.conversations_updated) == (0, 0, 0, 0)

    conversation.wait(60).visitor("what about acne scars?", "faq", 1.0, faq=("acne_scars", 0.91))
    conversation.faq_answer("acne_scars")
    written = add_all(rasa_tracker, conversation, urgent())
    result = catch_up(db, rasa_tracker.reader)
    assert (result.events, result.conversations_created, result.conversations_updated) == (written, 1, 1)
    web = summary(db, "web-1")
    assert (web.visitor_messages, web.assistant_messages) == (4, 4)
    assert web.first_visitor_message == "How long is the DOWNTIME after micro-needling?"
    assert "faq/acne_scars" in intents(db, "web-1")
    assert catch_up(db, rasa_tracker.reader).events == 0
    assert count(db, ConversationSummary) == 2


def test_a_conversations_words_stay_searchable_as_it_grows(db, rasa_tracker):
    conversation = website_faq()
    add_all(rasa_tracker, conversation, urgent())
    catch_up(db, rasa_tracker.reader)
    conversation.wait(60).visitor("what about acne scars?", "faq", 1.0, faq=("acne_scars", 0.91))
    add_all(rasa_tracker, conversation)
    catch_up(db, rasa_tracker.reader, batch_size=3)  # the turn split across batches
    conversation.faq_answer("acne_scars").slot("pending_offer", None)  # a batch may end without words
    add_all(rasa_tracker, conversation)
    catch_up(db, rasa_tracker.reader, batch_size=2)

    def found(words):
        return [row.sender_id for row in search_conversations(db, ConversationQuery(text=words)).rows]

    assert found("downtime scars") == ["web-1"]  # words of the first and the latest turn
    assert found("soften") == ["web-1"]  # the assistant's latest answer
    assert found("lips") == ["urg-1"]
    with db.transaction(read_only=True) as session:
        documents = session.execute(text("SELECT count(*) FROM conversation_search")).scalar_one()
    assert documents == 2  # one document per conversation, never a stale copy


def test_small_batches_give_the_same_index_as_one_batch(db, rasa_tracker, tmp_path):
    add_all(rasa_tracker, website_faq(), weak_faq(), medical_handoff())
    result = catch_up(db, rasa_tracker.reader, batch_size=4)
    assert result.batches > 5
    in_batches = all_summaries(db)
    reset_index(db)
    assert count(db, ConversationSummary) == 0 and index_position(db) == 0
    assert catch_up(db, rasa_tracker.reader, batch_size=10_000).batches == 1
    assert all_summaries(db) == in_batches
    limited = reset_index(db) or catch_up(db, rasa_tracker.reader, batch_size=4, max_batches=2)
    assert limited.batches == 2 and limited.events == 8


def test_a_failed_batch_leaves_nothing_behind_and_is_redone(db, rasa_tracker, monkeypatch):
    written = add_all(rasa_tracker, website_faq(), urgent())
    real = conversation_index.write_documents

    def crash(*args, **kwargs):
        raise RuntimeError("power cut while writing the full-text index")

    monkeypatch.setattr(conversation_index, "write_documents", crash)
    with pytest.raises(RuntimeError):
        catch_up(db, rasa_tracker.reader)
    assert index_position(db) == 0 and count(db, ConversationSummary) == 0 and count(db, ConversationIntent) == 0
    monkeypatch.setattr(conversation_index, "write_documents", real)
    assert catch_up(db, rasa_tracker.reader).events == written
    assert summary(db, "web-1").visitor_messages == 3


def test_two_console_processes_catching_up_at_once_never_count_twice(db, rasa_tracker):
    builders = [website_faq(f"web-{n}", START + n) for n in range(6)] + [
        urgent(f"urg-{n}", START + n) for n in range(6)
    ]
    written = add_all(rasa_tracker, *builders)
    results, errors = [], []

    def run() -> None:
        other = Database(db.url)  # a console process of its own: its own engine and connections
        try:
            results.append(catch_up(other, rasa_tracker.reader, batch_size=7))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            other.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sum(result.events for result in results) == written
    assert sum(result.conversations_created for result in results) == 12
    for n in range(6):
        web = summary(db, f"web-{n}")
        assert (web.visitor_messages, web.assistant_messages) == (3, 3)
        assert summary(db, f"urg-{n}").visitor_messages == 1


class PausedCommit:
    """Rasa's own save, held between INSERT and COMMIT (a slow Rasa replica): the ids are
    taken from the sequence, but other replicas' later ids commit first."""

    def __init__(self, tracker: RasaTracker) -> None:
        self.store = tracker.writer.store
        self.original = self.store.sessionmaker
        self.flushed, self.release = threading.Event(), threading.Event()
        self.roll_back = False

    def __call__(self):
        session = self.original()
        commit = session.commit

        def paused_commit() -> None:
            session.flush()
            self.flushed.set()
            self.release.wait(60)
            if self.roll_back:
                session.rollback()
            else:
                commit()

        session.commit = paused_commit
        return session

    def save_in_background(self, tracker: RasaTracker, builder: ConversationBuilder) -> threading.Thread:
        self.store.sessionmaker = self
        thread = threading.Thread(target=tracker.add, args=(builder,))
        thread.start()
        assert self.flushed.wait(30)
        self.store.sessionmaker = self.original  # only that save is slow
        return thread


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_events_committed_out_of_id_order_are_indexed_once(db, rasa_tracker):
    add_all(rasa_tracker, website_faq())
    catch_up(db, rasa_tracker.reader)
    slow_turn = urgent("slow-replica")
    slow_events = len(slow_turn.events)
    paused = PausedCommit(rasa_tracker)
    thread = paused.save_in_background(rasa_tracker, slow_turn)
    add_all(rasa_tracker, weak_faq())  # another replica's later ids commit first

    first = catch_up(db, rasa_tracker.reader)
    assert first.conversations_created == 1 and first.late_events == 0
    assert count(db, ConversationIndexGap) == slow_events  # the slow save's ids, passed over
    paused.release.set()
    thread.join(30)

    late = catch_up(db, rasa_tracker.reader)
    assert (late.events, late.late_events, late.conversations_created) == (slow_events, slow_events, 1)
    assert summary(db, "slow-replica").had_urgent and summary(db, "slow-replica").visitor_messages == 1
    assert count(db, ConversationIndexGap) == 0
    assert catch_up(db, rasa_tracker.reader).events == 0  # found once, never again
    assert summary(db, "slow-replica").visitor_messages == 1


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_ids_of_a_rolled_back_save_are_forgotten_after_the_look_back_window(db, rasa_tracker):
    paused = PausedCommit(rasa_tracker)
    paused.roll_back = True
    thread = paused.save_in_background(rasa_tracker, urgent("never-committed"))
    add_all(rasa_tracker, weak_faq())
    catch_up(db, rasa_tracker.reader, lookback_ids=1000)
    paused.release.set()
    thread.join(30)
    assert count(db, ConversationIndexGap) > 0
    add_all(rasa_tracker, website_faq("web-1"), website_faq("web-2"))
    result = catch_up(db, rasa_tracker.reader, lookback_ids=10)
    assert result.late_events == 0 and count(db, ConversationIndexGap) == 0
    assert count(db, ConversationSummary) == 3


def test_a_tracker_store_rasa_has_not_created_yet_indexes_nothing(db, tmp_path, request):
    url = new_tracker_url(db.backend, tmp_path, lambda: request.getfixturevalue("postgres"))
    from clinic.tracker_store import TrackerStoreReader

    reader = TrackerStoreReader(url)
    try:
        result = catch_up(db, reader)
        assert (result.events, result.batches, result.tracker_behind) == (0, 0, False)
    finally:
        reader.dispose()


def test_another_or_recreated_tracker_store_is_reported_not_mixed_in(db, rasa_tracker, tmp_path, request):
    add_all(rasa_tracker, website_faq(), weak_faq(), urgent())
    catch_up(db, rasa_tracker.reader)
    fresh = RasaTracker(new_tracker_url(db.backend, tmp_path, lambda: request.getfixturevalue("postgres")))
    try:
        add_all(fresh, not_understood("other-1"))
        result = catch_up(db, fresh.reader)
        assert result.tracker_behind and result.events == 0
        assert count(db, ConversationSummary) == 3
        reset_index(db)
        rebuilt = catch_up(db, fresh.reader)
        assert rebuilt.conversations_created == 1 and not rebuilt.tracker_behind
        assert [row[0] for row in all_summaries(db)] == ["other-1"]
    finally:
        fresh.close()


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_large_run_refreshes_postgresql_statistics(db, rasa_tracker, monkeypatch):
    add_all(rasa_tracker, website_faq(), urgent())
    monkeypatch.setattr(conversation_index, "ANALYZE_AFTER_EVENTS", 10)
    catch_up(db, rasa_tracker.reader)
    with db.transaction(read_only=True) as session:
        analyzed = session.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                "AND relname IN ('conversation_summaries', 'conversation_intents', 'conversation_search')"
            )
        ).scalars()
        assert set(analyzed) == {"conversation_summaries", "conversation_intents", "conversation_search"}
