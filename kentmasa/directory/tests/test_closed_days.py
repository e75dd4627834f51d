"""Esenler's calendar settings: administrative leave (its own and the Presidency's nationwide days), whether
its own standards count that leave, and when a deadline on an arife ends."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from kentmasa.deadlines import Duration, TimeUnit
from kentmasa.directory.models import ClosedDay, Service

pytestmark = pytest.mark.django_db

IST = dt.timezone(dt.timedelta(hours=3))
FOI = Duration(15, TimeUnit.BUSINESS_DAYS)
RECEIVED = dt.datetime(2026, 3, 18, 10, tzinfo=IST)
FRIDAY = dt.date(2026, 3, 27)


def test_an_institution_has_its_own_and_the_nationwide_closed_days_but_not_anothers(
    institution, other_institution
):
    ClosedDay.objects.create(institution=institution, date=FRIDAY, reason="Belediye idari izni")
    ClosedDay.objects.create(institution=None, date=dt.date(2026, 3, 30), reason="Cumhurbaşkanlığı genelgesi")
    ClosedDay.objects.create(institution=other_institution, date=dt.date(2026, 3, 31), reason="Kayseri")

    assert sorted(institution.closed_dates()) == [FRIDAY, dt.date(2026, 3, 30)]
    assert sorted(other_institution.closed_dates()) == [dt.date(2026, 3, 30), dt.date(2026, 3, 31)]
    calendar = institution.business_calendar()
    assert calendar.is_closed(FRIDAY) and calendar.is_closed(dt.date(2026, 3, 30))
    assert not calendar.is_closed(dt.date(2026, 3, 31))


def test_a_law_s_period_runs_through_the_leave_and_the_own_standard_skips_it(institution):
    ClosedDay.objects.create(institution=institution, date=FRIDAY)

    assert institution.business_calendar(statutory=True).due(RECEIVED, FOI) == dt.datetime(
        2026, 4, 9, 17, 30, tzinfo=IST
    )
    assert institution.business_calendar().due(RECEIVED, FOI) == dt.datetime(2026, 4, 10, 17, 30, tzinfo=IST)


def test_own_standards_count_the_leave_when_the_institution_or_the_service_says_so(institution, service):
    ClosedDay.objects.create(institution=institution, date=FRIDAY)
    law_day = dt.datetime(2026, 4, 9, 17, 30, tzinfo=IST)
    skipped_day = dt.datetime(2026, 4, 10, 17, 30, tzinfo=IST)

    assert service.counts_closed_days is None
    assert institution.business_calendar(service=service).due(RECEIVED, FOI) == skipped_day

    service.counts_closed_days = True
    assert institution.business_calendar(service=service).due(RECEIVED, FOI) == law_day

    institution.closed_days_count = True
    service.counts_closed_days = None
    assert institution.business_calendar(service=service).due(RECEIVED, FOI) == law_day
    service.counts_closed_days = False
    assert institution.business_calendar(service=service).due(RECEIVED, FOI) == skipped_day
    # A law's period counts the leave whatever the service says.
    assert institution.business_calendar(statutory=True, service=service).due(RECEIVED, FOI) == law_day


def test_the_arife_as_last_day_is_the_institution_s_setting(institution):
    one_day = Duration(1, TimeUnit.BUSINESS_DAYS)
    assert institution.half_day_deadline_early is True
    assert institution.business_calendar().due(RECEIVED, one_day) == dt.datetime(2026, 3, 19, 13, tzinfo=IST)

    institution.half_day_deadline_early = False
    institution.save()
    institution.refresh_from_db()

    assert institution.business_calendar().due(RECEIVED, one_day) == dt.datetime(
        2026, 3, 19, 17, 30, tzinfo=IST
    )


def test_a_day_is_closed_once_per_institution_and_once_nationwide(institution):
    ClosedDay.objects.create(institution=institution, date=FRIDAY)
    ClosedDay.objects.create(institution=None, date=FRIDAY)  # both may stand: the nationwide one is separate

    with pytest.raises(IntegrityError), transaction.atomic():
        ClosedDay.objects.create(institution=institution, date=FRIDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClosedDay.objects.create(institution=None, date=FRIDAY)
    assert ClosedDay.objects.count() == 2


def test_the_admin_lists_nationwide_and_institution_days_in_turkish(admin_client, institution):
    ClosedDay.objects.create(institution=None, date=dt.date(2024, 4, 8), reason="Ramazan Bayramı öncesi")
    ClosedDay.objects.create(institution=institution, date=FRIDAY, reason="Köprü günü")

    page = admin_client.get(reverse("admin:directory_closedday_changelist"), HTTP_ACCEPT_LANGUAGE="tr")

    assert page.status_code == 200
    assert "Ülke geneli" in page.text and "Esenler Belediyesi" in page.text
    assert "Ramazan Bayramı öncesi" in page.text and "Köprü günü" in page.text
    add = admin_client.get(reverse("admin:directory_closedday_add"), HTTP_ACCEPT_LANGUAGE="tr")
    assert (
        add.status_code == 200 and "Boş: Cumhurbaşkanlığınca ilan edilen ülke geneli idari izin." in add.text
    )


def test_the_admin_adds_a_nationwide_day_and_refuses_it_twice(admin_client):
    url = reverse("admin:directory_closedday_add")
    data = {"date": "2024-04-08", "reason": "Ramazan Bayramı öncesi idari izin"}

    first = admin_client.post(url, data, HTTP_ACCEPT_LANGUAGE="tr")
    again = admin_client.post(url, data, HTTP_ACCEPT_LANGUAGE="tr")

    assert first.status_code == 302, first.context["adminform"].form.errors
    assert again.status_code == 200
    assert ClosedDay.objects.filter(institution=None, date=dt.date(2024, 4, 8)).count() == 1


def test_the_institution_page_has_the_calendar_settings_and_its_closed_days(admin_client, institution):
    page = admin_client.get(
        reverse("admin:directory_institution_change", args=[institution.pk]), HTTP_ACCEPT_LANGUAGE="tr"
    )

    assert page.status_code == 200
    assert 'name="half_day_deadline_early"' in page.text and 'name="closed_days_count"' in page.text
    assert 'name="closed_days-0-date"' in page.text
    assert "Kanunla belirlenen süreler" in page.text


def test_the_service_page_offers_the_institution_s_setting_or_a_choice(admin_client, service):
    page = admin_client.get(
        reverse("admin:directory_service_change", args=[service.pk]), HTTP_ACCEPT_LANGUAGE="tr"
    )

    assert page.status_code == 200
    assert 'name="counts_closed_days"' in page.text
    assert "Kurumun ayarı geçerli" in page.text
    assert Service.objects.get(pk=service.pk).counts_closed_days is None
