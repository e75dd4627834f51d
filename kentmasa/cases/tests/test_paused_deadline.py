"""A case waiting for the citizen has its clock stopped: the queue and the case page say "süre durdu" and the
time that was left when it stopped, not a deadline that has passed meanwhile beside "2 iş günü kaldı"."""

import datetime as dt
import re

import pytest

from kentmasa.cases import services

pytestmark = pytest.mark.django_db

TR = {"HTTP_ACCEPT_LANGUAGE": "tr"}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text + "+03:00")


@pytest.fixture
def waiting(make_case, road_staff):
    """Received 18 March, due 9 April 17:30 (15 working days); the unit asked the citizen on 7 April."""
    case = make_case()
    assert case.due_at == at("2026-04-09T17:30")
    return services.ask_citizen(
        case, actor=road_staff, question="Çukur hangi binanın önünde?", now=at("2026-04-07T16:00")
    )


def queue_row(client, case) -> str:
    page = client.get("/kuyruk/", **TR).content.decode()
    return re.search(rf'<tr id="case-{case.tracking_number}".*?</tr>', page, re.S).group(0)


def test_the_queue_shows_the_clock_stopped_and_the_time_left_then(client, road_staff, waiting):
    client.force_login(road_staff)

    row = queue_row(client, waiting)

    assert f'id="paused-{waiting.tracking_number}">Süre durdu<' in row
    assert "07.04.2026 16:00 tarihinden beri" in row
    assert "2 iş günü kaldı" in row
    assert "09.04.2026" not in row and "late" not in row


def test_the_case_page_shows_the_clock_stopped_and_the_time_left_then(client, road_staff, waiting):
    client.force_login(road_staff)

    page = client.get(f"/vaka/{waiting.tracking_number}/", **TR).content.decode()
    deadline = re.search(r'<dd id="case-deadline">.*?</dd>', page, re.S).group(0)

    assert '<strong id="case-paused">Süre durdu</strong>' in deadline
    assert '<span id="case-remaining" class="">2 iş günü kaldı</span>' in deadline
    assert "09.04.2026" not in deadline and 'id="case-overdue"' not in page


def test_a_case_paused_after_its_deadline_stays_late_by_what_it_was_then(client, road_staff, make_case):
    late = services.ask_citizen(make_case(), actor=road_staff, question="Adres?", now=at("2026-04-10T10:30"))
    client.force_login(road_staff)

    row = queue_row(client, late)

    assert "Süre durdu" in row and 'class="badge late"' in row
    assert "17 saat gecikti" in row  # 9 April 17:30 to 10 April 10:30, and no later
    assert "09.04.2026" not in row


def test_when_the_citizen_answers_the_deadline_shows_again_moved_by_the_pause(client, road_staff, waiting):
    resumed = services.citizen_answered(
        waiting, actor=road_staff, answer="12 numara", now=at("2026-04-08T16:00")
    )
    client.force_login(road_staff)

    row = queue_row(client, resumed)

    assert "Süre durdu" not in row
    assert "10.04.2026 17:30" in row  # one working day later than 9 April
