"""A Redis lock store for several Rasa instances whose every change is one atomic Redis step.

Rasa 3.6's `RedisLockStore` keeps a conversation's ticket queue as one JSON value and changes
it by read, modify, write (`LockStore.issue_ticket`: get, append, set). Two instances that take
a ticket for the same conversation at the same moment both read the same queue, both append
ticket N+1 and both write: they hold the same ticket and process two messages of one
conversation side by side (RasaHQ/rasa#9213). Removing a ticket and deleting an idle lock race
the same way (a ticket issued in between is lost, and its holder fails with `LockError`).

Here each conversation has a counter (INCR hands out unique numbers), a sorted set of waiting
ticket numbers and a hash of their expiry times, and every change (issue, drop expired, finish,
delete when idle) is one Lua script, which Redis runs without interleaving. Expiry uses Redis's
clock, so instances on different hosts agree. Configured in endpoints.yml:

    lock_store:
      type: sto_assistent.lock_store.AtomicRedisLockStore
      url: redis://127.0.0.1:6379/0     # any redis:// or rediss:// URL
      key_prefix: sto                   # optional
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "sto-lock"
# Redis calls are synchronous (Rasa's lock store interface): keep a stalled Redis short. With
# Redis down a turn fails fast and the user is told to send the message again.
SOCKET_TIMEOUT_SECONDS = 1

# Shared by the scripts: Redis time in seconds, and dropping the tickets that have expired.
# KEYS[1] counter, KEYS[2] queue (sorted set: number -> number), KEYS[3] expiry (hash: number -> time)
_PURGE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local expiries = redis.call('HGETALL', KEYS[3])
for i = 1, #expiries, 2 do
  if tonumber(expiries[i + 1]) < now then
    redis.call('ZREM', KEYS[2], expiries[i])
    redis.call('HDEL', KEYS[3], expiries[i])
  end
end
"""

# ARGV[1] lifetime in seconds. Returns the new ticket's number.
_ISSUE = (
    _PURGE
    + """
local number = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], number, number)
redis.call('HSET', KEYS[3], number, tostring(now + tonumber(ARGV[1])))
-- An idle conversation's keys disappear by themselves once its last ticket has expired.
local ttl = math.ceil(tonumber(ARGV[1])) + 60
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
return number
"""
)

# Returns the live tickets in queue order: number, expiry, number, expiry, ...
_READ = (
    _PURGE
    + """
local numbers = redis.call('ZRANGE', KEYS[2], 0, -1)
local out = {}
for _, number in ipairs(numbers) do
  table.insert(out, number)
  table.insert(out, redis.call('HGET', KEYS[3], number))
end
return out
"""
)

# ARGV[1] the finished ticket's number. Deletes the lock when nobody waits any more.
_FINISH = (
    _PURGE
    + """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return 1
end
return 0
"""
)


class AtomicRedisLockStore(LockStore):  # type: ignore[misc]  # Rasa ships no type information
    """Rasa's ticket lock in Redis, with every read-modify-write done inside Redis."""

    def __init__(
        self,
        endpoint_config: Any = None,
        url: str | None = None,
        key_prefix: str | None = None,
        socket_timeout: float = SOCKET_TIMEOUT_SECONDS,
    ) -> None:
        """`endpoint_config` is how Rasa builds a custom lock store; `url` is for direct use."""
        kwargs = dict(getattr(endpoint_config, "kwargs", None) or {})
        url = url or getattr(endpoint_config, "url", None)
        if not url:
            raise ValueError("AtomicRedisLockStore needs a Redis URL (lock_store: url: redis://host:6379/0)")
        self.key_prefix = str(key_prefix or kwargs.get("key_prefix") or DEFAULT_KEY_PREFIX)
        timeout = float(kwargs.get("socket_timeout") or socket_timeout)
        self.red = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._issue = self.red.register_script(_ISSUE)
        self._read = self.red.register_script(_READ)
        self._finish = self.red.register_script(_FINISH)
        super().__init__()

    def _keys(self, conversation_id: str) -> list[str]:
        base = f"{self.key_prefix}:{conversation_id}"
        return [f"{base}:counter", f"{base}:queue", f"{base}:expires"]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(self._issue(keys=self._keys(conversation_id), args=[float(lock_lifetime)]))
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        flat = self._read(keys=self._keys(conversation_id))
        if not flat:
            return None
        tickets = deque(Ticket(int(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2))
        return TicketLock(conversation_id, tickets)

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (reading the lock does that atomically)."""
        self._read(keys=self._keys(conversation_id))

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._finish(keys=self._keys(conversation_id), args=[int(ticket_number)])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock with it if nobody waits: one step, so a ticket
        issued meanwhile by another instance is never deleted."""
        deleted = self._finish(keys=self._keys(conversation_id), args=[int(ticket_number)])
        self._log_deletion(conversation_id, bool(deleted))

    def delete_lock(self, conversation_id: str) -> None:
        deleted = self.red.delete(*self._keys(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        """Not used: a whole-lock write is exactly the race this class removes."""
        raise NotImplementedError("AtomicRedisLockStore changes tickets one at a time; there is no save_lock")
