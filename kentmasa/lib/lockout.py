"""Count failures on a target (a client address, a tracking number) and lock or slow it down.

The counters live in the shared cache, so every web process sees them. They count in fixed windows (the
key names the window, e.g. this hour), so a count can never outlive its window or be cut short:
``cache.add`` starts it, ``cache.incr`` raises it (atomically on Redis and Memcached; the database cache
reads then writes, so failures in the same instant in different processes may count once, a slack
bounded by the number of web processes), and ``cache.touch`` keeps it to the end of its window — the
database cache's ``incr`` would otherwise reset its expiry to the default five minutes. A fixed window
lets at most twice the limit through around a window's edge; the limits are chosen with that in mind.
Success never resets anything, so a right answer from one person does not give another more tries.
"""

import hashlib
import time

from django.core.cache import cache


def _key(kind: str, scope: str, target: str) -> str:
    # Hashed: targets are user input, and cache keys must be short and free of odd characters.
    digest = hashlib.sha256(target.encode()).hexdigest()[:32]
    return f"kentmasa:lockout:{scope}:{kind}:{digest}"


def _now() -> float:
    return time.time()


def _window_key(scope: str, target: str, window_seconds: int) -> str:
    bucket = int(_now() // window_seconds)
    return _key(f"n{window_seconds}:{bucket}", scope, target)


def is_locked(scope: str, target: str) -> bool:
    return bool(cache.get(_key("lock", scope, target)))


def count(scope: str, target: str, *, window_seconds: int) -> int:
    """How many ``tally`` counted on ``target`` in the current window."""
    return int(cache.get(_window_key(scope, target, window_seconds)) or 0)


def tally(scope: str, target: str, *, window_seconds: int) -> int:
    """Count one more (a failure, a message sent) in the current window; returns the window's count so far."""
    counter = _window_key(scope, target, window_seconds)
    cache.add(counter, 0, timeout=window_seconds)
    try:
        value = cache.incr(counter)
    except ValueError:  # expired between add and incr
        cache.add(counter, 1, timeout=window_seconds)
        value = 1
    cache.touch(counter, window_seconds)
    return value


def record_failure(scope: str, target: str, *, limit: int, window_seconds: int, lock_seconds: int) -> bool:
    """Count one failure on ``target``; True if the target is now locked for ``lock_seconds``."""
    if tally(scope, target, window_seconds=window_seconds) >= limit:
        cache.add(_key("lock", scope, target), True, timeout=lock_seconds)
        cache.delete(_window_key(scope, target, window_seconds))
        return True
    return False


def take_turn(scope: str, target: str, *, every_seconds: int) -> bool:
    """True for the first caller in each ``every_seconds`` on ``target``; False while the turn is taken.

    A slow-down, not a lock: the target answers again after at most ``every_seconds``.
    """
    return cache.add(_key(f"turn{every_seconds}", scope, target), True, timeout=every_seconds)


_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_seconds(rate: str) -> int:
    """The period of a rate written the django-ratelimit way: "5/m" → 60, "600/h" → 3600, "100/2h" → 7200.

    Used to tell a refused client how long to wait (the Retry-After header, the 429 page). A rate that
    cannot be read counts as one minute rather than failing the refusal itself.
    """
    try:
        period = str(rate).split("/", 1)[1].strip()
        multiple = int(period[:-1] or 1)
        seconds = multiple * _PERIOD_SECONDS[period[-1]]
    except (IndexError, KeyError, ValueError):
        return 60
    return seconds if seconds > 0 else 60
