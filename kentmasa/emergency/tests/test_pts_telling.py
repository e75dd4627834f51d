"""Who a plate alert rings (kentmasa.emergency.pts): only a live read (made at most pts.TELL_WITHIN before it
came) tells anyone; an old one (a late batch, an imported history) shows on the board only, with its date
when it is not today's. Every live alert reaches somebody by name: the nearest teams, else the duty
supervisors (else the Haber Merkezi's managers, the police operators, the administrators). The same plate
read again after pts.RETELL_AFTER tells them again; in between, the board only moves."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import timezone

from kentmasa.directory.models import Team, User
from kentmasa.emergency import pts, pts_views
from kentmasa.emergency.models import DispatchSettings, PlateAlert, PlateAlertTeam, PlateHit
from kentmasa.emergency.tests.core_world import live_events, user
from kentmasa.emergency.tests.pts_world import pts_world, read
from kentmasa.notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db

PANEL = "/haber-merkezi/plaka/panel/"
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def world():
    world_, _adalar, _campus = pts_world()
    pts.upsert_hotlist(
        world_.police, plate="26 ABC 123", reason="stolen", note="Beyaz Fiat Doblo", actor=None
    )
    return world_


def members(world, teams=None):
    return sorted(person.pk for team in (teams or world.teams) for person in world.members[team.pk])


def told_users(since_pk=0):
    return sorted(
        Notification.objects.filter(kind="plate_alert", pk__gt=since_pk).values_list("user_id", flat=True)
    )


def last_pk():
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def ingest(world, at, camera="ESK-PTS-001", now=None, **extra):
    result = pts.ingest(world.police, [read("26 ABC 123", camera=camera, at=at, **extra)], now=now)
    assert not result.rejected, result.rejected
    return PlateAlert.objects.get(pk=result.alerts[-1])


# -- live or old ---------------------------------------------------------------------------------------------


def test_a_read_older_than_half_an_hour_opens_the_alert_on_the_board_and_rings_nobody(world):
    now = timezone.now()
    alert = ingest(world, now - pts.TELL_WITHIN - MINUTE)
    assert alert.hit_count == 1 and alert.closed_at is None
    assert not Notification.objects.exists()  # neither the teams nor the supervisors
    assert not PlateAlertTeam.objects.exists()
    assert [e.team_id for e in live_events("alarm", "plate_alert")] == [None]  # the board hears of it
    assert pts.open_alerts(world.police) == [alert]


def test_a_read_just_within_half_an_hour_tells_the_nearest_teams(world):
    ingest(world, timezone.now() - pts.TELL_WITHIN + MINUTE)
    assert told_users() == members(world)
    assert PlateAlertTeam.objects.count() == 3


def test_a_batch_dated_in_the_past_is_judged_by_the_clock_too(world):
    # The demo and replays hand ingest a past "now": a read 40 minutes old rings nobody even so.
    past = timezone.now() - dt.timedelta(minutes=40)
    ingest(world, past - MINUTE, now=past)
    assert not Notification.objects.exists()


def test_imported_history_shows_on_the_board_only_and_a_fresh_line_still_rings(world, tmp_path):
    two_days = timezone.localtime() - dt.timedelta(days=2)
    path = tmp_path / "pts.csv"
    path.write_text(f"camera,plate,at\nESK-PTS-001,26 ABC 123,{two_days.isoformat()}\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_plate_reads", str(path), "--institution", world.police.slug, stdout=out)
    assert "aranan plakalardan 1 okuma, 1 alarm" in out.getvalue()
    assert PlateAlert.objects.get().hit_count == 1
    assert not Notification.objects.exists()

    # The same plate now, at the same camera: the alert's first live read tells the teams after all.
    fresh = timezone.localtime() - MINUTE
    path.write_text(f"camera,plate,at\nESK-PTS-001,26 ABC 123,{fresh.isoformat()}\n", encoding="utf-8")
    call_command("import_plate_reads", str(path), "--institution", world.police.slug, stdout=io.StringIO())
    assert PlateAlert.objects.get().hit_count == 2
    assert told_users() == members(world)


def test_an_old_alert_read_live_minutes_after_its_last_old_read_still_tells(world):
    # Late read at 31 min, then a live one 2 minutes later at the same camera: within the gap, but nobody
    # was ever told of the alert, so this one tells.
    now = timezone.now()
    ingest(world, now - pts.TELL_WITHIN - MINUTE)
    assert not Notification.objects.exists()
    ingest(world, now - pts.TELL_WITHIN + MINUTE)
    assert told_users() == members(world)


# -- told again after a gap ----------------------------------------------------------------------------------


def test_the_same_camera_within_ten_minutes_moves_the_board_after_ten_it_tells_again(world):
    now = timezone.now()
    start = now - dt.timedelta(minutes=25)
    alert = ingest(world, start, now=start + MINUTE)
    first = told_users()
    assert first == members(world)
    told_at = dict(PlateAlertTeam.objects.values_list("team_id", "told_at"))

    mark = last_pk()
    ingest(world, start + dt.timedelta(minutes=9), now=start + dt.timedelta(minutes=9))
    assert told_users(mark) == []  # within the gap: the board only
    assert live_events("alarm", "plate_hit")[0].data["teams"] == []

    again_at = start + dt.timedelta(minutes=9) + pts.RETELL_AFTER
    ingest(world, again_at, now=again_at)
    assert told_users(mark) == members(world)  # the same three nearest teams, rung again
    renewed = dict(PlateAlertTeam.objects.values_list("team_id", "told_at"))
    assert set(renewed) == set(told_at) and PlateAlertTeam.objects.count() == 3
    assert all(renewed[team] == again_at != told_at[team] for team in renewed)
    board = [e for e in live_events("alarm", "plate_hit") if e.team_id is None]
    assert sorted(board[-1].data["teams"]) == sorted(t.pk for t in world.teams)
    alert.refresh_from_db()
    assert alert.hit_count == 3
    assert all(n.critical for n in Notification.objects.filter(kind="plate_alert"))


def test_a_team_busy_the_first_time_is_told_after_the_gap(world):
    DispatchSettings.objects.filter(institution=world.police).update(plate_alert_teams=1)
    nearest, second, _third = world.teams
    Team.objects.filter(pk=nearest.pk).update(status=Team.Status.ON_SCENE)
    now = timezone.now()
    ingest(world, now - dt.timedelta(minutes=20), now=now - dt.timedelta(minutes=20))
    assert told_users() == members(world, [second])
    Team.objects.filter(pk=nearest.pk).update(status=Team.Status.AVAILABLE)
    mark = last_pk()
    ingest(world, now - MINUTE)
    assert told_users(mark) == members(world, [nearest])
    assert sorted(PlateAlertTeam.objects.values_list("team_id", flat=True)) == sorted([nearest.pk, second.pk])


# -- somebody is told: the supervisors when no team is -------------------------------------------------------


def named_supervisor(world):
    """Amir Selim, a police operator the dispatch settings name as the duty supervisor."""
    selim = user(
        "selim",
        User.Role.POLICE_OPERATOR,
        world.police,
        first_name="Selim",
        last_name="Yıldırım",
        mobile="+905321550001",
    )
    DispatchSettings.objects.get(institution=world.police).supervisors.add(selim)
    return selim


def test_no_teams_by_the_settings_tells_the_duty_supervisor_by_name(world):
    selim = named_supervisor(world)
    DispatchSettings.objects.filter(institution=world.police).update(plate_alert_teams=0)
    alert = ingest(world, timezone.now())
    [note] = Notification.objects.filter(kind="plate_alert")
    assert note.user == selim and note.critical
    assert note.text.startswith("Aranan plaka 26 ABC 123 (Çalıntı) görüldü: Adalar Köprüsü (ESK-PTS-001), ")
    assert note.text.endswith(
        ". Hiçbir ekibe bildirilmedi: müdürlük plaka alarmlarını ekiplere bildirmiyor (ekip sevk ayarları)."
    )
    assert note.link == f"/haber-merkezi/plaka/{alert.pk}/"  # he may open the board
    assert set(Delivery.objects.filter(notification=note).values_list("medium", flat=True)) == {"sms"}
    assert not PlateAlertTeam.objects.exists()


def test_a_read_without_a_position_tells_the_haber_merkezi_manager_when_no_supervisor_is_named(world):
    ingest(world, timezone.now(), camera="UNREGISTERED-9")
    [note] = Notification.objects.filter(kind="plate_alert")
    assert note.user == world.supervisor  # Kemal, manager of the Haber Merkezi unit
    assert note.text.endswith("Hiçbir ekibe bildirilmedi: okumanın da kameranın da konumu yok.")
    assert note.link == ""  # a unit manager has no board to open
    assert not PlateAlertTeam.objects.exists()


def test_no_available_team_tells_the_police_operators_when_there_is_no_supervisor_or_manager(world):
    DispatchSettings.objects.filter(institution=world.police).update(haber_merkezi=None)
    Team.objects.filter(pk__in=[t.pk for t in world.teams]).update(status=Team.Status.OFF_DUTY)
    ingest(world, timezone.now())
    [note] = Notification.objects.filter(kind="plate_alert")
    assert note.user == world.operator  # Seda, by name
    assert note.text.endswith("Hiçbir ekibe bildirilmedi: müsait ekip yok.")


def test_the_administrators_when_nobody_else_works_the_haber_merkezi(world):
    DispatchSettings.objects.filter(institution=world.police).update(haber_merkezi=None, plate_alert_teams=0)
    User.objects.filter(role=User.Role.POLICE_OPERATOR).update(is_active=False)
    admin = user("mudur", User.Role.ADMINISTRATOR, world.police, mobile="+905321550009")
    ingest(world, timezone.now())
    assert told_users() == [admin.pk]


def test_the_supervisor_is_told_again_only_after_the_gap_and_never_of_an_old_read(world):
    selim = named_supervisor(world)
    DispatchSettings.objects.filter(institution=world.police).update(plate_alert_teams=0)
    now = timezone.now()
    ingest(world, now - dt.timedelta(minutes=25), now=now - dt.timedelta(minutes=25))
    ingest(world, now - dt.timedelta(minutes=20), now=now - dt.timedelta(minutes=20))  # same camera, 5 min
    ingest(world, now - dt.timedelta(minutes=19), camera="ESK-PTS-002", now=now - dt.timedelta(minutes=19))
    assert told_users() == [selim.pk]  # a new camera within the gap finds no team: the board only
    ingest(world, now - MINUTE)  # 18 minutes on: again
    assert told_users() == [selim.pk, selim.pk]
    ingest(world, now - dt.timedelta(hours=2))  # an old read of it, late: nothing
    assert told_users() == [selim.pk, selim.pk]
    assert PlateHit.objects.count() == 5


# -- dates with the times of other days ----------------------------------------------------------------------


def test_the_board_shows_an_old_reads_date_and_that_no_phone_rang(client, world):
    client.force_login(world.operator)
    two_days = timezone.now() - dt.timedelta(days=2)
    old = ingest(world, two_days)
    html = client.get(PANEL).content.decode()
    shown = timezone.localtime(old.last_hit_at).strftime("%d.%m.%Y %H:%M:%S")
    assert f'id="plate-read-day-{old.pk}">{shown}<' in html
    assert f'id="plate-late-{old.pk}"' in html
    assert "Eski okuma: yapılışından 30 dakikadan uzun süre sonra geldi" in html

    pts.close_alert(old, "not_found", actor=world.operator)
    fresh = ingest(world, timezone.now())
    html = client.get(PANEL).content.decode()
    assert f'id="plate-read-day-{fresh.pk}"' not in html and f'id="plate-late-{fresh.pk}"' not in html
    assert f"saat {timezone.localtime(fresh.last_hit_at):%H:%M:%S}" in html


def test_a_read_before_midnight_told_after_it_carries_its_date_to_the_phone_and_the_sms(world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    midnight = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(0, 0)))
    before, after = midnight - dt.timedelta(minutes=10), midnight + dt.timedelta(minutes=5)
    alert = ingest(world, before, now=after)
    day = timezone.localtime(before).strftime("%d.%m.%Y")
    texts = set(Notification.objects.filter(kind="plate_alert").values_list("text", flat=True))
    assert texts == {f"Aranan plaka 26 ABC 123 (Çalıntı) görüldü: Adalar Köprüsü (ESK-PTS-001), {day} 23:50"}

    team = world.teams[0]
    html = render_to_string(
        "emergency/_plate_team.html", {**pts_views.team_context(team, after), "team": team}
    )
    assert f'id="plate-where-{alert.pk}">Son okuma: Adalar Köprüsü, {day} 23:50 (15 dk önce).<' in html
    # Told after midnight: the time alone on the board's list of teams, as of that day.
    row = pts_views.PlateRow(pts.open_alerts(world.police)[0], after)
    told = render_to_string("emergency/_plate_told.html", {"row": row})
    assert "saat 00:05:00 bildirildi" in told
    row = pts_views.PlateRow(pts.open_alerts(world.police)[0], after + dt.timedelta(days=1))
    told = render_to_string("emergency/_plate_told.html", {"row": row})
    assert f"{tomorrow:%d.%m.%Y} 00:05:00 bildirildi" in told


def test_a_live_read_of_today_says_the_time_alone(world):
    now = timezone.localtime()
    assert pts.moment_text(now, now) == now.strftime("%H:%M")
    assert pts.moment_text(now - dt.timedelta(days=1), now) == (now - dt.timedelta(days=1)).strftime(
        "%d.%m.%Y %H:%M"
    )
