"""`manage.py demo_pts` against a running server (pytest-django's live_server: real HTTP to the real
/api/v1/pts/reads): a batch of reads with a stolen car on Eskişehir police's hotlist raises a plate alert
for the nearest teams; a chosen plate and camera; a plate nobody looks for raises nothing; and what it says
when the token, the server, the options or the installation are wrong."""

import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kentmasa.directory.models import ApiToken, User
from kentmasa.emergency import pts
from kentmasa.emergency.management.commands import demo_pts
from kentmasa.emergency.models import Camera, PlateAlert, PlateHit, PlateRead, PlateReason
from kentmasa.emergency.tests.core_world import police_world
from kentmasa.notify.models import LiveEvent

STOLEN = ("26 AK 3172", "34 TGB 982")
WANTED = "06 BFK 92"


@pytest.fixture
def world(transactional_db):
    world = police_world()
    for code, name, lat, lon in (
        ("ESK-KGYS-001", "Adalar – Köprübaşı", "39.776600", "30.515000"),
        ("ESK-KGYS-004", "Espark kavşağı", "39.780600", "30.509300"),
    ):
        Camera.objects.create(institution=world.police, code=code, name=name, latitude=lat, longitude=lon)
    for plate in STOLEN:
        pts.upsert_hotlist(world.police, plate=plate, reason=PlateReason.STOLEN, actor=None)
    pts.upsert_hotlist(world.police, plate=WANTED, reason=PlateReason.WANTED, actor=None)
    account = User(username=demo_pts.PTS_USERNAME, role=User.Role.UNIT_STAFF, institution=world.police)
    account.set_unusable_password()
    account.save()
    return world


@pytest.fixture
def server(world, live_server, settings):
    settings.KENTMASA_PUBLIC_URL = live_server.url
    return live_server


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo_pts", *args, stdout=out)
    return out.getvalue()


def test_a_stolen_car_among_the_reads_raises_an_alert_for_the_nearest_teams(server, world):
    out = run()

    assert "50 okuma alındı, 50 saklandı, 0 reddedildi, 1 eşleşme" in out
    alert = PlateAlert.objects.get()
    assert alert.plate in {"26AK3172", "34TGB982"} and alert.reason == PlateReason.STOLEN
    assert f"alarm no: {alert.pk}" in out and "/haber-merkezi/" in out
    hit = PlateHit.objects.get(alert=alert)
    assert hit.camera is not None and hit.camera.institution_id == world.police.pk
    assert alert.told.count() == min(3, len(world.teams))
    board = LiveEvent.objects.filter(topic=LiveEvent.Topic.ALARM, change="plate_alert", team_id__isnull=True)
    assert [event.data["plate_alert"] for event in board] == [alert.pk]  # on the board, live
    assert PlateRead.objects.filter(institution=world.police).count() == 50
    # The token it made is scoped to plate reads and belongs to the camera system's login.
    token = ApiToken.objects.get(name=demo_pts.TOKEN_NAME)
    assert token.scope == ApiToken.Scope.PLATE_READS and token.user.username == demo_pts.PTS_USERNAME


def test_the_next_run_picks_a_stolen_car_without_an_open_alert_and_revokes_its_old_token(server, world):
    run("--plate", STOLEN[0])
    out = run()
    assert "34 TGB 982 (Çalıntı)" in out
    assert set(PlateAlert.objects.values_list("plate", flat=True)) == {"26AK3172", "34TGB982"}
    tokens = ApiToken.objects.filter(name=demo_pts.TOKEN_NAME)
    assert tokens.count() == 2 and tokens.filter(revoked=False).count() == 1


def test_a_chosen_plate_as_people_write_it_read_by_a_chosen_camera(server, world):
    out = run("--plate", "06-bfk-92", "--camera", "ESK-KGYS-004", "--reads", "5")
    assert "5 okuma alındı" in out and "06 BFK 92 (Aranan)" in out
    alert = PlateAlert.objects.get()
    assert alert.plate == "06BFK92" and alert.reason == PlateReason.WANTED
    assert PlateHit.objects.get(alert=alert).camera_code == "ESK-KGYS-004"


def test_a_plate_nobody_looks_for_raises_nothing(server, world):
    out = run("--plate", "26 ZZ 1234", "--reads", "3")
    assert "listede değil: alarm olmaz" in out and "0 eşleşme; alarm no: yok" in out
    assert not PlateAlert.objects.exists()
    assert PlateRead.objects.count() == 3


def test_the_token_load_demo_printed_is_used_when_given(server, world):
    account = User.objects.get(username=demo_pts.PTS_USERNAME)
    _row, raw = ApiToken.issue(account, "PTS", ApiToken.Scope.PLATE_READS)
    run("--token", raw, "--reads", "2")
    assert PlateRead.objects.count() == 2
    assert not ApiToken.objects.filter(name=demo_pts.TOKEN_NAME).exists()  # none made


def test_a_wrong_token_or_a_team_members_token_is_refused_with_what_to_do(server, world):
    with pytest.raises(CommandError, match="Anahtar reddedildi"):
        run("--token", "km_not-a-token")
    # A team member's staff token (their phone's): police staff, but no operator.
    _row, phone = ApiToken.issue(world.members[world.teams[0].pk][0], "telefon")
    with pytest.raises(CommandError, match="plate_reads"):
        run("--token", phone)
    assert not PlateRead.objects.exists()


def test_a_server_that_does_not_answer_is_named(world):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CommandError, match=r"ulaşılamadı.*make run"):
        run("--url", f"http://127.0.0.1:{port}")
    assert not PlateRead.objects.exists()


def test_made_up_reads_never_go_from_a_production_installation(server, world, settings):
    settings.KENTMASA_PRODUCTION = True
    with pytest.raises(CommandError, match="üretim"):
        run()
    assert not PlateRead.objects.exists() and not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--reads", "0"), "--reads 1 ile 5000"),
        (("--reads", str(2**63)), "--reads 1 ile 5000"),
        (
            ("--camera", "ESK-KGYS-999"),
            "ESK-KGYS-999 adlı bir kamera yok. Kameralar: ESK-KGYS-001, ESK-KGYS-004",
        ),
        (("--plate", "?"), "Okunabilir bir plaka"),
        (("--institution", "adana-bb"), "load_demo"),
        (("--url", "ftp://127.0.0.1/"), "Geçersiz adres"),
    ],
)
def test_bad_options_are_refused_before_anything_is_sent(server, world, args, message):
    with pytest.raises(CommandError, match=message.replace("?", r"\?")):
        run(*args)
    assert not PlateRead.objects.exists()


def test_without_the_demo_it_says_to_load_it(server, world):
    User.objects.filter(username=demo_pts.PTS_USERNAME).delete()
    with pytest.raises(CommandError, match="load_demo"):
        run()


def test_the_reads_address(settings):
    settings.KENTMASA_PUBLIC_URL = "https://kentmasa.example.org"
    assert demo_pts.reads_url(None) == "https://kentmasa.example.org/api/v1/pts/reads"
    assert demo_pts.reads_url("http://127.0.0.1:8001") == "http://127.0.0.1:8001/api/v1/pts/reads"
    assert demo_pts.reads_url("http://127.0.0.1:8001/x/y") == "http://127.0.0.1:8001/x/y"
