"""Lock a target (a tracking number, say) after too many failed attempts on it, whoever makes them.

Per-address rate limits do not stop guessing spread over many addresses; counting the failures per target
does. The counter lives in the shared cache, so every web process sees it: ``cache.add`` starts it only if
absent (never resetting a running count) and ``cache.incr`` raises it, atomically on caches that support it
(Redis, Memcached); the database cache's incr reads then writes, so failures arriving in the same instant in
different processes may count once, a slack bounded by the number of web processes. When the limit is
reached a separate lock key is set for ``lock_seconds``. Success never resets anything, so a right answer
from one person does not give another more tries.
"""

import hashlib

from django.core.cache import cache


def _key(kind: str, scope: str, target: str) -> str:
    # Hashed: targets are user input, and cache keys must be short and free of odd characters.
    digest = hashlib.sha256(target.encode()).hexdigest()[:32]
    return f"kentmasa:lockout:{scope}:{kind}:{digest}"


def is_locked(scope: str, target: str) -> bool:
    return bool(cache.get(_key("lock", scope, target)))


def record_failure(scope: str, target: str, *, limit: int, window_seconds: int, lock_seconds: int) -> bool:
    """Count one failure on ``target``; True if the target is now locked."""
    counter = _key("count", scope, target)
    cache.add(counter, 0, timeout=window_seconds)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add and incr: this failure starts a new window
        cache.add(counter, 1, timeout=window_seconds)
        count = 1
    if count >= limit:
        cache.add(_key("lock", scope, target), True, timeout=lock_seconds)
        cache.delete(counter)
        return True
    return False
