"""Several Rasa worker processes serve one assistant (SANIC_WORKERS with the SQLite lock
store): every message is answered, and the turns of one conversation still run one at a time."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Set
from urllib.parse import urlsplit

from conftest import TEST_RASA_WORKERS
from tracker_events import stored_events

from ops.services import _tree


def test_rasa_runs_several_worker_processes(servers):
    # Sanic's main process and one child per worker.
    assert len(_tree(servers.rasa.process.pid)) == 1 + TEST_RASA_WORKERS


def listening_sockets(port: int) -> Set[str]:
    """Inodes of the sockets listening on 127.0.0.1:port (/proc/net/tcp, state 0A)."""
    rows = (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
    return {row[9] for row in rows if row[3] == "0A" and int(row[1].split(":")[1], 16) == port}


def sockets_held_by(pid: int) -> Set[str]:
    """Inodes of the sockets among a process's open files (one closed meanwhile is skipped)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:[") : -1])
    return inodes


def test_each_worker_listens_on_a_socket_of_its_own(servers):
    # rasa_runtime/worker_sockets.py: the kernel, not the first worker awake, spreads connections.
    listening = listening_sockets(urlsplit(servers.rasa_url).port)
    workers = _tree(servers.rasa.process.pid)[1:]
    assert len(listening) == TEST_RASA_WORKERS
    assert [len(sockets_held_by(pid) & listening) for pid in workers] == [1] * TEST_RASA_WORKERS


def test_many_visitors_at_once_all_get_answers(servers):
    messages = [
        "what is micro-needling?",
        "how much downtime is there?",
        "when are you open?",
        "any events coming up?",
        "hello",
    ] * 4
    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda pair: servers.send(f"crowd-{pair[0] % 10}", pair[1]), enumerate(messages)))
    assert all(any(m.get("text") for m in reply) for reply in replies)


def test_one_visitors_quick_messages_are_taken_one_turn_at_a_time(servers):
    sender = "impatient-visitor"
    texts = [
        "hi",
        "what is micro-needling?",
        "does it hurt?",
        "how long is the downtime?",
        "where are you?",
        "what are your hours?",
    ]
    with ThreadPoolExecutor(len(texts)) as pool:  # all at once, reaching both workers
        replies = list(pool.map(lambda text: servers.send(sender, text), texts))
    assert all(any(m.get("text") for m in reply) for reply in replies)

    events = stored_events(servers.tracker_db, sender)
    users = [e for e in events if e["event"] == "user"]
    assert sorted(e["text"] for e in users) == sorted(texts)  # each message stored once
    # A turn ends with action_listen before the next message is taken: had two workers run
    # turns of this conversation at once, a message would follow another turn's message.
    last_step = None
    for event in events:
        if event["event"] == "user":
            assert last_step == "action_listen", f"{event['text']!r} was taken during another turn"
            last_step = "user"
        elif event["event"] == "action":
            last_step = event["name"]
