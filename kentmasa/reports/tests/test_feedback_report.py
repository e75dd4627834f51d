"""The feedback report reads the daily figures: satisfaction and "not satisfied → reopened" by unit,
service, channel and mahalle, month by month; scoped to the reader; an Excel file of the same."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from kentmasa.cases.models import Channel
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import User
from kentmasa.feedback import services as feedback
from kentmasa.feedback.tests import world as feedback_world
from kentmasa.feedback.tests.world import RESOLVED_AT

pytestmark = pytest.mark.django_db
URL = "/raporlar/geri-bildirim/"
MARCH = RESOLVED_AT + dt.timedelta(hours=2)
APRIL = MARCH + dt.timedelta(days=20)


@pytest.fixture
def world(institution, roads, make_user, make_case, category, settings):
    feedback_world.use_outbox(settings)
    world = feedback_world.build(institution, roads, make_user, make_case)
    record = feedback.record_call
    cases = [world.resolved(phone=f"+90532300{n:04d}") for n in range(5)]
    record(world.call_of(cases[0]), actor=world.fatma, outcome="satisfied", score=5, now=MARCH)
    record(world.call_of(cases[1]), actor=world.fatma, outcome="satisfied", score=3, now=MARCH)
    record(
        world.call_of(cases[2]),
        actor=world.fatma,
        outcome="not_satisfied",
        score=1,
        reason="Olmadı",
        now=MARCH,
    )
    record(world.call_of(cases[3]), actor=world.fatma, outcome="satisfied", score=4, now=APRIL)
    web = world.resolved(phone="+905323009999", channel=Channel.WEB)
    record(world.call_of(web), actor=world.fatma, outcome="wrong_number", now=APRIL)
    return world


def test_by_unit_month_by_month_with_shares_and_average(world, client):
    assert client.login(username="fatma", password=PASSWORD)
    page = client.get(URL, {"since": "2026-03-01", "until": "2026-04-30"})
    assert page.status_code == 200
    table = page.context["rows"]
    assert [(row["month"].strftime("%Y-%m"), row["name"]) for row in table] == [
        ("2026-04", "Fen İşleri Müdürlüğü"),
        ("2026-03", "Fen İşleri Müdürlüğü"),
    ]
    april, march = table
    assert (
        march["calls"],
        march["reached"],
        march["satisfied"],
        march["not_satisfied"],
        march["reopened"],
    ) == (
        3,
        3,
        2,
        1,
        1,
    )
    assert march["satisfied_percent"] == 66.7 and march["average"] == 3.0
    assert (april["calls"], april["reached"], april["wrong_number"], april["average"]) == (2, 1, 1, 4.0)
    totals = page.context["totals"]
    assert (totals["calls"], totals["reopened"], totals["score_count"]) == (5, 1, 4)
    html = page.content.decode()
    assert "66.7%" in html or "66,7%" in html
    assert "Geri bildirim raporu" in html


def test_by_channel_and_by_mahalle(world, client):
    assert client.login(username="fatma", password=PASSWORD)
    by_channel = client.get(URL, {"by": "channel", "since": "2026-03-01", "until": "2026-04-30"}).context[
        "rows"
    ]
    assert {(row["month"].month, row["name"], row["calls"]) for row in by_channel} == {
        (3, "Telefon", 3),
        (4, "Telefon", 1),
        (4, "Web formu", 1),
    }
    by_mahalle = client.get(URL, {"by": "mahalle", "since": "2026-03-01", "until": "2026-04-30"}).context[
        "rows"
    ]
    assert {row["name"] for row in by_mahalle} == {"Esenler / Menderes"}


def test_outside_the_period_nothing_and_a_bad_period_is_refused_without_an_error(world, client):
    assert client.login(username="fatma", password=PASSWORD)
    empty = client.get(URL, {"since": "2025-01-01", "until": "2025-02-01"})
    assert empty.status_code == 200 and 'id="feedback-none"' in empty.content.decode()
    assert client.get(URL, {"since": "2026-05-01", "until": "2026-03-01"}).status_code == 400
    assert client.get(URL, {"since": "bozuk", "format": "xlsx"}).status_code == 400
    assert client.get(URL, {"by": "nope"}).status_code == 400


@pytest.mark.parametrize(
    "period",
    [
        {"until": "0001-01-01"},
        {"since": "0001-01-01"},
        {"until": "9999-12-31"},
        {"since": "9999-12-31"},
        {"since": "1999-12-31", "until": "2026-01-01"},
        {"since": "2026-01-01", "until": "2100-01-01"},
    ],
)
def test_a_date_outside_2000_to_2099_is_a_turkish_form_error_never_a_500(world, client, period):
    assert client.login(username="fatma", password=PASSWORD)
    page = client.get(URL, {**period, "lang": "tr"})
    assert page.status_code == 400
    assert "2000 ile 2099 arasında bir tarih seçin." in page.content.decode()
    sheet = client.get(URL, {**period, "format": "xlsx"})
    assert sheet.status_code == 400 and "2000 ile 2099" in sheet.content.decode()
    assert client.get(URL, {"since": "2000-01-01", "until": "2004-12-31"}).status_code == 200


def test_the_readers_scope(world, client, other_institution, make_user, parks):
    assert client.login(username="hasan", password=PASSWORD)
    assert client.get(URL).status_code == 403
    client.logout()
    stranger = User.objects.create_user(
        username="kayseri", password=PASSWORD, role=User.Role.ADMINISTRATOR, institution=other_institution
    )
    assert client.login(username=stranger.username, password=PASSWORD)
    assert client.get(URL, {"since": "2026-03-01"}).context["rows"] == []
    client.logout()
    park_manager = make_user(User.Role.UNIT_MANAGER, "park_mudur", units=[parks])
    assert client.login(username=park_manager.username, password=PASSWORD)
    assert client.get(URL, {"since": "2026-03-01"}).context["rows"] == []
    client.logout()
    assert client.login(username="murat", password=PASSWORD)
    assert len(client.get(URL, {"since": "2026-03-01", "until": "2026-04-30"}).context["rows"]) == 2


def test_the_report_reads_the_figures_not_the_cases(world, client, django_assert_num_queries):
    assert client.login(username="fatma", password=PASSWORD)
    client.get(URL)
    # session, user, unread count, grouped figures, totals; the menu's KVKK permission (user, groups)
    with django_assert_num_queries(7):
        client.get(URL, {"since": "2026-03-01", "until": "2026-04-30"})


def test_the_excel_file(world, client):
    assert client.login(username="fatma", password=PASSWORD)
    answer = client.get(
        URL, {"by": "service", "since": "2026-03-01", "until": "2026-04-30", "format": "xlsx"}
    )
    assert answer.status_code == 200
    assert (
        answer["Content-Disposition"] == 'attachment; filename="geri-bildirim-service-20260301-20260430.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["Ay", "Grup", "Sonuçlanan", "Ulaşılan"]
    assert values[1][0] == "04.2026" and values[2][0] == "03.2026"
    assert values[2][2:7] == [3, 3, 2, 1, 1]
    assert values[-1][1] == "Toplam" and values[-1][2] == 5
