"""Likely duplicates: open cases near a new one, recent, on the same matter; not far away, not old."""

import datetime as dt

import pytest
from django.utils import translation

from kentmasa.cases import services
from kentmasa.routing import duplicates

pytestmark = pytest.mark.django_db

NOON = dt.datetime.fromisoformat("2026-03-18T12:00+03:00")
PIPE = {"latitude": 41.045, "longitude": 28.865}


def metres_north(point, metres):
    return {"latitude": point["latitude"] + metres / 111_195, "longitude": point["longitude"]}


@pytest.fixture
def first_report(make_case):
    """Ayşe calls at ten: the main pipe burst in front of number 12."""
    return make_case(
        subject="Ana boru patladı",
        description="Sokakta ana su borusu patladı, su fışkırıyor, yol göle döndü.",
        location=PIPE,
        received_at=NOON - dt.timedelta(hours=2),
    )


def test_the_same_burst_pipe_reported_nearby_an_hour_later_is_a_likely_duplicate(first_report, make_case):
    second = make_case(
        subject="Boru patlamış",
        description="Boru patlamış, sokağa su fışkırıyor!",
        location=metres_north(PIPE, 60),
        received_at=NOON,
    )
    with translation.override("en"):
        found = duplicates.candidates(second)
    assert len(found) == 1
    case, score, reasons = found[0]
    assert case == first_report and score >= 0.6
    assert reasons[0] == "60 m away" and "2 hours apart" in reasons
    assert any(reason.startswith("similar words") for reason in reasons)


def test_a_report_far_away_or_long_ago_is_not_a_duplicate(first_report, make_case):
    far = make_case(
        subject="Boru patladı",
        description="Su fışkırıyor",
        location=metres_north(PIPE, 1500),
        received_at=NOON,
    )
    assert duplicates.candidates(far) == []
    late = make_case(
        subject="Boru patladı",
        description="Su fışkırıyor",
        location=metres_north(PIPE, 30),
        received_at=NOON + dt.timedelta(days=30),
    )
    assert duplicates.candidates(late) == []


def test_a_different_matter_at_the_same_door_is_not_a_duplicate(first_report, make_case, institution):
    from kentmasa.directory.models import Category

    noise = Category.objects.create(institution=institution, name="Gürültü")
    other = make_case(
        subject="Gece müzik sesi",
        description="Komşu gece yüksek sesle müzik dinliyor",
        category=noise,
        location=metres_north(PIPE, 10),
        received_at=NOON,
    )
    assert duplicates.candidates(other) == []


def test_finished_and_merged_cases_are_not_offered(first_report, make_case, road_staff):
    services.resolve(first_report, actor=road_staff, resolution="Boru onarıldı.")
    second = make_case(subject="Boru patladı", description="Su fışkırıyor", location=PIPE, received_at=NOON)
    assert duplicates.candidates(second) == []


def test_a_case_without_a_point_is_compared_within_its_mahalle_and_street(make_case):
    place = {"neighbourhood": "Turgut Reis", "street": "Atatürk Caddesi"}
    first = make_case(subject="Çukur var", description="Caddede büyük çukur", location=place)
    second = make_case(subject="Çukur", description="Büyük bir çukur oluştu", location=place)
    elsewhere = make_case(
        subject="Çukur", description="Büyük bir çukur", location={"neighbourhood": "Oruç Reis"}
    )
    assert [c.case for c in duplicates.candidates(second)] == [first]
    assert duplicates.candidates(elsewhere) == []


def test_the_box_holds_the_circle_and_the_distance_is_the_great_circle_one():
    _south, _west, north, east = duplicates.bbox(41.0, 29.0, 300)
    assert duplicates.haversine_m(41.0, 29.0, north, 29.0) == pytest.approx(300, rel=1e-3)
    assert duplicates.haversine_m(41.0, 29.0, 41.0, east) == pytest.approx(300, rel=1e-3)
    # Ankara to İstanbul, about 350 km as the crow flies.
    assert duplicates.haversine_m(39.9334, 32.8597, 41.0082, 28.9784) == pytest.approx(350_000, rel=0.03)
