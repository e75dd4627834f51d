"""The e-mail digest of new cases: who is due when, what it lists, sent once even with two workers, and no
notification row per case."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import Status
from kentmasa.directory.models import Unit, User
from kentmasa.notify import digest
from kentmasa.notify.models import Notification, StaffSettings
from kentmasa.notify.tests.fakes import mail_server

IST = ZoneInfo("Europe/Istanbul")
PUBLIC = "https://kentmasa.esenler.example"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.KENTMASA_PUBLIC_URL = PUBLIC
    settings.KENTMASA_DIGEST_HOUR = 8


@pytest.fixture
def smtp(settings):
    yield from mail_server(settings)


@pytest.fixture
def ayse(make_user, roads):
    user = make_user(User.Role.UNIT_STAFF, "ayse", units=[roads])
    user.email = "ayse@esenler.example"
    user.save()
    return user


def wants(user, kind, sent_at=None):
    return StaffSettings.objects.create(user=user, digest=kind, digest_sent_at=sent_at)


def test_who_is_due(ayse, road_manager, operator):
    road_manager.email = "mudur@esenler.example"
    road_manager.save()
    now = dt.datetime(2026, 3, 18, 9, 30, tzinfo=IST)
    hourly = wants(ayse, "hourly", sent_at=now - dt.timedelta(minutes=59))
    daily = wants(road_manager, "daily", sent_at=dt.datetime(2026, 3, 17, 8, 0, tzinfo=IST))
    wants(operator, "hourly")  # works no unit: never due
    assert list(digest.due(now)) == [daily]
    assert set(digest.due(now + dt.timedelta(minutes=1))) == {hourly, daily}
    # Before the daily hour only hourly digests go; once sent today, the daily one waits for tomorrow.
    early = dt.datetime(2026, 3, 18, 7, 59, tzinfo=IST)
    assert daily not in digest.due(early)
    daily.digest_sent_at = dt.datetime(2026, 3, 18, 8, 1, tzinfo=IST)
    daily.save()
    assert daily not in digest.due(now)
    assert daily in digest.due(dt.datetime(2026, 3, 19, 8, 0, tzinfo=IST))
    StaffSettings.objects.filter(pk=hourly.pk).update(digest="")
    assert hourly not in digest.due(now + dt.timedelta(hours=5))


def test_the_digest_lists_the_new_cases_that_entered_my_units(
    ayse, roads, parks, make_case, road_manager, smtp
):
    since = timezone.now() - dt.timedelta(hours=1)
    old = make_case(unit=roads, received_at=since - dt.timedelta(hours=3))
    fresh = make_case(unit=roads, received_at=since + dt.timedelta(minutes=10), subject="Yeni çukur")
    elsewhere = make_case(unit=parks, received_at=since + dt.timedelta(minutes=5), subject="Park bankı")
    started = make_case(unit=roads, received_at=since + dt.timedelta(minutes=20), subject="Başlanmış")
    services.assign(started, actor=road_manager, assignee=ayse)
    # An older case transferred into my unit after the last digest.
    moved = make_case(unit=parks, received_at=since - dt.timedelta(days=2), subject="Taşınan")
    services.transfer(moved, actor=None, unit=roads, note="Bizim işimiz")
    moved.refresh_from_db()
    assert moved.status == Status.NEW
    row = wants(ayse, "hourly", sent_at=since)
    assert digest.send_digests.call() == 1
    [mail] = smtp.mails
    assert smtp.recipients == [["ayse@esenler.example"]]
    assert mail["Subject"] == "kentmasa: Birimlerinizde 2 yeni başvuru"
    text = mail.get_body(("plain",)).get_content()
    assert "Yeni çukur" in text and "Taşınan" in text
    assert "Park bankı" not in text and "Başlanmış" not in text
    assert old.tracking_display not in text and elsewhere.tracking_display not in text
    assert f"{PUBLIC}/vaka/{fresh.tracking_number}/" in text
    html = mail.get_body(("html",)).get_content()
    assert f'href="{PUBLIC}/vaka/{fresh.tracking_number}/"' in html
    row.refresh_from_db()
    assert row.digest_sent_at > since
    assert Notification.objects.count() == 0  # no notification row per case
    assert digest.send_digests.call() == 0  # not due again for an hour
    assert len(smtp.mails) == 1


def test_at_most_fifty_listed_with_the_total(ayse, roads, make_case, smtp):

    since = timezone.now() - dt.timedelta(hours=1)
    first = make_case(unit=roads, received_at=since + dt.timedelta(minutes=1))
    for n in range(digest.LISTED + 2):
        make_case(unit=roads, received_at=since + dt.timedelta(minutes=2, seconds=n))
    wants(ayse, "hourly", sent_at=since)
    assert digest.send_digests.call() == 1
    [mail] = smtp.mails
    assert mail["Subject"] == f"kentmasa: Birimlerinizde {digest.LISTED + 3} yeni başvuru"
    text = mail.get_body(("plain",)).get_content()
    assert text.count(f"{PUBLIC}/vaka/") == digest.LISTED
    assert "…ve 3 başvuru daha." in text
    assert first.tracking_display not in text  # the oldest are the ones left out


def test_nothing_new_sends_nothing_but_moves_on(ayse, smtp, settings):
    settings.KENTMASA_DIGEST_HOUR = 0  # a daily digest is due whatever time of day the test runs
    row = wants(ayse, "daily")
    assert digest.send_digests.call() == 0
    assert smtp.mails == []
    row.refresh_from_db()
    assert row.digest_sent_at is not None


def test_two_workers_send_one_digest(ayse, roads, make_case, smtp):
    since = timezone.now() - dt.timedelta(hours=2)
    make_case(unit=roads, received_at=since + dt.timedelta(minutes=1))
    wants(ayse, "hourly", sent_at=since)
    now = timezone.now()
    # Both read the same row before either claims it.
    first, second = list(digest.due(now)), list(digest.due(now))
    assert digest.send_one(first[0], now) is True
    assert digest.send_one(second[0], now) is False
    assert len(smtp.mails) == 1


def test_a_mail_server_that_is_down_gives_the_claim_back(ayse, roads, make_case, settings):
    from kentmasa.notify.tests.fakes import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    since = timezone.now() - dt.timedelta(hours=2)
    make_case(unit=roads, received_at=since + dt.timedelta(minutes=1))
    row = wants(ayse, "hourly", sent_at=since)
    assert digest.send_digests.call() == 0
    row.refresh_from_db()
    assert row.digest_sent_at == since  # due again on the next run


def test_a_manager_gets_the_units_below(road_manager, roads, make_case, smtp):
    road_manager.email = "mudur@esenler.example"
    road_manager.save()
    below = Unit.objects.create(institution=roads.institution, parent=roads, name="Asfalt Şefliği")
    since = timezone.now() - dt.timedelta(hours=2)
    make_case(unit=below, received_at=since + dt.timedelta(minutes=1), subject="Alt birimde")
    wants(road_manager, "hourly", sent_at=since)
    assert digest.send_digests.call() == 1
    assert "Alt birimde" in smtp.mails[0].get_body(("plain",)).get_content()


def test_the_periodic_task_is_registered(settings):
    assert "kentmasa.notify.digest.send_digests" in settings.KENTMASA_PERIODIC_TASKS


def test_a_kades_case_is_listed_without_its_words(ayse, roads, make_case, smtp):
    since = timezone.now() - dt.timedelta(hours=1)
    kades = make_case(
        unit=roads,
        channel="kades",
        subject="Eşim beni tehdit ediyor",
        received_at=since + dt.timedelta(minutes=5),
    )
    wants(ayse, "hourly", sent_at=since)
    assert digest.send_digests.call() == 1
    [mail] = smtp.mails
    for body in (mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()):
        assert kades.tracking_display in body and "KADES" in body
        assert "tehdit" not in body
