"""The set-up every intake reads is kept per process (kentmasa.lib.process_cache) and must never be stale
after an administrator's change in this process: saving or deleting a row clears it at once. A change
that sends no signal (QuerySet.update) is seen once the entry's time is up; 0 seconds turns caching off."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kentmasa.directory import cached
from kentmasa.directory.models import Category, ClosedDay
from kentmasa.lib import process_cache
from kentmasa.privacy.models import ChannelGroup, Notice
from kentmasa.privacy.notices import current_notice

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 18)


def queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def test_closed_days_are_read_once_and_a_new_one_is_seen_at_once(institution):
    assert institution.closed_dates() == []
    assert queries(institution.closed_dates) == 0  # cached
    ClosedDay.objects.create(institution=institution, date=DAY)
    assert institution.closed_dates() == [DAY]
    ClosedDay.objects.filter(date=DAY).delete()  # a queryset's delete sends the signal for each row
    assert institution.closed_dates() == []


def test_a_category_saved_or_moved_is_seen_at_once(category, parks):
    assert cached.category(category.pk).unit == category.unit
    assert queries(lambda: cached.category(category.pk)) == 0
    category.unit = parks
    category.save()
    assert cached.category(category.pk).unit == parks
    category.delete()
    assert cached.category(category.pk) is None


def test_what_is_handed_out_is_a_copy(category):
    got = cached.category(category.pk)
    got.name = "değişti"
    assert cached.category(category.pk).name == category.name


def test_a_new_notice_version_is_given_from_the_next_case_on(institution):
    current_notice(institution.pk, ChannelGroup.DEFAULT)  # writes the built-in text as version 1
    first = current_notice(institution.pk, ChannelGroup.DEFAULT)
    assert queries(lambda: current_notice(institution.pk, ChannelGroup.DEFAULT)) == 0
    newer = Notice.objects.create(
        institution=institution, channel_group=ChannelGroup.DEFAULT, title="Aydınlatma", text="Yeni metin"
    )
    assert newer.version > first.version
    assert current_notice(institution.pk, ChannelGroup.DEFAULT).pk == newer.pk


def test_a_change_without_a_signal_is_seen_when_the_entry_expires(category, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(process_cache.time, "monotonic", lambda: now[0])
    assert cached.category(category.pk).active
    Category.objects.filter(pk=category.pk).update(active=False)  # no signal: another process's view
    now[0] += process_cache.ttl() - 1
    assert cached.category(category.pk).active  # still within its time
    now[0] += 2
    assert not cached.category(category.pk).active


def test_zero_seconds_turns_the_cache_off(category, settings):
    settings.KENTMASA_CONFIG_CACHE_SECONDS = 0
    cached.category(category.pk)
    assert queries(lambda: cached.category(category.pk)) == 1


def test_related_rows_handed_out_are_copies_too(category):
    got = cached.category(category.pk)
    got.service.name = "değişti"
    assert cached.category(category.pk).service.name == category.service.name


def test_a_value_loaded_while_the_cache_was_cleared_is_not_kept():
    """An administrator's save clears the cache while another thread is still reading the old value: that
    value is handed to its caller once, never kept for the next ones."""
    cache = process_cache.ProcessCache("test-race")

    def load_during_a_save():
        cache.clear()  # the save's signal, arriving while the load is under way
        return "old"

    assert cache.get("key", load_during_a_save) == "old"
    assert cache.get("key", lambda: "new") == "new"
