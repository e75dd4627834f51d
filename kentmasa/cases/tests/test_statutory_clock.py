"""A case under a law runs on the law's calendar. Esenler closes its office on Friday 27 March 2026
(administrative leave). Ayşe's information request (Law 4982 m.11: 15 iş günü) and Hasan's petition
(Law 3071 m.7) count that Friday as a working day; Mehmet's pothole report runs on the roads service's own
standard, which skips it unless the institution or the service says otherwise."""

import datetime as dt

import pytest

from kentmasa.cases import clock, services
from kentmasa.cases.models import Kind
from kentmasa.deadlines import TimeUnit
from kentmasa.directory.models import ClosedDay

pytestmark = pytest.mark.django_db

IST = dt.timezone(dt.timedelta(hours=3))
LAW_DUE = dt.datetime(2026, 4, 9, 17, 30, tzinfo=IST)
OWN_DUE = dt.datetime(2026, 4, 10, 17, 30, tzinfo=IST)


@pytest.fixture
def leave(institution):
    return ClosedDay.objects.create(institution=institution, date=dt.date(2026, 3, 27), reason="İdari izin")


def test_an_information_request_runs_through_administrative_leave(make_case, leave):
    request = make_case(kind=Kind.INFORMATION_REQUEST, subject="İhale kararlarının örneği")
    pothole = make_case(kind=Kind.REQUEST)

    assert clock.is_statutory(request) and not clock.is_statutory(pothole)
    assert request.due_at == LAW_DUE
    assert pothole.due_at == OWN_DUE  # one day later: the own standard skips the Friday


def test_a_petition_is_a_law_s_period_and_a_complaint_is_the_standard_s(make_case, leave):
    assert make_case(kind=Kind.PETITION).due_at == LAW_DUE
    assert make_case(kind=Kind.COMPLAINT).due_at == OWN_DUE


def test_nationwide_leave_counts_the_same_way(make_case):
    ClosedDay.objects.create(institution=None, date=dt.date(2026, 3, 27), reason="Cumhurbaşkanlığı genelgesi")

    assert make_case(kind=Kind.INFORMATION_REQUEST).due_at == LAW_DUE
    assert make_case().due_at == OWN_DUE


def test_the_service_may_count_the_leave_for_its_own_standard(make_case, leave, service):
    service.counts_closed_days = True
    service.save()

    assert make_case().due_at == LAW_DUE


def test_a_resumed_information_request_moves_by_the_law_s_working_time(make_case, leave, road_staff):
    # The unit asks Ayşe on Thursday 26 March at 17:30; she answers on Monday 30 March at 08:30. The law's
    # clock was running on the Friday of leave, so the pause gives back that whole day; the own standard's
    # pothole gets nothing back for it.
    request = make_case(kind=Kind.INFORMATION_REQUEST)
    pothole = make_case()
    stop = dt.datetime(2026, 3, 26, 17, 30, tzinfo=IST)
    answered = dt.datetime(2026, 3, 30, 8, 30, tzinfo=IST)

    for case in (request, pothole):
        services.ask_citizen(case, actor=road_staff, question="Hangi yılın kararları?", now=stop)
        services.citizen_answered(case, actor=None, answer="2025", now=answered)
        case.refresh_from_db()

    assert request.due_at == OWN_DUE
    assert pothole.due_at == OWN_DUE


def test_remaining_counts_the_leave_only_on_the_law_s_clock(make_case, leave):
    request = make_case(kind=Kind.INFORMATION_REQUEST)
    pothole = make_case()
    thursday = dt.datetime(2026, 3, 26, 9, tzinfo=IST)

    left_law = clock.remaining(request, now=thursday)
    left_own = clock.remaining(pothole, now=thursday)

    # 27 Mar .. 9 Apr on the law's clock: 27, 30, 31, 1, 2, 3, 6, 7, 8, 9 = 10 working days.
    assert (left_law.amount, left_law.unit) == (10, TimeUnit.BUSINESS_DAYS)
    # 30 Mar .. 10 Apr without the Friday of leave: 10 working days too, a day further on.
    assert (left_own.amount, left_own.unit) == (10, TimeUnit.BUSINESS_DAYS)
    # One base calendar for the institution serves both (the queue's cache): the case picks its clock.
    base = request.institution.business_calendar()
    assert clock.remaining(request, now=thursday, calendar=base) == left_law
    assert (
        clock.calendar_for(request, base=base).statutory
        and not clock.calendar_for(pothole, base=base).statutory
    )


def test_the_standard_due_of_a_kind_follows_its_calendar(institution, category, leave):
    received = dt.datetime(2026, 3, 18, 10, tzinfo=IST)

    assert (
        services.standard_due(
            institution=institution, category=category, received_at=received, kind=Kind.INFORMATION_REQUEST
        )
        == LAW_DUE
    )
    assert services.standard_due(institution=institution, category=category, received_at=received) == OWN_DUE
