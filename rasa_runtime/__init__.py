"""The project's entry point for the Rasa server: Rasa 3.6.21's own CLI with three fixes.

    python -m rasa_runtime run --model models/clinic.tar.gz ...   (what `make run` starts)

1. Action-server responses are validated against Rasa's own JSON schema with a validator
   compiled once. Rasa 3.6 calls ``jsonschema.validate`` for every custom action, which
   re-checks the (large) schema itself each time: about 19 ms of CPU per custom action on
   this machine, more than everything else in a turn together. Same schema, same errors.
2. SQLite databases opened by the Rasa server (the default tracker store) use WAL and
   ``synchronous=NORMAL``, and keep a small pool of connections: a turn's write no longer
   waits for a full fsync nor opens a new connection, and readers (the staff console) never
   block the writer. Durable across process crashes; a power loss can lose the last
   moments of conversation, as with any WAL+NORMAL SQLite.
3. With several workers (``SANIC_WORKERS``), each worker listens on a socket of its own
   (``SO_REUSEPORT``, ``worker_sockets.py``) instead of all sharing the one Sanic binds: the
   kernel spreads new connections between them, where before a burst of kept-alive
   connections could all land on one worker and stay there, halving throughput.

And what it does when a service it depends on fails (the action server, the lock store, the
tracker store) and how large a request may be: ``rasa_runtime/resilience.py``. Lock stores
shared between processes: ``sqlite_lock_store`` (one machine), ``redis_lock_store`` (replicas).

Plain ``rasa run`` still works; it is just slower (README "Benchmarks").
"""
