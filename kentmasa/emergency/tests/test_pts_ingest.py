"""Plate reads from the camera system (kentmasa.emergency.pts.ingest): each read checked on its own, the
batch stored in bulk, hotlisted plates raising alerts that reach the nearest available teams."""

import datetime as dt

import pytest
from django.utils import timezone

from kentmasa.cases.access import Scope
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, User
from kentmasa.emergency import pts
from kentmasa.emergency.models import (
    DispatchSettings,
    HotlistEntry,
    PlateAlert,
    PlateAlertTeam,
    PlateHit,
    PlateKind,
    PlateRead,
    PlateReadBatch,
)
from kentmasa.emergency.tests.core_world import live_events, place, user
from kentmasa.emergency.tests.pts_world import ADALAR, CAMPUS, pts_world, read
from kentmasa.notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pts_world()


@pytest.fixture
def stolen(world):
    """The stolen Doblo, on the hotlist since this morning."""
    world, _adalar, _campus = world
    entry, _created = pts.upsert_hotlist(
        world.police, plate="26 ABC 123", reason="stolen", note="Beyaz Fiat Doblo", actor=world.operator
    )
    return entry


def _police(world):
    return world[0].police


# -- every read on its own -----------------------------------------------------------------------------------


def test_a_bad_read_is_reported_by_index_and_the_rest_are_stored(world):
    police = _police(world)
    now = timezone.now()
    batch = [
        read("26 abc 124", latitude=39.7766, longitude=30.515),  # 0 good, Turkish
        read("B-MW 1234"),  # 1 good, foreign
        read("06 CD 1234"),  # 2 good, diplomatic
        read(""),  # 3 good: the camera saw a car but read nothing
        read("?"),  # 4 good, unreadable
        read(None),  # 5 good, unreadable
        read(at="yesterday"),  # 6 bad time
        read(at="0001-01-01T00:00:00+00:00"),  # 7 year 1
        read(at=(now + dt.timedelta(hours=1)).isoformat()),  # 8 from the future
        read(camera=""),  # 9 no camera
        read(camera="K\x00M"),  # 10 NUL in the camera
        read(camera="K" * 300),  # 11 too long
        read(latitude=2**63, longitude=30.5),  # 12 out of range
        read(latitude=39.7),  # 13 half a position
        read(latitude="NaN", longitude="NaN"),  # 14 not a number
        read(plate=34),  # 15 not text
        "26 ABC 123",  # 16 not an object
        read(latitude=True, longitude=False),  # 17 booleans are no degrees
    ]
    result = pts.ingest(police, batch)
    assert (result.received, result.stored, result.hits) == (18, 6, 0)
    rejected = {r["index"]: set(r["errors"]) for r in result.rejected}
    assert rejected == {
        6: {"at"},
        7: {"at"},
        8: {"at"},
        9: {"camera"},
        10: {"camera"},
        11: {"camera"},
        12: {"latitude"},
        13: {"longitude"},
        14: {"latitude", "longitude"},
        15: {"plate"},
        16: {"__all__"},
        17: {"latitude", "longitude"},
    }
    stored = list(PlateRead.objects.order_by("pk").values_list("plate", "plate_raw", "plate_kind"))
    assert stored == [
        ("26ABC124", "26 abc 124", PlateKind.TURKISH),
        ("BMW1234", "B-MW 1234", PlateKind.FOREIGN),
        ("06CD1234", "06 CD 1234", PlateKind.DIPLOMATIC),
        ("", "", PlateKind.UNREADABLE),
        ("", "?", PlateKind.UNREADABLE),
        ("", "", PlateKind.UNREADABLE),
    ]
    first = PlateRead.objects.order_by("pk").first()
    assert (first.latitude, first.longitude, first.camera_code) == (39.7766, 30.515, "ESK-PTS-001")


def test_the_errors_are_in_turkish_by_default(world):
    result = pts.ingest(_police(world), [read(at="dün")])
    assert result.rejected == [
        {"index": 0, "errors": {"at": ["Zamanı ISO 8601 olarak verin, ör. 2026-03-18T14:05:09+03:00."]}}
    ]


def test_a_time_without_an_offset_is_istanbul_time(world):
    pts.ingest(_police(world), [read(at="2026-03-18T14:05:09")])
    stored = PlateRead.objects.get()
    assert stored.at == dt.datetime(2026, 3, 18, 11, 5, 9, tzinfo=dt.UTC)


def test_a_batch_of_more_than_5000_is_refused_whole_and_nothing_is_stored(world):
    with pytest.raises(pts.BatchTooLarge):
        pts.ingest(_police(world), [read()] * 5001)
    assert not PlateRead.objects.exists()
    assert pts.ingest(_police(world), [read()] * 5000).stored == 5000


def test_only_a_police_institution_takes_reads(world, institution):
    with pytest.raises(TransitionError):
        pts.ingest(institution, [read()])
    assert not PlateRead.objects.exists()


def test_a_batch_sent_again_with_its_key_is_stored_once(world, stolen):
    police = _police(world)
    first = pts.ingest(police, [read("26 ABC 123"), read(at="x")], idempotency_key="kamera-7/000123")
    again = pts.ingest(police, [read("26 ABC 123"), read(at="x")], idempotency_key="kamera-7/000123")
    assert again.replayed and not first.replayed
    assert again.as_dict() == first.as_dict()
    assert PlateRead.objects.count() == 1
    assert PlateHit.objects.count() == 1
    assert PlateReadBatch.objects.get().answer["stored"] == 1
    pts.ingest(police, [read("26 ABC 123")], idempotency_key="kamera-7/000124")
    assert PlateRead.objects.count() == 2


def test_a_batch_of_500_without_hits_takes_a_fixed_handful_of_queries(
    world, stolen, django_assert_max_num_queries
):
    batch = [read(f"26 AB {n:04d}") for n in range(500)]
    with django_assert_max_num_queries(4):  # savepoint-free: the insert, the hotlist, the transaction
        result = pts.ingest(_police(world), batch)
    assert result.stored == 500


# -- hits and alerts -----------------------------------------------------------------------------------------


def test_a_hotlisted_plate_opens_an_alert_and_tells_the_three_nearest_teams(world, stolen):
    world_, adalar, _campus = world
    result = pts.ingest(world_.police, [read("26-abc-123"), read("26 ABC 124")])
    assert (result.stored, result.hits) == (2, 1)
    alert = PlateAlert.objects.get()
    assert result.alerts == [alert.pk]
    assert (alert.plate, alert.reason, alert.entry, alert.entry_note, alert.hit_count) == (
        "26ABC123",
        "stolen",
        stolen,
        "Beyaz Fiat Doblo",
        1,
    )
    hit = PlateHit.objects.get()
    # No position with the read: the registered camera's.
    assert (hit.camera, hit.camera_code, hit.plate_raw) == (adalar, "ESK-PTS-001", "26-abc-123")
    assert (round(hit.latitude or 0, 6), round(hit.longitude or 0, 6)) == ADALAR
    told = list(PlateAlertTeam.objects.filter(alert=alert).order_by("distance_m"))
    distances = [row.distance_m or 0 for row in told]
    assert [row.team for row in told] == world_.teams  # nearest first, as core_world placed them
    assert distances == sorted(distances) and 0 < distances[0] < 300
    members = [person for team in world_.teams for person in world_.members[team.pk]]
    notes = Notification.objects.filter(kind="plate_alert")
    assert sorted(n.user_id or 0 for n in notes) == sorted(person.pk for person in members)
    assert all(n.critical for n in notes)
    text = notes.first().text
    assert "26 ABC 123" in text and "Çalıntı" in text and "Adalar Köprüsü" in text
    assert set(Delivery.objects.filter(notification__in=notes).values_list("medium", flat=True)) == {
        "push",
        "sms",
    }
    events = live_events("alarm", "plate_alert")
    assert [e.team_id for e in events] == [None, *sorted(t.pk for t in world_.teams)]
    assert events[0].data == {
        "plate_alert": alert.pk,
        "plate": "26 ABC 123",
        "reason": "stolen",
        "camera": "ESK-PTS-001",
        "teams": [row.team_id for row in PlateAlertTeam.objects.filter(alert=alert).order_by("pk")],
    }
    assert all(e.data["team"] == e.team_id for e in events[1:])


def test_who_hears_a_plate_alert_live(world, stolen):
    world_, _adalar, _campus = world
    pts.ingest(world_.police, [read("26 ABC 123")])
    board, *copies = live_events("alarm", "plate_alert")
    told_member = world_.members[world_.teams[0].pk][0]
    other_team = Team.objects.create(unit=world_.patrol, name="Yunus Ekibi 9", kind=Team.Kind.POLICE)
    stranger = user("yunus91", User.Role.FIELD_TEAM, world_.police)
    stranger.teams.set([other_team])
    ankara = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    ankara_operator = user("ankara155", User.Role.POLICE_OPERATOR, ankara)

    def hears(person):
        scope = Scope.of(person)
        return [
            scope.sees(institution_id=e.institution_id, unit_id=e.unit_id, team_id=e.team_id, places=e.places)
            for e in [board, copies[0]]
        ]

    assert hears(world_.operator) == [True, True]  # Seda: the board (she skips the team's copy)
    assert hears(told_member) == [False, True]  # Yunus 1's phone: its own copy only
    assert hears(stranger) == [False, False]
    assert hears(ankara_operator) == [False, False]


def test_further_reads_join_the_open_alert_and_a_new_camera_tells_the_teams_nearest_to_it(world, stolen):
    world_, _adalar, campus = world
    DispatchSettings.objects.filter(institution=world_.police).update(plate_alert_teams=2)
    near_campus = Team.objects.create(unit=world_.patrol, name="Yunus Ekibi 4", kind=Team.Kind.POLICE)
    place(near_campus, CAMPUS[0] + 0.001, CAMPUS[1])
    murat = user("yunus41", User.Role.FIELD_TEAM, world_.police, mobile="+905321141000")
    murat.teams.set([near_campus])
    first, second, third = world_.teams
    pts.ingest(world_.police, [read("26 ABC 123")])
    alert = PlateAlert.objects.get()
    assert set(alert.told.values_list("team_id", flat=True)) == {first.pk, second.pk}
    # Seen again by the same camera: one more hit, nobody new told.
    pts.ingest(world_.police, [read("26ABC123")])
    assert PlateAlertTeam.objects.count() == 2
    assert live_events("alarm", "plate_hit")[0].data["teams"] == []
    # Then at the campus: the teams nearest to it that were not told yet (Yunus 4, then Yunus 3).
    later = timezone.now()
    pts.ingest(world_.police, [read("26 ABC 123", camera="ESK-PTS-002", at=later)])
    alert.refresh_from_db()
    assert alert.hit_count == 3
    assert PlateAlert.objects.count() == 1
    newly = list(alert.told.order_by("pk").values_list("team_id", flat=True))[2:]
    assert newly == [near_campus.pk, third.pk]
    board_hits = [e for e in live_events("alarm", "plate_hit") if e.team_id is None]
    assert [(e.data["camera"], e.data["teams"]) for e in board_hits] == [
        ("ESK-PTS-001", []),
        (campus.code, newly),
    ]
    # The campus hit goes to the phones of all four teams told of the alert by now.
    assert len(live_events("alarm", "plate_hit")) == (1 + 2) + (1 + 4)
    assert Notification.objects.filter(kind="plate_alert", user=murat).count() == 1


def test_the_reads_own_position_comes_before_the_cameras(world, stolen):
    world_, _adalar, _campus = world
    pts.ingest(
        world_.police, [read("26 ABC 123", camera="UNREGISTERED-9", latitude=CAMPUS[0], longitude=CAMPUS[1])]
    )
    hit = PlateHit.objects.get()
    assert hit.camera is None
    assert (hit.latitude, hit.longitude) == CAMPUS


def test_an_unknown_camera_without_a_position_tells_no_team_but_the_supervisor(world, stolen):
    world_, _adalar, _campus = world
    pts.ingest(world_.police, [read("26 ABC 123", camera="UNREGISTERED-9")])
    assert PlateAlert.objects.count() == 1
    assert not PlateAlertTeam.objects.exists()
    assert live_events("alarm", "plate_alert")[0].data["teams"] == []
    # Somebody is told all the same: the Haber Merkezi's manager, as no duty supervisor is named.
    assert list(Notification.objects.filter(kind="plate_alert").values_list("user", flat=True)) == [
        world_.supervisor.pk
    ]


def test_no_team_is_told_when_the_directorate_tells_no_teams_the_supervisor_is(world, stolen):
    world_, _adalar, _campus = world
    DispatchSettings.objects.filter(institution=world_.police).update(plate_alert_teams=0)
    pts.ingest(world_.police, [read("26 ABC 123")])
    assert PlateAlert.objects.count() == 1
    assert not PlateAlertTeam.objects.exists()
    assert list(Notification.objects.filter(kind="plate_alert").values_list("user", flat=True)) == [
        world_.supervisor.pk
    ]


def test_an_entry_counts_only_until_its_validity_ends(world):
    world_, _adalar, _campus = world
    until = timezone.now() + dt.timedelta(hours=1)
    pts.upsert_hotlist(world_.police, plate="26 ABC 123", reason="wanted", valid_until=until, actor=None)
    before = until - dt.timedelta(minutes=1)
    after = until + dt.timedelta(minutes=1)
    result = pts.ingest(world_.police, [read("26 ABC 123", at=after)], now=after)
    assert result.hits == 0 and not PlateAlert.objects.exists()
    result = pts.ingest(world_.police, [read("26 ABC 123", at=before)], now=after)
    assert result.hits == 1


def test_another_directorates_hotlist_does_not_match(world):
    world_, _adalar, _campus = world
    ankara = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    pts.upsert_hotlist(ankara, plate="26 ABC 123", reason="terror", actor=None)
    assert pts.ingest(world_.police, [read("26 ABC 123")]).hits == 0


def test_a_closed_alert_stays_closed_and_the_next_read_opens_a_new_one(world, stolen):
    world_, _adalar, _campus = world
    pts.ingest(world_.police, [read("26 ABC 123")])
    alert = PlateAlert.objects.get()
    pts.close_alert(alert, "not_found", actor=world_.operator, note="Bölgede bulunamadı")
    pts.ingest(world_.police, [read("26 ABC 123")])
    assert PlateAlert.objects.count() == 2
    assert PlateAlert.objects.filter(closed_at__isnull=True).exclude(pk=alert.pk).count() == 1
    # The teams told of the first alert may be told again of the second.
    assert PlateAlertTeam.objects.count() == 6


def test_a_plate_taken_off_the_hotlist_raises_nothing_more_and_its_alert_stays(world, stolen):
    world_, _adalar, _campus = world
    pts.ingest(world_.police, [read("26 ABC 123")])
    pts.remove_hotlist(stolen, actor=world_.operator)
    assert pts.ingest(world_.police, [read("26 ABC 123")]).hits == 0
    alert = PlateAlert.objects.get()
    assert (alert.entry, alert.plate, alert.reason, alert.hit_count) == (None, "26ABC123", "stolen", 1)


# -- the board and the phones --------------------------------------------------------------------------------


def test_seda_acknowledges_and_closes_and_yunus_1_says_it_saw_it(world, stolen):
    world_, _adalar, _campus = world
    pts.ingest(world_.police, [read("26 ABC 123")])
    alert = PlateAlert.objects.get()
    first = world_.teams[0]
    member = world_.members[first.pk][1]
    assert [a.pk for a in pts.open_alerts(world_.police)] == [alert.pk]
    mine = pts.alerts_for_team(first, timezone.now() - dt.timedelta(hours=12))
    assert [a.pk for a in mine] == [alert.pk]
    assert getattr(mine[0], "team_told").seen_at is None  # noqa: B009 (set by alerts_for_team)
    seen = pts.team_saw(alert, first, actor=member)
    assert seen.seen_at is not None
    assert pts.team_saw(alert, first, actor=member).seen_at == seen.seen_at  # again: nothing changes
    assert [e.team_id for e in live_events("alarm", "plate_seen")] == [None, first.pk]
    acknowledged = pts.acknowledge_alert(alert, actor=world_.operator)
    assert acknowledged.acknowledged_by == world_.operator
    closed = pts.close_alert(alert, "stopped", actor=world_.operator, note="Araç Adalar'da durduruldu")
    assert (closed.outcome, closed.note, closed.closed_by) == (
        "stopped",
        "Araç Adalar'da durduruldu",
        world_.operator,
    )
    assert pts.open_alerts(world_.police) == []
    assert pts.alerts_for_team(first, timezone.now() - dt.timedelta(hours=12)) == []
    closed_events = live_events("alarm", "plate_closed")
    assert [e.team_id for e in closed_events] == [None, *sorted(t.pk for t in world_.teams)]


def test_who_may_act_on_an_alert(world, stolen):
    world_, _adalar, _campus = world
    pts.ingest(world_.police, [read("26 ABC 123")])
    alert = PlateAlert.objects.get()
    member = world_.members[world_.teams[0].pk][0]
    ankara = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    ankara_operator = user("ankara155", User.Role.POLICE_OPERATOR, ankara)
    for actor in (member, ankara_operator, world_.supervisor):
        with pytest.raises(TransitionError) as refused:
            pts.acknowledge_alert(alert, actor=actor)
        assert refused.value.code == "forbidden"
        with pytest.raises(TransitionError):
            pts.close_alert(alert, "stopped", actor=actor)
    with pytest.raises(TransitionError):  # Seda is no team member
        pts.team_saw(alert, world_.teams[0], actor=world_.operator)
    untold = Team.objects.create(unit=world_.patrol, name="Yunus Ekibi 9", kind=Team.Kind.POLICE)
    outsider = user("yunus91", User.Role.FIELD_TEAM, world_.police)
    outsider.teams.set([untold])
    with pytest.raises(TransitionError) as refused:
        pts.team_saw(alert, untold, actor=outsider)
    assert refused.value.code == "alert"
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.closed_at is None


@pytest.mark.parametrize(
    ("outcome", "note", "field"),
    [("caught", "", "outcome"), ("stopped", "x" * 1001, "note"), ("stopped", "dur\x00du", "note")],
)
def test_a_close_with_bad_input_changes_nothing(world, stolen, outcome, note, field):
    world_, _adalar, _campus = world
    pts.ingest(world_.police, [read("26 ABC 123")])
    alert = PlateAlert.objects.get()
    with pytest.raises(TransitionError) as refused:
        pts.close_alert(alert, outcome, actor=world_.operator, note=note)
    assert refused.value.code == field
    alert.refresh_from_db()
    assert alert.closed_at is None
    pts.close_alert(alert, "stopped", actor=world_.operator)
    with pytest.raises(TransitionError):
        pts.close_alert(alert, "stopped", actor=world_.operator)


def test_open_alerts_are_bounded_and_the_latest_seen_come_first(world):
    world_, _adalar, _campus = world
    for n in range(5):
        pts.upsert_hotlist(world_.police, plate=f"26 ABC {n:03d}", reason="wanted", actor=None)
    now = timezone.now()
    pts.ingest(
        world_.police,
        [read(f"26 ABC {n:03d}", at=now - dt.timedelta(minutes=10 - n)) for n in range(5)],
    )
    alerts = pts.open_alerts(world_.police, limit=3)
    assert [a.plate for a in alerts] == ["26ABC004", "26ABC003", "26ABC002"]
    assert getattr(alerts[0], "last_hit").camera.code == "ESK-PTS-001"  # noqa: B009 (set by open_alerts)
    assert len(pts.open_alerts(world_.police, limit=10**9)) == 5
    assert HotlistEntry.objects.count() == 5
