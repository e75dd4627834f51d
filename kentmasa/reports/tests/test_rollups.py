"""The overview's rollups (kentmasa.reports.rollups) equal a full count of the cases after every change.

Two checks after each step: the rollup rows summed per (institution, unit, service, received day) against the
same figures counted from the cases with the ORM, and the overview's figures from the rollups against the
live count (``views._count_figures``) — now, and at a later moment when more cases have run late.
"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from kentmasa.cases import clock, services
from kentmasa.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case, Status
from kentmasa.directory.models import User
from kentmasa.escalation import services as escalation
from kentmasa.reports import rollups, views
from kentmasa.reports.models import CaseRollup, MapCell, PlaceRollup

OVERVIEW = "/raporlar/"
LATER = dt.timedelta(days=400)


def full_count() -> dict[tuple, tuple]:
    """Every figure per key, counted from the cases (the definitions of views.measures and overdue_q)."""
    late = Q(clock_stopped_at__isnull=True) & (
        Q(status__in=OPEN_STATUSES, overdue_since__isnull=False)
        | Q(status=Status.WAITING_CITIZEN, due_at__lt=F("paused_at"))
    )
    rows = (
        Case.objects.annotate(day=TruncDate("received_at"))
        .values("institution_id", "unit_id", "service_id", "day")
        .annotate(
            cases=Count("pk"),
            open=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
            late=Count("pk", filter=late),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            measured=Count("pk", filter=clock.measured_q()),
            within=Count("pk", filter=clock.within_q()),
        )
        .order_by()
    )
    return {
        (r["institution_id"], r["unit_id"], r["service_id"], r["day"]): tuple(
            r[f]  # type: ignore[literal-required]
            for f in rollups.FIGURES
        )
        for r in rows
    }


def rollup_count() -> dict[tuple, tuple]:
    sums = {f"n_{f}": Sum(f) for f in rollups.FIGURES}
    rows = (
        CaseRollup.objects.values("institution_id", "unit_id", "service_id", "day")
        .annotate(**sums)
        .order_by()
    )
    counted = {
        (r["institution_id"], r["unit_id"], r["service_id"], r["day"]): tuple(
            r[f"n_{f}"]  # type: ignore[literal-required]
            for f in rollups.FIGURES
        )
        for r in rows
    }
    return {key: value for key, value in counted.items() if any(value)}


def overview_figures(now: dt.datetime) -> tuple:
    cases = Case.objects.all()
    scope = Q()
    live = views._count_figures(cases.order_by(), cases.order_by(), now)
    rolled = views._rollup_figures(scope, cases.order_by(), cases.order_by(), None, None, now)
    return tuple((live[k], rolled[k]) for k in ("by_unit", "by_service", "totals"))


def assert_equal_to_full_count(step: str = "") -> None:
    assert rollup_count() == full_count(), step
    for now in (timezone.now(), timezone.now() + LATER):
        for live, rolled in overview_figures(now):
            assert rolled == live, step


@pytest.fixture
def administrator(make_user):
    return make_user(User.Role.ADMINISTRATOR, "yonetici")


@pytest.fixture
def park_manager(make_user, parks):
    return make_user(User.Role.UNIT_MANAGER, "park_muduru", units=[parks])


def test_a_mix_of_changes_keeps_the_rollups_equal_to_a_full_count(
    make_case, administrator, road_manager, road_staff, roads, parks, category
):
    yesterday = timezone.now() - dt.timedelta(days=1)
    cases = [
        make_case(subject=f"Çukur {i}", received_at=yesterday - dt.timedelta(hours=7 * i)) for i in range(6)
    ]
    old = make_case(subject="Eski çukur")  # received 18.03.2026: late by now
    unplaced = make_case(subject="Belli değil", category=None)
    assert_equal_to_full_count("intake")

    services.assign(cases[0], actor=road_manager, assignee=road_staff)
    services.transfer(cases[1], actor=administrator, unit=parks, note="Parkın içinde.")
    services.resolve(cases[2], actor=road_manager, resolution="Yapıldı.")  # within the standard
    services.resolve(old, actor=road_manager, resolution="Geç de olsa yapıldı.")  # after it
    services.ask_citizen(cases[3], actor=road_manager, question="Adres?")
    services.reject(cases[4], actor=road_manager, reason="Özel mülk.")
    services.redirect(cases[5], actor=administrator, to="Karayolları")
    services.transfer(unplaced, actor=administrator, unit=roads)
    assert_equal_to_full_count("work")

    services.reopen(Case.objects.get(pk=old.pk), actor=administrator, note="Yine çöktü.")
    services.merge(make_case(subject="Aynı çukur"), actor=administrator, into=cases[0])
    late = make_case(subject="Çok eski", received_at=timezone.now() - dt.timedelta(days=90))
    escalation.sweep()  # marks running late cases (overdue_since): a bulk update
    assert Case.objects.filter(pk=late.pk, overdue_since__isnull=False).exists()
    assert_equal_to_full_count("reopen, merge, sweep")

    done, refused = services.bulk_assign(
        [make_case(subject=f"Toplu {i}") for i in range(3)], actor=road_manager, assignee=road_staff
    )
    assert len(done) == 3 and not refused
    # A forwarding clock and raw bulk updates: whatever writes the row, the triggers follow.
    Case.objects.filter(pk=cases[0].pk).update(clock=clock.FORWARDING, clock_stopped_at=timezone.now())
    Case.objects.filter(unit=parks).update(unit=roads)
    Case.objects.filter(pk=cases[4].pk).delete()
    assert_equal_to_full_count("bulk")

    # compact() folds the cells' tables too (kentmasa.reports.cells): it returns every row it folded.
    before = CaseRollup.objects.count()
    cells_before = MapCell.objects.count() + PlaceRollup.objects.count()
    assert rollups.compact() == before + cells_before
    assert CaseRollup.objects.count() == len(full_count()) < before
    assert rollups.compact() == 0  # idempotent
    assert_equal_to_full_count("compacted")


def test_every_transition_moves_the_rollups_with_it(make_case, transitions):
    """Each transition of kentmasa.cases.transitions on a case, from a status it may leave: a domain function
    that changed a figure without the rollups following fails here."""
    target = make_case(subject="Birleştirilecek")
    run = transitions(target)
    for name, perform in run.items():
        for received in (
            timezone.now() - dt.timedelta(hours=2),
            dt.datetime.fromisoformat("2026-01-05T10:00+03:00"),
        ):
            perform(make_case(subject=name, received_at=received))
            assert_equal_to_full_count(name)


def test_rebuild_rollups_counts_everything_again(make_case, road_manager, institution, other_institution):
    services.resolve(make_case(), actor=road_manager, resolution="Yapıldı.")
    make_case(subject="Açık")
    expected = full_count()
    CaseRollup.objects.all().delete()
    CaseRollup.objects.create(institution=other_institution, day=dt.date(2026, 1, 1), cases=5, open=5)
    out = io.StringIO()
    call_command("rebuild_rollups", "--institution", institution.slug, stdout=out)
    assert "rollup rows written" in out.getvalue()
    assert rollup_count() == {
        **expected,
        (other_institution.pk, None, None, dt.date(2026, 1, 1)): (5, 5, 0, 0, 0, 0),
    }
    call_command("rebuild_rollups", stdout=out)
    assert rollup_count() == expected


def test_a_dropped_trigger_is_noticed(make_case):
    """The comparison can fail: without the triggers a new case is not counted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER reports_rollup_insert"
            + (" ON cases_case" if connection.vendor == "postgresql" else "")
        )
    assert not rollups.triggers_installed()
    make_case()
    assert rollup_count() != full_count()
    rollups.install()  # reinstalls, and rebuilds since they were missing
    assert rollups.triggers_installed()
    assert rollup_count() == full_count()


def test_the_overview_reads_the_rollups_in_each_scope(
    client, settings, make_case, administrator, park_manager, roads, parks
):
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 0
    make_case(subject="Yol")
    make_case(subject="Park", category=None, unit=parks)
    # A rollup row no case explains shows on the page: the page reads the rollups, not the cases.
    CaseRollup.objects.create(
        institution=parks.institution, unit=parks, day=dt.date(2026, 3, 18), cases=1, open=1
    )
    for user in (administrator, park_manager):
        client.force_login(user)
        by_unit = {row["unit_id"]: row for row in client.get(OVERVIEW).context["by_unit"]}
        assert by_unit[parks.pk]["open"] == 2
        assert (roads.pk in by_unit) == (user == administrator)
