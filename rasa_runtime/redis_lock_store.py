"""A Rasa lock store in Redis with the SQLite lock store's guarantees, for Rasa replicas on
several machines.

    # endpoints.yml (deploy/endpoints.scaled.yml)
    lock_store:
      type: rasa_runtime.redis_lock_store.RedisLockStore
      url: ${REDIS_URL}            # redis://[:password@]host:6379/0; rediss:// for TLS
      key_prefix: clinic           # optional: several assistants on one Redis

Rasa Open Source's own RedisLockStore reads a conversation's ticket lock, changes it in
Python and writes it back in separate steps, so two replicas issuing tickets at the same
moment can both get the same ticket number and run the same conversation at once
(RasaHQ/rasa#9213; the fix is Rasa Pro only). Here every change of a lock is one Lua script
that Redis runs atomically: one to issue a ticket, one to return a ticket (and drop expired
ones; the lock key is deleted once it is empty). The lock is kept in Rasa's own format, so
``get_lock`` and Rasa's waiting loop work unchanged.

Tickets expire after Rasa's lock lifetime (TICKET_LOCK_LIFETIME, 60 s): a replica that dies
mid-turn holds its conversation for at most that long, and the key itself expires with its
last ticket. Expiry times are the replicas' clocks, as in Rasa: keep them in sync (NTP).

Platform delivery ids (``first_delivery``/``forget_delivery``, used by channels/base.py) are
``SET NX`` keys that expire after a day: a redelivered webhook is answered once, whichever
replica it reaches.

When Redis cannot be reached, every operation raises Rasa's ``LockError`` within a couple of
seconds and logs one clear line naming the server: no turn runs without its lock.
"""

from __future__ import annotations

import json
import logging
import time
from typing import AsyncContextManager, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_URL = "redis://127.0.0.1:6379/0"
WAIT_BETWEEN_ATTEMPTS_S = 0.05
DELIVERY_MEMORY_S = 24 * 3600  # as the SQLite store: platforms redeliver within minutes
SOCKET_TIMEOUT_S = 2.0
# A lock key outlives its newest ticket by this much, then Redis removes it by itself.
KEY_MARGIN_MS = 5_000

# Both scripts keep Rasa's format: {"conversation_id": ..., "tickets": ["{\"number\": n, \"expires\": t}", ...]}.
# A ticket is kept while now <= expires, as Rasa's Ticket.has_expired (time.time() > expires) says.
_KEEP_UNEXPIRED = """
local function unexpired(raw, now)
  local kept, newest = {}, nil
  if raw then
    for _, encoded in ipairs(cjson.decode(raw).tickets or {}) do
      local ticket = cjson.decode(encoded)
      if ticket.expires >= now then
        table.insert(kept, {encoded = encoded, number = ticket.number, expires = ticket.expires})
      end
    end
  end
  return kept
end

local function store(key, conversation_id, kept, now)
  if #kept == 0 then
    redis.call('DEL', key)
    return
  end
  local encoded, latest = {}, now
  for i, ticket in ipairs(kept) do
    encoded[i] = ticket.encoded
    if ticket.expires > latest then latest = ticket.expires end
  end
  local ttl = math.ceil((latest - now) * 1000) + tonumber(ARGV[#ARGV])
  redis.call('SET', key, cjson.encode({conversation_id = conversation_id, tickets = encoded}), 'PX', ttl)
end
"""

# KEYS[1]: the lock; ARGV: conversation id, now, lifetime, key margin (ms). Returns the new ticket's number.
ISSUE_TICKET = (
    _KEEP_UNEXPIRED
    + """
local now, lifetime = tonumber(ARGV[2]), tonumber(ARGV[3])
local kept = unexpired(redis.call('GET', KEYS[1]), now)
local number = 0
if #kept > 0 then number = kept[#kept].number + 1 end
local expires = now + lifetime
table.insert(kept, {
  encoded = cjson.encode({number = number, expires = expires}), number = number, expires = expires
})
store(KEYS[1], ARGV[1], kept, now)
return number
"""
)

# KEYS[1]: the lock; ARGV: conversation id, now, ticket number to return ("" for none), key margin (ms).
# Returns the number of tickets left.
RETURN_TICKET = (
    _KEEP_UNEXPIRED
    + """
local now, returned = tonumber(ARGV[2]), tonumber(ARGV[3])
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local kept = {}
for _, ticket in ipairs(unexpired(raw, now)) do
  if ticket.number ~= returned then table.insert(kept, ticket) end
end
store(KEYS[1], ARGV[1], kept, now)
return #kept
"""
)


class RedisLockStore(LockStore):
    """Ticket locks (and delivery ids) shared by Rasa replicas through one Redis."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        url: Optional[Text] = None,
        key_prefix: Optional[Text] = None,
    ) -> None:
        import redis

        kwargs = endpoint_config.kwargs if endpoint_config else {}
        configured = url or (endpoint_config.url if endpoint_config else None) or DEFAULT_URL
        if not isinstance(configured, str) or not configured.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"lock_store.url must be a redis:// URL, not {configured!r}")
        prefix = key_prefix if key_prefix is not None else kwargs.get("key_prefix", "")
        if not isinstance(prefix, str) or (prefix and not prefix.replace("_", "").replace("-", "").isalnum()):
            raise ValueError(f"lock_store.key_prefix must be letters, digits, '-' or '_', not {prefix!r}")
        self.prefix = f"{prefix}:" if prefix else ""
        self.redis = redis.Redis.from_url(
            configured,
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=SOCKET_TIMEOUT_S,
            health_check_interval=30,
        )
        self.where = self._describe(configured)
        self._issue = self.redis.register_script(ISSUE_TICKET)
        self._return = self.redis.register_script(RETURN_TICKET)
        self._errors = redis.RedisError
        self._call(self.redis.ping)  # an unreachable Redis fails at start-up, not at the first message

    @staticmethod
    def _describe(url: str) -> str:
        """The server, for logs: the URL without its password."""
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        host = parts.hostname or parts.path
        return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path if parts.hostname else ''}"

    def _call(self, operation, *args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except self._errors as error:
            logger.error("The Redis lock store at %s failed: %s: %s", self.where, error.__class__.__name__, error)
            raise LockError(
                f"The Redis lock store at {self.where} failed: {error.__class__.__name__}: {error}"
            ) from error

    def _key(self, conversation_id: Text) -> str:
        return f"{self.prefix}lock:{conversation_id}"

    # -- Rasa's LockStore interface ----------------------------------------------------------

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        raw = self._call(self.redis.get, self._key(conversation_id))
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    def delete_lock(self, conversation_id: Text) -> None:
        deleted = self._call(self.redis.delete, self._key(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        # Only for callers outside this class; Rasa's own steps use the scripts below.
        if lock.tickets:
            ttl_ms = int(max(t.expires for t in lock.tickets) - time.time()) * 1000 + KEY_MARGIN_MS
            self._call(self.redis.set, self._key(lock.conversation_id), lock.dumps(), px=max(ttl_ms, KEY_MARGIN_MS))
        else:
            self._call(self.redis.delete, self._key(lock.conversation_id))

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        args = [conversation_id, repr(time.time()), repr(float(lock_lifetime)), KEY_MARGIN_MS]
        return int(self._call(self._issue, keys=[self._key(conversation_id)], args=args))

    def _return_ticket(self, conversation_id: Text, ticket_number: Optional[int]) -> None:
        returned = "" if ticket_number is None else str(int(ticket_number))
        args = [conversation_id, repr(time.time()), returned, KEY_MARGIN_MS]
        self._call(self._return, keys=[self._key(conversation_id)], args=args)

    def update_lock(self, conversation_id: Text) -> None:
        self._return_ticket(conversation_id, None)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._return_ticket(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # One script: returning the ticket and deleting the empty lock cannot race with
        # another replica issuing the next ticket. The turn is done by now: if Redis went away
        # meanwhile, the ticket expires by itself and the turn is not reported as failed.
        try:
            self.finish_serving(conversation_id, ticket_number)
        except LockError:
            logger.warning("ticket %s of a conversation is left to expire", ticket_number)

    def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_BETWEEN_ATTEMPTS_S,
    ) -> AsyncContextManager[TicketLock]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    # -- webhook deliveries --------------------------------------------------------------------

    def first_delivery(self, key: Text, now: Optional[float] = None) -> bool:
        """Record a platform's delivery id; True the first time any replica sees it.

        ``now`` is accepted for the SQLite store's interface; Redis expires ids by itself.
        """
        return bool(self._call(self.redis.set, f"{self.prefix}delivery:{key}", 1, nx=True, ex=DELIVERY_MEMORY_S))

    def forget_delivery(self, key: Text) -> None:
        """Give a delivery id back: its message never reached the assistant, so the platform's retry must be handled."""
        self._call(self.redis.delete, f"{self.prefix}delivery:{key}")

    def delivery_ids(self) -> list:
        """The delivery ids remembered now (for operators and tests)."""
        pattern = f"{self.prefix}delivery:*"
        start = len(self.prefix) + len("delivery:")
        return sorted(key.decode()[start:] for key in self._call(lambda: list(self.redis.scan_iter(pattern))))
