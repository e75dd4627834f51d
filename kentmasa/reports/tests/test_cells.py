"""The map's whole-city cells, the mahalle layer and the wall screens from rollups (kentmasa.reports.cells)
give what counting the cases gives, after every kind of change, before and after compaction, on SQLite and
PostgreSQL.

After each step: the cells' answer (``cells.clusters``) against the live clustering (``maps.clusters``) for
every band's zooms, several filters and users of each scope; the mahalle layer's rows from the place
rollups against the live grouped count; the wall screen's figures against the live count the board made
before (kept here as the reference); and the tables themselves against a rebuild from the cases. Each at
now and at a later moment, when more cases have run late (the live part of "overdue").
"""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.http import QueryDict
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case, Channel
from kentmasa.cases.views.queue import overdue_q
from kentmasa.directory.models import User
from kentmasa.escalation import services as escalation
from kentmasa.reports import cells, maps, neighbourhoods, rollups, wallboard
from kentmasa.reports.models import CellFill, MapCell, PlaceRollup
from kentmasa.reports.tests.conftest import (
    BAHCELIEVLER_YUREGIR,
    SARIYAKUP,
    TURKOCAGI,
    ULUCAMII,
    nudge,
    place,
)

POINTS = "/raporlar/harita/noktalar"
AREAS = "/raporlar/harita/mahalleler"
ADANA = maps.BBox(34.6, 36.5, 36.5, 38.5)
OLD_TOWN = maps.BBox(35.325, 36.978, 35.337, 36.988)
LATER = dt.timedelta(days=400)
# Each band at its own zoom and summed from a finer one (6: band 7's cells in 2 × 2; 14: band 16's in 4 × 4).
ZOOMS = (6, 10, 13, 14, 15, 16)


@pytest.fixture
def unit_manager(make_user, roads):
    return make_user(User.Role.UNIT_MANAGER, "yol_muduru", units=[roads])


@pytest.fixture
def superuser(make_user):
    user = make_user(User.Role.ADMINISTRATOR, "kok")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


def live_board(institution_id: int, unit_ids: list[int] | None, now: dt.datetime) -> dict[str, Any]:
    """The wall screen's figures counted from the cases, as wallboard.count_figures did before the rollups."""
    today = wallboard.day_start(now)
    active = Q(status__in=ACTIVE_STATUSES)
    measures = {
        "open": Count("pk", filter=active),
        "overdue": Count("pk", filter=overdue_q(now)),
        "today": Count("pk", filter=Q(received_at__gte=today)),
    }
    cases = wallboard.board_cases(institution_id, unit_ids).filter(active | Q(received_at__gte=today))
    totals = cases.aggregate(**measures, oldest=Min("received_at", filter=Q(status__in=OPEN_STATUSES)))
    figures: dict[str, Any] = {**totals, "units": None}
    if unit_ids is None or len(unit_ids) > 1:
        rows = (
            cases.values("unit_id", "unit__name")
            .annotate(**measures)
            .order_by("-overdue", "-open", "unit__name")[: wallboard.UNIT_ROWS]
        )
        figures["units"] = [
            {"name": row["unit__name"], "open": row["open"], "overdue": row["overdue"], "today": row["today"]}
            for row in rows
        ]
    return figures


def form_for(user: User, **filters: Any) -> maps.MapFilterForm:
    data = QueryDict(mutable=True)
    data.update({k: str(v) for k, v in filters.items()})
    return maps.MapFilterForm(data or None, user=user)


def table_sums() -> tuple[dict, dict]:
    """Both tables summed per key, keys that sum to nothing left out."""
    sums = []
    for model, keys, figures in (
        (MapCell, cells.CELL_KEYS, cells.CELL_FIGURES),
        (PlaceRollup, cells.PLACE_KEYS, cells.PLACE_FIGURES),
    ):
        rows = model.objects.values(*keys).annotate(**{f"n_{f}": Sum(f) for f in figures}).order_by()
        sums.append(
            {
                tuple(row[k] for k in keys): tuple(int(row[f"n_{f}"]) for f in figures)
                for row in rows
                if any(row[f"n_{f}"] for f in figures)
            }
        )
    return sums[0], sums[1]


def assert_equal_to_live(step: str, users: list[tuple[User, list[dict]]], institution, roads):
    for now in (timezone.now(), timezone.now() + LATER):
        for user, filters in users:
            for given in filters:
                form = form_for(user, **given)
                for zoom in ZOOMS:
                    for box in (ADANA, OLD_TOWN):
                        rolled = cells.clusters(user, form, box, zoom, now)
                        assert rolled is not None, (step, given)
                        live = maps.clusters(maps.filtered_cases(user, form, now), box, zoom, now)
                        assert rolled == live, (step, user.username, given, zoom, box)
                rows = cells.mahalle_rows(user, form, now)
                assert rows is not None
                gazetteer = neighbourhoods.Gazetteer.current()
                rolled_areas = neighbourhoods.add_up(rows, gazetteer)
                live_areas = neighbourhoods.figures_by_mahalle(
                    maps.filtered_cases(user, form, now), now, durations=False, gazetteer=gazetteer
                )
                assert rolled_areas == live_areas, (step, user.username, given)
        for unit_ids in (None, [roads.pk], roads.subtree_ids()):
            assert wallboard.count_figures(institution.pk, unit_ids, now) == live_board(
                institution.pk, unit_ids, now
            ), (step, unit_ids)
    incremental = table_sums()
    with transaction.atomic():  # the delta rows stay for the next step (and compaction)
        rollups.rebuild()
        assert table_sums() == incremental, step
        transaction.set_rollback(True)


@pytest.fixture
def check(administrator, unit_manager, superuser, institution, roads, parks, category):
    filters = [
        {},
        {"status": maps.ACTIVE},
        {"overdue": "on"},
        {"overdue": "on", "status": maps.ACTIVE},
        {"unit": roads.pk},
        {"category": category.pk, "status": maps.ACTIVE},
    ]

    def run(step: str) -> None:
        few = [{}, {"overdue": "on"}]
        users = [(administrator, filters), (unit_manager, few), (superuser, few)]
        assert_equal_to_live(step, users, institution, roads)

    return run


def test_cells_follow_every_change_and_equal_the_live_count(
    check, old_town, make_case, administrator, road_manager, road_staff, roads, parks
):
    check("intake")
    now = timezone.now()
    today = make_case(subject="Bugün", received_at=now, location=place(ULUCAMII, "Seyhan", "Ulucamii Mh."))
    make_case(
        subject="KADES",
        channel=Channel.KADES,
        unit=roads,
        received_at=now,
        location=place(TURKOCAGI, "Seyhan", "Türkocağı Mh."),
    )
    check("today, KADES")

    services.assign(old_town["sariyakup_late"], actor=road_manager, assignee=road_staff)
    services.transfer(old_town["turkocagi_late"], actor=administrator, unit=parks, note="Parkta.")
    services.ask_citizen(today, actor=road_manager, question="Tam yeri?")
    services.merge(old_town["ulucamii_new"], actor=administrator, into=old_town["sariyakup_new"])
    escalation.sweep()  # marks the running late cases: a bulk update
    check("work, merge, sweep")

    # Raw bulk updates and deletes: whatever writes the row, the triggers follow.
    Case.objects.filter(pk=old_town["bahcelievler_late"].pk).update(
        latitude=f"{BAHCELIEVLER_YUREGIR[0]:.6f}", longitude=f"{BAHCELIEVLER_YUREGIR[1]:.6f}"
    )
    Case.objects.filter(pk=old_town["sariyakup_done"].pk).update(latitude=None, longitude=None)
    Case.objects.filter(pk=old_town["nowhere"].pk).update(
        latitude=f"{SARIYAKUP[0]:.6f}", longitude=f"{SARIYAKUP[1]:.6f}", neighbourhood="Sarıyakup Mh."
    )
    Case.objects.filter(unit=parks).update(unit=roads, category=None)
    Case.objects.filter(pk=old_town["yuregir_done"].pk).delete()
    check("bulk")

    before = MapCell.objects.count()
    assert rollups.compact() > 0
    assert MapCell.objects.count() < before
    check("compacted")
    make_case(subject="Sonra", location=place(nudge(TURKOCAGI, metres_east=3), "Seyhan", "Türkocağı Mh."))
    check("after compaction")


def test_every_transition_moves_the_cells_with_it(check, adana, make_case, transitions):
    target = make_case(subject="Birleştirilecek", location=place(SARIYAKUP, "Seyhan", "Sarıyakup Mh."))
    run = transitions(target)
    for i, (name, perform) in enumerate(run.items()):
        point = nudge(TURKOCAGI, metres_north=3 * i)
        perform(
            make_case(
                subject=name,
                received_at=timezone.now() - dt.timedelta(hours=2),
                location=place(point, "Seyhan", "Türkocağı Mh."),
            )
        )
        check(name)


def test_the_endpoints_read_the_cells_only_when_they_can(client, old_town, administrator, field_user, roads):
    """A cell no case explains shows on the map and a place row on the mahalle layer: the endpoints read the
    rollups. A filter they do not key (a channel on the map, a period) or a field team's scope counts live."""
    client.force_login(administrator)
    bbox = "34.6,36.5,36.5,38.5"
    before = client.get(POINTS, {"bbox": bbox, "zoom": 10}).json()["total"]
    cell = maps.cell_size(10)
    MapCell.objects.create(
        institution=roads.institution,
        unit=roads,
        group="open",
        zoom=10,
        cell_y=int(37.3 // cell),
        cell_x=int(35.9 // cell),
        cases=2,
        lat=74_600_000,
        lon=71_800_000,
        ids=0,
    )
    assert client.get(POINTS, {"bbox": bbox, "zoom": 10}).json()["total"] == before + 2
    assert (
        client.get(POINTS, {"bbox": bbox, "zoom": 10, "channel": Channel.PHONE}).json()["total"] < before + 2
    )
    assert client.get(POINTS, {"bbox": bbox, "zoom": 14}).json()["total"] == before  # band 16
    # A band being filled is not read: zoom 14 counts live, zoom 10 still reads band 10.
    fine = maps.cell_size(16)
    MapCell.objects.create(
        institution=roads.institution,
        unit=roads,
        group="open",
        zoom=16,
        cell_y=int(37.3 // fine),
        cell_x=int(35.9 // fine),
        cases=7,
        lat=7 * 37_300_000,
        lon=7 * 35_900_000,
    )
    assert client.get(POINTS, {"bbox": bbox, "zoom": 14}).json()["total"] == before + 7
    CellFill.objects.create(zoom=16)
    assert cells.clusters(administrator, form_for(administrator), ADANA, 14, timezone.now()) is None
    assert client.get(POINTS, {"bbox": bbox, "zoom": 14}).json()["total"] == before
    assert client.get(POINTS, {"bbox": bbox, "zoom": 10}).json()["total"] == before + 2
    PlaceRollup.objects.create(
        institution=roads.institution,
        unit=roads,
        channel=Channel.PHONE,
        province="Adana",
        district="Seyhan",
        neighbourhood="Sarıyakup Mh.",
        cases=5,
        open=5,
    )

    def sariyakup(**params: str) -> int:
        data = client.get(AREAS, {"measure": "count", **params}).json()
        named = {f["properties"]["name"]: f["properties"]["count"] for f in data["features"]}
        return int(named["Sarıyakup Mahallesi"])

    assert sariyakup() == 3 + 5
    assert sariyakup(channel=Channel.PHONE) == 3 + 5
    assert sariyakup(received_from="2020-01-01") == 3
    form = form_for(field_user)
    assert cells.clusters(field_user, form, ADANA, 10, timezone.now()) is None
    assert cells.mahalle_rows(field_user, form, timezone.now()) is None


@pytest.fixture
def field_user(make_user, road_team):
    return make_user(User.Role.FIELD_TEAM, "saha", teams=[road_team])


def test_rebuild_and_the_trigger_check_cover_the_cells(old_town, superuser):
    """A dropped cells trigger is noticed by install(), which rebuilds; rebuild_rollups replaces the rows."""
    from django.db import connection

    expected = table_sums()
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER reports_cells_update"
            + (" ON cases_case" if connection.vendor == "postgresql" else "")
        )
    assert not rollups.triggers_installed()
    Case.objects.filter(pk=old_town["nowhere"].pk).update(latitude="37.000000", longitude="35.300000")
    assert table_sums() == expected  # not followed
    rollups.install()
    assert rollups.triggers_installed()
    assert table_sums() != expected
    MapCell.objects.create(
        institution_id=old_town["nowhere"].institution_id, group="open", zoom=7, cell_y=1, cell_x=1, cases=9
    )
    cells.start_fill([16])
    assert cells.filling() == {16}
    rebuilt = rollups.rebuild()
    assert rebuilt > 0
    assert (old_town["nowhere"].institution_id, None, None, "open", 7, 1, 1) not in table_sums()[0]
    assert cells.filling() == set()  # a rebuild counts every band whole
    assert MapCell.objects.filter(zoom=16).exists()


def test_one_institutions_rebuild_during_a_fill_starts_the_fill_again(check, old_town, make_case):
    """rebuild_rollups --institution while a band is half filled: that institution's cells are counted whole,
    which the fill's batches could not tell apart from their own, so the fill starts again."""
    cells.start_fill([16])

    def stop(message: str) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        cells.fill(batch=3, say=stop)
    assert CellFill.objects.get(zoom=16).filled_to > 0
    make_case(subject="Arada", location=place(nudge(ULUCAMII, metres_north=6), "Seyhan", "Ulucamii Mh."))
    rollups.rebuild(old_town["nowhere"].institution_id)
    assert CellFill.objects.get(zoom=16).filled_to == 0
    assert not MapCell.objects.filter(zoom=16).exclude(cases__in=[1, -1]).exists()
    cells.fill(batch=3)
    assert cells.filling() == set()
    check("one institution rebuilt while filling")


class Interrupted(Exception):
    pass


def test_a_new_band_is_filled_from_the_cases_while_they_change(
    check, old_town, make_case, administrator, road_manager, road_staff, roads, parks
):
    """A band added to a running installation (migration reports 0005): the triggers keep it from the start,
    the cases already there are counted in batches (here two keys each), with changes of every kind before,
    between and after the batches; the band is not read, nor compacted, until it is complete, and then
    equals the live count like the others."""
    now = timezone.now()
    before_fill = table_sums()[0]
    cells.start_fill([16])  # as if band 16 were new: its rows go, the trigger function keeps it
    assert not MapCell.objects.filter(zoom=16).exists()
    assert cells.clusters(administrator, form_for(administrator), OLD_TOWN, 15, now) is None
    assert cells.clusters(administrator, form_for(administrator), OLD_TOWN, 13, now) is not None

    # Changes before any batch: delta rows for cases the band has not counted yet.
    services.assign(old_town["sariyakup_late"], actor=road_manager, assignee=road_staff)
    services.merge(old_town["ulucamii_new"], actor=administrator, into=old_town["sariyakup_new"])
    Case.objects.filter(pk=old_town["bahcelievler_late"].pk).update(
        latitude=f"{BAHCELIEVLER_YUREGIR[0]:.6f}", longitude=f"{BAHCELIEVLER_YUREGIR[1]:.6f}"
    )
    Case.objects.filter(pk=old_town["yuregir_done"].pk).delete()
    make_case(subject="Yeni", location=place(nudge(ULUCAMII, metres_east=4), "Seyhan", "Ulucamii Mh."))
    band = MapCell.objects.filter(zoom=16)
    assert band.exists() and not band.exclude(cases__in=[1, -1]).exists()
    kept = band.count()
    rollups.compact()  # folds the other bands, not the one being filled
    assert MapCell.objects.filter(zoom=16).count() == kept
    assert not MapCell.objects.filter(zoom=16).exclude(cases__in=[1, -1]).exists()

    batches = []

    def stop_after_two(message: str) -> None:
        batches.append(message)
        if len(batches) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        cells.fill(batch=2, say=stop_after_two)
    assert cells.filling() == {16}
    assert CellFill.objects.get(zoom=16).filled_to > 0
    # Changes between batches, to cases counted already and to cases not yet.
    escalation.sweep()
    Case.objects.filter(unit=parks).update(unit=roads, category=None)
    Case.objects.filter(pk=old_town["nowhere"].pk).update(
        latitude=f"{SARIYAKUP[0]:.6f}", longitude=f"{SARIYAKUP[1]:.6f}"
    )
    services.resolve(old_town["turkocagi_late"], actor=road_manager, resolution="Yapıldı.")
    assert cells.fill(batch=2) > 0  # resumes where it stopped
    assert cells.filling() == set()
    assert cells.clusters(administrator, form_for(administrator), OLD_TOWN, 15, now) is not None
    assert table_sums()[0] != before_fill  # the changes moved it
    check("filled")
    make_case(subject="Sonra", location=place(nudge(SARIYAKUP, metres_north=7), "Seyhan", "Sarıyakup Mh."))
    rollups.compact()
    check("filled, compacted")
