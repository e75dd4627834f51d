"""Per-process caches of configuration every intake reads and administrators seldom change: an
institution's closed days, a category with its service and unit, the current privacy notice.

Each entry lives ``KENTMASA_CONFIG_CACHE_SECONDS`` (default 30) and is dropped at once, in this process,
when a row of a model the cache depends on is saved or deleted (``invalidate_on``). Other processes (the
other web workers, the task worker) see the change when their entry expires, so an administrator's change
reaches every intake within that many seconds; a change made with ``QuerySet.update`` or ``bulk_create``
(which send no signals) also within that time. 0 turns the caches off.

Entries hold values, not rows to edit: a model instance is handed out as a deep copy (with the related rows
it carries), so a caller that sets an attribute on it does not change what the next request gets. A value
loaded while the cache was being cleared is handed out but not kept: it may be the old one.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_caches: list[ProcessCache] = []


def ttl() -> float:
    return float(getattr(settings, "KENTMASA_CONFIG_CACHE_SECONDS", 30))


class ProcessCache:
    def __init__(self, name: str):
        self.name = name
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._generation = 0  # moved by clear(): a load that started before it must not be kept
        self.loads = 0  # how many times a value was read from the database (for tests and benchmarks)
        _caches.append(self)

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        lifetime = ttl()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            cached: T = entry[1]
            return _handed_out(cached)
        generation = self._generation
        value = load()
        self.loads += 1
        if lifetime > 0:
            with self._lock:
                if generation == self._generation:
                    self._entries[key] = (now + lifetime, value)
        return _handed_out(value)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def _handed_out(value: T) -> T:
    return copy.deepcopy(value) if isinstance(value, models.Model) else value


def clear_all() -> None:
    """Forget every cached value of this process (a test's rolled-back rows, an administrator's change)."""
    for cache in _caches:
        cache.clear()


def _on_change(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # fixtures being loaded: cleared after them by the next change or the TTL
    clear_all()


def invalidate_on(*watched: type[models.Model]) -> None:
    """Clear the caches whenever a row of one of ``watched`` is saved or deleted in this process."""
    for model in watched:
        uid = f"kentmasa.lib.process_cache.{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + ".save", weak=False)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + ".delete", weak=False)
