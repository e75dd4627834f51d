"""`manage.py demo_kades` against a running server (pytest-django's live_server: real HTTP to the real
webhook): a signed alert from the person with a protection order, follow-up positions of the same alert,
a cancel, and what it says when the secret, the server or the person is wrong."""

import itertools
import math
import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kentmasa.cases.models import Citizen
from kentmasa.directory.models import Category, Institution, Service, Unit, User
from kentmasa.emergency.management.commands import demo_kades
from kentmasa.emergency.models import DispatchSettings, Incident, IncidentPosition, ProtectionOrder
from kentmasa.notify.models import LiveEvent

SECRET = "test-kades-secret"
PERSON_TC = "31285647062"
OTHER_TC = "10000000146"


@pytest.fixture
def directorate(transactional_db, settings):
    police = Institution.objects.create(
        slug="kades-emniyet",
        name="Deneme İl Emniyet Müdürlüğü",
        kind=Institution.Kind.POLICE,
        province="Eskişehir",
    )
    centre = Unit.objects.create(institution=police, name="Haber Merkezi")
    service = Service.objects.create(
        institution=police, unit=centre, name="KADES", completion_time="10 dakika"
    )
    category = Category.objects.create(
        institution=police, name="KADES yardım çağrısı", service=service, unit=centre, public=False
    )
    supervisor = User.objects.create_user(
        username="amir", role=User.Role.POLICE_OPERATOR, institution=police, mobile="+905321550001"
    )
    dispatch = DispatchSettings.objects.create(
        institution=police, haber_merkezi=centre, kades_category=category
    )
    dispatch.supervisors.add(supervisor)
    ProtectionOrder.objects.create(
        institution=police,
        person_tc_kimlik=PERSON_TC,
        person_name="Gülsüm Aksoy",
        decided_on="2026-01-05",
        measures="6284 m. 5/1-c",
    )
    settings.KENTMASA_KADES_WEBHOOK_SECRET = SECRET
    settings.KENTMASA_KADES_INSTITUTION = police.slug
    return police


@pytest.fixture
def server(directorate, live_server, settings):
    settings.KENTMASA_PUBLIC_URL = live_server.url
    return live_server


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command("demo_kades", *args, stdout=out, **options)
    return out.getvalue()


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (a[0] - b[0]) * demo_kades.METRES_PER_DEGREE
    east = (a[1] - b[1]) * demo_kades.METRES_PER_DEGREE * math.cos(math.radians(a[0]))
    return math.hypot(north, east)


def points(incident: Incident) -> list[tuple[float, float]]:
    rows = IncidentPosition.objects.filter(incident=incident).order_by("at", "pk")
    return [(float(p.latitude), float(p.longitude)) for p in rows]


def test_an_alert_from_the_person_with_the_order_reaches_the_webhook(server, directorate):
    out = run()

    incident = Incident.objects.get()
    assert incident.alert_id and incident.alert_id in out
    assert incident.institution_id == directorate.pk and incident.source == Incident.Source.KADES
    assert (incident.person_tc_kimlik, incident.person_name) == (PERSON_TC, "Gülsüm Aksoy")
    assert incident.person_phone == demo_kades.DEMO_PHONE
    [point] = points(incident)
    assert metres(point, demo_kades.CENTRE) <= demo_kades.SPREAD_M + 1
    # The whole way: the consoles were told, and nothing about her became a citizen record.
    assert LiveEvent.objects.filter(topic="alarm", change="kades", data__incident=incident.pk).exists()
    assert not Citizen.objects.exists()
    assert "Sunucunun cevabı: 200" in out and "Gülsüm Aksoy" in out
    assert PERSON_TC not in out and "312******62" in out  # the screen shows her number masked
    assert "/haber-merkezi/" in out and f"--cancel {incident.alert_id}" in out


def test_moves_send_walking_positions_of_the_same_alert(server):
    out = run(moves=2, interval=0.2)

    incident = Incident.objects.get()
    track = points(incident)
    assert len(track) == 3
    steps = [metres(a, b) for a, b in itertools.pairwise(track)]
    assert all(0 < step < 5 for step in steps), steps  # 0.2 s of walking each
    assert out.count("Sunucunun cevabı: 200") == 3 and "Yeni konum 2/2" in out
    assert (
        LiveEvent.objects.filter(topic="alarm", change="kades_position", data__incident=incident.pk).count()
        == 2
    )


def test_an_alert_is_cancelled_by_its_id(server):
    run()
    incident = Incident.objects.get()
    assert incident.cancelled_at is None

    out = run(cancel=incident.alert_id)

    incident.refresh_from_db()
    assert (
        incident.cancelled_at is not None and incident.closed_at is None
    )  # stays until closed as false alarm
    assert "iptal" in out and "Sunucunun cevabı: 200" in out


def test_another_person_by_tc_kimlik_no(server):
    with pytest.raises(CommandError, match="--person-name"):
        run(person_tc=OTHER_TC)
    with pytest.raises(CommandError, match="Geçersiz TC"):
        run(person_tc="10000000147", person_name="Ayşe Kaya")
    assert not Incident.objects.exists()

    run(person_tc=OTHER_TC, person_name="Ayşe Kaya", phone="0532 111 22 33")

    incident = Incident.objects.get()
    assert (incident.person_tc_kimlik, incident.person_name) == (OTHER_TC, "Ayşe Kaya")
    assert incident.person_phone == "+905321112233"
    # Her next alert takes the phone her last one gave.
    run(person_tc=OTHER_TC, person_name="Ayşe Kaya")
    assert set(Incident.objects.values_list("person_phone", flat=True)) == {"+905321112233"}


def test_a_secret_the_server_does_not_share_is_reported(server, monkeypatch):
    signed = demo_kades.signature
    monkeypatch.setattr(demo_kades, "signature", lambda secret, body: signed("not-the-servers", body))
    out = StringIO()

    with pytest.raises(CommandError, match="KENTMASA_KADES_WEBHOOK_SECRET"):
        call_command("demo_kades", stdout=out)

    assert "Sunucunun cevabı: 403" in out.getvalue()
    assert not Incident.objects.exists()


def test_an_empty_secret_says_how_to_set_it_and_sends_nothing(server, settings):
    settings.KENTMASA_KADES_WEBHOOK_SECRET = ""

    with pytest.raises(CommandError, match="KENTMASA_KADES_WEBHOOK_SECRET=demo-kades-secret"):
        run()

    assert not Incident.objects.exists()


def test_a_server_that_does_not_answer_is_named(directorate):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CommandError, match="ulaşılamadı"):
        run(url=f"http://127.0.0.1:{port}")


def test_a_made_up_alert_never_goes_from_a_production_installation(server, settings):
    settings.KENTMASA_PRODUCTION = True

    with pytest.raises(CommandError, match="üretim"):
        run()

    assert not Incident.objects.exists()


def test_the_webhook_address(settings):
    settings.KENTMASA_PUBLIC_URL = "https://kentmasa.example.org"
    assert demo_kades.webhook_url(None) == "https://kentmasa.example.org/kanal/kades/"
    assert demo_kades.webhook_url("http://10.0.0.5:8000") == "http://10.0.0.5:8000/kanal/kades/"
    assert (
        demo_kades.webhook_url("http://10.0.0.5:8000/gateway/kades") == "http://10.0.0.5:8000/gateway/kades"
    )
    with pytest.raises(CommandError):
        demo_kades.webhook_url("ftp://example.org/")


def test_the_webhooks_refusals_come_with_what_to_do(server, settings):
    with pytest.raises(CommandError, match="Bu numarayla gelmiş bir çağrı yok"):
        run(cancel="demo-hic-gelmedi")
    settings.KENTMASA_KADES_INSTITUTION = ""  # no areas are loaded here either: nobody takes the alert
    out = StringIO()
    with pytest.raises(CommandError, match="load_demo"):
        call_command("demo_kades", stdout=out)
    assert "Sunucunun cevabı: 503" in out.getvalue()
    assert not Incident.objects.exists()
