"""The manager overview: open, overdue, resolved and within-standard figures for a known set of cases."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.directory.models import User

OVERVIEW = "/raporlar/"


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def administrator(make_user):
    return make_user(User.Role.ADMINISTRATOR, "yonetici")


@pytest.fixture
def known_cases(make_case, road_manager, parks):
    """Roads: two open (one late), one waiting after its deadline, one answered in time, one late, one
    rejected. Parks: one open and one resolved, both without a service standard (no deadline, so they are
    left out of the within-standard rate). One case not yet given to any unit."""
    yesterday = timezone.now() - dt.timedelta(days=1)
    make_case(subject="Açık ve gecikmiş")  # received 18.03.2026, due 09.04.2026
    make_case(subject="Açık, süresi var", received_at=yesterday)
    services.ask_citizen(
        make_case(subject="Vatandaştan bilgi bekleniyor"), actor=road_manager, question="Adres?"
    )
    services.resolve(
        make_case(subject="Zamanında çözüldü", received_at=yesterday),
        actor=road_manager,
        resolution="Yapıldı.",
    )
    services.resolve(make_case(subject="Geç çözüldü"), actor=road_manager, resolution="Geç de olsa yapıldı.")
    services.reject(make_case(subject="Reddedildi"), actor=road_manager, reason="Özel mülk.")
    make_case(subject="Park bankı kırık", category=None, unit=parks)
    services.resolve(
        make_case(subject="Park çeşmesi", category=None, unit=parks), actor=None, resolution="Onarıldı."
    )
    make_case(subject="Nereye ait belli değil", category=None)


def figures(row: dict) -> tuple:
    return row["open"], row["overdue"], row["resolved"], row["within"], row["percent"]


def test_figures_per_unit_and_service(client, administrator, known_cases):
    client.force_login(administrator)

    response = client.get(OVERVIEW)

    by_unit = {row["name"]: figures(row) for row in response.context["by_unit"]}
    assert by_unit == {
        "Fen İşleri Müdürlüğü": (3, 2, 2, 1, 50.0),
        "Park ve Bahçeler Müdürlüğü": (1, 0, 1, 0, None),
        None: (1, 0, 0, 0, None),
    }
    by_service = {row["name"]: figures(row) for row in response.context["by_service"]}
    assert by_service == {"Yol bakım ve onarım talepleri": (3, 2, 2, 1, 50.0), None: (2, 0, 1, 0, None)}
    assert figures(response.context["totals"]) == (5, 2, 3, 1, 50.0)


def test_figures_are_on_the_page(client, administrator, known_cases):
    client.force_login(administrator)

    page = client.get(OVERVIEW, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    unit_table = page[page.index('id="by-unit"') : page.index("</table>", page.index('id="by-unit"'))]
    row = unit_table[unit_table.index("Fen İşleri Müdürlüğü") :]
    cells = [
        row.split(f'data-figure="{name}">', 1)[1].split("<", 1)[0]
        for name in ("open", "overdue", "resolved", "within", "percent")
    ]
    assert cells == ["3", "2", "2", "1", "50.0%"]
    assert "No unit yet" in unit_table


def test_a_unit_manager_sees_only_their_units(client, road_manager, known_cases):
    client.force_login(road_manager)

    response = client.get(OVERVIEW)

    assert [row["name"] for row in response.context["by_unit"]] == ["Fen İşleri Müdürlüğü"]
    assert figures(response.context["totals"]) == (3, 2, 2, 1, 50.0)


def test_period_filter_counts_cases_received_in_it(client, administrator, known_cases):
    client.force_login(administrator)
    today = timezone.localdate()

    response = client.get(
        OVERVIEW,
        {"received_from": (today - dt.timedelta(days=2)).isoformat(), "received_to": today.isoformat()},
    )

    assert figures(response.context["totals"]) == (1, 0, 1, 1, 100.0)


def test_the_number_of_queries_does_not_grow_with_the_cases(
    client, administrator, make_case, parks, road_manager, settings
):
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 0  # count both times (not the figures cached a moment ago)
    client.force_login(administrator)
    make_case()
    with CaptureQueriesContext(connection) as few:
        client.get(OVERVIEW)
    for i in range(12):
        make_case(subject=f"Park {i}", category=None, unit=parks)
        services.resolve(make_case(subject=f"Yol {i}"), actor=road_manager, resolution="Yapıldı.")
    with CaptureQueriesContext(connection) as many:
        client.get(OVERVIEW)

    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("role", [User.Role.UNIT_STAFF, User.Role.FIELD_TEAM])
def test_staff_without_an_overview_are_refused(client, make_user, role):
    client.force_login(make_user(role, "personel"))
    assert client.get(OVERVIEW).status_code == 403


def test_other_institutions_cases_are_not_counted(client, operator, other_institution, known_cases):
    services.open_case(institution=other_institution, channel="phone", subject="Kayseri")
    client.force_login(operator)

    assert figures(client.get(OVERVIEW).context["totals"])[0] == 5


def test_units_are_listed_in_turkish_alphabetical_order(client, administrator, institution, make_case):
    from kentmasa.directory.models import Unit

    names = [
        "Zabıta Müdürlüğü",
        "Çevre Koruma Müdürlüğü",
        "İmar Müdürlüğü",
        "Işıklandırma Birimi",
        "Cenaze Hizmetleri",
    ]
    for name in names:
        make_case(subject=name, category=None, unit=Unit.objects.create(institution=institution, name=name))
    client.force_login(administrator)

    listed = [row["name"] for row in client.get(OVERVIEW).context["by_unit"] if row["name"]]

    assert listed == [
        "Cenaze Hizmetleri",
        "Çevre Koruma Müdürlüğü",
        "Işıklandırma Birimi",
        "İmar Müdürlüğü",
        "Zabıta Müdürlüğü",
    ]
